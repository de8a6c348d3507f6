//! Bans: why sshd never saw a client. When fail2ban or sshguard has banned an address, the
//! client's connections die in the firewall and sshd logs nothing, so the only record of the
//! cause is the ban tool's own output. This module reads three of them:
//!
//! - `/var/log/fail2ban.log` (Python `logging` lines, local time without a zone):
//!
//! ```text
//! 2026-11-20 14:04:58,101 fail2ban.filter         [812]: INFO    [sshd] Found 198.51.100.23 - 2026-11-20 14:04:58
//! 2026-11-20 14:05:01,123 fail2ban.actions        [812]: NOTICE  [sshd] Ban 198.51.100.23
//! ```
//!
//! - sshguard's syslog messages (program `sshguard`), one message at a time:
//!
//! ```text
//! Blocking "198.51.100.23/32" for 120 secs (3 attacks in 5 secs, after 1 abuses over 5 secs.)
//! ```
//!
//! - `fail2ban-client status sshd`, whose `Banned IP list:` is the ban state at collection time.

use std::net::IpAddr;
use std::sync::LazyLock;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use regex::Regex;

pub use crate::model::At;
use crate::model::{Diagnostic, RecordTime};

/// The log level fail2ban wrote; ban decisions are `NOTICE` (`WARNING` before 0.9).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum F2bLevel {
    Critical,
    Error,
    Warning,
    Notice,
    Info,
    Debug,
    Other(String),
}

impl F2bLevel {
    fn parse(word: &str) -> F2bLevel {
        match word {
            "CRITICAL" => F2bLevel::Critical,
            "ERROR" => F2bLevel::Error,
            "WARNING" => F2bLevel::Warning,
            "NOTICE" => F2bLevel::Notice,
            "INFO" => F2bLevel::Info,
            "DEBUG" => F2bLevel::Debug,
            other => F2bLevel::Other(other.to_owned()),
        }
    }
}

/// What a fail2ban line reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum F2bAction {
    Ban,
    Unban,
    /// A ban re-applied from fail2ban's database after a restart.
    RestoreBan,
    AlreadyBanned,
    /// A filter matched a failure line for `addr` (the evidence behind a later ban).
    Found,
    JailStarted,
    JailStopped,
    AddedLogfile,
    Other,
}

/// One line of `fail2ban.log`.
#[derive(Clone, Debug, PartialEq)]
pub struct F2bLine {
    /// Local wall-clock time: fail2ban writes no zone.
    pub time: RecordTime,
    /// The logger name: `fail2ban.actions`, `fail2ban.filter`, `fail2ban.jail`...
    pub component: String,
    pub pid: Option<u32>,
    pub level: F2bLevel,
    pub jail: Option<String>,
    pub action: F2bAction,
    pub addr: Option<IpAddr>,
    /// For `Found`: the time of the matched failure, as fail2ban rendered it.
    pub seen: Option<RecordTime>,
    /// For `AddedLogfile`: the file the jail watches.
    pub logfile: Option<String>,
    pub line: usize,
    pub text: String,
}

/// The part of a fail2ban line after the level, as classified by [`classify_message`]. The
/// same messages reach syslog or the journal when fail2ban logs there.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct F2bMessage {
    pub jail: Option<String>,
    pub action: Option<F2bAction>,
    pub addr: Option<IpAddr>,
    /// The ban target as written, kept when it is not an IP address (hostnames, CIDR).
    pub target: Option<String>,
    pub seen: Option<RecordTime>,
    pub logfile: Option<String>,
}

/// Unusable lines reported one by one before the rest are summarised, so a corrupt file does
/// not bury the other diagnostics.
const MAX_LINE_DIAGS: usize = 20;

static HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:[,.](\d{1,6}))? +([A-Za-z0-9_.-]+) *(?:\[(\d+)\])?: +([A-Z]+) +(.*)$",
    )
    .expect("valid regex")
});

/// Confidence that a text is a fail2ban log or `fail2ban-client status` output.
pub fn sniff(head: &str) -> f32 {
    if head
        .lines()
        .take(3)
        .any(|l| l.starts_with("Status for the jail:"))
    {
        return 0.95;
    }
    crate::util::line_fraction(head, |l| {
        header(l).is_some_and(|h| h.component.starts_with("fail2ban"))
    })
}

