//! Socket tables: which addresses and ports a daemon listens on, and who holds them.
//!
//! "Connection refused" or a timeout from a client often means sshd is not listening on the
//! port or address the client uses. A bundle only shows that through captured socket tables,
//! and this module reads them, whichever tool and options produced them:
//!
//! * `ss` (`-tlnp`, `-tulpn`, `-tupna`, plain `ss`, `-ltn`, sosreport's `ss -peaonmi`):
//!
//!   ```text
//!   Netid State  Recv-Q Send-Q  Local Address:Port  Peer Address:Port Process
//!   tcp   LISTEN 0      128           0.0.0.0:22         0.0.0.0:*     users:(("sshd",pid=812,fd=3)) ino:20345 sk:1 <->
//!            skmem:(r0,rb131072,t0,tb16384,f0,w0,o0,bl0,d0) cubic rto:1000
//!   tcp   LISTEN 0      128              [::]:22            [::]:*     users:(("sshd",pid=812,fd=4))
//!   ```
//!
//!   Indented lines under a socket (a tab in real captures: `skmem:`, TCP info, or
//!   `ino:`/`sk:`/`cgroup:` when wrapped) are details of that socket; `` `- `` lines are SCTP associations under their endpoint.
//!   Older iproute2 writes processes as `users:(("sshd",1231,3))` and wildcards as `*:22`.
//! * `netstat` (`-tlnp`, `-neopa`, `-W -neopa`):
//!
//!   ```text
//!   Active Internet connections (servers and established)
//!   Proto Recv-Q Send-Q Local Address  Foreign Address  State   User  Inode  PID/Program name     Timer
//!   tcp        0      0 0.0.0.0:22     0.0.0.0:*        LISTEN  0     80701  328/sshd: /usr/sbin  off (0.00/0/0)
//!   udp        0      0 127.0.0.53:53  0.0.0.0:*                101   62669  187/systemd-resolve  off (0.00/0/0)
//!   Active UNIX domain sockets (servers and established)
//!   ```
//!
//!   The program column may contain spaces (netstat prints a truncated process title) and
//!   UDP rows have no state, so columns are matched from both ends rather than by position.
//!   Sections other than Internet connections (UNIX domain sockets, Bluetooth) are skipped
//!   as a whole with one note.
//!
//! The layout is taken from each header line, so a transcript holding several commands
//! works; shell prompt lines are tolerated and noted.

use std::net::IpAddr;
use std::sync::LazyLock;

use regex::Regex;

use crate::model::Diagnostic;
use crate::parse::inet::service_port;
use crate::util::is_shell_prompt;
use crate::util::words_with_offsets as fields;

/// The protocol column as the tool printed it. `ss` prints `tcp` for both families (the
/// address tells them apart) while `netstat` prints `tcp6`; use [`Proto::is_tcp`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Proto {
    Tcp,
    Tcp6,
    Udp,
    Udp6,
    /// `unix` (netstat) or `u_str`, `u_dgr`, `u_seq` (ss).
    Unix,
    /// `raw`, `sctp`, `nl`, `p_raw`, `mptcp`...
    Other(String),
}

impl Proto {
    fn parse(s: &str) -> Proto {
        match s {
            "tcp" => Proto::Tcp,
            "tcp6" => Proto::Tcp6,
            "udp" => Proto::Udp,
            "udp6" => Proto::Udp6,
            "unix" | "u_str" | "u_dgr" | "u_seq" => Proto::Unix,
            o => Proto::Other(o.to_owned()),
        }
    }

    pub fn is_tcp(&self) -> bool {
        matches!(self, Proto::Tcp | Proto::Tcp6)
    }

    pub fn is_udp(&self) -> bool {
        matches!(self, Proto::Udp | Proto::Udp6)
    }
}

/// Netids `ss` prints, so a header-less line can be recognised.
fn is_ss_netid(s: &str) -> bool {
    matches!(
        s,
        "tcp"
            | "udp"
            | "raw"
            | "u_str"
            | "u_dgr"
            | "u_seq"
            | "nl"
            | "p_raw"
            | "p_dgr"
            | "sctp"
            | "mptcp"
            | "tipc"
            | "v_str"
            | "v_dgr"
            | "xdp"
    )
}

/// A socket state. `ss` spells them `TIME-WAIT`/`ESTAB`, netstat `TIME_WAIT`/`ESTABLISHED`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum State {
    Listen,
    Established,
    SynSent,
    SynRecv,
    FinWait1,
    FinWait2,
    TimeWait,
    Close,
    CloseWait,
    LastAck,
    Closing,
    /// `UNCONN`: a UDP or raw socket with no peer.
    Unconnected,
    Unknown,
    /// Anything else, such as the numeric state netstat prints for raw sockets.
    Other(String),
}

impl State {
    /// The state a word names, when it is one of the spellings either tool prints.
    fn known(s: &str) -> Option<State> {
        Some(match s.replace('_', "-").as_str() {
            "LISTEN" | "LISTENING" => State::Listen,
            "ESTAB" | "ESTABLISHED" => State::Established,
            "SYN-SENT" => State::SynSent,
            "SYN-RECV" | "NEW-SYN-RECV" => State::SynRecv,
            "FIN-WAIT-1" | "FIN-WAIT1" => State::FinWait1,
            "FIN-WAIT-2" | "FIN-WAIT2" => State::FinWait2,
            "TIME-WAIT" => State::TimeWait,
            "CLOSE" => State::Close,
            "CLOSE-WAIT" => State::CloseWait,
            "LAST-ACK" => State::LastAck,
            "CLOSING" => State::Closing,
            "UNCONN" => State::Unconnected,
            "UNKNOWN" => State::Unknown,
            _ => return None,
        })
    }

