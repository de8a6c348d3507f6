//! File listings: who owns a path and what its mode is.
//!
//! sshd's StrictModes refuses keys when the home directory, `~/.ssh` or `authorized_keys`
//! is group/world-writable or owned by someone else, and bundles only show that through
//! captured listings. This module reads:
//!
//! * `ls -l`, `ls -la`, `ls -ld`, `ls -lR` / `ls -alRh` (sosreport `ls_-alRh_.var.log`):
//!
//!   ```text
//!   /home/alice:
//!   total 12K
//!   drwxr-x---+ 3 alice alice 4.0K Nov 23 14:05 .
//!   lrwxrwxrwx  1 root  root     7 Nov 23  2025 bin -> usr/bin
//!   crw-rw-rw-  1 root  root  1, 3 2026-11-23 14:05 null
//!   ```
//! * `stat` (`File: /home/alice/.ssh` ... `Access: (0700/drwx------)  Uid: ( 1000/ alice)`).
//!
//! Every entry carries its full path when a directory header or an absolute name gives it.

use crate::model::Diagnostic;
use crate::util::words_with_offsets as words;

/// What kind of file an entry is, from the first mode character.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileType {
    Regular,
    Directory,
    Symlink,
    CharDevice,
    BlockDevice,
    Fifo,
    Socket,
}

impl FileType {
    fn from_char(c: char) -> Option<FileType> {
        Some(match c {
            '-' => FileType::Regular,
            'd' => FileType::Directory,
            'l' => FileType::Symlink,
            'c' => FileType::CharDevice,
            'b' => FileType::BlockDevice,
            'p' => FileType::Fifo,
            's' => FileType::Socket,
            _ => return None,
        })
    }

    /// The `st_mode` type bits.
    pub fn bits(self) -> u32 {
        match self {
            FileType::Fifo => 0o010000,
            FileType::CharDevice => 0o020000,
            FileType::Directory => 0o040000,
            FileType::BlockDevice => 0o060000,
            FileType::Regular => 0o100000,
            FileType::Symlink => 0o120000,
            FileType::Socket => 0o140000,
        }
    }

    fn from_stat_text(s: &str) -> Option<FileType> {
        Some(match s.trim() {
            "directory" => FileType::Directory,
            "regular file" | "regular empty file" => FileType::Regular,
            "symbolic link" => FileType::Symlink,
            "character special file" => FileType::CharDevice,
            "block special file" => FileType::BlockDevice,
            "fifo" => FileType::Fifo,
            "socket" => FileType::Socket,
            _ => return None,
        })
    }
}

/// The character ls prints after the mode when a file has more than its mode bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttrMarker {
    /// `.`: an SELinux context and nothing else.
    SecurityContext,
    /// `+`: an ACL, which can grant write access the mode bits do not show.
    Acl,
    /// `@`: extended attributes (macOS-style listings).
    Xattr,
}

/// One listed file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Full path when known (directory header, absolute name or `stat`), else the name.
    pub path: String,
    pub name: String,
    pub file_type: FileType,
    /// Permission bits including setuid/setgid/sticky (`drwxr-x---` → `0o750`).
    pub perm: u32,
    pub marker: Option<AttrMarker>,
    pub links: Option<u32>,
    /// Owner as printed: a name, or digits with `ls -n`.
    pub owner: String,
    pub group: Option<String>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    /// Bytes; for `-h` sizes (`4.0K`) an approximation.
    pub size: Option<u64>,
    pub size_text: Option<String>,
    /// `(major, minor)` for device files.
    pub device: Option<(u32, u32)>,
    pub mtime_text: Option<String>,
    pub target: Option<String>,
    pub line: usize,
}

