//! firewalld as it decides a new connection: the zone is chosen by the client's source
//! address first, then by the interface the packet arrives on, else the default zone. In
//! the zone, rich rules with a negative priority come first, then deny rich rules, then
//! allow rich rules and the zone's services and ports, then rich rules with a positive
//! priority, and last the zone's target (`default` rejects). When the bundle does not tell
//! which zone applies (several interfaces, sources given as ipsets), each candidate zone is
//! a branch of the walk.

use std::sync::Arc;

use crate::facts::system::Sourced;
use crate::facts::Facts;
use crate::model::Location;
use crate::parse::firewall::firewalld::{
    Element, Opening, Policy, RichAction, RichAddr, RichRule, ServiceTable, Settings, Source, Zone,
    ZoneTarget,
};
use crate::parse::firewall::ufw::{AddrSpec, Match};

use super::engine::{self, Effect, Graph};
use super::{destination_test, interface_test, Decision, Firewall, Probe, Step, Test, Verdict};

/// A zone or policy and the member it was read from, so its lines can be cited.
struct Placed<'a, T> {
    item: &'a T,
    path: Arc<str>,
    offset: usize,
}

type ZoneRef<'a> = Placed<'a, Zone>;
type PolicyRef<'a> = Placed<'a, Policy>;

/// Every item of `items`, placed in the member of `source`.
fn placed<'a, T, S>(items: &'a [T], source: &Sourced<S>) -> Vec<Placed<'a, T>> {
    items
        .iter()
        .map(|item| Placed {
            item,
            path: source.path.clone(),
            offset: source.line_offset,
        })
        .collect()
}

impl<T> Placed<'_, T> {
    fn location(&self, line: usize) -> Location {
        Location::new(self.path.clone(), line + self.offset)
    }

    fn step(&self, facts: &Facts, line: usize, fallback: &str, note: impl Into<String>) -> Step {
        let loc = self.location(line);
        let text = super::line_text(facts, &loc, || fallback.to_owned());
        Step::new(loc, text, note)
    }
}

pub fn evaluate(facts: &Facts, probe: &Probe) -> Vec<Verdict> {
    let mut services = ServiceTable::default();
    for def in &facts.network.firewalld_services {
        services.add(&def.value);
    }
    let mut out: Vec<Verdict> = facts
        .network
        .firewalld
        .iter()
        .filter_map(|s| {
            let zones = placed(&s.value.zones, s);
            let stopped = (!s.value.running).then(|| {
                let line = s.value.running_line.unwrap_or(1);
                let loc = s.location(line);
                let text = super::line_text(facts, &loc, || "FirewallD is not running".to_owned());
                Step::new(
                    loc,
                    text,
                    "firewalld is not running: its zones are not loaded",
                )
            });
            let policies = placed(&s.value.policies, s);
            let ctx = Ctx {
                facts,
                probe,
                services: &services,
                policies: &policies,
            };
            verdict(&ctx, &zones, stopped, Vec::new(), s.path.clone())
        })
        .collect();
    // Zone files are the permanent configuration; read them when no listing shows the
    // running state.
    if out.is_empty() && !facts.network.firewalld_zones.is_empty() {
        let zones: Vec<ZoneRef> = facts
            .network
            .firewalld_zones
            .iter()
            .map(|z| Placed {
                item: &z.value,
                path: z.path.clone(),
                offset: z.line_offset,
            })
            .collect();
        let notes = vec!["from the zone files: the permanent configuration, which may differ from the running one".to_owned()];
        let source = facts.network.firewalld_zones[0].path.clone();
        let ctx = Ctx {
            facts,
            probe,
            services: &services,
            policies: &[],
        };
        out.extend(verdict(&ctx, &zones, None, notes, source));
    }
    out
}

