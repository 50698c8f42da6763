//! What an election rule asks the core to do, in order: state changes, config flushes,
//! events and log lines. Every event and log line of the election is at redis' warning
//! level (`#` in the log), so events also run the master's notification script.

/// Whose `%@` prefix starts an event's message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    /// No prefix: the text is the whole message (`+new-epoch 5`,
    /// `+vote-for-leader <runid> 5`). The event still belongs to the master.
    None,
    /// `master <name> <ip> <port>` of the master the call was about.
    Master,
}

/// An event about the master the call was about: published on channel `kind`, logged
/// as `<kind> <message>` at warning level.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Event type and pub/sub channel, e.g. `+vote-for-leader`.
    pub kind: &'static str,
    /// Whose `%@` prefix starts the message.
    pub subject: Subject,
    /// What follows the prefix, without the separating space.
    pub text: String,
}

impl Event {
    /// The full message, given the core's rendering of the master's `%@` prefix
    /// (ignored for [`Subject::None`]).
    pub fn message(&self, prefix: &str) -> String {
        match (self.subject, self.text.is_empty()) {
            (Subject::None, _) => self.text.clone(),
            (Subject::Master, true) => prefix.to_string(),
            (Subject::Master, false) => format!("{prefix} {}", self.text),
        }
    }

    pub(crate) fn plain(kind: &'static str, text: String) -> Step {
        Step::Event(Event {
            kind,
            subject: Subject::None,
            text,
        })
    }

    pub(crate) fn master(kind: &'static str) -> Step {
        Step::Event(Event {
            kind,
            subject: Subject::Master,
            text: String::new(),
        })
    }
}

/// One thing the core must do, in the order given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// The Sentinel-wide current epoch becomes this value.
    SetCurrentEpoch(u64),
    /// Our vote for this master becomes `leader` in `epoch` (`leader`, `leader_epoch`).
    SetVote {
        /// The run id voted for, as requested (case kept).
        leader: String,
        /// The epoch of the vote.
        epoch: u64,
    },
    /// Rewrite the config file now (`sentinelFlushConfig`, which logs its own line).
    FlushConfig,
    /// Publish and log this event (warning level: the notification script runs too).
    Event(Event),
    /// Log this line at warning level.
    Log(String),
    /// Log `Next failover delay: I will not start a failover before <ctime>` at warning
    /// level, the time being `not_before_secs` (Unix seconds) in local time: render it
    /// with [`crate::next_failover_delay_text`] and the local UTC offset at that instant.
    NextFailoverDelay {
        /// `(failover_start_time + 2 * failover_timeout) / 1000`.
        not_before_secs: i64,
    },
    /// `failover_start_time` becomes this (a vote for another Sentinel delays our own
    /// next attempt).
    SetFailoverStartTime(u64),
    /// `failover_delay_logged` becomes this, so the delay line is not logged again for
    /// the same attempt.
    SetFailoverDelayLogged(u64),
    /// `sentinelStartFailover`: failover state `wait_start`, flag
    /// `failover_in_progress`, `failover_epoch`, `failover_start_time` and
    /// `failover_state_change_time` as given (the failover crate's `Failover::start`).
    StartFailover {
        /// The new epoch, also the new current epoch (a `SetCurrentEpoch` precedes).
        epoch: u64,
        /// `now + desync`: the election timeout counts from here.
        start_time: u64,
        /// `failover_state_change_time` (now).
        changed_at: u64,
    },
    /// `sentinelAbortFailover`: back to no failover (the failover crate's
    /// `Failover::abort`: flags `failover_in_progress` and `force_failover` cleared,
    /// state change time now, promoted replica forgotten).
    AbortFailover,
    /// We were elected in this epoch, later than the one the attempt started in: it
    /// becomes the failover epoch (and so the new master's config epoch).
    SetFailoverEpoch(u64),
    /// We won (or the failover is forced): the failover crate's `Failover::elected`
    /// moves to `select_slave` at `changed_at` and emits
    /// `+failover-state-select-slave`.
    SelectSlave {
        /// `failover_state_change_time` (now).
        changed_at: u64,
    },
    /// `SENTINEL SIMULATE-FAILURE crash-after-election`: exit the process with
    /// [`crate::CRASH_EXIT_CODE`] now (a [`Step::Log`] of [`crate::CRASH_LOG`] precedes).
    Crash,
}
