//! The pipeline in one place: open the bundle, detect its members, fix its clock, parse
//! every artifact into facts and events, run the rules, rank, and assemble the report.
//!
//! Log files are streamed record by record; only classified SSH-related events are kept
//! (for rules and the timeline), so memory follows the number of such events, not the size
//! of the logs. [`stream_events`] goes further and never keeps events at all.

use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap};
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::bundle::{self, Bundle, Limits};
use crate::detect::{self, Artifact, ArtifactKind};
use crate::error::{Error, Result};
use crate::facts::{Facts, FileRecord, SourceText, UnitRecord};
use crate::finding::{ArtifactSummary, BundleInfo, Finding, Report, TimelineEntry, SCHEMA_VERSION};
use crate::model::{Diagnostic, Event, EventFields, EventKind, Level, Location, LogRecord};
use crate::parse::messages::{self, Classification};
use crate::parse::{accounts, clock, journal, listing, ssh_client, sshd_config, syslog, systemctl};
use crate::rank::{self, Hints};
use crate::rules::{self, RuleContext};
use crate::time::{self, ClockFacts, Overrides, TimeContext, YearTracker, Zone};

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

/// Analyses the bundle at `path`.
pub fn analyze(path: &Path, options: &Options) -> Result<Analysis> {
    let bundle = bundle::open(path, &options.limits)?;
    analyze_bundle(&bundle, options)
}

/// The first stages, shared by every command: detect the members, then fix the clock.
fn prepare<'b>(
    bundle: &'b Bundle,
    options: &Options,
) -> (Vec<Artifact<'b>>, TimeContext, Vec<Diagnostic>) {
    let mut diagnostics = bundle.diagnostics.clone();
    let (artifacts, detect_diags) = detect::detect(bundle);
    diagnostics.extend(detect_diags);
    let clock_facts = clock_facts(bundle, &artifacts, &mut diagnostics);
    let overrides = Overrides {
        zone: options.zone.clone(),
        year: options.year,
    };
    let (time_ctx, time_diags) = TimeContext::resolve(&clock_facts, &overrides);
    diagnostics.extend(time_diags);
    (artifacts, time_ctx, diagnostics)
}

