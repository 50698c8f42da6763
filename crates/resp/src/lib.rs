//! RESP codec for rsentinel: the reply value type shared by every crate ([`Frame`]),
//! the request parser that turns client bytes into argument vectors with redis' exact
//! protocol errors, and the reply encoder for RESP2 and RESP3 clients.

mod frame;

pub use frame::{Frame, Protocol};
