//! The kernel log parser against real dmesg, kern.log and journal exports from
//! `../shared/corpora` (skipped when absent): every file parses without an error diagnostic,
//! and the hotsos kern.log OOM report becomes one complete OOM kill.

mod common;
use common::corpora;

use std::path::Path;

use rootline::model::Level;
use rootline::parse::journal;
use rootline::parse::kernel::{self, KernelEvent};

fn read(dir: &Path, rel: &str) -> String {
    String::from_utf8_lossy(&std::fs::read(dir.join(rel)).unwrap()).into_owned()
}

const TEXT_FILES: &[&str] = &[
    "hotsos/kern-log-oom-killer-report.txt",
    "hotsos/sos-dmesg-ubuntu20.04.txt",
    "insights-core/dmesg-timestamped.txt",
    "insights-core/dmesg-no-timestamps.txt",
    "insights-core/var-log-dmesg.txt",
    "moler/dmesg-transcript.txt",
];

#[test]
fn dmesg_and_kern_log_files_parse_without_errors() {
    let Some(dir) = corpora() else { return };
    for rel in TEXT_FILES {
        let text = read(&dir, rel);
        let mut diags = Vec::new();
        let log = kernel::parse(&text, &mut diags);
        let errors: Vec<_> = diags.iter().filter(|d| d.level == Level::Error).collect();
        assert!(errors.is_empty(), "{rel}: {errors:?}");
        let non_blank = text.lines().filter(|l| !l.trim().is_empty()).count();
        assert_eq!(
            log.lines.len() + log.skipped.len(),
            non_blank,
            "{rel}: every line is used or counted"
        );
        eprintln!(
            "{rel}: {} lines, {} skipped, {} boots, {} events, {} diagnostics, sniff {:.2}",
            log.lines.len(),
            log.skipped.len(),
            log.boots.len(),
            log.events.len(),
            diags.len(),
            kernel::sniff(&text),
        );
    }
}

#[test]
fn hotsos_oom_report_is_one_complete_kill() {
    let Some(dir) = corpora() else { return };
    let text = read(&dir, "hotsos/kern-log-oom-killer-report.txt");
    let mut diags = Vec::new();
    let log = kernel::parse(&text, &mut diags);
    let ooms: Vec<_> = log
        .events
        .iter()
        .filter_map(|e| match e {
            KernelEvent::OomKill(o) => Some(o),
            _ => None,
        })
        .collect();
    assert_eq!(ooms.len(), 1, "{:#?}", log.events);
    let o = ooms[0];
    assert!(o.complete);
    assert_eq!(o.at.line, 1);
    assert_eq!(o.invoker.as_deref(), Some("kworker/0:0"));
    assert_eq!(o.victim_pid, Some(955));
    assert_eq!(o.victim_comm.as_deref(), Some("gnome-shell"));
    assert_eq!(o.total_vm_kb, Some(3_289_540));
    assert_eq!(o.anon_rss_kb, Some(77_868));
    assert_eq!(o.file_rss_kb, Some(107_372));
    assert_eq!(o.shmem_rss_kb, Some(12));
    assert_eq!(o.uid, Some(121));
    assert_eq!(o.oom_score_adj, Some(0));
    assert_eq!(o.constraint, Some(kernel::OomConstraint::Global));
    assert_eq!(
        o.memcg.as_deref(),
        Some("/user.slice/user-121.slice/session-c1.scope")
    );
    assert!(!o.cgroup_limit);
    let last = text.lines().count();
    assert_eq!(o.victim_line, Some(last));
    // Every line of the file belongs to the report.
    assert_eq!(o.lines, (1..=last).collect::<Vec<_>>());
    assert!(o
        .tasks
        .iter()
        .any(|t| t.name == "sshd" && t.oom_score_adj == -1000));
}

#[test]
fn journal_kernel_records_split_into_three_boots() {
    let Some(dir) = corpora() else { return };
    let bytes = std::fs::read(dir.join("elastic-beats/multiple-boots.export")).unwrap();
    let lines: Vec<_> = journal::export_records(&bytes)
        .filter_map(Result::ok)
        .filter(kernel::is_kernel_record)
        .map(|r| kernel::from_record(&r))
        .collect();
    assert!(!lines.is_empty());
    let boots = kernel::split_boots(&lines);
    assert_eq!(boots.len(), 3, "{boots:#?}");
    for b in &boots {
        assert!(b
            .linux_version
            .as_deref()
            .unwrap_or("")
            .starts_with("6.1.0-25-amd64"));
        assert!(b.boot_id.is_some());
    }
    let mut diags = Vec::new();
    kernel::warn_incomplete(&kernel::assemble(&lines), &mut diags);
    assert!(diags.is_empty(), "{diags:?}");
}
