//! IS-MASTER-DOWN-BY-ADDR (with the leader vote), FAILOVER and SIMULATE-FAILURE.

use bytes::Bytes;
use rsentinel_resp::Frame;

use super::{no_such_master, CommandEnv};
use crate::event::LogLevel;
use crate::instance::Flags;
use crate::parse::{parse_i64, text};
use crate::sentinel::{
    Sentinel, SIMFAILURE_CRASH_AFTER_ELECTION, SIMFAILURE_CRASH_AFTER_PROMOTION,
};

const NOT_INTEGER: &str = "ERR value is not an integer or out of range";

impl Sentinel {
    /// `IS-MASTER-DOWN-BY-ADDR <ip> <port> <epoch> <runid>`: `[down, leader, leader-epoch]`;
    /// a run id other than `*` asks for our vote.
    pub(super) fn cmd_is_master_down(&mut self, args: &[Bytes], env: &CommandEnv) -> Frame {
        let (Some(port), Some(req_epoch)) = (parse_i64(&args[1]), parse_i64(&args[2])) else {
            return Frame::error(NOT_INTEGER);
        };
        let host = text(&args[0]);
        let runid = text(&args[3]);
        let m = self
            .make_addr(&host, port, true, env.resolve)
            .ok()
            .and_then(|addr| self.masters.find_key(|m| m.inst.addr.same_as(&addr)));
        let mut down = false;
        let mut leader: Option<String> = None;
        let mut leader_epoch = 0;
        if let Some(m) = m {
            down = !self.tilt.active && self.masters[m].inst.flags.contains(Flags::S_DOWN);
            if runid != "*" {
                // redis takes the epoch as a signed number and casts it.
                self.vote_leader(m, req_epoch as u64, &runid, env.now_ms);
                leader = self.masters[m].leader.clone();
                leader_epoch = self.masters[m].leader_epoch;
            }
        }
        Frame::Array(vec![
            Frame::Integer(i64::from(down)),
            Frame::bulk_str(leader.as_deref().unwrap_or("*")),
            Frame::Integer(leader_epoch as i64),
        ])
    }

    /// `FAILOVER <name>`: force a failover without agreement, if a replica is promotable.
    pub(super) fn cmd_failover(&mut self, name: &[u8], now_ms: u64) -> Frame {
        let Some(m) = self.master_key_bytes(name) else {
            return no_such_master();
        };
        if self.masters[m].failover.in_progress() {
            return Frame::error("INPROG Failover already in progress");
        }
        if !self.has_promotable_replica(m, now_ms) {
            return Frame::error("NOGOODSLAVE No suitable replica to promote");
        }
        let name = self.masters[m].inst.name.clone();
        self.log(
            LogLevel::Warning,
            format!("Executing user requested FAILOVER of '{name}'"),
        );
        self.force_failover(m, now_ms);
        Frame::ok()
    }

