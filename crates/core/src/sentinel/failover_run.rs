//! Running failovers: the election crate starts them and waits for the election, the
//! failover crate selects, promotes and reconfigures; this module builds their views of
//! a master from the instance table and carries their ordered steps out (events, flags,
//! SLAVEOF transactions, config epoch, saves, the final address switch).

use crate::arena::Arena;
use crate::event::{LogLevel, Output};
use crate::instance::{Flags, InstKey, Instance};
use crate::link::LinkTable;
use crate::master::InstRef;
use crate::master::{Master, MasterKey};
use crate::sentinel::Sentinel;
use rand::Rng;
use rsentinel_election::{start_failover, start_failover_if_needed, wait_start, Me};
use rsentinel_failover::{
    select_replica, AddrView, Failover, InfoSeen, Level, MasterView, ReplicaFlags, ReplicaView,
    Settings, SlaveOfTarget, State, Step, Subject,
};

/// What the failover's view of a master is built from: every part of a [`Master`] but
/// its [`Failover`], so that the failover can change while its view is read.
struct ViewParts<'a> {
    inst: &'a Instance,
    replicas: &'a Arena<Instance>,
    histories: &'a [String],
    parallel_syncs: u32,
    failover_timeout_ms: u64,
}

impl<'a> ViewParts<'a> {
    fn of(ms: &'a Master) -> ViewParts<'a> {
        ViewParts {
            inst: &ms.inst,
            replicas: &ms.replicas,
            histories: &ms.histories,
            parallel_syncs: ms.parallel_syncs,
            failover_timeout_ms: ms.failover_timeout_ms,
        }
    }

    /// Calls `f` with the failover crate's view of the master and its replicas.
    fn with<R>(&self, links: &LinkTable, ah: bool, f: impl FnOnce(&MasterView<'_>) -> R) -> R {
        let replicas: Vec<ReplicaView<'_>> = self
            .replicas
            .values()
            .map(|r| {
                let link = links.get(r.link);
                ReplicaView {
                    name: &r.name,
                    addr: AddrView {
                        host: r.addr.announced(ah),
                        port: r.addr.port,
                    },
                    flags: view_flags(r),
                    disconnected: link.is_none_or(|l| l.health.disconnected),
                    last_avail_time: link.map_or(0, |l| l.health.last_avail_time),
                    info_refresh: r.reported.info_refresh,
                    master_link_down_time: r.reported.master_link_down_time,
                    priority: i64::from(r.reported.slave_priority),
                    repl_offset: r.reported.slave_repl_offset,
                    runid: r.reported.runid.as_deref(),
                    reconf_sent_time: r.slave_reconf_sent_time,
                    replid: r.replid.as_deref(),
                }
            })
            .collect();
        let history: Vec<&str> = self.histories.iter().map(String::as_str).collect();
        let inst = self.inst;
        let view = MasterView {
            name: &inst.name,
            addr: AddrView {
                host: inst.addr.announced(ah),
                port: inst.addr.port,
            },
            config_epoch: inst.config_epoch,
            s_down: inst.flags.contains(Flags::S_DOWN),
            s_down_since_time: inst.s_down_since_time,
            down_after_ms: inst.down_after_ms,
            parallel_syncs: self.parallel_syncs,
            failover_timeout_ms: self.failover_timeout_ms,
            replicas: &replicas,
            history: &history,
        };
        f(&view)
    }
}

/// A replica's flags as the failover reads them: its failover flags and its down bits.
fn view_flags(r: &Instance) -> ReplicaFlags {
    let mut f = r.failover_flags;
    if r.flags.contains(Flags::S_DOWN) {
        f.insert(ReplicaFlags::S_DOWN);
    }
    if r.flags.contains(Flags::O_DOWN) {
        f.insert(ReplicaFlags::O_DOWN);
    }
    f
}

fn level(l: Level) -> LogLevel {
    match l {
        Level::Notice => LogLevel::Notice,
        Level::Warning => LogLevel::Warning,
    }
}

impl Sentinel {
    fn failover_settings(&self) -> Settings {
        Settings {
            ping_period: self.timing.ping_period,
            info_period: self.timing.info_period,
            slave_reconf_timeout: self.timing.slave_reconf_timeout,
            crash_after_promotion: self.options.simfailure_flags
                & crate::SIMFAILURE_CRASH_AFTER_PROMOTION
                != 0,
            check_history: self.options.fast_failover,
        }
    }

    fn me(&self, now: u64, desync_ms: u64) -> Me<'_> {
        Me {
            myid: &self.myid,
            current_epoch: self.current_epoch,
            now_ms: now,
            desync_ms,
            election_timeout_ms: if self.options.fast_failover {
                self.timing
                    .election_timeout
                    .min(crate::sentinel::fast::ELECTION_WAIT_MS)
            } else {
                self.timing.election_timeout
            },
            crash_after_election: self.options.simfailure_flags
                & crate::SIMFAILURE_CRASH_AFTER_ELECTION
                != 0,
        }
    }

    /// Calls `f` with the failover crate's view of master `m` and its replicas.
    fn with_failover_view<R>(&self, m: MasterKey, f: impl FnOnce(&MasterView<'_>) -> R) -> R {
        ViewParts::of(&self.masters[m]).with(&self.links, self.options.announce_hostnames, f)
    }

    /// Calls `f` with master `m`'s failover and the view of the master it decides on.
    fn drive_failover<R>(
        &mut self,
        m: MasterKey,
        f: impl FnOnce(&mut Failover, &MasterView<'_>) -> R,
    ) -> R {
        let Master {
            inst,
            replicas,
            histories,
            parallel_syncs,
            failover_timeout_ms,
            failover,
            ..
        } = &mut self.masters[m];
        let parts = ViewParts {
            inst,
            replicas,
            histories,
            parallel_syncs: *parallel_syncs,
            failover_timeout_ms: *failover_timeout_ms,
        };
        parts.with(&self.links, self.options.announce_hostnames, |v| {
            f(failover, v)
        })
    }

    /// The replica of master `m` that would be promoted now, if any.
    pub(crate) fn selected_replica(&self, m: MasterKey, now: u64) -> Option<String> {
        let settings = self.failover_settings();
        self.with_failover_view(m, |v| {
            select_replica(v, &settings, now).map(|r| r.name.to_string())
        })
    }

    /// Why no replica of master `m` can be promoted (fast mode logs it before the
    /// abort, so an operator sees the reason).
    fn log_exclusions(&mut self, m: MasterKey, now: u64) {
        let settings = self.failover_settings();
        let reasons = self.with_failover_view(m, |v| {
            v.replicas
                .iter()
                .map(|r| {
                    let why = rsentinel_failover::exclusion(v, r, &settings, now);
                    format!("{} {:?}", r.name, why)
                })
                .collect::<Vec<_>>()
                .join(", ")
        });
        let text = format!(
            "No replica of '{}' can be promoted: {}",
            self.masters[m].inst.name,
            if reasons.is_empty() {
                "none known".to_string()
            } else {
                reasons
            }
        );
        self.log(LogLevel::Notice, text);
    }

    /// Whether master `m` has a replica that could be promoted now.
    pub(crate) fn has_promotable_replica(&self, m: MasterKey, now: u64) -> bool {
        self.selected_replica(m, now).is_some()
    }

    /// `SENTINEL FAILOVER`: start a failover that needs no election.
    pub(crate) fn force_failover(&mut self, m: MasterKey, now: u64) {
        let desync = self.start_desync();
        let steps = start_failover(&self.me(now, desync));
        for s in steps {
            self.apply_election_step(m, s, now);
        }
        self.masters[m].failover.force();
        // The new epoch is saved before anything is done in it: restarted from an older
        // file, this Sentinel could lead or vote in the same epoch again (found by the
        // simulator: a crash right after SENTINEL FAILOVER took the epoch back).
        self.flush_config();
        // Fast mode: no election to wait for; the timer runs at once, after the reply.
        self.wake_early();
    }

    /// ODOWN and no failover yet: start one if the retry delay allows. True if started.
    pub(crate) fn start_failover_if_needed(&mut self, m: MasterKey, now: u64) -> bool {
        if self.options.fast_failover {
            let ms = &mut self.masters[m];
            if !ms.inst.flags.contains(Flags::O_DOWN) {
                ms.fast_start_at = 0;
            } else if !ms.failover.in_progress() && ms.fast_start_at == 0 {
                let jitter = self
                    .rng
                    .gen_range(0..crate::sentinel::fast::START_JITTER_MS);
                self.masters[m].fast_start_at = now + jitter;
                // Fresh INFO from every replica for the selection, which comes within
                // milliseconds of the election.
                let mut next = 0;
                while let Some(i) = self.masters[m].replicas.key_at(next) {
                    next += 1;
                    self.ask_info_now(InstRef::Replica(m, i), now, false);
                }
            }
            if now < self.masters[m].fast_start_at {
                return false;
            }
        }
        // The election crate decides, but its view of the master is a Vec of the peers'
        // votes: not built for the masters that are fine, on every timer run.
        let ms = &self.masters[m];
        if !ms.inst.flags.contains(Flags::O_DOWN) || ms.failover.in_progress() {
            return false;
        }
        let desync = self.start_desync();
        let start = {
            let me = self.me(now, desync);
            start_failover_if_needed(&me, &self.election_view(m))
        };
        for s in start.steps {
            self.apply_election_step(m, s, now);
        }
        start.started
    }

    /// The random part of a new attempt's start time: redis' desync, none in fast mode
    /// (where the start itself is jittered and retries have their own delay).
    fn start_desync(&mut self) -> u64 {
        if self.options.fast_failover {
            0
        } else {
            self.desync()
        }
    }

    /// Master `m`'s failover on a timer run (`sentinelFailoverStateMachine`): one step,
    /// as redis does, or in fast mode as many as can be taken now.
    pub(crate) fn failover_state_machine(&mut self, m: MasterKey, now: u64) {
        if self.options.fast_failover {
            self.progress_failover(m, now);
        } else {
            self.failover_step(m, now);
        }
    }

    /// One step of master `m`'s failover. In fast mode an attempt that ends here without
    /// a promotion may be retried after about a second.
    pub(crate) fn failover_step(&mut self, m: MasterKey, now: u64) {
        let before = self.masters[m].failover.state();
        self.failover_step_once(m, now);
        let after = self.masters.get(m).map(|ms| ms.failover.state());
        let attempt = matches!(
            before,
            State::WaitStart | State::SelectSlave | State::SendSlaveofNoone | State::WaitPromotion
        );
        if self.options.fast_failover && attempt && after == Some(State::None) {
            self.arm_retry(m, now);
        }
    }

    fn failover_step_once(&mut self, m: MasterKey, now: u64) {
        let state = self.masters[m].failover.state();
        if state == State::SelectSlave && self.awaiting_replica_info(m, now) {
            return;
        }
        if state == State::SelectSlave
            && self.options.fast_failover
            && !self.has_promotable_replica(m, now)
        {
            self.log_exclusions(m, now);
        }
        if state == State::SendSlaveofNoone && !self.switchover_gate(m, now) {
            return;
        }
        match state {
            State::None => {}
            State::WaitStart => {
                let desync = self.desync();
                let steps = {
                    let me = self.me(now, desync);
                    wait_start(&me, &self.election_view(m))
                };
                for s in steps {
                    self.apply_election_step(m, s, now);
                }
            }
            _ => {
                let settings = self.failover_settings();
                let steps = self.drive_failover(m, |f, v| f.tick(v, &settings, now));
                self.apply_failover_steps(m, steps, now);
            }
        }
    }

    /// After the timer handled every master: the last one whose failover reached
    /// update-config switches to its promoted replica (`+switch-master`).
    pub(crate) fn switch_to_promoted_if_done(&mut self, now: u64) {
        let Some((m, _)) = self
            .masters
            .iter()
            .rfind(|(_, ms)| ms.failover.state() == State::UpdateConfig)
        else {
            return;
        };
        self.switch_master_if_done(m, now);
    }

    /// Master `m`'s failover reached update-config: switch to the promoted replica,
    /// unless a newer configuration superseded it.
    pub(crate) fn switch_master_if_done(&mut self, m: MasterKey, now: u64) {
        if self.masters[m].failover.state() != State::UpdateConfig {
            return;
        }
        let steps = self.drive_failover(m, |f, v| f.switch_to_promoted(v));
        self.apply_failover_steps(m, steps, now);
    }

    /// What a replica's INFO means for a failover in progress: the promotion seen, or
    /// a reconfigured replica following the promoted one.
    pub(crate) fn failover_on_replica_info(&mut self, m: MasterKey, i: InstKey, now: u64) {
        let ms = &self.masters[m];
        if !ms.failover.in_progress() {
            return;
        }
        let replica = &ms.replicas[i];
        let name = replica.name.clone();
        let rep = &replica.reported;
        let promoted = ms.failover.promoted().and_then(|p| ms.replica(p));
        let follows_promoted = promoted.is_some_and(|p| {
            rep.slave_master_port == i32::from(p.addr.port)
                && rep
                    .slave_master_host
                    .as_deref()
                    .is_some_and(|h| self.addr_is_host(&p.addr, h))
        });
        let seen = InfoSeen {
            role: rep.role_reported.map(|r| match r {
                rsentinel_monitor::Role::Master => rsentinel_failover::Role::Master,
                rsentinel_monitor::Role::Replica => rsentinel_failover::Role::Replica,
            }),
            follows_promoted,
            master_link_up: rep.slave_master_link_up,
        };
        let settings = self.failover_settings();
        let steps =
            self.drive_failover(m, |f, v| f.on_replica_info(v, &name, &seen, &settings, now));
        self.apply_failover_steps(m, steps, now);
        if self.masters.contains(m) {
            self.finish_switchover(m, now);
        }
    }

    /// Carries out the failover's steps for master `m`, in order.
    pub(crate) fn apply_failover_steps(&mut self, m: MasterKey, steps: Vec<Step>, now: u64) {
        for step in steps {
            if !self.masters.contains(m) {
                return;
            }
            self.apply_failover_step(m, step, now);
        }
    }

    fn apply_failover_step(&mut self, m: MasterKey, step: Step, now: u64) {
        match step {
            Step::Event(e) => {
                let prefix = match &e.subject {
                    Subject::Master => self.describe(InstRef::Master(m)),
                    Subject::Replica(name) => self.masters[m]
                        .replica_key(name)
                        .map(|i| self.describe(InstRef::Replica(m, i)))
                        .unwrap_or_default(),
                    Subject::None => String::new(),
                };
                let text = e.message(&prefix);
                self.event(level(e.level), e.kind, Some(m), text);
            }
            Step::Flags {
                replica,
                set,
                clear,
            } => {
                if let Some(i) = self.masters[m].replica_key(&replica) {
                    let flags = &mut self.masters[m].replicas[i].failover_flags;
                    flags.insert(set);
                    flags.remove(clear);
                }
            }
            Step::ReconfSentTime { replica, at } => {
                if let Some(i) = self.masters[m].replica_key(&replica) {
                    self.masters[m].replicas[i].slave_reconf_sent_time = at;
                }
            }
            Step::SlaveOf { replica, target } => {
                let Some(i) = self.masters[m].replica_key(&replica) else {
                    return;
                };
                let addr = match target {
                    SlaveOfTarget::NoOne => None,
                    SlaveOfTarget::Replica(t) => match self.masters[m].replica_key(&t) {
                        Some(j) => Some(self.masters[m].replicas[j].addr.clone()),
                        None => return,
                    },
                };
                self.send_slave_of(InstRef::Replica(m, i), addr.as_ref());
                if self.options.fast_failover {
                    // The reply shows the new role (or master) at once.
                    self.ask_info_now(InstRef::Replica(m, i), now, true);
                }
            }
            Step::SetConfigEpoch(e) => self.masters[m].inst.config_epoch = e,
            Step::FlushConfig => self.flush_config(),
            Step::ClientReconfigScript(a) => self.client_reconfig_script(m, a.to_args()),
            Step::ForceHello => {
                self.force_hello_update(m);
                if self.options.fast_failover {
                    self.publish_config_now(m);
                }
            }
            Step::Log { level: l, text } => self.log(level(l), text),
            Step::SimulatedCrash => {
                self.log(LogLevel::Warning, rsentinel_election::CRASH_LOG.to_string());
                self.outputs.push(Output::Crash);
            }
            Step::SwitchMaster { to } => {
                let addr = match to.as_deref().and_then(|n| self.masters[m].replica_key(n)) {
                    Some(i) => self.masters[m].replicas[i].addr.clone(),
                    None => self.masters[m].inst.addr.clone(),
                };
                self.reset_master_and_change_address(m, addr, now);
            }
        }
    }

    /// `sentinelForceHelloUpdateForMaster`: hellos for this master go out on the next
    /// timer run, so the other Sentinels learn the new configuration at once.
    fn force_hello_update(&mut self, m: MasterKey) {
        let back = self.timing.publish_period + 1;
        let ms = &mut self.masters[m];
        for inst in std::iter::once(&mut ms.inst)
            .chain(ms.replicas.values_mut())
            .chain(ms.sentinels.values_mut())
        {
            if inst.last_pub_time >= back {
                inst.last_pub_time -= back;
            }
        }
    }
}
