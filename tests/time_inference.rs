//! The bundle's clock comes from the bundle: regression tests for how the year and zone
//! are inferred when nothing states them outright.

use std::sync::Arc;

use rootline::analysis::{analyze_bundle, Options};
use rootline::bundle::{Bundle, Member};

fn bundle(files: &[(&str, &str, Option<i64>)]) -> Bundle {
    Bundle {
        name: "fixture".into(),
        members: files
            .iter()
            .map(|(p, t, m)| Member {
                path: Arc::from(*p),
                data: t.as_bytes().to_vec(),
                mtime: *m,
            })
            .collect(),
        diagnostics: Vec::new(),
        links: Vec::new(),
    }
}

const EXPORT: &str = "__CURSOR=a\n__REALTIME_TIMESTAMP=1763647507000000\n_HOSTNAME=db02\nSYSLOG_IDENTIFIER=sshd\n_PID=1021\nMESSAGE=Received signal 15; terminating.\n\n";

#[test]
fn zone_is_inferred_from_lines_the_journal_also_records() {
    // 1763647507 is 2025-11-20T14:05:07Z; the local log wrote 15:05:07, so +01:00.
    let secure = "Nov 20 15:05:07 db02 sshd[1021]: Received signal 15; terminating.\n";
    let b = bundle(&[("journal.export", EXPORT, None), ("secure", secure, None)]);
    let a = analyze_bundle(&b, &Options::default()).unwrap();
    assert_eq!(a.report.bundle.timezone.as_deref(), Some("+01:00"));
    assert!(a
        .report
        .diagnostics
        .iter()
        .any(|d| d.message.contains("inferred")));
    let stop = a
        .facts
        .events
        .iter()
        .find(|e| &*e.location.path == "secure")
        .unwrap();
    assert_eq!(
        stop.time
            .map(|t| rootline::finding::format_time(&t))
            .as_deref(),
        Some("2025-11-20T14:05:07Z")
    );
}

#[test]
fn member_mtime_gives_the_year_when_nothing_else_does() {
    // No date, no journal: the file's own mtime (2025-03-02) dates its March lines.
    let secure = "Mar  1 10:00:00 h sshd[1]: Server listening on 0.0.0.0 port 22.\n";
    let b = bundle(&[("secure", secure, Some(1_740_873_600))]);
    let a = analyze_bundle(&b, &Options::default()).unwrap();
    let e = &a.facts.events[0];
    assert_eq!(
        e.time
            .map(|t| rootline::finding::format_time(&t))
            .as_deref(),
        Some("2025-03-01T10:00:00Z")
    );
}

#[test]
fn year_override_wins() {
    let secure = "Mar  1 10:00:00 h sshd[1]: Server listening on 0.0.0.0 port 22.\n";
    let b = bundle(&[("secure", secure, Some(1_740_873_600))]);
    let options = Options {
        year: Some(2019),
        ..Options::default()
    };
    let a = analyze_bundle(&b, &options).unwrap();
    assert!(a.facts.events[0]
        .time
        .is_some_and(|t| chrono::Datelike::year(&t) == 2019));
}

/// dmesg with two boots: the OOM kill in the earlier boot has no uptime of its own.
/// `journalctl --list-boots` dates that boot by its first journal entry; without it the
/// report stays undated and a warning says why.
const TWO_BOOTS: &str = "[    0.000000] Linux version 5.15.0-125-generic (buildd@lcy02-amd64-101) (gcc (Ubuntu 11.4.0-1ubuntu1~22.04) 11.4.0) #135-Ubuntu SMP
[    0.000000] Command line: BOOT_IMAGE=/boot/vmlinuz-5.15.0-125-generic root=/dev/vda1 ro
[ 3600.500000] sshd invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=0
[ 3600.500100] oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/system.slice/ssh.service,task=sshd,pid=812,uid=0
[ 3600.600000] Out of memory: Killed process 812 (sshd) total-vm:15480kB, anon-rss:1200kB, file-rss:6400kB, shmem-rss:0kB, UID:0 pgtables:68kB oom_score_adj:0
[    0.000000] Linux version 5.15.0-125-generic (buildd@lcy02-amd64-101) (gcc (Ubuntu 11.4.0-1ubuntu1~22.04) 11.4.0) #135-Ubuntu SMP
[    0.000000] Command line: BOOT_IMAGE=/boot/vmlinuz-5.15.0-125-generic root=/dev/vda1 ro
[   12.000000] EXT4-fs (vda1): re-mounted. Opts: (null). Quota mode: none.
";

