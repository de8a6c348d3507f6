//! Newline-delimited JSON: one self-describing object per line, for pipelines that stream.
//! Each line carries a `type` (`bundle`, `finding`, `event`, `artifact`, `diagnostic`) and
//! the same fields as the matching object of the JSON contract.

use serde::Serialize;

use crate::finding::{Report, SCHEMA_VERSION};

#[derive(Serialize)]
struct Tagged<'a, T: Serialize> {
    #[serde(rename = "type")]
    kind: &'static str,
    schema_version: u32,
    #[serde(flatten)]
    value: &'a T,
}

/// Writes one line for `value`, tagged with its `type`.
pub fn write_line<T: Serialize>(
    out: &mut dyn std::io::Write,
    kind: &'static str,
    value: &T,
) -> std::io::Result<()> {
    let tagged = Tagged {
        kind,
        schema_version: SCHEMA_VERSION,
        value,
    };
    serde_json::to_writer(&mut *out, &tagged)?;
    out.write_all(b"\n")
}

pub fn write_report(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    write_line(out, "bundle", &report.bundle)?;
    for f in &report.findings {
        write_line(out, "finding", f)?;
    }
    for e in &report.timeline {
        write_line(out, "event", e)?;
    }
    for a in &report.artifacts {
        write_line(out, "artifact", a)?;
    }
    for d in &report.diagnostics {
        write_line(out, "diagnostic", d)?;
    }
    Ok(())
}
