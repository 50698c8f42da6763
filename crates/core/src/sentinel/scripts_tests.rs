//! The script queue's rules in virtual time.

use super::*;
use crate::event::Event;
use crate::script_queue::MAX_QUEUE;
use rsentinel_config::{MasterConfig, SentinelSettings};

fn no_dns(_: &str) -> Option<String> {
    None
}

fn sentinel() -> Sentinel {
    let mut m = MasterConfig::new("mymaster", "127.0.0.1", 6379, 2);
    m.notification_script = Some("/n.sh".into());
    let cfg = SentinelSettings {
        myid: Some("a".repeat(40)),
        masters: vec![m],
        ..Default::default()
    };
    Sentinel::new(cfg, 1000, 1, &no_dns).unwrap_or_else(|e| panic!("{e}"))
}

/// What the script machinery produced: runs, kills and script events, as text.
fn drain(s: &mut Sentinel) -> Vec<String> {
    std::iter::from_fn(|| s.poll_output())
        .filter_map(|o| match o {
            Output::RunScript { id, path, args } => {
                Some(format!("run {} {path} {}", id.0, args.join(" ")))
            }
            Output::KillScript { id } => Some(format!("kill {}", id.0)),
            Output::Event(Event { kind, text, .. }) if kind.contains("script") => {
                Some(format!("{kind} {text}"))
            }
            _ => None,
        })
        .collect()
}

fn runs(out: &[String]) -> Vec<u64> {
    out.iter()
        .filter_map(|l| l.strip_prefix("run ")?.split(' ').next()?.parse().ok())
        .collect()
}

#[test]
fn warning_events_schedule_the_notification_script() {
    let mut s = sentinel();
    let m = s.masters.key_at(0);
    s.event(LogLevel::Notice, "+x", m, "a".into());
    s.event(LogLevel::Warning, "+sdown", m, "master mymaster 1 2".into());
    s.event(LogLevel::Warning, "+z", None, "b".into());
    assert_eq!(s.script_counts(), (0, 1));
    drain(&mut s);
    s.tick(5000);
    assert_eq!(
        drain(&mut s),
        vec!["run 1 /n.sh +sdown master mymaster 1 2"]
    );
    assert_eq!(s.script_counts(), (1, 1));
    s.script_started(ScriptId(1), 4242);
    s.script_done(ScriptId(1), ScriptOutcome::Exited(0), 5100);
    assert_eq!(
        drain(&mut s),
        vec!["+script-child 4242", "-script-child 4242 0 0"]
    );
    assert_eq!(s.script_counts(), (0, 0));
}

#[test]
fn at_most_sixteen_run_and_the_queue_is_bounded() {
    let mut s = sentinel();
    for i in 0..20 {
        s.schedule_script("/r.sh", vec![i.to_string()]);
    }
    s.run_scripts(1000);
    let out = drain(&mut s);
    assert_eq!(runs(&out), (1..=16).collect::<Vec<_>>());
    assert_eq!(s.script_counts(), (16, 20));
    // Overflow drops the oldest job that is not running: 17, 18, ...
    for i in 20..260 {
        s.schedule_script("/r.sh", vec![i.to_string()]);
    }
    assert_eq!(s.script_counts(), (16, MAX_QUEUE));
    s.script_done(ScriptId(3), ScriptOutcome::Exited(0), 1001);
    s.run_scripts(1002);
    assert_eq!(runs(&drain(&mut s)), vec![21]);
}