/// Analyses a bundle already in memory.
pub fn analyze_bundle(bundle: &Bundle, options: &Options) -> Result<Analysis> {
    let (artifacts, time_ctx, mut diagnostics) = prepare(bundle, options);
    let hints = hints(options, &time_ctx)?;

    let mut builder = FactsBuilder::new(&time_ctx);
    for artifact in &artifacts {
        builder.add(artifact);
    }
    let FactsBuilder {
        mut facts,
        summaries,
        unrecognized,
        diagnostics: parse_diags,
        config_files,
        ..
    } = builder;
    diagnostics.extend(parse_diags);
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

    let timeline = root_cause_timeline(&facts.events, &findings);
    let report = Report {
        schema_version: SCHEMA_VERSION,
        bundle: BundleInfo {
            path: bundle.name.clone(),
            hosts: facts.hosts.iter().cloned().collect(),
            collected_at: time_ctx.collected_at,
            timezone: Some(time::zone_name(&time_ctx.zone)),
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

/// Reads the bundle's own clock: collection time, zone, and fallbacks.
fn clock_facts(bundle: &Bundle, artifacts: &[Artifact], diags: &mut Vec<Diagnostic>) -> ClockFacts {
    let mut facts = ClockFacts::default();
    let mut local_collection: Option<(clock::CollectionTime, String)> = None;
    for a in artifacts {
        let mut d = Vec::new();
        let source = describe(a);
        match a.kind {
            ArtifactKind::Timedatectl => {
                let t = clock::parse_timedatectl(&a.text, &mut d);
                if let Some((utc, _)) = t.universal {
                    facts.collected_at = Some((utc, source.clone()));
                }
                if let Some(zone) = t.zone_name.as_deref().and_then(Zone::parse) {
                    facts.zone = Some((zone, source.clone()));
                } else if let (None, Some(off)) = (&facts.zone, t.zone_offset) {
                    facts.zone = Some((Zone::Fixed(off), source.clone()));
                }
            }
            ArtifactKind::Date => {
                if let Some(c) = clock::parse_date(&a.text, &mut d) {
                    match c.utc() {
                        Some(utc) if facts.collected_at.is_none() => {
                            facts.collected_at = Some((utc, source.clone()))
                        }
                        Some(_) => {}
                        None => local_collection = Some((c, source.clone())),
                    }
                }
            }
            ArtifactKind::TimezoneName => {
                if let Some(zone) =
                    clock::parse_timezone_file(&a.text).and_then(|(n, _)| Zone::parse(&n))
                {
                    facts.zone.get_or_insert((zone, source.clone()));
                }
            }
            ArtifactKind::SysconfigClock => {
                if let Some(zone) =
                    clock::parse_sysconfig_clock(&a.text).and_then(|(n, _)| Zone::parse(&n))
                {
                    facts.zone.get_or_insert((zone, source.clone()));
                }
            }
            ArtifactKind::Localtime => {
                if let Some(zone) = clock::tzif_footer(&a.bytes).and_then(|s| Zone::parse(&s)) {
                    facts.zone.get_or_insert((zone, source.clone()));
                }
            }
            _ => {}
        }
        diags.extend(d.into_iter().map(|x| place(x, a)));
    }
    if facts.zone.is_none() {
        for (link, target) in &bundle.links {
            if link.ends_with("etc/localtime") {
                if let Some(zone) =
                    clock::zone_from_link_target(target).and_then(|n| Zone::parse(&n))
                {
                    facts.zone = Some((zone, format!("the {link} link ({target})")));
                }
            }
        }
    }
    if facts.zone.is_none() {
        facts.zone = zone_from_journal_matches(artifacts);
    }
    // A `date` in local time becomes exact once the zone is known.
    if let (None, Some((c, source))) = (&facts.collected_at, &local_collection) {
        if let Some((zone, _)) = &facts.zone {
            if let Some(utc) = zone.to_utc(c.local) {
                facts.collected_at = Some((utc, source.clone()));
            }
        } else if let Some(abbrev) = &c.zone_abbrev {
            diags.push(Diagnostic::warning(format!(
                "{source} gives the collection time in zone \"{abbrev}\", which the bundle does not define"
            )));
        }
    }
    facts.newest_mtime = bundle
        .members
        .iter()
        .filter_map(|m| m.mtime)
        .max()
        .and_then(|s| DateTime::<Utc>::from_timestamp(s, 0));
    facts.newest_absolute = newest_journal_time(artifacts);
    facts
}

/// How many journal records to index when matching lines against local-time logs.
const ZONE_MATCH_RECORDS: usize = 50_000;

/// When the bundle does not name its zone but carries the same lines twice, in a journal
/// export (absolute UTC) and in a local-time log, their difference is the zone's offset.
/// The most common offset among matching lines wins; it is reported as inferred.
fn zone_from_journal_matches(artifacts: &[Artifact]) -> Option<(Zone, String)> {
    let mut utc_of: HashMap<(String, Option<u32>, String), DateTime<Utc>> = HashMap::new();
    for a in artifacts.iter().filter(|a| {
        matches!(
            a.kind,
            ArtifactKind::JournalExport | ArtifactKind::JournalJson
        )
    }) {
        for r in log_records(a)?.flatten().take(ZONE_MATCH_RECORDS) {
            if let crate::model::RecordTime::Utc(t) = r.time {
                utc_of.entry((r.program, r.pid, r.message)).or_insert(t);
            }
        }
    }
    if utc_of.is_empty() {
        return None;
    }
    let mut votes: BTreeMap<i64, (usize, Arc<str>)> = BTreeMap::new();
    for a in artifacts
        .iter()
        .filter(|a| matches!(a.kind, ArtifactKind::Syslog | ArtifactKind::JournalText))
    {
        for r in log_records(a)?.flatten().take(ZONE_MATCH_RECORDS) {
            let Some(utc) = utc_of.get(&(r.program.clone(), r.pid, r.message.clone())) else {
                continue;
            };
            let local = match r.time {
                crate::model::RecordTime::Local(t) => t,
                crate::model::RecordTime::YearLess { month, day, time } => {
                    match chrono::NaiveDate::from_ymd_opt(chrono::Datelike::year(utc), month, day) {
                        Some(d) => d.and_time(time),
                        None => continue,
                    }
                }
                _ => continue,
            };
            // Offsets are whole quarter hours; rounding absorbs sub-second differences.
            let seconds = (local - utc.naive_utc()).num_seconds();
            let quarter = 15 * 60;
            let offset = ((seconds as f64 / quarter as f64).round() as i64) * quarter;
            votes.entry(offset).or_insert((0, a.path.clone())).0 += 1;
        }
    }
    let (offset, (n, path)) = votes.into_iter().max_by_key(|(_, (n, _))| *n)?;
    let fixed = chrono::FixedOffset::east_opt(i32::try_from(offset).ok()?)?;
    Some((
        Zone::Fixed(fixed),
        format!("{n} line(s) of {path} that the journal also records in UTC (inferred)"),
    ))
}

fn newest_journal_time(artifacts: &[Artifact]) -> Option<DateTime<Utc>> {
    artifacts
        .iter()
        .filter(|a| {
            matches!(
                a.kind,
                ArtifactKind::JournalExport | ArtifactKind::JournalJson
            )
        })
        .filter_map(|a| {
            log_records(a)?
                .filter_map(|r| r.ok())
                .filter_map(|r| match r.time {
                    crate::model::RecordTime::Utc(t) => Some(t),
                    _ => None,
                })
                .max()
        })
        .max()
}

fn describe(a: &Artifact) -> String {
    match (&a.command, &a.system_path) {
        (Some(c), _) => format!("{} ({c})", a.path),
        (None, Some(p)) if !a.path.ends_with(p.trim_start_matches('/')) => {
            format!("{} ({p})", a.path)
        }
        _ => a.path.to_string(),
    }
}

/// Puts a parser's diagnostic in the bundle: the member path and the member's line number.
fn place(mut d: Diagnostic, a: &Artifact) -> Diagnostic {
    d.path = Some(a.path.clone());
    d.line = d.line.map(|l| l + a.line_offset);
    d
}

fn host_names(artifacts: &[Artifact], diags: &mut Vec<Diagnostic>) -> BTreeSet<String> {
    let mut hosts = BTreeSet::new();
    for a in artifacts {
        if matches!(a.kind, ArtifactKind::Hostname | ArtifactKind::Hostnamectl) {
            let mut d = Vec::new();
            if let Some(h) = clock::parse_hostname(&a.text, &mut d) {
                hosts.insert(h.name);
            }
            diags.extend(d.into_iter().map(|x| place(x, a)));
        }
    }
    // Keep the short and long forms of one name as one host.
    let names: Vec<String> = hosts.iter().cloned().collect();
    hosts.retain(|h| {
        !names
            .iter()
            .any(|o| o != h && o.starts_with(&format!("{h}.")))
    });
    hosts
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

/// A log line that no parser understood.
pub type Unparsed = syslog::Unparsed;

/// The records of a log artifact, lazily, whatever its shape; `None` for other kinds.
pub fn log_records<'a>(
    artifact: &'a Artifact,
) -> Option<Box<dyn Iterator<Item = std::result::Result<LogRecord, Unparsed>> + 'a>> {
    let text: &'a str = &artifact.text;
    Some(match artifact.kind {
        ArtifactKind::Syslog => Box::new(syslog::records(text)),
        ArtifactKind::JournalText => Box::new(journal::text_records(text)),
        ArtifactKind::JournalExport => Box::new(journal::export_records(&artifact.bytes)),
        ArtifactKind::JournalJson => Box::new(journal::json_records(text)),
        _ => return None,
    })
}

/// Turns a parsed record into an event: classified, on the UTC clock, located in the
/// bundle. Records of programs rootline does not interpret become `log_line` events when
/// `keep_all` is set (the full timeline), and are dropped otherwise.
fn to_event(
    record: LogRecord,
    artifact: &Artifact,
    ctx: &TimeContext,
    years: &mut YearTracker,
    keep_all: bool,
) -> (Option<Event>, bool) {
    let time = ctx.to_utc(&record.time, years);
    let (kind, mut fields, recognized) = match messages::classify(&record.program, &record.message)
    {
        Classification::Event(c) => (c.kind, c.fields, true),
        Classification::Unrecognized => (EventKind::Other, EventFields::default(), false),
        Classification::NotOurs if keep_all => (EventKind::LogLine, EventFields::default(), true),
        Classification::NotOurs => return (None, true),
    };
    if fields.unit.is_none() {
        fields.unit = record.journal.as_ref().and_then(|j| j.unit.clone());
    }
    let event = Event {
        time,
        host: record.host,
        program: record.program,
        pid: record.pid,
        kind,
        fields,
        message: record.message,
        location: Location::new(artifact.path.clone(), record.line + artifact.line_offset),
        text: record.text,
    };
    (Some(event), recognized)
}

/// Collects facts from artifacts one at a time.
struct FactsBuilder<'t> {
    time: &'t TimeContext,
    facts: Facts,
    summaries: Vec<ArtifactSummary>,
    unrecognized: Vec<(Location, String)>,
    diagnostics: Vec<Diagnostic>,
    config_files: Vec<ConfigSource>,
}

/// An sshd configuration file found in the bundle.
struct ConfigSource {
    system_path: Option<String>,
    member_path: Arc<str>,
    /// The text, preceded by as many empty lines as the artifact's offset in its member,
    /// so the configuration parser's line numbers are the member's (supportconfig
    /// sections start deep inside their file; empty lines mean nothing to sshd).
    text: String,
    kind: ArtifactKind,
}

/// How many unrecognised lines to remember per member for `inventory --unrecognized`.
const UNRECOGNIZED_KEPT: usize = 200;

impl<'t> FactsBuilder<'t> {
    fn new(time: &'t TimeContext) -> Self {
        FactsBuilder {
            time,
            facts: Facts::default(),
            summaries: Vec::new(),
            unrecognized: Vec::new(),
            diagnostics: Vec::new(),
            config_files: Vec::new(),
        }
    }

    fn add(&mut self, a: &Artifact) {
        self.facts.kinds.insert(a.kind);
        if let Some(p) = &a.system_path {
            self.facts.system_paths.push((p.clone(), a.path.clone()));
        }
        let lines = a.line_count();
        let (recognized, events) = match a.kind {
            ArtifactKind::Syslog
            | ArtifactKind::JournalText
            | ArtifactKind::JournalExport
            | ArtifactKind::JournalJson => self.add_log(a),
            ArtifactKind::SystemctlStatus => self.add_systemctl(a),
            ArtifactKind::SshClient => self.add_client(a),
            ArtifactKind::SshdConfig | ArtifactKind::SshdEffective => {
                self.config_files.push(ConfigSource {
                    system_path: a.system_path.clone(),
                    member_path: a.path.clone(),
                    text: format!("{}{}", "\n".repeat(a.line_offset), a.text),
                    kind: a.kind,
                });
                self.keep_source(a);
                (lines, 0)
            }
            ArtifactKind::Passwd => self.add_passwd(a),
            ArtifactKind::Group => self.add_group(a),
            ArtifactKind::Listing | ArtifactKind::Stat => self.add_listing(a),
            ArtifactKind::SystemctlShow => {
                let mut d = Vec::new();
                let units = systemctl::parse_show(&a.text, &mut d);
                self.parse_diags(d, a);
                (units.iter().map(|u| u.props.len()).sum(), 0)
            }
            ArtifactKind::SystemctlUnits => {
                let mut d = Vec::new();
                let units = systemctl::parse_list_units(&a.text, &mut d);
                self.parse_diags(d, a);
                (units.len(), 0)
            }
            ArtifactKind::JournalBoots => (journal::parse_boots(&a.text).len(), 0),
            ArtifactKind::Unknown => {
                self.diagnostics.push(
                    Diagnostic::info("not a kind of file rootline reads; skipped")
                        .at_path(a.path.clone()),
                );
                (0, 0)
            }
            _ => (lines, 0),
        };
        self.summaries.push(ArtifactSummary {
            path: a.path.clone(),
            section: a.section.clone(),
            kind: a.kind.name(),
            lines,
            recognized,
            events,
        });
    }

    fn keep_source(&mut self, a: &Artifact) {
        self.facts.sources.push(SourceText {
            path: a.path.clone(),
            line_offset: a.line_offset,
            system_path: a.system_path.clone(),
            kind: a.kind,
            text: a.text.to_string(),
        });
    }

    fn parse_diags(&mut self, diags: Vec<Diagnostic>, a: &Artifact) {
        self.diagnostics
            .extend(diags.into_iter().map(|d| place(d, a)));
    }

    fn add_log(&mut self, a: &Artifact) -> (usize, usize) {
        let Some(records) = log_records(a) else {
            return (0, 0);
        };
        let mut years = self
            .time
            .year_tracker(time::yearless_months(&a.text), a.mtime);
        let (mut recognized, mut events, mut unparsed, mut unknown_msgs) = (0, 0, 0usize, 0usize);
        let mut first_unparsed: Option<(usize, String)> = None;
        let mut untimed = 0;
        for item in records {
            match item {
                Ok(record) => {
                    let (event, understood) = to_event(record, a, self.time, &mut years, false);
                    recognized += 1;
                    let Some(event) = event else { continue };
                    if !understood {
                        unknown_msgs += 1;
                        self.remember_unrecognized(event.location.clone(), event.text.clone());
                        continue;
                    }
                    if event.time.is_none() {
                        untimed += 1;
                    }
                    events += 1;
                    self.facts.events.push(event);
                }
                Err(u) => {
                    unparsed += 1;
                    let line = u.line + a.line_offset;
                    first_unparsed.get_or_insert((line, u.text.clone()));
                    self.remember_unrecognized(Location::new(a.path.clone(), line), u.text);
                }
            }
        }
        self.report_unparsed(a, recognized, unparsed, first_unparsed);
        if unknown_msgs > 0 {
            self.diagnostics.push(
                Diagnostic::info(format!(
                    "{unknown_msgs} sshd/PAM/systemd message(s) of a wording rootline does not \
                     classify (list them with `rootline inventory --unrecognized`)"
                ))
                .at_path(a.path.clone()),
            );
        }
        if untimed > 0 {
            self.diagnostics.push(
                Diagnostic::warning(format!(
                    "{untimed} event(s) could not be placed in time (no year or zone)"
                ))
                .at_path(a.path.clone()),
            );
        }
        (recognized, events)
    }

    fn remember_unrecognized(&mut self, location: Location, text: String) {
        let same_member = self
            .unrecognized
            .iter()
            .rev()
            .take_while(|(l, _)| l.path == location.path)
            .count();
        if same_member < UNRECOGNIZED_KEPT {
            self.unrecognized.push((location, text));
        }
    }

    fn report_unparsed(
        &mut self,
        a: &Artifact,
        recognized: usize,
        unparsed: usize,
        first: Option<(usize, String)>,
    ) {
        let Some((line, text)) = first else { return };
        let total = recognized + unparsed;
        let level = if unparsed * 10 > total {
            Level::Warning
        } else {
            Level::Info
        };
        let mut shown: String = text.chars().take(80).collect();
        if shown.len() < text.len() {
            shown.push('…');
        }
        self.diagnostics.push(
            Diagnostic::new(
                level,
                format!(
                    "{unparsed} of {total} lines are not log records rootline recognises; the \
                     first is: {shown}"
                ),
            )
            .at(&Location::new(a.path.clone(), line)),
        );
    }

    fn add_systemctl(&mut self, a: &Artifact) -> (usize, usize) {
        let mut d = Vec::new();
        let report = systemctl::parse_status(&a.text, &mut d);
        self.parse_diags(d, a);
        self.keep_source(a);
        let mut events = 0;
        for unit in report.units {
            let tail: Vec<(usize, String)> = unit.journal_tail.clone();
            let months: Vec<(u32, u32)> = tail
                .iter()
                .flat_map(|(_, t)| time::yearless_months(t).collect::<Vec<_>>())
                .collect();
            let mut years = self.time.year_tracker(months, a.mtime);
            for (line, text) in tail {
                let Some(mut record) = syslog::parse_line(&text) else {
                    continue;
                };
                record.line = line;
                if let (Some(event), true) =
                    (to_event(record, a, self.time, &mut years, false).0, true)
                {
                    if event.kind != EventKind::Other {
                        events += 1;
                        self.facts.events.push(event);
                    }
                }
            }
            self.facts.units.push(UnitRecord {
                path: a.path.clone(),
                line_offset: a.line_offset,
                status: unit,
            });
        }
        (a.line_count(), events)
    }

    /// A client transcript: its lines have no time, so they join the events undated.
    fn add_client(&mut self, a: &Artifact) -> (usize, usize) {
        let transcript = ssh_client::parse(&a.text);
        let recognized = transcript.lines.len();
        for line in transcript.lines {
            let message = line.text.trim().to_owned();
            self.facts.events.push(Event {
                time: None,
                host: None,
                program: "ssh".to_owned(),
                pid: None,
                kind: line.kind,
                fields: line.fields,
                message,
                location: Location::new(a.path.clone(), line.line + a.line_offset),
                text: line.text,
            });
        }
        (recognized, recognized)
    }

    fn add_passwd(&mut self, a: &Artifact) -> (usize, usize) {
        let mut d = Vec::new();
        let passwd = accounts::parse_passwd(&a.text, &mut d);
        self.parse_diags(d, a);
        self.keep_source(a);
        let n = passwd.accounts.len();
        // The same accounts often come twice (/etc/passwd and `getent passwd`): keep the first.
        for acc in passwd.accounts {
            if self.facts.account(&acc.name).is_none() {
                self.facts
                    .accounts
                    .push((a.path.clone(), a.line_offset, acc));
            }
        }
        (n, 0)
    }

    fn add_group(&mut self, a: &Artifact) -> (usize, usize) {
        let mut d = Vec::new();
        let groups = accounts::parse_groups(&a.text, &mut d);
        self.parse_diags(d, a);
        let n = groups.groups.len();
        self.facts.groups.extend(groups.groups);
        (n, 0)
    }

    fn add_listing(&mut self, a: &Artifact) -> (usize, usize) {
        let mut d = Vec::new();
        let parsed = if a.kind == ArtifactKind::Stat {
            listing::parse_stat(&a.text, &mut d)
        } else {
            listing::parse_ls(&a.text, &mut d)
        };
        self.parse_diags(d, a);
        self.keep_source(a);
        let n = parsed.entries.len();
        self.facts
            .files
            .extend(parsed.entries.into_iter().map(|entry| FileRecord {
                path: a.path.clone(),
                line_offset: a.line_offset,
                entry,
            }));
        (n, 0)
    }
}

/// The sshd configuration files of the bundle, by the path they had on the host.
struct BundleConfigFiles<'a> {
    files: &'a [ConfigSource],
}

