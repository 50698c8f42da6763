//! Instance links: the (command, pub/sub) connection pair to an instance and the
//! failure-detection state that lives on it, as redis' `instanceLink`. Links to the
//! same Sentinel are shared between the masters it monitors, hence the table and refcount.

use crate::conn::{Conn, ConnKind};
use rsentinel_monitor::LinkHealth;
use std::collections::HashMap;

/// Identifies a link in the [`LinkTable`]; the daemon keys its sockets by it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LinkId(pub u64);

/// Link state the core reasons about; the sockets themselves belong to the daemon. The
/// liveness clocks and the rules on them are the monitor crate's [`LinkHealth`], whose
/// `cc`/`pc` flags [`Link::attach`], [`Link::detach`] and [`Link::lose`] keep in step
/// with the [`Conn`] values here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// The command connection, when one exists (connecting or up).
    pub cc: Option<Conn>,
    /// The pub/sub connection (masters and replicas only).
    pub pc: Option<Conn>,
    /// Number of instances using this link (more than one only for shared Sentinels).
    pub refcount: u32,
    /// Liveness: connection state, pending commands, PING/PONG and activity times.
    pub health: LinkHealth,
}

impl Link {
    /// A not yet connected link, as `createInstanceLink`; links to Sentinels need no
    /// pub/sub connection.
    pub fn new(now_ms: u64, needs_pubsub: bool) -> Link {
        Link {
            cc: None,
            pc: None,
            refcount: 1,
            health: LinkHealth::new(now_ms, needs_pubsub),
        }
    }

    /// The ids of the connections that exist.
    pub fn conn_ids(&self) -> Vec<crate::conn::ConnId> {
        [self.cc.as_ref(), self.pc.as_ref()]
            .into_iter()
            .flatten()
            .map(|c| c.id)
            .collect()
    }

    /// The connection of `kind`, if it exists.
    pub fn conn_mut(&mut self, kind: ConnKind) -> Option<&mut Conn> {
        match kind {
            ConnKind::Command => self.cc.as_mut(),
            ConnKind::PubSub => self.pc.as_mut(),
        }
    }

    /// A new connection of `kind` was initiated at `now_ms`.
    pub fn attach(&mut self, kind: ConnKind, conn: Conn, now_ms: u64) {
        match kind {
            ConnKind::Command => {
                self.cc = Some(conn);
                self.health.cc_opened(now_ms);
            }
            ConnKind::PubSub => {
                self.pc = Some(conn);
                self.health.pc_opened(now_ms);
            }
        }
    }

    /// We close the connection of `kind` (`instanceLinkCloseConnection`); returns it so
    /// its socket can be closed.
    pub fn detach(&mut self, kind: ConnKind) -> Option<Conn> {
        match kind {
            ConnKind::Command => {
                self.health.cc_closed();
                self.cc.take()
            }
            ConnKind::PubSub => {
                self.health.pc_closed();
                self.pc.take()
            }
        }
    }

    /// The connection of `kind` failed or was lost (`instanceLinkConnectionError`).
    pub fn lose(&mut self, kind: ConnKind) {
        match kind {
            ConnKind::Command => {
                self.health.cc_lost();
                self.cc = None;
            }
            ConnKind::PubSub => {
                self.health.pc_closed();
                self.pc = None;
            }
        }
    }
}

/// All links, by id. A hash map: the timer looks links up several times per instance
/// per run, and a tree of thousands of links cost a chain of cache misses each time.
#[derive(Clone, Debug, Default)]
pub struct LinkTable {
    links: HashMap<LinkId, Link>,
    next: u64,
}

impl LinkTable {
    pub fn create(&mut self, now_ms: u64, needs_pubsub: bool) -> LinkId {
        self.next += 1;
        let id = LinkId(self.next);
        self.links.insert(id, Link::new(now_ms, needs_pubsub));
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
    use crate::conn::ConnId;

    #[test]
    fn shared_links_survive_until_last_release() {
        let mut t = LinkTable::default();
        let a = t.create(5, false);
        t.retain(a);
        assert_eq!(t.get(a).map(|l| l.refcount), Some(2));
        assert!(!t.release(a));
        assert!(t.release(a));
        assert!(t.get(a).is_none());
        assert!(!t.release(a));
    }

    #[test]
    fn new_link_is_disconnected_and_pinging_since_creation() {
        let l = Link::new(1000, true);
        assert!(l.health.disconnected);
        assert_eq!(
            (
                l.health.act_ping_time,
                l.health.last_ping_time,
                l.health.last_pong_time
            ),
            (1000, 0, 1000)
        );
    }

    #[test]
    fn health_follows_the_connections() {
        let mut l = Link::new(0, true);
        l.attach(
            ConnKind::Command,
            Conn::new(ConnId(1), ConnKind::Command),
            10,
        );
        assert!(l.health.cc && l.health.disconnected);
        l.attach(ConnKind::PubSub, Conn::new(ConnId(2), ConnKind::PubSub), 10);
        assert!(!l.health.disconnected);
        l.health.command_sent();
        l.lose(ConnKind::Command);
        assert!(l.cc.is_none() && !l.health.cc && l.health.disconnected);
        assert_eq!(l.health.pending_commands, 1);
        assert_eq!(l.detach(ConnKind::PubSub).map(|c| c.id), Some(ConnId(2)));
        assert!(l.pc.is_none() && !l.health.pc);
        let mut s = Link::new(0, false);
        s.attach(
            ConnKind::Command,
            Conn::new(ConnId(3), ConnKind::Command),
            10,
        );
        assert!(!s.health.disconnected);
    }
}
