//! Long seed sweeps: `cargo run -p rsentinel-sim --release -- --seeds N [--sentinels K]
//! [--masters M] [--start S]`. Prints progress, seeds per second, and every failing seed
//! with how to replay it; exits with status 1 if any seed failed.

use rsentinel_sim::{run, SimConfig};
use std::collections::BTreeMap;
use std::time::Instant;

fn usage() -> ! {
    eprintln!("usage: rsentinel-sim [--seeds N] [--sentinels K] [--masters M] [--start S]");
    std::process::exit(2);
}

fn main() {
    let mut seeds = 100u64;
    let mut sentinels = 3usize;
    let mut masters = 1usize;
    let mut start = 0u64;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().unwrap_or_else(|| usage());
        let parsed = value.parse::<u64>().unwrap_or_else(|_| usage());
        match flag.as_str() {
            "--seeds" => seeds = parsed,
            "--sentinels" => sentinels = parsed as usize,
            "--masters" => masters = parsed as usize,
            "--start" => start = parsed,
            _ => usage(),
        }
    }
    let mut cfg = SimConfig::new(sentinels);
    cfg.masters = masters;
    if let Err(e) = cfg.validate() {
        eprintln!("rsentinel-sim: {e}");
        usage();
    }
    let began = Instant::now();
    let mut failed = Vec::new();
    let mut next_report = 100;
    // How often each event kind occurred over the sweep: shows what the faults reached.
    let mut kinds: BTreeMap<String, u64> = BTreeMap::new();
    for seed in start..start + seeds {
        match run(seed, &cfg) {
            Ok(report) => {
                for line in &report.log {
                    if let Some(kind) = line.split_whitespace().nth(2) {
                        *kinds.entry(kind.to_string()).or_insert(0) += 1;
                    }
                }
            }
            Err(f) => {
                println!("{f}");
                failed.push(seed);
            }
        }
        let done = seed - start + 1;
        if done >= next_report {
            next_report += 100;
            let rate = done as f64 / began.elapsed().as_secs_f64();
            println!("{done} seeds, {rate:.1} seeds/s, {} failed", failed.len());
        }
    }
    let secs = began.elapsed().as_secs_f64();
    let summary: Vec<String> = kinds.iter().map(|(k, n)| format!("{k}={n}")).collect();
    println!("events over passing seeds: {}", summary.join(" "));
    let plural = if masters == 1 { "" } else { "s" };
    println!(
        "{seeds} seeds with {sentinels} sentinels and {masters} master{plural} in {secs:.1}s ({:.1} seeds/s); failing seeds: {failed:?}",
        seeds as f64 / secs
    );
    if !failed.is_empty() {
        std::process::exit(1);
    }
}
