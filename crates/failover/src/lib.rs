//! The Sentinel failover once the election is won, with the exact rules, timeouts and
//! event texts of redis 7.0.15: replica selection, `SLAVEOF NO ONE` to the chosen
//! replica, waiting for its promotion, reconfiguring the other replicas
//! `parallel-syncs` at a time, the end of the failover (or its timeout) and the switch
//! of the master's address; aborts before the promotion is seen.
//!
//! Pure and leaf: no I/O, clock or randomness (times are `now_ms: u64`), no dependency
//! on the core. The core keeps one [`Failover`] per master and, for each call, builds a
//! [`MasterView`] of the master and its replicas from its tables; each call returns
//! [`Step`]s to apply in order (events, replica flag changes, `SLAVEOF` transactions,
//! the config epoch and flush, the client reconfiguration script, the switch).
//!
//! How the core drives it, as redis does:
//! 1. the election (another crate) starts the failover (`state = WaitStart`, epoch,
//!    start time, `forced`) and, once won, emits `+elected-leader` and calls
//!    [`Failover::elected`]; when it gives up it emits `-failover-abort-not-elected`
//!    and calls [`Failover::abort`];
//! 2. each timer run outside TILT, for each master: [`Failover::tick`] (unless the
//!    election's wait-start step ran for it in this run);
//! 3. after the timer run handled every master: [`Failover::switch_to_promoted`] for
//!    the (last) master in `update_config`, whose `SwitchMaster` step resets the
//!    master ([`Failover::reset`]) at its new address;
//! 4. each replica INFO outside TILT: [`Failover::on_replica_info`];
//! 5. clients asking for the master's address get the promoted replica's from
//!    `reconf_slaves` on ([`Failover::current_master_replica`]).

#![warn(missing_docs)]

pub mod info;
pub mod machine;
pub mod select;
pub mod state;
pub mod step;
pub mod view;

pub use info::{InfoSeen, Role};
pub use select::{
    compare_for_promotion, exclusion, max_master_down_time, select_replica, Exclusion,
};
pub use state::{Failover, State};
pub use step::{slave_of_commands, Event, Level, ScriptArgs, SlaveOfTarget, Step, Subject};
pub use view::{AddrView, MasterView, ReplicaFlags, ReplicaView, Settings};

#[cfg(test)]
mod tests;
