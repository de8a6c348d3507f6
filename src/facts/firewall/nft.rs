//! nftables rulesets as the kernel runs them for a packet to the host: every base chain on
//! the ingress, prerouting and input hooks of a table of the packet's family, lowest
//! priority first. An accept ends one base chain and the next still sees the packet; a drop
//! or reject anywhere ends it. Named sets are looked up in the dump, so a fail2ban set's
//! elements decide a ban exactly.

use crate::facts::system::Sourced;
use crate::facts::Facts;
use crate::parse::firewall::nft::{
    Family, Hook, IpVer, NftChain, NftRuleset, NftTable, Op, Selector, Statement, Value,
    Verdict as NftVerdict, L4,
};

use super::engine::{self, Effect, Graph};
use super::{destination_test, interface_test, Decision, Firewall, Probe, Step, Test, Verdict};

pub fn evaluate(facts: &Facts, probe: &Probe) -> Vec<Verdict> {
    facts
        .network
        .nft
        .iter()
        .filter_map(|rs| verdict(facts, rs, probe))
        .collect()
}

/// Does a table of this family see the probe's packet?
fn family_sees(family: &Family, probe: &Probe) -> bool {
    match family {
        Family::Inet | Family::Netdev => true,
        Family::Ip => probe.is_v6() != Some(true),
        Family::Ip6 => probe.is_v6() != Some(false),
        _ => false,
    }
}

/// Base chains a packet to the host meets, in the order the kernel runs them.
fn entry_order(c: &NftChain) -> Option<(u8, i32)> {
    let stage = match c.hook.as_ref()? {
        Hook::Ingress => 0,
        Hook::Prerouting => 1,
        Hook::Input => 2,
        _ => return None,
    };
    // nat and route chains rewrite or reroute; they do not filter.
    if c.kind.as_deref().is_some_and(|k| k != "filter") {
        return None;
    }
    Some((stage, c.priority.unwrap_or(0)))
}

fn verdict(facts: &Facts, rs: &Sourced<NftRuleset>, probe: &Probe) -> Option<Verdict> {
    let anyone = probe.from_anyone();
    let tables: Vec<&NftTable> = rs
        .value
        .tables
        .iter()
        .filter(|t| family_sees(&t.family, probe))
        .collect();
    let mut index: Vec<(usize, &str)> = Vec::new();
    for (ti, t) in tables.iter().enumerate() {
        for c in &t.chains {
            index.push((ti, c.name.as_str()));
        }
    }
    let find = |ti: usize, name: &str| index.iter().position(|(t, c)| *t == ti && *c == name);
    let mut graph = Graph::default();
    let mut entries: Vec<((u8, i32), usize)> = Vec::new();
    let mut near_misses = Vec::new();
    for (ti, table) in tables.iter().enumerate() {
        for chain in &table.chains {
            let header_loc = rs.location(chain.line);
            let header_text =
                super::line_text(facts, &header_loc, || format!("chain {} {{", chain.name));
            let name = format!("table {} chain {}", table.name, chain.name);
            let header = Step::new(header_loc, header_text, name.clone());
            let order = entry_order(chain);
            let policy_step = match chain.policy_line {
                Some(line) if line != chain.line => {
                    let loc = rs.location(line);
                    let text = super::line_text(facts, &loc, || "policy".to_owned());
                    Step::new(loc, text, "")
                }
                _ => header.clone(),
            };
            let policy = order.map(|_| match &chain.policy {
                Some(NftVerdict::Drop) => (
                    Decision::Drop,
                    policy_step.with_note(format!("policy drop of {name}")),
                ),
                Some(NftVerdict::Reject(_)) => (
                    Decision::Reject,
                    policy_step.with_note(format!("policy of {name}")),
                ),
                Some(_) => (
                    Decision::Accept,
                    policy_step.with_note(format!("policy accept of {name}")),
                ),
                None => (
                    Decision::Accept,
                    header.with_note(format!("{name} has no policy: accept")),
                ),
            });
            if let Some(order) = order {
                entries.push((order, graph.chains.len()));
            }
            let mut rules = Vec::new();
            for rule in &chain.rules {
                let step = Step::new(rs.location(rule.line), &rule.text, "");
                let test = rule_test(&rule.exprs, table, probe);
                let effect = match rule.exprs.iter().find_map(|s| match s {
                    Statement::VerdictMap { key, map, entries } => Some((key, map, entries)),
                    _ => None,
                }) {
                    Some((key, map, entries)) => {
                        vmap_effect(key, map, entries, table, probe, ti, &find)
                    }
                    None => verdict_effect(rule.verdict.as_ref(), ti, &find),
                };
                if matches!(effect, Effect::Accept)
                    && test == Test::No
                    && rule_test(&rule.exprs, table, &anyone) != Test::No
                {
                    near_misses.push(step.with_note(format!(
                        "accepts this port, but not from {}",
                        probe.client_text()
                    )));
                }
                let note = match effect {
                    Effect::Jump(_) | Effect::Goto(_) => "jump",
                    _ => "",
                };
                rules.push(engine::Rule {
                    step: step.with_note(note),
                    test,
                    effect,
                });
            }
            graph.chains.push(engine::Chain {
                header: Some(header),
                policy,
                rules,
            });
        }
    }
    if entries.is_empty() {
        return None;
    }
    entries.sort_by_key(|(order, _)| *order);
    graph.entries = entries.into_iter().map(|(_, i)| i).collect();
    let (outcomes, incomplete) = engine::walk(&graph);
    Some(Verdict {
        firewall: Firewall::Nftables,
        source: rs.path.clone(),
        outcomes,
        near_misses,
        notes: Vec::new(),
        incomplete,
    })
}

