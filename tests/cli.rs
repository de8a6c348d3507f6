//! The binary as a user runs it: snapshots of what it prints, the JSON contract's shape,
//! exit codes, and the effect of the `--user/--client/--at` hints.

mod common;

use common::rootline;
use std::process::Output;

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn analyze_text_sshd_start_failed() {
    let out = rootline(&["analyze", "samples/sshd-start-failed.tar.xz"]);
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn analyze_text_password_auth_disabled() {
    let out = rootline(&["analyze", "samples/password-auth-disabled"]);
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn analyze_text_brute_force_success() {
    let out = rootline(&["analyze", "samples/brute-force-success.tar"]);
    insta::assert_snapshot!(stdout(&out));
}

/// The first screen on a host where the OOM killer took sshd: the cause, when, the chain
/// to what the user saw, and how to keep it from happening again.
#[test]
fn analyze_text_oom_killed_sshd() {
    let out = rootline(&["analyze", "samples/oom-sshd-killed.tar.xz"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    let first_screen: Vec<&str> = text.lines().take(25).collect();
    let first_screen = first_screen.join("\n");
    assert!(first_screen.contains("killed sshd (pid 1043) at 2026-11-19T13:58:12Z"));
    assert!(first_screen.contains(
        "chain: resource-exhaustion -> sshd-not-running -> connection refused since 2026-11-19 13:58 UTC"
    ));
    assert!(first_screen.contains("OOMScoreAdjust=-1000"));
    // The reason the kernel took sshd: the hog is exempt from the OOM killer.
    assert!(first_screen.contains("ledgerd is exempt from the OOM killer"));
    insta::assert_snapshot!(text);
}

#[test]
fn analyze_json_user_not_allowed() {
    let out = rootline(&[
        "analyze",
        "samples/user-not-allowed.zip",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    insta::assert_json_snapshot!(value);
}

#[test]
fn inventory_of_a_supportconfig() {
    let out = rootline(&["inventory", "samples/invalid-user"]);
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn sshd_config_for_a_user_and_address() {
    let out = rootline(&[
        "sshd-config",
        "samples/password-auth-disabled",
        "--user",
        "carol",
        "--addr",
        "192.0.2.77",
    ]);
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn rules_list_and_explain() {
    let list = rootline(&["rules"]);
    insta::assert_snapshot!(stdout(&list));
    let one = rootline(&["rules", "pam-denied"]);
    assert!(stdout(&one).contains("What it detects"));
    assert!(stdout(&one).contains("What the user sees\n  permission denied"));
    let bad = rootline(&["rules", "no-such-id"]);
    assert_eq!(bad.status.code(), Some(2));
}

/// Every key of the documented contract, with its type, on every sample.
#[test]
fn json_contract_holds_on_every_sample() {
    let samples = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/samples")).unwrap();
    for entry in samples {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md" || e == "tsv") {
            continue;
        }
        let out = rootline(&["analyze", path.to_str().unwrap(), "--format", "json"]);
        assert_eq!(out.status.code(), Some(0), "{path:?}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        check_contract(&v, &path.display().to_string());
    }
}

fn check_contract(v: &serde_json::Value, name: &str) {
    use serde_json::Value;
    let is_time = |t: &Value| {
        t.is_null()
            || t.as_str().is_some_and(|s| {
                s.ends_with('Z') && chrono::DateTime::parse_from_rfc3339(s).is_ok()
            })
    };
    assert_eq!(v["schema_version"], 1, "{name}");
    let b = &v["bundle"];
    assert!(b["path"].is_string() && b["hosts"].is_array(), "{name}");
    assert!(is_time(&b["collected_at"]), "{name}");
    assert!(
        b["timezone"].is_string() || b["timezone"].is_null(),
        "{name}"
    );
    let findings = v["findings"].as_array().expect("findings");
    for (i, f) in findings.iter().enumerate() {
        assert_eq!(f["rank"], i + 1, "{name}: ranks run from 1");
        for key in ["id", "severity", "title", "summary"] {
            assert!(f[key].is_string(), "{name}: finding.{key}");
        }
        let c = f["confidence"].as_f64().expect("confidence");
        assert!((0.0..=1.0).contains(&c), "{name}");
        assert!(
            is_time(&f["first_seen"]) && is_time(&f["last_seen"]),
            "{name}"
        );
        for key in ["users", "addresses", "ports"] {
            assert!(f["subjects"][key].is_array(), "{name}: subjects.{key}");
        }
        let evidence = f["evidence"].as_array().expect("evidence");
        assert!(!evidence.is_empty(), "{name}: a finding cites lines");
        for e in evidence {
            assert!(e["path"].is_string() && e["text"].is_string(), "{name}");
            assert!(e["line"].as_u64().is_some_and(|l| l >= 1), "{name}");
            assert!(is_time(&e["time"]), "{name}");
        }
        assert!(
            f["remediation"].as_array().is_some_and(|r| !r.is_empty()),
            "{name}"
        );
        assert!(f["explains"].is_array(), "{name}");
    }
    for t in v["timeline"].as_array().expect("timeline") {
        for key in ["kind", "message", "path"] {
            assert!(t[key].is_string(), "{name}: timeline.{key}");
        }
        assert!(
            is_time(&t["time"]) && t["line"].is_u64() && t["fields"].is_object(),
            "{name}"
        );
        assert!(t["findings"].is_array(), "{name}");
    }
    for a in v["artifacts"].as_array().expect("artifacts") {
        assert!(a["path"].is_string() && a["kind"].is_string(), "{name}");
        for key in ["lines", "recognized", "events"] {
            assert!(a[key].is_u64(), "{name}: artifact.{key}");
        }
    }
    for d in v["diagnostics"].as_array().expect("diagnostics") {
        assert!(
            ["info", "warning", "error"].contains(&d["level"].as_str().unwrap()),
            "{name}"
        );
        assert!(d["message"].is_string(), "{name}");
    }
}

#[test]
fn ndjson_lines_are_typed_objects() {
    let out = rootline(&["analyze", "samples/kex-mismatch", "--format", "ndjson"]);
    let text = stdout(&out);
    let types: Vec<String> = text
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("one object per line");
            assert_eq!(v["schema_version"], 1);
            v["type"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(types[0], "bundle");
    assert!(types.iter().any(|t| t == "finding"));
    assert!(types.iter().any(|t| t == "artifact"));
}

#[test]
fn timeline_streams_every_event_in_time_order() {
    let out = rootline(&["timeline", "samples/brute-force", "--format", "ndjson"]);
    assert_eq!(out.status.code(), Some(0));
    let times: Vec<String> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter_map(|v| v["time"].as_str().map(str::to_owned))
        .collect();
    assert!(
        times.len() > 300,
        "every line of the log, not only SSH findings"
    );
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "sorted by time");
    // The file crosses New Year: December lines are 2025, January lines 2026.
    assert!(times.first().unwrap().starts_with("2025-12-31"));
    assert!(times.last().unwrap().starts_with("2026-01-01"));
}

#[test]
fn fail_on_sets_exit_code_one() {
    let critical = rootline(&[
        "analyze",
        "samples/brute-force-success.tar",
        "--fail-on",
        "critical",
    ]);
    assert_eq!(critical.status.code(), Some(1));
    let below = rootline(&["analyze", "samples/brute-force", "--fail-on", "high"]);
    assert_eq!(below.status.code(), Some(0));
}

#[test]
fn unreadable_bundle_exits_two_and_names_it() {
    let out = rootline(&["analyze", "samples/does-not-exist"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("samples/does-not-exist"));
    let bad_at = rootline(&["analyze", "samples/kex-mismatch", "--at", "yesterday"]);
    assert_eq!(bad_at.status.code(), Some(2));
}

#[test]
fn hints_rank_the_reported_attempt_first() {
    // pam-denied-faillock: grace is locked; her earlier typos are also wrong passwords.
    // Asking about the attempt after the lock keeps the lock first, with grace as subject.
    let out = rootline(&[
        "analyze",
        "samples/pam-denied-faillock",
        "--format",
        "json",
        "--user",
        "grace",
        "--at",
        "2026-11-25T11:09:00Z",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["findings"][0]["id"], "pam-denied");
    assert!(v["findings"][0]["subjects"]["users"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!("grace")));
}

#[test]
fn timeline_places_snapshots_at_their_collection_time() {
    let out = rootline(&["timeline", "samples/disk-full.tar.gz"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    let full = lines
        .iter()
        .position(|l| l.contains("snapshot") && l.contains("100% /var"))
        .expect("the df snapshot is on the timeline");
    assert!(
        lines[full].starts_with("2026-11-20 11:20:44"),
        "{}",
        lines[full]
    );
    let last_login = lines
        .iter()
        .rposition(|l| l.contains("session_pty_req"))
        .expect("the failed pty request");
    assert!(
        last_login < full,
        "snapshots come after the events before collection"
    );
}
