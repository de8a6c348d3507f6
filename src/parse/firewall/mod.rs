//! Host firewall dumps, one file per tool: ufw, firewalld, iptables (and ip6tables), and
//! nftables. Each parser keeps every rule with the line it came from, so a verdict can
//! cite the rule that decided it.

pub mod firewalld;
pub mod iptables;
pub mod nft;
pub mod ufw;
