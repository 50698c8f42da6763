//! Serving: binding the endpoints, building the daemon state around the core, starting
//! the tasks (listeners, monitoring driver, metrics, TLS reloads), and the orderly exit on
//! a signal or `SHUTDOWN`. Messages are redis-sentinel's.

use crate::logger::Logger;
use crate::preflight::{build_acl, nowhere_to_listen};
use crate::server;
use crate::state::{Daemon, Identity, Pause, Stats, Wakeups};
use rand::RngCore;
use rsentinel_config::{Config, LogLevel};
use rsentinel_core::Sentinel;
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// Serves until a signal or `SHUTDOWN`; returns the exit code.
pub(crate) async fn serve(
    mut config: Config,
    config_path: PathBuf,
    log: Logger,
    systemd: bool,
) -> i32 {
    crate::panic::install(log.clone());
    log.warning("oO0OoO0OoO0Oo rsentinel is starting oO0OoO0OoO0Oo");
    log.warning(&format!(
        "rsentinel version={} (redis {} compatible), bits={}, pid={}, just started",
        env!("CARGO_PKG_VERSION"),
        crate::version::REDIS_VERSION,
        usize::BITS,
        std::process::id()
    ));
    log.warning("Configuration loaded");
    if !prepare_process(&mut config, &config_path, &log) {
        return 1;
    }
    let Some(acl) = build_acl(&config, &log) else {
        return 1;
    };
    // TLS is configured before any port is bound, as in redis' initServer.
    let tls_settings = crate::tls::TlsSettings::from_config(&config);
    let tls = match crate::tls::TlsContext::configure(&tls_settings) {
        Ok(Some((ctx, notes))) => {
            notes.iter().for_each(|n| log.warning(n));
            Some(ctx)
        }
        Ok(None) => None,
        Err(errors) => {
            errors.iter().for_each(|e| log.warning(e));
            log.warning("Failed to configure TLS. Check logs for more info.");
            return 1;
        }
    };
    let Some(endpoints) = Endpoints::bind(&config, tls_settings.port, &log) else {
        return 1;
    };
    let hosts = crate::hosts::Hosts::default();
    hosts.set_enabled(config.sentinel.resolve_hostnames);
    if hosts.enabled() {
        hosts
            .refresh(crate::hosts::names_in_config(&config.sentinel))
            .await;
    }
    let Some(mut sentinel) = build_sentinel(&config, &config_path, &hosts) else {
        return 1;
    };
    sentinel.set_listen_port(tls_settings.announce_base_port(config.server.port));
    let pidfile = config.server.pidfile.clone().or_else(|| {
        config
            .server
            .daemonize
            .then(|| "/var/run/redis.pid".to_string())
    });
    if let Some(p) = &pidfile {
        if let Err(e) = std::fs::write(p, format!("{}\n", std::process::id())) {
            log.warning(&format!("Failed to write PID file: {e}"));
        }
    }
    let renames = match crate::rename::Renames::new(&config.server.rename_commands) {
        Ok(r) => r,
        Err(e) => {
            log.warning(&e);
            return 1;
        }
    };
    let pubsub_limits = crate::clients::OutputLimits::pubsub(&config.server);
    let wake = Wakeups::default();
    let shutdown_notify = wake.shutdown();
    let (link_events, link_rx) = crate::link_events::channel();
    let identity = Identity::new(config_path, random_hex40(), endpoints.shown_port, systemd);
    let daemon = Rc::new(RefCell::new(Daemon {
        identity,
        config,
        sentinel,
        acl,
        clients: crate::clients::Clients::new(pubsub_limits),
        stats: Stats::default(),
        log: log.clone(),
        pause: Pause::default(),
        wake,
        links: crate::links::Links::new(link_events, hosts.clone()),
        renames,
        scripts: Default::default(),
        metrics: Default::default(),
        tls,
        hosts,
    }));
    {
        let mut d = daemon.borrow_mut();
        d.sentinel.start();
        d.after_command();
    }
    if !endpoints.serve(&daemon, &log) {
        return 1;
    }
    apply_process_settings(&daemon.borrow().config, &log);
    if daemon.borrow().tls.is_some() {
        tokio::task::spawn_local(watch_tls(daemon.clone()));
    }
    tokio::task::spawn_local(crate::driver::run(daemon.clone(), link_rx));
    tokio::task::spawn_local(crate::heap::trim_periodically());
    crate::panic::inject_if_asked();
    if systemd {
        crate::supervise::notify(&log, "STATUS=Ready to accept connections\n");
        crate::supervise::notify(&log, "READY=1\n");
        if let Some(every) = crate::supervise::watchdog_interval() {
            tokio::task::spawn_local(crate::supervise::watchdog(log.clone(), every));
        }
    }
    tokio::select! {
        sig = wait_signal() => {
            log.from_signal_handler(
                LogLevel::Warning,
                &format!("Received {sig} scheduling shutdown..."),
            );
            log.warning("User requested shutdown...");
        }
        _ = shutdown_notify.notified() => {}
    }
    if systemd {
        crate::supervise::notify(&log, "STOPPING=1\n");
    }
    let unixsocket = daemon.borrow().config.server.unixsocket.clone();
    clean_up(pidfile.as_deref(), unixsocket.as_deref(), &log);
    log.warning("rsentinel is now ready to exit, bye bye...");
    0
}

