//! firewalld, the firewall of RHEL, Fedora and SUSE: which zone an interface or client
//! falls in, and whether that zone (or a rich rule in it) lets sshd's port through.
//!
//! Reads:
//!
//! * `firewall-cmd --list-all`, `--list-all-zones`, `--list-all-policies` and
//!   `--get-active-zones` (sosreport `sos_commands/firewalld/`), see [`parse_list`]:
//!
//!   ```text
//!   public (default, active)
//!     target: default
//!     interfaces: eth0
//!     services: dhcpv6-client ssh
//!     ports: 2222/tcp
//!     rich rules:
//!       rule family="ipv4" source address="203.0.113.0/24" service name="ssh" reject
//!   ```
//!
//!   A zone block with only `interfaces:`/`sources:` is `--get-active-zones` output, and the
//!   zone is active. `FirewallD is not running` sets [`FirewalldState::running`] to false.
//! * Zone XML (`/etc/firewalld/zones/public.xml`, `/usr/lib/firewalld/zones/*.xml`), read
//!   with a small tag scanner, see [`parse_zone_xml`]:
//!
//!   ```text
//!   <zone target="DROP">
//!     <service name="ssh"/>
//!     <rule family="ipv4"><source address="10.0.0.0/8"/><service name="ssh"/><accept/></rule>
//!   </zone>
//!   ```
//! * Service XML (`/etc/firewalld/services/ssh.xml`), which can move a service's ports, see
//!   [`parse_service_xml`] and [`ServiceTable`].
//! * `/etc/firewalld/firewalld.conf` (`DefaultZone=public`), see [`parse_conf`].
//!
//! Rich rules are parsed into [`RichRule`] whether they come as text or as XML.

use std::collections::BTreeMap;
use std::net::IpAddr;

use crate::model::Diagnostic;
use crate::parse::firewall::ufw::{is_prompt, AddrSpec, At, Match, PortRange, Proto};

/// A port range and its protocol (`2222/tcp`, `60000-61000/udp`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortProto {
    pub ports: PortRange,
    pub proto: Proto,
}

impl PortProto {
    /// `2222/tcp`.
    pub fn parse(s: &str) -> Option<PortProto> {
        let (p, proto) = s.split_once('/')?;
        Self::from_parts(p, proto)
    }

    fn from_parts(port: &str, proto: &str) -> Option<PortProto> {
        Some(PortProto {
            ports: PortRange::parse(port)?,
            proto: Proto::parse(proto),
        })
    }

    pub fn covers_tcp(&self, port: u16) -> bool {
        self.proto == Proto::Tcp && self.ports.contains(port)
    }
}

/// What a zone or policy does with packets no rule accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZoneTarget {
    /// `default`: reject, except that ICMP is accepted.
    Default,
    Accept,
    Drop,
    /// `%%REJECT%%` in zone files, `REJECT` in policies.
    Reject,
    /// Policies only: fall through to the next policy or zone.
    Continue,
}

impl ZoneTarget {
    pub fn parse(s: &str) -> Option<ZoneTarget> {
        Some(match s.trim() {
            "default" => ZoneTarget::Default,
            "ACCEPT" => ZoneTarget::Accept,
            "DROP" => ZoneTarget::Drop,
            "%%REJECT%%" | "REJECT" => ZoneTarget::Reject,
            "CONTINUE" => ZoneTarget::Continue,
            _ => return None,
        })
    }
}

/// A zone source or a rich rule address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Address(AddrSpec),
    Mac(String),
    /// `ipset:NAME` in listings, `ipset="NAME"` in rules.
    Ipset(String),
}

impl Source {
    fn from_listing(s: &str) -> Source {
        if let Some(set) = s.strip_prefix("ipset:") {
            Source::Ipset(set.to_owned())
        } else if is_mac(s) {
            Source::Mac(s.to_owned())
        } else {
            Source::Address(AddrSpec::new(s))
        }
    }

    /// Does the client address fall in this source? Unknown for ipsets, MACs, hostnames
    /// and an unknown client.
    pub fn matches(&self, client: Option<IpAddr>) -> Match {
        match (self, client) {
            (Source::Address(AddrSpec { net: Some(n), .. }), Some(ip)) if n.contains(ip) => {
                Match::Yes
            }
            (Source::Address(AddrSpec { net: Some(_), .. }), Some(_)) => Match::No,
            _ => Match::Maybe,
        }
    }
}

fn is_mac(s: &str) -> bool {
    let parts: Vec<&str> = s.split(':').collect();
    parts.len() == 6
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// `port=80:proto=tcp:toport=8080:toaddr=10.0.0.5`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForwardPort {
    pub port: PortRange,
    pub proto: Proto,
    pub to_port: Option<PortRange>,
    pub to_addr: Option<String>,
}

impl ForwardPort {
    fn parse_listing(s: &str) -> Option<ForwardPort> {
        let mut kv = BTreeMap::new();
        for part in s.split(':') {
            let (k, v) = part.split_once('=')?;
            kv.insert(k, v);
        }
        Self::from_map(&kv, "proto", "toport", "toaddr")
    }

    fn from_map(
        kv: &BTreeMap<&str, &str>,
        proto: &str,
        to_port: &str,
        to_addr: &str,
    ) -> Option<ForwardPort> {
        let nonempty = |k: &str| kv.get(k).copied().filter(|v| !v.is_empty());
        Some(ForwardPort {
            port: PortRange::parse(kv.get("port")?)?,
            proto: Proto::parse(kv.get(proto)?),
            to_port: match nonempty(to_port) {
                Some(p) => Some(PortRange::parse(p)?),
                None => None,
            },
            to_addr: nonempty(to_addr).map(str::to_owned),
        })
    }
}

/// The settings zones and policies share.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Settings {
    pub target: Option<At<ZoneTarget>>,
    pub icmp_block_inversion: Option<At<bool>>,
    pub services: Vec<At<String>>,
    pub ports: Vec<At<PortProto>>,
    pub protocols: Vec<At<String>>,
    /// `forward: yes`: intra-zone forwarding (firewalld 1.0+).
    pub forward: Option<At<bool>>,
    pub masquerade: Option<At<bool>>,
    pub forward_ports: Vec<At<ForwardPort>>,
    pub source_ports: Vec<At<PortProto>>,
    pub icmp_blocks: Vec<At<String>>,
    pub rich_rules: Vec<RichRule>,
}

/// One firewalld zone.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Zone {
    pub name: String,
    /// The header line (listings) or the `<zone>` tag (XML).
    pub line: usize,
    pub active: bool,
    pub default: bool,
    /// False when the source listed only interfaces and sources (`--get-active-zones`):
    /// then an empty `services` means unknown, not none.
    pub complete: bool,
    pub interfaces: Vec<At<String>>,
    pub sources: Vec<At<Source>>,
    pub ingress_priority: Option<At<i32>>,
    pub egress_priority: Option<At<i32>>,
    pub settings: Settings,
}

