//! Collects the facts rules ask about from the bundle's non-log artifacts (configurations,
//! accounts, listings, unit states, client transcripts), and the configuration files that
//! make up the effective sshd configuration.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::clock::place;
use super::timeline::to_event;
use crate::detect::{Artifact, ArtifactKind};
use crate::facts::system::Sourced;
use crate::facts::{Facts, FileRecord, SourceText, UnitRecord};
use crate::finding::ArtifactSummary;
use crate::model::{Diagnostic, Event, Location};
use crate::model::{EventKind, Level, RecordTime};
use crate::parse::firewall::{firewalld, iptables, nft, ufw};
use crate::parse::{accounts, journal, listing, ssh_client, sshd_config, syslog, systemctl};
use crate::parse::{
    disk, fail2ban, ipset, kernel, known_hosts, listeners, memory, netaddr, ps, top, vmstat,
};
use crate::time::{self, TimeContext};

/// Collects facts from artifacts one at a time.
pub(super) struct FactsBuilder<'t> {
    pub(super) time: &'t TimeContext,
    pub(super) facts: Facts,
    pub(super) summaries: Vec<ArtifactSummary>,
    pub(super) diagnostics: Vec<Diagnostic>,
    pub(super) config_files: Vec<ConfigSource>,
    /// Kernel lines the logs wrote with both clocks, to date a raw dmesg's boots.
    pub(super) kernel_marks: super::logs::KernelMarks,
}

/// An sshd configuration file found in the bundle.
pub(super) struct ConfigSource {
    system_path: Option<String>,
    member_path: Arc<str>,
    /// The text, preceded by as many empty lines as the artifact's offset in its member,
    /// so the configuration parser's line numbers are the member's (supportconfig
    /// sections start deep inside their file; empty lines mean nothing to sshd).
    text: String,
    kind: ArtifactKind,
}

impl<'t> FactsBuilder<'t> {
    pub(super) fn new(time: &'t TimeContext) -> Self {
        FactsBuilder {
            time,
            facts: Facts::default(),
            summaries: Vec::new(),
            diagnostics: Vec::new(),
            config_files: Vec::new(),
            kernel_marks: Default::default(),
        }
    }

