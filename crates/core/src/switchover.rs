//! Zero-loss planned switchover (fast mode, `SENTINEL FAILOVER` on a reachable master).
//!
//! redis promotes the chosen replica while the old master still takes writes, and
//! demotes the old master only once it is seen again as a replica, seconds later: every
//! write acknowledged by the old master in between is lost. Here, before `SLAVEOF NO
//! ONE`:
//! 1. the old master gets `CLIENT PAUSE <PAUSE_MS> WRITE` and then INFO: its
//!    `master_repl_offset` after the pause is the last write any client saw acknowledged;
//! 2. the chosen replica is polled every [`POLL_MS`] until its `slave_repl_offset`
//!    reaches that offset; then it is promoted;
//! 3. once the promotion is seen, the old master is made a replica of the new one (the
//!    SLAVEOF transaction also disconnects its clients) and then `CLIENT UNPAUSE`d.
//!
//! Clients writing to the old master wait during the pause (reads go on), then are
//! disconnected and find the new master. The pause ends at the latest after
//! [`PAUSE_MS`] (redis lifts it by itself). If the pause is refused, or the replica does
//! not catch up within [`CATCHUP_MS`], the master is unpaused and the failover goes on
//! as redis' does, with a log line saying so.

use crate::event::LogLevel;
use crate::instance::Flags;
use crate::master::FailoverState;
use crate::net::{Callback, ConnKind};
use crate::sentinel::{InstRef, Sentinel};
use rsentinel_resp::Frame;

/// `CLIENT PAUSE` timeout: the longest write pause a client can see.
pub const PAUSE_MS: u64 = 2000;
/// How long the chosen replica may take to reach the master's offset.
pub const CATCHUP_MS: u64 = 500;
/// Offset poll period of the chosen replica.
pub const POLL_MS: u64 = 10;

/// Which reply of the switchover a pending command waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SwitchoverReply {
    /// `CLIENT PAUSE ... WRITE` on the old master.
    Pause,
    /// INFO from the old master (its offset) or the chosen replica (its progress).
    Offset,
}

/// One planned switchover in progress for a master.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Switchover {
    /// The replica being promoted (the failover's promoted replica).
    pub replica: String,
    /// When the pause was asked.
    pub started: u64,
    /// The pause was acknowledged.
    pub paused: bool,
    /// The old master's replication offset once paused.
    pub master_offset: Option<u64>,
    /// The replica reached it: promote now.
    pub caught_up: bool,
    /// `SLAVEOF NO ONE` went out; waiting for the promotion to demote and unpause.
    pub promoting: bool,
    /// Last offset poll of the replica.
    pub last_poll: u64,
}

impl Switchover {
    /// When the switchover next needs the timer.
    pub(crate) fn next_deadline(&self, now: u64) -> u64 {
        if self.promoting {
            self.started + PAUSE_MS
        } else {
            (self.last_poll + POLL_MS)
                .max(now + 1)
                .min(self.started + CATCHUP_MS + 1)
        }
    }
}

/// The value of `field:<value>` in an INFO text.
pub(crate) fn info_field<'t>(text: &'t str, field: &str) -> Option<&'t str> {
    text.lines().find_map(|l| {
        l.strip_prefix(field)
            .and_then(|v| v.strip_prefix(':'))
            .map(str::trim)
    })
}

/// `field:<number>` from an INFO text.
fn info_number(text: &str, field: &str) -> Option<u64> {
    info_field(text, field).and_then(|v| v.parse().ok())
}

impl Sentinel {
    /// In `send_slaveof_noone`: whether `SLAVEOF NO ONE` may go out now. A planned
    /// switchover first pauses the master's writes and waits for the replica's offset;
    /// a failover of an unreachable master (or with fast mode off) goes ahead at once.
    pub(crate) fn switchover_gate(&mut self, m: usize, now: u64) -> bool {
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
                if !self.fast_failover || !forced || !reachable {
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

    fn begin_switchover(&mut self, m: usize, replica: String, now: u64) -> bool {
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
    fn abandon_switchover(&mut self, m: usize, why: &str) {
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
        let m = match r {
            InstRef::Master(m) | InstRef::Replica(m, _) | InstRef::Sentinel(m, _) => m,
        };
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
    fn poll_switchover_replica(&mut self, m: usize, now: u64) {
        let Some(s) = &self.masters[m].switchover else {
            return;
        };
        if s.master_offset.is_none() || s.caught_up || s.promoting {
            return;
        }
        if s.last_poll != 0 && now < s.last_poll + POLL_MS {
            return;
        }
        let Some(i) = self.masters[m]
            .replicas
            .iter()
            .position(|r| r.name == s.replica)
        else {
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
    pub(crate) fn switchover_tick(&mut self, m: usize, now: u64) {
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
    pub(crate) fn finish_switchover(&mut self, m: usize, now: u64) {
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
            addr.announced(self.announce_hostnames),
            addr.port,
            now.saturating_sub(started)
        );
        self.log(LogLevel::Notice, text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_numbers() {
        let t =
            "# Replication\r\nrole:slave\r\nslave_repl_offset:1234\r\nmaster_repl_offset:99\r\n";
        assert_eq!(info_number(t, "slave_repl_offset"), Some(1234));
        assert_eq!(info_number(t, "master_repl_offset"), Some(99));
        assert_eq!(info_number(t, "master_repl"), None);
        assert_eq!(
            info_number("master_repl_offset:x\r\n", "master_repl_offset"),
            None
        );
    }
}
