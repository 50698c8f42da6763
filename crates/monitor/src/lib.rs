//! Monitoring rules of Redis Sentinel 7.0.15, as pure functions and small state values.
//!
//! This crate decides *when* to PING, INFO and publish hellos, *what* an `INFO` reply
//! says and what follows from it (reboots, role changes, new replicas), *whether* an
//! instance is subjectively down (SDOWN), whether a master is objectively down (ODOWN)
//! from the other Sentinels' replies, and when the whole Sentinel must stop acting
//! because its clock jumped (TILT). It never touches sockets or clocks: every function
//! takes the current wall-clock time as `now_ms`, so the core (and the simulator) can
//! drive it deterministically.
//!
//! Times are wall-clock milliseconds as `u64`, `0` meaning "never", like redis'
//! `mstime_t` fields. Differences are computed signed (see [`elapsed`]) because redis
//! compares `now - t` as a signed number: a clock that went back yields a negative age,
//! never a huge one.
//!
//! Module map: [`info`] (INFO parsing and what it implies), [`health`] (per-link liveness
//! and the SDOWN rule), [`odown`] (is-master-down-by-addr replies and the quorum),
//! [`tilt`] (clock-jump protection), [`schedule`] (periodic commands and deadlines).
//!
//! # Driving it like redis' `sentinelTimer`
//! Per timer run: [`Tilt::on_timer`] first. Then for each master, followed by its
//! replicas and its Sentinels, in table order:
//! 1. monitoring half (also in TILT): [`LinkHealth::reconnect_due`] (skip port 0), then
//!    [`schedule::due`] (INFO, PING, hello);
//! 2. [`Tilt::acting`]; if blocked, stop here for this instance;
//! 3. [`LinkHealth::cc_stale`] / [`LinkHealth::pc_stale`] (close what is stale), then
//!    [`LinkHealth::is_subjectively_down`] (`+sdown` / `-sdown`);
//! 4. masters only: [`check_odown`] (counting peers whose [`PeerDownState::master_down`]
//!    is set *before* this run's expiry), the failover start (forced asks), the failover
//!    state machine, then for each peer [`PeerDownState::expire`] and
//!    [`PeerDownState::should_ask`].
//!
//! Replies update state as they arrive: [`LinkHealth::ping_reply`],
//! [`ReportedState::apply`] for INFO (its bookkeeping also runs in TILT; the acting
//! predicates such as [`convert_to_slave_due`] do not), [`PeerDownState::on_reply`].
//! A core sleeping until the next deadline takes the minimum of
//! [`schedule::next_due`], [`LinkHealth::reconnect_deadline`],
//! [`LinkHealth::sdown_deadline`], the stale-link deadlines,
//! [`PeerDownState::ask_deadline`] / [`PeerDownState::expiry_deadline`],
//! [`Tilt::exit_deadline`] and [`Tilt::watchdog_deadline`].

#![warn(missing_docs)]

pub mod health;
pub mod info;
pub mod odown;
pub mod schedule;
pub mod tilt;

pub use health::{LinkHealth, PingOutcome, PingReply, SdownInput, SdownRule, MAX_PENDING_COMMANDS};
pub use info::{
    convert_to_slave_due, fix_chained_replica_due, fix_slave_config_due, master_looks_sane,
    no_down_for, parse_info, parse_info_bytes, InfoContext, InfoOutcome, InfoReport, ReplicaLine,
    ReportedState, RoleChange,
};
pub use odown::{
    check_odown, is_master_down_args, IsMasterDownReply, OdownChange, PeerDownState, VoteSeen,
};
pub use schedule::{
    force_hello, CommandsDue, Pacing, PeriodicInput, Periods, FAST_INFO_PERIOD_MS, TICK_MS,
};
pub use tilt::{Acting, Tilt};

/// The role an instance claims in the `role:` line of its INFO.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// `role:master`.
    Master,
    /// `role:slave`.
    Replica,
}

impl Role {
    /// The word redis prints for the role (`master` / `slave`), e.g. in `+role-change`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Master => "master",
            Role::Replica => "slave",
        }
    }
}

