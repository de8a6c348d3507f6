//! The configuration sshd actually uses for one connection, as `sshd -T -C user=..,addr=..`
//! would print it, with every value traced to the line that set it (or to the default).
//!
//! Rules need this rather than the raw file because sshd's combination rules are a classic
//! trap: the first value read wins (so a drop-in included at the top beats a later line of
//! the main file), some keywords accumulate, and a matching `Match` block replaces the global
//! value. The evaluation follows OpenSSH 10.x `servconf.c`: one pass without connection data
//! (global settings; only `Match all` applies), one pass where only `Match` blocks that fit
//! the connection apply, and the second overriding the first for keywords allowed in `Match`.
//!
//! Defaults are those of upstream OpenSSH 10.x built on Linux with PAM support. Distribution
//! builds change a few (Debian/Ubuntu and RHEL ship `UsePAM yes` in their files, not as a
//! compiled default); algorithm lists depend on the build and crypto policy and have no
//! default here.

use std::collections::BTreeMap;
use std::net::IpAddr;

use crate::model::Location;
use crate::parse::sshd_config::{
    parse_max_startups, parse_port, parse_time, spec, Accumulate, ConfigFile, Criterion, Directive,
    Item, MatchLine, SshdConfig, ValueKind,
};

mod patterns;

pub use patterns::{addr_match_list, match_pattern, match_pattern_list, match_user};

/// What is known about the connection whose configuration is wanted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MatchContext {
    pub user: Option<String>,
    pub groups: Vec<String>,
    pub host: Option<String>,
    pub addr: Option<IpAddr>,
    pub local_addr: Option<IpAddr>,
    pub local_port: Option<u16>,
    pub rdomain: Option<String>,
}

/// Where a value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    Line { location: Location, text: String },
    Default,
}

impl Origin {
    pub fn location(&self) -> Option<&Location> {
        match self {
            Origin::Line { location, .. } => Some(location),
            Origin::Default => None,
        }
    }

    pub fn is_default(&self) -> bool {
        matches!(self, Origin::Default)
    }

    fn of(directive: &Directive) -> Origin {
        Origin::Line {
            location: directive.location.clone(),
            text: directive.text.clone(),
        }
    }
}

static DEFAULT_ORIGIN: Origin = Origin::Default;

/// One effective option: its values and the lines that set them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting {
    /// Canonical name as `sshd -T` prints it, lowercase.
    pub keyword: &'static str,
    pub values: Vec<String>,
    /// One entry per line that contributed (several for accumulating keywords).
    pub origins: Vec<Origin>,
    /// Lines that set this keyword too but lost (first value wins, or a Match override).
    pub overridden: Vec<Origin>,
    /// For each value, the index in `origins` of the line that gave it.
    value_origin: Vec<usize>,
}

impl Setting {
    pub fn new(keyword: &'static str) -> Self {
        Setting {
            keyword,
            values: Vec::new(),
            origins: Vec::new(),
            overridden: Vec::new(),
            value_origin: Vec::new(),
        }
    }

    /// Adds the values one line contributed.
    pub fn push_line(&mut self, values: Vec<String>, origin: Origin) {
        let index = self.origins.len();
        self.origins.push(origin);
        self.value_origin
            .extend(std::iter::repeat_n(index, values.len()));
        self.values.extend(values);
    }

    /// The first value, for single-valued keywords.
    pub fn value(&self) -> Option<&str> {
        self.values.first().map(String::as_str)
    }

    /// The line that set the (first) value.
    pub fn origin(&self) -> &Origin {
        self.origins.first().unwrap_or(&DEFAULT_ORIGIN)
    }

    /// The line that gave the value at `index`.
    pub fn origin_of(&self, index: usize) -> &Origin {
        self.value_origin
            .get(index)
            .and_then(|i| self.origins.get(*i))
            .unwrap_or(&DEFAULT_ORIGIN)
    }

