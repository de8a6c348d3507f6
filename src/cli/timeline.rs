//! `rootline timeline`: every event of every log, merged in time order, streamed.

use std::io::Write;

use clap::{Args, ValueEnum};
use serde::Serialize;

use super::{output_error, BundleArgs, Outcome};
use crate::error::Error;
use crate::finding::format_time;
use crate::model::{Event, EventFields};

#[derive(Args, Debug)]
pub struct TimelineArgs {
    #[command(flatten)]
    pub bundle: BundleArgs,
    #[arg(long, value_enum, default_value_t = TimelineFormat::Text)]
    pub format: TimelineFormat,
    /// Only SSH-related events (sshd, PAM, systemd units), not every log line.
    #[arg(long)]
    pub ssh_only: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum TimelineFormat {
    Text,
    Ndjson,
}

/// One NDJSON line of the timeline; the field names are part of the JSON contract.
#[derive(Serialize)]
struct Line<'a> {
    time: Option<String>,
    host: Option<&'a str>,
    program: &'a str,
    pid: Option<u32>,
    kind: &'static str,
    message: &'a str,
    path: &'a str,
    line: usize,
    fields: &'a EventFields,
}

pub fn run(args: &TimelineArgs) -> Result<Outcome, Error> {
    let options = args.bundle.options()?;
    let bundle = crate::bundle::open(&args.bundle.bundle, &options.limits)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let format = args.format;
    let ssh_only = args.ssh_only;
    let mut sink = |e: &Event| -> std::io::Result<()> {
        if ssh_only && e.kind == crate::model::EventKind::LogLine {
            return Ok(());
        }
        match format {
            TimelineFormat::Ndjson => {
                let line = Line {
                    time: e.time.as_ref().map(format_time),
                    host: e.host.as_deref(),
                    program: &e.program,
                    pid: e.pid,
                    kind: e.kind.name(),
                    message: &e.message,
                    path: &e.location.path,
                    line: e.location.line,
                    fields: &e.fields,
                };
                serde_json::to_writer(&mut out, &line)?;
                out.write_all(b"\n")
            }
            TimelineFormat::Text => {
                let time = e
                    .time
                    .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                    .unwrap_or_else(|| "????-??-?? ??:??:??".into());
                writeln!(
                    out,
                    "{time}  {:<10} {:<22} {}  ({}:{})",
                    e.host.as_deref().unwrap_or("-"),
                    e.kind.name(),
                    e.message,
                    e.location.path,
                    e.location.line
                )
            }
        }
    };
    let diagnostics = match crate::analysis::stream_events(&bundle, &options, &mut sink) {
        Ok(d) => d,
        Err(Error::Io { source, .. }) => {
            output_error(source)?;
            return Ok(Outcome::Ok);
        }
        Err(e) => return Err(e),
    };
    out.flush().or_else(output_error)?;
    for d in diagnostics
        .iter()
        .filter(|d| d.level >= crate::model::Level::Warning)
    {
        eprintln!("rootline: {d}");
    }
    Ok(Outcome::Ok)
}
