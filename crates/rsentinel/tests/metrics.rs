//! The metrics endpoint on the real binary: `/metrics` passes `promtool check metrics`
//! and its values follow a real failover of real redis servers; `/healthz`, `/readyz`;
//! and hostile HTTP clients neither stall the Sentinel nor hold the endpoint.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failed test

mod common;

use common::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One request, the whole answer: (status, body).
fn http(port: u16, request: &str) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect to metrics port");
    s.set_read_timeout(Some(LONG)).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

fn get(port: u16, path: &str) -> (u16, String) {
    http(port, &format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n"))
}

/// The value of the sample whose name and labels are exactly `series`.
fn value(body: &str, series: &str) -> Option<f64> {
    body.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

fn promtool_check(body: &str) {
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool (Debian's prometheus package; scripts/install-deps installs it)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(body.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool check metrics failed:\n{}{}\n{body}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

struct Node {
    s: Sentinel,
    metrics: u16,
}

fn start_node(conf: &str) -> Node {
    let metrics = free_port();
    let p = metrics.to_string();
    let s = Sentinel::start(conf, &["--metrics-port", &p]);
    Node { s, metrics }
}

#[test]
fn metrics_follow_a_real_failover_and_pass_promtool() {
    let mut master = RedisServer::start();
    let replicas = [
        RedisServer::replica_of(master.port),
        RedisServer::replica_of(master.port),
    ];
    // A replica that never synced is never promoted in fast mode: no racing the sync.
    wait_synced(&replicas);
    let conf = format!(
        "sentinel monitor mymaster 127.0.0.1 {} 2\nsentinel down-after-milliseconds mymaster 1000\nsentinel failover-timeout mymaster 10000\n",
        master.port
    );
    let nodes: Vec<Node> = (0..3).map(|_| start_node(&conf)).collect();
    let m = "{master=\"mymaster\"}";
    for n in &nodes {
        assert!(
            wait_until(DISCOVERY, || {
                let (_, b) = get(n.metrics, "/metrics");
                value(&b, &format!("rsentinel_master_replicas{m}")) == Some(2.0)
                    && value(&b, &format!("rsentinel_master_sentinels{m}")) == Some(3.0)
            }),
            "no discovery\n{}",
            get(n.metrics, "/metrics").1
        );
    }
    let (status, before) = get(nodes[0].metrics, "/metrics");
    assert_eq!(status, 200);
    promtool_check(&before);
    let ok = |st: &str| format!("rsentinel_master_state{{master=\"mymaster\",state=\"{st}\"}}");
    assert_eq!(value(&before, &ok("ok")), Some(1.0), "{before}");
    assert_eq!(value(&before, &ok("odown")), Some(0.0));
    assert_eq!(
        value(&before, &format!("rsentinel_master_quorum{m}")),
        Some(2.0)
    );
    assert_eq!(
        value(&before, &format!("rsentinel_master_ckquorum{m}")),
        Some(1.0)
    );
    assert_eq!(
        value(&before, &format!("rsentinel_master_switches_total{m}")),
        Some(0.0)
    );
    assert_eq!(
        value(&before, "rsentinel_events_total{type=\"+monitor\"}"),
        Some(1.0)
    );
    assert!(value(&before, "rsentinel_config_rewrites_total{result=\"ok\"}").unwrap() >= 1.0);
    let link = format!(
        "rsentinel_link_connected{{master=\"mymaster\",role=\"master\",address=\"127.0.0.1:{}\"}}",
        master.port
    );
    assert_eq!(value(&before, &link), Some(1.0), "{before}");
    assert!(before
        .contains("rsentinel_link_ping_reply_latency_seconds{master=\"mymaster\",role=\"master\""));
    assert_eq!(get(nodes[0].metrics, "/readyz").0, 200);

    let old_port = master.port;
    master.kill();
    // Every Sentinel sees the switch; exactly one led a successful failover.
    for n in &nodes {
        assert!(
            wait_until(FAILOVER, || {
                let (_, b) = get(n.metrics, "/metrics");
                value(&b, &format!("rsentinel_master_switches_total{m}")) == Some(1.0)
            }),
            "no switch seen\n{}",
            n.s.output()
        );
    }
    let mut leaders = 0;
    let mut odown_seen = 0.0;
    for n in &nodes {
        let (_, b) = get(n.metrics, "/metrics");
        promtool_check(&b);
        odown_seen += value(&b, "rsentinel_events_total{type=\"+odown\"}").unwrap_or(0.0);
        let info = b
            .lines()
            .find(|l| l.starts_with("rsentinel_master_info{"))
            .unwrap_or_default()
            .to_string();
        assert!(!info.contains(&format!(":{old_port}\"")), "{info}");
        let done = value(
            &b,
            &format!("rsentinel_master_failovers_succeeded_total{m}"),
        )
        .unwrap();
        if done == 1.0 {
            leaders += 1;
            assert_eq!(
                value(
                    &b,
                    &format!("rsentinel_master_failover_duration_seconds_count{m}")
                ),
                Some(1.0),
                "{b}"
            );
            let secs = value(
                &b,
                &format!("rsentinel_master_last_failover_duration_seconds{m}"),
            )
            .unwrap();
            assert!(secs > 0.0 && secs < 60.0, "{secs}");
            assert!(
                value(&b, &format!("rsentinel_master_failovers_started_total{m}")).unwrap() >= 1.0
            );
        }
    }
    assert_eq!(leaders, 1, "exactly one Sentinel led the failover");
    assert!(odown_seen >= 1.0);
}

#[test]
fn readyz_wants_every_master_linked_and_healthz_answers() {
    let dead = free_port();
    let n = start_node(&format!("sentinel monitor m 127.0.0.1 {dead} 1\n"));
    assert_eq!(get(n.metrics, "/healthz"), (200, "ok\n".to_string()));
    let (status, body) = get(n.metrics, "/readyz");
    assert_eq!(status, 503);
    assert_eq!(body, "master m has no connected link\n");
    let (_, b) = get(n.metrics, "/metrics");
    promtool_check(&b);
    assert_eq!(
        value(
            &b,
            &format!("rsentinel_link_connected{{master=\"m\",role=\"master\",address=\"127.0.0.1:{dead}\"}}")
        ),
        Some(0.0)
    );
    // Once the master exists, the Sentinel becomes ready.
    let dir = tempfile::tempdir().unwrap();
    let mut redis = Command::new("redis-server")
        .args([
            "--port",
            &dead.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
        ])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .spawn()
        .expect("redis-server");
    let ready = wait_until(LONG, || get(n.metrics, "/readyz").0 == 200);
    let _ = redis.kill();
    let _ = redis.wait();
    assert!(ready, "{}", get(n.metrics, "/readyz").1);
}

#[test]
fn hostile_http_clients_are_bounded() {
    let n = start_node("");
    assert_eq!(get(n.metrics, "/nope").0, 404);
    assert_eq!(http(n.metrics, "POST /metrics HTTP/1.1\r\n\r\n").0, 405);
    assert_eq!(http(n.metrics, "garbage\r\n\r\n").0, 400);
    let (status, body) = http(n.metrics, "HEAD /metrics HTTP/1.0\r\n\r\n");
    assert_eq!((status, body.as_str()), (200, ""));
    // A head that never ends is refused once past the cap, not buffered.
    let mut s = TcpStream::connect(("127.0.0.1", n.metrics)).unwrap();
    s.set_read_timeout(Some(LONG)).unwrap();
    let junk = format!("GET /metrics HTTP/1.1\r\nX: {}", "a".repeat(64 * 1024));
    let _ = s.write_all(junk.as_bytes());
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    assert!(
        String::from_utf8_lossy(&out).starts_with("HTTP/1.1 431 "),
        "{}",
        String::from_utf8_lossy(&out)
    );
    // Silent connections fill the slots; the Sentinel itself keeps answering at once,
    // and the silent ones are closed at the deadline.
    let idle: Vec<TcpStream> = (0..40)
        .map(|_| TcpStream::connect(("127.0.0.1", n.metrics)).unwrap())
        .collect();
    let t = Instant::now();
    assert_eq!(text(&n.s.client().cmd(&["PING"])), "PONG");
    assert!(t.elapsed() < Duration::from_secs(5));
    for mut c in idle.into_iter().take(3) {
        c.set_read_timeout(Some(LONG)).unwrap();
        let mut buf = [0u8; 16];
        let start = Instant::now();
        assert!(matches!(c.read(&mut buf), Ok(0) | Err(_)));
        assert!(start.elapsed() < LONG);
    }
    assert!(wait_until(LONG, || get(n.metrics, "/healthz").0 == 200));
}

#[test]
fn metrics_off_by_default_and_bad_bind_refused() {
    let s = Sentinel::start("", &[]);
    assert!(!s.output().contains("Metrics endpoint"), "{}", s.output());
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("s.conf"),
        "metrics-bind 192.0.2.1\nmetrics-port 1\n",
    )
    .unwrap();
    let out = run_to_exit(&["s.conf"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("Could not create the metrics listening socket 192.0.2.1:1"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn example_alerts_pass_promtool_and_use_real_metric_names() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../contrib/prometheus");
    for args in [
        &["check", "rules", "rsentinel-alerts.yml"][..],
        &["test", "rules", "rsentinel-alerts.test.yml"][..],
    ] {
        let out = Command::new("promtool")
            .args(args)
            .current_dir(&dir)
            .output()
            .expect("promtool");
        assert!(
            out.status.success(),
            "promtool {args:?}:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let master = RedisServer::start();
    let n = start_node(&format!(
        "sentinel monitor mymaster 127.0.0.1 {} 1\n",
        master.port
    ));
    let (_, body) = get(n.metrics, "/metrics");
    let rules = std::fs::read_to_string(dir.join("rsentinel-alerts.yml")).unwrap();
    let mut used = 0;
    for word in rules.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
        if word.starts_with("rsentinel_") {
            used += 1;
            assert!(
                body.contains(&format!("\n{word}{{")) || body.contains(&format!("\n{word} ")),
                "the alerts use {word}, which /metrics does not have"
            );
        }
    }
    assert!(used >= 4);
    // The label values the alerts select on exist too.
    assert!(body.contains("state=\"odown\""));
    assert!(body.contains("reason=\"not-elected\""));
}
