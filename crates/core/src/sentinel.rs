//! The Sentinel state: global settings, the master table, the link table, the output
//! queue and the seeded RNG; plus the operations on the table that commands share
//! (create, remove, reset, events).
//!
//! Its behaviour lives in the child modules below, one concept each (timers, failure
//! detection, election, failover, commands ...). The fields are private, so only this
//! module tree changes a Sentinel: the rest of the crate holds data types, and the
//! daemon and the simulator go through the public methods.

pub(crate) mod commands;
mod discovery;
mod election;
mod failover_run;
mod failure_detection;
mod fast;
mod hello;
pub(crate) mod persist;
mod reconf;
mod refresh;
mod reply_handlers;
mod scripts;
mod sending;
mod switchover_run;
pub(crate) mod timer;

use crate::conn::ConnKind;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::addr::Addr;
use crate::announce::{Announce, PeerAuth};
use crate::arena::Arena;
use crate::event::{Event, LogLevel, Output, OutputQueue};
use crate::instance::{Flags, InstKey, Instance, Kind, Role};
use crate::link::LinkTable;
use crate::link_id::LinkId;
use crate::master::{InstRef, Master, MasterKey};
use crate::master_table::MasterTable;
use crate::periods::Timing;
use crate::timer_schedule::TimerSchedule;
use rsentinel_monitor::Tilt;

/// `SENTINEL SIMULATE-FAILURE` flags.
pub const SIMFAILURE_CRASH_AFTER_ELECTION: u32 = 1 << 0;
pub const SIMFAILURE_CRASH_AFTER_PROMOTION: u32 = 1 << 1;

/// Bound on the random delay added to failover start times (`SENTINEL_MAX_DESYNC`).
const MAX_DESYNC_MS: u64 = 1000;

/// The whole pure state of one Sentinel.
#[derive(Debug)]
pub struct Sentinel {
    myid: String,
    current_epoch: u64,
    /// The masters in order, with their index by name.
    masters: MasterTable,
    /// The links to every instance, and which link each connection belongs to.
    links: LinkTable,
    /// TILT state; its `previous_time` is 0 until the timer first runs, so the first
    /// run never counts as a clock jump.
    tilt: Tilt,
    /// User scripts waiting, running or due for a retry.
    scripts: crate::script_queue::ScriptQueue,
    /// The address our hellos announce.
    announce: Announce,
    /// Hellos already applied whose repeats only refresh a Sentinel's hello time.
    hello_memo: crate::hello_memo::HelloMemo,
    /// The reference the instances' kept INFO replies are diffed against.
    info_store: crate::info_text::InfoStore,
    /// How it behaves: switches from the config and from SENTINEL CONFIG SET.
    options: crate::options::Options,
    /// Credentials toward other Sentinels.
    peer_auth: PeerAuth,
    timing: Timing,
    rng: StdRng,
    /// What the daemon is to do, in order.
    outputs: OutputQueue,
    /// When the timer runs next.
    schedule: TimerSchedule,
    /// Host lookups for addresses learned at run time.
    resolver: crate::addr::Resolver,
    /// The run id was generated at load and must be persisted by `start`.
    myid_generated: bool,
}

impl Sentinel {
    /// An empty Sentinel with redis' defaults; `persist::load` fills it from the settings.
    pub(crate) fn empty(seed: u64) -> Sentinel {
        Sentinel {
            myid: String::new(),
            current_epoch: 0,
            masters: MasterTable::default(),
            links: LinkTable::default(),
            tilt: Tilt {
                previous_time: 0,
                active: false,
                start_time: 0,
            },
            scripts: Default::default(),
            announce: Announce::default(),
            hello_memo: Default::default(),
            info_store: Default::default(),
            options: Default::default(),
            peer_auth: PeerAuth::default(),
            timing: Timing::default(),
            rng: StdRng::seed_from_u64(seed),
            outputs: OutputQueue::default(),
            schedule: TimerSchedule::default(),
            resolver: Default::default(),
            myid_generated: false,
        }
    }

