//! Table tests of the SENTINEL subcommands: replies and exact error texts (checked against
//! redis-sentinel 7.0.15), events, and config persistence requests.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failed test

mod common;

use common::*;
use rsentinel_core::{CommandEnv, LogLevel, Output, Reply, FLUSH_FAILED};
use rsentinel_resp::Frame;

#[test]
fn monitor_errors() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["monitor", "m2", "127.0.0.1", "abc", "2"],
            "ERR Invalid port",
        ),
        (
            &["monitor", "m2", "127.0.0.1", "1", "abc"],
            "ERR Invalid quorum",
        ),
        (
            &["monitor", "m2", "127.0.0.1", "x", "y"],
            "ERR Invalid quorum",
        ),
        (
            &["monitor", "m2", "127.0.0.1", "1", "0"],
            "ERR Quorum must be 1 or greater.",
        ),
        // Past an int, the file could not give the quorum back.
        (
            &["monitor", "m2", "127.0.0.1", "1", "3000000000"],
            "ERR Invalid quorum",
        ),
        (
            &["monitor", "m2", "127.0.0.1", "1", "-3"],
            "ERR Quorum must be 1 or greater.",
        ),
        (
            &["monitor", "m2", "foo.invalid", "1", "1"],
            "ERR Invalid IP address or hostname specified",
        ),
        (
            &["monitor", "m2", "localhost", "1", "1"],
            "ERR Invalid IP address or hostname specified",
        ),
        (
            &["monitor", "mymaster", "127.0.0.1", "1", "1"],
            "ERR Duplicate master name.",
        ),
        (
            &["monitor", "m2", "127.0.0.1", "70000", "1"],
            "ERR Invalid port number.",
        ),
        (
            &["monitor", "m2", "127.0.0.1", "-1", "1"],
            "ERR Invalid port number.",
        ),
        (
            &["monitor", "m2", "127.0.0.1", "1"],
            "ERR wrong number of arguments for 'sentinel|monitor' command",
        ),
    ];
    for (a, want) in cases {
        let mut s = sentinel();
        assert_eq!(run(&mut s, a), err(want), "{a:?}");
        assert!(
            drain(&mut s)
                .iter()
                .all(|o| !matches!(o, Output::FlushConfig | Output::Event(_))),
            "{a:?}"
        );
    }
}

#[test]
fn monitor_adds_persists_then_announces() {
    let mut s = sentinel();
    let r = run_at(&mut s, T0, &["monitor", "m 2", "::1", "6380", "3"]);
    assert_eq!(r, Reply::AfterFlush);
    let out = drain(&mut s);
    assert_eq!(out.len(), 2);
    assert_eq!(out[0], Output::FlushConfig);
    match &out[1] {
        Output::Event(e) => {
            assert_eq!(
                (e.level, e.kind.as_str(), e.text.as_str()),
                (
                    LogLevel::Warning,
                    "+monitor",
                    "master m 2 ::1 6380 quorum 3"
                )
            );
        }
        o => panic!("{o:?}"),
    }
    assert_eq!(s.masters().len(), 2);
    assert_eq!(
        run(&mut s, &["get-master-addr-by-name", "m 2"]),
        Frame::bulk_array(["::1", "6380"])
    );
    // The reply depends on the rewrite.
    assert_eq!(Reply::AfterFlush.into_frame(false), err(FLUSH_FAILED));
    assert_eq!(
        FLUSH_FAILED,
        "ERR Failed to save config file. Check server logs."
    );
}

#[test]
fn monitor_with_hostnames() {
    let mut cfg = settings();
    cfg.resolve_hostnames = true;
    let mut s = sentinel_from(cfg);
    let dns = |h: &str| (h == "db.local").then(|| "10.1.2.3".to_string());
    let ok = |_: &str| true;
    let env = CommandEnv {
        now_ms: T0,
        resolve: &dns,
        script_ok: &ok,
    };
    let r = s.command(&args(&["monitor", "db", "db.local", "6379", "1"]), &env);
    assert_eq!(r, Reply::AfterFlush);
    assert_eq!(
        events(&mut s),
        vec![("+monitor".into(), "master db 10.1.2.3 6379 quorum 1".into())]
    );
    let r = s.command(&args(&["monitor", "x", "nowhere", "6379", "1"]), &env);
    assert_eq!(
        r,
        Reply::Frame(err("ERR Invalid IP address or hostname specified"))
    );
    // Announcing hostnames shows the name as configured.
    run(&mut s, &["config", "set", "announce-hostnames", "yes"]);
    let f = run(&mut s, &["master", "db"]);
    assert_eq!(field(&f, "ip").as_deref(), Some("db.local"));
    let st = s.settings();
    assert_eq!(st.masters[1].host, "db.local");
}

