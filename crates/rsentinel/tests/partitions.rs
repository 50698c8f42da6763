//! Real partitions: redis-server and rsentinel processes on their own hosts (Linux
//! network namespaces created and removed by each test), with links cut while a
//! client keeps writing. The `netns_` tests need root and `ip netns`; without them they
//! print why and pass without checking anything, and `./scripts/test` says so. The
//! flapping-master test needs neither and always runs.
//!
//! The deployment is the usual one: three hosts, each with one redis-server (the master
//! on host 0, replicas on hosts 1 and 2) and one Sentinel, quorum 2. The figures (how
//! long the failover took, how many acknowledged writes it lost) are printed; run with
//! `-- --nocapture` to see them. docs/safety.md explains them.
//!
//! `PARTITION_BIN=/usr/bin/redis-sentinel` runs the same tests on another Sentinel, so
//! the figures can be compared with redis' own in the same conditions.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failed test

mod common;
#[path = "partitions/lab.rs"]
mod lab;
#[path = "partitions/writer.rs"]
mod writer;

use common::{bin, cluster_with, field, redis_cli, text, wait_discovery, wait_until, Client, LONG};
use lab::Lab;
use rsentinel_resp::Frame;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};
use writer::{missing, Writer};

const REDIS_PORT: u16 = 6379;
const SENTINEL_PORT: u16 = 26379;
const DOWN_AFTER_MS: u64 = 2000;
const HOSTS: usize = 3;
/// Generous bound for a failover or a reconfiguration on a loaded two-core runner.
const FAILOVER: Duration = Duration::from_secs(60);

/// The Sentinel under test: ours, unless `PARTITION_BIN` names another.
fn sentinel_bin() -> String {
    std::env::var("PARTITION_BIN").unwrap_or_else(|_| bin().to_string())
}

/// Returns the lab, or prints why this test cannot run here.
fn lab_or_skip(test: &str) -> Option<Lab> {
    match lab::unavailable() {
        None => Some(Lab::new(HOSTS)),
        Some(why) => {
            eprintln!("SKIPPED {test}: {why}");
            None
        }
    }
}

/// Three hosts, each with a redis-server and a Sentinel.
struct Site {
    lab: Lab,
    /// Process numbers of the Sentinels, by host.
    sentinels: Vec<usize>,
}

impl Site {
    /// Starts the servers (with `redis_extra` arguments each) and the Sentinels, and
    /// waits until replication is up and every Sentinel knows the whole deployment.
    fn deploy(mut lab: Lab, redis_extra: &[&str]) -> Site {
        let master_ip = lab.ip(0).to_string();
        let mut redis = Vec::new();
        for h in 0..HOSTS {
            let dir = lab.dir.path().join(format!("redis{h}"));
            std::fs::create_dir(&dir).expect("redis dir");
            let dir = dir.to_str().expect("utf-8 path").to_string();
            let port = REDIS_PORT.to_string();
            let mut args = vec![
                "--port",
                &port,
                "--bind",
                "0.0.0.0",
                "--protected-mode",
                "no",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                &dir,
                // Redis waits 5 s for more replicas before a diskless sync by default.
                "--repl-diskless-sync-delay",
                "0",
            ];
            if h > 0 {
                args.extend(["--replicaof", &master_ip, &port]);
            }
            args.extend_from_slice(redis_extra);
            redis.push(lab.spawn(h, &format!("redis{h}"), "redis-server", &args));
        }
        for (h, &i) in redis.iter().enumerate() {
            lab.wait_serving(i, h, REDIS_PORT);
        }
        // The pre-cut writes must be on the replicas, so wait for the initial sync.
        for h in 1..HOSTS {
            assert!(
                wait_until(LONG, || info(&lab, h, h, "master_link_status").as_deref()
                    == Some("up")),
                "the replica on host {h} did not sync"
            );
        }
        let conf = format!(
            "port {SENTINEL_PORT}\n\
             sentinel monitor mymaster {master_ip} {REDIS_PORT} 2\n\
             sentinel down-after-milliseconds mymaster {DOWN_AFTER_MS}\n\
             sentinel failover-timeout mymaster 20000\n"
        );
        let mut sentinels = Vec::new();
        for h in 0..HOSTS {
            let dir = lab.dir.path().join(format!("sentinel{h}"));
            std::fs::create_dir(&dir).expect("sentinel dir");
            let path = dir.join("sentinel.conf");
            std::fs::write(&path, &conf).expect("write sentinel.conf");
            let path = path.to_str().expect("utf-8 path").to_string();
            sentinels.push(lab.spawn(h, &format!("sentinel{h}"), &sentinel_bin(), &[&path]));
        }
        for (h, &i) in sentinels.iter().enumerate() {
            lab.wait_serving(i, h, SENTINEL_PORT);
        }
        let site = Site { lab, sentinels };
        for h in 0..HOSTS {
            let mut last = String::new();
            let ok = wait_until(Duration::from_secs(30), || {
                let Some(m) = site.sentinel_cmd(h, &["SENTINEL", "MASTER", "mymaster"]) else {
                    return false;
                };
                let slaves = field(&m, "num-slaves").unwrap_or_default();
                let others = field(&m, "num-other-sentinels").unwrap_or_default();
                last = format!("num-slaves={slaves} num-other-sentinels={others}");
                slaves == "2" && others == "2"
            });
            assert!(ok, "sentinel {h} did not discover the deployment: {last}");
        }
        site
    }

