//! `df` snapshots: how full each file system was, in blocks and in inodes.
//!
//! A full `/`, `/var` or `/tmp` stops sshd from writing its pid file, logs or session
//! records, and a file system out of inodes does the same with free blocks to spare. This
//! module reads `df`, `df -h`, `df -al` (sosreport `df_-al_-x_autofs`), `df -i`/`-ali`
//! (inodes), `df -T` (type column), `df -P` (`1024-blocks`, `Capacity`) and `--output`
//! column sets:
//!
//! ```text
//! Filesystem     Type     1K-blocks     Used Available Use% Mounted on
//! /dev/mapper/vg_system-lv_root_very_long_name
//!                xfs       10475520 10475500        20 100% /
//! proc           proc             0        0         0    - /proc
//! ```
//!
//! A device name too long for its column is printed on a line of its own; it is joined to
//! the next line. `-` stands for a figure the file system does not have. Sizes are KiB.

use crate::model::Diagnostic;
use crate::parse::memory::{prompt_command, scaled_to_kib};
use crate::util::words_with_offsets as words;

/// One file system as `df` showed it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mount {
    pub filesystem: String,
    pub fstype: Option<String>,
    pub size_kb: Option<u64>,
    pub used_kb: Option<u64>,
    pub avail_kb: Option<u64>,
    pub use_percent: Option<u8>,
    pub inodes: Option<u64>,
    pub iused: Option<u64>,
    pub ifree: Option<u64>,
    pub iuse_percent: Option<u8>,
    /// Spaces kept (`/mnt/V M Tools`).
    pub mounted_on: String,
    /// The line with the figures.
    pub line: usize,
    /// The line with the device name: earlier than `line` when df wrapped it.
    pub filesystem_line: usize,
}

impl Mount {
    /// True when blocks or inodes are used at `threshold` percent or more, or nothing is
    /// available on a file system that has a size (root's reserve can hide behind `99%`).
    pub fn is_full(&self, threshold: u8) -> bool {
        let at = |p: Option<u8>| p.is_some_and(|p| p >= threshold);
        let none_left =
            |total: Option<u64>, left: Option<u64>| total.is_some_and(|t| t > 0) && left == Some(0);
        at(self.use_percent)
            || at(self.iuse_percent)
            || none_left(self.size_kb, self.avail_kb)
            || none_left(self.inodes, self.ifree)
    }
}

/// A parsed `df` output.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DiskUsage {
    pub mounts: Vec<Mount>,
}

impl DiskUsage {
    /// The file system holding `path`: the longest mount point that contains it.
    pub fn mount_for(&self, path: &str) -> Option<&Mount> {
        let contains = |m: &&Mount| {
            let mp = m.mounted_on.trim_end_matches('/');
            path == m.mounted_on
                || (path.starts_with(mp) && path[mp.len()..].starts_with('/'))
                || m.mounted_on == "/"
        };
        self.mounts
            .iter()
            .filter(contains)
            .max_by_key(|m| m.mounted_on.len())
    }

    pub fn full(&self, threshold: u8) -> impl Iterator<Item = &Mount> {
        self.mounts.iter().filter(move |m| m.is_full(threshold))
    }
}

/// A `df` column.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Col {
    Filesystem,
    Type,
    /// Sizes in blocks of this many KiB (`1K-blocks`, `1024-blocks`, `512-blocks`).
    Size(Unit),
    Used(Unit),
    Avail(Unit),
    UsePct,
    Inodes,
    IUsed,
    IFree,
    IUsePct,
    MountedOn,
    Other,
}

/// How a block figure is written: a count of fixed blocks, or `-h` text (`20G`).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Unit {
    Blocks(f64),
    Human,
}

/// `1K`, `1024`, `512`, `1M` (the part before `-blocks`) → KiB per block.
fn block_unit(prefix: &str) -> Option<Unit> {
    let kib = match prefix.char_indices().last()? {
        (i, c) if c.is_ascii_alphabetic() => {
            let exp = "KMGTPE".find(c.to_ascii_uppercase())? as i32;
            prefix[..i].parse::<f64>().ok()? * 1024f64.powi(exp)
        }
        _ => prefix.parse::<f64>().ok()? / 1024.0,
    };
    (kib.is_finite() && kib > 0.0).then_some(Unit::Blocks(kib))
}

