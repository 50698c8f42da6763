//! The effects of the core: the SENTINEL command goes to it, and what it reports back
//! (events, log lines, connections to open, scripts to run, dirty state) is carried out
//! here: events are logged and published, links opened and closed, scripts started and
//! killed, dirty state written to the config file.

use crate::state::Daemon;
use bytes::Bytes;
use rsentinel_config::LogLevel;
use rsentinel_core::{CommandEnv, Output, ScriptOutcome};
use rsentinel_resp::Frame;
use std::os::unix::fs::PermissionsExt;
use std::time::Instant;

/// A script path is usable when it is a regular file with an execute bit.
fn script_ok(path: &str) -> bool {
    std::fs::metadata(path)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

impl Daemon {
    pub(crate) fn sentinel_command(&mut self, args: &[Bytes]) -> Frame {
        // The session looked the command's host names up already (see `hosts`).
        let hosts = self.hosts.clone();
        let resolve = |host: &str| hosts.resolve(host);
        let env = CommandEnv {
            now_ms: Daemon::now_ms(),
            resolve: &resolve,
            script_ok: &script_ok,
        };
        let reply = self.sentinel.command(&args[1..], &env);
        // `SENTINEL CONFIG SET loglevel` takes effect before its own save is logged
        // (only CONFIG changes it: the logger's lock stays off the other commands' path).
        if args
            .get(1)
            .is_some_and(|a| a.eq_ignore_ascii_case(b"config"))
        {
            self.log.set_level(self.sentinel.loglevel());
        }
        // Commands that change persistent state answer with the outcome of the save.
        let flush_ok = self.drain_outputs();
        reply.into_frame(flush_ok)
    }

    /// Runs after every command and timer.
    pub fn after_command(&mut self) {
        self.drain_outputs();
        // SENTINEL CONFIG SET may have switched it.
        self.hosts.set_enabled(self.sentinel.resolve_hostnames());
        if self.sentinel.take_early_wake() {
            self.wake.wake_timer();
        }
    }

    /// Carries out the core's outputs in order: events are logged and published, log
    /// lines logged, config saves written. Returns false if a save failed.
    pub(crate) fn drain_outputs(&mut self) -> bool {
        let mut flush_ok = true;
        while let Some(out) = self.sentinel.poll_output() {
            match out {
                Output::Event(ev) => {
                    let epoch = self.sentinel.current_epoch();
                    self.log.event(ev.level, &ev.kind, &ev.text, epoch);
                    self.metrics.on_event(&ev.kind, &ev.text, Instant::now());
                    if ev.level != LogLevel::Debug {
                        let (_, over) = self.clients.publish(
                            ev.kind.as_bytes(),
                            ev.text.as_bytes(),
                            Instant::now(),
                        );
                        self.log_over_limit(&over);
                    }
                }
                Output::Log { level, text } => self.log.log(level, &text),
                Output::FlushConfig => flush_ok = self.flush_config().is_ok(),
                Output::SaveConfigQuietly => flush_ok = self.write_config(false).is_ok(),
                Output::Connect {
                    conn,
                    host,
                    port,
                    bound,
                } => {
                    let tls = self.tls.as_ref().and_then(|t| t.link_connector());
                    // Refused before anything could be sent: the link stays down.
                    if self.links.open(conn, host, port, bound, tls).is_err() {
                        self.sentinel.conn_down(conn);
                    }
                }
                Output::Send { conn, args } => self.links.send(conn, &args),
                Output::RunScript { id, path, args } => {
                    match self.scripts.start(id, &path, &args) {
                        Ok(pid) => self.sentinel.script_started(id, pid),
                        // redis' child exits 2 when execve fails: an error, no retry.
                        Err(_) => self.sentinel.script_done(
                            id,
                            ScriptOutcome::Exited(2),
                            Daemon::now_ms(),
                        ),
                    }
                }
                Output::KillScript { id } => self.scripts.kill(id),
                // SENTINEL SIMULATE-FAILURE: redis exits at once with status 99.
                Output::Crash => std::process::exit(99),
                Output::Close(conn) => self.links.close(conn),
            }
        }
        flush_ok
    }

    pub(crate) fn log_over_limit(&self, ids: &[u64]) {
        for id in ids {
            if let Some(c) = self.clients.get(*id) {
                self.log.warning(&format!(
                    "Client {} scheduled to be closed ASAP for overcoming of output buffer limits.",
                    c.describe(Instant::now())
                ));
            }
        }
    }

    /// Rewrites the config file with the current state (redis' sentinelFlushConfig).
    pub fn flush_config(&mut self) -> Result<(), String> {
        self.write_config(true)
    }

    /// The rewrite, with or without redis' "saved on disk" notice; a failure is always
    /// logged.
    fn write_config(&mut self, announce: bool) -> Result<(), String> {
        let mut config = self.config.clone();
        config.sentinel = self.sentinel.settings();
        config.server.loglevel = self.sentinel.loglevel();
        let env = rsentinel_config::RewriteEnv {
            dir: std::env::current_dir()
                .map(|d| d.display().to_string())
                .unwrap_or_default(),
            user_lines: if config.server.aclfile.is_some() {
                Vec::new()
            } else {
                self.acl.config_user_lines()
            },
        };
        match rsentinel_config::rewrite_file(self.identity.config_path(), &config, &env) {
            Ok(()) => {
                self.metrics.on_rewrite(true);
                if announce {
                    self.log.notice("Sentinel new configuration saved on disk");
                }
                Ok(())
            }
            Err(e) => {
                self.metrics.on_rewrite(false);
                self.log.warning(&format!(
                    "WARNING: Sentinel was not able to save the new configuration on disk!!!: {e}"
                ));
                Err(e.to_string())
            }
        }
    }
}
