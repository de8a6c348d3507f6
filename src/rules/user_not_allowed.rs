//! `user-not-allowed`: AllowUsers, DenyUsers, AllowGroups or DenyGroups shut the user out.
//! sshd then treats the account as invalid, so the user also shows up as
//! `Failed password for invalid user ...`: this rule claims those lines so that the
//! `invalid-user` rule does not blame a typo.

use std::collections::BTreeMap;

use crate::facts::sshd_config::{Origin, UserAccess};
use crate::finding::{Evidence, Finding};
use crate::model::{Event, EventKind, Severity};

use super::common::{self, cite, finish, RuleContext};
use super::Rule;

pub static RULE: Rule = Rule {
    id: "user-not-allowed",
    title: "sshd's access lists exclude the user",
    severity: Severity::High,
    what: "AllowUsers, DenyUsers, AllowGroups or DenyGroups in sshd_config excluded the user, \
           so sshd refused them whatever the password or key.",
    why: "The account exists and the credentials may be right, but sshd rejects it before \
          authentication: the fix is in sshd_config, not in the account.",
    example: "sshd[3120]: User bob from 198.51.100.23 not allowed because not listed in AllowUsers",
    fix: "Add the user (or their group) to the Allow list, or remove them from the Deny list, \
          then sudo sshd -t && sudo systemctl reload sshd.",
    needs: "auth.log/secure or journal; sshd_config to cite the directive",
    symptom: "permission denied",
    check,
};

fn check(ctx: &RuleContext) -> Vec<Finding> {
    let mut by_user: BTreeMap<&str, Vec<&Event>> = BTreeMap::new();
    for e in ctx.events_of(EventKind::UserNotAllowed) {
        if let Some(u) = e.fields.user.as_deref() {
            by_user.entry(u).or_default().push(e);
        }
    }
    by_user
        .into_iter()
        .map(|(user, events)| finding_for(ctx, user, &events))
        .collect()
}

fn finding_for(ctx: &RuleContext, user: &str, events: &[&Event]) -> Finding {
    let first = events[0];
    let directive =
        first.fields.keyword.clone().unwrap_or_else(|| {
            directive_name(first.fields.reason.as_deref().unwrap_or("")).to_owned()
        });
    let reason = first
        .fields
        .reason
        .as_deref()
        .unwrap_or("not allowed")
        .replace('_', " ")
        .replace("allow users", "AllowUsers")
        .replace("deny users", "DenyUsers")
        .replace("allow groups", "AllowGroups")
        .replace("deny groups", "DenyGroups");
    let mut f = common::finding(&RULE, String::new());
    for e in events {
        cite(&mut f, e);
    }
    // The follow-on lines sshd writes for the now "invalid" user, on the same connections.
    for key in events.iter().filter_map(|e| common::connection_key(e)) {
        for e in ctx.connection(key) {
            if e.fields.user.as_deref() == Some(user) && e.kind == EventKind::AuthFailed {
                cite(&mut f, e);
            }
        }
    }
    let config_lines = directive_evidence(ctx, user, first);
    let cited_config = !config_lines.is_empty();
    f.evidence.extend(config_lines);
    let service = common::service_name(ctx.facts);
    let addr = first.fields.addr.clone().unwrap_or_default();
    f.summary = format!(
        "sshd refused {user} from {addr} because the user is {reason}; the account itself is not the problem.",
    );
    f.confidence = if cited_config { 0.98 } else { 0.9 };
    f.remediation = vec![
        format!(
            "Edit the {directive} line in /etc/ssh/sshd_config (or the drop-in that sets it) to admit {user}"
        ),
        "sudo sshd -t".to_owned(),
        format!("sudo systemctl reload {service}"),
    ];
    finish(f, 12)
}

/// The directive a log reason names (`not_listed_in_allow_users` -> AllowUsers), for
/// lines that did not carry the keyword.
fn directive_name(reason: &str) -> &'static str {
    match reason {
        r if r.contains("deny_users") => "DenyUsers",
        r if r.contains("deny_groups") => "DenyGroups",
        r if r.contains("group") => "AllowGroups",
        _ => "AllowUsers",
    }
}

/// The configuration lines that exclude the user, from the effective configuration for the
/// connection the log line describes.
fn directive_evidence(ctx: &RuleContext, user: &str, event: &Event) -> Vec<Evidence> {
    let addr = event.fields.addr.as_deref().and_then(|a| a.parse().ok());
    let Some(effective) = ctx.facts.effective_config(Some(user), addr) else {
        ctx.missing(&RULE, "sshd_config to cite the access directive");
        return Vec::new();
    };
    let groups = ctx.facts.groups_of(user);
    match effective.user_access(user, &groups, None, addr) {
        UserAccess::Denied { origins, .. } => origins
            .iter()
            .filter_map(|o| match o {
                Origin::Line { location, text } => {
                    Some(Evidence::at(location, text.clone()).with_note("excludes this user"))
                }
                Origin::Default => None,
            })
            .collect(),
        UserAccess::Allowed | UserAccess::Undecided { .. } => Vec::new(),
    }
}
