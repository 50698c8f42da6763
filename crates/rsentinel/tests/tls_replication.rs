//! TLS on every link Sentinel opens (`tls-replication yes`), on real processes: a
//! TLS-only master and replica are monitored without a false `+sdown`, two rsentinels
//! find each other and fail over over TLS, and a real redis-sentinel peer mixes in.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failed test

mod common;
#[macro_use]
#[path = "tls/pki.rs"]
mod pki;

use common::*;
use pki::*;
use std::path::Path;
use std::time::Duration;

#[test]
fn tls_only_master_is_not_sdown_and_fails_over() {
    require_openssl!();
    let pki = pki_for_cluster();
    let master = tls_redis(&pki, None);
    let replica = tls_redis(&pki, Some(master.port));
    let a = tls_sentinel(&pki, master.port, "");
    let b = tls_sentinel(&pki, master.port, "");
    let mut sub = a.s.client();
    sub.cmd(&["PSUBSCRIBE", "*"]);

    // The replica is found through INFO over TLS, the other Sentinel through hellos.
    let mut last = String::new();
    let found = wait_until(DISCOVERY, || {
        let m = a.s.client().cmd(&["SENTINEL", "MASTER", "mymaster"]);
        last = format!("{m:?}");
        field(&m, "num-slaves").as_deref() == Some("1")
            && field(&m, "num-other-sentinels").as_deref() == Some("1")
    });
    assert!(found, "no discovery over TLS: {last}\n{}", a.s.output());
    // The peer announced its TLS port, and its link (TLS too) is healthy.
    let peers = items(&a.s.client().cmd(&["SENTINEL", "SENTINELS", "mymaster"]));
    assert_eq!(peers.len(), 1);
    assert_eq!(field(&peers[0], "port"), Some(b.tls_port.to_string()));

    // Well past down-after-milliseconds: nothing is subjectively down.
    std::thread::sleep(Duration::from_millis(3000));
    while let Some(f) = sub.recv_timeout(Duration::from_millis(50)) {
        let parts = strings(&f);
        assert!(
            !(parts.len() == 4 && (parts[2] == "+sdown" || parts[2] == "+odown")),
            "false event over TLS: {parts:?}\n{}",
            a.s.output()
        );
    }
    let m = a.s.client().cmd(&["SENTINEL", "MASTER", "mymaster"]);
    assert_eq!(field(&m, "flags").as_deref(), Some("master"), "{m:?}");
    let peers = items(&a.s.client().cmd(&["SENTINEL", "SENTINELS", "mymaster"]));
    assert_eq!(field(&peers[0], "flags").as_deref(), Some("sentinel"));

    // A failover over TLS links: SLAVEOF NO ONE, CONFIG REWRITE, the other side follows.
    // The replica must have synced (over TLS) first: one that never did holds none of
    // the master's data and is never promoted.
    assert!(
        wait_until(FAILOVER, || tls_cli(
            &pki,
            replica.port,
            true,
            &["INFO", "replication"]
        )
        .contains("master_link_status:up")),
        "the replica never synced over TLS"
    );
    assert!(
        wait_until(FAILOVER, || {
            let r = a.s.client().cmd(&["SENTINEL", "REPLICAS", "mymaster"]);
            items(&r)
                .iter()
                .any(|x| field(x, "master-link-status").as_deref() == Some("ok"))
        }),
        "Sentinel never saw the replica linked\n{}",
        a.s.output()
    );
    assert_ok(&a.s.client().cmd(&["SENTINEL", "FAILOVER", "mymaster"]));
    let switched = wait_event(&mut sub, "+switch-master", |_| true, FAILOVER)
        .unwrap_or_else(|| panic!("no +switch-master\n{}", a.s.output()));
    assert!(
        switched.ends_with(&format!("127.0.0.1 {}", replica.port)),
        "{switched}"
    );
    assert!(
        wait_until(FAILOVER, || tls_cli(&pki, replica.port, true, &["ROLE"])
            .starts_with("master")),
        "the replica was not promoted"
    );
    assert!(
        wait_until(FAILOVER, || {
            let role = tls_cli(&pki, master.port, true, &["INFO", "replication"]);
            role.contains("role:slave") && role.contains(&format!("master_port:{}", replica.port))
        }),
        "the old master does not follow the new one"
    );
    let addr = strings(
        &b.s.client()
            .cmd(&["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"]),
    );
    assert!(
        wait_until(FAILOVER, || strings(&b.s.client().cmd(&[
            "SENTINEL",
            "GET-MASTER-ADDR-BY-NAME",
            "mymaster"
        ])) == vec![
            "127.0.0.1".to_string(),
            replica.port.to_string()
        ]),
        "the other Sentinel did not learn the new master: {addr:?}"
    );
    drop(master.proc);
}

#[test]
fn mixed_deployment_with_a_redis_sentinel_peer() {
    require_openssl!();
    let theirs = "/usr/bin/redis-sentinel";
    if !Path::new(theirs).exists() {
        eprintln!("skipped: {theirs} is not installed, no redis-sentinel peer to mix with");
        return;
    }
    let pki = pki_for_cluster();
    let master = tls_redis(&pki, None);
    let _replica = tls_redis(&pki, Some(master.port));
    let ours = tls_sentinel(&pki, master.port, "");

    let dir = tempfile::tempdir().expect("temp dir");
    let their_tls = free_port();
    let their_plain = free_port();
    std::fs::write(
        dir.path().join("sentinel.conf"),
        format!(
            "port {their_plain}\ntls-port {their_tls}\ntls-replication yes\n{}tls-client-cert-file {}\ntls-client-key-file {}\nsentinel monitor mymaster 127.0.0.1 {} 1\nsentinel down-after-milliseconds mymaster 1000\nsentinel failover-timeout mymaster 10000\n",
            pki.conf("sentinel"),
            pki.path("client.crt"),
            pki.path("client.key"),
            master.port
        ),
    )
    .expect("write config");
    let conf = dir.path().join("sentinel.conf").display().to_string();
    let peer = Proc::spawn(theirs, &[&conf], dir.path());
    assert!(
        wait_until(LONG, || redis_cli(their_plain, &["PING"]).contains("PONG")),
        "redis-sentinel did not start: {}",
        peer.output()
    );

    // Each finds the other, over TLS links, and sees it healthy.
    let ok = wait_until(DISCOVERY, || {
        let p = items(&ours.s.client().cmd(&["SENTINEL", "SENTINELS", "mymaster"]));
        p.len() == 1
            && field(&p[0], "port") == Some(their_tls.to_string())
            && field(&p[0], "flags").as_deref() == Some("sentinel")
    });
    assert!(
        ok,
        "rsentinel did not see redis-sentinel\n{}",
        ours.s.output()
    );
    let ok = wait_until(DISCOVERY, || {
        let out = redis_cli(their_plain, &["SENTINEL", "SENTINELS", "mymaster"]);
        out.contains(&ours.tls_port.to_string()) && !out.contains("disconnected")
    });
    assert!(
        ok,
        "redis-sentinel did not see rsentinel\n{}",
        peer.output()
    );
    std::thread::sleep(Duration::from_millis(2500));
    let theirs_view = redis_cli(their_plain, &["SENTINEL", "SENTINELS", "mymaster"]);
    assert!(!theirs_view.contains("s_down"), "{theirs_view}");
    let m = redis_cli(their_plain, &["SENTINEL", "MASTER", "mymaster"]);
    assert!(!m.contains("s_down"), "{m}");
    assert!(!ours.s.output().contains("+sdown"), "{}", ours.s.output());
}
