//! `rootline analyze`: the main job.

use std::io::Write;

use clap::{Args, ValueEnum};

use super::{output_error, use_color, BundleArgs, Outcome, SeverityArg};
use crate::error::Error;
use crate::model::Severity;
use crate::report::{self, text::TextOptions, Format};

#[derive(Args, Debug)]
pub struct AnalyzeArgs {
    #[command(flatten)]
    pub bundle: BundleArgs,
    /// The user whose login failed.
    #[arg(long)]
    pub user: Option<String>,
    /// The client address the failed attempt came from.
    #[arg(long, value_name = "ADDR")]
    pub client: Option<String>,
    /// When the attempt failed: RFC 3339, or "YYYY-MM-DD HH:MM[:SS]" in the bundle's zone.
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
    /// Exit with status 1 when a finding has this severity or higher.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<SeverityArg>,
    /// List every diagnostic in text output, notes included.
    #[arg(long)]
    pub all_diagnostics: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum FormatArg {
    Text,
    Json,
    Ndjson,
}

pub fn run(args: &AnalyzeArgs) -> Result<Outcome, Error> {
    let mut options = args.bundle.options()?;
    options.user = args.user.clone();
    options.client = args.client.clone();
    options.at = args.at.clone();
    let analysis = crate::analysis::analyze(&args.bundle.bundle, &options)?;
    let format = match args.format {
        FormatArg::Text => Format::Text,
        FormatArg::Json => Format::Json,
        FormatArg::Ndjson => Format::Ndjson,
    };
    let text_options = TextOptions {
        color: use_color(),
        all_diagnostics: args.all_diagnostics,
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    report::write(&analysis.report, format, &mut out, &text_options)
        .and_then(|_| out.flush())
        .or_else(output_error)?;
    Ok(outcome(
        &analysis.report.findings,
        args.fail_on.map(Severity::from),
    ))
}

fn outcome(findings: &[crate::finding::Finding], fail_on: Option<Severity>) -> Outcome {
    match fail_on {
        Some(threshold) if findings.iter().any(|f| f.severity >= threshold) => {
            Outcome::FindingsAboveThreshold
        }
        _ => Outcome::Ok,
    }
}
