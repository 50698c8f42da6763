//! Process life cycle: command line, config loading, the checks redis-sentinel makes
//! before serving (config file present and writable), daemonizing, pidfile, listening,
//! signals and shutdown. Messages and exit codes are redis-sentinel's.

use crate::logger::Logger;
use crate::server;
use crate::state::{Daemon, Pause, Stats};
use rand::RngCore;
use rsentinel_acl::{Acl, UserDirectives};
use rsentinel_config::{Config, LogLevel};
use rsentinel_core::Sentinel;
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Instant;
use tokio::sync::Notify;

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
        println!(
            "rsentinel v={} sha=00000000:0 malloc=libc bits={} build={} ({})",
            crate::REDIS_VERSION,
            usize::BITS,
            crate::BUILD_ID,
            crate::VERSION
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
    if cli.test_config {
        println!("Configuration of {path} is OK");
        return 0;
    }
    // The config path must stay valid after `dir` changes the working directory.
    let abs_path = std::path::absolute(&path).unwrap_or_else(|_| PathBuf::from(&path));
    let mut log = Logger::new(&config.server.logfile, config.server.loglevel);
    if let Err(e) = check_writable(&abs_path) {
        log.warning(&format!(
            "Sentinel config file {} is not writable: {e}. Exiting...",
            abs_path.display()
        ));
        return 1;
    }
    if config.server.daemonize {
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
    local.block_on(&rt, serve(config, abs_path, log))
}

/// The users, in redis' start-up order: requirepass, `user` lines, then the aclfile.
/// Errors are logged; `None` means start-up must stop.
fn build_acl(config: &Config, log: &Logger) -> Option<Acl> {
    let mut acl = Acl::new();
    acl.set_requirepass(config.server.requirepass.as_deref().map(str::as_bytes));
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
        let loaded = std::fs::read_to_string(file)
            .map_err(|e| {
                format!(
                    "Error loading ACLs, opening file '{file}': {}",
                    crate::glue::strerror(&e)
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

async fn serve(mut config: Config, config_path: PathBuf, log: Logger) -> i32 {
    crate::panic::install(log.clone());
    log.warning("oO0OoO0OoO0Oo rsentinel is starting oO0OoO0OoO0Oo");
    log.warning(&format!(
        "rsentinel version={} (redis {} compatible), bits={}, pid={}, just started",
        env!("CARGO_PKG_VERSION"),
        crate::REDIS_VERSION,
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
        log.notice(&format!(
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
    let mut listeners = Vec::new();
    // Port 0 means no TCP listener at all, as in redis (only a unix socket would serve).
    let binds = if port == 0 {
        Vec::new()
    } else {
        server::bind_addrs(&config.server.bind)
    };
    for b in binds {
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
                log.warning(&format!("Failed listening on port {port} (TCP), aborting."));
                return 1;
            }
        }
    }
    if port != 0 && listeners.is_empty() {
        log.warning(&format!("Failed listening on port {port} (TCP), aborting."));
        return 1;
    }
    log.notice(&format!("Running mode=sentinel, port={port}."));
    let now_ms = Daemon::now_ms();
    let seed = rand::thread_rng().next_u64();
    let sentinel = match Sentinel::new(config.sentinel.clone(), now_ms, seed, &crate::glue::resolve)
    {
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
    sentinel.set_resolver(Box::new(crate::glue::resolve));
    sentinel.set_listen_port(port);
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
    let systemd = crate::supervise::systemd_wanted(&config.server.supervised);
    let renames = match crate::rename::Renames::new(&config.server.rename_commands) {
        Ok(r) => r,
        Err(e) => {
            log.warning(&e);
            return 1;
        }
    };
    let shutdown_notify = Rc::new(Notify::new());
    let (link_events, link_rx) = tokio::sync::mpsc::unbounded_channel();
    let daemon = Rc::new(RefCell::new(Daemon {
        config_path,
        config,
        sentinel,
        acl,
        clients: Default::default(),
        pubsub: Default::default(),
        stats: Stats::default(),
        log: log.clone(),
        started: Instant::now(),
        run_id: random_hex40(),
        port,
        executable: std::env::current_exe()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        pause: Pause::default(),
        unpaused: Rc::new(Notify::new()),
        timer_wake: Rc::new(Notify::new()),
        shutdown: None,
        shutdown_notify: shutdown_notify.clone(),
        recent_max_input: 0,
        tracking: Default::default(),
        links: Default::default(),
        link_events,
        renames,
        scripts: Default::default(),
    }));
    {
        let mut d = daemon.borrow_mut();
        d.sentinel.start(Daemon::now_ms());
        d.after_command();
    }
    let backlog = daemon.borrow().config.server.tcp_backlog;
    for sock in listeners {
        match server::start_listening(sock, backlog) {
            Ok(l) => {
                tokio::task::spawn_local(server::accept_loop(daemon.clone(), l));
            }
            Err(e) => {
                log.warning(&format!(
                    "Failed listening on port {port} (TCP), aborting: {e}"
                ));
                return 1;
            }
        }
    }
    tokio::task::spawn_local(crate::driver::run(daemon.clone(), link_rx));
    crate::panic::inject_if_asked();
    if systemd {
        log.notice("supervised by systemd. Please make sure you set appropriate values for TimeoutStartSec and TimeoutStopSec in your service unit.");
        crate::supervise::notify(&log, "STATUS=Ready to accept connections\n");
        crate::supervise::notify(&log, "READY=1\n");
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
    log.warning("rsentinel is now ready to exit, bye bye...");
    0
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