    fn parse(s: &str) -> State {
        State::known(s).unwrap_or_else(|| State::Other(s.to_owned()))
    }
}

/// The address family a wildcard was written in: `0.0.0.0` binds IPv4 only, `[::]` IPv6
/// (sshd sets `IPV6_V6ONLY`), while `*` leaves it open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    V4,
    V6,
}

/// One side of a socket: `0.0.0.0:22`, `[::]:22`, `:::22`, `*:ssh`, `10.0.0.5%eth0:22`,
/// `[fe80::1]%eth0:22`, or a UNIX socket path.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Endpoint {
    /// `None` for a wildcard (`*`, `0.0.0.0`, `::`) or a non-IP endpoint.
    pub addr: Option<IpAddr>,
    /// The family the address was written in, also for wildcards; `None` for `*`.
    pub family: Option<Family>,
    /// The interface after `%`: a bound device or an IPv6 zone.
    pub scope: Option<String>,
    /// `None` for `*` or an unknown service name.
    pub port: Option<u16>,
    /// The service name when the tool printed one instead of a number (`ssh`).
    pub service: Option<String>,
    /// The endpoint as printed (for UNIX sockets, the path or `*`).
    pub text: String,
}

impl Endpoint {
    /// Whether the address part accepts any local address.
    pub fn is_wildcard(&self) -> bool {
        self.addr.is_none() && (self.family.is_some() || self.text.starts_with('*'))
    }

    /// Whether a connection to `ip` reaches this local address. A `*` wildcard takes both
    /// families; `0.0.0.0` only IPv4 and `[::]` only IPv6, as sshd binds them. IPv4-mapped
    /// IPv6 addresses compare equal to their IPv4 form.
    pub fn covers(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        match (self.addr, self.family) {
            (Some(a), _) => a.to_canonical() == ip,
            (None, Some(Family::V4)) => ip.is_ipv4(),
            (None, Some(Family::V6)) => ip.is_ipv6(),
            (None, None) => self.is_wildcard(),
        }
    }
}

/// Splits `host` into address text and scope: `[fe80::1%eth0]`, `[fe80::1]%eth0`,
/// `10.0.0.5%eth0`, `*%lo`.
fn split_scope(host: &str) -> (&str, Option<&str>) {
    if let Some(inner) = host.strip_prefix('[') {
        let (bracketed, after) = inner.split_once(']').unwrap_or((inner, ""));
        let after_scope = after.strip_prefix('%').filter(|s| !s.is_empty());
        return match bracketed.split_once('%') {
            Some((a, s)) => (a, Some(s).or(after_scope)),
            None => (bracketed, after_scope),
        };
    }
    match host.split_once('%') {
        Some((a, s)) => (a, Some(s)),
        None => (host, None),
    }
}

/// Reads an `address:port` endpoint.
fn parse_endpoint(text: &str) -> Result<Endpoint, String> {
    let mut ep = Endpoint {
        text: text.to_owned(),
        ..Endpoint::default()
    };
    if text == "*" {
        return Ok(ep);
    }
    let (host, port) = text
        .rsplit_once(':')
        .ok_or_else(|| format!("no port in address {text:?}"))?;
    let (addr, scope) = split_scope(host);
    ep.scope = scope.map(str::to_owned);
    match addr {
        "*" | "" => {}
        a => {
            let ip: IpAddr = a
                .parse()
                .map_err(|_| format!("unreadable address {a:?} in {text:?}"))?;
            ep.family = Some(if ip.is_ipv4() { Family::V4 } else { Family::V6 });
            ep.addr = Some(ip).filter(|ip| !ip.is_unspecified());
        }
    }
    match port {
        "*" => {}
        p if p.bytes().all(|b| b.is_ascii_digit()) => {
            ep.port = Some(
                p.parse()
                    .map_err(|_| format!("port out of range in {text:?}"))?,
            );
        }
        name => {
            ep.port = service_port(name);
            ep.service = Some(name.to_owned());
        }
    }
    Ok(ep)
}

/// A process holding a socket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Process {
    /// As printed: the command name (`ss`) or netstat's truncated title (`sshd: /usr/sbin`).
    pub name: String,
    pub pid: Option<u32>,
    pub fd: Option<u32>,
}

impl Process {
    /// The program name without a process title's decoration: `sshd` for `sshd: /usr/sbin`.
    pub fn program(&self) -> &str {
        let first = self.name.split_whitespace().next().unwrap_or("");
        first.strip_suffix(':').unwrap_or(first)
    }
}

/// One row of a socket table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Socket {
    pub proto: Proto,
    /// `None` when the tool printed no state (netstat UDP rows, `ss state X` filters).
    pub state: Option<State>,
    pub local: Endpoint,
    pub peer: Endpoint,
    /// Empty when the capture lacks `-p` or was not run as root (`-`).
    pub processes: Vec<Process>,
    /// 1-based line of the row.
    pub line: usize,
}

impl Socket {
    pub fn is_listening(&self) -> bool {
        self.state == Some(State::Listen)
    }

