//! Process life cycle: command line, config loading, the checks redis-sentinel makes
//! before serving (config file present and writable), daemonizing, pidfile, listening,
//! signals and shutdown. Messages and exit codes are redis-sentinel's.

use crate::logger::Logger;
use crate::server;
use crate::state::{Daemon, Identity, Pause, Stats, Wakeups};
use rand::RngCore;
use rsentinel_acl::{Acl, UserDirectives};
use rsentinel_config::{Config, LogLevel};
use rsentinel_core::Sentinel;
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Instant;

const USAGE: &str = "Usage: ./rsentinel [/path/to/sentinel.conf] [options] [-]
       ./rsentinel - (read config from stdin)
       ./rsentinel -v or --version
       ./rsentinel -h or --help
       ./rsentinel --test-config /path/to/sentinel.conf

Examples:
       ./rsentinel /etc/redis/sentinel.conf
       ./rsentinel /etc/redis/sentinel.conf --port 26380
       ./rsentinel /etc/redis/sentinel.conf --sentinel monitor mymaster 127.0.0.1 6379 2
       ./rsentinel /etc/redis/sentinel.conf --loglevel verbose
";

/// Runs the whole program; returns the process exit code.
pub fn main_entry(args: Vec<String>) -> i32 {
    // A hang-up from the terminal must not stop a Sentinel (redis ignores SIGHUP too).
    #[allow(unsafe_code)] // see the SAFETY comment
    // SAFETY: setting a signal's disposition to SIG_IGN before any thread exists.
    unsafe {
        libc::signal(libc::SIGHUP, libc::SIG_IGN);
    }
    let mut rest = args[1.min(args.len())..].to_vec();
    // `--test-config FILE`, as the usage shows it, means `FILE --test-config`.
    if rest.len() >= 2 && rest[0] == "--test-config" && !rest[1].starts_with('-') {
        rest.swap(0, 1);
    }
    let cli = match rsentinel_config::parse_cli(&rest) {
        Ok(c) => c,
        Err(msg) => {
            eprintln!("{msg}");
            return 1;
        }
    };
    if cli.version {
        // Field for field like `Redis server v=7.0.15 sha=... malloc=... bits=64 build=...`,
        // so scripts that take the third word or grep `v=` read the compatible version.
        println!(
            "rsentinel server v={} sha=00000000:0 malloc=libc bits={} build={} rsentinel={}",
            crate::version::REDIS_VERSION,
            usize::BITS,
            crate::version::BUILD_ID,
            env!("CARGO_PKG_VERSION")
        );
        return 0;
    }
    if cli.help {
        eprint!("{USAGE}");
        return 0;
    }
    let stdout_log = Logger::new("", LogLevel::Notice);
    let Some(path) = cli.config_file.clone() else {
        stdout_log.warning("Sentinel needs config file on disk to save state. Exiting...");
        return 1;
    };
    let config = match rsentinel_config::load(Path::new(&path), &cli) {
        Ok(c) => c,
        Err(e @ rsentinel_config::ConfigError::Open { .. }) => {
            stdout_log.warning(&e.to_string());
            return 1;
        }
        Err(e) => {
            // The report ends with its own newline, as redis prints it.
            eprint!("{e}");
            return 1;
        }
    };
    // The config path must stay valid after `dir` changes the working directory.
    let abs_path = std::path::absolute(&path).unwrap_or_else(|_| PathBuf::from(&path));
    if cli.test_config {
        return test_config(&config, &path, &abs_path);
    }
    let mut log = Logger::from_settings(&config.server);
    if let Err(e) = check_writable(&abs_path) {
        log.warning(&not_writable(&abs_path, &e));
        return 1;
    }
    let supervised = crate::supervise::start(&log, &config.server.supervised);
    if config.server.daemonize && !supervised {
        if let Err(e) = daemonize(config.server.logfile.is_empty()) {
            log.warning(&format!("Can't daemonize: {e}"));
            return 1;
        }
        log.refresh_pid();
    }
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            log.warning(&format!("Can't start the event loop: {e}"));
            return 1;
        }
    };
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, serve(config, abs_path, log, supervised))
}

/// redis' message for a config file it could not save into.
fn not_writable(path: &Path, e: &std::io::Error) -> String {
    format!(
        "Sentinel config file {} is not writable: {}. Exiting...",
        path.display(),
        crate::os_error::strerror(e)
    )
}

