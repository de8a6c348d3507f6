//! Decides what each member of a bundle is. Real bundles come as sosreports, SUSE
//! supportconfigs, or loose files a customer named as they liked (`authlog.txt`,
//! `sshd_config (1).txt`), so the kind is decided by content; the path is only a hint that
//! breaks ties and recognises the well-known sosreport locations.
//!
//! The result is a list of [`Artifact`]s: a member, or a section of a supportconfig file,
//! with its kind, the system path it stood at on the host when that is known, and the line
//! offset that keeps evidence pointing at the member's real line numbers.

pub mod supportconfig;

use std::borrow::Cow;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::bundle::Bundle;
use crate::model::Diagnostic;
use crate::parse::accounts::AccountsKind;
use crate::parse::clock::ClockKind;
use crate::parse::firewall::{firewalld, iptables, nft, ufw};
use crate::parse::memory;
use crate::parse::{disk, fail2ban, ipset, journal, kernel, known_hosts, listeners, listing};
use crate::parse::{netaddr, ps, ssh_client, sshd_config, syslog, systemctl, top, vmstat};

macro_rules! artifact_kinds {
    ($($variant:ident => $name:literal, $doc:literal;)*) => {
        /// The kinds of artifact rootline reads. Names are shown by `inventory` and written
        /// in the JSON `artifacts` list.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ArtifactKind {
            $(#[doc = $doc] $variant,)*
        }

        impl ArtifactKind {
            pub const ALL: &'static [ArtifactKind] = &[$(ArtifactKind::$variant,)*];

            pub fn name(self) -> &'static str {
                match self {
                    $(ArtifactKind::$variant => $name,)*
                }
            }

            pub fn description(self) -> &'static str {
                match self {
                    $(ArtifactKind::$variant => $doc,)*
                }
            }
        }
    };
}

artifact_kinds! {
    Syslog => "syslog", "syslog file: auth.log, secure, messages (RFC 3164, ISO 8601, RFC 5424)";
    JournalText => "journal-text", "journalctl short/short-iso/short-precise output";
    JournalExport => "journal-export", "journalctl -o export";
    JournalJson => "journal-json", "journalctl -o json / json-pretty";
    JournalBoots => "journal-boots", "journalctl --list-boots";
    SshdConfig => "sshd-config", "sshd_config or a drop-in from sshd_config.d";
    SshdEffective => "sshd-T", "sshd -T output (effective configuration)";
    SystemctlStatus => "systemctl-status", "systemctl status [--all]";
    SystemctlShow => "systemctl-show", "systemctl show";
    SystemctlUnits => "systemctl-units", "systemctl list-units";
    Passwd => "passwd", "/etc/passwd or getent passwd";
    Group => "group", "/etc/group or getent group";
    Shadow => "shadow", "/etc/shadow";
    Listing => "ls", "ls -l / ls -laR listing";
    Stat => "stat", "stat output";
    Date => "date", "date output (collection time)";
    Timedatectl => "timedatectl", "timedatectl status";
    TimezoneName => "timezone", "/etc/timezone";
    Localtime => "localtime", "/etc/localtime (TZif)";
    SysconfigClock => "sysconfig-clock", "/etc/sysconfig/clock";
    Uptime => "uptime", "uptime output";
    ProcUptime => "proc-uptime", "/proc/uptime";
    ProcStat => "proc-stat", "/proc/stat (its btime is the boot time)";
    Hostname => "hostname", "hostname or /etc/hostname";
    Hostnamectl => "hostnamectl", "hostnamectl status";
    SshClient => "ssh-client", "ssh client output (ssh -v transcript)";
    KnownHosts => "known-hosts", "known_hosts file";
    HostKey => "host-key", "server host key (ssh_host_*_key.pub)";
    UfwStatus => "ufw-status", "ufw status [verbose|numbered]";
    UfwRules => "ufw-rules", "/etc/ufw/user.rules, user6.rules";
    UfwConfig => "ufw-config", "/etc/default/ufw, /etc/ufw/ufw.conf, application profiles";
    Firewalld => "firewalld", "firewall-cmd --list-all[-zones|-policies]";
    FirewalldXml => "firewalld-xml", "firewalld zone or service XML";
    IptablesSave => "iptables-save", "iptables-save / ip6tables-save / sysconfig iptables";
    IptablesList => "iptables-list", "iptables -nvL listing";
    Nft => "nft", "nft list ruleset";
    NftJson => "nft-json", "nft -j list ruleset";
    Ipset => "ipset", "ipset list / ipset save";
    Sockets => "sockets", "ss / netstat socket table";
    IpAddr => "ip-addr", "ip addr / ip -o addr";
    Ifconfig => "ifconfig", "ifconfig -a";
    Hosts => "hosts", "/etc/hosts";
    ResolvConf => "resolv-conf", "/etc/resolv.conf";
    Fail2banLog => "fail2ban-log", "fail2ban.log";
    Fail2banStatus => "fail2ban-status", "fail2ban-client status";
    Dmesg => "dmesg", "kernel ring buffer (dmesg, /var/log/dmesg)";
    Top => "top", "top -b -n 1";
    Ps => "ps", "ps aux / ps -elf";
    Free => "free", "free";
    Meminfo => "meminfo", "/proc/meminfo";
    Loadavg => "loadavg", "/proc/loadavg";
    Df => "df", "df";
    DfInodes => "df-inodes", "df -i";
    Vmstat => "vmstat", "vmstat";
    Supportconfig => "supportconfig", "SUSE supportconfig topic file (split into sections)";
    Binary => "binary", "binary data rootline does not read";
    Unknown => "unknown", "text of a kind rootline does not read";
}