/// Reads `fail2ban.log`. Every line becomes an [`F2bLine`] (unknown messages as
/// [`F2bAction::Other`]) except lines without the log header (tracebacks, continuation
/// lines), which are reported as diagnostics with their line numbers.
pub fn parse(text: &str, diags: &mut Vec<Diagnostic>) -> Vec<F2bLine> {
    let mut out = Vec::new();
    let mut unread = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        match read_line(line, i + 1) {
            Some(l) => {
                if matches!(l.action, F2bAction::Ban | F2bAction::RestoreBan) && l.addr.is_none() {
                    diags.push(
                        Diagnostic::warning("fail2ban ban target is not an IP address")
                            .at_line(i + 1),
                    );
                }
                out.push(l);
            }
            None => unread.push(i + 1),
        }
    }
    report_unread(
        &unread,
        "fail2ban log line without a timestamp header",
        diags,
    );
    out
}

/// Reports unusable lines: each of the first few by number, then one summary.
fn report_unread(unread: &[usize], what: &str, diags: &mut Vec<Diagnostic>) {
    for &n in unread.iter().take(MAX_LINE_DIAGS) {
        diags.push(Diagnostic::warning(what).at_line(n));
    }
    if unread.len() > MAX_LINE_DIAGS {
        diags.push(Diagnostic::warning(format!(
            "{} more lines not read ({what}), the last at line {}",
            unread.len() - MAX_LINE_DIAGS,
            unread.last().copied().unwrap_or(0)
        )));
    }
}

struct Header<'a> {
    time: NaiveDateTime,
    component: &'a str,
    pid: Option<u32>,
    level: &'a str,
    message: &'a str,
}

fn header(line: &str) -> Option<Header<'_>> {
    let c = HEADER.captures(line)?;
    let date = NaiveDate::parse_from_str(c.get(1)?.as_str(), "%Y-%m-%d").ok()?;
    let time = NaiveTime::parse_from_str(c.get(2)?.as_str(), "%H:%M:%S").ok()?;
    let time = match c.get(3) {
        Some(frac) => with_fraction(time, frac.as_str()),
        None => time,
    };
    Some(Header {
        time: NaiveDateTime::new(date, time),
        component: c.get(4)?.as_str(),
        pid: c.get(5).and_then(|p| p.as_str().parse().ok()),
        level: c.get(6)?.as_str(),
        message: c.get(7).map_or("", |m| m.as_str()),
    })
}

/// Python writes milliseconds after a comma; keep whatever precision is there.
fn with_fraction(time: NaiveTime, digits: &str) -> NaiveTime {
    let scale = 10u32.pow(9u32.saturating_sub(digits.len() as u32));
    let nanos = digits.parse::<u32>().unwrap_or(0).saturating_mul(scale);
    time.with_nanosecond(nanos).unwrap_or(time)
}

fn read_line(line: &str, line_no: usize) -> Option<F2bLine> {
    let h = header(line)?;
    let m = classify_message(h.message);
    Some(F2bLine {
        time: RecordTime::Local(h.time),
        component: h.component.to_owned(),
        pid: h.pid,
        level: F2bLevel::parse(h.level),
        jail: m.jail,
        action: m.action.unwrap_or(F2bAction::Other),
        addr: m.addr,
        seen: m.seen,
        logfile: m.logfile,
        line: line_no,
        text: line.to_owned(),
    })
}

/// Classifies the message part of a fail2ban line (after the level), wherever it was
/// logged: `[sshd] Ban 198.51.100.23`, `Jail 'sshd' started`.
pub fn classify_message(message: &str) -> F2bMessage {
    let message = message.trim();
    let (jail, rest) = split_jail(message);
    let mut m = F2bMessage {
        jail: jail.map(str::to_owned),
        ..F2bMessage::default()
    };
    if let Some(target) = rest.strip_prefix("Restore Ban ") {
        set_target(&mut m, F2bAction::RestoreBan, target);
    } else if let Some(target) = rest.strip_prefix("Ban ") {
        set_target(&mut m, F2bAction::Ban, target);
    } else if let Some(target) = rest.strip_prefix("Unban ") {
        set_target(&mut m, F2bAction::Unban, target);
    } else if let Some(target) = rest.strip_suffix(" already banned") {
        set_target(&mut m, F2bAction::AlreadyBanned, target);
    } else if let Some(found) = rest.strip_prefix("Found ") {
        // `Found 198.51.100.23 - 2026-11-20 14:04:58` (0.10+); older versions stop at the IP.
        let (target, seen) = found.split_once(" - ").unwrap_or((found, ""));
        set_target(&mut m, F2bAction::Found, target);
        m.seen = NaiveDateTime::parse_from_str(seen.trim(), "%Y-%m-%d %H:%M:%S")
            .ok()
            .map(RecordTime::Local);
    } else if let Some(file) = rest.strip_prefix("Added logfile") {
        m.action = Some(F2bAction::AddedLogfile);
        m.logfile = logfile_name(file);
    } else if let Some((name, state)) = jail_state(rest) {
        m.jail = Some(name.to_owned());
        m.action = Some(state);
    }
    m
}

