//! Reads `sshd_config` the way sshd does, so that later stages can say which line of which
//! file made sshd refuse a login or refuse to start.
//!
//! A bundle is not a filesystem: `Include` globs are resolved through [`ConfigFiles`], which
//! maps system paths (`/etc/ssh/sshd_config.d/*.conf`) to bundle members. The result keeps
//! the file structure (includes in place, `Match` lines in order) because sshd's semantics
//! depend on it; [`crate::facts::sshd_config`] turns it into the effective configuration.
//!
//! Tokenising follows OpenSSH 10.x (`servconf.c`, `misc.c`): the keyword is case-insensitive
//! and ends at whitespace or a single `=`; arguments are split like a shell word list with
//! `"`/`'` quotes and `\` escapes; a `#` at the start of an argument ends the line. Every
//! mistake that would make sshd refuse to start is kept as a [`ConfigProblem`] and reported as
//! a warning, since this tool keeps going where sshd would stop.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::model::{Diagnostic, Location};

/// sshd gives up beyond this include depth ("Too many recursive configuration includes").
pub const MAX_INCLUDE_DEPTH: usize = 16;

/// Relative `Include` paths are taken relative to this directory, as sshd does.
const SSH_DIR: &str = "/etc/ssh";

/// Access to the files of the system the bundle was taken from.
pub trait ConfigFiles {
    /// The text of the file at this absolute system path (e.g.
    /// "/etc/ssh/sshd_config.d/50-cloud-init.conf") and its member path in the bundle.
    fn read(&self, system_path: &str) -> Option<(Arc<str>, String)>;
    /// Absolute system paths that match a glob pattern, sorted.
    fn glob(&self, pattern: &str) -> Vec<String>;
}

/// A [`ConfigFiles`] held in memory: tests, and callers that already extracted the files.
#[derive(Clone, Debug, Default)]
pub struct MemoryFiles {
    files: BTreeMap<String, (Arc<str>, String)>,
}

impl MemoryFiles {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file known at `system_path`, stored in the bundle as `member_path`.
    pub fn insert(&mut self, system_path: &str, member_path: &str, text: impl Into<String>) {
        self.files.insert(
            system_path.to_owned(),
            (Arc::from(member_path), text.into()),
        );
    }

    /// Builder form of [`MemoryFiles::insert`].
    pub fn with(mut self, system_path: &str, member_path: &str, text: impl Into<String>) -> Self {
        self.insert(system_path, member_path, text);
        self
    }
}

impl ConfigFiles for MemoryFiles {
    fn read(&self, system_path: &str) -> Option<(Arc<str>, String)> {
        self.files.get(system_path).cloned()
    }

    fn glob(&self, pattern: &str) -> Vec<String> {
        glob_paths(pattern, self.files.keys().map(String::as_str))
    }
}

/// The paths among `paths` that an `Include` pattern matches, sorted, as glob(3) does for
/// sshd: `*` stays within one directory and skips dot files; the order is the C locale's.
pub fn glob_paths<'a>(pattern: &str, paths: impl Iterator<Item = &'a str>) -> Vec<String> {
    let Ok(pattern) = glob::Pattern::new(pattern) else {
        return Vec::new();
    };
    let options = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: true,
    };
    let mut out: Vec<String> = paths
        .filter(|path| pattern.matches_with(path, options))
        .map(str::to_owned)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// One configuration line that set (or tried to set) an option.
#[derive(Clone, Debug, PartialEq)]
pub struct Directive {
    /// The keyword as written, e.g. `ChallengeResponseAuthentication`.
    pub keyword: String,
    /// What sshd knows the keyword as; `None` for unknown keywords.
    pub spec: Option<&'static KeywordSpec>,
    /// Arguments after quote removal; for rest-of-line keywords (ForceCommand) one argument.
    pub args: Vec<String>,
    pub location: Location,
    /// The line as it stands in the file, for evidence.
    pub text: String,
    /// False when the line has a problem that makes sshd refuse it.
    pub valid: bool,
}

/// One criterion of a `Match` line. Pattern lists are kept as written (comma lists, `!`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Criterion {
    All,
    InvalidUser,
    User(String),
    Group(String),
    Host(String),
    Address(String),
    LocalAddress(String),
    LocalPort(u16),
    RDomain(String),
    /// `Match Version`: compared with the running sshd's version, which a bundle rarely states.
    Version(String),
}

/// A `Match` line: it switches the options that follow (up to the next `Match` or the end of
/// this file) to apply only to connections that meet every criterion.
#[derive(Clone, Debug, PartialEq)]
pub struct MatchLine {
    pub criteria: Vec<Criterion>,
    pub location: Location,
    pub text: String,
    /// False when sshd would reject the line ("Bad Match condition"); such a block never applies.
    pub valid: bool,
}

/// An `Include` line with the files it pulled in, in the order sshd reads them.
#[derive(Clone, Debug, PartialEq)]
pub struct Include {
    pub patterns: Vec<String>,
    pub location: Location,
    pub text: String,
    pub files: Vec<ConfigFile>,
    /// True when the file set is unknown (a loose file with no bundle around it).
    pub unresolved: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    Directive(Directive),
    Match(MatchLine),
    Include(Include),
}

/// One configuration file as read: its items in line order.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigFile {
    /// Where sshd reads it (`/etc/ssh/sshd_config`), or the member path for a loose file.
    pub system_path: String,
    pub member_path: Arc<str>,
    pub items: Vec<Item>,
}

/// Why sshd would refuse a line (and, in every case here, refuse to start).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProblemKind {
    UnknownKeyword,
    MissingArgument,
    BadValue,
    ExtraArguments,
    InvalidQuotes,
    /// A global-only keyword after a `Match` line.
    NotAllowedInMatch,
    BadMatch,
    IncludeTooDeep,
}

impl ProblemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemKind::UnknownKeyword => "unknown-keyword",
            ProblemKind::MissingArgument => "missing-argument",
            ProblemKind::BadValue => "bad-value",
            ProblemKind::ExtraArguments => "extra-arguments",
            ProblemKind::InvalidQuotes => "invalid-quotes",
            ProblemKind::NotAllowedInMatch => "not-allowed-in-match",
            ProblemKind::BadMatch => "bad-match",
            ProblemKind::IncludeTooDeep => "include-too-deep",
        }
    }
}

/// A line sshd would reject, with the text to cite when the logs show it failed to start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigProblem {
    pub location: Location,
    pub line_text: String,
    pub kind: ProblemKind,
    pub message: String,
}

/// A parsed `sshd_config` with its includes resolved in place.
#[derive(Clone, Debug, PartialEq)]
pub struct SshdConfig {
    pub main: ConfigFile,
    problems: Vec<ConfigProblem>,
}

