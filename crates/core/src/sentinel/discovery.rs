//! Receiving hellos: the gossip crate decides what a hello means (new Sentinel, address
//! change, newer epoch, newer master configuration) as an ordered list of steps; this
//! module shows it our table and carries the steps out on it, so events, saves and
//! table changes interleave exactly as in redis' `sentinelProcessHelloMessage`.

use crate::addr::{resolve_host, Addr};
use crate::event::LogLevel;
use crate::hello_memo::{Meaning, Repeat};
use crate::master::InstRef;
use crate::sentinel::Sentinel;
use rsentinel_gossip::hello::{mentions_runid, HelloRef};
use rsentinel_gossip::{
    receive_hello as decide, AddrRef, Level, MasterView, Masters, PeerAddr, PeerView, Source, Step,
    Subject, View,
};

fn level(l: Level) -> LogLevel {
    match l {
        Level::Notice => LogLevel::Notice,
        Level::Warning => LogLevel::Warning,
    }
}

fn addr_of(p: PeerAddr) -> Addr {
    Addr {
        hostname: p.hostname,
        ip: p.ip,
        port: p.port,
    }
}

/// The master table as the gossip crate looks it up: one master at a time, by name
/// through the core's index, built only when asked for. The gossip crate names masters
/// by their position in the table's order; its steps are applied right after it
/// decided, before anything could add or remove a master, and turn positions into keys
/// as they are applied.
struct Table<'a> {
    masters: &'a crate::master_table::MasterTable,
}

impl Masters for Table<'_> {
    fn count(&self) -> usize {
        self.masters.len()
    }

    fn position(&self, name: &str) -> Option<usize> {
        self.masters.position(self.masters.key_of(name)?)
    }

    fn view(&self, m: usize) -> Option<MasterView<'_>> {
        let m = self.masters.get(self.masters.key_at(m)?)?;
        Some(MasterView {
            name: &m.inst.name,
            addr: AddrRef {
                hostname: &m.inst.addr.hostname,
                ip: &m.inst.addr.ip,
                port: m.inst.addr.port,
            },
            config_epoch: m.inst.config_epoch,
            sentinels: m
                .sentinels
                .values()
                .map(|s| PeerView {
                    name: &s.name,
                    runid: s.reported.runid.as_deref(),
                    addr: AddrRef {
                        hostname: &s.addr.hostname,
                        ip: &s.addr.ip,
                        port: s.addr.port,
                    },
                })
                .collect(),
        })
    }
}

impl Sentinel {
    /// A hello another Sentinel sent us directly with `PUBLISH __sentinel__:hello`.
    pub fn receive_hello(&mut self, payload: &[u8], now: u64) {
        self.handle_hello(payload, Source::Publish, now);
    }

    /// A hello seen on an instance's hello channel (our own echoes are dropped).
    pub(crate) fn hello_from_pubsub(&mut self, payload: &[u8], now: u64) {
        self.handle_hello(payload, Source::PubSub, now);
    }

    fn handle_hello(&mut self, payload: &[u8], source: Source, now: u64) {
        // With resolve-hostnames a name may resolve differently from one hello to the
        // next: then every hello goes the full way.
        if !self.options.resolve_hostnames {
            let from_pubsub = source == Source::PubSub;
            match self
                .hello_memo
                .recall(payload, from_pubsub, &self.masters, self.current_epoch)
            {
                Some(Repeat::Ignore) => return,
                Some(Repeat::Heard { master, sentinel }) => {
                    self.masters[master].sentinels[sentinel].last_hello_time = now;
                    return;
                }
                None => {}
            }
        }
        // Our own hellos echoed on every instance's pub/sub link are most of what
        // arrives: the gossip crate drops them first, before parsing.
        let steps = {
            let table = Table {
                masters: &self.masters,
            };
            let resolve_hostnames = self.options.resolve_hostnames;
            let resolver = &self.resolver.0;
            let resolve = |h: &str| resolve_host(h, resolve_hostnames, &**resolver);
            let view = View {
                current_epoch: self.current_epoch,
                masters: &table,
                resolve_hostnames,
                announce_hostnames: self.options.announce_hostnames,
                resolve: &resolve,
            };
            decide(payload, source, &self.myid, &view)
        };
        let only_heard = matches!(steps.as_slice(), [Step::HelloReceived { .. }]);
        for step in steps {
            self.apply_hello_step(step, now);
        }
        if only_heard && !self.options.resolve_hostnames {
            self.remember_hello(payload);
        }
    }

