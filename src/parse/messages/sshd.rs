//! sshd's own messages (listener, per-connection monitor, pre-auth helper), OpenSSH 5.x to
//! 10.x, recognised with their fields.
//!
//! Dispatch is on the first word, which is stable across versions even where the rest of a
//! message was reworded; each handler then accepts every known wording of its family.
//! The level tag (`error: `) and the `[preauth]` suffix are removed by the caller.

use super::remote::{parse_remote_id, parse_user_from, split_port, Peer};
use super::{non_empty, parse_port, parse_u32, Classified};
use crate::model::{AuthMethod, EventFields, EventKind as K};

/// Which algorithm class a key-exchange negotiation failed on; stored as text in
/// `fields.reason` so the JSON stays flat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KexFailure {
    Kex,
    HostKey,
    Cipher,
    Mac,
    Compression,
}

impl KexFailure {
    pub fn as_str(self) -> &'static str {
        match self {
            KexFailure::Kex => "kex",
            KexFailure::HostKey => "host_key",
            KexFailure::Cipher => "cipher",
            KexFailure::Mac => "mac",
            KexFailure::Compression => "compression",
        }
    }

    pub fn parse(s: &str) -> Option<KexFailure> {
        [
            Self::Kex,
            Self::HostKey,
            Self::Cipher,
            Self::Mac,
            Self::Compression,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    /// Recognises the ssherr.c phrase (`no matching key exchange method found`) and the
    /// pre-7.0 fatal texts (`no matching cipher found: client ...`, `no hostkey alg`).
    fn from_phrase(phrase: &str) -> Option<KexFailure> {
        let p = phrase.to_ascii_lowercase();
        if p.contains("key exchange") {
            Some(KexFailure::Kex)
        } else if p.contains("host key") || p.contains("hostkey") {
            Some(KexFailure::HostKey)
        } else if p.contains("cipher") {
            Some(KexFailure::Cipher)
        } else if p.contains("mac") {
            Some(KexFailure::Mac)
        } else if p.contains("comp") {
            Some(KexFailure::Compression)
        } else {
            None
        }
    }
}

/// Why sshd's account checks (auth.c) refused a user; stored as text in `fields.reason`,
/// with the sshd_config directive involved in `fields.keyword`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotAllowedReason {
    ListedInDenyUsers,
    NotListedInAllowUsers,
    NotInAnyGroup,
    GroupListedInDenyGroups,
    NoGroupInAllowGroups,
    ShellMissing,
    ShellNotExecutable,
    AccountLocked,
    Nologin,
}

impl NotAllowedReason {
    const ALL: [NotAllowedReason; 9] = [
        Self::ListedInDenyUsers,
        Self::NotListedInAllowUsers,
        Self::NotInAnyGroup,
        Self::GroupListedInDenyGroups,
        Self::NoGroupInAllowGroups,
        Self::ShellMissing,
        Self::ShellNotExecutable,
        Self::AccountLocked,
        Self::Nologin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ListedInDenyUsers => "listed_in_deny_users",
            Self::NotListedInAllowUsers => "not_listed_in_allow_users",
            Self::NotInAnyGroup => "not_in_any_group",
            Self::GroupListedInDenyGroups => "group_listed_in_deny_groups",
            Self::NoGroupInAllowGroups => "no_group_in_allow_groups",
            Self::ShellMissing => "shell_missing",
            Self::ShellNotExecutable => "shell_not_executable",
            Self::AccountLocked => "account_locked",
            Self::Nologin => "nologin",
        }
    }

    pub fn parse(s: &str) -> Option<NotAllowedReason> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The sshd_config directive behind the refusal, if one is.
    pub fn directive(self) -> Option<&'static str> {
        match self {
            Self::ListedInDenyUsers => Some("DenyUsers"),
            Self::NotListedInAllowUsers => Some("AllowUsers"),
            Self::GroupListedInDenyGroups => Some("DenyGroups"),
            Self::NoGroupInAllowGroups => Some("AllowGroups"),
            _ => None,
        }
    }

    fn from_text(because: &str) -> Option<NotAllowedReason> {
        let r = if because.contains("listed in DenyUsers") {
            Self::ListedInDenyUsers
        } else if because.contains("not listed in AllowUsers") {
            Self::NotListedInAllowUsers
        } else if because.contains("not in any group") {
            Self::NotInAnyGroup
        } else if because.contains("DenyGroups") {
            Self::GroupListedInDenyGroups
        } else if because.contains("AllowGroups") {
            Self::NoGroupInAllowGroups
        } else if because.starts_with("shell ") && because.ends_with("does not exist") {
            Self::ShellMissing
        } else if because.starts_with("shell ") {
            Self::ShellNotExecutable
        } else if because.contains("account is locked") {
            Self::AccountLocked
        } else if because.ends_with(" exists") {
            Self::Nologin
        } else {
            return None;
        };
        Some(r)
    }
}

/// Classifies an sshd message with level tag and `[preauth]` already removed.
pub(crate) fn classify(m: &str) -> Option<Classified> {
    let (first, rest) = m.split_once(' ').unwrap_or((m, ""));
    match first {
        "Accepted" if rest.starts_with("key ") || rest.starts_with("certificate ") => {
            accepted_key(rest)
        }
        "Accepted" => auth_result(K::AuthAccepted, rest),
        "Failed" if rest.starts_with("to write to ") => {
            Some(with_reason(K::LoginRecordFailed, rest))
        }
        "Failed" => auth_result(K::AuthFailed, rest),
        "Postponed" => auth_result(K::AuthPostponed, rest),
        "Partial" => auth_result(K::AuthPartial, rest),
        "Invalid" => invalid(rest),
        "input_userauth_request:" => old_invalid_user(rest),
        "User" => user_line(rest),
        "ROOT" => root_refused(rest),
        "Root" if rest.starts_with("login accepted for forced command") => {
            Some(Classified::bare(K::RootLoginForcedCommand))
        }
        "Authentication" => authentication(rest),
        "AuthenticationMethods" => Some(with_reason(K::ConfigInvalid, m)),
        "Could" | "Couldn't" => could_not(m),
        "maximum" => max_auth_tries(rest),
        "Disconnecting:" => disconnecting_old(rest),
        "Disconnecting" => disconnecting(rest),
        "Received" => received(rest),
        "Disconnected" => peer_line(K::Disconnected, rest.strip_prefix("from ")?),
        "Connection" => connection(rest),
        "Did" => did_not_receive(rest),
        "reverse" => reverse_mapping(rest),
        "Address" => address_maps(rest),
        "Unable" => unable(m),
        "no" => old_kex(m),
        "Server" => listening(rest),
        "Bind" => bind_failed(rest),
        "Cannot" if rest.starts_with("bind any address") => {
            Some(Classified::bare(K::CannotBindAny))
        }
        "listen" | "socket:" => Some(with_reason(K::ListenFailed, m)),
        "Write" | "Read" => read_write(m, rest),
        "kex_exchange_identification:" => kex_identification(rest),
        "banner" => banner_exchange(rest),
        "Bad" => bad(rest),
        "Corrupted" => Some(with_reason(K::ProtocolError, m)),
        "Protocol" if rest.starts_with("major versions differ") => {
            Some(with_reason(K::BadProtocolBanner, m))
        }
        "probed" | "scanned" => scanner(rest),
        "drop" => drop_connection(rest),
        "beginning" | "in" | "exited" if rest.contains("MaxStartups throttling") => {
            Some(throttling(m))
        }
        "Maxstartups" | "MaxStartups" | "PerSourcePenalties"
            if rest.starts_with("logging rate-limited") =>
        {
            Some(throttling(m))
        }
        "srclimit_penalise:" => penalise(rest),
        "Timeout" => timeout(rest),
        "fork" | "fork:" => Some(with_reason(K::ForkFailed, m)),
        "do_exec_pty:" | "do_exec_no_pty:" if rest.starts_with("fork:") => {
            Some(with_reason(K::ForkFailed, rest))
        }
        "accept:" => Some(with_reason(K::AcceptFailed, rest)),
        "openpty:" | "session_pty_req:" => Some(with_reason(K::PtyAllocFailed, m)),
        "utmp_write_library()" | "utmp_write_direct()" => {
            Some(with_reason(K::LoginRecordFailed, m))
        }
        "Starting" => starting_session(rest),
        "subsystem" => subsystem(rest),
        "Close" => close_session(rest),
        "Transferred:" => Some(with_reason(K::BytesTransferred, rest)),
        "Closing" => peer_line(K::ClosingConnection, rest.strip_prefix("connection to ")?),
        "userauth_pubkey:" => pubkey_algorithm(rest),
        "PAM:" => super::pam::classify_glue(rest),
        "Access" => access_denied(rest),
        "Refusing" if rest.starts_with("certificate") => {
            Some(with_reason(K::CertificateRefused, rest))
        }
        "session" | "Session" if rest.starts_with("process ") => session_process(rest),
        "RESTART" => Some(with_reason(K::ServerRestartFailed, rest)),
        "sshd" if rest.contains("requires execution with an absolute path") => {
            Some(with_reason(K::ServerExecFailed, m))
        }
        "rexec" => Some(with_reason(K::ServerExecFailed, m)),
        "administratively" => prohibited(rest),
        "bad" if rest.starts_with("ownership or modes for chroot") => {
            Some(with_reason(K::ChrootFailed, m))
        }
        "chroot" => Some(with_reason(K::ChrootFailed, m)),
        "ssh_dispatch_run_fatal:" | "ssh_packet_read:" | "send_error:" => protocol_error(rest),
        "Unsupported" if rest.starts_with("Match attribute") => {
            Some(with_reason(K::ConfigInvalid, m))
        }
        _ => key_source(m),
    }
}

