//! One log line: what an event carries, the redis and JSON formats, redis' length bound,
//! and where the line goes (standard output or the log file, then syslog).

use super::syslog::Syslog;
use rsentinel_config::{LogFormat, LogLevel};
use serde::Serialize;
use std::fs::OpenOptions;
use std::io::Write;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// redis' `LOG_MAX_LEN`: a message is formatted into a buffer of this size, so it keeps
/// at most `LOG_MAX_LEN - 1` bytes and the rest is cut off.
pub const LOG_MAX_LEN: usize = 1024;

/// What one `tracing` event carried.
#[derive(Debug, Default)]
pub struct Record {
    pub level: LogLevel,
    pub message: String,
    pub event_type: Option<String>,
    pub master: Option<String>,
    pub address: Option<String>,
    pub epoch: Option<u64>,
    pub signal_handler: bool,
}

/// The destination and its rules.
#[derive(Debug)]
pub struct Sink {
    /// Empty: standard output.
    file: String,
    /// Behind a lock so that `SENTINEL CONFIG SET loglevel` reaches every clone.
    level: std::sync::Mutex<LogLevel>,
    format: LogFormat,
    pid: AtomicU32,
    syslog: Option<Syslog>,
}

impl Sink {
    pub fn new(file: &str, level: LogLevel, format: LogFormat, syslog: Option<Syslog>) -> Sink {
        Sink {
            file: file.to_string(),
            level: std::sync::Mutex::new(level),
            format,
            pid: AtomicU32::new(std::process::id()),
            syslog,
        }
    }

    pub fn pid(&self) -> u32 {
        self.pid.load(Ordering::Relaxed)
    }

    pub fn refresh_pid(&self) {
        self.pid.store(std::process::id(), Ordering::Relaxed);
    }

    fn level(&self) -> LogLevel {
        self.level.lock().map(|l| *l).unwrap_or_default()
    }

    pub fn set_level(&self, level: LogLevel) {
        if let Ok(mut l) = self.level.lock() {
            *l = level;
        }
    }

    pub fn enabled(&self, level: LogLevel) -> bool {
        level >= self.level() && level != LogLevel::Nothing
    }

    /// Writes the line; errors are dropped, as redis drops them (a log that cannot be
    /// written must not stop the Sentinel).
    pub fn write(&self, rec: &Record, at: SystemTime) {
        let pid = self.pid();
        let bytes = match self.format {
            LogFormat::Redis => redis_line(pid, rec, at),
            LogFormat::Json => json_line(pid, rec, at),
        };
        if self.file.is_empty() {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(&bytes);
            let _ = out.flush();
        } else if let Ok(mut f) = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.file)
        {
            let _ = f.write_all(&bytes);
        }
        // redis' signal-handler writer does not reach syslog.
        if let (Some(s), false) = (&self.syslog, rec.signal_handler) {
            s.send(rec.level, bounded(&rec.message), pid, at);
        }
    }
}

/// The message bytes redis would keep (`vsnprintf` into `LOG_MAX_LEN` bytes).
pub fn bounded(msg: &str) -> &[u8] {
    let b = msg.as_bytes();
    &b[..b.len().min(LOG_MAX_LEN - 1)]
}

/// The same bound at a character boundary, for formats that must stay valid UTF-8.
fn bounded_str(msg: &str) -> &str {
    let mut end = msg.len().min(LOG_MAX_LEN - 1);
    while !msg.is_char_boundary(end) {
        end -= 1;
    }
    &msg[..end]
}

/// `pid:X 23 Nov 2026 10:00:00.123 # message\n`, or redis' signal-handler shape
/// `pid:signal-handler (unix-secs) message\n`.
pub fn redis_line(pid: u32, rec: &Record, at: SystemTime) -> Vec<u8> {
    let mut out = if rec.signal_handler {
        let secs = at
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        format!("{pid}:signal-handler ({secs}) ").into_bytes()
    } else {
        let mark = match rec.level {
            LogLevel::Debug => '.',
            LogLevel::Verbose => '-',
            LogLevel::Notice => '*',
            LogLevel::Warning | LogLevel::Nothing => '#',
        };
        format!("{pid}:X {} {mark} ", timestamp(at)).into_bytes()
    };
    out.extend_from_slice(bounded(&rec.message));
    out.push(b'\n');
    out
}

#[derive(Serialize)]
struct JsonLine<'a> {
    time: String,
    level: &'static str,
    pid: u32,
    role: &'static str,
    message: &'a str,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    event_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    master: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    address: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    epoch: Option<u64>,
}

/// One JSON object and a newline; the time is RFC 3339 in local time with milliseconds.
pub fn json_line(pid: u32, rec: &Record, at: SystemTime) -> Vec<u8> {
    let line = JsonLine {
        time: chrono::DateTime::<chrono::Local>::from(at)
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, false),
        level: match rec.level {
            LogLevel::Debug => "debug",
            LogLevel::Verbose => "verbose",
            LogLevel::Notice => "notice",
            LogLevel::Warning | LogLevel::Nothing => "warning",
        },
        pid,
        role: "sentinel",
        message: bounded_str(&rec.message),
        event_type: rec.event_type.as_deref(),
        master: rec.master.as_deref(),
        address: rec.address.as_deref(),
        epoch: rec.epoch,
    };
    let mut out = serde_json::to_vec(&line).unwrap_or_default();
    out.push(b'\n');
    out
}

/// `23 Nov 2026 10:00:00.123` in local time, like redis' `%d %b %Y %H:%M:%S.<ms>`.
pub fn timestamp(at: SystemTime) -> String {
    chrono::DateTime::<chrono::Local>::from(at)
        .format("%d %b %Y %H:%M:%S%.3f")
        .to_string()
}

/// The master and the instance address an event text names, as redis builds it:
/// `master <name> <ip> <port> ...`, or `<slave|sentinel> <name> <ip> <port> @ <master>
/// <ip> <port> ...`. Other texts (`+new-epoch 5`) name neither.
pub fn event_subject(text: &str) -> (Option<&str>, Option<String>) {
    let w: Vec<&str> = text.split(' ').collect();
    if w.len() < 4 || !matches!(w[0], "master" | "slave" | "sentinel") {
        return (None, None);
    }
    let address = Some(join_addr(w[2], w[3]));
    if w[0] == "master" {
        return (Some(w[1]), address);
    }
    let master = (w.len() >= 6 && w[4] == "@").then(|| w[5]);
    (master, address)
}

fn join_addr(host: &str, port: &str) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}
