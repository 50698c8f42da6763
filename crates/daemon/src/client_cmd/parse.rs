//! Parsing CLIENT: a subcommand and its arguments checked into a [`ClientCommand`], with
//! redis' checks in redis' order, so that the same bad input gets the same error.

use crate::clients::{Clients, ReplyMode, Tracking};
use bytes::Bytes;
use rsentinel_acl::Acl;
use rsentinel_commands::CommandSpec;
use rsentinel_resp::Frame;

/// A CLIENT subcommand with its arguments checked.
pub(super) enum ClientCommand {
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
pub(super) fn syntax_error() -> Frame {
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
pub(super) struct KillFilter {
    pub(super) id: Option<u64>,
    pub(super) kind: Option<&'static str>,
    pub(super) addr: Option<String>,
    pub(super) laddr: Option<String>,
    pub(super) user: Option<Vec<u8>>,
    pub(super) skipme: bool,
}

impl ClientCommand {
    /// Checks `CLIENT <subcommand> ...` (`args` whole, arity already checked against the
    /// command table). `acl` and `clients` answer what redis checks while parsing: that a
    /// KILL USER exists, and that a TRACKING REDIRECT target is connected.
    pub(super) fn parse(
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
