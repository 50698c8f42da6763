//! Failure detection, the judging half of the timer: TILT, subjective and objective down states, and asking
//! the other Sentinels what they think of a master. The rules and thresholds are the
//! monitor crate's (redis 7.0.15's sentinelCheckTiltCondition,
//! sentinelCheckSubjectivelyDown, sentinelCheckObjectivelyDown,
//! sentinelAskMasterStateToOtherSentinels); this file applies them to the table and
//! emits redis' events.

use crate::conn::{Callback, ConnKind};
use crate::event::LogLevel;
use crate::instance::{Flags, Kind};
use crate::master::InstRef;
use crate::master::MasterKey;
use crate::sentinel::Sentinel;
use rsentinel_monitor::{check_odown, is_master_down_args, Acting, OdownChange, SdownInput};

impl Sentinel {
    /// An event about no instance in particular (`+tilt`, `-tilt`).
    pub(crate) fn global_event(&mut self, kind: &str, text: &str) {
        self.event(LogLevel::Warning, kind, None, text.to_string());
    }

    /// An instance event with the `%@` prefix and an optional suffix.
    pub(crate) fn inst_event(&mut self, level: LogLevel, kind: &str, r: InstRef, suffix: &str) {
        let m = r.master();
        let text = format!("{}{suffix}", self.describe(r));
        self.event(level, kind, Some(m), text);
    }

    /// TILT: a timer gap that is negative or longer than tilt-trigger means this process
    /// was frozen or the clock jumped, so timeouts seen now are not evidence of anything.
    /// The first run has nothing to compare with.
    pub(crate) fn check_tilt(&mut self, now: u64) {
        if self.tilt.previous_time == 0 {
            self.tilt.previous_time = now;
        }
        if self.tilt.on_timer(now, self.timing.tilt_trigger) {
            self.global_event("+tilt", "#tilt mode entered");
        }
    }

    /// Whether the acting half of the timer may run for an instance; leaving TILT once
    /// its period is over emits `-tilt`.
    pub(crate) fn acting_allowed(&mut self, now: u64) -> bool {
        match self.tilt.acting(now, self.timing.tilt_period) {
            Acting::Allowed => true,
            Acting::Blocked => false,
            Acting::Exited => {
                self.global_event("-tilt", "#tilt mode exited");
                true
            }
        }
    }

    /// SDOWN (the monitor crate's rule): no acceptable PING reply for
    /// down-after-milliseconds (or no connection for that long), a master reporting
    /// itself a replica for too long, or a rebooted master within its reboot period.
    /// Also resets links that look stalled; as in redis, the verdict is taken before
    /// those resets.
    pub(crate) fn check_subjectively_down(&mut self, r: InstRef, now: u64) {
        let Some(inst) = self.instance(r) else {
            return;
        };
        let link_id = inst.link;
        let input = SdownInput {
            down_after_ms: inst.down_after_ms,
            info_period_ms: self.timing.info_period,
            configured_master: inst.kind == Kind::Master,
            role_reported: inst.reported.role_reported,
            role_reported_time: inst.reported.role_reported_time,
            master_reboot_since: inst.reported.master_reboot_since,
            master_reboot_down_after_ms: inst.master_reboot_down_after_ms,
        };
        let was_down = inst.flags.contains(Flags::S_DOWN);
        let Some(link) = self.links.get(link_id) else {
            return;
        };
        let health = &link.health;
        let down = health.is_subjectively_down(now, &input);
        let min_reconnect = self.timing.min_link_reconnect_period;
        let reset_cc = health.cc_stale(now, input.down_after_ms, min_reconnect);
        let reset_pc = health.pc_stale(now, self.timing.publish_period, min_reconnect);
        if reset_cc {
            self.close_conn(link_id, ConnKind::Command);
        }
        if reset_pc {
            self.close_conn(link_id, ConnKind::PubSub);
        }
        if down && !was_down {
            self.inst_event(LogLevel::Warning, "+sdown", r, "");
            if let Some(i) = self.instance_mut(r) {
                i.s_down_since_time = now;
                i.flags.insert(Flags::S_DOWN);
            }
        } else if !down && was_down {
            self.inst_event(LogLevel::Warning, "-sdown", r, "");
            if let Some(i) = self.instance_mut(r) {
                i.flags.remove(Flags::S_DOWN);
                i.flags.remove(Flags::SCRIPT_KILL_SENT);
            }
        }
    }

