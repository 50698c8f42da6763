//! A real election replayed: three redis-sentinel 7.0.15 processes (quorum 2,
//! failover-timeout 3000) and a killed master. Each Sentinel's events and log lines, in
//! order, as their logs showed them (timestamps in the comments).

use super::model::Node;
use crate::{
    answer_vote_request, next_failover_delay_text, request_runid, start_failover_if_needed,
    wait_start, Event, MasterView, Step, Subject,
};

const L: &str = "fa1e8eed93f68330631a2df713eaa8b3d5e91fb4";
const F1: &str = "e4c9ff5a41ffb5d73b153f7d513c1f51186a1e50";
const F2: &str = "3fa1d276ea6c0b63613912ee11ee997095abd3d0";
/// 2026-11-23 11:43:46.849 UTC, when the leader saw ODOWN.
const T: u64 = 1_795_434_226_849;
const PREFIX: &str = "master mymaster 127.0.0.1 27760";

/// Events and log lines as the log shows them (`<kind> <message>`).
fn lines(steps: &[Step]) -> Vec<String> {
    steps
        .iter()
        .filter_map(|s| match s {
            Step::Event(e) => Some(format!("{} {}", e.kind, e.message(PREFIX))),
            Step::Log(l) => Some(l.clone()),
            Step::NextFailoverDelay { not_before_secs } => {
                Some(next_failover_delay_text(*not_before_secs, 0))
            }
            // The failover crate's `elected` emits this event when the core applies it.
            Step::SelectSlave { .. } => Some(format!("+failover-state-select-slave {PREFIX}")),
            _ => None,
        })
        .collect()
}

/// Each Sentinel knows the two others (indices 1 and 2 from the leader's side).
fn view(node: &Node) -> MasterView<'_> {
    MasterView {
        quorum: 2,
        odown: true,
        failover_timeout: 3_000,
        ..node.view(&[1, 2], 2)
    }
}

#[test]
fn replays_a_real_three_sentinel_election() {
    let mut leader = Node::new(L.into());
    let mut followers = [Node::new(F1.into()), Node::new(F2.into())];

    // 46.849 leader: +odown, then in the same timer run the start and the first tally.
    let me = leader.me(T);
    let start = start_failover_if_needed(&me, &view(&leader));
    assert!(start.started);
    let mut out = lines(&start.steps);
    leader.apply(start.steps);
    assert!(leader.in_progress);
    let steps = wait_start(&leader.me(T + 1), &view(&leader));
    out.extend(lines(&steps));
    leader.apply(steps);
    assert_eq!(
        out,
        [
            "+new-epoch 1".to_string(),
            format!("+try-failover {PREFIX}"),
            format!("+vote-for-leader {L} 1"),
        ]
    );

    // 46.851 followers: the forced ask carries the leader's id and epoch 1.
    let runid = request_runid(leader.in_progress, L);
    for (j, f) in followers.iter_mut().enumerate() {
        let mut me = f.me(T + 3);
        me.desync_ms = 500;
        let reply = answer_vote_request(&me, Some(&view(f)), 1, runid);
        assert_eq!(
            lines(&reply.steps),
            [
                "+new-epoch 1".to_string(),
                format!("+vote-for-leader {L} 1")
            ]
        );
        assert_eq!((reply.leader_text(), reply.epoch_integer()), (L, 1));
        f.apply(reply.steps);
        assert_eq!(f.failover_start_time, T + 503);
        leader.peer_votes.insert(j + 1, (L.to_string(), 1));
    }

    // 46.916 leader: elected.
    let steps = wait_start(&leader.me(T + 67), &view(&leader));
    assert_eq!(
        lines(&steps),
        [
            format!("+elected-leader {PREFIX}"),
            format!("+failover-state-select-slave {PREFIX}"),
        ]
    );

    // 47.786 a follower reaches ODOWN itself: its vote holds its own attempt back;
    // the delay line once, then nothing.
    let f = &mut followers[0];
    let s = start_failover_if_needed(&f.me(T + 937), &view(f));
    assert!(!s.started);
    assert_eq!(
        lines(&s.steps),
        ["Next failover delay: I will not start a failover before Mon Nov 23 11:43:53 2026"]
    );
    let logged = MasterView {
        failover_delay_logged: f.failover_start_time,
        ..view(f)
    };
    assert_eq!(
        start_failover_if_needed(&f.me(T + 1_000), &logged).steps,
        vec![]
    );
    assert!(start_failover_if_needed(&f.me(T + 503 + 6_000), &logged).started);
}

#[test]
fn event_messages_render_the_prefix_only_where_redis_does() {
    let plain = Event {
        kind: "+new-epoch",
        subject: Subject::None,
        text: "7".into(),
    };
    assert_eq!(plain.message(PREFIX), "7");
    let at_master = Event {
        kind: "+try-failover",
        subject: Subject::Master,
        text: String::new(),
    };
    assert_eq!(at_master.message(PREFIX), PREFIX);
}
