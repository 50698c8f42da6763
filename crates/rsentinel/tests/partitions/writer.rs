//! A Sentinel-aware client that keeps writing while the tests cut links, recording which
//! writes the server acknowledged, and the count of acknowledged writes a failover lost.
//!
//! It behaves like the clients operators run: it asks its local Sentinel for the
//! master's address, writes there, and on an error or a dead connection asks again.
//! Every write is a distinct key (`w:<n>`), so a lost write is one whose key is missing
//! on the final master.

use crate::common::{text, Client};
use crate::lab::Lab;
use rsentinel_resp::Frame;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long the writer waits for a reply before it treats the server as gone.
const REPLY_LIMIT: Duration = Duration::from_millis(1000);
/// Pause between writes: about 300 writes a second, enough to see every phase.
const PACE: Duration = Duration::from_millis(3);

/// One acknowledged write.
#[derive(Clone, Debug)]
pub struct Ack {
    pub id: u64,
    pub at: Instant,
    /// The server that acknowledged it.
    pub server: IpAddr,
}

/// One refused write (an error reply such as `-NOREPLICAS` or `-READONLY`).
#[derive(Clone, Debug)]
pub struct Refusal {
    pub at: Instant,
    pub server: IpAddr,
    pub error: String,
}

/// Everything the writer saw.
#[derive(Debug, Default)]
pub struct Record {
    pub acks: Vec<Ack>,
    pub refusals: Vec<Refusal>,
}

/// A running writer; [`Writer::stop`] hands back its record.
pub struct Writer {
    stop: Arc<AtomicBool>,
    acked: Arc<AtomicUsize>,
    handle: JoinHandle<Record>,
}

impl Writer {
    /// Starts writing from a thread on `host`, asking the Sentinel at `sentinel` (as
    /// seen from that host) where the master `mymaster` is.
    pub fn start(lab: &Lab, host: usize, sentinel: SocketAddr) -> Writer {
        let stop = Arc::new(AtomicBool::new(false));
        let acked = Arc::new(AtomicUsize::new(0));
        let (s, a) = (stop.clone(), acked.clone());
        let handle = lab.spawn_on_host(host, move || write_loop(sentinel, &s, &a));
        Writer {
            stop,
            acked,
            handle,
        }
    }

    /// Writes acknowledged so far.
    pub fn acked(&self) -> usize {
        self.acked.load(Ordering::SeqCst)
    }

    /// Stops writing and returns what happened.
    pub fn stop(self) -> Record {
        self.stop.store(true, Ordering::SeqCst);
        self.handle.join().expect("writer thread panicked")
    }
}

fn write_loop(sentinel: SocketAddr, stop: &AtomicBool, acked: &AtomicUsize) -> Record {
    let mut record = Record::default();
    let mut conn: Option<(Client, IpAddr)> = None;
    let mut id = 0u64;
    while !stop.load(Ordering::SeqCst) {
        let Some((c, server)) = conn.as_mut() else {
            conn = connect_to_master(sentinel);
            if conn.is_none() {
                std::thread::sleep(Duration::from_millis(50));
            }
            continue;
        };
        let server = *server;
        id += 1;
        let key = format!("w:{id}");
        let value = id.to_string();
        match c.try_cmd(&["SET", &key, &value], REPLY_LIMIT) {
            Some(Frame::Simple(s)) if s == "OK" => {
                record.acks.push(Ack {
                    id,
                    at: Instant::now(),
                    server,
                });
                acked.fetch_add(1, Ordering::SeqCst);
                std::thread::sleep(PACE);
            }
            Some(Frame::Error(e)) => {
                record.refusals.push(Refusal {
                    at: Instant::now(),
                    server,
                    error: e,
                });
                // The master may have changed: ask the Sentinel again.
                conn = None;
                std::thread::sleep(Duration::from_millis(50));
            }
            _ => conn = None,
        }
    }
    record
}

/// Asks the Sentinel for the master and connects to it.
fn connect_to_master(sentinel: SocketAddr) -> Option<(Client, IpAddr)> {
    let mut s = Client::try_connect_to(sentinel, REPLY_LIMIT).ok()?;
    let reply = s.try_cmd(
        &["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"],
        REPLY_LIMIT,
    )?;
    let Frame::Array(parts) = reply else {
        return None;
    };
    let [ip, port] = parts.as_slice() else {
        return None;
    };
    let ip: IpAddr = text(ip).parse().ok()?;
    let port: u16 = text(port).parse().ok()?;
    let c = Client::try_connect_to(SocketAddr::from((ip, port)), REPLY_LIMIT).ok()?;
    Some((c, ip))
}

/// Acknowledged writes whose keys are missing on the server `c` is connected to.
pub fn missing(c: &mut Client, acks: &[Ack]) -> Vec<Ack> {
    let mut lost = Vec::new();
    for chunk in acks.chunks(500) {
        let keys: Vec<String> = chunk.iter().map(|a| format!("w:{}", a.id)).collect();
        let mut args = vec!["MGET"];
        args.extend(keys.iter().map(String::as_str));
        let reply = c
            .try_cmd(&args, Duration::from_secs(10))
            .expect("MGET on the final master");
        let Frame::Array(values) = reply else {
            panic!("MGET replied {reply:?}");
        };
        assert_eq!(values.len(), chunk.len(), "MGET reply length");
        for (ack, v) in chunk.iter().zip(values) {
            if matches!(v, Frame::Null) {
                lost.push(ack.clone());
            }
        }
    }
    lost
}