impl SshdConfig {
    /// Every line sshd would refuse, in reading order.
    pub fn problems(&self) -> Vec<ConfigProblem> {
        self.problems.clone()
    }

    /// True when some `Include` could not be followed (loose file), so settings may be missing.
    pub fn has_unresolved_includes(&self) -> bool {
        fn walk(file: &ConfigFile) -> bool {
            file.items.iter().any(|item| match item {
                Item::Include(inc) => inc.unresolved || inc.files.iter().any(walk),
                _ => false,
            })
        }
        walk(&self.main)
    }

    /// Every directive in the order sshd reads them (includes expanded in place).
    pub fn directives(&self) -> Vec<&Directive> {
        fn walk<'a>(file: &'a ConfigFile, out: &mut Vec<&'a Directive>) {
            for item in &file.items {
                match item {
                    Item::Directive(d) => out.push(d),
                    Item::Include(inc) => inc.files.iter().for_each(|f| walk(f, out)),
                    Item::Match(_) => {}
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.main, &mut out);
        out
    }
}

/// Loads the server configuration starting at `main_path` (normally `/etc/ssh/sshd_config`),
/// following `Include` through `files`. `None` when the main file is not in the bundle.
pub fn load(
    files: &dyn ConfigFiles,
    main_path: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<SshdConfig> {
    let (member, text) = files.read(main_path)?;
    let mut loader = Loader {
        files: Some(files),
        problems: Vec::new(),
        diagnostics,
    };
    let main = loader.file(main_path, member, &text, 0, false);
    Some(SshdConfig {
        main,
        problems: loader.problems,
    })
}

/// Parses a loose `sshd_config` with no bundle around it: `Include` lines are recorded but not
/// followed (an info diagnostic says so).
pub fn parse_text(member_path: &str, text: &str, diagnostics: &mut Vec<Diagnostic>) -> SshdConfig {
    let mut loader = Loader {
        files: None,
        problems: Vec::new(),
        diagnostics,
    };
    let main = loader.file(member_path, Arc::from(member_path), text, 0, false);
    SshdConfig {
        main,
        problems: loader.problems,
    }
}

struct Loader<'a> {
    files: Option<&'a dyn ConfigFiles>,
    problems: Vec<ConfigProblem>,
    diagnostics: &'a mut Vec<Diagnostic>,
}

/// What the line before said about the block a line is in; decides whether global-only
/// keywords are allowed.
#[derive(Clone, Copy)]
struct BlockState {
    in_match: bool,
    /// `Match all` applies at startup too, so sshd accepts global keywords inside it.
    match_all: bool,
}

impl Loader<'_> {
    fn file(
        &mut self,
        system_path: &str,
        member: Arc<str>,
        text: &str,
        depth: usize,
        in_match: bool,
    ) -> ConfigFile {
        let mut state = BlockState {
            in_match,
            match_all: false,
        };
        let mut items = Vec::new();
        for (index, raw) in text.split('\n').enumerate() {
            let location = Location::new(member.clone(), index + 1);
            if let Some(item) = self.line(raw, location, depth, &mut state) {
                items.push(item);
            }
        }
        ConfigFile {
            system_path: system_path.to_owned(),
            member_path: member,
            items,
        }
    }

    fn line(
        &mut self,
        raw: &str,
        location: Location,
        depth: usize,
        state: &mut BlockState,
    ) -> Option<Item> {
        let text = raw.trim_end_matches(['\r', '\n']).to_owned();
        let line = match split_line(&text) {
            Ok(Some(line)) => line,
            Ok(None) => return None,
            Err(err) => {
                let (kind, message) = match err {
                    LineError::NoArgument(keyword) => (
                        ProblemKind::MissingArgument,
                        format!("no argument after keyword \"{keyword}\""),
                    ),
                    LineError::InvalidQuotes => {
                        (ProblemKind::InvalidQuotes, "invalid quotes".to_owned())
                    }
                };
                self.problem(&location, &text, kind, message);
                return None;
            }
        };
        match lookup(&line.keyword) {
            KeywordClass::Match => Some(Item::Match(self.match_line(line, location, text, state))),
            KeywordClass::Include => {
                let inc = self.include(line, location, text, depth, state.in_match);
                Some(Item::Include(inc))
            }
            KeywordClass::Option(spec) | KeywordClass::Alias(spec) => Some(Item::Directive(
                self.option(line, spec, location, text, state),
            )),
            KeywordClass::Deprecated | KeywordClass::Ignored => {
                self.diagnostics.push(
                    Diagnostic::info(format!(
                        "deprecated option {}: sshd ignores it",
                        line.keyword
                    ))
                    .at(&location),
                );
                None
            }
            KeywordClass::DistroOnly => {
                self.diagnostics.push(
                    Diagnostic::info(format!(
                        "option {} exists only in distribution builds of sshd (RHEL, Debian, \
                         Ubuntu); upstream sshd rejects it",
                        line.keyword
                    ))
                    .at(&location),
                );
                None
            }
            KeywordClass::Unknown => {
                let message = format!("Bad configuration option: {}", line.keyword);
                self.problem(&location, &text, ProblemKind::UnknownKeyword, message);
                Some(Item::Directive(Directive {
                    keyword: line.keyword,
                    spec: None,
                    args: line.args,
                    location,
                    text,
                    valid: false,
                }))
            }
        }
    }

    fn option(
        &mut self,
        line: Line,
        spec: &'static KeywordSpec,
        location: Location,
        text: String,
        state: &BlockState,
    ) -> Directive {
        let args = if spec.kind == ValueKind::Rest {
            vec![line.rest.clone()]
        } else {
            line.args
        };
        let mut valid = true;
        if state.in_match && !state.match_all && !spec.in_match {
            let message = format!(
                "Directive '{}' is not allowed within a Match block",
                line.keyword
            );
            self.problem(&location, &text, ProblemKind::NotAllowedInMatch, message);
            valid = false;
        }
        if let Err((kind, message)) = check_args(spec, &args) {
            let message = format!("{} {message}", line.keyword);
            self.problem(&location, &text, kind, message);
            valid = false;
        }
        Directive {
            keyword: line.keyword,
            spec: Some(spec),
            args,
            location,
            text,
            valid,
        }
    }

    fn match_line(
        &mut self,
        line: Line,
        location: Location,
        text: String,
        state: &mut BlockState,
    ) -> MatchLine {
        let (criteria, valid) = match parse_criteria(&line.args) {
            Ok(criteria) => (criteria, true),
            Err(message) => {
                self.problem(&location, &text, ProblemKind::BadMatch, message);
                (Vec::new(), false)
            }
        };
        state.in_match = true;
        state.match_all = valid && criteria == [Criterion::All];
        MatchLine {
            criteria,
            location,
            text,
            valid,
        }
    }