/// `--test-config`: every check a start makes before serving, with the messages a start
/// would log (here on standard output), without listening, writing or daemonizing.
/// Listen addresses are bound on a free port, so a Sentinel already running with this
/// file does not make the check fail.
fn test_config(config: &Config, path: &str, abs_path: &Path) -> i32 {
    let log = Logger::new("", LogLevel::Notice);
    if let Err(e) = check_writable(abs_path) {
        log.warning(&not_writable(abs_path, &e));
        return 1;
    }
    if let Some(dir) = &config.server.dir {
        if let Err(e) = std::fs::read_dir(dir) {
            log.warning(&format!("Can't chdir to '{dir}': {e}"));
            return 1;
        }
    }
    if build_acl(config, &log).is_none() {
        return 1;
    }
    if let Err(e) = crate::rename::Renames::new(&config.server.rename_commands) {
        log.warning(&e);
        return 1;
    }
    if config.server.port != 0 {
        for b in server::bind_addrs(&config.server.bind) {
            if let Err(e) = server::bind(&b.host, 0) {
                if !b.optional {
                    log.warning(&format!(
                        "Warning: Could not create server TCP listening socket {}:{}: {e}",
                        b.host, config.server.port
                    ));
                    log.warning(&format!(
                        "Failed listening on port {} (TCP), aborting.",
                        config.server.port
                    ));
                    return 1;
                }
            }
        }
    }
    if let Some(sock) = &config.server.unixsocket {
        // A start opens it after moving to `dir`.
        let at_start = match &config.server.dir {
            Some(dir) if Path::new(sock).is_relative() => {
                Path::new(dir).join(sock).display().to_string()
            }
            _ => sock.clone(),
        };
        if let Err(e) = server::check_unix_path(&at_start) {
            log.warning(&format!("Failed opening Unix socket: {e}"));
            return 1;
        }
    }
    if let Err(e) = check_tls(config) {
        log.warning(&e);
        return 1;
    }
    if nowhere_to_listen(config) {
        log.warning("Configured to not listen anywhere, exiting.");
        return 1;
    }
    let hosts = crate::hosts::HostTable::default();
    if config.sentinel.resolve_hostnames {
        // No event loop runs yet: a runtime of our own for the lookups.
        if let Ok(rt) = tokio::runtime::Builder::new_current_thread().build() {
            rt.block_on(hosts.refresh(crate::hosts::names_in_config(&config.sentinel)));
        }
    }
    let resolve = |host: &str| hosts.resolve(host);
    if let Err(e) = Sentinel::new(config.sentinel.clone(), 0, 0, &resolve) {
        eprint!(
            "{}",
            rsentinel_config::fatal_error_text(
                &abs_path.display().to_string(),
                e.master.as_deref(),
                e.message
            )
        );
        return 1;
    }
    println!("Configuration of {path} is OK");
    0
}

/// TLS material (certificates, keys, CA, protocols, ciphers) loaded as a start loads it,
/// so that `--test-config` reports what would stop the start.
fn check_tls(config: &Config) -> Result<(), String> {
    let settings = crate::tls::TlsSettings::from_config(config);
    match crate::tls::TlsContext::configure(&settings) {
        Ok(_) => Ok(()),
        Err(errors) => Err(format!(
            "{}\nFailed to configure TLS. Check logs for more info.",
            errors.join("\n")
        )),
    }
}

/// redis exits when it would listen on nothing: no TCP port, no TLS port and no unix
/// socket.
fn nowhere_to_listen(config: &Config) -> bool {
    config.server.port == 0
        && crate::tls::TlsSettings::from_config(config).port == 0
        && config.server.unixsocket.is_none()
}

/// The users, in redis' start-up order: requirepass, `user` lines, then the aclfile.
/// Errors are logged; `None` means start-up must stop.
fn build_acl(config: &Config, log: &Logger) -> Option<Acl> {
    let mut acl = Acl::new();
    acl.set_requirepass(config.server.requirepass.as_deref());
    // ACL settings kept among the generic directives (the config crate validated them).
    for (name, args) in &config.server.other {
        let value = args.first().map(String::as_str).unwrap_or_default();
        match name.as_str() {
            "acllog-max-len" => {
                if let Ok(n) = value.parse::<usize>() {
                    acl.set_log_max_len(n);
                }
            }
            "acl-pubsub-default" => {
                acl.set_pubsub_default_allchannels(value.eq_ignore_ascii_case("allchannels"))
            }
            _ => {}
        }
    }
    if !config.server.users.is_empty() && config.server.aclfile.is_some() {
        log.warning(rsentinel_acl::MIXED_USERS_AND_ACLFILE);
        return None;
    }
    let mut directives = UserDirectives::new();
    for user in &config.server.users {
        if let Err(e) = directives.add(user) {
            log.warning(&e);
            return None;
        }
    }
    match acl.load_user_directives(&directives) {
        Ok(notes) => notes.iter().for_each(|n| log.notice(n)),
        Err(errors) => {
            errors.iter().for_each(|e| log.warning(e));
            return None;
        }
    }
    if let Some(file) = &config.server.aclfile {
        let loaded = std::fs::read(file)
            .map_err(|e| {
                format!(
                    "Error loading ACLs, opening file '{file}': {}",
                    crate::os_error::strerror(&e)
                )
            })
            .and_then(|text| acl.load_aclfile(file, &text));
        if let Err(e) = loaded {
            log.warning(&format!(
                "Aborting Redis startup because of ACL errors: {e}"
            ));
            return None;
        }
    }
    Some(acl)
}

