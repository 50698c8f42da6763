//! The failover after the election, driven by the timer (redis 7.0.15's
//! `sentinelFailoverStateMachine` from `select_slave` on): choose the replica, send it
//! `SLAVEOF NO ONE`, wait for the promotion (seen in INFO, see [`crate::info`]),
//! reconfigure the other replicas `parallel-syncs` at a time, detect the end (or force
//! it at the failover timeout), and finally switch the master's address.
//!
//! One call of [`Failover::tick`] is one state's step, as one timer run is in redis: the
//! state reached is acted on at the next run. Aborts are only possible up to
//! `wait_promotion`.

use crate::flags::ReplicaFlags;
use crate::select::select_replica;
use crate::state::{Failover, State};
use crate::step::{event, flags, Level, SlaveOfTarget, Step, Subject};
use crate::view::{age, exceeds, MasterView, Settings};

impl Failover {
    /// One timer run for this master (outside TILT). Does nothing in `none` and
    /// `wait_start` (the election's part) and in `update_config` (see
    /// [`Failover::switch_to_promoted`]). The core must not also run the election's
    /// wait-start step in the same run: redis runs exactly one state per timer run.
    pub fn tick(&mut self, master: &MasterView<'_>, settings: &Settings, now_ms: u64) -> Vec<Step> {
        let mut out = Vec::new();
        match self.state {
            State::None | State::WaitStart | State::UpdateConfig => {}
            State::SelectSlave => self.select_slave(master, settings, now_ms, &mut out),
            State::SendSlaveofNoone => self.send_slaveof_noone(master, now_ms, &mut out),
            State::WaitPromotion => {
                // Promotion is seen by INFO; the timer only enforces the timeout.
                if self.state_timed_out(master, now_ms) {
                    self.abort_with("-failover-abort-slave-timeout", now_ms, &mut out);
                }
            }
            State::ReconfSlaves => self.reconf_next_slaves(master, settings, now_ms, &mut out),
        }
        out
    }

    /// In `update_config`, after the timer run handled every master
    /// (`sentinelFailoverSwitchToPromotedSlave`): announce `+switch-master <name>
    /// <old-ip> <old-port> <new-ip> <new-port>` and switch the master to the promoted
    /// replica. Its reset ([`Failover::reset`]) ends the failover. redis switches at
    /// most one master per timer run (the last one found in `update_config`); the
    /// others wait for the next run. Nothing in any other state.
    ///
    /// If the master's config epoch passed ours meanwhile (another Sentinel's newer
    /// configuration was adopted while ours was finishing), the failover ends without
    /// switching (no failover, its replica flags cleared, a warning logged): switching
    /// would publish a different master under the same config epoch, and the two views
    /// would never converge. redis switches anyway (found by the simulator, seed 7882).
    pub fn switch_to_promoted(&mut self, master: &MasterView<'_>) -> Vec<Step> {
        if self.state != State::UpdateConfig {
            return Vec::new();
        }
        if master.config_epoch > self.epoch {
            return self.supersede(master);
        }
        let promoted = self.promoted.as_deref().and_then(|n| master.replica(n));
        let to = promoted.map_or(master.addr, |p| p.addr);
        vec![
            Step::Event(crate::step::Event {
                level: Level::Warning,
                kind: "+switch-master",
                subject: Subject::None,
                text: format!(
                    "{} {} {} {} {}",
                    master.name, master.addr.host, master.addr.port, to.host, to.port
                ),
            }),
            Step::SwitchMaster {
                to: promoted.map(|p| p.name.to_string()),
            },
        ]
    }

    /// Ends a failover whose outcome a newer configuration superseded, keeping the
    /// adopted configuration: no failover, no forced flag, no promoted replica, every
    /// replica's failover flags cleared, and a warning saying so. The start time is
    /// kept, so the next attempt waits as after any other.
    fn supersede(&mut self, master: &MasterView<'_>) -> Vec<Step> {
        let mut out = Vec::new();
        self.state = State::None;
        self.forced = false;
        self.promoted = None;
        let progress = ReplicaFlags::PROMOTED
            | ReplicaFlags::RECONF_SENT
            | ReplicaFlags::RECONF_INPROG
            | ReplicaFlags::RECONF_DONE;
        for r in master.replicas {
            if r.flags.intersects(progress) {
                out.push(flags(r.name, ReplicaFlags::empty(), progress));
            }
        }
        out.push(Step::Log {
            level: Level::Warning,
            text: format!(
                "Failover of '{}' in epoch {} superseded by configuration epoch {}: not switching",
                master.name, self.epoch, master.config_epoch
            ),
        });
        out
    }

