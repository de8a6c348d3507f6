//! sshd's pattern languages (`match.c`, `addrmatch.c`): `*`/`?` wildcards, comma lists where
//! a `!` entry vetoes the whole list, CIDR address lists, and `user@host` access patterns.
//! Access decisions depend on their exact quirks, so they are reproduced rather than
//! approximated with a general glob library.

use std::net::IpAddr;

/// `*` matches any run of characters, `?` any one character; nothing else is special.
pub fn match_pattern(s: &str, pattern: &str) -> bool {
    let s: Vec<char> = s.chars().collect();
    let p: Vec<char> = pattern.chars().collect();
    let (mut si, mut pi) = (0, 0);
    // Where to resume after the last `*`: pattern index after it, and the text index it took.
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi + 1, si));
                pi += 1;
            }
            Some(&c) if c == '?' || c == s[si] => {
                si += 1;
                pi += 1;
            }
            _ => match star {
                Some((after, taken)) => {
                    pi = after;
                    si = taken + 1;
                    star = Some((after, taken + 1));
                }
                None => return false,
            },
        }
    }
    p[pi.min(p.len())..].iter().all(|c| *c == '*')
}

/// A comma list of patterns: 1 when one matches, -1 when a `!pattern` matches (which vetoes
/// the list), 0 otherwise. `lower` lowercases the patterns, as sshd does for host names.
pub fn match_pattern_list(s: &str, list: &str, lower: bool) -> i32 {
    let mut positive = 0;
    for entry in list.split(',') {
        let (negated, pattern) = match entry.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, entry),
        };
        let pattern = if lower {
            pattern.to_ascii_lowercase()
        } else {
            pattern.to_owned()
        };
        if match_pattern(s, &pattern) {
            if negated {
                return -1;
            }
            positive = 1;
        }
    }
    positive
}

/// A network as written in an address list, or why it is not one.
enum Network {
    Cidr(IpAddr, u8),
    NotAddress,
    /// Host bits set beyond the mask (`192.0.2.1/24`): sshd treats the whole list as invalid.
    Inconsistent,
}

fn parse_network(s: &str) -> Network {
    let (addr, len) = match s.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (s, None),
    };
    let Ok(addr) = addr.parse::<IpAddr>() else {
        return Network::NotAddress;
    };
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let len = match len.map(str::parse::<u8>) {
        None => max,
        Some(Ok(l)) if l <= max => l,
        Some(_) => return Network::NotAddress,
    };
    if masked(addr, len) != addr {
        return Network::Inconsistent;
    }
    Network::Cidr(addr, len)
}

fn masked(addr: IpAddr, len: u8) -> IpAddr {
    match addr {
        IpAddr::V4(a) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
            IpAddr::V4((u32::from(a) & mask).into())
        }
        IpAddr::V6(a) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
            IpAddr::V6((u128::from(a) & mask).into())
        }
    }
}

fn in_network(addr: IpAddr, net: IpAddr, len: u8) -> bool {
    addr.is_ipv4() == net.is_ipv4() && masked(addr, len) == net
}

/// An address against a list of CIDR networks or wildcard patterns, with `!` vetoes:
/// 1 match, 0 none, -1 negated match, -2 invalid list. `None` only validates the list.
pub fn addr_match_list(addr: Option<IpAddr>, list: &str) -> i32 {
    let text = addr.map(|a| a.to_string());
    let mut result = 0;
    for entry in list.split(',') {
        let (negated, item) = match entry.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, entry),
        };
        if item.is_empty() {
            return -2;
        }
        let hit = match parse_network(item) {
            Network::Inconsistent => return -2,
            Network::Cidr(net, len) => addr.is_some_and(|a| in_network(a, net, len)),
            Network::NotAddress => text.as_deref().is_some_and(|t| match_pattern(t, item)),
        };
        if hit {
            if negated {
                return -1;
            }
            result = 1;
        }
    }
    result
}

/// An AllowUsers/DenyUsers entry: `user` or `user@host-or-address-list`; 1 match, 0 not.
/// `host` is the client's name, or its address text when sshd does not resolve names.
pub fn match_user(user: &str, host: Option<&str>, addr: Option<IpAddr>, pattern: &str) -> i32 {
    let Some((user_pattern, hosts)) = pattern.rsplit_once('@') else {
        return i32::from(match_pattern(user, pattern));
    };
    if !match_pattern(user, user_pattern) {
        return 0;
    }
    let ip = addr_match_list(addr, hosts);
    if ip == -2 {
        return -1;
    }
    let (Some(host), Some(_)) = (host, addr) else {
        return 0;
    };
    if ip == -1 {
        return 0;
    }
    let name = match_pattern_list(&host.to_ascii_lowercase(), hosts, true);
    i32::from(name != -1 && (name == 1 || ip == 1))
}
