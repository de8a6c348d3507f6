//! iptables and ip6tables dumps as the kernel runs them for a packet to the host: raw and
//! mangle PREROUTING, mangle INPUT, filter INPUT, security INPUT, each table's ACCEPT
//! handing the packet to the next, DROP and REJECT ending it.

use crate::facts::system::Sourced;
use crate::facts::Facts;
use crate::parse::firewall::iptables::{
    tcp_flag, AddrType, CtState, Family, Match, Proto, RecentAction, Ruleset, Side, Target,
    Verdict as Policy,
};

use super::engine::{self, Effect, Graph};
use super::{destination_test, interface_test, Decision, Firewall, Probe, Step, Test, Verdict};

/// The (table, chain) pairs an incoming packet meets, in order.
const HOOKS: &[(&str, &str)] = &[
    ("raw", "PREROUTING"),
    ("mangle", "PREROUTING"),
    ("mangle", "INPUT"),
    ("filter", "INPUT"),
    ("security", "INPUT"),
];

pub fn evaluate(facts: &Facts, probe: &Probe) -> Vec<Verdict> {
    facts
        .network
        .iptables
        .iter()
        .filter(|r| {
            let v6 = r.value.family == Family::V6;
            probe.is_v6().is_none_or(|p| p == v6)
        })
        .filter_map(|r| verdict(facts, r, probe))
        .collect()
}

fn verdict(facts: &Facts, rs: &Sourced<Ruleset>, probe: &Probe) -> Option<Verdict> {
    let anyone = probe.from_anyone();
    let mut graph = Graph::default();
    let mut index = Vec::new();
    for table in &rs.value.tables {
        for chain in &table.chains {
            index.push((table.name.as_str(), chain.name.as_str()));
            graph.chains.push(engine::Chain {
                header: None,
                policy: None,
                rules: Vec::new(),
            });
        }
    }
    let find = |t: &str, c: &str| index.iter().position(|(it, ic)| *it == t && *ic == c);
    let mut near_misses = Vec::new();
    let mut missing: Vec<(usize, String)> = Vec::new();
    let mut n = 0;
    for table in &rs.value.tables {
        for chain in &table.chains {
            let header_loc = rs.location(chain.line);
            let header_text = super::line_text(facts, &header_loc, || chain.name.clone());
            let g = &mut graph.chains[n];
            n += 1;
            g.header = Some(Step::new(
                header_loc.clone(),
                header_text.clone(),
                format!("{} {}", table.name, chain.name),
            ));
            g.policy = chain.policy.map(|p| {
                let note = format!("policy of {} {}", table.name, chain.name);
                (policy(p), Step::new(header_loc.clone(), &header_text, note))
            });
            for rule in &chain.rules {
                let step = Step::new(rs.location(rule.line), &rule.text, "");
                let effect = match &rule.target {
                    Target::None | Target::Log { .. } => Effect::Continue,
                    Target::Accept => Effect::Accept,
                    Target::Drop => Effect::Final(Decision::Drop),
                    Target::Reject { .. } => Effect::Final(Decision::Reject),
                    Target::Queue => Effect::Final(Decision::Undecided),
                    Target::Return => Effect::Return,
                    Target::Jump(c) | Target::Goto(c) => match find(&table.name, c) {
                        Some(i) if matches!(rule.target, Target::Jump(_)) => Effect::Jump(i),
                        Some(i) => Effect::Goto(i),
                        None => {
                            missing.push((n - 1, c.clone()));
                            Effect::Final(Decision::Undecided)
                        }
                    },
                    Target::Other { name, .. } if name == "NFQUEUE" => {
                        Effect::Final(Decision::Undecided)
                    }
                    Target::Other { .. } => Effect::Continue,
                };
                let mut test = rule_test(&rule.matches, probe);
                if let (Effect::Final(Decision::Undecided), Target::Jump(c) | Target::Goto(c)) =
                    (&effect, &rule.target)
                {
                    // A chain the dump lacks may decide or return; both are followed.
                    test = test.and(Test::Unknown(format!(
                        "chain {c}, which the dump does not show, decides the packet"
                    )));
                }
                if matches!(effect, Effect::Accept)
                    && test == Test::No
                    && rule_test(&rule.matches, &anyone) != Test::No
                {
                    near_misses.push(step.with_note(format!(
                        "accepts this port, but not from {}",
                        probe.client_text()
                    )));
                }
                let note = match &effect {
                    Effect::Jump(_) | Effect::Goto(_) => "jump".to_owned(),
                    _ => String::new(),
                };
                graph.chains[n - 1].rules.push(engine::Rule {
                    step: step.with_note(note),
                    test,
                    effect,
                });
            }
        }
    }
    graph.entries = HOOKS.iter().filter_map(|(t, c)| find(t, c)).collect();
    if graph.entries.is_empty() {
        return None;
    }
    let (outcomes, incomplete) = engine::walk(&graph);
    let mut notes = Vec::new();
    let reachable = reachable(&graph);
    let mut unseen: Vec<&str> = missing
        .iter()
        .filter(|(from, _)| reachable.contains(from))
        .map(|(_, name)| name.as_str())
        .collect();
    unseen.dedup();
    if !unseen.is_empty() {
        notes.push(format!(
            "the dump jumps to chains it does not show: {}",
            unseen.join(", ")
        ));
    }
    if rs.value.table("nat").is_some() {
        notes.push(
            "nat PREROUTING rules (DNAT, REDIRECT) that could move the port are not applied"
                .to_owned(),
        );
    }
    Some(Verdict {
        firewall: match rs.value.family {
            Family::V4 => Firewall::Iptables,
            Family::V6 => Firewall::Ip6tables,
        },
        source: rs.path.clone(),
        outcomes,
        near_misses,
        notes,
        incomplete,
    })
}