impl sshd_config::ConfigFiles for BundleConfigFiles<'_> {
    fn read(&self, system_path: &str) -> Option<(Arc<str>, String)> {
        self.files
            .iter()
            .find(|f| f.system_path.as_deref() == Some(system_path))
            .map(|f| (f.member_path.clone(), f.text.clone()))
    }

    fn glob(&self, pattern: &str) -> Vec<String> {
        sshd_config::glob_paths(
            pattern,
            self.files.iter().filter_map(|f| f.system_path.as_deref()),
        )
    }
}

/// The host's sshd configuration: `/etc/ssh/sshd_config` with its includes when the bundle
/// has host paths, else the one loose sshd_config file.
fn load_sshd_config(
    files: &[ConfigSource],
    diags: &mut Vec<Diagnostic>,
) -> Option<sshd_config::SshdConfig> {
    let configs: Vec<&ConfigSource> = files
        .iter()
        .filter(|f| f.kind == ArtifactKind::SshdConfig)
        .collect();
    if configs
        .iter()
        .any(|f| f.system_path.as_deref() == Some("/etc/ssh/sshd_config"))
    {
        let view = BundleConfigFiles { files };
        return sshd_config::load(&view, "/etc/ssh/sshd_config", diags);
    }
    let loose: Vec<&&ConfigSource> = configs.iter().filter(|f| f.system_path.is_none()).collect();
    let main = loose.first()?;
    if loose.len() > 1 {
        diags.push(
            Diagnostic::warning(format!(
                "{} files look like sshd_config; evaluating {} as the server's configuration",
                loose.len(),
                main.member_path
            ))
            .at_path(main.member_path.clone()),
        );
    }
    Some(sshd_config::parse_text(
        &main.member_path,
        &main.text,
        diags,
    ))
}

