//! Client side: decoding the replies of redis servers and sentinels (RESP2, or RESP3 after
//! `HELLO 3`) into [`Frame`]s, for the sentinel's links and for tests acting as clients.
//!
//! The scanner finds where a reply ends (bounded, linear, depth-limited); `redis-protocol`
//! then parses the complete reply into ranges, which become [`Frame`]s sharing the input.

use bytes::{Buf, Bytes};
use redis_protocol::resp2::decode::decode_range as decode_resp2;
use redis_protocol::resp2::types::RangeFrame as Range2;
use redis_protocol::resp3::decode::complete::decode_range as decode_resp3;
use redis_protocol::resp3::types::{RangeFrame as Range3, VerbatimStringFormat};

use crate::frame::{Frame, Protocol};
use crate::scan::{ScanError, Scanner, MAX_DEPTH};

/// Default largest reply accepted: far above any sentinel or `INFO` reply, far below what
/// would hurt the process.
pub const DEFAULT_MAX_REPLY_SIZE: usize = 64 * 1024 * 1024;

/// Why a reply stream cannot be decoded; the connection should be dropped.
#[derive(Debug, thiserror::Error)]
pub enum ReplyError {
    /// Bytes that are not a reply in the current protocol.
    #[error("malformed reply: {0}")]
    Malformed(String),
    /// A reply larger than the decoder's limit, or declaring a larger length.
    #[error("reply larger than {limit} bytes")]
    TooLarge {
        /// The decoder's limit in bytes.
        limit: usize,
    },
    /// Aggregates nested deeper than the decoder accepts.
    #[error("reply nested deeper than {0} levels")]
    TooDeep(usize),
    /// Aggregates declaring more elements in all than the decoder accepts.
    #[error("reply with more than {limit} elements")]
    TooManyElements {
        /// The decoder's limit on elements.
        limit: u64,
    },
    /// Reading failed, or the peer closed in the middle of a reply.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// A decoder of replies (with the `codec` feature, also a `tokio_util` `Decoder`). It starts in RESP2; switch it with
/// [`ReplyDecoder::set_protocol`] before the reply to `HELLO 3` arrives (redis already sends
/// that reply in RESP3), and back if `HELLO` fails. In RESP3 mode the RESP2-only `$-1`
/// and `*-1` are rejected, as redis never sends them to RESP3 clients. Attributes are
/// dropped, big numbers become bulk strings, verbatim strings must be `txt` or `mkd`, and
/// invalid UTF-8 in simple strings and errors is replaced by U+FFFD.
#[derive(Debug)]
pub struct ReplyDecoder {
    proto: Protocol,
    max: usize,
    max_elements: u64,
    scanner: Scanner,
}

impl ReplyDecoder {
    /// A RESP2 decoder with [`DEFAULT_MAX_REPLY_SIZE`].
    pub fn new() -> Self {
        ReplyDecoder::with_max_frame_size(DEFAULT_MAX_REPLY_SIZE)
    }

    /// A RESP2 decoder refusing replies over `max` bytes.
    pub fn with_max_frame_size(max: usize) -> Self {
        ReplyDecoder::with_limits(max, u64::MAX)
    }

    /// A RESP2 decoder refusing replies over `max` bytes or whose aggregates declare more
    /// than `max_elements` elements in all (nested ones included). Decoding cost follows
    /// the element count, so a link that only ever gets short replies (PING, votes) can
    /// refuse a huge array at its header instead of building it.
    pub fn with_limits(max: usize, max_elements: u64) -> Self {
        ReplyDecoder {
            proto: Protocol::Resp2,
            max,
            max_elements,
            scanner: Scanner::default(),
        }
    }

    /// The protocol replies are expected in.
    pub fn protocol(&self) -> Protocol {
        self.proto
    }

