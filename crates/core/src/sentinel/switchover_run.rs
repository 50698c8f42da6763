//! Carrying out a planned switchover (see [`crate::switchover`]): the pause and offset
//! INFO on the old master, the replica's catch-up polls, the gate before `SLAVEOF NO
//! ONE`, and the old master's demotion and unpause once the promotion is seen.

use crate::conn::{Callback, ConnKind, SwitchoverReply};
use crate::event::LogLevel;
use crate::instance::Flags;
use crate::master::InstRef;
use crate::master::{FailoverState, MasterKey};
use crate::parse::info_number;
use crate::sentinel::Sentinel;
use crate::switchover::{Switchover, CATCHUP_MS, PAUSE_MS, POLL_MS};
use rsentinel_resp::Frame;

impl Sentinel {
    /// In `send_slaveof_noone`: whether `SLAVEOF NO ONE` may go out now. A planned
    /// switchover first pauses the master's writes and waits for the replica's offset;
    /// a failover of an unreachable master (or with fast mode off) goes ahead at once.
    pub(crate) fn switchover_gate(&mut self, m: MasterKey, now: u64) -> bool {
        let ms = &self.masters[m];
        let Some(promoted) = ms.failover.promoted().map(str::to_string) else {
            return true;
        };
        let forced = ms.failover.forced();
        match &ms.switchover {
            None => {
                let reachable = !ms.inst.flags.intersects(Flags::S_DOWN | Flags::O_DOWN)
                    && ms.inst.reported.role_reported == Some(rsentinel_monitor::Role::Master)
                    && self
                        .links
                        .get(ms.inst.link)
                        .is_some_and(|l| !l.health.disconnected);
                if !self.options.fast_failover || !forced || !reachable {
                    return true;
                }
                self.begin_switchover(m, promoted, now)
            }
            Some(s) if s.replica != promoted => {
                self.abandon_switchover(m, "the promoted replica changed");
                true
            }
            Some(s) if s.caught_up || s.promoting => {
                if let Some(s) = self.masters[m].switchover.as_mut() {
                    s.promoting = true;
                }
                true
            }
            Some(s) if now.saturating_sub(s.started) > CATCHUP_MS => {
                let why = format!("the replica did not catch up within {CATCHUP_MS} ms");
                self.abandon_switchover(m, &why);
                true
            }
            Some(_) => false,
        }
    }

    fn begin_switchover(&mut self, m: MasterKey, replica: String, now: u64) -> bool {
        let r = InstRef::Master(m);
        let pause = PAUSE_MS.to_string();
        let pause_cb = Callback::Switchover(SwitchoverReply::Pause);
        if !self.send(
            r,
            ConnKind::Command,
            pause_cb,
            &["CLIENT", "PAUSE", &pause, "WRITE"],
        ) {
            return true;
        }
        let info_cb = Callback::Switchover(SwitchoverReply::Offset);
        self.send(r, ConnKind::Command, info_cb, &["INFO", "replication"]);
        let text = format!(
            "Planned switchover of '{}': writes paused on the master, waiting for {replica} to catch up",
            self.masters[m].inst.name
        );
        self.masters[m].switchover = Some(Switchover {
            replica,
            started: now,
            paused: false,
            master_offset: None,
            caught_up: false,
            promoting: false,
            last_poll: now,
        });
        self.log(LogLevel::Notice, text);
        false
    }

    /// Gives the switchover up: the master's writes resume, the failover goes on the
    /// classic way.
    fn abandon_switchover(&mut self, m: MasterKey, why: &str) {
        if self.masters[m].switchover.take().is_none() {
            return;
        }
        self.send(
            InstRef::Master(m),
            ConnKind::Command,
            Callback::Discard,
            &["CLIENT", "UNPAUSE"],
        );
        let text = format!(
            "Planned switchover of '{}' falls back to a classic failover: {why}",
            self.masters[m].inst.name
        );
        self.log(LogLevel::Warning, text);
    }

