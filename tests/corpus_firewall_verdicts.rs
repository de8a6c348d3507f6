//! The firewall evaluator on real dumps from the shared corpora: every ruleset there yields
//! a verdict for an outside client and for an unknown one, each outcome names the line that
//! decided it, and the verdicts that can be known from the dump are the right ones.

mod common;

use rootline::analysis::{analyze, Options};
use rootline::facts::firewall::{self, Decision, FirewallCheck, Overall};

const RULESETS: &[&str] = &[
    "hotsos/sos-iptables_-vnxL.txt",
    "hotsos/sos-ip-netns-qrouter-iptables-save.txt",
    "hotsos/sos-iptables_-t_filter_-nvL.txt",
    "moler/iptables-nvxL-transcript.txt",
    "moler/nft-list-table-inet-filter-transcript.txt",
    "ufw/ufw-status-route-rules.txt",
    "ufw/ufw-status.txt",
    "ufw/ufw-status-numbered.txt",
    "ufw/ufw-status-verbose-app-profiles.txt",
    "ufw/ufw-status-verbose-no-rules.txt",
    "insights-core/firewall-cmd-list-all-zones.txt",
    "insights-core/firewall-cmd-not-running.txt",
    "insights-core/iptables-save.txt",
    "insights-core/ip6tables-save.txt",
];

fn check(rel: &str, client: Option<&str>) -> Option<FirewallCheck> {
    let path = common::corpora()?.join(rel);
    let analysis = analyze(&path, &Options::default()).expect("analyse corpus file");
    let client = client.map(|c| c.parse().expect("address"));
    let check = firewall::check(&analysis.facts, client, Some(22), None);
    // A dump of one family has nothing to say about the other's clients.
    if client.is_none() {
        assert!(check.is_some(), "{rel}: no ruleset found");
    }
    check
}

#[test]
fn every_corpus_ruleset_gets_a_verdict_with_its_deciding_line() {
    if common::corpora().is_none() {
        return;
    }
    for rel in RULESETS {
        for client in [Some("198.51.100.23"), Some("2001:db8::23"), None] {
            let Some(check) = check(rel, client) else {
                continue;
            };
            for v in &check.verdicts {
                assert!(!v.outcomes.is_empty(), "{rel}: a verdict without outcomes");
                for o in &v.outcomes {
                    let by = o.decided_by.as_ref();
                    assert!(
                        by.is_some(),
                        "{rel} {client:?}: {:?} decided by nothing",
                        o.decision
                    );
                    assert!(by.is_some_and(|s| s.line > 0), "{rel}: line 0");
                }
                println!(
                    "{rel} from {client:?}: {} {:?} ({} outcome(s))",
                    v.firewall.name(),
                    v.decision(),
                    v.outcomes.len()
                );
            }
        }
    }
}

/// ufw's user chains with no rule in them: nothing hooks them to INPUT, so there is no
/// verdict to give, and none is made up.
#[test]
fn user_chains_alone_give_no_verdict() {
    let Some(dir) = common::corpora() else {
        return;
    };
    for rel in [
        "hotsos/etc-ufw-user.rules-ubuntu20.04.txt",
        "ufw/etc-ufw-user.rules",
    ] {
        let analysis = analyze(&dir.join(rel), &Options::default()).expect("analyse");
        assert!(
            firewall::check(&analysis.facts, None, Some(22), None).is_none(),
            "{rel}"
        );
    }
}

#[test]
fn stopped_firewalld_accepts() {
    let Some(check) = check(
        "insights-core/firewall-cmd-not-running.txt",
        Some("198.51.100.23"),
    ) else {
        return;
    };
    assert_eq!(check.overall, Overall::Accept);
}

#[test]
fn ufw_status_without_an_ssh_rule_falls_to_the_assumed_default() {
    let Some(check) = check("ufw/ufw-status-numbered.txt", Some("198.51.100.23")) else {
        return;
    };
    let v = &check.verdicts[0];
    assert_eq!(v.decision(), Some(Decision::Drop));
    assert!(v.notes.iter().any(|n| n.contains("deny, is assumed")));
    // The three private networks are allowed everything, 22 included.
    assert_eq!(v.near_misses.len(), 3);
    let lan = check_from("ufw/ufw-status-numbered.txt", "10.1.2.3");
    assert_eq!(lan.verdicts[0].decision(), Some(Decision::Accept));
}

fn check_from(rel: &str, client: &str) -> FirewallCheck {
    check(rel, Some(client)).expect("ruleset")
}
