//! The command table of redis 7.0.15 in sentinel mode: exactly the commands and
//! subcommands `redis-sentinel` accepts, with the metadata that `COMMAND INFO`,
//! `COMMAND DOCS` and the ACL category rules are computed from.
//!
//! The table is data, so lookups are pure; the daemon uses it to check names and arity
//! before dispatching, and the ACL crate uses it to expand `+@category` rules.

mod table;

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
        self.acl_categories.iter().any(|c| c.eq_ignore_ascii_case(cat))
    }

    /// Looks up a subcommand by name, case-insensitively.
    pub fn subcommand(&self, name: &[u8]) -> Option<&'static CommandSpec> {
        self.subcommands.iter().find(|s| s.name.as_bytes().eq_ignore_ascii_case(name))
    }
}

/// Looks up a top-level command by name, case-insensitively.
pub fn lookup(name: &[u8]) -> Option<&'static CommandSpec> {
    TABLE.iter().find(|c| c.name.as_bytes().eq_ignore_ascii_case(name))
}

/// Every command and subcommand, containers first then their subcommands.
pub fn all() -> impl Iterator<Item = &'static CommandSpec> {
    TABLE.iter().flat_map(|c| std::iter::once(c).chain(c.subcommands.iter()))
}