    fn default(keyword: &'static str, values: &[&str]) -> Self {
        let mut setting = Setting::new(keyword);
        setting.push_line(
            values.iter().map(|v| (*v).to_owned()).collect(),
            Origin::Default,
        );
        setting
    }
}

/// A `Match` line whose outcome depended on something the context did not say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Undecided {
    pub location: Location,
    pub text: String,
    /// The criterion that could not be evaluated (`User`, `Group`, `Address`...).
    pub criterion: &'static str,
}

/// The effective configuration: every keyword `sshd -T` would print, with origins.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EffectiveConfig {
    settings: BTreeMap<&'static str, Setting>,
    undecided: Vec<Undecided>,
}

/// `PermitRootLogin` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PermitRootLogin {
    Yes,
    No,
    /// Also written `without-password`.
    ProhibitPassword,
    ForcedCommandsOnly,
}

impl PermitRootLogin {
    pub fn parse(value: &str) -> Option<Self> {
        match value.to_ascii_lowercase().as_str() {
            "yes" => Some(PermitRootLogin::Yes),
            "no" => Some(PermitRootLogin::No),
            "prohibit-password" | "without-password" => Some(PermitRootLogin::ProhibitPassword),
            "forced-commands-only" => Some(PermitRootLogin::ForcedCommandsOnly),
            _ => None,
        }
    }
}

/// `MaxStartups start:rate:full`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MaxStartups {
    pub start: u32,
    pub rate: u32,
    pub full: u32,
}

/// The access-list directives, in the order sshd checks them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AccessDirective {
    DenyUsers,
    AllowUsers,
    DenyGroups,
    AllowGroups,
}

impl AccessDirective {
    pub fn keyword(self) -> &'static str {
        match self {
            AccessDirective::DenyUsers => "denyusers",
            AccessDirective::AllowUsers => "allowusers",
            AccessDirective::DenyGroups => "denygroups",
            AccessDirective::AllowGroups => "allowgroups",
        }
    }
}

/// Whether sshd's access lists let a user in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserAccess {
    Allowed,
    /// `pattern` is the entry that matched (Deny*) or `None` when nothing matched (Allow*).
    Denied {
        directive: AccessDirective,
        origins: Vec<Origin>,
        pattern: Option<String>,
    },
    /// The answer depends on data not given (an address for `user@host`, the user's groups).
    Undecided {
        directive: AccessDirective,
        reason: String,
    },
}

