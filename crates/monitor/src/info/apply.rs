//! What an INFO report changes in the per-instance state, and which of redis' events and
//! actions follow (`sentinelRefreshInstanceInfo`'s bookkeeping and its "acting half"
//! predicates). Table lookups and the failover state machine stay in the core; this file
//! answers the questions that only need times and fields.

use super::InfoReport;
use crate::{elapsed, older_than, InstanceKind, Role};

/// Default `slave_priority` until INFO says otherwise (`SENTINEL_DEFAULT_SLAVE_PRIORITY`).
pub const DEFAULT_SLAVE_PRIORITY: i32 = 100;

/// The fields of `sentinelRedisInstance` that INFO replies write, with redis' types:
/// `master_link_down_time` is signed (a never-connected replica reports -1000) and
/// `replica_announced` is the raw `atoi` value (shown as such in `SENTINEL REPLICAS`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportedState {
    /// The instance's run id, once an INFO carried one.
    pub runid: Option<String>,
    /// When the last INFO reply was processed (0 = never): drives the INFO schedule,
    /// replica selection and "master looks sane".
    pub info_refresh: u64,
    /// The role the instance claims; `None` after an INFO without a role line (and
    /// initially for Sentinels). redis shows anything but master as "slave".
    pub role_reported: Option<Role>,
    /// When `role_reported` last changed: the role SDOWN rule and `+convert-to-slave`
    /// wait on it.
    pub role_reported_time: u64,
    /// When the replica's master address (or its role to replica) last changed:
    /// `+fix-slave-config` waits on it.
    pub slave_conf_change_time: u64,
    /// `master_link_down_since_seconds` in ms, 0 when the last INFO lacked the line.
    pub master_link_down_time: i64,
    /// The master the replica says it replicates from.
    pub slave_master_host: Option<String>,
    /// The master port the replica says it replicates from (`atoi` value).
    pub slave_master_port: i32,
    /// `master_link_status:up`; starts down as in redis.
    pub slave_master_link_up: bool,
    /// Replica priority (0: never promote); replica selection prefers lower values.
    pub slave_priority: i32,
    /// Replication offset; replica selection prefers higher values.
    pub slave_repl_offset: u64,
    /// `replica_announced` as reported (0 hides it from `SENTINEL REPLICAS`).
    pub replica_announced: i32,
    /// `Some(since)` while the `SRI_MASTER_REBOOT` flag is set: the master restarted
    /// (new run id) at `since` and has not answered PONG yet.
    pub master_reboot_since: Option<u64>,
}

impl ReportedState {
    /// The state of a freshly created instance (`createSentinelRedisInstance`).
    pub fn new(kind: InstanceKind, now_ms: u64) -> ReportedState {
        ReportedState {
            runid: None,
            info_refresh: 0,
            role_reported: kind.expected_role(),
            role_reported_time: now_ms,
            slave_conf_change_time: now_ms,
            master_link_down_time: 0,
            slave_master_host: None,
            slave_master_port: 0,
            slave_master_link_up: false,
            slave_priority: DEFAULT_SLAVE_PRIORITY,
            slave_repl_offset: 0,
            replica_announced: 1,
            master_reboot_since: None,
        }
    }

