//! `resolve-hostnames yes` on real processes: host names that arrive at run time (a
//! replica announcing itself by name in its master's INFO, a Sentinel announcing itself
//! by name in its hellos) are looked up, without blocking, before the core reads them,
//! so the Sentinel knows those instances by address as redis-sentinel does. The config
//! names no host, so nothing was looked up at start.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failed test

mod common;

use common::*;
use std::time::Duration;

#[test]
fn names_learned_at_run_time_are_resolved() {
    let master = RedisServer::start();
    let mport = master.port.to_string();
    let _replica = RedisServer::start_with(&[
        "--replicaof",
        "127.0.0.1",
        &mport,
        "--replica-announce-ip",
        "localhost",
    ]);
    let conf = |announce: bool| {
        let mut c = format!(
            "sentinel resolve-hostnames yes\n\
             sentinel monitor mymaster 127.0.0.1 {mport} 2\n\
             sentinel down-after-milliseconds mymaster 60000\n"
        );
        if announce {
            c.push_str("sentinel announce-ip localhost\n");
        }
        c
    };
    let observer = Sentinel::start(&conf(false), &[]);
    let announcer = Sentinel::start(&conf(true), &[]);

    let mut cl = observer.client();
    let mut last = String::new();
    let discovered = wait_until(Duration::from_secs(30), || {
        let replicas = items(&cl.cmd(&["SENTINEL", "REPLICAS", "mymaster"]));
        let sentinels = items(&cl.cmd(&["SENTINEL", "SENTINELS", "mymaster"]));
        let ips = |list: &[rsentinel_resp::Frame]| -> Vec<(String, String)> {
            list.iter()
                .map(|f| {
                    let ip = field(f, "ip").unwrap_or_default();
                    (ip, field(f, "port").unwrap_or_default())
                })
                .collect()
        };
        last = format!(
            "replicas {:?}, sentinels {:?}",
            ips(&replicas),
            ips(&sentinels)
        );
        ips(&replicas).iter().any(|(ip, _)| ip == "127.0.0.1")
            && ips(&sentinels)
                .iter()
                .any(|(ip, port)| ip == "127.0.0.1" && *port == announcer.port.to_string())
    });
    assert!(
        discovered,
        "the replica (announced as localhost in INFO) and the Sentinel (announced as \
         localhost in its hellos) were not resolved: {last}\n{}",
        observer.output()
    );
    // The event loop went on answering throughout.
    assert_eq!(text(&cl.cmd(&["PING"])), "PONG");
}
