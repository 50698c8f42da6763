//! Many seeds at once: a seed range is shared out among worker threads (one per core by
//! default), each seed run on its own world exactly as [`run`] does alone, and the
//! outcomes gathered back in seed order. Seeds do not share anything, so a parallel
//! sweep gives the same verdicts and trace hashes as a serial one; only the order in
//! which failures are noticed differs.

use crate::config::SimConfig;
use crate::runner::{run, Failure};
use crate::trace::combine;
use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;

/// How one seed ended, without its event log (a sweep of 100,000 seeds cannot keep
/// them all).
#[derive(Clone, Debug)]
pub struct SeedOutcome {
    /// The seed.
    pub seed: u64,
    /// The run's fingerprint (see [`crate::trace`]).
    pub trace: u64,
    /// The broken invariant, if any.
    pub failure: Option<Failure>,
    /// How often each event kind (`+sdown`, `+switch-master`, ...) and fault occurred
    /// (emptied by [`sweep`] once added to [`SweepResult::kinds`], so that a long sweep
    /// does not keep one map per seed).
    pub kinds: BTreeMap<String, u64>,
}

/// What a sweep found, in seed order.
#[derive(Clone, Debug, Default)]
pub struct SweepResult {
    /// One entry per seed, sorted by seed.
    pub outcomes: Vec<SeedOutcome>,
    /// Event kinds summed over the passing seeds.
    pub kinds: BTreeMap<String, u64>,
}

impl SweepResult {
    /// The seeds that broke an invariant.
    pub fn failing(&self) -> Vec<u64> {
        self.outcomes
            .iter()
            .filter(|o| o.failure.is_some())
            .map(|o| o.seed)
            .collect()
    }

    /// The combined trace hash of the range (see [`crate::trace::combine`]).
    pub fn trace(&self) -> u64 {
        combine(self.outcomes.iter().map(|o| (o.seed, o.trace)))
    }
}

/// Runs one seed and keeps what a sweep reports about it.
pub fn run_seed(seed: u64, cfg: &SimConfig) -> SeedOutcome {
    match run(seed, cfg) {
        Ok(report) => {
            let mut kinds = BTreeMap::new();
            for line in &report.log {
                if let Some(kind) = line.split_whitespace().nth(2) {
                    *kinds.entry(kind.to_string()).or_insert(0) += 1;
                }
            }
            SeedOutcome {
                seed,
                trace: report.trace,
                failure: None,
                kinds,
            }
        }
        Err(f) => SeedOutcome {
            seed,
            trace: f.trace,
            failure: Some(f),
            kinds: BTreeMap::new(),
        },
    }
}

/// The number of threads to use by default: one per core the process may use.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Runs every seed of `seeds` on `threads` worker threads (at least one). `progress` is
/// called on the calling thread with each outcome as it arrives, in completion order
/// (for printing failures and rates as the sweep goes); the result is in seed order.
pub fn sweep(
    cfg: &SimConfig,
    seeds: Range<u64>,
    threads: usize,
    mut progress: impl FnMut(&SeedOutcome),
) -> SweepResult {
    let mut kinds = BTreeMap::new();
    let outcomes = for_each_seed(
        seeds,
        threads,
        |seed| run_seed(seed, cfg),
        |_, o| {
            progress(o);
            for (k, n) in std::mem::take(&mut o.kinds) {
                *kinds.entry(k).or_insert(0) += n;
            }
        },
    );
    SweepResult {
        outcomes: outcomes.into_iter().map(|(_, o)| o).collect(),
        kinds,
    }
}

/// `work(seed)` for every seed of `seeds` on `threads` worker threads (at least one),
/// with `progress` called on the calling thread as results arrive (it may trim them);
/// returns the results in seed order. Seeds are handed out one at a time from a shared
/// counter: run lengths vary a lot, so this keeps every thread busy until the end.
pub fn for_each_seed<T: Send>(
    seeds: Range<u64>,
    threads: usize,
    work: impl Fn(u64) -> T + Sync,
    mut progress: impl FnMut(u64, &mut T),
) -> Vec<(u64, T)> {
    let next = AtomicU64::new(seeds.start);
    let end = seeds.end;
    let (tx, rx) = mpsc::channel::<(u64, T)>();
    let mut results = Vec::with_capacity(end.saturating_sub(seeds.start) as usize);
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            let (tx, next, work) = (tx.clone(), &next, &work);
            scope.spawn(move || loop {
                let seed = next.fetch_add(1, Ordering::Relaxed);
                if seed >= end || tx.send((seed, work(seed))).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        for (seed, mut result) in rx {
            progress(seed, &mut result);
            results.push((seed, result));
        }
    });
    results.sort_by_key(|r| r.0);
    results
}

/// [`sweep`] without progress reports, printing each failure (with its replay line) to
/// standard error; returns the failing seeds in order.
pub fn failing_seeds(cfg: &SimConfig, seeds: Range<u64>) -> Vec<u64> {
    sweep(cfg, seeds, default_threads(), |o| {
        if let Some(f) = &o.failure {
            eprintln!("{f}");
        }
    })
    .failing()
}
