//! The command table of redis 7.0.15 in sentinel mode: exactly the commands and
//! subcommands `redis-sentinel` accepts, with the metadata that `COMMAND INFO`,
//! `COMMAND DOCS` and the ACL category rules are computed from.
//!
//! The table is data, so lookups are pure; the daemon uses it to check names and arity
//! before dispatching, and the ACL crate uses it to expand `+@category` rules.

mod command_cmd;
mod dispatch;
mod glob;
mod info;
mod table;

pub use command_cmd::command;
pub use dispatch::{help_reply, resolve, unknown_command_error};
pub use glob::glob_match;
pub use info::{command_docs, command_info};
pub use table::TABLE;

/// One command or subcommand, as redis describes it.
#[derive(Debug)]
pub struct CommandSpec {
    /// Lower-case name: `client`, or for a subcommand just `list` (see [`CommandSpec::full_name`]).
    pub name: &'static str,
    /// Name of the container command for subcommands (`client`), `None` for top-level commands.
    pub parent: Option<&'static str>,
    /// Redis arity: positive = exact argument count including the name, negative = at least.
    pub arity: i32,
    /// Flags in the order `COMMAND INFO` prints them (`loading`, `stale`, `noscript`, ...).
    pub flags: &'static [&'static str],
    /// ACL categories without the `@`, in the order `COMMAND INFO` prints them.
    pub acl_categories: &'static [&'static str],
    /// Command tips (`nondeterministic_output`, `request_policy:all_shards`, ...) as
    /// `COMMAND INFO` prints them. No sentinel command has key specs, so there is no
    /// key-spec field: `COMMAND INFO` always prints an empty key-spec set.
    pub tips: &'static [&'static str],
    /// Legacy key positions (first, last, step); all zero for commands without keys.
    pub first_key: i32,
    pub last_key: i32,
    pub key_step: i32,
    /// Subcommands of a container command (`client`, `sentinel`, ...), empty otherwise.
    pub subcommands: &'static [CommandSpec],
    /// Documentation fields for `COMMAND DOCS`.
    pub docs: Docs,
}

/// The `COMMAND DOCS` fields of one command.
#[derive(Debug)]
/// `summary`, `since` and `complexity` are `""` when redis omits them (a few sentinel
/// subcommands have no complexity).
pub struct Docs {
    pub summary: &'static str,
    pub since: &'static str,
    pub group: &'static str,
    pub complexity: &'static str,
    /// `deprecated`, `syscmd`, ...
    pub doc_flags: &'static [&'static str],
    pub deprecated_since: Option<&'static str>,
    pub replaced_by: Option<&'static str>,
    /// (version, description) pairs.
    pub history: &'static [(&'static str, &'static str)],
    pub arguments: &'static [Arg],
}

/// One argument in `COMMAND DOCS`.
#[derive(Debug)]
pub struct Arg {
    pub name: &'static str,
    /// `string`, `integer`, `double`, `key`, `pattern`, `unix-time`, `pure-token`, `oneof`, `block`.
    pub kind: &'static str,
    pub display_text: Option<&'static str>,
    pub key_spec_index: Option<i64>,
    pub token: Option<&'static str>,
    pub summary: Option<&'static str>,
    pub since: Option<&'static str>,
    pub deprecated_since: Option<&'static str>,
    /// `optional`, `multiple`, `multiple_token`.
    pub flags: &'static [&'static str],
    pub value: Option<&'static str>,
    pub arguments: &'static [Arg],
}

impl Arg {
    /// An argument with just a name and a type; the builder methods below add the
    /// optional fields, which keeps the generated table readable.
    pub const fn new(name: &'static str, kind: &'static str) -> Arg {
        Arg {
            name,
            kind,
            display_text: None,
            key_spec_index: None,
            token: None,
            summary: None,
            since: None,
            deprecated_since: None,
            flags: &[],
            value: None,
            arguments: &[],
        }
    }

