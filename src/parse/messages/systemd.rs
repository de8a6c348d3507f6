//! systemd (PID 1) unit lifecycle lines and systemd-logind session lines.
//!
//! Whether sshd is running, crashed, was restarted or hit the start limit is told by PID 1,
//! not by sshd. Job-result lines name the unit in one of three shapes depending on how
//! systemd was built (`Started OpenBSD Secure Shell server.`, `Started ssh.service -
//! OpenBSD Secure Shell server.`, `Started ssh.service.`); the unit name is recovered so the
//! rules can filter on it. Unit lines for other units are classified too; systemd's
//! many other messages (reloads, mounts) are not ours.

use super::{non_empty, parse_u32, Classification, Classified};
use crate::model::{EventFields, EventKind as K};

const UNIT_SUFFIXES: [&str; 11] = [
    ".service",
    ".socket",
    ".target",
    ".mount",
    ".scope",
    ".timer",
    ".slice",
    ".path",
    ".device",
    ".swap",
    ".automount",
];

/// Descriptions of the SSH units as distributions ship them.
const KNOWN_DESCRIPTIONS: [(&str, &str); 5] = [
    ("OpenBSD Secure Shell server", "ssh.service"),
    ("OpenBSD Secure Shell server socket", "ssh.socket"),
    (
        "OpenBSD Secure Shell server per-connection daemon",
        "ssh@.service",
    ),
    ("OpenSSH server daemon", "sshd.service"),
    ("OpenSSH Daemon", "sshd.service"),
];

fn is_unit_name(s: &str) -> bool {
    !s.is_empty()
        && !s.contains(char::is_whitespace)
        && UNIT_SUFFIXES.iter().any(|suffix| s.ends_with(suffix))
}

/// True for units whose unknown lines are worth listing as unrecognised.
fn is_ssh_unit(unit: &str) -> bool {
    unit.starts_with("ssh") && !unit.starts_with("ssh-agent")
}

/// Maps a job-line subject to a unit name: the combined `name - description` shape, a bare
/// unit name, a known SSH description, or else the description itself.
pub(crate) fn unit_from_subject(subject: &str) -> String {
    let subject = subject.trim();
    if let Some((name, _)) = subject.split_once(" - ") {
        if is_unit_name(name) {
            return name.to_owned();
        }
    }
    KNOWN_DESCRIPTIONS
        .iter()
        .find(|(desc, _)| *desc == subject)
        .map_or_else(|| subject.to_owned(), |(_, unit)| (*unit).to_owned())
}

pub(crate) fn classify_pid1(m: &str) -> Classification {
    if let Some((unit, rest)) = m.split_once(": ") {
        if is_unit_name(unit) {
            return match unit_message(rest.trim_end()) {
                Some(mut c) => {
                    c.fields.unit = Some(unit.to_owned());
                    Classification::Event(c)
                }
                None if is_ssh_unit(unit) => Classification::Unrecognized,
                None => Classification::NotOurs,
            };
        }
    }
    match job_line(m).or_else(|| legacy_unit_line(m)) {
        Some(c) => Classification::Event(c),
        None => Classification::NotOurs,
    }
}

fn with(kind: K, f: EventFields) -> Option<Classified> {
    Some(Classified::new(kind, f))
}

/// Lines systemd prefixes with `<unit>: `.
fn unit_message(rest: &str) -> Option<Classified> {
    let mut f = EventFields::default();
    let lower_first = rest.get(..1).map(str::to_ascii_lowercase);
    let process = ["Main process exited, ", "Control process exited, "]
        .iter()
        .find_map(|p| rest.strip_prefix(p).map(|tail| (*p, tail)))
        .or_else(|| {
            // systemd ≤ 231 wrote `main process exited, ...` in lower case.
            (lower_first.as_deref() == Some("m"))
                .then(|| {
                    rest.strip_prefix("main process exited, ")
                        .map(|t| ("Main ", t))
                })
                .flatten()
        });
    if let Some((which, tail)) = process {
        f.reason = Some(
            if which.starts_with("Control") {
                "control"
            } else {
                "main"
            }
            .to_owned(),
        );
        for part in tail.split(", ") {
            match part.split_once('=') {
                Some(("code", v)) => f.exit_code = non_empty(v),
                Some(("status", v)) => f.exit_status = non_empty(v),
                _ => {}
            }
        }
        return with(K::UnitProcessExited, f);
    }
    if let Some(tail) = rest.strip_prefix("Failed with result '") {
        f.result = tail.split('\'').next().and_then(non_empty);
        return with(K::UnitFailed, f);
    }
    if rest.starts_with("Unit entered failed state") {
        return with(K::UnitFailed, f);
    }
    if let Some(tail) = rest.strip_prefix("Scheduled restart job, restart counter is at ") {
        f.count = parse_u32(tail.trim_end_matches('.'));
        return with(K::UnitRestartScheduled, f);
    }
    if rest.contains("scheduling restart") {
        return with(K::UnitRestartScheduled, f);
    }
    if rest.starts_with("Start request repeated too quickly") {
        f.result = Some("start-limit-hit".to_owned());
        return with(K::UnitStartLimitHit, f);
    }
    if rest.contains("killed by the OOM killer") || rest.starts_with("systemd-oomd killed") {
        f.result = Some("oom-kill".to_owned());
        return with(K::UnitOomKill, f);
    }
    if rest == "Succeeded." || rest == "Deactivated successfully." {
        return with(K::UnitDeactivated, f);
    }
    if rest.starts_with("Start operation timed out") {
        f.result = Some("timeout".to_owned());
        return with(K::UnitFailed, f);
    }
    if let Some(tail) = rest.strip_prefix("Failed to create listening socket (") {
        let (addr, reason) = tail.split_once("): ").unwrap_or((tail, ""));
        let (host, port) = socket_address(addr);
        f.local_addr = host;
        f.local_port = port;
        f.reason = non_empty(reason);
        return with(K::BindFailed, f);
    }
    if let Some(reason) = rest.strip_prefix("Failed to listen on sockets: ") {
        f.reason = non_empty(reason);
        return with(K::BindFailed, f);
    }
    None
}

