//! One client connection: read, parse, execute in order, write. Pub/sub messages and kill
//! requests arrive on the client's channel and are interleaved between commands, never
//! inside a reply.
//!
//! Reading, writing and the channel are served together, as redis' event loop does: a
//! client that pipelines without reading its replies keeps being read (its replies wait in
//! memory, up to [`MAX_REPLY_BACKLOG`]), and a client whose socket is full can still be
//! killed, including by the pub/sub output limits.

use crate::clients::Outbound;
use crate::connection::{Replies, Requests};
use crate::dispatch::Request;
use crate::state::Daemon;
use bytes::Bytes;
use rsentinel_resp::{Limits, Protocol, ProtocolError};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::mpsc::UnboundedReceiver;

/// Replies waiting for a client that does not read them, past which its requests are
/// no longer read until it catches up: bounds memory per client (redis has no limit for
/// normal clients by default; this one is far above any sentinel pipeline).
pub const MAX_REPLY_BACKLOG: usize = 32 * 1024 * 1024;

/// Replies a client that has not authenticated may leave unread: redis' static reply
/// buffer (16 KiB) plus the 1 KiB of reply list its CVE-2025-21605 fix allows. Past it
/// the client is closed, so an unauthenticated flood of requests that never reads its
/// `-NOAUTH` replies cannot grow the process.
pub const UNAUTHENTICATED_OUTPUT_LIMIT: usize = 16 * 1024 + 1024;

/// Whether the client still has to authenticate (redis' `authRequired`), and the
/// protocol its replies are encoded in.
fn client_state(daemon: &Rc<RefCell<Daemon>>, id: u64) -> (bool, Protocol) {
    daemon
        .borrow()
        .clients
        .get(id)
        .map_or((false, Protocol::default()), |c| {
            (!c.authenticated, c.protocol)
        })
}

/// What the session does after serving one event.
#[derive(Debug, PartialEq, Eq)]
enum Next {
    Continue,
    Close,
}

/// Serves one connection, over TCP, TLS or a unix socket: requests are read and run,
/// replies written, messages from the client's channel queued, each as it comes.
pub async fn run<S>(
    daemon: Rc<RefCell<Daemon>>,
    stream: S,
    id: u64,
    mut rx: UnboundedReceiver<Outbound>,
) where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let (reader, writer) = tokio::io::split(stream);
    let limits = request_limits(&daemon.borrow().config.server);
    let mut requests = Requests::new(reader, limits);
    let mut replies = Replies::new(writer);
    let idle_timeout = daemon.borrow().config.server.timeout;
    loop {
        let next = tokio::select! {
            read = requests.read(), if replies.backlog() < MAX_REPLY_BACKLOG => match read {
                Ok(0) => {
                    log_closed(&daemon, id);
                    Next::Close
                }
                Err(e) => {
                    daemon.borrow().log.verbose(&format!("Reading from client: {e}"));
                    Next::Close
                }
                Ok(n) => serve_requests(&daemon, id, n, &mut requests, &mut replies).await,
            },
            written = replies.write_some(), if replies.has_work() => {
                let drained = replies.backlog() == 0 && rx.is_empty();
                count_written(&daemon, id, written, drained)
            }
            msg = rx.recv() => queue_message(&daemon, id, msg, &mut replies),
            _ = idle(idle_timeout) => close_if_idle(&daemon, id, idle_timeout),
        };
        if next == Next::Close {
            break;
        }
    }
    // A client closed for its output limit may hold its backlog in the channel rather
    // than in the write buffer (messages after the limit are not encoded): its memory
    // is given back too.
    let held = requests.capacity() + replies.capacity();
    let backlog_dropped = rx.len() >= RELEASE_MESSAGES_ABOVE
        || daemon.borrow().clients.get(id).is_some_and(|c| c.closing);
    drop((requests, replies, rx));
    daemon.borrow_mut().clients.remove(id);
    if held >= RELEASE_MEMORY_ABOVE || backlog_dropped {
        release_free_memory();
    }
}

