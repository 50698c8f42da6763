//! The reply value. It is expressed in RESP3 terms because RESP3 is the richer protocol;
//! the encoder downgrades maps, sets, doubles, booleans, pushes and verbatim strings
//! for RESP2 clients exactly as redis does.

use bytes::Bytes;

/// Which protocol a client speaks: `HELLO 3` switches a connection to RESP3.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Protocol {
    /// What every connection starts in.
    #[default]
    Resp2,
    /// After `HELLO 3`.
    Resp3,
}

/// One reply, possibly nested.
#[derive(Clone, Debug, PartialEq)]
pub enum Frame {
    /// `+text`
    Simple(String),
    /// `-text`; the text carries its code, e.g. `ERR unknown command ...`.
    Error(String),
    /// `:n`
    Integer(i64),
    /// `$len\r\nbytes`
    Bulk(Bytes),
    /// RESP2 `$-1`, RESP3 `_`.
    Null,
    /// RESP2 `*-1`, RESP3 `_`.
    NullArray,
    /// `*n`
    Array(Vec<Frame>),
    /// RESP3 `%n`; a flat array of 2n items in RESP2.
    Map(Vec<(Frame, Frame)>),
    /// RESP3 `~n`; an array in RESP2.
    Set(Vec<Frame>),
    /// RESP3 `,d`; a bulk string in RESP2.
    Double(f64),
    /// RESP3 `#t`/`#f`; `:1`/`:0` in RESP2.
    Boolean(bool),
    /// RESP3 `=len\r\nfmt:text`; a bulk string in RESP2.
    Verbatim {
        /// `txt` or `mkd`.
        format: [u8; 3],
        /// The text after `fmt:`.
        text: Bytes,
    },
    /// RESP3 `>n` (pub/sub messages); an array in RESP2.
    Push(Vec<Frame>),
}

impl Frame {
    /// `+OK`, the most common reply.
    pub fn ok() -> Frame {
        Frame::Simple("OK".to_string())
    }

    /// An error reply; `text` includes the code (`ERR ...`, `NOAUTH ...`).
    pub fn error(text: impl Into<String>) -> Frame {
        Frame::Error(text.into())
    }

    /// A bulk string from anything byte-like.
    pub fn bulk(data: impl Into<Bytes>) -> Frame {
        Frame::Bulk(data.into())
    }

    /// A bulk string from a `&str`, copying it.
    pub fn bulk_str(s: &str) -> Frame {
        Frame::Bulk(Bytes::copy_from_slice(s.as_bytes()))
    }

    /// An array of bulk strings.
    pub fn bulk_array<I, S>(items: I) -> Frame
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        Frame::Array(
            items
                .into_iter()
                .map(|s| Frame::bulk_str(s.as_ref()))
                .collect(),
        )
    }

    /// True for error replies (used by callers that count failed commands).
    pub fn is_error(&self) -> bool {
        matches!(self, Frame::Error(_))
    }
}