fn header(line: &str) -> Option<Vec<Col>> {
    let t = line.trim();
    if !t.starts_with("Filesystem") || !t.ends_with("Mounted on") {
        return None;
    }
    let body = t.strip_suffix("Mounted on")?;
    let mut cols = Vec::new();
    let mut unit = Unit::Human;
    for w in body.split_whitespace() {
        let c = match w {
            "Filesystem" => Col::Filesystem,
            "Type" => Col::Type,
            "Size" => Col::Size(Unit::Human),
            "Used" => Col::Used(unit),
            "Avail" | "Available" => Col::Avail(unit),
            "Use%" | "Capacity" => Col::UsePct,
            "Inodes" => Col::Inodes,
            "IUsed" => Col::IUsed,
            "IFree" => Col::IFree,
            "IUse%" => Col::IUsePct,
            w => match w.strip_suffix("-blocks").and_then(block_unit) {
                Some(u) => {
                    unit = u;
                    Col::Size(u)
                }
                None => Col::Other,
            },
        };
        cols.push(c);
    }
    cols.push(Col::MountedOn);
    (cols.first() == Some(&Col::Filesystem)).then_some(cols)
}

fn kib(v: &str, unit: Unit) -> Option<u64> {
    match unit {
        Unit::Blocks(k) => {
            let n: f64 = v.parse().ok()?;
            (n.is_finite() && n >= 0.0).then(|| (n * k).round() as u64)
        }
        // `-h` figures carry their suffix; a bare one is bytes.
        Unit::Human => scaled_to_kib(v, 1.0 / 1024.0),
    }
}

/// An inode count, `-ih` suffixes (`1.2M`) included.
fn count(v: &str) -> Option<u64> {
    let (num, factor) = match v.char_indices().last()? {
        (i, c) if c.is_ascii_alphabetic() => {
            let exp = "KMGTPE".find(c.to_ascii_uppercase())? as i32 + 1;
            (&v[..i], 1024f64.powi(exp))
        }
        _ => (v, 1.0),
    };
    let n: f64 = num.parse().ok()?;
    (n.is_finite() && n >= 0.0).then(|| (n * factor).round() as u64)
}

fn pct(v: &str) -> Option<u8> {
    v.strip_suffix('%')?.parse().ok()
}

/// Reads one value; `Err` when the text is not what the column holds.
fn set(m: &mut Mount, col: Col, v: &str) -> Result<(), ()> {
    if v == "-" {
        return Ok(());
    }
    let need = |x: Option<u64>| x.map(Some).ok_or(());
    match col {
        Col::Filesystem => m.filesystem = v.to_owned(),
        Col::Type => m.fstype = Some(v.to_owned()),
        Col::Size(u) => m.size_kb = need(kib(v, u))?,
        Col::Used(u) => m.used_kb = need(kib(v, u))?,
        Col::Avail(u) => m.avail_kb = need(kib(v, u))?,
        Col::UsePct => m.use_percent = Some(pct(v).ok_or(())?),
        Col::Inodes => m.inodes = need(count(v))?,
        Col::IUsed => m.iused = need(count(v))?,
        Col::IFree => m.ifree = need(count(v))?,
        Col::IUsePct => m.iuse_percent = Some(pct(v).ok_or(())?),
        Col::MountedOn | Col::Other => {}
    }
    Ok(())
}

/// Parses a data line; `device` is a wrapped device name from the line before.
fn parse_row(
    line: &str,
    line_no: usize,
    cols: &[Col],
    device: Option<(&str, usize)>,
) -> Option<Mount> {
    let w = words(line);
    let cols = if device.is_some() {
        cols.get(1..)?
    } else {
        cols
    };
    let fixed = cols.len().checked_sub(1)?;
    let mount_word = w.get(fixed)?;
    let mut m = Mount {
        mounted_on: line[mount_word.0..].trim_end().to_owned(),
        line: line_no,
        filesystem_line: line_no,
        ..Mount::default()
    };
    if let Some((name, at)) = device {
        m.filesystem = name.to_owned();
        m.filesystem_line = at;
    }
    for (col, (_, v)) in cols.iter().zip(&w[..fixed]) {
        set(&mut m, *col, v).ok()?;
    }
    Some(m)
}

