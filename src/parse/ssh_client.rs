//! The client's side of the story: what `ssh` (or `ssh -v`/`-vvv`) printed on the user's
//! machine, when a customer attached it. The server never logs what the client was told, so
//! lines like `Permission denied (publickey).` close the gap between "I typed my password"
//! and "sshd never asked for one", and only the client sees a changed host key, a name that
//! resolved to the wrong address, or a connection that timed out in a firewall.
//!
//! ```text
//! $ ssh -v carol@web03.example.com
//! OpenSSH_9.6p1 Ubuntu-3ubuntu13.5, OpenSSL 3.0.13 30 Jan 2024
//! debug1: Connecting to web03.example.com [10.30.0.13] port 22.
//! debug1: Authentications that can continue: publickey
//! carol@web03.example.com: Permission denied (publickey).
//! ```
//!
//! Every recognised line becomes a typed [`ClientEvent`] in [`Transcript::events`]; those
//! that have an [`EventKind`] are also in [`Transcript::lines`], which the pipeline turns
//! into events. The multi-line host key warning banner is read as one event.
//! Transcripts carry no timestamps; their events are placed in the timeline by order only.

use std::net::IpAddr;

use crate::model::{AuthMethod, EventFields, EventKind};

/// One recognised client line that maps to an [`EventKind`].
#[derive(Clone, Debug, PartialEq)]
pub struct ClientLine {
    pub line: usize,
    pub kind: EventKind,
    pub fields: EventFields,
    pub text: String,
    pub event: ClientEvent,
}

/// One recognised client fact, with or without an [`EventKind`]. A multi-line event sits at
/// its first line.
#[derive(Clone, Debug, PartialEq)]
pub struct ClientFact {
    pub line: usize,
    pub event: ClientEvent,
    pub text: String,
}

/// What the client transcript says, line by line, and how many lines it did not use.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Transcript {
    /// The facts that have an [`EventKind`], in order.
    pub lines: Vec<ClientLine>,
    /// Every recognised fact, in order.
    pub events: Vec<ClientFact>,
    pub unrecognized: usize,
    /// The 1-based numbers of the unrecognised lines.
    pub unrecognized_lines: Vec<usize>,
}

/// The `ssh` command a prompt line ran.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SshCommand {
    pub user: Option<String>,
    pub host: String,
    pub port: Option<u16>,
    /// `-o` options as written (`ServerAliveInterval=7`).
    pub options: Vec<String>,
    pub identity: Option<String>,
    /// How many `-v` were given.
    pub verbosity: u8,
}

/// Why the TCP connection failed, as strerror put it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConnectError {
    Refused,
    TimedOut,
    NoRoute,
    NetworkUnreachable,
    Other(String),
}

impl ConnectError {
    pub fn as_str(&self) -> &str {
        match self {
            ConnectError::Refused => "Connection refused",
            ConnectError::TimedOut => "Connection timed out",
            ConnectError::NoRoute => "No route to host",
            ConnectError::NetworkUnreachable => "Network is unreachable",
            ConnectError::Other(s) => s,
        }
    }

    fn parse(reason: &str) -> ConnectError {
        match reason.trim().trim_end_matches('.') {
            "Connection refused" => ConnectError::Refused,
            "Connection timed out" | "Operation timed out" => ConnectError::TimedOut,
            "No route to host" => ConnectError::NoRoute,
            "Network is unreachable" => ConnectError::NetworkUnreachable,
            other => ConnectError::Other(other.to_owned()),
        }
    }
}

/// A `known_hosts` entry the client names: `Offending ECDSA key in FILE:17`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownHostsRef {
    /// The key label (`ECDSA`); `None` for `Offending key for IP in ...`.
    pub key_label: Option<String>,
    /// True for the entry stored under the IP address rather than the host name.
    pub for_ip: bool,
    pub file: String,
    /// The line in that known_hosts file.
    pub file_line: u32,
    /// The transcript line that named it.
    pub line: usize,
}

/// Which host key warning the client printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostKeyWarning {
    /// `WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!`
    IdentificationChanged,
    /// `WARNING: POSSIBLE DNS SPOOFING DETECTED!`
    DnsSpoofing,
    /// `Warning: the ECDSA host key for 'x' differs from the key for the IP address 'y'`
    IpKeyDiffers,
    /// Only the `Offending ... key in FILE:N` lines survived (a cut transcript).
    OffendingOnly,
}

/// The whole host key warning, gathered from its lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostKeyChange {
    pub warning: HostKeyWarning,
    /// The key type the server sent (`RSA`, `ECDSA`, `ED25519`).
    pub key_label: Option<String>,
    /// The new fingerprint (`SHA256:...`), when the transcript kept it.
    pub fingerprint: Option<String>,
    /// `Add correct host key in FILE to get rid of this message.`
    pub known_hosts: Option<String>,
    pub offending: Vec<KnownHostsRef>,
    /// `Matching host key in FILE:N` (the IP-mismatch warning).
    pub matching: Option<KnownHostsRef>,
    /// The host the warning names (strict-checking line, DNS spoofing line).
    pub host: Option<String>,
    pub ip: Option<String>,
    /// StrictHostKeyChecking made the client abort.
    pub strict: bool,
    /// The last line of the warning.
    pub end_line: usize,
}

