//! What a received hello changes, as redis 7.0.15's `sentinelProcessHelloMessage`:
//! discovering Sentinels (`+sentinel`), following a Sentinel that changed address
//! (`+sentinel-address-switch`, `+sentinel-address-update`), evicting a Sentinel whose
//! address another run id now claims (`+sentinel-invalid-addr`), adopting a greater
//! current epoch (`+new-epoch`) and a newer master configuration (`+config-update-from`,
//! `+switch-master`).
//!
//! The decision is a pure function over a read-only [`View`] of the monitored masters and
//! the Sentinels known for each; it returns the [`Step`]s the core applies in order. The
//! order is redis' order, so logs, events and config flushes come out exactly as the
//! real redis-sentinel writes them.

use crate::hello::{mentions_runid, Hello, HelloRef};

/// Log levels of what the decision emits (events are notice or warning in redis; only
/// warnings run the notification script).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// redis' `LL_NOTICE` (`*` in the log).
    Notice,
    /// redis' `LL_WARNING` (`#` in the log); events at this level run the script.
    Warning,
}

/// A borrowed address as the core stores it (redis' `sentinelAddr`): the hostname as
/// given, its resolved IP (empty if it could not be resolved but was accepted) and port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddrRef<'a> {
    /// As configured or announced (shown with `announce-hostnames`).
    pub hostname: &'a str,
    /// Resolved form, compared and shown by default.
    pub ip: &'a str,
    /// TCP port.
    pub port: u16,
}

/// An owned address the core should store, produced by the same rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerAddr {
    /// As received (the hello's text), shown with `announce-hostnames`.
    pub hostname: String,
    /// Resolved form; empty when accepted unresolved (`resolve-hostnames yes`).
    pub ip: String,
    /// TCP port.
    pub port: u16,
}

impl PeerAddr {
    /// Borrow it in the shape of the view.
    pub fn as_addr_ref(&self) -> AddrRef<'_> {
        AddrRef {
            hostname: &self.hostname,
            ip: &self.ip,
            port: self.port,
        }
    }
}

impl AddrRef<'_> {
    /// Same port, and same IP or same hostname ignoring case
    /// (`sentinelAddrOrHostnameEqual`; two unresolved empty IPs are equal, as in redis).
    pub fn same_as(&self, other: AddrRef<'_>) -> bool {
        self.port == other.port
            && (self.ip == other.ip || self.hostname.eq_ignore_ascii_case(other.hostname))
    }

    /// The owned copy, for steps that store it.
    pub fn to_peer_addr(self) -> PeerAddr {
        PeerAddr {
            hostname: self.hostname.to_string(),
            ip: self.ip.to_string(),
            port: self.port,
        }
    }
}

/// Another Sentinel known for a master: its table name (the run id for every Sentinel
/// redis creates) and the run id field itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeerView<'a> {
    /// Key in the master's Sentinel table.
    pub name: &'a str,
    /// The run id field (redis matches on it, not on the name).
    pub runid: Option<&'a str>,
    /// Where we reach it.
    pub addr: AddrRef<'a>,
}

/// A monitored master as the decision needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MasterView<'a> {
    /// The monitored name hellos refer to (case-sensitive).
    pub name: &'a str,
    /// The master's own address (`master->addr`, not the promoted replica's).
    pub addr: AddrRef<'a>,
    /// Epoch of our configuration for this master; a hello with a greater one wins.
    pub config_epoch: u64,
    /// Known Sentinels, in the core's iteration order (first match wins, as in redis).
    pub sentinels: Vec<PeerView<'a>>,
}

/// The monitored masters, looked up one at a time. A hello concerns one master, found
/// by name; only the rare stale-Sentinel branches walk them all. So the core answers
/// from its own table on demand instead of copying every master for every hello, which
/// made receiving hellos cost O(masters) each.
pub trait Masters {
    /// How many masters there are; indices run below it.
    fn count(&self) -> usize;
    /// The index of the master monitored under `name` (case-sensitive).
    fn position(&self, name: &str) -> Option<usize>;
    /// Master `m`, if it exists.
    fn view(&self, m: usize) -> Option<MasterView<'_>>;
}