impl Settings {
    /// The `services:`/`ports:` entry that opens TCP `port`, if any. Rich rules are left
    /// to the caller since they need the client address and their priority.
    pub fn opening_for_tcp(&self, port: u16, services: &ServiceTable) -> Option<Opening> {
        let by_service = self.services.iter().find_map(|s| {
            let opens = services.get(&s.value)?.iter().any(|p| p.covers_tcp(port));
            opens.then(|| Opening::Service(s.clone()))
        });
        by_service.or_else(|| {
            let p = self.ports.iter().find(|p| p.value.covers_tcp(port))?;
            Some(Opening::Port(p.clone()))
        })
    }
}

impl Zone {
    /// The `services:`/`ports:` entry that opens TCP `port` in this zone, if any.
    pub fn opening_for_tcp(&self, port: u16, services: &ServiceTable) -> Option<Opening> {
        self.settings.opening_for_tcp(port, services)
    }
}

/// What opens a port in a zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Opening {
    Service(At<String>),
    Port(At<PortProto>),
}

/// A firewalld policy (firewalld 0.9+): rules between ingress and egress zones.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Policy {
    pub name: String,
    pub line: usize,
    pub active: bool,
    pub priority: Option<At<i32>>,
    /// Zone names, or the symbolic `ANY` and `HOST`.
    pub ingress_zones: Vec<At<String>>,
    pub egress_zones: Vec<At<String>>,
    pub settings: Settings,
}

/// What firewall-cmd listings say about the daemon and its zones.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct FirewalldState {
    /// False after `FirewallD is not running` / `not running`.
    pub running: bool,
    /// The line that said whether it runs.
    pub running_line: Option<usize>,
    pub zones: Vec<Zone>,
    pub policies: Vec<Policy>,
}

impl FirewalldState {
    pub fn default_zone(&self) -> Option<&Zone> {
        self.zones.iter().find(|z| z.default)
    }

    pub fn zone(&self, name: &str) -> Option<&Zone> {
        self.zones.iter().find(|z| z.name == name)
    }
}

// ---------------------------------------------------------------------------------------
// Listings

/// A header line and its indented `key: value` lines, before deciding zone or policy.
struct Block {
    name: String,
    line: usize,
    markers: Vec<String>,
    items: Vec<(String, String, usize)>,
}

/// Parses `firewall-cmd --list-all[-zones|-policies]` and `--get-active-zones`.
pub fn parse_list(text: &str, diags: &mut Vec<Diagnostic>) -> FirewalldState {
    let mut state = FirewalldState {
        running: true,
        ..FirewalldState::default()
    };
    let mut blocks: Vec<Block> = Vec::new();
    let mut list_key: Option<String> = None;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim_end_matches('\r');
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if !line.starts_with(char::is_whitespace) {
            list_key = None;
            header_line(t, line_no, &mut state, &mut blocks, diags);
            continue;
        }
        let Some(block) = blocks.last_mut() else {
            diags.push(warn(
                line_no,
                "indented line outside a firewalld zone block",
            ));
            continue;
        };
        match split_key(t) {
            Some((k, v)) => {
                list_key = Some(k.to_owned());
                if !v.is_empty() {
                    block.items.push((k.to_owned(), v.to_owned(), line_no));
                }
            }
            // Rich rules and forward ports continue on their own indented lines.
            None => match &list_key {
                Some(k) if k == "rich rules" || k == "forward-ports" => {
                    block.items.push((k.clone(), t.to_owned(), line_no))
                }
                _ => diags.push(warn(line_no, "unreadable firewalld listing line")),
            },
        }
    }
    for b in blocks {
        build_block(b, &mut state, diags);
    }
    state
}

fn warn(line: usize, msg: impl Into<String>) -> Diagnostic {
    Diagnostic::warning(msg).at_line(line)
}

const KEYS: &[&str] = &[
    "target",
    "icmp-block-inversion",
    "interfaces",
    "sources",
    "services",
    "ports",
    "protocols",
    "forward",
    "masquerade",
    "forward-ports",
    "source-ports",
    "icmp-blocks",
    "rich rules",
    "ingress-priority",
    "egress-priority",
    "priority",
    "ingress-zones",
    "egress-zones",
    "summary",
    "description",
];

fn split_key(t: &str) -> Option<(&str, &str)> {
    let (k, v) = t.split_once(':')?;
    KEYS.contains(&k).then(|| (k, v.trim()))
}

fn header_line(
    t: &str,
    line_no: usize,
    state: &mut FirewalldState,
    blocks: &mut Vec<Block>,
    diags: &mut Vec<Diagnostic>,
) {
    if t == "FirewallD is not running" || t == "not running" {
        state.running = false;
        state.running_line = Some(line_no);
    } else if t == "running" {
        state.running_line = Some(line_no);
    } else if is_prompt(t) {
        diags.push(Diagnostic::info("shell prompt line skipped").at_line(line_no));
    } else if let Some((name, markers)) = zone_header(t) {
        blocks.push(Block {
            name: name.to_owned(),
            line: line_no,
            markers,
            items: Vec::new(),
        });
    } else {
        diags.push(warn(line_no, "line is not a firewalld zone header"));
    }
}

/// `public`, `public (active)`, `public (default, active)`.
fn zone_header(t: &str) -> Option<(&str, Vec<String>)> {
    let (name, rest) = match t.split_once(' ') {
        Some((n, r)) => (n, r.trim()),
        None => (t, ""),
    };
    let valid = |c: char| c.is_ascii_alphanumeric() || "_-+.".contains(c);
    if name.is_empty() || !name.chars().all(valid) {
        return None;
    }
    if rest.is_empty() {
        return Some((name, Vec::new()));
    }
    let inner = rest.strip_prefix('(')?.strip_suffix(')')?;
    let markers: Vec<String> = inner.split(',').map(|m| m.trim().to_owned()).collect();
    markers
        .iter()
        .all(|m| m == "active" || m == "default")
        .then_some((name, markers))
}

