//! Output formats, one file each. Every format renders the same [`Report`]; none of them
//! computes anything of its own, so the text a person reads and the JSON a pipeline reads
//! can never disagree.

pub mod firewall;
pub mod json;
pub mod ndjson;
pub mod text;

use crate::finding::Report;

/// The formats `analyze` can write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Ndjson,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "text" => Some(Format::Text),
            "json" => Some(Format::Json),
            "ndjson" => Some(Format::Ndjson),
            _ => None,
        }
    }
}

/// Writes a report in the chosen format. `color` only affects text.
pub fn write(
    report: &Report,
    format: Format,
    out: &mut dyn std::io::Write,
    options: &text::TextOptions,
) -> std::io::Result<()> {
    match format {
        Format::Text => text::write(report, out, options),
        Format::Json => json::write(report, out),
        Format::Ndjson => ndjson::write_report(report, out),
    }
}
