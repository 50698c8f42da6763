//! The periodic timer (`sentinelTimer`): every instance is reconnected when needed and
//! sent its periodic commands, then judged. The timer runs at redis' randomised 10-19 Hz,
//! which also keeps Sentinels started together from staying in lock-step, and makes the
//! TILT rule (a gap between two runs) mean exactly what it means in redis.

use crate::conn::{Callback, ConnKind};
use crate::event::ReplyBound;
use crate::instance::{Flags, Kind};
use crate::master::InstRef;
use crate::sentinel::Sentinel;
use rand::Rng;
use rsentinel_monitor::schedule::{self, Pacing, PeriodicInput, Periods};

/// The hello channel every Sentinel subscribes to on masters and replicas.
pub use rsentinel_gossip::HELLO_CHANNEL;

impl Sentinel {
    /// When the daemon should call [`Sentinel::tick`] next.
    pub fn next_tick(&self) -> u64 {
        self.schedule.next()
    }

    /// Tells the core the server's `requirepass`, used toward other Sentinels when no
    /// `sentinel-pass` is set (redis' compatibility rule).
    pub fn set_requirepass(&mut self, pass: Option<Vec<u8>>) {
        self.peer_auth.requirepass = pass;
    }

    /// One run of the timer at `now_ms`.
    pub fn tick(&mut self, now_ms: u64) {
        // Fast mode wakes up between full runs for deadlines (crate::sentinel::fast).
        if self.options.fast_failover && self.schedule.quick_run_due(now_ms) {
            self.quick_tick(now_ms);
            return;
        }
        self.check_tilt(now_ms);
        // The lists are walked by position, each step taking the key now there: what a
        // step does may change them (a failover switching the master to its promoted
        // replica replaces the replicas), and the walk goes on over the lists as they
        // are then, in redis' order.
        let mut next = 0;
        while let Some(m) = self.masters.key_at(next) {
            next += 1;
            self.handle_instance(InstRef::Master(m), now_ms);
            let mut at = 0;
            while let Some(i) = self.masters.get(m).and_then(|ms| ms.replicas.key_at(at)) {
                at += 1;
                self.handle_instance(InstRef::Replica(m, i), now_ms);
            }
            let mut at = 0;
            while let Some(i) = self.masters.get(m).and_then(|ms| ms.sentinels.key_at(at)) {
                at += 1;
                self.handle_instance(InstRef::Sentinel(m, i), now_ms);
            }
        }
        self.switch_to_promoted_if_done(now_ms);
        self.run_scripts(now_ms);
        let hz = 10 + self.rng.gen_range(0..10u64);
        self.schedule.full_run_done(now_ms, hz);
        self.after_tick_fast(now_ms);
    }

    /// `sentinelHandleRedisInstance`: the monitoring half always, the acting half only
    /// outside TILT.
    fn handle_instance(&mut self, r: InstRef, now: u64) {
        self.reconnect_instance(r, now);
        self.send_periodic_commands(r, now);
        if !self.acting_allowed(now) {
            return;
        }
        self.check_subjectively_down(r, now);
        if let InstRef::Master(m) = r {
            self.check_objectively_down(m, now);
            if self.start_failover_if_needed(m, now) {
                self.ask_master_state_to_other_sentinels(m, now, true);
            }
            self.failover_state_machine(m, now);
            self.ask_master_state_to_other_sentinels(m, now, false);
        }
    }

    /// `sentinelReconnectInstance`: (re)opens the missing connections of a disconnected
    /// link, at most once per ping period, and queues the handshake on each.
    pub(crate) fn reconnect_instance(&mut self, r: InstRef, now: u64) {
        let Some(inst) = self.instance(r) else {
            return;
        };
        let (kind, link_id, port) = (inst.kind, inst.link, inst.addr.port);
        let Some(link) = self.links.get(link_id) else {
            return;
        };
        if port == 0 || !link.health.reconnect_due(now, self.timing.ping_period) {
            return;
        }
        let host = inst.addr.ip.clone();
        let Some(link) = self.links.get_mut(link_id) else {
            return;
        };
        let need_cc = link.cc.is_none();
        let need_pc = kind != Kind::Sentinel && link.pc.is_none();
        link.health.reconnect_started(now);
        if need_cc {
            let bound = if kind == Kind::Sentinel {
                ReplyBound::SMALL
            } else {
                ReplyBound::INSTANCE_COMMANDS
            };
            self.open_conn(link_id, ConnKind::Command, &host, port, bound, now);
            self.send_auth_if_needed(r, ConnKind::Command);
            self.send_client_name(r, ConnKind::Command);
            self.send_ping(r, now);
        }
        if need_pc {
            self.open_conn(
                link_id,
                ConnKind::PubSub,
                &host,
                port,
                ReplyBound::SMALL,
                now,
            );
            self.send_auth_if_needed(r, ConnKind::PubSub);
            self.send_client_name(r, ConnKind::PubSub);
            self.send(
                r,
                ConnKind::PubSub,
                Callback::Hello,
                &["SUBSCRIBE", HELLO_CHANNEL],
            );
        }
    }

