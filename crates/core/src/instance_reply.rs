//! The reply describing one instance (`addReplySentinelRedisInstance`): a map whose
//! fields and order depend on the instance kind and flags, all values bulk strings.

use bytes::Bytes;
use rsentinel_resp::{Digits, Frame};

use crate::instance::{Flags, Instance, Kind, Role};
use crate::link::Link;
use crate::master::Master;
use rsentinel_failover::{Failover, ReplicaFlags};

/// A replica's failover flag words, in redis' order.
const REPLICA_FLAG_WORDS: &[(ReplicaFlags, &str)] = &[
    (ReplicaFlags::PROMOTED, "promoted"),
    (ReplicaFlags::RECONF_SENT, "reconf_sent"),
    (ReplicaFlags::RECONF_INPROG, "reconf_inprog"),
    (ReplicaFlags::RECONF_DONE, "reconf_done"),
];

/// The `flags` field: `s_down,o_down,<kind>,disconnected,...`. `failover` is the
/// master's own failover when `inst` is a master.
pub fn flags_string(
    inst: &Instance,
    failover: Option<&Failover>,
    link_disconnected: bool,
) -> String {
    let mut words: Vec<&str> = Vec::new();
    if inst.flags.contains(Flags::S_DOWN) {
        words.push("s_down");
    }
    if inst.flags.contains(Flags::O_DOWN) {
        words.push("o_down");
    }
    words.push(inst.kind.as_str());
    if link_disconnected {
        words.push("disconnected");
    }
    if inst.peer.master_down {
        words.push("master_down");
    }
    // After `master_down`, redis' order: failover_in_progress, promoted, reconf_*,
    // force_failover, script_kill_sent.
    if failover.is_some_and(Failover::in_progress) {
        words.push("failover_in_progress");
    }
    for (f, w) in REPLICA_FLAG_WORDS {
        if inst.failover_flags.contains(*f) {
            words.push(w);
        }
    }
    if failover.is_some_and(Failover::forced) {
        words.push("force_failover");
    }
    if inst.flags.contains(Flags::SCRIPT_KILL_SENT) {
        words.push("script_kill_sent");
    }
    words.join(",")
}

/// The fields of the reply. Names are static (no copy), numbers are written without
/// the formatting machinery: SENTINEL MASTERS builds about 30 of them per master, and
/// clients poll it.
struct Fields(Vec<(Frame, Frame)>);

impl Fields {
    fn s(&mut self, k: &'static str, v: &str) {
        self.0.push((
            Frame::Bulk(Bytes::from_static(k.as_bytes())),
            Frame::bulk_str(v),
        ));
    }
    fn n(&mut self, k: &'static str, v: i64) {
        let value = Bytes::copy_from_slice(Digits::signed(v).as_bytes());
        self.0.push((
            Frame::Bulk(Bytes::from_static(k.as_bytes())),
            Frame::Bulk(value),
        ));
    }
}

/// Milliseconds elapsed since `t`, signed like redis' `mstime() - t`.
fn since(now_ms: u64, t: u64) -> i64 {
    now_ms as i64 - t as i64
}

/// Describe an instance. `master` is the master's own record when `inst` is a master.
pub fn instance_frame(
    inst: &Instance,
    master: Option<&Master>,
    link: Option<&Link>,
    announce_hostnames: bool,
    now_ms: u64,
) -> Frame {
    let fallback;
    let link = match link {
        Some(l) => l,
        None => {
            fallback = Link::new(now_ms, inst.kind != Kind::Sentinel);
            &fallback
        }
    };
    let mut f = Fields(Vec::with_capacity(32));
    f.s("name", &inst.name);
    f.s("ip", inst.addr.announced(announce_hostnames));
    f.n("port", i64::from(inst.addr.port));
    f.s("runid", inst.reported.runid.as_deref().unwrap_or(""));
    let failover = master.map(|m| &m.failover);
    f.s(
        "flags",
        &flags_string(inst, failover, link.health.disconnected),
    );
    f.n(
        "link-pending-commands",
        i64::from(link.health.pending_commands),
    );
    f.n("link-refcount", i64::from(link.refcount));
    if let Some(fo) = failover.filter(|fo| fo.in_progress()) {
        f.s("failover-state", fo.state().as_str());
    }
    let health = &link.health;
    let ping_sent = if health.act_ping_time != 0 {
        since(now_ms, health.act_ping_time)
    } else {
        0
    };
    f.n("last-ping-sent", ping_sent);
    f.n("last-ok-ping-reply", since(now_ms, health.last_avail_time));
    f.n("last-ping-reply", since(now_ms, health.last_pong_time));
    if inst.flags.contains(Flags::S_DOWN) {
        f.n("s-down-time", since(now_ms, inst.s_down_since_time));
    }
    if inst.flags.contains(Flags::O_DOWN) {
        f.n("o-down-time", since(now_ms, inst.o_down_since_time));
    }
    f.n("down-after-milliseconds", inst.down_after_ms as i64);
    if matches!(inst.kind, Kind::Master | Kind::Replica) {
        let refresh = if inst.reported.info_refresh != 0 {
            since(now_ms, inst.reported.info_refresh)
        } else {
            0
        };
        f.n("info-refresh", refresh);
        f.s(
            "role-reported",
            if inst.reported.role_reported == Some(Role::Master) {
                "master"
            } else {
                "slave"
            },
        );
        f.n(
            "role-reported-time",
            since(now_ms, inst.reported.role_reported_time),
        );
    }
    if let Some(m) = master {
        f.n("config-epoch", inst.config_epoch as i64);
        f.n("num-slaves", m.replicas.len() as i64);
        f.n("num-other-sentinels", m.sentinels.len() as i64);
        f.n("quorum", i64::from(m.quorum));
        f.n("failover-timeout", m.failover_timeout_ms as i64);
        f.n("parallel-syncs", i64::from(m.parallel_syncs as i32));
        if let Some(s) = &m.notification_script {
            f.s("notification-script", s);
        }
        if let Some(s) = &m.client_reconfig_script {
            f.s("client-reconfig-script", s);
        }
    }
    if inst.kind == Kind::Replica {
        f.n("master-link-down-time", inst.reported.master_link_down_time);
        f.s(
            "master-link-status",
            if inst.reported.slave_master_link_up {
                "ok"
            } else {
                "err"
            },
        );
        f.s(
            "master-host",
            inst.reported.slave_master_host.as_deref().unwrap_or("?"),
        );
        f.n("master-port", i64::from(inst.reported.slave_master_port));
        f.n("slave-priority", i64::from(inst.reported.slave_priority));
        f.n("slave-repl-offset", inst.reported.slave_repl_offset as i64);
        f.n(
            "replica-announced",
            i64::from(inst.reported.replica_announced),
        );
    }
    if inst.kind == Kind::Sentinel {
        f.n("last-hello-message", since(now_ms, inst.last_hello_time));
        f.s("voted-leader", inst.peer.leader.as_deref().unwrap_or("?"));
        f.n("voted-leader-epoch", inst.peer.leader_epoch as i64);
    }
    Frame::Map(f.0)
}

#[cfg(test)]
mod number_tests {
    use super::*;

    #[test]
    fn numbers_read_as_to_string_writes_them() {
        for v in [
            0,
            1,
            -1,
            9,
            10,
            -10,
            1000,
            i64::MAX,
            i64::MIN,
            -1_700_000_000_000,
        ] {
            let mut f = Fields(Vec::new());
            f.n("k", v);
            assert_eq!(f.0[0].1, Frame::bulk_str(&v.to_string()), "{v}");
        }
    }
}
