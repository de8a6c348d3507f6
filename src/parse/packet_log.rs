//! Kernel firewall log lines: the only trace a dropped or rejected SSH packet leaves on the
//! server, since sshd never sees it. ufw, firewalld and hand-written iptables/nftables `LOG`
//! rules all write a free-form prefix followed by the kernel's fixed packet layout
//! (net/netfilter/nf_log_syslog.c), so one parser covers them all; the prefix tells which
//! verdict the rule applied.
//!
//! ```text
//! [ 8123.456789] [UFW BLOCK] IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:ab:cd:ef:08:00 SRC=198.51.100.9 DST=192.0.2.10 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=4242 DF PROTO=TCP SPT=50514 DPT=22 WINDOW=64240 RES=0x00 SYN URGP=0
//! filter_IN_public_REJECT: IN=ens3 OUT= MAC=... SRC=2001:db8::9 DST=2001:db8::10 LEN=80 TC=0 HOPLIMIT=57 FLOWLBL=0 PROTO=TCP SPT=40112 DPT=22 ...
//! ```
//!
//! [`parse_packet`] reads one message (the text after `kernel: `); [`parse_log`] reads a
//! whole syslog member such as `ufw.log` or `kern.log`.

use std::net::IpAddr;

use crate::model::{Diagnostic, RecordTime};
use crate::parse::syslog;

/// The verdict the logging rule stands for, read from its prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PacketAction {
    Block,
    Allow,
    Audit,
    /// ufw's rate limit (`ufw limit`) refused the connection.
    LimitBlock,
    Reject,
    Drop,
    Unknown,
}

