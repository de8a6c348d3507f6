//! Each rule with a positive and a negative fixture bundle: small in-memory bundles that
//! differ only in the fact the rule depends on, so a rule that fires on noise, or misses its
//! case, fails here.

use std::sync::Arc;

use rootline::analysis::{analyze_bundle, Options};
use rootline::bundle::{Bundle, Member};
use rootline::finding::Finding;

const DATE: &str = "Fri Nov 20 15:10:00 UTC 2026\n";

fn bundle(files: &[(&str, &str)]) -> Bundle {
    let mut members: Vec<Member> = files
        .iter()
        .map(|(path, text)| Member {
            path: Arc::from(*path),
            data: text.as_bytes().to_vec(),
            mtime: None,
        })
        .collect();
    members.push(Member {
        path: Arc::from("sosreport-h/sos_commands/date/date"),
        data: DATE.as_bytes().to_vec(),
        mtime: None,
    });
    members.sort_by(|a, b| a.path.cmp(&b.path));
    Bundle {
        name: "fixture".into(),
        members,
        diagnostics: Vec::new(),
        links: Vec::new(),
    }
}

fn findings(files: &[(&str, &str)]) -> Vec<Finding> {
    analyze_bundle(&bundle(files), &Options::default())
        .expect("analysis runs")
        .report
        .findings
}

fn ids(files: &[(&str, &str)]) -> Vec<&'static str> {
    findings(files).iter().map(|f| f.id).collect()
}

fn finding<'a>(fs: &'a [Finding], id: &str) -> &'a Finding {
    fs.iter().find(|f| f.id == id).unwrap_or_else(|| {
        panic!(
            "no {id} in {:?}",
            fs.iter().map(|f| f.id).collect::<Vec<_>>()
        )
    })
}

const SECURE: &str = "sosreport-h/var/log/secure";
const CONFIG: &str = "sosreport-h/etc/ssh/sshd_config";
const PASSWD: &str = "sosreport-h/etc/passwd";

const PASSWD_TEXT: &str = "root:x:0:0:root:/root:/bin/bash\n\
alice:x:1000:1000:Alice:/home/alice:/bin/bash\n\
bob:x:1001:1001:Bob:/home/bob:/bin/bash\n\
dave:x:1002:1002:Dave:/home/dave:/bin/bash\n\
carol:x:1003:1003:Carol:/home/carol:/bin/bash\n";

#[test]
fn sshd_not_running_positive_and_negative() {
    let stopped = "Nov 20 13:40:01 h sshd[900]: Server listening on 0.0.0.0 port 22.\n\
Nov 20 13:40:11 h sshd[900]: Received signal 15; terminating.\n";
    let fs = findings(&[(SECURE, stopped)]);
    let f = finding(&fs, "sshd-not-running");
    assert_eq!(fs[0].id, "sshd-not-running");
    assert!(f.evidence.iter().any(|e| e.line == 2));

    let restarted =
        format!("{stopped}Nov 20 13:41:00 h sshd[950]: Server listening on 0.0.0.0 port 22.\n");
    assert!(!ids(&[(SECURE, &restarted)]).contains(&"sshd-not-running"));
}

#[test]
fn sshd_start_failed_cites_the_bad_config_line() {
    let config = "Port 22\nPermitRootLogn no\n";
    let log = "Nov 20 14:00:01 h sshd[2914]: /etc/ssh/sshd_config: line 2: Bad configuration option: PermitRootLogn\n\
Nov 20 14:00:01 h sshd[2914]: /etc/ssh/sshd_config: terminating, 1 bad configuration options\n\
Nov 20 14:00:01 h systemd[1]: sshd.service: Main process exited, code=exited, status=255/EXCEPTION\n\
Nov 20 14:00:01 h systemd[1]: sshd.service: Failed with result 'exit-code'.\n\
Nov 20 14:00:01 h systemd[1]: Failed to start OpenSSH server daemon.\n";
    let fs = findings(&[(SECURE, log), (CONFIG, config)]);
    assert_eq!(fs[0].id, "sshd-start-failed");
    assert!(fs[0].explains.contains(&"sshd-not-running"));
    assert!(fs[0]
        .evidence
        .iter()
        .any(|e| e.path.ends_with("etc/ssh/sshd_config") && e.line == 2));

    let healthy = "Nov 20 14:00:01 h sshd[2914]: Server listening on 0.0.0.0 port 22.\n";
    assert!(!ids(&[(SECURE, healthy), (CONFIG, "Port 22\n")]).contains(&"sshd-start-failed"));
}

