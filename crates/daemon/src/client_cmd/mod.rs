//! The CLIENT command: connection introspection and control, as redis 7.0.15 has it in
//! sentinel mode. A subcommand is first parsed into a [`ClientCommand`], with redis' checks
//! in redis' order so that bad input gets the same error, then run against the client
//! table. Sentinel holds no keys, so tracking is accepted and reported but never has
//! anything to invalidate.

mod parse;

use crate::clients::{Clients, ReplyMode, Tracking};
use crate::dispatch::Outcome;
use crate::state::Daemon;
use bytes::Bytes;
use parse::{syntax_error, ClientCommand};
use rsentinel_commands::CommandSpec;
use rsentinel_resp::Frame;
use std::time::{Duration, Instant};

/// CLIENT HELP's lines between redis' standard header and footer.
const HELP: &[&str] = &[
    "CACHING (YES|NO)",
    "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
    "GETREDIR",
    "    Return the client ID we are redirecting to when tracking is enabled.",
    "GETNAME",
    "    Return the name of the current connection.",
    "ID",
    "    Return the ID of the current connection.",
    "INFO",
    "    Return information about the current client connection.",
    "KILL <ip:port>",
    "    Kill connection made from <ip:port>.",
    "KILL <option> <value> [<option> <value> [...]]",
    "    Kill connections. Options are:",
    "    * ADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made from the specified address",
    "    * LADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made to specified local address",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Kill connections by type.",
    "    * USER <username>",
    "      Kill connections authenticated by <username>.",
    "    * SKIPME (YES|NO)",
    "      Skip killing current connection (default: yes).",
    "LIST [options ...]",
    "    Return information about client connections. Options:",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Return clients of specified type.",
    "UNPAUSE",
    "    Stop the current client pause, resuming traffic.",
    "PAUSE <timeout> [WRITE|ALL]",
    "    Suspend all, or just write, clients for <timeout> milliseconds.",
    "REPLY (ON|OFF|SKIP)",
    "    Control the replies sent to the current connection.",
    "SETNAME <name>",
    "    Assign the name <name> to the current connection.",
    "UNBLOCK <clientid> [TIMEOUT|ERROR]",
    "    Unblock the specified blocked client.",
    "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
    "         [OPTIN] [OPTOUT] [NOLOOP]",
    "    Control server assisted client side caching.",
    "TRACKINGINFO",
    "    Report tracking status for the current connection.",
    "NO-EVICT (ON|OFF)",
    "    Protect current client connection from eviction.",
];

impl Daemon {
    /// CLIENT for client `id`: parsed, then run.
    pub(crate) fn client_command(
        &mut self,
        id: u64,
        spec: &'static CommandSpec,
        args: &[Bytes],
    ) -> Outcome {
        match ClientCommand::parse(spec, args, &self.acl, &self.clients) {
            Ok(command) => self.run_client_command(id, command),
            Err(e) => Outcome::one(e),
        }
    }

    fn run_client_command(&mut self, id: u64, command: ClientCommand) -> Outcome {
        let clients = &mut self.clients;
        let reply = match command {
            ClientCommand::Help(name) => rsentinel_commands::help_reply(&name, HELP),
            ClientCommand::Id => Frame::Integer(id as i64),
            ClientCommand::GetName => match clients.get(id).and_then(|c| c.name.clone()) {
                Some(n) => Frame::Bulk(n),
                None => Frame::Null,
            },
            ClientCommand::SetName(name) => match clients.set_name(id, &name) {
                Ok(()) => Frame::ok(),
                Err(e) => e,
            },
            ClientCommand::SetInfo { lib_name, value } => {
                if let Some(c) = clients.get_mut(id) {
                    if lib_name {
                        c.lib_name = value;
                    } else {
                        c.lib_ver = value;
                    }
                }
                Frame::ok()
            }
            ClientCommand::Info => match clients.get(id) {
                Some(c) => Frame::Verbatim {
                    format: *b"txt",
                    text: Bytes::from(format!("{}\n", c.describe(Instant::now()))),
                },
                None => Frame::Null,
            },
            ClientCommand::List { kind, ids } => list(clients, kind, ids.as_deref()),
            ClientCommand::KillAddr(addr) => {
                let found = clients
                    .iter()
                    .find(|c| c.addr.to_string() == addr)
                    .map(|c| c.id);
                return match found {
                    Some(v) if v == id => Outcome {
                        replies: smallvec::smallvec![Frame::ok()],
                        close_after: true,
                    },
                    Some(v) => {
                        clients.kill(v);
                        Outcome::one(Frame::ok())
                    }
                    None => Outcome::one(Frame::error("ERR No such client")),
                };
            }
            ClientCommand::Kill(f) => {
                let victims: Vec<u64> = clients
                    .iter()
                    .filter(|c| f.id.is_none_or(|v| v == c.id))
                    .filter(|c| f.kind.is_none_or(|k| k == c.kind()))
                    .filter(|c| f.addr.as_deref().is_none_or(|a| a == c.addr.to_string()))
                    .filter(|c| f.laddr.as_deref().is_none_or(|a| a == c.laddr.to_string()))
                    .filter(|c| f.user.as_deref().is_none_or(|u| u == c.user.as_slice()))
                    .filter(|c| !(f.skipme && c.id == id))
                    .map(|c| c.id)
                    .collect();
                return Outcome {
                    replies: smallvec::smallvec![Frame::Integer(victims.len() as i64)],
                    close_after: clients.kill_all(&victims, id),
                };
            }
            ClientCommand::Pause { ms, all } => {
                self.pause
                    .extend(Instant::now() + Duration::from_millis(ms), all);
                Frame::ok()
            }
            ClientCommand::Unpause => {
                self.pause.lift();
                Frame::ok()
            }
            ClientCommand::Reply(mode) => {
                let mut replies = crate::dispatch::Replies::new();
                if let Some(c) = clients.get_mut(id) {
                    // ON answers OK; OFF and SKIP are silent (SKIP applies to the next
                    // command).
                    if mode == ReplyMode::On {
                        replies.push(Frame::ok());
                    }
                    c.reply_mode = mode;
                }
                return Outcome {
                    replies,
                    close_after: false,
                };
            }
            ClientCommand::NoEvict(on) => {
                if let Some(c) = clients.get_mut(id) {
                    c.no_evict = on;
                }
                Frame::ok()
            }
            ClientCommand::Unblock => Frame::Integer(0),
            ClientCommand::Tracking(t) => {
                if let Some(c) = clients.get_mut(id) {
                    c.tracking = t;
                }
                Frame::ok()
            }
            ClientCommand::TrackingInfo => tracking_info(tracking_of(clients, id)),
            // -1 when tracking is off; 0 when on without a redirection, as redis.
            ClientCommand::GetRedir => Frame::Integer(
                tracking_of(clients, id)
                    .map(|t| t.redirect.max(0))
                    .unwrap_or(-1),
            ),
            ClientCommand::Caching(yes) => caching(clients, id, yes),
        };
        Outcome::one(reply)
    }
}