    pub(super) fn add(&mut self, a: &Artifact) {
        self.facts.kinds.insert(a.kind);
        if let Some(p) = &a.system_path {
            self.facts.system_paths.push((p.clone(), a.path.clone()));
        }
        let lines = a.line_count();
        let (recognized, events) = match a.kind {
            // Logs the stream did not take (the in-memory path) are read by it here.
            ArtifactKind::Syslog
            | ArtifactKind::JournalText
            | ArtifactKind::JournalExport
            | ArtifactKind::JournalJson => return,
            ArtifactKind::SystemctlStatus => self.add_systemctl(a),
            ArtifactKind::SshClient => self.add_client(a),
            ArtifactKind::UfwStatus => {
                self.store(a, ufw::parse_status, |f| &mut f.network.ufw_status)
            }
            ArtifactKind::UfwRules => {
                self.store(a, ufw::parse_user_rules, |f| &mut f.network.ufw_rules)
            }
            // One kind for ufw's settings files and its application profiles; the text
            // tells them apart.
            ArtifactKind::UfwConfig
                if ufw::sniff_app_profile(&a.text) > ufw::sniff_default(&a.text) =>
            {
                self.store(a, ufw::parse_app_profiles, |f| &mut f.network.ufw_apps)
            }
            ArtifactKind::UfwConfig => {
                self.store(a, ufw::parse_conf, |f| &mut f.network.ufw_config)
            }
            ArtifactKind::Firewalld => {
                self.store(a, firewalld::parse_list, |f| &mut f.network.firewalld)
            }
            ArtifactKind::FirewalldXml => {
                let name = a
                    .path
                    .rsplit('/')
                    .next()
                    .unwrap_or("")
                    .trim_end_matches(".xml")
                    .to_owned();
                // Zone and service definitions share the XML kind; the root tag says which.
                if a.text.contains("<service") && !a.text.contains("<zone") {
                    self.store(
                        a,
                        |t, d| firewalld::parse_service_xml(&name, t, d),
                        |f| &mut f.network.firewalld_services,
                    )
                } else {
                    self.store(
                        a,
                        |t, d| firewalld::parse_zone_xml(&name, t, d),
                        |f| &mut f.network.firewalld_zones,
                    )
                }
            }
            ArtifactKind::IptablesSave => {
                self.store(a, iptables::parse_save, |f| &mut f.network.iptables)
            }
            ArtifactKind::IptablesList => {
                self.store(a, iptables::parse_list, |f| &mut f.network.iptables)
            }
            ArtifactKind::Nft => self.store(a, nft::parse, |f| &mut f.network.nft),
            ArtifactKind::NftJson => self.store(a, nft::parse_json, |f| &mut f.network.nft),
            ArtifactKind::Ipset => self.store(a, ipset::parse, |f| &mut f.network.ipsets),
            ArtifactKind::Sockets => self.store(a, listeners::parse, |f| &mut f.network.sockets),
            ArtifactKind::IpAddr => {
                self.store(a, netaddr::parse_ip_addr, |f| &mut f.network.interfaces)
            }
            ArtifactKind::Ifconfig => {
                self.store(a, netaddr::parse_ifconfig, |f| &mut f.network.interfaces)
            }
            ArtifactKind::Hosts => self.store(a, netaddr::parse_hosts, |f| &mut f.network.hosts),
            ArtifactKind::ResolvConf => {
                self.store(a, netaddr::parse_resolv_conf, |f| &mut f.network.resolv)
            }
            ArtifactKind::Fail2banStatus => self.store(a, fail2ban::parse_status, |f| {
                &mut f.network.fail2ban_status
            }),
            ArtifactKind::Fail2banLog => self.add_fail2ban(a),
            ArtifactKind::KnownHosts => self.store(a, known_hosts::parse_known_hosts, |f| {
                &mut f.network.known_hosts
            }),
            ArtifactKind::HostKey => self.store(a, known_hosts::parse_host_keys, |f| {
                &mut f.network.host_keys
            }),
            ArtifactKind::Dmesg => self.add_dmesg(a),
            ArtifactKind::Top => self.store(a, top::parse_top, |f| &mut f.resources.top),
            ArtifactKind::Ps => self.store(a, ps::parse_ps, |f| &mut f.resources.ps),
            ArtifactKind::Free => {
                let unit = memory::FreeUnit::from_command(a.command.as_deref().unwrap_or(&a.path));
                self.store(
                    a,
                    |t, d| memory::parse_free_in(t, unit, d),
                    |f| &mut f.resources.free,
                )
            }
            ArtifactKind::Meminfo => {
                self.store(a, memory::parse_meminfo, |f| &mut f.resources.meminfo)
            }
            ArtifactKind::Loadavg => {
                let mut d = Vec::new();
                let load = memory::parse_loadavg(&a.text, &mut d);
                self.parse_diags(d, a);
                let n = usize::from(load.is_some());
                if let Some(value) = load {
                    self.facts.resources.loadavg.push(Sourced {
                        path: a.path.clone(),
                        line_offset: a.line_offset,
                        value,
                    });
                }
                (n, 0)
            }
            ArtifactKind::Df | ArtifactKind::DfInodes => {
                self.store(a, disk::parse_df, |f| &mut f.resources.disks)
            }
            ArtifactKind::Vmstat => {
                self.store(a, vmstat::parse_vmstat, |f| &mut f.resources.vmstat)
            }
            ArtifactKind::SshdConfig | ArtifactKind::SshdEffective => {
                self.config_files.push(ConfigSource {
                    system_path: a.system_path.clone(),
                    member_path: a.path.clone(),
                    text: format!("{}{}", "\n".repeat(a.line_offset), a.text),
                    kind: a.kind,
                });
                self.keep_source(a);
                (lines, 0)
            }
            ArtifactKind::Passwd => self.add_passwd(a),
            ArtifactKind::Group => self.add_group(a),
            ArtifactKind::Listing | ArtifactKind::Stat => self.add_listing(a),
            ArtifactKind::SystemctlShow => {
                let mut d = Vec::new();
                let units = systemctl::parse_show(&a.text, &mut d);
                self.parse_diags(d, a);
                (units.iter().map(|u| u.props.len()).sum(), 0)
            }
            ArtifactKind::SystemctlUnits => {
                let mut d = Vec::new();
                let units = systemctl::parse_list_units(&a.text, &mut d);
                self.parse_diags(d, a);
                (units.len(), 0)
            }
            ArtifactKind::JournalBoots => (journal::parse_boots(&a.text).len(), 0),
            ArtifactKind::Unknown => {
                self.diagnostics.push(
                    Diagnostic::info("not a kind of file rootline reads; skipped")
                        .at_path(a.path.clone()),
                );
                (0, 0)
            }
            // Read by the clock stage.
            ArtifactKind::Date
            | ArtifactKind::Timedatectl
            | ArtifactKind::TimezoneName
            | ArtifactKind::Localtime
            | ArtifactKind::SysconfigClock
            | ArtifactKind::Uptime
            | ArtifactKind::ProcUptime
            | ArtifactKind::ProcStat
            | ArtifactKind::Hostname
            | ArtifactKind::Hostnamectl => (lines, 0),
            // Recognised, but no stage of this version reads it yet.
            _ => (0, 0),
        };
        self.summaries.push(ArtifactSummary {
            path: a.path.clone(),
            section: a.section.clone(),
            kind: a.kind.name(),
            lines,
            recognized,
            events,
        });
    }

