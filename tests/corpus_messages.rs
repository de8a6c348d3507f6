//! Message classification measured against real logs: the loghub OpenSSH and Linux samples
//! (with loghub's hand-checked templates as ground truth) and hotsos auth logs.
//!
//! The corpora live next to the repository, not in it; when they are absent the tests
//! print a note and pass, so a plain checkout still builds and tests.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;
use rootline::model::EventKind as K;
use rootline::parse::messages::{classify, is_ssh_related, Classification};

const CORPORA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpora");

/// A deliberately small syslog splitter: the real syslog parser is a separate stage and
/// these tests must not depend on it.
static SYSLOG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\w{3} +\d+ [\d:]+) (\S+) ([^\[:]+)(?:\[(\d+)\])?: (.*)$").expect("valid regex")
});

fn corpus(rel: &str) -> Option<PathBuf> {
    let path = Path::new(CORPORA).join(rel);
    if path.exists() {
        Some(path)
    } else {
        println!("note: corpus file {rel} not present, skipping");
        None
    }
}

fn read_lossy(path: &Path) -> String {
    let bytes = std::fs::read(path).expect("readable corpus file");
    String::from_utf8_lossy(&bytes).into_owned()
}

/// (program, message) for every syslog-shaped line.
fn syslog_lines(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim_end_matches('\r');
            let caps = SYSLOG.captures(line)?;
            Some((caps[3].to_owned(), caps[5].to_owned()))
        })
        .collect()
}

struct Tally {
    total: usize,
    events: usize,
    misses: Vec<String>,
}

fn tally_ssh(lines: &[(String, String)]) -> Tally {
    let mut t = Tally {
        total: 0,
        events: 0,
        misses: Vec::new(),
    };
    for (program, message) in lines.iter().filter(|(p, _)| is_ssh_related(p)) {
        t.total += 1;
        match classify(program, message) {
            Classification::Event(_) => t.events += 1,
            _ => t.misses.push(format!("{program}: {message}")),
        }
    }
    t
}

fn report(name: &str, t: &Tally) -> f64 {
    let pct = if t.total == 0 {
        100.0
    } else {
        100.0 * t.events as f64 / t.total as f64
    };
    println!(
        "{name}: {}/{} sshd lines classified ({pct:.2}%)",
        t.events, t.total
    );
    for m in &t.misses {
        println!("  unrecognised: {m}");
    }
    pct
}

#[test]
fn loghub_sshd_lines_are_classified() {
    let mut all = Vec::new();
    for rel in ["loghub/OpenSSH_2k.log", "loghub/Linux_2k.log"] {
        let Some(path) = corpus(rel) else { return };
        let lines = syslog_lines(&read_lossy(&path));
        let t = tally_ssh(&lines);
        assert!(t.total > 0, "{rel}: no sshd lines found");
        let pct = report(rel, &t);
        assert!(pct >= 99.0, "{rel}: only {pct:.2}% classified");
        all.extend(lines);
    }
    let t = tally_ssh(&all);
    let pct = report("loghub combined", &t);
    assert!(pct >= 99.0);
}

/// Splits one CSV record, honouring double quotes (loghub quotes contents with commas).
fn csv_fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// The kind each loghub template must map to.
fn expected_kind(event_id: &str) -> Option<K> {
    let kind = match event_id {
        "E1" => K::AuthAccepted,
        "E2" => K::ConnectionClosed,
        "E3" => K::NoIdentification,
        "E4" | "E5" => K::TooManyAuthFailures,
        "E6" | "E7" | "E24" | "E25" | "E26" => K::ReceivedDisconnect,
        "E8" | "E9" | "E10" | "E14" => K::AuthFailed,
        "E11" => K::ConnectionReset,
        "E12" | "E13" => K::InvalidUser,
        "E15" | "E16" | "E17" => K::PamMoreAuthFailures,
        "E18" => K::PamMaxRetries,
        "E19" | "E20" => K::PamAuthFailure,
        "E21" => K::PamUserUnknown,
        "E22" => K::PamSessionClosed,
        "E23" => K::PamSessionOpened,
        "E27" => K::ReverseMappingFailed,
        _ => return None,
    };
    Some(kind)
}

