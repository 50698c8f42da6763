//! Property tests: selection picks the best eligible replica; the machine only moves
//! forward (or aborts before the promotion), keeps parallel-syncs, and only names
//! replicas it was given.

use proptest::prelude::*;

use super::{master, rep, NOW, R};
use crate::{
    compare_for_promotion, exclusion, select_replica, Failover, InfoSeen, ReplicaFlags, Role,
    Settings, SlaveOfTarget, State, Step,
};

fn arb_replica(i: u16) -> impl Strategy<Value = R> {
    (
        -2i64..4,
        0u64..4,
        prop::option::of(prop::sample::select(vec!["aa", "AB", "ab", "b"])),
        any::<bool>(),
        any::<bool>(),
        0u64..7_000,
        0u64..35_000,
        -1_000i64..400_000,
    )
        .prop_map(
            move |(prio, off, runid, sdown, disc, ping_age, info_age, link)| {
                let mut r = rep(6380 + i);
                r.priority = prio;
                r.offset = off;
                r.runid = runid.map(|s| s.repeat(20));
                r.flags = if sdown {
                    ReplicaFlags::S_DOWN
                } else {
                    ReplicaFlags::empty()
                };
                r.disconnected = disc && matches!(i, 0 | 3);
                r.last_avail = NOW - ping_age;
                r.info_refresh = NOW - info_age;
                r.link_down = link;
                r
            },
        )
}

fn arb_replicas() -> impl Strategy<Value = Vec<R>> {
    (1usize..6).prop_flat_map(|n| (0..n as u16).map(arb_replica).collect::<Vec<_>>())
}

proptest! {
    #[test]
    fn selection_is_the_best_eligible_replica(reps in arb_replicas(), sdown in any::<bool>()) {
        let mut m = master(reps);
        m.s_down = sdown;
        m.s_down_since = NOW - 3_000;
        let s = Settings::default();
        m.with(|mv| {
            let eligible: Vec<_> = mv.replicas.iter()
                .filter(|r| exclusion(mv, r, &s, NOW).is_none())
                .collect();
            match select_replica(mv, &s, NOW) {
                None => prop_assert!(eligible.is_empty()),
                Some(sel) => {
                    prop_assert!(mv.replicas.iter().any(|r| std::ptr::eq(r, sel)));
                    prop_assert_eq!(exclusion(mv, sel, &s, NOW), None);
                    for r in &eligible {
                        prop_assert_ne!(compare_for_promotion(sel, r), std::cmp::Ordering::Greater);
                    }
                }
            }
            Ok(())
        })?;
    }
}

#[derive(Clone, Debug)]
enum Op {
    Tick(u64),
    Info {
        idx: usize,
        role: u8,
        follows: bool,
        up: bool,
    },
    /// The promoted replica (if any) reports `role:master`.
    PromotedIsMaster,
    ToggleDisconnected(usize),
    ToggleSdown(usize),
}

fn arb_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u64..2_000).prop_map(Op::Tick),
        1 => (0u64..30_000).prop_map(Op::Tick),
        1 => Just(Op::PromotedIsMaster),
        4 => (0usize..5, 0u8..3, any::<bool>(), any::<bool>())
            .prop_map(|(idx, role, follows, up)| Op::Info { idx, role, follows, up }),
        1 => (0usize..5).prop_map(Op::ToggleDisconnected),
        1 => (0usize..5).prop_map(Op::ToggleSdown),
    ]
}

fn in_flight(reps: &[R]) -> usize {
    reps.iter()
        .filter(|r| {
            r.flags
                .intersects(ReplicaFlags::RECONF_SENT | ReplicaFlags::RECONF_INPROG)
        })
        .count()
}

