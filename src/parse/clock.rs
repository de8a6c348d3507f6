//! The bundle's own clock and time zone.
//!
//! Log lines rarely carry a year or a zone, and the analysing machine's clock says nothing
//! about the host that wrote them, so every absolute time is anchored on what the bundle
//! itself recorded. This module reads those sources:
//!
//! * `date` (sosreport `date`, also `date -u`, `date -R`, `date --iso-8601=seconds`):
//!   `Fri Feb 11 19:23:39 UTC 2022`, `Mon 23 Nov 2026 02:05:01 PM EST`
//! * `timedatectl`: `Local time: Mon 2026-11-23 15:05:01 CET` / `Universal time: ...` /
//!   `Time zone: Europe/Berlin (CET, +0100)` (old layout: `Timezone: ...`)
//! * `/etc/timezone` (`Europe/Berlin`), `/etc/sysconfig/clock` (`ZONE="America/New_York"`),
//!   the `/etc/localtime` link target (`../usr/share/zoneinfo/Europe/Berlin`) and the TZif
//!   file's POSIX footer (`CET-1CEST,M3.5.0,M10.5.0/3`)
//! * `uptime` (` 19:23:40 up 25 min,  1 user,  load average: 0.83, 0.73, 0.76`) and
//!   `/proc/uptime` (`350735.47 234388.90`)
//! * `hostname`, `/etc/hostname`, `hostnamectl status` (`Static hostname: web01`)
//!
//! Zone abbreviations such as IST or CST name several zones; they are never turned into an
//! offset here (see [`abbrev_hint`]), so the caller can warn instead of guessing.

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime,
    TimeZone, Utc, Weekday,
};

use crate::model::Diagnostic;

/// When the bundle was collected, as a `date`-like line wrote it.
#[derive(Clone, Debug, PartialEq)]
pub struct CollectionTime {
    pub local: NaiveDateTime,
    pub zone_abbrev: Option<String>,
    /// Set only when the text gives a numeric offset or the zone is UTC/GMT.
    pub offset: Option<FixedOffset>,
    pub line: usize,
}

impl CollectionTime {
    /// The instant, when the offset is known.
    pub fn utc(&self) -> Option<DateTime<Utc>> {
        let off = self.offset?;
        let dt = off.from_local_datetime(&self.local).single()?;
        Some(dt.with_timezone(&Utc))
    }
}

fn month_from_name(s: &str) -> Option<u32> {
    const NAMES: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let lower = s.get(..3)?.to_ascii_lowercase();
    if !s.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    NAMES.iter().position(|n| *n == lower).map(|i| i as u32 + 1)
}

/// Abbreviations a zone can be written with that mean UTC.
fn is_utc_abbrev(s: &str) -> bool {
    matches!(s, "UTC" | "GMT" | "UT" | "Z" | "Zulu")
}

/// Parses `+0530`, `-05`, `+05:30` into an offset.
pub fn parse_numeric_offset(s: &str) -> Option<FixedOffset> {
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if !digits.chars().all(|c| c.is_ascii_digit()) || !(digits.len() == 2 || digits.len() == 4) {
        return None;
    }
    let h: i32 = digits[..2].parse().ok()?;
    let m: i32 = if digits.len() == 4 {
        digits[2..].parse().ok()?
    } else {
        0
    };
    if h > 23 || m > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

/// What a zone abbreviation says about the offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AbbrevHint {
    /// Only one offset is commonly written with this abbreviation.
    Unique(FixedOffset),
    /// Several zones use it (IST, CST, BST...): the caller must not pick one silently.
    Ambiguous,
    Unknown,
}

/// Looks an abbreviation up in a deliberately small table of unambiguous ones.
pub fn abbrev_hint(abbrev: &str) -> AbbrevHint {
    let hours: i32 = match abbrev {
        "UTC" | "GMT" | "UT" | "Z" => 0,
        "CET" | "WEST" | "MET" => 1,
        "CEST" | "EET" | "MEST" | "SAST" => 2,
        "EEST" | "MSK" => 3,
        "WET" => 0,
        "EST" => -5,
        "EDT" => -4,
        "CDT" => -5,
        "MST" => -7,
        "MDT" => -6,
        "PST" => -8,
        "PDT" => -7,
        "AKST" => -9,
        "AKDT" => -8,
        "HST" => -10,
        "JST" | "KST" => 9,
        "AEST" => 10,
        "AEDT" => 11,
        "NZST" => 12,
        "NZDT" => 13,
        "IST" | "CST" | "BST" | "AST" | "ADT" | "SST" | "ECT" | "PST8PDT" => {
            return AbbrevHint::Ambiguous
        }
        _ => return AbbrevHint::Unknown,
    };
    FixedOffset::east_opt(hours * 3600).map_or(AbbrevHint::Unknown, AbbrevHint::Unique)
}

/// The pieces a `date` line can contain, in any order a locale put them.
#[derive(Default)]
struct DateParts {
    year: Option<i32>,
    month: Option<u32>,
    day: Option<u32>,
    time: Option<NaiveTime>,
    pm: Option<bool>,
    zone: Option<String>,
}

fn parse_clock_time(tok: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(tok, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(tok, "%H:%M:%S%.f"))
        .ok()
}

