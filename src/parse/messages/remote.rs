//! How sshd names the other end of a connection, in every shape it has used.
//!
//! The same peer is written `203.0.113.7` (≤7.1), `203.0.113.7 port 50522` (7.2+),
//! `authenticating user root 203.0.113.7 port 50522`, `invalid user admin ...` or
//! `user alice ...` (7.5+ remote-id preamble), and in auth results as
//! `[invalid user ]NAME from ADDR port N`. Addresses may be IPv6 (full of colons) or host
//! names, and user names are whatever the client sent, spaces and emptiness included, so
//! the parsers below anchor on the right-hand side, which sshd controls.

use super::parse_port;
use crate::model::EventFields;

/// A parsed peer description.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Peer {
    pub user: Option<String>,
    pub invalid_user: bool,
    pub addr: Option<String>,
    pub port: Option<u16>,
}

impl Peer {
    pub fn apply(self, f: &mut EventFields) {
        if self.user.is_some() {
            f.user = self.user;
        }
        f.invalid_user |= self.invalid_user;
        if self.addr.is_some() {
            f.addr = self.addr;
        }
        if self.port.is_some() {
            f.port = self.port;
        }
    }
}

/// Splits a trailing ` port N` off `s`: `("203.0.113.7", Some(50522))`.
pub(crate) fn split_port(s: &str) -> (&str, Option<u16>) {
    if let Some((head, tail)) = s.rsplit_once(" port ") {
        if let Some(port) = parse_port(tail.trim()) {
            return (head, Some(port));
        }
    }
    (s, None)
}

/// Parses a remote id: an optional `authenticating user X ` / `invalid user X ` /
/// `user X ` preamble, then the address and an optional port.
pub(crate) fn parse_remote_id(s: &str) -> Option<Peer> {
    let s = s.trim();
    let (head, port) = split_port(s);
    let (who, addr) = match head.rsplit_once(' ') {
        Some((who, addr)) => (Some(who), addr),
        None => (None, head),
    };
    if addr.is_empty() {
        return None;
    }
    let mut peer = Peer {
        addr: Some(addr.to_owned()),
        port,
        ..Peer::default()
    };
    if let Some(who) = who {
        let user = if let Some(u) = strip_word_prefix(who, "authenticating user") {
            u
        } else if let Some(u) = strip_word_prefix(who, "invalid user") {
            peer.invalid_user = true;
            u
        } else {
            strip_word_prefix(who, "user")?
        };
        peer.user = Some(user.to_owned());
    }
    Some(peer)
}

/// `authenticating user root` -> `root`; `invalid user ` (empty name) -> ``.
fn strip_word_prefix<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = s.strip_prefix(prefix)?;
    if rest.is_empty() {
        return Some("");
    }
    rest.strip_prefix(' ')
}

/// Parses `[invalid user ]NAME from ADDR[ port N][ <tail>]`, the body of auth results,
/// `Invalid user` and `maximum authentication attempts exceeded`. Returns the peer and
/// whatever follows the port (` ssh2: RSA SHA256:...`).
pub(crate) fn parse_user_from(s: &str) -> Option<(Peer, &str)> {
    let (mut peer, tail) = find_from_port(s).or_else(|| from_without_port(s))?;
    let user = peer.user.take().unwrap_or_default();
    let user = match user.strip_prefix("invalid user ") {
        Some(u) => {
            peer.invalid_user = true;
            u.to_owned()
        }
        None if user == "invalid user" => {
            peer.invalid_user = true;
            String::new()
        }
        None => match user.strip_prefix("illegal user ") {
            Some(u) => {
                peer.invalid_user = true;
                u.to_owned()
            }
            None => user,
        },
    };
    peer.user = Some(user);
    Some((peer, tail))
}

