//! ufw, Ubuntu's firewall front end: is it on, what does it do by default, and which rule
//! lets a client reach sshd or stops it.
//!
//! A bundle shows ufw through several artifacts, all read here:
//!
//! * `ufw status`, `ufw status verbose`, `ufw status numbered` (sosreport
//!   `sos_commands/ufw/ufw_status_numbered`):
//!
//!   ```text
//!   Status: active
//!   Logging: on (low)
//!   Default: deny (incoming), allow (outgoing), disabled (routed)
//!   New profiles: skip
//!
//!        To                         Action      From
//!        --                         ------      ----
//!   [ 1] 22/tcp on eth0             LIMIT IN    10.0.0.0/8                 # ssh from lan
//!   [ 2] OpenSSH (v6)               ALLOW IN    Anywhere (v6)
//!   [ 3] Anywhere                   DENY IN     203.0.113.7                (log)
//!   ```
//!
//!   Columns are padded to 26 characters but long cells overflow them, so rows are split
//!   on the action word rather than on column positions.
//! * `/etc/ufw/user.rules` and `user6.rules`: iptables-restore text in which ufw keeps each
//!   rule as a `### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in` comment; tuples
//!   become [`UfwRule`]s, the `-A` lines are kept verbatim for the iptables parser.
//! * `/etc/default/ufw` (`DEFAULT_INPUT_POLICY="DROP"`) and `/etc/ufw/ufw.conf`
//!   (`ENABLED=yes`, `LOGLEVEL=low`), see [`parse_conf`].
//! * Application profiles (`/etc/ufw/applications.d/openssh-server`: `[OpenSSH]`,
//!   `ports=22/tcp`) and `ufw app list`, so a rule naming `OpenSSH` can be resolved to ports.
//!
//! Terminal transcripts are tolerated: shell prompt lines become info diagnostics.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::LazyLock;

use regex::Regex;

pub use crate::model::At;
use crate::model::Diagnostic;
pub use crate::parse::inet::{Cidr, PortRange};
use crate::util::words_with_offsets as words;

/// A transport or IP protocol a firewall rule names.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Proto {
    Tcp,
    Udp,
    Sctp,
    Dccp,
    Icmp,
    Other(String),
}

impl Proto {
    pub fn parse(s: &str) -> Proto {
        match s.to_ascii_lowercase().as_str() {
            "tcp" => Proto::Tcp,
            "udp" => Proto::Udp,
            "sctp" => Proto::Sctp,
            "dccp" => Proto::Dccp,
            "icmp" => Proto::Icmp,
            o => Proto::Other(o.to_owned()),
        }
    }
}

/// Which ports a rule side matches.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum PortSpec {
    #[default]
    Any,
    /// `80,443` or `60000:61000`: any of these.
    List(Vec<PortRange>),
}

impl PortSpec {
    /// `any`, `22`, `80,443`, `60000:61000`.
    pub fn parse(s: &str) -> Option<PortSpec> {
        if s == "any" {
            return Some(PortSpec::Any);
        }
        let list: Option<Vec<_>> = s.split(',').map(PortRange::parse).collect();
        Some(PortSpec::List(list?))
    }

    pub fn contains(&self, port: u16) -> bool {
        match self {
            PortSpec::Any => true,
            PortSpec::List(l) => l.iter().any(|r| r.contains(port)),
        }
    }
}

/// An address as written, and its parsed form when it is one (`None` for a hostname or an
/// ipset name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddrSpec {
    pub text: String,
    pub net: Option<Cidr>,
}

impl AddrSpec {
    pub fn new(text: &str) -> Self {
        AddrSpec {
            text: text.to_owned(),
            net: Cidr::parse(text),
        }
    }
}

/// Whether a rule applies to a probe: a definite yes or no, or it depends on something the
/// bundle did not tell (the client's address, the interface the packet arrived on).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Match {
    Yes,
    No,
    Maybe,
}

impl Match {
    fn and(self, other: Match) -> Match {
        match (self, other) {
            (Match::No, _) | (_, Match::No) => Match::No,
            (Match::Maybe, _) | (_, Match::Maybe) => Match::Maybe,
            _ => Match::Yes,
        }
    }
}

/// Shell prompt lines of a pasted terminal transcript (`root@web01:~# ufw status`).
pub(crate) fn is_prompt(line: &str) -> bool {
    static PROMPT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^(?:[\w.-]+@[\w.-]+(?::\S*)?\s?[#$%>]|\[[^\]]*\][#$]|[#$%] +\S)")
            .expect("valid regex")
    });
    PROMPT.is_match(line.trim_start())
}

// ---------------------------------------------------------------------------------------
// Rules

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Allow,
    Deny,
    Reject,
    /// Allow, but deny a source after 6 connections within 30 seconds.
    Limit,
}

impl Action {
    fn parse(s: &str) -> Option<Action> {
        Some(match s.to_ascii_lowercase().as_str() {
            "allow" => Action::Allow,
            "deny" => Action::Deny,
            "reject" => Action::Reject,
            "limit" => Action::Limit,
            _ => return None,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    In,
    Out,
    /// A route rule (`ufw route ...`), applied to forwarded packets.
    Fwd,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogType {
    /// `log`: new connections matching the rule are logged.
    Log,
    /// `log-all`: every packet matching the rule is logged.
    LogAll,
}

/// One side of a rule, as `To` or `From` shows it.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Endpoint {
    /// `None` is `Anywhere` (`0.0.0.0/0`, `::/0`).
    pub addr: Option<AddrSpec>,
    pub ports: PortSpec,
    /// `None` is any protocol.
    pub proto: Option<Proto>,
    /// An application profile (`OpenSSH`, `Apache Full`) standing for its ports.
    pub app: Option<String>,
}

/// Where a rule was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleSource {
    /// A row of `ufw status`.
    Status,
    /// A `### tuple ###` comment of `user.rules` / `user6.rules`.
    Tuple,
}

/// One ufw rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UfwRule {
    /// `[ n]` in `ufw status numbered`.
    pub number: Option<u32>,
    pub action: Action,
    pub direction: Direction,
    pub to: Endpoint,
    pub from: Endpoint,
    /// The interface packets arrive on (`ufw allow in on eth0`, `route ... in on eth0`).
    /// ufw's status shows it under `To` for host rules and under `From` for route rules.
    pub interface_in: Option<String>,
    /// The interface packets leave by.
    pub interface_out: Option<String>,
    /// True for the IPv6 copy of a rule (`(v6)`, `user6.rules`).
    pub v6: bool,
    pub comment: Option<String>,
    pub log: Option<LogType>,
    pub source: RuleSource,
    pub text: String,
    pub line: usize,
}

impl UfwRule {
    /// The rule's protocol; ufw keeps one per rule, shown on whichever side has ports.
    pub fn proto(&self) -> Option<&Proto> {
        self.to.proto.as_ref().or(self.from.proto.as_ref())
    }

