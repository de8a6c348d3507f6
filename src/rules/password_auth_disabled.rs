//! `password-auth-disabled`: the user tried passwords while PasswordAuthentication and
//! keyboard-interactive are off for their connection. sshd logs nothing for a disabled method
//! at the default level, so the trace is a connection by an "authenticating user" that ends
//! with neither an accepted nor a failed attempt. The effective configuration (Match blocks
//! and drop-ins included, first value wins) proves the setting and cites every line.

use std::collections::BTreeMap;

use crate::facts::sshd_config::{EffectiveConfig, Origin};
use crate::finding::{Evidence, Finding};
use crate::model::{Event, EventKind, Severity};

use super::common::{self, cite, finish, RuleContext};
use super::Rule;

pub static RULE: Rule = Rule {
    id: "password-auth-disabled",
    title: "password logins are switched off",
    severity: Severity::Medium,
    what: "The user tried to log in with a password while PasswordAuthentication and \
           KbdInteractiveAuthentication are off for that connection (Match blocks and \
           sshd_config.d drop-ins included: the first value sshd reads wins).",
    why: "The client ends with \"Permission denied (publickey)\" and sshd logs no failed \
          password, so the cause is easy to miss, especially when a drop-in silently overrides \
          the main file.",
    example: "sshd[4123]: Connection closed by authenticating user carol 192.0.2.77 port 40112 \
              [preauth] with passwordauthentication no",
    fix: "Give the user a key (ssh-copy-id), or enable passwords where intended, in the file that \
          wins (often /etc/ssh/sshd_config.d/*.conf).",
    needs: "sshd_config (with its drop-ins) or sshd -T; auth.log/secure or journal",
    symptom: "permission denied (publickey)",
    check,
};

fn check(ctx: &RuleContext) -> Vec<Finding> {
    if !ctx.facts.has_sshd_config() {
        ctx.missing(&RULE, "sshd_config or sshd -T output");
        return Vec::new();
    }
    let attempts = unfinished_attempts(ctx);
    let guessing = common::guessing_sources(ctx);
    let mut findings = Vec::new();
    for (user, mut events) in attempts {
        events.retain(|e| {
            !e.fields
                .addr
                .as_deref()
                .is_some_and(|a| guessing.contains(a))
        });
        if events.is_empty() || !is_plausible_user(ctx, user, &events) {
            continue;
        }
        let addr = events[0]
            .fields
            .addr
            .as_deref()
            .and_then(|a| a.parse().ok());
        let Some(cfg) = ctx.facts.effective_config(Some(user), addr) else {
            continue;
        };
        if passwords_allowed(&cfg) {
            continue;
        }
        findings.push(finding_for(ctx, user, &events, &cfg));
    }
    findings
}

/// A person with an account, not a scanner trying `root` or `admin` from the internet.
fn is_plausible_user(ctx: &RuleContext, user: &str, events: &[&Event]) -> bool {
    if ctx.hints.user.as_deref() == Some(user) {
        return true;
    }
    let from_inside = events.iter().any(|e| {
        e.fields
            .addr
            .as_deref()
            .is_some_and(|a| !common::is_outside_address(a))
    });
    match ctx.facts.account(user) {
        Some(account) => !account.has_nologin_shell() && (user != "root" || from_inside),
        // Without /etc/passwd, only attempts from inside count.
        None => !ctx.facts.has_accounts() && from_inside,
    }
}

fn passwords_allowed(cfg: &EffectiveConfig) -> bool {
    let (password, _) = cfg.password_authentication();
    let (kbd, _) = cfg.kbd_interactive_authentication();
    let (pam, _) = cfg.use_pam();
    password || (kbd && pam)
}