fn check_writable(path: &Path) -> std::io::Result<()> {
    std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .map(|_| ())
}

/// Detaches from the terminal like redis' daemonize(): fork, new session, standard
/// streams to /dev/null (the log then goes nowhere unless `logfile` is set, as in redis).
#[allow(unsafe_code)] // see the SAFETY comment
fn daemonize(_log_to_stdout: bool) -> std::io::Result<()> {
    // SAFETY: called before any thread or runtime exists; the parent exits at once.
    unsafe {
        match libc::fork() {
            -1 => return Err(std::io::Error::last_os_error()),
            0 => {}
            _ => libc::_exit(0),
        }
        libc::setsid();
        let devnull = b"/dev/null\0";
        let fd = libc::open(devnull.as_ptr() as *const libc::c_char, libc::O_RDWR);
        if fd != -1 {
            libc::dup2(fd, 0);
            libc::dup2(fd, 1);
            libc::dup2(fd, 2);
            if fd > 2 {
                libc::close(fd);
            }
        }
    }
    Ok(())
}

fn random_hex40() -> String {
    let mut bytes = [0u8; 20];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

async fn serve(mut config: Config, config_path: PathBuf, log: Logger, systemd: bool) -> i32 {
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
    // A rewrite killed between creating its temporary file and renaming it leaves the
    // file behind; nothing else can be using it now.
    for stale in rsentinel_config::remove_stale_temps(&config_path) {
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
    match crate::fdlimit::adjust(&mut crate::fdlimit::OsLimit, config.server.maxclients, &log) {
        Some(n) => config.server.maxclients = n,
        None => return 1,
    }
    if let Some(dir) = &config.server.dir {
        if let Err(e) = std::env::set_current_dir(dir) {
            log.warning(&format!("Can't chdir to '{dir}': {e}"));
            return 1;
        }
    }
    let acl = match build_acl(&config, &log) {
        Some(acl) => acl,
        None => return 1,
    };
    let port = config.server.port;
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
    let tls_port = tls_settings.port;
    let Some(mut listeners) = listen_on(&log, &config.server.bind, port, "TCP") else {
        return 1;
    };
    let Some(tls_listeners) = listen_on(&log, &config.server.bind, tls_port, "TLS") else {
        return 1;
    };
    let tls_from = listeners.len();
    listeners.extend(tls_listeners);
    // rsentinel's own endpoint, bound before anything is monitored so that a bad address
    // stops the start like a bad `bind`.
    let (metrics_bind, metrics_port) = (&config.server.metrics_bind, config.server.metrics_port);
    let metrics = if metrics_port == 0 {
        None
    } else {
        match metrics_listener(metrics_bind, metrics_port) {
            Ok(l) => Some(l),
            Err(e) => {
                log.warning(&format!(
                    "Could not create the metrics listening socket {metrics_bind}:{metrics_port}: {e}"
                ));
                return 1;
            }
        }
    };
    let unix = match &config.server.unixsocket {
        Some(path) => match server::bind_unix(path, config.server.unixsocketperm) {
            Ok(sock) => Some((path.clone(), sock)),
            Err(e) => {
                log.warning(&format!("Failed opening Unix socket: {e}"));
                return 1;
            }
        },
        None => None,
    };
    if nowhere_to_listen(&config) {
        log.warning("Configured to not listen anywhere, exiting.");
        return 1;
    }
    // What redis shows as "the" port when the plain one is off.
    let shown_port = if port != 0 { port } else { tls_port };
    log.notice(&format!("Running mode=sentinel, port={shown_port}."));
    if metrics.is_some() {
        log.notice(&format!(
            "Metrics endpoint listening on {metrics_bind} port {metrics_port}"
        ));
    }
    let now_ms = Daemon::now_ms();
    let seed = rand::thread_rng().next_u64();
    let hosts = crate::hosts::Hosts::default();
    hosts.set_enabled(config.sentinel.resolve_hostnames);
    if hosts.enabled() {
        hosts
            .refresh(crate::hosts::names_in_config(&config.sentinel))
            .await;
    }
    let resolve = |host: &str| hosts.resolve(host);
    let sentinel = match Sentinel::new(config.sentinel.clone(), now_ms, seed, &resolve) {
        Ok(s) => s,
        Err(e) => {
            eprint!(
                "{}",
                rsentinel_config::fatal_error_text(
                    &config_path.display().to_string(),
                    e.master.as_deref(),
                    e.message
                )
            );
            return 1;
        }
    };
    let mut sentinel = sentinel;
    sentinel.set_requirepass(config.server.requirepass.clone());
    sentinel.set_loglevel(config.server.loglevel);
    sentinel.set_resolver(Box::new({
        let hosts = hosts.clone();
        move |host: &str| hosts.resolve(host)
    }));
    sentinel.set_listen_port(tls_settings.announce_base_port(port));
    sentinel.set_utc_offset(crate::logger::utc_offset(std::time::SystemTime::now()));
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
    let shutdown_notify = wake.shutdown.clone();
    let (link_events, link_rx) = tokio::sync::mpsc::unbounded_channel();
    let identity = Identity {
        config_path,
        started: Instant::now(),
        run_id: random_hex40(),
        port: shown_port,
        executable: std::env::current_exe()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        supervised_systemd: systemd,
    };
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
    let backlog = daemon.borrow().config.server.tcp_backlog;
    for (i, sock) in listeners.into_iter().enumerate() {
        let tls = i >= tls_from;
        match server::start_listening(sock, backlog) {
            Ok(l) => {
                tokio::task::spawn_local(server::accept_loop(daemon.clone(), l, tls));
            }
            Err(e) => {
                let (p, kind) = if tls {
                    (tls_port, "TLS")
                } else {
                    (port, "TCP")
                };
                log.warning(&format!(
                    "Failed listening on port {p} ({kind}), aborting: {e}"
                ));
                return 1;
            }
        }
    }
    if let Some(l) = metrics {
        tokio::task::spawn_local(crate::metrics::serve(daemon.clone(), l));
    }
    if let Some((path, sock)) = unix {
        match server::start_listening_unix(sock, backlog) {
            Ok(l) => {
                tokio::task::spawn_local(server::accept_loop_unix(daemon.clone(), l, path));
            }
            Err(e) => {
                log.warning(&format!("Failed opening Unix socket: listen: {e}"));
                return 1;
            }
        }
    }
    let maxmemory = daemon
        .borrow()
        .config
        .server
        .number("maxmemory")
        .unwrap_or(0);
    if maxmemory > 0 && maxmemory < 1024 * 1024 {
        log.warning(&format!("WARNING: You specified a maxmemory value that is less than 1MB (current value is {maxmemory} bytes). Are you sure this is what you really want?"));
    }
    let (oom_mode, oom_value) = daemon.borrow().config.server.oom_score_adj();
    crate::oom::apply(oom_mode, oom_value, &log);
    if let Some(list) = daemon.borrow().config.server.text("server_cpulist") {
        crate::affinity::apply(&list, &log);
    }
    if daemon.borrow().tls.is_some() {
        tokio::task::spawn_local(watch_tls(daemon.clone()));
    }
    tokio::task::spawn_local(crate::driver::run(daemon.clone(), link_rx));
    crate::panic::inject_if_asked();
    if systemd {
        crate::supervise::notify(&log, "STATUS=Ready to accept connections\n");
        crate::supervise::notify(&log, "READY=1\n");
        if let Some(every) = crate::supervise::watchdog_interval() {
            tokio::task::spawn_local(crate::supervise::watchdog(log.clone(), every));
        }
    }
    let signal = wait_signal();
    tokio::select! {
        sig = signal => {
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
    if let Some(p) = &pidfile {
        log.notice("Removing the pid file.");
        let _ = std::fs::remove_file(p);
    }
    if let Some(path) = &daemon.borrow().config.server.unixsocket {
        log.notice("Removing the unix socket file.");
        if let Err(e) = std::fs::remove_file(path) {
            log.warning(&format!(
                "Error removing the unix socket file: {}",
                crate::os_error::strerror(&e)
            ));
        }
    }
    log.warning("rsentinel is now ready to exit, bye bye...");
    0
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
