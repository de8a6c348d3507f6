//! What every rule needs: the facts, the user's hints, a way to say an artifact was
//! missing, and small shared judgements (is this the sshd unit, which connection does a line
//! belong to, what to call the service in a fix command).

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};

use crate::facts::Facts;
use crate::finding::{Evidence, Finding, Subjects};
use crate::model::{Diagnostic, Event, EventKind, Severity};
use crate::rank::Hints;

use super::Rule;

/// A connection: the host and sshd's per-connection pid.
pub type ConnectionKey<'f> = (Option<&'f str>, u32);

/// The input of a rule, with the events indexed once so that no rule has to rescan them
/// for every user or connection it looks at.
pub struct RuleContext<'f> {
    pub facts: &'f Facts,
    pub hints: &'f Hints,
    missing: RefCell<Vec<Diagnostic>>,
    by_kind: HashMap<EventKind, Vec<&'f Event>>,
    by_connection: HashMap<ConnectionKey<'f>, Vec<&'f Event>>,
}

impl<'f> RuleContext<'f> {
    pub fn new(facts: &'f Facts, hints: &'f Hints) -> Self {
        let mut by_kind: HashMap<EventKind, Vec<&Event>> = HashMap::new();
        let mut by_connection: HashMap<ConnectionKey, Vec<&Event>> = HashMap::new();
        for e in &facts.events {
            by_kind.entry(e.kind).or_default().push(e);
            if let Some(key) = connection_key(e) {
                by_connection.entry(key).or_default().push(e);
            }
        }
        RuleContext {
            facts,
            hints,
            missing: RefCell::new(Vec::new()),
            by_kind,
            by_connection,
        }
    }

    /// Every line of one sshd connection, in time order.
    pub fn connection(&self, key: ConnectionKey<'f>) -> &[&'f Event] {
        self.by_connection.get(&key).map_or(&[], Vec::as_slice)
    }

    /// Records that `rule` could not check something because the bundle lacks `what`.
    pub fn missing(&self, rule: &Rule, what: &str) {
        self.missing.borrow_mut().push(Diagnostic::info(format!(
            "{}: not checked, the bundle has no {what}",
            rule.id
        )));
    }

    pub fn take_diagnostics(&self) -> Vec<Diagnostic> {
        std::mem::take(&mut self.missing.borrow_mut())
    }

    pub fn events(&self) -> impl Iterator<Item = &'f Event> {
        self.facts.events.iter()
    }

    pub fn events_of(&self, kind: EventKind) -> impl Iterator<Item = &'f Event> + '_ {
        self.by_kind
            .get(&kind)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .copied()
    }

    /// Events of `kind` whose `reason` field passes `test` (`Cannot assign requested
    /// address`, `Could not resolve ...`).
    pub fn events_with_reason<'s>(
        &'s self,
        kind: EventKind,
        test: impl Fn(&str) -> bool + 's,
    ) -> impl Iterator<Item = &'f Event> + 's {
        self.events_of(kind)
            .filter(move |e| e.fields.reason.as_deref().is_some_and(&test))
    }
}

/// Starts a finding from a rule's metadata.
pub fn finding(rule: &'static Rule, summary: String) -> Finding {
    Finding {
        summary,
        ..Finding::new(rule.id, rule.title, rule.severity)
    }
}

/// Adds an event's line as evidence and its user, address and port as subjects.
pub fn cite(f: &mut Finding, event: &Event) {
    if f.evidence
        .iter()
        .any(|e| e.path == event.location.path && e.line == event.location.line)
    {
        return;
    }
    f.evidence.push(Evidence::from_event(event));
    note_subjects(&mut f.subjects, event);
}

pub fn note_subjects(subjects: &mut Subjects, event: &Event) {
    if let Some(u) = &event.fields.user {
        if !u.is_empty() {
            subjects.users.insert(u.clone());
        }
    }
    if let Some(a) = &event.fields.addr {
        subjects.addresses.insert(a.clone());
    }
}

