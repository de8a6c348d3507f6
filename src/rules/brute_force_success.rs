//! `brute-force-success`: a login succeeded from an address right after a burst of failed
//! attempts from that same address. That is what a guessed password looks like, so it is
//! critical whatever else the bundle shows.

use crate::finding::Finding;
use crate::model::{AuthMethod, Event, EventKind, Severity};

use super::common::{self, cite, finish, RuleContext};
use super::Rule;

pub static RULE: Rule = Rule {
    id: "brute-force-success",
    title: "a login succeeded right after a burst of failures",
    severity: Severity::Critical,
    what: "An address that had just failed many logins then logged in successfully: a likely \
           guessed password and a likely compromise.",
    why: "An attacker with a valid login can do anything that account can. Containment comes \
          before any other troubleshooting.",
    example: "40 x Failed password for deploy from 198.51.100.99, then Accepted password for \
              deploy from 198.51.100.99",
    fix: "Lock the account, end its sessions, rotate its credentials, investigate what it did.",
    needs: "auth.log/secure or journal",
    symptom: "a guessed login succeeded",
    check,
};

/// How far back failures count as the burst that preceded a success.
const BURST_WINDOW: chrono::TimeDelta = chrono::TimeDelta::hours(1);
/// Failures from one address within the window that make a burst.
const BURST_FAILURES: usize = 8;

fn check(ctx: &RuleContext) -> Vec<Finding> {
    // Each source's failures in time order, so a success finds its burst by binary search.
    let mut failures: std::collections::HashMap<&str, Vec<&Event>> = Default::default();
    for e in ctx
        .events()
        .filter(|e| common::is_auth_failure(e) && e.time.is_some())
    {
        if let Some(addr) = e.fields.addr.as_deref() {
            failures.entry(addr).or_default().push(e);
        }
    }
    let mut findings: Vec<Finding> = Vec::new();
    for accepted in ctx.events_of(EventKind::AuthAccepted) {
        let (Some(addr), Some(at)) = (accepted.fields.addr.as_deref(), accepted.time) else {
            continue;
        };
        let Some(from_addr) = failures.get(addr) else {
            continue;
        };
        let start = from_addr.partition_point(|e| e.time < Some(at - BURST_WINDOW));
        let end = from_addr.partition_point(|e| e.time <= Some(at));
        let burst: Vec<&Event> = from_addr[start..end].to_vec();
        if burst.len() < BURST_FAILURES {
            continue;
        }
        let user = accepted.fields.user.clone().unwrap_or_default();
        if findings
            .iter()
            .any(|f| f.subjects.users.contains(&user) && f.subjects.addresses.contains(addr))
        {
            continue;
        }
        findings.push(finding_for(ctx, accepted, &burst, &user, addr));
    }
    findings
}

fn finding_for(
    ctx: &RuleContext,
    accepted: &Event,
    burst: &[&Event],
    user: &str,
    addr: &str,
) -> Finding {
    let mut f = common::finding(&RULE, String::new());
    for e in burst {
        cite(&mut f, e);
    }
    cite(&mut f, accepted);
    // What the session did next: PAM and logind lines on the same connection.
    for e in ctx.events().filter(|e| {
        matches!(
            e.kind,
            EventKind::PamSessionOpened | EventKind::LogindNewSession
        ) && e.fields.user.as_deref() == Some(user)
            && e.time
                .zip(accepted.time)
                .is_some_and(|(t, a)| t >= a && t - a <= chrono::TimeDelta::minutes(1))
    }) {
        cite(&mut f, e);
    }
    f.subjects.users.retain(|u| u == user);
    f.subjects.addresses.retain(|a| a == addr);
    let failed_users: std::collections::BTreeSet<&str> = burst
        .iter()
        .filter_map(|e| e.fields.user.as_deref())
        .collect();
    let method = accepted
        .fields
        .method
        .as_ref()
        .map_or("unknown", AuthMethod::as_str);
    f.summary = format!(
        "{addr} failed {} logins ({}) within the hour, then logged in as {user} with {method}: treat the account as compromised.",
        burst.len(),
        failed_users.into_iter().collect::<Vec<_>>().join(", "),
    );
    f.confidence = if matches!(
        accepted.fields.method,
        Some(AuthMethod::Password) | Some(AuthMethod::KeyboardInteractive)
    ) {
        0.95
    } else {
        0.75
    };
    f.remediation = vec![
        format!("sudo passwd -l {user}   # lock the password now"),
        format!("sudo loginctl terminate-user {user}   # end its sessions (or: sudo pkill -KILL -u {user})"),
        format!("Block the source: sudo ufw insert 1 deny from {addr}   (or firewall-cmd / nft equivalent)"),
        format!("Review what {user} did: last -F {user}; sudo journalctl _UID=$(id -u {user}); ~{user}/.bash_history; new keys in ~{user}/.ssh/authorized_keys; crontab -l -u {user}"),
        "Rotate every credential the account could reach; disable password logins (keys only)".to_owned(),
    ];
    finish(f, 16)
}
