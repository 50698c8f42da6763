//! `SENTINEL CONFIG GET <pattern> [<pattern> ...]` and `SENTINEL CONFIG SET <param> <value>
//! [<param> <value> ...]`: the global Sentinel parameters that can change at runtime. The
//! several-parameter forms and `loglevel` are redis 7.2's additions; the single forms
//! answer as in 7.0.

use bytes::Bytes;
use rsentinel_config::{yes_no_str, LogLevel};
use rsentinel_resp::Frame;

use super::Reply;
use crate::parse::{err_text, parse_i64, parse_yes_no, text};
use crate::sentinel::Sentinel;

const USAGE: &str = "ERR Only SENTINEL CONFIG GET <option> / SET <option> <value> are supported.";

/// The parameters, in the order redis lists them in a `CONFIG GET` reply.
const PARAMS: [&str; 7] = [
    "resolve-hostnames",
    "announce-hostnames",
    "announce-ip",
    "announce-port",
    "sentinel-user",
    "sentinel-pass",
    "loglevel",
];

/// redis' names for the log levels `loglevel` accepts.
fn loglevel_name(level: LogLevel) -> &'static str {
    match level {
        LogLevel::Debug => "debug",
        LogLevel::Verbose => "verbose",
        LogLevel::Notice => "notice",
        LogLevel::Warning => "warning",
        LogLevel::Nothing => "nothing",
    }
}

fn parse_loglevel(value: &[u8]) -> Option<LogLevel> {
    [
        LogLevel::Debug,
        LogLevel::Verbose,
        LogLevel::Notice,
        LogLevel::Warning,
        LogLevel::Nothing,
    ]
    .into_iter()
    .find(|l| loglevel_name(*l).as_bytes().eq_ignore_ascii_case(value))
}

/// One validated `SET` pair.
enum Change {
    ResolveHostnames(bool),
    AnnounceHostnames(bool),
    AnnounceIp(Vec<u8>),
    AnnouncePort(u16),
    SentinelUser(Option<Vec<u8>>),
    SentinelPass(Option<Vec<u8>>),
    Loglevel(LogLevel),
}

impl Sentinel {
    /// The server's log verbosity as loaded, before any `SENTINEL CONFIG SET loglevel`.
    pub fn set_loglevel(&mut self, level: LogLevel) {
        self.options.loglevel = level;
    }

    /// The log verbosity the daemon should use now.
    pub fn loglevel(&self) -> LogLevel {
        self.options.loglevel
    }

    /// `args[0]` is GET or SET.
    pub(super) fn cmd_config(&mut self, args: &[Bytes]) -> Reply {
        let action = args[0].to_ascii_lowercase();
        match (action.as_slice(), args.len()) {
            (b"get", n) if n >= 2 => self.config_get(&args[1..]).into(),
            (b"set", n) if n >= 3 => self.config_set(&args[1..]),
            _ => Frame::error(USAGE).into(),
        }
    }

    /// A parameter's value as bytes: credentials and announce-ip need not be UTF-8.
    fn param_value(&self, name: &str) -> Vec<u8> {
        match name {
            "resolve-hostnames" => yes_no_str(self.options.resolve_hostnames)
                .as_bytes()
                .to_vec(),
            "announce-hostnames" => yes_no_str(self.options.announce_hostnames)
                .as_bytes()
                .to_vec(),
            "announce-ip" => self.announce.ip.clone().unwrap_or_default(),
            "announce-port" => self.announce.port.to_string().into_bytes(),
            "sentinel-user" => self.peer_auth.user.clone().unwrap_or_default(),
            "sentinel-pass" => self.peer_auth.pass.clone().unwrap_or_default(),
            _ => loglevel_name(self.options.loglevel).as_bytes().to_vec(),
        }
    }