/// The first ` port N` that follows a ` from ADDR` wins; user names can contain ` from `
/// but an address cannot contain a space.
fn find_from_port(s: &str) -> Option<(Peer, &str)> {
    let mut search = 0;
    while let Some(i) = s.get(search..).and_then(|t| t.find(" port ")) {
        let at = search + i;
        search = at + 1;
        let after = &s[at + " port ".len()..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        let Some(port) = parse_port(&after[..digits]) else {
            continue;
        };
        let tail = &after[digits..];
        if !(tail.is_empty() || tail.starts_with(' ') || tail.starts_with(':')) {
            continue;
        }
        let head = &s[..at];
        let Some((user, addr)) = split_from(head) else {
            continue;
        };
        let peer = Peer {
            user: Some(user.to_owned()),
            invalid_user: false,
            addr: Some(addr.to_owned()),
            port: Some(port),
        };
        return Some((peer, tail));
    }
    None
}

/// `NAME from ADDR` with nothing after the address (≤7.2 `Invalid user` lines).
fn from_without_port(s: &str) -> Option<(Peer, &str)> {
    let (user, addr) = split_from(s.trim_end())?;
    let peer = Peer {
        user: Some(user.to_owned()),
        invalid_user: false,
        addr: Some(addr.to_owned()),
        port: None,
    };
    Some((peer, ""))
}

/// Splits `NAME from ADDR` at the last ` from `; `from ADDR` alone means an empty name.
fn split_from(s: &str) -> Option<(&str, &str)> {
    let (user, addr) = match s.rsplit_once(" from ") {
        Some(pair) => pair,
        None => ("", s.strip_prefix("from ")?),
    };
    if addr.is_empty() || addr.contains(' ') {
        return None;
    }
    Some((user, addr))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer(user: Option<&str>, invalid: bool, addr: &str, port: Option<u16>) -> Peer {
        Peer {
            user: user.map(str::to_owned),
            invalid_user: invalid,
            addr: Some(addr.to_owned()),
            port,
        }
    }

    #[test]
    fn remote_id_shapes() {
        let cases = [
            ("203.0.113.7", peer(None, false, "203.0.113.7", None)),
            (
                "203.0.113.7 port 22",
                peer(None, false, "203.0.113.7", Some(22)),
            ),
            (
                "2001:db8::1 port 22",
                peer(None, false, "2001:db8::1", Some(22)),
            ),
            (
                "authenticating user root 203.0.113.7 port 50522",
                peer(Some("root"), false, "203.0.113.7", Some(50522)),
            ),
            (
                "invalid user admin 2001:db8::9 port 41000",
                peer(Some("admin"), true, "2001:db8::9", Some(41000)),
            ),
            (
                "invalid user  198.51.100.9 port 41000",
                peer(Some(""), true, "198.51.100.9", Some(41000)),
            ),
            (
                "user alice host.example.org port 5",
                peer(Some("alice"), false, "host.example.org", Some(5)),
            ),
        ];
        for (input, want) in cases {
            assert_eq!(parse_remote_id(input), Some(want), "{input}");
        }
        assert_eq!(parse_remote_id("something else 1.2.3.4 port 5"), None);
        assert_eq!(parse_remote_id(""), None);
    }

    #[test]
    fn user_from_shapes() {
        let (p, tail) =
            parse_user_from("invalid user admin from 2001:db8::5 port 50022 ssh2").unwrap();
        assert_eq!(p, peer(Some("admin"), true, "2001:db8::5", Some(50022)));
        assert_eq!(tail, " ssh2");
        let (p, tail) = parse_user_from(" from 1.2.3.4").unwrap();
        assert_eq!(p, peer(Some(""), false, "1.2.3.4", None));
        assert_eq!(tail, "");
        let (p, _) = parse_user_from("a from b from 10.0.0.1 port 7 ssh2: RSA SHA256:x").unwrap();
        assert_eq!(p, peer(Some("a from b"), false, "10.0.0.1", Some(7)));
        assert!(parse_user_from("root").is_none());
    }
}
