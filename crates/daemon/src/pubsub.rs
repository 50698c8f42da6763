//! The pub/sub hub: who listens to which channel or pattern. Sentinel's events
//! (`+sdown`, `+switch-master`, ...) reach clients through it, so it must never block the
//! sentinel on a slow subscriber: messages are queued per client and a subscriber whose
//! queue passes the pubsub output limits (`client-output-buffer-limit pubsub`, redis'
//! default 32mb hard, 8mb for 60 s soft) is disconnected.

use crate::clients::{Client, Clients, Outbound};
use bytes::Bytes;
use rsentinel_resp::Frame;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

/// Redis' default `client-output-buffer-limit pubsub 32mb 8mb 60`.
pub const HARD_LIMIT: usize = 32 * 1024 * 1024;
pub const SOFT_LIMIT: usize = 8 * 1024 * 1024;
pub const SOFT_SECONDS: Duration = Duration::from_secs(60);

/// A subscriber's output limits; a limit of 0 is no limit, as in redis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutputLimits {
    pub hard: usize,
    pub soft: usize,
    pub soft_seconds: Duration,
}

impl Default for OutputLimits {
    fn default() -> Self {
        OutputLimits {
            hard: HARD_LIMIT,
            soft: SOFT_LIMIT,
            soft_seconds: SOFT_SECONDS,
        }
    }
}

impl OutputLimits {
    /// The pubsub class as the config sets it.
    pub fn pubsub(server: &rsentinel_config::ServerSettings) -> OutputLimits {
        let (hard, soft, secs) = server.output_buffer_limits(2);
        OutputLimits {
            hard: usize::try_from(hard).unwrap_or(usize::MAX),
            soft: usize::try_from(soft).unwrap_or(usize::MAX),
            soft_seconds: Duration::from_secs(secs),
        }
    }
}

#[derive(Debug, Default)]
pub struct PubSub {
    channels: BTreeMap<Bytes, BTreeSet<u64>>,
    patterns: BTreeMap<Bytes, BTreeSet<u64>>,
    pub limits: OutputLimits,
}

fn frame_kind(kind: &str, a: Frame, b: Frame) -> Frame {
    Frame::Push(vec![Frame::bulk_str(kind), a, b])
}

fn count(clients: &Clients, id: u64) -> i64 {
    clients
        .get(id)
        .map(|c| (c.channels.len() + c.patterns.len()) as i64)
        .unwrap_or(0)
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
    pub fn subscribe(&mut self, clients: &mut Clients, id: u64, chans: &[Bytes]) -> Vec<Frame> {
        let mut out = Vec::new();
        for ch in chans {
            if let Some(c) = clients.get_mut(id) {
                if c.channels.insert(ch.clone()) {
                    self.channels.entry(ch.clone()).or_default().insert(id);
                }
            }
            out.push(frame_kind(
                "subscribe",
                Frame::Bulk(ch.clone()),
                Frame::Integer(count(clients, id)),
            ));
        }
        out
    }

    /// PSUBSCRIBE: one confirmation per pattern.
    pub fn psubscribe(&mut self, clients: &mut Clients, id: u64, pats: &[Bytes]) -> Vec<Frame> {
        let mut out = Vec::new();
        for p in pats {
            if let Some(c) = clients.get_mut(id) {
                if c.patterns.insert(p.clone()) {
                    self.patterns.entry(p.clone()).or_default().insert(id);
                }
            }
            out.push(frame_kind(
                "psubscribe",
                Frame::Bulk(p.clone()),
                Frame::Integer(count(clients, id)),
            ));
        }
        out
    }

    /// UNSUBSCRIBE [channel ...]: none named means all; with nothing subscribed redis
    /// still answers once, with a null channel.
    pub fn unsubscribe(&mut self, clients: &mut Clients, id: u64, chans: &[Bytes]) -> Vec<Frame> {
        let names: Vec<Bytes> = if chans.is_empty() {
            clients
                .get(id)
                .map(|c| c.channels.iter().cloned().collect())
                .unwrap_or_default()
        } else {
            chans.to_vec()
        };
        if names.is_empty() {
            return vec![frame_kind(
                "unsubscribe",
                Frame::Null,
                Frame::Integer(count(clients, id)),
            )];
        }
        let mut out = Vec::new();
        for ch in names {
            if let Some(c) = clients.get_mut(id) {
                c.channels.remove(&ch);
            }
            remove_member(&mut self.channels, &ch, id);
            out.push(frame_kind(
                "unsubscribe",
                Frame::Bulk(ch),
                Frame::Integer(count(clients, id)),
            ));
        }
        out
    }

    /// PUNSUBSCRIBE [pattern ...], as UNSUBSCRIBE.
    pub fn punsubscribe(&mut self, clients: &mut Clients, id: u64, pats: &[Bytes]) -> Vec<Frame> {
        let names: Vec<Bytes> = if pats.is_empty() {
            clients
                .get(id)
                .map(|c| c.patterns.iter().cloned().collect())
                .unwrap_or_default()
        } else {
            pats.to_vec()
        };
        if names.is_empty() {
            return vec![frame_kind(
                "punsubscribe",
                Frame::Null,
                Frame::Integer(count(clients, id)),
            )];
        }
        let mut out = Vec::new();
        for p in names {
            if let Some(c) = clients.get_mut(id) {
                c.patterns.remove(&p);
            }
            remove_member(&mut self.patterns, &p, id);
            out.push(frame_kind(
                "punsubscribe",
                Frame::Bulk(p),
                Frame::Integer(count(clients, id)),
            ));
        }
        out
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
        clients: &mut Clients,
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

fn remove_member(map: &mut BTreeMap<Bytes, BTreeSet<u64>>, key: &Bytes, id: u64) {
    if let Some(set) = map.get_mut(key) {
        set.remove(&id);
        if set.is_empty() {
            map.remove(key);
        }
    }
}

/// Queues a message; returns true when the client went over its output limits and was
/// told to close.
fn deliver(
    clients: &mut Clients,
    limits: OutputLimits,
    id: u64,
    frame: Frame,
    size: usize,
    now: Instant,
) -> bool {
    let Some(c) = clients.get_mut(id) else {
        return false;
    };
    if c.closing {
        return false;
    }
    c.pending_out += size;
    let over_hard = limits.hard != 0 && c.pending_out > limits.hard;
    let over_soft = if limits.soft != 0 && c.pending_out > limits.soft {
        let since = *c.soft_limit_since.get_or_insert(now);
        now.saturating_duration_since(since) >= limits.soft_seconds
    } else {
        c.soft_limit_since = None;
        false
    };
    if over_hard || over_soft {
        c.closing = true;
        let _ = c.tx.send(Outbound::Kill);
        return true;
    }
    let _ = c.tx.send(Outbound::Message(frame));
    false
}