impl Entry {
    /// `st_mode`: type bits and permission bits.
    pub fn mode(&self) -> u32 {
        self.file_type.bits() | self.perm
    }
    pub fn group_writable(&self) -> bool {
        self.perm & 0o020 != 0
    }
    pub fn world_writable(&self) -> bool {
        self.perm & 0o002 != 0
    }
    /// True when the owner is `user` or root, by name or number.
    pub fn owned_by_user_or_root(&self, user: &str, uid: Option<u32>) -> bool {
        let owner_uid = self.uid.or_else(|| self.owner.parse().ok());
        self.owner == user
            || self.owner == "root"
            || owner_uid == Some(0)
            || (uid.is_some() && owner_uid == uid)
    }
}

/// A parsed listing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Listing {
    pub entries: Vec<Entry>,
}

fn normalise(path: &str) -> &str {
    let t = path.trim_end_matches('/');
    if t.is_empty() && path.starts_with('/') {
        "/"
    } else {
        t
    }
}

impl Listing {
    /// The entry for a path. A directory's own `.` line is preferred over the `..` line a
    /// child directory's listing prints for it, since `..` can be a mount point's view.
    pub fn find(&self, path: &str) -> Option<&Entry> {
        let want = normalise(path);
        let hits = || self.entries.iter().filter(|e| normalise(&e.path) == want);
        hits().find(|e| e.name != "..").or_else(|| hits().next())
    }
}

/// `drwxr-x---` (optionally with a trailing `.`/`+`/`@`) → full `st_mode`, e.g. `0o40750`.
pub fn mode_from_symbolic(s: &str) -> Option<u32> {
    let (ft, perm, _) = split_mode(s)?;
    Some(ft.bits() | perm)
}

fn split_mode(s: &str) -> Option<(FileType, u32, Option<AttrMarker>)> {
    let chars: Vec<char> = s.chars().collect();
    if !(chars.len() == 10 || chars.len() == 11) {
        return None;
    }
    let ft = FileType::from_char(chars[0])?;
    let mut perm = 0u32;
    for (i, triple) in chars[1..10].chunks(3).enumerate() {
        let shift = 6 - 3 * i as u32;
        perm |= perm_triple(triple, i, shift)?;
    }
    let marker = match chars.get(10) {
        None => None,
        Some('.') => Some(AttrMarker::SecurityContext),
        Some('+') => Some(AttrMarker::Acl),
        Some('@') => Some(AttrMarker::Xattr),
        Some(_) => return None,
    };
    Some((ft, perm, marker))
}

/// One `rwx` triple; the execute slot also carries setuid (`s`/`S`), setgid or sticky (`t`/`T`).
fn perm_triple(t: &[char], index: usize, shift: u32) -> Option<u32> {
    let mut bits = 0;
    match t[0] {
        'r' => bits |= 4,
        '-' => {}
        _ => return None,
    }
    match t[1] {
        'w' => bits |= 2,
        '-' => {}
        _ => return None,
    }
    let special = [0o4000, 0o2000, 0o1000][index];
    let special_char = if index == 2 { ['t', 'T'] } else { ['s', 'S'] };
    let extra = match t[2] {
        'x' => 1 << shift,
        '-' => 0,
        c if c == special_char[0] => special | (1 << shift),
        c if c == special_char[1] => special,
        _ => return None,
    };
    Some((bits << shift) | extra)
}

/// `4.0K`, `11M`, `977` → bytes (binary multiples, as `ls -h` uses).
fn parse_size(s: &str) -> Option<u64> {
    let (num, mult) = match s.char_indices().last()? {
        (i, c) if c.is_ascii_alphabetic() => {
            let exp = "KMGTPE".find(c.to_ascii_uppercase())? as u32 + 1;
            (&s[..i], 1024u64.checked_pow(exp)?)
        }
        _ => (s, 1),
    };
    let n: f64 = num.replace(',', ".").parse().ok()?;
    (n.is_finite() && n >= 0.0).then_some((n * mult as f64) as u64)
}

fn is_month(s: &str) -> bool {
    const M: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    M.contains(&s)
}

fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && s.chars().filter(|c| c.is_ascii_digit()).count() == 8
}

/// How many words the time stamp starting at `w[i]` takes, or `None` if none starts there.
fn mtime_len(w: &[(usize, &str)], i: usize) -> Option<usize> {
    let first = w.get(i)?.1;
    if is_month(first) {
        return (w.len() > i + 2).then_some(3);
    }
    if is_iso_date(first) {
        let has_zone = w
            .get(i + 2)
            .is_some_and(|z| z.1.len() == 5 && (z.1.starts_with('+') || z.1.starts_with('-')));
        return Some(if has_zone { 3 } else { 2 });
    }
    None
}

struct Fields {
    group: Option<String>,
    size_text: Option<String>,
    device: Option<(u32, u32)>,
    mtime_at: usize,
}

/// Reads group, size or device numbers between the owner and the time stamp; tries the
/// usual layout first, then the one without a group column (`ls -lo`, `ls -g`).
fn middle_fields(w: &[(usize, &str)], i: usize) -> Option<Fields> {
    let as_device = |a: &str, b: &str| -> Option<(u32, u32)> {
        Some((a.strip_suffix(',')?.parse().ok()?, b.parse().ok()?))
    };
    for has_group in [true, false] {
        let j = if has_group { i + 1 } else { i };
        let group = has_group
            .then(|| w.get(i).map(|x| x.1.to_owned()))
            .flatten();
        if has_group && group.is_none() {
            continue;
        }
        let Some(&(_, a)) = w.get(j) else { continue };
        if let Some(dev) = w.get(j + 1).and_then(|b| as_device(a, b.1)) {
            if mtime_len(w, j + 2).is_some() {
                return Some(Fields {
                    group,
                    size_text: None,
                    device: Some(dev),
                    mtime_at: j + 2,
                });
            }
        }
        if let Some((maj, min)) = a.split_once(',').filter(|(_, m)| !m.is_empty()) {
            if let (Ok(maj), Ok(min)) = (maj.parse(), min.parse()) {
                if mtime_len(w, j + 1).is_some() {
                    return Some(Fields {
                        group,
                        size_text: None,
                        device: Some((maj, min)),
                        mtime_at: j + 1,
                    });
                }
            }
        }
        if parse_size(a).is_some() && mtime_len(w, j + 1).is_some() {
            return Some(Fields {
                group,
                size_text: Some(a.to_owned()),
                device: None,
                mtime_at: j + 1,
            });
        }
    }
    None
}

fn unquote(name: &str) -> &str {
    let q = |c: char| name.len() >= 2 && name.starts_with(c) && name.ends_with(c);
    if q('\'') || q('"') {
        &name[1..name.len() - 1]
    } else {
        name
    }
}

fn join(dir: Option<&str>, name: &str) -> String {
    match dir {
        _ if name.starts_with('/') => name.to_owned(),
        None => name.to_owned(),
        Some(d) => match name {
            "." => normalise(d).to_owned(),
            ".." => match normalise(d).rsplit_once('/') {
                Some(("", _)) => "/".to_owned(),
                Some((parent, _)) => parent.to_owned(),
                None => "..".to_owned(),
            },
            _ => format!("{}/{}", normalise(d).trim_end_matches('/'), name),
        },
    }
}

