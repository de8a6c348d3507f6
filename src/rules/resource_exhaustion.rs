//! `resource-exhaustion`: memory, processes, file descriptors or disk ran out, and that
//! stopped or killed sshd or its sessions. The kernel's report (an OOM kill, a fork the
//! pids controller rejected), sshd's own failing lines (`fork: Resource temporarily
//! unavailable`, `No space left on device`) and a snapshot that shows the pressure are cited
//! together. When the OOM killer took the SSH service and nothing restarted it, this is the
//! root of `sshd-not-running`.

use crate::finding::{Evidence, Finding};
use crate::model::{Event, EventKind, Severity};

use super::common::{self, cite, finish, is_sshd_unit, RuleContext};
use super::Rule;

pub static RULE: Rule = Rule {
    id: "resource-exhaustion",
    title: "memory, processes or disk ran out and hit sshd",
    severity: Severity::High,
    what: "Memory, process slots, file descriptors or disk space ran out, and that killed sshd \
           or its sessions or made them fail (OOM kills, fork failures, a full disk sshd or PAM \
           needed).",
    why: "sshd stops answering or drops logins although nothing is wrong with its \
          configuration; restarting it helps only until the pressure returns.",
    example: "kernel: Out of memory: Killed process 812 (sshd) total-vm:...  /  sshd[1]: error: fork: Resource temporarily unavailable",
    fix: "Find and bound what consumed the resource; protect sshd (OOMScoreAdjust=-1000, \
          TasksMax) so an admin can always log in.",
    needs: "kernel log (dmesg, kern.log or the journal); auth.log; free/meminfo, df, ps snapshots",
    symptom: "connection closed or refused",
    check,
};

/// Which resource ran out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Resource {
    Memory,
    Processes,
    FileDescriptors,
    Disk,
}

fn is_ssh_process(name: &str) -> bool {
    name.starts_with("sshd")
}

const NO_SPACE: &str = "No space left on device";

fn classify(e: &Event) -> Option<Resource> {
    let reason = e.fields.reason.as_deref().unwrap_or("");
    let ssh_unit = e.fields.unit.as_deref().is_some_and(is_sshd_unit);
    match e.kind {
        EventKind::KernelOomKill => e
            .fields
            .victim
            .as_deref()
            .filter(|v| is_ssh_process(v))
            .map(|_| Resource::Memory),
        EventKind::UnitOomKill if ssh_unit => Some(Resource::Memory),
        EventKind::UnitFailed if ssh_unit && e.fields.result.as_deref() == Some("oom-kill") => {
            Some(Resource::Memory)
        }
        EventKind::KernelForkRejected if reason.contains("ssh") => Some(Resource::Processes),
        EventKind::ForkFailed | EventKind::PtyAllocFailed | EventKind::AcceptFailed => {
            Some(if reason.contains("Cannot allocate memory") {
                Resource::Memory
            } else if reason.contains("Too many open files") {
                Resource::FileDescriptors
            } else {
                Resource::Processes
            })
        }
        _ if (reason.contains(NO_SPACE) || e.text.contains(NO_SPACE))
            && (e.program.starts_with("sshd") || e.kind == EventKind::PamSessionFailed) =>
        {
            Some(Resource::Disk)
        }
        EventKind::KernelFileMax => Some(Resource::FileDescriptors),
        _ => None,
    }
}