    /// Whether the local address accepts any address.
    pub fn is_wildcard(&self) -> bool {
        self.local.is_wildcard()
    }

    /// Whether a process of this program name holds the socket.
    pub fn held_by(&self, program: &str) -> bool {
        self.processes.iter().any(|p| p.program() == program)
    }
}

/// Queries over a parsed table.
pub trait SocketTable {
    /// Sockets in the `LISTEN` state.
    fn listeners(&self) -> impl Iterator<Item = &Socket>;
    /// Listening sockets on a local port.
    fn listening_on(&self, port: u16) -> Vec<&Socket>;
}

impl SocketTable for [Socket] {
    fn listeners(&self) -> impl Iterator<Item = &Socket> {
        self.iter().filter(|s| s.is_listening())
    }

    fn listening_on(&self, port: u16) -> Vec<&Socket> {
        self.listeners()
            .filter(|s| s.local.port == Some(port))
            .collect()
    }
}

/// netstat `-o`'s last column: `off (0.00/0/0)`, `keepalive (9.55/0/0)`.
static TIMER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\s+(?:off|on|keepalive|timewait|probe|unkn-\d+)\s+\([^()]*\)\s*$")
        .expect("valid regex")
});

fn is_number(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Reads `users:(("sshd",pid=812,fd=3),("sshd",1231,3))` from just after `users:(`.
/// Names are quoted and may hold spaces, commas or parentheses.
fn parse_users(mut s: &str) -> Option<Vec<Process>> {
    let mut out = Vec::new();
    loop {
        s = s.trim_start().strip_prefix(',').unwrap_or(s).trim_start();
        if s.starts_with(')') {
            return Some(out);
        }
        let body = s.strip_prefix("(\"")?;
        let end = body
            .match_indices('"')
            .map(|(i, _)| i)
            .find(|&i| matches!(body.as_bytes().get(i + 1), Some(b',' | b')')))?;
        let name = &body[..end];
        let after = &body[end + 1..];
        let close = after.find(')')?;
        let mut p = Process {
            name: name.to_owned(),
            pid: None,
            fd: None,
        };
        let mut bare = 0;
        for field in after[..close].split(',').filter(|f| !f.is_empty()) {
            match field.split_once('=') {
                Some(("pid", v)) => p.pid = v.parse().ok(),
                Some(("fd", v)) => p.fd = v.parse().ok(),
                Some(_) => {}
                // The older form lists the pid then the fd, unnamed.
                None if bare == 0 => {
                    p.pid = field.parse().ok();
                    bare += 1;
                }
                None => p.fd = field.parse().ok(),
            }
        }
        out.push(p);
        s = &after[close + 1..];
    }
}

/// Finds and reads a `users:(...)` group anywhere in a line's tail.
fn users_in(tail: &str) -> Option<Result<Vec<Process>, ()>> {
    let at = tail.find("users:(")?;
    Some(parse_users(&tail[at + "users:(".len()..]).ok_or(()))
}

/// netstat's `812/sshd`, `328/sshd: /usr/sbin`, or `-` when not run as root.
fn parse_netstat_program(s: &str) -> Vec<Process> {
    match s.split_once('/') {
        Some((pid, name)) if is_number(pid) => vec![Process {
            name: name.trim().to_owned(),
            pid: pid.parse().ok(),
            fd: None,
        }],
        _ => Vec::new(),
    }
}

fn is_program_token(t: &str) -> bool {
    t == "-" || t.split_once('/').is_some_and(|(pid, _)| is_number(pid))
}

/// Which columns an `ss` header announced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct SsColumns {
    netid: bool,
    state: bool,
}

/// Which columns a netstat header announced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct NetstatColumns {
    user_inode: bool,
    program: bool,
    /// False until a `Proto` header is seen: the columns are then guessed per row.
    from_header: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layout {
    Unknown,
    Ss(SsColumns),
    Netstat(NetstatColumns),
    /// A netstat section of no interest (UNIX domain sockets).
    Skipped,
}

const NETSTAT_GUESS: NetstatColumns = NetstatColumns {
    user_inode: false,
    program: true,
    from_header: false,
};

/// Reads the header line of either tool, if `t` is one.
fn header_layout(t: &str) -> Option<Layout> {
    let words: Vec<&str> = t.split_whitespace().collect();
    let has = |w: &str| words.iter().any(|x| x.starts_with(w));
    match words.first().copied()? {
        "Proto" if has("Recv-Q") => Some(Layout::Netstat(NetstatColumns {
            user_inode: has("Inode"),
            program: has("PID/Program"),
            from_header: true,
        })),
        "Netid" if has("Recv-Q") => Some(Layout::Ss(SsColumns {
            netid: true,
            state: has("State"),
        })),
        "State" if has("Recv-Q") => Some(Layout::Ss(SsColumns {
            netid: false,
            state: true,
        })),
        "Recv-Q" if has("Local") => Some(Layout::Ss(SsColumns {
            netid: false,
            state: false,
        })),
        _ => None,
    }
}

/// Guesses the layout of a row seen before any header.
fn guess_layout(f: &[(usize, &str)]) -> Option<Layout> {
    let word = |i: usize| f.get(i).map(|x| x.1).unwrap_or("");
    if is_number(word(1)) && is_number(word(2)) {
        return Some(Layout::Netstat(NETSTAT_GUESS));
    }
    if is_ss_netid(word(0)) && State::known(word(1)).is_some() {
        return Some(Layout::Ss(SsColumns {
            netid: true,
            state: true,
        }));
    }
    State::known(word(0)).map(|_| {
        Layout::Ss(SsColumns {
            netid: false,
            state: true,
        })
    })
}

