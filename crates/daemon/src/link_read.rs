//! How a link reads: into one buffer that all links of the thread share, or into a
//! buffer of its own while a reply is unfinished, with room sized for what is to come.
//! Thousands of links mostly carry PONGs and hellos, so an idle link holds no buffer.

use bytes::BytesMut;
use std::cell::RefCell;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

/// The least room offered to one read into a link's own buffer (a reply begun in an
/// earlier read, or every read under `resolve-hostnames`). Just under 1 KB on purpose:
/// glibc serves a request of 1 KB or more from its large bins, and each such request
/// first merges every small chunk freed since (`malloc_consolidate`).
pub(crate) const READ_SIZE: usize = 1000;

/// Room of the read buffer that all links of the thread share.
pub(crate) const SHARED_READ_SIZE: usize = 16 * 1024;

thread_local! {
    /// One read buffer for every link of the thread. A link with nothing left over
    /// reads into it and takes its whole replies out in the same poll; only an
    /// unfinished reply moves to a buffer of the link's own. Before, every read went
    /// into a buffer of the link's own, taken per read and given back once empty (so
    /// that idle links hold none): a `malloc` and a `free` per read, thousands a second
    /// at a few hundred masters.
    pub(crate) static SHARED_READ: RefCell<BytesMut> = RefCell::new(BytesMut::new());
}

/// One read of a link's stream into `buf`.
pub(crate) trait ReadSome {
    /// Reads what has arrived into `buf`, with at least `room` free in it; `Ok(0)` at
    /// the end of the stream.
    fn poll_read_some(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut BytesMut,
        room: usize,
    ) -> Poll<std::io::Result<usize>>;
}

impl ReadSome for TcpStream {
    /// Waits for the socket to be readable before taking room in `buf`, so that a link
    /// waiting for its next reply holds no buffer. The readiness is polled, not awaited
    /// as `readable()`: that future holds a waiter (152 bytes in every link task).
    /// The read goes through `AsyncRead`, which, on a read that does not fill the room,
    /// knows the socket drained and forgets the readiness: with `try_read_buf` every
    /// reply cost a second `recv` that found nothing (53k `recv` calls in 10 s at 500
    /// masters against redis-sentinel's 29k).
    fn poll_read_some(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut BytesMut,
        room: usize,
    ) -> Poll<std::io::Result<usize>> {
        ready!(self.poll_read_ready(cx))?;
        buf.reserve(room);
        tokio_util::io::poll_read_buf(Pin::new(self), cx, buf)
    }
}

impl ReadSome for TlsStream<TcpStream> {
    /// rustls keeps buffers of its own per connection; ours is taken up front.
    fn poll_read_some(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut BytesMut,
        room: usize,
    ) -> Poll<std::io::Result<usize>> {
        buf.reserve(room);
        tokio_util::io::poll_read_buf(Pin::new(self), cx, buf)
    }
}

/// The most room reserved at once for the rest of a bulk reply whose header says how
/// long it is; a longer one (only a hostile peer sends one) grows as it arrives.
pub(crate) const MAX_RESERVE: usize = 64 * 1024;

/// Room for the next read: the rest of a bulk reply already begun (an INFO reply, about
/// 5 KB, then takes one read instead of one per [`READ_SIZE`]), else [`READ_SIZE`].
pub(crate) fn room_for_rest(inbuf: &[u8]) -> usize {
    let Some(rest) = inbuf.strip_prefix(b"$") else {
        return READ_SIZE;
    };
    let Some(end) = rest.iter().position(|&b| b == b'\r') else {
        return READ_SIZE;
    };
    let len = std::str::from_utf8(&rest[..end])
        .ok()
        .and_then(|s| s.parse::<usize>().ok());
    match len {
        // `$`, the digits, CRLF, the payload and its CRLF.
        Some(len) => (1 + end + 2)
            .saturating_add(len)
            .saturating_add(2)
            .saturating_sub(inbuf.len())
            .clamp(READ_SIZE, MAX_RESERVE),
        None => READ_SIZE,
    }
}

#[cfg(test)]
mod room_tests {
    use super::{room_for_rest, MAX_RESERVE, READ_SIZE};

    #[test]
    fn a_begun_bulk_reply_gets_room_for_all_of_it() {
        // 5000 bytes of payload, 1024 already in: the rest of the header (7), the
        // payload and its CRLF.
        let mut buf = b"$5000\r\n".to_vec();
        buf.resize(1024, b'x');
        assert_eq!(room_for_rest(&buf), 7 + 5000 + 2 - 1024);
        // Nearly complete: at least a normal read.
        buf.resize(5000, b'x');
        assert_eq!(room_for_rest(&buf), READ_SIZE);
    }

    #[test]
    fn anything_else_gets_a_normal_read_and_a_huge_header_no_more_than_the_cap() {
        for buf in [
            &b""[..],
            b"+PONG",
            b"$12",
            b"$x\r\n",
            b"*3\r\n$7\r\nmessage",
        ] {
            assert_eq!(room_for_rest(buf), READ_SIZE, "{buf:?}");
        }
        assert_eq!(room_for_rest(b"$999999999999\r\n"), MAX_RESERVE);
        assert_eq!(room_for_rest(b"$99999999999999999999999\r\n"), READ_SIZE);
    }
}
