//! iptables and ip6tables rule dumps, typed precisely enough to decide offline what the
//! kernel does with a new TCP connection to port 22.
//!
//! Bundles capture the rules in two shapes, both read here into one [`Ruleset`]:
//!
//! * restore syntax: `iptables-save`, `ip6tables-save`, `/etc/sysconfig/iptables`, ufw's
//!   `before.rules`, and `iptables -S` (no `*table`, read as the filter table):
//!
//!   ```text
//!   *filter
//!   :INPUT DROP [120:9600]
//!   -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
//!   -A INPUT -p tcp -m set --match-set f2b-sshd src -j REJECT --reject-with icmp-port-unreachable
//!   -A INPUT -s 10.0.0.0/8 -p tcp -m tcp --dport 22 -m comment --comment "admin ssh" -j ACCEPT
//!   COMMIT
//!   ```
//! * listings: `iptables -nvL`, `-vnxL`, `-t filter -nvL`, `-L -n --line-numbers`:
//!
//!   ```text
//!   Chain INPUT (policy DROP 12 packets, 3054 bytes)
//!    pkts bytes target     prot opt in     out     source               destination
//!      7   420 ACCEPT     tcp  --  *      *       10.0.0.0/8           0.0.0.0/0            tcp dpt:22 ctstate NEW
//!   ```
//!
//! Every match is kept, typed when its module is understood and as [`Match::Unknown`]
//! otherwise, because an evaluator must say "cannot decide" rather than guess when an
//! unread match could change the verdict. Every line not used becomes a diagnostic.
//! Terminal transcripts are tolerated: prompt lines are reported as info and a
//! `-t TABLE` or `ip6tables` in the prompted command names what follows.

use std::net::IpAddr;
use std::sync::LazyLock;

use regex::Regex;

use crate::model::Diagnostic;
pub use crate::parse::inet::{service_port, Cidr, PortRange};
use crate::util::{index_or_push, words_with_offsets as fields};

/// Which address family the dump is for: `iptables` or `ip6tables`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Family {
    #[default]
    V4,
    V6,
}

/// A built-in chain's policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Accept,
    Drop,
    Queue,
    Return,
}

impl Verdict {
    fn parse(s: &str) -> Option<Verdict> {
        Some(match s {
            "ACCEPT" => Verdict::Accept,
            "DROP" => Verdict::Drop,
            "QUEUE" => Verdict::Queue,
            "RETURN" => Verdict::Return,
            _ => return None,
        })
    }
}

/// Packet and byte counters. Listings without `-x` round them (`11M`), hence `approximate`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Counters {
    pub packets: u64,
    pub bytes: u64,
    pub approximate: bool,
}

/// The time unit of a rate limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Per {
    Second,
    Minute,
    Hour,
    Day,
    Week,
}

/// A rate such as `3/min` (`-m limit`) or `10/second` (nft `limit rate`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    pub count: u64,
    pub per: Per,
}

impl Rate {
    pub fn parse(s: &str) -> Option<Rate> {
        let (n, unit) = s.split_once('/')?;
        Some(Rate {
            count: n.trim().parse().ok()?,
            per: Per::parse(unit.trim())?,
        })
    }
}

impl Per {
    pub fn parse(s: &str) -> Option<Per> {
        Some(match s {
            "s" | "sec" | "second" => Per::Second,
            "m" | "min" | "minute" => Per::Minute,
            "h" | "hour" => Per::Hour,
            "d" | "day" => Per::Day,
            "w" | "week" => Per::Week,
            _ => return None,
        })
    }
}

/// The layer-4 protocol of `-p`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Proto {
    All,
    Tcp,
    Udp,
    Icmp,
    Icmpv6,
    Sctp,
    Esp,
    Ah,
    Gre,
    Number(u8),
    Other(String),
}

impl Proto {
    pub fn parse(s: &str) -> Proto {
        match s.to_ascii_lowercase().as_str() {
            "all" | "0" => Proto::All,
            "tcp" | "6" => Proto::Tcp,
            "udp" | "17" => Proto::Udp,
            "icmp" | "1" => Proto::Icmp,
            "icmpv6" | "ipv6-icmp" | "icmp6" | "58" => Proto::Icmpv6,
            "sctp" | "132" => Proto::Sctp,
            "esp" | "50" => Proto::Esp,
            "ah" | "51" => Proto::Ah,
            "gre" | "47" => Proto::Gre,
            o => o
                .parse()
                .map(Proto::Number)
                .unwrap_or_else(|_| Proto::Other(o.to_owned())),
        }
    }
}

/// An interface name; a trailing `+` matches every name with that prefix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Iface {
    pub name: String,
    pub wildcard: bool,
}

impl Iface {
    fn parse(s: &str) -> Iface {
        match s.strip_suffix('+') {
            Some(p) => Iface {
                name: p.to_owned(),
                wildcard: true,
            },
            None => Iface {
                name: s.to_owned(),
                wildcard: false,
            },
        }
    }

    pub fn matches(&self, name: &str) -> bool {
        if self.wildcard {
            name.starts_with(&self.name)
        } else {
            name == self.name
        }
    }
}

/// A connection-tracking state of `-m state` / `-m conntrack`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CtState {
    New,
    Established,
    Related,
    Invalid,
    Untracked,
    Snat,
    Dnat,
    Other(String),
}

impl CtState {
    pub fn parse(s: &str) -> CtState {
        match s.to_ascii_uppercase().as_str() {
            "NEW" => CtState::New,
            "ESTABLISHED" => CtState::Established,
            "RELATED" => CtState::Related,
            "INVALID" => CtState::Invalid,
            "UNTRACKED" => CtState::Untracked,
            "SNAT" => CtState::Snat,
            "DNAT" => CtState::Dnat,
            o => CtState::Other(o.to_owned()),
        }
    }

    fn parse_list(s: &str) -> Vec<CtState> {
        s.split(',')
            .filter(|p| !p.is_empty())
            .map(CtState::parse)
            .collect()
    }
}

/// Which address of the packet a match looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Src,
    Dst,
}

/// What `-m recent` does with the source address list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecentAction {
    Set,
    Check,
    Update,
    Remove,
}

/// An address type of `-m addrtype`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AddrType {
    Local,
    Unicast,
    Broadcast,
    Multicast,
    Anycast,
    Blackhole,
    Unreachable,
    Prohibit,
    Unspec,
    Other(String),
}

impl AddrType {
    fn parse(s: &str) -> AddrType {
        match s.to_ascii_uppercase().as_str() {
            "LOCAL" => AddrType::Local,
            "UNICAST" => AddrType::Unicast,
            "BROADCAST" => AddrType::Broadcast,
            "MULTICAST" => AddrType::Multicast,
            "ANYCAST" => AddrType::Anycast,
            "BLACKHOLE" => AddrType::Blackhole,
            "UNREACHABLE" => AddrType::Unreachable,
            "PROHIBIT" => AddrType::Prohibit,
            "UNSPEC" => AddrType::Unspec,
            o => AddrType::Other(o.to_owned()),
        }
    }
}

/// TCP flag bits as `--tcp-flags` and listings' `flags:0x17/0x02` use them.
pub mod tcp_flag {
    pub const FIN: u8 = 0x01;
    pub const SYN: u8 = 0x02;
    pub const RST: u8 = 0x04;
    pub const PSH: u8 = 0x08;
    pub const ACK: u8 = 0x10;
    pub const URG: u8 = 0x20;
}

fn tcp_flags(s: &str) -> Option<u8> {
    let mut v = 0;
    for f in s.split(',') {
        v |= match f.to_ascii_uppercase().as_str() {
            "FIN" => tcp_flag::FIN,
            "SYN" => tcp_flag::SYN,
            "RST" => tcp_flag::RST,
            "PSH" => tcp_flag::PSH,
            "ACK" => tcp_flag::ACK,
            "URG" => tcp_flag::URG,
            "ALL" => 0x3f,
            "NONE" => 0,
            _ => return None,
        };
    }
    Some(v)
}

