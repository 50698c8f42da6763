//! The CLIENT command: connection introspection and control, as redis 7.0.15 has it in
//! sentinel mode. A subcommand is first parsed into a [`ClientCommand`], with redis' checks
//! in redis' order so that bad input gets the same error, then run against the client
//! table. Sentinel holds no keys, so tracking is accepted and reported but never has
//! anything to invalidate.

use crate::clients::{Clients, ReplyMode, Tracking};
use crate::dispatch::Outcome;
use crate::state::Daemon;
use bytes::Bytes;
use rsentinel_acl::Acl;
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

/// A CLIENT subcommand with its arguments checked.
enum ClientCommand {
    /// HELP, with the command name as the client wrote it.
    Help(Bytes),
    Id,
    GetName,
    SetName(Bytes),
    /// `SETINFO LIB-NAME` (`lib_name`) or `LIB-VER`; `None` clears the attribute.
    SetInfo {
        lib_name: bool,
        value: Option<Bytes>,
    },
    Info,
    /// LIST, of one client type and/or of the given ids, in the order asked.
    List {
        kind: Option<&'static str>,
        ids: Option<Vec<i64>>,
    },
    /// The old form, `KILL ip:port`.
    KillAddr(String),
    Kill(KillFilter),
    Pause {
        ms: u64,
        all: bool,
    },
    Unpause,
    Reply(ReplyMode),
    NoEvict(bool),
    /// Nothing ever blocks in a sentinel, so no client can be unblocked.
    Unblock,
    /// `None`: tracking off.
    Tracking(Option<Tracking>),
    TrackingInfo,
    GetRedir,
    /// CACHING YES (`Some(true)`) or NO; anything else is refused only after the
    /// client's tracking mode is checked, as redis does.
    Caching(Option<bool>),
}

/// Redis' error replies shared by several subcommands.
fn syntax_error() -> Frame {
    Frame::error("ERR syntax error")
}

fn lower(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_ascii_lowercase()
}

/// Redis' strict integer syntax (no `+`, no spaces), as its CLIENT arguments use.
fn parse_i64(b: &[u8]) -> Option<i64> {
    rsentinel_resp::string2ll(b)
}

/// A client type of `LIST TYPE` and `KILL TYPE`; `slave` is the old name of `replica`.
fn client_type(arg: &[u8]) -> Result<&'static str, Frame> {
    match lower(arg).as_str() {
        "normal" => Ok("normal"),
        "master" => Ok("master"),
        "replica" | "slave" => Ok("replica"),
        "pubsub" => Ok("pubsub"),
        _ => Err(Frame::error(format!(
            "ERR Unknown client type '{}'",
            String::from_utf8_lossy(arg)
        ))),
    }
}

/// Filters of `CLIENT KILL <option> <value> ...`.
#[derive(Default)]
struct KillFilter {
    id: Option<u64>,
    kind: Option<&'static str>,
    addr: Option<String>,
    laddr: Option<String>,
    user: Option<Vec<u8>>,
    skipme: bool,
}