/// Parses one `ls -l` line. `dir` is the directory header in force.
pub fn parse_ls_line(line: &str, line_no: usize, dir: Option<&str>) -> Option<Entry> {
    let w = words(line);
    let (ft, perm, marker) = split_mode(w.first()?.1)?;
    let links: u32 = w.get(1)?.1.parse().ok()?;
    let owner = w.get(2)?.1.to_owned();
    let f = middle_fields(&w, 3)?;
    let n = mtime_len(&w, f.mtime_at)?;
    let mtime_words = &w[f.mtime_at..f.mtime_at + n];
    let mtime_text = mtime_words
        .iter()
        .map(|x| x.1)
        .collect::<Vec<_>>()
        .join(" ");
    let name_start = w.get(f.mtime_at + n)?.0;
    let raw_name = line[name_start..].trim_end();
    let (name, target) = match raw_name
        .split_once(" -> ")
        .filter(|_| ft == FileType::Symlink)
    {
        Some((n, t)) => (unquote(n), Some(unquote(t).to_owned())),
        None => (unquote(raw_name), None),
    };
    let numeric = |s: &str| s.parse::<u32>().ok();
    Some(Entry {
        path: join(dir, name),
        name: name.to_owned(),
        file_type: ft,
        perm,
        marker,
        links: Some(links),
        uid: numeric(&owner),
        gid: f.group.as_deref().and_then(numeric),
        owner,
        group: f.group,
        size: f.size_text.as_deref().and_then(parse_size),
        size_text: f.size_text,
        device: f.device,
        mtime_text: Some(mtime_text),
        target,
        line: line_no,
    })
}

/// Parses `ls -l`-family output, recursive listings included.
/// For a shell prompt line that runs `ls`, the folder it lists (`Some(None)` when it lists
/// the current folder or several); `None` when the line is not such a prompt.
fn prompt_listing_dir(line: &str) -> Option<Option<String>> {
    let command = ["$ ", "# ", "% "]
        .iter()
        .find_map(|p| line.find(p).map(|i| &line[i + p.len()..]))?;
    let mut words = command.split_whitespace();
    if words.next()? != "ls" {
        return None;
    }
    let operands: Vec<&str> = words.filter(|w| !w.starts_with('-')).collect();
    Some(match operands.as_slice() {
        [one] if one.starts_with('/') => Some(one.trim_end_matches('/').to_owned()),
        _ => None,
    })
}

pub fn parse_ls(text: &str, diags: &mut Vec<Diagnostic>) -> Listing {
    let mut out = Listing::default();
    let mut dir: Option<String> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        let t = line.trim();
        if t.is_empty() || t.starts_with("total ") {
            continue;
        }
        if let Some(e) = parse_ls_line(line, i + 1, dir.as_deref()) {
            out.entries.push(e);
        } else if let Some(d) = t.strip_suffix(':') {
            dir = Some(d.to_owned());
        } else if let Some(listed) = prompt_listing_dir(t) {
            // A terminal transcript: `$ ls -la /home` names the folder the lines are in.
            dir = listed;
        } else if let Some(msg) = t.strip_prefix("ls: ") {
            diags.push(Diagnostic::warning(format!("ls reported: {msg}")).at_line(i + 1));
        } else {
            diags.push(Diagnostic::warning("line is not an ls -l entry").at_line(i + 1));
        }
    }
    out
}

fn stat_quoted(s: &str) -> &str {
    s.trim()
        .trim_start_matches(['\'', '‘', '"', '`'])
        .trim_end_matches(['\'', '’', '"'])
}

/// `( 1000/   alice)` → (id, name).
fn stat_id(s: &str) -> Option<(u32, String)> {
    let inner = s.trim().strip_prefix('(')?.split(')').next()?;
    let (id, name) = inner.split_once('/')?;
    Some((id.trim().parse().ok()?, name.trim().to_owned()))
}

fn stat_value<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let at = line.find(key)?;
    let rest = &line[at + key.len()..];
    Some(rest.split('\t').next().unwrap_or(rest).trim())
}

fn apply_stat_access(e: &mut Entry, line: &str) -> Option<()> {
    let paren = line.split_once("Access: (")?.1;
    let (_, sym) = paren.split(')').next()?.split_once('/')?;
    let (ft, perm, marker) = split_mode(sym)?;
    e.file_type = ft;
    e.perm = perm;
    e.marker = marker;
    let (uid, owner) = stat_id(line.split_once("Uid:")?.1)?;
    e.uid = Some(uid);
    e.owner = owner;
    if let Some((gid, group)) = line.split_once("Gid:").and_then(|(_, g)| stat_id(g)) {
        e.gid = Some(gid);
        e.group = Some(group);
    }
    Some(())
}

