//! Runs the system-state parsers over the real captures in the shared corpora: they must
//! read them without an error diagnostic and extract the values a person sees in them.

mod common;
use common::{no_errors, read};

use rootline::model::{Level, RecordTime};
use rootline::parse::{clock, listing, systemctl};

#[test]
fn hotsos_status_all() {
    let Some(text) = read("hotsos/sos-systemctl_status_--all-ubuntu20.04.txt") else {
        return;
    };
    let mut d = Vec::new();
    let r = systemctl::parse_status(&text, &mut d);
    no_errors("status --all", &d);
    assert!(
        d.iter().all(|x| x.level != Level::Info),
        "every line is used"
    );
    let host = r.host.as_ref().expect("host stanza");
    assert_eq!(host.name, "juju-110cc2-k8stest-4");
    assert_eq!(
        (host.state.as_deref(), host.failed_units),
        (Some("running"), Some(0))
    );
    assert!(r.units.len() > 370, "{}", r.units.len());
    let ssh = r.unit("ssh.service").expect("ssh.service stanza");
    let active = ssh.active.as_ref().unwrap();
    assert_eq!(active.state, systemctl::ActiveKind::Active);
    assert_eq!(active.sub.as_deref(), Some("running"));
    assert!(matches!(active.since, Some(RecordTime::Utc(_))));
    assert_eq!(ssh.main_pid.as_ref().unwrap().pid, 855);
    assert!(
        ssh.journal_tail
            .iter()
            .any(|(_, l)| l
                .starts_with("Feb 11 19:20:05 juju-110cc2-k8stest-4 sshd[92812]: pam_unix"))
    );
    let mount = r
        .unit("sys-kernel-config.mount")
        .expect("spliced header rejoined");
    assert_eq!(
        mount.description.as_deref(),
        Some("Kernel Configuration File System")
    );
    let multipath = r.unit("multipathd.service").unwrap();
    assert!(multipath.active.as_ref().unwrap().since.is_some());
    assert!(r.not_found.iter().any(|n| n.unit == "sshd-keygen.service"));
    assert!(d
        .iter()
        .any(|x| x.level == Level::Warning && x.line == Some(2345)));
}

#[test]
fn ssh_stanzas() {
    for rel in [
        "hotsos/systemctl-status-ssh.service-excerpt.txt",
        "moler/systemctl-status-ssh.service-debian-transcript.txt",
        "insights-core/systemctl-status-all.txt",
    ] {
        let Some(text) = read(rel) else { return };
        let mut d = Vec::new();
        let r = systemctl::parse_status(&text, &mut d);
        no_errors(rel, &d);
        assert!(!r.units.is_empty(), "{rel}");
    }
    let mut d = Vec::new();
    let text = read("moler/systemctl-status-ssh.service-debian-transcript.txt").unwrap();
    let u = &systemctl::parse(&text, &mut d)[0];
    assert_eq!(u.main_pid.as_ref().unwrap().pid, 2544);
    assert_eq!(u.processes.len(), 3);
    assert_eq!(
        u.active.as_ref().unwrap().zone_abbrev.as_deref(),
        Some("CEST")
    );
    assert_eq!(u.journal_tail.len(), 3);
    let text = read("hotsos/systemctl-status-ssh.service-excerpt.txt").unwrap();
    let u = &systemctl::parse(&text, &mut d)[0];
    assert_eq!(u.main_pid.as_ref().unwrap().pid, 855);
    assert_eq!(u.journal_tail.len(), 10);
    let text = read("insights-core/systemctl-status-all.txt").unwrap();
    let r = systemctl::parse_status(&text, &mut d);
    assert_eq!(r.host.as_ref().unwrap().failed_units, Some(2));
    assert_eq!(r.units[0].name, "proc-sys-fs-binfmt_misc.automount");
}

#[test]
fn show_and_list_units() {
    let Some(text) = read("insights-core/systemctl-show-all.txt") else {
        return;
    };
    let mut d = Vec::new();
    let units = systemctl::parse_show(&text, &mut d);
    no_errors("show", &d);
    let tuned = units
        .iter()
        .find(|u| u.id() == Some("tuned.service"))
        .unwrap();
    assert_eq!(tuned.active_state(), Some(systemctl::ActiveKind::Active));
    assert_eq!(tuned.sub_state(), Some("running"));
    let (_, zone) = tuned.timestamp("ActiveEnterTimestamp").unwrap();
    assert_eq!(zone.as_deref(), Some("EST"));
    let text = read("hotsos/sos-systemctl_list-units_--failed.txt").unwrap();
    let rows = systemctl::parse_list_units(&text, &mut d);
    no_errors("list-units", &d);
    assert!(rows.is_empty());
}

#[test]
fn var_log_listing() {
    let Some(text) = read("hotsos/sos-ls_-alRh_.var.log.txt") else {
        return;
    };
    let mut d = Vec::new();
    let l = listing::parse_ls(&text, &mut d);
    assert!(d.is_empty(), "{d:?}");
    let lines = text.lines().count();
    let skipped = text
        .lines()
        .filter(|l| l.trim().is_empty() || l.starts_with("total ") || l.ends_with(':'))
        .count();
    assert_eq!(l.entries.len(), lines - skipped);
    let auth = l.find("/var/log/auth.log").unwrap();
    assert_eq!(
        (auth.owner.as_str(), auth.group.as_deref(), auth.perm),
        ("syslog", Some("adm"), 0o640)
    );
    let journal = l.find("/var/log/journal").unwrap();
    assert_eq!(journal.marker, Some(listing::AttrMarker::Acl));
    assert_eq!(journal.perm, 0o2755);
    assert_eq!(
        l.find("/var/log/syslog").unwrap().size_text.as_deref(),
        Some("11M")
    );
}

#[test]
fn clock_files() {
    let Some(text) = read("hotsos/sos-date.txt") else {
        return;
    };
    let mut d = Vec::new();
    let ct = clock::parse_date(&text, &mut d).unwrap();
    assert_eq!(ct.utc().unwrap().to_rfc3339(), "2022-02-11T19:23:39+00:00");
    let up = clock::parse_uptime(&read("hotsos/sos-uptime.txt").unwrap(), &mut d).unwrap();
    assert_eq!((up.up.num_minutes(), up.users), (25, Some(1)));
    assert_eq!(up.load, [0.83, 0.73, 0.76]);
    let h =
        clock::parse_hostname(&read("hotsos/sos-hostnamectl_status.txt").unwrap(), &mut d).unwrap();
    assert_eq!(h.name, "juju-110cc2-k8stest-4");
    assert!(d.is_empty(), "{d:?}");
}
