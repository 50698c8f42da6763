//! Boundary tests for every liveness rule: boundary - 1, boundary, boundary + 1 ms.

use super::*;
use proptest::prelude::*;

const DOWN: u64 = 30_000;
const INFO: u64 = 10_000;

fn input() -> SdownInput {
    SdownInput {
        down_after_ms: DOWN,
        info_period_ms: INFO,
        configured_master: true,
        role_reported: Some(Role::Master),
        role_reported_time: 0,
        master_reboot_since: None,
        master_reboot_down_after_ms: 0,
    }
}

/// A link connected at `t` whose first PING was answered at `t`.
fn connected(t: u64) -> LinkHealth {
    let mut l = LinkHealth::new(t, true);
    l.reconnect_started(t);
    l.cc_opened(t);
    l.pc_opened(t);
    l.ping_sent(t);
    l.ping_reply(t, PingReply::Status(b"PONG"), false, false);
    l
}

/// Assert `f` is false at `b - 1` and `b`, true at `b + 1` (a strict `>` rule).
fn strict_boundary(b: u64, f: impl Fn(u64) -> bool, what: &str) {
    assert!(!f(b - 1), "{what}: true at boundary - 1");
    assert!(!f(b), "{what}: true at boundary");
    assert!(f(b + 1), "{what}: false at boundary + 1");
}

#[test]
fn new_link_goes_sdown_after_down_after_even_if_never_connected() {
    let l = LinkHealth::new(1000, true);
    assert!(l.disconnected);
    strict_boundary(
        1000 + DOWN,
        |t| l.is_subjectively_down(t, &input()),
        "unreachable",
    );
    assert_eq!(l.sdown_deadline(1000, &input()), Some(1001 + DOWN));
    assert_eq!(
        l.sdown_rule(1001 + DOWN, &input()),
        Some(SdownRule::NotReplying)
    );
    assert_eq!(l.sdown_deadline(1001 + DOWN, &input()), None);
}

#[test]
fn pending_ping_clock_starts_at_first_unanswered_ping() {
    let mut l = connected(0);
    assert_eq!(l.act_ping_time, 0);
    assert_eq!(l.unreachable_for(50_000), 0);
    assert_eq!(l.sdown_deadline(50_000, &input()), None);
    l.ping_sent(1000);
    l.ping_sent(1500); // still waiting for the first one
    assert_eq!((l.act_ping_time, l.last_ping_time), (1000, 1500));
    assert_eq!(l.pending_commands, 2);
    strict_boundary(
        1000 + DOWN,
        |t| l.is_subjectively_down(t, &input()),
        "pending ping",
    );
    // Answered: the clock stops; the next ping starts it again.
    let out = l.ping_reply(2000, PingReply::Status(b"PONG"), false, false);
    assert!(out.valid && out.clears_master_reboot && !out.send_script_kill);
    assert_eq!(
        (l.act_ping_time, l.last_avail_time, l.last_pong_time),
        (0, 2000, 2000)
    );
    l.ping_sent(3000);
    assert_eq!(l.act_ping_time, 3000);
}

#[test]
fn disconnected_without_pending_ping_counts_from_last_good_reply() {
    let mut l = connected(0);
    l.ping_reply(
        500,
        PingReply::Error(b"LOADING Redis is loading"),
        false,
        false,
    );
    l.cc_lost();
    assert_eq!(l.act_ping_time, 0);
    strict_boundary(
        500 + DOWN,
        |t| l.is_subjectively_down(t, &input()),
        "disconnected",
    );
}

