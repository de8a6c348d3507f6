//! Whole-reader tests over archives built in memory: each container format, sosreport
//! layouts, nesting, and the hostile inputs the reader must refuse without losing the rest.

use tar::EntryType;

use super::testutil::{gzip, xz, zip, zip_with_links, TarBuilder, MTIME};
use super::*;
use crate::model::Level;

fn paths(bundle: &Bundle) -> Vec<&str> {
    bundle.members.iter().map(|m| &*m.path).collect()
}

fn data<'b>(bundle: &'b Bundle, path: &str) -> &'b [u8] {
    match bundle.member(path) {
        Some(member) => &member.data,
        None => panic!("no member {path}; members: {:?}", paths(bundle)),
    }
}

/// The one diagnostic about `path`, asserting there is exactly one.
fn diagnostic<'b>(bundle: &'b Bundle, path: &str) -> &'b Diagnostic {
    let found: Vec<&Diagnostic> = bundle
        .diagnostics
        .iter()
        .filter(|d| d.path.as_deref() == Some(path))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "diagnostics for {path}: {:?}",
        bundle.diagnostics
    );
    found[0]
}

fn read(name: &str, bytes: Vec<u8>) -> Bundle {
    from_bytes(name, bytes, &Limits::default())
}

fn small_limits() -> Limits {
    Limits {
        max_total_bytes: 1 << 20,
        max_members: 1000,
        max_member_bytes: 64 << 10,
        max_depth: 1,
    }
}

#[test]
fn garbage_bytes_are_one_loose_member() {
    let garbage: Vec<u8> = (0..3000u32).map(|i| (i * 7919 % 256) as u8).collect();
    let bundle = read("uploads/blob.bin", garbage.clone());
    assert_eq!(paths(&bundle), ["blob.bin"]);
    assert_eq!(data(&bundle, "blob.bin"), &garbage[..]);
    assert!(bundle.diagnostics.is_empty(), "{:?}", bundle.diagnostics);
    assert_eq!(bundle.name, "uploads/blob.bin");
}

#[test]
fn plain_tar_members_are_sorted_clean_and_dated() {
    let tar = TarBuilder::new()
        .dir("./etc/")
        .file("./etc/ssh/sshd_config", b"Port 22\n")
        .file("etc//hosts", b"127.0.0.1 localhost\n")
        .finish();
    let bundle = read("bundle.tar", tar);
    assert_eq!(paths(&bundle), ["etc/hosts", "etc/ssh/sshd_config"]);
    assert_eq!(data(&bundle, "etc/ssh/sshd_config"), b"Port 22\n");
    assert_eq!(bundle.members[0].mtime, Some(MTIME as i64));
    assert!(bundle.diagnostics.is_empty(), "{:?}", bundle.diagnostics);
}

#[test]
fn old_style_tar_without_magic_is_read() {
    let mut builder = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_old();
    header.set_path("var/log/secure").unwrap();
    header.set_size(4);
    header.set_mode(0o600);
    header.set_cksum();
    builder.append(&header, &b"line"[..]).unwrap();
    let bundle = read("old.tar", builder.into_inner().unwrap());
    assert_eq!(paths(&bundle), ["var/log/secure"]);
    assert_eq!(data(&bundle, "var/log/secure"), b"line");
}

#[test]
fn tar_gz_is_read_whatever_its_name() {
    let tar = TarBuilder::new()
        .file("var/log/secure", b"Nov 23 sshd[1]: hi\n")
        .finish();
    let bundle = read("misnamed.zip", gzip(&tar));
    assert_eq!(paths(&bundle), ["var/log/secure"]);
    assert_eq!(data(&bundle, "var/log/secure"), b"Nov 23 sshd[1]: hi\n");
}

