//! The judging half of the timer: TILT, subjective and objective down states, and asking
//! the other Sentinels what they think of a master. Rules, thresholds and event texts
//! are redis 7.0.15's (sentinelCheckTiltCondition, sentinelCheckSubjectivelyDown,
//! sentinelCheckObjectivelyDown, sentinelAskMasterStateToOtherSentinels).

use crate::event::LogLevel;
use crate::instance::{Flags, Kind, Role};
use crate::master::FailoverState;
use crate::net::{Callback, ConnKind};
use crate::sentinel::{InstRef, Sentinel};

impl Sentinel {
    /// An event about no instance in particular (`+tilt`, `-tilt`).
    pub(crate) fn global_event(&mut self, kind: &str, text: &str) {
        self.event(LogLevel::Warning, kind, None, text.to_string());
    }

    /// An instance event with the `%@` prefix and an optional suffix.
    pub(crate) fn inst_event(&mut self, level: LogLevel, kind: &str, r: InstRef, suffix: &str) {
        let m = match r {
            InstRef::Master(m) | InstRef::Replica(m, _) | InstRef::Sentinel(m, _) => m,
        };
        let text = format!("{}{suffix}", self.describe(r));
        self.event(level, kind, Some(m), text);
    }

    /// TILT: a timer gap that is negative or longer than tilt-trigger means this process
    /// was frozen or the clock jumped, so timeouts seen now are not evidence of anything.
    pub(crate) fn check_tilt(&mut self, now: u64) {
        if self.previous_time != 0 {
            let backwards = now < self.previous_time;
            let gap = now.saturating_sub(self.previous_time);
            if backwards || gap > self.timing.tilt_trigger {
                self.tilt = true;
                self.tilt_start_time = now;
                self.global_event("+tilt", "#tilt mode entered");
            }
        }
        self.previous_time = now;
    }

    /// SDOWN: no acceptable PING reply for down-after-milliseconds (or no connection for
    /// that long), a master reporting itself a replica for too long, or a rebooted master
    /// within its reboot period. Also resets links that look stalled.
    pub(crate) fn check_subjectively_down(&mut self, r: InstRef, now: u64) {
        let Some(inst) = self.instance(r) else {
            return;
        };
        let link_id = inst.link;
        let down_after = inst.down_after_ms;
        let Some(link) = self.links.get(link_id) else {
            return;
        };
        let elapsed = if link.act_ping_time != 0 {
            now.saturating_sub(link.act_ping_time)
        } else if link.disconnected {
            now.saturating_sub(link.last_avail_time)
        } else {
            0
        };
        let min_reconnect = self.timing.min_link_reconnect_period;
        let reset_cc = link.cc.is_some()
            && now.saturating_sub(link.cc_conn_time) > min_reconnect
            && link.act_ping_time != 0
            && now.saturating_sub(link.act_ping_time) > down_after / 2
            && now.saturating_sub(link.last_pong_time) > down_after / 2;
        let reset_pc = link.pc.is_some()
            && now.saturating_sub(link.pc_conn_time) > min_reconnect
            && now.saturating_sub(link.pc_last_activity) > self.timing.publish_period * 3;
        if reset_cc {
            self.close_conn(link_id, ConnKind::Command);
        }
        if reset_pc {
            self.close_conn(link_id, ConnKind::PubSub);
        }
        let Some(inst) = self.instance(r) else {
            return;
        };
        let is_master = inst.kind == Kind::Master;
        let wrong_role = is_master
            && inst.role_reported == Some(Role::Replica)
            && now.saturating_sub(inst.role_reported_time)
                > down_after + self.timing.info_period * 2;
        let rebooting = inst.flags.contains(Flags::MASTER_REBOOT)
            && now.saturating_sub(inst.master_reboot_since_time) > inst.master_reboot_down_after_ms;
        let down = elapsed > down_after || wrong_role || rebooting;
        let was_down = inst.flags.contains(Flags::S_DOWN);
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
    pub(crate) fn check_objectively_down(&mut self, m: usize, now: u64) {
        let master = &self.masters[m];
        let mut votes = 0u32;
        if master.inst.flags.contains(Flags::S_DOWN) {
            votes = 1 + master
                .sentinels
                .iter()
                .filter(|s| s.flags.contains(Flags::MASTER_DOWN))
                .count() as u32;
        }
        let quorum = master.quorum;
        let odown = votes > 0 && votes >= quorum;
        let was = master.inst.flags.contains(Flags::O_DOWN);
        if odown && !was {
            let suffix = format!(" #quorum {votes}/{quorum}");
            self.inst_event(LogLevel::Warning, "+odown", InstRef::Master(m), &suffix);
            let inst = &mut self.masters[m].inst;
            inst.flags.insert(Flags::O_DOWN);
            inst.o_down_since_time = now;
        } else if !odown && was {
            self.inst_event(LogLevel::Warning, "-odown", InstRef::Master(m), "");
            self.masters[m].inst.flags.remove(Flags::O_DOWN);
        }
    }

    /// While the master is SDOWN, asks each connected Sentinel every ask-period whether
    /// it agrees (and, during our failover, for its vote); answers older than five ask
    /// periods are forgotten.
    pub(crate) fn ask_master_state_to_other_sentinels(&mut self, m: usize, now: u64, forced: bool) {
        let ask_period = self.timing.ask_period;
        let master_down = self.masters[m].inst.flags.contains(Flags::S_DOWN);
        let addr = self.masters[m].inst.addr.clone();
        let announced = addr.announced(self.announce_hostnames).to_string();
        let runid = if self.masters[m].failover_state != FailoverState::None {
            self.myid.clone()
        } else {
            "*".to_string()
        };
        let epoch = self.current_epoch.to_string();
        let port = addr.port.to_string();
        for i in 0..self.masters[m].sentinels.len() {
            let s = &mut self.masters[m].sentinels[i];
            let elapsed = now.saturating_sub(s.last_master_down_reply_time);
            if elapsed > ask_period * 5 {
                s.flags.remove(Flags::MASTER_DOWN);
                s.leader = None;
            }
            if !master_down {
                continue;
            }
            let link = s.link;
            if self.links.get(link).is_none_or(|l| l.disconnected) {
                continue;
            }
            if !forced && elapsed < ask_period {
                continue;
            }
            self.send(
                InstRef::Sentinel(m, i),
                ConnKind::Command,
                Callback::MasterDown,
                &[
                    "SENTINEL",
                    "is-master-down-by-addr",
                    &announced,
                    &port,
                    &epoch,
                    &runid,
                ],
            );
        }
    }
}
