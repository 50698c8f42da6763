//! The `INFO` reply of a monitored master or replica: what sentinel.c reads from it
//! (`sentinelRefreshInstanceInfo`) and, in [`ReportedState::apply`], what follows from it.
//!
//! The parser keeps redis' exact matching rules, because they decide behaviour on odd
//! input: lines are split on CRLF only, the text stops at the first NUL byte, fields are
//! recognised by prefix, numbers are read with C's lenient `atoi`/`strtoll`, and the
//! replica-only fields (`master_host`, `slave_priority`, ...) count only after a
//! `role:slave` line. Nothing here panics on garbage; memory is bounded by the input.

mod apply;
mod hits;
mod num;

pub use apply::{
    convert_to_slave_due, fix_chained_replica_due, fix_slave_config_due, master_looks_sane,
    no_down_for, InfoContext, InfoOutcome, ReportedState, RoleChange, DEFAULT_SLAVE_PRIORITY,
};

use crate::Role;
pub use hits::lines_inclusive;
use hits::{find_byte, ByteHits};
use num::{atoi, strtoll, strtoull};

/// One `slaveN:` line of a master's INFO: a replica the master knows about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicaLine {
    /// Address as the master reports it (IP, or hostname with `replica-announce-ip`).
    pub ip: String,
    /// Listening port as redis reads it (`atoi`: 0 when not a number); the core must
    /// reject ports outside 1..=65535 like `createSentinelAddr` does.
    pub port: i32,
    /// Replication state (`online`, `wait_bgsave`, ...), when present. Informational:
    /// sentinel.c does not look at it.
    pub state: Option<String>,
    /// Acknowledged offset (new format only). Informational.
    pub offset: Option<i64>,
    /// Seconds since the last ack (new format only). Informational.
    pub lag: Option<i64>,
}

/// Everything sentinel.c takes from one INFO reply. `None` means the field was absent
/// (or, for replica fields, appeared while the role was not `slave`), which matters:
/// absent fields keep their previous value, except `master_link_down_since_ms` which
/// resets to 0 (see [`ReportedState::apply`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InfoReport {
    /// `run_id:` followed by at least 40 bytes: the first 40 (redis ignores shorter lines).
    pub run_id: Option<String>,
    /// The last `role:master` / `role:slave` line. `None` when there was none: redis then
    /// records "no role", which is never `slave`, so it cannot trigger the role SDOWN rule.
    pub role: Option<Role>,
    /// `master_host:` (after `role:slave`), the address the replica replicates from.
    pub master_host: Option<String>,
    /// `master_port:` (after `role:slave`), `atoi`-decoded.
    pub master_port: Option<i32>,
    /// `master_link_status:` (after `role:slave`): `up` (any case) is up, anything else down.
    pub master_link_up: Option<bool>,
    /// `master_link_down_since_seconds:` (any role) in milliseconds; -1 s gives -1000,
    /// which redis keeps (the replica never reached its master).
    pub master_link_down_since_ms: Option<i64>,
    /// `slave_priority:` (after `role:slave`). redis 7.0 prints only this name, not
    /// `replica_priority`, and Sentinel reads only this one.
    pub slave_priority: Option<i32>,
    /// `slave_repl_offset:` (after `role:slave`), `strtoull`-decoded.
    pub slave_repl_offset: Option<u64>,
    /// `replica_announced:` (after `role:slave`), `atoi`-decoded; 0 hides the replica
    /// from `SENTINEL REPLICAS`.
    pub replica_announced: Option<i32>,
    /// The `slaveN:` lines, old (`ip,port,state`) or new (`ip=..,port=..`) format, in order.
    pub replicas: Vec<ReplicaLine>,
    /// `redis_version:`. Informational: sentinel.c does not read it.
    pub redis_version: Option<String>,
}

/// Parse an INFO reply given as text. See [`parse_info_bytes`].
pub fn parse_info(text: &str) -> InfoReport {
    parse_info_bytes(text.as_bytes())
}

