//! Throughput of the log path on a large generated auth.log: syslog parsing alone, parsing
//! plus message classification, and the whole analysis of a one-file bundle.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rootline::analysis::{analyze_bundle, Options};
use rootline::bundle::{from_bytes, Limits};
use rootline::parse::{messages, syslog};

/// A realistic mix: scanners, PAM, successful logins, cron and sudo noise.
fn generate(lines: usize) -> String {
    let templates = [
        "sshd[{p}]: Invalid user admin{n} from 203.0.113.{o} port {port}",
        "sshd[{p}]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.{o}",
        "sshd[{p}]: Failed password for invalid user admin{n} from 203.0.113.{o} port {port} ssh2",
        "sshd[{p}]: Connection closed by invalid user admin{n} 203.0.113.{o} port {port} [preauth]",
        "sshd[{p}]: Accepted publickey for alice from 10.0.0.{o} port {port} ssh2: ED25519 SHA256:Jb0bT1kq0m5v3x4y5z6A7B8C9D0E1F2G3H4I5J6K7L8",
        "sshd[{p}]: pam_unix(sshd:session): session opened for user alice(uid=1000) by (uid=0)",
        "CRON[{p}]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)",
        "sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/systemctl status nginx",
        "systemd-logind[812]: New session {n} of user alice.",
        "sshd[{p}]: Received disconnect from 203.0.113.{o} port {port}:11: Bye Bye [preauth]",
    ];
    let mut out = String::with_capacity(lines * 120);
    for i in 0..lines {
        let t = templates[i % templates.len()];
        let secs = i / 20;
        let line = t
            .replace("{p}", &(10000 + i % 5000).to_string())
            .replace("{n}", &(i % 97).to_string())
            .replace("{o}", &(1 + i % 250).to_string())
            .replace("{port}", &(30000 + i % 30000).to_string());
        out.push_str(&format!(
            "Nov 2{} {:02}:{:02}:{:02} web01 {line}\n",
            1 + (secs / 86400) % 8,
            (secs / 3600) % 24,
            (secs / 60) % 60,
            secs % 60
        ));
    }
    out
}

fn bench(c: &mut Criterion) {
    let text = generate(200_000);
    let mut group = c.benchmark_group("auth_log_200k_lines");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.sample_size(10);
    group.bench_function("syslog_parse", |b| {
        b.iter(|| syslog::records(&text).filter(|r| r.is_ok()).count())
    });
    group.bench_function("parse_and_classify", |b| {
        b.iter(|| {
            syslog::records(&text)
                .filter_map(|r| r.ok())
                .filter(|r| {
                    matches!(
                        messages::classify(&r.program, &r.message),
                        messages::Classification::Event(_)
                    )
                })
                .count()
        })
    });
    group.bench_function("analyze_bundle", |b| {
        b.iter(|| {
            let bundle = from_bytes("auth.log", text.clone().into_bytes(), &Limits::default());
            let options = Options {
                year: Some(2026),
                zone: rootline::time::parse_zone("UTC"),
                ..Options::default()
            };
            analyze_bundle(&bundle, &options).map(|a| a.report.findings.len())
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