#[test]
fn sosreport_tar_xz_resolves_top_level_links() {
    let root = "sosreport-web1-2026-11-23-abcdef";
    let tar = TarBuilder::new()
        .dir(&format!("{root}/"))
        .file(
            &format!("{root}/sos_commands/date/date"),
            b"Mon Nov 23 14:05:01 CET 2026\n",
        )
        .file(&format!("{root}/sos_commands/host/uptime"), b"up 3 days\n")
        .symlink(&format!("{root}/date"), "sos_commands/date/date")
        .symlink(&format!("{root}/uptime"), "./sos_commands/host/uptime")
        .file(
            &format!("{root}/usr/share/zoneinfo/Europe/Berlin"),
            b"TZif2",
        )
        .symlink(
            &format!("{root}/etc/localtime"),
            "/usr/share/zoneinfo/Europe/Berlin",
        )
        .symlink(&format!("{root}/etc/adjtime"), "../var/lib/adjtime")
        .finish();
    let bundle = read("sosreport.tar.xz", xz(&tar));

    assert_eq!(
        data(&bundle, &format!("{root}/date")),
        b"Mon Nov 23 14:05:01 CET 2026\n"
    );
    assert_eq!(data(&bundle, &format!("{root}/uptime")), b"up 3 days\n");
    assert_eq!(data(&bundle, &format!("{root}/etc/localtime")), b"TZif2");
    assert_eq!(
        bundle.link_target(&format!("{root}/etc/localtime")),
        Some("/usr/share/zoneinfo/Europe/Berlin")
    );

    let adjtime = format!("{root}/etc/adjtime");
    assert!(bundle.member(&adjtime).is_none());
    assert_eq!(bundle.link_target(&adjtime), Some("../var/lib/adjtime"));
    let d = diagnostic(&bundle, &adjtime);
    assert_eq!(d.level, Level::Info);
    assert!(d.message.contains("../var/lib/adjtime"), "{}", d.message);
    assert_eq!(bundle.diagnostics.len(), 1, "{:?}", bundle.diagnostics);
}

#[test]
fn zip_entries_and_symlinks_are_read() {
    let bytes = zip_with_links(
        &[
            ("supportconfig/", b""),
            ("supportconfig/ssh.txt", b"# sshd -T\nport 22\n"),
            ("supportconfig\\windows.txt", b"backslashes"),
        ],
        &[("supportconfig/current", "ssh.txt")],
    );
    let bundle = read("scc.zip", bytes);
    assert_eq!(
        paths(&bundle),
        [
            "supportconfig/current",
            "supportconfig/ssh.txt",
            "supportconfig/windows.txt"
        ]
    );
    assert_eq!(
        data(&bundle, "supportconfig/current"),
        b"# sshd -T\nport 22\n"
    );
    assert_eq!(bundle.link_target("supportconfig/current"), Some("ssh.txt"));
}

#[test]
fn empty_zip_has_no_members_and_no_complaint() {
    let bundle = read("empty.zip", zip(&[]));
    assert!(bundle.members.is_empty());
    assert!(bundle.diagnostics.is_empty(), "{:?}", bundle.diagnostics);
}

#[test]
fn zip_inside_tar_gz_is_expanded_under_its_path() {
    let inner = zip(&[("etc/ssh/sshd_config", b"PermitRootLogin no\n")]);
    let tar = TarBuilder::new()
        .file("host/extra.zip", &inner)
        .file("host/var/log/secure", b"log\n")
        .finish();
    let bundle = read("outer.tgz", gzip(&tar));
    assert_eq!(
        paths(&bundle),
        ["host/extra.zip/etc/ssh/sshd_config", "host/var/log/secure"]
    );
    assert_eq!(
        data(&bundle, "host/extra.zip/etc/ssh/sshd_config"),
        b"PermitRootLogin no\n"
    );
}

#[test]
fn tar_gz_inside_zip_is_expanded_under_its_path() {
    let inner = gzip(
        &TarBuilder::new()
            .file("./var/log/auth.log", b"auth\n")
            .finish(),
    );
    let bundle = read("case.zip", zip(&[("upload/sos.tar.gz", &inner)]));
    assert_eq!(paths(&bundle), ["upload/sos.tar.gz/var/log/auth.log"]);
    assert_eq!(
        data(&bundle, "upload/sos.tar.gz/var/log/auth.log"),
        b"auth\n"
    );
}

