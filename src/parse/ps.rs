//! Process listings: which processes ran, as whom, and in what state.
//!
//! They show whether sshd was running at all, how many tasks a user had against an `nproc`
//! limit, and whether zombies or tasks stuck in `D` state piled up. This module reads any
//! `ps` output with a header line, the column set taken from that header:
//!
//! * `ps aux`, `ps auxwww`, and `ps auxwwwm` (sosreport's `ps`), where each process line is
//!   followed by its threads, shown with `-` in the per-process columns:
//!
//!   ```text
//!   USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND
//!   root         911  0.0  0.1  15420  9216 ?        -    Nov20   0:00 sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups
//!   root           -  0.0    -      -     - -        Ss   Nov20   0:00 -
//!   ```
//! * `ps -ef`, `ps -elf`, `ps -elfL`, `ps alx`, and `ps -eo`/`ps axo` with any column list,
//!   `lstart`'s five-word start time included.
//!
//! The command keeps its arguments and inner spaces. Columns after the command (`ps -o
//! comm,cgroup`) are read from the right, one word each.

use std::collections::BTreeMap;

use crate::model::Diagnostic;
use crate::parse::memory::prompt_command;
use crate::util::words_with_offsets as words;

/// A column of `ps` output, from its header name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Column {
    User,
    /// `UID`: a number, or a name in `ps -ef`.
    Uid,
    Pid,
    Ppid,
    /// Thread id (`-L` listings).
    Lwp,
    Nlwp,
    Cpu,
    Mem,
    Vsz,
    Rss,
    Tty,
    Stat,
    /// One-word start (`START`, `STIME`).
    Start,
    /// `lstart`: `Mon Nov 23 14:05:01 2026`, five words.
    LongStart,
    Time,
    Command,
    /// Any other column (`F`, `PRI`, `NI`, `WCHAN`, `CGROUP`...), kept by name.
    Other(String),
}

impl Column {
    fn from_header(name: &str) -> Column {
        match name {
            "USER" | "RUSER" | "EUSER" | "UNAME" => Column::User,
            "UID" => Column::Uid,
            "PID" => Column::Pid,
            "PPID" => Column::Ppid,
            "LWP" | "SPID" | "TID" => Column::Lwp,
            "NLWP" | "THCNT" => Column::Nlwp,
            "%CPU" => Column::Cpu,
            "%MEM" => Column::Mem,
            "VSZ" | "VSIZE" => Column::Vsz,
            "RSS" | "RSZ" => Column::Rss,
            "TTY" | "TT" => Column::Tty,
            "STAT" | "S" => Column::Stat,
            "START" | "STIME" => Column::Start,
            "STARTED" | "LSTART" => Column::LongStart,
            "TIME" => Column::Time,
            "COMMAND" | "CMD" | "ARGS" | "COMM" => Column::Command,
            other => Column::Other(other.to_owned()),
        }
    }

    fn width(&self) -> usize {
        if *self == Column::LongStart {
            5
        } else {
            1
        }
    }
}

/// A thread line of `ps m` output.
#[derive(Clone, Debug, PartialEq)]
pub struct Thread {
    pub lwp: Option<u32>,
    pub cpu: Option<f32>,
    pub stat: Option<String>,
    pub time: Option<String>,
    pub line: usize,
}

/// One process (or, in `-L` listings, one thread row).
#[derive(Clone, Debug, PartialEq)]
pub struct Process {
    /// The user name, when the listing shows one.
    pub user: Option<String>,
    pub uid: Option<u32>,
    pub pid: u32,
    pub ppid: Option<u32>,
    pub lwp: Option<u32>,
    pub nlwp: Option<u32>,
    pub cpu: Option<f32>,
    pub mem: Option<f32>,
    pub vsz_kb: Option<u64>,
    pub rss_kb: Option<u64>,
    pub tty: Option<String>,
    /// `Ss`, `D`, `Z+`... For `ps m` listings, whose process line shows `-`, the main
    /// thread's state.
    pub stat: Option<String>,
    pub start: Option<String>,
    pub time: Option<String>,
    /// With its arguments, spaces kept.
    pub command: String,
    pub threads: Vec<Thread>,
    pub other: Vec<(String, String)>,
    pub line: usize,
}

