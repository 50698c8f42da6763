//! The Prometheus text exposition (version 0.0.4) of the daemon's state, and the
//! readiness rule. Names follow Prometheus conventions: `rsentinel_` prefix, base units
//! (seconds), `_total` for counters; they cover what redis_exporter's sentinel collector
//! reads from INFO and SENTINEL MASTERS/SLAVES/SENTINELS/CKQUORUM, plus what only the
//! Sentinel itself knows (failover outcomes and durations, events, link latency).

use super::DURATION_BUCKETS;
use crate::state::Daemon;
use rsentinel_core::{Arena, Flags, Instance, LinkTable, Master};
use std::fmt::Write;

/// One metric family being written: HELP and TYPE once, then samples.
struct Out {
    text: String,
}

impl Out {
    fn family(&mut self, name: &str, kind: &str, help: &str) {
        let _ = write!(self.text, "# HELP {name} {help}\n# TYPE {name} {kind}\n");
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.text.push_str(name);
        if !labels.is_empty() {
            self.text.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.text.push(',');
                }
                let _ = write!(self.text, "{k}=\"{}\"", escape(v));
            }
            self.text.push('}');
        }
        let _ = writeln!(self.text, " {}", number(value));
    }

    fn gauge(&mut self, name: &str, help: &str, value: f64) {
        self.family(name, "gauge", help);
        self.sample(name, &[], value);
    }
}

/// Label values escape backslash, double quote and newline.
fn escape(v: &str) -> String {
    let mut s = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => s.push_str("\\\\"),
            '"' => s.push_str("\\\""),
            '\n' => s.push_str("\\n"),
            c => s.push(c),
        }
    }
    s
}

fn number(v: f64) -> String {
    if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else if v.is_nan() {
        "NaN".into()
    } else {
        format!("{v}")
    }
}

fn flag(b: bool) -> f64 {
    if b {
        1.0
    } else {
        0.0
    }
}

fn secs(ms: u64) -> f64 {
    ms as f64 / 1000.0
}

/// `ok`, `sdown`, `odown`, or `tilt` while the whole Sentinel is in TILT (it then judges
/// nothing, so the other states say nothing).
fn master_state(m: &Master, tilt: bool) -> &'static str {
    if tilt {
        "tilt"
    } else if m.inst.flags.contains(Flags::O_DOWN) {
        "odown"
    } else if m.inst.flags.contains(Flags::S_DOWN) {
        "sdown"
    } else {
        "ok"
    }
}

fn is_ok(i: &Instance) -> bool {
    !i.flags.intersects(Flags::S_DOWN | Flags::O_DOWN)
}

/// Why the Sentinel is not ready, empty when it is: not in TILT, and every monitored
/// master has a connected command link.
pub fn readiness(d: &Daemon) -> Vec<String> {
    let mut why = Vec::new();
    if d.sentinel.tilt() {
        why.push("in TILT mode".to_string());
    }
    let links = d.sentinel.links();
    for m in d.sentinel.masters() {
        let connected = links
            .get(m.inst.link)
            .is_some_and(|l| !l.health.disconnected);
        if !connected {
            why.push(format!("master {} has no connected link", m.name()));
        }
    }
    why
}