fn classify_date_token(parts: &mut DateParts, tok: &str) -> bool {
    if tok.is_empty() || parse_weekday(tok).is_some() {
        return true;
    }
    if let Some(m) = month_from_name(tok) {
        parts.month.get_or_insert(m);
        return true;
    }
    if tok.chars().all(|c| c.is_ascii_digit()) {
        let n: u32 = match tok.parse() {
            Ok(n) => n,
            Err(_) => return false,
        };
        if tok.len() == 4 {
            parts.year = Some(n as i32);
        } else if (1..=31).contains(&n) && parts.day.is_none() {
            parts.day = Some(n);
        } else {
            return false;
        }
        return true;
    }
    if let Some(t) = parse_clock_time(tok) {
        parts.time = Some(t);
        return true;
    }
    match tok {
        "AM" | "am" => parts.pm = Some(false),
        "PM" | "pm" => parts.pm = Some(true),
        _ if parse_numeric_offset(tok).is_some()
            || (tok.len() <= 6 && tok.chars().all(|c| c.is_ascii_alphabetic())) =>
        {
            parts.zone = Some(tok.to_owned())
        }
        _ => return false,
    }
    true
}

fn parse_weekday(tok: &str) -> Option<Weekday> {
    let t = tok.trim_end_matches(',');
    if t.len() < 3 || !t.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    t.get(..3)?.parse::<Weekday>().ok().filter(|_| {
        // Full names ("Monday") and the three-letter form only; "Month" must not match.
        t.len() == 3 || t.to_ascii_lowercase().ends_with("day")
    })
}

fn apply_meridiem(t: NaiveTime, pm: Option<bool>) -> Option<NaiveTime> {
    use chrono::Timelike;
    let h = t.hour();
    let hour = match pm {
        None => h,
        Some(_) if !(1..=12).contains(&h) => return None,
        Some(true) => h % 12 + 12,
        Some(false) => h % 12,
    };
    t.with_hour(hour)
}

fn parse_date_words(line: &str, line_no: usize) -> Option<CollectionTime> {
    let mut parts = DateParts::default();
    for tok in line.split(|c: char| c.is_whitespace() || c == ',') {
        if !classify_date_token(&mut parts, tok) {
            return None;
        }
    }
    let time = apply_meridiem(parts.time?, parts.pm)?;
    let date = NaiveDate::from_ymd_opt(parts.year?, parts.month?, parts.day?)?;
    let offset = parts.zone.as_deref().and_then(|z| {
        if is_utc_abbrev(z) {
            FixedOffset::east_opt(0)
        } else {
            parse_numeric_offset(z)
        }
    });
    Some(CollectionTime {
        local: date.and_time(time),
        zone_abbrev: parts.zone,
        offset,
        line: line_no,
    })
}

fn parse_date_iso(line: &str, line_no: usize) -> Option<CollectionTime> {
    let normalised = line.replace(',', ".");
    let dt = DateTime::parse_from_rfc3339(&normalised)
        .or_else(|_| DateTime::parse_from_str(&normalised, "%Y-%m-%dT%H:%M:%S%z"))
        .or_else(|_| DateTime::parse_from_str(&normalised, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .ok()?;
    Some(CollectionTime {
        local: dt.naive_local(),
        zone_abbrev: None,
        offset: Some(*dt.offset()),
        line: line_no,
    })
}

/// Parses `date` output: the first line that reads as a date wins; the others are reported.
pub fn parse_date(text: &str, diags: &mut Vec<Diagnostic>) -> Option<CollectionTime> {
    let mut found = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        let parsed = parse_date_iso(line, i + 1).or_else(|| parse_date_words(line, i + 1));
        match (parsed, &found) {
            (Some(ct), None) => found = Some(ct),
            (Some(_), Some(_)) => diags.push(
                Diagnostic::info("a second date line was ignored; the first one is used")
                    .at_line(i + 1),
            ),
            (None, _) => {
                diags.push(Diagnostic::warning("line does not read as a date").at_line(i + 1))
            }
        }
    }
    found
}

/// A systemd-style timestamp: `Fri 2022-02-11 18:58:33 UTC` (weekday and zone optional).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SystemdTimestamp {
    pub local: NaiveDateTime,
    pub zone: Option<String>,
}

impl SystemdTimestamp {
    /// The offset the text itself fixes: UTC/GMT or a numeric zone.
    pub fn offset(&self) -> Option<FixedOffset> {
        let z = self.zone.as_deref()?;
        if is_utc_abbrev(z) {
            FixedOffset::east_opt(0)
        } else {
            parse_numeric_offset(z)
        }
    }
}

/// Reads the timestamp format systemd prints in `status`, `show` and `timedatectl`.
pub fn parse_systemd_timestamp(s: &str) -> Option<SystemdTimestamp> {
    let mut toks = s.split_whitespace().peekable();
    if toks.peek().and_then(|t| parse_weekday(t)).is_some() {
        toks.next();
    }
    let date = NaiveDate::parse_from_str(toks.next()?, "%Y-%m-%d").ok()?;
    let time = parse_clock_time(toks.next()?)?;
    let zone = toks.next().map(str::to_owned);
    if toks.next().is_some() {
        return None;
    }
    Some(SystemdTimestamp {
        local: date.and_time(time),
        zone,
    })
}

/// What `timedatectl` (status) reports.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Timedatectl {
    /// `Local time:` with its zone abbreviation, and the line.
    pub local: Option<(SystemdTimestamp, usize)>,
    /// `Universal time:`: the collection instant, known exactly.
    pub universal: Option<(DateTime<Utc>, usize)>,
    pub rtc: Option<(NaiveDateTime, usize)>,
    /// `Time zone: Europe/Berlin (CET, +0100)` → name, abbreviation, offset, line.
    pub zone_name: Option<String>,
    pub zone_abbrev: Option<String>,
    pub zone_offset: Option<FixedOffset>,
    pub zone_line: Option<usize>,
    pub clock_synchronized: Option<bool>,
    pub ntp_service: Option<String>,
    pub rtc_in_local_tz: Option<bool>,
}

