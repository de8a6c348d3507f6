//! Archives built in memory, friendly and hostile, read through [`from_bytes`].

use std::io::Write;

use super::*;
use crate::model::Level;

enum Entry<'a> {
    File(&'a str, &'a [u8]),
    Symlink(&'a str, &'a str),
    Hardlink(&'a str, &'a str),
    Fifo(&'a str),
}

fn tar_bytes(entries: &[Entry]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for e in entries {
        let mut h = tar::Header::new_gnu();
        h.set_mtime(1_763_900_000);
        h.set_mode(0o644);
        match e {
            Entry::File(path, data) => {
                h.set_entry_type(tar::EntryType::Regular);
                h.set_size(data.len() as u64);
                // Raw names, so hostile paths reach the reader unchanged.
                set_raw_name(&mut h, path);
                h.set_cksum();
                builder.append(&h, *data).unwrap();
            }
            Entry::Symlink(path, target) | Entry::Hardlink(path, target) => {
                h.set_entry_type(if matches!(e, Entry::Symlink(..)) {
                    tar::EntryType::Symlink
                } else {
                    tar::EntryType::Link
                });
                h.set_size(0);
                set_raw_name(&mut h, path);
                h.set_link_name(target).unwrap();
                h.set_cksum();
                builder.append(&h, std::io::empty()).unwrap();
            }
            Entry::Fifo(path) => {
                h.set_entry_type(tar::EntryType::Fifo);
                h.set_size(0);
                set_raw_name(&mut h, path);
                h.set_cksum();
                builder.append(&h, std::io::empty()).unwrap();
            }
        }
    }
    builder.into_inner().unwrap()
}

fn set_raw_name(h: &mut tar::Header, path: &str) {
    let name = &mut h.as_old_mut().name;
    name.fill(0);
    name[..path.len()].copy_from_slice(path.as_bytes());
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn xz(bytes: &[u8]) -> Vec<u8> {
    let mut w = lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::default()).unwrap();
    w.write_all(bytes).unwrap();
    w.finish().unwrap()
}

