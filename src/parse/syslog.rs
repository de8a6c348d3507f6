//! Syslog lines in every shape a bundle carries them: traditional RFC 3164 (`auth.log`,
//! `secure`, `messages`, and `journalctl -o short`), `journalctl -o short-precise`,
//! `-o short-iso`, `-o short-iso-precise`, `-o short-full`, rsyslog's high-precision
//! ISO 8601 template, and RFC 5424.
//!
//! ```text
//! Nov 23 14:05:01 web01 sshd[1234]: Failed password for alice from 203.0.113.7 port 50522 ssh2
//! 2026-11-23T14:05:01.123456+01:00 web01 sshd[1234]: ...
//! <38>1 2026-11-23T14:05:01.003Z web01 sshd 1234 - - ...
//! ```
//!
//! Times are kept as written ([`RecordTime`]); the time stage applies the bundle's year and
//! zone. Parsing is byte scanning with small `nom` combinators: it runs on millions of lines.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use nom::bytes::complete::take_while_m_n;
use nom::character::complete::char;
use nom::combinator::opt;
use nom::{IResult, Parser};

use crate::model::{LogRecord, RecordTime};

/// A line of a log member that is not a syslog record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unparsed {
    /// 1-based line number in the text given to [`records`].
    pub line: usize,
    pub text: String,
}

/// Parses one line. The returned record has `line: 0`; callers number lines.
pub fn parse_line(line: &str) -> Option<LogRecord> {
    let line = line.trim_end_matches(['\r', '\n']);
    let body = strip_pri(line);
    let (time, rest) = if let Some(rest) = rfc5424_version(body) {
        return parse_rfc5424(line, rest);
    } else {
        timestamp(body)?
    };
    let (host, rest) = split_word(rest)?;
    let (program, pid, message) = tag_and_message(rest).or_else(|| untagged(rest))?;
    Some(LogRecord {
        time,
        host: Some(host.to_owned()),
        program: program.to_owned(),
        pid,
        message: message.to_owned(),
        journal: None,
        line: 0,
        text: line.to_owned(),
    })
}

/// Lazily parses every line of a member's text.
pub fn records(text: &str) -> SyslogRecords<'_> {
    SyslogRecords {
        lines: text.lines().enumerate(),
    }
}

/// Iterator over a member's lines: a record, or the line that was not one. Blank lines are
/// skipped without being counted as unparsed.
pub struct SyslogRecords<'a> {
    lines: std::iter::Enumerate<std::str::Lines<'a>>,
}

impl Iterator for SyslogRecords<'_> {
    type Item = Result<LogRecord, Unparsed>;

    fn next(&mut self) -> Option<Self::Item> {
        for (i, line) in self.lines.by_ref() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() {
                continue;
            }
            return Some(record_at(line, i + 1));
        }
        None
    }
}

/// Parses the line at 1-based `line_no`: a numbered record, or the line reported unparsed.
pub fn record_at(line: &str, line_no: usize) -> Result<LogRecord, Unparsed> {
    match parse_line(line) {
        Some(mut r) => {
            r.line = line_no;
            Ok(r)
        }
        None => Err(Unparsed {
            line: line_no,
            text: line.to_owned(),
        }),
    }
}

/// Fraction (0..1) of the first non-empty lines that are syslog records.
pub fn sniff(head: &str) -> f32 {
    crate::util::line_fraction(head, |l| parse_line(l).is_some())
}

/// rsyslog's `message repeated N times: [ inner ]` wrapper: the count and the inner message.
pub fn unwrap_repeated(message: &str) -> Option<(u32, &str)> {
    let rest = message.strip_prefix("message repeated ")?;
    let (n, rest) = rest.split_once(" times: [")?;
    let inner = rest.trim_end().strip_suffix(']')?.trim();
    Some((n.parse().ok()?, inner))
}

fn strip_pri(line: &str) -> &str {
    if let Some(rest) = line.strip_prefix('<') {
        if let Some((pri, after)) = rest.split_once('>') {
            if !pri.is_empty() && pri.len() <= 3 && pri.bytes().all(|b| b.is_ascii_digit()) {
                return after;
            }
        }
    }
    line
}

/// `1 ` after the PRI marks RFC 5424.
fn rfc5424_version(body: &str) -> Option<&str> {
    body.strip_prefix("1 ")
}

fn split_word(s: &str) -> Option<(&str, &str)> {
    let s = s.trim_start_matches(' ');
    let end = s.find(' ').unwrap_or(s.len());
    if end == 0 {
        return None;
    }
    Some((&s[..end], s[end..].strip_prefix(' ').unwrap_or(&s[end..])))
}

