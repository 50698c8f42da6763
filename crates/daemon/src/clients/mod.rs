//! The connected clients and their subscriptions. The table owns both: a client's
//! channels and patterns are kept on the client (CLIENT LIST counts them) and in the
//! pub/sub index (PUBLISH finds subscribers through it), and only these methods change
//! them, so the two never disagree.

mod client;
mod pubsub;

pub use client::{Client, Outbound, OutputLimits, PeerAddr, ReplyMode, Tracking};

use bytes::Bytes;
use pubsub::PubSub;
use rsentinel_resp::Frame;
use std::collections::BTreeMap;
use std::time::Instant;

/// Every connected client by id (ids only grow, so the map is in connection order), and
/// who is subscribed to what.
#[derive(Debug)]
pub struct Clients {
    map: BTreeMap<u64, Client>,
    next_id: u64,
    pubsub: PubSub,
}

impl Clients {
    /// No client yet; subscribers get the pub/sub output `limits`.
    pub fn new(limits: OutputLimits) -> Clients {
        Clients {
            map: BTreeMap::new(),
            next_id: 0,
            pubsub: PubSub::with_limits(limits),
        }
    }

    pub fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    pub fn insert(&mut self, client: Client) {
        self.map.insert(client.id, client);
    }

    /// Forgets a client whose session ended, with its subscriptions.
    pub fn remove(&mut self, id: u64) {
        if let Some(client) = self.map.remove(&id) {
            self.pubsub.drop_client(&client);
        }
    }

    pub fn get(&self, id: u64) -> Option<&Client> {
        self.map.get(&id)
    }

    pub fn get_mut(&mut self, id: u64) -> Option<&mut Client> {
        self.map.get_mut(&id)
    }

    /// Every client, in connection order.
    pub fn iter(&self) -> impl Iterator<Item = &Client> {
        self.map.values()
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Asks a client's session to close; true if such a client exists.
    pub fn kill(&self, id: u64) -> bool {
        match self.map.get(&id) {
            Some(c) => {
                let _ = c.tx.send(Outbound::Kill);
                true
            }
            None => false,
        }
    }

    /// Asks the sessions of `victims` to close, all but `me`'s: true when `me` is one of
    /// them, as its own session closes only after its reply is written.
    pub fn kill_all(&self, victims: &[u64], me: u64) -> bool {
        let mut close_me = false;
        for &v in victims {
            if v == me {
                close_me = true;
            } else {
                self.kill(v);
            }
        }
        close_me
    }

    /// CLIENT SETNAME / HELLO SETNAME: redis allows only printable characters without
    /// spaces; an empty name clears it.
    pub fn set_name(&mut self, id: u64, name: &Bytes) -> Result<(), Frame> {
        if name.iter().any(|&b| !(b'!'..=b'~').contains(&b)) {
            return Err(Frame::error(
                "ERR Client names cannot contain spaces, newlines or special characters.",
            ));
        }
        if let Some(c) = self.get_mut(id) {
            c.name = if name.is_empty() {
                None
            } else {
                Some(name.clone())
            };
        }
        Ok(())
    }

    /// SUBSCRIBE: one confirmation per channel.
    pub fn subscribe(&mut self, id: u64, channels: &[Bytes]) -> Vec<Frame> {
        match self.map.get_mut(&id) {
            Some(c) => self.pubsub.subscribe(c, channels),
            None => Vec::new(),
        }
    }

    /// PSUBSCRIBE: one confirmation per pattern.
    pub fn psubscribe(&mut self, id: u64, patterns: &[Bytes]) -> Vec<Frame> {
        match self.map.get_mut(&id) {
            Some(c) => self.pubsub.psubscribe(c, patterns),
            None => Vec::new(),
        }
    }

    /// UNSUBSCRIBE: none named means all.
    pub fn unsubscribe(&mut self, id: u64, channels: &[Bytes]) -> Vec<Frame> {
        match self.map.get_mut(&id) {
            Some(c) => self.pubsub.unsubscribe(c, channels),
            None => Vec::new(),
        }
    }

    /// PUNSUBSCRIBE: none named means all.
    pub fn punsubscribe(&mut self, id: u64, patterns: &[Bytes]) -> Vec<Frame> {
        match self.map.get_mut(&id) {
            Some(c) => self.pubsub.punsubscribe(c, patterns),
            None => Vec::new(),
        }
    }

    /// Delivers a message to the subscribers of `channel` (see [`PubSub::publish`]):
    /// the number of deliveries, and the clients that went over their output limits.
    pub fn publish(&mut self, channel: &[u8], message: &[u8], now: Instant) -> (i64, Vec<u64>) {
        self.pubsub.publish(&mut self.map, channel, message, now)
    }

    /// Channels with at least one subscriber (INFO `pubsub_channels`).
    pub fn channel_count(&self) -> usize {
        self.pubsub.channel_count()
    }

    /// Patterns with at least one subscriber (INFO `pubsub_patterns`).
    pub fn pattern_count(&self) -> usize {
        self.pubsub.pattern_count()
    }
}
