//! `systemctl` output: whether sshd's unit is running, failed or restarting, and why.
//!
//! Reads three commands a bundle captures:
//!
//! * `systemctl status [UNIT...]` and `systemctl status --all` (sosreport
//!   `sos_commands/systemd/systemctl_status_--all`), one stanza per unit:
//!
//!   ```text
//!   ● ssh.service - OpenBSD Secure Shell server
//!        Loaded: loaded (/lib/systemd/system/ssh.service; enabled; vendor preset: enabled)
//!        Active: failed (Result: exit-code) since Mon 2026-11-23 14:05:01 UTC; 2h ago
//!       Process: 800 ExecStartPre=/usr/sbin/sshd -t (code=exited, status=255/EXCEPTION)
//!      Main PID: 812 (code=exited, status=255/EXCEPTION)
//!
//!   Nov 23 14:05:01 web01 sshd[812]: /etc/ssh/sshd_config line 3: Bad configuration option
//!   ```
//!
//!   The journal tail is returned raw for the syslog parser. sosreport interleaves stderr
//!   (`Unit foo.service could not be found.`) into stdout, sometimes mid-line; such lines are
//!   stitched back together and reported as warnings. Terminal transcripts are tolerated:
//!   shell prompt lines are reported as unrecognised.
//! * `systemctl show` (`Key=value` blocks separated by blank lines), see [`parse_show`].
//! * `systemctl list-units [--failed]` tables, see [`parse_list_units`].

use std::collections::BTreeMap;
use std::sync::LazyLock;

use chrono::{TimeZone, Utc};
use regex::Regex;

use crate::model::{Diagnostic, RecordTime};
use crate::parse::clock::{parse_systemd_timestamp, SystemdTimestamp};
use crate::util::is_shell_prompt;

/// The status glyph before a unit name, which newer systemd colours by state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bullet {
    /// `●`: active, or any state on older systemd.
    Dot,
    /// `×`: failed.
    Cross,
    /// `○`: inactive.
    Circle,
    /// `*`: the ASCII fallback when the output is not a UTF-8 terminal (sosreport).
    Asterisk,
    /// `↻`: reloading or activating.
    Reload,
}

fn bullet_of(c: char) -> Option<Bullet> {
    Some(match c {
        '●' => Bullet::Dot,
        // Without a UTF-8 locale (sosreport, supportconfig) systemd prints `*`, `x`, `o`.
        '×' | '✗' | 'x' => Bullet::Cross,
        '○' | 'o' => Bullet::Circle,
        '*' => Bullet::Asterisk,
        '↻' => Bullet::Reload,
        _ => return None,
    })
}

/// The unit type, from the name's suffix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnitType {
    Service,
    Socket,
    Target,
    Device,
    Mount,
    Automount,
    Swap,
    Timer,
    Path,
    Slice,
    Scope,
}

impl UnitType {
    pub fn of(name: &str) -> Option<UnitType> {
        Some(match name.rsplit_once('.')?.1 {
            "service" => UnitType::Service,
            "socket" => UnitType::Socket,
            "target" => UnitType::Target,
            "device" => UnitType::Device,
            "mount" => UnitType::Mount,
            "automount" => UnitType::Automount,
            "swap" => UnitType::Swap,
            "timer" => UnitType::Timer,
            "path" => UnitType::Path,
            "slice" => UnitType::Slice,
            "scope" => UnitType::Scope,
            _ => return None,
        })
    }
}

/// The first word of `Loaded:`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoadState {
    Loaded,
    NotFound,
    Masked,
    Error,
    BadSetting,
    Other(String),
}

impl LoadState {
    fn parse(s: &str) -> LoadState {
        match s {
            "loaded" => LoadState::Loaded,
            "not-found" => LoadState::NotFound,
            "masked" => LoadState::Masked,
            "error" => LoadState::Error,
            "bad-setting" => LoadState::BadSetting,
            o => LoadState::Other(o.to_owned()),
        }
    }
}

/// `enabled`, `disabled`, `static`... as `Loaded:` and `list-unit-files` show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UnitFileState {
    Enabled,
    EnabledRuntime,
    Disabled,
    Static,
    Generated,
    Masked,
    Indirect,
    Alias,
    Transient,
    Linked,
    Other(String),
}

impl UnitFileState {
    pub fn parse(s: &str) -> UnitFileState {
        match s {
            "enabled" => UnitFileState::Enabled,
            "enabled-runtime" => UnitFileState::EnabledRuntime,
            "disabled" => UnitFileState::Disabled,
            "static" => UnitFileState::Static,
            "generated" => UnitFileState::Generated,
            "masked" | "masked-runtime" => UnitFileState::Masked,
            "indirect" => UnitFileState::Indirect,
            "alias" => UnitFileState::Alias,
            "transient" => UnitFileState::Transient,
            "linked" | "linked-runtime" => UnitFileState::Linked,
            o => UnitFileState::Other(o.to_owned()),
        }
    }
}

/// `Loaded: loaded (/lib/systemd/system/ssh.service; enabled; vendor preset: enabled)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loaded {
    pub state: LoadState,
    pub path: Option<String>,
    pub unit_file_state: Option<UnitFileState>,
    pub vendor_preset: Option<String>,
    /// `not-found (Reason: Unit sshd.service not found.)`.
    pub reason: Option<String>,
    pub line: usize,
}