fn verdict_effect(
    v: Option<&NftVerdict>,
    table: usize,
    find: &impl Fn(usize, &str) -> Option<usize>,
) -> Effect {
    match v {
        None | Some(NftVerdict::Continue) => Effect::Continue,
        Some(NftVerdict::Accept) => Effect::Accept,
        Some(NftVerdict::Drop) => Effect::Final(Decision::Drop),
        Some(NftVerdict::Reject(_)) => Effect::Final(Decision::Reject),
        Some(NftVerdict::Queue) => Effect::Final(Decision::Undecided),
        Some(NftVerdict::Return) => Effect::Return,
        // nft refuses to load a jump to a missing chain, so only a partial dump lacks it.
        Some(NftVerdict::Jump(c)) => {
            find(table, c).map_or(Effect::Final(Decision::Undecided), Effect::Jump)
        }
        Some(NftVerdict::Goto(c)) => {
            find(table, c).map_or(Effect::Final(Decision::Undecided), Effect::Goto)
        }
    }
}

/// A verdict map's answer for the probe: the element whose key holds, if the map is a
/// named one with its elements in the dump; otherwise the walk cannot go on.
fn vmap_effect(
    key: &Selector,
    map: &Value,
    inline: &[(Value, String)],
    table: &NftTable,
    probe: &Probe,
    ti: usize,
    find: &impl Fn(usize, &str) -> Option<usize>,
) -> Effect {
    let elements: Vec<(&Value, &str)> = match map {
        Value::SetRef(name) => match table.set(name) {
            Some(set) => set
                .elements
                .iter()
                .map(|e| (&e.value, e.data.as_deref().unwrap_or("")))
                .collect(),
            None => return Effect::Final(Decision::Undecided),
        },
        _ if !inline.is_empty() => inline.iter().map(|(k, v)| (k, v.as_str())).collect(),
        _ => return Effect::Final(Decision::Undecided),
    };
    for (value, data) in elements {
        match selector_test(key, Op::Eq, value, table, probe) {
            Test::No => continue,
            Test::Yes => {
                let data = data.trim();
                let mut words = data.split_whitespace();
                let verdict = match (words.next(), words.next()) {
                    (Some("accept"), _) => NftVerdict::Accept,
                    (Some("drop"), _) => NftVerdict::Drop,
                    (Some("reject"), _) => NftVerdict::Reject(None),
                    (Some("return"), _) => NftVerdict::Return,
                    (Some("continue"), _) => NftVerdict::Continue,
                    (Some("jump"), Some(c)) => NftVerdict::Jump(c.to_owned()),
                    (Some("goto"), Some(c)) => NftVerdict::Goto(c.to_owned()),
                    _ => return Effect::Final(Decision::Undecided),
                };
                return verdict_effect(Some(&verdict), ti, find);
            }
            Test::Unknown(_) => return Effect::Final(Decision::Undecided),
        }
    }
    Effect::Continue
}

