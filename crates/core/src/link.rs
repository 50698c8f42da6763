//! Instance links: the (command, pub/sub) connection pair to an instance and the
//! failure-detection state that lives on it, as redis' `instanceLink`. Links to the
//! same Sentinel are shared between the masters it monitors, hence the table and refcount.

use crate::conn::{Callback, Conn, ConnId, ConnKind, Pending};
pub use crate::link_id::LinkId;
use rsentinel_monitor::LinkHealth;
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};

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
    pub fn conn_ids(&self) -> Vec<ConnId> {
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

/// All links, in a slab: a [`LinkId`] is a slot and the generation of its use, so a
/// lookup is an index (the timer looks links up several times per instance per run) and
/// an id kept after its link was released finds nothing, even once the slot is reused.
/// The table also knows which link each live connection belongs to, since connection
/// events from the daemon name only the connection.
#[derive(Clone, Debug, Default)]
pub struct LinkTable {
    slots: Vec<Slot>,
    /// Slots free for reuse.
    free: Vec<u32>,
    len: usize,
    /// Which link each live connection belongs to.
    conns: HashMap<ConnId, LinkId, BuildHasherDefault<IdHasher>>,
    /// The last connection id handed out; ids are never reused.
    last_conn: u64,
}

#[derive(Clone, Debug, Default)]
struct Slot {
    generation: u32,
    link: Option<Link>,
}

impl LinkTable {
    pub fn create(&mut self, now_ms: u64, needs_pubsub: bool) -> LinkId {
        let link = Some(Link::new(now_ms, needs_pubsub));
        self.len += 1;
        match self.free.pop() {
            Some(slot) => {
                let s = &mut self.slots[slot as usize];
                s.link = link;
                LinkId::new(slot, s.generation)
            }
            None => {
                let slot = u32::try_from(self.slots.len()).unwrap_or(u32::MAX);
                self.slots.push(Slot {
                    generation: 0,
                    link,
                });
                LinkId::new(slot, 0)
            }
        }
    }

    pub fn get(&self, id: LinkId) -> Option<&Link> {
        self.slots
            .get(id.slot())
            .filter(|s| s.generation == id.generation())?
            .link
            .as_ref()
    }

    pub fn get_mut(&mut self, id: LinkId) -> Option<&mut Link> {
        self.slots
            .get_mut(id.slot())
            .filter(|s| s.generation == id.generation())?
            .link
            .as_mut()
    }

    /// One more instance uses `id`.
    pub fn retain(&mut self, id: LinkId) {
        if let Some(l) = self.get_mut(id) {
            l.refcount += 1;
        }
    }

    /// One user fewer. When that was the last one, the link is gone and the ids of its
    /// connections are returned: their sockets must be closed.
    pub fn release(&mut self, id: LinkId) -> Option<Vec<ConnId>> {
        let l = self.get_mut(id)?;
        if l.refcount > 1 {
            l.refcount -= 1;
            return None;
        }
        let conns = l.conn_ids();
        for c in &conns {
            self.conns.remove(c);
        }
        let s = &mut self.slots[id.slot()];
        s.link = None;
        s.generation = s.generation.wrapping_add(1);
        self.free.push(id.slot() as u32);
        self.len -= 1;
        Some(conns)
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Opens a new connection of `kind` for `link` at `now_ms` (a missing link gets
    /// none, but the id is still handed out and its socket asked for).
    pub(crate) fn open_conn(&mut self, link: LinkId, kind: ConnKind, now_ms: u64) -> ConnId {
        self.last_conn += 1;
        let id = ConnId(self.last_conn);
        self.conns.insert(id, link);
        if let Some(l) = self.get_mut(link) {
            l.attach(kind, Conn::new(id, kind), now_ms);
        }
        id
    }

    /// We close the connection of `kind` of `link`; returns its id so its socket can be
    /// closed.
    pub(crate) fn close_conn(&mut self, link: LinkId, kind: ConnKind) -> Option<ConnId> {
        let c = self.get_mut(link)?.detach(kind)?;
        self.conns.remove(&c.id);
        Some(c.id)
    }

    /// The link a live connection belongs to.
    pub(crate) fn link_of_conn(&self, conn: ConnId) -> Option<LinkId> {
        self.conns.get(&conn).copied()
    }

    /// A live connection, with its link.
    fn conn(&self, conn: ConnId) -> Option<(LinkId, &Link, &Conn)> {
        let id = self.link_of_conn(conn)?;
        let l = self.get(id)?;
        let c = [l.cc.as_ref(), l.pc.as_ref()]
            .into_iter()
            .flatten()
            .find(|c| c.id == conn)?;
        Some((id, l, c))
    }

    /// The daemon reports a connection up, with our local address on it.
    pub(crate) fn conn_up(&mut self, conn: ConnId, local_ip: &str) {
        let Some(link) = self.link_of_conn(conn) else {
            return;
        };
        if let Some(l) = self.get_mut(link) {
            for c in [l.cc.as_mut(), l.pc.as_mut()].into_iter().flatten() {
                if c.id == conn {
                    c.local_ip = Some(local_ip.to_string());
                }
            }
        }
    }

    /// The daemon reports a connection lost or refused: its link forgets it (the socket
    /// is already gone). Returns the link when the connection was still one of its own.
    pub(crate) fn conn_lost(&mut self, conn: ConnId) -> Option<LinkId> {
        let link = self.conns.remove(&conn)?;
        let l = self.get_mut(link)?;
        let kind = if l.cc.as_ref().is_some_and(|c| c.id == conn) {
            ConnKind::Command
        } else if l.pc.as_ref().is_some_and(|c| c.id == conn) {
            ConnKind::PubSub
        } else {
            return None;
        };
        l.lose(kind);
        Some(link)
    }

    /// Which of its link's connections `conn` is (the pub/sub one unless it is the
    /// command connection).
    pub(crate) fn conn_kind(&self, conn: ConnId) -> Option<(LinkId, ConnKind)> {
        let link = self.link_of_conn(conn)?;
        let kind = match self.get(link) {
            Some(l) if l.cc.as_ref().is_some_and(|c| c.id == conn) => ConnKind::Command,
            _ => ConnKind::PubSub,
        };
        Some((link, kind))
    }

    /// Whether a regular reply is awaited on `conn` (the hello subscription does not
    /// count: its frames are pushes, not replies).
    pub(crate) fn expects_reply(&self, conn: ConnId) -> bool {
        self.conn(conn)
            .and_then(|(_, _, c)| c.pending.front())
            .is_some_and(|p| p.callback != Callback::Hello)
    }

    /// Pops the purpose of the next reply on `conn` (the hello subscription stays). The
    /// reply counts against the link's pending commands, except a PING reply, which
    /// [`rsentinel_monitor::LinkHealth::ping_reply`] counts.
    pub(crate) fn take_pending(&mut self, conn: ConnId) -> Option<(LinkId, Pending)> {
        let link = self.link_of_conn(conn)?;
        let l = self.get_mut(link)?;
        let c = [l.cc.as_mut(), l.pc.as_mut()]
            .into_iter()
            .flatten()
            .find(|c| c.id == conn)?;
        // The standing hello entry is copied; any other is moved out.
        let front = if c.pending.front()?.callback == Callback::Hello {
            c.pending.front()?.clone()
        } else {
            let front = c.pending.pop_front()?;
            // An idle connection holds little room for replies it does not wait for:
            // an emptied queue keeps the smallest room a queue takes (four entries,
            // reused by the next PING rather than taken and freed each second) and
            // gives back more, and the pub/sub one keeps only its standing hello entry
            // once the handshake is answered; thousands of links over.
            if c.pending.is_empty() {
                if c.pending.capacity() > KEPT_PENDING {
                    c.pending = VecDeque::new();
                }
            } else if c.pending.len() == 1 && c.pending.capacity() > 1 {
                c.pending.shrink_to_fit();
            }
            if front.callback != Callback::Ping {
                l.health.reply_received();
            }
            front
        };
        Some((link, front))
    }
}

/// The room an emptied queue of pending replies keeps: what `VecDeque` takes at its
/// first entry.
const KEPT_PENDING: usize = 4;

/// Hashes connection ids, which are unique sequence numbers: one multiplication
/// (Fibonacci hashing) spreads them over the table instead of SipHash's rounds, which
/// guard against chosen keys that the core's own counter cannot be.
#[derive(Clone, Copy, Debug, Default)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(*b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_links_survive_until_last_release() {
        let mut t = LinkTable::default();
        let a = t.create(5, false);
        t.retain(a);
        assert_eq!(t.get(a).map(|l| l.refcount), Some(2));
        assert_eq!(t.release(a), None);
        assert_eq!(t.release(a), Some(vec![]));
        assert!(t.get(a).is_none());
        assert_eq!(t.release(a), None);
        assert!(t.is_empty());
    }

    #[test]
    fn a_released_id_finds_nothing_after_its_slot_is_reused() {
        let mut t = LinkTable::default();
        let a = t.create(0, true);
        let c = t.open_conn(a, ConnKind::Command, 1);
        assert_eq!(t.link_of_conn(c), Some(a));
        assert_eq!(t.release(a), Some(vec![c]));
        assert_eq!(t.link_of_conn(c), None);
        let b = t.create(0, false);
        assert_ne!(a, b);
        assert!(t.get(a).is_none() && t.get(b).is_some());
        assert_eq!(t.len(), 1);
        // Connection ids are never reused.
        assert_eq!(t.open_conn(b, ConnKind::Command, 2), ConnId(c.0 + 1));
    }

    #[test]
    fn connection_events_find_their_link() {
        let mut t = LinkTable::default();
        let a = t.create(0, true);
        let cc = t.open_conn(a, ConnKind::Command, 1);
        let pc = t.open_conn(a, ConnKind::PubSub, 1);
        assert_eq!(t.conn_kind(pc), Some((a, ConnKind::PubSub)));
        assert_eq!(t.conn_kind(cc), Some((a, ConnKind::Command)));
        t.conn_up(cc, "10.0.0.9");
        assert_eq!(
            t.get(a).and_then(|l| l.cc.as_ref()?.local_ip.clone()),
            Some("10.0.0.9".to_string())
        );
        assert_eq!(t.conn_lost(cc), Some(a));
        assert_eq!(t.conn_lost(cc), None);
        assert_eq!(t.close_conn(a, ConnKind::PubSub), Some(pc));
        assert_eq!(t.link_of_conn(pc), None);
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
