//! Server side: turning the bytes a client sends into commands, with the rules and the
//! exact protocol errors of redis 7.0 (`processInlineBuffer` / `processMultibulkBuffer`).
//!
//! Completed elements (an inline line, a `*N` header, each `$N` argument) are removed
//! from the caller's buffer as soon as they are parsed, so what stays in the buffer is
//! exactly redis' unparsed query buffer (`querybuf + qb_pos`), and a command trickling in
//! byte by byte is never rescanned from its start.

use bytes::{Buf, Bytes, BytesMut};

use crate::error::ProtocolError;
use crate::number::string2ll;
use crate::splitargs::split_args;

/// `PROTO_INLINE_MAX_SIZE`: an inline line, or a `*N` / `$N` header, that has not ended
/// after this many bytes is a protocol error.
pub const PROTO_INLINE_MAX_SIZE: usize = 64 * 1024;
/// Redis reads at most this much per `read(2)` (outside big arguments). The "too big"
/// errors depend on how much arrived per read, so a caller wanting redis' exact behaviour
/// reads in chunks of this size and calls [`RequestParser::parse`] after each read.
pub const PROTO_IOBUF_LEN: usize = 16 * 1024;
/// Most arguments a client may announce before it has authenticated.
pub const UNAUTHENTICATED_MAX_ARGS: i64 = 10;
/// Longest argument a client may announce before it has authenticated.
pub const UNAUTHENTICATED_MAX_BULK: i64 = 16 * 1024;
/// `$N` of at least this size is handed out without copying (redis' `PROTO_MBULK_BIG_ARG`).
const BIG_ARG: usize = 32 * 1024;
/// Most argument slots reserved from a declared `*N`; the vector grows as arguments arrive.
const MAX_PREALLOCATED_ARGS: usize = 64;
/// Most room reserved ahead for an announced `$N` that has not arrived yet.
const MAX_RESERVE: usize = 64 * 1024;

/// The configurable limits of the request parser, defaulting to redis' defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// `proto-max-bulk-len`: longest argument accepted (default 512 MB).
    pub proto_max_bulk_len: u64,
    /// `client-query-buffer-limit`: most unparsed bytes a client may have pending before
    /// the connection is closed without a reply (default 1 GB).
    pub query_buffer_limit: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            proto_max_bulk_len: 512 * 1024 * 1024,
            query_buffer_limit: 1024 * 1024 * 1024,
        }
    }
}

/// How far a line has been searched for its terminator, so the next call resumes there.
#[derive(Clone, Copy, Debug, Default)]
struct LineScan {
    searched: usize,
    /// A NUL came first: redis searches with `strchr`, which stops there, so this line
    /// can only ever end with the "too big" error.
    blocked: bool,
}

impl LineScan {
    /// Index of the first `delim` in `buf`, unless a NUL comes before it.
    fn find(&mut self, buf: &[u8], delim: u8) -> Option<usize> {
        if self.blocked {
            return None;
        }
        let from = self.searched.min(buf.len());
        match buf[from..].iter().position(|&b| b == delim || b == 0) {
            Some(offset) => {
                self.searched = from + offset;
                if buf[self.searched] == 0 {
                    self.blocked = true;
                    None
                } else {
                    Some(self.searched)
                }
            }
            None => {
                self.searched = buf.len();
                None
            }
        }
    }
}

#[derive(Debug)]
enum Arg {
    /// Waiting for a `$N\r\n` header.
    Header(LineScan),
    /// Waiting for N bytes and the two that follow them.
    Body(usize),
}

#[derive(Debug)]
enum State {
    /// Between commands.
    Idle,
    /// Reading an inline line.
    Inline(LineScan),
    /// Reading the `*N` header.
    Count(LineScan),
    /// Reading the arguments of a multibulk request.
    Args {
        left: usize,
        args: Vec<Bytes>,
        held: usize,
        arg: Arg,
    },
    /// A protocol error happened; the connection must be closed.
    Failed(ProtocolError),
}

/// One client connection's request parser.
///
/// After an error the parser stays failed: every later call returns the same error and
/// consumes nothing, and the buffer is left starting at the offending element (redis'
/// `qb_pos`), which is what [`crate::query_buffer_sample`] wants. The caller replies with
/// [`ProtocolError::reply_bytes`] (when there is a reply) and closes the connection.
#[derive(Debug)]
pub struct RequestParser {
    /// The argument vector of a command already run, emptied, for the next one
    /// (see [`RequestParser::recycle`]).
    spare: Vec<Bytes>,
    limits: Limits,
    auth_required: bool,
    last_inline: bool,
    state: State,
}

