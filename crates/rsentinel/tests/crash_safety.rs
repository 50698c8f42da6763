//! Crash safety of the config file: a sentinel rewriting its config over and over is
//! killed with SIGKILL at random moments; the file on disk must always be a whole, valid
//! config (the old or the new value of the setting being changed, never a torn mix),
//! and the restarted sentinel keeps its identity and epoch.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failed test

mod common;

use common::*;
use rsentinel_resp::Frame;
use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

/// How many masters the sentinel watches (every rewrite writes all of them).
const MASTERS: usize = 50;
/// Kill/restart rounds.
const ROUNDS: usize = 15;

/// What the file may hold for one master's setting: the last acknowledged value, or the
/// value of a command sent but not yet acknowledged when the process died.
#[derive(Clone, Copy, Debug, Default)]
struct Expect {
    quorum: u32,
    down_after: u64,
}

fn initial_config() -> String {
    let mut conf = String::from("sentinel current-epoch 7\n");
    for i in 0..MASTERS {
        // Port 1 on loopback: nobody listens, the masters just stay unreachable.
        conf.push_str(&format!(
            "sentinel monitor m{i} 127.0.0.1 1 2\nsentinel down-after-milliseconds m{i} 600000\n"
        ));
    }
    conf
}

/// Files in the sentinel's directory that are neither the config nor the log.
fn stray_files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir)
        .expect("read the sentinel's directory")
        .flatten()
    {
        let name = e.file_name().to_string_lossy().into_owned();
        if name != "sentinel.conf" && name != "stdout.log" {
            out.push(name);
        }
    }
    out
}

/// A leftover of an interrupted rewrite: `sentinel.conf.rsentinel-tmp.XXXXXX`.
fn is_rewrite_temp(name: &str) -> bool {
    name.strip_prefix("sentinel.conf.rsentinel-tmp.")
        .is_some_and(|s| s.len() == 6 && s.bytes().all(|b| b.is_ascii_alphanumeric()))
}

fn parse(text: &str) -> rsentinel_config::Config {
    match rsentinel_config::parse(text, "sentinel.conf") {
        Ok(c) => c,
        Err(e) => panic!("config does not parse after a crash: {e:?}\n{text}"),
    }
}

#[test]
fn config_survives_sigkill_during_rewrites() {
    let started = Instant::now();
    let mut rng = Rng(0x5eed_1234_abcd_0042);
    let mut s = Sentinel::start(&initial_config(), &[]);
    let first = parse(&s.config_text());
    let myid = first
        .sentinel
        .myid
        .clone()
        .expect("myid written at start-up");
    let mut epoch = first.sentinel.current_epoch;
    assert!(epoch >= 7, "current-epoch went down at start-up: {epoch}");
    let mut acked: HashMap<String, Expect> = first
        .sentinel
        .masters
        .iter()
        .map(|m| {
            let e = Expect {
                quorum: m.quorum,
                down_after: m.down_after_ms,
            };
            (m.name.clone(), e)
        })
        .collect();
    assert_eq!(acked.len(), MASTERS);
    let mut seq = 0u64;
    let mut killed_mid_command = 0;
    let mut temps_left = 0;
    for round in 0..ROUNDS {
        let run_for = Duration::from_millis(100 + rng.below(300));
        let mut c = s.client();
        let until = Instant::now() + run_for;
        while Instant::now() < until {
            seq += 1;
            let name = format!("m{}", rng.below(MASTERS as u64));
            let mut want = acked[&name];
            let (opt, val) = if rng.below(2) == 0 {
                want.quorum = 1 + (seq % 9) as u32;
                ("quorum", want.quorum.to_string())
            } else {
                want.down_after = 500_000 + seq;
                ("down-after-milliseconds", want.down_after.to_string())
            };
            let reply = c.cmd(&["SENTINEL", "SET", &name, opt, &val]);
            assert_eq!(reply, Frame::ok(), "SENTINEL SET {name} {opt} {val}");
            acked.insert(name, want);
        }
        // Send one more and kill while it is being applied (or just before/after).
        seq += 1;
        let name = format!("m{}", rng.below(MASTERS as u64));
        let mut want = acked[&name];
        want.quorum = 1 + (seq % 9) as u32;
        let val = want.quorum.to_string();
        c.send(&["SENTINEL", "SET", &name, "quorum", &val]);
        // The command in flight when the kill lands: (master, value it may have set).
        let in_flight = Some((name.clone(), want));
        std::thread::sleep(Duration::from_micros(rng.below(3000)));
        s.signal("KILL");
        assert!(s.wait_exit().is_some(), "sentinel did not die on SIGKILL");
        if c.recv_timeout(Duration::from_millis(50)).is_none() {
            killed_mid_command += 1;
        }

        // The file is whole and holds, for every master, an acknowledged value, or for
        // the master being changed, possibly the new value.
        let conf_text = s.config_text();
        let cfg = parse(&conf_text);
        assert_eq!(
            cfg.sentinel.myid.as_deref(),
            Some(myid.as_str()),
            "round {round}"
        );
        assert!(
            cfg.sentinel.current_epoch >= epoch,
            "round {round}: epoch went down"
        );
        epoch = cfg.sentinel.current_epoch;
        assert_eq!(
            cfg.sentinel.masters.len(),
            MASTERS,
            "round {round}:\n{conf_text}"
        );
        for m in &cfg.sentinel.masters {
            let old = acked[&m.name];
            let ok_old = m.quorum == old.quorum && m.down_after_ms == old.down_after;
            let ok_new = in_flight.as_ref().is_some_and(|(n, e)| {
                *n == m.name && m.quorum == e.quorum && m.down_after_ms == e.down_after
            });
            assert!(
                ok_old || ok_new,
                "round {round}: {} has quorum {} down-after {}, expected {old:?} or {in_flight:?}",
                m.name,
                m.quorum,
                m.down_after_ms
            );
            if !ok_old {
                // The in-flight change made it to disk: it is the baseline from now on.
                acked.insert(m.name.clone(), want);
            }
        }
        // Nothing but the config, the log and at most the one temp file of a rewrite that
        // was cut short (SIGKILL leaves no chance to remove it; redis leaves it for good,
        // rsentinel removes it at its next start).
        let strays = stray_files(s.dir.path());
        assert!(
            strays.len() <= 1 && strays.iter().all(|n| is_rewrite_temp(n)),
            "round {round}: unexpected files {strays:?}"
        );
        temps_left += strays.len();

        // Restart on the same directory and file.
        let dir = std::mem::replace(&mut s.dir, tempfile::tempdir().expect("temp dir"));
        drop(s);
        s = Sentinel::start_in(dir, &[]);
        let mut admin = s.client();
        for n in &strays {
            assert!(
                !s.dir.path().join(n).exists(),
                "round {round}: the restarted sentinel left {n}"
            );
        }
        assert_eq!(
            admin.cmd(&["SENTINEL", "MYID"]),
            Frame::Bulk(myid.clone().into())
        );
        let info = text(&admin.cmd(&["INFO", "sentinel"]));
        assert!(
            info.contains(&format!("sentinel_masters:{MASTERS}")),
            "{info}"
        );
        let restarted = parse(&s.config_text());
        assert!(restarted.sentinel.current_epoch >= epoch);
        epoch = restarted.sentinel.current_epoch;
    }
    // A clean rewrite after all this leaves no temp file behind.
    let mut c = s.client();
    assert_eq!(
        c.cmd(&["SENTINEL", "SET", "m0", "quorum", "3"]),
        Frame::ok()
    );
    assert!(stray_files(s.dir.path()).is_empty());
    assert_eq!(parse(&s.config_text()).sentinel.masters[0].quorum, 3);
    println!(
        "{ROUNDS} rounds, {seq} rewrites, {killed_mid_command} kills before the reply, \
         {temps_left} temp files left by a kill, {:?}",
        started.elapsed()
    );
}

