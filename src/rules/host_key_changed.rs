//! `host-key-changed`: the user's ssh client refused the server because its host key is not
//! the one the client remembers. The server may have been reinstalled or re-keyed (benign),
//! or the name may now point elsewhere, or someone is in the middle: the fix is to verify the
//! new key, then update known_hosts, never to skip the check.

use crate::finding::{Evidence, Finding};
use crate::model::{EventKind, Severity};
use crate::parse::ssh_client::ClientEvent;

use super::common::{self, finish, RuleContext};
use super::Rule;

pub static RULE: Rule = Rule {
    id: "host-key-changed",
    title: "the client refuses the server's new host key",
    severity: Severity::High,
    what: "The client's known_hosts holds another key for this server, so it stopped with \
           \"REMOTE HOST IDENTIFICATION HAS CHANGED\" / \"Host key verification failed\".",
    why: "sshd never sees an authentication attempt: the client aborts during key exchange. \
          Re-keyed and rebuilt servers cause it, and so does a man in the middle.",
    example: "Offending ED25519 key in /home/kim/.ssh/known_hosts:12",
    fix: "Verify the server's new fingerprint out of band, then ssh-keygen -R HOST and connect \
          again.",
    needs: "the client's ssh output (ssh -v transcript or terminal text)",
    symptom: "host key verification failed",
    check,
};

fn check(ctx: &RuleContext) -> Vec<Finding> {
    let mut findings = Vec::new();
    for transcript in &ctx.facts.network.client_transcripts {
        let facts = &transcript.value.events;
        let Some((fact, change)) = facts.iter().find_map(|f| match &f.event {
            ClientEvent::HostKeyChanged(c) => Some((f, c)),
            _ => None,
        }) else {
            continue;
        };
        let mut f = common::finding(&RULE, String::new());
        let mut cite_line = |line: usize, note: Option<&str>| {
            let location = transcript.location(line);
            let text = ctx.facts.line_text(&location).unwrap_or_default();
            let ev = Evidence::at(&location, text);
            f.evidence.push(match note {
                Some(n) => ev.with_note(n),
                None => ev,
            });
        };
        cite_line(fact.line, Some("the client's warning"));
        for off in &change.offending {
            cite_line(off.line, Some("the stale known_hosts entry"));
        }
        for failed in facts
            .iter()
            .filter(|f| matches!(f.event, ClientEvent::HostKeyVerificationFailed))
        {
            cite_line(failed.line, None);
        }
        // On the server: who regenerated the keys, and the client's hang-up in key exchange.
        let rekeyed: Vec<_> = ctx
            .events_of(EventKind::SudoCommand)
            .filter(|e| {
                let cmd = e.fields.reason.as_deref().unwrap_or("");
                cmd.contains("ssh-keygen") || cmd.contains("ssh_host_")
            })
            .collect();
        for e in &rekeyed {
            f.evidence
                .push(Evidence::from_event(e).with_note("the server's keys were regenerated"));
        }
        let host = change
            .host
            .clone()
            .or_else(|| command_host(facts))
            .unwrap_or_else(|| "HOST".to_owned());
        let stale = change
            .offending
            .first()
            .map(|o| format!(" ({}:{})", o.file, o.file_line))
            .unwrap_or_default();
        f.summary = format!(
            "The client refused {host}: its known_hosts{stale} holds a different {} key than the server now presents{}.",
            change.key_label.as_deref().unwrap_or("host"),
            if rekeyed.is_empty() {
                String::new()
            } else {
                "; the server's host keys were regenerated".to_owned()
            }
        );
        f.confidence = if rekeyed.is_empty() { 0.9 } else { 0.97 };
        let fp = change
            .fingerprint
            .as_deref()
            .map(|fp| format!(" and compare with {fp}"))
            .unwrap_or_default();
        f.remediation = vec![
            format!("On the server's console: for k in /etc/ssh/ssh_host_*_key.pub; do ssh-keygen -lf $k; done{fp}"),
            format!("Only if they match: ssh-keygen -R {host}   # on the client"),
            format!("ssh {host}   # accept the verified key"),
            "If they do not match, do not connect: the name may point to another machine".to_owned(),
        ];
        findings.push(finish(f, 10));
    }
    findings
}

fn command_host(facts: &[crate::parse::ssh_client::ClientFact]) -> Option<String> {
    facts.iter().find_map(|f| match &f.event {
        ClientEvent::Command(c) => Some(c.host.clone()),
        ClientEvent::Connecting { host, .. } => Some(host.clone()),
        _ => None,
    })
}
