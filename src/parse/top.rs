//! `top -b` snapshots: load, task counts, CPU split, memory and the busiest processes.
//!
//! One batch-mode iteration is the densest proof of resource pressure a bundle can carry:
//! the clock time it was taken, how much memory and swap were left, and whether sshd was
//! among the processes. Reads procps-ng layouts (`KiB Mem :`, `MiB Mem :`, `GiB Mem :`) and
//! the older procps one (`Mem:  8167848k total, ...`), any number of iterations:
//!
//! ```text
//! top - 14:05:01 up 3 days,  2:01,  2 users,  load average: 3.10, 2.05, 1.20
//! Tasks: 312 total,   2 running, 310 sleeping,   0 stopped,   0 zombie
//! %Cpu(s):  1.2 us,  0.8 sy,  0.0 ni, 60.0 id, 38.0 wa,  0.0 hi,  0.0 si,  0.0 st
//! MiB Mem :   7976.4 total,    127.2 free,   7716.1 used,    133.1 buff/cache
//! MiB Swap:   2048.0 total,      0.0 free,   2048.0 used.     57.5 avail Mem
//!
//!     PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND
//!    3310 postgres  20   0    9.4g   3.1g   1.2g D  12.5  40.2 310:12.01 postgres
//! ```
//!
//! Memory figures are normalised to KiB; the process table's columns come from its header.

use std::sync::LazyLock;

use regex::Regex;

use crate::model::Diagnostic;
use crate::parse::clock::{parse_uptime, Uptime};
use crate::parse::memory::{prompt_command, scaled_to_kib};
use crate::util::words_with_offsets as words;

/// `Tasks:` (or `Threads:` with `-H`) counts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tasks {
    /// True for `Threads:` (top `-H`), where the counts are threads.
    pub threads: bool,
    pub total: Option<u32>,
    pub running: Option<u32>,
    pub sleeping: Option<u32>,
    pub stopped: Option<u32>,
    pub zombie: Option<u32>,
    pub line: usize,
}

/// A `%Cpu(s):` line (or `%Cpu0 :` per CPU), percentages.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CpuLine {
    /// `Cpu(s)`, `Cpu0`...
    pub label: String,
    pub us: Option<f32>,
    pub sy: Option<f32>,
    pub ni: Option<f32>,
    pub id: Option<f32>,
    pub wa: Option<f32>,
    pub hi: Option<f32>,
    pub si: Option<f32>,
    pub st: Option<f32>,
    pub line: usize,
}

/// A `Mem` or `Swap` summary line, in KiB.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemLine {
    pub total_kib: Option<u64>,
    pub free_kib: Option<u64>,
    pub used_kib: Option<u64>,
    /// procps-ng `buff/cache`.
    pub buff_cache_kib: Option<u64>,
    /// Old procps `buffers` (Mem line) and `cached` (Swap line).
    pub buffers_kib: Option<u64>,
    pub cached_kib: Option<u64>,
    /// procps-ng prints `avail Mem` at the end of the Swap line.
    pub avail_mem_kib: Option<u64>,
    pub line: usize,
}

/// One row of the process table.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TopProcess {
    pub pid: u32,
    pub user: Option<String>,
    /// Priority as printed: a number or `rt`.
    pub pr: Option<String>,
    pub ni: Option<i32>,
    pub virt_kib: Option<u64>,
    pub res_kib: Option<u64>,
    pub shr_kib: Option<u64>,
    pub swap_kib: Option<u64>,
    pub state: Option<char>,
    pub cpu: Option<f32>,
    pub mem: Option<f32>,
    pub time: Option<String>,
    /// The program name, or the command line with `top -c`.
    pub command: String,
    pub line: usize,
}

impl TopProcess {
    /// `sshd` for `sshd`, `/usr/sbin/sshd -D` or `sshd: alice [priv]`.
    pub fn program(&self) -> &str {
        let first = self.command.split_whitespace().next().unwrap_or("");
        let first = first.trim_end_matches(':');
        // Kernel threads (`ksoftirqd/0`) carry a slash without being a path.
        match first.starts_with('/') {
            true => first.rsplit('/').next().unwrap_or(first),
            false => first,
        }
    }
}

/// One iteration of `top -b`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TopSnapshot {
    /// The `top - HH:MM:SS up ...` line: the snapshot's clock time, uptime, users, loads.
    pub header: Option<Uptime>,
    pub tasks: Option<Tasks>,
    pub cpus: Vec<CpuLine>,
    pub mem: Option<MemLine>,
    pub swap: Option<MemLine>,
    pub processes: Vec<TopProcess>,
}