/// CLIENT LIST: one line per client; with ids, in the order (and as often) asked, like
/// redis.
fn list(clients: &Clients, kind: Option<&str>, ids: Option<&[i64]>) -> Frame {
    let now = Instant::now();
    let listed: Vec<&crate::clients::Client> = match ids {
        Some(v) => v
            .iter()
            .filter_map(|&n| u64::try_from(n).ok().and_then(|n| clients.get(n)))
            .collect(),
        None => clients.iter().collect(),
    };
    let mut text = String::new();
    for c in listed {
        if kind.is_some_and(|k| k != c.kind()) {
            continue;
        }
        text.push_str(&c.describe(now));
        text.push('\n');
    }
    Frame::Verbatim {
        format: *b"txt",
        text: Bytes::from(text),
    }
}

fn tracking_of(clients: &Clients, id: u64) -> Option<&Tracking> {
    clients.get(id).and_then(|c| c.tracking.as_ref())
}

/// CLIENT TRACKINGINFO: flags, redirection and prefixes, as redis' map.
fn tracking_info(tracking: Option<&Tracking>) -> Frame {
    let (flags, redirect, prefixes) = match tracking {
        None => (vec!["off"], -1, Vec::new()),
        Some(t) => {
            let mut f = vec!["on"];
            if t.bcast {
                f.push("bcast");
            }
            if t.optin {
                f.push("optin");
                if t.caching == Some(true) {
                    f.push("caching-yes");
                }
            }
            if t.optout {
                f.push("optout");
                if t.caching == Some(false) {
                    f.push("caching-no");
                }
            }
            if t.noloop {
                f.push("noloop");
            }
            let redirect = if t.redirect > 0 { t.redirect } else { 0 };
            (f, redirect, t.prefixes.clone())
        }
    };
    Frame::Map(vec![
        (
            Frame::bulk_str("flags"),
            Frame::Set(flags.iter().map(|f| Frame::bulk_str(f)).collect()),
        ),
        (Frame::bulk_str("redirect"), Frame::Integer(redirect)),
        (
            Frame::bulk_str("prefixes"),
            Frame::Array(prefixes.into_iter().map(Frame::Bulk).collect()),
        ),
    ])
}

/// CLIENT CACHING YES|NO: only in tracking mode with OPTIN or OPTOUT, and each only in
/// its own mode.
fn caching(clients: &mut Clients, id: u64, yes: Option<bool>) -> Frame {
    let Some(t) = clients.get_mut(id).and_then(|c| c.tracking.as_mut()) else {
        return Frame::error("ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled");
    };
    if !t.optin && !t.optout {
        return Frame::error("ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled");
    }
    match yes {
        Some(true) if t.optin => t.caching = Some(true),
        Some(false) if t.optout => t.caching = Some(false),
        Some(true) => {
            return Frame::error(
                "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.",
            )
        }
        Some(false) => {
            return Frame::error(
                "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.",
            )
        }
        None => return syntax_error(),
    }
    Frame::ok()
}
