//! Log members are read as they come out of the bundle and then dropped: each record is
//! classified at once, only SSH-related events are kept, with the time exactly as the line
//! wrote it. Their UTC times are settled later, once the bundle's clock is known (the
//! `date` file may come after the logs in an archive). Memory therefore follows the number
//! of events kept, not the size of the logs.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Datelike, Utc};

use crate::detect::{self, Artifact, ArtifactKind};
use crate::finding::ArtifactSummary;
use crate::model::{
    Diagnostic, Event, EventFields, EventKind, Level, Location, LogRecord, RecordTime,
};
use crate::parse::messages::{self, Classification};
use crate::parse::{journal, kernel, syslog};
use crate::time::{MonthSummary, TimeContext, YearTracker, Zone};

/// A log line that no parser recognised.
pub type Unparsed = syslog::Unparsed;

/// The records of a log artifact, lazily, whatever its shape; `None` for other kinds.
pub fn log_records<'a>(
    artifact: &'a Artifact,
) -> Option<Box<dyn Iterator<Item = Result<LogRecord, Unparsed>> + 'a>> {
    let text: &'a str = &artifact.text;
    Some(match artifact.kind {
        ArtifactKind::Syslog => Box::new(syslog::records(text)),
        ArtifactKind::JournalText => Box::new(journal::text_records(text)),
        ArtifactKind::JournalExport => Box::new(journal::export_records(&artifact.bytes)),
        ArtifactKind::JournalJson => Box::new(journal::json_records(text)),
        _ => return None,
    })
}

pub fn is_log(kind: ArtifactKind) -> bool {
    matches!(
        kind,
        ArtifactKind::Syslog
            | ArtifactKind::JournalText
            | ArtifactKind::JournalExport
            | ArtifactKind::JournalJson
    )
}

/// What classifying one record gave.
pub enum Classified {
    /// An event, with the record's time as written.
    Event(Box<Event>, RecordTime),
    /// A record of ours whose message this version does not classify.
    Unrecognized(Location, String),
    /// A record of a program rootline does not interpret (cron, postfix...).
    Skipped,
}

/// Classifies a record into an event located in the bundle; its time is left unset.
/// Records of other programs become `log_line` events when `keep_all` is set (the full
/// timeline), and are skipped otherwise.
pub fn classify_record(record: LogRecord, artifact: &Artifact, keep_all: bool) -> Classified {
    let location = Location::new(artifact.path.clone(), record.line + artifact.line_offset);
    let (kind, mut fields) = match messages::classify(&record.program, &record.message) {
        Classification::Event(c) => (c.kind, c.fields),
        Classification::Unrecognized if !keep_all => {
            return Classified::Unrecognized(location, record.text)
        }
        Classification::Unrecognized => (EventKind::Other, EventFields::default()),
        Classification::NotOurs if keep_all => (EventKind::LogLine, EventFields::default()),
        Classification::NotOurs => return Classified::Skipped,
    };
    if fields.unit.is_none() {
        fields.unit = record.journal.as_ref().and_then(|j| j.unit.clone());
    }
    let event = Event {
        time: None,
        host: record.host,
        program: record.program,
        pid: record.pid,
        kind,
        fields,
        message: record.message,
        location,
        text: record.text,
        time_note: None,
    };
    Classified::Event(Box::new(event), record.time)
}

/// One log artifact read ahead of the clock: where its events are in the stream's list.
struct ReadLog {
    path: Arc<str>,
    mtime: Option<DateTime<Utc>>,
    months: MonthSummary,
    events: std::ops::Range<usize>,
}

/// How many unrecognised lines to remember per member for `inventory --unrecognized`.
const UNRECOGNIZED_KEPT: usize = 200;

/// Every log of the bundle, read once.
#[derive(Default)]
pub struct LogStream {
    logs: Vec<ReadLog>,
    /// Every kept event, in file order per log, with its time as written alongside: one
    /// list, so settling the times later moves nothing.
    events: Vec<Event>,
    written: Vec<RecordTime>,
    pub summaries: Vec<ArtifactSummary>,
    pub unrecognized: Vec<(Location, String)>,
    pub diagnostics: Vec<Diagnostic>,
    /// The newest absolute time any log wrote, a fallback reference for the year.
    pub newest_absolute: Option<DateTime<Utc>>,
    /// Kernel lines that syslog wrote with both its wall clock and the kernel's seconds
    /// since boot: the same line in a raw dmesg dates that dmesg's boot.
    pub kernel_marks: KernelMarks,
}

