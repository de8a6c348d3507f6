//! Local accounts: `/etc/passwd`, `/etc/group`, `/etc/shadow` (and `getent passwd/group`).
//!
//! Rules need to know whether a user exists, its shell (`/sbin/nologin` refuses logins),
//! its groups (for `AllowGroups`/`DenyGroups`), and whether the account is locked or
//! expired (to confirm PAM "account expired" messages). Sample lines:
//!
//! ```text
//! alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash
//! sshusers:x:1001:alice,bob
//! alice:!$6$...:19000:0:99999:7::19500:
//! +@netgroup::::::
//! ```
//!
//! Password hashes are never stored: only whether a password is set, empty or locked.

use crate::model::Diagnostic;

/// A `/etc/passwd` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    pub gecos: String,
    pub home: String,
    pub shell: String,
    pub line: usize,
}

impl Account {
    /// Shells that refuse interactive logins.
    pub fn has_nologin_shell(&self) -> bool {
        let base = self.shell.rsplit('/').next().unwrap_or("");
        matches!(base, "nologin" | "false")
    }
}

/// A `/etc/group` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub name: String,
    pub gid: u32,
    pub members: Vec<String>,
    pub line: usize,
}

/// A NIS compat line (`+`, `+name`, `-name`, `+@netgroup`): accounts come from elsewhere.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NisEntry {
    /// True for `+` (include), false for `-` (exclude).
    pub include: bool,
    /// The name or `@netgroup`; empty for a bare `+`.
    pub name: String,
    pub line: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Passwd {
    pub accounts: Vec<Account>,
    pub nis: Vec<NisEntry>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Groups {
    pub groups: Vec<Group>,
    pub nis: Vec<NisEntry>,
}

fn nis_entry(line: &str, line_no: usize) -> Option<NisEntry> {
    let include = match line.as_bytes().first()? {
        b'+' => true,
        b'-' => false,
        _ => return None,
    };
    let name = line[1..].split(':').next().unwrap_or("").to_owned();
    Some(NisEntry {
        include,
        name,
        line: line_no,
    })
}

/// Yields `(line number, line)` for lines that carry data.
fn data_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
}

fn parse_account(line: &str, line_no: usize) -> Result<Account, &'static str> {
    let f: Vec<&str> = line.split(':').collect();
    if f.len() != 7 {
        return Err("passwd line does not have 7 fields");
    }
    if f[0].is_empty() {
        return Err("passwd line has an empty user name");
    }
    Ok(Account {
        name: f[0].to_owned(),
        uid: f[2]
            .parse()
            .map_err(|_| "passwd line has a non-numeric uid")?,
        gid: f[3]
            .parse()
            .map_err(|_| "passwd line has a non-numeric gid")?,
        gecos: f[4].to_owned(),
        home: f[5].to_owned(),
        shell: f[6].to_owned(),
        line: line_no,
    })
}

/// Parses `/etc/passwd` or `getent passwd` output.
pub fn parse_passwd(text: &str, diags: &mut Vec<Diagnostic>) -> Passwd {
    let mut out = Passwd::default();
    for (n, line) in data_lines(text) {
        if let Some(nis) = nis_entry(line, n) {
            out.nis.push(nis);
            continue;
        }
        match parse_account(line, n) {
            Ok(a) => out.accounts.push(a),
            Err(why) => diags.push(Diagnostic::warning(why).at_line(n)),
        }
    }
    out
}

fn parse_group(line: &str, line_no: usize) -> Result<Group, &'static str> {
    let f: Vec<&str> = line.split(':').collect();
    if f.len() != 4 {
        return Err("group line does not have 4 fields");
    }
    if f[0].is_empty() {
        return Err("group line has an empty group name");
    }
    Ok(Group {
        name: f[0].to_owned(),
        gid: f[2]
            .parse()
            .map_err(|_| "group line has a non-numeric gid")?,
        members: f[3]
            .split(',')
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(str::to_owned)
            .collect(),
        line: line_no,
    })
}

/// Parses `/etc/group` or `getent group` output.
pub fn parse_groups(text: &str, diags: &mut Vec<Diagnostic>) -> Groups {
    let mut out = Groups::default();
    for (n, line) in data_lines(text) {
        if let Some(nis) = nis_entry(line, n) {
            out.nis.push(nis);
            continue;
        }
        match parse_group(line, n) {
            Ok(g) => out.groups.push(g),
            Err(why) => diags.push(Diagnostic::warning(why).at_line(n)),
        }
    }
    out
}

