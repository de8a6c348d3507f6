//! Real iptables and nftables dumps from the shared corpora: every file parses without an
//! error diagnostic and yields the chains, policies and SSH rules it really contains.

use std::path::PathBuf;

use rootline::model::{Diagnostic, Level};
use rootline::parse::firewall::iptables::{
    self, CtState, Family, Iface, Match, PortRange, Ruleset, Target, Verdict,
};
use rootline::parse::firewall::nft::{self, Hook, NftRuleset, Selector, Statement, Value};

fn corpus(rel: &str) -> Option<String> {
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpora"));
    if !root.is_dir() {
        eprintln!("shared corpora not present; skipping {rel}");
        return None;
    }
    Some(String::from_utf8_lossy(&std::fs::read(root.join(rel)).ok()?).into_owned())
}

fn no_errors(what: &str, d: &[Diagnostic]) {
    let errors: Vec<_> = d.iter().filter(|d| d.level == Level::Error).collect();
    assert!(errors.is_empty(), "{what}: {errors:?}");
}

fn save(rel: &str) -> Option<Ruleset> {
    let text = corpus(rel)?;
    assert!(iptables::sniff_save(&text) > 0.9, "{rel}");
    let mut d = Vec::new();
    let rs = iptables::parse_save(&text, &mut d);
    no_errors(rel, &d);
    Some(rs)
}

fn list(rel: &str) -> Option<(Ruleset, Vec<Diagnostic>)> {
    let text = corpus(rel)?;
    assert!(iptables::sniff_list(&text) > 0.9, "{rel}");
    let mut d = Vec::new();
    let rs = iptables::parse_list(&text, &mut d);
    no_errors(rel, &d);
    Some((rs, d))
}

fn rule_count(rs: &Ruleset, table: &str) -> usize {
    rs.table(table)
        .map_or(0, |t| t.chains.iter().map(|c| c.rules.len()).sum())
}

fn accepts_port_22(m: &[Match]) -> bool {
    m.iter()
        .any(|m| matches!(m, Match::DestPort(p) if p.iter().any(|r| r.contains(22))))
}

#[test]
fn rhel6_iptables_save() {
    let Some(rs) = save("insights-core/iptables-save.txt") else {
        return;
    };
    assert_eq!(rs.family, Family::V4);
    let names: Vec<_> = rs.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["filter", "mangle", "nat"]);
    let input = rs.chain("filter", "INPUT").unwrap();
    assert_eq!(input.policy, Some(Verdict::Accept));
    assert_eq!(input.rules.len(), 7);
    let ssh = &input.rules[5];
    assert_eq!(ssh.line, 12);
    assert!(accepts_port_22(&ssh.matches));
    assert!(ssh.matches.contains(&Match::ConnState(vec![CtState::New])));
    assert_eq!(ssh.target, Target::Accept);
    // A rule with no target only counts.
    assert_eq!(input.rules[3].target, Target::None);
    assert_eq!(
        input.rules[6].target,
        Target::Reject {
            with: Some("icmp-host-prohibited".into())
        }
    );
    assert_eq!(rs.chain("filter", "REJECT-LOG").unwrap().policy, None);
    assert_eq!(rule_count(&rs, "filter"), 8);
}

#[test]
fn rhel7_ip6tables_save() {
    let Some(rs) = save("insights-core/ip6tables-save.txt") else {
        return;
    };
    assert_eq!(rs.family, Family::V6);
    assert_eq!(rs.tables.len(), 5);
    let input = rs.chain("filter", "INPUT").unwrap();
    assert_eq!(input.rules.len(), 6);
    assert!(accepts_port_22(&input.rules[4].matches));
    assert_eq!(input.rules[4].line, 53);
    let rpf = &rs.chain("raw", "PREROUTING").unwrap().rules[1];
    assert!(matches!(&rpf.matches[0], Match::Unknown { module, .. } if module == "rpfilter"));
    assert_eq!(
        rs.chain("security", "INPUT").unwrap().rules[0].target,
        Target::Jump("INPUT_direct".into())
    );
}

#[test]
fn neutron_router_namespace_save() {
    let Some(rs) = save("hotsos/sos-ip-netns-qrouter-iptables-save.txt") else {
        return;
    };
    assert_eq!(rs.tables.len(), 4);
    let snat = &rs
        .chain("nat", "neutron-l3-agent-POSTROUTING")
        .unwrap()
        .rules[0];
    assert!(snat
        .matches
        .contains(&Match::Not(Box::new(Match::ConnState(vec![CtState::Dnat])))));
    let redirect = &rs
        .chain("nat", "neutron-l3-agent-PREROUTING")
        .unwrap()
        .rules[0];
    assert!(redirect.matches.contains(&Match::InInterface(Iface {
        name: "qr-".into(),
        wildcard: true
    })));
    assert!(matches!(&redirect.target, Target::Other { name, .. } if name == "REDIRECT"));
    let metadata = &rs.chain("filter", "neutron-l3-agent-INPUT").unwrap().rules[1];
    assert_eq!(
        metadata.matches.last(),
        Some(&Match::DestPort(vec![PortRange {
            first: 9697,
            last: 9697
        }]))
    );
    assert_eq!(metadata.target, Target::Drop);
}

