//! The report a support engineer reads: the ranked causes with the lines that prove them and
//! the commands that fix them, then the root-cause timeline, then what the tool could not
//! read. It is meant to answer "why can't they log in" in the first screen.

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};

use crate::finding::{format_time, Finding, Report};
use crate::model::{Level, Severity};

/// Presentation choices that do not change content.
#[derive(Clone, Debug, Default)]
pub struct TextOptions {
    pub color: bool,
    /// List every diagnostic instead of a count per level.
    pub all_diagnostics: bool,
}

struct Paint {
    on: bool,
}

impl Paint {
    fn paint(&self, style: Style, text: &str) -> String {
        if self.on {
            format!("{}{}{}", style.render(), text, style.render_reset())
        } else {
            text.to_owned()
        }
    }
    fn bold(&self, text: &str) -> String {
        self.paint(Style::new().bold(), text)
    }
    fn dim(&self, text: &str) -> String {
        self.paint(Style::new().dimmed(), text)
    }
    fn severity(&self, severity: Severity) -> String {
        let color = match severity {
            Severity::Critical => AnsiColor::BrightRed,
            Severity::High => AnsiColor::Red,
            Severity::Medium => AnsiColor::Yellow,
            Severity::Low => AnsiColor::Cyan,
            Severity::Info => AnsiColor::BrightBlack,
        };
        self.paint(
            Style::new().fg_color(Some(color.into())).bold(),
            severity.as_str(),
        )
    }
}

pub fn write(report: &Report, out: &mut dyn Write, options: &TextOptions) -> io::Result<()> {
    let paint = Paint { on: options.color };
    write_header(report, out, &paint)?;
    write_findings(report, out, &paint)?;
    write_timeline(report, out, &paint)?;
    write_diagnostics(report, out, &paint, options.all_diagnostics)
}

fn write_header(report: &Report, out: &mut dyn Write, paint: &Paint) -> io::Result<()> {
    let b = &report.bundle;
    let hosts = if b.hosts.is_empty() {
        "unknown host".to_owned()
    } else {
        b.hosts.join(", ")
    };
    let collected = b
        .collected_at
        .as_ref()
        .map(format_time)
        .unwrap_or_else(|| "unknown".into());
    let zone = b
        .timezone
        .as_deref()
        .unwrap_or("unknown (local times read as UTC)");
    writeln!(out, "{} {}", paint.bold("Bundle"), b.path)?;
    writeln!(
        out,
        "  host {hosts}; collected {collected}; time zone {zone}; all times below are UTC"
    )?;
    writeln!(out)
}

fn write_findings(report: &Report, out: &mut dyn Write, paint: &Paint) -> io::Result<()> {
    if report.findings.is_empty() {
        writeln!(out, "{}", paint.bold("No SSH access problem found."))?;
        writeln!(
            out,
            "  The logs show no failed login, refused connection or stopped sshd; see the \
             diagnostics below for anything that could not be read."
        )?;
        return writeln!(out);
    }
    let n = report.findings.len();
    writeln!(
        out,
        "{}",
        paint.bold(&format!(
            "{n} finding{}, most likely cause first",
            if n == 1 { "" } else { "s" }
        ))
    )?;
    writeln!(out)?;
    for f in &report.findings {
        write_finding(f, out, paint)?;
    }
    Ok(())
}

fn write_finding(f: &Finding, out: &mut dyn Write, paint: &Paint) -> io::Result<()> {
    writeln!(
        out,
        "{}. {}  {} ({}, confidence {:.0}%)",
        f.rank,
        paint.bold(f.id),
        f.title,
        paint.severity(f.severity),
        f.confidence * 100.0
    )?;
    writeln!(out, "   {}", f.summary)?;
    if f.chain.len() > 1 {
        let mut links: Vec<String> = f.chain.iter().map(|id| (*id).to_owned()).collect();
        if let Some(symptom) = &f.symptom {
            links.push(symptom.describe());
        }
        writeln!(out, "   chain: {}", links.join(" -> "))?;
    }
    if !f.evidence.is_empty() {
        writeln!(out, "   {}", paint.bold("Evidence"))?;
        for e in &f.evidence {
            let note = e
                .note
                .as_deref()
                .map(|n| format!("  {}", paint.dim(&format!("({n})"))))
                .unwrap_or_default();
            writeln!(
                out,
                "     {}: {}{}",
                paint.dim(&format!("{}:{}", e.path, e.line)),
                e.text.trim_end(),
                note
            )?;
        }
    }
    if !f.remediation.is_empty() {
        writeln!(out, "   {}", paint.bold("Fix"))?;
        for step in &f.remediation {
            writeln!(out, "     {step}")?;
        }
    }
    writeln!(out)
}

fn write_timeline(report: &Report, out: &mut dyn Write, paint: &Paint) -> io::Result<()> {
    if report.timeline.is_empty() {
        return Ok(());
    }
    writeln!(out, "{}", paint.bold("Root-cause timeline (UTC)"))?;
    for e in &report.timeline {
        // `~` marks a time that rests on an assumption (see the JSON's `time_note`).
        let approx = if e.time_note.is_some() { "~" } else { " " };
        let time = e
            .time
            .map(|t| format!("{}{approx}", t.format("%Y-%m-%d %H:%M:%S")))
            .unwrap_or_else(|| "????-??-?? ??:??:?? ".into());
        let tags = if e.findings.is_empty() {
            String::new()
        } else {
            format!("  [{}]", e.findings.join(", "))
        };
        let marker = if e.findings.is_empty() { " " } else { "*" };
        writeln!(
            out,
            "  {marker} {time} {:<22} {}  {}{}",
            e.kind,
            e.message.trim_end(),
            paint.dim(&format!("{}:{}", e.path, e.line)),
            tags
        )?;
    }
    writeln!(out)
}

fn write_diagnostics(
    report: &Report,
    out: &mut dyn Write,
    paint: &Paint,
    all: bool,
) -> io::Result<()> {
    let count = |level| {
        report
            .diagnostics
            .iter()
            .filter(|d| d.level == level)
            .count()
    };
    let (errors, warnings, infos) = (
        count(Level::Error),
        count(Level::Warning),
        count(Level::Info),
    );
    if errors + warnings + infos == 0 {
        return Ok(());
    }
    writeln!(
        out,
        "{} {errors} error(s), {warnings} warning(s), {infos} note(s) about the inputs",
        paint.bold("Diagnostics:")
    )?;
    let shown: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| all || d.level >= Level::Warning)
        .collect();
    const LIMIT: usize = 15;
    for d in shown.iter().take(if all { usize::MAX } else { LIMIT }) {
        writeln!(out, "  {d}")?;
    }
    if !all && (shown.len() > LIMIT || infos > 0) {
        writeln!(
            out,
            "  {}",
            paint.dim("(use --all-diagnostics to list every diagnostic, notes included)")
        )?;
    }
    Ok(())
}