/// `[sshd] rest` → (`sshd`, `rest`).
fn split_jail(message: &str) -> (Option<&str>, &str) {
    if let Some(inner) = message.strip_prefix('[') {
        if let Some((jail, rest)) = inner.split_once("] ") {
            if !jail.is_empty() && !jail.contains(' ') {
                return (Some(jail), rest.trim_start());
            }
        }
    }
    (None, message)
}

fn set_target(m: &mut F2bMessage, action: F2bAction, target: &str) {
    let target = target.trim();
    m.action = Some(action);
    m.addr = target.parse().ok();
    m.target = Some(target.to_owned());
}

/// `: '/var/log/auth.log' (pos = 0, hash = ...)` (0.10+) or ` = /var/log/auth.log` (0.9).
fn logfile_name(rest: &str) -> Option<String> {
    let rest = rest.trim_start_matches([':', '=', ' ']);
    let name = match rest.strip_prefix('\'') {
        Some(quoted) => quoted.split('\'').next()?,
        None => rest.split(' ').next()?,
    };
    (!name.is_empty()).then(|| name.to_owned())
}

/// `Jail 'sshd' started` / `Jail 'sshd' stopped`.
fn jail_state(rest: &str) -> Option<(&str, F2bAction)> {
    let rest = rest.strip_prefix("Jail ")?;
    let (name, state) = rest.rsplit_once(' ')?;
    let action = match state {
        "started" => F2bAction::JailStarted,
        "stopped" => F2bAction::JailStopped,
        _ => return None,
    };
    let name = name.trim_matches(['\'', '"']);
    (!name.is_empty()).then_some((name, action))
}

/// What sshguard reports about an address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SshguardEvent {
    /// `secs` is the block duration; `attacks` the attacks that led to it.
    Block {
        addr: IpAddr,
        prefix_len: Option<u8>,
        secs: Option<u64>,
        attacks: Option<u32>,
    },
    /// `service` as logged: a name (`SSH`) or sshguard's numeric code (`100` is SSH).
    Attack {
        addr: IpAddr,
        service: String,
    },
    Unblock {
        addr: IpAddr,
    },
    AlreadyBlocked {
        addr: IpAddr,
    },
}

/// Classifies the message of a syslog record whose program is `sshguard`.
pub fn classify_sshguard(message: &str) -> Option<SshguardEvent> {
    let m = message.trim();
    if let Some(rest) = m.strip_prefix("Blocking ") {
        return sshguard_block(rest);
    }
    if let Some(rest) = m.strip_prefix("Attack from ") {
        // `"1.2.3.4" on service SSH with danger 10.` (older: `on service 100`).
        let (addr, rest) = rest.split_once(" on service ")?;
        let service = rest.split(' ').next()?.trim_end_matches('.');
        return Some(SshguardEvent::Attack {
            addr: unquote_addr(addr)?.0,
            service: service.to_owned(),
        });
    }
    for prefix in ["Releasing ", "Unblocking ", "Removing "] {
        if let Some(rest) = m.strip_prefix(prefix) {
            let word = rest.split(' ').next()?;
            return Some(SshguardEvent::Unblock {
                addr: unquote_addr(word)?.0,
            });
        }
    }
    if let Some(addr) = m.strip_suffix(": should already have been blocked") {
        return Some(SshguardEvent::AlreadyBlocked {
            addr: unquote_addr(addr)?.0,
        });
    }
    None
}