    /// Does this rule decide an incoming TCP connection to `port` from `client`? Routed and
    /// outgoing rules never do. Unknown facts (client address, arrival interface, an
    /// application profile not in `profiles`) give [`Match::Maybe`].
    pub fn matches_tcp_in(
        &self,
        port: u16,
        client: Option<IpAddr>,
        profiles: &AppProfiles,
    ) -> Match {
        if self.direction != Direction::In {
            return Match::No;
        }
        let family = match client {
            Some(ip) if ip.is_ipv6() != self.v6 => Match::No,
            _ => Match::Yes,
        };
        let proto = match self.proto() {
            None | Some(Proto::Tcp) => Match::Yes,
            Some(_) => Match::No,
        };
        // `ufw status verbose` prints an application rule's ports beside its name
        // (`139,445/tcp (Samba)`); those are the ports, whatever the profiles say.
        let dport = match &self.to.app {
            Some(app) if self.to.ports == PortSpec::Any => match profiles.get(app) {
                Some(ports) => bool_match(ports.iter().any(|p| p.covers_tcp(port))),
                None => Match::Maybe,
            },
            _ => bool_match(self.to.ports.contains(port)),
        };
        // A client's source port is ephemeral, so a source-port rule only sometimes matches.
        let sport = if self.from.app.is_some() || self.from.ports != PortSpec::Any {
            Match::Maybe
        } else {
            Match::Yes
        };
        let src = match (&self.from.addr, client) {
            (None, _) => Match::Yes,
            (Some(AddrSpec { net: Some(n), .. }), _) if n.is_any() => Match::Yes,
            (Some(AddrSpec { net: Some(n), .. }), Some(ip)) => bool_match(n.contains(ip)),
            _ => Match::Maybe,
        };
        let dst = match &self.to.addr {
            Some(a) if !a.net.is_some_and(|n| n.is_any()) => Match::Maybe,
            _ => Match::Yes,
        };
        let iface = if self.interface_in.is_some() {
            Match::Maybe
        } else {
            Match::Yes
        };
        [family, proto, dport, sport, src, dst, iface]
            .into_iter()
            .fold(Match::Yes, Match::and)
    }
}

fn bool_match(b: bool) -> Match {
    if b {
        Match::Yes
    } else {
        Match::No
    }
}

// ---------------------------------------------------------------------------------------
// ufw status

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    Allow,
    Deny,
    Reject,
    /// Routed only: ufw does not filter forwarded traffic.
    Disabled,
    /// New application profiles only: add no rule for them.
    Skip,
}

impl Policy {
    /// ufw's words (`deny`) and iptables targets (`DROP`, `ACCEPT`) as `/etc/default/ufw`
    /// writes them.
    pub fn parse(s: &str) -> Option<Policy> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "allow" | "accept" => Policy::Allow,
            "deny" | "drop" => Policy::Deny,
            "reject" => Policy::Reject,
            "disabled" => Policy::Disabled,
            "skip" => Policy::Skip,
            _ => return None,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogLevel {
    Off,
    /// `on` without a level.
    On,
    Low,
    Medium,
    High,
    Full,
}

impl LogLevel {
    pub fn parse(s: &str) -> Option<LogLevel> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "off" => LogLevel::Off,
            "on" => LogLevel::On,
            "low" => LogLevel::Low,
            "medium" => LogLevel::Medium,
            "high" => LogLevel::High,
            "full" => LogLevel::Full,
            _ => return None,
        })
    }
}

/// Output of `ufw status [verbose|numbered]`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct UfwStatus {
    pub active: bool,
    /// The `Status:` line; `None` when the output had none (then `active` is false).
    pub status_line: Option<usize>,
    pub logging: Option<At<LogLevel>>,
    pub default_incoming: Option<At<Policy>>,
    pub default_outgoing: Option<At<Policy>>,
    pub default_routed: Option<At<Policy>>,
    pub new_profiles: Option<At<Policy>>,
    pub rules: Vec<UfwRule>,
}

/// Parses `ufw status` in any of its three layouts.
pub fn parse_status(text: &str, diags: &mut Vec<Diagnostic>) -> UfwStatus {
    let mut out = UfwStatus::default();
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim_end_matches('\r');
        let t = line.trim();
        if t.is_empty() || is_table_header(t) {
            continue;
        }
        if is_prompt(line) {
            diags.push(Diagnostic::info("shell prompt line skipped").at_line(line_no));
            continue;
        }
        if let Some(v) = t.strip_prefix("Status:") {
            out.status_line = Some(line_no);
            out.active = v.trim() == "active";
            if !matches!(v.trim(), "active" | "inactive") {
                diags.push(warn(line_no, format!("unknown ufw status {:?}", v.trim())));
            }
        } else if let Some(v) = t.strip_prefix("Logging:") {
            let level = v
                .split_once('(')
                .map_or(v, |(_, l)| l.trim_end_matches(')'));
            match LogLevel::parse(level) {
                Some(l) => out.logging = Some(At::new(l, line_no)),
                None => diags.push(warn(line_no, "unreadable ufw Logging: value")),
            }
        } else if let Some(v) = t.strip_prefix("Default:") {
            parse_defaults(v, line_no, &mut out, diags);
        } else if let Some(v) = t.strip_prefix("New profiles:") {
            match Policy::parse(v) {
                Some(p) => out.new_profiles = Some(At::new(p, line_no)),
                None => diags.push(warn(line_no, "unreadable ufw New profiles: value")),
            }
        } else if let Some(rule) = parse_status_row(line, line_no) {
            out.rules.push(rule);
        } else {
            diags.push(warn(line_no, "line is not part of ufw status output"));
        }
    }
    if out.status_line.is_none() {
        diags.push(Diagnostic::warning(
            "ufw status output without a Status: line; treated as inactive",
        ));
    }
    out
}