fn parse_loaded(v: &str, line: usize) -> Loaded {
    let (state, inner) = match v.split_once(" (") {
        Some((s, rest)) => (s, rest.strip_suffix(')').unwrap_or(rest)),
        None => (v.trim(), ""),
    };
    let mut out = Loaded {
        state: LoadState::parse(state.trim()),
        path: None,
        unit_file_state: None,
        vendor_preset: None,
        reason: None,
        line,
    };
    for part in inner.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        if let Some(p) = part
            .strip_prefix("vendor preset: ")
            .or_else(|| part.strip_prefix("preset: "))
        {
            out.vendor_preset = Some(p.to_owned());
        } else if let Some(r) = part.strip_prefix("Reason: ") {
            out.reason = Some(r.to_owned());
        } else if part.starts_with('/') && out.path.is_none() {
            out.path = Some(part.to_owned());
        } else if out.unit_file_state.is_none() {
            out.unit_file_state = Some(UnitFileState::parse(part));
        }
    }
    out
}

/// The first word of `Active:`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActiveKind {
    Active,
    Reloading,
    Inactive,
    Failed,
    Activating,
    Deactivating,
    Maintenance,
    Refreshing,
    Other(String),
}

impl ActiveKind {
    pub fn parse(s: &str) -> ActiveKind {
        match s {
            "active" => ActiveKind::Active,
            "reloading" => ActiveKind::Reloading,
            "inactive" => ActiveKind::Inactive,
            "failed" => ActiveKind::Failed,
            "activating" => ActiveKind::Activating,
            "deactivating" => ActiveKind::Deactivating,
            "maintenance" => ActiveKind::Maintenance,
            "refreshing" => ActiveKind::Refreshing,
            o => ActiveKind::Other(o.to_owned()),
        }
    }
}

/// `Active: activating (auto-restart) (Result: exit-code) since Mon 2026-11-23 14:05:01 UTC; 3s ago`.
#[derive(Clone, Debug, PartialEq)]
pub struct ActiveState {
    pub state: ActiveKind,
    /// `running`, `dead`, `auto-restart`, `exited`...
    pub sub: Option<String>,
    /// `exit-code`, `signal`, `timeout`, `start-limit-hit`...
    pub result: Option<String>,
    /// `Utc` for UTC/GMT, otherwise `Local` (see `zone_abbrev`).
    pub since: Option<RecordTime>,
    /// The timestamp text after `since`, up to the `;`.
    pub since_text: Option<String>,
    pub zone_abbrev: Option<String>,
    pub line: usize,
}

/// Turns a systemd timestamp into a record time: only UTC/GMT is absolute here; other
/// abbreviations stay local so the time stage can apply the bundle's zone (and warn).
pub fn record_time(ts: &SystemdTimestamp) -> RecordTime {
    match ts.offset() {
        Some(off) => match off.from_local_datetime(&ts.local).single() {
            Some(dt) if off.local_minus_utc() == 0 => RecordTime::Utc(dt.with_timezone(&Utc)),
            Some(dt) => RecordTime::Offset(dt),
            None => RecordTime::Local(ts.local),
        },
        None => RecordTime::Local(ts.local),
    }
}

fn parse_active(v: &str, line: usize, diags: &mut Vec<Diagnostic>) -> ActiveState {
    let (head, since_part) = match v.split_once(" since ") {
        Some((h, s)) => (h, Some(s)),
        None => (v, None),
    };
    let mut words = head.splitn(2, ' ');
    let state = ActiveKind::parse(words.next().unwrap_or("").trim());
    let mut out = ActiveState {
        state,
        sub: None,
        result: None,
        since: None,
        since_text: None,
        zone_abbrev: None,
        line,
    };
    for group in words.next().unwrap_or("").split('(').skip(1) {
        let g = group.trim().trim_end_matches(')').trim();
        match g.strip_prefix("Result: ") {
            Some(r) => out.result = Some(r.to_owned()),
            None if out.sub.is_none() => out.sub = Some(g.to_owned()),
            None => {}
        }
    }
    if let Some(s) = since_part {
        let text = s.split(';').next().unwrap_or("").trim();
        out.since_text = Some(text.to_owned());
        match parse_systemd_timestamp(text) {
            Some(ts) => {
                out.since = Some(record_time(&ts));
                out.zone_abbrev = ts.zone;
            }
            None => diags.push(Diagnostic::warning("unreadable Active: since time").at_line(line)),
        }
    }
    out
}

/// How a process ended: `(code=exited, status=255/EXCEPTION)`, `(code=killed, signal=TERM)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessExit {
    /// `exited`, `killed`, `dumped`.
    pub code: String,
    /// `255/EXCEPTION`, `0/SUCCESS`, or the signal name for `killed`.
    pub status: Option<String>,
}

impl ProcessExit {
    fn parse(inner: &str) -> Option<ProcessExit> {
        let mut code = None;
        let mut status = None;
        for kv in inner.split(',').map(str::trim) {
            match kv.split_once('=') {
                Some(("code", v)) => code = Some(v.to_owned()),
                Some(("status" | "signal", v)) => status = Some(v.to_owned()),
                _ => {}
            }
        }
        Some(ProcessExit {
            code: code?,
            status,
        })
    }

    /// The numeric exit status (`255` of `255/EXCEPTION`), when the process exited.
    pub fn exit_status(&self) -> Option<i32> {
        if self.code != "exited" {
            return None;
        }
        self.status.as_deref()?.split('/').next()?.parse().ok()
    }

    pub fn succeeded(&self) -> bool {
        self.exit_status() == Some(0)
    }
}

/// `Main PID: 812 (sshd)` or `Main PID: 812 (code=exited, status=255/EXCEPTION)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MainPid {
    pub pid: u32,
    /// The command name while it runs.
    pub comm: Option<String>,
    pub exit: Option<ProcessExit>,
    pub line: usize,
}

fn split_trailing_parens(s: &str) -> (&str, Option<&str>) {
    let t = s.trim_end();
    if let (Some(stripped), Some(open)) = (t.strip_suffix(')'), t.rfind(" (")) {
        return (&t[..open], Some(&stripped[open + 2..]));
    }
    (t, None)
}

