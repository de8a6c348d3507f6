//! The server's own addresses and name lookup: does the host still have the address the
//! client connects to, and does the client's name resolve to it.
//!
//! A client that reaches the wrong machine, or a server whose address moved after a DHCP
//! renewal or a failed duplicate-address check, fails in ways sshd's own logs never show.
//! This module reads what a bundle captures about that:
//!
//! * `ip addr` / `ip -d address` (interface blocks), `ip -o addr` (one line per address,
//!   details after a `\`), and `ip -br addr`, see [`parse_ip_addr`]:
//!
//!   ```text
//!   2: eth0@if7: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default
//!       link/ether 52:54:00:8a:11:02 brd ff:ff:ff:ff:ff:ff link-netnsid 0
//!       inet 10.0.0.5/24 brd 10.0.0.255 scope global dynamic eth0
//!          valid_lft 85902sec preferred_lft 85902sec
//!   2: eth0    inet 10.0.0.5/24 brd 10.0.0.255 scope global eth0\       valid_lft forever ...
//!   ```
//! * `ifconfig` / `ifconfig -a` in both the net-tools 1.60 form (`inet addr:10.0.0.5
//!   Bcast:... Mask:255.255.255.0`) and the 2.x form (`inet 10.0.0.5  netmask
//!   255.255.255.0`, `inet6 fe80::1  prefixlen 64  scopeid 0x20<link>`), see
//!   [`parse_ifconfig`].
//! * `/etc/hosts` (`10.0.0.5  web01.example.com web01  # comment`), see [`parse_hosts`].
//! * `/etc/resolv.conf` (`nameserver`, `search`, `domain`, `options`), see
//!   [`parse_resolv_conf`].
//!
//! Lines that carry nothing of interest but belong to a recognised block (`link/ether`,
//! `valid_lft`, `RX packets`) are interface details; every other unusable line becomes a
//! warning with its line, and shell prompts in transcripts are noted.

use std::net::IpAddr;
use std::sync::LazyLock;

use regex::Regex;

use crate::model::Diagnostic;
use crate::util::is_shell_prompt;

/// One address on an interface.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IfAddr {
    pub addr: IpAddr,
    pub prefix: u8,
    /// `global`, `link`, `host`, `site` (lower case, from `scope` or ifconfig's `Scope:`).
    pub scope: Option<String>,
    /// `ip addr` flags after the scope: `dynamic`, `secondary`, `tentative`, `dadfailed`,
    /// `deprecated`... A `dadfailed` address is configured but unusable.
    pub flags: Vec<String>,
    pub line: usize,
}

impl IfAddr {
    /// Whether the kernel will answer on the address (duplicate-address detection did not
    /// fail and has finished).
    pub fn is_usable(&self) -> bool {
        !self
            .flags
            .iter()
            .any(|f| f == "dadfailed" || f == "tentative")
    }
}

/// An interface and its addresses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interface {
    /// The kernel index (`2:`); ifconfig and `ip -br` do not show it.
    pub index: Option<u32>,
    /// The name without `@peer` (`eth0` for `eth0@if7`); ifconfig aliases keep `eth0:1`.
    pub name: String,
    /// The administrative `UP` flag; `None` when the capture does not show flags (`ip -o addr`).
    pub up: Option<bool>,
    /// Carrier (`LOWER_UP`, ifconfig's `RUNNING`), when shown.
    pub lower_up: Option<bool>,
    pub mtu: Option<u32>,
    pub addresses: Vec<IfAddr>,
    /// 1-based line where the interface first appears.
    pub line: usize,
}

impl Interface {
    fn new(index: Option<u32>, name: &str, line: usize) -> Interface {
        Interface {
            index,
            name: name.to_owned(),
            up: None,
            lower_up: None,
            mtu: None,
            addresses: Vec::new(),
            line,
        }
    }

    /// Whether the interface carries `ip`; IPv4-mapped IPv6 addresses match their IPv4 form.
    pub fn has_address(&self, ip: IpAddr) -> bool {
        self.address(ip).is_some()
    }

    /// The entry for `ip`, for evidence.
    pub fn address(&self, ip: IpAddr) -> Option<&IfAddr> {
        let ip = ip.to_canonical();
        self.addresses.iter().find(|a| a.addr.to_canonical() == ip)
    }
}

/// The interface and entry carrying `ip`, across all interfaces.
pub fn find_address(ifaces: &[Interface], ip: IpAddr) -> Option<(&Interface, &IfAddr)> {
    ifaces.iter().find_map(|i| i.address(ip).map(|a| (i, a)))
}

/// `2: eth0@if7: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 ...`
static IP_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\d+):\s+([^\s:@]+)(?:@\S*)?:\s+<([^>]*)>(.*)$").expect("valid regex")
});

