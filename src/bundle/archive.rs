//! Archive and compression formats, recognised by magic bytes: zip, tar, gzip and xz.
//! Everything is read from memory; decompression is capped by the collector's budget.

use std::io::{Cursor, Read};

use super::links::{Link, LinkKind};
use super::{safe_path, Collector};
use crate::model::Diagnostic;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Container {
    Zip,
    Tar,
    Gzip,
    Xz,
}

impl Container {
    pub(crate) fn sniff(bytes: &[u8]) -> Option<Container> {
        if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
            Some(Container::Zip)
        } else if bytes.starts_with(&[0x1f, 0x8b]) {
            Some(Container::Gzip)
        } else if bytes.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
            Some(Container::Xz)
        } else if is_tar(bytes) {
            Some(Container::Tar)
        } else {
            None
        }
    }
}

/// A tar header: `ustar` magic at 257, or an old-style header whose checksum adds up.
fn is_tar(bytes: &[u8]) -> bool {
    if bytes.len() < 512 {
        return false;
    }
    if &bytes[257..262] == b"ustar" {
        return true;
    }
    let stored = std::str::from_utf8(&bytes[148..156])
        .ok()
        .map(|s| s.trim_matches(|c: char| c == '\0' || c == ' '))
        .and_then(|s| u32::from_str_radix(s, 8).ok());
    let Some(stored) = stored else { return false };
    let sum: u32 = bytes[..512]
        .iter()
        .enumerate()
        .map(|(i, b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u32::from(*b)
            }
        })
        .sum();
    bytes[0] != 0 && sum == stored
}

/// Expands the top-level container of a bundle (depth 0).
pub(crate) fn expand(
    container: Container,
    bytes: Vec<u8>,
    prefix: &str,
    depth: u32,
    c: &mut Collector,
) {
    match container {
        Container::Zip => read_zip(bytes, prefix, depth, c),
        Container::Tar => read_tar(Cursor::new(bytes), prefix, depth, c),
        Container::Gzip | Container::Xz => {
            let name = if prefix.is_empty() { "bundle" } else { prefix };
            let Some(data) = decompress(container, &bytes, name, c) else {
                return;
            };
            if is_tar(&data) {
                read_tar(Cursor::new(data), prefix, depth, c);
            } else {
                // A single compressed log given as the bundle.
                c.store(
                    if prefix.is_empty() {
                        "bundle".into()
                    } else {
                        prefix.to_owned()
                    },
                    data,
                    None,
                );
            }
        }
    }
}

/// A member that is itself compressed or an archive.
pub(crate) fn expand_member(
    container: Container,
    bytes: Vec<u8>,
    path: &str,
    mtime: Option<i64>,
    depth: u32,
    c: &mut Collector,
) {
    match container {
        Container::Gzip | Container::Xz => {
            let Some(data) = decompress(container, &bytes, path, c) else {
                return;
            };
            if is_tar(&data) {
                nested(Container::Tar, data, path, mtime, depth, c);
            } else {
                // A rotated log: the member keeps its stored name.
                c.store(path.to_owned(), data, mtime);
            }
        }
        Container::Zip | Container::Tar => nested(container, bytes, path, mtime, depth, c),
    }
}

fn nested(
    container: Container,
    bytes: Vec<u8>,
    path: &str,
    mtime: Option<i64>,
    depth: u32,
    c: &mut Collector,
) {
    if depth >= c.limits().max_depth {
        c.diagnose(
            Diagnostic::warning(format!(
                "an archive nested {} levels deep is not expanded",
                depth + 1
            ))
            .at_path(path),
        );
        c.store(path.to_owned(), bytes, mtime);
        return;
    }
    match container {
        Container::Zip => read_zip(bytes, path, depth + 1, c),
        _ => read_tar(Cursor::new(bytes), path, depth + 1, c),
    }
}

/// Decompresses under the member budget; `None` (with a diagnostic) when it is exceeded.
fn decompress(
    container: Container,
    bytes: &[u8],
    path: &str,
    c: &mut Collector,
) -> Option<Vec<u8>> {
    let budget = c.member_budget();
    let mut out = Vec::new();
    let result = match container {
        Container::Gzip => flate2::read::MultiGzDecoder::new(bytes)
            .take(budget.saturating_add(1))
            .read_to_end(&mut out),
        Container::Xz => lzma_rust2::XzReader::new(bytes, true)
            .take(budget.saturating_add(1))
            .read_to_end(&mut out),
        _ => return Some(bytes.to_vec()),
    };
    if out.len() as u64 > budget {
        c.diagnose(
            Diagnostic::warning(format!(
                "skipped: decompresses to more than {budget} bytes (member or total size limit)"
            ))
            .at_path(path),
        );
        return None;
    }
    if let Err(e) = result {
        c.diagnose(
            Diagnostic::error(format!(
                "compressed data is damaged ({e}); the first {} bytes are used",
                out.len()
            ))
            .at_path(path),
        );
        if out.is_empty() {
            return None;
        }
    }
    Some(out)
}

fn join(prefix: &str, path: &str) -> String {
    if prefix.is_empty() {
        path.to_owned()
    } else {
        format!("{prefix}/{path}")
    }
}

