//! What the host firewall does with a new TCP connection to sshd, decided offline from the
//! rulesets in the bundle. Each firewall flavour (one file each: iptables, nftables, ufw,
//! firewalld) is translated for one probe into the same small graph of chains whose rules
//! carry a three-valued test (yes, no, depends on something the bundle does not tell) and an
//! effect; one engine walks that graph like the kernel does and returns every possible
//! outcome with the rule that decided it, the path through the chains, and the assumptions
//! it rests on. Nothing is guessed: an unknown match splits the walk in two.

mod engine;
pub mod firewalld;
pub mod iptables;
pub mod nft;
pub mod ufw;

use std::net::IpAddr;
use std::sync::Arc;

use serde::Serialize;

use crate::finding::Evidence;
use crate::model::{EventKind, Location};

use super::Facts;

pub use engine::Outcome;

/// The connection being asked about: a new TCP connection (a SYN, conntrack state NEW)
/// from `client` to `port` on this host.
#[derive(Clone, Debug, Default)]
pub struct Probe {
    /// `None` asks about any client: rules that select by source then depend on it.
    pub client: Option<IpAddr>,
    pub port: u16,
    /// The interface the packet arrives on, when known or inferred from the host's subnets.
    pub iface: Option<String>,
    /// The host's own addresses (the destination is one of them).
    pub host_addrs: Vec<IpAddr>,
    /// Names of the host's interfaces, so a rule naming another interface can be excluded.
    pub host_ifaces: Vec<String>,
    /// Sets and ipsets known to contain the client (active fail2ban bans), by set name.
    pub banned_in: Vec<String>,
    /// Address sets whose members the bundle lists (`ipset list`), and whether the client
    /// is one of them.
    pub listed_sets: Vec<(String, bool)>,
    /// The address family when the client is unknown but its family is (IPv6 or not).
    pub family_v6: Option<bool>,
}

impl Probe {
    /// A probe from `client` to `port`, with what the bundle tells about the host: its
    /// addresses, its interfaces, the interface whose subnet holds the client, and the
    /// fail2ban jails holding a ban on the client.
    pub fn new(facts: &Facts, client: Option<IpAddr>, port: u16) -> Probe {
        let mut probe = Probe {
            client,
            port,
            ..Probe::default()
        };
        for table in &facts.network.interfaces {
            for iface in &table.value {
                if !probe.host_ifaces.contains(&iface.name) {
                    probe.host_ifaces.push(iface.name.clone());
                }
                for a in &iface.addresses {
                    probe.host_addrs.push(a.addr);
                    let net = crate::parse::inet::Cidr {
                        addr: a.addr,
                        prefix: a.prefix,
                    };
                    let on_link = client.is_some_and(|c| net.contains(c) && !net.is_any());
                    if on_link && probe.iface.is_none() && !a.addr.is_loopback() {
                        probe.iface = Some(iface.name.clone());
                    }
                }
            }
        }
        // With one interface besides loopback, every connection from outside arrives on it.
        if probe.iface.is_none() && client.is_some_and(|c| !c.is_loopback()) {
            let outside: Vec<&String> = probe.host_ifaces.iter().filter(|i| *i != "lo").collect();
            if outside.len() == 1 {
                probe.iface = Some(outside[0].clone());
            }
        }
        if let Some(c) = client {
            if c.is_loopback() {
                probe.iface = Some("lo".to_owned());
            }
            probe.banned_in = banned_sets(facts, c);
            for sets in &facts.network.ipsets {
                for set in sets.value.iter().filter(|s| s.is_address_set()) {
                    probe
                        .listed_sets
                        .push((set.name.clone(), set.member_for(c).is_some()));
                }
            }
        }
        probe
    }

    pub fn is_v6(&self) -> Option<bool> {
        self.client.map(|c| c.is_ipv6()).or(self.family_v6)
    }