/// What precedes binding: stale temporary files, directives not acted upon, the file
/// descriptor limit and `dir`. False when the start must stop (already logged).
fn prepare_process(config: &mut Config, config_path: &Path, log: &Logger) -> bool {
    // A rewrite killed between creating its temporary file and renaming it leaves the
    // file behind; nothing else can be using it now.
    for stale in rsentinel_config::remove_stale_temps(config_path) {
        log.notice(&format!(
            "Removed {}, left by an interrupted config rewrite",
            stale.display()
        ));
    }
    for d in config.not_acted_upon() {
        log.warning(&format!(
            "Directive '{d}' is accepted and kept in the config file, but rsentinel does not act on it"
        ));
    }
    match crate::fdlimit::adjust(&mut crate::fdlimit::OsLimit, config.server.maxclients, log) {
        Some(n) => config.server.maxclients = n,
        None => return false,
    }
    if let Some(dir) = &config.server.dir {
        if let Err(e) = std::env::set_current_dir(dir) {
            log.warning(&format!("Can't chdir to '{dir}': {e}"));
            return false;
        }
    }
    true
}

/// Every socket the daemon serves on, bound before anything is monitored so that a bad
/// address stops the start, as in redis.
struct Endpoints {
    /// Plain TCP listeners first, then TLS ones from `tls_from` on.
    listeners: Vec<socket2::Socket>,
    tls_from: usize,
    port: u16,
    tls_port: u16,
    /// What redis shows as "the" port when the plain one is off.
    shown_port: u16,
    backlog: u32,
    /// rsentinel's own `/metrics` endpoint.
    metrics: Option<tokio::net::TcpListener>,
    unix: Option<(String, socket2::Socket)>,
}

impl Endpoints {
    /// Binds them all; `None` after logging redis' message when one fails.
    fn bind(config: &Config, tls_port: u16, log: &Logger) -> Option<Endpoints> {
        let port = config.server.port;
        let mut listeners = listen_on(log, &config.server.bind, port, "TCP")?;
        let tls_listeners = listen_on(log, &config.server.bind, tls_port, "TLS")?;
        let tls_from = listeners.len();
        listeners.extend(tls_listeners);
        let (metrics_bind, metrics_port) =
            (&config.server.metrics_bind, config.server.metrics_port);
        let metrics = if metrics_port == 0 {
            None
        } else {
            match metrics_listener(metrics_bind, metrics_port) {
                Ok(l) => Some(l),
                Err(e) => {
                    log.warning(&format!(
                        "Could not create the metrics listening socket {metrics_bind}:{metrics_port}: {e}"
                    ));
                    return None;
                }
            }
        };
        let unix = match &config.server.unixsocket {
            Some(path) => match server::bind_unix(path, config.server.unixsocketperm) {
                Ok(sock) => Some((path.clone(), sock)),
                Err(e) => {
                    log.warning(&format!("Failed opening Unix socket: {e}"));
                    return None;
                }
            },
            None => None,
        };
        if nowhere_to_listen(config) {
            log.warning("Configured to not listen anywhere, exiting.");
            return None;
        }
        let shown_port = if port != 0 { port } else { tls_port };
        log.notice(&format!("Running mode=sentinel, port={shown_port}."));
        if metrics.is_some() {
            log.notice(&format!(
                "Metrics endpoint listening on {metrics_bind} port {metrics_port}"
            ));
        }
        Some(Endpoints {
            listeners,
            tls_from,
            port,
            tls_port,
            shown_port,
            backlog: config.server.tcp_backlog,
            metrics,
            unix,
        })
    }

    /// Starts listening and an accept task on each; false when one fails (logged).
    fn serve(self, daemon: &Rc<RefCell<Daemon>>, log: &Logger) -> bool {
        for (i, sock) in self.listeners.into_iter().enumerate() {
            let tls = i >= self.tls_from;
            match server::start_listening(sock, self.backlog) {
                Ok(l) => {
                    tokio::task::spawn_local(server::accept_loop(daemon.clone(), l, tls));
                }
                Err(e) => {
                    let (p, kind) = if tls {
                        (self.tls_port, "TLS")
                    } else {
                        (self.port, "TCP")
                    };
                    log.warning(&format!(
                        "Failed listening on port {p} ({kind}), aborting: {e}"
                    ));
                    return false;
                }
            }
        }
        if let Some(l) = self.metrics {
            tokio::task::spawn_local(crate::metrics::serve(daemon.clone(), l));
        }
        if let Some((path, sock)) = self.unix {
            match server::start_listening_unix(sock, self.backlog) {
                Ok(l) => {
                    tokio::task::spawn_local(server::accept_loop_unix(daemon.clone(), l, path));
                }
                Err(e) => {
                    log.warning(&format!("Failed opening Unix socket: listen: {e}"));
                    return false;
                }
            }
        }
        true
    }
}

