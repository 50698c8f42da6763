//! Typed settings: what the daemon and the core act on. Everything the file says is kept
//! here, including directives rsentinel does not act upon yet, so a rewrite never drops them.

/// Log verbosity, as redis' `loglevel`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum LogLevel {
    Debug,
    Verbose,
    #[default]
    Notice,
    Warning,
    Nothing,
}

/// How log lines are written (`log-format`, an rsentinel directive): redis' own line
/// format, or one JSON object per line for log shippers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum LogFormat {
    #[default]
    Redis,
    Json,
}

impl LogFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            LogFormat::Redis => "redis",
            LogFormat::Json => "json",
        }
    }
}

/// Default `metrics-bind`: the metrics endpoint is local unless asked otherwise.
pub const DEFAULT_METRICS_BIND: &str = "127.0.0.1";

/// The generic (non-`sentinel`) server settings that rsentinel acts on, plus every other
/// accepted directive kept verbatim in `other`.
#[derive(Clone, Debug, PartialEq)]
pub struct ServerSettings {
    pub port: u16,
    /// Addresses from `bind`; empty means redis' default (`* -::*`).
    pub bind: Vec<String>,
    pub protected_mode: bool,
    pub daemonize: bool,
    pub pidfile: Option<String>,
    /// Empty string means standard output, as in redis.
    pub logfile: String,
    pub loglevel: LogLevel,
    /// The working directory (`dir`); `None` keeps the current one.
    pub dir: Option<String>,
    /// Bytes: a password need not be UTF-8.
    pub requirepass: Option<Vec<u8>>,
    /// `user ...` lines, each as its argument list (without the leading `user`).
    pub users: Vec<Vec<Vec<u8>>>,
    pub aclfile: Option<String>,
    pub maxclients: u32,
    /// Idle client timeout in seconds, 0 = never.
    pub timeout: u64,
    pub tcp_keepalive: u64,
    pub tcp_backlog: u32,
    pub unixsocket: Option<String>,
    /// Mode given to the unix socket file (`unixsocketperm`, octal); 0 = as created.
    pub unixsocketperm: u32,
    pub syslog_enabled: bool,
    pub syslog_ident: String,
    pub syslog_facility: String,
    pub supervised: String,
    /// rsentinel's own: `log-format redis|json`.
    pub log_format: LogFormat,
    /// rsentinel's own: the HTTP port of `/metrics`, `/healthz`, `/readyz`; 0 = off.
    pub metrics_port: u16,
    /// rsentinel's own: the address the metrics endpoint listens on.
    pub metrics_bind: String,
    /// `rename-command` lines (generic, not the per-master `sentinel rename-command`).
    pub rename_commands: Vec<(String, String)>,
    /// Every other accepted directive (tls-*, maxmemory, ...), name lower-cased, with its
    /// arguments: parsed, kept and rewritten, but not acted upon.
    pub other: Vec<(String, Vec<String>)>,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            port: 26379,
            bind: Vec::new(),
            // Sentinel turns protected mode off by default (redis' initSentinelConfig).
            protected_mode: false,
            daemonize: false,
            pidfile: None,
            logfile: String::new(),
            loglevel: LogLevel::Notice,
            dir: None,
            requirepass: None,
            users: Vec::new(),
            aclfile: None,
            maxclients: 10000,
            timeout: 0,
            tcp_keepalive: 300,
            tcp_backlog: 511,
            unixsocket: None,
            unixsocketperm: 0,
            syslog_enabled: false,
            syslog_ident: "redis".to_string(),
            syslog_facility: "local0".to_string(),
            supervised: "no".to_string(),
            log_format: LogFormat::Redis,
            metrics_port: 0,
            metrics_bind: DEFAULT_METRICS_BIND.to_string(),
            rename_commands: Vec::new(),
            other: Vec::new(),
        }
    }
}

