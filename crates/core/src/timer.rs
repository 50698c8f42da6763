//! The periodic timer (`sentinelTimer`): every instance is reconnected when needed and
//! sent its periodic commands, then judged. The timer runs at redis' randomised 10-19 Hz,
//! which also keeps Sentinels started together from staying in lock-step, and makes the
//! TILT rule (a gap between two runs) mean exactly what it means in redis.

use crate::instance::Kind;
use crate::net::{Callback, ConnKind};
use crate::sentinel::{InstRef, Sentinel};
use rand::Rng;

/// Redis' `SENTINEL_MAX_PENDING_COMMANDS`: periodic commands stop while a link has this
/// many unanswered (times the number of instances sharing it).
pub const MAX_PENDING_COMMANDS: u32 = 100;

/// The hello channel every Sentinel subscribes to on masters and replicas.
pub use rsentinel_gossip::HELLO_CHANNEL;

impl Sentinel {
    /// When the daemon should call [`Sentinel::tick`] next.
    pub fn next_tick(&self) -> u64 {
        self.next_tick
    }

    /// Tells the core the server's `requirepass`, used toward other Sentinels when no
    /// `sentinel-pass` is set (redis' compatibility rule).
    pub fn set_requirepass(&mut self, pass: Option<String>) {
        self.requirepass = pass;
    }

    /// One run of the timer at `now_ms`.
    pub fn tick(&mut self, now_ms: u64) {
        self.check_tilt(now_ms);
        let mut m = 0;
        while m < self.masters.len() {
            self.handle_instance(InstRef::Master(m), now_ms);
            let mut i = 0;
            while m < self.masters.len() && i < self.masters[m].replicas.len() {
                self.handle_instance(InstRef::Replica(m, i), now_ms);
                i += 1;
            }
            let mut i = 0;
            while m < self.masters.len() && i < self.masters[m].sentinels.len() {
                self.handle_instance(InstRef::Sentinel(m, i), now_ms);
                i += 1;
            }
            m += 1;
        }
        let hz = 10 + self.rng.gen_range(0..10u64);
        self.next_tick = now_ms + 1000 / hz;
    }

    /// `sentinelHandleRedisInstance`: the monitoring half always, the acting half only
    /// outside TILT.
    fn handle_instance(&mut self, r: InstRef, now: u64) {
        self.reconnect_instance(r, now);
        self.send_periodic_commands(r, now);
        if self.tilt {
            if now.saturating_sub(self.tilt_start_time) < self.timing.tilt_period {
                return;
            }
            self.tilt = false;
            self.global_event("-tilt", "#tilt mode exited");
        }
        self.check_subjectively_down(r, now);
        if let InstRef::Master(m) = r {
            self.check_objectively_down(m, now);
            self.ask_master_state_to_other_sentinels(m, now, false);
        }
    }

    /// `sentinelReconnectInstance`: (re)opens the missing connections of a disconnected
    /// link, at most once per ping period, and queues the handshake on each.
    fn reconnect_instance(&mut self, r: InstRef, now: u64) {
        let Some(inst) = self.instance(r) else {
            return;
        };
        let (kind, link_id, host, port) =
            (inst.kind, inst.link, inst.addr.ip.clone(), inst.addr.port);
        let Some(link) = self.links.get(link_id) else {
            return;
        };
        if !link.disconnected || port == 0 {
            return;
        }
        if now.saturating_sub(link.last_reconn_time) < self.timing.ping_period {
            return;
        }
        let need_cc = link.cc.is_none();
        let need_pc = kind != Kind::Sentinel && link.pc.is_none();
        if let Some(l) = self.links.get_mut(link_id) {
            l.last_reconn_time = now;
        }
        if need_cc {
            self.open_conn(link_id, ConnKind::Command, &host, port);
            if let Some(l) = self.links.get_mut(link_id) {
                l.pending_commands = 0;
                l.cc_conn_time = now;
            }
            self.send_auth_if_needed(r, ConnKind::Command);
            self.send_client_name(r, ConnKind::Command);
            self.send_ping(r, now);
        }
        if need_pc {
            self.open_conn(link_id, ConnKind::PubSub, &host, port);
            if let Some(l) = self.links.get_mut(link_id) {
                l.pc_conn_time = now;
            }
            self.send_auth_if_needed(r, ConnKind::PubSub);
            self.send_client_name(r, ConnKind::PubSub);
            self.send(
                r,
                ConnKind::PubSub,
                Callback::Hello,
                &["SUBSCRIBE", HELLO_CHANNEL],
            );
        }
        if let Some(l) = self.links.get_mut(link_id) {
            if l.cc.is_some() && (kind == Kind::Sentinel || l.pc.is_some()) {
                l.disconnected = false;
            }
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
            InstRef::Sentinel(..) => match &self.sentinel_pass {
                Some(p) => (self.sentinel_user.clone(), Some(p.clone())),
                None => (None, self.requirepass.clone()),
            },
        };
        match (user, pass) {
            (None, Some(pass)) => {
                self.send(r, conn, Callback::Discard, &["AUTH", &pass]);
            }
            (Some(user), Some(pass)) => {
                self.send(r, conn, Callback::Discard, &["AUTH", &user, &pass]);
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
            l.last_ping_time = now;
            if l.act_ping_time == 0 {
                l.act_ping_time = now;
            }
        }
        true
    }

    /// `sentinelSendPeriodicCommands`: INFO to masters and replicas, PING to everyone,
    /// hello to everyone, each on its own period, bounded by the pending-command cap.
    fn send_periodic_commands(&mut self, r: InstRef, now: u64) {
        let Some(inst) = self.instance(r) else {
            return;
        };
        let Some(link) = self.links.get(inst.link) else {
            return;
        };
        if link.disconnected || link.pending_commands >= MAX_PENDING_COMMANDS * link.refcount {
            return;
        }
        let fast_info = match r {
            InstRef::Replica(m, _) => {
                let master = &self.masters[m].inst;
                master.flags.intersects(
                    crate::instance::Flags::O_DOWN | crate::instance::Flags::FAILOVER_IN_PROGRESS,
                ) || inst.master_link_down_time != 0
            }
            _ => false,
        };
        let info_period = if fast_info {
            1000
        } else {
            self.timing.info_period
        };
        let ping_period = inst.down_after_ms.min(self.timing.ping_period);
        let want_info = inst.kind != Kind::Sentinel
            && (inst.info_refresh == 0 || now.saturating_sub(inst.info_refresh) > info_period);
        let want_ping = now.saturating_sub(link.last_pong_time) > ping_period
            && now.saturating_sub(link.last_ping_time) > ping_period / 2;
        let want_hello = now.saturating_sub(inst.last_pub_time) > self.timing.publish_period;
        if want_info {
            self.send(r, ConnKind::Command, Callback::Info, &["INFO"]);
        }
        if want_ping {
            self.send_ping(r, now);
        }
        if want_hello {
            self.send_hello(r);
        }
    }
}