#[test]
fn user_not_allowed_cites_log_and_directive() {
    let config = "Port 22\nAllowUsers alice\n";
    let log = "Nov 20 14:05:01 h sshd[3120]: User bob from 198.51.100.23 not allowed because not listed in AllowUsers\n\
Nov 20 14:05:03 h sshd[3120]: Failed password for invalid user bob from 198.51.100.23 port 50022 ssh2\n";
    let fs = findings(&[(SECURE, log), (CONFIG, config), (PASSWD, PASSWD_TEXT)]);
    let f = finding(&fs, "user-not-allowed");
    assert_eq!(fs[0].id, "user-not-allowed");
    assert!(f
        .evidence
        .iter()
        .any(|e| e.path.ends_with("sshd_config") && e.line == 2));
    assert!(f
        .evidence
        .iter()
        .any(|e| e.line == 1 && e.path.ends_with("secure")));
    // bob exists: sshd's "invalid user" wording must not turn into invalid-user.
    assert!(!fs.iter().any(|f| f.id == "invalid-user"));

    let allowed = "Nov 20 14:05:01 h sshd[3120]: Accepted password for bob from 198.51.100.23 port 50022 ssh2\n";
    assert!(
        !ids(&[(SECURE, allowed), (CONFIG, "AllowUsers alice bob\n")])
            .contains(&"user-not-allowed")
    );
}

#[test]
fn root_login_refused_positive_and_negative() {
    let log = "Nov 20 14:05:01 h sshd[812]: ROOT LOGIN REFUSED FROM 203.0.113.40 port 50122\n";
    let fs = findings(&[(SECURE, log), (CONFIG, "PermitRootLogin no\n")]);
    assert_eq!(fs[0].id, "root-login-refused");
    assert!(fs[0]
        .evidence
        .iter()
        .any(|e| e.path.ends_with("sshd_config") && e.line == 1));

    let ok = "Nov 20 14:05:01 h sshd[812]: Accepted publickey for root from 10.0.0.4 port 50122 ssh2: ED25519 SHA256:abc\n";
    assert!(!ids(&[
        (SECURE, ok),
        (CONFIG, "PermitRootLogin prohibit-password\n")
    ])
    .contains(&"root-login-refused"));
}

#[test]
fn password_auth_disabled_follows_the_first_value() {
    let main = "Include /etc/ssh/sshd_config.d/*.conf\nPasswordAuthentication yes\nKbdInteractiveAuthentication no\n";
    let dropin = "PasswordAuthentication no\n";
    let log = "Nov 20 14:05:01 h sshd[4123]: Connection closed by authenticating user carol 192.0.2.77 port 40112 [preauth]\n";
    let files = [
        (SECURE, log),
        (PASSWD, PASSWD_TEXT),
        (CONFIG, main),
        (
            "sosreport-h/etc/ssh/sshd_config.d/50-cloud-init.conf",
            dropin,
        ),
    ];
    let fs = findings(&files);
    let f = finding(&fs, "password-auth-disabled");
    assert!(f
        .evidence
        .iter()
        .any(|e| e.path.ends_with("50-cloud-init.conf") && e.line == 1));
    assert!(f
        .evidence
        .iter()
        .any(|e| e.path.ends_with("sshd_config") && e.line == 2));

    // Without the drop-in, passwords are on and the rule stays silent.
    assert!(!ids(&files[..3]).contains(&"password-auth-disabled"));
    // A scanner trying root from outside is not a user locked out of passwords.
    let scanner = "Nov 20 14:05:01 h sshd[4123]: Connection closed by authenticating user root 203.0.113.9 port 40112 [preauth]\n";
    let mut with_scanner = files;
    with_scanner[0] = (SECURE, scanner);
    assert!(!ids(&with_scanner).contains(&"password-auth-disabled"));
}

