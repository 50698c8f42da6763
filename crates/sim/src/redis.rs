//! A modelled redis 7.0 instance: just the commands Sentinel sends, with the replies and
//! side effects that matter to it. Replication is modelled by role, target, link state
//! and offset; INFO renders them as redis 7.0.15 does (field names, order, CRLF), so the
//! core's real INFO parser is exercised.
//!
//! The model is pure: the world hands it the facts it cannot know (is the replication
//! link up, who replicates from it, how many clients a CLIENT KILL or PUBLISH reaches) in
//! a [`Context`] and carries out the [`Effect`]s it returns.

use crate::network::{Host, Session, Time, REDIS_PORT};
use bytes::Bytes;
use rsentinel_resp::Frame;

/// A replication role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Role {
    /// Accepts writes; its offset grows with time.
    Master,
    /// Replicates from `host:port`.
    Replica {
        /// The master's host as given to SLAVEOF.
        host: String,
        /// The master's port.
        port: u16,
    },
}

/// Whether a command reads its [`Context`]: building one scans every wire and every
/// instance, so the world builds it only for these (EXEC may run any of them;
/// `SLAVEOF NO ONE` keeps the offset replicated so far).
pub fn needs_context(args: &[Bytes]) -> bool {
    args.first().is_some_and(|name| {
        [
            &b"info"[..],
            b"client",
            b"publish",
            b"exec",
            b"slaveof",
            b"replicaof",
        ]
        .iter()
        .any(|n| name.eq_ignore_ascii_case(n))
    })
}

/// What the world knows that the instance needs for a command.
#[derive(Clone, Debug, Default)]
pub struct Context {
    /// Replicas: the link to the master is up, and the master's offset now.
    pub link_up: bool,
    /// The offset the master reports (used when the link is up).
    pub master_offset: u64,
    /// Replicas currently synced from this instance: `(ip, port, offset)`.
    pub replicas: Vec<(String, u16, u64)>,
    /// Other connections to this instance that are plain / subscribed (CLIENT KILL).
    pub other_clients: [i64; 2],
    /// Subscribers of the hello channel (PUBLISH's reply).
    pub subscribers: i64,
    /// Replicas with the link up: the master's replication ID, which a synchronised
    /// replica shares.
    pub master_replid: Option<String>,
}

/// Something the world must carry out after a command.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// Send this reply on the connection.
    Reply(Frame),
    /// Push `message` to every subscriber of `channel`.
    Publish {
        /// The channel.
        channel: Bytes,
        /// The payload.
        payload: Bytes,
    },
    /// Close every other connection of this kind (`pubsub` = subscribed ones).
    Kill {
        /// Which type CLIENT KILL TYPE named.
        pubsub: bool,
    },
    /// The role changed: replication links must be re-evaluated.
    RoleChanged,
}

/// One modelled redis instance.
#[derive(Clone, Debug)]
pub struct RedisNode {
    /// Where it lives.
    pub host: Host,
    /// False while crashed.
    pub alive: bool,
    /// A new one on every start, as redis does (Sentinel detects reboots by it).
    pub run_id: String,
    /// The current role.
    pub role: Role,
    /// The role in its config file (CONFIG REWRITE), taken again on restart.
    pub persisted_role: Role,
    /// `replica-priority`.
    pub priority: u32,
    /// When the process started (uptime).
    pub started_at: Time,
    /// Replication offset at `offset_time`.
    offset: u64,
    offset_time: Time,
    /// Replicas: since when the master has been reachable (link up after `sync_ms`).
    pub reachable_since: Option<Time>,
    /// Replicas: when the link last went down.
    pub link_down_since: Option<Time>,
    /// How long a full sync takes.
    pub sync_ms: u64,
    replid: String,
    /// `CLIENT PAUSE ... WRITE` holds writes until then: a master's offset stands still.
    pub paused_until: Time,
}

const AUTH_NO_PASSWORD: &str = "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?";

