//! Redis 7.0.15's ACL system as a Sentinel exposes it: users with passwords,
//! command/category/channel/key rules and selectors; permission checks; the
//! ACL LOG; the ACL command; `requirepass`, `user` config directives and the
//! ACL file. Pure: the daemon does all IO and client bookkeeping.

mod acl;
mod aclfile;
mod check;
mod command;
mod describe;
mod error;
mod log;
mod registry;
mod sds;
mod selector;
mod user;

pub use acl::{Acl, AclChanges, AclContext};
pub use aclfile::{UserDirectives, MIXED_USERS_AND_ACLFILE};
pub use check::{Denied, DenyReason};
pub use command::{load_open_error, save_failed_reply, AclReply};
pub use log::{AclLog, LogContext, LogEntry, DEFAULT_MAX_LEN};