#[test]
fn pubkey_bad_permissions_cites_the_listing() {
    let log = "Nov 20 14:05:01 h sshd[2214]: Authentication refused: bad ownership or modes for directory /home/dave\n\
Nov 20 14:05:02 h sshd[2214]: Connection closed by authenticating user dave 10.1.2.3 port 50000 [preauth]\n";
    let ls = "/home:\ntotal 12\ndrwxr-xr-x  5 root root 4096 Nov 19 10:00 .\ndrwxrwxr-x  5 dave dave 4096 Nov 19 10:02 dave\n";
    let fs = findings(&[(SECURE, log), ("ls-la-home.txt", ls), (PASSWD, PASSWD_TEXT)]);
    let f = finding(&fs, "pubkey-bad-permissions");
    assert!(f.subjects.users.contains("dave"));
    assert!(f
        .evidence
        .iter()
        .any(|e| &*e.path == "ls-la-home.txt" && e.line == 4));

    let fine = "Nov 20 14:05:01 h sshd[2214]: Accepted publickey for dave from 10.1.2.3 port 50000 ssh2: ED25519 SHA256:abc\n";
    assert!(!ids(&[(SECURE, fine)]).contains(&"pubkey-bad-permissions"));
}

#[test]
fn invalid_user_suggests_the_account_meant() {
    let log = "Nov 20 14:05:01 h sshd[2210]: Invalid user alcie from 198.51.100.61 port 52211\n\
Nov 20 14:05:04 h sshd[2210]: Failed password for invalid user alcie from 198.51.100.61 port 52211 ssh2\n";
    let fs = findings(&[(SECURE, log), (PASSWD, PASSWD_TEXT)]);
    let f = finding(&fs, "invalid-user");
    assert!(f.summary.contains("alice"));
    assert!(f
        .evidence
        .iter()
        .any(|e| e.path.ends_with("passwd") && e.line == 2));

    let typo_fixed = "Nov 20 14:05:01 h sshd[2210]: Accepted password for alice from 198.51.100.61 port 52211 ssh2\n";
    assert!(!ids(&[(SECURE, typo_fixed), (PASSWD, PASSWD_TEXT)]).contains(&"invalid-user"));
}

#[test]
fn wrong_password_only_without_later_success() {
    let failures =
        "Nov 20 14:05:01 h sshd[4410]: Failed password for alice from 10.20.0.15 port 51514 ssh2\n\
Nov 20 14:05:09 h sshd[4410]: Failed password for alice from 10.20.0.15 port 51514 ssh2\n";
    let fs = findings(&[(SECURE, failures), (PASSWD, PASSWD_TEXT)]);
    assert_eq!(fs[0].id, "wrong-password");
    assert_eq!(fs[0].evidence.len(), 2);

    let then_ok = format!("{failures}Nov 20 14:06:00 h sshd[4420]: Accepted password for alice from 10.20.0.15 port 51600 ssh2\n");
    assert!(!ids(&[(SECURE, &then_ok), (PASSWD, PASSWD_TEXT)]).contains(&"wrong-password"));
}

/// A daemon's account probed from scattered internet addresses is a scanner, however few
/// its tries; from inside, or when the user names it, it is someone's failed login.
#[test]
fn regression_system_account_probed_from_outside_is_not_a_wrong_password() {
    let probes =
        "Nov 20 14:05:01 h sshd[4410]: Failed password for uucp from 203.0.113.5 port 51514 ssh2\n\
Nov 20 15:12:09 h sshd[4470]: Failed password for uucp from 198.51.100.77 port 40022 ssh2\n\
Nov 20 16:40:44 h sshd[4502]: Failed password for uucp from 192.0.2.201 port 33817 ssh2\n";
    assert!(!ids(&[(SECURE, probes)]).contains(&"wrong-password"));
    let inside = probes.replace("203.0.113.5", "10.20.0.15");
    assert!(ids(&[(SECURE, &inside)]).contains(&"wrong-password"));
}