    /// Each parameter matched by any pattern, once, in the order the patterns first
    /// match it (redis' order: pattern by pattern, parameters in table order).
    fn config_get(&self, patterns: &[Bytes]) -> Frame {
        let mut seen: Vec<&str> = Vec::new();
        for pattern in patterns {
            for name in PARAMS {
                if !seen.contains(&name)
                    && rsentinel_commands::glob_match(pattern, name.as_bytes(), true)
                {
                    seen.push(name);
                }
            }
        }
        Frame::Map(
            seen.into_iter()
                .map(|k| (Frame::bulk_str(k), Frame::bulk(self.param_value(k))))
                .collect(),
        )
    }

    /// Validates every pair first (unknown, duplicate, missing or bad value: nothing is
    /// changed), then applies them all and saves once.
    fn config_set(&mut self, args: &[Bytes]) -> Reply {
        let mut changes = Vec::new();
        let mut seen: Vec<Vec<u8>> = Vec::new();
        let mut i = 0;
        while i < args.len() {
            let param = &args[i];
            let lower = param.to_ascii_lowercase();
            if !PARAMS.iter().any(|p| p.as_bytes() == lower.as_slice()) {
                return Frame::error(err_text(format!(
                    "ERR Invalid argument '{}' to SENTINEL CONFIG SET",
                    text(param)
                )))
                .into();
            }
            if seen.contains(&lower) {
                return Frame::error(err_text(format!(
                    "ERR Duplicate argument '{}' to SENTINEL CONFIG SET",
                    text(param)
                )))
                .into();
            }
            seen.push(lower.clone());
            let Some(value) = args.get(i + 1) else {
                return Frame::error(err_text(format!(
                    "ERR Missing argument '{}' value",
                    text(param)
                )))
                .into();
            };
            let bad = || {
                Frame::error(err_text(format!(
                    "ERR Invalid value '{}' to SENTINEL CONFIG SET '{}'",
                    text(value),
                    text(param)
                )))
            };
            let change = match lower.as_slice() {
                b"resolve-hostnames" => parse_yes_no(value).map(Change::ResolveHostnames),
                b"announce-hostnames" => parse_yes_no(value).map(Change::AnnounceHostnames),
                // An empty address is kept (and rewritten as `announce-ip ""`), as redis does.
                b"announce-ip" => Some(Change::AnnounceIp(value.to_vec())),
                b"announce-port" => parse_i64(value)
                    .and_then(|p| u16::try_from(p).ok())
                    .map(Change::AnnouncePort),
                b"sentinel-user" => Some(Change::SentinelUser(
                    (!value.is_empty()).then(|| value.to_vec()),
                )),
                b"sentinel-pass" => Some(Change::SentinelPass(
                    (!value.is_empty()).then(|| value.to_vec()),
                )),
                _ => parse_loglevel(value).map(Change::Loglevel),
            };
            match change {
                Some(c) => changes.push(c),
                None => return bad().into(),
            }
            i += 2;
        }
        let mut drop_sentinel_links = false;
        for change in changes {
            match change {
                Change::ResolveHostnames(v) => self.options.resolve_hostnames = v,
                Change::AnnounceHostnames(v) => self.options.announce_hostnames = v,
                Change::AnnounceIp(v) => self.announce.ip = Some(v),
                Change::AnnouncePort(v) => self.announce.port = v,
                Change::SentinelUser(v) => {
                    self.peer_auth.user = v;
                    drop_sentinel_links = true;
                }
                Change::SentinelPass(v) => {
                    self.peer_auth.pass = v;
                    drop_sentinel_links = true;
                }
                Change::Loglevel(v) => self.options.loglevel = v,
            }
        }
        self.flush_config();
        if drop_sentinel_links {
            self.drop_sentinel_connections();
        }
        Reply::AfterFlush
    }

    /// Close every connected link to another Sentinel (`sentinelDropConnections`) so it
    /// reconnects with the new credentials.
    fn drop_sentinel_connections(&mut self) {
        let ids: Vec<_> = self
            .masters
            .values()
            .flat_map(|m| m.sentinels.values().map(|s| s.link))
            .collect();
        for id in ids {
            if self.links.get(id).is_some_and(|l| !l.health.disconnected) {
                self.close_link(id);
            }
        }
    }
}