impl Process {
    /// The program name: `sshd` for `/usr/sbin/sshd -D`, `sshd: alice [priv]`, `-bash` →
    /// `bash`, `[kworker/0:1]` → `kworker/0:1`.
    pub fn program(&self) -> &str {
        let c = self.command.trim();
        if let Some(k) = c.strip_prefix('[').and_then(|k| k.split(']').next()) {
            return k;
        }
        let first = c.split_whitespace().next().unwrap_or("");
        let first = first.trim_end_matches(':').trim_start_matches('-');
        // `ps -o comm` prints kernel threads (`kworker/0:1`) without brackets or a path.
        match first.starts_with('/') {
            true => first.rsplit('/').next().unwrap_or(first),
            false => first,
        }
    }

    fn state_char(&self) -> Option<char> {
        self.stat.as_deref()?.chars().next()
    }
    pub fn is_zombie(&self) -> bool {
        self.state_char() == Some('Z')
    }
    /// Uninterruptible sleep: usually waiting on a disk or a hung network file system.
    pub fn is_uninterruptible(&self) -> bool {
        self.state_char() == Some('D')
    }

    /// How many kernel tasks this row stands for: its thread lines, `NLWP`, or one.
    fn tasks(&self) -> usize {
        if !self.threads.is_empty() {
            self.threads.len()
        } else if self.lwp.is_some() {
            1
        } else {
            self.nlwp.map_or(1, |n| n.max(1) as usize)
        }
    }
}

/// A parsed listing.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProcessList {
    pub processes: Vec<Process>,
    /// The header's columns as last seen.
    pub columns: Vec<Column>,
}

impl ProcessList {
    /// Processes whose program name is `name` (see [`Process::program`]).
    pub fn by_command<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Process> + 'a {
        self.processes.iter().filter(move |p| p.program() == name)
    }

    fn owner(p: &Process) -> String {
        match (&p.user, p.uid) {
            (Some(u), _) => u.clone(),
            (None, Some(uid)) => uid.to_string(),
            (None, None) => "?".to_owned(),
        }
    }

    /// Distinct processes per user (name, or uid when the listing has no names).
    pub fn processes_per_user(&self) -> BTreeMap<String, usize> {
        let mut seen = std::collections::BTreeSet::new();
        let mut out = BTreeMap::new();
        for p in &self.processes {
            if seen.insert(p.pid) {
                *out.entry(Self::owner(p)).or_insert(0) += 1;
            }
        }
        out
    }

    /// Tasks (threads) per user, which is what `RLIMIT_NPROC` counts; without thread
    /// information each process counts once.
    pub fn tasks_per_user(&self) -> BTreeMap<String, usize> {
        let mut out = BTreeMap::new();
        for p in &self.processes {
            *out.entry(Self::owner(p)).or_insert(0) += p.tasks();
        }
        out
    }

    pub fn zombie_count(&self) -> usize {
        self.processes.iter().filter(|p| p.is_zombie()).count()
    }

    /// Processes in `D` state, counting every thread line that is in `D` for `ps m`.
    pub fn uninterruptible_count(&self) -> usize {
        self.processes
            .iter()
            .map(|p| {
                let threads_d = p
                    .threads
                    .iter()
                    .filter(|t| t.stat.as_deref().is_some_and(|s| s.starts_with('D')))
                    .count();
                if p.threads.is_empty() {
                    usize::from(p.is_uninterruptible())
                } else {
                    threads_d
                }
            })
            .sum()
    }
}

fn header(line: &str) -> Option<Vec<Column>> {
    let cols: Vec<Column> = line.split_whitespace().map(Column::from_header).collect();
    let named = |c: &Column| !matches!(c, Column::Other(_));
    let looks_like = cols.contains(&Column::Pid)
        && cols.contains(&Column::Command)
        && line
            .split_whitespace()
            .all(|w| w.chars().all(|c| !c.is_ascii_lowercase()));
    (looks_like && cols.iter().filter(|c| named(c)).count() >= 2).then_some(cols)
}

fn dash_or<T>(s: &str, f: impl FnOnce(&str) -> Option<T>) -> Result<Option<T>, ()> {
    if s == "-" {
        Ok(None)
    } else {
        f(s).map(Some).ok_or(())
    }
}

fn num<T: std::str::FromStr>(s: &str) -> Option<T> {
    s.parse().ok()
}

fn percent(s: &str) -> Option<f32> {
    s.replace(',', ".")
        .parse::<f32>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0)
}

