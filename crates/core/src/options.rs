//! The switches that change how the Sentinel behaves rather than what it knows: set from
//! the config file, some changed by `SENTINEL CONFIG SET` or `SENTINEL DEBUG`, never
//! learnt from the network.

use crate::event::LogLevel;

#[derive(Debug)]
pub(crate) struct Options {
    /// `sentinel deny-scripts-reconfig`: scripts cannot be set at run time.
    pub(crate) deny_scripts_reconfig: bool,
    /// `sentinel resolve-hostnames`: addresses may be names, resolved when used.
    pub(crate) resolve_hostnames: bool,
    /// `sentinel announce-hostnames`: names rather than IPs in events, replies, hellos.
    pub(crate) announce_hostnames: bool,
    /// `sentinel fast-failover`: progress on replies as they arrive, quick retries
    /// after a split vote, zero-loss planned switchovers. Off: redis' pacing exactly.
    pub(crate) fast_failover: bool,
    /// The server's log verbosity, which `SENTINEL CONFIG SET loglevel` changes (redis
    /// 7.2); the daemon applies it to its logger and to the rewritten file.
    pub(crate) loglevel: LogLevel,
    /// `SENTINEL SIMULATE-FAILURE` crash points.
    pub(crate) simfailure_flags: u32,
    /// Local time zone offset from UTC, for log lines with a local date.
    pub(crate) utc_offset_secs: i64,
}

impl Default for Options {
    /// redis' defaults.
    fn default() -> Options {
        Options {
            deny_scripts_reconfig: true,
            resolve_hostnames: false,
            announce_hostnames: false,
            fast_failover: true,
            loglevel: LogLevel::Notice,
            simfailure_flags: 0,
            utc_offset_secs: 0,
        }
    }
}