impl RedisNode {
    /// A running instance.
    pub fn new(
        host: Host,
        role: Role,
        run_id: String,
        replid: String,
        sync_ms: u64,
        now: Time,
    ) -> RedisNode {
        RedisNode {
            host,
            alive: true,
            run_id,
            persisted_role: role.clone(),
            role,
            priority: 100,
            started_at: now,
            offset: 0,
            offset_time: now,
            reachable_since: None,
            link_down_since: None,
            sync_ms,
            replid,
            paused_until: 0,
        }
    }

    /// The replication offset now: a master's grows with time (writes keep coming),
    /// except while `CLIENT PAUSE ... WRITE` holds them.
    pub fn offset_at(&self, now: Time) -> u64 {
        match self.role {
            Role::Master if self.alive => {
                let from = self.offset_time.max(self.paused_until);
                self.offset + now.saturating_sub(from) / 10
            }
            _ => self.offset,
        }
    }

    /// Writes are held now.
    pub fn paused(&self, now: Time) -> bool {
        now < self.paused_until
    }

    /// Freezes the offset reached so far as the base for later growth.
    fn settle_offset(&mut self, now: Time) {
        self.offset = self.offset_at(now);
        self.offset_time = now;
    }

    /// A replica synced with its master records the master's offset.
    pub fn set_offset(&mut self, offset: u64, now: Time) {
        self.offset = offset;
        self.offset_time = now;
    }

    /// Its replication ID (the history its data belongs to).
    pub fn replid(&self) -> &str {
        &self.replid
    }

    /// A replica that synchronised with its master keeps the master's history.
    pub fn adopt_replid(&mut self, replid: String) {
        self.replid = replid;
    }

    /// The process dies: nothing of its runtime state survives but the config file.
    pub fn crash(&mut self, now: Time) {
        self.offset = self.offset_at(now);
        self.offset_time = now;
        self.paused_until = 0;
        self.alive = false;
        self.reachable_since = None;
    }

    /// The process starts again with its persisted role and a new run id.
    pub fn restart(&mut self, run_id: String, replid: String, now: Time) {
        self.alive = true;
        self.run_id = run_id;
        self.replid = replid;
        self.role = self.persisted_role.clone();
        self.started_at = now;
        self.offset_time = now;
        self.reachable_since = None;
        self.link_down_since = None;
    }

    /// Runs one command from a connection.
    pub fn execute(
        &mut self,
        session: &mut Session,
        args: &[Bytes],
        now: Time,
        ctx: &Context,
    ) -> Vec<Effect> {
        let mut effects = Vec::new();
        let Some(name) = args.first().map(|a| a.to_ascii_lowercase()) else {
            return effects;
        };
        if let Some(queue) = session.multi.as_mut() {
            match name.as_slice() {
                b"exec" => {
                    let queued = session.multi.take().unwrap_or_default();
                    let mut replies = Vec::new();
                    for cmd in &queued {
                        for e in self.run(session, cmd, now, ctx) {
                            match e {
                                Effect::Reply(f) => replies.push(f),
                                other => effects.push(other),
                            }
                        }
                    }
                    effects.insert(0, Effect::Reply(Frame::Array(replies)));
                }
                b"discard" => {
                    session.multi = None;
                    effects.push(Effect::Reply(Frame::ok()));
                }
                b"multi" => effects.push(Effect::Reply(Frame::error(
                    "ERR MULTI calls can not be nested",
                ))),
                _ => {
                    queue.push(args.to_vec());
                    effects.push(Effect::Reply(Frame::Simple("QUEUED".into())));
                }
            }
            return effects;
        }
        if name == b"multi" {
            session.multi = Some(Vec::new());
            return vec![Effect::Reply(Frame::ok())];
        }
        if name == b"exec" {
            return vec![Effect::Reply(Frame::error("ERR EXEC without MULTI"))];
        }
        self.run(session, args, now, ctx)
    }

