//! Why a client connection must be closed, with redis' exact reply text and the details
//! its log lines print.

use std::fmt;
use std::sync::Arc;

use bytes::{BufMut, Bytes, BytesMut};

use crate::frame::Frame;

/// A request that cannot be parsed, or a read failure. Every variant ends the connection:
/// protocol errors after replying with [`ProtocolError::reply_bytes`], the query-buffer
/// limit and I/O errors silently, as redis does.
#[derive(Clone, Debug)]
pub enum ProtocolError {
    /// No `\n` within the first 64 KiB of an inline request.
    TooBigInlineRequest,
    /// An inline line with an unterminated quote or a closing quote not followed by a space.
    UnbalancedQuotes,
    /// No `\r` within the first 64 KiB of a `*N` header.
    TooBigMultibulkCount,
    /// `*N` where N is not a number or exceeds `INT_MAX`.
    InvalidMultibulkLength,
    /// `*N` with N > 10 while the client still has to authenticate.
    UnauthenticatedMultibulkLength,
    /// No `\r` within the first 64 KiB of a `$N` header.
    TooBigBulkCount,
    /// An argument header not starting with `$`; carries the byte found instead.
    ExpectedDollar(u8),
    /// `$N` where N is not a number, is negative, or exceeds `proto-max-bulk-len`.
    InvalidBulkLength,
    /// `$N` with N > 16384 while the client still has to authenticate.
    UnauthenticatedBulkLength,
    /// The unparsed input exceeds `client-query-buffer-limit`; redis closes without a reply.
    QueryBufferLimit {
        /// Bytes pending in the query buffer.
        len: usize,
        /// Its first 64 bytes, for the "qbuf initial bytes" log line.
        head: Bytes,
    },
    /// Reading from the socket failed (the codec layer reports it through this type).
    Io(Arc<std::io::Error>),
}

impl ProtocolError {
    /// The error text after `-ERR ` for protocol errors; `None` when redis closes silently.
    pub fn message(&self) -> Option<String> {
        let text = match self {
            ProtocolError::TooBigInlineRequest => "too big inline request",
            ProtocolError::UnbalancedQuotes => "unbalanced quotes in request",
            ProtocolError::TooBigMultibulkCount => "too big mbulk count string",
            ProtocolError::InvalidMultibulkLength => "invalid multibulk length",
            ProtocolError::UnauthenticatedMultibulkLength => "unauthenticated multibulk length",
            ProtocolError::TooBigBulkCount => "too big bulk count string",
            ProtocolError::ExpectedDollar(byte) => {
                return Some(format!(
                    "Protocol error: expected '$', got '{}'",
                    String::from_utf8_lossy(&[printable_in_error(*byte)])
                ))
            }
            ProtocolError::InvalidBulkLength => "invalid bulk length",
            ProtocolError::UnauthenticatedBulkLength => "unauthenticated bulk length",
            ProtocolError::QueryBufferLimit { .. } | ProtocolError::Io(_) => return None,
        };
        Some(format!("Protocol error: {text}"))
    }

    /// The reply as a [`Frame`], `None` when the connection closes without a reply. A
    /// non-ASCII byte in [`ProtocolError::ExpectedDollar`] becomes U+FFFD here; use
    /// [`ProtocolError::reply_bytes`] for the exact wire bytes.
    pub fn reply(&self) -> Option<Frame> {
        self.message().map(|m| Frame::Error(format!("ERR {m}")))
    }

    /// The exact bytes redis writes before closing (`-ERR Protocol error: ...\r\n`, the
    /// same in RESP2 and RESP3), `None` when it closes without a reply.
    pub fn reply_bytes(&self) -> Option<Bytes> {
        let mut out = BytesMut::new();
        match self {
            ProtocolError::ExpectedDollar(byte) => {
                out.put_slice(b"-ERR Protocol error: expected '$', got '");
                out.put_u8(printable_in_error(*byte));
                out.put_slice(b"'\r\n");
            }
            other => {
                let message = other.message()?;
                out.put_slice(b"-ERR ");
                out.put_slice(message.as_bytes());
                out.put_slice(b"\r\n");
            }
        }
        Some(out.freeze())
    }

    /// The reason redis prints in its verbose `Protocol error (<reason>) from client: ...`
    /// log line, which differs from the reply text.
    pub fn log_reason(&self) -> &'static str {
        match self {
            ProtocolError::TooBigInlineRequest => "too big inline request",
            ProtocolError::UnbalancedQuotes => "unbalanced quotes in inline request",
            ProtocolError::TooBigMultibulkCount => "too big mbulk count string",
            ProtocolError::InvalidMultibulkLength => "invalid mbulk count",
            ProtocolError::UnauthenticatedMultibulkLength => "unauth mbulk count",
            ProtocolError::TooBigBulkCount => "too big bulk count string",
            ProtocolError::ExpectedDollar(_) => "expected $ but got something else",
            ProtocolError::InvalidBulkLength => "invalid bulk length",
            ProtocolError::UnauthenticatedBulkLength => "unauth bulk length",
            ProtocolError::QueryBufferLimit { .. } => "max query buffer length",
            ProtocolError::Io(_) => "read error",
        }
    }

    /// True when the client gets an error reply before the connection closes.
    pub fn has_reply(&self) -> bool {
        self.message().is_some()
    }
}

