//! `rootline firewall`: what the bundle's firewall does with a new SSH connection from one
//! address, decided offline from the rulesets, with the deciding rule and the chain path.

use std::io::Write;
use std::net::IpAddr;

use clap::{Args, ValueEnum};

use super::{output_error, BundleArgs, Outcome};
use crate::error::Error;

#[derive(Args, Debug)]
pub struct FirewallArgs {
    #[command(flatten)]
    pub bundle: BundleArgs,
    /// The client address; without it, every rule that selects by source is an unknown.
    #[arg(long, value_name = "ADDR")]
    pub from: Option<IpAddr>,
    /// The destination port (default: sshd's effective port for that client, else 22).
    #[arg(long, value_name = "N")]
    pub port: Option<u16>,
    /// The interface the connection arrives on (default: the one whose subnet holds the
    /// client, when the bundle shows the host's addresses).
    #[arg(long, value_name = "NAME")]
    pub iface: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FirewallFormat::Text)]
    pub format: FirewallFormat,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum FirewallFormat {
    Text,
    Json,
}

pub fn run(args: &FirewallArgs) -> Result<Outcome, Error> {
    let options = args.bundle.options()?;
    let analysis = crate::analysis::analyze(&args.bundle.bundle, &options)?;
    let check =
        crate::facts::firewall::check(&analysis.facts, args.from, args.port, args.iface.clone())
            .ok_or_else(|| Error::Lacks {
                path: args.bundle.bundle.clone(),
                what: "the bundle has no firewall ruleset (ufw status, firewall-cmd --list-all, \
                 iptables-save, iptables -nvL, nft list ruleset)"
                    .into(),
            })?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        FirewallFormat::Text => crate::report::firewall::write_text(&check, &mut out),
        FirewallFormat::Json => crate::report::firewall::write_json(&check, &mut out),
    }
    .and_then(|_| out.flush())
    .or_else(output_error)?;
    Ok(Outcome::Ok)
}
