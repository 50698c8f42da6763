//! The periodic commands sent to every instance (`sentinelSendPeriodicCommands`): INFO
//! to masters and replicas, PING and the hello PUBLISH to every instance; and the
//! deadlines at which they fall due, so a core driven by exact timeouts (rather than
//! redis' 10 Hz timer) knows when to wake up.
//!
//! redis re-checks everything on each timer tick, so a command whose reply is late is
//! simply sent again at the next tick (about 100 ms). With exact deadlines that would be
//! a busy loop; [`Pacing`] records the last send so unanswered INFO and hellos repeat at
//! most every [`TICK_MS`], which is what redis does in effect.

use crate::health::{LinkHealth, MAX_PENDING_COMMANDS};
use crate::{elapsed, first_time_over, older_than, InstanceKind};

/// redis' timer period at the default `hz 10`: the pace of "retry on the next tick".
pub const TICK_MS: u64 = 100;

/// The INFO period used for replicas watched closely: their master is ODOWN or being
/// failed over, or their own master link is down (a hard-coded 1 s in redis, not
/// tied to ping-period).
pub const FAST_INFO_PERIOD_MS: u64 = 1000;

/// The global periods (`SENTINEL DEBUG` info-period, ping-period, publish-period).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Periods {
    /// INFO period (10 s by default; 1 s for closely watched replicas regardless).
    pub info_ms: u64,
    /// Upper bound of the PING period (1 s by default).
    pub ping_ms: u64,
    /// Hello period (2 s by default).
    pub publish_ms: u64,
}

impl Default for Periods {
    /// redis 7.0 defaults: INFO 10 s, PING 1 s, hello 2 s.
    fn default() -> Periods {
        Periods {
            info_ms: 10_000,
            ping_ms: 1000,
            publish_ms: 2000,
        }
    }
}

/// Per-instance facts the schedule reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeriodicInput {
    /// Sentinels get no INFO; replicas may get the fast INFO period.
    pub kind: InstanceKind,
    /// `down-after-milliseconds`: caps the PING period.
    pub down_after_ms: u64,
    /// Last INFO reply processed (0 = never: INFO is due at once).
    pub info_refresh: u64,
    /// Replicas: `master_link_down_time` from the last INFO (non-zero means the link
    /// to its master is down, or was never up: -1000).
    pub master_link_down_time: i64,
    /// Replicas: their master has `SRI_O_DOWN` or `SRI_FAILOVER_IN_PROGRESS`.
    pub master_odown_or_failover: bool,
    /// Last successful hello PUBLISH (`last_pub_time`, refreshed by a non-error reply).
    pub last_pub_time: u64,
    /// Instances sharing the link (Sentinels are shared across masters): the pending
    /// command limit scales with it.
    pub refcount: u32,
}

/// When INFO and hello were last queued: paces re-sends while a reply is outstanding.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pacing {
    /// Last INFO queued (0 = never).
    pub info_sent: u64,
    /// Last hello PUBLISH queued (0 = never).
    pub hello_sent: u64,
}

/// Which periodic commands to queue now, in redis' order: INFO, PING, hello.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CommandsDue {
    /// Send (renamed) INFO; then `Pacing::info_sent = now` and
    /// [`LinkHealth::command_sent`].
    pub info: bool,
    /// Send PING; then [`LinkHealth::ping_sent`].
    pub ping: bool,
    /// PUBLISH the hello; then `Pacing::hello_sent = now` and `command_sent`. redis
    /// skips it silently when it cannot tell its own address (no announce-ip and the
    /// socket name is unknown).
    pub hello: bool,
}

impl CommandsDue {
    /// Nothing to send.
    pub fn is_empty(&self) -> bool {
        !(self.info || self.ping || self.hello)
    }
}

/// The effective INFO period of an instance.
pub fn info_period(input: &PeriodicInput, periods: &Periods) -> u64 {
    if input.kind == InstanceKind::Replica
        && (input.master_odown_or_failover || input.master_link_down_time != 0)
    {
        FAST_INFO_PERIOD_MS
    } else {
        periods.info_ms
    }
}

/// The effective PING period: the ping period, or down-after when smaller (so an
/// instance with a short down-after is probed often enough to be judged in time).
pub fn ping_period(down_after_ms: u64, periods: &Periods) -> u64 {
    down_after_ms.min(periods.ping_ms)
}