    /// A command to the Sentinel on host `h`, from that host.
    fn sentinel_cmd(&self, h: usize, args: &[&str]) -> Option<Frame> {
        self.lab.cmd(h, h, SENTINEL_PORT, args)
    }

    /// The master address the Sentinel on host `h` reports.
    fn master_of(&self, h: usize) -> Option<Ipv4Addr> {
        let f = self.sentinel_cmd(h, &["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"])?;
        let Frame::Array(parts) = f else { return None };
        parts.first().and_then(|ip| text(ip).parse().ok())
    }

    /// The Sentinel log of host `h`.
    fn log(&self, h: usize) -> String {
        self.lab.proc(self.sentinels[h]).output()
    }

    /// Event lines of kind `event` (e.g. `+odown`) in host `h`'s Sentinel log.
    fn events(&self, h: usize, event: &str) -> Vec<String> {
        self.log(h)
            .lines()
            .filter(|l| l.split_whitespace().any(|w| w == event))
            .map(str::to_string)
            .collect()
    }

    /// Every Sentinel log, for failure messages.
    fn logs(&self) -> String {
        (0..HOSTS)
            .map(|h| format!("--- sentinel {h}\n{}", self.log(h)))
            .collect()
    }

    /// Waits until every Sentinel reports `master` and every other server replicates
    /// from it with its link up.
    fn wait_converged(&self, master: usize) {
        let ip = self.lab.ip(master);
        for h in 0..HOSTS {
            assert!(
                wait_until(FAILOVER, || self.master_of(h) == Some(ip)),
                "sentinel {h} does not report {ip} as master\n{}",
                self.logs()
            );
        }
        for h in (0..HOSTS).filter(|&h| h != master) {
            let ok = wait_until(FAILOVER, || {
                info(&self.lab, h, h, "master_host").as_deref() == Some(&ip.to_string())
                    && info(&self.lab, h, h, "master_link_status").as_deref() == Some("up")
            });
            assert!(
                ok,
                "redis on host {h} does not replicate from {ip}\n{}",
                self.logs()
            );
        }
    }
}

/// A field of `INFO replication` of the redis on host `to`, asked from host `h`.
fn info(lab: &Lab, h: usize, to: usize, name: &str) -> Option<String> {
    let f = lab.cmd(h, to, REDIS_PORT, &["INFO", "replication"])?;
    let Frame::Bulk(b) = f else { return None };
    String::from_utf8_lossy(&b).lines().find_map(|l| {
        l.trim_end()
            .strip_prefix(name)
            .and_then(|r| r.strip_prefix(':'))
            .map(str::to_string)
    })
}

/// What one isolated-master run measured.
struct Loss {
    /// Writes acknowledged over the whole run.
    acked: usize,
    /// Acknowledged writes missing on the final master.
    lost: usize,
    /// Of those, acknowledged before the cut (not yet replicated when it came).
    lost_before_cut: usize,
    /// When the old master acknowledged writes after the cut.
    acked_by_old_after_cut: Vec<Instant>,
    cut: Instant,
    /// How long the old master was cut off.
    cut_ms: u128,
    /// The old master's first refusal while it was cut off, if any.
    first_refusal: Option<Instant>,
}

