//! The seeded fault schedule and how each fault is applied: crashes and restarts of
//! redis instances and Sentinels, partitions (symmetric or one-way) and their heals,
//! slow-network periods (more delay, so more reordering across connections), and clock
//! jumps on one Sentinel. Every fault that lasts ends inside the fault window, so the
//! run always finishes with a healed deployment whose convergence can be checked.

use crate::network::{Host, Time};
use crate::runner::SimConfig;
use crate::world::{hex40, World, T0};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::Rng;

/// Which kinds of faults a run may draw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultMix {
    /// How many faults to draw.
    pub count: usize,
    /// Crash and later restart redis instances.
    pub crash_redis: bool,
    /// Crash and later restart Sentinels (rebuilt from their config file).
    pub crash_sentinel: bool,
    /// Partitions that cut both directions.
    pub partitions: bool,
    /// Partitions that cut one direction only.
    pub one_way: bool,
    /// Slow-network periods.
    pub slow_net: bool,
    /// Wall-clock jumps on one Sentinel (forward or back), which must cause TILT.
    pub clock_jumps: bool,
    /// An operator's `SENTINEL FAILOVER` to one Sentinel (the planned switchover).
    pub manual_failover: bool,
}

impl FaultMix {
    /// Every kind of fault, `count` of them, except operators' `SENTINEL FAILOVER`s:
    /// those force a failover without agreement (as in redis), so one that meets an
    /// ODOWN failover of the same master can make two leaders in one epoch, a known
    /// limit that [`FaultMix::planned_switchovers`] keeps out of its runs.
    pub fn all(count: usize) -> FaultMix {
        FaultMix {
            count,
            crash_redis: true,
            crash_sentinel: true,
            partitions: true,
            one_way: true,
            slow_net: true,
            clock_jumps: true,
            manual_failover: false,
        }
    }

    /// `count` operators' `SENTINEL FAILOVER`s on a healthy deployment, with slow
    /// network periods: the zero-loss planned switchover, its fallback when the
    /// replica lags, and its promise (no acknowledged write lost).
    pub fn planned_switchovers(count: usize) -> FaultMix {
        FaultMix {
            count,
            slow_net: true,
            manual_failover: true,
            ..FaultMix::none()
        }
    }

    /// No faults at all.
    pub fn none() -> FaultMix {
        FaultMix {
            count: 0,
            crash_redis: false,
            crash_sentinel: false,
            partitions: false,
            one_way: false,
            slow_net: false,
            clock_jumps: false,
            manual_failover: false,
        }
    }
}

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

fn describe(kind: &FaultKind) -> String {
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

impl World {
    /// Applies action `i` of the schedule.
    pub(crate) fn apply_fault(&mut self, i: usize) {
        let Some(f) = self.faults.get(i).cloned() else {
            return;
        };
        self.stats.fault_actions += 1;
        let verb = if f.start { "fault" } else { "heal " };
        self.note(verb, &describe(&f.kind));
        match f.kind {
            FaultKind::CrashRedis(j) => self.crash_redis(j, f.start),
            FaultKind::CrashSentinel(s) => {
                let node = &mut self.sentinels[s];
                if f.start {
                    node.down += 1;
                    self.crash_sentinel(s);
                } else {
                    node.down = node.down.saturating_sub(1);
                    if node.down == 0 && node.core.is_none() {
                        self.start_sentinel(s);
                    }
                }
            }
            FaultKind::Partition { from, to, one_way } => {
                for &a in &from {
                    for &b in &to {
                        for (x, y) in [(a, b), (b, a)]
                            .into_iter()
                            .take(if one_way { 1 } else { 2 })
                        {
                            if f.start {
                                self.net.cut(x, y);
                            } else {
                                self.net.heal(x, y);
                            }
                        }
                    }
                }
                if !f.start {
                    self.resume_stalled();
                }
            }
            FaultKind::Slow => self.net.set_slow(f.start),
            FaultKind::ClockJump { s, delta_ms } => self.sentinels[s].clock_offset += delta_ms,
            FaultKind::ManualFailover { s, m } => self.manual_failover(s, m),
        }
        self.update_replication();
        self.update_reach();
    }

    /// `SENTINEL FAILOVER` from an operator's client to Sentinel `s`; its reply goes to
    /// the event log.
    fn manual_failover(&mut self, s: usize, m: usize) {
        let name = self.layout.name(m);
        let now = self.local_now(s);
        let Some(core) = self.sentinels[s].core.as_mut() else {
            return;
        };
        let args = [
            bytes::Bytes::from_static(b"failover"),
            bytes::Bytes::copy_from_slice(name.as_bytes()),
        ];
        let reply = match crate::command::sentinel_command(core, now, &args).into_frame(true) {
            rsentinel_resp::Frame::Simple(t) => t.to_string(),
            rsentinel_resp::Frame::Error(e) => format!("-{e}"),
            other => format!("{other:?}"),
        };
        self.note(
            &format!("s{s}"),
            &format!("SENTINEL FAILOVER {name}: {reply}"),
        );
        if reply == "OK" {
            self.inv.on_manual_failover(s, &name);
        }
        self.drain(s);
        self.check_state(s);
    }

    fn crash_redis(&mut self, j: usize, start: bool) {
        if start {
            self.redis_down[j] += 1;
            if self.redis[j].alive {
                self.redis[j].crash(self.now);
                let ids: Vec<_> = self
                    .wires
                    .iter()
                    .filter(|(_, w)| w.server == Host::Redis(j))
                    .map(|(id, _)| *id)
                    .collect();
                for id in ids {
                    self.server_close(id);
                }
            }
        } else {
            self.redis_down[j] = self.redis_down[j].saturating_sub(1);
            if self.redis_down[j] == 0 && !self.redis[j].alive {
                let (run_id, replid) = (hex40(&mut self.rng), hex40(&mut self.rng));
                self.redis[j].restart(run_id, replid, self.now);
            }
        }
    }

    /// Records, for every Sentinel and redis instance, whether the Sentinel can reach
    /// it now, and which instances are masters (what the ODOWN invariant is judged
    /// against).
    pub(crate) fn update_reach(&mut self) {
        for (j, r) in self.redis.iter().enumerate() {
            self.reach
                .set_role(j, r.role == crate::redis::Role::Master, self.now);
        }
        for s in 0..self.sentinels.len() {
            for j in 0..self.redis.len() {
                let ok =
                    self.redis[j].alive && self.net.open_both(Host::Sentinel(s), Host::Redis(j));
                self.reach.set(s, j, ok, self.now);
            }
        }
    }
}
