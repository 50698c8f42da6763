//! The `SENTINEL` command: argument values, replies and error texts as redis 7.0.15.
//! Names and arity are checked by the daemon from the command table first; the arity
//! errors here only keep direct callers safe.

mod config;
mod failover;
mod monitor;
mod query;
mod set;

use bytes::Bytes;
use rsentinel_resp::Frame;

use crate::parse::{err_text, text};
use crate::sentinel::Sentinel;

/// What the daemon provides to a command besides the arguments.
pub struct CommandEnv<'a> {
    /// Wall-clock milliseconds.
    pub now_ms: u64,
    /// Hostname lookup (getaddrinfo, first address, as text); `None` when it fails.
    /// Only consulted with `resolve-hostnames yes`: otherwise only IP literals are valid.
    pub resolve: &'a dyn Fn(&str) -> Option<String>,
    /// True when the path names an existing executable file (`access(path, X_OK)`).
    pub script_ok: &'a dyn Fn(&str) -> bool,
}

/// The reply to a SENTINEL command.
#[derive(Clone, Debug, PartialEq)]
pub enum Reply {
    /// Send this frame.
    Frame(Frame),
    /// The command queued [`crate::Output::FlushConfig`]: reply `+OK` if that rewrite
    /// succeeds, else redis' error (`sentinelFlushConfigAndReply`).
    AfterFlush,
}

/// The error redis replies when the config rewrite fails.
pub const FLUSH_FAILED: &str = "ERR Failed to save config file. Check server logs.";

impl Reply {
    /// The frame to send, given whether the last queued config rewrite succeeded.
    pub fn into_frame(self, flush_ok: bool) -> Frame {
        match self {
            Reply::Frame(f) => f,
            Reply::AfterFlush if flush_ok => Frame::ok(),
            Reply::AfterFlush => Frame::error(FLUSH_FAILED),
        }
    }
}

impl From<Frame> for Reply {
    fn from(f: Frame) -> Reply {
        Reply::Frame(f)
    }
}

/// The `SENTINEL HELP` lines after the header, without the trailing HELP entry.
const HELP: &[&str] = &[
    "CKQUORUM <master-name>",
    "    Check if the current Sentinel configuration is able to reach the quorum",
    "    needed to failover a master and the majority needed to authorize the",
    "    failover.",
    "CONFIG SET <param> <value>",
    "    Set a global Sentinel configuration parameter.",
    "CONFIG GET <param>",
    "    Get global Sentinel configuration parameter.",
    "DEBUG [<param> <value> ...]",
    "    Show a list of configurable time parameters and their values (milliseconds).",
    "    Or update current configurable parameters values (one or more).",
    "GET-MASTER-ADDR-BY-NAME <master-name>",
    "    Return the ip and port number of the master with that name.",
    "FAILOVER <master-name>",
    "    Manually failover a master node without asking for agreement from other",
    "    Sentinels",
    "FLUSHCONFIG",
    "    Force Sentinel to rewrite its configuration on disk, including the current",
    "    Sentinel state.",
    "INFO-CACHE <master-name>",
    "    Return last cached INFO output from masters and all its replicas.",
    "IS-MASTER-DOWN-BY-ADDR <ip> <port> <current-epoch> <runid>",
    "    Check if the master specified by ip:port is down from current Sentinel's",
    "    point of view.",
    "MASTER <master-name>",
    "    Show the state and info of the specified master.",
    "MASTERS",
    "    Show a list of monitored masters and their state.",
    "MONITOR <name> <ip> <port> <quorum>",
    "    Start monitoring a new master with the specified name, ip, port and quorum.",
    "MYID",
    "    Return the ID of the Sentinel instance.",
    "PENDING-SCRIPTS",
    "    Get pending scripts information.",
    "REMOVE <master-name>",
    "    Remove master from Sentinel's monitor list.",
    "REPLICAS <master-name>",
    "    Show a list of replicas for this master and their state.",
    "RESET <pattern>",
    "    Reset masters for specific master name matching this pattern.",
    "SENTINELS <master-name>",
    "    Show a list of Sentinel instances for this master and their state.",
    "SET <master-name> <option> <value> [<option> <value> ...]",
    "    Set configuration parameters for certain masters.",
    "SIMULATE-FAILURE [CRASH-AFTER-ELECTION] [CRASH-AFTER-PROMOTION] [HELP]",
    "    Simulate a Sentinel crash.",
];

