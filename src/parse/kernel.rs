//! The kernel's own log: why a process such as sshd died (OOM kill, hung task, segfault),
//! why it could not fork, and why the disk or the network stack refused work.
//!
//! It reads every shape a bundle carries kernel lines in:
//!
//! ```text
//! [ 1234.567890] Out of memory: Killed process 812 (sshd) total-vm:...   dmesg
//! [Fri Nov 20 14:05:01 2026] EXT4-fs (sda1): Remounting filesystem read-only   dmesg -T
//! <3>[ 1234.567890] ...                                                    dmesg -r
//! kern  :err   : [ 1234.567890] ...                                        dmesg -x
//! HP HPSA Driver (v 3.4.4-1-RH2)                                          old kernels, no time
//! Nov 20 14:05:01 web01 kernel: [ 1234.567890] sshd invoked oom-killer: ...   kern.log / messages
//! ```
//!
//! and journal records of the kernel transport through [`from_record`]. Each physical line
//! becomes one [`KernelLine`] (continuation lines of a multi-line record are kept, marked, with
//! the time of the record they continue), so every extracted fact points at a 1-based line.
//!
//! Lines are split into boots ([`Boot`]) and multi-line reports are assembled into typed
//! [`KernelEvent`]s by sequence rather than adjacency: an OOM report stays one event when other
//! kernel lines interleave with it or when each of its lines is its own journal entry.
//! Converting uptimes to wall-clock time is left to the time stage; lines keep both clocks.

use std::ops::Range;
use std::sync::LazyLock;

use chrono::NaiveDateTime;
use nom::bytes::complete::{take_while, take_while1};
use nom::character::complete::char;
use nom::combinator::opt;
use nom::{IResult, Parser};
use regex::Regex;

use super::syslog;
use crate::model::{Diagnostic, LogRecord, RecordTime};

/// Which clock a line's `time` was read from; the time stage treats each differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeSource {
    /// `[  12.345678]`: seconds since boot, exact but relative.
    Uptime,
    /// `dmesg -T`: boot time + uptime rendered by dmesg at collection time in local time; it
    /// drifts by the time spent suspended, so it can be minutes off on laptops and VMs.
    DmesgWallClock,
    /// The syslog prefix of a `kern.log` / `messages` line.
    Syslog,
    /// A journal record's `__REALTIME_TIMESTAMP`.
    Journal,
    /// The line had no time (old kernels without `printk.time`): only its order is known.
    None,
}

/// One physical line of kernel output.
#[derive(Clone, Debug, PartialEq)]
pub struct KernelLine {
    /// The line's time as written: `SinceBoot` for dmesg, the syslog or journal time, the
    /// `dmesg -T` local time, or `Unknown`.
    pub time: RecordTime,
    pub source: TimeSource,
    /// Seconds since boot when the line says so (dmesg bracket, also inside kern.log), else
    /// journald's monotonic receive time for journal records.
    pub uptime: Option<f64>,
    /// printk level 0 (emerg) .. 7 (debug), from `dmesg -r`/`-x` or the journal PRIORITY.
    pub level: Option<u8>,
    /// syslog facility number (0 = kern, 1 = user, 3 = daemon...) when the line names it.
    pub facility: Option<u8>,
    /// The journal's `_BOOT_ID` when the line came from a journal record.
    pub boot_id: Option<String>,
    /// True for an indented line continuing the record above (`Mem-Info` detail lines).
    pub continuation: bool,
    /// The kernel's message, without time or level prefixes.
    pub message: String,
    /// 1-based line in the member (the MESSAGE line for journal exports).
    pub line: usize,
    /// The line as it stands in the member, for evidence.
    pub text: String,
}

/// Why a boot was taken to start where it does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BootStart {
    /// The first line given.
    First,
    /// `Linux version ...` after lines of another boot.
    LinuxVersion,
    /// `Command line: ...` after lines of another boot (the version line was lost).
    CommandLine,
    /// The uptime went back by more than a second.
    UptimeBackwards,
    /// The journal boot id changed.
    BootId,
}

/// One boot's run of lines.
#[derive(Clone, Debug, PartialEq)]
pub struct Boot {
    /// 0-based, in order of appearance.
    pub index: usize,
    pub start: BootStart,
    /// 1-based line of the boot's first line.
    pub first_line: usize,
    /// The text after `Linux version `.
    pub linux_version: Option<String>,
    /// The text after `Command line: `.
    pub command_line: Option<String>,
    pub boot_id: Option<String>,
    /// Indexes into the `lines` the boot was split from (not line numbers).
    pub lines: Range<usize>,
}

/// The line an event was read from (for multi-line events: the report's first line).
#[derive(Clone, Debug, PartialEq)]
pub struct Mark {
    pub line: usize,
    pub time: RecordTime,
    pub uptime: Option<f64>,
    pub boot_id: Option<String>,
    /// The kernel message of that line (for packet logs: the whole raw message).
    pub message: String,
    pub text: String,
}

impl Mark {
    fn of(l: &KernelLine) -> Mark {
        Mark {
            line: l.line,
            time: l.time.clone(),
            uptime: l.uptime,
            boot_id: l.boot_id.clone(),
            message: l.message.clone(),
            text: l.text.clone(),
        }
    }
}

/// The `constraint=` of an OOM summary: what ran out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OomConstraint {
    /// `CONSTRAINT_NONE`: the whole machine was out of memory.
    Global,
    Cpuset,
    MemoryPolicy,
    /// `CONSTRAINT_MEMCG`: a cgroup limit (`MemoryMax=`, a container limit) was hit.
    Memcg,
    Other(String),
}

impl OomConstraint {
    fn parse(s: &str) -> OomConstraint {
        match s {
            "CONSTRAINT_NONE" => OomConstraint::Global,
            "CONSTRAINT_CPUSET" => OomConstraint::Cpuset,
            "CONSTRAINT_MEMORY_POLICY" => OomConstraint::MemoryPolicy,
            "CONSTRAINT_MEMCG" => OomConstraint::Memcg,
            other => OomConstraint::Other(other.to_owned()),
        }
    }
}

/// A row of the OOM report's task table. Memory columns are in pages, as printed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OomTask {
    pub pid: u32,
    pub uid: u32,
    pub tgid: u32,
    pub total_vm_pages: u64,
    pub rss_pages: u64,
    pub oom_score_adj: i32,
    pub name: String,
    pub line: usize,
}

/// One OOM-killer report, from `invoked oom-killer` to `Killed process` (and the reaper).
#[derive(Clone, Debug, PartialEq)]
pub struct OomKill {
    /// The allocating task that triggered the report, not necessarily the victim.
    pub invoker: Option<String>,
    pub gfp_mask: Option<String>,
    pub order: Option<i32>,
    pub invoker_oom_score_adj: Option<i32>,
    pub constraint: Option<OomConstraint>,
    /// The victim's cgroup (`task_memcg=`, or `Task in X killed ...`).
    pub memcg: Option<String>,
    /// The cgroup whose limit was hit (`oom_memcg=`, `... as a result of limit of X`).
    pub oom_memcg: Option<String>,
    pub memcg_usage_kb: Option<u64>,
    pub memcg_limit_kb: Option<u64>,
    pub victim_pid: Option<u32>,
    pub victim_comm: Option<String>,
    /// The badness score older kernels print (`score S or sacrifice child`).
    pub score: Option<u64>,
    pub total_vm_kb: Option<u64>,
    pub anon_rss_kb: Option<u64>,
    pub file_rss_kb: Option<u64>,
    pub shmem_rss_kb: Option<u64>,
    pub pgtables_kb: Option<u64>,
    /// The victim's `oom_score_adj` (sshd's listener runs at -1000 and is never chosen).
    pub oom_score_adj: Option<i32>,
    pub uid: Option<u32>,
    /// True when a cgroup limit, not the machine, ran out of memory.
    pub cgroup_limit: bool,
    /// True when `oom_reaper: reaped process` confirmed the victim's memory was freed.
    pub reaped: bool,
    pub tasks: Vec<OomTask>,
    /// True when the `Killed process` line was seen; false for a report cut off before it.
    pub complete: bool,
    /// 1-based line of the `Killed process` line.
    pub victim_line: Option<usize>,
    /// Every line the report spans, in order (interleaved lines of other messages excluded).
    pub lines: Vec<usize>,
    /// The report's first line, its time and text.
    pub at: Mark,
}

/// `INFO: task sshd:812 blocked for more than 120 seconds.` and its trace.
#[derive(Clone, Debug, PartialEq)]
pub struct HungTask {
    pub comm: String,
    pub pid: u32,
    pub secs: u64,
    pub lines: Vec<usize>,
    pub at: Mark,
}

/// What kind of fault a process died of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultKind {
    Segfault,
    GeneralProtection,
    /// `trap invalid opcode`, `trap divide error`, `trap int3`...: the trap's name.
    Trap(String),
}

/// `sshd[812]: segfault at 0 ip ... sp ... error 4 in libc.so.6[...]`, and `traps:` lines.
#[derive(Clone, Debug, PartialEq)]
pub struct Segfault {
    pub comm: String,
    pub pid: u32,
    pub kind: FaultKind,
    /// The faulting address (segfaults only).
    pub addr: Option<u64>,
    pub ip: Option<u64>,
    pub sp: Option<u64>,
    pub error: Option<u64>,
    /// The mapped file the instruction pointer was in (`libc.so.6`).
    pub object: Option<String>,
    pub at: Mark,
}

/// `TCP: request_sock_TCP: Possible SYN flooding on port 22. Sending cookies.`
#[derive(Clone, Debug, PartialEq)]
pub struct SynFlood {
    pub port: u16,
    /// Newer kernels print the listening address too (`0.0.0.0:22`, `[::]:22`).
    pub addr: Option<String>,
    /// False when the kernel dropped requests instead of sending cookies.
    pub cookies: bool,
    pub at: Mark,
}

/// A filesystem error, or the filesystem remounted read-only after one.
#[derive(Clone, Debug, PartialEq)]
pub struct FsError {
    /// `EXT4-fs`, `EXT3-fs`, `XFS`.
    pub fs: String,
    pub device: String,
    /// True for `Remounting filesystem read-only`.
    pub read_only: bool,
    pub detail: String,
    pub at: Mark,
}

/// A block device I/O error.
#[derive(Clone, Debug, PartialEq)]
pub struct IoError {
    pub device: String,
    pub sector: Option<u64>,
    /// `READ`, `WRITE`... when the kernel names the operation.
    pub op: Option<String>,
    pub at: Mark,
}

/// Something the kernel said that can explain a dead or refused sshd.
#[derive(Clone, Debug, PartialEq)]
pub enum KernelEvent {
    OomKill(Box<OomKill>),
    /// `Out of memory and no killable processes...`: nothing could be killed (often a panic).
    OomNoKillable(Mark),
    HungTask(HungTask),
    Segfault(Segfault),
    SynFlood(SynFlood),
    /// `nf_conntrack: table full, dropping packet`.
    ConntrackFull(Mark),
    FsError(FsError),
    IoError(IoError),
    /// `cgroup: fork rejected by pids controller in /system.slice/ssh.service`: the cgroup
    /// name (TasksMax reached).
    ForkRejected {
        cgroup: String,
        at: Mark,
    },
    /// `VFS: file-max limit N reached`.
    FileMaxReached {
        limit: u64,
        at: Mark,
    },
    /// A netfilter LOG line (`[UFW BLOCK] IN=eth0 ...`); `at.message` is the raw message for
    /// the packet-log parser.
    PacketLog(Mark),
}