/// The zone whose rules decided a firewalld verdict (all its outcomes agree), read back
/// from the deciding step, which names it.
pub fn deciding_zone(v: &Verdict) -> Option<String> {
    if v.firewall != Firewall::Firewalld {
        return None;
    }
    let mut zones = v.outcomes.iter().map(|o| {
        let note = &o.decided_by.as_ref()?.note;
        let (_, rest) = note.split_once(" zone ")?;
        Some(
            rest.split_whitespace()
                .next()?
                .trim_end_matches(':')
                .to_owned(),
        )
    });
    let first = zones.next()??;
    zones
        .all(|z| z.as_deref() == Some(first.as_str()))
        .then_some(first)
}

/// What every zone's translation needs.
struct Ctx<'a> {
    facts: &'a Facts,
    probe: &'a Probe,
    services: &'a ServiceTable,
    policies: &'a [PolicyRef<'a>],
}

fn verdict(
    ctx: &Ctx,
    zones: &[ZoneRef],
    stopped: Option<Step>,
    notes: Vec<String>,
    source: Arc<str>,
) -> Option<Verdict> {
    let (facts, probe) = (ctx.facts, ctx.probe);
    if let Some(step) = stopped {
        let graph = Graph {
            chains: vec![engine::Chain {
                header: None,
                policy: Some((Decision::Accept, step)),
                rules: Vec::new(),
            }],
            entries: vec![0],
        };
        return Some(finish(graph, source, Vec::new(), notes));
    }
    let complete: Vec<&ZoneRef> = zones.iter().filter(|z| z.item.complete).collect();
    if complete.is_empty() {
        return None;
    }
    let default = complete
        .iter()
        .position(|z| z.item.default)
        .or_else(|| complete.iter().position(|z| z.item.name == "public"))
        .or_else(|| (complete.len() == 1).then_some(0));
    let mut graph = Graph::default();
    let mut dispatch = Vec::new();
    let mut near_misses = Vec::new();
    // Zone chains are 1..; chain 0 picks the zone.
    for (i, z) in complete.iter().enumerate() {
        let (chain, misses) = zone_chain(ctx.facts, ctx.probe, ctx.services, z, ctx.policies);
        near_misses.extend(misses);
        graph.chains.push(chain);
        let ci = i + 1;
        for s in &z.item.sources {
            dispatch.push(engine::Rule {
                step: z.step(
                    facts,
                    s.line,
                    "sources:",
                    format!("source of zone {}", z.item.name),
                ),
                test: source_test(&s.value, probe),
                effect: Effect::Jump(ci),
            });
        }
    }
    for (i, z) in complete.iter().enumerate() {
        for iface in &z.item.interfaces {
            dispatch.push(engine::Rule {
                step: z.step(
                    facts,
                    iface.line,
                    "interfaces:",
                    format!("interface of zone {}", z.item.name),
                ),
                test: interface_test(probe, &iface.value, false),
                effect: Effect::Jump(i + 1),
            });
        }
    }
    match default {
        Some(d) => {
            let z = complete[d];
            dispatch.push(engine::Rule {
                step: z.step(
                    facts,
                    z.item.line,
                    &z.item.name,
                    format!("default zone {}", z.item.name),
                ),
                test: Test::Yes,
                effect: Effect::Jump(d + 1),
            });
        }
        None => return None,
    }
    graph.chains.insert(
        0,
        engine::Chain {
            header: None,
            policy: None,
            rules: dispatch,
        },
    );
    graph.entries = vec![0];
    Some(finish(graph, source, near_misses, notes))
}

fn finish(graph: Graph, source: Arc<str>, near_misses: Vec<Step>, notes: Vec<String>) -> Verdict {
    let (outcomes, incomplete) = engine::walk(&graph);
    Verdict {
        firewall: Firewall::Firewalld,
        source,
        outcomes,
        near_misses,
        notes,
        incomplete,
    }
}

fn source_test(source: &Source, probe: &Probe) -> Test {
    match (source.matches(probe.client), source) {
        (Match::Yes, _) => Test::Yes,
        (Match::No, _) => Test::No,
        (Match::Maybe, Source::Address(a)) => Test::Unknown(format!("the client is in {}", a.text)),
        (Match::Maybe, Source::Ipset(set)) => match probe.in_set(set) {
            Some(member) => Test::from_bool(member),
            None => Test::Unknown(format!("{} is in ipset {set}", probe.client_text())),
        },
        (Match::Maybe, Source::Mac(mac)) => {
            Test::Unknown(format!("the client's MAC address is {mac}"))
        }
    }
}