/// What the Sentinel configured an instance as; several rules depend on it (INFO is
/// never sent to Sentinels, replica discovery only reads a master's INFO, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InstanceKind {
    /// A monitored master (`SRI_MASTER`).
    Master,
    /// A replica of a monitored master (`SRI_SLAVE`).
    Replica,
    /// Another Sentinel watching the same master (`SRI_SENTINEL`).
    Sentinel,
}

impl InstanceKind {
    /// The role an instance of this kind should report, if any (`flags & (MASTER|SLAVE)`):
    /// the initial `role_reported` and the reference for `+role-change` vs `-role-change`.
    pub fn expected_role(self) -> Option<Role> {
        match self {
            InstanceKind::Master => Some(Role::Master),
            InstanceKind::Replica => Some(Role::Replica),
            InstanceKind::Sentinel => None,
        }
    }
}

/// `now - since` as redis computes it on signed `mstime_t`: negative when the clock went
/// back, so "older than" comparisons stay false instead of wrapping to a huge age.
pub fn elapsed(now_ms: u64, since_ms: u64) -> i64 {
    // Saturating, in u64 halves: every timer rule asks this, so no 128-bit arithmetic.
    if now_ms >= since_ms {
        i64::try_from(now_ms - since_ms).unwrap_or(i64::MAX)
    } else {
        i64::try_from(since_ms - now_ms).map_or(i64::MIN, |d| -d)
    }
}

/// The first time `t` at which `elapsed(t, since) > period` holds: the deadline of every
/// "older than" rule, which redis checks with a strict `>`.
pub(crate) fn first_time_over(since_ms: u64, period_ms: u64) -> u64 {
    since_ms.saturating_add(period_ms).saturating_add(1)
}

/// Whether `elapsed(now, since) > period` (the strict comparison all redis timeouts use).
pub(crate) fn older_than(now_ms: u64, since_ms: u64, period_ms: u64) -> bool {
    u64::try_from(elapsed(now_ms, since_ms)).is_ok_and(|e| e > period_ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The u64 arithmetic gives what the signed 128-bit difference, clamped, gives.
        #[test]
        fn elapsed_is_the_clamped_difference(now in any::<u64>(), since in any::<u64>(), period in any::<u64>()) {
            let wide = (i128::from(now) - i128::from(since)).clamp(i128::from(i64::MIN), i128::from(i64::MAX));
            prop_assert_eq!(i128::from(elapsed(now, since)), wide);
            prop_assert_eq!(older_than(now, since, period), wide > i128::from(period));
        }
    }

    #[test]
    fn elapsed_saturates_at_the_edges() {
        assert_eq!(elapsed(u64::MAX, 0), i64::MAX);
        assert_eq!(elapsed(0, u64::MAX), i64::MIN);
        assert_eq!(elapsed(0, 1 << 63), i64::MIN);
        assert_eq!(elapsed(0, (1 << 63) - 1), -i64::MAX);
    }

    #[test]
    fn elapsed_is_signed() {
        assert_eq!(elapsed(10, 3), 7);
        assert_eq!(elapsed(3, 10), -7);
        assert_eq!(elapsed(u64::MAX, 0), i64::MAX);
        assert_eq!(elapsed(0, u64::MAX), i64::MIN);
    }

    #[test]
    fn older_than_is_strict_and_matches_first_time_over() {
        assert!(!older_than(1500, 1000, 500));
        assert!(older_than(1501, 1000, 500));
        assert_eq!(first_time_over(1000, 500), 1501);
        assert!(!older_than(999, 1000, 0));
        assert_eq!(first_time_over(u64::MAX, 5), u64::MAX);
    }

    #[test]
    fn kinds_and_roles() {
        assert_eq!(InstanceKind::Master.expected_role(), Some(Role::Master));
        assert_eq!(InstanceKind::Replica.expected_role(), Some(Role::Replica));
        assert_eq!(InstanceKind::Sentinel.expected_role(), None);
        assert_eq!(Role::Replica.as_str(), "slave");
    }
}
