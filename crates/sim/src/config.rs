//! What a run simulates: the deployment (Sentinels, masters, replicas), the timeouts,
//! the fault window and settle time, the message delays and the mix of faults. Plain
//! data, read by every other part of the simulator.

use crate::network::Time;
use crate::settle::SettleBound;

/// The most redis instances a run can have: they live at `10.0.0.1` to `10.0.0.100`,
/// the Sentinels from `10.0.0.101` on.
pub const MAX_REDIS: usize = 100;

/// What a run simulates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimConfig {
    /// Number of Sentinels (3, 5, 7, ...).
    pub sentinels: usize,
    /// Masters monitored by every Sentinel, each with its own replicas on its own hosts
    /// (`mymaster`, `master2`, `master3`, ...; see [`crate::layout::Layout`]).
    pub masters: usize,
    /// Replicas of each master (the deployment has `masters * (replicas + 1)` redis
    /// instances, at most [`MAX_REDIS`]).
    pub replicas: usize,
    /// Every master's quorum; `None` = a majority of the Sentinels.
    pub quorum: Option<u32>,
    /// `down-after-milliseconds`.
    pub down_after_ms: u64,
    /// `failover-timeout`.
    pub failover_timeout_ms: u64,
    /// Fault-free start, so the Sentinels discover each other.
    pub warmup_ms: u64,
    /// Faults start and heal inside this window, after the warm-up.
    pub fault_window_ms: u64,
    /// Duration bounds of one fault.
    pub fault_ms: (u64, u64),
    /// Fault-free time after the window, at whose end convergence is checked (by
    /// default [`SettleBound`] for these timeouts; set it again after changing them).
    pub settle_ms: u64,
    /// Message delay bounds.
    pub delay_ms: (u64, u64),
    /// Extra delay bound during slow-network faults.
    pub slow_extra_ms: u64,
    /// Which faults, how many.
    pub faults: FaultMix,
}

impl SimConfig {
    /// A deployment of `sentinels` Sentinels, one master and two replicas, with every
    /// kind of fault. Timeouts are shortened (down-after 5 s) so a run covers several
    /// detections in about two virtual minutes; the settle time is the convergence
    /// bound derived from the rules ([`SettleBound`]).
    pub fn new(sentinels: usize) -> SimConfig {
        let mut cfg = SimConfig {
            sentinels,
            masters: 1,
            replicas: 2,
            quorum: None,
            down_after_ms: 5_000,
            failover_timeout_ms: 20_000,
            warmup_ms: 8_000,
            fault_window_ms: 50_000,
            fault_ms: (2_000, 20_000),
            settle_ms: 0,
            delay_ms: (1, 15),
            slow_extra_ms: 400,
            faults: FaultMix::all(4),
        };
        cfg.settle_ms = cfg.settle_bound().total();
        cfg
    }

    /// [`SimConfig::new`] with `masters` masters, each with its own replicas.
    pub fn with_masters(sentinels: usize, masters: usize) -> SimConfig {
        SimConfig {
            masters,
            ..SimConfig::new(sentinels)
        }
    }

    /// Whether the deployment can be built: at least one Sentinel and one master, and
    /// room for every redis instance's address.
    pub fn validate(&self) -> Result<(), String> {
        let redis = self.masters.saturating_mul(self.replicas.saturating_add(1));
        if self.sentinels == 0 || self.sentinels > 100 || self.masters == 0 {
            return Err(format!(
                "need 1 to 100 sentinels and at least one master, not {} and {}",
                self.sentinels, self.masters
            ));
        }
        if redis > MAX_REDIS {
            return Err(format!(
                "{} masters with {} replicas each make {redis} redis instances, more than {MAX_REDIS}",
                self.masters, self.replicas
            ));
        }
        Ok(())
    }

    /// The convergence bound derived from the rules for these timeouts.
    pub fn settle_bound(&self) -> SettleBound {
        SettleBound::new(self.failover_timeout_ms, self.down_after_ms, self.replicas)
    }

    /// Virtual duration of a run.
    pub fn duration_ms(&self) -> Time {
        self.warmup_ms + self.fault_window_ms + self.settle_ms
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_bound_terms() {
        let cfg = SimConfig::new(3);
        let b = cfg.settle_bound();
        // 2 × 20 s + 1 s desync beats the demoted master's 38 s and TILT's 30 s.
        assert_eq!(b.failover_start, 41_000);
        // 1 s votes + 1 s promotion + 2 × (2 s of INFO + 1.5 s sync).
        assert_eq!(b.failover, 9_000);
        assert_eq!((b.spread, b.repair), (2_000, 11_000));
        assert_eq!(b.total(), 63_000);
        assert_eq!(cfg.settle_ms, b.total());
    }

    #[test]
    fn bound_follows_the_timeouts() {
        let mut cfg = SimConfig::new(3);
        cfg.failover_timeout_ms = 5_000;
        // The demoted master's detection (38 s) now dominates the retry guard (11 s).
        assert_eq!(cfg.settle_bound().failover_start, 38_000);
        cfg.down_after_ms = 1_000;
        // And TILT (30 s) dominates both.
        assert_eq!(cfg.settle_bound().failover_start, 34_000);
    }
}
