//! The two timelines: the root-cause timeline of a report (cited lines and their
//! connections), and the full merged stream of every event for `rootline timeline`.

use std::collections::{BTreeSet, BinaryHeap, HashMap};

use chrono::{DateTime, Utc};

use super::logs::{classify_record, log_records, Classified, LogStream, Unparsed};
use super::prepare;
use super::Options;
use crate::bundle::Bundle;
use crate::detect::Artifact;
use crate::error::{Error, Result};
use crate::finding::{Finding, TimelineEntry};
use crate::model::{Diagnostic, Event, LogRecord};
use crate::parse::messages;
use crate::time::{self, TimeContext, YearTracker};

/// The events to show as the root-cause timeline: every event a finding cites, plus the
/// other lines of the same connections, in time order.
pub(super) fn root_cause_timeline(events: &[Event], findings: &[Finding]) -> Vec<TimelineEntry> {
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
            time_note: e.time_note.map(crate::model::TimeNote::text),
        });
    }
    out
}

/// Puts the snapshots findings cite (`top`, `ps`, `free`, `df`, `vmstat`...) on the
/// root-cause timeline at the moment they were taken: `top`'s own clock when its header
/// has one, else the bundle's collection time.
pub(super) fn add_snapshots(
    timeline: &mut Vec<TimelineEntry>,
    facts: &crate::facts::Facts,
    findings: &[Finding],
    time: &TimeContext,
) {
    let r = &facts.resources;
    let snapshot_paths: Vec<(&std::sync::Arc<str>, &'static str)> = r
        .top
        .iter()
        .map(|s| (&s.path, "top"))
        .chain(r.ps.iter().map(|s| (&s.path, "ps")))
        .chain(r.free.iter().map(|s| (&s.path, "free")))
        .chain(r.meminfo.iter().map(|s| (&s.path, "meminfo")))
        .chain(r.loadavg.iter().map(|s| (&s.path, "loadavg")))
        .chain(r.disks.iter().map(|s| (&s.path, "df")))
        .chain(r.vmstat.iter().map(|s| (&s.path, "vmstat")))
        .collect();
    let mut added = Vec::new();
    for f in findings {
        for e in &f.evidence {
            let Some((_, what)) = snapshot_paths.iter().find(|(p, _)| **p == e.path) else {
                continue;
            };
            if let Some(i) = added.iter().position(
                |(p, l, _): &(std::sync::Arc<str>, usize, Vec<&'static str>)| {
                    *p == e.path && *l == e.line
                },
            ) {
                let ids: &mut Vec<&'static str> = &mut added[i].2;
                if !ids.contains(&f.id) {
                    ids.push(f.id);
                }
                continue;
            }
            added.push((e.path.clone(), e.line, vec![f.id]));
            let taken = top_clock(facts, &e.path, time).or(time.collected_at);
            timeline.push(TimelineEntry {
                time: taken,
                host: facts.hosts.iter().next().cloned(),
                kind: "snapshot",
                message: format!("{what}: {}", e.text.trim()),
                path: e.path.clone(),
                line: e.line,
                fields: serde_json::json!({ "note": e.note }),
                findings: Vec::new(),
                time_note: Some(
                    if taken == time.collected_at {
                        crate::model::TimeNote::Collection
                    } else {
                        crate::model::TimeNote::TopHeader
                    }
                    .text(),
                ),
            });
        }
    }
    for entry in timeline.iter_mut().filter(|t| t.kind == "snapshot") {
        if let Some((_, _, ids)) = added
            .iter()
            .find(|(p, l, _)| *p == entry.path && *l == entry.line)
        {
            entry.findings = ids.clone();
        }
    }
    timeline.sort_by_key(|t| (t.time.is_none(), t.time));
}

/// The time in a `top` header (`top - 14:05:01 up ...`) on the collection date, when the
/// cited snapshot is a `top` one and the collection day is known.
fn top_clock(
    facts: &crate::facts::Facts,
    path: &std::sync::Arc<str>,
    time: &TimeContext,
) -> Option<DateTime<Utc>> {
    let top = facts.resources.top.iter().find(|t| t.path == *path)?;
    let header = top.value.first()?.header.as_ref()?;
    // The header has no date: the latest moment with that clock time not after the
    // collection.
    latest_at_clock(header.clock, time)
}

/// A record as an event on the UTC clock, or `None` when it is not one to keep. Records
/// of other programs are kept, as `log_line` events, when `keep_all` is set.
pub(super) fn to_event(
    record: LogRecord,
    artifact: &Artifact,
    ctx: &TimeContext,
    years: &mut YearTracker,
    keep_all: bool,
) -> Option<Event> {
    match classify_record(record, artifact, keep_all) {
        Classified::Event(mut event, time) => {
            event.time = ctx.to_utc(&time, years);
            Some(*event)
        }
        Classified::Unrecognized(..) | Classified::Skipped => None,
    }
}

/// Streams every event of the bundle, all programs included, in time order across sources,
/// to `sink`. Each log artifact is read lazily and merged by time, so memory stays at one
/// pending event per artifact whatever the size of the logs.
pub fn stream_events(
    bundle: &Bundle,
    options: &Options,
    sink: &mut dyn FnMut(&Event) -> std::io::Result<()>,
) -> Result<Vec<Diagnostic>> {
    // The clock comes from a first read of the logs; the merge then reads them again,
    // lazily, one pending event per log.
    let (_, ctx, diagnostics) = prepare(bundle, &mut LogStream::default(), options);
    let (artifacts, _) = crate::detect::detect(bundle);
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
    // Snapshots are one event each, at the moment they were taken, merged in by time.
    let mut snapshots: Vec<Event> = artifacts
        .iter()
        .filter_map(|a| snapshot_event(a, &ctx))
        .collect();
    snapshots.sort_by_key(|e| std::cmp::Reverse((e.time.is_none(), e.time)));
    let io = |e: std::io::Error| Error::Io {
        path: "<output>".into(),
        source: e,
    };
    while let Some(Pending { event, source, .. }) = heap.pop() {
        while snapshots
            .last()
            .is_some_and(|s| (s.time.is_none(), s.time) <= (event.time.is_none(), event.time))
        {
            if let Some(s) = snapshots.pop() {
                sink(&s).map_err(io)?;
            }
        }
        sink(&event).map_err(io)?;
        if let Some(e) = sources[source].next_event() {
            heap.push(Pending::new(e, source));
        }
    }
    while let Some(s) = snapshots.pop() {
        sink(&s).map_err(io)?;
    }
    Ok(diagnostics)
}

/// A snapshot artifact (`top`, `ps`, `free`, `df`, `vmstat`...) as one timeline event at
/// the moment it was taken: `top`'s header clock, else the bundle's collection time.
fn snapshot_event(a: &Artifact, ctx: &TimeContext) -> Option<Event> {
    use crate::detect::ArtifactKind as K;
    let lines = || a.text.lines().map(str::trim).filter(|l| !l.is_empty());
    let what = match a.kind {
        K::Top => "top",
        K::Ps => "ps",
        K::Free => "free",
        K::Meminfo => "meminfo",
        K::Loadavg => "loadavg",
        K::Df | K::DfInodes => "df",
        K::Vmstat => "vmstat",
        _ => return None,
    };
    let summary = match a.kind {
        K::Top => lines().take(2).collect::<Vec<_>>().join(" | "),
        K::Ps => format!("{} processes", lines().count().saturating_sub(1)),
        K::Free => lines().find(|l| l.starts_with("Mem:"))?.to_owned(),
        K::Meminfo => lines()
            .filter(|l| l.starts_with("MemTotal:") || l.starts_with("MemAvailable:"))
            .collect::<Vec<_>>()
            .join(", "),
        K::Df | K::DfInodes => {
            let full: Vec<&str> = lines()
                .filter(|l| {
                    l.split_whitespace().any(|w| {
                        w.strip_suffix('%')
                            .and_then(|n| n.parse::<u32>().ok())
                            .is_some_and(|n| n >= 90)
                    })
                })
                .collect();
            if full.is_empty() {
                "no file system at 90% or more".to_owned()
            } else {
                full.join(" | ")
            }
        }
        _ => lines().next_back()?.to_owned(),
    };
    let top_time = (a.kind == K::Top)
        .then(|| top_header_time(&a.text, ctx))
        .flatten();
    let time = top_time.or(ctx.collected_at);
    Some(Event {
        time,
        host: None,
        program: what.to_owned(),
        pid: None,
        kind: crate::model::EventKind::Snapshot,
        fields: Default::default(),
        message: format!("{what}: {summary}"),
        location: crate::model::Location::new(a.path.clone(), a.line_offset + 1),
        text: a.text.lines().next().unwrap_or("").to_owned(),
        time_note: Some(if top_time.is_some() {
            crate::model::TimeNote::TopHeader
        } else {
            crate::model::TimeNote::Collection
        }),
    })
}

/// `top - 14:05:01 up ...` on the collection day (the latest such moment not after it).
fn top_header_time(text: &str, ctx: &TimeContext) -> Option<DateTime<Utc>> {
    let clock = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("top - "))?
        .split_whitespace()
        .next()?;
    let clock = chrono::NaiveTime::parse_from_str(clock, "%H:%M:%S").ok()?;
    latest_at_clock(clock, ctx)
}

/// The latest moment with this local clock time that is not after the collection.
fn latest_at_clock(clock: chrono::NaiveTime, time: &TimeContext) -> Option<DateTime<Utc>> {
    let collected = time.collected_at?;
    let utc_day = collected.date_naive();
    (-1..=1)
        .filter_map(|d| {
            let day = utc_day + chrono::Duration::days(d);
            time.zone.to_utc(day.and_time(clock))
        })
        .filter(|t| *t <= collected + chrono::Duration::minutes(1))
        .max()
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
            if let Some(e) = to_event(record, self.artifact, self.ctx, &mut self.years, true) {
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
