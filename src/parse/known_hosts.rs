//! Host keys from both ends: the client's `known_hosts` (what the user's ssh expects a host
//! to present), the server's `ssh_host_*_key.pub` files (what it does present), and
//! `ssh-keygen -l` fingerprint listings. A host-key-changed or wrong-host diagnosis compares
//! these, so every entry keeps its 1-based line: `Offending ECDSA key in known_hosts:17`
//! points straight at one.
//!
//! ```text
//! # known_hosts
//! web03.example.com,203.0.113.130 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI...
//! [bastion.example.com]:2222 ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAI...
//! |1|F1E1KeoE/eEWhi10WpGv4OdiO6Y=|3988QV0VE8wmZL7suNrYQLITLCg= ssh-rsa AAAAB3NzaC1yc2E...
//! @cert-authority *.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI...
//! # ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub
//! 256 SHA256:Jq3k0cRrVb7t6o2nN1mXr5YwzQpEu8sLdKfGhT4aBc0 root@web03 (ED25519)
//! ```

use crate::model::Diagnostic;

/// How ssh names a key type in its messages (`Offending ECDSA key`, `(ED25519)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyFamily {
    Ed25519,
    Rsa,
    Ecdsa,
    Dsa,
    Ed25519Sk,
    EcdsaSk,
    Other,
}

impl KeyFamily {
    /// The family of a key type name (`ssh-ed25519`, `ecdsa-sha2-nistp256-cert-v01@openssh.com`)
    /// or of the label ssh prints (`ED25519`, `ECDSA-SK`).
    pub fn of(name: &str) -> KeyFamily {
        let n = name.to_ascii_lowercase();
        let n = n.strip_prefix("ssh-").unwrap_or(&n);
        if n.starts_with("sk-ssh-ed25519") || n == "ed25519-sk" {
            KeyFamily::Ed25519Sk
        } else if n.starts_with("sk-ecdsa") || n == "ecdsa-sk" {
            KeyFamily::EcdsaSk
        } else if n.starts_with("ed25519") {
            KeyFamily::Ed25519
        } else if n.starts_with("ecdsa") {
            KeyFamily::Ecdsa
        } else if n.starts_with("rsa") {
            KeyFamily::Rsa
        } else if n.starts_with("dss") || n == "dsa" {
            KeyFamily::Dsa
        } else {
            KeyFamily::Other
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            KeyFamily::Ed25519 => "ED25519",
            KeyFamily::Rsa => "RSA",
            KeyFamily::Ecdsa => "ECDSA",
            KeyFamily::Dsa => "DSA",
            KeyFamily::Ed25519Sk => "ED25519-SK",
            KeyFamily::EcdsaSk => "ECDSA-SK",
            KeyFamily::Other => "UNKNOWN",
        }
    }
}

/// A line marker that changes what the key means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Marker {
    /// The key is a CA that signs host certificates for the matching hosts.
    CertAuthority,
    /// The key must be refused even if it is also listed as trusted.
    Revoked,
}

/// One host pattern of a known_hosts line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostPattern {
    /// `web03`, `*.example.com`, `!bad.example.com`, `[bastion]:2222`.
    Name {
        pattern: String,
        /// Set for `[host]:port`; absent means port 22.
        port: Option<u16>,
        negated: bool,
    },
    /// `|1|salt|hash` (HashKnownHosts): the host name is not recoverable offline.
    Hashed { salt: String, hash: String },
}

/// One entry of a known_hosts file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownHost {
    pub marker: Option<Marker>,
    pub hosts: Vec<HostPattern>,
    pub hashed: bool,
    pub key_type: String,
    pub key_base64: String,
    pub comment: Option<String>,
    pub line: usize,
}

impl KnownHost {
    pub fn family(&self) -> KeyFamily {
        KeyFamily::of(&self.key_type)
    }

    /// Whether the entry applies to `host` on `port`, as ssh decides it: any positive pattern
    /// matches and no negated one does. `None` for hashed entries, which need the HMAC.
    pub fn matches(&self, host: &str, port: u16) -> Option<bool> {
        if self.hashed {
            return None;
        }
        let mut hit = false;
        for p in &self.hosts {
            let HostPattern::Name {
                pattern,
                port: p_port,
                negated,
            } = p
            else {
                continue;
            };
            if p_port.unwrap_or(22) != port || !glob_match(pattern, host) {
                continue;
            }
            if *negated {
                return Some(false);
            }
            hit = true;
        }
        Some(hit)
    }
}

/// A server host public key (`/etc/ssh/ssh_host_ed25519_key.pub`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostKey {
    pub key_type: String,
    pub key_base64: String,
    pub comment: Option<String>,
    pub line: usize,
}