impl ClientCommand {
    /// Checks `CLIENT <subcommand> ...` (`args` whole, arity already checked against the
    /// command table). `acl` and `clients` answer what redis checks while parsing: that a
    /// KILL USER exists, and that a TRACKING REDIRECT target is connected.
    fn parse(
        spec: &CommandSpec,
        args: &[Bytes],
        acl: &Acl,
        clients: &Clients,
    ) -> Result<ClientCommand, Frame> {
        Ok(match spec.name {
            "help" => ClientCommand::Help(args[0].clone()),
            "id" => ClientCommand::Id,
            "getname" => ClientCommand::GetName,
            "setname" => ClientCommand::SetName(args[2].clone()),
            "setinfo" => parse_setinfo(&args[2], &args[3])?,
            "info" => ClientCommand::Info,
            "list" => parse_list(args)?,
            "kill" if args.len() == 3 => {
                ClientCommand::KillAddr(String::from_utf8_lossy(&args[2]).into_owned())
            }
            "kill" => ClientCommand::Kill(parse_kill(args, acl)?),
            "pause" => parse_pause(args)?,
            "unpause" => ClientCommand::Unpause,
            "reply" => ClientCommand::Reply(match lower(&args[2]).as_str() {
                "on" => ReplyMode::On,
                "off" => ReplyMode::Off,
                "skip" => ReplyMode::Skip,
                _ => return Err(syntax_error()),
            }),
            "no-evict" => ClientCommand::NoEvict(match lower(&args[2]).as_str() {
                "on" => true,
                "off" => false,
                _ => return Err(syntax_error()),
            }),
            "unblock" => match parse_i64(&args[2]) {
                None => return Err(Frame::error("ERR value is not an integer or out of range")),
                Some(_) if args.len() == 4 => match lower(&args[3]).as_str() {
                    "timeout" | "error" => ClientCommand::Unblock,
                    _ => {
                        return Err(Frame::error(
                            "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR",
                        ))
                    }
                },
                Some(_) => ClientCommand::Unblock,
            },
            "tracking" => ClientCommand::Tracking(parse_tracking(args, clients)?),
            "trackinginfo" => ClientCommand::TrackingInfo,
            "getredir" => ClientCommand::GetRedir,
            "caching" => ClientCommand::Caching(match lower(&args[2]).as_str() {
                "yes" => Some(true),
                "no" => Some(false),
                _ => None,
            }),
            _ => {
                return Err(Frame::error(format!(
                    "ERR unknown subcommand '{}'. Try CLIENT HELP.",
                    String::from_utf8_lossy(&args[1])
                )))
            }
        })
    }
}

/// `CLIENT SETINFO LIB-NAME|LIB-VER value` (redis 7.2): the same characters as a client
/// name; an empty value clears the attribute.
fn parse_setinfo(attr: &Bytes, value: &Bytes) -> Result<ClientCommand, Frame> {
    let attr_text = String::from_utf8_lossy(attr);
    let lib_name = match lower(attr).as_str() {
        "lib-name" => true,
        "lib-ver" => false,
        _ => {
            return Err(Frame::error(
                format!("ERR Unrecognized option '{attr_text}'").replace(['\r', '\n'], " "),
            ))
        }
    };
    if value.iter().any(|&b| !(b'!'..=b'~').contains(&b)) {
        return Err(Frame::error(
            format!("ERR {attr_text} cannot contain spaces, newlines or special characters.")
                .replace(['\r', '\n'], " "),
        ));
    }
    let value = (!value.is_empty()).then(|| value.clone());
    Ok(ClientCommand::SetInfo { lib_name, value })
}

fn parse_list(args: &[Bytes]) -> Result<ClientCommand, Frame> {
    let mut kind = None;
    let mut ids: Option<Vec<i64>> = None;
    let mut i = 2;
    while i < args.len() {
        let opt = lower(&args[i]);
        if opt == "type" && i + 1 < args.len() {
            kind = Some(client_type(&args[i + 1])?);
            i += 2;
        } else if opt == "id" && i + 1 < args.len() {
            // Any integer is accepted, as in redis; ids no client has match nothing.
            let mut v = Vec::new();
            for a in &args[i + 1..] {
                match parse_i64(a) {
                    Some(n) => v.push(n),
                    None => return Err(Frame::error("ERR Invalid client ID")),
                }
            }
            ids = Some(v);
            i = args.len();
        } else {
            return Err(syntax_error());
        }
    }
    Ok(ClientCommand::List { kind, ids })
}

