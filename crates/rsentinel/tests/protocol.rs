//! The wire protocol over real sockets: inline and multibulk requests, pipelining, split
//! writes, protocol errors (exact reply, then close), and RESP3.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failed test

mod common;

use common::*;
use rsentinel_resp::{Frame, Protocol};
use std::time::Duration;

#[test]
fn inline_ping_like_nc() {
    let s = Sentinel::start("", &[]);
    let mut c = s.client();
    c.send_raw(b"PING\r\n");
    assert_eq!(c.recv(), Frame::Simple("PONG".into()));
    // A bare LF ends an inline command too; arguments are split like redis does.
    c.send_raw(b"ping \"hello world\"\n");
    assert_eq!(text(&c.recv()), "hello world");
    // Empty lines are skipped.
    c.send_raw(b"\r\n\r\nPING\r\n");
    assert_eq!(c.recv(), Frame::Simple("PONG".into()));
}

#[test]
fn pipelined_commands_in_one_write_answer_in_order() {
    let s = Sentinel::start("", &[]);
    let mut c = s.client();
    let mut batch = Vec::new();
    for i in 0..500 {
        if i % 2 == 0 {
            batch.extend_from_slice(format!("PING {i}\r\n").as_bytes());
        } else {
            let arg = i.to_string();
            batch.extend_from_slice(
                format!("*2\r\n$4\r\nPING\r\n${}\r\n{arg}\r\n", arg.len()).as_bytes(),
            );
        }
    }
    c.send_raw(&batch);
    for i in 0..500 {
        assert_eq!(text(&c.recv()), i.to_string());
    }
    c.expect_silence();
}

#[test]
fn byte_by_byte_writes_make_one_command() {
    let s = Sentinel::start("", &[]);
    let mut c = s.client();
    for &b in b"*2\r\n$4\r\nPING\r\n$3\r\nabc\r\nPING x\r\n" {
        c.send_raw(&[b]);
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(text(&c.recv()), "abc");
    assert_eq!(text(&c.recv()), "x");
    c.expect_silence();
}

#[test]
fn protocol_errors_reply_exactly_then_close() {
    let s = Sentinel::start("", &[]);
    let cases: &[(&[u8], &str)] = &[
        (
            b"*abc\r\n",
            "-ERR Protocol error: invalid multibulk length\r\n",
        ),
        (
            b"*1\r\n$-5\r\n",
            "-ERR Protocol error: invalid bulk length\r\n",
        ),
        (
            b"*1\r\n$abc\r\n",
            "-ERR Protocol error: invalid bulk length\r\n",
        ),
        (
            b"*1\r\nfoo\r\n",
            "-ERR Protocol error: expected '$', got 'f'\r\n",
        ),
        (
            b"ping \"unbalanced\r\n",
            "-ERR Protocol error: unbalanced quotes in request\r\n",
        ),
        (
            b"ping 'x\r\n",
            "-ERR Protocol error: unbalanced quotes in request\r\n",
        ),
        // Commands before the bad one in the same write are answered first.
        (
            b"PING\r\n*abc\r\nPING\r\n",
            "+PONG\r\n-ERR Protocol error: invalid multibulk length\r\n",
        ),
    ];
    for (input, expected) in cases {
        let mut c = s.client();
        c.send_raw(input);
        let got = c.read_until_closed();
        assert_eq!(
            String::from_utf8_lossy(&got),
            *expected,
            "input {:?}",
            String::from_utf8_lossy(input)
        );
    }
    // The server is unharmed.
    assert_eq!(s.client().cmd(&["PING"]), Frame::Simple("PONG".into()));
}

#[test]
fn too_big_inline_request_is_refused_and_closed() {
    let s = Sentinel::start("", &[]);
    let mut c = s.client();
    // Over 64 KiB without a newline, sent in pieces as a slow client would.
    let chunk = vec![b'a'; 8 * 1024];
    for _ in 0..9 {
        // The server may close (and reset) before we are done writing.
        if std::io::Write::write_all(&mut c.stream, &chunk).is_err() {
            break;
        }
    }
    let got = c.read_until_closed();
    assert_eq!(
        String::from_utf8_lossy(&got),
        "-ERR Protocol error: too big inline request\r\n"
    );
    assert_eq!(s.client().cmd(&["PING"]), Frame::Simple("PONG".into()));
}

#[test]
fn resp3_hello_map_and_push_messages() {
    let s = Sentinel::start("", &[]);
    let mut c = s.client();
    c.set_protocol(Protocol::Resp3);
    let hello = c.cmd(&["HELLO", "3"]);
    assert!(matches!(hello, Frame::Map(_)), "{hello:?}");
    let keys: Vec<String> = pairs(&hello).into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        keys,
        ["server", "version", "proto", "id", "mode", "modules"].map(String::from)
    );
    assert_eq!(field(&hello, "proto").as_deref(), Some("3"));
    assert_eq!(field(&hello, "mode").as_deref(), Some("sentinel"));
    assert_eq!(field(&hello, "version").as_deref(), Some("7.0.15"));

    // Subscribe confirmations and messages are pushes; other commands still work.
    let sub = c.cmd(&["PSUBSCRIBE", "*"]);
    assert_eq!(
        sub,
        Frame::Push(vec![
            Frame::bulk_str("psubscribe"),
            Frame::bulk_str("*"),
            Frame::Integer(1)
        ])
    );
    assert_eq!(c.cmd(&["PING"]), Frame::Simple("PONG".into()));
    let mp = free_port().to_string();
    let mut admin = s.client();
    assert_ok(&admin.cmd(&["SENTINEL", "MONITOR", "m", "127.0.0.1", &mp, "2"]));
    let msg = c.recv();
    assert_eq!(
        msg,
        Frame::Push(vec![
            Frame::bulk_str("pmessage"),
            Frame::bulk_str("*"),
            Frame::bulk_str("+monitor"),
            Frame::bulk(format!("master m 127.0.0.1 {mp} quorum 2")),
        ])
    );
    // RESP3 maps for SENTINEL MASTER.
    let m = c.cmd(&["SENTINEL", "MASTER", "m"]);
    assert!(matches!(m, Frame::Map(_)), "{m:?}");
    assert_eq!(field(&m, "name").as_deref(), Some("m"));
    // HELLO 2 goes back to RESP2 arrays, its own reply included (as redis does).
    c.set_protocol(Protocol::Resp2);
    let back = c.cmd(&["HELLO", "2"]);
    assert!(matches!(back, Frame::Array(_)), "{back:?}");
    assert_eq!(field(&back, "proto").as_deref(), Some("2"));
    // Subscribed in RESP2 again: the pub/sub context applies now.
    assert!(c.cmd(&["SENTINEL", "MASTER", "m"]).is_error());
    assert_eq!(items(&c.cmd(&["PUNSUBSCRIBE"]))[2], Frame::Integer(0));
    let m = c.cmd(&["SENTINEL", "MASTER", "m"]);
    assert!(matches!(m, Frame::Array(_)), "{m:?}");
}

