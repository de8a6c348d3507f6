//! `rootline inventory`: what the bundle holds and how much of it rootline understood.

use std::io::Write;

use clap::Args;

use super::{output_error, BundleArgs, Outcome};
use crate::error::Error;

#[derive(Args, Debug)]
pub struct InventoryArgs {
    #[command(flatten)]
    pub bundle: BundleArgs,
    /// Also list the log lines no parser recognised (up to 200 per member).
    #[arg(long)]
    pub unrecognized: bool,
    /// Write JSON (the `artifacts` and `diagnostics` of the analysis contract).
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &InventoryArgs) -> Result<Outcome, Error> {
    let options = args.bundle.options()?;
    let analysis = crate::analysis::analyze(&args.bundle.bundle, &options)?;
    let report = &analysis.report;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let result = if args.json {
        let value = serde_json::json!({
            "schema_version": report.schema_version,
            "bundle": report.bundle,
            "artifacts": report.artifacts,
            "unrecognized": analysis.unrecognized.iter().map(|(l, t)| {
                serde_json::json!({"path": l.path, "line": l.line, "text": t})
            }).collect::<Vec<_>>(),
            "diagnostics": report.diagnostics,
        });
        serde_json::to_writer_pretty(&mut out, &value)
            .map_err(std::io::Error::from)
            .and_then(|_| writeln!(out))
    } else {
        write_text(&analysis, args.unrecognized, &mut out)
    };
    result.and_then(|_| out.flush()).or_else(output_error)?;
    Ok(Outcome::Ok)
}

fn write_text(
    analysis: &crate::analysis::Analysis,
    unrecognized: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let report = &analysis.report;
    let width = report
        .artifacts
        .iter()
        .map(|a| a.path.len() + a.section.as_ref().map_or(0, |s| s.len() + 3))
        .max()
        .unwrap_or(4)
        .clamp(4, 70);
    writeln!(
        out,
        "{:<width$}  {:<17} {:>8} {:>10} {:>7}",
        "PATH", "KIND", "LINES", "RECOGNISED", "EVENTS"
    )?;
    for a in &report.artifacts {
        let name = match &a.section {
            Some(s) => format!("{} [{s}]", a.path),
            None => a.path.to_string(),
        };
        writeln!(
            out,
            "{name:<width$}  {:<17} {:>8} {:>10} {:>7}",
            a.kind, a.lines, a.recognized, a.events
        )?;
    }
    let (lines, recognized, events) = report.artifacts.iter().fold((0, 0, 0), |acc, a| {
        (acc.0 + a.lines, acc.1 + a.recognized, acc.2 + a.events)
    });
    writeln!(
        out,
        "{} member(s): {lines} lines, {recognized} recognised, {events} SSH events",
        report.artifacts.len()
    )?;
    if unrecognized {
        writeln!(out)?;
        writeln!(out, "Unrecognised lines:")?;
        for (location, text) in &analysis.unrecognized {
            writeln!(out, "  {location}: {text}")?;
        }
    }
    if !report.diagnostics.is_empty() {
        writeln!(out)?;
        for d in &report.diagnostics {
            writeln!(out, "{d}")?;
        }
    }
    Ok(())
}