impl Timedatectl {
    /// The collection time as a [`CollectionTime`], preferring the exact universal time.
    pub fn collection_time(&self) -> Option<CollectionTime> {
        if let Some((utc, line)) = self.universal {
            return Some(CollectionTime {
                local: utc.naive_utc(),
                zone_abbrev: Some("UTC".into()),
                offset: FixedOffset::east_opt(0),
                line,
            });
        }
        let (ts, line) = self.local.as_ref()?;
        Some(CollectionTime {
            local: ts.local,
            zone_abbrev: ts.zone.clone(),
            offset: ts.offset().or(self.zone_offset),
            line: *line,
        })
    }
}

fn yes_no(s: &str) -> Option<bool> {
    match s {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

/// `Europe/Berlin (CET, +0100)` → name, abbreviation, offset.
fn parse_zone_value(v: &str) -> (String, Option<String>, Option<FixedOffset>) {
    let (name, rest) = match v.split_once(" (") {
        Some((n, r)) => (n.trim(), Some(r.trim_end_matches(')'))),
        None => (v.trim(), None),
    };
    let (abbrev, offset) = match rest.and_then(|r| r.split_once(',')) {
        Some((a, o)) => (Some(a.trim().to_owned()), parse_numeric_offset(o.trim())),
        None => (None, None),
    };
    (name.to_owned(), abbrev, offset)
}

fn apply_timedatectl_field(
    out: &mut Timedatectl,
    key: &str,
    value: &str,
    line: usize,
) -> Result<(), &'static str> {
    match key {
        "Local time" => {
            let ts = parse_systemd_timestamp(value).ok_or("unreadable local time")?;
            out.local = Some((ts, line));
        }
        "Universal time" => {
            let ts = parse_systemd_timestamp(value).ok_or("unreadable universal time")?;
            out.universal = Some((Utc.from_utc_datetime(&ts.local), line));
        }
        "RTC time" => {
            if let Some(ts) = parse_systemd_timestamp(value) {
                out.rtc = Some((ts.local, line));
            }
        }
        "Time zone" | "Timezone" => {
            let (name, abbrev, offset) = parse_zone_value(value);
            out.zone_name = Some(name);
            out.zone_abbrev = abbrev;
            out.zone_offset = offset;
            out.zone_line = Some(line);
        }
        "System clock synchronized" | "NTP synchronized" => out.clock_synchronized = yes_no(value),
        "NTP service" => out.ntp_service = Some(value.to_owned()),
        "NTP enabled" => {
            out.ntp_service = yes_no(value).map(|b| if b { "active" } else { "inactive" }.into())
        }
        "RTC in local TZ" => out.rtc_in_local_tz = yes_no(value),
        _ => {}
    }
    Ok(())
}

/// Parses `timedatectl` / `timedatectl status` output, old and new layouts.
pub fn parse_timedatectl(text: &str, diags: &mut Vec<Diagnostic>) -> Timedatectl {
    let mut out = Timedatectl::default();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        let Some((key, value)) = line.split_once(": ") else {
            diags.push(Diagnostic::info("line is not a timedatectl field").at_line(i + 1));
            continue;
        };
        if let Err(why) = apply_timedatectl_field(&mut out, key.trim(), value.trim(), i + 1) {
            diags.push(Diagnostic::warning(why).at_line(i + 1));
        }
    }
    out
}

fn first_content_line(text: &str) -> Option<(usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .find(|(_, l)| !l.is_empty() && !l.starts_with('#'))
}

/// `/etc/timezone`: the zone name and its line.
pub fn parse_timezone_file(text: &str) -> Option<(String, usize)> {
    let (line, name) = first_content_line(text)?;
    looks_like_zone_name(name).then(|| (name.to_owned(), line))
}

fn looks_like_zone_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/_-+".contains(c))
}

/// `/etc/sysconfig/clock`: `ZONE="America/New_York"` (Red Hat) or `TIMEZONE=` (SUSE).
pub fn parse_sysconfig_clock(text: &str) -> Option<(String, usize)> {
    text.lines().enumerate().find_map(|(i, l)| {
        let (k, v) = l.trim().split_once('=')?;
        if !matches!(k.trim(), "ZONE" | "TIMEZONE" | "DEFAULT_TIMEZONE") {
            return None;
        }
        let v = v.trim().trim_matches('"').trim_matches('\'');
        looks_like_zone_name(v).then(|| (v.to_owned(), i + 1))
    })
}

/// The IANA name in an `/etc/localtime` link target (`../usr/share/zoneinfo/Europe/Berlin`).
pub fn zone_from_link_target(target: &str) -> Option<String> {
    let (_, tail) = target.trim().rsplit_once("zoneinfo/")?;
    let tail = tail
        .strip_prefix("posix/")
        .or_else(|| tail.strip_prefix("right/"))
        .unwrap_or(tail);
    looks_like_zone_name(tail).then(|| tail.to_owned())
}

/// The POSIX TZ string a TZif v2+ file keeps after its last newline-framed block.
pub fn tzif_footer(bytes: &[u8]) -> Option<String> {
    if bytes.len() < 44 || &bytes[..4] != b"TZif" || bytes[4] < b'2' {
        return None;
    }
    let body = bytes.strip_suffix(b"\n")?;
    let start = body.iter().rposition(|b| *b == b'\n')? + 1;
    let footer = std::str::from_utf8(&body[start..]).ok()?;
    let printable = footer.chars().all(|c| c.is_ascii_graphic());
    (printable && !footer.is_empty()).then(|| footer.to_owned())
}

