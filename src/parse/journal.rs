//! systemd journal exports, the structured form of the same events syslog carries:
//!
//! - `journalctl -o export`: `KEY=value` lines, a blank line between entries, and binary
//!   fields written as `KEY\n` + 64-bit little-endian length + raw bytes + `\n`;
//! - `journalctl -o json` (one object per line) and `-o json-pretty` (objects over many
//!   lines); a value is a string, `null`, an array of byte values (binary), or an array of
//!   strings (a field repeated in one entry: the first is taken);
//! - `journalctl` text output (`-o short`, `short-iso`, `short-precise`...) with its
//!   `-- Logs begin at ... --`, `-- Boot ... --` and `-- Reboot --` markers; the lines
//!   themselves are syslog lines and go through [`super::syslog`].
//!
//! ```text
//! __REALTIME_TIMESTAMP=1763906701123456
//! _HOSTNAME=web01
//! SYSLOG_IDENTIFIER=sshd
//! _PID=812
//! MESSAGE=Accepted publickey for alice from 10.0.0.4 port 50522 ssh2: ED25519 SHA256:...
//! ```
//!
//! A record's line is its `MESSAGE` line (export) or the line where its object starts
//! (JSON), so evidence points at the message itself.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::syslog::{self, Unparsed};
use crate::model::{JournalMeta, LogRecord, RecordTime};

/// True when the bytes start like `journalctl -o export` output.
pub fn sniff_export(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(&head[..head.len().min(4096)]);
    let mut fields = 0;
    for line in text.lines().filter(|l| !l.is_empty()).take(12) {
        let Some((key, _)) = line.split_once('=') else {
            continue;
        };
        if is_field_name(key) {
            fields += 1;
        }
    }
    fields >= 3 && (text.contains("__REALTIME_TIMESTAMP=") || text.contains("__CURSOR="))
}

/// True when the text starts like `journalctl -o json` or `-o json-pretty` output.
pub fn sniff_json(head: &str) -> bool {
    let first = head.trim_start();
    first.starts_with('{')
        && (head.contains("\"__REALTIME_TIMESTAMP\"") || head.contains("\"__CURSOR\""))
}

/// Confidence that a text is `journalctl` text output (markers and syslog-shaped lines).
pub fn sniff_text(head: &str) -> f32 {
    let has_marker = head.lines().take(5).any(|l| parse_marker(l).is_some());
    if !has_marker {
        return 0.0;
    }
    let lines: Vec<&str> = head
        .lines()
        .filter(|l| !l.trim().is_empty() && parse_marker(l).is_none())
        .take(20)
        .collect();
    if lines.is_empty() {
        return 0.7;
    }
    let ok = lines
        .iter()
        .filter(|l| syslog::parse_line(l).is_some())
        .count();
    0.7 + 0.3 * ok as f32 / lines.len() as f32
}

/// One boot of `journalctl --list-boots`: its index, id, and first/last entry as printed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Boot {
    pub index: i64,
    pub id: String,
    pub first: String,
    pub last: String,
    pub line: usize,
}

/// `journalctl --list-boots`, in the old layout (`-1 3f2a... Mon 2026-11-16 ...—Mon ...`)
/// and the newer one with an `IDX BOOT ID FIRST ENTRY LAST ENTRY` header.
pub fn parse_boots(text: &str) -> Vec<Boot> {
    text.lines()
        .enumerate()
        .filter_map(|(i, line)| {
            let mut words = line.split_whitespace();
            let index: i64 = words.next()?.parse().ok()?;
            let id = words.next()?;
            if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            let rest: Vec<&str> = words.collect();
            let rest = rest.join(" ");
            let (first, last) = rest
                .split_once('—')
                .or_else(|| split_two_timestamps(&rest))
                .unwrap_or((rest.as_str(), ""));
            Some(Boot {
                index,
                id: id.to_owned(),
                first: first.trim().to_owned(),
                last: last.trim().to_owned(),
                line: i + 1,
            })
        })
        .collect()
}

