//! linux-pam messages as they reach sshd's log stream.
//!
//! PAM modules run inside sshd, so their lines carry sshd's identifier and the prefix
//! `<module>(<service>:<phase>): ` (libpam's pam_syslog), or `PAM ` for the summary logged
//! when the handle closes. Old syslog setups instead used the identifier `sshd(pam_unix)`
//! with no prefix. sshd's own PAM glue adds a third family, `PAM: <pam error> for <user>`.
//! All three end up here so account expiry, faillock and pam_access refusals are typed the
//! same whatever the logging setup.

use super::{non_empty, parse_u32, Classified};
use crate::model::{EventFields, EventKind as K};

/// A `module(service:phase): message` line or a `PAM ...` summary; `None` when the message
/// does not have the PAM shape (so sshd's own parsers get a chance) or is not understood.
pub(crate) fn classify_prefixed(m: &str) -> Option<Classified> {
    if let Some(rest) = m.strip_prefix("PAM ") {
        return summary(rest);
    }
    let (head, msg) = m.split_once("): ")?;
    let (module, scope) = head.split_once('(')?;
    if !module.starts_with("pam_") || module.contains(' ') {
        return None;
    }
    let (service, phase) = scope.split_once(':').unwrap_or((scope, ""));
    let mut c = module_message(module, msg)?;
    c.fields.module = Some(module.to_owned());
    c.fields.service = non_empty(service);
    c.fields.phase = non_empty(phase);
    Some(c)
}

/// A module message without prefix: the old `sshd(pam_unix)` identifier, or `unix_chkpwd`.
pub(crate) fn classify_bare(module: &str, service: &str, m: &str) -> Option<Classified> {
    if let Some(rest) = m.strip_prefix("PAM ") {
        return summary(rest);
    }
    let mut c = module_message(module, m)?;
    c.fields.module = non_empty(module);
    c.fields.service = non_empty(service);
    Some(c)
}

/// `PAM 2 more authentication failures; logname= ...` and
/// `PAM service(sshd) ignoring max retries; 6 > 3`.
fn summary(rest: &str) -> Option<Classified> {
    if let Some(body) = rest.strip_prefix("service(") {
        let (service, tail) = body.split_once(')')?;
        let limits = tail.trim().strip_prefix("ignoring max retries;")?;
        let f = EventFields {
            service: non_empty(service),
            reason: non_empty(limits),
            failures: limits.split_whitespace().next().and_then(parse_u32),
            ..EventFields::default()
        };
        return Some(Classified::new(K::PamMaxRetries, f));
    }
    more_failures(rest)
}

fn more_failures(rest: &str) -> Option<Classified> {
    let (n, tail) = rest.split_once(' ')?;
    let tail = tail.strip_prefix("more authentication failure")?;
    let mut f = EventFields {
        failures: parse_u32(n),
        ..EventFields::default()
    };
    if let Some((_, kv)) = tail.split_once(';') {
        apply_kv(&mut f, kv);
    }
    Some(Classified::new(K::PamMoreAuthFailures, f))
}

/// `logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.7  user=root`: `rhost` becomes
/// `addr` (a host name when PAM got one) and `user` the target account.
fn apply_kv(f: &mut EventFields, kv: &str) {
    for pair in kv.split_whitespace() {
        match pair.split_once('=') {
            Some(("rhost", v)) => f.addr = non_empty(v),
            Some(("user", v)) => f.user = non_empty(v),
            _ => {}
        }
    }
}

fn module_message(module: &str, m: &str) -> Option<Classified> {
    let (first, rest) = m.split_once(' ').unwrap_or((m, ""));
    match first {
        "authentication" if rest.starts_with("failure") => {
            let mut f = EventFields::default();
            if let Some((_, kv)) = rest.split_once(';') {
                apply_kv(&mut f, kv);
            }
            Some(Classified::new(K::PamAuthFailure, f))
        }
        "check" => check_pass(rest),
        "auth" | "bad" => Some(reason_only(K::PamAuthFailure, m)),
        "password" => password(rest),
        "account" => account(rest),
        "expired" => expired_password(rest),
        "session" => session(rest),
        "Consecutive" => faillock(rest),
        "access" => access(rest),
        "Too" if rest.starts_with("many") => too_many_logins(rest),
        "Could" if rest.starts_with("not set limit") => Some(reason_only(K::PamSessionFailed, m)),
        "Refused" => listfile(rest),
        "User" if module == "pam_faillock" => user_locked(rest),
        digits if parse_u32(digits).is_some() => more_failures(m),
        _ => None,
    }
}