/// Defaults of upstream OpenSSH 10.x, in `sshd -T` order.
const DEFAULTS: &[(&str, &[&str])] = &[
    ("port", &["22"]),
    ("addressfamily", &["any"]),
    ("listenaddress", &["0.0.0.0", "[::]"]),
    ("usepam", &["no"]),
    ("pamservicename", &["sshd"]),
    ("logingracetime", &["120"]),
    ("x11displayoffset", &["10"]),
    ("maxauthtries", &["6"]),
    ("maxsessions", &["10"]),
    ("clientaliveinterval", &["0"]),
    ("clientalivecountmax", &["3"]),
    ("requiredrsasize", &["1024"]),
    ("streamlocalbindmask", &["0177"]),
    ("unusedconnectiontimeout", &["0"]),
    ("permitrootlogin", &["prohibit-password"]),
    ("ignorerhosts", &["yes"]),
    ("ignoreuserknownhosts", &["no"]),
    ("hostbasedauthentication", &["no"]),
    ("hostbasedusesnamefrompacketonly", &["no"]),
    ("pubkeyauthentication", &["yes"]),
    ("kerberosauthentication", &["no"]),
    ("kerberosorlocalpasswd", &["yes"]),
    ("kerberosticketcleanup", &["yes"]),
    ("gssapiauthentication", &["no"]),
    ("gssapicleanupcredentials", &["yes"]),
    ("gssapistrictacceptorcheck", &["yes"]),
    ("passwordauthentication", &["yes"]),
    ("kbdinteractiveauthentication", &["yes"]),
    ("printmotd", &["yes"]),
    ("printlastlog", &["yes"]),
    ("x11forwarding", &["no"]),
    ("x11uselocalhost", &["yes"]),
    ("permittty", &["yes"]),
    ("permituserrc", &["yes"]),
    ("strictmodes", &["yes"]),
    ("tcpkeepalive", &["yes"]),
    ("permitemptypasswords", &["no"]),
    ("compression", &["yes"]),
    ("gatewayports", &["no"]),
    ("usedns", &["no"]),
    ("allowtcpforwarding", &["yes"]),
    ("allowagentforwarding", &["yes"]),
    ("disableforwarding", &["no"]),
    ("allowstreamlocalforwarding", &["yes"]),
    ("streamlocalbindunlink", &["no"]),
    ("fingerprinthash", &["SHA256"]),
    ("exposeauthinfo", &["no"]),
    ("refuseconnection", &["no"]),
    ("pidfile", &["/var/run/sshd.pid"]),
    ("xauthlocation", &["/usr/bin/xauth"]),
    ("banner", &["none"]),
    ("forcecommand", &["none"]),
    ("chrootdirectory", &["none"]),
    ("trustedusercakeys", &["none"]),
    ("securitykeyprovider", &["internal"]),
    ("authorizedprincipalsfile", &["none"]),
    ("versionaddendum", &["none"]),
    ("authorizedkeyscommand", &["none"]),
    ("authorizedkeyscommanduser", &["none"]),
    ("authorizedprincipalscommand", &["none"]),
    ("authorizedprincipalscommanduser", &["none"]),
    ("loglevel", &["INFO"]),
    ("syslogfacility", &["AUTH"]),
    (
        "authorizedkeysfile",
        &[".ssh/authorized_keys", ".ssh/authorized_keys2"],
    ),
    ("revokedkeys", &["none"]),
    (
        "hostkey",
        &[
            "/etc/ssh/ssh_host_rsa_key",
            "/etc/ssh/ssh_host_ecdsa_key",
            "/etc/ssh/ssh_host_ed25519_key",
        ],
    ),
    ("allowusers", &[]),
    ("denyusers", &[]),
    ("allowgroups", &[]),
    ("denygroups", &[]),
    ("acceptenv", &[]),
    ("setenv", &[]),
    ("authenticationmethods", &["any"]),
    ("logverbose", &["none"]),
    ("channeltimeout", &["none"]),
    ("subsystem", &[]),
    ("maxstartups", &["10:30:100"]),
    ("persourcemaxstartups", &["none"]),
    ("persourcenetblocksize", &["32:128"]),
    ("permittunnel", &["no"]),
    ("ipqos", &["ef", "cs0"]),
    ("rekeylimit", &["0", "0"]),
    ("permitopen", &["any"]),
    ("permitlisten", &["any"]),
    ("permituserenvironment", &["no"]),
    ("pubkeyauthoptions", &["none"]),
    (
        "persourcepenalties",
        &[
            "crash:90",
            "authfail:5",
            "noauth:1",
            "invaliduser:5",
            "grace-exceeded:10",
            "refuseconnection:10",
            "max:600",
            "min:15",
            "max-sources4:65536",
            "max-sources6:65536",
            "overflow:permissive",
            "overflow6:permissive",
        ],
    ),
];

/// The position of a keyword in `sshd -T` output; unknown ones sort after, by name.
fn dump_rank(keyword: &str) -> usize {
    DEFAULTS
        .iter()
        .position(|(k, _)| *k == keyword)
        .unwrap_or(DEFAULTS.len())
}

impl EffectiveConfig {
    /// Builds a configuration from settings read elsewhere (`sshd -T` output); keywords not
    /// given take their defaults.
    pub fn from_settings(settings: impl IntoIterator<Item = Setting>) -> Self {
        let mut config = EffectiveConfig::default();
        for setting in settings {
            config.settings.insert(setting.keyword, setting);
        }
        config.fill_defaults();
        config
    }