const LIST_BOOTS: &str =
    "IDX BOOT ID                          FIRST ENTRY                 LAST ENTRY
 -1 0b7c2c9f2f0a4a8e9d1b7c3e5f6a7b8c Sat 2026-11-21 08:00:00 UTC Sat 2026-11-21 09:20:11 UTC
  0 5d3e1f2a9b8c4d7e8f6a5b4c3d2e1f0a Sat 2026-11-21 09:30:00 UTC Sat 2026-11-21 10:00:00 UTC
";

/// A bundle with a collection time (10:00 UTC) and an `uptime` that says "up 1:00" or
/// "up 30 min": the clock kernel seconds are placed from, unless something better exists.
fn with_clock(files: &[(&str, &str)], up: &str) -> Bundle {
    let uptime = format!(" 10:00:00 up {up},  1 user,  load average: 0.10, 0.20, 0.30\n");
    let mut all: Vec<(&str, &str, Option<i64>)> =
        files.iter().map(|(p, t)| (*p, *t, None)).collect();
    all.push((
        "sos_commands/date/date",
        "Sat Nov 21 10:00:00 UTC 2026\n",
        None,
    ));
    all.push(("sos_commands/host/uptime", &uptime, None));
    bundle(&all)
}

fn oom_event(a: &rootline::analysis::Analysis) -> Option<&rootline::model::Event> {
    a.facts.events.iter().find(|e| {
        e.kind == rootline::model::EventKind::KernelOomKill && e.location.path.contains("dmesg")
    })
}

/// The time (as the JSON writes it) and the time note of the OOM kill in the dmesg of a
/// bundle made of `files` and the clock of [`with_clock`].
fn dmesg_oom_time(files: &[(&str, &str)], up: &str) -> (Option<String>, Option<&'static str>) {
    let a = analyze_bundle(&with_clock(files, up), &Options::default()).unwrap();
    let e = oom_event(&a).expect("the OOM report is an event");
    (
        e.time.map(|t| rootline::finding::format_time(&t)),
        e.time_note.map(rootline::model::TimeNote::text),
    )
}

#[test]
fn an_earlier_boot_is_dated_from_the_boot_list() {
    let files = [
        ("sos_commands/kernel/dmesg", TWO_BOOTS),
        ("sos_commands/logs/journalctl_--list-boots", LIST_BOOTS),
    ];
    // First entry 08:00:00 plus 3600.5 s.
    let (time, note) = dmesg_oom_time(&files, "30 min");
    assert_eq!(time.as_deref(), Some("2026-11-21T09:00:00.500Z"));
    assert!(note.is_some_and(|n| n.contains("--list-boots")));

    let without = with_clock(&[("sos_commands/kernel/dmesg", TWO_BOOTS)], "30 min");
    let a = analyze_bundle(&without, &Options::default()).unwrap();
    assert_eq!(oom_event(&a).and_then(|e| e.time), None);
    assert!(a
        .report
        .diagnostics
        .iter()
        .any(|d| d.message.contains("could not be placed in time")));
}

#[test]
fn dmesg_wall_clock_times_are_taken_as_printed_but_flagged() {
    let dmesg_t = "[Sat Nov 21 09:00:00 2026] sshd invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=0
[Sat Nov 21 09:00:00 2026] oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/system.slice/ssh.service,task=sshd,pid=812,uid=0
[Sat Nov 21 09:00:01 2026] Out of memory: Killed process 812 (sshd) total-vm:15480kB, anon-rss:1200kB, file-rss:6400kB, shmem-rss:0kB, UID:0 pgtables:68kB oom_score_adj:0
";
    let b = bundle(&[
        ("sos_commands/kernel/dmesg_-T", dmesg_t, None),
        (
            "sos_commands/date/date",
            "Sat Nov 21 10:00:00 UTC 2026\n",
            None,
        ),
    ]);
    let a = analyze_bundle(&b, &Options::default()).unwrap();
    let oom = oom_event(&a).expect("the OOM report is an event");
    assert_eq!(
        oom.time
            .map(|t| rootline::finding::format_time(&t))
            .as_deref(),
        Some("2026-11-21T09:00:00Z")
    );
    assert_eq!(
        oom.time_note,
        Some(rootline::model::TimeNote::DmesgWallClock)
    );
    assert!(a
        .report
        .diagnostics
        .iter()
        .any(|d| d.message.contains("drift")));
}