impl std::fmt::Display for ArtifactKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One thing to parse: a whole member, or a section of a supportconfig file.
#[derive(Clone, Debug)]
pub struct Artifact<'b> {
    /// The member's path in the bundle, as evidence cites it.
    pub path: Arc<str>,
    /// Lines of the member before this artifact's first line (0 for a whole member).
    pub line_offset: usize,
    /// Where the file stood on the host (`/etc/ssh/sshd_config`), when known.
    pub system_path: Option<String>,
    /// The command that produced it (`date`, `systemctl status --all`), when known.
    pub command: Option<String>,
    pub kind: ArtifactKind,
    /// For a section of a supportconfig file, the file or command its banner names.
    pub section: Option<String>,
    pub bytes: Cow<'b, [u8]>,
    pub text: Cow<'b, str>,
    pub mtime: Option<DateTime<Utc>>,
}

impl Artifact<'_> {
    /// Lines in the artifact (a last line without newline counts).
    pub fn line_count(&self) -> usize {
        let text: &str = &self.text;
        text.lines().count()
    }
}

const SNIFF_BYTES: usize = 16 * 1024;

/// Detects every member of the bundle. Supportconfig files become one artifact per section.
pub fn detect(bundle: &Bundle) -> (Vec<Artifact<'_>>, Vec<Diagnostic>) {
    let layout = Layout::of(bundle);
    let mut artifacts = Vec::new();
    let mut diags = Vec::new();
    for member in &bundle.members {
        let found = detect_with(
            &layout,
            &member.path,
            &member.data,
            member.mtime,
            &mut diags,
        );
        artifacts.extend(found);
    }
    (artifacts, diags)
}

/// Detects one member on its own, as it streams out of an archive: the sosreport root is
/// found from the member's own path.
pub fn detect_member<'b>(
    path: &Arc<str>,
    data: &'b [u8],
    mtime: Option<i64>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Artifact<'b>> {
    detect_with(&Layout::for_path(path), path, data, mtime, diags)
}

fn detect_with<'b>(
    layout: &Layout,
    path: &Arc<str>,
    data: &'b [u8],
    mtime: Option<i64>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Artifact<'b>> {
    let location = layout.locate(path);
    let text = String::from_utf8_lossy(data);
    let mtime = mtime.and_then(|s| DateTime::<Utc>::from_timestamp(s, 0));
    let kind = if looks_binary(data) {
        let kind = binary_kind(data, &location);
        if kind == ArtifactKind::Binary {
            diags.push(Diagnostic::info("binary member skipped").at_path(path.clone()));
        }
        kind
    } else if supportconfig::is_supportconfig(head(&text)) {
        let mut out = Vec::new();
        split_supportconfig(path, &text, mtime, &mut out);
        return out;
    } else {
        kind_of(head(&text), &location)
    };
    vec![Artifact {
        path: path.clone(),
        line_offset: 0,
        system_path: location.system_path,
        command: location.command,
        kind,
        section: None,
        bytes: Cow::Borrowed(data),
        text,
        mtime,
    }]
}