impl TopSnapshot {
    pub fn by_command<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a TopProcess> + 'a {
        self.processes.iter().filter(move |p| p.program() == name)
    }
    /// The all-CPU line (`%Cpu(s)`), else the first per-CPU one.
    pub fn cpu(&self) -> Option<&CpuLine> {
        self.cpus
            .iter()
            .find(|c| c.label == "Cpu(s)")
            .or(self.cpus.first())
    }
}

static HEADER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*top\s+-\s+(.*\bload averages?:.*)$").expect("top header"));

/// The uptime reader builds chrono durations, which panic past their range; real uptimes
/// never need a number longer than nine digits.
fn plausible_numbers(s: &str) -> bool {
    s.split(|c: char| !c.is_ascii_digit())
        .all(|run| run.len() <= 9)
}

fn parse_header(line: &str, line_no: usize) -> Option<Uptime> {
    let rest = HEADER.captures(line)?.get(1)?.as_str();
    if !plausible_numbers(rest) {
        return None;
    }
    let mut scratch = Vec::new();
    let mut u = parse_uptime(rest, &mut scratch)?;
    u.line = line_no;
    Some(u)
}

/// `312 total,   2 running` → (value text, name) pairs; old procps glues `%` or `k` to the
/// number (`4.9%us`, `8167848k total`).
fn pairs(body: &str) -> Option<Vec<(&str, &str)>> {
    body.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            if let Some((n, name)) = p.split_once(char::is_whitespace) {
                return Some((n.trim(), name.trim()));
            }
            let at = p.find('%')?;
            Some((&p[..at], &p[at + 1..]))
        })
        .collect()
}

fn parse_tasks(label: &str, body: &str, line_no: usize) -> Option<Tasks> {
    let mut t = Tasks {
        threads: label == "Threads",
        line: line_no,
        ..Tasks::default()
    };
    for (n, name) in pairs(body)? {
        let n: u32 = n.parse().ok()?;
        match name {
            "total" => t.total = Some(n),
            "running" => t.running = Some(n),
            "sleeping" => t.sleeping = Some(n),
            "stopped" => t.stopped = Some(n),
            "zombie" => t.zombie = Some(n),
            _ => {}
        }
    }
    t.total.is_some().then_some(t)
}

fn parse_cpu(label: &str, body: &str, line_no: usize) -> Option<CpuLine> {
    let mut c = CpuLine {
        label: label.trim_start_matches('%').to_owned(),
        line: line_no,
        ..CpuLine::default()
    };
    for (n, name) in pairs(body)? {
        let v: f32 = n.trim_end_matches('%').replace(',', ".").parse().ok()?;
        let slot = match name.trim_start_matches('%') {
            "us" => &mut c.us,
            "sy" => &mut c.sy,
            "ni" => &mut c.ni,
            "id" => &mut c.id,
            "wa" => &mut c.wa,
            "hi" => &mut c.hi,
            "si" => &mut c.si,
            "st" => &mut c.st,
            _ => continue,
        };
        *slot = Some(v);
    }
    Some(c)
}

/// `KiB`, `MiB`... label prefixes → the KiB in one printed unit.
fn label_unit(prefix: &str) -> Option<f64> {
    let i = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        .iter()
        .position(|u| *u == prefix)?;
    Some(1024f64.powi(i as i32))
}

fn parse_mem(unit: f64, body: &str, line_no: usize) -> Option<MemLine> {
    let mut m = MemLine {
        line: line_no,
        ..MemLine::default()
    };
    // procps-ng ends the Swap line with `used.   371152 avail Mem`: a period, not a comma.
    let body = body.replace(". ", ", ");
    for (n, name) in pairs(&body)? {
        let v = scaled_to_kib(n, unit)?;
        let slot = match name {
            "total" => &mut m.total_kib,
            "free" => &mut m.free_kib,
            "used" => &mut m.used_kib,
            "buff/cache" => &mut m.buff_cache_kib,
            "buffers" => &mut m.buffers_kib,
            "cached" => &mut m.cached_kib,
            "avail Mem" | "avail" => &mut m.avail_mem_kib,
            _ => continue,
        };
        *slot = Some(v);
    }
    m.total_kib.is_some().then_some(m)
}

