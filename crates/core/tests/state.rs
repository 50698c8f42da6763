//! Table tests of the read-only and state subcommands (lookups, CKQUORUM, RESET, DEBUG,
//! SIMULATE-FAILURE, IS-MASTER-DOWN-BY-ADDR, FAILOVER, INFO-CACHE) and of loading and
//! persisting the state, with texts checked against redis-sentinel 7.0.15.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failed test

mod common;

use common::*;
use rsentinel_config::{KnownSentinel, SentinelSettings};
use rsentinel_core::{LogLevel, Output, Reply};
use rsentinel_resp::Frame;

#[test]
fn masters_master_and_lookups() {
    let mut s = sentinel();
    run(&mut s, &["monitor", "other", "10.0.0.1", "7000", "1"]);
    let Frame::Array(ms) = run_at(&mut s, T0 + 250, &["masters"]).into_frame(true) else {
        panic!()
    };
    assert_eq!(ms.len(), 2);
    assert_eq!(field(&ms[0], "name").as_deref(), Some("mymaster"));
    assert_eq!(
        field(&ms[0], "flags").as_deref(),
        Some("master,disconnected")
    );
    assert_eq!(field(&ms[0], "last-ping-sent").as_deref(), Some("250"));
    assert_eq!(field(&ms[0], "info-refresh").as_deref(), Some("0"));
    assert_eq!(field(&ms[0], "link-pending-commands").as_deref(), Some("0"));
    assert_eq!(field(&ms[1], "quorum").as_deref(), Some("1"));
    for sub in [
        "master",
        "replicas",
        "slaves",
        "sentinels",
        "ckquorum",
        "failover",
        "remove",
    ] {
        assert_eq!(
            run(&mut s, &[sub, "nosuch"]),
            err("ERR No such master with that name"),
            "{sub}"
        );
    }
    assert_eq!(run(&mut s, &["replicas", "mymaster"]), Frame::Array(vec![]));
    assert_eq!(run(&mut s, &["myid"]), bulk(MYID));
    assert_eq!(run(&mut s, &["pending-scripts"]), Frame::Array(vec![]));
    assert_eq!(
        run(&mut s, &["get-master-addr-by-name", "other"]),
        Frame::bulk_array(["10.0.0.1", "7000"])
    );
    assert_eq!(
        run(&mut s, &["masters", "x"]),
        err("ERR wrong number of arguments for 'sentinel|masters' command")
    );
    assert_eq!(
        run(&mut s, &["nope"]),
        err("ERR unknown subcommand 'nope'. Try SENTINEL HELP.")
    );
}

#[test]
fn ckquorum_texts() {
    let mut cfg = settings();
    let m = &mut cfg.masters[0];
    m.quorum = 4;
    for i in 0..2 {
        m.known_sentinels.push(KnownSentinel {
            host: "10.0.0.9".into(),
            port: 26379 + i,
            runid: format!("{i:040}"),
        });
    }
    let mut s = sentinel_from(cfg.clone());
    // 3 usable of 3 voters, quorum 4.
    assert_eq!(
        run(&mut s, &["ckquorum", "mymaster"]),
        err("NOQUORUM 3 usable Sentinels. Not enough available Sentinels to reach the specified quorum for this master")
    );
    cfg.masters[0].quorum = 2;
    let mut s = sentinel_from(cfg);
    assert_eq!(
        run(&mut s, &["ckquorum", "mymaster"]),
        Frame::Simple(
            "OK 3 usable Sentinels. Quorum and failover authorization can be reached".into()
        )
    );
}