#[test]
fn resp2_subscriber_context_restricts_commands() {
    let s = Sentinel::start("", &[]);
    let mut c = s.client();
    c.send(&["SUBSCRIBE", "a", "b"]);
    assert_eq!(
        c.recv(),
        Frame::Array(vec![
            Frame::bulk_str("subscribe"),
            Frame::bulk_str("a"),
            Frame::Integer(1)
        ])
    );
    assert_eq!(items(&c.recv())[2], Frame::Integer(2));
    assert_err(
        &c.cmd(&["ROLE"]),
        "ERR Can't execute 'role': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
    );
    assert_eq!(
        c.cmd(&["PING"]),
        Frame::Array(vec![Frame::bulk_str("pong"), Frame::bulk_str("")])
    );
    c.send(&["UNSUBSCRIBE"]);
    let mut left = vec![items(&c.recv())[2].clone(), items(&c.recv())[2].clone()];
    left.sort_by_key(|f| format!("{f:?}"));
    assert_eq!(left, vec![Frame::Integer(0), Frame::Integer(1)]);
    assert_eq!(c.cmd(&["PING"]), Frame::Simple("PONG".into()));
}

#[test]
fn binary_safe_arguments_and_sanitized_errors() {
    let s = Sentinel::start("", &[]);
    let mut c = s.client();
    // A 200 KB argument comes back intact.
    let big = "z".repeat(200_000);
    assert_eq!(text(&c.cmd(&["PING", &big])), big);
    // Arbitrary bytes, CR and LF included, are echoed as they are.
    c.send_raw(b"*2\r\n$4\r\nPING\r\n$4\r\n\xff\x00\r\n\r\n");
    assert_eq!(c.recv(), Frame::bulk(&b"\xff\x00\r\n"[..]));
    // Error texts never carry a line break: CR and LF become spaces.
    c.send_raw(b"*2\r\n$8\r\nfoo\r\nbar\r\n$3\r\na\nb\r\n");
    assert_err(
        &c.recv(),
        "ERR unknown command 'foo  bar', with args beginning with: 'a b' ",
    );
    // Long names and arguments are cut at 128 bytes.
    let x = "x".repeat(300);
    let y = "y".repeat(300);
    let e = text(&c.cmd(&[&x, &y]));
    assert_eq!(
        e,
        format!(
            "ERR unknown command '{}', with args beginning with: '{}' ",
            &x[..128],
            &y[..128]
        )
    );
    // Lengths past redis' limits are protocol errors.
    for (input, expected) in [
        (
            &b"*1\r\n$536870913\r\n"[..],
            "-ERR Protocol error: invalid bulk length\r\n",
        ),
        (
            b"*2147483648\r\n",
            "-ERR Protocol error: invalid multibulk length\r\n",
        ),
    ] {
        let mut c = s.client();
        c.send_raw(input);
        assert_eq!(String::from_utf8_lossy(&c.read_until_closed()), expected);
    }
    // A huge but legal count just waits for more input.
    let mut c = s.client();
    c.send_raw(b"*2147483647\r\n");
    c.expect_silence();
    assert_eq!(s.client().cmd(&["PING"]), Frame::Simple("PONG".into()));
}

