//! Resolution of symbolic and hard links against the bundle's own members.
//!
//! A bundle is a copy of another machine's files, so a link never means anything on this
//! machine: `date -> sos_commands/date/date` and `/etc/localtime -> /usr/share/zoneinfo/...`
//! are looked up among the members only, relative to the link's directory, with absolute
//! targets read against the root of the copied tree. Chains are followed a bounded number of
//! times, so a loop ends as a diagnostic, not a hang.

use std::collections::HashMap;
use std::fmt;

use super::path::{depth, join_within, parent};
use super::Member;

/// The most links followed for one lookup, as the Linux kernel allows.
const MAX_HOPS: usize = 40;

/// A link entry as stored, before resolution.
#[derive(Clone, Debug)]
pub(crate) struct LinkSpec {
    pub path: String,
    pub target: String,
    /// Hard link targets are relative to the archive root, not to the link's directory.
    pub hard: bool,
    /// The directory of the archive the link came from (`""`, or `outer.tar.gz` for a
    /// nested one): a relative target may not climb above it.
    pub root: String,
}

/// Why a link has no member behind it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Unresolved {
    Missing,
    Directory,
    Outside,
    Loop,
    NoTarget,
}

impl fmt::Display for Unresolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Unresolved::Missing => "the target is not in the bundle",
            Unresolved::Directory => "the target is a directory, not a file",
            Unresolved::Outside => "the target is outside the bundle; not followed",
            Unresolved::Loop => "the link is part of a loop or of a chain longer than 40 links",
            Unresolved::NoTarget => "the link has an empty target",
        })
    }
}

/// One step of a lookup: a target text and where it is read from.
struct Hop {
    /// The link being followed; a guess that lands on it is the wrong guess.
    origin: String,
    base: String,
    target: String,
    root: String,
}

impl Hop {
    fn of(link: &LinkSpec) -> Hop {
        let base = if link.hard {
            link.root.clone()
        } else {
            parent(&link.path).to_owned()
        };
        Hop {
            origin: link.path.clone(),
            base,
            target: link.target.clone(),
            root: link.root.clone(),
        }
    }
}

enum Step {
    File(usize),
    Next(Hop),
}

pub(crate) struct Resolver<'a> {
    files: HashMap<&'a str, usize>,
    links: HashMap<&'a str, &'a LinkSpec>,
    all_paths: Vec<&'a str>,
}

impl<'a> Resolver<'a> {
    pub(crate) fn new(members: &'a [Member], links: &'a [LinkSpec]) -> Self {
        let files = members
            .iter()
            .enumerate()
            .map(|(i, m)| (&*m.path, i))
            .collect();
        let links_by_path = links.iter().map(|l| (l.path.as_str(), l)).collect();
        let mut all_paths: Vec<&str> = members
            .iter()
            .map(|m| &*m.path)
            .chain(links.iter().map(|l| l.path.as_str()))
            .collect();
        all_paths.sort_unstable();
        Resolver {
            files,
            links: links_by_path,
            all_paths,
        }
    }

    /// The index of the member `link` finally points to.
    pub(crate) fn resolve(&self, link: &LinkSpec) -> Result<usize, Unresolved> {
        let mut hop = Hop::of(link);
        for _ in 0..MAX_HOPS {
            let candidates = candidates(&hop)?;
            match candidates.iter().find_map(|c| self.locate(c)) {
                Some(Step::File(i)) => return Ok(i),
                Some(Step::Next(next)) => hop = next,
                None if candidates.iter().any(|c| self.is_dir(c)) => {
                    return Err(Unresolved::Directory)
                }
                None => return Err(Unresolved::Missing),
            }
        }
        Err(Unresolved::Loop)
    }

    /// A path names a member, a link, or lies below a directory that is itself a link.
    fn locate(&self, path: &str) -> Option<Step> {
        if let Some(&i) = self.files.get(path) {
            return Some(Step::File(i));
        }
        if let Some(link) = self.links.get(path) {
            return Some(Step::Next(Hop::of(link)));
        }
        let mut end = path.len();
        while let Some(slash) = path[..end].rfind('/') {
            if let Some(link) = self.links.get(&path[..slash]) {
                let mut hop = Hop::of(link);
                hop.origin = path.to_owned();
                let rest = &path[slash + 1..];
                hop.target = format!("{}/{rest}", hop.target.trim_end_matches('/'));
                return Some(Step::Next(hop));
            }
            end = slash;
        }
        None
    }

    fn is_dir(&self, path: &str) -> bool {
        let prefix = if path.is_empty() {
            String::new()
        } else {
            format!("{path}/")
        };
        let at = self.all_paths.partition_point(|p| *p < prefix.as_str());
        self.all_paths
            .get(at)
            .is_some_and(|p| p.starts_with(&prefix))
    }
}