/// A zone's rules in firewalld's order, ending in its target, with the policies to HOST
/// that apply to it before (negative priority) and after; and the accepting rules and
/// settings that leave this client out.
fn zone_chain(
    facts: &Facts,
    probe: &Probe,
    services: &ServiceTable,
    z: &ZoneRef,
    policies: &[PolicyRef],
) -> (engine::Chain, Vec<Step>) {
    let zone = z.item;
    let name = &zone.name;
    let mut rules = Vec::new();
    let mut near_misses = Vec::new();
    let step = |line: usize, fallback: &str, note: String| z.step(facts, line, fallback, note);
    let applying: Vec<&PolicyRef> = policies.iter().filter(|p| p.applies_to(name)).collect();
    for p in applying.iter().filter(|p| p.priority() < 0) {
        rules.extend(policy_rules(facts, probe, services, p, &mut near_misses));
    }
    let owner = format!("zone {name}");
    let (zone_rules, misses) = settings_rules(probe, services, &zone.settings, &owner, &step);
    rules.extend(zone_rules);
    near_misses.extend(misses);
    for p in applying.iter().filter(|p| p.priority() > 0) {
        rules.extend(policy_rules(facts, probe, services, p, &mut near_misses));
    }
    let target = zone.settings.target.as_ref();
    let decision = match target.map(|t| t.value) {
        Some(ZoneTarget::Accept) => Decision::Accept,
        Some(ZoneTarget::Drop) => Decision::Drop,
        Some(ZoneTarget::Default | ZoneTarget::Reject | ZoneTarget::Continue) | None => {
            Decision::Reject
        }
    };
    let target_step = match target {
        Some(t) => step(t.line, "target:", format!("target of zone {name}")),
        None => step(
            zone.line,
            name,
            format!("zone {name}: default target, reject"),
        ),
    };
    rules.push(engine::Rule {
        step: target_step,
        test: Test::Yes,
        effect: Effect::Final(decision),
    });
    let header = z.step(facts, zone.line, name, format!("zone {name}"));
    let chain = engine::Chain {
        header: Some(header),
        policy: None,
        rules,
    };
    (chain, near_misses)
}

impl PolicyRef<'_> {
    /// Active, to the host, and from this zone (or any).
    fn applies_to(&self, zone: &str) -> bool {
        let p = self.item;
        p.active
            && p.egress_zones.iter().any(|z| z.value == "HOST")
            && p.ingress_zones
                .iter()
                .any(|z| z.value == "ANY" || z.value == zone)
    }

    /// firewalld's default priority is -1: before the zone's rules.
    fn priority(&self) -> i32 {
        self.item.priority.map_or(-1, |p| p.value)
    }
}

/// A policy's rules, then its target unless that is CONTINUE (fall through to the zone).
fn policy_rules(
    facts: &Facts,
    probe: &Probe,
    services: &ServiceTable,
    p: &PolicyRef,
    near_misses: &mut Vec<Step>,
) -> Vec<engine::Rule> {
    let step = |line: usize, fallback: &str, note: String| p.step(facts, line, fallback, note);
    let owner = format!("policy {}", p.item.name);
    let (mut rules, misses) = settings_rules(probe, services, &p.item.settings, &owner, &step);
    near_misses.extend(misses);
    if let Some(t) = &p.item.settings.target {
        let decision = match t.value {
            ZoneTarget::Accept => Some(Decision::Accept),
            ZoneTarget::Drop => Some(Decision::Drop),
            ZoneTarget::Reject => Some(Decision::Reject),
            ZoneTarget::Continue | ZoneTarget::Default => None,
        };
        if let Some(decision) = decision {
            rules.push(engine::Rule {
                step: step(t.line, "target:", format!("target of {owner}")),
                test: Test::Yes,
                effect: Effect::Final(decision),
            });
        }
    }
    rules
}