/// A command as a multibulk request (inline ones are limited to 64 KiB).
fn multibulk(args: &[&str]) -> Vec<u8> {
    let mut out = bytes::BytesMut::new();
    rsentinel_resp::encode_command(args, &mut out);
    out.to_vec()
}

#[test]
fn pipelining_without_reading_replies_does_not_stall() {
    use std::io::{Read, Write};
    let s = Sentinel::start("", &[]);
    let mut c = slow_reader(s.port);
    let arg = "p".repeat(100_000);
    let cmd = multibulk(&["PING", &arg]);
    let count = 200; // 20 MB each way: far more than the socket buffers hold.
    c.set_write_timeout(Some(LONG)).unwrap();
    // Like redis, the server keeps reading while the replies wait for us.
    for i in 0..count {
        if let Err(e) = c.write_all(&cmd) {
            panic!("write {i} of {count} blocked: {e}");
        }
    }
    let reply = format!("${}\r\n{arg}\r\n", arg.len());
    let want = reply.len() * count;
    let mut got = 0;
    let mut buf = vec![0u8; 1 << 20];
    c.set_read_timeout(Some(LONG)).unwrap();
    while got < want {
        match c.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) => panic!("read failed after {got} of {want} bytes: {e}"),
        }
    }
    assert_eq!(got, want);
}

#[test]
fn a_client_with_a_full_socket_can_still_be_killed() {
    let s = Sentinel::start("", &[]);
    let victim = slow_reader(s.port);
    let mut writer = victim.try_clone().unwrap();
    writer.set_write_timeout(Some(LONG)).unwrap();
    // Ask for far more than the socket buffers hold and never read it.
    let pusher = std::thread::spawn(move || {
        let cmd = multibulk(&["PING", &"k".repeat(100_000)]);
        for _ in 0..100 {
            if std::io::Write::write_all(&mut writer, &cmd).is_err() {
                break;
            }
        }
    });
    let mut admin = s.client();
    let victim_port = victim.local_addr().unwrap().port();
    let addr = format!("127.0.0.1:{victim_port}");
    // Wait until the server has seen its commands (its reply backlog is then growing).
    assert!(wait_until(LONG, || {
        let list = text(&admin.cmd(&["CLIENT", "LIST"]));
        list.lines()
            .any(|l| l.contains(&format!(" addr={addr} ")) && l.contains(" cmd=ping "))
    }));
    assert_ok(&admin.cmd(&["CLIENT", "KILL", &addr]));
    // The connection is gone from the server although its replies were never read.
    assert!(wait_until(LONG, || {
        !text(&admin.cmd(&["CLIENT", "LIST"])).contains(&format!(" addr={addr} "))
    }));
    drop(victim);
    let _ = pusher.join();
    assert_eq!(admin.cmd(&["PING"]), Frame::Simple("PONG".into()));
}
