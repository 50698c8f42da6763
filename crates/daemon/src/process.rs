//! Process life cycle up to serving: the command line, config loading, the checks
//! redis-sentinel makes before serving (see `preflight`), daemonizing and the event
//! loop. Messages and exit codes are redis-sentinel's.

use crate::logger::Logger;
use crate::preflight::{check_writable, not_writable, test_config};
use rsentinel_config::LogLevel;
use std::path::{Path, PathBuf};

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
    local.block_on(&rt, crate::serve::serve(config, abs_path, log, supervised))
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
