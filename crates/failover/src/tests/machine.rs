//! The timer-driven states before the promotion, the switch, abort and reset.

use super::{fo, master, render, rep, NOW};
use crate::{
    slave_of_commands, Event, Failover, Level, ReplicaFlags, Settings, State, Step, Subject,
};

fn s() -> Settings {
    Settings::default()
}

#[test]
fn idle_states_do_nothing_on_the_timer() {
    for st in [State::None, State::WaitStart, State::UpdateConfig] {
        let mut m = master(vec![rep(6380)]);
        let mut f = fo(st, NOW, Some(6380));
        let before = f.clone();
        assert!(m.tick(&mut f, &s(), NOW + 1_000_000).is_empty(), "{st:?}");
        assert_eq!(f, before);
    }
}

#[test]
fn elected_moves_to_select_slave() {
    let mut f = fo(State::WaitStart, 5, None);
    let steps = f.elected(NOW);
    assert_eq!(render(&steps), ["# +failover-state-select-slave @master"]);
    assert_eq!((f.state, f.state_change_time), (State::SelectSlave, NOW));
}

#[test]
fn select_slave_picks_flags_and_moves_on() {
    let mut a = rep(6380);
    a.priority = 50;
    let mut b = rep(6381);
    b.priority = 10;
    let mut m = master(vec![a, b]);
    let mut f = fo(State::SelectSlave, 0, None);
    let steps = m.tick(&mut f, &s(), NOW);
    assert_eq!(
        render(&steps),
        [
            "# +selected-slave @:6381",
            "flags :6381 +promoted -",
            "* +failover-state-send-slaveof-noone @:6381",
        ]
    );
    assert_eq!(f.state, State::SendSlaveofNoone);
    assert_eq!(f.state_change_time, NOW);
    assert_eq!(f.promoted.as_deref(), Some("127.0.0.1:6381"));
    assert_eq!(m.r(6381).flags, ReplicaFlags::PROMOTED);
}

#[test]
fn select_slave_without_candidate_aborts() {
    let mut a = rep(6380);
    a.priority = 0;
    let mut m = master(vec![a]);
    let mut f = fo(State::SelectSlave, 0, None);
    f.forced = true;
    let steps = m.tick(&mut f, &s(), NOW);
    assert_eq!(render(&steps), ["# -failover-abort-no-good-slave @master"]);
    assert_eq!(f.state, State::None);
    assert_eq!(f.state_change_time, NOW);
    assert!(!f.forced && !f.in_progress());
}

#[test]
fn send_slaveof_noone_to_a_connected_replica() {
    let mut m = master(vec![rep(6380)]);
    m.r(6380).flags = ReplicaFlags::PROMOTED;
    let mut f = fo(State::SendSlaveofNoone, NOW - 5, Some(6380));
    let steps = m.tick(&mut f, &s(), NOW);
    assert_eq!(
        render(&steps),
        [
            "slaveof :6380 no one",
            "* +failover-state-wait-promotion @:6380"
        ]
    );
    assert_eq!((f.state, f.state_change_time), (State::WaitPromotion, NOW));
}

#[test]
fn send_slaveof_noone_waits_for_a_disconnected_replica_until_the_timeout() {
    let mut m = master(vec![rep(6380)]);
    m.r(6380).flags = ReplicaFlags::PROMOTED;
    m.r(6380).disconnected = true;
    let mut f = fo(State::SendSlaveofNoone, NOW, Some(6380));
    assert!(m.tick(&mut f, &s(), NOW + 180_000).is_empty());
    assert_eq!(f.state, State::SendSlaveofNoone);
    // Reconnected in time: sent.
    let mut m2 = m.clone();
    m2.r(6380).disconnected = false;
    let mut f2 = f.clone();
    assert_eq!(m2.tick(&mut f2, &s(), NOW + 180_000).len(), 2);
    // One millisecond more: abort, promoted flag cleared.
    let steps = m.tick(&mut f, &s(), NOW + 180_001);
    assert_eq!(
        render(&steps),
        [
            "# -failover-abort-slave-timeout @master",
            "flags :6380 + -promoted"
        ]
    );
    assert_eq!(f.state, State::None);
    assert_eq!(f.promoted, None);
    assert_eq!(m.r(6380).flags, ReplicaFlags::empty());
}