#[test]
fn remove_announces_then_persists() {
    let mut s = sentinel();
    // Connect the master's link first, so removing it has connections to close.
    s.tick(T0 + 1_000);
    drain(&mut s);
    assert_eq!(
        run(&mut s, &["remove", "nosuch"]),
        err("ERR No such master with that name")
    );
    assert_eq!(
        run_at(&mut s, T0, &["remove", "mymaster"]),
        Reply::AfterFlush
    );
    let out = drain(&mut s);
    assert!(
        matches!(&out[0], Output::Event(e) if e.kind == "-monitor" && e.text == "master mymaster 127.0.0.1 6379")
    );
    assert!(matches!(out[1], Output::Close(_)));
    assert!(matches!(out[2], Output::Close(_)));
    assert_eq!(out[3], Output::FlushConfig);
    assert!(s.masters().is_empty());
    assert!(s.links().is_empty());
    assert_eq!(
        run(&mut s, &["get-master-addr-by-name", "mymaster"]),
        Frame::NullArray
    );
}

#[test]
fn set_applies_every_option_with_events() {
    let mut s = sentinel();
    let r = run_at(
        &mut s,
        T0,
        &[
            "set",
            "mymaster",
            "quorum",
            "1",
            "down-after-milliseconds",
            "5000",
            "auth-pass",
            "secret",
            "auth-user",
            "bob",
            "parallel-syncs",
            "3",
            "failover-timeout",
            "1000",
            "rename-command",
            "CONFIG",
            "XCONFIG",
            "master-reboot-down-after-period",
            "0",
        ],
    );
    assert_eq!(r, Reply::AfterFlush);
    let p = "master mymaster 127.0.0.1 6379";
    let want: Vec<(String, String)> = [
        "quorum 1",
        "down-after-milliseconds 5000",
        "auth-pass ******",
        "auth-user bob",
        "parallel-syncs 3",
        "failover-timeout 1000",
        "rename-command CONFIG XCONFIG",
        "master-reboot-down-after-period 0",
    ]
    .iter()
    .map(|t| ("+set".to_string(), format!("{p} {t}")))
    .collect();
    let out = drain(&mut s);
    assert_eq!(out.last(), Some(&Output::FlushConfig));
    let got: Vec<(String, String)> = out
        .into_iter()
        .filter_map(|o| match o {
            Output::Event(e) => Some((e.kind, e.text)),
            _ => None,
        })
        .collect();
    assert_eq!(got, want);
    let m = &s.settings().masters[0];
    assert_eq!(
        (
            m.quorum,
            m.down_after_ms,
            m.parallel_syncs,
            m.failover_timeout_ms
        ),
        (1, 5000, 3, 1000)
    );
    assert_eq!(
        (m.auth_pass.as_deref(), m.auth_user.as_deref()),
        (Some(&b"secret"[..]), Some(&b"bob"[..]))
    );
    assert_eq!(
        m.rename_commands,
        vec![("CONFIG".to_string(), "XCONFIG".to_string())]
    );
    let f = run(&mut s, &["master", "mymaster"]);
    assert_eq!(
        field(&f, "down-after-milliseconds").as_deref(),
        Some("5000")
    );
    // Renaming back to itself removes the entry; empty auth clears it.
    run(
        &mut s,
        &[
            "set",
            "mymaster",
            "rename-command",
            "config",
            "config",
            "auth-pass",
            "",
        ],
    );
    let m = &s.settings().masters[0];
    assert!(m.rename_commands.is_empty());
    assert_eq!(m.auth_pass, None);
}

