//! The measured setups: a fleet of real `redis-server` masters, each with one replica,
//! and Sentinels monitoring all of them; CPU time, RSS and discovery read from /proc and
//! from the Sentinels' own replies.

use super::common::*;
use rsentinel_resp::Frame;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// K masters with one replica each. The servers are made as cheap as redis allows (no
/// persistence, 16 KB backlog, hz 1) so that 4000 of them fit on a small machine; they
/// are killed on drop.
pub struct Fleet {
    pub masters: Vec<u16>,
    children: Vec<Child>,
    _dir: tempfile::TempDir,
}

/// Ports below the kernel's ephemeral range, so the Sentinels' own outgoing connections
/// never collide with them; each is checked free before use.
fn ports(n: usize, from: u16) -> Vec<u16> {
    (from..32_000)
        .filter(|p| TcpListener::bind(("127.0.0.1", *p)).is_ok())
        .take(n)
        .collect()
}

fn spawn(port: u16, dir: &std::path::Path, extra: &[String]) -> Child {
    Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no", "--hz", "1"])
        .args(["--repl-backlog-size", "16kb", "--maxmemory", "8mb"])
        .args(["--repl-diskless-sync-delay", "0"])
        .args(extra)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn redis-server")
}

/// The value of `field:` in an INFO text.
fn info_field(info: &str, field: &str) -> Option<String> {
    info.lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .map(|v| v.trim().to_string())
}

impl Fleet {
    /// Starts `k` masters and their replicas, and waits until every master reports its
    /// replica online, so that replication set-up is not counted as discovery.
    pub fn start(k: usize) -> Fleet {
        let dir = tempfile::tempdir().expect("temp dir");
        let all = ports(2 * k, 21_000);
        assert_eq!(all.len(), 2 * k, "not enough free ports below 32000");
        let (masters, replicas) = all.split_at(k);
        let mut children = Vec::with_capacity(2 * k);
        for p in masters {
            children.push(spawn(*p, dir.path(), &[]));
        }
        let up = |p: u16| Client::try_connect(p).is_ok();
        for p in masters {
            assert!(wait_until(LONG, || up(*p)), "master {p} did not start");
        }
        for (m, r) in masters.iter().zip(replicas) {
            let of = vec!["--replicaof".into(), "127.0.0.1".into(), m.to_string()];
            children.push(spawn(*r, dir.path(), &of));
        }
        for p in masters {
            let mut c = Client::connect(*p);
            let ok = wait_until(Duration::from_secs(120), || {
                let info = text(&c.cmd(&["INFO", "replication"]));
                info_field(&info, "connected_slaves").as_deref() == Some("1")
                    && info.contains("state=online")
            });
            assert!(ok, "replica of {p} did not come online");
        }
        Fleet {
            masters: masters.to_vec(),
            children,
            _dir: dir,
        }
    }

    /// The config lines monitoring every master of the fleet.
    pub fn monitor_lines(&self) -> String {
        self.masters
            .iter()
            .enumerate()
            .map(|(i, p)| format!("sentinel monitor m{i} 127.0.0.1 {p} 2\n"))
            .collect()
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
        }
        for c in &mut self.children {
            let _ = c.wait();
        }
    }
}

/// CPU time used so far by every thread of `pid`, in nanoseconds (schedstat is exact,
/// where the tick-based utime of /proc/<pid>/stat rounds to 10 ms).
pub fn cpu_ns(pid: u32) -> u64 {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0;
    };
    tasks
        .filter_map(|t| t.ok())
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

/// Clock ticks the whole process `pid` spent in user space and in the kernel so far
/// (/proc/<pid>/stat's utime and stime): only their shares are used, the total comes
/// from [`cpu_ns`].
pub fn user_sys_ticks(pid: u32) -> (u64, u64) {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return (0, 0);
    };
    // Fields after the command name (which may hold spaces): state is the first, utime
    // and stime the 12th and 13th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<u64> = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|v| v.parse().ok())
        .collect();
    match f[..] {
        [u, s] => (u, s),
        _ => (0, 0),
    }
}

/// The share of the CPU time between each `(before, after)` pair of
/// [`user_sys_ticks`] readings that was spent in the kernel; NaN without any tick.
pub fn kernel_share(readings: impl Iterator<Item = ((u64, u64), (u64, u64))>) -> f64 {
    let (mut user, mut sys) = (0u64, 0u64);
    for ((u0, s0), (u1, s1)) in readings {
        user += u1.saturating_sub(u0);
        sys += s1.saturating_sub(s0);
    }
    if user + sys == 0 {
        f64::NAN
    } else {
        sys as f64 / (user + sys) as f64
    }
}

