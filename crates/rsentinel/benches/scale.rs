//! Scale and throughput, side by side: every row of docs/performance.md's "Scale and
//! throughput" table measured on rsentinel and, when installed, on redis-sentinel
//! (`REDIS_SENTINEL`, default /usr/bin/redis-sentinel), interleaved in one run (the
//! order alternates between rounds), so machine load hits both alike. Prints the median,
//! the spread (min-max) and the rsentinel/redis ratio of each row. It asserts nothing.
//!
//! `cargo bench -p rsentinel --bench scale [-- ROW... --rounds N --window SECS]`
//! ROW picks rows by name prefix: scale-100 scale-500 scale-500x3 scale-2000 p16-getmaster
//! p16-masters p16-ping c50-getmaster c500-getmaster fanout (default: all but scale-2000,
//! which starts 4000 redis-servers and needs ~12 GB).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failed test

#[path = "scale/clients.rs"]
mod clients;
#[path = "../tests/common/mod.rs"]
mod common;
#[path = "scale/fleet.rs"]
mod fleet;

use common::Sentinel;
use std::time::Duration;

/// Samples of one figure for each binary.
#[derive(Default)]
struct Samples {
    ours: Vec<f64>,
    theirs: Vec<f64>,
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    match s.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => s[n / 2],
        n => (s[n / 2 - 1] + s[n / 2]) / 2.0,
    }
}

fn cell(v: &[f64], unit: &str) -> String {
    if v.is_empty() {
        return "-".into();
    }
    let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    format!("{} {unit} ({}-{})", fmt(median(v)), fmt(lo), fmt(hi))
}

fn fmt(x: f64) -> String {
    match x.abs() {
        a if a >= 100_000.0 => format!("{:.0}k", x / 1000.0),
        a if a >= 100.0 => format!("{x:.0}"),
        a if a >= 10.0 => format!("{x:.1}"),
        _ => format!("{x:.2}"),
    }
}

fn report(name: &str, unit: &str, s: &Samples) {
    let ratio = median(&s.ours) / median(&s.theirs);
    println!(
        "| {name} | {} | {} | {} |",
        cell(&s.ours, unit),
        cell(&s.theirs, unit),
        if ratio.is_finite() {
            format!("{ratio:.2}x")
        } else {
            "-".into()
        }
    );
}

struct Opts {
    rows: Vec<String>,
    rounds: usize,
    window: Duration,
}

impl Opts {
    fn parse() -> Opts {
        let mut rows = Vec::new();
        let (mut rounds, mut window) = (3, Duration::from_secs(10));
        let mut args = std::env::args().skip(1);
        while let Some(a) = args.next() {
            match a.as_str() {
                "--rounds" => rounds = args.next().and_then(|v| v.parse().ok()).unwrap_or(3),
                "--window" => {
                    let secs = args.next().and_then(|v| v.parse().ok()).unwrap_or(10);
                    window = Duration::from_secs(secs);
                }
                flag if flag.starts_with("--") => {}
                row => rows.push(row.to_string()),
            }
        }
        Opts {
            rows,
            rounds,
            window,
        }
    }

    fn wants(&self, row: &str) -> bool {
        if self.rows.is_empty() {
            return row != "scale-2000";
        }
        self.rows
            .iter()
            .any(|r| row == r || (row.starts_with(r) && !r.starts_with("scale-")))
    }
}

