//! Liveness of one instance link (redis' `instanceLink` minus the sockets and the
//! refcount) and the subjective-down rule built on it (`sentinelCheckSubjectivelyDown`).
//!
//! A link is a command connection (`cc`) plus, for masters and replicas, a pub/sub
//! connection (`pc`). The daemon owns the sockets; the core tells this value what
//! happened to them, and asks it when to reconnect, when a connected-looking link has
//! gone quiet and must be dropped, and whether the instance is down.

use crate::{elapsed, first_time_over, older_than, Role};

/// Most commands a link may have in flight per instance using it before the periodic
/// INFO/PING/hello stop (`SENTINEL_MAX_PENDING_COMMANDS`), so a stuck link cannot grow
/// memory without bound.
pub const MAX_PENDING_COMMANDS: u32 = 100;

/// What redis tracks per link to judge liveness. Times in ms, 0 = never.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkHealth {
    /// Whether this link needs a pub/sub connection too (masters and replicas, not
    /// Sentinels); a link is connected only when every connection it needs is there.
    pub needs_pubsub: bool,
    /// The command connection exists (redis: `link->cc != NULL`). Set when the connection
    /// is initiated, as redis does, not when the handshake completes.
    pub cc: bool,
    /// The pub/sub connection exists (`link->pc != NULL`).
    pub pc: bool,
    /// A connection this link needs is missing: nothing periodic is sent, and the SDOWN
    /// clock runs from `last_avail_time` when no PING is pending.
    pub disconnected: bool,
    /// Commands sent on `cc` still awaiting a reply (shown as `link-pending-commands`).
    pub pending_commands: u32,
    /// When `cc` was initiated: a young connection is never reset as stale.
    pub cc_conn_time: u64,
    /// When `pc` was initiated: a young connection is never reset as stale.
    pub pc_conn_time: u64,
    /// Last message of any kind on `pc` (our own hellos come back too, so silence means
    /// the subscription is broken).
    pub pc_last_activity: u64,
    /// Last acceptable PING reply (PONG, LOADING, MASTERDOWN).
    pub last_avail_time: u64,
    /// When the oldest unanswered PING was sent; 0 once answered. Starts at creation so
    /// an instance we can never reach still goes SDOWN.
    pub act_ping_time: u64,
    /// When the last PING was sent (paces re-sends while waiting).
    pub last_ping_time: u64,
    /// Last PING reply of any kind (idle-link detection).
    pub last_pong_time: u64,
    /// Last reconnection attempt (paces reconnects).
    pub last_reconn_time: u64,
}

/// A PING reply as the hiredis callback sees it: only status and error replies count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PingReply<'a> {
    /// `+PONG` and other simple strings.
    Status(&'a [u8]),
    /// `-LOADING ...`, `-BUSY ...` and other errors (the full message).
    Error(&'a [u8]),
    /// Any other reply type: only refreshes `last_pong_time`.
    Other,
}

/// What a PING reply means beyond the link fields it updated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PingOutcome {
    /// The reply starts with PONG, LOADING or MASTERDOWN: the instance is available.
    pub valid: bool,
    /// The reply starts with PONG: clear `SRI_MASTER_REBOOT`
    /// ([`crate::ReportedState::pong_received`]).
    pub clears_master_reboot: bool,
    /// A BUSY reply from an SDOWN instance that has not had one yet: send `SCRIPT KILL`
    /// (with the master's renamed SCRIPT command), count it with
    /// [`LinkHealth::command_sent`], and set `SRI_SCRIPT_KILL_SENT`.
    pub send_script_kill: bool,
}

