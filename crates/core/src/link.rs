//! Instance links: the (command, pub/sub) connection pair to an instance and the
//! failure-detection timestamps that live on it, as redis' `instanceLink`. Links to the
//! same Sentinel are shared between the masters it monitors, hence the table and refcount.

use crate::net::Conn;
use std::collections::BTreeMap;

/// Identifies a link in the [`LinkTable`]; the daemon keys its sockets by it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LinkId(pub u64);

/// Link state the core reasons about; the sockets themselves belong to the daemon.
/// Times are wall-clock milliseconds, 0 meaning "never".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// The command connection, when one exists (connecting or up).
    pub cc: Option<Conn>,
    /// The pub/sub connection (masters and replicas only).
    pub pc: Option<Conn>,
    /// Number of instances using this link (more than one only for shared Sentinels).
    pub refcount: u32,
    /// True while either connection is missing.
    pub disconnected: bool,
    /// Commands sent on the command connection still waiting for a reply.
    pub pending_commands: u32,
    pub cc_conn_time: u64,
    pub pc_conn_time: u64,
    pub pc_last_activity: u64,
    /// Last time the instance answered PING with a reply we consider valid.
    pub last_avail_time: u64,
    /// Time the oldest unanswered PING was sent (0 after a PONG). Starts at creation time
    /// so an instance we never reach still times out.
    pub act_ping_time: u64,
    /// Time the last PING was sent.
    pub last_ping_time: u64,
    /// Last time the instance answered PING, whatever the reply.
    pub last_pong_time: u64,
    pub last_reconn_time: u64,
}

impl Link {
    /// A not yet connected link, as `createInstanceLink`.
    pub fn new(now_ms: u64) -> Link {
        Link {
            cc: None,
            pc: None,
            refcount: 1,
            disconnected: true,
            pending_commands: 0,
            cc_conn_time: 0,
            pc_conn_time: 0,
            pc_last_activity: 0,
            last_avail_time: now_ms,
            act_ping_time: now_ms,
            last_ping_time: 0,
            last_pong_time: now_ms,
            last_reconn_time: 0,
        }
    }

    /// The ids of the connections that exist.
    pub fn conn_ids(&self) -> Vec<crate::net::ConnId> {
        [self.cc.as_ref(), self.pc.as_ref()]
            .into_iter()
            .flatten()
            .map(|c| c.id)
            .collect()
    }
}

/// All links, by id, in creation order.
#[derive(Clone, Debug, Default)]
pub struct LinkTable {
    links: BTreeMap<LinkId, Link>,
    next: u64,
}

impl LinkTable {
    pub fn create(&mut self, now_ms: u64) -> LinkId {
        self.next += 1;
        let id = LinkId(self.next);
        self.links.insert(id, Link::new(now_ms));
        id
    }

    pub fn get(&self, id: LinkId) -> Option<&Link> {
        self.links.get(&id)
    }

    pub fn get_mut(&mut self, id: LinkId) -> Option<&mut Link> {
        self.links.get_mut(&id)
    }

    /// One more instance uses `id`.
    pub fn retain(&mut self, id: LinkId) {
        if let Some(l) = self.links.get_mut(&id) {
            l.refcount += 1;
        }
    }

    /// One user fewer; returns true when the link is gone (its sockets must be closed).
    pub fn release(&mut self, id: LinkId) -> bool {
        match self.links.get_mut(&id) {
            Some(l) if l.refcount > 1 => {
                l.refcount -= 1;
                false
            }
            Some(_) => {
                self.links.remove(&id);
                true
            }
            None => false,
        }
    }

    pub fn len(&self) -> usize {
        self.links.len()
    }

    pub fn is_empty(&self) -> bool {
        self.links.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_links_survive_until_last_release() {
        let mut t = LinkTable::default();
        let a = t.create(5);
        t.retain(a);
        assert_eq!(t.get(a).map(|l| l.refcount), Some(2));
        assert!(!t.release(a));
        assert!(t.release(a));
        assert!(t.get(a).is_none());
        assert!(!t.release(a));
    }

    #[test]
    fn new_link_is_disconnected_and_pinging_since_creation() {
        let l = Link::new(1000);
        assert!(l.disconnected);
        assert_eq!(
            (l.act_ping_time, l.last_ping_time, l.last_pong_time),
            (1000, 0, 1000)
        );
    }
}