fn check(ctx: &RuleContext) -> Vec<Finding> {
    let hits: Vec<(&Event, Resource)> = ctx
        .events()
        .filter_map(|e| classify(e).map(|r| (e, r)))
        .collect();
    let Some(&(_, resource)) = hits.first() else {
        return Vec::new();
    };
    let mut f = common::finding(&RULE, String::new());
    for (e, _) in hits.iter().take(10) {
        cite(&mut f, e);
    }
    let hit_count = f.evidence.len();
    f.evidence.extend(context_evidence(ctx, &hits, resource));
    let pressure = snapshot_evidence(ctx, resource);
    f.evidence.extend(pressure);
    let shielded = shielded_hog(ctx, &hits);
    if let Some((e, _)) = &shielded {
        f.evidence.push(e.clone());
    }
    let killed_service = hits.iter().any(|(e, _)| {
        matches!(e.kind, EventKind::UnitOomKill | EventKind::UnitFailed)
            || e.fields.victim.as_deref() == Some("sshd")
    });
    let restarted = killed_service
        .then(|| restarted_after(ctx, &hits))
        .flatten();
    if killed_service && restarted.is_none() {
        f.explains = vec!["sshd-not-running"];
    }
    // The kernel's own report names the victim; prefer it for the summary.
    let first = hits
        .iter()
        .map(|(e, _)| *e)
        .find(|e| e.fields.victim.is_some())
        .unwrap_or(hits[0].0);
    let what = match resource {
        Resource::Memory => match (&first.fields.victim, first.fields.victim_pid) {
            (Some(v), Some(pid)) => {
                format!("the kernel ran out of memory and killed {v} (pid {pid})")
            }
            _ => "memory ran out and the SSH service was killed".to_owned(),
        },
        Resource::Processes => "no process slot was left, so sshd could not fork".to_owned(),
        Resource::FileDescriptors => {
            "file descriptors ran out, so sshd could not accept".to_owned()
        }
        Resource::Disk => "the disk sshd and PAM write to was full".to_owned(),
    };
    f.summary = format!(
        "{}{}{}.",
        crate::util::capitalise(&what),
        first
            .time
            .map(|t| format!(" at {}", crate::finding::format_time(&t)))
            .unwrap_or_default(),
        match (killed_service, restarted) {
            (true, None) => "; the SSH service went down with it".to_owned(),
            (true, Some(at)) => format!(
                "; systemd restarted the SSH service{}, so later failures have another cause",
                at.map(|t| format!(" at {}", crate::finding::format_time(&t)))
                    .unwrap_or_default()
            ),
            _ => String::new(),
        }
    );
    // Once the service is back, the kill is history: worth knowing, not why logins fail now.
    if restarted.is_some() {
        f.severity = Severity::Low;
        f.explains_failure = false;
    }
    f.confidence = if f.evidence.len() > hit_count {
        0.95
    } else {
        0.85
    };
    let service = common::service_name(ctx.facts);
    let mut remediation = match &shielded {
        Some((_, name)) => vec![format!(
            "{name} is exempt from the OOM killer (oom_score_adj -1000) while holding most of the memory, so the kernel kills others: bound it (MemoryMax= on its unit) or drop OOMScoreAdjust=-1000"
        )],
        None => Vec::new(),
    };
    remediation.extend(match resource {
        Resource::Memory => vec![
            "ps aux --sort=-rss | head   # what holds the memory now".to_owned(),
            "Bound the consumer: MemoryMax= on its unit, or fix its leak; add memory or swap".to_owned(),
            format!("sudo systemctl edit {service}   # [Service] OOMScoreAdjust=-1000 so the OOM killer spares sshd"),
            format!("sudo systemctl start {service}"),
        ],
        Resource::Processes => vec![
            "ps -eo user= | sort | uniq -c | sort -rn | head   # who holds the process slots".to_owned(),
            format!("systemctl show {service} -p TasksMax; ulimit -u; cat /proc/sys/kernel/pid_max"),
            "Raise the limit that was hit (TasksMax=, nproc in /etc/security/limits.conf) or stop the runaway".to_owned(),
        ],
        Resource::FileDescriptors => vec![
            "cat /proc/sys/fs/file-nr   # allocated vs maximum".to_owned(),
            format!("systemctl show {service} -p LimitNOFILE"),
            "Find the leak (lsof | awk '{print $1}' | sort | uniq -c | sort -rn | head) and raise the limit if legitimate".to_owned(),
        ],
        Resource::Disk => vec![
            "df -h; df -i   # which file system is full, in blocks or inodes".to_owned(),
            "sudo journalctl --vacuum-size=500M; sudo find /var/log -name '*.gz' -mtime +14 -delete".to_owned(),
            "Free space, then retry the login: sshd needs /var (wtmp/btmp) and PAM may need /home or /tmp".to_owned(),
        ],
    });
    f.remediation = remediation;
    vec![finish(f, 14)]
}

/// The task of an OOM report that killed an SSH process, holding the most memory while
/// the OOM killer may not pick it (`oom_score_adj` -1000): the reason the kernel killed
/// sshd instead. Its task-table row, and its name.
fn shielded_hog(ctx: &RuleContext, hits: &[(&Event, Resource)]) -> Option<(Evidence, String)> {
    hits.iter()
        .filter(|(e, _)| e.kind == EventKind::KernelOomKill)
        .find_map(|(e, _)| {
            let log = ctx
                .facts
                .resources
                .kernel
                .iter()
                .find(|k| k.path == e.location.path)?;
            let report = log.value.events.iter().find_map(|k| match k {
                crate::parse::kernel::KernelEvent::OomKill(o)
                    if log.location(o.at.line).line == e.location.line =>
                {
                    Some(o)
                }
                _ => None,
            })?;
            let hog = report.tasks.iter().max_by_key(|t| t.rss_pages)?;
            let total: u64 = report.tasks.iter().map(|t| t.rss_pages).sum();
            if hog.oom_score_adj > -1000 || hog.rss_pages * 2 < total {
                return None;
            }
            let location = log.location(hog.line);
            let text = ctx.facts.line_text(&location).unwrap_or_default();
            let note = format!(
                "{} holds {} MiB and is exempt from the OOM killer",
                hog.name,
                hog.rss_pages * 4 / 1024
            );
            Some((
                Evidence::at(&location, text).with_note(note),
                hog.name.clone(),
            ))
        })
}

