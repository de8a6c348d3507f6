//! The `rootline` binary: parses arguments, runs the library, maps the outcome to an exit
//! code (0 ran fine, 1 a finding at or above --fail-on, 2 could not run).

use std::process::ExitCode;

use clap::Parser;
use rootline::cli::{self, Cli, Outcome};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli::run(cli) {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::FindingsAboveThreshold) => ExitCode::from(1),
        Err(e) => {
            eprintln!("rootline: {:#}", anyhow::Error::from(e));
            ExitCode::from(2)
        }
    }
}
