//! The user table and everything the daemon asks of it: authentication,
//! permission checks, the ACL LOG, requirepass, config/ACL-file loading and
//! the list of clients to disconnect after changes.

use std::collections::BTreeMap;

use bytes::Bytes;
use rsentinel_commands::CommandSpec;

use crate::aclfile::{self, UserDirectives};
use crate::check::{self, Denied, DenyReason};
use crate::log::{AclLog, LogContext, LogEntry};
use crate::registry::registry;
use crate::sds::{cstr, has_spaces, merge_selector_args};
use crate::user::User;

/// Per-call facts about the calling client.
#[derive(Clone, Copy, Debug)]
pub struct AclContext<'a> {
    /// The user the client is authenticated as (`default` before AUTH).
    pub username: &'a [u8],
    /// Wall clock in milliseconds, for ACL LOG timestamps and ages.
    pub now_ms: i64,
    /// The client's CLIENT LIST line, stored in ACL LOG entries.
    pub client_info: &'a str,
    /// The configured `aclfile`, if any (ACL LOAD / SAVE need it).
    pub aclfile: Option<&'a str>,
}

/// Client-visible consequences of ACL changes, collected until the daemon
/// takes them with [`Acl::take_changes`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AclChanges {
    /// Disconnect every client authenticated as one of these users: they were
    /// deleted, or replaced by ACL LOAD (redis frees the old user objects).
    /// A client running the command that caused it is closed after its reply.
    pub disconnect_users: Vec<Vec<u8>>,
    /// These users lost channel permissions: disconnect their Pub/Sub
    /// clients that hold a subscription [`Acl::channel_allowed`] now refuses
    /// (patterns with `is_pattern = true`).
    pub recheck_pubsub_users: Vec<Vec<u8>>,
}

/// The ACL state of the server.
#[derive(Clone, Debug)]
pub struct Acl {
    pub(crate) users: BTreeMap<Vec<u8>, User>,
    pub(crate) log: AclLog,
    /// `acl-pubsub-default allchannels`.
    pub(crate) pubsub_all: bool,
    pub(crate) changes: AclChanges,
}

impl Default for Acl {
    fn default() -> Self {
        Self::new()
    }
}

/// Whether `new` grants fewer channels than `old` (`ACLKillPubsubClientsIfNeeded`'s test).
fn channels_shrunk(new: &User, old: &User) -> bool {
    if new.selectors.iter().any(|s| s.all_channels) {
        return false;
    }
    let upcoming: Vec<&Vec<u8>> = new
        .selectors
        .iter()
        .flat_map(|s| s.channels.iter())
        .collect();
    old.selectors
        .iter()
        .any(|s| s.all_channels || s.channels.iter().any(|c| !upcoming.contains(&c)))
}

impl Acl {
    /// A fresh server: only `user default on nopass ~* &* +@all`.
    pub fn new() -> Acl {
        let mut users = BTreeMap::new();
        users.insert(b"default".to_vec(), User::new_default(false));
        Acl {
            users,
            log: AclLog::default(),
            pubsub_all: false,
            changes: AclChanges::default(),
        }
    }

    /// `acl-pubsub-default`: `true` for `allchannels`. Affects users and
    /// selectors created (or `reset`) afterwards.
    pub fn set_pubsub_default_allchannels(&mut self, all: bool) {
        self.pubsub_all = all;
    }

    /// `acllog-max-len`.
    pub fn set_log_max_len(&mut self, max_len: usize) {
        self.log.set_max_len(max_len);
    }

    /// `requirepass` (at startup and on CONFIG SET): `resetpass` then
    /// `>pass`, or `nopass` when `None` (an empty requirepass).
    pub fn set_requirepass(&mut self, pass: Option<&[u8]>) {
        let pubsub_all = self.pubsub_all;
        let default = self.default_user_mut();
        let _ = default.apply(b"resetpass", pubsub_all);
        match pass {
            Some(p) => {
                let _ = default.apply(&[b">".as_slice(), p].concat(), pubsub_all);
            }
            None => {
                let _ = default.apply(b"nopass", pubsub_all);
            }
        }
    }

    fn default_user_mut(&mut self) -> &mut User {
        self.users
            .entry(b"default".to_vec())
            .or_insert_with(|| User::new_default(false))
    }

    fn default_user(&self) -> Option<&User> {
        self.users.get(b"default".as_slice())
    }