/// Runs every whole command of what was just read (`n` bytes), in order, queueing the
/// replies: all the replies of one read go out in one write.
async fn serve_requests<R, W>(
    daemon: &Rc<RefCell<Daemon>>,
    id: u64,
    n: usize,
    requests: &mut Requests<R>,
    replies: &mut Replies<W>,
) -> Next
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    {
        let mut d = daemon.borrow_mut();
        d.stats.read(n);
        if let Some(c) = d.clients.get_mut(id) {
            c.last_interaction = Instant::now();
        }
    }
    // What a command may change (AUTH, HELLO, RESET) is read again after each one; one
    // lookup per command instead of one per use.
    let mut auth_needed = client_state(daemon, id).0;
    loop {
        let args = match requests.next(auth_needed) {
            Ok(Some(args)) => args,
            Ok(None) => break,
            Err(e) => {
                // Redis replies (except past the query buffer limit) and closes the
                // connection after any protocol error.
                log_protocol_error(daemon, id, &e, requests.unparsed());
                if let Some(bytes) = e.reply_bytes() {
                    replies.push_bytes(&bytes);
                }
                write_before_close(daemon, replies).await;
                return Next::Close;
            }
        };
        let request = Request::parse(args, &daemon.borrow().renames);
        // The common case (no resolve-hostnames, no pause) checks both synchronously.
        if !auth_needed && daemon.borrow().hosts.enabled() {
            look_up_hosts(daemon, &request).await;
        }
        // Last before running: a pause that began during a lookup holds the command too.
        if daemon.borrow().pause.maybe_on() {
            wait_if_paused(daemon, request.sent()).await;
        }
        let outcome = daemon.borrow_mut().execute(id, &request);
        requests.recycle(request.into_sent());
        let proto;
        (auth_needed, proto) = client_state(daemon, id);
        for r in &outcome.replies {
            replies.push(r, proto);
        }
        if replies.backlog() > UNAUTHENTICATED_OUTPUT_LIMIT && auth_needed {
            daemon.borrow().log_over_limit(&[id]);
            return Next::Close;
        }
        if outcome.close_after {
            write_before_close(daemon, replies).await;
            return Next::Close;
        }
    }
    let pending = requests.pending();
    let mut d = daemon.borrow_mut();
    d.stats.input_buffer(pending);
    if let Some(c) = d.clients.get_mut(id) {
        c.qbuf = pending;
    }
    Next::Continue
}

fn log_closed(daemon: &Rc<RefCell<Daemon>>, id: u64) {
    let d = daemon.borrow();
    if let Some(c) = d.clients.get(id) {
        d.log.verbose(&format!(
            "Client closed connection {}",
            c.describe(Instant::now())
        ));
    }
}

fn log_protocol_error(daemon: &Rc<RefCell<Daemon>>, id: u64, e: &ProtocolError, unparsed: &[u8]) {
    let log = daemon.borrow().log.clone();
    match e.message() {
        Some(_) => log.verbose(&format!(
            "Protocol error ({}) from client: id={id}. {}",
            e.log_reason(),
            rsentinel_resp::query_buffer_sample(unparsed)
        )),
        None => log.warning(&format!(
            "Closing client that reached max query buffer length: id={id} ({e})"
        )),
    }
}

/// Accounts for a write: only as much as the socket took now (the rest waits while
/// reading and the channel go on). `drained`: nothing is left to send.
fn count_written(
    daemon: &Rc<RefCell<Daemon>>,
    id: u64,
    written: std::io::Result<Option<usize>>,
    drained: bool,
) -> Next {
    let n = match written {
        Ok(None) => return Next::Continue,
        Ok(Some(0)) | Err(_) => return Next::Close,
        Ok(Some(n)) => n,
    };
    let mut d = daemon.borrow_mut();
    d.stats.written(n);
    if let Some(c) = d.clients.get_mut(id) {
        c.wrote(n, drained);
    }
    Next::Continue
}

/// A pub/sub message (queued between replies, never inside one) or a kill request.
fn queue_message<W: AsyncWrite + Unpin>(
    daemon: &Rc<RefCell<Daemon>>,
    id: u64,
    msg: Option<Outbound>,
    replies: &mut Replies<W>,
) -> Next {
    match msg {
        None | Some(Outbound::Kill) => Next::Close,
        Some(Outbound::Message(frame)) => {
            // The Kill waits behind the backlog: do not encode what will never be
            // written.
            if daemon.borrow().clients.get(id).is_some_and(|c| c.closing) {
                return Next::Close;
            }
            replies.push(&frame, protocol_of(daemon, id));
            Next::Continue
        }
    }
}