/// A process table column.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Col {
    Pid,
    User,
    Pr,
    Ni,
    Virt,
    Res,
    Shr,
    Swap,
    State,
    Cpu,
    Mem,
    Time,
    Command,
    Other,
}

fn table_header(line: &str) -> Option<Vec<Col>> {
    let cols: Vec<Col> = line
        .split_whitespace()
        .map(|w| match w {
            "PID" => Col::Pid,
            "USER" | "RUSER" => Col::User,
            "PR" => Col::Pr,
            "NI" => Col::Ni,
            "VIRT" => Col::Virt,
            "RES" => Col::Res,
            "SHR" => Col::Shr,
            "SWAP" => Col::Swap,
            "S" => Col::State,
            "%CPU" => Col::Cpu,
            "%MEM" => Col::Mem,
            "TIME+" | "TIME" => Col::Time,
            "COMMAND" => Col::Command,
            _ => Col::Other,
        })
        .collect();
    (cols.contains(&Col::Pid) && cols.last() == Some(&Col::Command)).then_some(cols)
}

fn opt_f32(s: &str) -> Option<f32> {
    s.replace(',', ".")
        .parse::<f32>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0)
}

fn parse_process(line: &str, line_no: usize, cols: &[Col]) -> Option<TopProcess> {
    let w = words(line);
    let n_before = cols.len().checked_sub(1)?;
    let cmd_word = w.get(n_before)?;
    let mut p = TopProcess {
        command: line[cmd_word.0..].trim_end().to_owned(),
        line: line_no,
        ..TopProcess::default()
    };
    let mut pid = None;
    for (col, &(_, v)) in cols.iter().zip(&w[..n_before]) {
        match col {
            Col::Pid => pid = Some(v.parse().ok()?),
            Col::User => p.user = Some(v.to_owned()),
            Col::Pr => p.pr = Some(v.to_owned()),
            Col::Ni => p.ni = Some(v.parse().ok()?),
            Col::Virt => p.virt_kib = Some(scaled_to_kib(v, 1.0)?),
            Col::Res => p.res_kib = Some(scaled_to_kib(v, 1.0)?),
            Col::Shr => p.shr_kib = Some(scaled_to_kib(v, 1.0)?),
            Col::Swap => p.swap_kib = Some(scaled_to_kib(v, 1.0)?),
            Col::State => p.state = v.chars().next(),
            Col::Cpu => p.cpu = Some(opt_f32(v)?),
            Col::Mem => p.mem = Some(opt_f32(v)?),
            Col::Time => p.time = Some(v.to_owned()),
            Col::Command | Col::Other => {}
        }
    }
    p.pid = pid?;
    Some(p)
}

/// Reads a summary-area line into the snapshot; false when it is not one.
fn summary_line(snap: &mut TopSnapshot, line: &str, line_no: usize) -> bool {
    let Some((label, body)) = line.split_once(':') else {
        return false;
    };
    let label = label.trim();
    let mut lw = label.split_whitespace();
    let (prefix, kind) = match (lw.next(), lw.next(), lw.next()) {
        (Some(k), None, _) => (None, k),
        (Some(p), Some(k), None) => (Some(p), k),
        _ => return false,
    };
    match (prefix, kind) {
        (None, "Tasks" | "Threads") => parse_tasks(kind, body, line_no)
            .map(|t| snap.tasks = Some(t))
            .is_some(),
        (None, k) if k.starts_with("%Cpu") || k.starts_with("Cpu") => parse_cpu(k, body, line_no)
            .map(|c| snap.cpus.push(c))
            .is_some(),
        (unit, k @ ("Mem" | "Swap")) => {
            let Some(unit) = unit.map_or(Some(1.0), label_unit) else {
                return false;
            };
            let Some(m) = parse_mem(unit, body, line_no) else {
                return false;
            };
            if k == "Mem" {
                snap.mem = Some(m);
            } else {
                snap.swap = Some(m);
            }
            true
        }
        _ => false,
    }
}