    /// Whether `pass` authenticates `user` (the user exists, is on, and is
    /// nopass or has this password).
    pub fn authenticate(&self, user: &[u8], pass: &[u8]) -> bool {
        self.users.get(user).is_some_and(|u| u.check_password(pass))
    }

    /// Whether unauthenticated clients must AUTH first: true unless the
    /// default user is on and nopass. New clients start authenticated
    /// exactly when this is false; evaluate it per command, since redis does.
    pub fn default_requires_auth(&self) -> bool {
        !self.default_user().is_some_and(|u| u.enabled && u.nopass)
    }

    /// Whether the default user is `nopass` (AUTH with only a password is
    /// refused then: "AUTH <password> called without any password configured...").
    pub fn default_is_nopass(&self) -> bool {
        self.default_user().is_some_and(|u| u.nopass)
    }

    /// Whether a user of that name exists.
    pub fn user_exists(&self, user: &[u8]) -> bool {
        self.users.contains_key(user)
    }

    /// Usernames in ACL USERS order.
    pub fn usernames(&self) -> Vec<Vec<u8>> {
        self.users.keys().cloned().collect()
    }

    /// `user <name> <rules>` of every user, in ACL LIST order.
    pub fn list(&self) -> Vec<Vec<u8>> {
        self.users.values().map(User::config_line).collect()
    }

    /// The rules of one user as ACL LIST shows them (without `user <name> `).
    pub fn describe_user(&self, user: &[u8]) -> Option<Vec<u8>> {
        self.users.get(user).map(User::describe)
    }

    /// May `user` run `spec` with `args` (the full argument vector, command
    /// name first)? Checks the command/subcommand bits and the Pub/Sub
    /// channels of PUBLISH, SUBSCRIBE and PSUBSCRIBE. AUTH and HELLO
    /// (`no_auth`) always pass the command check. An unknown user or command
    /// is denied.
    pub fn check_command(
        &self,
        user: &[u8],
        spec: &CommandSpec,
        args: &[Bytes],
    ) -> Result<(), Denied> {
        let deny = || Denied {
            reason: DenyReason::Command,
            object: Bytes::from(spec.full_name()),
            arg_index: 0,
        };
        let (Some(u), Some(id)) = (self.users.get(user), registry().id_of(spec)) else {
            return Err(deny());
        };
        check::check_user(u, id, args)
    }

    /// Whether `user` may use `channel` (a PSUBSCRIBE pattern when
    /// `is_pattern`), as redis re-checks existing subscriptions.
    pub fn channel_allowed(&self, user: &[u8], channel: &[u8], is_pattern: bool) -> bool {
        self.users
            .get(user)
            .is_some_and(|u| check::user_channel_allowed(u, channel, is_pattern))
    }

    /// Records a denied command in the ACL LOG.
    pub fn log_denied(&mut self, denied: &Denied, ctx: &AclContext) {
        self.log.add(LogEntry {
            count: 1,
            reason: denied.reason,
            context: LogContext::Toplevel,
            object: denied.object.to_vec(),
            username: ctx.username.to_vec(),
            ctime_ms: ctx.now_ms,
            client_info: ctx.client_info.to_string(),
        });
    }

    /// Records a failed AUTH / HELLO AUTH: `username` is the name tried,
    /// `command` the command name as the client typed it (`AUTH`, `hello`).
    pub fn log_auth_failure(&mut self, username: &[u8], command: &[u8], ctx: &AclContext) {
        self.log.add(LogEntry {
            count: 1,
            reason: DenyReason::Auth,
            context: LogContext::Toplevel,
            object: command.to_vec(),
            username: username.to_vec(),
            ctime_ms: ctx.now_ms,
            client_info: ctx.client_info.to_string(),
        });
    }

    /// The ACL LOG.
    pub fn log(&self) -> &AclLog {
        &self.log
    }

    /// Takes the pending client consequences of ACL changes.
    pub fn take_changes(&mut self) -> AclChanges {
        std::mem::take(&mut self.changes)
    }

