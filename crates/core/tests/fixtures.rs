//! Replies compared with captures from the real redis-sentinel 7.0.15
//! (tests/fixtures/*.resp2|resp3, raw bytes from the wire).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failed test

mod common;

use common::*;
use rsentinel_config::{KnownSentinel, MasterConfig};
use rsentinel_core::help_frame;
use rsentinel_resp::Frame;

#[test]
fn help_is_byte_identical() {
    let mut s = sentinel();
    let reply = run(&mut s, &["help"]);
    assert_eq!(reply, help_frame());
    assert_eq!(resp2(&reply), fixture("help.resp2"));
}

#[test]
fn debug_defaults_are_byte_identical() {
    let mut s = sentinel();
    assert_eq!(resp2(&run(&mut s, &["debug"])), fixture("debug.resp2"));
}

#[test]
fn ckquorum_ok_is_byte_identical() {
    let mut cfg = settings();
    cfg.masters[0].quorum = 1;
    let mut s = sentinel_from(cfg);
    assert_eq!(
        resp2(&run(&mut s, &["ckquorum", "mymaster"])),
        fixture("ckquorum.resp2")
    );
}

#[test]
fn fresh_master_matches_real_monitor_then_master() {
    // Real: `SENTINEL MONITOR fresh 127.0.0.1 27349 2` then `SENTINEL MASTER fresh` ~1 ms later.
    let replies = read_all(&fixture("monitor_fresh.resp2"));
    assert_eq!(replies[0], V::Simple("OK".into()));
    let mut s = sentinel();
    assert_eq!(
        run_at(&mut s, T0, &["monitor", "fresh", "127.0.0.1", "27349", "2"]).into_frame(true),
        Frame::ok()
    );
    let got = run_at(&mut s, T0 + 1, &["master", "fresh"]).into_frame(true);
    assert_eq!(frame_keys(&got), fixture_keys(&replies[1]));
    // Byte-identical, time fields included, since both are 1 ms after creation.
    assert_eq!(resp2(&got), {
        let raw = fixture("monitor_fresh.resp2");
        raw[5..].to_vec()
    });
}

#[test]
fn live_master_field_order() {
    let live = read_all(&fixture("master_live.resp2"));
    let mut s = sentinel();
    let got = run(&mut s, &["master", "mymaster"]);
    assert_eq!(frame_keys(&got), fixture_keys(&live[0]));
    // The RESP3 capture (after HELLO 3) is a real map with the same fields.
    let live3 = read_all(&fixture("master_live.resp3"));
    assert_eq!(frame_keys(&got), fixture_keys(&live3[1]));
}

#[test]
fn replica_and_sentinel_field_order() {
    let mut cfg = settings();
    let m: &mut MasterConfig = &mut cfg.masters[0];
    m.known_replicas.push(("127.0.0.1".into(), 27302));
    m.known_sentinels.push(KnownSentinel {
        host: "127.0.0.1".into(),
        port: 27303,
        runid: "3802426aea6854220fe0fbb6be93633913d2be90".into(),
    });
    let mut s = sentinel_from(cfg);
    for (sub, fx) in [
        ("replicas", "replicas_live.resp2"),
        ("sentinels", "sentinels_live.resp2"),
    ] {
        let live = read_all(&fixture(fx));
        let V::Arr(items) = &live[0] else {
            panic!("array expected")
        };
        let Frame::Array(got) = run(&mut s, &[sub, "mymaster"]) else {
            panic!("array expected")
        };
        assert_eq!(got.len(), 1);
        assert_eq!(frame_keys(&got[0]), fixture_keys(&items[0]), "{sub}");
    }
    let Frame::Array(reps) = run(&mut s, &["replicas", "mymaster"]) else {
        panic!()
    };
    assert_eq!(field(&reps[0], "name").as_deref(), Some("127.0.0.1:27302"));
    assert_eq!(
        field(&reps[0], "flags").as_deref(),
        Some("slave,disconnected")
    );
    assert_eq!(field(&reps[0], "master-host").as_deref(), Some("?"));
    assert_eq!(
        field(&reps[0], "master-link-status").as_deref(),
        Some("err")
    );
    assert_eq!(field(&reps[0], "role-reported").as_deref(), Some("slave"));
    let Frame::Array(sents) = run(&mut s, &["sentinels", "mymaster"]) else {
        panic!()
    };
    assert_eq!(
        field(&sents[0], "flags").as_deref(),
        Some("sentinel,disconnected")
    );
    assert_eq!(field(&sents[0], "voted-leader").as_deref(), Some("?"));
    assert_eq!(
        field(&sents[0], "runid").as_deref(),
        Some("3802426aea6854220fe0fbb6be93633913d2be90")
    );
}