/// Context switches of every thread of `pid` so far, voluntary (waiting for input) and
/// not (preempted): each costs a trip through the scheduler.
fn switches(pid: u32) -> u64 {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0;
    };
    tasks
        .filter_map(|t| t.ok())
        .filter_map(|t| std::fs::read_to_string(t.path().join("status")).ok())
        .flat_map(|s| {
            s.lines()
                .filter(|l| l.contains("ctxt_switches:"))
                .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
                .collect::<Vec<_>>()
        })
        .sum()
}

/// Whether every master a Sentinel monitors shows `replicas` replicas and `others` other
/// Sentinels (one SENTINEL MASTERS call).
fn discovered(c: &mut Client, k: usize, replicas: usize, others: usize) -> bool {
    let Some(reply) = c.try_cmd(&["SENTINEL", "MASTERS"], LONG) else {
        return false;
    };
    let Frame::Array(masters) = reply else {
        return false;
    };
    masters.len() == k
        && masters.iter().all(|m| {
            let p = pairs(m);
            let get = |f: &str| {
                p.iter()
                    .find(|(k, _)| k == f)
                    .and_then(|(_, v)| v.parse::<usize>().ok())
            };
            get("num-slaves") == Some(replicas) && get("num-other-sentinels") == Some(others)
        })
}

/// One measured run of `n` Sentinels over the fleet.
pub struct ScaleFigures {
    /// Mean CPU per Sentinel over the window, in percent of one core.
    pub cpu_pct: f64,
    /// The part of it spent in the kernel (sends, receives, waits): most of it is the
    /// same for any Sentinel that exchanges the same messages, so it bounds how far
    /// below redis-sentinel the total can go.
    pub kernel_pct: f64,
    /// Context switches per second per Sentinel over the window.
    pub switches_per_s: f64,
    /// Mean RSS per Sentinel at the end of the window, in MB.
    pub rss_mb: f64,
    /// Mean peak RSS (VmHWM) per Sentinel over its whole life, in MB: the resident
    /// memory right after discovery understated what a Sentinel holds a few INFO
    /// rounds later.
    pub peak_rss_mb: f64,
    /// From the start until the last Sentinel sees every replica (and every other
    /// Sentinel), in seconds.
    pub discovery_s: f64,
}

/// Starts `n` Sentinels on the fleet, waits for discovery, lets them settle, then
/// measures CPU over `window`.
pub fn measure(fleet: &Fleet, n: usize, window: Duration) -> Option<ScaleFigures> {
    let k = fleet.masters.len();
    let conf = fleet.monitor_lines();
    let t0 = Instant::now();
    let sentinels: Vec<Sentinel> = (0..n).map(|_| Sentinel::start(&conf, &[])).collect();
    let mut clients: Vec<Client> = sentinels.iter().map(|s| s.client()).collect();
    let limit = Duration::from_secs(60 + k as u64 / 20);
    let mut pending: Vec<usize> = (0..n).collect();
    let found = wait_until(limit, || {
        pending.retain(|&i| !discovered(&mut clients[i], k, 1, n - 1));
        if !pending.is_empty() {
            std::thread::sleep(Duration::from_millis(100));
        }
        pending.is_empty()
    });
    if !found {
        eprintln!("    discovery not complete after {limit:?}");
        return None;
    }
    let discovery_s = t0.elapsed().as_secs_f64();
    drop(clients);
    std::thread::sleep(Duration::from_secs(2));
    let before: Vec<u64> = sentinels.iter().map(|s| cpu_ns(s.pid())).collect();
    let ticks_before: Vec<(u64, u64)> = sentinels.iter().map(|s| user_sys_ticks(s.pid())).collect();
    let switches_before: Vec<u64> = sentinels.iter().map(|s| switches(s.pid())).collect();
    let t = Instant::now();
    std::thread::sleep(window);
    let wall = t.elapsed().as_nanos() as f64;
    let used: f64 = sentinels
        .iter()
        .zip(&before)
        .map(|(s, b)| cpu_ns(s.pid()).saturating_sub(*b) as f64)
        .sum();
    let ticks_after = sentinels.iter().map(|s| user_sys_ticks(s.pid()));
    let kernel_share = kernel_share(ticks_before.into_iter().zip(ticks_after));
    let switched: u64 = sentinels
        .iter()
        .zip(&switches_before)
        .map(|(s, b)| switches(s.pid()).saturating_sub(*b))
        .sum();
    let rss: u64 = sentinels.iter().map(|s| rss_kib(s.pid())).sum();
    let peak: u64 = sentinels.iter().map(|s| peak_rss_kib(s.pid())).sum();
    let cpu_pct = 100.0 * used / wall / n as f64;
    Some(ScaleFigures {
        cpu_pct,
        kernel_pct: cpu_pct * kernel_share,
        switches_per_s: switched as f64 / (wall / 1e9) / n as f64,
        rss_mb: rss as f64 / 1024.0 / n as f64,
        peak_rss_mb: peak as f64 / 1024.0 / n as f64,
        discovery_s,
    })
}