fn warn(line: usize, msg: impl Into<String>) -> Diagnostic {
    Diagnostic::warning(msg).at_line(line)
}

fn is_table_header(t: &str) -> bool {
    let words: Vec<&str> = t.split_whitespace().collect();
    words == ["To", "Action", "From"] || words == ["--", "------", "----"]
}

/// `deny (incoming), allow (outgoing), disabled (routed)`.
fn parse_defaults(v: &str, line_no: usize, out: &mut UfwStatus, diags: &mut Vec<Diagnostic>) {
    for part in v.split(',') {
        let parsed = part
            .trim()
            .split_once(" (")
            .and_then(|(p, which)| Some((Policy::parse(p)?, which.trim_end_matches(')'))));
        let slot = match parsed {
            Some((_, "incoming")) => &mut out.default_incoming,
            Some((_, "outgoing")) => &mut out.default_outgoing,
            Some((_, "routed")) => &mut out.default_routed,
            _ => {
                diags.push(warn(
                    line_no,
                    format!("unreadable ufw default {:?}", part.trim()),
                ));
                continue;
            }
        };
        *slot = parsed.map(|(p, _)| At::new(p, line_no));
    }
}

fn parse_status_row(line: &str, line_no: usize) -> Option<UfwRule> {
    static NUMBER: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^\s*\[\s*(\d+)\]").expect("valid regex"));
    let (number, body) = match NUMBER.captures(line) {
        Some(c) => (c[1].parse().ok(), &line[c[0].len()..]),
        None => (None, line),
    };
    let w = words(body);
    // The first action word after a non-empty `To` cell splits the row.
    let ai = (1..w.len())
        .find(|&k| Action::parse(w[k].1).is_some() && w[k].1 == w[k].1.to_ascii_uppercase())?;
    let action = Action::parse(w[ai].1)?;
    let (direction, from_at) = match w.get(ai + 1).map(|x| x.1) {
        Some("IN") => (Direction::In, ai + 2),
        Some("OUT") => (Direction::Out, ai + 2),
        Some("FWD") => (Direction::Fwd, ai + 2),
        _ => (Direction::In, ai + 1),
    };
    let to_text = body[..w[ai].0].trim();
    let rest = body[w.get(from_at)?.0..].trim();
    let (rest, comment) = match rest.split_once(" # ") {
        Some((r, c)) => (r.trim(), Some(c.trim().to_owned())),
        None => (rest, None),
    };
    let (from_text, attribs) = split_attribs(rest);
    let to = parse_endpoint(to_text)?;
    let from = parse_endpoint(from_text)?;
    let (interface_in, interface_out) = match direction {
        Direction::Fwd => (from.iface.clone(), to.iface.clone()),
        _ => (to.iface.clone(), from.iface.clone()),
    };
    let v6 = to.v6 || from.v6 || [&to.ep.addr, &from.ep.addr].iter().any(|a| is_v6_addr(a));
    Some(UfwRule {
        number,
        action,
        direction: if attribs.out {
            Direction::Out
        } else {
            direction
        },
        to: to.ep,
        from: from.ep,
        interface_in,
        interface_out,
        v6,
        comment,
        log: attribs.log,
        source: RuleSource::Status,
        text: line.trim().to_owned(),
        line: line_no,
    })
}

fn is_v6_addr(a: &Option<AddrSpec>) -> bool {
    a.as_ref()
        .and_then(|a| a.net)
        .is_some_and(|n| n.addr.is_ipv6())
}

#[derive(Default)]
struct Attribs {
    log: Option<LogType>,
    out: bool,
}

/// Splits `Anywhere                   (log, out)` into the cell and its attributes.
fn split_attribs(s: &str) -> (&str, Attribs) {
    let mut a = Attribs::default();
    let Some(open) = s.strip_suffix(')').and_then(|b| b.rfind('(')) else {
        return (s, a);
    };
    let inner = &s[open + 1..s.len() - 1];
    let known = inner
        .split(',')
        .map(str::trim)
        .all(|p| matches!(p, "log" | "log-all" | "out"));
    if !known {
        return (s, a);
    }
    for p in inner.split(',').map(str::trim) {
        match p {
            "log" => a.log = Some(LogType::Log),
            "log-all" => a.log = Some(LogType::LogAll),
            _ => a.out = true,
        }
    }
    (s[..open].trim_end(), a)
}

struct Cell {
    ep: Endpoint,
    v6: bool,
    iface: Option<String>,
}

