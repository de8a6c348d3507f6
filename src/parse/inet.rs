//! Address and port primitives that several parsers read the same way: firewall rules
//! (ufw, firewalld, iptables, nftables) and socket listings all name networks in CIDR form,
//! ports as ranges, and well-known services by name. One definition keeps a rule's source
//! network and a listener's port comparable across tools.

use std::net::IpAddr;

/// An address with its prefix length; a bare address is a host route.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cidr {
    pub addr: IpAddr,
    pub prefix: u8,
}

impl Cidr {
    /// `10.0.0.0/8`, `10.0.0.1`, `fe80::/64`, and the dotted-mask `10.0.0.0/255.0.0.0`.
    pub fn parse(s: &str) -> Option<Cidr> {
        let (a, p) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = a.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            None => max,
            Some(p) => match p.parse::<u8>() {
                Ok(n) if n <= max => n,
                Ok(_) => return None,
                Err(_) => mask_prefix(p.parse().ok()?)?,
            },
        };
        Some(Cidr { addr, prefix })
    }

    /// True for `0.0.0.0/0` and `::/0`, which listings print for "any address".
    pub fn is_any(&self) -> bool {
        self.prefix == 0
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

/// The prefix length of a contiguous netmask (`255.255.255.0` is 24); `None` for a
/// non-contiguous one.
pub fn mask_prefix(mask: IpAddr) -> Option<u8> {
    let (bits, ones) = match mask {
        IpAddr::V4(m) => (u128::from(u32::from(m)) << 96, u32::from(m).count_ones()),
        IpAddr::V6(m) => (u128::from(m), u128::from(m).count_ones()),
    };
    let contiguous = bits.leading_ones() == ones;
    contiguous.then_some(ones as u8)
}

/// An inclusive port range; a single port has `first == last`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PortRange {
    pub first: u16,
    pub last: u16,
}

impl PortRange {
    pub fn single(port: u16) -> Self {
        PortRange {
            first: port,
            last: port,
        }
    }

    pub fn contains(&self, port: u16) -> bool {
        (self.first..=self.last).contains(&port)
    }

    /// `22`, `ssh`, `60000:61000` (ufw, iptables), `8080-8090` (firewalld, nftables), and
    /// iptables' open ends `:1023` and `1024:`.
    pub fn parse(s: &str) -> Option<PortRange> {
        let one = |p: &str| {
            let p = p.trim();
            p.parse::<u16>().ok().or_else(|| service_port(p))
        };
        if let Some((a, b)) = s.split_once([':', '-']) {
            let first = if a.trim().is_empty() { 0 } else { one(a)? };
            let last = if b.trim().is_empty() {
                u16::MAX
            } else {
                one(b)?
            };
            return (first <= last).then_some(PortRange { first, last });
        }
        one(s).map(PortRange::single)
    }

    /// `22,80,1024:2048`: every item must parse.
    pub fn parse_list(s: &str) -> Option<Vec<PortRange>> {
        s.split(',').map(PortRange::parse).collect()
    }
}

/// The port of a well-known service name, as rules and `ss`/`netstat` without `-n` print it.
pub fn service_port(name: &str) -> Option<u16> {
    Some(match name {
        "ssh" => 22,
        "ftp" => 21,
        "telnet" => 23,
        "smtp" => 25,
        "domain" => 53,
        "bootps" => 67,
        "bootpc" => 68,
        "http" | "www" => 80,
        "sunrpc" => 111,
        "ntp" => 123,
        "netbios-ssn" => 139,
        "imap" | "imap2" => 143,
        "snmp" => 161,
        "ldap" => 389,
        "https" => 443,
        "microsoft-ds" => 445,
        "syslog" => 514,
        "submission" => 587,
        "ipp" => 631,
        "ldaps" => 636,
        "rsync" => 873,
        "imaps" => 993,
        "pop3s" => 995,
        "nfs" => 2049,
        "gpsd" => 2947,
        "mysql" => 3306,
        "ms-wbt-server" => 3389,
        "postgresql" => 5432,
        "x11" => 6000,
        "http-alt" | "webcache" => 8080,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn networks_contain_their_addresses() {
        for (net, addr, want) in [
            ("10.0.0.0/8", "10.200.1.1", true),
            ("10.0.0.0/8", "11.0.0.1", false),
            ("10.0.0.0/255.0.0.0", "10.9.9.9", true),
            ("192.0.2.7", "192.0.2.7", true),
            ("192.0.2.7", "192.0.2.8", false),
            ("0.0.0.0/0", "203.0.113.9", true),
            ("::/0", "2001:db8::1", true),
            ("::/0", "10.0.0.1", false),
            ("2001:db8::/32", "2001:db8:1::5", true),
        ] {
            assert_eq!(
                Cidr::parse(net).unwrap().contains(ip(addr)),
                want,
                "{net} {addr}"
            );
        }
        assert!(Cidr::parse("0.0.0.0/0").unwrap().is_any());
        assert_eq!(Cidr::parse("10.0.0.0/33"), None);
        assert_eq!(Cidr::parse("10.0.0.0/255.0.255.0"), None);
        assert_eq!(Cidr::parse("web01"), None);
    }

    #[test]
    fn masks_become_prefixes() {
        assert_eq!(mask_prefix(ip("255.255.255.0")), Some(24));
        assert_eq!(mask_prefix(ip("0.0.0.0")), Some(0));
        assert_eq!(mask_prefix(ip("255.0.255.0")), None);
        assert_eq!(mask_prefix(ip("ffff:ffff::")), Some(32));
    }

    #[test]
    fn port_ranges_in_every_spelling() {
        let r = |first, last| Some(PortRange { first, last });
        assert_eq!(PortRange::parse("22"), r(22, 22));
        assert_eq!(PortRange::parse("ssh"), r(22, 22));
        assert_eq!(PortRange::parse("60000:61000"), r(60000, 61000));
        assert_eq!(PortRange::parse("8080-8090"), r(8080, 8090));
        assert_eq!(PortRange::parse(":1023"), r(0, 1023));
        assert_eq!(PortRange::parse("1024:"), r(1024, 65535));
        assert_eq!(PortRange::parse("90:80"), None);
        assert_eq!(PortRange::parse("OpenSSH"), None);
        assert_eq!(
            PortRange::parse_list("22,80:81").unwrap(),
            [
                PortRange::single(22),
                PortRange {
                    first: 80,
                    last: 81
                }
            ]
        );
        assert!(PortRange::parse_list("22,x").is_none());
        assert!(PortRange::single(22).contains(22) && !PortRange::single(22).contains(23));
    }
}