/// The rules a zone or policy's settings make, in firewalld's order: rich rules with a
/// negative priority, deny rich rules, allow rich rules, the services and ports, rich rules
/// with a positive priority.
fn settings_rules(
    probe: &Probe,
    services: &ServiceTable,
    settings: &Settings,
    owner: &str,
    step: &dyn Fn(usize, &str, String) -> Step,
) -> (Vec<engine::Rule>, Vec<Step>) {
    let anyone = probe.from_anyone();
    let mut near_misses = Vec::new();
    let mut rich: Vec<&RichRule> = settings.rich_rules.iter().collect();
    // Within priority 0: deny rules before allow rules (log-only rules change nothing).
    let class = |r: &RichRule| match r.priority.unwrap_or(0) {
        p if p < 0 => (0, p),
        0 => match r.action {
            Some(RichAction::Drop | RichAction::Reject(_)) => (1, 0),
            _ => (2, 0),
        },
        p => (3, p),
    };
    rich.sort_by_key(|r| class(r));
    let mut rules = Vec::new();
    let rich_rule = |r: &RichRule, near_misses: &mut Vec<Step>| {
        let step = step(r.line, &r.text, format!("rich rule of {owner}"));
        let test = rich_test(r, probe, services);
        let effect = match &r.action {
            Some(RichAction::Accept) => Effect::Final(Decision::Accept),
            Some(RichAction::Reject(_)) => Effect::Final(Decision::Reject),
            Some(RichAction::Drop) => Effect::Final(Decision::Drop),
            Some(RichAction::Mark(_)) | None => Effect::Continue,
        };
        if matches!(effect, Effect::Final(Decision::Accept))
            && test == Test::No
            && rich_test(r, &anyone, services) != Test::No
        {
            near_misses.push(step.with_note(format!(
                "accepts this port, but not from {}",
                probe.client_text()
            )));
        }
        let test = match (&r.action_limit, &r.action) {
            (Some(l), Some(RichAction::Accept)) => test.and(Test::Unknown(
                format!("new connections stay under {}/{:?}", l.rate, l.per).to_lowercase(),
            )),
            _ => test,
        };
        engine::Rule { step, test, effect }
    };
    for r in rich.iter().filter(|r| class(r).0 < 3) {
        rules.push(rich_rule(r, &mut near_misses));
    }
    let opening = settings
        .opening_for_tcp(probe.port, services)
        .map(|o| match o {
            Opening::Service(s) => step(
                s.line,
                "services:",
                format!("service {} of {owner}", s.value),
            ),
            Opening::Port(p) => step(p.line, "ports:", format!("port of {owner}")),
        });
    match opening {
        Some(step) => rules.push(engine::Rule {
            step,
            test: Test::Yes,
            effect: Effect::Final(Decision::Accept),
        }),
        None => {
            if let Some(s) = settings.services.first() {
                near_misses.push(step(
                    s.line,
                    "services:",
                    format!("{owner} does not open port {} to everyone", probe.port),
                ));
            }
        }
    }
    for r in rich.iter().filter(|r| class(r).0 == 3) {
        rules.push(rich_rule(r, &mut near_misses));
    }
    (rules, near_misses)
}

fn rich_test(r: &RichRule, probe: &Probe, services: &ServiceTable) -> Test {
    use crate::parse::firewall::firewalld::Family;
    let family = match (r.family, probe.is_v6()) {
        (Some(Family::Ipv4), Some(true)) | (Some(Family::Ipv6), Some(false)) => Test::No,
        _ => Test::Yes,
    };
    let source = r.source.as_ref().map_or(Test::Yes, |s| addr_test(s, probe));
    let destination = match &r.destination {
        None => Test::Yes,
        Some(RichAddr {
            invert,
            addr: Source::Address(AddrSpec { net: Some(n), text }),
        }) => {
            let t = destination_test(probe, |a| n.contains(a), text);
            if *invert {
                t.negate()
            } else {
                t
            }
        }
        Some(_) => Test::Unknown("the client connected to the rule's destination".to_owned()),
    };
    let element = match r.covers_tcp(probe.port, services) {
        Match::Yes => Test::Yes,
        Match::No => Test::No,
        Match::Maybe => Test::Unknown(match &r.element {
            Some(Element::Service(s)) => format!("service {s} includes port {}", probe.port),
            _ => format!("the rule covers port {}", probe.port),
        }),
    };
    Test::all([family, source, destination, element])
}