impl KernelEvent {
    /// The event's (first) line.
    pub fn at(&self) -> &Mark {
        match self {
            KernelEvent::OomKill(o) => &o.at,
            KernelEvent::HungTask(h) => &h.at,
            KernelEvent::Segfault(s) => &s.at,
            KernelEvent::SynFlood(s) => &s.at,
            KernelEvent::FsError(f) => &f.at,
            KernelEvent::IoError(e) => &e.at,
            KernelEvent::OomNoKillable(at)
            | KernelEvent::ConntrackFull(at)
            | KernelEvent::PacketLog(at)
            | KernelEvent::ForkRejected { at, .. }
            | KernelEvent::FileMaxReached { at, .. } => at,
        }
    }

    /// Every 1-based line the event spans.
    pub fn lines(&self) -> Vec<usize> {
        match self {
            KernelEvent::OomKill(o) => o.lines.clone(),
            KernelEvent::HungTask(h) => h.lines.clone(),
            other => vec![other.at().line],
        }
    }
}

/// A member's kernel lines, split into boots, with the events they contain.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct KernelLog {
    pub lines: Vec<KernelLine>,
    pub boots: Vec<Boot>,
    pub events: Vec<KernelEvent>,
    /// 1-based lines not used: other programs' syslog lines, shell prompts, unreadable lines.
    pub skipped: Vec<usize>,
}

impl KernelLog {
    /// The boot a 1-based line belongs to.
    pub fn boot_of(&self, line: usize) -> Option<&Boot> {
        let idx = self.lines.partition_point(|l| l.line < line);
        self.boots.iter().find(|b| b.lines.contains(&idx))
    }
}

// ---------------------------------------------------------------------------------------
// Line shapes
// ---------------------------------------------------------------------------------------

/// What the prefixes of one line said.
struct Head {
    time: RecordTime,
    source: TimeSource,
    uptime: Option<f64>,
    level: Option<u8>,
    facility: Option<u8>,
    message: String,
}

enum Shape<'a> {
    Kernel(Head),
    /// A syslog line of another program (`messages` holds everything).
    OtherProgram,
    Prompt,
    /// No recognised prefix: an untimed kernel line, a continuation, or garbage.
    Plain(&'a str),
}

/// `[   12.345678]` → seconds, and the rest after one optional space.
fn uptime_bracket(i: &str) -> IResult<&str, f64> {
    let (i, (_, _, secs, frac, _)) = (
        char('['),
        take_while(|c| c == ' '),
        take_while1(|c: char| c.is_ascii_digit()),
        opt((char('.'), take_while1(|c: char| c.is_ascii_digit()))),
        char(']'),
    )
        .parse(i)?;
    let value = match frac {
        Some((_, f)) => format!("{secs}.{f}"),
        None => secs.to_owned(),
    };
    let secs = value
        .parse::<f64>()
        .map_err(|_| nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::Float)))?;
    // CONFIG_PRINTK_CALLER adds `[  T123]` / `[C1]` after the time.
    let (i, _) = opt((
        opt(char(' ')),
        char('['),
        take_while(|c| c == ' '),
        take_while1(|c: char| c == 'T' || c == 'C'),
        take_while1(|c: char| c.is_ascii_digit()),
        char(']'),
    ))
    .parse(i)?;
    Ok((i, secs))
}

/// `[Fri Nov 20 14:05:01 2026]` (dmesg -T) → local time.
fn wall_bracket(s: &str) -> Option<(NaiveDateTime, &str)> {
    let inner_end = s.find(']')?;
    let inner = s.get(1..inner_end)?;
    if !s.starts_with('[') || inner.len() > 40 {
        return None;
    }
    let words: Vec<&str> = inner.split_whitespace().collect();
    if words.len() != 5 {
        return None;
    }
    // The weekday is redundant; dropping it keeps a wrong one from rejecting the line.
    let joined = words[1..].join(" ");
    let time = NaiveDateTime::parse_from_str(&joined, "%b %d %H:%M:%S %Y").ok()?;
    Some((time, &s[inner_end + 1..]))
}

fn strip_one_space(s: &str) -> &str {
    s.strip_prefix(' ').unwrap_or(s)
}

/// A time bracket at the start of `s`, or an untimed head.
fn timed(s: &str, facility: Option<u8>, level: Option<u8>) -> Head {
    let (time, source, uptime, rest) = if let Ok((rest, secs)) = uptime_bracket(s) {
        (
            RecordTime::SinceBoot(secs),
            TimeSource::Uptime,
            Some(secs),
            rest,
        )
    } else if let Some((t, rest)) = wall_bracket(s) {
        (RecordTime::Local(t), TimeSource::DmesgWallClock, None, rest)
    } else {
        (RecordTime::Unknown, TimeSource::None, None, s)
    };
    let message = if source == TimeSource::None {
        rest
    } else {
        strip_one_space(rest)
    };
    Head {
        time,
        source,
        uptime,
        level,
        facility,
        message: message.to_owned(),
    }
}

const FACILITIES: [&str; 24] = [
    "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv",
    "ftp", "res0", "res1", "res2", "res3", "local0", "local1", "local2", "local3", "local4",
    "local5", "local6", "local7",
];
const LEVELS: [&str; 8] = [
    "emerg", "alert", "crit", "err", "warn", "notice", "info", "debug",
];

/// `kern  :info  : ` (dmesg -x) → (facility, level, rest).
fn decoded_prefix(line: &str) -> Option<(u8, u8, &str)> {
    let (fac, rest) = line.split_once(':')?;
    let (lvl, rest) = rest.split_once(':')?;
    let facility = FACILITIES.iter().position(|f| *f == fac.trim_end())?;
    let level = LEVELS.iter().position(|l| *l == lvl.trim_end())?;
    if fac.starts_with(' ') || lvl.starts_with(' ') {
        return None;
    }
    Some((facility as u8, level as u8, strip_one_space(rest)))
}

/// `<6>` (dmesg -r) → (facility, level, rest).
fn raw_prefix(line: &str) -> Option<(u8, u8, &str)> {
    let r: IResult<&str, (char, &str, char)> = (
        char('<'),
        take_while1(|c: char| c.is_ascii_digit()),
        char('>'),
    )
        .parse(line);
    let (rest, (_, n, _)) = r.ok()?;
    let n: u16 = n.parse().ok().filter(|n| *n < 192)?;
    Some(((n >> 3) as u8, (n & 7) as u8, rest))
}

static PROMPT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:\[[\w.-]+@[\w.-]+[^\]]*\]|[\w.-]+@[\w.-]+:[^#$\s]*|\$)\s?[#$](?:\s|$)")
        .expect("static regex")
});

fn classify(line: &str) -> Shape<'_> {
    if let Some((fac, lvl, rest)) = decoded_prefix(line) {
        return Shape::Kernel(timed(rest, Some(fac), Some(lvl)));
    }
    if let Some((fac, lvl, rest)) = raw_prefix(line) {
        // `<38>Nov 23 ...` is a syslog priority, not dmesg -r.
        if rest.starts_with('[') || syslog::parse_line(line).is_none() {
            return Shape::Kernel(timed(rest, Some(fac), Some(lvl)));
        }
    }
    if line.starts_with('[') {
        let head = timed(line, None, None);
        if head.source != TimeSource::None {
            return Shape::Kernel(head);
        }
    }
    if let Some(r) = syslog::parse_line(line) {
        if r.program != "kernel" {
            return Shape::OtherProgram;
        }
        return Shape::Kernel(syslog_head(r.time, &r.message));
    }
    if PROMPT.is_match(line) {
        return Shape::Prompt;
    }
    Shape::Plain(line)
}

/// A syslog kernel message, which may still carry the dmesg uptime bracket.
fn syslog_head(time: RecordTime, message: &str) -> Head {
    let (uptime, message) = match uptime_bracket(message) {
        Ok((rest, secs)) => (Some(secs), strip_one_space(rest)),
        Err(_) => (None, message),
    };
    Head {
        time,
        source: TimeSource::Syslog,
        uptime,
        level: None,
        facility: None,
        message: message.to_owned(),
    }
}

fn is_dmesg_shaped(line: &str) -> bool {
    matches!(
        classify(line),
        Shape::Kernel(Head {
            source: TimeSource::Uptime | TimeSource::DmesgWallClock,
            ..
        })
    ) || decoded_prefix(line).is_some()
}

/// Confidence that a text is dmesg output: the share of its first lines with a dmesg time
/// bracket or level prefix (a shell prompt or two in a transcript barely lowers it).
/// Indented continuation lines (`Mem-Info` details) are left out of the count.
pub fn sniff(head: &str) -> f32 {
    let lines: Vec<&str> = head
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.trim().is_empty() && !l.starts_with([' ', '\t']))
        .take(20)
        .collect();
    if lines.is_empty() {
        return 0.0;
    }
    let ok = lines.iter().filter(|l| is_dmesg_shaped(l)).count();
    ok as f32 / lines.len() as f32
}

/// True when most of the first lines are syslog lines: `kern.log` / `messages`.
fn mostly_syslog(text: &str) -> bool {
    let (mut sys, mut dmesg) = (0usize, 0usize);
    for line in text.lines().filter(|l| !l.trim().is_empty()).take(100) {
        let line = line.trim_end_matches('\r');
        if is_dmesg_shaped(line) {
            dmesg += 1;
        } else if syslog::parse_line(line).is_some() {
            sys += 1;
        }
    }
    sys > dmesg
}

/// True for a record a journal or syslog reader should hand to [`from_record`].
pub fn is_kernel_record(r: &LogRecord) -> bool {
    match r.journal.as_ref().and_then(|j| j.transport.as_deref()) {
        Some(t) => t == "kernel",
        None => r.program == "kernel",
    }
}

/// A kernel record of a journal export or syslog file as a kernel line. The uptime is the
/// dmesg bracket when the message has one, else journald's `__MONOTONIC_TIMESTAMP` (when it
/// received the line: seconds late for early boot lines, close afterwards).
pub fn from_record(r: &LogRecord) -> KernelLine {
    let journal = r.journal.as_ref();
    let (bracket, message) = match uptime_bracket(&r.message) {
        Ok((rest, secs)) => (Some(secs), strip_one_space(rest)),
        Err(_) => (None, r.message.as_str()),
    };
    let monotonic = journal
        .and_then(|j| j.monotonic_us)
        .map(|us| us as f64 / 1e6);
    KernelLine {
        time: r.time.clone(),
        source: match (&r.time, journal) {
            (RecordTime::Unknown, _) => TimeSource::None,
            (_, Some(_)) => TimeSource::Journal,
            (_, None) => TimeSource::Syslog,
        },
        uptime: bracket.or(monotonic),
        level: journal.and_then(|j| j.priority).filter(|p| *p < 8),
        facility: None,
        boot_id: journal.and_then(|j| j.boot_id.clone()),
        continuation: false,
        message: message.to_owned(),
        line: r.line,
        text: r.text.clone(),
    }
}

fn line_from(head: Head, line: usize, text: &str) -> KernelLine {
    KernelLine {
        time: head.time,
        source: head.source,
        uptime: head.uptime,
        level: head.level,
        facility: head.facility,
        boot_id: None,
        continuation: false,
        message: head.message,
        line,
        text: text.to_owned(),
    }
}

