//! `brute-force`: ambient password guessing from outside addresses. Informational on its own:
//! every internet-facing sshd sees it. It never outranks a cause that explains a failed login;
//! it matters when it causes something (bans, throttling) or succeeds (`brute-force-success`).

use crate::finding::Finding;
use crate::model::Severity;

use super::common::{self, cite, finish, RuleContext};
use super::Rule;

pub static RULE: Rule = Rule {
    id: "brute-force",
    title: "password guessing from outside",
    severity: Severity::Info,
    what: "Addresses outside the organisation tried many passwords or many user names.",
    why: "It is background noise on any exposed sshd, but it fills the logs around the real \
          failure, can trigger bans and throttling, and is dangerous while password logins are \
          enabled.",
    example: "sshd[3310]: Failed password for invalid user admin from 203.0.113.9 port 4412 ssh2 \
              (x 120)",
    fix: "Disable password logins (keys only), and rate-limit or ban (fail2ban, ufw limit).",
    needs: "auth.log/secure or journal",
    symptom: "failed logins from guessers",
    check,
};

fn check(ctx: &RuleContext) -> Vec<Finding> {
    let mut sources: Vec<(&str, common::SourceStats)> = common::failures_by_source(ctx)
        .into_iter()
        .filter(|(addr, s)| common::is_outside_address(addr) && common::is_guessing(s))
        .collect();
    if sources.is_empty() {
        return Vec::new();
    }
    sources.sort_by_key(|(_, s)| std::cmp::Reverse(s.failures.len()));
    let total: usize = sources.iter().map(|(_, s)| s.failures.len()).sum();
    let mut f = common::finding(&RULE, String::new());
    f.explains_failure = false;
    // A guessing flood is what fills MaxStartups: then it caused refusals and is no longer
    // ambient noise, but the root of the throttling.
    if ctx
        .events_of(crate::model::EventKind::MaxStartupsDrop)
        .next()
        .is_some()
    {
        f.explains = vec!["connection-throttled"];
        f.explains_failure = true;
        f.severity = Severity::High;
    }
    // First and last guess of the busiest sources: enough to show the pattern.
    for (_, s) in sources.iter().take(4) {
        // A failed password shows the guessing best; an `Invalid user` line will do.
        let failed: Vec<&&crate::model::Event> = s
            .failures
            .iter()
            .filter(|e| e.kind == crate::model::EventKind::AuthFailed)
            .collect();
        let pool: Vec<&&crate::model::Event> = if failed.is_empty() {
            s.failures.iter().collect()
        } else {
            failed
        };
        if let (Some(first), Some(last)) = (pool.first(), pool.last()) {
            cite(&mut f, first);
            cite(&mut f, last);
        }
    }
    for (addr, s) in &sources {
        f.subjects.addresses.insert((*addr).to_owned());
        f.subjects.users.extend(s.users.iter().cloned());
    }
    let top: Vec<String> = sources
        .iter()
        .take(3)
        .map(|(a, s)| {
            format!(
                "{a} ({}, {})",
                plural(s.failures.len(), "attempt"),
                plural(s.users.len(), "user name")
            )
        })
        .collect();
    let names: std::collections::BTreeSet<&String> =
        sources.iter().flat_map(|(_, s)| s.users.iter()).collect();
    let succeeded: Vec<&str> = sources
        .iter()
        .map(|(a, _)| *a)
        .filter(|a| {
            ctx.events_of(crate::model::EventKind::AuthAccepted)
                .any(|e| e.fields.addr.as_deref() == Some(*a))
        })
        .collect();
    let outcome = if succeeded.is_empty() {
        "No login from them succeeded.".to_owned()
    } else {
        format!(
            "A login from {} succeeded: see brute-force-success.",
            succeeded.join(", ")
        )
    };
    f.summary = format!(
        "{} made {} against {}; busiest: {}. {outcome}",
        plural(sources.len(), "outside address"),
        plural(total, "failed login attempt"),
        plural(names.len(), "user name"),
        top.join(", ")
    );
    f.confidence = 0.95;
    // Ambient guessing grows in importance with volume, but stays informational.
    if total >= 1000 && !f.explains_failure {
        f.severity = Severity::Low;
    }
    f.remediation = vec![
        "Keep password logins off where possible: PasswordAuthentication no (keys only)".to_owned(),
        "sudo apt install fail2ban  (or dnf install fail2ban)   # ban repeat offenders".to_owned(),
        "sudo ufw limit 22/tcp   # or an equivalent rate limit in firewalld/nftables".to_owned(),
    ];
    let mut f = finish(f, 8);
    f.subjects.users = f.subjects.users.into_iter().take(20).collect();
    vec![f]
}

/// `1 attempt`, `40 attempts`, `2 outside addresses`.
fn plural(n: usize, noun: &str) -> String {
    match (n, noun.ends_with("ss")) {
        (1, _) => format!("1 {noun}"),
        (_, true) => format!("{n} {noun}es"),
        _ => format!("{n} {noun}s"),
    }
}