    fn keep_source(&mut self, a: &Artifact) {
        self.facts.sources.push(SourceText {
            path: a.path.clone(),
            line_offset: a.line_offset,
            system_path: a.system_path.clone(),
            kind: a.kind,
            text: a.text.to_string(),
        });
    }

    fn parse_diags(&mut self, diags: Vec<Diagnostic>, a: &Artifact) {
        self.diagnostics
            .extend(diags.into_iter().map(|d| place(d, a)));
    }

    fn add_systemctl(&mut self, a: &Artifact) -> (usize, usize) {
        let mut d = Vec::new();
        let report = systemctl::parse_status(&a.text, &mut d);
        self.parse_diags(d, a);
        self.keep_source(a);
        let mut events = 0;
        for unit in report.units {
            let tail: Vec<(usize, String)> = unit.journal_tail.clone();
            let months: Vec<(u32, u32)> = tail
                .iter()
                .flat_map(|(_, t)| time::yearless_months(t).collect::<Vec<_>>())
                .collect();
            let mut years = self.time.year_tracker(months, a.mtime);
            for (line, text) in tail {
                let Some(mut record) = syslog::parse_line(&text) else {
                    continue;
                };
                record.line = line;
                if let Some(event) = to_event(record, a, self.time, &mut years, false) {
                    events += 1;
                    self.facts.events.push(event);
                }
            }
            self.facts.units.push(UnitRecord {
                path: a.path.clone(),
                line_offset: a.line_offset,
                status: unit,
            });
        }
        (a.line_count(), events)
    }

    /// Parses an artifact, keeps the result with its place, and keeps the text so evidence
    /// can quote its lines. Recognised lines are the artifact's lines less those the parser
    /// warned about.
    fn store<T>(
        &mut self,
        a: &Artifact,
        parse: impl FnOnce(&str, &mut Vec<Diagnostic>) -> T,
        into: fn(&mut Facts) -> &mut Vec<Sourced<T>>,
    ) -> (usize, usize) {
        let mut d = Vec::new();
        let value = parse(&a.text, &mut d);
        let warned: std::collections::HashSet<usize> = d
            .iter()
            .filter(|x| x.level >= Level::Warning)
            .filter_map(|x| x.line)
            .collect();
        self.parse_diags(d, a);
        self.keep_source(a);
        into(&mut self.facts).push(Sourced {
            path: a.path.clone(),
            line_offset: a.line_offset,
            value,
        });
        (a.line_count().saturating_sub(warned.len()), 0)
    }

