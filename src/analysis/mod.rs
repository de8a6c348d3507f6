//! The pipeline in one place: open the bundle, detect its members, fix its clock, parse
//! every artifact into facts and events, run the rules, rank, and assemble the report.
//!
//! Logs are read while the bundle streams out of its archive and then dropped; only
//! classified SSH-related events are kept (for rules and the timeline), so memory follows
//! the number of such events, not the size of the logs. [`stream_events`] keeps no events.

mod builder;
mod clock;
mod logs;
mod timeline;

pub use logs::{log_records, LogStream, Unparsed};
pub use timeline::stream_events;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::bundle::{self, Bundle, Limits};
use crate::detect::{self, Artifact};
use crate::error::{Error, Result};
use crate::facts::Facts;
use crate::finding::{BundleInfo, Report, SCHEMA_VERSION};
use crate::model::{Diagnostic, Event, Location};
use crate::rank::{self, Hints};
use crate::rules::{self, RuleContext};
use crate::time::{self, Overrides, TimeContext, Zone};

use builder::{dedupe_across_sources, load_sshd_config, load_sshd_t, FactsBuilder};
use clock::{clock_facts, host_names};
use timeline::root_cause_timeline;

/// What the user can tell the analysis.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub limits: Limits,
    pub user: Option<String>,
    pub client: Option<String>,
    /// `--at` as typed: RFC 3339, or local time in the bundle's zone.
    pub at: Option<String>,
    pub zone: Option<Zone>,
    pub year: Option<i32>,
}

/// The result of an analysis: the report, and the facts behind it for commands that need
/// more than the report (sshd-config, inventory).
pub struct Analysis {
    pub report: Report,
    pub facts: Facts,
    pub time: TimeContext,
    /// Lines of log artifacts that no parser recognised, per member, for `inventory`.
    pub unrecognized: Vec<(Location, String)>,
}

/// Analyses the bundle at `path`. Logs are read while the archive streams by and their
/// bytes dropped, so memory does not grow with the size of the logs.
pub fn analyze(path: &Path, options: &Options) -> Result<Analysis> {
    let mut logs = LogStream::default();
    let bundle = {
        let mut sink =
            |member: &str, data: &[u8], mtime: Option<i64>| logs.offer(member, data, mtime);
        bundle::open_streaming(path, &options.limits, &mut sink)?
    };
    analyze_parts(&bundle, logs, options)
}

/// Analyses a bundle already in memory (tests, benchmarks, bundles from stdin).
pub fn analyze_bundle(bundle: &Bundle, options: &Options) -> Result<Analysis> {
    analyze_parts(bundle, LogStream::default(), options)
}

/// Reads the logs still among `bundle`'s members into `logs`, and detects the rest.
fn split_logs<'b>(
    bundle: &'b Bundle,
    logs: &mut LogStream,
) -> (Vec<Artifact<'b>>, Vec<Diagnostic>) {
    let taken: HashSet<&str> = bundle
        .members
        .iter()
        .filter(|m| logs.offer(&m.path, &m.data, m.mtime))
        .map(|m| &*m.path)
        .collect();
    let (mut artifacts, diags) = detect::detect(bundle);
    artifacts.retain(|a| !taken.contains(&*a.path));
    (artifacts, diags)
}

/// The first stages, shared by every command: detect the members and read the logs, then
/// fix the clock.
fn prepare<'b>(
    bundle: &'b Bundle,
    logs: &mut LogStream,
    options: &Options,
) -> (Vec<Artifact<'b>>, TimeContext, Vec<Diagnostic>) {
    let mut diagnostics = bundle.diagnostics.clone();
    let (artifacts, detect_diags) = split_logs(bundle, logs);
    diagnostics.extend(detect_diags);
    let clock_facts = clock_facts(bundle, &artifacts, logs, &mut diagnostics);
    let overrides = Overrides {
        zone: options.zone.clone(),
        year: options.year,
    };
    let (time_ctx, time_diags) = TimeContext::resolve(&clock_facts, &overrides);
    diagnostics.extend(time_diags);
    (artifacts, time_ctx, diagnostics)
}

fn analyze_parts(bundle: &Bundle, mut logs: LogStream, options: &Options) -> Result<Analysis> {
    let (artifacts, time_ctx, mut diagnostics) = prepare(bundle, &mut logs, options);
    let hints = hints(options, &time_ctx)?;

    let mut builder = FactsBuilder::new(&time_ctx);
    builder.kernel_marks = std::mem::take(&mut logs.kernel_marks);
    for artifact in &artifacts {
        builder.add(artifact);
    }
    let FactsBuilder {
        mut facts,
        mut summaries,
        diagnostics: parse_diags,
        config_files,
        ..
    } = builder;
    diagnostics.extend(std::mem::take(&mut logs.diagnostics));
    diagnostics.extend(parse_diags);
    summaries.append(&mut logs.summaries);
    summaries.sort_by(|a, b| a.path.cmp(&b.path));
    let unrecognized = std::mem::take(&mut logs.unrecognized);
    let mut events = logs.into_events(&time_ctx, &mut diagnostics);
    events.append(&mut facts.events);
    facts.events = events;
    facts.sshd_config = load_sshd_config(&config_files, &mut diagnostics);
    facts.sshd_effective = load_sshd_t(&config_files, &mut diagnostics);
    facts.collected_at = time_ctx.collected_at;
    facts.hosts.extend(host_names(&artifacts, &mut diagnostics));
    dedupe_across_sources(&mut facts.events, &summaries, &mut diagnostics);
    facts.events.sort_by_key(|e| (e.time.is_none(), e.time));
    if facts.hosts.is_empty() {
        facts.hosts.extend(most_common_hosts(&facts.events));
    }

    let rule_ctx = RuleContext::new(&facts, &hints);
    let mut findings = rules::run_all(&rule_ctx);
    diagnostics.extend(rule_ctx.take_diagnostics());
    rank::rank(&mut findings, &hints);

    let mut timeline = root_cause_timeline(&facts.events, &findings);
    timeline::add_snapshots(&mut timeline, &facts, &findings, &time_ctx);
    let report = Report {
        schema_version: SCHEMA_VERSION,
        bundle: BundleInfo {
            path: bundle.name.clone(),
            hosts: facts.hosts.iter().cloned().collect(),
            collected_at: time_ctx.collected_at,
            timezone: time_ctx.zone_known.then(|| time::zone_name(&time_ctx.zone)),
        },
        findings,
        timeline,
        artifacts: summaries,
        diagnostics,
    };
    Ok(Analysis {
        report,
        facts,
        time: time_ctx,
        unrecognized,
    })
}

fn hints(options: &Options, ctx: &TimeContext) -> Result<Hints> {
    let at = match &options.at {
        Some(s) => Some(time::parse_at(s, &ctx.zone).ok_or_else(|| {
            Error::Argument(format!(
                "--at {s:?}: expected RFC 3339 (2026-11-20T14:05:00Z) or \"YYYY-MM-DD HH:MM[:SS]\""
            ))
        })?),
        None => None,
    };
    Ok(Hints {
        user: options.user.clone(),
        client: options.client.clone(),
        at,
    })
}

fn most_common_hosts(events: &[Event]) -> Vec<String> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for e in events {
        if let Some(h) = &e.host {
            *counts.entry(h).or_default() += 1;
        }
    }
    let mut v: Vec<(&str, usize)> = counts.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    v.into_iter().take(3).map(|(h, _)| h.to_owned()).collect()
}
