//! Replica selection: ranking and every exclusion at its exact boundary.

use super::{master, rep, M, NOW};
use crate::{exclusion, max_master_down_time, select_replica, Exclusion, ReplicaFlags, Settings};

fn selected(m: &M, now: u64) -> Option<u16> {
    m.with(|mv| select_replica(mv, &Settings::default(), now).map(|r| r.addr.port))
}

fn excl(m: &M, port: u16, now: u64) -> Option<Exclusion> {
    m.with(|mv| {
        let r = mv.replica(&format!("127.0.0.1:{port}"))?;
        exclusion(mv, r, &Settings::default(), now)
    })
}

#[test]
fn lower_priority_wins_before_offset() {
    let mut a = rep(6380);
    a.priority = 50;
    a.offset = 9_999;
    let mut b = rep(6381);
    b.priority = 10;
    b.offset = 1;
    assert_eq!(selected(&master(vec![a, b]), NOW), Some(6381));
}

#[test]
fn negative_priority_is_eligible_and_ranks_first() {
    let mut a = rep(6380);
    a.priority = -5;
    let b = rep(6381);
    let m = master(vec![b, a]);
    assert_eq!(excl(&m, 6380, NOW), None);
    assert_eq!(selected(&m, NOW), Some(6380));
}

#[test]
fn larger_offset_wins_at_equal_priority() {
    let mut a = rep(6380);
    a.offset = 100;
    let mut b = rep(6381);
    b.offset = 101;
    assert_eq!(selected(&master(vec![a, b]), NOW), Some(6381));
}

#[test]
fn run_id_breaks_ties_case_insensitively_missing_last() {
    let mut a = rep(6380);
    a.runid = Some("B".repeat(40));
    let mut b = rep(6381);
    b.runid = Some("a".repeat(40));
    let mut c = rep(6382);
    c.runid = None;
    assert_eq!(
        selected(&master(vec![c.clone(), a.clone(), b.clone()]), NOW),
        Some(6381)
    );
    // "B..." vs "b..." compare equal, then "c" > "b": the lowercase comparison decides.
    let mut d = rep(6383);
    d.runid = Some("c".repeat(40));
    assert_eq!(selected(&master(vec![d, a.clone()]), NOW), Some(6380));
    // A run id beats none.
    assert_eq!(selected(&master(vec![c.clone(), a]), NOW), Some(6380));
    // Full ties keep the view's order.
    let mut c2 = rep(6384);
    c2.runid = None;
    assert_eq!(
        selected(&master(vec![c2.clone(), c.clone()]), NOW),
        Some(6384)
    );
    assert_eq!(selected(&master(vec![c, c2]), NOW), Some(6382));
}

#[test]
fn nothing_eligible_selects_nothing() {
    let mut a = rep(6380);
    a.priority = 0;
    assert_eq!(selected(&master(vec![a]), NOW), None);
    assert_eq!(selected(&master(vec![]), NOW), None);
}

#[test]
fn down_replicas_are_excluded() {
    for f in [ReplicaFlags::S_DOWN, ReplicaFlags::O_DOWN] {
        let mut a = rep(6380);
        a.flags = f;
        let m = master(vec![a, rep(6381)]);
        assert_eq!(excl(&m, 6380, NOW), Some(Exclusion::Down));
        assert_eq!(selected(&m, NOW), Some(6381));
    }
    // Failover flags do not exclude.
    let mut a = rep(6380);
    a.flags = ReplicaFlags::RECONF_DONE | ReplicaFlags::PROMOTED;
    assert_eq!(excl(&master(vec![a]), 6380, NOW), None);
}

#[test]
fn disconnected_replicas_are_excluded() {
    let mut a = rep(6380);
    a.disconnected = true;
    assert_eq!(
        excl(&master(vec![a]), 6380, NOW),
        Some(Exclusion::Disconnected)
    );
}

#[test]
fn ping_reply_older_than_five_ping_periods_excludes() {
    let mut a = rep(6380);
    a.last_avail = NOW - 5_000;
    let m = master(vec![a]);
    assert_eq!(excl(&m, 6380, NOW), None);
    assert_eq!(excl(&m, 6380, NOW + 1), Some(Exclusion::NoRecentPing));
    // A clock that went back gives a negative age: fine.
    assert_eq!(excl(&m, 6380, NOW - 10_000), None);
}

#[test]
fn priority_zero_excludes() {
    let mut a = rep(6380);
    a.priority = 0;
    assert_eq!(
        excl(&master(vec![a]), 6380, NOW),
        Some(Exclusion::PriorityZero)
    );
}

#[test]
fn info_validity_is_three_info_periods_with_the_master_up() {
    let mut a = rep(6380);
    a.info_refresh = NOW - 30_000;
    a.last_avail = NOW + 1;
    let m = master(vec![a]);
    assert_eq!(excl(&m, 6380, NOW), None);
    assert_eq!(excl(&m, 6380, NOW + 1), Some(Exclusion::StaleInfo));
    // Never refreshed.
    let mut b = rep(6381);
    b.info_refresh = 0;
    assert_eq!(
        excl(&master(vec![b]), 6381, NOW),
        Some(Exclusion::StaleInfo)
    );
}

#[test]
fn info_validity_is_five_ping_periods_with_the_master_sdown() {
    let mut a = rep(6380);
    a.info_refresh = NOW - 5_000;
    a.last_avail = NOW + 1;
    let mut m = master(vec![a]);
    m.s_down = true;
    m.s_down_since = NOW - 1_000;
    assert_eq!(excl(&m, 6380, NOW), None);
    assert_eq!(excl(&m, 6380, NOW + 1), Some(Exclusion::StaleInfo));
}