fn addr_test(a: &RichAddr, probe: &Probe) -> Test {
    let t = source_test(&a.addr, probe);
    if a.invert {
        t.negate()
    } else {
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::firewall::testing::{self, sourced};
    use crate::parse::firewall::firewalld as parse;

    fn facts_with(listing: &str) -> Facts {
        let mut facts = Facts::default();
        facts.network.firewalld.push(sourced(
            "zones",
            parse::parse_list(listing, &mut Vec::new()),
        ));
        facts
    }

    fn probe(client: &str) -> Probe {
        testing::probe(client, "ens3")
    }

    const ZONES: &str = "internal
  target: default
  icmp-block-inversion: no
  interfaces: 
  sources: 10.40.0.0/16
  services: dhcpv6-client ssh
  ports: 
  rich rules: 

public (default, active)
  target: default
  icmp-block-inversion: no
  interfaces: ens3
  sources: 
  services: cockpit dhcpv6-client
  ports: 
  rich rules: 
\trule family=\"ipv4\" source address=\"10.30.0.0/24\" service name=\"ssh\" accept
";

    #[test]
    fn default_zone_without_ssh_rejects_by_its_target() {
        let facts = facts_with(ZONES);
        let v = &evaluate(&facts, &probe("198.51.100.23"))[0];
        assert_eq!(testing::decided(v), (Some(Decision::Reject), 11));
        let lines = testing::near_miss_lines(v);
        assert!(lines.contains(&18) && lines.contains(&15), "{lines:?}");
    }

    #[test]
    fn source_zones_win_and_rich_rules_accept_their_subnet() {
        let facts = facts_with(ZONES);
        let internal = &evaluate(&facts, &probe("10.40.1.2"))[0];
        assert_eq!(testing::decided(internal), (Some(Decision::Accept), 6));
        let rich = &evaluate(&facts, &probe("10.30.0.7"))[0];
        assert_eq!(testing::decided(rich), (Some(Decision::Accept), 18));
    }

    #[test]
    fn unknown_interface_gives_one_branch_per_zone() {
        let facts = facts_with(
            "public (default, active)
  target: default
  interfaces: eth0
  services: http
  rich rules: 

trusted (active)
  target: ACCEPT
  interfaces: eth1
  services: 
  rich rules: 
",
        );
        let p = Probe {
            host_ifaces: vec!["lo".into(), "eth0".into(), "eth1".into()],
            ..probe("198.51.100.23")
        };
        let v = &evaluate(&facts, &p)[0];
        assert_eq!(v.decision(), None);
        assert!(v.outcomes.iter().any(|o| o.decision == Decision::Accept
            && o.conditions
                .iter()
                .any(|c| c.note.contains("arrives on eth1"))));
        let on_eth0 = Probe {
            iface: Some("eth0".into()),
            ..p
        };
        assert_eq!(
            evaluate(&facts, &on_eth0)[0].decision(),
            Some(Decision::Reject)
        );
    }

    #[test]
    fn stopped_firewalld_accepts() {
        let facts = facts_with("FirewallD is not running\n");
        let v = &evaluate(&facts, &probe("198.51.100.23"))[0];
        assert_eq!(v.decision(), Some(Decision::Accept));
    }

    #[test]
    fn negative_priority_reject_beats_the_ssh_service() {
        let facts = facts_with(
            "public (default, active)
  target: default
  interfaces: ens3
  services: ssh
  rich rules: 
\trule priority=\"-10\" family=\"ipv4\" source address=\"198.51.100.0/24\" reject
",
        );
        let v = &evaluate(&facts, &probe("198.51.100.23"))[0];
        assert_eq!(testing::decided(v), (Some(Decision::Reject), 6));
        let other = &evaluate(&facts, &probe("203.0.113.5"))[0];
        assert_eq!(testing::decided(other), (Some(Decision::Accept), 4));
    }

    #[test]
    fn zone_files_are_read_when_no_listing_shows_the_running_state() {
        let mut d = Vec::new();
        let xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?>
<zone target=\"DROP\">
  <short>Public</short>
  <service name=\"dhcpv6-client\"/>
  <rule family=\"ipv4\">
    <source address=\"10.0.0.0/8\"/>
    <service name=\"ssh\"/>
    <accept/>
  </rule>
</zone>
";
        let zone = parse::parse_zone_xml("public", xml, &mut d);
        let mut facts = Facts::default();
        facts
            .network
            .firewalld_zones
            .push(sourced("etc/firewalld/zones/public.xml", zone));
        let v = &evaluate(&facts, &probe("198.51.100.23"))[0];
        assert_eq!(v.decision(), Some(Decision::Drop), "{:?}", v.outcomes);
        assert!(v.notes[0].contains("permanent configuration"));
        assert_eq!(v.near_misses[0].line, 5);
        let lan = &evaluate(&facts, &probe("10.9.8.7"))[0];
        assert_eq!(lan.decision(), Some(Decision::Accept));
    }

    #[test]
    fn policies_to_the_host_run_around_the_zone() {
        let listing = "public (default, active)
  target: default
  interfaces: ens3
  services: ssh
  rich rules: 

block-scanners (active)
  priority: -100
  target: CONTINUE
  ingress-zones: ANY
  egress-zones: HOST
  services: 
  rich rules: 
\trule family=\"ipv4\" source address=\"203.0.113.0/24\" drop

lan-only-ssh (active)
  priority: -50
  target: REJECT
  ingress-zones: public
  egress-zones: HOST
  services: 
  rich rules: 
\trule family=\"ipv4\" source address=\"10.0.0.0/8\" service name=\"ssh\" accept
";
        let facts = facts_with(listing);
        let on_ens3 = |c: &str| Probe {
            iface: Some("ens3".into()),
            ..probe(c)
        };
        let scanner = &evaluate(&facts, &on_ens3("203.0.113.9"))[0];
        assert_eq!(scanner.decision(), Some(Decision::Drop));
        assert_eq!(testing::decided_lines(scanner), [14]);
        // The second policy rejects everyone outside 10/8 before the zone's ssh service.
        let outside = &evaluate(&facts, &on_ens3("198.51.100.23"))[0];
        assert_eq!(outside.decision(), Some(Decision::Reject));
        assert_eq!(testing::decided_lines(outside), [18]);
        assert!(testing::near_miss_lines(outside).contains(&23));
        let lan = &evaluate(&facts, &on_ens3("10.2.3.4"))[0];
        assert_eq!(lan.decision(), Some(Decision::Accept));
        assert_eq!(testing::decided_lines(lan), [23]);
    }

    #[test]
    fn a_service_file_in_the_bundle_moves_the_ssh_port() {
        let mut facts = facts_with(
            "public (default, active)\n  target: default\n  interfaces: ens3\n  services: ssh\n  rich rules: \n",
        );
        let on_2222 = Probe {
            port: 2222,
            ..probe("198.51.100.23")
        };
        assert_eq!(
            evaluate(&facts, &on_2222)[0].decision(),
            Some(Decision::Reject)
        );
        let def = parse::parse_service_xml(
            "ssh",
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<service>\n  <short>SSH</short>\n  <port protocol=\"tcp\" port=\"2222\"/>\n</service>\n",
            &mut Vec::new(),
        );
        facts
            .network
            .firewalld_services
            .push(sourced("etc/firewalld/services/ssh.xml", def));
        assert_eq!(
            testing::decided(&evaluate(&facts, &on_2222)[0]),
            (Some(Decision::Accept), 4)
        );
    }
}
