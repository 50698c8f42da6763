//! Read-only subcommands: MASTERS, MASTER, REPLICAS, SENTINELS, GET-MASTER-ADDR-BY-NAME,
//! CKQUORUM and INFO-CACHE.

use bytes::Bytes;
use rsentinel_resp::Frame;

use super::no_such_master;
use crate::arena::Arena;
use crate::info_text::InfoText;
use crate::instance::{Flags, Instance};
use crate::instance_reply::instance_frame;
use crate::master::Master;
use crate::sentinel::Sentinel;

/// A port in decimal, without the formatting machinery (this is on the hot path of
/// `GET-MASTER-ADDR-BY-NAME`, which clients poll).
fn port_text(port: u16) -> Bytes {
    Bytes::copy_from_slice(rsentinel_resp::Digits::new(port.into()).as_bytes())
}

impl Sentinel {
    fn lookup(&self, name: &[u8]) -> Result<&Master, Frame> {
        self.master_bytes(name).ok_or_else(no_such_master)
    }

    fn master_frame(&self, m: &Master, now_ms: u64) -> Frame {
        instance_frame(
            &m.inst,
            Some(m),
            self.links.get(m.inst.link),
            self.options.announce_hostnames,
            now_ms,
        )
    }

    /// Replicas that announce themselves (`replica-announced yes`) and Sentinels.
    fn children_frame(&self, list: &Arena<Instance>, now_ms: u64) -> Frame {
        Frame::Array(
            list.values()
                .filter(|i| i.reported.replica_announced != 0)
                .map(|i| {
                    instance_frame(
                        i,
                        None,
                        self.links.get(i.link),
                        self.options.announce_hostnames,
                        now_ms,
                    )
                })
                .collect(),
        )
    }

    pub(super) fn cmd_masters(&self, now_ms: u64) -> Frame {
        Frame::Array(
            self.masters
                .values()
                .map(|m| self.master_frame(m, now_ms))
                .collect(),
        )
    }

    pub(super) fn cmd_master(&self, name: &[u8], now_ms: u64) -> Frame {
        match self.lookup(name) {
            Ok(m) => self.master_frame(m, now_ms),
            Err(e) => e,
        }
    }

    pub(super) fn cmd_replicas(&self, name: &[u8], now_ms: u64) -> Frame {
        match self.lookup(name) {
            Ok(m) => self.children_frame(&m.replicas, now_ms),
            Err(e) => e,
        }
    }

    pub(super) fn cmd_sentinels(&self, name: &[u8], now_ms: u64) -> Frame {
        match self.lookup(name) {
            Ok(m) => self.children_frame(&m.sentinels, now_ms),
            Err(e) => e,
        }
    }

    /// `[ip, port]` of the current master address, or a null array.
    pub(super) fn cmd_get_master_addr(&self, name: &[u8]) -> Frame {
        match self.master_bytes(name) {
            None => Frame::NullArray,
            Some(m) => {
                let a = m.current_addr();
                Frame::Array(vec![
                    Frame::bulk_str(a.announced(self.options.announce_hostnames)),
                    Frame::bulk(port_text(a.port)),
                ])
            }
        }
    }

    /// `CKQUORUM`: are enough Sentinels (us included) up for the quorum and for a
    /// majority of all known Sentinels (`sentinelIsQuorumReachable`)?
    pub(super) fn cmd_ckquorum(&self, name: &[u8]) -> Frame {
        let m = match self.lookup(name) {
            Ok(m) => m,
            Err(e) => return e,
        };
        let voters = m.sentinels.len() + 1;
        let usable = 1 + m
            .sentinels
            .values()
            .filter(|s| !s.flags.intersects(Flags::S_DOWN | Flags::O_DOWN))
            .count();
        let no_quorum = usable < m.quorum as usize;
        let no_auth = usable < voters / 2 + 1;
        if !no_quorum && !no_auth {
            return Frame::Simple(format!(
                "OK {usable} usable Sentinels. Quorum and failover authorization can be reached"
            ));
        }
        let mut e = format!("NOQUORUM {usable} usable Sentinels. ");
        if no_quorum {
            e.push_str(
                "Not enough available Sentinels to reach the specified quorum for this master",
            );
        }
        if no_auth {
            if no_quorum {
                e.push_str(". ");
            }
            e.push_str(
                "Not enough available Sentinels to reach the majority and authorize a failover",
            );
        }
        Frame::Error(e)
    }

    /// `INFO-CACHE <name> ...`: per requested master (unknown names skipped, each once),
    /// the age and text of the cached INFO of the master and of each replica.
    pub(super) fn cmd_info_cache(&self, names: &[Bytes], now_ms: u64) -> Frame {
        let mut picked: Vec<&Master> = Vec::new();
        if names.is_empty() {
            picked.extend(self.masters.values());
        }
        for n in names {
            if let Some(m) = self.master_bytes(n) {
                if !picked.iter().any(|p| p.inst.name == m.inst.name) {
                    picked.push(m);
                }
            }
        }
        let entry = |age: i64, info: &Option<InfoText>| {
            Frame::Array(vec![
                Frame::Integer(age),
                info.as_ref()
                    .map_or(Frame::Null, |t| Frame::Bulk(t.bytes().into())),
            ])
        };
        let mut out = Vec::with_capacity(picked.len() * 2);
        for m in picked {
            out.push(Frame::bulk_str(&m.inst.name));
            let age_of = |t: u64| {
                // As redis, the master's refresh time decides whether replicas show an age.
                if m.inst.reported.info_refresh != 0 {
                    now_ms as i64 - t as i64
                } else {
                    0
                }
            };
            let mut list = vec![entry(age_of(m.inst.reported.info_refresh), &m.inst.info)];
            list.extend(
                m.replicas
                    .values()
                    .map(|r| entry(age_of(r.reported.info_refresh), &r.info)),
            );
            out.push(Frame::Array(list));
        }
        Frame::Array(out)
    }
}

#[cfg(test)]
mod port_tests {
    #[test]
    fn port_text_is_decimal() {
        for p in [0u16, 7, 10, 6379, 26379, 65535] {
            assert_eq!(super::port_text(p), p.to_string().as_bytes());
        }
    }
}