fn parse_main_pid(v: &str, line: usize) -> Option<MainPid> {
    let v = v.split(';').next()?;
    let (pid, inner) = split_trailing_parens(v);
    let pid: u32 = pid.trim().parse().ok()?;
    let exit = inner.and_then(ProcessExit::parse);
    let comm = match (&exit, inner) {
        (None, Some(c)) => Some(c.to_owned()),
        _ => None,
    };
    Some(MainPid {
        pid,
        comm,
        exit,
        line,
    })
}

/// `Process: 800 ExecStartPre=/usr/sbin/sshd -t (code=exited, status=0/SUCCESS)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessLine {
    pub pid: u32,
    /// `ExecStartPre`, `ExecStart`, `ExecReload`...
    pub kind: String,
    pub command: String,
    pub exit: Option<ProcessExit>,
    pub line: usize,
}

fn parse_process(v: &str, line: usize) -> Option<ProcessLine> {
    let (pid, rest) = v.trim().split_once(' ')?;
    let (kind, cmd) = rest.split_once('=')?;
    let (command, inner) = split_trailing_parens(cmd);
    Some(ProcessLine {
        pid: pid.parse().ok()?,
        kind: kind.to_owned(),
        command: command.to_owned(),
        exit: inner.and_then(ProcessExit::parse),
        line,
    })
}

/// `Tasks: 1 (limit: 4677)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tasks {
    pub current: u32,
    pub limit: Option<u32>,
    pub line: usize,
}

fn parse_tasks(v: &str, line: usize) -> Option<Tasks> {
    let (n, inner) = split_trailing_parens(v);
    Some(Tasks {
        current: n.trim().parse().ok()?,
        limit: inner
            .and_then(|i| i.strip_prefix("limit: "))
            .and_then(|l| l.trim().parse().ok()),
        line,
    })
}

/// Any `Key: value` line of a stanza, with the indented lines that continue it
/// (`Docs:` and `CGroup:` trees span several lines).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Property {
    pub key: String,
    /// The first value, then each continuation line (trimmed), with line numbers.
    pub values: Vec<(usize, String)>,
}

/// One unit's stanza.
#[derive(Clone, Debug, PartialEq)]
pub struct UnitStatus {
    pub bullet: Option<Bullet>,
    pub name: String,
    pub unit_type: Option<UnitType>,
    pub description: Option<String>,
    pub header_line: usize,
    pub loaded: Option<Loaded>,
    pub active: Option<ActiveState>,
    pub main_pid: Option<MainPid>,
    pub processes: Vec<ProcessLine>,
    pub tasks: Option<Tasks>,
    /// Every `Key:` line in order, typed ones included, for fields without a type here.
    pub properties: Vec<Property>,
    /// Journal lines after the properties, raw, for the syslog parser.
    pub journal_tail: Vec<(usize, String)>,
    /// `Warning: journal has been rotated...` and similar notes.
    pub notes: Vec<(usize, String)>,
}

impl UnitStatus {
    pub fn property(&self, key: &str) -> Option<&Property> {
        self.properties.iter().find(|p| p.key == key)
    }

    /// `Memory: 5.8M` as written.
    pub fn memory(&self) -> Option<&str> {
        self.first_value("Memory")
    }

    fn first_value(&self, key: &str) -> Option<&str> {
        self.property(key)?.values.first().map(|(_, v)| v.as_str())
    }

    /// `Docs:` entries.
    pub fn docs(&self) -> Vec<&str> {
        self.values_of("Docs")
    }

    /// `TriggeredBy:` units (the bullet removed).
    pub fn triggered_by(&self) -> Vec<&str> {
        self.values_of("TriggeredBy")
            .into_iter()
            .map(|v| v.trim_start_matches(|c| bullet_of(c).is_some() || c == ' '))
            .collect()
    }

    fn values_of(&self, key: &str) -> Vec<&str> {
        self.property(key)
            .map(|p| p.values.iter().map(|(_, v)| v.as_str()).collect())
            .unwrap_or_default()
    }

    /// Processes in the `CGroup:` tree: `(line, pid, command)`.
    pub fn cgroup_processes(&self) -> Vec<(usize, u32, String)> {
        let Some(p) = self.property("CGroup") else {
            return Vec::new();
        };
        p.values
            .iter()
            .skip(1)
            .filter_map(|(line, v)| {
                let rest = v.trim_start_matches(|c: char| "|`-│├└─ ".contains(c));
                let (pid, cmd) = rest.split_once(' ')?;
                Some((*line, pid.parse().ok()?, cmd.trim().to_owned()))
            })
            .collect()
    }
}

/// The host stanza `systemctl status` prints without a unit argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostStatus {
    pub name: String,
    /// `running`, `degraded`, `starting`...
    pub state: Option<String>,
    pub failed_units: Option<u32>,
    pub queued_jobs: Option<u32>,
    pub line: usize,
}

/// `Unit foo.service could not be found.`: a unit `status` was asked about that does not exist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitNotFound {
    pub unit: String,
    pub line: usize,
}

/// Everything a `systemctl status` capture says.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StatusReport {
    pub host: Option<HostStatus>,
    pub units: Vec<UnitStatus>,
    pub not_found: Vec<UnitNotFound>,
}

impl StatusReport {
    pub fn unit(&self, name: &str) -> Option<&UnitStatus> {
        self.units.iter().find(|u| u.name == name)
    }
}

static NOT_FOUND: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"Unit (\S+) could not be found\.$").expect("valid regex"));
static HEADER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:([●×✗○*↻ox]) )?(\S+)(?: - (.*))?$").expect("valid regex"));
static PROPERTY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\s*)([A-Z][A-Za-z]*(?:[ -][A-Za-z]+)*): ?(.*)$").expect("valid regex")
});
/// A line after stitching: where it starts and its text.
type Logical = (usize, String);

