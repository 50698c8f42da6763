//! Reconfiguring the other replicas: parallel-syncs, skips, the per-replica timeout, the
//! end of the failover and its timeout.

use super::{fo, master, render, rep, M, NOW};
use crate::{Failover, ReplicaFlags, Settings, State};

/// Promoted :6380, others :6381.. in view order.
fn setup(others: &[u16], ps: u32) -> (M, Failover) {
    let mut reps = vec![rep(6380)];
    reps.extend(others.iter().map(|p| rep(*p)));
    let mut m = master(reps);
    m.parallel_syncs = ps;
    m.r(6380).flags = ReplicaFlags::PROMOTED;
    (m, fo(State::ReconfSlaves, NOW, Some(6380)))
}

fn s() -> Settings {
    Settings::default()
}

#[test]
fn one_at_a_time_with_parallel_syncs_one() {
    let (mut m, mut f) = setup(&[6381, 6382], 1);
    let steps = m.tick(&mut f, &s(), NOW + 100);
    assert_eq!(
        render(&steps),
        [
            "slaveof :6381 :6380",
            "flags :6381 +reconf_sent -",
            "sent-time :6381 100",
            "* +slave-reconf-sent @:6381",
        ]
    );
    // In flight: nothing more.
    assert!(m.tick(&mut f, &s(), NOW + 200).is_empty());
    m.r(6381).flags = ReplicaFlags::RECONF_INPROG;
    assert!(m.tick(&mut f, &s(), NOW + 300).is_empty());
    m.r(6381).flags = ReplicaFlags::RECONF_DONE;
    assert_eq!(
        render(&m.tick(&mut f, &s(), NOW + 400))[3],
        "* +slave-reconf-sent @:6382"
    );
    m.r(6382).flags = ReplicaFlags::RECONF_DONE;
    let steps = m.tick(&mut f, &s(), NOW + 500);
    assert_eq!(render(&steps), ["# +failover-end @master"]);
    assert_eq!(
        (f.state, f.state_change_time),
        (State::UpdateConfig, NOW + 500)
    );
}

#[test]
fn parallel_syncs_two_sends_two() {
    let (mut m, mut f) = setup(&[6381, 6382, 6383], 2);
    let steps = render(&m.tick(&mut f, &s(), NOW));
    let sent: Vec<&String> = steps
        .iter()
        .filter(|l| l.contains("+slave-reconf-sent"))
        .collect();
    assert_eq!(
        sent,
        ["* +slave-reconf-sent @:6381", "* +slave-reconf-sent @:6382"]
    );
}

#[test]
fn skips_promoted_done_in_flight_and_disconnected() {
    let (mut m, mut f) = setup(&[6381, 6382, 6383, 6384], 10);
    m.r(6381).flags = ReplicaFlags::RECONF_DONE;
    m.r(6382).flags = ReplicaFlags::RECONF_INPROG;
    m.r(6383).disconnected = true;
    let steps = render(&m.tick(&mut f, &s(), NOW));
    assert_eq!(steps[0], "slaveof :6384 :6380");
    assert_eq!(steps.len(), 4);
    // S_DOWN replicas are still sent to when connected, but never waited for.
    let (mut m, mut f) = setup(&[6381], 1);
    m.r(6381).flags = ReplicaFlags::S_DOWN;
    let steps = render(&m.tick(&mut f, &s(), NOW));
    assert_eq!(steps[3], "* +slave-reconf-sent @:6381");
    assert_eq!(steps[4], "# +failover-end @master");
}

#[test]
fn down_and_disconnected_replicas_do_not_block_the_end() {
    let (mut m, mut f) = setup(&[6381, 6382], 1);
    m.r(6381).flags = ReplicaFlags::S_DOWN;
    m.r(6381).disconnected = true;
    m.r(6382).flags = ReplicaFlags::RECONF_DONE;
    assert_eq!(
        render(&m.tick(&mut f, &s(), NOW)),
        ["# +failover-end @master"]
    );
}