/// Parses `top -b` output, one snapshot per `top -` header.
pub fn parse_top(text: &str, diags: &mut Vec<Diagnostic>) -> Vec<TopSnapshot> {
    let mut out: Vec<TopSnapshot> = Vec::new();
    let mut cols: Option<Vec<Col>> = None;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        if let Some(h) = parse_header(line, line_no) {
            out.push(TopSnapshot {
                header: Some(h),
                ..TopSnapshot::default()
            });
            cols = None;
            continue;
        }
        if let Some(c) = table_header(line) {
            cols = Some(c);
            if out.is_empty() {
                out.push(TopSnapshot::default());
            }
            continue;
        }
        let used = match (out.last_mut(), cols.as_deref()) {
            (Some(snap), Some(c)) => parse_process(line, line_no, c)
                .map(|p| snap.processes.push(p))
                .is_some(),
            (Some(snap), None) => summary_line(snap, line, line_no),
            (None, _) => false,
        };
        if used {
            continue;
        }
        if prompt_command(line).is_some() {
            diags.push(Diagnostic::info("shell prompt line skipped").at_line(line_no));
        } else {
            diags.push(Diagnostic::warning("line is not part of top output").at_line(line_no));
        }
    }
    out
}

/// Confidence that a text is `top -b` output.
pub fn sniff(head: &str) -> f32 {
    let header = head.lines().take(5).any(|l| parse_header(l, 0).is_some());
    let summary = head.lines().any(|l| {
        let t = l.trim_start();
        t.starts_with("Tasks:") || t.starts_with("%Cpu") || t.contains("iB Mem")
    });
    match (header, summary) {
        (true, true) => 0.95,
        (true, false) => 0.5,
        _ => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Level;
    use chrono::{Duration, NaiveTime};

    const NG_MIB: &str = "\
top - 14:05:01 up 3 days,  2:01,  2 users,  load average: 3.10, 2.05, 1.20
Tasks: 312 total,   2 running, 310 sleeping,   0 stopped,   0 zombie
%Cpu(s):  1.2 us,  0.8 sy,  0.0 ni, 60.0 id, 38.0 wa,  0.0 hi,  0.0 si,  0.0 st
MiB Mem :   7976.4 total,    127.2 free,   7716.1 used,    133.1 buff/cache
MiB Swap:   2048.0 total,      0.0 free,   2048.0 used.     57.5 avail Mem

    PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND
   3310 postgres  20   0    9.4g   3.1g   1.2g D  12.5  40.2 310:12.01 postgres
    911 root      20   0   15420   9216   7936 S   0.0   0.1   0:00.20 sshd
  48211 root      rt   0  512m    2.5m    0.0 R   0.0   0.0   0:00.00 migration/3
";

    #[test]
    fn procps_ng_mib_layout() {
        let mut d = Vec::new();
        let snaps = parse_top(NG_MIB, &mut d);
        assert!(d.is_empty(), "{d:?}");
        let s = &snaps[0];
        let h = s.header.as_ref().unwrap();
        assert_eq!(h.clock, NaiveTime::from_hms_opt(14, 5, 1).unwrap());
        assert_eq!(h.up, Duration::days(3) + Duration::minutes(121));
        assert_eq!((h.users, h.load, h.line), (Some(2), [3.10, 2.05, 1.20], 1));
        let t = s.tasks.as_ref().unwrap();
        assert_eq!(
            (t.total, t.running, t.zombie, t.line),
            (Some(312), Some(2), Some(0), 2)
        );
        let c = s.cpu().unwrap();
        assert_eq!((c.wa, c.st, c.line), (Some(38.0), Some(0.0), 3));
        let m = s.mem.as_ref().unwrap();
        assert_eq!(m.total_kib, Some(8167834));
        assert_eq!((m.free_kib, m.line), (Some(130253), 4));
        let sw = s.swap.as_ref().unwrap();
        assert_eq!(
            (sw.free_kib, sw.avail_mem_kib, sw.line),
            (Some(0), Some(58880), 5)
        );
        type Case = (usize, u32, Option<u64>, Option<char>, usize);
        let cases: &[Case] = &[
            (0, 3310, Some(3250586), Some('D'), 8),
            (1, 911, Some(9216), Some('S'), 9),
            (2, 48211, Some(2560), Some('R'), 10),
        ];
        for &(i, pid, res, state, line) in cases {
            let p = &s.processes[i];
            assert_eq!((p.pid, p.res_kib, p.state, p.line), (pid, res, state, line));
        }
        assert_eq!(s.processes[0].virt_kib, Some(9856614));
        assert_eq!(s.processes[2].pr.as_deref(), Some("rt"));
        assert_eq!(s.by_command("sshd").next().unwrap().pid, 911);
    }

    const OLD_PROCPS: &str = "\
[root@db1 ~]# top -b -n 1 -c
top - 09:12:44 up 41 min,  1 user,  load average: 0,83, 0,73, 0,76
Tasks: 150 total,   1 running, 148 sleeping,   0 stopped,   1 zombie
Cpu(s):  4.9%us,  1.1%sy,  0.0%ni, 93.8%id,  0.1%wa,  0.0%hi,  0.1%si,  0.0%st
Mem:   8167848k total,  7932156k used,   235692k free,   123456k buffers
Swap:  2096124k total,   102616k used,  1993508k free,  4567890k cached

  PID USER      PR  NI  VIRT  RES  SHR S %CPU %MEM    TIME+  COMMAND
  911 root      20   0 66216 1200  512 S  0.0  0.0   0:00.02 /usr/sbin/sshd -D
 1200 root      20   0 1.2g  512m  10m S  0.0  6.4   1:00.00 java -Xmx1g -jar app.jar
[root@db1 ~]#
";

    #[test]
    fn old_procps_layout_and_transcript() {
        let mut d = Vec::new();
        let snaps = parse_top(OLD_PROCPS, &mut d);
        assert_eq!(snaps.len(), 1);
        let s = &snaps[0];
        assert_eq!(s.header.as_ref().unwrap().load, [0.83, 0.73, 0.76]);
        assert_eq!(s.tasks.as_ref().unwrap().zombie, Some(1));
        let c = s.cpu().unwrap();
        assert_eq!((c.label.as_str(), c.id), ("Cpu(s)", Some(93.8)));
        let m = s.mem.as_ref().unwrap();
        assert_eq!(
            (m.total_kib, m.buffers_kib, m.line),
            (Some(8167848), Some(123456), 5)
        );
        assert_eq!(s.swap.as_ref().unwrap().cached_kib, Some(4567890));
        let sshd = s.by_command("sshd").next().unwrap();
        assert_eq!((sshd.command.as_str(), sshd.line), ("/usr/sbin/sshd -D", 9));
        let java = &s.processes[1];
        assert_eq!((java.virt_kib, java.res_kib), (Some(1258291), Some(524288)));
        let infos: Vec<_> = d
            .iter()
            .filter(|d| d.level == Level::Info)
            .filter_map(|d| d.line)
            .collect();
        assert_eq!(infos, vec![1, 11]);
        assert!(d.iter().all(|d| d.level == Level::Info));
    }

    #[test]
    fn several_iterations_and_bad_lines() {
        let text = "\
top - 14:05:01 up 3 days,  2:01,  2 users,  load average: 3.10, 2.05, 1.20
GiB Mem :      7.8 total,      0.1 free,      7.5 used,      0.2 buff/cache
Bogus: summary
    PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND
    911 root      20   0   15420   9216   7936 S   0.0   0.1   0:00.20 sshd
    x12 root      20   0   15420   9216   7936 S   0.0   0.1   0:00.20 sshd
top - 14:05:04 up 3 days,  2:01,  2 users,  load average: 3.20, 2.08, 1.21
Tasks: 313 total,   3 running, 310 sleeping,   0 stopped,   0 zombie
";
        let mut d = Vec::new();
        let snaps = parse_top(text, &mut d);
        assert_eq!(snaps.len(), 2);
        assert_eq!(snaps[0].mem.as_ref().unwrap().total_kib, Some(8178893));
        assert_eq!(snaps[0].processes.len(), 1);
        assert_eq!(snaps[1].tasks.as_ref().unwrap().total, Some(313));
        assert_eq!(snaps[1].header.as_ref().unwrap().line, 7);
        let warn: Vec<_> = d
            .iter()
            .filter(|d| d.level == Level::Warning)
            .filter_map(|d| d.line)
            .collect();
        assert_eq!(warn, vec![3, 6]);
    }

    #[test]
    fn absurd_uptime_is_a_warning_not_a_panic() {
        let text = "top - 14:05:01 up 99999999999999 days,  2:01,  2 users,  load average: 1.0, 1.0, 1.0\n";
        let mut d = Vec::new();
        assert!(parse_top(text, &mut d).is_empty());
        assert_eq!(d.len(), 1);
        assert_eq!((d[0].level, d[0].line), (Level::Warning, Some(1)));
    }

    #[test]
    fn sniffing() {
        assert!(sniff(NG_MIB) > 0.9);
        assert!(sniff(OLD_PROCPS) > 0.9);
        assert_eq!(
            sniff(" 14:05:01 up 3 days,  2:01,  2 users,  load average: 3.10, 2.05, 1.20\n"),
            0.0
        );
        assert_eq!(sniff("USER PID %CPU\n"), 0.0);
    }
}
