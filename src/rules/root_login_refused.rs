//! `root-login-refused`: root tried to log in with a method PermitRootLogin forbids. With a
//! key sshd says so (`ROOT LOGIN REFUSED`); with a password it says nothing of the kind and
//! only logs `Failed password for root`, because it swaps in a failing password on purpose.
//! The second case is recognised from the effective PermitRootLogin.

use crate::facts::sshd_config::{Origin, PermitRootLogin};
use crate::finding::{Evidence, Finding};
use crate::model::{AuthMethod, Event, EventKind, Severity};

use super::common::{self, cite, finish, RuleContext};
use super::Rule;

pub static RULE: Rule = Rule {
    id: "root-login-refused",
    title: "PermitRootLogin forbids this root login",
    severity: Severity::Medium,
    what: "root tried to log in and PermitRootLogin does not allow that method (no, \
           prohibit-password with a password, forced-commands-only without a forced command).",
    why: "The credentials may be right; sshd refuses root by policy. With a password the log \
          only shows \"Failed password for root\", which looks like a wrong password.",
    example: "sshd[812]: ROOT LOGIN REFUSED FROM 203.0.113.40 port 50122 [preauth]",
    fix: "Log in as a named user and use sudo; or, if root logins are intended, use a key and \
          PermitRootLogin prohibit-password.",
    needs: "auth.log/secure or journal; sshd_config or sshd -T for the password case",
    symptom: "permission denied",
    check,
};

fn check(ctx: &RuleContext) -> Vec<Finding> {
    let refused: Vec<&Event> = ctx.events_of(EventKind::RootLoginRefused).collect();
    let mut f = common::finding(&RULE, String::new());
    for e in &refused {
        cite(&mut f, e);
    }
    let mut password_failures = Vec::new();
    let mut policy = None;
    for e in ctx.events().filter(|e| is_root_password_failure(e)) {
        let addr = e.fields.addr.as_deref().and_then(|a| a.parse().ok());
        let Some(cfg) = ctx.facts.effective_config(Some("root"), addr) else {
            break;
        };
        let (permit, origin) = cfg.permit_root_login();
        if permit != PermitRootLogin::Yes {
            password_failures.push(e);
            policy.get_or_insert((permit, origin.clone()));
        }
    }
    let accepted_root = ctx
        .events_of(EventKind::AuthAccepted)
        .any(|e| e.fields.user.as_deref() == Some("root"));
    // Ambient guessing of root's password from the internet is brute force, not this:
    // only count password failures when they are few and not all from outside.
    let scanner_only = !password_failures.is_empty()
        && password_failures.iter().all(|e| {
            e.fields
                .addr
                .as_deref()
                .is_some_and(common::is_outside_address)
        })
        && refused.is_empty();
    if refused.is_empty() && (password_failures.is_empty() || scanner_only || accepted_root) {
        return Vec::new();
    }
    for e in &password_failures {
        cite(&mut f, e);
    }
    if policy.is_none() {
        if let Some(cfg) = ctx.facts.effective_config(Some("root"), None) {
            let (permit, origin) = cfg.permit_root_login();
            policy = Some((permit, origin.clone()));
        }
    }
    let setting = match &policy {
        Some((permit, origin)) => {
            if let Origin::Line { location, text } = origin {
                f.evidence
                    .push(Evidence::at(location, text.clone()).with_note("the policy in effect"));
            }
            format!("PermitRootLogin is {}", permit_label(*permit))
        }
        None => "PermitRootLogin forbids it".to_owned(),
    };
    let method = if refused.is_empty() {
        "a password"
    } else {
        "a method"
    };
    f.subjects.users.insert("root".into());
    f.summary =
        format!("root tried to log in with {method} that sshd does not allow for root: {setting}.");
    f.confidence = if !refused.is_empty() { 0.97 } else { 0.8 };
    f.remediation = vec![
        "ssh alice@HOST, then sudo -i   # log in as a named user and escalate".to_owned(),
        "If root logins are intended: install a key for root and set \
         PermitRootLogin prohibit-password in /etc/ssh/sshd_config"
            .to_owned(),
        format!(
            "sudo sshd -t && sudo systemctl reload {}",
            common::service_name(ctx.facts)
        ),
    ];
    vec![finish(f, 12)]
}

fn is_root_password_failure(e: &Event) -> bool {
    e.kind == EventKind::AuthFailed
        && e.fields.user.as_deref() == Some("root")
        && !e.fields.invalid_user
        && matches!(
            e.fields.method,
            Some(AuthMethod::Password) | Some(AuthMethod::KeyboardInteractive)
        )
}

fn permit_label(permit: PermitRootLogin) -> &'static str {
    match permit {
        PermitRootLogin::Yes => "yes",
        PermitRootLogin::No => "no",
        PermitRootLogin::ProhibitPassword => "prohibit-password",
        PermitRootLogin::ForcedCommandsOnly => "forced-commands-only",
    }
}