/// Undoes sosreport's stdout/stderr interleaving. A stderr message glued to the end of a
/// partial stdout line is removed and that line is joined with the next line that is not
/// itself a stderr message, so the stanza reads as systemctl wrote it.
fn stitch_lines(
    text: &str,
    report: &mut StatusReport,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Logical> {
    let mut out: Vec<Logical> = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if let Some(m) = NOT_FOUND.captures(raw) {
            let whole = m.get(0).map_or(0, |g| g.start());
            report.not_found.push(UnitNotFound {
                unit: m[1].to_owned(),
                line: line_no,
            });
            let prefix = &raw[..whole];
            if !prefix.is_empty() {
                diags.push(
                    Diagnostic::warning(
                        "stderr text spliced into this line; the line was rejoined with the next",
                    )
                    .at_line(line_no),
                );
                let p = pending.get_or_insert((line_no, String::new()));
                p.1.push_str(prefix);
            }
            continue;
        }
        match pending.take() {
            Some((start, mut acc)) => {
                acc.push_str(raw);
                out.push((start, acc));
            }
            None => out.push((line_no, raw.to_owned())),
        }
    }
    if let Some(p) = pending {
        out.push(p);
    }
    out
}

enum Section {
    /// Before the first stanza.
    Preamble,
    Host,
    /// In a unit's property block.
    Props,
    /// After the blank line that ends the properties.
    Tail,
}

struct StatusParser<'a> {
    report: StatusReport,
    diags: &'a mut Vec<Diagnostic>,
    section: Section,
    /// Column at which the last property's value starts; deeper lines continue it.
    value_col: Option<usize>,
}

fn indent_of(s: &str) -> usize {
    s.chars().take_while(|c| c.is_whitespace()).count()
}

impl StatusParser<'_> {
    fn header(&mut self, line_no: usize, text: &str) -> bool {
        let Some(c) = HEADER.captures(text) else {
            return false;
        };
        let bullet = c
            .get(1)
            .and_then(|m| m.as_str().chars().next())
            .and_then(bullet_of);
        let name = c[2].to_owned();
        let unit_type = UnitType::of(&name);
        let description = c.get(3).map(|m| m.as_str().trim().to_owned());
        if unit_type.is_none() && description.is_none() {
            // `● hostname` opens the host stanza; a bare word without a bullet is not a header.
            if bullet.is_none() || self.report.host.is_some() {
                return false;
            }
            self.report.host = Some(HostStatus {
                name,
                state: None,
                failed_units: None,
                queued_jobs: None,
                line: line_no,
            });
            self.section = Section::Host;
            self.value_col = None;
            return true;
        }
        self.report.units.push(UnitStatus {
            bullet,
            name,
            unit_type,
            description,
            header_line: line_no,
            loaded: None,
            active: None,
            main_pid: None,
            processes: Vec::new(),
            tasks: None,
            properties: Vec::new(),
            journal_tail: Vec::new(),
            notes: Vec::new(),
        });
        self.section = Section::Props;
        self.value_col = None;
        true
    }

    fn host_field(&mut self, key: &str, value: &str) {
        let Some(host) = self.report.host.as_mut() else {
            return;
        };
        let first_num = || value.split_whitespace().next().and_then(|n| n.parse().ok());
        match key {
            "State" => host.state = Some(value.to_owned()),
            "Failed" => host.failed_units = first_num(),
            "Jobs" => host.queued_jobs = first_num(),
            _ => {}
        }
    }

    fn property(&mut self, line_no: usize, text: &str) -> bool {
        // The host stanza's CGroup tree is consumed but not kept: it repeats the units.
        if self.value_col.is_some_and(|col| indent_of(text) >= col) {
            if let Some(p) = self.current_unit().and_then(|u| u.properties.last_mut()) {
                p.values.push((line_no, text.trim().to_owned()));
            }
            return true;
        }
        let Some(c) = PROPERTY.captures(text) else {
            return false;
        };
        let key = c[2].to_owned();
        let value = c[3].trim().to_owned();
        self.value_col = Some(c[1].len() + key.len() + 2);
        if matches!(self.section, Section::Host) {
            self.host_field(&key, &value);
            return true;
        }
        self.typed_field(line_no, &key, &value);
        if let Some(unit) = self.current_unit() {
            unit.properties.push(Property {
                key,
                values: vec![(line_no, value)],
            });
        }
        true
    }

    fn typed_field(&mut self, line_no: usize, key: &str, value: &str) {
        let active = (key == "Active").then(|| parse_active(value, line_no, self.diags));
        let Some(unit) = self.report.units.last_mut() else {
            return;
        };
        let mut bad = false;
        match key {
            "Loaded" => unit.loaded = Some(parse_loaded(value, line_no)),
            "Active" => unit.active = active,
            "Main PID" => {
                unit.main_pid = parse_main_pid(value, line_no);
                bad = unit.main_pid.is_none();
            }
            "Process" => match parse_process(value, line_no) {
                Some(p) => unit.processes.push(p),
                None => bad = true,
            },
            "Tasks" => unit.tasks = parse_tasks(value, line_no),
            _ => {}
        }
        if bad {
            self.diags
                .push(Diagnostic::warning(format!("unreadable {key}: value")).at_line(line_no));
        }
    }

    fn current_unit(&mut self) -> Option<&mut UnitStatus> {
        match self.section {
            Section::Props => self.report.units.last_mut(),
            _ => None,
        }
    }

    fn line(&mut self, line_no: usize, text: &str) {
        if text.trim().is_empty() {
            if matches!(self.section, Section::Props | Section::Host) {
                self.section = Section::Tail;
            }
            self.value_col = None;
            return;
        }
        if is_shell_prompt(text) {
            self.diags.push(
                Diagnostic::info("unrecognised line (a shell prompt?) skipped").at_line(line_no),
            );
            return;
        }
        let indented = text.starts_with(char::is_whitespace);
        if !indented && self.header(line_no, text) {
            return;
        }
        if let Some(note) = text.strip_prefix("Warning: ") {
            if let Some(u) = self.report.units.last_mut() {
                u.notes.push((line_no, note.to_owned()));
                return;
            }
        }
        let used = match self.section {
            Section::Props | Section::Host => self.property(line_no, text),
            Section::Tail if !indented => match self.report.units.last_mut() {
                Some(u) => {
                    u.journal_tail.push((line_no, text.to_owned()));
                    true
                }
                None => false,
            },
            _ => false,
        };
        if !used {
            self.diags
                .push(Diagnostic::info("unrecognised line skipped").at_line(line_no));
        }
    }
}

