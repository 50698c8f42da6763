//! TLS with rustls: the `tls-port` listener's handshakes, TLS on every link Sentinel opens
//! when `tls-replication` is on, and the certificates and keys read again when they
//! change on disk (redis needs a restart or CONFIG SET for that; cert-manager and the
//! like rotate them every few weeks).

mod build;
mod cache;
mod material;
mod settings;

pub use settings::{AuthClients, TlsSettings, TLS_DIRECTIVES};

use std::time::{Duration, SystemTime};
use tokio_rustls::{TlsAcceptor, TlsConnector};

/// How often the material files are checked for changes.
pub const RELOAD_POLL: Duration = Duration::from_secs(1);

/// How long a handshake may take before the connection is dropped: bounds what a peer
/// that connects and sends nothing can hold.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// What identifies a file's content cheaply: a rotation by rename (Kubernetes secret
/// volumes swap a symlink) or in place changes at least one of these.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Stamp {
    modified: Option<SystemTime>,
    len: u64,
    ino: u64,
}

fn stamp(path: &str) -> Option<Stamp> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path).ok()?;
    Some(Stamp {
        modified: m.modified().ok(),
        len: m.len(),
        ino: m.ino(),
    })
}

fn stamps(s: &TlsSettings) -> Vec<(String, Option<Stamp>)> {
    let mut files = material::watched_files(s);
    if let Some(dir) = &s.ca_cert_dir {
        files.push(dir.clone());
        files.extend(material::dir_files(dir));
    }
    files
        .into_iter()
        .map(|f| {
            let st = stamp(&f);
            (f, st)
        })
        .collect()
}

/// The configured TLS contexts, replaced whole when the files change.
pub struct TlsContext {
    settings: TlsSettings,
    acceptor: TlsAcceptor,
    connector: Option<TlsConnector>,
    seen: Vec<(String, Option<Stamp>)>,
}

/// The outcome of one check for changed files.
pub enum Reload {
    Unchanged,
    /// Re-read; the files that changed.
    Reloaded(Vec<String>),
    /// Changed but unusable; the current material stays. The errors, then the files.
    Failed(Vec<String>, Vec<String>),
}

impl TlsContext {
    /// Configures TLS as redis' `tlsConfigure` at start. `Ok(None)` when nothing asks
    /// for TLS. The `Ok` notes and `Err` lines are for the log.
    pub fn configure(s: &TlsSettings) -> Result<Option<(TlsContext, Vec<String>)>, Vec<String>> {
        if !s.needed() {
            return Ok(None);
        }
        let seen = stamps(s);
        let built = build::build(s)?;
        Ok(Some((
            TlsContext {
                settings: s.clone(),
                acceptor: TlsAcceptor::from(built.server),
                connector: built.client.map(TlsConnector::from),
                seen,
            },
            built.notes,
        )))
    }

    pub fn settings(&self) -> &TlsSettings {
        &self.settings
    }

    /// For a connection accepted on the TLS port.
    pub fn acceptor(&self) -> TlsAcceptor {
        self.acceptor.clone()
    }

    /// For a link to an instance or another Sentinel: `Some` when `tls-replication` is on.
    pub fn link_connector(&self) -> Option<TlsConnector> {
        if self.settings.replication {
            self.connector.clone()
        } else {
            None
        }
    }

    /// Re-reads the material if any file changed since the last look. Connections
    /// already open keep the session they negotiated; new ones get the new material.
    pub fn reload_if_changed(&mut self) -> Reload {
        let now = stamps(&self.settings);
        if now == self.seen {
            return Reload::Unchanged;
        }
        let changed: Vec<String> = now
            .iter()
            .filter(|(f, st)| !self.seen.iter().any(|(g, old)| g == f && old == st))
            .map(|(f, _)| f.clone())
            .chain(
                self.seen
                    .iter()
                    .filter(|(g, _)| !now.iter().any(|(f, _)| f == g))
                    .map(|(g, _)| g.clone()),
            )
            .collect();
        // Remembered even when unusable: a half-written rotation is retried when the
        // next file lands, not logged again every second.
        self.seen = now;
        match build::build(&self.settings) {
            Ok(built) => {
                self.acceptor = TlsAcceptor::from(built.server);
                self.connector = built.client.map(TlsConnector::from);
                Reload::Reloaded(changed)
            }
            Err(errors) => Reload::Failed(errors, changed),
        }
    }
}
