//! Replays of failovers captured from the real redis-sentinel 7.0.15
//! (`real/capture.sh`): the same master, replicas and settings driven through this
//! crate in virtual time must produce the same log lines in the same order. The
//! fixtures keep redis' timestamps for reference; the comparison is on the text.
//!
//! redis walks its replica table in hash order, seeded at random per process, so each
//! replay lists the replicas in the order that capture shows them (a new capture may
//! need the order adjusted; the events themselves must not change).

use super::{master, rep, M, NOW};
use crate::{Failover, InfoSeen, Level, Role, Settings, State, Step, Subject};

/// What happens at a virtual time (ms after the election).
enum In {
    Tick,
    /// INFO from the replica on this port: role master?, follows the promoted one,
    /// its master link is up.
    Info(u16, bool, bool, bool),
}

fn prefix(m: &M, subject: &Subject) -> String {
    match subject {
        Subject::Master | Subject::None => format!("master mym 127.0.0.1 {}", m.port),
        Subject::Replica(n) => {
            let port = n.rsplit_once(':').map_or("", |(_, p)| p);
            format!("slave {n} 127.0.0.1 {port} @ mym 127.0.0.1 {}", m.port)
        }
    }
}

/// Log lines as redis writes them (level mark, event and message; the config flush).
fn log_lines(m: &M, steps: &[Step]) -> Vec<String> {
    let mut out = Vec::new();
    for s in steps {
        match s {
            Step::Event(e) => {
                let mark = match e.level {
                    Level::Notice => '*',
                    Level::Warning => '#',
                };
                out.push(format!(
                    "{mark} {} {}",
                    e.kind,
                    e.message(&prefix(m, &e.subject))
                ));
            }
            Step::FlushConfig => out.push("* Sentinel new configuration saved on disk".into()),
            _ => {}
        }
    }
    out
}

/// Runs the inputs from the election on, the switch after each timer run, and returns
/// the log.
fn replay(mut m: M, inputs: &[(u64, In)]) -> Vec<String> {
    let s = Settings::default();
    let mut f = Failover {
        state: State::WaitStart,
        epoch: 1,
        ..Failover::default()
    };
    let mut log = log_lines(&m, &f.elected(NOW));
    for (at, input) in inputs {
        let now = NOW + at;
        // Replicas answer PING and INFO all along.
        for r in &mut m.replicas {
            r.last_avail = now;
            r.info_refresh = now;
        }
        let steps = match input {
            In::Tick => m.tick(&mut f, &s, now),
            In::Info(port, is_master, follows, up) => {
                let seen = InfoSeen {
                    role: Some(if *is_master {
                        Role::Master
                    } else {
                        Role::Replica
                    }),
                    follows_promoted: *follows,
                    master_link_up: *up,
                };
                let name = format!("127.0.0.1:{port}");
                let steps = m.with(|mv| f.on_replica_info(mv, &name, &seen, &s, now));
                m.apply(&steps);
                steps
            }
        };
        log.extend(log_lines(&m, &steps));
        if matches!(input, In::Tick) && f.state == State::UpdateConfig {
            log.extend(log_lines(&m, &m.with(|mv| f.switch_to_promoted(mv))));
            break;
        }
        if f.state == State::None {
            break;
        }
    }
    log
}

/// The fixture without redis' timestamps.
fn fixture(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.split_once(' ').map(|(_, rest)| rest.to_string()))
        .collect()
}

/// Ticks every `step` ms over `[from, to)`.
fn ticks(from: u64, to: u64, step: u64) -> Vec<(u64, In)> {
    (from..to)
        .step_by(step as usize)
        .map(|t| (t, In::Tick))
        .collect()
}

fn replicas(mport: u16, specs: &[(u16, i64)]) -> M {
    let mut m = master(
        specs
            .iter()
            .map(|(p, prio)| {
                let mut r = rep(*p);
                r.priority = *prio;
                r
            })
            .collect(),
    );
    m.port = mport;
    m
}

