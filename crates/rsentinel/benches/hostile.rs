//! Hostile input, side by side: runs each scenario of docs/safety.md's "Hostile input"
//! table on rsentinel and, when installed, on redis-sentinel (`REDIS_SENTINEL`, default
//! /usr/bin/redis-sentinel), in one run, and prints what each did. It asserts nothing:
//! the pass/fail checks are tests/hostile_input.rs; this prints the figures.
//!
//! `cargo bench -p rsentinel --bench hostile` (about two minutes).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failed test

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../tests/fake/mod.rs"]
mod fake;

use common::*;
use rsentinel_resp::Frame;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn mb(kib: u64) -> String {
    format!("{:.1} MB", kib as f64 / 1024.0)
}

fn injection() -> String {
    let s = Sentinel::start("sentinel monitor m 127.0.0.1 1 2\n", &[]);
    let reply = s.client().cmd(&[
        "SENTINEL",
        "SET",
        "m",
        "auth-pass",
        "x\nsentinel deny-scripts-reconfig no\n",
    ]);
    let injected = s
        .config_text()
        .lines()
        .any(|l| l.trim() == "sentinel deny-scripts-reconfig no");
    format!(
        "SET -> {}; file {}",
        text(&reply),
        if injected { "INJECTED" } else { "clean" }
    )
}

fn space_in_name() -> String {
    let s = Sentinel::start("", &[]);
    let reply = s
        .client()
        .cmd(&["SENTINEL", "MONITOR", "a b", "127.0.0.1", "1", "2"]);
    let conf = s.conf.display().to_string();
    let check = run_to_exit(&["--test-config", &conf], s.dir.path());
    format!(
        "MONITOR -> {}; rewritten file {}",
        text(&reply),
        if check.status.success() {
            "loads"
        } else {
            "NO LONGER LOADS"
        }
    )
}

fn unauth_flood() -> String {
    let s = Sentinel::start("requirepass secret\n", &[]);
    let before = rss_kib(s.pid());
    let flood = Arc::new(b"PING\r\n".repeat(1_000_000));
    let writers: Vec<_> = (0..4)
        .map(|_| {
            let flood = flood.clone();
            let mut c = std::net::TcpStream::connect(("127.0.0.1", s.port)).expect("connect");
            let _ = c.set_write_timeout(Some(Duration::from_secs(5)));
            std::thread::spawn(move || flood.chunks(64 * 1024).all(|ch| c.write_all(ch).is_ok()))
        })
        .collect();
    let mut peak = before;
    let end = Instant::now() + Duration::from_secs(8);
    while Instant::now() < end && !writers.iter().all(|w| w.is_finished()) {
        peak = peak.max(rss_kib(s.pid()));
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(500));
    peak = peak.max(rss_kib(s.pid()));
    let whole = writers
        .into_iter()
        .map(|w| w.join().unwrap_or(false))
        .filter(|taken| *taken)
        .count();
    format!(
        "RSS +{} ; {} of 4 floods taken whole",
        mb(peak.saturating_sub(before)),
        whole
    )
}

fn tilts(s: &Sentinel) -> usize {
    s.output().matches("+tilt").count()
}

fn hostile_peer() -> String {
    let master = RedisServer::start();
    let reply = Arc::new(fake::huge_array(5_500_000));
    let peer = fake::Fake::start(move |_| reply.to_vec());
    let s = Sentinel::start(
        &format!("sentinel monitor mymaster 127.0.0.1 {} 2\n", master.port),
        &[],
    );
    let hello = format!(
        "127.0.0.1,{},{},0,mymaster,127.0.0.1,{},0",
        peer.port,
        "ab".repeat(20),
        master.port
    );
    wait_until(LONG, || {
        redis_cli(master.port, &["PUBLISH", "__sentinel__:hello", &hello]).trim() != "0"
    });
    let (worst, peak) = worst_ping(&s, Duration::from_secs(12));
    format!(
        "worst PING {worst:.2?}, {} x +tilt, peak RSS {}",
        tilts(&s),
        mb(peak)
    )
}

fn hostile_master() -> String {
    let info = Arc::new(fake::huge_array(3_500_000));
    let master = fake::Fake::start(move |args| match fake::name(args).as_str() {
        "PING" => b"+PONG\r\n".to_vec(),
        "INFO" => info.to_vec(),
        _ => b"+OK\r\n".to_vec(),
    });
    let s = Sentinel::start(
        &format!("sentinel monitor mymaster 127.0.0.1 {} 2\n", master.port),
        &[],
    );
    let (worst, peak) = worst_ping(&s, Duration::from_secs(12));
    format!(
        "worst PING {worst:.2?}, {} x +tilt, peak RSS {}",
        tilts(&s),
        mb(peak)
    )
}

fn low_nofile() -> String {
    let mut master = RedisServer::start();
    let conf = format!("sentinel monitor mymaster 127.0.0.1 {} 2\n", master.port);
    let s = Sentinel::start_after(&conf, &[], "ulimit -Sn 128");
    let limit = std::fs::read_to_string(format!("/proc/{}/limits", s.pid()))
        .ok()
        .and_then(|l| {
            l.lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3).map(str::to_string))
        })
        .unwrap_or_default();
    let idle: Vec<_> = (0..200)
        .filter_map(|_| Client::try_connect(s.port).ok())
        .collect();
    master.restart();
    let reboot = wait_until(Duration::from_secs(30), || s.output().contains("+reboot"));
    drop(idle);
    format!(
        "soft limit {limit}; +reboot {}",
        if reboot { "logged" } else { "NOT LOGGED" }
    )
}

