//! The three kinds of instance a Sentinel tracks, and their names in events and flags.

use rsentinel_monitor::InstanceKind;

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

    /// The same kind as the monitor crate names it.
    pub fn monitor_kind(self) -> InstanceKind {
        match self {
            Kind::Master => InstanceKind::Master,
            Kind::Replica => InstanceKind::Replica,
            Kind::Sentinel => InstanceKind::Sentinel,
        }
    }
}
