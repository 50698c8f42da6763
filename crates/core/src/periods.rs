//! The timing parameters `SENTINEL DEBUG` shows and changes (redis' `sentinel_*_period`
//! globals). Monitoring, election and failover read them from here.

use bytes::Bytes;
use rsentinel_resp::Frame;

use crate::parse::{err_text, parse_i64, text};

/// All values in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timing {
    pub info_period: u64,
    pub ping_period: u64,
    pub ask_period: u64,
    pub publish_period: u64,
    pub default_down_after: u64,
    pub default_failover_timeout: u64,
    pub tilt_trigger: u64,
    pub tilt_period: u64,
    pub slave_reconf_timeout: u64,
    pub min_link_reconnect_period: u64,
    pub election_timeout: u64,
    pub script_max_runtime: u64,
    pub script_retry_delay: u64,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            info_period: 10_000,
            ping_period: 1_000,
            ask_period: 1_000,
            publish_period: 2_000,
            default_down_after: 30_000,
            default_failover_timeout: 180_000,
            tilt_trigger: 2_000,
            tilt_period: 30_000,
            slave_reconf_timeout: 10_000,
            min_link_reconnect_period: 15_000,
            election_timeout: 10_000,
            script_max_runtime: 60_000,
            script_retry_delay: 30_000,
        }
    }
}

impl Timing {
    /// (option name for `SENTINEL DEBUG`, field), in the order redis parses them.
    fn field(&mut self, name: &[u8]) -> Option<&mut u64> {
        let n = name.to_ascii_lowercase();
        Some(match n.as_slice() {
            b"info-period" => &mut self.info_period,
            b"ping-period" => &mut self.ping_period,
            b"ask-period" => &mut self.ask_period,
            b"publish-period" => &mut self.publish_period,
            b"default-down-after" => &mut self.default_down_after,
            b"tilt-trigger" => &mut self.tilt_trigger,
            b"tilt-period" => &mut self.tilt_period,
            b"slave-reconf-timeout" => &mut self.slave_reconf_timeout,
            b"min-link-reconnect-period" => &mut self.min_link_reconnect_period,
            b"default-failover-timeout" => &mut self.default_failover_timeout,
            b"election-timeout" => &mut self.election_timeout,
            b"script-max-runtime" => &mut self.script_max_runtime,
            b"script-retry-delay" => &mut self.script_retry_delay,
            _ => return None,
        })
    }

    /// `SENTINEL DEBUG` without arguments: the map, in redis' order.
    pub fn reply(&self) -> Frame {
        let items = [
            ("INFO-PERIOD", self.info_period),
            ("PING-PERIOD", self.ping_period),
            ("ASK-PERIOD", self.ask_period),
            ("PUBLISH-PERIOD", self.publish_period),
            ("DEFAULT-DOWN-AFTER", self.default_down_after),
            ("DEFAULT-FAILOVER-TIMEOUT", self.default_failover_timeout),
            ("TILT-TRIGGER", self.tilt_trigger),
            ("TILT-PERIOD", self.tilt_period),
            ("SLAVE-RECONF-TIMEOUT", self.slave_reconf_timeout),
            ("MIN-LINK-RECONNECT-PERIOD", self.min_link_reconnect_period),
            ("ELECTION-TIMEOUT", self.election_timeout),
            ("SCRIPT-MAX-RUNTIME", self.script_max_runtime),
            ("SCRIPT-RETRY-DELAY", self.script_retry_delay),
        ];
        Frame::Map(
            items
                .iter()
                .map(|(k, v)| (Frame::bulk_str(k), Frame::bulk_str(&v.to_string())))
                .collect(),
        )
    }

    /// `SENTINEL DEBUG <param> <value> ...`: values are applied as they are parsed, so an
    /// error leaves the earlier pairs applied, as in redis.
    pub fn set(&mut self, args: &[Bytes]) -> Frame {
        let mut j = 0;
        while j < args.len() {
            let option = &args[j];
            let has_value = j + 1 < args.len();
            let Some(slot) = self.field(option).filter(|_| has_value) else {
                return Frame::error(err_text(format!(
                    "ERR Unknown option or number of arguments for SENTINEL DEBUG '{}'",
                    text(option)
                )));
            };
            let value = &args[j + 1];
            match parse_i64(value) {
                Some(v) if v > 0 => *slot = v as u64,
                _ => {
                    return Frame::error(err_text(format!(
                        "ERR Invalid argument '{}' for SENTINEL DEBUG '{}'",
                        text(value),
                        text(option)
                    )))
                }
            }
            j += 2;
        }
        Frame::ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&str]) -> Vec<Bytes> {
        v.iter()
            .map(|s| Bytes::copy_from_slice(s.as_bytes()))
            .collect()
    }

    #[test]
    fn debug_set_table() {
        let cases: &[(&[&str], Frame)] = &[
            (&["ping-period", "500", "INFO-PERIOD", "100"], Frame::ok()),
            (
                &["info-period", "0"],
                Frame::error("ERR Invalid argument '0' for SENTINEL DEBUG 'info-period'"),
            ),
            (
                &["info-period", "100", "foo"],
                Frame::error("ERR Unknown option or number of arguments for SENTINEL DEBUG 'foo'"),
            ),
            (
                &["info-period"],
                Frame::error(
                    "ERR Unknown option or number of arguments for SENTINEL DEBUG 'info-period'",
                ),
            ),
            (
                &["tilt-period", "x"],
                Frame::error("ERR Invalid argument 'x' for SENTINEL DEBUG 'tilt-period'"),
            ),
        ];
        for (a, want) in cases {
            let mut t = Timing::default();
            assert_eq!(&t.set(&args(a)), want, "{a:?}");
        }
        let mut t = Timing::default();
        t.set(&args(&["ping-period", "500", "election-timeout", "7"]));
        assert_eq!((t.ping_period, t.election_timeout), (500, 7));
        // Earlier pairs stay applied after an error.
        t.set(&args(&["ask-period", "9", "bogus", "1"]));
        assert_eq!(t.ask_period, 9);
    }
}