/// One condition of a rule. All of a rule's matches must hold for its target to apply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Match {
    /// `!` before an option: the inner match must not hold.
    Not(Box<Match>),
    Protocol(Proto),
    /// `-s`; a comma list matches any of its networks.
    Source(Vec<Cidr>),
    Destination(Vec<Cidr>),
    InInterface(Iface),
    OutInterface(Iface),
    /// `-f`: second and later fragments only.
    Fragment,
    /// `--sport` (tcp/udp/sctp) or `-m multiport --sports`: any of the ranges.
    SourcePort(Vec<PortRange>),
    DestPort(Vec<PortRange>),
    /// `-m multiport --ports`: source or destination port in the ranges.
    AnyPort(Vec<PortRange>),
    /// `--tcp-flags MASK COMP` and `--syn`: the bits of `mask` must equal `set`.
    TcpFlags {
        mask: u8,
        set: u8,
    },
    /// `-m state --state` or `-m conntrack --ctstate`: any of the states.
    ConnState(Vec<CtState>),
    /// `-m set --match-set NAME src[,dst]`: an ipset lookup (fail2ban bans live here).
    IpSet {
        name: String,
        dirs: Vec<Side>,
    },
    /// `-m recent`: rate limiting by a per-address hit list.
    Recent {
        name: Option<String>,
        action: Option<RecentAction>,
        seconds: Option<u64>,
        hitcount: Option<u64>,
        side: Side,
        rttl: bool,
    },
    /// `-m limit`: matches while under the rate.
    Limit {
        rate: Option<Rate>,
        burst: Option<u64>,
    },
    Comment(String),
    /// `-m iprange --src-range A-B` / `--dst-range`.
    IpRange {
        side: Side,
        from: IpAddr,
        to: IpAddr,
    },
    /// `-m addrtype --src-type` / `--dst-type`: any of the types.
    AddrType {
        side: Side,
        types: Vec<AddrType>,
    },
    /// `--icmp-type` / `--icmpv6-type` as written (`echo-request`, `8`, `3/1`).
    IcmpType {
        v6: bool,
        spec: String,
    },
    /// A match this parser does not type: the module and its options, `!` included.
    Unknown {
        module: String,
        args: Vec<String>,
    },
}

/// What a rule does when all its matches hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// No `-j`: the rule only counts and evaluation continues.
    None,
    Accept,
    Drop,
    Queue,
    Return,
    Reject {
        with: Option<String>,
    },
    /// Non-terminating: evaluation continues after logging.
    Log {
        prefix: Option<String>,
        level: Option<String>,
    },
    /// `-j CHAIN`: evaluate the user chain, then continue here on RETURN.
    Jump(String),
    /// `-g CHAIN`: evaluate the user chain; its RETURN returns from this chain's caller.
    Goto(String),
    /// Any other extension target (MASQUERADE, DNAT, MARK...) with its options.
    Other {
        name: String,
        args: Vec<String>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub matches: Vec<Match>,
    pub target: Target,
    pub counters: Option<Counters>,
    /// 1-based line in the member.
    pub line: usize,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chain {
    pub name: String,
    /// Built-in chains have a policy; user chains have none (`-` in restore syntax).
    pub policy: Option<Verdict>,
    pub counters: Option<Counters>,
    /// Listings' `(N references)` on user chains.
    pub references: Option<u32>,
    pub line: usize,
    pub rules: Vec<Rule>,
}

impl Chain {
    fn new(name: &str, line: usize) -> Chain {
        Chain {
            name: name.to_owned(),
            policy: None,
            counters: None,
            references: None,
            line,
            rules: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    pub name: String,
    pub line: usize,
    pub chains: Vec<Chain>,
}

impl Table {
    fn new(name: &str, line: usize) -> Table {
        Table {
            name: name.to_owned(),
            line,
            chains: Vec::new(),
        }
    }

    pub fn chain(&self, name: &str) -> Option<&Chain> {
        self.chains.iter().find(|c| c.name == name)
    }

    fn chain_mut(&mut self, name: &str, line: usize) -> &mut Chain {
        let i = index_or_push(
            &mut self.chains,
            |c| c.name == name,
            || Chain::new(name, line),
        );
        &mut self.chains[i]
    }

    /// Restore syntax names a target before its chain may be declared (ufw splits chains
    /// over files), so a bare name is settled once the table is complete.
    fn resolve_targets(&mut self) {
        let names: Vec<String> = self.chains.iter().map(|c| c.name.clone()).collect();
        for rule in self.chains.iter_mut().flat_map(|c| c.rules.iter_mut()) {
            if let Target::Other { name, args } = &rule.target {
                if args.is_empty() && names.contains(name) {
                    rule.target = Target::Jump(name.clone());
                }
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Ruleset {
    pub family: Family,
    pub tables: Vec<Table>,
}

impl Ruleset {
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }

    pub fn chain(&self, table: &str, name: &str) -> Option<&Chain> {
        self.table(table)?.chain(name)
    }

    fn table_mut(&mut self, name: &str, line: usize) -> &mut Table {
        let i = index_or_push(
            &mut self.tables,
            |t| t.name == name,
            || Table::new(name, line),
        );
        &mut self.tables[i]
    }
}

/// Extension targets that are not chains, so `-j NAME` with no options is not a jump.
const EXTENSION_TARGETS: &[&str] = &[
    "MASQUERADE",
    "SNAT",
    "DNAT",
    "REDIRECT",
    "NETMAP",
    "MARK",
    "CONNMARK",
    "CT",
    "NOTRACK",
    "TCPMSS",
    "NFQUEUE",
    "NFLOG",
    "ULOG",
    "CHECKSUM",
    "TPROXY",
    "TRACE",
    "AUDIT",
    "SET",
    "CLASSIFY",
    "DSCP",
    "TOS",
    "TTL",
    "HL",
    "SECMARK",
    "CONNSECMARK",
    "SYNPROXY",
    "TEE",
];

fn target_of(name: &str, args: Vec<String>, goto: bool) -> Target {
    match name {
        // `-g ACCEPT` is accepted by iptables and acts as the plain verdict.
        _ if goto && Verdict::parse(name).is_none() => Target::Goto(name.to_owned()),
        "ACCEPT" => Target::Accept,
        "DROP" => Target::Drop,
        "QUEUE" => Target::Queue,
        "RETURN" => Target::Return,
        "REJECT" => Target::Reject {
            with: option_value(&args, &["--reject-with", "reject-with"]),
        },
        "LOG" => Target::Log {
            prefix: option_value(&args, &["--log-prefix", "prefix"]),
            level: option_value(&args, &["--log-level", "level"]),
        },
        _ if args.is_empty() && !EXTENSION_TARGETS.contains(&name) => Target::Jump(name.to_owned()),
        _ => Target::Other {
            name: name.to_owned(),
            args,
        },
    }
}

fn option_value(args: &[String], names: &[&str]) -> Option<String> {
    let i = args.iter().position(|a| names.contains(&a.as_str()))?;
    args.get(i + 1).cloned()
}

// ---------------------------------------------------------------------------------------
// Terminal transcripts

static PROMPT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:\[[^\]]*\][#$]|[\w.-]+@[\w.-]+[^#$\s]*\s*[#$>]|[#$>]\s+(?:sudo\s+)?(?:ip6?tables|nft)\b)\s*(.*)$")
        .expect("valid regex")
});

/// For a shell prompt line (`root@web01:~# iptables -nvL`, or a bare echoed firewall
/// command), the command it runs; `None` when the line is not a prompt.
pub(crate) fn prompt_command(line: &str) -> Option<&str> {
    let t = line.trim();
    if let Some(c) = PROMPT.captures(t) {
        return Some(c.get(1).map_or("", |m| m.as_str()));
    }
    let bare = t.strip_prefix("sudo ").unwrap_or(t);
    let first = bare.split_whitespace().next()?;
    matches!(
        first,
        "iptables" | "ip6tables" | "iptables-save" | "ip6tables-save" | "nft"
    )
    .then_some(bare)
}

fn prompt_diag(line_no: usize) -> Diagnostic {
    Diagnostic::info("terminal prompt line skipped").at_line(line_no)
}

// ---------------------------------------------------------------------------------------
// Shell-like tokens

#[derive(Clone, Debug, PartialEq, Eq)]
struct Tok {
    text: String,
    quoted: bool,
}

/// Splits like a shell does: `"..."` and `'...'` group words, `\` escapes. Returns
/// whether a quote was left open so the caller can warn.
fn shell_tokens(s: &str) -> (Vec<Tok>, bool) {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quoted = false;
    let mut quote: Option<char> = None;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
                quoted = true;
            }
            (None, '\\') => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                    in_word = true;
                }
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    out.push(Tok {
                        text: std::mem::take(&mut cur),
                        quoted,
                    });
                }
                in_word = false;
                quoted = false;
            }
            (None, c) => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(Tok { text: cur, quoted });
    }
    (out, quote.is_some())
}

// ---------------------------------------------------------------------------------------
// Restore syntax

/// Confidence that a text is restore syntax (`iptables-save`, ufw rules, `iptables -S`).
pub fn sniff_save(head: &str) -> f32 {
    let mut table = false;
    let mut decl = false;
    let mut commit = false;
    let mut appends = 0usize;
    let mut other = 0usize;
    for l in head.lines().map(str::trim) {
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        if DECL.is_match(l) {
            decl = true;
        } else if TABLE.is_match(l) {
            table = true;
        } else if l == "COMMIT" {
            commit = true;
        } else if l.starts_with("-A ") || l.starts_with("-P ") || l.starts_with("-N ") {
            appends += 1;
        } else if prompt_command(l).is_none() {
            other += 1;
        }
    }
    if (table && (decl || commit)) || (decl && appends > 0) {
        0.95
    } else if appends >= 2 && appends > other * 4 {
        0.8
    } else {
        0.0
    }
}

