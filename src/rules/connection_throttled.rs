//! `connection-throttled`: sshd itself refused connections before any login: MaxStartups
//! (too many unauthenticated connections at once, usually a password-guessing flood),
//! PerSourcePenalties (OpenSSH 9.8+ penalising an address), or LoginGraceTime running out.
//! Clients see `kex_exchange_identification: Connection closed by remote host`, which looks
//! like sshd is broken.

use std::collections::BTreeSet;

use crate::facts::sshd_config::Origin;
use crate::finding::{Evidence, Finding};
use crate::model::{Event, EventKind, Severity};

use super::common::{self, cite, finish, RuleContext};
use super::Rule;

pub static RULE: Rule = Rule {
    id: "connection-throttled",
    title: "sshd refused connections: MaxStartups, penalties or LoginGraceTime",
    severity: Severity::High,
    what: "sshd dropped new connections before authentication: MaxStartups (too many pending \
           connections), PerSourcePenalties (an address penalised by OpenSSH 9.8+), or \
           LoginGraceTime expiring.",
    why: "Legitimate users are cut off with \"Connection closed by remote host\" while sshd is \
          up; a guessing flood or a slow network often causes it.",
    example:
        "sshd[812]: drop connection #10 from [203.0.113.9]:4412 on [10.0.0.5]:22 past MaxStartups",
    fix: "Stop the flood (fail2ban, firewall rate limits); raise MaxStartups if the load is \
          legitimate; exempt trusted networks from PerSourcePenalties.",
    needs: "auth.log/secure or journal; sshd_config for the settings in effect",
    symptom: "connection reset before the banner",
    check,
};

fn is_throttle(e: &Event) -> bool {
    matches!(
        e.kind,
        EventKind::MaxStartupsDrop
            | EventKind::MaxStartupsThrottling
            | EventKind::SourcePenalised
            | EventKind::LoginGraceTimeout
    )
}

fn check(ctx: &RuleContext) -> Vec<Finding> {
    let events: Vec<&Event> = ctx.events().filter(|e| is_throttle(e)).collect();
    let drops: Vec<&&Event> = events
        .iter()
        .filter(|e| e.kind == EventKind::MaxStartupsDrop)
        .collect();
    // sshd logs a drop caused by PerSourcePenalties with a `penalty:` reason; the rest are
    // MaxStartups drops.
    let penalty_drops = drops
        .iter()
        .filter(|e| {
            e.fields
                .reason
                .as_deref()
                .is_some_and(|r| r.starts_with("penalty"))
        })
        .count();
    let penalties = penalty_drops
        + events
            .iter()
            .filter(|e| e.kind == EventKind::SourcePenalised)
            .count();
    let timeouts = events
        .iter()
        .filter(|e| e.kind == EventKind::LoginGraceTimeout)
        .count();
    let maxstartups = drops.len() - penalty_drops;
    // A few grace timeouts are scanners that connect and wait; they refuse nobody.
    if maxstartups == 0 && penalties == 0 && timeouts < 5 {
        return Vec::new();
    }
    let mut f = common::finding(&RULE, String::new());
    let hinted = ctx.hints.client.as_deref();
    let about_client: Vec<&&Event> = events
        .iter()
        .filter(|e| {
            hinted.is_some_and(|c| e.fields.addr.as_deref().is_some_and(|a| a.starts_with(c)))
        })
        .collect();
    for e in about_client.iter().take(4) {
        cite(&mut f, e);
    }
    // Drops of sources other than the busiest one are the collateral: someone who was not
    // flooding, such as an admin on the inside, refused along with the flood.
    for e in collateral_drops(&drops).into_iter().take(4) {
        f.evidence
            .push(Evidence::from_event(e).with_note("refused along with the flood"));
    }
    cite(&mut f, events[0]);
    cite(&mut f, events[events.len() - 1]);
    for e in events
        .iter()
        .filter(|e| e.kind == EventKind::MaxStartupsThrottling)
        .take(2)
    {
        cite(&mut f, e);
    }
    let before_banner = ctx.events_with_reason(EventKind::ClientConnectFailed, |r| {
        r.starts_with("closed before the banner")
    });
    for e in before_banner.take(4) {
        f.evidence
            .push(Evidence::from_event(e).with_note("what the client saw"));
    }
    let settings = settings_evidence(ctx);
    f.evidence.extend(settings);
    // Penalty lines name the source as a network (`10.30.5.12/32`); a host route is the
    // address itself.
    let addrs: BTreeSet<String> = events
        .iter()
        .filter_map(|e| e.fields.addr.as_deref())
        .map(|a| {
            a.trim_end_matches("/32")
                .trim_end_matches("/128")
                .to_owned()
        })
        .collect();
    f.subjects.addresses.extend(addrs.iter().take(20).cloned());
    let mut parts = Vec::new();
    if maxstartups > 0 {
        parts.push(format!(
            "{maxstartups} connection(s) dropped past MaxStartups"
        ));
    }
    if penalties > 0 {
        parts.push(format!(
            "{penalties} refusal(s) or penalties under PerSourcePenalties"
        ));
    }
    if timeouts > 0 {
        parts.push(format!("{timeouts} LoginGraceTime timeout(s)"));
    }
    f.summary = format!(
        "sshd refused connections before authentication: {} ({} address(es)).",
        parts.join(", "),
        addrs.len()
    );
    f.confidence = 0.9;
    // The flood that filled MaxStartups is the cause; brute-force explains this when found.
    if penalties > 0 && maxstartups == 0 {
        f.evidence.extend(penalty_causes(ctx, &events));
        let sources: Vec<String> = addrs.iter().take(3).cloned().collect();
        let ours = sources.iter().any(|a| !common::is_outside_address(a));
        let service = common::service_name(ctx.facts);
        f.remediation = if ours {
            vec![
                format!("Fix what earned the penalty on {}: the failures cited above (a wrong or stale key offered first: IdentitiesOnly yes with the right IdentityFile)", sources.join(", ")),
                format!("Exempt trusted automation: PerSourcePenaltyExemptList {} in /etc/ssh/sshd_config", sources[0]),
                "Or soften the policy: PerSourcePenalties authfail:5s max:2m".to_owned(),
                format!("sudo sshd -t && sudo systemctl reload {service}"),
            ]
        } else {
            vec![
                format!("The penalised sources ({}) are outside addresses: the penalties are working; ban persistent ones (fail2ban)", sources.join(", ")),
                "Exempt only your own networks: PerSourcePenaltyExemptList 10.0.0.0/8 (adjust) in /etc/ssh/sshd_config".to_owned(),
                format!("sudo sshd -t && sudo systemctl reload {service}"),
            ]
        };
        return vec![finish(f, 12)];
    }
    f.remediation = vec![
        "Find the flood: grep -c 'drop connection' /var/log/auth.log; the top sources are in the evidence".to_owned(),
        "Ban or rate-limit the sources (fail2ban, ufw limit 22/tcp, firewalld rich rule with limit)".to_owned(),
        "If the load is legitimate (automation), raise MaxStartups (e.g. 30:30:100) in /etc/ssh/sshd_config".to_owned(),
        "OpenSSH 9.8+: exempt trusted networks with PerSourcePenaltyExemptList".to_owned(),
        format!("sudo sshd -t && sudo systemctl reload {}", common::service_name(ctx.facts)),
    ];
    vec![finish(f, 12)]
}

