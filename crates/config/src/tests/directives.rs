//! Every accepted directive, typed settings and the example file.

use super::text;
use crate::directive_table::{self, Kind, NumFormat, STANDARD};
use crate::*;

/// A valid sample value for every standard config: redis' default for those rsentinel
/// accepts only at their default.
fn sample(std: &directive_table::Std) -> String {
    if support(std.name) == Support::DefaultOnly {
        return match std.kind {
            Kind::Bool { .. } => "no".into(),
            Kind::Str { .. } => "\"\"".into(),
            Kind::Enum { default, .. } => default.into(),
            _ => "0".into(),
        };
    }
    match std.kind {
        Kind::Bool { .. } => "yes".into(),
        Kind::Str { .. } => "\"some value\"".into(),
        Kind::Enum { values, .. } => values[values.len() - 1].0.into(),
        Kind::Num {
            format: NumFormat::Octal,
            ..
        } => "700".into(),
        Kind::Num { min, max, .. } => min.max(max.min(1024)).to_string(),
        Kind::Special => match std.name {
            "dir" => "/tmp".into(),
            "save" => "900 1 300 10".into(),
            "client-output-buffer-limit" => "pubsub 32mb 8mb 60".into(),
            "oom-score-adj-values" => "0 200 800".into(),
            "notify-keyspace-events" => "KEA".into(),
            "bind" => "127.0.0.1 -::1".into(),
            "replicaof" => "no one".into(),
            _ => "50 99".into(),
        },
    }
}

#[test]
fn every_directive_parses() {
    let mut lines: Vec<String> = Vec::new();
    for std in STANDARD {
        lines.push(format!("{} {}", std.name, sample(std)));
        if let Some(alias) = std.alias {
            lines.push(format!("{} {}", alias.to_uppercase(), sample(std)));
        }
    }
    lines.extend(
        [
            "include /etc/other.conf",
            "rename-command CONFIG \"\"",
            "user alice on >pw ~* +@all",
            "loadmodule /x/mod.so a b",
            "mod.opt 1",
            "list-max-ziplist-entries 10",
            "sentinel",
            "sentinel resolve-hostnames yes",
            "sentinel announce-hostnames yes",
            "sentinel fast-failover no",
            "sentinel monitor m db.example 6379 2",
            "sentinel down-after-milliseconds m 1000",
            "sentinel failover-timeout m 2000",
            "sentinel parallel-syncs m 3",
            "sentinel auth-pass m pw",
            "sentinel auth-user m u",
            "sentinel notification-script m /bin/true",
            "sentinel client-reconfig-script m /bin/true",
            "sentinel rename-command m CONFIG CFG",
            "sentinel master-reboot-down-after-period m 5",
            "sentinel known-replica m 10.0.0.2 6379",
            "sentinel known-slave m 10.0.0.3 6379",
            "sentinel known-sentinel m 10.0.0.4 26379 4444444444444444444444444444444444444444",
            "sentinel known-sentinel m 10.0.0.5 26379",
            "sentinel myid 0123456789012345678901234567890123456789",
            "sentinel current-epoch 4",
            "sentinel leader-epoch m 3",
            "sentinel config-epoch m 5",
            "sentinel deny-scripts-reconfig no",
            "sentinel announce-ip 1.2.3.4",
            "sentinel announce-port 26000",
            "sentinel sentinel-user su",
            "sentinel sentinel-pass sp",
        ]
        .map(String::from),
    );
    let c = parse(&lines.join("\n"), "all.conf").expect("every directive is accepted");
    let m = &c.sentinel.masters[0];
    assert_eq!(
        (m.name.as_str(), m.host.as_str(), m.port, m.quorum),
        ("m", "db.example", 6379, 2)
    );
    assert_eq!(
        (m.down_after_ms, m.failover_timeout_ms, m.parallel_syncs),
        (1000, 2000, 3)
    );
    assert_eq!(
        (
            m.config_epoch,
            m.leader_epoch,
            m.master_reboot_down_after_period_ms
        ),
        (5, 3, 5)
    );
    assert_eq!(m.known_replicas.len(), 2);
    assert_eq!(m.known_sentinels.len(), 1);
    assert_eq!(
        m.rename_commands,
        vec![("CONFIG".to_string(), "CFG".to_string())]
    );
    assert_eq!(
        c.sentinel.current_epoch, 5,
        "config-epoch raises the current epoch"
    );
    assert_eq!(c.sentinel.announce_port, 26000);
    assert!(!c.sentinel.deny_scripts_reconfig);
    assert!(!c.sentinel.fast_failover);
    assert_eq!(c.server.bind, vec!["127.0.0.1", "-::1"]);
    assert_eq!(c.server.unixsocket.as_deref(), Some("some value"));
    assert_eq!(
        c.server.users,
        vec![["alice", "on", ">pw", "~*", "+@all"].map(|w| w.as_bytes().to_vec())]
    );
    assert_eq!(
        c.server.rename_commands,
        vec![("CONFIG".to_string(), String::new())]
    );
    assert!(c.server.other.iter().any(|(n, _)| n == "maxmemory"));
    assert!(c.server.other.iter().any(|(n, _)| n == "slaveof"));
    let reported = c.not_acted_upon();
    // The daemon configures TLS from every tls-* directive.
    assert!(!reported.iter().any(|d| d.starts_with("tls-")));
    assert!(reported.iter().any(|d| d.starts_with("maxmemory ")));
    assert!(reported.iter().any(|d| d.starts_with("loadmodule ")));
    assert!(!reported.iter().any(|d| d.starts_with("unixsocket")));
    assert!(!reported.iter().any(|d| d.starts_with("proto-max-bulk-len")));
    assert!(!reported.iter().any(|d| d.starts_with("include")));
    assert_eq!(c.server.unixsocketperm, 0o700);
}

