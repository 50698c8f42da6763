//! IS-MASTER-DOWN-BY-ADDR (with the leader vote), FAILOVER and SIMULATE-FAILURE.

use bytes::Bytes;
use rsentinel_resp::Frame;

use super::{no_such_master, CommandEnv};
use crate::event::LogLevel;
use crate::instance::Flags;
use crate::sentinel::{
    Sentinel, SIMFAILURE_CRASH_AFTER_ELECTION, SIMFAILURE_CRASH_AFTER_PROMOTION,
};
use crate::util::{parse_i64, text};

/// The answer to a FAILOVER that redis would start, until rsentinel can carry one out.
pub const FAILOVER_UNAVAILABLE: &str =
    "ERR SENTINEL FAILOVER is not available yet: this rsentinel version detects failures but does not promote replicas";

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
            .and_then(|addr| self.masters.iter().position(|m| m.inst.addr.same_as(&addr)));
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
        let Some(m) = self.master_index(&text(name)) else {
            return no_such_master();
        };
        let master = &self.masters[m];
        if master.inst.flags.contains(Flags::FAILOVER_IN_PROGRESS) {
            return Frame::error("INPROG Failover already in progress");
        }
        if master
            .select_replica(&self.links, &self.timing, now_ms)
            .is_none()
        {
            return Frame::error("NOGOODSLAVE No suitable replica to promote");
        }
        // Starting here would leave the master in `wait-start` for good: the failover
        // state machine that carries a failover through is not built yet. Say so rather
        // than answer OK and do nothing.
        Frame::error(FAILOVER_UNAVAILABLE)
    }

    /// `SIMULATE-FAILURE [CRASH-AFTER-ELECTION] [CRASH-AFTER-PROMOTION] [HELP]`: the flags
    /// are reset first and rebuilt from the arguments, as redis does.
    pub(super) fn cmd_simulate_failure(&mut self, args: &[Bytes]) -> Frame {
        self.simfailure_flags = 0;
        for a in args {
            match a.to_ascii_lowercase().as_slice() {
                b"crash-after-election" => {
                    self.simfailure_flags |= SIMFAILURE_CRASH_AFTER_ELECTION;
                    self.log(
                        LogLevel::Warning,
                        "Failure simulation: this Sentinel will crash after being successfully \
                         elected as failover leader"
                            .to_string(),
                    );
                }
                b"crash-after-promotion" => {
                    self.simfailure_flags |= SIMFAILURE_CRASH_AFTER_PROMOTION;
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
    use crate::commands::{CommandEnv, Reply};
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
        let ids: Vec<_> = s.masters[0].replicas.iter().map(|r| r.link).collect();
        for id in ids {
            if let Some(l) = s.links.get_mut(id) {
                l.health.disconnected = false;
            }
        }
        for r in &mut s.masters[0].replicas {
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
        let pick = |s: &Sentinel| {
            s.masters[0]
                .select_replica(&s.links, &s.timing, T0 + 10)
                .map(|r| r.name.clone())
        };
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
    fn failover_with_a_usable_replica_is_refused_without_side_effects() {
        let mut s = with_replicas();
        let epoch = s.current_epoch;
        assert_eq!(
            run(&mut s, &["failover", "mymaster"]),
            Frame::error(super::FAILOVER_UNAVAILABLE)
        );
        let m = &s.masters[0];
        assert!(!m
            .inst
            .flags
            .intersects(Flags::FAILOVER_IN_PROGRESS | Flags::FORCE_FAILOVER));
        assert_eq!(s.current_epoch, epoch);
        assert_eq!(std::iter::from_fn(|| s.poll_output()).count(), 0);
    }

    #[test]
    fn voting_for_another_sentinel_delays_our_failover() {
        let mut s = with_replicas();
        s.vote_leader(0, 3, "abc", T0);
        assert!((T0..T0 + 1000).contains(&s.masters[0].failover_start_time));
        let mut s = with_replicas();
        s.vote_leader(0, 3, &"F".repeat(40), T0);
        assert_eq!(
            s.masters[0].failover_start_time, 0,
            "own id, case-insensitive"
        );
    }
}