static TABLE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\*(filter|nat|mangle|raw|security)\s*$").expect("valid regex"));
static DECL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^:(\S+)\s+(\S+)(?:\s+\[(\d+):(\d+)\])?\s*$").expect("valid regex")
});

/// Reads restore syntax. Rules before any `*table` (as `iptables -S` prints them) go to
/// the filter table.
pub fn parse_save(text: &str, diags: &mut Vec<Diagnostic>) -> Ruleset {
    let mut rs = Ruleset::default();
    let mut table: Option<String> = None;
    let mut warned_no_table = false;
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if line.starts_with("# Generated by ip6tables") {
            rs.family = Family::V6;
        }
        if line.starts_with('#') {
            continue;
        }
        if let Some(cmd) = prompt_command(line) {
            if cmd.contains("ip6tables") {
                rs.family = Family::V6;
            }
            diags.push(prompt_diag(n));
            continue;
        }
        if let Some(name) = line.strip_prefix('*') {
            if let Some(open) = &table {
                diags.push(
                    Diagnostic::warning(format!("table {open} has no COMMIT before *{name}"))
                        .at_line(n),
                );
            }
            rs.table_mut(name.trim(), n);
            table = Some(name.trim().to_owned());
            continue;
        }
        if line == "COMMIT" {
            if table.take().is_none() {
                diags.push(Diagnostic::warning("COMMIT outside a table").at_line(n));
            }
            continue;
        }
        let tname = match &table {
            Some(t) => t.clone(),
            None => {
                if !warned_no_table {
                    warned_no_table = true;
                    diags.push(
                        Diagnostic::info("rules without a *table header read as table filter")
                            .at_line(n),
                    );
                }
                "filter".to_owned()
            }
        };
        let t = rs.table_mut(&tname, n);
        save_line(t, line, n, diags);
    }
    if let Some(open) = table {
        diags.push(Diagnostic::warning(format!(
            "table {open} has no COMMIT at the end of the text"
        )));
    }
    for t in &mut rs.tables {
        t.resolve_targets();
    }
    if rs.family == Family::V4 && mentions_v6(&rs) {
        rs.family = Family::V6;
    }
    rs
}

fn mentions_v6(rs: &Ruleset) -> bool {
    fn v6(m: &Match) -> bool {
        match m {
            Match::Not(m) => v6(m),
            Match::Source(c) | Match::Destination(c) => c.iter().any(|c| c.addr.is_ipv6()),
            Match::Protocol(Proto::Icmpv6) => true,
            Match::IcmpType { v6, .. } => *v6,
            _ => false,
        }
    }
    rs.tables
        .iter()
        .flat_map(|t| &t.chains)
        .flat_map(|c| &c.rules)
        .flat_map(|r| &r.matches)
        .any(v6)
}

/// One non-comment line inside a table: a chain declaration or a command.
fn save_line(t: &mut Table, line: &str, n: usize, diags: &mut Vec<Diagnostic>) {
    if let Some(c) = DECL.captures(line) {
        let name = c.get(1).map_or("", |m| m.as_str());
        let policy_text = c.get(2).map_or("-", |m| m.as_str());
        let policy = Verdict::parse(policy_text);
        if policy.is_none() && policy_text != "-" {
            diags.push(
                Diagnostic::warning(format!("chain {name}: unknown policy {policy_text}"))
                    .at_line(n),
            );
        }
        let counters = match (c.get(3), c.get(4)) {
            (Some(p), Some(b)) => Some(Counters {
                packets: p.as_str().parse().unwrap_or(0),
                bytes: b.as_str().parse().unwrap_or(0),
                approximate: false,
            }),
            _ => None,
        };
        let ch = t.chain_mut(name, n);
        ch.policy = policy;
        ch.counters = counters;
        ch.line = n;
        return;
    }
    let (mut toks, open) = shell_tokens(line);
    if open {
        diags.push(
            Diagnostic::warning("unterminated quote; read to the end of the line").at_line(n),
        );
    }
    // `iptables-save -c` puts `[pkts:bytes]` before the command.
    let mut counters = None;
    if let Some(first) = toks.first() {
        if let Some(c) = bracket_counters(&first.text) {
            counters = Some(c);
            toks.remove(0);
        }
    }
    let cmd = toks.first().map(|t| t.text.clone()).unwrap_or_default();
    let chain = toks.get(1).map(|t| t.text.clone());
    match (cmd.as_str(), chain) {
        ("-A" | "--append", Some(ch)) => {
            let rule = rule_from_tokens(toks.get(2..).unwrap_or(&[]), counters, line, n, diags);
            t.chain_mut(&ch, n).rules.push(rule);
        }
        ("-I" | "--insert", Some(ch)) => {
            let rest = toks.get(2..).unwrap_or(&[]);
            let (pos, rest) = match rest.first().and_then(|t| t.text.parse::<usize>().ok()) {
                Some(p) => (p.max(1), rest.get(1..).unwrap_or(&[])),
                None => (1, rest),
            };
            let rule = rule_from_tokens(rest, counters, line, n, diags);
            let chain = t.chain_mut(&ch, n);
            let at = (pos - 1).min(chain.rules.len());
            chain.rules.insert(at, rule);
        }
        ("-N" | "--new-chain", Some(ch)) => {
            t.chain_mut(&ch, n);
        }
        ("-P" | "--policy", Some(ch)) => {
            let p = toks.get(2).map(|t| t.text.as_str()).unwrap_or("");
            match Verdict::parse(p) {
                Some(v) => t.chain_mut(&ch, n).policy = Some(v),
                None => diags.push(
                    Diagnostic::warning(format!("chain {ch}: unknown policy {p:?}")).at_line(n),
                ),
            }
        }
        ("-F" | "--flush", ch) => match ch {
            Some(ch) => t.chain_mut(&ch, n).rules.clear(),
            None => t.chains.iter_mut().for_each(|c| c.rules.clear()),
        },
        ("-X" | "--delete-chain", Some(ch)) => t.chains.retain(|c| c.name != ch),
        _ => diags
            .push(Diagnostic::warning(format!("unrecognised iptables line: {line}")).at_line(n)),
    }
}

fn bracket_counters(s: &str) -> Option<Counters> {
    let (p, b) = s.strip_prefix('[')?.strip_suffix(']')?.split_once(':')?;
    Some(Counters {
        packets: p.parse().ok()?,
        bytes: b.parse().ok()?,
        approximate: false,
    })
}

/// One option of a match module as written: `! --dport 22` is `(true, "--dport", ["22"])`.
#[derive(Debug)]
struct Opt {
    neg: bool,
    name: String,
    vals: Vec<String>,
}

/// The options given to one module, `-m NAME` or the one `-p tcp` loads implicitly.
#[derive(Debug)]
struct Block {
    module: String,
    opts: Vec<Opt>,
}

/// Whether a known module owns an option, so options after several `-m` reach the right one.
fn module_knows(module: &str, opt: &str) -> Option<bool> {
    let opts: &[&str] = match module {
        "tcp" | "udp" | "sctp" | "dccp" | "udplite" => &[
            "--dport",
            "--destination-port",
            "--sport",
            "--source-port",
            "--syn",
            "--tcp-flags",
            "--tcp-option",
            "--chunk-types",
        ],
        "multiport" => &[
            "--dports",
            "--destination-ports",
            "--sports",
            "--source-ports",
            "--ports",
        ],
        "state" => &["--state"],
        "conntrack" => &[
            "--ctstate",
            "--ctproto",
            "--ctorigsrc",
            "--ctorigdst",
            "--ctreplsrc",
            "--ctrepldst",
            "--ctorigsrcport",
            "--ctorigdstport",
            "--ctstatus",
            "--ctexpire",
            "--ctdir",
        ],
        "set" => &[
            "--match-set",
            "--return-nomatch",
            "--update-counters",
            "--packets-eq",
            "--packets-lt",
            "--packets-gt",
            "--bytes-eq",
            "--bytes-lt",
            "--bytes-gt",
        ],
        "recent" => &[
            "--name",
            "--set",
            "--rcheck",
            "--update",
            "--remove",
            "--seconds",
            "--reap",
            "--hitcount",
            "--rttl",
            "--rsource",
            "--rdest",
            "--mask",
        ],
        "limit" => &["--limit", "--limit-burst"],
        "comment" => &["--comment"],
        "iprange" => &["--src-range", "--dst-range"],
        "addrtype" => &[
            "--src-type",
            "--dst-type",
            "--limit-iface-in",
            "--limit-iface-out",
        ],
        "icmp" => &["--icmp-type"],
        "icmp6" | "icmpv6" | "ipv6-icmp" => &["--icmpv6-type"],
        _ => return None,
    };
    Some(opts.contains(&opt))
}

