//! Start-up and shutdown of the real binary: command line, config errors, the generated
//! and persisted sentinel id, bind, logging, signals and the pidfile.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failed test

mod common;

use common::*;
use std::net::TcpStream;

#[test]
fn port_option_overrides_the_file() {
    let file_port = free_port();
    let s = Sentinel::start(&format!("port {file_port}\n"), &[]);
    assert_ne!(s.port, file_port);
    let info = text(&s.client().cmd(&["INFO", "server"]));
    assert!(info.contains(&format!("tcp_port:{}\r\n", s.port)), "{info}");
    let list = text(&s.client().cmd(&["CLIENT", "INFO"]));
    assert!(
        list.contains(&format!(" laddr=127.0.0.1:{} ", s.port)),
        "{list}"
    );
    // The start-up rewrite saves the port in effect.
    assert!(config_lines(&s.config_text()).contains(&format!("port {}", s.port)));
}

#[test]
fn sentinel_monitor_on_the_command_line() {
    let master = RedisServer::start();
    let mp = master.port.to_string();
    let s = Sentinel::start("", &["--sentinel", "monitor", "m", "127.0.0.1", &mp, "2"]);
    let addr = s
        .client()
        .cmd(&["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "m"]);
    assert_eq!(strings(&addr), vec!["127.0.0.1".to_string(), mp.clone()]);
    assert_eq!(
        s.cli(&["sentinel", "get-master-addr-by-name", "m"]),
        format!("127.0.0.1\n{mp}\n")
    );
    let conf = s.config_text();
    assert!(
        config_lines(&conf).contains(&format!("sentinel monitor m 127.0.0.1 {mp} 2")),
        "{conf}"
    );
}

#[test]
fn no_config_file_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_to_exit(&[], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout
            .trim_end()
            .ends_with(" # Sentinel needs config file on disk to save state. Exiting..."),
        "{stdout}"
    );
}

#[test]
fn missing_config_file_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.conf");
    let out = run_to_exit(&[missing.to_str().unwrap()], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let expected = format!(
        " # Fatal error, can't open config file '{}': No such file or directory",
        missing.display()
    );
    assert!(stdout.trim_end().ends_with(&expected), "{stdout}");
}

const BAD_LINE_REPORT: &str = "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 2\n>>> 'foo bar'\nBad directive or wrong number of arguments\n";

#[test]
fn bad_config_line_is_reported_like_redis() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("s.conf");
    std::fs::write(&conf, "port 26999\nfoo bar\n").unwrap();
    let port = free_port().to_string();
    let out = run_to_exit(&[conf.to_str().unwrap(), "--port", &port], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stderr), BAD_LINE_REPORT);
    // Nothing was rewritten.
    assert_eq!(
        std::fs::read_to_string(&conf).unwrap(),
        "port 26999\nfoo bar\n"
    );
}