    /// ACL SETUSER semantics (`ACLStringSetUser`): creates or edits `name`
    /// with all `rules` or, on the first bad rule, changes nothing. The error
    /// is the reply text without the `ERR ` prefix.
    pub fn set_user<S: AsRef<[u8]>>(&mut self, name: &[u8], rules: &[S]) -> Result<(), String> {
        let merged = merge_selector_args(rules).map_err(|idx| {
            format!(
                "Unmatched parenthesis in acl selector starting at '{}'.",
                String::from_utf8_lossy(cstr(rules[idx].as_ref()))
            )
        })?;
        let old = self.users.get(name);
        let mut temp = old
            .cloned()
            .unwrap_or_else(|| User::new(name, self.pubsub_all));
        for op in &merged {
            temp.apply(op, self.pubsub_all).map_err(|e| {
                format!(
                    "Error in ACL SETUSER modifier '{}': {}",
                    String::from_utf8_lossy(cstr(op)),
                    e.message()
                )
            })?;
        }
        if let Some(old) = old {
            if channels_shrunk(&temp, old) {
                self.changes.recheck_pubsub_users.push(name.to_vec());
            }
        }
        temp.name = name.to_vec();
        self.users.insert(name.to_vec(), temp);
        Ok(())
    }

    /// ACL DELUSER of one user (not `default`); returns whether it existed.
    pub fn delete_user(&mut self, name: &[u8]) -> bool {
        if name == b"default" || self.users.remove(name).is_none() {
            return false;
        }
        self.changes.disconnect_users.push(name.to_vec());
        true
    }

    /// Applies ACL-file text (at startup or for ACL LOAD): all or nothing.
    /// `path` only appears in error messages. On success every non-default
    /// user is replaced, so their clients are to be disconnected.
    pub fn load_aclfile(&mut self, path: &str, text: &str) -> Result<(), String> {
        let mut users = aclfile::parse(path, text, self.pubsub_all)?;
        if !users.contains_key(b"default".as_slice()) {
            users.insert(b"default".to_vec(), User::new_default(self.pubsub_all));
        }
        let old = std::mem::replace(&mut self.users, users);
        self.changes
            .disconnect_users
            .extend(old.into_keys().filter(|n| n != b"default"));
        Ok(())
    }

    /// The ACL file ACL SAVE writes: one `user ...` line per user, each
    /// ending in a newline.
    pub fn aclfile_text(&self) -> String {
        self.list()
            .iter()
            .map(|l| format!("{}\n", String::from_utf8_lossy(l)))
            .collect()
    }

    /// The `user ...` lines CONFIG REWRITE writes when no `aclfile` is set. The config
    /// file is read with `sdssplitargs`, so a word that is not plain text (a user name
    /// or pattern with non-UTF-8 bytes or quotes) is written quoted and reads back as
    /// the same bytes; plain words are written as redis writes them.
    pub fn config_user_lines(&self) -> Vec<String> {
        self.list()
            .iter()
            .map(|l| {
                l.split(|&b| b == b' ')
                    .map(config_word)
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    /// Applies the config file's `user` directives at startup
    /// (`ACLLoadConfiguredUsers`): `default` is `reset` first, others are
    /// created. Ok carries notice-level log lines (disabled users); Err the
    /// warning lines to log before exiting.
    pub fn load_user_directives(
        &mut self,
        directives: &UserDirectives,
    ) -> Result<Vec<String>, Vec<String>> {
        let mut notices = Vec::new();
        let critical = "Critical error while loading ACLs. Exiting.".to_string();
        for (name, rules) in directives.entries() {
            if has_spaces(name) {
                return Err(vec![
                    "Spaces not allowed in ACL usernames".to_string(),
                    critical,
                ]);
            }
            let pubsub_all = self.pubsub_all;
            let user = self
                .users
                .entry(name.clone())
                .and_modify(|u| {
                    let _ = u.apply(b"reset", pubsub_all);
                })
                .or_insert_with(|| User::new(name, pubsub_all));
            for op in rules {
                if let Err(e) = user.apply(op, pubsub_all) {
                    return Err(vec![
                        format!(
                            "Error loading ACL rule '{}' for the user named '{}': {}",
                            String::from_utf8_lossy(cstr(op)),
                            String::from_utf8_lossy(cstr(name)),
                            e.message()
                        ),
                        critical,
                    ]);
                }
            }
            if !user.enabled {
                notices.push(format!(
                    "The user '{}' is disabled (there is no 'on' modifier in the user \
                     description). Make sure this is not a configuration error.",
                    String::from_utf8_lossy(cstr(name))
                ));
            }
        }
        Ok(notices)
    }
}

/// One word of a config `user` line: as is when it is plain UTF-8 text, else quoted.
fn config_word(word: &[u8]) -> String {
    let plain = !word.is_empty()
        && !word
            .iter()
            .any(|&b| b <= b' ' || b == 0x7f || b == b'"' || b == b'\'');
    match std::str::from_utf8(word) {
        Ok(text) if plain => text.to_string(),
        _ => rsentinel_resp::repr(word),
    }
}
