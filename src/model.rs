//! The shared vocabulary of the pipeline: where a line came from, what a parsed log record
//! looks like before its time is normalised, what an event is after classification, and the
//! diagnostics every stage uses to tell the user what it could not read or had to assume.
//!
//! Every stage speaks these types so that a parser, a rule or an output format can be added
//! without touching the others.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

/// A place in the bundle: the member's path as stored in the archive or directory, and a
/// 1-based line number. Every claim the tool makes points to one of these.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Location {
    pub path: Arc<str>,
    pub line: usize,
}

impl Location {
    pub fn new(path: impl Into<Arc<str>>, line: usize) -> Self {
        Location {
            path: path.into(),
            line,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.path, self.line)
    }
}

/// A value read from a parsed artifact, with the 1-based line it came from, so a rule can
/// cite the line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct At<T> {
    pub value: T,
    pub line: usize,
}

impl<T> At<T> {
    pub fn new(value: T, line: usize) -> Self {
        At { value, line }
    }
}

/// How serious a diagnostic is. `Error` means data was lost or unusable; `Warning` means
/// the tool had to assume something that may be wrong; `Info` records an inference.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Info,
    Warning,
    Error,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Error => "error",
        })
    }
}

/// Something the user must know about the inputs: a member that could not be read, a line
/// that did not parse, a year or zone that was inferred.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub level: Level,
    pub path: Option<Arc<str>>,
    pub line: Option<usize>,
    pub message: String,
}

impl Diagnostic {
    pub fn new(level: Level, message: impl Into<String>) -> Self {
        Diagnostic {
            level,
            path: None,
            line: None,
            message: message.into(),
        }
    }
    pub fn info(message: impl Into<String>) -> Self {
        Self::new(Level::Info, message)
    }
    pub fn warning(message: impl Into<String>) -> Self {
        Self::new(Level::Warning, message)
    }
    pub fn error(message: impl Into<String>) -> Self {
        Self::new(Level::Error, message)
    }
    pub fn at_path(mut self, path: impl Into<Arc<str>>) -> Self {
        self.path = Some(path.into());
        self
    }
    pub fn at(mut self, location: &Location) -> Self {
        self.path = Some(location.path.clone());
        self.line = Some(location.line);
        self
    }
    pub fn at_line(mut self, line: usize) -> Self {
        self.line = Some(line);
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.level)?;
        match (&self.path, self.line) {
            (Some(p), Some(l)) => write!(f, "{p}:{l}: ")?,
            (Some(p), None) => write!(f, "{p}: ")?,
            _ => {}
        }
        f.write_str(&self.message)
    }
}

/// A timestamp as a log line wrote it, before the bundle's year and zone are applied.
/// Keeping the raw shape lets the time stage explain exactly what it had to infer.
#[derive(Clone, Debug, PartialEq)]
pub enum RecordTime {
    /// An absolute instant (journal `__REALTIME_TIMESTAMP`, RFC 3339 with `Z`).
    Utc(DateTime<Utc>),
    /// An absolute instant written with its UTC offset (rsyslog high precision, RFC 5424).
    Offset(DateTime<FixedOffset>),
    /// A wall-clock time with a year but no zone (`journalctl -o short-iso` without offset,
    /// `date`-like outputs): the bundle's zone applies.
    Local(NaiveDateTime),
    /// RFC 3164 `Nov 23 14:05:01`: neither year nor zone.
    YearLess {
        month: u32,
        day: u32,
        time: NaiveTime,
    },
    /// Seconds since boot (dmesg `[  12.345678]`), to be placed with the boot time.
    SinceBoot(f64),
    /// The line carried no usable time.
    Unknown,
}

/// Journal metadata that survives into a record when the source was a journal export.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JournalMeta {
    pub unit: Option<String>,
    pub transport: Option<String>,
    pub boot_id: Option<String>,
    /// Microseconds since boot: the kernel's own `_SOURCE_MONOTONIC_TIMESTAMP` for kernel
    /// records, else journald's `__MONOTONIC_TIMESTAMP`.
    pub monotonic_us: Option<u64>,
    pub priority: Option<u8>,
}

/// One log record as read from syslog, a journal export or an embedded journal excerpt,
/// before classification. `line` is the 1-based line where the record starts in its member;
/// `text` is the text shown as evidence (the original line, or for structured journal
/// exports a `short-iso`-like rendering of the entry).
#[derive(Clone, Debug, PartialEq)]
pub struct LogRecord {
    pub time: RecordTime,
    pub host: Option<String>,
    /// The syslog identifier: `sshd`, `sshd-session`, `systemd`, `kernel`, `sshd(pam_unix)`...
    pub program: String,
    pub pid: Option<u32>,
    /// The message after `program[pid]: `.
    pub message: String,
    pub journal: Option<JournalMeta>,
    pub line: usize,
    pub text: String,
}