/// Chains a packet to the host can reach from the entry chains.
fn reachable(graph: &Graph) -> Vec<usize> {
    let mut seen = graph.entries.clone();
    let mut i = 0;
    while let Some(&ci) = seen.get(i) {
        i += 1;
        for rule in &graph.chains[ci].rules {
            if let Effect::Jump(t) | Effect::Goto(t) = rule.effect {
                if !seen.contains(&t) {
                    seen.push(t);
                }
            }
        }
    }
    seen
}

fn policy(p: Policy) -> Decision {
    match p {
        Policy::Accept | Policy::Return => Decision::Accept,
        Policy::Drop => Decision::Drop,
        Policy::Queue => Decision::Undecided,
    }
}

/// All of a rule's matches, for a new TCP connection (SYN, state NEW).
fn rule_test(matches: &[Match], probe: &Probe) -> Test {
    Test::all(matches.iter().map(|m| match_test(m, probe)))
}

fn match_test(m: &Match, probe: &Probe) -> Test {
    let client = probe.client_text();
    match m {
        Match::Not(inner) => match_test(inner, probe).negate(),
        Match::Protocol(p) => {
            Test::from_bool(matches!(p, Proto::All | Proto::Tcp | Proto::Number(6)))
        }
        Match::Source(nets) => {
            if nets.iter().any(|n| n.is_any()) {
                return Test::Yes;
            }
            match probe.client {
                Some(c) => Test::from_bool(nets.iter().any(|n| n.contains(c))),
                None => Test::Unknown(format!("the client is in {}", list(nets))),
            }
        }
        Match::Destination(nets) => {
            if nets.iter().any(|n| n.is_any()) {
                return Test::Yes;
            }
            destination_test(probe, |a| nets.iter().any(|n| n.contains(a)), &list(nets))
        }
        Match::InInterface(i) => interface_test(probe, &i.name, i.wildcard),
        // Locally delivered packets have no output interface yet.
        Match::OutInterface(_) | Match::Fragment => Test::No,
        Match::SourcePort(ranges) => source_port_test(ranges),
        Match::DestPort(ranges) => Test::from_bool(ranges.iter().any(|r| r.contains(probe.port))),
        Match::AnyPort(ranges) => {
            if ranges.iter().any(|r| r.contains(probe.port)) {
                Test::Yes
            } else {
                source_port_test(ranges)
            }
        }
        Match::TcpFlags { mask, set } => Test::from_bool(tcp_flag::SYN & mask == *set),
        Match::ConnState(states) => Test::from_bool(states.contains(&CtState::New)),
        Match::IpSet { name, dirs } => {
            if dirs.first() == Some(&Side::Dst) {
                return Test::Unknown(format!("this host's address is in ipset {name}"));
            }
            match probe.in_set(name) {
                Some(member) => Test::from_bool(member),
                None => Test::Unknown(format!("{client} is in ipset {name}")),
            }
        }
        Match::Recent {
            name,
            action,
            seconds,
            hitcount,
            ..
        } => recent_test(&client, name.as_deref(), *action, *seconds, *hitcount),
        Match::Limit { rate, burst } => Test::Unknown(format!(
            "new connections are under the rate {}{}",
            rate.map_or_else(
                || "limit".to_owned(),
                |r| format!("{}/{:?}", r.count, r.per).to_lowercase()
            ),
            burst.map(|b| format!(" (burst {b})")).unwrap_or_default()
        )),
        Match::Comment(_) => Test::Yes,
        Match::IpRange { side, from, to } => {
            let within =
                |a: std::net::IpAddr| a.is_ipv4() == from.is_ipv4() && *from <= a && a <= *to;
            match side {
                Side::Src => match probe.client {
                    Some(c) => Test::from_bool(within(c)),
                    None => Test::Unknown(format!("the client is in {from}-{to}")),
                },
                Side::Dst => destination_test(probe, within, &format!("{from}-{to}")),
            }
        }
        Match::AddrType { side, types } => addrtype_test(*side, types, probe),
        Match::IcmpType { .. } => Test::No,
        Match::Unknown { module, args } => Test::Unknown(format!(
            "the unevaluated match `-m {module} {}` holds",
            args.join(" ")
        )),
    }
}