/// `2: eth0    inet 10.0.0.5/24 ...` (`ip -o addr`).
static IP_ONELINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\d+):\s+([^\s@]+)(?:@\S*)?\s+(inet6?\s.*)$").expect("valid regex")
});

/// `eth0    UP    10.0.0.5/24 fe80::1/64` (`ip -br addr`).
static IP_BRIEF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([^\s:]+)(?:@\S*)?\s+(UP|DOWN|UNKNOWN|LOWERLAYERDOWN|DORMANT|NOTPRESENT|TESTING)\b\s*(.*)$")
        .expect("valid regex")
});

fn note_prompt(diags: &mut Vec<Diagnostic>, line: usize) {
    diags.push(Diagnostic::info("unrecognised line (a shell prompt?) skipped").at_line(line));
}

fn warn(diags: &mut Vec<Diagnostic>, line: usize, msg: impl Into<String>) {
    diags.push(Diagnostic::warning(msg.into()).at_line(line));
}

/// Numbered lines without their line ending.
fn numbered(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.strip_suffix('\r').unwrap_or(l)))
}

/// `10.0.0.5/24` or a bare address (full-length prefix).
fn parse_cidr(s: &str) -> Option<(IpAddr, u8)> {
    let (a, p) = s.split_once('/').unwrap_or((s, ""));
    let addr: IpAddr = a.split('%').next()?.parse().ok()?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let prefix = if p.is_empty() { max } else { p.parse().ok()? };
    (prefix <= max).then_some((addr, prefix))
}

/// Reads `inet 10.0.0.5/24 brd 10.0.0.255 scope global dynamic eth0` (the words after
/// the family keyword). The trailing word is the label unless it is a known flag.
fn parse_ip_inet(rest: &str, line: usize) -> Result<IfAddr, String> {
    let rest = rest.split('\\').next().unwrap_or(rest);
    let mut words = rest.split_whitespace();
    let cidr = words.next().ok_or("no address")?;
    let (addr, mut prefix) =
        parse_cidr(cidr).ok_or_else(|| format!("unreadable address {cidr:?}"))?;
    let mut scope = None;
    let mut flags = Vec::new();
    while let Some(w) = words.next() {
        match w {
            "brd" | "metric" | "proto" => {
                words.next();
            }
            // Point-to-point: `inet 10.8.0.1 peer 10.8.0.2/32`; the peer carries the prefix.
            "peer" => {
                if let Some((_, p)) = words.next().and_then(parse_cidr) {
                    prefix = p;
                }
            }
            "scope" => scope = words.next().map(str::to_ascii_lowercase),
            "dynamic" | "secondary" | "temporary" | "deprecated" | "tentative" | "dadfailed"
            | "noprefixroute" | "mngtmpaddr" | "nodad" | "optimistic" | "home" | "permanent"
            | "stable-privacy" => flags.push(w.to_owned()),
            _ => {} // the label (`eth0`, `eth0:1`)
        }
    }
    Ok(IfAddr {
        addr,
        prefix,
        scope,
        flags,
        line,
    })
}

fn apply_ip_flags(iface: &mut Interface, flags: &str, tail: &str) {
    let flags: Vec<&str> = flags.split(',').collect();
    iface.up = Some(flags.contains(&"UP"));
    iface.lower_up = Some(flags.contains(&"LOWER_UP"));
    let mut words = tail.split_whitespace();
    while let Some(w) = words.next() {
        if w == "mtu" {
            iface.mtu = words.next().and_then(|m| m.parse().ok());
        }
    }
}

/// The interface `ip -o` lines belong to: the last one when it has the same index and name.
fn interface_for<'a>(
    ifaces: &'a mut Vec<Interface>,
    index: Option<u32>,
    name: &str,
    line: usize,
) -> &'a mut Interface {
    let same = ifaces
        .last()
        .is_some_and(|i| i.index == index && i.name == name);
    if !same {
        ifaces.push(Interface::new(index, name, line));
    }
    let last = ifaces.len() - 1;
    &mut ifaces[last]
}

