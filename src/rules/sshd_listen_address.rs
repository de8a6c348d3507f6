//! `sshd-listen-address`: sshd listens only on addresses the client cannot reach — the
//! loopback, or an address the host no longer has (a ListenAddress left behind after
//! re-addressing, which sshd reports as `Cannot assign requested address` and skips).

use crate::facts::sshd_config::Origin;
use crate::finding::{Evidence, Finding};
use crate::model::{EventKind, Severity};

use super::common::{self, cite, finish, RuleContext};
use super::Rule;

pub static RULE: Rule = Rule {
    id: "sshd-listen-address",
    title: "sshd listens only where clients cannot reach it",
    severity: Severity::High,
    what: "sshd listens only on loopback or on addresses the host does not have (a stale \
           ListenAddress), so connections to the host's real address are refused.",
    why: "sshd is up and `systemctl status` looks healthy, yet every remote client is refused.",
    example:
        "sshd[611]: error: Bind to port 22 on 10.50.0.9 failed: Cannot assign requested address.",
    fix: "Point ListenAddress at the host's current address, or remove it to listen on all.",
    needs: "sshd's log or ss/netstat; sshd_config; ip addr",
    symptom: "connection refused",
    check,
};

fn check(ctx: &RuleContext) -> Vec<Finding> {
    let listening = common::sshd_listening(ctx);
    let host_addrs = common::host_addresses(ctx);
    let unavailable: Vec<_> = ctx
        .events_with_reason(EventKind::BindFailed, |r| {
            r.contains("Cannot assign requested address")
        })
        .collect();
    let reachable = listening.iter().any(|l| {
        l.wildcard
            || l.addr.is_some_and(|a| {
                !a.is_loopback()
                    && (host_addrs.is_empty() || host_addrs.iter().any(|(h, _)| *h == a))
            })
    });
    if reachable || (listening.is_empty() && unavailable.is_empty()) {
        return Vec::new();
    }
    let mut f = common::finding(&RULE, String::new());
    for e in &unavailable {
        cite(&mut f, e);
    }
    let listened: Vec<String> = listening
        .iter()
        .filter_map(|l| l.addr)
        .collect::<std::collections::BTreeSet<_>>()
        .iter()
        .map(ToString::to_string)
        .collect();
    f.evidence.extend(listening.into_iter().map(|l| l.evidence));
    if let Some(cfg) = ctx.facts.effective_config(None, None) {
        for (_, origin) in cfg.listen_addresses() {
            if let Origin::Line { location, text } = origin {
                f.evidence
                    .push(Evidence::at(&location, text).with_note("where sshd is told to listen"));
            }
        }
    }
    let current: Vec<(std::net::IpAddr, Evidence)> = host_addrs
        .into_iter()
        .filter(|(a, _)| !a.is_loopback() && !is_link_local(a))
        .collect();
    for (_, ev) in &current {
        f.evidence
            .push(ev.clone().with_note("an address the host has now"));
    }
    let gone: Vec<String> = unavailable
        .iter()
        .filter_map(|e| e.fields.local_addr.clone())
        .collect();
    let now = common::address_list(&current);
    f.summary = format!(
        "sshd listens only on {}{}; remote clients cannot reach it{}.",
        if listened.is_empty() {
            "nothing reachable".to_owned()
        } else {
            listened.join(", ")
        },
        if gone.is_empty() {
            String::new()
        } else {
            format!(
                " (it could not bind {}, an address the host no longer has)",
                gone.join(", ")
            )
        },
        if now.is_empty() {
            String::new()
        } else {
            format!(" at {}", now.join(", "))
        }
    );
    f.confidence = if gone.is_empty() { 0.85 } else { 0.95 };
    f.remediation = vec![
        format!(
            "In /etc/ssh/sshd_config, replace the stale ListenAddress with {} (or remove ListenAddress to listen on all addresses)",
            now.first().cloned().unwrap_or_else(|| "the host's address".into())
        ),
        format!("sudo sshd -t && sudo systemctl restart {}", common::service_name(ctx.facts)),
        "sudo ss -tlnp | grep sshd   # confirm it listens on the right address".to_owned(),
    ];
    f.blocks_all_logins = true;
    vec![finish(f, 12)]
}

fn is_link_local(a: &std::net::IpAddr) -> bool {
    match a {
        std::net::IpAddr::V4(v4) => v4.is_link_local(),
        std::net::IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) == 0xfe80,
    }
}