#[test]
fn a_disconnected_replica_that_is_up_blocks_until_the_timeout() {
    let (mut m, mut f) = setup(&[6381], 1);
    m.r(6381).disconnected = true;
    assert!(m.tick(&mut f, &s(), NOW + 180_000).is_empty());
    assert_eq!(
        render(&m.tick(&mut f, &s(), NOW + 180_001)),
        [
            "# +failover-end-for-timeout @master",
            "# +failover-end @master"
        ]
    );
}

#[test]
fn reconf_sent_times_out_after_slave_reconf_timeout() {
    let (mut m, mut f) = setup(&[6381, 6382], 2);
    m.r(6381).flags = ReplicaFlags::RECONF_SENT;
    m.r(6381).reconf_sent_time = NOW;
    m.r(6382).disconnected = true;
    assert!(m.tick(&mut f, &s(), NOW + 10_000).is_empty());
    let steps = m.tick(&mut f, &s(), NOW + 10_001);
    assert_eq!(
        render(&steps),
        [
            "* -slave-reconf-sent-timeout @:6381",
            "flags :6381 +reconf_done -reconf_sent",
            "slaveof :6381 :6380",
            "flags :6381 +reconf_sent -",
            "sent-time :6381 10001",
            "* +slave-reconf-sent @:6381",
        ]
    );
    assert_eq!(
        m.r(6381).flags,
        ReplicaFlags::RECONF_DONE | ReplicaFlags::RECONF_SENT
    );
}

#[test]
fn a_timed_out_replica_is_sent_slaveof_again_and_keeps_its_slot() {
    // ps 2 with two in flight: the scan never starts, so no per-replica timeout.
    let (mut m, mut f) = setup(&[6381, 6382, 6383], 2);
    m.r(6381).flags = ReplicaFlags::RECONF_SENT;
    m.r(6381).reconf_sent_time = NOW - 20_000;
    m.r(6382).flags = ReplicaFlags::RECONF_INPROG;
    assert!(m.tick(&mut f, &s(), NOW).is_empty());
    // Only :6381 in flight: it times out (done), and since done is not "in flight"
    // redis sends it SLAVEOF again at once, which takes the second slot.
    let (mut m, mut f) = setup(&[6381, 6382, 6383], 2);
    m.r(6381).flags = ReplicaFlags::RECONF_SENT;
    m.r(6381).reconf_sent_time = NOW - 20_000;
    let steps = m.tick(&mut f, &s(), NOW);
    assert_eq!(
        render(&steps),
        [
            "* -slave-reconf-sent-timeout @:6381",
            "flags :6381 +reconf_done -reconf_sent",
            "slaveof :6381 :6380",
            "flags :6381 +reconf_sent -",
            "sent-time :6381 0",
            "* +slave-reconf-sent @:6381",
        ]
    );
    // From then on it is done (never timed out again) yet counts as in flight.
    assert_eq!(
        m.r(6381).flags,
        ReplicaFlags::RECONF_DONE | ReplicaFlags::RECONF_SENT
    );
    let steps = render(&m.tick(&mut f, &s(), NOW + 100_000));
    assert_eq!(steps[3], "* +slave-reconf-sent @:6382");
    assert_eq!(steps.len(), 4);
}

#[test]
fn replicas_stuck_in_flight_end_at_the_failover_timeout() {
    let (mut m, mut f) = setup(&[6381, 6382, 6383], 1);
    m.r(6381).flags = ReplicaFlags::RECONF_SENT;
    m.r(6381).reconf_sent_time = NOW;
    // With parallel-syncs 1 the scan stops before reaching the stuck replica: no
    // per-replica timeout ever.
    assert!(m.tick(&mut f, &s(), NOW + 60_000).is_empty());
    m.r(6382).flags = ReplicaFlags::RECONF_INPROG;
    assert!(m.tick(&mut f, &s(), NOW + 180_000).is_empty());
    // The failover timeout ends it: best-effort SLAVEOF to those not sent yet
    // (including in-progress ones), never to the promoted or done ones.
    let steps = m.tick(&mut f, &s(), NOW + 180_001);
    assert_eq!(
        render(&steps),
        [
            "# +failover-end-for-timeout @master",
            "# +failover-end @master",
            "slaveof :6382 :6380",
            "* +slave-reconf-sent-be @:6382",
            "flags :6382 +reconf_sent -",
            "slaveof :6383 :6380",
            "* +slave-reconf-sent-be @:6383",
            "flags :6383 +reconf_sent -",
        ]
    );
    assert_eq!(f.state, State::UpdateConfig);
}