/// `sshd -T` output, when the bundle has it.
fn load_sshd_t(
    files: &[ConfigSource],
    diags: &mut Vec<Diagnostic>,
) -> Option<crate::facts::sshd_config::EffectiveConfig> {
    let source = files
        .iter()
        .find(|f| f.kind == ArtifactKind::SshdEffective)?;
    Some(sshd_config::parse_sshd_t(
        &source.member_path,
        &source.text,
        diags,
    ))
}

/// Which copy of a line to keep when a bundle holds it twice: the log file the host wrote
/// (what an engineer opens first), then structured journal exports, then text dumps.
fn source_preference(kind: &str) -> u8 {
    match kind {
        "syslog" => 0,
        "journal-export" | "journal-json" => 1,
        "journal-text" => 2,
        "systemctl-status" => 3,
        _ => 4,
    }
}

/// What makes two log lines the same line: when, where, who, and what.
type LineKey = (DateTime<Utc>, Option<String>, String, Option<u32>, String);

/// Sosreports carry the same lines in /var/log and in journalctl dumps (and in systemctl
/// status tails). Each line is kept once, from the preferred source, so counts and evidence
/// are not doubled. Lines repeated within one file are all kept: they are real repeats.
fn dedupe_across_sources(
    events: &mut Vec<Event>,
    summaries: &[ArtifactSummary],
    diags: &mut Vec<Diagnostic>,
) {
    let kind_of: HashMap<&str, &str> = summaries.iter().map(|s| (&*s.path, s.kind)).collect();
    let preference =
        |e: &Event| source_preference(kind_of.get(&*e.location.path).copied().unwrap_or(""));
    events.sort_by_key(|e| preference(e));
    let mut first_path: HashMap<LineKey, Arc<str>> = HashMap::new();
    let mut dropped: BTreeMap<Arc<str>, (usize, Arc<str>)> = BTreeMap::new();
    events.retain(|e| {
        let Some(time) = e.time else { return true };
        let key = (
            time,
            e.host.clone(),
            e.program.clone(),
            e.pid,
            e.message.clone(),
        );
        match first_path.get(&key) {
            Some(kept) if *kept != e.location.path => {
                let entry = dropped
                    .entry(e.location.path.clone())
                    .or_insert((0, kept.clone()));
                entry.0 += 1;
                false
            }
            Some(_) => true,
            None => {
                first_path.insert(key, e.location.path.clone());
                true
            }
        }
    });
    for (path, (n, kept)) in dropped {
        diags.push(
            Diagnostic::info(format!(
                "{n} event(s) here also appear in {kept}; that copy is used as evidence"
            ))
            .at_path(path),
        );
    }
}

