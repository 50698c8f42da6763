//! TILT mode (`sentinelCheckTiltCondition` and the check at the top of the acting half
//! of `sentinelHandleRedisInstance`).
//!
//! If the time between two timer runs is negative or longer than tilt-trigger (2 s), the
//! process was stalled or the clock jumped: every timeout would fire for no real reason.
//! Sentinel then keeps collecting information (links, PING, INFO, hellos) but acts on
//! nothing (no SDOWN/ODOWN, no failover, no asking peers) for tilt-period (30 s).

use crate::elapsed;

/// The TILT state machine of one Sentinel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tilt {
    /// When the timer last ran (`sentinel.previous_time`).
    pub previous_time: u64,
    /// In TILT mode (`sentinel.tilt`).
    pub active: bool,
    /// When TILT was last entered (`sentinel.tilt_start_time`); shown by INFO as
    /// `sentinel_tilt_since_seconds`.
    pub start_time: u64,
}

/// Whether an instance's acting half may run now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Acting {
    /// Not in TILT: act.
    Allowed,
    /// In TILT, period not over: skip the acting half.
    Blocked,
    /// TILT just ended: emit `-tilt` (warning, `#tilt mode exited`), then act.
    Exited,
}

impl Tilt {
    /// Start-up state (`initSentinel`): not in TILT, the timer reference is now.
    pub fn new(now_ms: u64) -> Tilt {
        Tilt {
            previous_time: now_ms,
            active: false,
            start_time: 0,
        }
    }

    /// Call first on every timer run. Returns true when TILT is (re-)entered: emit
    /// `+tilt` (warning, `#tilt mode entered`). A jump while already in TILT re-emits it
    /// and restarts the period, as redis does.
    pub fn on_timer(&mut self, now_ms: u64, tilt_trigger_ms: u64) -> bool {
        let delta = i128::from(elapsed(now_ms, self.previous_time));
        let jumped = delta < 0 || delta > i128::from(tilt_trigger_ms);
        if jumped {
            self.active = true;
            self.start_time = now_ms;
        }
        self.previous_time = now_ms;
        jumped
    }

    /// Call before each instance's acting half (redis checks per instance, so with no
    /// monitored master TILT is never left). Leaves TILT once `now - start >= period`.
    pub fn acting(&mut self, now_ms: u64, tilt_period_ms: u64) -> Acting {
        if !self.active {
            return Acting::Allowed;
        }
        if i128::from(elapsed(now_ms, self.start_time)) < i128::from(tilt_period_ms) {
            return Acting::Blocked;
        }
        self.active = false;
        Acting::Exited
    }

    /// When TILT will end, while in it.
    pub fn exit_deadline(&self, tilt_period_ms: u64) -> Option<u64> {
        self.active
            .then(|| self.start_time.saturating_add(tilt_period_ms))
    }

    /// The latest time the next timer run may happen without being taken for a clock
    /// jump. A core that sleeps until its next deadline must wake by then even with
    /// nothing to do; half the trigger leaves room for scheduling latency.
    pub fn watchdog_deadline(&self, tilt_trigger_ms: u64) -> u64 {
        self.previous_time.saturating_add(tilt_trigger_ms / 2)
    }

    /// `sentinel_tilt_since_seconds` for INFO: whole seconds in TILT, or -1.
    pub fn since_seconds(&self, now_ms: u64) -> i64 {
        if self.active {
            elapsed(now_ms, self.start_time) / 1000
        } else {
            -1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRIGGER: u64 = 2000;
    const PERIOD: u64 = 30_000;

    #[test]
    fn trigger_boundaries() {
        for (gap, enters) in [(TRIGGER - 1, false), (TRIGGER, false), (TRIGGER + 1, true)] {
            let mut t = Tilt::new(10_000);
            assert_eq!(t.on_timer(10_000 + gap, TRIGGER), enters, "gap {gap}");
            assert_eq!(t.active, enters);
            assert_eq!(t.previous_time, 10_000 + gap);
        }
        // Time going back by 1 ms enters TILT; standing still does not.
        let mut t = Tilt::new(10_000);
        assert!(!t.on_timer(10_000, TRIGGER));
        assert!(t.on_timer(9_999, TRIGGER));
        assert_eq!(t.start_time, 9_999);
    }

    #[test]
    fn period_boundaries_and_reentry() {
        let mut t = Tilt::new(0);
        assert_eq!(t.acting(0, PERIOD), Acting::Allowed);
        assert!(t.on_timer(5000, TRIGGER));
        assert_eq!(t.exit_deadline(PERIOD), Some(35_000));
        assert_eq!(t.since_seconds(6999), 1);
        assert_eq!(t.acting(34_999, PERIOD), Acting::Blocked);
        // A second jump restarts the period.
        let mut again = t;
        assert!(again.on_timer(40_000, TRIGGER));
        assert_eq!(again.acting(69_999, PERIOD), Acting::Blocked);
        assert_eq!(again.acting(70_000, PERIOD), Acting::Exited);
        // Exactly at start + period TILT ends (redis stays only while `< period`).
        assert_eq!(t.acting(35_000, PERIOD), Acting::Exited);
        assert!(!t.active);
        assert_eq!(t.acting(35_001, PERIOD), Acting::Allowed);
        assert_eq!(t.exit_deadline(PERIOD), None);
        assert_eq!(t.since_seconds(40_000), -1);
    }

    #[test]
    fn watchdog() {
        let mut t = Tilt::new(1000);
        assert_eq!(t.watchdog_deadline(TRIGGER), 2000);
        assert!(!t.on_timer(t.watchdog_deadline(TRIGGER), TRIGGER));
    }
}
