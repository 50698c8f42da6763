//! How each scheduled fault is applied to the world: crashes and restarts of redis
//! instances and Sentinels, partitions (symmetric or one-way) and their heals,
//! slow-network periods (more delay, so more reordering across connections), clock
//! jumps on one Sentinel, an operator's SENTINEL FAILOVER. The schedule itself is
//! `fault_plan.rs`'s.

use crate::fault_plan::{describe, FaultKind};
use crate::network::Host;
use crate::world::{hex40, World};

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