    fn fill_defaults(&mut self) {
        for (keyword, values) in DEFAULTS {
            self.settings
                .entry(keyword)
                .or_insert_with(|| Setting::default(keyword, values));
        }
    }

    pub fn get(&self, keyword: &str) -> Option<&Setting> {
        self.settings.get(keyword.to_ascii_lowercase().as_str())
    }

    /// Every setting, in the order `sshd -T` prints them.
    pub fn iter(&self) -> impl Iterator<Item = &Setting> {
        let mut all: Vec<&Setting> = self.settings.values().collect();
        all.sort_by_key(|s| (dump_rank(s.keyword), s.keyword));
        all.into_iter()
    }

    /// `Match` lines that could not be decided for the context given; their blocks were
    /// treated as not applying.
    pub fn undecided(&self) -> &[Undecided] {
        &self.undecided
    }

    fn value_or_default(&self, keyword: &str) -> (&str, &Origin) {
        match self
            .get(keyword)
            .and_then(|s| Some((s.value()?, s.origin())))
        {
            Some(found) => found,
            None => (default_value(keyword), &DEFAULT_ORIGIN),
        }
    }

    fn flag(&self, keyword: &str) -> (bool, &Origin) {
        let (value, origin) = self.value_or_default(keyword);
        (value.eq_ignore_ascii_case("yes"), origin)
    }

    fn number(&self, keyword: &str) -> (u64, &Origin) {
        let (value, origin) = self.value_or_default(keyword);
        match value.parse() {
            Ok(n) => (n, origin),
            Err(_) => (
                default_value(keyword).parse().unwrap_or_default(),
                &DEFAULT_ORIGIN,
            ),
        }
    }

    pub fn password_authentication(&self) -> (bool, &Origin) {
        self.flag("passwordauthentication")
    }

    pub fn kbd_interactive_authentication(&self) -> (bool, &Origin) {
        self.flag("kbdinteractiveauthentication")
    }

    pub fn pubkey_authentication(&self) -> (bool, &Origin) {
        self.flag("pubkeyauthentication")
    }

    pub fn strict_modes(&self) -> (bool, &Origin) {
        self.flag("strictmodes")
    }

    pub fn use_pam(&self) -> (bool, &Origin) {
        self.flag("usepam")
    }

    pub fn permit_root_login(&self) -> (PermitRootLogin, &Origin) {
        let (value, origin) = self.value_or_default("permitrootlogin");
        match PermitRootLogin::parse(value) {
            Some(v) => (v, origin),
            None => (PermitRootLogin::ProhibitPassword, &DEFAULT_ORIGIN),
        }
    }

    pub fn max_auth_tries(&self) -> (u32, &Origin) {
        let (n, origin) = self.number("maxauthtries");
        (u32::try_from(n).unwrap_or(u32::MAX), origin)
    }

    /// LoginGraceTime in seconds (0 means no limit).
    pub fn login_grace_time(&self) -> (u64, &Origin) {
        let (value, origin) = self.value_or_default("logingracetime");
        match parse_time(value) {
            Some(n) => (n, origin),
            None => (120, &DEFAULT_ORIGIN),
        }
    }

    pub fn max_startups(&self) -> (MaxStartups, &Origin) {
        let (value, origin) = self.value_or_default("maxstartups");
        match parse_max_startups(value) {
            Some((start, rate, full)) => (MaxStartups { start, rate, full }, origin),
            None => (
                MaxStartups {
                    start: 10,
                    rate: 30,
                    full: 100,
                },
                &DEFAULT_ORIGIN,
            ),
        }
    }

