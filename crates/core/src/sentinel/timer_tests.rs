//! The timer driven end to end against scripted instances: the monitor crate's rules as
//! the core applies them (PING clock, pending counts, SDOWN, ODOWN from peer answers and
//! their expiry, TILT), at exact tick times.

use crate::conn::ConnId;
use crate::event::Output;
use crate::instance_reply::flags_string;
use crate::sentinel::Sentinel;
use rsentinel_config::{KnownSentinel, MasterConfig, SentinelSettings};
use rsentinel_resp::Frame;
use std::collections::BTreeMap;

const T0: u64 = 1_000_000;
const MASTER_PORT: u16 = 6379;

fn no_dns(_: &str) -> Option<String> {
    None
}

/// A master with quorum 2 and one other known Sentinel, with redis' classic pacing
/// (these tests pin redis' timer-run granularity).
fn sentinel() -> Sentinel {
    sentinel_with(false)
}

fn sentinel_with(fast_failover: bool) -> Sentinel {
    let mut m = MasterConfig::new("mymaster", "127.0.0.1", MASTER_PORT, 2);
    m.known_sentinels = vec![KnownSentinel {
        host: "127.0.0.2".into(),
        port: 26379,
        runid: "c".repeat(40),
    }];
    let cfg = SentinelSettings {
        myid: Some("a".repeat(40)),
        masters: vec![m],
        fast_failover,
        ..Default::default()
    };
    Sentinel::new(cfg, T0, 7, &no_dns).unwrap_or_else(|e| panic!("{e}"))
}

/// How the scripted instances behave.
#[derive(Clone, Copy, PartialEq)]
enum Peer {
    /// Answers is-master-down-by-addr with "down".
    SaysDown,
    /// Answers it with a malformed reply (ignored, so its last answer ages).
    Garbage,
    /// Answers "down" but votes for a third Sentinel in the epoch asked about: our
    /// election is split and cannot be won.
    VotesOther,
}

/// Scripted instances: answers every command in order, except that the master stops
/// answering once `master_alive` is false.
struct World {
    s: Sentinel,
    ports: BTreeMap<ConnId, u16>,
    master_alive: bool,
    peer: Peer,
    events: Vec<(u64, String, String)>,
    master_pings: Vec<u64>,
}

impl World {
    fn new() -> World {
        World {
            s: sentinel(),
            ports: BTreeMap::new(),
            master_alive: true,
            peer: Peer::SaysDown,
            events: Vec::new(),
            master_pings: Vec::new(),
        }
    }

    fn reply(&self, args: &[String]) -> Frame {
        match args.first().map(String::as_str) {
            Some("PING") => Frame::Simple("PONG".into()),
            Some("INFO") => Frame::bulk(format!(
                "# Server\r\nrun_id:{}\r\n# Replication\r\nrole:master\r\n",
                "b".repeat(40)
            )),
            Some("PUBLISH") => Frame::Integer(1),
            Some("SUBSCRIBE") => Frame::Array(vec![
                Frame::bulk("subscribe"),
                Frame::bulk(args.get(1).cloned().unwrap_or_default()),
                Frame::Integer(1),
            ]),
            Some("SENTINEL") if self.peer == Peer::SaysDown => {
                Frame::Array(vec![Frame::Integer(1), Frame::bulk("*"), Frame::Integer(0)])
            }
            Some("SENTINEL") if self.peer == Peer::VotesOther => {
                let epoch = args.get(4).and_then(|e| e.parse().ok()).unwrap_or(0);
                Frame::Array(vec![
                    Frame::Integer(1),
                    Frame::bulk("d".repeat(40)),
                    Frame::Integer(epoch),
                ])
            }
            Some("SENTINEL") => Frame::Null,
            _ => Frame::ok(),
        }
    }

    /// One timer run at `now`, then every reply the instances give.
    fn tick(&mut self, now: u64) {
        self.s.tick(now);
        while let Some(out) = self.s.poll_output() {
            match out {
                Output::Connect { conn, port, .. } => {
                    self.ports.insert(conn, port);
                    self.s.conn_up(conn, "127.0.0.1");
                }
                Output::Send { conn, args } => {
                    let args: Vec<String> = args
                        .iter()
                        .map(|a| String::from_utf8_lossy(a).into_owned())
                        .collect();
                    let port = self.ports.get(&conn).copied();
                    if port == Some(MASTER_PORT) && args[0] == "PING" {
                        self.master_pings.push(now);
                    }
                    if port != Some(MASTER_PORT) || self.master_alive {
                        let frame = self.reply(&args);
                        self.s.conn_frame(conn, frame, now);
                    }
                }
                Output::Event(e) => self.events.push((now, e.kind, e.text)),
                _ => {}
            }
        }
    }