/// Any of the timestamp shapes before the host name.
fn timestamp(s: &str) -> Option<(RecordTime, &str)> {
    let first = *s.as_bytes().first()?;
    if first.is_ascii_digit() {
        iso_timestamp(s)
    } else if s.len() > 4
        && s.as_bytes()[3] == b' '
        && is_weekday(&s[..3])
        && s.as_bytes()[4].is_ascii_digit()
    {
        short_full(s)
    } else {
        bsd_timestamp(s)
    }
}

fn is_weekday(s: &str) -> bool {
    matches!(s, "Mon" | "Tue" | "Wed" | "Thu" | "Fri" | "Sat" | "Sun")
}

fn digits(n: usize) -> impl Fn(&str) -> IResult<&str, u32> {
    move |i: &str| {
        let (i, d) = take_while_m_n(n, n, |c: char| c.is_ascii_digit())(i)?;
        Ok((i, d.parse().unwrap_or(0)))
    }
}

/// `HH:MM:SS[.ffffff]` -> time.
fn clock(i: &str) -> IResult<&str, NaiveTime> {
    let (i, (h, _, m, _, s)) = (digits(2), char(':'), digits(2), char(':'), digits(2)).parse(i)?;
    let (i, frac) = opt((
        char('.'),
        take_while_m_n(1, 9, |c: char| c.is_ascii_digit()),
    ))
    .parse(i)?;
    let nanos = frac.map_or(0, |(_, f)| {
        let value: u32 = f.parse().unwrap_or(0);
        value * 10u32.pow(9 - f.len() as u32)
    });
    match NaiveTime::from_hms_nano_opt(h, m, s, nanos) {
        Some(t) => Ok((i, t)),
        None => Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::Verify,
        ))),
    }
}

/// `Nov 23 14:05:01` / `Nov  3 14:05:01.123456` (short-precise).
fn bsd_timestamp(s: &str) -> Option<(RecordTime, &str)> {
    let month = crate::time::month_number(s.get(..3)?)?;
    let rest = s.get(3..)?.strip_prefix(' ')?;
    let rest = rest.strip_prefix(' ').unwrap_or(rest);
    let day_len = rest.bytes().take_while(u8::is_ascii_digit).count();
    if day_len == 0 || day_len > 2 {
        return None;
    }
    let day: u32 = rest[..day_len].parse().ok()?;
    let rest = rest[day_len..].strip_prefix(' ')?;
    let (rest, time) = clock(rest).ok()?;
    // Feb 29 is valid in a leap year, which the year stage decides; any other day must exist.
    NaiveDate::from_ymd_opt(2024, month, day)?;
    let rest = rest.strip_prefix(' ')?;
    Some((RecordTime::YearLess { month, day, time }, rest))
}

/// `2026-11-23T14:05:01[.ffffff](Z|+01:00|+0100)` or without offset.
fn iso_timestamp(s: &str) -> Option<(RecordTime, &str)> {
    let (rest, date) = iso_date(s).ok()?;
    let rest = rest.strip_prefix('T').or_else(|| rest.strip_prefix(' '))?;
    let (rest, time) = clock(rest).ok()?;
    let local = NaiveDateTime::new(date, time);
    let (offset, rest) = offset(rest);
    let rest = rest.strip_prefix(' ')?;
    Some((
        match offset {
            Some(off) => RecordTime::Offset(DateTime::from_naive_utc_and_offset(
                local - chrono::Duration::seconds(off.local_minus_utc() as i64),
                off,
            )),
            None => RecordTime::Local(local),
        },
        rest,
    ))
}

fn iso_date(i: &str) -> IResult<&str, NaiveDate> {
    let (rest, (y, _, m, _, d)) =
        (digits(4), char('-'), digits(2), char('-'), digits(2)).parse(i)?;
    match NaiveDate::from_ymd_opt(y as i32, m, d) {
        Some(date) => Ok((rest, date)),
        None => Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::Verify,
        ))),
    }
}

/// `Z`, `+01:00`, `+0100` right after the time.
fn offset(s: &str) -> (Option<FixedOffset>, &str) {
    if let Some(rest) = s.strip_prefix('Z') {
        return (FixedOffset::east_opt(0), rest);
    }
    let bytes = s.as_bytes();
    if !matches!(bytes.first(), Some(b'+') | Some(b'-')) {
        return (None, s);
    }
    let len = if bytes.get(3) == Some(&b':') { 6 } else { 5 };
    match s
        .get(..len)
        .and_then(crate::parse::clock::parse_numeric_offset)
    {
        Some(off) => (Some(off), &s[len..]),
        None => (None, s),
    }
}

