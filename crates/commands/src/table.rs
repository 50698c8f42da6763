//! The command table data. (Being filled in from the real redis-sentinel 7.0.15.)

use crate::{CommandSpec, Docs};

const NO_DOCS: Docs = Docs {
    summary: "",
    since: "",
    group: "",
    complexity: "",
    doc_flags: &[],
    deprecated_since: None,
    replaced_by: None,
    history: &[],
    arguments: &[],
};

/// Every top-level command of redis-sentinel 7.0.15.
pub static TABLE: &[CommandSpec] = &[CommandSpec {
    name: "ping",
    parent: None,
    arity: -1,
    flags: &["fast", "sentinel"],
    acl_categories: &["fast", "connection"],
    first_key: 0,
    last_key: 0,
    key_step: 0,
    subcommands: &[],
    docs: NO_DOCS,
}];
