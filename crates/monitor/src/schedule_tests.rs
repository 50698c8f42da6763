//! Schedule tests: each period at boundary - 1, boundary, boundary + 1 ms, and the
//! deadline agreeing with `due`.

use super::*;
use crate::health::PingReply;
use proptest::prelude::*;

fn link_at(t: u64, pubsub: bool) -> LinkHealth {
    let mut l = LinkHealth::new(t, pubsub);
    l.reconnect_started(t);
    l.cc_opened(t);
    l.pc_opened(t);
    l.ping_sent(t);
    l.ping_reply(t, PingReply::Status(b"PONG"), false, false);
    l
}

fn input(kind: InstanceKind) -> PeriodicInput {
    PeriodicInput {
        kind,
        down_after_ms: 30_000,
        info_refresh: 0,
        master_link_down_time: 0,
        master_odown_or_failover: false,
        last_pub_time: 0,
        refcount: 1,
    }
}

#[test]
fn info_periods() {
    let p = Periods::default();
    let mut i = input(InstanceKind::Replica);
    assert_eq!(info_period(&i, &p), 10_000);
    i.master_link_down_time = -1000;
    assert_eq!(info_period(&i, &p), 1000);
    i.master_link_down_time = 0;
    i.master_odown_or_failover = true;
    assert_eq!(info_period(&i, &p), 1000);
    // Masters never use the fast period.
    i.kind = InstanceKind::Master;
    i.master_link_down_time = 5000;
    assert_eq!(info_period(&i, &p), 10_000);
    assert_eq!(ping_period(30_000, &p), 1000);
    assert_eq!(ping_period(400, &p), 400);
}

#[test]
fn info_boundaries() {
    let p = Periods::default();
    // Keep PINGs out of the way (INFO due soon rides with one).
    let mut l = link_at(0, true);
    l.last_pong_time = 14_900;
    l.last_ping_time = 14_900;
    let mut i = input(InstanceKind::Master);
    i.last_pub_time = u64::MAX / 2; // keep hellos out of the way
    let pacing = Pacing::default();
    // Never refreshed: due at once.
    assert!(due(&l, &i, &p, &pacing, 1).info);
    i.info_refresh = 5000;
    for (t, want) in [(14_999, false), (15_000, false), (15_001, true)] {
        assert_eq!(due(&l, &i, &p, &pacing, t).info, want, "t={t}");
    }
    // Sentinels never get INFO.
    i.kind = InstanceKind::Sentinel;
    assert!(!due(&l, &i, &p, &pacing, 100_000).info);
    // Unanswered INFO: resent one tick later, not before.
    i.kind = InstanceKind::Master;
    let pacing = Pacing {
        info_sent: 20_000,
        hello_sent: 0,
    };
    assert!(!due(&l, &i, &p, &pacing, 20_000 + TICK_MS - 1).info);
    assert!(due(&l, &i, &p, &pacing, 20_000 + TICK_MS).info);
}

#[test]
fn ping_boundaries() {
    let p = Periods::default();
    let mut l = link_at(0, true);
    let mut i = input(InstanceKind::Sentinel);
    i.last_pub_time = u64::MAX / 2;
    l.last_pong_time = 10_000;
    l.last_ping_time = 10_000;
    for (t, want) in [(10_999, false), (11_000, false), (11_001, true)] {
        assert_eq!(due(&l, &i, &p, &Pacing::default(), t).ping, want, "t={t}");
    }
    // No reply: re-sent every half period after the last send.
    l.ping_sent(11_001);
    for (t, want) in [(11_500, false), (11_501, false), (11_502, true)] {
        assert_eq!(due(&l, &i, &p, &Pacing::default(), t).ping, want, "t={t}");
    }
    // Short down-after shortens the period.
    i.down_after_ms = 300;
    let l = link_at(0, false);
    for (t, want) in [(299, false), (300, false), (301, true)] {
        assert_eq!(due(&l, &i, &p, &Pacing::default(), t).ping, want, "t={t}");
    }
}

#[test]
fn hello_boundaries() {
    let p = Periods::default();
    // Keep PINGs out of the way (a hello due soon rides with one).
    let l = link_at(4900, true);
    let mut i = input(InstanceKind::Replica);
    i.info_refresh = u64::MAX / 2;
    i.last_pub_time = 3000;
    for (t, want) in [(4999, false), (5000, false), (5001, true)] {
        assert_eq!(due(&l, &i, &p, &Pacing::default(), t).hello, want, "t={t}");
    }
}

#[test]
fn hello_due_soon_rides_with_a_ping() {
    let p = Periods::default();
    let mut l = link_at(0, true);
    let mut i = input(InstanceKind::Replica);
    i.info_refresh = u64::MAX / 2;
    i.last_pub_time = 3000;
    l.last_pong_time = 4000;
    l.last_ping_time = 4000;
    // At 5001 the PING is due; the hello (due after 5000) comes with it ...
    let d = due(&l, &i, &p, &Pacing::default(), 5001);
    assert!(d.ping && d.hello);
    // ... and one due within half a ping period too, but not one due later.
    i.last_pub_time = 3500;
    assert!(due(&l, &i, &p, &Pacing::default(), 5001).hello);
    i.last_pub_time = 3501;
    assert!(!due(&l, &i, &p, &Pacing::default(), 5001).hello);
    // Without a PING due, the hello waits for its own deadline.
    l.last_pong_time = 4500;
    i.last_pub_time = 3500;
    let d = due(&l, &i, &p, &Pacing::default(), 5001);
    assert!(!d.ping && !d.hello);
}