#[test]
fn version_and_help() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_to_exit(&["--version"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    let v = String::from_utf8_lossy(&out.stdout);
    assert!(v.contains("v=7.0.15"), "{v}");
    assert!(v.contains("rsentinel"), "{v}");
    let out = run_to_exit(&["-v"], dir.path());
    assert_eq!(out.status.code(), Some(0));

    let out = run_to_exit(&["--help"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(all.starts_with("Usage: "), "{all}");
    assert!(all.contains("--test-config"), "{all}");
}

#[test]
fn test_config_checks_without_serving() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.conf");
    let bad = dir.path().join("bad.conf");
    std::fs::write(&good, "sentinel monitor m 127.0.0.1 6379 2\n").unwrap();
    std::fs::write(&bad, "port 26999\nfoo bar\n").unwrap();
    let good_s = good.to_str().unwrap();
    let bad_s = bad.to_str().unwrap();

    // Both spellings: `--test-config FILE` (as the usage shows) and `FILE --test-config`.
    for args in [["--test-config", good_s], [good_s, "--test-config"]] {
        let out = run_to_exit(&args, dir.path());
        assert_eq!(out.status.code(), Some(0), "{args:?}: {out:?}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("OK"), "{stdout}");
    }
    for args in [["--test-config", bad_s], [bad_s, "--test-config"]] {
        let out = run_to_exit(&args, dir.path());
        assert_eq!(out.status.code(), Some(1), "{args:?}: {out:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), BAD_LINE_REPORT);
    }
    // Checking never rewrites.
    assert_eq!(
        std::fs::read_to_string(&good).unwrap(),
        "sentinel monitor m 127.0.0.1 6379 2\n"
    );
}

fn myid_line(conf: &str) -> String {
    let ids = lines_starting(conf, "sentinel myid ");
    assert_eq!(ids.len(), 1, "{conf}");
    ids[0]["sentinel myid ".len()..].to_string()
}

#[test]
fn myid_is_generated_persisted_and_kept_across_restarts() {
    let mut s = Sentinel::start("# keep me\n", &[]);
    let id = myid_line(&s.config_text());
    assert_eq!(id.len(), 40);
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
    assert_eq!(text(&s.client().cmd(&["SENTINEL", "MYID"])), id);
    let info = text(&s.client().cmd(&["INFO", "server"]));
    assert!(
        !info.contains(&id),
        "run_id is per process, not the sentinel id"
    );

    s.signal("TERM");
    assert_eq!(s.wait_exit().and_then(|st| st.code()), Some(0));
    let dir = std::mem::replace(&mut s.dir, tempfile::tempdir().unwrap());
    drop(s);
    let s2 = Sentinel::start_in(dir, &[]);
    assert_eq!(text(&s2.client().cmd(&["SENTINEL", "MYID"])), id);
    let conf = s2.config_text();
    assert_eq!(myid_line(&conf), id);
    assert!(conf.starts_with("# keep me\n"), "{conf}");
}

#[test]
fn bind_is_honoured() {
    let s = Sentinel::start("bind 127.0.0.1\n", &[]);
    assert_eq!(text(&s.client().cmd(&["PING"])), "PONG");
    // The whole 127/8 is loopback on Linux: a wildcard bind would accept this one.
    assert!(TcpStream::connect(("127.0.0.2", s.port)).is_err());

    let any = Sentinel::start("", &[]);
    assert!(TcpStream::connect(("127.0.0.2", any.port)).is_ok());
}

#[test]
fn unused_directive_is_logged_and_kept() {
    let s = Sentinel::start("hz 20\n# a comment\nmaxmemory 10mb\n", &[]);
    let out = s.output();
    assert!(
        out.contains("Directive 'hz \"20\"' is accepted and kept in the config file"),
        "{out}"
    );
    assert_ok(&s.client().cmd(&["SENTINEL", "FLUSHCONFIG"]));
    let conf = s.config_text();
    assert!(
        conf.starts_with("hz 20\n# a comment\nmaxmemory 10mb\n"),
        "{conf}"
    );
}

/// Checks `pid:X dd Mon yyyy hh:mm:ss.mmm <mark> <msg>`.
fn is_redis_log_line(line: &str, pid: u32, mark: char, msg: &str) -> bool {
    let Some(rest) = line.strip_prefix(&format!("{pid}:X ")) else {
        return false;
    };
    let b = rest.as_bytes();
    // "23 Nov 2026 10:00:00.123 "
    if b.len() < 25 {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let shape = digits(0..2)
        && b[2] == b' '
        && b[3..6].iter().all(u8::is_ascii_alphabetic)
        && b[6] == b' '
        && digits(7..11)
        && b[11] == b' '
        && digits(12..14)
        && b[14] == b':'
        && digits(15..17)
        && b[17] == b':'
        && digits(18..20)
        && b[20] == b'.'
        && digits(21..24)
        && b[24] == b' ';
    shape && rest[25..] == format!("{mark} {msg}")
}

#[test]
fn logfile_gets_redis_format_lines_at_the_configured_level() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("s.log");
    let conf = format!("logfile {}\nloglevel warning\n", log.display());
    let s = Sentinel::start(&conf, &[]);
    let mp = free_port().to_string();
    assert_ok(
        &s.client()
            .cmd(&["SENTINEL", "MONITOR", "m", "127.0.0.1", &mp, "2"]),
    );
    let want = format!("+monitor master m 127.0.0.1 {mp} quorum 2");
    let found = wait_until(LONG, || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .any(|l| is_redis_log_line(l, s.pid(), '#', &want))
    });
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(found, "{text}");
    // loglevel warning: no notice (`*`) lines, e.g. "Running mode=sentinel".
    assert!(!text.contains(" * "), "{text}");
    assert!(!text.contains("Running mode=sentinel"), "{text}");
    // Nothing went to stdout.
    assert_eq!(s.output(), "");

    // verbose shows the accepted connections.
    let s = Sentinel::start("loglevel verbose\n", &[]);
    let mut c = s.client();
    c.cmd(&["CLIENT", "SETNAME", "bye"]);
    let found = wait_until(LONG, || {
        s.output()
            .lines()
            .any(|l| l.contains(" - Accepted 127.0.0.1:"))
    });
    assert!(found, "{}", s.output());
    drop(c);
    // Like redis, the client's description follows.
    let found = wait_until(LONG, || {
        s.output().lines().any(|l| {
            l.contains(" - Client closed connection id=")
                && l.contains(" name=bye ")
                && l.contains(" cmd=client|setname ")
        })
    });
    assert!(found, "{}", s.output());
    assert!(s.output().contains(" * Running mode=sentinel"));
}

#[test]
fn sigterm_exits_0_and_removes_the_pidfile() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("s.pid");
    let mut s = Sentinel::start(&format!("pidfile {}\n", pidfile.display()), &[]);
    let written = std::fs::read_to_string(&pidfile).unwrap();
    assert_eq!(written.trim(), s.pid().to_string());
    s.signal("TERM");
    let st = s.wait_exit().expect("exits after SIGTERM");
    assert_eq!(st.code(), Some(0));
    assert!(!pidfile.exists());
    // Written the way redis' signal handler writes it.
    let out = s.output();
    let line = out
        .lines()
        .find(|l| l.contains("Received SIGTERM"))
        .unwrap_or_else(|| panic!("{out}"));
    let rest = line
        .strip_prefix(&format!("{}:signal-handler (", s.pid()))
        .unwrap_or_else(|| panic!("{line}"));
    let (secs, msg) = rest.split_once(") ").unwrap_or_else(|| panic!("{line}"));
    assert!(secs.parse::<u64>().is_ok(), "{line}");
    assert_eq!(msg, "Received SIGTERM scheduling shutdown...");
    assert!(out.contains(" # User requested shutdown...\n"), "{out}");
}

#[test]
fn sigint_also_shuts_down() {
    let mut s = Sentinel::start("", &[]);
    s.signal("INT");
    assert_eq!(s.wait_exit().and_then(|st| st.code()), Some(0));
    assert!(s
        .output()
        .contains("Received SIGINT scheduling shutdown..."));
}

/// Kills a process we did not spawn directly (a daemonized sentinel) when dropped.
struct PidGuard(u32);

impl Drop for PidGuard {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &self.0.to_string()])
            .stderr(std::process::Stdio::null())
            .status();
    }
}