/// The inputs of the SDOWN rule that do not live on the link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SdownInput {
    /// `down-after-milliseconds` of the instance.
    pub down_after_ms: u64,
    /// The global INFO period (`sentinel_info_period`, 10 s by default).
    pub info_period_ms: u64,
    /// The instance is configured as a master (`SRI_MASTER`).
    pub configured_master: bool,
    /// The role the instance last reported ([`crate::ReportedState::role_reported`]).
    pub role_reported: Option<Role>,
    /// When that role was first reported.
    pub role_reported_time: u64,
    /// `Some(since)` while `SRI_MASTER_REBOOT` is set.
    pub master_reboot_since: Option<u64>,
    /// `master-reboot-down-after-period`.
    pub master_reboot_down_after_ms: u64,
}

/// Which SDOWN rule fired, for logs and tests; the first that holds, in redis' order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SdownRule {
    /// No acceptable PING reply for more than down-after (pending PING, or disconnected
    /// and no reply since `last_avail_time`).
    NotReplying,
    /// A configured master has reported `role:slave` for more than
    /// down-after + 2 × info-period.
    ReportsReplica,
    /// A rebooted master has not answered PONG within master-reboot-down-after-period.
    Rebooting,
}

impl LinkHealth {
    /// A link not yet connected (`createInstanceLink`): the PING clock already runs.
    pub fn new(now_ms: u64, needs_pubsub: bool) -> LinkHealth {
        LinkHealth {
            needs_pubsub,
            cc: false,
            pc: false,
            disconnected: true,
            pending_commands: 0,
            cc_conn_time: 0,
            pc_conn_time: 0,
            pc_last_activity: 0,
            last_avail_time: now_ms,
            act_ping_time: now_ms,
            last_ping_time: 0,
            last_pong_time: now_ms,
            last_reconn_time: 0,
        }
    }

    /// Liveness reset after `SENTINEL RESET` or a master address switch: as if the PING
    /// clock started now.
    pub fn reset_ping_clock(&mut self, now_ms: u64) {
        self.act_ping_time = now_ms;
        self.last_ping_time = 0;
        self.last_avail_time = now_ms;
        self.last_pong_time = now_ms;
    }

    /// Whether to try connecting now (`sentinelReconnectInstance`): only while
    /// disconnected, and at most once per `ping_period_ms` (the global ping period, not
    /// the per-instance one). The core also skips instances whose port is 0.
    pub fn reconnect_due(&self, now_ms: u64, ping_period_ms: u64) -> bool {
        self.disconnected
            && i128::from(elapsed(now_ms, self.last_reconn_time)) >= i128::from(ping_period_ms)
    }

    /// When [`reconnect_due`](Self::reconnect_due) becomes true, if disconnected.
    pub fn reconnect_deadline(&self, ping_period_ms: u64) -> Option<u64> {
        self.disconnected
            .then(|| self.last_reconn_time.saturating_add(ping_period_ms))
    }

    /// A reconnection attempt starts; then call [`cc_opened`](Self::cc_opened) /
    /// [`pc_opened`](Self::pc_opened) for each missing connection initiated.
    pub fn reconnect_started(&mut self, now_ms: u64) {
        self.last_reconn_time = now_ms;
    }

    /// The command connection was initiated. redis then queues AUTH and CLIENT SETNAME
    /// when configured (each a [`command_sent`](Self::command_sent)) and a PING at once
    /// ([`ping_sent`](Self::ping_sent)).
    pub fn cc_opened(&mut self, now_ms: u64) {
        self.cc = true;
        self.pending_commands = 0;
        self.cc_conn_time = now_ms;
        self.refresh_disconnected();
    }

    /// The pub/sub connection was initiated (and SUBSCRIBE to the hello channel queued).
    pub fn pc_opened(&mut self, now_ms: u64) {
        self.pc = true;
        self.pc_conn_time = now_ms;
        self.refresh_disconnected();
    }

    fn refresh_disconnected(&mut self) {
        self.disconnected = !(self.cc && (self.pc || !self.needs_pubsub));
    }

    /// We closed the command connection (`instanceLinkCloseConnection`): pending replies
    /// are dropped with it.
    pub fn cc_closed(&mut self) {
        self.cc = false;
        self.pending_commands = 0;
        self.disconnected = true;
    }