fn new_stat_entry(value: &str, line: usize) -> Entry {
    let (name, target) = match value.split_once(" -> ") {
        Some((n, t)) => (stat_quoted(n), Some(stat_quoted(t).to_owned())),
        None => (stat_quoted(value), None),
    };
    Entry {
        path: name.to_owned(),
        name: name.rsplit('/').next().unwrap_or(name).to_owned(),
        file_type: FileType::Regular,
        perm: 0,
        marker: None,
        links: None,
        owner: String::new(),
        group: None,
        uid: None,
        gid: None,
        size: None,
        size_text: None,
        device: None,
        mtime_text: None,
        target,
        line,
    }
}

/// Parses `stat FILE...` output into entries (the line is the `File:` line).
pub fn parse_stat(text: &str, diags: &mut Vec<Diagnostic>) -> Listing {
    let mut out = Listing::default();
    let mut access_seen = false;
    for (i, raw) in text.lines().enumerate() {
        let t = raw.trim();
        if let Some(v) = t.strip_prefix("File: ") {
            if out.entries.last().is_some_and(|_| !access_seen) {
                diags.push(
                    Diagnostic::warning("stat entry without an Access: mode line").at_line(i + 1),
                );
                out.entries.pop();
            }
            out.entries.push(new_stat_entry(v, i + 1));
            access_seen = false;
            continue;
        }
        let Some(e) = out.entries.last_mut() else {
            if !t.is_empty() {
                diags.push(Diagnostic::info("line outside a stat entry").at_line(i + 1));
            }
            continue;
        };
        if t.starts_with("Size:") {
            e.size_text = stat_value(t, "Size:").map(str::to_owned);
            e.size = e.size_text.as_deref().and_then(parse_size);
            if let Some(ft) = t.rsplit('\t').next().and_then(FileType::from_stat_text) {
                e.file_type = ft;
            }
        } else if t.contains("Links:") {
            e.links =
                stat_value(t, "Links:").and_then(|v| v.split_whitespace().next()?.parse().ok());
        } else if t.starts_with("Access: (") {
            access_seen = apply_stat_access(e, t).is_some();
            if !access_seen {
                diags.push(Diagnostic::warning("unreadable stat Access: line").at_line(i + 1));
            }
        } else if let Some(m) = t.strip_prefix("Modify: ") {
            e.mtime_text = Some(m.trim().to_owned());
        }
    }
    if out.entries.last().is_some() && !access_seen {
        out.entries.pop();
        diags.push(Diagnostic::warning(
            "last stat entry has no Access: mode line",
        ));
    }
    out
}