fn reason_only(kind: K, reason: &str) -> Classified {
    Classified::new(
        kind,
        EventFields {
            reason: non_empty(reason),
            ..EventFields::default()
        },
    )
}

fn with_user(kind: K, user: &str) -> Classified {
    Classified::new(
        kind,
        EventFields {
            user: non_empty(user),
            ..EventFields::default()
        },
    )
}

/// `check pass; user unknown` / `check pass; user (NAME) unknown`.
fn check_pass(rest: &str) -> Option<Classified> {
    let body = rest.strip_prefix("pass; user ")?;
    let user = body
        .strip_prefix('(')
        .and_then(|b| b.split_once(')'))
        .map(|(u, _)| u);
    Some(with_user(K::PamUserUnknown, user.unwrap_or("")))
}

/// unix_chkpwd `password check failed for user (NAME)`, `password changed for NAME`.
fn password(rest: &str) -> Option<Classified> {
    if let Some(body) = rest.strip_prefix("check failed for user (") {
        let user = body.split(')').next().unwrap_or(body);
        return Some(with_user(K::PamAuthFailure, user));
    }
    if let Some((_, user)) = rest.split_once("changed for ") {
        let user = user.split(" on ").next().unwrap_or(user);
        return Some(with_user(K::PamPasswordChanged, user));
    }
    if rest.starts_with("for user ") && rest.contains(" will expire in ") {
        return None;
    }
    None
}

/// `account NAME has expired (account expired)` / `(failed to change password)`.
fn account(rest: &str) -> Option<Classified> {
    let (user, why) = rest.split_once(" has expired")?;
    let kind = if why.contains("failed to change password") {
        K::PamPasswordExpired
    } else {
        K::PamAccountExpired
    };
    let mut c = with_user(kind, user);
    c.fields.reason = non_empty(why.trim().trim_start_matches('(').trim_end_matches(')'));
    Some(c)
}

/// `expired password for user NAME (root enforced)` / `(password aged)`.
fn expired_password(rest: &str) -> Option<Classified> {
    let body = rest.strip_prefix("password for user ")?;
    let (user, why) = body.split_once(" (").unwrap_or((body, ""));
    let mut c = with_user(K::PamPasswordExpired, user);
    c.fields.reason = non_empty(why.trim_end_matches(')'));
    Some(c)
}

/// `session opened for user alice(uid=1000) by (uid=0)` (linux-pam 1.4+),
/// `session opened for user alice by (uid=0)` (older), `session closed for user alice`.
fn session(rest: &str) -> Option<Classified> {
    if let Some(body) = rest.strip_prefix("opened for user ") {
        let who = body.rsplit_once(" by ").map_or(body, |(w, _)| w);
        let (user, uid) = match who.split_once("(uid=") {
            Some((u, id)) => (u, parse_u32(id.trim_end_matches(')'))),
            None => (who, None),
        };
        let mut c = with_user(K::PamSessionOpened, user);
        c.fields.uid = uid;
        return Some(c);
    }
    let user = rest.strip_prefix("closed for user ")?;
    Some(with_user(K::PamSessionClosed, user))
}

/// `Consecutive login failures for user NAME account temporarily locked`.
fn faillock(rest: &str) -> Option<Classified> {
    let body = rest.strip_prefix("login failures for user ")?;
    let user = body.split_once(" account").map_or(body, |(u, _)| u);
    Some(with_user(K::PamFaillockLocked, user))
}

