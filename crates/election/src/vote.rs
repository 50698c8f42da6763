//! The vote rule (`sentinelVoteLeader`) and the vote part of
//! `SENTINEL is-master-down-by-addr <ip> <port> <epoch> <runid>`.
//!
//! A request in an epoch greater than ours moves our current epoch there (`+new-epoch`);
//! then we vote for the requester if we have not voted in that epoch yet and the epoch
//! is not behind our current one. Each change is flushed to the config before it is
//! announced, so a restart never forgets a vote (one vote per epoch across restarts).

use crate::step::{Event, Step};
use crate::view::{MasterView, Me};

/// The result of a vote request: the steps to apply, and the state after them (what
/// redis answers with).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Voted {
    /// Apply these in order.
    pub steps: Vec<Step>,
    /// Our current epoch afterwards.
    pub current_epoch: u64,
    /// Whom we voted for afterwards (the new vote or the previous one; `None` if we
    /// never voted since the last reset).
    pub leader: Option<String>,
    /// The epoch of that vote.
    pub leader_epoch: u64,
}

/// `sentinelVoteLeader`: `req_runid` asks for our vote in `req_epoch` for this master.
///
/// Voting for another Sentinel (run ids compared ignoring ASCII case) also moves our
/// `failover_start_time` to `now + desync`, which holds back our own next attempt for
/// this master by twice the failover timeout.
pub fn vote_leader(me: &Me<'_>, master: &MasterView<'_>, req_epoch: u64, req_runid: &str) -> Voted {
    let mut steps = Vec::new();
    let mut current_epoch = me.current_epoch;
    if req_epoch > current_epoch {
        current_epoch = req_epoch;
        steps.push(Step::SetCurrentEpoch(current_epoch));
        steps.push(Step::FlushConfig);
        steps.push(Event::plain("+new-epoch", current_epoch.to_string()));
    }

    let mut leader = master.leader.map(str::to_string);
    let mut leader_epoch = master.leader_epoch;
    if leader_epoch < req_epoch && current_epoch <= req_epoch {
        leader = Some(req_runid.to_string());
        leader_epoch = current_epoch;
        steps.push(Step::SetVote {
            leader: req_runid.to_string(),
            epoch: leader_epoch,
        });
        steps.push(Step::FlushConfig);
        steps.push(Event::plain(
            "+vote-for-leader",
            format!("{req_runid} {leader_epoch}"),
        ));
        if !req_runid.eq_ignore_ascii_case(me.myid) {
            steps.push(Step::SetFailoverStartTime(
                me.now_ms.saturating_add(me.desync_ms),
            ));
        }
    }

    Voted {
        steps,
        current_epoch,
        leader,
        leader_epoch,
    }
}

/// The leader part of an `is-master-down-by-addr` reply (`[down, leader, epoch]`; the
/// down flag is the core's), plus what answering changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VoteReply {
    /// Apply these in order before replying.
    pub steps: Vec<Step>,
    /// Whom we voted for, `None` answering `*`.
    pub leader: Option<String>,
    /// Epoch of that vote; 0 when no vote was asked for.
    pub leader_epoch: u64,
}

impl VoteReply {
    /// The second reply element: the run id, or `*`.
    pub fn leader_text(&self) -> &str {
        self.leader.as_deref().unwrap_or("*")
    }

    /// The third reply element: redis sends the epoch as a signed 64-bit integer, so
    /// epochs above `i64::MAX` come out negative.
    pub fn epoch_integer(&self) -> i64 {
        self.leader_epoch as i64
    }
}

/// The vote part of `SENTINEL is-master-down-by-addr <ip> <port> <epoch> <runid>`.
///
/// `master` is the monitored master at that address (`None` if none: no vote, `*` and
/// 0). A run id of `*` asks for no vote: the answer is `*` and 0, and even a greater
/// epoch is not adopted. The epoch argument is parsed as a signed 64-bit integer and
/// reinterpreted as unsigned, as redis does, so `-1` is the greatest epoch.
pub fn answer_vote_request(
    me: &Me<'_>,
    master: Option<&MasterView<'_>>,
    req_epoch: i64,
    req_runid: &str,
) -> VoteReply {
    let Some(master) = master.filter(|_| req_runid != "*") else {
        return VoteReply {
            steps: Vec::new(),
            leader: None,
            leader_epoch: 0,
        };
    };
    let voted = vote_leader(me, master, req_epoch as u64, req_runid);
    VoteReply {
        steps: voted.steps,
        leader: voted.leader,
        leader_epoch: voted.leader_epoch,
    }
}