    fn include(
        &mut self,
        line: Line,
        location: Location,
        text: String,
        depth: usize,
        in_match: bool,
    ) -> Include {
        let mut inc = Include {
            patterns: line.args,
            location,
            text,
            files: Vec::new(),
            unresolved: false,
        };
        let Some(files) = self.files else {
            inc.unresolved = true;
            self.diagnostics.push(
                Diagnostic::info(format!(
                    "Include {} not followed: no bundle to read included files from; \
                     settings from them are missing",
                    inc.patterns.join(" ")
                ))
                .at(&inc.location),
            );
            return inc;
        };
        if depth >= MAX_INCLUDE_DEPTH {
            let message = format!(
                "Too many recursive configuration includes (more than {MAX_INCLUDE_DEPTH})"
            );
            self.problem(
                &inc.location.clone(),
                &inc.text.clone(),
                ProblemKind::IncludeTooDeep,
                message,
            );
            return inc;
        }
        for pattern in inc.patterns.clone() {
            let absolute = absolute_include(&pattern);
            let matches = files.glob(&absolute);
            if matches.is_empty() {
                self.diagnostics.push(
                    Diagnostic::info(format!(
                        "Include {absolute} matches no file in the bundle (sshd ignores an \
                         include that matches nothing)"
                    ))
                    .at(&inc.location),
                );
            }
            for path in matches {
                match files.read(&path) {
                    Some((member, body)) => {
                        let file = self.file(&path, member, &body, depth + 1, in_match);
                        inc.files.push(file);
                    }
                    None => self.diagnostics.push(
                        Diagnostic::warning(format!("included file {path} could not be read"))
                            .at(&inc.location),
                    ),
                }
            }
        }
        inc
    }

    fn problem(&mut self, location: &Location, text: &str, kind: ProblemKind, message: String) {
        self.diagnostics.push(
            Diagnostic::warning(format!("{message} (sshd refuses to start with this line)"))
                .at(location),
        );
        self.problems.push(ConfigProblem {
            location: location.clone(),
            line_text: text.to_owned(),
            kind,
            message,
        });
    }
}

fn absolute_include(pattern: &str) -> String {
    if pattern.starts_with('/') {
        pattern.to_owned()
    } else if let Some(rest) = pattern.strip_prefix("~/") {
        // sshd expands `~` for the user running it, which is root.
        format!("/root/{rest}")
    } else {
        format!("{SSH_DIR}/{pattern}")
    }
}

/// The attributes sshd accepts in `attr=value` form as well as `attr value`.
const EQUALS_ATTRIBUTES: &[&str] = &[
    "user",
    "group",
    "host",
    "address",
    "localaddress",
    "localport",
    "rdomain",
    "version",
];

/// Parses the criteria of a `Match` line as `match_cfg_line` does; the error is sshd's reason.
pub fn parse_criteria(args: &[String]) -> Result<Vec<Criterion>, String> {
    let mut criteria = Vec::new();
    let mut iter = args.iter();
    while let Some(attr) = iter.next() {
        let lower = attr.to_ascii_lowercase();
        if lower == "all" {
            if !criteria.is_empty() || iter.next().is_some() {
                return Err("'all' cannot be combined with other Match attributes".into());
            }
            return Ok(vec![Criterion::All]);
        }
        if lower == "invalid-user" {
            criteria.push(Criterion::InvalidUser);
            continue;
        }
        let (name, value) = match lower.split_once('=') {
            Some((name, _)) if EQUALS_ATTRIBUTES.contains(&name) => {
                let value = attr.split_once('=').map(|(_, v)| v).unwrap_or_default();
                (name.to_owned(), Some(value.to_owned()))
            }
            _ => (lower.clone(), iter.next().cloned()),
        };
        let value = match value {
            Some(v) if !v.is_empty() => v,
            _ => return Err(format!("Missing Match criteria for {attr}")),
        };
        criteria.push(criterion(&name, attr, value)?);
    }
    if criteria.is_empty() {
        return Err("One or more attributes required for Match".into());
    }
    Ok(criteria)
}

fn criterion(name: &str, attr: &str, value: String) -> Result<Criterion, String> {
    Ok(match name {
        "user" => Criterion::User(value),
        "group" => Criterion::Group(value),
        "host" => Criterion::Host(value),
        "address" => Criterion::Address(value),
        "localaddress" => Criterion::LocalAddress(value),
        "localport" => match value.parse::<u16>() {
            Ok(port) if port > 0 => Criterion::LocalPort(port),
            _ => return Err(format!("Invalid LocalPort '{value}' on Match line")),
        },
        "rdomain" => Criterion::RDomain(value),
        "version" => Criterion::Version(value),
        _ => return Err(format!("Unsupported Match attribute {attr}")),
    })
}

// ---------------------------------------------------------------------------------------------
// Tokenising one line

/// A non-empty, non-comment line split the way sshd splits it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Line {
    keyword: String,
    /// Everything after the keyword and its separator, as written (ForceCommand keeps it all).
    rest: String,
    /// Arguments after quote and escape removal, stopping at a `#` that starts an argument.
    args: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum LineError {
    NoArgument(String),
    InvalidQuotes,
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n' | '\u{c}')
}

/// Splits a line into keyword and arguments; `Ok(None)` for blank lines and comments.
fn split_line(text: &str) -> Result<Option<Line>, LineError> {
    let line = text.trim_end_matches(is_space).trim_start_matches(is_space);
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let end = line
        .find(|c: char| is_space(c) || c == '=' || c == '"')
        .unwrap_or(line.len());
    let keyword = &line[..end];
    let mut rest = line[end..].trim_start_matches(is_space);
    // One `=` may separate keyword and value, with spaces on either side.
    if let Some(after) = rest.strip_prefix('=') {
        rest = after.trim_start_matches(is_space);
    }
    if keyword.is_empty() {
        return Ok(None);
    }
    if rest.is_empty() {
        return Err(LineError::NoArgument(keyword.to_owned()));
    }
    let args = split_args(rest).ok_or(LineError::InvalidQuotes)?;
    Ok(Some(Line {
        keyword: keyword.to_owned(),
        rest: rest.to_owned(),
        args,
    }))
}