    /// Remember a payload that only refreshed a Sentinel's last hello time, with what
    /// the gossip crate read from it, so its repeats skip the full way.
    fn remember_hello(&mut self, payload: &[u8]) {
        let Ok(hello) = HelloRef::parse(payload) else {
            return;
        };
        let Some(master) = self.masters.key_of(&hello.master_name) else {
            return;
        };
        let Ok(port) = u16::try_from(hello.port) else {
            return;
        };
        let Some(ip) = resolve_host(&hello.ip, false, &*self.resolver.0) else {
            return;
        };
        self.hello_memo.remember(
            payload,
            Meaning {
                master,
                runid: &hello.runid,
                hostname: &hello.ip,
                ip: &ip,
                port,
                current_epoch: hello.current_epoch,
                config_epoch: hello.master_config_epoch,
                mentions_me: mentions_runid(payload, &self.myid),
            },
        );
    }

    /// Carries out one step of the gossip crate. Its steps name the master by position
    /// in the table's order, unchanged since it decided: no step adds or removes a
    /// master.
    fn apply_hello_step(&mut self, step: Step, now: u64) {
        match step {
            Step::Log { level: l, text } => self.log(level(l), text),
            Step::Event(e) => {
                let Some(m) = self.masters.key_at(e.master) else {
                    return;
                };
                let prefix = match &e.subject {
                    Subject::None => String::new(),
                    Subject::Master => self.describe(InstRef::Master(m)),
                    Subject::Sentinel(name) => self.masters[m]
                        .sentinel_key(name)
                        .map(|i| self.describe(InstRef::Sentinel(m, i)))
                        .unwrap_or_default(),
                };
                let text = e.message(&prefix);
                self.event(level(e.level), e.kind, Some(m), text);
            }
            Step::RemoveSentinel { master, name } => {
                let Some(m) = self.masters.key_at(master) else {
                    return;
                };
                let ms = &mut self.masters[m];
                if let Some(s) = ms.sentinel_key(&name).and_then(|i| ms.sentinels.remove(i)) {
                    self.release_link(s.link);
                }
            }
            Step::AddSentinel {
                master,
                runid,
                addr,
            } => {
                if let Some(m) = self.masters.key_at(master) {
                    self.add_sentinel(m, addr_of(addr), &runid, now);
                }
            }
            Step::CloseSentinelLink { master, name } => {
                let Some(m) = self.masters.key_at(master) else {
                    return;
                };
                if let Some(i) = self.masters[m].sentinel_key(&name) {
                    let link = self.masters[m].sentinels[i].link;
                    self.close_link(link);
                }
            }
            Step::SetSentinelAddr { master, name, addr } => {
                let Some(m) = self.masters.key_at(master) else {
                    return;
                };
                if let Some(i) = self.masters[m].sentinel_key(&name) {
                    self.masters[m].sentinels[i].addr = addr_of(addr);
                }
            }
            Step::FlushConfig => self.flush_config(),
            Step::SaveConfigQuietly => self.save_config_quietly(),
            Step::SetCurrentEpoch(epoch) => self.current_epoch = epoch,
            Step::SetMasterConfigEpoch { master, epoch } => {
                if let Some(m) = self.masters.key_at(master) {
                    self.masters[m].inst.config_epoch = epoch;
                }
            }
            Step::SwitchMasterAddress { master, addr } => {
                if let Some(m) = self.masters.key_at(master) {
                    self.reset_master_and_change_address(m, addr_of(addr), now);
                }
            }
            Step::ClientReconfigScript { master, from, to } => {
                let Some(m) = self.masters.key_at(master) else {
                    return;
                };
                let ah = self.options.announce_hostnames;
                let host = |p: &PeerAddr| if ah { p.hostname.clone() } else { p.ip.clone() };
                let args = vec![
                    self.masters[m].inst.name.clone(),
                    "observer".to_string(),
                    "start".to_string(),
                    host(&from),
                    from.port.to_string(),
                    host(&to),
                    to.port.to_string(),
                ];
                self.client_reconfig_script(m, args);
            }
            Step::HelloReceived { master, name } => {
                let Some(m) = self.masters.key_at(master) else {
                    return;
                };
                if let Some(i) = self.masters[m].sentinel_key(&name) {
                    self.masters[m].sentinels[i].last_hello_time = now;
                }
            }
        }
    }
}
