//! Failover timings and lost writes, side by side: three Sentinels (quorum 2) watch one
//! master with two replicas (real `redis-server`s, `down-after-milliseconds 1000`) while
//! a client INCRs a counter every 5 ms on whatever master the Sentinels name. Each trial
//! either kills the master or sends `SENTINEL FAILOVER`; the events of all three
//! Sentinels are timed from that moment, and the acknowledged INCRs are compared with the
//! final value of the counter on the new master (the difference is writes lost).
//!
//! Runs rsentinel and, when installed, redis-sentinel (`REDIS_SENTINEL`, default
//! /usr/bin/redis-sentinel) in one run and prints the medians with the ratios as a
//! markdown table (docs/performance.md keeps one). It asserts nothing.
//!
//! `cargo bench -p rsentinel --bench failover` (about four minutes); `FAILOVER_KILLS`
//! and `FAILOVER_MANUAL` change the number of trials (5 and 3).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failed test

#[path = "../tests/common/mod.rs"]
mod common;

use common::*;
use rsentinel_resp::Frame;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// One published event: when, from which Sentinel, channel, payload.
type Seen = (Instant, usize, String, String);

#[derive(Clone, Copy, PartialEq)]
enum Trial {
    Kill,
    Manual,
}

/// Milliseconds from the trial's start to each step (None when it never happened).
#[derive(Default, Clone)]
struct Figures {
    sdown: Option<f64>,
    odown: Option<f64>,
    elected: Option<f64>,
    promoted: Option<f64>,
    first_switch: Option<f64>,
    last_switch: Option<f64>,
    lost: Option<f64>,
}

/// Subscribes to every event of the Sentinel on `port` until `stop`.
fn listen(
    port: u16,
    idx: usize,
    log: Arc<Mutex<Vec<Seen>>>,
    stop: Arc<AtomicBool>,
) -> JoinHandle<()> {
    let mut c = Client::connect(port);
    c.cmd(&["PSUBSCRIBE", "*"]);
    std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            let Some(f) = c.recv_timeout(Duration::from_millis(100)) else {
                continue;
            };
            let at = Instant::now();
            let parts = strings(&f);
            if parts.len() == 4 && parts[0] == "pmessage" {
                if let Ok(mut l) = log.lock() {
                    l.push((at, idx, parts[2].clone(), parts[3].clone()));
                }
            }
        }
    })
}

/// The master address the first answering Sentinel names.
fn master_addr(sentinels: &[u16]) -> Option<u16> {
    for &p in sentinels {
        let Ok(mut c) = Client::try_connect(p) else {
            continue;
        };
        let r = c.try_cmd(
            &["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"],
            Duration::from_secs(1),
        )?;
        let s = strings(&r);
        if let Some(port) = s.get(1).and_then(|p| p.parse().ok()) {
            return Some(port);
        }
    }
    None
}