#[test]
fn archive_beyond_max_depth_is_kept_whole_with_a_warning() {
    let innermost = TarBuilder::new().file("deep.txt", b"deep").finish();
    let middle = zip(&[("inner.tar", &innermost)]);
    let tar = TarBuilder::new().file("middle.zip", &middle).finish();
    let bundle = read("outer.tar", tar);
    assert_eq!(paths(&bundle), ["middle.zip/inner.tar"]);
    assert_eq!(data(&bundle, "middle.zip/inner.tar"), &innermost[..]);
    let d = diagnostic(&bundle, "middle.zip/inner.tar");
    assert_eq!(d.level, Level::Warning);
    assert!(d.message.contains("not expanded"), "{}", d.message);
}

#[test]
fn rotated_compressed_logs_keep_their_stored_path() {
    let tar = TarBuilder::new()
        .file("var/log/secure-20261115.gz", &gzip(b"Nov 15 old line\n"))
        .file("var/log/auth.log.2.xz", &xz(b"Nov 14 older line\n"))
        .finish();
    let bundle = read("b.tar", tar);
    assert_eq!(
        data(&bundle, "var/log/secure-20261115.gz"),
        b"Nov 15 old line\n"
    );
    assert_eq!(
        data(&bundle, "var/log/auth.log.2.xz"),
        b"Nov 14 older line\n"
    );
    assert!(bundle.diagnostics.is_empty(), "{:?}", bundle.diagnostics);
}

#[test]
fn loose_gzip_file_is_one_decompressed_member() {
    let bundle = read(
        "uploads/case-1/secure-20261115.gz",
        gzip(b"line one\nline two\n"),
    );
    assert_eq!(paths(&bundle), ["secure-20261115.gz"]);
    assert_eq!(data(&bundle, "secure-20261115.gz"), b"line one\nline two\n");
}

#[test]
fn short_loose_gzip_damaged_at_its_end_keeps_its_text() {
    let mut packed = gzip(b"Nov 23 14:05:01 web1 sshd[1]: Accepted\n");
    packed.truncate(packed.len() - 6);
    let bundle = read("secure.gz", packed);
    assert_eq!(paths(&bundle), ["secure.gz"]);
    assert_eq!(
        data(&bundle, "secure.gz"),
        b"Nov 23 14:05:01 web1 sshd[1]: Accepted\n"
    );
    let d = diagnostic(&bundle, "secure.gz");
    assert_eq!(d.level, Level::Error);
    assert!(d.message.contains("before the damage"), "{}", d.message);
}

#[test]
fn damaged_compressed_members_keep_what_can_be_read_with_an_error() {
    let text: Vec<u8> = (0..5000u32)
        .flat_map(|i| format!("line {i}\n").into_bytes())
        .collect();
    let packed = gzip(&text);
    let header_only = &packed[..10];
    let cut = &packed[..packed.len() / 2];
    let tar = TarBuilder::new()
        .file("var/log/messages-1.gz", header_only)
        .file("var/log/messages-2.gz", cut)
        .finish();
    let bundle = read("b.tar", tar);

    assert_eq!(data(&bundle, "var/log/messages-1.gz"), header_only);
    let d = diagnostic(&bundle, "var/log/messages-1.gz");
    assert_eq!(d.level, Level::Error);
    assert!(
        d.message.contains("kept the compressed bytes"),
        "{}",
        d.message
    );

    let partial = data(&bundle, "var/log/messages-2.gz");
    assert!(!partial.is_empty() && text.starts_with(partial));
    let d = diagnostic(&bundle, "var/log/messages-2.gz");
    assert!(d.message.contains("before the damage"), "{}", d.message);
}

