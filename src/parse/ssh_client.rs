//! The client's side of the story: what `ssh` (or `ssh -v`/`-vvv`) printed on the user's
//! machine, when a customer attached it. The server never logs what the client was told, so
//! lines like `Permission denied (publickey).` close the gap between "I typed my password"
//! and "sshd never asked for one".
//!
//! ```text
//! OpenSSH_9.6p1 Ubuntu-3ubuntu13.5, OpenSSL 3.0.13 30 Jan 2024
//! debug1: Connecting to web03.example.com [10.30.0.13] port 22.
//! debug1: Authentications that can continue: publickey
//! carol@web03.example.com: Permission denied (publickey).
//! ```
//!
//! Transcripts carry no timestamps; their events are placed in the timeline by order only.

use crate::model::{EventFields, EventKind};

/// One recognised client line.
#[derive(Clone, Debug, PartialEq)]
pub struct ClientLine {
    pub line: usize,
    pub kind: EventKind,
    pub fields: EventFields,
    pub text: String,
}

/// What the client transcript says, line by line, and how many lines it did not use.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Transcript {
    pub lines: Vec<ClientLine>,
    pub unrecognized: usize,
}

/// Confidence that a text is an ssh client transcript.
pub fn sniff(head: &str) -> f32 {
    // A terminal transcript that runs ssh and shows one of its messages.
    let runs_ssh = head.lines().take(3).any(runs_ssh_command);
    if runs_ssh && head.lines().any(|l| classify(l.trim_start()).is_some()) {
        return 0.9;
    }
    let mut total = 0;
    let mut hits = 0;
    for line in head.lines().filter(|l| !l.trim().is_empty()).take(40) {
        total += 1;
        let l = line.trim_start();
        if l.starts_with("debug1: ")
            || l.starts_with("debug2: ")
            || l.starts_with("debug3: ")
            || l.starts_with("OpenSSH_")
            || l.starts_with("ssh: ")
            || classify(l).is_some()
        {
            hits += 1;
        }
    }
    if total == 0 {
        0.0
    } else {
        hits as f32 / total as f32
    }
}

/// Reads a transcript.
pub fn parse(text: &str) -> Transcript {
    let mut out = Transcript::default();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        match classify(line.trim_start()) {
            Some((kind, fields)) => out.lines.push(ClientLine {
                line: i + 1,
                kind,
                fields,
                text: line.to_owned(),
            }),
            None if !line.trim().is_empty() => out.unrecognized += 1,
            None => {}
        }
    }
    out
}

/// A shell prompt line that runs `ssh` (`user@box:~$ ssh alice@web01`,
/// `client:~/>TERM=xterm ssh -l user host`).
fn runs_ssh_command(line: &str) -> bool {
    line.split(|c: char| c.is_whitespace() || matches!(c, '>' | '$' | '#' | '%'))
        .collect::<Vec<_>>()
        .windows(2)
        .any(|w| w[0] == "ssh" && !w[1].is_empty())
}

