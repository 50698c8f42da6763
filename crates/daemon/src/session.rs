//! One client connection: read, parse, execute in order, write. Pub/sub messages and kill
//! requests arrive on the client's channel and are interleaved between commands, never
//! inside a reply.
//!
//! Reading, writing and the channel are served together, as redis' event loop does: a
//! client that pipelines without reading its replies keeps being read (its replies wait in
//! memory, up to [`MAX_REPLY_BACKLOG`]), and a client whose socket is full can still be
//! killed, including by the pub/sub output limits.

use crate::clients::Outbound;
use crate::state::Daemon;
use bytes::{Buf, Bytes, BytesMut};
use rsentinel_resp::{encode, Limits, Protocol, RequestParser};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
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

/// Serves one connection, over TCP, TLS or a unix socket.
pub async fn run<S>(
    daemon: Rc<RefCell<Daemon>>,
    stream: S,
    id: u64,
    mut rx: UnboundedReceiver<Outbound>,
) where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let (mut reader, mut writer) = tokio::io::split(stream);
    // TLS buffers what the socket did not take; it is pushed out by a flush once `out`
    // is empty (a no-op on plain TCP).
    let mut unflushed = false;
    let mut parser = RequestParser::new(request_limits(&daemon.borrow().config.server));
    let mut inbuf = BytesMut::with_capacity(16 * 1024);
    let mut out = BytesMut::new();
    // Reads of redis' size (PROTO_IOBUF_LEN) make the "too big" protocol errors trigger
    // at the same points as in redis.
    let mut chunk = vec![0u8; rsentinel_resp::PROTO_IOBUF_LEN];
    let idle_timeout = daemon.borrow().config.server.timeout;
    'conn: loop {
        let idle = async {
            if idle_timeout == 0 {
                std::future::pending::<()>().await
            } else {
                tokio::time::sleep(Duration::from_secs(idle_timeout)).await
            }
        };
        tokio::select! {
            read = reader.read(&mut chunk), if out.len() < MAX_REPLY_BACKLOG => {
                // A TLS peer that closes without close_notify (redis-cli does) has
                // simply closed the connection.
                let read = match read {
                    Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(0),
                    other => other,
                };
                let n = match read {
                    Ok(0) => {
                        let d = daemon.borrow();
                        if let Some(c) = d.clients.get(id) {
                            d.log.verbose(&format!(
                                "Client closed connection {}",
                                c.describe(Instant::now())
                            ));
                        }
                        break 'conn;
                    }
                    Err(e) => {
                        daemon
                            .borrow()
                            .log
                            .verbose(&format!("Reading from client: {e}"));
                        break 'conn;
                    }
                    Ok(n) => n,
                };
                inbuf.extend_from_slice(&chunk[..n]);
                {
                    let mut d = daemon.borrow_mut();
                    d.stats.net_input_bytes += n as u64;
                    d.stats.reads_processed += 1;
                    if let Some(c) = d.clients.get_mut(id) {
                        c.last_interaction = Instant::now();
                    }
                }
                // What a command may change (AUTH, HELLO, RESET) is read again after
                // each one; one lookup per command instead of one per use.
                let mut auth_needed = client_state(&daemon, id).0;
                loop {
                    parser.set_auth_required(auth_needed);
                    let args = match parser.parse(&mut inbuf) {
                        Ok(Some(args)) => args,
                        Ok(None) => break,
                        Err(e) => {
                            // Redis replies (except past the query buffer limit) and
                            // closes the connection after any protocol error.
                            let log = daemon.borrow().log.clone();
                            match e.message() {
                                Some(_) => log.verbose(&format!(
                                    "Protocol error ({}) from client: id={id}. {}",
                                    e.log_reason(),
                                    rsentinel_resp::query_buffer_sample(&inbuf)
                                )),
                                None => log.warning(&format!(
                                    "Closing client that reached max query buffer length: id={id} ({e})"
                                )),
                            }
                            if let Some(bytes) = e.reply_bytes() {
                                out.extend_from_slice(&bytes);
                            }
                            let _ = write_out(&daemon, &mut writer, &mut out).await;
                            break 'conn;
                        }
                    };
                    wait_if_paused(&daemon, &args).await;
                    if !auth_needed {
                        look_up_hosts(&daemon, &args).await;
                    }
                    let outcome = daemon.borrow_mut().execute(id, &args);
                    let proto;
                    (auth_needed, proto) = client_state(&daemon, id);
                    for r in &outcome.replies {
                        encode(r, proto, &mut out);
                    }
                    if out.len() > UNAUTHENTICATED_OUTPUT_LIMIT && auth_needed {
                        let d = daemon.borrow();
                        d.log_over_limit(&[id]);
                        break 'conn;
                    }
                    if outcome.close_after {
                        let _ = write_out(&daemon, &mut writer, &mut out).await;
                        break 'conn;
                    }
                }
                let pending = inbuf.len() + parser.held_bytes();
                {
                    let mut d = daemon.borrow_mut();
                    d.recent_max_input = d.recent_max_input.max(pending);
                    if let Some(c) = d.clients.get_mut(id) {
                        c.qbuf = pending;
                    }
                }
            }
            // Only as much as the socket takes now (`write` is cancel safe); the rest
            // waits in `out` while reading and the channel go on.
            written = write_or_flush(&mut writer, &out), if !out.is_empty() || unflushed => {
                let n = match written {
                    Ok(None) => {
                        unflushed = false;
                        continue 'conn;
                    }
                    Ok(Some(0)) | Err(_) => break 'conn,
                    Ok(Some(n)) => n,
                };
                unflushed = true;
                out.advance(n);
                let mut d = daemon.borrow_mut();
                d.stats.net_output_bytes += n as u64;
                d.stats.writes_processed += 1;
                if let Some(c) = d.clients.get_mut(id) {
                    // Messages count until written; replies share `out`, so this is an
                    // estimate that errs on the side of keeping the client.
                    c.pending_out = c.pending_out.saturating_sub(n);
                    if out.is_empty() && rx.is_empty() {
                        c.pending_out = 0;
                    }
                }
            }
            msg = rx.recv() => {
                match msg {
                    None | Some(Outbound::Kill) => break 'conn,
                    Some(Outbound::Message(frame)) => {
                        // The Kill waits behind the backlog: do not encode what will
                        // never be written.
                        if daemon.borrow().clients.get(id).is_some_and(|c| c.closing) {
                            break 'conn;
                        }
                        let proto = protocol_of(&daemon, id);
                        encode(&frame, proto, &mut out);
                    }
                }
            }
            _ = idle => {
                let subscribed = daemon.borrow().clients.get(id).is_some_and(|c| c.in_pubsub());
                let idle_for = daemon.borrow().clients.get(id).map(|c| c.last_interaction.elapsed());
                if !subscribed && idle_for.is_some_and(|d| d >= Duration::from_secs(idle_timeout)) {
                    daemon.borrow().log.verbose("Closing idle client");
                    break 'conn;
                }
            }
        }
    }
    let held = out.capacity() + inbuf.capacity();
    drop((out, inbuf, rx));
    {
        let mut d = daemon.borrow_mut();
        let Daemon {
            pubsub, clients, ..
        } = &mut *d;
        pubsub.drop_client(clients, id);
        clients.map.remove(&id);
    }
    if held >= RELEASE_MEMORY_ABOVE {
        release_free_memory();
    }
}

