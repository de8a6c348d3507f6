//! Log parsers against real logs from `../shared/corpora` (skipped when absent): the share
//! of lines recognised as records, of sshd lines classified as typed events, and journal
//! exports read entry by entry. The figures are printed so they can be reported.

mod common;
use common::corpora;

use rootline::parse::messages::{classify, is_ssh_related, Classification};
use rootline::parse::{journal, syslog};

fn read(dir: &std::path::Path, rel: &str) -> String {
    String::from_utf8_lossy(&std::fs::read(dir.join(rel)).unwrap()).into_owned()
}

/// (lines, records, sshd lines, sshd lines classified)
fn syslog_figures(text: &str) -> (usize, usize, usize, usize) {
    let (mut lines, mut records, mut sshd, mut classified) = (0, 0, 0, 0);
    for item in syslog::records(text) {
        lines += 1;
        let Ok(r) = item else { continue };
        records += 1;
        if is_ssh_related(&r.program) {
            sshd += 1;
            if matches!(classify(&r.program, &r.message), Classification::Event(_)) {
                classified += 1;
            }
        }
    }
    (lines, records, sshd, classified)
}

#[test]
fn syslog_corpora_are_recognised() {
    let Some(dir) = corpora() else { return };
    for (file, min_sshd) in [
        ("loghub/OpenSSH_2k.log", 2000),
        ("loghub/Linux_2k.log", 600),
        ("hotsos/ubuntu20.04-openstack-compute-var-log-auth.log", 80),
        ("hotsos/ubuntu20.04-k8s-node-var-log-auth.log", 10),
        ("elastic-beats/auth-test.log", 5),
        ("insights-core/var-log-messages.txt", 0),
    ] {
        let (lines, records, sshd, classified) = syslog_figures(&read(&dir, file));
        println!(
            "{file}: {records}/{lines} lines are records; {classified}/{sshd} sshd lines classified"
        );
        assert_eq!(records, lines, "{file}: every line is a syslog record");
        assert!(sshd >= min_sshd, "{file}: {sshd} sshd lines");
        assert!(
            classified * 100 >= sshd * 99,
            "{file}: {classified}/{sshd} sshd lines classified, below 99%"
        );
    }
}

#[test]
fn high_precision_timestamps_keep_their_offsets() {
    let Some(dir) = corpora() else { return };
    let text = read(&dir, "elastic-beats/auth-timestamp.log");
    let records: Vec<_> = syslog::records(&text).flatten().collect();
    assert_eq!(records.len(), 2);
    // The first line has no offset: a local time for the bundle's zone to place.
    assert!(matches!(
        records[0].time,
        rootline::model::RecordTime::Local(_)
    ));
    match &records[1].time {
        rootline::model::RecordTime::Offset(t) => {
            assert_eq!(t.offset().local_minus_utc(), 5400);
            assert_eq!(t.to_rfc3339(), "2019-06-14T13:01:15.412+01:30");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn journal_exports_read_every_entry() {
    let Some(dir) = corpora() else { return };
    for file in [
        "elastic-beats/journal1.export",
        "elastic-beats/multiple-boots.export",
    ] {
        let bytes = std::fs::read(dir.join(file)).unwrap();
        assert!(journal::sniff_export(&bytes), "{file} sniffs as export");
        let text = String::from_utf8_lossy(&bytes);
        let cursors = text.lines().filter(|l| l.starts_with("__CURSOR=")).count();
        let items: Vec<_> = journal::export_records(&bytes).collect();
        let ok = items.iter().filter(|r| r.is_ok()).count();
        let stray = items.iter().filter(|r| r.is_err()).count();
        println!("{file}: {ok} entries of {cursors}, {stray} stray lines reported");
        assert_eq!(ok, cursors, "{file}: one record per entry");
        for r in items.iter().flatten() {
            assert!(
                matches!(r.time, rootline::model::RecordTime::Utc(_)),
                "{file}:{}",
                r.line
            );
            assert!(
                r.journal.as_ref().unwrap().boot_id.is_some(),
                "{file}:{}",
                r.line
            );
        }
    }
}

#[test]
fn journal_json_pretty_event_is_read() {
    let Some(dir) = corpora() else { return };
    let text = read(&dir, "elastic-beats/sample-journal-event.json");
    let items: Vec<_> = journal::json_records(&text).collect();
    assert_eq!(items.len(), 1);
    let r = items[0].as_ref().expect("record");
    assert!(!r.message.is_empty());
    assert_eq!(r.line, 1);
}

#[test]
fn journal_text_dumps_are_recognised() {
    let Some(dir) = corpora() else { return };
    for file in [
        "insights-core/journalctl-all.txt",
        "hotsos/sos-journalctl_--no-pager-ubuntu20.04-vault.txt",
    ] {
        let text = read(&dir, file);
        let items: Vec<_> = journal::text_records(&text).collect();
        let ok = items.iter().filter(|r| r.is_ok()).count();
        println!("{file}: {ok}/{} lines are records", items.len());
        assert!(ok * 100 >= items.len() * 99, "{file}: {ok}/{}", items.len());
        let sshd: Vec<_> = items
            .iter()
            .flatten()
            .filter(|r| is_ssh_related(&r.program))
            .collect();
        for r in &sshd {
            assert!(
                matches!(classify(&r.program, &r.message), Classification::Event(_)),
                "{file}:{}: {}",
                r.line,
                r.message
            );
        }
    }
}