impl<'a> Masters for [MasterView<'a>] {
    fn count(&self) -> usize {
        self.len()
    }
    fn position(&self, name: &str) -> Option<usize> {
        self.iter().position(|v| v.name == name)
    }
    fn view(&self, m: usize) -> Option<MasterView<'_>> {
        self.get(m).cloned()
    }
}

impl<'a> Masters for Vec<MasterView<'a>> {
    fn count(&self) -> usize {
        self.len()
    }
    fn position(&self, name: &str) -> Option<usize> {
        self.as_slice().position(name)
    }
    fn view(&self, m: usize) -> Option<MasterView<'_>> {
        self.as_slice().view(m)
    }
}

/// The Sentinel state a hello is judged against.
pub struct View<'a> {
    /// Our current epoch; a greater one in a hello is adopted.
    pub current_epoch: u64,
    /// Every monitored master, in the core's order; steps refer to them by index.
    pub masters: &'a dyn Masters,
    /// `resolve-hostnames`: unresolvable Sentinel hostnames are accepted (empty IP) and
    /// compared by hostname.
    pub resolve_hostnames: bool,
    /// `announce-hostnames`: events show hostnames instead of IPs.
    pub announce_hostnames: bool,
    /// redis' `anetResolve` under the current settings: with `resolve-hostnames no`
    /// only IP literals resolve (to their normal form), otherwise a DNS lookup.
    pub resolve: &'a dyn Fn(&str) -> Option<String>,
}

/// Whose `%@` prefix an event carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// No prefix: the text is the whole message (`+new-epoch`, `+switch-master`).
    None,
    /// `master <name> <ip> <port>` of the event's master.
    Master,
    /// `sentinel <name> <ip> <port> @ <master> <ip> <port>` of the Sentinel with this
    /// table name under the event's master, as it is after the preceding steps.
    Sentinel(String),
}

/// An event (published on channel `kind`, logged as `<kind> <message>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Log level (and whether the notification script runs).
    pub level: Level,
    /// Event type and pub/sub channel, e.g. `+sentinel`.
    pub kind: &'static str,
    /// Index of the master the event belongs to (whose notification script applies).
    pub master: usize,
    /// Whose `%@` prefix starts the message.
    pub subject: Subject,
    /// What follows the prefix, without the separating space.
    pub text: String,
}

impl Event {
    /// The full message given the core's rendering of the subject's `%@` prefix (ignored
    /// for [`Subject::None`]).
    pub fn message(&self, prefix: &str) -> String {
        match (&self.subject, self.text.is_empty()) {
            (Subject::None, _) => self.text.clone(),
            (_, true) => prefix.to_string(),
            (_, false) => format!("{prefix} {}", self.text),
        }
    }
}

