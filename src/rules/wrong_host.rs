//! `wrong-host`: the client never reached this server — it could not resolve the name, or
//! it resolved it to an address this server does not have (a stale DNS or /etc/hosts entry
//! after a migration). The client's output names the address it tried; the server's
//! `ip addr` shows the addresses it really has.

use crate::finding::{Evidence, Finding};
use crate::model::{EventKind, Severity};

use super::common::{self, cite, finish, RuleContext};
use super::Rule;

pub static RULE: Rule = Rule {
    id: "wrong-host",
    title: "the client connects to the wrong address, or cannot resolve the name",
    severity: Severity::High,
    what: "The client could not resolve the server's name, or connected to an address that \
           is not one of this server's.",
    why: "Nothing on the server can explain the failure: the attempts never arrive. The fix is \
          on the client's side (DNS, /etc/hosts, the name typed).",
    example:
        "debug1: Connecting to db01.example.com [10.60.0.8] port 22. (the server has 10.60.0.18)",
    fix: "Correct the name or its DNS / /etc/hosts entry on the client; connect to the server's \
          real address to confirm.",
    needs: "the client's ssh output; ip addr (or ifconfig) from the server",
    symptom: "name not resolved or wrong host reached",
    check,
};

fn check(ctx: &RuleContext) -> Vec<Finding> {
    let host_addrs = common::host_addresses(ctx);
    let unresolved: Vec<_> = ctx
        .events_with_reason(EventKind::ClientConnectFailed, |r| {
            r.starts_with("Could not resolve")
        })
        .collect();
    let elsewhere: Vec<_> = if host_addrs.is_empty() {
        Vec::new()
    } else {
        ctx.events_of(EventKind::ClientConnecting)
            .filter(|e| {
                e.fields
                    .addr
                    .as_deref()
                    .and_then(|a| a.parse::<std::net::IpAddr>().ok())
                    .is_some_and(|a| !host_addrs.iter().any(|(h, _)| *h == a))
            })
            .collect()
    };
    if unresolved.is_empty() && elsewhere.is_empty() {
        return Vec::new();
    }
    let mut f = common::finding(&RULE, String::new());
    for e in unresolved.iter().chain(elsewhere.iter()) {
        cite(&mut f, e);
    }
    for e in common::client_connect_failures(ctx) {
        f.evidence
            .push(Evidence::from_event(e).with_note("what the client saw"));
    }
    let real: Vec<(std::net::IpAddr, Evidence)> = host_addrs
        .into_iter()
        .filter(|(a, _)| !a.is_loopback() && !a.to_string().starts_with("fe80"))
        .collect();
    if !elsewhere.is_empty() {
        for (_, ev) in &real {
            f.evidence
                .push(ev.clone().with_note("the address this server really has"));
        }
    }
    let real_text = common::address_list(&real);
    let mut parts = Vec::new();
    if let Some(e) = unresolved.first() {
        parts.push(format!(
            "the client could not resolve {}",
            e.fields.path.as_deref().unwrap_or("the name")
        ));
    }
    if let Some(e) = elsewhere.first() {
        parts.push(format!(
            "it connected to {} at {}, which is not this server's address{}",
            e.fields.path.as_deref().unwrap_or("the server"),
            e.fields.addr.as_deref().unwrap_or("?"),
            if real_text.is_empty() {
                String::new()
            } else {
                format!(" ({})", real_text.join(", "))
            }
        ));
    }
    f.summary = format!(
        "{}: the attempts never reached this server.",
        crate::util::capitalise(&parts.join("; "))
    );
    f.confidence = if elsewhere.is_empty() { 0.8 } else { 0.9 };
    f.remediation = vec![
        "getent hosts NAME   # on the client: what the name resolves to".to_owned(),
        "grep NAME /etc/hosts   # on the client: a pinned, stale entry wins over DNS".to_owned(),
        format!(
            "ssh USER@{}   # confirm by connecting to the server's real address",
            real_text
                .first()
                .cloned()
                .unwrap_or_else(|| "SERVER_IP".into())
        ),
    ];
    vec![finish(f, 12)]
}
