//! What sshd prints on stderr before its logging is set up: sshd_config syntax errors,
//! host-key problems, the privilege-separation checks.
//!
//! These are the only traces of a daemon that never started, and they reach the journal as
//! the unit's output without the `fatal:`/`error:` tag, often in syslog/messages rather than
//! auth.log. The file and line they name are what the user has to fix, so they are kept in
//! `path` and `config_line`, and the offending keyword in `keyword`.

use super::{non_empty, parse_u32, Classified};
use crate::model::{EventFields, EventKind as K};

pub(crate) fn classify(m: &str) -> Option<Classified> {
    let m = m.strip_suffix('.').unwrap_or(m);
    if let Some(c) = config_line(m) {
        return Some(c);
    }
    if let Some(c) = config_summary(m) {
        return Some(c);
    }
    host_keys(m).or_else(|| privsep(m))
}

/// `PATH line N: MESSAGE` and `PATH: line N: MESSAGE`.
fn config_line(m: &str) -> Option<Classified> {
    let (path, rest) = m.split_once(" line ")?;
    let path = path.strip_suffix(':').unwrap_or(path);
    if path.is_empty() || path.contains(' ') {
        return None;
    }
    let (n, msg) = rest.split_once(':')?;
    let line = parse_u32(n)?;
    let msg = msg.trim();
    let mut f = EventFields {
        path: Some(path.to_owned()),
        config_line: Some(line),
        ..EventFields::default()
    };
    let kind = config_message(msg, &mut f);
    Some(Classified::new(kind, f))
}

/// Sorts one servconf.c complaint and pulls out the keyword it names.
fn config_message(msg: &str, f: &mut EventFields) -> K {
    f.reason = non_empty(msg);
    if let Some(word) = msg.strip_prefix("Bad configuration option: ") {
        f.keyword = non_empty(word);
        return K::ConfigBadOption;
    }
    for prefix in ["Deprecated option ", "Unsupported option "] {
        if let Some(word) = msg.strip_prefix(prefix) {
            f.keyword = non_empty(word);
            return K::ConfigDeprecatedOption;
        }
    }
    if let Some(rest) = msg.strip_prefix("keyword ") {
        f.keyword = rest.split_whitespace().next().map(str::to_owned);
    } else if let Some(rest) = msg.strip_prefix("Directive '") {
        f.keyword = rest.split('\'').next().and_then(non_empty);
    } else if let Some((word, _)) = msg.split_once(" missing argument") {
        f.keyword = non_empty(word);
    }
    K::ConfigInvalid
}

/// `PATH: terminating, N bad configuration options`.
fn config_summary(m: &str) -> Option<Classified> {
    let (path, rest) = m.split_once(": terminating, ")?;
    let n = rest.split_whitespace().next().and_then(parse_u32);
    let f = EventFields {
        path: non_empty(path),
        count: n,
        reason: non_empty(rest),
        ..EventFields::default()
    };
    Some(Classified::new(K::ConfigInvalid, f))
}

fn host_keys(m: &str) -> Option<Classified> {
    if m.ends_with("no hostkeys available -- exiting") {
        return Some(Classified::bare(K::NoHostKeys));
    }
    let body = m
        .strip_prefix("Unable to load host key")
        .or_else(|| m.strip_prefix("Could not load host key"));
    if let Some(body) = body {
        let body = body.trim_start_matches(':').trim();
        let (path, reason) = match body.strip_prefix('"') {
            Some(quoted) => quoted.split_once('"').unwrap_or((quoted, "")),
            None => (body, ""),
        };
        let f = EventFields {
            path: non_empty(path),
            reason: non_empty(reason.trim_start_matches(':')),
            ..EventFields::default()
        };
        return Some(Classified::new(K::HostKeyLoadFailed, f));
    }
    let path = m
        .strip_prefix("Public key for ")?
        .strip_suffix(" does not match private key")?;
    let f = EventFields {
        path: non_empty(path),
        reason: Some("public key does not match private key".to_owned()),
        ..EventFields::default()
    };
    Some(Classified::new(K::HostKeyLoadFailed, f))
}