/// A line of `ssh-keygen -l` output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fingerprint {
    pub bits: u32,
    /// `SHA256:...` or `MD5:aa:bb:...`, as printed.
    pub fingerprint: String,
    /// The key's comment, or the host names when listing a known_hosts file.
    pub comment: Option<String>,
    /// The label in parentheses: `ED25519`, `RSA`, `ECDSA`.
    pub label: String,
    pub line: usize,
}

/// Confidence that a text is a known_hosts or public key file.
pub fn sniff(head: &str) -> f32 {
    let lines: Vec<&str> = head
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .take(20)
        .collect();
    if lines.is_empty() {
        return 0.0;
    }
    let hits = lines
        .iter()
        .filter(|l| known_host(l, 0).is_ok() || host_key(l, 0).is_ok())
        .count();
    hits as f32 / lines.len() as f32
}

/// Reads a known_hosts file. Comments and blank lines are skipped; every other line that
/// is not an entry is reported with its number.
pub fn parse_known_hosts(text: &str, diags: &mut Vec<Diagnostic>) -> Vec<KnownHost> {
    content_lines(text)
        .filter_map(|(n, l)| keep(known_host(l, n), n, diags))
        .collect()
}

/// Reads `ssh_host_*_key.pub` (or `authorized_keys`-like) lines without options.
pub fn parse_host_keys(text: &str, diags: &mut Vec<Diagnostic>) -> Vec<HostKey> {
    content_lines(text)
        .filter_map(|(n, l)| keep(host_key(l, n), n, diags))
        .collect()
}

/// Reads `ssh-keygen -l[f]` output. ASCII-art lines of `-lv` are skipped and counted.
pub fn parse_fingerprints(text: &str, diags: &mut Vec<Diagnostic>) -> Vec<Fingerprint> {
    let mut art = 0;
    let mut out = Vec::new();
    for (n, l) in content_lines(text) {
        if l.starts_with('+') || l.starts_with('|') {
            art += 1;
            continue;
        }
        if let Some(f) = keep(fingerprint(l, n), n, diags) {
            out.push(f);
        }
    }
    if art > 0 {
        diags.push(Diagnostic::info(format!("{art} randomart lines skipped")));
    }
    out
}

/// Non-blank, non-comment lines with their 1-based numbers.
fn content_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
}

fn keep<T>(r: Result<T, &'static str>, n: usize, diags: &mut Vec<Diagnostic>) -> Option<T> {
    r.map_err(|why| diags.push(Diagnostic::warning(why).at_line(n)))
        .ok()
}

fn known_host(line: &str, n: usize) -> Result<KnownHost, &'static str> {
    let mut words = line.split_ascii_whitespace();
    let mut first = words.next().ok_or("empty line")?;
    let marker = match first {
        "@cert-authority" => Some(Marker::CertAuthority),
        "@revoked" => Some(Marker::Revoked),
        w if w.starts_with('@') => return Err("unknown known_hosts marker"),
        _ => None,
    };
    if marker.is_some() {
        first = words.next().ok_or("marker without hosts")?;
    }
    let hosts = host_patterns(first)?;
    let (key_type, key_base64) = key_pair(&mut words)?;
    Ok(KnownHost {
        marker,
        hashed: hosts
            .iter()
            .any(|h| matches!(h, HostPattern::Hashed { .. })),
        hosts,
        key_type,
        key_base64,
        comment: rest_of(words),
        line: n,
    })
}

fn host_key(line: &str, n: usize) -> Result<HostKey, &'static str> {
    let mut words = line.split_ascii_whitespace();
    let (key_type, key_base64) = key_pair(&mut words)?;
    Ok(HostKey {
        key_type,
        key_base64,
        comment: rest_of(words),
        line: n,
    })
}

/// `256 SHA256:abc root@host (ED25519)`; the comment may hold spaces or be `no comment`.
fn fingerprint(line: &str, n: usize) -> Result<Fingerprint, &'static str> {
    let (bits, rest) = line.split_once(' ').ok_or("not a fingerprint line")?;
    let bits = bits.parse().map_err(|_| "not a fingerprint line")?;
    let rest = rest.trim();
    let (fp, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    if !(fp.starts_with("SHA256:") || fp.starts_with("MD5:")) {
        return Err("fingerprint without a SHA256: or MD5: hash");
    }
    let rest = rest.trim();
    let (comment, label) = match rest.rsplit_once(" (") {
        Some((c, l)) => (c.trim(), l),
        None => ("", rest.strip_prefix('(').unwrap_or(rest)),
    };
    let label = label
        .strip_suffix(')')
        .ok_or("fingerprint without a key type")?;
    Ok(Fingerprint {
        bits,
        fingerprint: fp.to_owned(),
        comment: (!comment.is_empty() && comment != "no comment").then(|| comment.to_owned()),
        label: label.to_owned(),
        line: n,
    })
}

