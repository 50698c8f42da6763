//! The simulated deployment: Sentinel cores, modelled redis instances and the network,
//! driven by one ordered event queue in virtual time with one seeded RNG. Nothing here
//! reads a clock or touches a socket, so a seed always replays the same run.

use crate::config::SimConfig;
use crate::fault_plan::Fault;
use crate::invariants::{CoreView, Emitter, Invariants, Reach, Violation};
use crate::layout::Layout;
use crate::network::{Host, Network, Time, Wire, WireId};
use crate::queue::EventQueue;
use crate::redis::{RedisNode, Role};
use crate::trace::Trace;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rsentinel_config::{parse, render, Config, RewriteEnv};
use rsentinel_core::{ConnId, ScriptId, ScriptOutcome, Sentinel};
use std::collections::BTreeMap;

/// Virtual time at which every run starts (a plausible wall-clock value, so clock jumps
/// backwards never reach zero).
pub use crate::network::T0;

/// The name config errors would show for the Sentinels' config file.
const CONFIG_FILE: &str = "/etc/redis/sentinel.conf";

pub use crate::layout::MASTER_NAME;

/// Something scheduled to happen at a virtual time.
#[derive(Clone, Debug)]
pub enum Ev {
    /// A Sentinel's timer.
    Tick {
        /// Which Sentinel.
        s: usize,
        /// Its incarnation: a restart voids older ticks.
        gen: u64,
    },
    /// The front message of one direction of a wire arrives.
    Deliver {
        /// The wire.
        wire: WireId,
        /// [`crate::network::TO_SERVER`] or [`crate::network::TO_CLIENT`].
        dir: usize,
        /// Delivery generation of that direction (a stall voids older events).
        epoch: u64,
    },
    /// A connection attempt failed (refused or timed out).
    ConnectFailed {
        /// The Sentinel that tried.
        s: usize,
        /// Its incarnation when it tried.
        gen: u64,
        /// The core's connection id.
        conn: ConnId,
    },
    /// Fault action number `i` of the schedule.
    Fault(usize),
    /// A script run by a Sentinel finished.
    ScriptDone {
        /// Which Sentinel.
        s: usize,
        /// Its incarnation when the script started.
        gen: u64,
        /// The core's job id.
        id: ScriptId,
        /// How it ended.
        outcome: ScriptOutcome,
    },
    /// A Sentinel's first start (or its restart after SIMULATE-FAILURE).
    Start {
        /// Which Sentinel.
        s: usize,
    },
}

/// One Sentinel process.
#[derive(Debug)]
pub struct SentinelNode {
    /// The running core; `None` while crashed.
    pub core: Option<Sentinel>,
    /// Incarnation, bumped on every start.
    pub gen: u64,
    /// Its wall clock minus virtual time (clock-jump faults move it).
    pub clock_offset: i64,
    /// The config file's text: rewritten with the config crate's CONFIG REWRITE and
    /// parsed again on restart, as the daemon does, so the whole persistence path is
    /// exercised.
    pub file: String,
    /// The file as parsed, with the settings of the latest `FlushConfig` (what the
    /// next rewrite writes).
    pub config: Config,
    /// A `FlushConfig` came since `file` was last rendered. Rendering waits until the
    /// file is read (the Sentinel crashes) or the run ends: nothing else reads it, and
    /// rendering at every flush was a tenth of the simulator's time.
    pub unwritten: bool,
    /// Active crash faults on it.
    pub down: u32,
    /// Its current epoch as of the output being handled. The core's own value is the
    /// one after the whole call, which may be ahead: one timer run can elect a leader
    /// for one master and then start a failover of another in a new epoch. Every change
    /// is announced by `+new-epoch`, which moves this on in order.
    pub event_epoch: u64,
}

/// Counters for the report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Events handled.
    pub steps: u64,
    /// Messages delivered on wires.
    pub messages: u64,
    /// Connections opened.
    pub connects: u64,
    /// Fault actions applied (starts and ends).
    pub fault_actions: u64,
}

