//! Outbound links to monitored instances (masters, replicas, other sentinels).
//!
//! A link is a dumb pipe on purpose: it connects, writes the commands it is given and
//! reports every reply, message and disconnection back, tagged with the id of the core's
//! connection. What to send (AUTH, CLIENT SETNAME, PING, INFO, SUBSCRIBE, ...) and what
//! replies mean is decided by the pure core, so the same logic runs unchanged in the
//! simulator.

use crate::hosts::Hosts;
use crate::link_events::EventSender;
use crate::link_read::{room_for_rest, ReadSome, SHARED_READ, SHARED_READ_SIZE};
use bytes::{Bytes, BytesMut};
use rsentinel_core::{ConnId, ReplyBound};
use rsentinel_resp::{encode_command, Frame, ReplyDecoder};
use socket2::{Domain, Protocol, Socket, Type};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{ready, Context, Poll, Waker};
use std::time::Duration;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// The core's connection id (`ConnId`) a task was opened with. It names one TCP
/// connection, not a link: a reconnection is a new task with a new id, so the core can
/// recognise and ignore late reports from a connection it already gave up.
pub type ConnNumber = u64;

/// What a link reports to the driver.
#[derive(Debug, PartialEq)]
pub enum LinkEvent {
    /// The TCP connection is established (with our local IP on it, which hellos
    /// announce); nothing was sent yet.
    Connected(ConnNumber, String),
    /// One decoded reply or pushed message, in arrival order.
    Reply(ConnNumber, Frame),
    /// The peer sent what no honest instance sends (a reply over the link's bound, or
    /// bytes that are no reply); `Closed` follows at once.
    Refused(ConnNumber, String),
    /// The connection failed or was lost (or closed on request); the task has ended.
    Closed(ConnNumber, String),
}

/// The commands waiting for one link task, and what wakes it. A plain queue rather
/// than a channel: a channel's first block (32 slots, about 1 KB) stayed with every
/// link, idle or not, and a few hundred masters make thousands of links.
///
/// The wake-up is a flag and the task's waker, not a `Notify`: one task waits on each
/// queue, and a `Notify`'s waiter (64 bytes in every link task, a lock on every wait
/// and wake) paid for many.
#[derive(Default)]
struct Queue {
    /// The commands not yet written, already in RESP, each reply coming back as a
    /// [`LinkEvent::Reply`] in order. Encoded as they are queued, so that the task
    /// writes the bytes as they are: one buffer per write, and no queue of argument
    /// vectors besides.
    commands: RefCell<BytesMut>,
    /// Close the connection; the task ends after reporting `Closed`.
    close: Cell<bool>,
    /// The task has ended: nothing queued would be sent.
    ended: Cell<bool>,
    /// Something was queued (or close asked) since the task last looked.
    woken: Cell<bool>,
    /// The link task, while it waits.
    waker: Cell<Option<Waker>>,
}

impl std::fmt::Debug for Queue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Queue")
            .field("queued_bytes", &self.commands.borrow().len())
            .field("close", &self.close.get())
            .field("ended", &self.ended.get())
            .finish()
    }
}

impl Queue {
    /// Everything queued, oldest first; the queue's room goes with it, so an idle
    /// link holds none.
    fn take(&self) -> BytesMut {
        std::mem::take(&mut *self.commands.borrow_mut())
    }

    /// Tells the link task to look at the queue.
    fn wake(&self) {
        self.woken.set(true);
        if let Some(w) = self.waker.take() {
            w.wake();
        }
    }

    /// Ready once [`Queue::wake`] was called since the last time it was.
    fn poll_woken(&self, cx: &mut Context<'_>) -> Poll<()> {
        if self.woken.replace(false) {
            return Poll::Ready(());
        }
        match self.waker.take() {
            Some(w) if w.will_wake(cx.waker()) => self.waker.set(Some(w)),
            _ => self.waker.set(Some(cx.waker().clone())),
        }
        Poll::Pending
    }
}

/// Marks the queue ended when the task ends, however it ends.
struct Ended(Rc<Queue>);

impl Drop for Ended {
    fn drop(&mut self) {
        self.0.ended.set(true);
        drop(self.0.take());
    }
}

/// Room taken for the first command queued on an idle link: a PING with a hello, as
/// a timer run queues them together, fits.
const FIRST_ROOM: usize = 256;

/// The driver's handle on one link task; dropping it closes the link.
#[derive(Debug)]
pub struct LinkHandle {
    queue: Rc<Queue>,
    /// `host:port`, for log lines about the link.
    pub addr: String,
}