/// Parses `df` output in any of the layouts above.
pub fn parse_df(text: &str, diags: &mut Vec<Diagnostic>) -> DiskUsage {
    let mut out = DiskUsage::default();
    let mut cols: Option<Vec<Col>> = None;
    let mut pending: Option<(String, usize)> = None;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        if let Some(c) = header(line) {
            cols = Some(c);
            continue;
        }
        let device = pending.as_ref().map(|(n, l)| (n.as_str(), *l));
        let joined = cols
            .as_deref()
            .zip(device)
            .and_then(|(c, dev)| parse_row(line, line_no, c, Some(dev)));
        if joined.is_none() {
            if let Some((_, at)) = pending.take() {
                diags.push(Diagnostic::warning("device name without its figures").at_line(at));
            }
        }
        let row = joined.or_else(|| {
            cols.as_deref()
                .and_then(|c| parse_row(line, line_no, c, None))
        });
        if let Some(m) = row {
            out.mounts.push(m);
            pending = None;
            continue;
        }
        let single = line.split_whitespace().count() == 1 && !line.starts_with(char::is_whitespace);
        if cols.is_some() && single {
            pending = Some((line.trim().to_owned(), line_no));
        } else if let Some(msg) = line.strip_prefix("df: ") {
            diags.push(Diagnostic::warning(format!("df reported: {msg}")).at_line(line_no));
        } else if prompt_command(line).is_some() {
            diags.push(Diagnostic::info("shell prompt line skipped").at_line(line_no));
        } else {
            diags.push(Diagnostic::warning("line is not a df row").at_line(line_no));
        }
    }
    if let Some((_, at)) = pending {
        diags.push(Diagnostic::warning("device name without its figures").at_line(at));
    }
    out
}

fn first_header(head: &str) -> Option<Vec<Col>> {
    head.lines().take(3).find_map(header)
}

/// Confidence that a text is `df` output with block figures.
pub fn sniff(head: &str) -> f32 {
    match first_header(head) {
        Some(c) if c.iter().any(|c| matches!(c, Col::Size(_))) => 0.95,
        _ => 0.0,
    }
}

