//! Effective-configuration tests on realistic layouts: Ubuntu drop-ins, Match blocks,
//! access lists, and `sshd -T` output.

use super::*;
use crate::model::Diagnostic;
use crate::parse::sshd_config::{load, parse_sshd_t, MemoryFiles};

const MAIN: &str = "/etc/ssh/sshd_config";

fn ubuntu_files() -> MemoryFiles {
    MemoryFiles::new()
        .with(
            MAIN,
            "etc/ssh/sshd_config",
            "# site config\n\
             Include /etc/ssh/sshd_config.d/*.conf\n\
             \n\
             Port 22\n\
             PermitRootLogin yes\n\
             PasswordAuthentication yes\n\
             KbdInteractiveAuthentication no\n\
             UsePAM yes\n\
             Subsystem sftp /usr/lib/openssh/sftp-server\n\
             \n\
             Match Address 192.0.2.0/24,!192.0.2.7\n\
             \tPasswordAuthentication yes\n\
             Match User deploy\n\
             \tPermitRootLogin no\n\
             \tAuthorizedKeysFile /etc/ssh/keys/%u\n",
        )
        .with(
            "/etc/ssh/sshd_config.d/50-cloud-init.conf",
            "etc/ssh/sshd_config.d/50-cloud-init.conf",
            "PasswordAuthentication no\r\n",
        )
        .with(
            "/etc/ssh/sshd_config.d/60-hardening.conf",
            "etc/ssh/sshd_config.d/60-hardening.conf",
            "PermitRootLogin prohibit-password\nPort 2222\nMaxAuthTries 3\n",
        )
}

fn load_ubuntu() -> SshdConfig {
    let mut diags = Vec::new();
    let config = load(&ubuntu_files(), MAIN, &mut diags).expect("main file present");
    assert!(diags.is_empty(), "{diags:?}");
    config
}

fn line_of(origin: &Origin) -> (String, usize) {
    let loc = origin.location().expect("origin is a line");
    (loc.path.to_string(), loc.line)
}

#[test]
fn drop_in_included_first_wins_over_later_main_line() {
    let eff = load_ubuntu().effective(&MatchContext::default());
    let (value, origin) = eff.password_authentication();
    assert!(!value);
    assert_eq!(
        line_of(origin),
        ("etc/ssh/sshd_config.d/50-cloud-init.conf".into(), 1)
    );
    let setting = eff.get("PasswordAuthentication").unwrap();
    assert_eq!(setting.overridden.len(), 1);
    assert_eq!(
        line_of(&setting.overridden[0]),
        ("etc/ssh/sshd_config".into(), 6)
    );
    assert_eq!(
        setting.origin(),
        &Origin::Line {
            location: Location::new("etc/ssh/sshd_config.d/50-cloud-init.conf", 1),
            text: "PasswordAuthentication no".into()
        }
    );
}

#[test]
fn ports_accumulate_in_include_order() {
    let eff = load_ubuntu().effective(&MatchContext::default());
    let ports: Vec<(u16, (String, usize))> =
        eff.ports().iter().map(|(p, o)| (*p, line_of(o))).collect();
    assert_eq!(
        ports,
        vec![
            (2222, ("etc/ssh/sshd_config.d/60-hardening.conf".into(), 2)),
            (22, ("etc/ssh/sshd_config".into(), 4)),
        ]
    );
}

#[test]
fn match_address_block_overrides_global_value() {
    let config = load_ubuntu();
    let inside = MatchContext {
        user: Some("alice".into()),
        addr: "192.0.2.40".parse().ok(),
        ..Default::default()
    };
    let eff = config.effective(&inside);
    let (value, origin) = eff.password_authentication();
    assert!(value);
    assert_eq!(line_of(origin), ("etc/ssh/sshd_config".into(), 12));
    assert!(eff.undecided().is_empty());

    // The negated address and addresses outside the subnet keep the drop-in value.
    for addr in ["192.0.2.7", "198.51.100.1"] {
        let ctx = MatchContext {
            user: Some("alice".into()),
            addr: addr.parse().ok(),
            ..Default::default()
        };
        assert!(
            !config.effective(&ctx).password_authentication().0,
            "{addr}"
        );
    }
}

