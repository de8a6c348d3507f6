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