/// Parses `systemctl status` output (one unit, several, or `--all`).
pub fn parse_status(text: &str, diags: &mut Vec<Diagnostic>) -> StatusReport {
    let mut report = StatusReport::default();
    let lines = stitch_lines(text, &mut report, diags);
    let mut p = StatusParser {
        report,
        diags,
        section: Section::Preamble,
        value_col: None,
    };
    for (line_no, text) in &lines {
        p.line(*line_no, text);
    }
    p.report
}

/// The unit stanzas of a `systemctl status` capture; see [`parse_status`] for the rest.
pub fn parse(text: &str, diags: &mut Vec<Diagnostic>) -> Vec<UnitStatus> {
    parse_status(text, diags).units
}

/// One unit's block of `systemctl show`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ShowUnit {
    pub first_line: usize,
    /// Key → (line, value). A repeated key keeps its last value, as systemd would apply it.
    pub props: BTreeMap<String, (usize, String)>,
}

impl ShowUnit {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.props.get(key).map(|(_, v)| v.as_str())
    }
    pub fn id(&self) -> Option<&str> {
        self.get("Id")
    }
    pub fn active_state(&self) -> Option<ActiveKind> {
        self.get("ActiveState").map(ActiveKind::parse)
    }
    pub fn sub_state(&self) -> Option<&str> {
        self.get("SubState")
    }
    pub fn result(&self) -> Option<&str> {
        self.get("Result")
    }
    pub fn main_pid(&self) -> Option<u32> {
        self.get("MainPID")?.parse().ok()
    }
    pub fn exec_main_status(&self) -> Option<i32> {
        self.get("ExecMainStatus")?.parse().ok()
    }
    /// A `...Timestamp=` value such as `ActiveEnterTimestamp`, with its zone abbreviation.
    pub fn timestamp(&self, key: &str) -> Option<(RecordTime, Option<String>)> {
        let ts = parse_systemd_timestamp(self.get(key)?)?;
        Some((record_time(&ts), ts.zone))
    }
}

/// Parses `systemctl show` output: blank-line separated `Key=value` blocks.
pub fn parse_show(text: &str, diags: &mut Vec<Diagnostic>) -> Vec<ShowUnit> {
    let mut out: Vec<ShowUnit> = Vec::new();
    let mut open = false;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() {
            open = false;
            continue;
        }
        let Some((k, v)) = line.split_once('=').filter(|(k, _)| is_show_key(k)) else {
            diags.push(Diagnostic::warning("not a Key=value line").at_line(i + 1));
            continue;
        };
        if !open {
            out.push(ShowUnit {
                first_line: i + 1,
                ..ShowUnit::default()
            });
            open = true;
        }
        if let Some(u) = out.last_mut() {
            u.props.insert(k.to_owned(), (i + 1, v.to_owned()));
        }
    }
    out
}

fn is_show_key(k: &str) -> bool {
    k.starts_with(|c: char| c.is_ascii_uppercase()) && k.chars().all(|c| c.is_ascii_alphanumeric())
}

/// A row of `systemctl list-units`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedUnit {
    /// `●` or `*` before the name marks a unit in a failed or not-found state.
    pub marked: bool,
    pub unit: String,
    pub load: LoadState,
    pub active: ActiveKind,
    pub sub: String,
    pub description: String,
    pub line: usize,
}

fn is_list_boilerplate(t: &str) -> bool {
    let legend = ["LOAD ", "ACTIVE ", "SUB ", "JOB "];
    t.starts_with("UNIT ")
        || legend.iter().any(|l| t.starts_with(l) && t.contains('='))
        || t.ends_with("units listed.")
        || t.ends_with("unit listed.")
        || t.starts_with("To show all")
        || t.starts_with("Pass --all")
        || t.starts_with("lines ")
}

fn parse_list_row(t: &str, line: usize) -> Option<ListedUnit> {
    let first = t.chars().next()?;
    let marked = bullet_of(first).is_some();
    let body = if marked { &t[first.len_utf8()..] } else { t };
    let mut it = body.split_whitespace();
    let unit = it.next()?.to_owned();
    let load = it.next()?;
    let active = it.next()?;
    let sub = it.next()?.to_owned();
    let description = it.collect::<Vec<_>>().join(" ");
    let known_load = !matches!(LoadState::parse(load), LoadState::Other(_));
    (known_load && unit.contains('.')).then(|| ListedUnit {
        marked,
        unit,
        load: LoadState::parse(load),
        active: ActiveKind::parse(active),
        sub,
        description,
        line,
    })
}

/// Parses `systemctl list-units [--failed] [--all]` (with or without legend).
pub fn parse_list_units(text: &str, diags: &mut Vec<Diagnostic>) -> Vec<ListedUnit> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let t = raw.trim_end_matches('\r').trim();
        if t.is_empty() || is_list_boilerplate(t) {
            continue;
        }
        match parse_list_row(t, i + 1) {
            Some(row) => out.push(row),
            None => diags.push(Diagnostic::info("unrecognised list-units line").at_line(i + 1)),
        }
    }
    out
}

