//! The CLIENT command: connection introspection and control, as redis 7.0.15 has it in
//! sentinel mode. Sentinel holds no keys, so tracking is accepted and reported but never
//! has anything to invalidate.

use crate::clients::{ReplyMode, Tracking};
use crate::dispatch::Outcome;
use crate::state::Daemon;
use bytes::Bytes;
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

/// Filters of `CLIENT KILL <option> <value> ...`.
#[derive(Default)]
struct KillFilter {
    id: Option<u64>,
    kind: Option<String>,
    addr: Option<String>,
    laddr: Option<String>,
    user: Option<Vec<u8>>,
    skipme: bool,
}

impl Daemon {
    pub(crate) fn client_command(
        &mut self,
        id: u64,
        spec: &'static CommandSpec,
        args: &[Bytes],
    ) -> Outcome {
        let reply = match spec.name {
            "help" => rsentinel_commands::help_reply(&args[0], HELP),
            "id" => Frame::Integer(id as i64),
            "getname" => match self.clients.get(id).and_then(|c| c.name.clone()) {
                Some(n) => Frame::Bulk(n),
                None => Frame::Null,
            },
            "setname" => match self.clients.set_name(id, &args[2]) {
                Ok(()) => Frame::ok(),
                Err(e) => e,
            },
            "setinfo" => self.client_setinfo(id, &args[2], &args[3]),
            "info" => match self.clients.get(id) {
                Some(c) => Frame::Verbatim {
                    format: *b"txt",
                    text: Bytes::from(format!("{}\n", c.describe(Instant::now()))),
                },
                None => Frame::Null,
            },
            "list" => self.client_list(args),
            "kill" => return self.client_kill(id, args),
            "pause" => self.client_pause(args),
            "unpause" => {
                self.pause.lift();
                Frame::ok()
            }
            "reply" => return self.client_reply(id, args),
            "no-evict" => match lower(&args[2]).as_str() {
                "on" | "off" => {
                    if let Some(c) = self.clients.get_mut(id) {
                        c.no_evict = lower(&args[2]) == "on";
                    }
                    Frame::ok()
                }
                _ => syntax_error(),
            },
            "unblock" => match parse_i64(&args[2]) {
                None => Frame::error("ERR value is not an integer or out of range"),
                Some(_) if args.len() == 4 => match lower(&args[3]).as_str() {
                    "timeout" | "error" => Frame::Integer(0),
                    _ => Frame::error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"),
                },
                // Nothing ever blocks in a sentinel, so no client can be unblocked.
                Some(_) => Frame::Integer(0),
            },
            "tracking" => self.client_tracking(id, args),
            "trackinginfo" => self.client_trackinginfo(id),
            // -1 when tracking is off; 0 when on without a redirection, as redis.
            "getredir" => Frame::Integer(
                self.tracking_of(id)
                    .map(|t| t.redirect.max(0))
                    .unwrap_or(-1),
            ),
            "caching" => self.client_caching(id, args),
            _ => Frame::error(format!(
                "ERR unknown subcommand '{}'. Try CLIENT HELP.",
                String::from_utf8_lossy(&args[1])
            )),
        };
        Outcome {
            replies: vec![reply],
            close_after: false,
        }
    }

    /// `CLIENT SETINFO LIB-NAME|LIB-VER value` (redis 7.2): the same characters as a
    /// client name; an empty value clears the attribute.
    fn client_setinfo(&mut self, id: u64, attr: &Bytes, value: &Bytes) -> Frame {
        let attr_text = String::from_utf8_lossy(attr);
        let is_name = match lower(attr).as_str() {
            "lib-name" => true,
            "lib-ver" => false,
            _ => {
                return Frame::error(
                    format!("ERR Unrecognized option '{attr_text}'").replace(['\r', '\n'], " "),
                )
            }
        };
        if value.iter().any(|&b| !(b'!'..=b'~').contains(&b)) {
            return Frame::error(
                format!("ERR {attr_text} cannot contain spaces, newlines or special characters.")
                    .replace(['\r', '\n'], " "),
            );
        }
        if let Some(c) = self.clients.get_mut(id) {
            let v = (!value.is_empty()).then(|| value.clone());
            if is_name {
                c.lib_name = v;
            } else {
                c.lib_ver = v;
            }
        }
        Frame::ok()
    }