    /// The command connection failed or was lost (`instanceLinkConnectionError`): redis
    /// keeps the pending count until the next connection resets it.
    pub fn cc_lost(&mut self) {
        self.cc = false;
        self.disconnected = true;
    }

    /// The pub/sub connection was closed by us or lost.
    pub fn pc_closed(&mut self) {
        self.pc = false;
        self.disconnected = true;
    }

    /// A command other than PING was queued on `cc` (INFO, PUBLISH, SENTINEL ..., ...).
    pub fn command_sent(&mut self) {
        self.pending_commands = self.pending_commands.saturating_add(1);
    }

    /// A reply to a command other than PING arrived on the current `cc`.
    pub fn reply_received(&mut self) {
        self.pending_commands = self.pending_commands.saturating_sub(1);
    }

    /// Any message arrived on `pc` (subscribe confirmation, hello, ...).
    pub fn pubsub_activity(&mut self, now_ms: u64) {
        self.pc_last_activity = now_ms;
    }

    /// A PING was queued (`sentinelSendPing`): the unanswered-PING clock starts only if
    /// no earlier PING is still unanswered.
    pub fn ping_sent(&mut self, now_ms: u64) {
        self.pending_commands = self.pending_commands.saturating_add(1);
        self.last_ping_time = now_ms;
        if self.act_ping_time == 0 {
            self.act_ping_time = now_ms;
        }
    }

    /// A PING reply arrived (`sentinelPingReplyCallback`). `s_down` and
    /// `script_kill_sent` are the instance's `SRI_S_DOWN` / `SRI_SCRIPT_KILL_SENT` flags.
    pub fn ping_reply(
        &mut self,
        now_ms: u64,
        reply: PingReply<'_>,
        s_down: bool,
        script_kill_sent: bool,
    ) -> PingOutcome {
        self.pending_commands = self.pending_commands.saturating_sub(1);
        let mut out = PingOutcome::default();
        if let PingReply::Status(text) | PingReply::Error(text) = reply {
            if [&b"PONG"[..], b"LOADING", b"MASTERDOWN"]
                .iter()
                .any(|p| text.starts_with(p))
            {
                self.last_avail_time = now_ms;
                self.act_ping_time = 0;
                out.valid = true;
                out.clears_master_reboot = text.starts_with(b"PONG");
            } else if text.starts_with(b"BUSY") && s_down && !script_kill_sent {
                out.send_script_kill = true;
            }
        }
        self.last_pong_time = now_ms;
        out
    }

    /// How long the instance has been failing to answer, as the SDOWN rule measures it:
    /// since the oldest unanswered PING, else (disconnected) since the last good reply,
    /// else 0.
    pub fn unreachable_for(&self, now_ms: u64) -> i64 {
        if self.act_ping_time != 0 {
            elapsed(now_ms, self.act_ping_time)
        } else if self.disconnected {
            elapsed(now_ms, self.last_avail_time)
        } else {
            0
        }
    }

    /// The command connection looks connected but is idle and must be closed (then
    /// reconnected): connected for more than `min_reconnect_ms`
    /// (min-link-reconnect-period), a PING pending for more than down-after/2, and no
    /// reply of any kind for more than down-after/2. Checked just before the SDOWN rule,
    /// so not in TILT.
    pub fn cc_stale(&self, now_ms: u64, down_after_ms: u64, min_reconnect_ms: u64) -> bool {
        let half = down_after_ms / 2;
        self.cc
            && older_than(now_ms, self.cc_conn_time, min_reconnect_ms)
            && self.act_ping_time != 0
            && older_than(now_ms, self.act_ping_time, half)
            && older_than(now_ms, self.last_pong_time, half)
    }

    /// When [`cc_stale`](Self::cc_stale) becomes true absent new input.
    pub fn cc_stale_deadline(&self, down_after_ms: u64, min_reconnect_ms: u64) -> Option<u64> {
        let half = down_after_ms / 2;
        (self.cc && self.act_ping_time != 0).then(|| {
            first_time_over(self.cc_conn_time, min_reconnect_ms)
                .max(first_time_over(self.act_ping_time, half))
                .max(first_time_over(self.last_pong_time, half))
        })
    }