/// Directives whose effect matters to a Sentinel but that rsentinel does not reproduce
/// stop the load at their line, like any bad directive in redis.
#[test]
fn directives_rsentinel_would_ignore_are_refused() {
    for (line, reason) in [
        ("maxmemory-clients 10mb", "does not evict clients"),
        ("maxmemory-clients 5%", "does not evict clients"),
        ("socket-mark-id 7", "does not mark its sockets"),
        ("bind-source-addr 127.0.0.1", "outgoing connections"),
        ("cluster-enabled yes", "'cluster-enabled' must be 'no'"),
        ("supervised upstart", "upstart"),
        (
            "client-output-buffer-limit pubsub 64mb 8mb 60 normal 1 0 0",
            "for the normal class",
        ),
        (
            "client-output-buffer-limit normal 1mb 0 0",
            "for the normal class",
        ),
    ] {
        let err = parse(&text(&["port 26379", line]), "s.conf").expect_err(line);
        match &err {
            ConfigError::Line {
                line: n,
                directive,
                message,
                ..
            } => {
                assert_eq!((*n, directive.as_str()), (2, line));
                assert!(message.starts_with("rsentinel "), "{message}");
                assert!(message.contains(reason), "{line}: {message}");
            }
            other => panic!("{line}: {other:?}"),
        }
    }
    // Their defaults, and what means nothing to a Sentinel, are accepted.
    for line in [
        "oom-score-adj absolute",
        "server_cpulist 0-3",
        "maxmemory-clients 0",
        "cluster-enabled no",
        "client-output-buffer-limit normal 0 0 0 replica 1mb 1mb 5 pubsub 32mb 8mb 60",
        "client-output-buffer-limit pubsub 1mb 0 0",
        "loadmodule /nonexistent.so",
        "mod.opt 1",
        "maxmemory 1000",
        "replicaof 127.0.0.1 6380",
        "bio_cpulist 0-3",
        "appendonly yes",
    ] {
        parse(&text(&["port 26379", line]), "s.conf").expect(line);
    }
}

#[test]
fn request_limits_are_read_from_other() {
    let c = parse(
        &text(&["proto-max-bulk-len 1mb", "client-query-buffer-limit 2mb"]),
        "s.conf",
    )
    .expect("parses");
    assert_eq!(c.server.number("proto-max-bulk-len"), Some(1 << 20));
    assert_eq!(c.server.number("client-query-buffer-limit"), Some(2 << 20));
    assert_eq!(c.server.number("maxmemory"), None);
    assert_eq!(c.server.oom_score_adj(), (0, 0));
    let c = parse(
        &text(&["oom-score-adj-values 10 20 30", "oom-score-adj relative"]),
        "s.conf",
    )
    .expect("parses");
    assert_eq!(c.server.oom_score_adj(), (1, 10));
    let c = parse(&text(&["server_cpulist 0-1", "bio_cpulist 2"]), "s.conf").expect("parses");
    assert_eq!(c.server.text("server_cpulist").as_deref(), Some("0-1"));
    assert_eq!(c.server.text("aof_rewrite_cpulist"), None);
    let c = parse(
        &text(&[
            "client-output-buffer-limit pubsub 1mb 2mb 3 replica 1 1 1",
            "client-output-buffer-limit pubsub 4mb 0 0",
        ]),
        "s.conf",
    )
    .expect("parses");
    assert_eq!(c.server.output_buffer_limits(2), (4 << 20, 0, 0));
    assert_eq!(c.server.output_buffer_limits(0), (0, 0, 0));
    assert_eq!(
        Config::default().server.output_buffer_limits(2),
        (32 << 20, 8 << 20, 60)
    );
}