    /// The first PING sent to the master at or after `t`.
    fn first_ping_since(&self, t: u64) -> u64 {
        self.master_pings
            .iter()
            .copied()
            .find(|p| *p >= t)
            .unwrap_or_else(|| panic!("no PING after {t}"))
    }

    fn first_event(&self, kind: &str) -> Option<(u64, String)> {
        self.events
            .iter()
            .find(|(_, k, _)| k == kind)
            .map(|(t, _, text)| (*t, text.clone()))
    }

    fn master_link(&self) -> &crate::link::Link {
        let link = self.s.masters()[0].inst.link;
        match self.s.links().get(link) {
            Some(l) => l,
            None => panic!("master link missing"),
        }
    }

    fn master_health(&self) -> rsentinel_monitor::LinkHealth {
        self.master_link().health.clone()
    }

    fn master_cc(&self) -> Option<ConnId> {
        self.master_link().cc.as_ref().map(|c| c.id)
    }
}

#[test]
fn silence_brings_sdown_then_peers_bring_odown_until_their_answers_age() {
    let mut w = World::new();
    let mut now = T0;
    while now <= T0 + 5000 {
        w.tick(now);
        now += 100;
    }
    // Everything answered: nothing pending, PING clock stopped, no reboot (first run id).
    let h = w.master_health();
    assert_eq!((h.pending_commands, h.act_ping_time), (0, 0));
    assert!(!h.disconnected);
    let first_cc = w.master_cc();
    w.master_alive = false;
    let silent_from = now;
    while w.first_event("+odown").is_none() && now < T0 + 60_000 {
        w.tick(now);
        now += 100;
    }
    let first_unanswered = w.first_ping_since(silent_from);
    // SDOWN on the first run more than down-after past the oldest unanswered PING.
    let (sdown_at, text) = w
        .first_event("+sdown")
        .unwrap_or_else(|| panic!("no +sdown"));
    assert_eq!(text, "master mymaster 127.0.0.1 6379");
    assert_eq!(sdown_at, first_unanswered + 30_100);
    // The peer is asked on that run and answers "down"; ODOWN on the next run.
    let (odown_at, text) = w
        .first_event("+odown")
        .unwrap_or_else(|| panic!("no +odown"));
    assert_eq!(odown_at, sdown_at + 100);
    assert_eq!(text, "master mymaster 127.0.0.1 6379 #quorum 2/2");
    let peer = &w.s.masters()[0].sentinels[0];
    assert_eq!(flags_string(peer, None, false), "sentinel,master_down");
    // The stalled command connection was reset (down-after/2 without any reply) and
    // reopened; the PING clock kept running across the reconnection.
    assert_ne!(w.master_cc(), first_cc);
    assert_eq!(w.master_health().act_ping_time, first_unanswered);
    // From now on the peer's answers are unusable: its last "down" (given when it was
    // first asked, on the SDOWN run) expires after 5 ask periods and ODOWN ends.
    w.peer = Peer::Garbage;
    while w.first_event("-odown").is_none() && now < T0 + 120_000 {
        w.tick(now);
        now += 100;
    }
    let (odown_end, _) = w
        .first_event("-odown")
        .unwrap_or_else(|| panic!("no -odown"));
    // Entering ODOWN starts a failover, which re-asks the peer at once (forced, as
    // redis does); that answer, one run after the SDOWN one, is the last "down". The
    // quorum count ignores answers older than 5 ask periods, so ODOWN ends on the first
    // run where it is that old (redis waits for the expiry, one run later).
    assert_eq!(odown_end, sdown_at + 100 + 5_100);
    assert!(!w.s.masters()[0].sentinels[0].peer.master_down);
    assert!(w.first_event("-sdown").is_none());
}