/// Reads `ip addr`, `ip -o addr` or `ip -br addr` output (also mixed, as in a transcript).
pub fn parse_ip_addr(text: &str, diags: &mut Vec<Diagnostic>) -> Vec<Interface> {
    let mut ifaces: Vec<Interface> = Vec::new();
    for (line, l) in numbered(text) {
        let t = l.trim();
        if t.is_empty() {
            continue;
        }
        if is_shell_prompt(l) {
            note_prompt(diags, line);
        } else if let Some(c) = IP_HEADER.captures(l) {
            let mut iface = Interface::new(c[1].parse().ok(), &c[2], line);
            apply_ip_flags(&mut iface, &c[3], &c[4]);
            ifaces.push(iface);
        } else if let Some(c) = IP_ONELINE.captures(l) {
            let iface = interface_for(&mut ifaces, c[1].parse().ok(), &c[2], line);
            ip_address_line(iface, &c[3], line, diags);
        } else if let Some(c) = IP_BRIEF.captures(l) {
            ip_brief_line(&mut ifaces, &c, line, diags);
        } else if l.starts_with(char::is_whitespace) && !ifaces.is_empty() {
            if t.starts_with("inet") {
                let last = ifaces.len() - 1;
                ip_address_line(&mut ifaces[last], t, line, diags);
            }
            // Otherwise link/, valid_lft, altname or `-d` details of the interface.
        } else {
            warn(diags, line, "unrecognised line in ip addr output");
        }
    }
    ifaces
}

/// `inet ...` / `inet6 ...` under or on an interface's line.
fn ip_address_line(iface: &mut Interface, t: &str, line: usize, diags: &mut Vec<Diagnostic>) {
    let rest = t
        .strip_prefix("inet6")
        .or_else(|| t.strip_prefix("inet"))
        .unwrap_or(t);
    match parse_ip_inet(rest, line) {
        Ok(a) => iface.addresses.push(a),
        Err(e) => warn(diags, line, format!("unreadable address line: {e}")),
    }
}

fn ip_brief_line(
    ifaces: &mut Vec<Interface>,
    c: &regex::Captures<'_>,
    line: usize,
    diags: &mut Vec<Diagnostic>,
) {
    let mut iface = Interface::new(None, &c[1], line);
    // The brief form shows the operational state; anything but DOWN means administratively up.
    iface.up = Some(&c[2] != "DOWN");
    iface.lower_up = match &c[2] {
        "UP" => Some(true),
        "DOWN" | "LOWERLAYERDOWN" => Some(false),
        _ => None,
    };
    for w in c[3].split_whitespace() {
        match parse_cidr(w) {
            Some((addr, prefix)) => iface.addresses.push(IfAddr {
                addr,
                prefix,
                scope: None,
                flags: Vec::new(),
                line,
            }),
            None => warn(diags, line, format!("unreadable address {w:?}")),
        }
    }
    ifaces.push(iface);
}

/// `eth0: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1500` (net-tools 2.x).
static IFC_NEW: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\S+):\s+flags=\d+<([^>]*)>(?:\s+mtu\s+(\d+))?").expect("valid regex")
});

/// `eth0      Link encap:Ethernet  HWaddr 52:54:00:8a:11:02` (net-tools 1.60).
static IFC_OLD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\S+)\s+Link encap:").expect("valid regex"));

/// A dotted or hex netmask as a prefix length; `None` when not contiguous.
fn mask_prefix(mask: &str) -> Option<u8> {
    let bits = match mask.strip_prefix("0x") {
        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
        None => u32::from(mask.parse::<std::net::Ipv4Addr>().ok()?),
    };
    crate::parse::inet::mask_prefix(IpAddr::V4(bits.into()))
}

/// The value after `key` in ifconfig's `key value` or `key:value` spellings.
fn ifc_value<'a>(words: &[&'a str], key: &str) -> Option<&'a str> {
    words
        .iter()
        .enumerate()
        .find_map(|(i, w)| match w.strip_prefix(key)?.strip_prefix(':') {
            Some("") => words.get(i + 1).copied(),
            Some(v) => Some(v),
            None if w.len() == key.len() => words.get(i + 1).copied(),
            None => None,
        })
}

/// Reads an ifconfig `inet` / `inet6` line in either net-tools form.
fn parse_ifconfig_inet(t: &str, line: usize) -> Result<IfAddr, String> {
    let words: Vec<&str> = t.split_whitespace().collect();
    let v6 = words.first() == Some(&"inet6");
    let key = if v6 { "inet6" } else { "inet" };
    let raw = ifc_value(&words, "addr")
        .filter(|_| words.get(1).is_some_and(|w| w.starts_with("addr")))
        .or_else(|| ifc_value(&words, key))
        .ok_or("no address")?;
    let (addr, mut prefix) =
        parse_cidr(raw).ok_or_else(|| format!("unreadable address {raw:?}"))?;
    let mut scope = None;
    if v6 {
        if let Some(p) = ifc_value(&words, "prefixlen").and_then(|p| p.parse().ok()) {
            prefix = p;
        }
        // `Scope:Link` (1.60) or `scopeid 0x20<link>` (2.x).
        scope = ifc_value(&words, "Scope")
            .or_else(|| {
                let id = ifc_value(&words, "scopeid")?;
                id.split_once('<')?.1.strip_suffix('>')
            })
            .map(str::to_ascii_lowercase);
    } else {
        let mask = ifc_value(&words, "Mask").or_else(|| ifc_value(&words, "netmask"));
        if let Some(m) = mask {
            prefix = mask_prefix(m).ok_or_else(|| format!("non-contiguous netmask {m:?}"))?;
        }
    }
    Ok(IfAddr {
        addr,
        prefix,
        scope,
        flags: Vec::new(),
        line,
    })
}