/// Whether nothing periodic may be sent: the link is disconnected, or too many commands
/// are in flight (100 per instance sharing the link).
fn blocked(link: &LinkHealth, input: &PeriodicInput) -> bool {
    link.disconnected
        || link.pending_commands >= MAX_PENDING_COMMANDS.saturating_mul(input.refcount.max(1))
}

fn paced(now_ms: u64, sent: u64) -> bool {
    sent == 0 || i128::from(elapsed(now_ms, sent)) >= i128::from(TICK_MS)
}

/// The periodic commands due at `now_ms`.
pub fn due(
    link: &LinkHealth,
    input: &PeriodicInput,
    periods: &Periods,
    pacing: &Pacing,
    now_ms: u64,
) -> CommandsDue {
    if blocked(link, input) {
        return CommandsDue::default();
    }
    let ping = ping_period(input.down_after_ms, periods);
    let half = ping / 2;
    // Never more than one PING in half a ping period, as in redis.
    let ping_allowed = older_than(now_ms, link.last_ping_time, half);
    let ping_due_at = |t: u64| ping_allowed && older_than(t, link.last_pong_time, ping);
    let info_due_at = |t: u64| {
        input.kind != InstanceKind::Sentinel
            && (input.info_refresh == 0
                || older_than(t, input.info_refresh, info_period(input, periods)))
            && paced(now_ms, pacing.info_sent)
    };
    let hello_due_at = |t: u64| {
        older_than(t, input.last_pub_time, periods.publish_ms) && paced(now_ms, pacing.hello_sent)
    };
    // Commands falling due within half a ping period go with one due now: they then
    // share one write and one read, and, answered together, stay together. Without it
    // the three periods (1, 2 and 10 s) drift apart and most hellos and INFOs cost a
    // send and a receive of their own on every link; redis pairs them only by chance of
    // its timer. A PING that rides along early (by less than half its period) only
    // probes sooner: the down-after clock still starts at the first unanswered PING.
    let soon = now_ms.saturating_add(half);
    let ping_now =
        ping_due_at(now_ms) || (ping_due_at(soon) && (info_due_at(now_ms) || hello_due_at(now_ms)));
    let horizon = if ping_now { soon } else { now_ms };
    CommandsDue {
        info: info_due_at(horizon),
        ping: ping_now,
        hello: hello_due_at(horizon),
    }
}

/// The earliest time [`due`] returns something, absent new input; may be `<= now` when
/// something is due already. `None` while disconnected (see
/// [`LinkHealth::reconnect_deadline`]) or at the pending-command limit (replies and the
/// stale-link deadlines will move things on).
pub fn next_due(
    link: &LinkHealth,
    input: &PeriodicInput,
    periods: &Periods,
    pacing: &Pacing,
) -> Option<u64> {
    if blocked(link, input) {
        return None;
    }
    let pace = |sent: u64| {
        if sent == 0 {
            0
        } else {
            sent.saturating_add(TICK_MS)
        }
    };
    let ping = ping_period(input.down_after_ms, periods);
    let ping_at = first_time_over(link.last_pong_time, ping)
        .max(first_time_over(link.last_ping_time, ping / 2));
    let hello_at =
        first_time_over(input.last_pub_time, periods.publish_ms).max(pace(pacing.hello_sent));
    let mut at = ping_at.min(hello_at);
    if input.kind != InstanceKind::Sentinel {
        let info_at = if input.info_refresh == 0 {
            0
        } else {
            first_time_over(input.info_refresh, info_period(input, periods))
        };
        at = at.min(info_at.max(pace(pacing.info_sent)));
    }
    Some(at)
}

/// `sentinelForceHelloUpdateForMaster`: move `last_pub_time` back by more than a
/// publish period so the next timer run sends a hello at once (after a config change),
/// unless it is too small to move back.
pub fn force_hello(last_pub_time: u64, publish_period_ms: u64) -> u64 {
    let back = publish_period_ms.saturating_add(1);
    if last_pub_time >= back {
        last_pub_time - back
    } else {
        last_pub_time
    }
}

#[cfg(test)]
#[path = "schedule_tests.rs"]
mod tests;