fn split_supportconfig<'b>(
    path: &Arc<str>,
    text: &str,
    mtime: Option<DateTime<Utc>>,
    out: &mut Vec<Artifact<'b>>,
) {
    for section in supportconfig::sections(text) {
        if section.file_not_found() || section.body.trim().is_empty() {
            continue;
        }
        let location = Location {
            system_path: section.system_path().map(str::to_owned),
            command: (section.kind == supportconfig::SectionKind::Command)
                .then(|| command_name(section.title)),
        };
        let kind = kind_of(head(section.body), &location);
        out.push(Artifact {
            path: path.clone(),
            line_offset: section.first_line - 1,
            system_path: location.system_path,
            command: location.command,
            kind,
            section: Some(section.title.to_owned()),
            bytes: Cow::Owned(section.body.as_bytes().to_vec()),
            text: Cow::Owned(section.body.to_owned()),
            mtime,
        });
    }
}

/// `/usr/bin/systemctl status sshd.service` -> `systemctl status sshd.service`.
fn command_name(title: &str) -> String {
    let mut words = title.split_whitespace();
    let program = words.next().unwrap_or("");
    let base = program.rsplit('/').next().unwrap_or(program);
    std::iter::once(base)
        .chain(words)
        .collect::<Vec<_>>()
        .join(" ")
}

fn head(text: &str) -> &str {
    if text.len() <= SNIFF_BYTES {
        return text;
    }
    let mut end = SNIFF_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn looks_binary(data: &[u8]) -> bool {
    let sample = &data[..data.len().min(SNIFF_BYTES)];
    if sample.starts_with(b"TZif") {
        return true;
    }
    // Journal exports carry binary fields but start with text `KEY=value` lines.
    if crate::parse::journal::sniff_export(sample) {
        return false;
    }
    memchr::memchr(0, sample).is_some()
}

fn binary_kind(data: &[u8], location: &Location) -> ArtifactKind {
    if data.starts_with(b"TZif") || location.system_path.as_deref() == Some("/etc/localtime") {
        ArtifactKind::Localtime
    } else {
        ArtifactKind::Binary
    }
}

/// Where a member stood on the host, derived from its path in the bundle.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Location {
    pub system_path: Option<String>,
    pub command: Option<String>,
}

/// The bundle's layout: where the host's root sits inside the archive (a sosreport's
/// `sosreport-host-date/` folder, or nothing for loose files).
struct Layout {
    roots: Vec<String>,
}

/// Top-level directories of a Linux file system; a path component equal to one of these
/// marks where the host's root begins inside the bundle.
const ROOT_DIRS: &[&str] = &[
    "etc", "var", "proc", "sys", "usr", "run", "home", "root", "boot",
];

impl Layout {
    fn of(bundle: &Bundle) -> Layout {
        let mut roots: Vec<String> = bundle
            .members
            .iter()
            .filter_map(|m| sos_root(&m.path))
            .collect();
        roots.sort();
        roots.dedup();
        Layout { roots }
    }

    /// The layout one path reveals by itself (a path under `sos_commands/` names its root).
    fn for_path(path: &str) -> Layout {
        Layout {
            roots: sos_root(path).into_iter().collect(),
        }
    }

    fn locate(&self, path: &str) -> Location {
        // A sosreport: paths under its root are host paths; sos_commands are commands; the
        // root's own files (date, uptime, hostname...) are links to commands.
        for root in &self.roots {
            if let Some(rest) = path.strip_prefix(root.as_str()) {
                if let Some(cmd) = rest.strip_prefix("sos_commands/") {
                    return Location {
                        system_path: None,
                        command: Some(sos_command(cmd)),
                    };
                }
                if !rest.contains('/') {
                    return Location {
                        system_path: None,
                        command: Some(rest.to_owned()),
                    };
                }
                return Location {
                    system_path: Some(format!("/{rest}")),
                    command: None,
                };
            }
        }
        Location {
            system_path: system_path_by_anchor(path),
            command: None,
        }
    }
}

/// The sosreport folder a path under `sos_commands/` lies in (`""` at the top).
fn sos_root(path: &str) -> Option<String> {
    let i = path.find("sos_commands/")?;
    (i == 0 || path.as_bytes()[i - 1] == b'/').then(|| path[..i].to_owned())
}

