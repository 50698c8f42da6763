//! The read-only picture of a master and its replicas the failover decisions need, and
//! the Sentinel-wide settings they read. The core builds it from its tables for each
//! call; nothing here is stored between calls, so the core stays the one owner of
//! instance state.

use crate::flags::ReplicaFlags;

/// An address as events, scripts and `SLAVEOF` show it: the announced host (the IP, or
/// the hostname with `announce-hostnames yes`, redis' `announceSentinelAddr`) and port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddrView<'a> {
    /// Announced host text.
    pub host: &'a str,
    /// TCP port.
    pub port: u16,
}

/// One replica of the master, as the decisions need it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicaView<'a> {
    /// The core's key for it (`ip:port`); steps name replicas by it.
    pub name: &'a str,
    /// Where it is, as announced.
    pub addr: AddrView<'a>,
    /// Its failover-relevant flags.
    pub flags: ReplicaFlags,
    /// Whether its link misses a connection (redis' `link->disconnected`). A connected
    /// link is assumed to accept the `SLAVEOF` transaction, as redis' checks do.
    pub disconnected: bool,
    /// Last valid PING reply (`link->last_avail_time`).
    pub last_avail_time: u64,
    /// Last INFO reply, 0 for never (`info_refresh`).
    pub info_refresh: u64,
    /// `master_link_down_since_seconds` × 1000 from its INFO (-1000 for never
    /// connected, 0 when up or absent).
    pub master_link_down_time: i64,
    /// `slave_priority` from its INFO (0 = never promote; default 100).
    pub priority: i64,
    /// `slave_repl_offset` from its INFO.
    pub repl_offset: u64,
    /// `run_id` from its INFO, if seen.
    pub runid: Option<&'a str>,
    /// When `SLAVEOF <promoted>` was last sent to it (`slave_reconf_sent_time`).
    pub reconf_sent_time: u64,
    /// `master_replid` from its INFO: the replication history it holds (a replica
    /// shares its master's once synchronised).
    pub replid: Option<&'a str>,
}

/// The master being failed over.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MasterView<'a> {
    /// Its monitored name (first word of `+switch-master` and of script arguments).
    pub name: &'a str,
    /// Its configured address (the old master's, during the failover).
    pub addr: AddrView<'a>,
    /// Its config epoch: the epoch of the configuration we hold for it (ours once the
    /// promotion is seen, or a newer one adopted from another Sentinel).
    pub config_epoch: u64,
    /// Whether it is subjectively down now.
    pub s_down: bool,
    /// Since when (meaningful only with `s_down`).
    pub s_down_since_time: u64,
    /// `down-after-milliseconds`.
    pub down_after_ms: u64,
    /// `parallel-syncs`: replicas reconfigured at the same time.
    pub parallel_syncs: u32,
    /// `failover-timeout`.
    pub failover_timeout_ms: u64,
    /// Its replicas in the core's iteration order (ties in selection keep this order,
    /// reconfiguration goes through them in it).
    pub replicas: &'a [ReplicaView<'a>],
    /// The master's replication IDs from its last INFO (`master_replid` and, unless
    /// unset, `master_replid2`); empty when unknown.
    pub history: &'a [&'a str],
}

impl<'a> MasterView<'a> {
    /// The replica with this name, if still known.
    pub fn replica(&self, name: &str) -> Option<&'a ReplicaView<'a>> {
        self.replicas.iter().find(|r| r.name == name)
    }
}

/// Sentinel-wide settings the decisions use: the `SENTINEL DEBUG` periods (milliseconds)
/// and the `SENTINEL SIMULATE-FAILURE` crash point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// `ping-period` (1000): a replica must have answered PING within 5 of them.
    pub ping_period: u64,
    /// `info-period` (10000): INFO must be younger than 3 of them (5 ping periods
    /// while the master is subjectively down, when INFO comes every second).
    pub info_period: u64,
    /// `slave-reconf-timeout` (10000): a replica sent `SLAVEOF` that shows no progress
    /// for longer is counted as done.
    pub slave_reconf_timeout: u64,
    /// `SENTINEL SIMULATE-FAILURE crash-after-promotion`: exit right after
    /// `+promoted-slave`, to test that other Sentinels finish the failover.
    pub crash_after_promotion: bool,
    /// Exclude replicas whose replication ID is not the master's (fast mode; redis
    /// does not check, redis issue #14313).
    pub check_history: bool,
}

impl Default for Settings {
    /// redis 7.0.15's defaults.
    fn default() -> Settings {
        Settings {
            ping_period: 1_000,
            info_period: 10_000,
            slave_reconf_timeout: 10_000,
            crash_after_promotion: false,
            check_history: false,
        }
    }
}

/// `a - b` on millisecond times, signed like redis' `mstime_t` arithmetic (a clock that
/// went back gives a negative age, which never exceeds a limit).
pub(crate) fn age(now: u64, then: u64) -> i64 {
    (now as i64).wrapping_sub(then as i64)
}

/// A limit given as `u64` compared with a signed age without overflow.
pub(crate) fn exceeds(age: i64, limit: u64) -> bool {
    i128::from(age) > i128::from(limit)
}
