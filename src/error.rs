//! The library's error type: what can stop a run as a whole. Problems with single members
//! or lines are not errors but diagnostics, because the run goes on with the rest.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a bundle rootline can read: {reason}")]
    Unreadable { path: PathBuf, reason: String },
    /// The bundle was read, but lacks what the command needs (no sshd_config for
    /// `sshd-config`, no ruleset for `firewall`).
    #[error("{path}: {what}")]
    Lacks { path: PathBuf, what: String },
    #[error("invalid argument: {0}")]
    Argument(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
