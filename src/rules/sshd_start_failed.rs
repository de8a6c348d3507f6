//! `sshd-start-failed`: sshd tried to start and could not (a configuration syntax error, the
//! port already taken, no host keys, a missing privilege separation directory). When the
//! failure left the service down it also explains `sshd-not-running`.

use crate::finding::{Evidence, Finding};
use crate::model::{Event, EventKind, Severity};

use super::common::{self, cite, finish, is_sshd_unit, RuleContext};
use super::Rule;

pub static RULE: Rule = Rule {
    id: "sshd-start-failed",
    title: "sshd failed to start",
    severity: Severity::High,
    what: "sshd tried to start and exited: a configuration syntax error (the bad line is cited), \
           the port already in use, no usable host keys, or a missing privilege separation \
           directory.",
    why: "A start that fails after a configuration change or reboot leaves no sshd listening, \
          so every login is refused until the cause is fixed.",
    example: "sshd[2301]: /etc/ssh/sshd_config: line 34: Bad configuration option: PermitRootLogn",
    fix: "Run sudo sshd -t to see the error, fix it, then sudo systemctl restart sshd.",
    needs: "a log or journal with sshd's start-up output; sshd_config to cite the bad line",
    symptom: "connection refused",
    check,
};

/// Why sshd could not start, from the most specific line found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cause {
    ConfigSyntax,
    PortInUse,
    AddressNotAvailable,
    NoHostKeys,
    PrivsepDirectory,
    PrivsepUser,
    Unknown,
}

fn cause_of(event: &Event) -> Option<Cause> {
    match event.kind {
        EventKind::ConfigBadOption | EventKind::ConfigInvalid => Some(Cause::ConfigSyntax),
        EventKind::BindFailed => {
            let reason = event.fields.reason.as_deref().unwrap_or("");
            Some(if reason.contains("Cannot assign requested address") {
                Cause::AddressNotAvailable
            } else {
                Cause::PortInUse
            })
        }
        EventKind::NoHostKeys | EventKind::HostKeyLoadFailed => Some(Cause::NoHostKeys),
        EventKind::MissingPrivsepDir => Some(Cause::PrivsepDirectory),
        EventKind::PrivsepUserMissing => Some(Cause::PrivsepUser),
        _ => None,
    }
}

fn is_failed_start(event: &Event) -> bool {
    let ssh_unit = event.fields.unit.as_deref().is_some_and(is_sshd_unit);
    match event.kind {
        EventKind::UnitFailedToStart | EventKind::UnitStartLimitHit => ssh_unit,
        EventKind::UnitProcessExited => {
            ssh_unit
                && event.fields.exit_code.as_deref() == Some("exited")
                && event
                    .fields
                    .exit_status
                    .as_deref()
                    .is_some_and(|s| !s.starts_with("0/"))
        }
        // A service killed while running (by the OOM killer, a signal) did not fail to start.
        EventKind::UnitFailed => {
            ssh_unit
                && !matches!(
                    event
                        .fields
                        .result
                        .as_deref()
                        .or(event.fields.reason.as_deref()),
                    Some("oom-kill" | "signal" | "core-dump" | "watchdog")
                )
        }
        EventKind::CannotBindAny => true,
        _ => false,
    }
}

fn is_start_success(event: &Event) -> bool {
    let ssh_unit = event.fields.unit.as_deref().is_some_and(is_sshd_unit);
    (event.kind == EventKind::UnitStarted && ssh_unit)
        || (event.kind == EventKind::ServerListening && event.program == "sshd")
}

fn check(ctx: &RuleContext) -> Vec<Finding> {
    if ctx.facts.events.is_empty() {
        ctx.missing(&RULE, "log or journal with sshd's start-up output");
        return Vec::new();
    }
    let horizon = ctx.hints.at;
    let events: Vec<&Event> = ctx
        .events()
        .filter(|e| match (horizon, e.time) {
            (Some(h), Some(t)) => t <= h,
            _ => true,
        })
        .collect();
    // The last failed start, and the causes logged in the minutes before it.
    let Some(last_fail) = events.iter().rposition(|e| is_failed_start(e)) else {
        return Vec::new();
    };
    let recovered = events[last_fail..].iter().any(|e| is_start_success(e));
    // The episode: every failed start since sshd last came up, so a cause logged at the
    // first attempt (after a reboot, say) is not lost behind later retries.
    let since = events[..last_fail]
        .iter()
        .rposition(|e| is_start_success(e))
        .map_or(0, |i| i + 1);
    let first_of_episode = events[since..=last_fail]
        .iter()
        .position(|e| cause_of(e).is_some() || is_failed_start(e))
        .map_or(last_fail, |i| since + i);
    let episode = &events[first_of_episode..=last_fail];
    let causes: Vec<(&Event, Cause)> = episode
        .iter()
        .filter_map(|e| cause_of(e).map(|c| (*e, c)))
        .collect();
    let cause = causes.first().map_or(Cause::Unknown, |(_, c)| *c);

    let service = common::service_name(ctx.facts);
    let mut f = common::finding(&RULE, String::new());
    f.blocks_all_logins = !recovered;
    f.severity = if recovered {
        Severity::Medium
    } else {
        Severity::High
    };
    for (e, _) in &causes {
        cite(&mut f, e);
    }
    for e in episode.iter().filter(|e| is_failed_start(e)) {
        cite(&mut f, e);
    }
    let config_lines = config_evidence(ctx, &causes);
    f.evidence.extend(config_lines.iter().cloned());
    if !recovered {
        f.explains = vec!["sshd-not-running"];
    }
    f.confidence = if cause == Cause::Unknown { 0.7 } else { 0.95 };
    f.summary = summary(cause, &causes, recovered);
    f.remediation = remediation(cause, &causes, service);
    vec![finish(f, 14)]
}

