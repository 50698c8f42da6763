//! The daemon's state: everything a command, a link report or a timer may read or change,
//! each piece in the part that owns it and changes it through its own methods. One `Daemon`
//! lives behind an `Rc<RefCell<_>>` on a single-threaded runtime, as redis runs one event
//! loop; no borrow is ever held across an await.
//!
//! What works on the whole of it lives with the concept it serves: running one command
//! (`dispatch`, `auth`, `client_cmd`, `info`), carrying out what the core asks for
//! (`effects`), and carrying link reports into the core (`driver`).

use crate::clients::Clients;
use crate::logger::Logger;
use rsentinel_acl::Acl;
use rsentinel_config::Config;
use rsentinel_core::Sentinel;
use rsentinel_resp::Frame;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::Notify;

/// Everything the daemon owns, grouped by owner.
pub struct Daemon {
    /// What this process is; fixed at start.
    pub(crate) identity: Identity,
    /// The config as loaded; the core's part of it is rewritten from `sentinel`.
    pub(crate) config: Config,
    /// The sentinel itself: the pure core every command, timer and link report goes to.
    pub(crate) sentinel: Sentinel,
    /// Users, passwords and permissions, and the ACL LOG.
    pub(crate) acl: Acl,
    /// The connected clients and their pub/sub subscriptions.
    pub(crate) clients: Clients,
    /// Counters behind `INFO stats`.
    pub(crate) stats: Stats,
    pub(crate) log: Logger,
    /// `CLIENT PAUSE` in force.
    pub(crate) pause: Pause,
    /// Wake-ups for the monitoring driver and the main loop.
    pub(crate) wake: Wakeups,
    /// Connections to the monitored instances.
    pub(crate) links: crate::links::Links,
    /// `rename-command` renamings from the config.
    pub(crate) renames: crate::rename::Renames,
    /// User script processes the core started.
    pub(crate) scripts: crate::scripts::Scripts,
    /// Counters behind `/metrics`.
    pub(crate) metrics: crate::metrics::Counters,
    /// The TLS contexts when the config asks for TLS.
    pub(crate) tls: Option<crate::tls::TlsContext>,
    /// Host names looked up for the core (`resolve-hostnames`).
    pub(crate) hosts: crate::hosts::Hosts,
}

impl Daemon {
    /// Wall-clock milliseconds, what the core's reply fields are computed from.
    pub fn now_ms() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0)
    }
}

/// What this process is: the facts INFO and `/metrics` report, and the file it rewrites.
/// Fixed at start, so it is read only through the methods below.
#[derive(Debug)]
pub struct Identity {
    config_path: PathBuf,
    started: Instant,
    run_id: String,
    /// The port shown as "the" port (the TLS one when the plain one is off).
    port: u16,
    executable: String,
    /// systemd supervision is on (INFO `process_supervised`).
    supervised_systemd: bool,
}

impl Identity {
    /// The identity of this process, started now.
    pub fn new(config_path: PathBuf, run_id: String, port: u16, supervised_systemd: bool) -> Self {
        Identity {
            config_path,
            started: Instant::now(),
            run_id,
            port,
            executable: std::env::current_exe()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            supervised_systemd,
        }
    }

    /// The config file given on the command line, rewritten in place.
    pub fn config_path(&self) -> &PathBuf {
        &self.config_path
    }

    /// How long the process has run.
    pub fn uptime(&self) -> std::time::Duration {
        Instant::now().saturating_duration_since(self.started)
    }

    /// The process' run id (INFO `run_id`), not the Sentinel's `myid`.
    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn executable(&self) -> &str {
        &self.executable
    }

    pub fn supervised_systemd(&self) -> bool {
        self.supervised_systemd
    }
}

/// Counters behind `INFO stats` (and the peak query buffer of `INFO clients`). They change
/// only through the methods below, one per thing counted; [`Stats::totals`] reads them.
#[derive(Debug, Default)]
pub struct Stats {
    totals: Totals,
}

/// The figures [`Stats`] keeps.
#[derive(Debug, Default)]
pub struct Totals {
    pub connections_received: u64,
    pub commands_processed: u64,
    pub net_input_bytes: u64,
    pub net_output_bytes: u64,
    pub rejected_connections: u64,
    pub error_replies: u64,
    pub reads_processed: u64,
    pub writes_processed: u64,
    /// Peak query buffer seen recently (INFO clients).
    pub recent_max_input: usize,
}