/// What one client line (or banner) says.
#[derive(Clone, Debug, PartialEq)]
pub enum ClientEvent {
    /// A prompt line running `ssh`.
    Command(SshCommand),
    ClientVersion {
        version: String,
    },
    Connecting {
        host: String,
        addr: Option<IpAddr>,
        port: Option<u16>,
    },
    ConnectionEstablished,
    RemoteVersion {
        protocol: String,
        software: String,
    },
    ServerHostKey {
        key_type: String,
        fingerprint: String,
    },
    /// `Host 'x' is known and matches the ED25519 host key.`
    HostKnown {
        host: String,
        key_label: String,
    },
    /// `Found key in FILE:N`
    FoundKey {
        file: String,
        file_line: u32,
    },
    HostKeyChanged(HostKeyChange),
    HostKeyVerificationFailed,
    /// `The authenticity of host 'x (1.2.3.4)' can't be established.`
    UnknownHost {
        host: String,
        addr: Option<String>,
    },
    /// `ED25519 key fingerprint is SHA256:...`
    KeyFingerprint {
        key_label: String,
        fingerprint: String,
    },
    /// The `(yes/no/[fingerprint])?` question, with the answer typed on the same line.
    ContinuePrompt {
        answer: Option<String>,
    },
    PermanentlyAdded {
        host: String,
        key_label: Option<String>,
    },
    ResolveFailed {
        host: String,
        reason: String,
    },
    ConnectFailed {
        host: String,
        port: Option<u16>,
        error: ConnectError,
    },
    /// `kex_exchange_identification: ...`: TCP was accepted, then closed before the banner.
    KexIdentification {
        reason: String,
    },
    ConnectionClosed {
        addr: String,
        port: Option<u16>,
        reset: bool,
    },
    /// `Unable to negotiate with A port N: no matching WHAT found. Their offer: ...`
    NegotiationFailed {
        addr: String,
        port: Option<u16>,
        what: String,
        offer: Vec<String>,
    },
    AuthMethods {
        methods: Vec<AuthMethod>,
    },
    NextMethod {
        method: AuthMethod,
    },
    OfferingKey {
        path: String,
        key_label: Option<String>,
        fingerprint: Option<String>,
    },
    NoMoreMethods,
    PermissionDenied {
        user: Option<String>,
        host: Option<String>,
        methods: Vec<AuthMethod>,
    },
    /// `Permission denied, please try again.` after a wrong password.
    PasswordRejected,
    Authenticated {
        host: String,
        addr: Option<String>,
        port: Option<u16>,
        method: Option<AuthMethod>,
    },
    /// `Password authentication is disabled to avoid man-in-the-middle attacks.`
    DisabledForMitm {
        what: String,
    },
    PasswordPrompt {
        user: Option<String>,
        host: Option<String>,
    },
    /// `Last login: ...`: the login went through.
    LastLogin,
    /// `Could not chdir to home directory /home/u: Permission denied`
    ChdirFailed {
        path: String,
        reason: String,
    },
}

impl ClientEvent {
    /// The existing event kind and fields this fact maps to, if any.
    pub fn kind_and_fields(&self) -> Option<(EventKind, EventFields)> {
        let f = EventFields::default();
        Some(match self {
            ClientEvent::Connecting { host, addr, port } => (
                EventKind::ClientConnecting,
                EventFields {
                    path: Some(host.clone()),
                    addr: addr.map(|a| a.to_string()),
                    port: *port,
                    ..f
                },
            ),
            ClientEvent::AuthMethods { methods } => (
                EventKind::ClientAuthMethods,
                EventFields {
                    offer: names(methods),
                    ..f
                },
            ),
            ClientEvent::NoMoreMethods => (EventKind::ClientNoMoreMethods, f),
            ClientEvent::PermissionDenied {
                user,
                host,
                methods,
            } => (
                EventKind::ClientPermissionDenied,
                EventFields {
                    user: user.clone(),
                    path: host.clone(),
                    offer: names(methods),
                    ..f
                },
            ),
            ClientEvent::ConnectFailed { host, port, error } => (
                EventKind::ClientConnectFailed,
                EventFields {
                    path: Some(host.clone()),
                    port: *port,
                    reason: Some(error.as_str().to_owned()),
                    ..f
                },
            ),
            ClientEvent::ResolveFailed { host, reason } => (
                EventKind::ClientConnectFailed,
                EventFields {
                    path: Some(host.clone()),
                    reason: Some(format!("Could not resolve hostname: {reason}")),
                    ..f
                },
            ),
            ClientEvent::HostKeyVerificationFailed => (EventKind::ClientHostKeyFailed, f),
            // The server accepted TCP and hung up before its banner: MaxStartups,
            // PerSourcePenalties, a crashed helper, or a proxy.
            ClientEvent::KexIdentification { reason } => (
                EventKind::ClientConnectFailed,
                EventFields {
                    reason: Some(format!("closed before the banner: {reason}")),
                    ..f
                },
            ),
            _ => return None,
        })
    }
}

fn names(methods: &[AuthMethod]) -> Vec<String> {
    methods.iter().map(|m| m.as_str().to_owned()).collect()
}

