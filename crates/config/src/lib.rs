//! `sentinel.conf`: the grammar (redis' quoting rules), typed settings, errors that name
//! file, line and directive like redis, the rewrite that keeps comments and foreign lines
//! (like `CONFIG REWRITE`), the atomic write, and the command-line arguments.

mod settings;

pub use settings::*;