/// One `To`/`From` cell: `[ADDR] [PORTS[/PROTO]] [(APP[ (v6)])] [(v6)] [on IFACE]`,
/// `Anywhere[/PROTO]`, or an application name in non-verbose output.
fn parse_endpoint(s: &str) -> Option<Cell> {
    let mut s = s.trim();
    let mut cell = Cell {
        ep: Endpoint::default(),
        v6: false,
        iface: None,
    };
    if let Some((before, iface)) = s.rsplit_once(" on ") {
        if !iface.trim().contains(char::is_whitespace) {
            cell.iface = Some(iface.trim().to_owned());
            s = before.trim_end();
        }
    }
    if let Some(b) = s.strip_suffix("(v6)") {
        cell.v6 = true;
        s = b.trim_end();
    }
    if s.ends_with(')') {
        let open = matching_open(s)?;
        let mut app = s[open + 1..s.len() - 1].trim();
        if let Some(a) = app.strip_suffix("(v6)") {
            cell.v6 = true;
            app = a.trim_end();
        }
        cell.ep.app = Some(app.to_owned());
        s = s[..open].trim_end();
    }
    let mut toks: Vec<&str> = s.split_whitespace().collect();
    if let Some(first) = toks.first() {
        let (addr, proto) = split_proto(first);
        if addr == "Anywhere" {
            cell.ep.proto = proto;
            toks.remove(0);
        } else if Cidr::parse(addr).is_some() {
            cell.ep.addr = Some(AddrSpec::new(addr));
            cell.ep.proto = proto;
            toks.remove(0);
        }
    }
    match toks.as_slice() {
        [] => {}
        [one] if one.starts_with(|c: char| c.is_ascii_digit()) => {
            let (ports, proto) = split_proto(one);
            cell.ep.ports = PortSpec::parse(ports)?;
            cell.ep.proto = proto;
        }
        // Non-verbose output names the profile instead of its ports.
        app if cell.ep.app.is_none() && !app[0].starts_with(|c: char| c.is_ascii_digit()) => {
            cell.ep.app = Some(app.join(" "));
        }
        _ => return None,
    }
    if cell.ep.app.is_none() && s.is_empty() {
        return None;
    }
    Some(cell)
}

/// `22/tcp` → (`22`, tcp); `10.0.0.0/8/udp` → (`10.0.0.0/8`, udp); `10.0.0.0/8` unchanged.
fn split_proto(tok: &str) -> (&str, Option<Proto>) {
    match tok.rsplit_once('/') {
        Some((a, p)) if !p.is_empty() && p.chars().all(|c| c.is_ascii_alphabetic()) => {
            (a, Some(Proto::parse(p)))
        }
        _ => (tok, None),
    }
}

/// The `(` that opens the parenthesis closing `s`.
fn matching_open(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in s.char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Confidence that a text is `ufw status` output.
pub fn sniff(head: &str) -> f32 {
    let lines: Vec<&str> = head
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !is_prompt(l))
        .take(8)
        .collect();
    let Some(first) = lines.first() else {
        return 0.0;
    };
    let status = matches!(*first, "Status: active" | "Status: inactive");
    let table = head.lines().any(|l| is_table_header(l.trim()));
    let verbose = head.contains("Default: ") && head.contains("(incoming)");
    match (status, table || verbose) {
        (true, true) => 0.98,
        (true, false) => 0.9,
        (false, true) => 0.6,
        _ => 0.0,
    }
}

// ---------------------------------------------------------------------------------------
// user.rules / user6.rules

/// `/etc/ufw/user.rules` or `user6.rules`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct UfwUserRules {
    /// True when the file declares `ufw6-` chains (`user6.rules`).
    pub v6: bool,
    /// The rules from `### tuple ###` comments, in file order.
    pub rules: Vec<UfwRule>,
    /// iptables-restore lines (`*filter`, `:chain`, `-A ...`, `COMMIT`), verbatim.
    pub iptables_lines: Vec<At<String>>,
}

/// Parses a ufw user rules file.
pub fn parse_user_rules(text: &str, diags: &mut Vec<Diagnostic>) -> UfwUserRules {
    let mut out = UfwUserRules {
        v6: text.contains(":ufw6-") || text.contains("-A ufw6-"),
        ..UfwUserRules::default()
    };
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let t = raw.trim();
        if t.is_empty() {
            continue;
        }
        if let Some(tuple) = t.strip_prefix("### tuple ###") {
            match parse_tuple(tuple, out.v6, t, line_no) {
                Ok(r) => out.rules.push(r),
                Err(why) => diags.push(warn(line_no, format!("unreadable ufw tuple: {why}"))),
            }
        } else if t.starts_with('#') {
            // `### RULES ###`, `### END RULES ###` and section comments carry no rule.
        } else if t.starts_with(['*', ':', '-']) || t == "COMMIT" {
            out.iptables_lines.push(At::new(t.to_owned(), line_no));
        } else if is_prompt(t) {
            diags.push(Diagnostic::info("shell prompt line skipped").at_line(line_no));
        } else {
            diags.push(warn(
                line_no,
                "line is neither a ufw tuple nor iptables-restore",
            ));
        }
    }
    out
}

/// `allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 [DAPP SAPP] in[_eth0|in_eth0!out_eth1] [comment=HEX]`.
fn parse_tuple(tuple: &str, file_v6: bool, text: &str, line_no: usize) -> Result<UfwRule, String> {
    let (body, comment) = match tuple.split_once(" comment=") {
        Some((b, hex)) => (
            b,
            Some(decode_hex(hex.trim()).unwrap_or_else(|| hex.trim().to_owned())),
        ),
        None => (tuple, None),
    };
    let f: Vec<&str> = body.split_whitespace().collect();
    if !(6..=9).contains(&f.len()) {
        return Err(format!("{} fields", f.len()));
    }
    let (route, action_word) = match f[0].strip_prefix("route:") {
        Some(a) => (true, a),
        None => (false, f[0]),
    };
    let (action_word, log) = match action_word.split_once('_') {
        Some((a, "log")) => (a, Some(LogType::Log)),
        Some((a, "log-all")) => (a, Some(LogType::LogAll)),
        Some(_) => return Err(format!("action {:?}", f[0])),
        None => (action_word, None),
    };
    let action = Action::parse(action_word).ok_or_else(|| format!("action {:?}", f[0]))?;
    let proto = (f[1] != "any").then(|| Proto::parse(f[1]));
    let side = |port: &str, addr: &str, app: Option<&str>| -> Result<Endpoint, String> {
        let net = AddrSpec::new(addr);
        if net.net.is_none() {
            return Err(format!("address {addr:?}"));
        }
        Ok(Endpoint {
            addr: (!net.net.is_some_and(|n| n.is_any())).then_some(net),
            ports: PortSpec::parse(port).ok_or_else(|| format!("port {port:?}"))?,
            proto: proto.clone(),
            app: app.filter(|a| *a != "-").map(|a| a.replace("%20", " ")),
        })
    };
    let apps = (f.len() >= 8).then(|| (f[6], f[7]));
    let to = side(f[2], f[3], apps.map(|a| a.0))?;
    let from = side(f[4], f[5], apps.map(|a| a.1))?;
    let dir_field = if f.len() == 7 || f.len() == 9 {
        f[f.len() - 1]
    } else {
        "in"
    };
    let (direction, interface_in, interface_out) = parse_tuple_direction(dir_field, route)?;
    let v6 = file_v6 || [&to.addr, &from.addr].iter().any(|a| is_v6_addr(a)) || f[3] == "::/0";
    Ok(UfwRule {
        number: None,
        action,
        direction,
        to,
        from,
        interface_in,
        interface_out,
        v6,
        comment,
        log,
        source: RuleSource::Tuple,
        text: text.to_owned(),
        line: line_no,
    })
}