#[test]
fn first_run_never_tilts_but_a_gap_does_for_the_tilt_period() {
    let mut w = World::new();
    w.tick(T0 + 10_000);
    assert!(!w.s.tilt());
    w.tick(T0 + 10_100);
    w.tick(T0 + 12_101);
    assert!(w.s.tilt());
    assert_eq!(w.first_event("+tilt").map(|e| e.0), Some(T0 + 12_101));
    let mut now = T0 + 12_201;
    while w.first_event("-tilt").is_none() && now < T0 + 60_000 {
        w.tick(now);
        now += 100;
    }
    // Left on the first run at least tilt-period after entering.
    assert_eq!(w.first_event("-tilt").map(|e| e.0), Some(T0 + 42_101));
    assert!(w
        .s
        .info_section(T0 + 42_101)
        .contains("sentinel_tilt:0\r\n"));
}

#[test]
fn fast_mode_judges_sdown_at_its_deadline_and_odown_on_the_answer() {
    let mut w = World::new();
    w.s = sentinel_with(true);
    let mut now = T0;
    while now <= T0 + 5000 {
        w.tick(now);
        now += 100;
    }
    w.master_alive = false;
    let silent_from = now;
    // The timer runs when the core asks for it (next_tick), as the daemon does.
    while w.first_event("+odown").is_none() && now < T0 + 60_000 {
        w.tick(now);
        now = w.s.next_tick().max(now + 1);
    }
    let first_unanswered = w.first_ping_since(silent_from);
    let (sdown_at, _) = w
        .first_event("+sdown")
        .unwrap_or_else(|| panic!("no +sdown"));
    // SDOWN the first millisecond past down-after, not on the next 100 ms run.
    assert_eq!(sdown_at, first_unanswered + 30_001);
    // The peer's "down" answer is acted on when it arrives: ODOWN in the same run.
    let (odown_at, _) = w
        .first_event("+odown")
        .unwrap_or_else(|| panic!("no +odown"));
    assert_eq!(odown_at, sdown_at);
    assert!(!w.s.tilt());
}

#[test]
fn fast_mode_retries_a_split_vote_after_about_a_second() {
    let mut w = World::new();
    w.s = sentinel_with(true);
    w.peer = Peer::VotesOther;
    let mut now = T0;
    while now <= T0 + 5000 {
        w.tick(now);
        now += 100;
    }
    w.master_alive = false;
    let tries = |w: &World| -> Vec<u64> {
        w.events
            .iter()
            .filter(|(_, k, _)| k == "+try-failover")
            .map(|(t, _, _)| *t)
            .collect()
    };
    while tries(&w).len() < 3 && now < T0 + 120_000 {
        w.tick(now);
        now = w.s.next_tick().max(now + 1);
    }
    let aborts: Vec<u64> = w
        .events
        .iter()
        .filter(|(_, k, _)| k == "-failover-abort-not-elected")
        .map(|(t, _, _)| *t)
        .collect();
    let tries = tries(&w);
    assert!(tries.len() >= 3 && aborts.len() >= 2, "{:?}", w.events);
    for k in 0..2 {
        // Given up one election wait after it started, retried after 0.5-1.5 s (redis:
        // 10 s, then twice the failover timeout, 6 minutes by default).
        let waited = aborts[k] - tries[k];
        assert!((1000..=1100).contains(&waited), "election open {waited} ms");
        let pause = tries[k + 1] - aborts[k];
        assert!((500..=1600).contains(&pause), "retried after {pause} ms");
    }
    // Each attempt is a new epoch with one vote of ours.
    let epochs: Vec<&String> = w
        .events
        .iter()
        .filter(|(_, k, _)| k == "+new-epoch")
        .map(|(_, _, t)| t)
        .collect();
    assert!(epochs.windows(2).all(|p| p[0] != p[1]), "{epochs:?}");
}

#[test]
fn fast_mode_keeps_tilt_after_a_freeze() {
    let mut w = World::new();
    w.s = sentinel_with(true);
    let mut now = T0;
    while now <= T0 + 5000 {
        w.tick(now);
        now += 100;
    }
    // The master goes silent and this process freezes for longer than down-after.
    w.master_alive = false;
    now += 40_000;
    w.tick(now);
    assert!(w.s.tilt());
    // At the core's own pace through the TILT period: nothing is judged, and the
    // timer does not spin (runs stay at redis' 10-19 Hz).
    let (start, mut runs) = (now, 0);
    while now < start + 29_000 {
        now = w.s.next_tick().max(now + 1);
        w.tick(now);
        runs += 1;
    }
    assert!(w.first_event("+sdown").is_none(), "{:?}", w.events);
    assert!(w.first_event("+odown").is_none());
    assert!(runs <= 29 * 20, "{runs} timer runs in 29 s");
}