fn classify(line: &str) -> Option<(EventKind, EventFields)> {
    if let Some(rest) = line.strip_prefix("debug1: Authentications that can continue: ") {
        return Some((
            EventKind::ClientAuthMethods,
            EventFields {
                offer: methods(rest),
                ..EventFields::default()
            },
        ));
    }
    if let Some(rest) = line.strip_prefix("debug1: Connecting to ") {
        // `host [addr] port 22.`
        let (host, rest) = rest.split_once(" [")?;
        let (addr, rest) = rest.split_once("] port ")?;
        return Some((
            EventKind::ClientConnecting,
            EventFields {
                path: Some(host.to_owned()),
                addr: Some(addr.to_owned()),
                port: rest.trim_end_matches('.').parse().ok(),
                ..EventFields::default()
            },
        ));
    }
    if line == "debug1: No more authentication methods to try." {
        return Some((EventKind::ClientNoMoreMethods, EventFields::default()));
    }
    if let Some(methods_text) = line.strip_prefix("Permission denied (") {
        return Some((
            EventKind::ClientPermissionDenied,
            EventFields {
                offer: methods(methods_text.trim_end_matches(").").trim_end_matches(')')),
                ..EventFields::default()
            },
        ));
    }
    if let Some(idx) = line.find(": Permission denied (") {
        let who = &line[..idx];
        let methods_text = line[idx + ": Permission denied (".len()..].trim_end_matches(").");
        let (user, host) = who.split_once('@').unwrap_or(("", who));
        return Some((
            EventKind::ClientPermissionDenied,
            EventFields {
                user: (!user.is_empty()).then(|| user.to_owned()),
                path: Some(host.to_owned()),
                offer: methods(methods_text),
                ..EventFields::default()
            },
        ));
    }
    if let Some(rest) = line.strip_prefix("ssh: connect to host ") {
        // `HOST port N: REASON`
        let (host, rest) = rest.split_once(" port ")?;
        let (port, reason) = rest.split_once(": ")?;
        return Some((
            EventKind::ClientConnectFailed,
            EventFields {
                path: Some(host.to_owned()),
                port: port.parse().ok(),
                reason: Some(reason.to_owned()),
                ..EventFields::default()
            },
        ));
    }
    if line == "Host key verification failed." {
        return Some((EventKind::ClientHostKeyFailed, EventFields::default()));
    }
    None
}

fn methods(list: &str) -> Vec<String> {
    list.split(',')
        .map(|m| m.trim().to_owned())
        .filter(|m| !m.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRANSCRIPT: &str = "\
OpenSSH_9.6p1 Ubuntu-3ubuntu13.5, OpenSSL 3.0.13 30 Jan 2024
debug1: Reading configuration data /etc/ssh/ssh_config
debug1: Connecting to web03.example.com [10.30.0.13] port 22.
debug1: Authentications that can continue: publickey
debug1: No more authentication methods to try.
carol@web03.example.com: Permission denied (publickey).
";

    #[test]
    fn reads_permission_denied_with_user_host_and_methods() {
        let t = parse(TRANSCRIPT);
        let denied = t
            .lines
            .iter()
            .find(|l| l.kind == EventKind::ClientPermissionDenied)
            .unwrap();
        assert_eq!(denied.line, 6);
        assert_eq!(denied.fields.user.as_deref(), Some("carol"));
        assert_eq!(denied.fields.path.as_deref(), Some("web03.example.com"));
        assert_eq!(denied.fields.offer, ["publickey"]);
    }

    #[test]
    fn reads_connect_target_and_methods() {
        let t = parse(TRANSCRIPT);
        let connecting = &t.lines[0];
        assert_eq!(connecting.kind, EventKind::ClientConnecting);
        assert_eq!(connecting.fields.addr.as_deref(), Some("10.30.0.13"));
        assert_eq!(connecting.fields.port, Some(22));
        assert_eq!(t.lines[1].fields.offer, ["publickey"]);
        assert_eq!(t.unrecognized, 2);
    }

    #[test]
    fn reads_connect_failures() {
        let t = parse("ssh: connect to host 10.0.0.5 port 22: Connection refused\n");
        assert_eq!(t.lines[0].kind, EventKind::ClientConnectFailed);
        assert_eq!(
            t.lines[0].fields.reason.as_deref(),
            Some("Connection refused")
        );
        assert_eq!(t.lines[0].fields.port, Some(22));
    }

    #[test]
    fn terminal_transcripts_with_a_prompt_are_client_output() {
        let t = "box:~/>TERM=xterm-mono ssh -l user host.example.net\nBanner text\nPassword:\nPermission denied (publickey,password)\n";
        assert!(sniff(t) > 0.6);
        let parsed = parse(t);
        assert_eq!(parsed.lines[0].kind, EventKind::ClientPermissionDenied);
        assert_eq!(parsed.lines[0].fields.offer, ["publickey", "password"]);
        assert!(!runs_ssh_command("Nov 23 14:05:01 web01 sshd[1]: x"));
    }

    #[test]
    fn sniffs_transcripts_not_server_logs() {
        assert!(sniff(TRANSCRIPT) > 0.6);
        assert!(
            sniff("Nov 23 14:05:01 web01 sshd[1]: Accepted password for a from b port 1 ssh2\n")
                < 0.5
        );
    }
}
