//! The ACL command. Arity and unknown-subcommand errors come from the
//! command table in the daemon; this handles each subcommand's arguments and
//! replies exactly as redis 7.0.15 does. File IO for LOAD and SAVE is handed
//! back to the daemon as an [`AclReply`].

use bytes::Bytes;
use rand::RngCore;
use rsentinel_resp::Frame;

use crate::acl::{Acl, AclContext};
use crate::registry::{category, registry};
use crate::sds::{cstr, has_spaces};

/// What the daemon must do with an ACL command.
#[derive(Clone, Debug, PartialEq)]
pub enum AclReply {
    /// Send this reply.
    Frame(Frame),
    /// ACL LOAD: read the file at `path`, then reply with
    /// [`Acl::finish_load`] (which also applies it).
    Load { path: String },
    /// ACL SAVE: write `text` to `path` (temp file + rename). Reply `+OK`, or
    /// on failure log the IO error and reply [`save_failed_reply`].
    Save { path: String, text: Vec<u8> },
}

const NO_ACLFILE: &str = "ERR This Redis instance is not configured to use an ACL file. You may \
want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you \
have a Redis configuration file set) in order to store users in the Redis configuration.";

const HELP: &[&str] = &[
    "CAT [<category>]",
    "    List all commands that belong to <category>, or all command categories",
    "    when no category is specified.",
    "DELUSER <username> [<username> ...]",
    "    Delete a list of users.",
    "DRYRUN <username> <command> [<arg> ...]",
    "    Returns whether the user can execute the given command without executing the command.",
    "GETUSER <username>",
    "    Get the user's details.",
    "GENPASS [<bits>]",
    "    Generate a secure 256-bit user password. The optional `bits` argument can",
    "    be used to specify a different size.",
    "LIST",
    "    Show users details in config file format.",
    "LOAD",
    "    Reload users from the ACL file.",
    "LOG [<count> | RESET]",
    "    Show the ACL log entries.",
    "SAVE",
    "    Save the current config to the ACL file.",
    "SETUSER <username> <attribute> [<attribute> ...]",
    "    Create or modify a user with the specified attributes.",
    "USERS",
    "    List all the registered usernames.",
    "WHOAMI",
    "    Return the current connection username.",
];

/// The reply when ACL SAVE could not write the file.
pub fn save_failed_reply() -> Frame {
    Frame::error(
        "ERR There was an error trying to save the ACLs. Please check the server logs for more \
         information",
    )
}

/// The ACL LOAD error when the file cannot be opened; `reason` is the
/// `strerror` text (e.g. `No such file or directory`).
pub fn load_open_error(path: &str, reason: &str) -> Frame {
    Frame::error(format!(
        "ERR Error loading ACLs, opening file '{path}': {reason}"
    ))
}