/// Newer layout: two `Day YYYY-MM-DD HH:MM:SS ZONE` stamps separated by spaces.
fn split_two_timestamps(s: &str) -> Option<(&str, &str)> {
    let words: Vec<(usize, &str)> = s
        .split(' ')
        .scan(0, |pos, w| {
            let start = *pos;
            *pos += w.len() + 1;
            Some((start, w))
        })
        .filter(|(_, w)| !w.is_empty())
        .collect();
    if words.len() < 8 {
        return None;
    }
    let cut = words[4].0;
    Some((&s[..cut], &s[cut..]))
}

pub fn sniff_boots(head: &str) -> f32 {
    let lines: Vec<&str> = head
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with("IDX"))
        .take(10)
        .collect();
    if lines.is_empty() {
        return 0.0;
    }
    0.95 * parse_boots(&lines.join("\n")).len() as f32 / lines.len() as f32
}

/// journal field names: upper case letters, digits and underscores.
fn is_field_name(key: &str) -> bool {
    !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// A `-- ... --` line of journalctl's text output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JournalMarker {
    /// `-- Logs begin at ..., end at ... --` / `-- Journal begins at ... --`.
    Range(String),
    /// `-- Reboot --`, or `-- Boot 3f2a... --` (newer systemd names the boot).
    Boot(Option<String>),
    /// `-- No entries --`.
    NoEntries,
}

pub fn parse_marker(line: &str) -> Option<JournalMarker> {
    let inner = line.trim().strip_prefix("-- ")?.strip_suffix(" --")?;
    Some(if inner == "Reboot" {
        JournalMarker::Boot(None)
    } else if let Some(id) = inner.strip_prefix("Boot ") {
        JournalMarker::Boot(Some(id.trim().to_owned()))
    } else if inner == "No entries" {
        JournalMarker::NoEntries
    } else if inner.starts_with("Logs begin at") || inner.starts_with("Journal begins at") {
        JournalMarker::Range(inner.to_owned())
    } else {
        return None;
    })
}

/// Records of `journalctl` text output; markers are understood and skipped.
pub fn text_records(text: &str) -> impl Iterator<Item = Result<LogRecord, Unparsed>> + '_ {
    text.lines().enumerate().filter_map(|(i, raw)| {
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() || parse_marker(line).is_some() {
            return None;
        }
        Some(syslog::record_at(line, i + 1))
    })
}

/// One entry's fields as read, with the line of its MESSAGE (or first) field.
#[derive(Default)]
struct Entry {
    fields: HashMap<String, String>,
    first_line: usize,
    message_line: Option<usize>,
}

impl Entry {
    fn into_record(self) -> LogRecord {
        let line = self.message_line.unwrap_or(self.first_line);
        record_from_fields(self.fields, line)
    }
}

/// Builds a record from journal fields; shared by the export and JSON readers.
fn record_from_fields(mut f: HashMap<String, String>, line: usize) -> LogRecord {
    let time = f
        .get("__REALTIME_TIMESTAMP")
        .and_then(|v| v.parse::<i64>().ok())
        .and_then(DateTime::<Utc>::from_timestamp_micros)
        .map_or(RecordTime::Unknown, RecordTime::Utc);
    let program = f
        .remove("SYSLOG_IDENTIFIER")
        .or_else(|| f.remove("_COMM"))
        .unwrap_or_default();
    let pid = f
        .get("SYSLOG_PID")
        .or_else(|| f.get("_PID"))
        .and_then(|p| p.parse().ok());
    let host = f.remove("_HOSTNAME");
    let message = f.remove("MESSAGE").unwrap_or_default();
    // systemd's own lines about a unit name it in UNIT; other lines run in _SYSTEMD_UNIT.
    let unit = if program == "systemd" {
        f.remove("UNIT").or_else(|| f.remove("_SYSTEMD_UNIT"))
    } else {
        f.remove("_SYSTEMD_UNIT").or_else(|| f.remove("UNIT"))
    };
    let journal = JournalMeta {
        unit,
        transport: f.remove("_TRANSPORT"),
        boot_id: f.remove("_BOOT_ID"),
        // For kernel records, the kernel's own timestamp (what dmesg prints) beats the
        // moment journald received the line.
        monotonic_us: f
            .get("_SOURCE_MONOTONIC_TIMESTAMP")
            .or_else(|| f.get("__MONOTONIC_TIMESTAMP"))
            .and_then(|v| v.parse().ok()),
        priority: f.get("PRIORITY").and_then(|v| v.parse().ok()),
    };
    let text = render(&time, host.as_deref(), &program, pid, &message);
    LogRecord {
        time,
        host,
        program,
        pid,
        message,
        journal: Some(journal),
        line,
        text,
    }
}

