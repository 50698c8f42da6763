//! What replies from instances do (redis' reply callbacks): PING answers feed failure
//! detection, PUBLISH answers pace hellos, `is-master-down-by-addr` answers feed ODOWN
//! and votes, INFO answers refresh what we know of the topology, and hello messages
//! teach us about other Sentinels.

use crate::conn::{Callback, ConnId, ConnKind};
use crate::instance::Flags;
use crate::link_id::LinkId;
use crate::master::InstRef;
use crate::sentinel::Sentinel;
use rsentinel_monitor::{IsMasterDownReply, PingReply};
use rsentinel_resp::Frame;

impl Sentinel {
    /// The daemon delivers one reply (or pushed message) received on `conn`.
    pub fn conn_frame(&mut self, conn: ConnId, frame: Frame, now: u64) {
        if frame.is_error() && !self.expects_reply(conn) {
            // An error nobody asked for (such as the NOAUTH answer to SUBSCRIBE on a
            // server that now wants a password) makes hiredis drop the connection; the
            // link then shows disconnected and is retried, as in redis.
            self.drop_conn(conn);
            return;
        }
        let Some((link, pending)) = self.take_pending(conn) else {
            // A reply to nothing asked: hiredis drops such a connection, and so does
            // rsentinel, so a peer cannot feed it replies without end.
            self.drop_conn(conn);
            return;
        };
        let r = pending.inst;
        if self.instance(r).is_none() {
            // The instance is gone; the reply still leaves the link's pending count.
            if pending.callback == Callback::Ping {
                if let Some(l) = self.links.get_mut(link) {
                    l.health.reply_received();
                }
            }
            return;
        }
        match pending.callback {
            Callback::Discard => {}
            Callback::Ping => self.on_ping_reply(link, r, &frame, now),
            Callback::Publish => {
                if !frame.is_error() {
                    if let Some(i) = self.instance_mut(r) {
                        i.last_pub_time = now;
                    }
                }
            }
            Callback::MasterDown(asked_about) => {
                let m = r.master();
                let a = &self.masters[m].inst.addr;
                if asked_about == format!("{}:{}", a.ip, a.port) {
                    self.on_master_down_reply(r, &frame, now);
                    self.after_peer_answer(m, now);
                }
            }
            Callback::Info => {
                if let Frame::Bulk(text) = &frame {
                    // Borrowed when valid UTF-8, as an INFO reply is: no 5 KB copy
                    // (and `from_utf8` checks faster than the lossy conversion does).
                    let text = match std::str::from_utf8(text) {
                        Ok(t) => std::borrow::Cow::Borrowed(t),
                        Err(_) => String::from_utf8_lossy(text),
                    };
                    self.refresh_instance_info(r, &text, now);
                    if let InstRef::Replica(m, _) = r {
                        self.after_replica_info(m, now);
                    }
                }
            }
            Callback::Switchover(what) => self.on_switchover_reply(r, what, &frame, now),
            Callback::Hello => self.on_hello_frame(r, &frame, now),
        }
    }

    /// PONG, LOADING and MASTERDOWN prove the instance is alive; a BUSY script on an
    /// SDOWN instance gets one SCRIPT KILL. Any reply counts as a pong for link health.
    fn on_ping_reply(&mut self, link: LinkId, r: InstRef, frame: &Frame, now: u64) {
        let reply = match frame {
            Frame::Simple(s) => PingReply::Status(s.as_bytes()),
            Frame::Error(s) => PingReply::Error(s.as_bytes()),
            _ => PingReply::Other,
        };
        let flags = self.instance(r).map(|i| i.flags).unwrap_or_default();
        let Some(l) = self.links.get_mut(link) else {
            return;
        };
        let outcome = l.health.ping_reply(
            now,
            reply,
            flags.contains(Flags::S_DOWN),
            flags.contains(Flags::SCRIPT_KILL_SENT),
        );
        if outcome.clears_master_reboot {
            if let Some(i) = self.instance_mut(r) {
                i.reported.pong_received();
            }
        }
        if outcome.send_script_kill {
            // redis marks it sent even if the command could not be queued.
            self.send(r, ConnKind::Command, Callback::Discard, &["SCRIPT", "KILL"]);
            if let Some(i) = self.instance_mut(r) {
                i.flags.insert(Flags::SCRIPT_KILL_SENT);
            }
        }
    }

    /// `[down, leader, leader_epoch]` from another Sentinel; anything else is ignored
    /// (the down state then expires on its own).
    fn on_master_down_reply(&mut self, r: InstRef, frame: &Frame, now: u64) {
        let Frame::Array(items) = frame else {
            return;
        };
        let [Frame::Integer(down), Frame::Bulk(leader), Frame::Integer(epoch)] = items.as_slice()
        else {
            return;
        };
        let reply = IsMasterDownReply {
            down_state: *down,
            leader_runid: String::from_utf8_lossy(leader).into_owned(),
            leader_epoch: *epoch,
        };
        let Some(s) = self.instance_mut(r) else {
            return;
        };
        if let Some(vote) = s.peer.on_reply(now, &reply).filter(|v| v.log) {
            let text = format!("{} voted for {} {}", s.name, vote.leader, vote.epoch);
            self.log(crate::event::LogLevel::Warning, text);
        }
    }

    /// Every frame on a pub/sub connection shows the link is alive; `message` frames on
    /// the hello channel carry other Sentinels' hellos.
    fn on_hello_frame(&mut self, r: InstRef, frame: &Frame, now: u64) {
        if let Some(l) = self.link_of(r).and_then(|id| self.links.get_mut(id)) {
            l.health.pubsub_activity(now);
        }
        let Frame::Array(items) = frame else {
            return;
        };
        let [Frame::Bulk(kind), Frame::Bulk(_channel), Frame::Bulk(payload)] = items.as_slice()
        else {
            return;
        };
        if kind.as_ref() != b"message" {
            return;
        }
        self.hello_from_pubsub(payload, now);
    }
}
