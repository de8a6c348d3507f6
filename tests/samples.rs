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

/// Causal chains and kernel event times: for each row of `samples/expected-chains.tsv`, the
/// finding exists with exactly that chain (its id, then what it explains, link by link), and
/// the evidence line named is cited with that time in UTC.
#[test]
fn samples_give_their_chains_and_event_times_in_utc() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let text = std::fs::read_to_string(root.join("expected-chains.tsv")).expect("chains table");
    let mut failures = Vec::new();
    let mut rows = 0;
    for (n, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        rows += 1;
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 6, "expected-chains.tsv line {}: {line}", n + 1);
        let [sample, id, chain, path, line_no, time] =
            [cols[0], cols[1], cols[2], cols[3], cols[4], cols[5]];
        let analysis = analyze(&root.join(sample), &Options::default()).expect("analyse sample");
        let Some(f) = analysis.report.findings.iter().find(|f| f.id == id) else {
            failures.push(format!("{sample}: no {id} finding"));
            continue;
        };
        let want: Vec<&str> = chain.split(',').collect();
        if f.chain != want {
            failures.push(format!(
                "{sample}: {id} chain {:?}, expected {want:?}",
                f.chain
            ));
        }
        if path == "-" {
            continue;
        }
        let line_no: usize = line_no.parse().expect("line number");
        match f
            .evidence
            .iter()
            .find(|e| &*e.path == path && e.line == line_no)
        {
            None => failures.push(format!("{sample}: {id} does not cite {path}:{line_no}")),
            Some(e) => {
                let got = e.time.map(|t| rootline::finding::format_time(&t));
                if got.as_deref() != Some(time) {
                    failures.push(format!(
                        "{sample}: {path}:{line_no} at {got:?}, expected {time}"
                    ));
                }
            }
        }
    }
    assert!(
        rows >= 8,
        "the resource samples and a config chain are listed"
    );
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