/// One thing the core must do, in order. Masters are indices into [`View::masters`];
/// Sentinels are named by their table name under that master.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// A plain log line (redis logs "Failed to resolve hostname" at each failed lookup).
    Log { level: Level, text: String },
    /// Publish and log this event (at warning level also the notification script).
    Event(Event),
    /// Remove this Sentinel from this master (release its link).
    RemoveSentinel { master: usize, name: String },
    /// Create a Sentinel named `runid` with that run id and address under the master,
    /// sharing the link of the same run id under another master if any
    /// (`sentinelTryConnectionSharing`).
    AddSentinel {
        master: usize,
        runid: String,
        addr: PeerAddr,
    },
    /// Close both connections of this Sentinel's link, so it reconnects to its new
    /// address.
    CloseSentinelLink { master: usize, name: String },
    /// Give this Sentinel a new address (it moved; seen under another master).
    SetSentinelAddr {
        master: usize,
        name: String,
        addr: PeerAddr,
    },
    /// Rewrite the config file now (`sentinelFlushConfig`, which logs its own line).
    FlushConfig,
    /// Our current epoch becomes this greater one (a flush and `+new-epoch` follow).
    SetCurrentEpoch(u64),
    /// Set the master's config epoch (a [`Step::SaveConfigQuietly`] or a switch's
    /// flush follows).
    SetMasterConfigEpoch { master: usize, epoch: u64 },
    /// Rewrite the config file without the "saved on disk" notice. redis does not save a
    /// config epoch learnt without an address change, so a crash forgets it and the
    /// Sentinel could later take an older hello's configuration; rsentinel saves it, and
    /// keeps its log identical to redis' by not announcing the save.
    SaveConfigQuietly,
    /// `sentinelResetMasterAndChangeAddress`: reset the master keeping its Sentinels,
    /// move it to `addr`, re-add its replicas minus `addr` plus the old address (each with
    /// `+slave`), clear the down times, flush the config.
    SwitchMasterAddress { master: usize, addr: PeerAddr },
    /// Run the master's client-reconfig-script, if any, as
    /// `<master> observer start <from ip> <from port> <to ip> <to port>` (the announced
    /// forms). `to` equals `from` when the address could not be switched.
    ClientReconfigScript {
        master: usize,
        from: PeerAddr,
        to: PeerAddr,
    },
    /// The Sentinel's `last_hello_time` becomes now.
    HelloReceived { master: usize, name: String },
}

/// `createSentinelAddr`: range-check the port, resolve the host; with
/// `accept_unresolved` and `resolve-hostnames` a failed lookup keeps an empty IP. Every
/// failed lookup is logged, as redis does, even when the address is accepted.
fn create_addr(
    view: &View<'_>,
    host: &str,
    port: i32,
    accept_unresolved: bool,
    out: &mut Vec<Step>,
) -> Option<PeerAddr> {
    let port = u16::try_from(port).ok()?;
    let ip = match (view.resolve)(host) {
        Some(ip) => ip,
        None => {
            out.push(Step::Log {
                level: Level::Warning,
                text: format!("Failed to resolve hostname '{host}'"),
            });
            if !(view.resolve_hostnames && accept_unresolved) {
                return None;
            }
            String::new()
        }
    };
    Some(PeerAddr {
        hostname: host.to_string(),
        ip,
        port,
    })
}

/// `sentinelAddrEqualsHostname`: compare the resolved `hostname` with the address' IP;
/// if it does not resolve, compare it with the stored hostname (resolve-hostnames) or IP.
fn addr_equals_host(view: &View<'_>, addr: AddrRef<'_>, hostname: &str) -> bool {
    match (view.resolve)(hostname) {
        Some(ip) => addr.ip.eq_ignore_ascii_case(&ip),
        None => {
            let ours = if view.resolve_hostnames {
                addr.hostname
            } else {
                addr.ip
            };
            ours.eq_ignore_ascii_case(hostname)
        }
    }
}

/// `getSentinelRedisInstanceByAddrAndRunID` on one master with both keys given.
fn find_by_addr_and_runid<'v>(
    view: &View<'_>,
    sentinels: &'v [PeerView<'v>],
    hello: &HelloRef<'_>,
    out: &mut Vec<Step>,
) -> Option<&'v PeerView<'v>> {
    let wanted = create_addr(view, &hello.ip, hello.port, true, out)?;
    sentinels
        .iter()
        .find(|s| s.runid == Some(&*hello.runid) && s.addr.same_as(wanted.as_addr_ref()))
}

/// Where a hello payload came from; decides whether our own echo is filtered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// A `message` on the hello channel of a master's or replica's pub/sub link.
    PubSub,
    /// The Sentinel `PUBLISH __sentinel__:hello` command (another Sentinel's direct
    /// hello); redis does not filter our own run id here.
    Publish,
}

/// The whole receive path in one call: drop our own echo on pub/sub links (our run id
/// anywhere in the payload), drop payloads that are not 8 fields, then
/// [`process_hello`].
pub fn receive_hello(payload: &[u8], source: Source, myid: &str, view: &View<'_>) -> Vec<Step> {
    if source == Source::PubSub && mentions_runid(payload, myid) {
        return Vec::new();
    }
    match HelloRef::parse(payload) {
        Ok(hello) => process(&hello, view),
        Err(_) => Vec::new(),
    }
}

