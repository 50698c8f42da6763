//! INFO-driven transitions: the promotion and the reconfiguration progress.

use super::{fo, master, render, rep, M, NOW};
use crate::{Failover, InfoSeen, ReplicaFlags, Role, Settings, State, Step};

fn info(m: &M, f: &mut Failover, port: u16, seen: InfoSeen, s: &Settings) -> Vec<Step> {
    m.with(|mv| f.on_replica_info(mv, &format!("127.0.0.1:{port}"), &seen, s, NOW))
}

const MASTER: InfoSeen = InfoSeen {
    role: Some(Role::Master),
    follows_promoted: false,
    master_link_up: false,
};

fn promoting() -> (M, Failover) {
    let mut m = master(vec![rep(6380), rep(6381)]);
    m.r(6381).flags = ReplicaFlags::PROMOTED;
    (m, fo(State::WaitPromotion, NOW - 100, Some(6381)))
}

#[test]
fn promoted_replica_reporting_master_starts_the_reconfiguration() {
    let (m, mut f) = promoting();
    let steps = info(&m, &mut f, 6381, MASTER, &Settings::default());
    assert_eq!(
        render(&steps),
        [
            "config-epoch 7",
            "flush",
            "# +promoted-slave @:6381",
            "# +failover-state-reconf-slaves @master",
            "script mym leader start 127.0.0.1 6379 127.0.0.1 6381",
            "force-hello",
        ]
    );
    assert_eq!((f.state, f.state_change_time), (State::ReconfSlaves, NOW));
    // Seen again: nothing more.
    assert!(info(&m, &mut f, 6381, MASTER, &Settings::default()).is_empty());
}

#[test]
fn crash_after_promotion_comes_right_after_promoted_slave() {
    let (m, mut f) = promoting();
    let s = Settings {
        crash_after_promotion: true,
        ..Settings::default()
    };
    let steps = render(&info(&m, &mut f, 6381, MASTER, &s));
    assert_eq!(steps[2..4], ["# +promoted-slave @:6381", "crash"]);
}

#[test]
fn master_role_elsewhere_is_not_a_promotion() {
    // Another replica, not flagged promoted.
    let (m, mut f) = promoting();
    assert!(info(&m, &mut f, 6380, MASTER, &Settings::default()).is_empty());
    // The promoted replica, but the failover is in another state.
    for st in [
        State::None,
        State::SelectSlave,
        State::SendSlaveofNoone,
        State::ReconfSlaves,
    ] {
        let (m, _) = promoting();
        let mut f = fo(st, NOW, Some(6381));
        assert!(info(&m, &mut f, 6381, MASTER, &Settings::default()).is_empty());
        assert_eq!(f.state, st);
    }
    // No role line, or a replica role.
    let (m, mut f) = promoting();
    for role in [None, Some(Role::Replica)] {
        let seen = InfoSeen { role, ..MASTER };
        assert!(info(&m, &mut f, 6381, seen, &Settings::default()).is_empty());
    }
    // Unknown replica.
    assert!(info(&m, &mut f, 6399, MASTER, &Settings::default()).is_empty());
    assert_eq!(f.state, State::WaitPromotion);
}

#[test]
fn reconf_sent_to_inprog_to_done() {
    let mut m = master(vec![rep(6380), rep(6381)]);
    m.r(6381).flags = ReplicaFlags::PROMOTED;
    m.r(6380).flags = ReplicaFlags::RECONF_SENT;
    let mut f = fo(State::ReconfSlaves, NOW, Some(6381));
    let s = Settings::default();
    let seen = |follows, up| InfoSeen {
        role: Some(Role::Replica),
        follows_promoted: follows,
        master_link_up: up,
    };
    // Still following the old master: nothing, even with its link up.
    assert!(info(&m, &mut f, 6380, seen(false, true), &s).is_empty());
    // Following the promoted replica, link down: in progress.
    let steps = info(&m, &mut f, 6380, seen(true, false), &s);
    assert_eq!(
        render(&steps),
        [
            "flags :6380 +reconf_inprog -reconf_sent",
            "* +slave-reconf-inprog @:6380"
        ]
    );
    m.apply(&steps);
    // Link up: done.
    let steps = info(&m, &mut f, 6380, seen(true, true), &s);
    assert_eq!(
        render(&steps),
        [
            "flags :6380 +reconf_done -reconf_inprog",
            "* +slave-reconf-done @:6380"
        ]
    );
    m.apply(&steps);
    assert_eq!(m.r(6380).flags, ReplicaFlags::RECONF_DONE);
    assert!(info(&m, &mut f, 6380, seen(true, true), &s).is_empty());
}

#[test]
fn both_reconf_steps_in_one_info() {
    let mut m = master(vec![rep(6380)]);
    m.r(6380).flags = ReplicaFlags::RECONF_SENT;
    let mut f = fo(State::ReconfSlaves, NOW, Some(6381));
    let seen = InfoSeen {
        role: Some(Role::Replica),
        follows_promoted: true,
        master_link_up: true,
    };
    let steps = info(&m, &mut f, 6380, seen, &Settings::default());
    assert_eq!(
        render(&steps),
        [
            "flags :6380 +reconf_inprog -reconf_sent",
            "* +slave-reconf-inprog @:6380",
            "flags :6380 +reconf_done -reconf_inprog",
            "* +slave-reconf-done @:6380",
        ]
    );
    // A replica reporting master makes no reconf progress.
    let seen = InfoSeen {
        role: Some(Role::Master),
        ..seen
    };
    assert!(info(&m, &mut f, 6380, seen, &Settings::default()).is_empty());
}