#[test]
fn pam_denied_lock_explains_later_failures() {
    let log = "Nov 20 10:58:01 h sshd[700]: pam_faillock(sshd:auth): Consecutive login failures for user alice account temporarily locked\n\
Nov 20 11:01:00 h sshd[710]: Failed password for alice from 10.0.0.9 port 40000 ssh2\n";
    let fs = findings(&[(SECURE, log), (PASSWD, PASSWD_TEXT)]);
    assert_eq!(fs[0].id, "pam-denied");
    assert!(fs[0].evidence.iter().any(|e| e.line == 2));

    let no_lock =
        "Nov 20 11:01:00 h sshd[710]: Accepted password for alice from 10.0.0.9 port 40000 ssh2\n";
    assert!(!ids(&[(SECURE, no_lock)]).contains(&"pam-denied"));
}

#[test]
fn kex_mismatch_cites_the_offer() {
    let log = "Nov 20 14:05:01 h sshd[901]: Unable to negotiate with 192.168.40.12 port 40022: no matching key exchange method found. Their offer: diffie-hellman-group1-sha1,diffie-hellman-group14-sha1 [preauth]\n";
    let fs = findings(&[(SECURE, log)]);
    assert_eq!(fs[0].id, "kex-mismatch");
    assert!(fs[0].summary.contains("diffie-hellman-group1-sha1"));

    let ok = "Nov 20 14:05:01 h sshd[901]: Accepted publickey for alice from 192.168.40.12 port 40022 ssh2: ED25519 SHA256:abc\n";
    assert!(!ids(&[(SECURE, ok)]).contains(&"kex-mismatch"));
}

fn guessing(from: &str, n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "Nov 20 14:{:02}:{:02} h sshd[{}]: Failed password for invalid user u{i} from {from} port {} ssh2\n",
                i / 60,
                i % 60,
                5000 + i,
                40000 + i
            )
        })
        .collect()
}

#[test]
fn brute_force_is_ambient_and_ranks_below_real_causes() {
    let noise = guessing("203.0.113.9", 30);
    let fs = findings(&[(SECURE, &noise)]);
    assert_eq!(fs[0].id, "brute-force");
    assert!(!fs[0].subjects.addresses.is_empty());

    let with_cause = format!(
        "{noise}Nov 20 15:00:01 h sshd[9000]: Unable to negotiate with 192.168.40.12 port 40022: no matching key exchange method found. Their offer: diffie-hellman-group1-sha1 [preauth]\n"
    );
    assert_eq!(ids(&[(SECURE, &with_cause)])[0], "kex-mismatch");

    let internal = guessing("10.0.0.7", 30);
    assert!(!ids(&[(SECURE, &internal)]).contains(&"brute-force"));
}

#[test]
fn brute_force_success_is_critical_and_first() {
    let burst: String = (0..12)
        .map(|i| {
            format!(
                "Nov 20 14:00:{:02} h sshd[{}]: Failed password for deploy from 198.51.100.99 port {} ssh2\n",
                i * 3,
                5000 + i,
                40000 + i
            )
        })
        .collect();
    let success = format!("{burst}Nov 20 14:01:00 h sshd[6000]: Accepted password for deploy from 198.51.100.99 port 60122 ssh2\n");
    let fs = findings(&[(SECURE, &success)]);
    assert_eq!(fs[0].id, "brute-force-success");
    assert_eq!(fs[0].severity, rootline::model::Severity::Critical);
    assert!(fs[0].evidence.iter().any(|e| e.line == 13));

    let no_success = burst;
    assert!(!ids(&[(SECURE, &no_success)]).contains(&"brute-force-success"));
}