fn build_block(b: Block, state: &mut FirewalldState, diags: &mut Vec<Diagnostic>) {
    let policy_keys = ["priority", "ingress-zones", "egress-zones"];
    let is_policy = b
        .items
        .iter()
        .any(|(k, _, _)| policy_keys.contains(&k.as_str()));
    let active = b.markers.iter().any(|m| m == "active");
    let mut settings = Settings::default();
    if is_policy {
        let mut p = Policy {
            name: b.name,
            line: b.line,
            active,
            ..Policy::default()
        };
        for (k, v, line) in &b.items {
            let ok = match k.as_str() {
                "priority" => set_int(&mut p.priority, v, *line),
                "ingress-zones" => push_words(&mut p.ingress_zones, v, *line),
                "egress-zones" => push_words(&mut p.egress_zones, v, *line),
                _ => apply_setting(&mut settings, k, v, *line, diags),
            };
            if !ok {
                diags.push(warn(*line, format!("unreadable firewalld {k}: value")));
            }
        }
        p.settings = settings;
        state.policies.push(p);
        return;
    }
    let listed_only = ["interfaces", "sources"];
    let complete = b.items.is_empty() && !b.markers.is_empty()
        || b.items
            .iter()
            .any(|(k, _, _)| !listed_only.contains(&k.as_str()));
    let mut z = Zone {
        name: b.name,
        line: b.line,
        // `--get-active-zones` lists active zones only, without markers.
        active: active || !complete,
        default: b.markers.iter().any(|m| m == "default"),
        complete,
        ..Zone::default()
    };
    for (k, v, line) in &b.items {
        let ok = match k.as_str() {
            "interfaces" => push_words(&mut z.interfaces, v, *line),
            "sources" => {
                let src = v
                    .split_whitespace()
                    .map(|s| At::new(Source::from_listing(s), *line));
                z.sources.extend(src);
                true
            }
            "ingress-priority" => set_int(&mut z.ingress_priority, v, *line),
            "egress-priority" => set_int(&mut z.egress_priority, v, *line),
            _ => apply_setting(&mut settings, k, v, *line, diags),
        };
        if !ok {
            diags.push(warn(*line, format!("unreadable firewalld {k}: value")));
        }
    }
    z.settings = settings;
    state.zones.push(z);
}

fn set_int(slot: &mut Option<At<i32>>, v: &str, line: usize) -> bool {
    *slot = v.trim().parse().ok().map(|n| At::new(n, line));
    slot.is_some()
}

fn push_words(list: &mut Vec<At<String>>, v: &str, line: usize) -> bool {
    list.extend(v.split_whitespace().map(|w| At::new(w.to_owned(), line)));
    true
}

fn yes_no(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "yes" | "true" => Some(true),
        "no" | "false" => Some(false),
        _ => None,
    }
}

/// One `key: value` of a listing; false when the value is unreadable.
fn apply_setting(
    s: &mut Settings,
    key: &str,
    v: &str,
    line: usize,
    diags: &mut Vec<Diagnostic>,
) -> bool {
    let at = |x| At::new(x, line);
    match key {
        "target" => {
            s.target = ZoneTarget::parse(v).map(at);
            s.target.is_some()
        }
        "icmp-block-inversion" => set_bool(&mut s.icmp_block_inversion, v, line),
        "forward" => set_bool(&mut s.forward, v, line),
        "masquerade" => set_bool(&mut s.masquerade, v, line),
        "services" => push_words(&mut s.services, v, line),
        "protocols" => push_words(&mut s.protocols, v, line),
        "icmp-blocks" => push_words(&mut s.icmp_blocks, v, line),
        "ports" => push_parsed(&mut s.ports, v, line, PortProto::parse),
        "source-ports" => push_parsed(&mut s.source_ports, v, line, PortProto::parse),
        "forward-ports" => push_parsed(&mut s.forward_ports, v, line, ForwardPort::parse_listing),
        "rich rules" => {
            s.rich_rules.push(parse_rich_rule(v, line, diags));
            true
        }
        // Descriptive only.
        _ => true,
    }
}

fn set_bool(slot: &mut Option<At<bool>>, v: &str, line: usize) -> bool {
    *slot = yes_no(v).map(|b| At::new(b, line));
    slot.is_some()
}

fn push_parsed<T>(list: &mut Vec<At<T>>, v: &str, line: usize, f: fn(&str) -> Option<T>) -> bool {
    let mut ok = true;
    for w in v.split_whitespace() {
        match f(w) {
            Some(x) => list.push(At::new(x, line)),
            None => ok = false,
        }
    }
    ok
}

/// Confidence that a text is a firewall-cmd listing.
pub fn sniff(head: &str) -> f32 {
    let t = head.trim();
    if t.starts_with("FirewallD is not running") {
        return 0.95;
    }
    let has = |k: &str| head.lines().any(|l| l.trim_start().starts_with(k));
    let keys = [
        "target:",
        "icmp-block-inversion:",
        "services:",
        "rich rules:",
        "masquerade:",
    ];
    let hits = keys.iter().filter(|k| has(k)).count();
    if hits >= 3 {
        0.95
    } else if has("interfaces:") && head.lines().next().and_then(zone_header).is_some() {
        0.7
    } else {
        0.0
    }
}

// ---------------------------------------------------------------------------------------
// Rich rules

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Ipv4,
    Ipv6,
}

/// A rich rule's source or destination.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RichAddr {
    /// `source not address=...` / `invert="True"`.
    pub invert: bool,
    pub addr: Source,
}

impl RichAddr {
    pub fn matches(&self, client: Option<IpAddr>) -> Match {
        match (self.addr.matches(client), self.invert) {
            (Match::Yes, true) => Match::No,
            (Match::No, true) => Match::Yes,
            (m, _) => m,
        }
    }
}

/// What a rich rule matches besides addresses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Element {
    Service(String),
    Port(PortProto),
    Protocol(String),
    IcmpBlock(String),
    IcmpType(String),
    Masquerade,
    ForwardPort(ForwardPort),
    SourcePort(PortProto),
    TcpMssClamp(Option<String>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateUnit {
    Second,
    Minute,
    Hour,
    Day,
}

/// `limit value="3/m" [burst="5"]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limit {
    pub rate: u32,
    pub per: RateUnit,
    pub burst: Option<u32>,
}

