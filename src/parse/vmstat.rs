//! `vmstat` samples: run queue, blocked tasks, swapping and I/O wait over a few seconds.
//!
//! A machine that swaps hard (`si`/`so`) or has many tasks blocked on I/O (`b`, `wa`)
//! answers SSH too slowly or not at all, even with memory left on paper. This module reads
//! `vmstat`, `vmstat 1 5`, `-w` (wide), `-a` (`inact`/`active` instead of `buff`/`cache`),
//! `-t` (a timestamp column) and procps 4's `gu` column, with the column set taken from the
//! header, which repeats in long runs:
//!
//! ```text
//! procs -----------memory---------- ---swap-- -----io---- -system-- ------cpu----- -----timestamp-----
//!  r  b   swpd   free   buff  cache   si   so    bi    bo   in   cs us sy id wa st                 UTC
//!  3  2 2097148 130224   2048 134340  812  944  9120  4410 2210 5120  2  6 12 80  0 2026-11-23 14:05:01
//! ```
//!
//! The first sample after a header line group averages everything since boot; it is marked.
//! Memory figures are KiB, vmstat's default unit (`-S m` output cannot be told apart).

use chrono::NaiveDateTime;

use crate::model::Diagnostic;
use crate::parse::memory::prompt_command;

/// One vmstat sample.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VmstatSample {
    /// Runnable tasks.
    pub r: Option<u32>,
    /// Tasks in uninterruptible sleep.
    pub b: Option<u32>,
    pub swpd_kib: Option<u64>,
    pub free_kib: Option<u64>,
    pub buff_kib: Option<u64>,
    pub cache_kib: Option<u64>,
    pub inact_kib: Option<u64>,
    pub active_kib: Option<u64>,
    /// Swapped in and out, KiB/s.
    pub si: Option<u64>,
    pub so: Option<u64>,
    /// Blocks in and out per second.
    pub bi: Option<u64>,
    pub bo: Option<u64>,
    /// Interrupts and context switches per second (`in`, `cs`).
    pub interrupts: Option<u64>,
    pub context_switches: Option<u64>,
    pub us: Option<u8>,
    pub sy: Option<u8>,
    pub id: Option<u8>,
    pub wa: Option<u8>,
    pub st: Option<u8>,
    pub gu: Option<u8>,
    /// `-t`: wall-clock time in the zone the header names.
    pub timestamp: Option<NaiveDateTime>,
    /// The first sample of a run: averages since boot, not the moment.
    pub since_boot: bool,
    pub line: usize,
}

/// A parsed vmstat run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Vmstat {
    pub samples: Vec<VmstatSample>,
    /// The zone name heading the timestamp column (`UTC`, `CET`).
    pub zone: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Col {
    R,
    B,
    Swpd,
    Free,
    Buff,
    Cache,
    Inact,
    Active,
    Si,
    So,
    Bi,
    Bo,
    In,
    Cs,
    Us,
    Sy,
    Id,
    Wa,
    St,
    Gu,
    /// `-t`: date and time, two words.
    Timestamp,
    Other,
}

/// The column-name line: `r  b   swpd ...`, the zone name last with `-t`.
fn header(line: &str, timestamped: bool) -> Option<(Vec<Col>, Option<String>)> {
    let words: Vec<&str> = line.split_whitespace().collect();
    if words.get(..2) != Some(&["r", "b"][..]) {
        return None;
    }
    let mut cols = Vec::with_capacity(words.len());
    let mut zone = None;
    for (i, w) in words.iter().enumerate() {
        let c = match *w {
            "r" => Col::R,
            "b" => Col::B,
            "swpd" => Col::Swpd,
            "free" => Col::Free,
            "buff" => Col::Buff,
            "cache" => Col::Cache,
            "inact" => Col::Inact,
            "active" => Col::Active,
            "si" => Col::Si,
            "so" => Col::So,
            "bi" => Col::Bi,
            "bo" => Col::Bo,
            "in" => Col::In,
            "cs" => Col::Cs,
            "us" => Col::Us,
            "sy" => Col::Sy,
            "id" => Col::Id,
            "wa" => Col::Wa,
            "st" => Col::St,
            "gu" => Col::Gu,
            z if timestamped && i + 1 == words.len() => {
                zone = Some(z.to_owned());
                Col::Timestamp
            }
            _ => Col::Other,
        };
        cols.push(c);
    }
    Some((cols, zone))
}