/// Splits arguments like OpenSSH's `argv_split` with comment termination; `None` when a
/// quote is left open.
fn split_args(s: &str) -> Option<Vec<String>> {
    let chars: Vec<char> = s.chars().collect();
    let mut args = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == ' ' || chars[i] == '\t' {
            i += 1;
            continue;
        }
        if chars[i] == '#' {
            break;
        }
        let mut arg = String::new();
        let mut quote: Option<char> = None;
        while i < chars.len() {
            let c = chars[i];
            let next = chars.get(i + 1).copied();
            match (c, quote) {
                ('\\', _)
                    if matches!(next, Some('\'' | '"' | '\\'))
                        || (quote.is_none() && next == Some(' ')) =>
                {
                    arg.push(next.unwrap_or('\\'));
                    i += 1;
                }
                (' ' | '\t', None) => break,
                ('"' | '\'', None) => quote = Some(c),
                (_, Some(q)) if c == q => quote = None,
                _ => arg.push(c),
            }
            i += 1;
        }
        if quote.is_some() {
            return None;
        }
        args.push(arg);
    }
    Some(args)
}

// ---------------------------------------------------------------------------------------------
// The keyword table of OpenSSH 10.x (servconf.h), with how each value is checked and combined

/// How a keyword's arguments are checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    /// `yes` or `no`.
    Flag,
    /// One word out of a closed set (case-insensitive, as sshd's multistate options).
    Choice(&'static [&'static str]),
    Int,
    /// A time like `120`, `2m`, `1h30m`; normalised to seconds.
    Time,
    /// A time, or `none`.
    TimeOrNone,
    Port,
    ListenAddress,
    /// Exactly one argument.
    Word,
    /// One or more arguments.
    Words,
    /// The rest of the line, unsplit (ForceCommand, AuthorizedKeysCommand).
    Rest,
    /// A name and a command line.
    Subsystem,
    /// `start` or `start:rate:full`.
    MaxStartups,
    /// Environment variable names (no `=`).
    EnvNames,
    /// `NAME=value` pairs.
    EnvAssignments,
}

/// How repeated lines combine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Accumulate {
    /// The first line read wins; later lines are ignored.
    First,
    /// Every line adds its values (Port, HostKey, AllowUsers, AcceptEnv).
    Append,
    /// The first line wins with all of its values (AuthorizedKeysFile, SetEnv).
    FirstLine,
    /// The first line per name wins (Subsystem).
    PerName,
}

/// What sshd knows about one keyword.
#[derive(Debug, PartialEq, Eq)]
pub struct KeywordSpec {
    /// Lowercase canonical name, as `sshd -T` prints it.
    pub name: &'static str,
    pub kind: ValueKind,
    pub accumulate: Accumulate,
    /// Whether the keyword may appear (and take effect) inside a `Match` block.
    pub in_match: bool,
}

const YES_NO: &[&str] = &["yes", "no"];
const PERMIT_ROOT: &[&str] = &[
    "yes",
    "prohibit-password",
    "without-password",
    "forced-commands-only",
    "no",
];
const FORWARDING: &[&str] = &["yes", "all", "no", "remote", "local"];
const LOG_LEVELS: &[&str] = &[
    "quiet", "fatal", "error", "info", "verbose", "debug", "debug1", "debug2", "debug3",
];
const FACILITIES: &[&str] = &[
    "daemon", "user", "auth", "authpriv", "local0", "local1", "local2", "local3", "local4",
    "local5", "local6", "local7",
];

const fn global(name: &'static str, kind: ValueKind, accumulate: Accumulate) -> KeywordSpec {
    KeywordSpec {
        name,
        kind,
        accumulate,
        in_match: false,
    }
}

const fn any(name: &'static str, kind: ValueKind, accumulate: Accumulate) -> KeywordSpec {
    KeywordSpec {
        name,
        kind,
        accumulate,
        in_match: true,
    }
}

use Accumulate::{Append, First, FirstLine, PerName};
use ValueKind::*;

/// Every keyword current sshd accepts (Linux build with PAM, Kerberos and GSSAPI).
pub static KEYWORDS: &[KeywordSpec] = &[
    global("port", Port, Append),
    global("listenaddress", ListenAddress, Append),
    global("hostkey", Word, Append),
    any("ipqos", Words, First),
    any(
        "gatewayports",
        Choice(&["clientspecified", "yes", "no"]),
        First,
    ),
    any("streamlocalbindmask", Word, First),
    any("streamlocalbindunlink", Flag, First),
    global("syslogfacility", Choice(FACILITIES), First),
    any("loglevel", Choice(LOG_LEVELS), First),
    global("permituserenvironment", Word, First),
    any("subsystem", Subsystem, PerName),
    global("maxstartups", MaxStartups, First),
    global("persourcenetblocksize", Word, First),
    global("persourcepenalties", Words, First),
    any("rekeylimit", Words, First),
    global("addressfamily", Choice(&["inet", "inet6", "any"]), First),
    any("rdomain", Word, First),
    global("hostcertificate", Word, Append),
    global("hostkeyagent", Word, First),
    global("pidfile", Word, First),
    global("modulifile", Word, First),
    global("logingracetime", Time, First),
    any("permitrootlogin", Choice(PERMIT_ROOT), First),
    any("ignorerhosts", Choice(&["yes", "no", "shosts-only"]), First),
    global("ignoreuserknownhosts", Flag, First),
    global("printmotd", Flag, First),
    any("x11forwarding", Flag, First),
    any("x11displayoffset", Int, First),
    any("x11uselocalhost", Flag, First),
    global("xauthlocation", Word, First),
    any("permittty", Flag, First),
    any("permituserrc", Flag, First),
    global("strictmodes", Flag, First),
    global("tcpkeepalive", Flag, First),
    global("ciphers", Word, First),
    global("macs", Word, First),
    global("kexalgorithms", Word, First),
    any("logverbose", Words, FirstLine),
    any("hostbasedauthentication", Flag, First),
    any("hostbasedusesnamefrompacketonly", Flag, First),
    any("hostbasedacceptedalgorithms", Word, First),
    global("hostkeyalgorithms", Word, First),
    any("casignaturealgorithms", Word, First),
    any("pubkeyauthoptions", Words, FirstLine),
    any("pubkeyauthentication", Flag, First),
    any("pubkeyacceptedalgorithms", Word, First),
    any("passwordauthentication", Flag, First),
    any("kbdinteractiveauthentication", Flag, First),
    any("permitemptypasswords", Flag, First),
    global("compression", Choice(&["yes", "delayed", "no"]), First),
    any("allowtcpforwarding", Choice(FORWARDING), First),
    any("allowstreamlocalforwarding", Choice(FORWARDING), First),
    any("allowagentforwarding", Flag, First),
    any("disableforwarding", Flag, First),
    any("allowusers", Words, Append),
    any("denyusers", Words, Append),
    any("allowgroups", Words, Append),
    any("denygroups", Words, Append),
    any("acceptenv", EnvNames, Append),
    any("setenv", EnvAssignments, FirstLine),
    global("persourcemaxstartups", Word, First),
    global("persourcepenaltyexemptlist", Word, First),
    any("maxauthtries", Int, First),
    any("maxsessions", Int, First),
    any("banner", Word, First),
    global("usedns", Flag, First),
    any("clientaliveinterval", Time, First),
    any("clientalivecountmax", Int, First),
    any("authorizedkeysfile", Words, FirstLine),
    any("forcecommand", Rest, First),
    any(
        "permittunnel",
        Choice(&["yes", "no", "point-to-point", "ethernet"]),
        First,
    ),
    any("permitopen", Words, FirstLine),
    any("permitlisten", Words, FirstLine),
    any("chrootdirectory", Word, First),
    any("revokedkeys", Words, FirstLine),
    any("trustedusercakeys", Word, First),
    any("authorizedkeyscommand", Rest, First),
    any("authorizedkeyscommanduser", Word, First),
    any("authorizedprincipalsfile", Word, First),
    any("authorizedprincipalscommand", Rest, First),
    any("authorizedprincipalscommanduser", Word, First),
    global("versionaddendum", Rest, First),
    any("authenticationmethods", Words, FirstLine),
    global("fingerprinthash", Choice(&["md5", "sha256"]), First),
    any("exposeauthinfo", Flag, First),
    global("securitykeyprovider", Word, First),
    any("requiredrsasize", Int, First),
    any("channeltimeout", Words, FirstLine),
    any("unusedconnectiontimeout", TimeOrNone, First),
    global("sshdsessionpath", Word, First),
    global("sshdauthpath", Word, First),
    any("refuseconnection", Flag, First),
    global("usepam", Flag, First),
    // sshd accepts PAMServiceName in Match but never copies it from there.
    global("pamservicename", Word, First),
    global("printlastlog", Flag, First),
    any("kerberosauthentication", Flag, First),
    global("kerberosorlocalpasswd", Flag, First),
    global("kerberosticketcleanup", Flag, First),
    global("kerberosgetafstoken", Flag, First),
    any("gssapiauthentication", Flag, First),
    global("gssapicleanupcredentials", Flag, First),
    global("gssapidelegatecredentials", Flag, First),
    global("gssapistrictacceptorcheck", Flag, First),
];