/// Splits a data line into one text per column; the command takes the words the other
/// columns leave.
fn split_fields<'a>(line: &'a str, cols: &[Column]) -> Option<Vec<&'a str>> {
    let w = words(line);
    let cmd_at = cols.iter().position(|c| *c == Column::Command)?;
    let before: usize = cols[..cmd_at].iter().map(Column::width).sum();
    let after: usize = cols[cmd_at + 1..].iter().map(Column::width).sum();
    if w.len() < before + after + 1 {
        return None;
    }
    let mut out = Vec::with_capacity(cols.len());
    let mut i = 0;
    for c in &cols[..cmd_at] {
        let n = c.width();
        let (start, end) = (w[i].0, w[i + n - 1].0 + w[i + n - 1].1.len());
        out.push(&line[start..end]);
        i += n;
    }
    let cmd_end_word = w.len() - after - 1;
    let (start, end) = (w[i].0, w[cmd_end_word].0 + w[cmd_end_word].1.len());
    out.push(&line[start..end]);
    out.extend(w[cmd_end_word + 1..].iter().map(|x| x.1));
    Some(out)
}

enum Row {
    Process(Box<Process>),
    Thread(Thread),
}

fn parse_row(line: &str, line_no: usize, cols: &[Column]) -> Option<Row> {
    let fields = split_fields(line, cols)?;
    let mut p = Process {
        user: None,
        uid: None,
        pid: 0,
        ppid: None,
        lwp: None,
        nlwp: None,
        cpu: None,
        mem: None,
        vsz_kb: None,
        rss_kb: None,
        tty: None,
        stat: None,
        start: None,
        time: None,
        command: String::new(),
        threads: Vec::new(),
        other: Vec::new(),
        line: line_no,
    };
    let mut pid = None;
    for (col, &v) in cols.iter().zip(&fields) {
        let text = || (v != "-").then(|| v.to_owned());
        match col {
            Column::User => p.user = text(),
            Column::Uid => match v.parse() {
                Ok(uid) => p.uid = Some(uid),
                Err(_) => p.user = text(),
            },
            Column::Pid => pid = dash_or(v, num::<u32>).ok()?,
            Column::Ppid => p.ppid = dash_or(v, num).ok()?,
            Column::Lwp => p.lwp = dash_or(v, num).ok()?,
            Column::Nlwp => p.nlwp = dash_or(v, num).ok()?,
            Column::Cpu => p.cpu = dash_or(v, percent).ok()?,
            Column::Mem => p.mem = dash_or(v, percent).ok()?,
            Column::Vsz => p.vsz_kb = dash_or(v, num).ok()?,
            Column::Rss => p.rss_kb = dash_or(v, num).ok()?,
            Column::Tty => p.tty = text(),
            Column::Stat => p.stat = text(),
            Column::Start | Column::LongStart => p.start = text(),
            Column::Time => p.time = text(),
            Column::Command => p.command = v.to_owned(),
            Column::Other(name) => p.other.push((name.clone(), v.to_owned())),
        }
    }
    match pid {
        Some(pid) => {
            p.pid = pid;
            Some(Row::Process(Box::new(p)))
        }
        // `ps m` thread lines: no pid, the state and times of one thread.
        None => Some(Row::Thread(Thread {
            lwp: p.lwp,
            cpu: p.cpu,
            stat: p.stat,
            time: p.time,
            line: line_no,
        })),
    }
}

fn attach_thread(out: &mut ProcessList, t: Thread) -> bool {
    let Some(p) = out.processes.last_mut() else {
        return false;
    };
    if p.stat.is_none() && p.threads.is_empty() {
        p.stat = t.stat.clone();
    }
    p.threads.push(t);
    true
}

/// Parses `ps` output with a header line.
pub fn parse_ps(text: &str, diags: &mut Vec<Diagnostic>) -> ProcessList {
    let mut out = ProcessList::default();
    let mut have_header = false;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        if let Some(cols) = header(line) {
            out.columns = cols;
            have_header = true;
            continue;
        }
        let row = if have_header {
            parse_row(line, line_no, &out.columns)
        } else {
            None
        };
        match row {
            Some(Row::Process(p)) => out.processes.push(*p),
            Some(Row::Thread(t)) => {
                if !attach_thread(&mut out, t) {
                    diags.push(
                        Diagnostic::warning("thread line before any process").at_line(line_no),
                    );
                }
            }
            None if prompt_command(line).is_some() => {
                diags.push(Diagnostic::info("shell prompt line skipped").at_line(line_no));
            }
            None if !have_header => {
                diags.push(Diagnostic::warning("line before the ps header").at_line(line_no));
            }
            None => {
                diags.push(Diagnostic::warning("line is not a ps row").at_line(line_no));
            }
        }
    }
    out
}

