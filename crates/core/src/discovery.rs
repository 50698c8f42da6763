//! Receiving hellos (`sentinelProcessHelloMessage`): other Sentinels are discovered, their
//! address changes followed, our current epoch raised to theirs, and a master's address
//! updated when a hello carries a newer configuration epoch for it (how every Sentinel
//! learns the outcome of a failover it did not lead).

use crate::event::LogLevel;
use crate::instance::Kind;
use crate::sentinel::{InstRef, Sentinel};

/// A hello message's eight fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hello {
    pub ip: String,
    pub port: i64,
    pub runid: String,
    pub current_epoch: u64,
    pub master_name: String,
    pub master_ip: String,
    pub master_port: i64,
    pub master_config_epoch: u64,
}

impl Sentinel {
    /// A hello another Sentinel sent us directly with `PUBLISH __sentinel__:hello`.
    pub fn receive_hello(&mut self, payload: &[u8], now: u64) {
        self.process_hello(&String::from_utf8_lossy(payload), now);
    }

    /// Handles one hello; unknown masters and malformed messages are ignored.
    pub(crate) fn process_hello(&mut self, text: &str, now: u64) {
        if let Some(h) = parse_hello(text) {
            self.apply_hello(&h, now);
        }
    }

    /// Finds a Sentinel of master `m` by address and/or run id
    /// (`getSentinelRedisInstanceByAddrAndRunID`).
    fn find_sentinel(
        &self,
        m: usize,
        addr: Option<(&str, i64)>,
        runid: Option<&str>,
    ) -> Option<usize> {
        let probe = addr.and_then(|(ip, port)| self.runtime_addr(ip, port));
        if addr.is_some() && probe.is_none() {
            return None;
        }
        self.masters[m].sentinels.iter().position(|s| {
            let runid_ok = match runid {
                None => true,
                Some(id) => s.runid.as_deref() == Some(id),
            };
            let addr_ok = probe.as_ref().is_none_or(|p| s.addr.same_as(p));
            runid_ok && addr_ok
        })
    }

    /// Removes master `m`'s Sentinels with run id `runid`; returns how many.
    fn remove_sentinels_with_runid(&mut self, m: usize, runid: &str) -> usize {
        let mut removed = 0;
        let mut i = 0;
        while i < self.masters[m].sentinels.len() {
            if self.masters[m].sentinels[i].runid.as_deref() == Some(runid) {
                let s = self.masters[m].sentinels.remove(i);
                self.release_link(s.link);
                removed += 1;
            } else {
                i += 1;
            }
        }
        removed
    }

    fn apply_hello(&mut self, h: &Hello, now: u64) {
        let Some(m) = self.master_index(&h.master_name) else {
            return;
        };
        let mut si = self.find_sentinel(m, Some((&h.ip, h.port)), Some(&h.runid));
        if si.is_none() {
            let removed = self.remove_sentinels_with_runid(m, &h.runid);
            if removed > 0 {
                let suffix = format!(" ip {} port {} for {}", h.ip, h.port, h.runid);
                self.inst_event(
                    LogLevel::Notice,
                    "+sentinel-address-switch",
                    InstRef::Master(m),
                    &suffix,
                );
            } else if let Some(other) = self.find_sentinel(m, Some((&h.ip, h.port)), None) {
                // Another run id at that address: that Sentinel is gone (restarted with a
                // new id); forget it under every master.
                self.inst_event(
                    LogLevel::Notice,
                    "+sentinel-invalid-addr",
                    InstRef::Sentinel(m, other),
                    "",
                );
                if let Some(old) = self.masters[m].sentinels[other].runid.clone() {
                    for mm in 0..self.masters.len() {
                        self.remove_sentinels_with_runid(mm, &old);
                    }
                }
            }
            if let Some(addr) = self.runtime_addr(&h.ip, h.port) {
                if let Some(i) = self.add_sentinel(m, addr, &h.runid, now) {
                    if removed == 0 {
                        self.inst_event(LogLevel::Notice, "+sentinel", InstRef::Sentinel(m, i), "");
                    } else {
                        self.update_sentinel_address_in_all_masters(m, i);
                    }
                    self.flush_config();
                    si = Some(i);
                }
            }
        }
        if h.current_epoch > self.current_epoch {
            self.current_epoch = h.current_epoch;
            self.flush_config();
            let epoch = self.current_epoch.to_string();
            self.event(LogLevel::Warning, "+new-epoch", Some(m), epoch);
        }
        if let Some(i) = si {
            if self.masters[m].inst.config_epoch < h.master_config_epoch {
                self.masters[m].inst.config_epoch = h.master_config_epoch;
                let addr = self.masters[m].inst.addr.clone();
                let moved =
                    h.master_port != addr.port as i64 || !self.addr_is_host(&addr, &h.master_ip);
                if moved {
                    self.inst_event(
                        LogLevel::Warning,
                        "+config-update-from",
                        InstRef::Sentinel(m, i),
                        "",
                    );
                    let name = self.masters[m].inst.name.clone();
                    let text = format!(
                        "{} {} {} {} {}",
                        name,
                        addr.announced(self.announce_hostnames),
                        addr.port,
                        h.master_ip,
                        h.master_port
                    );
                    self.event(LogLevel::Warning, "+switch-master", Some(m), text);
                    if let Ok(port) = u16::try_from(h.master_port) {
                        self.reset_master_and_change_address(m, &h.master_ip, port, now);
                    }
                }
            }
            // The sentinel list may have been rebuilt above: find it again by run id.
            if let Some(j) = self.find_sentinel(m, None, Some(&h.runid)) {
                self.masters[m].sentinels[j].last_hello_time = now;
            }
        }
    }

