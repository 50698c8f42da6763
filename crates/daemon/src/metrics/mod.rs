//! rsentinel's own observability endpoint (`metrics-port`, `metrics-bind`): `/metrics`
//! in the Prometheus text format, `/healthz` and `/readyz`. The counters here are fed
//! from the core's event stream (failovers started, succeeded, aborted, their durations,
//! events by type) and from config rewrites; everything else is read from the current
//! state at scrape time. Nothing here changes what a Sentinel does.

mod http;
mod render;

pub use http::serve;
pub use render::{readiness, render};

use std::collections::BTreeMap;
use std::time::Instant;

/// Upper bounds (seconds) of the failover duration histogram: a failover takes from a
/// few seconds to `failover-timeout` (3 minutes by default) and more.
pub const DURATION_BUCKETS: &[f64] = &[
    1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 180.0, 300.0, 600.0,
];

/// Failover bookkeeping of one master, as this Sentinel saw it.
#[derive(Debug, Default, Clone)]
pub struct FailoverStats {
    pub started: u64,
    pub succeeded: u64,
    /// By reason: the event type without `-failover-abort-` (`not-elected`, ...).
    pub aborted: BTreeMap<String, u64>,
    /// `+switch-master` seen (every Sentinel sees it, leader or not).
    pub switches: u64,
    /// When the running attempt began (`+try-failover`).
    pub running_since: Option<Instant>,
    pub last_duration: Option<f64>,
    /// Cumulative counts per bucket of [`DURATION_BUCKETS`], then the sum and count.
    pub buckets: Vec<u64>,
    pub sum: f64,
    pub count: u64,
}

impl FailoverStats {
    fn observe(&mut self, secs: f64) {
        if self.buckets.len() != DURATION_BUCKETS.len() {
            self.buckets = vec![0; DURATION_BUCKETS.len()];
        }
        for (b, le) in self.buckets.iter_mut().zip(DURATION_BUCKETS) {
            if secs <= *le {
                *b += 1;
            }
        }
        self.sum += secs;
        self.count += 1;
        self.last_duration = Some(secs);
    }
}

/// Counters kept between scrapes. Bounded: one entry per event type (a fixed set in the
/// core) and per master name that ever produced a failover event.
#[derive(Debug, Default)]
pub struct Counters {
    pub events: BTreeMap<String, u64>,
    pub failovers: BTreeMap<String, FailoverStats>,
    pub rewrites_ok: u64,
    pub rewrites_failed: u64,
    /// Last measured PING round trip per link, in ms, kept while a new PING is out.
    pub ping_latency_ms: std::cell::RefCell<BTreeMap<u64, u64>>,
}

/// Masters removed and re-added keep their counters; this caps what a client renaming
/// masters in a loop can make us keep.
const MAX_TRACKED_MASTERS: usize = 10_000;

impl Counters {
    /// Called for every event the core emits, in order.
    pub fn on_event(&mut self, kind: &str, text: &str, now: Instant) {
        match self.events.get_mut(kind) {
            Some(n) => *n += 1,
            None => {
                self.events.insert(kind.to_string(), 1);
            }
        }
        let is_failover_event = kind == "+try-failover"
            || kind == "+failover-end"
            || kind == "+switch-master"
            || kind.starts_with("-failover-abort-");
        if !is_failover_event {
            return;
        }
        // `+switch-master <name> <old ip> <old port> <new ip> <new port>`; the others
        // name the master as `master <name> <ip> <port>`.
        let master = if kind == "+switch-master" {
            text.split(' ').next()
        } else {
            crate::logger::event_subject(text).0
        };
        let Some(master) = master else { return };
        if !self.failovers.contains_key(master) && self.failovers.len() >= MAX_TRACKED_MASTERS {
            return;
        }
        let f = self.failovers.entry(master.to_string()).or_default();
        match kind {
            "+try-failover" => {
                f.started += 1;
                f.running_since = Some(now);
            }
            "+failover-end" => {
                f.succeeded += 1;
                if let Some(t) = f.running_since.take() {
                    f.observe(now.saturating_duration_since(t).as_secs_f64());
                }
            }
            "+switch-master" => f.switches += 1,
            _ => {
                let reason = kind.trim_start_matches("-failover-abort-");
                match f.aborted.get_mut(reason) {
                    Some(n) => *n += 1,
                    None => {
                        f.aborted.insert(reason.to_string(), 1);
                    }
                }
                f.running_since = None;
            }
        }
    }

    pub fn on_rewrite(&mut self, ok: bool) {
        if ok {
            self.rewrites_ok += 1;
        } else {
            self.rewrites_failed += 1;
        }
    }
}

#[cfg(test)]
mod tests;
