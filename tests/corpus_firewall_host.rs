//! Runs the ufw and firewalld parsers over the real captures in the shared corpora: they
//! must read them without an error diagnostic and extract the values a person sees there.

mod common;
use common::{corpora, read};

use rootline::model::{Diagnostic, Level};
use rootline::parse::firewall::firewalld::{self, Opening, RichAction, ServiceTable, ZoneTarget};
use rootline::parse::firewall::ufw::{
    self, Action, AppProfiles, At, Direction, LogLevel, Match, Policy, PortRange, PortSpec, Proto,
};

/// No error, and no warning either: every line of these captures is understood.
fn clean(name: &str, diags: &[Diagnostic]) {
    let bad: Vec<_> = diags.iter().filter(|d| d.level >= Level::Warning).collect();
    assert!(bad.is_empty(), "{name}: {bad:?}");
}

#[test]
fn ufw_status_layouts() {
    let files = [
        ("ufw/ufw-status.txt", 17, Direction::In),
        ("ufw/ufw-status-numbered.txt", 17, Direction::In),
        ("ufw/ufw-status-route-rules.txt", 17, Direction::Fwd),
        ("ufw/ufw-status-verbose-app-profiles.txt", 29, Direction::In),
        ("ufw/ufw-status-verbose-no-rules.txt", 0, Direction::In),
    ];
    for (rel, count, dir) in files {
        let Some(text) = read(rel) else { return };
        assert!(ufw::sniff(&text) > 0.8, "{rel}");
        let mut d = Vec::new();
        let s = ufw::parse_status(&text, &mut d);
        clean(rel, &d);
        assert!(s.active && s.status_line == Some(1), "{rel}");
        assert_eq!(s.rules.len(), count, "{rel}");
        assert!(s.rules.iter().all(|r| r.direction == dir), "{rel}");
    }
}

#[test]
fn ufw_numbered_values() {
    let Some(text) = read("ufw/ufw-status-numbered.txt") else {
        return;
    };
    let mut d = Vec::new();
    let s = ufw::parse_status(&text, &mut d);
    let r = &s.rules[4];
    assert_eq!((r.number, r.line, r.action), (Some(5), 9, Action::Deny));
    assert_eq!(r.to.addr.as_ref().unwrap().text, "192.168.0.1");
    assert_eq!(r.to.ports, PortSpec::List(vec![PortRange::single(25)]));
    assert_eq!(r.to.proto, Some(Proto::Tcp));
    assert_eq!(r.from.addr.as_ref().unwrap().text, "10.0.0.0/8");
    assert_eq!(s.rules[10].action, Action::Limit);
    let last = &s.rules[16];
    assert_eq!((last.number, last.line, last.v6), (Some(17), 21, true));
    assert_eq!(last.from.ports, PortSpec::List(vec![PortRange::single(26)]));
    assert!(s.rules[11].v6 && s.rules[11].from.addr.is_none());
    // `Anywhere ALLOW IN 10.0.0.0/8` admits ssh from the LAN only.
    let p = AppProfiles::default();
    let lan = "10.1.2.3".parse().ok();
    let wan = "198.51.100.1".parse().ok();
    assert_eq!(s.rules[5].matches_tcp_in(22, lan, &p), Match::Yes);
    assert_eq!(s.rules[5].matches_tcp_in(22, wan, &p), Match::No);
}

#[test]
fn ufw_verbose_values() {
    let Some(text) = read("ufw/ufw-status-verbose-app-profiles.txt") else {
        return;
    };
    let mut d = Vec::new();
    let s = ufw::parse_status(&text, &mut d);
    assert_eq!(s.logging, Some(At::new(LogLevel::Low, 2)));
    assert_eq!(s.default_incoming, Some(At::new(Policy::Deny, 3)));
    assert_eq!(s.default_outgoing, Some(At::new(Policy::Allow, 3)));
    assert_eq!(s.default_routed, Some(At::new(Policy::Disabled, 3)));
    assert_eq!(s.new_profiles, Some(At::new(Policy::Skip, 4)));
    let r = &s.rules[0];
    assert_eq!((r.line, r.to.app.as_deref()), (8, Some("Apache")));
    let r = &s.rules[5];
    assert_eq!((r.line, r.from.app.as_deref()), (13, Some("Bind9")));
    assert_eq!(r.from.proto, Some(Proto::Udp));
    let r = &s.rules[28];
    assert_eq!(r.to.addr.as_ref().unwrap().text, "2001:db8::/32");
    assert_eq!(r.from.ports, PortSpec::List(vec![PortRange::single(88)]));
    assert!(r.v6);
}

