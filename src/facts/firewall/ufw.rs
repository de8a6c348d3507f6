//! ufw as it decides a new connection: the first user rule that applies wins (allow,
//! deny, reject, or limit, which rejects a source over 6 connections in 30 seconds and
//! accepts it otherwise), then the default incoming policy. An inactive ufw loads no rules.
//! `ufw status` is the running state; `/etc/ufw/user.rules` is read when the bundle has no
//! status, as the rules ufw loads when enabled.

use crate::facts::system::Sourced;
use crate::facts::Facts;
use crate::model::At;
use crate::parse::firewall::ufw::{
    Action, AddrSpec, AppProfiles, Match, Policy, PortSpec, UfwRule, UfwStatus,
};

use super::engine::{self, Effect, Graph};
use super::{destination_test, interface_test, Decision, Firewall, Probe, Step, Test, Verdict};

pub fn evaluate(facts: &Facts, probe: &Probe) -> Vec<Verdict> {
    let mut profiles = AppProfiles::default();
    for apps in &facts.network.ufw_apps {
        profiles.add(&apps.value);
    }
    let mut out: Vec<Verdict> = facts
        .network
        .ufw_status
        .iter()
        .filter(|s| s.value.status_line.is_some())
        .filter_map(|s| from_status(facts, s, probe, &profiles))
        .collect();
    if out.is_empty() {
        out.extend(from_user_rules(facts, probe, &profiles));
    }
    out
}

fn policy_decision(p: Policy) -> Decision {
    match p {
        Policy::Allow | Policy::Disabled | Policy::Skip => Decision::Accept,
        Policy::Deny => Decision::Drop,
        Policy::Reject => Decision::Reject,
    }
}

fn from_status(
    facts: &Facts,
    status: &Sourced<UfwStatus>,
    probe: &Probe,
    profiles: &AppProfiles,
) -> Option<Verdict> {
    let s = &status.value;
    let status_loc = status.location(s.status_line?);
    let status_text = super::line_text(facts, &status_loc, || {
        format!("Status: {}", if s.active { "active" } else { "inactive" })
    });
    let status_step = Step::new(status_loc, status_text, "");
    let mut notes = Vec::new();
    if !s.active {
        let graph = Graph {
            chains: vec![engine::Chain {
                header: None,
                policy: Some((
                    Decision::Accept,
                    status_step.with_note("ufw is inactive: it loads no rules"),
                )),
                rules: Vec::new(),
            }],
            entries: vec![0],
        };
        return Some(finish(graph, status, Vec::new(), notes));
    }
    let policy = match (&s.default_incoming, config_default(facts)) {
        (Some(d), _) => Some(policy_step(facts, status, d)),
        (None, Some((d, step))) => Some((policy_decision(d.value), step)),
        (None, None) => None,
    };
    let policy = policy.unwrap_or_else(|| {
        notes.push(
            "the default incoming policy is not in the bundle; ufw's default, deny, is assumed"
                .to_owned(),
        );
        (
            Decision::Drop,
            status_step.with_note("default incoming policy not shown: deny assumed"),
        )
    });
    let (rules, near_misses) = translate(facts, &s.rules, |l| status.location(l), probe, profiles);
    let graph = Graph {
        chains: vec![engine::Chain {
            header: Some(status_step.with_note("ufw")),
            policy: Some(policy),
            rules,
        }],
        entries: vec![0],
    };
    Some(finish(graph, status, near_misses, notes))
}

fn policy_step(facts: &Facts, status: &Sourced<UfwStatus>, d: &At<Policy>) -> (Decision, Step) {
    let loc = status.location(d.line);
    let text = super::line_text(facts, &loc, || format!("Default: {:?} (incoming)", d.value));
    (
        policy_decision(d.value),
        Step::new(loc, text, "default incoming policy"),
    )
}

/// `DEFAULT_INPUT_POLICY` of `/etc/default/ufw`.
fn config_default(facts: &Facts) -> Option<(At<Policy>, Step)> {
    facts.network.ufw_config.iter().find_map(|c| {
        let d = c.value.default_input?;
        let loc = c.location(d.line);
        let text = super::line_text(facts, &loc, || "DEFAULT_INPUT_POLICY".to_owned());
        Some((d, Step::new(loc, text, "default incoming policy")))
    })
}

fn from_user_rules(facts: &Facts, probe: &Probe, profiles: &AppProfiles) -> Option<Verdict> {
    let files = &facts.network.ufw_rules;
    let first = files.first()?;
    let mut rules = Vec::new();
    let mut near_misses = Vec::new();
    for f in files {
        let (r, n) = translate(facts, &f.value.rules, |l| f.location(l), probe, profiles);
        rules.extend(r);
        near_misses.extend(n);
    }
    let mut notes =
        vec!["from ufw's saved rules (user.rules): they apply when ufw is enabled".to_owned()];
    let policy = match config_default(facts) {
        Some((d, step)) => (policy_decision(d.value), step),
        None => {
            notes.push(
                "the default incoming policy is not in the bundle; ufw's default, deny, is assumed"
                    .to_owned(),
            );
            let loc = first.location(1);
            let text = super::line_text(facts, &loc, String::new);
            (
                Decision::Drop,
                Step::new(loc, text, "default incoming policy not shown: deny assumed"),
            )
        }
    };
    let graph = Graph {
        chains: vec![engine::Chain {
            header: None,
            policy: Some(policy),
            rules,
        }],
        entries: vec![0],
    };
    Some(finish(graph, first, near_misses, notes))
}