fn zip_bytes(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for (name, data) in files {
        w.start_file(*name, options).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn paths(b: &Bundle) -> Vec<&str> {
    b.members.iter().map(|m| &*m.path).collect()
}

fn has_diag(b: &Bundle, level: Level, text: &str) -> bool {
    b.diagnostics
        .iter()
        .any(|d| d.level == level && d.to_string().contains(text))
}

#[test]
fn sosreport_tar_xz_resolves_root_links_inside_the_bundle() {
    let tar = tar_bytes(&[
        Entry::File(
            "sos-web01/sos_commands/date/date",
            b"Sat Nov 21 10:02:11 CET 2026\n",
        ),
        Entry::Symlink("sos-web01/date", "sos_commands/date/date"),
        Entry::Symlink(
            "sos-web01/etc/localtime",
            "/usr/share/zoneinfo/Europe/Berlin",
        ),
        Entry::File(
            "sos-web01/var/log/secure",
            b"Nov 21 09:00:00 h sshd[1]: x\n",
        ),
    ]);
    let b = from_bytes("s.tar.xz", xz(&tar), &Limits::default());
    assert_eq!(
        paths(&b),
        [
            "sos-web01/date",
            "sos-web01/sos_commands/date/date",
            "sos-web01/var/log/secure"
        ]
    );
    assert_eq!(
        b.member("sos-web01/date").unwrap().data,
        b"Sat Nov 21 10:02:11 CET 2026\n"
    );
    assert_eq!(
        b.member("sos-web01/var/log/secure").unwrap().mtime,
        Some(1_763_900_000)
    );
    // The zone link points outside the bundle: not followed, but its target is kept.
    assert!(b
        .links
        .iter()
        .any(|(p, t)| &**p == "sos-web01/etc/localtime" && t.ends_with("Europe/Berlin")));
}

#[test]
fn hostile_tar_entries_are_skipped_and_reported() {
    let tar = tar_bytes(&[
        Entry::File("../../etc/passwd", b"pwned"),
        Entry::File("/etc/shadow", b"pwned"),
        Entry::Symlink("a/shadow", "/etc/shadow"),
        Entry::Symlink("a/out", "../../outside"),
        Entry::Symlink("a/loop1", "loop2"),
        Entry::Symlink("a/loop2", "loop1"),
        Entry::Fifo("a/fifo"),
        Entry::File("a/ok", b"fine"),
        Entry::Hardlink("a/hard", "a/ok"),
    ]);
    let b = from_bytes("t.tar", tar, &Limits::default());
    assert_eq!(paths(&b), ["a/hard", "a/ok"]);
    assert_eq!(b.member("a/hard").unwrap().data, b"fine");
    assert!(has_diag(&b, Level::Warning, "../../etc/passwd"));
    assert!(has_diag(&b, Level::Warning, "/etc/shadow: skipped"));
    assert!(has_diag(&b, Level::Warning, "a/fifo"));
    assert!(has_diag(&b, Level::Info, "a/loop1"));
}

#[test]
fn zip_with_climbing_path_and_nested_tar_gz() {
    let inner = gz(&tar_bytes(&[Entry::File("sos/var/log/secure", b"log")]));
    let z = zip_bytes(&[
        ("../evil.txt", b"x"),
        ("notes/authlog.txt", b"Nov 1 00:00:00 h sshd[1]: y\n"),
        ("upload/sos.tar.gz", &inner),
    ]);
    let b = from_bytes("u.zip", z, &Limits::default());
    assert_eq!(
        paths(&b),
        ["notes/authlog.txt", "upload/sos.tar.gz/sos/var/log/secure"]
    );
    assert!(has_diag(&b, Level::Warning, "../evil.txt"));
}

#[test]
fn archives_deeper_than_the_limit_stay_whole() {
    let innermost = zip_bytes(&[("deep.txt", b"deep")]);
    let middle = zip_bytes(&[("inner.zip", &innermost)]);
    let outer = tar_bytes(&[Entry::File("middle.zip", &middle)]);
    let b = from_bytes("o.tar", outer, &Limits::default());
    assert_eq!(paths(&b), ["middle.zip/inner.zip"]);
    assert!(has_diag(&b, Level::Warning, "not expanded"));
}

#[test]
fn rotated_gz_log_is_decompressed_in_place() {
    let tar = tar_bytes(&[Entry::File(
        "var/log/secure-20261115.gz",
        &gz(b"Nov 15 x\n"),
    )]);
    let b = from_bytes("t.tar", tar, &Limits::default());
    assert_eq!(
        b.member("var/log/secure-20261115.gz").unwrap().data,
        b"Nov 15 x\n"
    );
}

#[test]
fn size_limits_count_decompressed_bytes() {
    // A small gzip that inflates past the member cap: a bomb stops at the cap.
    let bomb = gz(&vec![0u8; 1 << 20]);
    let tar = tar_bytes(&[Entry::File("bomb.gz", &bomb), Entry::File("ok", b"ok")]);
    let limits = Limits {
        max_member_bytes: 64 * 1024,
        ..Limits::default()
    };
    let b = from_bytes("t.tar", tar, &limits);
    assert_eq!(paths(&b), ["ok"]);
    assert!(has_diag(&b, Level::Warning, "bomb.gz"));

    let many = tar_bytes(&[
        Entry::File("a", b"1"),
        Entry::File("b", b"2"),
        Entry::File("c", b"3"),
    ]);
    let b = from_bytes(
        "t.tar",
        many,
        &Limits {
            max_members: 2,
            ..Limits::default()
        },
    );
    assert_eq!(b.members.len(), 2);
    assert!(has_diag(&b, Level::Error, "max-members"));
}

#[test]
fn truncated_tar_gz_keeps_what_came_before() {
    let big = vec![b'x'; 40_000];
    let tar = tar_bytes(&[Entry::File("first", b"first"), Entry::File("second", &big)]);
    let mut data = gz(&tar);
    data.truncate(data.len() / 2);
    let b = from_bytes("t.tar.gz", data, &Limits::default());
    assert!(paths(&b).contains(&"first"));
    assert!(b.diagnostics.iter().any(|d| d.level == Level::Error));
}

#[test]
fn loose_garbage_is_one_member() {
    let b = from_bytes("dir/notes.bin", vec![0, 1, 2, 255], &Limits::default());
    assert_eq!(paths(&b), ["notes.bin"]);
}

#[test]
fn safe_paths() {
    assert_eq!(safe_path("./a//b/").as_deref(), Some("a/b"));
    assert_eq!(safe_path("a\\b").as_deref(), Some("a/b"));
    assert_eq!(safe_path("/a"), None);
    assert_eq!(safe_path("a/../../b"), None);
    assert_eq!(safe_path("C:/x"), None);
    assert_eq!(safe_path("."), None);
}
