//! Zero-loss planned switchover (fast mode, `SENTINEL FAILOVER` on a reachable master).
//!
//! redis promotes the chosen replica while the old master still takes writes, and
//! demotes the old master only once it is seen again as a replica, seconds later: every
//! write acknowledged by the old master in between is lost. Here, before `SLAVEOF NO
//! ONE`:
//! 1. the old master gets `CLIENT PAUSE <PAUSE_MS> WRITE` and then INFO: its
//!    `master_repl_offset` after the pause is the last write any client saw acknowledged;
//! 2. the chosen replica is polled every [`POLL_MS`] until its `slave_repl_offset`
//!    reaches that offset; then it is promoted;
//! 3. once the promotion is seen, the old master is made a replica of the new one (the
//!    SLAVEOF transaction also disconnects its clients) and then `CLIENT UNPAUSE`d.
//!
//! Clients writing to the old master wait during the pause (reads go on), then are
//! disconnected and find the new master. The pause ends at the latest after
//! [`PAUSE_MS`] (redis lifts it by itself). If the pause is refused, or the replica does
//! not catch up within [`CATCHUP_MS`], the master is unpaused and the failover goes on
//! as redis' does, with a log line saying so.

/// `CLIENT PAUSE` timeout: the longest write pause a client can see.
pub const PAUSE_MS: u64 = 2000;
/// How long the chosen replica may take to reach the master's offset.
pub const CATCHUP_MS: u64 = 500;
/// Offset poll period of the chosen replica.
pub const POLL_MS: u64 = 10;

/// Which reply of the switchover a pending command waits for.
pub use crate::conn::SwitchoverReply;

/// One planned switchover in progress for a master.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Switchover {
    /// The replica being promoted (the failover's promoted replica).
    pub replica: String,
    /// When the pause was asked.
    pub started: u64,
    /// The pause was acknowledged.
    pub paused: bool,
    /// The old master's replication offset once paused.
    pub master_offset: Option<u64>,
    /// The replica reached it: promote now.
    pub caught_up: bool,
    /// `SLAVEOF NO ONE` went out; waiting for the promotion to demote and unpause.
    pub promoting: bool,
    /// Last offset poll of the replica.
    pub last_poll: u64,
}

impl Switchover {
    /// When the switchover next needs the timer.
    pub(crate) fn next_deadline(&self, now: u64) -> u64 {
        if self.promoting {
            self.started + PAUSE_MS
        } else {
            (self.last_poll + POLL_MS)
                .max(now + 1)
                .min(self.started + CATCHUP_MS + 1)
        }
    }
}