#[test]
fn exit_one_and_signals_retry_with_exponential_backoff() {
    let mut s = sentinel();
    s.schedule_script("/r.sh", vec![]);
    let mut now = 1000;
    let mut delay = 30_000;
    for attempt in 1..=MAX_RETRY {
        s.run_scripts(now);
        assert_eq!(runs(&drain(&mut s)), vec![1], "attempt {attempt}");
        let outcome = if attempt % 2 == 0 {
            ScriptOutcome::Signaled(9)
        } else {
            ScriptOutcome::Exited(1)
        };
        s.script_done(ScriptId(1), outcome, now + 10);
        let out = drain(&mut s);
        if attempt == MAX_RETRY {
            assert_eq!(
                out.last().map(String::as_str),
                Some("-script-error /r.sh 9 0")
            );
            assert_eq!(s.script_counts(), (0, 0));
            break;
        }
        assert_eq!(s.script_counts(), (0, 1));
        // Not yet, then exactly at the delay.
        s.run_scripts(now + 10 + delay - 1);
        assert!(runs(&drain(&mut s)).is_empty());
        now += 10 + delay;
        delay *= 2;
    }
}

#[test]
fn other_exit_codes_are_errors_without_retry() {
    let mut s = sentinel();
    s.schedule_script("/r.sh", vec![]);
    s.run_scripts(1000);
    drain(&mut s);
    s.script_started(ScriptId(1), 77);
    s.script_done(ScriptId(1), ScriptOutcome::Exited(2), 1001);
    assert_eq!(
        drain(&mut s),
        vec![
            "+script-child 77",
            "-script-child 77 2 0",
            "-script-error /r.sh 0 2"
        ]
    );
    assert_eq!(s.script_counts(), (0, 0));
    // A report for a job that is not running changes nothing.
    s.script_done(ScriptId(1), ScriptOutcome::Exited(0), 1002);
    assert!(drain(&mut s).is_empty());
}

#[test]
fn scripts_running_too_long_are_killed() {
    let mut s = sentinel();
    s.timing.script_max_runtime = 5000;
    s.schedule_script("/slow.sh", vec![]);
    s.run_scripts(1000);
    drain(&mut s);
    s.script_started(ScriptId(1), 99);
    drain(&mut s);
    s.run_scripts(6000);
    assert!(drain(&mut s).is_empty());
    s.run_scripts(6001);
    assert_eq!(drain(&mut s), vec!["-script-timeout /slow.sh 99", "kill 1"]);
    // Killed by SIGKILL: retried like any signal.
    s.script_done(ScriptId(1), ScriptOutcome::Signaled(9), 6002);
    assert_eq!(drain(&mut s), vec!["-script-child 99 0 9"]);
    assert_eq!(s.script_counts(), (0, 1));
}

#[test]
fn pending_scripts_reply_fields() {
    let mut s = sentinel();
    s.schedule_script("/a.sh", vec!["x".into()]);
    s.schedule_script("/b.sh", vec![]);
    s.run_scripts(1000);
    s.script_started(ScriptId(1), 5);
    s.script_started(ScriptId(2), 6);
    s.script_done(ScriptId(2), ScriptOutcome::Exited(1), 1000);
    let b = |t: &str| Frame::bulk_str(t);
    assert_eq!(
        s.pending_scripts_reply(1500),
        Frame::Array(vec![
            Frame::Map(vec![
                (b("argv"), Frame::bulk_array(["/a.sh", "x"])),
                (b("flags"), b("running")),
                (b("pid"), b("5")),
                (b("run-time"), b("500")),
                (b("retry-num"), b("1")),
            ]),
            Frame::Map(vec![
                (b("argv"), Frame::bulk_array(["/b.sh"])),
                (b("flags"), b("scheduled")),
                (b("pid"), b("0")),
                (b("run-delay"), b("29500")),
                (b("retry-num"), b("1")),
            ]),
        ])
    );
    assert!(s
        .info_section(1500)
        .contains("sentinel_running_scripts:1\r\nsentinel_scripts_queue_length:2\r\n"));
}

#[test]
fn retry_delay_doubles() {
    assert_eq!(retry_delay(30_000, 1), 30_000);
    assert_eq!(retry_delay(30_000, 2), 60_000);
    assert_eq!(retry_delay(30_000, 9), 30_000 * 256);
    assert_eq!(retry_delay(u64::MAX / 2, 70), u64::MAX);
}
