//! `sudo` lines: which administrator ran which command, and when. An engineer asking why
//! sshd went down wants to see `systemctl stop sshd` run by a person a minute before.
//!
//! ```text
//! sudo: opsadmin : TTY=pts/0 ; PWD=/home/opsadmin ; USER=root ; COMMAND=/usr/bin/systemctl stop sshd
//! ```

use super::Classified;
use crate::model::{EventFields, EventKind};

/// A `sudo` command line; other sudo messages (PAM lines, errors) are not classified here.
pub fn classify(message: &str) -> Option<Classified> {
    let (user, rest) = message.trim_start().split_once(" : ")?;
    let user = user.trim();
    if user.is_empty() || user.contains(' ') {
        return None;
    }
    let mut fields = EventFields {
        user: Some(user.to_owned()),
        ..EventFields::default()
    };
    let mut command = None;
    for part in rest.split(" ; ") {
        let (key, value) = part.split_once('=')?;
        match key.trim() {
            "COMMAND" => command = Some(value.to_owned()),
            "USER" => fields.keyword = Some(value.to_owned()),
            "TTY" | "PWD" | "TSID" | "ENV" | "GROUP" => {}
            _ => {}
        }
    }
    fields.reason = Some(command?);
    Some(Classified {
        kind: EventKind::SudoCommand,
        fields,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_user_target_and_command() {
        let c = classify(
            "opsadmin : TTY=pts/0 ; PWD=/home/opsadmin ; USER=root ; COMMAND=/usr/bin/systemctl stop sshd",
        )
        .unwrap();
        assert_eq!(c.kind, EventKind::SudoCommand);
        assert_eq!(c.fields.user.as_deref(), Some("opsadmin"));
        assert_eq!(c.fields.keyword.as_deref(), Some("root"));
        assert_eq!(
            c.fields.reason.as_deref(),
            Some("/usr/bin/systemctl stop sshd")
        );
    }

    #[test]
    fn other_sudo_lines_are_not_commands() {
        assert!(classify(
            "pam_unix(sudo:session): session opened for user root(uid=0) by alice(uid=1000)"
        )
        .is_none());
        assert!(classify("alice : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/bin/ls").is_none());
    }
}