/// Connections by a known user that ended before any authentication result was logged.
fn unfinished_attempts<'f>(ctx: &RuleContext<'f>) -> BTreeMap<&'f str, Vec<&'f Event>> {
    let mut decided = std::collections::HashSet::new();
    for e in ctx.events() {
        if matches!(
            e.kind,
            EventKind::AuthAccepted
                | EventKind::AuthFailed
                | EventKind::AuthPartial
                | EventKind::InvalidUser
                | EventKind::UserNotAllowed
                | EventKind::RootLoginRefused
                | EventKind::StrictModesRefused
        ) {
            if let Some(k) = common::connection_key(e) {
                decided.insert(k);
            }
        }
    }
    let mut by_user: BTreeMap<&str, Vec<&Event>> = BTreeMap::new();
    for e in ctx.events() {
        let ended = matches!(
            e.kind,
            EventKind::ConnectionClosed
                | EventKind::Disconnected
                | EventKind::ConnectionReset
                | EventKind::ReceivedDisconnect
        );
        // Only the pre-authentication process ends a connection with `[preauth]`; after a
        // login the session child says `Disconnected from user X`, and that one succeeded.
        if !ended || e.fields.invalid_user || !e.fields.preauth {
            continue;
        }
        let (Some(user), Some(key)) = (e.fields.user.as_deref(), common::connection_key(e)) else {
            continue;
        };
        if !decided.contains(&key) {
            by_user.entry(user).or_default().push(e);
        }
    }
    by_user
}

fn finding_for(ctx: &RuleContext, user: &str, events: &[&Event], cfg: &EffectiveConfig) -> Finding {
    let mut f = common::finding(&RULE, String::new());
    for e in events {
        cite(&mut f, e);
    }
    // What the user's own ssh client was told, when the customer attached its output.
    for e in ctx.events_of(EventKind::ClientPermissionDenied) {
        let offers_password = e
            .fields
            .offer
            .iter()
            .any(|m| m == "password" || m == "keyboard-interactive");
        if e.fields.user.as_deref() == Some(user) && !offers_password {
            f.evidence.push(
                Evidence::from_event(e).with_note("the client was offered no password method"),
            );
        }
    }
    let (_, pw_origin) = cfg.password_authentication();
    let (_, kbd_origin) = cfg.kbd_interactive_authentication();
    let winning = cite_origin(&mut f, pw_origin, "first value wins: passwords off");
    cite_origin(&mut f, kbd_origin, "keyboard-interactive off");
    // A later line that tried to turn passwords on but lost to an earlier one is the
    // classic trap: show it too.
    let mut overridden = Vec::new();
    let losers = cfg
        .get("passwordauthentication")
        .map(|s| s.overridden.as_slice())
        .unwrap_or_default();
    for origin in losers {
        if let Origin::Line { location, text } = origin {
            if text.to_ascii_lowercase().contains("yes") {
                f.evidence.push(
                    Evidence::at(location, text.clone())
                        .with_note("ignored: an earlier line already set this"),
                );
                overridden.push(location.clone());
            }
        }
    }
    let n = events.len();
    let where_set = match &winning {
        Some(loc) => format!(" ({}:{})", loc.path, loc.line),
        None => " (the default)".to_owned(),
    };
    let trap = if overridden.is_empty() {
        String::new()
    } else {
        format!(
            "; the \"PasswordAuthentication yes\" at {}:{} has no effect because an earlier \
             line wins",
            overridden[0].path, overridden[0].line
        )
    };
    f.summary = format!(
        "{user} connected {n} time{} and gave up without a key being accepted, while password \
         logins are off for this connection{where_set}{trap}.",
        if n == 1 { "" } else { "s" }
    );
    f.confidence = if ctx.hints.user.as_deref() == Some(user) {
        0.85
    } else {
        0.7
    };
    let service = common::service_name(ctx.facts);
    f.remediation = vec![
        format!("ssh-copy-id {user}@HOST   # from a machine that can still log in, or add the key to ~{user}/.ssh/authorized_keys"),
        match &winning {
            Some(loc) => format!(
                "If passwords are intended: set PasswordAuthentication yes in the file that wins ({}), or in a Match block for this user or network",
                loc.path
            ),
            None => "If passwords are intended: set PasswordAuthentication yes".to_owned(),
        },
        format!("sudo sshd -T -C user={user},addr=CLIENT_IP | grep -i authentication   # check the result"),
        format!("sudo systemctl reload {service}"),
    ];
    finish(f, 12)
}

fn cite_origin(f: &mut Finding, origin: &Origin, note: &str) -> Option<crate::model::Location> {
    match origin {
        Origin::Line { location, text } => {
            f.evidence
                .push(Evidence::at(location, text.clone()).with_note(note.to_owned()));
            Some(location.clone())
        }
        Origin::Default => None,
    }
}