/// 2.x: `"1.2.3.4/32" for 120 secs (3 attacks in 5 secs, ...)`;
/// 1.x: `1.2.3.4:4 for >630secs: 40 danger in 4 attacks over 3 seconds ...`.
fn sshguard_block(rest: &str) -> Option<SshguardEvent> {
    let (target, rest) = rest.split_once(" for ")?;
    let (addr, prefix_len) = if rest.starts_with('>') {
        // 1.x appends `:4`/`:6`, the address family, to the address.
        let bare = target
            .strip_suffix(":4")
            .or_else(|| target.strip_suffix(":6"))
            .unwrap_or(target);
        (bare.parse().ok()?, None)
    } else {
        unquote_addr(target)?
    };
    let secs = leading_number(rest.trim_start_matches('>'));
    let attacks = rest
        .split_once(" attacks")
        .and_then(|(before, _)| before.rsplit(['(', ' ']).next())
        .and_then(|n| n.parse().ok());
    Some(SshguardEvent::Block {
        addr,
        prefix_len,
        secs,
        attacks,
    })
}

/// `"1.2.3.4/32"` → (1.2.3.4, Some(32)); quotes and the prefix length are optional.
fn unquote_addr(s: &str) -> Option<(IpAddr, Option<u8>)> {
    let s = s.trim().trim_matches('"');
    match s.split_once('/') {
        Some((addr, len)) => Some((addr.parse().ok()?, len.parse().ok())),
        None => Some((s.parse().ok()?, None)),
    }
}

fn leading_number<T: std::str::FromStr>(s: &str) -> Option<T> {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    s[..end].parse().ok()
}

/// One jail's block of `fail2ban-client status <jail>`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JailStatus {
    pub jail: String,
    /// The `Status for the jail:` line.
    pub line: usize,
    pub currently_failed: Option<At<u32>>,
    pub total_failed: Option<At<u32>>,
    pub files: Vec<At<String>>,
    pub currently_banned: Option<At<u32>>,
    pub total_banned: Option<At<u32>>,
    /// Every address of `Banned IP list:`, each with that line's number.
    pub banned: Vec<At<IpAddr>>,
}

/// `fail2ban-client status` (the jail list) and `fail2ban-client status <jail>` output.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientStatus {
    pub jail_list: Option<At<Vec<String>>>,
    pub jails: Vec<JailStatus>,
}

/// Reads `fail2ban-client status [jail]` output. Lines it cannot use are reported.
pub fn parse_status(text: &str, diags: &mut Vec<Diagnostic>) -> ClientStatus {
    let mut out = ClientStatus::default();
    let mut unread = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim_end_matches('\r');
        // The tree drawing (`|- `, `` `- ``, `|  `) carries no meaning.
        let body = line.trim_start_matches(['|', '`', '-', ' ', '\t']);
        if body.is_empty() || matches!(body, "Filter" | "Actions" | "Status") {
            continue;
        }
        if !status_line(&mut out, body, n, diags) {
            unread.push(n);
        }
    }
    report_unread(&unread, "fail2ban-client status line not understood", diags);
    out
}

fn status_line(out: &mut ClientStatus, body: &str, n: usize, diags: &mut Vec<Diagnostic>) -> bool {
    if let Some(jail) = body.strip_prefix("Status for the jail:") {
        out.jails.push(JailStatus {
            jail: jail.trim().to_owned(),
            line: n,
            ..JailStatus::default()
        });
        return true;
    }
    let Some((key, value)) = body.split_once(':') else {
        return false;
    };
    let value = value.trim();
    match key.trim() {
        "Status" => true,
        "Number of jail" => true,
        "Jail list" => {
            let names = value
                .split(',')
                .map(|j| j.trim().to_owned())
                .filter(|j| !j.is_empty())
                .collect();
            out.jail_list = Some(At {
                value: names,
                line: n,
            });
            true
        }
        key => jail_field(out.jails.last_mut(), key, value, n, diags),
    }
}

