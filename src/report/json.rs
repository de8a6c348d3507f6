//! The JSON contract: one object per analysis, `schema_version` first. Its shape is
//! documented in the README and pinned by snapshot tests; change it only with a version bump.

use crate::finding::Report;

pub fn write(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)
}

pub fn to_string(report: &Report) -> String {
    serde_json::to_string_pretty(report).unwrap_or_default()
}