fn rule_test(exprs: &[Statement], table: &NftTable, probe: &Probe) -> Test {
    Test::all(exprs.iter().map(|s| statement_test(s, table, probe)))
}

fn statement_test(s: &Statement, table: &NftTable, probe: &Probe) -> Test {
    match s {
        Statement::Match(m) => {
            let test = selector_test(&m.selector, m.op, &m.value, table, probe);
            match (&m.selector, &m.mask) {
                (Selector::TcpFlags, _) => tcp_flags_test(m.op, &m.value, m.mask.as_deref()),
                (_, Some(mask)) => Test::Unknown(format!("the masked test `& {mask}` holds")),
                _ => test,
            }
        }
        Statement::Counter(_) | Statement::Log { .. } | Statement::SetUpdate { .. } => Test::Yes,
        Statement::VerdictMap { .. } => Test::Yes,
        Statement::Limit(l) => rate_test(l.over, &l.text, None, probe),
        Statement::Meter { name, limit, .. } => match limit {
            Some(l) => rate_test(l.over, &l.text, Some(name), probe),
            None => Test::Yes,
        },
        Statement::Unknown(text) => {
            if is_action(text) {
                Test::Yes
            } else {
                Test::Unknown(format!("the unevaluated statement `{text}` holds"))
            }
        }
    }
}

/// Statements that change the packet or its connection instead of testing them.
fn is_action(text: &str) -> bool {
    let t = text.trim();
    t.contains(" set ")
        || [
            "notrack",
            "masquerade",
            "snat",
            "dnat",
            "redirect",
            "mark set",
            "ct mark set",
            "meta mark set",
            "flow add",
            "flow offload",
        ]
        .iter()
        .any(|a| t.starts_with(a))
}

fn rate_test(over: bool, text: &str, meter: Option<&str>, probe: &Probe) -> Test {
    let what = text.trim();
    Test::Unknown(match (meter, over) {
        (Some(m), true) => format!("{} exceeds `{what}` (meter {m})", probe.client_text()),
        (Some(m), false) => format!("{} stays within `{what}` (meter {m})", probe.client_text()),
        (None, true) => format!("all clients together exceed `{what}`"),
        (None, false) => format!("all clients together stay within `{what}`"),
    })
}

/// A new connection's first packet carries SYN alone.
fn tcp_flags_test(op: Op, value: &Value, mask: Option<&str>) -> Test {
    fn bits(s: &str) -> Option<u8> {
        let mut v = 0;
        for f in s.trim_matches(|c| c == '(' || c == ')').split(['|', ',']) {
            v |= match f.trim() {
                "fin" => 0x01,
                "syn" => 0x02,
                "rst" => 0x04,
                "psh" => 0x08,
                "ack" => 0x10,
                "urg" => 0x20,
                "ecn" => 0x40,
                "cwr" => 0x80,
                "" => 0,
                _ => return None,
            };
        }
        Some(v)
    }
    let values: Vec<Option<u8>> = match value {
        Value::Set(items) => items.iter().map(value_bits).collect(),
        v => vec![value_bits(v)],
    };
    fn value_bits(v: &Value) -> Option<u8> {
        match v {
            Value::Name(n) | Value::Other(n) => bits(n),
            Value::Num(n) => u8::try_from(*n).ok(),
            _ => None,
        }
    }
    let Some(values) = values.into_iter().collect::<Option<Vec<u8>>>() else {
        return Test::Unknown("the tcp flags test holds for a SYN".to_owned());
    };
    const SYN: u8 = 0x02;
    let hit = match mask.map(bits) {
        Some(Some(m)) => values.contains(&(SYN & m)),
        Some(None) => return Test::Unknown("the tcp flags test holds for a SYN".to_owned()),
        None if values.len() == 1 => SYN & values[0] != 0,
        None => values.contains(&SYN),
    };
    with_op(op, Test::from_bool(hit))
}