    /// The kernel ring buffer: its reports become events. Seconds since boot are placed from
    /// the boot time, which only the last boot in the file shares with the collection.
    fn add_dmesg(&mut self, a: &Artifact) -> (usize, usize) {
        let counts = self.store(a, kernel::parse, |f| &mut f.resources.kernel);
        let Some(log) = self.facts.resources.kernel.last() else {
            return counts;
        };
        let last_boot = log.value.boots.last().map(|b| b.index);
        let boot_count = log.value.boots.len();
        // Earlier boots have no uptime of their own; `journalctl --list-boots` dates them
        // by their first journal entry, matched by boot id or by counting back.
        let earlier_boot_start = |index: usize, id: Option<&str>| {
            let offset = index as i64 - (boot_count as i64 - 1);
            self.time
                .boots
                .iter()
                .find(|(o, bid, _)| {
                    id.map_or(*o == offset, |id| {
                        bid.replace('-', "") == id.replace('-', "")
                    })
                })
                .map(|(_, _, t)| *t)
        };
        let mut from_list = 0;
        // The surest anchor: a line of this dmesg that a syslog file also wrote, with its
        // wall clock, at the same second since boot.
        let mut anchors: HashMap<usize, DateTime<Utc>> = HashMap::new();
        let marks = self.kernel_marks.index();
        for boot in &log.value.boots {
            let matched = log.value.lines[boot.lines.clone()].iter().find_map(|l| {
                let secs = l.uptime?;
                if l.source != kernel::TimeSource::Uptime {
                    return None;
                }
                let mark = marks.get(&super::logs::KernelMark::key(secs, &l.message))?;
                let mut years = match &mark.written {
                    RecordTime::YearLess { month, day, .. } => {
                        self.time.year_tracker([(*month, *day)], None)
                    }
                    _ => crate::time::YearTracker::unknown(),
                };
                let wall = self.time.to_utc(&mark.written, &mut years)?;
                let since = chrono::Duration::try_milliseconds((secs * 1000.0) as i64)?;
                Some(wall - since)
            });
            if let Some(start) = matched {
                anchors.insert(boot.index, start);
            }
        }
        let mut from_marks = 0;
        let mut years = self
            .time
            .year_tracker(crate::time::yearless_months(&a.text), a.mtime);
        let (mut events, mut undated) = (Vec::new(), 0);
        for ev in &log.value.events {
            let Some((mut event, written)) =
                super::logs::kernel_event(ev, &a.path, a.line_offset, None)
            else {
                continue;
            };
            let at = ev.at();
            let boot = log.value.boot_of(at.line);
            let since = |secs: f64, start: DateTime<Utc>| {
                chrono::Duration::try_milliseconds((secs * 1000.0) as i64).map(|d| start + d)
            };
            let anchor = boot.and_then(|b| anchors.get(&b.index)).copied();
            event.time = match (&written, at.uptime, self.time.boot_time) {
                (RecordTime::SinceBoot(_) | RecordTime::Unknown, Some(secs), _)
                    if anchor.is_some() =>
                {
                    from_marks += 1;
                    event.time_note = Some(crate::model::TimeNote::MatchedKernelLine);
                    anchor.and_then(|start| since(secs, start))
                }
                (RecordTime::SinceBoot(_) | RecordTime::Unknown, Some(secs), Some(start))
                    if boot.map(|b| b.index) == last_boot =>
                {
                    event.time_note = Some(crate::model::TimeNote::BootTime);
                    since(secs, start)
                }
                (RecordTime::SinceBoot(_) | RecordTime::Unknown, Some(secs), _) => boot
                    .and_then(|b| earlier_boot_start(b.index, b.boot_id.as_deref()))
                    .filter(|_| boot.map(|b| b.index) != last_boot)
                    .and_then(|start| {
                        from_list += 1;
                        event.time_note = Some(crate::model::TimeNote::ListedBoot);
                        since(secs, start)
                    }),
                (RecordTime::SinceBoot(_) | RecordTime::Unknown, _, _) => None,
                _ => {
                    let i = log.value.lines.partition_point(|l| l.line < at.line);
                    let wall_clock = log.value.lines.get(i).is_some_and(|l| {
                        l.line == at.line && l.source == kernel::TimeSource::DmesgWallClock
                    });
                    if wall_clock {
                        event.time_note = Some(crate::model::TimeNote::DmesgWallClock);
                    }
                    self.time.to_utc(&written, &mut years)
                }
            };
            undated += usize::from(event.time.is_none());
            events.push(event);
        }
        if from_marks > 0 {
            self.diagnostics.push(
                Diagnostic::info(format!(
                    "{from_marks} kernel report(s) placed by kernel lines that a syslog file                      also wrote with its wall clock"
                ))
                .at_path(a.path.clone()),
            );
        }
        if from_list > 0 {
            self.diagnostics.push(
                Diagnostic::info(format!(
                    "{from_list} kernel report(s) of earlier boots placed from journalctl                      --list-boots (each boot's first journal entry, accurate to seconds)"
                ))
                .at_path(a.path.clone()),
            );
        }
        if undated > 0 {
            self.diagnostics.push(
                Diagnostic::warning(format!(
                    "{undated} kernel report(s) could not be placed in time: they come from an \
                     earlier boot, or the bundle gives no uptime to date this boot"
                ))
                .at_path(a.path.clone()),
            );
        }
        let n = events.len();
        self.facts.events.extend(events);
        (counts.0, n)
    }

