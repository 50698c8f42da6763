//! Logging on `tracing`: every line is a `tracing` event (level, message and, for Sentinel
//! events, the event type, master, address and epoch as fields) delivered to one
//! subscriber per [`Logger`], which writes it in redis' line format (the default, what
//! operators grep and log shippers parse), or as one JSON object per line with
//! `log-format json`, and to syslog when `syslog-enabled` says so.
//!
//! The subscriber is carried by the `Logger` rather than installed globally because a
//! process has two in turn: standard output before the config is read, then the
//! configured one.

mod line;
mod syslog;

use line::{Record, Sink};
use rsentinel_config::{LogFormat, LogLevel, ServerSettings};
use std::sync::Arc;
use std::time::SystemTime;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record as SpanRecord};
use tracing::{Dispatch, Event, Metadata, Subscriber};

pub use line::{event_subject, timestamp, LOG_MAX_LEN};

/// `tracing` has five levels, redis four: debug, verbose, notice and warning map to
/// TRACE, DEBUG, INFO and WARN so that the order is kept.
macro_rules! at_level {
    ($level:expr, $($fields:tt)*) => {
        match $level {
            LogLevel::Debug => tracing::event!(target: "rsentinel", tracing::Level::TRACE, $($fields)*),
            LogLevel::Verbose => tracing::event!(target: "rsentinel", tracing::Level::DEBUG, $($fields)*),
            LogLevel::Notice => tracing::event!(target: "rsentinel", tracing::Level::INFO, $($fields)*),
            LogLevel::Warning | LogLevel::Nothing => {
                tracing::event!(target: "rsentinel", tracing::Level::WARN, $($fields)*)
            }
        }
    };
}

/// Where, how and how much to log. Cheap to clone; the file is opened per line (as redis
/// does) so that log rotation by `mv` works without a signal.
#[derive(Clone)]
pub struct Logger {
    sink: Arc<Sink>,
    dispatch: Dispatch,
}

impl std::fmt::Debug for Logger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Logger").field("sink", &self.sink).finish()
    }
}

impl Logger {
    /// Redis-format lines to `file` ("" = standard output) at `level`, no syslog.
    pub fn new(file: &str, level: LogLevel) -> Logger {
        Logger::with_sink(Sink::new(file, level, LogFormat::Redis, None))
    }

    /// The logger a loaded config asks for: logfile, loglevel, log-format and syslog.
    pub fn from_settings(s: &ServerSettings) -> Logger {
        let syslog = s
            .syslog_enabled
            .then(|| syslog::Syslog::open(&s.syslog_ident, &s.syslog_facility));
        Logger::with_sink(Sink::new(&s.logfile, s.loglevel, s.log_format, syslog))
    }

    fn with_sink(sink: Sink) -> Logger {
        let sink = Arc::new(sink);
        let dispatch = Dispatch::new(LineSubscriber(sink.clone()));
        Logger { sink, dispatch }
    }

    /// Re-reads the pid (after daemonizing forks).
    pub fn refresh_pid(&mut self) {
        self.sink.refresh_pid();
    }

    pub fn enabled(&self, level: LogLevel) -> bool {
        self.sink.enabled(level)
    }

    /// Changes the verbosity of this logger and of all its clones.
    pub fn set_level(&self, level: LogLevel) {
        self.sink.set_level(level);
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

    /// One line if `level` passes the configured threshold.
    pub fn log(&self, level: LogLevel, msg: &str) {
        if !self.enabled(level) {
            return;
        }
        tracing::dispatcher::with_default(&self.dispatch, || {
            at_level!(level, message = msg);
        });
    }

    /// A Sentinel event (`+sdown master m 127.0.0.1 6379`): the line reads `kind text` as
    /// in redis; the structured format adds the type, master, address and `epoch` (the
    /// current epoch when it happened) as fields.
    pub fn event(&self, level: LogLevel, kind: &str, text: &str, epoch: u64) {
        if !self.enabled(level) {
            return;
        }
        let msg = format!("{kind} {text}");
        let (master, address) = line::event_subject(text);
        let master = master.unwrap_or_default();
        let address = address.unwrap_or_default();
        tracing::dispatcher::with_default(&self.dispatch, || {
            at_level!(
                level,
                message = msg.as_str(),
                event_type = kind,
                master = master,
                address = address.as_str(),
                epoch = epoch
            );
        });
    }

    /// A line in the shape redis' signal handler writes, `pid:signal-handler (unix-secs) msg`,
    /// so the shutdown lines read the same as redis-sentinel's.
    pub fn from_signal_handler(&self, level: LogLevel, msg: &str) {
        if !self.enabled(level) {
            return;
        }
        tracing::dispatcher::with_default(&self.dispatch, || {
            at_level!(level, message = msg, signal_handler = true);
        });
    }

    /// The full redis-format line for `msg` at `at`, newline included (for tests and
    /// for comparing with redis-sentinel's).
    pub fn format_line(&self, level: LogLevel, msg: &str, at: SystemTime) -> String {
        let rec = Record {
            level,
            message: msg.to_string(),
            ..Record::default()
        };
        String::from_utf8_lossy(&line::redis_line(self.sink.pid(), &rec, at)).into_owned()
    }
}

fn redis_level(level: &tracing::Level) -> LogLevel {
    match *level {
        tracing::Level::TRACE => LogLevel::Debug,
        tracing::Level::DEBUG => LogLevel::Verbose,
        tracing::Level::INFO => LogLevel::Notice,
        _ => LogLevel::Warning,
    }
}

/// The subscriber: no spans (rsentinel has none), every event becomes one line.
struct LineSubscriber(Arc<Sink>);

impl Subscriber for LineSubscriber {
    fn register_callsite(
        &self,
        _meta: &'static Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        // Two loggers with different levels exist in turn: decide per event.
        tracing::subscriber::Interest::sometimes()
    }

    fn enabled(&self, meta: &Metadata<'_>) -> bool {
        self.0.enabled(redis_level(meta.level()))
    }

    fn new_span(&self, _span: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _span: &Id, _values: &SpanRecord<'_>) {}

    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut rec = Record {
            level: redis_level(event.metadata().level()),
            ..Record::default()
        };
        event.record(&mut rec);
        self.0.write(&rec, SystemTime::now());
    }

    fn enter(&self, _span: &Id) {}

    fn exit(&self, _span: &Id) {}
}

impl Visit for Record {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "message" => self.message = value.to_string(),
            "event_type" => self.event_type = Some(value.to_string()),
            "master" if !value.is_empty() => self.master = Some(value.to_string()),
            "address" if !value.is_empty() => self.address = Some(value.to_string()),
            _ => {}
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == "epoch" {
            self.epoch = Some(value);
        }
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        if field.name() == "signal_handler" {
            self.signal_handler = value;
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.message = format!("{value:?}");
        }
    }
}

/// The local time zone's offset from UTC at `at`, in seconds (east positive).
pub fn utc_offset(at: SystemTime) -> i64 {
    i64::from(
        chrono::DateTime::<chrono::Local>::from(at)
            .offset()
            .local_minus_utc(),
    )
}

#[cfg(test)]
mod tests;