fn key_pair<'a>(
    words: &mut impl Iterator<Item = &'a str>,
) -> Result<(String, String), &'static str> {
    let key_type = words.next().ok_or("missing key type")?;
    if !is_key_type(key_type) {
        return Err("unknown key type");
    }
    let key = words.next().ok_or("missing key")?;
    if !is_base64(key) {
        return Err("key is not base64");
    }
    Ok((key_type.to_owned(), key.to_owned()))
}

fn rest_of<'a>(words: impl Iterator<Item = &'a str>) -> Option<String> {
    let rest = words.collect::<Vec<_>>().join(" ");
    (!rest.is_empty()).then_some(rest)
}

fn is_key_type(word: &str) -> bool {
    word.starts_with("ssh-")
        || word.starts_with("ecdsa-sha2-")
        || word.starts_with("sk-ssh-")
        || word.starts_with("sk-ecdsa-")
        || word.starts_with("rsa-sha2-")
}

/// Every OpenSSH public key blob starts with a length word, so `AAAA` leads.
fn is_base64(s: &str) -> bool {
    s.len() >= 8
        && s.starts_with("AAAA")
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
}

/// `a,b,[c]:2222,!d` or `|1|salt|hash`.
fn host_patterns(field: &str) -> Result<Vec<HostPattern>, &'static str> {
    field
        .split(',')
        .filter(|p| !p.is_empty())
        .map(host_pattern)
        .collect::<Result<Vec<_>, _>>()
        .and_then(|v| {
            if v.is_empty() {
                Err("no host patterns")
            } else {
                Ok(v)
            }
        })
}

fn host_pattern(p: &str) -> Result<HostPattern, &'static str> {
    if let Some(rest) = p.strip_prefix("|1|") {
        let (salt, hash) = rest.split_once('|').ok_or("malformed hashed host")?;
        if salt.is_empty() || hash.is_empty() {
            return Err("malformed hashed host");
        }
        return Ok(HostPattern::Hashed {
            salt: salt.to_owned(),
            hash: hash.to_owned(),
        });
    }
    let (negated, p) = match p.strip_prefix('!') {
        Some(rest) => (true, rest),
        None => (false, p),
    };
    let (pattern, port) = match p.strip_prefix('[') {
        Some(inner) => {
            let (host, port) = inner.split_once("]:").ok_or("malformed [host]:port")?;
            (
                host,
                Some(port.parse().map_err(|_| "bad port in [host]:port")?),
            )
        }
        None => (p, None),
    };
    if pattern.is_empty() {
        return Err("empty host pattern");
    }
    Ok(HostPattern::Name {
        pattern: pattern.to_owned(),
        port,
        negated,
    })
}