impl LinkHandle {
    /// Queues a command; false if the link task has already ended.
    pub fn send(&self, args: &[Bytes]) -> bool {
        if self.queue.ended.get() {
            return false;
        }
        let mut queued = self.queue.commands.borrow_mut();
        // Room taken once for what a timer run usually queues (a PING with a hello):
        // growing the buffer as it filled cost reallocations.
        let size = args.iter().map(|a| a.len() + ARG_OVERHEAD).sum::<usize>() + ARG_OVERHEAD;
        if queued.capacity() == 0 {
            queued.reserve(size.max(FIRST_ROOM));
        } else {
            queued.reserve(size);
        }
        encode_command(args, &mut queued);
        drop(queued);
        self.queue.wake();
        true
    }

    /// Asks the link to close.
    pub fn close(&self) {
        self.queue.close.set(true);
        self.queue.wake();
    }
}

impl Drop for LinkHandle {
    fn drop(&mut self) {
        self.close();
    }
}

/// The open links by the core's connection id, and where their tasks report.
pub struct Links {
    handles: HashMap<ConnId, LinkHandle>,
    events: EventSender,
    hosts: Hosts,
}

impl Links {
    /// Links reporting to `events`; their host names go into `hosts`.
    pub fn new(events: EventSender, hosts: Hosts) -> Links {
        Links {
            handles: HashMap::new(),
            events,
            hosts,
        }
    }

    /// Starts connection `conn` (see [`open`]); `Err` when it was refused at once.
    pub fn open(
        &mut self,
        conn: ConnId,
        host: String,
        port: u16,
        bound: ReplyBound,
        tls: Option<TlsConnector>,
    ) -> Result<(), String> {
        let events = self.events.clone();
        let handle = open(conn.0, host, port, bound, events, tls, self.hosts.clone())?;
        self.handles.insert(conn, handle);
        Ok(())
    }

    /// Queues a command on `conn`, if it is open.
    pub fn send(&self, conn: ConnId, args: &[Bytes]) {
        if let Some(h) = self.handles.get(&conn) {
            h.send(args);
        }
    }

    /// Closes `conn` at the core's request.
    pub fn close(&mut self, conn: ConnId) {
        if let Some(h) = self.handles.remove(&conn) {
            h.close();
        }
    }

    /// Forgets `conn`, whose task has ended.
    pub fn ended(&mut self, conn: ConnId) {
        self.handles.remove(&conn);
    }

    /// `host:port` of `conn`, for log lines.
    pub fn addr(&self, conn: ConnId) -> Option<&str> {
        self.handles.get(&conn).map(|h| h.addr.as_str())
    }
}

/// Room for the RESP framing of one argument (`$<len>\r\n` and `\r\n`) or of one
/// command's `*<n>\r\n`, with lengths below ten million.
const ARG_OVERHEAD: usize = 12;

/// How long a connection attempt may take before it counts as failed.
pub const CONNECT_TIMEOUT: Duration = Duration::from_millis(1000);

/// How long a TLS handshake on a link may take before the link counts as failed.
pub const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);

/// Starts connecting to `host:port` and a link task on the current `LocalSet` to carry
/// the connection; with `tls` (`tls-replication yes`) the connection runs over TLS.
///
/// For an IP address the non-blocking `connect()` is issued here and now, like hiredis
/// does: a refusal the kernel already knows (a closed port on this machine) is returned
/// as `Err` at once, so the caller can mark the link down before anyone can observe it
/// as connected, exactly as redis-sentinel behaves. Host names are resolved by the task.
/// Under `resolve-hostnames` the host names a reply carries are looked up into `hosts`
/// before the reply is reported (see [`crate::hosts`]).
pub fn open(
    id: ConnNumber,
    host: String,
    port: u16,
    bound: ReplyBound,
    events: EventSender,
    tls: Option<TlsConnector>,
    hosts: Hosts,
) -> Result<LinkHandle, String> {
    let queue = Rc::new(Queue::default());
    let rx = queue.clone();
    let addr = format!("{host}:{port}");
    let link = Box::new(Pump {
        id,
        events,
        decoder: ReplyDecoder::with_limits(bound.bytes, bound.elements),
        hosts,
    });
    let connect: Connect = match host.parse::<IpAddr>() {
        Ok(ip) => {
            let stream = start_connect(SocketAddr::new(ip, port)).map_err(|e| e.to_string())?;
            Box::pin(finish_connect(stream))
        }
        Err(_) => Box::pin(async move { TcpStream::connect((host.as_str(), port)).await }),
    };
    tokio::task::spawn_local(run(connect, tls, rx, link));
    Ok(LinkHandle { queue, addr })
}