/// The events to show as the root-cause timeline: every event a finding cites, plus the
/// other lines of the same connections, in time order.
fn root_cause_timeline(events: &[Event], findings: &[Finding]) -> Vec<TimelineEntry> {
    let mut cited: HashMap<(&str, usize), Vec<&'static str>> = HashMap::new();
    for f in findings {
        for e in &f.evidence {
            cited.entry((&e.path, e.line)).or_default().push(f.id);
        }
    }
    // Context: the other lines of a cited connection (same host and pid), and systemd's
    // other lines about a cited unit. systemd's own pid is shared by every unit, so units
    // are matched by name instead.
    let is_cited = |e: &Event| cited.contains_key(&(&*e.location.path, e.location.line));
    // Only sshd gives each connection its own process; logind, systemd and sudo are shared
    // daemons whose pid says nothing about a connection.
    let per_connection = |e: &Event| messages::is_ssh_related(&e.program);
    let connections: BTreeSet<(Option<&str>, u32)> = events
        .iter()
        .filter(|e| is_cited(e) && per_connection(e))
        .filter_map(|e| e.pid.map(|p| (e.host.as_deref(), p)))
        .collect();
    let units: BTreeSet<&str> = events
        .iter()
        .filter(|e| is_cited(e) && e.program == "systemd")
        .filter_map(|e| e.fields.unit.as_deref())
        .collect();
    const MAX_CONTEXT: usize = 200;
    let mut context = 0;
    let mut out = Vec::new();
    for e in events {
        let ids = cited.get(&(&*e.location.path, e.location.line));
        let related = if e.program == "systemd" {
            e.fields.unit.as_deref().is_some_and(|u| units.contains(u))
        } else {
            per_connection(e)
                && e.pid
                    .is_some_and(|p| connections.contains(&(e.host.as_deref(), p)))
        };
        if ids.is_none() {
            if !related || context >= MAX_CONTEXT {
                continue;
            }
            context += 1;
        }
        out.push(TimelineEntry {
            time: e.time,
            host: e.host.clone(),
            kind: e.kind.name(),
            message: e.message.clone(),
            path: e.location.path.clone(),
            line: e.location.line,
            fields: serde_json::to_value(&e.fields).unwrap_or_default(),
            findings: ids.cloned().unwrap_or_default(),
        });
    }
    out
}

