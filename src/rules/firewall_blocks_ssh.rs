//! `firewall-blocks-ssh`: the host firewall dropped or rejected new connections to sshd's
//! port from the client. The kernel's log lines for those packets are the proof: they name
//! the client, the port and the rule's prefix. The ruleset that decided it is cited when the
//! bundle has it.

use std::collections::BTreeMap;

use std::net::IpAddr;

use crate::facts::firewall::{self, Decision, Firewall, FirewallCheck, Overall, Verdict};
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
    symptom: "connection timed out or refused",
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
        return from_ruleset(ctx);
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

/// Without kernel log lines, the ruleset alone can prove the block: for the client the
/// user named, or for every client when the user's ssh could not connect at all.
fn from_ruleset(ctx: &RuleContext) -> Vec<Finding> {
    let client: Option<IpAddr> = match ctx.hints.client.as_deref() {
        Some(c) => match c.parse() {
            Ok(ip) => Some(ip),
            Err(_) => return Vec::new(),
        },
        None if !common::client_connect_failures(ctx).is_empty() => None,
        None => return Vec::new(),
    };
    let Some(check) = firewall::check(ctx.facts, client, None, None) else {
        return Vec::new();
    };
    if client.is_none() && check.overall == Overall::Depends {
        return source_restricted(ctx, &check).into_iter().collect();
    }
    if check.overall != Overall::Blocked {
        return Vec::new();
    }
    let mut f = common::finding(&RULE, String::new());
    let blocking: Vec<&Verdict> = check.verdicts.iter().filter(|v| v.denies()).collect();
    for v in &blocking {
        add_ruleset_lines(&mut f, v);
    }
    for e in common::client_connect_failures(ctx) {
        f.evidence
            .push(Evidence::from_event(e).with_note("what the client saw"));
    }
    let who = client.map_or_else(|| "any client".to_owned(), |c| c.to_string());
    if let Some(c) = client {
        f.subjects.addresses.insert(c.to_string());
    }
    f.subjects.ports.insert(check.port);
    let Some(decisive) = decisive(&blocking) else {
        return Vec::new();
    };
    let tool = tool_of(decisive.firewall);
    f.summary = format!(
        "The {} ruleset {} new connections from {who} to port {}.{} No kernel log line shows the drops, so this rests on the ruleset alone.",
        tool.name(),
        match decisive.decision() {
            Some(Decision::Reject) => "rejects",
            _ => "drops",
        },
        check.port,
        how_decided(decisive, &who, check.port),
    );
    f.confidence = 0.8;
    let client = client.map(|c| c.to_string());
    let zone = firewall::firewalld::deciding_zone(decisive);
    f.remediation = remediation(tool, client.as_deref(), check.port, zone.as_deref());
    vec![finish(f, 16)]
}

/// The user's ssh could not connect, the client's address is not in the bundle, and the
/// ruleset lets the port through only from some source networks: unless the client is in
/// one of them, that is the block.
fn source_restricted(ctx: &RuleContext, check: &FirewallCheck) -> Option<Finding> {
    const FROM: &str = "if the client is in ";
    let v = check.verdicts.iter().find(|v| {
        let accepts: Vec<_> = v
            .outcomes
            .iter()
            .filter(|o| o.decision == Decision::Accept)
            .collect();
        v.may_deny()
            && !accepts.is_empty()
            && accepts
                .iter()
                .all(|o| o.conditions.iter().any(|c| c.note.starts_with(FROM)))
    })?;
    let mut f = common::finding(&RULE, String::new());
    let mut networks: Vec<String> = Vec::new();
    for o in &v.outcomes {
        match o.decision {
            Decision::Accept => {
                for c in o.conditions.iter().filter(|c| c.note.starts_with(FROM)) {
                    let net = c.note[FROM.len()..].to_owned();
                    if !networks.contains(&net) {
                        networks.push(net);
                    }
                    f.evidence.push(c.evidence().with_note(format!(
                        "accepts port {} only from {}",
                        check.port,
                        &c.note[FROM.len()..]
                    )));
                }
            }
            d if d.denies() => {
                if let Some(by) = &o.decided_by {
                    f.evidence.push(by.evidence());
                }
            }
            _ => {}
        }
    }
    for e in common::client_connect_failures(ctx) {
        f.evidence
            .push(Evidence::from_event(e).with_note("what the client saw"));
    }
    f.subjects.ports.insert(check.port);
    f.summary = format!(
        "The {} ruleset ({}) lets port {} through only from {}; the user's ssh could not connect, and unless its address is in those networks, the firewall is what stops it. The bundle does not say the client's address.",
        v.firewall.name(),
        v.source,
        check.port,
        networks.join(", ")
    );
    f.confidence = 0.6;
    let tool = tool_of(v.firewall);
    let zone = firewall::firewalld::deciding_zone(v);
    f.remediation = remediation(tool, None, check.port, zone.as_deref());
    Some(finish(f, 16))
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
    let mut tool = firewall_of(&prefix, ctx);
    let mut zone = None;
    let port = events[0].fields.local_port.unwrap_or(22);
    let check = addr
        .parse()
        .ok()
        .and_then(|ip| firewall::check(ctx.facts, Some(ip), Some(port), None));
    let mut ruleset_note = String::new();
    f.confidence = 0.95;
    match &check {
        Some(check) if check.overall == Overall::Blocked => {
            let blocking: Vec<&Verdict> = check.verdicts.iter().filter(|v| v.denies()).collect();
            for v in &blocking {
                add_ruleset_lines(&mut f, v);
            }
            if let Some(decisive) = decisive(&blocking) {
                tool = tool_of(decisive.firewall);
                zone = firewall::firewalld::deciding_zone(decisive);
                ruleset_note = how_decided(decisive, addr, port);
            }
        }
        // The kernel dropped the packets, yet the ruleset in the bundle lets them through:
        // the rules changed after the drops, or the dump is not the one that was loaded.
        Some(check) if check.overall == Overall::Accept => {
            ruleset_note = " The ruleset in the bundle now accepts them, so it changed after these drops or is not the one that was loaded.".to_owned();
            f.confidence = 0.7;
        }
        _ => f.evidence.extend(ruleset_evidence(ctx, tool)),
    }
    f.subjects.addresses.insert(addr.to_owned());
    f.subjects.ports.insert(port);
    f.summary = format!(
        "The {} firewall dropped or rejected {} new connection(s) from {addr} to port {port} (logged as \"{prefix}\"); sshd never saw them.{ruleset_note}",
        tool.name(),
        events.len()
    );
    f.remediation = remediation(tool, Some(addr), port, zone.as_deref());
    finish(f, 20)
}