    /// The same connection from any client of the same family: a rule that applies to it
    /// but not to this client selects by something this client lacks (a near miss).
    pub fn from_anyone(&self) -> Probe {
        Probe {
            client: None,
            iface: None,
            banned_in: Vec::new(),
            listed_sets: Vec::new(),
            family_v6: self.is_v6(),
            ..self.clone()
        }
    }

    /// Whether the client is in the named set: known from the set's listed members or an
    /// active fail2ban ban, else `None`.
    pub fn in_set(&self, name: &str) -> Option<bool> {
        if self.banned_in.iter().any(|s| s == name) {
            return Some(true);
        }
        self.listed_sets
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, member)| *member)
    }

    /// The client as words for conditions: `198.51.100.23` or `the client`.
    pub fn client_text(&self) -> String {
        self.client
            .map_or_else(|| "the client".to_owned(), |c| c.to_string())
    }
}

/// Set names fail2ban fills for the jails that hold a ban on `client` at the end of the
/// bundle: `f2b-JAIL` (iptables-ipset, firewallcmd-ipset) and `addr-set-JAIL` (nftables).
fn banned_sets(facts: &Facts, client: IpAddr) -> Vec<String> {
    let text = client.to_string();
    let mut jails: Vec<String> = Vec::new();
    let mut last: std::collections::BTreeMap<String, bool> = Default::default();
    for e in &facts.events {
        if e.fields.addr.as_deref() != Some(text.as_str()) {
            continue;
        }
        let jail = e.fields.reason.clone().unwrap_or_else(|| "sshd".to_owned());
        match e.kind {
            EventKind::IpBanned => {
                last.insert(jail, true);
            }
            EventKind::IpUnbanned => {
                last.insert(jail, false);
            }
            _ => {}
        }
    }
    jails.extend(last.into_iter().filter(|(_, b)| *b).map(|(j, _)| j));
    for status in &facts.network.fail2ban_status {
        for jail in &status.value.jails {
            if jail.banned.iter().any(|b| b.value == client) && !jails.contains(&jail.jail) {
                jails.push(jail.jail.clone());
            }
        }
    }
    jails
        .iter()
        .flat_map(|j| {
            [
                format!("f2b-{j}"),
                format!("addr-set-{j}"),
                format!("fail2ban-{j}"),
            ]
        })
        .collect()
}

/// What happens to the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Accept,
    /// Silently discarded: the client times out.
    Drop,
    /// Answered with a reset or an ICMP error: the client sees "refused" or "no route".
    Reject,
    /// Handed to a userspace program or a verdict map whose answer the bundle does not hold.
    Undecided,
}

impl Decision {
    pub fn denies(self) -> bool {
        matches!(self, Decision::Drop | Decision::Reject)
    }

    pub fn word(self) -> &'static str {
        match self {
            Decision::Accept => "ACCEPT",
            Decision::Drop => "DROP",
            Decision::Reject => "REJECT",
            Decision::Undecided => "UNDECIDED",
        }
    }
}

/// Whether a rule's conditions hold for the probe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Test {
    Yes,
    No,
    /// It depends on something the bundle does not tell; the text says what, phrased to
    /// follow "if" ("198.51.100.23 is in ipset f2b-sshd").
    Unknown(String),
}

impl Test {
    pub fn from_bool(b: bool) -> Test {
        if b {
            Test::Yes
        } else {
            Test::No
        }
    }

    /// Both must hold: a definite no wins over an unknown.
    pub fn and(self, other: Test) -> Test {
        match (self, other) {
            (Test::No, _) | (_, Test::No) => Test::No,
            (Test::Unknown(a), Test::Unknown(b)) => Test::Unknown(format!("{a} and {b}")),
            (Test::Unknown(a), Test::Yes) | (Test::Yes, Test::Unknown(a)) => Test::Unknown(a),
            (Test::Yes, Test::Yes) => Test::Yes,
        }
    }

    pub fn negate(self) -> Test {
        match self {
            Test::Yes => Test::No,
            Test::No => Test::Yes,
            Test::Unknown(r) => Test::Unknown(format!("not ({r})")),
        }
    }