/// Streams every event of the bundle, all programs included, in time order across sources,
/// to `sink`. Each log artifact is read lazily and merged by time, so memory stays at one
/// pending event per artifact whatever the size of the logs.
pub fn stream_events(
    bundle: &Bundle,
    options: &Options,
    sink: &mut dyn FnMut(&Event) -> std::io::Result<()>,
) -> Result<Vec<Diagnostic>> {
    let (artifacts, ctx, diagnostics) = prepare(bundle, options);
    let mut sources: Vec<EventSource> = artifacts
        .iter()
        .filter_map(|a| EventSource::new(a, &ctx))
        .collect();
    let mut heap = BinaryHeap::new();
    for (i, s) in sources.iter_mut().enumerate() {
        if let Some(e) = s.next_event() {
            heap.push(Pending::new(e, i));
        }
    }
    while let Some(Pending { event, source, .. }) = heap.pop() {
        sink(&event).map_err(|e| Error::Io {
            path: "<output>".into(),
            source: e,
        })?;
        if let Some(e) = sources[source].next_event() {
            heap.push(Pending::new(e, source));
        }
    }
    Ok(diagnostics)
}

type RecordIter<'a> = Box<dyn Iterator<Item = std::result::Result<LogRecord, Unparsed>> + 'a>;

