//! Reading zip and tar containers (plain, gzip or xz compressed) into the collector, in one
//! streaming pass and entirely in memory: nothing from a bundle is ever written to disk.
//! Every entry goes through the collector's member-count gate and its path hygiene; a
//! container that breaks mid-way keeps what was read before the damage.

use std::io::{self, Cursor, Read, Seek, SeekFrom};

use super::collect::{decoder, Collector, Scope};
use super::limits::{read_capped, Capped, Metered};
use super::sniff::{is_tar, sniff, Format, HEAD_LEN};
use crate::model::Diagnostic;

/// Longest symlink target read from a zip entry's data (Linux allows 4095 bytes).
const MAX_LINK_TARGET: u64 = 4096;

/// Unix file type bits, as zip stores them in the external attributes.
const S_IFMT: u32 = 0o170000;
const S_IFSOCK: u32 = 0o140000;
const S_IFLNK: u32 = 0o120000;
const S_IFBLK: u32 = 0o060000;
const S_IFCHR: u32 = 0o020000;
const S_IFIFO: u32 = 0o010000;

/// Reads a whole bundle given as one file (or stdin bytes): an archive, or a loose file
/// that becomes the only member, named `loose_name`.
pub(crate) fn read_top<R: Read + Seek>(
    c: &mut Collector,
    mut source: R,
    loose_name: &str,
    mtime: Option<i64>,
    scope: &Scope,
) -> io::Result<()> {
    let head = peek(&mut source)?;
    let meter = c.meter().clone();
    match sniff(&head) {
        Format::Zip => {
            read_zip(c, source, scope);
        }
        Format::Tar => {
            read_tar(c, Metered::new(source, &meter), scope);
        }
        format @ (Format::Gzip | Format::Xz) => {
            let stream = Metered::new(decoder(format, source), &meter);
            read_stream(c, stream, loose_name, mtime, scope);
        }
        Format::Plain => {
            if c.admit() {
                let read = read_capped(Metered::new(source, &meter), c.limits().max_member_bytes);
                c.take_member(loose_name.to_owned(), read, None, mtime, scope.depth);
            }
        }
    }
    Ok(())
}

/// Reads an archive that is a member of the bundle, already in memory. Returns false when
/// the archive was damaged.
pub(crate) fn read_archive_bytes(c: &mut Collector, data: &[u8], scope: &Scope) -> bool {
    if sniff(data) == Format::Zip {
        read_zip(c, Cursor::new(data), scope)
    } else {
        let meter = c.meter().clone();
        read_tar(c, Metered::new(data, &meter), scope)
    }
}

fn peek<R: Read + Seek>(source: &mut R) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(HEAD_LEN);
    source
        .by_ref()
        .take(HEAD_LEN as u64)
        .read_to_end(&mut head)?;
    source.seek(SeekFrom::Start(0))?;
    Ok(head)
}

/// A decompressed stream is a tarball or a single compressed file (`secure-20261115.gz`
/// given on its own); the first block decides, without decoding anything twice.
fn read_stream<R: Read>(
    c: &mut Collector,
    mut stream: R,
    loose_name: &str,
    mtime: Option<i64>,
    scope: &Scope,
) {
    let mut head = Vec::with_capacity(HEAD_LEN);
    if let Err(err) = stream.by_ref().take(HEAD_LEN as u64).read_to_end(&mut head) {
        // Too short to be a tarball: a small compressed file damaged at its end.
        if c.meter().exhausted() {
            c.stop_for_bytes();
            return;
        }
        c.diagnose(
            Diagnostic::error(format!(
                "compressed data is damaged after {} bytes: {err}; kept the bytes before the \
                 damage",
                head.len()
            ))
            .at_path(scope.label.clone()),
        );
        if !head.is_empty() && c.admit() {
            let read = Ok(Capped::Whole(head));
            c.take_member(loose_name.to_owned(), read, None, mtime, scope.depth);
        }
        return;
    }
    let whole = Cursor::new(head).chain(stream);
    if is_tar(whole.get_ref().0.get_ref()) {
        read_tar(c, whole, scope);
    } else if c.admit() {
        let read = read_capped(whole, c.limits().max_member_bytes);
        c.take_member(loose_name.to_owned(), read, None, mtime, scope.depth);
    }
}

/// Reads tar entries until the end, a limit, or damage. Returns false on damage.
fn read_tar<R: Read>(c: &mut Collector, reader: R, scope: &Scope) -> bool {
    let mut archive = tar::Archive::new(reader);
    let entries = match archive.entries() {
        Ok(entries) => entries,
        Err(err) => {
            c.container_failed(scope, 0, &err);
            return false;
        }
    };
    let mut read = 0usize;
    for entry in entries {
        if c.stopped() {
            break;
        }
        match entry {
            Ok(entry) => {
                read += 1;
                if !tar_entry(c, entry, scope) {
                    break;
                }
            }
            Err(err) => {
                c.container_failed(scope, read, &err);
                return false;
            }
        }
    }
    true
}