    /// Fold one INFO report in, as the parsing half of `sentinelRefreshInstanceInfo`
    /// (this half also runs in TILT), and say what happened. Missing fields keep their
    /// value, except `master_link_down_time` which redis resets to 0 first.
    pub fn apply(&mut self, report: &InfoReport, ctx: &InfoContext) -> InfoOutcome {
        let now = ctx.now_ms;
        let mut out = InfoOutcome::default();

        if let Some(id) = &report.run_id {
            match &self.runid {
                Some(old) if old != id => {
                    out.rebooted = true;
                    if ctx.kind == InstanceKind::Master && ctx.master_reboot_down_after_ms != 0 {
                        out.master_reboot_started = true;
                        self.master_reboot_since = Some(now);
                    }
                    self.runid = Some(id.clone());
                }
                Some(_) => {}
                None => self.runid = Some(id.clone()),
            }
        }

        if ctx.kind == InstanceKind::Master {
            out.replicas = report
                .replicas
                .iter()
                .map(|r| (r.ip.clone(), r.port))
                .collect();
        }

        self.master_link_down_time = report.master_link_down_since_ms.unwrap_or(0);
        if let Some(host) = &report.master_host {
            let changed = !matches!(
                self.slave_master_host.as_deref(),
                Some(h) if h.eq_ignore_ascii_case(host)
            );
            if changed {
                self.slave_master_host = Some(host.clone());
                self.slave_conf_change_time = now;
                out.replica_master_changed = true;
            }
        }
        if let Some(port) = report.master_port {
            if port != self.slave_master_port {
                self.slave_master_port = port;
                self.slave_conf_change_time = now;
                out.replica_master_changed = true;
            }
        }
        if let Some(up) = report.master_link_up {
            self.slave_master_link_up = up;
        }
        if let Some(p) = report.slave_priority {
            self.slave_priority = p;
        }
        if let Some(o) = report.slave_repl_offset {
            self.slave_repl_offset = o;
        }
        if let Some(a) = report.replica_announced {
            self.replica_announced = a;
        }
        self.info_refresh = now;

        if report.role != self.role_reported {
            self.role_reported = report.role;
            self.role_reported_time = now;
            if report.role == Some(Role::Replica) {
                self.slave_conf_change_time = now;
            }
            out.role_change = Some(RoleChange {
                role: report.role,
                coherent: report.role == ctx.kind.expected_role(),
            });
        }
        out
    }

    /// A PING reply said `PONG`: the rebooted master is back, clear `SRI_MASTER_REBOOT`
    /// (see [`crate::PingOutcome::clears_master_reboot`]).
    pub fn pong_received(&mut self) {
        self.master_reboot_since = None;
    }
}

/// Facts about the instance that INFO processing needs besides the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InfoContext {
    /// What the instance is configured as (`SRI_MASTER` / `SRI_SLAVE`).
    pub kind: InstanceKind,
    /// `master-reboot-down-after-period`; 0 disables reboot-based SDOWN.
    pub master_reboot_down_after_ms: u64,
    /// Current time; stamps `info_refresh` and the change times.
    pub now_ms: u64,
}

/// The reported role changed (`role != ri->role_reported`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RoleChange {
    /// The new reported role (`None`: the INFO had no role line).
    pub role: Option<Role>,
    /// The new role matches the configured kind: emit `+role-change`, else
    /// `-role-change`; both at verbose level with text `%@ new reported role is R`,
    /// R being `master` for [`Role::Master`] and `slave` otherwise.
    pub coherent: bool,
}

impl RoleChange {
    /// The event type, `+role-change` or `-role-change`.
    pub fn event_type(&self) -> &'static str {
        if self.coherent {
            "+role-change"
        } else {
            "-role-change"
        }
    }

    /// The word after "new reported role is".
    pub fn role_word(&self) -> &'static str {
        match self.role {
            Some(Role::Master) => "master",
            _ => "slave",
        }
    }
}

/// What one INFO reply caused, in the order redis reports it: `+reboot`, then the
/// `+slave` discoveries, then the role change.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InfoOutcome {
    /// The run id changed: emit `+reboot` (notice level, `%@`). Any instance kind.
    pub rebooted: bool,
    /// With `rebooted`, on a master with a non-zero master-reboot-down-after-period:
    /// `SRI_MASTER_REBOOT` is now set (see [`ReportedState::master_reboot_since`]).
    pub master_reboot_started: bool,
    /// Masters only: every `slaveN:` address, in order. For each one not yet known
    /// (looked up by its announced `ip:port` name) and with a valid address, the core
    /// creates the replica, emits `+slave` (notice, `%@` of the new replica) and flushes
    /// the config, as sentinel.c does line by line.
    pub replicas: Vec<(String, i32)>,
    /// The replica's master host or port changed (`slave_conf_change_time` was reset).
    pub replica_master_changed: bool,
    /// `Some` when the reported role changed.
    pub role_change: Option<RoleChange>,
}

/// `sentinelMasterLooksSane`: configured and reporting as master, neither SDOWN nor
/// ODOWN, and INFO fresher than two INFO periods. Guards the "fix the replica" actions.
pub fn master_looks_sane(
    master: &ReportedState,
    s_down_or_o_down: bool,
    info_period_ms: u64,
    now_ms: u64,
) -> bool {
    master.role_reported == Some(Role::Master)
        && !s_down_or_o_down
        && i128::from(elapsed(now_ms, master.info_refresh)) < i128::from(info_period_ms) * 2
}

