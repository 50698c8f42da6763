//! Host names, looked up without stalling the event loop.
//!
//! With `resolve-hostnames yes` redis resolves a name, blocking, wherever one turns up:
//! the config file at start, `SENTINEL MONITOR` and `IS-MASTER-DOWN-BY-ADDR`, hellos, and
//! INFO replies (replica addresses, a replica's `master_host`). The core stays free of
//! DNS: the resolver it is given answers from this table, and the daemon looks every
//! name an input carries up with tokio (on its blocking pool) before that input reaches
//! the core. The core therefore sees the answer redis would have got, while other
//! clients and links go on. Answers stay in the table for later comparisons (a replica's
//! `master_host` during a failover), refreshed whenever the name turns up again.
//!
//! With `resolve-hostnames no` the core asks for no name, and nothing is looked up.

use bytes::Bytes;
use rsentinel_commands::CommandSpec;
use rsentinel_config::SentinelSettings;
use rsentinel_gossip::Hello;
use rsentinel_resp::Frame;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::net::IpAddr;
use std::rc::Rc;

/// Names kept at most; past it the table starts over. Only input naming thousands of
/// distinct hosts gets there.
const MAX_NAMES: usize = 4096;

/// The names looked up so far and their first address (`None`: no address).
#[derive(Debug, Default)]
pub struct HostTable {
    /// The core's `resolve-hostnames`, mirrored after every command.
    enabled: Cell<bool>,
    names: RefCell<HashMap<String, Option<String>>>,
}

/// Shared by the state, the sessions and the link tasks.
pub type Hosts = Rc<HostTable>;

impl HostTable {
    pub fn set_enabled(&self, on: bool) {
        self.enabled.set(on);
    }

    pub fn enabled(&self) -> bool {
        self.enabled.get()
    }

    /// The core's resolver: an IP literal as it is, a name as last looked up (a name
    /// never looked up does not resolve).
    pub fn resolve(&self, host: &str) -> Option<String> {
        if host.parse::<IpAddr>().is_ok() {
            return Some(host.to_string());
        }
        self.names.borrow().get(host).cloned().flatten()
    }

    /// Looks each name up (IP literals need no lookup) and records the answers.
    pub async fn refresh(&self, names: Vec<String>) {
        for name in names {
            if name.is_empty() || name.parse::<IpAddr>().is_ok() {
                continue;
            }
            let ip = lookup(&name).await;
            let mut table = self.names.borrow_mut();
            if table.len() >= MAX_NAMES && !table.contains_key(&name) {
                table.clear();
            }
            table.insert(name, ip);
        }
    }
}

/// The first address of `host`, as redis' `anetResolve` takes it (getaddrinfo's order).
async fn lookup(host: &str) -> Option<String> {
    let mut addrs = tokio::net::lookup_host((host, 0)).await.ok()?;
    addrs.next().map(|a| a.ip().to_string())
}

/// The hosts of the config's masters, known replicas and known Sentinels.
pub(crate) fn names_in_config(cfg: &SentinelSettings) -> Vec<String> {
    let mut names = Vec::new();
    for m in &cfg.masters {
        names.push(m.host.clone());
        names.extend(m.known_replicas.iter().map(|(host, _)| host.clone()));
        names.extend(m.known_sentinels.iter().map(|s| s.host.clone()));
    }
    names
}

/// The names a client command makes the core look up (`spec` its command table entry,
/// `args` after rename-command): the host of `SENTINEL MONITOR` and `SENTINEL
/// IS-MASTER-DOWN-BY-ADDR`, the addresses of a hello another Sentinel publishes to us.
pub(crate) fn names_in_command(spec: &CommandSpec, args: &[Bytes]) -> Vec<String> {
    match (spec.parent, spec.name) {
        (Some("sentinel"), "monitor") if args.len() == 6 => vec![text(&args[3])],
        (Some("sentinel"), "is-master-down-by-addr") if args.len() == 6 => vec![text(&args[2])],
        (None, "publish") if args.len() == 3 => names_in_hello(&args[2]),
        _ => Vec::new(),
    }
}

