//! The output of `rootline firewall`: each ruleset's verdict on one connection, with the
//! rule that decided it, the path through the chains, the rules that nearly applied, and
//! what an undecided verdict depends on. Text for people, JSON for programs.

use std::io::{self, Write};

use serde::Serialize;

use crate::facts::firewall::{Decision, FirewallCheck, Outcome, Overall, Step, Verdict};
use crate::finding::SCHEMA_VERSION;

pub fn write_text(check: &FirewallCheck, out: &mut dyn Write) -> io::Result<()> {
    let client = check
        .client
        .map_or_else(|| "any client".to_owned(), |c| c.to_string());
    writeln!(
        out,
        "New TCP connection from {client} to port {} (port from {}){}",
        check.port,
        check.port_origin,
        check
            .iface
            .as_ref()
            .map(|i| format!(", arriving on {i}"))
            .unwrap_or_default()
    )?;
    writeln!(out, "Verdict: {}", overall_text(check))?;
    for v in &check.verdicts {
        writeln!(out)?;
        write_verdict(v, out)?;
    }
    Ok(())
}

fn overall_text(check: &FirewallCheck) -> String {
    let n = check.verdicts.len();
    match check.overall {
        Overall::Accept => format!("ACCEPT (all {n} ruleset(s) let it through)"),
        Overall::Blocked => {
            let blocking: Vec<String> = check
                .verdicts
                .iter()
                .filter(|v| v.denies())
                .map(|v| {
                    let d = v.decision().map_or("DROP/REJECT", Decision::word);
                    format!("{d} by {} ({})", v.firewall.name(), v.source)
                })
                .collect();
            format!("BLOCKED: {}", blocking.join("; "))
        }
        Overall::Depends => {
            "DEPENDS on what the bundle does not tell (see the conditions below)".to_owned()
        }
    }
}

fn write_verdict(v: &Verdict, out: &mut dyn Write) -> io::Result<()> {
    let decision = v.decision().map_or("DEPENDS", Decision::word);
    writeln!(out, "{} {}: {decision}", v.firewall.name(), v.source)?;
    let step_line = |out: &mut dyn Write, indent: &str, label: &str, s: &Step| {
        step_line(out, &v.source, indent, label, s)
    };
    let groups = grouped(&v.outcomes);
    let single = groups.len() == 1;
    for (o, count) in &groups {
        if !single {
            writeln!(out, "  {}{}", o.decision.word(), plural(*count))?;
        }
        let indent = if single { "  " } else { "    " };
        if let Some(by) = &o.decided_by {
            step_line(out, indent, "decided by", by)?;
        }
        for (i, s) in o.path.iter().enumerate() {
            step_line(out, indent, if i == 0 { "path" } else { "" }, s)?;
        }
        for (i, s) in o.conditions.iter().enumerate() {
            step_line(out, indent, if i == 0 { "assuming" } else { "" }, s)?;
        }
    }
    if !v.near_misses.is_empty() {
        writeln!(out, "  rules that do not apply to this connection:")?;
        for s in &v.near_misses {
            step_line(out, "  ", "", s)?;
        }
    }
    for n in &v.notes {
        writeln!(out, "  note: {n}")?;
    }
    if v.incomplete {
        writeln!(
            out,
            "  note: too many unknowns to follow every branch; the outcomes above are not all"
        )?;
    }
    Ok(())
}

fn plural(count: usize) -> String {
    if count > 1 {
        format!(" ({count} ways)")
    } else {
        String::new()
    }
}

/// Outcomes with the same decision and deciding rule, shown once (the first one's path),
/// with how many ways lead there and only the conditions all of those ways share: an
/// unknown that both ways of which lead to the same end does not matter.
fn grouped(outcomes: &[Outcome]) -> Vec<(Outcome, usize)> {
    let mut groups: Vec<(Outcome, usize)> = Vec::new();
    for o in outcomes {
        match groups
            .iter_mut()
            .find(|(g, _)| g.decision == o.decision && g.decided_by == o.decided_by)
        {
            Some((g, n)) => {
                *n += 1;
                g.conditions.retain(|c| o.conditions.contains(c));
            }
            None => groups.push((o.clone(), 1)),
        }
    }
    groups
}

/// One cited line: `line N` of the verdict's own member, `path:N` of another.
fn step_line(
    out: &mut dyn Write,
    source: &str,
    indent: &str,
    label: &str,
    s: &Step,
) -> io::Result<()> {
    let note = if s.note.is_empty() {
        String::new()
    } else {
        format!("  ({})", s.note)
    };
    let at = if &*s.path == source {
        format!("line {}", s.line)
    } else {
        format!("{}:{}", s.path, s.line)
    };
    writeln!(out, "{indent}{label:<11} {at}: {}{note}", collapse(&s.text))
}

/// Listing rows pad their columns with runs of spaces; one space reads better inline.
fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[derive(Serialize)]
struct JsonCheck<'a> {
    schema_version: u32,
    #[serde(flatten)]
    check: &'a FirewallCheck,
}

pub fn write_json(check: &FirewallCheck, out: &mut dyn Write) -> io::Result<()> {
    let doc = JsonCheck {
        schema_version: SCHEMA_VERSION,
        check,
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