/// Apply a hello about one of our masters. The caller has already dropped our own echo
/// on pub/sub links ([`crate::hello::mentions_runid`]) and unparsable payloads; hellos for
/// masters we do not monitor produce nothing.
pub fn process_hello(hello: &Hello, view: &View<'_>) -> Vec<Step> {
    process(&hello.as_ref(), view)
}

/// [`process_hello`] on a borrowed hello.
fn process(hello: &HelloRef<'_>, view: &View<'_>) -> Vec<Step> {
    let mut out = Vec::new();
    // The run id is written to the config file (`known-sentinel`) and anyone who can
    // PUBLISH on a master can send a hello: only a real run id is taken.
    if !crate::hello::is_run_id(&hello.runid) {
        return out;
    }
    let Some(m) = view.masters.position(&hello.master_name) else {
        return out;
    };
    let Some(master) = view.masters.view(m) else {
        return out;
    };
    let master = &master;

    let found = find_by_addr_and_runid(view, &master.sentinels, hello, &mut out);
    let si: Option<String> = match found {
        Some(s) => Some(s.name.to_string()),
        None => discover(hello, view, m, &mut out),
    };

    if hello.current_epoch > view.current_epoch {
        out.push(Step::SetCurrentEpoch(hello.current_epoch));
        out.push(Step::FlushConfig);
        out.push(Step::Event(Event {
            level: Level::Warning,
            kind: "+new-epoch",
            master: m,
            subject: Subject::None,
            text: hello.current_epoch.to_string(),
        }));
    }

    if let Some(name) = &si {
        if master.config_epoch < hello.master_config_epoch {
            out.push(Step::SetMasterConfigEpoch {
                master: m,
                epoch: hello.master_config_epoch,
            });
            let moved = hello.master_port != i32::from(master.addr.port)
                || !addr_equals_host(view, master.addr, &hello.master_ip);
            if moved {
                switch_master(hello, view, m, name, &mut out);
            } else {
                out.push(Step::SaveConfigQuietly);
            }
        }
        out.push(Step::HelloReceived {
            master: m,
            name: name.clone(),
        });
    }
    out
}

/// The unknown-Sentinel branch: drop a stale entry for the same run id (address switch)
/// or for the same address (invalid address), then add the Sentinel. Returns its name
/// when it was added.
fn discover(
    hello: &HelloRef<'_>,
    view: &View<'_>,
    m: usize,
    out: &mut Vec<Step>,
) -> Option<String> {
    let master = view.masters.view(m)?;
    let runid = &*hello.runid;
    let stale: Vec<&PeerView<'_>> = master
        .sentinels
        .iter()
        .filter(|s| s.runid == Some(runid))
        .collect();
    let removed = !stale.is_empty();
    // Names gone from master `m` by now, to see whether the new name is free.
    let mut gone: Vec<&str> = stale.iter().map(|s| s.name).collect();
    for s in &stale {
        out.push(Step::RemoveSentinel {
            master: m,
            name: s.name.to_string(),
        });
    }
    if removed {
        out.push(Step::Event(Event {
            level: Level::Notice,
            kind: "+sentinel-address-switch",
            master: m,
            subject: Subject::Master,
            text: format!("ip {} port {} for {}", hello.ip, hello.port, runid),
        }));
    } else if let Some(other) = create_addr(view, &hello.ip, hello.port, true, out).and_then(|a| {
        master
            .sentinels
            .iter()
            .find(|s| s.addr.same_as(a.as_addr_ref()))
    }) {
        out.push(Step::Event(Event {
            level: Level::Notice,
            kind: "+sentinel-invalid-addr",
            master: m,
            subject: Subject::Sentinel(other.name.to_string()),
            text: String::new(),
        }));
        // redis copies a missing run id as "", which matches no real Sentinel.
        let obsolete = other.runid.unwrap_or("");
        for j in 0..view.masters.count() {
            let Some(mv) = view.masters.view(j) else {
                continue;
            };
            for s in mv.sentinels.iter().filter(|s| s.runid == Some(obsolete)) {
                if j == m {
                    gone.push(s.name);
                }
                out.push(Step::RemoveSentinel {
                    master: j,
                    name: s.name.to_string(),
                });
            }
        }
    }

    let addr = create_addr(view, &hello.ip, hello.port, true, out)?;
    let taken = master
        .sentinels
        .iter()
        .any(|s| s.name == runid && !gone.contains(&s.name));
    if taken {
        return None;
    }
    out.push(Step::AddSentinel {
        master: m,
        runid: runid.to_string(),
        addr: addr.clone(),
    });
    if !removed {
        out.push(Step::Event(Event {
            level: Level::Notice,
            kind: "+sentinel",
            master: m,
            subject: Subject::Sentinel(runid.to_string()),
            text: String::new(),
        }));
    } else {
        update_address_everywhere(view, m, runid, &addr, out);
    }
    out.push(Step::FlushConfig);
    Some(runid.to_string())
}

