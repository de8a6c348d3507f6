//! A bundle given as a folder (an extracted sosreport, a folder of loose files). Nothing
//! outside the folder is read: symlinks are recorded as links and resolved among the
//! folder's own files, never followed on disk.

use std::io::Read;
use std::path::Path;

use super::links::{Link, LinkKind};
use super::Collector;
use crate::model::Diagnostic;

pub(crate) fn walk(root: &Path, c: &mut Collector) {
    let mut stack = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, rel)) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) => {
                c.diagnose(
                    Diagnostic::error(format!("folder cannot be read: {e}")).at_path(display(&rel)),
                );
                continue;
            }
        };
        let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            if c.stopped() {
                return;
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            let Ok(meta) = entry.path().symlink_metadata() else {
                c.refuse(&path, "cannot be read");
                continue;
            };
            let kind = meta.file_type();
            if kind.is_symlink() {
                let target = std::fs::read_link(entry.path())
                    .map(|t| t.to_string_lossy().into_owned())
                    .unwrap_or_default();
                c.add_link(Link {
                    path,
                    target,
                    kind: LinkKind::Symbolic,
                    root: String::new(),
                });
            } else if kind.is_dir() {
                stack.push((entry.path(), path));
            } else if kind.is_file() {
                read_file(&entry.path(), path, &meta, c);
            } else {
                c.refuse(&path, "device, fifo or other special file");
            }
        }
    }
}

fn read_file(disk_path: &Path, path: String, meta: &std::fs::Metadata, c: &mut Collector) {
    let budget = c.member_budget();
    if meta.len() > budget {
        c.refuse(
            &path,
            &format!("larger than {budget} bytes (member or total size limit)"),
        );
        return;
    }
    let mut data = Vec::new();
    let read = std::fs::File::open(disk_path)
        .and_then(|f| f.take(budget.saturating_add(1)).read_to_end(&mut data));
    if let Err(e) = read {
        c.diagnose(Diagnostic::error(format!("cannot be read: {e}")).at_path(path));
        return;
    }
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .and_then(|d| i64::try_from(d.as_secs()).ok());
    c.add(path, data, mtime, 0);
}

fn display(rel: &str) -> String {
    if rel.is_empty() {
        ".".to_owned()
    } else {
        rel.to_owned()
    }
}