/// An indented line continues the record above it and shares its time.
fn continuation_of(prev: &KernelLine, message: &str, line: usize, text: &str) -> KernelLine {
    KernelLine {
        continuation: true,
        message: message.trim_start().to_owned(),
        line,
        text: text.to_owned(),
        ..prev.clone()
    }
}

/// Reads a dmesg, `/var/log/dmesg`, `kern.log` or `messages` member. Lines of other programs
/// are counted and summarised; prompts and unreadable lines are reported with their line.
pub fn parse(text: &str, diags: &mut Vec<Diagnostic>) -> KernelLog {
    let syslog_mode = mostly_syslog(text);
    let mut out = KernelLog::default();
    let mut other_programs = Vec::new();
    let mut wall_clock_line = None;
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        match classify(line) {
            Shape::Kernel(head) => {
                if head.source == TimeSource::DmesgWallClock && wall_clock_line.is_none() {
                    wall_clock_line = Some(n);
                }
                out.lines.push(line_from(head, n, line));
            }
            Shape::OtherProgram => {
                other_programs.push(n);
                out.skipped.push(n);
            }
            Shape::Prompt => {
                out.skipped.push(n);
                diags.push(Diagnostic::info("shell prompt, not kernel output").at_line(n));
            }
            Shape::Plain(msg) => match out.lines.last() {
                Some(prev) if msg.starts_with([' ', '\t']) => {
                    let cont = continuation_of(prev, msg, n, line);
                    out.lines.push(cont);
                }
                _ if syslog_mode => {
                    out.skipped.push(n);
                    diags.push(
                        Diagnostic::warning("line is not a syslog or kernel line").at_line(n),
                    );
                }
                _ => out.lines.push(line_from(timed(msg, None, None), n, line)),
            },
        }
    }
    if let Some(&first) = other_programs.first() {
        diags.push(
            Diagnostic::info(format!(
                "{} lines of programs other than the kernel skipped",
                other_programs.len()
            ))
            .at_line(first),
        );
    }
    if let Some(n) = wall_clock_line {
        diags.push(
            Diagnostic::info(
                "dmesg -T times are boot time plus uptime; they drift by any time spent suspended",
            )
            .at_line(n),
        );
    }
    out.boots = split_boots(&out.lines);
    out.events = assemble(&out.lines);
    warn_incomplete(&out.events, diags);
    out
}

/// A warning for every OOM report that was cut off before its victim line.
pub fn warn_incomplete(events: &[KernelEvent], diags: &mut Vec<Diagnostic>) {
    for e in events {
        if let KernelEvent::OomKill(o) = e {
            if !o.complete {
                diags.push(
                    Diagnostic::warning(
                        "OOM-killer report cut off before its `Killed process` line",
                    )
                    .at_line(o.at.line),
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Boots
// ---------------------------------------------------------------------------------------

/// What is known about the boot being filled while splitting.
#[derive(Default)]
struct BootState {
    saw_version: bool,
    saw_command_line: bool,
    /// A line with a non-zero or unknown uptime: the boot's start is behind us.
    past_start: bool,
    last_uptime: Option<f64>,
    boot_id: Option<String>,
    len: usize,
}

impl BootState {
    fn starts_new(&self, l: &KernelLine) -> Option<BootStart> {
        if self.len == 0 || l.continuation {
            return None;
        }
        if let (Some(a), Some(b)) = (&self.boot_id, &l.boot_id) {
            if a != b {
                return Some(BootStart::BootId);
            }
        }
        if let (Some(prev), Some(now)) = (self.last_uptime, l.uptime) {
            // Records from different CPUs can be a little out of order; a reboot is not.
            if now + 1.0 < prev {
                return Some(BootStart::UptimeBackwards);
            }
        }
        let msg = l.message.trim_start();
        if msg.starts_with("Linux version ")
            && (self.saw_version || self.saw_command_line || self.past_start)
        {
            return Some(BootStart::LinuxVersion);
        }
        if msg.starts_with("Command line: ")
            && (self.saw_command_line || (!self.saw_version && self.past_start))
        {
            return Some(BootStart::CommandLine);
        }
        None
    }

    fn add(&mut self, l: &KernelLine) {
        let msg = l.message.trim_start();
        self.saw_version |= msg.starts_with("Linux version ");
        self.saw_command_line |= msg.starts_with("Command line: ");
        self.past_start |= l.uptime != Some(0.0);
        if l.uptime.is_some() {
            self.last_uptime = l.uptime;
        }
        if l.boot_id.is_some() {
            self.boot_id.clone_from(&l.boot_id);
        }
        self.len += 1;
    }
}

fn new_boot(index: usize, start: BootStart, at: usize, l: &KernelLine) -> Boot {
    Boot {
        index,
        start,
        first_line: l.line,
        linux_version: None,
        command_line: None,
        boot_id: l.boot_id.clone(),
        lines: at..at,
    }
}

/// Splits lines into boots: at `Linux version` / `Command line:` after another boot's
/// lines, when the uptime goes backwards, or when the journal boot id changes.
pub fn split_boots(lines: &[KernelLine]) -> Vec<Boot> {
    let mut boots: Vec<Boot> = Vec::new();
    let mut state = BootState::default();
    for (i, l) in lines.iter().enumerate() {
        let start = if boots.is_empty() {
            Some(BootStart::First)
        } else {
            state.starts_new(l)
        };
        if let Some(start) = start {
            boots.push(new_boot(boots.len(), start, i, l));
            state = BootState::default();
        }
        state.add(l);
        if let Some(b) = boots.last_mut() {
            b.lines.end = i + 1;
            let msg = l.message.trim_start();
            if let Some(v) = msg.strip_prefix("Linux version ") {
                b.linux_version.get_or_insert_with(|| v.trim().to_owned());
            } else if let Some(c) = msg.strip_prefix("Command line: ") {
                b.command_line.get_or_insert_with(|| c.trim().to_owned());
            }
            if b.boot_id.is_none() {
                b.boot_id.clone_from(&l.boot_id);
            }
        }
    }
    boots
}

// ---------------------------------------------------------------------------------------
// Single-line events
// ---------------------------------------------------------------------------------------

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("static regex")
}

static SEGFAULT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(.+)\[(\d+)\]: segfault at ([0-9a-fA-F]+) ip ([0-9a-fA-F]+) sp ([0-9a-fA-F]+) error ([0-9a-fA-F]+)(?: in (.+?)\[)?",
    )
});
static TRAP: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:traps: )?(.+?)\[(\d+)\] (.+?) ip:([0-9a-fA-F]+) sp:([0-9a-fA-F]+) error:([0-9a-fA-F]+)(?: in (.+?)\[)?",
    )
});
static SYN: LazyLock<Regex> = LazyLock::new(|| {
    re(r"Possible SYN flooding on port (?:(\S+):)?(\d+)\.\s*(Sending cookies|Dropping request)?")
});
static EXT_ERROR: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(EXT[234]-fs) error \(device ([^)]+)\):?\s*(.*)$"));
static REMOUNT_RO: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(\S+?-fs|XFS) \(([^)]+)\): (Remounting filesystem read-only.*)$"));
static XFS_SHUTDOWN: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(XFS) \(([^)]+)\): (.*[Ss]hutting down filesystem.*)$"));
static IO_ERROR: LazyLock<Regex> = LazyLock::new(|| {
    re(r"I/O error,? dev ([^,\s]+), sector (\d+)(?: op 0x[0-9a-fA-F]+:\((\w+)\))?")
});
static BUFFER_IO: LazyLock<Regex> =
    LazyLock::new(|| re(r"^Buffer I/O error on dev(?:ice)? ([^,\s]+), logical block (\d+)"));
static PACKET_LOG: LazyLock<Regex> = LazyLock::new(|| re(r"(?:^|[\s\]:])IN=\S* OUT=\S*.* SRC="));

fn hex(s: &str) -> Option<u64> {
    u64::from_str_radix(s, 16).ok()
}

fn segfault(msg: &str, at: &KernelLine) -> Option<KernelEvent> {
    let (c, kind) = if let Some(c) = SEGFAULT.captures(msg) {
        (c, FaultKind::Segfault)
    } else {
        let c = TRAP.captures(msg)?;
        let what = c.get(3)?.as_str();
        let kind = if what.starts_with("general protection") {
            FaultKind::GeneralProtection
        } else {
            FaultKind::Trap(what.strip_prefix("trap ").unwrap_or(what).to_owned())
        };
        (c, kind)
    };
    let is_segv = kind == FaultKind::Segfault;
    let get = |i: usize| c.get(i).map(|m| m.as_str());
    let (addr, ip, sp, error) = if is_segv {
        (get(3), get(4), get(5), get(6))
    } else {
        (None, get(4), get(5), get(6))
    };
    Some(KernelEvent::Segfault(Segfault {
        comm: get(1)?.to_owned(),
        pid: get(2)?.parse().ok()?,
        kind,
        addr: addr.and_then(hex),
        ip: ip.and_then(hex),
        sp: sp.and_then(hex),
        error: error.and_then(hex),
        object: get(7).map(str::to_owned),
        at: Mark::of(at),
    }))
}

fn syn_flood(msg: &str, at: &KernelLine) -> Option<KernelEvent> {
    let c = SYN.captures(msg)?;
    Some(KernelEvent::SynFlood(SynFlood {
        port: c.get(2)?.as_str().parse().ok()?,
        addr: c.get(1).map(|m| m.as_str().to_owned()),
        cookies: c.get(3).is_none_or(|m| m.as_str() == "Sending cookies"),
        at: Mark::of(at),
    }))
}

fn fs_error(msg: &str, at: &KernelLine) -> Option<KernelEvent> {
    let (c, read_only) = if let Some(c) = REMOUNT_RO.captures(msg) {
        (c, true)
    } else if let Some(c) = EXT_ERROR.captures(msg) {
        (c, false)
    } else {
        (XFS_SHUTDOWN.captures(msg)?, false)
    };
    Some(KernelEvent::FsError(FsError {
        fs: c.get(1)?.as_str().to_owned(),
        device: c.get(2)?.as_str().to_owned(),
        read_only,
        detail: c.get(3).map_or("", |m| m.as_str()).to_owned(),
        at: Mark::of(at),
    }))
}

fn io_error(msg: &str, at: &KernelLine) -> Option<KernelEvent> {
    let (device, sector, op) = if let Some(c) = IO_ERROR.captures(msg) {
        (c.get(1)?, c.get(2), c.get(3))
    } else {
        let c = BUFFER_IO.captures(msg)?;
        (c.get(1)?, c.get(2), None)
    };
    Some(KernelEvent::IoError(IoError {
        device: device.as_str().to_owned(),
        sector: sector.and_then(|m| m.as_str().parse().ok()),
        op: op.map(|m| m.as_str().to_owned()),
        at: Mark::of(at),
    }))
}