/// Under `resolve-hostnames`, looks the host names the command carries up before it runs
/// (see [`crate::hosts`]), so the core never waits for DNS.
async fn look_up_hosts(daemon: &Rc<RefCell<Daemon>>, args: &[Bytes]) {
    let (hosts, names) = {
        let d = daemon.borrow();
        if !d.hosts.enabled() {
            return;
        }
        let names = if d.renames.is_empty() {
            crate::hosts::names_in_command(args)
        } else {
            d.renames
                .map(args)
                .map(|renamed| crate::hosts::names_in_command(&renamed))
                .unwrap_or_default()
        };
        (d.hosts.clone(), names)
    };
    if !names.is_empty() {
        hosts.refresh(names).await;
    }
}

/// Buffers a closing client held past which the freed memory is handed back to the OS.
const RELEASE_MEMORY_ABOVE: usize = 1024 * 1024;

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

/// Writes what the socket takes of `out` (`Some(n)`), or with `out` empty pushes out
/// what TLS still buffers (`None`). Cancel safe, as both steps are.
async fn write_or_flush<W: AsyncWrite + Unpin>(
    writer: &mut W,
    out: &[u8],
) -> std::io::Result<Option<usize>> {
    if out.is_empty() {
        writer.flush().await.map(|_| None)
    } else {
        writer.write(out).await.map(Some)
    }
}

/// Writes all of `out` before the connection is closed.
async fn write_out<W: AsyncWrite + Unpin>(
    daemon: &Rc<RefCell<Daemon>>,
    stream: &mut W,
    out: &mut BytesMut,
) -> std::io::Result<()> {
    if out.is_empty() {
        return stream.flush().await;
    }
    let n = out.len();
    stream.write_all(out).await?;
    stream.flush().await?;
    out.clear();
    let mut d = daemon.borrow_mut();
    d.stats.net_output_bytes += n as u64;
    d.stats.writes_processed += 1;
    Ok(())
}

/// CLIENT PAUSE: commands wait while a pause covers them (ALL: every command; WRITE:
/// commands that may write or propagate, which in a sentinel is PUBLISH).
async fn wait_if_paused(daemon: &Rc<RefCell<Daemon>>, args: &[Bytes]) {
    loop {
        let (until, notify) = {
            let d = daemon.borrow();
            let Some((until, all)) = d.pause.until else {
                return;
            };
            let is_write = args
                .first()
                .is_some_and(|a| a.eq_ignore_ascii_case(b"publish"));
            if !all && !is_write {
                return;
            }
            (until, d.unpaused.clone())
        };
        if Instant::now() >= until {
            let mut d = daemon.borrow_mut();
            if d.pause.until.is_some_and(|(u, _)| u <= Instant::now()) {
                d.pause.until = None;
            }
            return;
        }
        let notified = notify.notified();
        tokio::select! {
            _ = tokio::time::sleep_until(until.into()) => {}
            _ = notified => {}
        }
    }
}