macro_rules! event_kinds {
    ($($variant:ident => $name:literal,)*) => {
        /// What an event says happened, as a closed set so rules match on types, not strings.
        /// The names are part of the JSON and NDJSON contract: add, never rename.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum EventKind {
            $($variant,)*
        }

        impl EventKind {
            /// Every kind, in declaration order.
            pub const ALL: &'static [EventKind] = &[$(EventKind::$variant,)*];

            /// The stable snake_case name used in JSON, NDJSON and text output.
            pub fn name(self) -> &'static str {
                match self {
                    $(EventKind::$variant => $name,)*
                }
            }

            pub fn from_name(name: &str) -> Option<EventKind> {
                match name {
                    $($name => Some(EventKind::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

event_kinds! {
    // sshd listener lifecycle
    ServerListening => "server_listening",
    BindFailed => "bind_failed",
    CannotBindAny => "cannot_bind_any",
    ServerTerminating => "server_terminating",
    ServerReloading => "server_reloading",
    NoHostKeys => "no_host_keys",
    HostKeyLoadFailed => "host_key_load_failed",
    MissingPrivsepDir => "missing_privsep_dir",
    PrivsepUserMissing => "privsep_user_missing",
    ConfigBadOption => "config_bad_option",
    ConfigInvalid => "config_invalid",
    ConfigDeprecatedOption => "config_deprecated_option",
    // connection and authentication
    ConnectionFrom => "connection_from",
    AuthAccepted => "auth_accepted",
    AuthFailed => "auth_failed",
    AuthPartial => "auth_partial",
    AuthPostponed => "auth_postponed",
    InvalidUser => "invalid_user",
    UserNotAllowed => "user_not_allowed",
    RootLoginRefused => "root_login_refused",
    StrictModesRefused => "strict_modes_refused",
    AuthorizedKeysUnreadable => "authorized_keys_unreadable",
    PubkeyAlgorithmRefused => "pubkey_algorithm_refused",
    MaxAuthTriesExceeded => "max_auth_tries_exceeded",
    TooManyAuthFailures => "too_many_auth_failures",
    KexNoMatch => "kex_no_match",
    PamAccountDenied => "pam_account_denied",
    NoIdentification => "no_identification",
    BadProtocolBanner => "bad_protocol_banner",
    ReverseMappingFailed => "reverse_mapping_failed",
    ConnectionClosed => "connection_closed",
    ConnectionReset => "connection_reset",
    Disconnected => "disconnected",
    ReceivedDisconnect => "received_disconnect",
    LoginGraceTimeout => "login_grace_timeout",
    MaxStartupsDrop => "max_startups_drop",
    SessionProcessCrashed => "session_process_crashed",
    SessionStarted => "session_started",
    SessionClosed => "session_closed",
    UserChildStarted => "user_child_started",
    BytesTransferred => "bytes_transferred",
    ClosingConnection => "closing_connection",
    AuthorizedKeyMatched => "authorized_key_matched",
    ServerDisconnecting => "server_disconnecting",
    ClientAliveTimeout => "client_alive_timeout",
    ProtocolError => "protocol_error",
    ScannerProbe => "scanner_probe",
    SourcePenalised => "source_penalised",
    MaxStartupsThrottling => "max_startups_throttling",
    ConnectionProhibited => "connection_prohibited",
    ForkFailed => "fork_failed",
    AcceptFailed => "accept_failed",
    PtyAllocFailed => "pty_alloc_failed",
    LoginRecordFailed => "login_record_failed",
    ListenFailed => "listen_failed",
    ServerRestartFailed => "server_restart_failed",
    ServerExecFailed => "server_exec_failed",
    PidFileFailed => "pid_file_failed",
    PrivsepDirInsecure => "privsep_dir_insecure",
    ChrootFailed => "chroot_failed",
    CertificateRefused => "certificate_refused",
    KeySourceNotPermitted => "key_source_not_permitted",
    RootLoginForcedCommand => "root_login_forced_command",
    // PAM
    PamAuthFailure => "pam_auth_failure",
    PamMoreAuthFailures => "pam_more_auth_failures",
    PamUserUnknown => "pam_user_unknown",
    PamAccountExpired => "pam_account_expired",
    PamPasswordExpired => "pam_password_expired",
    PamFaillockLocked => "pam_faillock_locked",
    PamAccessDenied => "pam_access_denied",
    PamMaxRetries => "pam_max_retries",
    PamSessionFailed => "pam_session_failed",
    PamSessionOpened => "pam_session_opened",
    PamSessionClosed => "pam_session_closed",
    PamSetupFailed => "pam_setup_failed",
    PamLimitsExceeded => "pam_limits_exceeded",
    PamListfileRefused => "pam_listfile_refused",
    PamPasswordChanged => "pam_password_changed",
    LogindNewSession => "logind_new_session",
    LogindSessionLoggedOut => "logind_session_logged_out",
    LogindSessionRemoved => "logind_session_removed",
    // bans and firewall logs
    IpBanned => "ip_banned",
    IpUnbanned => "ip_unbanned",
    BanFilterMatch => "ban_filter_match",
    FirewallPacketDenied => "firewall_packet_denied",
    FirewallPacketLogged => "firewall_packet_logged",
    // kernel reports
    KernelOomKill => "kernel_oom_kill",
    KernelOomNoKillable => "kernel_oom_no_killable",
    KernelHungTask => "kernel_hung_task",
    KernelSegfault => "kernel_segfault",
    KernelForkRejected => "kernel_fork_rejected",
    KernelFileMax => "kernel_file_max",
    KernelFsError => "kernel_fs_error",
    KernelIoError => "kernel_io_error",
    KernelSynFlood => "kernel_syn_flood",
    KernelConntrackFull => "kernel_conntrack_full",
    // administrators' commands
    SudoCommand => "sudo_command",
    // systemd unit lifecycle
    UnitStarting => "unit_starting",
    UnitStarted => "unit_started",
    UnitStopping => "unit_stopping",
    UnitStopped => "unit_stopped",
    UnitFailedToStart => "unit_failed_to_start",
    UnitProcessExited => "unit_process_exited",
    UnitFailed => "unit_failed",
    UnitRestartScheduled => "unit_restart_scheduled",
    UnitStartLimitHit => "unit_start_limit_hit",
    UnitOomKill => "unit_oom_kill",
    UnitListening => "unit_listening",
    UnitDeactivated => "unit_deactivated",
    // the client's side (ssh -v transcripts)
    ClientConnecting => "client_connecting",
    ClientAuthMethods => "client_auth_methods",
    ClientNoMoreMethods => "client_no_more_methods",
    ClientPermissionDenied => "client_permission_denied",
    ClientConnectFailed => "client_connect_failed",
    ClientHostKeyFailed => "client_host_key_failed",
    // a line of a program rootline does not interpret (full timelines only)
    LogLine => "log_line",
    // a snapshot of the system (top, ps, free, df, vmstat) at the moment it was taken
    Snapshot => "snapshot",
    // a recognised source whose message this version does not classify
    Other => "other",
}

impl Serialize for EventKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a client tried to authenticate, as sshd names it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuthMethod {
    Password,
    Publickey,
    KeyboardInteractive,
    Hostbased,
    GssapiWithMic,
    None,
    #[serde(untagged)]
    Other(String),
}

impl AuthMethod {
    /// Parses sshd's method word; `keyboard-interactive/pam` keeps only the method.
    pub fn parse(word: &str) -> AuthMethod {
        let base = word.split('/').next().unwrap_or(word);
        match base {
            "password" => AuthMethod::Password,
            "publickey" => AuthMethod::Publickey,
            "keyboard-interactive" => AuthMethod::KeyboardInteractive,
            "hostbased" => AuthMethod::Hostbased,
            "gssapi-with-mic" => AuthMethod::GssapiWithMic,
            "none" => AuthMethod::None,
            other => AuthMethod::Other(other.to_owned()),
        }
    }
    pub fn as_str(&self) -> &str {
        match self {
            AuthMethod::Password => "password",
            AuthMethod::Publickey => "publickey",
            AuthMethod::KeyboardInteractive => "keyboard-interactive",
            AuthMethod::Hostbased => "hostbased",
            AuthMethod::GssapiWithMic => "gssapi-with-mic",
            AuthMethod::None => "none",
            AuthMethod::Other(s) => s,
        }
    }
}

impl fmt::Display for AuthMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The typed fields a classified message carries. Only the fields a message actually
/// contains are set; absent ones are omitted from JSON.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct EventFields {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The remote address as logged: an IP, or a host name when sshd resolved it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub addr: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_addr: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<AuthMethod>,
    /// `keyboard-interactive/pam` keeps `pam` here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submethod: Option<String>,
    /// True when sshd wrote `invalid user` / `illegal user` in the line.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub invalid_user: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// Free-text cause the message gives (`not listed in AllowUsers`, `Address already in use`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// A file the message names: authorized_keys, a host key, a config file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// A line number the message names (sshd_config syntax errors).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keyword: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signal: Option<i32>,
    /// systemd `code=` (exited, killed, dumped).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<String>,
    /// systemd `status=` (`255/EXCEPTION`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_status: Option<String>,
    /// systemd unit result (`exit-code`, `oom-kill`, `start-limit-hit`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// The client's algorithm offer in a key-exchange mismatch.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub offer: Vec<String>,
    /// PAM service (`sshd`) and module (`pam_unix`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    /// PAM phase (`auth`, `account`, `session`, `setcred`, `chauthtok`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    /// A numeric user id the message gives (`session opened for user alice(uid=1000)`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<u32>,
    /// A login session id (logind `New session 12 of user alice.`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// A host name given next to `addr` (reverse-mapping checks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// SSH disconnect reason code (`11` = by application, `14` = no more auth methods).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disconnect_code: Option<u32>,
    /// A process id named in the message (child, session process), not the logger's own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub child_pid: Option<u32>,
    /// Failures a summary line stands for (`PAM 2 more authentication failures`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failures: Option<u32>,
    /// The process a kernel report is about (the OOM victim, the segfaulting task).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub victim: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub victim_pid: Option<u32>,
    /// Memory figure of a kernel report (the OOM victim's anonymous RSS), in KiB.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_kb: Option<u64>,
    /// True when the line carried sshd's `[preauth]` suffix.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub preauth: bool,
}

/// A classified, time-normalised fact from the bundle, pointing to the line it came from.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Event {
    pub time: Option<DateTime<Utc>>,
    pub host: Option<String>,
    pub program: String,
    pub pid: Option<u32>,
    pub kind: EventKind,
    pub fields: EventFields,
    pub message: String,
    pub location: Location,
    /// The evidence text: the line as it stands in the member.
    pub text: String,
    /// Set when the time rests on an assumption (a `dmesg -T` clock that drifts, seconds
    /// since boot placed from an uptime in minutes): what it rests on.
    pub time_note: Option<TimeNote>,
}

/// What an event's time rests on when it is not read straight from its line. One byte per
/// event, since a bundle can hold millions of events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeNote {
    /// `dmesg -T`: boot time plus uptime, late by any time spent suspended.
    DmesgWallClock,
    /// Seconds since boot placed from btime, or the collection time less the uptime.
    BootTime,
    /// Seconds since boot placed by the same kernel line in a log with a wall clock.
    MatchedKernelLine,
    /// An earlier boot dated by its first entry in `journalctl --list-boots`.
    ListedBoot,
    /// A snapshot placed at the clock in `top`'s header.
    TopHeader,
    /// A snapshot placed at the bundle's collection time.
    Collection,
}

impl Serialize for TimeNote {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.text())
    }
}

