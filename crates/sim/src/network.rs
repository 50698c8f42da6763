//! The virtual network: host addresses, directed cuts (partitions, one-way or both
//! ways), message delays, and the connections ("wires") between a Sentinel and a server
//! with their two FIFO directions.
//!
//! A wire behaves like TCP as far as Sentinel can tell: messages arrive in order per
//! direction after a seeded delay; while a direction is cut, its messages wait (they are
//! neither lost nor reordered) and flow again once the cut heals, unless one side closed
//! the connection meanwhile. No sockets are involved anywhere.

use bytes::Bytes;
use rand::rngs::StdRng;
use rand::Rng;
use rsentinel_core::ConnId;
use rsentinel_resp::Frame;
use std::collections::{BTreeMap, VecDeque};

/// Virtual time in milliseconds since an arbitrary origin.
pub type Time = u64;

/// The virtual clock's start (wall-clock ms, November 2023), where every run begins.
pub const T0: Time = 1_700_000_000_000;

/// The port modelled redis instances listen on.
pub const REDIS_PORT: u16 = 6379;
/// The port Sentinels listen on.
pub const SENTINEL_PORT: u16 = 26379;
/// How long a connection attempt to an unreachable address takes to fail (the
/// daemon's connect timeout).
pub const CONNECT_TIMEOUT_MS: u64 = 1000;

/// A machine on the virtual network: redis instance `j` or Sentinel `i`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Host {
    /// A modelled redis instance, `10.0.0.(j+1):6379`.
    Redis(usize),
    /// A Sentinel core, `10.0.0.(i+101):26379`.
    Sentinel(usize),
}

impl Host {
    /// The host's IP address.
    pub fn ip(self) -> String {
        match self {
            Host::Redis(j) => format!("10.0.0.{}", j + 1),
            Host::Sentinel(i) => format!("10.0.0.{}", i + 101),
        }
    }

    /// The port its server listens on.
    pub fn port(self) -> u16 {
        match self {
            Host::Redis(_) => REDIS_PORT,
            Host::Sentinel(_) => SENTINEL_PORT,
        }
    }

    /// `ip:port`, as logs and failure messages show it.
    pub fn addr(self) -> String {
        format!("{}:{}", self.ip(), self.port())
    }
}

/// Which host listens on `ip:port`, if any.
pub fn host_at(ip: &str, port: u16, redis: usize, sentinels: usize) -> Option<Host> {
    let last: usize = ip.strip_prefix("10.0.0.")?.parse().ok()?;
    match port {
        REDIS_PORT if (1..=redis).contains(&last) => Some(Host::Redis(last - 1)),
        SENTINEL_PORT if (101..101 + sentinels).contains(&last) => Some(Host::Sentinel(last - 101)),
        _ => None,
    }
}

/// Cuts and delays. Cuts are counted so that overlapping faults on the same pair heal
/// independently.
#[derive(Debug)]
pub struct Network {
    cuts: BTreeMap<(Host, Host), u32>,
    delay_min: u64,
    delay_max: u64,
    /// Active "slow network" faults and the extra delay bound they add.
    slow: u32,
    slow_extra: u64,
}

impl Network {
    /// A network whose messages take `delay_min..=delay_max` ms, plus up to
    /// `slow_extra` while a slow-network fault is active.
    pub fn new(delay_min: u64, delay_max: u64, slow_extra: u64) -> Network {
        Network {
            cuts: BTreeMap::new(),
            delay_min,
            delay_max: delay_max.max(delay_min),
            slow: 0,
            slow_extra,
        }
    }

    /// Whether packets from `from` reach `to` now.
    pub fn delivers(&self, from: Host, to: Host) -> bool {
        !self.cuts.contains_key(&(from, to))
    }

    /// Whether a TCP handshake between the two can complete (both directions open).
    pub fn open_both(&self, a: Host, b: Host) -> bool {
        self.delivers(a, b) && self.delivers(b, a)
    }

    /// Drops packets from `from` to `to` until a matching [`Network::heal`].
    pub fn cut(&mut self, from: Host, to: Host) {
        *self.cuts.entry((from, to)).or_insert(0) += 1;
    }

    /// Undoes one [`Network::cut`]; true when the direction is open again.
    pub fn heal(&mut self, from: Host, to: Host) -> bool {
        match self.cuts.get_mut(&(from, to)) {
            Some(n) if *n > 1 => {
                *n -= 1;
                false
            }
            Some(_) => {
                self.cuts.remove(&(from, to));
                true
            }
            None => false,
        }
    }

    /// Starts or ends a slow-network period.
    pub fn set_slow(&mut self, on: bool) {
        if on {
            self.slow += 1;
        } else {
            self.slow = self.slow.saturating_sub(1);
        }
    }

