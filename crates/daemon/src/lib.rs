//! The rsentinel daemon: a tokio runtime that owns the sockets, timers and files, and
//! drives the pure parts (codec, config, ACL, command table, sentinel core).
//!
//! One single-threaded event loop, like redis: state lives in one `Daemon` value shared
//! by the connection tasks, so commands run one at a time in arrival order.

mod auth;
mod client_cmd;
mod clients;
mod dispatch;
mod glue;
mod info;
pub mod logger;
mod process;
mod pubsub;
mod server;
mod session;
mod state;

pub use logger::Logger;
pub use server::{bind_addrs, BindAddr};

/// The redis version rsentinel is compatible with; clients read it from INFO and HELLO
/// to decide which features to use.
pub const REDIS_VERSION: &str = "7.0.15";

/// `redis_build_id` in INFO: identifies this implementation and version.
pub const BUILD_ID: &str = concat!("rsentinel-", env!("CARGO_PKG_VERSION"));

pub use process::main_entry;