    /// AUTH with the master's credentials (for masters and replicas), or with
    /// `sentinel-user`/`sentinel-pass` (falling back to `requirepass`) toward Sentinels.
    fn send_auth_if_needed(&mut self, r: InstRef, conn: ConnKind) {
        let (user, pass) = match r {
            InstRef::Master(m) | InstRef::Replica(m, _) => {
                let master = &self.masters[m];
                (master.auth_user.clone(), master.auth_pass.clone())
            }
            InstRef::Sentinel(..) => self.peer_auth.toward_sentinels(),
        };
        match (user, pass) {
            (None, Some(pass)) => {
                self.send_bytes(r, conn, Callback::Discard, &[b"AUTH", &pass]);
            }
            (Some(user), Some(pass)) => {
                self.send_bytes(r, conn, Callback::Discard, &[b"AUTH", &user, &pass]);
            }
            _ => {}
        }
    }

    /// `CLIENT SETNAME sentinel-<first 8 of myid>-<cmd|pubsub>`, so operators can spot
    /// Sentinel connections in CLIENT LIST.
    fn send_client_name(&mut self, r: InstRef, conn: ConnKind) {
        let short: String = self.myid.chars().take(8).collect();
        let kind = match conn {
            ConnKind::Command => "cmd",
            ConnKind::PubSub => "pubsub",
        };
        let name = format!("sentinel-{short}-{kind}");
        self.send(r, conn, Callback::Discard, &["CLIENT", "SETNAME", &name]);
    }

    /// Sends PING; the active ping time starts only when the previous one was answered.
    pub(crate) fn send_ping(&mut self, r: InstRef, now: u64) -> bool {
        if !self.send(r, ConnKind::Command, Callback::Ping, &["PING"]) {
            return false;
        }
        if let Some(l) = self.link_of(r).and_then(|id| self.links.get_mut(id)) {
            l.health.ping_sent(now);
        }
        true
    }

    /// `sentinelSendPeriodicCommands`: INFO to masters and replicas, PING to everyone,
    /// hello to everyone, each on its own period, bounded by the pending-command cap
    /// (the monitor crate's [`schedule::due`]). The timer's own 10-19 Hz pace is what
    /// spaces re-sends of unanswered commands, as in redis, so no extra pacing is kept.
    fn send_periodic_commands(&mut self, r: InstRef, now: u64) {
        let Some(inst) = self.instance(r) else {
            return;
        };
        let Some(link) = self.links.get(inst.link) else {
            return;
        };
        let master_odown_or_failover = match r {
            InstRef::Replica(m, _) => {
                let ms = &self.masters[m];
                ms.inst.flags.contains(Flags::O_DOWN) || ms.failover.in_progress()
            }
            _ => false,
        };
        let input = PeriodicInput {
            kind: inst.kind.monitor_kind(),
            down_after_ms: inst.down_after_ms,
            info_refresh: inst.reported.info_refresh,
            master_link_down_time: inst.reported.master_link_down_time,
            master_odown_or_failover,
            last_pub_time: inst.last_pub_time,
            refcount: link.refcount,
        };
        let periods = Periods {
            info_ms: self.timing.info_period,
            ping_ms: self.timing.ping_period,
            publish_ms: self.timing.publish_period,
        };
        let due = schedule::due(&link.health, &input, &periods, &Pacing::default(), now);
        if due.info {
            self.send(r, ConnKind::Command, Callback::Info, &["INFO"]);
        }
        if due.ping {
            self.send_ping(r, now);
        }
        if due.hello {
            self.send_hello(r);
        }
    }
}

#[cfg(test)]
#[path = "timer_tests.rs"]
mod tests;
