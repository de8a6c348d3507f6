//! ipset contents: the address lists that iptables rules and firewalld sources look up by
//! name (`-m set --match-set f2b-sshd src`, `ipset:blocklist`). fail2ban's iptables-ipset
//! and firewallcmd-ipset actions keep their bans here, so the members decide whether a
//! client is banned without guessing. Reads both shapes a bundle holds:
//!
//! * `ipset list` (sosreport `sos_commands/networking/ipset_list`):
//!
//!   ```text
//!   Name: f2b-sshd
//!   Type: hash:ip
//!   Revision: 4
//!   Header: family inet hashsize 1024 maxelem 65536 timeout 600
//!   Size in memory: 472
//!   References: 1
//!   Number of entries: 1
//!   Members:
//!   198.51.100.40 timeout 431
//!   ```
//! * `ipset save` (`/etc/sysconfig/ipset`, `/etc/ipset.conf`):
//!
//!   ```text
//!   create f2b-sshd hash:ip family inet hashsize 1024 maxelem 65536 timeout 600
//!   add f2b-sshd 198.51.100.40 timeout 431
//!   ```

use crate::model::{At, Diagnostic};
use crate::parse::inet::Cidr;

/// One member as written; `net` is its address part when that is an address or network
/// (`hash:ip`, `hash:net`, and the first part of `hash:ip,port` and the like).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub text: String,
    pub net: Option<Cidr>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpSet {
    pub name: String,
    /// `hash:ip`, `hash:net`, `hash:ip,port`, `list:set`...
    pub kind: String,
    /// `inet` or `inet6`, when the header says.
    pub family: Option<String>,
    /// The `Name:` or `create` line.
    pub line: usize,
    pub members: Vec<At<Member>>,
}

impl IpSet {
    /// Sets whose members are addresses or networks alone can be looked up exactly.
    pub fn is_address_set(&self) -> bool {
        matches!(self.kind.as_str(), "hash:ip" | "hash:net")
    }

    /// The member holding `addr`, for an address set.
    pub fn member_for(&self, addr: std::net::IpAddr) -> Option<&At<Member>> {
        self.members
            .iter()
            .find(|m| m.value.net.is_some_and(|n| n.contains(addr)))
    }
}

fn member(text: &str) -> Member {
    let first = text.split([',', ' ']).next().unwrap_or("");
    Member {
        text: text.to_owned(),
        net: Cidr::parse(first),
    }
}

/// Reads `ipset list` or `ipset save` output. Lines it cannot use are reported.
pub fn parse(text: &str, diags: &mut Vec<Diagnostic>) -> Vec<IpSet> {
    let mut sets: Vec<IpSet> = Vec::new();
    let mut in_members = false;
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim();
        if line.is_empty() {
            in_members = false;
            continue;
        }
        if let Some(name) = line.strip_prefix("Name:") {
            in_members = false;
            sets.push(IpSet {
                name: name.trim().to_owned(),
                kind: String::new(),
                family: None,
                line: n,
                members: Vec::new(),
            });
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["create", name, kind, rest @ ..] => {
                in_members = false;
                sets.push(IpSet {
                    name: (*name).to_owned(),
                    kind: (*kind).to_owned(),
                    family: family_of(rest),
                    line: n,
                    members: Vec::new(),
                });
            }
            ["add", name, rest @ ..] if !rest.is_empty() => {
                match sets.iter_mut().rev().find(|s| s.name == *name) {
                    Some(set) => set.members.push(At::new(member(&rest.join(" ")), n)),
                    None => diags.push(
                        Diagnostic::warning(format!("member of set {name}, which was not created"))
                            .at_line(n),
                    ),
                }
            }
            _ if in_members => {
                if let Some(set) = sets.last_mut() {
                    set.members.push(At::new(member(line), n));
                }
            }
            _ => {
                let Some(set) = sets.last_mut() else {
                    diags.push(Diagnostic::warning("not ipset output").at_line(n));
                    continue;
                };
                match line.split_once(':') {
                    Some(("Members", _)) => in_members = true,
                    Some(("Type", v)) => set.kind = v.trim().to_owned(),
                    Some(("Header", v)) => {
                        set.family = family_of(&v.split_whitespace().collect::<Vec<_>>())
                    }
                    Some((
                        "Revision" | "Size in memory" | "References" | "Number of entries",
                        _,
                    )) => {}
                    _ => diags
                        .push(Diagnostic::info(format!("ipset line not read: {line}")).at_line(n)),
                }
            }
        }
    }
    sets
}