#[test]
fn set_errors() {
    let denied = "ERR Reconfiguration of scripts path is denied for security reasons. Check the deny-scripts-reconfig configuration directive in your Sentinel configuration";
    let cases: &[(&[&str], &str)] = &[
        (
            &["set", "nosuch", "quorum", "1"],
            "ERR No such master with that name",
        ),
        (
            &["set", "mymaster", "quorum", "0"],
            "ERR Invalid argument '0' for SENTINEL SET 'quorum'",
        ),
        (
            &["set", "mymaster", "bogus", "1"],
            "ERR Unknown option or number of arguments for SENTINEL SET 'bogus'",
        ),
        (
            &["set", "mymaster", "quorum", "2", "bogus"],
            "ERR Unknown option or number of arguments for SENTINEL SET 'bogus'",
        ),
        (
            &["set", "mymaster", "rename-command", "a", ""],
            "ERR Invalid argument '' for SENTINEL SET 'rename-command'",
        ),
        (
            &["set", "mymaster", "rename-command", "", "b"],
            "ERR Invalid argument '' for SENTINEL SET 'rename-command'",
        ),
        (
            &["set", "mymaster", "rename-command", "a"],
            "ERR Unknown option or number of arguments for SENTINEL SET 'rename-command'",
        ),
        (
            &["set", "mymaster", "notification-script", "/bin/true"],
            denied,
        ),
        (&["set", "mymaster", "client-reconfig-script", ""], denied),
        (
            &["set", "mymaster", "master-reboot-down-after-period", "-1"],
            "ERR Invalid argument '-1' for SENTINEL SET 'master-reboot-down-after-period'",
        ),
        (
            &["set", "mymaster", "down-after-milliseconds", "1.5"],
            "ERR Invalid argument '1.5' for SENTINEL SET 'down-after-milliseconds'",
        ),
        (
            &["set", "mymaster", "failover-timeout", "-1"],
            "ERR Invalid argument '-1' for SENTINEL SET 'failover-timeout'",
        ),
        (
            &["set", "mymaster", "Parallel-Syncs", "x\ny"],
            "ERR Invalid argument 'x y' for SENTINEL SET 'Parallel-Syncs'",
        ),
        (
            &["set", "mymaster", "quorum"],
            "ERR wrong number of arguments for 'sentinel|set' command",
        ),
        // Past an int, the file could not give the value back (it is read with atoi).
        (
            &["set", "mymaster", "down-after-milliseconds", "4444444444"],
            "ERR Invalid argument '4444444444' for SENTINEL SET 'down-after-milliseconds'",
        ),
        (
            &[
                "set",
                "mymaster",
                "master-reboot-down-after-period",
                "2147483648",
            ],
            "ERR Invalid argument '2147483648' for SENTINEL SET 'master-reboot-down-after-period'",
        ),
        (
            &["set", "mymaster", "quorum", "4294967296"],
            "ERR Invalid argument '4294967296' for SENTINEL SET 'quorum'",
        ),
    ];
    for (a, want) in cases {
        let mut s = sentinel();
        assert_eq!(run(&mut s, a), err(want), "{a:?}");
    }
    // Pairs before the error stay applied and are persisted, the reply is the error.
    let mut s = sentinel();
    assert_eq!(
        run(&mut s, &["set", "mymaster", "quorum", "5", "bogus"]),
        err(cases[3].1)
    );
    let out = drain(&mut s);
    assert_eq!(out.last(), Some(&Output::FlushConfig));
    assert_eq!(s.settings().masters[0].quorum, 5);
    // Nothing applied: nothing persisted.
    run(&mut s, &["set", "mymaster", "quorum", "0"]);
    assert!(drain(&mut s).is_empty());
}

#[test]
fn set_scripts_when_allowed() {
    let mut cfg = settings();
    cfg.deny_scripts_reconfig = false;
    let mut s = sentinel_from(cfg);
    let no_script = |_: &str| false;
    let env = CommandEnv {
        now_ms: T0,
        resolve: &no_dns,
        script_ok: &no_script,
    };
    let cases = [
        (
            "notification-script",
            "ERR Notification script seems non existing or non executable",
        ),
        (
            "client-reconfig-script",
            "ERR Client reconfiguration script seems non existing or non executable",
        ),
    ];
    for (opt, want) in cases {
        let r = s.command(&args(&["set", "mymaster", opt, "/nope"]), &env);
        assert_eq!(r, Reply::Frame(err(want)));
    }
    assert_eq!(
        run_at(
            &mut s,
            T0,
            &["set", "mymaster", "notification-script", "/bin/true"]
        ),
        Reply::AfterFlush
    );
    let f = run(&mut s, &["master", "mymaster"]);
    assert_eq!(
        field(&f, "notification-script").as_deref(),
        Some("/bin/true")
    );
    drain(&mut s);
    // Warning events of this master now name its notification script.
    run(&mut s, &["set", "mymaster", "quorum", "1"]);
    let out = drain(&mut s);
    assert!(
        matches!(&out[0], Output::Event(e) if e.notification_script.as_deref() == Some("/bin/true"))
    );
    // Empty path clears.
    run(&mut s, &["set", "mymaster", "notification-script", ""]);
    assert_eq!(
        field(&run(&mut s, &["master", "mymaster"]), "notification-script"),
        None
    );
}