fn is_generic(t: &Tok) -> bool {
    !t.quoted
        && matches!(
            t.text.as_str(),
            "-p" | "--protocol"
                | "-s"
                | "--source"
                | "--src"
                | "-d"
                | "--destination"
                | "--dst"
                | "-i"
                | "--in-interface"
                | "-o"
                | "--out-interface"
                | "-f"
                | "--fragment"
                | "-m"
                | "--match"
                | "-j"
                | "--jump"
                | "-g"
                | "--goto"
                | "-c"
                | "--set-counters"
                | "-4"
                | "-6"
                | "--ipv4"
                | "--ipv6"
        )
}

fn is_option(t: &Tok) -> bool {
    !t.quoted && (t.text == "!" || (t.text.starts_with('-') && t.text.len() > 1))
}

/// The value tokens after an option: everything up to the next option or `!`.
fn take_values(toks: &[Tok], i: &mut usize) -> Vec<String> {
    let mut vals = Vec::new();
    while let Some(t) = toks.get(*i) {
        if is_option(t) {
            break;
        }
        vals.push(t.text.clone());
        *i += 1;
    }
    vals
}

/// The module `-p` loads implicitly, which owns `--dport` when no `-m tcp` is given.
fn implicit_module(p: &Proto) -> Option<&'static str> {
    Some(match p {
        Proto::Tcp => "tcp",
        Proto::Udp => "udp",
        Proto::Sctp => "sctp",
        Proto::Icmp => "icmp",
        Proto::Icmpv6 => "icmpv6",
        _ => return None,
    })
}

fn rule_from_tokens(
    toks: &[Tok],
    counters: Option<Counters>,
    line: &str,
    n: usize,
    diags: &mut Vec<Diagnostic>,
) -> Rule {
    let mut matches = Vec::new();
    let mut blocks: Vec<Block> = Vec::new();
    let mut implicit: Option<Block> = None;
    let mut target = Target::None;
    let mut counters = counters;
    let mut neg = false;
    let mut i = 0;
    while let Some(t) = toks.get(i) {
        i += 1;
        if !t.quoted && t.text == "!" {
            neg = true;
            continue;
        }
        let was_neg = std::mem::take(&mut neg);
        if !is_generic(t) {
            let name = t.text.clone();
            if !is_option(t) {
                diags.push(Diagnostic::warning(format!("stray word {name:?} in rule")).at_line(n));
                matches.push(Match::Unknown {
                    module: String::new(),
                    args: vec![name],
                });
                continue;
            }
            let vals = take_values(toks, &mut i);
            let opt = Opt {
                neg: was_neg,
                name,
                vals,
            };
            route_option(opt, &mut blocks, &mut implicit);
            continue;
        }
        let mut value = || {
            let v = toks.get(i).map(|t| t.text.clone());
            if v.is_some() {
                i += 1;
            }
            v
        };
        let m = match t.text.as_str() {
            "-p" | "--protocol" => value().map(|v| {
                let p = Proto::parse(&v);
                if let Some(m) = implicit_module(&p) {
                    implicit.get_or_insert_with(|| Block {
                        module: m.to_owned(),
                        opts: Vec::new(),
                    });
                }
                Match::Protocol(p)
            }),
            "-s" | "--source" | "--src" => value().map(|v| addr_match(&v, Match::Source, n, diags)),
            "-d" | "--destination" | "--dst" => {
                value().map(|v| addr_match(&v, Match::Destination, n, diags))
            }
            "-i" | "--in-interface" => value().map(|v| Match::InInterface(Iface::parse(&v))),
            "-o" | "--out-interface" => value().map(|v| Match::OutInterface(Iface::parse(&v))),
            "-f" | "--fragment" => Some(Match::Fragment),
            "-m" | "--match" => {
                if let Some(module) = value() {
                    blocks.push(Block {
                        module,
                        opts: Vec::new(),
                    });
                }
                continue;
            }
            "-j" | "--jump" | "-g" | "--goto" => {
                let goto = matches!(t.text.as_str(), "-g" | "--goto");
                if let Some(name) = value() {
                    let args = target_args(toks, &mut i);
                    target = target_of(&name, args, goto);
                }
                continue;
            }
            "-c" | "--set-counters" => {
                let p = value().and_then(|v| v.parse().ok());
                let b = value().and_then(|v| v.parse().ok());
                if let (Some(packets), Some(bytes)) = (p, b) {
                    counters = Some(Counters {
                        packets,
                        bytes,
                        approximate: false,
                    });
                }
                continue;
            }
            _ => continue,
        };
        match m {
            Some(m) => matches.push(negate(m, was_neg)),
            None => diags
                .push(Diagnostic::warning(format!("option {} has no value", t.text)).at_line(n)),
        }
    }
    for b in implicit.into_iter().chain(blocks) {
        block_matches(b, &mut matches, n, diags);
    }
    Rule {
        matches,
        target,
        counters,
        line: n,
        text: line.to_owned(),
    }
}

/// Target options run to the next generic option, so a hand-written `-j ACCEPT -m comment`
/// still has its comment read as a match.
fn target_args(toks: &[Tok], i: &mut usize) -> Vec<String> {
    let mut args = Vec::new();
    while let Some(t) = toks.get(*i) {
        if is_generic(t) || (!t.quoted && t.text == "!") {
            break;
        }
        args.push(t.text.clone());
        *i += 1;
    }
    args
}

fn route_option(opt: Opt, blocks: &mut [Block], implicit: &mut Option<Block>) {
    let last_unknown = blocks
        .last()
        .is_some_and(|b| module_knows(&b.module, &opt.name).is_none());
    if !last_unknown {
        if let Some(b) = blocks
            .iter_mut()
            .rev()
            .find(|b| module_knows(&b.module, &opt.name) == Some(true))
        {
            b.opts.push(opt);
            return;
        }
        if let Some(b) = implicit
            .as_mut()
            .filter(|b| module_knows(&b.module, &opt.name) == Some(true))
        {
            b.opts.push(opt);
            return;
        }
    }
    match blocks.last_mut().or(implicit.as_mut()) {
        Some(b) => b.opts.push(opt),
        None => {
            *implicit = Some(Block {
                module: String::new(),
                opts: vec![opt],
            })
        }
    }
}

fn negate(m: Match, neg: bool) -> Match {
    if neg {
        Match::Not(Box::new(m))
    } else {
        m
    }
}

fn addr_match(
    v: &str,
    make: fn(Vec<Cidr>) -> Match,
    n: usize,
    diags: &mut Vec<Diagnostic>,
) -> Match {
    match v.split(',').map(Cidr::parse).collect::<Option<Vec<_>>>() {
        Some(c) => make(c),
        None => {
            diags.push(Diagnostic::warning(format!("unreadable address {v:?}")).at_line(n));
            Match::Unknown {
                module: "address".to_owned(),
                args: vec![v.to_owned()],
            }
        }
    }
}

fn unknown_opt(module: &str, o: Opt) -> Match {
    let mut args = Vec::new();
    if o.neg {
        args.push("!".to_owned());
    }
    args.push(o.name);
    args.extend(o.vals);
    Match::Unknown {
        module: module.to_owned(),
        args,
    }
}

fn block_matches(b: Block, out: &mut Vec<Match>, n: usize, diags: &mut Vec<Diagnostic>) {
    match b.module.as_str() {
        "recent" => out.push(recent_match(b.opts)),
        "limit" => out.push(limit_match(b.opts)),
        m if module_knows(m, "").is_some() => {
            for o in b.opts {
                let neg = o.neg;
                match typed_option(m, &o) {
                    Some(t) => out.push(negate(t, neg)),
                    None => {
                        if module_knows(m, &o.name) == Some(true) {
                            diags.push(
                                Diagnostic::warning(format!(
                                    "-m {m} {}: unreadable value {:?}",
                                    o.name,
                                    o.vals.join(" ")
                                ))
                                .at_line(n),
                            );
                        }
                        out.push(unknown_opt(m, o));
                    }
                }
            }
        }
        m => {
            let args = b
                .opts
                .into_iter()
                .flat_map(|o| {
                    let neg = o.neg.then(|| "!".to_owned());
                    neg.into_iter().chain([o.name]).chain(o.vals)
                })
                .collect();
            out.push(Match::Unknown {
                module: m.to_owned(),
                args,
            });
        }
    }
}