    /// fail2ban's own log: bans, unbans and matches become events on the bundle's clock.
    fn add_fail2ban(&mut self, a: &Artifact) -> (usize, usize) {
        let mut d = Vec::new();
        let lines = fail2ban::parse(&a.text, &mut d);
        self.parse_diags(d, a);
        let recognized = lines.len();
        let mut years = crate::time::YearTracker::unknown();
        let mut events = 0;
        for l in lines {
            let kind = match l.action {
                fail2ban::F2bAction::Ban | fail2ban::F2bAction::RestoreBan => EventKind::IpBanned,
                fail2ban::F2bAction::Unban => EventKind::IpUnbanned,
                fail2ban::F2bAction::Found => EventKind::BanFilterMatch,
                _ => continue,
            };
            let fields = crate::model::EventFields {
                addr: l.addr.map(|a| a.to_string()),
                reason: l.jail.clone(),
                ..Default::default()
            };
            events += 1;
            self.facts.events.push(Event {
                time: self.time.to_utc(&l.time, &mut years),
                host: None,
                program: "fail2ban".to_owned(),
                pid: l.pid,
                kind,
                fields,
                message: l.text.clone(),
                location: Location::new(a.path.clone(), l.line + a.line_offset),
                text: l.text,
                time_note: None,
            });
        }
        (recognized, events)
    }

    /// A client transcript: its lines have no time, so they join the events undated; the
    /// whole transcript is kept for the rules that read the client's side.
    fn add_client(&mut self, a: &Artifact) -> (usize, usize) {
        let transcript = ssh_client::parse(&a.text);
        let recognized = transcript.events.len();
        for line in transcript.lines.clone() {
            let message = line.text.trim().to_owned();
            self.facts.events.push(Event {
                time: None,
                host: None,
                program: "ssh".to_owned(),
                pid: None,
                kind: line.kind,
                fields: line.fields,
                message,
                location: Location::new(a.path.clone(), line.line + a.line_offset),
                text: line.text,
                time_note: None,
            });
        }
        self.keep_source(a);
        self.facts.network.client_transcripts.push(Sourced {
            path: a.path.clone(),
            line_offset: a.line_offset,
            value: transcript,
        });
        (recognized, recognized)
    }

    fn add_passwd(&mut self, a: &Artifact) -> (usize, usize) {
        let mut d = Vec::new();
        let passwd = accounts::parse_passwd(&a.text, &mut d);
        self.parse_diags(d, a);
        self.keep_source(a);
        let n = passwd.accounts.len();
        // The same accounts often come twice (/etc/passwd and `getent passwd`): keep the first.
        for acc in passwd.accounts {
            if self.facts.account(&acc.name).is_none() {
                self.facts
                    .accounts
                    .push((a.path.clone(), a.line_offset, acc));
            }
        }
        (n, 0)
    }

    fn add_group(&mut self, a: &Artifact) -> (usize, usize) {
        let mut d = Vec::new();
        let groups = accounts::parse_groups(&a.text, &mut d);
        self.parse_diags(d, a);
        let n = groups.groups.len();
        self.facts.groups.extend(groups.groups);
        (n, 0)
    }

    fn add_listing(&mut self, a: &Artifact) -> (usize, usize) {
        let mut d = Vec::new();
        let parsed = if a.kind == ArtifactKind::Stat {
            listing::parse_stat(&a.text, &mut d)
        } else {
            listing::parse_ls(&a.text, &mut d)
        };
        self.parse_diags(d, a);
        self.keep_source(a);
        let n = parsed.entries.len();
        self.facts
            .files
            .extend(parsed.entries.into_iter().map(|entry| FileRecord {
                path: a.path.clone(),
                line_offset: a.line_offset,
                entry,
            }));
        (n, 0)
    }
}

/// The sshd configuration files of the bundle, by the path they had on the host.
struct BundleConfigFiles<'a> {
    files: &'a [ConfigSource],
}

impl sshd_config::ConfigFiles for BundleConfigFiles<'_> {
    fn read(&self, system_path: &str) -> Option<(Arc<str>, String)> {
        self.files
            .iter()
            .find(|f| f.system_path.as_deref() == Some(system_path))
            .map(|f| (f.member_path.clone(), f.text.clone()))
    }

    fn glob(&self, pattern: &str) -> Vec<String> {
        sshd_config::glob_paths(
            pattern,
            self.files.iter().filter_map(|f| f.system_path.as_deref()),
        )
    }
}

