//! `rootline rules`: the finding ids this version can report, and what each means.

use std::io::Write;

use clap::Args;

use super::{output_error, Outcome};
use crate::error::Error;
use crate::rules::{find, RULES};

#[derive(Args, Debug)]
pub struct RulesArgs {
    /// A finding id to explain in full.
    pub id: Option<String>,
}

pub fn run(args: &RulesArgs) -> Result<Outcome, Error> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let result = match &args.id {
        None => RULES
            .iter()
            .try_for_each(|r| writeln!(out, "{:<24} {:<9} {}", r.id, r.severity.as_str(), r.title)),
        Some(id) => {
            let Some(r) = find(id) else {
                return Err(Error::Argument(format!(
                    "no finding id {id:?}; `rootline rules` lists them"
                )));
            };
            writeln!(
                out,
                "{}  ({})\n{}\n\nWhat it detects\n  {}\n\nWhy it matters\n  {}\n\nWhat the user sees\n  {}\n\nExample\n  {}\n\nFix\n  {}\n\nReads\n  {}",
                r.id, r.severity, r.title, r.what, r.why, r.symptom, r.example, r.fix, r.needs
            )
        }
    };
    result.and_then(|_| out.flush()).or_else(output_error)?;
    Ok(Outcome::Ok)
}
