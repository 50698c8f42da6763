//! How this Sentinel presents itself to the others: the address its hellos announce,
//! and the credentials it gives when it connects to another Sentinel.

use rsentinel_gossip::hello::hello_port;

/// The address announced in hellos.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Announce {
    /// `announce-ip`, bytes as configured: announced as given, even when not UTF-8.
    pub(crate) ip: Option<Vec<u8>>,
    /// `announce-port`; 0 announces the port we listen on.
    pub(crate) port: u16,
    /// Our TCP port, announced when no announce-port is set.
    pub(crate) listen_port: u16,
}

impl Default for Announce {
    fn default() -> Announce {
        Announce {
            ip: None,
            port: 0,
            listen_port: 26379,
        }
    }
}

impl Announce {
    /// The IP a hello announces: announce-ip as configured (redis' `%s`), else our local
    /// address on the connection it goes out on; `None` when neither is known yet.
    pub(crate) fn hello_ip(&self, local: Option<String>) -> Option<Vec<u8>> {
        match (&self.ip, local) {
            (Some(a), _) => Some(a.clone()),
            (None, Some(l)) => Some(l.into_bytes()),
            (None, None) => None,
        }
    }

    /// The port a hello announces.
    pub(crate) fn hello_port(&self) -> u16 {
        hello_port(self.port, None, self.listen_port)
    }
}

/// Credentials toward other Sentinels.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct PeerAuth {
    /// `sentinel-user`.
    pub(crate) user: Option<Vec<u8>>,
    /// `sentinel-pass`.
    pub(crate) pass: Option<Vec<u8>>,
    /// The server's requirepass, used when no `sentinel-pass` is set (Sentinels of one
    /// deployment usually share it).
    pub(crate) requirepass: Option<Vec<u8>>,
}

impl PeerAuth {
    /// The user and password for AUTH toward another Sentinel: `sentinel-user` and
    /// `sentinel-pass`, or `requirepass` alone without a `sentinel-pass`.
    pub(crate) fn toward_sentinels(&self) -> (Option<Vec<u8>>, Option<Vec<u8>>) {
        match &self.pass {
            Some(p) => (self.user.clone(), Some(p.clone())),
            None => (None, self.requirepass.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_address_and_peer_credentials() {
        let mut a = Announce::default();
        assert_eq!(a.hello_ip(None), None);
        assert_eq!(
            a.hello_ip(Some("10.0.0.1".into())),
            Some(b"10.0.0.1".to_vec())
        );
        assert_eq!(a.hello_port(), 26379);
        a.ip = Some(b"\xffname".to_vec());
        a.port = 7000;
        assert_eq!(
            a.hello_ip(Some("10.0.0.1".into())),
            Some(b"\xffname".to_vec())
        );
        assert_eq!(a.hello_port(), 7000);

        let mut p = PeerAuth {
            requirepass: Some(b"rp".to_vec()),
            user: Some(b"u".to_vec()),
            ..PeerAuth::default()
        };
        assert_eq!(p.toward_sentinels(), (None, Some(b"rp".to_vec())));
        p.pass = Some(b"sp".to_vec());
        assert_eq!(
            p.toward_sentinels(),
            (Some(b"u".to_vec()), Some(b"sp".to_vec()))
        );
    }
}
