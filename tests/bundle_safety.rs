//! End-to-end safety checks of `bundle::open` on real files: a hostile bundle must not make
//! the reader touch anything outside it, write anything to disk, or lose the good members.

use std::fs;
use std::io::Write;
use std::path::Path;

use rootline::bundle::{open, Limits};
use rootline::error::Error;
use rootline::model::Level;

fn tree(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            out.push(path.strip_prefix(root).unwrap().display().to_string());
            if entry.file_type().unwrap().is_dir() {
                pending.push(path);
            }
        }
    }
    out.sort();
    out
}

fn raw_tar_entry(
    builder: &mut tar::Builder<Vec<u8>>,
    name: &str,
    kind: tar::EntryType,
    link: &str,
    data: &[u8],
) {
    let mut header = tar::Header::new_gnu();
    header.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
    header.as_old_mut().linkname[..link.len()].copy_from_slice(link.as_bytes());
    header.set_entry_type(kind);
    header.set_size(data.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    builder.append(&header, data).unwrap();
}

#[test]
fn hostile_tar_gz_on_disk_is_read_without_writing_anything() {
    use tar::EntryType::{Char, Regular, Symlink};
    let dir = tempfile::tempdir().unwrap();
    let mut builder = tar::Builder::new(Vec::new());
    raw_tar_entry(&mut builder, "../../evil", Regular, "", b"pwned");
    raw_tar_entry(&mut builder, "/etc/cron.d/evil", Regular, "", b"pwned");
    raw_tar_entry(&mut builder, "sos/dev/zero", Char, "", b"");
    raw_tar_entry(
        &mut builder,
        "sos/sos_commands/date/date",
        Regular,
        "",
        b"Mon Nov 23\n",
    );
    raw_tar_entry(
        &mut builder,
        "sos/date",
        Symlink,
        "sos_commands/date/date",
        b"",
    );
    raw_tar_entry(&mut builder, "sos/etc/shadow", Symlink, "/etc/shadow", b"");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&builder.into_inner().unwrap()).unwrap();
    let archive = dir.path().join("upload.bin");
    fs::write(&archive, gz.finish().unwrap()).unwrap();
    let before = tree(dir.path());

    let bundle = open(&archive, &Limits::default()).unwrap();

    assert_eq!(tree(dir.path()), before);
    let paths: Vec<&str> = bundle.members.iter().map(|m| &*m.path).collect();
    assert_eq!(paths, ["sos/date", "sos/sos_commands/date/date"]);
    assert_eq!(bundle.member("sos/date").unwrap().data, b"Mon Nov 23\n");
    let named: Vec<(&str, Level)> = bundle
        .diagnostics
        .iter()
        .map(|d| (d.path.as_deref().unwrap_or(""), d.level))
        .collect();
    assert_eq!(
        named,
        [
            ("../../evil", Level::Warning),
            ("/etc/cron.d/evil", Level::Warning),
            ("sos/dev/zero", Level::Warning),
            ("sos/etc/shadow", Level::Info),
        ]
    );
}

#[test]
fn directory_bundle_never_follows_links_out_of_its_root() {
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("secret"), b"do not read").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("sosreport-web1");
    fs::create_dir_all(root.join("sos_commands/date")).unwrap();
    fs::write(root.join("sos_commands/date/date"), b"Mon Nov 23\n").unwrap();

    #[cfg(unix)]
    {
        use std::os::unix::fs::symlink;
        symlink("sos_commands/date/date", root.join("date")).unwrap();
        symlink(outside.path().join("secret"), root.join("stolen")).unwrap();
        symlink(outside.path(), root.join("elsewhere")).unwrap();
        symlink("../../secret", root.join("sos_commands/climb")).unwrap();
    }

    let bundle = open(&root, &Limits::default()).unwrap();
    for member in &bundle.members {
        assert_ne!(member.data, b"do not read", "{} leaked", member.path);
    }
    assert_eq!(
        bundle.member("sos_commands/date/date").unwrap().data,
        b"Mon Nov 23\n"
    );

    #[cfg(unix)]
    {
        let paths: Vec<&str> = bundle.members.iter().map(|m| &*m.path).collect();
        assert_eq!(paths, ["date", "sos_commands/date/date"]);
        for link in ["stolen", "elsewhere", "sos_commands/climb"] {
            assert!(bundle.link_target(link).is_some(), "{link} not recorded");
            assert!(
                bundle
                    .diagnostics
                    .iter()
                    .any(|d| d.path.as_deref() == Some(link)),
                "{link} has no diagnostic: {:?}",
                bundle.diagnostics
            );
        }
    }
}

#[cfg(unix)]
#[test]
fn sockets_in_a_directory_bundle_are_skipped_by_name() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("run")).unwrap();
    let _listener =
        std::os::unix::net::UnixListener::bind(dir.path().join("run/agent.sock")).unwrap();
    fs::write(dir.path().join("hostname"), b"web1\n").unwrap();

    let bundle = open(dir.path(), &Limits::default()).unwrap();

    let paths: Vec<&str> = bundle.members.iter().map(|m| &*m.path).collect();
    assert_eq!(paths, ["hostname"]);
    assert_eq!(bundle.diagnostics.len(), 1, "{:?}", bundle.diagnostics);
    assert_eq!(
        bundle.diagnostics[0].path.as_deref(),
        Some("run/agent.sock")
    );
    assert_eq!(bundle.diagnostics[0].level, Level::Warning);
}

#[test]
fn zip_bomb_on_disk_stops_at_the_limits() {
    let dir = tempfile::tempdir().unwrap();
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..8 {
        writer.start_file(format!("zeros{i}"), options).unwrap();
        writer.write_all(&vec![0u8; 4 << 20]).unwrap();
    }
    let path = dir.path().join("bomb.zip");
    fs::write(&path, writer.finish().unwrap().into_inner()).unwrap();
    let limits = Limits {
        max_total_bytes: 10 << 20,
        ..Limits::default()
    };

    let bundle = open(&path, &limits).unwrap();

    let held: usize = bundle.members.iter().map(|m| m.data.len()).sum();
    assert!(held <= 10 << 20, "held {held} bytes");
    assert_eq!(bundle.members.len(), 2);
    assert!(bundle
        .diagnostics
        .iter()
        .any(|d| d.level == Level::Error && d.message.contains("total size limit")));
}

#[test]
fn missing_path_is_an_error_and_loose_file_is_one_member() {
    let dir = tempfile::tempdir().unwrap();
    match open(&dir.path().join("absent.tar.xz"), &Limits::default()) {
        Err(Error::Io { path, .. }) => assert!(path.ends_with("absent.tar.xz")),
        other => panic!("expected an I/O error, got {other:?}"),
    }

    let log = dir.path().join("secure");
    fs::write(&log, b"Nov 23 14:05:01 web1 sshd[1]: Accepted\n").unwrap();
    let bundle = open(&log, &Limits::default()).unwrap();
    assert_eq!(bundle.members.len(), 1);
    assert_eq!(&*bundle.members[0].path, "secure");
    assert!(bundle.members[0].mtime.is_some());
    assert!(bundle.diagnostics.is_empty(), "{:?}", bundle.diagnostics);
}