/// A `short-iso`-like line for evidence: `2026-11-23T14:05:01.123456Z host prog[pid]: msg`.
fn render(
    time: &RecordTime,
    host: Option<&str>,
    program: &str,
    pid: Option<u32>,
    message: &str,
) -> String {
    let t = match time {
        RecordTime::Utc(t) => crate::finding::format_time(t),
        _ => "-".to_owned(),
    };
    let pid = pid.map(|p| format!("[{p}]")).unwrap_or_default();
    format!("{t} {} {program}{pid}: {message}", host.unwrap_or("-"))
}

/// Records of `journalctl -o export` output, lazily.
pub fn export_records(bytes: &[u8]) -> ExportRecords<'_> {
    ExportRecords {
        bytes,
        pos: 0,
        line: 1,
        pending: Vec::new(),
    }
}

/// Iterator over an export: entries become records, stray lines are reported.
pub struct ExportRecords<'a> {
    bytes: &'a [u8],
    pos: usize,
    /// 1-based number of the line at `pos`.
    line: usize,
    pending: Vec<Result<LogRecord, Unparsed>>,
}

impl Iterator for ExportRecords<'_> {
    type Item = Result<LogRecord, Unparsed>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(p) = self.pending.pop() {
            return Some(p);
        }
        let mut entry: Option<Entry> = None;
        while self.pos < self.bytes.len() {
            let start_line = self.line;
            let rest = &self.bytes[self.pos..];
            let end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
            let raw = &rest[..end];
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            self.pos += (end + 1).min(rest.len());
            self.line += 1;
            if raw.is_empty() {
                if let Some(e) = entry.take() {
                    return Some(Ok(e.into_record()));
                }
                continue;
            }
            let text = String::from_utf8_lossy(raw);
            match text.split_once('=') {
                Some((key, value)) if is_field_name(key) => {
                    // A new entry that starts without the blank line before it.
                    if key == "__CURSOR" && entry.as_ref().is_some_and(|e| !e.fields.is_empty()) {
                        let done = entry.take().map(Entry::into_record);
                        entry = Some(new_entry(start_line));
                        add_field(entry.as_mut(), key, value.to_owned(), start_line);
                        return done.map(Ok);
                    }
                    let e = entry.get_or_insert_with(|| new_entry(start_line));
                    add_field(Some(e), key, value.to_owned(), start_line);
                }
                None if is_field_name(&text) => match self.binary_field() {
                    Some(value) => {
                        let e = entry.get_or_insert_with(|| new_entry(start_line));
                        add_field(Some(e), &text, value, start_line);
                    }
                    None => {
                        return Some(Err(Unparsed {
                            line: start_line,
                            text: format!("{text} (binary field cut short)"),
                        }))
                    }
                },
                _ => {
                    // A line that is not a field (a text line pasted between entries): it
                    // ends the entry before it, and is reported.
                    let stray = Err(Unparsed {
                        line: start_line,
                        text: text.into_owned(),
                    });
                    if let Some(e) = entry.take() {
                        self.pending.push(stray);
                        return Some(Ok(e.into_record()));
                    }
                    return Some(stray);
                }
            }
        }
        entry.map(|e| Ok(e.into_record()))
    }
}