/// A non-blocking connect; errors already known after the call are returned.
fn start_connect(addr: SocketAddr) -> std::io::Result<std::net::TcpStream> {
    let sock = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    sock.set_nonblocking(true)?;
    match sock.connect(&addr.into()) {
        Ok(()) => {}
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
        Err(e) => return Err(e),
    }
    if let Some(e) = sock.take_error()? {
        return Err(e);
    }
    Ok(sock.into())
}

/// Finishes a connect started by [`start_connect`].
async fn finish_connect(stream: std::net::TcpStream) -> std::io::Result<TcpStream> {
    let stream = TcpStream::from_std(stream)?;
    stream.writable().await?;
    match stream.take_error()? {
        Some(e) => Err(e),
        None => Ok(stream),
    }
}

/// A connect in progress. Boxed, as is the [`Pump`]: an async fn keeps every argument
/// for its whole life, so inline they made each of the thousands of link tasks larger
/// by their size, once per async fn they pass through.
type Connect = Pin<Box<dyn Future<Output = std::io::Result<TcpStream>>>>;

/// Waits for `connect` (at most [`CONNECT_TIMEOUT`]), then runs the link; a failed or
/// timed-out connect is reported as the link closing.
async fn run(connect: Connect, tls: Option<TlsConnector>, commands: Rc<Queue>, link: Box<Pump>) {
    let _ended = Ended(commands.clone());
    // Boxed: the timer is needed once, and inline it made every link task larger for
    // the life of the link.
    let stream = match Box::pin(tokio::time::timeout(CONNECT_TIMEOUT, connect)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            let _ = link.events.send(LinkEvent::Closed(link.id, e.to_string()));
            return;
        }
        Err(_) => {
            let reason = "connection timed out".into();
            let _ = link.events.send(LinkEvent::Closed(link.id, reason));
            return;
        }
    };
    serve(link, stream, tls, commands).await;
}

/// Why a link ends when its peer closed the connection.
const PEER_CLOSED: &str = "connection closed by peer";

/// What one poll of a link found.
enum Turn {
    /// Commands were queued, or the link was asked to close.
    Commands,
    /// Bytes were read into the link's own buffer: its whole replies are to be reported.
    Read,
    /// Bytes were read into the shared buffer, and its whole replies reported.
    Reported,
    /// The connection ended or failed, or a reply was refused; why.
    Ended(String),
}

/// What the pump of one connection needs besides the stream and the commands.
struct Pump {
    id: ConnNumber,
    events: EventSender,
    decoder: ReplyDecoder,
    hosts: Hosts,
}

/// Reports the connection up and pumps it until it ends. Under TLS the link counts as
/// connected once TCP is, as with hiredis: commands wait for the handshake.
async fn serve(
    mut link: Box<Pump>,
    mut stream: TcpStream,
    tls: Option<TlsConnector>,
    commands: Rc<Queue>,
) {
    let (id, events) = (link.id, link.events.clone());
    let _ = stream.set_nodelay(true);
    let local_ip = stream
        .local_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    let peer_ip = stream.peer_addr().map(|a| a.ip());
    if events.send(LinkEvent::Connected(id, local_ip)).is_err() {
        return;
    }
    let reason = match tls {
        None => link.pump(&mut stream, &commands).await,
        // Boxed: a link task's future is as large as its largest branch, and the TLS
        // one holds a whole rustls connection; inline, every plain link paid for it
        // (3.9 KB a link, thousands of links at a few hundred masters).
        Some(connector) => {
            let peer_ip = peer_ip.ok();
            Box::pin(link.pump_tls(stream, peer_ip, connector, &commands)).await
        }
    };
    let _ = events.send(LinkEvent::Closed(id, reason));
}