/// Confidence that a text is `ps` output with a header.
pub fn sniff(head: &str) -> f32 {
    let mut lines = head
        .lines()
        .filter(|l| !l.trim().is_empty() && prompt_command(l).is_none());
    match lines.next().and_then(header) {
        Some(cols) if cols.len() >= 4 => 0.95,
        Some(_) => 0.6,
        None => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Level;

    fn parse(text: &str) -> (ProcessList, Vec<Diagnostic>) {
        let mut d = Vec::new();
        (parse_ps(text, &mut d), d)
    }

    fn warnings(d: &[Diagnostic]) -> Vec<usize> {
        d.iter()
            .filter(|d| d.level >= Level::Warning)
            .filter_map(|d| d.line)
            .collect()
    }

    const AUX: &str = "\
USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND
root           1  0.0  0.1 167744 11520 ?        Ss   Nov20   0:09 /sbin/init splash
root         911  0.0  0.1  15420  9216 ?        Ss   Nov20   0:00 sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups
root       48210  0.0  0.1  17180 10880 ?        Ss   14:02   0:00 sshd: alice [priv]
alice      48233  0.0  0.0  17180  6144 ?        S    14:02   0:00 sshd: alice@pts/0
alice      48240  0.0  0.0      0     0 ?        Z    14:03   0:00 [sh] <defunct>
root        2210  0.0  0.0      0     0 ?        D    Nov20   0:04 [nfsiod]
postgres    3310 12.5 40.2 9876543 3301234 ?     Ssl  Nov20 310:12 /usr/lib/postgresql/14/bin/postgres -D /var/lib/postgresql/14/main -c config_file=/etc/postgresql/14/main/postgresql.conf
";

    #[test]
    fn aux_rows() {
        let (l, d) = parse(AUX);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(l.processes.len(), 7);
        type Case = (usize, &'static str, u32, &'static str, Option<u64>, usize);
        let cases: &[Case] = &[
            (0, "root", 1, "init", Some(11520), 2),
            (1, "root", 911, "sshd", Some(9216), 3),
            (3, "alice", 48233, "sshd", Some(6144), 5),
            (6, "postgres", 3310, "postgres", Some(3301234), 8),
        ];
        for &(i, user, pid, prog, rss, line) in cases {
            let p = &l.processes[i];
            assert_eq!(p.user.as_deref(), Some(user));
            assert_eq!(
                (p.pid, p.program(), p.rss_kb, p.line),
                (pid, prog, rss, line)
            );
        }
        let listener = &l.processes[1];
        assert_eq!(
            listener.command,
            "sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups"
        );
        assert_eq!(listener.start.as_deref(), Some("Nov20"));
        assert_eq!(l.processes[6].cpu, Some(12.5));
        assert_eq!(l.by_command("sshd").count(), 3);
        assert_eq!(l.by_command("nfsiod").count(), 1);
        assert_eq!(l.zombie_count(), 1);
        assert_eq!(l.uninterruptible_count(), 1);
        let per_user = l.processes_per_user();
        assert_eq!(per_user.get("root"), Some(&4));
        assert_eq!(per_user.get("alice"), Some(&2));
    }

    const AUXM: &str = "\
USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND
root         911  0.0  0.1  15420  9216 ?        -    Nov20   0:00 sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups
root           -  0.0    -      -     - -        Ss   Nov20   0:00 -
app         4100  3.0  1.0 812000 81000 ?        -    Nov20   1:00 /opt/app/bin/worker --threads 3
app            -  1.0    -      -     - -        Ssl  Nov20   0:20 -
app            -  1.0    -      -     - -        D    Nov20   0:20 -
app            -  1.0    -      -     - -        D    Nov20   0:20 -
";

    #[test]
    fn auxm_threads() {
        let (l, d) = parse(AUXM);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(l.processes.len(), 2);
        let sshd = &l.processes[0];
        assert_eq!((sshd.stat.as_deref(), sshd.threads.len()), (Some("Ss"), 1));
        let app = &l.processes[1];
        assert_eq!(app.threads.len(), 3);
        assert_eq!(app.threads[2].line, 7);
        assert_eq!(app.stat.as_deref(), Some("Ssl"));
        assert_eq!(l.tasks_per_user().get("app"), Some(&3));
        assert_eq!(l.uninterruptible_count(), 2);
    }

    #[test]
    fn other_layouts() {
        type Case = (
            &'static str,
            u32,
            Option<u32>,
            Option<&'static str>,
            Option<u32>,
            &'static str,
        );
        let cases: &[Case] = &[
            (
                "UID          PID    PPID  C STIME TTY          TIME CMD\n\
                 root         911       1  0 Nov20 ?        00:00:00 sshd: /usr/sbin/sshd -D\n",
                911,
                Some(1),
                Some("root"),
                None,
                "sshd: /usr/sbin/sshd -D",
            ),
            (
                "F S UID          PID    PPID  C PRI  NI ADDR SZ WCHAN  STIME TTY          TIME CMD\n\
                 4 S root         911       1  0  80   0 -  3855 do_sys Nov20 ?        00:00:00 /usr/sbin/sshd -D\n",
                911,
                Some(1),
                Some("root"),
                None,
                "/usr/sbin/sshd -D",
            ),
            (
                "F   UID     PID    PPID PRI  NI    VSZ   RSS WCHAN  STAT TTY        TIME COMMAND\n\
                 4     0     911       1  20   0  15420  9216 -      Ss   ?          0:00 sshd: /usr/sbin/sshd -D\n",
                911,
                Some(1),
                None,
                Some(0),
                "sshd: /usr/sbin/sshd -D",
            ),
            (
                "F S   UID     PID    PPID CLS PRI ADDR SZ WCHAN                 STARTED TT           TIME CMD\n\
                 4 S     0     911       1 TS   19 -  3855 do_select    Fri Nov 20 08:01:12 2026 ?   00:00:00 sshd: /usr/sbin/sshd -D\n",
                911,
                Some(1),
                None,
                Some(0),
                "sshd: /usr/sbin/sshd -D",
            ),
            (
                "    PID    PPID USER     GROUP        LWP NLWP  START COMMAND         CGROUP\n\
                 3310       1 postgres postgres    3310    4  Nov20 postgres main   0::/system.slice/postgresql.service\n",
                3310,
                Some(1),
                Some("postgres"),
                None,
                "postgres main",
            ),
        ];
        for (text, pid, ppid, user, uid, cmd) in cases {
            let (l, d) = parse(text);
            assert!(d.is_empty(), "{text}: {d:?}");
            let p = &l.processes[0];
            assert_eq!(p.pid, *pid, "{text}");
            assert_eq!(p.ppid, *ppid, "{text}");
            assert_eq!(p.user.as_deref(), *user, "{text}");
            assert_eq!(p.uid, *uid, "{text}");
            assert_eq!(p.command, *cmd, "{text}");
            assert_eq!(p.line, 2);
        }
        let (l, _) = parse(cases[3].0);
        assert_eq!(
            l.processes[0].start.as_deref(),
            Some("Fri Nov 20 08:01:12 2026")
        );
        let (l, _) = parse(cases[4].0);
        let p = &l.processes[0];
        assert_eq!((p.lwp, p.nlwp), (Some(3310), Some(4)));
        assert!(p.other.contains(&(
            "CGROUP".into(),
            "0::/system.slice/postgresql.service".into()
        )));
    }

    #[test]
    fn unusable_lines_are_reported() {
        let text = "\
admin@web01:~$ ps aux
something before
USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND
root         abc  0.0  0.1 167744 11520 ?        Ss   Nov20   0:09 /sbin/init
root           1  0.0
root           -  0.0    -      -     - -        Ss   Nov20   0:00 -
root           1  0.0  0.1 167744 11520 ?        Ss   Nov20   0:09 /sbin/init
admin@web01:~$
";
        let (l, d) = parse(text);
        assert_eq!(l.processes.len(), 1);
        assert_eq!(l.processes[0].line, 7);
        assert_eq!(warnings(&d), vec![2, 4, 5, 6]);
        let infos: Vec<_> = d
            .iter()
            .filter(|d| d.level == Level::Info)
            .filter_map(|d| d.line)
            .collect();
        assert_eq!(infos, vec![1, 8]);
    }

    #[test]
    fn sniffing() {
        assert!(sniff(AUX) > 0.9);
        assert!(sniff("xyz@box:~$ ps -ef\nUID PID PPID C STIME TTY TIME CMD\n") > 0.9);
        assert_eq!(
            sniff("Filesystem 1K-blocks Used Available Use% Mounted on\n"),
            0.0
        );
        assert_eq!(sniff("root 1 0.0\n"), 0.0);
    }
}
