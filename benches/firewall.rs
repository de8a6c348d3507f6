//! The firewall walk on a large ruleset: 20,000 rules in 200 user chains, the shape of a
//! Kubernetes node's iptables, with match modules the walk cannot evaluate. The goal is a
//! verdict well under a second, so `rootline firewall` stays interactive on any host.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use rootline::facts::firewall;
use rootline::facts::system::Sourced;
use rootline::facts::Facts;
use rootline::parse::firewall::iptables;

fn generate(chains: usize, rules: usize) -> String {
    let mut out = String::from("*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n");
    for c in 0..chains {
        out.push_str(&format!(":SVC-{c:04} - [0:0]\n"));
    }
    for c in 0..chains {
        out.push_str(&format!(
            "-A INPUT -m comment --comment \"svc {c}\" -j SVC-{c:04}\n"
        ));
        for r in 0..rules {
            out.push_str(&format!(
                "-A SVC-{c:04} -s 10.{}.{r}.0/24 -p tcp -m tcp --dport {} -m statistic --mode random --probability 0.5 -j ACCEPT\n",
                c % 250,
                30000 + r
            ));
        }
        out.push_str(&format!("-A SVC-{c:04} -j RETURN\n"));
    }
    out.push_str("-A INPUT -s 172.16.0.0/12 -p tcp --dport 22 -j ACCEPT\nCOMMIT\n");
    out
}

fn bench(c: &mut Criterion) {
    let text = generate(200, 100);
    let mut diags = Vec::new();
    let ruleset = iptables::parse_save(&text, &mut diags);
    let mut facts = Facts::default();
    facts.network.iptables.push(Sourced {
        path: "iptables-save".into(),
        line_offset: 0,
        value: ruleset,
    });
    let mut group = c.benchmark_group("firewall_20k_rules");
    group.sample_size(10);
    group.bench_function("parse", |b| {
        b.iter(|| iptables::parse_save(black_box(&text), &mut Vec::new()))
    });
    group.bench_function("verdict_for_a_client", |b| {
        let client = Some("198.51.100.2".parse().expect("address"));
        b.iter(|| firewall::check(black_box(&facts), client, Some(22), None))
    });
    group.bench_function("verdict_for_any_client", |b| {
        b.iter(|| firewall::check(black_box(&facts), None, Some(22), None))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