/// The whole `/metrics` body.
pub fn render(d: &Daemon, now_ms: u64) -> String {
    let mut o = Out {
        text: String::with_capacity(8192),
    };
    let s = &d.sentinel;
    let tilt = s.tilt();
    let masters = s.masters();

    o.family(
        "rsentinel_info",
        "gauge",
        "Build and identity of this Sentinel.",
    );
    o.sample(
        "rsentinel_info",
        &[
            ("version", env!("CARGO_PKG_VERSION")),
            ("redis_version", crate::version::REDIS_VERSION),
            ("run_id", d.identity.run_id()),
            ("myid", s.myid()),
        ],
        1.0,
    );
    o.gauge(
        "rsentinel_uptime_seconds",
        "Seconds since the process started.",
        d.identity.uptime().as_secs_f64(),
    );
    o.gauge(
        "rsentinel_tilt",
        "1 while the Sentinel is in TILT mode (it acts on nothing).",
        flag(tilt),
    );
    o.gauge(
        "rsentinel_masters",
        "Monitored masters.",
        masters.len() as f64,
    );
    o.gauge(
        "rsentinel_current_epoch",
        "The Sentinel's current epoch.",
        s.current_epoch() as f64,
    );
    let (running, queued) = s.script_counts();
    o.gauge(
        "rsentinel_running_scripts",
        "Notification and reconfiguration scripts running.",
        f64::from(running),
    );
    o.gauge(
        "rsentinel_scripts_queue_length",
        "Scripts waiting to run.",
        queued as f64,
    );
    o.gauge(
        "rsentinel_simulate_failure_flags",
        "SENTINEL SIMULATE-FAILURE flags in effect.",
        f64::from(s.simfailure_flags()),
    );
    o.gauge(
        "rsentinel_connected_clients",
        "Client connections (redis-cli, applications, other Sentinels).",
        d.clients.len() as f64,
    );
    o.family(
        "rsentinel_config_rewrites_total",
        "counter",
        "Rewrites of the config file, by result.",
    );
    let c = &d.metrics;
    o.sample(
        "rsentinel_config_rewrites_total",
        &[("result", "ok")],
        c.rewrites_ok as f64,
    );
    o.sample(
        "rsentinel_config_rewrites_total",
        &[("result", "error")],
        c.rewrites_failed as f64,
    );
    o.family(
        "rsentinel_events_total",
        "counter",
        "Sentinel events emitted (the pub/sub channel names), by type.",
    );
    for (kind, n) in &c.events {
        o.sample("rsentinel_events_total", &[("type", kind)], *n as f64);
    }

    per_master(&mut o, d, masters, tilt, now_ms);
    failovers(&mut o, d, masters);
    per_link(&mut o, d, masters, s.links(), now_ms);
    o.text
}

fn per_master(o: &mut Out, d: &Daemon, masters: &Arena<Master>, tilt: bool, now_ms: u64) {
    let ann = d.sentinel.announce_hostnames();
    o.family(
        "rsentinel_master_info",
        "gauge",
        "The address each master is monitored at.",
    );
    for m in masters {
        let a = m.current_addr();
        let port = a.port.to_string();
        o.sample(
            "rsentinel_master_info",
            &[
                ("master", m.name()),
                ("address", &a.announced_with_port(ann)),
                ("ip", a.announced(ann)),
                ("port", &port),
            ],
            1.0,
        );
    }
    o.family(
        "rsentinel_master_state",
        "gauge",
        "1 for the master's current state as this Sentinel judges it: ok, sdown, odown, or tilt.",
    );
    for m in masters {
        let now = master_state(m, tilt);
        for st in ["ok", "sdown", "odown", "tilt"] {
            o.sample(
                "rsentinel_master_state",
                &[("master", m.name()), ("state", st)],
                flag(st == now),
            );
        }
    }
    type Field = fn(&Master, u64) -> f64;
    let simple: &[(&str, &str, Field)] = &[
        ("rsentinel_master_quorum", "The master's quorum.", |m, _| {
            f64::from(m.quorum)
        }),
        (
            "rsentinel_master_replicas",
            "Replicas known for the master.",
            |m, _| m.replicas.len() as f64,
        ),
        (
            "rsentinel_master_ok_replicas",
            "Known replicas neither subjectively nor objectively down.",
            |m, _| m.replicas.values().filter(|r| is_ok(r)).count() as f64,
        ),
        (
            "rsentinel_master_sentinels",
            "Sentinels monitoring the master, this one included (INFO's sentinels=).",
            |m, _| (m.sentinels.len() + 1) as f64,
        ),
        (
            "rsentinel_master_ok_sentinels",
            "Sentinels not down, this one included.",
            |m, _| (1 + m.sentinels.values().filter(|s| is_ok(s)).count()) as f64,
        ),
        (
            "rsentinel_master_ckquorum",
            "1 when SENTINEL CKQUORUM would answer OK: enough usable Sentinels for the quorum and a majority.",
            |m, _| {
                let voters = m.sentinels.len() + 1;
                let usable = 1 + m.sentinels.values().filter(|s| is_ok(s)).count();
                flag(usable >= m.quorum as usize && usable > voters / 2)
            },
        ),
        (
            "rsentinel_master_config_epoch",
            "The configuration epoch of the master.",
            |m, _| m.inst.config_epoch as f64,
        ),
        (
            "rsentinel_master_down_after_seconds",
            "down-after-milliseconds, in seconds.",
            |m, _| secs(m.inst.down_after_ms),
        ),
        (
            "rsentinel_master_failover_timeout_seconds",
            "failover-timeout, in seconds.",
            |m, _| secs(m.failover_timeout_ms),
        ),
        (
            "rsentinel_master_parallel_syncs",
            "parallel-syncs.",
            |m, _| f64::from(m.parallel_syncs),
        ),
        (
            "rsentinel_master_failover_in_progress",
            "1 while this Sentinel runs a failover of the master.",
            |m, _| flag(m.failover.in_progress()),
        ),
        (
            "rsentinel_master_down_seconds",
            "Seconds since the master was judged subjectively down, 0 when it is not.",
            |m, now| {
                if m.inst.flags.contains(Flags::S_DOWN) {
                    secs(now.saturating_sub(m.inst.s_down_since_time))
                } else {
                    0.0
                }
            },
        ),
    ];
    for (name, help, f) in simple {
        o.family(name, "gauge", help);
        for m in masters {
            o.sample(name, &[("master", m.name())], f(m, now_ms));
        }
    }
}