/// The events a line makes on its own.
fn single_line_event(l: &KernelLine) -> Option<KernelEvent> {
    let msg = l.message.trim();
    if msg.contains("Out of memory and no killable processes") {
        return Some(KernelEvent::OomNoKillable(Mark::of(l)));
    }
    if msg.contains("table full, dropping packet") {
        return Some(KernelEvent::ConntrackFull(Mark::of(l)));
    }
    if let Some(cgroup) = msg.strip_prefix("cgroup: fork rejected by pids controller in ") {
        return Some(KernelEvent::ForkRejected {
            cgroup: cgroup.trim().to_owned(),
            at: Mark::of(l),
        });
    }
    if let Some(rest) = msg.strip_prefix("VFS: file-max limit ") {
        let limit = rest.split(' ').next()?.parse().ok()?;
        return Some(KernelEvent::FileMaxReached {
            limit,
            at: Mark::of(l),
        });
    }
    if PACKET_LOG.is_match(msg) {
        return Some(KernelEvent::PacketLog(Mark::of(l)));
    }
    // Cheap substring checks first: this runs on every line of large kern.log files.
    if msg.contains("segfault at ") || msg.contains(" ip:") {
        return segfault(msg, l);
    }
    if msg.contains("SYN flooding") {
        return syn_flood(msg, l);
    }
    if msg.contains("-fs ") || msg.starts_with("XFS (") {
        return fs_error(msg, l);
    }
    if msg.contains("I/O error") {
        return io_error(msg, l);
    }
    None
}

// ---------------------------------------------------------------------------------------
// OOM reports
// ---------------------------------------------------------------------------------------

static INVOKED: LazyLock<Regex> = LazyLock::new(|| re(r"^(.+?) invoked oom-killer: (.*)$"));
static GFP: LazyLock<Regex> = LazyLock::new(|| re(r"gfp_mask=([^,\s]+)"));
static ORDER: LazyLock<Regex> = LazyLock::new(|| re(r"\border=(-?\d+)"));
static SCORE_ADJ: LazyLock<Regex> = LazyLock::new(|| re(r"\boom_score_adj=(-?\d+)"));
static KILL_CHOICE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^(?:(.+?): )?[Kk]ill process (\d+) \((.*)\) score (\d+) or (?:sacrifice child|a child)")
});
static REAPED: LazyLock<Regex> =
    LazyLock::new(|| re(r"^oom_reaper: reaped process (\d+) \((.*)\),? now "));
static TASK_IN: LazyLock<Regex> =
    LazyLock::new(|| re(r"^Task in (\S+) killed as a result of limit of (\S+)"));
static MEMCG_USAGE: LazyLock<Regex> =
    LazyLock::new(|| re(r"^memory: usage (\d+)kB, limit (\d+)kB"));
static TRACE_FRAME: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^(?:\[<[0-9a-f]+>\] )?(?:\? )?[\w.$]+\+0x[0-9a-f]+/0x[0-9a-f]+(?: \[[\w]+\])?")
});
static PAGE_COUNTS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^\d+ (?:total pagecache pages|pages in swap cache|pages RAM|pages HighMem/MovableOnly|pages reserved|pages cma reserved|pages hwpoisoned|pages shared|pages non-shared)",
    )
});
static ZONE: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(?:DMA|DMA32|Normal|HighMem|Movable)(?: free:|: )"));
static STAT_LINE: LazyLock<Regex> = LazyLock::new(|| re(r"^[a-z_]+ \d+$"));
static TASK_ROW: LazyLock<Regex> = LazyLock::new(|| re(r"^\[\s*\d+\]\s+\d+\s+\d+\s"));

/// Prefixes of the lines between an OOM report's first line and its victim, and of a
/// hung-task report's trace.
const REPORT_PREFIXES: &[&str] = &[
    "CPU: ",
    "Hardware name:",
    "Call Trace:",
    "<TASK>",
    "</TASK>",
    "<IRQ>",
    "</IRQ>",
    "Workqueue:",
    "Mem-Info:",
    "Node ",
    "lowmem_reserve[]:",
    "Swap cache stats:",
    "Free swap",
    "Total swap",
    "Tasks state",
    "[  pid  ]",
    "[ pid ]",
    "active_anon:",
    "active_file:",
    "unevictable:",
    "slab_reclaimable:",
    "mapped:",
    "free:",
    "RIP:",
    "RSP:",
    "RAX:",
    "RDX:",
    "RBP:",
    "R10:",
    "R13:",
    "FS:",
    "CS:",
    "CR2:",
    "Code:",
    "memory: usage",
    "memory+swap: usage",
    "swap: usage",
    "kmem: usage",
    "Memory cgroup stats for",
    "Task in ",
    "cpuset=",
    "mems_allowed=",
    "oom-kill:",
];

fn is_trace_line(msg: &str) -> bool {
    REPORT_PREFIXES.iter().any(|p| msg.starts_with(p)) || TRACE_FRAME.is_match(msg)
}

fn is_oom_body(msg: &str) -> bool {
    is_trace_line(msg)
        || msg.contains(" cpuset=")
        || PAGE_COUNTS.is_match(msg)
        || ZONE.is_match(msg)
        || TASK_ROW.is_match(msg)
        || STAT_LINE.is_match(msg)
}

fn is_hung_body(msg: &str) -> bool {
    is_trace_line(msg)
        || msg.starts_with("Not tainted")
        || msg.starts_with("Tainted:")
        || msg.starts_with("\"echo 0 > /proc/sys/kernel/hung_task_timeout_secs\"")
        || msg.starts_with("task:")
        || msg.contains(" state:D ")
}

/// `key:123kB` / `key:-5` pairs of a victim or reaper line.
fn figures(o: &mut OomKill, tail: &str) {
    for word in tail.split([',', ' ']).filter(|w| !w.is_empty()) {
        let Some((key, value)) = word.split_once(':') else {
            continue;
        };
        let kb = || value.trim_end_matches("kB").parse::<u64>().ok();
        match key {
            "total-vm" | "vsz" => o.total_vm_kb = kb(),
            "anon-rss" => o.anon_rss_kb = kb(),
            "file-rss" => o.file_rss_kb = kb(),
            "shmem-rss" => o.shmem_rss_kb = kb(),
            "pgtables" => o.pgtables_kb = kb(),
            "UID" => o.uid = value.parse().ok(),
            "oom_score_adj" => o.oom_score_adj = value.parse().ok(),
            _ => {}
        }
    }
}

/// A `Killed process N (comm) total-vm:...` line, with or without its `Out of memory: ` /
/// `Memory cgroup out of memory: ` prefix, and the 2.6-era `, UID N,` form.
struct Victim<'a> {
    cgroup: bool,
    pid: u32,
    uid: Option<u32>,
    comm: &'a str,
    tail: &'a str,
}

fn victim_line(msg: &str) -> Option<Victim<'_>> {
    let at = msg.find("Killed process ")?;
    let prefix = &msg[..at];
    let oom_prefix = prefix.starts_with("Out of memory")
        || (prefix.ends_with(": ") && prefix.contains("out of memory"));
    if !prefix.is_empty() && !oom_prefix {
        return None;
    }
    let rest = &msg[at + "Killed process ".len()..];
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let pid = rest.get(..digits)?.parse().ok()?;
    let mut rest = &rest[digits..];
    let mut uid = None;
    if let Some(r) = rest.strip_prefix(", UID ") {
        let (n, r) = r.split_once(',')?;
        uid = n.trim().parse().ok();
        rest = r;
    }
    let rest = rest.trim_start().strip_prefix('(')?;
    // The comm may itself hold parentheses (`(sd-pam)`): it ends at the last `)` before
    // the figures.
    let figures_at = rest
        .find(" total-vm:")
        .or_else(|| rest.find(" vsz:"))
        .unwrap_or(rest.len());
    let close = rest[..figures_at].rfind(')')?;
    Some(Victim {
        cgroup: prefix.starts_with("Memory cgroup"),
        pid,
        uid,
        comm: &rest[..close],
        tail: &rest[close + 1..],
    })
}

/// `oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),...,task=sshd,pid=812,uid=0`.
fn summary(o: &mut OomKill, rest: &str) {
    for part in rest.split(',') {
        let (key, value) = part.split_once('=').unwrap_or((part, ""));
        let value = value.trim();
        match key.trim() {
            "constraint" => o.constraint = Some(OomConstraint::parse(value)),
            "oom_memcg" => o.oom_memcg = Some(value.to_owned()),
            "task_memcg" => o.memcg = Some(value.to_owned()),
            "task" => {
                o.victim_comm.get_or_insert_with(|| value.to_owned());
            }
            "pid" => o.victim_pid = o.victim_pid.or(value.parse().ok()),
            "uid" => o.uid = o.uid.or(value.parse().ok()),
            _ => {}
        }
    }
    if o.constraint == Some(OomConstraint::Memcg) || o.oom_memcg.is_some() {
        o.cgroup_limit = true;
    }
}

fn empty_oom(at: &KernelLine) -> OomKill {
    OomKill {
        invoker: None,
        gfp_mask: None,
        order: None,
        invoker_oom_score_adj: None,
        constraint: None,
        memcg: None,
        oom_memcg: None,
        memcg_usage_kb: None,
        memcg_limit_kb: None,
        victim_pid: None,
        victim_comm: None,
        score: None,
        total_vm_kb: None,
        anon_rss_kb: None,
        file_rss_kb: None,
        shmem_rss_kb: None,
        pgtables_kb: None,
        oom_score_adj: None,
        uid: None,
        cgroup_limit: false,
        reaped: false,
        tasks: Vec::new(),
        complete: false,
        victim_line: None,
        lines: vec![at.line],
        at: Mark::of(at),
    }
}

/// The `uid tgid total_vm rss ... oom_score_adj name` columns after `[ pid ]`; the name may
/// hold spaces, so the number of numeric columns comes from the header.
fn task_row(msg: &str, columns: usize, line: usize) -> Option<OomTask> {
    let (pid, rest) = msg.strip_prefix('[')?.split_once(']')?;
    let mut rest = rest;
    let mut nums = Vec::with_capacity(columns);
    for _ in 0..columns {
        let r = rest.trim_start();
        let end = r.find(char::is_whitespace).unwrap_or(r.len());
        nums.push(r[..end].parse::<i64>().ok()?);
        rest = &r[end..];
    }
    let [uid, tgid, total_vm, rss, ..] = nums[..] else {
        return None;
    };
    Some(OomTask {
        pid: pid.trim().parse().ok()?,
        uid: u32::try_from(uid).ok()?,
        tgid: u32::try_from(tgid).ok()?,
        total_vm_pages: u64::try_from(total_vm).ok()?,
        rss_pages: u64::try_from(rss).ok()?,
        oom_score_adj: i32::try_from(*nums.last()?).ok()?,
        name: rest.trim().to_owned(),
        line,
    })
}

/// Columns of `[  pid  ]   uid  tgid total_vm      rss ... oom_score_adj name`, minus name.
fn header_columns(msg: &str) -> Option<usize> {
    let (_, rest) = msg.split_once(']')?;
    let n = rest.split_whitespace().count();
    (n >= 5).then(|| n - 1)
}

/// An OOM report being assembled.
struct OomBuilder {
    ev: OomKill,
    /// Index of the first line, to order events by input position.
    start: usize,
    boot: usize,
    unclaimed: usize,
    columns: usize,
}

impl OomBuilder {
    fn new(l: &KernelLine, start: usize, boot: usize) -> OomBuilder {
        OomBuilder {
            ev: empty_oom(l),
            start,
            boot,
            unclaimed: 0,
            columns: 7,
        }
    }

