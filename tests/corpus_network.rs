//! Runs the socket-table parser over the real `ss` and `netstat` captures in the shared
//! corpora: they must read them without an error diagnostic, account for every row, and
//! extract the listeners a person sees in them.

mod common;
use common::{no_errors, read};

use std::net::IpAddr;

use rootline::model::{Diagnostic, Level};
use rootline::parse::listeners::{self, Family, Proto, SocketTable, State};

fn no_warnings(name: &str, diags: &[Diagnostic]) {
    let warnings: Vec<_> = diags.iter().filter(|d| d.level >= Level::Warning).collect();
    assert!(warnings.is_empty(), "{name}: {warnings:?}");
}

fn ip(s: &str) -> Option<IpAddr> {
    s.parse().ok()
}

#[test]
fn insights_ss_tulpn() {
    let Some(text) = read("insights-core/ss-tulpn.txt") else {
        return;
    };
    let mut d = Vec::new();
    let s = listeners::parse(&text, &mut d);
    no_errors("ss-tulpn", &d);
    no_warnings("ss-tulpn", &d);
    assert_eq!(s.len(), 13, "one socket per row after the header");

    let p22 = s.listening_on(22);
    assert_eq!(p22.len(), 1);
    assert_eq!(p22[0].line, 14);
    assert!(p22[0].is_wildcard());
    // The older users:(("sshd",1231,3)) form.
    assert_eq!(p22[0].processes[0].name, "sshd");
    assert_eq!(p22[0].processes[0].pid, Some(1231));
    assert_eq!(p22[0].processes[0].fd, Some(3));

    let p2223 = s.listening_on(2223);
    assert_eq!(p2223.len(), 1);
    assert_eq!(p2223[0].line, 13);
    assert_eq!(p2223[0].local.family, Some(Family::V6));
    assert_eq!(p2223[0].processes[0].pid, Some(1416));

    let vnc = s.listening_on(5900);
    assert_eq!(vnc[0].local.addr, ip("10.72.32.206"));
    assert!(vnc[0].held_by("qemu-kvm"));
    assert!(s
        .iter()
        .filter(|x| x.proto == Proto::Udp)
        .all(|x| x.state == Some(State::Unconnected)));
    assert_eq!(s[3].peer.port, Some(12345));
}

#[test]
fn insights_ss_tupna() {
    let Some(text) = read("insights-core/ss-tupna.txt") else {
        return;
    };
    let mut d = Vec::new();
    let s = listeners::parse(&text, &mut d);
    no_errors("ss-tupna", &d);
    no_warnings("ss-tupna", &d);
    assert_eq!(s.len(), 8);
    let rpc = s.listening_on(111);
    assert_eq!(rpc.len(), 1);
    assert_eq!(rpc[0].processes.len(), 2);
    assert_eq!(rpc[0].processes[1].pid, Some(1));
    let estab: Vec<_> = s
        .iter()
        .filter(|x| x.state == Some(State::Established))
        .collect();
    assert_eq!(estab.len(), 2);
    assert_eq!(estab[0].peer.addr, ip("104.74.50.85"));
    assert_eq!(estab[0].peer.port, Some(443));
    assert_eq!(s[7].state, Some(State::TimeWait));
    assert_eq!(s[7].line, 9);
}

#[test]
fn insights_netstat_neopa() {
    let Some(text) = read("insights-core/netstat-neopa.txt") else {
        return;
    };
    let mut d = Vec::new();
    let s = listeners::parse(&text, &mut d);
    no_errors("netstat-neopa", &d);
    no_warnings("netstat-neopa", &d);
    assert_eq!(s.len(), 6);
    let section: Vec<_> = d.iter().filter(|x| x.level == Level::Info).collect();
    assert_eq!(section.len(), 1, "the UNIX section is noted once: {d:?}");
    assert_eq!(section[0].line, Some(9));
    let qpid = s.listening_on(5672);
    assert!(qpid[0].is_wildcard());
    assert_eq!(qpid[0].processes[0].pid, Some(1279));
    let rac = s.listening_on(53644);
    assert_eq!(rac[0].processes[0].name, "Passenger Rac");
    assert_eq!(s[5].state, Some(State::SynRecv));
    assert!(s[5].processes.is_empty());
}

#[test]
fn hotsos_netstat_wide() {
    let Some(text) = read("hotsos/sos-netstat_-W_-neopa.txt") else {
        return;
    };
    let mut d = Vec::new();
    let s = listeners::parse(&text, &mut d);
    no_errors("netstat -W -neopa", &d);
    no_warnings("netstat -W -neopa", &d);
    let infos = d.iter().filter(|x| x.level == Level::Info).count();
    assert_eq!(infos, 1, "{d:?}");
    let ssh = s.listening_on(22);
    assert_eq!(ssh.len(), 2);
    assert_eq!(ssh[0].line, 8);
    assert_eq!(ssh[0].local.family, Some(Family::V4));
    assert_eq!(ssh[1].proto, Proto::Tcp6);
    assert!(ssh
        .iter()
        .all(|x| x.held_by("sshd") && x.processes[0].pid == Some(328)));
    let resolver = s
        .iter()
        .find(|x| x.proto == Proto::Udp && x.local.port == Some(53));
    assert_eq!(resolver.map(|x| x.state.clone()), Some(None));
    assert!(
        s.iter()
            .filter(|x| x.state == Some(State::TimeWait))
            .count()
            > 30
    );
    assert!(s.iter().all(|x| x.proto != Proto::Unix));
}

#[test]
fn moler_plain_ss_transcript() {
    let Some(text) = read("moler/ss-transcript.txt") else {
        return;
    };
    let mut d = Vec::new();
    let s = listeners::parse(&text, &mut d);
    no_errors("ss transcript", &d);
    no_warnings("ss transcript", &d);
    let prompts: Vec<_> = d.iter().map(|x| x.line).collect();
    assert_eq!(prompts, vec![Some(1), Some(18)]);
    assert_eq!(s.len(), 15);
    assert_eq!(s.iter().filter(|x| x.proto == Proto::Unix).count(), 4);
    let gpsd = s
        .iter()
        .find(|x| x.local.service.as_deref() == Some("gpsd"));
    assert_eq!(gpsd.and_then(|x| x.local.port), Some(2947));
    let mapped = s.iter().find(|x| x.line == 11).expect("row 11");
    assert_eq!(mapped.local.addr, ip("::ffff:192.168.253.16"));
    assert_eq!(mapped.local.port, Some(54930));
    let assoc = s.iter().find(|x| x.line == 13).expect("association row");
    assert_eq!(assoc.local.scope.as_deref(), Some("etha01"));
    assert_eq!(assoc.proto, Proto::Other("sctp".to_owned()));
    assert_eq!(s.listeners().count(), 2);
}
