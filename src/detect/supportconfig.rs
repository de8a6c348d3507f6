//! SUSE supportconfig writes many files and command outputs into one text file per topic
//! (`ssh.txt`, `messages.txt`, `pam.txt`...), each section opened by a banner:
//!
//! ```text
//! #==[ Command ]======================================#
//! # /usr/bin/systemctl status sshd.service
//! ● sshd.service - OpenSSH Daemon
//! ...
//! #==[ Configuration File ]===========================#
//! # /etc/ssh/sshd_config
//! Port 22
//! ```
//!
//! This module cuts such a file into sections so each can be detected and parsed as the
//! artifact it really is, while evidence still points at the line in the original file.

/// What a section's banner says it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SectionKind {
    Command,
    ConfigurationFile,
    LogFile,
    Other,
}

/// One section: its banner kind, the `# ...` line naming the file or command, and where its
/// body starts in the containing file (1-based line of the first body line).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section<'a> {
    pub kind: SectionKind,
    pub title: &'a str,
    pub body: &'a str,
    pub first_line: usize,
}

impl Section<'_> {
    /// The system path a configuration or log section holds (`/etc/ssh/sshd_config`),
    /// without supportconfig's ` - File not found` or ` - Last 500 Lines` notes.
    pub fn system_path(&self) -> Option<&str> {
        if !matches!(
            self.kind,
            SectionKind::ConfigurationFile | SectionKind::LogFile
        ) {
            return None;
        }
        let path = self.title.split(" - ").next()?.trim();
        path.starts_with('/').then_some(path)
    }

    /// Whether supportconfig recorded that the file was absent on the host.
    pub fn file_not_found(&self) -> bool {
        self.title.contains("File not found")
    }
}

/// True when the text is a supportconfig topic file (its banners near the top).
pub fn is_supportconfig(head: &str) -> bool {
    head.lines().take(200).any(|l| banner(l).is_some())
}

fn banner(line: &str) -> Option<SectionKind> {
    let rest = line.strip_prefix("#==[ ")?;
    let (name, tail) = rest.split_once(" ]")?;
    if !tail.starts_with('=') {
        return None;
    }
    Some(match name {
        "Command" => SectionKind::Command,
        "Configuration File" => SectionKind::ConfigurationFile,
        "Log File" => SectionKind::LogFile,
        _ => SectionKind::Other,
    })
}

/// Splits a supportconfig file into its sections. Text before the first banner (the file's
/// own header) is not a section.
pub fn sections(text: &str) -> Vec<Section<'_>> {
    let mut sections = Vec::new();
    let mut offsets = Vec::new();
    let mut pos = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if let Some(kind) = banner(line.trim_end()) {
            offsets.push((i + 1, pos, pos + line.len(), kind));
        }
        pos += line.len();
    }
    for (n, &(banner_line, _, after_banner, kind)) in offsets.iter().enumerate() {
        let end = offsets.get(n + 1).map_or(text.len(), |o| o.1);
        let section = &text[after_banner..end];
        let (title_line, body, first_line) = match section.split_once('\n') {
            Some((t, b)) => (t, b, banner_line + 2),
            None => (section, "", banner_line + 2),
        };
        let title = title_line
            .trim_end_matches('\r')
            .trim_start_matches('#')
            .trim();
        sections.push(Section {
            kind,
            title,
            body,
            first_line,
        });
    }
    sections
}

#[cfg(test)]
mod tests {
    use super::*;

    const SSH_TXT: &str = "\
#==[ Summary ]======================================#
# ssh
#==[ Command ]======================================#
# /usr/bin/systemctl status sshd.service
* sshd.service - OpenSSH Daemon
   Active: active (running)

#==[ Configuration File ]===========================#
# /etc/ssh/sshd_config
Port 22
AllowUsers alice

#==[ Configuration File ]===========================#
# /etc/ssh/ssh_known_hosts - File not found

#==[ Log File ]=====================================#
# /var/log/messages - Last 3 Lines
Nov 22 14:05:01 web05 sshd[1]: x
";

    #[test]
    fn splits_sections_with_their_real_line_numbers() {
        let s = sections(SSH_TXT);
        assert_eq!(s.len(), 5);
        assert_eq!(s[1].kind, SectionKind::Command);
        assert_eq!(s[1].title, "/usr/bin/systemctl status sshd.service");
        assert_eq!(s[1].first_line, 5);
        assert!(s[1].body.starts_with("* sshd.service"));
        assert_eq!(s[2].system_path(), Some("/etc/ssh/sshd_config"));
        assert_eq!(s[2].first_line, 10);
        assert_eq!(SSH_TXT.lines().nth(s[2].first_line - 1), Some("Port 22"));
        assert!(s[3].file_not_found());
        assert_eq!(s[4].system_path(), Some("/var/log/messages"));
        assert_eq!(s[4].kind, SectionKind::LogFile);
    }

    #[test]
    fn plain_text_is_not_supportconfig() {
        assert!(!is_supportconfig("Port 22\n# a comment\n#==[ not closed"));
        assert!(is_supportconfig(SSH_TXT));
    }
}