/// Infers the protocol of an `ss` row printed without a Netid column (`ss -tln`): TCP
/// states mean TCP, an unconnected IP socket UDP.
fn infer_proto(state: Option<&State>, local: &Endpoint) -> Proto {
    match state {
        _ if local.family.is_none() && !local.text.starts_with('*') => Proto::Other("?".to_owned()),
        Some(State::Unconnected) => Proto::Udp,
        Some(_) => Proto::Tcp,
        None => Proto::Other("?".to_owned()),
    }
}

/// Takes an endpoint from the fields at `*i`; UNIX sockets print `path inode` as two fields.
fn take_endpoint(f: &[(usize, &str)], i: &mut usize, unix: bool) -> Result<Endpoint, String> {
    let (_, t) = *f.get(*i).ok_or("too few columns")?;
    *i += 1;
    let pathlike = t.starts_with('/') || t.starts_with('@');
    let next_is_inode = f.get(*i).is_some_and(|(_, n)| is_number(n));
    if unix || (pathlike && next_is_inode) {
        if next_is_inode {
            *i += 1;
        }
        return Ok(Endpoint {
            text: t.to_owned(),
            ..Endpoint::default()
        });
    }
    // Netlink and packet sockets (`rtnl:kernel`, `*:eth0`) have no IP endpoint.
    match parse_endpoint(t) {
        Ok(ep) => Ok(ep),
        Err(_) if t == "*" || !t.contains(|c: char| c.is_ascii_digit() || c == '*') => {
            Ok(Endpoint {
                text: t.to_owned(),
                ..Endpoint::default()
            })
        }
        Err(e) => Err(e),
    }
}

/// Reads an `ss` row; `inherited` is the protocol for SCTP association lines.
fn parse_ss_row(
    body: &str,
    cols: SsColumns,
    inherited: Option<&Proto>,
    line: usize,
) -> Result<Socket, String> {
    let f = fields(body);
    let mut i = 0;
    let netid = if cols.netid {
        i += 1;
        f.first().map(|x| x.1)
    } else {
        None
    };
    let state = if cols.state {
        let s = f.get(i).ok_or("too few columns")?.1;
        i += 1;
        Some(State::parse(s))
    } else {
        None
    };
    for _ in 0..2 {
        let q = f.get(i).ok_or("too few columns")?.1;
        if !is_number(q) {
            return Err(format!("expected a queue size, found {q:?}"));
        }
        i += 1;
    }
    let unix = netid.is_some_and(|n| n.starts_with("u_"));
    let local = take_endpoint(&f, &mut i, unix)?;
    let peer = take_endpoint(&f, &mut i, unix)?;
    let tail = f.get(i).map(|x| &body[x.0..]).unwrap_or("");
    let processes = match users_in(tail) {
        Some(Ok(p)) => p,
        Some(Err(())) => return Err("unreadable users:(...) process list".to_owned()),
        None => Vec::new(),
    };
    let proto = match (netid, inherited) {
        (Some(n), _) => Proto::parse(n),
        (None, Some(p)) => p.clone(),
        (None, None) => infer_proto(state.as_ref(), &local),
    };
    Ok(Socket {
        proto,
        state,
        local,
        peer,
        processes,
        line,
    })
}

/// Reads a netstat Internet row, matching the fixed columns from the left and the timer
/// and program from the right.
fn parse_netstat_row(text: &str, cols: NetstatColumns, line: usize) -> Result<Socket, String> {
    let body = match TIMER.find(text) {
        Some(m) => &text[..m.start()],
        None => text,
    };
    let f = fields(body);
    if f.len() < 5 {
        return Err("too few columns".to_owned());
    }
    if !is_number(f[1].1) || !is_number(f[2].1) {
        return Err("expected queue sizes in columns 2 and 3".to_owned());
    }
    let local = parse_endpoint(f[3].1)?;
    let peer = parse_endpoint(f[4].1)?;
    let rest = &f[5..];
    let program_at = if cols.program {
        rest.iter().position(|(_, t)| is_program_token(t))
    } else {
        None
    };
    let before = &rest[..program_at.unwrap_or(rest.len())];
    let known = before.first().and_then(|(_, t)| State::known(t));
    let expected = if cols.from_header {
        usize::from(cols.user_inode) * 2
    } else {
        before.len().saturating_sub(usize::from(known.is_some()))
    };
    let state = match before.len() {
        n if n == expected + 1 => Some(known.unwrap_or_else(|| State::parse(before[0].1))),
        n if n == expected => None,
        n => {
            return Err(format!(
                "expected {expected} or {} columns after the addresses, found {n}",
                expected + 1
            ))
        }
    };
    let processes = program_at
        .map(|at| parse_netstat_program(body[rest[at].0..].trim()))
        .unwrap_or_default();
    Ok(Socket {
        proto: Proto::parse(f[0].1),
        state,
        local,
        peer,
        processes,
        line,
    })
}

/// Line-by-line reader keeping the current layout.
struct Reader<'d> {
    layout: Layout,
    sockets: Vec<Socket>,
    diags: &'d mut Vec<Diagnostic>,
}

