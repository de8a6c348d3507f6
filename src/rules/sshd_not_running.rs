//! `sshd-not-running`: the SSH server was stopped, killed or never started, and nothing
//! started it again. Every login fails with "Connection refused", so this outranks any
//! per-user cause.

use crate::finding::{Evidence, Finding};
use crate::model::{Event, EventKind, Severity};
use crate::parse::systemctl::ActiveKind;

use super::common::{self, cite, finish, is_sshd_unit, RuleContext};
use super::Rule;

pub static RULE: Rule = Rule {
    id: "sshd-not-running",
    title: "sshd is not running",
    severity: Severity::High,
    what: "The SSH server was stopped, killed or never started, and nothing started it again \
           before the failed attempt (or before the bundle was collected).",
    why: "With no sshd listening, every client gets \"Connection refused\": no user can log in, \
          whatever their credentials.",
    example: "sshd[1021]: Received signal 15; terminating.  /  systemd[1]: Stopped OpenSSH server \
              daemon.  /  Active: inactive (dead)",
    fix: "Start the service and enable it at boot: sudo systemctl enable --now sshd (ssh on \
          Debian and Ubuntu).",
    needs: "auth.log/secure/messages or a journal export; systemctl status",
    symptom: "connection refused",
    check,
};

/// A lifecycle line of the sshd service: did it stop or start?
#[derive(Clone, Copy, PartialEq, Eq)]
enum Lifecycle {
    Down,
    Up,
}

fn lifecycle(event: &Event) -> Option<Lifecycle> {
    let ssh_unit = event.fields.unit.as_deref().is_some_and(is_sshd_unit);
    let listener = event.program == "sshd";
    match event.kind {
        EventKind::ServerTerminating | EventKind::CannotBindAny if listener => {
            Some(Lifecycle::Down)
        }
        EventKind::ServerListening if listener => Some(Lifecycle::Up),
        EventKind::UnitStopped | EventKind::UnitFailed | EventKind::UnitFailedToStart
            if ssh_unit =>
        {
            Some(Lifecycle::Down)
        }
        EventKind::UnitProcessExited
            if ssh_unit && event.fields.reason.as_deref() == Some("main") =>
        {
            Some(Lifecycle::Down)
        }
        EventKind::UnitStarted if ssh_unit => Some(Lifecycle::Up),
        _ => None,
    }
}

