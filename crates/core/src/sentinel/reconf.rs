//! Changing what instances replicate from, and what we believe the master is: the SLAVEOF
//! transaction (`sentinelSendSlaveOf`) and switching a master to a new address while
//! keeping its replicas (`sentinelResetMasterAndChangeAddress`).

use crate::addr::Addr;
use crate::addr::{ResolveFn, Resolver};
use crate::conn::{Callback, ConnKind};
use crate::event::LogLevel;
use crate::master::InstRef;
use crate::master::MasterKey;
use crate::sentinel::Sentinel;

impl Sentinel {
    /// Installs the host resolver used for addresses learned at run time.
    pub fn set_resolver(&mut self, resolve: ResolveFn) {
        self.resolver = Resolver(resolve);
    }

    /// An address learned at run time (INFO, hello), resolved as configured.
    pub(crate) fn runtime_addr(&self, host: &str, port: i64) -> Option<Addr> {
        let (addr, _) = Addr::create(
            host,
            port,
            false,
            self.options.resolve_hostnames,
            &*self.resolver.0,
        );
        addr.ok()
    }

    /// Whether `host` names `addr` (`sentinelAddrEqualsHostname`): resolved and compared
    /// by IP when possible, else compared by name.
    pub(crate) fn addr_is_host(&self, addr: &Addr, host: &str) -> bool {
        match crate::addr::resolve_host(host, self.options.resolve_hostnames, &*self.resolver.0) {
            Some(ip) => addr.ip == ip,
            None if self.options.resolve_hostnames => addr.hostname.eq_ignore_ascii_case(host),
            None => addr.ip.eq_ignore_ascii_case(host),
        }
    }

    /// Sends `SLAVEOF host port` (or `NO ONE` when `target` is `None`) inside a MULTI
    /// with CONFIG REWRITE and CLIENT KILL TYPE normal/pubsub, so the change survives a
    /// restart and clients reconnect and rediscover the master. Replies are not checked:
    /// the effect shows in the next INFO. False if the command connection is missing.
    pub(crate) fn send_slave_of(&mut self, r: InstRef, target: Option<&Addr>) -> bool {
        let host = target.map(|a| a.announced(self.options.announce_hostnames).to_string());
        let commands =
            rsentinel_failover::slave_of_commands(host.as_deref().zip(target.map(|a| a.port)));
        for command in commands {
            let words: Vec<&str> = command.iter().map(String::as_str).collect();
            if !self.send(r, ConnKind::Command, Callback::Discard, &words) {
                return false;
            }
        }
        true
    }

    /// Points master `m` at `host:port`: every known replica except the new address is
    /// kept, the old address becomes a replica (to be reconfigured when it returns), and
    /// the rest of the master's state is reset. Emits `+slave` per replica and saves.
    pub(crate) fn reset_master_and_change_address(
        &mut self,
        m: MasterKey,
        new_addr: Addr,
        now: u64,
    ) {
        let master = &self.masters[m];
        let mut keep: Vec<Addr> = master
            .replicas
            .values()
            .filter(|r| !r.addr.same_as(&new_addr))
            .map(|r| r.addr.clone())
            .collect();
        if !new_addr.same_as(&master.inst.addr) {
            keep.push(master.inst.addr.clone());
        }
        self.reset_master(m, true, false, now);
        // Answers about the old address say nothing about the new one. Redis keeps them
        // (they then count toward ODOWN of the new master for up to 5 s; found by the
        // simulator, seeds 2593, 2721).
        for s in self.masters[m].sentinels.values_mut() {
            s.peer.master_down = false;
            s.peer.leader = None;
        }
        let inst = &mut self.masters[m].inst;
        inst.addr = new_addr;
        inst.o_down_since_time = 0;
        inst.s_down_since_time = 0;
        for a in keep {
            if let Some(i) = self.add_replica(m, a, now) {
                self.inst_event(LogLevel::Notice, "+slave", InstRef::Replica(m, i), "");
            }
        }
        self.flush_config();
    }
}
