//! Running one seed: build the world, run warm-up, fault window and settle time, check
//! convergence, and hand back either a report or a failure that names the seed, the
//! broken invariant, the tail of the event log and how to replay it.

use crate::config::SimConfig;
use crate::fault_plan::window_end;
use crate::invariants::{check_converged, InstanceView, MasterView, SentinelView, Violation};
use crate::network::T0;
use crate::world::{Stats, World};
use bytes::Bytes;
use rsentinel_core::Reply;
use rsentinel_resp::Frame;
use std::fmt;

/// How many event-log lines a [`Failure`] carries.
pub const LOG_TAIL: usize = 60;

/// A run that kept every invariant.
#[derive(Clone, Debug)]
pub struct Report {
    /// The seed.
    pub seed: u64,
    /// Every Sentinel event and fault, with virtual timestamps (seconds.millis since
    /// the start), one per line.
    pub log: Vec<String>,
    /// Counters.
    pub stats: Stats,
    /// Fingerprint of the whole run, verdict included (see [`crate::trace`]).
    pub trace: u64,
}

/// A run that broke an invariant.
#[derive(Clone, Debug)]
pub struct Failure {
    /// The seed, to replay it.
    pub seed: u64,
    /// Sentinels in the run.
    pub sentinels: usize,
    /// Masters in the run.
    pub masters: usize,
    /// The invariant.
    pub invariant: &'static str,
    /// What went wrong.
    pub message: String,
    /// Virtual time of the failure (ms since the start).
    pub at_ms: u64,
    /// The whole event log up to the failure (the replay test prints it).
    pub log: Vec<String>,
    /// Fingerprint of the run up to the failure, verdict included (see [`crate::trace`]).
    pub trace: u64,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "SIM FAILURE seed={} sentinels={} masters={} invariant={} at={}.{:03}s: {}",
            self.seed,
            self.sentinels,
            self.masters,
            self.invariant,
            self.at_ms / 1000,
            self.at_ms % 1000,
            self.message
        )?;
        writeln!(
            f,
            "replay: SIM_SEED={} SIM_SENTINELS={} SIM_MASTERS={} cargo test -p rsentinel-sim replay -- --nocapture",
            self.seed, self.sentinels, self.masters
        )?;
        writeln!(f, "last events:")?;
        for l in self.log_tail() {
            writeln!(f, "  {l}")?;
        }
        Ok(())
    }
}

impl Failure {
    /// The last [`LOG_TAIL`] lines of the event log (what [`fmt::Display`] shows).
    pub fn log_tail(&self) -> &[String] {
        &self.log[self.log.len().saturating_sub(LOG_TAIL)..]
    }
}

impl std::error::Error for Failure {}

/// Simulates one seed under `cfg`.
pub fn run(seed: u64, cfg: &SimConfig) -> Result<Report, Failure> {
    if let Err(message) = cfg.validate() {
        return Err(Failure {
            seed,
            sentinels: cfg.sentinels,
            masters: cfg.masters,
            invariant: "sim-config",
            message,
            at_ms: 0,
            log: Vec::new(),
            trace: 0,
        });
    }
    let mut world = World::new(seed, cfg);
    let fail = |w: &mut World, v: Violation| {
        w.trace.bytes(v.invariant.as_bytes());
        w.trace.bytes(v.message.as_bytes());
        Failure {
            seed,
            sentinels: cfg.sentinels,
            masters: cfg.masters,
            invariant: v.invariant,
            message: v.message,
            at_ms: w.now - T0,
            log: std::mem::take(&mut w.log),
            trace: w.trace.value(),
        }
    };
    let end = window_end(cfg) + cfg.settle_ms;
    if let Err(v) = world.run_until(end) {
        return Err(fail(&mut world, v));
    }
    if let Err(v) = converged(&mut world) {
        return Err(fail(&mut world, v));
    }
    if let Err(v) = world.final_config_files() {
        return Err(fail(&mut world, v));
    }
    world.trace.bytes(b"converged");
    Ok(Report {
        seed,
        log: world.log,
        stats: world.stats,
        trace: world.trace.value(),
    })
}

impl World {
    /// `converged` now: asks every Sentinel what it believes about every master
    /// (through `SENTINEL GET-MASTER-ADDR-BY-NAME` and its table) and compares with the
    /// real topology.
    pub fn converged(&mut self) -> Result<(), Violation> {
        converged(self)
    }
}

fn converged(world: &mut World) -> Result<(), Violation> {
    let names = world.layout.names();
    let mut views = Vec::new();
    for s in 0..world.sentinels.len() {
        let now = world.local_now(s);
        let Some(core) = world.sentinels[s].core.as_mut() else {
            return Err(Violation::new("converged", format!("s{s} is not running")));
        };
        let mut masters = Vec::with_capacity(names.len());
        for name in &names {
            let args = [
                Bytes::from_static(b"get-master-addr-by-name"),
                Bytes::copy_from_slice(name.as_bytes()),
            ];
            let addr = match crate::command::sentinel_command(core, now, &args) {
                Reply::Frame(Frame::Array(items)) => match items.as_slice() {
                    [Frame::Bulk(ip), Frame::Bulk(port)] => String::from_utf8_lossy(port)
                        .parse::<u16>()
                        .ok()
                        .map(|p| (String::from_utf8_lossy(ip).into_owned(), p)),
                    _ => None,
                },
                _ => None,
            };
            if let Some(m) = core.master(name) {
                masters.push(MasterView {
                    name: name.clone(),
                    addr,
                    others: m.sentinels.len(),
                });
            }
        }
        views.push(SentinelView {
            s,
            tilt: core.tilt(),
            masters,
        });
    }
    let instances: Vec<InstanceView> = world
        .redis
        .iter()
        .map(|r| InstanceView {
            host: r.host,
            alive: r.alive,
            role: r.role.clone(),
        })
        .collect();
    check_converged(&world.layout, &views, &instances)
}
