//! `SENTINEL CONFIG GET <pattern>` and `SENTINEL CONFIG SET <param> <value>`: the global
//! Sentinel parameters that can change at runtime.

use bytes::Bytes;
use rsentinel_config::yes_no_str;
use rsentinel_resp::Frame;

use super::Reply;
use crate::sentinel::Sentinel;
use crate::util::{err_text, parse_i64, parse_yes_no, text};

const USAGE: &str = "ERR Only SENTINEL CONFIG GET <option> / SET <option> <value> are supported.";

impl Sentinel {
    /// `args[0]` is GET or SET.
    pub(super) fn cmd_config(&mut self, args: &[Bytes]) -> Reply {
        let action = args[0].to_ascii_lowercase();
        match (action.as_slice(), args.len()) {
            (b"get", 2) => self.config_get(&args[1]).into(),
            (b"set", 3) => self.config_set(&args[1], &args[2]),
            _ => Frame::error(USAGE).into(),
        }
    }

    fn config_get(&self, pattern: &[u8]) -> Frame {
        let params = [
            (
                "resolve-hostnames",
                yes_no_str(self.resolve_hostnames).as_bytes().to_vec(),
            ),
            (
                "announce-hostnames",
                yes_no_str(self.announce_hostnames).as_bytes().to_vec(),
            ),
            ("announce-ip", self.announce_ip.clone().unwrap_or_default()),
            ("announce-port", self.announce_port.to_string().into_bytes()),
            (
                "sentinel-user",
                self.sentinel_user.clone().unwrap_or_default(),
            ),
            (
                "sentinel-pass",
                self.sentinel_pass.clone().unwrap_or_default(),
            ),
        ];
        Frame::Map(
            params
                .into_iter()
                .filter(|(k, _)| rsentinel_commands::glob_match(pattern, k.as_bytes(), true))
                .map(|(k, v)| (Frame::bulk_str(k), Frame::bulk(v)))
                .collect(),
        )
    }

    fn config_set(&mut self, param: &[u8], value: &[u8]) -> Reply {
        let bad = || {
            Frame::error(err_text(format!(
                "ERR Invalid value '{}' to SENTINEL CONFIG SET '{}'",
                text(value),
                text(param)
            )))
        };
        let mut drop_sentinel_links = false;
        match param.to_ascii_lowercase().as_slice() {
            b"resolve-hostnames" => match parse_yes_no(value) {
                Some(v) => self.resolve_hostnames = v,
                None => return bad().into(),
            },
            b"announce-hostnames" => match parse_yes_no(value) {
                Some(v) => self.announce_hostnames = v,
                None => return bad().into(),
            },
            // An empty address is kept (and rewritten as `announce-ip ""`), as redis does.
            b"announce-ip" => self.announce_ip = Some(value.to_vec()),
            b"announce-port" => match parse_i64(value).and_then(|p| u16::try_from(p).ok()) {
                Some(p) => self.announce_port = p,
                None => return bad().into(),
            },
            b"sentinel-user" => {
                self.sentinel_user = (!value.is_empty()).then(|| value.to_vec());
                drop_sentinel_links = true;
            }
            b"sentinel-pass" => {
                self.sentinel_pass = (!value.is_empty()).then(|| value.to_vec());
                drop_sentinel_links = true;
            }
            _ => {
                return Frame::error(err_text(format!(
                    "ERR Invalid argument '{}' to SENTINEL CONFIG SET",
                    text(param)
                )))
                .into()
            }
        }
        self.flush_config();
        if drop_sentinel_links {
            self.drop_sentinel_connections();
        }
        Reply::AfterFlush
    }

    /// Close every connected link to another Sentinel (`sentinelDropConnections`) so it
    /// reconnects with the new credentials.
    fn drop_sentinel_connections(&mut self) {
        let ids: Vec<_> = self
            .masters
            .iter()
            .flat_map(|m| m.sentinels.iter().map(|s| s.link))
            .collect();
        for id in ids {
            if self.links.get(id).is_some_and(|l| !l.health.disconnected) {
                self.close_link(id);
            }
        }
    }
}
