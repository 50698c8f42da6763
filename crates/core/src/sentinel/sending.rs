//! Sending commands to instances, and the daemon's reports on connections: opening and
//! closing the connections of a link as outputs, and queueing a command with what its
//! reply is for and the instance it was sent for.
//!
//! The daemon owns the sockets; the core asks for them with [`Output::Connect`], writes
//! with [`Output::Send`] and drops them with [`Output::Close`], and hears back through
//! [`Sentinel::conn_up`], [`Sentinel::conn_frame`] and [`Sentinel::conn_down`]. Replies
//! come back in order on a connection, so a FIFO of [`Pending`] entries pairs them with
//! their purpose, like hiredis' callback queue. Commands may be queued before the
//! connection is up (as hiredis does): the daemon buffers them.

use crate::conn::{Callback, ConnId, ConnKind, Pending};
use crate::event::Output;
use crate::link_id::LinkId;
use crate::master::InstRef;
use crate::sentinel::Sentinel;
use bytes::Bytes;
use rsentinel_gossip::HELLO_CHANNEL;

/// The words of the periodic commands: each PING, INFO and hello would otherwise copy
/// them into buffers of their own, thousands of times a second at a few hundred masters.
static COMMON_WORDS: [&str; 5] = ["PING", "INFO", "PUBLISH", HELLO_CHANNEL, "ROLE"];

/// `w` as [`Bytes`]: one of [`COMMON_WORDS`] shared, anything else copied.
fn shared_word(w: &[u8]) -> Bytes {
    match COMMON_WORDS.iter().find(|c| c.as_bytes() == w) {
        Some(c) => Bytes::from_static(c.as_bytes()),
        None => Bytes::copy_from_slice(w),
    }
}

impl Sentinel {
    /// The link an instance uses.
    pub(crate) fn link_of(&self, r: InstRef) -> Option<LinkId> {
        self.instance(r).map(|i| i.link)
    }

    /// Opens one connection of `link` to the instance's address at `now`.
    pub(crate) fn open_conn(
        &mut self,
        link: LinkId,
        kind: ConnKind,
        host: &str,
        port: u16,
        bound: crate::event::ReplyBound,
        now: u64,
    ) -> ConnId {
        let id = self.links.open_conn(link, kind, now);
        self.outputs.push(Output::Connect {
            conn: id,
            host: host.to_string(),
            port,
            bound,
        });
        id
    }

    /// Closes one connection of a link (`instanceLinkCloseConnection`): the link becomes
    /// disconnected, and the command connection's pending count restarts from zero.
    pub(crate) fn close_conn(&mut self, link: LinkId, kind: ConnKind) {
        if let Some(id) = self.links.close_conn(link, kind) {
            self.outputs.push(Output::Close(id));
        }
    }

    /// Queues `args` on a connection of the instance's link, with `callback` for the reply.
    /// The command name is mapped through the master's `rename-command` table. Returns
    /// false when that connection does not exist. Every command but the hello
    /// subscription counts as pending; PING is counted by [`Sentinel::send_ping`], which
    /// also starts the PING clock.
    pub(crate) fn send(
        &mut self,
        r: InstRef,
        kind: ConnKind,
        callback: Callback,
        args: &[&str],
    ) -> bool {
        // Every command the core sends has a handful of words: they stay on the stack
        // rather than in a vector per command.
        let words: smallvec::SmallVec<[&[u8]; 8]> = args.iter().map(|a| a.as_bytes()).collect();
        self.send_bytes(r, kind, callback, &words)
    }

    /// [`Sentinel::send`] for arguments that are bytes (credentials, announce-ip).
    pub(crate) fn send_bytes(
        &mut self,
        r: InstRef,
        kind: ConnKind,
        callback: Callback,
        args: &[&[u8]],
    ) -> bool {
        let Some(link) = self.link_of(r) else {
            return false;
        };
        let m = r.master();
        let mut words = crate::event::Words::with_capacity(args.len());
        for (i, a) in args.iter().enumerate() {
            let w = match std::str::from_utf8(a) {
                Ok(name) if i == 0 => self.masters[m].map_command(name).as_bytes(),
                _ => a,
            };
            words.push(shared_word(w));
        }
        let Some(l) = self.links.get_mut(link) else {
            return false;
        };
        let counted = !matches!(callback, Callback::Hello | Callback::Ping);
        let Some(conn) = l.conn_mut(kind) else {
            return false;
        };
        conn.pending.push_back(Pending { callback, inst: r });
        let id = conn.id;
        if counted {
            l.health.command_sent();
        }
        self.outputs.push(Output::Send {
            conn: id,
            args: words,
        });
        true
    }

    /// The daemon reports a connection established, with our local address on it.
    pub fn conn_up(&mut self, conn: ConnId, local_ip: &str) {
        self.links.conn_up(conn, local_ip);
    }

    /// The daemon reports a connection lost or refused: hiredis' disconnect callback.
    pub fn conn_down(&mut self, conn: ConnId) {
        let Some(link) = self.links.conn_lost(conn) else {
            return;
        };
        if self.masters.values().any(|m| m.inst.link == link) {
            self.on_master_conn_lost();
        }
    }

    /// Whether a regular reply is awaited on `conn` (the hello subscription does not
    /// count: its frames are pushes, not replies).
    pub(crate) fn expects_reply(&self, conn: ConnId) -> bool {
        self.links.expects_reply(conn)
    }

    /// Closes `conn` from our side (the daemon is told to drop the socket).
    pub(crate) fn drop_conn(&mut self, conn: ConnId) {
        if let Some((link, kind)) = self.links.conn_kind(conn) {
            self.close_conn(link, kind);
        }
    }

    /// Pops the purpose of the next reply on `conn` (see [`crate::LinkTable::take_pending`]).
    pub(crate) fn take_pending(&mut self, conn: ConnId) -> Option<(LinkId, Pending)> {
        self.links.take_pending(conn)
    }

    /// Our local address on the instance's command connection, once known.
    pub(crate) fn local_ip_of(&self, r: InstRef) -> Option<String> {
        let link = self.link_of(r)?;
        self.links.get(link)?.cc.as_ref()?.local_ip.clone()
    }
}

#[cfg(test)]
mod word_tests {
    use super::*;

    #[test]
    fn common_words_are_shared_and_others_copied_alike() {
        for w in &COMMON_WORDS {
            let b = shared_word(w.as_bytes());
            assert_eq!(b, w.as_bytes());
            assert_eq!(b.as_ptr(), w.as_ptr(), "{w} is shared");
        }
        for w in [&b"PIN"[..], b"PINGS", b"ping", b"", b"CLIENT"] {
            let b = shared_word(w);
            assert_eq!(&b[..], w);
        }
    }
}