fn jail_field(
    jail: Option<&mut JailStatus>,
    key: &str,
    value: &str,
    n: usize,
    diags: &mut Vec<Diagnostic>,
) -> bool {
    let Some(jail) = jail else {
        return false;
    };
    let count = || value.parse().ok().map(|v| At { value: v, line: n });
    match key {
        "Currently failed" => jail.currently_failed = count(),
        "Total failed" => jail.total_failed = count(),
        "Currently banned" => jail.currently_banned = count(),
        "Total banned" => jail.total_banned = count(),
        "File list" => jail.files.extend(value.split_whitespace().map(|f| At {
            value: f.to_owned(),
            line: n,
        })),
        "Journal matches" => {}
        "Banned IP list" => {
            for word in value.split([' ', ',', '\t']).filter(|w| !w.is_empty()) {
                match word.parse() {
                    Ok(addr) => jail.banned.push(At {
                        value: addr,
                        line: n,
                    }),
                    Err(_) => diags.push(
                        Diagnostic::warning(format!("banned entry {word:?} is not an IP address"))
                            .at_line(n),
                    ),
                }
            }
        }
        _ => return false,
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "\
2026-11-20 14:00:00,010 fail2ban.server         [812]: INFO    Starting Fail2ban v1.0.2
2026-11-20 14:00:00,412 fail2ban.filter         [812]: INFO    Added logfile: '/var/log/auth.log' (pos = 0, hash = 3c5d)
2026-11-20 14:00:00,420 fail2ban.jail           [812]: INFO    Jail 'sshd' started
2026-11-20 14:04:58,101 fail2ban.filter         [812]: INFO    [sshd] Found 198.51.100.23 - 2026-11-20 14:04:58
2026-11-20 14:05:01,123 fail2ban.actions        [812]: NOTICE  [sshd] Ban 198.51.100.23
Traceback (most recent call last):
2026-11-20 14:05:09,500 fail2ban.actions        [812]: NOTICE  [sshd] 198.51.100.23 already banned
2026-11-20 15:05:01,900 fail2ban.actions        [812]: NOTICE  [sshd] Unban 198.51.100.23
2026-11-20 16:00:00,001 fail2ban.actions        [812]: NOTICE  [sshd] Restore Ban 2001:db8::7
2026-11-20 16:10:00,000 fail2ban.server         [812]: INFO    Jail 'sshd' stopped

2014-03-02 10:00:00,123 fail2ban.actions: WARNING [ssh] Ban 203.0.113.9
";

    #[test]
    fn reads_each_action_with_jail_address_and_line() {
        let mut d = Vec::new();
        let lines = parse(LOG, &mut d);
        let ip: IpAddr = "198.51.100.23".parse().unwrap();
        let table: &[(usize, F2bAction, Option<&str>, Option<&str>)] = &[
            (1, F2bAction::Other, None, None),
            (2, F2bAction::AddedLogfile, None, None),
            (3, F2bAction::JailStarted, Some("sshd"), None),
            (4, F2bAction::Found, Some("sshd"), Some("198.51.100.23")),
            (5, F2bAction::Ban, Some("sshd"), Some("198.51.100.23")),
            (
                7,
                F2bAction::AlreadyBanned,
                Some("sshd"),
                Some("198.51.100.23"),
            ),
            (8, F2bAction::Unban, Some("sshd"), Some("198.51.100.23")),
            (9, F2bAction::RestoreBan, Some("sshd"), Some("2001:db8::7")),
            (10, F2bAction::JailStopped, Some("sshd"), None),
            (12, F2bAction::Ban, Some("ssh"), Some("203.0.113.9")),
        ];
        assert_eq!(lines.len(), table.len());
        for (l, (line, action, jail, addr)) in lines.iter().zip(table) {
            assert_eq!(l.line, *line, "{}", l.text);
            assert_eq!(l.action, *action, "{}", l.text);
            assert_eq!(l.jail.as_deref(), *jail, "{}", l.text);
            assert_eq!(l.addr, addr.map(|a| a.parse().unwrap()), "{}", l.text);
        }
        let ban = &lines[4];
        assert_eq!(ban.addr, Some(ip));
        assert_eq!(ban.pid, Some(812));
        assert_eq!(ban.level, F2bLevel::Notice);
        assert_eq!(ban.component, "fail2ban.actions");
        let expected =
            NaiveDateTime::parse_from_str("2026-11-20 14:05:01.123", "%Y-%m-%d %H:%M:%S%.f");
        assert_eq!(ban.time, RecordTime::Local(expected.unwrap()));
        assert!(matches!(lines[3].seen, Some(RecordTime::Local(_))));
        assert_eq!(lines[1].logfile.as_deref(), Some("/var/log/auth.log"));
        assert_eq!(lines[9].pid, None);
        assert_eq!(lines[9].level, F2bLevel::Warning);
        // The traceback line is reported, not dropped.
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].line, Some(6));
    }

    #[test]
    fn classifies_messages_that_reached_syslog() {
        let m = classify_message("[sshd] Ban 198.51.100.23");
        assert_eq!(m.action, Some(F2bAction::Ban));
        assert_eq!(m.jail.as_deref(), Some("sshd"));
        let m = classify_message("Added logfile = /var/log/secure");
        assert_eq!(m.logfile.as_deref(), Some("/var/log/secure"));
        let m = classify_message("[sshd] Ban badhost.example");
        assert_eq!(
            (m.addr, m.target.as_deref()),
            (None, Some("badhost.example"))
        );
    }

    #[test]
    fn ban_of_a_name_is_kept_and_reported() {
        let mut d = Vec::new();
        let lines = parse(
            "2026-11-20 14:05:01,123 fail2ban.actions [1]: NOTICE [sshd] Ban host.example\n",
            &mut d,
        );
        assert_eq!(lines[0].action, F2bAction::Ban);
        assert_eq!(d[0].line, Some(1));
    }

    #[test]
    fn reads_sshguard_messages() {
        let a: IpAddr = "198.51.100.23".parse().unwrap();
        let table: &[(&str, Option<SshguardEvent>)] = &[
            (
                "Blocking \"198.51.100.23/32\" for 120 secs (3 attacks in 5 secs, after 1 abuses over 5 secs.)",
                Some(SshguardEvent::Block { addr: a, prefix_len: Some(32), secs: Some(120), attacks: Some(3) }),
            ),
            (
                "Blocking 198.51.100.23:4 for >630secs: 40 danger in 4 attacks over 3 seconds (all: 40d in 1 abuses over 3s).",
                Some(SshguardEvent::Block { addr: a, prefix_len: None, secs: Some(630), attacks: Some(4) }),
            ),
            (
                "Attack from \"198.51.100.23\" on service SSH with danger 10.",
                Some(SshguardEvent::Attack { addr: a, service: "SSH".into() }),
            ),
            ("Releasing 198.51.100.23 after 490 seconds.", Some(SshguardEvent::Unblock { addr: a })),
            ("198.51.100.23: should already have been blocked", Some(SshguardEvent::AlreadyBlocked { addr: a })),
            ("Monitoring attacks from 198.51.100.0/24", None),
            ("Blocking \"not-an-ip\" for 1 secs", None),
        ];
        for (msg, want) in table {
            assert_eq!(&classify_sshguard(msg), want, "{msg}");
        }
    }

    const STATUS: &str = "\
Status for the jail: sshd
|- Filter
|  |- Currently failed:\t2
|  |- Total failed:\t41
|  `- File list:\t/var/log/auth.log
`- Actions
   |- Currently banned:\t2
   |- Total banned:\t7
   `- Banned IP list:\t198.51.100.23 2001:db8::7 bogus
";

    #[test]
    fn reads_client_status_with_banned_addresses() {
        let mut d = Vec::new();
        let s = parse_status(STATUS, &mut d);
        let j = &s.jails[0];
        assert_eq!((j.jail.as_str(), j.line), ("sshd", 1));
        assert_eq!(j.currently_failed, Some(At { value: 2, line: 3 }));
        assert_eq!(j.total_failed.as_ref().map(|a| a.value), Some(41));
        assert_eq!(j.files[0].value, "/var/log/auth.log");
        assert_eq!(j.currently_banned, Some(At { value: 2, line: 7 }));
        assert_eq!(j.total_banned.as_ref().map(|a| a.value), Some(7));
        let banned: Vec<String> = j.banned.iter().map(|b| b.value.to_string()).collect();
        assert_eq!(banned, ["198.51.100.23", "2001:db8::7"]);
        assert_eq!(j.banned[0].line, 9);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].line, Some(9));
        assert!(sniff(STATUS) > 0.9);
    }

    #[test]
    fn reads_the_jail_list() {
        let mut d = Vec::new();
        let s = parse_status(
            "Status\n|- Number of jail:\t2\n`- Jail list:\tsshd, recidive\nsomething odd\n",
            &mut d,
        );
        assert_eq!(s.jail_list.unwrap().value, ["sshd", "recidive"]);
        assert_eq!(d[0].line, Some(4));
    }

    #[test]
    fn sniffs_the_log_not_syslog() {
        assert!(sniff(LOG) > 0.8);
        assert!(sniff("Nov 20 14:05:01 web01 sshd[1]: Accepted password for a\n") < 0.1);
        assert_eq!(sniff(""), 0.0);
    }

    #[test]
    fn odd_input_does_not_panic() {
        let mut d = Vec::new();
        for s in [
            "\u{0}",
            "2026-13-45 99:99:99,1 x [1]: INFO y",
            "[",
            "[] Ban",
            "Blocking  for ",
        ] {
            let _ = parse(s, &mut d);
            let _ = parse_status(s, &mut d);
            let _ = classify_sshguard(s);
            let _ = classify_message(s);
        }
    }
}