/// Old names sshd still accepts for a current keyword.
const ALIASES: &[(&str, &str)] = &[
    ("hostdsakey", "hostkey"),
    ("hostbasedacceptedkeytypes", "hostbasedacceptedalgorithms"),
    ("pubkeyacceptedkeytypes", "pubkeyacceptedalgorithms"),
    ("dsaauthentication", "pubkeyauthentication"),
    (
        "challengeresponseauthentication",
        "kbdinteractiveauthentication",
    ),
    ("skeyauthentication", "kbdinteractiveauthentication"),
    ("keepalive", "tcpkeepalive"),
];

/// Keywords sshd logs as deprecated and otherwise ignores.
const DEPRECATED: &[&str] = &[
    "serverkeybits",
    "keyregenerationinterval",
    "rhostsauthentication",
    "rhostsrsaauthentication",
    "rsaauthentication",
    "checkmail",
    "uselogin",
    "verifyreversemapping",
    "reversemappingcheck",
    "authorizedkeysfile2",
    "useprivilegeseparation",
    "kerberostgtpassing",
    "afstokenpassing",
];

/// Keywords added by the GSSAPI key-exchange and other distribution patches (Fedora/RHEL,
/// Debian/Ubuntu). Upstream rejects them, but the sshd in such a bundle accepts them.
const DISTRO_ONLY: &[&str] = &[
    "gssapikeyexchange",
    "gssapistorecredentialsonrekey",
    "gssapikexalgorithms",
    "gssapienablek5users",
    "kerberosusekuserok",
    "x11maxdisplays",
    "debianbanner",
];

/// What a keyword is to sshd.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeywordClass {
    Option(&'static KeywordSpec),
    /// An old name for the option given.
    Alias(&'static KeywordSpec),
    Deprecated,
    /// `Protocol`: accepted silently, no effect.
    Ignored,
    DistroOnly,
    Match,
    Include,
    Unknown,
}

/// The spec of a canonical (lowercase) keyword name.
pub fn spec(name: &str) -> Option<&'static KeywordSpec> {
    KEYWORDS.iter().find(|k| k.name == name)
}

/// Classifies a keyword as written (any case).
pub fn lookup(keyword: &str) -> KeywordClass {
    let lower = keyword.to_ascii_lowercase();
    if let Some(spec) = spec(&lower) {
        return KeywordClass::Option(spec);
    }
    if let Some(spec) = ALIASES
        .iter()
        .find(|(old, _)| *old == lower)
        .and_then(|(_, new)| spec(new))
    {
        return KeywordClass::Alias(spec);
    }
    match lower.as_str() {
        "match" => KeywordClass::Match,
        "include" => KeywordClass::Include,
        "protocol" => KeywordClass::Ignored,
        l if DEPRECATED.contains(&l) => KeywordClass::Deprecated,
        l if DISTRO_ONLY.contains(&l) => KeywordClass::DistroOnly,
        _ => KeywordClass::Unknown,
    }
}

/// The known keyword a misspelt one most likely meant (`PermitRootLogn` ->
/// `permitrootlogin`), within two edits.
pub fn suggest_keyword(word: &str) -> Option<&'static str> {
    let lower = word.to_ascii_lowercase();
    KEYWORDS
        .iter()
        .map(|k| (crate::util::edit_distance(&lower, k.name), k.name))
        .filter(|(d, _)| *d > 0 && *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, name)| name)
}

type ArgError = (ProblemKind, String);