#[test]
fn priority_and_replica_announced_no() {
    // :27802 has replica-announced no and the best priority: still promoted. Priority 0
    // (:27804) is never promoted but is reconfigured.
    let mut m = replicas(27800, &[(27801, 50), (27802, 10), (27803, 20), (27804, 0)]);
    m.timeout = 30_000;
    let mut inputs = vec![
        (100, In::Tick),
        (200, In::Tick),
        (1_000, In::Info(27802, true, false, false)),
    ];
    for (i, p) in [27801u16, 27803, 27804].iter().enumerate() {
        let t = 1_100 + 1_000 * i as u64;
        inputs.push((t, In::Tick));
        inputs.push((t + 500, In::Tick));
        inputs.push((t + 900, In::Info(*p, false, true, true)));
    }
    inputs.push((4_100, In::Tick));
    assert_eq!(
        replay(m, &inputs),
        fixture(include_str!("real/priority_and_announced.txt"))
    );
}

#[test]
fn stuck_replicas_end_at_the_failover_timeout() {
    // :27822 and :27823 reject SLAVEOF; parallel-syncs 2, failover-timeout 25 s.
    let mut m = replicas(
        27820,
        &[(27821, 10), (27823, 100), (27822, 100), (27824, 100)],
    );
    m.timeout = 25_000;
    m.parallel_syncs = 2;
    let mut inputs = vec![
        (100, In::Tick),
        (200, In::Tick),
        (1_000, In::Info(27821, true, false, false)),
    ];
    inputs.extend(ticks(1_100, 40_000, 500));
    assert_eq!(
        replay(m, &inputs),
        fixture(include_str!("real/reconf_stuck_until_failover_timeout.txt"))
    );
}

#[test]
fn a_stuck_replica_times_out_and_is_sent_again() {
    // :27842 rejects SLAVEOF; parallel-syncs 2, so once :27843 is done the scan reaches
    // it and its 10 s reconfiguration timeout fires.
    let mut m = replicas(27840, &[(27841, 10), (27842, 100), (27843, 100)]);
    m.timeout = 60_000;
    m.parallel_syncs = 2;
    let mut inputs = vec![
        (100, In::Tick),
        (200, In::Tick),
        (1_000, In::Info(27841, true, false, false)),
        (1_100, In::Tick),
    ];
    inputs.push((2_000, In::Info(27843, false, true, true)));
    inputs.extend(ticks(2_100, 40_000, 500));
    assert_eq!(
        replay(m, &inputs),
        fixture(include_str!("real/reconf_sent_timeout_resends.txt"))
    );
}

#[test]
fn a_replica_that_never_becomes_master_aborts_the_failover() {
    // :27801 rejects SLAVEOF NO ONE; failover-timeout 5 s.
    let mut m = replicas(27800, &[(27801, 10), (27802, 100)]);
    m.timeout = 5_000;
    let mut inputs = vec![(100, In::Tick), (200, In::Tick)];
    inputs.extend(ticks(300, 20_000, 100));
    assert_eq!(
        replay(m, &inputs),
        fixture(include_str!("real/promotion_timeout_aborts.txt"))
    );
}

#[test]
fn stuck_replicas_holding_every_slot_end_at_the_failover_timeout() {
    // Same set-up, another hash order: :27824 finishes, both stuck replicas then hold
    // the two slots, so no per-replica timeout fires and nothing is left for the
    // best-effort pass.
    let mut m = replicas(
        27820,
        &[(27821, 10), (27824, 100), (27823, 100), (27822, 100)],
    );
    m.timeout = 25_000;
    m.parallel_syncs = 2;
    let mut inputs = vec![
        (100, In::Tick),
        (200, In::Tick),
        (1_000, In::Info(27821, true, false, false)),
        (1_100, In::Tick),
        (2_000, In::Info(27824, false, true, true)),
    ];
    inputs.extend(ticks(2_100, 40_000, 500));
    assert_eq!(
        replay(m, &inputs),
        fixture(include_str!("real/reconf_stuck_all_slots_taken.txt"))
    );
}