#[test]
fn send_slaveof_noone_with_the_replica_gone_times_out() {
    let mut m = master(vec![rep(6381)]);
    let mut f = fo(State::SendSlaveofNoone, NOW, Some(6380));
    assert!(m.tick(&mut f, &s(), NOW + 180_000).is_empty());
    let steps = m.tick(&mut f, &s(), NOW + 180_001);
    // No flag step can apply to a replica we do not know, but the step names it.
    assert_eq!(render(&steps)[0], "# -failover-abort-slave-timeout @master");
    assert_eq!(f.state, State::None);
}

#[test]
fn wait_promotion_times_out_after_failover_timeout() {
    let mut m = master(vec![rep(6380)]);
    m.timeout = 3_000;
    m.r(6380).flags = ReplicaFlags::PROMOTED;
    let mut f = fo(State::WaitPromotion, NOW, Some(6380));
    f.forced = true;
    assert!(m.tick(&mut f, &s(), NOW + 3_000).is_empty());
    assert_eq!(f.state, State::WaitPromotion);
    let steps = m.tick(&mut f, &s(), NOW + 3_001);
    assert_eq!(
        render(&steps),
        [
            "# -failover-abort-slave-timeout @master",
            "flags :6380 + -promoted"
        ]
    );
    assert_eq!(f.state, State::None);
    assert_eq!(f.state_change_time, NOW + 3_001);
    assert!(!f.forced);
}

#[test]
fn abort_is_refused_once_the_promotion_is_seen() {
    for st in [State::ReconfSlaves, State::UpdateConfig] {
        let mut f = fo(st, NOW, Some(6380));
        let before = f.clone();
        assert!(f.abort(NOW + 1).is_empty());
        assert_eq!(f, before);
    }
    // Wait-start (not elected) abort: no promoted replica, nothing to unflag.
    let mut f = fo(State::WaitStart, NOW, None);
    f.forced = true;
    assert!(f.abort(NOW + 1).is_empty());
    assert_eq!(
        (f.state, f.forced, f.state_change_time),
        (State::None, false, NOW + 1)
    );
}

#[test]
fn switch_to_promoted_announces_and_switches() {
    let mut p = rep(6381);
    p.host = "10.0.0.2".to_string();
    let m = master(vec![rep(6380), p]);
    let mut f = fo(State::UpdateConfig, NOW, Some(6381));
    let steps = m.with(|mv| f.switch_to_promoted(mv));
    assert_eq!(
        steps,
        [
            Step::Event(Event {
                level: Level::Warning,
                kind: "+switch-master",
                subject: Subject::None,
                text: "mym 127.0.0.1 6379 10.0.0.2 6381".to_string(),
            }),
            Step::SwitchMaster {
                to: Some("127.0.0.1:6381".to_string())
            },
        ]
    );
    // Without a promoted replica the master "switches" to itself.
    let mut f = fo(State::UpdateConfig, NOW, None);
    assert_eq!(
        render(&m.with(|mv| f.switch_to_promoted(mv))),
        [
            "# +switch-master 'mym 127.0.0.1 6379 127.0.0.1 6379'",
            "switch -"
        ]
    );
    // Only in update_config.
    for st in [State::ReconfSlaves, State::None] {
        let mut f = fo(st, NOW, Some(6381));
        assert!(m.with(|mv| f.switch_to_promoted(mv)).is_empty());
    }
}

#[test]
fn a_newer_config_epoch_supersedes_the_switch() {
    let mut p = rep(6381);
    p.flags = ReplicaFlags::PROMOTED;
    let mut done = rep(6380);
    done.flags = ReplicaFlags::RECONF_DONE;
    let mut m = master(vec![done, p, rep(6382)]);
    // Our own epoch (7) as the config epoch: switch as usual.
    m.config_epoch = 7;
    let mut f = fo(State::UpdateConfig, NOW, Some(6381));
    assert_eq!(
        render(&m.with(|mv| f.switch_to_promoted(mv)))[1],
        "switch :6381"
    );
    // Epoch 8 adopted from another Sentinel: end without switching.
    m.config_epoch = 8;
    let mut f = fo(State::UpdateConfig, NOW, Some(6381));
    f.forced = true;
    let steps = m.with(|mv| f.switch_to_promoted(mv));
    m.apply(&steps);
    assert_eq!(
        render(&steps),
        [
            "flags :6380 + -promoted,reconf_sent,reconf_inprog,reconf_done",
            "flags :6381 + -promoted,reconf_sent,reconf_inprog,reconf_done",
            "log Warning Failover of 'mym' in epoch 7 superseded by configuration epoch 8: not switching",
        ]
    );
    assert!(m.replicas.iter().all(|r| r.flags.is_empty()));
    assert_eq!(
        f,
        Failover {
            state_change_time: NOW,
            start_time: NOW,
            epoch: 7,
            ..Failover::default()
        }
    );
    assert!(m.with(|mv| f.switch_to_promoted(mv)).is_empty());
}

