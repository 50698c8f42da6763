//! The leader vote rule (`sentinelVoteLeader`): a Sentinel votes at most once per epoch,
//! for the first candidate asking in an epoch newer than its last vote, and never lets
//! its current epoch go back.

use crate::event::LogLevel;
use crate::sentinel::Sentinel;

/// The vote state of one master on this Sentinel, plus the global current epoch.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct VoteState {
    pub current_epoch: u64,
    /// Run id we voted for, in `leader_epoch`.
    pub leader: Option<String>,
    pub leader_epoch: u64,
}

/// What a vote request changed, so the caller can persist and announce it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct VoteChange {
    /// The current epoch advanced to the requested one (`+new-epoch`).
    pub new_epoch: bool,
    /// A new vote was cast (`+vote-for-leader`).
    pub voted: bool,
}

impl VoteState {
    /// Handle a request from `runid` for `req_epoch`. Afterwards `leader`/`leader_epoch`
    /// hold the answer to give (the new vote or the previous one).
    pub fn request(&mut self, req_epoch: u64, runid: &str) -> VoteChange {
        let mut change = VoteChange::default();
        if req_epoch > self.current_epoch {
            self.current_epoch = req_epoch;
            change.new_epoch = true;
        }
        if self.leader_epoch < req_epoch && self.current_epoch <= req_epoch {
            self.leader = Some(runid.to_string());
            self.leader_epoch = self.current_epoch;
            change.voted = true;
        }
        change
    }
}

impl Sentinel {
    /// Apply a vote request to master `m` (`sentinelVoteLeader`), persisting and
    /// announcing each change; voting for someone else delays our own failover start.
    pub(crate) fn vote_leader(&mut self, m: usize, req_epoch: u64, runid: &str, now_ms: u64) {
        let master = &self.masters[m];
        let mut state = VoteState {
            current_epoch: self.current_epoch,
            leader: master.leader.clone(),
            leader_epoch: master.leader_epoch,
        };
        let change = state.request(req_epoch, runid);
        if change.new_epoch {
            self.current_epoch = state.current_epoch;
            self.flush_config();
            self.event(
                LogLevel::Warning,
                "+new-epoch",
                Some(m),
                self.current_epoch.to_string(),
            );
        }
        if change.voted {
            let leader = state.leader.clone().unwrap_or_default();
            {
                let master = &mut self.masters[m];
                master.leader = state.leader;
                master.leader_epoch = state.leader_epoch;
            }
            self.flush_config();
            self.event(
                LogLevel::Warning,
                "+vote-for-leader",
                Some(m),
                format!("{} {}", leader, state.leader_epoch),
            );
            if !leader.eq_ignore_ascii_case(&self.myid) {
                let delay = self.desync();
                self.masters[m].failover_start_time = now_ms + delay;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    #[test]
    fn first_request_in_an_epoch_wins() {
        let mut v = VoteState::default();
        assert_eq!(
            v.request(5, "a"),
            VoteChange {
                new_epoch: true,
                voted: true
            }
        );
        assert_eq!((v.leader.as_deref(), v.leader_epoch), (Some("a"), 5));
        assert_eq!(v.request(5, "b"), VoteChange::default());
        assert_eq!(v.leader.as_deref(), Some("a"));
        // Older epochs get the current vote back.
        assert_eq!(v.request(3, "b"), VoteChange::default());
        assert_eq!((v.leader.as_deref(), v.leader_epoch), (Some("a"), 5));
        assert_eq!(
            v.request(6, "b"),
            VoteChange {
                new_epoch: true,
                voted: true
            }
        );
        assert_eq!((v.leader.as_deref(), v.leader_epoch), (Some("b"), 6));
    }

    #[test]
    fn no_vote_when_epoch_is_behind_our_current_epoch() {
        // We are already in epoch 10 (e.g. after our own failover attempt): a request for
        // epoch 8 cannot get a vote even if we never voted.
        let mut v = VoteState {
            current_epoch: 10,
            leader: None,
            leader_epoch: 0,
        };
        assert_eq!(v.request(8, "a"), VoteChange::default());
        assert_eq!(v.leader, None);
        assert_eq!(
            v.request(10, "a"),
            VoteChange {
                new_epoch: false,
                voted: true
            }
        );
    }

    proptest! {
        #[test]
        fn one_vote_per_epoch_and_epochs_never_go_back(
            start in 0u64..5,
            reqs in proptest::collection::vec((0u64..12, 0usize..4), 0..60),
        ) {
            let mut v = VoteState { current_epoch: start, leader: None, leader_epoch: 0 };
            let mut votes: BTreeMap<u64, String> = BTreeMap::new();
            for (epoch, who) in reqs {
                let (cur, le) = (v.current_epoch, v.leader_epoch);
                let change = v.request(epoch, &format!("s{who}"));
                prop_assert!(v.current_epoch >= cur);
                prop_assert!(v.leader_epoch >= le);
                prop_assert!(v.leader_epoch <= v.current_epoch);
                if change.voted {
                    let leader = v.leader.clone().unwrap_or_default();
                    prop_assert!(votes.insert(v.leader_epoch, leader).is_none());
                }
                if let Some(l) = &v.leader {
                    prop_assert_eq!(votes.get(&v.leader_epoch), Some(l));
                }
            }
        }
    }
}
