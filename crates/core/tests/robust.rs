//! Arbitrary SENTINEL command sequences: never a panic, epochs never go back, and the
//! persisted settings reload to the same state.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failed test

mod common;

use common::*;
use proptest::prelude::*;
use rsentinel_core::{Output, Reply, Sentinel};

const SUBS: &[&str] = &[
    "monitor",
    "remove",
    "set",
    "config",
    "masters",
    "master",
    "replicas",
    "sentinels",
    "reset",
    "ckquorum",
    "info-cache",
    "debug",
    "simulate-failure",
    "is-master-down-by-addr",
    "failover",
    "flushconfig",
    "get-master-addr-by-name",
    "myid",
    "help",
    "pending-scripts",
    "bogus",
];

const WORDS: &[&str] = &[
    "mymaster",
    "m2",
    "127.0.0.1",
    "::1",
    "host.name",
    "6379",
    "0",
    "1",
    "2",
    "-1",
    "99999999999999999999",
    "",
    "*",
    "m*",
    "[a-",
    "\\",
    "quorum",
    "down-after-milliseconds",
    "failover-timeout",
    "parallel-syncs",
    "auth-pass",
    "auth-user",
    "rename-command",
    "master-reboot-down-after-period",
    "notification-script",
    "get",
    "set",
    "announce-ip",
    "announce-port",
    "resolve-hostnames",
    "announce-hostnames",
    "yes",
    "no",
    "sentinel-user",
    "sentinel-pass",
    "info-period",
    "crash-after-election",
    "help",
    "abc",
];

fn command() -> impl Strategy<Value = Vec<String>> {
    (
        proptest::sample::select(SUBS),
        proptest::collection::vec(proptest::sample::select(WORDS), 0..7),
    )
        .prop_map(|(sub, rest)| {
            std::iter::once(sub)
                .chain(rest)
                .map(str::to_string)
                .collect()
        })
}

proptest! {
    #[test]
    fn any_sequence_is_safe(cmds in proptest::collection::vec(command(), 1..40), flush_ok in any::<bool>()) {
        let mut s = sentinel();
        let mut epoch = s.current_epoch();
        for c in &cmds {
            let a: Vec<&str> = c.iter().map(String::as_str).collect();
            let reply = run_at(&mut s, T0 + 5, &a);
            let out = drain(&mut s);
            if reply == Reply::AfterFlush {
                prop_assert!(out.contains(&Output::FlushConfig));
            }
            let _ = reply.into_frame(flush_ok);
            prop_assert!(s.current_epoch() >= epoch);
            epoch = s.current_epoch();
        }
        let saved = s.settings();
        let reloaded = Sentinel::new(saved.clone(), T0, 1, &no_dns);
        prop_assert!(reloaded.is_ok(), "{:?}", reloaded.err());
        if let Ok(r) = reloaded {
            let again = r.settings();
            prop_assert_eq!(&again.masters, &saved.masters);
            prop_assert_eq!(again.current_epoch, saved.current_epoch);
            prop_assert_eq!(again.myid, saved.myid);
        }
    }
}
