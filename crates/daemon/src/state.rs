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
}

/// `CLIENT PAUSE` state.
#[derive(Debug, Default)]
pub struct Pause {
    /// Until when, and whether every command (ALL) or only writes (WRITE) wait.
    pub until: Option<(Instant, bool)>,
}

/// A `SHUTDOWN` request the main loop acts upon.
#[derive(Debug, Clone, Copy)]
pub struct ShutdownRequest;

pub struct Daemon {
    pub config_path: PathBuf,
    pub config: Config,
    pub sentinel: Sentinel,
    pub acl: Acl,
    pub clients: Clients,
    pub pubsub: PubSub,
    pub stats: Stats,
    pub log: Logger,
    pub started: Instant,
    pub run_id: String,
    pub port: u16,
    pub executable: String,
    pub pause: Pause,
    pub unpaused: Rc<Notify>,
    /// Wakes the monitoring driver when a command made the core want its timer sooner
    /// (fast failover: `SENTINEL FAILOVER` starts at once).
    pub timer_wake: Rc<Notify>,
    pub shutdown: Option<ShutdownRequest>,
    pub shutdown_notify: Rc<Notify>,
    /// Peak query buffer seen recently (INFO clients).
    pub recent_max_input: usize,
    /// Open instance connections by the core's connection id.
    pub links: std::collections::HashMap<rsentinel_core::ConnId, crate::links::LinkHandle>,
    /// Where instance connections report; the driver task reads the other end.
    pub link_events: tokio::sync::mpsc::UnboundedSender<crate::links::LinkEvent>,
    /// `rename-command` renamings from the config.
    pub renames: crate::rename::Renames,
    /// User script processes the core started.
    pub scripts: crate::scripts::Scripts,
    /// systemd supervision is on (INFO `process_supervised`).
    pub supervised_systemd: bool,
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