/// A master's config epoch learnt from a peer's hello, with the master where we already
/// see it, is on disk before a crash can lose it: redis-sentinel keeps it in memory only,
/// so after a crash it would take an older hello's configuration again. The save is quiet,
/// so the log stays line for line what redis would print.
#[test]
fn a_config_epoch_learnt_from_a_hello_survives_a_crash() {
    let master = RedisServer::start();
    let port = master.port.to_string();
    let conf = format!("sentinel monitor m 127.0.0.1 {port} 2\n");
    let mut s = Sentinel::start(&conf, &[]);
    wait_hello_subscriber(master.port);
    let peer = "abcdefabcdefabcdefabcdefabcdefabcdefabcd";
    let hello =
        |config_epoch: u64| format!("127.0.0.1,26998,{peer},5,m,127.0.0.1,{port},{config_epoch}");
    // First the peer is discovered and its current epoch taken (announced saves, as in
    // redis)...
    assert!(
        wait_until(LONG, || {
            redis_cli(master.port, &["PUBLISH", "__sentinel__:hello", &hello(0)]);
            std::thread::sleep(Duration::from_millis(50));
            s.cli(&["SENTINEL", "SENTINELS", "m"]).contains(peer)
        }),
        "the hello was never taken"
    );
    let saves = |s: &Sentinel| {
        s.output()
            .matches("Sentinel new configuration saved on disk")
            .count()
    };
    let announced = saves(&s);
    // ... then it tells of config epoch 5 for the same address.
    let epoch_of = |text: &str| parse(text).sentinel.masters[0].config_epoch;
    assert!(
        wait_until(LONG, || {
            redis_cli(master.port, &["PUBLISH", "__sentinel__:hello", &hello(5)]);
            std::thread::sleep(Duration::from_millis(50));
            epoch_of(&s.config_text()) == 5
        }),
        "the learnt config epoch never reached the file"
    );
    assert_eq!(saves(&s), announced, "{}", s.output());
    s.signal("KILL");
    assert!(s.wait_exit().is_some(), "sentinel did not die on SIGKILL");
    let dir = std::mem::replace(&mut s.dir, tempfile::tempdir().expect("temp dir"));
    drop(s);
    let s = Sentinel::start_in(dir, &[]);
    let master_info = pairs(&s.client().cmd(&["SENTINEL", "MASTER", "m"]));
    assert!(
        master_info.contains(&("config-epoch".to_string(), "5".to_string())),
        "{master_info:?}"
    );
}