    /// Whether any cut or slow period is active.
    pub fn disturbed(&self) -> bool {
        !self.cuts.is_empty() || self.slow > 0
    }

    /// One message's transit time, drawn from the simulation's RNG.
    pub fn delay(&self, rng: &mut StdRng) -> u64 {
        let mut d = rng.gen_range(self.delay_min..=self.delay_max);
        if self.slow > 0 && self.slow_extra > 0 {
            d += rng.gen_range(0..=self.slow_extra);
        }
        d
    }
}

/// Identifies a wire for the whole run (never reused).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WireId(pub u64);

/// What travels on a wire.
#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
    /// A command, client to server.
    Cmd(Vec<Bytes>),
    /// The handshake completed (server to client): the client may write.
    Established,
    /// A reply or pushed message, server to client.
    Reply(Frame),
    /// The server closed the connection (crash, CLIENT KILL).
    Fin,
}

/// Direction index: towards the server.
pub const TO_SERVER: usize = 0;
/// Direction index: towards the client (the Sentinel that opened the wire).
pub const TO_CLIENT: usize = 1;

/// One direction of a wire: a FIFO of messages in transit. Each message has one
/// delivery event tagged with `epoch`; a stall (the direction found cut at delivery)
/// bumps the epoch, voiding those events, and a heal reschedules every queued message.
#[derive(Debug, Default)]
pub struct DirQueue {
    /// Messages not yet delivered, oldest first.
    pub msgs: VecDeque<Msg>,
    /// Delivery time of the newest scheduled message (keeps the FIFO order).
    pub last_at: Time,
    /// The direction was found cut; nothing is scheduled until it heals.
    pub stalled: bool,
    /// Generation of the delivery events.
    pub epoch: u64,
}

/// Server-side state of a connection to a modelled redis instance.
#[derive(Debug, Default)]
pub struct Session {
    /// Subscribed to the hello channel (a "pubsub" client for CLIENT KILL TYPE).
    pub subscribed: bool,
    /// Commands queued since MULTI.
    pub multi: Option<Vec<Vec<Bytes>>>,
}

/// A connection opened by Sentinel `client` (its core's `conn`) to `server`.
#[derive(Debug)]
pub struct Wire {
    /// The Sentinel that opened it.
    pub client: usize,
    /// The core's id for it.
    pub conn: ConnId,
    /// Who accepted it.
    pub server: Host,
    /// The client has seen the handshake complete.
    pub established: bool,
    /// The server side still exists (not crashed, not killed).
    pub server_open: bool,
    /// Commands written before the handshake completed.
    pub buffered: Vec<Vec<Bytes>>,
    /// Server-side session (redis instances only).
    pub session: Session,
    /// The two directions, indexed by [`TO_SERVER`] and [`TO_CLIENT`].
    pub queues: [DirQueue; 2],
}

impl Wire {
    /// A wire the server has accepted.
    pub fn new(client: usize, conn: ConnId, server: Host) -> Wire {
        Wire {
            client,
            conn,
            server,
            established: false,
            server_open: true,
            buffered: Vec::new(),
            session: Session::default(),
            queues: [DirQueue::default(), DirQueue::default()],
        }
    }

    /// The hosts a message in direction `dir` goes from and to.
    pub fn ends(&self, dir: usize) -> (Host, Host) {
        let client = Host::Sentinel(self.client);
        if dir == TO_SERVER {
            (client, self.server)
        } else {
            (self.server, client)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn addresses_round_trip() {
        for h in [
            Host::Redis(0),
            Host::Redis(2),
            Host::Sentinel(0),
            Host::Sentinel(6),
        ] {
            assert_eq!(host_at(&h.ip(), h.port(), 3, 7), Some(h), "{h:?}");
        }
        assert_eq!(host_at("10.0.0.4", REDIS_PORT, 3, 7), None);
        assert_eq!(host_at("10.0.0.1", SENTINEL_PORT, 3, 7), None);
        assert_eq!(host_at("127.0.0.1", REDIS_PORT, 3, 7), None);
    }

    #[test]
    fn cuts_are_directed_and_counted() {
        let (a, b) = (Host::Redis(0), Host::Sentinel(1));
        let mut n = Network::new(1, 5, 0);
        n.cut(a, b);
        n.cut(a, b);
        assert!(!n.delivers(a, b) && n.delivers(b, a) && !n.open_both(a, b));
        assert!(!n.heal(a, b));
        assert!(!n.delivers(a, b));
        assert!(n.heal(a, b));
        assert!(n.open_both(a, b) && !n.disturbed());
        let mut rng = StdRng::seed_from_u64(1);
        assert!((0..100).all(|_| (1..=5).contains(&n.delay(&mut rng))));
    }
}