/// `sos_commands/date/date` -> `date`; `sos_commands/systemd/systemctl_status_--all` ->
/// `systemctl status --all` (sos joins a command's words with `_`).
fn sos_command(rest: &str) -> String {
    let file = rest.rsplit('/').next().unwrap_or(rest);
    file.replace('_', " ")
}

fn system_path_by_anchor(path: &str) -> Option<String> {
    let components: Vec<&str> = path.split('/').collect();
    let start = components
        .iter()
        .position(|c| ROOT_DIRS.contains(c))
        .filter(|&i| i + 1 < components.len())?;
    Some(format!("/{}", components[start..].join("/")))
}

/// The kind a path alone suggests, for the well-known places.
fn kind_by_path(location: &Location) -> Option<ArtifactKind> {
    use ArtifactKind::*;
    if let Some(cmd) = &location.command {
        let cmd = cmd.as_str();
        let first = cmd.split_whitespace().next().unwrap_or("");
        return Some(match first {
            "date" => Date,
            "timedatectl" => Timedatectl,
            "uptime" => Uptime,
            "hostname" => Hostname,
            "hostnamectl" => Hostnamectl,
            "journalctl" if cmd.contains("--list-boots") => JournalBoots,
            "journalctl" if cmd.contains("export") => JournalExport,
            "journalctl" if cmd.contains("json") => JournalJson,
            "journalctl" => JournalText,
            "systemctl" if cmd.contains("status") => SystemctlStatus,
            "systemctl" if cmd.contains("show") => SystemctlShow,
            "systemctl" if cmd.contains("list-units") => SystemctlUnits,
            "sshd" if cmd.contains("-T") => SshdEffective,
            "ls" => Listing,
            "stat" => Stat,
            "ufw" if cmd.contains("status") => UfwStatus,
            "firewall-cmd" => Firewalld,
            "iptables-save" | "ip6tables-save" => IptablesSave,
            "iptables" | "ip6tables" => IptablesList,
            "nft" if cmd.contains("-j") => NftJson,
            "nft" => Nft,
            "ipset" => Ipset,
            "ss" | "netstat" => Sockets,
            "ip" if cmd.contains("addr") => IpAddr,
            "ifconfig" => Ifconfig,
            "fail2ban-client" => Fail2banStatus,
            "dmesg" => Dmesg,
            "top" => Top,
            "ps" => Ps,
            "free" => Free,
            "df" if cmd.contains("-i") || cmd.contains("li") => DfInodes,
            "df" => Df,
            "vmstat" => Vmstat,
            "getent" if cmd.contains("passwd") => Passwd,
            "getent" if cmd.contains("group") => Group,
            _ => return None,
        });
    }
    let path = location.system_path.as_deref()?;
    let file = path.rsplit('/').next().unwrap_or(path);
    Some(match path {
        "/etc/ssh/sshd_config" => SshdConfig,
        p if p.starts_with("/etc/ssh/sshd_config.d/") => SshdConfig,
        p if p.starts_with("/etc/crypto-policies/back-ends/opensshserver") => SshdConfig,
        "/etc/passwd" => Passwd,
        "/etc/group" => Group,
        "/etc/shadow" => Shadow,
        "/etc/timezone" => TimezoneName,
        "/etc/localtime" => Localtime,
        "/etc/sysconfig/clock" => SysconfigClock,
        "/etc/hostname" => Hostname,
        "/proc/uptime" => ProcUptime,
        "/proc/stat" => ProcStat,
        "/proc/meminfo" => Meminfo,
        "/proc/loadavg" => Loadavg,
        "/etc/hosts" => Hosts,
        "/etc/resolv.conf" => ResolvConf,
        "/etc/ufw/user.rules" | "/etc/ufw/user6.rules" => UfwRules,
        "/etc/default/ufw" | "/etc/ufw/ufw.conf" => UfwConfig,
        p if p.starts_with("/etc/ufw/applications.d/") => UfwConfig,
        p if p.starts_with("/etc/firewalld/") && p.ends_with(".xml") => FirewalldXml,
        p if p.starts_with("/usr/lib/firewalld/") && p.ends_with(".xml") => FirewalldXml,
        "/etc/sysconfig/iptables" | "/etc/sysconfig/ip6tables" => IptablesSave,
        "/etc/sysconfig/ipset" | "/etc/ipset.conf" => Ipset,
        p if p.starts_with("/etc/ssh/ssh_host_") && p.ends_with(".pub") => HostKey,
        p if p.ends_with("/.ssh/known_hosts") || p == "/etc/ssh/ssh_known_hosts" => KnownHosts,
        p if p.starts_with("/var/log/fail2ban.log") => Fail2banLog,
        p if p.starts_with("/var/log/dmesg") => Dmesg,
        p if p.starts_with("/var/log/") && is_syslog_name(file) => Syslog,
        _ => return None,
    })
}

