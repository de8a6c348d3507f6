//! Turns the free-text message of a log record into a typed event.
//!
//! Rules must not match strings: sshd, linux-pam and systemd have reworded their messages
//! many times (see the wording notes next to each parser), and a rule written against one
//! wording would silently miss the others. This stage absorbs every known wording and hands
//! the rules an [`EventKind`] plus typed [`EventFields`].
//!
//! It runs on every line of every log in the bundle, so it never uses a regex sweep: it
//! dispatches on the program name and then on the first word of the message, and scans the
//! rest with plain `str` operations. Bundles are untrusted, so nothing here indexes a slice
//! without checking or unwraps a parse.

mod pam;
mod remote;
mod sshd;
mod startup;
mod sudo;
mod systemd;

use crate::model::{EventFields, EventKind};

pub use sshd::{KexFailure, NotAllowedReason};

/// A message this stage understood.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Classified {
    pub kind: EventKind,
    pub fields: EventFields,
}

impl Classified {
    pub(crate) fn new(kind: EventKind, fields: EventFields) -> Self {
        Classified { kind, fields }
    }

    pub(crate) fn bare(kind: EventKind) -> Self {
        Classified::new(kind, EventFields::default())
    }
}

/// What [`classify`] made of a message.
// Nearly every classified line becomes an event, so boxing would only add an allocation
// per line; the small variants are the rare ones.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Classification {
    Event(Classified),
    /// The program is one this stage owns but the wording is unknown: counted and listable,
    /// so a new sshd or PAM release shows up as a visible gap instead of lost evidence.
    Unrecognized,
    /// A program this stage does not interpret (cron, sudo, kernel...).
    NotOurs,
}

impl Classification {
    pub fn event(&self) -> Option<&Classified> {
        match self {
            Classification::Event(c) => Some(c),
            _ => None,
        }
    }

    fn from_option(found: Option<Classified>) -> Self {
        found.map_or(Classification::Unrecognized, Classification::Event)
    }
}

/// True for the identifiers under which the SSH daemon and its helpers log: `sshd`,
/// `sshd-session` (9.8+), `sshd-auth` (10.0+), the old `sshd(pam_unix)` style, and any of
/// these written with their installation path.
pub fn is_ssh_related(program: &str) -> bool {
    let base = program.rsplit('/').next().unwrap_or(program);
    matches!(base, "sshd" | "sshd-session" | "sshd-auth")
        || (base.starts_with("sshd(") && base.ends_with(')'))
}

/// Classifies one message written by `program` (the syslog identifier without PID).
pub fn classify(program: &str, message: &str) -> Classification {
    let message = message.trim_end_matches(['\r', '\n', ' ']);
    if let Some((count, inner)) = repeated(message) {
        return match classify(program, inner) {
            Classification::Event(mut c) => {
                c.fields.count = Some(count);
                Classification::Event(c)
            }
            other => other,
        };
    }
    let base = program.rsplit('/').next().unwrap_or(program);
    if let Some(module) = base.strip_prefix("sshd(").and_then(|m| m.strip_suffix(')')) {
        return Classification::from_option(pam::classify_bare(module, "sshd", message));
    }
    match base {
        "sshd" | "sshd-session" | "sshd-auth" => {
            Classification::from_option(classify_sshd(message))
        }
        "unix_chkpwd" => {
            Classification::from_option(pam::classify_bare("unix_chkpwd", "", message))
        }
        "systemd" => systemd::classify_pid1(message),
        "systemd-logind" => systemd::classify_logind(message),
        "sudo" => sudo::classify(message).map_or(Classification::NotOurs, Classification::Event),
        "kernel" => packet(message).map_or(Classification::NotOurs, Classification::Event),
        _ => Classification::NotOurs,
    }
}

/// sshd's own stream carries its messages, the PAM modules' messages (same process) and,
/// through the journal, the unprefixed stderr output of startup.
fn classify_sshd(message: &str) -> Option<Classified> {
    let (body, preauth) = strip_preauth(message);
    let body = strip_level(body);
    let found = pam::classify_prefixed(body)
        .or_else(|| sshd::classify(body))
        .or_else(|| startup::classify(body));
    found.map(|mut c| {
        c.fields.preauth |= preauth;
        c
    })
}

/// rsyslog's duplicate suppression: `message repeated 3 times: [ <inner>]`.
fn repeated(message: &str) -> Option<(u32, &str)> {
    let rest = message.strip_prefix("message repeated ")?;
    let (n, rest) = rest.split_once(' ')?;
    let count = n.parse().ok()?;
    let inner = rest.strip_prefix("times: [")?;
    let inner = inner.strip_suffix(']').unwrap_or(inner);
    Some((count, inner.trim()))
}

/// Lines relayed from the unprivileged pre-auth process end in ` [preauth]` (` [postauth]`
/// exists in the code but is not seen in practice; it is accepted and not flagged).
fn strip_preauth(message: &str) -> (&str, bool) {
    if let Some(body) = message.strip_suffix("[preauth]") {
        (body.trim_end(), true)
    } else if let Some(body) = message.strip_suffix("[postauth]") {
        (body.trim_end(), false)
    } else {
        (message, false)
    }
}