/// The line naming column groups (`procs ---memory--- ...`), whatever its dash widths.
fn is_group_line(line: &str) -> bool {
    line.contains("procs") && line.contains("memory") && line.contains("---")
}

fn parse_sample(line: &str, line_no: usize, cols: &[Col]) -> Option<VmstatSample> {
    let w: Vec<&str> = line.split_whitespace().collect();
    let wanted: usize = cols
        .iter()
        .map(|c| if *c == Col::Timestamp { 2 } else { 1 })
        .sum();
    if w.len() != wanted {
        return None;
    }
    let mut s = VmstatSample {
        line: line_no,
        ..VmstatSample::default()
    };
    let mut i = 0;
    for col in cols {
        let v = *w.get(i)?;
        i += 1;
        let n = || v.parse::<u64>().ok();
        let small = || v.parse::<u8>().ok();
        match col {
            Col::R => s.r = Some(v.parse().ok()?),
            Col::B => s.b = Some(v.parse().ok()?),
            Col::Swpd => s.swpd_kib = Some(n()?),
            Col::Free => s.free_kib = Some(n()?),
            Col::Buff => s.buff_kib = Some(n()?),
            Col::Cache => s.cache_kib = Some(n()?),
            Col::Inact => s.inact_kib = Some(n()?),
            Col::Active => s.active_kib = Some(n()?),
            Col::Si => s.si = Some(n()?),
            Col::So => s.so = Some(n()?),
            Col::Bi => s.bi = Some(n()?),
            Col::Bo => s.bo = Some(n()?),
            Col::In => s.interrupts = Some(n()?),
            Col::Cs => s.context_switches = Some(n()?),
            Col::Us => s.us = Some(small()?),
            Col::Sy => s.sy = Some(small()?),
            Col::Id => s.id = Some(small()?),
            Col::Wa => s.wa = Some(small()?),
            Col::St => s.st = Some(small()?),
            Col::Gu => s.gu = Some(small()?),
            Col::Timestamp => {
                let time = *w.get(i)?;
                i += 1;
                let text = format!("{v} {time}");
                s.timestamp = Some(NaiveDateTime::parse_from_str(&text, "%Y-%m-%d %H:%M:%S").ok()?);
            }
            Col::Other => {}
        }
    }
    Some(s)
}

/// Parses `vmstat` output.
pub fn parse_vmstat(text: &str, diags: &mut Vec<Diagnostic>) -> Vmstat {
    let mut out = Vmstat::default();
    let mut cols: Option<Vec<Col>> = None;
    let mut timestamped = false;
    let mut first_of_run = true;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        if is_group_line(line) {
            timestamped = line.contains("timestamp");
            continue;
        }
        if let Some((c, zone)) = header(line, timestamped) {
            cols = Some(c);
            out.zone = zone.or(out.zone.take());
            continue;
        }
        if let Some(mut s) = cols.as_deref().and_then(|c| parse_sample(line, line_no, c)) {
            s.since_boot = first_of_run;
            first_of_run = false;
            out.samples.push(s);
        } else if prompt_command(line).is_some() {
            // A new command in a transcript starts a new run.
            first_of_run = true;
            diags.push(Diagnostic::info("shell prompt line skipped").at_line(line_no));
        } else {
            diags.push(Diagnostic::warning("line is not a vmstat sample").at_line(line_no));
        }
    }
    out
}