fn big_values() -> String {
    let s = Sentinel::start("sentinel monitor m 127.0.0.1 1 2\n", &[]);
    let mut sub = s.client();
    sub.cmd(&["PSUBSCRIBE", "*"]);
    let mut admin = s.client();
    let big = "u".repeat(1024 * 1024);
    for _ in 0..60 {
        admin.cmd(&["SENTINEL", "SET", "m", "auth-user", &big]);
    }
    std::thread::sleep(Duration::from_millis(500));
    let kept = text(&admin.cmd(&["CLIENT", "LIST"])).contains("psub=1");
    let out = s.output();
    let longest = out.lines().map(str::len).max().unwrap_or(0);
    format!(
        "log {} KB, longest line {} B, subscriber {}",
        out.len() / 1024,
        longest,
        if kept { "kept" } else { "DROPPED" }
    )
}

fn bytes_kept() -> String {
    let s = Sentinel::start("", &[]);
    let mut c = s.client();
    c.send_raw(b"*4\r\n$8\r\nSENTINEL\r\n$6\r\nCONFIG\r\n$3\r\nSET\r\n$11\r\nannounce-ip\r\n");
    let _ = c.recv_timeout(Duration::from_millis(300));
    let mut c = s.client();
    c.send_raw(
        b"*5\r\n$8\r\nSENTINEL\r\n$6\r\nCONFIG\r\n$3\r\nSET\r\n$11\r\nannounce-ip\r\n$1\r\n\xff\r\n",
    );
    let _ = c.recv_timeout(Duration::from_secs(2));
    let got = c.cmd(&["SENTINEL", "CONFIG", "GET", "announce-ip"]);
    let value = match got {
        Frame::Array(items) => match items.get(1) {
            Some(Frame::Bulk(b)) => b.to_vec(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    let hex: Vec<String> = value.iter().map(|b| format!("{b:02x}")).collect();
    format!("announce-ip ff reads back as bytes [{}]", hex.join(" "))
}

fn sighup() -> String {
    let mut s = Sentinel::start("", &[]);
    s.signal("HUP");
    std::thread::sleep(Duration::from_millis(500));
    match s.wait_exit_quick() {
        Some(st) => format!("DIED ({st})"),
        None => "ignored".into(),
    }
}

fn file_mode() -> String {
    let s = Sentinel::start("sentinel monitor m 127.0.0.1 1 2\n", &[]);
    let _ = std::fs::set_permissions(&s.conf, std::fs::Permissions::from_mode(0o600));
    s.client().cmd(&["SENTINEL", "SET", "m", "quorum", "3"]);
    let mode = std::fs::metadata(&s.conf)
        .map(|m| m.permissions().mode() & 0o777)
        .unwrap_or(0);
    format!("0600 file is {mode:04o} after a rewrite")
}

trait QuickExit {
    fn wait_exit_quick(&mut self) -> Option<std::process::ExitStatus>;
}

impl QuickExit for Sentinel {
    /// Whether the process has already exited, without waiting.
    fn wait_exit_quick(&mut self) -> Option<std::process::ExitStatus> {
        let alive = std::fs::read_to_string(format!("/proc/{}/stat", self.pid()))
            .map(|s| !s.contains(") Z "))
            .unwrap_or(false);
        if alive {
            None
        } else {
            self.wait_exit()
        }
    }
}

type Row = (&'static str, fn() -> String);

fn main() {
    // `cargo bench` passes `--bench`; any other word picks rows by name.
    let pick: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let rows: &[Row] = &[
        ("newline injection (SENTINEL SET auth-pass)", injection),
        ("master name with a space", space_in_name),
        ("requirepass, 4 x 1M unread PING", unauth_flood),
        ("hostile peer, 5.5M-element replies", hostile_peer),
        ("hostile master, 14 MB INFO array", hostile_master),
        ("soft RLIMIT_NOFILE 128, master restart", low_nofile),
        ("60 x 1 MiB auth-user, PSUBSCRIBE *", big_values),
        ("non-UTF-8 announce-ip", bytes_kept),
        ("SIGHUP", sighup),
        ("config file mode 0600", file_mode),
    ];
    let ours = env!("CARGO_BIN_EXE_rsentinel").to_string();
    let theirs =
        std::env::var("REDIS_SENTINEL").unwrap_or_else(|_| "/usr/bin/redis-sentinel".into());
    let mut bins = vec![("rsentinel", ours)];
    if std::path::Path::new(&theirs).exists() {
        bins.push(("redis-sentinel", theirs));
    } else {
        println!("({theirs} not installed: rsentinel only)");
    }
    for (name, row) in rows {
        if !pick.is_empty() && !pick.iter().any(|p| name.contains(p.as_str())) {
            continue;
        }
        println!("{name}");
        for (label, path) in &bins {
            std::env::set_var("SENTINEL_BIN", path);
            let figure = std::panic::catch_unwind(row)
                .unwrap_or_else(|_| "scenario failed (see above)".to_string());
            println!("  {label:<15} {figure}");
        }
    }
}
