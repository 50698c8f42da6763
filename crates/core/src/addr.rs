//! Instance addresses: the hostname as given and its resolved IP, as redis'
//! `sentinelAddr`, the announce rules (hostname or IP), and the host lookup the core is
//! given.

use std::net::IpAddr;

/// A host lookup: host name to IP, `None` when it does not resolve.
pub type ResolveFn = Box<dyn Fn(&str) -> Option<String>>;

/// Looks hosts up for the core: injected so the core stays free of DNS and a simulation
/// can answer with its own table.
pub struct Resolver(pub ResolveFn);

impl std::fmt::Debug for Resolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Resolver")
    }
}

impl Default for Resolver {
    /// Accepts IP literals only, as redis does with `resolve-hostnames no`.
    fn default() -> Resolver {
        Resolver(Box::new(|h: &str| {
            h.parse::<std::net::IpAddr>().ok().map(|ip| ip.to_string())
        }))
    }
}

/// An address as configured (`hostname`) plus the resolved `ip` (empty when a hostname
/// could not be resolved but was accepted, as redis does with `resolve-hostnames yes`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Addr {
    pub hostname: String,
    pub ip: String,
    pub port: u16,
}

/// Why an address was refused (redis' errno values of `createSentinelAddr`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddrError {
    /// ENOENT: the host cannot be resolved (or is not an IP and resolving is off).
    Unresolvable,
    /// EINVAL: the port is out of 0..=65535.
    InvalidPort,
}

/// Resolve `host` the way redis' `anetResolve` does: with `resolve_hostnames` off only IP
/// literals are accepted (normalized); otherwise the daemon's resolver is asked.
pub fn resolve_host(
    host: &str,
    resolve_hostnames: bool,
    resolve: &dyn Fn(&str) -> Option<String>,
) -> Option<String> {
    if resolve_hostnames {
        resolve(host)
    } else {
        host.parse::<IpAddr>().ok().map(|ip| ip.to_string())
    }
}

impl Addr {
    /// Build an address like `createSentinelAddr`. With `accept_unresolved` and
    /// `resolve_hostnames` a failed lookup leaves `ip` empty instead of failing; the
    /// second value tells the caller to log "Failed to resolve hostname".
    pub fn create(
        hostname: &str,
        port: i64,
        accept_unresolved: bool,
        resolve_hostnames: bool,
        resolve: &dyn Fn(&str) -> Option<String>,
    ) -> (Result<Addr, AddrError>, bool) {
        let Ok(port) = u16::try_from(port) else {
            return (Err(AddrError::InvalidPort), false);
        };
        match resolve_host(hostname, resolve_hostnames, resolve) {
            Some(ip) => (
                Ok(Addr {
                    hostname: hostname.to_string(),
                    ip,
                    port,
                }),
                false,
            ),
            None if resolve_hostnames && accept_unresolved => (
                Ok(Addr {
                    hostname: hostname.to_string(),
                    ip: String::new(),
                    port,
                }),
                true,
            ),
            None => (Err(AddrError::Unresolvable), true),
        }
    }

    /// The host this sentinel shows for the address (`announceSentinelAddr`).
    pub fn announced(&self, announce_hostnames: bool) -> &str {
        if announce_hostnames {
            &self.hostname
        } else {
            &self.ip
        }
    }

    /// `host:port`, IPv6 bracketed (`announceSentinelAddrAndPort`); the replica key.
    pub fn announced_with_port(&self, announce_hostnames: bool) -> String {
        let host = self.announced(announce_hostnames);
        if host.contains(':') {
            format!("[{}]:{}", host, self.port)
        } else {
            format!("{}:{}", host, self.port)
        }
    }

    /// Same port and same IP, or same hostname ignoring case (`sentinelAddrOrHostnameEqual`).
    pub fn same_as(&self, other: &Addr) -> bool {
        self.port == other.port
            && (self.ip == other.ip || self.hostname.eq_ignore_ascii_case(&other.hostname))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_dns(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn literals_only_without_resolve_hostnames() {
        let (a, _) = Addr::create("127.0.0.1", 6379, false, false, &no_dns);
        assert_eq!(a.map(|a| a.ip), Ok("127.0.0.1".to_string()));
        let (a, warn) = Addr::create("localhost", 6379, true, false, &no_dns);
        assert_eq!(a, Err(AddrError::Unresolvable));
        assert!(warn);
        let (a, _) = Addr::create("::1", 65536, false, false, &no_dns);
        assert_eq!(a, Err(AddrError::InvalidPort));
        let (a, _) = Addr::create("::1", -1, false, false, &no_dns);
        assert_eq!(a, Err(AddrError::InvalidPort));
    }

    #[test]
    fn unresolved_hostnames_accepted_when_asked() {
        let (a, warn) = Addr::create("db.example", 1, true, true, &no_dns);
        assert_eq!(a.map(|a| a.ip), Ok(String::new()));
        assert!(warn);
        let dns = |h: &str| (h == "db").then(|| "10.0.0.1".to_string());
        let (a, warn) = Addr::create("db", 1, false, true, &dns);
        assert!(!warn);
        let a = a.unwrap_or_else(|_| unreachable!());
        assert_eq!(a.announced(false), "10.0.0.1");
        assert_eq!(a.announced(true), "db");
    }

    #[test]
    fn ipv6_is_bracketed() {
        let a = Addr {
            hostname: "::1".into(),
            ip: "::1".into(),
            port: 7,
        };
        assert_eq!(a.announced_with_port(false), "[::1]:7");
    }
}
