//! `rootline sshd-config`: the configuration sshd applies to one connection, like
//! `sshd -T -C user=...,addr=...` on the host, but from the bundle, each value with the
//! file and line that set it.

use std::io::Write;

use clap::Args;

use super::{output_error, BundleArgs, Outcome};
use crate::error::Error;
use crate::facts::sshd_config::Origin;

#[derive(Args, Debug)]
pub struct SshdConfigArgs {
    #[command(flatten)]
    pub bundle: BundleArgs,
    /// The user of the connection (selects Match User / Group blocks).
    #[arg(long)]
    pub user: Option<String>,
    /// The client address of the connection (selects Match Address blocks).
    #[arg(long, value_name = "ADDR")]
    pub addr: Option<std::net::IpAddr>,
    /// Show settings left at their default too.
    #[arg(long)]
    pub all: bool,
}

pub fn run(args: &SshdConfigArgs) -> Result<Outcome, Error> {
    let options = args.bundle.options()?;
    let analysis = crate::analysis::analyze(&args.bundle.bundle, &options)?;
    let facts = &analysis.facts;
    let Some(effective) = facts.effective_config(args.user.as_deref(), args.addr) else {
        return Err(Error::Lacks {
            path: args.bundle.bundle.clone(),
            what: "the bundle has no sshd_config and no sshd -T output".into(),
        });
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut write = || -> std::io::Result<()> {
        for setting in effective.iter() {
            let set_here = setting.origins.iter().any(|o| !o.is_default());
            if !set_here && !args.all {
                continue;
            }
            let value = setting.values.join(" ");
            let origins: Vec<String> = setting
                .origins
                .iter()
                .map(|o| match o {
                    Origin::Line { location, .. } => location.to_string(),
                    Origin::Default => "default".to_owned(),
                })
                .collect();
            let mut origins = origins;
            origins.dedup();
            writeln!(
                out,
                "{:<32} {:<30} # {}",
                setting.keyword,
                value,
                origins.join(", ")
            )?;
            for lost in &setting.overridden {
                if let Origin::Line { location, text } = lost {
                    writeln!(
                        out,
                        "{:<32} {:<30} #   ignored: {location}: {}",
                        "",
                        "",
                        text.trim()
                    )?;
                }
            }
        }
        for u in effective.undecided() {
            writeln!(
                out,
                "# not applied, {} unknown: {}: {}",
                u.criterion, u.location, u.text
            )?;
        }
        if let Some(cfg) = &facts.sshd_config {
            for p in cfg.problems() {
                writeln!(
                    out,
                    "# problem: {}: {} ({})",
                    p.location,
                    p.line_text.trim(),
                    p.message
                )?;
            }
        }
        out.flush()
    };
    write().or_else(output_error)?;
    Ok(Outcome::Ok)
}
