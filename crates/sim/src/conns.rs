//! Connections on the virtual network as the daemon's links would carry them: connect
//! (accepted, refused or timed out), commands written in order (buffered until the
//! handshake completes), replies and pushed messages delivered in order, closes from
//! either side. Servers are the modelled redis instances and the other Sentinel cores
//! (which answer PING, CLIENT, PUBLISH of hellos and SENTINEL commands, as the daemon's
//! dispatch does).

use crate::invariants::check_replication_group;
use crate::network::{host_at, Host, Msg, Time, WireId, CONNECT_TIMEOUT_MS, TO_CLIENT, TO_SERVER};
use crate::redis::{Context, Effect, Role};
use crate::world::{Ev, World};
use bytes::Bytes;
use rsentinel_core::{ConnId, HELLO_CHANNEL};
use rsentinel_resp::Frame;

impl World {
    /// `Output::Connect` from Sentinel `s`.
    pub(crate) fn connect(&mut self, s: usize, conn: ConnId, host: &str, port: u16) {
        self.stats.connects += 1;
        let client = Host::Sentinel(s);
        let gen = self.sentinels[s].gen;
        let fail_at = |w: &mut World, after: u64| {
            let at = w.now + after;
            w.schedule(at, Ev::ConnectFailed { s, gen, conn });
        };
        let Some(server) = host_at(host, port, self.redis.len(), self.sentinels.len()) else {
            return fail_at(self, CONNECT_TIMEOUT_MS);
        };
        if !self.net.open_both(client, server) {
            return fail_at(self, CONNECT_TIMEOUT_MS);
        }
        let alive = match server {
            Host::Redis(j) => self.redis[j].alive,
            Host::Sentinel(k) => self.sentinels[k].core.is_some(),
        };
        if !alive {
            // The host answers with a reset: refused after a round trip.
            let rtt = self.net.delay(&mut self.rng) + self.net.delay(&mut self.rng);
            return fail_at(self, rtt);
        }
        self.next_wire += 1;
        let id = WireId(self.next_wire);
        self.wires
            .insert(id, crate::network::Wire::new(s, conn, server));
        self.by_conn.insert((s, conn), id);
        self.transmit(id, TO_CLIENT, Msg::Established);
    }

    /// `Output::Send`: written now if connected, else once the handshake completes; lost
    /// with the connection if it failed.
    pub(crate) fn client_send(&mut self, s: usize, conn: ConnId, args: Vec<Bytes>) {
        let Some(&id) = self.by_conn.get(&(s, conn)) else {
            return;
        };
        let Some(w) = self.wires.get_mut(&id) else {
            return;
        };
        if w.established {
            self.transmit(id, TO_SERVER, Msg::Cmd(args));
        } else {
            w.buffered.push(args);
        }
    }

    /// `Output::Close`: the connection and everything in flight on it are gone.
    pub(crate) fn client_close(&mut self, s: usize, conn: ConnId) {
        if let Some(id) = self.by_conn.remove(&(s, conn)) {
            self.wires.remove(&id);
        }
    }

    /// The server side closes a wire (crash, CLIENT KILL): the client sees the close
    /// after what was already in flight.
    pub(crate) fn server_close(&mut self, id: WireId) {
        let Some(w) = self.wires.get_mut(&id) else {
            return;
        };
        if !w.server_open {
            return;
        }
        w.server_open = false;
        w.session = Default::default();
        self.transmit(id, TO_CLIENT, Msg::Fin);
    }

    /// Queues `msg` on one direction of a wire, after the messages already queued.
    pub(crate) fn transmit(&mut self, id: WireId, dir: usize, msg: Msg) {
        let delay = self.net.delay(&mut self.rng);
        let now = self.now;
        let Some(w) = self.wires.get_mut(&id) else {
            return;
        };
        let q = &mut w.queues[dir];
        q.msgs.push_back(msg);
        if q.stalled {
            return;
        }
        let at = (now + delay).max(q.last_at);
        q.last_at = at;
        let epoch = q.epoch;
        self.schedule(
            at,
            Ev::Deliver {
                wire: id,
                dir,
                epoch,
            },
        );
    }

    /// After a cut heals: directions that stalled resume, in order.
    pub(crate) fn resume_stalled(&mut self) {
        let ids: Vec<WireId> = self.wires.keys().copied().collect();
        for id in ids {
            for dir in [TO_SERVER, TO_CLIENT] {
                let Some(w) = self.wires.get(&id) else {
                    continue;
                };
                let (from, to) = w.ends(dir);
                if !w.queues[dir].stalled || !self.net.delivers(from, to) {
                    continue;
                }
                let n = w.queues[dir].msgs.len();
                let mut times: Vec<Time> = Vec::with_capacity(n);
                let mut last = self.now;
                for _ in 0..n {
                    last = (self.now + self.net.delay(&mut self.rng)).max(last);
                    times.push(last);
                }
                let Some(w) = self.wires.get_mut(&id) else {
                    continue;
                };
                let q = &mut w.queues[dir];
                q.stalled = false;
                q.last_at = last;
                let epoch = q.epoch;
                for at in times {
                    self.schedule(
                        at,
                        Ev::Deliver {
                            wire: id,
                            dir,
                            epoch,
                        },
                    );
                }
            }
        }
    }

