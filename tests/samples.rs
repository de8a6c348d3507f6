//! Every bundle in `samples/` gives the top finding `samples/expected.tsv` names, citing
//! every evidence line listed there. The expectations were written with the samples, from
//! the story each one tells, not copied from the tool's output.

use std::collections::BTreeMap;
use std::path::Path;

use rootline::analysis::{analyze, Options};

/// Sample -> (top finding id, evidence lines it must cite).
type Expectations = BTreeMap<String, (String, Vec<(String, usize)>)>;

fn expectations(file: &str) -> Expectations {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let text = std::fs::read_to_string(root.join(file)).expect("samples expectations");
    let mut map: Expectations = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() || (n == 0 && line.starts_with("sample"))
        {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 4, "expected.tsv line {}: {line}", n + 1);
        let entry = map
            .entry(cols[0].to_owned())
            .or_insert_with(|| (cols[1].to_owned(), Vec::new()));
        assert_eq!(entry.0, cols[1], "one top finding per sample");
        entry
            .1
            .push((cols[2].to_owned(), cols[3].parse().expect("line number")));
    }
    map
}

#[test]
fn every_sample_gives_its_top_finding_with_its_evidence() {
    let expected = expectations("expected.tsv");
    assert!(expected.len() >= 12, "a sample per finding id");
    check(&expected);
}

/// The network-path samples: firewalls, bans, ports, addresses, host keys, resolution.
#[test]
fn network_samples_give_their_top_finding_with_its_evidence() {
    let expected = expectations("expected-network.tsv");
    assert!(expected.len() >= 9, "a sample per network finding id");
    check(&expected);
}

fn check(expected: &Expectations) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let mut failures = Vec::new();
    for (sample, (top_id, lines)) in expected {
        let analysis = match analyze(&root.join(sample), &Options::default()) {
            Ok(a) => a,
            Err(e) => {
                failures.push(format!("{sample}: could not analyse: {e}"));
                continue;
            }
        };
        let findings = &analysis.report.findings;
        let Some(top) = findings.first() else {
            failures.push(format!("{sample}: no finding, expected {top_id}"));
            continue;
        };
        if top.id != top_id {
            let ids: Vec<&str> = findings.iter().map(|f| f.id).collect();
            failures.push(format!(
                "{sample}: top finding {} (all: {ids:?}), expected {top_id}",
                top.id
            ));
            continue;
        }
        for (path, line) in lines {
            let cited = top
                .evidence
                .iter()
                .any(|e| &*e.path == path.as_str() && e.line == *line);
            if cited {
                continue;
            }
            let got: Vec<String> = top
                .evidence
                .iter()
                .map(|e| format!("{}:{}", e.path, e.line))
                .collect();
            failures.push(format!(
                "{sample}: {top_id} does not cite {path}:{line}; cites {got:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