/// One sentence on the line that decided a blocking verdict and the accepting rules that
/// miss the client, for the summary.
fn how_decided(v: &Verdict, who: &str, port: u16) -> String {
    let Some(by) = v.outcomes.first().and_then(|o| o.decided_by.as_ref()) else {
        return String::new();
    };
    // Inside a sosreport or supportconfig tree, the path below its top folder says enough.
    let file = match by.path.split_once('/') {
        Some((top, rest)) if top.starts_with("sosreport") || top.starts_with("scc_") => rest,
        _ => &by.path,
    };
    let what = if by.note.is_empty() {
        "rule"
    } else {
        by.note.as_str()
    };
    let misses = v
        .near_misses
        .iter()
        .filter(|s| s.note.contains("but not from"))
        .count();
    let misses = match misses {
        0 => String::new(),
        1 => format!("; the one rule that accepts port {port} does not cover {who}"),
        n => format!("; the {n} rules that accept port {port} do not cover {who}"),
    };
    format!(" It falls to the {what} at {file}:{}{misses}.", by.line)
}

/// The deciding and nearly-applying rules of a blocking verdict. The running and the
/// permanent listing of the same firewall often show the same lines; one copy is enough.
fn add_ruleset_lines(f: &mut Finding, v: &Verdict) {
    for e in v.denial_evidence() {
        let shown = f
            .evidence
            .iter()
            .any(|x| x.text == e.text && x.note == e.note);
        if !shown {
            f.evidence.push(e);
        }
    }
}

/// The verdict to fix first: the front end an administrator manages (ufw, firewalld)
/// over the kernel tables it writes.
fn decisive<'v>(blocking: &[&'v Verdict]) -> Option<&'v Verdict> {
    blocking.iter().copied().min_by_key(|v| match v.firewall {
        Firewall::Ufw | Firewall::Firewalld => 0,
        Firewall::Nftables => 1,
        Firewall::Iptables | Firewall::Ip6tables => 2,
    })
}

fn tool_of(firewall: Firewall) -> Tool {
    match firewall {
        Firewall::Ufw => Tool::Ufw,
        Firewall::Firewalld => Tool::Firewalld,
        Firewall::Iptables | Firewall::Ip6tables => Tool::Iptables,
        Firewall::Nftables => Tool::Nftables,
    }
}

/// The commands that open the port for `addr` (or for everyone) in `tool`.
fn remediation(tool: Tool, addr: Option<&str>, port: u16, zone: Option<&str>) -> Vec<String> {
    let addr = addr.unwrap_or("CLIENT_ADDRESS");
    let zone = zone.unwrap_or("public");
    match tool {
        Tool::Ufw => vec![
            format!("sudo ufw allow from {addr} to any port {port} proto tcp"),
            "sudo ufw status numbered   # check the order: the allow must come before any deny".to_owned(),
        ],
        Tool::Firewalld => vec![
            format!("sudo firewall-cmd --permanent --zone={zone} --add-rich-rule='rule family=\"ipv4\" source address=\"{addr}\" port port=\"{port}\" protocol=\"tcp\" accept'"),
            format!("or, for everyone: sudo firewall-cmd --permanent --zone={zone} --add-port={port}/tcp"),
            "sudo firewall-cmd --reload".to_owned(),
        ],
        Tool::Nftables => vec![
            format!("sudo nft insert rule inet filter input ip saddr {addr} tcp dport {port} ct state new accept   # use the table and chain named in the evidence"),
            "Make it persistent in /etc/nftables.conf (or /etc/sysconfig/nftables.conf)".to_owned(),
        ],
        Tool::Iptables | Tool::Unknown => vec![
            format!("sudo iptables -I INPUT -p tcp -s {addr} --dport {port} -m conntrack --ctstate NEW -j ACCEPT"),
            "Make it persistent in the tool that loads the rules (iptables-save > /etc/sysconfig/iptables, netfilter-persistent save, or the nftables config)".to_owned(),
        ],
    }
}

#[derive(Clone, Copy)]
enum Tool {
    Ufw,
    Firewalld,
    Iptables,
    Nftables,
    Unknown,
}

impl Tool {
    fn name(self) -> &'static str {
        match self {
            Tool::Ufw => "ufw",
            Tool::Firewalld => "firewalld",
            Tool::Iptables => "iptables",
            Tool::Nftables => "nftables",
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
