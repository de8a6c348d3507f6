//! Symlinks and hardlinks inside a bundle. A link becomes a copy of the member it points
//! to, but only when that member is inside the same bundle; anything else is reported and
//! kept as text (its target can still tell something, like a time zone name).

use std::sync::Arc;

use super::Collector;
use crate::model::Diagnostic;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LinkKind {
    Symbolic,
    /// Tar hardlink targets are paths from the archive root, not from the link.
    Hard,
}

#[derive(Clone, Debug)]
pub(crate) struct Link {
    /// The link's own path in the bundle.
    pub path: String,
    pub target: String,
    pub kind: LinkKind,
    /// The path of the archive the link came from inside the bundle (`""` at top level).
    pub root: String,
}

/// How many links one chain may pass through before it is taken for a loop.
const MAX_HOPS: usize = 16;

/// Adds a member for every link that resolves inside the bundle; returns every link with
/// its target text.
pub(crate) fn resolve(links: Vec<Link>, c: &mut Collector) -> Vec<(Arc<str>, String)> {
    let by_path: std::collections::HashMap<String, Link> =
        links.iter().map(|l| (l.path.clone(), l.clone())).collect();
    let mut out = Vec::new();
    for link in &links {
        match follow(link, &by_path, c) {
            Some(target_path) => {
                if let Some(member) = c.members.get(&target_path) {
                    let (data, mtime) = (member.data.clone(), member.mtime);
                    c.store(link.path.clone(), data, mtime);
                }
            }
            None => c.diagnose(
                Diagnostic::info(format!(
                    "link to {} not followed: it points outside the bundle, to a missing member, or in a loop",
                    link.target
                ))
                .at_path(link.path.as_str()),
            ),
        }
        out.push((Arc::from(link.path.as_str()), link.target.clone()));
    }
    out
}

/// The member path a link chain ends at, if it stays inside the bundle.
fn follow(
    link: &Link,
    links: &std::collections::HashMap<String, Link>,
    c: &Collector,
) -> Option<String> {
    let mut current = link.clone();
    for _ in 0..MAX_HOPS {
        let candidates = candidates(&current);
        let found = candidates
            .iter()
            .find(|p| c.members.contains_key(*p) || links.contains_key(*p))?
            .clone();
        match links.get(&found) {
            Some(next) => current = next.clone(),
            None => return Some(found),
        }
    }
    None
}

/// Where a link's target may be in the bundle. A relative target is taken from the link's
/// directory and must not climb above the archive it came from. An absolute target is a
/// path on the host: it is looked for under each directory above the link, since a
/// sosreport keeps the host's root inside its top folder.
fn candidates(link: &Link) -> Vec<String> {
    let dir = match link.path.rfind('/') {
        Some(i) => &link.path[..i],
        None => "",
    };
    if let Some(abs) = link.target.strip_prefix('/') {
        let Some(rel) = normalise("", abs) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut base = dir.to_owned();
        loop {
            out.push(if base.is_empty() {
                rel.clone()
            } else {
                format!("{base}/{rel}")
            });
            if base.len() <= link.root.len() {
                break;
            }
            match base.rfind('/') {
                Some(i) => base.truncate(i),
                None => base.clear(),
            }
        }
        return out;
    }
    let start = match link.kind {
        LinkKind::Hard => link.root.as_str(),
        LinkKind::Symbolic => dir,
    };
    match normalise(start, &link.target) {
        Some(p) if p.starts_with(link.root.as_str()) => vec![p],
        _ => Vec::new(),
    }
}

/// Joins `rel` onto `base` resolving `.` and `..`; `None` when it climbs above the root.
fn normalise(base: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(path: &str, target: &str) -> Link {
        Link {
            path: path.into(),
            target: target.into(),
            kind: LinkKind::Symbolic,
            root: String::new(),
        }
    }

    #[test]
    fn relative_targets_resolve_from_the_link_directory() {
        assert_eq!(
            candidates(&link("sos-x/date", "sos_commands/date/date")),
            ["sos-x/sos_commands/date/date"]
        );
        assert_eq!(candidates(&link("a/b/l", "../c")), ["a/c"]);
        assert!(candidates(&link("a/l", "../../outside")).is_empty());
    }

    #[test]
    fn absolute_targets_are_looked_for_under_each_parent() {
        assert_eq!(
            candidates(&link(
                "sos-x/etc/localtime",
                "/usr/share/zoneinfo/Europe/Berlin"
            )),
            [
                "sos-x/etc/usr/share/zoneinfo/Europe/Berlin",
                "sos-x/usr/share/zoneinfo/Europe/Berlin",
                "usr/share/zoneinfo/Europe/Berlin"
            ]
        );
    }
}
