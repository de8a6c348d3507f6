//! Memory snapshots: how much RAM and swap a machine had left when the bundle was taken.
//!
//! sshd cannot fork a session, or is picked by the OOM killer, when memory runs out; these
//! snapshots are what proves the pressure. This module reads:
//!
//! * `free`, `free -m`, `free -h`, `free -w`, and the old layout with `-/+ buffers/cache:`:
//!
//!   ```text
//!                 total        used        free      shared  buff/cache   available
//!   Mem:        8167848     7901236      130224       10348      136388       58920
//!   Swap:       2097148     2097148           0
//!   ```
//! * `/proc/meminfo` (every key; `kB` values kept as KiB, counters such as `HugePages_Total`
//!   kept as plain numbers), also the per-node `Node 0 MemFree:` form;
//! * `/proc/loadavg`: `0.52 0.58 0.59 2/1247 48217` (loads, runnable/total tasks, last pid).
//!
//! Every figure is normalised to KiB. `free` does not print its unit, so the caller names it
//! (from the member name, `free_-m`) or a transcript's `$ free -m` prompt does.

use std::sync::LazyLock;

use regex::Regex;

use crate::model::Diagnostic;

/// `7.6Gi`, `512M`, `0B`, `1.2g`, `130224` → KiB. A bare number is in `bare_unit_kib` KiB
/// units; suffixes are binary multiples, as procps and coreutils print them by default.
pub(crate) fn scaled_to_kib(text: &str, bare_unit_kib: f64) -> Option<u64> {
    let t = text.trim();
    let t = t.strip_suffix('i').unwrap_or(t);
    let (num, factor) = match t.char_indices().last()? {
        (i, c) if c.is_ascii_alphabetic() => {
            let factor = match c.to_ascii_uppercase() {
                'B' => 1.0 / 1024.0,
                'K' => 1.0,
                'M' => 1024.0,
                'G' => 1024.0 * 1024.0,
                'T' => 1024.0f64.powi(3),
                'P' => 1024.0f64.powi(4),
                'E' => 1024.0f64.powi(5),
                _ => return None,
            };
            (&t[..i], factor)
        }
        _ => (t, bare_unit_kib),
    };
    // Some locales print decimal commas (`7,6Gi`).
    let n: f64 = num.replace(',', ".").parse().ok()?;
    (n.is_finite() && n >= 0.0).then(|| (n * factor).round() as u64)
}

static PROMPT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:\[[^\]]*\]|\S*[@:~]\S*)?\s?[$#%>](?:\s+(.*))?$").expect("prompt regex")
});

/// For a shell prompt line in a terminal transcript (`user@host:~$ free -m`), the command
/// it runs (empty for a bare prompt); `None` when the line is not a prompt.
pub(crate) fn prompt_command(line: &str) -> Option<&str> {
    let caps = PROMPT.captures(line.trim())?;
    Some(caps.get(1).map_or("", |m| m.as_str().trim()))
}

/// The unit `free` printed its figures in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FreeUnit {
    Bytes,
    KiB,
    MiB,
    GiB,
    TiB,
}

impl FreeUnit {
    fn kib(self) -> f64 {
        match self {
            FreeUnit::Bytes => 1.0 / 1024.0,
            FreeUnit::KiB => 1.0,
            FreeUnit::MiB => 1024.0,
            FreeUnit::GiB => 1024.0 * 1024.0,
            FreeUnit::TiB => 1024.0f64.powi(3),
        }
    }

    /// The unit the options of a `free` command line ask for (`free -m`, sosreport's
    /// `free_-m` member name); `None` when they do not choose one.
    pub fn from_command(command: &str) -> Option<FreeUnit> {
        let words = command.split(|c: char| c.is_whitespace() || c == '_' || c == '/');
        let mut unit = None;
        for w in words {
            unit = match w {
                "-b" | "--bytes" => Some(FreeUnit::Bytes),
                "-k" | "--kibi" | "--kilo" => Some(FreeUnit::KiB),
                "-m" | "--mebi" | "--mega" => Some(FreeUnit::MiB),
                "-g" | "--gibi" | "--giga" => Some(FreeUnit::GiB),
                "--tebi" | "--tera" => Some(FreeUnit::TiB),
                _ => unit,
            };
        }
        unit
    }
}

