//! The table of redis 7.0.15's standard configuration directives (name, alias, value kind,
//! bounds, default), as facts taken from redis' `static_configs`. redis-sentinel is the
//! redis-server binary, so it accepts every one of these; rsentinel validates them the same
//! way, keeps them, and rewrites them normalized as redis would.

/// How a numeric value is written and read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumFormat {
    Int,
    Memory,
    MemoryOrPercent,
    Octal,
}

/// The value kind of a standard config.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    Bool {
        default: bool,
    },
    /// A string; `empty_is_null` makes "" mean "unset".
    Str {
        default: Option<&'static str>,
        empty_is_null: bool,
    },
    /// Enumerated names with their numeric values (aliases share a value); `multi` means
    /// a set of bit flags given as several arguments.
    Enum {
        values: &'static [(&'static str, u32)],
        default: &'static str,
        multi: bool,
    },
    Num {
        min: i128,
        max: i128,
        default: i128,
        format: NumFormat,
        unsigned: bool,
    },
    /// Directives with their own syntax (bind, save, dir, ...).
    Special,
}

/// One standard config.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Std {
    pub name: &'static str,
    pub alias: Option<&'static str>,
    pub kind: Kind,
}

impl Std {
    /// Directives that take several arguments (redis' MULTI_ARG_CONFIG).
    pub fn multi_arg(&self) -> bool {
        match self.kind {
            Kind::Enum { multi, .. } => multi,
            Kind::Special => !matches!(self.name, "dir" | "notify-keyspace-events"),
            _ => false,
        }
    }
}

/// Finds a standard config by name or alias, case-insensitively.
pub fn lookup(name: &str) -> Option<&'static Std> {
    STANDARD.iter().find(|s| {
        s.name.eq_ignore_ascii_case(name) || s.alias.is_some_and(|a| a.eq_ignore_ascii_case(name))
    })
}

pub const MAXMEMORY_POLICY_ENUM: &[(&str, u32)] = &[
    ("volatile-lru", 0),
    ("volatile-lfu", 1),
    ("volatile-random", 2),
    ("volatile-ttl", 3),
    ("allkeys-lru", 4),
    ("allkeys-lfu", 5),
    ("allkeys-random", 6),
    ("noeviction", 7),
];
pub const SYSLOG_FACILITY_ENUM: &[(&str, u32)] = &[
    ("user", 0),
    ("local0", 1),
    ("local1", 2),
    ("local2", 3),
    ("local3", 4),
    ("local4", 5),
    ("local5", 6),
    ("local6", 7),
    ("local7", 8),
];
/// `nothing` is redis 7.2's addition, taken as the newer versions only add it.
pub const LOGLEVEL_ENUM: &[(&str, u32)] = &[
    ("debug", 0),
    ("verbose", 1),
    ("notice", 2),
    ("warning", 3),
    ("nothing", 4),
];
pub const SUPERVISED_MODE_ENUM: &[(&str, u32)] =
    &[("upstart", 0), ("systemd", 1), ("auto", 2), ("no", 3)];
pub const AOF_FSYNC_ENUM: &[(&str, u32)] = &[("everysec", 0), ("always", 1), ("no", 2)];
pub const SHUTDOWN_ON_SIG_ENUM: &[(&str, u32)] = &[
    ("default", 0),
    ("save", 1),
    ("nosave", 2),
    ("now", 4),
    ("force", 8),
];
pub const REPL_DISKLESS_LOAD_ENUM: &[(&str, u32)] =
    &[("disabled", 0), ("on-empty-db", 1), ("swapdb", 2)];
pub const TLS_AUTH_CLIENTS_ENUM: &[(&str, u32)] = &[("no", 0), ("yes", 1), ("optional", 2)];
pub const OOM_SCORE_ADJ_ENUM: &[(&str, u32)] =
    &[("no", 0), ("yes", 1), ("relative", 1), ("absolute", 2)];
pub const ACL_PUBSUB_DEFAULT_ENUM: &[(&str, u32)] = &[("allchannels", 1), ("resetchannels", 0)];
pub const SANITIZE_DUMP_PAYLOAD_ENUM: &[(&str, u32)] = &[("no", 0), ("yes", 1), ("clients", 2)];
pub const PROTECTED_ACTION_ENUM: &[(&str, u32)] = &[("no", 0), ("yes", 1), ("local", 2)];
pub const CLUSTER_PREFERRED_ENDPOINT_TYPE_ENUM: &[(&str, u32)] =
    &[("ip", 0), ("hostname", 1), ("unknown-endpoint", 2)];
