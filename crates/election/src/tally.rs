//! The leader tally (`sentinelGetLeader`): who won the election for a master.
//!
//! Every vote counts in one epoch: our current epoch, the one our vote requests carry.
//! The other Sentinels' reported votes count when they are in it; then we cast our own
//! vote in it through the vote rule (for the most voted Sentinel, or for ourselves if
//! nobody got a vote). The winner needs at least `max(quorum, voters / 2 + 1)` votes,
//! `voters` being every Sentinel known for the master plus us, reachable or not: a
//! minority partition can never elect a leader, whatever the quorum.
//!
//! Deviation from redis 7.0.15, found by the simulator with several masters: redis
//! counts its own vote in the failover epoch but the others' in the current epoch. When
//! another master's election moves the current epoch on during an attempt, redis adds
//! its old own vote to the others' new votes, while its own vote in the new epoch is
//! still free and goes to a rival: two leaders for one master. Counting every vote in
//! the current epoch makes the leader of (master, epoch) unique; the winner then fails
//! over under that epoch (see [`crate::wait_start`]).
//!
//! Ties: redis picks among equally voted candidates in the iteration order of a hash
//! table with a per-process random seed, i.e. arbitrarily. Here the smallest run id
//! (byte order) wins a tie, so Sentinels breaking the same tie vote alike. A tie can
//! only decide whom we vote for: two candidates cannot both reach a majority.

use std::collections::BTreeMap;

use crate::step::Step;
use crate::view::{MasterView, Me};
use crate::vote::vote_leader;

/// The outcome of a tally.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tally {
    /// Apply these in order (our own vote, if we cast one now).
    pub steps: Vec<Step>,
    /// The elected leader's run id, if one has enough votes.
    pub winner: Option<String>,
    /// Votes of the most voted candidate (also when it fell short).
    pub votes: u64,
    /// Votes needed: `max(quorum, voters / 2 + 1)`.
    pub needed: u64,
    /// The epoch every counted vote was cast in (our current epoch).
    pub epoch: u64,
}

