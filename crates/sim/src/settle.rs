//! How long after the last fault every run must have converged: the settle time,
//! derived from the Sentinel rules rather than tuned to the seeds.
//!
//! The slowest way back to a converged deployment that the rules allow (without a split
//! election) is a repair chain that starts at the last heal:
//!
//! 1. **Failover start.** A Sentinel that attempted a failover or voted for another
//!    leader cannot start an attempt for that master before `2 × failover-timeout` plus
//!    a random desync of up to 1 s has passed; an attempt or a vote can happen right up
//!    to the heal. This dominates the other two things that can delay the start: a
//!    master demoted at the heal by a Sentinel still on an older configuration (redis'
//!    `+convert-to-slave`) is seen `role:slave` at the next INFO and judged SDOWN after
//!    `down-after + 2 × info-period` (then ODOWN within an ask period), and a Sentinel in
//!    TILT at the heal acts again after the TILT period.
//! 2. **The failover.** An ask period for the votes; an INFO period during the failover
//!    (1 s) for the promotion to show; then each other replica of the group is
//!    instance of the group (the other replicas, and a demoted master listed among
//!    them) is reconfigured in turn (`parallel-syncs 1`): SLAVEOF, then "in progress"
//!    and "done" each seen at the next 1-s INFO, the sync taking up to 1.5 s here.
//! 3. **The switch spreads** to the other Sentinels through hellos (publish period).
//! 4. **The last repair.** An instance left following a former replica (the demoted
//!    master) is repaired at the first INFO that shows the chain, within an INFO period
//!    and a reconnection (a ping period), with rsentinel's immediate repair of chained
//!    replicas. redis 7.0.15 waits `failover-timeout` after the switch before its
//!    `+fix-slave-config`, so this step takes `failover-timeout + info-period` there.
//!
//! Each further election that splits the votes adds another `2 × failover-timeout`;
//! this bound does not cover that (no soak has met it after the heal so far).

use rsentinel_core::Timing;

/// `SENTINEL_MAX_DESYNC`: the random delay added to failover start times.
pub const MAX_DESYNC_MS: u64 = 1_000;

/// INFO period while a failover is in progress (`sentinelSendPeriodicCommands`).
pub const FAILOVER_INFO_PERIOD_MS: u64 = 1_000;

/// The slowest replica sync the simulated redis instances take.
pub const MAX_SYNC_MS: u64 = 1_500;

/// The terms of the bound, in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SettleBound {
    /// Step 1: when the last failover can start.
    pub failover_start: u64,
    /// Step 2: the failover itself.
    pub failover: u64,
    /// Step 3: the switch reaching every Sentinel.
    pub spread: u64,
    /// Step 4: the last repair of a chained replica.
    pub repair: u64,
}

impl SettleBound {
    /// The terms for these timeouts and this many replicas per master, with redis'
    /// default periods (which the simulation uses).
    pub fn new(failover_timeout_ms: u64, down_after_ms: u64, replicas: usize) -> SettleBound {
        let t = Timing::default();
        let retry_guard = 2 * failover_timeout_ms + MAX_DESYNC_MS;
        let demoted_master =
            t.publish_period + t.info_period + down_after_ms + 2 * t.info_period + t.ask_period;
        let failover_start = retry_guard.max(demoted_master).max(t.tilt_period);
        let per_replica = 2 * FAILOVER_INFO_PERIOD_MS + MAX_SYNC_MS;
        let failover = t.ask_period + FAILOVER_INFO_PERIOD_MS + per_replica * replicas as u64;
        SettleBound {
            failover_start,
            failover,
            spread: t.publish_period,
            repair: t.info_period + t.ping_period,
        }
    }

    /// The whole bound.
    pub fn total(&self) -> u64 {
        self.failover_start + self.failover + self.spread + self.repair
    }
}
