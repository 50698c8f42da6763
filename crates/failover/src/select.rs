//! Choosing the replica to promote, as redis 7.0.15's `sentinelSelectSlave`: replicas
//! that are down, disconnected, silent, stale or too long cut off from the master are
//! excluded, as are those with priority 0; the rest are ranked by priority (lower
//! first), replication offset (larger first) and run id (case-insensitively smaller
//! first, a missing run id last). The same function answers `SENTINEL FAILOVER`'s
//! `-NOGOODSLAVE` check.
//!
//! `replica-announced no` is not an exclusion: redis 7.0.15 promotes such replicas (only
//! priority 0 prevents it), and so does this crate.

use std::cmp::Ordering;

use crate::flags::ReplicaFlags;
use crate::view::{age, exceeds, MasterView, ReplicaView, Settings};

/// Why a replica cannot be promoted, in the order redis checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exclusion {
    /// Flagged S_DOWN or O_DOWN.
    Down,
    /// Its link misses a connection.
    Disconnected,
    /// No valid PING reply for more than 5 ping periods.
    NoRecentPing,
    /// `replica-priority 0`.
    PriorityZero,
    /// INFO older than 5 ping periods (master S_DOWN) or 3 INFO periods.
    StaleInfo,
    /// Its master link has been down longer than the master's down time plus 10 ×
    /// down-after.
    MasterLinkDownTooLong,
    /// Its replication ID is none of the master's known ones while another replica's
    /// is, or it has not been linked since it started: it follows another master, or
    /// was wiped and holds no data of this one (checked with
    /// [`Settings::check_history`] only, once the master's history is known).
    OtherHistory,
}

/// How long a replica may have been disconnected from its master and still be chosen:
/// the time the master has been subjectively down (if it is) plus ten down-after
/// periods. The master was unreachable, so the replica may lag, but not forever.
pub fn max_master_down_time(master: &MasterView<'_>, now_ms: u64) -> i64 {
    let mut max = 0i64;
    if master.s_down {
        max = max.wrapping_add(age(now_ms, master.s_down_since_time));
    }
    let ten = i64::try_from(master.down_after_ms)
        .unwrap_or(i64::MAX)
        .saturating_mul(10);
    max.saturating_add(ten)
}

/// Whether this replica may be promoted now, and if not, the first reason redis would
/// find.
pub fn exclusion(
    master: &MasterView<'_>,
    replica: &ReplicaView<'_>,
    settings: &Settings,
    now_ms: u64,
) -> Option<Exclusion> {
    if replica
        .flags
        .intersects(ReplicaFlags::S_DOWN | ReplicaFlags::O_DOWN)
    {
        return Some(Exclusion::Down);
    }
    if replica.disconnected {
        return Some(Exclusion::Disconnected);
    }
    if exceeds(
        age(now_ms, replica.last_avail_time),
        settings.ping_period.saturating_mul(5),
    ) {
        return Some(Exclusion::NoRecentPing);
    }
    if replica.priority == 0 {
        return Some(Exclusion::PriorityZero);
    }
    // With the master subjectively down INFO comes every second, else every period.
    let info_validity = if master.s_down {
        settings.ping_period.saturating_mul(5)
    } else {
        settings.info_period.saturating_mul(3)
    };
    if exceeds(age(now_ms, replica.info_refresh), info_validity) {
        return Some(Exclusion::StaleInfo);
    }
    if replica.master_link_down_time > max_master_down_time(master, now_ms) {
        return Some(Exclusion::MasterLinkDownTooLong);
    }
    // Judged once the master's history is known. An unknown ID is taken as proof only
    // when it cannot be stale knowledge: another replica does hold a known ID, or
    // this replica has not been linked to any master since it started
    // (`master_link_down_since_seconds:-1`), as a replica restarted empty while its
    // master is down (redis #14313: promoted, it would wipe the data set, even as the
    // only replica). A replica that synced after Sentinel's last INFO (a master takes
    // a new ID when its first replica syncs) was linked, and stays eligible.
    if settings.check_history
        && !master.history.is_empty()
        && replica.replid.is_some_and(|id| !ours(master, id))
    {
        let never_linked = replica.master_link_down_time < 0;
        let corroborated = master
            .replicas
            .iter()
            .any(|r| r.replid.is_some_and(|id| ours(master, id)));
        if corroborated || never_linked {
            return Some(Exclusion::OtherHistory);
        }
    }
    None
}

/// Whether `id` is one of the master's known replication IDs.
fn ours(master: &MasterView<'_>, id: &str) -> bool {
    master.history.iter().any(|h| h.eq_ignore_ascii_case(id))
}

/// Promotion order (`compareSlavesForPromotion`): `Less` means `a` is the better choice.
pub fn compare_for_promotion(a: &ReplicaView<'_>, b: &ReplicaView<'_>) -> Ordering {
    a.priority
        .cmp(&b.priority)
        .then(b.repl_offset.cmp(&a.repl_offset))
        .then_with(|| match (a.runid, b.runid) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(x), Some(y)) => cmp_ignore_ascii_case(x, y),
        })
}

/// `strcasecmp`: bytes compared after ASCII lowering.
fn cmp_ignore_ascii_case(a: &str, b: &str) -> Ordering {
    let lower = |s: &str| {
        s.bytes()
            .map(|c| c.to_ascii_lowercase())
            .collect::<Vec<u8>>()
    };
    lower(a).cmp(&lower(b))
}

/// The replica to promote, if any. Replicas equal in every key keep the view's order
/// (glibc's `qsort` is a stable merge sort for arrays this small).
pub fn select_replica<'v>(
    master: &MasterView<'v>,
    settings: &Settings,
    now_ms: u64,
) -> Option<&'v ReplicaView<'v>> {
    let replicas: &'v [ReplicaView<'v>] = master.replicas;
    let mut candidates: Vec<&'v ReplicaView<'v>> = replicas
        .iter()
        .filter(|r| exclusion(master, r, settings, now_ms).is_none())
        .collect();
    candidates.sort_by(|a, b| compare_for_promotion(a, b));
    candidates.first().copied()
}
