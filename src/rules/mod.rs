//! Rules turn facts into findings. One file per finding id: each declares a [`Rule`] with
//! its metadata (what it detects, why it matters, an example, the fix) and a check function
//! that cites every line it used. Adding a rule is one file plus one line in [`RULES`].
//!
//! A rule that needs an artifact the bundle lacks stays silent and says so through
//! [`RuleContext::missing`], so the user sees what could not be checked.

mod common;

pub mod brute_force;
pub mod brute_force_success;
pub mod connection_throttled;
pub mod firewall_blocks_ssh;
pub mod host_key_changed;
pub mod invalid_user;
pub mod ip_banned;
pub mod kex_mismatch;
pub mod pam_denied;
pub mod password_auth_disabled;
pub mod pubkey_bad_permissions;
pub mod resource_exhaustion;
pub mod root_login_refused;
pub mod sshd_listen_address;
pub mod sshd_not_running;
pub mod sshd_port_mismatch;
pub mod sshd_start_failed;
pub mod user_not_allowed;
pub mod wrong_host;
pub mod wrong_password;

pub use common::RuleContext;

use crate::finding::Finding;
use crate::model::Severity;

/// A finding id with its documentation and its check.
pub struct Rule {
    /// The stable id, part of the JSON contract: never renamed.
    pub id: &'static str,
    /// Short title shown next to the id.
    pub title: &'static str,
    pub severity: Severity,
    /// What the rule detects.
    pub what: &'static str,
    /// Why it matters to someone who cannot log in.
    pub why: &'static str,
    /// A log line or situation that triggers it.
    pub example: &'static str,
    /// The general fix; findings carry commands specific to the case.
    pub fix: &'static str,
    /// The artifacts it reads, by name, for `rootline rules ID`.
    pub needs: &'static str,
    /// What the person trying to log in sees, in a few words ("connection refused"): the
    /// end of a causal chain in the report.
    pub symptom: &'static str,
    pub check: fn(&RuleContext) -> Vec<Finding>,
}

/// Every rule, in the order `rootline rules` lists them.
pub static RULES: &[&Rule] = &[
    &sshd_not_running::RULE,
    &sshd_start_failed::RULE,
    &user_not_allowed::RULE,
    &root_login_refused::RULE,
    &password_auth_disabled::RULE,
    &pubkey_bad_permissions::RULE,
    &invalid_user::RULE,
    &wrong_password::RULE,
    &pam_denied::RULE,
    &kex_mismatch::RULE,
    &brute_force::RULE,
    &brute_force_success::RULE,
    &firewall_blocks_ssh::RULE,
    &ip_banned::RULE,
    &host_key_changed::RULE,
    &sshd_port_mismatch::RULE,
    &sshd_listen_address::RULE,
    &wrong_host::RULE,
    &connection_throttled::RULE,
    &resource_exhaustion::RULE,
];

pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|r| r.id == id)
}

/// Runs every rule and returns the findings, unranked.
pub fn run_all(ctx: &RuleContext) -> Vec<Finding> {
    RULES.iter().flat_map(|rule| (rule.check)(ctx)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_case() {
        let mut seen = std::collections::HashSet::new();
        for r in RULES {
            assert!(seen.insert(r.id), "duplicate id {}", r.id);
            assert!(
                r.id.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{} is not kebab-case",
                r.id
            );
            assert!(!r.what.is_empty() && !r.fix.is_empty() && !r.example.is_empty());
        }
    }
}
