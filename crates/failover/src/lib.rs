//! The Sentinel failover once the election is won, with the exact rules, timeouts and
//! event texts of redis 7.0.15: replica selection, `SLAVEOF NO ONE` to the chosen
//! replica, waiting for its promotion, reconfiguring the other replicas
//! `parallel-syncs` at a time, the end of the failover (or its timeout) and the switch
//! of the master's address; aborts before the promotion is seen.
//!
//! Pure and leaf: no I/O, clock or randomness (times are `now_ms: u64`), no dependency
//! on the core. The core keeps one [`Failover`] per master, the only copy of that
//! master's failover state, and changes it only through its methods. The replicas'
//! failover flags ([`ReplicaFlags`]) stay on the core's replicas. For each call the core
//! builds a [`MasterView`] of the master and its replicas from its tables; calls return
//! [`Step`]s to apply in order (events, log lines, replica flag changes, `SLAVEOF`
//! transactions, the config epoch and flush, the client reconfiguration script, the
//! switch).
//!
//! How the core drives it, as redis does:
//! 1. the election crate decides; the core applies its steps with
//!    [`Failover::start`] (a new attempt, `wait_start`), [`Failover::force`] (after a
//!    start by `SENTINEL FAILOVER`), [`Failover::restart_clock`] and
//!    [`Failover::note_delay_logged`] (the retry delay), [`Failover::elected_in_epoch`]
//!    and [`Failover::elected`] (won: `select_slave`, after `+elected-leader`), and
//!    [`Failover::abort`] (not elected, after `-failover-abort-not-elected`);
//! 2. each timer run outside TILT, for each master: [`Failover::tick`] (unless the
//!    election's wait-start step ran for it in this run);
//! 3. after the timer run handled every master: [`Failover::switch_to_promoted`] for
//!    the (last) master in `update_config`, whose `SwitchMaster` step resets the
//!    master ([`Failover::reset`]) at its new address; a failover superseded by a newer
//!    configuration ends there without switching;
//! 4. each replica INFO outside TILT: [`Failover::on_replica_info`];
//! 5. `SENTINEL RESET` and every address switch: [`Failover::reset`];
//! 6. clients asking for the master's address get the promoted replica's from
//!    `reconf_slaves` on ([`Failover::current_master_replica`]); `SENTINEL MASTER`
//!    shows [`Failover::state`], and the `failover_in_progress` and `force_failover`
//!    flags from [`Failover::in_progress`] and [`Failover::forced`].
//!
//! With `sentinel fast-failover yes` the core calls [`Failover::tick`] again at once
//! while the state changes, and [`Failover::switch_to_promoted`] as soon as
//! `update_config` is reached, instead of waiting for the next timer run.

#![warn(missing_docs)]

pub mod flags;
pub mod info;
pub mod machine;
pub mod select;
pub mod state;
pub mod step;
pub mod view;

pub use flags::ReplicaFlags;
pub use info::{InfoSeen, Role};
pub use select::{
    compare_for_promotion, exclusion, max_master_down_time, select_replica, Exclusion,
};
pub use state::{Failover, State};
pub use step::{slave_of_commands, Event, Level, ScriptArgs, SlaveOfTarget, Step, Subject};
pub use view::{AddrView, MasterView, ReplicaView, Settings};

#[cfg(test)]
mod tests;
