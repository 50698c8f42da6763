//! A monitored master: its own instance state, its configuration (quorum, timeouts,
//! scripts, auth, renamed commands), its replicas and the other Sentinels watching it,
//! our vote for it, and its failover (owned by the failover crate's [`Failover`]).

use crate::addr::Addr;
use crate::arena::{Arena, Key};
use crate::instance::{InstKey, Instance};
use rsentinel_failover::Failover;

/// Failover state machine states (`SENTINEL_FAILOVER_STATE_*`), as the failover crate
/// defines them.
pub use rsentinel_failover::State as FailoverState;

/// Names a master in the master table for as long as it is monitored.
pub type MasterKey = Key<Master>;

/// One monitored master.
#[derive(Clone, Debug, PartialEq)]
pub struct Master {
    pub inst: Instance,
    pub quorum: u32,
    pub parallel_syncs: u32,
    pub failover_timeout_ms: u64,
    /// Credentials for the master and its replicas, bytes as given.
    pub auth_pass: Option<Vec<u8>>,
    pub auth_user: Option<Vec<u8>>,
    pub notification_script: Option<String>,
    pub client_reconfig_script: Option<String>,
    /// Renamed commands (case-insensitive source name), in insertion order.
    pub renamed_commands: Vec<(String, String)>,
    /// Replicas named by their announced `ip:port`, in discovery order. Emptied with
    /// [`Arena::drain`], never replaced by a new arena: a new arena would hand the keys
    /// of the replicas forgotten to new ones.
    pub replicas: Arena<Instance>,
    /// Other Sentinels named by run id, in discovery order; emptied like `replicas`.
    pub sentinels: Arena<Instance>,
    /// Run id we voted for as failover leader, and in which epoch.
    pub leader: Option<String>,
    pub leader_epoch: u64,
    /// The failover of this master (state, epoch, start time, forced flag, promoted
    /// replica): the only copy, changed only through its methods.
    pub failover: Failover,
    /// Fast mode: ODOWN was seen and our attempt may start at this time (a random
    /// moment in the next fast mode's start jitter, so Sentinels that saw ODOWN
    /// together do not split the vote); 0 when not waiting.
    pub fast_start_at: u64,
    /// Fast mode: the next attempt may not start before this time (a lost or aborted
    /// attempt, or a vote for another Sentinel); 0 when free.
    pub fast_retry_at: u64,
    /// Replication IDs this master's data is known under, most recent last: the
    /// master's own (`master_replid`, `master_replid2`) and those of replicas seen
    /// linked to it. A replica holding none of them follows another master or was
    /// wiped, and is not promoted in fast mode.
    pub histories: Vec<String>,
    /// Fast mode: a planned switchover holding writes on this master.
    pub switchover: Option<crate::switchover::Switchover>,
}

impl Master {
    pub fn new(inst: Instance, quorum: u32, failover_timeout_ms: u64) -> Master {
        Master {
            inst,
            quorum,
            parallel_syncs: rsentinel_config::DEFAULT_PARALLEL_SYNCS,
            failover_timeout_ms,
            auth_pass: None,
            auth_user: None,
            notification_script: None,
            client_reconfig_script: None,
            renamed_commands: Vec::new(),
            replicas: Arena::default(),
            sentinels: Arena::default(),
            leader: None,
            leader_epoch: 0,
            failover: Failover::default(),
            fast_start_at: 0,
            fast_retry_at: 0,
            histories: Vec::new(),
            switchover: None,
        }
    }

    pub fn name(&self) -> &str {
        &self.inst.name
    }

    pub fn replica(&self, name: &str) -> Option<&Instance> {
        self.replicas.values().find(|r| r.name == name)
    }

    /// The key of the replica named `name` (`ip:port`).
    pub fn replica_key(&self, name: &str) -> Option<InstKey> {
        self.replicas.find_key(|r| r.name == name)
    }

    /// The key of the Sentinel named `name` (its run id).
    pub fn sentinel_key(&self, name: &str) -> Option<InstKey> {
        self.sentinels.find_key(|s| s.name == name)
    }

    /// The address clients should use: the promoted replica's once the failover reached
    /// reconf-slaves (`sentinelGetCurrentMasterAddress`).
    pub fn current_addr(&self) -> &Addr {
        // Once a hello brought a newer configuration than our failover's own (a config
        // epoch above the failover epoch), the promoted replica is no longer the master
        // of record: pairing its address with that newer epoch, in hellos or in the
        // saved file, made two configurations with one epoch that never converged
        // (simulation seeds 12005354 and 12027500). redis pairs them.
        let superseded = self.inst.config_epoch > self.failover.epoch();
        match (!superseded)
            .then(|| self.failover.current_master_replica())
            .flatten()
            .and_then(|n| self.replica(n))
        {
            Some(p) => &p.addr,
            None => &self.inst.addr,
        }
    }

    /// Replace or add a command renaming, as `SENTINEL SET rename-command`: any older
    /// renaming of `from` goes; a renaming to itself is not stored.
    pub fn rename_command(&mut self, from: &str, to: &str) {
        self.renamed_commands
            .retain(|(f, _)| !f.eq_ignore_ascii_case(from));
        if !from.eq_ignore_ascii_case(to) {
            self.renamed_commands
                .push((from.to_string(), to.to_string()));
        }
    }

    /// The name to send for `command` to this master or its replicas.
    pub fn map_command<'a>(&'a self, command: &'a str) -> &'a str {
        self.renamed_commands
            .iter()
            .find(|(f, _)| f.eq_ignore_ascii_case(command))
            .map_or(command, |(_, t)| t.as_str())
    }

    /// Set `down-after-milliseconds` here and on every replica and Sentinel.
    pub fn set_down_after(&mut self, ms: u64) {
        self.inst.down_after_ms = ms;
        for i in self
            .replicas
            .values_mut()
            .chain(self.sentinels.values_mut())
        {
            i.down_after_ms = ms;
        }
    }
}

/// Which instance of the table: a master, or a replica/Sentinel of a master, by keys.
/// Kept across changes of the table (a pending reply keeps one), it finds its instance
/// or nothing: never another instance that took its place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InstRef {
    Master(MasterKey),
    Replica(MasterKey, InstKey),
    Sentinel(MasterKey, InstKey),
}

impl InstRef {
    /// The master the instance is, or belongs to.
    pub fn master(self) -> MasterKey {
        match self {
            InstRef::Master(m) | InstRef::Replica(m, _) | InstRef::Sentinel(m, _) => m,
        }
    }
}
