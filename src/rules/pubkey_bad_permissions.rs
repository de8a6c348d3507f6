//! `pubkey-bad-permissions`: StrictModes refused the user's authorized_keys because the home
//! directory, `~/.ssh` or the file itself is writable by others or owned by someone else.
//! sshd names the offending path; a directory listing in the bundle shows the mode.

use std::collections::BTreeMap;

use crate::finding::Finding;
use crate::model::{Event, EventKind, Severity};

use super::common::{self, cite, finish, RuleContext};
use super::Rule;

pub static RULE: Rule = Rule {
    id: "pubkey-bad-permissions",
    title: "StrictModes refused the key: bad ownership or modes",
    severity: Severity::Medium,
    what: "sshd's StrictModes check refused the user's authorized_keys because their home \
           directory, ~/.ssh or authorized_keys is group- or world-writable, or owned by \
           another user.",
    why: "The key is right and installed, yet sshd ignores it; the client falls back to \
          passwords or fails with \"Permission denied (publickey)\".",
    example: "sshd[2214]: Authentication refused: bad ownership or modes for directory /home/dave",
    fix:
        "chmod go-w ~ ; chmod 700 ~/.ssh ; chmod 600 ~/.ssh/authorized_keys ; chown -R USER: ~/.ssh",
    needs: "auth.log/secure or journal; an ls -l or stat listing to show the modes",
    symptom: "key refused, permission denied",
    check,
};

fn check(ctx: &RuleContext) -> Vec<Finding> {
    let mut by_path: BTreeMap<String, Vec<&Event>> = BTreeMap::new();
    for e in ctx.events().filter(|e| {
        matches!(
            e.kind,
            EventKind::StrictModesRefused | EventKind::AuthorizedKeysUnreadable
        )
    }) {
        let path = e.fields.path.clone().unwrap_or_default();
        by_path.entry(path).or_default().push(e);
    }
    by_path
        .into_iter()
        .map(|(path, events)| finding_for(ctx, &path, &events))
        .collect()
}

fn finding_for(ctx: &RuleContext, path: &str, events: &[&Event]) -> Finding {
    let mut f = common::finding(&RULE, String::new());
    for e in events {
        cite(&mut f, e);
    }
    let user = events
        .iter()
        .find_map(|e| e.fields.user.clone())
        .or_else(|| user_of_connection(ctx, events[0]))
        .or_else(|| owner_from_path(path, ctx));
    if let Some(u) = &user {
        f.subjects.users.insert(u.clone());
        // The connection's end, which shows who was turned away and from where.
        let connection = common::connection_key(events[0]).map_or(&[][..], |k| ctx.connection(k));
        for e in connection {
            if e.kind == EventKind::ConnectionClosed && e.fields.user.as_deref() == Some(u.as_str())
            {
                cite(&mut f, e);
            }
        }
    }
    let listing = ctx.facts.file_entry(path);
    let mode_text = match &listing {
        Some((ev, mode, owner)) => {
            f.evidence
                .push(ev.clone().with_note("the mode sshd objects to"));
            format!(" (mode {}, owner {owner})", symbolic_problem(*mode))
        }
        None => {
            ctx.missing(&RULE, "ls -l or stat listing of the refused path");
            String::new()
        }
    };
    f.confidence = if listing.is_some() { 0.97 } else { 0.9 };
    let who = user.as_deref().unwrap_or("the user");
    f.summary = format!(
        "sshd ignored {who}'s authorized_keys because {path} is writable by others or not owned by {who}{mode_text}."
    );
    let owner = user.as_deref().unwrap_or("USER");
    f.remediation = vec![
        format!("sudo chmod go-w {path}"),
        format!("sudo chown {owner}: {path}"),
        format!("sudo chmod 700 /home/{owner}/.ssh && sudo chmod 600 /home/{owner}/.ssh/authorized_keys"),
        "Keep StrictModes yes: it protects the key files from other users".to_owned(),
    ];
    finish(f, 10)
}

fn symbolic_problem(mode: u32) -> String {
    format!("{:o}", mode & 0o7777)
}

/// The user of the connection the refusal belongs to (same per-connection pid).
fn user_of_connection(ctx: &RuleContext, refusal: &Event) -> Option<String> {
    let key = common::connection_key(refusal)?;
    ctx.connection(key)
        .iter()
        .find_map(|e| e.fields.user.clone())
}

/// `/home/dave` or `/home/dave/.ssh` -> `dave`, when that account exists.
fn owner_from_path(path: &str, ctx: &RuleContext) -> Option<String> {
    let rest = path.strip_prefix("/home/")?;
    let name = rest.split('/').next()?;
    ctx.facts
        .account(name)
        .map(|a| a.name.clone())
        .or_else(|| Some(name.to_owned()))
}