fn with_op(op: Op, t: Test) -> Test {
    match op {
        Op::Ne => t.negate(),
        _ => t,
    }
}

/// Whether `value` (a literal, an anonymous set, or a named set of the table) holds an
/// item for which `item` is true; `None` when some item cannot be judged.
fn holds(value: &Value, table: &NftTable, item: &dyn Fn(&Value) -> Option<bool>) -> Option<bool> {
    match value {
        Value::Set(items) => any_of(items.iter(), item),
        Value::SetRef(name) => {
            let set = table.set(name)?;
            any_of(set.elements.iter().map(|e| &e.value), item)
        }
        v => item(v),
    }
}

fn any_of<'a>(
    items: impl Iterator<Item = &'a Value>,
    item: &dyn Fn(&Value) -> Option<bool>,
) -> Option<bool> {
    let mut unknown = false;
    for v in items {
        match item(v) {
            Some(true) => return Some(true),
            Some(false) => {}
            None => unknown = true,
        }
    }
    (!unknown).then_some(false)
}

fn shown(value: &Value) -> String {
    match value {
        Value::Addr(c) => format!("{}/{}", c.addr, c.prefix),
        Value::AddrRange(a, b) => format!("{a}-{b}"),
        Value::Ports(p) if p.first == p.last => p.first.to_string(),
        Value::Ports(p) => format!("{}-{}", p.first, p.last),
        Value::Num(n) => n.to_string(),
        Value::Name(n) | Value::Other(n) => n.clone(),
        Value::Set(items) => format!(
            "{{ {} }}",
            items.iter().map(shown).collect::<Vec<_>>().join(", ")
        ),
        Value::SetRef(n) => format!("set @{n}"),
    }
}

fn decided(v: Option<bool>, unknown: impl FnOnce() -> String) -> Test {
    match v {
        Some(b) => Test::from_bool(b),
        None => Test::Unknown(unknown()),
    }
}