/// Parse an INFO reply as sentinel.c does (it sees a C string, so text after a NUL byte
/// is ignored). Values that are not UTF-8 are converted lossily.
pub fn parse_info_bytes(bytes: &[u8]) -> InfoReport {
    let text = match find_byte(bytes, 0) {
        Some(nul) => &bytes[..nul],
        None => bytes,
    };
    let mut r = InfoReport::default();
    for line in split_crlf(text) {
        parse_line(&mut r, line);
    }
    r
}

/// Split on the two-byte separator CRLF only (a bare LF stays inside the line), as
/// `sdssplitlen(info, len, "\r\n", 2, ...)`.
fn split_crlf(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut crs = ByteHits::new(text, b'\r');
    let mut start = Some(0);
    std::iter::from_fn(move || {
        let from = start?;
        // A CR not followed by LF stays inside the line.
        for i in crs.by_ref() {
            if text.get(i + 1) == Some(&b'\n') {
                start = Some(i + 2);
                return text.get(from..i);
            }
        }
        start = None;
        text.get(from..)
    })
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The value after `prefix` when the line starts with it and is at least `min_len` long.
fn field<'a>(l: &'a [u8], prefix: &[u8], min_len: usize) -> Option<&'a [u8]> {
    if l.len() >= min_len && l.starts_with(prefix) {
        Some(&l[prefix.len()..])
    } else {
        None
    }
}

