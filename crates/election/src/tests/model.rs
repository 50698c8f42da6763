//! A model of several Sentinels electing leaders for one master, driven by random
//! interleavings of failover starts, vote requests, answers going stale, tallies and
//! aborts. Each simulated Sentinel applies the crate's steps to its own state, as the
//! core does. Safety: never two different leaders elected by the votes of one epoch.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;

use crate::{
    answer_vote_request, request_runid, start_failover, wait_start, MasterView, Me, PeerVote, Step,
};

/// One simulated Sentinel's state for the master.
#[derive(Clone, Debug, Default)]
pub(crate) struct Node {
    pub id: String,
    pub current_epoch: u64,
    pub leader: Option<String>,
    pub leader_epoch: u64,
    pub in_progress: bool,
    pub failover_epoch: u64,
    pub failover_start_time: u64,
    /// Last vote each peer reported to us (by node index).
    pub peer_votes: BTreeMap<usize, (String, u64)>,
}

impl Node {
    pub fn new(id: String) -> Node {
        Node {
            id,
            ..Node::default()
        }
    }

    pub fn me(&self, now_ms: u64) -> Me<'_> {
        Me {
            myid: &self.id,
            current_epoch: self.current_epoch,
            now_ms,
            desync_ms: 0,
            election_timeout_ms: u64::MAX,
            crash_after_election: false,
        }
    }

    /// The master as this node sees it, `others` being the indices of the other
    /// Sentinels it knows.
    pub fn view(&self, others: &[usize], quorum: u32) -> MasterView<'_> {
        let peers = others
            .iter()
            .map(|j| match self.peer_votes.get(j) {
                Some((l, e)) => PeerVote {
                    leader: Some(l),
                    leader_epoch: *e,
                },
                None => PeerVote::default(),
            })
            .collect();
        MasterView {
            leader: self.leader.as_deref(),
            leader_epoch: self.leader_epoch,
            peers,
            quorum,
            odown: true,
            failover_in_progress: self.in_progress,
            failover_epoch: self.failover_epoch,
            failover_start_time: self.failover_start_time,
            failover_timeout: u64::MAX / 4,
            ..MasterView::default()
        }
    }

    /// Apply steps as the core does; returns whether `SelectSlave` (elected) came.
    pub fn apply(&mut self, steps: Vec<Step>) -> bool {
        let mut elected = false;
        for step in steps {
            match step {
                Step::SetCurrentEpoch(e) => self.current_epoch = e,
                Step::SetVote { leader, epoch } => {
                    self.leader = Some(leader);
                    self.leader_epoch = epoch;
                }
                Step::StartFailover {
                    epoch, start_time, ..
                } => {
                    self.in_progress = true;
                    self.failover_epoch = epoch;
                    self.failover_start_time = start_time;
                }
                Step::SetFailoverStartTime(t) => self.failover_start_time = t,
                Step::AbortFailover => self.in_progress = false,
                Step::SelectSlave { .. } => elected = true,
                _ => {}
            }
        }
        elected
    }
}

fn node_id(i: usize) -> String {
    format!("{i:040}")
}

#[derive(Clone, Debug)]
enum Op {
    Start(usize),
    Ask(usize, usize),
    Forget(usize, usize),
    Tally(usize),
    Abort(usize),
}

fn op(n: usize) -> impl Strategy<Value = Op> {
    prop_oneof![
        1 => (0..n).prop_map(Op::Start),
        6 => (0..n, 0..n).prop_map(|(i, j)| Op::Ask(i, j)),
        1 => (0..n, 0..n).prop_map(|(i, j)| Op::Forget(i, j)),
        3 => (0..n).prop_map(Op::Tally),
        1 => (0..n).prop_map(Op::Abort),
    ]
}

/// An election won in the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Won {
    /// The winner's current epoch at the tally: the epoch whose peer votes counted.
    counted: u64,
    /// The winner.
    node: usize,
    /// The epoch of its failover (becomes the promoted master's config epoch).
    failover_epoch: u64,
}