/// The sshd_config line a syntax error names, read from the bundle's own copy.
fn config_evidence(ctx: &RuleContext, causes: &[(&Event, Cause)]) -> Vec<Evidence> {
    let mut out = Vec::new();
    for (event, cause) in causes {
        if *cause != Cause::ConfigSyntax {
            continue;
        }
        let (Some(path), Some(line)) = (&event.fields.path, event.fields.config_line) else {
            continue;
        };
        if let Some(ev) = ctx.facts.config_line(path, line as usize) {
            if !out.contains(&ev) {
                out.push(ev.with_note("the line sshd rejected"));
            }
        }
    }
    if out.is_empty() {
        // No line number in the logs: cite what the parser itself found wrong.
        if let Some(cfg) = &ctx.facts.sshd_config {
            for p in cfg.problems() {
                out.push(
                    Evidence::at(&p.location, p.line_text.clone()).with_note(p.message.clone()),
                );
            }
        }
    }
    out
}

fn summary(cause: Cause, causes: &[(&Event, Cause)], recovered: bool) -> String {
    let detail = |k: Cause| causes.iter().find(|(_, c)| *c == k).map(|(e, _)| *e);
    let why = match cause {
        Cause::ConfigSyntax => match detail(Cause::ConfigSyntax) {
            Some(e) => match (&e.fields.path, e.fields.config_line, &e.fields.keyword) {
                (Some(p), Some(l), Some(k)) => {
                    format!("sshd rejected its configuration: {p} line {l} has the unknown option \"{k}\"")
                }
                (Some(p), Some(l), None) => {
                    format!("sshd rejected its configuration at {p} line {l}")
                }
                _ => "sshd rejected its configuration".to_owned(),
            },
            None => "sshd rejected its configuration".to_owned(),
        },
        Cause::PortInUse => {
            let port = detail(Cause::PortInUse).and_then(|e| e.fields.local_port);
            format!(
                "another process already holds port {}, so sshd could not bind",
                port.map_or("22".to_owned(), |p| p.to_string())
            )
        }
        Cause::AddressNotAvailable => {
            "sshd's ListenAddress is not an address of this host (Cannot assign requested address)"
                .to_owned()
        }
        Cause::NoHostKeys => "sshd found no usable host key".to_owned(),
        Cause::PrivsepDirectory => {
            "the privilege separation directory is missing or has wrong ownership".to_owned()
        }
        Cause::PrivsepUser => "the unprivileged sshd account is missing".to_owned(),
        Cause::Unknown => "the SSH service failed to start; the log does not say why".to_owned(),
    };
    if recovered {
        format!("{why}; a later start succeeded.")
    } else {
        format!("{why}, and the service stayed down: every login is refused.")
    }
}

fn remediation(cause: Cause, causes: &[(&Event, Cause)], service: &str) -> Vec<String> {
    let mut steps = Vec::new();
    match cause {
        Cause::ConfigSyntax => {
            let target = causes.iter().find_map(|(e, _)| {
                Some((
                    e.fields.path.clone()?,
                    e.fields.config_line?,
                    e.fields.keyword.clone(),
                ))
            });
            if let Some((path, line, keyword)) = target {
                let hint = keyword
                    .as_deref()
                    .and_then(crate::parse::sshd_config::suggest_keyword)
                    .map(|k| format!(" (did you mean {k}?)"))
                    .unwrap_or_default();
                steps.push(format!("Fix line {line} of {path}{hint}"));
            }
            steps.push("sudo sshd -t   # must print nothing".to_owned());
        }
        Cause::PortInUse => {
            let port = causes
                .iter()
                .find_map(|(e, _)| e.fields.local_port)
                .unwrap_or(22);
            steps.push(format!(
                "sudo ss -tlnp 'sport = :{port}'   # who holds the port"
            ));
            steps.push(
                "Stop that process, or move sshd with Port in /etc/ssh/sshd_config".to_owned(),
            );
        }
        Cause::AddressNotAvailable => {
            steps.push("ip -brief addr   # the addresses this host has".to_owned());
            steps.push(
                "Correct ListenAddress in /etc/ssh/sshd_config, then sudo sshd -t".to_owned(),
            );
        }
        Cause::NoHostKeys => {
            steps.push("sudo ssh-keygen -A   # create any missing host keys".to_owned());
        }
        Cause::PrivsepDirectory => {
            steps.push(
                "sudo mkdir -p /run/sshd && sudo chown root:root /run/sshd && sudo chmod 0755 /run/sshd"
                    .to_owned(),
            );
        }
        Cause::PrivsepUser => {
            steps.push(
                "sudo useradd --system --no-create-home --shell /usr/sbin/nologin sshd".to_owned(),
            );
        }
        Cause::Unknown => {
            steps.push("sudo sshd -t".to_owned());
            steps.push(format!(
                "sudo journalctl -u {service} -b --no-pager | tail -50"
            ));
        }
    }
    steps.push(format!("sudo systemctl reset-failed {service}"));
    steps.push(format!("sudo systemctl restart {service}"));
    steps
}