    /// Takes a body line of the report; false when the line is not one.
    fn claim(&mut self, l: &KernelLine, msg: &str) -> bool {
        if let Some(kill) = KILL_CHOICE.captures(msg) {
            let o = &mut self.ev;
            o.victim_pid = kill.get(2).and_then(|m| m.as_str().parse().ok());
            o.victim_comm = kill.get(3).map(|m| m.as_str().to_owned());
            o.score = kill.get(4).and_then(|m| m.as_str().parse().ok());
            o.cgroup_limit |= kill
                .get(1)
                .is_some_and(|m| m.as_str().starts_with("Memory"));
        } else if let Some(rest) = msg.strip_prefix("oom-kill:") {
            summary(&mut self.ev, rest);
        } else if let Some(c) = TASK_IN.captures(msg) {
            self.ev.memcg = Some(c[1].to_owned());
            self.ev.oom_memcg = Some(c[2].to_owned());
            self.ev.cgroup_limit = true;
        } else if let Some(c) = MEMCG_USAGE.captures(msg) {
            self.ev.memcg_usage_kb = c[1].parse().ok();
            self.ev.memcg_limit_kb = c[2].parse().ok();
            self.ev.cgroup_limit = true;
        } else if msg.starts_with("[  pid  ]") || msg.starts_with("[ pid ]") {
            self.columns = header_columns(msg).unwrap_or(self.columns);
        } else if TASK_ROW.is_match(msg) {
            if let Some(t) = task_row(msg, self.columns, l.line) {
                self.ev.tasks.push(t);
            }
        } else if !is_oom_body(msg) {
            return false;
        }
        self.ev.lines.push(l.line);
        true
    }

    /// The victim line ends the report.
    fn victim(&mut self, l: &KernelLine, v: &Victim<'_>) {
        let o = &mut self.ev;
        o.victim_pid = Some(v.pid);
        o.victim_comm = Some(v.comm.to_owned());
        o.uid = v.uid.or(o.uid);
        o.cgroup_limit |= v.cgroup;
        figures(o, v.tail);
        o.complete = true;
        o.victim_line = Some(l.line);
        o.lines.push(l.line);
    }

    /// Too far from the report's start to be part of it: the rest of it was lost.
    fn expired(&self, l: &KernelLine) -> bool {
        let late = matches!((self.ev.at.uptime, l.uptime), (Some(a), Some(b)) if b - a > 60.0);
        late || self.unclaimed > 300
    }
}

fn invoked(o: &mut OomKill, msg: &str) {
    let Some(c) = INVOKED.captures(msg) else {
        return;
    };
    o.invoker = Some(c[1].to_owned());
    let tail = &c[2];
    o.gfp_mask = GFP.captures(tail).map(|m| m[1].to_owned());
    o.order = ORDER.captures(tail).and_then(|m| m[1].parse().ok());
    o.invoker_oom_score_adj = SCORE_ADJ.captures(tail).and_then(|m| m[1].parse().ok());
}

// ---------------------------------------------------------------------------------------
// Hung tasks
// ---------------------------------------------------------------------------------------

static HUNG: LazyLock<Regex> =
    LazyLock::new(|| re(r"^INFO: task (.+):(\d+) blocked for more than (\d+) seconds"));

struct HungBuilder {
    ev: HungTask,
    start: usize,
    boot: usize,
    unclaimed: usize,
}

impl HungBuilder {
    fn new(l: &KernelLine, msg: &str, start: usize, boot: usize) -> Option<HungBuilder> {
        if !msg.starts_with("INFO: task ") {
            return None;
        }
        let c = HUNG.captures(msg)?;
        Some(HungBuilder {
            ev: HungTask {
                comm: c[1].to_owned(),
                pid: c[2].parse().ok()?,
                secs: c[3].parse().ok()?,
                lines: vec![l.line],
                at: Mark::of(l),
            },
            start,
            boot,
            unclaimed: 0,
        })
    }

    fn expired(&self, l: &KernelLine) -> bool {
        let late = matches!((self.ev.at.uptime, l.uptime), (Some(a), Some(b)) if b - a > 10.0);
        late || self.unclaimed > 30
    }
}

// ---------------------------------------------------------------------------------------
// Assembly
// ---------------------------------------------------------------------------------------

/// Which open report the last line went to, for continuation lines.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Owner {
    Nobody,
    Oom,
    Hung,
}

#[derive(Default)]
struct Assembler {
    oom: Option<OomBuilder>,
    hung: Option<HungBuilder>,
    ooms: Vec<OomBuilder>,
    out: Vec<(usize, KernelEvent)>,
}

impl Assembler {
    fn close_oom(&mut self) {
        if let Some(b) = self.oom.take() {
            self.ooms.push(b);
        }
    }

    fn close_hung(&mut self) {
        if let Some(h) = self.hung.take() {
            self.out.push((h.start, KernelEvent::HungTask(h.ev)));
        }
    }

    /// `oom_reaper: reaped process N` completes the report whose victim was N.
    fn reaped(&mut self, l: &KernelLine, i: usize, boot: usize, pid: u32, comm: &str) {
        let open = self.oom.iter_mut();
        let target = open
            .chain(self.ooms.iter_mut().rev())
            .find(|b| b.boot == boot && b.ev.victim_pid == Some(pid) && !b.ev.reaped);
        match target {
            Some(b) => {
                b.ev.reaped = true;
                b.ev.lines.push(l.line);
            }
            None => {
                // The report itself is missing; the reaper still proves the kill.
                let mut b = OomBuilder::new(l, i, boot);
                b.ev.victim_pid = Some(pid);
                b.ev.victim_comm = Some(comm.to_owned());
                b.ev.reaped = true;
                self.ooms.push(b);
            }
        }
    }

    /// OOM lines that open, feed or end a report; false when the line is none of them.
    fn oom_line(&mut self, l: &KernelLine, i: usize, boot: usize, msg: &str) -> bool {
        if msg.contains(" invoked oom-killer: ") {
            self.close_oom();
            let mut b = OomBuilder::new(l, i, boot);
            invoked(&mut b.ev, msg);
            self.oom = Some(b);
            return true;
        }
        if let Some(v) = victim_line(msg) {
            let mut b = match self.oom.take() {
                Some(b) if b.ev.victim_pid.is_none_or(|p| p == v.pid) => b,
                other => {
                    self.oom = other;
                    self.close_oom();
                    OomBuilder::new(l, i, boot)
                }
            };
            if b.ev.at.line == l.line {
                b.ev.lines.clear();
            }
            b.victim(l, &v);
            self.ooms.push(b);
            return true;
        }
        if let Some(c) = REAPED.captures(msg) {
            if let Ok(pid) = c[1].parse() {
                self.reaped(l, i, boot, pid, &c[2]);
                return true;
            }
        }
        if self.oom.is_none() && (KILL_CHOICE.is_match(msg) || msg.starts_with("oom-kill:")) {
            // A report whose header was lost (filtered journal, rotated file).
            let mut b = OomBuilder::new(l, i, boot);
            b.ev.lines.clear();
            b.claim(l, msg);
            self.oom = Some(b);
            return true;
        }
        false
    }

    fn line(&mut self, l: &KernelLine, i: usize, boot: usize, owner: &mut Owner) {
        if self
            .oom
            .as_ref()
            .is_some_and(|b| b.boot != boot || b.expired(l))
        {
            self.close_oom();
        }
        if self
            .hung
            .as_ref()
            .is_some_and(|h| h.boot != boot || h.expired(l))
        {
            self.close_hung();
        }
        if l.continuation {
            match *owner {
                Owner::Oom if self.oom.is_some() => {
                    self.oom.iter_mut().for_each(|b| b.ev.lines.push(l.line));
                }
                Owner::Hung if self.hung.is_some() => {
                    self.hung.iter_mut().for_each(|h| h.ev.lines.push(l.line));
                }
                _ => {}
            }
            return;
        }
        let msg = l.message.trim();
        *owner = Owner::Nobody;
        if let Some(h) = HungBuilder::new(l, msg, i, boot) {
            self.close_hung();
            self.hung = Some(h);
            *owner = Owner::Hung;
            return;
        }
        if self.oom_line(l, i, boot, msg) {
            *owner = Owner::Oom;
            return;
        }
        if let Some(ev) = single_line_event(l) {
            if matches!(ev, KernelEvent::OomNoKillable(_)) {
                self.close_oom();
            }
            self.out.push((i, ev));
            return;
        }
        *owner = self.body_line(l, msg);
    }

    /// A line inside an open report; the most recently opened report is asked first.
    fn body_line(&mut self, l: &KernelLine, msg: &str) -> Owner {
        let hung_first = match (&self.oom, &self.hung) {
            (Some(o), Some(h)) => h.start > o.start,
            _ => true,
        };
        let try_hung = |s: &mut Self| match s.hung.as_mut() {
            Some(h) if is_hung_body(msg) => {
                h.ev.lines.push(l.line);
                true
            }
            _ => false,
        };
        let try_oom = |s: &mut Self| s.oom.as_mut().is_some_and(|b| b.claim(l, msg));
        let owner = if hung_first {
            if try_hung(self) {
                Owner::Hung
            } else if try_oom(self) {
                Owner::Oom
            } else {
                Owner::Nobody
            }
        } else if try_oom(self) {
            Owner::Oom
        } else if try_hung(self) {
            Owner::Hung
        } else {
            Owner::Nobody
        };
        if owner != Owner::Oom {
            self.oom.iter_mut().for_each(|b| b.unclaimed += 1);
        }
        if owner != Owner::Hung {
            self.hung.iter_mut().for_each(|h| h.unclaimed += 1);
        }
        owner
    }

    fn finish(mut self) -> Vec<KernelEvent> {
        self.close_oom();
        self.close_hung();
        for b in std::mem::take(&mut self.ooms) {
            self.out
                .push((b.start, KernelEvent::OomKill(Box::new(b.ev))));
        }
        self.out.sort_by_key(|(i, _)| *i);
        self.out.into_iter().map(|(_, e)| e).collect()
    }
}