/// A user's primary group name (or its number when no group has it) then the
/// supplementary groups listing the user, without duplicates, in file order.
pub fn groups_of(user: &str, accounts: &[Account], groups: &[Group]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    if let Some(a) = accounts.iter().find(|a| a.name == user) {
        let primary = groups
            .iter()
            .find(|g| g.gid == a.gid)
            .map_or_else(|| a.gid.to_string(), |g| g.name.clone());
        out.push(primary);
    }
    for g in groups
        .iter()
        .filter(|g| g.members.iter().any(|m| m == user))
    {
        if !out.contains(&g.name) {
            out.push(g.name.clone());
        }
    }
    out
}

/// The password field of `/etc/shadow`, reduced to what matters for diagnosis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordState {
    /// A hash is present.
    Set,
    /// Empty field: login without a password (if PAM and sshd allow it).
    Empty,
    /// `!` or `!!` prefix, or `*`: password logins are impossible.
    Locked,
}

/// A `/etc/shadow` entry, without the hash. Day counts are days since 1970-01-01.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShadowEntry {
    pub name: String,
    pub password: PasswordState,
    pub last_change: Option<i64>,
    pub min_days: Option<i64>,
    pub max_days: Option<i64>,
    pub warn_days: Option<i64>,
    pub inactive_days: Option<i64>,
    /// Account expiry (field 8): from this day on, PAM reports "account expired".
    pub expire_day: Option<i64>,
    pub line: usize,
}

impl ShadowEntry {
    /// Whether the account had expired on `day` (days since the epoch).
    pub fn account_expired_on(&self, day: i64) -> bool {
        self.expire_day.is_some_and(|e| day >= e)
    }

    /// Whether the password had passed its maximum age on `day` (0 last change forces a change).
    pub fn password_expired_on(&self, day: i64) -> bool {
        match (self.last_change, self.max_days) {
            (Some(0), _) => true,
            (Some(last), Some(max)) if max < 99999 => day > last + max,
            _ => false,
        }
    }
}

fn password_state(field: &str) -> PasswordState {
    if field.is_empty() {
        PasswordState::Empty
    } else if field.starts_with('!') || field.starts_with('*') {
        PasswordState::Locked
    } else {
        PasswordState::Set
    }
}

fn parse_shadow_line(line: &str, line_no: usize) -> Result<ShadowEntry, &'static str> {
    let f: Vec<&str> = line.split(':').collect();
    if f.len() < 8 || f.len() > 9 || f[0].is_empty() {
        return Err("shadow line does not have 9 fields");
    }
    let num = |s: &str| -> Result<Option<i64>, &'static str> {
        if s.is_empty() {
            Ok(None)
        } else {
            s.parse()
                .map(Some)
                .map_err(|_| "shadow line has a non-numeric day field")
        }
    };
    Ok(ShadowEntry {
        name: f[0].to_owned(),
        password: password_state(f[1]),
        last_change: num(f[2])?,
        min_days: num(f[3])?,
        max_days: num(f[4])?,
        warn_days: num(f[5])?,
        inactive_days: num(f[6])?,
        expire_day: num(f[7])?,
        line: line_no,
    })
}

/// Parses `/etc/shadow`; NIS lines are skipped.
pub fn parse_shadow(text: &str, diags: &mut Vec<Diagnostic>) -> Vec<ShadowEntry> {
    let mut out = Vec::new();
    for (n, line) in data_lines(text) {
        if nis_entry(line, n).is_some() {
            continue;
        }
        match parse_shadow_line(line, n) {
            Ok(e) => out.push(e),
            Err(why) => diags.push(Diagnostic::warning(why).at_line(n)),
        }
    }
    out
}

/// Which account file a text looks like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountsKind {
    Passwd,
    Group,
    Shadow,
}

/// The likely kind of an account file and the confidence, from its field counts.
pub fn sniff_kind(head: &str) -> Option<(AccountsKind, f32)> {
    let lines: Vec<(usize, &str)> = data_lines(head).collect();
    if lines.is_empty() {
        return None;
    }
    let share = |ok: usize| 0.95 * ok as f32 / lines.len() as f32;
    let count = |f: &dyn Fn(&str, usize) -> bool| lines.iter().filter(|(n, l)| f(l, *n)).count();
    let passwd = count(&|l, n| parse_account(l, n).is_ok());
    let group = count(&|l, n| parse_group(l, n).is_ok());
    let shadow = count(&|l, n| parse_shadow_line(l, n).is_ok());
    [
        (AccountsKind::Passwd, share(passwd)),
        (AccountsKind::Group, share(group)),
        (AccountsKind::Shadow, share(shadow)),
    ]
    .into_iter()
    .filter(|(_, c)| *c > 0.0)
    .max_by(|a, b| a.1.total_cmp(&b.1))
}

