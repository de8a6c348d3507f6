//! Reading an unpacked bundle from a directory. The walk never follows a symlink on disk:
//! links are recorded with their target text and resolved among the members, exactly as
//! in an archive, so a link can never make us read a file outside the given root.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use super::collect::{Collector, Scope};
use super::limits::{read_capped, Metered};
use crate::error::Error;
use crate::model::Diagnostic;

/// Walks `root` depth-first with an explicit stack (a hostile tree may be very deep).
pub(crate) fn read_dir(c: &mut Collector, root: &Path, name: &str) -> Result<(), Error> {
    let io_error = |source| Error::Io {
        path: root.to_path_buf(),
        source,
    };
    let root = fs::canonicalize(root).map_err(io_error)?;
    // An unreadable root means nothing at all can be read: an error, not a diagnostic.
    fs::read_dir(&root).map_err(io_error)?;
    let scope = Scope::top(name);
    let mut pending: Vec<(PathBuf, String)> = vec![(root.clone(), String::new())];
    while let Some((dir, rel)) = pending.pop() {
        if c.stopped() {
            break;
        }
        let mut children = list(c, &dir, &rel);
        // Popped in reverse, so push in reverse to visit in name order.
        children.sort();
        for (name, disk_path) in children.into_iter().rev() {
            let member = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            if let Some(subdir) = visit(c, &root, &scope, disk_path, member) {
                pending.push(subdir);
            }
        }
    }
    Ok(())
}

/// The entries of one directory as (name, path); unreadable ones become diagnostics.
fn list(c: &mut Collector, dir: &Path, rel: &str) -> Vec<(String, PathBuf)> {
    let shown = if rel.is_empty() { "." } else { rel };
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) => {
            c.diagnose(
                Diagnostic::warning(format!("directory could not be read: {err}")).at_path(shown),
            );
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => {
                let name = entry.file_name();
                let text = name.to_string_lossy().into_owned();
                if name.to_str().is_none() {
                    c.diagnose(
                        Diagnostic::info(
                            "file name is not UTF-8; shown with replacement characters",
                        )
                        .at_path(format!("{rel}/{text}").trim_start_matches('/')),
                    );
                }
                out.push((text, entry.path()));
            }
            Err(err) => c.diagnose(
                Diagnostic::warning(format!("directory entry could not be read: {err}"))
                    .at_path(shown),
            ),
        }
    }
    out
}

/// Handles one entry; returns a directory still to walk.
fn visit(
    c: &mut Collector,
    root: &Path,
    scope: &Scope,
    disk_path: PathBuf,
    member: String,
) -> Option<(PathBuf, String)> {
    // symlink_metadata: the entry itself, never what a link points to.
    let meta = match fs::symlink_metadata(&disk_path) {
        Ok(meta) => meta,
        Err(err) => {
            c.diagnose(Diagnostic::warning(format!("could not be read: {err}")).at_path(member));
            return None;
        }
    };
    let kind = meta.file_type();
    if kind.is_dir() {
        return Some((disk_path, member));
    }
    if !c.admit() {
        return None;
    }
    if kind.is_symlink() {
        match fs::read_link(&disk_path) {
            Ok(target) => {
                let target = target.to_string_lossy().into_owned();
                c.add_link(scope, member, target, false);
            }
            Err(err) => c.diagnose(
                Diagnostic::warning(format!("link could not be read: {err}")).at_path(member),
            ),
        }
    } else if kind.is_file() {
        read_file(c, root, disk_path, member, mtime(&meta));
    } else {
        c.skip_special(&member, "device, fifo or socket");
    }
    None
}

fn read_file(
    c: &mut Collector,
    root: &Path,
    disk_path: PathBuf,
    member: String,
    mtime: Option<i64>,
) {
    // The walk does not follow links, but a path component swapped for a link while we
    // walk would; check where the file really is before opening it.
    match fs::canonicalize(&disk_path) {
        Ok(real) if real.starts_with(root) => {}
        Ok(_) | Err(_) => {
            c.diagnose(
                Diagnostic::warning(
                    "skipped file: it does not resolve inside the bundle directory",
                )
                .at_path(member),
            );
            return;
        }
    }
    let file = match File::open(&disk_path) {
        Ok(file) => file,
        Err(err) => {
            c.diagnose(Diagnostic::warning(format!("could not be opened: {err}")).at_path(member));
            return;
        }
    };
    let read = read_capped(Metered::new(file, c.meter()), c.limits().max_member_bytes);
    c.take_member(member, read, None, mtime, 0);
}

/// Seconds since the epoch from a file's metadata, before 1970 included.
pub(crate) fn mtime(meta: &fs::Metadata) -> Option<i64> {
    let modified = meta.modified().ok()?;
    match modified.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).ok(),
        Err(before) => i64::try_from(before.duration().as_secs()).ok().map(|s| -s),
    }
}