fn check(ctx: &RuleContext) -> Vec<Finding> {
    let facts = ctx.facts;
    if facts.events.is_empty() && facts.units.is_empty() {
        ctx.missing(&RULE, "log or systemctl status to tell whether sshd ran");
        return Vec::new();
    }
    if socket_activated(ctx) {
        return Vec::new();
    }
    // Only what happened before the reported attempt matters, when we know its time.
    let horizon = ctx.hints.at;
    let lifecycle_events: Vec<(&Event, Lifecycle)> = ctx
        .events()
        .filter(|e| match (horizon, e.time) {
            (Some(h), Some(t)) => t <= h,
            _ => true,
        })
        .filter_map(|e| lifecycle(e).map(|l| (e, l)))
        .collect();
    let last_up = lifecycle_events
        .iter()
        .rposition(|(_, l)| *l == Lifecycle::Up);
    let downs_after_up: Vec<&Event> = lifecycle_events
        .iter()
        .skip(last_up.map_or(0, |i| i + 1))
        .filter(|(_, l)| *l == Lifecycle::Down)
        .map(|(e, _)| *e)
        .collect();
    let unit_down = unit_reported_down(ctx);

    if downs_after_up.is_empty() && unit_down.is_none() {
        return Vec::new();
    }
    // The status snapshot wins over old log lines when it says the service is running.
    if unit_reported_running(ctx) {
        return Vec::new();
    }

    let service = common::service_name(facts);
    let mut f = common::finding(&RULE, String::new());
    f.blocks_all_logins = true;
    for e in &downs_after_up {
        cite(&mut f, e);
    }
    // The signal line's neighbours (`Stopping ...`) tell who stopped it.
    if let Some((e, _)) = lifecycle_events.last() {
        cite(&mut f, e);
    }
    let stopped_at = downs_after_up.first().and_then(|e| e.time);
    let stopper = stopped_at.and_then(|t| admin_command_before(ctx, t));
    if let Some(cmd) = stopper {
        f.evidence.push(
            crate::finding::Evidence::from_event(cmd).with_note("the command that stopped it"),
        );
    }
    if let Some(ev) = &unit_down {
        f.evidence.push(ev.clone());
    }
    f.confidence = match (downs_after_up.is_empty(), unit_down.is_some()) {
        (false, true) => 0.97,
        (false, false) => 0.85,
        _ => 0.8,
    };
    f.explains = vec![];
    let by_whom = stopper
        .map(|c| {
            format!(
                " ({} ran \"{}\")",
                c.fields.user.as_deref().unwrap_or("someone"),
                c.fields.reason.as_deref().unwrap_or("")
            )
        })
        .unwrap_or_default();
    let until = match (horizon, ctx.facts.collected_at) {
        (Some(_), _) => " before the reported attempt".to_owned(),
        (None, Some(c)) => format!(
            " before the bundle was collected at {}",
            crate::finding::format_time(&c)
        ),
        (None, None) => " before the bundle was collected".to_owned(),
    };
    f.summary = match stopped_at {
        Some(t) => format!(
            "sshd went down at {}{by_whom} and nothing started it again{until}; clients get \"Connection refused\".",
            crate::finding::format_time(&t),
        ),
        None => "systemctl reports the SSH service is not running; clients get \"Connection refused\"."
            .to_owned(),
    };
    f.remediation = vec![
        format!("sudo systemctl start {service}"),
        format!("sudo systemctl enable {service}   # start it at boot too"),
        format!("sudo systemctl status {service}   # confirm: Active: active (running)"),
    ];
    let mut f = finish(f, 12);
    // A service that stayed down covers everything after it went down.
    f.last_seen = None;
    vec![f]
}

/// The `Active:` line of the sshd unit when systemctl says it is down.
fn unit_reported_down(ctx: &RuleContext) -> Option<Evidence> {
    ctx.facts.units.iter().find_map(|u| {
        let active = u.status.active.as_ref()?;
        if !is_sshd_unit(&u.status.name) {
            return None;
        }
        if !matches!(active.state, ActiveKind::Inactive | ActiveKind::Failed) {
            return None;
        }
        let location = u.location(active.line);
        let text = ctx.facts.line_text(&location).unwrap_or_default();
        Some(Evidence::at(&location, text).with_note("systemctl status at collection"))
    })
}

fn unit_reported_running(ctx: &RuleContext) -> bool {
    ctx.facts.units.iter().any(|u| {
        is_sshd_unit(&u.status.name)
            && u.status
                .active
                .as_ref()
                .is_some_and(|a| a.state == ActiveKind::Active)
    })
}

/// Ubuntu 22.10+ starts sshd per connection from `ssh.socket`: the service being inactive
/// is then normal.
fn socket_activated(ctx: &RuleContext) -> bool {
    ctx.facts.units.iter().any(|u| {
        u.status.name == "ssh.socket"
            && u.status
                .active
                .as_ref()
                .is_some_and(|a| a.state == ActiveKind::Active)
    })
}

/// A `sudo` command that stops, disables or kills sshd, run shortly before it went down.
fn admin_command_before<'f>(
    ctx: &RuleContext<'f>,
    down: chrono::DateTime<chrono::Utc>,
) -> Option<&'f Event> {
    ctx.events_of(EventKind::SudoCommand)
        .filter(|e| {
            e.time
                .is_some_and(|t| t <= down && down - t <= chrono::TimeDelta::minutes(10))
        })
        .filter(|e| {
            let cmd = e.fields.reason.as_deref().unwrap_or("");
            let touches_ssh = cmd.contains("ssh");
            let stops = ["stop", "disable", "mask", "kill"]
                .iter()
                .any(|w| cmd.contains(w));
            touches_ssh && stops
        })
        .last()
}