/// The names a reply or message from an instance makes the core look up: the replica
/// addresses and `master_host` of an INFO reply, the addresses of a hello message.
pub(crate) fn names_in_frame(frame: &Frame) -> Vec<String> {
    match frame {
        // Read as the core reads an INFO reply.
        Frame::Bulk(text) => {
            let report = rsentinel_monitor::parse_info(&String::from_utf8_lossy(text));
            let mut names: Vec<String> = report.replicas.into_iter().map(|r| r.ip).collect();
            names.extend(report.master_host);
            names
        }
        Frame::Array(items) | Frame::Push(items) if items.len() == 3 => match &items[2] {
            Frame::Bulk(payload) => names_in_hello(payload),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// A hello's Sentinel address and master address.
fn names_in_hello(payload: &[u8]) -> Vec<String> {
    match Hello::parse(payload) {
        Ok(hello) => vec![hello.ip, hello.master_ip],
        Err(_) => Vec::new(),
    }
}

/// Arguments become text as the core reads them.
fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<Bytes> {
        a.iter()
            .map(|s| Bytes::copy_from_slice(s.as_bytes()))
            .collect()
    }

    /// The names a command as a client sends it makes the core look up.
    fn names(a: &[&str]) -> Vec<String> {
        let args = args(a);
        let spec = rsentinel_commands::resolve(&args).expect("a command of the table");
        names_in_command(spec, &args)
    }

    #[test]
    fn commands_name_their_hosts() {
        let monitor = ["SENTINEL", "monitor", "m", "db.example", "6379", "2"];
        assert_eq!(names(&monitor), ["db.example"]);
        let down = ["sentinel", "IS-MASTER-DOWN-BY-ADDR", "db", "6379", "1", "*"];
        assert_eq!(names(&down), ["db"]);
        let hello = "s1.example,26379,aaaa,1,m,db.example,6379,1";
        assert_eq!(
            names(&["PUBLISH", "__sentinel__:hello", hello]),
            ["s1.example", "db.example"]
        );
        assert!(names(&["SENTINEL", "masters"]).is_empty());
        assert!(names(&["PING"]).is_empty());
    }

    #[test]
    fn replies_name_their_hosts() {
        let info = "# Replication\r\nrole:master\r\nslave0:ip=r1.example,port=6380,state=online,offset=1,lag=0\r\nslave1:10.0.0.2,6381,online\r\n";
        let names = names_in_frame(&Frame::bulk(info.as_bytes().to_vec()));
        assert_eq!(names, ["r1.example", "10.0.0.2"]);
        let info = "role:slave\r\nmaster_host:db.example\r\nmaster_port:6379\r\n";
        let names = names_in_frame(&Frame::bulk(info.as_bytes().to_vec()));
        assert_eq!(names, ["db.example"]);
        let hello = Frame::Array(vec![
            Frame::bulk_str("message"),
            Frame::bulk_str("__sentinel__:hello"),
            Frame::bulk_str("s1.example,26379,aaaa,1,m,10.0.0.1,6379,1"),
        ]);
        assert_eq!(names_in_frame(&hello), ["s1.example", "10.0.0.1"]);
        assert!(names_in_frame(&Frame::Simple("PONG".into())).is_empty());
    }

    #[test]
    fn the_table_answers_what_was_looked_up() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let table = HostTable::default();
        assert_eq!(table.resolve("10.1.2.3").as_deref(), Some("10.1.2.3"));
        assert_eq!(table.resolve("localhost"), None, "never looked up");
        rt.block_on(table.refresh(vec!["localhost".into(), "no-such-host.invalid".into()]));
        assert!(table.resolve("localhost").is_some());
        assert_eq!(table.resolve("no-such-host.invalid"), None);
    }
}