fn parse_kill(args: &[Bytes], acl: &Acl) -> Result<KillFilter, Frame> {
    let mut f = KillFilter {
        skipme: true,
        ..KillFilter::default()
    };
    let mut i = 2;
    while i < args.len() {
        if i + 1 >= args.len() {
            return Err(syntax_error());
        }
        let val = &args[i + 1];
        match lower(&args[i]).as_str() {
            "id" => match parse_i64(val) {
                Some(n) if n > 0 => f.id = Some(n as u64),
                _ => return Err(Frame::error("ERR client-id should be greater than 0")),
            },
            "type" => f.kind = Some(client_type(val)?),
            "addr" => f.addr = Some(String::from_utf8_lossy(val).into_owned()),
            "laddr" => f.laddr = Some(String::from_utf8_lossy(val).into_owned()),
            "user" => {
                if !acl.user_exists(val) {
                    let u = String::from_utf8_lossy(val);
                    return Err(Frame::error(format!("ERR No such user '{u}'")));
                }
                f.user = Some(val.to_vec());
            }
            "skipme" => match lower(val).as_str() {
                "yes" => f.skipme = true,
                "no" => f.skipme = false,
                _ => return Err(syntax_error()),
            },
            _ => return Err(syntax_error()),
        }
        i += 2;
    }
    Ok(f)
}

fn parse_pause(args: &[Bytes]) -> Result<ClientCommand, Frame> {
    let Some(ms) = parse_i64(&args[2]) else {
        return Err(Frame::error(
            "ERR timeout is not an integer or out of range",
        ));
    };
    if ms < 0 {
        return Err(Frame::error("ERR timeout is negative"));
    }
    let all = match args.get(3).map(|a| lower(a)) {
        None => true,
        Some(m) if m == "all" => true,
        Some(m) if m == "write" => false,
        Some(_) => return Err(Frame::error("ERR CLIENT PAUSE mode must be WRITE or ALL")),
    };
    if args.len() > 4 {
        return Err(syntax_error());
    }
    Ok(ClientCommand::Pause { ms: ms as u64, all })
}

/// `CLIENT TRACKING ON|OFF [options]`: the settings when ON. Options are checked even
/// for OFF, their combination only for ON, as in redis.
fn parse_tracking(args: &[Bytes], clients: &Clients) -> Result<Option<Tracking>, Frame> {
    let on = match lower(&args[2]).as_str() {
        "on" => true,
        "off" => false,
        _ => return Err(syntax_error()),
    };
    let mut t = Tracking {
        redirect: -1,
        ..Tracking::default()
    };
    let mut i = 3;
    while i < args.len() {
        match lower(&args[i]).as_str() {
            "redirect" if i + 1 < args.len() => {
                match parse_i64(&args[i + 1]) {
                    Some(r) if clients.get(r.max(0) as u64).is_some() => t.redirect = r,
                    Some(_) => {
                        return Err(Frame::error(
                            "ERR The client ID you want redirect to does not exist",
                        ))
                    }
                    None => {
                        return Err(Frame::error("ERR value is not an integer or out of range"))
                    }
                }
                i += 1;
            }
            "bcast" => t.bcast = true,
            "optin" => t.optin = true,
            "optout" => t.optout = true,
            "noloop" => t.noloop = true,
            "prefix" if i + 1 < args.len() => {
                t.prefixes.push(args[i + 1].clone());
                i += 1;
            }
            _ => return Err(syntax_error()),
        }
        i += 1;
    }
    if !on {
        return Ok(None);
    }
    if !t.bcast && !t.prefixes.is_empty() {
        return Err(Frame::error(
            "ERR PREFIX option requires BCAST mode to be enabled",
        ));
    }
    if t.optin && t.optout {
        return Err(Frame::error("ERR You can't use both OPTIN and OPTOUT"));
    }
    if t.bcast && (t.optin || t.optout) {
        return Err(Frame::error(
            "ERR OPTIN and OPTOUT are not compatible with BCAST",
        ));
    }
    Ok(Some(t))
}

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
                        replies: vec![Frame::ok()],
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
                    replies: vec![Frame::Integer(victims.len() as i64)],
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
                let mut replies = Vec::new();
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
