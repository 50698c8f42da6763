//! Table tests over raw INFO replies captured from real redis-server 7.0.15 processes
//! (master with two replicas, a replica with replica-priority 0, one with
//! replica-announced no, replicas whose master died or never existed, a promoted
//! replica, a master restarted with a new run id, a replica waiting for its first sync).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failed test

use rsentinel_monitor::{
    parse_info_bytes, InfoContext, InfoReport, InstanceKind, ReportedState, Role,
};

fn fixture(name: &str) -> InfoReport {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert!(
        bytes.windows(2).any(|w| w == b"\r\n"),
        "{name} lost its CRLFs"
    );
    parse_info_bytes(&bytes)
}

/// The replica-only fields, in one tuple for table comparison.
type ReplicaView<'a> = (
    Option<&'a str>,
    Option<i32>,
    Option<bool>,
    Option<i64>,
    Option<i32>,
    Option<u64>,
    Option<i32>,
);

fn replica_view(r: &InfoReport) -> ReplicaView<'_> {
    (
        r.master_host.as_deref(),
        r.master_port,
        r.master_link_up,
        r.master_link_down_since_ms,
        r.slave_priority,
        r.slave_repl_offset,
        r.replica_announced,
    )
}

#[test]
fn masters() {
    // (file, run id, [(ip, port, state, offset)])
    type Row = (
        &'static str,
        &'static str,
        &'static [(&'static str, i32, &'static str, i64)],
    );
    let rows: &[Row] = &[
        (
            "master_two_replicas.txt",
            "4408655291bd3739384ccac21f2effba1bf462cf",
            &[
                ("127.0.0.1", 27601, "online", 68),
                ("127.0.0.1", 27602, "online", 68),
            ],
        ),
        (
            "master_rebooted.txt",
            "8cbc3805ceacbd29d788e136b9f1fd467a668c6a",
            &[
                ("127.0.0.1", 27602, "online", 0),
                ("127.0.0.1", 27601, "online", 0),
            ],
        ),
        (
            "master_replica_wait_bgsave.txt",
            "2632206de4e3e7a486496ff2a1549565bd987205",
            &[("127.0.0.1", 27611, "wait_bgsave", 0)],
        ),
        (
            "promoted_replica.txt",
            "b97df0712287244ab90130a1ae3ebf13a2acde9b",
            &[],
        ),
    ];
    for (file, run_id, replicas) in rows {
        let r = fixture(file);
        assert_eq!(r.run_id.as_deref(), Some(*run_id), "{file}");
        assert_eq!(r.role, Some(Role::Master), "{file}");
        assert_eq!(r.redis_version.as_deref(), Some("7.0.15"), "{file}");
        let got: Vec<_> = r
            .replicas
            .iter()
            .map(|x| {
                (
                    x.ip.as_str(),
                    x.port,
                    x.state.as_deref().unwrap_or(""),
                    x.offset.unwrap_or(-99),
                )
            })
            .collect();
        assert_eq!(&got, replicas, "{file}");
        assert!(r.replicas.iter().all(|x| x.lag == Some(0)), "{file}");
        // Replica-only fields are not read under role:master.
        assert_eq!(
            replica_view(&r),
            (None, None, None, None, None, None, None),
            "{file}"
        );
    }
}

