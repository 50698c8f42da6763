//! INFO: the sections redis-sentinel 7.0.15 has (server, clients, stats, cpu, sentinel),
//! with its field names and order, because monitoring agents parse them by name.

use crate::state::Daemon;
use bytes::Bytes;
use std::time::{SystemTime, UNIX_EPOCH};

const SECTIONS: &[&str] = &["server", "clients", "stats", "cpu", "sentinel"];

impl Daemon {
    /// The INFO text for the requested sections (none, `default`, `all` or `everything`
    /// mean all of them); unknown names are ignored, as redis does.
    pub fn info(&self, args: &[Bytes]) -> String {
        let wanted: Vec<&str> = if args.is_empty() {
            SECTIONS.to_vec()
        } else {
            let names: Vec<String> = args
                .iter()
                .map(|a| String::from_utf8_lossy(a).to_ascii_lowercase())
                .collect();
            if names
                .iter()
                .any(|n| n == "all" || n == "everything" || n == "default")
            {
                SECTIONS.to_vec()
            } else {
                SECTIONS
                    .iter()
                    .copied()
                    .filter(|s| names.iter().any(|n| n == s))
                    .collect()
            }
        };
        let parts: Vec<String> = wanted
            .iter()
            .map(|s| match *s {
                "server" => self.info_server(),
                "clients" => self.info_clients(),
                "stats" => self.info_stats(),
                "cpu" => info_cpu(),
                _ => self.sentinel.info_section(Daemon::now_ms()),
            })
            .collect();
        parts.join("\r\n")
    }

    fn info_server(&self) -> String {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let uptime = self.identity.uptime().as_secs();
        let config_file = std::fs::canonicalize(self.identity.config_path())
            .unwrap_or_else(|_| self.identity.config_path().clone());
        let fields: Vec<(&str, String)> = vec![
            ("redis_version", crate::version::REDIS_VERSION.to_string()),
            ("redis_git_sha1", "00000000".into()),
            ("redis_git_dirty", "0".into()),
            ("redis_build_id", crate::version::BUILD_ID.into()),
            ("redis_mode", "sentinel".into()),
            ("os", os_string()),
            ("arch_bits", (usize::BITS).to_string()),
            ("monotonic_clock", "POSIX clock_gettime".into()),
            ("multiplexing_api", "epoll".into()),
            ("atomicvar_api", "c11-builtin".into()),
            ("gcc_version", "0.0.0".into()),
            ("process_id", std::process::id().to_string()),
            (
                "process_supervised",
                if self.identity.supervised_systemd() {
                    "systemd"
                } else {
                    "no"
                }
                .into(),
            ),
            ("run_id", self.identity.run_id().to_string()),
            ("tcp_port", self.identity.port().to_string()),
            ("server_time_usec", now.as_micros().to_string()),
            ("uptime_in_seconds", uptime.to_string()),
            ("uptime_in_days", (uptime / 86_400).to_string()),
            ("hz", "10".into()),
            ("configured_hz", "10".into()),
            ("lru_clock", (now.as_secs() & ((1 << 24) - 1)).to_string()),
            ("executable", self.identity.executable().to_string()),
            ("config_file", config_file.display().to_string()),
            ("io_threads_active", "0".into()),
        ];
        section("Server", &fields)
    }

    fn info_clients(&self) -> String {
        let fields: Vec<(&str, String)> = vec![
            ("connected_clients", self.clients.len().to_string()),
            ("cluster_connections", "0".into()),
            ("maxclients", self.config.server.maxclients.to_string()),
            (
                "client_recent_max_input_buffer",
                self.stats.totals().recent_max_input.to_string(),
            ),
            ("client_recent_max_output_buffer", "0".into()),
            ("blocked_clients", "0".into()),
            ("tracking_clients", "0".into()),
            ("clients_in_timeout_table", "0".into()),
        ];
        section("Clients", &fields)
    }

