//! The checks a start makes before it serves anything: the config file can be saved
//! into, the ACL and renamings load, the listen addresses bind, the TLS material loads,
//! and the core accepts the masters. `--test-config` runs them all without serving.

use crate::logger::Logger;
use crate::server;
use rsentinel_acl::{Acl, UserDirectives};
use rsentinel_config::{Config, LogLevel};
use rsentinel_core::Sentinel;
use std::path::Path;

/// redis' message for a config file it could not save into.
pub(crate) fn not_writable(path: &Path, e: &std::io::Error) -> String {
    format!(
        "Sentinel config file {} is not writable: {}. Exiting...",
        path.display(),
        crate::os_error::strerror(e)
    )
}

pub(crate) fn check_writable(path: &Path) -> std::io::Result<()> {
    std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .map(|_| ())
}

/// `--test-config`: every check a start makes before serving, with the messages a start
/// would log (here on standard output), without listening, writing or daemonizing.
/// Listen addresses are bound on a free port, so a Sentinel already running with this
/// file does not make the check fail.
pub(crate) fn test_config(config: &Config, path: &str, abs_path: &Path) -> i32 {
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
        print_fatal(abs_path, e);
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
pub(crate) fn nowhere_to_listen(config: &Config) -> bool {
    config.server.port == 0
        && crate::tls::TlsSettings::from_config(config).port == 0
        && config.server.unixsocket.is_none()
}

/// The users, in redis' start-up order: requirepass, `user` lines, then the aclfile.
/// Errors are logged; `None` means start-up must stop.
pub(crate) fn build_acl(config: &Config, log: &Logger) -> Option<Acl> {
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

/// redis' report of a config the core cannot be built from, on standard error: a start
/// and `--test-config` print it alike.
pub(crate) fn print_fatal(config_path: &Path, e: rsentinel_core::LoadError) {
    eprint!(
        "{}",
        rsentinel_config::fatal_error_text(
            &config_path.display().to_string(),
            e.master.as_deref(),
            e.message
        )
    );
}