fn with_reason(kind: K, reason: &str) -> Classified {
    let fields = EventFields {
        reason: non_empty(reason),
        ..EventFields::default()
    };
    Classified::new(kind, fields)
}

fn from_peer(kind: K, peer: Peer) -> Classified {
    let mut fields = EventFields::default();
    peer.apply(&mut fields);
    Classified::new(kind, fields)
}

fn peer_line(kind: K, rest: &str) -> Option<Classified> {
    Some(from_peer(kind, parse_remote_id(rest)?))
}

/// `Accepted|Failed|Postponed|Partial <method>[/<sub>] for [invalid user ]<user> from
/// <addr> port <n> ssh2[: <KEYTYPE> <FP>[ <cert details>]]`.
fn auth_result(kind: K, rest: &str) -> Option<Classified> {
    let (method, rest) = rest.split_once(" for ")?;
    if method.is_empty() || method.contains(' ') {
        return None;
    }
    let (peer, tail) = parse_user_from(rest)?;
    let mut f = EventFields {
        method: Some(AuthMethod::parse(method)),
        submethod: method.split_once('/').map(|(_, sub)| sub.to_owned()),
        ..EventFields::default()
    };
    peer.apply(&mut f);
    let tail = tail.trim_start();
    let tail = tail
        .strip_prefix("ssh2")
        .or_else(|| tail.strip_prefix("ssh1"))
        .unwrap_or(tail);
    if let Some(key) = tail.strip_prefix(':') {
        let mut words = key.split_whitespace();
        f.key_type = words.next().map(str::to_owned);
        f.fingerprint = words.next().map(str::to_owned);
    }
    Some(Classified::new(kind, f))
}

/// `Accepted key RSA SHA256:... found at /home/a/.ssh/authorized_keys:3` and the
/// certificate variant; the file and line go to `path` / `config_line`.
fn accepted_key(rest: &str) -> Option<Classified> {
    let (what, location) = rest.rsplit_once(" found at ")?;
    let mut f = EventFields::default();
    if let Some(key) = what.strip_prefix("key ") {
        let mut words = key.split_whitespace();
        f.key_type = words.next().map(str::to_owned);
        f.fingerprint = words.next().map(str::to_owned);
    } else {
        f.reason = non_empty(what);
    }
    match location.rsplit_once(':') {
        Some((path, line)) if parse_u32(line).is_some() => {
            f.path = Some(path.to_owned());
            f.config_line = parse_u32(line);
        }
        _ => f.path = non_empty(location),
    }
    Some(Classified::new(K::AuthorizedKeyMatched, f))
}

/// `Invalid user NAME from ADDR[ port N]`, and the config-pattern errors that share the word.
fn invalid(rest: &str) -> Option<Classified> {
    if let Some(body) = rest.strip_prefix("user ") {
        let (mut peer, _) = parse_user_from(body)?;
        peer.invalid_user = true;
        return Some(from_peer(K::InvalidUser, peer));
    }
    if rest.contains(" pattern ") {
        return Some(with_reason(K::ConfigInvalid, rest));
    }
    None
}

/// ≤7.x pre-auth helper: `input_userauth_request: invalid user NAME` (or `illegal user`).
fn old_invalid_user(rest: &str) -> Option<Classified> {
    let user = rest
        .strip_prefix("invalid user")
        .or_else(|| rest.strip_prefix("illegal user"))?;
    let f = EventFields {
        user: Some(user.strip_prefix(' ').unwrap_or(user).to_owned()),
        invalid_user: true,
        ..EventFields::default()
    };
    Some(Classified::new(K::InvalidUser, f))
}

fn user_line(rest: &str) -> Option<Classified> {
    if let Some(pid) = rest.strip_prefix("child is on pid ") {
        let f = EventFields {
            child_pid: parse_u32(pid.trim()),
            ..EventFields::default()
        };
        return Some(Classified::new(K::UserChildStarted, f));
    }
    if let Some((who, because)) = rest.split_once(" not allowed because ") {
        return not_allowed(who, because);
    }
    if rest.starts_with('\'') && rest.ends_with("is not a regular file") {
        return authorized_keys_file(rest, K::AuthorizedKeysUnreadable);
    }
    None
}

/// `User NAME from ADDR not allowed because <reason>` (or without `from ADDR`).
fn not_allowed(who: &str, because: &str) -> Option<Classified> {
    let mut f = EventFields::default();
    match who.rsplit_once(" from ") {
        Some((user, addr)) if !addr.contains(' ') => {
            f.user = Some(user.to_owned());
            f.addr = Some(addr.to_owned());
        }
        _ => f.user = Some(who.to_owned()),
    }
    match NotAllowedReason::from_text(because) {
        Some(reason) => {
            f.reason = Some(reason.as_str().to_owned());
            f.keyword = reason.directive().map(str::to_owned);
            match reason {
                NotAllowedReason::ShellMissing | NotAllowedReason::ShellNotExecutable => {
                    f.path = because
                        .strip_prefix("shell ")
                        .and_then(|s| s.split_whitespace().next())
                        .map(str::to_owned);
                }
                NotAllowedReason::Nologin => {
                    f.path = because.strip_suffix(" exists").map(str::to_owned);
                }
                _ => {}
            }
        }
        None => f.reason = non_empty(because),
    }
    Some(Classified::new(K::UserNotAllowed, f))
}