/// Sentinel-wide settings and state from `sentinel ...` lines.
#[derive(Clone, Debug, PartialEq)]
pub struct SentinelSettings {
    /// 40 hex characters; `None` until generated on first start.
    pub myid: Option<String>,
    pub current_epoch: u64,
    pub deny_scripts_reconfig: bool,
    pub resolve_hostnames: bool,
    pub announce_hostnames: bool,
    /// `sentinel fast-failover` (rsentinel's own, default yes): act on replies as they
    /// arrive and switch over planned failovers without losing writes; `no` restores
    /// redis' timer-paced failover exactly.
    pub fast_failover: bool,
    /// Bytes, as given (redis keeps any bytes here and announces them).
    pub announce_ip: Option<Vec<u8>>,
    /// 0 = announce the listening port.
    pub announce_port: u16,
    pub sentinel_user: Option<Vec<u8>>,
    pub sentinel_pass: Option<Vec<u8>>,
    /// Monitored masters in file order.
    pub masters: Vec<MasterConfig>,
}

impl Default for SentinelSettings {
    fn default() -> Self {
        SentinelSettings {
            myid: None,
            current_epoch: 0,
            // Redis' SENTINEL_DEFAULT_DENY_SCRIPTS_RECONFIG is yes: scripts cannot be changed
            // at runtime unless the file allows it.
            deny_scripts_reconfig: true,
            resolve_hostnames: false,
            announce_hostnames: false,
            fast_failover: true,
            announce_ip: None,
            announce_port: 0,
            sentinel_user: None,
            sentinel_pass: None,
            masters: Vec::new(),
        }
    }
}

/// One monitored master and its persisted state.
#[derive(Clone, Debug, PartialEq)]
pub struct MasterConfig {
    pub name: String,
    pub host: String,
    pub port: u16,
    pub quorum: u32,
    pub down_after_ms: u64,
    pub failover_timeout_ms: u64,
    pub parallel_syncs: u32,
    pub notification_script: Option<String>,
    pub client_reconfig_script: Option<String>,
    /// Credentials sent to the master and its replicas: bytes, as given.
    pub auth_pass: Option<Vec<u8>>,
    pub auth_user: Option<Vec<u8>>,
    /// 0 = disabled.
    pub master_reboot_down_after_period_ms: u64,
    pub config_epoch: u64,
    pub leader_epoch: u64,
    /// `known-replica` (alias `known-slave`) addresses.
    pub known_replicas: Vec<(String, u16)>,
    /// `known-sentinel` entries: address and run id.
    pub known_sentinels: Vec<KnownSentinel>,
    /// `sentinel rename-command <master> <from> <to>` pairs, in file order.
    pub rename_commands: Vec<(String, String)>,
}

/// A `sentinel known-sentinel <master> <ip> <port> <runid>` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct KnownSentinel {
    pub host: String,
    pub port: u16,
    pub runid: String,
}

/// Redis' defaults for a newly monitored master.
pub const DEFAULT_DOWN_AFTER_MS: u64 = 30_000;
pub const DEFAULT_FAILOVER_TIMEOUT_MS: u64 = 180_000;
pub const DEFAULT_PARALLEL_SYNCS: u32 = 1;

impl MasterConfig {
    /// A master as `SENTINEL MONITOR` creates it: redis' defaults, no state.
    pub fn new(name: &str, host: &str, port: u16, quorum: u32) -> MasterConfig {
        MasterConfig {
            name: name.to_string(),
            host: host.to_string(),
            port,
            quorum,
            down_after_ms: DEFAULT_DOWN_AFTER_MS,
            failover_timeout_ms: DEFAULT_FAILOVER_TIMEOUT_MS,
            parallel_syncs: DEFAULT_PARALLEL_SYNCS,
            notification_script: None,
            client_reconfig_script: None,
            auth_pass: None,
            auth_user: None,
            master_reboot_down_after_period_ms: 0,
            config_epoch: 0,
            leader_epoch: 0,
            known_replicas: Vec::new(),
            known_sentinels: Vec::new(),
            rename_commands: Vec::new(),
        }
    }
}