fn parse_line(r: &mut InfoReport, l: &[u8]) {
    // Every field below starts with one of these letters; most of a reply's 150 lines
    // (memory, clients, stats, ...) are passed over here.
    if !matches!(l.first(), Some(b'r' | b's' | b'm')) {
        return;
    }
    if let Some(v) = field(l, b"run_id:", 47) {
        r.run_id = Some(lossy(&v[..40]));
    }
    if l.len() >= 7 && l.starts_with(b"slave") && l[5].is_ascii_digit() {
        if let Some(rep) = parse_replica_line(l) {
            r.replicas.push(rep);
        }
    }
    // redis matches the 30 byte name, then reads the number one byte further, whatever
    // that byte is (normally ':').
    if l.len() >= 32 && l.starts_with(b"master_link_down_since_seconds") {
        r.master_link_down_since_ms = Some(strtoll(&l[31..]).saturating_mul(1000));
    }
    if l.starts_with(b"role:master") {
        r.role = Some(Role::Master);
    } else if l.starts_with(b"role:slave") {
        r.role = Some(Role::Replica);
    }
    if let Some(v) = field(l, b"redis_version:", 14) {
        r.redis_version = Some(lossy(v));
    }
    if r.role != Some(Role::Replica) {
        return;
    }
    if let Some(v) = field(l, b"master_host:", 12) {
        r.master_host = Some(lossy(v));
    }
    if let Some(v) = field(l, b"master_port:", 12) {
        r.master_port = Some(atoi(v));
    }
    if let Some(v) = field(l, b"master_link_status:", 19) {
        r.master_link_up = Some(v.eq_ignore_ascii_case(b"up"));
    }
    if let Some(v) = field(l, b"slave_priority:", 15) {
        r.slave_priority = Some(atoi(v));
    }
    if let Some(v) = field(l, b"slave_repl_offset:", 18) {
        r.slave_repl_offset = Some(strtoull(v));
    }
    if let Some(v) = field(l, b"replica_announced:", 18) {
        r.replica_announced = Some(atoi(v));
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Up to the next comma (or the end).
fn until_comma(s: &[u8]) -> &[u8] {
    match s.iter().position(|&b| b == b',') {
        Some(i) => &s[..i],
        None => s,
    }
}

/// A `slaveN:` line. New format when `ip=` occurs anywhere in the line: `ip` and `port`
/// are taken after the first `ip=` / `port=` up to a comma, and a line without `port=`
/// is skipped. Old format otherwise: `ip` after the first `:`, then `,port,` with the
/// second comma required.
fn parse_replica_line(l: &[u8]) -> Option<ReplicaLine> {
    if let Some(ip_at) = find(l, b"ip=") {
        let port_at = find(l, b"port=")?;
        let ip = until_comma(&l[ip_at + 3..]);
        let port = until_comma(&l[port_at + 5..]);
        let mut rep = ReplicaLine {
            ip: lossy(ip),
            port: atoi(port),
            state: None,
            offset: None,
            lag: None,
        };
        let body = l.iter().position(|&b| b == b':').map_or(l, |i| &l[i + 1..]);
        for kv in body.split(|&b| b == b',') {
            if let Some(v) = kv.strip_prefix(b"state=") {
                rep.state = Some(lossy(v));
            } else if let Some(v) = kv.strip_prefix(b"offset=") {
                rep.offset = Some(strtoll(v));
            } else if let Some(v) = kv.strip_prefix(b"lag=") {
                rep.lag = Some(strtoll(v));
            }
        }
        Some(rep)
    } else {
        let colon = l.iter().position(|&b| b == b':')?;
        let rest = &l[colon + 1..];
        let c1 = rest.iter().position(|&b| b == b',')?;
        let after_ip = &rest[c1 + 1..];
        let c2 = after_ip.iter().position(|&b| b == b',')?;
        Some(ReplicaLine {
            ip: lossy(&rest[..c1]),
            port: atoi(&after_ip[..c2]),
            state: Some(lossy(&after_ip[c2 + 1..])),
            offset: None,
            lag: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Lines split on CRLF only, as sdssplitlen does: a lone CR or LF stays inside.
        #[test]
        fn split_crlf_splits_on_crlf_only(text in prop::collection::vec(
            prop_oneof![Just(b'\r'), Just(b'\n'), Just(b'a')], 0..40)) {
            let mut naive: Vec<&[u8]> = Vec::new();
            let (mut start, mut i) = (0, 0);
            while i + 1 < text.len() {
                if &text[i..i + 2] == b"\r\n" {
                    naive.push(&text[start..i]);
                    i += 2;
                    start = i;
                } else {
                    i += 1;
                }
            }
            naive.push(&text[start..]);
            let ours: Vec<&[u8]> = split_crlf(&text).collect();
            prop_assert_eq!(ours, naive);
        }
    }

    const REPLICA: &str = "# Server\r\nredis_version:7.0.15\r\nrun_id:\
        0123456789abcdef0123456789abcdef01234567\r\n\r\n# Replication\r\nrole:slave\r\n\
        master_host:10.0.0.1\r\nmaster_port:6379\r\nmaster_link_status:down\r\n\
        slave_repl_offset:1234\r\nmaster_link_down_since_seconds:7\r\n\
        slave_priority:10\r\nreplica_announced:0\r\nconnected_slaves:0\r\n";

    #[test]
    fn replica_fields() {
        let r = parse_info(REPLICA);
        assert_eq!(
            r.run_id.as_deref(),
            Some("0123456789abcdef0123456789abcdef01234567")
        );
        assert_eq!(r.role, Some(Role::Replica));
        assert_eq!(r.master_host.as_deref(), Some("10.0.0.1"));
        assert_eq!(r.master_port, Some(6379));
        assert_eq!(r.master_link_up, Some(false));
        assert_eq!(r.slave_repl_offset, Some(1234));
        assert_eq!(r.master_link_down_since_ms, Some(7000));
        assert_eq!(r.slave_priority, Some(10));
        assert_eq!(r.replica_announced, Some(0));
        assert_eq!(r.redis_version.as_deref(), Some("7.0.15"));
        assert!(r.replicas.is_empty());
    }

    #[test]
    fn line_rules_table() {
        // (info text, check)
        type Check = fn(&InfoReport) -> bool;
        let cases: &[(&str, Check)] = &[
            // A run id line shorter than 47 bytes is ignored; a longer one is cut at 40.
            ("run_id:abc\r\n", |r| r.run_id.is_none()),
            (
                "run_id:0123456789012345678901234567890123456789XYZ\r\n",
                |r| r.run_id.as_deref() == Some("0123456789012345678901234567890123456789"),
            ),
            // Replica fields before the role line, or under role:master, do not count.
            ("master_host:a\r\nrole:slave\r\n", |r| {
                r.master_host.is_none()
            }),
            (
                "role:master\r\nmaster_host:a\r\nslave_priority:3\r\n",
                |r| r.master_host.is_none() && r.slave_priority.is_none(),
            ),
            // The last role line wins and gates what follows it.
            (
                "role:slave\r\nmaster_port:1\r\nrole:master\r\nmaster_port:2\r\n",
                |r| r.role == Some(Role::Master) && r.master_port == Some(1),
            ),
            // Link status: case-insensitive "up", everything else is down.
            ("role:slave\r\nmaster_link_status:UP\r\n", |r| {
                r.master_link_up == Some(true)
            }),
            ("role:slave\r\nmaster_link_status:upx\r\n", |r| {
                r.master_link_up == Some(false)
            }),
            // A link down since "-1" seconds (never connected) is -1000 ms.
            ("master_link_down_since_seconds:-1\r\n", |r| {
                r.master_link_down_since_ms == Some(-1000)
            }),
            // Line too short (31 bytes): ignored.
            ("master_link_down_since_seconds:\r\n", |r| {
                r.master_link_down_since_ms.is_none()
            }),
            // Only CRLF separates lines: a bare LF stays part of the value.
            ("role:slave\nmaster_host:x\r\n", |r| {
                r.role == Some(Role::Replica) && r.master_host.is_none()
            }),
            // Text after NUL is invisible.
            ("role:master\r\n\0role:slave\r\n", |r| {
                r.role == Some(Role::Master)
            }),
            // Prefix match: "role:masterX" is a master.
            ("role:masterX\r\n", |r| r.role == Some(Role::Master)),
            // No role at all.
            ("# Server\r\n", |r| r.role.is_none()),
            // Non-numeric priority reads as 0 (atoi), as in redis.
            ("role:slave\r\nslave_priority:abc\r\n", |r| {
                r.slave_priority == Some(0)
            }),
            // "slave_priority" and "slave_read_only" are not replica lines.
            ("slave_read_only:1\r\nslave_priority:1\r\n", |r| {
                r.replicas.is_empty()
            }),
        ];
        for (i, (text, check)) in cases.iter().enumerate() {
            assert!(check(&parse_info(text)), "case {i}: {text:?}");
        }
    }

    #[test]
    fn replica_lines_both_formats() {
        let text = "role:master\r\n\
            slave0:ip=127.0.0.1,port=6380,state=online,offset=68,lag=0\r\n\
            slave1:10.0.0.9,6381,online\r\n\
            slave2:::1,6382\r\n\
            slave3:ip=::1\r\n\
            slave4:port=7000,ip=h\r\n\
            slave5:ip=x,port=abc\r\n\
            slave:ip=y,port=1\r\n\
            slave6\r\n";
        let r = parse_info(text);
        let got: Vec<(&str, i32, Option<&str>)> = r
            .replicas
            .iter()
            .map(|x| (x.ip.as_str(), x.port, x.state.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("127.0.0.1", 6380, Some("online")),
                ("10.0.0.9", 6381, Some("online")),
                ("h", 7000, None),
                ("x", 0, None),
            ]
        );
        assert_eq!(
            (r.replicas[0].offset, r.replicas[0].lag),
            (Some(68), Some(0))
        );
    }

    proptest! {
        #[test]
        fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let r = parse_info_bytes(&bytes);
            prop_assert!(r.replicas.len() <= bytes.len());
        }

        #[test]
        fn line_soup_never_panics(lines in proptest::collection::vec(
            prop_oneof![
                Just("role:slave".to_string()),
                Just("role:master".to_string()),
                "run_id:[0-9a-f]{0,50}",
                "slave[0-9]:[a-z=,.:0-9]{0,30}",
                "master_[a-z_]{0,30}:[-0-9a-z]{0,5}",
                "slave_[a-z_]{0,20}:[-0-9]{0,25}",
                "replica_announced:[-0-9x]{0,3}",
                ".{0,20}",
            ], 0..40)) {
            let text = lines.join("\r\n");
            let r = parse_info(&text);
            if let Some(id) = &r.run_id {
                prop_assert_eq!(id.len(), 40);
            }
        }
    }
}