/// The whole simulated deployment.
pub struct World {
    /// Virtual now.
    pub now: Time,
    /// The one RNG everything random draws from.
    pub rng: StdRng,
    queue: EventQueue<Ev>,
    /// Cuts and delays.
    pub net: Network,
    /// Modelled redis instances, group after group (see [`Layout`]).
    pub redis: Vec<RedisNode>,
    /// Sentinel processes.
    pub sentinels: Vec<SentinelNode>,
    /// Active crash faults per redis instance.
    pub redis_down: Vec<u32>,
    /// Per redis instance: its offset when it was last promoted (`SLAVEOF NO ONE`),
    /// what a planned switchover's demoted master is checked against.
    pub promoted_offset: Vec<Option<u64>>,
    /// New masters of planned switchovers a Sentinel reported complete: the next
    /// demotion toward one of them is checked for lost writes, paused or not.
    pub switchover_targets: std::collections::BTreeSet<usize>,
    /// Open connections.
    pub wires: BTreeMap<WireId, Wire>,
    pub(crate) next_wire: u64,
    /// Sentinel `s`'s connection `conn` is this wire.
    pub by_conn: BTreeMap<(usize, ConnId), WireId>,
    /// Every Sentinel event and fault, with virtual timestamps.
    pub log: Vec<String>,
    /// Invariant state.
    pub inv: Invariants,
    /// Reachability history (what justifies ODOWN).
    pub reach: Reach,
    /// The fault schedule.
    pub faults: Vec<Fault>,
    /// The configuration.
    pub cfg: SimConfig,
    /// Which instance is in which replication group.
    pub layout: Layout,
    /// Counters.
    pub stats: Stats,
    /// The first invariant violation; the run stops there.
    pub violation: Option<Violation>,
    /// Fingerprint of everything that happened so far (see [`crate::trace`]).
    pub trace: Trace,
}

impl World {
    /// Builds the deployment for `seed`: the first instance of each replication group
    /// is its master, the others its replicas (already synced), and every Sentinel is
    /// configured to monitor every master.
    pub fn new(seed: u64, cfg: &SimConfig) -> World {
        let mut rng = StdRng::seed_from_u64(seed);
        let layout = Layout::new(cfg.masters, cfg.replicas);
        let redis_count = layout.redis();
        let mut redis = Vec::with_capacity(redis_count);
        for j in 0..redis_count {
            let first = layout.instances(layout.group_of(j)).start;
            let role = if j == first {
                Role::Master
            } else {
                Role::Replica {
                    host: Host::Redis(first).ip(),
                    port: Host::Redis(first).port(),
                }
            };
            let sync_ms = rng.gen_range(200..1500);
            let (run_id, replid) = (hex40(&mut rng), hex40(&mut rng));
            let mut node = RedisNode::new(Host::Redis(j), role, run_id, replid, sync_ms, T0);
            if j != first {
                node.reachable_since = Some(T0.saturating_sub(sync_ms));
                // Synchronised: the replica holds its master's history.
                if let Some(m) = redis.get(first) {
                    let history = RedisNode::replid(m).to_string();
                    node.adopt_replid(history);
                }
            }
            redis.push(node);
        }
        let quorum = cfg.quorum.unwrap_or(cfg.sentinels as u32 / 2 + 1);
        let mut file = format!(
            "# sentinel.conf of the simulation\nport {}\n",
            crate::network::SENTINEL_PORT
        );
        for g in 0..layout.masters {
            let (name, master) = (layout.name(g), Host::Redis(layout.instances(g).start));
            file.push_str(&format!(
                "sentinel monitor {name} {} {} {quorum}\n\
                 sentinel down-after-milliseconds {name} {}\nsentinel failover-timeout {name} {}\n",
                master.ip(),
                master.port(),
                cfg.down_after_ms,
                cfg.failover_timeout_ms,
            ));
        }
        // A configuration error here is a bug of the simulation itself, found at once.
        let config = parse(&file, CONFIG_FILE)
            .unwrap_or_else(|e| panic!("the simulation's own sentinel.conf is invalid: {e}"));
        let sentinels = (0..cfg.sentinels)
            .map(|_| SentinelNode {
                core: None,
                gen: 0,
                clock_offset: 0,
                file: file.clone(),
                config: config.clone(),
                unwritten: false,
                down: 0,
                event_epoch: 0,
            })
            .collect();
        let net = Network::new(cfg.delay_ms.0, cfg.delay_ms.1, cfg.slow_extra_ms);
        let faults = crate::fault_plan::schedule(&mut rng, cfg);
        let mut world = World {
            now: T0,
            rng,
            queue: EventQueue::default(),
            net,
            redis,
            sentinels,
            wires: BTreeMap::new(),
            next_wire: 0,
            by_conn: BTreeMap::new(),
            log: Vec::new(),
            inv: Invariants::new(cfg.sentinels, cfg.down_after_ms, layout),
            layout,
            redis_down: vec![0; redis_count],
            promoted_offset: vec![None; redis_count],
            switchover_targets: Default::default(),
            reach: Reach::default(),
            faults,
            cfg: cfg.clone(),
            stats: Stats::default(),
            violation: None,
            trace: Trace::default(),
        };
        world.update_reach();
        for (i, f) in world.faults.clone().iter().enumerate() {
            world.schedule(f.at, Ev::Fault(i));
        }
        for s in 0..cfg.sentinels {
            // Sentinels are started a little apart, as real deployments are.
            let at = T0 + world.rng.gen_range(0..500);
            world.schedule(at, Ev::Start { s });
        }
        world
    }