/// Confidence that a text is a passwd, group or shadow file.
pub fn sniff(head: &str) -> f32 {
    sniff_kind(head).map_or(0.0, |(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &str = "\
# local accounts
root:x:0:0:root:/root:/bin/bash
sshd:x:105:65534::/run/sshd:/usr/sbin/nologin
alice:x:1000:1000:Alice Example,,,:/home/alice:/bin/bash
broken:x:abc:1000::/home/broken:/bin/sh
short:x:1
+@admins::::::
-mallory
";

    const GROUP: &str = "\
root:x:0:
alice:x:1000:
sshusers:x:1001:alice, bob
wheel:x:10:alice
bad:x:
";

    #[test]
    fn passwd_lines() {
        let mut d = Vec::new();
        let p = parse_passwd(PASSWD, &mut d);
        assert_eq!(p.accounts.len(), 3);
        let alice = &p.accounts[2];
        assert_eq!(
            (
                alice.name.as_str(),
                alice.uid,
                alice.gid,
                alice.gecos.as_str(),
                alice.home.as_str(),
                alice.shell.as_str(),
                alice.line
            ),
            (
                "alice",
                1000,
                1000,
                "Alice Example,,,",
                "/home/alice",
                "/bin/bash",
                4
            )
        );
        assert!(p.accounts[1].has_nologin_shell());
        assert!(!alice.has_nologin_shell());
        let lines: Vec<_> = d.iter().map(|x| x.line).collect();
        assert_eq!(lines, [Some(5), Some(6)]);
        assert_eq!(
            p.nis,
            vec![
                NisEntry {
                    include: true,
                    name: "@admins".into(),
                    line: 7
                },
                NisEntry {
                    include: false,
                    name: "mallory".into(),
                    line: 8
                },
            ]
        );
    }

    #[test]
    fn groups_and_membership() {
        let mut d = Vec::new();
        let p = parse_passwd(PASSWD, &mut d);
        let g = parse_groups(GROUP, &mut d);
        assert_eq!(g.groups.len(), 4);
        assert_eq!(g.groups[2].members, ["alice", "bob"]);
        assert_eq!(d.last().unwrap().line, Some(5));
        assert_eq!(
            groups_of("alice", &p.accounts, &g.groups),
            ["alice", "sshusers", "wheel"]
        );
        assert_eq!(groups_of("sshd", &p.accounts, &g.groups), ["65534"]);
        assert_eq!(groups_of("bob", &p.accounts, &g.groups), ["sshusers"]);
        assert!(groups_of("nobody", &p.accounts, &g.groups).is_empty());
    }

    #[test]
    fn shadow_states_and_expiry() {
        let t = "root:*:19000:0:99999:7:::\nalice:!$6$salt$hash:19000:0:90:7::19500:\nbob::19000::::::\ncarol:$6$salt$hash:0:0:99999:7:::\nbad:x:notaday:0:99999:7:::\n";
        let mut d = Vec::new();
        let s = parse_shadow(t, &mut d);
        assert_eq!(s.len(), 4);
        assert_eq!(d[0].line, Some(5));
        assert_eq!(s[0].password, PasswordState::Locked);
        assert_eq!(s[1].password, PasswordState::Locked);
        assert_eq!(s[1].expire_day, Some(19500));
        assert!(s[1].account_expired_on(19500) && !s[1].account_expired_on(19499));
        assert!(s[1].password_expired_on(19091) && !s[1].password_expired_on(19090));
        assert_eq!(s[2].password, PasswordState::Empty);
        assert_eq!(s[3].password, PasswordState::Set);
        assert!(s[3].password_expired_on(1));
        assert!(!format!("{s:?}").contains("hash"));
    }

    #[test]
    fn sniffing() {
        assert_eq!(sniff_kind(PASSWD).unwrap().0, AccountsKind::Passwd);
        assert_eq!(sniff_kind(GROUP).unwrap().0, AccountsKind::Group);
        assert_eq!(
            sniff_kind("root:*:19000:0:99999:7:::\n").unwrap().0,
            AccountsKind::Shadow
        );
        assert_eq!(sniff("Port 22\n"), 0.0);
    }
}