    /// One command outside a transaction (or inside EXEC).
    fn run(
        &mut self,
        session: &mut Session,
        args: &[Bytes],
        now: Time,
        ctx: &Context,
    ) -> Vec<Effect> {
        let name = args[0].to_ascii_lowercase();
        let arg = |i: usize| args.get(i).map(|a| a.to_ascii_lowercase());
        let reply = |f: Frame| vec![Effect::Reply(f)];
        match name.as_slice() {
            b"ping" if session.subscribed => reply(Frame::Array(vec![
                Frame::bulk_str("pong"),
                Frame::Bulk(args.get(1).cloned().unwrap_or_default()),
            ])),
            b"ping" => reply(Frame::Simple("PONG".into())),
            b"auth" => reply(Frame::error(AUTH_NO_PASSWORD)),
            b"info" => reply(Frame::Bulk(Bytes::from(self.info(now, ctx)))),
            b"client" => match (arg(1).as_deref(), arg(2).as_deref(), arg(3).as_deref()) {
                (Some(b"setname"), Some(_), None) => reply(Frame::ok()),
                (Some(b"pause"), Some(ms), None | Some(b"write") | Some(b"all")) => {
                    match std::str::from_utf8(ms)
                        .ok()
                        .and_then(|m| m.parse::<u64>().ok())
                    {
                        Some(ms) => {
                            self.settle_offset(now);
                            self.paused_until = self.paused_until.max(now + ms);
                            reply(Frame::ok())
                        }
                        None => reply(Frame::error(
                            "ERR timeout is not an integer or out of range",
                        )),
                    }
                }
                (Some(b"unpause"), None, None) => {
                    self.settle_offset(now);
                    self.paused_until = 0;
                    reply(Frame::ok())
                }
                (Some(b"kill"), Some(b"type"), Some(t)) if t == b"normal" || t == b"pubsub" => {
                    let pubsub = t == b"pubsub";
                    vec![
                        Effect::Reply(Frame::Integer(ctx.other_clients[usize::from(pubsub)])),
                        Effect::Kill { pubsub },
                    ]
                }
                _ => reply(Frame::error("ERR syntax error")),
            },
            b"subscribe" if args.len() >= 2 => {
                session.subscribed = true;
                args[1..]
                    .iter()
                    .enumerate()
                    .map(|(i, ch)| {
                        Effect::Reply(Frame::Array(vec![
                            Frame::bulk_str("subscribe"),
                            Frame::Bulk(ch.clone()),
                            Frame::Integer(i as i64 + 1),
                        ]))
                    })
                    .collect()
            }
            b"publish" if args.len() == 3 => vec![
                Effect::Reply(Frame::Integer(ctx.subscribers)),
                Effect::Publish {
                    channel: args[1].clone(),
                    payload: args[2].clone(),
                },
            ],
            b"slaveof" | b"replicaof" if args.len() == 3 => {
                self.slaveof(&args[1], &args[2], now, ctx)
            }
            b"config" if arg(1).as_deref() == Some(b"rewrite") => {
                self.persisted_role = self.role.clone();
                reply(Frame::ok())
            }
            b"script" if arg(1).as_deref() == Some(b"kill") => {
                reply(Frame::error("NOTBUSY No scripts in execution right now."))
            }
            _ => reply(Frame::error(format!(
                "ERR unknown command '{}', with args beginning with: ",
                String::from_utf8_lossy(&args[0])
            ))),
        }
    }

    /// `SLAVEOF host port` / `SLAVEOF NO ONE`.
    fn slaveof(&mut self, host: &Bytes, port: &Bytes, now: Time, ctx: &Context) -> Vec<Effect> {
        let host_s = String::from_utf8_lossy(host).into_owned();
        let port_s = String::from_utf8_lossy(port).into_owned();
        if host_s.eq_ignore_ascii_case("no") && port_s.eq_ignore_ascii_case("one") {
            if self.role != Role::Master {
                // Promotion keeps the data, as far as it was replicated; the old history
                // becomes replid2 in redis.
                if ctx.link_up {
                    self.offset = ctx.master_offset;
                }
                self.offset_time = now;
                self.role = Role::Master;
                self.reachable_since = None;
                self.link_down_since = None;
            }
            return vec![Effect::Reply(Frame::ok()), Effect::RoleChanged];
        }
        let Ok(port) = port_s.parse::<u16>() else {
            return vec![Effect::Reply(Frame::error(
                "ERR value is not an integer or out of range",
            ))];
        };
        let target = Role::Replica { host: host_s, port };
        if self.role == target {
            return vec![Effect::Reply(Frame::Simple(
                "OK Already connected to specified master".into(),
            ))];
        }
        self.offset = self.offset_at(now);
        self.offset_time = now;
        self.role = target;
        self.reachable_since = None;
        self.link_down_since = Some(now);
        vec![Effect::Reply(Frame::ok()), Effect::RoleChanged]
    }

