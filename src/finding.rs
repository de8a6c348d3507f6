//! What the analysis concludes: findings with their evidence, and the report that carries
//! them to every output format. These types are the JSON contract's shape, so they change
//! only together with `SCHEMA_VERSION` and the README.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::model::{Diagnostic, Event, Location, Severity};

/// Version of the JSON and NDJSON output. Bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// One line of the bundle that a finding rests on.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evidence {
    pub path: std::sync::Arc<str>,
    pub line: usize,
    #[serde(serialize_with = "crate::finding::ser_time")]
    pub time: Option<DateTime<Utc>>,
    pub text: String,
    /// Why this line matters, in a few words ("sshd_config: first value wins").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Evidence {
    pub fn from_event(event: &Event) -> Evidence {
        Evidence {
            path: event.location.path.clone(),
            line: event.location.line,
            time: event.time,
            text: event.text.clone(),
            note: None,
        }
    }

    pub fn at(location: &Location, text: impl Into<String>) -> Evidence {
        Evidence {
            path: location.path.clone(),
            line: location.line,
            time: None,
            text: text.into(),
            note: None,
        }
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Evidence {
        self.note = Some(note.into());
        self
    }

    pub fn location(&self) -> Location {
        Location {
            path: self.path.clone(),
            line: self.line,
        }
    }
}

/// The failure the user saw, at the end of a finding's chain: the last finding's symptom
/// (`connection refused`) from when it began or was last seen.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Symptom {
    pub text: &'static str,
    #[serde(serialize_with = "crate::finding::ser_time")]
    pub at: Option<DateTime<Utc>>,
    /// True when the cause was still in effect at collection: the symptom holds since `at`.
    pub ongoing: bool,
}

impl Symptom {
    /// `connection refused since 2026-11-19 13:58 UTC`.
    pub fn describe(&self) -> String {
        match self.at {
            Some(t) => format!(
                "{} {} {}",
                self.text,
                if self.ongoing { "since" } else { "at" },
                t.format("%Y-%m-%d %H:%M UTC")
            ),
            None => self.text.to_owned(),
        }
    }
}

/// Who and what a finding is about, so a pipeline can group findings across bundles.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Subjects {
    pub users: BTreeSet<String>,
    pub addresses: BTreeSet<String>,
    pub ports: BTreeSet<u16>,
}

/// A concluded root cause (or an informational condition), with everything that proves it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    pub id: &'static str,
    /// 1-based position after ranking; 0 until ranked.
    pub rank: usize,
    pub severity: Severity,
    /// How sure the rule is, from 0 to 1.
    pub confidence: f32,
    pub title: &'static str,
    pub summary: String,
    #[serde(serialize_with = "crate::finding::ser_time")]
    pub first_seen: Option<DateTime<Utc>>,
    #[serde(serialize_with = "crate::finding::ser_time")]
    pub last_seen: Option<DateTime<Utc>>,
    pub subjects: Subjects,
    pub evidence: Vec<Evidence>,
    pub remediation: Vec<String>,
    pub explains: Vec<&'static str>,
    /// This finding and the findings it explains, root first, as far as the report holds
    /// them: `["resource-exhaustion", "sshd-not-running"]`. Set by ranking.
    pub chain: Vec<&'static str>,
    /// What the user saw at the end of the chain, and when. Set by ranking.
    pub symptom: Option<Symptom>,
    /// Whether this cause can stop every login (not just one user's); used by ranking.
    #[serde(skip)]
    pub blocks_all_logins: bool,
    /// Whether this finding by itself explains a failed login (ambient noise does not).
    #[serde(skip)]
    pub explains_failure: bool,
    /// How well the finding matches the user's hints (user, client, time); set by ranking.
    #[serde(skip)]
    pub hint_score: u8,
}

impl Finding {
    /// A finding with nothing found yet: no evidence, summary or remediation, unranked.
    pub fn new(id: &'static str, title: &'static str, severity: Severity) -> Finding {
        Finding {
            id,
            rank: 0,
            severity,
            confidence: 0.8,
            title,
            summary: String::new(),
            first_seen: None,
            last_seen: None,
            subjects: Subjects::default(),
            evidence: Vec::new(),
            remediation: Vec::new(),
            explains: Vec::new(),
            chain: Vec::new(),
            symptom: None,
            blocks_all_logins: false,
            explains_failure: true,
            hint_score: 0,
        }
    }

