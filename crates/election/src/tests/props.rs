//! Property tests of the vote and tally rules on one Sentinel.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::model::Node;
use crate::{answer_vote_request, get_leader, start_failover, MasterView, PeerVote, Step};

#[derive(Clone, Debug)]
enum Input {
    /// A vote request: epoch as sent (signed), requester index (0 = us).
    Request(i64, usize),
    /// A tally (in our current epoch), peers as given.
    Tally,
    /// Start a failover attempt.
    Start,
}

fn input() -> impl Strategy<Value = Input> {
    prop_oneof![
        6 => (0i64..14, 0usize..4).prop_map(|(e, w)| Input::Request(e, w)),
        1 => (-3i64..0, 0usize..4).prop_map(|(e, w)| Input::Request(e, w)),
        2 => Just(Input::Tally),
        1 => Just(Input::Start),
    ]
}

fn who(i: usize) -> String {
    if i == 0 {
        "me".to_string()
    } else {
        format!("s{i}")
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn one_vote_per_epoch_and_epochs_never_go_back(
        start in 0u64..5,
        peer_votes in proptest::collection::vec((0usize..4, 0u64..14), 0..4),
        inputs in proptest::collection::vec(input(), 0..80),
    ) {
        let mut node = Node::new("me".to_string());
        node.current_epoch = start;
        let mut votes: BTreeMap<u64, String> = BTreeMap::new();
        let peer_names: Vec<String> = peer_votes.iter().map(|(w, _)| who(*w)).collect();
        for (t, inp) in inputs.into_iter().enumerate() {
            let me = node.me(1_000 + t as u64);
            let view = node.view(&[], 1);
            let steps = match inp {
                Input::Request(epoch, w) => {
                    answer_vote_request(&me, Some(&view), epoch, &who(w)).steps
                }
                Input::Tally => {
                    let view = MasterView {
                        peers: peer_votes
                            .iter()
                            .zip(&peer_names)
                            .map(|((_, e), n)| PeerVote { leader: Some(n), leader_epoch: *e })
                            .collect(),
                        ..view
                    };
                    get_leader(&me, &view).steps
                }
                Input::Start => start_failover(&me),
            };
            let (cur, le) = (node.current_epoch, node.leader_epoch);
            for s in &steps {
                if let Step::SetVote { leader, epoch } = s {
                    // A new vote is always in an epoch never voted in before.
                    prop_assert!(*epoch > le);
                    prop_assert!(votes.insert(*epoch, leader.clone()).is_none());
                }
                if let Step::SetCurrentEpoch(e) = s {
                    // The one exception, as in redis: a failover started at the
                    // greatest epoch (reachable only through a negative epoch in a
                    // request) wraps to 0 (`++current_epoch` on a uint64_t).
                    prop_assert!(*e > cur || (cur == u64::MAX && *e == 0));
                }
            }
            let wrapped = matches!(steps.first(), Some(Step::SetCurrentEpoch(0)));
            node.apply(steps);
            if wrapped {
                // Restart the bookkeeping from the wrapped state.
                votes.clear();
                node.leader = None;
                node.leader_epoch = 0;
                continue;
            }
            prop_assert!(node.current_epoch >= cur);
            prop_assert!(node.leader_epoch >= le);
            prop_assert!(node.leader_epoch <= node.current_epoch);
            if let Some(l) = &node.leader {
                prop_assert_eq!(votes.get(&node.leader_epoch), Some(l));
            }
        }
    }

    #[test]
    fn a_leader_has_at_least_quorum_and_a_majority(
        current in 1u64..4,
        quorum in 1u32..7,
        ours in proptest::option::of((0usize..4, 0u64..5)),
        peers in proptest::collection::vec(proptest::option::of((0usize..4, 1u64..4)), 0..7),
    ) {
        let names: Vec<Option<(String, u64)>> =
            peers.iter().map(|p| p.map(|(w, e)| (who(w), e))).collect();
        let our_name = ours.map(|(w, e)| (who(w), e));
        let view = MasterView {
            leader: our_name.as_ref().map(|(n, _)| n.as_str()),
            leader_epoch: our_name.as_ref().map_or(0, |(_, e)| *e),
            peers: names
                .iter()
                .map(|p| PeerVote {
                    leader: p.as_ref().map(|(n, _)| n.as_str()),
                    leader_epoch: p.as_ref().map_or(0, |(_, e)| *e),
                })
                .collect(),
            quorum,
            ..MasterView::default()
        };
        let mut node = Node::new("me".to_string());
        node.current_epoch = current;
        let t = get_leader(&node.me(5), &view);
        prop_assert_eq!(t.epoch, current);
        let voters = peers.len() as u64 + 1;
        let needed = (voters / 2 + 1).max(u64::from(quorum));
        prop_assert_eq!(t.needed, needed);
        if let Some(w) = &t.winner {
            // Recount independently: peers in the current epoch plus our vote after
            // the tally if it is in the current epoch too.
            let from_peers = names
                .iter()
                .flatten()
                .filter(|(n, e)| n == w && *e == current)
                .count() as u64;
            node.leader = view.leader.map(str::to_string);
            node.leader_epoch = view.leader_epoch;
            node.apply(t.steps.clone());
            let mine = u64::from(node.leader.as_deref() == Some(w.as_str()) && node.leader_epoch == current);
            prop_assert_eq!(from_peers + mine, t.votes);
            prop_assert!(t.votes >= needed);
            prop_assert!(t.votes * 2 > voters);
        }
    }
}