/// `ROOT LOGIN REFUSED FROM ADDR[ port N]`.
fn root_refused(rest: &str) -> Option<Classified> {
    let body = rest.strip_prefix("LOGIN REFUSED FROM ")?;
    let (addr, port) = split_port(body.trim());
    let f = EventFields {
        user: Some("root".to_owned()),
        addr: non_empty(addr),
        port,
        ..EventFields::default()
    };
    Some(Classified::new(K::RootLoginRefused, f))
}

/// StrictModes refusals and the AuthenticationMethods warnings.
fn authentication(rest: &str) -> Option<Classified> {
    if let Some(why) = rest.strip_prefix("refused: ") {
        return Some(strict_modes(None, why));
    }
    if let Some(body) = rest.strip_prefix("refused for ") {
        let (user, why) = body.split_once(": ")?;
        return Some(strict_modes(Some(user), why));
    }
    if rest.starts_with("methods list") {
        return Some(with_reason(K::ConfigInvalid, rest));
    }
    None
}

/// `bad ownership or modes for directory /home/alice/.ssh` -> path and the reason text.
fn strict_modes(user: Option<&str>, why: &str) -> Classified {
    let mut f = EventFields {
        user: user.map(str::to_owned),
        ..EventFields::default()
    };
    let split = ["directory ", "file ", "chroot directory ", "for "]
        .iter()
        .find_map(|marker| why.rsplit_once(marker).map(|(h, p)| (h, p, *marker)));
    if let Some(path) = why.strip_suffix(" is not a regular file") {
        f.path = Some(path.to_owned());
        f.reason = Some("not a regular file".to_owned());
    } else if let Some((head, path, marker)) = split {
        f.path = non_empty(path);
        f.reason = non_empty(&format!("{head}{}", marker.trim_end()));
    } else {
        f.reason = non_empty(why);
    }
    Classified::new(K::StrictModesRefused, f)
}

fn could_not(m: &str) -> Option<Classified> {
    if let Some(body) = m.strip_prefix("Could not open user ") {
        return authorized_keys_file(body, K::AuthorizedKeysUnreadable);
    }
    if let Some(body) = m.strip_prefix("Could not open ") {
        // 5.6-9.0: `Could not open authorized keys '%s': %s`
        let (what, rest) = body.split_once(" '")?;
        let (path, reason) = rest
            .split_once("': ")
            .unwrap_or((rest.trim_end_matches('\''), ""));
        let f = EventFields {
            path: non_empty(path),
            reason: non_empty(reason),
            keyword: non_empty(what),
            ..EventFields::default()
        };
        return Some(Classified::new(K::AuthorizedKeysUnreadable, f));
    }
    if m.starts_with("Couldn't create pid file") {
        return Some(with_reason(K::PidFileFailed, m));
    }
    None
}

/// `'alice' authorized keys '/home/alice/.ssh/authorized_keys': Permission denied` and
/// `'alice' authorized keys '/path' is not a regular file`.
fn authorized_keys_file(body: &str, kind: K) -> Option<Classified> {
    let body = body.strip_prefix('\'')?;
    let (user, rest) = body.split_once("' ")?;
    let (what, rest) = rest.split_once(" '")?;
    let (path, reason) = match rest.split_once("': ") {
        Some(pair) => pair,
        None => rest.split_once("' ")?,
    };
    let f = EventFields {
        user: Some(user.to_owned()),
        path: non_empty(path),
        reason: non_empty(reason),
        keyword: non_empty(what),
        ..EventFields::default()
    };
    Some(Classified::new(kind, f))
}

/// `maximum authentication attempts exceeded for [invalid user ]root from ADDR port N ssh2`.
fn max_auth_tries(rest: &str) -> Option<Classified> {
    let body = rest.strip_prefix("authentication attempts exceeded for ")?;
    let (peer, _) = parse_user_from(body)?;
    Some(from_peer(K::MaxAuthTriesExceeded, peer))
}

/// ≤7.4: `Disconnecting: Too many authentication failures[ for USER]`.
fn disconnecting_old(rest: &str) -> Option<Classified> {
    if let Some(tail) = rest.strip_prefix("Too many authentication failures") {
        let f = EventFields {
            user: tail.strip_prefix(" for ").and_then(non_empty),
            ..EventFields::default()
        };
        return Some(Classified::new(K::TooManyAuthFailures, f));
    }
    Some(with_reason(K::ServerDisconnecting, rest))
}

/// 7.5+: `Disconnecting <remote id>: <reason>`.
fn disconnecting(rest: &str) -> Option<Classified> {
    let (who, reason) = split_peer_reason(rest)?;
    let kind = if reason.starts_with("Too many authentication failures") {
        K::TooManyAuthFailures
    } else {
        K::ServerDisconnecting
    };
    let mut c = from_peer(kind, parse_remote_id(who)?);
    if kind == K::ServerDisconnecting {
        c.fields.reason = non_empty(reason);
    }
    Some(c)
}