fn failovers(o: &mut Out, d: &Daemon, masters: &Arena<Master>) {
    let stats = |m: &Master| {
        d.metrics
            .failovers
            .get(m.name())
            .cloned()
            .unwrap_or_default()
    };
    type Count = fn(&super::FailoverStats) -> u64;
    let counters: &[(&str, &str, Count)] = &[
        (
            "rsentinel_master_failovers_started_total",
            "Failover attempts this Sentinel started (+try-failover).",
            |f| f.started,
        ),
        (
            "rsentinel_master_failovers_succeeded_total",
            "Failovers this Sentinel led to the end (+failover-end).",
            |f| f.succeeded,
        ),
        (
            "rsentinel_master_switches_total",
            "Master address changes seen (+switch-master), whoever led the failover.",
            |f| f.switches,
        ),
    ];
    for (name, help, get) in counters {
        o.family(name, "counter", help);
        for m in masters {
            o.sample(name, &[("master", m.name())], get(&stats(m)) as f64);
        }
    }
    let aborted = "rsentinel_master_failovers_aborted_total";
    o.family(
        aborted,
        "counter",
        "Failover attempts that ended without a switch, by reason (-failover-abort-<reason>; not-elected is the normal end of an attempt another Sentinel won).",
    );
    for m in masters {
        let f = stats(m);
        // The reasons redis has, always present so that rates and alerts see a zero first.
        let mut reasons: Vec<&str> = vec!["not-elected", "no-good-slave", "slave-timeout"];
        reasons.extend(
            f.aborted
                .keys()
                .map(String::as_str)
                .filter(|r| !matches!(*r, "not-elected" | "no-good-slave" | "slave-timeout")),
        );
        for r in reasons {
            let n = f.aborted.get(r).copied().unwrap_or(0);
            o.sample(aborted, &[("master", m.name()), ("reason", r)], n as f64);
        }
    }
    o.family(
        "rsentinel_master_last_failover_duration_seconds",
        "gauge",
        "Duration of the last failover this Sentinel led, from +try-failover to +failover-end.",
    );
    for m in masters {
        if let Some(secs) = stats(m).last_duration {
            o.sample(
                "rsentinel_master_last_failover_duration_seconds",
                &[("master", m.name())],
                secs,
            );
        }
    }
    let h = "rsentinel_master_failover_duration_seconds";
    o.family(
        h,
        "histogram",
        "Durations of the failovers this Sentinel led, from +try-failover to +failover-end.",
    );
    for m in masters {
        let f = stats(m);
        for (i, le) in DURATION_BUCKETS.iter().enumerate() {
            let n = f.buckets.get(i).copied().unwrap_or(0);
            o.sample(
                &format!("{h}_bucket"),
                &[("master", m.name()), ("le", &number(*le))],
                n as f64,
            );
        }
        o.sample(
            &format!("{h}_bucket"),
            &[("master", m.name()), ("le", "+Inf")],
            f.count as f64,
        );
        o.sample(&format!("{h}_sum"), &[("master", m.name())], f.sum);
        o.sample(
            &format!("{h}_count"),
            &[("master", m.name())],
            f.count as f64,
        );
    }
}