/// The replica names a step refers to.
fn named(step: &Step) -> Vec<&str> {
    match step {
        Step::Flags { replica, .. } | Step::ReconfSentTime { replica, .. } => vec![replica],
        Step::SlaveOf { replica, target } => match target {
            SlaveOfTarget::NoOne => vec![replica],
            SlaveOfTarget::Replica(t) => vec![replica, t],
        },
        Step::SwitchMaster { to } => to.iter().map(String::as_str).collect(),
        _ => vec![],
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]
    #[test]
    fn machine_invariants(
        n in 1usize..6,
        ps in 0u32..3,
        timeout in 1_000u64..120_000,
        ops in prop::collection::vec(arb_op(), 1..60),
    ) {
        let mut m = master((0..n as u16).map(rep).map(|mut r| { r.port += 6380; r.name = format!("127.0.0.1:{}", r.port); r }).collect());
        m.parallel_syncs = ps;
        m.timeout = timeout;
        let s = Settings::default();
        let mut f = Failover { state: State::WaitStart, epoch: 3, ..Failover::default() };
        let mut now = NOW;
        m.apply(&f.elected(now));
        for op in ops {
            let before = f.state;
            let flight_before = in_flight(&m.replicas);
            let steps = match op {
                Op::Tick(dt) => {
                    now += dt;
                    m.tick(&mut f, &s, now)
                }
                Op::Info { idx, role, follows, up } => {
                    let Some(r) = m.replicas.get_mut(idx) else { continue };
                    r.info_refresh = now;
                    r.last_avail = now;
                    let name = r.name.clone();
                    let role = [Some(Role::Master), Some(Role::Replica), None][usize::from(role)];
                    let seen = InfoSeen { role, follows_promoted: follows, master_link_up: up };
                    let steps = m.with(|mv| f.on_replica_info(mv, &name, &seen, &s, now));
                    m.apply(&steps);
                    steps
                }
                Op::PromotedIsMaster => {
                    let Some(name) = f.promoted.clone() else { continue };
                    let seen = InfoSeen { role: Some(Role::Master), follows_promoted: false, master_link_up: false };
                    m.with(|mv| f.on_replica_info(mv, &name, &seen, &s, now))
                }
                Op::ToggleDisconnected(i) => {
                    if let Some(r) = m.replicas.get_mut(i) { r.disconnected = !r.disconnected; }
                    continue;
                }
                Op::ToggleSdown(i) => {
                    if let Some(r) = m.replicas.get_mut(i) {
                        if r.flags.contains(ReplicaFlags::S_DOWN) { r.flags.remove(ReplicaFlags::S_DOWN) } else { r.flags.insert(ReplicaFlags::S_DOWN) }
                    }
                    continue;
                }
            };
            // Forward only, or an abort before the promotion was seen.
            let after = f.state;
            prop_assert!(
                after >= before || (after == State::None && before <= State::WaitPromotion),
                "{:?} -> {:?}", before, after
            );
            // parallel-syncs holds while the reconfiguration runs (the timeout's
            // best-effort pass may exceed it, as in redis).
            let forced_end = steps.iter().any(|st| matches!(st, Step::Event(e) if e.kind == "+failover-end-for-timeout"));
            if before == State::ReconfSlaves && !forced_end && flight_before <= ps as usize {
                prop_assert!(in_flight(&m.replicas) <= ps as usize);
            }
            // Only replicas we know are named; at most one is flagged promoted, and it
            // is the promoted one.
            for st in &steps {
                for name in named(st) {
                    prop_assert!(m.replicas.iter().any(|r| r.name == name), "{}", name);
                }
            }
            let flagged: Vec<&str> = m.replicas.iter()
                .filter(|r| r.flags.contains(ReplicaFlags::PROMOTED))
                .map(|r| r.name.as_str())
                .collect();
            prop_assert_eq!(flagged, f.promoted.iter().map(String::as_str).collect::<Vec<_>>());
            if f.state == State::UpdateConfig {
                let sw = m.with(|mv| f.switch_to_promoted(mv));
                prop_assert_eq!(sw.len(), 2);
                break;
            }
            if f.state == State::None {
                prop_assert!(f.promoted.is_none());
                break;
            }
        }
    }
}