    /// The pub/sub connection looks connected but carried nothing for more than
    /// 3 × publish-period, having been connected for more than min-link-reconnect-period:
    /// close it (then reconnect). Not checked in TILT.
    pub fn pc_stale(&self, now_ms: u64, publish_period_ms: u64, min_reconnect_ms: u64) -> bool {
        self.pc
            && older_than(now_ms, self.pc_conn_time, min_reconnect_ms)
            && older_than(
                now_ms,
                self.pc_last_activity,
                publish_period_ms.saturating_mul(3),
            )
    }

    /// When [`pc_stale`](Self::pc_stale) becomes true absent new input.
    pub fn pc_stale_deadline(&self, publish_period_ms: u64, min_reconnect_ms: u64) -> Option<u64> {
        self.pc.then(|| {
            first_time_over(self.pc_conn_time, min_reconnect_ms).max(first_time_over(
                self.pc_last_activity,
                publish_period_ms.saturating_mul(3),
            ))
        })
    }

    /// The SDOWN rule that holds now, if any (`sentinelCheckSubjectivelyDown`).
    pub fn sdown_rule(&self, now_ms: u64, input: &SdownInput) -> Option<SdownRule> {
        let limit = i128::from(input.down_after_ms);
        if i128::from(self.unreachable_for(now_ms)) > limit {
            return Some(SdownRule::NotReplying);
        }
        if input.configured_master
            && input.role_reported == Some(Role::Replica)
            && older_than(now_ms, input.role_reported_time, role_grace(input))
        {
            return Some(SdownRule::ReportsReplica);
        }
        match input.master_reboot_since {
            Some(since) if older_than(now_ms, since, input.master_reboot_down_after_ms) => {
                Some(SdownRule::Rebooting)
            }
            _ => None,
        }
    }

    /// Whether the instance is subjectively down. The core turns a change into events:
    /// entering emits `+sdown` (warning, `%@`), sets `SRI_S_DOWN` and
    /// `s_down_since_time = now`; leaving emits `-sdown` and clears `SRI_S_DOWN` and
    /// `SRI_SCRIPT_KILL_SENT` (`s_down_since_time` stays). Not evaluated in TILT.
    pub fn is_subjectively_down(&self, now_ms: u64, input: &SdownInput) -> bool {
        self.sdown_rule(now_ms, input).is_some()
    }

    /// When the instance would turn SDOWN if nothing arrives, or `None` when it already
    /// is (only input can end it) or no rule can fire. The time is always after `now`.
    pub fn sdown_deadline(&self, now_ms: u64, input: &SdownInput) -> Option<u64> {
        if self.is_subjectively_down(now_ms, input) {
            return None;
        }
        // Without a Vec: fast mode asks this for every master after every timer run.
        let unanswered = if self.act_ping_time != 0 {
            Some(first_time_over(self.act_ping_time, input.down_after_ms))
        } else if self.disconnected {
            Some(first_time_over(self.last_avail_time, input.down_after_ms))
        } else {
            None
        };
        let wrong_role = (input.configured_master && input.role_reported == Some(Role::Replica))
            .then(|| first_time_over(input.role_reported_time, role_grace(input)));
        let rebooted = input
            .master_reboot_since
            .map(|since| first_time_over(since, input.master_reboot_down_after_ms));
        [unanswered, wrong_role, rebooted]
            .into_iter()
            .flatten()
            .min()
    }
}

/// down-after + 2 × info-period: long enough for two INFO replies to confirm the role.
fn role_grace(input: &SdownInput) -> u64 {
    input
        .down_after_ms
        .saturating_add(input.info_period_ms.saturating_mul(2))
}

#[cfg(test)]
#[path = "health_tests.rs"]
mod tests;
