//! Runs the sshd_config reader over real configuration files collected from upstream
//! projects: none may produce an error, a few effective values are pinned, and the content
//! sniffers must tell server files, client files and `sshd -T` output apart.

use std::path::{Path, PathBuf};

use rootline::facts::sshd_config::{MatchContext, Origin, PermitRootLogin};
use rootline::model::{Diagnostic, Level};
use rootline::parse::sshd_config::{
    parse_sshd_t, parse_text, sniff_sshd_config, sniff_sshd_t, SshdConfig,
};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpora");

const SERVER_FILES: &[&str] = &[
    "openssh-portable/sshd_config-openssh-7.4p1-default.conf",
    "openssh-portable/sshd_config-openssh-8.0p1-default.conf",
    "openssh-portable/sshd_config-upstream-default.conf",
    "insights-core/sshd_config-duplicate-port-listenaddress.conf",
    "insights-core/sshd_config-inline-comments.conf",
    "insights-core/sshd_config-rhel-with-parser-edge-cases.conf",
    "insights-core/sshd_config.d-dropin-redhat-style.conf",
    "hotsos/etc-ssh-sshd_config-ubuntu20.04.conf",
];

const CLIENT_FILES: &[&str] = &[
    "openssh-portable/ssh_config-upstream-default.conf",
    "insights-core/ssh_config-client.conf",
    "hotsos/etc-ssh-ssh_config-ubuntu20.04.conf",
];

const DUMP: &str = "insights-core/sshd-T-output.txt";

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(CORPUS);
    if dir.is_dir() {
        Some(dir.to_path_buf())
    } else {
        eprintln!("note: {CORPUS} not present, corpus checks skipped");
        None
    }
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn parse(dir: &Path, name: &str) -> (SshdConfig, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let config = parse_text(name, &read(dir, name), &mut diags);
    (config, diags)
}

#[test]
fn server_files_load_without_errors() {
    let Some(dir) = corpus() else { return };
    for name in SERVER_FILES {
        let (config, diags) = parse(&dir, name);
        let errors: Vec<_> = diags.iter().filter(|d| d.level == Level::Error).collect();
        assert!(errors.is_empty(), "{name}: {errors:?}");
        // Effective evaluation must not panic for any context.
        let _ = config.effective(&MatchContext::default());
    }
    let mut diags = Vec::new();
    let _ = parse_sshd_t(DUMP, &read(&dir, DUMP), &mut diags);
    assert!(diags.iter().all(|d| d.level != Level::Error), "{diags:?}");
}

#[test]
fn ubuntu_file_disables_passwords_on_its_own_line() {
    let Some(dir) = corpus() else { return };
    let name = "hotsos/etc-ssh-sshd_config-ubuntu20.04.conf";
    let text = read(&dir, name);
    let (config, _) = parse(&dir, name);
    assert!(config.has_unresolved_includes());
    let eff = config.effective(&MatchContext::default());
    let (value, origin) = eff.password_authentication();
    assert!(!value);
    let line = origin.location().expect("set by a line").line;
    assert_eq!(
        text.lines().nth(line - 1).map(str::trim),
        Some("PasswordAuthentication no")
    );
    assert!(eff.use_pam().0);
    assert!(!eff.kbd_interactive_authentication().0);
}

#[test]
fn openssh_7_4_default_file_is_all_defaults_but_its_active_lines() {
    let Some(dir) = corpus() else { return };
    let name = "openssh-portable/sshd_config-openssh-7.4p1-default.conf";
    let text = read(&dir, name);
    let (config, _) = parse(&dir, name);
    let eff = config.effective(&MatchContext::default());
    let active: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|(i, _)| i + 1)
        .collect();
    for setting in eff.iter() {
        for origin in &setting.origins {
            if let Origin::Line { location, .. } = origin {
                assert!(
                    active.contains(&location.line),
                    "{} from commented line {}",
                    setting.keyword,
                    location.line
                );
            }
        }
    }
    assert_eq!(
        eff.permit_root_login(),
        (PermitRootLogin::ProhibitPassword, &Origin::Default)
    );
    assert_eq!(eff.ports(), vec![(22, Origin::Default)]);
    assert!(eff.password_authentication().1.is_default());
}

#[test]
fn edge_cases_file_values_and_problems() {
    let Some(dir) = corpus() else { return };
    let (config, _) = parse(
        &dir,
        "insights-core/sshd_config-rhel-with-parser-edge-cases.conf",
    );
    let eff = config.effective(&MatchContext::default());
    assert!(eff.password_authentication().0);
    assert!(!eff.password_authentication().1.is_default());
    assert_eq!(
        eff.get("x11forwarding").and_then(|s| s.value()),
        Some("yes")
    );
    let unknown: Vec<String> = config
        .problems()
        .iter()
        .map(|p| {
            p.line_text
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_owned()
        })
        .collect();
    assert!(unknown.iter().all(|k| k == "APlusOption"), "{unknown:?}");
    assert_eq!(unknown.len(), 2);

    let (dup, _) = parse(
        &dir,
        "insights-core/sshd_config-duplicate-port-listenaddress.conf",
    );
    let eff = dup.effective(&MatchContext::default());
    assert_eq!(eff.ports().len(), 2);
    assert_eq!(eff.listen_addresses().len(), 2);
}

#[test]
fn sshd_t_output_values() {
    let Some(dir) = corpus() else { return };
    let mut diags = Vec::new();
    let eff = parse_sshd_t(DUMP, &read(&dir, DUMP), &mut diags);
    assert!(eff.use_pam().0);
    assert_eq!(eff.use_pam().1.location().map(|l| l.line), Some(5));
    assert_eq!(eff.max_auth_tries().0, 6);
    assert_eq!(eff.listen_addresses().len(), 2);
}

#[test]
fn sniffers_classify_corpus_files() {
    let Some(dir) = corpus() else { return };
    for name in SERVER_FILES {
        let head = read(&dir, name);
        if name.contains("dropin") || name.contains("inline-comments") {
            // Short fragments: plausible, not certain.
            assert!(sniff_sshd_config(&head) >= 0.4, "{name}");
        } else {
            assert!(
                sniff_sshd_config(&head) >= 0.5,
                "{name}: {}",
                sniff_sshd_config(&head)
            );
        }
        assert!(sniff_sshd_t(&head) < 0.5, "{name}");
    }
    for name in CLIENT_FILES {
        let head = read(&dir, name);
        assert!(
            sniff_sshd_config(&head) < 0.3,
            "{name}: {}",
            sniff_sshd_config(&head)
        );
    }
    let dump = read(&dir, DUMP);
    assert!(sniff_sshd_t(&dump) >= 0.7);
    assert!(sniff_sshd_config(&dump) < 0.3);
}