/// The core, built from the config's monitored masters; `None` after printing redis'
/// fatal config error.
fn build_sentinel(
    config: &Config,
    config_path: &Path,
    hosts: &crate::hosts::Hosts,
) -> Option<Sentinel> {
    let seed = rand::thread_rng().next_u64();
    let resolve = |host: &str| hosts.resolve(host);
    let mut sentinel =
        match Sentinel::new(config.sentinel.clone(), Daemon::now_ms(), seed, &resolve) {
            Ok(s) => s,
            Err(e) => {
                crate::preflight::print_fatal(config_path, e);
                return None;
            }
        };
    sentinel.set_requirepass(config.server.requirepass.clone());
    sentinel.set_loglevel(config.server.loglevel);
    sentinel.set_resolver(Box::new({
        let hosts = hosts.clone();
        move |host: &str| hosts.resolve(host)
    }));
    sentinel.set_utc_offset(crate::logger::utc_offset(std::time::SystemTime::now()));
    Some(sentinel)
}

/// The process-wide settings redis applies once serving: the maxmemory warning, the
/// OOM score and the CPU list.
fn apply_process_settings(config: &Config, log: &Logger) {
    let maxmemory = config.server.number("maxmemory").unwrap_or(0);
    if maxmemory > 0 && maxmemory < 1024 * 1024 {
        log.warning(&format!("WARNING: You specified a maxmemory value that is less than 1MB (current value is {maxmemory} bytes). Are you sure this is what you really want?"));
    }
    let (oom_mode, oom_value) = config.server.oom_score_adj();
    crate::oom::apply(oom_mode, oom_value, log);
    if let Some(list) = config.server.text("server_cpulist") {
        crate::affinity::apply(&list, log);
    }
}

/// Removes the pid file and the unix socket at exit, with redis' log lines.
fn clean_up(pidfile: Option<&str>, unixsocket: Option<&str>, log: &Logger) {
    if let Some(p) = pidfile {
        log.notice("Removing the pid file.");
        let _ = std::fs::remove_file(p);
    }
    if let Some(path) = unixsocket {
        log.notice("Removing the unix socket file.");
        if let Err(e) = std::fs::remove_file(path) {
            log.warning(&format!(
                "Error removing the unix socket file: {}",
                crate::os_error::strerror(&e)
            ));
        }
    }
}

/// Checks the TLS material files every [`crate::tls::RELOAD_POLL`] and swaps in what changed, with a log
/// line either way. Runs for the life of the process.
async fn watch_tls(daemon: Rc<RefCell<Daemon>>) {
    loop {
        tokio::time::sleep(crate::tls::RELOAD_POLL).await;
        let mut d = daemon.borrow_mut();
        let Some(tls) = d.tls.as_mut() else { return };
        match tls.reload_if_changed() {
            crate::tls::Reload::Unchanged => {}
            crate::tls::Reload::Reloaded(files) => d.log.notice(&format!(
                "TLS certificates and keys reloaded after a change on disk ({})",
                files.join(", ")
            )),
            crate::tls::Reload::Failed(errors, files) => {
                let log = d.log.clone();
                log.warning(&format!(
                    "TLS files changed on disk ({}) but could not be loaded; the current certificates and keys stay in use:",
                    files.join(", ")
                ));
                errors.iter().for_each(|e| log.warning(e));
            }
        }
    }
}

/// The metrics listener (rsentinel's own `metrics-bind`/`metrics-port`).
fn metrics_listener(bind: &str, port: u16) -> std::io::Result<tokio::net::TcpListener> {
    let ip: std::net::IpAddr = bind
        .parse()
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidInput, "bad address"))?;
    let l = std::net::TcpListener::bind(std::net::SocketAddr::new(ip, port))?;
    l.set_nonblocking(true)?;
    tokio::net::TcpListener::from_std(l)
}

/// Binds every `bind` address on `port` (none for port 0, as in redis); `None` after
/// logging redis' message when a required one fails.
fn listen_on(log: &Logger, bind: &[String], port: u16, kind: &str) -> Option<Vec<socket2::Socket>> {
    let mut listeners = Vec::new();
    if port == 0 {
        return Some(listeners);
    }
    for b in server::bind_addrs(bind) {
        match server::bind(&b.host, port) {
            Ok(l) => listeners.push(l),
            Err(e) if b.optional => {
                log.verbose(&format!("Skipping optional bind {}:{port}: {e}", b.host));
            }
            Err(e) => {
                log.warning(&format!(
                    "Warning: Could not create server TCP listening socket {}:{port}: {e}",
                    b.host
                ));
                log.warning(&format!(
                    "Failed listening on port {port} ({kind}), aborting."
                ));
                return None;
            }
        }
    }
    if listeners.is_empty() {
        log.warning(&format!(
            "Failed listening on port {port} ({kind}), aborting."
        ));
        return None;
    }
    Some(listeners)
}

fn random_hex40() -> String {
    let mut bytes = [0u8; 20];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

async fn wait_signal() -> &'static str {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = int.recv() => "SIGINT",
    }
}