/// `sentinelRedisInstanceNoDownFor`: no SDOWN or ODOWN started within the last `ms`
/// (the since-times are 0 when it never happened).
pub fn no_down_for(s_down_since: u64, o_down_since: u64, ms: u64, now_ms: u64) -> bool {
    let most_recent = s_down_since.max(o_down_since);
    most_recent == 0 || older_than(now_ms, most_recent, ms)
}

/// A replica reporting `role:master` that was *not* promoted by us is turned back into a
/// replica of its master (`SLAVEOF`, then `+convert-to-slave`) once all of this holds:
/// the master looks sane, the replica had no SDOWN/ODOWN for 4 publish periods, and it
/// has reported master for longer than that. Not evaluated in TILT. `promoted` is the
/// replica's `SRI_PROMOTED` flag (the promoted-replica path belongs to the failover).
pub fn convert_to_slave_due(
    replica: &ReportedState,
    promoted: bool,
    master_sane: bool,
    s_down_since: u64,
    o_down_since: u64,
    publish_period_ms: u64,
    now_ms: u64,
) -> bool {
    let wait = publish_period_ms.saturating_mul(4);
    replica.role_reported == Some(Role::Master)
        && !promoted
        && master_sane
        && no_down_for(s_down_since, o_down_since, wait, now_ms)
        && older_than(now_ms, replica.role_reported_time, wait)
}

/// A replica replicating from another address than its master's (`replicating_elsewhere`:
/// port differs, or the host does not equal the master address as
/// `sentinelAddrEqualsHostname` compares) is pointed back at its master (`SLAVEOF`, then
/// `+fix-slave-config`) once the master looks sane, the replica had no SDOWN/ODOWN within
/// `failover_timeout`, and its replication config has not changed for that long. Not
/// evaluated in TILT.
pub fn fix_slave_config_due(
    replica: &ReportedState,
    replicating_elsewhere: bool,
    master_sane: bool,
    s_down_since: u64,
    o_down_since: u64,
    failover_timeout_ms: u64,
    now_ms: u64,
) -> bool {
    replica.role_reported == Some(Role::Replica)
        && replicating_elsewhere
        && master_sane
        && no_down_for(s_down_since, o_down_since, failover_timeout_ms, now_ms)
        && older_than(now_ms, replica.slave_conf_change_time, failover_timeout_ms)
}