/// One transition rule of a POSIX TZ string: `Mm.w.d[/time]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PosixRule {
    pub month: u32,
    /// 1..=5, 5 meaning the last such weekday of the month.
    pub week: u32,
    /// 0 = Sunday.
    pub weekday: u32,
    /// Seconds after local midnight (default 02:00).
    pub time_secs: i64,
}

/// A POSIX TZ string (`CET-1CEST,M3.5.0,M10.5.0/3`), read as far as it is understood.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PosixTz {
    pub text: String,
    pub std_offset: FixedOffset,
    pub dst_offset: Option<FixedOffset>,
    /// Both `M` rules; `None` when there is no DST or the rule form is not `Mm.w.d`.
    pub rules: Option<(PosixRule, PosixRule)>,
}

/// A zone usable to turn wall-clock times into UTC.
#[derive(Clone, Debug, PartialEq)]
pub enum Zone {
    Iana(chrono_tz::Tz),
    Fixed(FixedOffset),
    Posix(PosixTz),
}

fn take_zone_name(s: &str) -> Option<(&str, &str)> {
    if let Some(rest) = s.strip_prefix('<') {
        let end = rest.find('>')?;
        return Some((&rest[..end], &rest[end + 1..]));
    }
    let end = s
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(s.len());
    (end >= 3).then(|| (&s[..end], &s[end..]))
}

/// `[+-]hh[:mm[:ss]]` → seconds, and the rest of the string.
fn take_hms(s: &str) -> Option<(i64, &str)> {
    let (sign, s) = match s.as_bytes().first()? {
        b'-' => (-1, &s[1..]),
        b'+' => (1, &s[1..]),
        _ => (1, s),
    };
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == ':'))
        .unwrap_or(s.len());
    let mut secs = 0i64;
    let mut mult = 3600;
    for part in s[..end].split(':') {
        let n: i64 = part.parse().ok()?;
        secs += n * mult;
        mult /= 60;
    }
    (end > 0).then_some((sign * secs, &s[end..]))
}

fn parse_posix_rule(s: &str) -> Option<PosixRule> {
    let s = s.strip_prefix('M')?;
    let (date, time) = match s.split_once('/') {
        Some((d, t)) => (d, Some(t)),
        None => (s, None),
    };
    let mut it = date.split('.').map(|p| p.parse::<u32>().ok());
    let (month, week, weekday) = (it.next()??, it.next()??, it.next()??);
    let time_secs = match time {
        Some(t) => take_hms(t).filter(|(_, rest)| rest.is_empty())?.0,
        None => 7200,
    };
    let ok = (1..=12).contains(&month) && (1..=5).contains(&week) && weekday <= 6;
    ok.then_some(PosixRule {
        month,
        week,
        weekday,
        time_secs,
    })
}

/// Reads a POSIX TZ string; the sign is inverted relative to ISO offsets.
pub fn parse_posix_tz(s: &str) -> Option<PosixTz> {
    let (_, rest) = take_zone_name(s)?;
    let (std_secs, rest) = take_hms(rest)?;
    let std_offset = FixedOffset::west_opt(std_secs as i32)?;
    let mut tz = PosixTz {
        text: s.to_owned(),
        std_offset,
        dst_offset: None,
        rules: None,
    };
    if rest.is_empty() {
        return Some(tz);
    }
    let (_, rest) = take_zone_name(rest)?;
    let (dst_secs, rest) = match take_hms(rest) {
        Some((secs, r)) if !r.starts_with('M') || rest.starts_with(',') => (secs, r),
        _ => (std_secs - 3600, rest),
    };
    tz.dst_offset = FixedOffset::west_opt(dst_secs as i32);
    if let Some(rules) = rest.strip_prefix(',') {
        let (a, b) = rules.split_once(',')?;
        tz.rules = parse_posix_rule(a).zip(parse_posix_rule(b));
    }
    Some(tz)
}

fn rule_local_datetime(rule: &PosixRule, year: i32) -> Option<NaiveDateTime> {
    let first = NaiveDate::from_ymd_opt(year, rule.month, 1)?;
    let shift = (7 + rule.weekday as i64 - first.weekday().num_days_from_sunday() as i64) % 7;
    let mut day = first + Duration::days(shift + 7 * (rule.week as i64 - 1));
    while day.month() != rule.month {
        day -= Duration::days(7);
    }
    day.and_hms_opt(0, 0, 0)
        .map(|d| d + Duration::seconds(rule.time_secs))
}

impl PosixTz {
    /// Offsets valid for a wall-clock time: one normally, two in the autumn overlap,
    /// none in the spring gap.
    fn candidate_offsets(&self, local: NaiveDateTime) -> Vec<FixedOffset> {
        let (Some(dst), Some((start, end))) = (self.dst_offset, &self.rules) else {
            return vec![self.std_offset];
        };
        let year = local.year();
        let (Some(s), Some(e)) = (
            rule_local_datetime(start, year),
            rule_local_datetime(end, year),
        ) else {
            return vec![self.std_offset];
        };
        // Each rule time is written in the wall clock in force just before it.
        let to_utc = |t: NaiveDateTime, off: FixedOffset| {
            t - Duration::seconds(off.local_minus_utc() as i64)
        };
        let (start_utc, end_utc) = (to_utc(s, self.std_offset), to_utc(e, dst));
        [self.std_offset, dst]
            .into_iter()
            .filter(|off| {
                let utc = to_utc(local, *off);
                let in_dst = if start_utc < end_utc {
                    utc >= start_utc && utc < end_utc
                } else {
                    utc >= start_utc || utc < end_utc
                };
                in_dst == (*off == dst)
            })
            .collect()
    }
}