/// Fires after `timeout` seconds (`timeout` 0: never).
async fn idle(timeout: u64) {
    if timeout == 0 {
        std::future::pending::<()>().await
    } else {
        tokio::time::sleep(Duration::from_secs(timeout)).await
    }
}

/// `timeout`: a client idle that long is closed, unless it is subscribed.
fn close_if_idle(daemon: &Rc<RefCell<Daemon>>, id: u64, timeout: u64) -> Next {
    let d = daemon.borrow();
    let Some(c) = d.clients.get(id) else {
        return Next::Continue;
    };
    if !c.in_pubsub() && c.last_interaction.elapsed() >= Duration::from_secs(timeout) {
        d.log.verbose("Closing idle client");
        return Next::Close;
    }
    Next::Continue
}

/// Writes what is queued before the connection is closed.
async fn write_before_close<W: AsyncWrite + Unpin>(
    daemon: &Rc<RefCell<Daemon>>,
    replies: &mut Replies<W>,
) {
    if let Ok(n) = replies.write_all().await {
        if n > 0 {
            daemon.borrow_mut().stats.written(n);
        }
    }
}

/// Under `resolve-hostnames` (the caller checks it, without an async call), looks the
/// host names the command carries up before it runs (see [`crate::hosts`]), so the core
/// never waits for DNS.
async fn look_up_hosts(daemon: &Rc<RefCell<Daemon>>, request: &Request) {
    let hosts = daemon.borrow().hosts.clone();
    // Only a command the table knows (under its name after rename-command) names hosts.
    let names = request
        .command()
        .map(|(args, spec)| crate::hosts::names_in_command(spec, args))
        .unwrap_or_default();
    if !names.is_empty() {
        hosts.refresh(names).await;
    }
}

/// Buffers a closing client held past which the freed memory is handed back to the OS.
const RELEASE_MEMORY_ABOVE: usize = 1024 * 1024;
/// Messages still queued for a closing client past which the same is done.
const RELEASE_MESSAGES_ABOVE: usize = 1024;

/// Returns free heap pages to the OS. glibc keeps what a client's backlog freed mapped
/// (redis' jemalloc purges it over time), so one subscriber that stopped reading would
/// otherwise leave the process tens of MB larger for good.
#[allow(unsafe_code)] // see the SAFETY comment
fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks glibc's own heap; no pointer of ours is involved.
    unsafe {
        libc::malloc_trim(0);
    }
}

fn protocol_of(daemon: &Rc<RefCell<Daemon>>, id: u64) -> Protocol {
    daemon
        .borrow()
        .clients
        .get(id)
        .map(|c| c.protocol)
        .unwrap_or_default()
}

/// `proto-max-bulk-len` and `client-query-buffer-limit` as the file sets them.
fn request_limits(server: &rsentinel_config::ServerSettings) -> Limits {
    let mut limits = Limits::default();
    if let Some(v) = server.number("proto-max-bulk-len") {
        limits.proto_max_bulk_len = u64::try_from(v).unwrap_or(u64::MAX);
    }
    if let Some(v) = server.number("client-query-buffer-limit") {
        limits.query_buffer_limit = usize::try_from(v).unwrap_or(usize::MAX);
    }
    limits
}

/// CLIENT PAUSE: commands wait while a pause covers them (ALL: every command; WRITE:
/// commands that may write or propagate, which in a sentinel is PUBLISH).
async fn wait_if_paused(daemon: &Rc<RefCell<Daemon>>, args: &[Bytes]) {
    // By the name as sent: a PUBLISH renamed by rename-command is not held by a WRITE
    // pause (redis checks the command's flags).
    let is_write = args
        .first()
        .is_some_and(|a| a.eq_ignore_ascii_case(b"publish"));
    loop {
        let held = daemon.borrow_mut().pause.holds(is_write, Instant::now);
        let Some((until, unpaused)) = held else {
            return;
        };
        let notified = unpaused.notified();
        tokio::select! {
            _ = tokio::time::sleep_until(until.into()) => {}
            _ = notified => {}
        }
    }
}