type TupleDirection = (Direction, Option<String>, Option<String>);

/// `in`, `out`, `in_eth0`, `out_eth1`, `in_eth0!out_eth1`.
fn parse_tuple_direction(s: &str, route: bool) -> Result<TupleDirection, String> {
    let mut dir = None;
    let (mut iin, mut iout) = (None, None);
    for part in s.split('!') {
        let (d, iface) = match part.split_once('_') {
            Some((d, i)) => (d, Some(i.to_owned())),
            None => (part, None),
        };
        match d {
            "in" => iin = iface.or(iin),
            "out" => iout = iface.or(iout),
            _ => return Err(format!("direction {s:?}")),
        }
        dir.get_or_insert(d);
    }
    let direction = match (route, dir) {
        (true, _) => Direction::Fwd,
        (false, Some("out")) => Direction::Out,
        _ => Direction::In,
    };
    Ok((direction, iin, iout))
}

fn decode_hex(s: &str) -> Option<String> {
    if s.len() % 2 != 0 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

/// Confidence that a text is a ufw user rules file.
pub fn sniff_user_rules(head: &str) -> f32 {
    if head.contains("### tuple ###") {
        0.98
    } else if head.contains(":ufw-user-input") || head.contains(":ufw6-user-input") {
        0.9
    } else {
        0.0
    }
}

// ---------------------------------------------------------------------------------------
// /etc/default/ufw and /etc/ufw/ufw.conf

/// Settings of `/etc/default/ufw` and `/etc/ufw/ufw.conf` (both `KEY=value` shell files).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct UfwConfig {
    /// `ENABLED=yes`: ufw starts at boot.
    pub enabled: Option<At<bool>>,
    pub loglevel: Option<At<LogLevel>>,
    /// `IPV6=yes`: rules are applied to IPv6 too.
    pub ipv6: Option<At<bool>>,
    pub default_input: Option<At<Policy>>,
    pub default_output: Option<At<Policy>>,
    pub default_forward: Option<At<Policy>>,
    pub default_application: Option<At<Policy>>,
    /// Every other assignment: key, unquoted value, line.
    pub other: Vec<At<(String, String)>>,
}

/// Parses `/etc/default/ufw` or `/etc/ufw/ufw.conf`.
pub fn parse_conf(text: &str, diags: &mut Vec<Diagnostic>) -> UfwConfig {
    let mut out = UfwConfig::default();
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let t = raw.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let Some((key, value)) = t.split_once('=') else {
            diags.push(warn(line_no, "line is not a KEY=value setting"));
            continue;
        };
        let value = unquote(value.trim());
        if !conf_setting(&mut out, key.trim(), value, line_no) {
            diags.push(warn(
                line_no,
                format!("unreadable value for {}", key.trim()),
            ));
        }
    }
    out
}

fn unquote(v: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(inner) = v.strip_prefix(q).and_then(|v| v.strip_suffix(q)) {
            return inner;
        }
    }
    v
}

fn conf_setting(out: &mut UfwConfig, key: &str, value: &str, line: usize) -> bool {
    let yes_no = |v: &str| match v.to_ascii_lowercase().as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    };
    match key {
        "ENABLED" => set(&mut out.enabled, yes_no(value), line),
        "IPV6" => set(&mut out.ipv6, yes_no(value), line),
        "LOGLEVEL" => set(&mut out.loglevel, LogLevel::parse(value), line),
        "DEFAULT_INPUT_POLICY" => set(&mut out.default_input, Policy::parse(value), line),
        "DEFAULT_OUTPUT_POLICY" => set(&mut out.default_output, Policy::parse(value), line),
        "DEFAULT_FORWARD_POLICY" => set(&mut out.default_forward, Policy::parse(value), line),
        "DEFAULT_APPLICATION_POLICY" => {
            set(&mut out.default_application, Policy::parse(value), line)
        }
        _ => {
            let kv = (key.to_owned(), value.to_owned());
            out.other.push(At::new(kv, line));
            true
        }
    }
}

/// Stores a setting; a later unreadable value clears an earlier one, since the shell that
/// sources the file would not keep it either.
fn set<T>(slot: &mut Option<At<T>>, value: Option<T>, line: usize) -> bool {
    *slot = value.map(|v| At::new(v, line));
    slot.is_some()
}

/// Confidence that a text is `/etc/default/ufw` or `/etc/ufw/ufw.conf`.
pub fn sniff_default(head: &str) -> f32 {
    let has = |k: &str| head.lines().any(|l| l.trim_start().starts_with(k));
    if has("DEFAULT_INPUT_POLICY=") || has("DEFAULT_FORWARD_POLICY=") {
        0.95
    } else if has("ENABLED=") && has("LOGLEVEL=") {
        0.8
    } else {
        0.0
    }
}