#[test]
fn daemonize_detaches_writes_the_pidfile_and_serves() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("d.pid");
    let log = dir.path().join("d.log");
    let conf = dir.path().join("sentinel.conf");
    std::fs::write(
        &conf,
        format!(
            "daemonize yes\npidfile {}\nlogfile {}\n",
            pidfile.display(),
            log.display()
        ),
    )
    .unwrap();
    let port = free_port();
    let out = run_to_exit(
        &[conf.to_str().unwrap(), "--port", &port.to_string()],
        dir.path(),
    );
    // The foreground process returns at once, successfully.
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let mut pid = None;
    assert!(wait_until(LONG, || {
        pid = std::fs::read_to_string(&pidfile)
            .ok()
            .and_then(|t| t.trim().parse::<u32>().ok());
        pid.is_some()
    }));
    let guard = PidGuard(pid.unwrap());
    let mut pong = false;
    assert!(wait_until(LONG, || {
        if let Ok(mut c) = Client::try_connect(port) {
            c.send(&["PING"]);
            pong = c.recv_timeout(LONG) == Some(rsentinel_resp::Frame::Simple("PONG".into()));
        }
        pong
    }));
    let info = text(&Client::connect(port).cmd(&["INFO", "server"]));
    assert!(
        info.contains(&format!("process_id:{}\r\n", guard.0)),
        "{info}"
    );
    let st = std::process::Command::new("kill")
        .args(["-TERM", &guard.0.to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    assert!(wait_until(LONG, || !pidfile.exists()));
    assert!(wait_until(LONG, || std::fs::read_to_string(&log)
        .unwrap_or_default()
        .contains("ready to exit, bye bye...")));
}
