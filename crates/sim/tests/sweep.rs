//! Seed sweeps over whole simulated deployments, determinism (also of parallel sweeps
//! and of the trace hash), and the replay entry point for a failing seed (`SIM_SEED=<n> [SIM_SENTINELS=<k>] [SIM_MASTERS=<m>] cargo
//! test -p rsentinel-sim replay -- --nocapture`). Several masters: `multi.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failed test

use rsentinel_sim::{failing_seeds, run, FaultMix, SimConfig};

/// Runs `seeds` seeds with `sentinels` Sentinels and panics listing every failure.
fn sweep(sentinels: usize, seeds: std::ops::Range<u64>) {
    let failures = failing_seeds(&SimConfig::new(sentinels), seeds);
    assert!(
        failures.is_empty(),
        "failing seeds with {sentinels} sentinels: {failures:?}"
    );
}

// The sweep is split so the test harness runs the parts in parallel; sized to about
// 10 s of wall time on two cores in a debug build (`cargo run --release -p
// rsentinel-sim -- --seeds N` runs long sweeps at ~100 seeds/s for 3 Sentinels).

#[test]
fn sweep_3_sentinels_part_1() {
    sweep(3, 0..70);
}

#[test]
fn sweep_3_sentinels_part_2() {
    sweep(3, 70..140);
}

#[test]
fn sweep_5_sentinels_part_1() {
    sweep(5, 10_000..10_030);
}

#[test]
fn sweep_5_sentinels_part_2() {
    sweep(5, 10_030..10_060);
}

#[test]
fn sweep_7_sentinels() {
    sweep(7, 20_000..20_010);
}

/// A parallel sweep gives exactly the serial verdicts and trace hashes, seed by seed,
/// and so the same combined hash.
#[test]
fn parallel_sweep_equals_serial() {
    let cfg = SimConfig::new(3);
    let seeds = 200..208;
    let serial: Vec<(u64, u64, bool)> = seeds
        .clone()
        .map(|seed| match run(seed, &cfg) {
            Ok(r) => (seed, r.trace, true),
            Err(f) => (seed, f.trace, false),
        })
        .collect();
    let one = rsentinel_sim::sweep(&cfg, seeds.clone(), 1, |_| {});
    let four = rsentinel_sim::sweep(&cfg, seeds, 4, |_| {});
    for result in [&one, &four] {
        let got: Vec<(u64, u64, bool)> = result
            .outcomes
            .iter()
            .map(|o| (o.seed, o.trace, o.failure.is_none()))
            .collect();
        assert_eq!(got, serial);
    }
    assert_eq!(one.trace(), four.trace());
    assert_eq!(one.kinds, four.kinds);
}

/// The trace hash is a function of the run: same seed, same hash; another seed or
/// another deployment, another hash.
#[test]
fn trace_hash_follows_the_run() {
    let trace = |seed, cfg: &SimConfig| match run(seed, cfg) {
        Ok(r) => r.trace,
        Err(f) => panic!("{f}"),
    };
    let cfg = SimConfig::new(3);
    assert_eq!(trace(9, &cfg), trace(9, &cfg));
    assert_ne!(trace(9, &cfg), trace(10, &cfg));
    assert_ne!(trace(9, &cfg), trace(9, &SimConfig::new(5)));
}

#[test]
fn same_seed_same_event_log() {
    let cfg = SimConfig::new(3);
    let a = run(7, &cfg).map_err(|f| f.to_string());
    let b = run(7, &cfg).map_err(|f| f.to_string());
    let (Ok(a), Ok(b)) = (a, b) else {
        panic!("seed 7 must pass");
    };
    assert_eq!(a.log.join("\n"), b.log.join("\n"));
    assert_eq!(a.stats, b.stats);
    let c = run(8, &cfg).map_err(|f| f.to_string());
    assert!(c.is_ok_and(|c| c.log != a.log), "another seed, another run");
}

#[test]
fn fault_free_run_discovers_everyone_without_sdown() {
    let mut cfg = SimConfig::new(5);
    cfg.faults = FaultMix::none();
    let report = run(1, &cfg).unwrap_or_else(|f| panic!("{f}"));
    let log = report.log.join("\n");
    assert!(!log.contains("+sdown"), "{log}");
    // Each Sentinel adds the four others.
    assert_eq!(log.matches("+sentinel sentinel").count(), 20, "{log}");
}

#[test]
fn master_crash_is_detected_and_agreed() {
    let mut cfg = SimConfig::new(3);
    cfg.faults = FaultMix {
        count: 1,
        ..FaultMix::none()
    };
    cfg.faults.crash_redis = true;
    cfg.replicas = 0;
    cfg.fault_ms = (15_000, 15_000);
    let report = run(3, &cfg).unwrap_or_else(|f| panic!("{f}"));
    let log = report.log.join("\n");
    assert!(
        log.contains("+odown master mymaster 10.0.0.1 6379"),
        "{log}"
    );
    assert!(
        log.contains("-sdown master mymaster 10.0.0.1 6379"),
        "{log}"
    );
}

