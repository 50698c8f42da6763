//! `syslog-enabled yes`: each message (without redis' pid/time prefix) goes to the local
//! syslog socket as glibc's `syslog(3)` formats it after redis' `openlog(ident, LOG_PID |
//! LOG_NDELAY | LOG_NOWAIT, facility)`: `<PRI>Mmm dd hh:mm:ss ident[pid]: message`.
//! The datagram is written here rather than through libc so that its path can be
//! pointed elsewhere (`RSENTINEL_SYSLOG_SOCKET`, e.g. a socket shared into a container).

use rsentinel_config::LogLevel;
use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::SystemTime;

/// The socket syslog daemons (rsyslog, journald) listen on.
pub const DEFAULT_SOCKET: &str = "/dev/log";

/// Environment variable naming another syslog socket.
pub const SOCKET_ENV: &str = "RSENTINEL_SYSLOG_SOCKET";

#[derive(Debug)]
pub struct Syslog {
    ident: String,
    facility: u8,
    path: PathBuf,
    sock: Mutex<Option<UnixDatagram>>,
}

/// Facility codes of `syslog-facility` names (`<syslog.h>`'s LOG_USER, LOG_LOCAL0..7).
fn facility_code(name: &str) -> u8 {
    match name.to_ascii_lowercase().as_str() {
        "user" => 1,
        "local1" => 17,
        "local2" => 18,
        "local3" => 19,
        "local4" => 20,
        "local5" => 21,
        "local6" => 22,
        "local7" => 23,
        _ => 16,
    }
}

/// redis' map from its levels to syslog priorities.
fn severity(level: LogLevel) -> u8 {
    match level {
        LogLevel::Debug => 7,
        LogLevel::Verbose => 6,
        LogLevel::Notice => 5,
        LogLevel::Warning | LogLevel::Nothing => 4,
    }
}

impl Syslog {
    /// Connects at once (redis passes LOG_NDELAY); a missing socket is retried per message.
    pub fn open(ident: &str, facility: &str) -> Syslog {
        let path = std::env::var_os(SOCKET_ENV)
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_SOCKET));
        Syslog::at(path, ident, facility)
    }

    /// The same, to the socket at `path`.
    pub fn at(path: PathBuf, ident: &str, facility: &str) -> Syslog {
        let s = Syslog {
            ident: ident.to_string(),
            facility: facility_code(facility),
            sock: Mutex::new(None),
            path,
        };
        if let Ok(mut g) = s.sock.lock() {
            *g = s.connect();
        }
        s
    }

    fn connect(&self) -> Option<UnixDatagram> {
        let sock = UnixDatagram::unbound().ok()?;
        sock.set_nonblocking(true).ok()?;
        sock.connect(&self.path).ok()?;
        Some(sock)
    }

    /// The datagram for one message.
    pub fn datagram(&self, level: LogLevel, msg: &[u8], pid: u32, at: SystemTime) -> Vec<u8> {
        let pri = u16::from(self.facility) * 8 + u16::from(severity(level));
        let when = chrono::DateTime::<chrono::Local>::from(at).format("%b %e %H:%M:%S");
        let mut out = format!("<{pri}>{when} {}[{pid}]: ", self.ident).into_bytes();
        out.extend_from_slice(msg);
        out
    }

    /// Sends without blocking: a full or absent syslog loses the message, never stalls
    /// the event loop (glibc's LOG_NOWAIT spirit). One reconnect per message.
    pub fn send(&self, level: LogLevel, msg: &[u8], pid: u32, at: SystemTime) {
        let dgram = self.datagram(level, msg, pid, at);
        let Ok(mut guard) = self.sock.lock() else {
            return;
        };
        if let Some(s) = guard.as_ref() {
            if s.send(&dgram).is_ok() {
                return;
            }
        }
        *guard = self.connect();
        if let Some(s) = guard.as_ref() {
            let _ = s.send(&dgram);
        }
    }
}