// ---------------------------------------------------------------------------------------
// Application profiles

/// Ports of a profile entry: `22/tcp`, `80,443/tcp`, `60000:61000/udp`, or `53` (both
/// tcp and udp).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfilePorts {
    pub ports: PortSpec,
    pub proto: Option<Proto>,
}

impl ProfilePorts {
    pub fn covers_tcp(&self, port: u16) -> bool {
        matches!(self.proto, None | Some(Proto::Tcp)) && self.ports.contains(port)
    }
}

/// One `[Name]` section of an `applications.d` file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppProfile {
    pub name: String,
    pub line: usize,
    pub title: Option<String>,
    pub description: Option<String>,
    pub ports: Vec<ProfilePorts>,
    pub ports_line: Option<usize>,
}

/// Parses an `/etc/ufw/applications.d/*` file.
pub fn parse_app_profiles(text: &str, diags: &mut Vec<Diagnostic>) -> Vec<AppProfile> {
    let mut out: Vec<AppProfile> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let t = raw.trim();
        if t.is_empty() || t.starts_with(['#', ';']) {
            continue;
        }
        if let Some(name) = t.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            out.push(AppProfile {
                name: name.trim().to_owned(),
                line: line_no,
                title: None,
                description: None,
                ports: Vec::new(),
                ports_line: None,
            });
            continue;
        }
        let (Some(p), Some((k, v))) = (out.last_mut(), t.split_once('=')) else {
            diags.push(warn(
                line_no,
                "line is neither a [profile] header nor key=value",
            ));
            continue;
        };
        match k.trim() {
            "title" => p.title = Some(v.trim().to_owned()),
            "description" => p.description = Some(v.trim().to_owned()),
            "ports" => match parse_profile_ports(v.trim()) {
                Some(ports) => {
                    p.ports = ports;
                    p.ports_line = Some(line_no);
                }
                None => diags.push(warn(line_no, "unreadable profile ports")),
            },
            other => diags.push(warn(line_no, format!("unknown profile key {other:?}"))),
        }
    }
    out
}

/// `80,443/tcp|53` → entries.
fn parse_profile_ports(v: &str) -> Option<Vec<ProfilePorts>> {
    v.split('|')
        .map(|part| {
            let (ports, proto) = split_proto(part.trim());
            Some(ProfilePorts {
                ports: PortSpec::List(match PortSpec::parse(ports)? {
                    PortSpec::List(l) => l,
                    PortSpec::Any => return None,
                }),
                proto,
            })
        })
        .collect()
}

/// Confidence that a text is a ufw application profile file.
pub fn sniff_app_profile(head: &str) -> f32 {
    let section = head
        .lines()
        .any(|l| l.trim().starts_with('[') && l.trim().ends_with(']'));
    let ports = head.lines().any(|l| l.trim().starts_with("ports="));
    if section && ports {
        0.9
    } else {
        0.0
    }
}

/// `ufw app list`: the profile names.
pub fn parse_app_list(text: &str, diags: &mut Vec<Diagnostic>) -> Vec<At<String>> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let t = raw.trim();
        if t.is_empty() || t == "Available applications:" {
            continue;
        }
        if is_prompt(raw) {
            diags.push(Diagnostic::info("shell prompt line skipped").at_line(i + 1));
        } else if raw.starts_with(char::is_whitespace) {
            out.push(At::new(t.to_owned(), i + 1));
        } else {
            diags.push(warn(i + 1, "line is not a ufw app list entry"));
        }
    }
    out
}

/// Application profile name → ports, for resolving rules that name a profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppProfiles {
    map: BTreeMap<String, Vec<ProfilePorts>>,
}

impl Default for AppProfiles {
    /// The profiles Ubuntu packages ship, used when the bundle lacks `applications.d`.
    fn default() -> Self {
        let mut map = BTreeMap::new();
        let tcp = |ports: &[u16]| {
            vec![ProfilePorts {
                ports: PortSpec::List(ports.iter().map(|p| PortRange::single(*p)).collect()),
                proto: Some(Proto::Tcp),
            }]
        };
        for (name, ports) in [
            ("OpenSSH", &[22][..]),
            ("Apache", &[80]),
            ("Apache Secure", &[443]),
            ("Apache Full", &[80, 443]),
            ("Nginx HTTP", &[80]),
            ("Nginx HTTPS", &[443]),
            ("Nginx Full", &[80, 443]),
        ] {
            map.insert(name.to_owned(), tcp(ports));
        }
        AppProfiles { map }
    }
}

impl AppProfiles {
    /// Parsed profiles override the built-in ones of the same name.
    pub fn add(&mut self, profiles: &[AppProfile]) {
        for p in profiles {
            self.map.insert(p.name.clone(), p.ports.clone());
        }
    }