/// Confidence that a text is `df -i` output.
pub fn sniff_inodes(head: &str) -> f32 {
    match first_header(head) {
        Some(c) if c.contains(&Col::Inodes) => 0.95,
        _ => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Level;

    fn parse(text: &str) -> (DiskUsage, Vec<Diagnostic>) {
        let mut d = Vec::new();
        (parse_df(text, &mut d), d)
    }

    const DF_T: &str = "\
Filesystem     Type     1K-blocks     Used Available Use% Mounted on
/dev/mapper/vg_system-lv_root_very_long_name
               xfs       10475520 10475500        20 100% /
proc           proc             0        0         0    - /proc
/dev/sdb1      vfat        523248     5984    517264   2% /boot/efi
//nas/share   cifs     104857600 52428800  52428800  50% /mnt/team share
";

    #[test]
    fn blocks_with_type_and_wrapping() {
        let (u, d) = parse(DF_T);
        assert!(d.is_empty(), "{d:?}");
        type Case = (
            usize,
            &'static str,
            &'static str,
            Option<u64>,
            Option<u8>,
            &'static str,
            usize,
            usize,
        );
        let cases: &[Case] = &[
            (
                0,
                "/dev/mapper/vg_system-lv_root_very_long_name",
                "xfs",
                Some(20),
                Some(100),
                "/",
                3,
                2,
            ),
            (1, "proc", "proc", Some(0), None, "/proc", 4, 4),
            (
                2,
                "/dev/sdb1",
                "vfat",
                Some(517264),
                Some(2),
                "/boot/efi",
                5,
                5,
            ),
            (
                3,
                "//nas/share",
                "cifs",
                Some(52428800),
                Some(50),
                "/mnt/team share",
                6,
                6,
            ),
        ];
        for &(i, fs, ty, avail, usep, on, line, fs_line) in cases {
            let m = &u.mounts[i];
            assert_eq!(m.filesystem, fs);
            assert_eq!(m.fstype.as_deref(), Some(ty));
            assert_eq!((m.avail_kb, m.use_percent), (avail, usep), "{fs}");
            assert_eq!(
                (m.mounted_on.as_str(), m.line, m.filesystem_line),
                (on, line, fs_line)
            );
        }
        assert!(u.mounts[0].is_full(95));
        assert!(!u.mounts[2].is_full(95));
        assert_eq!(u.full(90).count(), 1);
        assert_eq!(u.mount_for("/var/log/secure").unwrap().mounted_on, "/");
        assert_eq!(
            u.mount_for("/boot/efi/EFI").unwrap().filesystem,
            "/dev/sdb1"
        );
    }

    #[test]
    fn human_posix_and_dash_layouts() {
        type Case = (
            &'static str,
            &'static str,
            Option<u64>,
            Option<u64>,
            Option<u8>,
        );
        let cases: &[Case] = &[
            (
                "Filesystem      Size  Used Avail Use% Mounted on\n/dev/sda2        20G   19G  1.0G  95% /\n",
                "/",
                Some(20 * 1024 * 1024),
                Some(1024 * 1024),
                Some(95),
            ),
            (
                "Filesystem     1024-blocks    Used Available Capacity Mounted on\n/dev/sda2         17813504 2127172  15686332      12% /\n",
                "/",
                Some(17813504),
                Some(15686332),
                Some(12),
            ),
            (
                "Filesystem     512-blocks    Used Available Capacity Mounted on\n/dev/sda1          2076672  371352   1705320      18% /boot\n",
                "/boot",
                Some(1038336),
                Some(852660),
                Some(18),
            ),
            (
                "Filesystem     1K-blocks    Used Available Use% Mounted on\nsystemd-1              -       -         -    - /proc/sys/fs/binfmt_misc\n",
                "/proc/sys/fs/binfmt_misc",
                None,
                None,
                None,
            ),
        ];
        for (text, on, size, avail, usep) in cases {
            let (u, d) = parse(text);
            assert!(d.is_empty(), "{text}: {d:?}");
            let m = &u.mounts[0];
            assert_eq!(m.mounted_on, *on);
            assert_eq!(
                (m.size_kb, m.avail_kb, m.use_percent),
                (*size, *avail, *usep),
                "{text}"
            );
            assert_eq!(m.line, 2);
        }
    }

    #[test]
    fn inodes() {
        let text = "\
Filesystem      Inodes   IUsed  IFree IUse% Mounted on
/dev/sda3      1310720 1310720      0  100% /var
tmpfs            1.2M     900   1.2M    1% /run
";
        let (u, d) = parse(text);
        assert!(d.is_empty(), "{d:?}");
        let var = &u.mounts[0];
        assert_eq!(
            (var.inodes, var.ifree, var.iuse_percent),
            (Some(1310720), Some(0), Some(100))
        );
        assert!(var.is_full(100));
        assert_eq!(u.mounts[1].inodes, Some(1258291));
        assert!(!u.mounts[1].is_full(90));
        assert!(sniff_inodes(text) > 0.9);
        assert_eq!(sniff(text), 0.0);
    }

    #[test]
    fn unusable_lines_are_reported() {
        let text = "\
admin@web01:~$ df -h
Filesystem      Size  Used Avail Use% Mounted on
df: /mnt/nfs: Stale file handle
/dev/sda2        20G   lots  1.0G  95% /
/dev/mapper/orphan
/dev/sda1       488M  120M  333M  27% /boot
/dev/mapper/last
";
        let (u, d) = parse(text);
        assert_eq!(u.mounts.len(), 1);
        assert_eq!(u.mounts[0].line, 6);
        let warn: Vec<_> = d
            .iter()
            .filter(|d| d.level == Level::Warning)
            .filter_map(|d| d.line)
            .collect();
        assert_eq!(warn, vec![3, 4, 5, 7]);
        assert!(d[1].message.contains("Stale file handle"));
        assert_eq!(d[0].level, Level::Info);
    }

    #[test]
    fn sniffing() {
        assert!(sniff(DF_T) > 0.9);
        assert_eq!(sniff_inodes(DF_T), 0.0);
        assert_eq!(sniff("USER PID COMMAND\n"), 0.0);
    }
}