fn typed_option(module: &str, o: &Opt) -> Option<Match> {
    let v = o.vals.first().map(String::as_str);
    Some(match (module, o.name.as_str()) {
        (_, "--dport" | "--destination-port") => Match::DestPort(vec![PortRange::parse(v?)?]),
        (_, "--sport" | "--source-port") => Match::SourcePort(vec![PortRange::parse(v?)?]),
        (_, "--dports" | "--destination-ports") => Match::DestPort(PortRange::parse_list(v?)?),
        (_, "--sports" | "--source-ports") => Match::SourcePort(PortRange::parse_list(v?)?),
        (_, "--ports") => Match::AnyPort(PortRange::parse_list(v?)?),
        (_, "--syn") => Match::TcpFlags {
            mask: tcp_flag::FIN | tcp_flag::SYN | tcp_flag::RST | tcp_flag::ACK,
            set: tcp_flag::SYN,
        },
        (_, "--tcp-flags") => Match::TcpFlags {
            mask: tcp_flags(v?)?,
            set: tcp_flags(o.vals.get(1)?)?,
        },
        (_, "--state" | "--ctstate") => Match::ConnState(CtState::parse_list(v?)),
        (_, "--match-set") => Match::IpSet {
            name: v?.to_owned(),
            dirs: set_dirs(o.vals.get(1)?)?,
        },
        (_, "--comment") => Match::Comment(v?.to_owned()),
        (_, "--src-range" | "--dst-range") => {
            let (from, to) = v?.split_once('-')?;
            Match::IpRange {
                side: if o.name == "--src-range" {
                    Side::Src
                } else {
                    Side::Dst
                },
                from: from.parse().ok()?,
                to: to.parse().ok()?,
            }
        }
        (_, "--src-type" | "--dst-type") => Match::AddrType {
            side: if o.name == "--src-type" {
                Side::Src
            } else {
                Side::Dst
            },
            types: v?.split(',').map(AddrType::parse).collect(),
        },
        (_, "--icmp-type") => Match::IcmpType {
            v6: false,
            spec: v?.to_owned(),
        },
        (_, "--icmpv6-type") => Match::IcmpType {
            v6: true,
            spec: v?.to_owned(),
        },
        _ => return None,
    })
}

fn set_dirs(s: &str) -> Option<Vec<Side>> {
    s.split(',')
        .map(|d| match d {
            "src" => Some(Side::Src),
            "dst" => Some(Side::Dst),
            _ => None,
        })
        .collect()
}

/// `-m recent` options describe one lookup together, so they become one match; a `!`
/// on any of them inverts the whole lookup.
fn recent_match(opts: Vec<Opt>) -> Match {
    let mut name = None;
    let mut action = None;
    let mut seconds = None;
    let mut hitcount = None;
    let mut side = Side::Src;
    let mut rttl = false;
    let mut neg = false;
    let mut extra = Vec::new();
    for o in opts {
        neg |= o.neg;
        let v = o.vals.first().cloned();
        match o.name.as_str() {
            "--name" => name = v,
            "--set" => action = Some(RecentAction::Set),
            "--rcheck" => action = Some(RecentAction::Check),
            "--update" => action = Some(RecentAction::Update),
            "--remove" => action = Some(RecentAction::Remove),
            "--seconds" => seconds = v.and_then(|v| v.parse().ok()),
            "--hitcount" => hitcount = v.and_then(|v| v.parse().ok()),
            "--rsource" => side = Side::Src,
            "--rdest" => side = Side::Dst,
            "--rttl" => rttl = true,
            "--reap" | "--mask" => {}
            _ => extra.push(o),
        }
    }
    if !extra.is_empty() {
        let args = extra
            .into_iter()
            .flat_map(|o| [o.name].into_iter().chain(o.vals))
            .collect();
        return Match::Unknown {
            module: "recent".to_owned(),
            args,
        };
    }
    negate(
        Match::Recent {
            name,
            action,
            seconds,
            hitcount,
            side,
            rttl,
        },
        neg,
    )
}

fn limit_match(opts: Vec<Opt>) -> Match {
    let mut rate = None;
    let mut burst = None;
    let mut neg = false;
    for o in opts {
        neg |= o.neg;
        let v = o.vals.first();
        match o.name.as_str() {
            "--limit" => rate = v.and_then(|v| Rate::parse(v)),
            "--limit-burst" => burst = v.and_then(|v| v.parse().ok()),
            _ => {}
        }
    }
    negate(Match::Limit { rate, burst }, neg)
}

// ---------------------------------------------------------------------------------------
// Listings

static CHAIN_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^Chain (\S+) \((?:policy (\S+)(?: (\S+) packets, (\S+) bytes)?|(\d+) references?)\)",
    )
    .expect("valid regex")
});

/// Confidence that a text is an `iptables -L` listing.
pub fn sniff_list(head: &str) -> f32 {
    let chains = head.lines().filter(|l| CHAIN_HEADER.is_match(l)).count();
    let columns = head.lines().any(|l| {
        let w: Vec<&str> = l.split_whitespace().collect();
        w.windows(3).any(|w| w == ["target", "prot", "opt"])
    });
    match (chains > 0, columns) {
        (true, true) => 0.95,
        (true, false) => 0.6,
        _ => 0.0,
    }
}

/// Which columns a listing has, from its column header line.
#[derive(Clone, Copy, Debug, Default)]
struct Columns {
    num: bool,
    counters: bool,
    ifaces: bool,
}

impl Columns {
    fn of(line: &str) -> Option<Columns> {
        let w: Vec<&str> = line.split_whitespace().collect();
        if !w.windows(3).any(|w| w == ["target", "prot", "opt"]) {
            return None;
        }
        Some(Columns {
            num: w.first() == Some(&"num"),
            counters: w.contains(&"pkts"),
            ifaces: w.contains(&"in"),
        })
    }
}

/// Reads `iptables -L` listings. The table is `filter` unless a prompted command names
/// another with `-t`; each prompted command starts a new table.
pub fn parse_list(text: &str, diags: &mut Vec<Diagnostic>) -> Ruleset {
    let mut rs = Ruleset::default();
    let mut table = "filter".to_owned();
    let mut chain: Option<String> = None;
    let mut cols: Option<Columns> = None;
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim_end();
        if line.trim().is_empty() {
            continue;
        }
        if let Some(c) = CHAIN_HEADER.captures(line) {
            let name = c.get(1).map_or("", |m| m.as_str()).to_owned();
            let t = rs.table_mut(&table, n);
            let ch = t.chain_mut(&name, n);
            ch.line = n;
            if let Some(p) = c.get(2) {
                ch.policy = Verdict::parse(p.as_str());
                if ch.policy.is_none() {
                    diags.push(
                        Diagnostic::warning(format!("chain {name}: unknown policy {}", p.as_str()))
                            .at_line(n),
                    );
                }
            }
            if let (Some(p), Some(b)) = (c.get(3), c.get(4)) {
                ch.counters = counters(p.as_str(), b.as_str());
            }
            ch.references = c.get(5).and_then(|r| r.as_str().parse().ok());
            chain = Some(name);
            cols = None;
            continue;
        }
        if let Some(c) = Columns::of(line) {
            cols = Some(c);
            continue;
        }
        if let Some(cmd) = prompt_command(line) {
            if let Some(t) = table_of_command(cmd) {
                table = t;
                chain = None;
            }
            if cmd.contains("ip6tables") {
                rs.family = Family::V6;
            }
            diags.push(prompt_diag(n));
            continue;
        }
        if line.trim_start().starts_with('#') {
            diags.push(Diagnostic::info(format!("note in listing: {}", line.trim())).at_line(n));
            continue;
        }
        let (Some(ch), Some(c)) = (&chain, cols) else {
            diags.push(Diagnostic::warning("line outside a chain listing skipped").at_line(n));
            continue;
        };
        match list_row(line, c, n, diags) {
            Some(rule) => {
                if rule_is_v6(&rule) {
                    rs.family = Family::V6;
                }
                rs.table_mut(&table, n).chain_mut(ch, n).rules.push(rule);
            }
            None => diags.push(
                Diagnostic::warning(format!("unreadable rule row: {}", line.trim())).at_line(n),
            ),
        }
    }
    for t in &mut rs.tables {
        t.resolve_targets();
    }
    rs
}

fn rule_is_v6(r: &Rule) -> bool {
    r.matches.iter().any(|m| match m {
        Match::Source(c) | Match::Destination(c) => c.iter().any(|c| c.addr.is_ipv6()),
        _ => false,
    })
}

fn table_of_command(cmd: &str) -> Option<String> {
    if !cmd.contains("iptables") {
        return None;
    }
    let w: Vec<&str> = cmd.split_whitespace().collect();
    let i = w.iter().position(|x| *x == "-t" || *x == "--table");
    Some(match i.and_then(|i| w.get(i + 1)) {
        Some(t) => (*t).to_owned(),
        None => "filter".to_owned(),
    })
}

/// `35398`, `11M`, `308K`: listings without `-x` round to powers of 1000.
fn count(s: &str) -> Option<(u64, bool)> {
    let (digits, mult) = match s.char_indices().last()? {
        (i, 'K') => (&s[..i], 1_000),
        (i, 'M') => (&s[..i], 1_000_000),
        (i, 'G') => (&s[..i], 1_000_000_000),
        (i, 'T') => (&s[..i], 1_000_000_000_000),
        _ => (s, 1),
    };
    let v: u64 = digits.parse().ok()?;
    Some((v.saturating_mul(mult), mult > 1))
}