/// Everything loaded from the file (and the command line).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Config {
    pub server: ServerSettings,
    pub sentinel: SentinelSettings,
}

impl ServerSettings {
    /// The value of a numeric directive kept in `other` (memory units and percentages
    /// as redis reads them), from its last occurrence; `None` when the file leaves it at
    /// redis' default.
    pub fn number(&self, name: &str) -> Option<i128> {
        let std = crate::directive_table::lookup(name)?;
        self.other
            .iter()
            .rev()
            .filter(|(n, _)| crate::directive_table::lookup(n).is_some_and(|s| s.name == std.name))
            .find_map(
                |(_, args)| match crate::directive_values::parse_value(std, args) {
                    Ok(crate::directive_values::Value::Num(v)) => Some(v),
                    _ => None,
                },
            )
    }

    /// The value of a string directive kept in `other`, from its last occurrence;
    /// `None` when unset (or set to "" where that means unset).
    pub fn text(&self, name: &str) -> Option<String> {
        let std = crate::directive_table::lookup(name)?;
        self.other
            .iter()
            .rev()
            .filter(|(n, _)| crate::directive_table::lookup(n).is_some_and(|s| s.name == std.name))
            .find_map(
                |(_, args)| match crate::directive_values::parse_value(std, args) {
                    Ok(crate::directive_values::Value::Str(v)) => Some(v),
                    _ => None,
                },
            )
            .flatten()
    }

    /// `oom-score-adj` (0 no, 1 relative, 2 absolute) and the value of
    /// `oom-score-adj-values` for redis' master class, the one a Sentinel is in.
    pub fn oom_score_adj(&self) -> (u32, i64) {
        let mut mode = 0;
        let mut value = 0;
        for (name, args) in &self.other {
            let Some(std) = crate::directive_table::lookup(name) else {
                continue;
            };
            match crate::directive_values::parse_value(std, args) {
                Ok(crate::directive_values::Value::Enum(m)) if std.name == "oom-score-adj" => {
                    mode = m
                }
                Ok(crate::directive_values::Value::Oom(v)) => value = v[0],
                _ => {}
            }
        }
        (mode, value)
    }

    /// `client-output-buffer-limit` of a class (0 normal, 1 replica, 2 pubsub) after
    /// every line that sets it: hard bytes, soft bytes, soft seconds.
    pub fn output_buffer_limits(&self, class: usize) -> (u64, u64, u64) {
        let mut limits = [
            (0, 0, 0),
            (256 << 20, 64 << 20, 60),
            (32 << 20, 8 << 20, 60),
        ]
        .get(class)
        .copied()
        .unwrap_or((0, 0, 0));
        let Some(std) = crate::directive_table::lookup("client-output-buffer-limit") else {
            return limits;
        };
        for (name, args) in &self.other {
            if !name.eq_ignore_ascii_case(std.name) {
                continue;
            }
            if let Ok(crate::directive_values::Value::OutputBufferLimits(groups)) =
                crate::directive_values::parse_value(std, args)
            {
                for (c, hard, soft, secs) in groups {
                    if c == class {
                        limits = (hard, soft, u64::try_from(secs).unwrap_or(0));
                    }
                }
            }
        }
        limits
    }
}

impl Config {
    /// Directives that were accepted (as redis-sentinel accepts them) but that rsentinel
    /// does not act upon, because they mean nothing to a Sentinel (see [`crate::Support`]),
    /// one description each, for the daemon to log with a warning at startup.
    pub fn not_acted_upon(&self) -> Vec<String> {
        let s = &self.server;
        let mut out = Vec::new();
        for (name, args) in &s.other {
            let acted = name == "include"
                || crate::directive_table::lookup(name)
                    .is_some_and(|std| crate::support::support(std.name) == crate::Support::Acted);
            if acted {
                continue;
            }
            let mut line = name.clone();
            for a in args {
                line.push(' ');
                line.push_str(&crate::lexer::repr(a));
            }
            out.push(line);
        }
        out
    }
}