    /// Queues `ev` at virtual time `at` (never in the past).
    pub fn schedule(&mut self, at: Time, ev: Ev) {
        self.queue.push(at.max(self.now), ev);
    }

    /// Runs events until virtual time `end`, or until an invariant fails.
    pub fn run_until(&mut self, end: Time) -> Result<(), Violation> {
        while let Some((t, ev)) = self.queue.pop_until(end) {
            self.now = t;
            self.stats.steps += 1;
            self.handle(ev);
            if let Some(v) = self.violation.take() {
                return Err(v);
            }
        }
        self.now = self.now.max(end);
        Ok(())
    }

    fn handle(&mut self, ev: Ev) {
        match ev {
            Ev::Tick { s, gen } => self.on_tick(s, gen),
            Ev::Deliver { wire, dir, epoch } => self.deliver(wire, dir, epoch),
            Ev::ConnectFailed { s, gen, conn } => {
                if self.sentinels[s].gen == gen {
                    if let Some(core) = self.sentinels[s].core.as_mut() {
                        core.conn_down(conn);
                    }
                    self.drain(s);
                }
            }
            Ev::ScriptDone {
                s,
                gen,
                id,
                outcome,
            } => {
                let local = self.local_now(s);
                if self.sentinels[s].gen == gen {
                    if let Some(core) = self.sentinels[s].core.as_mut() {
                        core.script_done(id, outcome, local);
                    }
                    self.drain(s);
                }
            }
            Ev::Start { s } => {
                if self.sentinels[s].core.is_none() && self.sentinels[s].down == 0 {
                    self.start_sentinel(s);
                }
            }
            Ev::Fault(i) => self.apply_fault(i),
        }
    }

    /// Sentinel `s`'s wall clock.
    pub fn local_now(&self, s: usize) -> u64 {
        (self.now as i64 + self.sentinels[s].clock_offset).max(1) as u64
    }

    /// Appends a line to the event log.
    pub fn note(&mut self, who: &str, text: &str) {
        let t = self.now - T0;
        let line = format!("{:>7}.{:03} {who} {text}", t / 1000, t % 1000);
        self.trace.bytes(line.as_bytes());
        self.log.push(line);
    }

    /// Records a violation (the first one wins).
    pub fn fail(&mut self, v: Violation) {
        if self.violation.is_none() {
            self.violation = Some(v);
        }
    }

    /// Starts (or restarts) Sentinel `s` from its config file.
    pub fn start_sentinel(&mut self, s: usize) {
        let now = self.local_now(s);
        let seed = self.rng.gen();
        let config = match parse(&self.sentinels[s].file, CONFIG_FILE) {
            Ok(c) => c,
            Err(e) => {
                self.fail(Violation::new(
                    "restart-from-file",
                    format!("sentinel s{s} cannot parse the config file it wrote: {e}"),
                ));
                return;
            }
        };
        let no_dns = crate::command::resolve_ip_literal;
        let core = match Sentinel::new(config.sentinel.clone(), now, seed, &no_dns) {
            Ok(c) => c,
            Err(e) => {
                self.fail(Violation::new(
                    "restart-from-file",
                    format!("sentinel s{s} cannot load its own persisted config: {e}"),
                ));
                return;
            }
        };
        let node = &mut self.sentinels[s];
        node.gen += 1;
        node.event_epoch = core.current_epoch();
        node.core = Some(core);
        node.config = config;
        let gen = node.gen;
        self.note(&format!("s{s}"), "start");
        self.inv.on_restart(s);
        if let Some(c) = self.sentinels[s].core.as_mut() {
            c.set_listen_port(Host::Sentinel(s).port());
            c.start();
        }
        self.drain(s);
        self.check_state(s);
        self.schedule(self.now, Ev::Tick { s, gen });
    }

    /// Writes Sentinel `s`'s config file if a flush is still unwritten: the rewrite of
    /// the latest flushed settings, as the daemon's last save left it on disk.
    pub fn write_config_file(&mut self, s: usize) {
        let node = &mut self.sentinels[s];
        if !node.unwritten {
            return;
        }
        node.unwritten = false;
        node.file = render(&node.file, &node.config, &RewriteEnv::new("/var/lib/redis"));
        self.trace.bytes(node.file.as_bytes());
    }

