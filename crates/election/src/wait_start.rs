//! The first failover state, `wait_start` (`sentinelFailoverWaitStart`): run the tally
//! on every timer run until we are elected (then on to `select_slave`) or the election
//! times out (`-failover-abort-not-elected`). A failover forced by `SENTINEL FAILOVER`
//! needs no election.
//!
//! The tally counts votes of the current epoch, which another master's election may
//! have moved past the epoch this attempt started in. A leader elected in a later epoch
//! fails over under that epoch (it becomes the new master's config epoch): its election
//! made it the only leader of (master, epoch), which the attempt's first epoch no longer
//! guarantees. redis keeps the first epoch; in the normal case both are the same.

use crate::step::{Event, Step};
use crate::tally::get_leader;
use crate::view::{MasterView, Me};

/// The log line before the simulated crash after an election.
pub const CRASH_LOG: &str = "Sentinel CRASH because of SENTINEL simulate-failure";

/// The process exit status of a simulated crash (`exit(99)`).
pub const CRASH_EXIT_CODE: i32 = 99;

/// One timer run of a master in `wait_start`.
///
/// Not elected: the attempt is aborted once more than `min(election timeout, failover
/// timeout)` has passed since `failover_start_time`, taken after the tally, since
/// voting for another Sentinel in the tally moves it. Elected (or forced):
/// `+elected-leader`, then either the simulated crash or [`Step::SelectSlave`] (the
/// failover crate's `Failover::elected`, which emits `+failover-state-select-slave`).
pub fn wait_start(me: &Me<'_>, master: &MasterView<'_>) -> Vec<Step> {
    let tally = get_leader(me, master);
    let mut steps = tally.steps;
    let is_leader = tally
        .winner
        .is_some_and(|w| w.eq_ignore_ascii_case(me.myid));

    if !is_leader && !master.forced {
        let start = steps
            .iter()
            .rev()
            .find_map(|s| match s {
                Step::SetFailoverStartTime(t) => Some(*t),
                _ => None,
            })
            .unwrap_or(master.failover_start_time);
        let timeout = me.election_timeout_ms.min(master.failover_timeout);
        if i128::from(me.now_ms) - i128::from(start) > i128::from(timeout) {
            steps.push(Event::master("-failover-abort-not-elected"));
            steps.push(Step::AbortFailover);
        }
        return steps;
    }

    if is_leader && tally.epoch != master.failover_epoch {
        steps.push(Step::SetFailoverEpoch(tally.epoch));
    }
    steps.push(Event::master("+elected-leader"));
    if me.crash_after_election {
        steps.push(Step::Log(CRASH_LOG.to_string()));
        steps.push(Step::Crash);
        return steps;
    }
    steps.push(Step::SelectSlave {
        changed_at: me.now_ms,
    });
    steps
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::step::Subject;
    use crate::view::PeerVote;

    const ME: &str = "me";
    const START: u64 = 1_000_500;

    fn me(now_ms: u64) -> Me<'static> {
        Me {
            myid: ME,
            current_epoch: 4,
            now_ms,
            desync_ms: 40,
            election_timeout_ms: crate::ELECTION_TIMEOUT_MS,
            crash_after_election: false,
        }
    }

    /// In wait_start for epoch 4, our self-vote already cast; two other Sentinels.
    fn waiting(peer_votes: [Option<&'static str>; 2], timeout: u64) -> MasterView<'static> {
        MasterView {
            leader: Some(ME),
            leader_epoch: 4,
            peers: peer_votes
                .iter()
                .map(|&leader| PeerVote {
                    leader,
                    leader_epoch: 4,
                })
                .collect(),
            quorum: 2,
            odown: true,
            failover_in_progress: true,
            failover_epoch: 4,
            failover_start_time: START,
            failover_timeout: timeout,
            ..MasterView::default()
        }
    }

    fn at_master(kind: &'static str) -> Step {
        Step::Event(Event {
            kind,
            subject: Subject::Master,
            text: String::new(),
        })
    }

    #[test]
    fn not_elected_aborts_after_the_election_timeout() {
        let m = waiting([None, None], 180_000);
        assert_eq!(wait_start(&me(START + 10_000), &m), vec![]);
        assert_eq!(
            wait_start(&me(START + 10_001), &m),
            vec![
                at_master("-failover-abort-not-elected"),
                Step::AbortFailover
            ]
        );
    }

    #[test]
    fn a_short_failover_timeout_caps_the_election_timeout() {
        let m = waiting([None, None], 2_000);
        assert_eq!(wait_start(&me(START + 2_000), &m), vec![]);
        assert_eq!(wait_start(&me(START + 2_001), &m).len(), 2);
        // SENTINEL DEBUG election-timeout below both.
        let short = Me {
            election_timeout_ms: 500,
            ..me(START + 501)
        };
        assert_eq!(wait_start(&short, &m).len(), 2);
    }

    #[test]
    fn elected_moves_to_select_slave() {
        let m = waiting([Some(ME), None], 180_000);
        assert_eq!(
            wait_start(&me(START + 100), &m),
            vec![
                at_master("+elected-leader"),
                Step::SelectSlave {
                    changed_at: START + 100
                },
            ]
        );
    }

    #[test]
    fn elected_in_a_later_epoch_fails_over_under_it() {
        // Our attempt started in 4; another master's election moved us to 5, where a
        // peer voted for us and we vote for ourselves.
        let m = MasterView {
            peers: vec![
                PeerVote {
                    leader: Some(ME),
                    leader_epoch: 5,
                },
                PeerVote {
                    leader: None,
                    leader_epoch: 0,
                },
            ],
            ..waiting([None, None], 180_000)
        };
        let now = Me {
            current_epoch: 5,
            ..me(START + 100)
        };
        let steps = wait_start(&now, &m);
        assert_eq!(
            steps[0],
            Step::SetVote {
                leader: ME.into(),
                epoch: 5
            }
        );
        let elected = steps
            .iter()
            .position(|s| *s == at_master("+elected-leader"))
            .expect("elected");
        assert_eq!(steps[elected - 1], Step::SetFailoverEpoch(5));
    }

    #[test]
    fn first_run_votes_for_ourselves() {
        // Just started: no vote cast yet, peers silent. We vote, and wait.
        let m = MasterView {
            leader: None,
            leader_epoch: 0,
            ..waiting([None, None], 180_000)
        };
        let steps = wait_start(&me(START), &m);
        assert_eq!(
            steps[0],
            Step::SetVote {
                leader: ME.into(),
                epoch: 4
            }
        );
        assert_eq!(steps.len(), 3);
    }

    #[test]
    fn voting_for_another_in_the_tally_restarts_the_election_clock() {
        // Both peers voted b before we voted: we vote b, b wins, and our start time
        // moves to now + desync, so no abort even long after the original start.
        let m = MasterView {
            leader: None,
            leader_epoch: 0,
            ..waiting([Some("b"), Some("b")], 2_000)
        };
        let now = START + 60_000;
        let steps = wait_start(&me(now), &m);
        assert_eq!(steps.last(), Some(&Step::SetFailoverStartTime(now + 40)));
        assert!(!steps.contains(&Step::AbortFailover));
    }

    #[test]
    fn forced_failover_needs_no_election() {
        let m = MasterView {
            forced: true,
            ..waiting([None, None], 180_000)
        };
        let steps = wait_start(&me(START + 50_000), &m);
        assert_eq!(steps[0], at_master("+elected-leader"));
        assert_eq!(steps.len(), 2);
    }

    #[test]
    fn crash_after_election() {
        let m = waiting([Some(ME), None], 180_000);
        let crash = Me {
            crash_after_election: true,
            ..me(START)
        };
        assert_eq!(
            wait_start(&crash, &m),
            vec![
                at_master("+elected-leader"),
                Step::Log(CRASH_LOG.into()),
                Step::Crash
            ]
        );
    }

    #[test]
    fn the_leader_is_recognised_ignoring_case() {
        let m = waiting([Some("ME"), None], 180_000);
        // Peer voted "ME", we voted "me": two counters of one vote each, so no winner,
        // as in redis (the tally compares run ids exactly).
        assert_eq!(wait_start(&me(START), &m), vec![]);
        let m = MasterView {
            leader: Some("ME"),
            ..waiting([Some("ME"), None], 180_000)
        };
        assert_eq!(wait_start(&me(START), &m)[0], at_master("+elected-leader"));
    }
}
