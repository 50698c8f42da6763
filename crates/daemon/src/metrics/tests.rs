use super::*;
use std::time::Duration;

#[test]
fn failover_outcomes_and_durations_come_from_events() {
    let mut c = Counters::default();
    let t0 = Instant::now();
    c.on_event("+sdown", "master m 127.0.0.1 6379", t0);
    c.on_event("+try-failover", "master m 127.0.0.1 6379", t0);
    c.on_event(
        "-failover-abort-not-elected",
        "master m 127.0.0.1 6379",
        t0 + Duration::from_secs(1),
    );
    c.on_event(
        "+try-failover",
        "master m 127.0.0.1 6379",
        t0 + Duration::from_secs(10),
    );
    c.on_event(
        "+switch-master",
        "m 127.0.0.1 6379 127.0.0.1 6380",
        t0 + Duration::from_secs(12),
    );
    c.on_event(
        "+failover-end",
        "master m 127.0.0.1 6379",
        t0 + Duration::from_secs(13),
    );
    let f = &c.failovers["m"];
    assert_eq!((f.started, f.succeeded, f.switches), (2, 1, 1));
    assert_eq!(f.aborted.get("not-elected"), Some(&1));
    assert_eq!(f.last_duration, Some(3.0));
    assert_eq!(f.count, 1);
    // 3 s falls in every bucket from 5 s up, not in 1 s or 2.5 s.
    assert_eq!(&f.buckets[..3], &[0, 0, 1]);
    assert_eq!(*f.buckets.last().unwrap(), 1);
    assert_eq!(c.events["+try-failover"], 2);
    assert_eq!(c.events["+sdown"], 1);
}

#[test]
fn an_end_without_a_start_counts_but_has_no_duration() {
    let mut c = Counters::default();
    c.on_event("+failover-end", "master m 1.2.3.4 6379", Instant::now());
    assert_eq!(c.failovers["m"].succeeded, 1);
    assert_eq!(c.failovers["m"].count, 0);
}
