//! MONITOR, REMOVE and RESET: adding, dropping and resetting masters.

use bytes::Bytes;
use rsentinel_resp::Frame;

use super::{no_such_master, CommandEnv, Reply};
use crate::addr::{resolve_host, AddrError};
use crate::event::LogLevel;
use crate::master::InstRef;
use crate::master::MasterKey;
use crate::parse::{parse_i64, text};
use crate::sentinel::Sentinel;

impl Sentinel {
    /// `MONITOR <name> <ip> <port> <quorum>`.
    pub(super) fn cmd_monitor(&mut self, args: &[Bytes], env: &CommandEnv) -> Reply {
        // Names and hosts are text everywhere (replies, events, hellos); bytes that are not
        // UTF-8 are refused rather than stored altered.
        let Ok(name) = std::str::from_utf8(&args[0]) else {
            return Frame::error("ERR Invalid master name: it is not valid UTF-8").into();
        };
        let host = text(&args[1]);
        // The file is read back with `atoi` (an int): a larger quorum would not reload.
        let Some(quorum) = parse_i64(&args[3]).filter(|q| *q <= i64::from(i32::MAX)) else {
            return Frame::error("ERR Invalid quorum").into();
        };
        let Some(port) = parse_i64(&args[2]) else {
            return Frame::error("ERR Invalid port").into();
        };
        if quorum <= 0 {
            return Frame::error("ERR Quorum must be 1 or greater.").into();
        }
        if std::str::from_utf8(&args[1]).is_err()
            || resolve_host(&host, self.options.resolve_hostnames, env.resolve).is_none()
        {
            return Frame::error("ERR Invalid IP address or hostname specified").into();
        }
        let addr = match self.make_addr(&host, port, true, env.resolve) {
            Ok(a) => a,
            Err(AddrError::InvalidPort) => return Frame::error("ERR Invalid port number.").into(),
            Err(AddrError::Unresolvable) => {
                return Frame::error("ERR Can't resolve instance hostname.").into()
            }
        };
        if self.master_key(name).is_some() {
            return Frame::error("ERR Duplicate master name.").into();
        }
        // redis keeps the quorum in an unsigned int.
        let m = self.add_master(name, addr, quorum as u32, env.now_ms);
        self.flush_config();
        self.announce_monitor(m);
        Reply::AfterFlush
    }

    /// `REMOVE <name>`.
    pub(super) fn cmd_remove(&mut self, name: &[u8]) -> Reply {
        let Some(m) = self.master_key_bytes(name) else {
            return no_such_master().into();
        };
        let text = self.describe(InstRef::Master(m));
        self.event(LogLevel::Warning, "-monitor", Some(m), text);
        self.remove_master(m);
        self.flush_config();
        Reply::AfterFlush
    }

    /// `RESET <pattern>`: reset every master whose name matches; replies the count.
    pub(super) fn cmd_reset(&mut self, pattern: &[u8], now_ms: u64) -> Frame {
        let mut count = 0;
        let keys: Vec<MasterKey> = self.masters.keys().collect();
        for m in keys {
            if rsentinel_commands::glob_match(pattern, self.masters[m].inst.name.as_bytes(), false)
            {
                self.reset_master(m, false, true, now_ms);
                count += 1;
            }
        }
        Frame::Integer(count)
    }
}