impl Limit {
    fn parse(value: &str, burst: Option<&str>) -> Option<Limit> {
        let (n, unit) = value.split_once('/')?;
        let per = match unit.trim() {
            "s" | "second" => RateUnit::Second,
            "m" | "minute" => RateUnit::Minute,
            "h" | "hour" => RateUnit::Hour,
            "d" | "day" => RateUnit::Day,
            _ => return None,
        };
        Some(Limit {
            rate: n.trim().parse().ok()?,
            per,
            burst: match burst {
                Some(b) => Some(b.parse().ok()?),
                None => None,
            },
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogKind {
    Log,
    Nflog,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RichLog {
    pub kind: LogKind,
    pub prefix: Option<String>,
    pub level: Option<String>,
    /// nflog's group.
    pub group: Option<String>,
    pub limit: Option<Limit>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RichAction {
    Accept,
    /// With the ICMP reject type when given (`icmp-host-prohibited`).
    Reject(Option<String>),
    Drop,
    Mark(String),
}

/// One rich rule.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct RichRule {
    pub family: Option<Family>,
    pub priority: Option<i32>,
    pub source: Option<RichAddr>,
    pub destination: Option<RichAddr>,
    pub element: Option<Element>,
    pub log: Option<RichLog>,
    /// `audit`, with its limit when given.
    pub audit: Option<Option<Limit>>,
    pub action: Option<RichAction>,
    pub action_limit: Option<Limit>,
    pub text: String,
    pub line: usize,
}

impl RichRule {
    /// Does the rule's element cover TCP `port`? A rule without an element matches all
    /// traffic from its source.
    pub fn covers_tcp(&self, port: u16, services: &ServiceTable) -> Match {
        match &self.element {
            None => Match::Yes,
            Some(Element::Port(p)) => bool_match(p.covers_tcp(port)),
            Some(Element::Service(s)) => match services.get(s) {
                Some(ports) => bool_match(ports.iter().any(|p| p.covers_tcp(port))),
                None => Match::Maybe,
            },
            Some(Element::Protocol(p)) => bool_match(p == "tcp" || p == "6"),
            Some(_) => Match::No,
        }
    }

    /// Does the rule decide an IPv4/IPv6 TCP connection to `port` from `client`?
    pub fn matches_tcp(&self, port: u16, client: Option<IpAddr>, services: &ServiceTable) -> Match {
        let family = match (self.family, client) {
            (Some(Family::Ipv4), Some(IpAddr::V6(_)))
            | (Some(Family::Ipv6), Some(IpAddr::V4(_))) => Match::No,
            _ => Match::Yes,
        };
        let src = self
            .source
            .as_ref()
            .map_or(Match::Yes, |s| s.matches(client));
        let dst = if self.destination.is_some() {
            Match::Maybe
        } else {
            Match::Yes
        };
        let elem = self.covers_tcp(port, services);
        [family, src, dst, elem].into_iter().fold(Match::Yes, and)
    }
}

fn bool_match(b: bool) -> Match {
    if b {
        Match::Yes
    } else {
        Match::No
    }
}

fn and(a: Match, b: Match) -> Match {
    match (a, b) {
        (Match::No, _) | (_, Match::No) => Match::No,
        (Match::Maybe, _) | (_, Match::Maybe) => Match::Maybe,
        _ => Match::Yes,
    }
}

/// A word or a `key="value"` of a rich rule; XML tags are turned into the same stream.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Word(String),
    Attr(String, String),
}

fn tokenize(s: &str) -> Option<Vec<Tok>> {
    let mut out = Vec::new();
    let mut rest = s.trim_start();
    while !rest.is_empty() {
        let end = rest
            .find(|c: char| c.is_whitespace() || c == '=')
            .unwrap_or(rest.len());
        let word = &rest[..end];
        rest = &rest[end..];
        if let Some(after) = rest.strip_prefix('=') {
            let (value, tail) = match after.strip_prefix('"') {
                Some(q) => {
                    let close = q.find('"')?;
                    (&q[..close], &q[close + 1..])
                }
                None => {
                    let e = after.find(char::is_whitespace).unwrap_or(after.len());
                    (&after[..e], &after[e..])
                }
            };
            out.push(Tok::Attr(word.to_owned(), value.to_owned()));
            rest = tail;
        } else {
            out.push(Tok::Word(word.to_owned()));
        }
        rest = rest.trim_start();
    }
    Some(out)
}

/// Parses a rich rule's text (`rule family="ipv4" source address="..." service name="ssh"
/// reject`); anything not understood is reported at `line`.
pub fn parse_rich_rule(text: &str, line: usize, diags: &mut Vec<Diagnostic>) -> RichRule {
    let mut rule = RichRule {
        text: text.trim().to_owned(),
        line,
        ..RichRule::default()
    };
    match tokenize(text) {
        Some(toks) => {
            if let Err(why) = build_rich(&mut rule, &toks) {
                diags.push(warn(line, format!("rich rule not fully understood: {why}")));
            }
        }
        None => diags.push(warn(line, "rich rule with an unterminated quote")),
    }
    rule
}

/// Which part of a rule a following `limit` belongs to.
#[derive(Clone, Copy, PartialEq)]
enum LimitOwner {
    None,
    Log,
    Audit,
    Action,
}

fn build_rich(rule: &mut RichRule, toks: &[Tok]) -> Result<(), String> {
    let mut i = 0;
    let mut owner = LimitOwner::None;
    while i < toks.len() {
        let Tok::Word(word) = &toks[i] else {
            rule_attr(rule, &toks[i])?;
            i += 1;
            continue;
        };
        i += 1;
        let not = matches!(toks.get(i), Some(Tok::Word(w)) if w == "not");
        if not && matches!(word.as_str(), "source" | "destination") {
            i += 1;
        }
        let start = i;
        while matches!(toks.get(i), Some(Tok::Attr(..))) {
            i += 1;
        }
        let attrs: BTreeMap<&str, &str> = toks[start..i]
            .iter()
            .filter_map(|t| match t {
                Tok::Attr(k, v) => Some((k.as_str(), v.as_str())),
                Tok::Word(_) => None,
            })
            .collect();
        owner = rich_word(rule, word, not, &attrs, owner)?;
    }
    Ok(())
}

fn rule_attr(rule: &mut RichRule, t: &Tok) -> Result<(), String> {
    match t {
        Tok::Attr(k, v) if k == "family" => {
            rule.family = Some(match v.as_str() {
                "ipv4" => Family::Ipv4,
                "ipv6" => Family::Ipv6,
                _ => return Err(format!("family {v:?}")),
            })
        }
        Tok::Attr(k, v) if k == "priority" => {
            rule.priority = Some(v.parse().map_err(|_| format!("priority {v:?}"))?)
        }
        other => return Err(format!("unexpected {other:?}")),
    }
    Ok(())
}

fn rich_word(
    rule: &mut RichRule,
    word: &str,
    not: bool,
    a: &BTreeMap<&str, &str>,
    owner: LimitOwner,
) -> Result<LimitOwner, String> {
    let get = |k: &str| a.get(k).map(|v| v.to_string());
    let need = |k: &str| get(k).ok_or_else(|| format!("{word} without {k}"));
    let port = || {
        PortProto::from_parts(
            a.get("port").copied().unwrap_or(""),
            a.get("protocol").copied().unwrap_or(""),
        )
        .ok_or_else(|| format!("{word} with a bad port/protocol"))
    };
    let mut next = owner;
    match word {
        "rule" => {
            for (k, v) in a {
                rule_attr(rule, &Tok::Attr(k.to_string(), v.to_string()))?;
            }
        }
        "source" | "destination" => {
            let invert = not || a.get("invert").is_some_and(|v| yes_no(v) == Some(true));
            let addr = if let Some(v) = a.get("address") {
                Source::Address(AddrSpec::new(v))
            } else if let Some(v) = a.get("mac") {
                Source::Mac(v.to_string())
            } else {
                Source::Ipset(need("ipset")?)
            };
            let ra = Some(RichAddr { invert, addr });
            if word == "source" {
                rule.source = ra;
            } else {
                rule.destination = ra;
            }
        }
        "service" => rule.element = Some(Element::Service(need("name")?)),
        "port" => rule.element = Some(Element::Port(port()?)),
        "source-port" => rule.element = Some(Element::SourcePort(port()?)),
        "protocol" => rule.element = Some(Element::Protocol(need("value")?)),
        "icmp-block" => rule.element = Some(Element::IcmpBlock(need("name")?)),
        "icmp-type" => rule.element = Some(Element::IcmpType(need("name")?)),
        "masquerade" => rule.element = Some(Element::Masquerade),
        "tcp-mss-clamp" => rule.element = Some(Element::TcpMssClamp(get("value"))),
        "forward-port" => {
            let fp = ForwardPort::from_map(a, "protocol", "to-port", "to-addr")
                .ok_or("forward-port with a bad port")?;
            rule.element = Some(Element::ForwardPort(fp));
        }
        "log" | "nflog" => {
            rule.log = Some(RichLog {
                kind: if word == "log" {
                    LogKind::Log
                } else {
                    LogKind::Nflog
                },
                prefix: get("prefix"),
                level: get("level"),
                group: get("group"),
                limit: None,
            });
            next = LimitOwner::Log;
        }
        "audit" => {
            rule.audit = Some(None);
            next = LimitOwner::Audit;
        }
        "accept" => rule.action = Some(RichAction::Accept),
        "drop" => rule.action = Some(RichAction::Drop),
        "reject" => rule.action = Some(RichAction::Reject(get("type"))),
        "mark" => rule.action = Some(RichAction::Mark(need("set")?)),
        "limit" => {
            let limit = Limit::parse(&need("value")?, a.get("burst").copied())
                .ok_or_else(|| format!("limit {:?}", a.get("value")))?;
            match owner {
                LimitOwner::Log => rule
                    .log
                    .iter_mut()
                    .for_each(|l| l.limit = Some(limit.clone())),
                LimitOwner::Audit => rule.audit = Some(Some(limit)),
                LimitOwner::Action => rule.action_limit = Some(limit),
                LimitOwner::None => return Err("limit before log, audit or an action".into()),
            }
        }
        other => return Err(format!("unknown word {other:?}")),
    }
    if matches!(word, "accept" | "drop" | "reject" | "mark") {
        next = LimitOwner::Action;
    }
    Ok(next)
}

// ---------------------------------------------------------------------------------------
// XML

/// One tag of an XML document.
#[derive(Debug)]
struct Tag<'a> {
    name: &'a str,
    attrs: Vec<(&'a str, String)>,
    closing: bool,
    self_closing: bool,
    line: usize,
}

/// Scans the tags of an XML text, skipping the declaration, comments and text content.
fn scan_tags<'a>(text: &'a str, diags: &mut Vec<Diagnostic>) -> Vec<Tag<'a>> {
    let mut out = Vec::new();
    let mut pos = 0;
    let mut line = 1;
    while let Some(rel) = text[pos..].find('<') {
        line += text[pos..pos + rel].matches('\n').count();
        let start = pos + rel;
        let rest = &text[start..];
        let end_marker = if rest.starts_with("<!--") {
            "-->"
        } else if rest.starts_with("<?") {
            "?>"
        } else {
            ">"
        };
        let Some(end) = find_tag_end(rest, end_marker) else {
            diags.push(warn(line, "unterminated XML tag"));
            break;
        };
        let inner = &rest[1..end];
        if end_marker == ">" && !inner.starts_with('!') {
            match parse_tag(inner, line) {
                Some(t) => out.push(t),
                None => diags.push(warn(line, "unreadable XML tag")),
            }
        }
        let consumed = end + end_marker.len();
        line += rest[..consumed].matches('\n').count();
        pos = start + consumed;
    }
    out
}

/// Where `marker` ends the tag, skipping quoted attribute values (which may hold `>`).
fn find_tag_end(s: &str, marker: &str) -> Option<usize> {
    if marker != ">" {
        return s.find(marker);
    }
    let mut quote = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), _) if q == c => quote = None,
            (None, '>') => return Some(i),
            _ => {}
        }
    }
    None
}