    /// The front message of a wire direction arrives (unless the direction is cut now:
    /// then it waits, with everything behind it, for the heal).
    pub(crate) fn deliver(&mut self, id: WireId, dir: usize, epoch: u64) {
        let Some(w) = self.wires.get(&id) else {
            return;
        };
        if w.queues[dir].epoch != epoch || w.queues[dir].stalled {
            return;
        }
        let (from, to) = w.ends(dir);
        let open = self.net.delivers(from, to);
        let Some(w) = self.wires.get_mut(&id) else {
            return;
        };
        let q = &mut w.queues[dir];
        if !open {
            q.stalled = true;
            q.epoch += 1;
            return;
        }
        let Some(msg) = q.msgs.pop_front() else {
            return;
        };
        self.stats.messages += 1;
        let (s, conn, server_open) = (w.client, w.conn, w.server_open);
        match (dir, msg) {
            (TO_SERVER, Msg::Cmd(args)) if server_open && !args.is_empty() => self.serve(id, args),
            (TO_SERVER, _) => {}
            (_, Msg::Established) => {
                let buffered = std::mem::take(&mut w.buffered);
                w.established = true;
                let ip = Host::Sentinel(s).ip();
                if let Some(c) = self.sentinels[s].core.as_mut() {
                    c.conn_up(conn, &ip);
                }
                for args in buffered {
                    self.transmit(id, TO_SERVER, Msg::Cmd(args));
                }
                self.drain(s);
            }
            (_, Msg::Reply(frame)) => {
                let local = self.local_now(s);
                if let Some(c) = self.sentinels[s].core.as_mut() {
                    c.conn_frame(conn, frame, local);
                }
                self.drain(s);
                self.check_state(s);
            }
            (_, Msg::Fin) => {
                self.wires.remove(&id);
                self.by_conn.remove(&(s, conn));
                if let Some(c) = self.sentinels[s].core.as_mut() {
                    c.conn_down(conn);
                }
                self.drain(s);
            }
            (_, Msg::Cmd(_)) => {}
        }
    }

    /// A command reached its server.
    fn serve(&mut self, id: WireId, args: Vec<Bytes>) {
        let Some(server) = self.wires.get(&id).map(|w| w.server) else {
            return;
        };
        match server {
            Host::Redis(j) => self.serve_redis(j, id, &args),
            Host::Sentinel(k) => {
                let frame = self.serve_sentinel(k, &args);
                self.transmit(id, TO_CLIENT, Msg::Reply(frame));
            }
        }
    }

    fn serve_redis(&mut self, j: usize, id: WireId, args: &[Bytes]) {
        let ctx = if crate::redis::needs_context(args) {
            self.redis_context(j, id)
        } else {
            Context::default()
        };
        let Some(w) = self.wires.get_mut(&id) else {
            return;
        };
        let mut session = std::mem::take(&mut w.session);
        let node = &self.redis[j];
        let before = (
            node.role == Role::Master,
            node.paused(self.now),
            node.offset_at(self.now),
        );
        let effects = self.redis[j].execute(&mut session, args, self.now, &ctx);
        self.check_switchover_demotion(j, before);
        if let Some(w) = self.wires.get_mut(&id) {
            w.session = session;
        }
        for e in effects {
            match e {
                Effect::Reply(f) => self.transmit(id, TO_CLIENT, Msg::Reply(f)),
                Effect::Publish { channel, payload } => {
                    let subs: Vec<WireId> = self.wires_of(j, |w| w.session.subscribed);
                    for sub in subs {
                        let push = Frame::Array(vec![
                            Frame::bulk_str("message"),
                            Frame::Bulk(channel.clone()),
                            Frame::Bulk(payload.clone()),
                        ]);
                        self.transmit(sub, TO_CLIENT, Msg::Reply(push));
                    }
                }
                Effect::Kill { pubsub } => {
                    for victim in self.wires_of(j, |w| w.session.subscribed == pubsub) {
                        if victim != id {
                            self.server_close(victim);
                        }
                    }
                }
                Effect::RoleChanged => {
                    self.update_replication();
                    self.update_reach();
                }
            }
        }
    }

    /// Records promotions, and checks the promise of the planned switchover: a master
    /// demoted while its writes are paused (only the zero-loss path does that), or
    /// toward a replica a Sentinel reported promoted by a completed switchover, must
    /// have nothing the new master lacks. Its offset then is every write a client saw
    /// acknowledged; the new master's offset when it was promoted is what it kept.
    fn check_switchover_demotion(
        &mut self,
        j: usize,
        (was_master, paused, offset): (bool, bool, u64),
    ) {
        let is_master = self.redis[j].role == Role::Master;
        if !was_master && is_master {
            self.promoted_offset[j] = Some(self.redis[j].offset_at(self.now));
            return;
        }
        if !was_master || is_master {
            return;
        }
        let Some(t) = self.replication_target(j) else {
            return;
        };
        let reported = self.switchover_targets.remove(&t);
        if !(paused || reported) {
            return;
        }
        if let Some(kept) = self.promoted_offset[t] {
            if kept < offset {
                let (old, new) = (self.redis[j].host.addr(), self.redis[t].host.addr());
                self.fail(crate::invariants::Violation::new(
                    "switchover-no-lost-write",
                    format!(
                        "{old} was demoted by a planned switchover at offset {offset}, but {new} was promoted at offset {kept}: {} acknowledged writes lost",
                        offset - kept
                    ),
                ));
            }
        }
    }