#[test]
fn info_due_soon_rides_with_a_ping() {
    let p = Periods::default();
    let mut l = link_at(0, true);
    let mut i = input(InstanceKind::Master);
    i.last_pub_time = u64::MAX / 2;
    l.last_pong_time = 19_000;
    l.last_ping_time = 19_000;
    // The PING is due at 20_001; INFO due by 20_501 comes with it, not later ones.
    i.info_refresh = 10_500;
    assert!(due(&l, &i, &p, &Pacing::default(), 20_001).info);
    i.info_refresh = 10_501;
    assert!(!due(&l, &i, &p, &Pacing::default(), 20_001).info);
    // No PING due: INFO keeps its own deadline.
    l.last_pong_time = 19_500;
    i.info_refresh = 10_500;
    assert!(!due(&l, &i, &p, &Pacing::default(), 20_001).info);
}

#[test]
fn a_ping_due_soon_rides_with_a_hello_or_info_due_now() {
    let p = Periods::default();
    let mut l = link_at(0, true);
    let mut i = input(InstanceKind::Master);
    i.info_refresh = u64::MAX / 2;
    i.last_pub_time = 3000;
    l.last_pong_time = 4400;
    l.last_ping_time = 4400;
    // At 5001 the hello is due and the PING (due after 5400) is within half a ping
    // period: it goes along, and so the two stay paired afterwards.
    let d = due(&l, &i, &p, &Pacing::default(), 5001);
    assert!(d.ping && d.hello, "{d:?}");
    // A PING due later than that waits for its own deadline.
    l.last_pong_time = 4502;
    let d = due(&l, &i, &p, &Pacing::default(), 5001);
    assert!(!d.ping && d.hello, "{d:?}");
    // Nor does it go along when one was sent less than half a period ago.
    l.last_pong_time = 4400;
    l.last_ping_time = 4600;
    let d = due(&l, &i, &p, &Pacing::default(), 5001);
    assert!(!d.ping && d.hello, "{d:?}");
    // INFO due now brings the PING the same way, and a hello due soon after both.
    l.last_pong_time = 13_400;
    l.last_ping_time = 13_400;
    i.info_refresh = 3999;
    i.last_pub_time = 12_300;
    let d = due(&l, &i, &p, &Pacing::default(), 14_000);
    assert!(d.info && d.ping && d.hello, "{d:?}");
    // Nothing due now: nothing goes early.
    i.info_refresh = 4500;
    assert!(due(&l, &i, &p, &Pacing::default(), 14_000).is_empty());
}

#[test]
fn nothing_while_disconnected_or_saturated() {
    let p = Periods::default();
    let i = input(InstanceKind::Master);
    let l = LinkHealth::new(0, true);
    assert!(due(&l, &i, &p, &Pacing::default(), 100_000).is_empty());
    assert_eq!(next_due(&l, &i, &p, &Pacing::default()), None);
    let mut l = link_at(0, true);
    l.pending_commands = MAX_PENDING_COMMANDS - 1;
    assert!(!due(&l, &i, &p, &Pacing::default(), 100_000).is_empty());
    l.pending_commands = MAX_PENDING_COMMANDS;
    assert!(due(&l, &i, &p, &Pacing::default(), 100_000).is_empty());
    // A link shared by two instances may hold twice as many.
    let mut shared = input(InstanceKind::Sentinel);
    shared.refcount = 2;
    assert!(!due(&l, &shared, &p, &Pacing::default(), 100_000).is_empty());
}

#[test]
fn forced_hello() {
    assert_eq!(force_hello(10_000, 2000), 7999);
    assert_eq!(force_hello(2001, 2000), 0);
    assert_eq!(force_hello(2000, 2000), 2000);
}

proptest! {
    /// `next_due` is exactly the first time `due` has something, absent input.
    #[test]
    fn next_due_matches_due(
        kind in prop_oneof![Just(InstanceKind::Master), Just(InstanceKind::Replica), Just(InstanceKind::Sentinel)],
        down_after in 1u64..5000,
        info_refresh in 0u64..50_000, link_down in -1000i64..2, fast: bool,
        last_pub in 0u64..50_000, pong in 0u64..50_000, ping in 0u64..50_000,
        info_sent in 0u64..50_000, hello_sent in 0u64..50_000,
    ) {
        let p = Periods::default();
        let mut l = link_at(0, kind != InstanceKind::Sentinel);
        l.last_pong_time = pong;
        l.last_ping_time = ping;
        let i = PeriodicInput {
            kind, down_after_ms: down_after, info_refresh,
            master_link_down_time: link_down, master_odown_or_failover: fast,
            last_pub_time: last_pub, refcount: 1,
        };
        let pacing = Pacing { info_sent, hello_sent };
        let at = next_due(&l, &i, &p, &pacing);
        prop_assert!(at.is_some());
        let at = at.unwrap_or(0);
        prop_assert!(!due(&l, &i, &p, &pacing, at).is_empty());
        if at > 0 {
            prop_assert!(due(&l, &i, &p, &pacing, at - 1).is_empty());
        }
    }
}