fn is_syslog_name(file: &str) -> bool {
    [
        "secure",
        "auth.log",
        "messages",
        "syslog",
        "daemon.log",
        "kern.log",
    ]
    .iter()
    .any(|name| file.starts_with(name))
}

/// A content test for one kind: how sure (0..1) it is that a text head is of this kind.
type Sniffer = (ArtifactKind, fn(&str) -> f32);

/// Registration of content sniffers, one line per kind. Ties go to the earlier entry, so
/// more specific formats come before the general ones (journal text before syslog).
const SNIFFERS: &[Sniffer] = &[
    (ArtifactKind::JournalExport, |h| {
        bool_score(journal::sniff_export(h.as_bytes()))
    }),
    (ArtifactKind::JournalJson, |h| {
        bool_score(journal::sniff_json(h))
    }),
    (ArtifactKind::SshdEffective, sshd_config::sniff_sshd_t),
    (ArtifactKind::SshdConfig, sshd_config::sniff_sshd_config),
    (ArtifactKind::SystemctlStatus, systemctl::sniff),
    (ArtifactKind::SystemctlShow, systemctl::sniff_show),
    (ArtifactKind::SystemctlUnits, systemctl::sniff_list_units),
    (ArtifactKind::JournalBoots, journal::sniff_boots),
    (ArtifactKind::Passwd, |h| {
        accounts_score(h, AccountsKind::Passwd)
    }),
    (ArtifactKind::Group, |h| {
        accounts_score(h, AccountsKind::Group)
    }),
    (ArtifactKind::Shadow, |h| {
        accounts_score(h, AccountsKind::Shadow)
    }),
    (ArtifactKind::Stat, |h| if is_stat(h) { 0.95 } else { 0.0 }),
    (ArtifactKind::Listing, |h| {
        if is_stat(h) {
            0.0
        } else {
            listing::sniff(h)
        }
    }),
    (ArtifactKind::Timedatectl, |h| {
        clock_score(h, ClockKind::Timedatectl)
    }),
    (ArtifactKind::Date, |h| clock_score(h, ClockKind::Date)),
    (ArtifactKind::Uptime, |h| clock_score(h, ClockKind::Uptime)),
    (ArtifactKind::Hostnamectl, |h| {
        clock_score(h, ClockKind::Hostnamectl)
    }),
    (ArtifactKind::UfwStatus, ufw::sniff),
    (ArtifactKind::UfwRules, ufw::sniff_user_rules),
    (ArtifactKind::UfwConfig, |h| {
        ufw::sniff_default(h).max(ufw::sniff_app_profile(h))
    }),
    (ArtifactKind::Firewalld, firewalld::sniff),
    (ArtifactKind::FirewalldXml, firewalld::sniff_zone_xml),
    (ArtifactKind::IptablesSave, iptables::sniff_save),
    (ArtifactKind::IptablesList, iptables::sniff_list),
    (ArtifactKind::Nft, nft::sniff),
    (ArtifactKind::NftJson, nft::sniff_json),
    (ArtifactKind::Ipset, ipset::sniff),
    (ArtifactKind::Sockets, listeners::sniff),
    (ArtifactKind::IpAddr, netaddr::sniff_ip_addr),
    (ArtifactKind::Ifconfig, netaddr::sniff_ifconfig),
    (ArtifactKind::Hosts, netaddr::sniff_hosts),
    (ArtifactKind::ResolvConf, netaddr::sniff_resolv_conf),
    (ArtifactKind::Fail2banLog, fail2ban::sniff),
    (ArtifactKind::KnownHosts, known_hosts::sniff),
    (ArtifactKind::Dmesg, kernel::sniff),
    (ArtifactKind::Top, top::sniff),
    (ArtifactKind::Ps, ps::sniff),
    (ArtifactKind::Free, memory::sniff_free),
    (ArtifactKind::Meminfo, memory::sniff_meminfo),
    (ArtifactKind::Loadavg, memory::sniff_loadavg),
    (ArtifactKind::DfInodes, disk::sniff_inodes),
    (ArtifactKind::Df, disk::sniff),
    (ArtifactKind::Vmstat, vmstat::sniff),
    (ArtifactKind::SshClient, ssh_client::sniff),
    (ArtifactKind::JournalText, journal::sniff_text),
    (ArtifactKind::Syslog, syslog::sniff),
];

