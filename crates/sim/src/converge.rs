//! How long a run takes to converge once the faults stop: the measurement behind the
//! settle time ([`crate::SimConfig::settle_ms`]) and the convergence figures in
//! docs/safety.md. A seed is run as usual up to its last fault action, then checked for
//! `converged` every second for [`HORIZON_MS`]; its convergence time is when the final
//! unbroken stretch of converged checks began, counted from the last fault action.
//! The checks only read the cores (`GET-MASTER-ADDR-BY-NAME` and their tables), so the
//! run itself is the one [`crate::run`] would simulate.

use crate::network::Time;
use crate::world::World;
use crate::SimConfig;

/// How long after the last fault a measured run goes on.
pub const HORIZON_MS: Time = 200_000;

/// Resolution of the measurement.
pub const STEP_MS: Time = 1_000;

/// What a measured run showed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Convergence {
    /// Converged this many ms after the last fault action, and stayed converged.
    After(u64),
    /// Still not converged [`HORIZON_MS`] after the last fault.
    Never,
    /// A safety invariant broke first (its name).
    Failed(&'static str),
}

/// Measures seed `seed` under `cfg` (its settle time is ignored).
pub fn measure(seed: u64, cfg: &SimConfig) -> Convergence {
    if cfg.validate().is_err() {
        return Convergence::Failed("sim-config");
    }
    let mut world = World::new(seed, cfg);
    let last = world.faults.iter().map(|f| f.at).max().unwrap_or(world.now);
    if let Err(v) = world.run_until(last) {
        return Convergence::Failed(v.invariant);
    }
    let mut since: Option<Time> = None;
    let mut t = last;
    while t <= last + HORIZON_MS {
        if let Err(v) = world.run_until(t) {
            return Convergence::Failed(v.invariant);
        }
        match world.converged() {
            Ok(()) => {
                since.get_or_insert(t);
            }
            Err(_) => since = None,
        }
        t += STEP_MS;
    }
    match since {
        Some(at) => Convergence::After(at - last),
        None => Convergence::Never,
    }
}
