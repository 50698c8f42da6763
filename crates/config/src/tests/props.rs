//! Property tests: render/parse round trip, order independence, no panics.

use proptest::prelude::*;

use crate::*;

prop_compose! {
    fn word()(w in "[a-zA-Z0-9_.-]{1,12}") -> String { w }
}

prop_compose! {
    fn ip()(a in 0u8..=255, b in 0u8..=255, c in 0u8..=255, d in 0u8..=255) -> String { format!("{a}.{b}.{c}.{d}") }
}

prop_compose! {
    fn master(idx: usize)(
        host in ip(), port in 0u16.., quorum in 1u32..10,
        down in 1u64..100_000, fo in 1u64..1_000_000, ps in 0u32..10,
        script in proptest::option::of(Just("/bin/true".to_string())),
        pass in proptest::option::of(word()), user in proptest::option::of(word()),
        reboot in 0u64..10_000, cfg in 0u64..1000, leader in 0u64..1000,
        replicas in proptest::collection::btree_set((ip(), 1u16..), 0..3),
        sentinels in proptest::collection::btree_map("[0-9a-f]{40}", (ip(), 1u16..), 0..3),
        renames in proptest::collection::btree_map("[a-z]{1,8}", word(), 0..3),
    ) -> MasterConfig {
        let mut m = MasterConfig::new(&format!("master{idx}"), &host, port, quorum);
        m.down_after_ms = down;
        m.failover_timeout_ms = fo;
        m.parallel_syncs = ps;
        m.notification_script = script.clone();
        m.client_reconfig_script = script;
        m.auth_pass = pass.map(String::into_bytes);
        m.auth_user = user.map(String::into_bytes);
        m.master_reboot_down_after_period_ms = reboot;
        m.config_epoch = cfg;
        m.leader_epoch = leader;
        m.known_replicas = replicas.into_iter().collect();
        m.known_sentinels = sentinels.into_iter().map(|(runid, (host, port))| KnownSentinel { host, port, runid }).collect();
        m.rename_commands = renames.into_iter().collect();
        m
    }
}

prop_compose! {
    fn config()(
        m0 in master(0), m1 in master(1), n in 0usize..=2,
        myid in "[0-9a-f]{40}", epoch in 1000u64..2000,
        deny in any::<bool>(), resolve in any::<bool>(), announce in any::<bool>(), fast in any::<bool>(),
        aip in proptest::option::of(ip()), aport in 0u16..,
        suser in proptest::option::of(word()), spass in proptest::option::of(word()),
        port in 0u16.., protected in any::<bool>(), daemonize in any::<bool>(),
        logfile in "[a-z/]{0,10}", pidfile in proptest::option::of("[a-z/ \"]{1,10}"),
        maxclients in 1u32.., timeout in 0u64..100,
    ) -> Config {
        let sentinel = SentinelSettings {
            myid: Some(myid), current_epoch: epoch, deny_scripts_reconfig: deny,
            resolve_hostnames: resolve, announce_hostnames: announce, fast_failover: fast, announce_ip: aip.map(String::into_bytes),
            announce_port: aport, sentinel_user: suser.map(String::into_bytes), sentinel_pass: spass.map(String::into_bytes),
            masters: vec![m0, m1].into_iter().take(n).collect(),
        };
        let mut c = Config { sentinel, ..Config::default() };
        c.server.port = port;
        c.server.protected_mode = protected;
        c.server.daemonize = daemonize;
        c.server.logfile = logfile;
        c.server.pidfile = pidfile;
        c.server.maxclients = maxclients;
        c.server.timeout = timeout;
        c.server.dir = Some("/work dir".into());
        c.server.users = vec![["default", "on", "nopass", "~*", "&*", "+@all"].map(|w| w.as_bytes().to_vec()).to_vec()];
        c
    }
}