impl ExportRecords<'_> {
    /// Reads a binary field's length and bytes after its `KEY\n` line.
    fn binary_field(&mut self) -> Option<String> {
        let rest = &self.bytes[self.pos..];
        let len_bytes: [u8; 8] = rest.get(..8)?.try_into().ok()?;
        let len = usize::try_from(u64::from_le_bytes(len_bytes)).ok()?;
        let data = rest.get(8..8usize.checked_add(len)?)?;
        let consumed = 8 + len + usize::from(rest.get(8 + len) == Some(&b'\n'));
        self.line += memchr::memchr_iter(b'\n', &rest[..consumed]).count();
        self.pos += consumed;
        Some(String::from_utf8_lossy(data).into_owned())
    }
}

fn new_entry(line: usize) -> Entry {
    Entry {
        first_line: line,
        ..Entry::default()
    }
}

fn add_field(entry: Option<&mut Entry>, key: &str, value: String, line: usize) {
    let Some(e) = entry else { return };
    if key == "MESSAGE" {
        e.message_line = Some(line);
    }
    e.fields.entry(key.to_owned()).or_insert(value);
}

/// Records of `journalctl -o json` or `-o json-pretty` output.
pub fn json_records(text: &str) -> Box<dyn Iterator<Item = Result<LogRecord, Unparsed>> + '_> {
    let pretty = text.lines().find(|l| !l.trim().is_empty()).map(str::trim) == Some("{");
    if pretty {
        Box::new(pretty_records(text))
    } else {
        Box::new(text.lines().enumerate().filter_map(|(i, line)| {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() {
                return None;
            }
            Some(json_object(line, i + 1).ok_or_else(|| Unparsed {
                line: i + 1,
                text: line.to_owned(),
            }))
        }))
    }
}

fn json_object(text: &str, line: usize) -> Option<LogRecord> {
    let map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(text).ok()?;
    Some(record_from_fields(flatten(map), line))
}

/// json-pretty: objects spread over lines, read as a stream; the record's line is where its
/// object starts. A broken object ends the stream with one unparsed report.
fn pretty_records(text: &str) -> impl Iterator<Item = Result<LogRecord, Unparsed>> + '_ {
    let mut stream = serde_json::Deserializer::from_str(text)
        .into_iter::<serde_json::Map<String, serde_json::Value>>();
    let mut offset = 0;
    let mut line = 1;
    let mut failed = false;
    std::iter::from_fn(move || {
        if failed {
            return None;
        }
        let before = offset;
        let item = stream.next()?;
        offset = stream.byte_offset();
        let chunk = &text[before..offset];
        let start = chunk.find('{').unwrap_or(0);
        let start_line = line + chunk[..start].matches('\n').count();
        line += chunk.matches('\n').count();
        Some(match item {
            Ok(map) => Ok(record_from_fields(flatten(map), start_line)),
            Err(e) => {
                failed = true;
                Err(Unparsed {
                    line: e.line(),
                    text: format!("invalid JSON: {e}"),
                })
            }
        })
    })
}

