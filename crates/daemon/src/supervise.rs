//! `supervised systemd`: Debian's redis-sentinel unit is `Type=notify`, so systemd waits
//! for `READY=1` on `$NOTIFY_SOCKET` and kills a sentinel that never sends it. Sending the
//! same messages as redis makes rsentinel work under the unchanged unit file.

use crate::logger::Logger;
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixDatagram};

/// Whether we talk to systemd: `systemd`, or `auto` with `NOTIFY_SOCKET` set, as redis
/// decides.
pub fn systemd_wanted(supervised: &str) -> bool {
    match supervised.to_ascii_lowercase().as_str() {
        "systemd" => true,
        "auto" => std::env::var_os("NOTIFY_SOCKET").is_some(),
        _ => false,
    }
}

/// Sends one notification; a missing socket is logged, never fatal.
pub fn notify(log: &Logger, message: &str) {
    let Some(path) = std::env::var_os("NOTIFY_SOCKET") else {
        log.warning("systemd supervision requested or auto-detected, but NOTIFY_SOCKET environment variable is not set");
        return;
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
    if let Err(e) = sent {
        log.warning(&format!("Can't send notification to systemd: {e}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_reaches_the_notify_socket() {
        let dir = tempfile_dir();
        let path = dir.join("notify.sock");
        let server = UnixDatagram::bind(&path).unwrap();
        std::env::set_var("NOTIFY_SOCKET", &path);
        assert!(systemd_wanted("auto"));
        assert!(systemd_wanted("systemd"));
        assert!(!systemd_wanted("no"));
        notify(
            &Logger::new("", rsentinel_config::LogLevel::Nothing),
            "READY=1\n",
        );
        let mut buf = [0u8; 64];
        let n = server.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"READY=1\n");
        std::env::remove_var("NOTIFY_SOCKET");
        let _ = std::fs::remove_dir_all(dir);
    }

    fn tempfile_dir() -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("rsentinel-notify-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&d);
        d
    }
}