    /// Evidence times are the finding's span unless a rule set it explicitly.
    pub fn fill_span_from_evidence(&mut self) {
        let times = self.evidence.iter().filter_map(|e| e.time);
        let (min, max) = times.fold((None, None), |(lo, hi): (Option<DateTime<Utc>>, _), t| {
            (
                Some(lo.map_or(t, |l| l.min(t))),
                Some(hi.map_or(t, |h: DateTime<Utc>| h.max(t))),
            )
        });
        if self.first_seen.is_none() {
            self.first_seen = min;
        }
        if self.last_seen.is_none() {
            self.last_seen = max;
        }
    }
}

/// What the bundle is: its path, hosts and clock, as the JSON contract's `bundle` object.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct BundleInfo {
    pub path: String,
    pub hosts: Vec<String>,
    #[serde(serialize_with = "crate::finding::ser_time")]
    pub collected_at: Option<DateTime<Utc>>,
    pub timezone: Option<String>,
}

/// One member of the bundle as the inventory shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ArtifactSummary {
    pub path: std::sync::Arc<str>,
    /// The section of a supportconfig file (the file or command its banner names).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    pub kind: &'static str,
    pub lines: usize,
    pub recognized: usize,
    pub events: usize,
}

/// One entry of the root-cause timeline: an event, and the findings it supports.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TimelineEntry {
    #[serde(serialize_with = "crate::finding::ser_time")]
    pub time: Option<DateTime<Utc>>,
    pub host: Option<String>,
    pub kind: &'static str,
    pub message: String,
    pub path: std::sync::Arc<str>,
    pub line: usize,
    pub fields: serde_json::Value,
    pub findings: Vec<&'static str>,
    /// What the time rests on when it is not read straight from the line (a `dmesg -T`
    /// clock, seconds since boot placed from the uptime).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_note: Option<&'static str>,
}

/// Everything one analysis produced.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub bundle: BundleInfo,
    pub findings: Vec<Finding>,
    pub timeline: Vec<TimelineEntry>,
    pub artifacts: Vec<ArtifactSummary>,
    pub diagnostics: Vec<Diagnostic>,
}

/// RFC 3339 UTC with a `Z`, seconds precision unless the source had sub-seconds.
pub fn format_time(t: &DateTime<Utc>) -> String {
    use chrono::SecondsFormat;
    if t.timestamp_subsec_nanos() == 0 {
        t.to_rfc3339_opts(SecondsFormat::Secs, true)
    } else {
        t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
    }
}

pub(crate) fn ser_time<S: serde::Serializer>(
    t: &Option<DateTime<Utc>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&format_time(t)),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn times_are_rfc3339_utc() {
        let t = Utc.with_ymd_and_hms(2026, 11, 20, 14, 5, 1).unwrap();
        assert_eq!(format_time(&t), "2026-11-20T14:05:01Z");
        let t = t + chrono::Duration::microseconds(123456);
        assert_eq!(format_time(&t), "2026-11-20T14:05:01.123456Z");
    }

    #[test]
    fn span_comes_from_evidence_times() {
        let t1 = Utc.with_ymd_and_hms(2026, 11, 20, 14, 5, 1).unwrap();
        let t2 = Utc.with_ymd_and_hms(2026, 11, 20, 13, 0, 0).unwrap();
        let mut f = Finding {
            evidence: vec![
                Evidence {
                    time: Some(t1),
                    ..Evidence::at(&Location::new("a", 1), "x")
                },
                Evidence {
                    time: Some(t2),
                    ..Evidence::at(&Location::new("a", 2), "y")
                },
                Evidence::at(&Location::new("b", 3), "config line"),
            ],
            ..Finding::new("x", "t", Severity::High)
        };
        f.fill_span_from_evidence();
        assert_eq!(f.first_seen, Some(t2));
        assert_eq!(f.last_seen, Some(t1));
    }
}