/// Cuts the master's host off while a client on that host keeps writing; the majority
/// fails over; the link heals; the old master must come back as a replica of the new
/// one. Returns the write-loss figures.
fn isolate_the_master(test: &str, lab: Lab, redis_extra: &[&str]) -> Loss {
    let site = Site::deploy(lab, redis_extra);
    let old_ip = site.lab.ip(0);
    let local_sentinel = SocketAddr::from((Ipv4Addr::LOCALHOST, SENTINEL_PORT));
    let w = Writer::start(&site.lab, 0, local_sentinel);
    assert!(
        wait_until(LONG, || w.acked() >= 200),
        "the writer got no acknowledgements"
    );

    let cut = Instant::now();
    site.lab.cut(0);
    // The majority side (hosts 1 and 2) elects a leader and promotes a replica.
    let mut new_ip = None;
    assert!(
        wait_until(FAILOVER, || {
            new_ip = site.master_of(1).filter(|ip| *ip != old_ip);
            new_ip.is_some()
        }),
        "the majority did not fail over\n{}",
        site.logs()
    );
    let failover_ms = cut.elapsed().as_millis();
    let new_ip = new_ip.expect("checked above");
    let new_master = (0..HOSTS)
        .find(|&h| site.lab.ip(h) == new_ip)
        .expect("the new master is one of the hosts");
    assert_ne!(new_master, 0);
    // The isolated Sentinel still sees its master and must not act on its own.
    assert_eq!(site.master_of(0), Some(old_ip));
    // Keep the partition a little longer, as real ones last, then heal.
    std::thread::sleep(Duration::from_secs(2));
    site.lab.heal(0);
    let healed = Instant::now();
    let cut_ms = (healed - cut).as_millis();

    site.wait_converged(new_master);
    let settled = w.acked();
    assert!(
        wait_until(LONG, || w.acked() >= settled + 100),
        "the writer did not resume on the new master"
    );
    let record = w.stop();

    // Sentinel behaviour: one failover, by the majority, seen by everyone.
    for h in 0..HOSTS {
        let switch = site.events(h, "+switch-master");
        assert_eq!(
            switch.len(),
            1,
            "sentinel {h} switched {} times\n{}",
            switch.len(),
            site.logs()
        );
        assert!(switch[0].ends_with(&format!(
            "mymaster {old_ip} {REDIS_PORT} {new_ip} {REDIS_PORT}"
        )));
    }
    assert!(
        site.events(0, "+try-failover").is_empty(),
        "the isolated sentinel tried a failover\n{}",
        site.logs()
    );
    assert!(
        (0..HOSTS).any(|h| site
            .events(h, "+convert-to-slave")
            .iter()
            .any(|l| l.contains(&old_ip.to_string()))),
        "the old master was not demoted by a sentinel\n{}",
        site.logs()
    );

    // Writes: what the final master holds against what was acknowledged.
    let acks = record.acks;
    let acked = acks.len();
    let acked_by_old_after_cut: Vec<Instant> = acks
        .iter()
        .filter(|a| a.server == IpAddr::V4(old_ip) && a.at > cut)
        .map(|a| a.at)
        .collect();
    let new_master_addr = SocketAddr::from((new_ip, REDIS_PORT));
    let lost = site.lab.on_host(new_master, move || {
        let mut c = Client::try_connect_to(new_master_addr, Duration::from_secs(2))
            .expect("connect to the new master");
        missing(&mut c, &acks)
    });
    assert!(
        lost.iter().all(|a| a.server == IpAddr::V4(old_ip)),
        "writes acknowledged by the new master were lost"
    );
    // After the heal the demoted old master refuses with READONLY, as it should; what
    // matters is whether it refused while it was cut off.
    let first_refusal = record
        .refusals
        .iter()
        .find(|r| r.server == IpAddr::V4(old_ip) && r.at > cut && r.at < healed);
    let loss = Loss {
        acked,
        lost: lost.len(),
        lost_before_cut: lost.iter().filter(|a| a.at <= cut).count(),
        acked_by_old_after_cut,
        cut,
        cut_ms,
        first_refusal: first_refusal.map(|r| r.at),
    };
    println!(
        "{test}: failover {failover_ms} ms after the cut, master cut off for {cut_ms} ms; \
         {acked} writes acknowledged, {} of them by the old master after the cut; \
         {} acknowledged writes lost ({} acknowledged before the cut){}",
        loss.acked_by_old_after_cut.len(),
        loss.lost,
        loss.lost_before_cut,
        match first_refusal {
            Some(r) => format!(
                "; the old master refused writes {} ms after the cut ({})",
                (r.at - cut).as_millis(),
                r.error
            ),
            None => "; the old master never refused a write".to_string(),
        }
    );
    loss
}

