//! `invalid-user`: someone tried to log in as an account that does not exist: a typo, an
//! account that was never created on this host, or one that was removed. Names tried by
//! password-guessing sources are left to `brute-force`, and users shut out by AllowUsers
//! (whom sshd also calls "invalid") to `user-not-allowed`.

use std::collections::{BTreeMap, BTreeSet};

use crate::finding::{Evidence, Finding};
use crate::model::{Event, EventKind, Severity};

use super::common::{self, cite, finish, RuleContext};
use super::Rule;

pub static RULE: Rule = Rule {
    id: "invalid-user",
    title: "the user name does not exist on the server",
    severity: Severity::Medium,
    what: "A login used a user name that has no account on the server: a typo, an account not \
           yet created on this host, or one that was removed.",
    why: "sshd still asks for a password (so as not to reveal which accounts exist), so the \
          user sees an ordinary \"Permission denied\" and keeps retyping a correct password.",
    example: "sshd[2210]: Invalid user alcie from 198.51.100.61 port 52211",
    fix: "Use the right user name (ssh alice@host), or create the account if it should exist.",
    needs: "auth.log/secure or journal; /etc/passwd to suggest the intended account",
    symptom: "permission denied",
    check,
};

fn check(ctx: &RuleContext) -> Vec<Finding> {
    let guessing = common::guessing_sources(ctx);
    let not_allowed: BTreeSet<&str> = ctx
        .events_of(EventKind::UserNotAllowed)
        .filter_map(|e| e.fields.user.as_deref())
        .collect();
    let mut by_user: BTreeMap<&str, Vec<&Event>> = BTreeMap::new();
    for e in ctx.events() {
        let is_invalid = e.kind == EventKind::InvalidUser
            || (e.kind == EventKind::AuthFailed && e.fields.invalid_user);
        let Some(user) = e.fields.user.as_deref() else {
            continue;
        };
        if !is_invalid || user.is_empty() || not_allowed.contains(user) {
            continue;
        }
        if common::comes_from(e, &guessing) {
            continue;
        }
        by_user.entry(user).or_default().push(e);
    }
    by_user
        .into_iter()
        .filter(|(user, _)| ctx.facts.account(user).is_none())
        .filter(|(user, events)| looks_like_a_person(ctx, user, events))
        .map(|(user, events)| finding_for(ctx, user, &events))
        .collect()
}

/// Internet scanners try `admin`, `oracle`, `test` a few times each from many addresses;
/// they are `brute-force` noise, not someone's failed login. A name counts when it is the
/// user the ticket names, is one typo from a real account, or was tried from inside.
fn looks_like_a_person(ctx: &RuleContext, user: &str, events: &[&Event]) -> bool {
    ctx.hints.user.as_deref() == Some(user)
        || ctx.facts.similar_account(user).is_some()
        || events.iter().any(|e| {
            e.fields
                .addr
                .as_deref()
                .is_some_and(|a| !common::is_outside_address(a))
        })
}

fn finding_for(ctx: &RuleContext, user: &str, events: &[&Event]) -> Finding {
    let mut f = common::finding(&RULE, String::new());
    for e in events {
        cite(&mut f, e);
    }
    // PAM's "user unknown" on the same connections confirms it from the other side.
    for key in events.iter().filter_map(|e| common::connection_key(e)) {
        for e in ctx.connection(key) {
            if e.kind == EventKind::PamUserUnknown {
                cite(&mut f, e);
            }
        }
    }
    let suggestion = ctx.facts.similar_account(user);
    let checked_passwd = ctx.facts.has_accounts();
    if let Some((account, location, text)) = &suggestion {
        f.evidence.push(
            Evidence::at(location, text.clone())
                .with_note(format!("an existing account close to \"{user}\"")),
        );
        f.summary = format!(
            "\"{user}\" is not an account on this server; \"{account}\" is: most likely a typo in the user name."
        );
        f.confidence = 0.95;
    } else {
        f.summary = if checked_passwd {
            format!("\"{user}\" is not an account on this server (not in /etc/passwd).")
        } else {
            format!("sshd reports that \"{user}\" is not an account on this server.")
        };
        f.confidence = if checked_passwd { 0.9 } else { 0.8 };
    }
    if ctx.hints.user.as_deref() == Some(user) {
        f.severity = common::bump(f.severity);
    }
    f.remediation = match &suggestion {
        Some((account, _, _)) => vec![
            format!("ssh {account}@HOST   # the existing account"),
            format!("If \"{user}\" should exist: sudo useradd -m {user} && sudo passwd {user}"),
        ],
        None => vec![
            format!("getent passwd {user}   # confirm on the server (also checks LDAP/SSSD)"),
            format!("If the account should exist: sudo useradd -m {user}, or check the directory service (sssd, LDAP)"),
        ],
    };
    finish(f, 10)
}