/// INCR every 5 ms on the master the Sentinels name, reconnecting (and asking again)
/// after any failure; returns the number of acknowledged INCRs.
fn writer(sentinels: Vec<u16>, stop: Arc<AtomicBool>) -> JoinHandle<u64> {
    std::thread::spawn(move || {
        let mut acked = 0u64;
        let mut conn: Option<Client> = None;
        while !stop.load(Ordering::Relaxed) {
            if conn.is_none() {
                conn = master_addr(&sentinels).and_then(|p| {
                    let a = std::net::SocketAddr::from(([127, 0, 0, 1], p));
                    Client::try_connect_to(a, Duration::from_millis(200)).ok()
                });
            }
            if let Some(c) = conn.as_mut() {
                match c.try_cmd(&["INCR", "counter"], Duration::from_secs(10)) {
                    Some(Frame::Integer(_)) => acked += 1,
                    _ => conn = None,
                }
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        acked
    })
}

fn in_sync(replica: u16) -> bool {
    redis_cli(replica, &["INFO", "replication"]).contains("master_link_status:up")
}

/// Every Sentinel knows both replicas (with a live link to the master) and both peers.
fn ready(c: &Cluster) -> bool {
    wait_discovery(c);
    let replicas_ok = wait_until(DISCOVERY, || c.replicas.iter().all(|r| in_sync(r.port)));
    replicas_ok
        && c.sentinels.iter().all(|s| {
            wait_until(DISCOVERY, || {
                let r = s.client().cmd(&["SENTINEL", "REPLICAS", "mymaster"]);
                let list = items(&r);
                list.len() == 2
                    && list
                        .iter()
                        .all(|x| field(x, "master-link-status").as_deref() == Some("ok"))
            })
        })
}

fn ms(from: Instant, at: Instant) -> f64 {
    at.saturating_duration_since(from).as_secs_f64() * 1000.0
}

fn run_trial(kind: Trial, extra: &str) -> Option<Figures> {
    let mut c = cluster_with(extra);
    if !ready(&c) {
        eprintln!("cluster not ready; trial skipped");
        return None;
    }
    let ports: Vec<u16> = c.sentinels.iter().map(|s| s.port).collect();
    let log = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let listeners: Vec<_> = ports
        .iter()
        .enumerate()
        .map(|(i, &p)| listen(p, i, log.clone(), stop.clone()))
        .collect();
    let stop_writes = Arc::new(AtomicBool::new(false));
    let w = writer(ports.clone(), stop_writes.clone());
    std::thread::sleep(Duration::from_millis(1000));
    let t0 = Instant::now();
    match kind {
        Trial::Kill => c.master.kill(),
        Trial::Manual => {
            let r = c.sentinels[0]
                .client()
                .cmd(&["SENTINEL", "FAILOVER", "mymaster"]);
            if text(&r) != "OK" {
                eprintln!("SENTINEL FAILOVER: {}", text(&r));
            }
        }
    }
    let switched = |l: &[Seen]| {
        let mut who: Vec<usize> = l
            .iter()
            .filter(|e| e.2 == "+switch-master")
            .map(|e| e.1)
            .collect();
        who.sort();
        who.dedup();
        who.len()
    };
    wait_until(Duration::from_secs(30), || {
        log.lock().map(|l| switched(&l) == 3).unwrap_or(false)
    });
    std::thread::sleep(Duration::from_millis(1000));
    stop_writes.store(true, Ordering::Relaxed);
    let acked = w.join().unwrap_or(0);
    stop.store(true, Ordering::Relaxed);
    for l in listeners {
        let _ = l.join();
    }
    let final_value = master_addr(&ports).and_then(|p| {
        let v = redis_cli(p, &["GET", "counter"]);
        v.trim().parse::<u64>().ok()
    });
    let log = log.lock().map(|l| l.clone()).unwrap_or_default();
    let first = |channel: &str| {
        log.iter()
            .filter(|e| e.2 == channel && (channel != "+sdown" || e.3.starts_with("master ")))
            .map(|e| ms(t0, e.0))
            .reduce(f64::min)
    };
    let last_switch = (switched(&log) == 3).then(|| {
        (0..3)
            .filter_map(|i| {
                log.iter()
                    .find(|e| e.1 == i && e.2 == "+switch-master")
                    .map(|e| ms(t0, e.0))
            })
            .fold(0.0, f64::max)
    });
    Some(Figures {
        sdown: first("+sdown"),
        odown: first("+odown"),
        elected: first("+elected-leader"),
        promoted: first("+promoted-slave"),
        first_switch: first("+switch-master"),
        last_switch,
        lost: final_value.map(|v| acked.saturating_sub(v) as f64),
    })
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

type Pick = fn(&Figures) -> Option<f64>;

const ROWS: [(&str, Pick, bool); 7] = [
    ("+sdown", |f| f.sdown, true),
    ("+odown", |f| f.odown, true),
    ("+elected-leader", |f| f.elected, true),
    ("+promoted-slave", |f| f.promoted, true),
    ("first +switch-master", |f| f.first_switch, true),
    ("all three switched", |f| f.last_switch, true),
    ("acknowledged writes lost", |f| f.lost, false),
];

fn cell(v: Option<f64>, time: bool) -> String {
    match v {
        Some(v) if time => format!("{:.2} s", v / 1000.0),
        Some(v) => format!("{v:.0}"),
        None => "-".into(),
    }
}

fn runs(kind: Trial, n: usize, name: &str, extra: &str) -> Vec<Figures> {
    (0..n)
        .filter_map(|i| {
            let f = run_trial(kind, extra);
            if let Some(f) = &f {
                eprintln!(
                    "{name} {} trial {}: switch {} / {}, lost {}",
                    if kind == Trial::Kill {
                        "kill"
                    } else {
                        "manual"
                    },
                    i + 1,
                    cell(f.first_switch, true),
                    cell(f.last_switch, true),
                    cell(f.lost, false)
                );
            }
            f
        })
        .collect()
}

fn table(title: &str, kind: Trial, results: &[(String, Vec<Figures>)]) {
    println!(
        "\n{title} (medians; times from the {})\n",
        match kind {
            Trial::Kill => "kill",
            Trial::Manual => "SENTINEL FAILOVER",
        }
    );
    let mut head = String::from("| |");
    let mut rule = String::from("|---|");
    for (name, _) in results {
        head.push_str(&format!(" {name} |"));
        rule.push_str("---|");
    }
    if results.len() == 2 {
        head.push_str(" ratio |");
        rule.push_str("---|");
    }
    println!("{head}\n{rule}");
    for (label, pick, time) in ROWS {
        if kind == Trial::Manual && (label == "+sdown" || label == "+odown") {
            continue;
        }
        let meds: Vec<Option<f64>> = results
            .iter()
            .map(|(_, figs)| median(figs.iter().filter_map(pick).collect()))
            .collect();
        let mut line = format!("| {label} |");
        for m in &meds {
            line.push_str(&format!(" {} |", cell(*m, time)));
        }
        if let [Some(a), Some(b)] = meds.as_slice() {
            if *a > 0.0 {
                line.push_str(&format!(" {:.2} |", b / a));
            } else {
                line.push_str(" - |");
            }
        } else if meds.len() == 2 {
            line.push_str(" - |");
        }
        println!("{line}");
    }
}

fn main() {
    let kills = std::env::var("FAILOVER_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let manual = std::env::var("FAILOVER_MANUAL")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let redis =
        std::env::var("REDIS_SENTINEL").unwrap_or_else(|_| "/usr/bin/redis-sentinel".into());
    let rsentinel = env!("CARGO_BIN_EXE_rsentinel").to_string();
    let mut bins = Vec::new();
    if std::path::Path::new(&redis).exists() {
        bins.push(("redis-sentinel".to_string(), redis));
    } else {
        eprintln!("{redis} not found: rsentinel only");
    }
    bins.push(("rsentinel".to_string(), rsentinel));
    // Extra config lines for every Sentinel (e.g. to compare a setting).
    let extra = std::env::var("FAILOVER_EXTRA").unwrap_or_default();
    let mut kill_results = Vec::new();
    let mut manual_results = Vec::new();
    for (name, path) in &bins {
        // The shared helpers start whatever SENTINEL_BIN names; one thread sets it.
        std::env::set_var("SENTINEL_BIN", path);
        kill_results.push((name.clone(), runs(Trial::Kill, kills, name, &extra)));
        manual_results.push((name.clone(), runs(Trial::Manual, manual, name, &extra)));
    }
    table(
        &format!("Master killed, {kills} trials"),
        Trial::Kill,
        &kill_results,
    );
    table(
        &format!("SENTINEL FAILOVER, {manual} trials"),
        Trial::Manual,
        &manual_results,
    );
}