#[test]
fn climbing_and_absolute_paths_are_skipped_and_named() {
    let tar = TarBuilder::new()
        .file("../../etc/passwd", b"root:x:0:0\n")
        .file("/etc/shadow", b"root:*:\n")
        .file("etc/hostname", b"web1\n")
        .finish();
    let bundle = read("hostile.tar", tar);
    assert_eq!(paths(&bundle), ["etc/hostname"]);
    for name in ["../../etc/passwd", "/etc/shadow"] {
        let d = diagnostic(&bundle, name);
        assert_eq!(d.level, Level::Warning);
        assert!(d.message.starts_with("skipped entry"), "{}", d.message);
    }
}

#[test]
fn links_out_of_the_bundle_are_not_followed() {
    let tar = TarBuilder::new()
        .file("etc/hostname", b"web1\n")
        .symlink("shadow", "/etc/shadow")
        .symlink("etc/escape", "../../outside")
        .finish();
    let bundle = read("links.tar", tar);
    assert_eq!(paths(&bundle), ["etc/hostname"]);

    let shadow = diagnostic(&bundle, "shadow");
    assert_eq!(shadow.level, Level::Info);
    assert!(shadow.message.contains("/etc/shadow"), "{}", shadow.message);
    let escape = diagnostic(&bundle, "etc/escape");
    assert_eq!(escape.level, Level::Warning);
    assert!(
        escape.message.contains("../../outside"),
        "{}",
        escape.message
    );
    assert!(
        escape.message.contains("outside the bundle"),
        "{}",
        escape.message
    );
    assert_eq!(
        bundle.links,
        vec![
            (Arc::from("etc/escape"), "../../outside".to_owned()),
            (Arc::from("shadow"), "/etc/shadow".to_owned()),
        ]
    );
}

#[test]
fn hard_link_copies_its_target() {
    let tar = TarBuilder::new()
        .file("sos/sos_commands/process/ps_auxwww", b"USER PID\n")
        .hardlink("sos/ps", "sos/sos_commands/process/ps_auxwww")
        .finish();
    let bundle = read("h.tar", tar);
    assert_eq!(data(&bundle, "sos/ps"), b"USER PID\n");
    assert!(bundle.diagnostics.is_empty(), "{:?}", bundle.diagnostics);
}

#[test]
fn device_nodes_and_fifos_are_skipped() {
    let tar = TarBuilder::new()
        .special("dev/sda", EntryType::Block)
        .special("dev/null", EntryType::Char)
        .special("run/pipe", EntryType::Fifo)
        .file("etc/fstab", b"/dev/sda1 / xfs\n")
        .finish();
    let bundle = read("d.tar", tar);
    assert_eq!(paths(&bundle), ["etc/fstab"]);
    for name in ["dev/sda", "dev/null", "run/pipe"] {
        assert_eq!(diagnostic(&bundle, name).level, Level::Warning);
    }
}

#[test]
fn link_loop_ends_in_a_warning() {
    let tar = TarBuilder::new()
        .symlink("a", "b")
        .symlink("b", "c")
        .symlink("c", "a")
        .file("real", b"x")
        .finish();
    let bundle = read("loop.tar", tar);
    assert_eq!(paths(&bundle), ["real"]);
    for name in ["a", "b", "c"] {
        let d = diagnostic(&bundle, name);
        assert_eq!(d.level, Level::Warning);
        assert!(d.message.contains("loop"), "{}", d.message);
    }
}

#[test]
fn member_over_the_size_cap_is_skipped() {
    let big = vec![b'a'; 100 << 10];
    let tar = TarBuilder::new()
        .file("var/log/huge", &big)
        .file("var/log/small", b"ok")
        .finish();
    let bundle = from_bytes("cap.tar", tar, &small_limits());
    assert_eq!(paths(&bundle), ["var/log/small"]);
    let d = diagnostic(&bundle, "var/log/huge");
    assert_eq!(d.level, Level::Warning);
    assert!(d.message.contains("65536"), "{}", d.message);
}

#[test]
fn zip_bomb_member_stops_at_the_member_cap() {
    let zeros = vec![0u8; 8 << 20];
    let bundle = from_bytes(
        "bomb.zip",
        zip(&[("bomb", &zeros), ("note", b"kept")]),
        &small_limits(),
    );
    assert_eq!(paths(&bundle), ["note"]);
    assert!(diagnostic(&bundle, "bomb")
        .message
        .contains("per-member limit"));
}

