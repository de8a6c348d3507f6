//! `ip-banned`: fail2ban (or sshguard) banned the client's address, so its later attempts
//! never reach sshd. The failures that triggered the ban are real, but the ban is what keeps
//! the user out now, so it explains them and ranks above them.

use std::collections::BTreeMap;

use crate::finding::{Evidence, Finding};
use crate::model::{Event, EventKind, Severity};

use super::common::{self, cite, finish, RuleContext};
use super::Rule;

pub static RULE: Rule = Rule {
    id: "ip-banned",
    title: "the client's address is banned",
    severity: Severity::High,
    what: "fail2ban or sshguard banned the client's address after repeated failures; until the \
           ban ends, its connections are refused or dropped before sshd sees them.",
    why: "The user may have fixed the password long ago; every retry from the banned address \
          fails without a trace in sshd's log, which looks like sshd ignoring them.",
    example: "fail2ban.actions [812]: NOTICE  [sshd] Ban 198.51.100.40",
    fix: "Unban the address (fail2ban-client set sshd unbanip ADDR) and, for trusted networks, \
          add them to ignoreip.",
    needs: "fail2ban.log or fail2ban-client status; auth.log for the failures behind the ban",
    symptom: "connection refused or timed out",
    check,
};

fn check(ctx: &RuleContext) -> Vec<Finding> {
    let mut bans: BTreeMap<&str, Vec<&Event>> = BTreeMap::new();
    for e in ctx.events_of(EventKind::IpBanned) {
        if let Some(addr) = e.fields.addr.as_deref() {
            bans.entry(addr).or_default().push(e);
        }
    }
    bans.into_iter()
        .filter_map(|(addr, events)| finding_for(ctx, addr, &events))
        .collect()
}

fn finding_for(ctx: &RuleContext, addr: &str, bans: &[&Event]) -> Option<Finding> {
    let last_ban = bans.last()?;
    let unbanned_after = ctx.events_of(EventKind::IpUnbanned).any(|u| {
        u.fields.addr.as_deref() == Some(addr)
            && matches!((u.time, last_ban.time), (Some(u), Some(b)) if u > b)
    });
    let still_listed = banned_in_status(ctx, addr);
    // A ban that ended before the reported attempt does not explain it.
    if unbanned_after && still_listed.is_empty() {
        if let (Some(at), Some(unban)) = (ctx.hints.at, last_unban(ctx, addr)) {
            if at > unban {
                return None;
            }
        } else {
            return None;
        }
    }
    let mut f = common::finding(&RULE, String::new());
    for b in bans {
        cite(&mut f, b);
    }
    // What the filter matched before the ban, and the sshd failures behind it.
    let before = |e: &&Event| matches!((e.time, last_ban.time), (Some(t), Some(b)) if t <= b);
    let found: Vec<&Event> = ctx
        .events_of(EventKind::BanFilterMatch)
        .filter(|e| e.fields.addr.as_deref() == Some(addr))
        .filter(before)
        .collect();
    let failures: Vec<&Event> = ctx
        .events()
        .filter(|e| common::is_auth_failure(e) && e.fields.addr.as_deref() == Some(addr))
        .filter(before)
        .collect();
    for e in found.iter().chain(failures.iter()).take(8) {
        cite(&mut f, e);
    }
    f.evidence.extend(still_listed);
    f.evidence.extend(firewall_entry(ctx, addr));
    for e in common::client_connect_failures(ctx) {
        f.evidence
            .push(Evidence::from_event(e).with_note("what the client saw"));
    }
    let jail = last_ban
        .fields
        .reason
        .clone()
        .unwrap_or_else(|| "sshd".into());
    let users: Vec<String> = failures
        .iter()
        .filter_map(|e| e.fields.user.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if failures.iter().any(|e| !e.fields.invalid_user) {
        f.explains = vec!["wrong-password"];
    }
    // A ban on a source that only guessed root or names that do not exist is the jail doing
    // its job, not someone locked out.
    let only_guessing = !failures.is_empty()
        && failures
            .iter()
            .all(|e| e.fields.invalid_user || e.fields.user.as_deref() == Some("root"));
    if only_guessing && ctx.hints.client.as_deref() != Some(addr) {
        f.explains_failure = false;
        f.severity = Severity::Low;
        f.explains.clear();
    }
    f.subjects.addresses.insert(addr.to_owned());
    f.subjects.users.extend(users.iter().cloned());
    f.summary = format!(
        "fail2ban's {jail} jail banned {addr}{} after {} failed login(s){}; connections from it are refused before they reach sshd.",
        last_ban
            .time
            .map(|t| format!(" at {}", crate::finding::format_time(&t)))
            .unwrap_or_default(),
        failures.len().max(found.len()),
        if users.is_empty() {
            String::new()
        } else {
            format!(" as {}", users.join(", "))
        }
    );
    f.confidence = 0.95;
    f.remediation = vec![
        format!("sudo fail2ban-client set {jail} unbanip {addr}"),
        format!("sudo fail2ban-client status {jail}   # confirm it is no longer listed"),
        format!("If {addr} is a trusted network, add it to ignoreip in /etc/fail2ban/jail.local"),
    ];
    let mut f = finish(f, 14);
    f.last_seen = None;
    Some(f)
}

fn last_unban(ctx: &RuleContext, addr: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    ctx.events_of(EventKind::IpUnbanned)
        .filter(|u| u.fields.addr.as_deref() == Some(addr))
        .filter_map(|u| u.time)
        .max()
}

/// The firewall rule that enforces the ban (a `f2b-` chain entry or set lookup), found by
/// walking the bundle's rulesets for a connection from the banned address.
fn firewall_entry(ctx: &RuleContext, addr: &str) -> Vec<Evidence> {
    let Ok(ip) = addr.parse() else {
        return Vec::new();
    };
    let Some(check) = crate::facts::firewall::check(ctx.facts, Some(ip), None, None) else {
        return Vec::new();
    };
    let mut out: Vec<Evidence> = Vec::new();
    for v in check.verdicts.iter().filter(|v| v.denies()) {
        for o in &v.outcomes {
            if let Some(step) = &o.decided_by {
                if !out
                    .iter()
                    .any(|e| e.path == step.path && e.line == step.line)
                {
                    out.push(step.evidence().with_note(format!(
                        "the firewall {} {addr} here ({})",
                        match o.decision {
                            crate::facts::firewall::Decision::Reject => "rejects",
                            _ => "drops",
                        },
                        v.firewall.name()
                    )));
                }
            }
        }
    }
    out
}

/// `Banned IP list:` entries of `fail2ban-client status` naming the address.
fn banned_in_status(ctx: &RuleContext, addr: &str) -> Vec<Evidence> {
    let mut out = Vec::new();
    for status in &ctx.facts.network.fail2ban_status {
        for jail in &status.value.jails {
            for banned in &jail.banned {
                if banned.value.to_string() == addr {
                    let location = status.location(banned.line);
                    let text = ctx.facts.line_text(&location).unwrap_or_default();
                    out.push(Evidence::at(&location, text).with_note("still banned at collection"));
                }
            }
        }
    }
    out
}