/// Confidence that a text is an ssh client transcript.
pub fn sniff(head: &str) -> f32 {
    // A terminal transcript or CI job log that runs ssh and shows one of its messages.
    let runs_ssh = head.lines().take(40).any(|l| ssh_command(l).is_some());
    if runs_ssh && head.lines().any(|l| classify(l.trim()).is_some()) {
        return 0.9;
    }
    let mut total = 0;
    let mut hits = 0;
    for line in head.lines().filter(|l| !l.trim().is_empty()).take(40) {
        total += 1;
        let l = line.trim();
        if l.starts_with("debug1: ")
            || l.starts_with("debug2: ")
            || l.starts_with("debug3: ")
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
    let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
    let mut out = Transcript::default();
    let mut i = 0;
    while i < lines.len() {
        let raw = lines[i];
        let line = raw.trim();
        let (event, next) = if is_frame(line) {
            (None, i + 1)
        } else if let Some(warning) = warning_start(line) {
            let (change, next) = read_warning(&lines, i, warning);
            (Some(ClientEvent::HostKeyChanged(change)), next)
        } else if let Some(r) = offending(line, i + 1) {
            let (change, next) = read_offending_only(&lines, i, r);
            (Some(ClientEvent::HostKeyChanged(change)), next)
        } else {
            match classify(line) {
                Some(e) => (Some(e), i + 1),
                None if line.is_empty() => (None, i + 1),
                None => {
                    out.unrecognized += 1;
                    out.unrecognized_lines.push(i + 1);
                    (None, i + 1)
                }
            }
        };
        if let Some(event) = event {
            push(&mut out, i + 1, raw, event);
        }
        i = next.max(i + 1);
    }
    out
}

fn push(out: &mut Transcript, line: usize, text: &str, event: ClientEvent) {
    if let Some((kind, fields)) = event.kind_and_fields() {
        out.lines.push(ClientLine {
            line,
            kind,
            fields,
            text: text.to_owned(),
            event: event.clone(),
        });
    }
    out.events.push(ClientFact {
        line,
        event,
        text: text.to_owned(),
    });
}

/// A line of `@` that frames a warning banner.
fn is_frame(line: &str) -> bool {
    line.len() >= 3 && line.bytes().all(|b| b == b'@')
}

fn warning_start(line: &str) -> Option<HostKeyWarning> {
    if line.contains("WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!") {
        Some(HostKeyWarning::IdentificationChanged)
    } else if line.contains("WARNING: POSSIBLE DNS SPOOFING DETECTED!") {
        Some(HostKeyWarning::DnsSpoofing)
    } else if line.starts_with("Warning: the ")
        && line.contains(" differs from the key for the IP address ")
    {
        Some(HostKeyWarning::IpKeyDiffers)
    } else {
        None
    }
}

fn new_change(warning: HostKeyWarning, end_line: usize) -> HostKeyChange {
    HostKeyChange {
        warning,
        key_label: None,
        fingerprint: None,
        known_hosts: None,
        offending: Vec::new(),
        matching: None,
        host: None,
        ip: None,
        strict: false,
        end_line,
    }
}

/// Reads a warning banner from line index `start`; returns it and the index after it.
fn read_warning(lines: &[&str], start: usize, warning: HostKeyWarning) -> (HostKeyChange, usize) {
    let mut c = new_change(warning, start + 1);
    ip_differs(lines[start].trim(), &mut c);
    consume(lines, start + 1, &mut c)
}

/// Offending lines without their banner, as in a transcript cut to its tail.
fn read_offending_only(lines: &[&str], start: usize, r: KnownHostsRef) -> (HostKeyChange, usize) {
    let mut c = new_change(HostKeyWarning::OffendingOnly, start + 1);
    c.key_label = r.key_label.clone();
    c.offending.push(r);
    consume(lines, start + 1, &mut c)
}

/// Takes banner lines while they belong to it; blank lines only when more banner follows.
fn consume(lines: &[&str], from: usize, c: &mut HostKeyChange) -> (HostKeyChange, usize) {
    let mut i = from;
    let mut expect_fingerprint = false;
    while i < lines.len() {
        let line = lines[i].trim();
        if line.is_empty() {
            match lines[i..].iter().position(|l| !l.trim().is_empty()) {
                Some(k) if belongs(lines[i + k].trim()) => {
                    i += 1;
                    continue;
                }
                _ => break,
            }
        }
        if expect_fingerprint {
            expect_fingerprint = false;
            let fp = line.trim_end_matches('.');
            if fp.starts_with("SHA256:") || fp.starts_with("MD5:") {
                c.fingerprint = Some(fp.to_owned());
            }
            c.end_line = i + 1;
            i += 1;
            continue;
        }
        if !belongs(line) {
            break;
        }
        expect_fingerprint = banner_line(line, i + 1, c);
        c.end_line = i + 1;
        i += 1;
    }
    (c.clone(), i)
}

const BANNER_SENTENCES: &[&str] = &[
    "IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!",
    "Someone could be eavesdropping on you right now",
    "It is also possible that",
    "Please contact your system administrator.",
    "remove with:",
    "ssh-keygen -f ",
    "ssh-keygen -R ",
    "and the key for the corresponding IP address",
    "is unknown. This could either mean that",
    "is different from the key for the",
    "DNS SPOOFING is happening or the IP address for the host",
    "and its host key have changed at the same time.",
];

fn belongs(line: &str) -> bool {
    is_frame(line)
        || (line.starts_with('@') && line.ends_with('@'))
        || BANNER_SENTENCES.iter().any(|s| line.starts_with(s))
        || line.starts_with("The fingerprint for the ")
        || line.starts_with("Add correct host key in ")
        || line.starts_with("Offending ")
        || line.starts_with("Matching host key in ")
        || line.ends_with("has changed and you have requested strict checking.")
        || (line.starts_with("The ") && line.ends_with(" has changed,"))
}

/// Reads one banner line into `c`; true when the next line is the new fingerprint.
fn banner_line(line: &str, n: usize, c: &mut HostKeyChange) -> bool {
    if line.contains("REMOTE HOST IDENTIFICATION HAS CHANGED") {
        c.warning = HostKeyWarning::IdentificationChanged;
    } else if let Some(rest) = line.strip_prefix("The fingerprint for the ") {
        if let Some((label, _)) = rest.split_once(" key sent by") {
            c.key_label = Some(label.to_owned());
        }
        return true;
    } else if let Some(rest) = line.strip_prefix("Add correct host key in ") {
        let file = rest.trim_end_matches(" to get rid of this message.");
        c.known_hosts = Some(file.to_owned());
    } else if let Some(r) = offending(line, n) {
        if c.key_label.is_none() {
            c.key_label = r.key_label.clone();
        }
        c.offending.push(r);
    } else if let Some(rest) = line.strip_prefix("Matching host key in ") {
        c.matching = file_line(rest).map(|(file, file_line)| KnownHostsRef {
            key_label: None,
            for_ip: false,
            file,
            file_line,
            line: n,
        });
    } else if let Some(head) =
        line.strip_suffix(" has changed and you have requested strict checking.")
    {
        c.strict = true;
        // `RSA host key for HOST` (older) or `Host key for HOST`.
        if let Some((_, host)) = head.split_once("ost key for ") {
            c.host = Some(host.to_owned());
        }
    } else if let Some(rest) = line.strip_prefix("The ") {
        // DNS spoofing: `The ECDSA host key for web03 has changed,`
        if let Some((label, host)) = rest.split_once(" host key for ") {
            c.key_label.get_or_insert_with(|| label.to_owned());
            c.host = Some(host.trim_end_matches(" has changed,").to_owned());
        }
    } else if let Some(ip) = line.strip_prefix("and the key for the corresponding IP address ") {
        c.ip = Some(ip.trim().to_owned());
    }
    false
}

/// `Warning: the ECDSA host key for 'web03' differs from the key for the IP address '10.0.0.5'`
fn ip_differs(line: &str, c: &mut HostKeyChange) {
    let Some(rest) = line.strip_prefix("Warning: the ") else {
        return;
    };
    let Some((label, rest)) = rest.split_once(" host key for ") else {
        return;
    };
    let Some((host, ip)) = rest.split_once(" differs from the key for the IP address ") else {
        return;
    };
    c.key_label = Some(label.to_owned());
    c.host = Some(host.trim_matches('\'').to_owned());
    c.ip = Some(ip.trim_matches('\'').to_owned());
}

/// `Offending ECDSA key in /home/u/.ssh/known_hosts:17` / `Offending key for IP in F:3`.
fn offending(line: &str, n: usize) -> Option<KnownHostsRef> {
    let rest = line.strip_prefix("Offending ")?;
    let (what, location) = rest.split_once(" in ")?;
    let (file, file_line) = file_line(location)?;
    let (key_label, for_ip) = match what {
        "key for IP" => (None, true),
        w => (Some(w.strip_suffix(" key")?.to_owned()), false),
    };
    Some(KnownHostsRef {
        key_label,
        for_ip,
        file,
        file_line,
        line: n,
    })
}

/// `FILE:17` → (`FILE`, 17).
fn file_line(s: &str) -> Option<(String, u32)> {
    let (file, n) = s.trim().rsplit_once(':')?;
    Some((file.to_owned(), n.trim_end_matches('.').parse().ok()?))
}

/// `debug1: `..`debug3: ` and `ssh: ` carry no meaning of their own.
fn strip_log_prefix(line: &str) -> &str {
    for p in ["debug1: ", "debug2: ", "debug3: ", "ssh: "] {
        if let Some(rest) = line.strip_prefix(p) {
            return rest;
        }
    }
    line
}

fn classify(line: &str) -> Option<ClientEvent> {
    let l = strip_log_prefix(line);
    connection(l)
        .or_else(|| host_keys(l))
        .or_else(|| authentication(l))
        .or_else(|| terminal(line))
}

fn connection(l: &str) -> Option<ClientEvent> {
    if let Some(rest) = l.strip_prefix("Connecting to ") {
        // `host [addr] port 22.`
        let (host, rest) = rest.split_once(" [")?;
        let (addr, rest) = rest.split_once("] port ")?;
        return Some(ClientEvent::Connecting {
            host: host.to_owned(),
            addr: addr.parse().ok(),
            port: rest.trim_end_matches('.').parse().ok(),
        });
    }
    if l == "Connection established." {
        return Some(ClientEvent::ConnectionEstablished);
    }
    if let Some(rest) = l.strip_prefix("Remote protocol version ") {
        let (protocol, software) = rest.split_once(", remote software version ")?;
        return Some(ClientEvent::RemoteVersion {
            protocol: protocol.to_owned(),
            software: software.to_owned(),
        });
    }
    if let Some(rest) = l.strip_prefix("Could not resolve hostname ") {
        let (host, reason) = rest.split_once(": ")?;
        return Some(ClientEvent::ResolveFailed {
            host: host.to_owned(),
            reason: reason.to_owned(),
        });
    }
    if let Some(rest) = l.strip_prefix("connect to host ") {
        // `HOST port N: REASON`
        let (host, rest) = rest.split_once(" port ")?;
        let (port, reason) = rest.split_once(": ")?;
        return Some(ClientEvent::ConnectFailed {
            host: host.to_owned(),
            port: port.parse().ok(),
            error: ConnectError::parse(reason),
        });
    }
    if let Some(reason) = l.strip_prefix("kex_exchange_identification: ") {
        return Some(ClientEvent::KexIdentification {
            reason: reason.to_owned(),
        });
    }
    if l.starts_with("Connection timed out during banner exchange") {
        return Some(ClientEvent::KexIdentification {
            reason: l.to_owned(),
        });
    }
    for (prefix, reset) in [
        ("Connection closed by ", false),
        ("Connection reset by ", true),
    ] {
        if let Some(rest) = l.strip_prefix(prefix) {
            let (addr, port) = addr_port(rest);
            return Some(ClientEvent::ConnectionClosed { addr, port, reset });
        }
    }
    if let Some(rest) = l.strip_prefix("Unable to negotiate with ") {
        return negotiation(rest);
    }
    None
}

/// `A port N` (with an optional trailing `[preauth]`-free remainder).
fn addr_port(rest: &str) -> (String, Option<u16>) {
    match rest.split_once(" port ") {
        Some((a, p)) => (
            a.to_owned(),
            p.split(' ').next().and_then(|p| p.parse().ok()),
        ),
        None => (rest.trim().to_owned(), None),
    }
}

/// `203.0.113.5 port 22: no matching host key type found. Their offer: ssh-rsa,ssh-dss`
fn negotiation(rest: &str) -> Option<ClientEvent> {
    let (who, rest) = rest.split_once(": ")?;
    let (addr, port) = addr_port(who);
    let (what, offer) = rest.split_once(" Their offer: ").unwrap_or((rest, ""));
    let what = what
        .trim_end_matches('.')
        .trim_start_matches("no matching ")
        .trim_end_matches(" found");
    Some(ClientEvent::NegotiationFailed {
        addr,
        port,
        what: what.to_owned(),
        offer: split_list(offer),
    })
}

fn host_keys(l: &str) -> Option<ClientEvent> {
    if let Some(rest) = l.strip_prefix("Server host key: ") {
        let (key_type, fingerprint) = rest.split_once(' ')?;
        return Some(ClientEvent::ServerHostKey {
            key_type: key_type.to_owned(),
            fingerprint: fingerprint.trim().to_owned(),
        });
    }
    if let Some(rest) = l.strip_prefix("Host '") {
        let (host, rest) = rest.split_once("' is known and matches the ")?;
        return Some(ClientEvent::HostKnown {
            host: host.to_owned(),
            key_label: rest.strip_suffix(" host key.")?.to_owned(),
        });
    }
    if let Some(rest) = l.strip_prefix("Found key in ") {
        let (file, file_line) = file_line(rest)?;
        return Some(ClientEvent::FoundKey { file, file_line });
    }
    if l == "Host key verification failed." {
        return Some(ClientEvent::HostKeyVerificationFailed);
    }
    if let Some(rest) = l.strip_prefix("The authenticity of host '") {
        let (target, _) = rest.split_once("' can't be established")?;
        let (host, addr) = match target.split_once(" (") {
            Some((h, a)) => (h, Some(a.trim_end_matches(')').to_owned())),
            None => (target, None),
        };
        return Some(ClientEvent::UnknownHost {
            host: host.to_owned(),
            addr,
        });
    }
    if let Some((label, fp)) = l.split_once(" key fingerprint is ") {
        if !label.contains(' ') {
            return Some(ClientEvent::KeyFingerprint {
                key_label: label.to_owned(),
                fingerprint: fp.trim_end_matches('.').to_owned(),
            });
        }
    }
    if l.contains("(yes/no") {
        let answer = l.rsplit_once("? ").map(|(_, a)| a.trim().to_owned());
        return Some(ClientEvent::ContinuePrompt {
            answer: answer.filter(|a| !a.is_empty()),
        });
    }
    if let Some(rest) = l.strip_prefix("Warning: Permanently added ") {
        let (host, _) = rest.split_once(" to the list of known hosts")?;
        // `'web03,10.0.0.5' (ED25519)`; older clients put the type before `to`.
        let (host, label) = match host.split_once(" (") {
            Some((h, t)) => (h, Some(t.trim_end_matches(')').to_owned())),
            None => (host, None),
        };
        return Some(ClientEvent::PermanentlyAdded {
            host: host.trim_matches('\'').to_owned(),
            key_label: label,
        });
    }
    None
}

fn authentication(l: &str) -> Option<ClientEvent> {
    if let Some(rest) = l.strip_prefix("Authentications that can continue: ") {
        return Some(ClientEvent::AuthMethods {
            methods: methods(rest),
        });
    }
    if let Some(rest) = l.strip_prefix("Next authentication method: ") {
        return Some(ClientEvent::NextMethod {
            method: AuthMethod::parse(rest.trim()),
        });
    }
    if let Some(rest) = l.strip_prefix("Offering public key: ") {
        return Some(offering(rest));
    }
    if l == "No more authentication methods to try." {
        return Some(ClientEvent::NoMoreMethods);
    }
    if l == "Permission denied, please try again." {
        return Some(ClientEvent::PasswordRejected);
    }
    if let Some(list) = l.strip_prefix("Permission denied (") {
        return Some(ClientEvent::PermissionDenied {
            user: None,
            host: None,
            methods: methods(list.trim_end_matches('.').trim_end_matches(')')),
        });
    }
    if let Some((who, list)) = l.split_once(": Permission denied (") {
        let (user, host) = who.split_once('@').unwrap_or(("", who));
        return Some(ClientEvent::PermissionDenied {
            user: (!user.is_empty()).then(|| user.to_owned()),
            host: Some(host.to_owned()),
            methods: methods(list.trim_end_matches('.').trim_end_matches(')')),
        });
    }
    if let Some(rest) = l.strip_prefix("Authenticated to ") {
        return Some(authenticated(rest));
    }
    if let Some(what) = l.strip_suffix(" is disabled to avoid man-in-the-middle attacks.") {
        return Some(ClientEvent::DisabledForMitm {
            what: what.to_owned(),
        });
    }
    None
}

/// `/home/u/.ssh/id_ed25519 ED25519 SHA256:abc explicit agent`; older clients print only
/// the path, or `RSA SHA256:abc /home/u/.ssh/id_rsa`.
fn offering(rest: &str) -> ClientEvent {
    let words: Vec<&str> = rest.split_whitespace().collect();
    let fingerprint = words
        .iter()
        .find(|w| w.starts_with("SHA256:") || w.starts_with("MD5:"))
        .map(|w| (*w).to_owned());
    let path = words
        .iter()
        .find(|w| w.contains('/') && !w.starts_with("SHA256:") && !w.starts_with("MD5:"))
        .or(words.first())
        .map(|w| (*w).to_owned())
        .unwrap_or_default();
    let key_label = words
        .iter()
        .find(|w| {
            w.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
                && w.len() >= 3
        })
        .map(|w| (*w).to_owned());
    ClientEvent::OfferingKey {
        path,
        key_label,
        fingerprint,
    }
}

/// `web03 ([203.0.113.130]:22) using "publickey".`
fn authenticated(rest: &str) -> ClientEvent {
    let (host, rest) = rest.split_once(" (").unwrap_or((rest, ""));
    let (target, rest) = rest.split_once(')').unwrap_or(("", rest));
    let (addr, port) = match target.rsplit_once(':') {
        Some((a, p)) => (Some(a.trim_matches(['[', ']']).to_owned()), p.parse().ok()),
        None => (None, None),
    };
    let method = rest
        .split_once("using \"")
        .and_then(|(_, m)| m.split('"').next())
        .map(AuthMethod::parse);
    ClientEvent::Authenticated {
        host: host.to_owned(),
        addr: addr.filter(|a| !a.is_empty()),
        port,
        method,
    }
}

/// Plain terminal output: prompts, the command itself, what the server printed.
fn terminal(line: &str) -> Option<ClientEvent> {
    if let Some(version) = line.strip_prefix("OpenSSH_") {
        return Some(ClientEvent::ClientVersion {
            version: format!("OpenSSH_{}", version.split([',', ' ']).next()?),
        });
    }
    if line == "Password:" || line.ends_with("'s password:") {
        let who = line.strip_suffix("'s password:");
        let (user, host) = match who.and_then(|w| w.split_once('@')) {
            Some((u, h)) => (Some(u.to_owned()), Some(h.to_owned())),
            None => (None, None),
        };
        return Some(ClientEvent::PasswordPrompt { user, host });
    }
    if line.starts_with("Last login: ") {
        return Some(ClientEvent::LastLogin);
    }
    if let Some(rest) = line.strip_prefix("Could not chdir to home directory ") {
        let (path, reason) = rest.rsplit_once(": ")?;
        return Some(ClientEvent::ChdirFailed {
            path: path.to_owned(),
            reason: reason.to_owned(),
        });
    }
    ssh_command(line).map(ClientEvent::Command)
}

/// ssh options that take an argument.
const WITH_ARG: &str = "BbcDEeFIiJLlmOoPpQRSWw";

/// A prompt line that runs `ssh` (`user@box:~$ ssh alice@web01`,
/// `client:~/>TERM=xterm ssh -l user -p 2222 host`).
fn ssh_command(line: &str) -> Option<SshCommand> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let at = words
        .iter()
        .enumerate()
        .position(|(k, w)| is_ssh_word(w) && (k == 0 || prompt_before(&words, k)))?;
    let mut cmd = SshCommand::default();
    let mut args = words[at + 1..].iter();
    while let Some(&arg) = args.next() {
        let Some(opts) = arg.strip_prefix('-').filter(|o| !o.is_empty()) else {
            destination(&mut cmd, arg);
            break;
        };
        for (k, c) in opts.char_indices() {
            if c == 'v' {
                cmd.verbosity = cmd.verbosity.saturating_add(1);
            }
            if WITH_ARG.contains(c) {
                let attached = &opts[k + c.len_utf8()..];
                let value = if attached.is_empty() {
                    args.next().copied().unwrap_or("")
                } else {
                    attached
                };
                option(&mut cmd, c, value.trim_matches(['"', '\'']));
                break;
            }
        }
    }
    (!cmd.host.is_empty()).then_some(cmd)
}