/// `sentinelUpdateSentinelAddressInAllMasters` after an address switch: every entry with
/// this run id gets its link closed and, except the new one, the new address.
fn update_address_everywhere(
    view: &View<'_>,
    m: usize,
    runid: &str,
    addr: &PeerAddr,
    out: &mut Vec<Step>,
) {
    let mut reconfigured = 0usize;
    for j in 0..view.masters.count() {
        let Some(mv) = view.masters.view(j) else {
            continue;
        };
        // In master `m` the stale entries were removed and the new one added: it is the
        // match there.
        let name = if j == m {
            runid
        } else {
            match mv.sentinels.iter().find(|s| s.runid == Some(runid)) {
                Some(s) => s.name,
                None => continue,
            }
        };
        out.push(Step::CloseSentinelLink {
            master: j,
            name: name.to_string(),
        });
        if j != m {
            out.push(Step::SetSentinelAddr {
                master: j,
                name: name.to_string(),
                addr: addr.clone(),
            });
            reconfigured += 1;
        }
    }
    if reconfigured > 0 {
        out.push(Step::Event(Event {
            level: Level::Notice,
            kind: "+sentinel-address-update",
            master: m,
            subject: Subject::Sentinel(runid.to_string()),
            text: format!("{reconfigured} additional matching instances"),
        }));
    }
}

/// A newer configuration names another master address: announce it, switch (if the
/// new address is valid), run the client reconfig script.
fn switch_master(hello: &HelloRef<'_>, view: &View<'_>, m: usize, si: &str, out: &mut Vec<Step>) {
    let Some(master) = view.masters.view(m) else {
        return;
    };
    let old = master.addr;
    let old_host = if view.announce_hostnames {
        old.hostname
    } else {
        old.ip
    };
    out.push(Step::Event(Event {
        level: Level::Warning,
        kind: "+config-update-from",
        master: m,
        subject: Subject::Sentinel(si.to_string()),
        text: String::new(),
    }));
    out.push(Step::Event(Event {
        level: Level::Warning,
        kind: "+switch-master",
        master: m,
        subject: Subject::None,
        text: format!(
            "{} {} {} {} {}",
            master.name, old_host, old.port, hello.master_ip, hello.master_port
        ),
    }));
    let from = old.to_peer_addr();
    let to = match create_addr(view, &hello.master_ip, hello.master_port, false, out) {
        Some(addr) => {
            out.push(Step::SwitchMasterAddress {
                master: m,
                addr: addr.clone(),
            });
            addr
        }
        // The address does not resolve: the config epoch was still raised.
        None => {
            out.push(Step::SaveConfigQuietly);
            from.clone()
        }
    };
    out.push(Step::ClientReconfigScript {
        master: m,
        from,
        to,
    });
}

#[cfg(test)]
#[path = "discovery_tests/mod.rs"]
mod tests;