/// Assembles kernel lines (of one member, or a journal's kernel records in order) into
/// events. Multi-line reports are followed by sequence: unrelated lines may interleave.
pub fn assemble(lines: &[KernelLine]) -> Vec<KernelEvent> {
    let boots = split_boots(lines);
    let mut boot_of = vec![0usize; lines.len()];
    for b in &boots {
        for slot in boot_of.get_mut(b.lines.clone()).into_iter().flatten() {
            *slot = b.index;
        }
    }
    let mut asm = Assembler::default();
    let mut owner = Owner::Nobody;
    for (i, l) in lines.iter().enumerate() {
        asm.line(l, i, boot_of[i], &mut owner);
    }
    asm.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{JournalMeta, Level};
    use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

    /// (name, text, expected boot starts with their first line)
    type BootCase = (&'static str, &'static str, &'static [(BootStart, usize)]);
    /// (message, comm, pid, kind, addr, ip, error, object)
    type FaultCase = (
        &'static str,
        &'static str,
        u32,
        FaultKind,
        Option<u64>,
        Option<u64>,
        Option<u64>,
        Option<&'static str>,
    );

    fn parsed(text: &str) -> (KernelLog, Vec<Diagnostic>) {
        let mut diags = Vec::new();
        let log = parse(text, &mut diags);
        (log, diags)
    }

    fn ooms(events: &[KernelEvent]) -> Vec<&OomKill> {
        events
            .iter()
            .filter_map(|e| match e {
                KernelEvent::OomKill(o) => Some(o.as_ref()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn line_shapes() {
        struct Case {
            name: &'static str,
            line: &'static str,
            time: RecordTime,
            source: TimeSource,
            uptime: Option<f64>,
            level: Option<u8>,
            facility: Option<u8>,
            message: &'static str,
        }
        let nov20 = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        let cases = [
            Case {
                name: "dmesg",
                line: "[   12.345678] EXT4-fs (sda1): mounted filesystem",
                time: RecordTime::SinceBoot(12.345678),
                source: TimeSource::Uptime,
                uptime: Some(12.345678),
                level: None,
                facility: None,
                message: "EXT4-fs (sda1): mounted filesystem",
            },
            Case {
                name: "dmesg trace line keeps its indent",
                line: "[ 4711.000001]  dump_stack+0x6d/0x8b",
                time: RecordTime::SinceBoot(4711.000001),
                source: TimeSource::Uptime,
                uptime: Some(4711.000001),
                level: None,
                facility: None,
                message: " dump_stack+0x6d/0x8b",
            },
            Case {
                name: "printk caller id",
                line: "[    3.100000] [    T1] systemd[1]: Detected virtualization kvm.",
                time: RecordTime::SinceBoot(3.1),
                source: TimeSource::Uptime,
                uptime: Some(3.1),
                level: None,
                facility: None,
                message: "systemd[1]: Detected virtualization kvm.",
            },
            Case {
                name: "dmesg -T",
                line: "[Fri Nov 20 14:05:01 2026] sshd[812]: segfault at 0 ip 1 sp 2 error 4",
                time: RecordTime::Local(nov20.and_hms_opt(14, 5, 1).unwrap()),
                source: TimeSource::DmesgWallClock,
                uptime: None,
                level: None,
                facility: None,
                message: "sshd[812]: segfault at 0 ip 1 sp 2 error 4",
            },
            Case {
                name: "dmesg -T with padded day",
                line: "[Fri Nov  6 09:00:00 2026] eth0: link up",
                time: RecordTime::Local(
                    NaiveDate::from_ymd_opt(2026, 11, 6)
                        .unwrap()
                        .and_hms_opt(9, 0, 0)
                        .unwrap(),
                ),
                source: TimeSource::DmesgWallClock,
                uptime: None,
                level: None,
                facility: None,
                message: "eth0: link up",
            },
            Case {
                name: "dmesg -r",
                line: "<3>[ 1530.811848] blk_update_request: I/O error, dev sda, sector 8",
                time: RecordTime::SinceBoot(1530.811848),
                source: TimeSource::Uptime,
                uptime: Some(1530.811848),
                level: Some(3),
                facility: Some(0),
                message: "blk_update_request: I/O error, dev sda, sector 8",
            },
            Case {
                name: "dmesg -r from a daemon, no time",
                line: "<30>systemd[1]: Started Journal Service.",
                time: RecordTime::Unknown,
                source: TimeSource::None,
                uptime: None,
                level: Some(6),
                facility: Some(3),
                message: "systemd[1]: Started Journal Service.",
            },
            Case {
                name: "dmesg -x",
                line: "kern  :err   : [  900.5] Out of memory and no killable processes...",
                time: RecordTime::SinceBoot(900.5),
                source: TimeSource::Uptime,
                uptime: Some(900.5),
                level: Some(3),
                facility: Some(0),
                message: "Out of memory and no killable processes...",
            },
            Case {
                name: "kern.log with uptime",
                line: "Nov 20 14:05:01 web01 kernel: [27742.909073] e1000: eth0 NIC Link is Up",
                time: RecordTime::YearLess {
                    month: 11,
                    day: 20,
                    time: NaiveTime::from_hms_opt(14, 5, 1).unwrap(),
                },
                source: TimeSource::Syslog,
                uptime: Some(27742.909073),
                level: None,
                facility: None,
                message: "e1000: eth0 NIC Link is Up",
            },
            Case {
                name: "messages without uptime, PRI prefix",
                line: "<4>Nov 20 14:05:01 web01 kernel: TCP: request_sock_TCP: Possible SYN flooding on port 22. Sending cookies.",
                time: RecordTime::YearLess {
                    month: 11,
                    day: 20,
                    time: NaiveTime::from_hms_opt(14, 5, 1).unwrap(),
                },
                source: TimeSource::Syslog,
                uptime: None,
                level: None,
                facility: None,
                message: "TCP: request_sock_TCP: Possible SYN flooding on port 22. Sending cookies.",
            },
            Case {
                name: "no timestamp",
                line: "bnx2 0000:0b:00.0: eth0: using MSIX",
                time: RecordTime::Unknown,
                source: TimeSource::None,
                uptime: None,
                level: None,
                facility: None,
                message: "bnx2 0000:0b:00.0: eth0: using MSIX",
            },
            Case {
                name: "packet log is not a time bracket",
                line: "[UFW BLOCK] IN=eth0 OUT= SRC=203.0.113.7 DST=10.0.0.5 PROTO=TCP DPT=22",
                time: RecordTime::Unknown,
                source: TimeSource::None,
                uptime: None,
                level: None,
                facility: None,
                message: "[UFW BLOCK] IN=eth0 OUT= SRC=203.0.113.7 DST=10.0.0.5 PROTO=TCP DPT=22",
            },
        ];
        for c in cases {
            let (log, diags) = parsed(c.line);
            assert!(
                diags.iter().all(|d| d.level == Level::Info),
                "{}: {diags:?}",
                c.name
            );
            assert_eq!(log.lines.len(), 1, "{}", c.name);
            let l = &log.lines[0];
            assert_eq!(l.time, c.time, "{}", c.name);
            assert_eq!(l.source, c.source, "{}", c.name);
            assert_eq!(l.uptime, c.uptime, "{}", c.name);
            assert_eq!(l.level, c.level, "{}", c.name);
            assert_eq!(l.facility, c.facility, "{}", c.name);
            assert_eq!(l.message, c.message, "{}", c.name);
            assert_eq!(l.line, 1, "{}", c.name);
            assert_eq!(l.text, c.line, "{}", c.name);
        }
    }

    #[test]
    fn unused_lines_are_counted_or_reported() {
        let text = "\
Nov 20 14:05:01 web01 kernel: [  100.000001] e1000: eth0 NIC Link is Up
Nov 20 14:05:02 web01 sshd[812]: Server listening on 0.0.0.0 port 22.

Nov 20 14:05:03 web01 CRON[900]: (root) CMD (run-parts)
garbage pasted into the file
Nov 20 14:05:04 web01 kernel: [  103.5] nf_conntrack: table full, dropping packet\r
";
        let (log, diags) = parsed(text);
        assert_eq!(log.lines.iter().map(|l| l.line).collect::<Vec<_>>(), [1, 6]);
        assert_eq!(log.skipped, [2, 4, 5]);
        let summary = diags.iter().find(|d| d.level == Level::Info).unwrap();
        assert_eq!(summary.line, Some(2));
        assert!(summary.message.starts_with("2 lines"));
        let warning = diags.iter().find(|d| d.level == Level::Warning).unwrap();
        assert_eq!(warning.line, Some(5));
        assert!(matches!(&log.events[..], [KernelEvent::ConntrackFull(m)] if m.line == 6));
    }

    #[test]
    fn transcripts_and_continuations() {
        let text = "\
root@web01:~# dmesg | tail
[ 5000.100000] Mem-Info:
[ 5000.100001] active_anon:416825 inactive_anon:1538 isolated_anon:0
                active_file:140909 inactive_file:149407 isolated_file:0
[ 5000.200000] eth0: link down
root@web01:~#
";
        let (log, diags) = parsed(text);
        assert_eq!(log.skipped, [1, 6]);
        assert_eq!(
            diags.iter().filter_map(|d| d.line).collect::<Vec<_>>(),
            [1, 6]
        );
        let cont = &log.lines[2];
        assert!(cont.continuation);
        assert_eq!(cont.line, 4);
        assert_eq!(cont.uptime, Some(5000.100001));
        assert!(cont.message.starts_with("active_file:140909"));
        assert!(sniff(text) >= 0.6);
    }

    #[test]
    fn dmesg_with_two_boots() {
        let text = "\
[    0.000000] Initializing cgroup subsys cpuset
[    0.000000] Linux version 5.15.0-91-generic (buildd@lcy02-amd64-045) (gcc 11.4.0) #101-Ubuntu SMP
[    0.000000] Command line: BOOT_IMAGE=/vmlinuz-5.15.0-91-generic root=/dev/sda1 ro
[    1.204000] EXT4-fs (sda1): mounted filesystem with ordered data mode
[ 8000.000100] sshd[812]: segfault at 0 ip 00007f3a1c2b4e10 sp 00007ffd5e0a1c88 error 4 in libc.so.6[7f3a1c200000+195000]
[    0.000000] Linux version 5.15.0-94-generic (buildd@lcy02-amd64-096) (gcc 11.4.0) #104-Ubuntu SMP
[    0.000000] Command line: BOOT_IMAGE=/vmlinuz-5.15.0-94-generic root=/dev/sda1 ro
[    2.000000] e1000: eth0 NIC Link is Up
[    1.500000] early line printed late by another CPU
";
        let (log, diags) = parsed(text);
        assert!(diags.is_empty(), "{diags:?}");
        let summary: Vec<_> = log
            .boots
            .iter()
            .map(|b| (b.index, b.start, b.first_line, b.lines.clone()))
            .collect();
        assert_eq!(
            summary,
            [
                (0, BootStart::First, 1, 0..5),
                (1, BootStart::UptimeBackwards, 6, 5..9)
            ]
        );
        assert!(log.boots[1]
            .linux_version
            .as_deref()
            .unwrap()
            .starts_with("5.15.0-94-generic"));
        assert_eq!(
            log.boots[0].command_line.as_deref(),
            Some("BOOT_IMAGE=/vmlinuz-5.15.0-91-generic root=/dev/sda1 ro")
        );
        assert_eq!(log.boot_of(5).map(|b| b.index), Some(0));
        assert_eq!(log.boot_of(9).map(|b| b.index), Some(1));
    }

    #[test]
    fn untimed_and_syslog_boots_split_on_markers() {
        let cases: &[BootCase] = &[
            (
                "no timestamps",
                "Linux version 2.6.32-754.el6.x86_64\nCommand line: ro root=/dev/sda1\nbnx2: eth0 up\nLinux version 2.6.32-754.el6.x86_64\nCommand line: ro root=/dev/sda1\n",
                &[(BootStart::First, 1), (BootStart::LinuxVersion, 4)],
            ),
            (
                "kern.log without uptime, version lost",
                "Nov 20 10:00:00 h kernel: e1000: eth0 up\nNov 20 11:00:00 h kernel: Command line: ro quiet\nNov 20 11:00:00 h kernel: e1000: eth0 up\n",
                &[(BootStart::First, 1), (BootStart::CommandLine, 2)],
            ),
        ];
        for (name, text, want) in cases {
            let (log, _) = parsed(text);
            let got: Vec<_> = log.boots.iter().map(|b| (b.start, b.first_line)).collect();
            assert_eq!(&got, want, "{name}");
        }
    }

    /// A modern global OOM report as kern.log has it, with unrelated kernel lines and another
    /// program's lines interleaved, and the reaper line later.
    const KERN_LOG_OOM: &str = "\
Nov 20 14:05:01 web01 kernel: [ 9000.100000] sshd invoked oom-killer: gfp_mask=0x100cca(GFP_HIGHUSER_MOVABLE), order=0, oom_score_adj=0
Nov 20 14:05:01 web01 kernel: [ 9000.100004] CPU: 1 PID: 4242 Comm: sshd Not tainted 5.15.0-91-generic #101-Ubuntu
Nov 20 14:05:01 web01 kernel: [ 9000.100005] Call Trace:
Nov 20 14:05:01 web01 kernel: [ 9000.100006]  <TASK>
Nov 20 14:05:01 web01 kernel: [ 9000.100007]  dump_stack_lvl+0x4a/0x63
Nov 20 14:05:01 web01 kernel: [ 9000.100010] e1000: eth0 NIC Link is Down
Nov 20 14:05:01 web01 kernel: [ 9000.100011]  out_of_memory+0x106/0x2e0
Nov 20 14:05:01 web01 systemd[1]: Starting Daily apt upgrade...
Nov 20 14:05:01 web01 kernel: [ 9000.100012]  </TASK>
Nov 20 14:05:01 web01 kernel: [ 9000.100020] Mem-Info:
Nov 20 14:05:01 web01 kernel: [ 9000.100021] Node 0 Normal free:20564kB min:16524kB low:20652kB
Nov 20 14:05:01 web01 kernel: [ 9000.100030] 0 pages hwpoisoned
Nov 20 14:05:01 web01 kernel: [ 9000.100031] Tasks state (memory values in pages):
Nov 20 14:05:01 web01 kernel: [ 9000.100032] [  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name
Nov 20 14:05:01 web01 kernel: [ 9000.100033] [    812]     0   812     3043     1854    61440        0         -1000 sshd
Nov 20 14:05:01 web01 kernel: [ 9000.100034] [   4242]  1000  4242   912000   802000  6500000        0             0 tmux: server
Nov 20 14:05:01 web01 kernel: [ 9000.100040] oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/user.slice/user-1000.slice/session-4.scope,task=tmux: server,pid=4242,uid=1000
Nov 20 14:05:01 web01 kernel: [ 9000.100050] Out of memory: Killed process 4242 (tmux: server) total-vm:3648000kB, anon-rss:3208000kB, file-rss:0kB, shmem-rss:4kB, UID:1000 pgtables:6348kB oom_score_adj:0
Nov 20 14:05:01 web01 kernel: [ 9000.150000] e1000: eth0 NIC Link is Up
Nov 20 14:05:01 web01 kernel: [ 9000.200000] oom_reaper: reaped process 4242 (tmux: server), now anon-rss:0kB, file-rss:0kB, shmem-rss:4kB
";

    #[test]
    fn oom_report_with_interleaved_lines() {
        let (log, diags) = parsed(KERN_LOG_OOM);
        assert_eq!(diags.len(), 1, "{diags:?}"); // the systemd line, summarised
        let all = ooms(&log.events);
        assert_eq!(all.len(), 1);
        let o = all[0];
        assert_eq!(o.invoker.as_deref(), Some("sshd"));
        assert_eq!(
            o.gfp_mask.as_deref(),
            Some("0x100cca(GFP_HIGHUSER_MOVABLE)")
        );
        assert_eq!(o.order, Some(0));
        assert_eq!(o.constraint, Some(OomConstraint::Global));
        assert_eq!(
            o.memcg.as_deref(),
            Some("/user.slice/user-1000.slice/session-4.scope")
        );
        assert_eq!(o.victim_pid, Some(4242));
        assert_eq!(o.victim_comm.as_deref(), Some("tmux: server"));
        assert_eq!(
            (
                o.total_vm_kb,
                o.anon_rss_kb,
                o.file_rss_kb,
                o.shmem_rss_kb,
                o.pgtables_kb
            ),
            (
                Some(3_648_000),
                Some(3_208_000),
                Some(0),
                Some(4),
                Some(6348)
            )
        );
        assert_eq!((o.uid, o.oom_score_adj), (Some(1000), Some(0)));
        assert!(o.complete && o.reaped && !o.cgroup_limit);
        assert_eq!(o.victim_line, Some(18));
        assert_eq!(
            o.lines,
            [1, 2, 3, 4, 5, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 20]
        );
        assert_eq!(o.at.uptime, Some(9000.1));
        assert!(matches!(o.at.time, RecordTime::YearLess { day: 20, .. }));
        let sshd = &o.tasks[0];
        assert_eq!(
            (
                sshd.pid,
                sshd.uid,
                sshd.rss_pages,
                sshd.oom_score_adj,
                sshd.line
            ),
            (812, 0, 1854, -1000, 15)
        );
        assert_eq!(o.tasks[1].name, "tmux: server");
    }

    #[test]
    fn older_and_cgroup_oom_formats() {
        struct Case {
            name: &'static str,
            text: &'static str,
            pid: u32,
            comm: &'static str,
            total_vm_kb: Option<u64>,
            shmem_rss_kb: Option<u64>,
            score: Option<u64>,
            cgroup_limit: bool,
            memcg: Option<&'static str>,
            lines: &'static [usize],
        }
        let cases = [
            Case {
                name: "4.14: Kill process + Killed process",
                text: "\
[ 700.000000] java invoked oom-killer: gfp_mask=0x14200ca(GFP_HIGHUSER_MOVABLE), nodemask=(null), order=0, oom_score_adj=0
[ 700.000100] java cpuset=/ mems_allowed=0
[ 700.000200] Out of memory: Kill process 812 (sshd) score 3 or sacrifice child
[ 700.000300] Killed process 812 (sshd) total-vm:12172kB, anon-rss:1024kB, file-rss:2048kB, shmem-rss:0kB
",
                pid: 812,
                comm: "sshd",
                total_vm_kb: Some(12172),
                shmem_rss_kb: Some(0),
                score: Some(3),
                cgroup_limit: false,
                memcg: None,
                lines: &[1, 2, 3, 4],
            },
            Case {
                name: "RHEL 6: Killed process with UID, no shmem",
                text: "\
httpd invoked oom-killer: gfp_mask=0x201da, order=0, oom_adj=0, oom_score_adj=0
Out of memory: Kill process 2001 (httpd) score 900 or sacrifice child
Killed process 2001, UID 48, (httpd) total-vm:812000kB, anon-rss:600000kB, file-rss:12kB
",
                pid: 2001,
                comm: "httpd",
                total_vm_kb: Some(812000),
                shmem_rss_kb: None,
                score: Some(900),
                cgroup_limit: false,
                memcg: None,
                lines: &[1, 2, 3],
            },
            Case {
                name: "memcg v1 with Task in",
                text: "\
[ 50.0] sshd invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0
[ 50.1] Task in /system.slice/ssh.service killed as a result of limit of /system.slice/ssh.service
[ 50.2] memory: usage 65536kB, limit 65536kB, failcnt 211
[ 50.3] Memory cgroup stats for /system.slice/ssh.service: cache:0KB rss:65536KB
[ 50.4] Memory cgroup out of memory: Killed process 9001 ((sd-pam)) total-vm:26049kB, anon-rss:933kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:86kB oom_score_adj:0
",
                pid: 9001,
                comm: "(sd-pam)",
                total_vm_kb: Some(26049),
                shmem_rss_kb: Some(0),
                score: None,
                cgroup_limit: true,
                memcg: Some("/system.slice/ssh.service"),
                lines: &[1, 2, 3, 4, 5],
            },
            Case {
                name: "memcg v2 with stats lines",
                text: "\
[ 60.0] sshd-session invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0
[ 60.1] memory: usage 131072kB, limit 131072kB, failcnt 0
[ 60.2] Memory cgroup stats for /system.slice/ssh.service:
[ 60.2] anon 130023424
[ 60.2] file 0
[ 60.3] oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/system.slice/ssh.service,task_memcg=/system.slice/ssh.service,task=sshd-session,pid=1500,uid=0
[ 60.4] Memory cgroup out of memory: Killed process 1500 (sshd-session) total-vm:120000kB, anon-rss:110000kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:300kB oom_score_adj:0
",
                pid: 1500,
                comm: "sshd-session",
                total_vm_kb: Some(120000),
                shmem_rss_kb: Some(0),
                score: None,
                cgroup_limit: true,
                memcg: Some("/system.slice/ssh.service"),
                lines: &[1, 2, 3, 4, 5, 6, 7],
            },
            Case {
                name: "victim line alone (journalctl -p err)",
                text: "[ 80.0] Out of memory: Killed process 77 (sshd) total-vm:9000kB, anon-rss:100kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:40kB oom_score_adj:-1000\n",
                pid: 77,
                comm: "sshd",
                total_vm_kb: Some(9000),
                shmem_rss_kb: Some(0),
                score: None,
                cgroup_limit: false,
                memcg: None,
                lines: &[1],
            },
        ];
        for c in cases {
            let (log, diags) = parsed(c.text);
            assert!(diags.is_empty(), "{}: {diags:?}", c.name);
            let all = ooms(&log.events);
            assert_eq!(all.len(), 1, "{}", c.name);
            let o = all[0];
            assert!(o.complete, "{}", c.name);
            assert_eq!(o.victim_pid, Some(c.pid), "{}", c.name);
            assert_eq!(o.victim_comm.as_deref(), Some(c.comm), "{}", c.name);
            assert_eq!(o.total_vm_kb, c.total_vm_kb, "{}", c.name);
            assert_eq!(o.shmem_rss_kb, c.shmem_rss_kb, "{}", c.name);
            assert_eq!(o.score, c.score, "{}", c.name);
            assert_eq!(o.cgroup_limit, c.cgroup_limit, "{}", c.name);
            assert_eq!(o.memcg.as_deref(), c.memcg, "{}", c.name);
            assert_eq!(o.lines, c.lines, "{}", c.name);
        }
    }

    #[test]
    fn cut_off_report_is_kept_with_a_warning() {
        let text = "\
[ 300.0] sshd invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0
[ 300.1] Mem-Info:
[ 300.2] Tasks state (memory values in pages):
[ 400.0] sshd invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0
[ 400.1] Out of memory: Killed process 900 (sshd) total-vm:1kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:4kB oom_score_adj:0
";
        let (log, diags) = parsed(text);
        let all = ooms(&log.events);
        assert_eq!(all.len(), 2);
        assert!(!all[0].complete);
        assert_eq!(all[0].lines, [1, 2, 3]);
        assert_eq!(all[0].victim_pid, None);
        assert!(all[1].complete);
        assert_eq!(all[1].lines, [4, 5]);
        assert_eq!(diags.len(), 1);
        assert_eq!((diags[0].level, diags[0].line), (Level::Warning, Some(1)));
    }

    fn journal_record(line: usize, message: &str, mono_us: u64, boot: &str) -> LogRecord {
        let micros = 1_763_647_501_000_000 + mono_us as i64;
        LogRecord {
            time: RecordTime::Utc(DateTime::<Utc>::from_timestamp_micros(micros).unwrap()),
            host: Some("web01".into()),
            program: "kernel".into(),
            pid: None,
            message: message.into(),
            journal: Some(JournalMeta {
                unit: None,
                transport: Some("kernel".into()),
                boot_id: Some(boot.into()),
                monotonic_us: Some(mono_us),
                priority: Some(6),
            }),
            line,
            text: format!("web01 kernel: {message}"),
        }
    }

    #[test]
    fn oom_report_split_across_journal_entries() {
        let boot = "3f2a9c0d6b5e4f1a8c7d6e5f4a3b2c1d";
        let records = [
            journal_record(9, "sshd invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0", 9_000_100_000, boot),
            journal_record(21, "CPU: 0 PID: 812 Comm: sshd Not tainted 6.1.0-25-amd64 #1", 9_000_100_100, boot),
            journal_record(33, "audit: type=1400 audit(1763656501.100:42): apparmor=\"DENIED\"", 9_000_100_150, boot),
            journal_record(45, "Mem-Info:\nactive_anon:100 inactive_anon:2 isolated_anon:0\n active_file:1 inactive_file:2", 9_000_100_200, boot),
            journal_record(57, "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/system.slice/ssh.service,task=sshd,pid=1812,uid=0", 9_000_100_300, boot),
            journal_record(69, "Out of memory: Killed process 1812 (sshd) total-vm:15000kB, anon-rss:9000kB, file-rss:100kB, shmem-rss:0kB, UID:0 pgtables:60kB oom_score_adj:0", 9_000_100_400, boot),
        ];
        assert!(records.iter().all(is_kernel_record));
        let lines: Vec<KernelLine> = records.iter().map(from_record).collect();
        assert_eq!(lines[0].source, TimeSource::Journal);
        assert_eq!(lines[0].uptime, Some(9000.1));
        assert_eq!(lines[0].level, Some(6));
        assert_eq!(lines[0].boot_id.as_deref(), Some(boot));
        let events = assemble(&lines);
        let all = ooms(&events);
        assert_eq!(all.len(), 1);
        let o = all[0];
        assert_eq!(o.lines, [9, 21, 45, 57, 69]);
        assert_eq!(o.memcg.as_deref(), Some("/system.slice/ssh.service"));
        assert_eq!((o.victim_pid, o.anon_rss_kb), (Some(1812), Some(9000)));
        assert!(o.complete);

        // The same report cut off by a reboot: a new boot id closes it.
        let mut cut: Vec<KernelLine> = lines[..4].to_vec();
        let other = journal_record(80, "Linux version 6.1.0-26-amd64", 3_000_000, "ffff");
        cut.push(from_record(&other));
        let events = assemble(&cut);
        assert!(!ooms(&events)[0].complete);
        let mut diags = Vec::new();
        warn_incomplete(&events, &mut diags);
        assert_eq!(diags[0].line, Some(9));
        assert_eq!(split_boots(&cut).len(), 2);
    }

    #[test]
    fn syslog_record_keeps_both_clocks() {
        let r = syslog::record_at(
            "Nov 20 14:05:01 web01 kernel: [ 1234.5] INFO: task sshd:812 blocked for more than 120 seconds.",
            7,
        )
        .unwrap();
        let l = from_record(&r);
        assert_eq!(l.source, TimeSource::Syslog);
        assert_eq!(l.uptime, Some(1234.5));
        assert!(matches!(l.time, RecordTime::YearLess { month: 11, .. }));
        assert_eq!(l.line, 7);
        assert!(l.message.starts_with("INFO: task"));
    }

    #[test]
    fn hung_task_report() {
        let text = "\
[ 1500.000000] INFO: task kworker/0:0:17681 blocked for more than 120 seconds.
[ 1500.000001]       Not tainted 5.15.0-91-generic #101-Ubuntu
[ 1500.000002] \"echo 0 > /proc/sys/kernel/hung_task_timeout_secs\" disables this message.
[ 1500.000003] task:kworker/0:0 state:D stack:    0 pid:17681 ppid:     2 flags:0x00004000
[ 1500.000004] e1000: eth0 NIC Link is Up
[ 1500.000005] Call Trace:
[ 1500.000006]  __schedule+0x2cd/0x890
[ 1500.000100] INFO: task sshd:812 blocked for more than 241 seconds.
[ 1500.000101] Call Trace:
[ 1501.000000] usb 1-1: new high-speed USB device number 2
";
        let (log, _) = parsed(text);
        let hung: Vec<_> = log
            .events
            .iter()
            .filter_map(|e| match e {
                KernelEvent::HungTask(h) => Some((h.comm.as_str(), h.pid, h.secs, h.lines.clone())),
                _ => None,
            })
            .collect();
        assert_eq!(
            hung,
            [
                ("kworker/0:0", 17681, 120, vec![1, 2, 3, 4, 6, 7]),
                ("sshd", 812, 241, vec![8, 9]),
            ]
        );
    }

    #[test]
    fn faults() {
        let cases: &[FaultCase] = &[
            (
                "sshd[812]: segfault at 0 ip 00007f3a1c2b4e10 sp 00007ffd5e0a1c88 error 4 in libc.so.6[7f3a1c200000+195000] likely on CPU 1 (core 1, socket 0)",
                "sshd", 812, FaultKind::Segfault, Some(0), Some(0x7f3a1c2b4e10), Some(4), Some("libc.so.6"),
            ),
            (
                "sshd-session[2044]: segfault at 18 ip 000055d0c0ffee00 sp 00007ffc0badf00d error 6",
                "sshd-session", 2044, FaultKind::Segfault, Some(0x18), Some(0x55d0c0ffee00), Some(6), None,
            ),
            (
                "traps: sshd[812] general protection fault ip:7f3a1c2b4e10 sp:7ffd5e0a1c88 error:0 in libcrypto.so.3[7f3a1c000000+2b5000]",
                "sshd", 812, FaultKind::GeneralProtection, None, Some(0x7f3a1c2b4e10), Some(0), Some("libcrypto.so.3"),
            ),
            (
                "traps: sshd[900] trap invalid opcode ip:55d0c0ffee00 sp:7ffc0badf00d error:0 in sshd[55d0c0f00000+9d000]",
                "sshd", 900, FaultKind::Trap("invalid opcode".into()), None, Some(0x55d0c0ffee00), Some(0), Some("sshd"),
            ),
        ];
        for (msg, comm, pid, kind, addr, ip, error, object) in cases {
            let (log, _) = parsed(&format!("[  42.000000] {msg}"));
            let [KernelEvent::Segfault(s)] = &log.events[..] else {
                panic!("{msg}: {:?}", log.events);
            };
            assert_eq!(s.comm, *comm, "{msg}");
            assert_eq!(s.pid, *pid, "{msg}");
            assert_eq!(&s.kind, kind, "{msg}");
            assert_eq!(s.addr, *addr, "{msg}");
            assert_eq!(s.ip, *ip, "{msg}");
            assert_eq!(s.error, *error, "{msg}");
            assert_eq!(s.object.as_deref(), *object, "{msg}");
            assert_eq!(s.at.line, 1);
        }
    }

    #[test]
    fn single_line_events() {
        let text = "\
[ 10.0] TCP: request_sock_TCP: Possible SYN flooding on port 22. Sending cookies.  Check SNMP counters.
[ 11.0] TCP: request_sock_TCPv6: Possible SYN flooding on port [::]:2222. Dropping request.  Check SNMP counters.
[ 12.0] nf_conntrack: nf_conntrack: table full, dropping packet
[ 13.0] EXT4-fs error (device sda1): ext4_find_entry:1463: inode #2: comm sshd: reading directory lblock 0
[ 14.0] EXT4-fs (sda1): Remounting filesystem read-only
[ 15.0] blk_update_request: I/O error, dev sda, sector 2048 op 0x1:(WRITE) flags 0x800 phys_seg 1 prio class 0
[ 16.0] Buffer I/O error on dev sda1, logical block 0, lost async page write
[ 17.0] [UFW BLOCK] IN=eth0 OUT= MAC=52:54:00:12:34:56 SRC=203.0.113.7 DST=10.0.0.5 LEN=60 PROTO=TCP SPT=50522 DPT=22
[ 18.0] cgroup: fork rejected by pids controller in /system.slice/ssh.service
[ 19.0] VFS: file-max limit 65536 reached
[ 20.0] Out of memory and no killable processes...
";
        let (log, diags) = parsed(text);
        assert!(diags.is_empty(), "{diags:?}");
        let ev = &log.events;
        assert_eq!(ev.len(), 11);
        assert!(
            matches!(&ev[0], KernelEvent::SynFlood(s) if s.port == 22 && s.cookies && s.addr.is_none())
        );
        assert!(
            matches!(&ev[1], KernelEvent::SynFlood(s) if s.port == 2222 && !s.cookies && s.addr.as_deref() == Some("[::]"))
        );
        assert!(matches!(&ev[2], KernelEvent::ConntrackFull(_)));
        assert!(
            matches!(&ev[3], KernelEvent::FsError(f) if f.fs == "EXT4-fs" && f.device == "sda1" && !f.read_only && f.detail.starts_with("ext4_find_entry"))
        );
        assert!(matches!(&ev[4], KernelEvent::FsError(f) if f.read_only && f.device == "sda1"));
        assert!(
            matches!(&ev[5], KernelEvent::IoError(e) if e.device == "sda" && e.sector == Some(2048) && e.op.as_deref() == Some("WRITE"))
        );
        assert!(
            matches!(&ev[6], KernelEvent::IoError(e) if e.device == "sda1" && e.sector == Some(0))
        );
        assert!(
            matches!(&ev[7], KernelEvent::PacketLog(m) if m.message.starts_with("[UFW BLOCK] IN=eth0"))
        );
        assert!(
            matches!(&ev[8], KernelEvent::ForkRejected { cgroup, .. } if cgroup == "/system.slice/ssh.service")
        );
        assert!(matches!(
            &ev[9],
            KernelEvent::FileMaxReached { limit: 65536, .. }
        ));
        assert!(matches!(&ev[10], KernelEvent::OomNoKillable(_)));
        let lines: Vec<usize> = ev.iter().map(|e| e.at().line).collect();
        assert_eq!(lines, (1..=11).collect::<Vec<_>>());
    }

    #[test]
    fn sniffing() {
        let cases = [
            ("[    0.000000] Linux version 6.1\n[    0.1] x\n", 1.0),
            ("[Fri Nov 20 14:05:01 2026] x\n", 1.0),
            ("kern  :info  : [    0.000000] Linux version 6.1\n", 1.0),
            ("Nov 20 14:05:01 h kernel: [ 1.0] x\n", 0.0),
            ("Port 22\n", 0.0),
            ("", 0.0),
        ];
        for (head, want) in cases {
            assert_eq!(sniff(head), want, "{head:?}");
        }
    }

    #[test]
    fn odd_input_does_not_panic() {
        let long = format!("[ 1.0] {}", "x".repeat(100_000));
        for odd in [
            "[",
            "[]",
            "[ 1.]",
            "[99999999999999999999999999999999999.0] x",
            "<",
            "<999>[1.0] x",
            "<6>",
            "kern:",
            "kern  :bogus : x",
            "[Fri Feb 30 14:05:01 2026] x",
            "é[ 1.0]",
            "Killed process",
            "Out of memory: Killed process 1 (",
            "Out of memory: Killed process x (y) total-vm:",
            "Killed process 1, UID",
            "oom-kill:",
            "oom_reaper: reaped process 99999999999 (x), now ",
            "[  pid  ]",
            "INFO: task :1 blocked for more than 99999999999999999999 seconds.",
            "x[1]: segfault at zz ip zz sp zz error zz",
            "Possible SYN flooding on port 99999. Sending cookies.",
            "   ",
            "\u{feff}",
            long.as_str(),
        ] {
            let mut diags = Vec::new();
            let log = parse(odd, &mut diags);
            let lines = log.lines.clone();
            let _ = assemble(&lines);
            let _ = sniff(odd);
            let oom_then_junk = format!("[ 1.0] a invoked oom-killer: x\n{odd}\n");
            let _ = parse(&oom_then_junk, &mut diags);
        }
    }
}