/// Splits `<remote id>: <reason>` where the remote id may be IPv6: the split is after the
/// ` port N` if there is one, otherwise at the first `: `.
fn split_peer_reason(s: &str) -> Option<(&str, &str)> {
    if let Some(i) = s.find(" port ") {
        let after = &s[i + " port ".len()..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 {
            let end = i + " port ".len() + digits;
            let reason = s[end..].strip_prefix(':').map(str::trim_start);
            return Some((&s[..end], reason.unwrap_or("")));
        }
    }
    s.split_once(": ")
}

fn received(rest: &str) -> Option<Classified> {
    if let Some(body) = rest.strip_prefix("disconnect from ") {
        return received_disconnect(body);
    }
    if rest.starts_with("SIGHUP") {
        return Some(Classified::bare(K::ServerReloading));
    }
    let sig = rest.strip_prefix("signal ")?;
    let (n, _) = sig.split_once(';').unwrap_or((sig, ""));
    let f = EventFields {
        signal: n.trim().parse().ok(),
        ..EventFields::default()
    };
    Some(Classified::new(K::ServerTerminating, f))
}

/// `ADDR port N:CODE: TEXT` (7.2+) or `ADDR: CODE: TEXT` (≤7.1).
fn received_disconnect(body: &str) -> Option<Classified> {
    let (who, rest) = split_peer_reason(body)?;
    let (code, text) = rest.split_once(':').unwrap_or((rest, ""));
    let mut c = from_peer(K::ReceivedDisconnect, parse_remote_id(who)?);
    c.fields.disconnect_code = parse_u32(code.trim());
    c.fields.reason = non_empty(text);
    Some(c)
}

fn connection(rest: &str) -> Option<Classified> {
    if let Some(who) = rest.strip_prefix("closed by ") {
        return peer_line(K::ConnectionClosed, who);
    }
    if let Some(who) = rest.strip_prefix("reset by ") {
        return peer_line(K::ConnectionReset, who);
    }
    if let Some(who) = rest.strip_suffix(" timed out") {
        let who = who.strip_prefix("from ").unwrap_or(who);
        let mut c = peer_line(K::ConnectionClosed, who)?;
        c.fields.reason = Some("timed out".to_owned());
        return Some(c);
    }
    let body = rest.strip_prefix("from ")?;
    if let Some((who, local)) = body.split_once(" on ") {
        let mut c = peer_line(K::ConnectionFrom, who)?;
        let local = local.split(" rdomain ").next().unwrap_or(local);
        let (addr, port) = split_port(local.trim());
        c.fields.local_addr = non_empty(addr);
        c.fields.local_port = port;
        return Some(c);
    }
    if let Some((who, why)) = body.split_once(": ") {
        let mut c = peer_line(K::ProtocolError, who)?;
        c.fields.reason = non_empty(why);
        return Some(c);
    }
    None
}

fn did_not_receive(rest: &str) -> Option<Classified> {
    let who = rest.strip_prefix("not receive identification string from ")?;
    peer_line(K::NoIdentification, who)
}

/// `reverse mapping checking getaddrinfo for HOST [ADDR] failed - POSSIBLE BREAK-IN ATTEMPT!`
fn reverse_mapping(rest: &str) -> Option<Classified> {
    let body = rest.strip_prefix("mapping checking getaddrinfo for ")?;
    let (host, rest) = body.split_once(" [")?;
    let (addr, _) = rest.split_once(']')?;
    let f = EventFields {
        host: non_empty(host),
        addr: non_empty(addr),
        reason: Some("reverse mapping failed".to_owned()),
        ..EventFields::default()
    };
    Some(Classified::new(K::ReverseMappingFailed, f))
}

/// `Address ADDR maps to HOST, but this does not map back to the address - ...`
fn address_maps(rest: &str) -> Option<Classified> {
    let (addr, rest) = rest.split_once(" maps to ")?;
    let (host, _) = rest.split_once(", but this does not map back")?;
    let f = EventFields {
        host: non_empty(host),
        addr: non_empty(addr),
        reason: Some("does not map back".to_owned()),
        ..EventFields::default()
    };
    Some(Classified::new(K::ReverseMappingFailed, f))
}

fn unable(m: &str) -> Option<Classified> {
    if let Some(body) = m.strip_prefix("Unable to negotiate with ") {
        return negotiate(body);
    }
    if m.starts_with("Unable to negotiate a key exchange method") {
        return Some(kex(KexFailure::Kex, Vec::new()));
    }
    if m.starts_with("Unable to chdir to chroot path") {
        return Some(with_reason(K::ChrootFailed, m));
    }
    None
}

fn kex(class: KexFailure, offer: Vec<String>) -> Classified {
    let f = EventFields {
        reason: Some(class.as_str().to_owned()),
        offer,
        ..EventFields::default()
    };
    Classified::new(K::KexNoMatch, f)
}

fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `Unable to negotiate with <remote id>: no matching <class> found. Their offer: a,b`.
fn negotiate(body: &str) -> Option<Classified> {
    let i = body.find(": no matching ")?;
    let (who, rest) = (&body[..i], &body[i + 2..]);
    let (phrase, offer) = rest.split_once(". Their offer:").unwrap_or((rest, ""));
    let mut c = kex(KexFailure::from_phrase(phrase)?, split_list(offer));
    if let Some(peer) = parse_remote_id(who) {
        peer.apply(&mut c.fields);
    }
    Some(c)
}

/// Pre-7.0 fatals: `no matching cipher found: client X server Y`, `no hostkey alg`.
fn old_kex(m: &str) -> Option<Classified> {
    if m.starts_with("no hostkey alg") {
        return Some(kex(KexFailure::HostKey, Vec::new()));
    }
    let rest = m.strip_prefix("no matching ")?;
    let (phrase, lists) = rest.split_once(" found")?;
    let client = lists
        .strip_prefix(": client ")
        .map(|l| l.split(" server ").next().unwrap_or(l))
        .unwrap_or("");
    Some(kex(KexFailure::from_phrase(phrase)?, split_list(client)))
}

/// `Server listening on ADDR port N[ rdomain X].`
fn listening(rest: &str) -> Option<Classified> {
    let body = rest.strip_prefix("listening on ")?;
    let body = body.strip_suffix('.').unwrap_or(body);
    let body = body.split(" rdomain ").next().unwrap_or(body);
    let (addr, port) = split_port(body);
    let f = EventFields {
        local_addr: non_empty(addr),
        local_port: port,
        ..EventFields::default()
    };
    Some(Classified::new(K::ServerListening, f))
}

/// `Bind to port N on ADDR failed: REASON.`
fn bind_failed(rest: &str) -> Option<Classified> {
    let body = rest.strip_prefix("to port ")?;
    let (port, rest) = body.split_once(" on ")?;
    let (addr, reason) = rest.split_once(" failed")?;
    let reason = reason.trim_start_matches(':').trim();
    let f = EventFields {
        local_port: parse_port(port),
        local_addr: non_empty(addr),
        reason: non_empty(reason.strip_suffix('.').unwrap_or(reason)),
        ..EventFields::default()
    };
    Some(Classified::new(K::BindFailed, f))
}

/// `Write failed: Connection reset by peer`, `Read from socket failed: ...`,
/// `Read error from remote host ADDR port N: REASON`.
fn read_write(m: &str, rest: &str) -> Option<Classified> {
    if let Some(body) = rest.strip_prefix("error from remote host ") {
        let (who, reason) = split_peer_reason(body)?;
        let mut c = peer_line(K::ConnectionReset, who)?;
        c.fields.reason = non_empty(reason);
        return Some(c);
    }
    let (_, reason) = m.split_once("failed: ")?;
    let kind = if reason.contains("reset") {
        K::ConnectionReset
    } else {
        K::ConnectionClosed
    };
    Some(with_reason(kind, reason))
}

fn kex_identification(rest: &str) -> Option<Classified> {
    let banner = rest.contains("invalid characters")
        || rest.contains("invalid protocol identifier")
        || rest.starts_with("No SSH version")
        || rest.contains("banner line");
    let kind = if banner {
        K::BadProtocolBanner
    } else {
        K::NoIdentification
    };
    Some(with_reason(kind, rest))
}

/// `banner exchange: Connection from ADDR port N: invalid format`.
fn banner_exchange(rest: &str) -> Option<Classified> {
    let body = rest.strip_prefix("exchange: Connection ")?;
    let body = body
        .strip_prefix("from ")
        .or_else(|| body.strip_prefix("to "))
        .unwrap_or(body);
    let (who, reason) = split_peer_reason(body)?;
    let mut c = from_peer(
        K::BadProtocolBanner,
        parse_remote_id(who).unwrap_or_default(),
    );
    c.fields.reason = non_empty(reason);
    Some(c)
}

fn bad(rest: &str) -> Option<Classified> {
    if rest.starts_with("packet length") {
        return Some(with_reason(K::ProtocolError, rest));
    }
    if !rest.contains("protocol version identification") {
        return None;
    }
    let mut c = with_reason(K::BadProtocolBanner, rest);
    // ≤7.9: `Bad protocol version identification '%.100s' from %s port %d`
    if let Some((_, who)) = rest.rsplit_once("' from ") {
        if let Some(peer) = parse_remote_id(who) {
            peer.apply(&mut c.fields);
        }
    }
    Some(c)
}

/// `probed from ADDR port N with BANNER.  Don't panic.`
fn scanner(rest: &str) -> Option<Classified> {
    let body = rest.strip_prefix("from ")?;
    let (who, with) = body.split_once(" with ")?;
    let mut c = peer_line(K::ScannerProbe, who)?;
    c.fields.reason = non_empty(with.split("  Don't panic").next().unwrap_or(with));
    Some(c)
}

/// `drop connection #N from [ADDR]:PORT on [LADDR]:LPORT <reason>`.
fn drop_connection(rest: &str) -> Option<Classified> {
    let body = rest.strip_prefix("connection #")?;
    let mut f = EventFields::default();
    let Some((_, after)) = body.split_once(" from ") else {
        return Some(Classified::new(K::MaxStartupsDrop, f));
    };
    let (remote, after) = bracketed(after)?;
    f.addr = Some(remote.0.to_owned());
    f.port = remote.1;
    let after = after.trim_start();
    let reason = match after.strip_prefix("on ").and_then(bracketed) {
        Some((local, tail)) => {
            f.local_addr = Some(local.0.to_owned());
            f.local_port = local.1;
            tail
        }
        None => after,
    };
    f.reason = non_empty(reason);
    Some(Classified::new(K::MaxStartupsDrop, f))
}

/// `[ADDR]:PORT` -> ((addr, port), rest).
fn bracketed(s: &str) -> Option<((&str, Option<u16>), &str)> {
    let s = s.strip_prefix('[')?;
    let (addr, rest) = s.split_once(']')?;
    let rest = rest.strip_prefix(':').unwrap_or(rest);
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    Some(((addr, parse_port(&rest[..digits])), &rest[digits..]))
}

fn throttling(m: &str) -> Classified {
    let mut c = with_reason(K::MaxStartupsThrottling, m);
    let count = m
        .split_once("additional ")
        .or_else(|| m.split_once(", "))
        .and_then(|(_, t)| t.split_whitespace().find_map(parse_u32));
    c.fields.count = count;
    c
}

/// `srclimit_penalise: ipv4: new 203.0.113.7/32 active penalty of 5.000 seconds for <why>`
/// and `... activating ipv4 penalty ...`.
fn penalise(rest: &str) -> Option<Classified> {
    let mut f = EventFields {
        reason: non_empty(rest.rsplit_once(" for ").map_or(rest, |(_, why)| why)),
        ..EventFields::default()
    };
    let words: Vec<&str> = rest.split_whitespace().collect();
    if let Some(i) = words.iter().position(|w| *w == "new" || *w == "activating") {
        f.addr = words.get(i + 1).map(|w| (*w).to_owned());
        if f.addr
            .as_deref()
            .is_some_and(|a| a.starts_with("ipv") || a.ends_with(':'))
        {
            f.addr = words.get(i + 2).map(|w| (*w).to_owned());
        }
    }
    Some(Classified::new(K::SourcePenalised, f))
}

fn timeout(rest: &str) -> Option<Classified> {
    if let Some(body) = rest.strip_prefix("before authentication for ") {
        return Some(grace_timeout(body));
    }
    if let Some(who) = rest.strip_prefix(", client not responding from ") {
        return peer_line(K::ClientAliveTimeout, who);
    }
    if rest.starts_with(", client not responding") {
        return Some(Classified::bare(K::ClientAliveTimeout));
    }
    None
}

/// ≤9.7 `ADDR port N`; 9.8+ `connection from A to B, pid = N`.
fn grace_timeout(body: &str) -> Classified {
    let mut f = EventFields::default();
    let (conn, pid) = match body.split_once(", pid = ") {
        Some((c, p)) => (c, parse_u32(p.trim())),
        None => (body, None),
    };
    f.child_pid = pid;
    let conn = conn.strip_prefix("connection from ").unwrap_or(conn);
    let (remote, local) = conn.split_once(" to ").unwrap_or((conn, ""));
    if let Some(peer) = parse_remote_id(remote) {
        peer.apply(&mut f);
    }
    let (laddr, lport) = split_port(local.trim());
    f.local_addr = non_empty(laddr);
    f.local_port = lport;
    Classified::new(K::LoginGraceTimeout, f)
}

/// VERBOSE `Starting session: shell on pts/0 for alice from ADDR port N id 0`.
fn starting_session(rest: &str) -> Option<Classified> {
    let body = rest.strip_prefix("session: ")?;
    let (what, who) = body.rsplit_once(" for ")?;
    let who = who.rsplit_once(" id ").map_or(who, |(w, _)| w);
    let (peer, _) = parse_user_from(who)?;
    let mut c = from_peer(K::SessionStarted, peer);
    c.fields.reason = non_empty(what);
    Some(c)
}

/// `subsystem request for sftp by user alice`: the session sshd starts for sftp clients.
fn subsystem(rest: &str) -> Option<Classified> {
    let body = rest.strip_prefix("request for ")?;
    let (name, user) = body.split_once(" by user ")?;
    let f = EventFields {
        user: non_empty(user),
        reason: Some(format!("subsystem {name}")),
        ..EventFields::default()
    };
    Some(Classified::new(K::SessionStarted, f))
}

/// VERBOSE `Close session: user alice from ADDR port N id 0`.
fn close_session(rest: &str) -> Option<Classified> {
    let body = rest.strip_prefix("session: user ")?;
    let body = body.rsplit_once(" id ").map_or(body, |(w, _)| w);
    let (peer, _) = parse_user_from(body)?;
    Some(from_peer(K::SessionClosed, peer))
}

/// `signature algorithm ssh-rsa not in PubkeyAcceptedAlgorithms` (9.0+),
/// `key type ssh-rsa not in PubkeyAcceptedAlgorithms|PubkeyAcceptedKeyTypes` (older),
/// `unsupported public key algorithm: X`.
fn pubkey_algorithm(rest: &str) -> Option<Classified> {
    let mut f = EventFields::default();
    if let Some(alg) = rest.strip_prefix("unsupported public key algorithm: ") {
        f.key_type = non_empty(alg);
        f.reason = Some("unsupported".to_owned());
        return Some(Classified::new(K::PubkeyAlgorithmRefused, f));
    }
    let body = rest
        .strip_prefix("signature algorithm ")
        .or_else(|| rest.strip_prefix("key type "))?;
    let (alg, directive) = body.split_once(" not in ")?;
    f.key_type = non_empty(alg);
    f.keyword = non_empty(directive);
    Some(Classified::new(K::PubkeyAlgorithmRefused, f))
}

/// `Access denied for user NAME by PAM account configuration`.
fn access_denied(rest: &str) -> Option<Classified> {
    let body = rest.strip_prefix("denied for user ")?;
    let (user, why) = body.split_once(" by ").unwrap_or((body, ""));
    let f = EventFields {
        user: Some(user.to_owned()),
        reason: non_empty(why),
        ..EventFields::default()
    };
    Some(Classified::new(K::PamAccountDenied, f))
}

/// 9.8+ listener: `session process N for <conn> killed by signal S`, `... terminated
/// abnormally, status=0x..`, `Session process N unpriv child crash for <conn>`.
fn session_process(rest: &str) -> Option<Classified> {
    let body = rest.strip_prefix("process ")?;
    let (pid, tail) = body.split_once(' ')?;
    let mut f = EventFields {
        child_pid: parse_u32(pid),
        ..EventFields::default()
    };
    if let Some((_, sig)) = tail.split_once("killed by signal ") {
        let digits: String = sig.chars().take_while(char::is_ascii_digit).collect();
        f.signal = digits.parse().ok();
    }
    if let Some(conn) = tail.split_once("connection from ").map(|(_, c)| c) {
        let remote = conn.split(" to ").next().unwrap_or(conn);
        if let Some(peer) = parse_remote_id(remote) {
            peer.apply(&mut f);
        }
    }
    f.reason = non_empty(tail);
    Some(Classified::new(K::SessionProcessCrashed, f))
}

/// `administratively prohibited connection for [invalid user ]NAME from ADDR port N`.
fn prohibited(rest: &str) -> Option<Classified> {
    let body = rest.strip_prefix("prohibited connection for ")?;
    let (peer, _) = parse_user_from(body)?;
    Some(from_peer(K::ConnectionProhibited, peer))
}

/// `ssh_dispatch_run_fatal: Connection from ADDR port N: message authentication code
/// incorrect`.
fn protocol_error(rest: &str) -> Option<Classified> {
    let body = rest.strip_prefix("Connection ").unwrap_or(rest);
    let body = body
        .strip_prefix("from ")
        .or_else(|| body.strip_prefix("to "))
        .unwrap_or(body);
    let (who, reason) = split_peer_reason(body).unwrap_or((body, ""));
    let mut c = from_peer(K::ProtocolError, parse_remote_id(who).unwrap_or_default());
    c.fields.reason = non_empty(reason).or_else(|| non_empty(rest));
    Some(c)
}

/// `<file>:<line>: Authentication tried for NAME with correct key but not from a permitted
/// host (host=..., ip=..., required=...).` and the certificate variant.
fn key_source(m: &str) -> Option<Classified> {
    let (location, rest) = m.split_once(": Authentication tried for ")?;
    let (user, why) = rest.split_once(" with ")?;
    let mut f = EventFields {
        user: Some(user.to_owned()),
        reason: non_empty(why),
        ..EventFields::default()
    };
    match location.rsplit_once(':') {
        Some((path, line)) if parse_u32(line).is_some() => {
            f.path = Some(path.to_owned());
            f.config_line = parse_u32(line);
        }
        _ => f.path = non_empty(location),
    }
    if let Some((_, ip)) = why.split_once("ip=") {
        f.addr = non_empty(ip.split([',', ')']).next().unwrap_or(""));
    }
    Some(Classified::new(K::KeySourceNotPermitted, f))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, fx};
    use super::*;

    const FP: &str = "SHA256:zeQTDkoYJ0bBj7DT2T7lHSWOjIJTWysAva4LGGIsk";

    #[test]
    fn auth_results() {
        check(&[
            ("sshd", "Accepted password for alice from 203.0.113.7 port 50522 ssh2", K::AuthAccepted,
                fx().method("password").user("alice").addr("203.0.113.7").port(50522)),
            ("sshd-session", &format!("Accepted publickey for ubuntu from 2001:db8::1 port 47246 ssh2: ED25519 {FP}"), K::AuthAccepted,
                fx().method("publickey").user("ubuntu").addr("2001:db8::1").port(47246).key("ED25519", Some(FP))),
            ("sshd", "Accepted publickey for vagrant from 10.0.2.2 port 63673 ssh2: RSA 39:33:99:e9:a0:dc:f2:33:a3:e5:72:3b:7c:3a:56:84", K::AuthAccepted,
                fx().method("publickey").user("vagrant").addr("10.0.2.2").port(63673).key("RSA", Some("39:33:99:e9:a0:dc:f2:33:a3:e5:72:3b:7c:3a:56:84"))),
            ("sshd", "Accepted publickey for alice from 203.0.113.7 port 5 ssh2: ED25519-CERT SHA256:abc ID alice@corp (serial 7) CA ED25519 SHA256:def", K::AuthAccepted,
                fx().method("publickey").user("alice").addr("203.0.113.7").port(5).key("ED25519-CERT", Some("SHA256:abc"))),
            ("sshd", "Accepted keyboard-interactive/pam for bob from host.example.org port 2222 ssh2", K::AuthAccepted,
                fx().method("keyboard-interactive/pam").user("bob").addr("host.example.org").port(2222)),
            ("sshd", "Failed password for invalid user admin from 2001:db8::5 port 50022 ssh2", K::AuthFailed,
                fx().method("password").user("admin").invalid().addr("2001:db8::5").port(50022)),
            ("sshd", "Failed none for invalid user support from 1.2.3.4 port 42 ssh2", K::AuthFailed,
                fx().method("none").user("support").invalid().addr("1.2.3.4").port(42)),
            ("sshd", "Failed password for root from 183.62.140.253 port 49310 ssh2", K::AuthFailed,
                fx().method("password").user("root").addr("183.62.140.253").port(49310)),
            ("sshd", "Failed password for invalid user  from 1.2.3.4 port 42 ssh2", K::AuthFailed,
                fx().method("password").user("").invalid().addr("1.2.3.4").port(42)),
            ("sshd-session", "Failed publickey for alice from 203.0.113.7 port 9 ssh2: RSA SHA256:xyz", K::AuthFailed,
                fx().method("publickey").user("alice").addr("203.0.113.7").port(9).key("RSA", Some("SHA256:xyz"))),
            ("sshd", "Postponed publickey for alice from 203.0.113.7 port 50522 ssh2 [preauth]", K::AuthPostponed,
                fx().method("publickey").user("alice").addr("203.0.113.7").port(50522).preauth()),
            ("sshd", "Partial publickey for alice from 203.0.113.7 port 50522 ssh2: ED25519 SHA256:q", K::AuthPartial,
                fx().method("publickey").user("alice").addr("203.0.113.7").port(50522).key("ED25519", Some("SHA256:q"))),
            ("sshd", "Accepted key RSA SHA256:abc found at /home/alice/.ssh/authorized_keys:3", K::AuthorizedKeyMatched,
                fx().key("RSA", Some("SHA256:abc")).path("/home/alice/.ssh/authorized_keys").line(3)),
        ]);
    }

    #[test]
    fn invalid_and_refused_users() {
        check(&[
            ("sshd", "Invalid user admin from 2001:db8::5 port 50022", K::InvalidUser,
                fx().user("admin").invalid().addr("2001:db8::5").port(50022)),
            ("sshd", "Invalid user webmaster from 173.234.31.186", K::InvalidUser,
                fx().user("webmaster").invalid().addr("173.234.31.186")),
            ("sshd", "Invalid user  from 1.2.3.4", K::InvalidUser, fx().user("").invalid().addr("1.2.3.4")),
            ("sshd", "input_userauth_request: invalid user test [preauth]", K::InvalidUser,
                fx().user("test").invalid().preauth()),
            ("sshd", "User bob from 198.51.100.23 not allowed because not listed in AllowUsers", K::UserNotAllowed,
                fx().user("bob").addr("198.51.100.23").reason("not_listed_in_allow_users").keyword("AllowUsers")),
            ("sshd", "User eve from gw.example.net not allowed because listed in DenyUsers", K::UserNotAllowed,
                fx().user("eve").addr("gw.example.net").reason("listed_in_deny_users").keyword("DenyUsers")),
            ("sshd-session", "User carol from 2001:db8::7 not allowed because none of user's groups are listed in AllowGroups", K::UserNotAllowed,
                fx().user("carol").addr("2001:db8::7").reason("no_group_in_allow_groups").keyword("AllowGroups")),
            ("sshd", "User dan from 1.2.3.4 not allowed because a group is listed in DenyGroups", K::UserNotAllowed,
                fx().user("dan").addr("1.2.3.4").reason("group_listed_in_deny_groups").keyword("DenyGroups")),
            ("sshd", "User dan from 1.2.3.4 not allowed because not in any group", K::UserNotAllowed,
                fx().user("dan").addr("1.2.3.4").reason("not_in_any_group")),
            ("sshd", "User svc not allowed because shell /bin/false2 does not exist", K::UserNotAllowed,
                fx().user("svc").reason("shell_missing").path("/bin/false2")),
            ("sshd", "User bob not allowed because /etc/nologin exists", K::UserNotAllowed,
                fx().user("bob").reason("nologin").path("/etc/nologin")),
            ("sshd", "ROOT LOGIN REFUSED FROM 1.2.3.4 port 22 [preauth]", K::RootLoginRefused,
                fx().user("root").addr("1.2.3.4").port(22).preauth()),
            ("sshd", "ROOT LOGIN REFUSED FROM 2001:db8::1", K::RootLoginRefused, fx().user("root").addr("2001:db8::1")),
            ("sshd", "Access denied for user carol by PAM account configuration [preauth]", K::PamAccountDenied,
                fx().user("carol").reason("PAM account configuration").preauth()),
            ("sshd-session", "fatal: Access denied for user dave by PAM account configuration [preauth]", K::PamAccountDenied,
                fx().user("dave").reason("PAM account configuration").preauth()),
        ]);
    }

    #[test]
    fn pubkey_problems() {
        check(&[
            ("sshd", "Authentication refused: bad ownership or modes for directory /home/alice/.ssh", K::StrictModesRefused,
                fx().path("/home/alice/.ssh").reason("bad ownership or modes for directory")),
            ("sshd", "Authentication refused: bad ownership or modes for file /home/alice/.ssh/authorized_keys", K::StrictModesRefused,
                fx().path("/home/alice/.ssh/authorized_keys").reason("bad ownership or modes for file")),
            ("sshd", "Could not open user 'alice' authorized keys '/home/alice/.ssh/authorized_keys': Permission denied", K::AuthorizedKeysUnreadable,
                fx().user("alice").path("/home/alice/.ssh/authorized_keys").reason("Permission denied").keyword("authorized keys")),
            ("sshd", "Could not open authorized keys '/home/alice/.ssh/authorized_keys': Permission denied", K::AuthorizedKeysUnreadable,
                fx().path("/home/alice/.ssh/authorized_keys").reason("Permission denied").keyword("authorized keys")),
            ("sshd-session", "userauth_pubkey: signature algorithm ssh-rsa not in PubkeyAcceptedAlgorithms [preauth]", K::PubkeyAlgorithmRefused,
                fx().key("ssh-rsa", None).keyword("PubkeyAcceptedAlgorithms").preauth()),
            ("sshd", "userauth_pubkey: key type ssh-dss not in PubkeyAcceptedKeyTypes [preauth]", K::PubkeyAlgorithmRefused,
                fx().key("ssh-dss", None).keyword("PubkeyAcceptedKeyTypes").preauth()),
        ]);
    }

    #[test]
    fn key_exchange() {
        check(&[
            ("sshd", "Unable to negotiate with 203.0.113.9 port 51234: no matching key exchange method found. Their offer: diffie-hellman-group1-sha1,diffie-hellman-group14-sha1 [preauth]", K::KexNoMatch,
                fx().addr("203.0.113.9").port(51234).reason("kex").offer(&["diffie-hellman-group1-sha1", "diffie-hellman-group14-sha1"]).preauth()),
            ("sshd-session", "Unable to negotiate with 2001:db8::9 port 22: no matching host key type found. Their offer: ssh-rsa,ssh-dss [preauth]", K::KexNoMatch,
                fx().addr("2001:db8::9").port(22).reason("host_key").offer(&["ssh-rsa", "ssh-dss"]).preauth()),
            ("sshd", "fatal: Unable to negotiate with 10.0.0.1: no matching cipher found. Their offer: aes128-cbc,3des-cbc [preauth]", K::KexNoMatch,
                fx().addr("10.0.0.1").reason("cipher").offer(&["aes128-cbc", "3des-cbc"]).preauth()),
            ("sshd", "Unable to negotiate with 10.0.0.1 port 5: no matching MAC found. Their offer: hmac-md5", K::KexNoMatch,
                fx().addr("10.0.0.1").port(5).reason("mac").offer(&["hmac-md5"])),
            ("sshd", "fatal: no matching cipher found: client aes128-cbc,blowfish-cbc server aes256-ctr [preauth]", K::KexNoMatch,
                fx().reason("cipher").offer(&["aes128-cbc", "blowfish-cbc"]).preauth()),
            ("sshd", "fatal: Unable to negotiate a key exchange method [preauth]", K::KexNoMatch, fx().reason("kex").preauth()),
            ("sshd", "no hostkey alg [preauth]", K::KexNoMatch, fx().reason("host_key").preauth()),
        ]);
    }

    #[test]
    fn connection_ends() {
        check(&[
            ("sshd", "Received disconnect from 1.2.3.4: 11: Bye Bye [preauth]", K::ReceivedDisconnect,
                fx().addr("1.2.3.4").code(11).reason("Bye Bye").preauth()),
            ("sshd", "Received disconnect from 2001:db8::1 port 5555:11: disconnected by user", K::ReceivedDisconnect,
                fx().addr("2001:db8::1").port(5555).code(11).reason("disconnected by user")),
            ("sshd", "error: Received disconnect from 103.99.0.122: 14: No more user authentication methods available. [preauth]", K::ReceivedDisconnect,
                fx().addr("103.99.0.122").code(14).reason("No more user authentication methods available.").preauth()),
            ("sshd", "error: Received disconnect from 1.2.3.4 port 9:3: com.jcraft.jsch.JSchException: Auth fail [preauth]", K::ReceivedDisconnect,
                fx().addr("1.2.3.4").port(9).code(3).reason("com.jcraft.jsch.JSchException: Auth fail").preauth()),
            ("sshd", "Connection closed by 1.2.3.4 [preauth]", K::ConnectionClosed, fx().addr("1.2.3.4").preauth()),
            ("sshd-session", "Connection closed by authenticating user root 2001:db8::2 port 50522 [preauth]", K::ConnectionClosed,
                fx().user("root").addr("2001:db8::2").port(50522).preauth()),
            ("sshd", "Connection closed by invalid user admin 198.51.100.9 port 41000 [preauth]", K::ConnectionClosed,
                fx().user("admin").invalid().addr("198.51.100.9").port(41000).preauth()),
            ("sshd", "Connection reset by 1.2.3.4 port 5 [preauth]", K::ConnectionReset, fx().addr("1.2.3.4").port(5).preauth()),
            ("sshd", "fatal: Write failed: Connection reset by peer [preauth]", K::ConnectionReset,
                fx().reason("Connection reset by peer").preauth()),
            ("sshd", "Disconnected from user alice 1.2.3.4 port 5555", K::Disconnected,
                fx().user("alice").addr("1.2.3.4").port(5555)),
            ("sshd", "Disconnected from authenticating user root 1.2.3.4 port 5 [preauth]", K::Disconnected,
                fx().user("root").addr("1.2.3.4").port(5).preauth()),
            ("sshd", "Did not receive identification string from 2.125.160.217", K::NoIdentification, fx().addr("2.125.160.217")),
            ("sshd", "Did not receive identification string from 2001:db8::3 port 4", K::NoIdentification, fx().addr("2001:db8::3").port(4)),
            ("sshd", "error: kex_exchange_identification: Connection closed by remote host", K::NoIdentification,
                fx().reason("Connection closed by remote host")),
            ("sshd", "error: kex_exchange_identification: client sent invalid protocol identifier \"GET / HTTP/1.1\"", K::BadProtocolBanner,
                fx().reason("client sent invalid protocol identifier \"GET / HTTP/1.1\"")),
            ("sshd", "banner exchange: Connection from 1.2.3.4 port 5555: invalid format", K::BadProtocolBanner,
                fx().addr("1.2.3.4").port(5555).reason("invalid format")),
            ("sshd", "Disconnecting: Too many authentication failures for root [preauth]", K::TooManyAuthFailures, fx().user("root").preauth()),
            ("sshd", "Disconnecting: Too many authentication failures [preauth]", K::TooManyAuthFailures, fx().preauth()),
            ("sshd", "Disconnecting authenticating user root 203.0.113.7 port 50522: Too many authentication failures [preauth]", K::TooManyAuthFailures,
                fx().user("root").addr("203.0.113.7").port(50522).preauth()),
            ("sshd", "Disconnecting invalid user x 2001:db8::4 port 1: Change of username or service not allowed: (x,ssh-connection) -> (y,ssh-connection) [preauth]", K::ServerDisconnecting,
                fx().user("x").invalid().addr("2001:db8::4").port(1).reason("Change of username or service not allowed: (x,ssh-connection) -> (y,ssh-connection)").preauth()),
            ("sshd", "error: maximum authentication attempts exceeded for root from 1.2.3.4 port 5 ssh2 [preauth]", K::MaxAuthTriesExceeded,
                fx().user("root").addr("1.2.3.4").port(5).preauth()),
            ("sshd", "error: maximum authentication attempts exceeded for invalid user test from 2001:db8::1 port 5 ssh2 [preauth]", K::MaxAuthTriesExceeded,
                fx().user("test").invalid().addr("2001:db8::1").port(5).preauth()),
            ("sshd", "reverse mapping checking getaddrinfo for ns.marryaldkfaczcz.com [173.234.31.186] failed - POSSIBLE BREAK-IN ATTEMPT!", K::ReverseMappingFailed,
                fx().host("ns.marryaldkfaczcz.com").addr("173.234.31.186").reason("reverse mapping failed")),
            ("sshd", "Address 1.2.3.4 maps to x.example.com, but this does not map back to the address - POSSIBLE BREAK-IN ATTEMPT!", K::ReverseMappingFailed,
                fx().host("x.example.com").addr("1.2.3.4").reason("does not map back")),
        ]);
    }

    #[test]
    fn throttling_and_resources() {
        check(&[
            ("sshd", "drop connection #10 from [1.2.3.4]:5555 on [10.0.0.5]:22 past MaxStartups", K::MaxStartupsDrop,
                fx().addr("1.2.3.4").port(5555).local("10.0.0.5", Some(22)).reason("past MaxStartups")),
            ("sshd", "drop connection #0 from [2001:db8::1]:5555 on [2001:db8::2]:22 penalty: failed authentication", K::MaxStartupsDrop,
                fx().addr("2001:db8::1").port(5555).local("2001:db8::2", Some(22)).reason("penalty: failed authentication")),
            ("sshd", "srclimit_penalise: ipv4: new 203.0.113.7/32 active penalty of 5.000 seconds for penalty: failed authentication", K::SourcePenalised,
                fx().addr("203.0.113.7/32").reason("penalty: failed authentication")),
            ("sshd", "error: beginning MaxStartups throttling", K::MaxStartupsThrottling, fx().reason("beginning MaxStartups throttling")),
            ("sshd", "fatal: Timeout before authentication for 1.2.3.4 port 5555", K::LoginGraceTimeout, fx().addr("1.2.3.4").port(5555)),
            ("sshd", "Timeout before authentication for connection from 2001:db8::1 to 10.0.0.5, pid = 4242", K::LoginGraceTimeout,
                fx().addr("2001:db8::1").local("10.0.0.5", None).child(4242)),
            ("sshd", "fatal: fork of unprivileged child failed", K::ForkFailed, fx().reason("fork of unprivileged child failed")),
            ("sshd", "error: fork: Resource temporarily unavailable", K::ForkFailed, fx().reason("fork: Resource temporarily unavailable")),
            ("sshd", "error: accept: Too many open files", K::AcceptFailed, fx().reason("Too many open files")),
            ("sshd", "error: openpty: No such file or directory", K::PtyAllocFailed, fx().reason("openpty: No such file or directory")),
            ("sshd", "session process 1234 for connection from 1.2.3.4 to 10.0.0.5 killed by signal 11", K::SessionProcessCrashed,
                fx().child(1234).signal(11).addr("1.2.3.4").reason("for connection from 1.2.3.4 to 10.0.0.5 killed by signal 11")),
        ]);
    }

    #[test]
    fn listener_and_lifecycle() {
        check(&[
            (
                "sshd",
                "Server listening on 0.0.0.0 port 22.",
                K::ServerListening,
                fx().local("0.0.0.0", Some(22)),
            ),
            (
                "sshd",
                "Server listening on :: port 2222.",
                K::ServerListening,
                fx().local("::", Some(2222)),
            ),
            (
                "sshd",
                "Received signal 15; terminating.",
                K::ServerTerminating,
                fx().signal(15),
            ),
            (
                "sshd",
                "Received SIGHUP; restarting.",
                K::ServerReloading,
                fx(),
            ),
            (
                "sshd",
                "error: Bind to port 22 on 0.0.0.0 failed: Address already in use.",
                K::BindFailed,
                fx().local("0.0.0.0", Some(22))
                    .reason("Address already in use"),
            ),
            (
                "sshd",
                "error: Bind to port 22 on 2001:db8::1 failed: Cannot assign requested address.",
                K::BindFailed,
                fx().local("2001:db8::1", Some(22))
                    .reason("Cannot assign requested address"),
            ),
            (
                "sshd",
                "fatal: Cannot bind any address.",
                K::CannotBindAny,
                fx(),
            ),
            (
                "sshd",
                "Connection from 1.2.3.4 port 5555 on 10.0.0.5 port 22",
                K::ConnectionFrom,
                fx().addr("1.2.3.4").port(5555).local("10.0.0.5", Some(22)),
            ),
            (
                "sshd-session",
                "Connection from 2001:db8::1 port 5555 on 2001:db8::2 port 22 rdomain \"\"",
                K::ConnectionFrom,
                fx().addr("2001:db8::1")
                    .port(5555)
                    .local("2001:db8::2", Some(22)),
            ),
            (
                "sshd",
                "Starting session: shell on pts/0 for alice from 203.0.113.7 port 50522 id 0",
                K::SessionStarted,
                fx().user("alice")
                    .addr("203.0.113.7")
                    .port(50522)
                    .reason("shell on pts/0"),
            ),
            (
                "sshd",
                "Close session: user alice from 203.0.113.7 port 50522 id 0",
                K::SessionClosed,
                fx().user("alice").addr("203.0.113.7").port(50522),
            ),
            (
                "sshd",
                "User child is on pid 4321",
                K::UserChildStarted,
                fx().child(4321),
            ),
            (
                "sshd",
                "Transferred: sent 3104, received 2900 bytes",
                K::BytesTransferred,
                fx().reason("sent 3104, received 2900 bytes"),
            ),
            (
                "sshd",
                "Closing connection to 2001:db8::1 port 5555",
                K::ClosingConnection,
                fx().addr("2001:db8::1").port(5555),
            ),
        ]);
    }

    #[test]
    fn typed_reasons_round_trip() {
        for r in NotAllowedReason::ALL {
            assert_eq!(NotAllowedReason::parse(r.as_str()), Some(r));
        }
        for k in [
            KexFailure::Kex,
            KexFailure::HostKey,
            KexFailure::Cipher,
            KexFailure::Mac,
            KexFailure::Compression,
        ] {
            assert_eq!(KexFailure::parse(k.as_str()), Some(k));
        }
    }
}