/// `[::]:22`, `0.0.0.0:22`, `22` -> address and port.
fn socket_address(s: &str) -> (Option<String>, Option<u16>) {
    let (host, port) = match s.rsplit_once(':') {
        Some((h, p)) => (h, p),
        None => ("", s),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    (non_empty(host), super::parse_port(port))
}

/// Job results: `Started %s.`, `Failed to start %s.`, `Stopped %s.` and friends.
fn job_line(m: &str) -> Option<Classified> {
    const JOBS: [(&str, &str, K, Option<&str>); 10] = [
        ("Starting ", "...", K::UnitStarting, None),
        ("Started ", ".", K::UnitStarted, None),
        ("Stopping ", "...", K::UnitStopping, None),
        ("Stopped (with error) ", ".", K::UnitStopped, Some("error")),
        ("Stopped ", ".", K::UnitStopped, None),
        ("Failed to start ", ".", K::UnitFailedToStart, None),
        (
            "Dependency failed for ",
            ".",
            K::UnitFailedToStart,
            Some("dependency"),
        ),
        (
            "Timed out starting ",
            ".",
            K::UnitFailedToStart,
            Some("timeout"),
        ),
        ("Listening on ", ".", K::UnitListening, None),
        (
            "Failed to listen on ",
            ".",
            K::UnitFailedToStart,
            Some("resources"),
        ),
    ];
    for (prefix, suffix, kind, result) in JOBS {
        let Some(subject) = m.strip_prefix(prefix) else {
            continue;
        };
        let subject = subject.strip_suffix(suffix).unwrap_or(subject);
        let (subject, result) = match subject.strip_suffix(" with error") {
            Some(s) => (s, Some("error")),
            None => (subject, result),
        };
        if subject.trim().is_empty() {
            return None;
        }
        let f = EventFields {
            unit: Some(unit_from_subject(subject)),
            result: result.map(str::to_owned),
            ..EventFields::default()
        };
        return Some(Classified::new(kind, f));
    }
    None
}

/// systemd ≤ 229 wrote some unit lines without the `unit: ` prefix:
/// `Unit ssh.service entered failed state.`, `ssh.service start request repeated too
/// quickly, refusing to start.`, `ssh.service holdoff time over, scheduling restart.`
fn legacy_unit_line(m: &str) -> Option<Classified> {
    if let Some(rest) = m.strip_prefix("Unit ") {
        let (unit, tail) = rest.split_once(' ')?;
        if is_unit_name(unit) && tail.starts_with("entered failed state") {
            return Some(unit_event(K::UnitFailed, unit));
        }
        return None;
    }
    let (unit, tail) = m.split_once(' ')?;
    if !is_unit_name(unit) {
        return None;
    }
    if tail.starts_with("start request repeated too quickly") {
        return Some(unit_event(K::UnitStartLimitHit, unit));
    }
    if tail.contains("scheduling restart") {
        return Some(unit_event(K::UnitRestartScheduled, unit));
    }
    None
}

fn unit_event(kind: K, unit: &str) -> Classified {
    let f = EventFields {
        unit: Some(unit.to_owned()),
        ..EventFields::default()
    };
    Classified::new(kind, f)
}

/// systemd-logind: `New session 12 of user alice.`, `Session 12 logged out. ...`,
/// `Removed session 12.`
pub(crate) fn classify_logind(m: &str) -> Classification {
    let found = if let Some(rest) = m.strip_prefix("New session ") {
        rest.split_once(" of user ").map(|(id, user)| {
            let f = EventFields {
                session_id: non_empty(id),
                user: non_empty(user.trim_end_matches('.')),
                ..EventFields::default()
            };
            Classified::new(K::LogindNewSession, f)
        })
    } else if let Some(rest) = m.strip_prefix("Session ") {
        rest.split_once(" logged out")
            .map(|(id, _)| session(K::LogindSessionLoggedOut, id))
    } else {
        m.strip_prefix("Removed session ")
            .map(|rest| session(K::LogindSessionRemoved, rest.trim_end_matches('.')))
    };
    found.map_or(Classification::NotOurs, Classification::Event)
}

fn session(kind: K, id: &str) -> Classified {
    let f = EventFields {
        session_id: non_empty(id),
        ..EventFields::default()
    };
    Classified::new(kind, f)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, fx};
    use super::*;

    #[test]
    fn job_lines_name_the_unit() {
        check(&[
            (
                "systemd",
                "Started OpenBSD Secure Shell server.",
                K::UnitStarted,
                fx().unit("ssh.service"),
            ),
            (
                "systemd",
                "Started ssh.service - OpenBSD Secure Shell server.",
                K::UnitStarted,
                fx().unit("ssh.service"),
            ),
            (
                "systemd",
                "Started sshd.service.",
                K::UnitStarted,
                fx().unit("sshd.service"),
            ),
            (
                "systemd",
                "Starting OpenSSH server daemon...",
                K::UnitStarting,
                fx().unit("sshd.service"),
            ),
            (
                "systemd",
                "Failed to start OpenSSH Daemon.",
                K::UnitFailedToStart,
                fx().unit("sshd.service"),
            ),
            (
                "systemd",
                "Listening on OpenBSD Secure Shell server socket.",
                K::UnitListening,
                fx().unit("ssh.socket"),
            ),
            (
                "systemd",
                "Stopped OpenBSD Secure Shell server.",
                K::UnitStopped,
                fx().unit("ssh.service"),
            ),
            (
                "systemd",
                "Stopped HashiCorp Vault with error.",
                K::UnitStopped,
                fx().unit("HashiCorp Vault").result("error"),
            ),
            (
                "systemd",
                "Dependency failed for OpenSSH server daemon.",
                K::UnitFailedToStart,
                fx().unit("sshd.service").result("dependency"),
            ),
            (
                "systemd",
                "Stopping Network Service...",
                K::UnitStopping,
                fx().unit("Network Service"),
            ),
        ]);
    }

    #[test]
    fn unit_prefixed_lines() {
        check(&[
            (
                "systemd",
                "ssh.service: Main process exited, code=exited, status=255/EXCEPTION",
                K::UnitProcessExited,
                fx().unit("ssh.service")
                    .reason("main")
                    .exit("exited", "255/EXCEPTION"),
            ),
            (
                "systemd",
                "ssh.service: Control process exited, code=exited, status=255/EXCEPTION",
                K::UnitProcessExited,
                fx().unit("ssh.service")
                    .reason("control")
                    .exit("exited", "255/EXCEPTION"),
            ),
            (
                "systemd",
                "sshd.service: main process exited, code=killed, status=9/KILL",
                K::UnitProcessExited,
                fx().unit("sshd.service")
                    .reason("main")
                    .exit("killed", "9/KILL"),
            ),
            (
                "systemd",
                "ssh.service: Failed with result 'exit-code'.",
                K::UnitFailed,
                fx().unit("ssh.service").result("exit-code"),
            ),
            (
                "systemd",
                "ssh.service: Scheduled restart job, restart counter is at 5.",
                K::UnitRestartScheduled,
                fx().unit("ssh.service").count(5),
            ),
            (
                "systemd",
                "ssh.service: Start request repeated too quickly.",
                K::UnitStartLimitHit,
                fx().unit("ssh.service").result("start-limit-hit"),
            ),
            (
                "systemd",
                "sshd.service: A process of this unit has been killed by the OOM killer.",
                K::UnitOomKill,
                fx().unit("sshd.service").result("oom-kill"),
            ),
            (
                "systemd",
                "ssh.service: Succeeded.",
                K::UnitDeactivated,
                fx().unit("ssh.service"),
            ),
            (
                "systemd",
                "ssh.socket: Failed to create listening socket ([::]:22): Address already in use",
                K::BindFailed,
                fx().unit("ssh.socket")
                    .local("::", Some(22))
                    .reason("Address already in use"),
            ),
            (
                "systemd",
                "Unit sshd.service entered failed state.",
                K::UnitFailed,
                fx().unit("sshd.service"),
            ),
            (
                "systemd",
                "sshd.service start request repeated too quickly, refusing to start.",
                K::UnitStartLimitHit,
                fx().unit("sshd.service"),
            ),
            (
                "systemd-logind",
                "New session 12 of user alice.",
                K::LogindNewSession,
                fx().session("12").user("alice"),
            ),
            (
                "systemd-logind",
                "Removed session 12.",
                K::LogindSessionRemoved,
                fx().session("12"),
            ),
        ]);
    }

    #[test]
    fn other_systemd_lines() {
        assert_eq!(classify_pid1("Reloading."), Classification::NotOurs);
        assert_eq!(
            classify_pid1("vault.service: Consumed 1.2s CPU time."),
            Classification::NotOurs
        );
        assert_eq!(
            classify_pid1("ssh.service: Some new wording."),
            Classification::Unrecognized
        );
        assert_eq!(
            classify_logind("Watching system buttons on /dev/input/event0"),
            Classification::NotOurs
        );
    }
}