    pub fn get(&self, name: &str) -> Option<&[ProfilePorts]> {
        self.map.get(name).map(Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    const NUMBERED: &str = "\
root@web01:~# ufw status numbered
Status: active

     To                         Action      From
     --                         ------      ----
[ 1] 22/tcp on eth0             LIMIT IN    10.0.0.0/8                 # ssh from lan
[ 2] OpenSSH (v6)               ALLOW IN    Anywhere (v6)
[ 3] Anywhere                   DENY IN     203.0.113.7                (log)
[ 4] 60000:61000/udp            ALLOW IN    Anywhere
[ 5] 80,443/tcp                 REJECT IN   Anywhere                   (log-all)
[ 6] Anywhere on eth1           ALLOW FWD   Anywhere on eth0
[ 7] 192.0.2.10 2222/tcp        ALLOW OUT   Anywhere on eth0           (out)
[ 8] Apache Full                ALLOW IN    198.51.100.0/24
[10] 2001:db8::1 22/tcp         DENY IN     2001:db8:ff::/48 26
";

    #[test]
    fn numbered_rows() {
        let mut d = Vec::new();
        let s = parse_status(NUMBERED, &mut d);
        assert!(s.active);
        assert_eq!(s.status_line, Some(2));
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(
            (d[0].level, d[0].line),
            (crate::model::Level::Info, Some(1))
        );
        assert_eq!(s.rules.len(), 9);
        type Case = (
            usize,
            u32,
            Action,
            Direction,
            usize,
            bool,
            Option<&'static str>,
        );
        let cases: &[Case] = &[
            (0, 1, Action::Limit, Direction::In, 6, false, Some("eth0")),
            (1, 2, Action::Allow, Direction::In, 7, true, None),
            (2, 3, Action::Deny, Direction::In, 8, false, None),
            (3, 4, Action::Allow, Direction::In, 9, false, None),
            (4, 5, Action::Reject, Direction::In, 10, false, None),
            (5, 6, Action::Allow, Direction::Fwd, 11, false, Some("eth0")),
            (6, 7, Action::Allow, Direction::Out, 12, false, None),
            (7, 8, Action::Allow, Direction::In, 13, false, None),
            (8, 10, Action::Deny, Direction::In, 14, true, None),
        ];
        for &(k, num, action, dir, line, v6, iin) in cases {
            let r = &s.rules[k];
            assert_eq!(r.number, Some(num), "{r:?}");
            assert_eq!(
                (r.action, r.direction, r.line, r.v6),
                (action, dir, line, v6),
                "{r:?}"
            );
            assert_eq!(r.interface_in.as_deref(), iin, "{r:?}");
        }
        let r = &s.rules[0];
        assert_eq!(r.comment.as_deref(), Some("ssh from lan"));
        assert_eq!(r.to.ports, PortSpec::List(vec![PortRange::single(22)]));
        assert_eq!(r.to.proto, Some(Proto::Tcp));
        assert_eq!(r.from.addr.as_ref().unwrap().net, Cidr::parse("10.0.0.0/8"));
        assert_eq!(s.rules[1].to.app.as_deref(), Some("OpenSSH"));
        assert_eq!(s.rules[2].log, Some(LogType::Log));
        assert_eq!(s.rules[2].from.addr.as_ref().unwrap().text, "203.0.113.7");
        let range = PortRange {
            first: 60000,
            last: 61000,
        };
        assert_eq!(s.rules[3].to.ports, PortSpec::List(vec![range]));
        assert_eq!(s.rules[3].to.proto, Some(Proto::Udp));
        assert_eq!(s.rules[4].log, Some(LogType::LogAll));
        assert!(s.rules[4].to.ports.contains(443));
        assert_eq!(s.rules[5].interface_out.as_deref(), Some("eth1"));
        assert_eq!(s.rules[6].interface_out.as_deref(), Some("eth0"));
        assert_eq!(s.rules[7].to.app.as_deref(), Some("Apache Full"));
        let last = &s.rules[8];
        assert_eq!(last.from.ports, PortSpec::List(vec![PortRange::single(26)]));
        assert_eq!(last.to.addr.as_ref().unwrap().text, "2001:db8::1");
    }

    #[test]
    fn verbose_header_and_app_cells() {
        let text = "Status: active\nLogging: on (medium)\n\
Default: reject (incoming), allow (outgoing), disabled (routed)\nNew profiles: skip\n\n\
To                         Action      From\n--                         ------      ----\n\
22/tcp (OpenSSH)           ALLOW IN    Anywhere\n\
22/tcp (OpenSSH (v6))      ALLOW IN    Anywhere (v6)\n\
2001:db8::/32 139,445/tcp (Samba) ALLOW IN    2001:db8::/32 53/tcp (Bind9)\n";
        let mut d = Vec::new();
        let s = parse_status(text, &mut d);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(s.logging, Some(At::new(LogLevel::Medium, 2)));
        assert_eq!(s.default_incoming, Some(At::new(Policy::Reject, 3)));
        assert_eq!(s.default_outgoing, Some(At::new(Policy::Allow, 3)));
        assert_eq!(s.default_routed, Some(At::new(Policy::Disabled, 3)));
        assert_eq!(s.new_profiles, Some(At::new(Policy::Skip, 4)));
        assert_eq!(s.rules[0].to.app.as_deref(), Some("OpenSSH"));
        assert!(!s.rules[0].v6 && s.rules[1].v6);
        let r = &s.rules[2];
        assert_eq!(
            (r.to.app.as_deref(), r.from.app.as_deref()),
            (Some("Samba"), Some("Bind9"))
        );
        assert_eq!(r.from.ports, PortSpec::List(vec![PortRange::single(53)]));
        assert!(r.v6 && r.line == 10);
    }

    #[test]
    fn inactive_and_garbage() {
        let mut d = Vec::new();
        let s = parse_status("Status: inactive\nERROR: problem running\n", &mut d);
        assert!(!s.active && s.rules.is_empty());
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].line, Some(2));
        let mut d = Vec::new();
        let s = parse_status(
            "[ 1] ALLOW IN\n\u{0}(((\n22/tcp ALLOW IN 10.0.0.0/99\n",
            &mut d,
        );
        assert!(s.rules.is_empty());
        assert_eq!(d.len(), 4, "{d:?}");
    }

    #[test]
    fn ssh_matching() {
        let mut d = Vec::new();
        let s = parse_status(NUMBERED, &mut d);
        let p = AppProfiles::default();
        let m = |k: usize, port, c: Option<&str>| s.rules[k].matches_tcp_in(port, c.map(ip), &p);
        assert_eq!(m(0, 22, Some("10.1.2.3")), Match::Maybe); // on eth0
        assert_eq!(m(0, 22, Some("192.0.2.1")), Match::No);
        assert_eq!(m(1, 22, Some("2001:db8::5")), Match::Yes);
        assert_eq!(m(1, 22, Some("192.0.2.1")), Match::No);
        assert_eq!(m(2, 22, Some("203.0.113.7")), Match::Yes);
        assert_eq!(m(2, 22, None), Match::Maybe);
        assert_eq!(m(3, 22, None), Match::No);
        assert_eq!(m(5, 22, None), Match::No);
        let mut custom = AppProfiles::default();
        let mut d = Vec::new();
        custom.add(&parse_app_profiles("[OpenSSH]\nports=2222/tcp\n", &mut d));
        assert_eq!(s.rules[1].matches_tcp_in(22, None, &custom), Match::No);
        assert_eq!(s.rules[1].matches_tcp_in(2222, None, &custom), Match::Yes);
    }