fn counters(p: &str, b: &str) -> Option<Counters> {
    let (packets, pa) = count(p)?;
    let (bytes, ba) = count(b)?;
    Some(Counters {
        packets,
        bytes,
        approximate: pa || ba,
    })
}

fn list_row(line: &str, c: Columns, n: usize, diags: &mut Vec<Diagnostic>) -> Option<Rule> {
    let f = fields(line);
    let mut i = usize::from(c.num);
    let mut rule_counters = None;
    if c.counters {
        rule_counters = Some(counters(f.get(i)?.1, f.get(i + 1)?.1)?);
        i += 2;
    }
    // An empty target column shifts the words: the opt field (`--`) then sits second.
    let is_opt = |s: &str| matches!(s, "--" | "-f" | "!f");
    let target_name = if is_opt(f.get(i + 1)?.1) {
        None
    } else {
        i += 1;
        Some(f.get(i - 1)?.1)
    };
    let prot = f.get(i)?.1;
    let opt = f.get(i + 1)?.1;
    i += 2;
    let mut matches = Vec::new();
    if let Some(m) = listed_proto(prot) {
        matches.push(m);
    }
    if opt != "--" {
        matches.push(negate(Match::Fragment, opt.starts_with('!')));
    }
    if c.ifaces {
        listed_iface(f.get(i)?.1, Match::InInterface, &mut matches);
        listed_iface(f.get(i + 1)?.1, Match::OutInterface, &mut matches);
        i += 2;
    }
    listed_addr(f.get(i)?.1, Match::Source, &mut matches)?;
    listed_addr(f.get(i + 1)?.1, Match::Destination, &mut matches)?;
    let extra = match f.get(i + 2) {
        Some((off, _)) => &line[*off..],
        None => "",
    };
    let (mut extra_matches, targ) = parse_extra(extra, target_name, n, diags);
    matches.append(&mut extra_matches);
    Some(Rule {
        matches,
        target: targ,
        counters: rule_counters,
        line: n,
        text: line.trim().to_owned(),
    })
}

fn listed_proto(p: &str) -> Option<Match> {
    let (neg, p) = strip_bang(p);
    match Proto::parse(p) {
        Proto::All => None,
        p => Some(negate(Match::Protocol(p), neg)),
    }
}

fn strip_bang(s: &str) -> (bool, &str) {
    match s.strip_prefix('!') {
        Some(r) => (true, r),
        None => (false, s),
    }
}

fn listed_iface(s: &str, make: fn(Iface) -> Match, out: &mut Vec<Match>) {
    let (neg, s) = strip_bang(s);
    if s != "*" && !s.is_empty() {
        out.push(negate(make(Iface::parse(s)), neg));
    }
}

fn listed_addr(s: &str, make: fn(Vec<Cidr>) -> Match, out: &mut Vec<Match>) -> Option<()> {
    let (neg, s) = strip_bang(s);
    let c = Cidr::parse(s)?;
    if !c.is_any() || neg {
        out.push(negate(make(vec![c]), neg));
    }
    Some(())
}

/// Tokens of a listing's free-form tail: `/* comments */` and `"quoted"` stay whole.
fn extra_tokens(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s.trim_start();
    while !rest.is_empty() {
        let (tok, next) = if let Some(body) = rest.strip_prefix("/*") {
            match body.find("*/") {
                Some(e) => (format!("/*{}*/", &body[..e]), &body[e + 2..]),
                None => (rest.to_owned(), ""),
            }
        } else if let Some(body) = rest.strip_prefix('"') {
            match body.find('"') {
                Some(e) => (body[..e].to_owned(), &body[e + 1..]),
                None => (body.to_owned(), ""),
            }
        } else {
            let e = rest.find(char::is_whitespace).unwrap_or(rest.len());
            (rest[..e].to_owned(), &rest[e..])
        };
        out.push(tok);
        rest = next.trim_start();
    }
    out
}

/// Words that start a known piece of a listing's tail; anything else is an unread match.
fn starts_piece(t: &str) -> bool {
    t.starts_with("/*")
        || matches!(
            t,
            "!" | "tcp"
                | "udp"
                | "sctp"
                | "dccp"
                | "udplite"
                | "multiport"
                | "state"
                | "ctstate"
                | "match-set"
                | "limit:"
                | "recent:"
                | "icmptype"
                | "ipv6-icmptype"
                | "ADDRTYPE"
                | "source"
                | "destination"
                | "reject-with"
                | "LOG"
                | "[goto]"
        )
}

fn parse_extra(
    extra: &str,
    target_name: Option<&str>,
    n: usize,
    diags: &mut Vec<Diagnostic>,
) -> (Vec<Match>, Target) {
    let toks = extra_tokens(extra);
    let mut out = Vec::new();
    let mut target_args = Vec::new();
    let mut goto = false;
    let mut neg = false;
    let mut i = 0;
    let mut unknown: Vec<Vec<String>> = Vec::new();
    while let Some(t) = toks.get(i) {
        i += 1;
        let was_neg = std::mem::take(&mut neg);
        let get = |k: usize| toks.get(k).map(String::as_str);
        let m = match t.as_str() {
            "!" => {
                neg = true;
                continue;
            }
            "[goto]" => {
                goto = true;
                continue;
            }
            c if c.starts_with("/*") => Some(Match::Comment(
                c.trim_start_matches("/*")
                    .trim_end_matches("*/")
                    .trim()
                    .to_owned(),
            )),
            "tcp" | "udp" | "sctp" | "dccp" | "udplite" => {
                while let Some(m) = get(i).and_then(port_piece) {
                    out.push(negate(m, was_neg));
                    i += 1;
                }
                continue;
            }
            "multiport" => {
                let kind = get(i).unwrap_or("");
                i += 1;
                let (mut vneg, mut v) = strip_bang(get(i).unwrap_or(""));
                if v.is_empty() && get(i) == Some("!") {
                    vneg = true;
                    i += 1;
                    v = get(i).unwrap_or("");
                }
                i += 1;
                let ports = PortRange::parse_list(v);
                ports.and_then(|p| {
                    let m = match kind {
                        "dports" => Match::DestPort(p),
                        "sports" => Match::SourcePort(p),
                        "ports" => Match::AnyPort(p),
                        _ => return None,
                    };
                    Some(negate(m, vneg))
                })
            }
            "state" | "ctstate" => {
                let (vneg, v) = strip_bang(get(i).unwrap_or(""));
                i += 1;
                Some(negate(Match::ConnState(CtState::parse_list(v)), vneg))
            }
            "match-set" => {
                let name = get(i).unwrap_or("").to_owned();
                let dirs = get(i + 1).and_then(set_dirs);
                i += 2;
                dirs.map(|dirs| Match::IpSet { name, dirs })
            }
            "limit:" if get(i) == Some("avg") => {
                let rate = get(i + 1).and_then(Rate::parse);
                let burst = match get(i + 2) {
                    Some("burst") => {
                        i += 2;
                        get(i + 1).and_then(|b| b.parse().ok())
                    }
                    _ => None,
                };
                i += 2;
                Some(Match::Limit { rate, burst })
            }
            "recent:" => Some(listed_recent(&toks, &mut i)),
            "icmptype" | "ipv6-icmptype" => {
                let mut spec = get(i).unwrap_or("").to_owned();
                i += 1;
                if get(i) == Some("code") {
                    spec = format!("{spec}/{}", get(i + 1).unwrap_or(""));
                    i += 2;
                }
                Some(Match::IcmpType {
                    v6: t == "ipv6-icmptype",
                    spec,
                })
            }
            "ADDRTYPE" if get(i) == Some("match") => {
                i += 1;
                while let Some(side) = get(i).and_then(|s| match s {
                    "src-type" => Some(Side::Src),
                    "dst-type" => Some(Side::Dst),
                    _ => None,
                }) {
                    let (vneg, v) = strip_bang(get(i + 1).unwrap_or(""));
                    let types = v.split(',').map(AddrType::parse).collect();
                    out.push(negate(Match::AddrType { side, types }, vneg));
                    i += 2;
                }
                continue;
            }
            "source" | "destination" if get(i) == Some("IP") && get(i + 1) == Some("range") => {
                let side = if t == "source" { Side::Src } else { Side::Dst };
                let r = get(i + 2).and_then(|r| r.split_once('-'));
                i += 3;
                r.and_then(|(a, b)| {
                    Some(Match::IpRange {
                        side,
                        from: a.parse().ok()?,
                        to: b.parse().ok()?,
                    })
                })
            }
            "reject-with" | "LOG" => {
                // Target options come last: the rest of the tail belongs to the target.
                target_args.extend(toks[i - 1..].iter().cloned());
                break;
            }
            _ => {
                let mut run = vec![t.clone()];
                while let Some(w) = get(i).filter(|w| !starts_piece(w)) {
                    run.push(w.to_owned());
                    i += 1;
                }
                if was_neg {
                    run.insert(0, "!".to_owned());
                }
                unknown.push(run);
                continue;
            }
        };
        match m {
            Some(m) => out.push(negate(m, was_neg)),
            None => {
                diags.push(Diagnostic::warning(format!("unreadable {t:?} in rule row")).at_line(n));
                out.push(Match::Unknown {
                    module: t.clone(),
                    args: Vec::new(),
                });
            }
        }
    }
    let target = listed_target(target_name, goto, target_args, unknown, &mut out);
    (out, target)
}

