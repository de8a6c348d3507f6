//! What the corpus tests share: where `../shared/corpora` is, and skipping when it is not.

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
