//! The rsentinel daemon: a tokio runtime that owns the sockets, timers and files, and
//! drives the pure parts (codec, config, ACL, command table, sentinel core).
//!
//! One single-threaded event loop, like redis: state lives in one `Daemon` value shared
//! by the connection tasks, so commands run one at a time in arrival order.

mod affinity;
mod auth;
mod client_cmd;
mod clients;
mod connection;
mod dispatch;
mod driver;
mod effects;
mod fdlimit;
mod heap;
pub mod hosts;
mod info;
pub mod link_events;
mod link_read;
pub mod links;
pub mod logger;
mod metrics;
mod oom;
mod os_error;
mod panic;
mod preflight;
mod process;
mod rename;
mod scripts;
mod serve;
mod server;
mod session;
mod state;
mod supervise;
pub mod tls;
mod version;

pub use logger::Logger;
pub use server::{bind_addrs, BindAddr};

pub use version::{BUILD_ID, REDIS_VERSION, VERSION};

pub use process::main_entry;