    pub fn all(tests: impl IntoIterator<Item = Test>) -> Test {
        tests.into_iter().fold(Test::Yes, Test::and)
    }
}

/// A line of the ruleset the walk went through, with why it matters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Step {
    pub path: Arc<str>,
    pub line: usize,
    pub text: String,
    pub note: String,
}

impl Step {
    pub fn new(location: Location, text: impl Into<String>, note: impl Into<String>) -> Step {
        Step {
            path: location.path,
            line: location.line,
            text: text.into().trim().to_owned(),
            note: note.into(),
        }
    }

    pub fn with_note(&self, note: impl Into<String>) -> Step {
        Step {
            note: note.into(),
            ..self.clone()
        }
    }

    pub fn location(&self) -> Location {
        Location::new(self.path.clone(), self.line)
    }

    pub fn evidence(&self) -> Evidence {
        Evidence::at(&self.location(), self.text.clone()).with_note(self.note.clone())
    }
}

/// The firewall tool a ruleset belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Firewall {
    Ufw,
    Firewalld,
    Iptables,
    Ip6tables,
    Nftables,
}

impl Firewall {
    pub fn name(self) -> &'static str {
        match self {
            Firewall::Ufw => "ufw",
            Firewall::Firewalld => "firewalld",
            Firewall::Iptables => "iptables",
            Firewall::Ip6tables => "ip6tables",
            Firewall::Nftables => "nftables",
        }
    }
}

/// The verdict of one ruleset of the bundle on the probe.
#[derive(Clone, Debug, Serialize)]
pub struct Verdict {
    pub firewall: Firewall,
    /// The member the ruleset was read from.
    pub source: Arc<str>,
    /// Every way the walk can end; more than one when the verdict depends on something
    /// the bundle does not tell (each outcome lists its conditions).
    pub outcomes: Vec<Outcome>,
    /// Rules that would accept the connection but do not apply to this client (another
    /// source network, another interface), and settings that leave the port closed.
    pub near_misses: Vec<Step>,
    /// What the verdict does not take into account, in plain words.
    pub notes: Vec<String>,
    /// True when the walk had to stop following some branches.
    pub incomplete: bool,
}

impl Verdict {
    /// The decision every outcome agrees on, if they do.
    pub fn decision(&self) -> Option<Decision> {
        let first = self.outcomes.first()?.decision;
        self.outcomes
            .iter()
            .all(|o| o.decision == first)
            .then_some(first)
    }

    /// True when every outcome drops or rejects the connection.
    pub fn denies(&self) -> bool {
        !self.outcomes.is_empty() && self.outcomes.iter().all(|o| o.decision.denies())
    }

    /// True when some outcome drops or rejects it.
    pub fn may_deny(&self) -> bool {
        self.outcomes.iter().any(|o| o.decision.denies())
    }

    /// The lines that prove a denial: the deciding rules, and the near misses.
    pub fn denial_evidence(&self) -> Vec<Evidence> {
        let mut out: Vec<Evidence> = Vec::new();
        let mut push = |s: &Step| {
            if !out.iter().any(|e| e.path == s.path && e.line == s.line) {
                out.push(s.evidence());
            }
        };
        for o in self.outcomes.iter().filter(|o| o.decision.denies()) {
            if let Some(s) = &o.decided_by {
                push(s);
            }
        }
        for s in &self.near_misses {
            push(s);
        }
        out
    }
}

/// The answer to "does the firewall let this connection through", over every ruleset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Overall {
    /// Every ruleset accepts it.
    Accept,
    /// Some ruleset drops or rejects it whatever the unknowns are.
    Blocked,
    /// It depends on something the bundle does not tell (see each outcome's conditions).
    Depends,
}

