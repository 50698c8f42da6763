//! Several masters monitored by the same Sentinels: seed sweeps, determinism, a failover
//! confined to its own group, and the cross-group check firing through the world.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failed test

use rsentinel_sim::fault_plan::Fault;
use rsentinel_sim::network::Host;
use rsentinel_sim::redis::Role;
use rsentinel_sim::world::{Ev, World, T0};
use rsentinel_sim::{failing_seeds, run, FaultKind, FaultMix, SimConfig};

fn config(sentinels: usize, masters: usize) -> SimConfig {
    SimConfig::with_masters(sentinels, masters)
}

/// Runs `seeds` and panics listing every failure.
fn sweep(sentinels: usize, masters: usize, seeds: std::ops::Range<u64>) {
    let failures = failing_seeds(&config(sentinels, masters), seeds);
    assert!(
        failures.is_empty(),
        "failing seeds with {sentinels} sentinels and {masters} masters: {failures:?}"
    );
}

// About 4 s each in a debug build (a run with three masters costs about three with one);
// `cargo run --release -p rsentinel-sim -- --masters 3 --seeds N` runs long sweeps.

#[test]
fn sweep_3_masters_3_sentinels_part_1() {
    sweep(3, 3, 30_000..30_020);
}

#[test]
fn sweep_3_masters_3_sentinels_part_2() {
    sweep(3, 3, 30_020..30_040);
}

#[test]
fn sweep_2_masters_5_sentinels() {
    sweep(5, 2, 40_000..40_010);
}

#[test]
fn same_multi_master_seed_same_event_log() {
    let cfg = config(3, 3);
    let a = run(5, &cfg).map_err(|f| f.to_string());
    let b = run(5, &cfg).map_err(|f| f.to_string());
    let (Ok(a), Ok(b)) = (a, b) else {
        panic!("seed 5 with three masters must pass");
    };
    assert_eq!(a.log.join("\n"), b.log.join("\n"));
    assert_eq!(a.stats, b.stats);
    for name in ["mymaster", "master2", "master3"] {
        let monitor = format!("+monitor master {name} ");
        let who: std::collections::BTreeSet<&str> = a
            .log
            .iter()
            .filter(|l| l.contains(&monitor))
            .filter_map(|l| l.split_whitespace().nth(1))
            .collect();
        assert_eq!(who.len(), 3, "every Sentinel monitors {name}: {who:?}");
    }
    let one = run(5, &SimConfig::new(3)).map_err(|f| f.to_string());
    assert!(
        one.is_ok_and(|one| one.log != a.log),
        "masters change the run"
    );
}

#[test]
fn fault_free_multi_master_run_discovers_everyone_per_master() {
    let mut cfg = config(3, 3);
    cfg.faults = FaultMix::none();
    let report = run(2, &cfg).unwrap_or_else(|f| panic!("{f}"));
    let log = report.log.join("\n");
    assert!(!log.contains("+sdown"), "{log}");
    // Each Sentinel adds the two others under each of the three masters.
    assert_eq!(log.matches("+sentinel sentinel").count(), 18, "{log}");
    for (name, replica) in [("master2", "10.0.0.5:6379"), ("master3", "10.0.0.9:6379")] {
        let found = format!("+slave slave {replica} ");
        assert!(
            report
                .log
                .iter()
                .any(|l| l.contains(&found) && l.contains(&format!("@ {name} "))),
            "{replica} found under {name}: {log}"
        );
    }
}

/// A world with three masters and no drawn faults, plus `extra` faults.
fn world_with(seed: u64, extra: &[Fault]) -> World {
    let mut cfg = config(3, 3);
    cfg.faults = FaultMix::none();
    let mut w = World::new(seed, &cfg);
    for f in extra {
        w.faults.push(f.clone());
        let i = w.faults.len() - 1;
        w.schedule(f.at, Ev::Fault(i));
    }
    w
}

/// master2's master (instance 3) is down for 30 s: only master2 fails over, to one of
/// its own replicas, and the old master comes back as their replica.
#[test]
fn a_failover_stays_in_its_group() {
    let crash = |at, start| Fault {
        at,
        kind: FaultKind::CrashRedis(3),
        start,
    };
    let mut w = world_with(4, &[crash(T0 + 10_000, true), crash(T0 + 40_000, false)]);
    w.run_until(T0 + 100_000)
        .unwrap_or_else(|v| panic!("{v:?}"));
    w.converged().unwrap_or_else(|v| panic!("{v:?}"));
    let switches: Vec<&String> = w
        .log
        .iter()
        .filter(|l| l.contains("+switch-master"))
        .collect();
    assert!(!switches.is_empty(), "{:#?}", w.log);
    for l in &switches {
        let to_own = l.contains("10.0.0.5 6379") || l.contains("10.0.0.6 6379");
        assert!(
            l.contains("+switch-master master2 10.0.0.4 6379 ") && to_own,
            "{l}"
        );
    }
    assert!(w.log.iter().any(|l| l.contains("+odown master master2")));
}

/// An instance made to replicate from another group is reported by the world at its
/// next replication check (here a slow-network fault), as a Sentinel's SLAVEOF would be.
#[test]
fn cross_group_replication_is_reported() {
    let slow = Fault {
        at: T0 + 6_000,
        kind: FaultKind::Slow,
        start: true,
    };
    let mut w = world_with(6, &[slow]);
    w.run_until(T0 + 5_000).unwrap_or_else(|v| panic!("{v:?}"));
    w.redis[4].role = Role::Replica {
        host: Host::Redis(0).ip(),
        port: Host::Redis(0).port(),
    };
    let v = w.run_until(T0 + 7_000).err();
    assert_eq!(v.map(|v| v.invariant), Some("no-cross-group-replication"));
}
