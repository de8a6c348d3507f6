//! `kex-mismatch`: client and server share no key-exchange, host-key, cipher or MAC
//! algorithm, so the connection ends before authentication. Typical of old clients and
//! appliances against OpenSSH 8.8+ or a hardened crypto policy. The client's own offer is in
//! the log line and is cited, since it tells what the client can do.

use std::collections::BTreeMap;

use crate::finding::Finding;
use crate::model::{Event, EventKind, Severity};

use super::common::{self, cite, finish, RuleContext};
use super::Rule;

pub static RULE: Rule = Rule {
    id: "kex-mismatch",
    title: "no common algorithm with the client",
    severity: Severity::High,
    what: "The client and server share no key exchange, host key, cipher or MAC algorithm (or \
           the server refuses the client's signature algorithm), so the connection fails before \
           any login.",
    why: "Old clients, embedded devices and Java libraries still offer SHA-1 algorithms that \
          current OpenSSH and crypto policies disable; no credential can fix that.",
    example: "sshd[901]: Unable to negotiate with 192.168.40.12 port 40022: no matching key \
              exchange method found. Their offer: diffie-hellman-group1-sha1 [preauth]",
    fix: "Upgrade the client; if impossible, enable the one needed algorithm for that client \
          only, in a Match Address block.",
    needs: "auth.log/secure or journal",
    symptom: "no matching key exchange, connection closed",
    check,
};

fn check(ctx: &RuleContext) -> Vec<Finding> {
    let mut by_client: BTreeMap<(&str, &str), Vec<&Event>> = BTreeMap::new();
    for e in ctx.events().filter(|e| {
        matches!(
            e.kind,
            EventKind::KexNoMatch | EventKind::PubkeyAlgorithmRefused
        )
    }) {
        let addr = e.fields.addr.as_deref().unwrap_or("");
        let what = e.fields.reason.as_deref().unwrap_or("");
        by_client.entry((addr, what)).or_default().push(e);
    }
    if by_client.is_empty() {
        return Vec::new();
    }
    // One finding: legacy clients that cannot negotiate share one cause and one fix; each
    // client's first and last refusal is cited.
    let mut f = common::finding(&RULE, String::new());
    let mut parts = Vec::new();
    let mut remediation = vec![
        "Upgrade the client (or its SSH library) to one that supports current algorithms"
            .to_owned(),
    ];
    for ((addr, what), events) in &by_client {
        cite(&mut f, events[0]);
        cite(&mut f, events[events.len() - 1]);
        let offer = events
            .iter()
            .find(|e| !e.fields.offer.is_empty())
            .map(|e| e.fields.offer.clone())
            .unwrap_or_default();
        let client = if addr.is_empty() {
            "a client".to_owned()
        } else {
            (*addr).to_owned()
        };
        parts.push(if offer.is_empty() {
            format!("{client}: {} ({} time(s))", describe(what), events.len())
        } else {
            format!(
                "{client} offered only {} ({}, {} time(s))",
                offer.join(","),
                describe(what),
                events.len()
            )
        });
        let legacy = offer
            .first()
            .cloned()
            .unwrap_or_else(|| "ALGORITHM".to_owned());
        remediation.push(format!(
            "Otherwise allow the one legacy algorithm for that client only, at the end of /etc/ssh/sshd_config:  Match Address {}  then  {} +{legacy}",
            if addr.is_empty() { "CLIENT_IP" } else { addr },
            directive_for(what, events[0]),
        ));
    }
    f.summary = format!(
        "Clients could not agree on algorithms with sshd, so they never reached a login: {}.",
        parts.join("; ")
    );
    f.confidence = 0.97;
    remediation.push(
        "On RHEL/Fedora the crypto policy may also need it: update-crypto-policies --show"
            .to_owned(),
    );
    remediation.push(format!(
        "sudo sshd -t && sudo systemctl reload {}",
        common::service_name(ctx.facts)
    ));
    f.remediation = remediation;
    vec![finish(f, 12)]
}

fn describe(what: &str) -> &str {
    match what {
        "kex" => "no matching key exchange method",
        "host_key" => "no matching host key type",
        "cipher" => "no matching cipher",
        "mac" => "no matching MAC",
        "compression" => "no matching compression method",
        "" => "no common algorithm",
        other => other,
    }
}

/// The sshd_config directive that governs the algorithm class in the message.
fn directive_for(what: &str, event: &Event) -> &'static str {
    if event.kind == EventKind::PubkeyAlgorithmRefused {
        return "PubkeyAcceptedAlgorithms";
    }
    match what {
        "host_key" => "HostKeyAlgorithms",
        "cipher" => "Ciphers",
        "mac" => "MACs",
        "compression" => "Compression",
        _ => "KexAlgorithms",
    }
}
