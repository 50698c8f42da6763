//! RESP codec for rsentinel.
//!
//! - [`Frame`] / [`Protocol`]: the reply value shared by every crate.
//! - [`RequestParser`] (module `request`): client bytes to argument vectors, with redis
//!   7.0's inline and multibulk rules, limits and exact protocol errors ([`ProtocolError`],
//!   plus [`query_buffer_sample`] and [`repr`] for redis' matching log lines).
//! - [`encode`] / [`encode_command`]: replies in RESP2 or RESP3 (RESP3 types downgraded
//!   for RESP2 clients as redis does), and commands for outbound links; [`format_double`]
//!   is redis' `%.17g` text of a double.
//! - [`split_args`] (redis' `sdssplitargs`) and [`string2ll`]: the line splitter and the
//!   strict integer reader redis uses for inline requests, config lines and arguments.
//! - [`ReplyDecoder`] (module `reply`): a decoder of replies from redis servers and
//!   sentinels back to [`Frame`]s, bounded in size and nesting, built on `redis-protocol`.
//!
//! No I/O and no runtime: the sans-IO core depends on this crate. The `codec` feature
//! adds `tokio_util` `Decoder` implementations of [`RequestParser`] and [`ReplyDecoder`]
//! for callers that frame a tokio stream with them.

#![warn(missing_docs)]

mod double;
mod encode;
mod error;
mod frame;
mod number;
mod reply;
mod request;
mod scan;
mod splitargs;

pub use double::format_double;
pub use encode::{encode, encode_command};
pub use error::{query_buffer_sample, repr, ProtocolError};
pub use frame::{Frame, Protocol};
pub use number::{string2ll, Digits};
pub use reply::{ReplyDecoder, ReplyError, DEFAULT_MAX_REPLY_SIZE};
pub use request::{
    Limits, RequestParser, PROTO_INLINE_MAX_SIZE, PROTO_IOBUF_LEN, UNAUTHENTICATED_MAX_ARGS,
    UNAUTHENTICATED_MAX_BULK,
};
pub use splitargs::{split_args, UnbalancedQuotes};
