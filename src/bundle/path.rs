//! Member path hygiene. Paths in an archive are text chosen by its author; before one
//! becomes a member path it must be relative, inside the bundle, and written one way only
//! (`/` separators, no `./`, no empty or `.` components), so that lookups and link
//! resolution never depend on how a tool happened to spell it.

use std::fmt;

/// Why a stored path cannot name a member.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PathProblem {
    Absolute,
    ClimbsOut,
    Empty,
    NulByte,
}

impl fmt::Display for PathProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PathProblem::Absolute => "absolute path",
            PathProblem::ClimbsOut => "path climbs out of the bundle with `..`",
            PathProblem::Empty => "empty path",
            PathProblem::NulByte => "path contains a NUL byte",
        })
    }
}

/// Normalises a stored path; `a/../b` is accepted as `b`, `../b` is refused.
pub(crate) fn clean(raw: &str) -> Result<String, PathProblem> {
    if raw.contains('\0') {
        return Err(PathProblem::NulByte);
    }
    if raw.starts_with('/') || starts_with_drive(raw) {
        return Err(PathProblem::Absolute);
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in raw.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop().ok_or(PathProblem::ClimbsOut)?;
            }
            other => parts.push(other),
        }
    }
    if parts.is_empty() {
        return Err(PathProblem::Empty);
    }
    Ok(parts.join("/"))
}

/// `C:` or `C:\...` as written by Windows tools into zip files.
fn starts_with_drive(raw: &str) -> bool {
    let bytes = raw.as_bytes();
    bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':'
}

/// The directory part of a member path, `""` at the root.
pub(crate) fn parent(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..i])
}

/// Joins `rel` onto the directory `base` (both `/`-separated, `base` already clean).
/// A `..` that would go above the first `floor` components of `base` is refused when
/// `clamp` is false (a relative link escaping its archive) and ignored when true (`/..` is
/// `/` in an absolute link target).
pub(crate) fn join_within(base: &str, rel: &str, floor: usize, clamp: bool) -> Option<String> {
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.len() > floor => {
                parts.pop();
            }
            ".." if clamp => {}
            ".." => return None,
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

/// Number of components in a clean path (`""` has none).
pub(crate) fn depth(path: &str) -> usize {
    path.split('/').filter(|p| !p.is_empty()).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_strips_dot_prefix_and_empty_parts() {
        assert_eq!(
            clean("./etc//ssh/./sshd_config").unwrap(),
            "etc/ssh/sshd_config"
        );
        assert_eq!(clean("a/b/../c").unwrap(), "a/c");
    }

    #[test]
    fn clean_refuses_hostile_paths() {
        assert_eq!(clean("../../etc/passwd"), Err(PathProblem::ClimbsOut));
        assert_eq!(clean("a/../../b"), Err(PathProblem::ClimbsOut));
        assert_eq!(clean("/etc/shadow"), Err(PathProblem::Absolute));
        assert_eq!(clean("C:/Windows/x"), Err(PathProblem::Absolute));
        assert_eq!(clean("./"), Err(PathProblem::Empty));
        assert_eq!(clean("a\0b"), Err(PathProblem::NulByte));
    }

    #[test]
    fn join_within_refuses_or_clamps_escape() {
        assert_eq!(
            join_within("sos/etc", "../usr/share/zoneinfo/UTC", 0, false).as_deref(),
            Some("sos/usr/share/zoneinfo/UTC")
        );
        assert_eq!(join_within("etc", "../../outside", 0, false), None);
        assert_eq!(join_within("x.tar/etc", "../..", 1, false), None);
        assert_eq!(
            join_within("sos", "../../etc/shadow", 1, true).as_deref(),
            Some("sos/etc/shadow")
        );
    }

    #[test]
    fn parent_and_depth() {
        assert_eq!(parent("a/b/c"), "a/b");
        assert_eq!(parent("c"), "");
        assert_eq!(depth("a/b/c"), 3);
        assert_eq!(depth(""), 0);
    }
}