#[test]
fn gzip_bomb_stops_at_the_total_cap() {
    let mut tar = TarBuilder::new();
    for i in 0..40 {
        tar = tar.file(&format!("part{i:02}"), &vec![0u8; 60 << 10]);
    }
    let bundle = from_bytes("bomb.tar.gz", gzip(&tar.finish()), &small_limits());
    let kept = bundle.members.len();
    assert!((10..40).contains(&kept), "kept {kept}");
    let stops: Vec<&Diagnostic> = bundle
        .diagnostics
        .iter()
        .filter(|d| d.message.starts_with("stopped reading"))
        .collect();
    assert_eq!(stops.len(), 1, "{:?}", bundle.diagnostics);
    assert_eq!(stops[0].level, Level::Error);
    assert!(
        stops[0].message.contains("1048576 bytes"),
        "{}",
        stops[0].message
    );
}

#[test]
fn member_count_limit_stops_reading() {
    let mut tar = TarBuilder::new();
    for i in 0..10 {
        tar = tar.file(&format!("f{i}"), b"x");
    }
    let limits = Limits {
        max_members: 4,
        ..Limits::default()
    };
    let bundle = from_bytes("many.tar", tar.finish(), &limits);
    assert_eq!(paths(&bundle), ["f0", "f1", "f2", "f3"]);
    assert_eq!(bundle.diagnostics.len(), 1, "{:?}", bundle.diagnostics);
    assert!(bundle.diagnostics[0].message.contains("limit of 4 members"));
}

#[test]
fn truncated_tar_gz_keeps_what_came_before() {
    let noise = |seed: u32, len: u32| -> Vec<u8> {
        (0..len)
            .map(|i| (i.wrapping_mul(2_654_435_761).wrapping_add(seed) >> 13) as u8)
            .collect()
    };
    let tar = TarBuilder::new()
        .file("one", &noise(1, 20_000))
        .file("two", &noise(2, 20_000))
        .file("three", &noise(3, 200_000))
        .finish();
    let mut packed = gzip(&tar);
    packed.truncate(packed.len() * 3 / 4);
    let bundle = read("cut.tar.gz", packed);
    assert!(
        data(&bundle, "one") == noise(1, 20_000),
        "{:?}",
        bundle.diagnostics
    );
    assert!(
        data(&bundle, "two") == noise(2, 20_000),
        "{:?}",
        bundle.diagnostics
    );
    assert!(
        bundle.diagnostics.iter().any(|d| d.level == Level::Error
            && d.path.as_deref() == Some("cut.tar.gz")
            && d.message.starts_with("archive is damaged after")),
        "{:?}",
        bundle.diagnostics
    );
    if let Some(three) = bundle.member("three") {
        assert!(three.data.len() < 200_000);
        assert_eq!(diagnostic(&bundle, "three").level, Level::Error);
    }
}

#[test]
fn truncated_zip_is_read_entry_by_entry() {
    let mut bytes = zip(&[("first.txt", b"first"), ("second.txt", b"second")]);
    bytes.truncate(bytes.len() - 30);
    let bundle = read("cut.zip", bytes);
    assert_eq!(paths(&bundle), ["first.txt", "second.txt"]);
    assert_eq!(data(&bundle, "second.txt"), b"second");
    assert!(
        bundle.diagnostics.iter().any(|d| d.level == Level::Error
            && d.path.as_deref() == Some("cut.zip")
            && d.message.contains("central directory")),
        "{:?}",
        bundle.diagnostics
    );
}

#[test]
fn duplicate_paths_keep_the_last_copy() {
    let tar = TarBuilder::new()
        .file("etc/motd", b"first")
        .file("./etc/motd", b"second")
        .finish();
    let bundle = read("dup.tar", tar);
    assert_eq!(data(&bundle, "etc/motd"), b"second");
    assert!(diagnostic(&bundle, "etc/motd").message.contains("2 times"));
}