    /// Open wires to redis instance `j` matching `pred`.
    fn wires_of(&self, j: usize, pred: impl Fn(&crate::network::Wire) -> bool) -> Vec<WireId> {
        self.wires
            .iter()
            .filter(|(_, w)| w.server == Host::Redis(j) && w.server_open && pred(w))
            .map(|(id, _)| *id)
            .collect()
    }

    /// What instance `j` needs to know for a command on wire `me`.
    fn redis_context(&self, j: usize, me: WireId) -> Context {
        let now = self.now;
        let node = &self.redis[j];
        let mut ctx = Context::default();
        for (id, w) in &self.wires {
            if w.server == Host::Redis(j) && w.server_open && *id != me {
                ctx.other_clients[usize::from(w.session.subscribed)] += 1;
            }
            if w.server == Host::Redis(j) && w.server_open && w.session.subscribed {
                ctx.subscribers += 1;
            }
        }
        if let Some(t) = self.replication_target(j) {
            ctx.link_up = node.link_up(now);
            ctx.master_offset = self.redis[t].offset_at(now);
            if ctx.link_up {
                ctx.master_replid = Some(self.redis[t].replid().to_string());
            }
        }
        for (k, r) in self.redis.iter().enumerate() {
            if k != j && r.alive && self.replication_target(k) == Some(j) && r.link_up(now) {
                ctx.replicas
                    .push((r.host.ip(), r.host.port(), self.replica_offset(k, now)));
            }
        }
        ctx
    }

    /// The instance replica `j` replicates from, if it names one that exists.
    fn replication_target(&self, j: usize) -> Option<usize> {
        match &self.redis[j].role {
            Role::Replica { host, port } => {
                match host_at(host, *port, self.redis.len(), self.sentinels.len()) {
                    Some(Host::Redis(t)) if t != j => Some(t),
                    _ => None,
                }
            }
            Role::Master => None,
        }
    }

    fn replica_offset(&self, k: usize, now: Time) -> u64 {
        match self.replication_target(k) {
            Some(t) if self.redis[k].link_up(now) => self.redis[t].offset_at(now),
            _ => self.redis[k].offset_at(now),
        }
    }

    /// Re-evaluates every replica's link to its master after a change of role,
    /// liveness or network: reachable links start syncing, lost ones go down.
    pub(crate) fn update_replication(&mut self) {
        let now = self.now;
        for j in 0..self.redis.len() {
            let target = self.replication_target(j);
            let reachable = self.redis[j].alive
                && target.is_some_and(|t| {
                    self.redis[t].alive && self.net.open_both(Host::Redis(j), Host::Redis(t))
                });
            let was = self.redis[j].reachable_since.is_some();
            if reachable && !was {
                self.redis[j].reachable_since = Some(now);
            } else if !reachable && was {
                let offset = self.replica_offset(j, now);
                if let Some(t) = target.filter(|_| self.redis[j].link_up(now)) {
                    let history = self.redis[t].replid().to_string();
                    self.redis[j].adopt_replid(history);
                }
                let node = &mut self.redis[j];
                node.set_offset(offset, now);
                node.reachable_since = None;
                node.link_down_since = Some(now);
            }
            if let Err(v) = check_replication_group(&self.layout, j, &self.redis[j].role) {
                self.fail(v);
            }
        }
    }

    /// A command to Sentinel `k`, as the daemon dispatches it.
    fn serve_sentinel(&mut self, k: usize, args: &[Bytes]) -> Frame {
        let local = self.local_now(k);
        let name = args[0].to_ascii_lowercase();
        let Some(core) = self.sentinels[k].core.as_mut() else {
            return Frame::error("ERR sentinel is down");
        };
        let frame = match name.as_slice() {
            b"ping" => Frame::Simple("PONG".into()),
            b"client" => Frame::ok(),
            b"auth" => Frame::error(
                "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
            ),
            b"publish" if args.len() == 3 => {
                if args[1].as_ref() == HELLO_CHANNEL.as_bytes() {
                    core.receive_hello(&args[2], local);
                    Frame::Integer(1)
                } else {
                    Frame::error("ERR Only HELLO messages are accepted by Sentinel instances.")
                }
            }
            b"sentinel" if args.len() >= 2 => {
                crate::command::sentinel_command(core, local, &args[1..]).into_frame(true)
            }
            _ => Frame::error(format!(
                "ERR unknown command '{}', with args beginning with: ",
                String::from_utf8_lossy(&args[0])
            )),
        };
        self.drain(k);
        self.check_state(k);
        frame
    }
}
