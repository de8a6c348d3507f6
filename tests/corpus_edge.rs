//! The client transcript parser against the real ssh client transcripts in
//! `../shared/corpora/moler` (skipped when absent): every transcript parses, and the facts a
//! rule needs come out with their lines: the changed host key with the offending
//! known_hosts file and line, and the methods of a refused login.

mod common;
use common::corpora;

use std::path::Path;

use rootline::model::{AuthMethod, EventKind};
use rootline::parse::ssh_client::{self, ClientEvent, HostKeyChange, Transcript};

fn transcript(dir: &Path, name: &str) -> Option<Transcript> {
    let bytes = std::fs::read(dir.join("moler").join(name)).ok()?;
    Some(ssh_client::parse(&String::from_utf8_lossy(&bytes)))
}

fn host_key_change(t: &Transcript) -> Option<(usize, &HostKeyChange)> {
    t.events.iter().find_map(|e| match &e.event {
        ClientEvent::HostKeyChanged(c) => Some((e.line, c)),
        _ => None,
    })
}

fn denied_methods(t: &Transcript) -> Option<(usize, Vec<AuthMethod>)> {
    t.events.iter().find_map(|e| match &e.event {
        ClientEvent::PermissionDenied { methods, .. } => Some((e.line, methods.clone())),
        _ => None,
    })
}

#[test]
fn every_client_transcript_parses_and_sniffs() {
    let Some(dir) = corpora() else { return };
    let Ok(entries) = std::fs::read_dir(dir.join("moler")) else {
        eprintln!("note: no moler corpus");
        return;
    };
    let mut seen = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with("ssh-client-") {
            continue;
        }
        let text = String::from_utf8_lossy(&std::fs::read(entry.path()).unwrap()).into_owned();
        let t = ssh_client::parse(&text);
        let command = t
            .events
            .iter()
            .any(|e| matches!(e.event, ClientEvent::Command(_)));
        eprintln!(
            "{name}: {} facts, {} with an event kind, {} lines unrecognised, sniff {:.2}",
            t.events.len(),
            t.lines.len(),
            t.unrecognized,
            ssh_client::sniff(&text)
        );
        assert!(command, "{name}: the ssh command line was not read");
        assert!(ssh_client::sniff(&text) > 0.5, "{name}");
        seen += 1;
    }
    assert!(seen >= 5, "only {seen} client transcripts");
}

#[test]
fn host_key_changed_banner_names_the_offending_entry() {
    let Some(dir) = corpora() else { return };
    let Some(t) = transcript(&dir, "ssh-client-host-key-changed-transcript.txt") else {
        return;
    };
    let (line, c) = host_key_change(&t).expect("host key change");
    assert_eq!(line, 3);
    assert_eq!(c.key_label.as_deref(), Some("RSA"));
    assert_eq!(c.offending.len(), 1);
    assert_eq!(c.offending[0].file, "/home/you/.ssh/known_hosts");
    assert_eq!((c.offending[0].file_line, c.offending[0].line), (86, 12));
    assert_eq!(c.host.as_deref(), Some("host.domain.net"));
    assert!(c.strict);
    let failed = t
        .lines
        .iter()
        .find(|l| l.kind == EventKind::ClientHostKeyFailed)
        .expect("verification failed");
    assert_eq!(failed.line, 14);
    assert!(t.events.iter().any(|e| e.event == ClientEvent::LastLogin));
}

#[test]
fn offending_key_without_banner_and_mitm_refusals() {
    let Some(dir) = corpora() else { return };
    let Some(t) = transcript(&dir, "ssh-client-offending-ecdsa-key-transcript.txt") else {
        return;
    };
    let (line, c) = host_key_change(&t).expect("offending key");
    assert_eq!(line, 2);
    assert_eq!(c.key_label.as_deref(), Some("ECDSA"));
    assert_eq!(c.offending[0].file_line, 17);
    assert_eq!(c.offending[0].file, "/home/user/.ssh/known_hosts");
    let mitm: Vec<usize> = t
        .events
        .iter()
        .filter(|e| matches!(e.event, ClientEvent::DisabledForMitm { .. }))
        .map(|e| e.line)
        .collect();
    assert_eq!(mitm, [8, 10]);
    let (line, methods) = denied_methods(&t).expect("permission denied");
    assert_eq!(line, 12);
    assert_eq!(
        methods,
        [
            AuthMethod::Publickey,
            AuthMethod::Password,
            AuthMethod::KeyboardInteractive
        ]
    );
    let ClientEvent::Command(cmd) = &t.events[0].event else {
        panic!("first fact is not the command");
    };
    assert_eq!(cmd.host, "10.0.1.67");
    assert_eq!(cmd.user.as_deref(), Some("user"));
}

#[test]
fn permission_denied_lists_the_methods() {
    let Some(dir) = corpora() else { return };
    let Some(t) = transcript(&dir, "ssh-client-permission-denied-transcript.txt") else {
        return;
    };
    let (line, methods) = denied_methods(&t).expect("permission denied");
    assert_eq!(line, 5);
    assert_eq!(methods.len(), 3);
    let denied = t
        .lines
        .iter()
        .find(|l| l.kind == EventKind::ClientPermissionDenied)
        .unwrap();
    assert_eq!(
        denied.fields.offer,
        ["publickey", "password", "keyboard-interactive"]
    );
}

#[test]
fn chdir_failure_and_first_contact_prompt() {
    let Some(dir) = corpora() else { return };
    if let Some(t) = transcript(
        &dir,
        "ssh-client-chdir-home-permission-denied-transcript.txt",
    ) {
        assert!(t.events.iter().any(|e| e.line == 6
            && matches!(&e.event, ClientEvent::ChdirFailed { path, .. } if path == "/home/user")));
        assert!(denied_methods(&t).is_none());
    }
    if let Some(t) = transcript(
        &dir,
        "ssh-client-unknown-host-fingerprint-prompt-transcript.txt",
    ) {
        assert!(t.events.iter().any(|e| e.line == 2
            && e.event
                == ClientEvent::ContinuePrompt {
                    answer: Some("yes".into())
                }));
    }
}