static FOR_FROM_PORT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"for (invalid user )?(\S*) from (\S+) port (\d+)").expect("valid regex")
});
static INVALID_FROM: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^Invalid user (.*) from (\S+)$").expect("valid regex"));
static RHOST_USER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"rhost=(\S+)(?:\s+user=(\S+))?").expect("valid regex"));

#[test]
fn loghub_templates_map_to_kinds_and_fields() {
    let Some(path) = corpus("loghub/OpenSSH_2k.log_structured.csv") else {
        return;
    };
    let text = read_lossy(&path);
    let mut checked = 0;
    let mut field_checks = 0;
    for line in text.lines().skip(1) {
        let cols = csv_fields(line);
        let (Some(content), Some(event_id)) = (cols.get(6), cols.get(7)) else {
            panic!("bad CSV line: {line}");
        };
        let Some(want) = expected_kind(event_id) else {
            continue;
        };
        let got = classify("sshd", content);
        let ev = got
            .event()
            .unwrap_or_else(|| panic!("{event_id}: not classified: {content}"));
        assert_eq!(ev.kind, want, "{event_id}: {content}");
        checked += 1;
        let f = &ev.fields;
        if let Some(c) = FOR_FROM_PORT.captures(content) {
            assert_eq!(f.invalid_user, c.get(1).is_some(), "{content}");
            assert_eq!(f.user.as_deref(), Some(&c[2]), "{content}");
            assert_eq!(f.addr.as_deref(), Some(&c[3]), "{content}");
            assert_eq!(f.port, c[4].parse().ok(), "{content}");
            field_checks += 1;
        } else if let Some(c) = INVALID_FROM.captures(content) {
            assert!(f.invalid_user, "{content}");
            assert_eq!(f.user.as_deref(), Some(&c[1]), "{content}");
            assert_eq!(f.addr.as_deref(), Some(&c[2]), "{content}");
            field_checks += 1;
        } else if let Some(c) = RHOST_USER.captures(content) {
            assert_eq!(f.addr.as_deref(), Some(&c[1]), "{content}");
            assert_eq!(f.user.as_deref(), c.get(2).map(|m| m.as_str()), "{content}");
            field_checks += 1;
        }
        if event_id == "E14" {
            assert!(f.count.is_some(), "{content}");
        }
    }
    println!(
        "loghub templates: {checked} finding-relevant lines checked, {field_checks} with fields"
    );
    assert!(checked > 1000, "too few template lines checked: {checked}");
}

#[test]
fn hotsos_auth_logs_fully_classified() {
    for rel in [
        "hotsos/ubuntu20.04-k8s-node-var-log-auth.log",
        "hotsos/ubuntu20.04-openstack-compute-var-log-auth.log",
        "elastic-beats/auth-test.log",
        "insights-core/var-log-secure.txt",
    ] {
        let Some(path) = corpus(rel) else { continue };
        let t = tally_ssh(&syslog_lines(&read_lossy(&path)));
        report(rel, &t);
        assert!(t.misses.is_empty(), "{rel}: unrecognised sshd lines");
    }
}

#[test]
fn hotsos_journal_unit_lines_are_classified() {
    let Some(path) = corpus("hotsos/sos-journalctl_--no-pager-ubuntu20.04-vault.txt") else {
        return;
    };
    let lines = syslog_lines(&read_lossy(&path));
    let mut counts = std::collections::BTreeMap::new();
    for (program, message) in lines.iter().filter(|(p, _)| p == "systemd") {
        if let Classification::Event(c) = classify(program, message) {
            *counts.entry(c.kind.name()).or_insert(0usize) += 1;
            assert!(c.fields.unit.is_some(), "{message}");
        }
    }
    println!("hotsos journal systemd events: {counts:?}");
    assert!(counts.get("unit_failed").copied().unwrap_or(0) >= 10);
    assert!(counts.get("unit_process_exited").copied().unwrap_or(0) >= 10);
    assert!(counts.get("unit_restart_scheduled").copied().unwrap_or(0) >= 10);
}