/// Which row of `free` output a figure set comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FreeRowKind {
    Mem,
    Swap,
    /// `-t`: RAM plus swap.
    Total,
    /// The old layout's `-/+ buffers/cache:` row (only used and free).
    BuffersCache,
    /// `-l`: low and high memory on 32-bit kernels.
    Low,
    High,
}

/// One row of `free`, in KiB. Columns the layout does not print stay `None`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FreeRow {
    pub kind: Option<FreeRowKind>,
    pub total_kib: Option<u64>,
    pub used_kib: Option<u64>,
    pub free_kib: Option<u64>,
    pub shared_kib: Option<u64>,
    pub buffers_kib: Option<u64>,
    pub cache_kib: Option<u64>,
    pub buff_cache_kib: Option<u64>,
    pub available_kib: Option<u64>,
    pub line: usize,
}

/// A parsed `free` output. `free -s` repeats rows; they are kept in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Free {
    pub rows: Vec<FreeRow>,
    pub unit: Option<FreeUnit>,
}

impl Free {
    fn row(&self, kind: FreeRowKind) -> Option<&FreeRow> {
        self.rows.iter().find(|r| r.kind == Some(kind))
    }
    pub fn mem(&self) -> Option<&FreeRow> {
        self.row(FreeRowKind::Mem)
    }
    pub fn swap(&self) -> Option<&FreeRow> {
        self.row(FreeRowKind::Swap)
    }
    pub fn buffers_cache(&self) -> Option<&FreeRow> {
        self.row(FreeRowKind::BuffersCache)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FreeCol {
    Total,
    Used,
    Free,
    Shared,
    Buffers,
    Cache,
    BuffCache,
    Available,
}

fn free_header(line: &str) -> Option<Vec<FreeCol>> {
    let cols: Option<Vec<FreeCol>> = line
        .split_whitespace()
        .map(|w| match w {
            "total" => Some(FreeCol::Total),
            "used" => Some(FreeCol::Used),
            "free" => Some(FreeCol::Free),
            "shared" => Some(FreeCol::Shared),
            "buffers" => Some(FreeCol::Buffers),
            "cache" | "cached" => Some(FreeCol::Cache),
            "buff/cache" => Some(FreeCol::BuffCache),
            "available" => Some(FreeCol::Available),
            _ => None,
        })
        .collect();
    cols.filter(|c| c.first() == Some(&FreeCol::Total))
}

fn free_row_kind(label: &str) -> Option<FreeRowKind> {
    Some(match label {
        "Mem" => FreeRowKind::Mem,
        "Swap" => FreeRowKind::Swap,
        "Total" => FreeRowKind::Total,
        "-/+ buffers/cache" => FreeRowKind::BuffersCache,
        "Low" => FreeRowKind::Low,
        "High" => FreeRowKind::High,
        _ => return None,
    })
}

fn set_free_col(row: &mut FreeRow, col: FreeCol, v: u64) {
    let slot = match col {
        FreeCol::Total => &mut row.total_kib,
        FreeCol::Used => &mut row.used_kib,
        FreeCol::Free => &mut row.free_kib,
        FreeCol::Shared => &mut row.shared_kib,
        FreeCol::Buffers => &mut row.buffers_kib,
        FreeCol::Cache => &mut row.cache_kib,
        FreeCol::BuffCache => &mut row.buff_cache_kib,
        FreeCol::Available => &mut row.available_kib,
    };
    *slot = Some(v);
}

fn free_row(line: &str, line_no: usize, cols: &[FreeCol], unit: f64) -> Option<FreeRow> {
    let (label, rest) = line.trim().split_once(':')?;
    let kind = free_row_kind(label.trim())?;
    let values: Option<Vec<u64>> = rest
        .split_whitespace()
        .map(|v| scaled_to_kib(v, unit))
        .collect();
    let values = values.filter(|v| !v.is_empty() && v.len() <= cols.len())?;
    // The old `-/+ buffers/cache:` row only prints used and free, under those columns.
    let cols: &[FreeCol] = if kind == FreeRowKind::BuffersCache {
        &[FreeCol::Used, FreeCol::Free]
    } else {
        cols
    };
    let mut row = FreeRow {
        kind: Some(kind),
        line: line_no,
        ..FreeRow::default()
    };
    for (col, v) in cols.iter().zip(values) {
        set_free_col(&mut row, *col, v);
    }
    Some(row)
}

/// Parses `free` output whose unit is unknown beyond what a transcript prompt says: bare
/// numbers are taken as KiB, `free`'s default.
pub fn parse_free(text: &str, diags: &mut Vec<Diagnostic>) -> Free {
    parse_free_in(text, None, diags)
}

/// Parses `free` output printed in `unit` (from the member name or command line).
pub fn parse_free_in(text: &str, unit: Option<FreeUnit>, diags: &mut Vec<Diagnostic>) -> Free {
    let mut out = Free {
        rows: Vec::new(),
        unit,
    };
    let mut cols: Option<Vec<FreeCol>> = None;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        if let Some(c) = free_header(line) {
            cols = Some(c);
            continue;
        }
        let bare_unit = out.unit.unwrap_or(FreeUnit::KiB).kib();
        let parsed = cols
            .as_deref()
            .and_then(|c| free_row(line, line_no, c, bare_unit));
        if let Some(row) = parsed {
            out.rows.push(row);
        } else if let Some(cmd) = prompt_command(line) {
            if let Some(u) = FreeUnit::from_command(cmd) {
                out.unit = Some(u);
            }
            diags.push(Diagnostic::info("shell prompt line skipped").at_line(line_no));
        } else {
            diags.push(Diagnostic::warning("line is not a row of free output").at_line(line_no));
        }
    }
    out
}

/// One `/proc/meminfo` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MeminfoEntry {
    /// The NUMA node for `/sys/devices/system/node/nodeN/meminfo` lines.
    pub node: Option<u32>,
    pub key: String,
    /// KiB when `in_kib`, else a count (huge pages).
    pub value: u64,
    pub in_kib: bool,
    pub line: usize,
}

