//! Running under an operator's tools, on the real binary: systemd's notify protocol and
//! watchdog (a datagram socket stands in for systemd), syslog (a datagram socket stands
//! in for /dev/log), `log-format json`, and redis' bound on the length of a log line.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failed test

mod common;

use common::*;
use std::os::unix::net::UnixDatagram;
use std::time::{Duration, Instant};

/// Every datagram arriving on `sock` within `limit`, or until `enough` holds.
fn datagrams(
    sock: &UnixDatagram,
    limit: Duration,
    enough: impl Fn(&[String]) -> bool,
) -> Vec<String> {
    sock.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let deadline = Instant::now() + limit;
    let mut got = Vec::new();
    let mut buf = vec![0u8; 65536];
    while Instant::now() < deadline && !enough(&got) {
        if let Ok(n) = sock.recv(&mut buf) {
            got.push(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
    }
    got
}

#[test]
fn systemd_notify_ready_watchdog_and_info() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notify.sock");
    let sock = UnixDatagram::bind(&path).unwrap();
    let p = path.to_str().unwrap();
    // `daemonize yes` is ignored under supervision, as redis does: the process stays ours.
    let mut s = Sentinel::start_env(
        "daemonize yes\n",
        &["--supervised", "systemd"],
        &[("NOTIFY_SOCKET", p), ("WATCHDOG_USEC", "200000")],
    );
    let got = datagrams(&sock, LONG, |g| {
        g.iter().filter(|m| *m == "WATCHDOG=1\n").count() >= 3
    });
    assert_eq!(
        got[..3],
        [
            "STATUS=Redis is loading...\n",
            "STATUS=Ready to accept connections\n",
            "READY=1\n"
        ],
        "{got:?}"
    );
    assert!(
        got.iter().filter(|m| *m == "WATCHDOG=1\n").count() >= 3,
        "{got:?}"
    );
    let info = text(&s.client().cmd(&["INFO", "server"]));
    assert!(info.contains("process_supervised:systemd\r\n"), "{info}");
    assert!(
        s.output()
            .contains(" * Supervised by systemd. Please make sure you set appropriate values for TimeoutStartSec and TimeoutStopSec in your service unit."),
        "{}",
        s.output()
    );
    s.signal("TERM");
    assert!(s.wait_exit().is_some());
    let rest = datagrams(&sock, Duration::from_secs(2), |g| {
        g.iter().any(|m| m == "STOPPING=1\n")
    });
    assert!(rest.iter().any(|m| m == "STOPPING=1\n"), "{rest:?}");
}

#[test]
fn auto_without_notify_socket_is_not_supervised_and_no_watchdog_for_another_pid() {
    let s = Sentinel::start("supervised auto\n", &[]);
    let info = text(&s.client().cmd(&["INFO", "server"]));
    assert!(info.contains("process_supervised:no\r\n"), "{info}");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notify.sock");
    let sock = UnixDatagram::bind(&path).unwrap();
    let s = Sentinel::start_env(
        "supervised auto\n",
        &[],
        &[
            ("NOTIFY_SOCKET", path.to_str().unwrap()),
            ("WATCHDOG_USEC", "100000"),
            ("WATCHDOG_PID", "1"),
        ],
    );
    let got = datagrams(&sock, Duration::from_secs(1), |_| false);
    assert!(got.iter().any(|m| m == "READY=1\n"), "{got:?}");
    assert!(!got.iter().any(|m| m == "WATCHDOG=1\n"), "{got:?}");
    let info = text(&s.client().cmd(&["INFO", "server"]));
    assert!(info.contains("process_supervised:systemd\r\n"), "{info}");
}

#[test]
fn syslog_receives_redis_messages() {
    let master = RedisServer::start();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.sock");
    let sock = UnixDatagram::bind(&path).unwrap();
    let conf = format!(
        "syslog-enabled yes\nsyslog-ident rsent\nsyslog-facility local4\nsentinel monitor m 127.0.0.1 {} 2\n",
        master.port
    );
    let s = Sentinel::start_env(
        &conf,
        &[],
        &[("RSENTINEL_SYSLOG_SOCKET", path.to_str().unwrap())],
    );
    let got = datagrams(&sock, LONG, |g| g.iter().any(|m| m.contains("+monitor")));
    let pid = s.pid();
    // local4 = 20; warning = 4: <164>. The message is redis' text without its prefix.
    let want = format!(
        "rsent[{pid}]: +monitor master m 127.0.0.1 {} quorum 2",
        master.port
    );
    let line = got
        .iter()
        .find(|m| m.ends_with(&want))
        .unwrap_or_else(|| panic!("{want} not in {got:?}"));
    assert!(line.starts_with("<164>"), "{line}");
    // Not instead of the log: stdout keeps its lines.
    assert!(
        s.output().contains(" # +monitor master m "),
        "{}",
        s.output()
    );
    // The config keeps the directives and no longer reports them as ignored.
    assert!(!s.output().contains("does not act on it"), "{}", s.output());
}

#[test]
fn json_log_format_writes_one_object_per_line() {
    let master = RedisServer::start();
    let conf = format!(
        "log-format json\nsentinel monitor m 127.0.0.1 {} 2\n",
        master.port
    );
    let s = Sentinel::start(&conf, &[]);
    assert!(wait_until(LONG, || s.output().contains("+monitor")));
    let out = s.output();
    let mut saw_monitor = false;
    for line in out.lines() {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert_eq!(v["pid"], s.pid());
        assert_eq!(v["role"], "sentinel");
        assert!(
            v["time"].as_str().is_some_and(|t| t.contains('T')),
            "{line}"
        );
        assert!(v["level"].as_str().is_some(), "{line}");
        if v["type"] == "+monitor" {
            saw_monitor = true;
            assert_eq!(v["master"], "m");
            assert_eq!(v["address"], format!("127.0.0.1:{}", master.port));
            assert_eq!(v["epoch"], 0);
            assert_eq!(v["level"], "warning");
            assert_eq!(
                v["message"],
                format!("+monitor master m 127.0.0.1 {} quorum 2", master.port)
            );
        }
    }
    assert!(saw_monitor, "{out}");
    // The rewrite keeps the directive.
    assert!(config_lines(&s.config_text()).contains(&"log-format json".to_string()));
}

#[test]
fn log_lines_are_bounded_like_redis() {
    let master = RedisServer::start();
    let dir = tempfile::tempdir().unwrap();
    let logfile = dir.path().join("s.log");
    let conf = format!(
        "logfile {}\nsentinel monitor m 127.0.0.1 {} 2\n",
        logfile.display(),
        master.port
    );
    let s = Sentinel::start(&conf, &[]);
    let big = "u".repeat(1 << 20);
    for _ in 0..5 {
        assert_ok(&s.client().cmd(&["SENTINEL", "SET", "m", "auth-user", &big]));
    }
    let log = std::fs::read(&logfile).unwrap();
    let longest = log.split(|b| *b == b'\n').map(<[u8]>::len).max().unwrap();
    // redis keeps 1023 bytes of message after a prefix of about 40 bytes.
    assert!(longest < 1100, "a log line of {longest} bytes");
    assert!(log.len() < 64 * 1024, "log of {} bytes", log.len());
    let text = String::from_utf8_lossy(&log);
    let set_lines = text.lines().filter(|l| l.contains(" +set ")).count();
    assert_eq!(set_lines, 5, "{text}");
}