/// A bounded set of kernel lines seen with both clocks: the first lines of each boot
/// (`Linux version` at 0.000000) and the most recent ones, which a dmesg ring buffer
/// shares with kern.log. A line is kept as its seconds since boot and a hash of its
/// message, so keeping one costs no allocation.
#[derive(Debug, Default)]
pub struct KernelMarks {
    early: Vec<KernelMark>,
    recent: std::collections::VecDeque<KernelMark>,
}

/// A kernel line's seconds since boot (in microseconds), message hash and wall time as
/// written.
#[derive(Clone, Debug)]
pub struct KernelMark {
    pub micros: i64,
    pub message_hash: u64,
    pub written: RecordTime,
}

impl KernelMark {
    pub fn key(secs: f64, message: &str) -> (i64, u64) {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        message.hash(&mut h);
        ((secs * 1_000_000.0).round() as i64, h.finish())
    }
}

impl KernelMarks {
    const EARLY: usize = 512;
    const RECENT: usize = 4096;

    fn push(&mut self, secs: f64, message: &str, written: &RecordTime) {
        let (micros, message_hash) = KernelMark::key(secs, message);
        let mark = KernelMark {
            micros,
            message_hash,
            written: written.clone(),
        };
        if micros < 60_000_000 && self.early.len() < Self::EARLY {
            self.early.push(mark);
            return;
        }
        if self.recent.len() == Self::RECENT {
            self.recent.pop_front();
        }
        self.recent.push_back(mark);
    }

    /// The marks by (seconds since boot, message hash), for looking up every line of a dmesg.
    pub fn index(&self) -> HashMap<(i64, u64), &KernelMark> {
        self.early
            .iter()
            .chain(self.recent.iter())
            .map(|m| ((m.micros, m.message_hash), m))
            .collect()
    }
}

impl LogStream {
    /// Takes a member that is a log (every part of it, for a supportconfig file) and reads
    /// it now; returns false, leaving it to the caller, for anything else.
    pub fn offer(&mut self, path: &str, data: &[u8], mtime: Option<i64>) -> bool {
        let path: Arc<str> = Arc::from(path);
        let mut diags = Vec::new();
        let artifacts = detect::detect_member(&path, data, mtime, &mut diags);
        if artifacts.is_empty() || !artifacts.iter().all(|a| is_log(a.kind)) {
            return false;
        }
        self.diagnostics.extend(diags);
        for a in &artifacts {
            self.read(a);
        }
        true
    }