#[test]
fn match_user_block_and_permit_root_login_variants() {
    let config = load_ubuntu();
    let deploy = MatchContext {
        user: Some("deploy".into()),
        addr: "203.0.113.9".parse().ok(),
        ..Default::default()
    };
    let eff = config.effective(&deploy);
    assert_eq!(eff.permit_root_login().0, PermitRootLogin::No);
    assert_eq!(line_of(eff.permit_root_login().1).1, 14);
    assert_eq!(
        eff.get("authorizedkeysfile").unwrap().values,
        vec!["/etc/ssh/keys/%u"]
    );
    let other = config.effective(&MatchContext {
        user: Some("alice".into()),
        addr: "203.0.113.9".parse().ok(),
        ..Default::default()
    });
    let (prl, origin) = other.permit_root_login();
    assert_eq!(prl, PermitRootLogin::ProhibitPassword);
    assert_eq!(line_of(origin).0, "etc/ssh/sshd_config.d/60-hardening.conf");
    assert_eq!(other.max_auth_tries().0, 3);
    for (text, expected) in [
        ("yes", PermitRootLogin::Yes),
        ("without-password", PermitRootLogin::ProhibitPassword),
        ("forced-commands-only", PermitRootLogin::ForcedCommandsOnly),
        ("NO", PermitRootLogin::No),
    ] {
        assert_eq!(PermitRootLogin::parse(text), Some(expected), "{text}");
    }
}

#[test]
fn match_without_user_is_recorded_as_undecided() {
    let config = load_ubuntu();
    let eff = config.effective(&MatchContext {
        addr: "198.51.100.1".parse().ok(),
        ..Default::default()
    });
    let undecided = eff.undecided();
    assert_eq!(undecided.len(), 1);
    assert_eq!(undecided[0].criterion, "User");
    assert_eq!(undecided[0].location.line, 13);
    // The block did not apply.
    assert_eq!(eff.permit_root_login().0, PermitRootLogin::ProhibitPassword);
}

#[test]
fn defaults_when_nothing_is_set() {
    let mut diags = Vec::new();
    let config = crate::parse::sshd_config::parse_text("sshd_config", "# empty\n", &mut diags);
    let eff = config.effective(&MatchContext::default());
    assert_eq!(eff.ports(), vec![(22, Origin::Default)]);
    assert_eq!(eff.password_authentication(), (true, &Origin::Default));
    assert_eq!(eff.pubkey_authentication(), (true, &Origin::Default));
    assert!(eff.kbd_interactive_authentication().0);
    assert!(eff.strict_modes().0);
    assert_eq!(eff.use_pam(), (false, &Origin::Default));
    assert_eq!(
        eff.permit_root_login(),
        (PermitRootLogin::ProhibitPassword, &Origin::Default)
    );
    assert_eq!(eff.max_auth_tries().0, 6);
    assert_eq!(eff.login_grace_time().0, 120);
    assert_eq!(
        eff.max_startups().0,
        MaxStartups {
            start: 10,
            rate: 30,
            full: 100
        }
    );
    assert_eq!(
        eff.get("authorizedkeysfile").unwrap().values,
        vec![".ssh/authorized_keys", ".ssh/authorized_keys2"]
    );
    let first: Vec<&str> = eff.iter().take(3).map(|s| s.keyword).collect();
    assert_eq!(first, vec!["port", "addressfamily", "listenaddress"]);
    assert_eq!(
        eff.user_access("anyone", &[], None, None),
        UserAccess::Allowed
    );
}

fn access_config(text: &str) -> EffectiveConfig {
    let mut diags = Vec::new();
    let config = crate::parse::sshd_config::parse_text("etc/ssh/sshd_config", text, &mut diags);
    assert!(config.problems().is_empty(), "{:?}", config.problems());
    config.effective(&MatchContext::default())
}