/// A parsed `/proc/meminfo`, keys in file order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Meminfo {
    pub entries: Vec<MeminfoEntry>,
}

impl Meminfo {
    /// The machine-wide entry for a key (`MemAvailable`).
    pub fn entry(&self, key: &str) -> Option<&MeminfoEntry> {
        self.entries
            .iter()
            .find(|e| e.node.is_none() && e.key == key)
    }
    /// A key's value: KiB for sizes, a count otherwise.
    pub fn get(&self, key: &str) -> Option<u64> {
        self.entry(key).map(|e| e.value)
    }
    pub fn mem_total_kib(&self) -> Option<u64> {
        self.get("MemTotal")
    }
    pub fn mem_free_kib(&self) -> Option<u64> {
        self.get("MemFree")
    }
    /// Missing before Linux 3.14.
    pub fn mem_available_kib(&self) -> Option<u64> {
        self.get("MemAvailable")
    }
    pub fn swap_total_kib(&self) -> Option<u64> {
        self.get("SwapTotal")
    }
    pub fn swap_free_kib(&self) -> Option<u64> {
        self.get("SwapFree")
    }
    pub fn committed_as_kib(&self) -> Option<u64> {
        self.get("Committed_AS")
    }
    pub fn commit_limit_kib(&self) -> Option<u64> {
        self.get("CommitLimit")
    }
}