    /// The replication link is up: reachable for longer than a sync takes.
    pub fn link_up(&self, now: Time) -> bool {
        self.reachable_since
            .is_some_and(|t| now >= t.saturating_add(self.sync_ms))
    }

    /// The INFO text (sections Server, Clients, Replication), CRLF line ends.
    fn info(&self, now: Time, ctx: &Context) -> String {
        let uptime = now.saturating_sub(self.started_at) / 1000;
        let ip = self.host.ip();
        let mut s = format!(
            "# Server\r\nredis_version:7.0.15\r\nredis_git_sha1:00000000\r\nredis_git_dirty:0\r\n\
             redis_build_id:ae4d7c971a948f0\r\nredis_mode:standalone\r\nos:Linux 6.1.0 x86_64\r\n\
             arch_bits:64\r\nmonotonic_clock:POSIX clock_gettime\r\nmultiplexing_api:epoll\r\n\
             atomicvar_api:c11-builtin\r\ngcc_version:12.2.0\r\nprocess_id:{}\r\n\
             process_supervised:no\r\nrun_id:{}\r\ntcp_port:{}\r\nserver_time_usec:{}\r\n\
             uptime_in_seconds:{}\r\nuptime_in_days:{}\r\nhz:10\r\nconfigured_hz:10\r\n\
             lru_clock:{}\r\nexecutable:/usr/bin/redis-server\r\nconfig_file:/etc/redis/{}.conf\r\n\
             io_threads_active:0\r\n\r\n# Clients\r\nconnected_clients:{}\r\ncluster_connections:0\r\n\
             maxclients:10000\r\nblocked_clients:0\r\ntracking_clients:0\r\n\
             clients_in_timeout_table:0\r\n\r\n# Replication\r\n",
            1000 + self.started_at % 30_000,
            self.run_id,
            REDIS_PORT,
            now * 1000,
            uptime,
            uptime / 86_400,
            (now / 1000) % (1 << 24),
            ip,
            ctx.other_clients[0] + ctx.other_clients[1] + 1,
        );
        // A linked replica has what its master has.
        let offset = match &self.role {
            Role::Replica { .. } if ctx.link_up => ctx.master_offset,
            _ => self.offset_at(now),
        };
        match &self.role {
            Role::Master => {
                s.push_str(&format!(
                    "role:master\r\nconnected_slaves:{}\r\n",
                    ctx.replicas.len()
                ));
                for (i, (rip, rport, roff)) in ctx.replicas.iter().enumerate() {
                    s.push_str(&format!(
                        "slave{i}:ip={rip},port={rport},state=online,offset={roff},lag=0\r\n"
                    ));
                }
            }
            Role::Replica { host, port } => {
                let up = ctx.link_up;
                s.push_str(&format!(
                    "role:slave\r\nmaster_host:{host}\r\nmaster_port:{port}\r\n\
                     master_link_status:{}\r\nmaster_last_io_seconds_ago:{}\r\n\
                     master_sync_in_progress:0\r\nslave_read_repl_offset:{offset}\r\n\
                     slave_repl_offset:{offset}\r\n",
                    if up { "up" } else { "down" },
                    if up { 0 } else { -1 },
                ));
                if !up {
                    let since = match self.link_down_since {
                        Some(t) => (now.saturating_sub(t) / 1000) as i64,
                        None => -1,
                    };
                    s.push_str(&format!("master_link_down_since_seconds:{since}\r\n"));
                }
                s.push_str(&format!(
                    "slave_priority:{}\r\nslave_read_only:1\r\nreplica_announced:1\r\n\
                     connected_slaves:{}\r\n",
                    self.priority,
                    ctx.replicas.len()
                ));
            }
        }
        s.push_str(&format!(
            "master_failover_state:no-failover\r\nmaster_replid:{}\r\n\
             master_replid2:0000000000000000000000000000000000000000\r\n\
             master_repl_offset:{offset}\r\nsecond_repl_offset:-1\r\nrepl_backlog_active:1\r\n\
             repl_backlog_size:1048576\r\nrepl_backlog_first_byte_offset:1\r\n\
             repl_backlog_histlen:{offset}\r\n",
            ctx.master_replid.as_deref().unwrap_or(&self.replid)
        ));
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&str]) -> Vec<Bytes> {
        v.iter()
            .map(|s| Bytes::copy_from_slice(s.as_bytes()))
            .collect()
    }

    fn node(role: Role) -> RedisNode {
        RedisNode::new(
            Host::Redis(1),
            role,
            "a".repeat(40),
            "b".repeat(40),
            500,
            1000,
        )
    }

    fn replies(effects: &[Effect]) -> Vec<Frame> {
        effects
            .iter()
            .filter_map(|e| match e {
                Effect::Reply(f) => Some(f.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn slaveof_transaction_changes_the_persisted_role() {
        let mut n = node(Role::Master);
        let mut s = Session::default();
        let ctx = Context {
            other_clients: [2, 3],
            ..Context::default()
        };
        let mut all = Vec::new();
        for c in [
            &["MULTI"][..],
            &["SLAVEOF", "10.0.0.1", "6379"],
            &["CONFIG", "REWRITE"],
            &["CLIENT", "KILL", "TYPE", "normal"],
            &["CLIENT", "KILL", "TYPE", "pubsub"],
        ] {
            all.extend(n.execute(&mut s, &args(c), 2000, &ctx));
        }
        assert_eq!(n.role, Role::Master, "queued, not run");
        let exec = n.execute(&mut s, &args(&["EXEC"]), 2000, &ctx);
        let want = Role::Replica {
            host: "10.0.0.1".into(),
            port: 6379,
        };
        assert_eq!((&n.role, &n.persisted_role), (&want, &want));
        assert_eq!(
            replies(&exec),
            vec![Frame::Array(vec![
                Frame::ok(),
                Frame::ok(),
                Frame::Integer(2),
                Frame::Integer(3)
            ])]
        );
        assert!(exec.contains(&Effect::Kill { pubsub: false }));
        assert!(exec.contains(&Effect::Kill { pubsub: true }));
        assert!(exec.contains(&Effect::RoleChanged));
        assert_eq!(replies(&all)[1], Frame::Simple("QUEUED".into()));
    }

    #[test]
    fn restart_takes_the_persisted_role_and_a_new_run_id() {
        let mut n = node(Role::Master);
        let mut s = Session::default();
        n.execute(
            &mut s,
            &args(&["SLAVEOF", "10.0.0.9", "6379"]),
            2000,
            &Context::default(),
        );
        n.crash(3000);
        n.restart("c".repeat(40), "d".repeat(40), 4000);
        assert_eq!(
            (n.role.clone(), n.run_id.clone()),
            (Role::Master, "c".repeat(40))
        );
    }

    #[test]
    fn info_reads_like_redis() {
        let n = node(Role::Replica {
            host: "10.0.0.1".into(),
            port: 6379,
        });
        let ctx = Context::default();
        let Some(Effect::Reply(Frame::Bulk(text))) = n
            .clone()
            .execute(&mut Session::default(), &args(&["INFO"]), 5000, &ctx)
            .pop()
        else {
            panic!("INFO must answer a bulk string");
        };
        let text = String::from_utf8_lossy(&text).into_owned();
        for want in [
            "\r\nrun_id:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n",
            "\r\nrole:slave\r\nmaster_host:10.0.0.1\r\nmaster_port:6379\r\nmaster_link_status:down\r\n",
            "\r\nmaster_link_down_since_seconds:-1\r\nslave_priority:100\r\n",
        ] {
            assert!(text.contains(want), "{want:?} in {text}");
        }
        let mut m = node(Role::Master);
        let ctx = Context {
            replicas: vec![("10.0.0.2".into(), 6379, 42)],
            ..Context::default()
        };
        let effects = m.execute(&mut Session::default(), &args(&["info"]), 3000, &ctx);
        let Some(Effect::Reply(Frame::Bulk(text))) = effects.first() else {
            panic!("INFO must answer a bulk string");
        };
        let text = String::from_utf8_lossy(text);
        assert!(text.contains(
            "role:master\r\nconnected_slaves:1\r\nslave0:ip=10.0.0.2,port=6379,state=online,offset=42,lag=0\r\n"
        ));
        assert!(text.contains("master_repl_offset:200\r\n"), "{text}");
    }

    #[test]
    fn pubsub_and_errors() {
        let mut n = node(Role::Master);
        let mut s = Session::default();
        let ctx = Context {
            subscribers: 4,
            ..Context::default()
        };
        let sub = n.execute(&mut s, &args(&["SUBSCRIBE", "__sentinel__:hello"]), 1, &ctx);
        assert!(s.subscribed);
        assert_eq!(
            replies(&sub),
            vec![Frame::Array(vec![
                Frame::bulk_str("subscribe"),
                Frame::bulk_str("__sentinel__:hello"),
                Frame::Integer(1)
            ])]
        );
        let publish = n.execute(
            &mut Session::default(),
            &args(&["PUBLISH", "c", "m"]),
            1,
            &ctx,
        );
        assert_eq!(publish[0], Effect::Reply(Frame::Integer(4)));
        let e = n.execute(&mut Session::default(), &args(&["SCRIPT", "KILL"]), 1, &ctx);
        assert_eq!(
            replies(&e)[0],
            Frame::error("NOTBUSY No scripts in execution right now.")
        );
        let e = n.execute(&mut Session::default(), &args(&["EXEC"]), 1, &ctx);
        assert!(replies(&e)[0].is_error());
    }

    #[test]
    fn client_pause_write_holds_a_masters_offset_until_unpause() {
        let mut n = node(Role::Master);
        let mut sess = Session::default();
        let ctx = Context::default();
        let at_pause = n.offset_at(2_000);
        let r = n.execute(
            &mut sess,
            &args(&["CLIENT", "PAUSE", "2000", "WRITE"]),
            2_000,
            &ctx,
        );
        assert_eq!(r, vec![Effect::Reply(Frame::ok())]);
        assert!(n.paused(3_000));
        assert_eq!(n.offset_at(3_900), at_pause, "no write while paused");
        n.execute(&mut sess, &args(&["CLIENT", "UNPAUSE"]), 3_000, &ctx);
        assert!(!n.paused(3_000));
        assert_eq!(n.offset_at(4_000), at_pause + 100, "writes resume");
        // Without UNPAUSE the pause ends by itself.
        n.execute(&mut sess, &args(&["CLIENT", "PAUSE", "500"]), 5_000, &ctx);
        let held = n.offset_at(5_000);
        assert_eq!(n.offset_at(5_500), held);
        assert_eq!(n.offset_at(6_500), held + 100);
    }

    #[test]
    fn a_promoted_replica_keeps_what_it_replicated() {
        let mut n = node(Role::Replica {
            host: "10.0.0.2".into(),
            port: 6379,
        });
        let mut sess = Session::default();
        let linked = Context {
            link_up: true,
            master_offset: 777,
            ..Context::default()
        };
        let info = n.info(2_000, &linked);
        assert!(info.contains("slave_repl_offset:777\r\n"), "{info}");
        n.execute(&mut sess, &args(&["SLAVEOF", "NO", "ONE"]), 2_000, &linked);
        assert_eq!(n.offset_at(2_000), 777);
    }
}