    /// The redis instance a "Planned switchover ... old master now replicates from
    /// IP:PORT" line names.
    fn switchover_target(&self, text: &str) -> Option<usize> {
        let rest = text.split("old master now replicates from ").nth(1)?;
        let addr = rest.split(',').next()?;
        let (ip, port) = addr.rsplit_once(':')?;
        match crate::network::host_at(
            ip,
            port.parse().ok()?,
            self.redis.len(),
            self.sentinels.len(),
        ) {
            Some(Host::Redis(t)) => Some(t),
            _ => None,
        }
    }

    /// Writes every Sentinel's last flush to its file and checks that each file still
    /// parses, so the end of a run exercises the rewrite as a restart would.
    pub fn final_config_files(&mut self) -> Result<(), Violation> {
        for s in 0..self.sentinels.len() {
            self.write_config_file(s);
            if let Err(e) = parse(&self.sentinels[s].file, CONFIG_FILE) {
                return Err(Violation::new(
                    "restart-from-file",
                    format!("sentinel s{s} cannot parse the config file it wrote: {e}"),
                ));
            }
        }
        Ok(())
    }

    /// Sentinel `s` dies: its connections close, its in-memory state is lost.
    pub fn crash_sentinel(&mut self, s: usize) {
        if self.sentinels[s].core.take().is_none() {
            return;
        }
        self.write_config_file(s);
        self.note(&format!("s{s}"), "crash");
        let ids: Vec<WireId> = self
            .wires
            .iter()
            .filter(|(_, w)| w.client == s || w.server == Host::Sentinel(s))
            .map(|(id, _)| *id)
            .collect();
        for id in ids {
            let Some(w) = self.wires.get(&id) else {
                continue;
            };
            if w.client == s {
                self.by_conn.remove(&(s, w.conn));
                self.wires.remove(&id);
            } else {
                self.server_close(id);
            }
        }
    }

    fn on_tick(&mut self, s: usize, gen: u64) {
        if self.sentinels[s].gen != gen {
            return;
        }
        let local = self.local_now(s);
        let Some(core) = self.sentinels[s].core.as_mut() else {
            return;
        };
        core.tick(local);
        // The timer is scheduled by elapsed time, as redis' event loop does (monotonic
        // clock), while the core reads the wall clock: a clock jump therefore shows up
        // as a gap between two runs, which is what TILT detects.
        let delay = core.next_tick().saturating_sub(local).max(1);
        self.drain(s);
        self.check_state(s);
        self.schedule(self.now + delay, Ev::Tick { s, gen });
    }

    /// Carries out everything core `s` asked for, in order.
    pub fn drain(&mut self, s: usize) {
        use rsentinel_core::Output;
        loop {
            let Some(out) = self.sentinels[s]
                .core
                .as_mut()
                .and_then(|c| c.poll_output())
            else {
                break;
            };
            self.trace_output(s, &out);
            match out {
                Output::Event(e) if e.kind == "+new-epoch" => {
                    self.note(&format!("s{s}"), &format!("{} {}", e.kind, e.text));
                    if let Ok(epoch) = e.text.parse() {
                        self.sentinels[s].event_epoch = epoch;
                    }
                    self.on_event(s, &e.kind, &e.text);
                }
                Output::Event(e) => {
                    self.note(&format!("s{s}"), &format!("{} {}", e.kind, e.text));
                    self.on_event(s, &e.kind, &e.text);
                }
                // The planned switchover's outcome is only logged: kept in the event
                // log so a replay shows which path a SENTINEL FAILOVER took.
                Output::Log { text, .. } if text.starts_with("Planned switchover") => {
                    if let Some(t) = self.switchover_target(&text) {
                        self.switchover_targets.insert(t);
                    }
                    self.note(&format!("s{s}"), &text);
                }
                Output::Log { .. } => {}
                Output::FlushConfig | Output::SaveConfigQuietly => {
                    let node = &mut self.sentinels[s];
                    if let Some(c) = node.core.as_ref() {
                        node.config.sentinel = c.settings();
                        node.unwritten = true;
                    }
                }
                Output::Connect {
                    conn, host, port, ..
                } => self.connect(s, conn, &host, port),
                Output::Send { conn, args } => self.client_send(s, conn, args.into_vec()),
                Output::Close(conn) => self.client_close(s, conn),
                // Scripts (none are configured here) succeed after a short while.
                Output::RunScript { id, .. } => {
                    let gen = self.sentinels[s].gen;
                    if let Some(core) = self.sentinels[s].core.as_mut() {
                        core.script_started(id, 1000 + id.0 as u32);
                    }
                    let at = self.now + self.rng.gen_range(10..100);
                    let outcome = ScriptOutcome::Exited(0);
                    self.schedule(
                        at,
                        Ev::ScriptDone {
                            s,
                            gen,
                            id,
                            outcome,
                        },
                    );
                }
                Output::KillScript { id } => {
                    let gen = self.sentinels[s].gen;
                    let outcome = ScriptOutcome::Signaled(9);
                    self.schedule(
                        self.now,
                        Ev::ScriptDone {
                            s,
                            gen,
                            id,
                            outcome,
                        },
                    );
                }
                // SIMULATE-FAILURE: the process exits at once (unsaved state is lost);
                // a supervisor starts it again a little later.
                Output::Crash => {
                    self.crash_sentinel(s);
                    let at = self.now + 3_000;
                    self.schedule(at, Ev::Start { s });
                    break;
                }
            }
        }
        if let Some(core) = self.sentinels[s].core.as_ref() {
            self.sentinels[s].event_epoch = core.current_epoch();
        }
    }

