//! `sentinel ...` directives: the order rules (redis queues them and applies the sentinel-wide
//! ones first, then every `monitor`, then the per-master ones, so file order does not matter)
//! and each sub-directive with redis' checks and error texts.

use crate::numbers::{atoi, strtoull, yes_no};
use crate::settings::{KnownSentinel, MasterConfig, SentinelSettings};

/// Sub-directives applied before any `monitor` (redis' `preMonitorCfgName`).
const PRE_MONITOR: &[&str] = &[
    "announce-ip",
    "announce-port",
    "deny-scripts-reconfig",
    "sentinel-user",
    "sentinel-pass",
    "current-epoch",
    "myid",
    "resolve-hostnames",
    "announce-hostnames",
    "fast-failover",
];

/// The phase (0 pre-monitor, 1 monitor, 2 per-master) a sub-directive is applied in.
pub fn phase(sub: &str) -> usize {
    if sub.eq_ignore_ascii_case("monitor") {
        1
    } else if PRE_MONITOR.iter().any(|p| p.eq_ignore_ascii_case(sub)) {
        0
    } else {
        2
    }
}

/// Side-effect checks the pure parser cannot make itself.
pub trait Checks {
    /// `access(path, X_OK)` for notification and reconfig scripts.
    fn executable(&self, path: &str) -> bool;
}

/// Accepts every script path: for pure parsing.
pub struct NoChecks;

impl Checks for NoChecks {
    fn executable(&self, _path: &str) -> bool {
        true
    }
}

/// A literal IP address, as `getaddrinfo(AI_NUMERICHOST)` would accept it.
fn is_ip(host: &str) -> bool {
    host.parse::<std::net::IpAddr>().is_ok()
}

/// Redis' address checks for a new instance: port range, then resolvability.
fn check_addr(s: &SentinelSettings, host: &str, port: &str) -> Result<u16, &'static str> {
    let port = atoi(port);
    let port = u16::try_from(port).map_err(|_| "Invalid port number.")?;
    if !s.resolve_hostnames && !is_ip(host) {
        return Err("Can't resolve instance hostname.");
    }
    Ok(port)
}

fn master<'a>(
    s: &'a mut SentinelSettings,
    name: &str,
) -> Result<&'a mut MasterConfig, &'static str> {
    s.masters
        .iter_mut()
        .find(|m| m.name == name)
        .ok_or("No such master with specified name.")
}