/// Some faillock builds log `User NAME account temporarily locked` instead.
fn user_locked(rest: &str) -> Option<Classified> {
    let (user, tail) = rest.split_once(' ')?;
    tail.contains("locked")
        .then(|| with_user(K::PamFaillockLocked, user))
}

/// ``access denied for user `erin' from `203.0.113.5'``.
fn access(rest: &str) -> Option<Classified> {
    let body = rest.strip_prefix("denied for user ")?;
    let (user, from) = body.split_once(" from ").unwrap_or((body, ""));
    let unquote = |s: &str| {
        s.trim()
            .trim_start_matches('`')
            .trim_end_matches('\'')
            .to_owned()
    };
    let mut c = with_user(K::PamAccessDenied, &unquote(user));
    c.fields.addr = non_empty(&unquote(from));
    Some(c)
}

/// `Too many logins (max 2) for alice` / `Too many system logins (max 100)`.
fn too_many_logins(rest: &str) -> Option<Classified> {
    let user = rest.rsplit_once(") for ").map_or("", |(_, u)| u);
    let mut c = with_user(K::PamLimitsExceeded, user);
    c.fields.reason = non_empty(&format!("Too {rest}"));
    Some(c)
}

/// `Refused user NAME for service SERVICE`.
fn listfile(rest: &str) -> Option<Classified> {
    let body = rest.strip_prefix("user ")?;
    let (user, service) = body.split_once(" for service ").unwrap_or((body, ""));
    let mut c = with_user(K::PamListfileRefused, user);
    c.fields.reason = non_empty(service).map(|s| format!("service {s}"));
    Some(c)
}

/// sshd's glue (auth-pam.c), after `PAM: `: `Authentication failure for [illegal user ]NAME
/// from HOST`, `pam_open_session(): ...`, `pam_setcred(): ...`, initialisation failures.
pub(crate) fn classify_glue(rest: &str) -> Option<Classified> {
    if let Some(why) = rest.strip_prefix("pam_open_session(): ") {
        return Some(reason_only(K::PamSessionFailed, why));
    }
    if rest.starts_with("pam_setcred()")
        || rest.starts_with("initiali")
        || rest.starts_with("failed ")
    {
        return Some(reason_only(K::PamSetupFailed, rest));
    }
    if let Some(body) = rest.strip_prefix("password authentication failed for ") {
        let (user, why) = body.split_once(": ").unwrap_or((body, ""));
        let mut c = glue_user(K::PamAuthFailure, user);
        c.fields.reason = non_empty(why);
        return Some(c);
    }
    let (why, who) = rest.split_once(" for ")?;
    let (user, host) = who.rsplit_once(" from ").unwrap_or((who, ""));
    let kind = if why.contains("expired") {
        K::PamAccountExpired
    } else if why.contains("maximum number of retries") {
        K::PamMaxRetries
    } else {
        K::PamAuthFailure
    };
    let mut c = glue_user(kind, user);
    c.fields.reason = non_empty(why);
    c.fields.addr = non_empty(host);
    Some(c)
}

