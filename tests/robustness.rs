//! Hostile and damaged input never panics: every archive sample cut short at many points,
//! and with bytes overwritten, still analyses (with diagnostics) instead of crashing.

use std::path::Path;

use rootline::analysis::{analyze_bundle, Options};
use rootline::bundle::{from_bytes, Limits};

fn archives() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_file() && !p.extension().is_some_and(|x| x == "md" || x == "tsv"))
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect()
}

#[test]
fn truncated_archives_analyse_without_panicking() {
    for (name, bytes) in archives() {
        for cut in [
            1,
            7,
            100,
            512,
            1000,
            bytes.len() / 3,
            bytes.len() / 2,
            bytes.len() - 1,
        ] {
            let cut = cut.min(bytes.len());
            let bundle = from_bytes(&name, bytes[..cut].to_vec(), &Limits::default());
            let result = analyze_bundle(&bundle, &Options::default());
            assert!(result.is_ok(), "{name} cut at {cut}");
        }
    }
}

#[test]
fn corrupted_archives_analyse_without_panicking() {
    for (name, bytes) in archives() {
        // A fixed pattern of overwritten bytes: deterministic, and spread over the file.
        let mut damaged = bytes.clone();
        let step = (damaged.len() / 37).max(1);
        for i in (step / 2..damaged.len()).step_by(step) {
            damaged[i] = damaged[i].wrapping_mul(31).wrapping_add(7);
        }
        let bundle = from_bytes(&name, damaged, &Limits::default());
        assert!(
            analyze_bundle(&bundle, &Options::default()).is_ok(),
            "{name}"
        );
    }
}

#[test]
fn binary_noise_as_a_loose_file_is_just_unknown() {
    let noise: Vec<u8> = (0..20_000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let bundle = from_bytes("noise.bin", noise, &Limits::default());
    let analysis = analyze_bundle(&bundle, &Options::default()).unwrap();
    assert!(analysis.report.findings.is_empty());
}