#[test]
fn config_get_and_set() {
    let mut s = sentinel();
    let all = run(&mut s, &["config", "get", "*"]);
    let want = Frame::Map(
        [
            ("resolve-hostnames", "no"),
            ("announce-hostnames", "no"),
            ("announce-ip", ""),
            ("announce-port", "0"),
            ("sentinel-user", ""),
            ("sentinel-pass", ""),
            // redis 7.2's addition
            ("loglevel", "notice"),
        ]
        .iter()
        .map(|(k, v)| (bulk(k), bulk(v)))
        .collect(),
    );
    assert_eq!(all, want);
    let sets: &[(&str, &str, &str)] = &[
        ("announce-ip", "1.2.3.4", "1.2.3.4"),
        ("ANNOUNCE-PORT", "26380", "26380"),
        ("resolve-hostnames", "YES", "yes"),
        ("announce-hostnames", "yes", "yes"),
        ("sentinel-user", "u", "u"),
        ("sentinel-pass", "p", "p"),
    ];
    for (k, v, shown) in sets {
        assert_eq!(
            run_at(&mut s, T0, &["config", "set", k, v]),
            Reply::AfterFlush,
            "{k}"
        );
        assert!(drain(&mut s).contains(&Output::FlushConfig));
        let got = run(&mut s, &["config", "get", &k.to_ascii_lowercase()]);
        assert_eq!(
            got,
            Frame::Map(vec![(bulk(&k.to_ascii_lowercase()), bulk(shown))])
        );
    }
    assert_eq!(
        frame_keys(&run(&mut s, &["config", "get", "ANNOUNCE*"])),
        ["announce-hostnames", "announce-ip", "announce-port"]
    );
    assert_eq!(
        run(&mut s, &["config", "get", "nomatch"]),
        Frame::Map(vec![])
    );
    let st = s.settings();
    assert_eq!(
        (
            st.announce_ip.as_deref(),
            st.announce_port,
            st.sentinel_user.as_deref()
        ),
        (Some(&b"1.2.3.4"[..]), 26380, Some(&b"u"[..]))
    );
    // Empty values: announce-ip is kept as "", credentials are cleared.
    run(&mut s, &["config", "set", "announce-ip", ""]);
    run(&mut s, &["config", "set", "sentinel-pass", ""]);
    let st = s.settings();
    assert_eq!(
        (st.announce_ip.as_deref(), st.sentinel_pass),
        (Some(&b""[..]), None)
    );
    let errs: &[(&[&str], &str)] = &[
        (
            &["config", "set", "foo", "bar"],
            "ERR Invalid argument 'foo' to SENTINEL CONFIG SET",
        ),
        (
            &["config", "set", "announce-port", "x"],
            "ERR Invalid value 'x' to SENTINEL CONFIG SET 'announce-port'",
        ),
        (
            &["config", "set", "announce-port", "65536"],
            "ERR Invalid value '65536' to SENTINEL CONFIG SET 'announce-port'",
        ),
        (
            &["config", "set", "announce-port", "-1"],
            "ERR Invalid value '-1' to SENTINEL CONFIG SET 'announce-port'",
        ),
        (
            &["config", "set", "resolve-hostnames", "maybe"],
            "ERR Invalid value 'maybe' to SENTINEL CONFIG SET 'resolve-hostnames'",
        ),
        (
            &["config", "foo"],
            "ERR Only SENTINEL CONFIG GET <option> / SET <option> <value> are supported.",
        ),
        (
            &["config", "get"],
            "ERR Only SENTINEL CONFIG GET <option> / SET <option> <value> are supported.",
        ),
        (
            &["config", "set", "announce-ip"],
            "ERR Only SENTINEL CONFIG GET <option> / SET <option> <value> are supported.",
        ),
        // redis 7.2's several-parameter form: checked whole before anything changes.
        (
            &["config", "set", "announce-port", "1", "Announce-Port", "2"],
            "ERR Duplicate argument 'Announce-Port' to SENTINEL CONFIG SET",
        ),
        (
            &["config", "set", "announce-port", "1", "loglevel"],
            "ERR Missing argument 'loglevel' value",
        ),
        (
            &["config", "set", "announce-port", "1", "loglevel", "loud"],
            "ERR Invalid value 'loud' to SENTINEL CONFIG SET 'loglevel'",
        ),
        (
            &["config", "set", "announce-port", "1", "x", "y"],
            "ERR Invalid argument 'x' to SENTINEL CONFIG SET",
        ),
    ];
    for (a, want) in errs {
        assert_eq!(run(&mut s, a), err(want), "{a:?}");
    }
    assert_eq!(
        s.settings().announce_port,
        26380,
        "a refused call changes nothing"
    );
    // Several parameters: one save, all applied; GET lists each match once.
    drain(&mut s);
    assert_eq!(
        run_at(
            &mut s,
            T0,
            &["config", "set", "announce-port", "7", "LOGLEVEL", "Warning"]
        ),
        Reply::AfterFlush
    );
    let flushes = drain(&mut s)
        .iter()
        .filter(|o| **o == Output::FlushConfig)
        .count();
    assert_eq!(flushes, 1);
    assert_eq!(s.loglevel(), rsentinel_config::LogLevel::Warning);
    assert_eq!(
        run(
            &mut s,
            &["config", "get", "*port", "loglevel", "announce-port"]
        ),
        Frame::Map(vec![
            (bulk("announce-port"), bulk("7")),
            (bulk("loglevel"), bulk("warning"))
        ])
    );
}