#[test]
fn custom_periods_are_used() {
    let s = Settings {
        ping_period: 100,
        info_period: 200,
        ..Settings::default()
    };
    let mut a = rep(6380);
    a.last_avail = NOW - 500;
    a.info_refresh = NOW - 600;
    let m = master(vec![a]);
    let at = |now| m.with(|mv| exclusion(mv, &mv.replicas[0], &s, now));
    assert_eq!(at(NOW), None);
    assert_eq!(at(NOW + 1), Some(Exclusion::NoRecentPing));
}

#[test]
fn master_link_down_limit_is_ten_down_after_with_the_master_up() {
    let mut a = rep(6380);
    a.link_down = 300_000;
    let mut m = master(vec![a]);
    assert_eq!(m.with(|mv| max_master_down_time(mv, NOW)), 300_000);
    assert_eq!(excl(&m, 6380, NOW), None);
    m.r(6380).link_down = 300_001;
    assert_eq!(excl(&m, 6380, NOW), Some(Exclusion::MasterLinkDownTooLong));
    // Never connected (-1 s) is not "too long".
    m.r(6380).link_down = -1_000;
    assert_eq!(excl(&m, 6380, NOW), None);
}

#[test]
fn master_link_down_limit_adds_the_master_sdown_time() {
    let mut a = rep(6380);
    a.link_down = 300_000 + 42_000;
    let mut m = master(vec![a]);
    m.s_down = true;
    m.s_down_since = NOW - 42_000;
    assert_eq!(m.with(|mv| max_master_down_time(mv, NOW)), 342_000);
    assert_eq!(excl(&m, 6380, NOW), None);
    m.s_down_since += 1;
    assert_eq!(excl(&m, 6380, NOW), Some(Exclusion::MasterLinkDownTooLong));
    // The since-time only counts while the master is S_DOWN.
    m.s_down = false;
    assert_eq!(excl(&m, 6380, NOW), Some(Exclusion::MasterLinkDownTooLong));
}

#[test]
fn huge_down_after_does_not_overflow() {
    let mut a = rep(6380);
    a.link_down = i64::MAX;
    let mut m = master(vec![a]);
    m.down_after = u64::MAX;
    assert_eq!(m.with(|mv| max_master_down_time(mv, NOW)), i64::MAX);
    assert_eq!(excl(&m, 6380, NOW), None);
}

#[test]
fn exclusions_are_reported_in_redis_order() {
    let mut a = rep(6380);
    a.flags = ReplicaFlags::S_DOWN;
    a.disconnected = true;
    a.priority = 0;
    a.info_refresh = 0;
    let m = master(vec![a]);
    assert_eq!(excl(&m, 6380, NOW), Some(Exclusion::Down));
    let mut m2 = m.clone();
    m2.r(6380).flags = ReplicaFlags::empty();
    assert_eq!(excl(&m2, 6380, NOW), Some(Exclusion::Disconnected));
    m2.r(6380).disconnected = false;
    assert_eq!(excl(&m2, 6380, NOW), Some(Exclusion::PriorityZero));
    m2.r(6380).priority = 1;
    assert_eq!(excl(&m2, 6380, NOW), Some(Exclusion::StaleInfo));
}

#[test]
fn a_replica_of_another_history_is_never_chosen_when_checked() {
    let checked = Settings {
        check_history: true,
        ..Settings::default()
    };
    let mut a = rep(6380);
    a.offset = 5_000; // the best candidate by offset...
    a.replid = Some("f".repeat(40)); // ...but it follows another master
    let mut b = rep(6381);
    b.replid = Some("A".repeat(40)); // ours (compared ignoring case)
    let mut c = rep(6382);
    c.replid = None; // an INFO without the field is not judged
    let mut m = master(vec![a, b, c]);
    m.history = vec!["a".repeat(40), "b".repeat(40)];
    let pick = |m: &M, s: &Settings| m.with(|mv| select_replica(mv, s, NOW).map(|r| r.addr.port));
    assert_eq!(pick(&m, &Settings::default()), Some(6380), "redis' rule");
    m.with(|mv| {
        assert_eq!(
            exclusion(mv, &mv.replicas[0], &checked, NOW),
            Some(Exclusion::OtherHistory)
        );
        assert_eq!(exclusion(mv, &mv.replicas[1], &checked, NOW), None);
        assert_eq!(exclusion(mv, &mv.replicas[2], &checked, NOW), None);
    });
    assert_eq!(pick(&m, &checked), Some(6381));
    // The master's second ID (its history before its own promotion) counts too.
    m.r(6380).replid = Some("B".repeat(40));
    assert_eq!(pick(&m, &checked), Some(6380));
    // Unknown master history: nothing is judged.
    m.r(6380).replid = Some("f".repeat(40));
    m.history.clear();
    assert_eq!(pick(&m, &checked), Some(6380));
    // A history no replica holds, and every replica was linked since it started: the
    // knowledge is more likely stale (the replicas synced after the last INFO) than
    // every replica foreign.
    m.history = vec!["e".repeat(40)];
    m.r(6382).replid = Some("d".repeat(40));
    m.r(6381).replid = Some("c".repeat(40));
    assert_eq!(pick(&m, &checked), Some(6380));
    // A replica never linked since it started (`master_link_down_since_seconds:-1`)
    // with an unknown ID was wiped: never promoted, even when no replica is known.
    for port in [6380, 6381, 6382] {
        m.r(port).link_down = -1000;
    }
    assert_eq!(pick(&m, &checked), None);
    assert_eq!(pick(&m, &Settings::default()), Some(6380), "redis' rule");
}
