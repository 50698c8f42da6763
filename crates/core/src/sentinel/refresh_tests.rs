//! Repairing replicas that replicate from the wrong place, driven end to end through the
//! timer against scripted instances: a master with two replicas, one of which follows
//! the other instead of the master.

use crate::conn::ConnId;
use crate::event::Output;
use crate::sentinel::Sentinel;
use rsentinel_config::{MasterConfig, SentinelSettings};
use rsentinel_resp::Frame;
use std::collections::BTreeMap;

const T0: u64 = 1_000_000;
const MASTER: u16 = 6379;
const REPLICA: u16 = 6380;
const CHAINED: u16 = 6381;
const FAILOVER_TIMEOUT_MS: u64 = 180_000;

fn no_dns(_: &str) -> Option<String> {
    None
}

/// Scripted instances on 127.0.0.1: the master lists both replicas; `REPLICA` follows
/// the master, `CHAINED` follows `upstream` until a SLAVEOF points it elsewhere.
struct World {
    s: Sentinel,
    ports: BTreeMap<ConnId, u16>,
    upstream: (String, u16),
    /// The time of the next timer run.
    now: u64,
    /// Every `+fix-slave-config` with its time.
    fixes: Vec<(u64, String)>,
}

impl World {
    fn new(upstream: (&str, u16)) -> World {
        let mut m = MasterConfig::new("mymaster", "127.0.0.1", MASTER, 1);
        m.failover_timeout_ms = FAILOVER_TIMEOUT_MS;
        let cfg = SentinelSettings {
            myid: Some("a".repeat(40)),
            masters: vec![m],
            ..Default::default()
        };
        World {
            s: Sentinel::new(cfg, T0, 7, &no_dns).unwrap_or_else(|e| panic!("{e}")),
            ports: BTreeMap::new(),
            upstream: (upstream.0.to_string(), upstream.1),
            now: T0,
            fixes: Vec::new(),
        }
    }

    fn info(&self, port: u16) -> String {
        let run_id = format!("run_id:{}\r\n", port.to_string().repeat(10));
        match port {
            MASTER => format!(
                "# Server\r\n{run_id}# Replication\r\nrole:master\r\n\
                 slave0:ip=127.0.0.1,port={REPLICA},state=online,offset=1,lag=0\r\n\
                 slave1:ip=127.0.0.1,port={CHAINED},state=online,offset=1,lag=0\r\n"
            ),
            REPLICA => format!(
                "# Server\r\n{run_id}# Replication\r\nrole:slave\r\nmaster_host:127.0.0.1\r\n\
                 master_port:{MASTER}\r\nmaster_link_status:up\r\n"
            ),
            _ => format!(
                "# Server\r\n{run_id}# Replication\r\nrole:slave\r\nmaster_host:{}\r\n\
                 master_port:{}\r\nmaster_link_status:up\r\n",
                self.upstream.0, self.upstream.1
            ),
        }
    }

    fn reply(&mut self, port: u16, args: &[String]) -> Frame {
        match args.first().map(String::as_str) {
            Some("PING") => Frame::Simple("PONG".into()),
            Some("INFO") => Frame::bulk(self.info(port)),
            Some("SLAVEOF") if port == CHAINED => {
                if let (Some(h), Some(p)) = (args.get(1), args.get(2)) {
                    self.upstream = (h.clone(), p.parse().unwrap_or(0));
                }
                Frame::ok()
            }
            Some("PUBLISH") => Frame::Integer(1),
            Some("SUBSCRIBE") => Frame::Array(vec![
                Frame::bulk("subscribe"),
                Frame::bulk(args.get(1).cloned().unwrap_or_default()),
                Frame::Integer(1),
            ]),
            _ => Frame::ok(),
        }
    }

    /// Timer runs every 100 ms until `until`, each followed by every reply.
    fn run(&mut self, until: u64) {
        while self.now <= until {
            let now = self.now;
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
                        let Some(port) = self.ports.get(&conn).copied() else {
                            continue;
                        };
                        let frame = self.reply(port, &args);
                        self.s.conn_frame(conn, frame, now);
                    }
                    Output::Event(e) if e.kind == "+fix-slave-config" => {
                        self.fixes.push((now, e.text))
                    }
                    _ => {}
                }
            }
            self.now += 100;
        }
    }
}

/// rsentinel's deviation: a replica following another replica of the same master is
/// repaired at the first INFO that shows the chain, not `failover-timeout` later.
#[test]
fn a_replica_following_another_replica_is_repaired_at_once() {
    let mut w = World::new(("127.0.0.1", REPLICA));
    w.run(T0 + 30_000);
    let Some((at, text)) = w.fixes.first().cloned() else {
        panic!("no +fix-slave-config within 30 s");
    };
    assert!(text.contains(&format!("127.0.0.1:{CHAINED}")), "{text}");
    assert!(at < T0 + 25_000, "repaired at +{} ms", at - T0);
    assert_eq!(w.upstream, ("127.0.0.1".to_string(), MASTER));
    assert_eq!(w.fixes.len(), 1, "{:?}", w.fixes);
}

/// A replica following an address that is no replica of this master (it may be a
/// master of a newer configuration not heard of yet) still waits `failover-timeout`
/// after its replication config changed, as in redis.
#[test]
fn a_replica_following_an_unknown_address_waits_for_the_failover_timeout() {
    let mut w = World::new(("127.0.0.9", 7000));
    w.run(T0 + FAILOVER_TIMEOUT_MS);
    assert!(w.fixes.is_empty(), "{:?}", w.fixes);
    w.run(T0 + FAILOVER_TIMEOUT_MS + 30_000);
    assert_eq!(w.fixes.len(), 1, "{:?}", w.fixes);
    assert_eq!(w.upstream, ("127.0.0.1".to_string(), MASTER));
}
