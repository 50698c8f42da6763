//! A replica's failover flags: where the failover stands with each replica. The core
//! stores them on its replicas and changes them only as [`crate::Step::Flags`] says.

/// Replica flags the failover reads and changes (redis' `SRI_*` bits of the same names).
/// The core keeps them on its replicas (they show in `SENTINEL REPLICAS` as
/// `s_down`, `promoted`, `reconf_sent`, ...) and applies [`crate::Step::Flags`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ReplicaFlags(u8);

impl ReplicaFlags {
    /// Subjectively down: never selected, never waited for.
    pub const S_DOWN: ReplicaFlags = ReplicaFlags(1);
    /// Objectively down (redis never sets it on replicas, but checks it).
    pub const O_DOWN: ReplicaFlags = ReplicaFlags(1 << 1);
    /// The replica chosen for promotion.
    pub const PROMOTED: ReplicaFlags = ReplicaFlags(1 << 2);
    /// `SLAVEOF <promoted>` sent, not yet seen following it.
    pub const RECONF_SENT: ReplicaFlags = ReplicaFlags(1 << 3);
    /// Seen following the promoted replica, link not yet up.
    pub const RECONF_INPROG: ReplicaFlags = ReplicaFlags(1 << 4);
    /// Reconfigured (or given up on after the reconfiguration timeout).
    pub const RECONF_DONE: ReplicaFlags = ReplicaFlags(1 << 5);

    /// No flag.
    pub const fn empty() -> ReplicaFlags {
        ReplicaFlags(0)
    }
    /// Whether every flag of `f` is set.
    pub const fn contains(self, f: ReplicaFlags) -> bool {
        self.0 & f.0 == f.0
    }
    /// Whether any flag of `f` is set.
    pub const fn intersects(self, f: ReplicaFlags) -> bool {
        self.0 & f.0 != 0
    }
    /// Set the flags of `f`.
    pub fn insert(&mut self, f: ReplicaFlags) {
        self.0 |= f.0;
    }
    /// Clear the flags of `f`.
    pub fn remove(&mut self, f: ReplicaFlags) {
        self.0 &= !f.0;
    }
    /// Whether no flag is set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl std::ops::BitOr for ReplicaFlags {
    type Output = ReplicaFlags;
    fn bitor(self, o: ReplicaFlags) -> ReplicaFlags {
        ReplicaFlags(self.0 | o.0)
    }
}
