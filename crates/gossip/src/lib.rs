//! Sentinel gossip: the hello messages Sentinels exchange every 2 s on
//! `__sentinel__:hello`, and what a received hello changes (Sentinel discovery and
//! address tracking, current-epoch adoption, config propagation by config epoch), with
//! the exact rules and event texts of redis 7.0.15.
//!
//! Pure and leaf: no I/O, clock or randomness (times are `now_ms: u64`), no dependency
//! on the core. The core builds a [`discovery::View`] from its tables, calls
//! [`discovery::receive_hello`] (or [`discovery::process_hello`] on a parsed hello) and
//! applies the returned [`discovery::Step`]s in order.
//!
//! Receiving, as redis does it:
//! 1. pub/sub push from a master or replica: it must be a `message`
//!    ([`hello::is_message_push`]); drop it if our run id occurs anywhere in the payload
//!    ([`hello::mentions_runid`]);
//! 2. Sentinel `PUBLISH __sentinel__:hello <payload>` from another Sentinel: no such
//!    check (redis really adds itself when its own id arrives this way);
//! 3. [`hello::Hello::parse`]; on error drop silently; then `process_hello`.

pub mod c_numbers;
pub mod discovery;
pub mod hello;
pub mod schedule;

pub use discovery::{
    process_hello, receive_hello, AddrRef, Event, Level, MasterView, Masters, PeerAddr, PeerView,
    Source, Step, Subject, View,
};
pub use hello::{Hello, ParseError, HELLO_CHANNEL};