#[test]
fn a_guessing_flood_that_fills_maxstartups_is_the_root_of_the_throttling() {
    let mut log = guessing("203.0.113.9", 30);
    for i in 0..6 {
        log.push_str(&format!(
            "Nov 20 14:05:{i:02} h sshd[900]: drop connection #{} from [203.0.113.9]:{} on [10.0.0.5]:22 past MaxStartups\n",
            10 + i,
            50000 + i
        ));
    }
    let fs = findings(&[(SECURE, &log), (CONFIG, "MaxStartups 10:30:60\n")]);
    let ranked: Vec<&str> = fs.iter().map(|f| f.id).collect();
    assert_eq!(
        ranked[..2],
        ["brute-force", "connection-throttled"],
        "{ranked:?}"
    );
    let throttled = finding(&fs, "connection-throttled");
    assert!(throttled
        .evidence
        .iter()
        .any(|e| e.path.ends_with("sshd_config") && e.line == 1));
    assert!(throttled
        .summary
        .contains("6 connection(s) dropped past MaxStartups"));

    // Two scanners waiting out LoginGraceTime refuse nobody.
    let quiet = "Nov 20 14:05:01 h sshd[900]: Timeout before authentication for connection from 203.0.113.9 to 10.0.0.5, pid = 4242\n\
Nov 20 14:09:01 h sshd[900]: Timeout before authentication for connection from 203.0.113.10 to 10.0.0.5, pid = 4243\n";
    assert!(!ids(&[(SECURE, quiet)]).contains(&"connection-throttled"));
}

#[test]
fn persourcepenalties_refusals_are_throttling() {
    let log = "Nov 20 14:05:01 h sshd[900]: drop connection #0 from [198.51.100.7]:5555 on [10.0.0.5]:22 penalty: failed authentication\n";
    let fs = findings(&[(SECURE, log)]);
    assert_eq!(fs[0].id, "connection-throttled");
    assert!(fs[0].summary.contains("PerSourcePenalties"));
}

const DMESG: &str = "sosreport-h/sos_commands/kernel/dmesg";
const UPTIME: &str = "sosreport-h/uptime";

fn oom_dmesg(victim: &str, pid: u32) -> String {
    format!(
        "[    0.000000] Linux version 5.14.0-427.el9.x86_64 (mockbuild@example) #1 SMP\n\
[    1.000000] Command line: BOOT_IMAGE=/vmlinuz root=/dev/vda1\n\
[  100.000000] {victim} invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=0\n\
[  100.100000] oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/system.slice/x.service,task={victim},pid={pid},uid=0\n\
[  100.200000] Out of memory: Killed process {pid} ({victim}) total-vm:10000kB, anon-rss:5000kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:100kB oom_score_adj:0\n"
    )
}

#[test]
fn an_oom_kill_of_sshd_is_the_root_of_sshd_not_running() {
    let log = "Nov 20 14:11:41 h systemd[1]: sshd.service: A process of this unit has been killed by the OOM killer.\n\
Nov 20 14:11:41 h systemd[1]: sshd.service: Main process exited, code=killed, status=9/KILL\n\
Nov 20 14:11:41 h systemd[1]: sshd.service: Failed with result 'oom-kill'.\n";
    // Collected at 15:10:00 after 1 hour up: booted 14:10:00, so second 100 is 14:11:40.
    let uptime = " 15:10:00 up  1:00,  1 user,  load average: 9.10, 7.05, 3.20\n";
    let fs = findings(&[
        (SECURE, log),
        (DMESG, &oom_dmesg("sshd", 812)),
        (UPTIME, uptime),
    ]);
    let ranked: Vec<&str> = fs.iter().map(|f| f.id).collect();
    assert_eq!(
        ranked[..2],
        ["resource-exhaustion", "sshd-not-running"],
        "{ranked:?}"
    );
    let f = &fs[0];
    assert!(f.explains.contains(&"sshd-not-running"));
    let kernel = f
        .evidence
        .iter()
        .find(|e| e.path.ends_with("dmesg"))
        .expect("the kernel report is cited");
    assert_eq!(
        kernel
            .time
            .map(|t| rootline::finding::format_time(&t))
            .as_deref(),
        Some("2026-11-20T14:11:40Z")
    );
    assert!(f.summary.contains("killed sshd (pid 812)"));
}

