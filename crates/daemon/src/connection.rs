//! One client's socket and its buffers: [`Requests`] reads bytes and hands out whole
//! commands, [`Replies`] queues encoded replies and writes them. The two halves are
//! separate so the session can wait on both at once. Nothing here knows the daemon's
//! state: what a command means, and when to stop, is the session's business.

use bytes::{Buf, Bytes, BytesMut};
use rsentinel_resp::{encode, Frame, Limits, Protocol, ProtocolError, RequestParser};
use std::io;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The reading half: what the client sent, parsed into commands.
pub struct Requests<R> {
    reader: R,
    parser: RequestParser,
    /// Read and not yet parsed: redis' query buffer.
    inbuf: BytesMut,
}

/// Reads of redis' size (`PROTO_IOBUF_LEN`) make the "too big" protocol errors trigger
/// at the same points as in redis.
const READ_LEN: usize = rsentinel_resp::PROTO_IOBUF_LEN;

impl<R: AsyncRead + Unpin> Requests<R> {
    pub fn new(reader: R, limits: Limits) -> Self {
        Requests {
            reader,
            parser: RequestParser::new(limits),
            inbuf: BytesMut::with_capacity(READ_LEN),
        }
    }

    /// Reads once; `Ok(0)` when the client closed. A TLS peer that closes without
    /// close_notify (redis-cli does) has simply closed. Cancel safe.
    pub async fn read(&mut self) -> io::Result<usize> {
        // Straight into the query buffer: a separate read buffer cost a copy per read
        // and 16 KiB per client.
        self.inbuf.reserve(READ_LEN);
        let mut limited = (&mut self.reader).take(READ_LEN as u64);
        match limited.read_buf(&mut self.inbuf).await {
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(0),
            other => other,
        }
    }

    /// The next whole command of what was read, `Ok(None)` until one is complete. Whether
    /// the client must still authenticate changes the parser's limits.
    pub fn next(&mut self, auth_required: bool) -> Result<Option<Vec<Bytes>>, ProtocolError> {
        self.parser.set_auth_required(auth_required);
        self.parser.parse(&mut self.inbuf)
    }

    /// Gives a run command's argument vector back to the parser.
    pub fn recycle(&mut self, args: Vec<Bytes>) {
        self.parser.recycle(args);
    }

    /// Bytes read and not yet executed (`qbuf` in CLIENT LIST).
    pub fn pending(&self) -> usize {
        self.inbuf.len() + self.parser.held_bytes()
    }

    /// What is left unparsed, for the protocol error's log line.
    pub fn unparsed(&self) -> &[u8] {
        &self.inbuf
    }

    /// Memory the buffer holds.
    pub fn capacity(&self) -> usize {
        self.inbuf.capacity()
    }
}

/// The writing half: encoded replies and pub/sub messages waiting for the socket.
pub struct Replies<W> {
    writer: W,
    out: BytesMut,
    /// TLS buffers what the socket did not take; it is pushed out by a flush once `out`
    /// is empty (a no-op on plain TCP).
    unflushed: bool,
}

impl<W: AsyncWrite + Unpin> Replies<W> {
    pub fn new(writer: W) -> Self {
        Replies {
            writer,
            out: BytesMut::new(),
            unflushed: false,
        }
    }

    /// Queues one reply, encoded in the client's protocol.
    pub fn push(&mut self, frame: &Frame, proto: Protocol) {
        encode(frame, proto, &mut self.out);
    }

    /// Queues bytes already encoded (a protocol error's reply).
    pub fn push_bytes(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
    }

    /// Bytes queued and not yet written.
    pub fn backlog(&self) -> usize {
        self.out.len()
    }

    /// Something waits to be written or flushed.
    pub fn has_work(&self) -> bool {
        !self.out.is_empty() || self.unflushed
    }

    /// Writes what the socket takes now (`Some(n)`; `Some(0)`: the socket is closed), or
    /// with nothing queued pushes out what TLS still buffers (`None`). Cancel safe: only
    /// as much as the socket takes is written, and the rest waits in the queue.
    pub async fn write_some(&mut self) -> io::Result<Option<usize>> {
        if self.out.is_empty() {
            self.writer.flush().await?;
            self.unflushed = false;
            return Ok(None);
        }
        let n = self.writer.write(&self.out).await?;
        if n > 0 {
            self.unflushed = true;
            self.out.advance(n);
        }
        Ok(Some(n))
    }

    /// Writes everything queued before the connection closes; returns the bytes written.
    pub async fn write_all(&mut self) -> io::Result<usize> {
        if self.out.is_empty() {
            self.writer.flush().await?;
            return Ok(0);
        }
        let n = self.out.len();
        self.writer.write_all(&self.out).await?;
        self.writer.flush().await?;
        self.out.clear();
        Ok(n)
    }

    /// Memory the queue holds.
    pub fn capacity(&self) -> usize {
        self.out.capacity()
    }
}
