//! nftables rulesets, typed precisely enough to decide offline what the kernel does with a
//! new TCP connection to port 22.
//!
//! Reads the two shapes a bundle holds:
//!
//! * `nft list ruleset` / `nft list table ...` text (sosreport `nft_list_ruleset`,
//!   `/etc/nftables.conf`, `/etc/sysconfig/nftables.conf`):
//!
//!   ```text
//!   table inet filter {
//!       set f2b-sshd {
//!           type ipv4_addr
//!           elements = { 192.0.2.1, 198.51.100.0/24 }
//!       }
//!       chain input {
//!           type filter hook input priority filter; policy drop;
//!           ct state established,related accept
//!           ip saddr @f2b-sshd reject # handle 7
//!           tcp dport { 22, 2222 } ct state new counter packets 3 bytes 180 accept
//!       }
//!   }
//!   ```
//! * `nft -j list ruleset` JSON (libnftables-json): a flat `nftables` array of table,
//!   chain, rule and set objects. A rule's line is where its object starts (1 for the
//!   usual single-line output) and its text names its index in the array.
//!
//! Every statement is kept: typed when understood, [`Statement::Unknown`] otherwise, so an
//! evaluator can say "cannot decide" instead of guessing. Every line not used becomes a
//! diagnostic; terminal prompt lines are tolerated as info.

use std::net::IpAddr;

use serde_json::Value as Json;

use super::iptables::{prompt_command, Cidr, Counters, PortRange, Rate};
use crate::model::Diagnostic;
use crate::util::index_or_push;

/// The address family of a table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Family {
    Ip,
    Ip6,
    Inet,
    Arp,
    Bridge,
    Netdev,
    Other(String),
}

impl Family {
    fn parse(s: &str) -> Family {
        match s {
            "ip" => Family::Ip,
            "ip6" => Family::Ip6,
            "inet" => Family::Inet,
            "arp" => Family::Arp,
            "bridge" => Family::Bridge,
            "netdev" => Family::Netdev,
            o => Family::Other(o.to_owned()),
        }
    }

    fn is_family(s: &str) -> bool {
        !matches!(Family::parse(s), Family::Other(_))
    }
}

/// The netfilter hook a base chain is attached to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Hook {
    Prerouting,
    Input,
    Forward,
    Output,
    Postrouting,
    Ingress,
    Egress,
    Other(String),
}

impl Hook {
    fn parse(s: &str) -> Hook {
        match s {
            "prerouting" => Hook::Prerouting,
            "input" => Hook::Input,
            "forward" => Hook::Forward,
            "output" => Hook::Output,
            "postrouting" => Hook::Postrouting,
            "ingress" => Hook::Ingress,
            "egress" => Hook::Egress,
            o => Hook::Other(o.to_owned()),
        }
    }
}

/// A verdict: a chain's policy, or how a rule ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Accept,
    Drop,
    /// `reject [with ...]`, the `with` part as written.
    Reject(Option<String>),
    Return,
    Continue,
    Queue,
    Jump(String),
    Goto(String),
}