    /// Folds one output of core `s` into the trace (events are folded in as log lines),
    /// with the virtual time.
    fn trace_output(&mut self, s: usize, out: &rsentinel_core::Output) {
        use rsentinel_core::Output;
        let t = &mut self.trace;
        t.u64(self.now);
        t.u64(s as u64);
        match out {
            Output::Event(_) => t.bytes(b"event"),
            Output::Log { text, .. } => {
                t.bytes(b"log");
                t.bytes(text.as_bytes());
            }
            Output::FlushConfig => t.bytes(b"flush"),
            Output::SaveConfigQuietly => t.bytes(b"save"),
            Output::Connect {
                conn, host, port, ..
            } => {
                t.bytes(b"connect");
                t.u64(conn.0);
                t.bytes(host.as_bytes());
                t.u64(u64::from(*port));
            }
            Output::Send { conn, args } => {
                t.bytes(b"send");
                t.u64(conn.0);
                for a in args {
                    t.bytes(a);
                }
            }
            Output::Close(conn) => {
                t.bytes(b"close");
                t.u64(conn.0);
            }
            Output::RunScript { id, path, args } => {
                t.bytes(b"script");
                t.u64(id.0);
                t.bytes(path.as_bytes());
                for a in args {
                    t.bytes(a.as_bytes());
                }
            }
            Output::KillScript { id } => {
                t.bytes(b"kill");
                t.u64(id.0);
            }
            Output::Crash => t.bytes(b"crash"),
        }
    }

    /// Epoch invariants on Sentinel `s`'s current state.
    pub fn check_state(&mut self, s: usize) {
        let Some(core) = self.sentinels[s].core.as_ref() else {
            return;
        };
        let epoch = core.current_epoch();
        let masters = core
            .masters()
            .values()
            .map(|m| (m.inst.name.as_str(), m.inst.config_epoch));
        if let Err(v) = self.inv.observe_epochs(s, epoch, masters) {
            self.fail(v);
        }
    }

    fn on_event(&mut self, s: usize, kind: &str, text: &str) {
        let Some(core) = self.sentinels[s].core.as_ref() else {
            return;
        };
        let by = Emitter {
            s,
            myid: core.myid(),
            epoch: self.sentinels[s].event_epoch,
            now: self.now,
            core,
        };
        if let Err(v) = self.inv.on_event(&by, kind, text, &self.reach) {
            self.fail(v);
        }
    }
}

impl CoreView for Sentinel {
    fn vote(&self, master: &str) -> Option<(String, u64)> {
        let m = self.master(master)?;
        Some((m.leader.clone()?, m.leader_epoch))
    }

    fn knows_replica(&self, master: &str, replica: &str) -> bool {
        self.master(master).is_some_and(|m| {
            // With fast failover one call can promote a replica and switch the master to
            // it; the checks run after the call, when the replica is the master.
            m.replica(replica).is_some() || m.inst.addr.announced_with_port(false) == replica
        })
    }

    fn failover_epoch(&self, master: &str) -> Option<u64> {
        self.master(master).map(|m| m.failover.epoch())
    }
}

/// 40 random hex characters, like redis' run ids.
pub fn hex40(rng: &mut StdRng) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    (0..40).map(|_| HEX[rng.gen_range(0..16)] as char).collect()
}
