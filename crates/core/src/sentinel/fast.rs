//! Fast failover (`sentinel fast-failover yes`, the default): progress on replies as they
//! arrive instead of on the next timer run. None of redis' waits between failover steps
//! protects safety; each is a polling period. Here:
//! - SDOWN is judged at its deadline (a quick timer run is scheduled for it), and a lost
//!   connection to a master is retried at once, so the SDOWN clock starts at the loss;
//! - while a master is SDOWN but not yet ODOWN (or our election is open), the other
//!   Sentinels are asked every [`ASK_MS`], and each answer is acted on at once (ODOWN,
//!   failover start, election result);
//! - the failover state machine runs as far as it can go in one call, INFO is asked
//!   right after each `SLAVEOF` and every [`POLL_MS`] from the replicas involved, and
//!   the new configuration is published to every Sentinel at once;
//! - the first attempt starts a random moment within [`START_JITTER_MS`] after ODOWN (so
//!   Sentinels that saw ODOWN together do not split the vote), and a lost or aborted
//!   attempt is retried after a random [`RETRY_MIN_MS`]..+[`RETRY_SPAN_MS`] (Raft's
//!   remedy) instead of twice the failover timeout.
//!
//! Every rule that makes a failover safe is unchanged: one vote per epoch, quorum and
//! majority, config epochs. Actions triggered by a reply run only when the timer ran
//! recently and is not in TILT ([`Sentinel::may_act_now`]): a process that was frozen
//! decides nothing before the timer has judged the gap.

use crate::conn::{Callback, ConnKind};
use crate::instance::{Flags, InstKey, Kind};
use crate::master::InstRef;
use crate::master::{FailoverState, MasterKey};
use crate::parse::info_field;
use crate::sentinel::Sentinel;
use rand::Rng;
use rsentinel_failover::ReplicaFlags;
use rsentinel_monitor::SdownInput;

/// INFO poll period of the replicas a running failover waits for.
pub(crate) const POLL_MS: u64 = 50;
/// Ask period toward the other Sentinels while ODOWN or the election is pending.
pub(crate) const ASK_MS: u64 = 100;
/// The first attempt after ODOWN starts a random moment within this span.
pub(crate) const START_JITTER_MS: u64 = 150;
/// How long an election may stay open before the attempt is given up.
pub(crate) const ELECTION_WAIT_MS: u64 = 1000;
/// A lost or aborted attempt is retried after this much...
pub(crate) const RETRY_MIN_MS: u64 = 500;
/// ...plus a random part of this span.
pub(crate) const RETRY_SPAN_MS: u64 = 1000;
/// How long the selection waits for an INFO asked for it.
pub(crate) const INFO_WAIT_MS: u64 = 500;
/// Most commands in flight on a link before an extra INFO poll is skipped.
const POLL_PENDING_MAX: u32 = 4;

impl Sentinel {
    /// Whether `sentinel fast-failover` is on.
    pub fn fast_failover(&self) -> bool {
        self.options.fast_failover
    }

    /// Whether a reply may drive the failover now: fast mode, not in TILT, and the timer
    /// ran within tilt-trigger (otherwise the next timer run judges the gap first).
    pub(crate) fn may_act_now(&self, now: u64) -> bool {
        let prev = self.tilt.previous_time;
        self.options.fast_failover
            && !self.tilt.active
            && prev != 0
            && now >= prev
            && now - prev <= self.timing.tilt_trigger
    }

    /// A timer run between two full runs: TILT is checked as on every run, then only
    /// what a failover needs is done for each master (reconnect, SDOWN, ODOWN, start,
    /// election, failover steps, polls).
    pub(crate) fn quick_tick(&mut self, now: u64) {
        self.check_tilt(now);
        if self.acting_allowed(now) {
            let mut next = 0;
            while let Some(m) = self.masters.key_at(next) {
                next += 1;
                self.quick_master(m, now);
            }
        }
        self.after_tick_fast(now);
    }

    fn quick_master(&mut self, m: MasterKey, now: u64) {
        let r = InstRef::Master(m);
        self.reconnect_instance(r, now);
        self.check_subjectively_down(r, now);
        self.check_objectively_down(m, now);
        if self.start_failover_if_needed(m, now) {
            self.ask_master_state_to_other_sentinels(m, now, true);
        }
        self.failover_state_machine(m, now);
        self.ask_master_state_to_other_sentinels(m, now, false);
    }

