//! `supervised systemd`: Debian's redis-sentinel unit is `Type=notify`, so systemd waits
//! for `READY=1` on `$NOTIFY_SOCKET` and kills a sentinel that never sends it. Sending the
//! same messages as redis makes rsentinel work under the unchanged unit file. Beyond
//! redis, `WatchdogSec=` in the unit is honoured: `WATCHDOG=1` is sent from the event
//! loop itself, so a stalled loop stops the pings and systemd restarts the process.

use crate::logger::Logger;
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::time::Duration;

/// Whether systemd supervision is asked for: `systemd`, or `auto` with `NOTIFY_SOCKET`
/// set, as redis decides.
pub fn systemd_wanted(supervised: &str) -> bool {
    match supervised.to_ascii_lowercase().as_str() {
        "systemd" => true,
        "auto" => std::env::var_os("NOTIFY_SOCKET").is_some(),
        _ => false,
    }
}

/// redis' `redisIsSupervised` for systemd: the first notification decides; success
/// means INFO says `process_supervised:systemd` and `daemonize` is ignored.
pub fn start(log: &Logger, supervised: &str) -> bool {
    if !systemd_wanted(supervised) {
        return false;
    }
    if supervised.eq_ignore_ascii_case("auto") {
        log.verbose("Systemd supervision detected.");
    }
    if !notify(log, "STATUS=Redis is loading...\n") {
        return false;
    }
    log.notice("Supervised by systemd. Please make sure you set appropriate values for TimeoutStartSec and TimeoutStopSec in your service unit.");
    true
}

/// Sends one notification; a missing or failing socket is logged with redis' texts and
/// reported as false, never fatal.
pub fn notify(log: &Logger, message: &str) -> bool {
    let Some(path) = std::env::var_os("NOTIFY_SOCKET") else {
        log.warning("systemd supervision error: NOTIFY_SOCKET not found!");
        return false;
    };
    let path = path.to_string_lossy().into_owned();
    let addr = match path.strip_prefix('@') {
        Some(name) => SocketAddr::from_abstract_name(name.as_bytes()),
        None => SocketAddr::from_pathname(&path),
    };
    let sent = addr.and_then(|a| {
        let sock = UnixDatagram::unbound()?;
        sock.send_to_addr(message.as_bytes(), &a)
    });
    match sent {
        Ok(_) => true,
        Err(e) => {
            log.warning(&format!(
                "systemd supervision error: sd_notify: -{}",
                e.raw_os_error().unwrap_or(0)
            ));
            false
        }
    }
}

/// How often to send `WATCHDOG=1`: half of `WATCHDOG_USEC`, as sd_watchdog_enabled(3)
/// advises, when the variable is set for this process (`WATCHDOG_PID` absent or ours).
pub fn watchdog_interval() -> Option<Duration> {
    let usec: u64 = std::env::var("WATCHDOG_USEC").ok()?.trim().parse().ok()?;
    if usec == 0 {
        return None;
    }
    if let Ok(pid) = std::env::var("WATCHDOG_PID") {
        if pid.trim().parse::<u32>().ok()? != std::process::id() {
            return None;
        }
    }
    Some(Duration::from_micros(usec / 2).max(Duration::from_millis(1)))
}

/// Pings the watchdog forever, from the event loop.
pub async fn watchdog(log: Logger, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        notify(&log, "WATCHDOG=1\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notifications_reach_the_notify_socket() {
        let dir = tempfile_dir();
        let path = dir.join("notify.sock");
        let server = UnixDatagram::bind(&path).unwrap();
        std::env::set_var("NOTIFY_SOCKET", &path);
        assert!(systemd_wanted("auto"));
        assert!(systemd_wanted("systemd"));
        assert!(!systemd_wanted("no"));
        let log = Logger::new("", rsentinel_config::LogLevel::Nothing);
        assert!(start(&log, "systemd"));
        assert!(notify(&log, "READY=1\n"));
        let mut buf = [0u8; 64];
        let n = server.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"STATUS=Redis is loading...\n");
        let n = server.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"READY=1\n");
        std::env::set_var("NOTIFY_SOCKET", dir.join("absent.sock"));
        assert!(!start(&log, "systemd"), "no listener: not supervised");
        std::env::remove_var("NOTIFY_SOCKET");
        assert!(!start(&log, "systemd"));
        let _ = std::fs::remove_dir_all(dir);
    }

    fn tempfile_dir() -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("rsentinel-notify-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&d);
        d
    }
}