/// Checks a directive's arguments as sshd would, returning the kind and reason on failure.
pub fn check_args(spec: &KeywordSpec, args: &[String]) -> Result<(), ArgError> {
    let Some(first) = args.first().filter(|a| !a.is_empty()) else {
        return Err((ProblemKind::MissingArgument, "missing argument".into()));
    };
    let max = match spec.kind {
        Words | Rest | Subsystem | EnvNames | EnvAssignments => usize::MAX,
        ListenAddress => 3,
        _ => 1,
    };
    if args.len() > max {
        return Err((
            ProblemKind::ExtraArguments,
            "extra arguments at end of line".into(),
        ));
    }
    let bad = |what: &str| Err((ProblemKind::BadValue, format!("{what} \"{first}\"")));
    match spec.kind {
        Flag if !YES_NO.iter().any(|v| v.eq_ignore_ascii_case(first)) => {
            bad("expects yes or no, not")
        }
        Choice(values) if !values.iter().any(|v| v.eq_ignore_ascii_case(first)) => {
            bad("unsupported option")
        }
        Int if first.parse::<u32>().is_err() => bad("bad integer value"),
        Time if parse_time(first).is_none() => bad("invalid time value"),
        TimeOrNone if !first.eq_ignore_ascii_case("none") && parse_time(first).is_none() => {
            bad("invalid time value")
        }
        Port if parse_port(first).is_none() => bad("Badly formatted port number"),
        ListenAddress => check_listen_address(args),
        MaxStartups if parse_max_startups(first).is_none() => bad("invalid MaxStartups value"),
        Subsystem if args.len() < 2 => {
            Err((ProblemKind::MissingArgument, "missing argument".into()))
        }
        EnvNames => match args.iter().find(|a| a.contains('=')) {
            Some(a) => Err((
                ProblemKind::BadValue,
                format!("invalid environment name \"{a}\""),
            )),
            None => Ok(()),
        },
        EnvAssignments => match args.iter().find(|a| !a.contains('=')) {
            Some(a) => Err((
                ProblemKind::BadValue,
                format!("invalid environment \"{a}\""),
            )),
            None => Ok(()),
        },
        _ => Ok(()),
    }
}

fn check_listen_address(args: &[String]) -> Result<(), ArgError> {
    let bad = |msg: &str| Err((ProblemKind::BadValue, msg.to_owned()));
    if args.len() == 2 || (args.len() == 3 && args[1] != "rdomain") {
        return bad("bad ListenAddress syntax");
    }
    match split_host_port(&args[0]) {
        Some((_, Some(port))) if parse_port(port).is_none() => bad("bad port number"),
        Some(_) => Ok(()),
        None => bad("bad address:port usage"),
    }
}

/// Splits `host`, `host:port`, `[v6]`, `[v6]:port`; a bare IPv6 address has no port.
pub fn split_host_port(s: &str) -> Option<(&str, Option<&str>)> {
    if let Some(inner) = s.strip_prefix('[') {
        let (host, after) = inner.split_once(']')?;
        return match after {
            "" => Some((host, None)),
            _ => after.strip_prefix(':').map(|p| (host, Some(p))),
        };
    }
    if s.matches(':').count() >= 2 {
        return Some((s, None));
    }
    match s.split_once(':') {
        Some((host, port)) if !host.is_empty() => Some((host, Some(port))),
        Some(_) => None,
        None => Some((s, None)),
    }
}

/// A port as `a2port` accepts it: 1-65535, or the service name `ssh`.
pub fn parse_port(s: &str) -> Option<u16> {
    if s == "ssh" {
        return Some(22);
    }
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<u16>().ok().filter(|p| *p > 0)
}

/// A time as sshd's `convtime`: digits with optional s/m/h/d/w units, repeated; seconds.
pub fn parse_time(s: &str) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let mut total: u64 = 0;
    let mut digits = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit: u64 = match c.to_ascii_lowercase() {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return None,
        };
        let n: u64 = digits.parse().ok()?;
        total = total.checked_add(n.checked_mul(unit)?)?;
        digits.clear();
    }
    if !digits.is_empty() {
        total = total.checked_add(digits.parse().ok()?)?;
    }
    Some(total)
}