/// `Mon 2026-11-23 14:05:01 CET host ...` (journalctl -o short-full).
fn short_full(s: &str) -> Option<(RecordTime, &str)> {
    let rest = s.get(4..)?;
    let (rest, date) = iso_date(rest).ok()?;
    let rest = rest.strip_prefix(' ')?;
    let (rest, time) = clock(rest).ok()?;
    let rest = rest.strip_prefix(' ')?;
    let (zone, rest) = split_word(rest)?;
    let local = NaiveDateTime::new(date, time);
    let time = match zone {
        "UTC" | "GMT" | "Z" => {
            RecordTime::Utc(DateTime::<Utc>::from_naive_utc_and_offset(local, Utc))
        }
        _ => match crate::parse::clock::parse_numeric_offset(zone) {
            Some(off) => RecordTime::Offset(DateTime::from_naive_utc_and_offset(
                local - chrono::Duration::seconds(off.local_minus_utc() as i64),
                off,
            )),
            // A zone abbreviation: the bundle's zone decides.
            None => RecordTime::Local(local),
        },
    };
    Some((time, rest))
}

/// `program[pid]: message`, `program: message`, `sshd(pam_unix)[12]: message`.
fn tag_and_message(s: &str) -> Option<(&str, Option<u32>, &str)> {
    let colon = find_tag_end(s)?;
    let tag_text = &s[..colon];
    let message = &s[colon + 1..];
    let message = message.strip_prefix(' ').unwrap_or(message);
    if tag_text.is_empty() || tag_text.contains(' ') {
        return None;
    }
    if let Some(open) = tag_text.rfind('[') {
        if let Some(pid_text) = tag_text[open + 1..].strip_suffix(']') {
            if let Ok(pid) = pid_text.parse() {
                return Some((&tag_text[..open], Some(pid), message));
            }
        }
    }
    Some((tag_text, None, message))
}

/// A line whose tag has no `prog[pid]:` form (`syslogd 1.4.1: restart.`, `-- MARK --`):
/// still a record, with its first word as the program.
fn untagged(s: &str) -> Option<(&str, Option<u32>, &str)> {
    let s = s.trim_start();
    let (first, rest) = s.split_once(' ').unwrap_or((s, ""));
    if first.is_empty() {
        return None;
    }
    Some((first.trim_end_matches(':'), None, rest))
}

/// The colon that ends the syslog tag: the first `:` followed by a space or the end, before
/// any space.
fn find_tag_end(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        match b {
            b' ' => return None,
            b':' if matches!(bytes.get(i + 1), None | Some(b' ')) => return Some(i),
            _ => {}
        }
    }
    None
}

/// RFC 5424 after `<PRI>1 `: `TIMESTAMP HOST APP PROCID MSGID [SD] MSG`.
fn parse_rfc5424(line: &str, rest: &str) -> Option<LogRecord> {
    let (ts, rest) = split_word(rest)?;
    let time = if ts == "-" {
        RecordTime::Unknown
    } else {
        let (time, _) = iso_timestamp(&format!("{ts} "))?;
        time
    };
    let (host, rest) = split_word(rest)?;
    let (app, rest) = split_word(rest)?;
    let (procid, rest) = split_word(rest)?;
    let (_msgid, rest) = split_word(rest)?;
    let message = skip_structured_data(rest)?;
    let message = message.strip_prefix('\u{feff}').unwrap_or(message);
    let nil = |s: &str| (s != "-").then(|| s.to_owned());
    Some(LogRecord {
        time,
        host: nil(host),
        program: if app == "-" {
            String::new()
        } else {
            app.to_owned()
        },
        pid: procid.parse().ok(),
        message: message.to_owned(),
        journal: None,
        line: 0,
        text: line.to_owned(),
    })
}