    fn info_stats(&self) -> String {
        let s = self.stats.totals();
        let z = || "0".to_string();
        let fields: Vec<(&str, String)> = vec![
            (
                "total_connections_received",
                s.connections_received.to_string(),
            ),
            ("total_commands_processed", s.commands_processed.to_string()),
            ("instantaneous_ops_per_sec", z()),
            ("total_net_input_bytes", s.net_input_bytes.to_string()),
            ("total_net_output_bytes", s.net_output_bytes.to_string()),
            ("total_net_repl_input_bytes", z()),
            ("total_net_repl_output_bytes", z()),
            ("instantaneous_input_kbps", "0.00".into()),
            ("instantaneous_output_kbps", "0.00".into()),
            ("instantaneous_input_repl_kbps", "0.00".into()),
            ("instantaneous_output_repl_kbps", "0.00".into()),
            ("rejected_connections", s.rejected_connections.to_string()),
            ("sync_full", z()),
            ("sync_partial_ok", z()),
            ("sync_partial_err", z()),
            ("expired_keys", z()),
            ("expired_stale_perc", "0.00".into()),
            ("expired_time_cap_reached_count", z()),
            ("expire_cycle_cpu_milliseconds", z()),
            ("evicted_keys", z()),
            ("evicted_clients", z()),
            ("total_eviction_exceeded_time", z()),
            ("current_eviction_exceeded_time", z()),
            ("keyspace_hits", z()),
            ("keyspace_misses", z()),
            ("pubsub_channels", self.clients.channel_count().to_string()),
            ("pubsub_patterns", self.clients.pattern_count().to_string()),
            ("pubsubshard_channels", z()),
            ("latest_fork_usec", z()),
            ("total_forks", z()),
            ("migrate_cached_sockets", z()),
            ("slave_expires_tracked_keys", z()),
            ("active_defrag_hits", z()),
            ("active_defrag_misses", z()),
            ("active_defrag_key_hits", z()),
            ("active_defrag_key_misses", z()),
            ("total_active_defrag_time", z()),
            ("current_active_defrag_time", z()),
            ("tracking_total_keys", z()),
            ("tracking_total_items", z()),
            ("tracking_total_prefixes", z()),
            ("unexpected_error_replies", z()),
            ("total_error_replies", s.error_replies.to_string()),
            ("dump_payload_sanitizations", z()),
            ("total_reads_processed", s.reads_processed.to_string()),
            ("total_writes_processed", s.writes_processed.to_string()),
            ("io_threaded_reads_processed", z()),
            ("io_threaded_writes_processed", z()),
            ("reply_buffer_shrinks", z()),
            ("reply_buffer_expands", z()),
        ];
        section("Stats", &fields)
    }
}

fn section(title: &str, fields: &[(&str, String)]) -> String {
    let mut s = format!("# {title}\r\n");
    for (k, v) in fields {
        s.push_str(k);
        s.push(':');
        s.push_str(v);
        s.push_str("\r\n");
    }
    s
}

/// `Linux 6.1.0 x86_64`, from uname as redis prints it.
#[allow(unsafe_code)] // see the SAFETY comment
fn os_string() -> String {
    // SAFETY: uname fills the struct we own; a zeroed utsname is valid input.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: as above; `u` outlives the call.
    if unsafe { libc::uname(&mut u) } != 0 {
        return std::env::consts::OS.to_string();
    }
    let field = |f: &[libc::c_char]| -> String {
        let bytes: Vec<u8> = f
            .iter()
            .take_while(|&&c| c != 0)
            .map(|&c| c as u8)
            .collect();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    format!(
        "{} {} {}",
        field(&u.sysname),
        field(&u.release),
        field(&u.machine)
    )
}

#[allow(unsafe_code)] // see the SAFETY comment
fn rusage(who: libc::c_int) -> (f64, f64) {
    // SAFETY: getrusage fills the struct we own.
    let mut r: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: as above; `r` outlives the call.
    if unsafe { libc::getrusage(who, &mut r) } != 0 {
        return (0.0, 0.0);
    }
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    (t(r.ru_stime), t(r.ru_utime))
}

fn info_cpu() -> String {
    let (sys, user) = rusage(libc::RUSAGE_SELF);
    let (csys, cuser) = rusage(libc::RUSAGE_CHILDREN);
    let (tsys, tuser) = rusage(libc::RUSAGE_THREAD);
    let fields: Vec<(&str, String)> = vec![
        ("used_cpu_sys", format!("{sys:.6}")),
        ("used_cpu_user", format!("{user:.6}")),
        ("used_cpu_sys_children", format!("{csys:.6}")),
        ("used_cpu_user_children", format!("{cuser:.6}")),
        ("used_cpu_sys_main_thread", format!("{tsys:.6}")),
        ("used_cpu_user_main_thread", format!("{tuser:.6}")),
    ];
    section("CPU", &fields)
}