impl Zone {
    /// An IANA name (`Europe/Berlin`), `UTC`, a numeric offset or a POSIX TZ string.
    pub fn parse(s: &str) -> Option<Zone> {
        let s = s.trim();
        if is_utc_abbrev(s) {
            return FixedOffset::east_opt(0).map(Zone::Fixed);
        }
        if let Ok(tz) = s.parse::<chrono_tz::Tz>() {
            return Some(Zone::Iana(tz));
        }
        if let Some(off) = parse_numeric_offset(s) {
            return Some(Zone::Fixed(off));
        }
        let posix = parse_posix_tz(s)?;
        if posix.dst_offset.is_none() {
            return Some(Zone::Fixed(posix.std_offset));
        }
        Some(Zone::Posix(posix))
    }

    /// Converts a wall-clock time to UTC. Policy, chosen to be deterministic: in the autumn
    /// overlap the earlier instant (the summer-time reading) is used; in the spring gap the
    /// offset in force before the gap is used, as a clock that had not yet jumped would.
    /// A POSIX string with rules this module does not read uses its standard offset.
    pub fn to_utc(&self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        match self {
            Zone::Fixed(off) => Some(
                Utc.from_utc_datetime(&(local - Duration::seconds(off.local_minus_utc() as i64))),
            ),
            Zone::Iana(tz) => iana_to_utc(tz, local),
            Zone::Posix(p) => {
                let offs = p.candidate_offsets(local);
                let off = match offs.as_slice() {
                    [] => p.std_offset,
                    [one] => *one,
                    many => *many.iter().max_by_key(|o| o.local_minus_utc())?,
                };
                Zone::Fixed(off).to_utc(local)
            }
        }
    }
}

fn iana_to_utc(tz: &chrono_tz::Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    use chrono::Offset;
    match tz.from_local_datetime(&local) {
        LocalResult::Single(dt) => Some(dt.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, b) => Some(a.min(b).with_timezone(&Utc)),
        LocalResult::None => {
            let before = local - Duration::hours(12);
            let off = tz.offset_from_utc_datetime(&before).fix();
            Zone::Fixed(off).to_utc(local)
        }
    }
}

/// `uptime` output.
#[derive(Clone, Debug, PartialEq)]
pub struct Uptime {
    pub clock: NaiveTime,
    pub up: Duration,
    pub users: Option<u32>,
    pub load: [f32; 3],
    pub line: usize,
}

/// One part of `up ...`: `3 days`, `2:01`, `5 min`. Out-of-range numbers (a damaged or
/// hostile file) give `None` instead of overflowing.
fn parse_up_part(part: &str) -> Option<Duration> {
    let part = part.trim();
    if let Some((h, m)) = part.split_once(':') {
        let (h, m): (i64, i64) = (h.trim().parse().ok()?, m.trim().parse().ok()?);
        return Duration::try_hours(h)?.checked_add(&Duration::try_minutes(m)?);
    }
    let (n, unit) = part.split_once(char::is_whitespace)?;
    let n: i64 = n.parse().ok()?;
    match unit.trim() {
        "day" | "days" => Duration::try_days(n),
        "hr" | "hrs" | "hour" | "hours" => Duration::try_hours(n),
        "min" | "mins" | "minute" | "minutes" => Duration::try_minutes(n),
        "sec" | "secs" => Duration::try_seconds(n),
        _ => None,
    }
}

fn parse_loads(s: &str) -> Option<[f32; 3]> {
    // Some locales write decimal commas ("0,83, 0,73, 0,76"), so split on ", " first.
    let parts: Vec<&str> = if s.contains(", ") {
        s.split(", ").collect()
    } else {
        s.split_whitespace().collect()
    };
    let v: Vec<f32> = parts
        .iter()
        .filter_map(|p| p.trim().replace(',', ".").parse().ok())
        .collect();
    (v.len() == 3).then(|| [v[0], v[1], v[2]])
}

fn parse_uptime_line(line: &str, line_no: usize) -> Option<Uptime> {
    let (left, loads) = line.split_once("load average:")?;
    let load = parse_loads(loads.trim())?;
    let (clock, rest) = left.trim().split_once(" up ")?;
    let clock = parse_clock_time(clock.trim())?;
    let mut up = Duration::zero();
    let mut users = None;
    for part in rest.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if let Some(n) = part
            .strip_suffix(" users")
            .or_else(|| part.strip_suffix(" user"))
        {
            users = Some(n.trim().parse().ok()?);
        } else {
            up = up.checked_add(&parse_up_part(part)?)?;
        }
    }
    Some(Uptime {
        clock,
        up,
        users,
        load,
        line: line_no,
    })
}

/// Parses `uptime` output (the first line that reads as one).
pub fn parse_uptime(text: &str, diags: &mut Vec<Diagnostic>) -> Option<Uptime> {
    let mut found = None;
    for (i, raw) in text.lines().enumerate() {
        if raw.trim().is_empty() {
            continue;
        }
        match parse_uptime_line(raw, i + 1) {
            Some(u) if found.is_none() => found = Some(u),
            Some(_) => {}
            None => diags.push(Diagnostic::warning("line does not read as uptime").at_line(i + 1)),
        }
    }
    found
}