#[test]
fn reset_counts_and_announces_without_persisting() {
    let mut cfg = settings();
    cfg.masters[0]
        .known_replicas
        .push(("10.0.0.2".into(), 6379));
    cfg.masters[0].known_sentinels.push(KnownSentinel {
        host: "10.0.0.3".into(),
        port: 26379,
        runid: "a".repeat(40),
    });
    cfg.masters.push(rsentinel_config::MasterConfig::new(
        "other", "10.0.0.1", 7000, 1,
    ));
    let mut s = sentinel_from(cfg);
    // One timer run opens the links: master (command + pub/sub), replica (both), Sentinel
    // (command only) for "mymaster", and the master link of "other".
    s.tick(T0 + 1_000);
    let opened: Vec<_> = drain(&mut s)
        .into_iter()
        .filter_map(|o| match o {
            Output::Connect { conn, .. } => Some(conn),
            _ => None,
        })
        .collect();
    assert_eq!(opened.len(), 7);
    assert_eq!(run(&mut s, &["reset", "nomatch"]), Frame::Integer(0));
    assert_eq!(run(&mut s, &["reset", "my*"]), Frame::Integer(1));
    let out = drain(&mut s);
    assert!(!out.contains(&Output::FlushConfig));
    // Every connection of mymaster's instances is closed; other's stays.
    let closed: Vec<_> = out
        .iter()
        .filter_map(|o| match o {
            Output::Close(c) => Some(*c),
            _ => None,
        })
        .collect();
    assert_eq!(closed.len(), 5);
    assert!(closed.iter().all(|c| opened.contains(c)));
    assert!(
        matches!(out.last(), Some(Output::Event(e)) if e.kind == "+reset-master" && e.text == "master mymaster 127.0.0.1 6379")
    );
    let f = run(&mut s, &["master", "mymaster"]);
    assert_eq!(
        (
            field(&f, "num-slaves").as_deref(),
            field(&f, "num-other-sentinels").as_deref()
        ),
        (Some("0"), Some("0"))
    );
    assert_eq!(run(&mut s, &["reset", "*"]), Frame::Integer(2));
}

#[test]
fn simulate_failure_and_info() {
    let mut s = sentinel();
    assert_eq!(
        run(
            &mut s,
            &[
                "simulate-failure",
                "crash-after-election",
                "CRASH-AFTER-PROMOTION"
            ]
        ),
        Frame::ok()
    );
    assert!(s
        .info_section(T0)
        .contains("sentinel_simulate_failure_flags:3\r\n"));
    let logs = drain(&mut s);
    assert!(
        matches!(&logs[0], Output::Log { level: LogLevel::Warning, text } if text == "Failure simulation: this Sentinel will crash after being successfully elected as failover leader")
    );
    assert!(
        matches!(&logs[1], Output::Log { text, .. } if text == "Failure simulation: this Sentinel will crash after promoting the selected replica to master")
    );
    assert_eq!(
        run(&mut s, &["simulate-failure", "help", "foo"]),
        Frame::bulk_array(["crash-after-election", "crash-after-promotion"])
    );
    assert_eq!(s.simfailure_flags(), 0);
    assert_eq!(
        run(&mut s, &["simulate-failure", "foo"]),
        err("ERR Unknown failure simulation specified")
    );
    let info = s.info_section(T0);
    assert_eq!(
        info,
        "# Sentinel\r\nsentinel_masters:1\r\nsentinel_tilt:0\r\nsentinel_tilt_since_seconds:-1\r\n\
         sentinel_running_scripts:0\r\nsentinel_scripts_queue_length:0\r\nsentinel_simulate_failure_flags:0\r\n\
         master0:name=mymaster,status=ok,address=127.0.0.1:6379,slaves=0,sentinels=1\r\n"
    );
}

#[test]
fn debug_changes_timing_and_defaults_for_new_masters() {
    let mut s = sentinel();
    assert_eq!(
        run(
            &mut s,
            &["debug", "default-down-after", "1234", "ping-period", "100"]
        ),
        Frame::ok()
    );
    assert_eq!(s.timing().ping_period, 100);
    run(&mut s, &["monitor", "m2", "127.0.0.1", "1", "1"]);
    assert_eq!(
        field(&run(&mut s, &["master", "m2"]), "down-after-milliseconds").as_deref(),
        Some("1234")
    );
    assert_eq!(
        run(&mut s, &["debug", "foo"]),
        err("ERR Unknown option or number of arguments for SENTINEL DEBUG 'foo'")
    );
}