/// Confidence that a text is `vmstat` output.
pub fn sniff(head: &str) -> f32 {
    let group = head.lines().take(4).any(is_group_line);
    let names = head.lines().take(5).any(|l| header(l, false).is_some());
    match (group, names) {
        (true, true) => 0.95,
        (false, true) => 0.6,
        _ => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Level;

    const PLAIN: &str = "\
procs -----------memory---------- ---swap-- -----io---- -system-- ------cpu-----
 r  b   swpd   free   buff  cache   si   so    bi    bo   in   cs us sy id wa st
 1  0 204800 912340  40960 812300    1    3    45    60  210  380  3  1 95  1  0
 3  2 2097148 130224   2048 134340  812  944  9120  4410 2210 5120  2  6 12 80  0
procs -----------memory---------- ---swap-- -----io---- -system-- ------cpu-----
 r  b   swpd   free   buff  cache   si   so    bi    bo   in   cs us sy id wa st
 4  5 2097148 128000   2048 130000 1024 1100 10240  5000 2300 5300  1  7  4 88  0
";

    #[test]
    fn plain_run_with_repeated_header() {
        let mut d = Vec::new();
        let v = parse_vmstat(PLAIN, &mut d);
        assert!(d.is_empty(), "{d:?}");
        type Case = (usize, u32, u32, u64, u64, u8, bool, usize);
        let cases: &[Case] = &[
            (0, 1, 0, 912340, 3, 1, true, 3),
            (1, 3, 2, 130224, 944, 80, false, 4),
            (2, 4, 5, 128000, 1100, 88, false, 7),
        ];
        for &(i, r, b, free, so, wa, boot, line) in cases {
            let s = &v.samples[i];
            assert_eq!(
                (s.r, s.b, s.free_kib, s.so),
                (Some(r), Some(b), Some(free), Some(so))
            );
            assert_eq!((s.wa, s.since_boot, s.line), (Some(wa), boot, line));
        }
        assert_eq!(v.samples[1].context_switches, Some(5120));
        assert_eq!(v.zone, None);
    }

    #[test]
    fn wide_active_timestamped_and_gu() {
        let text = "\
procs -----------------------memory---------------------- ---swap-- -----io---- -system-- ----------cpu---------- -----timestamp-----
   r    b         swpd         free        inact       active   si   so    bi    bo   in   cs  us  sy  id  wa  st  gu                 CET
   2    1      1048576       250000      1200000      5400000    0   12   300   900 1500 3000   5   3  85   7   0   0 2026-11-23 15:05:01
";
        let mut d = Vec::new();
        let v = parse_vmstat(text, &mut d);
        assert!(d.is_empty(), "{d:?}");
        let s = &v.samples[0];
        assert_eq!(
            (s.inact_kib, s.active_kib, s.gu),
            (Some(1200000), Some(5400000), Some(0))
        );
        assert_eq!(s.timestamp.unwrap().to_string(), "2026-11-23 15:05:01");
        assert_eq!((v.zone.as_deref(), s.line), (Some("CET"), 3));
    }

    #[test]
    fn unusable_lines_are_reported() {
        let text = "\
admin@web01:~$ vmstat 1 2
procs -----------memory---------- ---swap-- -----io---- -system-- ------cpu-----
 r  b   swpd   free   buff  cache   si   so    bi    bo   in   cs us sy id wa st
 1  0 204800 912340  40960 812300    1    3    45    60  210  380  3  1 95  1
 1  0 204800 912340  40960 812300    1    3    45    60  210  380  3  1 95  x  0
 1  0 204800 912340  40960 812300    1    3    45    60  210  380  3  1 95  1  0
";
        let mut d = Vec::new();
        let v = parse_vmstat(text, &mut d);
        assert_eq!(v.samples.len(), 1);
        assert_eq!(v.samples[0].line, 6);
        let warn: Vec<_> = d
            .iter()
            .filter(|d| d.level == Level::Warning)
            .filter_map(|d| d.line)
            .collect();
        assert_eq!(warn, vec![4, 5]);
        assert_eq!(d[0].level, Level::Info);
    }

    #[test]
    fn sniffing() {
        assert!(sniff(PLAIN) > 0.9);
        assert_eq!(sniff("USER PID COMMAND\n"), 0.0);
        assert_eq!(sniff("Mem: 1 2 3\n"), 0.0);
    }
}