/// `MaxStartups start[:rate:full]` as (start, rate, full).
pub fn parse_max_startups(s: &str) -> Option<(u32, u32, u32)> {
    let parts: Vec<&str> = s.split(':').collect();
    let nums: Option<Vec<u32>> = parts.iter().map(|p| p.parse().ok()).collect();
    // A single number sets start and full; the rate keeps its default of 30%.
    match nums?.as_slice() {
        [n] if *n > 0 => Some((*n, 30, *n)),
        [begin, rate, full] if *begin > 0 && begin <= full && (1..=100).contains(rate) => {
            Some((*begin, *rate, *full))
        }
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// `sshd -T` output

/// Reads `sshd -T` output (lowercase `keyword value` lines, repeated for multi-valued
/// keywords) into the same shape as an evaluated configuration; each value's origin is its
/// line in that output. Keywords the output lacks take their defaults.
pub fn parse_sshd_t(
    member_path: &str,
    text: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> crate::facts::sshd_config::EffectiveConfig {
    use crate::facts::sshd_config::{EffectiveConfig, Origin, Setting};
    let member: Arc<str> = Arc::from(member_path);
    let mut settings: BTreeMap<&'static str, Setting> = BTreeMap::new();
    for (index, raw) in text.split('\n').enumerate() {
        let line = raw.trim_end_matches(is_space);
        let trimmed = line.trim_start_matches(is_space);
        if trimmed.is_empty() {
            continue;
        }
        let location = Location::new(member.clone(), index + 1);
        let (word, rest) = trimmed.split_once([' ', '\t']).unwrap_or((trimmed, ""));
        let Some((name, kind)) = dump_keyword(word) else {
            diagnostics.push(
                Diagnostic::info(format!("sshd -T keyword {word} not known; line skipped"))
                    .at(&location),
            );
            continue;
        };
        let rest = rest.trim_start_matches(is_space);
        let values = match kind {
            Some(Words | EnvNames | EnvAssignments) => {
                rest.split_whitespace().map(str::to_owned).collect()
            }
            _ => vec![rest.to_owned()],
        };
        let origin = Origin::Line {
            location,
            text: line.to_owned(),
        };
        settings
            .entry(name)
            .or_insert_with(|| Setting::new(name))
            .push_line(values, origin);
    }
    EffectiveConfig::from_settings(settings.into_values())
}

/// The canonical name and value kind of a keyword in `sshd -T` output (distribution-only
/// keywords have no kind).
fn dump_keyword(word: &str) -> Option<(&'static str, Option<ValueKind>)> {
    let lower = word.to_ascii_lowercase();
    if let Some(spec) = spec(&lower) {
        return Some((spec.name, Some(spec.kind)));
    }
    DISTRO_ONLY
        .iter()
        .find(|k| **k == lower)
        .map(|k| (*k, None))
}

// ---------------------------------------------------------------------------------------------
// Content sniffing

/// Keywords only the server reads: a file using them is an sshd_config.
const SERVER_ONLY: &[&str] = &[
    "permitrootlogin",
    "usepam",
    "subsystem",
    "authorizedkeysfile",
    "x11forwarding",
    "printmotd",
    "printlastlog",
    "acceptenv",
    "hostkey",
    "allowusers",
    "denyusers",
    "allowgroups",
    "denygroups",
    "syslogfacility",
    "listenaddress",
    "maxauthtries",
    "maxsessions",
    "strictmodes",
    "usedns",
    "clientaliveinterval",
    "clientalivecountmax",
    "permitemptypasswords",
    "logingracetime",
    "maxstartups",
    "chrootdirectory",
    "forcecommand",
    "x11uselocalhost",
    "permittunnel",
    "permituserenvironment",
    "allowtcpforwarding",
    "allowagentforwarding",
    "ignorerhosts",
    "authorizedkeyscommand",
    "authorizedkeyscommanduser",
    "authorizedprincipalsfile",
    "useprivilegeseparation",
    "pidfile",
    "permitopen",
    "trustedusercakeys",
    "authenticationmethods",
    "persourcepenalties",
    "persourcemaxstartups",
];

/// Keywords only the client reads (ssh_config).
const CLIENT_ONLY: &[&str] = &[
    "host",
    "hostname",
    "stricthostkeychecking",
    "sendenv",
    "forwardagent",
    "forwardx11",
    "forwardx11trusted",
    "identityfile",
    "userknownhostsfile",
    "globalknownhostsfile",
    "proxycommand",
    "proxyjump",
    "batchmode",
    "checkhostip",
    "connecttimeout",
    "escapechar",
    "hashknownhosts",
    "serveraliveinterval",
    "serveralivecountmax",
    "controlmaster",
    "controlpath",
    "visualhostkey",
    "permitlocalcommand",
    "tunneldevice",
    "localforward",
    "remoteforward",
    "identitiesonly",
    "updatehostkeys",
];

/// The lowercased first word of a config-like line, and whether the line was commented out.
fn line_keyword(line: &str) -> Option<(String, bool)> {
    let trimmed = line.trim();
    let (body, commented) = match trimmed.strip_prefix('#') {
        Some(rest) => (rest.trim_start(), true),
        None => (trimmed, false),
    };
    let word = body.split(|c: char| c.is_whitespace() || c == '=').next()?;
    if word.is_empty() || !word.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return None;
    }
    // A commented keyword only counts when a value follows, like `#Port 22`.
    if commented && body.len() == word.len() {
        return None;
    }
    Some((word.to_ascii_lowercase(), commented))
}

/// How likely `head` (the first kilobytes of a file) is a server `sshd_config`, 0 to 1.
/// Client `ssh_config` files, `sshd -T` output and other key-value files score low.
pub fn sniff_sshd_config(head: &str) -> f32 {
    if sniff_sshd_t(head) >= 0.5 {
        return 0.1;
    }
    let lower = head.to_ascii_lowercase();
    let server_header = lower.contains("$openbsd: sshd_config")
        || lower.contains("sshd_config(5)")
        || lower.contains("sshd server system-wide");
    let client_header = lower.contains("$openbsd: ssh_config")
        || lower.contains("ssh_config(5)")
        || lower.contains("ssh client system-wide");
    let (mut server, mut client, mut known) = (0.0f32, 0.0f32, 0usize);
    for line in head.lines() {
        if line.trim_start().starts_with('[') {
            // INI sections (systemd, journald) are never ssh configuration.
            return 0.0;
        }
        let Some((word, commented)) = line_keyword(line) else {
            continue;
        };
        let weight = if commented { 0.5 } else { 1.0 };
        if SERVER_ONLY.contains(&word.as_str()) {
            server += weight;
        } else if CLIENT_ONLY.contains(&word.as_str()) {
            client += weight;
        }
        if !commented && !matches!(lookup(&word), KeywordClass::Unknown) {
            known += 1;
        }
    }
    if client_header || client > server {
        return 0.05;
    }
    let mut score: f32 = if server > 0.0 {
        0.4 + 0.1 * server
    } else if known > 0 {
        // Only keywords both sides share (crypto-policy fragments): an sshd fragment at best.
        0.3
    } else {
        0.0
    };
    if server_header {
        score += 0.3;
    }
    score.min(1.0)
}

/// How likely `head` is `sshd -T` output: lowercase `keyword value` lines, no comments,
/// almost all of them keywords sshd prints.
pub fn sniff_sshd_t(head: &str) -> f32 {
    let mut total = 0usize;
    let mut known = 0usize;
    for line in head.lines().map(str::trim_end) {
        if line.is_empty() {
            continue;
        }
        if line.starts_with('#') || line.starts_with(char::is_whitespace) {
            return 0.0;
        }
        total += 1;
        let word = line.split(' ').next().unwrap_or_default();
        let lowercase = word
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        if lowercase && dump_keyword(word).is_some() {
            known += 1;
        }
    }
    if total < 3 || (known as f32) < 0.9 * total as f32 {
        return 0.0;
    }
    (0.6 + 0.04 * known as f32).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Level;

    fn parse(text: &str) -> (SshdConfig, Vec<Diagnostic>) {
        let mut diags = Vec::new();
        let config = parse_text("etc/ssh/sshd_config", text, &mut diags);
        (config, diags)
    }

    fn first_directive(text: &str) -> Directive {
        let (config, _) = parse(text);
        config.directives()[0].clone()
    }

    #[test]
    fn line_forms_split_like_sshd() {
        let cases: &[(&str, &str, &[&str])] = &[
            (
                "PasswordAuthentication=yes",
                "PasswordAuthentication",
                &["yes"],
            ),
            ("X11Forwarding = \"yes\"", "X11Forwarding", &["yes"]),
            ("\tPort\t2222   # admin port", "Port", &["2222"]),
            ("permitrootlogin no\r", "permitrootlogin", &["no"]),
            (
                "AcceptEnv LANG 'LC_*' # locale",
                "AcceptEnv",
                &["LANG", "LC_*"],
            ),
            (
                "Banner \"/etc/ssh/my banner\"",
                "Banner",
                &["/etc/ssh/my banner"],
            ),
            ("DenyUsers a#b", "DenyUsers", &["a#b"]),
        ];
        for (line, keyword, args) in cases {
            let d = first_directive(line);
            assert_eq!(d.keyword, *keyword, "{line}");
            assert_eq!(d.args, *args, "{line}");
            assert_eq!(d.location.line, 1);
            assert!(d.valid, "{line}");
        }
        let d = first_directive("ForceCommand /usr/bin/backup --mode full");
        assert_eq!(d.args, vec!["/usr/bin/backup --mode full"]);
        assert_eq!(
            first_directive("ChallengeResponseAuthentication no")
                .spec
                .map(|s| s.name),
            Some("kbdinteractiveauthentication")
        );
    }

    #[test]
    fn problems_name_the_bad_line() {
        let text = "# hardened\n\
                    Port 22\n\
                    PermitRootLogn no\n\
                    Port abc\n\
                    PasswordAuthentication maybe\n\
                    MaxAuthTries\n\
                    UsePAM yes no\n\
                    Banner \"/etc/issue\n\
                    Match User bob\n\
                    \x20 UseDNS no\n\
                    Match Colour blue\n";
        let (config, diags) = parse(text);
        let found: Vec<(usize, ProblemKind)> = config
            .problems()
            .iter()
            .map(|p| (p.location.line, p.kind))
            .collect();
        assert_eq!(
            found,
            vec![
                (3, ProblemKind::UnknownKeyword),
                (4, ProblemKind::BadValue),
                (5, ProblemKind::BadValue),
                (6, ProblemKind::MissingArgument),
                (7, ProblemKind::ExtraArguments),
                (8, ProblemKind::InvalidQuotes),
                (10, ProblemKind::NotAllowedInMatch),
                (11, ProblemKind::BadMatch),
            ]
        );
        let typo = &config.problems()[0];
        assert_eq!(typo.line_text, "PermitRootLogn no");
        assert_eq!(typo.message, "Bad configuration option: PermitRootLogn");
        assert!(diags
            .iter()
            .all(|d| d.level == Level::Warning && d.line.is_some()));
        assert_eq!(diags.len(), 8);
    }

    #[test]
    fn deprecated_and_distro_keywords_are_info_not_problems() {
        let (config, diags) = parse(
            "Protocol 2\nUsePrivilegeSeparation sandbox\nRSAAuthentication yes\nGSSAPIKeyExchange yes\n",
        );
        assert!(config.problems().is_empty());
        assert_eq!(diags.len(), 4);
        assert!(diags.iter().all(|d| d.level == Level::Info));
        assert_eq!(diags[1].line, Some(2));
    }

    #[test]
    fn loose_file_records_include_unresolved() {
        let (config, diags) = parse("Include /etc/ssh/sshd_config.d/*.conf\nPort 22\n");
        assert!(config.has_unresolved_includes());
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].level, Level::Info);
        assert_eq!(diags[0].line, Some(1));
    }

    #[test]
    fn includes_resolve_in_place_and_in_lexical_order() {
        let files = MemoryFiles::new()
            .with(
                "/etc/ssh/sshd_config",
                "etc/ssh/sshd_config",
                "Port 1\nInclude conf.d/*.conf /etc/ssh/missing/*.conf\nPort 4\n",
            )
            .with("/etc/ssh/conf.d/20-b.conf", "m/20-b.conf", "Port 3\n")
            .with("/etc/ssh/conf.d/10-a.conf", "m/10-a.conf", "Port 2\n")
            .with("/etc/ssh/conf.d/.hidden.conf", "m/.hidden.conf", "Port 9\n")
            .with("/etc/ssh/conf.d/sub/x.conf", "m/sub/x.conf", "Port 8\n");
        let mut diags = Vec::new();
        let config = load(&files, "/etc/ssh/sshd_config", &mut diags).unwrap();
        let seen: Vec<(String, String)> = config
            .directives()
            .iter()
            .map(|d| (d.location.to_string(), d.args[0].clone()))
            .collect();
        assert_eq!(
            seen,
            vec![
                ("etc/ssh/sshd_config:1".to_owned(), "1".to_owned()),
                ("m/10-a.conf:1".into(), "2".into()),
                ("m/20-b.conf:1".into(), "3".into()),
                ("etc/ssh/sshd_config:3".into(), "4".into()),
            ]
        );
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags[0].level, Level::Info);
        assert!(diags[0].message.contains("/etc/ssh/missing/*.conf"));
        assert!(load(&files, "/etc/ssh/absent", &mut diags).is_none());
    }

    #[test]
    fn include_recursion_stops_with_a_problem() {
        let files = MemoryFiles::new().with(
            "/etc/ssh/sshd_config",
            "etc/ssh/sshd_config",
            "PasswordAuthentication no\nInclude /etc/ssh/sshd_config\n",
        );
        let mut diags = Vec::new();
        let config = load(&files, "/etc/ssh/sshd_config", &mut diags).unwrap();
        let problems = config.problems();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].kind, ProblemKind::IncludeTooDeep);
        assert_eq!(problems[0].location.line, 2);
        assert_eq!(config.directives().len(), MAX_INCLUDE_DEPTH + 1);
    }

    #[test]
    fn value_helpers() {
        assert_eq!(parse_time("1h30m"), Some(5400));
        assert_eq!(parse_time("90"), Some(90));
        assert_eq!(parse_time("2x"), None);
        assert_eq!(parse_port("ssh"), Some(22));
        assert_eq!(parse_port("0"), None);
        assert_eq!(parse_port("65536"), None);
        assert_eq!(parse_max_startups("10:30:100"), Some((10, 30, 100)));
        assert_eq!(parse_max_startups("20"), Some((20, 30, 20)));
        assert_eq!(parse_max_startups("50:30:10"), None);
        assert_eq!(split_host_port("[::1]:2222"), Some(("::1", Some("2222"))));
        assert_eq!(split_host_port("fe80::1"), Some(("fe80::1", None)));
        assert_eq!(
            split_host_port("10.0.0.1:22"),
            Some(("10.0.0.1", Some("22")))
        );
        assert_eq!(
            parse_criteria(&[
                "User".into(),
                "alice,bob".into(),
                "Address=10.0.0.0/8".into()
            ]),
            Ok(vec![
                Criterion::User("alice,bob".into()),
                Criterion::Address("10.0.0.0/8".into())
            ])
        );
        assert!(parse_criteria(&["all".into(), "User".into(), "x".into()]).is_err());
    }

    #[test]
    fn sniffers_tell_server_client_and_dump_apart() {
        let server =
            "#\t$OpenBSD: sshd_config,v 1.104 $\n#Port 22\nPermitRootLogin no\nUsePAM yes\n";
        let client = "Host *\n    SendEnv LANG LC_*\n    StrictHostKeyChecking ask\n    PasswordAuthentication yes\n";
        let dump = "port 22\naddressfamily any\nusepam yes\npermitrootlogin no\nmaxauthtries 6\n";
        let ini = "[Journal]\nStorage=persistent\n";
        assert!(sniff_sshd_config(server) >= 0.7);
        assert!(sniff_sshd_config(client) < 0.2);
        assert!(sniff_sshd_config(dump) < 0.2);
        assert_eq!(sniff_sshd_config(ini), 0.0);
        assert!(sniff_sshd_t(dump) >= 0.7);
        assert_eq!(sniff_sshd_t(server), 0.0);
        assert_eq!(sniff_sshd_t(client), 0.0);
    }
}
