//! Parsers, one file per artifact kind. Each turns a member's text into typed records and
//! reports every line it could not use, so nothing is lost silently.

pub mod accounts;
pub mod clock;
pub mod disk;
pub mod fail2ban;
pub mod firewall;
pub mod inet;
pub mod ipset;
pub mod journal;
pub mod kernel;
pub mod known_hosts;
pub mod listeners;
pub mod listing;
pub mod memory;
pub mod messages;
pub mod netaddr;
pub mod packet_log;
pub mod ps;
pub mod ssh_client;
pub mod sshd_config;
pub mod syslog;
pub mod systemctl;
pub mod top;
pub mod vmstat;