    /// After every timer run in fast mode: extra INFO polls for running failovers, the
    /// planned switchovers' steps, and the next wake-up moved to the earliest deadline.
    pub(crate) fn after_tick_fast(&mut self, now: u64) {
        if !self.options.fast_failover {
            return;
        }
        if !self.tilt.active {
            let mut next = 0;
            while let Some(m) = self.masters.key_at(next) {
                next += 1;
                self.poll_failover_replicas(m, now);
                self.switchover_tick(m, now);
            }
        }
        if let Some(at) = self.quick_deadline(now) {
            self.schedule.no_later_than(at.max(now + 1));
        }
    }

    /// The earliest moment a quick run has something to do (nothing in TILT: quick
    /// runs act on nothing then, and the full runs keep checking the clock).
    fn quick_deadline(&self, now: u64) -> Option<u64> {
        if self.tilt.active {
            return None;
        }
        let mut best: Option<u64> = None;
        let mut put = |t: u64| best = Some(best.map_or(t, |b: u64| b.min(t)));
        for ms in self.masters.values() {
            let inst = &ms.inst;
            if let Some(link) = self.links.get(inst.link) {
                if inst.addr.port != 0 {
                    if let Some(t) = link.health.reconnect_deadline(self.timing.ping_period) {
                        put(t);
                    }
                }
                if !inst.flags.contains(Flags::S_DOWN) {
                    let input = sdown_input(inst, self.timing.info_period);
                    if let Some(t) = link.health.sdown_deadline(now, &input) {
                        put(t);
                    }
                }
            }
            if ms.fast_start_at > now {
                put(ms.fast_start_at);
            }
            let odown = inst.flags.contains(Flags::O_DOWN);
            if odown && !ms.failover.in_progress() && ms.fast_retry_at > now {
                put(ms.fast_retry_at);
            }
            if matches!(
                ms.failover.state(),
                FailoverState::SelectSlave
                    | FailoverState::WaitPromotion
                    | FailoverState::ReconfSlaves
            ) {
                put(now + POLL_MS);
            }
            if let Some(s) = &ms.switchover {
                put(s.next_deadline(now));
            }
        }
        best
    }

    /// A connection to a master was lost: in fast mode, run the timer at once so the
    /// reconnection (and with it the SDOWN clock) starts now, not at the next run.
    pub(crate) fn on_master_conn_lost(&mut self) {
        self.wake_early();
    }

    /// Fast mode: the timer should run at once (a quick run).
    pub(crate) fn wake_early(&mut self) {
        if self.options.fast_failover {
            self.schedule.wake_early(self.tilt.previous_time);
        }
    }

    /// Whether the timer was asked to run earlier than planned since the last call (the
    /// daemon then re-reads [`Sentinel::next_tick`]).
    pub fn take_early_wake(&mut self) -> bool {
        self.schedule.take_early_wake()
    }

    /// Runs master `m`'s failover as far as it can go now: in fast mode each state
    /// reached is acted on at once (a few steps at most), and a failover that reached
    /// update-config switches the master at once.
    pub(crate) fn progress_failover(&mut self, m: MasterKey, now: u64) {
        for _ in 0..8 {
            let Some(before) = self.masters.get(m).map(|ms| ms.failover.state()) else {
                return;
            };
            self.failover_step(m, now);
            let Some(after) = self.masters.get(m).map(|ms| ms.failover.state()) else {
                return;
            };
            if after == FailoverState::UpdateConfig {
                self.switch_master_if_done(m, now);
                return;
            }
            if after == before {
                return;
            }
        }
    }

    /// An attempt ended without promoting anything: the next one may start after a
    /// random delay of about a second.
    pub(crate) fn arm_retry(&mut self, m: MasterKey, now: u64) {
        let delay = RETRY_MIN_MS + self.rng.gen_range(0..RETRY_SPAN_MS);
        if let Some(ms) = self.masters.get_mut(m) {
            ms.fast_retry_at = now + delay;
        }
    }