/// Sorts evidence by time (undated lines, such as configuration, last, in file order),
/// fills the span, and caps the list so a flood does not bury the proof.
pub fn finish(mut f: Finding, max_evidence: usize) -> Finding {
    let mut seen = std::collections::HashSet::new();
    f.evidence.retain(|e| seen.insert((e.path.clone(), e.line)));
    f.evidence.sort_by(|a, b| {
        (a.time.is_none(), a.time, &a.path, a.line).cmp(&(
            b.time.is_none(),
            b.time,
            &b.path,
            b.line,
        ))
    });
    if f.evidence.len() > max_evidence {
        // Keep the first and the last lines of a long run: how it began and how it ended.
        let head = max_evidence / 2;
        let tail = max_evidence - head;
        let n = f.evidence.len();
        let mut kept: Vec<Evidence> = f.evidence.drain(..head).collect();
        kept.extend(f.evidence.drain(n - head - tail..));
        f.evidence = kept;
    }
    f.fill_span_from_evidence();
    f
}

/// Whether a unit name is the OpenSSH server (`ssh.service` on Debian/Ubuntu,
/// `sshd.service` elsewhere, with or without the suffix, or its socket).
pub fn is_sshd_unit(unit: &str) -> bool {
    let base = unit.trim_end_matches(".service");
    matches!(base, "ssh" | "sshd" | "openssh" | "openssh-server") || base.starts_with("sshd@")
}

/// The service name to use in fix commands, as this host names it.
pub fn service_name(facts: &Facts) -> &'static str {
    let named_ssh = facts
        .events
        .iter()
        .filter_map(|e| e.fields.unit.as_deref())
        .chain(facts.units.iter().map(|u| u.status.name.as_str()))
        .any(|u| u == "ssh.service" || u == "ssh");
    if named_ssh {
        "ssh"
    } else {
        "sshd"
    }
}

/// Whether an address is outside the organisation (not private, loopback or link-local).
pub fn is_outside_address(addr: &str) -> bool {
    match addr.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(v4)) => {
            !(v4.is_private() || v4.is_loopback() || v4.is_link_local() || v4.is_unspecified())
        }
        Ok(std::net::IpAddr::V6(v6)) => {
            let seg = v6.segments()[0];
            !(v6.is_loopback() || (seg & 0xfe00) == 0xfc00 || (seg & 0xffc0) == 0xfe80)
        }
        // A host name: sshd resolved it, so it is some outside name.
        Err(_) => true,
    }
}

/// Identifies the sshd connection a line belongs to: its host and per-connection pid.
/// Since 9.8 the per-connection process is `sshd-session`, which still logs the
/// connection's lines under one pid; the listener's pid never carries auth lines.
pub fn connection_key(event: &Event) -> Option<ConnectionKey<'_>> {
    let sshd = matches!(
        event.program.as_str(),
        "sshd" | "sshd-session" | "sshd-auth"
    ) || event.program.starts_with("sshd(");
    event
        .pid
        .filter(|_| sshd)
        .map(|pid| (event.host.as_deref(), pid))
}

/// Failed authentication kinds that count as a guess.
pub fn is_auth_failure(event: &Event) -> bool {
    matches!(
        event.kind,
        EventKind::AuthFailed | EventKind::InvalidUser | EventKind::MaxAuthTriesExceeded
    )
}