/// Journal JSON values as strings: binary arrays decoded, repeated fields by their first.
fn flatten(map: serde_json::Map<String, serde_json::Value>) -> HashMap<String, String> {
    use serde_json::Value;
    map.into_iter()
        .filter_map(|(k, v)| {
            let s = match v {
                Value::String(s) => s,
                Value::Number(n) => n.to_string(),
                Value::Array(items) if items.iter().all(Value::is_number) => {
                    let bytes: Vec<u8> = items
                        .iter()
                        .filter_map(|n| n.as_u64().and_then(|b| u8::try_from(b).ok()))
                        .collect();
                    String::from_utf8_lossy(&bytes).into_owned()
                }
                Value::Array(items) => items.into_iter().find_map(|i| match i {
                    Value::String(s) => Some(s),
                    _ => None,
                })?,
                _ => return None,
            };
            Some((k, s))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const EXPORT: &str = "__CURSOR=s=1;i=1\n\
__REALTIME_TIMESTAMP=1763906701123456\n\
__MONOTONIC_TIMESTAMP=5000000\n\
_BOOT_ID=aa11\n\
_HOSTNAME=web01\n\
SYSLOG_IDENTIFIER=sshd\n\
_PID=812\n\
_TRANSPORT=syslog\n\
_SYSTEMD_UNIT=ssh.service\n\
PRIORITY=6\n\
MESSAGE=ROOT LOGIN REFUSED FROM 203.0.113.40 port 50122\n\
\n\
__CURSOR=s=1;i=2\n\
__REALTIME_TIMESTAMP=1763906702000000\n\
SYSLOG_IDENTIFIER=systemd\n\
_PID=1\n\
UNIT=ssh.service\n\
_SYSTEMD_UNIT=init.scope\n\
MESSAGE=Started OpenBSD Secure Shell server.\n";

    #[test]
    fn export_entries_become_records_at_their_message_line() {
        let recs: Vec<_> = export_records(EXPORT.as_bytes()).collect();
        assert_eq!(recs.len(), 2);
        let r = recs[0].as_ref().unwrap();
        assert_eq!(r.line, 11);
        assert_eq!(r.program, "sshd");
        assert_eq!(r.pid, Some(812));
        assert_eq!(r.host.as_deref(), Some("web01"));
        assert_eq!(
            r.time,
            RecordTime::Utc(Utc.timestamp_micros(1763906701123456).unwrap())
        );
        let j = r.journal.as_ref().unwrap();
        assert_eq!(j.unit.as_deref(), Some("ssh.service"));
        assert_eq!(j.boot_id.as_deref(), Some("aa11"));
        assert_eq!(j.monotonic_us, Some(5_000_000));
        assert!(r.text.contains("sshd[812]: ROOT LOGIN REFUSED"));
        // systemd's line is about the unit in UNIT, not the scope it runs in.
        let s = recs[1].as_ref().unwrap();
        assert_eq!(
            s.journal.as_ref().unwrap().unit.as_deref(),
            Some("ssh.service")
        );
    }

    #[test]
    fn binary_fields_are_read_by_length() {
        let mut bytes = b"__REALTIME_TIMESTAMP=1\nSYSLOG_IDENTIFIER=sshd\nMESSAGE\n".to_vec();
        let payload = b"two\nlines";
        bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        bytes.extend_from_slice(payload);
        bytes.extend_from_slice(b"\n_PID=5\n\n");
        let recs: Vec<_> = export_records(&bytes).collect();
        assert_eq!(recs.len(), 1);
        let r = recs[0].as_ref().unwrap();
        assert_eq!(r.message, "two\nlines");
        assert_eq!(r.pid, Some(5));
    }

    #[test]
    fn truncated_binary_field_is_reported_not_panicking() {
        let mut bytes = b"__REALTIME_TIMESTAMP=1\nMESSAGE\n".to_vec();
        bytes.extend_from_slice(&1000u64.to_le_bytes());
        bytes.extend_from_slice(b"short");
        let recs: Vec<_> = export_records(&bytes).collect();
        assert!(recs.iter().any(|r| r.is_err()));
    }

    #[test]
    fn stray_text_between_entries_is_reported_and_entries_survive() {
        let text = "__CURSOR=a\n__REALTIME_TIMESTAMP=1\nMESSAGE=one\n\
Sep 17 11:26:36 Debian12 kernel: stray\n\
__CURSOR=b\n__REALTIME_TIMESTAMP=2\nMESSAGE=two\n";
        let recs: Vec<_> = export_records(text.as_bytes()).collect();
        let ok: Vec<&str> = recs
            .iter()
            .filter_map(|r| r.as_ref().ok())
            .map(|r| r.message.as_str())
            .collect();
        assert_eq!(ok, ["one", "two"]);
        let bad: Vec<usize> = recs
            .iter()
            .filter_map(|r| r.as_ref().err())
            .map(|u| u.line)
            .collect();
        assert_eq!(bad, [4]);
    }

    #[test]
    fn json_lines_with_arrays_and_nulls() {
        let text = "{\"__REALTIME_TIMESTAMP\":\"1763906701000000\",\"SYSLOG_IDENTIFIER\":\"sshd\",\"_PID\":\"9\",\"MESSAGE\":[104,105],\"X\":null}\n\
{\"__REALTIME_TIMESTAMP\":\"1763906702000000\",\"SYSLOG_IDENTIFIER\":[\"sshd\",\"dup\"],\"MESSAGE\":\"b\"}\n\
not json\n";
        let recs: Vec<_> = json_records(text).collect();
        assert_eq!(recs[0].as_ref().unwrap().message, "hi");
        assert_eq!(recs[0].as_ref().unwrap().line, 1);
        assert_eq!(recs[1].as_ref().unwrap().program, "sshd");
        assert_eq!(recs[2].as_ref().unwrap_err().line, 3);
    }

    #[test]
    fn json_pretty_objects_start_lines() {
        let text = "{\n  \"__REALTIME_TIMESTAMP\" : \"1\",\n  \"MESSAGE\" : \"a\"\n}\n{\n  \"MESSAGE\" : \"b\"\n}\n";
        let recs: Vec<_> = json_records(text).collect();
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0].as_ref().unwrap().line, 1);
        assert_eq!(recs[1].as_ref().unwrap().line, 5);
        assert_eq!(recs[1].as_ref().unwrap().time, RecordTime::Unknown);
    }

    #[test]
    fn markers_and_text_records() {
        assert_eq!(
            parse_marker("-- Reboot --"),
            Some(JournalMarker::Boot(None))
        );
        assert_eq!(
            parse_marker("-- Boot 3f2a9c --"),
            Some(JournalMarker::Boot(Some("3f2a9c".into())))
        );
        assert!(matches!(
            parse_marker("-- Logs begin at Mon 2026-11-16 09:00:01 UTC, end at Mon 2026-11-23 14:05:01 UTC. --"),
            Some(JournalMarker::Range(_))
        ));
        let text = "-- Logs begin at Mon 2026-11-16 09:00:01 UTC, end at Mon 2026-11-23 14:05:01 UTC. --\n\
Nov 23 14:05:01 web01 sshd[1]: a\n-- Reboot --\nNov 23 14:06:01 web01 sshd[2]: b\n";
        let recs: Vec<_> = text_records(text).collect();
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[1].as_ref().unwrap().line, 4);
        assert!(sniff_text(text) > 0.9);
    }

    #[test]
    fn list_boots_in_both_layouts() {
        let old = " -1 3f2a9c0d1e2f3a4b5c6d7e8f9a0b1c2d Mon 2026-11-16 09:00:01 UTC—Mon 2026-11-23 14:05:01 UTC\n  0 aa11bb22cc33dd44ee55ff6600112233 Mon 2026-11-23 14:06:00 UTC—Mon 2026-11-23 15:00:00 UTC\n";
        let boots = parse_boots(old);
        assert_eq!(boots.len(), 2);
        assert_eq!(boots[0].index, -1);
        assert_eq!(boots[0].first, "Mon 2026-11-16 09:00:01 UTC");
        let new = "IDX BOOT ID                          FIRST ENTRY                 LAST ENTRY\n  0 aa11bb22cc33dd44ee55ff6600112233 Mon 2026-11-23 14:06:00 UTC Mon 2026-11-23 15:00:00 UTC\n";
        let boots = parse_boots(new);
        assert_eq!(boots[0].last, "Mon 2026-11-23 15:00:00 UTC");
        assert!(sniff_boots(new) > 0.9);
        assert_eq!(sniff_boots("Port 22\n"), 0.0);
    }

    #[test]
    fn sniffers() {
        assert!(sniff_export(EXPORT.as_bytes()));
        assert!(!sniff_export(b"Port=22\n"));
        assert!(sniff_json("{\"__CURSOR\":\"s\",\"MESSAGE\":\"x\"}"));
        assert!(!sniff_json("{\"a\":1}"));
    }
}