    /// We voted for (or were asked again by) another Sentinel in its epoch: give it the
    /// time of an election plus a retry delay before trying ourselves. Its repeated asks
    /// during its failover keep pushing this back, like a leader's heartbeat.
    pub(crate) fn after_vote(&mut self, m: MasterKey, epoch: u64, runid: &str, now: u64) {
        if !self.options.fast_failover || runid.eq_ignore_ascii_case(&self.myid) {
            return;
        }
        let voted_for_it = self.masters[m].leader_epoch == epoch
            && self.masters[m]
                .leader
                .as_deref()
                .is_some_and(|l| l.eq_ignore_ascii_case(runid));
        if voted_for_it {
            let at = now + ELECTION_WAIT_MS + RETRY_MIN_MS + self.rng.gen_range(0..RETRY_SPAN_MS);
            let ms = &mut self.masters[m];
            ms.fast_retry_at = ms.fast_retry_at.max(at);
        }
    }

    /// An answer from another Sentinel about master `m` arrived: decide ODOWN, start the
    /// attempt, count the election, now.
    pub(crate) fn after_peer_answer(&mut self, m: MasterKey, now: u64) {
        if !self.may_act_now(now) || !self.masters.contains(m) {
            return;
        }
        self.check_objectively_down(m, now);
        if self.start_failover_if_needed(m, now) {
            self.ask_master_state_to_other_sentinels(m, now, true);
        }
        if self.masters.get(m).map(|ms| ms.failover.state()) == Some(FailoverState::WaitStart) {
            self.progress_failover(m, now);
        }
    }

    /// An INFO from a replica of master `m` was applied: carry the failover on now.
    pub(crate) fn after_replica_info(&mut self, m: MasterKey, now: u64) {
        if !self.may_act_now(now) {
            return;
        }
        if matches!(
            self.masters.get(m).map(|ms| ms.failover.state()),
            Some(
                FailoverState::SelectSlave
                    | FailoverState::ReconfSlaves
                    | FailoverState::WaitPromotion
            )
        ) {
            self.progress_failover(m, now);
        }
    }

    /// In select-slave, fast mode: no replica qualifies yet but an INFO asked less than
    /// [`INFO_WAIT_MS`] ago is still coming (the selection may come within milliseconds
    /// of ODOWN, before the replicas' fresh INFO); wait for it rather than abort.
    pub(crate) fn awaiting_replica_info(&self, m: MasterKey, now: u64) -> bool {
        if !self.options.fast_failover || self.has_promotable_replica(m, now) {
            return false;
        }
        self.masters[m].replicas.values().any(|r| {
            r.fast_info_sent > r.reported.info_refresh
                && now.saturating_sub(r.fast_info_sent) < INFO_WAIT_MS
        })
    }

    /// The ask period toward the other Sentinels for master `m`: short while its ODOWN
    /// or our election is pending, redis' otherwise.
    pub(crate) fn ask_period_for(&self, m: MasterKey) -> u64 {
        let ms = &self.masters[m];
        let pending = !ms.inst.flags.contains(Flags::O_DOWN)
            || ms.failover.state() == FailoverState::WaitStart;
        if self.options.fast_failover && pending {
            ASK_MS.min(self.timing.ask_period)
        } else {
            self.timing.ask_period
        }
    }

    /// INFO right away from a replica: after `SLAVEOF` (`force`: whatever is in
    /// flight, such as the transaction itself), or as a poll (skipped while several
    /// commands are still unanswered).
    pub(crate) fn ask_info_now(&mut self, r: InstRef, now: u64, force: bool) {
        let Some(inst) = self.instance(r) else {
            return;
        };
        if inst.kind == Kind::Sentinel {
            return;
        }
        let link = inst.link;
        if self.links.get(link).is_none_or(|l| {
            l.health.disconnected || (!force && l.health.pending_commands >= POLL_PENDING_MAX)
        }) {
            return;
        }
        if self.send(r, ConnKind::Command, Callback::Info, &["INFO"]) {
            if let Some(i) = self.instance_mut(r) {
                i.fast_info_sent = now;
            }
        }
    }

