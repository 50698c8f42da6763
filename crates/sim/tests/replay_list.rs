//! Replays every seed listed in `replay_seeds.txt`: all the seeds that sweeps and soaks
//! ever found failing, each with its Sentinel and master counts. They must all pass.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failed test

use rsentinel_sim::{run, SimConfig};

/// `(seed, sentinels, masters)` for every line of the list that is not a comment.
fn listed() -> Vec<(u64, usize, usize)> {
    let mut seeds = Vec::new();
    for (n, line) in include_str!("replay_seeds.txt").lines().enumerate() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        let fields: Vec<u64> = line
            .split_whitespace()
            .map(|f| {
                f.parse()
                    .unwrap_or_else(|_| panic!("line {}: {line:?}", n + 1))
            })
            .collect();
        let [seed, sentinels, masters] = fields[..] else {
            panic!(
                "line {}: want `<seed> <sentinels> <masters>`: {line:?}",
                n + 1
            );
        };
        seeds.push((seed, sentinels as usize, masters as usize));
    }
    seeds
}

#[test]
fn every_listed_seed_passes() {
    let seeds = listed();
    // Guards against a parsing slip that would silently drop lines.
    assert!(seeds.len() >= 14, "{seeds:?}");
    let mut failures = Vec::new();
    for (seed, sentinels, masters) in seeds {
        if let Err(f) = run(seed, &SimConfig::with_masters(sentinels, masters)) {
            eprintln!("{f}");
            failures.push((seed, sentinels, masters));
        }
    }
    assert!(
        failures.is_empty(),
        "failing (seed, sentinels, masters): {failures:?}"
    );
}