fn family_of(words: &[&str]) -> Option<String> {
    let i = words.iter().position(|w| *w == "family")?;
    words.get(i + 1).map(|f| (*f).to_owned())
}

/// Confidence that a text is `ipset list` or `ipset save` output.
pub fn sniff(head: &str) -> f32 {
    let mut lines = head.lines().map(str::trim).filter(|l| !l.is_empty());
    let Some(first) = lines.next() else {
        return 0.0;
    };
    let second = lines.next().unwrap_or("");
    if first.starts_with("Name: ") && second.starts_with("Type: ") {
        return 0.95;
    }
    let words: Vec<&str> = first.split_whitespace().collect();
    if words.first() == Some(&"create")
        && words.get(2).is_some_and(|k| {
            k.starts_with("hash:") || k.starts_with("list:") || k.starts_with("bitmap:")
        })
    {
        return 0.95;
    }
    0.0
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &str = "Name: f2b-sshd
Type: hash:ip
Revision: 4
Header: family inet hashsize 1024 maxelem 65536 timeout 600
Size in memory: 472
References: 1
Number of entries: 2
Members:
198.51.100.40 timeout 431
203.0.113.61 timeout 598

Name: blocklist-nets
Type: hash:net
Revision: 6
Header: family inet hashsize 1024 maxelem 65536
Size in memory: 600
References: 0
Number of entries: 1
Members:
192.0.2.0/24

Name: web-ports
Type: hash:ip,port
Revision: 5
Header: family inet hashsize 1024 maxelem 65536
Size in memory: 200
References: 0
Number of entries: 1
Members:
10.0.0.5,tcp:443
";

    #[test]
    fn list_output_gives_sets_with_their_members_and_lines() {
        let mut d = Vec::new();
        let sets = parse(LIST, &mut d);
        assert!(d.is_empty(), "{d:?}");
        let names: Vec<&str> = sets.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["f2b-sshd", "blocklist-nets", "web-ports"]);
        let f2b = &sets[0];
        assert_eq!(
            (f2b.kind.as_str(), f2b.family.as_deref(), f2b.line),
            ("hash:ip", Some("inet"), 1)
        );
        assert_eq!(f2b.members.len(), 2);
        let hit = f2b.member_for("198.51.100.40".parse().unwrap()).unwrap();
        assert_eq!(
            (hit.line, hit.value.text.as_str()),
            (9, "198.51.100.40 timeout 431")
        );
        assert!(f2b.member_for("198.51.100.41".parse().unwrap()).is_none());
        assert!(sets[1].member_for("192.0.2.77".parse().unwrap()).is_some());
        assert!(sets[1].is_address_set());
        assert!(!sets[2].is_address_set());
        assert_eq!(sets[2].members[0].value.net, Cidr::parse("10.0.0.5"));
    }

    #[test]
    fn save_output_and_an_orphan_member() {
        let text = "create f2b-sshd hash:ip family inet hashsize 1024 maxelem 65536 timeout 600
add f2b-sshd 198.51.100.40 timeout 431
add nosuch 192.0.2.1
create v6 hash:net family inet6 hashsize 1024 maxelem 65536
add v6 2001:db8::/32
";
        let mut d = Vec::new();
        let sets = parse(text, &mut d);
        assert_eq!(sets.len(), 2);
        assert_eq!(sets[0].members[0].line, 2);
        assert_eq!(sets[1].family.as_deref(), Some("inet6"));
        assert!(sets[1].member_for("2001:db8::9".parse().unwrap()).is_some());
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].line, Some(3));
    }

    #[test]
    fn sniffing() {
        assert!(sniff(LIST) > 0.9);
        assert!(sniff("create x hash:ip family inet\n") > 0.9);
        assert_eq!(sniff("Name: alice\nAge: 3\n"), 0.0);
        assert_eq!(sniff("create table\n"), 0.0);
        let mut d = Vec::new();
        assert!(parse("garbage\n", &mut d).is_empty());
        assert_eq!(d.len(), 1);
    }
}