    /// While master `m` waits for a promotion or for replicas to follow the promoted
    /// one, ask them for INFO every [`POLL_MS`].
    fn poll_failover_replicas(&mut self, m: MasterKey, now: u64) {
        let ms = &self.masters[m];
        let wanted: Vec<InstKey> = match ms.failover.state() {
            FailoverState::WaitPromotion => ms
                .replicas
                .iter()
                .filter(|(_, r)| r.failover_flags.contains(ReplicaFlags::PROMOTED))
                .map(|(i, _)| i)
                .collect(),
            FailoverState::ReconfSlaves => ms
                .replicas
                .iter()
                .filter(|(_, r)| {
                    r.failover_flags
                        .intersects(ReplicaFlags::RECONF_SENT | ReplicaFlags::RECONF_INPROG)
                })
                .map(|(i, _)| i)
                .collect(),
            _ => return,
        };
        for i in wanted {
            let due = self.masters[m].replicas[i]
                .fast_info_sent
                .saturating_add(POLL_MS)
                <= now;
            if due {
                self.ask_info_now(InstRef::Replica(m, i), now, false);
            }
        }
    }

    /// The new configuration goes to every Sentinel of master `m` and to its replicas
    /// now (and to the master unless a switchover holds its writes: a PUBLISH would
    /// wait behind the pause and hold up our commands on that connection).
    pub(crate) fn publish_config_now(&mut self, m: MasterKey) {
        let paused = self.masters[m].switchover.is_some();
        if !paused {
            self.send_hello(InstRef::Master(m));
        }
        let mut next = 0;
        while let Some(i) = self.masters[m].replicas.key_at(next) {
            next += 1;
            self.send_hello(InstRef::Replica(m, i));
        }
        let mut next = 0;
        while let Some(i) = self.masters[m].sentinels.key_at(next) {
            next += 1;
            self.send_hello(InstRef::Sentinel(m, i));
        }
    }
}

/// How many replication IDs a master remembers.
const HISTORY_MAX: usize = 8;

impl Sentinel {
    /// Records the replication IDs an INFO just applied shows for master `m`'s data:
    /// the master's own, or a replica's while its link to this master is up (the
    /// master's INFO is only every 10 s, and a master takes a new ID when its first
    /// replica syncs). `master_replid` was read into the instance as the reply was
    /// kept; `text` is the reply, for `master_replid2`.
    pub(crate) fn note_history(&mut self, r: InstRef, text: &str) {
        let Some(inst) = self.instance(r) else {
            return;
        };
        let ids: Vec<String> = match r {
            InstRef::Master(_) => [inst.replid.as_deref(), info_field(text, "master_replid2")]
                .into_iter()
                .flatten()
                .map(str::to_string)
                .collect(),
            InstRef::Replica(m, _) => {
                let rep = &inst.reported;
                let master = &self.masters[m].inst.addr;
                let linked = rep.role_reported == Some(rsentinel_monitor::Role::Replica)
                    && rep.slave_master_link_up
                    && rep.slave_master_port == i32::from(master.port)
                    && rep
                        .slave_master_host
                        .as_deref()
                        .is_some_and(|h| self.addr_is_host(master, h));
                if !linked {
                    return;
                }
                inst.replid
                    .as_deref()
                    .map(str::to_string)
                    .into_iter()
                    .collect()
            }
            InstRef::Sentinel(..) => return,
        };
        let m = r.master();
        let h = &mut self.masters[m].histories;
        for id in ids {
            // An unset ID is all zeros.
            if id.is_empty() || id.bytes().all(|b| b == b'0') {
                continue;
            }
            h.retain(|x| *x != id);
            h.push(id);
            if h.len() > HISTORY_MAX {
                h.remove(0);
            }
        }
    }
}

/// The SDOWN rule's inputs for an instance.
pub(crate) fn sdown_input(inst: &crate::instance::Instance, info_period: u64) -> SdownInput {
    SdownInput {
        down_after_ms: inst.down_after_ms,
        info_period_ms: info_period,
        configured_master: inst.kind == Kind::Master,
        role_reported: inst.reported.role_reported,
        role_reported_time: inst.reported.role_reported_time,
        master_reboot_since: inst.reported.master_reboot_since,
        master_reboot_down_after_ms: inst.master_reboot_down_after_ms,
    }
}
