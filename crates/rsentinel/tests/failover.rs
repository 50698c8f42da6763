//! Failovers end to end on real processes: automatic after the master is killed
//! (kill -9), the old master rejoining as a replica, a manual SENTINEL FAILOVER, and no
//! failover when only a minority of sentinels sees the master down.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failed test

mod common;

use common::*;
use std::time::Duration;

/// The master address a sentinel reports.
fn master_addr(s: &Sentinel) -> String {
    strings(
        &s.client()
            .cmd(&["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"]),
    )
    .join(":")
}

/// `role` and `master_port` from a redis-server's INFO replication.
fn replication(port: u16) -> (String, String) {
    let info = redis_cli(port, &["INFO", "replication"]);
    let get = |k: &str| {
        info.lines()
            .find_map(|l| {
                l.trim_end()
                    .strip_prefix(&format!("{k}:"))
                    .map(str::to_string)
            })
            .unwrap_or_default()
    };
    (get("role"), get("master_port"))
}

#[test]
fn automatic_failover_and_the_old_master_rejoins_as_replica() {
    let mut c = cluster_with("sentinel failover-timeout mymaster 10000\n");
    wait_discovery(&c);
    let old = format!("127.0.0.1:{}", c.master.port);
    // "<name> <old ip> <old port> <new ip> <new port>": the new master is a replica.
    let parts = kill_master_until_switch(&mut c);
    assert_eq!(format!("{}:{}", parts[1], parts[2]), old);
    let new_port: u16 = parts[4].parse().unwrap_or(0);
    assert!(c.replicas.iter().any(|r| r.port == new_port), "{parts:?}");
    let new = format!("127.0.0.1:{new_port}");

    // Every sentinel agrees, the promoted replica is a master, the other follows it.
    for s in &c.sentinels {
        assert!(
            wait_until(FAILOVER, || master_addr(s) == new),
            "sentinel {} still reports {}",
            s.port,
            master_addr(s)
        );
    }
    assert_eq!(replication(new_port).0, "master");
    let other = c
        .replicas
        .iter()
        .find(|r| r.port != new_port)
        .map(|r| r.port)
        .unwrap_or(0);
    assert!(
        wait_until(FAILOVER, || replication(other)
            == ("slave".into(), new_port.to_string())),
        "the other replica does not follow the new master: {:?}",
        replication(other)
    );

    // The old master comes back as a master and is turned into a replica of the new one.
    c.master.restart();
    let old_port = c.master.port;
    assert!(
        wait_until(FAILOVER, || replication(old_port)
            == ("slave".into(), new_port.to_string())),
        "the old master was not reconfigured: {:?}\n{}",
        replication(old_port),
        c.sentinels[0].output()
    );
}

#[test]
fn manual_failover_switches_to_a_replica() {
    let c = cluster();
    wait_discovery(&c);
    let before = master_addr(&c.sentinels[1]);
    let mut sub = c.sentinels[1].client();
    sub.cmd(&["PSUBSCRIBE", "*"]);
    // Replicas must have reported fresh INFO before one can be selected.
    assert!(wait_until(FAILOVER, || {
        let r = c.sentinels[1]
            .client()
            .cmd(&["SENTINEL", "FAILOVER", "mymaster"]);
        matches!(r, rsentinel_resp::Frame::Simple(ref s) if s == "OK")
    }));
    assert!(
        wait_event(&mut sub, "+switch-master", |_| true, FAILOVER).is_some(),
        "no +switch-master\n{}",
        c.sentinels[1].output()
    );
    for s in &c.sentinels {
        assert!(wait_until(FAILOVER, || master_addr(s) != before));
    }
    let now = master_addr(&c.sentinels[0]);
    assert!(
        c.replicas
            .iter()
            .any(|r| now == format!("127.0.0.1:{}", r.port)),
        "{now}"
    );
}

/// rsentinel's extension: `FAILOVER <master>` without the `SENTINEL` prefix, as some
/// guides show it, is `SENTINEL FAILOVER <master>`.
#[test]
fn failover_without_the_sentinel_prefix() {
    let master = RedisServer::start();
    let replica = RedisServer::replica_of(master.port);
    let s = Sentinel::start(
        &format!(
            "sentinel monitor mymaster 127.0.0.1 {} 1\nsentinel down-after-milliseconds mymaster 1000\n",
            master.port
        ),
        &[],
    );
    assert_err(
        &s.client().cmd(&["FAILOVER", "nosuch"]),
        "ERR No such master with that name",
    );
    assert_err(
        &s.client().cmd(&["FAILOVER"]),
        "ERR wrong number of arguments for 'failover' command",
    );
    let mut sub = s.client();
    sub.cmd(&["SUBSCRIBE", "+switch-master"]);
    // redis-cli, as the guides run it; the replica must have reported INFO first.
    assert!(
        wait_until(FAILOVER, || s.cli(&["FAILOVER", "mymaster"]) == "OK\n"),
        "{}",
        s.output()
    );
    let got = sub.recv_timeout(FAILOVER).map(|f| strings(&f));
    assert_eq!(
        got.as_ref().and_then(|m| m.get(2)).cloned(),
        Some(format!(
            "mymaster 127.0.0.1 {} 127.0.0.1 {}",
            master.port, replica.port
        )),
        "{}",
        s.output()
    );
    assert_eq!(master_addr(&s), format!("127.0.0.1:{}", replica.port));
    assert_eq!(replication(replica.port).0, "master");
}

