//! What replies from instances do (redis' reply callbacks): PING answers feed failure
//! detection, PUBLISH answers pace hellos, `is-master-down-by-addr` answers feed ODOWN
//! and votes, INFO answers refresh what we know of the topology, and hello messages
//! teach us about other Sentinels.

use crate::instance::Flags;
use crate::net::{Callback, ConnId, ConnKind};
use crate::sentinel::{InstRef, Sentinel};
use rsentinel_resp::Frame;

/// The text of a status or error reply, which is what redis' PING callback looks at.
fn status_text(frame: &Frame) -> Option<&str> {
    match frame {
        Frame::Simple(s) | Frame::Error(s) => Some(s.as_str()),
        _ => None,
    }
}

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
        let Some((_, pending)) = self.take_pending(conn) else {
            return;
        };
        let Some(r) = self.find_inst(&pending.inst) else {
            return;
        };
        match pending.callback {
            Callback::Discard => {}
            Callback::Ping => self.on_ping_reply(r, &frame, now),
            Callback::Publish => {
                if !frame.is_error() {
                    if let Some(i) = self.instance_mut(r) {
                        i.last_pub_time = now;
                    }
                }
            }
            Callback::MasterDown => self.on_master_down_reply(r, &frame, now),
            Callback::Info => {
                if let Frame::Bulk(text) = &frame {
                    let text = String::from_utf8_lossy(text).into_owned();
                    self.refresh_instance_info(r, &text, now);
                }
            }
            Callback::Hello => self.on_hello_frame(r, &frame, now),
        }
    }

    /// PONG, LOADING and MASTERDOWN prove the instance is alive; a BUSY script on an
    /// SDOWN instance gets one SCRIPT KILL. Any reply counts as a pong for link health.
    fn on_ping_reply(&mut self, r: InstRef, frame: &Frame, now: u64) {
        let Some(link_id) = self.link_of(r) else {
            return;
        };
        if let Some(text) = status_text(frame) {
            let alive = text.starts_with("PONG")
                || text.starts_with("LOADING")
                || text.starts_with("MASTERDOWN");
            if alive {
                if let Some(l) = self.links.get_mut(link_id) {
                    l.last_avail_time = now;
                    l.act_ping_time = 0;
                }
                if text.starts_with("PONG") {
                    if let Some(i) = self.instance_mut(r) {
                        i.flags.remove(Flags::MASTER_REBOOT);
                    }
                }
            } else if text.starts_with("BUSY") {
                let flags = self.instance(r).map(|i| i.flags).unwrap_or_default();
                if flags.contains(Flags::S_DOWN) && !flags.contains(Flags::SCRIPT_KILL_SENT) {
                    self.send(r, ConnKind::Command, Callback::Discard, &["SCRIPT", "KILL"]);
                    if let Some(i) = self.instance_mut(r) {
                        i.flags.insert(Flags::SCRIPT_KILL_SENT);
                    }
                }
            }
        }
        if let Some(l) = self.links.get_mut(link_id) {
            l.last_pong_time = now;
        }
    }

    /// `[down, leader, leader_epoch]` from another Sentinel; anything else is ignored
    /// (the MASTER_DOWN flag then expires on its own).
    fn on_master_down_reply(&mut self, r: InstRef, frame: &Frame, now: u64) {
        let Frame::Array(items) = frame else {
            return;
        };
        let [Frame::Integer(down), Frame::Bulk(leader), Frame::Integer(epoch)] = items.as_slice()
        else {
            return;
        };
        let leader = String::from_utf8_lossy(leader).into_owned();
        let name = self.instance(r).map(|i| i.name.clone()).unwrap_or_default();
        let Some(s) = self.instance_mut(r) else {
            return;
        };
        s.last_master_down_reply_time = now;
        if *down == 1 {
            s.flags.insert(Flags::MASTER_DOWN);
        } else {
            s.flags.remove(Flags::MASTER_DOWN);
        }
        if leader != "*" {
            let changed = s.leader_epoch as i64 != *epoch;
            s.leader = Some(leader.clone());
            s.leader_epoch = *epoch as u64;
            if changed {
                self.log(
                    crate::event::LogLevel::Warning,
                    format!("{name} voted for {leader} {}", *epoch as u64),
                );
            }
        }
    }

    /// Every frame on a pub/sub connection shows the link is alive; `message` frames on
    /// the hello channel carry other Sentinels' hellos.
    fn on_hello_frame(&mut self, r: InstRef, frame: &Frame, now: u64) {
        if let Some(l) = self.link_of(r).and_then(|id| self.links.get_mut(id)) {
            l.pc_last_activity = now;
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