fn parse_tag(inner: &str, line: usize) -> Option<Tag<'_>> {
    let closing = inner.starts_with('/');
    let body = inner.trim_start_matches('/');
    let self_closing = body.ends_with('/');
    let body = body.trim_end_matches('/').trim();
    let name_end = body.find(char::is_whitespace).unwrap_or(body.len());
    let name = &body[..name_end];
    if name.is_empty() {
        return None;
    }
    let mut attrs = Vec::new();
    let mut rest = body[name_end..].trim_start();
    while !rest.is_empty() {
        let (k, after) = rest.split_once('=')?;
        let after = after.trim_start();
        let q = after.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let close = after[1..].find(q)? + 1;
        attrs.push((k.trim(), unescape(&after[1..close])));
        rest = after[close + 1..].trim_start();
    }
    Some(Tag {
        name,
        attrs,
        closing,
        self_closing,
        line,
    })
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

fn attr<'t>(tag: &'t Tag, key: &str) -> Option<&'t str> {
    tag.attrs
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v.as_str())
}

/// Parses a zone XML file. `name` is the zone's name, which firewalld takes from the file
/// name (`public.xml` → `public`).
pub fn parse_zone_xml(name: &str, text: &str, diags: &mut Vec<Diagnostic>) -> Zone {
    let mut z = Zone {
        name: name.to_owned(),
        complete: true,
        ..Zone::default()
    };
    let tags = scan_tags(text, diags);
    let mut rule: Option<(usize, Vec<Tok>, Vec<String>)> = None;
    let mut in_zone = false;
    for tag in &tags {
        if let Some((_, toks, text)) = rule.as_mut() {
            if tag.closing && tag.name == "rule" {
                let (line, toks, words) = rule.take().unwrap_or_default();
                z.settings
                    .rich_rules
                    .push(xml_rule(line, &toks, words.join(" "), diags));
            } else if !tag.closing {
                xml_rule_tag(tag, toks, text);
            }
            continue;
        }
        if tag.closing {
            in_zone &= tag.name != "zone";
            continue;
        }
        if tag.name == "zone" {
            in_zone = true;
            zone_attrs(&mut z, tag, diags);
        } else if !in_zone {
            diags.push(warn(tag.line, format!("<{}> outside <zone>", tag.name)));
        } else if tag.name == "rule" {
            let mut r = (tag.line, Vec::new(), Vec::new());
            xml_rule_tag(tag, &mut r.1, &mut r.2);
            if tag.self_closing {
                z.settings
                    .rich_rules
                    .push(xml_rule(tag.line, &r.1, r.2.join(" "), diags));
            } else {
                rule = Some(r);
            }
        } else if !zone_child(&mut z, tag) {
            diags.push(warn(
                tag.line,
                format!("unused or unreadable <{}>", tag.name),
            ));
        }
    }
    if let Some((line, toks, words)) = rule {
        diags.push(warn(line, "<rule> not closed"));
        z.settings
            .rich_rules
            .push(xml_rule(line, &toks, words.join(" "), diags));
    }
    if z.line == 0 {
        diags.push(Diagnostic::warning(
            "no <zone> element: not a firewalld zone file",
        ));
    }
    z
}