proptest! {
    #[test]
    fn render_then_parse_round_trips(c in config(), old in proptest::sample::select(vec!["", "# hi\nport 1\n", "sentinel myid 0000000000000000000000000000000000000000\n"])) {
        let out = render(old, &c, &RewriteEnv::new("/work dir"));
        let mut back = parse(&out, "x").map_err(|e| TestCaseError::fail(e.to_string()))?;
        // Redis always writes the (default) percentiles line; it comes back as a kept directive.
        prop_assert_eq!(back.server.other.pop(), Some(("latency-tracking-info-percentiles".to_string(), vec!["50".to_string(), "99".to_string(), "99.9".to_string()])));
        // Like redis, values equal to redis-server's defaults (protected-mode yes, port 6379)
        // are only written over an existing line; otherwise the sentinel defaults come back.
        let mut want = c;
        if want.server.protected_mode && !old.contains("protected-mode") {
            want.server.protected_mode = false;
        }
        if want.server.port == 6379 && !old.contains("port") {
            want.server.port = 26379;
        }
        prop_assert_eq!(back, want);
    }

    #[test]
    fn sentinel_line_order_does_not_matter(c in config(), seed in any::<u64>()) {
        let out = render("", &c, &RewriteEnv::new("/work dir"));
        let mut lines: Vec<&str> = out.lines().collect();
        // A deterministic shuffle driven by the seed.
        let mut x = seed | 1;
        for i in (1..lines.len()).rev() {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            lines.swap(i, (x % (i as u64 + 1)) as usize);
        }
        let shuffled = parse(&lines.join("\n"), "x").map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut want = c.sentinel.clone();
        let mut got = shuffled.sentinel;
        // Masters are created in the order of their monitor lines; compare by name.
        want.masters.sort_by(|a, b| a.name.cmp(&b.name));
        got.masters.sort_by(|a, b| a.name.cmp(&b.name));
        for (g, w) in got.masters.iter_mut().zip(want.masters.iter_mut()) {
            g.known_replicas.sort(); w.known_replicas.sort();
            g.known_sentinels.sort_by(|a, b| a.runid.cmp(&b.runid)); w.known_sentinels.sort_by(|a, b| a.runid.cmp(&b.runid));
            g.rename_commands.sort(); w.rename_commands.sort();
        }
        prop_assert_eq!(got, want);
    }

    #[test]
    fn parse_never_panics(t in "([\\x00-\\x7f]|\\PC){0,200}") {
        let _ = parse(&t, "fuzz");
    }

    #[test]
    fn directive_shaped_input_never_panics(lines in proptest::collection::vec(
        (
            proptest::sample::select(vec![
                "sentinel monitor", "sentinel known-replica", "sentinel known-sentinel", "sentinel config-epoch",
                "sentinel down-after-milliseconds", "sentinel rename-command", "sentinel myid", "sentinel current-epoch",
                "sentinel announce-port", "sentinel parallel-syncs", "port", "bind", "save", "maxmemory",
                "client-output-buffer-limit", "latency-tracking-info-percentiles", "oom-score-adj-values",
                "notify-keyspace-events", "unixsocketperm", "maxmemory-clients", "shutdown-on-sigint", "replicaof",
            ]),
            proptest::collection::vec(
                proptest::sample::select(vec![
                    "m", "127.0.0.1", "::1", "0", "-1", "2", "65536", "99999999999999999999", "\"\"", "1gb", "10%",
                    "-5%", "yes", "x", "normal", "pubsub", "0x10", "1e3", "nan", "inf", "0777",
                ]),
                0..6,
            ),
        ),
        0..12,
    )) {
        let text: Vec<String> = lines.iter().map(|(d, a)| format!("{d} {}", a.join(" "))).collect();
        if let Ok(c) = parse(&text.join("\n"), "fuzz") {
            // Whatever loads renders and loads back.
            let out = render("", &c, &RewriteEnv::new("/"));
            prop_assert!(parse(&out, "again").is_ok(), "{}", out);
        }
    }
}