    /// Every port sshd listens on with the line that added it.
    pub fn ports(&self) -> Vec<(u16, Origin)> {
        let Some(setting) = self.get("port") else {
            return vec![(22, Origin::Default)];
        };
        let ports: Vec<(u16, Origin)> = setting
            .values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| Some((parse_port(v)?, setting.origin_of(i).clone())))
            .collect();
        if ports.is_empty() {
            vec![(22, Origin::Default)]
        } else {
            ports
        }
    }

    /// Every ListenAddress value (as written, with any `:port`) with its line.
    pub fn listen_addresses(&self) -> Vec<(String, Origin)> {
        self.values_with_origins("listenaddress")
    }

    fn values_with_origins(&self, keyword: &str) -> Vec<(String, Origin)> {
        self.get(keyword)
            .map(|s| {
                s.values
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (v.clone(), s.origin_of(i).clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Whether DenyUsers, AllowUsers, DenyGroups and AllowGroups (checked in that order, as
    /// sshd's `allowed_user`) let `user` in. `host` is the client's name when sshd resolves
    /// names (UseDNS yes); otherwise sshd compares the address text.
    pub fn user_access(
        &self,
        user: &str,
        groups: &[String],
        host: Option<&str>,
        addr: Option<IpAddr>,
    ) -> UserAccess {
        let addr_text = addr.map(|a| a.to_string());
        let host = host.map(str::to_owned).or_else(|| addr_text.clone());
        let host = host.as_deref();
        if let Some(decision) = self.check_users(AccessDirective::DenyUsers, user, host, addr) {
            return decision;
        }
        if let Some(decision) = self.check_users(AccessDirective::AllowUsers, user, host, addr) {
            return decision;
        }
        self.check_groups(groups)
    }

    fn list(&self, directive: AccessDirective) -> Option<&Setting> {
        self.get(directive.keyword())
            .filter(|s| !s.values.is_empty())
    }

    fn check_users(
        &self,
        directive: AccessDirective,
        user: &str,
        host: Option<&str>,
        addr: Option<IpAddr>,
    ) -> Option<UserAccess> {
        let setting = self.list(directive)?;
        let deny = directive == AccessDirective::DenyUsers;
        let mut needs_addr = false;
        for (i, pattern) in setting.values.iter().enumerate() {
            if pattern.contains('@') && addr.is_none() {
                needs_addr = true;
                continue;
            }
            if match_user(user, host, addr, pattern) == 1 {
                return deny.then(|| UserAccess::Denied {
                    directive,
                    origins: vec![setting.origin_of(i).clone()],
                    pattern: Some(pattern.clone()),
                });
            }
        }
        if needs_addr {
            return Some(UserAccess::Undecided {
                directive,
                reason: "a user@host pattern needs the client address".into(),
            });
        }
        (!deny).then(|| UserAccess::Denied {
            directive,
            origins: setting.origins.clone(),
            pattern: None,
        })
    }

    fn check_groups(&self, groups: &[String]) -> UserAccess {
        let deny = self.list(AccessDirective::DenyGroups);
        let allow = self.list(AccessDirective::AllowGroups);
        if deny.is_none() && allow.is_none() {
            return UserAccess::Allowed;
        }
        if groups.is_empty() {
            let directive = match deny {
                Some(_) => AccessDirective::DenyGroups,
                None => AccessDirective::AllowGroups,
            };
            return UserAccess::Undecided {
                directive,
                reason: "the user's groups are not known".into(),
            };
        }
        if let Some(setting) = deny {
            for (i, pattern) in setting.values.iter().enumerate() {
                if groups.iter().any(|g| match_pattern(g, pattern)) {
                    return UserAccess::Denied {
                        directive: AccessDirective::DenyGroups,
                        origins: vec![setting.origin_of(i).clone()],
                        pattern: Some(pattern.clone()),
                    };
                }
            }
        }
        if let Some(setting) = allow {
            let listed = setting
                .values
                .iter()
                .any(|p| groups.iter().any(|g| match_pattern(g, p)));
            if !listed {
                return UserAccess::Denied {
                    directive: AccessDirective::AllowGroups,
                    origins: setting.origins.clone(),
                    pattern: None,
                };
            }
        }
        UserAccess::Allowed
    }
}

fn default_value(keyword: &str) -> &'static str {
    DEFAULTS
        .iter()
        .find(|(k, _)| *k == keyword)
        .and_then(|(_, v)| v.first().copied())
        .unwrap_or("")
}

impl SshdConfig {
    /// The configuration sshd applies to a connection described by `ctx`.
    pub fn effective(&self, ctx: &MatchContext) -> EffectiveConfig {
        let mut global = Pass::new(None);
        global.walk(&self.main, true, Mode::Normal);
        let mut matched = Pass::new(Some(ctx));
        matched.walk(&self.main, false, Mode::MatchOnly);

        let mut settings = global.settings;
        for (keyword, setting) in matched.settings {
            if !spec(keyword).is_some_and(|s| s.in_match) {
                continue;
            }
            let overridden = settings
                .remove(keyword)
                .map(|old| old.origins)
                .unwrap_or_default();
            let mut setting = setting;
            setting.overridden.splice(0..0, overridden);
            settings.insert(keyword, setting);
        }
        let mut config = EffectiveConfig {
            settings,
            undecided: matched.undecided,
        };
        config.fill_defaults();
        config
    }
}

/// How a file's `Match` lines are treated, mirroring sshd's include flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Normal,
    /// Second pass, before the first `Match` line: only Match blocks apply.
    MatchOnly,
    /// Included from inside a Match block that does not apply: nothing in it applies.
    NeverMatch,
}

/// One reading of the configuration: `ctx` is `None` for the startup pass.
struct Pass<'a> {
    ctx: Option<&'a MatchContext>,
    settings: BTreeMap<&'static str, Setting>,
    undecided: Vec<Undecided>,
}

impl<'a> Pass<'a> {
    fn new(ctx: Option<&'a MatchContext>) -> Self {
        Pass {
            ctx,
            settings: BTreeMap::new(),
            undecided: Vec::new(),
        }
    }

    fn walk(&mut self, file: &ConfigFile, mut active: bool, mut mode: Mode) {
        for item in &file.items {
            match item {
                Item::Directive(d) if active && d.valid => self.apply(d),
                Item::Directive(_) => {}
                Item::Match(m) => {
                    active = mode != Mode::NeverMatch && self.matches(m);
                    if mode == Mode::MatchOnly {
                        mode = Mode::Normal;
                    }
                }
                Item::Include(inc) => {
                    let child = match (mode, active) {
                        (Mode::MatchOnly, _) => Mode::MatchOnly,
                        (_, false) => Mode::NeverMatch,
                        (_, true) => Mode::Normal,
                    };
                    for f in &inc.files {
                        self.walk(f, active, child);
                    }
                }
            }
        }
    }

    fn matches(&mut self, line: &MatchLine) -> bool {
        if !line.valid {
            return false;
        }
        let Some(ctx) = self.ctx else {
            return line.criteria == [Criterion::All];
        };
        let mut result = Some(true);
        let mut unknown = None;
        for criterion in &line.criteria {
            match evaluate(criterion, ctx) {
                Ok(true) => {}
                Ok(false) => result = Some(false),
                Err(name) => {
                    unknown.get_or_insert(name);
                    if result == Some(true) {
                        result = None;
                    }
                }
            }
        }
        if result.is_none() {
            self.undecided.push(Undecided {
                location: line.location.clone(),
                text: line.text.clone(),
                criterion: unknown.unwrap_or("Match"),
            });
        }
        result == Some(true)
    }

    fn apply(&mut self, d: &Directive) {
        let Some(spec) = d.spec else { return };
        let origin = Origin::of(d);
        let setting = self
            .settings
            .entry(spec.name)
            .or_insert_with(|| Setting::new(spec.name));
        match spec.accumulate {
            Accumulate::First | Accumulate::FirstLine if !setting.origins.is_empty() => {
                setting.overridden.push(origin);
            }
            Accumulate::First | Accumulate::FirstLine | Accumulate::Append => {
                setting.push_line(normalise(spec.kind, &d.args), origin);
            }
            Accumulate::PerName => {
                let name = d.args.first().map(String::as_str).unwrap_or_default();
                let taken = setting
                    .values
                    .iter()
                    .any(|v| v.split(' ').next() == Some(name));
                if taken {
                    setting.overridden.push(origin);
                } else {
                    setting.push_line(vec![d.args.join(" ")], origin);
                }
            }
        }
    }
}

/// Evaluates one criterion; `Err` names a criterion the context cannot decide.
fn evaluate(criterion: &Criterion, ctx: &MatchContext) -> Result<bool, &'static str> {
    let list_hit =
        |value: &str, list: &str, lower: bool| match_pattern_list(value, list, lower) == 1;
    match criterion {
        Criterion::All => Ok(true),
        Criterion::InvalidUser => Err("Invalid-User"),
        Criterion::Version(_) => Err("Version"),
        Criterion::User(list) => ctx
            .user
            .as_deref()
            .map(|u| list_hit(u, list, false))
            .ok_or("User"),
        Criterion::Group(list) => {
            if ctx.user.is_none() || ctx.groups.is_empty() {
                return Err("Group");
            }
            let results: Vec<i32> = ctx
                .groups
                .iter()
                .map(|g| match_pattern_list(g, list, false))
                .collect();
            Ok(!results.contains(&-1) && results.contains(&1))
        }
        Criterion::Host(list) => ctx
            .host
            .as_deref()
            .map(|h| list_hit(&h.to_ascii_lowercase(), list, true))
            .ok_or("Host"),
        Criterion::Address(list) => ctx
            .addr
            .map(|a| addr_match_list(Some(a), list) == 1)
            .ok_or("Address"),
        Criterion::LocalAddress(list) => ctx
            .local_addr
            .map(|a| addr_match_list(Some(a), list) == 1)
            .ok_or("LocalAddress"),
        Criterion::LocalPort(port) => ctx.local_port.map(|p| p == *port).ok_or("LocalPort"),
        Criterion::RDomain(list) => ctx
            .rdomain
            .as_deref()
            .map(|r| list_hit(r, list, false))
            .ok_or("RDomain"),
    }
}