impl Pump {
    /// The TLS handshake, then [`Pump::pump`] over the TLS stream; returns why it ended.
    async fn pump_tls(
        &mut self,
        stream: TcpStream,
        peer_ip: Option<IpAddr>,
        connector: TlsConnector,
        commands: &Queue,
    ) -> String {
        // The name is not used: SNI is off and the peer's name is not checked (redis
        // checks the chain only); rustls needs one all the same.
        let ip = peer_ip.unwrap_or(IpAddr::from([127, 0, 0, 1]));
        let name = rustls_pki_types::ServerName::IpAddress(ip.into());
        match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, connector.connect(name, stream)).await {
            Ok(Ok(mut tls_stream)) => self.pump(&mut tls_stream, commands).await,
            Ok(Err(e)) => format!("TLS handshake failed: {e}"),
            Err(_) => "TLS handshake timed out".into(),
        }
    }

    /// Moves commands out and replies in until the connection ends; returns why.
    ///
    /// Thousands of links mostly carry PONGs and hellos, so an idle link holds no
    /// buffer: replies are read into the thread's shared buffer ([`SHARED_READ`]), a
    /// buffer of the link's own is held only while a reply is unfinished, and the
    /// write buffer only until written.
    async fn pump<S: ReadSome + AsyncWrite + Unpin>(
        &mut self,
        stream: &mut S,
        commands: &Queue,
    ) -> String {
        let mut inbuf = BytesMut::new();
        loop {
            // Commands first, then replies; polled by hand rather than with `select!`,
            // whose futures (a `Notify` waiter, a readiness waiter) every link task
            // carried while idle.
            let turn = std::future::poll_fn(|cx| {
                if commands.poll_woken(cx).is_ready() {
                    return Poll::Ready(Turn::Commands);
                }
                // `resolve-hostnames` looks names up between replies, across awaits:
                // its replies cannot stay in the shared buffer meanwhile.
                if inbuf.is_empty() && !self.hosts.enabled() {
                    return SHARED_READ
                        .with_borrow_mut(|shared| {
                            self.poll_read_shared(cx, stream, shared, &mut inbuf)
                        })
                        .map(|r| r.map_or_else(Turn::Ended, |()| Turn::Reported));
                }
                let room = room_for_rest(&inbuf);
                stream
                    .poll_read_some(cx, &mut inbuf, room)
                    .map(|r| match r {
                        Ok(0) => Turn::Ended(PEER_CLOSED.into()),
                        Ok(_) => Turn::Read,
                        Err(e) => Turn::Ended(e.to_string()),
                    })
            })
            .await;
            match turn {
                Turn::Commands => {
                    if commands.close.get() {
                        return "closed".into();
                    }
                    // Everything already queued goes in the same write.
                    let out = commands.take();
                    if out.is_empty() {
                        continue;
                    }
                    if let Err(e) = stream.write_all(&out).await {
                        return e.to_string();
                    }
                    if let Err(e) = stream.flush().await {
                        return e.to_string();
                    }
                }
                Turn::Ended(why) => return why,
                Turn::Reported => {}
                Turn::Read => {
                    let reported = if self.hosts.enabled() {
                        // Boxed: only `resolve-hostnames` looks names up, and inline the
                        // lookup's state made every link task larger.
                        Box::pin(self.report_replies_looking_up(&mut inbuf)).await
                    } else {
                        self.report_replies(&mut inbuf)
                    };
                    if let Err(why) = reported {
                        return why;
                    }
                    if inbuf.is_empty() {
                        inbuf = BytesMut::new();
                    }
                }
            }
        }
    }

    /// One read into the thread's shared buffer (empty between polls), whose whole
    /// replies are reported at once; the rest of it, an unfinished reply, moves into
    /// `own`. `Err` ends the link.
    fn poll_read_shared<S: ReadSome>(
        &mut self,
        cx: &mut Context<'_>,
        stream: &mut S,
        shared: &mut BytesMut,
        own: &mut BytesMut,
    ) -> Poll<Result<(), String>> {
        // Empty already, unless a poll before this one panicked halfway (a panic ends
        // only its own task): another link's bytes must never be read as this one's.
        shared.clear();
        match ready!(stream.poll_read_some(cx, shared, SHARED_READ_SIZE)) {
            Ok(0) => return Poll::Ready(Err(PEER_CLOSED.into())),
            Ok(_) => {}
            Err(e) => return Poll::Ready(Err(e.to_string())),
        }
        let mut reported = Ok(());
        while let Some(frame) = self.decode_copied(shared).transpose() {
            if let Err(why) = frame.and_then(|f| self.report(f)) {
                reported = Err(why);
                break;
            }
        }
        if reported.is_ok() && !shared.is_empty() {
            let mut rest = BytesMut::with_capacity(shared.len() + room_for_rest(shared));
            rest.extend_from_slice(shared);
            *own = rest;
        }
        shared.clear();
        Poll::Ready(reported)
    }

    /// Reports every whole reply in `inbuf`, in order; `Err` ends the link.
    fn report_replies(&mut self, inbuf: &mut BytesMut) -> Result<(), String> {
        while let Some(frame) = self.decode(inbuf)? {
            self.report(frame)?;
        }
        Ok(())
    }

    /// [`Pump::report_replies`], with the host names each reply carries looked up
    /// first (`resolve-hostnames`, see [`crate::hosts`]).
    async fn report_replies_looking_up(&mut self, inbuf: &mut BytesMut) -> Result<(), String> {
        while let Some(frame) = self.decode(inbuf)? {
            let names = crate::hosts::names_in_frame(&frame);
            if !names.is_empty() {
                self.hosts.refresh(names).await;
            }
            self.report(frame)?;
        }
        Ok(())
    }

    /// The next whole reply in `inbuf`; a malformed or oversized one is reported
    /// refused and ends the link.
    fn decode(&mut self, inbuf: &mut BytesMut) -> Result<Option<Frame>, String> {
        let decoded = self.decoder.decode(inbuf);
        decoded.map_err(|e| self.refused(e))
    }

    /// [`Pump::decode`] from the shared buffer, copying each reply out.
    fn decode_copied(&mut self, shared: &mut BytesMut) -> Result<Option<Frame>, String> {
        let decoded = self.decoder.decode_copied(shared);
        decoded.map_err(|e| self.refused(e))
    }

    /// Reports the link refused for `e`; the reason ends the link.
    fn refused(&self, e: rsentinel_resp::ReplyError) -> String {
        let why = e.to_string();
        let _ = self.events.send(LinkEvent::Refused(self.id, why.clone()));
        why
    }

    fn report(&self, frame: Frame) -> Result<(), String> {
        self.events
            .send(LinkEvent::Reply(self.id, frame))
            .map_err(|_| "driver gone".to_string())
    }
}