/// `sentinelGetLeader`: tally the votes of our current epoch, casting our own vote if
/// we have not voted in it yet.
pub fn get_leader(me: &Me<'_>, master: &MasterView<'_>) -> Tally {
    let epoch = me.current_epoch;
    let voters = master.peers.len() as u64 + 1;
    let mut counters: BTreeMap<&str, u64> = BTreeMap::new();
    for peer in &master.peers {
        if let Some(leader) = peer.leader.filter(|_| peer.leader_epoch == epoch) {
            *counters.entry(leader).or_insert(0) += 1;
        }
    }
    // Ascending order and a strict comparison: the smallest run id wins a tie.
    let mut winner: Option<String> = None;
    let mut max_votes = 0u64;
    for (runid, &votes) in &counters {
        if votes > max_votes {
            max_votes = votes;
            winner = Some((*runid).to_string());
        }
    }

    let candidate = winner.as_deref().unwrap_or(me.myid);
    let mine = vote_leader(me, master, epoch, candidate);
    if let Some(myvote) = mine
        .leader
        .as_deref()
        .filter(|_| mine.leader_epoch == epoch)
    {
        let votes = counters.get(myvote).copied().unwrap_or(0) + 1;
        if votes > max_votes {
            max_votes = votes;
            winner = Some(myvote.to_string());
        }
    }

    let needed = (voters / 2 + 1).max(u64::from(master.quorum));
    if max_votes < needed {
        winner = None;
    }
    Tally {
        steps: mine.steps,
        winner,
        votes: max_votes,
        needed,
        epoch,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::step::{Event, Subject};
    use crate::view::PeerVote;

    const ME: &str = "me";

    fn me(current_epoch: u64) -> Me<'static> {
        Me {
            myid: ME,
            current_epoch,
            now_ms: 5_000,
            desync_ms: 7,
            ..Me::default()
        }
    }

    fn peers<'a>(votes: &[(Option<&'a str>, u64)]) -> Vec<PeerVote<'a>> {
        votes
            .iter()
            .map(|&(leader, leader_epoch)| PeerVote {
                leader,
                leader_epoch,
            })
            .collect()
    }

    fn master<'a>(quorum: u32, votes: &[(Option<&'a str>, u64)]) -> MasterView<'a> {
        MasterView {
            quorum,
            peers: peers(votes),
            ..MasterView::default()
        }
    }

    #[test]
    fn alone_we_vote_for_ourselves_and_need_a_majority() {
        // Two others, silent: we vote for ourselves (1 of 3) and are not elected.
        let t = get_leader(&me(4), &master(1, &[(None, 0), (None, 0)]));
        assert_eq!(
            t.steps,
            vec![
                Step::SetVote {
                    leader: ME.into(),
                    epoch: 4
                },
                Step::FlushConfig,
                Step::Event(Event {
                    kind: "+vote-for-leader",
                    subject: Subject::None,
                    text: "me 4".into()
                }),
            ]
        );
        assert_eq!((t.winner, t.votes, t.needed), (None, 1, 2));
        // One of them voted for us in our epoch: 2 of 3.
        let m = master(1, &[(Some(ME), 4), (None, 0)]);
        let t = get_leader(&me(4), &m);
        assert_eq!((t.winner.as_deref(), t.votes, t.needed), (Some(ME), 2, 2));
    }

    #[test]
    fn a_sentinel_alone_elects_itself() {
        let t = get_leader(&me(1), &master(1, &[]));
        assert_eq!((t.winner.as_deref(), t.votes, t.needed), (Some(ME), 1, 1));
    }

    #[test]
    fn the_quorum_can_require_more_than_a_majority() {
        let m = master(3, &[(Some(ME), 4), (None, 0)]);
        let t = get_leader(&me(4), &m);
        assert_eq!((t.winner, t.votes, t.needed), (None, 2, 3));
    }

    #[test]
    fn we_join_the_most_voted_candidate() {
        // Others: b, b, c in our epoch: we vote b (delaying our own failover), b has 3 of 5.
        let m = master(
            2,
            &[(Some("b"), 4), (Some("c"), 4), (Some("b"), 4), (None, 0)],
        );
        let t = get_leader(&me(4), &m);
        assert_eq!((t.winner.as_deref(), t.votes, t.needed), (Some("b"), 3, 3));
        assert_eq!(t.steps.last(), Some(&Step::SetFailoverStartTime(5_007)));
    }

    #[test]
    fn ties_go_to_the_smallest_run_id() {
        let m = master(1, &[(Some("c"), 4), (Some("b"), 4), (None, 0), (None, 0)]);
        let t = get_leader(&me(4), &m);
        assert_eq!(
            t.steps[0],
            Step::SetVote {
                leader: "b".into(),
                epoch: 4
            }
        );
        assert_eq!((t.winner, t.votes, t.needed), (None, 2, 3));
    }

    #[test]
    fn votes_of_other_epochs_do_not_count() {
        let m = master(1, &[(Some(ME), 3), (Some(ME), 5)]);
        let t = get_leader(&me(4), &m);
        assert_eq!((t.winner, t.votes), (None, 1));
    }

    #[test]
    fn our_vote_counts_in_the_current_epoch_like_the_others() {
        // We already voted for b in 4: no new vote, and b gets our vote.
        let m = MasterView {
            leader: Some("b"),
            leader_epoch: 4,
            ..master(1, &[(Some("b"), 4), (None, 0)])
        };
        let t = get_leader(&me(4), &m);
        assert!(t.steps.is_empty());
        assert_eq!((t.winner.as_deref(), t.votes, t.epoch), (Some("b"), 2, 4));
        // The current epoch moved on to 5 (another master's election): our vote in 4
        // no longer counts, b's neither.
        let t = get_leader(&me(5), &MasterView { leader: None, ..m });
        assert_eq!((t.winner, t.votes, t.epoch), (None, 1, 5));
    }

    #[test]
    fn an_old_own_vote_is_not_added_to_new_votes() {
        // Found by the simulator with several masters. We voted for ourselves in 1 when
        // our failover of this master started; another master's election moved the
        // current epoch to 2, and one peer voted for us in 2. redis would add our
        // epoch-1 vote to it (2 of 3, elected) while our epoch-2 vote stays free for a
        // rival, who could then be elected too. We cast our epoch-2 vote now instead,
        // so nobody else can have it.
        let m = MasterView {
            leader: Some(ME),
            leader_epoch: 1,
            ..master(1, &[(Some(ME), 2), (None, 0)])
        };
        let t = get_leader(&me(2), &m);
        assert_eq!(
            t.steps[0],
            Step::SetVote {
                leader: ME.into(),
                epoch: 2
            }
        );
        assert_eq!((t.winner.as_deref(), t.votes, t.epoch), (Some(ME), 2, 2));
    }

    #[test]
    fn peers_count_in_the_current_epoch_even_for_an_older_failover() {
        // redis compares the peers' vote epoch with the current epoch, not with the
        // failover epoch: after adopting epoch 6 from a vote request (and voting for
        // its sender), a Sentinel still waiting to start its epoch-5 failover is
        // elected by epoch-6 votes (and then fails over under epoch 6).
        let m = MasterView {
            leader: Some("b"),
            leader_epoch: 6,
            ..master(
                1,
                &[(Some("b"), 6), (Some(ME), 6), (Some(ME), 6), (Some(ME), 6)],
            )
        };
        let t = get_leader(&me(6), &m);
        assert!(t.steps.is_empty());
        assert_eq!((t.winner.as_deref(), t.votes, t.needed), (Some(ME), 3, 3));
    }
}