    /// 40 random hex characters (`getRandomHexChars`).
    pub(crate) fn random_hex_id(&mut self) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        (0..40)
            .map(|_| HEX[self.rng.gen_range(0..16)] as char)
            .collect()
    }

    /// This Sentinel's run id.
    pub fn myid(&self) -> &str {
        &self.myid
    }

    pub fn current_epoch(&self) -> u64 {
        self.current_epoch
    }

    /// Monitored masters, in insertion order.
    pub fn masters(&self) -> &Arena<Master> {
        &self.masters
    }

    pub fn master(&self, name: &str) -> Option<&Master> {
        self.masters.get(self.masters.key_of(name)?)
    }

    /// [`Sentinel::master`] for a name from the wire, compared as bytes.
    pub(crate) fn master_bytes(&self, name: &[u8]) -> Option<&Master> {
        self.master_key_bytes(name).map(|m| &self.masters[m])
    }

    /// Names of the monitored masters, in order (for `ROLE`).
    pub fn master_names(&self) -> Vec<String> {
        self.masters.values().map(|m| m.inst.name.clone()).collect()
    }

    pub(crate) fn master_key(&self, name: &str) -> Option<MasterKey> {
        self.masters.key_of(name)
    }

    /// [`Sentinel::master_key`] for a name from the wire: compared as bytes, so a name
    /// that is not UTF-8 matches nothing (instead of a name holding U+FFFD).
    pub(crate) fn master_key_bytes(&self, name: &[u8]) -> Option<MasterKey> {
        self.master_key(std::str::from_utf8(name).ok()?)
    }

    pub fn links(&self) -> &LinkTable {
        &self.links
    }

    pub fn timing(&self) -> &Timing {
        &self.timing
    }

    pub fn simfailure_flags(&self) -> u32 {
        self.options.simfailure_flags
    }

    pub fn tilt(&self) -> bool {
        self.tilt.active
    }

    pub fn announce_ip(&self) -> Option<&[u8]> {
        self.announce.ip.as_deref()
    }

    pub fn announce_port(&self) -> u16 {
        self.announce.port
    }

    pub fn announce_hostnames(&self) -> bool {
        self.options.announce_hostnames
    }

    pub fn resolve_hostnames(&self) -> bool {
        self.options.resolve_hostnames
    }

    /// Credentials for connecting to other Sentinels (`sentinel-user`/`sentinel-pass`).
    pub fn sentinel_auth(&self) -> (Option<&[u8]>, Option<&[u8]>) {
        (
            self.peer_auth.user.as_deref(),
            self.peer_auth.pass.as_deref(),
        )
    }

    /// Emit the start-up outputs (`sentinelIsRunning`): persist a freshly generated run
    /// id, log it, and a `+monitor` event per configured master.
    pub fn start(&mut self) {
        if self.myid_generated {
            self.myid_generated = false;
            self.flush_config();
        }
        self.log(LogLevel::Warning, format!("Sentinel ID is {}", self.myid));
        let keys: Vec<MasterKey> = self.masters.keys().collect();
        for m in keys {
            self.announce_monitor(m);
        }
    }

    /// The `+monitor` event for master `m`, sent at start-up and by `SENTINEL MONITOR`.
    pub(crate) fn announce_monitor(&mut self, m: MasterKey) {
        let Some(master) = self.masters.get(m) else {
            return;
        };
        // redis prints the unsigned quorum with `%d`.
        let quorum = master.quorum as i32;
        let text = format!("{} quorum {quorum}", self.describe(InstRef::Master(m)));
        self.event(LogLevel::Warning, "+monitor", Some(m), text);
    }

    /// Next output, in the order produced (a config save with another one queued
    /// after it is skipped, see `OutputQueue::pop`).
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop()
    }

    pub(crate) fn instance(&self, r: InstRef) -> Option<&Instance> {
        match r {
            InstRef::Master(m) => self.masters.get(m).map(|m| &m.inst),
            InstRef::Replica(m, i) => self.masters.get(m)?.replicas.get(i),
            InstRef::Sentinel(m, i) => self.masters.get(m)?.sentinels.get(i),
        }
    }

    pub(crate) fn instance_mut(&mut self, r: InstRef) -> Option<&mut Instance> {
        match r {
            InstRef::Master(m) => self.masters.get_mut(m).map(|m| &mut m.inst),
            InstRef::Replica(m, i) => self.masters.get_mut(m)?.replicas.get_mut(i),
            InstRef::Sentinel(m, i) => self.masters.get_mut(m)?.sentinels.get_mut(i),
        }
    }

    /// The `%@` prefix of events: `master name ip port`, or for replicas and Sentinels
    /// `slave name ip port @ master mip mport`.
    pub(crate) fn describe(&self, r: InstRef) -> String {
        let ah = self.options.announce_hostnames;
        let Some(inst) = self.instance(r) else {
            return String::new();
        };
        let own = format!(
            "{} {} {} {}",
            inst.kind.as_str(),
            inst.name,
            inst.addr.announced(ah),
            inst.addr.port
        );
        match r {
            InstRef::Master(_) => own,
            InstRef::Replica(m, _) | InstRef::Sentinel(m, _) => {
                let master = &self.masters[m].inst;
                format!(
                    "{own} @ {} {} {}",
                    master.name,
                    master.addr.announced(ah),
                    master.addr.port
                )
            }
        }
    }

    /// Queue an event about (a child of) master `m`; the notification script applies to
    /// warnings, as in `sentinelEvent`.
    pub(crate) fn event(
        &mut self,
        level: LogLevel,
        kind: &str,
        master: Option<MasterKey>,
        mut text: String,
    ) {
        truncate_event_text(&mut text);
        let notification_script = match (level, master) {
            (LogLevel::Warning, Some(m)) => self
                .masters
                .get(m)
                .and_then(|m| m.notification_script.clone()),
            _ => None,
        };
        if let Some(path) = &notification_script {
            self.schedule_script(path, vec![kind.to_string(), text.clone()]);
        }
        self.outputs.push(Output::Event(Event {
            level,
            kind: kind.to_string(),
            text,
            notification_script,
        }));
    }

    pub(crate) fn log(&mut self, level: LogLevel, text: String) {
        self.outputs.push(Output::Log { level, text });
    }

    pub(crate) fn flush_config(&mut self) {
        self.outputs.push(Output::FlushConfig);
    }

    /// A save redis does not make; see [`Output::SaveConfigQuietly`].
    pub(crate) fn save_config_quietly(&mut self) {
        self.outputs.push(Output::SaveConfigQuietly);
    }

    /// Close a link's connections (it stays in the table, disconnected, and reconnects).
    pub(crate) fn close_link(&mut self, id: LinkId) {
        self.close_conn(id, ConnKind::Command);
        self.close_conn(id, ConnKind::PubSub);
    }

    /// Drop an instance's use of its link; a link left unused is closed.
    pub(crate) fn release_link(&mut self, id: LinkId) {
        for c in self.links.release(id).unwrap_or_default() {
            self.outputs.push(Output::Close(c));
        }
    }

    /// Add a master (`createSentinelRedisInstance` with `SRI_MASTER`); the caller checked
    /// the name is free.
    pub(crate) fn add_master(
        &mut self,
        name: &str,
        addr: Addr,
        quorum: u32,
        now_ms: u64,
    ) -> MasterKey {
        let link = self.links.create(now_ms, true);
        let inst = Instance::new(
            Kind::Master,
            name.to_string(),
            addr,
            link,
            self.timing.default_down_after,
            now_ms,
        );
        self.masters.add(Master::new(
            inst,
            quorum,
            self.timing.default_failover_timeout,
        ))
    }

    /// Add a replica of master `m`, named by its announced address; `None` if one with
    /// that name exists.
    pub(crate) fn add_replica(&mut self, m: MasterKey, addr: Addr, now_ms: u64) -> Option<InstKey> {
        let name = addr.announced_with_port(self.options.announce_hostnames);
        if self.masters[m].replica(&name).is_some() {
            return None;
        }
        let link = self.links.create(now_ms, true);
        let down_after = self.masters[m].inst.down_after_ms;
        let inst = Instance::new(Kind::Replica, name, addr, link, down_after, now_ms);
        Some(self.masters[m].replicas.insert(inst))
    }

    /// Add another Sentinel of master `m`, named by its run id, sharing the link of the
    /// same Sentinel under another master when there is one; `None` on duplicate run id.
    pub(crate) fn add_sentinel(
        &mut self,
        m: MasterKey,
        addr: Addr,
        runid: &str,
        now_ms: u64,
    ) -> Option<InstKey> {
        if self.masters[m].sentinel_key(runid).is_some() {
            return None;
        }
        // sentinelTryConnectionSharing: same run id under another master.
        let shared = self
            .masters
            .iter()
            .filter(|(k, _)| *k != m)
            .find_map(|(_, other)| {
                other
                    .sentinels
                    .values()
                    .find(|s| s.reported.runid.as_deref() == Some(runid))
                    .map(|s| s.link)
            });
        let link = match shared {
            Some(l) => {
                self.links.retain(l);
                l
            }
            None => self.links.create(now_ms, false),
        };
        let down_after = self.masters[m].inst.down_after_ms;
        let mut inst = Instance::new(
            Kind::Sentinel,
            runid.to_string(),
            addr,
            link,
            down_after,
            now_ms,
        );
        inst.reported.runid = Some(runid.to_string());
        Some(self.masters[m].sentinels.insert(inst))
    }

    /// Remove master `m` with its replicas and Sentinels, releasing their links.
    pub(crate) fn remove_master(&mut self, m: MasterKey) {
        let Some(master) = self.masters.remove(m) else {
            return;
        };
        for inst in master.replicas.values().chain(master.sentinels.values()) {
            self.release_link(inst.link);
        }
        self.release_link(master.inst.link);
    }

    /// `sentinelResetMaster`: forget replicas (and Sentinels unless `keep_sentinels`),
    /// runtime flags, vote, failover state and timers; reconnect.
    pub(crate) fn reset_master(
        &mut self,
        m: MasterKey,
        keep_sentinels: bool,
        generate_event: bool,
        now_ms: u64,
    ) {
        // Drained, not replaced: the keys of the instances forgotten must find nothing,
        // even once new instances take their slots.
        let replicas = self.masters[m].replicas.drain();
        for r in &replicas {
            self.release_link(r.link);
        }
        if !keep_sentinels {
            let sentinels = self.masters[m].sentinels.drain();
            for s in &sentinels {
                self.release_link(s.link);
            }
        }
        let link = self.masters[m].inst.link;
        self.close_link(link);
        let master = &mut self.masters[m];
        master.inst.flags = Flags::empty();
        master.leader = None;
        master.failover.reset();
        master.fast_start_at = 0;
        master.fast_retry_at = 0;
        master.switchover = None;
        let reported = &mut master.inst.reported;
        reported.runid = None;
        reported.slave_master_host = None;
        reported.role_reported_time = now_ms;
        reported.role_reported = Some(Role::Master);
        reported.master_reboot_since = None;
        if let Some(l) = self.links.get_mut(link) {
            l.health.reset_ping_clock(now_ms);
        }
        if generate_event {
            let text = self.describe(InstRef::Master(m));
            self.event(LogLevel::Warning, "+reset-master", Some(m), text);
        }
    }

    /// A random delay in `0..1000` ms used to desynchronize failover starts.
    pub(crate) fn desync(&mut self) -> u64 {
        self.rng.gen_range(0..MAX_DESYNC_MS)
    }

    /// The `# Sentinel` section of INFO, header included, lines ending in CRLF.
    pub fn info_section(&self, now_ms: u64) -> String {
        let tilt_since = self.tilt.since_seconds(now_ms);
        let mut s = format!(
            "# Sentinel\r\nsentinel_masters:{}\r\nsentinel_tilt:{}\r\nsentinel_tilt_since_seconds:{}\r\n\
             sentinel_running_scripts:{}\r\nsentinel_scripts_queue_length:{}\r\n\
             sentinel_simulate_failure_flags:{}\r\n",
            self.masters.len(),
            u8::from(self.tilt.active),
            tilt_since,
            self.scripts.running(),
            self.scripts.len(),
            self.options.simfailure_flags
        );
        for (i, m) in self.masters.values().enumerate() {
            let status = if m.inst.flags.contains(Flags::O_DOWN) {
                "odown"
            } else if m.inst.flags.contains(Flags::S_DOWN) {
                "sdown"
            } else {
                "ok"
            };
            s.push_str(&format!(
                "master{}:name={},status={},address={}:{},slaves={},sentinels={}\r\n",
                i,
                m.inst.name,
                status,
                m.inst.addr.announced(self.options.announce_hostnames),
                m.inst.addr.port,
                m.replicas.len(),
                m.sentinels.len() + 1
            ));
        }
        s
    }
}