/// A client picks an ephemeral source port, so only a rule covering them all is certain.
fn source_port_test(ranges: &[crate::parse::inet::PortRange]) -> Test {
    if ranges.iter().any(|r| r.first <= 1024 && r.last == u16::MAX) {
        Test::Yes
    } else {
        Test::Unknown("the client's source port is in the rule's range".to_owned())
    }
}

fn recent_test(
    client: &str,
    name: Option<&str>,
    action: Option<RecentAction>,
    seconds: Option<u64>,
    hitcount: Option<u64>,
) -> Test {
    let list = name.unwrap_or("DEFAULT");
    match (action, hitcount) {
        // `--set` only records the address and always matches.
        (Some(RecentAction::Set), _) | (None, None) => Test::Yes,
        (_, Some(h)) => Test::Unknown(format!(
            "{client} opened {h} or more new connections{} (recent list {list})",
            seconds
                .map(|s| format!(" within {s} s"))
                .unwrap_or_default()
        )),
        _ => Test::Unknown(format!("{client} is on the recent list {list}")),
    }
}

fn addrtype_test(side: Side, types: &[AddrType], probe: &Probe) -> Test {
    match side {
        // The packet is addressed to the host itself, a unicast local address.
        Side::Dst => Test::from_bool(
            types
                .iter()
                .any(|t| matches!(t, AddrType::Local | AddrType::Unicast)),
        ),
        Side::Src => match probe.client {
            Some(c) if c.is_loopback() => Test::from_bool(types.contains(&AddrType::Local)),
            Some(c) if probe.host_addrs.contains(&c) => {
                Test::from_bool(types.contains(&AddrType::Local))
            }
            Some(_) => Test::from_bool(types.contains(&AddrType::Unicast)),
            None => Test::Unknown("the client's address type matches".to_owned()),
        },
    }
}