fn zone_attrs(z: &mut Zone, tag: &Tag, diags: &mut Vec<Diagnostic>) {
    z.line = tag.line;
    for (k, v) in &tag.attrs {
        let ok = match *k {
            "target" => {
                z.settings.target = ZoneTarget::parse(v).map(|t| At::new(t, tag.line));
                z.settings.target.is_some()
            }
            "ingress-priority" => set_int(&mut z.ingress_priority, v, tag.line),
            "egress-priority" => set_int(&mut z.egress_priority, v, tag.line),
            _ => true,
        };
        if !ok {
            diags.push(warn(tag.line, format!("unreadable zone {k}={v:?}")));
        }
    }
}

/// A child element of `<zone>`; false when it is unknown or lacks what it needs.
fn zone_child(z: &mut Zone, tag: &Tag) -> bool {
    let line = tag.line;
    let s = &mut z.settings;
    let named = |list: &mut Vec<At<String>>, key: &str| -> bool {
        attr(tag, key)
            .map(|v| list.push(At::new(v.to_owned(), line)))
            .is_some()
    };
    let port = || PortProto::from_parts(attr(tag, "port")?, attr(tag, "protocol")?);
    match tag.name {
        "short" | "description" => true,
        "service" => named(&mut s.services, "name"),
        "interface" => named(&mut z.interfaces, "name"),
        "protocol" => named(&mut s.protocols, "value"),
        "icmp-block" => named(&mut s.icmp_blocks, "name"),
        "icmp-block-inversion" => {
            s.icmp_block_inversion = Some(At::new(true, line));
            true
        }
        "forward" => {
            s.forward = Some(At::new(true, line));
            true
        }
        "masquerade" => {
            s.masquerade = Some(At::new(true, line));
            true
        }
        "port" => port().map(|p| s.ports.push(At::new(p, line))).is_some(),
        "source-port" => port()
            .map(|p| s.source_ports.push(At::new(p, line)))
            .is_some(),
        "forward-port" => {
            let kv: BTreeMap<&str, &str> =
                tag.attrs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            ForwardPort::from_map(&kv, "protocol", "to-port", "to-addr")
                .map(|f| s.forward_ports.push(At::new(f, line)))
                .is_some()
        }
        "source" => {
            let src = if let Some(a) = attr(tag, "address") {
                Source::Address(AddrSpec::new(a))
            } else if let Some(m) = attr(tag, "mac") {
                Source::Mac(m.to_owned())
            } else if let Some(i) = attr(tag, "ipset") {
                Source::Ipset(i.to_owned())
            } else {
                return false;
            };
            z.sources.push(At::new(src, line));
            true
        }
        _ => false,
    }
}

/// Turns a tag inside `<rule>` into rich-rule tokens, and into text for evidence.
fn xml_rule_tag(tag: &Tag, toks: &mut Vec<Tok>, text: &mut Vec<String>) {
    toks.push(Tok::Word(tag.name.to_owned()));
    let mut words = vec![tag.name.to_owned()];
    for (k, v) in &tag.attrs {
        if *k == "invert" && yes_no(v) == Some(true) {
            toks.push(Tok::Word("not".into()));
            words.push("not".into());
        } else if *k != "invert" {
            toks.push(Tok::Attr(k.to_string(), v.clone()));
            words.push(format!("{k}=\"{v}\""));
        }
    }
    // `not` must follow its keyword directly, before the attributes.
    if let Some(n) = toks.iter().rposition(|t| *t == Tok::Word("not".into())) {
        let kw = toks
            .iter()
            .rposition(|t| *t == Tok::Word(tag.name.to_owned()))
            .unwrap_or(n);
        if n > kw + 1 {
            let t = toks.remove(n);
            toks.insert(kw + 1, t);
        }
    }
    text.push(words.join(" "));
}

fn xml_rule(line: usize, toks: &[Tok], text: String, diags: &mut Vec<Diagnostic>) -> RichRule {
    let mut rule = RichRule {
        text,
        line,
        ..RichRule::default()
    };
    if let Err(why) = build_rich(&mut rule, toks) {
        diags.push(warn(line, format!("rich rule not fully understood: {why}")));
    }
    rule
}

/// Confidence that a text is a firewalld zone XML file.
pub fn sniff_zone_xml(head: &str) -> f32 {
    let zone = head.contains("<zone")
        && (head.contains("<service") || head.contains("<short>") || head.contains("target="));
    if zone {
        0.95
    } else {
        0.0
    }
}

// ---------------------------------------------------------------------------------------
// Services

/// A service's definition: what `<service name="ssh"/>` opens.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ServiceDef {
    pub name: String,
    pub ports: Vec<At<PortProto>>,
    pub protocols: Vec<At<String>>,
    pub source_ports: Vec<At<PortProto>>,
    /// `<include service="..."/>`: other services whose ports this one also opens.
    pub includes: Vec<At<String>>,
}

/// Parses a service XML file (`/etc/firewalld/services/ssh.xml`); `name` comes from the
/// file name.
pub fn parse_service_xml(name: &str, text: &str, diags: &mut Vec<Diagnostic>) -> ServiceDef {
    let mut def = ServiceDef {
        name: name.to_owned(),
        ..ServiceDef::default()
    };
    for tag in scan_tags(text, diags).iter().filter(|t| !t.closing) {
        let line = tag.line;
        let port = || PortProto::from_parts(attr(tag, "port")?, attr(tag, "protocol")?);
        let ok = match tag.name {
            "service" | "short" | "description" | "helper" | "destination" => true,
            "port" => port().map(|p| def.ports.push(At::new(p, line))).is_some(),
            "source-port" => port()
                .map(|p| def.source_ports.push(At::new(p, line)))
                .is_some(),
            "protocol" => attr(tag, "value")
                .map(|v| def.protocols.push(At::new(v.to_owned(), line)))
                .is_some(),
            "include" => attr(tag, "service")
                .map(|v| def.includes.push(At::new(v.to_owned(), line)))
                .is_some(),
            _ => false,
        };
        if !ok {
            diags.push(warn(line, format!("unused or unreadable <{}>", tag.name)));
        }
    }
    def
}

/// Service name → ports, built in for common services and overridable from the bundle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceTable {
    map: BTreeMap<String, Vec<PortProto>>,
}

impl Default for ServiceTable {
    /// The definitions firewalld ships for services sshd diagnosis meets most.
    fn default() -> Self {
        let mut map = BTreeMap::new();
        let builtin: &[(&str, &[(u16, &str)])] = &[
            ("ssh", &[(22, "tcp")]),
            ("http", &[(80, "tcp")]),
            ("https", &[(443, "tcp")]),
            ("cockpit", &[(9090, "tcp")]),
            ("dhcpv6-client", &[(546, "udp")]),
            ("mdns", &[(5353, "udp")]),
            ("dns", &[(53, "tcp"), (53, "udp")]),
        ];
        for (name, ports) in builtin {
            let list = ports
                .iter()
                .map(|(p, proto)| PortProto {
                    ports: PortRange::single(*p),
                    proto: Proto::parse(proto),
                })
                .collect();
            map.insert((*name).to_owned(), list);
        }
        ServiceTable { map }
    }
}