impl TimeNote {
    pub fn text(self) -> &'static str {
        match self {
            TimeNote::DmesgWallClock => {
                "dmesg -T time: boot time plus uptime, late by any time spent suspended"
            }
            TimeNote::BootTime => {
                "seconds since boot placed from the boot time (btime, or the collection time less the uptime)"
            }
            TimeNote::MatchedKernelLine => {
                "seconds since boot placed by the same kernel line in a log that wrote its wall-clock time (to the second)"
            }
            TimeNote::ListedBoot => {
                "an earlier boot, placed from its first journal entry in journalctl --list-boots"
            }
            TimeNote::TopHeader => "a snapshot, placed at the clock time in top's header",
            TimeNote::Collection => "a snapshot, placed at the bundle's collection time",
        }
    }
}

/// Finding severities, ordered so that `Critical > High > ...`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
    pub fn parse(s: &str) -> Option<Severity> {
        match s.to_ascii_lowercase().as_str() {
            "info" => Some(Severity::Info),
            "low" => Some(Severity::Low),
            "medium" => Some(Severity::Medium),
            "high" => Some(Severity::High),
            "critical" => Some(Severity::Critical),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_kind_names_match_json() {
        assert_eq!(EventKind::AuthFailed.name(), "auth_failed");
        assert_eq!(
            serde_json::to_string(&EventKind::PamFaillockLocked).unwrap(),
            "\"pam_faillock_locked\""
        );
    }

    #[test]
    fn auth_method_parses_submethod_base() {
        assert_eq!(
            AuthMethod::parse("keyboard-interactive/pam"),
            AuthMethod::KeyboardInteractive
        );
        assert_eq!(AuthMethod::parse("password"), AuthMethod::Password);
        assert_eq!(
            AuthMethod::parse("gssapi-keyex"),
            AuthMethod::Other("gssapi-keyex".into())
        );
    }

    #[test]
    fn diagnostic_display_names_file_and_line() {
        let d = Diagnostic::error("bad line").at(&Location::new("var/log/secure", 7));
        assert_eq!(d.to_string(), "error: var/log/secure:7: bad line");
    }
}