/// `/proc/uptime`: seconds up and seconds idle (summed over CPUs).
pub fn parse_proc_uptime(text: &str) -> Option<(f64, f64)> {
    let mut it = text.split_whitespace().map(|t| t.parse::<f64>().ok());
    let up = it.next()??;
    let idle = it.next()??;
    (up.is_finite() && up >= 0.0 && idle.is_finite()).then_some((up, idle))
}

/// The `btime` line of `/proc/stat`: when the running kernel booted, in seconds since the
/// epoch.
pub fn parse_proc_stat_btime(text: &str) -> Option<DateTime<Utc>> {
    text.lines().find_map(|l| {
        let secs: i64 = l.strip_prefix("btime ")?.trim().parse().ok()?;
        DateTime::<Utc>::from_timestamp(secs, 0)
    })
}

/// Where a host name was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostNameSource {
    /// `hostname` output or `/etc/hostname`.
    Plain,
    HostnamectlStatic,
    HostnamectlTransient,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostName {
    pub name: String,
    pub source: HostNameSource,
    pub line: usize,
}

fn valid_host_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_')
}

/// `hostname`, `/etc/hostname` or `hostnamectl status`. hostnamectl's static name wins
/// over the transient one because that is the name syslog lines normally carry.
pub fn parse_hostname(text: &str, diags: &mut Vec<Diagnostic>) -> Option<HostName> {
    let mut best: Option<HostName> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        let source = if line.starts_with("Static hostname:") {
            HostNameSource::HostnamectlStatic
        } else if line.starts_with("Transient hostname:") {
            HostNameSource::HostnamectlTransient
        } else {
            continue;
        };
        let name = line.split_once(':').map_or("", |(_, v)| v.trim());
        if !valid_host_name(name) {
            continue;
        }
        if best
            .as_ref()
            .is_none_or(|b| b.source != HostNameSource::HostnamectlStatic)
        {
            best = Some(HostName {
                name: name.to_owned(),
                source,
                line: i + 1,
            });
        }
    }
    if best.is_some() {
        return best;
    }
    let (line, name) = first_content_line(text)?;
    if valid_host_name(name) {
        return Some(HostName {
            name: name.to_owned(),
            source: HostNameSource::Plain,
            line,
        });
    }
    diags.push(Diagnostic::warning("line is not a host name").at_line(line));
    None
}

/// Which clock-related artifact a text looks like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClockKind {
    Date,
    Timedatectl,
    Uptime,
    Hostnamectl,
}

/// The most likely clock artifact kind of a text, with its confidence.
pub fn sniff_kind(head: &str) -> Option<(ClockKind, f32)> {
    let mut d = Vec::new();
    let first = head.lines().find(|l| !l.trim().is_empty())?;
    if head.contains("Universal time:") || head.contains("Time zone:") {
        return Some((ClockKind::Timedatectl, 0.95));
    }
    if head.contains("Static hostname:") {
        return Some((ClockKind::Hostnamectl, 0.95));
    }
    if parse_uptime_line(first, 1).is_some() {
        return Some((ClockKind::Uptime, 0.95));
    }
    if head.lines().filter(|l| !l.trim().is_empty()).count() <= 2
        && parse_date(first, &mut d).is_some()
    {
        return Some((ClockKind::Date, 0.9));
    }
    None
}

/// Confidence that a text is one of the clock artifacts this module reads.
pub fn sniff(head: &str) -> f32 {
    sniff_kind(head).map_or(0.0, |(_, c)| c)
}

#[cfg(test)]
mod tests {

    #[test]
    fn proc_stat_btime_is_the_boot_time() {
        let stat = "cpu  10 0 20 3000 4 0 1 0 0 0\nintr 1234\nctxt 5678\nbtime 1795248000\nprocesses 991\n";
        assert_eq!(
            parse_proc_stat_btime(stat).map(|t| t.to_rfc3339()),
            Some("2026-11-21T08:00:00+00:00".to_owned())
        );
        assert_eq!(parse_proc_stat_btime("btime soon\n"), None);
    }

    use super::*;

    #[test]
    fn absurd_uptimes_are_rejected_not_panicking() {
        let mut d = Vec::new();
        assert!(parse_uptime(
            " 14:05:01 up 99999999999999 days,  2:01,  1 user,  load average: 0.00, 0.01, 0.05",
            &mut d
        )
        .is_none());
        assert!(parse_uptime(
            " 14:05:01 up 9223372036854775807 min,  1 user,  load average: 0.00, 0.01, 0.05",
            &mut d
        )
        .is_none());
    }