/// Raises a severity by one step, for findings about the user the ticket names.
pub fn bump(severity: Severity) -> Severity {
    match severity {
        Severity::Info => Severity::Low,
        Severity::Low => Severity::Medium,
        Severity::Medium => Severity::High,
        s => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_commands_that_modify_the_firewall_count() {
        assert!(changes_firewall(
            "/bin/firewall-cmd --permanent --remove-service=ssh"
        ));
        assert!(changes_firewall("/usr/sbin/ufw deny 22/tcp"));
        assert!(changes_firewall(
            "/sbin/iptables -I INPUT -p tcp --dport 22 -j DROP"
        ));
        assert!(!changes_firewall("/bin/firewall-cmd --list-all"));
        assert!(!changes_firewall("/usr/sbin/ufw status verbose"));
        assert!(!changes_firewall("/sbin/iptables -nvL"));
        assert!(!changes_firewall("/usr/bin/systemctl status sshd"));
    }

    #[test]
    fn outside_addresses() {
        assert!(is_outside_address("203.0.113.9"));
        assert!(!is_outside_address("10.20.0.15"));
        assert!(!is_outside_address("192.168.40.12"));
        assert!(!is_outside_address("fd00::1"));
        assert!(is_outside_address("2001:db8::5"));
        assert!(!is_outside_address("127.0.0.1"));
    }

    #[test]
    fn sshd_unit_names() {
        for u in [
            "ssh.service",
            "sshd.service",
            "sshd",
            "sshd@1-10.0.0.5:22-10.0.0.9:5555.service",
        ] {
            assert!(is_sshd_unit(u), "{u}");
        }
        assert!(!is_sshd_unit("ssh.socket"));
        assert!(!is_sshd_unit("cron.service"));
    }
}

/// What one remote address did: how many guesses, for which users, when.
#[derive(Clone, Debug, Default)]
pub struct SourceStats<'f> {
    pub failures: Vec<&'f Event>,
    pub users: BTreeSet<String>,
}

/// Failures per remote address, over the whole bundle.
pub fn failures_by_source<'f>(
    ctx: &RuleContext<'f>,
) -> std::collections::BTreeMap<&'f str, SourceStats<'f>> {
    let mut map: std::collections::BTreeMap<&str, SourceStats> = Default::default();
    for e in ctx.events().filter(|e| is_auth_failure(e)) {
        let Some(addr) = e.fields.addr.as_deref() else {
            continue;
        };
        let stats = map.entry(addr).or_default();
        stats.failures.push(e);
        if let Some(u) = &e.fields.user {
            stats.users.insert(u.clone());
        }
    }
    map
}

/// Guessing, as opposed to a person mistyping: many failures, or many different names.
pub const GUESSING_FAILURES: usize = 10;
pub const GUESSING_NAMES: usize = 4;

/// Accounts that exist for daemons, never for people: the host's passwd says so (a
/// system uid or a nologin shell); without it, the names every distribution ships.
pub fn is_system_account(facts: &crate::facts::Facts, user: &str) -> bool {
    const SHIPPED: &[&str] = &[
        "daemon", "bin", "sys", "sync", "games", "man", "lp", "mail", "news", "uucp", "proxy",
        "www-data", "backup", "list", "irc", "gnats", "nobody", "operator", "ftp", "adm", "halt",
        "shutdown",
    ];
    match facts.account(user) {
        Some(a) => a.name != "root" && (a.uid < 1000 || a.has_nologin_shell()),
        None => SHIPPED.contains(&user),
    }
}

/// Whether the event came from one of `addrs`.
pub fn comes_from(e: &Event, addrs: &BTreeSet<&str>) -> bool {
    e.fields.addr.as_deref().is_some_and(|a| addrs.contains(a))
}

pub fn is_guessing(stats: &SourceStats) -> bool {
    stats.failures.len() >= GUESSING_FAILURES || stats.users.len() >= GUESSING_NAMES
}

/// Addresses that were guessing passwords: their failures are noise for per-user rules.
pub fn guessing_sources<'f>(ctx: &RuleContext<'f>) -> BTreeSet<&'f str> {
    failures_by_source(ctx)
        .into_iter()
        .filter(|(_, s)| is_guessing(s))
        .map(|(a, _)| a)
        .collect()
}

/// What the user's own ssh client reported when it could not connect (`Connection timed
/// out`, `Connection refused`, `No route to host`), when the bundle has its output.
pub fn client_connect_failures<'f>(ctx: &RuleContext<'f>) -> Vec<&'f Event> {
    ctx.events_with_reason(EventKind::ClientConnectFailed, |reason| {
        ["timed out", "refused", "No route", "unreachable"]
            .iter()
            .any(|r| reason.contains(r))
    })
    .collect()
}

