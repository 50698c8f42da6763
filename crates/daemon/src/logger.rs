//! Log lines in redis' format, `pid:X 23 Nov 2026 10:00:00.123 # message`, because operators
//! grep them and log shippers parse them. The role character is always `X` (sentinel).

use rsentinel_config::LogLevel;
use std::cell::Cell;
use std::fs::OpenOptions;
use std::io::Write;
use std::rc::Rc;
use std::time::{SystemTime, UNIX_EPOCH};

/// Where and how much to log. Cheap to clone; opening the file per line (as redis does)
/// keeps log rotation by `mv` working without a signal.
#[derive(Clone, Debug)]
pub struct Logger {
    /// Empty: standard output.
    file: String,
    /// Shared by every clone, so `SENTINEL CONFIG SET loglevel` reaches them all.
    level: Rc<Cell<LogLevel>>,
    pid: u32,
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

impl Logger {
    pub fn new(file: &str, level: LogLevel) -> Logger {
        Logger {
            file: file.to_string(),
            level: Rc::new(Cell::new(level)),
            pid: std::process::id(),
        }
    }

    /// Re-reads the pid (after daemonizing forks).
    pub fn refresh_pid(&mut self) {
        self.pid = std::process::id();
    }

    pub fn enabled(&self, level: LogLevel) -> bool {
        level >= self.level.get() && level != LogLevel::Nothing
    }

    /// Changes the verbosity of this logger and of all its clones.
    pub fn set_level(&self, level: LogLevel) {
        self.level.set(level);
    }

    pub fn warning(&self, msg: &str) {
        self.log(LogLevel::Warning, msg)
    }

    pub fn notice(&self, msg: &str) {
        self.log(LogLevel::Notice, msg)
    }

    pub fn verbose(&self, msg: &str) {
        self.log(LogLevel::Verbose, msg)
    }

    pub fn debug(&self, msg: &str) {
        self.log(LogLevel::Debug, msg)
    }

    /// Writes one line if `level` passes the configured threshold.
    pub fn log(&self, level: LogLevel, msg: &str) {
        if !self.enabled(level) {
            return;
        }
        self.write_line(&self.format_line(level, msg, SystemTime::now()));
    }

    /// A line in the shape redis' signal handler writes, `pid:signal-handler (unix-secs) msg`,
    /// so the shutdown lines read the same as redis-sentinel's.
    pub fn from_signal_handler(&self, level: LogLevel, msg: &str) {
        if !self.enabled(level) {
            return;
        }
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        self.write_line(&format!("{}:signal-handler ({secs}) {msg}\n", self.pid));
    }

    fn write_line(&self, line: &str) {
        if self.file.is_empty() {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(line.as_bytes());
            let _ = out.flush();
        } else if let Ok(mut f) = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.file)
        {
            let _ = f.write_all(line.as_bytes());
        }
    }

    /// The full line, newline included.
    pub fn format_line(&self, level: LogLevel, msg: &str, at: SystemTime) -> String {
        let mark = match level {
            LogLevel::Debug => '.',
            LogLevel::Verbose => '-',
            LogLevel::Notice => '*',
            LogLevel::Warning | LogLevel::Nothing => '#',
        };
        format!("{}:X {} {} {}\n", self.pid, timestamp(at), mark, msg)
    }
}

/// The local time zone's offset from UTC at `at`, in seconds (east positive).
pub fn utc_offset(at: SystemTime) -> i64 {
    let secs = at.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs() as libc::time_t;
    // SAFETY: localtime_r only writes into the tm we own; a zeroed tm is a valid value.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    if unsafe { libc::localtime_r(&secs, &mut tm).is_null() } {
        return 0;
    }
    tm.tm_gmtoff
}

/// `23 Nov 2026 10:00:00.123` in local time, like redis' `%d %b %Y %H:%M:%S.<ms>`.
pub fn timestamp(at: SystemTime) -> String {
    let since = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs() as libc::time_t;
    let ms = since.subsec_millis();
    // SAFETY: localtime_r only writes into the tm we own; a zeroed tm is a valid value.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let ok = unsafe { !libc::localtime_r(&secs, &mut tm).is_null() };
    if !ok {
        return format!("{secs}.{ms:03}");
    }
    let month = MONTHS
        .get(tm.tm_mon.clamp(0, 11) as usize)
        .copied()
        .unwrap_or("Jan");
    format!(
        "{:02} {} {} {:02}:{:02}:{:02}.{:03}",
        tm.tm_mday,
        month,
        tm.tm_year + 1900,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec,
        ms
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn line_has_redis_shape() {
        std::env::set_var("TZ", "UTC");
        let l = Logger::new("", LogLevel::Notice);
        let at = UNIX_EPOCH + Duration::from_millis(1_795_430_400_123);
        let line = l.format_line(
            LogLevel::Warning,
            "+monitor master m 127.0.0.1 6379 quorum 2",
            at,
        );
        let expected_tail = " # +monitor master m 127.0.0.1 6379 quorum 2\n";
        assert!(line.ends_with(expected_tail), "{line}");
        assert!(line.starts_with(&format!("{}:X ", std::process::id())));
        assert!(line.contains("Nov 2026"), "{line}");
        assert!(line.contains(".123 "), "{line}");
    }

    #[test]
    fn levels_filter() {
        let l = Logger::new("", LogLevel::Warning);
        assert!(l.enabled(LogLevel::Warning));
        assert!(!l.enabled(LogLevel::Notice));
        let n = Logger::new("", LogLevel::Nothing);
        assert!(!n.enabled(LogLevel::Warning));
    }
}