    /// After a Sentinel's address changed, the same Sentinel under other masters gets the
    /// new address and its connections are dropped to reconnect there.
    fn update_sentinel_address_in_all_masters(&mut self, m: usize, i: usize) {
        let s = &self.masters[m].sentinels[i];
        let (runid, addr) = (s.runid.clone(), s.addr.clone());
        let Some(runid) = runid else {
            return;
        };
        let mut reconfigured = 0;
        for mm in 0..self.masters.len() {
            let Some(j) = self.masters[mm]
                .sentinels
                .iter()
                .position(|s| s.kind == Kind::Sentinel && s.runid.as_deref() == Some(&runid))
            else {
                continue;
            };
            let link = self.masters[mm].sentinels[j].link;
            self.close_link(link);
            if mm == m && j == i {
                continue;
            }
            self.masters[mm].sentinels[j].addr = addr.clone();
            reconfigured += 1;
        }
        if reconfigured > 0 {
            let suffix = format!(" {reconfigured} additional matching instances");
            self.inst_event(
                LogLevel::Notice,
                "+sentinel-address-update",
                InstRef::Sentinel(m, i),
                &suffix,
            );
        }
    }
}

/// C `atoi`: optional spaces and sign, then digits up to the first non-digit; 0 if none.
fn c_atoi(s: &str) -> i64 {
    let t = s.trim_start();
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let mut v: i64 = 0;
    for b in digits.bytes().take_while(u8::is_ascii_digit) {
        v = v.saturating_mul(10).saturating_add((b - b'0') as i64);
    }
    if neg {
        -v
    } else {
        v
    }
}

/// C `strtoull` as redis uses it on epochs: digits up to the first non-digit, 0 if none;
/// a leading minus wraps as in C.
fn c_strtoull(s: &str) -> u64 {
    let t = s.trim_start();
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let mut v: u64 = 0;
    for b in digits.bytes().take_while(u8::is_ascii_digit) {
        v = v.saturating_mul(10).saturating_add((b - b'0') as u64);
    }
    if neg {
        v.wrapping_neg()
    } else {
        v
    }
}

/// Splits a hello into its eight fields; anything else is not a hello.
pub fn parse_hello(text: &str) -> Option<Hello> {
    let t: Vec<&str> = text.split(',').collect();
    if t.len() != 8 {
        return None;
    }
    Some(Hello {
        ip: t[0].to_string(),
        port: c_atoi(t[1]),
        runid: t[2].to_string(),
        current_epoch: c_strtoull(t[3]),
        master_name: t[4].to_string(),
        master_ip: t[5].to_string(),
        master_port: c_atoi(t[6]),
        master_config_epoch: c_strtoull(t[7]),
    })
}