/// The run id our own `is-master-down-by-addr` requests carry: ours (asking for a vote)
/// once a failover of this master has started, `*` (just asking whether it is down)
/// before.
pub fn request_runid(failover_started: bool, myid: &str) -> &str {
    if failover_started {
        myid
    } else {
        "*"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::step::Subject;

    const ME: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    fn me(current_epoch: u64) -> Me<'static> {
        Me {
            myid: ME,
            current_epoch,
            now_ms: 1_000_000,
            desync_ms: 321,
            ..Me::default()
        }
    }

    fn ev(kind: &'static str, text: &str) -> Step {
        Step::Event(Event {
            kind,
            subject: Subject::None,
            text: text.to_string(),
        })
    }

    #[test]
    fn a_greater_epoch_is_adopted_then_voted_for() {
        let v = vote_leader(&me(3), &MasterView::default(), 100, "cccc");
        assert_eq!(
            v.steps,
            vec![
                Step::SetCurrentEpoch(100),
                Step::FlushConfig,
                ev("+new-epoch", "100"),
                Step::SetVote {
                    leader: "cccc".into(),
                    epoch: 100
                },
                Step::FlushConfig,
                ev("+vote-for-leader", "cccc 100"),
                Step::SetFailoverStartTime(1_000_321),
            ]
        );
        assert_eq!(
            (v.current_epoch, v.leader.as_deref(), v.leader_epoch),
            (100, Some("cccc"), 100)
        );
    }

    #[test]
    fn second_request_in_the_same_epoch_gets_the_first_vote() {
        let m = MasterView {
            leader: Some("cccc"),
            leader_epoch: 100,
            ..MasterView::default()
        };
        let v = vote_leader(&me(100), &m, 100, "dddd");
        assert!(v.steps.is_empty());
        assert_eq!((v.leader.as_deref(), v.leader_epoch), (Some("cccc"), 100));
        // An older epoch gets the current vote back, unchanged.
        let v = vote_leader(&me(100), &m, 50, "dddd");
        assert!(v.steps.is_empty());
        assert_eq!((v.leader.as_deref(), v.leader_epoch), (Some("cccc"), 100));
    }

    #[test]
    fn no_vote_in_an_epoch_behind_ours_even_without_a_previous_vote() {
        let v = vote_leader(&me(10), &MasterView::default(), 8, "x");
        assert!(v.steps.is_empty());
        assert_eq!((v.leader, v.leader_epoch), (None, 0));
        let v = vote_leader(&me(10), &MasterView::default(), 10, "x");
        assert_eq!(
            v.steps[0],
            Step::SetVote {
                leader: "x".into(),
                epoch: 10
            }
        );
    }

    #[test]
    fn a_vote_for_ourselves_in_any_case_does_not_delay_our_failover() {
        let upper = ME.to_ascii_uppercase();
        let v = vote_leader(&me(1), &MasterView::default(), 2, &upper);
        assert_eq!(
            v.steps.last(),
            Some(&ev("+vote-for-leader", &format!("{upper} 2")))
        );
        assert!(!v
            .steps
            .iter()
            .any(|s| matches!(s, Step::SetFailoverStartTime(_))));
    }

    #[test]
    fn a_reset_master_keeps_its_leader_epoch() {
        // After SENTINEL RESET the vote is gone but leader_epoch stays: no new vote in
        // that epoch, and the reply is `*` with the old epoch.
        let m = MasterView {
            leader: None,
            leader_epoch: 7,
            ..MasterView::default()
        };
        let r = answer_vote_request(&me(7), Some(&m), 7, "x");
        assert!(r.steps.is_empty());
        assert_eq!((r.leader_text(), r.epoch_integer()), ("*", 7));
    }

    #[test]
    fn star_asks_no_vote_and_adopts_no_epoch() {
        let m = MasterView::default();
        let r = answer_vote_request(&me(3), Some(&m), 200, "*");
        assert_eq!(
            (r.steps.len(), r.leader_text(), r.epoch_integer()),
            (0, "*", 0)
        );
        let r = answer_vote_request(&me(3), None, 200, "cccc");
        assert_eq!(
            (r.steps.len(), r.leader_text(), r.epoch_integer()),
            (0, "*", 0)
        );
    }

    #[test]
    fn negative_epochs_are_huge_as_in_redis() {
        // Checked against redis-sentinel 7.0.15: epoch -5 answers `eeee -5` and
        // publishes +new-epoch 18446744073709551611.
        let r = answer_vote_request(&me(3), Some(&MasterView::default()), -5, "eeee");
        assert_eq!((r.leader_text(), r.epoch_integer()), ("eeee", -5));
        assert_eq!(r.steps[2], ev("+new-epoch", "18446744073709551611"));
        assert_eq!(
            r.steps[5],
            ev("+vote-for-leader", "eeee 18446744073709551611")
        );
    }

    #[test]
    fn requests_carry_our_id_once_a_failover_started() {
        assert_eq!(request_runid(false, ME), "*");
        assert_eq!(request_runid(true, ME), ME);
    }
}