    fn client_list(&self, args: &[Bytes]) -> Frame {
        let mut kind: Option<String> = None;
        let mut ids: Option<Vec<i64>> = None;
        let mut i = 2;
        while i < args.len() {
            let opt = lower(&args[i]);
            if opt == "type" && i + 1 < args.len() {
                let t = lower(&args[i + 1]);
                let t = if t == "slave" {
                    "replica".to_string()
                } else {
                    t
                };
                if !["normal", "master", "replica", "pubsub"].contains(&t.as_str()) {
                    return Frame::error(format!(
                        "ERR Unknown client type '{}'",
                        String::from_utf8_lossy(&args[i + 1])
                    ));
                }
                kind = Some(t);
                i += 2;
            } else if opt == "id" && i + 1 < args.len() {
                // Any integer is accepted, as in redis; ids no client has match nothing.
                let mut v = Vec::new();
                for a in &args[i + 1..] {
                    match parse_i64(a) {
                        Some(n) => v.push(n),
                        None => return Frame::error("ERR Invalid client ID"),
                    }
                }
                ids = Some(v);
                i = args.len();
            } else {
                return syntax_error();
            }
        }
        let now = Instant::now();
        // With ID, clients come in the order (and as often) as asked, like redis.
        let listed: Vec<&crate::clients::Client> = match &ids {
            Some(v) => v
                .iter()
                .filter_map(|&n| u64::try_from(n).ok().and_then(|n| self.clients.get(n)))
                .collect(),
            None => self.clients.iter().collect(),
        };
        let mut text = String::new();
        for c in listed {
            if kind.as_deref().is_some_and(|k| k != c.kind()) {
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

    fn client_kill(&mut self, me: u64, args: &[Bytes]) -> Outcome {
        let one = |f: Frame| Outcome {
            replies: vec![f],
            close_after: false,
        };
        // Old form: CLIENT KILL ip:port, answers OK or an error.
        if args.len() == 3 {
            let addr = String::from_utf8_lossy(&args[2]).into_owned();
            let found = self
                .clients
                .iter()
                .find(|c| c.addr.to_string() == addr)
                .map(|c| c.id);
            return match found {
                Some(id) if id == me => Outcome {
                    replies: vec![Frame::ok()],
                    close_after: true,
                },
                Some(id) => {
                    self.clients.kill(id);
                    one(Frame::ok())
                }
                None => one(Frame::error("ERR No such client")),
            };
        }
        let mut f = KillFilter {
            skipme: true,
            ..KillFilter::default()
        };
        let mut i = 2;
        while i < args.len() {
            if i + 1 >= args.len() {
                return one(syntax_error());
            }
            let val = &args[i + 1];
            match lower(&args[i]).as_str() {
                "id" => match parse_i64(val) {
                    Some(n) if n > 0 => f.id = Some(n as u64),
                    _ => return one(Frame::error("ERR client-id should be greater than 0")),
                },
                "type" => {
                    let t = lower(val);
                    let t = if t == "slave" {
                        "replica".to_string()
                    } else {
                        t
                    };
                    if !["normal", "master", "replica", "pubsub"].contains(&t.as_str()) {
                        return one(Frame::error(format!(
                            "ERR Unknown client type '{}'",
                            String::from_utf8_lossy(val)
                        )));
                    }
                    f.kind = Some(t);
                }
                "addr" => f.addr = Some(String::from_utf8_lossy(val).into_owned()),
                "laddr" => f.laddr = Some(String::from_utf8_lossy(val).into_owned()),
                "user" => {
                    if !self.acl.user_exists(val) {
                        let u = String::from_utf8_lossy(val);
                        return one(Frame::error(format!("ERR No such user '{u}'")));
                    }
                    f.user = Some(val.to_vec());
                }
                "skipme" => match lower(val).as_str() {
                    "yes" => f.skipme = true,
                    "no" => f.skipme = false,
                    _ => return one(syntax_error()),
                },
                _ => return one(syntax_error()),
            }
            i += 2;
        }
        let victims: Vec<u64> = self
            .clients
            .iter()
            .filter(|c| f.id.is_none_or(|id| id == c.id))
            .filter(|c| f.kind.as_deref().is_none_or(|k| k == c.kind()))
            .filter(|c| f.addr.as_deref().is_none_or(|a| a == c.addr.to_string()))
            .filter(|c| f.laddr.as_deref().is_none_or(|a| a == c.laddr.to_string()))
            .filter(|c| f.user.as_deref().is_none_or(|u| u == c.user.as_slice()))
            .filter(|c| !(f.skipme && c.id == me))
            .map(|c| c.id)
            .collect();
        let close_me = self.clients.kill_all(&victims, me);
        Outcome {
            replies: vec![Frame::Integer(victims.len() as i64)],
            close_after: close_me,
        }
    }

    fn client_pause(&mut self, args: &[Bytes]) -> Frame {
        let Some(ms) = parse_i64(&args[2]) else {
            return Frame::error("ERR timeout is not an integer or out of range");
        };
        if ms < 0 {
            return Frame::error("ERR timeout is negative");
        }
        let all = match args.get(3).map(|a| lower(a)) {
            None => true,
            Some(m) if m == "all" => true,
            Some(m) if m == "write" => false,
            Some(_) => return Frame::error("ERR CLIENT PAUSE mode must be WRITE or ALL"),
        };
        if args.len() > 4 {
            return syntax_error();
        }
        let until = Instant::now() + Duration::from_millis(ms as u64);
        self.pause.extend(until, all);
        Frame::ok()
    }

    fn client_reply(&mut self, id: u64, args: &[Bytes]) -> Outcome {
        let mode = match lower(&args[2]).as_str() {
            "on" => ReplyMode::On,
            "off" => ReplyMode::Off,
            "skip" => ReplyMode::Skip,
            _ => {
                return Outcome {
                    replies: vec![syntax_error()],
                    close_after: false,
                }
            }
        };
        let mut replies = Vec::new();
        if let Some(c) = self.clients.get_mut(id) {
            // ON answers OK; OFF and SKIP are silent (SKIP applies to the next command).
            if mode == ReplyMode::On {
                replies.push(Frame::ok());
            }
            c.reply_mode = mode;
        }
        Outcome {
            replies,
            close_after: false,
        }
    }

    fn tracking_of(&self, id: u64) -> Option<&Tracking> {
        self.clients.get(id).and_then(|c| c.tracking.as_ref())
    }

    fn client_tracking(&mut self, id: u64, args: &[Bytes]) -> Frame {
        let on = match lower(&args[2]).as_str() {
            "on" => true,
            "off" => false,
            _ => return syntax_error(),
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
                        Some(r) if self.clients.get(r.max(0) as u64).is_some() => t.redirect = r,
                        Some(_) => {
                            return Frame::error(
                                "ERR The client ID you want redirect to does not exist",
                            )
                        }
                        None => return Frame::error("ERR value is not an integer or out of range"),
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
                _ => return syntax_error(),
            }
            i += 1;
        }
        if !on {
            if let Some(c) = self.clients.get_mut(id) {
                c.tracking = None;
            }
            return Frame::ok();
        }
        if !t.bcast && !t.prefixes.is_empty() {
            return Frame::error("ERR PREFIX option requires BCAST mode to be enabled");
        }
        if t.optin && t.optout {
            return Frame::error("ERR You can't use both OPTIN and OPTOUT");
        }
        if t.bcast && (t.optin || t.optout) {
            return Frame::error("ERR OPTIN and OPTOUT are not compatible with BCAST");
        }
        if let Some(c) = self.clients.get_mut(id) {
            c.tracking = Some(t);
        }
        Frame::ok()
    }

    fn client_trackinginfo(&self, id: u64) -> Frame {
        let (flags, redirect, prefixes) = match self.tracking_of(id) {
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

    fn client_caching(&mut self, id: u64, args: &[Bytes]) -> Frame {
        let Some(t) = self.clients.get_mut(id).and_then(|c| c.tracking.as_mut()) else {
            return Frame::error("ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled");
        };
        if !t.optin && !t.optout {
            return Frame::error("ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled");
        }
        match lower(&args[2]).as_str() {
            "yes" if t.optin => t.caching = Some(true),
            "no" if t.optout => t.caching = Some(false),
            "yes" => {
                return Frame::error(
                    "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.",
                )
            }
            "no" => {
                return Frame::error(
                    "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.",
                )
            }
            _ => return syntax_error(),
        }
        Frame::ok()
    }
}