/// Confidence that a text is `systemctl status` output.
pub fn sniff(head: &str) -> f32 {
    let loaded = head
        .lines()
        .filter(|l| l.trim_start().starts_with("Loaded: "))
        .count();
    let active = head
        .lines()
        .filter(|l| l.trim_start().starts_with("Active: "))
        .count();
    match (loaded, active) {
        (0, 0) if head.contains("\n    State: ") && head.contains("Failed: ") => 0.6,
        (0, 0) => 0.0,
        (l, a) if l > 0 && a > 0 => 0.95,
        _ => 0.5,
    }
}

/// Confidence that a text is `systemctl show` output.
pub fn sniff_show(head: &str) -> f32 {
    let keys = [
        "Id=",
        "ActiveState=",
        "SubState=",
        "LoadState=",
        "Names=",
        "MainPID=",
    ];
    let hits = head
        .lines()
        .filter(|l| keys.iter().any(|k| l.starts_with(k)))
        .count();
    (hits as f32 * 0.3).min(0.95)
}

/// Confidence that a text is a `systemctl list-units` table.
pub fn sniff_list_units(head: &str) -> f32 {
    let header = head.lines().any(|l| {
        let w: Vec<&str> = l.split_whitespace().collect();
        w.starts_with(&["UNIT", "LOAD", "ACTIVE", "SUB"])
    });
    if header {
        0.95
    } else if head.contains("loaded units listed.") {
        0.8
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_glyphs_of_non_utf8_captures_open_stanzas() {
        let text = "o sshd.service - OpenSSH server daemon\n     Loaded: loaded (/usr/lib/systemd/system/sshd.service; enabled; preset: enabled)\n     Active: inactive (dead) since Fri 2026-11-20 13:40:07 EST; 1h 30min ago\n\nx ssh.socket - OpenBSD Secure Shell server socket\n     Active: failed (Result: resources)\n";
        let mut d = Vec::new();
        let units = parse(text, &mut d);
        assert_eq!(units.len(), 2);
        assert_eq!(units[0].bullet, Some(Bullet::Circle));
        assert_eq!(
            units[0].active.as_ref().unwrap().state,
            ActiveKind::Inactive
        );
        assert_eq!(units[0].active.as_ref().unwrap().line, 3);
        assert_eq!(units[1].bullet, Some(Bullet::Cross));
    }
    use crate::model::Level;
    use chrono::NaiveDateTime;

    const FAILED: &str = "\
× ssh.service - OpenBSD Secure Shell server
     Loaded: loaded (/usr/lib/systemd/system/ssh.service; enabled; preset: enabled)
     Active: failed (Result: exit-code) since Mon 2026-11-23 14:05:01 UTC; 2h 3min ago
   Duration: 1.203s
TriggeredBy: ● ssh.socket
       Docs: man:sshd(8)
             man:sshd_config(5)
    Process: 800 ExecStartPre=/usr/sbin/sshd -t (code=exited, status=255/EXCEPTION)
   Main PID: 812 (code=exited, status=255/EXCEPTION)
        CPU: 21ms

Nov 23 14:05:01 web01 systemd[1]: Starting OpenBSD Secure Shell server...
Nov 23 14:05:01 web01 sshd[800]: /etc/ssh/sshd_config line 3: Bad configuration option: Prot
Nov 23 14:05:01 web01 systemd[1]: ssh.service: Control process exited, code=exited, status=255/EXCEPTION
";

    fn utc(s: &str) -> RecordTime {
        RecordTime::Utc(
            Utc.from_utc_datetime(&NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()),
        )
    }

    #[test]
    fn failed_unit_stanza() {
        let mut d = Vec::new();
        let units = parse(FAILED, &mut d);
        assert!(d.is_empty(), "{d:?}");
        let u = &units[0];
        assert_eq!(u.bullet, Some(Bullet::Cross));
        assert_eq!(u.name, "ssh.service");
        assert_eq!(u.unit_type, Some(UnitType::Service));
        assert_eq!(
            u.description.as_deref(),
            Some("OpenBSD Secure Shell server")
        );
        let l = u.loaded.as_ref().unwrap();
        assert_eq!(l.state, LoadState::Loaded);
        assert_eq!(
            l.path.as_deref(),
            Some("/usr/lib/systemd/system/ssh.service")
        );
        assert_eq!(l.unit_file_state, Some(UnitFileState::Enabled));
        assert_eq!(l.vendor_preset.as_deref(), Some("enabled"));
        assert_eq!(l.line, 2);
        let a = u.active.as_ref().unwrap();
        assert_eq!(a.state, ActiveKind::Failed);
        assert_eq!(a.sub, None);
        assert_eq!(a.result.as_deref(), Some("exit-code"));
        assert_eq!(a.since, Some(utc("2026-11-23 14:05:01")));
        assert_eq!(a.since_text.as_deref(), Some("Mon 2026-11-23 14:05:01 UTC"));
        assert_eq!(a.line, 3);
        let mp = u.main_pid.as_ref().unwrap();
        assert_eq!((mp.pid, mp.line, mp.comm.as_deref()), (812, 9, None));
        assert_eq!(mp.exit.as_ref().unwrap().exit_status(), Some(255));
        let p = &u.processes[0];
        assert_eq!(
            (p.pid, p.kind.as_str(), p.command.as_str()),
            (800, "ExecStartPre", "/usr/sbin/sshd -t")
        );
        assert!(!p.exit.as_ref().unwrap().succeeded());
        assert_eq!(u.docs(), vec!["man:sshd(8)", "man:sshd_config(5)"]);
        assert_eq!(u.triggered_by(), vec!["ssh.socket"]);
        assert_eq!(u.journal_tail.len(), 3);
        assert_eq!(u.journal_tail[1].0, 13);
        assert!(u.journal_tail[1].1.contains("Bad configuration option"));
    }

    #[test]
    fn active_variants() {
        type Case<'a> = (
            &'a str,
            ActiveKind,
            Option<&'a str>,
            Option<&'a str>,
            Option<&'a str>,
        );
        let cases: &[Case] = &[
            ("active (running) since Fri 2022-02-11 18:58:33 UTC; 25min ago", ActiveKind::Active, Some("running"), None, Some("UTC")),
            ("inactive (dead)", ActiveKind::Inactive, Some("dead"), None, None),
            ("activating (auto-restart) (Result: exit-code) since Mon 2026-11-23 14:05:01 CET; 3s ago", ActiveKind::Activating, Some("auto-restart"), Some("exit-code"), Some("CET")),
            ("deactivating (stop-sigterm) since Mon 2026-11-23 14:05:01 UTC; 1s ago", ActiveKind::Deactivating, Some("stop-sigterm"), None, Some("UTC")),
            ("failed (Result: start-limit-hit) since Mon 2026-11-23 14:05:01 GMT; 1s ago", ActiveKind::Failed, None, Some("start-limit-hit"), Some("GMT")),
        ];
        for (v, kind, sub, result, zone) in cases {
            let mut d = Vec::new();
            let a = parse_active(v, 7, &mut d);
            assert_eq!(&a.state, kind, "{v}");
            assert_eq!(a.sub.as_deref(), *sub, "{v}");
            assert_eq!(a.result.as_deref(), *result, "{v}");
            assert_eq!(a.zone_abbrev.as_deref(), *zone, "{v}");
            assert!(d.is_empty());
        }
        let mut d = Vec::new();
        let a = parse_active(
            "activating (auto-restart) since Mon 2026-11-23 14:05:01 CET; 3s ago",
            1,
            &mut d,
        );
        let local =
            NaiveDateTime::parse_from_str("2026-11-23 14:05:01", "%Y-%m-%d %H:%M:%S").unwrap();
        assert_eq!(a.since, Some(RecordTime::Local(local)));
        parse_active("active (running) since yesterday; 1d ago", 4, &mut d);
        assert_eq!(d[0].line, Some(4));
    }

    #[test]
    fn loaded_variants() {
        let l = parse_loaded("not-found (Reason: Unit sshd.service not found.)", 2);
        assert_eq!(l.state, LoadState::NotFound);
        assert_eq!(l.reason.as_deref(), Some("Unit sshd.service not found."));
        let l = parse_loaded("masked (Reason: Unit ssh.service is masked.)", 2);
        assert_eq!(l.state, LoadState::Masked);
        let l = parse_loaded("loaded (/lib/systemd/system/ssh.service; disabled)", 2);
        assert_eq!(l.unit_file_state, Some(UnitFileState::Disabled));
        assert_eq!(l.vendor_preset, None);
        let l = parse_loaded("loaded (/etc/fstab; generated)", 2);
        assert_eq!(l.unit_file_state, Some(UnitFileState::Generated));
        assert_eq!(parse_loaded("loaded", 2).path, None);
    }

    const ALL: &str = "\
* web01
    State: degraded
     Jobs: 0 queued
   Failed: 2 units
    Since: Mon 2026-11-23 12:00:00 UTC; 2h ago
   CGroup: /
           |-user.slice
           | `-user-1000.slice

* boot-efi.mount - /boot/efi
     Loaded: loaded (/etc/fstab; generated)
     Active: active (mounted) since Mon 2026-11-23 12:00:05 UTC; 2h ago
      WheUnit tmp.mount could not be found.
Unit foo.service could not be found.
re: /boot/efi
       What: /dev/vda15

○ sshd.service
     Loaded: not-found (Reason: Unit sshd.service not found.)
     Active: inactive (dead)
* ssh.service - OpenBSD Secure Shell server
     Loaded: loaded (/lib/systemd/system/ssh.service; enabled; vendor preset: enabled)
     Active: active (running) since Mon 2026-11-23 12:00:09 UTC; 2h ago
   Main PID: 855 (sshd)
      Tasks: 1 (limit: 4677)
     Memory: 5.8M
     CGroup: /system.slice/ssh.service
             `-855 sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups

Nov 23 14:00:01 web01 sshd[9001]: Accepted publickey for alice from 10.0.0.5 port 4711 ssh2
Nov 23 14:00:02 web01 sshdUnit zz.service could not be found.
[9001]: pam_unix(sshd:session): session opened for user alice by (uid=0)
Warning: journal has been rotated since unit was started, output may be incomplete.
Unit bar.service could not be found.
";

    #[test]
    fn status_all_with_spliced_stderr() {
        let mut d = Vec::new();
        let r = parse_status(ALL, &mut d);
        assert!(d.iter().all(|x| x.level != Level::Error), "{d:?}");
        let h = r.host.as_ref().unwrap();
        assert_eq!(
            (
                h.name.as_str(),
                h.state.as_deref(),
                h.failed_units,
                h.queued_jobs
            ),
            ("web01", Some("degraded"), Some(2), Some(0))
        );
        assert_eq!(r.units.len(), 3);
        let mount = r.unit("boot-efi.mount").unwrap();
        assert_eq!(mount.unit_type, Some(UnitType::Mount));
        let where_ = mount.property("Where").unwrap();
        assert_eq!(where_.values, vec![(13, "/boot/efi".to_owned())]);
        assert_eq!(
            mount.active.as_ref().unwrap().sub.as_deref(),
            Some("mounted")
        );
        let sshd = r.unit("sshd.service").unwrap();
        assert_eq!(sshd.bullet, Some(Bullet::Circle));
        assert_eq!(sshd.loaded.as_ref().unwrap().state, LoadState::NotFound);
        let ssh = r.unit("ssh.service").unwrap();
        assert_eq!(ssh.main_pid.as_ref().unwrap().comm.as_deref(), Some("sshd"));
        assert_eq!(
            ssh.tasks,
            Some(Tasks {
                current: 1,
                limit: Some(4677),
                line: 25
            })
        );
        assert_eq!(ssh.memory(), Some("5.8M"));
        assert_eq!(ssh.cgroup_processes()[0].1, 855);
        assert_eq!(ssh.journal_tail.len(), 2);
        assert_eq!(ssh.journal_tail[1], (31, "Nov 23 14:00:02 web01 sshd[9001]: pam_unix(sshd:session): session opened for user alice by (uid=0)".to_owned()));
        assert_eq!(ssh.notes.len(), 1);
        let nf: Vec<&str> = r.not_found.iter().map(|n| n.unit.as_str()).collect();
        assert_eq!(
            nf,
            ["tmp.mount", "foo.service", "zz.service", "bar.service"]
        );
        let spliced: Vec<_> = d
            .iter()
            .filter(|x| x.level == Level::Warning)
            .map(|x| x.line)
            .collect();
        assert_eq!(spliced, [Some(13), Some(31)]);
    }

    #[test]
    fn transcript_prompts_and_tree_glyphs() {
        let t = "user@host:~$ systemctl status ssh.service
● ssh.service - OpenBSD Secure Shell server
   Loaded: loaded (/lib/systemd/system/ssh.service; enabled)
   Active: active (running) since Thu 2018-07-19 15:15:42 CEST; 32s ago
  Process: 2543 ExecStartPre=/usr/sbin/sshd -t (code=exited, status=0/SUCCESS)
 Main PID: 2544 (sshd)
   CGroup: /system.slice/ssh.service
           └─2544 /usr/sbin/sshd -D

Jul 19 15:15:42 host sshd[2544]: Server listening on 0.0.0.0 port 22.
user@host:~$ 
";
        let mut d = Vec::new();
        let u = &parse(t, &mut d)[0];
        assert_eq!(u.bullet, Some(Bullet::Dot));
        assert_eq!(u.main_pid.as_ref().unwrap().pid, 2544);
        assert_eq!(
            u.cgroup_processes(),
            vec![(8, 2544, "/usr/sbin/sshd -D".to_owned())]
        );
        assert_eq!(u.journal_tail.len(), 1);
        assert!(u.processes[0].exit.as_ref().unwrap().succeeded());
        assert_eq!(d.len(), 2);
        assert!(d.iter().all(|x| x.level == Level::Info));
        assert_eq!((d[0].line, d[1].line), (Some(1), Some(11)));
    }

    #[test]
    fn garbage_never_panics() {
        let mut d = Vec::new();
        let r = parse_status(
            "\u{0}\n● \n   Main PID: x (\n×\n(((\n   Process: \n",
            &mut d,
        );
        assert!(r.units.is_empty() || r.units.iter().all(|u| u.main_pid.is_none()));
    }

    #[test]
    fn show_blocks() {
        let t = "Id=sshd.service\nNames=sshd.service\nActiveState=failed\nSubState=failed\nResult=exit-code\nMainPID=0\nExecMainStatus=255\nActiveEnterTimestamp=Mon 2026-11-23 14:05:01 EST\n\nId=chronyd.service\nActiveState=active\nbroken line\n";
        let mut d = Vec::new();
        let u = parse_show(t, &mut d);
        assert_eq!(u.len(), 2);
        assert_eq!(u[0].id(), Some("sshd.service"));
        assert_eq!(u[0].active_state(), Some(ActiveKind::Failed));
        assert_eq!(u[0].sub_state(), Some("failed"));
        assert_eq!(u[0].result(), Some("exit-code"));
        assert_eq!(u[0].main_pid(), Some(0));
        assert_eq!(u[0].exec_main_status(), Some(255));
        let (t0, zone) = u[0].timestamp("ActiveEnterTimestamp").unwrap();
        assert!(matches!(t0, RecordTime::Local(_)));
        assert_eq!(zone.as_deref(), Some("EST"));
        assert_eq!(u[1].first_line, 10);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].line, Some(12));
    }

    #[test]
    fn list_units_tables() {
        let t = "  UNIT          LOAD   ACTIVE SUB    DESCRIPTION\n\
● ssh.service   loaded failed failed OpenBSD Secure Shell server\n\
  cron.service  loaded active running Regular background program processing daemon\n\
\n\
LOAD   = Reflects whether the unit definition was properly loaded.\n\
ACTIVE = The high-level unit activation state, i.e. generalization of SUB.\n\
SUB    = The low-level unit activation state, values depend on unit type.\n\
\n\
2 loaded units listed.\n";
        let mut d = Vec::new();
        let rows = parse_list_units(t, &mut d);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(rows.len(), 2);
        assert!(rows[0].marked);
        assert_eq!(rows[0].unit, "ssh.service");
        assert_eq!(rows[0].active, ActiveKind::Failed);
        assert_eq!(rows[0].sub, "failed");
        assert_eq!(rows[0].description, "OpenBSD Secure Shell server");
        assert_eq!(rows[1].line, 3);
        assert_eq!(
            parse_list_units(
                "  UNIT LOAD ACTIVE SUB DESCRIPTION\n0 loaded units listed.\n",
                &mut d
            )
            .len(),
            0
        );
    }

    #[test]
    fn sniffing() {
        assert!(sniff(FAILED) > 0.9);
        assert!(sniff_show("Id=a.service\nActiveState=active\nSubState=running\n") > 0.8);
        assert!(sniff_list_units("  UNIT LOAD ACTIVE SUB DESCRIPTION\n") > 0.9);
        assert_eq!(sniff("root:x:0:0:root:/root:/bin/bash\n"), 0.0);
        assert_eq!(sniff_show("Port 22\n"), 0.0);
    }
}
