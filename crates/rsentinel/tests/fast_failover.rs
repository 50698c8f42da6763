//! Fast failover (`sentinel fast-failover`, on by default) on real processes: a planned
//! switchover loses no acknowledged write, falls back to the classic path when the
//! replica cannot catch up, the directive restores redis' behaviour and survives a
//! rewrite, and clusters mixing rsentinel with redis-sentinel still fail over together.
//! Timings are the benchmark's (`cargo bench -p rsentinel --bench failover`); these
//! tests check outcomes only, with generous deadlines.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failed test

mod common;

use common::*;
use rsentinel_resp::Frame;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// The master port the first answering Sentinel names.
fn named_master(ports: &[u16]) -> Option<u16> {
    ports.iter().find_map(|&p| {
        let mut c = Client::try_connect(p).ok()?;
        let r = c.try_cmd(
            &["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"],
            Duration::from_secs(2),
        )?;
        strings(&r).get(1)?.parse().ok()
    })
}

/// INCR every 2 ms on the master the Sentinels name until `stop`; returns how many
/// were acknowledged.
fn writer(ports: Vec<u16>, stop: Arc<AtomicBool>) -> JoinHandle<u64> {
    std::thread::spawn(move || {
        let mut acked = 0;
        let mut conn: Option<Client> = None;
        while !stop.load(Ordering::Relaxed) {
            if conn.is_none() {
                conn = named_master(&ports).and_then(|p| Client::try_connect(p).ok());
            }
            if let Some(c) = conn.as_mut() {
                match c.try_cmd(&["INCR", "counter"], Duration::from_secs(5)) {
                    Some(Frame::Integer(_)) => acked += 1,
                    _ => conn = None,
                }
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        acked
    })
}

fn replicas_in_sync(c: &Cluster) -> bool {
    wait_until(DISCOVERY, || {
        c.replicas
            .iter()
            .all(|r| redis_cli(r.port, &["INFO", "replication"]).contains("master_link_status:up"))
    })
}

/// Every Sentinel names `port` as the master.
fn all_name(ports: &[u16], port: u16) -> bool {
    wait_until(FAILOVER, || {
        ports.iter().all(|&p| named_master(&[p]) == Some(port))
    })
}

#[test]
fn planned_switchover_loses_no_acknowledged_write() {
    let c = cluster();
    wait_discovery(&c);
    assert!(replicas_in_sync(&c));
    let ports: Vec<u16> = c.sentinels.iter().map(|s| s.port).collect();
    let stop = Arc::new(AtomicBool::new(false));
    let w = writer(ports.clone(), stop.clone());
    std::thread::sleep(Duration::from_millis(500));
    let mut sub = c.sentinels[0].client();
    sub.cmd(&["PSUBSCRIBE", "+switch-master"]);
    assert_ok(
        &c.sentinels[0]
            .client()
            .cmd(&["SENTINEL", "FAILOVER", "mymaster"]),
    );
    let switch = wait_event(&mut sub, "+switch-master", |_| true, FAILOVER)
        .unwrap_or_else(|| panic!("no +switch-master\n{}", c.sentinels[0].output()));
    let new_port: u16 = switch
        .split(' ')
        .nth(4)
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("{switch}"));
    assert!(all_name(&ports, new_port));
    std::thread::sleep(Duration::from_millis(500));
    stop.store(true, Ordering::Relaxed);
    let acked = w.join().expect("writer");
    let value: u64 = redis_cli(new_port, &["GET", "counter"])
        .trim()
        .parse()
        .unwrap_or(0);
    let log = c.sentinels[0].output();
    assert!(acked > 100, "the writer wrote ({acked})");
    assert!(
        value >= acked,
        "{} acknowledged writes lost ({acked} acknowledged, final value {value})\n{log}",
        acked - value
    );
    assert!(
        log.contains("Planned switchover of 'mymaster': old master now replicates from"),
        "{log}"
    );
    // The old master was demoted by the switchover itself and follows the new one.
    let old = redis_cli(c.master.port, &["INFO", "replication"]);
    assert!(old.contains("role:slave"), "{old}");
    assert!(old.contains(&format!("master_port:{new_port}")), "{old}");
}

#[test]
fn planned_switchover_falls_back_when_the_replica_cannot_catch_up() {
    // One replica only, frozen: the offset never arrives, the switchover gives up after
    // its catch-up limit and the failover goes on as redis' does once the replica is
    // back.
    let master = RedisServer::start();
    let replica = RedisServer::replica_of(master.port);
    let conf = format!(
        "sentinel monitor mymaster 127.0.0.1 {} 1\nsentinel down-after-milliseconds mymaster 5000\n",
        master.port
    );
    let s = Sentinel::start(&conf, &[]);
    assert!(wait_until(DISCOVERY, || {
        field(
            &s.client().cmd(&["SENTINEL", "MASTER", "mymaster"]),
            "num-slaves",
        )
        .as_deref()
            == Some("1")
    }));
    assert!(wait_until(DISCOVERY, || redis_cli(
        replica.port,
        &["INFO", "replication"]
    )
    .contains("master_link_status:up")));
    // Ensure the sentinel has the replica's INFO before it is frozen.
    std::thread::sleep(Duration::from_millis(1500));
    let pid = redis_cli(replica.port, &["INFO", "server"])
        .lines()
        .find_map(|l| l.trim_end().strip_prefix("process_id:").map(str::to_string))
        .unwrap_or_default();
    let signal = |sig: &str| {
        let st = Command::new("kill")
            .args([sig, &pid])
            .status()
            .expect("kill");
        assert!(st.success());
    };
    signal("-STOP");
    let r = s.client().cmd(&["SENTINEL", "FAILOVER", "mymaster"]);
    std::thread::sleep(Duration::from_millis(1500));
    signal("-CONT");
    assert_ok(&r);
    assert!(all_name(&[s.port], replica.port), "{}", s.output());
    let log = s.output();
    assert!(
        log.contains("Planned switchover of 'mymaster' falls back to a classic failover"),
        "{log}"
    );
    // The master's writes resumed when the switchover gave up.
    assert_eq!(redis_cli(master.port, &["SET", "k", "v"]).trim(), "OK");
}

#[test]
fn fast_failover_no_keeps_the_classic_path_and_survives_a_rewrite() {
    let c = cluster_with("sentinel fast-failover no\n");
    wait_discovery(&c);
    let s = &c.sentinels[0];
    // A rewrite (any SENTINEL SET saves the file) keeps the directive.
    assert_ok(
        &s.client()
            .cmd(&["SENTINEL", "SET", "mymaster", "quorum", "2"]),
    );
    assert!(
        lines_starting(&s.config_text(), "sentinel fast-failover")
            .contains(&"sentinel fast-failover no".to_string()),
        "{}",
        s.config_text()
    );
    assert!(replicas_in_sync(&c));
    let mut sub = s.client();
    sub.cmd(&["PSUBSCRIBE", "+switch-master"]);
    assert_ok(&s.client().cmd(&["SENTINEL", "FAILOVER", "mymaster"]));
    assert!(wait_event(&mut sub, "+switch-master", |_| true, FAILOVER).is_some());
    assert!(!s.output().contains("Planned switchover"), "{}", s.output());
}

#[test]
fn an_invalid_fast_failover_value_is_refused_at_start() {
    let dir = tempfile::tempdir().expect("temp dir");
    let conf = dir.path().join("sentinel.conf");
    std::fs::write(&conf, "sentinel fast-failover maybe\n").expect("write");
    let out = run_to_exit(&[conf.to_str().expect("utf-8")], dir.path());
    assert!(!out.status.success());
    let text =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Please specify yes or no for the fast-failover option."),
        "{text}"
    );
}

