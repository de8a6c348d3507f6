//! Orders findings so the most likely root cause comes first.
//!
//! The order, from strongest to weakest reason:
//! 1. a finding that explains another ranks above it (a root cause above its symptoms);
//! 2. findings that match the user's hints (`--user`, `--client`, `--at`) come first;
//! 3. a cause that blocks every login ranks above per-user causes;
//! 4. ambient noise (a finding that does not itself explain a failed login) ranks below every
//!    finding that does, except that critical findings (a likely compromise) always lead;
//! 5. then severity, confidence, the latest time, and the id, so the order is stable.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use crate::finding::{Finding, Symptom};
use crate::model::Severity;

/// What the user told us about the failed attempt they are asking about.
#[derive(Clone, Debug, Default)]
pub struct Hints {
    pub user: Option<String>,
    pub client: Option<String>,
    pub at: Option<DateTime<Utc>>,
}

impl Hints {
    pub fn is_empty(&self) -> bool {
        self.user.is_none() && self.client.is_none() && self.at.is_none()
    }
}

/// How close a finding must be to `--at` to count as "about that moment".
const AT_WINDOW: chrono::TimeDelta = chrono::TimeDelta::minutes(30);

/// Scores how well a finding matches the hints: one point each for the user, the client
/// address and the time. Findings that block every login match any user and client.
pub fn hint_score(finding: &Finding, hints: &Hints) -> u8 {
    let mut score = 0;
    if let Some(user) = &hints.user {
        if finding.subjects.users.contains(user) || finding.blocks_all_logins {
            score += 1;
        }
    }
    if let Some(client) = &hints.client {
        if finding.subjects.addresses.contains(client) || finding.blocks_all_logins {
            score += 1;
        }
    }
    if let Some(at) = hints.at {
        if covers(finding, at) {
            score += 1;
        }
    }
    score
}

fn covers(finding: &Finding, at: DateTime<Utc>) -> bool {
    match (finding.first_seen, finding.last_seen) {
        (Some(first), Some(last)) => first - AT_WINDOW <= at && at <= last + AT_WINDOW,
        // A cause with no end (a service that stayed down) covers everything after it.
        (Some(first), None) => first - AT_WINDOW <= at,
        _ => false,
    }
}

/// Sorts the findings in place and numbers them from 1.
pub fn rank(findings: &mut Vec<Finding>, hints: &Hints) {
    for f in findings.iter_mut() {
        f.hint_score = hint_score(f, hints);
    }
    let depth = explain_depth(findings);
    findings.sort_by(|a, b| compare(a, b, &depth));
    lift_roots_above_symptoms(findings);
    for (i, f) in findings.iter_mut().enumerate() {
        f.rank = i + 1;
    }
    let chains: Vec<Vec<&'static str>> = findings.iter().map(|f| chain_of(f, findings)).collect();
    for (f, chain) in findings.iter_mut().zip(chains) {
        f.chain = chain;
    }
    let symptoms: Vec<Option<Symptom>> = findings
        .iter()
        .map(|f| {
            let leaf_id = f.chain.last().copied().unwrap_or(f.id);
            let leaf = findings.iter().find(|g| g.id == leaf_id).unwrap_or(f);
            symptom_of(leaf)
        })
        .collect();
    for (f, s) in findings.iter_mut().zip(symptoms) {
        f.symptom = s;
    }
}

/// The ids a finding explains, followed link by link through the findings present.
fn chain_of(f: &Finding, findings: &[Finding]) -> Vec<&'static str> {
    let mut chain = vec![f.id];
    let mut current = f;
    while let Some(next) = current
        .explains
        .iter()
        .find_map(|id| findings.iter().find(|g| g.id == *id))
    {
        if chain.contains(&next.id) {
            break;
        }
        chain.push(next.id);
        current = next;
    }
    chain
}

/// What the user saw because of `leaf`: its rule's symptom, since the cause began when
/// it was still in effect at collection, else when it was last seen.
fn symptom_of(leaf: &Finding) -> Option<Symptom> {
    let rule = crate::rules::find(leaf.id)?;
    let ongoing = leaf.last_seen.is_none();
    Some(Symptom {
        text: rule.symptom,
        at: if ongoing {
            leaf.first_seen
        } else {
            leaf.last_seen
        },
        ongoing,
    })
}

/// How many findings each id explains, transitively: a root explains its symptoms'
/// symptoms too, so it must outrank all of them.
fn explain_depth(findings: &[Finding]) -> HashMap<&'static str, usize> {
    let present: HashSet<&str> = findings.iter().map(|f| f.id).collect();
    let edges: HashMap<&str, Vec<&str>> = findings
        .iter()
        .map(|f| {
            (
                f.id,
                f.explains
                    .iter()
                    .copied()
                    .filter(|e| present.contains(e) && *e != f.id)
                    .collect(),
            )
        })
        .collect();
    let mut depth = HashMap::new();
    for f in findings {
        let mut seen = HashSet::new();
        let mut stack = vec![f.id];
        while let Some(id) = stack.pop() {
            for next in edges.get(id).into_iter().flatten() {
                if seen.insert(*next) {
                    stack.push(next);
                }
            }
        }
        depth.insert(f.id, seen.len());
    }
    depth
}