/// Reads `ifconfig` or `ifconfig -a` output in either net-tools form.
pub fn parse_ifconfig(text: &str, diags: &mut Vec<Diagnostic>) -> Vec<Interface> {
    let mut ifaces: Vec<Interface> = Vec::new();
    for (line, l) in numbered(text) {
        let t = l.trim();
        if t.is_empty() {
            continue;
        }
        if is_shell_prompt(l) {
            note_prompt(diags, line);
        } else if let Some(c) = IFC_NEW.captures(l) {
            let mut iface = Interface::new(None, &c[1], line);
            let flags: Vec<&str> = c[2].split(',').collect();
            iface.up = Some(flags.contains(&"UP"));
            iface.lower_up = Some(flags.contains(&"RUNNING"));
            iface.mtu = c.get(3).and_then(|m| m.as_str().parse().ok());
            ifaces.push(iface);
        } else if let Some(c) = IFC_OLD.captures(l) {
            ifaces.push(Interface::new(None, &c[1], line));
        } else if let (true, Some(iface)) = (l.starts_with(char::is_whitespace), ifaces.last_mut())
        {
            ifconfig_detail(iface, t, line, diags);
        } else {
            warn(diags, line, "unrecognised line in ifconfig output");
        }
    }
    ifaces
}

/// A line under an ifconfig interface: an address, net-tools 1.60's flag line, or detail.
fn ifconfig_detail(iface: &mut Interface, t: &str, line: usize, diags: &mut Vec<Diagnostic>) {
    if t.starts_with("inet ") || t.starts_with("inet6 ") || t.starts_with("inet addr:") {
        match parse_ifconfig_inet(t, line) {
            Ok(a) => iface.addresses.push(a),
            Err(e) => warn(diags, line, format!("unreadable address line: {e}")),
        }
    } else if t.contains("MTU:") {
        // `UP BROADCAST RUNNING MULTICAST  MTU:1500  Metric:1`: flags are listed only when set.
        let words: Vec<&str> = t.split_whitespace().collect();
        iface.up = Some(words.contains(&"UP"));
        iface.lower_up = Some(words.contains(&"RUNNING"));
        iface.mtu = ifc_value(&words, "MTU").and_then(|m| m.parse().ok());
    }
}

/// One `/etc/hosts` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostsEntry {
    pub addr: IpAddr,
    /// The canonical name, then aliases.
    pub names: Vec<String>,
    pub line: usize,
}

impl HostsEntry {
    /// Whether the entry names `host` (hosts lookups ignore case).
    pub fn names_host(&self, host: &str) -> bool {
        self.names.iter().any(|n| n.eq_ignore_ascii_case(host))
    }
}

/// Reads `/etc/hosts`. Comments run from `#` to the end of the line.
pub fn parse_hosts(text: &str, diags: &mut Vec<Diagnostic>) -> Vec<HostsEntry> {
    let mut out = Vec::new();
    for (line, l) in numbered(text) {
        let body = l.split('#').next().unwrap_or("");
        let mut words = body.split_whitespace();
        let Some(first) = words.next() else {
            continue;
        };
        // glibc accepts a zone on link-local addresses (`fe80::1%eth0`).
        let Ok(addr) = first.split('%').next().unwrap_or(first).parse::<IpAddr>() else {
            warn(
                diags,
                line,
                format!("hosts entry with unreadable address {first:?}"),
            );
            continue;
        };
        let names: Vec<String> = words.map(str::to_owned).collect();
        if names.is_empty() {
            warn(diags, line, format!("hosts entry for {addr} has no names"));
            continue;
        }
        out.push(HostsEntry { addr, names, line });
    }
    out
}

/// The entries naming `host`, in file order (glibc uses the first for a single answer).
pub fn hosts_lookup<'a>(entries: &'a [HostsEntry], host: &str) -> Vec<&'a HostsEntry> {
    entries.iter().filter(|e| e.names_host(host)).collect()
}

/// A `nameserver` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Nameserver {
    pub addr: IpAddr,
    pub line: usize,
}

/// A `search` or `domain` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchList {
    pub domains: Vec<String>,
    pub line: usize,
}

/// One word of an `options` line: `ndots:2`, `rotate`, `timeout:1`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvOption {
    pub name: String,
    pub value: Option<String>,
    pub line: usize,
}