impl Stats {
    pub fn totals(&self) -> &Totals {
        &self.totals
    }

    /// A connection was accepted and became a client.
    pub fn accepted(&mut self) {
        self.totals.connections_received += 1;
    }

    /// A connection was refused (`maxclients`, protected mode).
    pub fn rejected(&mut self) {
        self.totals.rejected_connections += 1;
    }

    /// A command passed every check and ran.
    pub fn command_processed(&mut self) {
        self.totals.commands_processed += 1;
    }

    /// The replies of one command: its error replies are counted.
    pub fn replied(&mut self, replies: &[Frame]) {
        let errors = replies.iter().filter(|r| r.is_error()).count();
        self.totals.error_replies += errors as u64;
    }

    /// One read of `n` bytes from a client.
    pub fn read(&mut self, n: usize) {
        self.totals.net_input_bytes += n as u64;
        self.totals.reads_processed += 1;
    }

    /// One write of `n` bytes to a client.
    pub fn written(&mut self, n: usize) {
        self.totals.net_output_bytes += n as u64;
        self.totals.writes_processed += 1;
    }

    /// A client's query buffer holds `pending` bytes after a read was served.
    pub fn input_buffer(&mut self, pending: usize) {
        self.totals.recent_max_input = self.totals.recent_max_input.max(pending);
    }
}

/// `CLIENT PAUSE`: until when commands wait, and the wake-up of the waiting sessions.
#[derive(Debug, Default)]
pub struct Pause {
    /// Until when, and whether every command (ALL) or only writes (WRITE) wait.
    until: Option<(Instant, bool)>,
    /// Wakes the sessions waiting for the pause to end.
    unpaused: Rc<Notify>,
}

impl Pause {
    /// A new pause never shortens one in force, and ALL wins over WRITE, as in redis.
    pub fn extend(&mut self, until: Instant, all: bool) {
        self.until = Some(match self.until {
            Some((old, old_all)) => (old.max(until), old_all || all),
            None => (until, all),
        });
    }

    /// `CLIENT UNPAUSE`: the waiting commands run now.
    pub fn lift(&mut self) {
        self.until = None;
        self.unpaused.notify_waiters();
    }

    /// Whether a pause may be in force (it may have ended without being noticed yet):
    /// the session awaits [`Pause::holds`] only then, keeping the common path free of
    /// an async call per command.
    pub fn maybe_on(&self) -> bool {
        self.until.is_some()
    }

    /// Whether a command (`is_write`: one that may write) must wait at `now`: until when,
    /// and what wakes it earlier (`CLIENT UNPAUSE`). A pause that is over ends here.
    pub fn holds(
        &mut self,
        is_write: bool,
        now: impl FnOnce() -> Instant,
    ) -> Option<(Instant, Rc<Notify>)> {
        // Asked before every command: the clock is read only while a pause is on.
        let (until, all) = self.until?;
        if !all && !is_write {
            return None;
        }
        if now() >= until {
            self.until = None;
            return None;
        }
        Some((until, self.unpaused.clone()))
    }
}

/// Wake-ups the state sends to the long-running tasks: commands ring them, the tasks
/// wait on the handles they took at start.
#[derive(Debug, Default)]
pub struct Wakeups {
    /// Wakes the monitoring driver when a command made the core want its timer sooner
    /// (fast failover: `SENTINEL FAILOVER` starts at once).
    timer: Rc<Notify>,
    /// `SHUTDOWN`: the main loop stops.
    shutdown: Rc<Notify>,
}

impl Wakeups {
    /// What the monitoring driver waits on.
    pub fn timer(&self) -> Rc<Notify> {
        self.timer.clone()
    }

    /// What the main loop waits on.
    pub fn shutdown(&self) -> Rc<Notify> {
        self.shutdown.clone()
    }

    /// The core wants its timer sooner than the driver planned.
    pub fn wake_timer(&self) {
        self.timer.notify_one();
    }

    /// `SHUTDOWN` was accepted.
    pub fn request_shutdown(&self) {
        self.shutdown.notify_one();
    }
}
