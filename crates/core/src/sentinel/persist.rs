//! Loading the Sentinel state from the typed settings and producing them back for the
//! config rewrite (`sentinelHandleConfiguration` / `rewriteConfigSentinelOption`).

use rsentinel_config::{KnownSentinel, MasterConfig, SentinelSettings};

use crate::addr::{Addr, AddrError};
use crate::event::LogLevel;
use crate::sentinel::Sentinel;

/// A configuration the state cannot be built from; `message` is redis' text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    /// The master the failing directive is about, if any.
    pub master: Option<String>,
    pub message: &'static str,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message)
    }
}

impl std::error::Error for LoadError {}

fn addr_error(e: AddrError) -> &'static str {
    match e {
        AddrError::Unresolvable => "Can't resolve instance hostname.",
        AddrError::InvalidPort => "Invalid port number.",
    }
}

impl Sentinel {
    /// Build the state from the settings. A missing run id is generated from the seeded
    /// RNG and will be persisted by [`Sentinel::start`]. `resolve` looks hostnames up
    /// (only used with `resolve-hostnames yes`); unresolvable masters are still accepted
    /// then, as redis does.
    pub fn new(
        cfg: SentinelSettings,
        now_ms: u64,
        seed: u64,
        resolve: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Sentinel, LoadError> {
        let mut s = Sentinel::empty(seed);
        s.current_epoch = cfg.current_epoch;
        s.options.deny_scripts_reconfig = cfg.deny_scripts_reconfig;
        s.options.resolve_hostnames = cfg.resolve_hostnames;
        s.options.fast_failover = cfg.fast_failover;
        s.options.announce_hostnames = cfg.announce_hostnames;
        s.announce.ip = cfg.announce_ip.filter(|ip| !ip.is_empty());
        s.announce.port = cfg.announce_port;
        s.peer_auth.user = cfg.sentinel_user.filter(|u| !u.is_empty());
        s.peer_auth.pass = cfg.sentinel_pass.filter(|p| !p.is_empty());
        match cfg.myid {
            Some(id) if id.len() == 40 => s.myid = id,
            Some(_) => {
                return Err(LoadError {
                    master: None,
                    message: "Malformed Sentinel id in myid option.",
                })
            }
            None => {
                s.myid = s.random_hex_id();
                s.myid_generated = true;
            }
        }
        for mc in &cfg.masters {
            s.load_master(mc, now_ms, resolve)?;
        }
        Ok(s)
    }

    fn load_master(
        &mut self,
        mc: &MasterConfig,
        now_ms: u64,
        resolve: &dyn Fn(&str) -> Option<String>,
    ) -> Result<(), LoadError> {
        let err = |message| LoadError {
            master: Some(mc.name.clone()),
            message,
        };
        if mc.quorum == 0 {
            return Err(err("Quorum must be 1 or greater."));
        }
        let addr = self
            .make_addr(&mc.host, i64::from(mc.port), true, resolve)
            .map_err(|e| err(addr_error(e)))?;
        if self.master_key(&mc.name).is_some() {
            return Err(err("Duplicate master name."));
        }
        let m = self.add_master(&mc.name, addr, mc.quorum, now_ms);
        if mc.down_after_ms == 0 || mc.failover_timeout_ms == 0 {
            return Err(err("negative or zero time parameter."));
        }
        {
            let master = &mut self.masters[m];
            master.set_down_after(mc.down_after_ms);
            master.failover_timeout_ms = mc.failover_timeout_ms;
            master.parallel_syncs = mc.parallel_syncs;
            master.notification_script = mc.notification_script.clone();
            master.client_reconfig_script = mc.client_reconfig_script.clone();
            master.auth_pass = mc.auth_pass.clone();
            master.auth_user = mc.auth_user.clone();
            master.inst.master_reboot_down_after_ms = mc.master_reboot_down_after_period_ms;
            master.inst.config_epoch = mc.config_epoch;
            master.leader_epoch = mc.leader_epoch;
            for (from, to) in &mc.rename_commands {
                if master
                    .renamed_commands
                    .iter()
                    .any(|(f, _)| f.eq_ignore_ascii_case(from))
                {
                    return Err(err(
                        "Same command renamed multiple times with rename-command.",
                    ));
                }
                master.renamed_commands.push((from.clone(), to.clone()));
            }
        }
        if mc.config_epoch > self.current_epoch {
            self.current_epoch = mc.config_epoch;
        }
        for (host, port) in &mc.known_replicas {
            let addr = self
                .make_addr(host, i64::from(*port), true, resolve)
                .map_err(|e| err(addr_error(e)))?;
            self.add_replica(m, addr, now_ms)
                .ok_or_else(|| err("Duplicate hostname and port for replica."))?;
        }
        for KnownSentinel { host, port, runid } in &mc.known_sentinels {
            let addr = self
                .make_addr(host, i64::from(*port), true, resolve)
                .map_err(|e| err(addr_error(e)))?;
            self.add_sentinel(m, addr, runid, now_ms)
                .ok_or_else(|| err("Duplicate runid for sentinel."))?;
        }
        Ok(())
    }

    /// `createSentinelAddr` with this Sentinel's resolve rule, logging failed lookups.
    pub(crate) fn make_addr(
        &mut self,
        host: &str,
        port: i64,
        accept_unresolved: bool,
        resolve: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Addr, AddrError> {
        let (addr, failed) = Addr::create(
            host,
            port,
            accept_unresolved,
            self.options.resolve_hostnames,
            resolve,
        );
        if failed {
            self.log(
                LogLevel::Warning,
                format!("Failed to resolve hostname '{host}'"),
            );
        }
        addr
    }

    /// The persistent state for the config rewrite: what redis writes in
    /// `rewriteConfigSentinelOption` (the master address is the current one, announced as
    /// hostname or IP; known Sentinels without a run id are skipped).
    pub fn settings(&self) -> SentinelSettings {
        let ah = self.options.announce_hostnames;
        let masters = self
            .masters
            .values()
            .map(|m| {
                let cur = m.current_addr();
                let known_replicas = m
                    .replicas
                    .values()
                    .map(|r| {
                        // The promoted replica is recorded under the old master address.
                        let a = if r.addr.same_as(cur) {
                            &m.inst.addr
                        } else {
                            &r.addr
                        };
                        (a.announced(ah).to_string(), a.port)
                    })
                    .collect();
                let known_sentinels = m
                    .sentinels
                    .values()
                    .filter_map(|s| {
                        Some(KnownSentinel {
                            host: s.addr.announced(ah).to_string(),
                            port: s.addr.port,
                            runid: s.reported.runid.clone()?,
                        })
                    })
                    .collect();
                MasterConfig {
                    name: m.inst.name.clone(),
                    host: cur.announced(ah).to_string(),
                    port: cur.port,
                    quorum: m.quorum,
                    down_after_ms: m.inst.down_after_ms,
                    failover_timeout_ms: m.failover_timeout_ms,
                    parallel_syncs: m.parallel_syncs,
                    notification_script: m.notification_script.clone(),
                    client_reconfig_script: m.client_reconfig_script.clone(),
                    auth_pass: m.auth_pass.clone(),
                    auth_user: m.auth_user.clone(),
                    master_reboot_down_after_period_ms: m.inst.master_reboot_down_after_ms,
                    config_epoch: m.inst.config_epoch,
                    leader_epoch: m.leader_epoch,
                    known_replicas,
                    known_sentinels,
                    rename_commands: m.renamed_commands.clone(),
                }
            })
            .collect();
        SentinelSettings {
            myid: Some(self.myid.clone()),
            current_epoch: self.current_epoch,
            deny_scripts_reconfig: self.options.deny_scripts_reconfig,
            resolve_hostnames: self.options.resolve_hostnames,
            announce_hostnames: self.options.announce_hostnames,
            fast_failover: self.options.fast_failover,
            announce_ip: self.announce.ip.clone(),
            announce_port: self.announce.port,
            sentinel_user: self.peer_auth.user.clone(),
            sentinel_pass: self.peer_auth.pass.clone(),
            masters,
        }
    }
}