#[test]
fn allow_users_with_cidr_host_part() {
    let eff = access_config("AllowUsers alice@192.0.2.0/24 bob\nAllowUsers carol\n");
    let from = |ip: &str| ip.parse::<IpAddr>().ok();
    assert_eq!(
        eff.user_access("alice", &[], None, from("192.0.2.55")),
        UserAccess::Allowed
    );
    assert_eq!(
        eff.user_access("carol", &[], None, from("203.0.113.1")),
        UserAccess::Allowed
    );
    match eff.user_access("alice", &[], None, from("203.0.113.1")) {
        UserAccess::Denied {
            directive,
            origins,
            pattern,
        } => {
            assert_eq!(directive, AccessDirective::AllowUsers);
            assert_eq!(pattern, None);
            let lines: Vec<usize> = origins.iter().map(|o| line_of(o).1).collect();
            assert_eq!(lines, vec![1, 2]);
        }
        other => panic!("expected denial, got {other:?}"),
    }
    assert!(matches!(
        eff.user_access("alice", &[], None, None),
        UserAccess::Undecided {
            directive: AccessDirective::AllowUsers,
            ..
        }
    ));
}

#[test]
fn deny_users_checked_before_allow_users_and_groups() {
    let eff = access_config(
        "AllowUsers *\nDenyUsers test? root@!10.0.0.0/8\nDenyGroups contractors\nAllowGroups staff wheel\n",
    );
    let ip = "198.51.100.3".parse().ok();
    let staff = vec!["staff".to_owned()];
    match eff.user_access("test1", &staff, None, ip) {
        UserAccess::Denied {
            directive: AccessDirective::DenyUsers,
            pattern,
            origins,
        } => {
            assert_eq!(pattern.as_deref(), Some("test?"));
            assert_eq!(line_of(&origins[0]).1, 2);
        }
        other => panic!("{other:?}"),
    }
    // `!` in the host part of root@... vetoes: root from 198.51.100.3 is not matched by it.
    assert_eq!(
        eff.user_access("root", &staff, None, ip),
        UserAccess::Allowed
    );
    let contractor = vec!["staff".to_owned(), "contractors".to_owned()];
    assert!(matches!(
        eff.user_access("dave", &contractor, None, ip),
        UserAccess::Denied {
            directive: AccessDirective::DenyGroups,
            ..
        }
    ));
    assert!(matches!(
        eff.user_access("erin", &["users".to_owned()], None, ip),
        UserAccess::Denied {
            directive: AccessDirective::AllowGroups,
            pattern: None,
            ..
        }
    ));
}

#[test]
fn match_in_included_file_ends_with_that_file() {
    let files = MemoryFiles::new()
        .with(
            MAIN,
            "etc/ssh/sshd_config",
            "Include sshd_config.d/*.conf\nPasswordAuthentication yes\n",
        )
        .with(
            "/etc/ssh/sshd_config.d/10-admins.conf",
            "etc/ssh/sshd_config.d/10-admins.conf",
            "Match Group admins\n  PasswordAuthentication no\n",
        );
    let mut diags = Vec::new();
    let config = load(&files, MAIN, &mut diags).unwrap();
    let admin = MatchContext {
        user: Some("ann".into()),
        groups: vec!["admins".into()],
        ..Default::default()
    };
    let eff = config.effective(&admin);
    assert_eq!(
        line_of(eff.password_authentication().1),
        ("etc/ssh/sshd_config.d/10-admins.conf".into(), 2)
    );
    assert!(!eff.password_authentication().0);
    // The main file's line after the include is global again.
    let user = config.effective(&MatchContext {
        user: Some("bo".into()),
        groups: vec!["users".into()],
        ..Default::default()
    });
    assert_eq!(line_of(user.password_authentication().1).1, 2);
    assert!(user.password_authentication().0);
}

#[test]
fn include_inside_match_block_applies_only_with_it() {
    let files = MemoryFiles::new()
        .with(
            MAIN,
            "etc/ssh/sshd_config",
            "Match User backup\n  Include /etc/ssh/backup.conf\n",
        )
        .with(
            "/etc/ssh/backup.conf",
            "etc/ssh/backup.conf",
            "PermitRootLogin forced-commands-only\n",
        );
    let mut diags = Vec::new();
    let config = load(&files, MAIN, &mut diags).unwrap();
    let backup = config.effective(&MatchContext {
        user: Some("backup".into()),
        ..Default::default()
    });
    assert_eq!(
        backup.permit_root_login().0,
        PermitRootLogin::ForcedCommandsOnly
    );
    let other = config.effective(&MatchContext {
        user: Some("other".into()),
        ..Default::default()
    });
    assert_eq!(other.permit_root_login().1, &Origin::Default);
}