pub const PROPAGATION_ERROR_BEHAVIOR_ENUM: &[(&str, u32)] =
    &[("ignore", 0), ("panic", 1), ("panic-on-replicas", 2)];

/// Every standard config of redis 7.0.15 (built with TLS, as Debian's is), in redis' order.
#[rustfmt::skip]
pub static STANDARD: &[Std] = &[
    Std { name: "rdbchecksum", alias: None, kind: Kind::Bool { default: true } },
    Std { name: "daemonize", alias: None, kind: Kind::Bool { default: false } },
    Std { name: "io-threads-do-reads", alias: None, kind: Kind::Bool { default: false } },
    Std { name: "always-show-logo", alias: None, kind: Kind::Bool { default: false } },
    Std { name: "protected-mode", alias: None, kind: Kind::Bool { default: true } },
    Std { name: "rdbcompression", alias: None, kind: Kind::Bool { default: true } },
    Std { name: "rdb-del-sync-files", alias: None, kind: Kind::Bool { default: false } },
    Std { name: "activerehashing", alias: None, kind: Kind::Bool { default: true } },
    Std { name: "stop-writes-on-bgsave-error", alias: None, kind: Kind::Bool { default: true } },
    Std { name: "set-proc-title", alias: None, kind: Kind::Bool { default: true } },
    Std { name: "dynamic-hz", alias: None, kind: Kind::Bool { default: true } },
    Std { name: "lazyfree-lazy-eviction", alias: None, kind: Kind::Bool { default: false } },
    Std { name: "lazyfree-lazy-expire", alias: None, kind: Kind::Bool { default: false } },
    Std { name: "lazyfree-lazy-server-del", alias: None, kind: Kind::Bool { default: false } },
    Std { name: "lazyfree-lazy-user-del", alias: None, kind: Kind::Bool { default: false } },
    Std { name: "lazyfree-lazy-user-flush", alias: None, kind: Kind::Bool { default: false } },
    Std { name: "repl-disable-tcp-nodelay", alias: None, kind: Kind::Bool { default: false } },
    Std { name: "repl-diskless-sync", alias: None, kind: Kind::Bool { default: true } },
    Std { name: "aof-rewrite-incremental-fsync", alias: None, kind: Kind::Bool { default: true } },
    Std { name: "no-appendfsync-on-rewrite", alias: None, kind: Kind::Bool { default: false } },
    Std { name: "cluster-require-full-coverage", alias: None, kind: Kind::Bool { default: true } },
    Std { name: "rdb-save-incremental-fsync", alias: None, kind: Kind::Bool { default: true } },
    Std { name: "aof-load-truncated", alias: None, kind: Kind::Bool { default: true } },
    Std { name: "aof-use-rdb-preamble", alias: None, kind: Kind::Bool { default: true } },
    Std { name: "aof-timestamp-enabled", alias: None, kind: Kind::Bool { default: false } },
    Std { name: "cluster-replica-no-failover", alias: Some("cluster-slave-no-failover"), kind: Kind::Bool { default: false } },
    Std { name: "replica-lazy-flush", alias: Some("slave-lazy-flush"), kind: Kind::Bool { default: false } },
    Std { name: "replica-serve-stale-data", alias: Some("slave-serve-stale-data"), kind: Kind::Bool { default: true } },
    Std { name: "replica-read-only", alias: Some("slave-read-only"), kind: Kind::Bool { default: true } },
    Std { name: "replica-ignore-maxmemory", alias: Some("slave-ignore-maxmemory"), kind: Kind::Bool { default: true } },
    Std { name: "jemalloc-bg-thread", alias: None, kind: Kind::Bool { default: true } },
    Std { name: "activedefrag", alias: None, kind: Kind::Bool { default: false } },
    Std { name: "syslog-enabled", alias: None, kind: Kind::Bool { default: false } },
    Std { name: "cluster-enabled", alias: None, kind: Kind::Bool { default: false } },
    Std { name: "appendonly", alias: None, kind: Kind::Bool { default: false } },
    Std { name: "cluster-allow-reads-when-down", alias: None, kind: Kind::Bool { default: false } },
    Std { name: "cluster-allow-pubsubshard-when-down", alias: None, kind: Kind::Bool { default: true } },
    Std { name: "crash-log-enabled", alias: None, kind: Kind::Bool { default: true } },
    Std { name: "crash-memcheck-enabled", alias: None, kind: Kind::Bool { default: true } },
    Std { name: "use-exit-on-panic", alias: None, kind: Kind::Bool { default: false } },
    Std { name: "disable-thp", alias: None, kind: Kind::Bool { default: true } },
    Std { name: "cluster-allow-replica-migration", alias: None, kind: Kind::Bool { default: true } },
    Std { name: "replica-announced", alias: None, kind: Kind::Bool { default: true } },
    Std { name: "latency-tracking", alias: None, kind: Kind::Bool { default: true } },
    Std { name: "aof-disable-auto-gc", alias: None, kind: Kind::Bool { default: false } },
    Std { name: "replica-ignore-disk-write-errors", alias: None, kind: Kind::Bool { default: false } },
    Std { name: "aclfile", alias: None, kind: Kind::Str { default: Some(""), empty_is_null: false } },
    Std { name: "unixsocket", alias: None, kind: Kind::Str { default: None, empty_is_null: true } },
    Std { name: "pidfile", alias: None, kind: Kind::Str { default: None, empty_is_null: true } },
    Std { name: "replica-announce-ip", alias: Some("slave-announce-ip"), kind: Kind::Str { default: None, empty_is_null: true } },
    Std { name: "masteruser", alias: None, kind: Kind::Str { default: None, empty_is_null: true } },
    Std { name: "cluster-announce-ip", alias: None, kind: Kind::Str { default: None, empty_is_null: true } },
    Std { name: "cluster-config-file", alias: None, kind: Kind::Str { default: Some("nodes.conf"), empty_is_null: false } },
    Std { name: "cluster-announce-hostname", alias: None, kind: Kind::Str { default: None, empty_is_null: true } },
    Std { name: "syslog-ident", alias: None, kind: Kind::Str { default: Some("redis"), empty_is_null: false } },
    Std { name: "dbfilename", alias: None, kind: Kind::Str { default: Some("dump.rdb"), empty_is_null: false } },
    Std { name: "appendfilename", alias: None, kind: Kind::Str { default: Some("appendonly.aof"), empty_is_null: false } },
    Std { name: "appenddirname", alias: None, kind: Kind::Str { default: Some("appendonlydir"), empty_is_null: false } },
    Std { name: "server_cpulist", alias: None, kind: Kind::Str { default: None, empty_is_null: true } },
    Std { name: "bio_cpulist", alias: None, kind: Kind::Str { default: None, empty_is_null: true } },
    Std { name: "aof_rewrite_cpulist", alias: None, kind: Kind::Str { default: None, empty_is_null: true } },
    Std { name: "bgsave_cpulist", alias: None, kind: Kind::Str { default: None, empty_is_null: true } },
    Std { name: "ignore-warnings", alias: None, kind: Kind::Str { default: Some(""), empty_is_null: false } },
    Std { name: "proc-title-template", alias: None, kind: Kind::Str { default: Some("{title} {listen-addr} {server-mode}"), empty_is_null: false } },
    Std { name: "bind-source-addr", alias: None, kind: Kind::Str { default: None, empty_is_null: true } },
    Std { name: "logfile", alias: None, kind: Kind::Str { default: Some(""), empty_is_null: false } },
    Std { name: "masterauth", alias: None, kind: Kind::Str { default: None, empty_is_null: true } },
    Std { name: "requirepass", alias: None, kind: Kind::Str { default: None, empty_is_null: true } },
    Std { name: "supervised", alias: None, kind: Kind::Enum { values: SUPERVISED_MODE_ENUM, default: "no", multi: false } },
    Std { name: "syslog-facility", alias: None, kind: Kind::Enum { values: SYSLOG_FACILITY_ENUM, default: "local0", multi: false } },
    Std { name: "repl-diskless-load", alias: None, kind: Kind::Enum { values: REPL_DISKLESS_LOAD_ENUM, default: "disabled", multi: false } },
    Std { name: "loglevel", alias: None, kind: Kind::Enum { values: LOGLEVEL_ENUM, default: "notice", multi: false } },
    Std { name: "maxmemory-policy", alias: None, kind: Kind::Enum { values: MAXMEMORY_POLICY_ENUM, default: "noeviction", multi: false } },
    Std { name: "appendfsync", alias: None, kind: Kind::Enum { values: AOF_FSYNC_ENUM, default: "everysec", multi: false } },
    Std { name: "oom-score-adj", alias: None, kind: Kind::Enum { values: OOM_SCORE_ADJ_ENUM, default: "no", multi: false } },
    Std { name: "acl-pubsub-default", alias: None, kind: Kind::Enum { values: ACL_PUBSUB_DEFAULT_ENUM, default: "resetchannels", multi: false } },
    Std { name: "sanitize-dump-payload", alias: None, kind: Kind::Enum { values: SANITIZE_DUMP_PAYLOAD_ENUM, default: "no", multi: false } },
    Std { name: "enable-protected-configs", alias: None, kind: Kind::Enum { values: PROTECTED_ACTION_ENUM, default: "no", multi: false } },
    Std { name: "enable-debug-command", alias: None, kind: Kind::Enum { values: PROTECTED_ACTION_ENUM, default: "no", multi: false } },
    Std { name: "enable-module-command", alias: None, kind: Kind::Enum { values: PROTECTED_ACTION_ENUM, default: "no", multi: false } },
    Std { name: "cluster-preferred-endpoint-type", alias: None, kind: Kind::Enum { values: CLUSTER_PREFERRED_ENDPOINT_TYPE_ENUM, default: "ip", multi: false } },
    Std { name: "propagation-error-behavior", alias: None, kind: Kind::Enum { values: PROPAGATION_ERROR_BEHAVIOR_ENUM, default: "ignore", multi: false } },
    Std { name: "shutdown-on-sigint", alias: None, kind: Kind::Enum { values: SHUTDOWN_ON_SIG_ENUM, default: "default", multi: true } },
    Std { name: "shutdown-on-sigterm", alias: None, kind: Kind::Enum { values: SHUTDOWN_ON_SIG_ENUM, default: "default", multi: true } },
    Std { name: "databases", alias: None, kind: Kind::Num { min: 1, max: 2147483647, default: 16, format: NumFormat::Int, unsigned: false } },
    Std { name: "port", alias: None, kind: Kind::Num { min: 0, max: 65535, default: 6379, format: NumFormat::Int, unsigned: false } },
    Std { name: "io-threads", alias: None, kind: Kind::Num { min: 1, max: 128, default: 1, format: NumFormat::Int, unsigned: false } },
    Std { name: "auto-aof-rewrite-percentage", alias: None, kind: Kind::Num { min: 0, max: 2147483647, default: 100, format: NumFormat::Int, unsigned: false } },
    Std { name: "cluster-replica-validity-factor", alias: Some("cluster-slave-validity-factor"), kind: Kind::Num { min: 0, max: 2147483647, default: 10, format: NumFormat::Int, unsigned: false } },
    Std { name: "list-max-listpack-size", alias: Some("list-max-ziplist-size"), kind: Kind::Num { min: -2147483648, max: 2147483647, default: -2, format: NumFormat::Int, unsigned: false } },
    Std { name: "tcp-keepalive", alias: None, kind: Kind::Num { min: 0, max: 2147483647, default: 300, format: NumFormat::Int, unsigned: false } },
    Std { name: "cluster-migration-barrier", alias: None, kind: Kind::Num { min: 0, max: 2147483647, default: 1, format: NumFormat::Int, unsigned: false } },
    Std { name: "active-defrag-cycle-min", alias: None, kind: Kind::Num { min: 1, max: 99, default: 1, format: NumFormat::Int, unsigned: false } },
    Std { name: "active-defrag-cycle-max", alias: None, kind: Kind::Num { min: 1, max: 99, default: 25, format: NumFormat::Int, unsigned: false } },
    Std { name: "active-defrag-threshold-lower", alias: None, kind: Kind::Num { min: 0, max: 1000, default: 10, format: NumFormat::Int, unsigned: false } },
    Std { name: "active-defrag-threshold-upper", alias: None, kind: Kind::Num { min: 0, max: 1000, default: 100, format: NumFormat::Int, unsigned: false } },
    Std { name: "lfu-log-factor", alias: None, kind: Kind::Num { min: 0, max: 2147483647, default: 10, format: NumFormat::Int, unsigned: false } },
    Std { name: "lfu-decay-time", alias: None, kind: Kind::Num { min: 0, max: 2147483647, default: 1, format: NumFormat::Int, unsigned: false } },
    Std { name: "replica-priority", alias: Some("slave-priority"), kind: Kind::Num { min: 0, max: 2147483647, default: 100, format: NumFormat::Int, unsigned: false } },
    Std { name: "repl-diskless-sync-delay", alias: None, kind: Kind::Num { min: 0, max: 2147483647, default: 5, format: NumFormat::Int, unsigned: false } },
    Std { name: "maxmemory-samples", alias: None, kind: Kind::Num { min: 1, max: 2147483647, default: 5, format: NumFormat::Int, unsigned: false } },
    Std { name: "maxmemory-eviction-tenacity", alias: None, kind: Kind::Num { min: 0, max: 100, default: 10, format: NumFormat::Int, unsigned: false } },
    Std { name: "timeout", alias: None, kind: Kind::Num { min: 0, max: 2147483647, default: 0, format: NumFormat::Int, unsigned: false } },
    Std { name: "replica-announce-port", alias: Some("slave-announce-port"), kind: Kind::Num { min: 0, max: 65535, default: 0, format: NumFormat::Int, unsigned: false } },
    Std { name: "tcp-backlog", alias: None, kind: Kind::Num { min: 0, max: 2147483647, default: 511, format: NumFormat::Int, unsigned: false } },
    Std { name: "cluster-port", alias: None, kind: Kind::Num { min: 0, max: 65535, default: 0, format: NumFormat::Int, unsigned: false } },
    Std { name: "cluster-announce-bus-port", alias: None, kind: Kind::Num { min: 0, max: 65535, default: 0, format: NumFormat::Int, unsigned: false } },
    Std { name: "cluster-announce-port", alias: None, kind: Kind::Num { min: 0, max: 65535, default: 0, format: NumFormat::Int, unsigned: false } },
    Std { name: "cluster-announce-tls-port", alias: None, kind: Kind::Num { min: 0, max: 65535, default: 0, format: NumFormat::Int, unsigned: false } },
    Std { name: "repl-timeout", alias: None, kind: Kind::Num { min: 1, max: 2147483647, default: 60, format: NumFormat::Int, unsigned: false } },
    Std { name: "repl-ping-replica-period", alias: Some("repl-ping-slave-period"), kind: Kind::Num { min: 1, max: 2147483647, default: 10, format: NumFormat::Int, unsigned: false } },
    Std { name: "list-compress-depth", alias: None, kind: Kind::Num { min: 0, max: 2147483647, default: 0, format: NumFormat::Int, unsigned: false } },
    Std { name: "rdb-key-save-delay", alias: None, kind: Kind::Num { min: -2147483648, max: 2147483647, default: 0, format: NumFormat::Int, unsigned: false } },
    Std { name: "key-load-delay", alias: None, kind: Kind::Num { min: -2147483648, max: 2147483647, default: 0, format: NumFormat::Int, unsigned: false } },
    Std { name: "active-expire-effort", alias: None, kind: Kind::Num { min: 1, max: 10, default: 1, format: NumFormat::Int, unsigned: false } },
    Std { name: "hz", alias: None, kind: Kind::Num { min: 0, max: 2147483647, default: 10, format: NumFormat::Int, unsigned: false } },
    Std { name: "min-replicas-to-write", alias: Some("min-slaves-to-write"), kind: Kind::Num { min: 0, max: 2147483647, default: 0, format: NumFormat::Int, unsigned: false } },
    Std { name: "min-replicas-max-lag", alias: Some("min-slaves-max-lag"), kind: Kind::Num { min: 0, max: 2147483647, default: 10, format: NumFormat::Int, unsigned: false } },
    Std { name: "watchdog-period", alias: None, kind: Kind::Num { min: 0, max: 2147483647, default: 0, format: NumFormat::Int, unsigned: false } },
    Std { name: "shutdown-timeout", alias: None, kind: Kind::Num { min: 0, max: 2147483647, default: 10, format: NumFormat::Int, unsigned: false } },
    Std { name: "repl-diskless-sync-max-replicas", alias: None, kind: Kind::Num { min: 0, max: 2147483647, default: 0, format: NumFormat::Int, unsigned: false } },
    Std { name: "maxclients", alias: None, kind: Kind::Num { min: 1, max: 4294967295, default: 10000, format: NumFormat::Int, unsigned: true } },
    Std { name: "unixsocketperm", alias: None, kind: Kind::Num { min: 0, max: 511, default: 0, format: NumFormat::Octal, unsigned: true } },
    Std { name: "socket-mark-id", alias: None, kind: Kind::Num { min: 0, max: 4294967295, default: 0, format: NumFormat::Int, unsigned: true } },
    Std { name: "active-defrag-max-scan-fields", alias: None, kind: Kind::Num { min: 1, max: 9223372036854775807, default: 1000, format: NumFormat::Int, unsigned: true } },
    Std { name: "slowlog-max-len", alias: None, kind: Kind::Num { min: 0, max: 9223372036854775807, default: 128, format: NumFormat::Int, unsigned: true } },
    Std { name: "acllog-max-len", alias: None, kind: Kind::Num { min: 0, max: 9223372036854775807, default: 128, format: NumFormat::Int, unsigned: true } },
    Std { name: "busy-reply-threshold", alias: Some("lua-time-limit"), kind: Kind::Num { min: 0, max: 9223372036854775807, default: 5000, format: NumFormat::Int, unsigned: false } },
    Std { name: "cluster-node-timeout", alias: None, kind: Kind::Num { min: 0, max: 9223372036854775807, default: 15000, format: NumFormat::Int, unsigned: false } },
    Std { name: "slowlog-log-slower-than", alias: None, kind: Kind::Num { min: -1, max: 9223372036854775807, default: 10000, format: NumFormat::Int, unsigned: false } },
    Std { name: "latency-monitor-threshold", alias: None, kind: Kind::Num { min: 0, max: 9223372036854775807, default: 0, format: NumFormat::Int, unsigned: false } },
    Std { name: "proto-max-bulk-len", alias: None, kind: Kind::Num { min: 1048576, max: 9223372036854775807, default: 536870912, format: NumFormat::Memory, unsigned: false } },
    Std { name: "stream-node-max-entries", alias: None, kind: Kind::Num { min: 0, max: 9223372036854775807, default: 100, format: NumFormat::Int, unsigned: false } },
    Std { name: "repl-backlog-size", alias: None, kind: Kind::Num { min: 1, max: 9223372036854775807, default: 1048576, format: NumFormat::Memory, unsigned: false } },
    Std { name: "maxmemory", alias: None, kind: Kind::Num { min: 0, max: u64::MAX as i128, default: 0, format: NumFormat::Memory, unsigned: true } },
    Std { name: "cluster-link-sendbuf-limit", alias: None, kind: Kind::Num { min: 0, max: u64::MAX as i128, default: 0, format: NumFormat::Memory, unsigned: true } },
    Std { name: "hash-max-listpack-entries", alias: Some("hash-max-ziplist-entries"), kind: Kind::Num { min: 0, max: 9223372036854775807, default: 512, format: NumFormat::Int, unsigned: true } },
    Std { name: "set-max-intset-entries", alias: None, kind: Kind::Num { min: 0, max: 9223372036854775807, default: 512, format: NumFormat::Int, unsigned: true } },
    Std { name: "zset-max-listpack-entries", alias: Some("zset-max-ziplist-entries"), kind: Kind::Num { min: 0, max: 9223372036854775807, default: 128, format: NumFormat::Int, unsigned: true } },
    Std { name: "active-defrag-ignore-bytes", alias: None, kind: Kind::Num { min: 1, max: 9223372036854775807, default: 104857600, format: NumFormat::Memory, unsigned: true } },
    Std { name: "hash-max-listpack-value", alias: Some("hash-max-ziplist-value"), kind: Kind::Num { min: 0, max: 9223372036854775807, default: 64, format: NumFormat::Memory, unsigned: true } },
    Std { name: "stream-node-max-bytes", alias: None, kind: Kind::Num { min: 0, max: 9223372036854775807, default: 4096, format: NumFormat::Memory, unsigned: true } },
    Std { name: "zset-max-listpack-value", alias: Some("zset-max-ziplist-value"), kind: Kind::Num { min: 0, max: 9223372036854775807, default: 64, format: NumFormat::Memory, unsigned: true } },
    Std { name: "hll-sparse-max-bytes", alias: None, kind: Kind::Num { min: 0, max: 9223372036854775807, default: 3000, format: NumFormat::Memory, unsigned: true } },
    Std { name: "tracking-table-max-keys", alias: None, kind: Kind::Num { min: 0, max: 9223372036854775807, default: 1000000, format: NumFormat::Int, unsigned: true } },
    Std { name: "client-query-buffer-limit", alias: None, kind: Kind::Num { min: 1048576, max: 9223372036854775807, default: 1073741824, format: NumFormat::Memory, unsigned: true } },
    Std { name: "maxmemory-clients", alias: None, kind: Kind::Num { min: -100, max: 9223372036854775807, default: 0, format: NumFormat::MemoryOrPercent, unsigned: false } },
    Std { name: "repl-backlog-ttl", alias: None, kind: Kind::Num { min: 0, max: 9223372036854775807, default: 3600, format: NumFormat::Int, unsigned: false } },
    Std { name: "auto-aof-rewrite-min-size", alias: None, kind: Kind::Num { min: 0, max: 9223372036854775807, default: 67108864, format: NumFormat::Memory, unsigned: false } },
    Std { name: "loading-process-events-interval-bytes", alias: None, kind: Kind::Num { min: 1024, max: 2147483647, default: 2097152, format: NumFormat::Int, unsigned: false } },
    Std { name: "tls-port", alias: None, kind: Kind::Num { min: 0, max: 65535, default: 0, format: NumFormat::Int, unsigned: false } },
    Std { name: "tls-session-cache-size", alias: None, kind: Kind::Num { min: 0, max: 2147483647, default: 20480, format: NumFormat::Int, unsigned: false } },
    Std { name: "tls-session-cache-timeout", alias: None, kind: Kind::Num { min: 0, max: 2147483647, default: 300, format: NumFormat::Int, unsigned: false } },
    Std { name: "tls-cluster", alias: None, kind: Kind::Bool { default: false } },
    Std { name: "tls-replication", alias: None, kind: Kind::Bool { default: false } },
    Std { name: "tls-auth-clients", alias: None, kind: Kind::Enum { values: TLS_AUTH_CLIENTS_ENUM, default: "yes", multi: false } },
    Std { name: "tls-prefer-server-ciphers", alias: None, kind: Kind::Bool { default: false } },
    Std { name: "tls-session-caching", alias: None, kind: Kind::Bool { default: true } },
    Std { name: "tls-cert-file", alias: None, kind: Kind::Str { default: None, empty_is_null: true } },
    Std { name: "tls-key-file", alias: None, kind: Kind::Str { default: None, empty_is_null: true } },
    Std { name: "tls-key-file-pass", alias: None, kind: Kind::Str { default: None, empty_is_null: true } },
    Std { name: "tls-client-cert-file", alias: None, kind: Kind::Str { default: None, empty_is_null: true } },
    Std { name: "tls-client-key-file", alias: None, kind: Kind::Str { default: None, empty_is_null: true } },
    Std { name: "tls-client-key-file-pass", alias: None, kind: Kind::Str { default: None, empty_is_null: true } },
    Std { name: "tls-dh-params-file", alias: None, kind: Kind::Str { default: None, empty_is_null: true } },
    Std { name: "tls-ca-cert-file", alias: None, kind: Kind::Str { default: None, empty_is_null: true } },
    Std { name: "tls-ca-cert-dir", alias: None, kind: Kind::Str { default: None, empty_is_null: true } },
    Std { name: "tls-protocols", alias: None, kind: Kind::Str { default: None, empty_is_null: true } },
    Std { name: "tls-ciphers", alias: None, kind: Kind::Str { default: None, empty_is_null: true } },
    Std { name: "tls-ciphersuites", alias: None, kind: Kind::Str { default: None, empty_is_null: true } },
    Std { name: "dir", alias: None, kind: Kind::Special },
    Std { name: "save", alias: None, kind: Kind::Special },
    Std { name: "client-output-buffer-limit", alias: None, kind: Kind::Special },
    Std { name: "oom-score-adj-values", alias: None, kind: Kind::Special },
    Std { name: "notify-keyspace-events", alias: None, kind: Kind::Special },
    Std { name: "bind", alias: None, kind: Kind::Special },
    Std { name: "replicaof", alias: Some("slaveof"), kind: Kind::Special },
    Std { name: "latency-tracking-info-percentiles", alias: None, kind: Kind::Special },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_by_name_and_alias() {
        assert_eq!(lookup("PORT").map(|s| s.name), Some("port"));
        assert_eq!(lookup("slaveof").map(|s| s.name), Some("replicaof"));
        assert_eq!(
            lookup("slave-read-only").map(|s| s.name),
            Some("replica-read-only")
        );
        assert!(lookup("sentinel").is_none());
        assert_eq!(STANDARD.len(), 178);
    }
}