/// Whether the word before `ssh` is a prompt or an environment assignment. A bare `#`
/// counts only at the start of the line: elsewhere it starts a comment (`Port 22   # ssh
/// port` in a config file is not a command). `$`, `%` and `>` may follow a timestamp, as in
/// CI logs (`[2026-11-18T20:10:03Z] $ ssh ...`).
fn prompt_before(words: &[&str], k: usize) -> bool {
    let w = words[k - 1];
    is_prompt_or_env(w) && (w != "#" || k == 1)
}

/// `ssh`, `/usr/bin/ssh`, or `ssh` glued to a prompt (`$ssh`).
fn is_ssh_word(w: &str) -> bool {
    let base = w.rsplit(['/', '>', '$', '#', '%']).next().unwrap_or(w);
    base == "ssh"
}

/// What may stand before `ssh` on a command line: a prompt, an environment assignment.
fn is_prompt_or_env(w: &str) -> bool {
    w.contains('=')
        || w.ends_with(['$', '#', '>', '%', ':'])
        || matches!(w, "sudo" | "exec" | "command" | "time")
}

fn option(cmd: &mut SshCommand, opt: char, value: &str) {
    match opt {
        'l' => cmd.user = Some(value.to_owned()),
        'p' => cmd.port = value.parse().ok(),
        'i' => cmd.identity = Some(value.to_owned()),
        'o' => {
            let (key, val) = value
                .split_once(['=', ' '])
                .map_or((value, ""), |(k, v)| (k, v));
            if key.eq_ignore_ascii_case("port") {
                cmd.port = cmd.port.or(val.trim().parse().ok());
            } else if key.eq_ignore_ascii_case("user") {
                cmd.user.get_or_insert_with(|| val.trim().to_owned());
            }
            cmd.options.push(value.to_owned());
        }
        _ => {}
    }
}

