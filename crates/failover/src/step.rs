//! What a failover decision asks the core to do, in redis' order: events, flag changes,
//! `SLAVEOF` transactions, the config epoch and its flush, the client reconfiguration
//! script, the address switch. Applying the steps in order reproduces redis' log and
//! event order exactly.

use crate::flags::ReplicaFlags;

/// Log level of an event (redis' `LL_NOTICE` or `LL_WARNING`; warnings also run the
/// notification script).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// `*` in the log.
    Notice,
    /// `#` in the log; the master's notification script runs.
    Warning,
}

/// Whose `%@` prefix starts an event's message (rendered by the core, which knows the
/// instance types and addresses).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// `master <name> <ip> <port>`.
    Master,
    /// `slave <name> <ip> <port> @ <master> <ip> <port>` of the replica with this name.
    Replica(String),
    /// No prefix: the text is the whole message (`+switch-master`); the event still
    /// belongs to the master (its notification script runs).
    None,
}

/// An event: published on channel `kind`, logged as `<kind> <message>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Log level.
    pub level: Level,
    /// Event type and pub/sub channel, e.g. `+selected-slave`.
    pub kind: &'static str,
    /// Whose prefix the message starts with.
    pub subject: Subject,
    /// What follows the prefix (empty for every failover event but `+switch-master`).
    pub text: String,
}

impl Event {
    /// The full message given the core's rendering of the subject's `%@` prefix
    /// (ignored for [`Subject::None`]).
    pub fn message(&self, prefix: &str) -> String {
        match (&self.subject, self.text.is_empty()) {
            (Subject::None, _) => self.text.clone(),
            (_, true) => prefix.to_string(),
            (_, false) => format!("{prefix} {}", self.text),
        }
    }
}

/// What a replica is told to replicate from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SlaveOfTarget {
    /// `SLAVEOF NO ONE`: become a master.
    NoOne,
    /// `SLAVEOF <host> <port>` of the replica with this name (the promoted one), in its
    /// announced form.
    Replica(String),
}

/// Arguments of the client reconfiguration script: `<master> <role> <state> <from-ip>
/// <from-port> <to-ip> <to-port>` (announced forms).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptArgs {
    /// The master's name.
    pub master: String,
    /// `leader` here (observers run it from the hello path).
    pub role: &'static str,
    /// Always `start` in redis 7.0.
    pub state: &'static str,
    /// The old master's address.
    pub from: (String, u16),
    /// The promoted replica's address.
    pub to: (String, u16),
}

impl ScriptArgs {
    /// The argument vector after the script path.
    pub fn to_args(&self) -> Vec<String> {
        vec![
            self.master.clone(),
            self.role.to_string(),
            self.state.to_string(),
            self.from.0.clone(),
            self.from.1.to_string(),
            self.to.0.clone(),
            self.to.1.to_string(),
        ]
    }
}

/// One thing the core must do, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Publish and log this event (warnings also run the notification script).
    Event(Event),
    /// Change this replica's flags: set `set`, then clear `clear`.
    Flags {
        /// The replica's name.
        replica: String,
        /// Flags to set.
        set: ReplicaFlags,
        /// Flags to clear.
        clear: ReplicaFlags,
    },
    /// The replica's `slave_reconf_sent_time` becomes `at`.
    ReconfSentTime {
        /// The replica's name.
        replica: String,
        /// The time `SLAVEOF` was sent.
        at: u64,
    },
    /// Send the `SLAVEOF` transaction ([`slave_of_commands`]) on the replica's command
    /// connection. Replies are not checked: the effect shows in the next INFO.
    SlaveOf {
        /// The replica's name.
        replica: String,
        /// What it should replicate from.
        target: SlaveOfTarget,
    },
    /// The master's config epoch becomes the failover epoch: the new configuration now
    /// wins against the other Sentinels' older ones.
    SetConfigEpoch(u64),
    /// Rewrite the config file now (`sentinelFlushConfig`).
    FlushConfig,
    /// Run the master's client-reconfig-script, if it has one.
    ClientReconfigScript(ScriptArgs),
    /// Send hellos for this master soon (`sentinelForceHelloUpdateForMaster`): the
    /// master's `last_pub_time` goes back by publish-period + 1 if it is at least that,
    /// and every replica's and Sentinel's likewise, so the new epoch spreads at once.
    ForceHello,
    /// Log this line (not an event: nothing is published).
    Log {
        /// Log level.
        level: Level,
        /// The whole line.
        text: String,
    },
    /// `SENTINEL SIMULATE-FAILURE crash-after-promotion` is set: log "Sentinel CRASH
    /// because of SENTINEL simulate-failure" and exit with status 99.
    SimulatedCrash,
    /// `sentinelResetMasterAndChangeAddress` to the promoted replica's address (its
    /// hostname as stored), or to the master's own when `to` is `None`: keep the other
    /// replicas, add the old master as a replica (so it is reconfigured when it
    /// returns), reset the failover state, flush the config. If the address cannot be
    /// created the master stays as it is.
    SwitchMaster {
        /// The promoted replica's name.
        to: Option<String>,
    },
}

/// The `SLAVEOF` transaction as redis sends it (`sentinelSendSlaveOf`): `MULTI`,
/// `SLAVEOF <host> <port>` (or `NO ONE`), `CONFIG REWRITE`, `CLIENT KILL TYPE normal`,
/// `CLIENT KILL TYPE pubsub`, `EXEC`. The configuration survives a restart, and clients
/// reconnect and ask Sentinel again. The first word of each command is subject to the
/// master's `rename-command`, which the core applies.
pub fn slave_of_commands(target: Option<(&str, u16)>) -> Vec<Vec<String>> {
    let (host, port) = match target {
        Some((h, p)) => (h.to_string(), p.to_string()),
        None => ("NO".to_string(), "ONE".to_string()),
    };
    let words: [&[&str]; 6] = [
        &["MULTI"],
        &["SLAVEOF", &host, &port],
        &["CONFIG", "REWRITE"],
        &["CLIENT", "KILL", "TYPE", "normal"],
        &["CLIENT", "KILL", "TYPE", "pubsub"],
        &["EXEC"],
    ];
    words
        .iter()
        .map(|c| c.iter().map(|w| w.to_string()).collect())
        .collect()
}

/// Event constructors shared by the modules.
pub(crate) fn event(level: Level, kind: &'static str, subject: Subject) -> Step {
    Step::Event(Event {
        level,
        kind,
        subject,
        text: String::new(),
    })
}

/// Flag change shorthand.
pub(crate) fn flags(replica: &str, set: ReplicaFlags, clear: ReplicaFlags) -> Step {
    Step::Flags {
        replica: replica.to_string(),
        set,
        clear,
    }
}
