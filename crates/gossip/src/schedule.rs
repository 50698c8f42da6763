//! When hellos go out (`sentinelSendPeriodicCommands` / `sentinelSendHello` /
//! `sentinelForceHelloUpdateForMaster`), as pure arithmetic on `last_pub_time`.
//!
//! Every monitored master, each of its replicas and each other Sentinel known for it gets
//! its own hello (one per master entry, even when two entries share a Sentinel link),
//! provided its link is connected (for a Sentinel: the command connection; a Sentinel
//! has no pub/sub link) and the local IP of that connection is known or announce-ip is
//! set. The hello describes the master the instance belongs to; the master address in it
//! is the announced current one (the promoted replica's once a failover reached
//! reconf-slaves). TILT does not stop hellos in either direction. The shared limit on
//! pending commands per link belongs to the periodic schedule, not here.

/// Default period between two hellos to the same instance (`SENTINEL_PUBLISH_PERIOD`).
pub const PUBLISH_PERIOD_MS: u64 = 2000;

/// A hello is due when more than `period_ms` passed since `last_pub_time` (strictly, as
/// redis compares; a clock that went back makes nothing due).
pub fn hello_due(now_ms: u64, last_pub_time: u64, period_ms: u64) -> bool {
    now_ms
        .checked_sub(last_pub_time)
        .is_some_and(|d| d > period_ms)
}

/// `last_pub_time` after the PUBLISH reply: only a non-error reply counts as published
/// (an error, e.g. a renamed-away PUBLISH, retries on the next tick).
pub fn pub_time_after_reply(last_pub_time: u64, now_ms: u64, reply_is_error: bool) -> u64 {
    if reply_is_error {
        last_pub_time
    } else {
        now_ms
    }
}

/// `last_pub_time` pushed back so the next tick sends a hello at once: applied to the
/// master, its replicas and its Sentinels after a promotion, so peers learn the new
/// configuration quickly. A time too small to push back is kept, as redis does.
pub fn forced_pub_time(last_pub_time: u64, period_ms: u64) -> u64 {
    let step = period_ms.saturating_add(1);
    if last_pub_time >= step {
        last_pub_time - step
    } else {
        last_pub_time
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_strictly_after_the_period() {
        assert!(!hello_due(3000, 1000, PUBLISH_PERIOD_MS));
        assert!(hello_due(3001, 1000, PUBLISH_PERIOD_MS));
        assert!(!hello_due(500, 1000, PUBLISH_PERIOD_MS));
    }

    #[test]
    fn forcing_makes_it_due_now() {
        let last = 10_000;
        let forced = forced_pub_time(last, PUBLISH_PERIOD_MS);
        assert_eq!(forced, 7_999);
        assert!(hello_due(last, forced, PUBLISH_PERIOD_MS));
        assert_eq!(forced_pub_time(2_000, PUBLISH_PERIOD_MS), 2_000);
        assert_eq!(forced_pub_time(2_001, PUBLISH_PERIOD_MS), 0);
        assert_eq!(forced_pub_time(5, u64::MAX), 5);
    }

    #[test]
    fn only_successful_publishes_count() {
        assert_eq!(pub_time_after_reply(100, 900, false), 900);
        assert_eq!(pub_time_after_reply(100, 900, true), 100);
    }
}