/// An `-ERR` reply from formatted text, with CR/LF turned into spaces as
/// `addReplyErrorFormat` does.
fn err(text: String) -> Frame {
    Frame::Error(format!("ERR {}", text.replace(['\r', '\n'], " ")))
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// redis' `string2l`: strict decimal, no sign but `-`, no leading zeros.
fn parse_long(b: &[u8]) -> Option<i64> {
    let digits = b.strip_prefix(b"-").unwrap_or(b);
    let leading_zero = digits.len() > 1 && digits[0] == b'0';
    let neg_zero = b.first() == Some(&b'-') && digits == b"0";
    if digits.is_empty() || leading_zero || neg_zero || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(b).ok()?.parse().ok()
}

const NOT_INTEGER: &str = "ERR value is not an integer or out of range";

impl Acl {
    /// Runs `ACL <sub> ...`; `args[0]` is the command name as typed.
    pub fn acl_command(&mut self, args: &[Bytes], ctx: &AclContext) -> AclReply {
        AclReply::Frame(match self.acl_dispatch(args, ctx) {
            Ok(frame) => frame,
            Err(io) => return io,
        })
    }

    fn acl_dispatch(&mut self, args: &[Bytes], ctx: &AclContext) -> Result<Frame, AclReply> {
        let argc = args.len();
        let Some(sub) = args.get(1) else {
            return Ok(Frame::error(
                "ERR wrong number of arguments for 'acl' command",
            ));
        };
        let is = |name: &str| cstr(sub).eq_ignore_ascii_case(name.as_bytes());
        let frame = if is("setuser") && argc >= 3 {
            self.cmd_setuser(args)
        } else if is("deluser") && argc >= 3 {
            self.cmd_deluser(&args[2..])
        } else if is("getuser") && argc == 3 {
            self.users
                .get(args[2].as_ref())
                .map_or(Frame::Null, |u| u.getuser_frame())
        } else if (is("list") || is("users")) && argc == 2 {
            let items = if is("users") {
                self.usernames()
            } else {
                self.list()
            };
            Frame::Array(items.into_iter().map(Frame::bulk).collect())
        } else if is("whoami") && argc == 2 {
            Frame::bulk(ctx.username.to_vec())
        } else if ctx.aclfile.is_none() && (is("load") || is("save")) {
            Frame::error(NO_ACLFILE)
        } else if is("load") && argc == 2 {
            let path = ctx.aclfile.unwrap_or_default().to_string();
            return Err(AclReply::Load { path });
        } else if is("save") && argc == 2 {
            let path = ctx.aclfile.unwrap_or_default().to_string();
            return Err(AclReply::Save {
                path,
                text: self.aclfile_text(),
            });
        } else if is("cat") && argc == 2 {
            Frame::bulk_array(rsentinel_commands::ACL_CATEGORIES.iter())
        } else if is("cat") && argc == 3 {
            cmd_cat(&args[2])
        } else if is("genpass") && (argc == 2 || argc == 3) {
            cmd_genpass(args.get(2))
        } else if is("log") && (argc == 2 || argc == 3) {
            self.cmd_log(args.get(2), ctx)
        } else if is("dryrun") && argc >= 4 {
            self.cmd_dryrun(&args[2..])
        } else if argc == 2 && is("help") {
            rsentinel_commands::help_reply(&args[0], HELP)
        } else {
            err(format!(
                "unknown subcommand or wrong number of arguments for '{}'. Try {} HELP.",
                lossy(truncate(cstr(sub), 128)),
                lossy(cstr(&args[0])).to_uppercase()
            ))
        };
        Ok(frame)
    }

    fn cmd_setuser(&mut self, args: &[Bytes]) -> Frame {
        let name = &args[2];
        if has_spaces(name) {
            return Frame::error("ERR Usernames can't contain spaces or null characters");
        }
        match self.set_user(name, &args[3..]) {
            Ok(()) => Frame::ok(),
            Err(e) => err(e),
        }
    }

    fn cmd_deluser(&mut self, names: &[Bytes]) -> Frame {
        if names.iter().any(|n| cstr(n) == b"default") {
            return Frame::error("ERR The 'default' user cannot be removed");
        }
        let deleted = names.iter().filter(|n| self.delete_user(n)).count();
        Frame::Integer(deleted as i64)
    }

    fn cmd_log(&mut self, arg: Option<&Bytes>, ctx: &AclContext) -> Frame {
        let mut count: i64 = 10;
        if let Some(arg) = arg {
            if cstr(arg).eq_ignore_ascii_case(b"reset") {
                self.log.clear();
                return Frame::ok();
            }
            match parse_long(arg) {
                Some(n) => count = n.max(0),
                None => return Frame::error(NOT_INTEGER),
            }
        }
        let count = usize::try_from(count).unwrap_or(usize::MAX);
        self.log.reply(count, ctx.now_ms)
    }

    fn cmd_dryrun(&self, args: &[Bytes]) -> Frame {
        let (user, cmd_args) = (&args[0], &args[1..]);
        let Some(u) = self.users.get(user.as_ref()) else {
            return err(format!("User '{}' not found", lossy(cstr(user))));
        };
        let reg = registry();
        let words: Vec<&[u8]> = cmd_args.iter().map(|a| a.as_ref()).collect();
        let Some(id) = reg.lookup_args(&words) else {
            return err(format!("Command '{}' not found", lossy(cstr(&cmd_args[0]))));
        };
        let entry = &reg.entries[id];
        let arity = i64::from(entry.spec.arity);
        let n = cmd_args.len() as i64;
        if (arity > 0 && arity != n) || n < -arity {
            return err(format!(
                "wrong number of arguments for '{}' command",
                entry.full_name
            ));
        }
        match crate::check::check_user(u, id, cmd_args) {
            Ok(()) => Frame::ok(),
            Err(denied) => Frame::bulk(denied.dryrun_text()),
        }
    }

    /// Completes ACL LOAD with the file contents (or the `strerror` text of
    /// the open failure) and returns the reply.
    pub fn finish_load(&mut self, path: &str, contents: Result<&[u8], &str>) -> Frame {
        match contents {
            Err(reason) => load_open_error(path, reason),
            Ok(text) => match self.load_aclfile(path, text) {
                Ok(()) => Frame::ok(),
                Err(e) => Frame::Error(format!("ERR {e}")),
            },
        }
    }
}

fn truncate(b: &[u8], n: usize) -> &[u8] {
    &b[..b.len().min(n)]
}

fn cmd_cat(name: &Bytes) -> Frame {
    let Some(cat) = category(cstr(name)) else {
        return err(format!(
            "Unknown category '{}'",
            lossy(truncate(cstr(name), 128))
        ));
    };
    let reg = registry();
    Frame::bulk_array(
        reg.entries
            .iter()
            .filter(|e| e.spec.in_category(cat))
            .map(|e| e.full_name.as_str()),
    )
}

fn cmd_genpass(bits: Option<&Bytes>) -> Frame {
    const MAX_BITS: i64 = 4096;
    let bits = match bits {
        None => 256,
        Some(b) => match parse_long(b) {
            Some(n) => n,
            None => return Frame::error(NOT_INTEGER),
        },
    };
    if bits <= 0 || bits > MAX_BITS {
        return Frame::error(format!(
            "ERR ACL GENPASS argument must be the number of bits for the output password, a \
             positive number up to {MAX_BITS}"
        ));
    }
    let chars = usize::try_from((bits + 3) / 4).unwrap_or(0);
    let mut raw = vec![0u8; chars.div_ceil(2)];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    let mut hex = hex::encode(raw);
    hex.truncate(chars);
    Frame::bulk(hex)
}
