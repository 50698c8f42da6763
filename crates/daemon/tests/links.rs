//! The instance link layer against a real redis-server: replies in order, pub/sub
//! messages, and disconnection reports.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failed test

use bytes::Bytes;
use rsentinel_core::ReplyBound;
use rsentinel_daemon::link_events::{self, EventReceiver, EventSender};
use rsentinel_daemon::links::{self, LinkEvent, LinkHandle};
use rsentinel_resp::Frame;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Redis(Child);

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn start_redis(port: u16) -> Redis {
    let mut child = Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .args(["--bind", "127.0.0.1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server is installed (scripts/install-deps)");
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Redis(child);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("redis-server did not start on {port}");
}

fn args(words: &[&str]) -> Vec<Bytes> {
    words
        .iter()
        .map(|w| Bytes::copy_from_slice(w.as_bytes()))
        .collect()
}

async fn next(rx: &mut EventReceiver) -> LinkEvent {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("an event within 10 s")
        .expect("the channel stays open")
}

/// Opens link `id` to a loopback port and waits until it reports connected.
async fn connect(id: u64, port: u16, tx: &EventSender, rx: &mut EventReceiver) -> LinkHandle {
    let link = links::open(
        id,
        "127.0.0.1".into(),
        port,
        ReplyBound::INSTANCE_COMMANDS,
        tx.clone(),
        None,
        Default::default(),
    )
    .expect("connect starts");
    assert_eq!(next(rx).await, LinkEvent::Connected(id, "127.0.0.1".into()));
    link
}

/// Runs `f` on a single-threaded runtime's `LocalSet`, as the daemon runs its links.
fn on_local_set(f: impl std::future::Future<Output = ()>) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    tokio::task::LocalSet::new().block_on(&rt, f);
}

#[test]
fn replies_messages_and_disconnection() {
    let port = free_port();
    let redis = start_redis(port);
    on_local_set(async move {
        let (tx, mut rx) = link_events::channel();
        let cmd = connect(1, port, &tx, &mut rx).await;
        let sub = connect(2, port, &tx, &mut rx).await;

        // Replies come back in order, one event each, even when pipelined.
        cmd.send(&args(&["PING"]));
        cmd.send(&args(&["ECHO", "second"]));
        assert_eq!(
            next(&mut rx).await,
            LinkEvent::Reply(1, Frame::Simple("PONG".into()))
        );
        assert_eq!(
            next(&mut rx).await,
            LinkEvent::Reply(1, Frame::bulk_str("second"))
        );

        // A subscription's confirmation and messages arrive on the pub/sub link.
        sub.send(&args(&["SUBSCRIBE", "__sentinel__:hello"]));
        match next(&mut rx).await {
            LinkEvent::Reply(2, Frame::Array(items)) => {
                assert_eq!(items[0], Frame::bulk_str("subscribe"))
            }
            other => panic!("unexpected {other:?}"),
        }
        cmd.send(&args(&["PUBLISH", "__sentinel__:hello", "hi"]));
        let mut seen_count = false;
        let mut seen_message = false;
        while !(seen_count && seen_message) {
            match next(&mut rx).await {
                LinkEvent::Reply(1, Frame::Integer(1)) => seen_count = true,
                LinkEvent::Reply(2, Frame::Array(items)) => {
                    assert_eq!(items[0], Frame::bulk_str("message"));
                    assert_eq!(items[2], Frame::bulk_str("hi"));
                    seen_message = true;
                }
                other => panic!("unexpected {other:?}"),
            }
        }

        // Losing the server is reported on both links.
        drop(redis);
        let mut closed = Vec::new();
        while closed.len() < 2 {
            if let LinkEvent::Closed(id, _) = next(&mut rx).await {
                closed.push(id);
            }
        }
        closed.sort();
        assert_eq!(closed, vec![1, 2]);

        // A local port where nothing listens is refused at once, before any task runs,
        // as redis' non-blocking connect sees it.
        let dead = free_port();
        assert!(links::open(
            3,
            "127.0.0.1".into(),
            dead,
            ReplyBound::INSTANCE_COMMANDS,
            tx.clone(),
            None,
            Default::default(),
        )
        .is_err());
        // A host name is resolved by the task, which then reports the refusal.
        let _gone = links::open(
            4,
            "localhost".into(),
            dead,
            ReplyBound::INSTANCE_COMMANDS,
            tx.clone(),
            None,
            Default::default(),
        )
        .expect("resolving starts");
        assert!(matches!(next(&mut rx).await, LinkEvent::Closed(4, _)));
    });
}

