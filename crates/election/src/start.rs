//! Starting a failover attempt (`sentinelStartFailoverIfNeeded`, `sentinelStartFailover`).
//!
//! An attempt starts when the master is objectively down, no failover is in progress,
//! and at least twice the failover timeout has passed since the last attempt started
//! (or since we last voted for another Sentinel for this master, which moves the same
//! time). The new attempt takes a new epoch and starts its clock a random moment in the
//! next second, so Sentinels that saw ODOWN together do not ask for votes together.

use crate::step::{Event, Step};
use crate::view::{MasterView, Me};

/// What [`start_failover_if_needed`] decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Start {
    /// A failover started: ask the other Sentinels for their vote now, without waiting
    /// for the ask period (`SENTINEL_ASK_FORCED`).
    pub started: bool,
    /// Apply these in order.
    pub steps: Vec<Step>,
}

/// `sentinelStartFailoverIfNeeded`, run on each timer run for a master after the ODOWN
/// check. While the retry delay holds, logs once per attempt when the next one may
/// start.
pub fn start_failover_if_needed(me: &Me<'_>, master: &MasterView<'_>) -> Start {
    let nothing = Start {
        started: false,
        steps: Vec::new(),
    };
    if !master.odown || master.failover_in_progress {
        return nothing;
    }
    // Signed, as redis' mstime_t: a start time pushed into the future also holds.
    let not_before_ms = match master.retry_at {
        Some(at) => i128::from(at),
        None => i128::from(master.failover_start_time) + 2 * i128::from(master.failover_timeout),
    };
    if i128::from(me.now_ms) < not_before_ms {
        if master.failover_delay_logged == master.failover_start_time {
            return nothing;
        }
        let not_before = not_before_ms / 1000;
        return Start {
            started: false,
            steps: vec![
                Step::SetFailoverDelayLogged(master.failover_start_time),
                Step::NextFailoverDelay {
                    not_before_secs: i64::try_from(not_before).unwrap_or(i64::MAX),
                },
            ],
        };
    }
    Start {
        started: true,
        steps: start_failover(me),
    }
}

/// `sentinelStartFailover`: a new epoch (our current epoch plus one, wrapping at 2^64
/// like redis' `++`), the `wait_start` state, `+new-epoch` and `+try-failover`. Not
/// flushed here: the vote we cast in the first tally flushes it. `SENTINEL FAILOVER`
/// calls this too and then sets the forced flag.
pub fn start_failover(me: &Me<'_>) -> Vec<Step> {
    let epoch = me.current_epoch.wrapping_add(1);
    vec![
        Step::SetCurrentEpoch(epoch),
        Step::StartFailover {
            epoch,
            start_time: me.now_ms.saturating_add(me.desync_ms),
            changed_at: me.now_ms,
        },
        Event::plain("+new-epoch", epoch.to_string()),
        Event::master("+try-failover"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::step::Subject;

    fn me(now_ms: u64) -> Me<'static> {
        Me {
            myid: "me",
            current_epoch: 3,
            now_ms,
            desync_ms: 250,
            ..Me::default()
        }
    }

    fn odown(start: u64, logged: u64) -> MasterView<'static> {
        MasterView {
            odown: true,
            failover_timeout: 2_000,
            failover_start_time: start,
            failover_delay_logged: logged,
            ..MasterView::default()
        }
    }

    fn started(now: u64) -> Start {
        Start {
            started: true,
            steps: vec![
                Step::SetCurrentEpoch(4),
                Step::StartFailover {
                    epoch: 4,
                    start_time: now + 250,
                    changed_at: now,
                },
                Step::Event(Event {
                    kind: "+new-epoch",
                    subject: Subject::None,
                    text: "4".into(),
                }),
                Step::Event(Event {
                    kind: "+try-failover",
                    subject: Subject::Master,
                    text: String::new(),
                }),
            ],
        }
    }

    #[test]
    fn needs_odown_and_no_failover_in_progress() {
        let m = MasterView {
            odown: false,
            ..odown(0, 0)
        };
        assert_eq!(start_failover_if_needed(&me(1_000_000), &m).steps, vec![]);
        let m = MasterView {
            failover_in_progress: true,
            ..odown(0, 0)
        };
        assert_eq!(start_failover_if_needed(&me(1_000_000), &m).steps, vec![]);
        assert_eq!(
            start_failover_if_needed(&me(1_000_000), &odown(0, 0)),
            started(1_000_000)
        );
    }

    #[test]
    fn retry_waits_twice_the_failover_timeout_and_logs_once() {
        // Last attempt started at 1_700_000_000_550 with a 2 s timeout: blocked until
        // +4000 ms exactly.
        let t0 = 1_700_000_000_550;
        let m = odown(t0, 0);
        let s = start_failover_if_needed(&me(t0 + 3_999), &m);
        assert_eq!(
            s.steps,
            vec![
                Step::SetFailoverDelayLogged(t0),
                Step::NextFailoverDelay {
                    not_before_secs: 1_700_000_004
                },
            ]
        );
        assert!(!s.started);
        let logged = odown(t0, t0);
        assert_eq!(
            start_failover_if_needed(&me(t0 + 3_999), &logged).steps,
            vec![]
        );
        assert_eq!(
            start_failover_if_needed(&me(t0 + 4_000), &logged),
            started(t0 + 4_000)
        );
    }

    #[test]
    fn a_start_time_in_the_future_holds_too() {
        // A vote for another Sentinel put the start time ahead of now.
        let now = 1_000_000;
        let s = start_failover_if_needed(&me(now), &odown(now + 900, 0));
        assert!(!s.started);
        assert_eq!(s.steps[0], Step::SetFailoverDelayLogged(now + 900));
    }

    #[test]
    fn a_retry_time_replaces_twice_the_failover_timeout() {
        // Fast mode: an attempt that started just now may be retried at `retry_at`,
        // long before 2 x failover-timeout, and not a millisecond earlier.
        let t0 = 1_700_000_000_550;
        let m = MasterView {
            retry_at: Some(t0 + 1_234),
            ..odown(t0, t0)
        };
        assert!(!start_failover_if_needed(&me(t0 + 1_233), &m).started);
        assert_eq!(
            start_failover_if_needed(&me(t0 + 1_234), &m),
            started(t0 + 1_234)
        );
        let unlogged = MasterView {
            retry_at: Some(t0 + 1_234),
            ..odown(t0, 0)
        };
        assert_eq!(
            start_failover_if_needed(&me(t0 + 10), &unlogged).steps[1],
            Step::NextFailoverDelay {
                not_before_secs: 1_700_000_001
            }
        );
    }

    #[test]
    fn epoch_wraps_like_redis() {
        let m = Me {
            current_epoch: u64::MAX,
            ..me(10)
        };
        assert_eq!(start_failover(&m)[0], Step::SetCurrentEpoch(0));
    }
}