/// Writes values the way `sshd -T` prints them (yes/no lowercase, times in seconds).
fn normalise(kind: ValueKind, args: &[String]) -> Vec<String> {
    let one = |v: String| vec![v];
    let first = args.first().cloned().unwrap_or_default();
    match kind {
        ValueKind::Flag | ValueKind::Choice(_) => one(normalise_choice(&first)),
        ValueKind::Time => one(parse_time(&first).map_or(first, |n| n.to_string())),
        ValueKind::TimeOrNone => one(parse_time(&first).map_or("0".into(), |n| n.to_string())),
        ValueKind::Port => one(parse_port(&first).map_or(first, |n| n.to_string())),
        ValueKind::MaxStartups => {
            one(parse_max_startups(&first).map_or(first, |(s, r, f)| format!("{s}:{r}:{f}")))
        }
        _ => args.to_vec(),
    }
}

fn normalise_choice(value: &str) -> String {
    let lower = value.to_ascii_lowercase();
    match lower.as_str() {
        "without-password" => "prohibit-password".into(),
        "all" | "delayed" => "yes".into(),
        // Log levels and facilities are printed in capitals.
        "quiet" | "fatal" | "error" | "info" | "verbose" | "debug" | "debug1" | "debug2"
        | "debug3" | "daemon" | "user" | "auth" | "authpriv" | "md5" | "sha256" => {
            value.to_ascii_uppercase()
        }
        l if l.starts_with("local") => value.to_ascii_uppercase(),
        _ => lower,
    }
}

#[cfg(test)]
mod tests;