/// Confidence that a text is `ls -l`-style output or `stat` output.
pub fn sniff(head: &str) -> f32 {
    if head.contains("File: ") && head.contains("Access: (") && head.contains("Uid: (") {
        return 0.95;
    }
    let lines: Vec<&str> = head
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("total ") && !l.ends_with(':'))
        .collect();
    if lines.is_empty() {
        return 0.0;
    }
    let hits = lines
        .iter()
        .enumerate()
        .filter(|(i, l)| parse_ls_line(l, *i, None).is_some())
        .count();
    0.95 * hits as f32 / lines.len() as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transcript_prompts_name_the_listed_folder() {
        let text = "$ ls -la /home\ntotal 20\ndrwxrwxr-x  5 dave dave 4096 Nov 19 10:02 dave\n\
user@host:~$ ls -la /home/dave/.ssh\n-rw-rw-r-- 1 dave dave 100 Nov 19 10:02 authorized_keys\n";
        let mut d = Vec::new();
        let l = parse_ls(text, &mut d);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(l.find("/home/dave").unwrap().perm, 0o775);
        assert_eq!(l.find("/home/dave/.ssh/authorized_keys").unwrap().line, 5);
    }

    #[test]
    fn symbolic_modes() {
        let cases = [
            ("drwxr-x---", Some(0o40750)),
            ("-rw-r--r--", Some(0o100644)),
            ("-rwsr-xr-x", Some(0o104755)),
            ("-rwSr--r--", Some(0o104644)),
            ("drwxr-sr-x+", Some(0o42755)),
            ("drwxrwxrwt", Some(0o41777)),
            ("drwxrwxrwT", Some(0o41776)),
            ("lrwxrwxrwx", Some(0o120777)),
            ("crw-rw-rw-.", Some(0o20666)),
            ("-rw-r--r", None),
            ("xrw-r--r--", None),
            ("-rwxr-xr-q", None),
        ];
        for (s, want) in cases {
            assert_eq!(mode_from_symbolic(s), want, "{s}");
        }
    }

    const LSR: &str = "\
/home/alice:
total 16K
drwxrwxr-x  3 alice alice 4.0K Nov 23 14:05 .
drwxr-xr-x  4 root  root  4.0K Nov 23  2025 ..
-rw-r--r--  1 alice alice  220 Nov 23 14:05 .bash_logout
drwx------. 2 alice alice 4.0K Nov 23 14:05 .ssh
-rw-r--r--  1 alice alice   12 Nov 23 14:05 my notes.txt

