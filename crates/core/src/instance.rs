//! One monitored instance (master, replica or other Sentinel) and its flags, as redis'
//! `sentinelRedisInstance` minus the master-only part (see `master.rs`).

use crate::addr::Addr;
pub use crate::kind::Kind;
use crate::link_id::LinkId;
use rsentinel_failover::ReplicaFlags;
use rsentinel_monitor::{PeerDownState, ReportedState};

/// Runtime flags (redis' `SRI_*` minus the role bits, which are [`Kind`], minus
/// `SRI_MASTER_DOWN` / `SRI_MASTER_REBOOT`, which live in the monitor crate's
/// [`PeerDownState`] and [`ReportedState`], and minus the failover's flags: a master's
/// `SRI_FAILOVER_IN_PROGRESS` / `SRI_FORCE_FAILOVER` are its
/// [`rsentinel_failover::Failover`]'s, a replica's `SRI_PROMOTED` / `SRI_RECONF_*` are
/// its [`Instance::failover_flags`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Flags(u32);

impl Flags {
    pub const S_DOWN: Flags = Flags(1 << 3);
    pub const O_DOWN: Flags = Flags(1 << 4);
    pub const SCRIPT_KILL_SENT: Flags = Flags(1 << 12);

    pub fn empty() -> Flags {
        Flags(0)
    }
    pub fn contains(self, f: Flags) -> bool {
        self.0 & f.0 == f.0
    }
    pub fn intersects(self, f: Flags) -> bool {
        self.0 & f.0 != 0
    }
    pub fn insert(&mut self, f: Flags) {
        self.0 |= f.0;
    }
    pub fn remove(&mut self, f: Flags) {
        self.0 &= !f.0;
    }
}

impl std::ops::BitOr for Flags {
    type Output = Flags;
    fn bitor(self, o: Flags) -> Flags {
        Flags(self.0 | o.0)
    }
}

/// The role an instance reports in INFO (redis 7.0: `role:master` / `role:slave`).
pub use rsentinel_monitor::Role;

/// Names a replica or another Sentinel in its master's list (see [`crate::Master`]):
/// replies, events and walks keep this, never a position, so an instance removed since
/// is found missing rather than mistaken for the one that took its place.
pub type InstKey = crate::arena::Key<Instance>;

/// State common to every instance. Times are wall-clock ms, 0 = never.
#[derive(Clone, Debug, PartialEq)]
pub struct Instance {
    pub kind: Kind,
    /// Master name, `ip:port` for replicas, the run id for Sentinels.
    pub name: String,
    pub addr: Addr,
    pub flags: Flags,
    /// Replicas only: where their master's failover stands with them (`promoted`,
    /// `reconf_sent`, `reconf_inprog`, `reconf_done`), changed only by the failover
    /// crate's steps. Never holds the down bits, which are in [`Instance::flags`].
    pub failover_flags: ReplicaFlags,
    pub link: LinkId,
    pub config_epoch: u64,
    pub last_pub_time: u64,
    /// Sentinels only: last hello received from it.
    pub last_hello_time: u64,
    pub s_down_since_time: u64,
    pub o_down_since_time: u64,
    pub down_after_ms: u64,
    pub master_reboot_down_after_ms: u64,
    /// What the instance told us about itself in INFO (run id, role, replication
    /// fields, the `SRI_MASTER_REBOOT` state), in redis' types; a Sentinel's run id,
    /// learned from its hellos, lives here too.
    pub reported: ReportedState,
    /// The last INFO reply, for `SENTINEL INFO-CACHE` (kept compact, see
    /// [`crate::info_text`]).
    pub info: Option<crate::info_text::InfoText>,
    /// `master_replid` of that reply: which data the instance holds, read when a
    /// failover picks a replica.
    pub replid: Option<Box<str>>,
    pub slave_reconf_sent_time: u64,
    /// Sentinels only: their last answer to `is-master-down-by-addr` about our master
    /// (the `master_down` flag and their vote).
    pub peer: PeerDownState,
    /// Fast mode: when INFO was last asked outside the periodic schedule (to see a
    /// promotion or a reconfiguration as soon as it happens); paces those polls.
    pub fast_info_sent: u64,
}

impl Instance {
    /// A fresh instance as `createSentinelRedisInstance` makes it.
    pub fn new(
        kind: Kind,
        name: String,
        addr: Addr,
        link: LinkId,
        down_after_ms: u64,
        now_ms: u64,
    ) -> Instance {
        Instance {
            kind,
            name,
            addr,
            flags: Flags::empty(),
            failover_flags: ReplicaFlags::empty(),
            link,
            config_epoch: 0,
            last_pub_time: now_ms,
            last_hello_time: now_ms,
            s_down_since_time: 0,
            o_down_since_time: 0,
            down_after_ms,
            master_reboot_down_after_ms: 0,
            reported: ReportedState::new(kind.monitor_kind(), now_ms),
            info: None,
            replid: None,
            slave_reconf_sent_time: 0,
            peer: PeerDownState::new(now_ms),
            fast_info_sent: 0,
        }
    }
}