#[cfg(test)]
#[path = "sentinel_tests.rs"]
mod tests;

/// Longest event message, as redis' `sentinelEvent` formats it into a `LOG_MAX_LEN`
/// (1024-byte) buffer: a 1 MiB value set with SENTINEL SET must not become a 1 MiB
/// message for every subscriber, log line and notification script argument.
pub const MAX_EVENT_TEXT: usize = 1023;

/// Cuts `text` to [`MAX_EVENT_TEXT`] bytes, at a character boundary.
fn truncate_event_text(text: &mut String) {
    if text.len() > MAX_EVENT_TEXT {
        let mut end = MAX_EVENT_TEXT;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
}

#[cfg(test)]
mod event_text_tests {
    use super::*;

    #[test]
    fn long_event_texts_are_cut_like_redis_buffer() {
        let mut t = "x".repeat(5000);
        truncate_event_text(&mut t);
        assert_eq!(t.len(), MAX_EVENT_TEXT);
        // A multi-byte character straddling the limit is dropped whole.
        let mut t = format!("{}é", "a".repeat(MAX_EVENT_TEXT - 1));
        truncate_event_text(&mut t);
        assert_eq!(t.len(), MAX_EVENT_TEXT - 1);
        let mut short = "master m 127.0.0.1 6379".to_string();
        truncate_event_text(&mut short);
        assert_eq!(short, "master m 127.0.0.1 6379");
    }
}