/home/alice/.ssh:
total 8.0K
drwx------. 2 alice alice 4.0K Nov 23 14:05 .
-rw-rw-r--+ 1 bob   alice  1.2K Nov 23 14:05 authorized_keys
lrwxrwxrwx  1 alice alice    9 Nov 23 14:05 id -> id_ed25519
ls: cannot open directory '/home/alice/private': Permission denied
";

    #[test]
    fn recursive_listing_with_paths() {
        let mut d = Vec::new();
        let l = parse_ls(LSR, &mut d);
        assert_eq!(l.entries.len(), 8);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].line, Some(14));
        let home = l.find("/home/alice/").unwrap();
        assert_eq!((home.perm, home.line), (0o775, 3));
        assert!(home.group_writable() && !home.world_writable());
        let parent = l.find("/home").unwrap();
        assert_eq!(
            (parent.owner.as_str(), parent.mtime_text.as_deref()),
            ("root", Some("Nov 23 2025"))
        );
        let ssh = l.find("/home/alice/.ssh").unwrap();
        assert_eq!(
            (ssh.line, ssh.marker),
            (6, Some(AttrMarker::SecurityContext))
        );
        let keys = l.find("/home/alice/.ssh/authorized_keys").unwrap();
        assert_eq!(keys.marker, Some(AttrMarker::Acl));
        assert_eq!(keys.size, Some(1228));
        assert_eq!(keys.size_text.as_deref(), Some("1.2K"));
        assert!(!keys.owned_by_user_or_root("alice", Some(1000)));
        let notes = l.find("/home/alice/my notes.txt").unwrap();
        assert_eq!((notes.size, notes.file_type), (Some(12), FileType::Regular));
        let link = l.find("/home/alice/.ssh/id").unwrap();
        assert_eq!(link.target.as_deref(), Some("id_ed25519"));
        assert_eq!(link.file_type, FileType::Symlink);
    }

    #[test]
    fn single_lines() {
        type Case<'a> = (
            &'a str,
            &'a str,
            Option<(u32, u32)>,
            Option<&'a str>,
            &'a str,
        );
        let cases: &[Case] = &[
            (
                "crw-rw-rw- 1 root root 1,   3 Nov 23 14:05 /dev/null",
                "/dev/null",
                Some((1, 3)),
                None,
                "Nov 23 14:05",
            ),
            (
                "brw-rw---- 1 root disk 8, 1 2026-11-23 14:05 /dev/sda1",
                "/dev/sda1",
                Some((8, 1)),
                None,
                "2026-11-23 14:05",
            ),
            (
                "drwx------ 2 1000 1000 4096 2026-11-23 14:05:01.123456789 +0100 /home/a/.ssh",
                "/home/a/.ssh",
                None,
                Some("4096"),
                "2026-11-23 14:05:01.123456789 +0100",
            ),
            (
                "-rw-------  1 alice  1234 Nov 23 14:05 'x y'",
                "x y",
                None,
                Some("1234"),
                "Nov 23 14:05",
            ),
        ];
        for (line, path, dev, size, mtime) in cases {
            let e = parse_ls_line(line, 1, None).unwrap_or_else(|| panic!("{line}"));
            assert_eq!(e.path, *path, "{line}");
            assert_eq!(e.device, *dev, "{line}");
            assert_eq!(e.size_text.as_deref(), *size, "{line}");
            assert_eq!(e.mtime_text.as_deref(), Some(*mtime), "{line}");
        }
        let e = parse_ls_line("drwx------ 2 1000 1000 4096 2026-11-23 14:05 /x", 1, None).unwrap();
        assert_eq!((e.uid, e.gid), (Some(1000), Some(1000)));
        let e = parse_ls_line("-rw-------  1 alice  1234 Nov 23 14:05 'x y'", 1, None).unwrap();
        assert_eq!(e.group, None);
        assert!(parse_ls_line("drwx------ two root root 1 Nov 23 14:05 x", 1, None).is_none());
        assert!(parse_ls_line("-rw------- 1 root root 1 Nov", 1, None).is_none());
    }

    #[test]
    fn stat_output() {
        let t = "  File: /home/alice/.ssh\n  Size: 4096      \tBlocks: 8          IO Block: 4096   directory\nDevice: 801h/2049d\tInode: 1234       Links: 2\nAccess: (0775/drwxrwxr-x)  Uid: ( 1000/   alice)   Gid: ( 1000/   alice)\nAccess: 2026-11-23 14:05:01.000000000 +0100\nModify: 2026-11-23 14:04:00.000000000 +0100\n  File: ‘/etc/localtime’ -> ‘../usr/share/zoneinfo/Europe/Berlin’\n  Size: 33        \tBlocks: 0          IO Block: 4096   symbolic link\nAccess: (0777/lrwxrwxrwx)  Uid: (    0/    root)   Gid: (    0/    root)\n";
        let mut d = Vec::new();
        let l = parse_stat(t, &mut d);
        assert!(d.is_empty(), "{d:?}");
        let e = l.find("/home/alice/.ssh").unwrap();
        assert_eq!(
            (e.perm, e.file_type, e.uid, e.owner.as_str()),
            (0o775, FileType::Directory, Some(1000), "alice")
        );
        assert_eq!((e.links, e.size, e.line), (Some(2), Some(4096), 1));
        assert_eq!(
            e.mtime_text.as_deref(),
            Some("2026-11-23 14:04:00.000000000 +0100")
        );
        let lt = l.find("/etc/localtime").unwrap();
        assert_eq!(
            lt.target.as_deref(),
            Some("../usr/share/zoneinfo/Europe/Berlin")
        );
        assert_eq!(lt.file_type, FileType::Symlink);
        let bad = parse_stat("  File: /x\nAccess: (0775/bogus)  Uid: (1/a)\n", &mut d);
        assert!(bad.entries.is_empty());
        assert_eq!(d.len(), 2);
    }

    #[test]
    fn sniffing() {
        assert!(sniff(LSR) > 0.7);
        assert!(sniff("  File: /x\nAccess: (0700/drwx------)  Uid: ( 0/ root)\n") > 0.9);
        assert_eq!(sniff("Port 22\nPermitRootLogin no\n"), 0.0);
    }
}