impl Reader<'_> {
    fn warn(&mut self, line: usize, msg: impl Into<String>) {
        self.diags
            .push(Diagnostic::warning(msg.into()).at_line(line));
    }

    fn line(&mut self, line: usize, text: &str) {
        let t = text.trim();
        if t.is_empty() {
            return;
        }
        if is_shell_prompt(text) {
            self.diags.push(
                Diagnostic::info("unrecognised line (a shell prompt?) skipped").at_line(line),
            );
            return;
        }
        if let Some(section) = t.strip_prefix("Active ") {
            self.section(line, section);
            return;
        }
        if self.layout == Layout::Skipped {
            return;
        }
        if let Some(layout) = header_layout(t) {
            self.layout = layout;
            return;
        }
        if text.starts_with(char::is_whitespace) && self.continuation(line, t) {
            return;
        }
        self.row(line, text);
    }

    /// netstat's `Active ... (servers and established)` section titles.
    fn section(&mut self, line: usize, title: &str) {
        if title.starts_with("Internet connections") {
            self.layout = Layout::Netstat(NETSTAT_GUESS);
        } else {
            self.layout = Layout::Skipped;
            let name = title.split(" (").next().unwrap_or(title);
            self.diags.push(
                Diagnostic::info(format!(
                    "netstat section \"{name}\" skipped: not IP sockets"
                ))
                .at_line(line),
            );
        }
    }

    /// An indented line under an `ss` socket: an SCTP association (`` `- ESTAB ... ``), or
    /// detail (`skmem:`, TCP info, wrapped `users:`). Returns false when it is neither.
    fn continuation(&mut self, line: usize, t: &str) -> bool {
        if !matches!(self.layout, Layout::Ss(_) | Layout::Unknown) {
            return false;
        }
        let Some(parent) = self.sockets.last() else {
            return false;
        };
        if let Some(assoc) = t.strip_prefix("`-") {
            let proto = parent.proto.clone();
            let cols = SsColumns {
                netid: false,
                state: true,
            };
            match parse_ss_row(assoc, cols, Some(&proto), line) {
                Ok(s) => self.sockets.push(s),
                Err(e) => self.warn(line, format!("unreadable association line: {e}")),
            }
            return true;
        }
        let users = users_in(t);
        if let Some(last) = self.sockets.last_mut() {
            match users {
                Some(Ok(p)) if last.processes.is_empty() => last.processes = p,
                Some(Err(())) => self.warn(line, "unreadable users:(...) process list"),
                _ => {}
            }
        }
        true
    }

    fn row(&mut self, line: usize, text: &str) {
        if self.layout == Layout::Unknown {
            match guess_layout(&fields(text)) {
                Some(l) => self.layout = l,
                None => {
                    self.warn(line, "unrecognised line before any socket table header");
                    return;
                }
            }
        }
        let parsed = match self.layout {
            Layout::Ss(cols) => parse_ss_row(text, cols, None, line),
            Layout::Netstat(cols) => parse_netstat_row(text, cols, line),
            Layout::Unknown | Layout::Skipped => return,
        };
        match parsed {
            Ok(s) => {
                self.note_service(&s);
                self.sockets.push(s);
            }
            Err(e) => self.warn(line, format!("unreadable socket row: {e}")),
        }
    }

    /// Warns when a service name could not be turned into a port.
    fn note_service(&mut self, s: &Socket) {
        for ep in [&s.local, &s.peer] {
            if let (Some(name), None) = (&ep.service, ep.port) {
                self.warn(
                    s.line,
                    format!(
                        "service name {name:?} has no known port; capture with -n to see numbers"
                    ),
                );
            }
        }
    }
}

/// Reads an `ss` or `netstat` capture. Rows that cannot be read become warnings with their
/// line; the layout follows each header, so concatenated captures work.
pub fn parse(text: &str, diags: &mut Vec<Diagnostic>) -> Vec<Socket> {
    let mut r = Reader {
        layout: Layout::Unknown,
        sockets: Vec::new(),
        diags,
    };
    for (i, raw) in text.lines().enumerate() {
        r.line(i + 1, raw.strip_suffix('\r').unwrap_or(raw));
    }
    r.sockets
}

