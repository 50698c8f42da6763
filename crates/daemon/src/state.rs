//! The daemon's shared state: everything a command may read or change. One instance lives
//! behind an `Rc<RefCell<_>>` on a single-threaded runtime, as redis runs one event loop;
//! no borrow is ever held across an await.

use crate::clients::Clients;
use crate::logger::Logger;
use crate::pubsub::PubSub;
use rsentinel_acl::Acl;
use rsentinel_config::Config;
use rsentinel_core::Sentinel;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::Notify;

/// Counters behind `INFO stats`.
#[derive(Debug, Default)]
pub struct Stats {
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

/// `CLIENT PAUSE`: until when commands wait, and the wake-up of the waiting sessions.
#[derive(Debug, Default)]
pub struct Pause {
    /// Until when, and whether every command (ALL) or only writes (WRITE) wait.
    pub until: Option<(Instant, bool)>,
    /// Wakes the sessions waiting for the pause to end.
    pub unpaused: Rc<Notify>,
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
}

/// What this process is: the facts INFO and `/metrics` report, and the file it rewrites.
#[derive(Debug)]
pub struct Identity {
    pub config_path: PathBuf,
    pub started: Instant,
    pub run_id: String,
    /// The port shown as "the" port (the TLS one when the plain one is off).
    pub port: u16,
    pub executable: String,
    /// systemd supervision is on (INFO `process_supervised`).
    pub supervised_systemd: bool,
}

/// Wake-ups the state sends to the long-running tasks.
#[derive(Debug, Default)]
pub struct Wakeups {
    /// Wakes the monitoring driver when a command made the core want its timer sooner
    /// (fast failover: `SENTINEL FAILOVER` starts at once).
    pub timer: Rc<Notify>,
    /// `SHUTDOWN`: the main loop stops.
    pub shutdown: Rc<Notify>,
}

/// Everything a command may read or change, grouped by owner.
pub struct Daemon {
    pub identity: Identity,
    pub config: Config,
    pub sentinel: Sentinel,
    pub acl: Acl,
    pub clients: Clients,
    pub pubsub: PubSub,
    pub stats: Stats,
    pub log: Logger,
    pub pause: Pause,
    pub wake: Wakeups,
    /// Connections to the monitored instances.
    pub links: crate::links::Links,
    /// `rename-command` renamings from the config.
    pub renames: crate::rename::Renames,
    /// User script processes the core started.
    pub scripts: crate::scripts::Scripts,
    /// Counters behind `/metrics`.
    pub metrics: crate::metrics::Counters,
    /// The TLS contexts when the config asks for TLS.
    pub tls: Option<crate::tls::TlsContext>,
    /// Host names looked up for the core (`resolve-hostnames`).
    pub hosts: crate::hosts::Hosts,
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
