//! `sshd-port-mismatch`: the client connects to a port sshd does not listen on — typically
//! after `Port` was changed in sshd_config and the users were not told (or the other way
//! round). The client's own output names the port it tried; the server's config, its
//! `Server listening` lines and its listener table name the ones it serves.

use std::collections::BTreeSet;

use crate::facts::sshd_config::Origin;
use crate::finding::{Evidence, Finding};
use crate::model::{EventKind, Severity};

use super::common::{self, cite, finish, RuleContext};
use super::Rule;

pub static RULE: Rule = Rule {
    id: "sshd-port-mismatch",
    title: "the client uses a port sshd does not listen on",
    severity: Severity::High,
    what: "The client connected to a port on which sshd does not listen (sshd_config's Port, \
           its `Server listening` lines and the listener table agree on another).",
    why: "The client gets \"Connection refused\" (or a timeout through a firewall) although \
          sshd is running fine.",
    example: "client: Connecting to app03 [10.40.0.3] port 22 / server: Server listening on 0.0.0.0 port 2222.",
    fix: "Connect to the port sshd uses (ssh -p PORT), or make sshd listen on the expected port.",
    needs: "the client's ssh output; sshd_config, sshd's log or ss/netstat",
    symptom: "connection refused",
    check,
};

fn check(ctx: &RuleContext) -> Vec<Finding> {
    let listening = common::sshd_listening(ctx);
    let mut served: BTreeSet<u16> = listening.iter().filter_map(|l| l.port).collect();
    let config = ctx.facts.effective_config(None, None);
    if served.is_empty() {
        if let Some(cfg) = &config {
            served.extend(cfg.ports().into_iter().map(|(p, _)| p));
        }
    }
    if served.is_empty() {
        return Vec::new();
    }
    let attempts: Vec<_> = ctx
        .events_of(EventKind::ClientConnecting)
        .filter(|e| e.fields.port.is_some_and(|p| !served.contains(&p)))
        .collect();
    let Some(first) = attempts.first() else {
        return Vec::new();
    };
    let tried = first.fields.port.unwrap_or(22);
    let mut f = common::finding(&RULE, String::new());
    for e in &attempts {
        cite(&mut f, e);
    }
    for e in common::client_connect_failures(ctx)
        .into_iter()
        .filter(|e| e.fields.port == Some(tried))
    {
        f.evidence
            .push(Evidence::from_event(e).with_note("what the client saw"));
    }
    if let Some(cfg) = &config {
        for (_, origin) in cfg.ports() {
            if let Origin::Line { location, text } = origin {
                f.evidence.push(
                    Evidence::at(&location, text).with_note("the port sshd is configured for"),
                );
            }
        }
    }
    f.evidence.extend(listening.into_iter().map(|l| l.evidence));
    let served_text: Vec<String> = served.iter().map(u16::to_string).collect();
    let host = first.fields.path.clone().unwrap_or_else(|| "HOST".into());
    f.subjects.ports.insert(tried);
    f.summary = format!(
        "The client connected to {host} on port {tried}, but sshd listens on port {}: nothing answers on {tried}.",
        served_text.join(", ")
    );
    f.confidence = 0.95;
    f.remediation = vec![
        format!("ssh -p {} USER@{host}   # the port sshd uses", served_text[0]),
        format!("Or make sshd listen on {tried} too: add `Port {tried}` to /etc/ssh/sshd_config (and open it in the firewall), then sudo sshd -t && sudo systemctl restart {}", common::service_name(ctx.facts)),
        "Tell users (or set Port in their ~/.ssh/config Host block) when the port changes".to_owned(),
    ];
    vec![finish(f, 12)]
}