/// A peer whose reply breaks the link's bound is refused at the reply's header: the
/// link reports why and closes, without waiting for (or building) the elements.
#[test]
fn a_reply_over_the_bound_closes_the_link() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let peer = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().expect("accept");
        let mut buf = [0u8; 64];
        let _ = s.read(&mut buf);
        // Only the header of a 5.5M-element array; the rest never comes.
        let _ = s.write_all(b"*5500000\r\n:1\r\n");
        let _ = s.read(&mut buf);
    });
    on_local_set(async move {
        let (tx, mut rx) = link_events::channel();
        let link = links::open(
            1,
            "127.0.0.1".into(),
            port,
            ReplyBound::SMALL,
            tx.clone(),
            None,
            Default::default(),
        )
        .expect("connect starts");
        assert_eq!(
            next(&mut rx).await,
            LinkEvent::Connected(1, "127.0.0.1".into())
        );
        link.send(&args(&["PING"]));
        match next(&mut rx).await {
            LinkEvent::Refused(1, why) => assert!(why.contains("elements"), "{why}"),
            other => panic!("unexpected {other:?}"),
        }
        assert!(matches!(next(&mut rx).await, LinkEvent::Closed(1, _)));
    });
    let _ = peer.join();
}

/// Links read into one buffer they share, and a reply cut by a read moves to the
/// link's own: replies split anywhere, or longer than the shared buffer, interleaved
/// over two links, still come out whole and in each link's order.
#[test]
fn replies_split_across_reads_come_out_whole_on_each_link() {
    use std::io::{Read, Write};
    let big = "x".repeat(40_000);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let payload = big.clone();
    let peer = std::thread::spawn(move || {
        let (mut a, _) = listener.accept().expect("accept a");
        let (mut b, _) = listener.accept().expect("accept b");
        let mut buf = [0u8; 64];
        let _ = a.read(&mut buf);
        let _ = b.read(&mut buf);
        let bulk = format!("${}\r\n{payload}\r\n:7\r\n", payload.len());
        // (link, bytes): 0 is `a`, 1 is `b`.
        let pieces: [(usize, &[u8]); 6] = [
            (0, b"+PONG\r\n$5\r\nhel"),
            (1, &bulk.as_bytes()[..3]),
            (0, b"lo\r\n*2\r\n$1\r\na\r"),
            (1, &bulk.as_bytes()[3..20_000]),
            (0, b"\n:2\r\n"),
            (1, &bulk.as_bytes()[20_000..]),
        ];
        for (which, bytes) in pieces {
            let s = if which == 0 { &mut a } else { &mut b };
            s.write_all(bytes).expect("write");
            s.flush().expect("flush");
            std::thread::sleep(Duration::from_millis(30));
        }
        let _ = a.read(&mut buf);
        let _ = b.read(&mut buf);
    });
    on_local_set(async move {
        let (tx, mut rx) = link_events::channel();
        let a = connect(1, port, &tx, &mut rx).await;
        let b = connect(2, port, &tx, &mut rx).await;
        a.send(&args(&["PING"]));
        b.send(&args(&["PING"]));
        let (mut on_a, mut on_b) = (Vec::new(), Vec::new());
        while on_a.len() < 3 || on_b.len() < 2 {
            match next(&mut rx).await {
                LinkEvent::Reply(1, f) => on_a.push(f),
                LinkEvent::Reply(2, f) => on_b.push(f),
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(
            on_a,
            vec![
                Frame::Simple("PONG".into()),
                Frame::bulk_str("hello"),
                Frame::Array(vec![Frame::bulk_str("a"), Frame::Integer(2)]),
            ]
        );
        assert_eq!(on_b, vec![Frame::bulk_str(&big), Frame::Integer(7)]);
    });
    let _ = peer.join();
}