    /// Only entries taken from redis 7.2+ carry one; 7.0 never printed it.
    pub const fn display_text(mut self, text: &'static str) -> Arg {
        self.display_text = Some(text);
        self
    }

    pub const fn token(mut self, token: &'static str) -> Arg {
        self.token = Some(token);
        self
    }

    pub const fn summary(mut self, summary: &'static str) -> Arg {
        self.summary = Some(summary);
        self
    }

    pub const fn since(mut self, since: &'static str) -> Arg {
        self.since = Some(since);
        self
    }

    pub const fn deprecated_since(mut self, version: &'static str) -> Arg {
        self.deprecated_since = Some(version);
        self
    }

    pub const fn key_spec_index(mut self, index: i64) -> Arg {
        self.key_spec_index = Some(index);
        self
    }

    pub const fn flags(mut self, flags: &'static [&'static str]) -> Arg {
        self.flags = flags;
        self
    }

    /// Nested arguments of a `oneof` or `block` argument.
    pub const fn args(mut self, arguments: &'static [Arg]) -> Arg {
        self.arguments = arguments;
        self
    }
}

/// The ACL categories redis 7.0 knows, in `ACL CAT` order.
pub const ACL_CATEGORIES: &[&str] = &[
    "keyspace",
    "read",
    "write",
    "set",
    "sortedset",
    "list",
    "hash",
    "string",
    "bitmap",
    "hyperloglog",
    "geo",
    "stream",
    "pubsub",
    "admin",
    "fast",
    "slow",
    "blocking",
    "dangerous",
    "connection",
    "transaction",
    "scripting",
];

impl CommandSpec {
    /// `client|list` for a subcommand, `ping` for a top-level command: the name ACL
    /// rules and error messages use.
    pub fn full_name(&self) -> String {
        match self.parent {
            Some(p) => format!("{p}|{}", self.name),
            None => self.name.to_string(),
        }
    }

    /// Whether `argc` (including the command name, and for subcommands the container's
    /// name too) satisfies the arity.
    pub fn arity_ok(&self, argc: usize) -> bool {
        let argc = argc as i64;
        let arity = self.arity as i64;
        if arity >= 0 {
            argc == arity
        } else {
            argc >= -arity
        }
    }

    /// Whether the command belongs to ACL category `cat` (without `@`).
    pub fn in_category(&self, cat: &str) -> bool {
        self.acl_categories
            .iter()
            .any(|c| c.eq_ignore_ascii_case(cat))
    }

    /// Looks up a subcommand by name, case-insensitively.
    pub fn subcommand(&self, name: &[u8]) -> Option<&'static CommandSpec> {
        self.subcommands
            .iter()
            .find(|s| s.name.as_bytes().eq_ignore_ascii_case(name))
    }
}

/// Looks up a top-level command by name, case-insensitively.
pub fn lookup(name: &[u8]) -> Option<&'static CommandSpec> {
    TABLE
        .iter()
        .find(|c| c.name.as_bytes().eq_ignore_ascii_case(name))
}

/// Looks up a command by the name `COMMAND INFO`/`COMMAND DOCS` accept: `ping`, or
/// `client|kill` for a subcommand (case-insensitive). Like redis, a container name alone
/// finds the container, and `ping|x` or deeper nesting finds nothing.
pub fn lookup_full_name(name: &[u8]) -> Option<&'static CommandSpec> {
    let mut parts = name.split(|&b| b == b'|');
    let first = parts.next()?;
    let cmd = lookup(first)?;
    match (parts.next(), parts.next()) {
        (None, _) => Some(cmd),
        (Some(sub), None) => cmd.subcommand(sub),
        (Some(_), Some(_)) => None,
    }
}

/// Every command and subcommand, containers first then their subcommands.
pub fn all() -> impl Iterator<Item = &'static CommandSpec> {
    TABLE
        .iter()
        .flat_map(|c| std::iter::once(c).chain(c.subcommands.iter()))
}