fn read_tar<R: Read>(reader: R, prefix: &str, depth: u32, c: &mut Collector) {
    let mut archive = tar::Archive::new(reader);
    let entries = match archive.entries() {
        Ok(e) => e,
        Err(e) => {
            c.diagnose(
                Diagnostic::error(format!("not a readable tar archive: {e}"))
                    .at_path(label(prefix)),
            );
            return;
        }
    };
    for entry in entries {
        if c.stopped() {
            return;
        }
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => {
                c.diagnose(
                    Diagnostic::error(format!(
                        "the tar archive is truncated or corrupt ({e}); the members before the damage were read"
                    ))
                    .at_path(label(prefix)),
                );
                return;
            }
        };
        let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let kind = entry.header().entry_type();
        if kind.is_dir() || kind.is_pax_global_extensions() || kind.is_pax_local_extensions() {
            continue;
        }
        let Some(path) = safe_path(&raw) else {
            c.refuse(
                &join(prefix, &raw),
                "absolute path or a path that climbs out of the bundle",
            );
            continue;
        };
        let full = join(prefix, &path);
        let mtime = entry
            .header()
            .mtime()
            .ok()
            .and_then(|m| i64::try_from(m).ok());
        if kind.is_symlink() || kind.is_hard_link() {
            let target = entry
                .link_name_bytes()
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default();
            let kind = if kind.is_symlink() {
                LinkKind::Symbolic
            } else {
                LinkKind::Hard
            };
            c.add_link(Link {
                path: full,
                target,
                kind,
                root: prefix.to_owned(),
            });
            continue;
        }
        if !(kind.is_file() || kind.is_contiguous() || kind.is_gnu_sparse()) {
            c.refuse(&full, "device, fifo or other special entry");
            continue;
        }
        let budget = c.member_budget();
        let mut data = Vec::new();
        match (&mut entry)
            .take(budget.saturating_add(1))
            .read_to_end(&mut data)
        {
            Ok(_) if data.len() as u64 > budget => {
                c.refuse(
                    &full,
                    &format!("larger than {budget} bytes (member or total size limit)"),
                );
            }
            Ok(_) => c.add(full, data, mtime, depth),
            Err(e) => {
                c.diagnose(
                    Diagnostic::error(format!(
                        "the member is truncated ({e}); its first {} bytes are used",
                        data.len()
                    ))
                    .at_path(full.clone()),
                );
                c.add(full, data, mtime, depth);
                return;
            }
        }
    }
}

fn label(prefix: &str) -> String {
    if prefix.is_empty() {
        "(bundle)".to_owned()
    } else {
        prefix.to_owned()
    }
}

/// Unix mode bits of a symlink, as zip stores them in the external attributes.
const S_IFLNK: u32 = 0o120000;
const S_IFMT: u32 = 0o170000;

fn read_zip(bytes: Vec<u8>, prefix: &str, depth: u32, c: &mut Collector) {
    let mut zip = match zip::ZipArchive::new(Cursor::new(bytes)) {
        Ok(z) => z,
        Err(e) => {
            c.diagnose(
                Diagnostic::error(format!("not a readable zip archive: {e}"))
                    .at_path(label(prefix)),
            );
            return;
        }
    };
    for i in 0..zip.len() {
        if c.stopped() {
            return;
        }
        let mut file = match zip.by_index(i) {
            Ok(f) => f,
            Err(e) => {
                c.diagnose(
                    Diagnostic::error(format!("zip member {i} cannot be read: {e}"))
                        .at_path(label(prefix)),
                );
                continue;
            }
        };
        let raw = String::from_utf8_lossy(file.name_raw()).into_owned();
        if file.is_dir() {
            continue;
        }
        let Some(path) = safe_path(&raw) else {
            c.refuse(
                &join(prefix, &raw),
                "absolute path or a path that climbs out of the bundle",
            );
            continue;
        };
        let full = join(prefix, &path);
        let mtime = file.last_modified().and_then(zip_time);
        let budget = c.member_budget();
        let mut data = Vec::new();
        let read = (&mut file)
            .take(budget.saturating_add(1))
            .read_to_end(&mut data);
        if let Err(e) = read {
            c.diagnose(Diagnostic::error(format!("zip member is damaged: {e}")).at_path(full));
            continue;
        }
        if data.len() as u64 > budget {
            c.refuse(
                &full,
                &format!("larger than {budget} bytes (member or total size limit)"),
            );
            continue;
        }
        if file.unix_mode().is_some_and(|m| m & S_IFMT == S_IFLNK) {
            c.add_link(Link {
                path: full,
                target: String::from_utf8_lossy(&data).into_owned(),
                kind: LinkKind::Symbolic,
                root: prefix.to_owned(),
            });
            continue;
        }
        c.add(full, data, mtime, depth);
    }
}

/// zip's DOS time (no zone; taken as UTC) to Unix seconds.
fn zip_time(t: zip::DateTime) -> Option<i64> {
    let date = chrono::NaiveDate::from_ymd_opt(
        i32::from(t.year()),
        u32::from(t.month()),
        u32::from(t.day()),
    )?;
    let time = chrono::NaiveTime::from_hms_opt(
        u32::from(t.hour()),
        u32::from(t.minute()),
        u32::from(t.second()),
    )?;
    Some(date.and_time(time).and_utc().timestamp())
}