/// The member paths a target may mean. An absolute target is tried against each directory
/// from the archive root down to the link's own, because the copied tree may sit below a
/// top directory (`sosreport-host-2026/etc/localtime`).
fn candidates(hop: &Hop) -> Result<Vec<String>, Unresolved> {
    if hop.target.is_empty() {
        return Err(Unresolved::NoTarget);
    }
    let floor = depth(&hop.root);
    match hop.target.strip_prefix('/') {
        Some(absolute) => {
            let parts: Vec<&str> = hop.base.split('/').filter(|p| !p.is_empty()).collect();
            let found = (floor..=parts.len())
                .filter_map(|n| {
                    let ancestor = parts[..n].join("/");
                    join_within(&ancestor, absolute, n, true)
                })
                .filter(|candidate| *candidate != hop.origin)
                .collect();
            Ok(found)
        }
        None => join_within(&hop.base, &hop.target, floor, false)
            .map(|p| vec![p])
            .ok_or(Unresolved::Outside),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn member(path: &str) -> Member {
        Member {
            path: Arc::from(path),
            data: path.as_bytes().to_vec(),
            mtime: None,
        }
    }

    fn link(path: &str, target: &str) -> LinkSpec {
        LinkSpec {
            path: path.into(),
            target: target.into(),
            hard: false,
            root: String::new(),
        }
    }

    fn resolve<'m>(
        members: &'m [Member],
        links: &[LinkSpec],
        which: usize,
    ) -> Result<&'m str, Unresolved> {
        Resolver::new(members, links)
            .resolve(&links[which])
            .map(|i| &*members[i].path)
    }

    #[test]
    fn relative_link_resolves_from_its_directory() {
        let members = [member("sos/sos_commands/date/date")];
        let links = [link("sos/date", "sos_commands/date/date")];
        assert_eq!(
            resolve(&members, &links, 0),
            Ok("sos/sos_commands/date/date")
        );
    }

    #[test]
    fn absolute_target_is_read_below_the_copied_tree() {
        let members = [member("sos/usr/share/zoneinfo/Europe/Berlin")];
        let links = [link(
            "sos/etc/localtime",
            "/usr/share/zoneinfo/Europe/Berlin",
        )];
        assert_eq!(
            resolve(&members, &links, 0),
            Ok("sos/usr/share/zoneinfo/Europe/Berlin")
        );
    }

    #[test]
    fn chains_and_directory_links_are_followed() {
        let members = [member("real/data/file")];
        let links = [
            link("a", "b"),
            link("b", "alias/file"),
            link("alias", "real/data"),
        ];
        assert_eq!(resolve(&members, &links, 0), Ok("real/data/file"));
    }

    #[test]
    fn unresolved_links_say_why() {
        let members = [member("etc/ssh/sshd_config")];
        let links = [
            link("x", "/etc/shadow"),
            link("y", "../../outside"),
            link("loop1", "loop2"),
            link("loop2", "loop1"),
            link("d", "etc/ssh"),
            link("e", ""),
        ];
        assert_eq!(resolve(&members, &links, 0), Err(Unresolved::Missing));
        assert_eq!(resolve(&members, &links, 1), Err(Unresolved::Outside));
        assert_eq!(resolve(&members, &links, 2), Err(Unresolved::Loop));
        assert_eq!(resolve(&members, &links, 4), Err(Unresolved::Directory));
        assert_eq!(resolve(&members, &links, 5), Err(Unresolved::NoTarget));
    }

    #[test]
    fn absolute_guess_landing_on_the_link_itself_is_skipped() {
        let members = [member("sos/etc/hostname")];
        let links = [link("sos/etc/shadow", "/etc/shadow")];
        assert_eq!(resolve(&members, &links, 0), Err(Unresolved::Missing));
    }

    #[test]
    fn relative_link_may_not_leave_its_nested_archive() {
        let members = [member("secret")];
        let mut escape = link("inner.tar/a", "../secret");
        escape.root = "inner.tar".into();
        let links = [escape];
        assert_eq!(resolve(&members, &links, 0), Err(Unresolved::Outside));
    }

    #[test]
    fn hard_link_target_is_relative_to_archive_root() {
        let members = [member("outer.tgz/sos/etc/hosts")];
        let mut hard = link("outer.tgz/sos/copy", "sos/etc/hosts");
        hard.hard = true;
        hard.root = "outer.tgz".into();
        let links = [hard];
        assert_eq!(resolve(&members, &links, 0), Ok("outer.tgz/sos/etc/hosts"));
    }
}