impl ServiceTable {
    /// A parsed definition replaces the built-in one of the same name, as a file in
    /// `/etc/firewalld/services` overrides `/usr/lib/firewalld/services`.
    pub fn add(&mut self, def: &ServiceDef) {
        let ports = def.ports.iter().map(|p| p.value.clone()).collect();
        self.map.insert(def.name.clone(), ports);
    }

    pub fn get(&self, name: &str) -> Option<&[PortProto]> {
        self.map.get(name).map(Vec::as_slice)
    }
}

// ---------------------------------------------------------------------------------------
// firewalld.conf

/// `/etc/firewalld/firewalld.conf`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct FirewalldConf {
    pub default_zone: Option<At<String>>,
    /// `nftables` or `iptables`.
    pub backend: Option<At<String>>,
    /// `LogDenied=all|unicast|...|off`: whether rejected packets reach the kernel log.
    pub log_denied: Option<At<String>>,
    pub other: Vec<At<(String, String)>>,
}

/// Parses `firewalld.conf`.
pub fn parse_conf(text: &str, diags: &mut Vec<Diagnostic>) -> FirewalldConf {
    let mut c = FirewalldConf::default();
    for (i, raw) in text.lines().enumerate() {
        let t = raw.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let Some((k, v)) = t.split_once('=') else {
            diags.push(warn(i + 1, "line is not a Key=value setting"));
            continue;
        };
        let v = At::new(v.trim().trim_matches('"').to_owned(), i + 1);
        match k.trim() {
            "DefaultZone" => c.default_zone = Some(v),
            "FirewallBackend" => c.backend = Some(v),
            "LogDenied" => c.log_denied = Some(v),
            other => c.other.push(At::new((other.to_owned(), v.value), v.line)),
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Level;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    const LIST_ALL: &str = "\
[root@db01 ~]# firewall-cmd --list-all-zones
drop
  target: DROP
  icmp-block-inversion: no
  interfaces: 
  sources: 10.9.0.0/16 ipset:blocked
  services: 
  ports: 
  rich rules: 

public (default, active)
  target: default
  icmp-block-inversion: no
  interfaces: eth0 eth1
  sources: 
  services: cockpit dhcpv6-client ssh
  ports: 2222/tcp 60000-61000/udp
  protocols: gre
  forward: yes
  masquerade: no
  forward-ports: 
\tport=80:proto=tcp:toport=8080:toaddr=
  source-ports: 
  icmp-blocks: echo-request
  rich rules: 
\trule family=\"ipv4\" source address=\"203.0.113.0/24\" service name=\"ssh\" log prefix=\"ssh-deny \" level=\"info\" limit value=\"3/m\" reject type=\"icmp-host-prohibited\"
\trule priority=\"-10\" family=\"ipv4\" source not address=\"10.0.0.0/8\" port port=\"2222\" protocol=\"tcp\" drop
\trule family=\"ipv6\" source address=\"2001:db8::/32\" accept limit value=\"10/s\" burst=\"20\"
";

    #[test]
    fn list_all_zones() {
        let mut d = Vec::new();
        let s = parse_list(LIST_ALL, &mut d);
        assert!(s.running);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!((d[0].level, d[0].line), (Level::Info, Some(1)));
        assert_eq!(s.zones.len(), 2);
        let drop = &s.zones[0];
        assert_eq!(
            (drop.name.as_str(), drop.line, drop.active),
            ("drop", 2, false)
        );
        assert_eq!(drop.settings.target, Some(At::new(ZoneTarget::Drop, 3)));
        assert_eq!(drop.sources[1], At::new(Source::Ipset("blocked".into()), 6));
        let z = s.default_zone().unwrap();
        assert!(z.active && z.complete && z.line == 11);
        let ifs: Vec<_> = z
            .interfaces
            .iter()
            .map(|i| (i.value.as_str(), i.line))
            .collect();
        assert_eq!(ifs, [("eth0", 14), ("eth1", 14)]);
        assert_eq!(z.settings.services[2], At::new("ssh".to_owned(), 16));
        assert_eq!(
            z.settings.ports[1].value.ports,
            PortRange {
                first: 60000,
                last: 61000
            }
        );
        assert_eq!(z.settings.forward, Some(At::new(true, 19)));
        assert_eq!(z.settings.forward_ports[0].line, 22);
        assert_eq!(
            z.settings.forward_ports[0].value.to_port,
            Some(PortRange::single(8080))
        );
        assert_eq!(z.settings.icmp_blocks[0].line, 24);
        let rr = &z.settings.rich_rules;
        assert_eq!(rr.len(), 3);
        assert_eq!(rr[0].line, 26);
        assert_eq!(
            rr[0].action,
            Some(RichAction::Reject(Some("icmp-host-prohibited".into())))
        );
        let log = rr[0].log.as_ref().unwrap();
        assert_eq!(log.prefix.as_deref(), Some("ssh-deny "));
        assert_eq!(
            log.limit.as_ref().map(|l| (l.rate, l.per)),
            Some((3, RateUnit::Minute))
        );
        assert_eq!(rr[1].priority, Some(-10));
        assert!(rr[1].source.as_ref().unwrap().invert);
        assert_eq!(rr[2].action_limit.as_ref().and_then(|l| l.burst), Some(20));
        let services = ServiceTable::default();
        let open = z.opening_for_tcp(22, &services);
        assert_eq!(open, Some(Opening::Service(At::new("ssh".into(), 16))));
        assert!(
            matches!(z.opening_for_tcp(2222, &services), Some(Opening::Port(p)) if p.line == 17)
        );
        assert_eq!(z.opening_for_tcp(23, &services), None);
        let m = |k: usize, port, c| rr[k].matches_tcp(port, Some(ip(c)), &services);
        assert_eq!(m(0, 22, "203.0.113.9"), Match::Yes);
        assert_eq!(m(0, 22, "198.51.100.1"), Match::No);
        assert_eq!(m(1, 2222, "198.51.100.1"), Match::Yes);
        assert_eq!(m(1, 2222, "10.1.1.1"), Match::No);
        assert_eq!(m(2, 22, "203.0.113.9"), Match::No);
    }

    #[test]
    fn policies_active_zones_and_not_running() {
        let text = concat!(
            "allow-host-ipv6 (active)\n  priority: -15000\n  target: CONTINUE\n",
            "  ingress-zones: ANY\n  egress-zones: HOST\n  services: \n  rich rules: \n",
            "\trule family=\"ipv6\" icmp-type name=\"neighbour-advertisement\" accept\n",
        );
        let mut d = Vec::new();
        let s = parse_list(text, &mut d);
        assert!(d.is_empty(), "{d:?}");
        let p = &s.policies[0];
        assert_eq!((p.priority, p.active), (Some(At::new(-15000, 2)), true));
        assert_eq!(p.settings.target, Some(At::new(ZoneTarget::Continue, 3)));
        assert_eq!(p.egress_zones, [At::new("HOST".to_owned(), 5)]);
        assert_eq!(
            p.settings.rich_rules[0].element,
            Some(Element::IcmpType("neighbour-advertisement".into()))
        );

        let mut d = Vec::new();
        let s = parse_list(
            "public\n  interfaces: eth0\ntrusted\n  sources: 10.0.0.0/8\n",
            &mut d,
        );
        assert!(d.is_empty());
        assert!(s.zones.iter().all(|z| z.active && !z.complete));
        assert_eq!(s.zones[1].sources[0].line, 4);

        let mut d = Vec::new();
        let s = parse_list("FirewallD is not running\n", &mut d);
        assert!(!s.running && s.running_line == Some(1) && d.is_empty());
    }

    #[test]
    fn listing_garbage_is_reported() {
        let text = concat!(
            "  services: ssh\npublic (active)\n  ports: 22/bogus/x 80\n  weird line\n",
            "  rich rules: \n\trule family=\"ipx\" frobnicate\n\trule source address=\"1.2.3.4\n!!!\n",
        );
        let mut d = Vec::new();
        let s = parse_list(text, &mut d);
        let mut lines: Vec<usize> = d.iter().filter_map(|d| d.line).collect();
        lines.sort_unstable();
        assert_eq!(lines, [1, 3, 4, 6, 7, 8], "{d:?}");
        assert!(d.iter().all(|d| d.level == Level::Warning));
        assert_eq!(s.zones[0].settings.rich_rules.len(), 2);
    }

    const ZONE_XML: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<!-- managed by hand -->
<zone target="%%REJECT%%">
  <short>Public</short>
  <description>For use in public areas. Only selected connections > are accepted.</description>
  <service name="dhcpv6-client"/>
  <port protocol="tcp" port="2222"/>
  <source address="10.0.0.0/8"/>
  <interface name="eth0"/>
  <forward/>
  <rule family="ipv4" priority="-5">
    <source address="192.0.2.0/24" invert="True"/>
    <service name="ssh"/>
    <log prefix="ssh &amp; co" level="warning"><limit value="2/m"/></log>
    <reject type="icmp-port-unreachable"/>
  </rule>
  <rule><source ipset="admins"/><accept><limit value="5/h"/></accept></rule>
  <bogus name="x"/>
</zone>
"#;

    #[test]
    fn zone_xml() {
        let mut d = Vec::new();
        let z = parse_zone_xml("public", ZONE_XML, &mut d);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].line, Some(18));
        assert_eq!((z.name.as_str(), z.line), ("public", 3));
        assert_eq!(z.settings.target, Some(At::new(ZoneTarget::Reject, 3)));
        assert_eq!(
            z.settings.services,
            [At::new("dhcpv6-client".to_owned(), 6)]
        );
        assert_eq!(z.settings.ports[0].line, 7);
        assert_eq!(z.sources[0].line, 8);
        assert_eq!(z.interfaces, [At::new("eth0".to_owned(), 9)]);
        assert_eq!(z.settings.forward, Some(At::new(true, 10)));
        let r = &z.settings.rich_rules[0];
        assert_eq!(
            (r.line, r.priority, r.family),
            (11, Some(-5), Some(Family::Ipv4))
        );
        assert!(r.source.as_ref().unwrap().invert);
        assert_eq!(r.element, Some(Element::Service("ssh".into())));
        assert_eq!(r.log.as_ref().unwrap().prefix.as_deref(), Some("ssh & co"));
        assert_eq!(
            r.log.as_ref().unwrap().limit.as_ref().unwrap().per,
            RateUnit::Minute
        );
        assert_eq!(
            r.action,
            Some(RichAction::Reject(Some("icmp-port-unreachable".into())))
        );
        assert!(r.text.starts_with("rule family=\"ipv4\""), "{}", r.text);
        let services = ServiceTable::default();
        assert_eq!(
            r.matches_tcp(22, Some(ip("192.0.2.5")), &services),
            Match::No
        );
        assert_eq!(
            r.matches_tcp(22, Some(ip("198.51.100.5")), &services),
            Match::Yes
        );
        let r = &z.settings.rich_rules[1];
        assert_eq!((r.line, r.action.clone()), (17, Some(RichAction::Accept)));
        assert_eq!(r.action_limit.as_ref().unwrap().per, RateUnit::Hour);
        assert_eq!(
            r.source.as_ref().unwrap().addr,
            Source::Ipset("admins".into())
        );
    }

    #[test]
    fn service_xml_overrides() {
        let text = "<?xml version=\"1.0\"?>\n<service>\n  <short>SSH</short>\n  <port protocol=\"tcp\" port=\"2222\"/>\n</service>\n";
        let mut d = Vec::new();
        let def = parse_service_xml("ssh", text, &mut d);
        assert!(d.is_empty());
        assert_eq!(def.ports[0].line, 4);
        let mut t = ServiceTable::default();
        assert!(t.get("ssh").unwrap()[0].covers_tcp(22));
        t.add(&def);
        assert!(!t.get("ssh").unwrap()[0].covers_tcp(22));
        assert!(t.get("ssh").unwrap()[0].covers_tcp(2222));
    }

    #[test]
    fn conf_and_sniffs() {
        let mut d = Vec::new();
        let c = parse_conf("# c\nDefaultZone=drop\nFirewallBackend=nftables\nLogDenied=off\nIPv6_rpfilter=yes\njunk\n", &mut d);
        assert_eq!(c.default_zone, Some(At::new("drop".to_owned(), 2)));
        assert_eq!(c.backend.map(|b| b.line), Some(3));
        assert_eq!(c.log_denied.map(|b| b.value), Some("off".to_owned()));
        assert_eq!(c.other.len(), 1);
        assert_eq!(d[0].line, Some(6));
        type Sniffer = fn(&str) -> f32;
        let cases: &[(&str, Sniffer, bool)] = &[
            (LIST_ALL, sniff, true),
            ("FirewallD is not running\n", sniff, true),
            ("Status: active\n", sniff, false),
            (ZONE_XML, sniff_zone_xml, true),
            (
                "<service><port port=\"22\"/></service>",
                sniff_zone_xml,
                false,
            ),
        ];
        for (text, f, want) in cases {
            assert_eq!(f(text) > 0.5, *want, "{text:?}");
        }
    }

    #[test]
    fn never_panics_on_odd_input() {
        let odd = [
            "<",
            "<zone",
            "<zone target=\"x>",
            "<rule><source/></rule>",
            "</zone>",
            "<zone><rule>",
            "\u{fffd}<a b=\"\u{e9}\"/>",
        ];
        for text in odd {
            let mut d = Vec::new();
            parse_zone_xml("z", text, &mut d);
            parse_service_xml("s", text, &mut d);
            parse_list(text, &mut d);
        }
        let mut d = Vec::new();
        let r = parse_rich_rule("rule limit value=\"x\" source", 1, &mut d);
        assert_eq!(r.line, 1);
        assert_eq!(d.len(), 1);
    }
}
