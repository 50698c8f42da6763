//! The failover state of one master: which step of the failover it is in, since when,
//! in which epoch, and which replica is being promoted. This is what redis keeps in the
//! master's `failover_*` fields, `promoted_slave` and the `FAILOVER_IN_PROGRESS` /
//! `FORCE_FAILOVER` flags; the core stores one [`Failover`] per master.

use crate::flags::ReplicaFlags;
use crate::step::{flags, Step};

/// Failover states in redis' order (`SENTINEL_FAILOVER_STATE_*`); a failover only moves
/// forward through them, or aborts back to `None` before the promotion is seen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum State {
    /// No failover.
    #[default]
    None,
    /// Started (ODOWN or `SENTINEL FAILOVER`), waiting to win the election.
    WaitStart,
    /// Elected: choose the replica to promote on the next timer run.
    SelectSlave,
    /// Send `SLAVEOF NO ONE` to the chosen replica (retried while it is disconnected).
    SendSlaveofNoone,
    /// Wait for its INFO to report `role:master`.
    WaitPromotion,
    /// Promoted: point the other replicas at it, `parallel-syncs` at a time.
    ReconfSlaves,
    /// Done: switch the master's address to the promoted replica.
    UpdateConfig,
}

impl State {
    /// The name `SENTINEL MASTER` shows as `failover-state` (`sentinelFailoverStateStr`).
    pub fn as_str(self) -> &'static str {
        match self {
            State::None => "none",
            State::WaitStart => "wait_start",
            State::SelectSlave => "select_slave",
            State::SendSlaveofNoone => "send_slaveof_noone",
            State::WaitPromotion => "wait_promotion",
            State::ReconfSlaves => "reconf_slaves",
            State::UpdateConfig => "update_config",
        }
    }
}

/// One master's failover: the only copy of it. The fields are read through accessors
/// and changed only by the methods below (and the timer and INFO handlers of
/// [`crate::machine`] and [`crate::info`]), each one of redis' transitions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Failover {
    /// Current state; `None` means no failover in progress.
    pub(crate) state: State,
    /// When `state` last changed (`failover_state_change_time`); timeouts count from it.
    pub(crate) state_change_time: u64,
    /// `failover_start_time` (start plus the random desync): the election timeout and
    /// the delay before the next attempt count from it.
    pub(crate) start_time: u64,
    /// The epoch this failover was started (or won) in (`failover_epoch`); becomes the
    /// master's config epoch once the promotion is seen.
    pub(crate) epoch: u64,
    /// Started by `SENTINEL FAILOVER` (`SRI_FORCE_FAILOVER`): no election needed.
    pub(crate) forced: bool,
    /// The replica chosen for promotion (`promoted_slave`), by name.
    pub(crate) promoted: Option<String>,
    /// The start time whose "next failover delay" line was logged
    /// (`failover_delay_logged`), so it is logged once per attempt.
    pub(crate) delay_logged: u64,
}

impl Failover {
    /// Current state (`failover-state` in `SENTINEL MASTER`).
    pub fn state(&self) -> State {
        self.state
    }

    /// When the state last changed.
    pub fn state_change_time(&self) -> u64 {
        self.state_change_time
    }

    /// When the current (or last) attempt started, desync included.
    pub fn start_time(&self) -> u64 {
        self.start_time
    }

    /// The failover epoch.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// Whether `SENTINEL FAILOVER` forced this failover (`force_failover` flag).
    pub fn forced(&self) -> bool {
        self.forced
    }

    /// The replica chosen for promotion, by name.
    pub fn promoted(&self) -> Option<&str> {
        self.promoted.as_deref()
    }

    /// The start time whose retry delay was last logged.
    pub fn delay_logged(&self) -> u64 {
        self.delay_logged
    }

    /// Whether a failover is in progress (`SRI_FAILOVER_IN_PROGRESS`): exactly when the
    /// state is not `None`, since start sets both and abort and reset clear both.
    pub fn in_progress(&self) -> bool {
        self.state != State::None
    }

    /// The replica whose address clients must now be given instead of the master's
    /// (`sentinelGetCurrentMasterAddress`): the promoted one once it acknowledged the
    /// promotion, i.e. from `reconf_slaves` on, when the new config epoch is ours.
    pub fn current_master_replica(&self) -> Option<&str> {
        if self.in_progress() && self.state >= State::ReconfSlaves {
            self.promoted.as_deref()
        } else {
            None
        }
    }

    /// `sentinelStartFailover`'s part: a new attempt in `epoch`, waiting for the
    /// election (`wait_start`) from `start_time` (now plus the desync); the state
    /// changed at `now_ms`.
    pub fn start(&mut self, epoch: u64, start_time: u64, now_ms: u64) {
        self.epoch = epoch;
        self.start_time = start_time;
        self.set_state(State::WaitStart, now_ms);
    }

    /// `SENTINEL FAILOVER` started this attempt: it needs no election.
    pub fn force(&mut self) {
        self.forced = true;
    }

    /// The start time becomes `start_time`: a vote for another Sentinel holds our next
    /// attempt back by as much as a start of our own would (and restarts the election
    /// timeout of an attempt waiting for its election).
    pub fn restart_clock(&mut self, start_time: u64) {
        self.start_time = start_time;
    }

    /// The "next failover delay" line was logged for the attempt that started at
    /// `start_time`.
    pub fn note_delay_logged(&mut self, start_time: u64) {
        self.delay_logged = start_time;
    }

    /// We were elected in `epoch`, later than the one the attempt started in (another
    /// master's election moved the current epoch on): the failover goes on under it,
    /// the epoch in which we are the only leader.
    pub fn elected_in_epoch(&mut self, epoch: u64) {
        self.epoch = epoch;
    }

    /// The election was won (or the failover is forced): move to `select_slave`, which
    /// the next timer run carries out. The caller has emitted `+elected-leader` (and
    /// handled the crash-after-election hook) just before, as redis does.
    pub fn elected(&mut self, now_ms: u64) -> Vec<Step> {
        self.set_state(State::SelectSlave, now_ms);
        vec![crate::step::event(
            crate::step::Level::Warning,
            "+failover-state-select-slave",
            crate::step::Subject::Master,
        )]
    }

    /// `sentinelAbortFailover`: back to no failover, the force flag cleared, the
    /// promoted replica (if any) no longer flagged. Only valid up to `wait_promotion`:
    /// once the promotion is seen a failover can only end. The caller emits the
    /// `-failover-abort-*` event first; the machine does so for its own aborts.
    pub fn abort(&mut self, now_ms: u64) -> Vec<Step> {
        let mut out = Vec::new();
        if self.state > State::WaitPromotion {
            return out;
        }
        self.state = State::None;
        self.state_change_time = now_ms;
        self.forced = false;
        if let Some(name) = self.promoted.take() {
            out.push(flags(&name, ReplicaFlags::empty(), ReplicaFlags::PROMOTED));
        }
        out
    }

    /// `sentinelResetMaster`'s part: no failover, retry allowed at once (start time 0).
    /// The replicas are discarded by the reset, so their flags need no step. The
    /// failover epoch and the logged delay are kept, as redis keeps them.
    pub fn reset(&mut self) {
        self.state = State::None;
        self.state_change_time = 0;
        self.start_time = 0;
        self.forced = false;
        self.promoted = None;
    }

    pub(crate) fn set_state(&mut self, state: State, now_ms: u64) {
        self.state = state;
        self.state_change_time = now_ms;
    }
}