fn per_link(o: &mut Out, d: &Daemon, masters: &Arena<Master>, links: &LinkTable, now_ms: u64) {
    let ann = d.sentinel.announce_hostnames();
    let mut rows = Vec::new();
    for m in masters {
        let all = std::iter::once(&m.inst)
            .chain(m.replicas.values())
            .chain(m.sentinels.values());
        for i in all {
            if let Some(l) = links.get(i.link) {
                rows.push((m.name(), i, i.link.0, l));
            }
        }
    }
    let mut cache = d.metrics.ping_latency_ms.borrow_mut();
    // Links come and go; forget those no instance uses any more.
    cache.retain(|id, _| rows.iter().any(|r| r.2 == *id));
    let labels = |master: &str, i: &Instance| {
        (
            master.to_string(),
            i.kind.as_str(),
            i.addr.announced_with_port(ann),
        )
    };
    o.family(
        "rsentinel_link_connected",
        "gauge",
        "1 when the command connection to the instance is up.",
    );
    for (master, i, _, l) in &rows {
        let (m, role, addr) = labels(master, i);
        o.sample(
            "rsentinel_link_connected",
            &[("master", &m), ("role", role), ("address", &addr)],
            flag(!l.health.disconnected),
        );
    }
    o.family(
        "rsentinel_link_ping_reply_latency_seconds",
        "gauge",
        "Round trip of the last PING answered on the link.",
    );
    for (master, i, id, l) in &rows {
        let h = &l.health;
        // A reply after the last PING sent is that PING's answer.
        if h.last_pong_time >= h.last_ping_time && h.last_ping_time != 0 {
            cache.insert(*id, h.last_pong_time - h.last_ping_time);
        }
        if let Some(ms) = cache.get(id) {
            let (m, role, addr) = labels(master, i);
            o.sample(
                "rsentinel_link_ping_reply_latency_seconds",
                &[("master", &m), ("role", role), ("address", &addr)],
                secs(*ms),
            );
        }
    }
    o.family(
        "rsentinel_link_pending_ping_seconds",
        "gauge",
        "How long the PING in flight has waited for its answer, 0 when none is.",
    );
    for (master, i, _, l) in &rows {
        let h = &l.health;
        let (m, role, addr) = labels(master, i);
        let waited = if h.act_ping_time == 0 {
            0.0
        } else {
            secs(now_ms.saturating_sub(h.act_ping_time))
        };
        o.sample(
            "rsentinel_link_pending_ping_seconds",
            &[("master", &m), ("role", role), ("address", &addr)],
            waited,
        );
    }
    o.family(
        "rsentinel_link_last_ok_ping_reply_seconds",
        "gauge",
        "Seconds since the instance last answered a PING validly (SENTINEL MASTERS' last-ok-ping-reply).",
    );
    for (master, i, _, l) in &rows {
        let (m, role, addr) = labels(master, i);
        o.sample(
            "rsentinel_link_last_ok_ping_reply_seconds",
            &[("master", &m), ("role", role), ("address", &addr)],
            secs(now_ms.saturating_sub(l.health.last_avail_time)),
        );
    }
}