impl RequestParser {
    /// A parser for a new connection.
    pub fn new(limits: Limits) -> Self {
        RequestParser {
            spare: Vec::new(),
            limits,
            auth_required: false,
            last_inline: false,
            state: State::Idle,
        }
    }

    /// Hands back the arguments of a command that has run: the vector is reused for
    /// the next command instead of a new one per command. One of more than
    /// `MAX_PREALLOCATED_ARGS` slots is dropped, so a huge command leaves no huge vector.
    pub fn recycle(&mut self, mut args: Vec<Bytes>) {
        if args.capacity() <= MAX_PREALLOCATED_ARGS {
            args.clear();
            self.spare = args;
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Changes the limits (after `CONFIG SET`); they apply from the next element parsed.
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    /// While the client has not authenticated, redis refuses to even buffer requests with
    /// more than 10 arguments or arguments over 16 KiB.
    pub fn set_auth_required(&mut self, required: bool) {
        self.auth_required = required;
    }

    /// Whether the last command returned came as an inline line rather than multibulk.
    pub fn last_was_inline(&self) -> bool {
        self.last_inline
    }

    /// True once a protocol error was returned.
    pub fn is_failed(&self) -> bool {
        matches!(self.state, State::Failed(_))
    }

    /// Argument bytes of a partly received multibulk command already taken out of the
    /// buffer (redis' `argv_len_sum`); the rest of the pending input is `buf.len()`.
    pub fn held_bytes(&self) -> usize {
        match &self.state {
            State::Args { held, .. } => *held,
            _ => 0,
        }
    }

    /// True when `pending` unparsed bytes exceed `client-query-buffer-limit`, in which
    /// case redis closes the connection without a reply. [`RequestParser::parse`] checks it
    /// itself; this is for callers that want to look before parsing.
    pub fn query_buffer_exceeded(&self, pending: usize) -> bool {
        pending > self.limits.query_buffer_limit
    }

    /// Parses the next command out of `buf`, removing what it consumed. Returns `Ok(None)`
    /// when more input is needed. Empty inline lines and `*0` / `*-1` are skipped, as
    /// redis does; call again after each command to drain a pipeline.
    pub fn parse(&mut self, buf: &mut BytesMut) -> Result<Option<Vec<Bytes>>, ProtocolError> {
        if let State::Failed(err) = &self.state {
            return Err(err.clone());
        }
        if self.query_buffer_exceeded(buf.len()) {
            let head = Bytes::copy_from_slice(&buf[..buf.len().min(64)]);
            return Err(self.fail(ProtocolError::QueryBufferLimit {
                len: buf.len(),
                head,
            }));
        }
        match self.step(buf) {
            Ok(command) => Ok(command),
            Err(err) => Err(self.fail(err)),
        }
    }

    fn fail(&mut self, err: ProtocolError) -> ProtocolError {
        self.state = State::Failed(err.clone());
        err
    }

    fn step(&mut self, buf: &mut BytesMut) -> Result<Option<Vec<Bytes>>, ProtocolError> {
        let (limits, auth_required) = (self.limits, self.auth_required);
        loop {
            match &mut self.state {
                State::Failed(err) => return Err(err.clone()),
                State::Idle => match buf.first() {
                    None => return Ok(None),
                    Some(b'*') => self.state = State::Count(LineScan::default()),
                    Some(_) => self.state = State::Inline(LineScan::default()),
                },
                State::Inline(scan) => {
                    let Some(newline) = scan.find(buf, b'\n') else {
                        if buf.len() > PROTO_INLINE_MAX_SIZE {
                            return Err(ProtocolError::TooBigInlineRequest);
                        }
                        return Ok(None);
                    };
                    let end = match newline.checked_sub(1) {
                        Some(cr) if buf[cr] == b'\r' => cr,
                        _ => newline,
                    };
                    let args: Vec<Bytes> = split_args(&buf[..end])
                        .map_err(|_| ProtocolError::UnbalancedQuotes)?
                        .into_iter()
                        .map(Bytes::from)
                        .collect();
                    buf.advance(newline + 1);
                    self.state = State::Idle;
                    if !args.is_empty() {
                        self.last_inline = true;
                        return Ok(Some(args));
                    }
                }
                State::Count(scan) => {
                    let Some(cr) = scan.find(buf, b'\r') else {
                        if buf.len() > PROTO_INLINE_MAX_SIZE {
                            return Err(ProtocolError::TooBigMultibulkCount);
                        }
                        return Ok(None);
                    };
                    // Redis skips the byte after `\r` without looking at it.
                    if cr + 1 >= buf.len() {
                        return Ok(None);
                    }
                    let count = match string2ll(&buf[1..cr]) {
                        Some(n) if n <= i64::from(i32::MAX) => n,
                        _ => return Err(ProtocolError::InvalidMultibulkLength),
                    };
                    if count > UNAUTHENTICATED_MAX_ARGS && auth_required {
                        return Err(ProtocolError::UnauthenticatedMultibulkLength);
                    }
                    buf.advance(cr + 2);
                    self.state = match usize::try_from(count) {
                        Ok(left) if left > 0 => State::Args {
                            left,
                            args: {
                                let mut args = std::mem::take(&mut self.spare);
                                args.reserve(left.min(MAX_PREALLOCATED_ARGS));
                                args
                            },
                            held: 0,
                            arg: Arg::Header(LineScan::default()),
                        },
                        _ => State::Idle,
                    };
                }
                State::Args {
                    left,
                    args,
                    held,
                    arg,
                } => {
                    match arg {
                        Arg::Header(scan) => {
                            let Some(len) = bulk_header(scan, buf, limits, auth_required)? else {
                                return Ok(None);
                            };
                            *arg = Arg::Body(len);
                        }
                        Arg::Body(len) => {
                            let len = *len;
                            let needed = len.saturating_add(2);
                            if buf.len() < needed {
                                buf.reserve((needed - buf.len()).min(MAX_RESERVE));
                                return Ok(None);
                            }
                            // A small argument is copied out: a view would pin the
                            // whole read buffer for as long as the argument is kept
                            // (a channel name in the subscription index, say).
                            let value = if len >= BIG_ARG {
                                buf.split_to(len).freeze()
                            } else {
                                let value = Bytes::copy_from_slice(&buf[..len]);
                                buf.advance(len);
                                value
                            };
                            // Redis skips the two bytes after the argument unchecked.
                            buf.advance(2);
                            args.push(value);
                            *held += len;
                            *left -= 1;
                            *arg = Arg::Header(LineScan::default());
                        }
                    }
                    if *left == 0 {
                        let args = std::mem::take(args);
                        self.state = State::Idle;
                        self.last_inline = false;
                        return Ok(Some(args));
                    }
                }
            }
        }
    }
}

/// Reads a `$N\r\n` header; `Ok(None)` when it is not complete yet.
fn bulk_header(
    scan: &mut LineScan,
    buf: &mut BytesMut,
    limits: Limits,
    auth_required: bool,
) -> Result<Option<usize>, ProtocolError> {
    let Some(cr) = scan.find(buf, b'\r') else {
        if buf.len() > PROTO_INLINE_MAX_SIZE {
            return Err(ProtocolError::TooBigBulkCount);
        }
        return Ok(None);
    };
    if cr + 1 >= buf.len() {
        return Ok(None);
    }
    if buf[0] != b'$' {
        return Err(ProtocolError::ExpectedDollar(buf[0]));
    }
    let len = match string2ll(&buf[1..cr]) {
        Some(n) if n >= 0 && n.unsigned_abs() <= limits.proto_max_bulk_len => n,
        _ => return Err(ProtocolError::InvalidBulkLength),
    };
    if len > UNAUTHENTICATED_MAX_BULK && auth_required {
        return Err(ProtocolError::UnauthenticatedBulkLength);
    }
    let len = usize::try_from(len).map_err(|_| ProtocolError::InvalidBulkLength)?;
    buf.advance(cr + 2);
    Ok(Some(len))
}

impl Default for RequestParser {
    fn default() -> Self {
        RequestParser::new(Limits::default())
    }
}

#[cfg(feature = "codec")]
impl tokio_util::codec::Decoder for RequestParser {
    type Item = Vec<Bytes>;
    type Error = ProtocolError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Vec<Bytes>>, ProtocolError> {
        self.parse(src)
    }

    /// At end of stream an unfinished command is dropped silently, as redis does when a
    /// client disconnects.
    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Vec<Bytes>>, ProtocolError> {
        self.parse(src)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where the current line search stands, to show input is never searched twice.
    fn searched(parser: &RequestParser) -> Option<usize> {
        match &parser.state {
            State::Inline(scan) | State::Count(scan) => Some(scan.searched),
            State::Args {
                arg: Arg::Header(scan),
                ..
            } => Some(scan.searched),
            _ => None,
        }
    }

    #[test]
    fn trickling_lines_are_searched_once() {
        for prefix in [&b""[..], b"*", b"*1\r\n$"] {
            let mut parser = RequestParser::default();
            let mut buf = BytesMut::from(prefix);
            for _ in 0..1000 {
                buf.extend_from_slice(b"1");
                assert!(matches!(parser.parse(&mut buf), Ok(None)));
                assert_eq!(searched(&parser), Some(buf.len()));
            }
        }
    }
}