/// Administrators' commands that changed the firewall, for the story of how it closed.
/// Listing commands (`ufw status`, `firewall-cmd --list-all`, `iptables -L`) change
/// nothing and are left out.
pub fn firewall_changes<'f>(ctx: &RuleContext<'f>) -> Vec<&'f Event> {
    ctx.events_of(EventKind::SudoCommand)
        .filter(|e| changes_firewall(e.fields.reason.as_deref().unwrap_or("")))
        .collect()
}

fn changes_firewall(cmd: &str) -> bool {
    let words: Vec<&str> = cmd.split_whitespace().collect();
    let Some(program) = words.first().map(|p| p.rsplit('/').next().unwrap_or(p)) else {
        return false;
    };
    let any = |options: &[&str]| {
        words[1..]
            .iter()
            .any(|w| options.iter().any(|o| w.starts_with(o)))
    };
    match program {
        "ufw" => any(&[
            "allow", "deny", "reject", "limit", "delete", "insert", "enable", "disable", "default",
            "reset", "route",
        ]),
        "firewall-cmd" => any(&[
            "--add",
            "--remove",
            "--reload",
            "--set",
            "--change",
            "--complete-reload",
        ]),
        "iptables" | "ip6tables" => any(&["-A", "-I", "-D", "-R", "-F", "-P", "-X", "-N"]),
        "iptables-restore" | "ip6tables-restore" => true,
        "nft" => any(&["add", "delete", "flush", "insert", "replace", "-f"]),
        _ => false,
    }
}

/// Where sshd was last seen listening: its latest `Server listening on` lines (one per
/// address, logged together at a start) and the sockets a listener table shows it holding.
pub fn sshd_listening<'f>(ctx: &RuleContext<'f>) -> Vec<Listening> {
    let mut out = Vec::new();
    let listening: Vec<&Event> = ctx.events_of(EventKind::ServerListening).collect();
    if let Some(last) = listening.last().and_then(|e| e.time) {
        for e in listening.iter().filter(|e| {
            e.time
                .is_some_and(|t| last - t <= chrono::TimeDelta::seconds(5))
        }) {
            out.push(Listening {
                addr: e.fields.local_addr.as_deref().and_then(|a| a.parse().ok()),
                wildcard: matches!(e.fields.local_addr.as_deref(), Some("0.0.0.0" | "::")),
                port: e.fields.local_port,
                evidence: Evidence::from_event(e),
            });
        }
    }
    for table in &ctx.facts.network.sockets {
        for s in table
            .value
            .iter()
            .filter(|s| s.is_listening() && s.held_by("sshd"))
        {
            let location = table.location(s.line);
            let text = ctx.facts.line_text(&location).unwrap_or_default();
            out.push(Listening {
                addr: s.local.addr,
                wildcard: s.is_wildcard(),
                port: s.local.port,
                evidence: Evidence::at(&location, text).with_note("sshd's listening socket"),
            });
        }
    }
    out
}

/// One address and port sshd listens on, and the line that shows it.
pub struct Listening {
    pub addr: Option<std::net::IpAddr>,
    pub wildcard: bool,
    pub port: Option<u16>,
    pub evidence: Evidence,
}

/// The distinct addresses of `host_addresses` rows, sorted, as text.
pub fn address_list(rows: &[(std::net::IpAddr, Evidence)]) -> Vec<String> {
    let set: BTreeSet<std::net::IpAddr> = rows.iter().map(|(a, _)| *a).collect();
    set.iter().map(ToString::to_string).collect()
}

/// The host's own addresses, each with the line of the `ip addr`/`ifconfig` output.
pub fn host_addresses(ctx: &RuleContext) -> Vec<(std::net::IpAddr, Evidence)> {
    let mut out = Vec::new();
    for table in &ctx.facts.network.interfaces {
        for iface in &table.value {
            for a in &iface.addresses {
                let location = table.location(a.line);
                let text = ctx.facts.line_text(&location).unwrap_or_default();
                out.push((a.addr, Evidence::at(&location, text)));
            }
        }
    }
    out
}
