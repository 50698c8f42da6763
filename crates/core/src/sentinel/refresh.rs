//! Acting on an INFO reply (`sentinelRefreshInstanceInfo`): the parsing and the state
//! transitions come from the monitor crate; here they are applied to the instance table
//! with redis' events: `+reboot`, `+slave`, `+role-change`/`-role-change`, and the
//! reconfiguration of instances that disagree with our view (`+convert-to-slave`,
//! `+fix-slave-config`), plus the reconfiguration progress of a failover.

use crate::event::LogLevel;
use crate::instance::{Flags, InstKey, Kind};
use crate::master::InstRef;
use crate::master::MasterKey;
use crate::parse::info_field;
use crate::sentinel::Sentinel;
use rsentinel_monitor::{
    convert_to_slave_due, fix_chained_replica_due, fix_slave_config_due, master_looks_sane,
    parse_info, InfoContext, Role,
};

impl Sentinel {
    /// Applies one INFO reply from instance `r`.
    pub(crate) fn refresh_instance_info(&mut self, r: InstRef, text: &str, now: u64) {
        let report = parse_info(text);
        let m = r.master();
        let reboot_period = self.masters[m].inst.master_reboot_down_after_ms;
        let kept = self.info_store.keep(text);
        let Some(inst) = self.instance_mut(r) else {
            return;
        };
        inst.info = Some(kept);
        let replid = info_field(text, "master_replid");
        if inst.replid.as_deref() != replid {
            inst.replid = replid.map(Box::from);
        }
        let ctx = InfoContext {
            kind: inst.kind.monitor_kind(),
            master_reboot_down_after_ms: reboot_period,
            now_ms: now,
        };
        let outcome = inst.reported.apply(&report, &ctx);
        if outcome.rebooted {
            self.inst_event(LogLevel::Notice, "+reboot", r, "");
        }
        for (ip, port) in &outcome.replicas {
            self.discover_replica(m, ip, *port as i64, now);
        }
        if let Some(change) = &outcome.role_change {
            let suffix = format!(" new reported role is {}", change.role_word());
            self.inst_event(LogLevel::Verbose, change.event_type(), r, &suffix);
        }
        self.note_history(r, text);
        if self.tilt.active {
            return;
        }
        if let InstRef::Replica(m, i) = r {
            self.reconfigure_replica_if_needed(m, i, now);
        }
    }

    /// A replica named in its master's INFO: added if new (`+slave`, config saved).
    fn discover_replica(&mut self, m: MasterKey, ip: &str, port: i64, now: u64) {
        let Some(addr) = self.runtime_addr(ip, port) else {
            return;
        };
        let name = addr.announced_with_port(self.options.announce_hostnames);
        if self.masters[m].replica(&name).is_some() {
            return;
        }
        if let Some(i) = self.add_replica(m, addr, now) {
            self.inst_event(LogLevel::Notice, "+slave", InstRef::Replica(m, i), "");
            self.flush_config();
        }
    }

    /// A replica that claims to be a master, or replicates from the wrong address, is
    /// told to follow our master once things look stable; during our failover, replicas
    /// being reconfigured advance from "sent" to "in progress" to "done".
    fn reconfigure_replica_if_needed(&mut self, m: MasterKey, i: InstKey, now: u64) {
        let master = &self.masters[m];
        let down = master.inst.flags.intersects(Flags::S_DOWN | Flags::O_DOWN);
        let sane = master.inst.kind == Kind::Master
            && master_looks_sane(&master.inst.reported, down, self.timing.info_period, now);
        let master_addr = master.inst.addr.clone();
        let replica = &master.replicas[i];
        let rep = &replica.reported;
        let promoted = replica
            .failover_flags
            .contains(rsentinel_failover::ReplicaFlags::PROMOTED);
        let (sd, od) = (replica.s_down_since_time, replica.o_down_since_time);
        let r = InstRef::Replica(m, i);
        if convert_to_slave_due(rep, promoted, sane, sd, od, self.timing.publish_period, now) {
            if self.send_slave_of(r, Some(&master_addr)) {
                self.inst_event(LogLevel::Notice, "+convert-to-slave", r, "");
            }
            return;
        }
        let elsewhere = rep.role_reported == Some(Role::Replica)
            && (rep.slave_master_port != i32::from(master_addr.port)
                || !rep
                    .slave_master_host
                    .as_deref()
                    .is_some_and(|h| self.addr_is_host(&master_addr, h)));
        let timeout = self.masters[m].failover_timeout_ms;
        let chained = elsewhere
            && self.upstream_replica(m, i).is_some_and(|up| {
                fix_chained_replica_due(rep, &up.reported, sane, sd, od, timeout, now)
            });
        let due = chained || fix_slave_config_due(rep, elsewhere, sane, sd, od, timeout, now);
        if due && self.send_slave_of(r, Some(&master_addr)) {
            self.inst_event(LogLevel::Notice, "+fix-slave-config", r, "");
        }
        self.failover_on_replica_info(m, i, now);
    }

    /// The other replica of master `m` that replica `i` says it replicates from, if any.
    fn upstream_replica(&self, m: MasterKey, i: InstKey) -> Option<&crate::instance::Instance> {
        let master = &self.masters[m];
        let rep = &master.replicas.get(i)?.reported;
        let host = rep.slave_master_host.as_deref()?;
        master.replicas.iter().find_map(|(k, up)| {
            let same = k != i
                && i32::from(up.addr.port) == rep.slave_master_port
                && self.addr_is_host(&up.addr, host);
            same.then_some(up)
        })
    }
}

#[cfg(test)]
#[path = "refresh_tests.rs"]
mod tests;