#[test]
fn ufw_before_rules() {
    let Some(rs) = save("ufw/etc-ufw-before.rules") else {
        return;
    };
    let input = rs.chain("filter", "ufw-before-input").unwrap();
    assert_eq!(input.rules.len(), 12);
    assert_eq!(input.rules[0].line, 21);
    // Declared in another ufw file: still a jump, not an extension target.
    assert_eq!(
        input.rules[2].target,
        Target::Jump("ufw-logging-deny".into())
    );
    let not_local = rs.chain("filter", "ufw-not-local").unwrap();
    assert_eq!(not_local.rules.len(), 5);
    assert!(matches!(
        not_local.rules[3].matches[0],
        Match::Limit {
            burst: Some(10),
            ..
        }
    ));
}

#[test]
fn kubernetes_node_listings() {
    for rel in [
        "hotsos/sos-iptables_-t_filter_-nvL.txt",
        "hotsos/sos-iptables_-vnxL.txt",
    ] {
        let Some((rs, d)) = list(rel) else {
            return;
        };
        assert!(d.is_empty(), "{rel}: {d:?}");
        let t = rs.table("filter").unwrap();
        assert_eq!(t.chains.len(), 8, "{rel}");
        assert_eq!(rule_count(&rs, "filter"), 11, "{rel}");
        let input = t.chain("INPUT").unwrap();
        assert_eq!(input.policy, Some(Verdict::Accept));
        assert_eq!(input.counters.unwrap().packets, 35398);
        assert_eq!(input.rules[0].target, Target::Jump("KUBE-NODEPORTS".into()));
        assert_eq!(input.rules[0].counters.unwrap().packets, 97531);
        assert_eq!(t.chain("KUBE-SERVICES").unwrap().references, Some(2));
        let fwd = &t.chain("KUBE-FORWARD").unwrap().rules[1];
        assert!(fwd
            .matches
            .iter()
            .any(|m| matches!(m, Match::Unknown { module, .. } if module == "mark")));
    }
}

#[test]
fn embedded_box_listing_transcript() {
    let Some((rs, d)) = list("moler/iptables-nvxL-transcript.txt") else {
        return;
    };
    assert_eq!(d.len(), 2, "{d:?}");
    assert!(d.iter().all(|d| d.level == Level::Info));
    let t = rs.table("filter").unwrap();
    assert_eq!(t.chains.len(), 14);
    let input = t.chain("INPUT").unwrap();
    assert_eq!(input.policy, Some(Verdict::Drop));
    assert_eq!(input.rules.len(), 25);
    let ssh = input.rules.last().unwrap();
    assert_eq!(ssh.line, 28);
    assert!(accepts_port_22(&ssh.matches));
    assert_eq!(ssh.target, Target::Accept);
    assert!(matches!(&input.rules[0].matches[0], Match::Unknown { module, .. } if module == "u32"));
}

fn ssh_accept(rs: &NftRuleset) -> bool {
    rs.hooked(&Hook::Input).iter().any(|(_, c)| {
        c.rules.iter().any(|r| {
            r.verdict == Some(nft::Verdict::Accept)
                && r.exprs.iter().any(|s| {
                    matches!(s, Statement::Match(m)
                        if matches!(m.selector, Selector::Dport(_))
                        && m.value == Value::Ports(PortRange { first: 22, last: 22 }))
                })
        })
    })
}

#[test]
fn nft_table_transcript() {
    let Some(text) = corpus("moler/nft-list-table-inet-filter-transcript.txt") else {
        return;
    };
    assert!(nft::sniff(&text) > 0.9);
    let mut d = Vec::new();
    let rs = nft::parse(&text, &mut d);
    no_errors("nft transcript", &d);
    assert!(d.iter().all(|d| d.level == Level::Info), "{d:?}");
    let t = rs.table(&nft::Family::Inet, "filter").unwrap();
    assert_eq!(t.chains.len(), 3);
    let input = t.chain("input").unwrap();
    assert_eq!(input.policy, Some(nft::Verdict::Drop));
    assert_eq!(input.rules.len(), 9);
    assert_eq!(input.rules[7].line, 18);
    assert!(ssh_accept(&rs));
    assert!(input.rules[6]
        .exprs
        .iter()
        .any(|s| matches!(s, Statement::Meter { limit: Some(l), .. } if l.over)));
    assert_eq!(
        t.set("blackhole").unwrap().key_type.as_deref(),
        Some("ipv4_addr")
    );
}

#[test]
fn nft_json_ruleset() {
    let Some(text) = corpus("insights-core/nft-j-list-ruleset.json") else {
        return;
    };
    assert!(nft::sniff_json(&text) > 0.9);
    let mut d = Vec::new();
    let rs = nft::parse_json(&text, &mut d);
    no_errors("nft json", &d);
    assert_eq!(rs.tables.len(), 2);
    let svc = rs.table(&nft::Family::Ip, "nftables_svc").unwrap();
    let input = svc.chain("INPUT").unwrap();
    assert_eq!(input.rules.len(), 3);
    assert_eq!(input.rules[2].verdict, Some(nft::Verdict::Reject(None)));
    assert!(input.rules[0].text.starts_with("nftables[8]: "));
    assert!(ssh_accept(&rs));
    let map = rs
        .table(&nft::Family::Ip, "example_table")
        .unwrap()
        .set("example_map")
        .unwrap();
    assert_eq!(map.elements.len(), 3);
    assert_eq!(map.elements[1].data.as_deref(), Some("drop"));
}