/// Every clock jump, forwards or backwards, puts that Sentinel in TILT at its next
/// timer run, and TILT ends before the run does.
#[test]
fn clock_jumps_cause_tilt() {
    let mut cfg = SimConfig::new(3);
    cfg.faults = FaultMix {
        count: 3,
        ..FaultMix::none()
    };
    cfg.faults.clock_jumps = true;
    let (mut forward, mut backward) = (0, 0);
    for seed in 0..4 {
        let report = run(seed, &cfg).unwrap_or_else(|f| panic!("{f}"));
        let log = &report.log;
        for (i, line) in log.iter().enumerate() {
            let Some(rest) = line.split(" fault clock jump ").nth(1) else {
                continue;
            };
            let who = rest.split(' ').next().unwrap_or_default();
            if rest.contains(" -") {
                backward += 1;
            } else {
                forward += 1;
            }
            let tilted = log[i..]
                .iter()
                .take(20)
                .any(|l| l.contains(&format!(" {who} +tilt")));
            assert!(
                tilted,
                "seed {seed}: no +tilt after `{line}`:\n{}",
                log.join("\n")
            );
        }
    }
    assert!(
        forward > 0 && backward > 0,
        "{forward} forward, {backward} backward"
    );
}

/// The config file is rewritten as redis does and a restarted Sentinel is rebuilt from
/// that text: same run id, same known Sentinels and replicas.
#[test]
fn restarted_sentinel_reloads_its_rewritten_file() {
    use rsentinel_sim::world::{World, T0};
    let mut cfg = SimConfig::new(3);
    cfg.faults = FaultMix::none();
    let mut w = World::new(11, &cfg);
    w.run_until(T0 + 10_000).unwrap_or_else(|v| panic!("{v:?}"));
    // The file as the last flush left it on disk (the simulator writes it when it is
    // read).
    w.write_config_file(0);
    let file = w.sentinels[0].file.clone();
    for want in [
        "sentinel myid ",
        "sentinel known-sentinel mymaster 10.0.0.10",
        "sentinel known-replica mymaster 10.0.0.2 6379",
        "# Generated by CONFIG REWRITE",
    ] {
        assert!(file.contains(want), "{want:?} in:\n{file}");
    }
    let before = w.sentinels[0].core.as_ref().map(|c| c.myid().to_string());
    w.crash_sentinel(0);
    assert!(w.sentinels[0].core.is_none());
    w.start_sentinel(0);
    let core = w.sentinels[0]
        .core
        .as_ref()
        .unwrap_or_else(|| panic!("restarted"));
    assert_eq!(Some(core.myid().to_string()), before);
    let m = core
        .master("mymaster")
        .unwrap_or_else(|| panic!("master kept"));
    assert_eq!((m.sentinels.len(), m.replicas.len()), (2, 2));
    w.run_until(T0 + 20_000).unwrap_or_else(|v| panic!("{v:?}"));
}

/// Replays one seed with its whole event log: `SIM_SEED=<n>`, optionally
/// `SIM_SENTINELS=<k>` (default 3) and `SIM_MASTERS=<m>` (default 1). Without
/// `SIM_SEED` it does nothing.
#[test]
fn replay() {
    let var = |name: &str| std::env::var(name).ok().and_then(|s| s.parse::<u64>().ok());
    let Some(seed) = var("SIM_SEED") else {
        return;
    };
    let mut cfg = SimConfig::new(var("SIM_SENTINELS").unwrap_or(3) as usize);
    cfg.masters = var("SIM_MASTERS").unwrap_or(1) as usize;
    match run(seed, &cfg) {
        Ok(report) => {
            for l in &report.log {
                println!("{l}");
            }
            println!("seed {seed} passed: {:?}", report.stats);
        }
        Err(f) => {
            for l in &f.log {
                println!("{l}");
            }
            panic!("{f}");
        }
    }
}

/// Operators' `SENTINEL FAILOVER`s on a healthy deployment (with slow-network periods):
/// every seed keeps every invariant, including that a master demoted while its writes
/// are paused had nothing its successor lacked (`switchover-no-lost-write`), and the
/// sweep does go through the zero-loss path.
#[test]
fn planned_switchovers_lose_no_write() {
    for (sentinels, masters, seeds) in [(3, 1, 30_000..30_060), (5, 2, 31_000..31_020)] {
        let cfg = SimConfig {
            faults: FaultMix::planned_switchovers(3),
            ..SimConfig::with_masters(sentinels, masters)
        };
        let mut completed = 0;
        for seed in seeds {
            let report = run(seed, &cfg).unwrap_or_else(|f| panic!("{f}"));
            completed += report
                .log
                .iter()
                .filter(|l| l.contains("old master now replicates from"))
                .count();
        }
        assert!(
            completed > 0,
            "no planned switchover completed with {sentinels} sentinels"
        );
    }
}

/// Seed 524 with operators' `SENTINEL FAILOVER`s among every other fault: a Sentinel
/// crashed right after the command and came back from a file with the older epoch
/// (`epoch-monotonic`), until the forced failover saved its epoch before acting.
#[test]
fn forced_failover_epoch_survives_a_crash() {
    let cfg = SimConfig {
        faults: FaultMix {
            manual_failover: true,
            ..FaultMix::all(4)
        },
        ..SimConfig::new(3)
    };
    if let Err(f) = run(524, &cfg) {
        panic!("{f}");
    }
}
