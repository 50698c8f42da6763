//! Test helpers: a Sentinel with one master, a command runner, a RESP2 encoder and a
//! small RESP reader for the fixtures captured from the real redis-sentinel 7.0.15.

#![allow(dead_code)]

use bytes::Bytes;
use rsentinel_config::{MasterConfig, SentinelSettings};
use rsentinel_core::{CommandEnv, Output, Reply, Sentinel};
use rsentinel_resp::Frame;

pub const T0: u64 = 1_700_000_000_000;
pub const MYID: &str = "0123456789abcdef0123456789abcdef01234567";

pub fn no_dns(_: &str) -> Option<String> {
    None
}

pub fn settings() -> SentinelSettings {
    SentinelSettings {
        myid: Some(MYID.to_string()),
        deny_scripts_reconfig: true,
        masters: vec![MasterConfig::new("mymaster", "127.0.0.1", 6379, 2)],
        ..SentinelSettings::default()
    }
}

pub fn sentinel_from(cfg: SentinelSettings) -> Sentinel {
    match Sentinel::new(cfg, T0, 7, &no_dns) {
        Ok(s) => s,
        Err(e) => panic!("load failed: {e}"),
    }
}

pub fn sentinel() -> Sentinel {
    sentinel_from(settings())
}

pub fn args(v: &[&str]) -> Vec<Bytes> {
    v.iter()
        .map(|s| Bytes::copy_from_slice(s.as_bytes()))
        .collect()
}

/// Run a command at `now` with no DNS and every script path valid.
pub fn run_at(s: &mut Sentinel, now: u64, a: &[&str]) -> Reply {
    let ok = |_: &str| true;
    let env = CommandEnv {
        now_ms: now,
        resolve: &no_dns,
        script_ok: &ok,
    };
    s.command(&args(a), &env)
}

/// Run a command and resolve the reply assuming config rewrites succeed.
pub fn run(s: &mut Sentinel, a: &[&str]) -> Frame {
    run_at(s, T0, a).into_frame(true)
}

pub fn drain(s: &mut Sentinel) -> Vec<Output> {
    std::iter::from_fn(|| s.poll_output()).collect()
}

/// `(kind, text)` of the queued events, other outputs dropped.
pub fn events(s: &mut Sentinel) -> Vec<(String, String)> {
    drain(s)
        .into_iter()
        .filter_map(|o| match o {
            Output::Event(e) => Some((e.kind, e.text)),
            _ => None,
        })
        .collect()
}

pub fn err(s: &str) -> Frame {
    Frame::error(s)
}

pub fn bulk(s: &str) -> Frame {
    Frame::bulk_str(s)
}

/// Encode as redis does for a RESP2 client.
pub fn resp2(f: &Frame) -> Vec<u8> {
    let mut out = Vec::new();
    enc(f, &mut out);
    out
}

fn enc(f: &Frame, o: &mut Vec<u8>) {
    match f {
        Frame::Simple(s) => o.extend_from_slice(format!("+{s}\r\n").as_bytes()),
        Frame::Error(s) => o.extend_from_slice(format!("-{s}\r\n").as_bytes()),
        Frame::Integer(i) => o.extend_from_slice(format!(":{i}\r\n").as_bytes()),
        Frame::Bulk(b) => {
            o.extend_from_slice(format!("${}\r\n", b.len()).as_bytes());
            o.extend_from_slice(b);
            o.extend_from_slice(b"\r\n");
        }
        Frame::Null => o.extend_from_slice(b"$-1\r\n"),
        Frame::NullArray => o.extend_from_slice(b"*-1\r\n"),
        Frame::Array(v) | Frame::Set(v) | Frame::Push(v) => {
            o.extend_from_slice(format!("*{}\r\n", v.len()).as_bytes());
            v.iter().for_each(|x| enc(x, o));
        }
        Frame::Map(v) => {
            o.extend_from_slice(format!("*{}\r\n", v.len() * 2).as_bytes());
            for (k, x) in v {
                enc(k, o);
                enc(x, o);
            }
        }
        other => panic!("not used here: {other:?}"),
    }
}

/// A parsed fixture value.
#[derive(Debug, Clone, PartialEq)]
pub enum V {
    Simple(String),
    Err(String),
    Int(i64),
    Bulk(String),
    Null,
    Arr(Vec<V>),
    Map(Vec<(V, V)>),
}

impl V {
    pub fn text(&self) -> &str {
        match self {
            V::Simple(s) | V::Err(s) | V::Bulk(s) => s,
            _ => "",
        }
    }
}

/// Read every top-level value of a captured reply stream.
pub fn read_all(mut b: &[u8]) -> Vec<V> {
    let mut out = Vec::new();
    while !b.is_empty() {
        let (v, rest) = read(b);
        out.push(v);
        b = rest;
    }
    out
}

fn line(b: &[u8]) -> (&str, &[u8]) {
    let end = b.windows(2).position(|w| w == b"\r\n").expect("CRLF");
    (
        std::str::from_utf8(&b[1..end]).expect("utf8"),
        &b[end + 2..],
    )
}

fn read(b: &[u8]) -> (V, &[u8]) {
    let (l, rest) = line(b);
    match b[0] {
        b'+' => (V::Simple(l.to_string()), rest),
        b'-' => (V::Err(l.to_string()), rest),
        b':' => (V::Int(l.parse().expect("int")), rest),
        b'_' => (V::Null, rest),
        b'$' => {
            let n: i64 = l.parse().expect("len");
            if n < 0 {
                return (V::Null, rest);
            }
            let n = n as usize;
            (
                V::Bulk(String::from_utf8_lossy(&rest[..n]).into_owned()),
                &rest[n + 2..],
            )
        }
        b'*' | b'%' => {
            let n: usize = l.parse().expect("len");
            let mut rest = rest;
            let mut items = Vec::new();
            let count = if b[0] == b'%' { n * 2 } else { n };
            for _ in 0..count {
                let (v, r) = read(rest);
                items.push(v);
                rest = r;
            }
            if b[0] == b'%' {
                let pairs = items
                    .chunks(2)
                    .map(|c| (c[0].clone(), c[1].clone()))
                    .collect();
                (V::Map(pairs), rest)
            } else {
                (V::Arr(items), rest)
            }
        }
        c => panic!("unexpected type byte {c}"),
    }
}

/// Field names of a flat RESP2 map (or a RESP3 map) fixture.
pub fn fixture_keys(v: &V) -> Vec<String> {
    match v {
        V::Arr(items) => items.chunks(2).map(|c| c[0].text().to_string()).collect(),
        V::Map(pairs) => pairs.iter().map(|(k, _)| k.text().to_string()).collect(),
        _ => Vec::new(),
    }
}

/// Field names of a map frame.
pub fn frame_keys(f: &Frame) -> Vec<String> {
    match f {
        Frame::Map(pairs) => pairs
            .iter()
            .map(|(k, _)| match k {
                Frame::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
                _ => String::new(),
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Value of field `key` in a map frame.
pub fn field(f: &Frame, key: &str) -> Option<String> {
    match f {
        Frame::Map(pairs) => pairs.iter().find_map(|(k, v)| match (k, v) {
            (Frame::Bulk(k), Frame::Bulk(v)) if k.as_ref() == key.as_bytes() => {
                Some(String::from_utf8_lossy(v).into_owned())
            }
            _ => None,
        }),
        _ => None,
    }
}

pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}
