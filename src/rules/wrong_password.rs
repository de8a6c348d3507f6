//! `wrong-password`: an existing user failed password authentication and never succeeded
//! afterwards. Guessing from sources that try many names is `brute-force`; failures that a
//! PAM lock or a PermitRootLogin policy explain are left to those rules.

use std::collections::{BTreeMap, BTreeSet};

use crate::finding::Finding;
use crate::model::{AuthMethod, Event, EventKind, Severity};

use super::common::{self, cite, finish, RuleContext};
use super::Rule;

pub static RULE: Rule = Rule {
    id: "wrong-password",
    title: "wrong password for an existing account",
    severity: Severity::Medium,
    what: "A user whose account exists failed password authentication, and no later login of \
           theirs succeeded.",
    why: "The account and the server are fine; the password typed is not the one on the \
          server (expired in the user's memory, changed, wrong keyboard layout, Caps Lock).",
    example: "sshd[4410]: Failed password for erin from 10.20.0.15 port 51514 ssh2",
    fix: "Reset the password (sudo passwd USER) or, better, set up key authentication.",
    needs: "auth.log/secure or journal",
    symptom: "permission denied",
    check,
};

fn is_password_failure(e: &Event) -> bool {
    e.kind == EventKind::AuthFailed
        && !e.fields.invalid_user
        && matches!(
            e.fields.method,
            Some(AuthMethod::Password) | Some(AuthMethod::KeyboardInteractive)
        )
}

fn check(ctx: &RuleContext) -> Vec<Finding> {
    let sources = common::failures_by_source(ctx);
    // A source that tried many names is guessing; its failures are not a user's typo.
    let guessing: BTreeSet<&str> = sources
        .iter()
        .filter(|(_, s)| s.users.len() >= common::GUESSING_NAMES)
        .map(|(a, _)| *a)
        .collect();
    // sshd logs "Failed password" when PAM's account phase refused a correct password:
    // those connections are `pam-denied`, not a wrong password.
    let pam_refused: BTreeSet<_> = ctx
        .events()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::PamAccountDenied
                    | EventKind::PamAccountExpired
                    | EventKind::PamAccessDenied
            )
        })
        .filter_map(common::connection_key)
        .collect();
    let mut by_user: BTreeMap<&str, Vec<&Event>> = BTreeMap::new();
    for e in ctx.events().filter(|e| is_password_failure(e)) {
        if common::connection_key(e).is_some_and(|k| pam_refused.contains(&k)) {
            continue;
        }
        let Some(user) = e.fields.user.as_deref() else {
            continue;
        };
        if common::comes_from(e, &guessing) {
            continue;
        }
        by_user.entry(user).or_default().push(e);
    }
    by_user
        .into_iter()
        .filter_map(|(user, failures)| finding_for(ctx, user, failures))
        .collect()
}

fn finding_for<'f>(ctx: &RuleContext<'f>, user: &str, failures: Vec<&'f Event>) -> Option<Finding> {
    let last_failure = failures.last()?.time;
    let succeeded_later = ctx.events_of(EventKind::AuthAccepted).any(|e| {
        e.fields.user.as_deref() == Some(user)
            && match (e.time, last_failure) {
                (Some(a), Some(f)) => a >= f,
                _ => true,
            }
    });
    if succeeded_later {
        return None;
    }
    // root's password failures under a restrictive PermitRootLogin belong to that rule.
    if user == "root" && root_policy_forbids_passwords(ctx) {
        return None;
    }
    // Mass guessing of one account from the internet is brute force, not a forgotten password.
    let all_outside = failures.iter().all(|e| {
        e.fields
            .addr
            .as_deref()
            .is_some_and(common::is_outside_address)
    });
    let hinted = ctx.hints.user.as_deref() == Some(user);
    if all_outside && failures.len() >= common::GUESSING_FAILURES && !hinted {
        return None;
    }
    // root's password tried from the internet is a scanner's guess, not an admin's typo;
    // so is a daemon's account (uucp, www-data), which no person logs in as.
    if (user == "root" || common::is_system_account(ctx.facts, user)) && all_outside && !hinted {
        return None;
    }
    let mut f = common::finding(&RULE, String::new());
    for e in &failures {
        cite(&mut f, e);
    }
    // PAM's view of the same connections names the module that said no.
    for key in failures.iter().filter_map(|e| common::connection_key(e)) {
        for e in ctx.connection(key) {
            if matches!(
                e.kind,
                EventKind::PamAuthFailure | EventKind::PamMoreAuthFailures
            ) {
                cite(&mut f, e);
            }
        }
    }
    let addrs: BTreeSet<&str> = failures
        .iter()
        .filter_map(|e| e.fields.addr.as_deref())
        .collect();
    let n = failures.len();
    let account_note = if ctx.facts.account(user).is_some() {
        " (the account exists in /etc/passwd)"
    } else {
        ""
    };
    f.summary = format!(
        "{user}{account_note} failed password authentication {n} time{} from {} and never logged in afterwards.",
        if n == 1 { "" } else { "s" },
        addrs.into_iter().collect::<Vec<_>>().join(", ")
    );
    f.confidence = if n >= 2 { 0.85 } else { 0.7 };
    f.remediation = vec![
        format!("sudo passwd {user}   # set a new password the user knows"),
        format!("sudo faillock --user {user}   # check the account is not locked (RHEL, SUSE; pam_faillock)"),
        format!("ssh-copy-id {user}@HOST   # keys avoid the problem altogether"),
    ];
    Some(finish(f, 12))
}

fn root_policy_forbids_passwords(ctx: &RuleContext) -> bool {
    use crate::facts::sshd_config::PermitRootLogin;
    ctx.facts
        .effective_config(Some("root"), None)
        .is_some_and(|cfg| cfg.permit_root_login().0 != PermitRootLogin::Yes)
        || ctx.events_of(EventKind::RootLoginRefused).next().is_some()
}