/// One tar entry; false means stop reading.
fn tar_entry<R: Read>(c: &mut Collector, mut entry: tar::Entry<'_, R>, scope: &Scope) -> bool {
    use tar::EntryType;
    let kind = entry.header().entry_type();
    if kind.is_dir() || kind.is_pax_global_extensions() || kind.as_byte() == b'D' {
        return true;
    }
    if !c.admit() {
        return false;
    }
    let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
    let Some(path) = c.member_path(scope, &raw) else {
        return true;
    };
    let mtime = entry
        .header()
        .mtime()
        .ok()
        .and_then(|t| i64::try_from(t).ok());
    match kind {
        EntryType::Regular | EntryType::Continuous | EntryType::GNUSparse => {
            let declared = (kind != EntryType::GNUSparse).then(|| entry.size());
            let read = read_capped(&mut entry, c.limits().max_member_bytes);
            c.take_member(path, read, declared, mtime, scope.depth);
        }
        EntryType::Symlink | EntryType::Link => {
            let target = entry
                .link_name_bytes()
                .map(|t| String::from_utf8_lossy(&t).into_owned())
                .unwrap_or_default();
            c.add_link(scope, path, target, kind == EntryType::Link);
        }
        EntryType::Char => c.skip_special(&path, "character device"),
        EntryType::Block => c.skip_special(&path, "block device"),
        EntryType::Fifo => c.skip_special(&path, "fifo"),
        other => c.skip_special(
            &path,
            &format!("tar type {:?}", char::from(other.as_byte())),
        ),
    }
    true
}

/// Reads a zip through its central directory; when that is unreadable (a truncated
/// upload), falls back to walking the local headers from the start. Returns false on damage.
fn read_zip<R: Read + Seek>(c: &mut Collector, mut reader: R, scope: &Scope) -> bool {
    let mut zip = match zip::ZipArchive::new(&mut reader) {
        Ok(zip) => zip,
        Err(err) => {
            c.diagnose(
                Diagnostic::error(format!(
                    "zip central directory is unreadable ({err}); reading the entries one by \
                     one from the start"
                ))
                .at_path(scope.label.clone()),
            );
            return read_zip_stream(c, reader, scope);
        }
    };
    let mut complete = true;
    for index in 0..zip.len() {
        if c.stopped() {
            break;
        }
        let failure = match zip.by_index(index) {
            Ok(mut file) => {
                if !zip_entry(c, &mut file, scope) {
                    break;
                }
                None
            }
            Err(err) => Some(err),
        };
        if let Some(err) = failure {
            complete = false;
            if !c.admit() {
                break;
            }
            let name = zip
                .name_for_index(index)
                .and_then(Result::ok)
                .map_or_else(|| format!("entry #{index}"), |n| n.into_owned());
            c.diagnose(
                Diagnostic::warning(format!("skipped zip entry: {err}"))
                    .at_path(scope.shown(&name)),
            );
        }
    }
    complete
}

fn read_zip_stream<R: Read + Seek>(c: &mut Collector, mut reader: R, scope: &Scope) -> bool {
    if let Err(err) = reader.seek(SeekFrom::Start(0)) {
        c.container_failed(scope, 0, &err);
        return false;
    }
    let mut read = 0usize;
    while !c.stopped() {
        match zip::read::read_zipfile_from_stream(&mut reader) {
            Ok(Some(mut file)) => {
                read += 1;
                if !zip_entry(c, &mut file, scope) {
                    break;
                }
            }
            Ok(None) => break,
            Err(err) => {
                c.container_failed(scope, read, &io::Error::other(err));
                return false;
            }
        }
    }
    false
}

/// One zip entry; false means stop reading.
fn zip_entry<R: Read>(
    c: &mut Collector,
    file: &mut zip::read::ZipFile<'_, R>,
    scope: &Scope,
) -> bool {
    if file.is_dir() {
        return true;
    }
    if !c.admit() {
        return false;
    }
    let raw = match file.name() {
        Ok(name) => name.replace('\\', "/"),
        Err(_) => String::from_utf8_lossy(file.name_raw()).replace('\\', "/"),
    };
    let Some(path) = c.member_path(scope, &raw) else {
        return true;
    };
    let mtime = zip_mtime(c, file, scope);
    match file.unix_mode().map(|m| m & S_IFMT) {
        Some(S_IFLNK) => {
            let meter = c.meter().clone();
            match read_capped(Metered::new(&mut *file, &meter), MAX_LINK_TARGET) {
                Ok(Capped::Whole(target)) => {
                    let target = String::from_utf8_lossy(&target).into_owned();
                    c.add_link(scope, path, target, false);
                }
                _ => c.diagnose(
                    Diagnostic::warning("skipped symlink: its target could not be read")
                        .at_path(path),
                ),
            }
        }
        Some(S_IFCHR) => c.skip_special(&path, "character device"),
        Some(S_IFBLK) => c.skip_special(&path, "block device"),
        Some(S_IFIFO) => c.skip_special(&path, "fifo"),
        Some(S_IFSOCK) => c.skip_special(&path, "socket"),
        _ => {
            let meter = c.meter().clone();
            let read = read_capped(
                Metered::new(&mut *file, &meter),
                c.limits().max_member_bytes,
            );
            c.take_member(path, read, None, mtime, scope.depth);
        }
    }
    true
}

/// The Unix time from the extended-timestamp field when the zip has one; otherwise the
/// MS-DOS local time read as UTC, which the collector notes once.
fn zip_mtime<R: Read>(
    c: &mut Collector,
    file: &zip::read::ZipFile<'_, R>,
    scope: &Scope,
) -> Option<i64> {
    let extended = file.extra_data_fields().find_map(|field| match field {
        zip::ExtraField::ExtendedTimestamp(ts) => ts.mod_time(),
        _ => None,
    });
    if let Some(seconds) = extended {
        return Some(i64::from(seconds));
    }
    let dos = file.last_modified()?;
    let time = chrono::NaiveDate::from_ymd_opt(
        i32::from(dos.year()),
        u32::from(dos.month()),
        u32::from(dos.day()),
    )?
    .and_hms_opt(
        u32::from(dos.hour()),
        u32::from(dos.minute()),
        u32::from(dos.second()),
    )?;
    c.note_dos_time(&scope.label);
    Some(time.and_utc().timestamp())
}
