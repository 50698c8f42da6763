//! What the election rules read: this Sentinel ([`Me`]), one monitored master
//! ([`MasterView`]) and the votes the other Sentinels reported ([`PeerVote`]). All
//! borrowed from the core's tables, built per call.

/// This Sentinel and the moment of the call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Me<'a> {
    /// Our run id; votes for it (compared ignoring ASCII case, as `strcasecmp`) are
    /// votes for ourselves.
    pub myid: &'a str,
    /// The Sentinel-wide current epoch (one for all masters).
    pub current_epoch: u64,
    /// Now, in milliseconds (the core's clock; redis' `mstime()`).
    pub now_ms: u64,
    /// A random delay in `0..MAX_DESYNC_MS`, drawn by the caller (redis'
    /// `rand() % SENTINEL_MAX_DESYNC`). Used only by a step that moves
    /// `failover_start_time`; the caller may draw it on every call.
    pub desync_ms: u64,
    /// `SENTINEL DEBUG election-timeout` (default [`crate::ELECTION_TIMEOUT_MS`]).
    pub election_timeout_ms: u64,
    /// `SENTINEL SIMULATE-FAILURE crash-after-election` is set.
    pub crash_after_election: bool,
}

/// Another Sentinel's last reported vote for this master (from its answer to our
/// `is-master-down-by-addr`; cleared when its answers go stale).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PeerVote<'a> {
    /// The run id it voted for, if it reported one.
    pub leader: Option<&'a str>,
    /// The epoch of that vote.
    pub leader_epoch: u64,
}

/// One monitored master's election and failover-start state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MasterView<'a> {
    /// Whom we voted for (`leader`); `None` before any vote or after a reset, which
    /// keeps `leader_epoch`.
    pub leader: Option<&'a str>,
    /// Epoch of our vote (`leader_epoch`, persisted as `leader-epoch`).
    pub leader_epoch: u64,
    /// Every other Sentinel known for this master, in the core's order. Their number
    /// plus one (us) is the electorate, whether they are reachable or not.
    pub peers: Vec<PeerVote<'a>>,
    /// The configured quorum: a leader needs at least this many votes too.
    pub quorum: u32,
    /// The master is objectively down (`SRI_O_DOWN`).
    pub odown: bool,
    /// A failover is in progress (`SRI_FAILOVER_IN_PROGRESS`).
    pub failover_in_progress: bool,
    /// The failover was forced by `SENTINEL FAILOVER` (`SRI_FORCE_FAILOVER`): no
    /// election needed.
    pub forced: bool,
    /// Epoch of the failover in progress (`failover_epoch`).
    pub failover_epoch: u64,
    /// Start of the last failover attempt, or the time a vote for another Sentinel
    /// pushed it to (`failover_start_time`).
    pub failover_start_time: u64,
    /// The `failover_start_time` the "Next failover delay" line was logged for, so it
    /// is logged once per attempt.
    pub failover_delay_logged: u64,
    /// `failover-timeout` of this master, in milliseconds.
    pub failover_timeout: u64,
    /// When set, the next attempt may start at this time instead of twice the failover
    /// timeout after the last one: the core's fast mode retries a split vote or an
    /// aborted attempt after a randomised delay of about a second, as Raft does.
    pub retry_at: Option<u64>,
}