/// `[user@]host[:port]`... only `ssh://` URIs carry a port; plain `host:port` is not ssh syntax.
fn destination(cmd: &mut SshCommand, arg: &str) {
    let (uri, rest) = match arg.strip_prefix("ssh://") {
        Some(r) => (true, r),
        None => (false, arg),
    };
    let (user, host) = match rest.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, rest),
    };
    let host = if uri {
        match host.rsplit_once(':') {
            Some((h, p)) if !h.contains(':') || h.ends_with(']') => {
                cmd.port = p.parse().ok().or(cmd.port);
                h
            }
            _ => host,
        }
    } else {
        host
    };
    if let Some(u) = user.filter(|u| !u.is_empty()) {
        cmd.user = Some(u.to_owned());
    }
    cmd.host = host.trim_matches(['[', ']']).to_owned();
}

fn methods(list: &str) -> Vec<AuthMethod> {
    split_list(list)
        .iter()
        .map(|m| AuthMethod::parse(m))
        .collect()
}

fn split_list(list: &str) -> Vec<String> {
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

    fn event_at(t: &Transcript, line: usize) -> &ClientEvent {
        &t.events.iter().find(|e| e.line == line).unwrap().event
    }

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
        assert_eq!(t.unrecognized, 1);
        assert_eq!(t.unrecognized_lines, [2]);
        assert_eq!(
            event_at(&t, 1),
            &ClientEvent::ClientVersion {
                version: "OpenSSH_9.6p1".into()
            }
        );
    }

    #[test]
    fn reads_connect_failures() {
        let table: &[(&str, ConnectError)] = &[
            (
                "ssh: connect to host 10.0.0.5 port 22: Connection refused",
                ConnectError::Refused,
            ),
            (
                "ssh: connect to host web03 port 2222: Connection timed out",
                ConnectError::TimedOut,
            ),
            (
                "ssh: connect to host web03 port 22: No route to host",
                ConnectError::NoRoute,
            ),
            (
                "ssh: connect to host web03 port 22: Network is unreachable",
                ConnectError::NetworkUnreachable,
            ),
            (
                "ssh: connect to host web03 port 22: failure",
                ConnectError::Other("failure".into()),
            ),
        ];
        for (text, want) in table {
            let t = parse(text);
            assert_eq!(t.lines[0].kind, EventKind::ClientConnectFailed);
            assert_eq!(t.lines[0].fields.reason.as_deref(), Some(want.as_str()));
            match &t.lines[0].event {
                ClientEvent::ConnectFailed { error, .. } => assert_eq!(error, want),
                other => panic!("{other:?}"),
            }
        }
        let t = parse("ssh: connect to host 10.0.0.5 port 22: Connection refused\n");
        assert_eq!(t.lines[0].fields.port, Some(22));
    }

    #[test]
    fn reads_verbose_session_facts_line_by_line() {
        let text = "\
debug1: Connecting to web03.example.com [203.0.113.130] port 2222.
debug1: Connection established.
debug1: Remote protocol version 2.0, remote software version OpenSSH_9.6
debug1: Server host key: ssh-ed25519 SHA256:Jq3k0cRrVb7t6o2nN1mXr5YwzQpEu8sLdKfGhT4aBc0
debug1: Host 'web03.example.com' is known and matches the ED25519 host key.
debug1: Found key in /home/carol/.ssh/known_hosts:3
debug1: Next authentication method: password
debug1: Offering public key: /home/carol/.ssh/id_ed25519 ED25519 SHA256:kQ7mXw explicit agent
Authenticated to web03.example.com ([203.0.113.130]:2222) using \"publickey\".
ssh: Could not resolve hostname web3.example.com: Name or service not known
kex_exchange_identification: Connection closed by remote host
Unable to negotiate with 203.0.113.130 port 22: no matching host key type found. Their offer: ssh-rsa,ssh-dss
Password authentication is disabled to avoid man-in-the-middle attacks.
Warning: Permanently added 'web03.example.com' (ED25519) to the list of known hosts.
carol@web03.example.com's password:
Permission denied, please try again.
Connection closed by 203.0.113.130 port 22
";
        let t = parse(text);
        assert_eq!(t.unrecognized, 0, "{:?}", t.unrecognized_lines);
        let want: Vec<(usize, ClientEvent)> = vec![
            (
                1,
                ClientEvent::Connecting {
                    host: "web03.example.com".into(),
                    addr: "203.0.113.130".parse().ok(),
                    port: Some(2222),
                },
            ),
            (2, ClientEvent::ConnectionEstablished),
            (
                3,
                ClientEvent::RemoteVersion {
                    protocol: "2.0".into(),
                    software: "OpenSSH_9.6".into(),
                },
            ),
            (
                4,
                ClientEvent::ServerHostKey {
                    key_type: "ssh-ed25519".into(),
                    fingerprint: "SHA256:Jq3k0cRrVb7t6o2nN1mXr5YwzQpEu8sLdKfGhT4aBc0".into(),
                },
            ),
            (
                5,
                ClientEvent::HostKnown {
                    host: "web03.example.com".into(),
                    key_label: "ED25519".into(),
                },
            ),
            (
                6,
                ClientEvent::FoundKey {
                    file: "/home/carol/.ssh/known_hosts".into(),
                    file_line: 3,
                },
            ),
            (
                7,
                ClientEvent::NextMethod {
                    method: AuthMethod::Password,
                },
            ),
            (
                8,
                ClientEvent::OfferingKey {
                    path: "/home/carol/.ssh/id_ed25519".into(),
                    key_label: Some("ED25519".into()),
                    fingerprint: Some("SHA256:kQ7mXw".into()),
                },
            ),
            (
                9,
                ClientEvent::Authenticated {
                    host: "web03.example.com".into(),
                    addr: Some("203.0.113.130".into()),
                    port: Some(2222),
                    method: Some(AuthMethod::Publickey),
                },
            ),
            (
                10,
                ClientEvent::ResolveFailed {
                    host: "web3.example.com".into(),
                    reason: "Name or service not known".into(),
                },
            ),
            (
                11,
                ClientEvent::KexIdentification {
                    reason: "Connection closed by remote host".into(),
                },
            ),
            (
                12,
                ClientEvent::NegotiationFailed {
                    addr: "203.0.113.130".into(),
                    port: Some(22),
                    what: "host key type".into(),
                    offer: vec!["ssh-rsa".into(), "ssh-dss".into()],
                },
            ),
            (
                13,
                ClientEvent::DisabledForMitm {
                    what: "Password authentication".into(),
                },
            ),
            (
                14,
                ClientEvent::PermanentlyAdded {
                    host: "web03.example.com".into(),
                    key_label: Some("ED25519".into()),
                },
            ),
            (
                15,
                ClientEvent::PasswordPrompt {
                    user: Some("carol".into()),
                    host: Some("web03.example.com".into()),
                },
            ),
            (16, ClientEvent::PasswordRejected),
            (
                17,
                ClientEvent::ConnectionClosed {
                    addr: "203.0.113.130".into(),
                    port: Some(22),
                    reset: false,
                },
            ),
        ];
        let got: Vec<(usize, ClientEvent)> =
            t.events.iter().map(|e| (e.line, e.event.clone())).collect();
        assert_eq!(got, want);
        let resolve = t.lines.iter().find(|l| l.line == 10).unwrap();
        assert_eq!(resolve.kind, EventKind::ClientConnectFailed);
    }

    const CHANGED: &str = "\
$ ssh -p 2222 -l ops db1.example.net
@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @
@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!
Someone could be eavesdropping on you right now (man-in-the-middle attack)!
It is also possible that a host key has just been changed.
The fingerprint for the ED25519 key sent by the remote host is
SHA256:q2WnU8vZ1xRr4sPp0oLk9Jh7Gf6Ed5Cb4Ma3Zy2Xw1.
Please contact your system administrator.
Add correct host key in /home/ops/.ssh/known_hosts to get rid of this message.
Offending ED25519 key in /home/ops/.ssh/known_hosts:12
  remove with:
  ssh-keygen -f '/home/ops/.ssh/known_hosts' -R '[db1.example.net]:2222'