fn meminfo_line(line: &str, line_no: usize) -> Option<MeminfoEntry> {
    let (left, right) = line.split_once(':')?;
    let mut left_words = left.split_whitespace();
    let (node, key) = match (left_words.next()?, left_words.next(), left_words.next()) {
        (key, None, _) => (None, key),
        ("Node", Some(n), Some(key)) => (Some(n.parse().ok()?), key),
        _ => return None,
    };
    let mut right_words = right.split_whitespace();
    let value: u64 = right_words.next()?.parse().ok()?;
    let in_kib = match (right_words.next(), right_words.next()) {
        (None, _) => false,
        (Some(u), None) if u.eq_ignore_ascii_case("kB") => true,
        _ => return None,
    };
    Some(MeminfoEntry {
        node,
        key: key.to_owned(),
        value,
        in_kib,
        line: line_no,
    })
}

/// Parses `/proc/meminfo` (or a node's `meminfo`).
pub fn parse_meminfo(text: &str, diags: &mut Vec<Diagnostic>) -> Meminfo {
    let mut out = Meminfo::default();
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        if let Some(e) = meminfo_line(line, line_no) {
            out.entries.push(e);
        } else if prompt_command(line).is_some() {
            diags.push(Diagnostic::info("shell prompt line skipped").at_line(line_no));
        } else {
            diags.push(Diagnostic::warning("line is not a meminfo entry").at_line(line_no));
        }
    }
    out
}

/// `/proc/loadavg`.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadAvg {
    pub load: [f32; 3],
    /// Tasks runnable at that instant.
    pub runnable: u32,
    /// Every task (thread) on the system: what `kernel.threads-max` and `nproc` limit.
    pub total: u32,
    pub last_pid: u32,
    pub line: usize,
}

fn loadavg_line(line: &str, line_no: usize) -> Option<LoadAvg> {
    let w: Vec<&str> = line.split_whitespace().collect();
    let [a, b, c, tasks, last] = w.as_slice() else {
        return None;
    };
    let load = |s: &str| s.parse::<f32>().ok().filter(|v| v.is_finite() && *v >= 0.0);
    let (runnable, total) = tasks.split_once('/')?;
    Some(LoadAvg {
        load: [load(a)?, load(b)?, load(c)?],
        runnable: runnable.parse().ok()?,
        total: total.parse().ok()?,
        last_pid: last.parse().ok()?,
        line: line_no,
    })
}

/// Parses `/proc/loadavg` (the first line that reads as one).
pub fn parse_loadavg(text: &str, diags: &mut Vec<Diagnostic>) -> Option<LoadAvg> {
    let mut found = None;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        if raw.trim().is_empty() {
            continue;
        }
        match loadavg_line(raw, line_no) {
            Some(l) if found.is_none() => found = Some(l),
            Some(_) => {
                diags.push(Diagnostic::warning("second loadavg line ignored").at_line(line_no))
            }
            None if prompt_command(raw).is_some() => {
                diags.push(Diagnostic::info("shell prompt line skipped").at_line(line_no))
            }
            None => diags.push(Diagnostic::warning("line is not /proc/loadavg").at_line(line_no)),
        }
    }
    found
}

/// Confidence that a text is `free` output.
pub fn sniff_free(head: &str) -> f32 {
    let header = head.lines().any(|l| free_header(l).is_some());
    let mem = head.lines().any(|l| l.trim_start().starts_with("Mem:"));
    match (header, mem) {
        (true, true) => 0.95,
        (true, false) => 0.5,
        _ => 0.0,
    }
}

/// Confidence that a text is `/proc/meminfo`.
pub fn sniff_meminfo(head: &str) -> f32 {
    let keys = [
        "MemTotal",
        "MemFree",
        "MemAvailable",
        "SwapTotal",
        "Buffers",
    ];
    let hits = head
        .lines()
        .filter_map(|l| meminfo_line(l, 0))
        .filter(|e| keys.contains(&e.key.as_str()))
        .count();
    (hits as f32 * 0.35).min(0.95)
}

