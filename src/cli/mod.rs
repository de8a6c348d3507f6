//! The command line: argument definitions and one file per subcommand. Each subcommand
//! calls the library and prints; none of them analyses anything itself.

pub mod analyze;
pub mod firewall;
pub mod inventory;
pub mod rules;
pub mod sshd_config;
pub mod timeline;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::analysis::Options;
use crate::bundle::Limits;
use crate::error::Error;
use crate::model::Severity;

/// What a finished command tells `main` to exit with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Ran fine (exit 0).
    Ok,
    /// Ran fine and found something at or above `--fail-on` (exit 1).
    FindingsAboveThreshold,
}

#[derive(Parser, Debug)]
#[command(
    name = "rootline",
    version,
    about = "Explains why SSH access failed, from a Linux support bundle, offline.",
    long_about = "Reads a support bundle (sosreport, SUSE supportconfig, or loose files; as a \
                  folder, .zip, .tar, .tar.gz or .tar.xz) and ranks the root causes of SSH \
                  login failures, with the log and config lines that prove each, the fix, and \
                  one UTC timeline.",
    after_help = "Examples:\n  rootline analyze sosreport-web01.tar.xz\n  rootline analyze upload.zip --user alice --client 198.51.100.23 --at \"2026-11-20 14:05\"\n  rootline analyze bundle/ --format json > report.json\n  rootline timeline bundle.tar.xz --format ndjson\n  rootline sshd-config bundle/ --user alice --addr 198.51.100.23\n  rootline firewall bundle.tar.xz --from 198.51.100.23\n  rootline rules password-auth-disabled"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Rank the root causes of SSH failures, with evidence, fixes and a timeline.
    Analyze(analyze::AnalyzeArgs),
    /// Every event of every log, in time order (UTC), as text or NDJSON.
    Timeline(timeline::TimelineArgs),
    /// Each member of the bundle: detected kind, lines, recognised lines, events.
    Inventory(inventory::InventoryArgs),
    /// What the host firewall does with a new SSH connection from an address: the verdict,
    /// the deciding rule (file:line) and the path through the chains.
    Firewall(firewall::FirewallArgs),
    /// The effective sshd configuration for a user and client address, with file:line.
    #[command(name = "sshd-config")]
    SshdConfig(sshd_config::SshdConfigArgs),
    /// List the finding ids, or explain one.
    Rules(rules::RulesArgs),
}

/// Options every command that reads a bundle shares.
#[derive(Args, Debug, Clone)]
pub struct BundleArgs {
    /// A folder, .zip, .tar, .tar.gz/.tgz, .tar.xz, or a single log file.
    pub bundle: PathBuf,
    /// The bundle's time zone, when it does not say (IANA name, UTC, or +01:00).
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
    /// The year of year-less syslog lines, when the bundle does not tell.
    #[arg(long)]
    pub year: Option<i32>,
    /// Stop reading after this many decompressed bytes in total.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_total_bytes)]
    pub max_total_bytes: u64,
    /// Skip members larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_member_bytes)]
    pub max_member_bytes: u64,
    /// Stop reading after this many members.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_members)]
    pub max_members: usize,
}

impl BundleArgs {
    pub fn options(&self) -> Result<Options, Error> {
        let zone = match &self.tz {
            Some(z) => Some(crate::time::parse_zone(z).ok_or_else(|| {
                Error::Argument(format!(
                    "--tz {z:?}: expected an IANA zone (Europe/Berlin), UTC, or an offset (+01:00)"
                ))
            })?),
            None => None,
        };
        Ok(Options {
            limits: Limits {
                max_total_bytes: self.max_total_bytes,
                max_member_bytes: self.max_member_bytes,
                max_members: self.max_members,
                ..Limits::default()
            },
            zone,
            year: self.year,
            ..Options::default()
        })
    }
}

/// Severity names for `--fail-on`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum SeverityArg {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl From<SeverityArg> for Severity {
    fn from(s: SeverityArg) -> Severity {
        match s {
            SeverityArg::Info => Severity::Info,
            SeverityArg::Low => Severity::Low,
            SeverityArg::Medium => Severity::Medium,
            SeverityArg::High => Severity::High,
            SeverityArg::Critical => Severity::Critical,
        }
    }
}

/// Whether to colour text output: on a terminal, unless NO_COLOR is set.
pub fn use_color() -> bool {
    use std::io::IsTerminal;
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<Outcome, Error> {
    match cli.command {
        Command::Analyze(a) => analyze::run(&a),
        Command::Timeline(a) => timeline::run(&a),
        Command::Inventory(a) => inventory::run(&a),
        Command::Firewall(a) => firewall::run(&a),
        Command::SshdConfig(a) => sshd_config::run(&a),
        Command::Rules(a) => rules::run(&a),
    }
}

/// Maps a broken pipe (`rootline ... | head`) to a quiet success, other write errors to
/// an error naming the output.
pub fn output_error(e: std::io::Error) -> Result<(), Error> {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Ok(())
    } else {
        Err(Error::Io {
            path: "<stdout>".into(),
            source: e,
        })
    }
}
