//! What the integration tests share: running the binary as a user would, where
//! `../shared/corpora` is, and skipping corpus checks when it is not.
// Each test binary uses only some of these helpers.
#![allow(dead_code)]

use std::path::PathBuf;

/// The corpora folder beside the checkout, or `None` (with a note) when it is absent, so
/// corpus tests pass on machines without it.
pub fn corpora() -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpora"));
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("note: ../shared/corpora not found; corpus checks skipped");
        None
    }
}

/// A corpus file's text (invalid UTF-8 replaced), or `None` when the corpora are absent.
pub fn read(rel: &str) -> Option<String> {
    let bytes = std::fs::read(corpora()?.join(rel)).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// Asserts that a parser raised no error-level diagnostic on a real file.
pub fn no_errors(name: &str, diags: &[rootline::model::Diagnostic]) {
    let errors: Vec<_> = diags
        .iter()
        .filter(|d| d.level == rootline::model::Level::Error)
        .collect();
    assert!(errors.is_empty(), "{name}: {errors:?}");
}

/// Runs the built `rootline` binary from the checkout's root, without colour.
pub fn rootline(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_rootline"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .expect("run rootline")
}