    /// ODOWN: SDOWN here and enough other Sentinels said "down" recently to reach quorum.
    pub(crate) fn check_objectively_down(&mut self, m: MasterKey, now: u64) {
        let master = &self.masters[m];
        // Only answers young enough to be trusted count. Redis counts any answer not yet
        // expired, but expiry runs in the acting half of the timer, which TILT skips: at
        // -tilt answers 30 s old would count (found by the simulator, seeds 4523, 5210).
        let max_age = self.timing.ask_period * 5;
        // Peers count only while we see SDOWN ourselves; the count is skipped otherwise,
        // as this runs for every master on every timer run.
        let s_down = master.inst.flags.contains(Flags::S_DOWN);
        let peers_down = if s_down {
            master
                .sentinels
                .values()
                .filter(|s| {
                    s.peer.master_down && now.saturating_sub(s.peer.last_reply_time) <= max_age
                })
                .count()
        } else {
            0
        };
        let change = check_odown(
            master.inst.flags.contains(Flags::O_DOWN),
            s_down,
            peers_down,
            master.quorum,
        );
        match change {
            Some(c @ OdownChange::Entered { .. }) => {
                let suffix = format!(" {}", c.quorum_text().unwrap_or_default());
                self.inst_event(LogLevel::Warning, "+odown", InstRef::Master(m), &suffix);
                let inst = &mut self.masters[m].inst;
                inst.flags.insert(Flags::O_DOWN);
                inst.o_down_since_time = now;
            }
            Some(OdownChange::Left) => {
                self.inst_event(LogLevel::Warning, "-odown", InstRef::Master(m), "");
                self.masters[m].inst.flags.remove(Flags::O_DOWN);
            }
            None => {}
        }
    }

    /// While the master is SDOWN, asks each connected Sentinel every ask-period whether
    /// it agrees (and, during our failover, for its vote); answers older than five ask
    /// periods are forgotten. An unanswered question is repeated on every timer run, as
    /// redis does, so the asks are not paced further.
    pub(crate) fn ask_master_state_to_other_sentinels(
        &mut self,
        m: MasterKey,
        now: u64,
        forced: bool,
    ) {
        let ask_period = self.timing.ask_period;
        let master_down = self.masters[m].inst.flags.contains(Flags::S_DOWN);
        if !master_down {
            // Nobody is asked about a master we do not see down (`should_ask`): only
            // old answers expire. This runs for every master on every timer run, and
            // the peers' links need not be looked up for it.
            for s in self.masters[m].sentinels.values_mut_any_order() {
                s.peer.expire(now, ask_period);
            }
            return;
        }
        let ask_every = self.ask_period_for(m);
        // The question is only built when some Sentinel is to be asked: this runs for
        // every master on every timer run, and asking is rare.
        let mut question: Option<([String; 5], String)> = None;
        let mut next = 0;
        while let Some(i) = self.masters[m].sentinels.key_at(next) {
            next += 1;
            let s = &mut self.masters[m].sentinels[i];
            s.peer.expire(now, ask_period);
            let disconnected = self.links.get(s.link).is_none_or(|l| l.health.disconnected);
            if !s
                .peer
                .should_ask(now, master_down, disconnected, forced, ask_every)
            {
                continue;
            }
            let (args, asked_about) = question.get_or_insert_with(|| {
                let a = &self.masters[m].inst.addr;
                let args = is_master_down_args(
                    a.announced(self.options.announce_hostnames),
                    a.port,
                    self.current_epoch,
                    self.masters[m].failover.in_progress(),
                    &self.myid,
                );
                (args, format!("{}:{}", a.ip, a.port))
            });
            let mut words = vec!["SENTINEL"];
            words.extend(args.iter().map(String::as_str));
            let callback = Callback::MasterDown(asked_about.clone());
            self.send(InstRef::Sentinel(m, i), ConnKind::Command, callback, &words);
        }
    }
}
