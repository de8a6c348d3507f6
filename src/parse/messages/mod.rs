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