impl Verdict {
    fn simple(s: &str) -> Option<Verdict> {
        Some(match s {
            "accept" => Verdict::Accept,
            "drop" => Verdict::Drop,
            "return" => Verdict::Return,
            "continue" => Verdict::Continue,
            "queue" => Verdict::Queue,
            "reject" => Verdict::Reject(None),
            _ => return None,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IpVer {
    V4,
    V6,
}

/// The transport header a port selector reads; `th` is "any transport header".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum L4 {
    Tcp,
    Udp,
    Sctp,
    Dccp,
    Udplite,
    Th,
}

/// The left side of a match: which packet or connection property it reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selector {
    Saddr(IpVer),
    Daddr(IpVer),
    Sport(L4),
    Dport(L4),
    /// `meta l4proto`.
    L4Proto,
    /// `ip protocol`.
    IpProtocol,
    /// `ip6 nexthdr`.
    Ip6Nexthdr,
    NfProto,
    CtState,
    CtStatus,
    Iif,
    IifName,
    Oif,
    OifName,
    TcpFlags,
    IcmpType,
    Icmpv6Type,
    /// Any other selector, as written (`meta mark`, `ip dscp`).
    Other(String),
}

impl Selector {
    /// `proto field` as text writes it and JSON `payload` names it.
    fn of(proto: &str, field: &str) -> Selector {
        let l4 = |p: &str| {
            Some(match p {
                "tcp" => L4::Tcp,
                "udp" => L4::Udp,
                "sctp" => L4::Sctp,
                "dccp" => L4::Dccp,
                "udplite" => L4::Udplite,
                "th" => L4::Th,
                _ => return None,
            })
        };
        match (proto, field) {
            ("ip", "saddr") => Selector::Saddr(IpVer::V4),
            ("ip", "daddr") => Selector::Daddr(IpVer::V4),
            ("ip6", "saddr") => Selector::Saddr(IpVer::V6),
            ("ip6", "daddr") => Selector::Daddr(IpVer::V6),
            ("ip", "protocol") => Selector::IpProtocol,
            ("ip6", "nexthdr") => Selector::Ip6Nexthdr,
            ("tcp", "flags") => Selector::TcpFlags,
            ("icmp", "type") => Selector::IcmpType,
            ("icmpv6", "type") => Selector::Icmpv6Type,
            ("meta" | "", "l4proto") => Selector::L4Proto,
            ("meta" | "", "nfproto") => Selector::NfProto,
            ("meta" | "", "iif") => Selector::Iif,
            ("meta" | "", "iifname") => Selector::IifName,
            ("meta" | "", "oif") => Selector::Oif,
            ("meta" | "", "oifname") => Selector::OifName,
            ("ct", "state") => Selector::CtState,
            ("ct", "status") => Selector::CtStatus,
            (p, "sport") if l4(p).is_some() => Selector::Sport(l4(p).unwrap_or(L4::Th)),
            (p, "dport") if l4(p).is_some() => Selector::Dport(l4(p).unwrap_or(L4::Th)),
            ("", f) => Selector::Other(f.to_owned()),
            (p, f) => Selector::Other(format!("{p} {f}")),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
}

impl Op {
    fn parse(s: &str) -> Option<Op> {
        Some(match s {
            "==" | "eq" | "in" => Op::Eq,
            "!=" | "ne" => Op::Ne,
            "<" | "lt" => Op::Lt,
            ">" | "gt" => Op::Gt,
            "<=" | "le" => Op::Le,
            ">=" | "ge" => Op::Ge,
            _ => return None,
        })
    }
}

/// The right side of a match, typed by what the selector reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Addr(Cidr),
    AddrRange(IpAddr, IpAddr),
    Ports(PortRange),
    Num(u64),
    /// A symbolic value: `established`, `tcp`, an interface name.
    Name(String),
    /// An anonymous set `{ 22, 2222 }` or a list `established,related`: any of them.
    Set(Vec<Value>),
    /// `@name`: a named set of the table.
    SetRef(String),
    Other(String),
}

/// `selector [op] value`; `mask` holds the `& (fin|syn)` part of a bitwise test.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NftMatch {
    pub selector: Selector,
    pub op: Op,
    pub value: Value,
    pub mask: Option<String>,
}

/// `limit rate [over] 3/minute [burst 5 packets]`; `over` inverts it (matches above the rate).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limit {
    /// `None` for byte rates (`10 mbytes/second`), which `text` still shows.
    pub rate: Option<Rate>,
    pub over: bool,
    pub burst: Option<u64>,
    pub text: String,
}

/// One statement of a rule, in order, except the final verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Statement {
    Match(NftMatch),
    /// `counter [packets N bytes M]`.
    Counter(Option<Counters>),
    Log {
        prefix: Option<String>,
        level: Option<String>,
    },
    Limit(Limit),
    /// `meter NAME { KEY limit rate ... }`: a per-key rate limit.
    Meter {
        name: String,
        key: String,
        limit: Option<Limit>,
    },
    /// `set add ip saddr @blackhole` / `add @blackhole { ip saddr }`.
    SetUpdate {
        set: String,
        key: String,
    },
    /// `KEY vmap @map` / `vmap { ... }`: the verdict comes from a map. An inline map's
    /// elements are in `entries` (key, verdict as written); a named map's are in its set.
    VerdictMap {
        key: Selector,
        map: Value,
        entries: Vec<(Value, String)>,
    },
    /// A statement this parser does not type, as written.
    Unknown(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NftRule {
    pub exprs: Vec<Statement>,
    /// `None` when the rule ends without one: evaluation continues with the next rule.
    pub verdict: Option<Verdict>,
    pub handle: Option<u64>,
    pub line: usize,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NftChain {
    pub name: String,
    /// `filter`, `nat`, `route` for base chains.
    pub kind: Option<String>,
    pub hook: Option<Hook>,
    pub priority: Option<i32>,
    pub policy: Option<Verdict>,
    /// The line that declares the policy (`... policy drop;`), which may follow the
    /// chain's opening line.
    pub policy_line: Option<usize>,
    pub rules: Vec<NftRule>,
    pub line: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetKind {
    Set,
    Map,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetElement {
    pub value: Value,
    /// A map element's data (`accept`, `10.0.0.1`) as written.
    pub data: Option<String>,
    pub line: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NftSet {
    pub name: String,
    pub kind: SetKind,
    pub key_type: Option<String>,
    pub flags: Vec<String>,
    pub elements: Vec<SetElement>,
    pub line: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NftTable {
    pub family: Family,
    pub name: String,
    pub chains: Vec<NftChain>,
    pub sets: Vec<NftSet>,
    pub line: usize,
}

impl NftTable {
    pub fn chain(&self, name: &str) -> Option<&NftChain> {
        self.chains.iter().find(|c| c.name == name)
    }

    pub fn set(&self, name: &str) -> Option<&NftSet> {
        self.sets.iter().find(|s| s.name == name)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct NftRuleset {
    pub tables: Vec<NftTable>,
}

impl NftRuleset {
    pub fn table(&self, family: &Family, name: &str) -> Option<&NftTable> {
        self.tables
            .iter()
            .find(|t| &t.family == family && t.name == name)
    }

    /// Base chains on a hook, lowest priority first, as the kernel runs them.
    pub fn hooked(&self, hook: &Hook) -> Vec<(&NftTable, &NftChain)> {
        let mut v: Vec<_> = self
            .tables
            .iter()
            .flat_map(|t| t.chains.iter().map(move |c| (t, c)))
            .filter(|(_, c)| c.hook.as_ref() == Some(hook))
            .collect();
        v.sort_by_key(|(_, c)| c.priority.unwrap_or(0));
        v
    }

    fn table_index(&mut self, family: Family, name: &str, line: usize) -> usize {
        index_or_push(
            &mut self.tables,
            |t| t.family == family && t.name == name,
            || NftTable {
                family: family.clone(),
                name: name.to_owned(),
                chains: Vec::new(),
                sets: Vec::new(),
                line,
            },
        )
    }
}

fn chain_index(t: &mut NftTable, name: &str, line: usize) -> usize {
    index_or_push(
        &mut t.chains,
        |c| c.name == name,
        || NftChain {
            name: name.to_owned(),
            kind: None,
            hook: None,
            priority: None,
            policy: None,
            policy_line: None,
            rules: Vec::new(),
            line,
        },
    )
}

// ---------------------------------------------------------------------------------------
// Sniffers

/// Confidence that a text is `nft list` output.
pub fn sniff(head: &str) -> f32 {
    let mut table = false;
    let mut chain = false;
    for l in head.lines().map(str::trim) {
        let w: Vec<&str> = l.split_whitespace().collect();
        match w.as_slice() {
            ["table", f, _, "{", ..] if Family::is_family(f) => table = true,
            ["table", _, "{", ..] => table = true,
            ["chain", _, "{", ..] | ["set", _, "{", ..] => chain = true,
            ["type", _, "hook", ..] => chain = true,
            _ => {}
        }
    }
    match (table, chain) {
        (true, true) => 0.95,
        (true, false) => 0.5,
        _ => 0.0,
    }
}

/// Confidence that a text is `nft -j list ...` JSON.
pub fn sniff_json(head: &str) -> f32 {
    let t = head.trim_start();
    if t.starts_with('{') && t.contains("\"nftables\"") {
        if t.contains("\"metainfo\"") || t.contains("\"table\"") {
            0.95
        } else {
            0.6
        }
    } else {
        0.0
    }
}

// ---------------------------------------------------------------------------------------
// Text tokens

#[derive(Clone, Debug, PartialEq, Eq)]
struct Tok {
    text: String,
    quoted: bool,
}

impl Tok {
    fn is(&self, s: &str) -> bool {
        !self.quoted && self.text == s
    }
}

/// Words, `"strings"`, and `{ } , ;` as tokens of their own.
fn tokens(s: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let flush = |cur: &mut String, out: &mut Vec<Tok>| {
        if !cur.is_empty() {
            out.push(Tok {
                text: std::mem::take(cur),
                quoted: false,
            });
        }
    };
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                flush(&mut cur, &mut out);
                let mut q = String::new();
                for c in chars.by_ref() {
                    if c == '"' {
                        break;
                    }
                    q.push(c);
                }
                out.push(Tok {
                    text: q,
                    quoted: true,
                });
            }
            '{' | '}' | ',' | ';' => {
                flush(&mut cur, &mut out);
                out.push(Tok {
                    text: c.to_string(),
                    quoted: false,
                });
            }
            c if c.is_whitespace() => flush(&mut cur, &mut out),
            c => cur.push(c),
        }
    }
    flush(&mut cur, &mut out);
    out
}

/// Cuts a `#` comment outside quotes; returns the code and the comment.
fn split_comment(line: &str) -> (&str, Option<&str>) {
    let mut quoted = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '#' if !quoted => return (&line[..i], Some(&line[i + 1..])),
            _ => {}
        }
    }
    (line, None)
}

fn handle_of(comment: Option<&str>) -> Option<u64> {
    comment?.trim().strip_prefix("handle")?.trim().parse().ok()
}

fn brace_balance(s: &str) -> i32 {
    let mut quoted = false;
    let mut d = 0;
    for c in s.chars() {
        match c {
            '"' => quoted = !quoted,
            '{' if !quoted => d += 1,
            '}' if !quoted => d -= 1,
            _ => {}
        }
    }
    d
}

// ---------------------------------------------------------------------------------------
// Text ruleset

/// Where the reader is in the nested text.
#[derive(Clone, Copy, Debug)]
enum Scope {
    Table(usize),
    Chain(usize, usize),
}

/// A multi-line construct being gathered until its braces balance.
struct Pending {
    kind: PendingKind,
    start: usize,
    lines: Vec<(usize, String)>,
    depth: i32,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum PendingKind {
    Set(usize, usize),
    Rule(usize, usize),
    Skip,
}

/// Reads `nft list ruleset` / `nft list table` text.
pub fn parse(text: &str, diags: &mut Vec<Diagnostic>) -> NftRuleset {
    let mut rs = NftRuleset::default();
    let mut stack: Vec<Scope> = Vec::new();
    let mut pending: Option<Pending> = None;
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        if let Some(p) = pending.as_mut() {
            p.depth += brace_balance(split_comment(raw).0);
            p.lines.push((n, raw.to_owned()));
            if p.depth <= 0 {
                if let Some(p) = pending.take() {
                    finish_pending(&mut rs, p, diags);
                }
            }
            continue;
        }
        let (code, comment) = split_comment(raw);
        let line = code.trim();
        if line.is_empty() {
            if comment.is_some() && stack.is_empty() && prompt_command(raw).is_some() {
                diags.push(Diagnostic::info("terminal prompt line skipped").at_line(n));
            }
            continue;
        }
        if prompt_command(raw).is_some() {
            diags.push(Diagnostic::info("terminal prompt line skipped").at_line(n));
            continue;
        }
        let toks = tokens(line);
        let words: Vec<&str> = toks.iter().map(|t| t.text.as_str()).collect();
        let scope = stack.last().copied();
        match (scope, words.as_slice()) {
            (_, ["}"]) | (_, ["}", ";"]) => {
                if stack.pop().is_none() {
                    diags.push(Diagnostic::warning("unbalanced closing brace").at_line(n));
                }
            }
            (None, ["table", rest @ ..]) if rest.last() == Some(&"{") => {
                let (family, name) = match rest {
                    [f, name, "{"] => (Family::parse(f), *name),
                    [name, "{"] => (Family::Ip, *name),
                    _ => {
                        diags.push(Diagnostic::warning("unreadable table header").at_line(n));
                        stack.push(Scope::Table(rs.table_index(Family::Ip, "?", n)));
                        continue;
                    }
                };
                stack.push(Scope::Table(rs.table_index(family, name, n)));
            }
            (Some(Scope::Table(t)), ["chain", name, "{"]) => {
                let c = chain_index(&mut rs.tables[t], name, n);
                rs.tables[t].chains[c].line = n;
                stack.push(Scope::Chain(t, c));
            }
            (Some(Scope::Table(t)), [k @ ("set" | "map"), name, "{", ..]) => {
                let kind = if *k == "set" {
                    SetKind::Set
                } else {
                    SetKind::Map
                };
                rs.tables[t].sets.push(NftSet {
                    name: (*name).to_owned(),
                    kind,
                    key_type: None,
                    flags: Vec::new(),
                    elements: Vec::new(),
                    line: n,
                });
                let idx = rs.tables[t].sets.len() - 1;
                start_pending(
                    &mut rs,
                    PendingKind::Set(t, idx),
                    n,
                    raw,
                    &mut pending,
                    diags,
                );
            }
            (Some(Scope::Table(_)), [.., "{"]) => {
                diags
                    .push(Diagnostic::warning(format!("table object not read: {line}")).at_line(n));
                start_pending(&mut rs, PendingKind::Skip, n, raw, &mut pending, diags);
            }
            (Some(Scope::Chain(t, c)), ["type", ..] | ["policy", ..]) => {
                base_chain(&mut rs.tables[t].chains[c], &toks, n, diags);
            }
            (Some(Scope::Chain(t, c)), _) => {
                if brace_balance(code) > 0 {
                    start_pending(
                        &mut rs,
                        PendingKind::Rule(t, c),
                        n,
                        raw,
                        &mut pending,
                        diags,
                    );
                } else {
                    let rule = parse_rule(line, handle_of(comment), n, raw.trim(), diags);
                    rs.tables[t].chains[c].rules.push(rule);
                }
            }
            (Some(Scope::Table(_)), _) => {
                diags
                    .push(Diagnostic::info(format!("table attribute not read: {line}")).at_line(n));
            }
            (None, _) => {
                diags
                    .push(Diagnostic::warning(format!("unrecognised nft line: {line}")).at_line(n));
            }
        }
    }
    if let Some(p) = pending {
        diags.push(Diagnostic::warning("block not closed at the end of the text").at_line(p.start));
        finish_pending(&mut rs, p, diags);
    }
    if !stack.is_empty() {
        diags.push(Diagnostic::warning(format!(
            "{} block(s) not closed at the end of the text",
            stack.len()
        )));
    }
    rs
}

fn start_pending(
    rs: &mut NftRuleset,
    kind: PendingKind,
    n: usize,
    raw: &str,
    pending: &mut Option<Pending>,
    diags: &mut Vec<Diagnostic>,
) {
    let p = Pending {
        kind,
        start: n,
        lines: vec![(n, raw.to_owned())],
        depth: brace_balance(split_comment(raw).0),
    };
    if p.depth <= 0 {
        finish_pending(rs, p, diags);
    } else {
        *pending = Some(p);
    }
}

fn finish_pending(rs: &mut NftRuleset, p: Pending, diags: &mut Vec<Diagnostic>) {
    match p.kind {
        PendingKind::Set(t, s) => {
            if let Some(set) = rs.tables.get_mut(t).and_then(|t| t.sets.get_mut(s)) {
                fill_set(set, &p.lines, diags);
            }
        }
        PendingKind::Rule(t, c) => {
            let joined: Vec<&str> = p
                .lines
                .iter()
                .map(|(_, l)| split_comment(l).0.trim())
                .collect();
            let text: Vec<&str> = p.lines.iter().map(|(_, l)| l.trim()).collect();
            let handle = p
                .lines
                .last()
                .and_then(|(_, l)| handle_of(split_comment(l).1));
            let rule = parse_rule(&joined.join(" "), handle, p.start, &text.join(" "), diags);
            if let Some(ch) = rs.tables.get_mut(t).and_then(|t| t.chains.get_mut(c)) {
                ch.rules.push(rule);
            }
        }
        PendingKind::Skip => {}
    }
}

/// `type filter hook input priority filter + 10; policy drop;`
fn base_chain(ch: &mut NftChain, toks: &[Tok], n: usize, diags: &mut Vec<Diagnostic>) {
    for part in toks.split(|t| t.is(";")) {
        let w: Vec<&str> = part.iter().map(|t| t.text.as_str()).collect();
        match w.as_slice() {
            [] => {}
            ["type", kind, rest @ ..] => {
                ch.kind = Some((*kind).to_owned());
                let mut i = 0;
                while i < rest.len() {
                    match rest[i] {
                        "hook" => {
                            ch.hook = rest.get(i + 1).map(|h| Hook::parse(h));
                            i += 2;
                        }
                        "priority" => {
                            ch.priority = priority(rest.get(i + 1..).unwrap_or(&[]));
                            if ch.priority.is_none() {
                                diags.push(
                                    Diagnostic::warning("unreadable chain priority").at_line(n),
                                );
                            }
                            break;
                        }
                        _ => i += 1,
                    }
                }
            }
            ["policy", p] => {
                ch.policy = Verdict::simple(p);
                ch.policy_line = Some(n);
                if ch.policy.is_none() {
                    diags.push(Diagnostic::warning(format!("unknown policy {p}")).at_line(n));
                }
            }
            _ => diags.push(
                Diagnostic::info(format!("chain attribute not read: {}", w.join(" "))).at_line(n),
            ),
        }
    }
}

/// `0`, `-150`, `filter`, `filter + 10`, `mangle - 5` (inet/ip/ip6 names).
fn priority(w: &[&str]) -> Option<i32> {
    let base = |s: &str| -> Option<i32> {
        Some(match s {
            "raw" => -300,
            "mangle" => -150,
            "dstnat" => -100,
            "filter" => 0,
            "security" => 50,
            "srcnat" => 100,
            n => n.parse().ok()?,
        })
    };
    let b = base(w.first()?)?;
    match (w.get(1), w.get(2).and_then(|v| v.parse::<i32>().ok())) {
        (Some(&"+"), Some(v)) => b.checked_add(v),
        (Some(&"-"), Some(v)) => b.checked_sub(v),
        _ => Some(b),
    }
}

/// Reads a set body: `type`, `flags` and `elements = { ... }` spread over lines.
fn fill_set(set: &mut NftSet, lines: &[(usize, String)], diags: &mut Vec<Diagnostic>) {
    let mut toks: Vec<(usize, Tok)> = Vec::new();
    for (n, l) in lines {
        toks.extend(tokens(split_comment(l).0).into_iter().map(|t| (*n, t)));
    }
    // Skip `set NAME {` and the closing `}`.
    let body = toks.get(3..toks.len().saturating_sub(1)).unwrap_or(&[]);
    let mut i = 0;
    while let Some((n, t)) = body.get(i) {
        i += 1;
        match t.text.as_str() {
            "type" | "typeof" => {
                let mut ty = Vec::new();
                while let Some((_, w)) = body.get(i).filter(|(_, w)| !w.is(";") && !is_set_key(w)) {
                    ty.push(w.text.clone());
                    i += 1;
                }
                set.key_type = Some(ty.join(" "));
            }
            "flags" => {
                while let Some((_, w)) = body.get(i).filter(|(_, w)| !w.is(";") && !is_set_key(w)) {
                    if !w.is(",") {
                        set.flags.push(w.text.clone());
                    }
                    i += 1;
                }
            }
            "elements" => {
                if body.get(i).is_some_and(|(_, w)| w.is("=")) {
                    i += 1;
                }
                if body.get(i).is_some_and(|(_, w)| w.is("{")) {
                    i += 1;
                }
                i = set_elements(set, body, i);
            }
            ";" => {}
            "size" | "timeout" | "gc-interval" | "policy" | "comment" => i += 1,
            "counter" | "auto-merge" => {}
            other => diags.push(
                Diagnostic::info(format!("set {}: attribute {other:?} not read", set.name))
                    .at_line(*n),
            ),
        }
    }
}

fn is_set_key(t: &Tok) -> bool {
    !t.quoted
        && matches!(
            t.text.as_str(),
            "type"
                | "typeof"
                | "flags"
                | "elements"
                | "size"
                | "timeout"
                | "counter"
                | "policy"
                | "auto-merge"
                | "gc-interval"
                | "comment"
        )
}

/// Elements up to the closing brace; annotations (`timeout 1m expires 20s`) are skipped.
fn set_elements(set: &mut NftSet, body: &[(usize, Tok)], mut i: usize) -> usize {
    let addr = set.key_type.as_deref().is_some_and(|t| t.contains("addr"));
    let port = set
        .key_type
        .as_deref()
        .is_some_and(|t| t.contains("inet_service"));
    let hint = if addr {
        Selector::Saddr(IpVer::V4)
    } else if port {
        Selector::Dport(L4::Th)
    } else {
        Selector::Other(String::new())
    };
    let mut depth = 0;
    let mut cur: Vec<&(usize, Tok)> = Vec::new();
    let push = |cur: &mut Vec<&(usize, Tok)>, set: &mut NftSet| {
        if let Some((line, first)) = cur.first() {
            let colon = cur.iter().position(|(_, t)| t.is(":"));
            let data = colon.map(|c| {
                cur.iter()
                    .skip(c + 1)
                    .map(|(_, t)| t.text.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            });
            set.elements.push(SetElement {
                value: value_of(&hint, &first.text),
                data,
                line: *line,
            });
        }
        cur.clear();
    };
    while let Some(e) = body.get(i) {
        i += 1;
        match e.1.text.as_str() {
            "{" if !e.1.quoted => depth += 1,
            "}" if !e.1.quoted => {
                if depth == 0 {
                    break;
                }
                depth -= 1;
            }
            "," if !e.1.quoted && depth == 0 => push(&mut cur, set),
            _ => cur.push(e),
        }
    }
    push(&mut cur, set);
    i
}

/// Types a value by what its selector reads.
fn value_of(sel: &Selector, s: &str) -> Value {
    if let Some(name) = s.strip_prefix('@') {
        return Value::SetRef(name.to_owned());
    }
    match sel {
        Selector::Saddr(_) | Selector::Daddr(_) => {
            if let Some(c) = Cidr::parse(s) {
                return Value::Addr(c);
            }
            if let Some((a, b)) = s.split_once('-') {
                if let (Ok(a), Ok(b)) = (a.parse(), b.parse()) {
                    return Value::AddrRange(a, b);
                }
            }
            Value::Other(s.to_owned())
        }
        Selector::Sport(_) | Selector::Dport(_) => match PortRange::parse(s) {
            Some(p) => Value::Ports(p),
            None => Value::Other(s.to_owned()),
        },
        _ => match s.parse::<u64>() {
            Ok(v) => Value::Num(v),
            Err(_) => Value::Name(s.to_owned()),
        },
    }
}

// ---------------------------------------------------------------------------------------
// Rules

const VERDICT_WORDS: &[&str] = &[
    "accept", "drop", "reject", "return", "continue", "queue", "jump", "goto",
];
const STATEMENT_WORDS: &[&str] = &["counter", "log", "limit", "meter"];
/// Words that begin `PROTO FIELD` selectors.
const PROTOS: &[&str] = &[
    "ip", "ip6", "tcp", "udp", "sctp", "dccp", "udplite", "th", "icmp", "icmpv6", "meta", "ct",
    "ether", "vlan", "arp", "ah", "esp", "comp", "frag", "hbh", "dst", "mh", "rt", "igmp", "gre",
    "sctp", "tunnel", "ipsec", "socket",
];
/// `meta` keys nft prints without `meta`.
const META_SHORT: &[&str] = &[
    "iif", "iifname", "oif", "oifname", "mark", "skuid", "skgid", "nfproto", "pkttype", "iiftype",
    "oiftype", "cgroup", "l4proto",
];

fn parse_rule(
    code: &str,
    handle: Option<u64>,
    n: usize,
    text: &str,
    diags: &mut Vec<Diagnostic>,
) -> NftRule {
    let toks = tokens(code);
    let mut exprs = Vec::new();
    let mut verdict = None;
    let mut i = 0;
    while i < toks.len() {
        let start = i;
        match statement(&toks, &mut i) {
            Step::Stmt(s) => exprs.push(s),
            Step::Verdict(v) => {
                if verdict.is_some() {
                    diags.push(Diagnostic::warning("rule has two verdicts").at_line(n));
                }
                verdict = Some(v);
            }
        }
        if i <= start {
            // Never loop without progress on odd input.
            i = start + 1;
        }
    }
    for s in &exprs {
        if let Statement::Unknown(u) = s {
            diags.push(Diagnostic::info(format!("statement not typed: {u}")).at_line(n));
        }
    }
    NftRule {
        exprs,
        verdict,
        handle,
        line: n,
        text: text.to_owned(),
    }
}

enum Step {
    Stmt(Statement),
    Verdict(Verdict),
}

fn word(toks: &[Tok], i: usize) -> &str {
    toks.get(i).map_or("", |t| t.text.as_str())
}

fn statement(toks: &[Tok], i: &mut usize) -> Step {
    let w = word(toks, *i);
    match w {
        "accept" | "drop" | "return" | "continue" | "queue" => {
            *i += 1;
            // `queue num 3 bypass`: the options do not change what the evaluator needs.
            if w == "queue" {
                skip_to_statement(toks, i);
            }
            Step::Verdict(Verdict::simple(w).unwrap_or(Verdict::Drop))
        }
        "jump" | "goto" => {
            let target = word(toks, *i + 1).to_owned();
            *i += 2;
            Step::Verdict(if w == "jump" {
                Verdict::Jump(target)
            } else {
                Verdict::Goto(target)
            })
        }
        "reject" => {
            *i += 1;
            let with = (word(toks, *i) == "with").then(|| {
                *i += 1;
                let s = *i;
                skip_to_statement(toks, i);
                join(&toks[s..*i])
            });
            Step::Verdict(Verdict::Reject(with))
        }
        "counter" => Step::Stmt(counter(toks, i)),
        "log" => Step::Stmt(log(toks, i)),
        "limit" => {
            let s = *i;
            Step::Stmt(match limit(toks, i) {
                Some(l) => Statement::Limit(l),
                None => Statement::Unknown(join(&toks[s..(*i).max(s + 1).min(toks.len())])),
            })
        }
        "meter" => Step::Stmt(meter(toks, i)),
        "set" | "add" | "update" => Step::Stmt(set_update(toks, i)),
        _ => Step::Stmt(match_stmt(toks, i)),
    }
}

fn join(toks: &[Tok]) -> String {
    toks.iter()
        .map(|t| {
            if t.quoted {
                format!("\"{}\"", t.text)
            } else {
                t.text.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Advances to the next word that starts a statement or verdict.
fn skip_to_statement(toks: &[Tok], i: &mut usize) {
    while let Some(t) = toks.get(*i) {
        if !t.quoted
            && (VERDICT_WORDS.contains(&t.text.as_str())
                || STATEMENT_WORDS.contains(&t.text.as_str()))
        {
            break;
        }
        *i += 1;
    }
}

fn counter(toks: &[Tok], i: &mut usize) -> Statement {
    *i += 1;
    if word(toks, *i) == "packets" && word(toks, *i + 2) == "bytes" {
        let p = word(toks, *i + 1).parse();
        let b = word(toks, *i + 3).parse();
        *i += 4;
        if let (Ok(packets), Ok(bytes)) = (p, b) {
            return Statement::Counter(Some(Counters {
                packets,
                bytes,
                approximate: false,
            }));
        }
    }
    if word(toks, *i) == "name" {
        let s = *i - 1;
        *i += 2;
        return Statement::Unknown(join(&toks[s..(*i).min(toks.len())]));
    }
    Statement::Counter(None)
}

fn log(toks: &[Tok], i: &mut usize) -> Statement {
    *i += 1;
    let mut prefix = None;
    let mut level = None;
    while let Some(k) = toks.get(*i).map(|t| t.text.as_str()) {
        let v = toks.get(*i + 1).map(|t| t.text.clone());
        match k {
            "prefix" => prefix = v,
            "level" => level = v,
            "flags" | "group" | "snaplen" | "queue-threshold" => {}
            _ => break,
        }
        *i += 2;
    }
    Statement::Log { prefix, level }
}

/// `limit rate [over] 10/second [burst 5 packets]` or `limit rate 10 mbytes/second`.
fn limit(toks: &[Tok], i: &mut usize) -> Option<Limit> {
    let s = *i;
    *i += 1;
    if word(toks, *i) != "rate" {
        return None;
    }
    *i += 1;
    let over = word(toks, *i) == "over";
    if over {
        *i += 1;
    }
    let rate = Rate::parse(word(toks, *i));
    *i += 1;
    if rate.is_none() && word(toks, *i).contains('/') {
        *i += 1;
    }
    let mut burst = None;
    if word(toks, *i) == "burst" {
        burst = word(toks, *i + 1).parse().ok();
        *i += 2;
        if matches!(word(toks, *i), "packets" | "bytes" | "kbytes" | "mbytes") {
            *i += 1;
        }
    }
    Some(Limit {
        rate,
        over,
        burst,
        text: join(&toks[s..(*i).min(toks.len())]),
    })
}

/// `meter NAME [size N] { KEY [timeout T] limit rate ... }`
fn meter(toks: &[Tok], i: &mut usize) -> Statement {
    let s = *i;
    let name = word(toks, *i + 1).to_owned();
    *i += 2;
    if word(toks, *i) == "size" {
        *i += 2;
    }
    if word(toks, *i) != "{" {
        return Statement::Unknown(join(&toks[s..(*i).min(toks.len())]));
    }
    *i += 1;
    let mut key = Vec::new();
    let mut lim = None;
    while let Some(t) = toks.get(*i) {
        match t.text.as_str() {
            "}" => {
                *i += 1;
                break;
            }
            "limit" => lim = limit(toks, i),
            "timeout" => *i += 2,
            _ => {
                key.push(t.text.clone());
                *i += 1;
            }
        }
    }
    Statement::Meter {
        name,
        key: key.join(" "),
        limit: lim,
    }
}

/// `set add ip saddr timeout 1m @blackhole` or `add @blackhole { ip saddr timeout 1m }`.
fn set_update(toks: &[Tok], i: &mut usize) -> Statement {
    let s = *i;
    *i += 1;
    if word(toks, s) == "set" && !matches!(word(toks, *i), "add" | "update" | "delete") {
        *i = s;
        return match_stmt(toks, i);
    }
    if word(toks, s) == "set" {
        *i += 1;
    }
    let mut set = String::new();
    let mut key = Vec::new();
    let mut depth = 0;
    while let Some(t) = toks.get(*i) {
        let w = t.text.as_str();
        if let Some(name) = w.strip_prefix('@') {
            set = name.to_owned();
        } else if w == "{" {
            depth += 1;
        } else if w == "}" {
            depth -= 1;
            if depth <= 0 {
                *i += 1;
                break;
            }
        } else if w == "timeout" {
            *i += 1;
        } else {
            key.push(w.to_owned());
        }
        *i += 1;
        if !set.is_empty() && depth == 0 && word(toks, *i) != "{" {
            break;
        }
    }
    Statement::SetUpdate {
        set,
        key: key.join(" "),
    }
}

fn match_stmt(toks: &[Tok], i: &mut usize) -> Statement {
    let s = *i;
    let w = word(toks, *i);
    let selector = if PROTOS.contains(&w) && !toks[*i].quoted {
        let field = word(toks, *i + 1);
        *i += 2;
        Selector::of(w, field)
    } else if META_SHORT.contains(&w) {
        *i += 1;
        Selector::of("", w)
    } else {
        return unknown(toks, i, s);
    };
    // `meta mark set 1`, `ct mark set ...`: a mangling statement, not a match.
    if word(toks, *i) == "set" {
        return unknown(toks, i, s);
    }
    let mut mask = None;
    if word(toks, *i) == "&" {
        let m = word(toks, *i + 1).to_owned();
        *i += 2;
        mask = Some(m);
    }
    if word(toks, *i) == "vmap" {
        *i += 1;
        if word(toks, *i) == "{" {
            let entries = inline_map(&selector, toks, i);
            let keys = entries.iter().map(|(k, _)| k.clone()).collect();
            return Statement::VerdictMap {
                key: selector,
                map: Value::Set(keys),
                entries,
            };
        }
        let map = value_tokens(&Selector::Other(String::new()), toks, i);
        return Statement::VerdictMap {
            key: selector,
            map,
            entries: Vec::new(),
        };
    }
    let op = match Op::parse(word(toks, *i)) {
        Some(op) => {
            *i += 1;
            op
        }
        None => Op::Eq,
    };
    if *i >= toks.len() {
        return unknown(toks, i, s);
    }
    let value = value_tokens(&selector, toks, i);
    Statement::Match(NftMatch {
        selector,
        op,
        value,
        mask,
    })
}

/// An untyped statement runs to the next statement, verdict or `PROTO FIELD` selector, so
/// the matches after it (`fib daddr type local tcp dport 22`) are still typed.
fn unknown(toks: &[Tok], i: &mut usize, s: usize) -> Statement {
    *i = s + 1;
    while let Some(t) = toks.get(*i) {
        let w = t.text.as_str();
        if !t.quoted
            && (VERDICT_WORDS.contains(&w) || STATEMENT_WORDS.contains(&w) || PROTOS.contains(&w))
        {
            break;
        }
        *i += 1;
    }
    Statement::Unknown(join(&toks[s..(*i).min(toks.len())]))
}

/// A value: `{ a, b }`, `a,b`, or one word.
/// `{ 22 : accept, 80 : jump web }` from its `{`: each key typed by the selector, with its
/// verdict as written.
fn inline_map(sel: &Selector, toks: &[Tok], i: &mut usize) -> Vec<(Value, String)> {
    *i += 1;
    let mut entries = Vec::new();
    let mut item: Vec<&str> = Vec::new();
    let mut flush = |item: &mut Vec<&str>| {
        let text = item.join(" ");
        if let Some((k, v)) = text.split_once(':') {
            entries.push((value_of(sel, k.trim()), v.trim().to_owned()));
        }
        item.clear();
    };
    while let Some(t) = toks.get(*i) {
        *i += 1;
        match t.text.as_str() {
            "}" => break,
            "," => flush(&mut item),
            w => item.push(w),
        }
    }
    flush(&mut item);
    entries
}

fn value_tokens(sel: &Selector, toks: &[Tok], i: &mut usize) -> Value {
    if word(toks, *i) == "{" {
        *i += 1;
        let mut items = Vec::new();
        let mut depth = 0;
        let mut first_of_item = true;
        while let Some(t) = toks.get(*i) {
            *i += 1;
            match t.text.as_str() {
                "}" if depth == 0 => break,
                "}" => depth -= 1,
                "{" => depth += 1,
                "," => first_of_item = true,
                w if first_of_item && depth == 0 => {
                    items.push(value_of(sel, w));
                    first_of_item = false;
                }
                _ => {}
            }
        }
        return Value::Set(items);
    }
    let mut parts = vec![word(toks, *i).to_owned()];
    *i += 1;
    while word(toks, *i) == "," {
        parts.push(word(toks, *i + 1).to_owned());
        *i += 2;
    }
    if parts.len() == 1 {
        let p = parts.remove(0);
        if p.contains(',') {
            return Value::Set(p.split(',').map(|v| value_of(sel, v)).collect());
        }
        return value_of(sel, &p);
    }
    Value::Set(parts.iter().map(|p| value_of(sel, p)).collect())
}

// ---------------------------------------------------------------------------------------
// JSON

/// Byte spans of each element of the top-level `nftables` array, so a rule can point at
/// its line and quote its own text even in pretty-printed JSON.
fn array_spans(text: &str) -> Vec<(usize, usize)> {
    let Some(key) = text.find("\"nftables\"") else {
        return Vec::new();
    };
    let Some(open) = text[key..].find('[').map(|o| o + key) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut in_str = false;
    let mut esc = false;
    let mut start: Option<usize> = None;
    for (off, c) in text[open + 1..].char_indices() {
        let at = open + 1 + off;
        if in_str {
            match (esc, c) {
                (true, _) => esc = false,
                (false, '\\') => esc = true,
                (false, '"') => in_str = false,
                _ => {}
            }
            continue;
        }
        if start.is_none() && !c.is_whitespace() && depth == 0 && c != ']' && c != ',' {
            start = Some(at);
        }
        match c {
            '"' => in_str = true,
            '{' | '[' => depth += 1,
            '}' => depth -= 1,
            ']' | ',' if depth == 0 => {
                if let Some(s) = start.take() {
                    out.push((s, at));
                }
                if c == ']' {
                    break;
                }
            }
            ']' => depth -= 1,
            _ => {}
        }
    }
    out
}

/// Reads `nft -j list ruleset` (or `list table`) JSON.
pub fn parse_json(text: &str, diags: &mut Vec<Diagnostic>) -> NftRuleset {
    let mut rs = NftRuleset::default();
    let root: Json = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            diags.push(
                Diagnostic::warning(format!("not valid nft JSON: {e}")).at_line(e.line().max(1)),
            );
            return rs;
        }
    };
    let Some(items) = root.get("nftables").and_then(Json::as_array) else {
        diags.push(Diagnostic::warning("JSON has no nftables array").at_line(1));
        return rs;
    };
    let spans = array_spans(text);
    for (k, item) in items.iter().enumerate() {
        let span = spans
            .get(k)
            .and_then(|&(s, e)| Some((s, text.get(s..e)?.trim_end())));
        let n = span.map_or(1, |(s, _)| 1 + text[..s].matches('\n').count());
        let source = match span {
            Some((_, t)) => t.to_owned(),
            None => item.to_string(),
        };
        let Some((kind, body)) = item.as_object().and_then(|o| o.iter().next()) else {
            diags.push(Diagnostic::warning(format!("nftables[{k}] is not an object")).at_line(n));
            continue;
        };
        match kind.as_str() {
            "metainfo" => {}
            "table" => {
                rs.table_index(family_of(body), str_of(body, "name"), n);
            }
            "chain" => json_chain(&mut rs, body, n),
            "rule" => json_rule(&mut rs, body, (k, &source), n, diags),
            "set" | "map" => json_set(&mut rs, kind == "map", body, n),
            other => diags.push(
                Diagnostic::info(format!("nftables[{k}]: {other} object not read")).at_line(n),
            ),
        }
    }
    rs
}

fn str_of<'a>(j: &'a Json, key: &str) -> &'a str {
    j.get(key).and_then(Json::as_str).unwrap_or("")
}

fn family_of(j: &Json) -> Family {
    Family::parse(str_of(j, "family"))
}

fn json_chain(rs: &mut NftRuleset, body: &Json, n: usize) {
    let t = rs.table_index(family_of(body), str_of(body, "table"), n);
    let c = chain_index(&mut rs.tables[t], str_of(body, "name"), n);
    let ch = &mut rs.tables[t].chains[c];
    ch.line = n;
    ch.kind = body.get("type").and_then(Json::as_str).map(str::to_owned);
    ch.hook = body.get("hook").and_then(Json::as_str).map(Hook::parse);
    ch.priority = match body.get("prio") {
        Some(Json::Number(p)) => p.as_i64().and_then(|p| i32::try_from(p).ok()),
        Some(Json::String(p)) => priority(&p.split_whitespace().collect::<Vec<_>>()),
        _ => None,
    };
    ch.policy = body
        .get("policy")
        .and_then(Json::as_str)
        .and_then(Verdict::simple);
    ch.policy_line = ch.policy.as_ref().map(|_| n);
}

fn json_rule(
    rs: &mut NftRuleset,
    body: &Json,
    (k, source): (usize, &str),
    n: usize,
    diags: &mut Vec<Diagnostic>,
) {
    let t = rs.table_index(family_of(body), str_of(body, "table"), n);
    let c = chain_index(&mut rs.tables[t], str_of(body, "chain"), n);
    let mut exprs = Vec::new();
    let mut verdict = None;
    for e in body
        .get("expr")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        match json_expr(e) {
            Step::Stmt(s) => {
                if let Statement::Unknown(u) = &s {
                    diags.push(
                        Diagnostic::info(format!("nftables[{k}]: statement not typed: {u}"))
                            .at_line(n),
                    );
                }
                exprs.push(s);
            }
            Step::Verdict(v) => verdict = Some(v),
        }
    }
    let text = format!("nftables[{k}]: {source}");
    rs.tables[t].chains[c].rules.push(NftRule {
        exprs,
        verdict,
        handle: body.get("handle").and_then(Json::as_u64),
        line: n,
        text,
    });
}

fn json_set(rs: &mut NftRuleset, map: bool, body: &Json, n: usize) {
    let t = rs.table_index(family_of(body), str_of(body, "table"), n);
    let key_type = match body.get("type") {
        Some(Json::String(s)) => Some(s.clone()),
        Some(other) => Some(other.to_string()),
        None => None,
    };
    let hint = match key_type.as_deref() {
        Some(t) if t.contains("addr") => Selector::Saddr(IpVer::V4),
        Some(t) if t.contains("inet_service") => Selector::Dport(L4::Th),
        _ => Selector::Other(String::new()),
    };
    let flags = match body.get("flags") {
        Some(Json::Array(a)) => a
            .iter()
            .filter_map(Json::as_str)
            .map(str::to_owned)
            .collect(),
        Some(Json::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    };
    let elements = body
        .get("elem")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .map(|e| {
            let (key, data) = match e.as_array() {
                Some(pair) if map && pair.len() == 2 => (&pair[0], Some(json_text(&pair[1]))),
                _ => (e, None),
            };
            SetElement {
                value: json_value(&hint, key),
                data,
                line: n,
            }
        })
        .collect();
    rs.tables[t].sets.push(NftSet {
        name: str_of(body, "name").to_owned(),
        kind: if map { SetKind::Map } else { SetKind::Set },
        key_type,
        flags,
        elements,
        line: n,
    });
}

/// A map's data as text would write it: `accept`, `jump x`, an address.
fn json_text(j: &Json) -> String {
    match j {
        Json::String(s) => s.clone(),
        Json::Object(o) => match o.iter().next() {
            Some((k, Json::Null)) => k.clone(),
            Some((k, v)) => match v.get("target").and_then(Json::as_str) {
                Some(t) => format!("{k} {t}"),
                None => j.to_string(),
            },
            None => j.to_string(),
        },
        other => other.to_string(),
    }
}

fn json_selector(j: &Json) -> Selector {
    if let Some(p) = j.get("payload") {
        return Selector::of(str_of(p, "protocol"), str_of(p, "field"));
    }
    if let Some(m) = j.get("meta") {
        return Selector::of("meta", str_of(m, "key"));
    }
    if let Some(c) = j.get("ct") {
        return Selector::of("ct", str_of(c, "key"));
    }
    Selector::Other(j.to_string())
}

fn json_value(sel: &Selector, j: &Json) -> Value {
    match j {
        Json::Number(n) => match (sel, n.as_u64()) {
            (Selector::Sport(_) | Selector::Dport(_), Some(p)) => match u16::try_from(p) {
                Ok(p) => Value::Ports(PortRange { first: p, last: p }),
                Err(_) => Value::Num(p),
            },
            (_, Some(v)) => Value::Num(v),
            _ => Value::Other(n.to_string()),
        },
        Json::String(s) => value_of(sel, s),
        Json::Array(a) => Value::Set(a.iter().map(|v| json_value(sel, v)).collect()),
        Json::Object(o) => {
            if let Some(p) = o.get("prefix") {
                let text = format!(
                    "{}/{}",
                    str_of(p, "addr"),
                    p.get("len").unwrap_or(&Json::Null)
                );
                return value_of(sel, &text);
            }
            if let Some(Json::Array(r)) = o.get("range") {
                if let (Some(a), Some(b)) = (r.first(), r.get(1)) {
                    let text = format!("{}-{}", json_text(a), json_text(b));
                    return value_of(sel, &text);
                }
            }
            if let Some(Json::Array(s)) = o.get("set") {
                return Value::Set(s.iter().map(|v| json_value(sel, v)).collect());
            }
            if let Some(e) = o.get("elem") {
                return json_value(sel, e.get("val").unwrap_or(&Json::Null));
            }
            Value::Other(j.to_string())
        }
        other => Value::Other(other.to_string()),
    }
}

fn json_expr(e: &Json) -> Step {
    let Some((k, v)) = e.as_object().and_then(|o| o.iter().next()) else {
        return Step::Stmt(Statement::Unknown(e.to_string()));
    };
    if let Some(verdict) = Verdict::simple(k) {
        if k == "reject" {
            let with = match v {
                Json::Object(o) => Some(
                    o.values()
                        .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_owned))
                        .collect::<Vec<_>>()
                        .join(" "),
                ),
                _ => None,
            };
            return Step::Verdict(Verdict::Reject(with));
        }
        return Step::Verdict(verdict);
    }
    Step::Stmt(match k.as_str() {
        "jump" | "goto" => {
            let target = str_of(v, "target").to_owned();
            return Step::Verdict(if k == "jump" {
                Verdict::Jump(target)
            } else {
                Verdict::Goto(target)
            });
        }
        "match" => {
            let selector = json_selector(v.get("left").unwrap_or(&Json::Null));
            let op = Op::parse(str_of(v, "op")).unwrap_or(Op::Eq);
            let value = json_value(&selector, v.get("right").unwrap_or(&Json::Null));
            Statement::Match(NftMatch {
                selector,
                op,
                value,
                mask: None,
            })
        }
        "counter" => Statement::Counter(
            match (
                v.get("packets").and_then(Json::as_u64),
                v.get("bytes").and_then(Json::as_u64),
            ) {
                (Some(packets), Some(bytes)) => Some(Counters {
                    packets,
                    bytes,
                    approximate: false,
                }),
                _ => None,
            },
        ),
        "log" => Statement::Log {
            prefix: v.get("prefix").and_then(Json::as_str).map(str::to_owned),
            level: v.get("level").and_then(Json::as_str).map(str::to_owned),
        },
        "limit" => Statement::Limit(json_limit(v)),
        "vmap" => {
            let key = json_selector(v.get("key").unwrap_or(&Json::Null));
            let map = json_value(
                &Selector::Other(String::new()),
                v.get("data").unwrap_or(&Json::Null),
            );
            Statement::VerdictMap {
                key,
                map,
                entries: Vec::new(),
            }
        }
        "meter" => Statement::Meter {
            name: str_of(v, "name").to_owned(),
            key: v.get("key").map(Json::to_string).unwrap_or_default(),
            limit: v.get("stmt").and_then(|s| s.get("limit")).map(json_limit),
        },
        _ => Statement::Unknown(e.to_string()),
    })
}

fn json_limit(v: &Json) -> Limit {
    let bytes = v
        .get("rate_unit")
        .and_then(Json::as_str)
        .is_some_and(|u| u != "packets");
    let rate = match (
        v.get("rate").and_then(Json::as_u64),
        v.get("per").and_then(Json::as_str),
    ) {
        (Some(count), Some(per)) if !bytes => {
            super::iptables::Per::parse(per).map(|per| Rate { count, per })
        }
        _ => None,
    };
    Limit {
        rate,
        over: v.get("inv").and_then(Json::as_bool).unwrap_or(false),
        burst: v.get("burst").and_then(Json::as_u64),
        text: v.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Level;

    const TEXT: &str = r#"table inet filter { # handle 4
	set f2b-sshd { # handle 2
		type ipv4_addr
		flags interval
		elements = { 192.0.2.1, 198.51.100.0/24,
			     203.0.113.5 }
	}

	chain input { # handle 1
		type filter hook input priority filter + 10; policy drop;
		ct state established,related accept # handle 5
		iif "lo" accept # handle 6
		ip saddr @f2b-sshd reject with icmp type port-unreachable # handle 7
		tcp dport { 22, 2222 } ct state new meter flood { ip saddr limit rate over 10/second } drop # handle 8
		ip saddr 10.0.0.0/8 tcp dport ssh counter packets 12 bytes 720 accept # handle 9
		meta l4proto tcp th dport != 22 log prefix "nft drop: " level info drop # handle 10
		limit rate 3/minute burst 5 packets log prefix "rl " # handle 11
		jump ssh-extra # handle 12
		fib daddr type local tcp dport 2200 accept # handle 13
	}

	chain ssh-extra {
		tcp flags & (fin|syn|rst|ack) == syn ip6 saddr 2001:db8::/32 goto done
		return
	}
}
table ip nat {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		tcp dport 2222 dnat to 10.0.0.5:22
	}
}
"#;

    fn rules(rs: &NftRuleset) -> &[NftRule] {
        &rs.table(&Family::Inet, "filter")
            .unwrap()
            .chain("input")
            .unwrap()
            .rules
    }

    #[test]
    fn text_structure() {
        let mut d = Vec::new();
        let rs = parse(TEXT, &mut d);
        assert!(d.iter().all(|d| d.level == Level::Info), "{d:?}");
        let t = rs.table(&Family::Inet, "filter").unwrap();
        let input = t.chain("input").unwrap();
        assert_eq!(
            (
                input.hook.clone(),
                input.priority,
                input.policy.clone(),
                input.line
            ),
            (Some(Hook::Input), Some(10), Some(Verdict::Drop), 9)
        );
        assert_eq!(input.rules.len(), 9);
        let nat = rs
            .table(&Family::Ip, "nat")
            .unwrap()
            .chain("prerouting")
            .unwrap();
        assert_eq!(nat.priority, Some(-100));
        assert!(
            matches!(&nat.rules[0].exprs[1], Statement::Unknown(u) if u.starts_with("dnat to"))
        );
        let set = t.set("f2b-sshd").unwrap();
        assert_eq!(set.key_type.as_deref(), Some("ipv4_addr"));
        assert_eq!(set.flags, vec!["interval".to_owned()]);
        let el: Vec<_> = set
            .elements
            .iter()
            .map(|e| (e.value.clone(), e.line))
            .collect();
        assert_eq!(
            el,
            vec![
                (Value::Addr(Cidr::parse("192.0.2.1").unwrap()), 5),
                (Value::Addr(Cidr::parse("198.51.100.0/24").unwrap()), 5),
                (Value::Addr(Cidr::parse("203.0.113.5").unwrap()), 6),
            ]
        );
        assert_eq!(rs.hooked(&Hook::Input).len(), 1);
    }

    fn m(selector: Selector, op: Op, value: Value) -> Statement {
        Statement::Match(NftMatch {
            selector,
            op,
            value,
            mask: None,
        })
    }

    #[test]
    fn text_rules() {
        let mut d = Vec::new();
        let rs = parse(TEXT, &mut d);
        let r = rules(&rs);
        let p = |n| Value::Ports(PortRange { first: n, last: n });
        type Case = (usize, usize, Option<u64>, Vec<Statement>, Option<Verdict>);
        let cases: Vec<Case> = vec![
            (
                0,
                11,
                Some(5),
                vec![m(
                    Selector::CtState,
                    Op::Eq,
                    Value::Set(vec![
                        Value::Name("established".into()),
                        Value::Name("related".into()),
                    ]),
                )],
                Some(Verdict::Accept),
            ),
            (
                1,
                12,
                Some(6),
                vec![m(Selector::Iif, Op::Eq, Value::Name("lo".into()))],
                Some(Verdict::Accept),
            ),
            (
                2,
                13,
                Some(7),
                vec![m(
                    Selector::Saddr(IpVer::V4),
                    Op::Eq,
                    Value::SetRef("f2b-sshd".into()),
                )],
                Some(Verdict::Reject(Some("icmp type port-unreachable".into()))),
            ),
            (
                3,
                14,
                Some(8),
                vec![
                    m(
                        Selector::Dport(L4::Tcp),
                        Op::Eq,
                        Value::Set(vec![p(22), p(2222)]),
                    ),
                    m(Selector::CtState, Op::Eq, Value::Name("new".into())),
                    Statement::Meter {
                        name: "flood".into(),
                        key: "ip saddr".into(),
                        limit: Some(Limit {
                            rate: Some(Rate {
                                count: 10,
                                per: super::super::iptables::Per::Second,
                            }),
                            over: true,
                            burst: None,
                            text: "limit rate over 10/second".into(),
                        }),
                    },
                ],
                Some(Verdict::Drop),
            ),
            (
                4,
                15,
                Some(9),
                vec![
                    m(
                        Selector::Saddr(IpVer::V4),
                        Op::Eq,
                        Value::Addr(Cidr::parse("10.0.0.0/8").unwrap()),
                    ),
                    m(Selector::Dport(L4::Tcp), Op::Eq, p(22)),
                    Statement::Counter(Some(Counters {
                        packets: 12,
                        bytes: 720,
                        approximate: false,
                    })),
                ],
                Some(Verdict::Accept),
            ),
            (
                5,
                16,
                Some(10),
                vec![
                    m(Selector::L4Proto, Op::Eq, Value::Name("tcp".into())),
                    m(Selector::Dport(L4::Th), Op::Ne, p(22)),
                    Statement::Log {
                        prefix: Some("nft drop: ".into()),
                        level: Some("info".into()),
                    },
                ],
                Some(Verdict::Drop),
            ),
            (
                7,
                18,
                Some(12),
                vec![],
                Some(Verdict::Jump("ssh-extra".into())),
            ),
        ];
        for (i, line, handle, exprs, verdict) in cases {
            assert_eq!(r[i].line, line, "rule {i}");
            assert_eq!(r[i].handle, handle, "rule {i}");
            assert_eq!(r[i].exprs, exprs, "rule {i}");
            assert_eq!(r[i].verdict, verdict, "rule {i}");
            assert_eq!(r[i].text, TEXT.lines().nth(line - 1).unwrap().trim());
        }
        assert!(matches!(&r[6].exprs[0], Statement::Limit(l) if l.burst == Some(5) && !l.over));
        assert_eq!(r[6].verdict, None);
        assert!(matches!(&r[8].exprs[0], Statement::Unknown(u) if u == "fib daddr type local"));
        assert!(d
            .iter()
            .any(|d| d.line == Some(19) && d.level == Level::Info));
        let extra = &rs
            .table(&Family::Inet, "filter")
            .unwrap()
            .chain("ssh-extra")
            .unwrap()
            .rules;
        assert!(matches!(
            &extra[0].exprs[0],
            Statement::Match(NftMatch {
                selector: Selector::TcpFlags,
                mask: Some(_),
                ..
            })
        ));
        assert_eq!(extra[0].verdict, Some(Verdict::Goto("done".into())));
        assert_eq!(extra[1].verdict, Some(Verdict::Return));
    }

    #[test]
    fn text_oddities_are_reported() {
        let text = "$ sudo nft list ruleset\ngarbage\ntable ip t {\n\tflowtable ft {\n\t\thook ingress priority 0;\n\t}\n\tchain c {\n\t\ttype filter hook input priority bogus; policy maybe;\n\t\tip saddr\n\t}\n";
        let mut d = Vec::new();
        let rs = parse(text, &mut d);
        let lines: Vec<_> = d.iter().map(|d| (d.level, d.line)).collect();
        for want in [
            (Level::Info, Some(1)),
            (Level::Warning, Some(2)),
            (Level::Warning, Some(4)),
            (Level::Warning, Some(8)),
        ] {
            assert!(lines.contains(&want), "{want:?} in {lines:?}");
        }
        assert!(d
            .iter()
            .any(|d| d.line.is_none() && d.message.contains("not closed")));
        let c = rs.table(&Family::Ip, "t").unwrap().chain("c").unwrap();
        assert_eq!(c.hook, Some(Hook::Input));
        assert!(matches!(&c.rules[0].exprs[0], Statement::Unknown(_)));
    }

    const JSON: &str = r#"{"nftables": [{"metainfo": {"version": "1.0.2", "json_schema_version": 1}},
{"table": {"family": "inet", "name": "fw", "handle": 1}},
{"set": {"family": "inet", "name": "banned", "table": "fw", "type": "ipv4_addr", "handle": 3, "flags": ["interval"], "elem": ["192.0.2.7", {"prefix": {"addr": "198.51.100.0", "len": 24}}]}},
{"chain": {"family": "inet", "table": "fw", "name": "in", "handle": 2, "type": "filter", "hook": "input", "prio": -5, "policy": "drop"}},
{"rule": {"family": "inet", "table": "fw", "chain": "in", "handle": 4, "expr": [{"match": {"op": "in", "left": {"ct": {"key": "state"}}, "right": ["established", "related"]}}, {"accept": null}]}},
{"rule": {"family": "inet", "table": "fw", "chain": "in", "handle": 5, "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": "@banned"}}, {"counter": {"packets": 3, "bytes": 180}}, {"reject": {"type": "tcp reset"}}]}},
{"rule": {"family": "inet", "table": "fw", "chain": "in", "handle": 6, "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": {"set": [22, {"range": [2200, 2299]}]}}}, {"match": {"op": "!=", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": {"prefix": {"addr": "10.0.0.0", "len": 8}}}}, {"limit": {"rate": 3, "per": "minute", "burst": 2}}, {"xt": {"type": "match", "name": "u32"}}, {"jump": {"target": "ssh"}}]}}
]}"#;

    #[test]
    fn json_ruleset() {
        let mut d = Vec::new();
        let rs = parse_json(JSON, &mut d);
        let t = rs.table(&Family::Inet, "fw").unwrap();
        let c = t.chain("in").unwrap();
        assert_eq!(
            (c.hook.clone(), c.priority, c.policy.clone(), c.line),
            (Some(Hook::Input), Some(-5), Some(Verdict::Drop), 4)
        );
        assert_eq!(
            t.set("banned").unwrap().elements[1].value,
            Value::Addr(Cidr::parse("198.51.100.0/24").unwrap())
        );
        let r = &c.rules;
        assert_eq!(r.iter().map(|r| r.line).collect::<Vec<_>>(), vec![5, 6, 7]);
        assert!(r[1].text.starts_with("nftables[5]: {\"rule\""));
        assert_eq!(
            r[0].exprs,
            vec![m(
                Selector::CtState,
                Op::Eq,
                Value::Set(vec![
                    Value::Name("established".into()),
                    Value::Name("related".into())
                ])
            )]
        );
        assert_eq!(
            r[1].verdict,
            Some(Verdict::Reject(Some("tcp reset".into())))
        );
        assert_eq!(
            r[1].exprs[1],
            Statement::Counter(Some(Counters {
                packets: 3,
                bytes: 180,
                approximate: false
            }))
        );
        assert_eq!(
            r[2].exprs[0],
            m(
                Selector::Dport(L4::Tcp),
                Op::Eq,
                Value::Set(vec![
                    Value::Ports(PortRange {
                        first: 22,
                        last: 22
                    }),
                    Value::Ports(PortRange {
                        first: 2200,
                        last: 2299
                    })
                ])
            )
        );
        assert_eq!(
            r[2].exprs[1],
            m(
                Selector::Saddr(IpVer::V4),
                Op::Ne,
                Value::Addr(Cidr::parse("10.0.0.0/8").unwrap())
            )
        );
        assert!(
            matches!(&r[2].exprs[2], Statement::Limit(l) if l.burst == Some(2) && l.rate.is_some())
        );
        assert!(matches!(&r[2].exprs[3], Statement::Unknown(_)));
        assert_eq!(r[2].verdict, Some(Verdict::Jump("ssh".into())));
        assert_eq!(d.iter().filter(|d| d.level == Level::Info).count(), 1);
        let mut d = Vec::new();
        parse_json("{\"nftables\": [", &mut d);
        assert_eq!(d[0].level, Level::Warning);
    }

    #[test]
    fn sniffers_and_robustness() {
        assert!(sniff(TEXT) > 0.9);
        assert!(sniff_json(JSON) > 0.9);
        assert_eq!(sniff(JSON), 0.0);
        assert_eq!(sniff_json(TEXT), 0.0);
        for text in [TEXT, JSON] {
            for cut in 0..text.len() {
                if let Some(head) = text.get(..cut) {
                    let mut d = Vec::new();
                    parse(head, &mut d);
                    parse_json(head, &mut d);
                }
            }
        }
        let mut d = Vec::new();
        parse("table\n}\n}\nchain x {\ntable inet t {\nchain c {\nmeter\nlimit\nreject with\njump\n{ } ,\nip saddr vmap\nset add\n", &mut d);
    }
}