/// How likely `head` is an `ss` or `netstat` socket table.
pub fn sniff(head: &str) -> f32 {
    let mut rows = 0;
    let mut seen = 0;
    for l in head.lines().take(40) {
        let t = l.trim();
        if t.is_empty() || is_shell_prompt(l) {
            continue;
        }
        if t.starts_with("Active Internet connections") {
            return 0.95;
        }
        if let Some(Layout::Ss(_) | Layout::Netstat(_)) = header_layout(t) {
            if t.contains("Local Address") {
                return 0.95;
            }
        }
        seen += 1;
        if guess_layout(&fields(t)).is_some() {
            rows += 1;
        }
    }
    if seen >= 2 && rows * 10 >= seen * 8 {
        0.6
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn v4(a: u8, b: u8, c: u8, d: u8) -> Option<IpAddr> {
        Some(IpAddr::V4(Ipv4Addr::new(a, b, c, d)))
    }

    /// Input, then the expected address, family, scope and port.
    type EndpointCase<'a> = (
        &'a str,
        Option<IpAddr>,
        Option<Family>,
        Option<&'a str>,
        Option<u16>,
    );

    #[test]
    fn endpoint_forms() {
        let cases: &[EndpointCase] = &[
            ("0.0.0.0:22", None, Some(Family::V4), None, Some(22)),
            ("*:22", None, None, None, Some(22)),
            ("[::]:22", None, Some(Family::V6), None, Some(22)),
            (":::22", None, Some(Family::V6), None, Some(22)),
            ("*:*", None, None, None, None),
            ("0.0.0.0:*", None, Some(Family::V4), None, None),
            (
                "192.168.4.20:2222",
                v4(192, 168, 4, 20),
                Some(Family::V4),
                None,
                Some(2222),
            ),
            (
                "10.0.0.5%eth0:22",
                v4(10, 0, 0, 5),
                Some(Family::V4),
                Some("eth0"),
                Some(22),
            ),
            (
                "127.0.0.53%lo:53",
                v4(127, 0, 0, 53),
                Some(Family::V4),
                Some("lo"),
                Some(53),
            ),
            ("*%lo:53", None, None, Some("lo"), Some(53)),
            ("*:ssh", None, None, None, Some(22)),
            (
                "[::1]:631",
                Some(IpAddr::V6(Ipv6Addr::LOCALHOST)),
                Some(Family::V6),
                None,
                Some(631),
            ),
            (
                "::1:631",
                Some(IpAddr::V6(Ipv6Addr::LOCALHOST)),
                Some(Family::V6),
                None,
                Some(631),
            ),
        ];
        for &(text, addr, family, scope, port) in cases {
            let ep = parse_endpoint(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(ep.addr, addr, "{text}");
            assert_eq!(ep.family, family, "{text}");
            assert_eq!(ep.scope.as_deref(), scope, "{text}");
            assert_eq!(ep.port, port, "{text}");
        }
    }

    #[test]
    fn ipv6_scopes_and_mapped_addresses() {
        let fe80: IpAddr = "fe80::5054:ff:fe12:3456".parse().unwrap();
        for text in [
            "[fe80::5054:ff:fe12:3456%ens3]:22",
            "[fe80::5054:ff:fe12:3456]%ens3:22",
            "fe80::5054:ff:fe12:3456%ens3:22",
        ] {
            let ep = parse_endpoint(text).unwrap();
            assert_eq!(
                (ep.addr, ep.scope.as_deref()),
                (Some(fe80), Some("ens3")),
                "{text}"
            );
        }
        let mapped = parse_endpoint("[::ffff:10.0.0.5]:22").unwrap();
        assert!(mapped.covers("10.0.0.5".parse().unwrap()));
        let old = parse_endpoint("::ffff:10.0.0.5:22").unwrap();
        assert_eq!(old.port, Some(22));
        assert!(old.covers("10.0.0.5".parse().unwrap()));
    }

    #[test]
    fn wildcard_coverage_by_family() {
        let ip4: IpAddr = "10.0.0.5".parse().unwrap();
        let ip6: IpAddr = "2001:db8::5".parse().unwrap();
        let cases = [
            ("0.0.0.0:22", true, false),
            ("[::]:22", false, true),
            ("*:22", true, true),
            ("10.0.0.5:22", true, false),
            ("10.0.0.6:22", false, false),
        ];
        for (text, c4, c6) in cases {
            let ep = parse_endpoint(text).unwrap();
            assert_eq!((ep.covers(ip4), ep.covers(ip6)), (c4, c6), "{text}");
        }
        assert!(parse_endpoint("0.0.0.0:22").unwrap().is_wildcard());
        assert!(!parse_endpoint("10.0.0.5:22").unwrap().is_wildcard());
    }

    #[test]
    fn bad_endpoints_are_errors() {
        for text in ["10.0.0.5", "10.0.0.999:22", "10.0.0.5:70000", "[zz::1]:22"] {
            assert!(parse_endpoint(text).is_err(), "{text}");
        }
    }

    #[test]
    fn process_forms() {
        let p = |name: &str, pid, fd| Process {
            name: name.to_owned(),
            pid,
            fd,
        };
        let cases: Vec<(&str, Vec<Process>)> = vec![
            (
                r#"("sshd",pid=812,fd=3),("sshd",pid=900,fd=3))"#,
                vec![p("sshd", Some(812), Some(3)), p("sshd", Some(900), Some(3))],
            ),
            (r#"("sshd",1231,3))"#, vec![p("sshd", Some(1231), Some(3))]),
            (
                r#"("Web Content",pid=4410,fd=77))"#,
                vec![p("Web Content", Some(4410), Some(77))],
            ),
            (
                r#"("(sd-pam)",pid=77,fd=1))"#,
                vec![p("(sd-pam)", Some(77), Some(1))],
            ),
        ];
        for (text, want) in cases {
            assert_eq!(parse_users(text), Some(want), "{text}");
        }
        assert_eq!(parse_users(r#"("sshd",pid=8"#), None);
        assert_eq!(
            parse_netstat_program("328/sshd: /usr/sbin"),
            vec![p("sshd: /usr/sbin", Some(328), None)]
        );
        assert_eq!(
            parse_netstat_program("328/sshd: /usr/sbin")[0].program(),
            "sshd"
        );
        assert!(parse_netstat_program("-").is_empty());
    }

    const SS_TLNP: &str = "\
State    Recv-Q   Send-Q     Local Address:Port     Peer Address:Port  Process
LISTEN   0        4096       127.0.0.53%lo:53            0.0.0.0:*      users:((\"systemd-resolve\",pid=640,fd=14))
LISTEN   0        128              0.0.0.0:2222          0.0.0.0:*      users:((\"sshd\",pid=812,fd=3),(\"sshd\",pid=1990,fd=3))
LISTEN   0        128                 [::]:2222             [::]:*      users:((\"sshd\",pid=812,fd=4))
LISTEN   0        4096                   *:9100                *:*      users:((\"node_exporter\",pid=701,fd=3))
";

    #[test]
    fn ss_tlnp_without_netid() {
        let mut d = Vec::new();
        let s = parse(SS_TLNP, &mut d);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(s.len(), 4);
        let sshd = s.listening_on(2222);
        assert_eq!(sshd.iter().map(|x| x.line).collect::<Vec<_>>(), vec![3, 4]);
        assert!(sshd
            .iter()
            .all(|x| x.proto == Proto::Tcp && x.held_by("sshd")));
        assert_eq!(sshd[0].processes.len(), 2);
        assert_eq!(sshd[1].local.family, Some(Family::V6));
        assert!(s.listening_on(22).is_empty());
        assert_eq!(s[0].local.scope.as_deref(), Some("lo"));
        assert!(s[3].is_wildcard());
    }

    const SS_PEAONMI: &str = "\
Netid State  Recv-Q Send-Q                 Local Address:Port   Peer Address:Port Process
nl    UNCONN 0      0                        rtnl:kernel                 *            sk:1 <->
u_str LISTEN 0      4096     /run/systemd/private 16123                 * 0     users:((\"systemd\",pid=1,fd=37)) ino:16123 sk:2 cgroup:/ <->
\t skmem:(r0,rb212992,t0,tb212992,f0,w0,o0,bl0,d0)
udp   UNCONN 0      0                  127.0.0.53%lo:53          0.0.0.0:*     users:((\"systemd-resolve\",pid=640,fd=13)) uid:101 ino:19877 sk:3 cgroup:/system.slice/systemd-resolved.service <->
\t skmem:(r0,rb212992,t0,tb212992,f0,w0,o0,bl0,d0)
tcp   LISTEN 0      128                      0.0.0.0:22          0.0.0.0:*     users:((\"sshd\",pid=812,fd=3)) ino:20345 sk:4 cgroup:/system.slice/ssh.service <->
\t skmem:(r0,rb131072,t0,tb16384,f0,w0,o0,bl0,d0) cubic rto:1000 mss:536 cwnd:10 lastsnd:1723 lastrcv:1723
tcp   ESTAB  0      36                     10.0.0.5:22      10.0.0.77:51544 timer:(on,224ms,0) users:((\"sshd\",pid=2211,fd=4),(\"sshd\",pid=2107,fd=4)) ino:88120 sk:5 cgroup:/user.slice <->
\t skmem:(r0,rb131072,t0,tb87040,f4096,w0,o0,bl0,d0) ts sack cubic wscale:7,7 rto:224 rtt:21.3/8.1
";

    #[test]
    fn ss_peaonmi_with_detail_lines() {
        let mut d = Vec::new();
        let s = parse(SS_PEAONMI, &mut d);
        assert!(d.is_empty(), "{d:?}");
        let lines: Vec<usize> = s.iter().map(|x| x.line).collect();
        assert_eq!(lines, vec![2, 3, 5, 7, 9]);
        assert_eq!(s[1].proto, Proto::Unix);
        assert_eq!(s[1].local.text, "/run/systemd/private");
        assert_eq!(s[2].proto, Proto::Udp);
        assert_eq!(s[2].state, Some(State::Unconnected));
        let l = s.listening_on(22);
        assert_eq!(l.len(), 1);
        assert_eq!((l[0].line, l[0].processes[0].pid), (7, Some(812)));
        assert_eq!(s[4].state, Some(State::Established));
        assert_eq!(s[4].peer.addr, v4(10, 0, 0, 77));
        assert_eq!(s[4].processes.len(), 2);
    }

    const NETSTAT_WIDE: &str = "\
Active Internet connections (servers and established)
Proto Recv-Q Send-Q Local Address           Foreign Address         State       User       Inode      PID/Program name     Timer
tcp        0      0 0.0.0.0:2222            0.0.0.0:*               LISTEN      0          31544      955/sshd: /usr/sbin  off (0.00/0/0)
tcp        0     36 10.20.1.14:2222         10.20.9.3:60112         ESTABLISHED 0          90211      4120/sshd: admin [p  on (0.20/0/0)
tcp        0      0 10.20.1.14:41990        10.20.1.1:443           TIME_WAIT   0          0          -                    timewait (42.11/0/0)
tcp6       0      0 :::2222                 :::*                    LISTEN      0          31546      955/sshd: /usr/sbin  off (0.00/0/0)
udp        0      0 127.0.0.53:53           0.0.0.0:*                           101        22810      611/systemd-resolve  off (0.00/0/0)
raw6       0      0 :::58                   :::*                    7           100        20044      598/systemd-network  off (0.00/0/0)
Active UNIX domain sockets (servers and established)
Proto RefCnt Flags       Type       State         I-Node   PID/Program name     Path
unix  2      [ ACC ]     STREAM     LISTENING     16123    1/systemd            /run/systemd/private
unix  3      [ ]         DGRAM                    16130    1/systemd            /run/systemd/notify
";

    #[test]
    fn netstat_wide_with_unix_section() {
        let mut d = Vec::new();
        let s = parse(NETSTAT_WIDE, &mut d);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(
            (d[0].level, d[0].line),
            (crate::model::Level::Info, Some(9))
        );
        assert_eq!(s.len(), 6);
        let l = s.listening_on(2222);
        assert_eq!(l.iter().map(|x| x.line).collect::<Vec<_>>(), vec![3, 6]);
        assert_eq!(l[1].proto, Proto::Tcp6);
        assert!(l.iter().all(|x| x.held_by("sshd") && x.is_wildcard()));
        assert_eq!(s[1].processes[0].name, "sshd: admin [p");
        assert_eq!(s[2].state, Some(State::TimeWait));
        assert!(s[2].processes.is_empty());
        assert_eq!((s[4].proto.is_udp(), s[4].state.clone()), (true, None));
        assert_eq!(s[4].processes[0].pid, Some(611));
        assert_eq!(s[5].state, Some(State::Other("7".to_owned())));
    }

    #[test]
    fn netstat_tlnp_and_headerless_rows() {
        let text = "\
Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name
tcp        0      0 0.0.0.0:22              0.0.0.0:*               LISTEN      1022/sshd
tcp6       0      0 :::22                   :::*                    LISTEN      1022/sshd
";
        let mut d = Vec::new();
        let s = parse(text, &mut d);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(s.listening_on(22).len(), 2);
        let headerless =
            "tcp        0      0 0.0.0.0:22     0.0.0.0:*       LISTEN      1022/sshd\n";
        let s = parse(headerless, &mut d);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(s[0].processes[0].pid, Some(1022));
    }

    #[test]
    fn transcript_with_prompts_service_names_and_associations() {
        let text = "\
admin@gw-3:~$ ss -a
Netid State      Recv-Q Send-Q     Local Address:Port       Peer Address:Port
u_str ESTAB      0      0                      * 40211                 * 40212
tcp   LISTEN     0      128                    *:ssh                   *:*
tcp   ESTAB      0      0       ::ffff:10.1.1.2:ssh    ::ffff:10.1.9.9:50022
sctp  LISTEN     0      128             10.1.1.2:3868                  *:*
      `- ESTAB   0      0          10.1.1.2%eth1:3868           10.1.5.5:3868
admin@gw-3:~$
";
        let mut d = Vec::new();
        let s = parse(text, &mut d);
        let infos: Vec<_> = d.iter().map(|x| (x.level, x.line)).collect();
        use crate::model::Level::Info;
        assert_eq!(infos, vec![(Info, Some(1)), (Info, Some(8))]);
        assert_eq!(s.len(), 5);
        assert_eq!(s.listening_on(22)[0].line, 4);
        assert_eq!(s[2].local.addr, "::ffff:10.1.1.2".parse().ok());
        assert_eq!(s[4].proto, Proto::Other("sctp".to_owned()));
        assert_eq!((s[4].line, s[4].local.scope.as_deref()), (7, Some("eth1")));
    }

    #[test]
    fn bad_rows_are_warnings_with_lines() {
        let text = "\
Netid State  Recv-Q Send-Q Local Address:Port Peer Address:Port
tcp   LISTEN 0      128    0.0.0.0:22         0.0.0.0:*
tcp   LISTEN 0      128    300.0.0.1:22       0.0.0.0:*
tcp   LISTEN x      128    0.0.0.0:22         0.0.0.0:*
tcp   LISTEN 0      128    0.0.0.0:webmin     0.0.0.0:*
tcp   LISTEN 0      128    0.0.0.0:23         0.0.0.0:*   users:((\"telnetd
garbage
";
        let mut d = Vec::new();
        let s = parse(text, &mut d);
        let warned: Vec<_> = d.iter().map(|x| x.line.unwrap_or(0)).collect();
        assert_eq!(warned, vec![3, 4, 5, 6, 7]);
        assert!(d.iter().all(|x| x.level == crate::model::Level::Warning));
        assert_eq!(s.iter().map(|x| x.line).collect::<Vec<_>>(), vec![2, 5]);
        assert_eq!(s[1].local.service.as_deref(), Some("webmin"));
    }

    #[test]
    fn never_panics_on_fragments() {
        let mut d = Vec::new();
        for text in [
            "",
            "\n\n",
            "Netid",
            "tcp",
            "tcp LISTEN",
            "tcp LISTEN 0 0 [",
            "tcp LISTEN 0 0 ]:",
            "  `-",
            "State Recv-Q\n  `- x",
            "Proto Recv-Q\ntcp 0 0 a b c d e f",
            "users:((\"",
            "tcp 0 0 [::%:1 *:* -",
            "Netid State Recv-Q\nu_str ESTAB 0 0 users:((\"\u{e9}\",pid=",
        ] {
            let _ = parse(text, &mut d);
        }
    }

    #[test]
    fn sniffing() {
        assert!(sniff(SS_TLNP) > 0.9);
        assert!(sniff(SS_PEAONMI) > 0.9);
        assert!(sniff(NETSTAT_WIDE) > 0.9);
        assert!(
            sniff("tcp   LISTEN 0 128 0.0.0.0:22 0.0.0.0:*\ntcp   LISTEN 0 128 [::]:22 [::]:*\n")
                > 0.5
        );
        assert_eq!(sniff("Port 22\nListenAddress 0.0.0.0\n"), 0.0);
        assert_eq!(sniff("127.0.0.1 localhost\n::1 localhost\n"), 0.0);
    }
}