#[test]
fn ping_reply_kinds() {
    type Case = (PingReply<'static>, bool, bool, bool, bool, bool);
    // (reply, s_down, kill_sent) -> (valid, clears_reboot, script_kill)
    let cases: &[Case] = &[
        (PingReply::Status(b"PONG"), false, false, true, true, false),
        (
            PingReply::Status(b"PONGish"),
            false,
            false,
            true,
            true,
            false,
        ),
        (
            PingReply::Error(b"LOADING x"),
            false,
            false,
            true,
            false,
            false,
        ),
        (
            PingReply::Error(b"MASTERDOWN x"),
            false,
            false,
            true,
            false,
            false,
        ),
        (PingReply::Error(b"BUSY x"), true, false, false, false, true),
        (
            PingReply::Error(b"BUSY x"),
            false,
            false,
            false,
            false,
            false,
        ),
        (PingReply::Error(b"BUSY x"), true, true, false, false, false),
        (PingReply::Error(b"ERR x"), true, false, false, false, false),
        (
            PingReply::Status(b"pong"),
            false,
            false,
            false,
            false,
            false,
        ),
        (PingReply::Other, false, false, false, false, false),
    ];
    for (i, &(reply, s_down, kill_sent, valid, clears, kill)) in cases.iter().enumerate() {
        let mut l = connected(0);
        l.ping_sent(100);
        let out = l.ping_reply(200, reply, s_down, kill_sent);
        assert_eq!(
            (out.valid, out.clears_master_reboot, out.send_script_kill),
            (valid, clears, kill),
            "case {i}"
        );
        // Any reply refreshes last_pong_time; only valid ones stop the PING clock.
        assert_eq!(l.last_pong_time, 200, "case {i}");
        assert_eq!(l.act_ping_time, if valid { 0 } else { 100 }, "case {i}");
        assert_eq!(l.last_avail_time, if valid { 200 } else { 0 }, "case {i}");
        assert_eq!(l.pending_commands, 0, "case {i}");
    }
}

#[test]
fn master_reporting_replica_goes_down_after_grace() {
    let l = connected(0);
    let mut i = input();
    i.role_reported = Some(Role::Replica);
    i.role_reported_time = 5000;
    let b = 5000 + DOWN + 2 * INFO;
    strict_boundary(b, |t| l.is_subjectively_down(t, &i), "reports replica");
    assert_eq!(l.sdown_rule(b + 1, &i), Some(SdownRule::ReportsReplica));
    assert_eq!(l.sdown_deadline(b, &i), Some(b + 1));
    // A replica reporting replica, or a master reporting no role, is fine.
    i.configured_master = false;
    assert!(!l.is_subjectively_down(b + 1, &i));
    i.configured_master = true;
    i.role_reported = None;
    assert!(!l.is_subjectively_down(b + 1, &i));
}

#[test]
fn rebooted_master_window() {
    let l = connected(0);
    let mut i = input();
    i.master_reboot_since = Some(7000);
    i.master_reboot_down_after_ms = 4000;
    strict_boundary(11_000, |t| l.is_subjectively_down(t, &i), "reboot");
    assert_eq!(l.sdown_rule(11_001, &i), Some(SdownRule::Rebooting));
    assert_eq!(l.sdown_deadline(8000, &i), Some(11_001));
    i.master_reboot_since = None;
    assert!(!l.is_subjectively_down(11_001, &i));
}

#[test]
fn stale_command_link_boundaries() {
    const MINREC: u64 = 15_000;
    let mut l = connected(0);
    // Pending ping since 20 000 with no reply at all since then.
    l.last_pong_time = 20_000;
    l.ping_sent(20_000);
    let b = 20_000 + DOWN / 2;
    strict_boundary(b, |t| l.cc_stale(t, DOWN, MINREC), "cc idle");
    assert_eq!(l.cc_stale_deadline(DOWN, MINREC), Some(b + 1));
    // A recent error reply keeps it (last_pong_time refreshed), though the ping is pending.
    l.ping_reply(b, PingReply::Error(b"ERR"), false, false);
    assert!(!l.cc_stale(b + 1, DOWN, MINREC));
    // A young connection is not reset: connected for more than min-reconnect only.
    let mut y = LinkHealth::new(0, true);
    y.cc_opened(100_000);
    y.ping_sent(100_000);
    y.last_pong_time = 0;
    strict_boundary(
        100_000 + MINREC,
        |t| y.cc_stale(t, DOWN, MINREC),
        "cc young",
    );
    assert_eq!(y.cc_stale_deadline(DOWN, MINREC), Some(100_001 + MINREC));
    // No pending ping, or no cc: never.
    let c = connected(0);
    assert!(!c.cc_stale(1_000_000, DOWN, MINREC));
    assert_eq!(c.cc_stale_deadline(DOWN, MINREC), None);
}

#[test]
fn stale_pubsub_link_boundaries() {
    const MINREC: u64 = 15_000;
    const PUBLISH: u64 = 2000;
    let mut l = connected(0);
    l.pubsub_activity(30_000);
    strict_boundary(36_000, |t| l.pc_stale(t, PUBLISH, MINREC), "pc idle");
    assert_eq!(l.pc_stale_deadline(PUBLISH, MINREC), Some(36_001));
    let mut y = connected(50_000);
    y.pc_last_activity = 0;
    strict_boundary(65_000, |t| y.pc_stale(t, PUBLISH, MINREC), "pc young");
    y.pc_closed();
    assert!(y.disconnected && !y.pc_stale(1_000_000, PUBLISH, MINREC));
    assert_eq!(y.pc_stale_deadline(PUBLISH, MINREC), None);
}

#[test]
fn reconnect_pacing_and_connected_state() {
    let mut l = LinkHealth::new(0, true);
    // Never tried (last_reconn_time 0): due once the clock passes one period.
    assert!(!l.reconnect_due(999, 1000));
    assert!(l.reconnect_due(1000, 1000));
    l.reconnect_started(5000);
    assert!(!l.reconnect_due(5999, 1000));
    assert!(l.reconnect_due(6000, 1000)); // `< period` skips, so due at exactly +period
    assert_eq!(l.reconnect_deadline(1000), Some(6000));
    l.cc_opened(5000);
    assert!(l.disconnected, "a master/replica link needs pub/sub too");
    l.pc_opened(5000);
    assert!(!l.disconnected);
    assert_eq!(l.reconnect_deadline(1000), None);
    assert!(!l.reconnect_due(1_000_000, 1000));
    // Sentinel links need only the command connection.
    let mut s = LinkHealth::new(0, false);
    s.cc_opened(1);
    assert!(!s.disconnected);
}

#[test]
fn pending_commands_on_close_and_loss() {
    let mut l = connected(0);
    l.command_sent();
    l.command_sent();
    l.cc_lost();
    assert_eq!(l.pending_commands, 2, "a lost connection keeps the count");
    l.cc_opened(10);
    assert_eq!(l.pending_commands, 0);
    l.command_sent();
    l.cc_closed();
    assert_eq!(l.pending_commands, 0);
    l.reply_received();
    assert_eq!(l.pending_commands, 0);
}

#[test]
fn reset_ping_clock() {
    let mut l = connected(0);
    l.ping_sent(10);
    l.reset_ping_clock(500);
    assert_eq!(
        (
            l.act_ping_time,
            l.last_ping_time,
            l.last_avail_time,
            l.last_pong_time
        ),
        (500, 0, 500, 500)
    );
}

proptest! {
    /// The deadline is exactly the first millisecond the instance is down, absent input.
    #[test]
    fn sdown_deadline_is_first_down_time(
        act in 0u64..100_000, avail in 0u64..100_000, disconnected: bool,
        role_replica: bool, role_time in 0u64..100_000,
        reboot in proptest::option::of(0u64..100_000), reboot_after in 0u64..50_000,
        down in 1u64..60_000, now in 0u64..200_000,
    ) {
        let mut l = LinkHealth::new(0, true);
        l.act_ping_time = act;
        l.last_avail_time = avail;
        l.disconnected = disconnected;
        let i = SdownInput {
            down_after_ms: down,
            info_period_ms: INFO,
            configured_master: true,
            role_reported: Some(if role_replica { Role::Replica } else { Role::Master }),
            role_reported_time: role_time,
            master_reboot_since: reboot,
            master_reboot_down_after_ms: reboot_after,
        };
        match l.sdown_deadline(now, &i) {
            None => prop_assert!(l.is_subjectively_down(now, &i) || act == 0 && !disconnected && !role_replica && reboot.is_none()),
            Some(d) => {
                prop_assert!(d > now);
                prop_assert!(!l.is_subjectively_down(d - 1, &i));
                prop_assert!(l.is_subjectively_down(d, &i));
            }
        }
    }
}