/// One boot, booted 08:59:20 UTC: a mount at 1000.25 s, and sshd OOM-killed at 3600.5 s.
const ONE_BOOT: &str = "[    0.000000] Linux version 5.15.0-125-generic (buildd@lcy02-amd64-101) #135-Ubuntu SMP
[ 1000.250000] EXT4-fs (vdb1): mounted filesystem with ordered data mode. Quota mode: none.
[ 3600.500000] sshd invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=0
[ 3600.600000] Out of memory: Killed process 812 (sshd) total-vm:15480kB, anon-rss:1200kB, file-rss:6400kB, shmem-rss:0kB, UID:0 pgtables:68kB oom_score_adj:0
";

/// `uptime` counts minutes, so a boot time from it can be off by up to one. When kern.log
/// wrote one of the dmesg's lines with its wall clock, that line dates the boot instead.
#[test]
fn a_kernel_line_in_kern_log_dates_the_dmesg_boot_to_the_second() {
    // Booted 08:59:20 UTC: kern.log wrote the mount at 09:16:00; uptime says 09:00:00.
    let kern = "Nov 21 09:16:00 web1 kernel: [ 1000.250000] EXT4-fs (vdb1): mounted filesystem with ordered data mode. Quota mode: none.\n";
    let files = [
        ("sos_commands/kernel/dmesg", ONE_BOOT),
        ("var/log/kern.log", kern),
    ];
    let (time, note) = dmesg_oom_time(&files, "1:00");
    // 09:16:00 less 1000.25 s plus 3600.5 s: syslog keeps whole seconds, not 40 s late.
    assert_eq!(time.as_deref(), Some("2026-11-21T09:59:20.250Z"));
    assert!(note.is_some_and(|n| n.contains("same kernel line")));
}

/// The journal keeps the kernel's own timestamp of each kernel line; the same line in a
/// raw dmesg then dates that dmesg's boot exactly.
#[test]
fn a_journal_kernel_record_dates_the_dmesg_boot() {
    // 2026-11-21T09:16:00.250Z: booted at 08:59:20 exactly.
    let export = "__CURSOR=k1\n__REALTIME_TIMESTAMP=1795252560250000\n__MONOTONIC_TIMESTAMP=1000250412\n_SOURCE_MONOTONIC_TIMESTAMP=1000250000\n_BOOT_ID=5d3e1f2a9b8c4d7e8f6a5b4c3d2e1f0a\n_TRANSPORT=kernel\nSYSLOG_IDENTIFIER=kernel\nPRIORITY=6\n_HOSTNAME=web1\nMESSAGE=EXT4-fs (vdb1): mounted filesystem with ordered data mode. Quota mode: none.\n\n";
    let files = [
        ("sos_commands/kernel/dmesg", ONE_BOOT),
        ("sos_commands/logs/journalctl_--no-pager_-o_export", export),
    ];
    let (time, _) = dmesg_oom_time(&files, "1:00");
    assert_eq!(time.as_deref(), Some("2026-11-21T09:59:20.500Z"));
}

#[test]
fn proc_stat_btime_places_dmesg_to_the_second() {
    // btime 2026-11-21T08:59:20Z; uptime alone would say 09:00:00.
    let files = [
        ("sos_commands/kernel/dmesg", ONE_BOOT),
        ("proc/stat", "cpu  1 2 3 4\nbtime 1795251560\n"),
    ];
    let (time, _) = dmesg_oom_time(&files, "1:00");
    assert_eq!(time.as_deref(), Some("2026-11-21T09:59:20.500Z"));
}