fn privsep(m: &str) -> Option<Classified> {
    if let Some(path) = m.strip_prefix("Missing privilege separation directory: ") {
        return Some(with_path(K::MissingPrivsepDir, path));
    }
    if let Some(user) = m
        .strip_prefix("Privilege separation user ")
        .and_then(|r| r.strip_suffix(" does not exist"))
    {
        let f = EventFields {
            user: non_empty(user),
            ..EventFields::default()
        };
        return Some(Classified::new(K::PrivsepUserMissing, f));
    }
    if let Some(path) = m.strip_suffix(" must be owned by root and not group or world-writable") {
        return Some(with_path(K::PrivsepDirInsecure, path));
    }
    if let Some(path) = m.strip_suffix(" does not exist or is not executable") {
        return Some(with_path(K::ServerExecFailed, path));
    }
    None
}

fn with_path(kind: K, path: &str) -> Classified {
    let f = EventFields {
        path: non_empty(path),
        ..EventFields::default()
    };
    Classified::new(kind, f)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, fx};
    use super::*;

    #[test]
    fn startup_output() {
        check(&[
            ("sshd", "/etc/ssh/sshd_config line 12: Bad configuration option: Foo", K::ConfigBadOption,
                fx().path("/etc/ssh/sshd_config").line(12).keyword("Foo").reason("Bad configuration option: Foo")),
            ("sshd", "/etc/ssh/sshd_config: line 12: Bad configuration option: PermitRootLogn", K::ConfigBadOption,
                fx().path("/etc/ssh/sshd_config").line(12).keyword("PermitRootLogn").reason("Bad configuration option: PermitRootLogn")),
            ("sshd", "error: /etc/ssh/sshd_config.d/50-cloud.conf: line 3: Bad configuration option: Foo", K::ConfigBadOption,
                fx().path("/etc/ssh/sshd_config.d/50-cloud.conf").line(3).keyword("Foo").reason("Bad configuration option: Foo")),
            ("sshd", "/etc/ssh/sshd_config: terminating, 1 bad configuration options", K::ConfigInvalid,
                fx().path("/etc/ssh/sshd_config").count(1).reason("1 bad configuration options")),
            ("sshd", "/etc/ssh/sshd_config line 5: Deprecated option UsePrivilegeSeparation", K::ConfigDeprecatedOption,
                fx().path("/etc/ssh/sshd_config").line(5).keyword("UsePrivilegeSeparation").reason("Deprecated option UsePrivilegeSeparation")),
            ("sshd", "/etc/ssh/sshd_config line 8: keyword Port extra arguments at end of line", K::ConfigInvalid,
                fx().path("/etc/ssh/sshd_config").line(8).keyword("Port").reason("keyword Port extra arguments at end of line")),
            ("sshd", "/etc/ssh/sshd_config line 9: missing argument.", K::ConfigInvalid,
                fx().path("/etc/ssh/sshd_config").line(9).reason("missing argument")),
            ("sshd", "Missing privilege separation directory: /run/sshd", K::MissingPrivsepDir, fx().path("/run/sshd")),
            ("sshd", "fatal: Missing privilege separation directory: /var/empty", K::MissingPrivsepDir, fx().path("/var/empty")),
            ("sshd", "sshd: no hostkeys available -- exiting.", K::NoHostKeys, fx()),
            ("sshd", "Unable to load host key: /etc/ssh/ssh_host_rsa_key", K::HostKeyLoadFailed, fx().path("/etc/ssh/ssh_host_rsa_key")),
            ("sshd", "error: Unable to load host key \"/etc/ssh/ssh_host_ed25519_key\": invalid format", K::HostKeyLoadFailed,
                fx().path("/etc/ssh/ssh_host_ed25519_key").reason("invalid format")),
            ("sshd", "error: Could not load host key: /etc/ssh/ssh_host_ecdsa_key", K::HostKeyLoadFailed, fx().path("/etc/ssh/ssh_host_ecdsa_key")),
            ("sshd", "Privilege separation user sshd does not exist", K::PrivsepUserMissing, fx().user("sshd")),
            ("sshd", "/run/sshd must be owned by root and not group or world-writable.", K::PrivsepDirInsecure, fx().path("/run/sshd")),
        ]);
    }
}