    /// `SIMULATE-FAILURE [CRASH-AFTER-ELECTION] [CRASH-AFTER-PROMOTION] [HELP]`: the flags
    /// are reset first and rebuilt from the arguments, as redis does.
    pub(super) fn cmd_simulate_failure(&mut self, args: &[Bytes]) -> Frame {
        self.options.simfailure_flags = 0;
        for a in args {
            match a.to_ascii_lowercase().as_slice() {
                b"crash-after-election" => {
                    self.options.simfailure_flags |= SIMFAILURE_CRASH_AFTER_ELECTION;
                    self.log(
                        LogLevel::Warning,
                        "Failure simulation: this Sentinel will crash after being successfully \
                         elected as failover leader"
                            .to_string(),
                    );
                }
                b"crash-after-promotion" => {
                    self.options.simfailure_flags |= SIMFAILURE_CRASH_AFTER_PROMOTION;
                    self.log(
                        LogLevel::Warning,
                        "Failure simulation: this Sentinel will crash after promoting the \
                         selected replica to master"
                            .to_string(),
                    );
                }
                b"help" => {
                    return Frame::bulk_array(["crash-after-election", "crash-after-promotion"])
                }
                _ => return Frame::error("ERR Unknown failure simulation specified"),
            }
        }
        Frame::ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sentinel::commands::{CommandEnv, Reply};
    use rsentinel_config::{MasterConfig, SentinelSettings};

    const T0: u64 = 1_000_000;

    fn no_dns(_: &str) -> Option<String> {
        None
    }

    /// A master with three known replicas, all made promotable (connected, fresh INFO).
    fn with_replicas() -> Sentinel {
        let mut m = MasterConfig::new("mymaster", "127.0.0.1", 6379, 1);
        m.known_replicas = vec![
            ("10.0.0.1".into(), 6379),
            ("10.0.0.2".into(), 6379),
            ("10.0.0.3".into(), 6379),
        ];
        let cfg = SentinelSettings {
            myid: Some("f".repeat(40)),
            masters: vec![m],
            ..SentinelSettings::default()
        };
        let mut s = Sentinel::new(cfg, T0, 3, &no_dns).unwrap_or_else(|e| panic!("{e}"));
        let ids: Vec<_> = s.masters[0].replicas.values().map(|r| r.link).collect();
        for id in ids {
            if let Some(l) = s.links.get_mut(id) {
                l.health.disconnected = false;
            }
        }
        for r in s.masters[0].replicas.values_mut() {
            r.reported.info_refresh = T0;
        }
        s
    }

    fn run(s: &mut Sentinel, a: &[&str]) -> Frame {
        let ok = |_: &str| true;
        let env = CommandEnv {
            now_ms: T0 + 10,
            resolve: &no_dns,
            script_ok: &ok,
        };
        let args: Vec<Bytes> = a
            .iter()
            .map(|x| Bytes::copy_from_slice(x.as_bytes()))
            .collect();
        match s.command(&args, &env) {
            Reply::Frame(f) => f,
            Reply::AfterFlush => Frame::ok(),
        }
    }

    #[test]
    fn replica_selection_order() {
        let mut s = with_replicas();
        let m = s.masters.key_at(0).unwrap();
        let pick = |s: &Sentinel| s.selected_replica(m, T0 + 10);
        // All equal and no run ids: first in order.
        assert_eq!(pick(&s).as_deref(), Some("10.0.0.1:6379"));
        s.masters[0].replicas[2].reported.slave_repl_offset = 50;
        assert_eq!(pick(&s).as_deref(), Some("10.0.0.3:6379"));
        s.masters[0].replicas[1].reported.slave_priority = 10;
        assert_eq!(pick(&s).as_deref(), Some("10.0.0.2:6379"));
        s.masters[0].replicas[1].reported.slave_priority = 0;
        s.masters[0].replicas[2].flags.insert(Flags::S_DOWN);
        assert_eq!(pick(&s).as_deref(), Some("10.0.0.1:6379"));
        s.masters[0].replicas[0].reported.info_refresh = 0;
        assert_eq!(pick(&s), None);
    }

    #[test]
    fn failover_starts_then_reports_in_progress() {
        let mut s = with_replicas();
        assert_eq!(run(&mut s, &["failover", "mymaster"]), Frame::ok());
        let m = &s.masters[0];
        assert!(m.failover.in_progress() && m.failover.forced());
        assert_eq!(m.failover.epoch(), 1);
        assert!((T0 + 10..T0 + 1010).contains(&m.failover.start_time()));
        let out: Vec<_> = std::iter::from_fn(|| s.poll_output()).collect();
        assert!(
            matches!(&out[0], crate::Output::Log { text, .. } if text == "Executing user requested FAILOVER of 'mymaster'")
        );
        let events: Vec<_> = out
            .iter()
            .filter_map(|o| match o {
                crate::Output::Event(e) => Some((e.kind.as_str(), e.text.as_str())),
                _ => None,
            })
            .collect();
        assert_eq!(
            events,
            vec![
                ("+new-epoch", "1"),
                ("+try-failover", "master mymaster 127.0.0.1 6379")
            ]
        );
        assert_eq!(
            run(&mut s, &["failover", "mymaster"]),
            Frame::error("INPROG Failover already in progress")
        );
        let f = run(&mut s, &["master", "mymaster"]);
        let Frame::Map(pairs) = f else { panic!() };
        assert!(pairs.contains(&(
            Frame::bulk_str("failover-state"),
            Frame::bulk_str("wait_start")
        )));
        assert!(pairs.contains(&(
            Frame::bulk_str("flags"),
            Frame::bulk_str("master,disconnected,failover_in_progress,force_failover")
        )));
    }

    #[test]
    fn voting_for_another_sentinel_delays_our_failover() {
        let mut s = with_replicas();
        let m = s.masters.key_at(0).unwrap();
        s.vote_leader(m, 3, "abc", T0);
        assert!((T0..T0 + 1000).contains(&s.masters[0].failover.start_time()));
        let mut s = with_replicas();
        let m = s.masters.key_at(0).unwrap();
        s.vote_leader(m, 3, &"F".repeat(40), T0);
        assert_eq!(
            s.masters[0].failover.start_time(),
            0,
            "own id, case-insensitive"
        );
    }
}