/// Confidence that a text is `/proc/loadavg`.
pub fn sniff_loadavg(head: &str) -> f32 {
    let mut lines = head.lines().filter(|l| !l.trim().is_empty());
    match (lines.next(), lines.next()) {
        (Some(first), None) if loadavg_line(first, 1).is_some() => 0.9,
        _ => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Level;

    fn warnings(d: &[Diagnostic]) -> Vec<usize> {
        d.iter()
            .filter(|d| d.level >= Level::Warning)
            .filter_map(|d| d.line)
            .collect()
    }

    #[test]
    fn scaled_sizes() {
        type Case = (&'static str, f64, Option<u64>);
        let cases: &[Case] = &[
            ("130224", 1.0, Some(130224)),
            ("512", 1024.0, Some(524288)),
            ("7.6Gi", 1.0, Some(7969178)),
            ("1.2g", 1.0, Some(1258291)),
            ("512m", 1.0, Some(524288)),
            ("0B", 1.0, Some(0)),
            ("2048B", 1.0, Some(2)),
            ("3,5M", 1.0, Some(3584)),
            ("-", 1.0, None),
            ("nan", 1.0, None),
            ("12Q", 1.0, None),
            ("", 1.0, None),
        ];
        for (text, unit, want) in cases {
            assert_eq!(scaled_to_kib(text, *unit), *want, "{text}");
        }
    }

    #[test]
    fn prompts() {
        let cases = [
            ("admin@web01:~$ free -m", Some("free -m")),
            ("admin@web01:~$", Some("")),
            ("[root@db1 ~]# cat /proc/meminfo", Some("cat /proc/meminfo")),
            ("$ free", Some("free")),
            ("Mem:  8167848  7901236", None),
            ("MemTotal:        8167848 kB", None),
        ];
        for (line, want) in cases {
            assert_eq!(prompt_command(line), want, "{line}");
        }
    }

    const FREE_NEW: &str = "\
              total        used        free      shared  buff/cache   available
Mem:        8167848     7901236      130224       10348      136388       58920
Swap:       2097148     2097148           0
";

    const FREE_OLD_M: &str = "\
             total       used       free     shared    buffers     cached
Mem:          7976       7852        124          0          3        102
-/+ buffers/cache:       7747        229
Swap:         2047       2047          0
";

    const FREE_H_WIDE: &str = "\
admin@web01:~$ free -hw
               total        used        free      shared     buffers       cache   available
Mem:           7.6Gi       7.5Gi       127Mi        10Mi       2.0Mi       131Mi        57Mi
Swap:          2.0Gi       2.0Gi          0B
admin@web01:~$
";

    #[test]
    fn free_layouts() {
        let mut d = Vec::new();
        let f = parse_free(FREE_NEW, &mut d);
        let mem = f.mem().unwrap();
        assert_eq!(
            (mem.total_kib, mem.free_kib, mem.available_kib, mem.line),
            (Some(8167848), Some(130224), Some(58920), 2)
        );
        assert_eq!(mem.buff_cache_kib, Some(136388));
        let swap = f.swap().unwrap();
        assert_eq!(
            (swap.used_kib, swap.free_kib, swap.line),
            (Some(2097148), Some(0), 3)
        );
        assert!(d.is_empty());

        let f = parse_free_in(FREE_OLD_M, FreeUnit::from_command("free_-m"), &mut d);
        assert_eq!(f.unit, Some(FreeUnit::MiB));
        assert_eq!(f.mem().unwrap().total_kib, Some(7976 * 1024));
        assert_eq!(f.mem().unwrap().cache_kib, Some(102 * 1024));
        let bc = f.buffers_cache().unwrap();
        assert_eq!(
            (bc.used_kib, bc.free_kib, bc.line),
            (Some(7747 * 1024), Some(229 * 1024), 3)
        );
        assert_eq!(f.swap().unwrap().line, 4);
        assert!(d.is_empty());

        let f = parse_free(FREE_H_WIDE, &mut d);
        let mem = f.mem().unwrap();
        assert_eq!(mem.line, 3);
        assert_eq!(mem.buffers_kib, Some(2048));
        assert_eq!(mem.available_kib, Some(57 * 1024));
        assert_eq!(f.swap().unwrap().free_kib, Some(0));
        assert!(warnings(&d).is_empty());
        assert_eq!(d.iter().filter(|d| d.level == Level::Info).count(), 2);
    }

    #[test]
    fn transcript_prompt_sets_the_unit() {
        let text = "$ free -m\n              total        used        free\nMem:           7976        7852         124\n";
        let mut d = Vec::new();
        let f = parse_free(text, &mut d);
        assert_eq!(f.mem().unwrap().total_kib, Some(7976 * 1024));
    }

    #[test]
    fn free_bad_lines_are_reported() {
        let text = "Mem: 1 2 3\n              total        used        free\nMem:  12 x 3\nSwap: 1 2 3 4\n";
        let mut d = Vec::new();
        let f = parse_free(text, &mut d);
        assert!(f.rows.is_empty());
        assert_eq!(warnings(&d), vec![1, 3, 4]);
    }

    const MEMINFO: &str = "\
MemTotal:        3880412 kB
MemFree:           91236 kB
MemAvailable:      64512 kB
SwapTotal:       2097148 kB
SwapFree:             12 kB
HugePages_Total:       0
Committed_AS:    9123456 kB
garbage here
Node 1 MemFree:    45000 kB
";

    #[test]
    fn meminfo_keys() {
        let mut d = Vec::new();
        let m = parse_meminfo(MEMINFO, &mut d);
        type Case = (&'static str, Option<u64>, usize);
        let cases: &[Case] = &[
            ("MemTotal", Some(3880412), 1),
            ("MemAvailable", Some(64512), 3),
            ("SwapFree", Some(12), 5),
            ("HugePages_Total", Some(0), 6),
            ("Committed_AS", Some(9123456), 7),
        ];
        for (key, want, line) in cases {
            assert_eq!(m.get(key), *want, "{key}");
            assert_eq!(m.entry(key).unwrap().line, *line, "{key}");
        }
        assert!(!m.entry("HugePages_Total").unwrap().in_kib);
        assert_eq!(m.mem_free_kib(), Some(91236));
        let node = m.entries.iter().find(|e| e.node == Some(1)).unwrap();
        assert_eq!((node.value, node.line), (45000, 9));
        assert_eq!(warnings(&d), vec![8]);
    }

    #[test]
    fn loadavg_lines() {
        type Case = (&'static str, Option<(u32, u32, u32)>);
        let cases: &[Case] = &[
            ("0.52 0.58 0.59 2/1247 48217\n", Some((2, 1247, 48217))),
            (
                "31.02 28.40 20.11 40/32761 4194300\n",
                Some((40, 32761, 4194300)),
            ),
            ("0.52 0.58 0.59 2-1247 48217\n", None),
            ("0.52 0.58\n", None),
        ];
        for (text, want) in cases {
            let mut d = Vec::new();
            let got = parse_loadavg(text, &mut d).map(|l| (l.runnable, l.total, l.last_pid));
            assert_eq!(got, *want, "{text}");
            assert_eq!(d.is_empty(), want.is_some());
        }
        let mut d = Vec::new();
        let l = parse_loadavg("\n0.52 0.58 0.59 2/1247 48217\n", &mut d).unwrap();
        assert_eq!((l.load, l.line), ([0.52, 0.58, 0.59], 2));
    }

    #[test]
    fn sniffing() {
        assert!(sniff_free(FREE_NEW) > 0.9);
        assert!(sniff_meminfo(MEMINFO) > 0.9);
        assert!(sniff_loadavg("0.52 0.58 0.59 2/1247 48217\n") > 0.8);
        for other in [MEMINFO, "Port 22\n", ""] {
            assert_eq!(sniff_free(other), 0.0);
            assert_eq!(sniff_loadavg(other), 0.0);
        }
        assert_eq!(sniff_meminfo(FREE_NEW), 0.0);
    }
}