impl PacketAction {
    /// True when the packet did not get through.
    pub fn is_denied(self) -> bool {
        matches!(
            self,
            PacketAction::Block
                | PacketAction::LimitBlock
                | PacketAction::Reject
                | PacketAction::Drop
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Proto {
    Tcp,
    Udp,
    /// ICMP and ICMPv6.
    Icmp,
    Other(String),
}

/// TCP flags as the kernel lists them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TcpFlags {
    pub cwr: bool,
    pub ece: bool,
    pub urg: bool,
    pub ack: bool,
    pub psh: bool,
    pub rst: bool,
    pub syn: bool,
    pub fin: bool,
}

/// One logged packet. Only `src` and `dst` are required; the kernel omits fields by protocol
/// and log flags, and truncated lines lose the tail.
#[derive(Clone, Debug, PartialEq)]
pub struct PacketLog {
    /// The rule's log prefix as written, trimmed (`[UFW BLOCK]`, `filter_IN_public_DROP:`).
    pub prefix: String,
    pub action: PacketAction,
    pub in_if: Option<String>,
    pub out_if: Option<String>,
    pub mac: Option<String>,
    pub src: IpAddr,
    pub dst: IpAddr,
    pub proto: Option<Proto>,
    pub spt: Option<u16>,
    pub dpt: Option<u16>,
    pub flags: TcpFlags,
    /// IPv4 TTL or IPv6 HOPLIMIT.
    pub ttl: Option<u8>,
    pub len: Option<u32>,
    pub icmp_type: Option<u8>,
    pub icmp_code: Option<u8>,
    /// Seconds since boot when the message started with a `[  123.456789] ` stamp.
    pub uptime: Option<f64>,
}

impl PacketLog {
    /// A TCP SYN without ACK toward `port`: a client opening a new connection.
    pub fn is_new_connection_to(&self, port: u16) -> bool {
        self.proto == Some(Proto::Tcp)
            && self.dpt == Some(port)
            && self.flags.syn
            && !self.flags.ack
    }
}

/// Reads one kernel message. `None` when it is not a packet log line (no `IN= OUT=` layout,
/// or no readable SRC/DST).
pub fn parse_packet(message: &str) -> Option<PacketLog> {
    let (uptime, body) = strip_uptime(message.trim_start());
    let start = layout_start(body)?;
    let prefix = body[..start].trim();
    let fields = read_fields(&body[start..]);
    Some(PacketLog {
        prefix: prefix.to_owned(),
        action: action_of(prefix),
        in_if: fields.in_if,
        out_if: fields.out_if,
        mac: fields.mac,
        src: fields.src?,
        dst: fields.dst?,
        proto: fields.proto,
        spt: fields.spt,
        dpt: fields.dpt,
        flags: fields.flags,
        ttl: fields.ttl,
        len: fields.len,
        icmp_type: fields.icmp_type,
        icmp_code: fields.icmp_code,
        uptime,
    })
}

/// `[ 8123.456789] rest` → (Some(8123.456789), `rest`).
fn strip_uptime(s: &str) -> (Option<f64>, &str) {
    if let Some(inner) = s.strip_prefix('[') {
        if let Some((stamp, rest)) = inner.split_once(']') {
            if let Ok(secs) = stamp.trim().parse::<f64>() {
                if secs.is_finite() && secs >= 0.0 {
                    return (Some(secs), rest.trim_start());
                }
            }
        }
    }
    (None, s)
}

/// Where `IN=<dev> OUT=` begins. The prefix is free text glued to `IN=` (an iptables
/// `--log-prefix "DROP:"` gives `DROP:IN=eth0`), so the search is for the layout itself.
fn layout_start(body: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(pos) = body.get(from..)?.find("IN=") {
        let at = from + pos;
        let after = &body[at + 3..];
        let dev_end = after.find(' ').unwrap_or(after.len());
        // `PHYSIN=` and friends must not count as the start.
        let glued_to_word = body[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_uppercase());
        if !glued_to_word && after[dev_end..].starts_with(" OUT=") {
            return Some(at);
        }
        from = at + 3;
    }
    None
}

#[derive(Default)]
struct Fields {
    in_if: Option<String>,
    out_if: Option<String>,
    mac: Option<String>,
    src: Option<IpAddr>,
    dst: Option<IpAddr>,
    proto: Option<Proto>,
    spt: Option<u16>,
    dpt: Option<u16>,
    flags: TcpFlags,
    ttl: Option<u8>,
    len: Option<u32>,
    icmp_type: Option<u8>,
    icmp_code: Option<u8>,
}

fn read_fields(layout: &str) -> Fields {
    let mut f = Fields::default();
    for token in layout.split_ascii_whitespace() {
        // ICMP errors quote the offending packet in brackets; its SRC/DST are not this one's.
        if token.starts_with('[') {
            break;
        }
        match token.split_once('=') {
            Some((key, value)) => key_value(&mut f, key, value),
            None => flag(&mut f.flags, token),
        }
    }
    f
}

fn non_empty(value: &str) -> Option<String> {
    (!value.is_empty()).then(|| value.to_owned())
}

/// The first occurrence of a key wins: ICMP echo repeats `ID=` after the IP header's.
fn key_value(f: &mut Fields, key: &str, value: &str) {
    fn set<T>(slot: &mut Option<T>, v: Option<T>) {
        if slot.is_none() {
            *slot = v;
        }
    }
    match key {
        "IN" => set(&mut f.in_if, non_empty(value)),
        "OUT" => set(&mut f.out_if, non_empty(value)),
        "MAC" => set(&mut f.mac, non_empty(value)),
        "SRC" => set(&mut f.src, value.parse().ok()),
        "DST" => set(&mut f.dst, value.parse().ok()),
        "LEN" => set(&mut f.len, value.parse().ok()),
        "TTL" | "HOPLIMIT" => set(&mut f.ttl, value.parse().ok()),
        "PROTO" => set(&mut f.proto, Some(proto(value))),
        "SPT" => set(&mut f.spt, value.parse().ok()),
        "DPT" => set(&mut f.dpt, value.parse().ok()),
        "TYPE" => set(&mut f.icmp_type, value.parse().ok()),
        "CODE" => set(&mut f.icmp_code, value.parse().ok()),
        _ => {}
    }
}

fn proto(value: &str) -> Proto {
    match value {
        "TCP" | "6" => Proto::Tcp,
        "UDP" | "17" => Proto::Udp,
        "ICMP" | "ICMPv6" | "1" | "58" => Proto::Icmp,
        other => Proto::Other(other.to_owned()),
    }
}

fn flag(flags: &mut TcpFlags, token: &str) {
    match token {
        "CWR" => flags.cwr = true,
        "ECE" => flags.ece = true,
        "URG" => flags.urg = true,
        "ACK" => flags.ack = true,
        "PSH" => flags.psh = true,
        "RST" => flags.rst = true,
        "SYN" => flags.syn = true,
        "FIN" => flags.fin = true,
        _ => {}
    }
}

/// The verdict a prefix names. ufw's and firewalld's prefixes are fixed; hand-written ones
/// (`IPTables-Dropped: `, `nft ssh denied `) are read by their verdict word.
fn action_of(prefix: &str) -> PacketAction {
    let p = prefix.to_ascii_uppercase();
    let has = |w: &str| p.contains(w);
    if has("LIMIT BLOCK") {
        PacketAction::LimitBlock
    } else if has("AUDIT") {
        PacketAction::Audit
    } else if has("REJECT") {
        PacketAction::Reject
    } else if has("DROP") {
        PacketAction::Drop
    } else if has("BLOCK") || has("DENY") || has("DENIED") {
        PacketAction::Block
    } else if has("ALLOW") || has("ACCEPT") {
        PacketAction::Allow
    } else {
        PacketAction::Unknown
    }
}

/// A packet log line of a syslog member, with the record's time and line.
#[derive(Clone, Debug, PartialEq)]
pub struct PacketRecord {
    pub time: RecordTime,
    pub host: Option<String>,
    pub packet: PacketLog,
    pub line: usize,
    pub text: String,
}

/// Confidence that a text is a packet log (`ufw.log`, a `kern.log` of firewall lines).
pub fn sniff(head: &str) -> f32 {
    crate::util::line_fraction(head, |l| {
        syslog::parse_line(l).is_some_and(|r| parse_packet(&r.message).is_some())
    })
}

/// Reads the packet lines of a syslog member. Records that are not packet logs are counted
/// in one info diagnostic; lines that are not syslog records are reported by line number.
pub fn parse_log(text: &str, diags: &mut Vec<Diagnostic>) -> Vec<PacketRecord> {
    let mut out = Vec::new();
    let mut other = 0usize;
    let mut unparsed = Vec::new();
    for item in syslog::records(text) {
        match item {
            Ok(r) => match parse_packet(&r.message) {
                Some(packet) => out.push(PacketRecord {
                    time: r.time,
                    host: r.host,
                    packet,
                    line: r.line,
                    text: r.text,
                }),
                None => other += 1,
            },
            Err(u) => unparsed.push(u.line),
        }
    }
    if other > 0 {
        diags.push(Diagnostic::info(format!(
            "{other} log records are not packet log lines"
        )));
    }
    for n in unparsed.iter().take(20) {
        diags.push(Diagnostic::warning("not a syslog record").at_line(*n));
    }
    if unparsed.len() > 20 {
        diags.push(Diagnostic::warning(format!(
            "{} more lines are not syslog records",
            unparsed.len() - 20
        )));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const UFW: &str = "[ 8123.456789] [UFW BLOCK] IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:ab:cd:ef:08:00 SRC=198.51.100.9 DST=192.0.2.10 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=4242 DF PROTO=TCP SPT=50514 DPT=22 WINDOW=64240 RES=0x00 SYN URGP=0";

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn reads_the_ufw_layout() {
        let p = parse_packet(UFW).unwrap();
        assert_eq!(p.prefix, "[UFW BLOCK]");
        assert_eq!(p.action, PacketAction::Block);
        assert_eq!(p.uptime, Some(8123.456789));
        assert_eq!(p.in_if.as_deref(), Some("eth0"));
        assert_eq!(p.out_if, None);
        assert_eq!((p.src, p.dst), (ip("198.51.100.9"), ip("192.0.2.10")));
        assert_eq!((p.spt, p.dpt), (Some(50514), Some(22)));
        assert_eq!((p.ttl, p.len), (Some(52), Some(60)));
        assert_eq!(p.proto, Some(Proto::Tcp));
        assert!(p.flags.syn && !p.flags.ack);
        assert!(p.is_new_connection_to(22));
        assert!(!p.is_new_connection_to(2222));
        assert!(p.action.is_denied());
    }

    #[test]
    fn reads_every_prefix_family() {
        let tail = "IN=ens3 OUT= SRC=203.0.113.4 DST=192.0.2.10 LEN=52 TTL=50 PROTO=TCP SPT=1 DPT=22 WINDOW=1 RES=0x00 ACK URGP=0";
        let table: &[(&str, &str, PacketAction)] = &[
            ("[UFW BLOCK] ", "[UFW BLOCK]", PacketAction::Block),
            (
                "[UFW LIMIT BLOCK] ",
                "[UFW LIMIT BLOCK]",
                PacketAction::LimitBlock,
            ),
            ("[UFW AUDIT] ", "[UFW AUDIT]", PacketAction::Audit),
            (
                "[UFW AUDIT INVALID] ",
                "[UFW AUDIT INVALID]",
                PacketAction::Audit,
            ),
            ("[UFW ALLOW] ", "[UFW ALLOW]", PacketAction::Allow),
            (
                "filter_IN_public_REJECT: ",
                "filter_IN_public_REJECT:",
                PacketAction::Reject,
            ),
            (
                "filter_IN_public_DROP: ",
                "filter_IN_public_DROP:",
                PacketAction::Drop,
            ),
            ("FINAL_REJECT: ", "FINAL_REJECT:", PacketAction::Reject),
            (
                "IPTables-Dropped: ",
                "IPTables-Dropped:",
                PacketAction::Drop,
            ),
            ("DROP:", "DROP:", PacketAction::Drop),
            ("nft ssh denied ", "nft ssh denied", PacketAction::Block),
            ("", "", PacketAction::Unknown),
        ];
        for (prefix, want_prefix, action) in table {
            let p = parse_packet(&format!("{prefix}{tail}")).unwrap();
            assert_eq!(p.prefix, *want_prefix);
            assert_eq!(p.action, *action, "{prefix}");
            assert!(p.flags.ack && !p.is_new_connection_to(22));
        }
    }

    #[test]
    fn reads_ipv6_and_icmp_errors() {
        let v6 = "filter_IN_public_REJECT: IN=ens3 OUT= MAC=aa SRC=2001:0db8:0000:0000:0000:0000:0000:0009 DST=2001:0db8:0000:0000:0000:0000:0000:0010 LEN=80 TC=0 HOPLIMIT=57 FLOWLBL=12345 PROTO=TCP SPT=40112 DPT=22 WINDOW=64800 RES=0x00 SYN URGP=0";
        let p = parse_packet(v6).unwrap();
        assert_eq!(p.src, ip("2001:db8::9"));
        assert_eq!(p.ttl, Some(57));
        assert!(p.is_new_connection_to(22));
        let icmp = "[UFW BLOCK] IN=eth0 OUT= SRC=192.0.2.1 DST=192.0.2.10 LEN=88 TTL=64 ID=1 PROTO=ICMP TYPE=3 CODE=3 [SRC=192.0.2.10 DST=192.0.2.1 LEN=60 TTL=64 ID=2 PROTO=UDP SPT=53 DPT=4444 LEN=40 ]";
        let p = parse_packet(icmp).unwrap();
        assert_eq!(p.src, ip("192.0.2.1"));
        assert_eq!(p.proto, Some(Proto::Icmp));
        assert_eq!((p.icmp_type, p.icmp_code, p.dpt), (Some(3), Some(3), None));
    }

    #[test]
    fn rejects_what_is_not_a_packet_line() {
        for m in [
            "",
            "[    0.000000] Linux version 6.8.0",
            "[UFW BLOCK] IN=eth0 OUT= SRC=garbage DST=192.0.2.10",
            "PHYSIN=br0 OUT= SRC=192.0.2.1 DST=192.0.2.2",
            "[UFW BLOCK] IN=eth0",
            "[ 1.0 IN= OUT= SRC=1.2.3.4",
            "IN=\u{e9} OUT=\u{e9} SRC=\u{e9}",
        ] {
            assert_eq!(parse_packet(m), None, "{m}");
        }
    }

    #[test]
    fn reads_a_ufw_log_member_with_line_numbers() {
        let text = format!(
            "Nov 20 14:05:01 web01 kernel: {UFW}\nNov 20 14:05:02 web01 kernel: [ 8124.0] eth0: link up\ngarbage\n\nNov 20 14:05:03 web01 kernel: {UFW}\n"
        );
        let mut d = Vec::new();
        let recs = parse_log(&text, &mut d);
        let lines: Vec<usize> = recs.iter().map(|r| r.line).collect();
        assert_eq!(lines, [1, 5]);
        assert_eq!(recs[0].host.as_deref(), Some("web01"));
        assert!(matches!(recs[0].time, RecordTime::YearLess { day: 20, .. }));
        assert_eq!(d.len(), 2);
        assert_eq!(d[1].line, Some(3));
        assert!(sniff(&text) > 0.3);
        assert_eq!(sniff("hello\n"), 0.0);
    }
}