#[test]
fn a_minority_seeing_the_master_down_does_not_fail_over() {
    // One sentinel is quick to call the master down; the other two are slow.
    let c = cluster();
    wait_discovery(&c);
    for s in &c.sentinels[1..] {
        assert_ok(&s.client().cmd(&[
            "SENTINEL",
            "SET",
            "mymaster",
            "down-after-milliseconds",
            "60000",
        ]));
    }
    let mut sub = c.sentinels[0].client();
    sub.cmd(&["PSUBSCRIBE", "*"]);
    // Freeze the master for 4 s: long enough for the quick sentinel, not for the others.
    let pid = redis_cli(c.master.port, &["INFO", "server"])
        .lines()
        .find_map(|l| l.trim_end().strip_prefix("process_id:").map(str::to_string))
        .unwrap_or_default();
    assert!(std::process::Command::new("kill")
        .args(["-STOP", &pid])
        .status()
        .is_ok_and(|s| s.success()));
    let sdown = wait_event(
        &mut sub,
        "+sdown",
        |t| t.starts_with("master mymaster"),
        Duration::from_secs(15),
    );
    let odown = wait_event(&mut sub, "+odown", |_| true, Duration::from_secs(3));
    assert!(std::process::Command::new("kill")
        .args(["-CONT", &pid])
        .status()
        .is_ok_and(|s| s.success()));
    assert!(
        sdown.is_some(),
        "the quick sentinel never saw the master down"
    );
    assert!(odown.is_none(), "a minority reached ODOWN: {odown:?}");
    assert!(wait_event(&mut sub, "+try-failover", |_| true, QUIET).is_none());
    assert_eq!(
        master_addr(&c.sentinels[0]),
        format!("127.0.0.1:{}", c.master.port)
    );
}

#[test]
fn simulate_failure_crash_after_election_exits_99() {
    let mut c = cluster();
    wait_discovery(&c);
    let mut cl = c.sentinels[0].client();
    assert_ok(&cl.cmd(&["SENTINEL", "SIMULATE-FAILURE", "crash-after-election"]));
    // A forced failover passes through the election step, where the crash happens.
    assert!(wait_until(FAILOVER, || {
        let r = c.sentinels[0]
            .client()
            .cmd(&["SENTINEL", "FAILOVER", "mymaster"]);
        matches!(r, rsentinel_resp::Frame::Simple(ref s) if s == "OK")
    }));
    let status = c.sentinels[0].wait_exit();
    assert_eq!(
        status.and_then(|s| s.code()),
        Some(99),
        "{}",
        c.sentinels[0].output()
    );
    assert!(c.sentinels[0]
        .output()
        .contains("Sentinel CRASH because of SENTINEL simulate-failure"));
}

#[test]
fn reset_during_a_failover_clears_it() {
    let c = cluster_with("sentinel failover-timeout mymaster 60000\n");
    wait_discovery(&c);
    // Freeze every replica so the promotion cannot complete: the failover stays in
    // progress until RESET.
    let pids: Vec<String> = c
        .replicas
        .iter()
        .map(|r| {
            redis_cli(r.port, &["INFO", "server"])
                .lines()
                .find_map(|l| l.trim_end().strip_prefix("process_id:").map(str::to_string))
                .unwrap_or_default()
        })
        .collect();
    let s = &c.sentinels[0];
    assert!(wait_until(FAILOVER, || {
        let r = s.client().cmd(&["SENTINEL", "FAILOVER", "mymaster"]);
        matches!(r, rsentinel_resp::Frame::Simple(ref x) if x == "OK")
    }));
    for pid in &pids {
        let _ = std::process::Command::new("kill")
            .args(["-STOP", pid])
            .status();
    }
    let flags = field(
        &s.client().cmd(&["SENTINEL", "MASTER", "mymaster"]),
        "flags",
    )
    .unwrap_or_default();
    let in_progress = flags.contains("failover_in_progress");
    assert_eq!(
        s.client().cmd(&["SENTINEL", "RESET", "mymaster"]),
        rsentinel_resp::Frame::Integer(1)
    );
    let m = s.client().cmd(&["SENTINEL", "MASTER", "mymaster"]);
    for pid in &pids {
        let _ = std::process::Command::new("kill")
            .args(["-CONT", pid])
            .status();
    }
    assert!(
        in_progress || flags.is_empty(),
        "flags before reset: {flags}"
    );
    let after = field(&m, "flags").unwrap_or_default();
    assert!(!after.contains("failover_in_progress"), "{after}");
    assert_eq!(field(&m, "failover-state"), None, "{m:?}");
    assert_eq!(field(&m, "num-slaves").as_deref(), Some("0"));
}