/// An extension target prints its options last, so for one the final unread run is its
/// options; every other unread run is kept as an unknown match.
fn listed_target(
    name: Option<&str>,
    goto: bool,
    mut args: Vec<String>,
    mut unknown: Vec<Vec<String>>,
    out: &mut Vec<Match>,
) -> Target {
    let Some(name) = name else {
        push_unknown(unknown, out);
        return Target::None;
    };
    if EXTENSION_TARGETS.contains(&name) && args.is_empty() {
        if let Some(last) = unknown.pop() {
            args = last;
        }
    }
    push_unknown(unknown, out);
    target_of(name, args, goto)
}

fn push_unknown(unknown: Vec<Vec<String>>, out: &mut Vec<Match>) {
    for mut run in unknown {
        let module = if run.first().is_some_and(|w| w == "!") {
            run.get(1).cloned().unwrap_or_default()
        } else {
            run.remove(0)
        };
        out.push(Match::Unknown { module, args: run });
    }
}

/// `dpt:22`, `spts:1024:65535`, `dpt:!22`, `flags:0x17/0x02` after `tcp`/`udp`.
fn port_piece(s: &str) -> Option<Match> {
    let (key, v) = s.split_once(':')?;
    let (neg, v) = strip_bang(v);
    let m = match key {
        "dpt" | "dpts" => Match::DestPort(vec![PortRange::parse(v)?]),
        "spt" | "spts" => Match::SourcePort(vec![PortRange::parse(v)?]),
        "flags" => {
            let (mask, set) = v.split_once('/')?;
            Match::TcpFlags {
                mask: u8::from_str_radix(mask.trim_start_matches("0x"), 16).ok()?,
                set: u8::from_str_radix(set.trim_start_matches("0x"), 16).ok()?,
            }
        }
        _ => return None,
    };
    Some(negate(m, neg))
}