/// A total order on per-finding keys (a pairwise "explains" test here would not be
/// transitive, which `sort_by` does not allow); explanation links are applied afterwards.
fn compare(a: &Finding, b: &Finding, depth: &HashMap<&'static str, usize>) -> Ordering {
    let critical = |f: &Finding| f.severity == Severity::Critical;
    critical(b)
        .cmp(&critical(a))
        .then_with(|| b.hint_score.cmp(&a.hint_score))
        .then_with(|| b.explains_failure.cmp(&a.explains_failure))
        .then_with(|| b.blocks_all_logins.cmp(&a.blocks_all_logins))
        .then_with(|| depth.get(b.id).cmp(&depth.get(a.id)))
        .then_with(|| b.severity.cmp(&a.severity))
        .then_with(|| b.confidence.total_cmp(&a.confidence))
        .then_with(|| b.last_seen.cmp(&a.last_seen))
        .then_with(|| a.id.cmp(b.id))
}

/// Moves every finding that explains a higher-ranked one to just above it, so a chain reads
/// root first. Bounded, so a cycle of explanations cannot loop forever.
fn lift_roots_above_symptoms(findings: &mut Vec<Finding>) {
    for _ in 0..findings.len() * findings.len() {
        let mut moved = false;
        for i in 0..findings.len() {
            let explained_above = (0..i).find(|&j| findings[i].explains.contains(&findings[j].id));
            if let Some(j) = explained_above {
                let root = findings.remove(i);
                findings.insert(j, root);
                moved = true;
                break;
            }
        }
        if !moved {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn finding(id: &'static str, severity: Severity) -> Finding {
        Finding::new(id, "t", severity)
    }

    fn ids(findings: &[Finding]) -> Vec<&str> {
        findings.iter().map(|f| f.id).collect()
    }

    #[test]
    fn blocking_cause_outranks_per_user_cause() {
        let mut fs = vec![
            finding("wrong-password", Severity::Medium),
            Finding {
                blocks_all_logins: true,
                ..finding("sshd-not-running", Severity::High)
            },
        ];
        rank(&mut fs, &Hints::default());
        assert_eq!(ids(&fs), ["sshd-not-running", "wrong-password"]);
        assert_eq!(fs[0].rank, 1);
    }

    #[test]
    fn ambient_brute_force_never_outranks_an_explaining_cause() {
        let mut fs = vec![
            Finding {
                explains_failure: false,
                confidence: 1.0,
                ..finding("brute-force", Severity::High)
            },
            finding("invalid-user", Severity::Low),
        ];
        rank(&mut fs, &Hints::default());
        assert_eq!(ids(&fs), ["invalid-user", "brute-force"]);
    }

    #[test]
    fn root_cause_outranks_what_it_explains() {
        let mut fs = vec![
            Finding {
                blocks_all_logins: true,
                ..finding("sshd-not-running", Severity::High)
            },
            Finding {
                explains: vec!["sshd-not-running"],
                ..finding("sshd-start-failed", Severity::Medium)
            },
        ];
        rank(&mut fs, &Hints::default());
        assert_eq!(ids(&fs), ["sshd-start-failed", "sshd-not-running"]);
    }

    #[test]
    fn critical_compromise_always_leads() {
        let mut fs = vec![
            Finding {
                blocks_all_logins: true,
                ..finding("sshd-not-running", Severity::High)
            },
            finding("brute-force-success", Severity::Critical),
        ];
        rank(&mut fs, &Hints::default());
        assert_eq!(fs[0].id, "brute-force-success");
    }

    #[test]
    fn hints_bring_the_reported_attempt_first() {
        let at = Utc.with_ymd_and_hms(2026, 11, 20, 14, 5, 0).unwrap();
        let mut bob = finding("user-not-allowed", Severity::Medium);
        bob.subjects.users.insert("bob".into());
        bob.first_seen = Some(at);
        bob.last_seen = Some(at);
        let mut alice = finding("wrong-password", Severity::High);
        alice.subjects.users.insert("alice".into());
        let mut fs = vec![alice, bob];
        let hints = Hints {
            user: Some("bob".into()),
            client: None,
            at: Some(at),
        };
        rank(&mut fs, &hints);
        assert_eq!(ids(&fs), ["user-not-allowed", "wrong-password"]);
        assert_eq!(fs[0].hint_score, 2);
    }
}