/// Run one interleaving; returns the elections won, in order.
fn run(n: usize, quorum: u32, ops: &[Op]) -> Result<Vec<Won>, String> {
    let mut nodes: Vec<Node> = (0..n).map(|i| Node::new(node_id(i))).collect();
    let others: Vec<Vec<usize>> = (0..n)
        .map(|i| (0..n).filter(|&j| j != i).collect())
        .collect();
    let mut elected = Vec::new();
    for (t, op) in ops.iter().enumerate() {
        let now = 1_000 + t as u64;
        match *op {
            Op::Start(i) if !nodes[i].in_progress => {
                let steps = start_failover(&nodes[i].me(now));
                nodes[i].apply(steps);
            }
            Op::Ask(i, j) if i != j => {
                let runid = request_runid(nodes[i].in_progress, &nodes[i].id).to_string();
                let epoch = nodes[i].current_epoch;
                let reply = {
                    let v = nodes[j].view(&others[j], quorum);
                    answer_vote_request(&nodes[j].me(now), Some(&v), epoch as i64, &runid)
                };
                let before = nodes[j].leader_epoch;
                nodes[j].apply(reply.steps.clone());
                if nodes[j].leader_epoch < before {
                    return Err(format!("node {j} vote epoch went back"));
                }
                if let Some(l) = reply.leader.clone() {
                    nodes[i].peer_votes.insert(j, (l, reply.leader_epoch));
                }
            }
            Op::Forget(i, j) => {
                nodes[i].peer_votes.remove(&j);
            }
            Op::Tally(i) if nodes[i].in_progress => {
                let counted = nodes[i].current_epoch;
                let steps = {
                    let v = nodes[i].view(&others[i], quorum);
                    wait_start(&nodes[i].me(now), &v)
                };
                if nodes[i].apply(steps) {
                    elected.push(Won {
                        counted,
                        node: i,
                        failover_epoch: nodes[i].failover_epoch,
                    });
                    nodes[i].in_progress = false;
                }
            }
            Op::Abort(i) => nodes[i].in_progress = false,
            _ => {}
        }
    }
    Ok(elected)
}

/// Distinct winners per counted epoch.
fn leaders_by_epoch(won: &[Won]) -> BTreeMap<u64, BTreeSet<usize>> {
    let mut by: BTreeMap<u64, BTreeSet<usize>> = BTreeMap::new();
    for w in won {
        by.entry(w.counted).or_default().insert(w.node);
    }
    by
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn three_sentinels_never_elect_two_leaders_in_one_epoch(
        quorum in 1u32..4,
        ops in proptest::collection::vec(op(3), 0..120),
    ) {
        let won = run(3, quorum, &ops).map_err(TestCaseError::fail)?;
        for (epoch, leaders) in leaders_by_epoch(&won) {
            prop_assert!(leaders.len() <= 1, "epoch {}: {:?}", epoch, leaders);
        }
    }

    #[test]
    fn five_sentinels_never_elect_two_leaders_in_one_epoch(
        quorum in 1u32..6,
        ops in proptest::collection::vec(op(5), 0..200),
    ) {
        let won = run(5, quorum, &ops).map_err(TestCaseError::fail)?;
        for (epoch, leaders) in leaders_by_epoch(&won) {
            prop_assert!(leaders.len() <= 1, "epoch {}: {:?}", epoch, leaders);
        }
    }
}

#[test]
fn the_model_does_elect_leaders() {
    // Guard against a model that trivially never elects: a plain election succeeds.
    let ops = [Op::Start(0), Op::Ask(0, 1), Op::Ask(0, 2), Op::Tally(0)];
    let won = run(3, 2, &ops).unwrap_or_default();
    assert_eq!(
        won,
        vec![Won {
            counted: 1,
            node: 0,
            failover_epoch: 1
        }]
    );
}

#[test]
fn one_failover_epoch_can_get_two_leaders_as_in_redis() {
    // redis counts the peers' votes of its *current* epoch for its older failover
    // epoch. Five Sentinels: 3 starts epoch 1 and is elected by 2 and 4; 0 started
    // epoch 1 too (self-vote, and a vote from 1); 1 starts epoch 2 and asks 0, which
    // moves to epoch 2 and votes 1; 0, still waiting in its epoch-1 failover, asks for
    // epoch-2 votes and gets 2, 3 and 4. Both 3 and 0 win with failover epoch 1 (by the
    // votes of epochs 1 and 2): failover epochs, hence config epochs, are not unique.
    let ops = [
        Op::Start(3),
        Op::Start(0),
        Op::Tally(0),
        Op::Ask(0, 1),
        Op::Ask(3, 4),
        Op::Ask(3, 2),
        Op::Tally(3),
        Op::Start(1),
        Op::Tally(1),
        Op::Ask(1, 0),
        Op::Ask(0, 2),
        Op::Ask(0, 3),
        Op::Ask(0, 4),
        Op::Tally(0),
    ];
    let won = run(5, 2, &ops).unwrap_or_default();
    assert_eq!(
        won,
        vec![
            Won {
                counted: 1,
                node: 3,
                failover_epoch: 1
            },
            Won {
                counted: 2,
                node: 0,
                failover_epoch: 1
            },
        ]
    );
}