/// Every ruleset's verdict on one probe, and what they add up to.
#[derive(Clone, Debug, Serialize)]
pub struct FirewallCheck {
    pub client: Option<IpAddr>,
    pub port: u16,
    /// Where the port comes from: `sshd_config:14`, `default`, or `--port`.
    pub port_origin: String,
    pub iface: Option<String>,
    pub overall: Overall,
    pub verdicts: Vec<Verdict>,
}

/// Checks a new connection from `client` (any client when `None`) to `port` (sshd's
/// effective port for that client when `None`) against every ruleset of the bundle;
/// `iface` overrides the inferred arrival interface. `None` when the bundle has no ruleset.
pub fn check(
    facts: &Facts,
    client: Option<IpAddr>,
    port: Option<u16>,
    iface: Option<String>,
) -> Option<FirewallCheck> {
    let (port, port_origin) = match port {
        Some(p) => (p, "--port".to_owned()),
        None => sshd_port(facts, client),
    };
    let mut probe = Probe::new(facts, client, port);
    if iface.is_some() {
        probe.iface = iface;
    }
    let verdicts = evaluate(facts, &probe);
    if verdicts.is_empty() {
        return None;
    }
    Some(FirewallCheck {
        client,
        port,
        port_origin,
        iface: probe.iface.clone(),
        overall: overall(&verdicts),
        verdicts,
    })
}

/// A drop anywhere stops the packet; it gets through only if every ruleset lets it.
pub fn overall(verdicts: &[Verdict]) -> Overall {
    if verdicts.iter().any(Verdict::denies) {
        Overall::Blocked
    } else if verdicts
        .iter()
        .all(|v| v.decision() == Some(Decision::Accept))
    {
        Overall::Accept
    } else {
        Overall::Depends
    }
}

/// sshd's first listening port for connections from `client`, and where it is set.
pub fn sshd_port(facts: &Facts, client: Option<IpAddr>) -> (u16, String) {
    let Some(cfg) = facts.effective_config(None, client) else {
        return (22, "default".to_owned());
    };
    match cfg.ports().into_iter().next() {
        Some((port, crate::facts::sshd_config::Origin::Line { location, .. })) => {
            (port, location.to_string())
        }
        Some((port, _)) => (port, "default".to_owned()),
        None => (22, "default".to_owned()),
    }
}

/// The verdict of every ruleset in the bundle on the probe: the kernel's tables (iptables,
/// nftables) and the front ends' views of them (ufw, firewalld).
pub fn evaluate(facts: &Facts, probe: &Probe) -> Vec<Verdict> {
    let mut out = Vec::new();
    out.extend(ufw::evaluate(facts, probe));
    out.extend(firewalld::evaluate(facts, probe));
    out.extend(iptables::evaluate(facts, probe));
    out.extend(nft::evaluate(facts, probe));
    out
}

/// The text of a ruleset line, from the kept source, or `fallback` when it is not kept.
fn line_text(facts: &Facts, location: &Location, fallback: impl FnOnce() -> String) -> String {
    facts.line_text(location).unwrap_or_else(fallback)
}

/// Whether the destination networks of a rule hold the host: yes when they hold all its
/// addresses of the client's family, no when they hold none, unknown otherwise.
fn destination_test(probe: &Probe, contains: impl Fn(IpAddr) -> bool, what: &str) -> Test {
    let family: Vec<IpAddr> = probe
        .host_addrs
        .iter()
        .copied()
        .filter(|a| probe.is_v6().is_none_or(|v6| a.is_ipv6() == v6) && !a.is_loopback())
        .collect();
    if family.is_empty() {
        return Test::Unknown(format!("the client connected to {what}"));
    }
    let held = family.iter().filter(|a| contains(**a)).count();
    if held == family.len() {
        Test::Yes
    } else if held == 0 {
        Test::No
    } else {
        Test::Unknown(format!("the client connected to {what}"))
    }
}