    /// A reply for the switchover of the master `r` belongs to.
    pub(crate) fn on_switchover_reply(
        &mut self,
        r: InstRef,
        what: SwitchoverReply,
        frame: &Frame,
        now: u64,
    ) {
        let m = r.master();
        if self.masters[m].switchover.is_none() {
            return;
        }
        match (what, r) {
            (SwitchoverReply::Pause, _) => {
                if let Frame::Error(e) = frame {
                    let why = format!("CLIENT PAUSE refused ({e})");
                    self.abandon_switchover(m, &why);
                } else if let Some(s) = self.masters[m].switchover.as_mut() {
                    s.paused = true;
                }
            }
            (SwitchoverReply::Offset, InstRef::Master(_)) => {
                let off = match frame {
                    Frame::Bulk(t) => {
                        info_number(&String::from_utf8_lossy(t), "master_repl_offset")
                    }
                    _ => None,
                };
                match (off, self.masters[m].switchover.as_mut()) {
                    (Some(off), Some(s)) if s.paused => {
                        s.master_offset = Some(off);
                        s.last_poll = 0;
                    }
                    _ => self.abandon_switchover(m, "the master's offset is unknown"),
                }
                self.poll_switchover_replica(m, now);
            }
            (SwitchoverReply::Offset, InstRef::Replica(..)) => {
                let off = match frame {
                    Frame::Bulk(t) => info_number(&String::from_utf8_lossy(t), "slave_repl_offset"),
                    _ => None,
                };
                let caught_up = match (&self.masters[m].switchover, off) {
                    (Some(s), Some(off)) => s.master_offset.is_some_and(|mo| off >= mo),
                    _ => false,
                };
                if caught_up {
                    if let Some(s) = self.masters[m].switchover.as_mut() {
                        s.caught_up = true;
                    }
                    if self.may_act_now(now) {
                        self.progress_failover(m, now);
                    }
                }
            }
            _ => {}
        }
    }

    /// Asks the chosen replica for its offset, every [`POLL_MS`] once the master's is
    /// known.
    fn poll_switchover_replica(&mut self, m: MasterKey, now: u64) {
        let Some(s) = &self.masters[m].switchover else {
            return;
        };
        if s.master_offset.is_none() || s.caught_up || s.promoting {
            return;
        }
        if s.last_poll != 0 && now < s.last_poll + POLL_MS {
            return;
        }
        let Some(i) = self.masters[m].replica_key(&s.replica) else {
            return;
        };
        let cb = Callback::Switchover(SwitchoverReply::Offset);
        self.send(
            InstRef::Replica(m, i),
            ConnKind::Command,
            cb,
            &["INFO", "replication"],
        );
        if let Some(s) = self.masters[m].switchover.as_mut() {
            s.last_poll = now;
        }
    }

    /// Timer part: polls, the catch-up deadline, and the end of a switchover whose
    /// failover is gone.
    pub(crate) fn switchover_tick(&mut self, m: MasterKey, now: u64) {
        let Some(s) = &self.masters[m].switchover else {
            return;
        };
        let state = self.masters[m].failover.state();
        if s.started + PAUSE_MS < now {
            // The pause is over anyway.
            self.masters[m].switchover = None;
            return;
        }
        if state == FailoverState::None {
            self.abandon_switchover(m, "the failover was aborted");
            return;
        }
        if !s.promoting && now.saturating_sub(s.started) > CATCHUP_MS {
            self.progress_failover(m, now);
            return;
        }
        self.poll_switchover_replica(m, now);
    }

    /// The promotion was seen: the old master follows the new one, then its writes
    /// resume (its clients were disconnected by the SLAVEOF transaction and will find
    /// the new master).
    pub(crate) fn finish_switchover(&mut self, m: MasterKey, now: u64) {
        let Some(s) = &self.masters[m].switchover else {
            return;
        };
        if self.masters[m].failover.state() < FailoverState::ReconfSlaves {
            return;
        }
        let started = s.started;
        let Some(addr) = self.masters[m].replica(&s.replica).map(|r| r.addr.clone()) else {
            self.abandon_switchover(m, "the promoted replica is gone");
            return;
        };
        self.masters[m].switchover = None;
        let r = InstRef::Master(m);
        self.send_slave_of(r, Some(&addr));
        self.send(
            r,
            ConnKind::Command,
            Callback::Discard,
            &["CLIENT", "UNPAUSE"],
        );
        let text = format!(
            "Planned switchover of '{}': old master now replicates from {}:{}, writes were paused {} ms",
            self.masters[m].inst.name,
            addr.announced(self.options.announce_hostnames),
            addr.port,
            now.saturating_sub(started)
        );
        self.log(LogLevel::Notice, text);
    }
}