#[test]
fn ufw_inactive_and_app_list() {
    let Some(text) = read("hotsos/sos-ufw_status_numbered-inactive.txt") else {
        return;
    };
    let mut d = Vec::new();
    let s = ufw::parse_status(&text, &mut d);
    clean("inactive", &d);
    assert!(!s.active && s.status_line == Some(1));
    let Some(text) = read("hotsos/sos-ufw_app_list.txt") else {
        return;
    };
    let mut d = Vec::new();
    let apps = ufw::parse_app_list(&text, &mut d);
    clean("app list", &d);
    assert_eq!(apps, [At::new("OpenSSH".to_owned(), 2)]);
}

#[test]
fn ufw_files() {
    // before.rules opens with a comment block, so its `*filter` is on line 12.
    for (rel, first) in [
        ("ufw/etc-ufw-user.rules", 1),
        ("hotsos/etc-ufw-user.rules-ubuntu20.04.txt", 1),
        ("ufw/etc-ufw-before.rules", 12),
    ] {
        let Some(text) = read(rel) else { return };
        let mut d = Vec::new();
        let u = ufw::parse_user_rules(&text, &mut d);
        clean(rel, &d);
        assert!(u.rules.is_empty() && !u.v6, "{rel}");
        assert_eq!(
            u.iptables_lines[0],
            At::new("*filter".to_owned(), first),
            "{rel}"
        );
        assert_eq!(u.iptables_lines.last().unwrap().value, "COMMIT", "{rel}");
    }
    for rel in [
        "ufw/etc-default-ufw.txt",
        "hotsos/etc-default-ufw-ubuntu20.04.txt",
    ] {
        let Some(text) = read(rel) else { return };
        assert!(ufw::sniff_default(&text) > 0.8, "{rel}");
        let mut d = Vec::new();
        let c = ufw::parse_conf(&text, &mut d);
        clean(rel, &d);
        assert_eq!(c.ipv6, Some(At::new(true, 7)), "{rel}");
        assert_eq!(c.default_input, Some(At::new(Policy::Deny, 11)), "{rel}");
        assert_eq!(c.default_output.map(|p| p.value), Some(Policy::Allow));
        assert_eq!(c.default_application.map(|p| p.value), Some(Policy::Skip));
    }
    for rel in [
        "ufw/etc-ufw-ufw.conf",
        "hotsos/etc-ufw-ufw.conf-ubuntu20.04.txt",
    ] {
        let Some(text) = read(rel) else { return };
        let mut d = Vec::new();
        let c = ufw::parse_conf(&text, &mut d);
        clean(rel, &d);
        assert_eq!(c.enabled, Some(At::new(false, 6)), "{rel}");
        assert_eq!(c.loglevel, Some(At::new(LogLevel::Low, 10)), "{rel}");
    }
    let Some(text) = read("hotsos/etc-ufw-applications.d-openssh-server.txt") else {
        return;
    };
    assert!(ufw::sniff_app_profile(&text) > 0.8);
    let mut d = Vec::new();
    let p = ufw::parse_app_profiles(&text, &mut d);
    clean("openssh-server profile", &d);
    assert_eq!((p[0].name.as_str(), p[0].ports_line), ("OpenSSH", Some(4)));
    assert!(p[0].ports[0].covers_tcp(22));
}