/// `/etc/resolv.conf`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResolvConf {
    pub nameservers: Vec<Nameserver>,
    /// The last `search` line.
    pub search: Option<SearchList>,
    /// The last `domain` line.
    pub domain: Option<SearchList>,
    pub options: Vec<ResolvOption>,
}

impl ResolvConf {
    /// The domains appended to short names: whichever of `search` and `domain` comes last
    /// wins, as in glibc.
    pub fn search_domains(&self) -> &[String] {
        match (&self.search, &self.domain) {
            (Some(s), Some(d)) if d.line > s.line => &d.domains,
            (Some(s), _) => &s.domains,
            (None, Some(d)) => &d.domains,
            (None, None) => &[],
        }
    }

    /// The value of an option (`ndots`), the last one written winning.
    pub fn option(&self, name: &str) -> Option<&ResolvOption> {
        self.options.iter().rev().find(|o| o.name == name)
    }
}

/// glibc reads at most this many nameservers.
const MAX_NAMESERVERS: usize = 3;

/// Reads `/etc/resolv.conf`. Lines starting with `#` or `;` are comments.
pub fn parse_resolv_conf(text: &str, diags: &mut Vec<Diagnostic>) -> ResolvConf {
    let mut conf = ResolvConf::default();
    for (line, l) in numbered(text) {
        let t = l.trim();
        if t.is_empty() || t.starts_with('#') || t.starts_with(';') {
            continue;
        }
        let (key, rest) = t.split_once(char::is_whitespace).unwrap_or((t, ""));
        let words = || {
            rest.split_whitespace()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        match key {
            "nameserver" => nameserver(&mut conf, rest, line, diags),
            "search" => {
                conf.search = Some(SearchList {
                    domains: words(),
                    line,
                })
            }
            "domain" => {
                conf.domain = Some(SearchList {
                    domains: words(),
                    line,
                })
            }
            "options" => conf.options.extend(rest.split_whitespace().map(|w| {
                let (name, value) = match w.split_once(':') {
                    Some((n, v)) => (n, Some(v.to_owned())),
                    None => (w, None),
                };
                ResolvOption {
                    name: name.to_owned(),
                    value,
                    line,
                }
            })),
            "sortlist" => {}
            _ if is_shell_prompt(l) => note_prompt(diags, line),
            _ => warn(diags, line, format!("unknown resolv.conf keyword {key:?}")),
        }
    }
    conf
}

fn nameserver(conf: &mut ResolvConf, rest: &str, line: usize, diags: &mut Vec<Diagnostic>) {
    let word = rest.split_whitespace().next().unwrap_or("");
    match word.split('%').next().unwrap_or(word).parse() {
        Ok(addr) => {
            if conf.nameservers.len() == MAX_NAMESERVERS {
                diags.push(
                    Diagnostic::info(
                        "resolvers use only the first 3 nameservers; this one is ignored",
                    )
                    .at_line(line),
                );
            }
            conf.nameservers.push(Nameserver { addr, line });
        }
        Err(_) => warn(
            diags,
            line,
            format!("nameserver with unreadable address {word:?}"),
        ),
    }
}

/// How likely `head` is `ip addr` output (any of its forms).
pub fn sniff_ip_addr(head: &str) -> f32 {
    let lines: Vec<&str> = head.lines().collect();
    let header = lines.iter().any(|l| IP_HEADER.is_match(l));
    let inet = lines
        .iter()
        .any(|l| l.starts_with("    inet") || IP_ONELINE.is_match(l));
    let brief = lines.iter().filter(|l| IP_BRIEF.is_match(l)).count();
    if inet && (header || lines.iter().any(|l| IP_ONELINE.is_match(l))) {
        0.95
    } else if header {
        0.7
    } else if brief >= 2 && brief * 10 >= lines.len() * 8 {
        0.6
    } else {
        0.0
    }
}

/// How likely `head` is `ifconfig` output.
pub fn sniff_ifconfig(head: &str) -> f32 {
    let header = head
        .lines()
        .any(|l| IFC_NEW.is_match(l) || IFC_OLD.is_match(l));
    if header {
        0.95
    } else {
        0.0
    }
}

fn is_hostname(w: &str) -> bool {
    !w.is_empty()
        && w.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        && !w.starts_with("ssh-")
        && !w.starts_with("ecdsa-")
        && !w.starts_with("sk-")
}

/// How likely `head` is an `/etc/hosts` file.
pub fn sniff_hosts(head: &str) -> f32 {
    let mut total = 0;
    let mut good = 0;
    let mut localhost = false;
    for l in head.lines() {
        let body = l.split('#').next().unwrap_or("");
        let words: Vec<&str> = body.split_whitespace().collect();
        let Some(first) = words.first() else {
            continue;
        };
        total += 1;
        if first.parse::<IpAddr>().is_ok()
            && words.len() >= 2
            && words[1..].iter().all(|w| is_hostname(w))
        {
            good += 1;
            localhost |= words.contains(&"localhost");
        }
    }
    match (good, localhost) {
        (0, _) => 0.0,
        _ if good * 10 < total * 9 => 0.0,
        (_, true) => 0.9,
        _ => 0.6,
    }
}

/// How likely `head` is a `/etc/resolv.conf`.
pub fn sniff_resolv_conf(head: &str) -> f32 {
    let mut total = 0;
    let mut good = 0;
    let mut anchor = false;
    for l in head.lines() {
        let t = l.trim();
        if t.is_empty() || t.starts_with('#') || t.starts_with(';') {
            continue;
        }
        total += 1;
        let key = t.split_whitespace().next().unwrap_or("");
        if matches!(
            key,
            "nameserver" | "search" | "domain" | "options" | "sortlist"
        ) {
            good += 1;
            anchor |= key == "nameserver" || key == "search";
        }
    }
    if anchor && good * 10 >= total * 8 {
        0.9
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Level;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    const IP_ADDR: &str = "\
1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
    inet 127.0.0.1/8 scope host lo
       valid_lft forever preferred_lft forever
    inet6 ::1/128 scope host
       valid_lft forever preferred_lft forever
2: ens3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9000 qdisc fq_codel state UP group default qlen 1000
    link/ether 52:54:00:8a:11:02 brd ff:ff:ff:ff:ff:ff
    altname enp0s3
    inet 192.168.40.12/22 brd 192.168.43.255 scope global dynamic noprefixroute ens3
       valid_lft 80011sec preferred_lft 80011sec
    inet 192.168.40.99/22 scope global secondary ens3:vip
       valid_lft forever preferred_lft forever
    inet6 2001:db8:40::12/64 scope global dadfailed tentative
       valid_lft forever preferred_lft forever
    inet6 fe80::5054:ff:fe8a:1102/64 scope link
       valid_lft forever preferred_lft forever
3: veth9a1c@if4: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN group default
    link/ether 0e:11:22:33:44:55 brd ff:ff:ff:ff:ff:ff link-netnsid 0
4: tun0: <POINTOPOINT,MULTICAST,NOARP,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UNKNOWN group default qlen 500
    inet 10.8.0.1 peer 10.8.0.2/32 scope global tun0
";

    #[test]
    fn ip_addr_blocks() {
        let mut d = Vec::new();
        let ifs = parse_ip_addr(IP_ADDR, &mut d);
        assert!(d.is_empty(), "{d:?}");
        let names: Vec<(&str, Option<u32>, usize)> = ifs
            .iter()
            .map(|i| (i.name.as_str(), i.index, i.line))
            .collect();
        assert_eq!(
            names,
            vec![
                ("lo", Some(1), 1),
                ("ens3", Some(2), 7),
                ("veth9a1c", Some(3), 18),
                ("tun0", Some(4), 20)
            ]
        );
        let ens3 = &ifs[1];
        assert_eq!(
            (ens3.up, ens3.lower_up, ens3.mtu),
            (Some(true), Some(true), Some(9000))
        );
        let a = ens3.address(ip("192.168.40.12")).unwrap();
        assert_eq!(
            (a.prefix, a.scope.as_deref(), a.line),
            (22, Some("global"), 10)
        );
        assert!(a.flags.contains(&"dynamic".to_owned()));
        assert_eq!(ens3.address(ip("192.168.40.99")).unwrap().line, 12);
        let bad = ens3.address(ip("2001:db8:40::12")).unwrap();
        assert!(!bad.is_usable());
        assert_eq!(
            ens3.address(ip("fe80::5054:ff:fe8a:1102"))
                .unwrap()
                .scope
                .as_deref(),
            Some("link")
        );
        assert_eq!(ifs[2].up, Some(false));
        assert!(ifs[2].addresses.is_empty());
        assert_eq!(
            (ifs[3].addresses[0].addr, ifs[3].addresses[0].prefix),
            (ip("10.8.0.1"), 32)
        );
        assert!(find_address(&ifs, ip("::ffff:192.168.40.12")).is_some());
        assert!(find_address(&ifs, ip("192.168.40.13")).is_none());
    }

    #[test]
    fn ip_oneline_and_brief() {
        let text = "\
1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
1: lo    inet6 ::1/128 scope host \\       valid_lft forever preferred_lft forever
2: ens3    inet 192.168.40.12/22 brd 192.168.43.255 scope global dynamic ens3\\       valid_lft 80011sec preferred_lft 80011sec
2: ens3    inet6 fe80::5054:ff:fe8a:1102/64 scope link \\       valid_lft forever preferred_lft forever
lo               UNKNOWN        127.0.0.1/8 ::1/128
ens3             UP             192.168.40.12/22 fe80::5054:ff:fe8a:1102/64
docker0          DOWN           172.17.0.1/16
";
        let mut d = Vec::new();
        let ifs = parse_ip_addr(text, &mut d);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(ifs.len(), 5);
        assert_eq!(
            (ifs[1].name.as_str(), ifs[1].addresses.len(), ifs[1].up),
            ("ens3", 2, None)
        );
        assert_eq!(ifs[1].addresses[0].line, 3);
        assert_eq!(ifs[1].addresses[0].flags, vec!["dynamic".to_owned()]);
        assert_eq!(ifs[4].up, Some(false));
        assert_eq!(ifs[3].addresses[0].line, 6);
        assert!(ifs[3].has_address(ip("192.168.40.12")));
    }

    #[test]
    fn ip_addr_bad_lines_warn() {
        let text = "\
admin@web01:~$ ip addr
2: ens3: <BROADCAST,UP,LOWER_UP> mtu 1500 state UP
    inet 192.168.400.12/22 scope global ens3
    inet 192.168.40.12/40 scope global ens3
what is this
";
        let mut d = Vec::new();
        let ifs = parse_ip_addr(text, &mut d);
        let got: Vec<_> = d.iter().map(|x| (x.level, x.line)).collect();
        assert_eq!(
            got,
            vec![
                (Level::Info, Some(1)),
                (Level::Warning, Some(3)),
                (Level::Warning, Some(4)),
                (Level::Warning, Some(5))
            ]
        );
        assert!(ifs[0].addresses.is_empty());
    }

    #[test]
    fn ifconfig_both_forms() {
        let text = "\
ens3: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1500
        inet 192.168.40.12  netmask 255.255.252.0  broadcast 192.168.43.255
        inet6 fe80::5054:ff:fe8a:1102  prefixlen 64  scopeid 0x20<link>
        ether 52:54:00:8a:11:02  txqueuelen 1000  (Ethernet)
        RX packets 81234  bytes 99887766 (95.2 MiB)

eth1      Link encap:Ethernet  HWaddr 52:54:00:8A:11:03
          inet addr:10.31.7.40  Bcast:10.31.7.255  Mask:255.255.255.0
          inet6 addr: fe80::5054:ff:fe8a:1103/64 Scope:Link
          BROADCAST MULTICAST  MTU:1500  Metric:1
          RX packets:0 errors:0 dropped:0 overruns:0 frame:0

eth1:1    Link encap:Ethernet  HWaddr 52:54:00:8A:11:03
          inet addr:10.31.7.41  Bcast:10.31.7.255  Mask:255.255.255.0
          UP BROADCAST RUNNING MULTICAST  MTU:1500  Metric:1
";
        let mut d = Vec::new();
        let ifs = parse_ifconfig(text, &mut d);
        assert!(d.is_empty(), "{d:?}");
        let summary: Vec<(&str, Option<bool>, usize)> = ifs
            .iter()
            .map(|i| (i.name.as_str(), i.up, i.line))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("ens3", Some(true), 1),
                ("eth1", Some(false), 7),
                ("eth1:1", Some(true), 13)
            ]
        );
        let a = &ifs[0].addresses;
        assert_eq!(
            (a[0].addr, a[0].prefix, a[0].line),
            (ip("192.168.40.12"), 22, 2)
        );
        assert_eq!((a[1].prefix, a[1].scope.as_deref()), (64, Some("link")));
        let b = &ifs[1].addresses;
        assert_eq!(
            (b[0].addr, b[0].prefix, b[0].line),
            (ip("10.31.7.40"), 24, 8)
        );
        assert_eq!(
            (b[1].prefix, b[1].scope.as_deref(), b[1].line),
            (64, Some("link"), 9)
        );
        assert_eq!(ifs[1].mtu, Some(1500));
        assert!(ifs[2].has_address(ip("10.31.7.41")));
    }

    #[test]
    fn netmasks() {
        let cases = [
            ("255.255.255.0", Some(24)),
            ("255.255.252.0", Some(22)),
            ("0.0.0.0", Some(0)),
            ("255.255.255.255", Some(32)),
            ("0xffffff00", Some(24)),
            ("255.0.255.0", None),
            ("nonsense", None),
        ];
        for (m, want) in cases {
            assert_eq!(mask_prefix(m), want, "{m}");
        }
    }

    #[test]
    fn hosts_file() {
        let text = "\
# The following lines are desirable for IPv4 capable hosts
127.0.0.1\tlocalhost localhost.localdomain
127.0.1.1  web01.example.com\tweb01   # set by cloud-init
10.0.0.99  db01.example.com db01
::1        localhost ip6-localhost ip6-loopback
fe80::1%eth0  gw6
10.0.0.300 broken
10.0.0.7
";
        let mut d = Vec::new();
        let e = parse_hosts(text, &mut d);
        let warned: Vec<_> = d.iter().map(|x| (x.level, x.line)).collect();
        assert_eq!(
            warned,
            vec![(Level::Warning, Some(7)), (Level::Warning, Some(8))]
        );
        assert_eq!(e.len(), 5);
        assert_eq!(
            e[1].names,
            vec!["web01.example.com".to_owned(), "web01".to_owned()]
        );
        let db = hosts_lookup(&e, "DB01");
        assert_eq!((db[0].addr, db[0].line), (ip("10.0.0.99"), 4));
        assert_eq!(hosts_lookup(&e, "localhost").len(), 2);
        assert_eq!(e[4].addr, ip("fe80::1"));
    }

    #[test]
    fn resolv_conf() {
        let text = "\
# Generated by NetworkManager
search corp.example.com example.com
nameserver 10.0.0.2
nameserver 10.0.0.3 # secondary
; old entry
nameserver fe80::1%ens3
nameserver 10.0.0.4
options ndots:2 rotate timeout:1
domain lab.example.com
frobnicate yes
nameserver bogus
";
        let mut d = Vec::new();
        let r = parse_resolv_conf(text, &mut d);
        let got: Vec<_> = d.iter().map(|x| (x.level, x.line)).collect();
        assert_eq!(
            got,
            vec![
                (Level::Info, Some(7)),
                (Level::Warning, Some(10)),
                (Level::Warning, Some(11))
            ]
        );
        let ns: Vec<(IpAddr, usize)> = r.nameservers.iter().map(|n| (n.addr, n.line)).collect();
        assert_eq!(ns[0], (ip("10.0.0.2"), 3));
        assert_eq!(ns.len(), 4);
        assert_eq!(r.search.as_ref().unwrap().line, 2);
        assert_eq!(r.search_domains(), ["lab.example.com".to_owned()]);
        assert_eq!(
            r.option("ndots").and_then(|o| o.value.as_deref()),
            Some("2")
        );
        assert!(r
            .option("rotate")
            .is_some_and(|o| o.value.is_none() && o.line == 8));
    }

    #[test]
    fn never_panics_on_fragments() {
        let mut d = Vec::new();
        for text in [
            "",
            "2: x: <>",
            "2: x    inet",
            "2: x    inet6 /",
            "   inet",
            " inet addr:",
            "x: flags=1<>",
            "  inet6 addr: ::1/999",
            "lo UP 1.2.3.4/",
            "nameserver",
            "options :",
            "\u{e9}\u{e9} \u{e9}",
            "x Link encap:\n inet 1.2.3.4 netmask 0x",
            "x Link encap:\n inet addr:1.2.3.4 Mask:",
        ] {
            let _ = parse_ip_addr(text, &mut d);
            let _ = parse_ifconfig(text, &mut d);
            let _ = parse_hosts(text, &mut d);
            let _ = parse_resolv_conf(text, &mut d);
        }
    }

    #[test]
    fn sniffing() {
        assert!(sniff_ip_addr(IP_ADDR) > 0.9);
        assert!(
            sniff_ip_addr("2: ens3    inet 10.0.0.5/24 scope global ens3\\ valid_lft forever\n")
                > 0.9
        );
        assert!(sniff_ifconfig("eth0: flags=4163<UP,RUNNING>  mtu 1500\n") > 0.9);
        assert!(sniff_ifconfig("eth0      Link encap:Ethernet  HWaddr 00:11\n") > 0.9);
        assert!(sniff_hosts("127.0.0.1 localhost\n::1 localhost ip6-localhost\n") > 0.8);
        assert_eq!(
            sniff_hosts("10.0.0.5 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI\n"),
            0.0
        );
        assert_eq!(sniff_hosts("Port 22\n"), 0.0);
        assert!(sniff_resolv_conf("# x\nsearch example.com\nnameserver 10.0.0.2\n") > 0.8);
        assert_eq!(
            sniff_resolv_conf("Port 22\nnameserver x\nA b\nC d\nE f\n"),
            0.0
        );
        for s in [
            sniff_ip_addr,
            sniff_ifconfig,
            sniff_hosts,
            sniff_resolv_conf,
        ] {
            assert_eq!(s("tcp   LISTEN 0 128 0.0.0.0:22 0.0.0.0:*\n"), 0.0);
        }
    }
}