fn addr_key(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// Why a text argument (a master name, a host, a number, a path) was refused: it is kept
/// as text and a lossy reading would be rewritten as another value.
pub const NOT_UTF8: &str = "Argument is not valid UTF-8 (rsentinel keeps it as text).";

/// Applies one `sentinel` line (its arguments after `sentinel`). The error is redis' text.
/// Passwords, user names and announce-ip keep their bytes; other arguments must be UTF-8.
pub fn apply(
    s: &mut SentinelSettings,
    argv: &[Vec<u8>],
    checks: &(impl Checks + ?Sized),
) -> Result<(), &'static str> {
    let sub = String::from_utf8_lossy(&argv[0]).to_ascii_lowercase();
    let text: Vec<Option<&str>> = argv.iter().map(|v| std::str::from_utf8(v).ok()).collect();
    let a = |i: usize| text[i].ok_or(NOT_UTF8);
    let b = |i: usize| argv[i].as_slice();
    match (sub.as_str(), argv.len()) {
        ("monitor", 5) => {
            let quorum = atoi(a(4)?);
            if quorum <= 0 {
                return Err("Quorum must be 1 or greater.");
            }
            let port = check_addr(s, a(2)?, a(3)?)?;
            let name = a(1)?;
            if s.masters.iter().any(|m| m.name == name) {
                return Err("Duplicate master name.");
            }
            s.masters
                .push(MasterConfig::new(a(1)?, a(2)?, port, quorum as u32));
        }
        ("down-after-milliseconds", 3) => {
            let m = master(s, a(1)?)?;
            let v = atoi(a(2)?);
            if v <= 0 {
                return Err("negative or zero time parameter.");
            }
            m.down_after_ms = v as u64;
        }
        ("failover-timeout", 3) => {
            let m = master(s, a(1)?)?;
            let v = atoi(a(2)?);
            if v <= 0 {
                return Err("negative or zero time parameter.");
            }
            m.failover_timeout_ms = v as u64;
        }
        ("parallel-syncs", 3) => {
            // Redis accepts any integer here; negative values cannot be represented.
            master(s, a(1)?)?.parallel_syncs = atoi(a(2)?).max(0) as u32;
        }
        ("notification-script", 3) => {
            let m = master(s, a(1)?)?;
            if !checks.executable(a(2)?) {
                return Err("Notification script seems non existing or non executable.");
            }
            m.notification_script = Some(a(2)?.to_string());
        }
        ("client-reconfig-script", 3) => {
            let m = master(s, a(1)?)?;
            if !checks.executable(a(2)?) {
                return Err("Client reconfiguration script seems non existing or non executable.");
            }
            m.client_reconfig_script = Some(a(2)?.to_string());
        }
        ("auth-pass", 3) => master(s, a(1)?)?.auth_pass = Some(b(2).to_vec()),
        ("auth-user", 3) => master(s, a(1)?)?.auth_user = Some(b(2).to_vec()),
        ("current-epoch", 2) => s.current_epoch = s.current_epoch.max(strtoull(a(1)?)),
        ("myid", 2) => {
            if a(1)?.len() != 40 {
                return Err("Malformed Sentinel id in myid option.");
            }
            s.myid = Some(a(1)?.to_string());
        }
        ("config-epoch", 3) => {
            let epoch = strtoull(a(2)?);
            master(s, a(1)?)?.config_epoch = epoch;
            s.current_epoch = s.current_epoch.max(epoch);
        }
        ("leader-epoch", 3) => master(s, a(1)?)?.leader_epoch = strtoull(a(2)?),
        ("known-slave" | "known-replica", 4) => {
            master(s, a(1)?)?;
            let port = check_addr(s, a(2)?, a(3)?)?;
            let m = master(s, a(1)?)?;
            let key = addr_key(a(2)?, port);
            if m.known_replicas.iter().any(|(h, p)| addr_key(h, *p) == key) {
                return Err("Duplicate hostname and port for replica.");
            }
            m.known_replicas.push((a(2)?.to_string(), port));
        }
        ("known-sentinel", 4) => {} // The old form without a run id is ignored.
        ("known-sentinel", 5) => {
            master(s, a(1)?)?;
            let port = check_addr(s, a(2)?, a(3)?)?;
            let m = master(s, a(1)?)?;
            let runid = a(4)?;
            if m.known_sentinels.iter().any(|k| k.runid == runid) {
                return Err("Duplicate runid for sentinel.");
            }
            m.known_sentinels.push(KnownSentinel {
                host: a(2)?.to_string(),
                port,
                runid: a(4)?.to_string(),
            });
        }
        ("rename-command", 4) => {
            let m = master(s, a(1)?)?;
            let renamed = a(2)?;
            if m.rename_commands
                .iter()
                .any(|(from, _)| from.eq_ignore_ascii_case(renamed))
            {
                return Err("Same command renamed multiple times with rename-command.");
            }
            m.rename_commands
                .push((a(2)?.to_string(), a(3)?.to_string()));
        }
        ("announce-ip", 2) => {
            if !b(1).is_empty() {
                s.announce_ip = Some(b(1).to_vec());
            }
        }
        // Redis stores any int; out-of-range values cannot be represented and are clamped.
        ("announce-port", 2) => s.announce_port = atoi(a(1)?).clamp(0, 65535) as u16,
        ("deny-scripts-reconfig", 2) => {
            s.deny_scripts_reconfig = yes_no(a(1)?)
                .ok_or("Please specify yes or no for the deny-scripts-reconfig options.")?;
        }
        ("sentinel-user", 2) => {
            if !b(1).is_empty() {
                s.sentinel_user = Some(b(1).to_vec());
            }
        }
        ("sentinel-pass", 2) => {
            if !b(1).is_empty() {
                s.sentinel_pass = Some(b(1).to_vec());
            }
        }
        ("resolve-hostnames", 2) => {
            s.resolve_hostnames = yes_no(a(1)?)
                .ok_or("Please specify yes or no for the resolve-hostnames option.")?;
        }
        ("announce-hostnames", 2) => {
            s.announce_hostnames = yes_no(a(1)?)
                .ok_or("Please specify yes or no for the announce-hostnames option.")?;
        }
        ("fast-failover", 2) => {
            s.fast_failover =
                yes_no(a(1)?).ok_or("Please specify yes or no for the fast-failover option.")?;
        }
        ("master-reboot-down-after-period", 3) => {
            let m = master(s, a(1)?)?;
            let v = atoi(a(2)?);
            if v < 0 {
                return Err("negative time parameter.");
            }
            m.master_reboot_down_after_period_ms = v as u64;
        }
        _ => return Err("Unrecognized sentinel configuration statement."),
    }
    Ok(())
}
