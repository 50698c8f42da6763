//! `sentinel.conf`: the grammar (redis' quoting rules), typed settings, errors that name
//! file, line and directive like redis, the rewrite that keeps comments and foreign lines
//! (like `CONFIG REWRITE`), the atomic write, and the command-line arguments.

mod atomic;
mod cli;
mod directive_table;
mod directive_values;
mod error;
mod lexer;
mod load;
mod numbers;
mod own;
mod rewrite;
mod sentinel;
mod settings;
mod special_directives;
mod support;
mod value;

pub use atomic::{remove_stale_temps, rewrite_file, write_atomic};
pub use cli::{options_text, parse_cli, Cli, CommandLine};
pub use error::{ConfigError, REDIS_VERSION};
pub use lexer::{arg as quote_arg, is_bare, repr as quote, split_args, split_args_bytes};
pub use load::{
    fatal_error_text, load, load_cli, load_parts, parse, parse_as_redis, parse_bytes, read_bytes,
    read_text,
};
pub use numbers::{yes_no, yes_no_str};
pub use rewrite::{render, RewriteEnv};
pub use settings::*;
pub use support::{support, Support};

/// True when redis-sentinel 7.0.15 accepts `name` as a generic (non-`sentinel`) directive
/// name; used by the daemon for `CONFIG GET`-style lookups and by tests.
pub fn is_known_directive(name: &str) -> bool {
    directive_table::lookup(name).is_some()
        || [
            "include",
            "rename-command",
            "user",
            "loadmodule",
            "sentinel",
        ]
        .iter()
        .chain(own::DIRECTIVES)
        .any(|k| k.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests;