    /// Switches protocol. Meant to be called between replies: a partly received reply is
    /// scanned again from its start in the new protocol.
    pub fn set_protocol(&mut self, proto: Protocol) {
        if proto != self.proto {
            self.proto = proto;
            self.scanner = Scanner::default();
        }
    }

    /// The largest reply accepted.
    pub fn max_frame_size(&self) -> usize {
        self.max
    }
}

impl Default for ReplyDecoder {
    fn default() -> Self {
        ReplyDecoder::new()
    }
}

impl ReplyDecoder {
    /// Takes the next whole reply off the front of `src`; `Ok(None)` until one is
    /// complete. An error means the stream cannot be decoded any further.
    pub fn decode(&mut self, src: &mut bytes::BytesMut) -> Result<Option<Frame>, ReplyError> {
        self.decode_from(src, true)
    }

    /// [`ReplyDecoder::decode`] from a buffer that is reused for other streams: the
    /// reply is always copied out, never takes the buffer's room with it.
    pub fn decode_copied(
        &mut self,
        src: &mut bytes::BytesMut,
    ) -> Result<Option<Frame>, ReplyError> {
        self.decode_from(src, false)
    }

    fn decode_from(
        &mut self,
        src: &mut bytes::BytesMut,
        may_take: bool,
    ) -> Result<Option<Frame>, ReplyError> {
        let scanned = self
            .scanner
            .scan(src, self.proto, self.max, self.max_elements)
            .map_err(|err| match err {
                ScanError::Malformed(why) => ReplyError::Malformed(why),
                ScanError::TooLarge => ReplyError::TooLarge { limit: self.max },
                ScanError::TooDeep => ReplyError::TooDeep(MAX_DEPTH),
                ScanError::TooMany => ReplyError::TooManyElements {
                    limit: self.max_elements,
                },
            })?;
        let Some((len, nulls)) = scanned else {
            return Ok(None);
        };
        // A reply that arrived whole in one read must meet the same limit as one arriving
        // piecemeal (which the scanner refuses once the buffer passes it).
        if len > self.max {
            return Err(ReplyError::TooLarge { limit: self.max });
        }
        // The reply is copied out rather than split off: a frame sharing the read
        // buffer would pin it, so every read while a frame is alive would need a new
        // buffer, and each link would keep a buffer as large as its longest reply.
        // A reply that is all the buffer holds (an INFO reply read into room sized for
        // it) takes the buffer itself: nothing is left to pin, and 5 KB is not copied.
        let data = if may_take && len == src.len() {
            std::mem::take(src).freeze()
        } else {
            let data = Bytes::copy_from_slice(&src[..len]);
            src.advance(len);
            data
        };
        let frame = match self.proto {
            Protocol::Resp2 => {
                let range = complete(decode_resp2(&data), len)?;
                let mut nulls = nulls.into_iter();
                from_resp2(&data, &range, &mut nulls)?
            }
            Protocol::Resp3 => {
                let range = complete(decode_resp3(&data), len)?;
                from_resp3(&data, &range)?
            }
        };
        Ok(Some(frame))
    }

    /// [`ReplyDecoder::decode`] at the end of the stream: bytes left over are a reply
    /// cut short, an error (as `tokio_util`'s `Decoder::decode_eof` has it).
    pub fn decode_eof(&mut self, src: &mut bytes::BytesMut) -> Result<Option<Frame>, ReplyError> {
        match self.decode(src)? {
            Some(frame) => Ok(Some(frame)),
            None if src.is_empty() => Ok(None),
            None => Err(std::io::Error::other("bytes remaining on stream").into()),
        }
    }
}

#[cfg(feature = "codec")]
impl tokio_util::codec::Decoder for ReplyDecoder {
    type Item = Frame;
    type Error = ReplyError;

    fn decode(&mut self, src: &mut bytes::BytesMut) -> Result<Option<Frame>, ReplyError> {
        ReplyDecoder::decode(self, src)
    }

