//! `rootline firewall` as a user runs it on every firewall flavour: the verdict, the rule
//! that decided it and the path, for rules that accept SSH only from a subnet, rate limits
//! (ufw limit, nft meters) and fail2ban's chains and sets.

mod common;

use common::rootline;

/// The text output of a run that must succeed.
fn firewall(bundle: &str, from: &str) -> String {
    let out = rootline(&["firewall", bundle, "--from", from]);
    assert!(
        out.status.success(),
        "{bundle}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn ufw_allows_ssh_only_from_the_lan() {
    insta::assert_snapshot!(firewall("samples/firewall-blocks-ssh-ufw", "198.51.100.23"));
}

#[test]
fn ufw_lets_the_lan_in() {
    let out = firewall("samples/firewall-blocks-ssh-ufw", "10.2.3.4");
    assert!(out.starts_with("New TCP connection from 10.2.3.4 to port 22"));
    assert!(out.contains("Verdict: ACCEPT"), "{out}");
}

#[test]
fn ufw_limit_accepts_under_the_rate_and_rejects_over_it() {
    insta::assert_snapshot!(firewall(
        "tests/fixtures/firewall/ufw-limit",
        "198.51.100.23"
    ));
}

#[test]
fn firewalld_zone_without_the_ssh_service() {
    insta::assert_snapshot!(firewall(
        "samples/firewall-blocks-ssh-firewalld.tar.xz",
        "203.0.113.77"
    ));
}

#[test]
fn firewalld_rich_rule_admits_its_subnet() {
    let out = firewall("samples/firewall-blocks-ssh-firewalld.tar.xz", "10.30.0.9");
    assert!(out.contains("Verdict: ACCEPT"), "{out}");
    assert!(out.contains("source address=\"10.30.0.0/24\""), "{out}");
}

#[test]
fn iptables_policy_drop_with_a_subnet_rule() {
    insta::assert_snapshot!(firewall(
        "samples/firewall-blocks-ssh-iptables.zip",
        "198.51.100.23"
    ));
}

#[test]
fn iptables_without_a_client_depends_on_the_source() {
    let out = rootline(&["firewall", "samples/firewall-blocks-ssh-iptables.zip"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Verdict: DEPENDS"), "{text}");
    assert!(text.contains("if the client is in 172.16.0.0/12"), "{text}");
}

#[test]
fn iptables_fail2ban_chain_rejects_the_banned_address() {
    insta::assert_snapshot!(firewall("samples/ip-banned", "198.51.100.40"));
}

#[test]
fn iptables_fail2ban_ipset_membership_from_the_ban_log() {
    insta::assert_snapshot!(firewall(
        "tests/fixtures/firewall/iptables-ipset-fail2ban",
        "198.51.100.40"
    ));
    let unbanned = firewall(
        "tests/fixtures/firewall/iptables-ipset-fail2ban",
        "192.0.2.77",
    );
    assert!(unbanned.contains("Verdict: DEPENDS"), "{unbanned}");
    assert!(
        unbanned.contains("unless 192.0.2.77 is in ipset f2b-sshd"),
        "{unbanned}"
    );
}

#[test]
fn nftables_policy_drop_with_a_subnet_rule() {
    insta::assert_snapshot!(firewall("samples/firewall-blocks-ssh-nft", "198.51.100.77"));
}

#[test]
fn nftables_meter_and_fail2ban_set() {
    insta::assert_snapshot!(firewall(
        "tests/fixtures/firewall/nft-meter-fail2ban",
        "192.0.2.50"
    ));
    let banned = firewall(
        "tests/fixtures/firewall/nft-meter-fail2ban",
        "198.51.100.40",
    );
    assert!(
        banned.contains("Verdict: BLOCKED: REJECT by nftables"),
        "{banned}"
    );
    assert!(
        banned.contains("line 29: tcp dport 22 ip saddr @addr-set-sshd reject"),
        "{banned}"
    );
}

#[test]
fn json_output_names_the_deciding_rule() {
    let out = rootline(&[
        "firewall",
        "samples/firewall-blocks-ssh-nft",
        "--from",
        "198.51.100.77",
        "--format",
        "json",
    ]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["overall"], "blocked");
    assert_eq!(v["port"], 22);
    let verdict = &v["verdicts"][0];
    assert_eq!(verdict["firewall"], "nftables");
    let outcome = &verdict["outcomes"][0];
    assert_eq!(outcome["decision"], "drop");
    assert_eq!(outcome["decided_by"]["path"], "nft-ruleset.txt");
    assert_eq!(outcome["decided_by"]["line"], 3);
    assert_eq!(verdict["near_misses"][0]["line"], 9);
}

#[test]
fn a_bundle_without_a_ruleset_exits_two_and_says_why() {
    let out = rootline(&["firewall", "samples/wrong-password", "--from", "192.0.2.1"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no firewall ruleset"), "{err}");
}

#[test]
fn iptables_ipset_membership_from_ipset_list() {
    let bundle = "tests/fixtures/firewall/iptables-ipset-list";
    let outside = firewall(bundle, "192.0.2.77");
    assert!(outside.contains("Verdict: ACCEPT"), "{outside}");
    assert!(
        !outside.contains("assuming"),
        "decided, not assumed: {outside}"
    );
    let banned = firewall(bundle, "203.0.113.61");
    assert!(
        banned.contains("Verdict: BLOCKED: REJECT by iptables"),
        "{banned}"
    );
    assert!(
        banned.contains("line 6: -A INPUT -p tcp -m multiport --dports 22 -m set"),
        "{banned}"
    );
}