fn glue_user(kind: K, user: &str) -> Classified {
    let (user, invalid) = match user
        .strip_prefix("illegal user ")
        .or_else(|| user.strip_prefix("an illegal user"))
    {
        Some(u) => (u, true),
        None => (user, false),
    };
    let mut c = with_user(kind, user);
    c.fields.invalid_user = invalid;
    c
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, fx};
    use super::*;

    #[test]
    fn prefixed_module_lines() {
        check(&[
            ("sshd", "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.7  user=root", K::PamAuthFailure,
                fx().pam("pam_unix", "sshd", Some("auth")).addr("203.0.113.7").user("root")),
            ("sshd-session", "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=2001:db8::1", K::PamAuthFailure,
                fx().pam("pam_unix", "sshd", Some("auth")).addr("2001:db8::1")),
            ("sshd", "pam_unix(sshd:auth): check pass; user unknown", K::PamUserUnknown, fx().pam("pam_unix", "sshd", Some("auth"))),
            ("sshd", "pam_unix(sshd:auth): check pass; user (ghost) unknown", K::PamUserUnknown,
                fx().pam("pam_unix", "sshd", Some("auth")).user("ghost")),
            ("sshd", "pam_unix(sshd:account): account carol has expired (account expired)", K::PamAccountExpired,
                fx().pam("pam_unix", "sshd", Some("account")).user("carol").reason("account expired")),
            ("sshd", "pam_unix(sshd:account): expired password for user frank (root enforced)", K::PamPasswordExpired,
                fx().pam("pam_unix", "sshd", Some("account")).user("frank").reason("root enforced")),
            ("sshd", "pam_faillock(sshd:auth): Consecutive login failures for user dave account temporarily locked", K::PamFaillockLocked,
                fx().pam("pam_faillock", "sshd", Some("auth")).user("dave")),
            ("sshd", "pam_access(sshd:account): access denied for user `erin' from `203.0.113.5'", K::PamAccessDenied,
                fx().pam("pam_access", "sshd", Some("account")).user("erin").addr("203.0.113.5")),
            ("sshd", "pam_unix(sshd:session): session opened for user alice(uid=1000) by (uid=0)", K::PamSessionOpened,
                fx().pam("pam_unix", "sshd", Some("session")).user("alice").uid(1000)),
            ("sshd", "pam_unix(sshd:session): session opened for user ubuntu by (uid=0)", K::PamSessionOpened,
                fx().pam("pam_unix", "sshd", Some("session")).user("ubuntu")),
            ("sshd-session", "pam_unix(sshd:session): session closed for user alice", K::PamSessionClosed,
                fx().pam("pam_unix", "sshd", Some("session")).user("alice")),
            ("sshd", "pam_limits(sshd:session): Too many logins (max 2) for alice", K::PamLimitsExceeded,
                fx().pam("pam_limits", "sshd", Some("session")).user("alice").reason("Too many logins (max 2) for alice")),
            ("sshd", "pam_listfile(sshd:auth): Refused user bob for service sshd", K::PamListfileRefused,
                fx().pam("pam_listfile", "sshd", Some("auth")).user("bob").reason("service sshd")),
        ]);
    }

    #[test]
    fn summaries_and_bare_lines() {
        check(&[
            ("sshd", "PAM 2 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.7  user=root", K::PamMoreAuthFailures,
                fx().failures(2).addr("203.0.113.7").user("root")),
            ("sshd", "PAM 1 more authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=host.example.org", K::PamMoreAuthFailures,
                fx().failures(1).addr("host.example.org")),
            ("sshd", "PAM service(sshd) ignoring max retries; 6 > 3", K::PamMaxRetries,
                fx().service("sshd").reason("6 > 3").failures(6)),
            ("sshd(pam_unix)", "authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=61.53.154.93  user=root", K::PamAuthFailure,
                fx().module_service("pam_unix", "sshd").addr("61.53.154.93").user("root")),
            ("sshd(pam_unix)", "check pass; user unknown", K::PamUserUnknown, fx().module_service("pam_unix", "sshd")),
            ("sshd(pam_unix)", "session opened for user test by (uid=509)", K::PamSessionOpened,
                fx().module_service("pam_unix", "sshd").user("test")),
            ("unix_chkpwd", "password check failed for user (alice)", K::PamAuthFailure,
                fx().user("alice").module_only("unix_chkpwd")),
            ("sshd", "error: PAM: Authentication failure for root from 203.0.113.7", K::PamAuthFailure,
                fx().user("root").reason("Authentication failure").addr("203.0.113.7")),
            ("sshd", "error: PAM: Authentication failure for illegal user admin from host.example.org", K::PamAuthFailure,
                fx().user("admin").invalid().reason("Authentication failure").addr("host.example.org")),
            ("sshd", "error: PAM: User account has expired for carol from 2001:db8::1", K::PamAccountExpired,
                fx().user("carol").reason("User account has expired").addr("2001:db8::1")),
            ("sshd", "error: PAM: pam_open_session(): Permission denied", K::PamSessionFailed, fx().reason("Permission denied")),
        ]);
    }
}