/// Skips `-` or one or more `[id k="v" ...]` elements, honouring `\]` and `\"` escapes.
fn skip_structured_data(s: &str) -> Option<&str> {
    if let Some(rest) = s.strip_prefix('-') {
        return Some(rest.strip_prefix(' ').unwrap_or(rest));
    }
    let bytes = s.as_bytes();
    let mut i = 0;
    while bytes.get(i) == Some(&b'[') {
        let mut in_quotes = false;
        i += 1;
        loop {
            match bytes.get(i)? {
                b'\\' => i += 2,
                b'"' => {
                    in_quotes = !in_quotes;
                    i += 1;
                }
                b']' if !in_quotes => {
                    i += 1;
                    break;
                }
                _ => i += 1,
            }
        }
    }
    if i == 0 {
        return None;
    }
    let rest = &s[i..];
    Some(rest.strip_prefix(' ').unwrap_or(rest))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: u32, m: u32, s: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, s).unwrap()
    }

    #[test]
    fn shapes_table() {
        struct Case {
            name: &'static str,
            line: &'static str,
            time: RecordTime,
            host: Option<&'static str>,
            program: &'static str,
            pid: Option<u32>,
            message: &'static str,
        }
        let off1 = FixedOffset::east_opt(3600).unwrap();
        let cases = [
            Case {
                name: "rfc3164",
                line: "Nov 23 14:05:01 web01 sshd[1234]: Failed password for alice from 203.0.113.7 port 50522 ssh2",
                time: RecordTime::YearLess { month: 11, day: 23, time: t(14, 5, 1) },
                host: Some("web01"),
                program: "sshd",
                pid: Some(1234),
                message: "Failed password for alice from 203.0.113.7 port 50522 ssh2",
            },
            Case {
                name: "space-padded day and CRLF",
                line: "Feb  4 09:34:10 combo sshd(pam_unix)[19939]: check pass; user unknown\r",
                time: RecordTime::YearLess { month: 2, day: 4, time: t(9, 34, 10) },
                host: Some("combo"),
                program: "sshd(pam_unix)",
                pid: Some(19939),
                message: "check pass; user unknown",
            },
            Case {
                name: "pri prefix",
                line: "<38>Nov 23 14:05:01 web01 sshd-session[77]: Accepted publickey for a from 1.2.3.4 port 1 ssh2",
                time: RecordTime::YearLess { month: 11, day: 23, time: t(14, 5, 1) },
                host: Some("web01"),
                program: "sshd-session",
                pid: Some(77),
                message: "Accepted publickey for a from 1.2.3.4 port 1 ssh2",
            },
            Case {
                name: "kernel without pid",
                line: "Nov 23 14:05:01 web01 kernel: [UFW BLOCK] IN=eth0",
                time: RecordTime::YearLess { month: 11, day: 23, time: t(14, 5, 1) },
                host: Some("web01"),
                program: "kernel",
                pid: None,
                message: "[UFW BLOCK] IN=eth0",
            },
            Case {
                name: "sudo with padding",
                line: "Nov 23 14:05:01 web01 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/ls",
                time: RecordTime::YearLess { month: 11, day: 23, time: t(14, 5, 1) },
                host: Some("web01"),
                program: "sudo",
                pid: None,
                message: "   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/ls",
            },
            Case {
                name: "path as program",
                line: "Nov 23 14:05:01 web01 /usr/sbin/cron[123]: (root) CMD (run-parts)",
                time: RecordTime::YearLess { month: 11, day: 23, time: t(14, 5, 1) },
                host: Some("web01"),
                program: "/usr/sbin/cron",
                pid: Some(123),
                message: "(root) CMD (run-parts)",
            },
            Case {
                name: "short-precise",
                line: "Nov 23 14:05:01.250000 web01 systemd[1]: Started OpenBSD Secure Shell server.",
                time: RecordTime::YearLess {
                    month: 11,
                    day: 23,
                    time: NaiveTime::from_hms_milli_opt(14, 5, 1, 250).unwrap(),
                },
                host: Some("web01"),
                program: "systemd",
                pid: Some(1),
                message: "Started OpenBSD Secure Shell server.",
            },
            Case {
                name: "rsyslog high precision",
                line: "2026-11-23T14:05:01.123456+01:00 web01 sshd[1]: x",
                time: RecordTime::Offset(
                    off1.with_ymd_and_hms(2026, 11, 23, 14, 5, 1).unwrap()
                        + chrono::Duration::microseconds(123456),
                ),
                host: Some("web01"),
                program: "sshd",
                pid: Some(1),
                message: "x",
            },
            Case {
                name: "short-iso without colon",
                line: "2026-11-23T14:05:01+0100 web01 sshd[1]: x",
                time: RecordTime::Offset(off1.with_ymd_and_hms(2026, 11, 23, 14, 5, 1).unwrap()),
                host: Some("web01"),
                program: "sshd",
                pid: Some(1),
                message: "x",
            },
            Case {
                name: "short-full with abbreviation",
                line: "Mon 2026-11-23 14:05:01 CET web01 sshd[1]: x",
                time: RecordTime::Local(
                    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap().and_time(t(14, 5, 1)),
                ),
                host: Some("web01"),
                program: "sshd",
                pid: Some(1),
                message: "x",
            },
            Case {
                name: "rfc5424 with structured data",
                line: r#"<86>1 2026-11-19T16:02:11.5Z host1 sshd 5123 - [meta x="a\]b" y="2"][o k="v"] Failed password for frank"#,
                time: RecordTime::Offset(
                    FixedOffset::east_opt(0).unwrap().with_ymd_and_hms(2026, 11, 19, 16, 2, 11).unwrap()
                        + chrono::Duration::milliseconds(500),
                ),
                host: Some("host1"),
                program: "sshd",
                pid: Some(5123),
                message: "Failed password for frank",
            },
            Case {
                name: "rfc5424 nil values",
                line: "<34>1 2026-11-19T16:02:11+01:00 - - - - - msg",
                time: RecordTime::Offset(off1.with_ymd_and_hms(2026, 11, 19, 16, 2, 11).unwrap()),
                host: None,
                program: "",
                pid: None,
                message: "msg",
            },
        ];
        for c in cases {
            let r = parse_line(c.line).unwrap_or_else(|| panic!("{}: no parse", c.name));
            assert_eq!(r.time, c.time, "{}", c.name);
            assert_eq!(r.host.as_deref(), c.host, "{}", c.name);
            assert_eq!(r.program, c.program, "{}", c.name);
            assert_eq!(r.pid, c.pid, "{}", c.name);
            assert_eq!(r.message, c.message, "{}", c.name);
            assert!(!r.text.ends_with('\r'), "{}", c.name);
        }
    }

    #[test]
    fn rejects_what_is_not_syslog() {
        for bad in [
            "",
            "Feb 30 10:00:00 h sshd[1]: impossible date",
            "Nov 23 25:00:00 h sshd[1]: bad hour",
            "-- Reboot --",
            "Port 22",
            "Nov 23 14:05:01",
            "2026-13-01T00:00:00Z h p: bad month",
            "● ssh.service - OpenBSD Secure Shell server",
        ] {
            assert!(parse_line(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn untagged_lines_are_records_with_their_first_word_as_program() {
        let r = parse_line("Jul  3 04:08:03 combo syslogd 1.4.1: restart.").unwrap();
        assert_eq!(r.program, "syslogd");
        assert_eq!(r.message, "1.4.1: restart.");
        assert_eq!(r.pid, None);
    }

    #[test]
    fn leap_day_is_left_to_the_year_stage() {
        assert!(parse_line("Feb 29 10:00:00 h sshd[1]: x").is_some());
    }

    #[test]
    fn records_numbers_lines_and_reports_the_rest() {
        let text =
            "Nov 23 14:05:01 h sshd[1]: a\r\n\r\ngarbage here\r\nNov 23 14:05:02 h sshd[1]: b";
        let items: Vec<_> = records(text).collect();
        assert_eq!(items.len(), 3);
        assert_eq!(items[0].as_ref().unwrap().line, 1);
        assert_eq!(
            items[1].as_ref().unwrap_err(),
            &Unparsed {
                line: 3,
                text: "garbage here".into()
            }
        );
        assert_eq!(items[2].as_ref().unwrap().line, 4);
        assert_eq!(items[2].as_ref().unwrap().message, "b");
    }

    #[test]
    fn repeated_wrapper_is_unwrapped() {
        assert_eq!(
            unwrap_repeated(
                "message repeated 3 times: [ Failed password for root from 1.2.3.4 port 22 ssh2]"
            ),
            Some((3, "Failed password for root from 1.2.3.4 port 22 ssh2"))
        );
        assert_eq!(unwrap_repeated("Failed password"), None);
    }

    #[test]
    fn sniff_scores_fraction_of_records() {
        assert_eq!(
            sniff("Nov 23 14:05:01 h sshd[1]: a\nNov 23 14:05:02 h sshd[1]: b\n"),
            1.0
        );
        assert_eq!(sniff("Port 22\nPermitRootLogin no\n"), 0.0);
    }

    #[test]
    fn very_long_and_odd_lines_do_not_panic() {
        let long = format!("Nov 23 14:05:01 h sshd[1]: {}", "x".repeat(100_000));
        assert!(parse_line(&long).is_some());
        for odd in [
            "<", "<999999>", "<1>1 ", "Nov", "Nov 2", "2026-", "Mon 2026", "\u{feff}", "é",
        ] {
            let _ = parse_line(odd);
        }
    }
}
