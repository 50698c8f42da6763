//! Deterministic simulation of a whole Sentinel deployment: several `rsentinel_core`
//! Sentinels and modelled redis instances (a master and replicas) on a virtual network,
//! in virtual time, with one seeded RNG and a seeded schedule of faults (crashes and
//! restarts, partitions symmetric and one-way, slow periods, clock jumps). Invariants
//! (epochs, votes, leaders, failover preconditions, justified ODOWN, convergence after
//! healing) are checked while it runs. The same seed always gives the same run, event
//! log included, so a failing seed is a reproducible bug report.
//!
//! The cores are driven exactly through the interface the daemon uses (`tick`,
//! `poll_output`, `conn_up`/`conn_frame`/`conn_down`, `command`, `receive_hello`,
//! `settings` at each `FlushConfig`), so what passes here is what the daemon runs.
//!
//! Layout: [`network`] (addresses, cuts, delays, in-order wires), [`redis`] (the
//! modelled redis instance), [`world`] (the event loop and the Sentinel processes, with
//! connections in a private module), [`faults`] (the seeded schedule), [`invariants`]
//! (every check, documented there), and [`run`] (one seed, start to verdict).
//!
//! A failing seed prints `SIM FAILURE seed=<n> ...` with the tail of the event log and
//! replays with `SIM_SEED=<n> [SIM_SENTINELS=<k>] cargo test -p rsentinel-sim replay --
//! --nocapture`; long sweeps run with `cargo run -p rsentinel-sim --release -- --seeds N
//! [--sentinels K] [--start S]`.
//!
//! ```no_run
//! let cfg = rsentinel_sim::SimConfig::new(3);
//! match rsentinel_sim::run(42, &cfg) {
//!     Ok(report) => println!("{} events", report.log.len()),
//!     Err(failure) => panic!("{failure}"),
//! }
//! ```

#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod conns;
pub mod faults;
pub mod invariants;
pub mod network;
pub mod redis;
mod runner;
pub mod world;

pub use faults::{FaultKind, FaultMix};
pub use invariants::Violation;
pub use runner::{run, Failure, Report, SimConfig, LOG_TAIL};
pub use world::Stats;
