//! Deterministic simulation of a whole Sentinel deployment: several `rsentinel_core`
//! Sentinels and modelled redis instances on a virtual network, in virtual time, with
//! one seeded RNG and a seeded schedule of faults (crashes and restarts, partitions
//! symmetric and one-way, slow periods, clock jumps). Invariants (epochs, votes,
//! leaders, failover preconditions, justified ODOWN, replication groups kept apart,
//! convergence after healing) are checked while it runs. The same seed always gives the
//! same run, event log included, so a failing seed is a reproducible bug report.
//!
//! A run monitors [`SimConfig::masters`] masters at once (default one): each is its own
//! replication group, a master and [`SimConfig::replicas`] replicas on their own hosts,
//! monitored as `mymaster`, `master2`, `master3`, ... by every Sentinel with the same
//! settings (see [`layout`]). Faults pick among all instances of all groups and all
//! Sentinels, so one partition can take down several masters at once. The Sentinels
//! share one current epoch across masters, as redis does, while votes, leaders,
//! failover steps, config epochs and convergence are judged per master; and no
//! Sentinel may ever put an instance of one group under another group's master.
//!
//! The cores are driven exactly through the interface the daemon uses (`tick`,
//! `poll_output`, `conn_up`/`conn_frame`/`conn_down`, `command`, `receive_hello`,
//! `settings` at each `FlushConfig`), so what passes here is what the daemon runs.
//!
//! Layout: [`network`] (addresses, cuts, delays, in-order wires), [`layout`] (which
//! instance is in which group), [`redis`] (the modelled redis instance), [`world`] (the
//! event loop and the Sentinel processes, with connections in a private module),
//! [`faults`] (the seeded schedule), [`invariants`] (every check, documented there),
//! and [`run`] (one seed, start to verdict).
//!
//! Convergence is checked a settle time after the last fault that is derived from the
//! repair rules ([`settle`]); [`converge`] measures how long seeds really take.
//!
//! A failing seed prints `SIM FAILURE seed=<n> sentinels=<k> masters=<m> ...` with the
//! tail of the event log and replays with `SIM_SEED=<n> SIM_SENTINELS=<k>
//! SIM_MASTERS=<m> cargo test -p rsentinel-sim replay -- --nocapture`; every seed ever
//! found failing is in `tests/replay_seeds.txt`, which CI replays. Long sweeps run on
//! every core ([`sweep`]) with `cargo run -p rsentinel-sim --release -- --seeds N
//! [--sentinels K] [--masters M] [--start S] [--threads T]`, which prints seeds per
//! second and the combined [`trace`] hash of the range; `scripts/soak START` runs
//! 100,000 seeds for each standard deployment.
//!
//! ```no_run
//! let mut cfg = rsentinel_sim::SimConfig::new(3);
//! cfg.masters = 2;
//! match rsentinel_sim::run(42, &cfg) {
//!     Ok(report) => println!("{} events", report.log.len()),
//!     Err(failure) => panic!("{failure}"),
//! }
//! ```

#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod command;
pub mod config;
mod conns;
pub mod converge;
pub mod fault_plan;
pub mod faults;
pub mod invariants;
pub mod layout;
pub mod network;
mod queue;
pub mod redis;
mod runner;
pub mod settle;
pub mod sweep;
pub mod trace;
pub mod world;

pub use config::{FaultMix, SimConfig, MAX_REDIS};
pub use fault_plan::FaultKind;
pub use invariants::Violation;
pub use layout::{Layout, MASTER_NAME};
pub use runner::{run, Failure, Report, LOG_TAIL};
pub use settle::SettleBound;
pub use sweep::{failing_seeds, sweep, SeedOutcome, SweepResult};
pub use world::Stats;