fn finish<T>(
    graph: Graph,
    source: &Sourced<T>,
    near_misses: Vec<Step>,
    notes: Vec<String>,
) -> Verdict {
    let (outcomes, incomplete) = engine::walk(&graph);
    Verdict {
        firewall: Firewall::Ufw,
        source: source.path.clone(),
        outcomes,
        near_misses,
        notes,
        incomplete,
    }
}

/// ufw rules in order as engine rules, and the allow rules that miss this client.
fn translate(
    facts: &Facts,
    rules: &[UfwRule],
    location: impl Fn(usize) -> crate::model::Location,
    probe: &Probe,
    profiles: &AppProfiles,
) -> (Vec<engine::Rule>, Vec<Step>) {
    let anyone = probe.from_anyone();
    let mut out = Vec::new();
    let mut near_misses = Vec::new();
    for r in rules {
        let loc = location(r.line);
        let text = super::line_text(facts, &loc, || r.text.clone());
        let step = Step::new(loc, text, "");
        let test = rule_test(r, probe, profiles);
        let allows = matches!(r.action, Action::Allow | Action::Limit);
        if allows && test == Test::No && rule_test(r, &anyone, profiles) != Test::No {
            near_misses.push(step.with_note(format!(
                "allows this port, but not from {}",
                probe.client_text()
            )));
        }
        match r.action {
            Action::Allow => out.push(rule(step, test, Decision::Accept)),
            Action::Deny => out.push(rule(step, test, Decision::Drop)),
            Action::Reject => out.push(rule(step, test, Decision::Reject)),
            Action::Limit => {
                let over = Test::Unknown(format!(
                    "{} opened 6 or more connections within 30 s",
                    probe.client_text()
                ));
                out.push(rule(
                    step.with_note("ufw limit"),
                    test.clone().and(over),
                    Decision::Reject,
                ));
                out.push(rule(step, test, Decision::Accept));
            }
        }
    }
    (out, near_misses)
}

fn rule(step: Step, test: Test, decision: Decision) -> engine::Rule {
    engine::Rule {
        step,
        test,
        effect: Effect::Final(decision),
    }
}