/// `SENTINEL HELP` (`addReplyHelp`): status lines.
pub fn help_frame() -> Frame {
    rsentinel_commands::help_reply(b"sentinel", HELP)
}

/// redis' arity error for `sentinel|<sub>`.
pub(crate) fn arity_error(sub: &[u8]) -> Frame {
    Frame::error(format!(
        "ERR wrong number of arguments for 'sentinel|{}' command",
        text(sub).to_ascii_lowercase()
    ))
}

/// redis' arity of `SENTINEL <sub>` counted without the `SENTINEL` word: positive =
/// exact, negative = at least; `None` for unknown subcommands.
fn arity(sub: &[u8]) -> Option<i32> {
    Some(match sub {
        b"help" | b"masters" | b"myid" | b"flushconfig" | b"pending-scripts" => 1,
        b"master" | b"replicas" | b"slaves" | b"sentinels" | b"reset" => 2,
        b"get-master-addr-by-name" | b"failover" | b"remove" | b"ckquorum" => 2,
        b"is-master-down-by-addr" | b"monitor" => 5,
        b"set" => -4,
        b"config" | b"info-cache" | b"simulate-failure" => -2,
        b"debug" => -1,
        _ => return None,
    })
}

fn unknown_subcommand(sub: &[u8]) -> Frame {
    Frame::error(err_text(format!(
        "ERR unknown subcommand '{}'. Try SENTINEL HELP.",
        text(sub)
    )))
}

/// `ERR No such master with that name`.
pub(crate) fn no_such_master() -> Frame {
    Frame::error("ERR No such master with that name")
}

impl Sentinel {
    /// Run `SENTINEL <args...>`; `args[0]` is the subcommand. Outputs (events, config
    /// flushes, link closes) are queued; drain them with [`Sentinel::poll_output`] before
    /// sending the reply, and resolve [`Reply::AfterFlush`] with the flush result.
    pub fn command(&mut self, args: &[Bytes], env: &CommandEnv) -> Reply {
        let Some(sub) = args.first() else {
            return Frame::error("ERR wrong number of arguments for 'sentinel' command").into();
        };
        // Lower-cased on the stack: every SENTINEL command passes here.
        let mut lower = [0u8; 32];
        let name: &[u8] = match lower.get_mut(..sub.len()) {
            Some(buf) => {
                buf.copy_from_slice(sub);
                buf.make_ascii_lowercase();
                buf
            }
            None => return unknown_subcommand(sub).into(),
        };
        let Some(arity) = arity(name) else {
            return unknown_subcommand(sub).into();
        };
        let n = args.len() as i32;
        if (arity > 0 && n != arity) || (arity < 0 && n < -arity) {
            return arity_error(sub).into();
        }
        let now = env.now_ms;
        match name {
            b"help" => help_frame().into(),
            b"masters" => self.cmd_masters(now).into(),
            b"master" => self.cmd_master(&args[1], now).into(),
            b"replicas" | b"slaves" => self.cmd_replicas(&args[1], now).into(),
            b"sentinels" => self.cmd_sentinels(&args[1], now).into(),
            b"myid" => Frame::bulk_str(&self.myid).into(),
            b"is-master-down-by-addr" => self.cmd_is_master_down(&args[1..], env).into(),
            b"reset" => self.cmd_reset(&args[1], now).into(),
            b"get-master-addr-by-name" => self.cmd_get_master_addr(&args[1]).into(),
            b"failover" => self.cmd_failover(&args[1], now).into(),
            b"pending-scripts" => self.pending_scripts_reply(now).into(),
            b"monitor" => self.cmd_monitor(&args[1..], env),
            b"flushconfig" => {
                self.flush_config();
                Reply::AfterFlush
            }
            b"remove" => self.cmd_remove(&args[1]),
            b"ckquorum" => self.cmd_ckquorum(&args[1]).into(),
            b"set" => self.cmd_set(&args[1..], env),
            b"config" => self.cmd_config(&args[1..]),
            b"info-cache" => self.cmd_info_cache(&args[1..], now).into(),
            b"simulate-failure" => self.cmd_simulate_failure(&args[1..]).into(),
            b"debug" if n == 1 => self.timing.reply().into(),
            b"debug" => self.timing.set(&args[1..]).into(),
            _ => unknown_subcommand(sub).into(),
        }
    }
}