/// `recent: UPDATE seconds: 60 hit_count: 4 name: DEFAULT side: source mask: 255.255.255.255`
fn listed_recent(toks: &[String], i: &mut usize) -> Match {
    let mut name = None;
    let mut action = None;
    let mut seconds = None;
    let mut hitcount = None;
    let mut side = Side::Src;
    let mut rttl = false;
    while let Some(t) = toks.get(*i) {
        let v = toks.get(*i + 1);
        let step = match t.as_str() {
            "SET" | "CHECK" | "UPDATE" | "REMOVE" => {
                action = Some(match t.as_str() {
                    "SET" => RecentAction::Set,
                    "CHECK" => RecentAction::Check,
                    "UPDATE" => RecentAction::Update,
                    _ => RecentAction::Remove,
                });
                1
            }
            "TTL-Match" => {
                rttl = true;
                1
            }
            "reap" => 1,
            "seconds:" => {
                seconds = v.and_then(|v| v.parse().ok());
                2
            }
            "hit_count:" => {
                hitcount = v.and_then(|v| v.parse().ok());
                2
            }
            "name:" => {
                name = v.cloned();
                2
            }
            "side:" => {
                side = if v.is_some_and(|v| v == "dest") {
                    Side::Dst
                } else {
                    Side::Src
                };
                2
            }
            "mask:" => 2,
            _ => break,
        };
        *i += step;
    }
    Match::Recent {
        name,
        action,
        seconds,
        hitcount,
        side,
        rttl,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAVE: &str = r#"# Generated by iptables-save v1.8.7 on Mon Nov 23 14:05:01 2026
*filter
:INPUT DROP [1200:96000]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [88:7040]
:f2b-sshd - [0:0]
:SSH-LIMIT - [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A INPUT -p tcp -m multiport --dports 22,2222 -j f2b-sshd
-A INPUT -p tcp -m tcp --dport 22 -m conntrack --ctstate NEW -m recent --set --name SSH --rsource
-A INPUT -p tcp -m tcp --dport 22 -m conntrack --ctstate NEW -m recent --update --seconds 60 --hitcount 4 --name SSH --rsource -j DROP
-A INPUT -s 10.20.0.0/16 ! -i eth1+ -p tcp -m tcp --dport 22 -m comment --comment "admin \"ssh\" net" -j ACCEPT
-A INPUT -m iprange --src-range 192.0.2.10-192.0.2.20 -m addrtype ! --dst-type BROADCAST -g SSH-LIMIT
-A INPUT -p tcp --syn -m u32 --u32 "0>>22&0x3C@12>>26&0x3C@0=0" -j LOG --log-prefix "odd syn: " --log-level 4
-A INPUT -m limit --limit 3/min --limit-burst 10 -j LOG --log-prefix "[INPUT DROP] "
-A INPUT -p icmp -m icmp --icmp-type 8 -j ACCEPT
-A INPUT -j REJECT --reject-with icmp-host-prohibited
-A f2b-sshd -m set --match-set f2b-sshd src -j REJECT --reject-with icmp-port-unreachable
-A f2b-sshd -j RETURN
-I f2b-sshd 1 -s 203.0.113.9/32 -j DROP
COMMIT
"#;

    #[test]
    fn save_chains_policies_and_lines() {
        let mut d = Vec::new();
        let rs = parse_save(SAVE, &mut d);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(rs.family, Family::V4);
        let input = rs.chain("filter", "INPUT").unwrap();
        assert_eq!(input.policy, Some(Verdict::Drop));
        assert_eq!(input.line, 3);
        assert_eq!(input.counters.map(|c| c.packets), Some(1200));
        assert_eq!(input.rules.len(), 11);
        assert_eq!(rs.chain("filter", "f2b-sshd").unwrap().policy, None);
        let cases: &[(usize, usize, &[Match], Target)] = &[
            (
                0,
                8,
                &[Match::InInterface(Iface {
                    name: "lo".into(),
                    wildcard: false,
                })],
                Target::Accept,
            ),
            (
                1,
                9,
                &[Match::ConnState(vec![
                    CtState::Related,
                    CtState::Established,
                ])],
                Target::Accept,
            ),
            (
                2,
                10,
                &[
                    Match::Protocol(Proto::Tcp),
                    Match::DestPort(vec![
                        PortRange {
                            first: 22,
                            last: 22,
                        },
                        PortRange {
                            first: 2222,
                            last: 2222,
                        },
                    ]),
                ],
                Target::Jump("f2b-sshd".into()),
            ),
            (
                4,
                12,
                &[
                    Match::Protocol(Proto::Tcp),
                    Match::DestPort(vec![PortRange {
                        first: 22,
                        last: 22,
                    }]),
                    Match::ConnState(vec![CtState::New]),
                    Match::Recent {
                        name: Some("SSH".into()),
                        action: Some(RecentAction::Update),
                        seconds: Some(60),
                        hitcount: Some(4),
                        side: Side::Src,
                        rttl: false,
                    },
                ],
                Target::Drop,
            ),
            (
                9,
                17,
                &[
                    Match::Protocol(Proto::Icmp),
                    Match::IcmpType {
                        v6: false,
                        spec: "8".into(),
                    },
                ],
                Target::Accept,
            ),
        ];
        for (i, line, matches, target) in cases {
            let r = &input.rules[*i];
            assert_eq!(r.line, *line, "rule {i}");
            assert_eq!(&r.matches, matches, "rule {i}");
            assert_eq!(&r.target, target, "rule {i}");
            assert_eq!(r.text, SAVE.lines().nth(line - 1).unwrap());
        }
    }

    #[test]
    fn save_negation_quotes_and_unknown_modules() {
        let mut d = Vec::new();
        let rs = parse_save(SAVE, &mut d);
        let input = rs.chain("filter", "INPUT").unwrap();
        let admin = &input.rules[5];
        assert!(admin
            .matches
            .contains(&Match::Source(vec![Cidr::parse("10.20.0.0/16").unwrap()])));
        assert!(admin
            .matches
            .contains(&Match::Not(Box::new(Match::InInterface(Iface {
                name: "eth1".into(),
                wildcard: true
            })))));
        assert!(admin
            .matches
            .contains(&Match::Comment("admin \"ssh\" net".into())));
        let range = &input.rules[6];
        assert_eq!(range.target, Target::Goto("SSH-LIMIT".into()));
        assert!(range
            .matches
            .contains(&Match::Not(Box::new(Match::AddrType {
                side: Side::Dst,
                types: vec![AddrType::Broadcast]
            }))));
        assert!(matches!(
            range.matches[0],
            Match::IpRange {
                side: Side::Src,
                ..
            }
        ));
        let odd = &input.rules[7];
        assert!(odd.matches.contains(&Match::TcpFlags {
            mask: 0x17,
            set: 0x02
        }));
        assert!(odd.matches.iter().any(
            |m| matches!(m, Match::Unknown { module, args } if module == "u32" && args.len() == 2)
        ));
        assert_eq!(
            odd.target,
            Target::Log {
                prefix: Some("odd syn: ".into()),
                level: Some("4".into())
            }
        );
        assert_eq!(
            input.rules[8].matches,
            vec![Match::Limit {
                rate: Some(Rate {
                    count: 3,
                    per: Per::Minute
                }),
                burst: Some(10)
            }]
        );
        let f2b = rs.chain("filter", "f2b-sshd").unwrap();
        assert_eq!(f2b.rules[0].line, 21, "-I 1 goes first");
        assert_eq!(
            f2b.rules[1].matches,
            vec![Match::IpSet {
                name: "f2b-sshd".into(),
                dirs: vec![Side::Src]
            }]
        );
        assert_eq!(
            f2b.rules[1].target,
            Target::Reject {
                with: Some("icmp-port-unreachable".into())
            }
        );
    }

    #[test]
    fn save_odd_lines_become_diagnostics() {
        let text = "-P INPUT DROP\n-A INPUT -p tcp --dport 22 -j ACCEPT\nbogus line\n-A INPUT --comment \"open\n[5:300] -A INPUT -s 2001:db8::/32 -j DROP\n";
        let mut d = Vec::new();
        let rs = parse_save(text, &mut d);
        let input = rs.chain("filter", "INPUT").unwrap();
        assert_eq!(input.policy, Some(Verdict::Drop));
        assert_eq!(input.rules.len(), 3);
        assert_eq!(input.rules[2].counters.map(|c| c.bytes), Some(300));
        assert_eq!(rs.family, Family::V6);
        let lines: Vec<_> = d.iter().map(|d| (d.level, d.line)).collect();
        assert!(lines.contains(&(crate::model::Level::Info, Some(1))));
        assert!(lines.contains(&(crate::model::Level::Warning, Some(3))));
        assert!(lines.contains(&(crate::model::Level::Warning, Some(4))));
    }

    const LIST: &str = "\
root@web01:~# iptables -L -n -v --line-numbers
Chain INPUT (policy DROP 1523 packets, 91380 bytes)
num   pkts bytes target     prot opt in     out     source               destination
1    2100K  880M ACCEPT     all  --  lo     *       0.0.0.0/0            0.0.0.0/0
2      14K 1120K f2b-sshd   tcp  --  *      *       0.0.0.0/0            0.0.0.0/0            multiport dports 22,2222
3        9   540 DROP       tcp  --  *      *       0.0.0.0/0            0.0.0.0/0            tcp dpt:22 ctstate NEW recent: UPDATE seconds: 60 hit_count: 4 name: DEFAULT side: source mask: 255.255.255.255
4        0     0            all  --  *      *       198.51.100.0/24      0.0.0.0/0
5      120  7200 ACCEPT     tcp  --  !eth9  *       10.0.0.0/8           0.0.0.0/0            tcp dpt:22 state NEW /* admin ssh */
6        3   180 LOG        all  --  *      *       0.0.0.0/0            0.0.0.0/0            limit: avg 3/min burst 10 LOG flags 0 level 4 prefix \"[DROP] \"
7        0     0 ACCEPT     tcp  --  *      *       0.0.0.0/0            0.0.0.0/0            mark match 0x1 tcp dpt:2200

Chain f2b-sshd (1 references)
num   pkts bytes target     prot opt in     out     source               destination
1        5   300 REJECT     all  --  *      *       0.0.0.0/0            0.0.0.0/0            match-set f2b-sshd src reject-with icmp-port-unreachable
2      14K 1110K RETURN     all  --  *      *       0.0.0.0/0            0.0.0.0/0
root@web01:~#
";

    #[test]
    fn listing_rows() {
        let mut d = Vec::new();
        let rs = parse_list(LIST, &mut d);
        assert!(
            d.iter().all(|d| d.level == crate::model::Level::Info),
            "{d:?}"
        );
        assert_eq!(d.len(), 2);
        let input = rs.chain("filter", "INPUT").unwrap();
        assert_eq!(input.policy, Some(Verdict::Drop));
        assert_eq!(input.counters.map(|c| c.packets), Some(1523));
        assert_eq!(input.rules.len(), 7);
        let r = &input.rules[0];
        assert_eq!(
            r.counters.map(|c| (c.packets, c.approximate)),
            Some((2_100_000, true))
        );
        let cases: &[(usize, usize, Target)] = &[
            (1, 5, Target::Jump("f2b-sshd".into())),
            (2, 6, Target::Drop),
            (3, 7, Target::None),
            (4, 8, Target::Accept),
            (
                5,
                9,
                Target::Log {
                    prefix: Some("[DROP] ".into()),
                    level: Some("4".into()),
                },
            ),
        ];
        for (i, line, target) in cases {
            assert_eq!(input.rules[*i].line, *line);
            assert_eq!(&input.rules[*i].target, target);
        }
        assert!(input.rules[2].matches.contains(&Match::Recent {
            name: Some("DEFAULT".into()),
            action: Some(RecentAction::Update),
            seconds: Some(60),
            hitcount: Some(4),
            side: Side::Src,
            rttl: false,
        }));
        assert_eq!(
            input.rules[3].matches,
            vec![Match::Source(vec![Cidr::parse("198.51.100.0/24").unwrap()])]
        );
        let admin = &input.rules[4].matches;
        assert!(admin.contains(&Match::Comment("admin ssh".into())));
        assert!(admin.contains(&Match::ConnState(vec![CtState::New])));
        assert!(
            admin.contains(&Match::Not(Box::new(Match::InInterface(Iface {
                name: "eth9".into(),
                wildcard: false
            }))))
        );
        assert!(input.rules[5].matches.contains(&Match::Limit {
            rate: Some(Rate {
                count: 3,
                per: Per::Minute
            }),
            burst: Some(10)
        }));
        assert!(input.rules[6].matches.contains(&Match::Unknown {
            module: "mark".into(),
            args: vec!["match".into(), "0x1".into()]
        }));
        assert!(input.rules[6]
            .matches
            .contains(&Match::DestPort(vec![PortRange {
                first: 2200,
                last: 2200
            }])));
        let f2b = rs.chain("filter", "f2b-sshd").unwrap();
        assert_eq!(f2b.references, Some(1));
        assert_eq!(
            f2b.rules[0].target,
            Target::Reject {
                with: Some("icmp-port-unreachable".into())
            }
        );
        assert_eq!(
            f2b.rules[0].matches,
            vec![Match::IpSet {
                name: "f2b-sshd".into(),
                dirs: vec![Side::Src]
            }]
        );
    }

    #[test]
    fn listing_without_counters_and_odd_rows() {
        let text = "Chain INPUT (policy ACCEPT)\ntarget     prot opt source               destination\nACCEPT     tcp  --  0.0.0.0/0            0.0.0.0/0            tcp dpt:22\nDROP  garbage\nstray\n";
        let mut d = Vec::new();
        let rs = parse_list(text, &mut d);
        let input = rs.chain("filter", "INPUT").unwrap();
        assert_eq!(input.rules.len(), 1);
        assert_eq!(input.rules[0].counters, None);
        assert_eq!(
            d.iter().filter_map(|d| d.line).collect::<Vec<_>>(),
            vec![4, 5]
        );
    }

    #[test]
    fn counters_and_sniffers() {
        assert_eq!(count("9501K"), Some((9_501_000, true)));
        assert!(sniff_save(SAVE) > 0.9);
        assert!(sniff_list(LIST) > 0.9);
        assert_eq!(sniff_save(LIST), 0.0);
        assert_eq!(sniff_list(SAVE), 0.0);
    }

    #[test]
    fn never_panics_on_fragments() {
        for text in [SAVE, LIST] {
            for cut in 0..text.len() {
                if let Some(head) = text.get(..cut) {
                    let mut d = Vec::new();
                    parse_save(head, &mut d);
                    parse_list(head, &mut d);
                }
            }
        }
        let mut d = Vec::new();
        parse_save(
            "-A\n-A X -p\n-A X -m\n-A X !\n-A X -j\n*\n:\n-I X 0\n-m tcp --dport\n",
            &mut d,
        );
        parse_list("Chain X (policy DROP)\npkts bytes target prot opt in out source destination\n1 2\n1 2 -- -- \n", &mut d);
    }
}
