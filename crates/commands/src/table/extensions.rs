//! Commands rsentinel adds to redis-sentinel's table, written by hand (no redis version
//! has them, so there is nothing to capture).

use crate::{Arg, CommandSpec, Docs};

/// `FAILOVER <master-name>`: the seed form some guides show for `SENTINEL FAILOVER`
/// (redis-sentinel answers "unknown command"); same flags, categories and effect.
pub const FAILOVER: CommandSpec = CommandSpec {
    name: "failover",
    parent: None,
    arity: 2,
    flags: &["admin"],
    acl_categories: &["admin", "slow", "dangerous"],
    tips: &[],
    first_key: 0,
    last_key: 0,
    key_step: 0,
    subcommands: &[],
    docs: Docs {
        summary:
            "Force a failover (rsentinel extension: SENTINEL FAILOVER without the SENTINEL prefix)",
        // The redis version rsentinel reports (INFO's redis_version), so clients that
        // compare `since` with the server's version see it as available.
        since: "7.0.15",
        group: "sentinel",
        complexity: "",
        doc_flags: &[],
        deprecated_since: None,
        replaced_by: None,
        history: &[],
        arguments: &[Arg::new("master-name", "string")],
    },
};