#[test]
fn typed_settings() {
    let c = parse(
        &text(&[
            "PORT 26380",
            "bind 127.0.0.1",
            "protected-mode yes",
            "daemonize yes",
            "pidfile /run/s.pid",
            "logfile \"/var/log/s.log\"",
            "loglevel WARNING",
            "dir /var/lib",
            "requirepass \"\"",
            "aclfile /etc/users.acl",
            "maxclients 5",
            "timeout 7",
            "tcp-keepalive 8",
            "tcp-backlog 9",
            "syslog-enabled yes",
            "syslog-ident rs",
            "syslog-facility LOCAL3",
            "supervised systemd",
        ]),
        "t",
    )
    .expect("parses");
    let s = &c.server;
    assert_eq!(
        (s.port, s.bind.clone(), s.protected_mode, s.daemonize),
        (26380, vec!["127.0.0.1".to_string()], true, true)
    );
    assert_eq!(
        (s.pidfile.as_deref(), s.logfile.as_str(), s.loglevel),
        (Some("/run/s.pid"), "/var/log/s.log", LogLevel::Warning)
    );
    assert_eq!(
        (
            s.dir.as_deref(),
            s.requirepass.clone(),
            s.aclfile.as_deref()
        ),
        (Some("/var/lib"), None, Some("/etc/users.acl"))
    );
    assert_eq!(
        (s.maxclients, s.timeout, s.tcp_keepalive, s.tcp_backlog),
        (5, 7, 8, 9)
    );
    assert_eq!(
        (
            s.syslog_enabled,
            s.syslog_ident.as_str(),
            s.syslog_facility.as_str(),
            s.supervised.as_str()
        ),
        (true, "rs", "local3", "systemd")
    );
    assert!(s.other.is_empty());
    let d = parse("", "empty").expect("empty file");
    assert_eq!(d, Config::default());
    assert!(d.sentinel.deny_scripts_reconfig);
}

#[test]
fn example_file_parses() {
    let example = include_str!("../../../../sentinel.conf.example");
    let c = parse(example, "sentinel.conf.example").expect("the example parses");
    assert_eq!(c.sentinel.masters.len(), 1);
    let m = &c.sentinel.masters[0];
    assert_eq!(
        (m.name.as_str(), m.host.as_str(), m.port, m.quorum),
        ("mymaster", "127.0.0.1", 6379, 2)
    );
    assert_eq!(c.server.port, 26379);
}

/// Every directive rsentinel acts upon or accepts only at its default is documented in
/// the example, and each commented example line of those parses as written.
#[test]
fn example_documents_every_acted_and_default_only_directive() {
    let example = include_str!("../../../../sentinel.conf.example");
    for std in STANDARD {
        if matches!(support(std.name), Support::Acted | Support::DefaultOnly) {
            let shown = example.lines().any(|l| {
                let l = l.trim_start_matches(['#', ' ']);
                l.split_whitespace().next() == Some(std.name)
            });
            assert!(
                shown,
                "{} is not documented in sentinel.conf.example",
                std.name
            );
        }
    }
    let lines: Vec<&str> = example
        .lines()
        .filter_map(|l| l.strip_prefix("# "))
        .filter(|l| {
            let name = l.split_whitespace().next().unwrap_or("");
            directive_table::lookup(name).is_some_and(|s| support(s.name) != Support::Meaningless)
        })
        .collect();
    assert!(lines.len() > 20, "{lines:?}");
    for line in lines {
        // Placeholders in angle brackets are not literal values.
        if line.contains('<') {
            continue;
        }
        let body = line.split("  (").next().unwrap_or(line).trim_end();
        parse(&text(&[body]), "example").unwrap_or_else(|e| panic!("{body}: {e}"));
    }
}