fn accounts_score(head: &str, want: AccountsKind) -> f32 {
    match crate::parse::accounts::sniff_kind(head) {
        Some((kind, score)) if kind == want => score,
        _ => 0.0,
    }
}

fn clock_score(head: &str, want: ClockKind) -> f32 {
    match crate::parse::clock::sniff_kind(head) {
        Some((kind, score)) if kind == want => score,
        _ => 0.0,
    }
}

fn is_stat(head: &str) -> bool {
    head.contains("File: ") && head.contains("Access: (")
}

fn bool_score(b: bool) -> f32 {
    if b {
        1.0
    } else {
        0.0
    }
}

/// How sure content must be before it decides a kind against (or without) the path.
const CONFIDENT: f32 = 0.6;

fn kind_of(head: &str, location: &Location) -> ArtifactKind {
    let by_path = kind_by_path(location);
    let best = SNIFFERS
        .iter()
        .map(|(kind, sniff)| (*kind, sniff(head)))
        .fold(
            None::<(ArtifactKind, f32)>,
            |best, (kind, score)| match best {
                Some((_, b)) if b >= score => best,
                _ => Some((kind, score)),
            },
        );
    match (by_path, best) {
        // Text logs may be syslog or journal text; content tells which.
        (Some(ArtifactKind::Syslog), Some((ArtifactKind::JournalText, s))) if s >= CONFIDENT => {
            ArtifactKind::JournalText
        }
        (Some(kind), _) => kind,
        (None, Some((kind, score))) if score >= CONFIDENT => kind,
        (None, _) => ArtifactKind::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sosreport_paths_map_to_host_paths_and_commands() {
        let layout = Layout {
            roots: vec!["sosreport-web01-2026-11-21-abcdef/".into()],
        };
        assert_eq!(
            layout.locate("sosreport-web01-2026-11-21-abcdef/etc/ssh/sshd_config"),
            Location {
                system_path: Some("/etc/ssh/sshd_config".into()),
                command: None
            }
        );
        assert_eq!(
            layout
                .locate(
                    "sosreport-web01-2026-11-21-abcdef/sos_commands/systemd/systemctl_status_--all"
                )
                .command
                .as_deref(),
            Some("systemctl status --all")
        );
        assert_eq!(
            layout
                .locate("sosreport-web01-2026-11-21-abcdef/date")
                .command
                .as_deref(),
            Some("date")
        );
    }

    #[test]
    fn loose_paths_find_the_host_root_by_anchor() {
        assert_eq!(
            system_path_by_anchor("upload/server1/etc/ssh/sshd_config.d/50-cloud-init.conf")
                .as_deref(),
            Some("/etc/ssh/sshd_config.d/50-cloud-init.conf")
        );
        assert_eq!(system_path_by_anchor("authlog.txt"), None);
        assert_eq!(system_path_by_anchor("notes/etc"), None);
    }

    #[test]
    fn path_hints_name_well_known_files() {
        let loc = |p: &str| Location {
            system_path: Some(p.into()),
            command: None,
        };
        assert_eq!(
            kind_by_path(&loc("/var/log/secure-20261115")),
            Some(ArtifactKind::Syslog)
        );
        assert_eq!(
            kind_by_path(&loc("/etc/ssh/sshd_config.d/50-redhat.conf")),
            Some(ArtifactKind::SshdConfig)
        );
        assert_eq!(kind_by_path(&loc("/etc/motd")), None);
    }

    #[test]
    fn supportconfig_command_titles_become_command_names() {
        assert_eq!(
            command_name("/usr/bin/systemctl status sshd.service"),
            "systemctl status sshd.service"
        );
    }
}