fn selector_test(sel: &Selector, op: Op, value: &Value, table: &NftTable, probe: &Probe) -> Test {
    let family_is = |ver: IpVer| probe.is_v6().map(|v6| v6 == (ver == IpVer::V6));
    let addr_in = |v: &Value, a: std::net::IpAddr| match v {
        Value::Addr(c) => Some(c.contains(a)),
        Value::AddrRange(x, y) => Some(a.is_ipv4() == x.is_ipv4() && *x <= a && a <= *y),
        _ => None,
    };
    match sel {
        Selector::Saddr(ver) => {
            // `ip saddr` never matches an IPv6 packet, whatever the operator.
            if family_is(*ver) == Some(false) {
                return Test::No;
            }
            let test = match probe.client {
                Some(c) => decided(holds(value, table, &|v| addr_in(v, c)), || {
                    format!("{} is in {}", probe.client_text(), shown(value))
                }),
                None => {
                    let any = holds(value, table, &|v| {
                        Some(matches!(v, Value::Addr(c) if c.is_any()))
                    });
                    if any == Some(true) {
                        Test::Yes
                    } else {
                        Test::Unknown(format!("the client is in {}", shown(value)))
                    }
                }
            };
            with_op(op, test)
        }
        Selector::Daddr(ver) => {
            if family_is(*ver) == Some(false) {
                return Test::No;
            }
            let what = shown(value);
            let test = match value {
                Value::Addr(_) | Value::AddrRange(..) => {
                    destination_test(probe, |a| addr_in(value, a).unwrap_or(false), &what)
                }
                _ => Test::Unknown(format!("the client connected to {what}")),
            };
            with_op(op, test)
        }
        Selector::Sport(_) => {
            Test::Unknown(format!("the client's source port is {}", shown(value)))
        }
        Selector::Dport(l4) => {
            if !matches!(l4, L4::Tcp | L4::Th) {
                return Test::No;
            }
            let port = u64::from(probe.port);
            match op {
                Op::Eq | Op::Ne => {
                    let hit = holds(value, table, &|v| match v {
                        Value::Ports(r) => Some(r.contains(probe.port)),
                        Value::Num(n) => Some(*n == port),
                        Value::Name(n) => {
                            crate::parse::inet::service_port(n).map(|p| p == probe.port)
                        }
                        _ => None,
                    });
                    with_op(
                        op,
                        decided(hit, || {
                            format!("port {} is in {}", probe.port, shown(value))
                        }),
                    )
                }
                _ => match value {
                    Value::Num(n) => Test::from_bool(match op {
                        Op::Lt => port < *n,
                        Op::Gt => port > *n,
                        Op::Le => port <= *n,
                        Op::Ge => port >= *n,
                        _ => false,
                    }),
                    _ => Test::Unknown(format!(
                        "port {} compares with {}",
                        probe.port,
                        shown(value)
                    )),
                },
            }
        }
        Selector::L4Proto | Selector::IpProtocol | Selector::Ip6Nexthdr => {
            let wrong_family = match sel {
                Selector::IpProtocol => family_is(IpVer::V4) == Some(false),
                Selector::Ip6Nexthdr => family_is(IpVer::V6) == Some(false),
                _ => false,
            };
            if wrong_family {
                return Test::No;
            }
            let hit = holds(value, table, &|v| match v {
                Value::Name(n) => Some(n == "tcp"),
                Value::Num(n) => Some(*n == 6),
                _ => None,
            });
            with_op(
                op,
                decided(hit, || format!("the protocol is in {}", shown(value))),
            )
        }
        Selector::NfProto => {
            let hit = holds(value, table, &|v| match (v, probe.is_v6()) {
                (Value::Name(n), Some(v6)) => Some(if v6 { n == "ipv6" } else { n == "ipv4" }),
                _ => None,
            });
            with_op(
                op,
                decided(hit, || {
                    format!("the client's address family is {}", shown(value))
                }),
            )
        }
        Selector::CtState => {
            let hit = holds(value, table, &|v| match v {
                Value::Name(n) => Some(n == "new"),
                _ => None,
            });
            with_op(
                op,
                decided(hit, || format!("conntrack state is {}", shown(value))),
            )
        }
        // A fresh connection to the host is neither NATed nor expected.
        Selector::CtStatus => with_op(op, Test::No),
        Selector::Iif | Selector::IifName => {
            let name_test = |v: &Value| -> Option<Test> {
                match v {
                    Value::Name(n) | Value::Other(n) => {
                        let n = n.trim_matches('"');
                        Some(match n.strip_suffix('*') {
                            Some(prefix) => interface_test(probe, prefix, true),
                            None => interface_test(probe, n, false),
                        })
                    }
                    _ => None,
                }
            };
            let items: Vec<&Value> = match value {
                Value::Set(items) => items.iter().collect(),
                Value::SetRef(_) => {
                    return Test::Unknown(format!(
                        "the connection arrives on an interface in {}",
                        shown(value)
                    ))
                }
                v => vec![v],
            };
            let mut any = Test::No;
            for v in items {
                let t = name_test(v).unwrap_or_else(|| {
                    Test::Unknown(format!("the connection arrives on {}", shown(v)))
                });
                any = match (any, t) {
                    (Test::Yes, _) | (_, Test::Yes) => Test::Yes,
                    (Test::Unknown(a), _) | (_, Test::Unknown(a)) => Test::Unknown(a),
                    _ => Test::No,
                };
            }
            with_op(op, any)
        }
        // Packets to the host have no output interface yet.
        Selector::Oif | Selector::OifName => with_op(op, Test::No),
        Selector::TcpFlags => tcp_flags_test(op, value, None),
        Selector::IcmpType | Selector::Icmpv6Type => Test::No,
        Selector::Other(what) => Test::Unknown(format!("`{what} {}` matches", shown(value))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::firewall::testing::{self, sourced};
    use crate::parse::firewall::nft as parse;

    fn facts_with(text: &str) -> Facts {
        let mut d = Vec::new();
        let value = if text.trim_start().starts_with('{') {
            parse::parse_json(text, &mut d)
        } else {
            parse::parse(text, &mut d)
        };
        let mut facts = Facts::default();
        facts.network.nft.push(sourced("nft", value));
        facts
    }

    fn probe(client: &str) -> Probe {
        testing::probe(client, "eth0")
    }

    const SUBNET_ONLY: &str = "table inet filter {
\tchain input {
\t\ttype filter hook input priority filter; policy drop;
\t\tct state established,related accept
\t\tct state invalid drop
\t\tiif \"lo\" accept
\t\tip protocol icmp icmp type { echo-request, destination-unreachable } accept
\t\tip saddr 10.20.0.0/16 tcp dport 22 accept
\t\ttcp dport { 80, 443 } accept
\t\tlog prefix \"nft-drop: \" counter packets 211 bytes 12472
\t}
\tchain output {
\t\ttype filter hook output priority filter; policy accept;
\t}
}
";

    #[test]
    fn policy_drop_decides_for_outsiders_and_the_subnet_rule_is_the_near_miss() {
        let facts = facts_with(SUBNET_ONLY);
        let v = &evaluate(&facts, &probe("198.51.100.23"))[0];
        assert_eq!(testing::decided(v), (Some(Decision::Drop), 3));
        assert_eq!(testing::near_miss_lines(v), [8]);
        let inside = &evaluate(&facts, &probe("10.20.3.4"))[0];
        assert_eq!(testing::decided(inside), (Some(Decision::Accept), 8));
        // An IPv6 client never matches `ip saddr`.
        let v6 = &evaluate(&facts, &probe("2001:db8::5"))[0];
        assert_eq!(v6.decision(), Some(Decision::Drop));
    }

    #[test]
    fn fail2ban_sets_decide_by_their_elements() {
        let text = "table inet f2b-table {
\tset addr-set-sshd {
\t\ttype ipv4_addr
\t\telements = { 198.51.100.40, 203.0.113.61 }
\t}
\tchain f2b-chain {
\t\ttype filter hook input priority filter - 1; policy accept;
\t\ttcp dport 22 ip saddr @addr-set-sshd reject with icmp port-unreachable
\t}
}
table inet filter {
\tchain input {
\t\ttype filter hook input priority filter; policy accept;
\t}
}
";
        let facts = facts_with(text);
        let banned = &evaluate(&facts, &probe("198.51.100.40"))[0];
        assert_eq!(testing::decided(banned), (Some(Decision::Reject), 8));
        let other = &evaluate(&facts, &probe("198.51.100.41"))[0];
        assert_eq!(other.decision(), Some(Decision::Accept));
    }

    #[test]
    fn meters_split_on_the_clients_rate() {
        let text = "table ip filter {
\tchain input {
\t\ttype filter hook input priority 0; policy drop;
\t\ttcp dport 22 ct state new meter ssh-meter { ip saddr limit rate over 10/minute } drop
\t\ttcp dport 22 accept
\t}
}
";
        let facts = facts_with(text);
        let v = &evaluate(&facts, &probe("198.51.100.23"))[0];
        assert_eq!(v.decision(), None);
        let drop = v
            .outcomes
            .iter()
            .find(|o| o.decision == Decision::Drop)
            .unwrap();
        assert!(
            drop.conditions[0].note.contains("exceed"),
            "{:?}",
            drop.conditions
        );
        assert!(v.outcomes.iter().any(|o| o.decision == Decision::Accept));
    }

    #[test]
    fn jumps_into_regular_chains_and_tables_in_priority_order() {
        let text = "table inet a {
\tchain input {
\t\ttype filter hook input priority 10; policy accept;
\t\ttcp dport 22 drop
\t}
}
table inet b {
\tchain input {
\t\ttype filter hook input priority -10; policy drop;
\t\tjump ssh
\t}
\tchain ssh {
\t\ttcp dport 22 accept
\t}
}
";
        let facts = facts_with(text);
        let v = &evaluate(&facts, &probe("198.51.100.23"))[0];
        // b (priority -10) accepts through its ssh chain, then a (priority 10) drops.
        assert_eq!(v.decision(), Some(Decision::Drop));
        let o = &v.outcomes[0];
        assert_eq!(o.decided_by.as_ref().unwrap().line, 4);
        assert_eq!(
            o.path.iter().map(|s| s.line).collect::<Vec<_>>(),
            [8, 10, 2]
        );
    }

    #[test]
    fn syn_flag_tests() {
        assert_eq!(
            tcp_flags_test(
                Op::Eq,
                &Value::Name("syn".into()),
                Some("(fin|syn|rst|ack)")
            ),
            Test::Yes
        );
        assert_eq!(
            tcp_flags_test(
                Op::Ne,
                &Value::Name("syn".into()),
                Some("(fin|syn|rst|ack)")
            ),
            Test::No
        );
        assert_eq!(
            tcp_flags_test(Op::Eq, &Value::Name("ack".into()), None),
            Test::No
        );
    }

    #[test]
    fn unknown_statements_are_reported() {
        let text = "table inet filter {
\tchain input {
\t\ttype filter hook input priority 0; policy accept;
\t\tosf name \"Linux\" tcp dport 22 drop
\t}
}
";
        let facts = facts_with(text);
        let v = &evaluate(&facts, &probe("198.51.100.23"))[0];
        assert_eq!(v.decision(), None, "{:?}", v.outcomes);
    }

    #[test]
    fn nat_and_output_chains_are_not_entries() {
        let text = "table ip nat {
\tchain prerouting {
\t\ttype nat hook prerouting priority dstnat; policy accept;
\t\ttcp dport 22 drop
\t}
}
";
        let facts = facts_with(text);
        assert!(evaluate(&facts, &probe("198.51.100.23")).is_empty());
    }

    #[test]
    fn verdict_maps_inline_and_named_are_looked_up() {
        let text = "table inet filter {
\tmap ports {
\t\ttype inet_service : verdict
\t\telements = { 22 : drop, 443 : accept }
\t}
\tchain input {
\t\ttype filter hook input priority 0; policy accept;
\t\ttcp dport vmap { 22 : jump ssh, 80 : accept }
\t}
\tchain ssh {
\t\tip saddr 10.0.0.0/8 accept
\t\treject
\t}
\tchain named {
\t\ttype filter hook input priority 10; policy accept;
\t\ttcp dport vmap @ports
\t}
}
";
        let facts = facts_with(text);
        let outside = &evaluate(&facts, &probe("198.51.100.23"))[0];
        assert_eq!(testing::decided_lines(outside), [12], "one outcome");
        assert_eq!(testing::decided(outside), (Some(Decision::Reject), 12));
        // Accepted by the ssh chain, then dropped by the named map in the later base chain.
        let inside = &evaluate(&facts, &probe("10.1.1.1"))[0];
        assert_eq!(testing::decided_lines(inside), [16], "one outcome");
        assert_eq!(testing::decided(inside), (Some(Decision::Drop), 16));
    }
}
