//! What clients see: `redis-benchmark` throughput and latency on the hot commands, and
//! how long a `+switch-master` takes to reach 2000 subscribers.

use super::common::*;
use super::fleet::{cpu_ns, kernel_share, user_sys_ticks};
use std::os::fd::AsRawFd;
use std::process::Command;
use std::time::{Duration, Instant};

/// One redis-benchmark run.
pub struct Throughput {
    pub rps: f64,
    pub p99_ms: f64,
    /// CPU the Sentinel used meanwhile, in percent of one core.
    pub cpu_pct: f64,
    /// The Sentinel's CPU per request, in microseconds: what it would serve per core
    /// if the client were not the limit.
    pub cpu_us_per_req: f64,
    /// The part of it spent in the kernel (reading requests, writing replies): what
    /// any server pays for the same reads and writes.
    pub kernel_us_per_req: f64,
    /// CPU redis-benchmark itself used, in percent of one core: near 100 % the client,
    /// not the Sentinel, sets the throughput.
    pub client_cpu_pct: f64,
}

/// CPU time of the children waited for so far (redis-benchmark runs), in ns.
#[allow(unsafe_code)] // see the SAFETY comment
fn children_cpu_ns() -> u64 {
    // SAFETY: getrusage only writes the struct it is handed.
    let usage = unsafe {
        let mut u: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut u);
        u
    };
    let ns = |t: libc::timeval| t.tv_sec as u64 * 1_000_000_000 + t.tv_usec as u64 * 1_000;
    ns(usage.ru_utime) + ns(usage.ru_stime)
}

/// `redis-benchmark -c clients -P pipeline -n requests --csv <command...>` against `s`.
pub fn bench(s: &Sentinel, clients: u32, pipeline: u32, requests: u64, cmd: &[&str]) -> Throughput {
    let before = cpu_ns(s.pid());
    let ticks_before = user_sys_ticks(s.pid());
    let client_before = children_cpu_ns();
    let t = Instant::now();
    let out = Command::new("redis-benchmark")
        .args(["-h", "127.0.0.1", "-p", &s.port.to_string()])
        .args(["-c", &clients.to_string(), "-P", &pipeline.to_string()])
        .args(["-n", &requests.to_string(), "--csv"])
        .args(cmd)
        .output()
        .expect("run redis-benchmark");
    let wall = t.elapsed().as_nanos() as f64;
    let used = cpu_ns(s.pid()).saturating_sub(before) as f64;
    let share = kernel_share(std::iter::once((ticks_before, user_sys_ticks(s.pid()))));
    let cpu_pct = 100.0 * used / wall;
    let client_cpu_pct = 100.0 * children_cpu_ns().saturating_sub(client_before) as f64 / wall;
    // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms",
    // "p99_latency_ms","max_latency_ms"
    let text = String::from_utf8_lossy(&out.stdout);
    let row: Vec<f64> = text
        .lines()
        .last()
        .unwrap_or_default()
        .split(',')
        .skip(1)
        .filter_map(|f| f.trim_matches('"').parse().ok())
        .collect();
    Throughput {
        rps: row.first().copied().unwrap_or(0.0),
        p99_ms: row.get(5).copied().unwrap_or(0.0),
        cpu_pct,
        cpu_us_per_req: used / 1000.0 / requests as f64,
        kernel_us_per_req: share * used / 1000.0 / requests as f64,
        client_cpu_pct,
    }
}

/// Connects `n` clients subscribed to `+switch-master`, forces a failover of a real
/// master/replica pair and returns, in ms, the spread between the first and the last
/// subscriber receiving the message.
pub fn fanout(n: usize) -> Option<f64> {
    let master = RedisServer::start();
    let replica = RedisServer::replica_of(master.port);
    let conf = format!(
        "sentinel monitor m 127.0.0.1 {} 1\nsentinel down-after-milliseconds m 2000\n",
        master.port
    );
    let s = Sentinel::start(&conf, &[]);
    let mut admin = s.client();
    let ready = wait_until(Duration::from_secs(30), || {
        let r = admin.cmd(&["SENTINEL", "REPLICAS", "m"]);
        items(&r).iter().any(|rep| {
            pairs(rep)
                .iter()
                .any(|(k, v)| k == "master-link-status" && v == "ok")
        })
    });
    if !ready {
        eprintln!("    replica of {} never reported", replica.port);
        return None;
    }
    let mut subs: Vec<Client> = (0..n).map(|_| s.client()).collect();
    for c in &mut subs {
        c.send(&["SUBSCRIBE", "+switch-master"]);
    }
    for c in &mut subs {
        c.recv();
    }
    for c in &subs {
        c.stream.set_nonblocking(true).expect("nonblocking");
    }
    admin.cmd(&["SENTINEL", "FAILOVER", "m"]);
    let mut fds: Vec<libc::pollfd> = subs
        .iter()
        .map(|c| libc::pollfd {
            fd: c.stream.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    let (mut first, mut last) = (None, None);
    let deadline = Instant::now() + Duration::from_secs(60);
    while !fds.is_empty() && Instant::now() < deadline {
        #[allow(unsafe_code)] // see the SAFETY comment
        // SAFETY: `fds` is a live, correctly sized array of pollfd for the whole call.
        let ready = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, 100) };
        if ready <= 0 {
            continue;
        }
        let now = Instant::now();
        first.get_or_insert(now);
        last = Some(now);
        fds.retain(|p| p.revents == 0);
        for p in &mut fds {
            p.revents = 0;
        }
    }
    if !fds.is_empty() {
        eprintln!("    {} subscribers got nothing", fds.len());
        return None;
    }
    Some((last? - first?).as_secs_f64() * 1000.0)
}
