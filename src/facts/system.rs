//! What the bundle says about the network path and the machine's resources, kept as the
//! parsers produced it, each with where it stands in the bundle: firewall rulesets,
//! listening sockets, addresses, name resolution, bans, known host keys, kernel reports and
//! resource snapshots. Rules about firewalls, listeners and resource exhaustion read these.

use std::sync::Arc;

use crate::model::Location;
use crate::parse::firewall::{firewalld, iptables, nft, ufw};
use crate::parse::{disk, fail2ban, ipset, kernel, known_hosts, listeners, memory, netaddr, ps};
use crate::parse::{ssh_client, top, vmstat};

/// A parsed artifact and its place in the bundle.
#[derive(Clone, Debug)]
pub struct Sourced<T> {
    pub path: Arc<str>,
    /// Lines of the member before the artifact (a supportconfig section's start).
    pub line_offset: usize,
    pub value: T,
}

impl<T> Sourced<T> {
    /// The bundle location of a line number the parser gave.
    pub fn location(&self, line: usize) -> Location {
        Location::new(self.path.clone(), line + self.line_offset)
    }
}

/// Firewalls, sockets, addresses, resolution, bans and the client's side.
#[derive(Debug, Default)]
pub struct NetworkFacts {
    pub ufw_status: Vec<Sourced<ufw::UfwStatus>>,
    pub ufw_rules: Vec<Sourced<ufw::UfwUserRules>>,
    pub ufw_config: Vec<Sourced<ufw::UfwConfig>>,
    /// Application profiles (`/etc/ufw/applications.d/*`), which rules name by title.
    pub ufw_apps: Vec<Sourced<Vec<ufw::AppProfile>>>,
    pub firewalld: Vec<Sourced<firewalld::FirewalldState>>,
    pub firewalld_zones: Vec<Sourced<firewalld::Zone>>,
    /// Service definitions (`/etc/firewalld/services/*.xml`), which can move a service's
    /// ports.
    pub firewalld_services: Vec<Sourced<firewalld::ServiceDef>>,
    pub iptables: Vec<Sourced<iptables::Ruleset>>,
    pub nft: Vec<Sourced<nft::NftRuleset>>,
    /// `ipset list` / `ipset save`: the members of the sets rules match on.
    pub ipsets: Vec<Sourced<Vec<ipset::IpSet>>>,
    pub sockets: Vec<Sourced<Vec<listeners::Socket>>>,
    pub interfaces: Vec<Sourced<Vec<netaddr::Interface>>>,
    pub hosts: Vec<Sourced<Vec<netaddr::HostsEntry>>>,
    pub resolv: Vec<Sourced<netaddr::ResolvConf>>,
    pub fail2ban_status: Vec<Sourced<fail2ban::ClientStatus>>,
    pub known_hosts: Vec<Sourced<Vec<known_hosts::KnownHost>>>,
    pub host_keys: Vec<Sourced<Vec<known_hosts::HostKey>>>,
    pub client_transcripts: Vec<Sourced<ssh_client::Transcript>>,
}

/// Kernel reports and snapshots of memory, processes and disks.
#[derive(Debug, Default)]
pub struct ResourceFacts {
    pub kernel: Vec<Sourced<kernel::KernelLog>>,
    pub top: Vec<Sourced<Vec<top::TopSnapshot>>>,
    pub ps: Vec<Sourced<ps::ProcessList>>,
    pub free: Vec<Sourced<memory::Free>>,
    pub meminfo: Vec<Sourced<memory::Meminfo>>,
    pub loadavg: Vec<Sourced<memory::LoadAvg>>,
    pub disks: Vec<Sourced<disk::DiskUsage>>,
    pub vmstat: Vec<Sourced<vmstat::Vmstat>>,
}