/// The failures that earned a source its first penalty: its failed logins and
/// connections closed before authenticating, just before the penalty.
fn penalty_causes(ctx: &RuleContext, events: &[&Event]) -> Vec<Evidence> {
    let Some(first) = events
        .iter()
        .find(|e| e.kind == EventKind::SourcePenalised || e.kind == EventKind::MaxStartupsDrop)
    else {
        return Vec::new();
    };
    let Some(addr) = first
        .fields
        .addr
        .as_deref()
        .map(|a| a.trim_end_matches("/32").trim_end_matches("/128"))
    else {
        return Vec::new();
    };
    let before = |e: &Event| matches!((e.time, first.time), (Some(t), Some(p)) if t <= p);
    let failures: Vec<&Event> = ctx
        .events()
        .filter(|e| common::is_auth_failure(e) && e.fields.addr.as_deref() == Some(addr))
        .filter(|e| before(e))
        .collect();
    failures
        .iter()
        .rev()
        .take(3)
        .rev()
        .map(|e| Evidence::from_event(e).with_note("a failure that earned the penalty"))
        .collect()
}

/// Drops of every source but the one dropped most, inside addresses first.
fn collateral_drops<'e>(drops: &[&&'e Event]) -> Vec<&'e Event> {
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for e in drops {
        if let Some(a) = e.fields.addr.as_deref() {
            *counts.entry(a).or_default() += 1;
        }
    }
    let Some((busiest, _)) = counts.iter().max_by_key(|(_, n)| **n) else {
        return Vec::new();
    };
    let mut out: Vec<&Event> = drops
        .iter()
        .map(|e| **e)
        .filter(|e| e.fields.addr.as_deref().is_some_and(|a| a != *busiest))
        .collect();
    out.sort_by_key(|e| {
        e.fields
            .addr
            .as_deref()
            .is_some_and(common::is_outside_address)
    });
    out
}

/// The MaxStartups and LoginGraceTime settings in effect, where the config sets them.
fn settings_evidence(ctx: &RuleContext) -> Vec<Evidence> {
    let Some(cfg) = ctx.facts.effective_config(None, None) else {
        return Vec::new();
    };
    let (_, maxstartups) = cfg.max_startups();
    let (_, grace) = cfg.login_grace_time();
    let penalty_settings = ["persourcepenalties", "persourcepenaltyexemptlist"]
        .into_iter()
        .filter_map(|k| cfg.get(k))
        .flat_map(|s| s.origins.iter().map(move |o| (o, s.keyword)));
    [
        (maxstartups, "MaxStartups in effect"),
        (grace, "LoginGraceTime in effect"),
    ]
    .into_iter()
    .chain(penalty_settings.map(|(o, k)| {
        let note = if k == "persourcepenalties" {
            "PerSourcePenalties in effect"
        } else {
            "PerSourcePenaltyExemptList in effect"
        };
        (o, note)
    }))
    .filter_map(|(origin, note)| match origin {
        Origin::Line { location, text } => {
            Some(Evidence::at(location, text.clone()).with_note(note))
        }
        Origin::Default => None,
    })
    .collect()
}