#[test]
fn an_oom_kill_of_another_process_is_not_an_ssh_cause() {
    let fs = findings(&[(DMESG, &oom_dmesg("java", 4242))]);
    assert!(!fs.iter().any(|f| f.id == "resource-exhaustion"));
}

#[test]
fn fork_failures_in_sshd_are_process_exhaustion() {
    let log = "Nov 20 14:05:01 h sshd[900]: error: fork: Resource temporarily unavailable\n";
    let fs = findings(&[(SECURE, log)]);
    assert_eq!(fs[0].id, "resource-exhaustion");
    assert!(fs[0].summary.contains("could not fork"));
}

const RULESET: &str = "sosreport-h/sos_commands/firewall_tables/iptables-save";

fn subnet_only_ruleset(policy: &str) -> String {
    format!(
        "# Generated by iptables-save v1.8.7\n*filter\n:INPUT {policy} [120:7200]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n\
-A INPUT -i lo -j ACCEPT\n\
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n\
-A INPUT -s 10.0.0.0/8 -p tcp -m tcp --dport 22 -j ACCEPT\n\
COMMIT\n"
    )
}

const TIMED_OUT: &str = "$ ssh deploy@app01.example.com\nssh: connect to host app01.example.com port 22: Connection timed out\n";

#[test]
fn firewall_ruleset_alone_proves_the_block_when_the_client_timed_out() {
    let ruleset = subnet_only_ruleset("DROP");
    let fs = findings(&[(RULESET, &ruleset), ("client.txt", TIMED_OUT)]);
    let f = finding(&fs, "firewall-blocks-ssh");
    let cited: Vec<(&str, usize)> = f.evidence.iter().map(|e| (&*e.path, e.line)).collect();
    assert!(cited.contains(&(RULESET, 3)), "policy line: {cited:?}");
    assert!(
        cited.contains(&(RULESET, 8)),
        "the subnet-only rule: {cited:?}"
    );
    assert!(cited.contains(&("client.txt", 2)), "{cited:?}");
    assert!(f.summary.contains("only from 10.0.0.0/8"), "{}", f.summary);
    assert_eq!(fs[0].id, "firewall-blocks-ssh");
    assert!(f.confidence < 0.9);
}

#[test]
fn firewall_ruleset_alone_blocks_the_named_client() {
    let ruleset = subnet_only_ruleset("DROP");
    let bundle = bundle(&[(RULESET, &ruleset)]);
    let options = Options {
        client: Some("198.51.100.23".into()),
        ..Options::default()
    };
    let report = analyze_bundle(&bundle, &options).expect("runs").report;
    let f = finding(&report.findings, "firewall-blocks-ssh");
    assert!(
        f.summary.contains("rests on the ruleset alone"),
        "{}",
        f.summary
    );
    let inside = Options {
        client: Some("10.1.2.3".into()),
        ..Options::default()
    };
    let report = analyze_bundle(&bundle, &inside).expect("runs").report;
    assert!(report
        .findings
        .iter()
        .all(|f| f.id != "firewall-blocks-ssh"));
}

#[test]
fn firewall_that_accepts_is_not_blamed_for_a_timeout() {
    let ruleset = subnet_only_ruleset("ACCEPT");
    assert!(
        !ids(&[(RULESET, &ruleset), ("client.txt", TIMED_OUT)]).contains(&"firewall-blocks-ssh")
    );
    // Without the client's failure there is nothing to explain.
    let drop = subnet_only_ruleset("DROP");
    assert!(!ids(&[(RULESET, &drop)]).contains(&"firewall-blocks-ssh"));
}