#[test]
fn firewalld_list_all_zones() {
    let Some(text) = read("insights-core/firewall-cmd-list-all-zones.txt") else {
        return;
    };
    assert!(firewalld::sniff(&text) > 0.8);
    let mut d = Vec::new();
    let s = firewalld::parse_list(&text, &mut d);
    clean("list-all-zones", &d);
    assert!(s.running);
    let names: Vec<_> = s.zones.iter().map(|z| z.name.as_str()).collect();
    assert_eq!(names, ["block", "dmz", "public", "trusted"]);
    assert_eq!(
        s.zones[0].settings.target.as_ref().map(|t| t.value),
        Some(ZoneTarget::Reject)
    );
    let z = s.default_zone().unwrap();
    assert!(z.active && z.complete && z.line == 31);
    assert_eq!(z.interfaces, [At::new("eno1".to_owned(), 34)]);
    let svc = ServiceTable::default();
    let open = z.opening_for_tcp(22, &svc);
    assert_eq!(open, Some(Opening::Service(At::new("ssh".to_owned(), 36))));
    let fwd: Vec<_> = z.settings.forward_ports.iter().map(|f| f.line).collect();
    assert_eq!(fwd, [40, 41, 42]);
    assert_eq!(
        z.settings.forward_ports[2].value.to_addr.as_deref(),
        Some("10.72.47.45")
    );
    let rr = &z.settings.rich_rules;
    assert_eq!(
        rr.iter().map(|r| r.line).collect::<Vec<_>>(),
        [46, 47, 48, 49]
    );
    assert_eq!(rr[0].action, Some(RichAction::Accept));
    assert!(rr[0].destination.is_some());
    assert_eq!(rr[2].action, Some(RichAction::Reject(None)));
    let lan = "192.168.0.99".parse().ok();
    assert_eq!(rr[2].matches_tcp(22, lan, &svc), Match::Yes);
    let trusted = s.zone("trusted").unwrap();
    assert_eq!(
        trusted.settings.target.as_ref().map(|t| t.value),
        Some(ZoneTarget::Accept)
    );
    assert_eq!(
        trusted.settings.icmp_block_inversion,
        Some(At::new(true, 54))
    );
}

#[test]
fn firewalld_not_running() {
    let Some(text) = read("insights-core/firewall-cmd-not-running.txt") else {
        return;
    };
    assert!(firewalld::sniff(&text) > 0.8);
    let mut d = Vec::new();
    let s = firewalld::parse_list(&text, &mut d);
    clean("not running", &d);
    assert!(!s.running && s.running_line == Some(1) && s.zones.is_empty());
}

/// Every parser on every corpus file, whatever its kind: nothing may panic, and unrelated
/// files must not be sniffed as firewall dumps with confidence.
#[test]
fn no_panic_on_any_corpus_file() {
    let Some(root) = corpora() else { return };
    let Ok(dirs) = std::fs::read_dir(&root) else {
        return;
    };
    for dir in dirs.flatten().filter(|d| d.path().is_dir()) {
        for file in std::fs::read_dir(dir.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let Ok(bytes) = std::fs::read(file.path()) else {
                continue;
            };
            let text = String::from_utf8_lossy(&bytes);
            let mut d = Vec::new();
            ufw::parse_status(&text, &mut d);
            ufw::parse_user_rules(&text, &mut d);
            ufw::parse_conf(&text, &mut d);
            ufw::parse_app_profiles(&text, &mut d);
            firewalld::parse_list(&text, &mut d);
            firewalld::parse_zone_xml("z", &text, &mut d);
            firewalld::parse_service_xml("s", &text, &mut d);
            firewalld::parse_conf(&text, &mut d);
            let name = file.file_name().to_string_lossy().into_owned();
            let firewall = name.contains("ufw") || name.contains("firewall-cmd");
            if !firewall {
                let head: String = text.chars().take(4096).collect();
                assert!(ufw::sniff(&head) < 0.5, "{name}");
                assert!(firewalld::sniff(&head) < 0.5, "{name}");
                assert!(firewalld::sniff_zone_xml(&head) < 0.5, "{name}");
            }
        }
    }
}