#[test]
fn netns_isolated_master_fails_over_and_rejoins_as_replica() {
    let test = "netns_isolated_master_fails_over_and_rejoins_as_replica";
    let Some(lab) = lab_or_skip(test) else { return };
    let loss = isolate_the_master(test, lab, &[]);
    // Asynchronous replication: what the old master acknowledged while cut off is gone.
    assert!(
        !loss.acked_by_old_after_cut.is_empty(),
        "the client could not write to the isolated master"
    );
    assert!(loss.lost > 0, "no acknowledged write was lost");
    assert!(loss.first_refusal.is_none());
}

#[test]
fn netns_min_replicas_to_write_bounds_the_lost_writes() {
    let test = "netns_min_replicas_to_write_bounds_the_lost_writes";
    let Some(lab) = lab_or_skip(test) else { return };
    let loss = isolate_the_master(
        test,
        lab,
        &[
            "--min-replicas-to-write",
            "1",
            "--min-replicas-max-lag",
            "1",
        ],
    );
    // Cut off from its replicas, the old master stops accepting writes once their
    // acknowledgements are older than the lag: only writes before that can be lost.
    let refused = loss
        .first_refusal
        .expect("the isolated master never refused a write");
    assert!(
        loss.acked_by_old_after_cut.iter().all(|&t| t < refused),
        "the old master acknowledged writes after it started refusing them"
    );
    println!(
        "{test}: the loss window was {} ms after the cut (down from {} ms without \
         min-replicas-to-write); {} of {} acknowledged writes lost",
        (refused - loss.cut).as_millis(),
        loss.cut_ms,
        loss.lost,
        loss.acked
    );
}

#[test]
fn netns_isolated_sentinel_starts_no_failover() {
    let test = "netns_isolated_sentinel_starts_no_failover";
    let Some(lab) = lab_or_skip(test) else { return };
    let site = Site::deploy(lab, &[]);
    let master_ip = site.lab.ip(0);
    // Host 2 (a replica and a Sentinel) loses the network for three down-after periods.
    site.lab.cut(2);
    let saw_down = wait_until(Duration::from_secs(20), || {
        !site.events(2, "+sdown").is_empty()
    });
    std::thread::sleep(Duration::from_millis(DOWN_AFTER_MS * 3));
    site.lab.heal(2);
    assert!(
        saw_down,
        "the isolated sentinel never noticed\n{}",
        site.logs()
    );
    site.wait_converged(0);
    assert!(
        wait_until(FAILOVER, || site
            .events(2, "-sdown")
            .iter()
            .any(|l| l.contains("master mymaster"))),
        "the isolated sentinel did not see the master again\n{}",
        site.logs()
    );
    for h in 0..HOSTS {
        for event in ["+odown", "+try-failover", "+switch-master"] {
            assert!(
                site.events(h, event).is_empty(),
                "sentinel {h} logged {event}\n{}",
                site.logs()
            );
        }
        assert_eq!(site.master_of(h), Some(master_ip));
    }
    println!("{test}: no failover; every sentinel still reports {master_ip}");
}

#[test]
fn flapping_master_just_under_down_after_never_fails_over() {
    let c = cluster_with(&format!(
        "sentinel down-after-milliseconds mymaster {DOWN_AFTER_MS}\n"
    ));
    wait_discovery(&c);
    let pid = redis_cli(c.master.port, &["INFO", "server"])
        .lines()
        .find_map(|l| l.trim_end().strip_prefix("process_id:").map(str::to_string))
        .expect("master pid");
    let signal = |sig: &str| {
        assert!(std::process::Command::new("kill")
            .args([sig, &pid])
            .status()
            .is_ok_and(|s| s.success()));
    };
    // Paused for 75% of down-after-milliseconds, then running for a moment, repeatedly.
    let pause = Duration::from_millis(DOWN_AFTER_MS * 3 / 4);
    for _ in 0..6 {
        signal("-STOP");
        std::thread::sleep(pause);
        signal("-CONT");
        std::thread::sleep(Duration::from_millis(700));
    }
    std::thread::sleep(Duration::from_secs(2));
    for s in &c.sentinels {
        let out = s.output();
        for event in ["+sdown master", "+odown", "+try-failover", "+switch-master"] {
            assert!(!out.contains(event), "{event} while flapping:\n{out}");
        }
        let addr = s.cli(&["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"]);
        assert!(addr.contains(&c.master.port.to_string()), "{addr}");
    }
}
