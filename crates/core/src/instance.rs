//! One monitored instance (master, replica or other Sentinel) and its flags, as redis'
//! `sentinelRedisInstance` minus the master-only part (see `master.rs`).

use crate::addr::Addr;
use crate::link::LinkId;

/// Runtime flags (redis' `SRI_*` minus the role bits, which are [`Kind`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Flags(u32);

impl Flags {
    pub const S_DOWN: Flags = Flags(1 << 3);
    pub const O_DOWN: Flags = Flags(1 << 4);
    pub const MASTER_DOWN: Flags = Flags(1 << 5);
    pub const FAILOVER_IN_PROGRESS: Flags = Flags(1 << 6);
    pub const PROMOTED: Flags = Flags(1 << 7);
    pub const RECONF_SENT: Flags = Flags(1 << 8);
    pub const RECONF_INPROG: Flags = Flags(1 << 9);
    pub const RECONF_DONE: Flags = Flags(1 << 10);
    pub const FORCE_FAILOVER: Flags = Flags(1 << 11);
    pub const SCRIPT_KILL_SENT: Flags = Flags(1 << 12);
    pub const MASTER_REBOOT: Flags = Flags(1 << 13);

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

/// What kind of instance this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Master,
    Replica,
    Sentinel,
}

impl Kind {
    /// The type word used in events and flags (`sentinelRedisInstanceTypeStr`).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Master => "master",
            Kind::Replica => "slave",
            Kind::Sentinel => "sentinel",
        }
    }
}

/// The role an instance reports in INFO.
/// The role an instance reports in INFO (redis 7.0: `role:master` / `role:slave`).
pub use rsentinel_monitor::Role;

/// Default replica priority until INFO says otherwise.
pub const DEFAULT_REPLICA_PRIORITY: i64 = 100;

/// State common to every instance. Times are wall-clock ms, 0 = never.
#[derive(Clone, Debug, PartialEq)]
pub struct Instance {
    pub kind: Kind,
    /// Master name, `ip:port` for replicas, the run id for Sentinels.
    pub name: String,
    pub addr: Addr,
    pub runid: Option<String>,
    pub flags: Flags,
    pub link: LinkId,
    pub config_epoch: u64,
    pub last_pub_time: u64,
    /// Sentinels only: last hello received from it.
    pub last_hello_time: u64,
    pub last_master_down_reply_time: u64,
    pub s_down_since_time: u64,
    pub o_down_since_time: u64,
    pub down_after_ms: u64,
    pub master_reboot_down_after_ms: u64,
    pub master_reboot_since_time: u64,
    /// Time of the last INFO reply (0 = never).
    pub info_refresh: u64,
    /// `None` after an INFO without a role line, which redis shows as "slave" but never
    /// treats as one.
    pub role_reported: Option<Role>,
    pub role_reported_time: u64,
    pub slave_conf_change_time: u64,
    /// Cached INFO output.
    pub info: Option<String>,
    // Replica specific.
    pub master_link_down_time: u64,
    pub slave_priority: i64,
    pub replica_announced: bool,
    pub slave_reconf_sent_time: u64,
    pub slave_master_host: Option<String>,
    pub slave_master_port: i64,
    pub slave_master_link_up: bool,
    pub slave_repl_offset: u64,
    /// Sentinels: whom this Sentinel voted for; masters use their own field.
    pub leader: Option<String>,
    pub leader_epoch: u64,
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
            runid: None,
            flags: Flags::empty(),
            link,
            config_epoch: 0,
            last_pub_time: now_ms,
            last_hello_time: now_ms,
            last_master_down_reply_time: now_ms,
            s_down_since_time: 0,
            o_down_since_time: 0,
            down_after_ms,
            master_reboot_down_after_ms: 0,
            master_reboot_since_time: 0,
            info_refresh: 0,
            role_reported: match kind {
                Kind::Master => Some(Role::Master),
                Kind::Replica => Some(Role::Replica),
                Kind::Sentinel => None,
            },
            role_reported_time: now_ms,
            slave_conf_change_time: now_ms,
            info: None,
            master_link_down_time: 0,
            slave_priority: DEFAULT_REPLICA_PRIORITY,
            replica_announced: true,
            slave_reconf_sent_time: 0,
            slave_master_host: None,
            slave_master_port: 0,
            slave_master_link_up: false,
            slave_repl_offset: 0,
            leader: None,
            leader_epoch: 0,
        }
    }
}