#[test]
fn best_effort_skips_disconnected_replicas() {
    let (mut m, mut f) = setup(&[6381, 6382], 0);
    m.r(6381).disconnected = true;
    let steps = render(&m.tick(&mut f, &s(), NOW + 180_001));
    assert_eq!(
        steps,
        [
            "# +failover-end-for-timeout @master",
            "# +failover-end @master",
            "slaveof :6382 :6380",
            "* +slave-reconf-sent-be @:6382",
            "flags :6382 +reconf_sent -",
        ]
    );
}

#[test]
fn no_end_while_the_promoted_replica_is_down_or_gone() {
    let (mut m, mut f) = setup(&[], 1);
    m.r(6380).flags = ReplicaFlags::PROMOTED | ReplicaFlags::S_DOWN;
    assert!(m.tick(&mut f, &s(), NOW + 1_000_000).is_empty());
    assert_eq!(f.state, State::ReconfSlaves);
    m.r(6380).flags = ReplicaFlags::PROMOTED;
    assert_eq!(
        render(&m.tick(&mut f, &s(), NOW + 1_000_000)),
        [
            "# +failover-end-for-timeout @master",
            "# +failover-end @master"
        ]
    );
    // Promoted replica no longer in the table: nothing is sent, nothing ends.
    let (mut m, _) = setup(&[6381], 1);
    let mut f = fo(State::ReconfSlaves, NOW, Some(6399));
    assert!(m.tick(&mut f, &s(), NOW + 1_000_000).is_empty());
}

#[test]
fn full_failover_sequence() {
    // From election to switch, in virtual time, with one more replica to reconfigure.
    let mut a = rep(6380);
    a.priority = 10;
    let mut m = master(vec![rep(6381), a]);
    let mut f = fo(State::WaitStart, NOW, None);
    let mut log = render(&f.elected(NOW));
    log.extend(render(&m.tick(&mut f, &s(), NOW + 100)));
    log.extend(render(&m.tick(&mut f, &s(), NOW + 200)));
    let seen = crate::InfoSeen {
        role: Some(crate::Role::Master),
        follows_promoted: false,
        master_link_up: false,
    };
    log.extend(render(&m.with(|mv| {
        f.on_replica_info(mv, "127.0.0.1:6380", &seen, &s(), NOW + 1_000)
    })));
    log.extend(render(&m.tick(&mut f, &s(), NOW + 1_100)));
    let seen = crate::InfoSeen {
        role: Some(crate::Role::Replica),
        follows_promoted: true,
        master_link_up: true,
    };
    let steps = m.with(|mv| f.on_replica_info(mv, "127.0.0.1:6381", &seen, &s(), NOW + 2_000));
    m.apply(&steps);
    log.extend(render(&steps));
    log.extend(render(&m.tick(&mut f, &s(), NOW + 2_100)));
    log.extend(render(&m.with(|mv| f.switch_to_promoted(mv))));
    assert_eq!(
        log,
        [
            "# +failover-state-select-slave @master",
            "# +selected-slave @:6380",
            "flags :6380 +promoted -",
            "* +failover-state-send-slaveof-noone @:6380",
            "slaveof :6380 no one",
            "* +failover-state-wait-promotion @:6380",
            "config-epoch 7",
            "flush",
            "# +promoted-slave @:6380",
            "# +failover-state-reconf-slaves @master",
            "script mym leader start 127.0.0.1 6379 127.0.0.1 6380",
            "force-hello",
            "slaveof :6381 :6380",
            "flags :6381 +reconf_sent -",
            "sent-time :6381 1100",
            "* +slave-reconf-sent @:6381",
            "flags :6381 +reconf_inprog -reconf_sent",
            "* +slave-reconf-inprog @:6381",
            "flags :6381 +reconf_done -reconf_inprog",
            "* +slave-reconf-done @:6381",
            "# +failover-end @master",
            "# +switch-master 'mym 127.0.0.1 6379 127.0.0.1 6380'",
            "switch :6380",
        ]
    );
}