/// A redis-sentinel on a free port with `conf`, killed on drop.
struct RedisSentinel {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl RedisSentinel {
    fn start(conf: &str) -> RedisSentinel {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("sentinel.conf");
        std::fs::write(&path, conf).expect("write config");
        let port = free_port();
        let child = Command::new(REDIS_SENTINEL)
            .args([path.to_str().expect("utf-8"), "--port", &port.to_string()])
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn redis-sentinel");
        assert!(wait_until(LONG, || Client::try_connect(port).is_ok()));
        RedisSentinel {
            child,
            port,
            _dir: dir,
        }
    }
}

impl Drop for RedisSentinel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const REDIS_SENTINEL: &str = "/usr/bin/redis-sentinel";

/// `rsentinels` rsentinels and `3 - rsentinels` redis-sentinels watch one master with
/// two replicas; the master is killed, then the new master is failed over again by
/// `SENTINEL FAILOVER` sent to the last Sentinel. Every Sentinel must name the same new
/// master each time.
fn mixed_cluster(rsentinels: usize) {
    if !std::path::Path::new(REDIS_SENTINEL).exists() {
        eprintln!("SKIPPED: {REDIS_SENTINEL} is not installed");
        return;
    }
    let mut master = RedisServer::start();
    let replicas = [
        RedisServer::replica_of(master.port),
        RedisServer::replica_of(master.port),
    ];
    // A replica that never synced is never promoted in fast mode: no racing the sync.
    wait_synced(&replicas);
    let conf = format!(
        "sentinel monitor mymaster 127.0.0.1 {} 2\nsentinel down-after-milliseconds mymaster 1000\n\
         sentinel failover-timeout mymaster 10000\n",
        master.port
    );
    let ours: Vec<Sentinel> = (0..rsentinels)
        .map(|_| Sentinel::start(&conf, &[]))
        .collect();
    let theirs: Vec<RedisSentinel> = (rsentinels..3)
        .map(|_| RedisSentinel::start(&conf))
        .collect();
    let ports: Vec<u16> = ours
        .iter()
        .map(|s| s.port)
        .chain(theirs.iter().map(|s| s.port))
        .collect();
    let logs = || {
        ours.iter()
            .map(|s| s.output())
            .collect::<Vec<_>>()
            .join("\n----\n")
    };
    for &p in &ports {
        assert!(
            wait_until(DISCOVERY, || {
                let m = Client::connect(p).cmd(&["SENTINEL", "MASTER", "mymaster"]);
                field(&m, "num-other-sentinels").as_deref() == Some("2")
                    && field(&m, "num-slaves").as_deref() == Some("2")
            }),
            "sentinel {p} did not discover the cluster\n{}",
            logs()
        );
    }
    master.kill();
    let mut first = None;
    assert!(
        wait_until(FAILOVER, || {
            let named: Vec<Option<u16>> = ports.iter().map(|&p| named_master(&[p])).collect();
            first = named[0];
            named
                .iter()
                .all(|n| *n == named[0] && *n != Some(master.port))
        }),
        "the sentinels did not agree on a new master\n{}",
        logs()
    );
    let new_port = first.expect("a new master");
    // A planned switchover led by the last Sentinel (ours or redis'), once the new
    // master's replicas follow it.
    assert!(wait_until(FAILOVER, || {
        let info = redis_cli(new_port, &["INFO", "replication"]);
        info.contains("connected_slaves:1")
    }));
    std::thread::sleep(Duration::from_millis(1500));
    let last = *ports.last().expect("three sentinels");
    assert!(wait_until(FAILOVER, || {
        Client::connect(last).cmd(&["SENTINEL", "FAILOVER", "mymaster"]) == Frame::ok()
    }));
    assert!(
        wait_until(FAILOVER, || {
            let named: Vec<Option<u16>> = ports.iter().map(|&p| named_master(&[p])).collect();
            named
                .iter()
                .all(|n| *n == named[0] && *n != Some(new_port) && n.is_some())
        }),
        "the sentinels did not agree after SENTINEL FAILOVER\n{}",
        logs()
    );
}

#[test]
fn mixed_two_rsentinels_one_redis_sentinel() {
    mixed_cluster(2);
}

#[test]
fn mixed_one_rsentinel_two_redis_sentinels() {
    mixed_cluster(1);
}

#[test]
fn a_replica_following_another_master_is_never_promoted() {
    let master = RedisServer::start();
    let other = RedisServer::start();
    let mport = master.port.to_string();
    // Priority 1: redis' rule would choose this replica first.
    let stray = RedisServer::start_with(&[
        "--replicaof",
        "127.0.0.1",
        &mport,
        "--replica-priority",
        "1",
    ]);
    let good = RedisServer::replica_of(master.port);
    let conf = format!(
        "sentinel monitor mymaster 127.0.0.1 {} 1\nsentinel down-after-milliseconds mymaster 5000\n",
        master.port
    );
    let s = Sentinel::start(&conf, &[]);
    assert_ok(&s.client().cmd(&["SENTINEL", "DEBUG", "info-period", "200"]));
    let replicas_ok = |s: &Sentinel| {
        let r = s.client().cmd(&["SENTINEL", "REPLICAS", "mymaster"]);
        let list = items(&r);
        list.len() == 2
            && list
                .iter()
                .all(|x| field(x, "master-link-status").as_deref() == Some("ok"))
    };
    assert!(wait_until(DISCOVERY, || replicas_ok(&s)), "{}", s.output());
    // The stray replica now follows another master (an operator's mistake, or a
    // replica reused elsewhere): its replication ID is the other master's.
    let oport = other.port.to_string();
    redis_cli(stray.port, &["REPLICAOF", "127.0.0.1", &oport]);
    assert!(wait_until(LONG, || {
        let r = s.client().cmd(&["SENTINEL", "REPLICAS", "mymaster"]);
        items(&r).iter().any(|x| {
            field(x, "port").as_deref() == Some(&stray.port.to_string())
                && field(x, "master-port").as_deref() == Some(oport.as_str())
                && field(x, "master-link-status").as_deref() == Some("ok")
        })
    }));
    assert_ok(&s.client().cmd(&["SENTINEL", "FAILOVER", "mymaster"]));
    assert!(all_name(&[s.port], good.port), "{}", s.output());
    assert!(!s
        .output()
        .contains(&format!("+selected-slave slave 127.0.0.1:{}", stray.port)));
}

#[test]
fn a_lone_replica_restarted_empty_is_never_promoted() {
    // redis #14313: the master dies, its only replica restarts without its data (a new
    // replication ID, and no master to sync from). Redis' rule promotes it and the data
    // set is gone; rsentinel knows the master's history and waits for the master.
    let mut master = RedisServer::start();
    let mut replica = RedisServer::replica_of(master.port);
    let conf = format!(
        "sentinel monitor mymaster 127.0.0.1 {} 1\nsentinel down-after-milliseconds mymaster 1000\n",
        master.port
    );
    let s = Sentinel::start(&conf, &[]);
    assert_ok(&s.client().cmd(&["SENTINEL", "DEBUG", "info-period", "200"]));
    assert!(
        wait_until(DISCOVERY, || {
            let r = s.client().cmd(&["SENTINEL", "REPLICAS", "mymaster"]);
            items(&r)
                .iter()
                .any(|x| field(x, "master-link-status").as_deref() == Some("ok"))
        }),
        "{}",
        s.output()
    );
    // A few INFO periods, so the replica's ID is seen while it is linked.
    std::thread::sleep(Duration::from_millis(1000));
    let mut sub = s.client();
    sub.cmd(&["PSUBSCRIBE", "*"]);
    master.kill();
    replica.restart_empty();
    let wiped = redis_cli(replica.port, &["INFO", "replication"]);
    assert!(wiped.contains("master_link_status:down"), "{wiped}");
    assert!(
        wiped.contains("master_link_down_since_seconds:-1"),
        "{wiped}"
    );
    // The failover starts, finds no replica of this master's data, and gives up.
    let abort = wait_event(
        &mut sub,
        "-failover-abort-no-good-slave",
        |_| true,
        FAILOVER,
    );
    assert!(abort.is_some(), "no abort\n{}", s.output());
    std::thread::sleep(Duration::from_millis(2000));
    let log = s.output();
    assert!(!log.contains("+selected-slave"), "{log}");
    assert!(!log.contains("+switch-master"), "{log}");
    // Control: the master comes back (empty too, as it was started without
    // persistence) and stays the master; the replica syncs from it again.
    master.restart();
    assert!(
        wait_until(FAILOVER, || redis_cli(
            replica.port,
            &["INFO", "replication"]
        )
        .contains("master_link_status:up")),
        "{}",
        s.output()
    );
    assert_eq!(named_master(&[s.port]), Some(master.port));
}