    fn read(&mut self, a: &Artifact) {
        let Some(records) = log_records(a) else {
            return;
        };
        let start = self.events.len();
        // The year logic needs the dates of the year-less lines in file order; they are
        // taken from the records as they pass, so the text is read once.
        let mut months = MonthSummary::default();
        let (mut recognized, mut unparsed, mut unknown_msgs) = (0, 0usize, 0usize);
        let mut kernel_reports = KernelAssembly::default();
        let mut reports = Vec::new();
        let mut host = None;
        let mut first_unparsed: Option<(usize, String)> = None;
        for item in records {
            match item {
                Ok(record) => {
                    recognized += 1;
                    self.note_absolute(&record.time);
                    if let RecordTime::YearLess { month, day, .. } = record.time {
                        months.push(month, day);
                    }
                    if kernel::is_kernel_record(&record) {
                        host = host.or_else(|| record.host.clone());
                        let line = kernel::from_record(&record);
                        if let (Some(secs), false) =
                            (line.uptime, matches!(record.time, RecordTime::SinceBoot(_)))
                        {
                            self.kernel_marks.push(secs, &line.message, &record.time);
                        }
                        reports.extend(kernel_reports.push(line));
                    }
                    match classify_record(record, a, false) {
                        Classified::Event(event, time) => {
                            self.events.push(*event);
                            self.written.push(time);
                        }
                        Classified::Unrecognized(location, text) => {
                            unknown_msgs += 1;
                            self.remember_unrecognized(location, text);
                        }
                        Classified::Skipped => {}
                    }
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
        reports.extend(kernel_reports.finish());
        for ev in reports {
            if let Some((event, time)) = kernel_event(&ev, &a.path, a.line_offset, host.clone()) {
                self.events.push(event);
                self.written.push(time);
            }
        }
        if unknown_msgs > 0 {
            self.diagnostics.push(
                Diagnostic::info(format!(
                    "{unknown_msgs} sshd/PAM/systemd message(s) of a wording rootline does not \
                     classify (list them with `rootline inventory --unrecognized`)"
                ))
                .at_path(a.path.clone()),
            );
        }
        self.summaries.push(ArtifactSummary {
            path: a.path.clone(),
            section: a.section.clone(),
            kind: a.kind.name(),
            lines: a.line_count(),
            recognized,
            events: self.events.len() - start,
        });
        self.logs.push(ReadLog {
            path: a.path.clone(),
            mtime: a.mtime,
            months,
            events: start..self.events.len(),
        });
    }

    fn note_absolute(&mut self, time: &RecordTime) {
        let t = match time {
            RecordTime::Utc(t) => *t,
            RecordTime::Offset(t) => t.with_timezone(&Utc),
            _ => return,
        };
        if self.newest_absolute.is_none_or(|n| t > n) {
            self.newest_absolute = Some(t);
        }
    }

    fn remember_unrecognized(&mut self, location: Location, text: String) {
        let same_member = self
            .unrecognized
            .iter()
            .rev()
            .take_while(|(l, _)| l.path == location.path)
            .take(UNRECOGNIZED_KEPT)
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

    /// When the bundle does not name its zone but carries the same lines twice, in a journal
    /// export (absolute UTC) and in a local-time log, their difference is the zone's offset.
    /// The most common offset among matching lines wins; it is reported as inferred.
    pub fn zone_from_journal_matches(&self) -> Option<(Zone, String)> {
        let mut utc_of: HashMap<(&str, Option<u32>, &str), DateTime<Utc>> = HashMap::new();
        for (e, time) in self.events.iter().zip(&self.written) {
            if let RecordTime::Utc(t) = time {
                utc_of.entry((&e.program, e.pid, &e.message)).or_insert(*t);
            }
        }
        if utc_of.is_empty() {
            return None;
        }
        let mut votes: BTreeMap<i64, (usize, Arc<str>)> = BTreeMap::new();
        for log in &self.logs {
            for i in log.events.clone() {
                let (e, time) = (&self.events[i], &self.written[i]);
                let Some(utc) = utc_of.get(&(e.program.as_str(), e.pid, e.message.as_str())) else {
                    continue;
                };
                let local = match time {
                    RecordTime::Local(t) => *t,
                    RecordTime::YearLess { month, day, time } => {
                        match chrono::NaiveDate::from_ymd_opt(utc.year(), *month, *day) {
                            Some(d) => d.and_time(*time),
                            None => continue,
                        }
                    }
                    _ => continue,
                };
                // Offsets are whole quarter hours; rounding absorbs sub-second differences.
                let quarter = 15 * 60;
                let seconds = (local - utc.naive_utc()).num_seconds();
                let offset = ((seconds as f64 / quarter as f64).round() as i64) * quarter;
                votes.entry(offset).or_insert((0, log.path.clone())).0 += 1;
            }
        }
        let (offset, (n, path)) = votes.into_iter().max_by_key(|(_, (n, _))| *n)?;
        let fixed = chrono::FixedOffset::east_opt(i32::try_from(offset).ok()?)?;
        Some((
            Zone::Fixed(fixed),
            format!("{n} line(s) of {path} that the journal also records in UTC (inferred)"),
        ))
    }

    /// Puts every kept event on the UTC clock, in file order per log so the year follows
    /// each file's own December-to-January turns.
    pub fn into_events(
        mut self,
        ctx: &TimeContext,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Vec<Event> {
        for log in &self.logs {
            let mut years: YearTracker = ctx.year_tracker_for(log.months, log.mtime);
            let mut untimed = 0;
            for i in log.events.clone() {
                let time = ctx.to_utc(&self.written[i], &mut years);
                untimed += usize::from(time.is_none());
                self.events[i].time = time;
            }
            if untimed > 0 {
                diagnostics.push(
                    Diagnostic::warning(format!(
                        "{untimed} event(s) could not be placed in time (no year or zone)"
                    ))
                    .at_path(log.path.clone()),
                );
            }
        }
        self.events
    }
}

/// Kernel lines are assembled into reports in chunks of this many lines...
const KERNEL_CHUNK: usize = 20_000;
/// ...overlapping by this many, longer than any report, so none is cut at a chunk's end.
const KERNEL_OVERLAP: usize = 1_000;

/// Assembles kernel reports from a log's kernel lines as they come, holding at most one
/// chunk of lines, so a huge kern.log costs no more memory than a small one.
#[derive(Default)]
struct KernelAssembly {
    lines: Vec<kernel::KernelLine>,
    /// Reports starting before this line were already taken.
    done_before: usize,
}

impl KernelAssembly {
    fn push(&mut self, line: kernel::KernelLine) -> Vec<kernel::KernelEvent> {
        self.lines.push(line);
        if self.lines.len() < KERNEL_CHUNK {
            return Vec::new();
        }
        let boundary = self.lines[self.lines.len() - KERNEL_OVERLAP].line;
        let events = self.take(boundary);
        self.done_before = boundary;
        self.lines.drain(..self.lines.len() - KERNEL_OVERLAP);
        events
    }

    fn finish(mut self) -> Vec<kernel::KernelEvent> {
        self.take(usize::MAX)
    }

    fn take(&mut self, boundary: usize) -> Vec<kernel::KernelEvent> {
        kernel::assemble(&self.lines)
            .into_iter()
            .filter(|ev| (self.done_before..boundary).contains(&ev.at().line))
            .collect()
    }
}

/// A kernel report (an OOM kill spread over dozens of lines, a hung task, a segfault) as one
/// event at its first line, with the time that line carried.
pub fn kernel_event(
    ev: &kernel::KernelEvent,
    path: &Arc<str>,
    line_offset: usize,
    host: Option<String>,
) -> Option<(Event, RecordTime)> {
    use kernel::KernelEvent as K;
    let mut fields = EventFields::default();
    let kind = match ev {
        K::OomKill(oom) => {
            fields.victim = oom.victim_comm.clone();
            fields.victim_pid = oom.victim_pid;
            fields.memory_kb = oom.anon_rss_kb;
            fields.reason = oom.memcg.clone();
            EventKind::KernelOomKill
        }
        K::OomNoKillable(_) => EventKind::KernelOomNoKillable,
        K::HungTask(t) => {
            fields.victim = Some(t.comm.clone());
            fields.victim_pid = Some(t.pid);
            EventKind::KernelHungTask
        }
        K::Segfault(s) => {
            fields.victim = Some(s.comm.clone());
            fields.victim_pid = Some(s.pid);
            EventKind::KernelSegfault
        }
        K::ForkRejected { cgroup, .. } => {
            fields.reason = Some(cgroup.clone());
            EventKind::KernelForkRejected
        }
        K::FileMaxReached { .. } => EventKind::KernelFileMax,
        K::FsError(_) => EventKind::KernelFsError,
        K::IoError(_) => EventKind::KernelIoError,
        K::SynFlood(s) => {
            fields.local_port = Some(s.port);
            EventKind::KernelSynFlood
        }
        K::ConntrackFull(_) => EventKind::KernelConntrackFull,
        // Packet logs arrive as their own events through the message classifier.
        K::PacketLog(_) => return None,
    };
    let at = ev.at();
    let event = Event {
        time: None,
        host,
        program: "kernel".to_owned(),
        pid: None,
        kind,
        fields,
        message: at.message.clone(),
        location: Location::new(path.clone(), at.line + line_offset),
        text: at.text.clone(),
        time_note: None,
    };
    Some((event, at.time.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_across_a_chunk_boundary_is_assembled_once() {
        let mut text = String::new();
        for i in 0..(KERNEL_CHUNK + 5_000) {
            let secs = i as f64 * 0.01;
            if i == KERNEL_CHUNK - KERNEL_OVERLAP / 2 {
                text.push_str(&format!("[{secs:12.6}] sshd invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE), order=0, oom_score_adj=0\n"));
                text.push_str(&format!("[{secs:12.6}] Out of memory: Killed process 812 (sshd) total-vm:10000kB, anon-rss:5000kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:100kB oom_score_adj:0\n"));
            }
            text.push_str(&format!("[{secs:12.6}] eth0: link status changed {i}\n"));
        }
        let mut diags = Vec::new();
        let lines = kernel::parse(&text, &mut diags).lines;
        let mut assembly = KernelAssembly::default();
        let mut reports = Vec::new();
        for line in lines {
            reports.extend(assembly.push(line));
        }
        reports.extend(assembly.finish());
        let ooms = reports
            .iter()
            .filter(|r| matches!(r, kernel::KernelEvent::OomKill(_)))
            .count();
        assert_eq!(ooms, 1);
    }
}