/// rsentinel's deviation from redis: a replica that replicates from `upstream`, another
/// replica of the same master, is pointed back at its master (`+fix-slave-config`)
/// without the `failover_timeout` wait on its replication config, provided `upstream`
/// reported `role:slave` in an INFO received after the replica's upstream last changed
/// (so the chain existed then), the master looks sane and the replica had no SDOWN/ODOWN
/// within `failover_timeout`. The wait exists so that a newer configuration can arrive
/// first, but no configuration points a replica at another replica: a failover leader
/// reconfigures replicas toward the replica it promoted only after that one reported
/// `role:master`. Repairing at once is what makes a demoted master that was left
/// following a former replica converge in seconds rather than `failover_timeout` plus
/// an INFO period. Not evaluated in TILT.
pub fn fix_chained_replica_due(
    replica: &ReportedState,
    upstream: &ReportedState,
    master_sane: bool,
    s_down_since: u64,
    o_down_since: u64,
    failover_timeout_ms: u64,
    now_ms: u64,
) -> bool {
    replica.role_reported == Some(Role::Replica)
        && upstream.role_reported == Some(Role::Replica)
        && upstream.info_refresh > replica.slave_conf_change_time
        && master_sane
        && no_down_for(s_down_since, o_down_since, failover_timeout_ms, now_ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_info;

    const ID_A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const ID_B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    fn ctx(kind: InstanceKind, reboot: u64, now: u64) -> InfoContext {
        InfoContext {
            kind,
            master_reboot_down_after_ms: reboot,
            now_ms: now,
        }
    }

    #[test]
    fn reboot_detection() {
        let mut s = ReportedState::new(InstanceKind::Master, 0);
        let first = parse_info(&format!("run_id:{ID_A}\r\nrole:master\r\n"));
        let o = s.apply(&first, &ctx(InstanceKind::Master, 5000, 10));
        assert!(!o.rebooted && o.role_change.is_none());
        assert_eq!(s.runid.as_deref(), Some(ID_A));
        // Same id: nothing.
        assert!(
            !s.apply(&first, &ctx(InstanceKind::Master, 5000, 20))
                .rebooted
        );
        // New id on a master with a reboot period: +reboot and the flag.
        let second = parse_info(&format!("run_id:{ID_B}\r\nrole:master\r\n"));
        let o = s.apply(&second, &ctx(InstanceKind::Master, 5000, 30));
        assert!(o.rebooted && o.master_reboot_started);
        assert_eq!(s.master_reboot_since, Some(30));
        assert_eq!(s.runid.as_deref(), Some(ID_B));
        s.pong_received();
        assert_eq!(s.master_reboot_since, None);
        // Period 0, or a replica: only +reboot.
        let o = s.apply(&first, &ctx(InstanceKind::Master, 0, 40));
        assert!(o.rebooted && !o.master_reboot_started && s.master_reboot_since.is_none());
        let mut r = ReportedState::new(InstanceKind::Replica, 0);
        r.apply(&first, &ctx(InstanceKind::Replica, 5000, 1));
        let o = r.apply(&second, &ctx(InstanceKind::Replica, 5000, 2));
        assert!(o.rebooted && !o.master_reboot_started);
    }

    #[test]
    fn role_changes() {
        let mut s = ReportedState::new(InstanceKind::Master, 0);
        let o = s.apply(
            &parse_info("role:slave\r\n"),
            &ctx(InstanceKind::Master, 0, 50),
        );
        let rc = o.role_change.unwrap_or_else(|| panic!("no role change"));
        assert_eq!((rc.event_type(), rc.role_word()), ("-role-change", "slave"));
        assert_eq!((s.role_reported_time, s.slave_conf_change_time), (50, 50));
        let o = s.apply(
            &parse_info("role:master\r\n"),
            &ctx(InstanceKind::Master, 0, 60),
        );
        let rc = o.role_change.unwrap_or_else(|| panic!("no role change"));
        assert_eq!(
            (rc.event_type(), rc.role_word()),
            ("+role-change", "master")
        );
        assert_eq!((s.role_reported_time, s.slave_conf_change_time), (60, 50));
        // No role line at all: a change to "none", shown as slave, incoherent.
        let o = s.apply(&parse_info("x:y\r\n"), &ctx(InstanceKind::Master, 0, 70));
        let rc = o.role_change.unwrap_or_else(|| panic!("no role change"));
        assert_eq!(
            (rc.event_type(), rc.role_word(), rc.role),
            ("-role-change", "slave", None)
        );
    }

    #[test]
    fn replica_fields_and_conf_change() {
        let mut s = ReportedState::new(InstanceKind::Replica, 0);
        let info = "role:slave\r\nmaster_host:H\r\nmaster_port:1\r\nmaster_link_status:up\r\n\
                    master_link_down_since_seconds:3\r\nslave_priority:5\r\n";
        let o = s.apply(&parse_info(info), &ctx(InstanceKind::Replica, 0, 100));
        assert!(o.replica_master_changed && o.role_change.is_none() && o.replicas.is_empty());
        assert_eq!(s.slave_conf_change_time, 100);
        assert_eq!(
            (
                s.slave_master_host.as_deref(),
                s.slave_master_port,
                s.slave_master_link_up
            ),
            (Some("H"), 1, true)
        );
        assert_eq!((s.master_link_down_time, s.slave_priority), (3000, 5));
        // Host compared case-insensitively; the down time resets when the line is absent.
        let info = "role:slave\r\nmaster_host:h\r\nmaster_port:1\r\n";
        let o = s.apply(&parse_info(info), &ctx(InstanceKind::Replica, 0, 200));
        assert!(!o.replica_master_changed);
        assert_eq!(
            (s.slave_conf_change_time, s.master_link_down_time),
            (100, 0)
        );
        assert_eq!((s.info_refresh, s.slave_priority), (200, 5));
    }

    #[test]
    fn only_masters_discover_replicas() {
        let info = parse_info("role:master\r\nslave0:ip=1.2.3.4,port=5,state=online\r\n");
        let mut m = ReportedState::new(InstanceKind::Master, 0);
        let o = m.apply(&info, &ctx(InstanceKind::Master, 0, 1));
        assert_eq!(o.replicas, vec![("1.2.3.4".to_string(), 5)]);
        let mut r = ReportedState::new(InstanceKind::Replica, 0);
        assert!(r
            .apply(&info, &ctx(InstanceKind::Replica, 0, 1))
            .replicas
            .is_empty());
    }

    #[test]
    fn sanity_and_no_down_for_boundaries() {
        let mut m = ReportedState::new(InstanceKind::Master, 0);
        m.info_refresh = 1000;
        // Fresh while now - info_refresh < 2 * info_period.
        assert!(master_looks_sane(&m, false, 10_000, 20_999));
        assert!(!master_looks_sane(&m, false, 10_000, 21_000));
        assert!(!master_looks_sane(&m, true, 10_000, 1000));
        m.role_reported = Some(Role::Replica);
        assert!(!master_looks_sane(&m, false, 10_000, 1000));
        assert!(no_down_for(0, 0, 500, 0));
        assert!(!no_down_for(1000, 0, 500, 1499));
        assert!(!no_down_for(0, 1000, 500, 1500));
        assert!(no_down_for(1000, 900, 500, 1501));
    }

    #[test]
    fn convert_and_fix_boundaries() {
        let mut r = ReportedState::new(InstanceKind::Replica, 0);
        r.role_reported = Some(Role::Master);
        r.role_reported_time = 1000;
        // wait = 4 * 2000 = 8000: due strictly after 9000.
        assert!(!convert_to_slave_due(&r, false, true, 0, 0, 2000, 9000));
        assert!(convert_to_slave_due(&r, false, true, 0, 0, 2000, 9001));
        assert!(!convert_to_slave_due(&r, true, true, 0, 0, 2000, 9001));
        assert!(!convert_to_slave_due(&r, false, false, 0, 0, 2000, 9001));
        assert!(!convert_to_slave_due(&r, false, true, 2000, 0, 2000, 9001));
        r.role_reported = Some(Role::Replica);
        r.slave_conf_change_time = 1000;
        assert!(!fix_slave_config_due(
            &r, true, true, 0, 0, 180_000, 181_000
        ));
        assert!(fix_slave_config_due(&r, true, true, 0, 0, 180_000, 181_001));
        assert!(!fix_slave_config_due(
            &r, false, true, 0, 0, 180_000, 181_001
        ));
    }

    #[test]
    fn chained_replica_is_fixed_without_the_config_wait() {
        let mut r = ReportedState::new(InstanceKind::Replica, 0);
        r.role_reported = Some(Role::Replica);
        r.slave_conf_change_time = 5000;
        let mut up = ReportedState::new(InstanceKind::Replica, 0);
        up.role_reported = Some(Role::Replica);
        up.info_refresh = 5001;
        // Due at once, long before failover_timeout after the change.
        assert!(fix_chained_replica_due(&r, &up, true, 0, 0, 180_000, 5002));
        // The upstream's last INFO predates the change: it may have been promoted since.
        up.info_refresh = 5000;
        assert!(!fix_chained_replica_due(&r, &up, true, 0, 0, 180_000, 5002));
        up.info_refresh = 5001;
        // An upstream reporting master may be a newly promoted master: not a chain.
        up.role_reported = Some(Role::Master);
        assert!(!fix_chained_replica_due(&r, &up, true, 0, 0, 180_000, 5002));
        up.role_reported = Some(Role::Replica);
        // The master must look sane, and the replica must not have been down lately.
        assert!(!fix_chained_replica_due(
            &r, &up, false, 0, 0, 180_000, 5002
        ));
        assert!(!fix_chained_replica_due(
            &r, &up, true, 4000, 0, 180_000, 5002
        ));
        assert!(fix_chained_replica_due(&r, &up, true, 4000, 0, 1000, 5002));
        // A replica that reports master is convert-to-slave's business.
        r.role_reported = Some(Role::Master);
        assert!(!fix_chained_replica_due(&r, &up, true, 0, 0, 180_000, 5002));
    }
}
