//! The bundle's own clock, read from its artifacts: when it was collected, in which zone
//! its local times are, and the fallbacks when it does not say.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::logs::LogStream;
use crate::bundle::Bundle;
use crate::detect::{Artifact, ArtifactKind};
use crate::model::Diagnostic;
use crate::parse::clock;
use crate::time::{ClockFacts, Zone};

/// Reads the bundle's own clock: collection time, zone, and fallbacks.
pub(super) fn clock_facts(
    bundle: &Bundle,
    artifacts: &[Artifact],
    logs: &LogStream,
    diags: &mut Vec<Diagnostic>,
) -> ClockFacts {
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
            ArtifactKind::Uptime => {
                if let Some(u) = clock::parse_uptime(&a.text, &mut d) {
                    facts.uptime.get_or_insert((u.up, source.clone()));
                }
            }
            ArtifactKind::ProcUptime => {
                if let Some((up, _)) = clock::parse_proc_uptime(&a.text) {
                    if let Ok(d) =
                        chrono::Duration::from_std(std::time::Duration::from_secs_f64(up.max(0.0)))
                    {
                        facts.uptime = Some((d, source.clone()));
                    }
                }
            }
            ArtifactKind::ProcStat => {
                if let Some(t) = clock::parse_proc_stat_btime(&a.text) {
                    facts.btime = Some((t, source.clone()));
                }
            }
            ArtifactKind::JournalBoots => {
                facts.listed_boots.extend(
                    crate::parse::journal::parse_boots(&a.text)
                        .iter()
                        .filter_map(listed_boot),
                );
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
        facts.zone = logs.zone_from_journal_matches();
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
    facts.newest_absolute = logs.newest_absolute;
    facts
}

/// A `--list-boots` row's first entry, `Mon 2026-11-16 08:12:01 UTC`, as local time and
/// zone abbreviation.
fn listed_boot(b: &crate::parse::journal::Boot) -> Option<crate::time::ListedBoot> {
    let words: Vec<&str> = b.first.split_whitespace().collect();
    let (date, time, zone) = match words.as_slice() {
        [_, date, time, zone, ..] => (*date, *time, *zone),
        _ => return None,
    };
    let first_entry =
        chrono::NaiveDateTime::parse_from_str(&format!("{date} {time}"), "%Y-%m-%d %H:%M:%S")
            .ok()?;
    Some(crate::time::ListedBoot {
        offset: b.index,
        id: b.id.clone(),
        first_entry,
        zone: zone.to_owned(),
    })
}

pub(super) fn describe(a: &Artifact) -> String {
    match (&a.command, &a.system_path) {
        (Some(c), _) => format!("{} ({c})", a.path),
        (None, Some(p)) if !a.path.ends_with(p.trim_start_matches('/')) => {
            format!("{} ({p})", a.path)
        }
        _ => a.path.to_string(),
    }
}

/// Puts a parser's diagnostic in the bundle: the member path and the member's line number.
pub(super) fn place(mut d: Diagnostic, a: &Artifact) -> Diagnostic {
    d.path = Some(a.path.clone());
    d.line = d.line.map(|l| l + a.line_offset);
    d
}

pub(super) fn host_names(artifacts: &[Artifact], diags: &mut Vec<Diagnostic>) -> BTreeSet<String> {
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