    fn decode_eof(&mut self, src: &mut bytes::BytesMut) -> Result<Option<Frame>, ReplyError> {
        ReplyDecoder::decode_eof(self, src)
    }
}

/// The scanner already established that exactly `len` bytes form one reply.
fn complete<T>(
    decoded: Result<Option<(T, usize)>, redis_protocol::error::RedisProtocolError>,
    len: usize,
) -> Result<T, ReplyError> {
    match decoded {
        Ok(Some((range, used))) if used == len => Ok(range),
        Ok(_) => Err(ReplyError::Malformed("reply boundaries disagree".into())),
        Err(err) => Err(ReplyError::Malformed(err.details().to_string())),
    }
}

fn slice(data: &Bytes, (start, end): (usize, usize)) -> Result<Bytes, ReplyError> {
    if start <= end && end <= data.len() {
        Ok(data.slice(start..end))
    } else {
        Err(ReplyError::Malformed("range outside the reply".into()))
    }
}

fn text(data: &Bytes, range: (usize, usize)) -> Result<String, ReplyError> {
    slice(data, range).map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// `nulls` says, in stream order, which nulls were `*-1`: redis-protocol folds both kinds
/// into one.
fn from_resp2(
    data: &Bytes,
    range: &Range2,
    nulls: &mut std::vec::IntoIter<bool>,
) -> Result<Frame, ReplyError> {
    Ok(match range {
        Range2::SimpleString(r) => Frame::Simple(text(data, *r)?),
        Range2::Error(r) => Frame::Error(text(data, *r)?),
        Range2::Integer(n) => Frame::Integer(*n),
        Range2::BulkString(r) => Frame::Bulk(slice(data, *r)?),
        Range2::Null => match nulls.next() {
            Some(true) => Frame::NullArray,
            _ => Frame::Null,
        },
        Range2::Array(items) => Frame::Array(
            items
                .iter()
                .map(|item| from_resp2(data, item, nulls))
                .collect::<Result<_, _>>()?,
        ),
    })
}

fn from_resp3(data: &Bytes, range: &Range3) -> Result<Frame, ReplyError> {
    let list = |items: &mut dyn Iterator<Item = &Range3>| -> Result<Vec<Frame>, ReplyError> {
        items.map(|item| from_resp3(data, item)).collect()
    };
    Ok(match range {
        Range3::BlobString { data: r, .. } | Range3::BigNumber { data: r, .. } => {
            Frame::Bulk(slice(data, *r)?)
        }
        Range3::BlobError { data: r, .. } | Range3::SimpleError { data: r, .. } => {
            Frame::Error(text(data, *r)?)
        }
        Range3::SimpleString { data: r, .. } => Frame::Simple(text(data, *r)?),
        Range3::Boolean { data: b, .. } => Frame::Boolean(*b),
        Range3::Null => Frame::Null,
        Range3::Number { data: n, .. } => Frame::Integer(*n),
        Range3::Double { data: d, .. } => Frame::Double(*d),
        Range3::VerbatimString {
            data: r, format, ..
        } => Frame::Verbatim {
            format: match format {
                VerbatimStringFormat::Text => *b"txt",
                VerbatimStringFormat::Markdown => *b"mkd",
            },
            text: slice(data, *r)?,
        },
        Range3::Array { data: items, .. } => Frame::Array(list(&mut items.iter())?),
        Range3::Push { data: items, .. } => Frame::Push(list(&mut items.iter())?),
        Range3::Set { data: items, .. } => Frame::Set(list(&mut items.iter())?),
        // redis-protocol builds its map from the last pair backwards.
        Range3::Map { data: pairs, .. } => Frame::Map(
            pairs
                .iter()
                .rev()
                .map(|(k, v)| Ok((from_resp3(data, k)?, from_resp3(data, v)?)))
                .collect::<Result<_, ReplyError>>()?,
        ),
        Range3::Hello { .. } | Range3::ChunkedString(_) => {
            return Err(ReplyError::Malformed("not a reply".into()))
        }
    })
}
