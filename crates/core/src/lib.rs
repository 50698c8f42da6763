//! The pure Sentinel core: the instance table (masters, their replicas and the other
//! Sentinels), the global Sentinel state, and the semantics of the `SENTINEL` command as
//! redis 7.0.15 has them.
//!
//! Nothing here touches sockets, clocks, threads or files: the daemon passes the current
//! wall-clock time in milliseconds, randomness comes from one RNG seeded at creation, and
//! everything the daemon must do (publish and log events, rewrite the config, close links)
//! comes out of [`Sentinel::poll_output`] in order.

mod addr;
mod announce;
mod arena;
mod conn;
mod event;
mod hello_memo;
mod info_text;
mod instance;
mod instance_reply;
mod kind;
mod link;
mod link_id;
mod master;
mod master_table;
mod options;
mod parse;
mod periods;
mod script_queue;
mod sentinel;
mod switchover;
mod timer_schedule;

pub use addr::{Addr, AddrError};
pub use arena::{Arena, Key};
pub use conn::{Callback, Conn, ConnId, ConnKind, Pending};
pub use event::{Event, LogLevel, Output, ReplyBound, Words};
pub use info_text::{InfoStore, InfoText};
pub use instance::{Flags, InstKey, Instance, Kind, Role};
pub use instance_reply::{flags_string, instance_frame};
pub use link::{Link, LinkId, LinkTable};
pub use master::{FailoverState, InstRef, Master, MasterKey};
pub use periods::Timing;
/// redis' `stringmatchlen`, shared with the ACL and command-table crates.
pub use rsentinel_commands::glob_match;
pub use script_queue::{ScriptId, ScriptOutcome, MAX_QUEUE, MAX_RETRY, MAX_RUNNING};
pub use sentinel::commands::{help_frame, CommandEnv, Reply, FLUSH_FAILED};
pub use sentinel::persist::LoadError;
pub use sentinel::timer::HELLO_CHANNEL;
pub use sentinel::{Sentinel, SIMFAILURE_CRASH_AFTER_ELECTION, SIMFAILURE_CRASH_AFTER_PROMOTION};
pub use switchover::{Switchover, SwitchoverReply, CATCHUP_MS, PAUSE_MS};
