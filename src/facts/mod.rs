//! Combiners: what the bundle says about the system, assembled from its parsed artifacts
//! into the questions rules ask: which events happened, which sshd configuration applies to a
//! connection, whether an account exists, what mode a file has, what state a unit was in.
//! Rules never read artifacts directly, so a fact has one source of truth.

pub mod firewall;
pub mod sshd_config;
pub mod system;

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::detect::ArtifactKind;
use crate::finding::Evidence;
use crate::model::{Event, Location};
use crate::parse::accounts::{Account, Group};
use crate::parse::listing::Entry;
use crate::parse::sshd_config::SshdConfig;
use crate::parse::systemctl::UnitStatus;

use self::sshd_config::{EffectiveConfig, MatchContext};

/// A unit stanza from a `systemctl status` output, with where it stands in the bundle.
#[derive(Clone, Debug)]
pub struct UnitRecord {
    pub path: Arc<str>,
    pub line_offset: usize,
    pub status: UnitStatus,
}

impl UnitRecord {
    /// The bundle location of a line number relative to the artifact.
    pub fn location(&self, line: usize) -> Location {
        Location::new(self.path.clone(), line + self.line_offset)
    }
}

/// Something found in a listing (`ls -l`, `stat`), with where it stands in the bundle.
#[derive(Clone, Debug)]
pub struct FileRecord {
    pub path: Arc<str>,
    pub line_offset: usize,
    pub entry: Entry,
}

/// A small text artifact kept whole, so evidence can quote any of its lines.
#[derive(Clone, Debug)]
pub struct SourceText {
    pub path: Arc<str>,
    pub line_offset: usize,
    pub system_path: Option<String>,
    pub kind: ArtifactKind,
    pub text: String,
}

impl SourceText {
    /// The text of a line, by its line number in the member.
    pub fn line(&self, member_line: usize) -> Option<&str> {
        let index = member_line.checked_sub(self.line_offset + 1)?;
        self.text.lines().nth(index)
    }
}

/// Everything rules may ask about the bundle.
#[derive(Debug, Default)]
pub struct Facts {
    /// Classified sshd, PAM and systemd events, in time order.
    pub events: Vec<Event>,
    pub sshd_config: Option<SshdConfig>,
    /// `sshd -T` output, used when there is no sshd_config to evaluate.
    pub sshd_effective: Option<EffectiveConfig>,
    pub accounts: Vec<(Arc<str>, usize, Account)>,
    pub groups: Vec<Group>,
    pub files: Vec<FileRecord>,
    pub units: Vec<UnitRecord>,
    pub sources: Vec<SourceText>,
    /// System paths present in the bundle (e.g. `/etc/nologin`), with their member path.
    pub system_paths: Vec<(String, Arc<str>)>,
    pub collected_at: Option<DateTime<Utc>>,
    pub hosts: BTreeSet<String>,
    pub kinds: BTreeSet<ArtifactKind>,
    pub network: system::NetworkFacts,
    pub resources: system::ResourceFacts,
}

impl Facts {
    pub fn has_sshd_config(&self) -> bool {
        self.sshd_config.is_some() || self.sshd_effective.is_some()
    }

    /// The configuration sshd applies to a connection from `addr` by `user`, as
    /// `sshd -T -C` would print it; from sshd_config when present (Match blocks need it),
    /// else from `sshd -T` output.
    pub fn effective_config(
        &self,
        user: Option<&str>,
        addr: Option<IpAddr>,
    ) -> Option<EffectiveConfig> {
        if let Some(cfg) = &self.sshd_config {
            let ctx = MatchContext {
                user: user.map(str::to_owned),
                groups: user.map(|u| self.groups_of(u)).unwrap_or_default(),
                addr,
                ..MatchContext::default()
            };
            return Some(cfg.effective(&ctx));
        }
        self.sshd_effective.clone()
    }

    pub fn has_accounts(&self) -> bool {
        !self.accounts.is_empty()
    }

    pub fn account(&self, name: &str) -> Option<&Account> {
        self.accounts
            .iter()
            .map(|(_, _, a)| a)
            .find(|a| a.name == name)
    }

    pub fn groups_of(&self, user: &str) -> Vec<String> {
        let accounts: Vec<Account> = self.accounts.iter().map(|(_, _, a)| a.clone()).collect();
        crate::parse::accounts::groups_of(user, &accounts, &self.groups)
    }

    /// An existing login account whose name is one or two edits from `name` (a typo), with
    /// its passwd line.
    pub fn similar_account(&self, name: &str) -> Option<(String, Location, String)> {
        self.accounts
            .iter()
            .filter(|(_, _, a)| !a.has_nologin_shell() && a.name != name)
            .map(|(path, offset, a)| (crate::util::edit_distance(name, &a.name), path, offset, a))
            .filter(|(d, ..)| *d <= 2 && *d < name.len().max(2))
            .min_by_key(|(d, ..)| *d)
            .map(|(_, path, offset, a)| {
                let location = Location::new(path.clone(), a.line + offset);
                let text = self.line_text(&location).unwrap_or_default();
                (a.name.clone(), location, text)
            })
    }

    /// A listed file by its path on the host, as evidence plus mode and owner.
    pub fn file_entry(&self, path: &str) -> Option<(Evidence, u32, String)> {
        let want = path.trim_end_matches('/');
        self.files.iter().find_map(|f| {
            let entry = &f.entry;
            let matches = entry.path.trim_end_matches('/') == want;
            matches.then(|| {
                let location = Location::new(f.path.clone(), entry.line + f.line_offset);
                let text = self.line_text(&location).unwrap_or_default();
                (
                    Evidence::at(&location, text),
                    entry.perm,
                    entry.owner.clone(),
                )
            })
        })
    }

    /// The text of a line of a small artifact the facts kept (configs, listings, status).
    pub fn line_text(&self, location: &Location) -> Option<String> {
        self.sources
            .iter()
            .filter(|s| s.path == location.path)
            .find_map(|s| s.line(location.line))
            .map(str::to_owned)
    }

    /// A line of the configuration file that stood at `system_path` on the host (or was
    /// the loose sshd_config when the bundle has no host paths).
    pub fn config_line(&self, system_path: &str, line: usize) -> Option<Evidence> {
        let source = self
            .sources
            .iter()
            .find(|s| s.system_path.as_deref() == Some(system_path))
            .or_else(|| {
                let configs: Vec<&SourceText> = self
                    .sources
                    .iter()
                    .filter(|s| s.kind == ArtifactKind::SshdConfig && s.system_path.is_none())
                    .collect();
                (configs.len() == 1).then(|| configs[0])
            })?;
        let member_line = line + source.line_offset;
        let text = source.line(member_line)?;
        Some(Evidence::at(
            &Location::new(source.path.clone(), member_line),
            text,
        ))
    }

    /// `/etc/nologin` or `/run/nologin`, when the bundle shows it exists.
    pub fn nologin_file(&self) -> Option<Evidence> {
        self.system_paths
            .iter()
            .find(|(p, _)| p == "/etc/nologin" || p == "/run/nologin")
            .map(|(p, member)| {
                Evidence::at(&Location::new(member.clone(), 1), format!("{p} exists"))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_lines_are_found_by_member_line() {
        let s = SourceText {
            path: "ssh.txt".into(),
            line_offset: 10,
            system_path: Some("/etc/ssh/sshd_config".into()),
            kind: ArtifactKind::SshdConfig,
            text: "Port 22\nAllowUsers alice\n".into(),
        };
        assert_eq!(s.line(12), Some("AllowUsers alice"));
        assert_eq!(s.line(10), None);
    }
}