#[test]
fn start_force_and_the_election_bookkeeping() {
    let mut f = Failover::default();
    f.start(4, NOW + 250, NOW);
    assert_eq!(
        (f.state(), f.epoch(), f.start_time(), f.state_change_time()),
        (State::WaitStart, 4, NOW + 250, NOW)
    );
    assert!(f.in_progress() && !f.forced());
    f.force();
    assert!(f.forced());
    // A vote for another Sentinel moves the start time; the delay line is noted.
    f.restart_clock(NOW + 900);
    f.note_delay_logged(NOW + 900);
    assert_eq!((f.start_time(), f.delay_logged()), (NOW + 900, NOW + 900));
    // Elected in a later epoch: the failover goes on under it.
    f.elected_in_epoch(5);
    f.elected(NOW + 1_000);
    assert_eq!(
        (f.state(), f.epoch(), f.state_change_time()),
        (State::SelectSlave, 5, NOW + 1_000)
    );
    // The reset keeps the epoch and the logged delay, and allows a retry at once.
    f.reset();
    assert_eq!(
        f,
        Failover {
            epoch: 5,
            delay_logged: NOW + 900,
            ..Failover::default()
        }
    );
}

#[test]
fn current_master_replica_from_reconf_slaves_on() {
    let cases = [
        (State::None, None),
        (State::WaitStart, None),
        (State::SelectSlave, None),
        (State::SendSlaveofNoone, None),
        (State::WaitPromotion, None),
        (State::ReconfSlaves, Some("127.0.0.1:6380")),
        (State::UpdateConfig, Some("127.0.0.1:6380")),
    ];
    for (st, want) in cases {
        assert_eq!(
            fo(st, 0, Some(6380)).current_master_replica(),
            want,
            "{st:?}"
        );
    }
    assert_eq!(
        fo(State::ReconfSlaves, 0, None).current_master_replica(),
        None
    );
}

#[test]
fn reset_clears_everything_but_the_epoch() {
    let mut f = fo(State::ReconfSlaves, NOW, Some(6380));
    f.forced = true;
    f.reset();
    assert_eq!(
        f,
        Failover {
            epoch: 7,
            ..Failover::default()
        }
    );
}

#[test]
fn state_names_and_order() {
    let all = [
        (State::None, "none"),
        (State::WaitStart, "wait_start"),
        (State::SelectSlave, "select_slave"),
        (State::SendSlaveofNoone, "send_slaveof_noone"),
        (State::WaitPromotion, "wait_promotion"),
        (State::ReconfSlaves, "reconf_slaves"),
        (State::UpdateConfig, "update_config"),
    ];
    for (i, (st, name)) in all.iter().enumerate() {
        assert_eq!(st.as_str(), *name);
        if i > 0 {
            assert!(all[i - 1].0 < *st);
        }
    }
}

#[test]
fn slave_of_transaction_words() {
    let no_one = slave_of_commands(None);
    assert_eq!(
        no_one,
        [
            vec!["MULTI"],
            vec!["SLAVEOF", "NO", "ONE"],
            vec!["CONFIG", "REWRITE"],
            vec!["CLIENT", "KILL", "TYPE", "normal"],
            vec!["CLIENT", "KILL", "TYPE", "pubsub"],
            vec!["EXEC"],
        ]
    );
    assert_eq!(
        slave_of_commands(Some(("10.0.0.2", 6381)))[1],
        ["SLAVEOF", "10.0.0.2", "6381"]
    );
}

#[test]
fn event_message_rendering() {
    let e = Event {
        level: Level::Warning,
        kind: "+promoted-slave",
        subject: Subject::Replica("x".into()),
        text: String::new(),
    };
    assert_eq!(
        e.message("slave x 1.2.3.4 5 @ m 1.2.3.4 6"),
        "slave x 1.2.3.4 5 @ m 1.2.3.4 6"
    );
    let e = Event {
        text: "more".into(),
        ..e
    };
    assert_eq!(e.message("p"), "p more");
    let e = Event {
        subject: Subject::None,
        ..e
    };
    assert_eq!(e.message("p"), "more");
}