    #[test]
    fn user_rules_tuples() {
        let text = "*filter\n:ufw-user-input - [0:0]\n### RULES ###\n\n\
### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\n\
-A ufw-user-input -p tcp --dport 22 -j ACCEPT\n\n\
### tuple ### limit_log any 22 0.0.0.0/0 any 10.0.0.0/8 OpenSSH - in_eth0 comment=616c6c6f7720737368\n\
### tuple ### route:deny tcp 2222 0.0.0.0/0 any 0.0.0.0/0 in_eth0!out_eth1\n\
### tuple ### allow udp 60000:61000 0.0.0.0/0 any 0.0.0.0/0\n\
### tuple ### allow tcp 22 0.0.0.0/0\n\
COMMIT\n";
        let mut d = Vec::new();
        let u = parse_user_rules(text, &mut d);
        assert!(!u.v6);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].line, Some(11));
        assert_eq!(u.rules.len(), 4);
        let r = &u.rules[0];
        assert_eq!(
            (r.action, r.direction, r.line),
            (Action::Allow, Direction::In, 5)
        );
        assert!(r.to.addr.is_none() && r.to.ports.contains(22));
        let r = &u.rules[1];
        assert_eq!((r.action, r.log), (Action::Limit, Some(LogType::Log)));
        assert_eq!(r.to.app.as_deref(), Some("OpenSSH"));
        assert_eq!(r.from.app, None);
        assert_eq!(r.interface_in.as_deref(), Some("eth0"));
        assert_eq!(r.comment.as_deref(), Some("allow ssh"));
        let r = &u.rules[2];
        assert_eq!(r.direction, Direction::Fwd);
        assert_eq!(
            (r.interface_in.as_deref(), r.interface_out.as_deref()),
            (Some("eth0"), Some("eth1"))
        );
        assert_eq!(u.rules[3].line, 10);
        let lines: Vec<usize> = u.iptables_lines.iter().map(|l| l.line).collect();
        assert_eq!(lines, [1, 2, 6, 12]);
    }

    #[test]
    fn conf_files() {
        let text = "# comment\nIPV6=yes\nDEFAULT_INPUT_POLICY=\"DROP\"\nDEFAULT_OUTPUT_POLICY=\"ACCEPT\"\n\
DEFAULT_FORWARD_POLICY=\"REJECT\"\nDEFAULT_APPLICATION_POLICY=\"SKIP\"\nMANAGE_BUILTINS=no\n\
ENABLED=yes\nLOGLEVEL=high\nDEFAULT_INPUT_POLICY=maybe\nnonsense\n";
        let mut d = Vec::new();
        let c = parse_conf(text, &mut d);
        assert_eq!(c.ipv6, Some(At::new(true, 2)));
        assert_eq!(
            c.default_input, None,
            "the bad later line wins and is reported"
        );
        assert_eq!(c.default_output, Some(At::new(Policy::Allow, 4)));
        assert_eq!(c.default_forward, Some(At::new(Policy::Reject, 5)));
        assert_eq!(c.default_application, Some(At::new(Policy::Skip, 6)));
        assert_eq!(c.enabled, Some(At::new(true, 8)));
        assert_eq!(c.loglevel, Some(At::new(LogLevel::High, 9)));
        assert_eq!(
            c.other[0],
            At::new(("MANAGE_BUILTINS".into(), "no".into()), 7)
        );
        let lines: Vec<_> = d.iter().map(|d| d.line).collect();
        assert_eq!(lines, [Some(10), Some(11)]);
    }

    #[test]
    fn app_profiles_and_list() {
        let text = "[Samba]\ntitle=LanManager-like file and printer server\n\
ports=137,138/udp|139,445/tcp\n\n[DNS]\nports=53\nbogus\n";
        let mut d = Vec::new();
        let p = parse_app_profiles(text, &mut d);
        assert_eq!(d.len(), 1);
        assert_eq!(p.len(), 2);
        assert_eq!((p[0].line, p[0].ports_line), (1, Some(3)));
        assert!(p[0].ports[1].covers_tcp(445) && !p[0].ports[0].covers_tcp(137));
        assert!(p[1].ports[0].covers_tcp(53) && p[1].ports[0].proto.is_none());
        let mut d = Vec::new();
        let l = parse_app_list(
            "Available applications:\n  Apache Full\n  OpenSSH\n",
            &mut d,
        );
        assert_eq!(
            l,
            [
                At::new("Apache Full".to_owned(), 2),
                At::new("OpenSSH".to_owned(), 3)
            ]
        );
    }

    #[test]
    fn sniffing() {
        type Sniffer = fn(&str) -> f32;
        let cases: &[(&str, Sniffer, bool)] = &[
            (NUMBERED, sniff, true),
            ("Status: inactive\n", sniff, true),
            ("Port 22\n", sniff, false),
            (
                "### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\n",
                sniff_user_rules,
                true,
            ),
            ("*filter\n:INPUT ACCEPT [0:0]\n", sniff_user_rules, false),
            (
                "IPV6=yes\nDEFAULT_INPUT_POLICY=\"DROP\"\n",
                sniff_default,
                true,
            ),
            ("ENABLED=no\nLOGLEVEL=low\n", sniff_default, true),
            ("ENABLED=no\n", sniff_default, false),
            ("[OpenSSH]\nports=22/tcp\n", sniff_app_profile, true),
        ];
        for (text, f, want) in cases {
            assert_eq!(f(text) > 0.5, *want, "{text:?}");
        }
    }
}
