//! Sending our hello (`sentinelSendHello`): every publish period each master, replica and
//! known Sentinel hears who we are and what we believe the master's address and config
//! epoch are. That is how Sentinels discover each other and how a new configuration
//! spreads after a failover.

use crate::net::{Callback, ConnKind};
use crate::sentinel::{InstRef, Sentinel};
use crate::timer::HELLO_CHANNEL;

impl Sentinel {
    /// The hello payload for master `m`, announcing `ip` and our port.
    pub(crate) fn hello_payload(&self, m: usize, ip: &str) -> String {
        let master = &self.masters[m];
        let addr = master.current_addr();
        format!(
            "{},{},{},{},{},{},{},{}",
            ip,
            self.announce_port_or_listen(),
            self.myid,
            self.current_epoch,
            master.inst.name,
            addr.announced(self.announce_hostnames),
            addr.port,
            master.inst.config_epoch
        )
    }

    /// `announce-port` when set, else the port we listen on.
    fn announce_port_or_listen(&self) -> u16 {
        if self.announce_port != 0 {
            self.announce_port
        } else {
            self.listen_port
        }
    }

    /// Tells the core the TCP port it listens on (announced in hellos).
    pub fn set_listen_port(&mut self, port: u16) {
        self.listen_port = port;
    }

    /// Publishes our hello to instance `r` (PUBLISH reaches the hello channel on masters
    /// and replicas; Sentinels accept it as a direct message). Needs a connected link and,
    /// without `announce-ip`, our local address on it.
    pub(crate) fn send_hello(&mut self, r: InstRef) -> bool {
        let Some(link) = self.link_of(r).and_then(|id| self.links.get(id)) else {
            return false;
        };
        if link.disconnected {
            return false;
        }
        let ip = match &self.announce_ip {
            Some(ip) => ip.clone(),
            None => match self.local_ip_of(r) {
                Some(ip) => ip,
                None => return false,
            },
        };
        let m = match r {
            InstRef::Master(m) | InstRef::Replica(m, _) | InstRef::Sentinel(m, _) => m,
        };
        let payload = self.hello_payload(m, &ip);
        self.send(
            r,
            ConnKind::Command,
            Callback::Publish,
            &["PUBLISH", HELLO_CHANNEL, &payload],
        )
    }
}
