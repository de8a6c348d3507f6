//! Small text helpers shared by stages that have nothing else in common.

use std::sync::LazyLock;

use regex::Regex;

/// Levenshtein distance: how many single-character edits turn `a` into `b`. Used to suggest
/// what a user meant (an account name, an sshd keyword) from a typo.
/// The index of the first item `matches` accepts, pushing `make()` first when there is
/// none: how parsers gather the tables and chains a dump may declare in any order.
pub fn index_or_push<T>(
    items: &mut Vec<T>,
    matches: impl Fn(&T) -> bool,
    make: impl FnOnce() -> T,
) -> usize {
    match items.iter().position(matches) {
        Some(i) => i,
        None => {
            items.push(make());
            items.len() - 1
        }
    }
}

pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// The share (0..1) of the first twenty non-empty lines of `head` that `is_kind` accepts:
/// the usual content test for line-oriented artifacts with arbitrary file names.
pub fn line_fraction(head: &str, is_kind: impl Fn(&str) -> bool) -> f32 {
    let lines: Vec<&str> = head
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(20)
        .collect();
    if lines.is_empty() {
        return 0.0;
    }
    let hits = lines.iter().filter(|l| is_kind(l)).count();
    hits as f32 / lines.len() as f32
}

/// The text with its first letter in upper case, for sentences built from parts.
pub fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The whitespace-separated words of a line with their byte offsets, so a parser of a
/// column layout can take a free-text tail (a command with spaces) from the line itself.
pub fn words_with_offsets(line: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in line.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                out.push((s, &line[s..i]));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, &line[s..]));
    }
    out
}

/// Whether a line of a pasted terminal transcript is a shell prompt (`root@web01:~# ss -tlnp`,
/// `[root@web01 ~]# ip addr`, `$ systemctl status sshd`) rather than command output. Parsers
/// whose output can itself start with `#` or `$` keep a stricter test of their own.
pub fn is_shell_prompt(line: &str) -> bool {
    static PROMPT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^(?:[\w.-]+@[\w.-]+(?::\S*)?\s?[#$%>]|\[[^\]]*\][#$]|[#$] )")
            .expect("valid regex")
    });
    PROMPT.is_match(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_typos() {
        assert_eq!(edit_distance("alcie", "alice"), 2);
        assert_eq!(edit_distance("alice", "alice"), 0);
        assert_eq!(edit_distance("bob", "alice"), 5);
        assert_eq!(edit_distance("", "ab"), 2);
        assert_eq!(edit_distance("permitrootlogn", "permitrootlogin"), 1);
    }

    #[test]
    fn shell_prompts_are_told_from_output() {
        for line in [
            "root@web01:~# ss -tlnp",
            "admin@db-2.example.com:/etc$ ip addr",
            "[root@web01 ~]# systemctl status sshd",
            "$ netstat -tlnp",
            "# ip -br addr",
        ] {
            assert!(is_shell_prompt(line), "{line}");
        }
        for line in [
            "tcp   LISTEN 0  128  0.0.0.0:22  0.0.0.0:*",
            "#PermitRootLogin yes",
            "   Active: active (running) since Mon 2026-11-23 10:00:00 UTC",
            "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500",
            "$HOME is not a prompt",
        ] {
            assert!(!is_shell_prompt(line), "{line}");
        }
    }

    #[test]
    fn words_keep_their_offsets() {
        assert_eq!(
            words_with_offsets("  tcp  LISTEN 0 "),
            [(2, "tcp"), (7, "LISTEN"), (14, "0")]
        );
        assert!(words_with_offsets("   ").is_empty());
    }

    #[test]
    fn line_fraction_counts_accepted_non_empty_lines() {
        assert_eq!(line_fraction("a\n\nb\nx\n", |l| l != "x"), 2.0 / 3.0);
        assert_eq!(line_fraction("", |_| true), 0.0);
    }
}
