//! The seeded fault schedule: which faults a run gets, on what, when each starts and
//! heals. Every fault that lasts ends inside the fault window, so the run always
//! finishes with a healed deployment whose convergence can be checked. Applying them
//! is `faults.rs`'s.

use crate::config::SimConfig;
use crate::network::{Host, Time, T0};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::Rng;

/// What a fault does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// Redis instance `j` is down for the fault's duration.
    CrashRedis(usize),
    /// Sentinel `s` is down for the fault's duration.
    CrashSentinel(usize),
    /// Traffic from every host in `from` to every host in `to` is dropped, and back
    /// too unless `one_way`.
    Partition {
        /// One side.
        from: Vec<Host>,
        /// The other side.
        to: Vec<Host>,
        /// Only `from` to `to` is cut.
        one_way: bool,
    },
    /// Message delays grow.
    Slow,
    /// Sentinel `s`'s wall clock jumps by `delta_ms` (instantaneous, nothing to heal).
    ClockJump {
        /// Which Sentinel.
        s: usize,
        /// How far, possibly backwards.
        delta_ms: i64,
    },
    /// An operator sends `SENTINEL FAILOVER <master m>` to Sentinel `s` (instantaneous).
    ManualFailover {
        /// Which Sentinel.
        s: usize,
        /// Which master (its group in the layout).
        m: usize,
    },
}

/// One scheduled action: a fault starts or ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    /// When.
    pub at: Time,
    /// What.
    pub kind: FaultKind,
    /// Start (true) or heal (false).
    pub start: bool,
}

/// End of the fault window: every fault has healed by then.
pub fn window_end(cfg: &SimConfig) -> Time {
    T0 + cfg.warmup_ms + cfg.fault_window_ms
}

/// Draws the fault schedule for a run.
pub fn schedule(rng: &mut StdRng, cfg: &SimConfig) -> Vec<Fault> {
    let mix = &cfg.faults;
    let mut kinds: Vec<u8> = Vec::new();
    for (on, k) in [
        (mix.crash_redis, 0u8),
        (mix.crash_sentinel, 1),
        (mix.partitions, 2),
        (mix.one_way, 3),
        (mix.slow_net, 4),
        (mix.clock_jumps, 5),
        (mix.manual_failover, 6),
    ] {
        if on {
            kinds.push(k);
        }
    }
    let mut out = Vec::new();
    if kinds.is_empty() || cfg.fault_window_ms == 0 {
        return out;
    }
    let start_min = T0 + cfg.warmup_ms;
    let end = window_end(cfg);
    let redis = crate::layout::Layout::new(cfg.masters, cfg.replicas).redis();
    let hosts: Vec<Host> = (0..redis)
        .map(Host::Redis)
        .chain((0..cfg.sentinels).map(Host::Sentinel))
        .collect();
    for _ in 0..mix.count {
        let at = rng.gen_range(start_min..end);
        let dur = rng.gen_range(cfg.fault_ms.0..=cfg.fault_ms.1.max(cfg.fault_ms.0));
        let heal = (at + dur).min(end);
        let kind = match kinds.choose(rng).copied().unwrap_or(4) {
            0 => FaultKind::CrashRedis(rng.gen_range(0..redis)),
            1 => FaultKind::CrashSentinel(rng.gen_range(0..cfg.sentinels)),
            k @ (2 | 3) => {
                let (from, to) = split(rng, &hosts);
                FaultKind::Partition {
                    from,
                    to,
                    one_way: k == 3,
                }
            }
            6 => {
                out.push(Fault {
                    at,
                    kind: FaultKind::ManualFailover {
                        s: rng.gen_range(0..cfg.sentinels),
                        m: rng.gen_range(0..cfg.masters),
                    },
                    start: true,
                });
                continue;
            }
            5 => {
                let mag = rng.gen_range(3_000..20_000i64);
                let delta_ms = if rng.gen_bool(0.5) { mag } else { -mag };
                out.push(Fault {
                    at,
                    kind: FaultKind::ClockJump {
                        s: rng.gen_range(0..cfg.sentinels),
                        delta_ms,
                    },
                    start: true,
                });
                continue;
            }
            _ => FaultKind::Slow,
        };
        out.push(Fault {
            at,
            kind: kind.clone(),
            start: true,
        });
        out.push(Fault {
            at: heal,
            kind,
            start: false,
        });
    }
    out.sort_by_key(|f| f.at);
    out
}

/// Either one host isolated from all others, or a random split into two sides.
fn split(rng: &mut StdRng, hosts: &[Host]) -> (Vec<Host>, Vec<Host>) {
    if rng.gen_bool(0.5) {
        let i = rng.gen_range(0..hosts.len());
        let rest = hosts.iter().copied().filter(|h| *h != hosts[i]).collect();
        return (vec![hosts[i]], rest);
    }
    loop {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for h in hosts {
            if rng.gen_bool(0.5) {
                a.push(*h);
            } else {
                b.push(*h);
            }
        }
        if !a.is_empty() && !b.is_empty() {
            return (a, b);
        }
    }
}

pub(crate) fn describe(kind: &FaultKind) -> String {
    let list = |v: &[Host]| v.iter().map(|h| h.addr()).collect::<Vec<_>>().join(",");
    match kind {
        FaultKind::CrashRedis(j) => format!("crash redis {}", Host::Redis(*j).addr()),
        FaultKind::CrashSentinel(s) => format!("crash sentinel s{s}"),
        FaultKind::Partition { from, to, one_way } => format!(
            "partition{} [{}] {} [{}]",
            if *one_way { " one-way" } else { "" },
            list(from),
            if *one_way { "->" } else { "<->" },
            list(to)
        ),
        FaultKind::Slow => "slow network".to_string(),
        FaultKind::ClockJump { s, delta_ms } => format!("clock jump s{s} {delta_ms:+}ms"),
        FaultKind::ManualFailover { s, m } => format!("SENTINEL FAILOVER master #{m} to s{s}"),
    }
}
