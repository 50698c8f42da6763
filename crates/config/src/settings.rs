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
    pub requirepass: Option<String>,
    /// `user ...` lines, each as its argument list (without the leading `user`).
    pub users: Vec<Vec<String>>,
    pub aclfile: Option<String>,
    pub maxclients: u32,
    /// Idle client timeout in seconds, 0 = never.
    pub timeout: u64,
    pub tcp_keepalive: u64,
    pub tcp_backlog: u32,
    pub unixsocket: Option<String>,
    pub syslog_enabled: bool,
    pub syslog_ident: String,
    pub syslog_facility: String,
    pub supervised: String,
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
            syslog_enabled: false,
            syslog_ident: "redis".to_string(),
            syslog_facility: "local0".to_string(),
            supervised: "no".to_string(),
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
    pub announce_ip: Option<String>,
    /// 0 = announce the listening port.
    pub announce_port: u16,
    pub sentinel_user: Option<String>,
    pub sentinel_pass: Option<String>,
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
    pub auth_pass: Option<String>,
    pub auth_user: Option<String>,
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

impl Config {
    /// Directives that were accepted (as redis-sentinel accepts them) but that rsentinel
    /// does not act upon, one description each, for the daemon to log at startup.
    pub fn not_acted_upon(&self) -> Vec<String> {
        let s = &self.server;
        let mut out = Vec::new();
        // The daemon applies these itself (the ACL settings) or they are structural.
        const ACTED_UPON: &[&str] = &["include", "acllog-max-len", "acl-pubsub-default"];
        for (name, args) in s
            .other
            .iter()
            .filter(|(n, _)| !ACTED_UPON.contains(&n.as_str()))
        {
            let mut line = name.clone();
            for a in args {
                line.push(' ');
                line.push_str(&crate::lexer::repr(a));
            }
            out.push(line);
        }
        if let Some(u) = &s.unixsocket {
            out.push(format!("unixsocket {}", crate::lexer::repr(u)));
        }
        if s.syslog_enabled {
            out.push("syslog-enabled yes".to_string());
        }
        if s.syslog_ident != "redis" {
            out.push(format!(
                "syslog-ident {}",
                crate::lexer::repr(&s.syslog_ident)
            ));
        }
        if s.syslog_facility != "local0" {
            out.push(format!("syslog-facility {}", s.syslog_facility));
        }
        // systemd (and auto with NOTIFY_SOCKET) supervision is acted upon; upstart's
        // SIGSTOP handshake is not.
        if s.supervised.eq_ignore_ascii_case("upstart") {
            out.push(format!("supervised {}", s.supervised));
        }
        out
    }
}