/// The level tag sshd adds when writing to syslog carries no meaning the kind does not
/// already carry, and is absent from the same text written to stderr.
fn strip_level(message: &str) -> &str {
    for tag in [
        "error: ", "fatal: ", "debug1: ", "debug2: ", "debug3: ", "Fatal: ",
    ] {
        if let Some(rest) = message.strip_prefix(tag) {
            return rest;
        }
    }
    message
}

/// A TCP port as logged; anything out of range is treated as absent, not an error.
pub(crate) fn parse_port(s: &str) -> Option<u16> {
    if s.is_empty() || s.len() > 5 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

pub(crate) fn parse_u32(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

pub(crate) fn non_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

#[cfg(test)]
mod packet_tests {
    use super::*;

    #[test]
    fn ufw_block_lines_become_denied_packets() {
        let m = "[UFW BLOCK] IN=eth0 OUT= MAC=00:00 SRC=198.51.100.23 DST=10.0.1.5 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=1 DF PROTO=TCP SPT=50514 DPT=22 WINDOW=64240 RES=0x00 SYN URGP=0";
        let Classification::Event(c) = classify("kernel", m) else {
            panic!("not classified")
        };
        assert_eq!(c.kind, EventKind::FirewallPacketDenied);
        assert_eq!(c.fields.addr.as_deref(), Some("198.51.100.23"));
        assert_eq!(c.fields.local_port, Some(22));
        assert_eq!(c.fields.reason.as_deref(), Some("[UFW BLOCK]"));
        assert!(matches!(
            classify("kernel", "eth0: link up"),
            Classification::NotOurs
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::EventKind as K;

    #[test]
    fn ssh_programs_are_recognised() {
        for p in [
            "sshd",
            "sshd-session",
            "sshd-auth",
            "sshd(pam_unix)",
            "/usr/sbin/sshd",
        ] {
            assert!(is_ssh_related(p), "{p}");
        }
        for p in ["sudo", "systemd", "ssh", "sshd-keygen", "CRON", ""] {
            assert!(!is_ssh_related(p), "{p}");
        }
    }

    #[test]
    fn repeated_message_takes_inner_kind_and_count() {
        let c = classify(
            "sshd",
            "message repeated 5 times: [ Failed password for root from 183.62.140.253 port 49310 ssh2]",
        );
        let c = c.event().expect("classified");
        assert_eq!(c.kind, K::AuthFailed);
        assert_eq!(c.fields.count, Some(5));
        assert_eq!(c.fields.user.as_deref(), Some("root"));
        assert_eq!(c.fields.port, Some(49310));
    }

    #[test]
    fn repeated_without_port_or_ssh2() {
        let c = classify(
            "sshd",
            "message repeated 2 times: [ Failed password for root from 5.36.59.76 port 42393]",
        );
        let c = c.event().expect("classified");
        assert_eq!(c.kind, K::AuthFailed);
        assert_eq!(c.fields.count, Some(2));
        assert_eq!(c.fields.addr.as_deref(), Some("5.36.59.76"));
    }

    #[test]
    fn foreign_and_unknown_programs() {
        assert_eq!(
            classify("CRON", "pam_unix(cron:session): session opened"),
            Classification::NotOurs
        );
        assert_eq!(
            classify("sshd", "some future sshd message"),
            Classification::Unrecognized
        );
        assert_eq!(classify("sshd-session", ""), Classification::Unrecognized);
    }

    #[test]
    fn never_panics_on_odd_input() {
        let samples = [
            "",
            " ",
            "[preauth]",
            "error: ",
            "message repeated x times: [",
            "message repeated 3 times: [",
            "Failed",
            "Failed password for",
            "Failed password for  from  port ",
            "Accepted publickey for a from b port 99999999 ssh2: ",
            "Unable to negotiate with",
            "Received disconnect from ::: : :",
            "User  from  not allowed because",
            "pam_unix(",
            "pam_unix(sshd",
            "PAM",
            "PAM x more",
            "/etc/ssh/sshd_config line : ",
            "drop connection #",
            "Connection from",
            "Bind to port on failed",
            "é Invalid user é from é port é",
            "Starting session:",
            "Server listening on",
            "Received signal ;",
            "srclimit_penalise:",
            "Timeout before authentication for connection from",
        ];
        for p in [
            "sshd",
            "sshd-session",
            "sshd(pam_unix)",
            "systemd",
            "systemd-logind",
            "unix_chkpwd",
        ] {
            for s in samples {
                let _ = classify(p, s);
                let mut cut = String::new();
                for ch in s.chars() {
                    cut.push(ch);
                    let _ = classify(p, &cut);
                }
            }
        }
    }
}

/// Table-test support: a builder for the exact fields a message must yield.
#[cfg(test)]
pub(crate) mod testing {
    use super::{classify, Classification, Classified};
    use crate::model::{AuthMethod, EventFields, EventKind};

    #[derive(Default)]
    pub struct Fx(pub EventFields);

    pub fn fx() -> Fx {
        Fx::default()
    }

    fn s(v: &str) -> Option<String> {
        Some(v.to_owned())
    }

    impl Fx {
        pub fn user(mut self, v: &str) -> Self {
            self.0.user = s(v);
            self
        }
        pub fn invalid(mut self) -> Self {
            self.0.invalid_user = true;
            self
        }
        pub fn addr(mut self, v: &str) -> Self {
            self.0.addr = s(v);
            self
        }
        pub fn port(mut self, v: u16) -> Self {
            self.0.port = Some(v);
            self
        }
        pub fn local(mut self, addr: &str, port: Option<u16>) -> Self {
            self.0.local_addr = s(addr);
            self.0.local_port = port;
            self
        }
        pub fn method(mut self, v: &str) -> Self {
            self.0.method = Some(AuthMethod::parse(v));
            self.0.submethod = v.split_once('/').map(|(_, b)| b.to_owned());
            self
        }
        pub fn key(mut self, key_type: &str, fingerprint: Option<&str>) -> Self {
            self.0.key_type = s(key_type);
            self.0.fingerprint = fingerprint.map(str::to_owned);
            self
        }
        pub fn reason(mut self, v: &str) -> Self {
            self.0.reason = s(v);
            self
        }
        pub fn path(mut self, v: &str) -> Self {
            self.0.path = s(v);
            self
        }
        pub fn line(mut self, v: u32) -> Self {
            self.0.config_line = Some(v);
            self
        }
        pub fn keyword(mut self, v: &str) -> Self {
            self.0.keyword = s(v);
            self
        }
        pub fn unit(mut self, v: &str) -> Self {
            self.0.unit = s(v);
            self
        }
        pub fn signal(mut self, v: i32) -> Self {
            self.0.signal = Some(v);
            self
        }
        pub fn exit(mut self, code: &str, status: &str) -> Self {
            self.0.exit_code = s(code);
            self.0.exit_status = s(status);
            self
        }
        pub fn result(mut self, v: &str) -> Self {
            self.0.result = s(v);
            self
        }
        pub fn count(mut self, v: u32) -> Self {
            self.0.count = Some(v);
            self
        }
        pub fn failures(mut self, v: u32) -> Self {
            self.0.failures = Some(v);
            self
        }
        pub fn offer(mut self, v: &[&str]) -> Self {
            self.0.offer = v.iter().map(|a| (*a).to_owned()).collect();
            self
        }
        pub fn pam(mut self, module: &str, service: &str, phase: Option<&str>) -> Self {
            self.0.module = s(module);
            self.0.service = s(service);
            self.0.phase = phase.map(str::to_owned);
            self
        }
        pub fn module_service(mut self, module: &str, service: &str) -> Self {
            self.0.module = s(module);
            self.0.service = s(service);
            self
        }
        pub fn module_only(mut self, module: &str) -> Self {
            self.0.module = s(module);
            self
        }
        pub fn service(mut self, v: &str) -> Self {
            self.0.service = s(v);
            self
        }
        pub fn uid(mut self, v: u32) -> Self {
            self.0.uid = Some(v);
            self
        }
        pub fn session(mut self, v: &str) -> Self {
            self.0.session_id = s(v);
            self
        }
        pub fn host(mut self, v: &str) -> Self {
            self.0.host = s(v);
            self
        }
        pub fn code(mut self, v: u32) -> Self {
            self.0.disconnect_code = Some(v);
            self
        }
        pub fn child(mut self, v: u32) -> Self {
            self.0.child_pid = Some(v);
            self
        }
        pub fn preauth(mut self) -> Self {
            self.0.preauth = true;
            self
        }
    }

    /// Asserts the exact kind and the exact full set of fields.
    pub fn check(rows: &[(&str, &str, EventKind, Fx)]) {
        for (program, message, kind, want) in rows {
            let got = classify(program, message);
            let want = Classification::Event(Classified::new(*kind, want.0.clone()));
            assert_eq!(got, want, "{program}: {message}");
        }
    }

    impl Clone for Fx {
        fn clone(&self) -> Self {
            Fx(self.0.clone())
        }
    }
}

/// A kernel firewall log line (`[UFW BLOCK] IN=eth0 ... SRC=... DPT=22 ... SYN`): the client
/// is the source, sshd's side the destination.
fn packet(message: &str) -> Option<Classified> {
    let p = crate::parse::packet_log::parse_packet(message)?;
    let kind = if p.action.is_denied() {
        EventKind::FirewallPacketDenied
    } else {
        EventKind::FirewallPacketLogged
    };
    Some(Classified {
        kind,
        fields: EventFields {
            addr: Some(p.src.to_string()),
            port: p.spt,
            local_addr: Some(p.dst.to_string()),
            local_port: p.dpt,
            reason: Some(p.prefix.trim().to_owned()),
            ..EventFields::default()
        },
    })
}