Offending key for IP in /home/ops/.ssh/known_hosts:13
Host key for [db1.example.net]:2222 has changed and you have requested strict checking.
Host key verification failed.
";

    #[test]
    fn reads_the_host_key_banner_as_one_event() {
        let t = parse(CHANGED);
        assert_eq!(t.unrecognized, 0, "{:?}", t.unrecognized_lines);
        let ClientEvent::Command(cmd) = event_at(&t, 1) else {
            panic!("no command")
        };
        assert_eq!(
            (cmd.user.as_deref(), cmd.host.as_str(), cmd.port),
            (Some("ops"), "db1.example.net", Some(2222))
        );
        let ClientEvent::HostKeyChanged(c) = event_at(&t, 3) else {
            panic!("no banner at line 3")
        };
        assert_eq!(c.warning, HostKeyWarning::IdentificationChanged);
        assert_eq!(c.key_label.as_deref(), Some("ED25519"));
        assert_eq!(
            c.fingerprint.as_deref(),
            Some("SHA256:q2WnU8vZ1xRr4sPp0oLk9Jh7Gf6Ed5Cb4Ma3Zy2Xw1")
        );
        assert_eq!(c.known_hosts.as_deref(), Some("/home/ops/.ssh/known_hosts"));
        let offending: Vec<(u32, usize, bool)> = c
            .offending
            .iter()
            .map(|o| (o.file_line, o.line, o.for_ip))
            .collect();
        assert_eq!(offending, [(12, 12, false), (13, 15, true)]);
        assert_eq!(c.host.as_deref(), Some("[db1.example.net]:2222"));
        assert!(c.strict);
        assert_eq!(c.end_line, 16);
        assert_eq!(t.events.len(), 3);
        let failed = t
            .lines
            .iter()
            .find(|l| l.kind == EventKind::ClientHostKeyFailed)
            .unwrap();
        assert_eq!(failed.line, 17);
    }

    #[test]
    fn reads_dns_spoofing_and_ip_mismatch_warnings() {
        let text = "\
@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
@       WARNING: POSSIBLE DNS SPOOFING DETECTED!          @
@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
The ECDSA host key for app7.example.org has changed,
and the key for the corresponding IP address 192.0.2.77
is unknown. This could either mean that
DNS SPOOFING is happening or the IP address for the host
and its host key have changed at the same time.
Offending key for IP in /home/u/.ssh/known_hosts:4

Warning: the ECDSA host key for 'app7.example.org' differs from the key for the IP address '192.0.2.78'
Offending key for IP in /home/u/.ssh/known_hosts:9
Matching host key in /home/u/.ssh/known_hosts:2
Are you sure you want to continue connecting (yes/no)? no
";
        let t = parse(text);
        assert_eq!(t.unrecognized, 0, "{:?}", t.unrecognized_lines);
        let ClientEvent::HostKeyChanged(dns) = event_at(&t, 2) else {
            panic!()
        };
        assert_eq!(dns.warning, HostKeyWarning::DnsSpoofing);
        assert_eq!(dns.host.as_deref(), Some("app7.example.org"));
        assert_eq!(dns.ip.as_deref(), Some("192.0.2.77"));
        assert_eq!(dns.offending[0].file_line, 4);
        assert_eq!(dns.end_line, 9);
        let ClientEvent::HostKeyChanged(ip) = event_at(&t, 11) else {
            panic!()
        };
        assert_eq!(ip.warning, HostKeyWarning::IpKeyDiffers);
        assert_eq!(ip.ip.as_deref(), Some("192.0.2.78"));
        assert_eq!(ip.matching.as_ref().map(|m| m.file_line), Some(2));
        assert_eq!(
            event_at(&t, 14),
            &ClientEvent::ContinuePrompt {
                answer: Some("no".into())
            }
        );
    }

    #[test]
    fn reads_first_contact_prompt() {
        let text = "\
The authenticity of host 'web9.example.com (198.51.100.9)' can't be established.
ED25519 key fingerprint is SHA256:Zx8Yw7Vu6Ts5Rq4Po3Nm2Lk1Jh0Gf9Ed8Cb7Aa6Bb5.
This key is not known by any other names.
Are you sure you want to continue connecting (yes/no/[fingerprint])? yes
";
        let t = parse(text);
        assert_eq!(
            event_at(&t, 1),
            &ClientEvent::UnknownHost {
                host: "web9.example.com".into(),
                addr: Some("198.51.100.9".into())
            }
        );
        assert!(
            matches!(event_at(&t, 2), ClientEvent::KeyFingerprint { key_label, .. } if key_label == "ED25519")
        );
        assert_eq!(t.unrecognized_lines, [3]);
    }

    #[test]
    fn reads_ssh_command_lines() {
        // (user, host, port, verbosity)
        type Want<'a> = Option<(Option<&'a str>, &'a str, Option<u16>, u8)>;
        let table: &[(&str, Want)] = &[
            (
                "$ ssh -v carol@web03.example.com",
                Some((Some("carol"), "web03.example.com", None, 1)),
            ),
            (
                "box:~/>TERM=xterm-mono ssh -l user host.example.net",
                Some((Some("user"), "host.example.net", None, 0)),
            ),
            (
                "u@c:~$ ssh -vvv -p2200 -i ~/.ssh/k ops@10.0.0.9 uptime",
                Some((Some("ops"), "10.0.0.9", Some(2200), 3)),
            ),
            (
                "ssh -o Port=2022 -o User=deploy ssh://root@h.example:2444",
                Some((Some("root"), "h.example", Some(2444), 0)),
            ),
            (
                "# /usr/bin/ssh -4 -l admin gw",
                Some((Some("admin"), "gw", None, 0)),
            ),
            ("client:~/>sh-keygen -R host.domain.net", None),
            ("user@client: ssh-keygen -f known_hosts -R 10.0.1.67", None),
            ("Please use ssh to connect", None),
            ("ssh -l", None),
        ];
        for (line, want) in table {
            let got =
                ssh_command(line).map(|c| (c.user.clone(), c.host.clone(), c.port, c.verbosity));
            let want = want.map(|(u, h, p, v)| (u.map(str::to_owned), h.to_owned(), p, v));
            assert_eq!(got, want, "{line}");
        }
    }

    #[test]
    fn terminal_transcripts_with_a_prompt_are_client_output() {
        let t = "box:~/>TERM=xterm-mono ssh -l user host.example.net\nBanner text\nPassword:\nPermission denied (publickey,password)\n";
        assert!(sniff(t) > 0.6);
        let parsed = parse(t);
        assert_eq!(parsed.lines[0].kind, EventKind::ClientPermissionDenied);
        assert_eq!(parsed.lines[0].fields.offer, ["publickey", "password"]);
        assert_eq!(parsed.unrecognized_lines, [2]);
        assert!(ssh_command("Nov 23 14:05:01 web01 sshd[1]: x").is_none());
    }

    #[test]
    fn a_comment_mentioning_ssh_is_not_a_command() {
        assert!(ssh_command("Port 22   # ssh port").is_none());
        assert!(ssh_command("# ssh admin@web01").is_some());
        assert!(
            ssh_command("[2026-11-18T20:10:03Z] $ ssh -o BatchMode=yes deployer@app22").is_some()
        );
        assert!(sniff("# Full line comment\nPort 22   # ssh port\nPermitRootLogin no    # disable root login\n") < 0.5);
    }

    #[test]
    fn sniffs_transcripts_not_server_logs() {
        assert!(sniff(TRANSCRIPT) > 0.6);
        assert!(
            sniff("Nov 23 14:05:01 web01 sshd[1]: Accepted password for a from b port 1 ssh2\n")
                < 0.5
        );
    }

    #[test]
    fn odd_input_does_not_panic() {
        for s in [
            "Offending  key in :",
            "@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @\nThe fingerprint for the X key sent by the remote host is",
            "Authenticated to (",
            "ssh -p",
            "ssh ssh://",
            "Unable to negotiate with : ",
            "\u{feff}ssh -l \u{e9} h\u{e9}",
            "Connecting to [x] port ",
        ] {
            let _ = parse(s);
            let _ = sniff(s);
        }
    }
}