fn list(nets: &[crate::parse::inet::Cidr]) -> String {
    nets.iter()
        .map(|n| {
            let max = if n.addr.is_ipv4() { 32 } else { 128 };
            if n.prefix == max {
                n.addr.to_string()
            } else {
                format!("{}/{}", n.addr, n.prefix)
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::firewall::testing::{self, sourced};
    use crate::parse::firewall::iptables as parse;

    fn facts_with(text: &str) -> Facts {
        let mut d = Vec::new();
        let value = if text.starts_with("Chain ") {
            parse::parse_list(text, &mut d)
        } else {
            parse::parse_save(text, &mut d)
        };
        let mut facts = Facts::default();
        facts.network.iptables.push(sourced("iptables-save", value));
        facts
    }

    fn probe(client: &str) -> Probe {
        testing::probe(client, "eth0")
    }

    const SUBNET_ONLY: &str = "*filter
:INPUT DROP [2917:151044]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A INPUT -s 172.16.0.0/12 -p tcp -m tcp --dport 22 -j ACCEPT
-A INPUT -m limit --limit 5/min -j LOG --log-prefix \"INPUT-DROP: \"
COMMIT
";

    #[test]
    fn subnet_only_rule_drops_outsiders_by_policy_and_names_the_near_miss() {
        let facts = facts_with(SUBNET_ONLY);
        let v = &evaluate(&facts, &probe("198.51.100.23"))[0];
        assert_eq!(v.decision(), Some(Decision::Drop));
        assert_eq!(v.outcomes.len(), 1);
        assert_eq!(testing::decided_lines(v)[0], 2);
        assert_eq!(v.near_misses.len(), 1);
        assert_eq!(v.near_misses[0].line, 7);

        let inside = &evaluate(&facts, &probe("172.16.4.9"))[0];
        assert_eq!(testing::decided(inside), (Some(Decision::Accept), 7));
    }

    #[test]
    fn unknown_client_depends_on_the_source_network() {
        let facts = facts_with(SUBNET_ONLY);
        let anyone = Probe {
            client: None,
            ..probe("198.51.100.23")
        };
        let v = &evaluate(&facts, &anyone)[0];
        assert_eq!(v.decision(), None);
        assert!(v.outcomes.iter().any(|o| o.decision == Decision::Accept
            && o.conditions[0].note == "if the client is in 172.16.0.0/12"));
    }

    #[test]
    fn fail2ban_chain_rejects_the_banned_address() {
        let facts = facts_with(
            "*filter
:INPUT ACCEPT [0:0]
:f2b-sshd - [0:0]
-A INPUT -p tcp -m multiport --dports 22 -j f2b-sshd
-A f2b-sshd -s 198.51.100.40/32 -j REJECT --reject-with icmp-port-unreachable
-A f2b-sshd -j RETURN
COMMIT
",
        );
        let v = &evaluate(&facts, &probe("198.51.100.40"))[0];
        assert_eq!(v.decision(), Some(Decision::Reject));
        let o = &v.outcomes[0];
        assert_eq!(o.decided_by.as_ref().unwrap().line, 5);
        assert_eq!(o.path.iter().map(|s| s.line).collect::<Vec<_>>(), [2, 4]);
        let other = &evaluate(&facts, &probe("198.51.100.41"))[0];
        assert_eq!(other.decision(), Some(Decision::Accept));
    }

    #[test]
    fn ipset_membership_comes_from_the_bans_or_stays_open() {
        let facts = facts_with(
            "*filter
:INPUT ACCEPT [0:0]
-A INPUT -p tcp -m multiport --dports 22 -m set --match-set f2b-sshd src -j REJECT --reject-with icmp-port-unreachable
COMMIT
",
        );
        let unknown = &evaluate(&facts, &probe("198.51.100.40"))[0];
        assert_eq!(unknown.decision(), None);
        let banned = Probe {
            banned_in: vec!["f2b-sshd".into()],
            ..probe("198.51.100.40")
        };
        assert_eq!(
            evaluate(&facts, &banned)[0].decision(),
            Some(Decision::Reject)
        );
    }

    #[test]
    fn recent_rate_limit_gives_accept_under_and_drop_over_the_rate() {
        let facts = facts_with(
            "*filter
:INPUT DROP [0:0]
-A INPUT -p tcp --dport 22 -m state --state NEW -m recent --set --name SSH
-A INPUT -p tcp --dport 22 -m state --state NEW -m recent --update --seconds 60 --hitcount 4 --name SSH -j DROP
-A INPUT -p tcp --dport 22 -j ACCEPT
COMMIT
",
        );
        let v = &evaluate(&facts, &probe("198.51.100.23"))[0];
        let decisions: Vec<Decision> = v.outcomes.iter().map(|o| o.decision).collect();
        assert!(decisions.contains(&Decision::Accept) && decisions.contains(&Decision::Drop));
        let drop = v
            .outcomes
            .iter()
            .find(|o| o.decision == Decision::Drop)
            .unwrap();
        assert!(drop.conditions[0]
            .note
            .contains("4 or more new connections within 60 s"));
    }

    #[test]
    fn unknown_match_modules_are_reported_not_guessed() {
        let facts = facts_with(
            "*filter
:INPUT ACCEPT [0:0]
-A INPUT -p tcp --dport 22 -m geoip --src-cc CN -j DROP
COMMIT
",
        );
        let v = &evaluate(&facts, &probe("198.51.100.23"))[0];
        assert_eq!(v.decision(), None);
        assert!(v.outcomes[0].conditions[0].note.contains("-m geoip"));
    }

    #[test]
    fn listings_walk_the_ufw_chains() {
        let facts = facts_with(
            "Chain INPUT (policy DROP 120 packets, 9600 bytes)
 pkts bytes target     prot opt in     out     source               destination
  900 6000 ufw-before-input  all  --  *      *       0.0.0.0/0            0.0.0.0/0

Chain ufw-before-input (1 references)
 pkts bytes target     prot opt in     out     source               destination
    0     0 ACCEPT     all  --  lo     *       0.0.0.0/0            0.0.0.0/0
   10   600 ufw-user-input  all  --  *      *       0.0.0.0/0            0.0.0.0/0

Chain ufw-user-input (1 references)
 pkts bytes target     prot opt in     out     source               destination
    3   180 ACCEPT     tcp  --  *      *       10.0.0.0/8           0.0.0.0/0            tcp dpt:22
",
        );
        let v = &evaluate(&facts, &probe("203.0.113.9"))[0];
        assert_eq!(v.decision(), Some(Decision::Drop));
        assert_eq!(v.near_misses.len(), 1);
        assert_eq!(v.near_misses[0].line, 12);
    }

    #[test]
    fn ip6tables_dumps_do_not_judge_ipv4_clients() {
        let facts = facts_with(
            "# Generated by ip6tables-save v1.8.7\n*filter\n:INPUT DROP [0:0]\nCOMMIT\n",
        );
        assert_eq!(facts.network.iptables[0].value.family, Family::V6);
        assert!(evaluate(&facts, &probe("198.51.100.23")).is_empty());
    }
}