#[test]
fn replicas() {
    let rows: &[(&str, &str, ReplicaView<'static>)] = &[
        (
            "replica_priority_zero.txt",
            "4fcfa2e5cf430ab265fc2ac44efc4199ac8ca763",
            (
                Some("127.0.0.1"),
                Some(27600),
                Some(true),
                None,
                Some(0),
                Some(68),
                Some(1),
            ),
        ),
        (
            "replica_not_announced.txt",
            "5ed6283c4023ad3f66f04f56c41f7175adc90e55",
            (
                Some("127.0.0.1"),
                Some(27600),
                Some(true),
                None,
                Some(100),
                Some(68),
                Some(0),
            ),
        ),
        (
            // Same process as replica_priority_zero, 5 s after its master was killed.
            "replica_master_down.txt",
            "4fcfa2e5cf430ab265fc2ac44efc4199ac8ca763",
            (
                Some("127.0.0.1"),
                Some(27600),
                Some(false),
                Some(5000),
                Some(0),
                Some(82),
                Some(1),
            ),
        ),
        (
            "replica_master_never_reached.txt",
            "b97df0712287244ab90130a1ae3ebf13a2acde9b",
            (
                Some("127.0.0.1"),
                Some(27649),
                Some(false),
                Some(-1000),
                Some(100),
                Some(1),
                Some(1),
            ),
        ),
        (
            "replica_sync_in_progress.txt",
            "2fae15a73a1424acc096828b559a51bb0cbdcbab",
            (
                Some("127.0.0.1"),
                Some(27610),
                Some(false),
                Some(-1000),
                Some(100),
                Some(1),
                Some(1),
            ),
        ),
    ];
    for (file, run_id, want) in rows {
        let r = fixture(file);
        assert_eq!(r.run_id.as_deref(), Some(*run_id), "{file}");
        assert_eq!(r.role, Some(Role::Replica), "{file}");
        assert!(r.replicas.is_empty(), "{file}");
        assert_eq!(&replica_view(&r), want, "{file}");
    }
}

#[test]
fn master_restart_is_a_reboot() {
    let ctx = |now| InfoContext {
        kind: InstanceKind::Master,
        master_reboot_down_after_ms: 10_000,
        now_ms: now,
    };
    let mut s = ReportedState::new(InstanceKind::Master, 0);
    let first = s.apply(&fixture("master_two_replicas.txt"), &ctx(100));
    assert!(!first.rebooted && first.role_change.is_none());
    assert_eq!(first.replicas.len(), 2);
    let again = s.apply(&fixture("master_rebooted.txt"), &ctx(200));
    assert!(again.rebooted && again.master_reboot_started);
    assert_eq!(s.master_reboot_since, Some(200));
    assert_eq!(
        again.replicas,
        vec![
            ("127.0.0.1".to_string(), 27602),
            ("127.0.0.1".to_string(), 27601)
        ]
    );
}

#[test]
fn replica_lifecycle() {
    let ctx = |now| InfoContext {
        kind: InstanceKind::Replica,
        master_reboot_down_after_ms: 0,
        now_ms: now,
    };
    let mut s = ReportedState::new(InstanceKind::Replica, 0);
    let o = s.apply(&fixture("replica_priority_zero.txt"), &ctx(1000));
    assert!(o.replica_master_changed && o.role_change.is_none() && o.replicas.is_empty());
    assert_eq!(
        (
            s.slave_priority,
            s.slave_master_link_up,
            s.master_link_down_time
        ),
        (0, true, 0)
    );
    let o = s.apply(&fixture("replica_master_down.txt"), &ctx(6000));
    assert!(!o.replica_master_changed && !o.rebooted);
    assert_eq!(
        (s.slave_master_link_up, s.master_link_down_time),
        (false, 5000)
    );
    assert_eq!(s.slave_conf_change_time, 1000);
    // Promoted by hand: an incoherent role change for a configured replica.
    let mut p = ReportedState::new(InstanceKind::Replica, 0);
    p.apply(&fixture("replica_master_never_reached.txt"), &ctx(10));
    assert_eq!(p.master_link_down_time, -1000);
    let o = p.apply(&fixture("promoted_replica.txt"), &ctx(20));
    let rc = o
        .role_change
        .unwrap_or_else(|| panic!("expected a role change"));
    assert_eq!(
        (rc.event_type(), rc.role_word()),
        ("-role-change", "master")
    );
    assert_eq!(
        (p.role_reported, p.role_reported_time),
        (Some(Role::Master), 20)
    );
    // A master's INFO lacks the link-down line: the time resets to 0.
    assert_eq!(p.master_link_down_time, 0);
}