/// The host's sshd configuration: `/etc/ssh/sshd_config` with its includes when the bundle
/// has host paths, else the one loose sshd_config file.
pub(super) fn load_sshd_config(
    files: &[ConfigSource],
    diags: &mut Vec<Diagnostic>,
) -> Option<sshd_config::SshdConfig> {
    let configs: Vec<&ConfigSource> = files
        .iter()
        .filter(|f| f.kind == ArtifactKind::SshdConfig)
        .collect();
    if configs
        .iter()
        .any(|f| f.system_path.as_deref() == Some("/etc/ssh/sshd_config"))
    {
        let view = BundleConfigFiles { files };
        return sshd_config::load(&view, "/etc/ssh/sshd_config", diags);
    }
    let loose: Vec<&&ConfigSource> = configs.iter().filter(|f| f.system_path.is_none()).collect();
    let main = loose.first()?;
    if loose.len() > 1 {
        diags.push(
            Diagnostic::warning(format!(
                "{} files look like sshd_config; evaluating {} as the server's configuration",
                loose.len(),
                main.member_path
            ))
            .at_path(main.member_path.clone()),
        );
    }
    Some(sshd_config::parse_text(
        &main.member_path,
        &main.text,
        diags,
    ))
}

/// `sshd -T` output, when the bundle has it.
pub(super) fn load_sshd_t(
    files: &[ConfigSource],
    diags: &mut Vec<Diagnostic>,
) -> Option<crate::facts::sshd_config::EffectiveConfig> {
    let source = files
        .iter()
        .find(|f| f.kind == ArtifactKind::SshdEffective)?;
    Some(sshd_config::parse_sshd_t(
        &source.member_path,
        &source.text,
        diags,
    ))
}

/// Which copy of a line to keep when a bundle holds it twice: the log file the host wrote
/// (what an engineer opens first), then structured journal exports, then text dumps.
fn source_preference(kind: &str) -> u8 {
    match kind {
        "syslog" => 0,
        "journal-export" | "journal-json" => 1,
        "journal-text" => 2,
        "systemctl-status" => 3,
        _ => 4,
    }
}

/// What makes two log lines the same line: when, where, who, and what.
type LineKey<'e> = (
    DateTime<Utc>,
    Option<&'e str>,
    &'e str,
    Option<u32>,
    &'e str,
);

/// Sosreports carry the same lines in /var/log and in journalctl dumps (and in systemctl
/// status tails). Each line is kept once, from the preferred source, so counts and evidence
/// are not doubled. Lines repeated within one file are all kept: they are real repeats.
pub(super) fn dedupe_across_sources(
    events: &mut Vec<Event>,
    summaries: &[ArtifactSummary],
    diags: &mut Vec<Diagnostic>,
) {
    let kind_of: HashMap<&str, &str> = summaries.iter().map(|s| (&*s.path, s.kind)).collect();
    let preference =
        |e: &Event| source_preference(kind_of.get(&*e.location.path).copied().unwrap_or(""));
    // Indices, not events, are sorted: events are large and there may be millions.
    let mut order: Vec<usize> = (0..events.len()).collect();
    order.sort_by_key(|&i| preference(&events[i]));
    let mut first_path: HashMap<LineKey, &Arc<str>> = HashMap::with_capacity(events.len());
    let mut drop = vec![false; events.len()];
    let mut dropped: BTreeMap<Arc<str>, (usize, Arc<str>)> = BTreeMap::new();
    for &i in &order {
        let e = &events[i];
        let Some(time) = e.time else { continue };
        let key = (
            time,
            e.host.as_deref(),
            e.program.as_str(),
            e.pid,
            e.message.as_str(),
        );
        match first_path.get(&key) {
            Some(kept) if **kept != e.location.path => {
                drop[i] = true;
                dropped
                    .entry(e.location.path.clone())
                    .or_insert((0, (*kept).clone()))
                    .0 += 1;
            }
            Some(_) => {}
            None => {
                first_path.insert(key, &e.location.path);
            }
        }
    }
    drop_marked(events, &drop);
    for (path, (n, kept)) in dropped {
        diags.push(
            Diagnostic::info(format!(
                "{n} event(s) here also appear in {kept}; that copy is used as evidence"
            ))
            .at_path(path),
        );
    }
}

fn drop_marked(events: &mut Vec<Event>, drop: &[bool]) {
    let mut index = 0;
    events.retain(|_| {
        let keep = !drop[index];
        index += 1;
        keep
    });
}
