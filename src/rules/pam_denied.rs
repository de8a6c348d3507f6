//! `pam-denied`: PAM refused the login after (or instead of) checking the password: the
//! account expired, pam_faillock locked it after too many failures, pam_access or nologin
//! forbade it. sshd then logs `Failed password` even for the right password, so this
//! explains `wrong-password` for the same user.

use std::collections::BTreeMap;

use crate::finding::Finding;
use crate::model::{Event, EventKind, Severity};

use super::common::{self, cite, finish, RuleContext};
use super::Rule;

pub static RULE: Rule = Rule {
    id: "pam-denied",
    title: "PAM refused the account",
    severity: Severity::High,
    what: "PAM refused the login: the account expired, pam_faillock locked it after repeated \
           failures, pam_access does not allow this user from this origin, or /etc/nologin \
           blocks non-root logins.",
    why: "The password can be right and still fail: sshd reports \"Failed password\" or \
          \"Access denied ... by PAM account configuration\", and retrying only extends a lock.",
    example: "sshd[5123]: pam_unix(sshd:account): account frank has expired (account expired)",
    fix: "Unlock or re-enable the account (faillock --reset, chage -E -1), or fix \
          /etc/security/access.conf, or remove /etc/nologin.",
    needs: "auth.log/secure or journal with PAM lines",
    symptom: "permission denied or connection closed",
    check,
};

/// Which PAM decision refused the user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Refusal {
    AccountExpired,
    Locked,
    AccessRule,
    AccountPhase,
}

fn refusal(e: &Event) -> Option<Refusal> {
    match e.kind {
        EventKind::PamAccountExpired => Some(Refusal::AccountExpired),
        EventKind::PamFaillockLocked => Some(Refusal::Locked),
        EventKind::PamAccessDenied => Some(Refusal::AccessRule),
        EventKind::PamAccountDenied => Some(Refusal::AccountPhase),
        _ => None,
    }
}

fn check(ctx: &RuleContext) -> Vec<Finding> {
    let mut by_user: BTreeMap<&str, Vec<(&Event, Refusal)>> = BTreeMap::new();
    for e in ctx.events() {
        if let (Some(r), Some(user)) = (refusal(e), e.fields.user.as_deref()) {
            by_user.entry(user).or_default().push((e, r));
        }
    }
    by_user
        .into_iter()
        .map(|(user, refusals)| finding_for(ctx, user, &refusals))
        .collect()
}

fn finding_for(ctx: &RuleContext, user: &str, refusals: &[(&Event, Refusal)]) -> Finding {
    // The most specific reason wins: an expiry or lock says more than sshd's generic line.
    let reason = refusals
        .iter()
        .map(|(_, r)| *r)
        .min()
        .unwrap_or(Refusal::AccountPhase);
    let nologin = reason == Refusal::AccountPhase && ctx.facts.nologin_file().is_some();
    let mut f = common::finding(&RULE, String::new());
    for (e, _) in refusals {
        cite(&mut f, e);
    }
    // The failures on the same connections, and for a lock every failure after it.
    let connections: Vec<_> = refusals
        .iter()
        .filter_map(|(e, _)| common::connection_key(e))
        .collect();
    let locked_at = refusals
        .iter()
        .filter(|(_, r)| *r == Refusal::Locked)
        .filter_map(|(e, _)| e.time)
        .min();
    let mut later_failures = 0;
    for e in ctx.events_of(EventKind::AuthFailed) {
        if e.fields.user.as_deref() != Some(user) {
            continue;
        }
        let same_connection = common::connection_key(e).is_some_and(|k| connections.contains(&k));
        let after_lock = matches!((locked_at, e.time), (Some(l), Some(t)) if t >= l);
        if same_connection || after_lock {
            cite(&mut f, e);
            later_failures += usize::from(after_lock);
        }
    }
    if let Some(ev) = ctx.facts.nologin_file().filter(|_| nologin) {
        f.evidence
            .push(ev.with_note("this file blocks every login but root's"));
    }
    if reason == Refusal::Locked {
        f.explains = vec!["wrong-password"];
    }
    f.subjects.users.insert(user.to_owned());
    f.confidence = match reason {
        Refusal::AccountPhase if !nologin => 0.85,
        _ => 0.97,
    };
    f.summary = match (reason, nologin) {
        (Refusal::AccountExpired, _) => format!(
            "{user}'s account has expired, so PAM refuses every login even with the right password."
        ),
        (Refusal::Locked, _) => format!(
            "pam_faillock locked {user} after repeated failures{}; while locked, even the right password fails.",
            if later_failures > 0 {
                format!(" and {later_failures} later attempt(s) were refused")
            } else {
                String::new()
            }
        ),
        (Refusal::AccessRule, _) => format!(
            "pam_access (/etc/security/access.conf) does not allow {user} from this origin."
        ),
        (Refusal::AccountPhase, true) => format!(
            "/etc/nologin exists, so PAM refuses {user} and every other non-root login."
        ),
        (Refusal::AccountPhase, false) => format!(
            "PAM's account check refused {user} (sshd: \"Access denied by PAM account configuration\")."
        ),
    };
    f.remediation = match (reason, nologin) {
        (Refusal::AccountExpired, _) => vec![
            format!("sudo chage -l {user}   # shows the expiry date"),
            format!(
                "sudo chage -E -1 {user}   # remove the expiry (or -E YYYY-MM-DD for a new date)"
            ),
        ],
        (Refusal::Locked, _) => vec![
            format!("sudo faillock --user {user}   # list the failures that caused the lock"),
            format!("sudo faillock --user {user} --reset"),
            "Find what keeps failing (a script with an old password?) before the lock returns"
                .to_owned(),
        ],
        (Refusal::AccessRule, _) => vec![
            "sudo grep -v '^#' /etc/security/access.conf   # the rule that matched".to_owned(),
            format!("Add a line such as \"+ : {user} : ALL\" above the denying rule, if intended"),
        ],
        (Refusal::AccountPhase, true) => {
            vec!["sudo rm -f /etc/nologin /run/nologin   # once maintenance is over".to_owned()]
        }
        (Refusal::AccountPhase, false) => vec![
            format!("sudo chage -l {user}; sudo passwd -S {user}   # expiry and lock status"),
            "Check the account stack: sudo grep -v '^#' /etc/pam.d/sshd".to_owned(),
        ],
    };
    finish(f, 14)
}
