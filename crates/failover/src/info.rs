//! What a replica's INFO reply means for the failover (the failover part of redis
//! 7.0.15's `sentinelRefreshInstanceInfo`): the promoted replica reporting
//! `role:master` completes the promotion, and replicas being reconfigured move from
//! "sent" to "in progress" (they name the promoted replica as their master) to "done"
//! (their link to it is up).
//!
//! The core calls [`Failover::on_replica_info`] after applying the INFO to the replica
//! and after its own `+convert-to-slave` / `+fix-slave-config` checks, and not in TILT.
//! `+convert-to-slave` never applies to the promoted replica, so the two cannot both act.

use crate::flags::ReplicaFlags;
use crate::state::{Failover, State};
use crate::step::{event, flags, Level, ScriptArgs, Step, Subject};
use crate::view::{MasterView, Settings};

/// The role line of an INFO reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// `role:master`.
    Master,
    /// `role:slave`.
    Replica,
}

/// What the core read from one replica's INFO, already applied to its table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InfoSeen {
    /// The reported role; `None` when the reply had no role line (nothing happens).
    pub role: Option<Role>,
    /// `master_host` names the promoted replica (resolved and compared as
    /// `sentinelAddrEqualsHostname` does) and `master_port` is its port.
    pub follows_promoted: bool,
    /// `master_link_status:up`.
    pub master_link_up: bool,
}

impl Failover {
    /// Apply an INFO reply from the replica named `replica` of this master.
    pub fn on_replica_info(
        &mut self,
        master: &MasterView<'_>,
        replica: &str,
        seen: &InfoSeen,
        settings: &Settings,
        now_ms: u64,
    ) -> Vec<Step> {
        let mut out = Vec::new();
        let Some(r) = master.replica(replica) else {
            return out;
        };
        match seen.role {
            Some(Role::Master)
                if r.flags.contains(ReplicaFlags::PROMOTED)
                    && self.state == State::WaitPromotion =>
            {
                self.promotion_seen(master, replica, settings, now_ms, &mut out);
            }
            Some(Role::Master) => {}
            Some(Role::Replica) => {
                let mut f = r.flags;
                if f.contains(ReplicaFlags::RECONF_SENT) && seen.follows_promoted {
                    out.push(flags(
                        replica,
                        ReplicaFlags::RECONF_INPROG,
                        ReplicaFlags::RECONF_SENT,
                    ));
                    out.push(event(
                        Level::Notice,
                        "+slave-reconf-inprog",
                        Subject::Replica(replica.to_string()),
                    ));
                    f.remove(ReplicaFlags::RECONF_SENT);
                    f.insert(ReplicaFlags::RECONF_INPROG);
                }
                if f.contains(ReplicaFlags::RECONF_INPROG) && seen.master_link_up {
                    out.push(flags(
                        replica,
                        ReplicaFlags::RECONF_DONE,
                        ReplicaFlags::RECONF_INPROG,
                    ));
                    out.push(event(
                        Level::Notice,
                        "+slave-reconf-done",
                        Subject::Replica(replica.to_string()),
                    ));
                }
            }
            None => {}
        }
        out
    }

    /// The promoted replica is a master now: our epoch becomes the master's config
    /// epoch (so other Sentinels adopt the new configuration from our hellos), saved
    /// before anything is announced; then the reconfiguration starts, the client script
    /// is told, and hellos go out at once.
    fn promotion_seen(
        &mut self,
        master: &MasterView<'_>,
        replica: &str,
        settings: &Settings,
        now_ms: u64,
        out: &mut Vec<Step>,
    ) {
        let Some(r) = master.replica(replica) else {
            return;
        };
        out.push(Step::SetConfigEpoch(self.epoch));
        self.set_state(State::ReconfSlaves, now_ms);
        out.push(Step::FlushConfig);
        out.push(event(
            Level::Warning,
            "+promoted-slave",
            Subject::Replica(replica.to_string()),
        ));
        if settings.crash_after_promotion {
            out.push(Step::SimulatedCrash);
        }
        out.push(event(
            Level::Warning,
            "+failover-state-reconf-slaves",
            Subject::Master,
        ));
        out.push(Step::ClientReconfigScript(ScriptArgs {
            master: master.name.to_string(),
            role: "leader",
            state: "start",
            from: (master.addr.host.to_string(), master.addr.port),
            to: (r.addr.host.to_string(), r.addr.port),
        }));
        out.push(Step::ForceHello);
    }
}