#[test]
fn is_master_down_by_addr_votes_once_per_epoch() {
    let mut s = sentinel();
    let reply = |s: &mut rsentinel_core::Sentinel, a: &[&str]| run(s, a);
    let ans = |down: i64, leader: &str, epoch: i64| {
        Frame::Array(vec![
            Frame::Integer(down),
            bulk(leader),
            Frame::Integer(epoch),
        ])
    };
    assert_eq!(
        reply(
            &mut s,
            &["is-master-down-by-addr", "127.0.0.1", "6379", "0", "*"]
        ),
        ans(0, "*", 0)
    );
    assert!(drain(&mut s).is_empty());
    assert_eq!(
        reply(
            &mut s,
            &["is-master-down-by-addr", "127.0.0.1", "6379", "5", "abcdef"]
        ),
        ans(0, "abcdef", 5)
    );
    let out = drain(&mut s);
    // The save after the new epoch and the one after the vote are one rewrite (the
    // later save writes both); it is still carried out before the reply is sent.
    assert!(matches!(&out[0], Output::Event(e) if e.kind == "+new-epoch" && e.text == "5"));
    assert_eq!(out[1], Output::FlushConfig);
    assert!(
        matches!(&out[2], Output::Event(e) if e.kind == "+vote-for-leader" && e.text == "abcdef 5")
    );
    assert_eq!(out.len(), 3);
    assert_eq!(
        reply(
            &mut s,
            &["is-master-down-by-addr", "127.0.0.1", "6379", "5", "other"]
        ),
        ans(0, "abcdef", 5)
    );
    assert_eq!(
        reply(
            &mut s,
            &["is-master-down-by-addr", "127.0.0.1", "6379", "3", "other"]
        ),
        ans(0, "abcdef", 5)
    );
    assert!(drain(&mut s).is_empty());
    assert_eq!(
        reply(
            &mut s,
            &["is-master-down-by-addr", "1.2.3.4", "1", "9", "zz"]
        ),
        ans(0, "*", 0)
    );
    assert_eq!(
        reply(
            &mut s,
            &["is-master-down-by-addr", "localhost", "6379", "9", "zz"]
        ),
        ans(0, "*", 0)
    );
    assert_eq!(
        reply(
            &mut s,
            &["is-master-down-by-addr", "127.0.0.1", "x", "0", "*"]
        ),
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(
        reply(
            &mut s,
            &["is-master-down-by-addr", "127.0.0.1", "1", "x", "*"]
        ),
        err("ERR value is not an integer or out of range")
    );
    let st = s.settings();
    assert_eq!((st.current_epoch, st.masters[0].leader_epoch), (5, 5));
    // The vote survives a restart through the settings, and is not given again.
    let mut s2 = sentinel_from(st);
    assert_eq!(
        reply(
            &mut s2,
            &["is-master-down-by-addr", "127.0.0.1", "6379", "5", "other"]
        ),
        ans(0, "*", 5)
    );
}

#[test]
fn failover_without_replicas() {
    let mut s = sentinel();
    assert_eq!(
        run(&mut s, &["failover", "mymaster"]),
        err("NOGOODSLAVE No suitable replica to promote")
    );
    assert!(drain(&mut s).is_empty());
}

#[test]
fn flushconfig_waits_for_the_rewrite() {
    let mut s = sentinel();
    assert_eq!(run_at(&mut s, T0, &["flushconfig"]), Reply::AfterFlush);
    assert_eq!(drain(&mut s), vec![Output::FlushConfig]);
}

#[test]
fn info_cache_shape() {
    let mut cfg = settings();
    cfg.masters[0]
        .known_replicas
        .push(("10.0.0.2".into(), 6379));
    let mut s = sentinel_from(cfg);
    let never = Frame::Array(vec![Frame::Integer(0), Frame::Null]);
    let want = Frame::Array(vec![
        bulk("mymaster"),
        Frame::Array(vec![never.clone(), never]),
    ]);
    assert_eq!(
        run(&mut s, &["info-cache", "mymaster", "nosuch", "mymaster"]),
        want
    );
    assert_eq!(run(&mut s, &["info-cache", "nosuch"]), Frame::Array(vec![]));
}

#[test]
fn new_generates_an_id_and_start_announces() {
    let mut cfg = settings();
    cfg.myid = None;
    let mut a = sentinel_from(cfg.clone());
    let b = sentinel_from(cfg.clone());
    assert_eq!(a.myid().len(), 40);
    assert!(a
        .myid()
        .bytes()
        .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    assert_eq!(a.myid(), b.myid(), "same seed, same id");
    a.start();
    let out = drain(&mut a);
    assert_eq!(out[0], Output::FlushConfig);
    assert_eq!(
        out[1],
        Output::Log {
            level: LogLevel::Warning,
            text: format!("Sentinel ID is {}", a.myid())
        }
    );
    assert!(
        matches!(&out[2], Output::Event(e) if e.kind == "+monitor" && e.text == "master mymaster 127.0.0.1 6379 quorum 2")
    );
    assert_eq!(a.settings().myid.as_deref(), Some(a.myid()));
    // With an id configured nothing needs persisting.
    let mut c = sentinel();
    c.start();
    assert!(!drain(&mut c).contains(&Output::FlushConfig));
    cfg.myid = Some("short".into());
    assert!(rsentinel_core::Sentinel::new(cfg, T0, 1, &no_dns).is_err());
}

#[test]
fn settings_round_trip() {
    let mut cfg: SentinelSettings = settings();
    cfg.current_epoch = 9;
    cfg.announce_ip = Some("10.9.9.9".into());
    cfg.announce_port = 26390;
    cfg.sentinel_user = Some("su".into());
    let m = &mut cfg.masters[0];
    m.down_after_ms = 5000;
    m.failover_timeout_ms = 9000;
    m.parallel_syncs = 2;
    m.auth_pass = Some("pw".into());
    m.config_epoch = 3;
    m.leader_epoch = 7;
    m.master_reboot_down_after_period_ms = 100;
    m.known_replicas = vec![("10.0.0.2".into(), 6379), ("10.0.0.3".into(), 6379)];
    m.known_sentinels = vec![KnownSentinel {
        host: "10.0.0.4".into(),
        port: 26379,
        runid: "b".repeat(40),
    }];
    m.rename_commands = vec![("CONFIG".into(), "XC".into())];
    cfg.masters
        .push(rsentinel_config::MasterConfig::new("two", "::1", 1, 1));
    cfg.masters[1].known_sentinels = vec![KnownSentinel {
        host: "10.0.0.4".into(),
        port: 26379,
        runid: "b".repeat(40),
    }];
    let s = sentinel_from(cfg.clone());
    assert_eq!(s.settings(), cfg);
    assert_eq!(sentinel_from(s.settings()).settings(), cfg);
    // The same Sentinel under two masters shares one link.
    let Frame::Array(sents) = run(&mut sentinel_from(cfg), &["sentinels", "two"]) else {
        panic!()
    };
    assert_eq!(field(&sents[0], "link-refcount").as_deref(), Some("2"));
}

#[test]
fn load_errors() {
    let mut cfg = settings();
    cfg.masters.push(rsentinel_config::MasterConfig::new(
        "mymaster",
        "127.0.0.1",
        1,
        1,
    ));
    let e = rsentinel_core::Sentinel::new(cfg, T0, 1, &no_dns).err();
    assert_eq!(e.map(|e| e.message), Some("Duplicate master name."));
    let mut cfg = settings();
    cfg.masters[0].host = "db.local".into();
    let e = rsentinel_core::Sentinel::new(cfg.clone(), T0, 1, &no_dns).err();
    assert_eq!(
        e.map(|e| e.message),
        Some("Can't resolve instance hostname.")
    );
    // With resolve-hostnames an unresolvable master is accepted, with an empty IP.
    cfg.resolve_hostnames = true;
    let mut s = sentinel_from(cfg);
    assert_eq!(
        field(&run(&mut s, &["master", "mymaster"]), "ip").as_deref(),
        Some("")
    );
    let mut cfg = settings();
    cfg.masters[0].known_replicas = vec![("10.0.0.2".into(), 1), ("10.0.0.2".into(), 1)];
    let e = rsentinel_core::Sentinel::new(cfg, T0, 1, &no_dns).err();
    assert_eq!(
        e.map(|e| e.message),
        Some("Duplicate hostname and port for replica.")
    );
}
