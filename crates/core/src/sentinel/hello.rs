//! Sending our hello (`sentinelSendHello`): every publish period each master, replica and
//! known Sentinel hears who we are and what we believe the master's address and config
//! epoch are. That is how Sentinels discover each other and how a new configuration
//! spreads after a failover. The payload format and announce rules are the gossip crate's.

use crate::conn::{Callback, ConnKind};
use crate::master::InstRef;
use crate::sentinel::Sentinel;
use rsentinel_gossip::hello::HelloRef;
use rsentinel_gossip::HELLO_CHANNEL;
use std::borrow::Cow;

impl Sentinel {
    /// Tells the core the TCP port it listens on (announced in hellos).
    pub fn set_listen_port(&mut self, port: u16) {
        self.announce.listen_port = port;
    }

    /// Publishes our hello to instance `r` (PUBLISH reaches the hello channel on masters
    /// and replicas; Sentinels take it as a direct message). Needs a connected link and,
    /// without `announce-ip`, our local address on it.
    pub(crate) fn send_hello(&mut self, r: InstRef) -> bool {
        let Some(link) = self.link_of(r).and_then(|id| self.links.get(id)) else {
            return false;
        };
        if link.health.disconnected {
            return false;
        }
        let local = self.local_ip_of(r);
        let Some(ip) = self.announce.hello_ip(local) else {
            return false;
        };
        let m = r.master();
        if matches!(r, InstRef::Master(_)) && self.masters[m].switchover.is_some() {
            // Writes are paused there: a PUBLISH would wait, and hold up the
            // switchover's own commands queued behind it on this connection.
            return false;
        }
        let master = &self.masters[m];
        let addr = master.current_addr();
        let hello = HelloRef {
            ip: Cow::Borrowed(""),
            port: i32::from(self.announce.hello_port()),
            runid: Cow::Borrowed(&self.myid),
            current_epoch: self.current_epoch,
            master_name: Cow::Borrowed(&master.inst.name),
            master_ip: Cow::Borrowed(addr.announced(self.options.announce_hostnames)),
            master_port: i32::from(addr.port),
            master_config_epoch: master.inst.config_epoch,
        };
        let payload = hello.encode_with_ip(&ip);
        self.send_bytes(
            r,
            ConnKind::Command,
            Callback::Publish,
            &[b"PUBLISH", HELLO_CHANNEL.as_bytes(), &payload],
        )
    }
}

#[cfg(test)]
#[path = "hello_tests.rs"]
mod tests;
