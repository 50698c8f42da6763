//! The pub/sub index: who listens to which channel or pattern. Sentinel's events
//! (`+sdown`, `+switch-master`, ...) reach clients through it, so it must never block the
//! sentinel on a slow subscriber: messages are queued per client and a subscriber whose
//! queue passes the pubsub output limits (`client-output-buffer-limit pubsub`, redis'
//! default 32mb hard, 8mb for 60 s soft) is disconnected; each client keeps that account
//! itself ([`crate::clients::Client::queue`]).

use super::client::{Client, OutputLimits};
use bytes::Bytes;
use rsentinel_resp::Frame;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

/// Subscribers by channel and by pattern. Each client's own subscriptions are kept on
/// the client too; these methods change both together.
#[derive(Debug, Default)]
pub struct PubSub {
    channels: BTreeMap<Bytes, BTreeSet<u64>>,
    patterns: BTreeMap<Bytes, BTreeSet<u64>>,
    limits: OutputLimits,
}

fn frame_kind(kind: &str, a: Frame, b: Frame) -> Frame {
    Frame::Push(vec![Frame::bulk_str(kind), a, b])
}

fn count(c: &Client) -> i64 {
    (c.channels.len() + c.patterns.len()) as i64
}

/// Rough encoded size of a message, for output-buffer accounting.
fn frame_size(parts: &[&[u8]]) -> usize {
    parts.iter().map(|p| p.len() + 16).sum::<usize>() + 8
}

impl PubSub {
    pub fn with_limits(limits: OutputLimits) -> PubSub {
        PubSub {
            limits,
            ..Default::default()
        }
    }

    pub fn channel_count(&self) -> usize {
        self.channels.len()
    }

    pub fn pattern_count(&self) -> usize {
        self.patterns.len()
    }

    /// SUBSCRIBE: one confirmation per channel.
    pub fn subscribe(&mut self, c: &mut Client, chans: &[Bytes]) -> Vec<Frame> {
        let mut out = Vec::new();
        for ch in chans {
            if c.channels.insert(ch.clone()) {
                self.channels.entry(ch.clone()).or_default().insert(c.id);
            }
            out.push(frame_kind(
                "subscribe",
                Frame::Bulk(ch.clone()),
                Frame::Integer(count(c)),
            ));
        }
        out
    }

    /// PSUBSCRIBE: one confirmation per pattern.
    pub fn psubscribe(&mut self, c: &mut Client, pats: &[Bytes]) -> Vec<Frame> {
        let mut out = Vec::new();
        for p in pats {
            if c.patterns.insert(p.clone()) {
                self.patterns.entry(p.clone()).or_default().insert(c.id);
            }
            out.push(frame_kind(
                "psubscribe",
                Frame::Bulk(p.clone()),
                Frame::Integer(count(c)),
            ));
        }
        out
    }

    /// UNSUBSCRIBE [channel ...]: none named means all; with nothing subscribed redis
    /// still answers once, with a null channel.
    pub fn unsubscribe(&mut self, c: &mut Client, chans: &[Bytes]) -> Vec<Frame> {
        let others = c.patterns.len();
        leave(
            "unsubscribe",
            &mut c.channels,
            others,
            &mut self.channels,
            c.id,
            chans,
        )
    }

    /// PUNSUBSCRIBE [pattern ...], as UNSUBSCRIBE.
    pub fn punsubscribe(&mut self, c: &mut Client, pats: &[Bytes]) -> Vec<Frame> {
        let others = c.channels.len();
        leave(
            "punsubscribe",
            &mut c.patterns,
            others,
            &mut self.patterns,
            c.id,
            pats,
        )
    }

    /// Forgets a disconnected client.
    pub fn drop_client(&mut self, c: &Client) {
        for ch in &c.channels {
            remove_member(&mut self.channels, ch, c.id);
        }
        for p in &c.patterns {
            remove_member(&mut self.patterns, p, c.id);
        }
    }

    /// PUBLISH: delivers to channel subscribers, then pattern subscribers; returns the
    /// number of deliveries, as redis counts them. Clients over the output limit are
    /// disconnected and reported in the returned list.
    pub fn publish(
        &self,
        clients: &mut BTreeMap<u64, Client>,
        channel: &[u8],
        message: &[u8],
        now: Instant,
    ) -> (i64, Vec<u64>) {
        let mut delivered = 0;
        let mut over = Vec::new();
        let chan = Bytes::copy_from_slice(channel);
        let msg = Bytes::copy_from_slice(message);
        if let Some(ids) = self.channels.get(channel) {
            for &id in ids {
                let frame = Frame::Push(vec![
                    Frame::bulk_str("message"),
                    Frame::Bulk(chan.clone()),
                    Frame::Bulk(msg.clone()),
                ]);
                if deliver(
                    clients,
                    self.limits,
                    id,
                    frame,
                    frame_size(&[channel, message]),
                    now,
                ) {
                    over.push(id);
                }
                delivered += 1;
            }
        }
        for (pat, ids) in &self.patterns {
            if !rsentinel_commands::glob_match(pat, channel, false) {
                continue;
            }
            for &id in ids {
                let frame = Frame::Push(vec![
                    Frame::bulk_str("pmessage"),
                    Frame::Bulk(pat.clone()),
                    Frame::Bulk(chan.clone()),
                    Frame::Bulk(msg.clone()),
                ]);
                if deliver(
                    clients,
                    self.limits,
                    id,
                    frame,
                    frame_size(&[pat, channel, message]),
                    now,
                ) {
                    over.push(id);
                }
                delivered += 1;
            }
        }
        (delivered, over)
    }
}

/// UNSUBSCRIBE or PUNSUBSCRIBE (`kind`) of client `id` from the `named` entries of `mine`
/// (all of them when none is named), kept in step with the server's `index`; `others`
/// is how many subscriptions of the other kind the client holds, for the counts.
fn leave(
    kind: &str,
    mine: &mut BTreeSet<Bytes>,
    others: usize,
    index: &mut BTreeMap<Bytes, BTreeSet<u64>>,
    id: u64,
    named: &[Bytes],
) -> Vec<Frame> {
    let names: Vec<Bytes> = if named.is_empty() {
        mine.iter().cloned().collect()
    } else {
        named.to_vec()
    };
    let count = |mine: &BTreeSet<Bytes>| (mine.len() + others) as i64;
    if names.is_empty() {
        return vec![frame_kind(kind, Frame::Null, Frame::Integer(count(mine)))];
    }
    let mut out = Vec::new();
    for name in names {
        mine.remove(&name);
        remove_member(index, &name, id);
        out.push(frame_kind(
            kind,
            Frame::Bulk(name),
            Frame::Integer(count(mine)),
        ));
    }
    out
}

fn remove_member(map: &mut BTreeMap<Bytes, BTreeSet<u64>>, key: &Bytes, id: u64) {
    if let Some(set) = map.get_mut(key) {
        set.remove(&id);
        if set.is_empty() {
            map.remove(key);
        }
    }
}

/// Queues a message for client `id`; true when it went over its output limits and was
/// told to close.
fn deliver(
    clients: &mut BTreeMap<u64, Client>,
    limits: OutputLimits,
    id: u64,
    frame: Frame,
    size: usize,
    now: Instant,
) -> bool {
    clients
        .get_mut(&id)
        .is_some_and(|c| c.queue(frame, size, limits, now))
}
