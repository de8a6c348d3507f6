//! `firewall-blocks-ssh`: the host firewall dropped or rejected new connections to sshd's
//! port from the client. The kernel's log lines for those packets are the proof: they name
//! the client, the port and the rule's prefix. The ruleset that decided it is cited when the
//! bundle has it.

use std::collections::BTreeMap;

use crate::finding::{Evidence, Finding};
use crate::model::{Event, EventKind, Severity};

use super::common::{self, cite, finish, RuleContext};
use super::Rule;

pub static RULE: Rule = Rule {
    id: "firewall-blocks-ssh",
    title: "the host firewall blocks SSH from the client",
    severity: Severity::High,
    what: "The server's firewall (ufw, firewalld, iptables or nftables) dropped or rejected new \
           TCP connections to the SSH port from the client's address.",
    why: "The client sees a timeout (drop) or \"Connection refused\"/\"No route to host\" \
          (reject), and sshd logs nothing at all, so the server looks healthy.",
    example: "kernel: [UFW BLOCK] IN=eth0 OUT= SRC=198.51.100.23 DST=10.0.1.5 ... PROTO=TCP SPT=50514 DPT=22 ... SYN",
    fix: "Allow the client's address (or network) to the SSH port in the firewall that blocks it.",
    needs: "kernel firewall log lines (kern.log, ufw.log, messages, journal); firewall dumps",
    check,
};

fn check(ctx: &RuleContext) -> Vec<Finding> {
    let ports = ssh_ports(ctx);
    let mut by_source: BTreeMap<&str, Vec<&Event>> = BTreeMap::new();
    for e in ctx.events_of(EventKind::FirewallPacketDenied) {
        if e.fields.local_port.is_some_and(|p| ports.contains(&p)) {
            if let Some(addr) = e.fields.addr.as_deref() {
                by_source.entry(addr).or_default().push(e);
            }
        }
    }
    if by_source.is_empty() {
        return Vec::new();
    }
    // A real client retries its SYN several times before giving up; an internet scanner
    // sends one. Without a hint, single dropped packets from outside are the firewall
    // doing its job.
    let mut sources: Vec<(&str, Vec<&Event>)> = by_source.into_iter().collect();
    match ctx.hints.client.as_deref() {
        Some(client) => sources.retain(|(a, _)| *a == client),
        None => sources.retain(|(a, events)| events.len() >= 2 || !common::is_outside_address(a)),
    }
    sources
        .into_iter()
        .map(|(addr, events)| finding_for(ctx, addr, &events))
        .collect()
}

fn ssh_ports(ctx: &RuleContext) -> Vec<u16> {
    let mut ports = vec![22];
    if let Some(cfg) = ctx.facts.effective_config(None, None) {
        for (port, _) in cfg.ports() {
            if !ports.contains(&port) {
                ports.push(port);
            }
        }
    }
    ports
}

fn finding_for(ctx: &RuleContext, addr: &str, events: &[&Event]) -> Finding {
    let mut f = common::finding(&RULE, String::new());
    cite(&mut f, events[0]);
    cite(&mut f, events[events.len() - 1]);
    for e in common::client_connect_failures(ctx) {
        f.evidence
            .push(Evidence::from_event(e).with_note("what the client saw"));
    }
    for e in common::firewall_changes(ctx) {
        f.evidence
            .push(Evidence::from_event(e).with_note("a change to the firewall"));
    }
    let prefix = events[0].fields.reason.clone().unwrap_or_default();
    let tool = firewall_of(&prefix, ctx);
    f.evidence.extend(ruleset_evidence(ctx, tool));
    let port = events[0].fields.local_port.unwrap_or(22);
    f.subjects.addresses.insert(addr.to_owned());
    f.subjects.ports.insert(port);
    f.summary = format!(
        "The {} firewall dropped or rejected {} new connection(s) from {addr} to port {port} (logged as \"{prefix}\"); sshd never saw them.",
        tool.name(),
        events.len()
    );
    f.confidence = 0.95;
    f.remediation = match tool {
        Tool::Ufw => vec![
            format!("sudo ufw allow from {addr} to any port {port} proto tcp"),
            "sudo ufw status numbered   # check the order: the allow must come before any deny".to_owned(),
        ],
        Tool::Firewalld => vec![
            format!("sudo firewall-cmd --permanent --zone=public --add-rich-rule='rule family=\"ipv4\" source address=\"{addr}\" service name=\"ssh\" accept'"),
            "or, for everyone: sudo firewall-cmd --permanent --add-service=ssh".to_owned(),
            "sudo firewall-cmd --reload".to_owned(),
        ],
        Tool::Iptables | Tool::Unknown => vec![
            format!("sudo iptables -I INPUT -p tcp -s {addr} --dport {port} -m conntrack --ctstate NEW -j ACCEPT"),
            "Make it persistent in the tool that loads the rules (iptables-save > /etc/sysconfig/iptables, netfilter-persistent save, or the nftables config)".to_owned(),
        ],
    };
    finish(f, 16)
}

#[derive(Clone, Copy)]
enum Tool {
    Ufw,
    Firewalld,
    Iptables,
    Unknown,
}

impl Tool {
    fn name(self) -> &'static str {
        match self {
            Tool::Ufw => "ufw",
            Tool::Firewalld => "firewalld",
            Tool::Iptables => "iptables/nftables",
            Tool::Unknown => "host",
        }
    }
}

fn firewall_of(prefix: &str, ctx: &RuleContext) -> Tool {
    if prefix.contains("UFW") {
        Tool::Ufw
    } else if prefix.starts_with("filter_")
        || prefix.starts_with("FINAL_REJECT")
        || !ctx.facts.network.firewalld.is_empty()
    {
        Tool::Firewalld
    } else if !ctx.facts.network.ufw_status.is_empty() {
        Tool::Ufw
    } else if prefix.is_empty() {
        Tool::Unknown
    } else {
        Tool::Iptables
    }
}

/// The policy lines that make the firewall deny by default.
fn ruleset_evidence(ctx: &RuleContext, tool: Tool) -> Vec<Evidence> {
    let mut out = Vec::new();
    if let Tool::Ufw = tool {
        for status in &ctx.facts.network.ufw_status {
            if let Some(default) = &status.value.default_incoming {
                let location = status.location(default.line);
                let text = ctx.facts.line_text(&location).unwrap_or_default();
                out.push(
                    Evidence::at(&location, text)
                        .with_note("incoming is denied unless a rule allows it"),
                );
            }
        }
    }
    out
}