/// Whether the packet arrives on interface `name` (exactly, or as a prefix with `wildcard`).
fn interface_test(probe: &Probe, name: &str, wildcard: bool) -> Test {
    let matches = |i: &str| {
        if wildcard {
            i.starts_with(name)
        } else {
            i == name
        }
    };
    if let Some(iface) = &probe.iface {
        return Test::from_bool(matches(iface));
    }
    // A connection from another machine never arrives on loopback, and an interface the
    // host does not have receives nothing.
    if matches("lo") && !wildcard {
        return Test::No;
    }
    if !probe.host_ifaces.is_empty() && !probe.host_ifaces.iter().any(|i| matches(i)) {
        return Test::No;
    }
    let shown = if wildcard {
        format!("{name}+")
    } else {
        name.to_owned()
    };
    Test::Unknown(format!("the connection arrives on {shown}"))
}

/// What the evaluator's tests share: a probe and an artifact as the facts hold them.
#[cfg(test)]
pub(crate) mod testing {
    use super::Probe;
    use crate::facts::system::Sourced;

    /// A connection from `client` to port 22 on a host with loopback and `iface`.
    pub fn probe(client: &str, iface: &str) -> Probe {
        Probe {
            client: Some(client.parse().expect("test address")),
            port: 22,
            host_ifaces: vec!["lo".into(), iface.into()],
            ..Probe::default()
        }
    }

    pub fn sourced<T>(path: &str, value: T) -> Sourced<T> {
        Sourced {
            path: path.into(),
            line_offset: 0,
            value,
        }
    }

    /// The lines of the rules that would accept but miss the client.
    pub fn near_miss_lines(v: &super::Verdict) -> Vec<usize> {
        v.near_misses.iter().map(|s| s.line).collect()
    }

    /// The decision all outcomes agree on, and the line that decided the first.
    pub fn decided(v: &super::Verdict) -> (Option<super::Decision>, usize) {
        (v.decision(), decided_lines(v).first().copied().unwrap_or(0))
    }

    /// The line that decided each outcome, in order.
    pub fn decided_lines(v: &super::Verdict) -> Vec<usize> {
        v.outcomes
            .iter()
            .filter_map(|o| o.decided_by.as_ref().map(|s| s.line))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tests_combine_with_no_winning_over_unknown() {
        let u = || Test::Unknown("x".into());
        assert_eq!(Test::Yes.and(u()), u());
        assert_eq!(u().and(Test::No), Test::No);
        assert_eq!(Test::Yes.and(Test::Yes), Test::Yes);
        assert_eq!(Test::No.negate(), Test::Yes);
        assert_eq!(Test::all([Test::Yes, u(), Test::Yes]), u());
    }

    #[test]
    fn loopback_and_absent_interfaces_never_match_a_remote_client() {
        let probe = Probe {
            client: Some("198.51.100.7".parse().unwrap()),
            port: 22,
            host_ifaces: vec!["lo".into(), "eth0".into()],
            ..Probe::default()
        };
        assert_eq!(interface_test(&probe, "lo", false), Test::No);
        assert_eq!(interface_test(&probe, "docker", true), Test::No);
        assert!(matches!(
            interface_test(&probe, "eth0", false),
            Test::Unknown(_)
        ));
        let on_eth0 = Probe {
            iface: Some("eth0".into()),
            ..probe
        };
        assert_eq!(interface_test(&on_eth0, "eth", true), Test::Yes);
    }

    #[test]
    fn destinations_are_decided_by_the_hosts_addresses() {
        let probe = Probe {
            client: Some("198.51.100.7".parse().unwrap()),
            host_addrs: vec!["127.0.0.1".parse().unwrap(), "10.0.0.5".parse().unwrap()],
            ..Probe::default()
        };
        let net = crate::parse::inet::Cidr::parse("10.0.0.0/24").unwrap();
        assert_eq!(
            destination_test(&probe, |a| net.contains(a), "10.0.0.0/24"),
            Test::Yes
        );
        let other = crate::parse::inet::Cidr::parse("192.0.2.0/24").unwrap();
        assert_eq!(
            destination_test(&probe, |a| other.contains(a), "192.0.2.0/24"),
            Test::No
        );
    }
}
