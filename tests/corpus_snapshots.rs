//! The resource-snapshot parsers against real captured outputs from the shared corpora:
//! every file reads without an error diagnostic and yields the figures it shows.

use std::path::{Path, PathBuf};

use rootline::model::{Diagnostic, Level};
use rootline::parse::{disk, memory, ps, top, vmstat};

const CORPORA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpora");

fn read(rel: &str) -> Option<String> {
    let path = Path::new(CORPORA).join(rel);
    match std::fs::read_to_string(&path) {
        Ok(t) => Some(t),
        Err(_) => {
            eprintln!("note: {rel} not available, skipped");
            None
        }
    }
}

fn no_errors(d: &[Diagnostic]) {
    assert!(d.iter().all(|d| d.level < Level::Error), "{d:?}");
}

fn warnings(d: &[Diagnostic]) -> usize {
    d.iter().filter(|d| d.level == Level::Warning).count()
}

#[test]
fn top_debian_transcript() {
    let Some(text) = read("moler/top-b-n-1-debian-transcript.txt") else {
        return;
    };
    let mut d = Vec::new();
    let snaps = top::parse_top(&text, &mut d);
    no_errors(&d);
    assert_eq!(warnings(&d), 0, "{d:?}");
    assert_eq!(snaps.len(), 1);
    let s = &snaps[0];
    let h = s.header.as_ref().unwrap();
    assert_eq!((h.users, h.line), (Some(1), 2));
    let t = s.tasks.as_ref().unwrap();
    assert_eq!(
        (t.total, t.stopped, t.zombie),
        (Some(222), Some(64), Some(0))
    );
    let m = s.mem.as_ref().unwrap();
    assert_eq!(
        (m.total_kib, m.free_kib, m.line),
        (Some(2052556), Some(95988), 5)
    );
    assert_eq!(s.swap.as_ref().unwrap().avail_mem_kib, Some(371152));
    assert_eq!(s.cpu().unwrap().wa, Some(0.1));
    let xorg = s.by_command("Xorg").next().unwrap();
    assert_eq!((xorg.pid, xorg.res_kib, xorg.line), (566, Some(94132), 9));
    assert_eq!(s.by_command("ksoftirqd/0").count(), 1);
    assert_eq!(s.by_command("sshd").count(), 0);
    assert!(top::sniff(&text) > 0.9);
}

#[test]
fn ps_auxwww() {
    let Some(text) = read("insights-core/ps-auxwww.txt") else {
        return;
    };
    let mut d = Vec::new();
    let l = ps::parse_ps(&text, &mut d);
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(l.processes.len(), 9);
    let rsyslog = l.by_command("rsyslogd").next().unwrap();
    assert_eq!(
        rsyslog.command,
        "/sbin/rsyslogd -i /var/run/syslogd.pid -c 5"
    );
    assert_eq!((rsyslog.pid, rsyslog.line), (1319, 5));
    assert_eq!(
        l.by_command("bash").next().unwrap().tty.as_deref(),
        Some("tty1")
    );
    assert_eq!(l.processes_per_user().get("dbus"), Some(&1));
    assert_eq!(l.zombie_count(), 0);
    assert!(ps::sniff(&text) > 0.9);
}

#[test]
fn meminfo() {
    let Some(text) = read("insights-core/proc-meminfo.txt") else {
        return;
    };
    let mut d = Vec::new();
    let m = memory::parse_meminfo(&text, &mut d);
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(m.mem_total_kib(), Some(8009912));
    assert_eq!(m.mem_available_kib(), Some(6820236));
    assert_eq!(m.entry("MemAvailable").unwrap().line, 3);
    assert_eq!(m.get("VmallocTotal"), Some(34359738367));
    assert_eq!(m.get("HugePages_Total"), Some(0));
    assert!(memory::sniff_meminfo(&text) > 0.9);
}

#[test]
fn free_sosreport() {
    let Some(text) = read("hotsos/sos-free.txt") else {
        return;
    };
    let mut d = Vec::new();
    let f = memory::parse_free(&text, &mut d);
    assert!(d.is_empty(), "{d:?}");
    let mem = f.mem().unwrap();
    assert_eq!(
        (mem.total_kib, mem.available_kib, mem.line),
        (Some(4026036), Some(2775572), 2)
    );
    assert_eq!(f.swap().unwrap().total_kib, Some(0));
    assert!(memory::sniff_free(&text) > 0.9);
}

#[test]
fn df_al() {
    let Some(text) = read("insights-core/df-al.txt") else {
        return;
    };
    let mut d = Vec::new();
    let u = disk::parse_df(&text, &mut d);
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(u.mounts.len(), 20);
    let root = u.mount_for("/var/log/secure").unwrap();
    assert_eq!(
        (root.filesystem.as_str(), root.use_percent),
        ("/dev/sda2", Some(12))
    );
    assert_eq!(root.avail_kb, Some(15686332));
    let vmtools = u
        .mounts
        .iter()
        .find(|m| m.filesystem == "/dev/sdb1")
        .unwrap();
    assert_eq!(vmtools.mounted_on, "/V M T o o l s");
    let binfmt = u
        .mounts
        .iter()
        .find(|m| m.filesystem == "systemd-1")
        .unwrap();
    assert_eq!((binfmt.size_kb, binfmt.use_percent), (None, None));
    assert_eq!(u.full(90).count(), 0);
    assert!(disk::sniff(&text) > 0.9);
}

fn corpus_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            corpus_files(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// Any text, whatever it is, goes through every parser and sniffer without a panic or an
/// error diagnostic: wrong kinds only produce warnings.
#[test]
fn every_corpus_file_through_every_parser() {
    let mut files = Vec::new();
    corpus_files(Path::new(CORPORA), &mut files);
    if files.is_empty() {
        eprintln!("note: corpora not available, skipped");
        return;
    }
    for f in files {
        let Ok(bytes) = std::fs::read(&f) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        let mut d = Vec::new();
        top::parse_top(&text, &mut d);
        ps::parse_ps(&text, &mut d);
        memory::parse_free(&text, &mut d);
        memory::parse_meminfo(&text, &mut d);
        memory::parse_loadavg(&text, &mut d);
        disk::parse_df(&text, &mut d);
        vmstat::parse_vmstat(&text, &mut d);
        no_errors(&d);
        for sniff in [
            top::sniff,
            ps::sniff,
            memory::sniff_free,
            memory::sniff_meminfo,
            memory::sniff_loadavg,
            disk::sniff,
            disk::sniff_inodes,
            vmstat::sniff,
        ] {
            let c = sniff(&text);
            assert!((0.0..=1.0).contains(&c), "{}", f.display());
        }
    }
}