/// ssh's `*`/`?` wildcard match, case-insensitive like host names.
fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_ascii_lowercase().chars().collect();
    let t: Vec<char> = text.to_ascii_lowercase().chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == '?' || c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIKl4s0m9pXqfYw3bWb8s1oVt0Hq7nRkz2XlE0cU5f3aZ";
    const EC: &str = "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBK8=";

    fn known_hosts_text() -> String {
        format!(
            "# managed by hand\n\
             web03.example.com,203.0.113.130 ssh-ed25519 {ED}\n\
             [bastion.example.com]:2222 ecdsa-sha2-nistp256 {EC} added 2026\n\
             |1|F1E1KeoE/eEWhi10WpGv4OdiO6Y=|3988QV0VE8wmZL7suNrYQLITLCg= ssh-ed25519 {ED}\n\
             \n\
             @cert-authority *.example.com,!legacy.example.com ssh-ed25519 {ED}\n\
             @revoked * ecdsa-sha2-nistp256 {EC}\n\
             broken.example.com ssh-ed25519\n\
             @bogus host ssh-ed25519 {ED}\n"
        )
    }

    #[test]
    fn reads_each_entry_shape_with_its_line() {
        let mut d = Vec::new();
        let hosts = parse_known_hosts(&known_hosts_text(), &mut d);
        let table: &[(usize, Option<Marker>, bool, &str, usize)] = &[
            (2, None, false, "ssh-ed25519", 2),
            (3, None, false, "ecdsa-sha2-nistp256", 1),
            (4, None, true, "ssh-ed25519", 1),
            (6, Some(Marker::CertAuthority), false, "ssh-ed25519", 2),
            (7, Some(Marker::Revoked), false, "ecdsa-sha2-nistp256", 1),
        ];
        assert_eq!(hosts.len(), table.len());
        for (h, (line, marker, hashed, kt, n)) in hosts.iter().zip(table) {
            assert_eq!(h.line, *line);
            assert_eq!(h.marker, *marker);
            assert_eq!(h.hashed, *hashed);
            assert_eq!(h.key_type, *kt);
            assert_eq!(h.hosts.len(), *n);
        }
        assert_eq!(hosts[1].comment.as_deref(), Some("added 2026"));
        assert_eq!(hosts[1].family(), KeyFamily::Ecdsa);
        let lines: Vec<Option<usize>> = d.iter().map(|d| d.line).collect();
        assert_eq!(lines, [Some(8), Some(9)]);
    }

    #[test]
    fn matches_hosts_ports_wildcards_and_negation() {
        let mut d = Vec::new();
        let hosts = parse_known_hosts(&known_hosts_text(), &mut d);
        let table: &[(usize, &str, u16, Option<bool>)] = &[
            (0, "web03.example.com", 22, Some(true)),
            (0, "203.0.113.130", 22, Some(true)),
            (0, "web03.example.com", 2222, Some(false)),
            (1, "bastion.example.com", 2222, Some(true)),
            (1, "bastion.example.com", 22, Some(false)),
            (2, "anything", 22, None),
            (3, "db1.Example.com", 22, Some(true)),
            (3, "legacy.example.com", 22, Some(false)),
            (3, "example.org", 22, Some(false)),
        ];
        for (i, host, port, want) in table {
            assert_eq!(hosts[*i].matches(host, *port), *want, "{host}:{port}");
        }
    }

    #[test]
    fn reads_server_host_key_files() {
        let mut d = Vec::new();
        let keys = parse_host_keys(&format!("ssh-ed25519 {ED} root@web03\nnot a key\n"), &mut d);
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].comment.as_deref(), Some("root@web03"));
        assert_eq!(keys[0].key_base64, ED);
        assert_eq!(d[0].line, Some(2));
    }

    #[test]
    fn reads_fingerprint_listings() {
        let text = "256 SHA256:Jq3k0cRrVb7t6o2nN1mXr5YwzQpEu8sLdKfGhT4aBc0 root@web03 (ED25519)\n\
                    3072 MD5:9a:1b:2c:3d:4e:5f:60:71:82:93:a4:b5:c6:d7:e8:f9 no comment (RSA)\n\
                    256 SHA256:abc web03.example.com,203.0.113.130 (ECDSA)\n\
                    +--[ED25519 256]--+\n\
                    /etc/ssh/x.pub is not a public key file.\n";
        let mut d = Vec::new();
        let fps = parse_fingerprints(text, &mut d);
        assert_eq!(fps.len(), 3);
        assert_eq!(
            (fps[0].bits, fps[0].label.as_str(), fps[0].line),
            (256, "ED25519", 1)
        );
        assert_eq!(fps[0].comment.as_deref(), Some("root@web03"));
        assert_eq!(fps[1].comment, None);
        assert_eq!(
            fps[2].comment.as_deref(),
            Some("web03.example.com,203.0.113.130")
        );
        assert_eq!(d[0].line, Some(5));
        assert_eq!(d.len(), 2);
    }

    #[test]
    fn names_key_families_like_ssh() {
        for (name, label) in [
            ("ssh-ed25519", "ED25519"),
            ("ecdsa-sha2-nistp521", "ECDSA"),
            ("ssh-rsa-cert-v01@openssh.com", "RSA"),
            ("sk-ssh-ed25519@openssh.com", "ED25519-SK"),
            ("ssh-dss", "DSA"),
            ("ECDSA", "ECDSA"),
        ] {
            assert_eq!(KeyFamily::of(name).label(), label, "{name}");
        }
    }

    #[test]
    fn sniffs_and_survives_odd_input() {
        assert!(sniff(&known_hosts_text()) > 0.6);
        assert_eq!(sniff("Nov 23 14:05:01 web01 sshd[1]: x\n"), 0.0);
        let mut d = Vec::new();
        for s in [
            "[",
            "[x]:",
            "|1|",
            "@revoked",
            "1 SHA256: (",
            "9999999999999 SHA256:x (A)",
        ] {
            let _ = parse_known_hosts(s, &mut d);
            let _ = parse_fingerprints(s, &mut d);
            let _ = parse_host_keys(s, &mut d);
        }
        assert!(!glob_match("a*b?", "ab"));
        assert!(glob_match("*.EXAMPLE.com", "x.example.com"));
    }
}