/// Does a ufw rule apply to the probe? Settled by the parser's matcher where it can be,
/// and otherwise part by part, so the unknown part is named.
fn rule_test(r: &UfwRule, probe: &Probe, profiles: &AppProfiles) -> Test {
    if probe.is_v6().is_some_and(|v6| v6 != r.v6) {
        return Test::No;
    }
    match r.matches_tcp_in(probe.port, probe.client, profiles) {
        Match::Yes => return Test::Yes,
        Match::No => return Test::No,
        Match::Maybe => {}
    }
    let mut parts = Vec::new();
    if let Some(i) = &r.interface_in {
        parts.push(interface_test(probe, i, false));
    }
    match (&r.from.addr, probe.client) {
        (Some(AddrSpec { net: Some(n), .. }), _) if n.is_any() => {}
        (Some(AddrSpec { net: Some(n), .. }), Some(c)) => {
            parts.push(Test::from_bool(n.contains(c)))
        }
        (Some(a), _) => parts.push(Test::Unknown(format!("the client is in {}", a.text))),
        (None, _) => {}
    }
    if let Some(a) = &r.to.addr {
        match a.net {
            Some(n) if n.is_any() => {}
            Some(n) => parts.push(destination_test(probe, |x| n.contains(x), &a.text)),
            None => parts.push(Test::Unknown(format!("the client connected to {}", a.text))),
        }
    }
    if r.from.app.is_some() || r.from.ports != PortSpec::Any {
        let ports = match &r.from.ports {
            PortSpec::List(list) => list
                .iter()
                .map(|p| {
                    if p.first == p.last {
                        p.first.to_string()
                    } else {
                        format!("{}:{}", p.first, p.last)
                    }
                })
                .collect::<Vec<_>>()
                .join(","),
            PortSpec::Any => r.from.app.clone().unwrap_or_default(),
        };
        parts.push(Test::Unknown(format!(
            "the client connects from source port {ports}"
        )));
    }
    if let Some(app) = &r.to.app {
        if r.to.ports == PortSpec::Any && profiles.get(app).is_none() {
            parts.push(Test::Unknown(format!(
                "application profile {app} includes port {}",
                probe.port
            )));
        }
    }
    Test::all(parts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::firewall::testing::{self, sourced};
    use crate::parse::firewall::ufw as parse;

    fn facts_with(status: &str) -> Facts {
        let mut facts = Facts::default();
        facts.network.ufw_status.push(sourced(
            "ufw_status",
            parse::parse_status(status, &mut Vec::new()),
        ));
        facts
    }

    fn probe(client: &str) -> Probe {
        testing::probe(client, "eth0")
    }

    const NUMBERED: &str = "Status: active
Logging: on (low)
Default: deny (incoming), allow (outgoing), disabled (routed)
New profiles: skip

     To                         Action      From
     --                         ------      ----
[ 1] 22/tcp                     ALLOW IN    10.0.0.0/8                 # ssh from lan
[ 2] 80,443/tcp                 ALLOW IN    Anywhere
[ 3] Anywhere                   DENY IN     203.0.113.7
[ 4] 22/tcp (v6)                ALLOW IN    Anywhere (v6)
";

    #[test]
    fn default_deny_decides_for_outside_clients_with_the_lan_rule_as_near_miss() {
        let facts = facts_with(NUMBERED);
        let v = &evaluate(&facts, &probe("198.51.100.23"))[0];
        assert_eq!(testing::decided(v), (Some(Decision::Drop), 3));
        assert_eq!(testing::near_miss_lines(v), [8]);
        let lan = &evaluate(&facts, &probe("10.1.2.3"))[0];
        assert_eq!(testing::decided(lan), (Some(Decision::Accept), 8));
        let v6 = &evaluate(&facts, &probe("2001:db8::9"))[0];
        assert_eq!(testing::decided(v6), (Some(Decision::Accept), 11));
    }

    #[test]
    fn limit_rules_accept_under_the_rate_and_reject_over_it() {
        let facts = facts_with(
            "Status: active\n\nTo                         Action      From\n--                         ------      ----\n22/tcp                     LIMIT       Anywhere\n",
        );
        let v = &evaluate(&facts, &probe("198.51.100.23"))[0];
        assert_eq!(v.decision(), None);
        let reject = v
            .outcomes
            .iter()
            .find(|o| o.decision == Decision::Reject)
            .unwrap();
        assert!(reject.conditions[0]
            .note
            .contains("6 or more connections within 30 s"));
        assert!(v.outcomes.iter().any(|o| o.decision == Decision::Accept));
    }

    #[test]
    fn inactive_ufw_accepts_and_says_why() {
        let facts = facts_with("Status: inactive\n");
        let v = &evaluate(&facts, &probe("198.51.100.23"))[0];
        assert_eq!(v.decision(), Some(Decision::Accept));
        assert!(v.outcomes[0]
            .decided_by
            .as_ref()
            .unwrap()
            .note
            .contains("inactive"));
    }

    #[test]
    fn a_missing_default_is_assumed_deny_and_said() {
        let facts = facts_with(
            "Status: active\n\nTo                         Action      From\n--                         ------      ----\n80/tcp                     ALLOW       Anywhere\n",
        );
        let v = &evaluate(&facts, &probe("198.51.100.23"))[0];
        assert_eq!(v.decision(), Some(Decision::Drop));
        assert!(!v.notes.is_empty());
    }

    #[test]
    fn interface_rules_depend_on_the_arrival_interface() {
        let facts = facts_with(
            "Status: active\nDefault: deny (incoming), allow (outgoing), disabled (routed)\n\nTo                         Action      From\n--                         ------      ----\n22/tcp on eth0             ALLOW IN    Anywhere\n",
        );
        let v = &evaluate(&facts, &probe("198.51.100.23"))[0];
        assert_eq!(v.decision(), None);
        let on_eth0 = Probe {
            iface: Some("eth0".into()),
            ..probe("198.51.100.23")
        };
        assert_eq!(
            evaluate(&facts, &on_eth0)[0].decision(),
            Some(Decision::Accept)
        );
    }

    #[test]
    fn rules_naming_a_bundle_profile_use_its_ports() {
        let mut facts = facts_with(
            "Status: active\nDefault: deny (incoming), allow (outgoing), disabled (routed)\n\nTo                         Action      From\n--                         ------      ----\nBastionSSH                 ALLOW IN    Anywhere\n",
        );
        let unknown = Probe {
            port: 2222,
            ..probe("198.51.100.23")
        };
        // Without the profile, the rule's ports are not known.
        assert_eq!(evaluate(&facts, &unknown)[0].decision(), None);
        let profiles = parse::parse_app_profiles(
            "[BastionSSH]\ntitle=sshd on 2222\ndescription=x\nports=2222/tcp\n",
            &mut Vec::new(),
        );
        facts
            .network
            .ufw_apps
            .push(sourced("applications.d/bastion", profiles));
        assert_eq!(
            testing::decided(&evaluate(&facts, &unknown)[0]),
            (Some(Decision::Accept), 6)
        );
    }
}