/// Redis strips CR and LF from formatted error replies, turning them into spaces.
fn printable_in_error(byte: u8) -> u8 {
    match byte {
        b'\r' | b'\n' => b' ',
        other => other,
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtocolError::QueryBufferLimit { len, .. } => {
                write!(
                    f,
                    "query buffer of {len} bytes exceeds client-query-buffer-limit"
                )
            }
            ProtocolError::Io(err) => write!(f, "read error: {err}"),
            other => f.write_str(&other.message().unwrap_or_default()),
        }
    }
}

impl std::error::Error for ProtocolError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ProtocolError::Io(err) => Some(err.as_ref()),
            _ => None,
        }
    }
}

impl From<std::io::Error> for ProtocolError {
    fn from(err: std::io::Error) -> Self {
        ProtocolError::Io(Arc::new(err))
    }
}

/// The `Query buffer during protocol error: '...'` part of redis' verbose protocol-error
/// log line. `pending` is the unparsed input, which the parser leaves starting at the
/// offending element, as redis' `qb_pos` does.
pub fn query_buffer_sample(pending: &[u8]) -> String {
    const DUMP: usize = 128;
    // C string semantics: printing stops at a NUL byte.
    let cstr = |s: &[u8]| -> Vec<u8> { s.iter().copied().take_while(|&b| b != 0).collect() };
    let mut text = b"Query buffer during protocol error: '".to_vec();
    if pending.len() < DUMP {
        text.extend(cstr(pending));
        text.push(b'\'');
    } else {
        text.extend(cstr(&pending[..DUMP / 2]));
        text.extend(format!("' (... more {} bytes ...) '", pending.len() - DUMP).bytes());
        text.extend(cstr(&pending[pending.len() - DUMP / 2..]));
        text.push(b'\'');
    }
    // The message is built in a 256-byte buffer, so it is cut at 255 bytes.
    text.truncate(255);
    text.into_iter()
        .map(|b| {
            if (0x20..0x7f).contains(&b) {
                char::from(b)
            } else {
                '.'
            }
        })
        .collect()
}

/// Redis' `sdscatrepr`: a double-quoted, escaped rendering of bytes, used by the
/// "qbuf initial bytes" log line (with the first 64 bytes).
pub fn repr(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x07 => out.push_str("\\a"),
            0x08 => out.push_str("\\b"),
            0x20..=0x7e => out.push(char::from(b)),
            other => out.push_str(&format!("\\x{other:02x}")),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_texts() {
        assert_eq!(
            ProtocolError::InvalidMultibulkLength.reply(),
            Some(Frame::Error(
                "ERR Protocol error: invalid multibulk length".into()
            ))
        );
        assert_eq!(
            ProtocolError::ExpectedDollar(b'x').reply_bytes().as_deref(),
            Some(&b"-ERR Protocol error: expected '$', got 'x'\r\n"[..])
        );
        assert_eq!(
            ProtocolError::ExpectedDollar(b'\n')
                .reply_bytes()
                .as_deref(),
            Some(&b"-ERR Protocol error: expected '$', got ' '\r\n"[..])
        );
        assert_eq!(
            ProtocolError::ExpectedDollar(0xff).reply_bytes().as_deref(),
            Some(&b"-ERR Protocol error: expected '$', got '\xff'\r\n"[..])
        );
        let limit = ProtocolError::QueryBufferLimit {
            len: 5,
            head: Bytes::new(),
        };
        assert!(!limit.has_reply());
        assert_eq!(limit.reply_bytes(), None);
        assert!(ProtocolError::from(std::io::Error::other("x"))
            .reply()
            .is_none());
    }

    #[test]
    fn sample_and_repr() {
        assert_eq!(
            query_buffer_sample(b"*x\r\n\x00zz"),
            "Query buffer during protocol error: '*x..'"
        );
        let long = vec![b'a'; 300];
        let s = query_buffer_sample(&long);
        assert!(s.starts_with("Query buffer during protocol error: 'aaaa"));
        assert!(s.contains("' (... more 172 bytes ...) 'aaa"));
        assert_eq!(s.len(), 37 + 64 + 28 + 64 + 1);
        assert_eq!(repr(b"a\"\\\r\n\x01\x7f"), r#""a\"\\\r\n\x01\x7f""#);
    }
}
