//! A deliberately small HTTP/1.x server for three GET endpoints. Everything from the
//! network is hostile: the request head is capped, a connection has a deadline for
//! the whole exchange, the number of connections is capped, and one response is sent
//! before closing. Rendering borrows the shared state only for the synchronous
//! rendering (no await), so a scrape never holds the event loop.

use crate::state::Daemon;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Longest request head accepted (request line and headers); a body is never read.
pub const MAX_REQUEST: usize = 8 * 1024;
/// Deadline for reading the request and writing the answer.
pub const DEADLINE: Duration = Duration::from_secs(5);
/// Connections served at once; more are closed at once.
pub const MAX_CONNECTIONS: usize = 32;

/// Accepts and serves until the process ends.
pub async fn serve(daemon: Rc<RefCell<Daemon>>, listener: TcpListener) {
    let active = Rc::new(Cell::new(0usize));
    loop {
        let stream = match listener.accept().await {
            Ok((s, _)) => s,
            Err(_) => {
                // Out of descriptors and the like: back off instead of spinning.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        if active.get() >= MAX_CONNECTIONS {
            drop(stream);
            continue;
        }
        active.set(active.get() + 1);
        let (daemon, active) = (daemon.clone(), active.clone());
        tokio::task::spawn_local(async move {
            let _ = tokio::time::timeout(DEADLINE, exchange(&daemon, stream)).await;
            active.set(active.get() - 1);
        });
    }
}

/// The end of the head: a blank line, CRLF or bare LF style.
fn head_end(buf: &[u8]) -> Option<usize> {
    let crlf = buf.windows(4).position(|w| w == b"\r\n\r\n");
    let lf = buf.windows(2).position(|w| w == b"\n\n");
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

async fn exchange(daemon: &Rc<RefCell<Daemon>>, mut stream: TcpStream) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(512);
    let mut chunk = [0u8; 1024];
    while head_end(&buf).is_none() {
        if buf.len() > MAX_REQUEST {
            return respond(
                &mut stream,
                431,
                "Request Header Fields Too Large",
                "",
                false,
            )
            .await;
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let line_end = buf.iter().position(|b| *b == b'\n').unwrap_or(buf.len());
    let line = String::from_utf8_lossy(&buf[..line_end]);
    let mut words = line.trim_end_matches('\r').split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (words.next(), words.next(), words.next(), words.next())
    else {
        return respond(&mut stream, 400, "Bad Request", "bad request line\n", false).await;
    };
    if !version.starts_with("HTTP/1.") {
        return respond(&mut stream, 400, "Bad Request", "bad request line\n", false).await;
    }
    let head = method == "HEAD";
    if method != "GET" && !head {
        return respond(&mut stream, 405, "Method Not Allowed", "GET only\n", head).await;
    }
    let path = target.split('?').next().unwrap_or_default();
    let (status, reason, body, prometheus) = {
        let d = daemon.borrow();
        match path {
            "/metrics" => (200, "OK", super::render(&d, Daemon::now_ms()), true),
            "/healthz" => (200, "OK", "ok\n".to_string(), false),
            "/readyz" => {
                let why = super::readiness(&d);
                if why.is_empty() {
                    (200, "OK", "ready\n".to_string(), false)
                } else {
                    (503, "Service Unavailable", why.join("\n") + "\n", false)
                }
            }
            _ => (404, "Not Found", "not found\n".to_string(), false),
        }
    };
    let content_type = if prometheus {
        "text/plain; version=0.0.4; charset=utf-8"
    } else {
        "text/plain; charset=utf-8"
    };
    write_response(&mut stream, status, reason, content_type, &body, head).await
}

async fn respond(
    stream: &mut TcpStream,
    status: u16,
    reason: &str,
    body: &str,
    head: bool,
) -> std::io::Result<()> {
    write_response(
        stream,
        status,
        reason,
        "text/plain; charset=utf-8",
        body,
        head,
    )
    .await
}

async fn write_response(
    stream: &mut TcpStream,
    status: u16,
    reason: &str,
    content_type: &str,
    body: &str,
    head: bool,
) -> std::io::Result<()> {
    let mut out = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    if !head {
        out.extend_from_slice(body.as_bytes());
    }
    stream.write_all(&out).await?;
    stream.shutdown().await
}

#[cfg(test)]
mod tests {
    use super::head_end;

    #[test]
    fn heads_end_at_a_blank_line() {
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"), Some(23));
        assert_eq!(head_end(b"GET / HTTP/1.0\n\n"), Some(14));
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nHost: x\r\n"), None);
    }
}
