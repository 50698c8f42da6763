//! A scriptable fake instance for hostile-input tests: a loopback TCP server that reads
//! RESP commands and answers each with whatever bytes the test's script returns. It plays
//! a hostile master, replica or peer Sentinel that real redis-server cannot imitate.

#![allow(dead_code)]

use bytes::BytesMut;
use rsentinel_resp::{Limits, RequestParser};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Decides the raw reply bytes for one command (its arguments, name first).
pub type Script = dyn Fn(&[Vec<u8>]) -> Vec<u8> + Send + Sync;

/// A running fake instance; stops accepting when dropped.
pub struct Fake {
    pub port: u16,
    stop: Arc<AtomicBool>,
    /// Connections accepted so far.
    pub accepted: Arc<AtomicUsize>,
}

impl Fake {
    /// Listens on a free loopback port and answers every command with `script`.
    pub fn start(script: impl Fn(&[Vec<u8>]) -> Vec<u8> + Send + Sync + 'static) -> Fake {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind fake instance");
        let port = listener.local_addr().expect("addr").port();
        listener.set_nonblocking(true).expect("nonblocking");
        let stop = Arc::new(AtomicBool::new(false));
        let accepted = Arc::new(AtomicUsize::new(0));
        let script: Arc<Script> = Arc::new(script);
        let (stop2, accepted2) = (stop.clone(), accepted.clone());
        std::thread::spawn(move || {
            while !stop2.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((s, _)) => {
                        accepted2.fetch_add(1, Ordering::Relaxed);
                        let script = script.clone();
                        let stop = stop2.clone();
                        std::thread::spawn(move || serve(s, &*script, &stop));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Fake {
            port,
            stop,
            accepted,
        }
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn serve(mut s: TcpStream, script: &Script, stop: &AtomicBool) {
    let _ = s.set_nodelay(true);
    let _ = s.set_read_timeout(Some(Duration::from_millis(200)));
    let mut parser = RequestParser::new(Limits::default());
    let mut inbuf = BytesMut::new();
    let mut chunk = [0u8; 16 * 1024];
    while !stop.load(Ordering::Relaxed) {
        match s.read(&mut chunk) {
            Ok(0) => return,
            Ok(n) => inbuf.extend_from_slice(&chunk[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                continue
            }
            Err(_) => return,
        }
        loop {
            match parser.parse(&mut inbuf) {
                Ok(Some(args)) => {
                    let args: Vec<Vec<u8>> = args.iter().map(|a| a.to_vec()).collect();
                    let reply = script(&args);
                    if s.write_all(&reply).is_err() {
                        return;
                    }
                }
                Ok(None) => break,
                Err(_) => return,
            }
        }
    }
}

/// The command's name in upper case.
pub fn name(args: &[Vec<u8>]) -> String {
    args.first()
        .map(|a| String::from_utf8_lossy(a).to_ascii_uppercase())
        .unwrap_or_default()
}

/// An array of `n` integers: `n` elements, about 4 bytes each.
pub fn huge_array(n: usize) -> Vec<u8> {
    let mut out = format!("*{n}\r\n").into_bytes();
    out.reserve(n * 4);
    for _ in 0..n {
        out.extend_from_slice(b":1\r\n");
    }
    out
}

/// A bulk string of `n` bytes.
pub fn huge_bulk(n: usize) -> Vec<u8> {
    let mut out = format!("${n}\r\n").into_bytes();
    out.resize(out.len() + n, b'x');
    out.extend_from_slice(b"\r\n");
    out
}

/// A minimal INFO reply of a master with no replicas and the given run id.
pub fn master_info(run_id: &str) -> Vec<u8> {
    let body = format!(
        "# Server\r\nredis_version:7.0.15\r\nrun_id:{run_id}\r\ntcp_port:6379\r\n# Replication\r\nrole:master\r\nconnected_slaves:0\r\n"
    );
    format!("${}\r\n{body}\r\n", body.len()).into_bytes()
}