#[test]
fn sshd_t_output_parses_into_effective_config() {
    let text =
        "port 22\nport 2222\naddressfamily any\nlistenaddress [::]:22\nlistenaddress 0.0.0.0:22\n\
                usepam yes\npermitrootlogin without-password\npasswordauthentication no\n\
                authorizedkeysfile .ssh/authorized_keys .ssh/authorized_keys2\n\
                allowusers alice\nallowusers bob@192.0.2.0/24\nmaxstartups 10:30:60\n\
                subsystem sftp /usr/libexec/openssh/sftp-server\nx11maxdisplays 1000\n";
    let mut diags: Vec<Diagnostic> = Vec::new();
    let eff = parse_sshd_t("sos_commands/ssh/sshd_-T", text, &mut diags);
    assert!(diags.is_empty(), "{diags:?}");
    let ports: Vec<(u16, usize)> = eff
        .ports()
        .iter()
        .map(|(p, o)| (*p, line_of(o).1))
        .collect();
    assert_eq!(ports, vec![(22, 1), (2222, 2)]);
    assert!(eff.use_pam().0);
    assert_eq!(eff.permit_root_login().0, PermitRootLogin::ProhibitPassword);
    let (pw, origin) = eff.password_authentication();
    assert!(!pw);
    assert_eq!(
        origin,
        &Origin::Line {
            location: Location::new("sos_commands/ssh/sshd_-T", 8),
            text: "passwordauthentication no".into()
        }
    );
    assert_eq!(eff.get("authorizedkeysfile").unwrap().values.len(), 2);
    assert_eq!(eff.max_startups().0.full, 60);
    assert_eq!(eff.strict_modes(), (true, &Origin::Default));
    assert_eq!(
        eff.user_access("bob", &[], None, "192.0.2.9".parse().ok()),
        UserAccess::Allowed
    );
    assert_eq!(eff.get("x11maxdisplays").unwrap().values, vec!["1000"]);
}

#[test]
fn pattern_semantics_follow_sshd() {
    assert!(match_pattern("deploy", "dep*"));
    assert!(match_pattern("a1", "a?"));
    assert!(!match_pattern("a12", "a?"));
    assert!(match_pattern("anything", "*"));
    assert!(match_pattern("abcbd", "a*b*d"));
    assert_eq!(match_pattern_list("bob", "alice,b*", false), 1);
    assert_eq!(match_pattern_list("bob", "*,!bob", false), -1);
    assert_eq!(match_pattern_list("Bob", "bob", false), 0);
    let ip = |s: &str| s.parse::<IpAddr>().ok();
    assert_eq!(addr_match_list(ip("10.1.2.3"), "10.0.0.0/8"), 1);
    assert_eq!(addr_match_list(ip("10.1.2.3"), "10.1.*"), 1);
    assert_eq!(addr_match_list(ip("10.1.2.3"), "10.0.0.0/8,!10.1.2.3"), -1);
    assert_eq!(addr_match_list(ip("10.1.2.3"), "10.1.2.1/24"), -2);
    assert_eq!(addr_match_list(ip("2001:db8::5"), "2001:db8::/32"), 1);
    assert_eq!(addr_match_list(ip("192.0.2.1"), "2001:db8::/32"), 0);
    assert_eq!(
        match_user(
            "alice",
            Some("ws1.example.com"),
            ip("192.0.2.4"),
            "alice@*.example.com"
        ),
        1
    );
    assert_eq!(
        match_user(
            "alice",
            Some("192.0.2.4"),
            ip("192.0.2.4"),
            "alice@192.0.2.0/24"
        ),
        1
    );
    assert_eq!(
        match_user(
            "alice",
            Some("192.0.2.4"),
            ip("192.0.2.4"),
            "alice@198.51.100.0/24"
        ),
        0
    );
}