/// When systemd (or anything) started sshd again after the last kill: the time of the
/// first start after it, `Some(None)` for an undated start.
fn restarted_after(
    ctx: &RuleContext,
    hits: &[(&Event, Resource)],
) -> Option<Option<chrono::DateTime<chrono::Utc>>> {
    let last_kill = hits.iter().filter_map(|(e, _)| e.time).max()?;
    ctx.events()
        .filter(|e| e.time.is_some_and(|t| t > last_kill))
        .find(|e| {
            let ssh_unit = e.fields.unit.as_deref().is_some_and(is_sshd_unit);
            (e.kind == EventKind::UnitStarted && ssh_unit) || e.kind == EventKind::ServerListening
        })
        .map(|e| e.time)
}

/// What surrounds the hits: earlier OOM kills of other processes (memory was already
/// short) and the kernel refusing forks in the same minutes as sshd's failed forks.
fn context_evidence(ctx: &RuleContext, hits: &[(&Event, Resource)], r: Resource) -> Vec<Evidence> {
    let first = hits.iter().filter_map(|(e, _)| e.time).min();
    let last = hits.iter().filter_map(|(e, _)| e.time).max();
    let (Some(first), Some(last)) = (first, last) else {
        return Vec::new();
    };
    let window = chrono::Duration::hours(2);
    let near = |e: &Event| {
        e.time
            .is_some_and(|t| t >= first - window && t <= last + window)
    };
    let hit = |e: &Event| hits.iter().any(|(h, _)| std::ptr::eq(*h, e));
    let (kind, note) = match r {
        Resource::Memory => (
            EventKind::KernelOomKill,
            "an earlier OOM kill: memory was already short",
        ),
        Resource::Processes => (
            EventKind::KernelForkRejected,
            "the kernel refused a fork at the same time",
        ),
        _ => return Vec::new(),
    };
    ctx.events_of(kind)
        .filter(|e| near(e) && !hit(e))
        .take(3)
        .map(|e| Evidence::from_event(e).with_note(note))
        .collect()
}

/// The snapshot line that shows the pressure: little memory available, a full disk.
fn snapshot_evidence(ctx: &RuleContext, resource: Resource) -> Vec<Evidence> {
    let mut out = Vec::new();
    let quote = |location: crate::model::Location, note: &str| {
        let text = ctx.facts.line_text(&location).unwrap_or_default();
        Evidence::at(&location, text).with_note(note.to_owned())
    };
    match resource {
        Resource::Memory => {
            for m in &ctx.facts.resources.meminfo {
                if let (Some(total), Some(entry)) =
                    (m.value.mem_total_kib(), m.value.entry("MemAvailable"))
                {
                    if entry.value * 10 < total {
                        out.push(quote(
                            m.location(entry.line),
                            "under 10% of memory available",
                        ));
                    }
                }
            }
            for fr in &ctx.facts.resources.free {
                if let Some(row) = fr.value.mem() {
                    if let (Some(total), Some(avail)) = (row.total_kib, row.available_kib) {
                        if avail * 10 < total {
                            out.push(quote(
                                fr.location(row.line),
                                "under 10% of memory available",
                            ));
                        }
                    }
                }
            }
        }
        Resource::Disk => {
            for d in &ctx.facts.resources.disks {
                for m in d.value.full(95) {
                    out.push(quote(d.location(m.line), "full"));
                }
            }
        }
        Resource::Processes => out.extend(process_hog(ctx)),
        Resource::FileDescriptors => {}
    }
    if resource == Resource::Memory {
        out.extend(memory_hog(ctx));
    }
    out
}

/// The process holding most of the memory in a `ps` snapshot, when it holds half or more.
fn memory_hog(ctx: &RuleContext) -> Option<Evidence> {
    ctx.facts.resources.ps.iter().find_map(|list| {
        let p = list
            .value
            .processes
            .iter()
            .filter(|p| p.mem.is_some())
            .max_by(|a, b| {
                a.mem
                    .partial_cmp(&b.mem)
                    .unwrap_or(std::cmp::Ordering::Equal)
            })?;
        let share = p.mem?;
        (share >= 50.0).then(|| {
            let location = list.location(p.line);
            let text = ctx.facts.line_text(&location).unwrap_or_default();
            Evidence::at(&location, text).with_note(format!(
                "{} (pid {}) holds {share:.1}% of memory",
                p.program(),
                p.pid
            ))
        })
    })
}

/// The user owning most processes in a `ps` snapshot, when that is half or more of them.
fn process_hog(ctx: &RuleContext) -> Option<Evidence> {
    ctx.facts.resources.ps.iter().find_map(|list| {
        let procs = &list.value.processes;
        let mut by_user: std::collections::BTreeMap<&str, usize> = Default::default();
        for p in procs {
            *by_user.entry(p.user.as_deref().unwrap_or("?")).or_default() += 1;
        }
        let (user, n) = by_user.into_iter().max_by_key(|(_, n)| *n)?;
        if n * 2 < procs.len() || n < 50 {
            return None;
        }
        let p = procs.iter().find(|p| p.user.as_deref() == Some(user))?;
        let location = list.location(p.line);
        let text = ctx.facts.line_text(&location).unwrap_or_default();
        Some(
            Evidence::at(&location, text)
                .with_note(format!("{n} of {} processes belong to {user}", procs.len())),
        )
    })
}