/// The binaries to compare, in the order of round `r` (alternating).
fn order(bins: &[(&'static str, String)], r: usize) -> Vec<(usize, String)> {
    let mut v: Vec<(usize, String)> = bins.iter().map(|(_, p)| p.clone()).enumerate().collect();
    if r % 2 == 1 {
        v.reverse();
    }
    v
}

fn push(s: &mut Samples, which: usize, x: f64) {
    if which == 0 {
        s.ours.push(x);
    } else {
        s.theirs.push(x);
    }
}

fn scale_rows(o: &Opts, bins: &[(&'static str, String)]) {
    for k in [100usize, 500, 2000] {
        let single = o.wants(&format!("scale-{k}"));
        let triple = k == 500 && o.wants("scale-500x3");
        if !single && !triple {
            continue;
        }
        eprintln!("starting {k} masters and {k} replicas...");
        let fleet = fleet::Fleet::start(k);
        for (n, wanted) in [(1usize, single), (3, triple)] {
            if !wanted {
                continue;
            }
            let (mut cpu, mut kernel, mut switched, mut rss, mut peak, mut disc) =
                Default::default();
            for r in 0..o.rounds {
                for (which, path) in order(bins, r) {
                    std::env::set_var("SENTINEL_BIN", &path);
                    eprintln!("  K={k} x{n} round {r}: {path}");
                    if let Some(f) = fleet::measure(&fleet, n, o.window) {
                        push(&mut cpu, which, f.cpu_pct);
                        push(&mut kernel, which, f.kernel_pct);
                        push(&mut switched, which, f.switches_per_s);
                        push(&mut rss, which, f.rss_mb);
                        push(&mut peak, which, f.peak_rss_mb);
                        push(&mut disc, which, f.discovery_s);
                    }
                }
            }
            let label = if n == 1 {
                format!("K = {k}")
            } else {
                format!("K = {k}, {n} sentinels (each)")
            };
            report(&format!("{label}: CPU"), "%", &cpu);
            report(&format!("{label}: of it in the kernel"), "%", &kernel);
            report(&format!("{label}: context switches"), "/s", &switched);
            report(&format!("{label}: RSS"), "MB", &rss);
            report(&format!("{label}: peak RSS"), "MB", &peak);
            report(&format!("{label}: discovery"), "s", &disc);
        }
    }
}

type BenchRow = (&'static str, u32, u32, u64, &'static [&'static str]);

fn throughput_rows(o: &Opts, bins: &[(&'static str, String)]) {
    let rows: &[BenchRow] = &[
        (
            "p16-getmaster",
            50,
            16,
            4_000_000,
            &["SENTINEL", "get-master-addr-by-name", "m"],
        ),
        ("p16-masters", 50, 16, 1_000_000, &["SENTINEL", "MASTERS"]),
        ("p16-ping", 50, 16, 4_000_000, &["PING"]),
        (
            "c50-getmaster",
            50,
            1,
            300_000,
            &["SENTINEL", "get-master-addr-by-name", "m"],
        ),
        (
            "c500-getmaster",
            500,
            1,
            300_000,
            &["SENTINEL", "get-master-addr-by-name", "m"],
        ),
    ];
    let picked: Vec<&BenchRow> = rows.iter().filter(|r| o.wants(r.0)).collect();
    if picked.is_empty() {
        return;
    }
    let master = common::RedisServer::start();
    let conf = format!("sentinel monitor m 127.0.0.1 {} 2\n", master.port);
    let sentinels: Vec<Sentinel> = bins
        .iter()
        .map(|(_, path)| {
            std::env::set_var("SENTINEL_BIN", path);
            Sentinel::start(&conf, &[])
        })
        .collect();
    for (_, c, p, n, cmd) in picked {
        let (mut rps, mut p99, mut cpu, mut per_req, mut kernel, mut client) = Default::default();
        for r in 0..o.rounds {
            for (which, _) in order(bins, r) {
                let t = clients::bench(&sentinels[which], *c, *p, *n, cmd);
                push(&mut rps, which, t.rps);
                push(&mut p99, which, t.p99_ms);
                push(&mut cpu, which, t.cpu_pct);
                push(&mut per_req, which, t.cpu_us_per_req);
                push(&mut kernel, which, t.kernel_us_per_req);
                push(&mut client, which, t.client_cpu_pct);
            }
        }
        let what = format!("-c {c} -P {p} {}", cmd.join(" "));
        report(&format!("{what}: throughput"), "req/s", &rps);
        report(&format!("{what}: p99"), "ms", &p99);
        report(&format!("{what}: sentinel CPU"), "%", &cpu);
        report(&format!("{what}: sentinel CPU per request"), "us", &per_req);
        report(&format!("{what}: of it in the kernel"), "us", &kernel);
        report(&format!("{what}: client CPU"), "%", &client);
    }
}

fn fanout_row(o: &Opts, bins: &[(&'static str, String)]) {
    if !o.wants("fanout") {
        return;
    }
    let mut spread = Samples::default();
    for r in 0..o.rounds {
        for (which, path) in order(bins, r) {
            std::env::set_var("SENTINEL_BIN", &path);
            if let Some(ms) = clients::fanout(2000) {
                push(&mut spread, which, ms);
            }
        }
    }
    report(
        "+switch-master to 2000 subscribers, first to last",
        "ms",
        &spread,
    );
}

fn main() {
    let o = Opts::parse();
    let ours = env!("CARGO_BIN_EXE_rsentinel").to_string();
    let theirs =
        std::env::var("REDIS_SENTINEL").unwrap_or_else(|_| "/usr/bin/redis-sentinel".into());
    let mut bins = vec![("rsentinel", ours)];
    if std::path::Path::new(&theirs).exists() {
        bins.push(("redis-sentinel", theirs));
    } else {
        println!("({theirs} not installed: rsentinel only)");
    }
    println!(
        "rounds {}, CPU window {:?}; median (min-max) over rounds",
        o.rounds, o.window
    );
    println!("| row | rsentinel | redis-sentinel | ratio |");
    println!("|---|---|---|---|");
    scale_rows(&o, &bins);
    throughput_rows(&o, &bins);
    fanout_row(&o, &bins);
}