    /// More than the failover timeout in the current state.
    fn state_timed_out(&self, master: &MasterView<'_>, now_ms: u64) -> bool {
        exceeds(
            age(now_ms, self.state_change_time),
            master.failover_timeout_ms,
        )
    }

    fn abort_with(&mut self, kind: &'static str, now_ms: u64, out: &mut Vec<Step>) {
        out.push(event(Level::Warning, kind, Subject::Master));
        out.extend(self.abort(now_ms));
    }

    /// `sentinelFailoverSelectSlave`: no timeout here, it either aborts or moves on.
    fn select_slave(
        &mut self,
        master: &MasterView<'_>,
        settings: &Settings,
        now_ms: u64,
        out: &mut Vec<Step>,
    ) {
        let Some(chosen) = select_replica(master, settings, now_ms) else {
            self.abort_with("-failover-abort-no-good-slave", now_ms, out);
            return;
        };
        let name = chosen.name.to_string();
        out.push(event(
            Level::Warning,
            "+selected-slave",
            Subject::Replica(name.clone()),
        ));
        out.push(flags(&name, ReplicaFlags::PROMOTED, ReplicaFlags::empty()));
        self.promoted = Some(name.clone());
        self.set_state(State::SendSlaveofNoone, now_ms);
        out.push(event(
            Level::Notice,
            "+failover-state-send-slaveof-noone",
            Subject::Replica(name),
        ));
    }

    /// `sentinelFailoverSendSlaveOfNoOne`: retried while the replica is disconnected,
    /// until the failover timeout. (A promoted replica that vanished from the table is
    /// treated as disconnected; redis would dereference a null pointer.)
    fn send_slaveof_noone(&mut self, master: &MasterView<'_>, now_ms: u64, out: &mut Vec<Step>) {
        let promoted = self.promoted.as_deref().and_then(|n| master.replica(n));
        let Some(p) = promoted.filter(|p| !p.disconnected) else {
            if self.state_timed_out(master, now_ms) {
                self.abort_with("-failover-abort-slave-timeout", now_ms, out);
            }
            return;
        };
        out.push(Step::SlaveOf {
            replica: p.name.to_string(),
            target: SlaveOfTarget::NoOne,
        });
        out.push(event(
            Level::Notice,
            "+failover-state-wait-promotion",
            Subject::Replica(p.name.to_string()),
        ));
        self.set_state(State::WaitPromotion, now_ms);
    }

