//! Leader election for a failover, with the exact rules and event texts of redis
//! 7.0.15's Sentinel: epochs (`current_epoch`, a master's `leader_epoch`), one vote per
//! epoch, the vote part of `SENTINEL is-master-down-by-addr`, the leader tally
//! (a majority of all known Sentinels and at least the quorum), when a failover attempt
//! starts and is retried, and the `wait_start` step that turns an election into a
//! failover or aborts it.
//!
//! Pure and leaf: std only, no clock or randomness (time is `now_ms`, the random
//! desynchronising delay is [`Me::desync_ms`]), no dependency on the core. The core
//! builds a [`Me`] and a [`MasterView`] from its state, calls one of the functions and
//! applies the returned [`Step`]s in order, like the gossip crate's steps. Every state
//! change is a step, so the core's own fields stay the single source of truth.
//!
//! How the core composes it, per master, on every timer run outside TILT (redis'
//! `sentinelHandleRedisInstance` for a master):
//! 1. after the ODOWN check, [`start_failover_if_needed`]; if it started a failover,
//!    ask the other Sentinels now (forced), with [`request_runid`] as the run id;
//! 2. if the failover state is `wait_start`, [`wait_start`]; later states belong to the
//!    failover state machine;
//! 3. `SENTINEL is-master-down-by-addr` from a peer: [`answer_vote_request`];
//! 4. `SENTINEL FAILOVER`: [`start_failover`], then set the forced flag.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod ctime;
mod start;
mod step;
mod tally;
mod view;
mod vote;
mod wait_start;

pub use ctime::{ctime, next_failover_delay_text};
pub use start::{start_failover, start_failover_if_needed, Start};
pub use step::{Event, Step, Subject};
pub use tally::{get_leader, Tally};
pub use view::{MasterView, Me, PeerVote};
pub use vote::{answer_vote_request, request_runid, vote_leader, VoteReply, Voted};
pub use wait_start::{wait_start, CRASH_EXIT_CODE, CRASH_LOG};

/// Upper bound (exclusive) of the random delay added to failover start times
/// (`SENTINEL_MAX_DESYNC`), so Sentinels that see ODOWN together do not all ask for
/// votes at the same instant. The caller draws [`Me::desync_ms`] in `0..MAX_DESYNC_MS`.
pub const MAX_DESYNC_MS: u64 = 1000;

/// Default longest wait for an election before giving up (`SENTINEL_ELECTION_TIMEOUT`,
/// changeable with `SENTINEL DEBUG election-timeout`); the failover timeout caps it.
pub const ELECTION_TIMEOUT_MS: u64 = 10_000;

#[cfg(test)]
mod tests;