    fn ndt(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    #[test]
    fn date_shapes() {
        let cases: &[(&str, &str, Option<&str>, Option<i32>)] = &[
            (
                "Mon Nov 23 14:05:01 UTC 2026",
                "2026-11-23 14:05:01",
                Some("UTC"),
                Some(0),
            ),
            (
                "Mon Nov 23 14:05:01 CET 2026",
                "2026-11-23 14:05:01",
                Some("CET"),
                None,
            ),
            (
                "Mon 23 Nov 2026 02:05:01 PM EST",
                "2026-11-23 14:05:01",
                Some("EST"),
                None,
            ),
            (
                "Mon 23 Nov 2026 12:05:01 AM EST",
                "2026-11-23 00:05:01",
                Some("EST"),
                None,
            ),
            (
                "Tue Dec  1 09:00:00 +0530 2026",
                "2026-12-01 09:00:00",
                Some("+0530"),
                Some(19800),
            ),
            (
                "Mon, 23 Nov 2026 14:05:01 +0100",
                "2026-11-23 14:05:01",
                Some("+0100"),
                Some(3600),
            ),
            (
                "2026-11-23T14:05:01+01:00",
                "2026-11-23 14:05:01",
                None,
                Some(3600),
            ),
            (
                "2026-11-23T14:05:01,123456789-05:00",
                "2026-11-23 14:05:01.123456789",
                None,
                Some(-18000),
            ),
            (
                "Mon Nov 23 14:05:01 IST 2026",
                "2026-11-23 14:05:01",
                Some("IST"),
                None,
            ),
            (
                "Fri Feb 11 19:23:39 GMT 2022",
                "2022-02-11 19:23:39",
                Some("GMT"),
                Some(0),
            ),
        ];
        for (text, local, zone, off) in cases {
            let mut d = Vec::new();
            let ct = parse_date(text, &mut d).unwrap_or_else(|| panic!("{text}"));
            let want = NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M:%S%.f").unwrap();
            assert_eq!(ct.local, want, "{text}");
            assert_eq!(ct.zone_abbrev.as_deref(), *zone, "{text}");
            assert_eq!(ct.offset.map(|o| o.local_minus_utc()), *off, "{text}");
            assert!(d.is_empty(), "{text}: {d:?}");
        }
    }

    #[test]
    fn date_utc_instant_and_garbage() {
        let mut d = Vec::new();
        let ct = parse_date("Tue Dec  1 09:00:00 +0530 2026\n", &mut d).unwrap();
        assert_eq!(ct.utc().unwrap().naive_utc(), ndt("2026-12-01 03:30:00"));
        assert!(parse_date("Mon Nov 31 14:05:01 UTC 2026", &mut d).is_none());
        assert!(parse_date("command not found", &mut d).is_none());
        assert_eq!(d.len(), 2);
        assert_eq!(d[1].line, Some(1));
    }

    #[test]
    fn abbreviations_are_not_guessed() {
        assert_eq!(abbrev_hint("IST"), AbbrevHint::Ambiguous);
        assert_eq!(abbrev_hint("CST"), AbbrevHint::Ambiguous);
        assert_eq!(
            abbrev_hint("CET"),
            AbbrevHint::Unique(FixedOffset::east_opt(3600).unwrap())
        );
        assert_eq!(abbrev_hint("XYZT"), AbbrevHint::Unknown);
    }

    #[test]
    fn timedatectl_new_and_old() {
        let new = "               Local time: Mon 2026-11-23 15:05:01 CET\n\
                   \x20          Universal time: Mon 2026-11-23 14:05:01 UTC\n\
                   \x20                RTC time: Mon 2026-11-23 14:05:00\n\
                   \x20               Time zone: Europe/Berlin (CET, +0100)\n\
                   System clock synchronized: yes\n\
                   \x20             NTP service: active\n\
                   \x20         RTC in local TZ: no\n";
        let mut d = Vec::new();
        let t = parse_timedatectl(new, &mut d);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(
            t.universal.unwrap().0.naive_utc(),
            ndt("2026-11-23 14:05:01")
        );
        assert_eq!(t.local.as_ref().unwrap().0.zone.as_deref(), Some("CET"));
        assert_eq!(t.zone_name.as_deref(), Some("Europe/Berlin"));
        assert_eq!(t.zone_abbrev.as_deref(), Some("CET"));
        assert_eq!(t.zone_offset.unwrap().local_minus_utc(), 3600);
        assert_eq!(t.zone_line, Some(4));
        assert_eq!(t.clock_synchronized, Some(true));
        assert_eq!(t.ntp_service.as_deref(), Some("active"));
        assert_eq!(t.rtc_in_local_tz, Some(false));
        assert_eq!(t.collection_time().unwrap().line, 2);

        let old = "      Local time: Tue 2016-03-15 10:00:00 EDT\n\
                   \x20        Timezone: America/New_York (EDT, -0400)\n\
                   \x20    NTP enabled: yes\n\
                   NTP synchronized: no\n";
        let t = parse_timedatectl(old, &mut d);
        assert_eq!(t.zone_name.as_deref(), Some("America/New_York"));
        assert_eq!(t.clock_synchronized, Some(false));
        let ct = t.collection_time().unwrap();
        assert_eq!(ct.utc().unwrap().naive_utc(), ndt("2016-03-15 14:00:00"));
    }

    #[test]
    fn zone_files_and_links() {
        assert_eq!(
            parse_timezone_file("# comment\nEurope/Berlin\n"),
            Some(("Europe/Berlin".into(), 2))
        );
        assert_eq!(parse_timezone_file("not a zone!"), None);
        assert_eq!(
            parse_sysconfig_clock("UTC=true\nZONE=\"America/New_York\"\n"),
            Some(("America/New_York".into(), 2))
        );
        assert_eq!(
            parse_sysconfig_clock("TIMEZONE='Europe/Paris'"),
            Some(("Europe/Paris".into(), 1))
        );
        assert_eq!(
            zone_from_link_target("../usr/share/zoneinfo/Europe/Berlin").as_deref(),
            Some("Europe/Berlin")
        );
        assert_eq!(
            zone_from_link_target("/usr/share/zoneinfo/posix/Asia/Kolkata").as_deref(),
            Some("Asia/Kolkata")
        );
        assert_eq!(zone_from_link_target("/etc/localtime"), None);
    }

    #[test]
    fn tzif_footer_is_read() {
        let mut bytes = b"TZif2".to_vec();
        bytes.resize(60, 0);
        bytes.extend_from_slice(b"\nCET-1CEST,M3.5.0,M10.5.0/3\n");
        assert_eq!(
            tzif_footer(&bytes).as_deref(),
            Some("CET-1CEST,M3.5.0,M10.5.0/3")
        );
        let mut v1 = bytes.clone();
        v1[4] = 0;
        assert_eq!(tzif_footer(&v1), None);
        assert_eq!(tzif_footer(b"TZif2"), None);
        let mut empty = b"TZif2".to_vec();
        empty.resize(60, 0);
        empty.extend_from_slice(b"\n\n");
        assert_eq!(tzif_footer(&empty), None);
    }

    #[test]
    fn zones_convert_with_documented_policy() {
        let berlin = Zone::parse("Europe/Berlin").unwrap();
        let posix = Zone::parse("CET-1CEST,M3.5.0,M10.5.0/3").unwrap();
        let cases = [
            ("2026-01-15 12:00:00", "2026-01-15 11:00:00"),
            ("2026-07-15 12:00:00", "2026-07-15 10:00:00"),
            // Overlap on 25 Oct 2026: earlier instant (CEST).
            ("2026-10-25 02:30:00", "2026-10-25 00:30:00"),
            // Gap on 29 Mar 2026: offset from before the gap (CET).
            ("2026-03-29 02:30:00", "2026-03-29 01:30:00"),
        ];
        for (local, utc) in cases {
            assert_eq!(
                berlin.to_utc(ndt(local)).unwrap().naive_utc(),
                ndt(utc),
                "iana {local}"
            );
            assert_eq!(
                posix.to_utc(ndt(local)).unwrap().naive_utc(),
                ndt(utc),
                "posix {local}"
            );
        }
        let fixed = Zone::parse("<+0530>-5:30").unwrap();
        assert_eq!(fixed, Zone::Fixed(FixedOffset::east_opt(19800).unwrap()));
        assert_eq!(
            Zone::parse("EST5EDT,M3.2.0,M11.1.0")
                .unwrap()
                .to_utc(ndt("2026-07-01 08:00:00"))
                .unwrap()
                .naive_utc(),
            ndt("2026-07-01 12:00:00")
        );
        assert_eq!(
            Zone::parse("UTC"),
            Some(Zone::Fixed(FixedOffset::east_opt(0).unwrap()))
        );
        assert_eq!(Zone::parse("??"), None);
    }

    #[test]
    fn uptime_shapes() {
        type Case<'a> = (&'a str, &'a str, i64, Option<u32>, [f32; 3]);
        let cases: &[Case] = &[
            (
                " 14:05:01 up 3 days,  2:01,  2 users,  load average: 0.00, 0.01, 0.05",
                "14:05:01",
                3 * 1440 + 121,
                Some(2),
                [0.0, 0.01, 0.05],
            ),
            (
                " 10:00:00 up 5 min,  1 user,  load average: 1.50, 0.73, 0.76",
                "10:00:00",
                5,
                Some(1),
                [1.5, 0.73, 0.76],
            ),
            (
                " 10:00:00 up 1 day, 3 min,  0 users,  load average: 0.10, 0.20, 0.30",
                "10:00:00",
                1443,
                Some(0),
                [0.1, 0.2, 0.3],
            ),
            (
                " 10:00:00 up  2:01,  load average: 0,83, 0,73, 0,76",
                "10:00:00",
                121,
                None,
                [0.83, 0.73, 0.76],
            ),
        ];
        for (text, clock, mins, users, load) in cases {
            let mut d = Vec::new();
            let u = parse_uptime(text, &mut d).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(
                u.clock,
                NaiveTime::parse_from_str(clock, "%H:%M:%S").unwrap()
            );
            assert_eq!(u.up, Duration::minutes(*mins), "{text}");
            assert_eq!(u.users, *users);
            assert_eq!(u.load, *load);
        }
        let mut d = Vec::new();
        assert!(parse_uptime("up forever", &mut d).is_none());
        assert_eq!(d.len(), 1);
        assert_eq!(
            parse_proc_uptime("350735.47 234388.90\n"),
            Some((350735.47, 234388.90))
        );
        assert_eq!(parse_proc_uptime("nan"), None);
    }

    #[test]
    fn host_names() {
        let mut d = Vec::new();
        let h = parse_hostname(
            "   Static hostname: web01\n         Icon name: computer-vm\n",
            &mut d,
        )
        .unwrap();
        assert_eq!(
            (h.name.as_str(), h.source, h.line),
            ("web01", HostNameSource::HostnamectlStatic, 1)
        );
        let h = parse_hostname("\nweb02.example.com\n", &mut d).unwrap();
        assert_eq!((h.name.as_str(), h.line), ("web02.example.com", 2));
        assert!(parse_hostname("bad host name", &mut d).is_none());
        assert_eq!(d.len(), 1);
    }

    #[test]
    fn sniffing() {
        assert_eq!(
            sniff_kind("Mon Nov 23 14:05:01 UTC 2026\n").unwrap().0,
            ClockKind::Date
        );
        assert_eq!(
            sniff_kind(" 14:05:01 up 5 min,  1 user,  load average: 0.00, 0.01, 0.05")
                .unwrap()
                .0,
            ClockKind::Uptime
        );
        assert_eq!(
            sniff_kind("   Static hostname: a\n").unwrap().0,
            ClockKind::Hostnamectl
        );
        assert_eq!(
            sniff_kind("       Time zone: Etc/UTC (UTC, +0000)")
                .unwrap()
                .0,
            ClockKind::Timedatectl
        );
        assert_eq!(sniff("Port 22\nPermitRootLogin no\n"), 0.0);
    }
}
