//! Permission checks: may a user run a command with these arguments, and may
//! it use these Pub/Sub channels (`ACLCheckAllUserCommandPerm`).

use bytes::Bytes;
use rsentinel_commands::glob_match;

use crate::registry::registry;
use crate::selector::Selector;
use crate::user::User;

/// Why the ACL denied something; the order is redis' ranking when several
/// selectors fail differently (the highest wins).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum DenyReason {
    Command = 1,
    Key = 2,
    Auth = 3,
    Channel = 4,
}

impl DenyReason {
    /// The `reason` field of ACL LOG.
    pub fn as_str(self) -> &'static str {
        match self {
            DenyReason::Command => "command",
            DenyReason::Key => "key",
            DenyReason::Auth => "auth",
            DenyReason::Channel => "channel",
        }
    }
}

/// A denied command: what to reply and what to put in the ACL LOG.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Denied {
    pub reason: DenyReason,
    /// The ACL LOG `object`: the command's full name (`sentinel|monitor`) or
    /// the offending channel.
    pub object: Bytes,
    /// Index in the argument vector of the offending channel (0 for commands).
    pub arg_index: usize,
}

impl Denied {
    /// The error reply (without the leading `-`), as `processCommand` sends it.
    pub fn error_text(&self) -> String {
        match self.reason {
            DenyReason::Command => format!(
                "NOPERM this user has no permissions to run the '{}' command",
                String::from_utf8_lossy(&self.object)
            ),
            DenyReason::Key => {
                "NOPERM this user has no permissions to access one of the keys used as arguments"
                    .to_string()
            }
            DenyReason::Channel => "NOPERM this user has no permissions to access one of the \
                                    channels used as arguments"
                .to_string(),
            DenyReason::Auth => "no permission".to_string(),
        }
    }

    /// The ACL DRYRUN reply text for this denial; `args` is the probed
    /// command's argument vector.
    pub fn dryrun_text(&self) -> Vec<u8> {
        match self.reason {
            DenyReason::Command | DenyReason::Auth => format!(
                "This user has no permissions to run the '{}' command",
                String::from_utf8_lossy(&self.object)
            )
            .into_bytes(),
            DenyReason::Key => [
                b"This user has no permissions to access the '".as_slice(),
                &self.object,
                b"' key",
            ]
            .concat(),
            DenyReason::Channel => [
                b"This user has no permissions to access the '".as_slice(),
                &self.object,
                b"' channel",
            ]
            .concat(),
        }
    }
}

/// How a command names channels: (first index, all remaining?, patterns?).
/// Only publishing and subscribing are checked; unsubscribing never is.
fn channel_args(full_name: &str) -> Option<(usize, bool, bool)> {
    match full_name {
        "publish" | "spublish" => Some((1, false, false)),
        "subscribe" | "ssubscribe" => Some((1, true, false)),
        "psubscribe" => Some((1, true, true)),
        _ => None,
    }
}

/// Whether `channel` passes the selector's channel list. A channel is
/// matched against the patterns; a PSUBSCRIBE pattern must equal one.
pub(crate) fn channel_in_list(list: &[Vec<u8>], channel: &[u8], is_pattern: bool) -> bool {
    list.iter().any(|pat| {
        if is_pattern {
            pat.as_slice() == channel
        } else {
            glob_match(pat, channel, false)
        }
    })
}

/// Checks one selector; on failure returns the reason and argument index.
fn check_selector(sel: &Selector, id: usize, args: &[Bytes]) -> Result<(), (DenyReason, usize)> {
    let entry = &registry().entries[id];
    let no_auth = entry.spec.flags.contains(&"no_auth");
    if !sel.all_commands && !no_auth && !sel.allowed.get(id).copied().unwrap_or(false) {
        let idx = if entry.is_sub { 2 } else { 1 };
        let allowed_first = args.len() >= 2
            && args.get(idx).is_some_and(|a| {
                sel.first_args_of(id)
                    .iter()
                    .any(|f| f.eq_ignore_ascii_case(a))
            });
        if !allowed_first {
            return Err((DenyReason::Command, 0));
        }
    }
    if !sel.all_channels {
        if let Some((start, all, is_pattern)) = channel_args(&entry.full_name) {
            let stop = if all {
                args.len()
            } else {
                (start + 1).min(args.len())
            };
            for (i, ch) in args.iter().enumerate().take(stop).skip(start) {
                if !channel_in_list(&sel.channels, ch, is_pattern) {
                    return Err((DenyReason::Channel, i));
                }
            }
        }
    }
    Ok(())
}

/// Checks a whole user: allowed if any selector allows; otherwise the most
/// relevant failure (highest reason, then latest argument).
pub(crate) fn check_user(user: &User, id: usize, args: &[Bytes]) -> Result<(), Denied> {
    let mut relevant = (DenyReason::Command, 0usize);
    for sel in &user.selectors {
        match check_selector(sel, id, args) {
            Ok(()) => return Ok(()),
            Err((reason, idx)) => {
                if reason > relevant.0 || (reason == relevant.0 && idx > relevant.1) {
                    relevant = (reason, idx);
                }
            }
        }
    }
    let (reason, arg_index) = relevant;
    let object = match reason {
        DenyReason::Command | DenyReason::Auth => {
            Bytes::from(registry().entries[id].full_name.clone())
        }
        _ => args.get(arg_index).cloned().unwrap_or_default(),
    };
    Err(Denied {
        reason,
        object,
        arg_index,
    })
}

/// Whether any selector of `user` lets it use `channel` (`ACLUserCheckChannelPerm`).
pub(crate) fn user_channel_allowed(user: &User, channel: &[u8], is_pattern: bool) -> bool {
    user.selectors
        .iter()
        .any(|s| s.all_channels || channel_in_list(&s.channels, channel, is_pattern))
}