/// One artifact's events, produced on demand.
struct EventSource<'a> {
    artifact: &'a Artifact<'a>,
    records: RecordIter<'a>,
    years: YearTracker,
    ctx: &'a TimeContext,
}

impl<'a> EventSource<'a> {
    fn new(artifact: &'a Artifact<'a>, ctx: &'a TimeContext) -> Option<Self> {
        let records = log_records(artifact)?;
        let years = ctx.year_tracker(time::yearless_months(&artifact.text), artifact.mtime);
        Some(EventSource {
            artifact,
            records,
            years,
            ctx,
        })
    }

    fn next_event(&mut self) -> Option<Event> {
        // Unparsed lines have no place in a timeline of events; `inventory` lists them.
        for record in self.records.by_ref().flatten() {
            if let (Some(e), _) = to_event(record, self.artifact, self.ctx, &mut self.years, true) {
                return Some(e);
            }
        }
        None
    }
}

/// An event waiting in the merge, ordered so the earliest pops first (undated last).
struct Pending {
    key: (bool, Option<DateTime<Utc>>, usize),
    event: Event,
    source: usize,
}

impl Pending {
    fn new(event: Event, source: usize) -> Self {
        Pending {
            key: (event.time.is_none(), event.time, source),
            event,
            source,
        }
    }
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Pending {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        other.key.cmp(&self.key)
    }
}

/// Counts per kind, for `inventory`.
pub fn kind_counts(report: &Report) -> BTreeMap<&'static str, usize> {
    let mut m = BTreeMap::new();
    for a in &report.artifacts {
        *m.entry(a.kind).or_default() += 1;
    }
    m
}
