//! Long seed sweeps: `cargo run -p rsentinel-sim --release -- --seeds N [--sentinels K]
//! [--masters M] [--start S] [--threads T]`. Runs the seeds on every core (or T threads),
//! prints progress, seeds per second, every failing seed with how to replay it, and the
//! combined trace hash of the range (equal before and after a refactor that must not
//! change behaviour); exits with status 1 if any seed failed.
//!
//! `--converge` measures instead how long after the last fault each seed took to
//! converge (see [`rsentinel_sim::converge`]) and prints the distribution.

// The sweep reports its wall-clock speed; the simulation itself (the library) runs on
// virtual time only.
#![allow(clippy::disallowed_methods)]

use rsentinel_sim::converge::{measure, Convergence};
use rsentinel_sim::sweep::{default_threads, for_each_seed, sweep};
use rsentinel_sim::SimConfig;
use std::time::Instant;

/// A run allocates and frees small buffers for every message; mimalloc's thread-local
/// free lists cost about half of glibc's malloc here, and the allocator changes no
/// result (trace hashes are the same either way).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn usage() -> ! {
    eprintln!(
        "usage: rsentinel-sim [--seeds N] [--sentinels K] [--masters M] [--start S] [--threads T] [--converge]"
    );
    std::process::exit(2);
}

struct Args {
    seeds: u64,
    start: u64,
    threads: usize,
    converge: bool,
    cfg: SimConfig,
}

fn parse_args() -> Args {
    let (mut seeds, mut start, mut sentinels, mut masters) = (100u64, 0u64, 3usize, 1usize);
    let mut threads = default_threads();
    let mut converge = false;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--converge" {
            converge = true;
            continue;
        }
        let value = args.next().unwrap_or_else(|| usage());
        let parsed = value.parse::<u64>().unwrap_or_else(|_| usage());
        match flag.as_str() {
            "--seeds" => seeds = parsed,
            "--sentinels" => sentinels = parsed as usize,
            "--masters" => masters = parsed as usize,
            "--start" => start = parsed,
            "--threads" => threads = (parsed as usize).max(1),
            _ => usage(),
        }
    }
    let mut cfg = SimConfig::new(sentinels);
    cfg.masters = masters;
    if let Err(e) = cfg.validate() {
        eprintln!("rsentinel-sim: {e}");
        usage();
    }
    if start.checked_add(seeds).is_none() {
        usage();
    }
    Args {
        seeds,
        start,
        threads,
        converge,
        cfg,
    }
}

fn main() {
    let a = parse_args();
    if a.converge {
        return converge_report(&a);
    }
    let (sentinels, masters) = (a.cfg.sentinels, a.cfg.masters);
    let began = Instant::now();
    let mut last_report = Instant::now();
    let (mut done, mut failed) = (0u64, 0u64);
    let result = sweep(&a.cfg, a.start..a.start + a.seeds, a.threads, |o| {
        done += 1;
        if let Some(f) = &o.failure {
            failed += 1;
            println!("{f}");
        }
        if last_report.elapsed().as_secs() >= 10 {
            last_report = Instant::now();
            let rate = done as f64 / began.elapsed().as_secs_f64();
            println!(
                "{done}/{} seeds, {rate:.1} seeds/s, {failed} failed",
                a.seeds
            );
        }
    });
    let secs = began.elapsed().as_secs_f64();
    let kinds = &result.kinds;
    let summary: Vec<String> = kinds.iter().map(|(k, n)| format!("{k}={n}")).collect();
    println!("events over passing seeds: {}", summary.join(" "));
    let plural = if masters == 1 { "" } else { "s" };
    let failing = result.failing();
    println!(
        "{} seeds from {} with {sentinels} sentinels and {masters} master{plural} on {} threads in {secs:.1}s ({:.1} seeds/s); trace {:016x}; failing seeds: {failing:?}",
        a.seeds,
        a.start,
        a.threads,
        a.seeds as f64 / secs,
        result.trace(),
    );
    if !failing.is_empty() {
        std::process::exit(1);
    }
}

/// `--converge`: the distribution of convergence times over the range.
fn converge_report(a: &Args) {
    let began = Instant::now();
    let seeds = a.start..a.start + a.seeds;
    let results = for_each_seed(seeds, a.threads, |seed| measure(seed, &a.cfg), |_, _| {});
    let mut times: Vec<(u64, u64)> = Vec::new();
    for (seed, c) in &results {
        match c {
            Convergence::After(ms) => times.push((*ms, *seed)),
            Convergence::Never => {
                println!("seed {seed}: not converged by the end of the measurement")
            }
            Convergence::Failed(inv) => println!("seed {seed}: broke {inv} before converging"),
        }
    }
    times.sort_unstable();
    let at = |q: f64| {
        let i = ((times.len() as f64 * q).ceil() as usize).clamp(1, times.len().max(1)) - 1;
        times.get(i).map_or(0, |t| t.0)
    };
    let bound = a.cfg.settle_ms;
    let over = times.iter().filter(|t| t.0 > bound).count();
    println!(
        "{} seeds from {} with {} sentinels and {} masters in {:.1}s: converged after the last fault within median {} ms, p99 {} ms, p99.9 {} ms, max {} ms; {over} above the settle bound of {bound} ms",
        a.seeds,
        a.start,
        a.cfg.sentinels,
        a.cfg.masters,
        began.elapsed().as_secs_f64(),
        at(0.5),
        at(0.99),
        at(0.999),
        times.last().map_or(0, |t| t.0),
    );
    let slowest: Vec<String> = times
        .iter()
        .rev()
        .take(10)
        .map(|(ms, s)| format!("{s}:{ms}"))
        .collect();
    println!("slowest seeds (seed:ms): {}", slowest.join(" "));
}
