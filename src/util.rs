//! Small text helpers shared by stages that have nothing else in common.

/// Levenshtein distance: how many single-character edits turn `a` into `b`. Used to suggest
/// what a user meant (an account name, an sshd keyword) from a typo.
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
}