#[cfg(test)]
mod size_tests {
    /// A plain link's task stays small: thousands of them run at a few hundred masters.
    #[test]
    fn a_link_task_is_small() {
        let rx = std::rc::Rc::new(super::Queue::default());
        let (events, _erx) = crate::link_events::channel();
        let link = Box::new(super::Pump {
            id: 1,
            events,
            decoder: rsentinel_resp::ReplyDecoder::with_limits(1, 1),
            hosts: super::Hosts::default(),
        });
        let connect: super::Connect =
            Box::pin(async { Err::<tokio::net::TcpStream, _>(std::io::Error::other("x")) });
        let task = super::run(connect, None, rx, link);
        let size = std::mem::size_of_val(&task);
        // 1192 bytes before the connect and the pump's parts were boxed and the pump
        // polled by hand (384 after).
        assert!(size < 512, "a link task's future is {size} bytes");
    }
}

#[cfg(test)]
mod shared_read_tests {
    use super::*;
    use std::sync::Arc;
    use std::task::Wake;

    /// A stream that has `data` ready, once.
    struct Ready(Option<Vec<u8>>);

    impl ReadSome for Ready {
        fn poll_read_some(
            &mut self,
            _cx: &mut Context<'_>,
            buf: &mut BytesMut,
            room: usize,
        ) -> Poll<std::io::Result<usize>> {
            buf.reserve(room);
            let data = self.0.take().unwrap_or_default();
            buf.extend_from_slice(&data);
            Poll::Ready(Ok(data.len()))
        }
    }

    struct NoWake;
    impl Wake for NoWake {
        fn wake(self: Arc<Self>) {}
    }

    /// Bytes a panicking poll left in the shared buffer are not read as the next
    /// link's; whole replies are reported and the unfinished one moves to the link.
    #[test]
    fn a_read_reports_only_its_own_bytes_and_keeps_the_unfinished_reply() {
        let (events, mut rx) = crate::link_events::channel();
        let mut pump = Pump {
            id: 9,
            events,
            decoder: rsentinel_resp::ReplyDecoder::new(),
            hosts: Hosts::default(),
        };
        let waker = std::task::Waker::from(Arc::new(NoWake));
        let mut cx = Context::from_waker(&waker);
        let mut shared = BytesMut::from(&b"+LEFT-BY-ANOTHER-LINK\r\n"[..]);
        let mut own = BytesMut::new();
        let mut stream = Ready(Some(b"+PONG\r\n:1\r\n$5\r\nhe".to_vec()));
        let polled = pump.poll_read_shared(&mut cx, &mut stream, &mut shared, &mut own);
        assert_eq!(polled, Poll::Ready(Ok(())));
        assert!(shared.is_empty());
        assert_eq!(&own[..], b"$5\r\nhe");
        assert_eq!(
            rx.try_recv(),
            Some(LinkEvent::Reply(9, Frame::Simple("PONG".into())))
        );
        assert_eq!(rx.try_recv(), Some(LinkEvent::Reply(9, Frame::Integer(1))));
        assert_eq!(rx.try_recv(), None);
        // The end of the stream ends the link.
        let mut ended = Ready(Some(Vec::new()));
        let polled = pump.poll_read_shared(&mut cx, &mut ended, &mut shared, &mut own);
        assert_eq!(polled, Poll::Ready(Err(PEER_CLOSED.into())));
    }
}