    /// `sentinelFailoverReconfNextSlave` then `sentinelFailoverDetectEnd`.
    ///
    /// Replicas already in flight (`reconf_sent` or `reconf_inprog`) count against
    /// `parallel-syncs`; the scan stops as soon as the limit is reached, so a replica
    /// stuck in `reconf_sent` only times out (`-slave-reconf-sent-timeout`, counted as
    /// done) when the scan reaches it with room left: with `parallel-syncs 1` never, and
    /// the failover timeout ends the failover instead. This is redis' behaviour.
    fn reconf_next_slaves(
        &mut self,
        master: &MasterView<'_>,
        settings: &Settings,
        now_ms: u64,
        out: &mut Vec<Step>,
    ) {
        // Flags as changed so far in this run (the steps are applied later by the core).
        let mut fl: Vec<ReplicaFlags> = master.replicas.iter().map(|r| r.flags).collect();
        let promoted = self
            .promoted
            .as_deref()
            .and_then(|n| master.replica(n))
            .map(|p| p.name);
        let in_flight = ReplicaFlags::RECONF_SENT | ReplicaFlags::RECONF_INPROG;
        let mut in_progress = fl.iter().filter(|f| f.intersects(in_flight)).count() as u64;
        for (i, r) in master.replicas.iter().enumerate() {
            if in_progress >= u64::from(master.parallel_syncs) {
                break;
            }
            if fl[i].intersects(ReplicaFlags::PROMOTED | ReplicaFlags::RECONF_DONE) {
                continue;
            }
            if fl[i].contains(ReplicaFlags::RECONF_SENT)
                && exceeds(
                    age(now_ms, r.reconf_sent_time),
                    settings.slave_reconf_timeout,
                )
            {
                out.push(event(
                    Level::Notice,
                    "-slave-reconf-sent-timeout",
                    Subject::Replica(r.name.to_string()),
                ));
                out.push(flags(
                    r.name,
                    ReplicaFlags::RECONF_DONE,
                    ReplicaFlags::RECONF_SENT,
                ));
                fl[i].remove(ReplicaFlags::RECONF_SENT);
                fl[i].insert(ReplicaFlags::RECONF_DONE);
            }
            if fl[i].intersects(in_flight) || r.disconnected {
                continue;
            }
            // Without a promoted replica there is nowhere to point it (redis would crash).
            let Some(target) = promoted else {
                continue;
            };
            out.push(Step::SlaveOf {
                replica: r.name.to_string(),
                target: SlaveOfTarget::Replica(target.to_string()),
            });
            out.push(flags(
                r.name,
                ReplicaFlags::RECONF_SENT,
                ReplicaFlags::empty(),
            ));
            out.push(Step::ReconfSentTime {
                replica: r.name.to_string(),
                at: now_ms,
            });
            out.push(event(
                Level::Notice,
                "+slave-reconf-sent",
                Subject::Replica(r.name.to_string()),
            ));
            fl[i].insert(ReplicaFlags::RECONF_SENT);
            in_progress += 1;
        }
        self.detect_end(master, &mut fl, now_ms, out);
    }

    /// `sentinelFailoverDetectEnd`: the failover ends when every replica that is not
    /// down is reconfigured, or at the failover timeout, when the replicas not yet told
    /// get a best-effort `SLAVEOF` (`+slave-reconf-sent-be`). Nothing ends while the
    /// promoted replica is down or unknown.
    fn detect_end(
        &mut self,
        master: &MasterView<'_>,
        fl: &mut [ReplicaFlags],
        now_ms: u64,
        out: &mut Vec<Step>,
    ) {
        let Some(pi) = self
            .promoted
            .as_deref()
            .and_then(|n| master.replicas.iter().position(|r| r.name == n))
        else {
            return;
        };
        if fl[pi].contains(ReplicaFlags::S_DOWN) {
            return;
        }
        let mut not_reconfigured = fl
            .iter()
            .filter(|f| {
                !f.intersects(
                    ReplicaFlags::PROMOTED | ReplicaFlags::RECONF_DONE | ReplicaFlags::S_DOWN,
                )
            })
            .count();
        let timeout = self.state_timed_out(master, now_ms);
        if timeout {
            not_reconfigured = 0;
            out.push(event(
                Level::Warning,
                "+failover-end-for-timeout",
                Subject::Master,
            ));
        }
        if not_reconfigured == 0 {
            out.push(event(Level::Warning, "+failover-end", Subject::Master));
            self.set_state(State::UpdateConfig, now_ms);
        }
        if !timeout {
            return;
        }
        let target = master.replicas[pi].name;
        for (i, r) in master.replicas.iter().enumerate() {
            let done =
                ReplicaFlags::PROMOTED | ReplicaFlags::RECONF_DONE | ReplicaFlags::RECONF_SENT;
            if fl[i].intersects(done) || r.disconnected {
                continue;
            }
            out.push(Step::SlaveOf {
                replica: r.name.to_string(),
                target: SlaveOfTarget::Replica(target.to_string()),
            });
            out.push(event(
                Level::Notice,
                "+slave-reconf-sent-be",
                Subject::Replica(r.name.to_string()),
            ));
            out.push(flags(
                r.name,
                ReplicaFlags::RECONF_SENT,
                ReplicaFlags::empty(),
            ));
            fl[i].insert(ReplicaFlags::RECONF_SENT);
        }
    }
}
