//! Request parser behaviour, checked against what redis-sentinel 7.0.15 does with the
//! same bytes.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failed test

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use rsentinel_resp::{encode_command, Limits, ProtocolError, RequestParser};

type Command = Vec<Vec<u8>>;

fn owned(args: Vec<Bytes>) -> Command {
    args.into_iter().map(|a| a.to_vec()).collect()
}

fn cmd(args: &[&[u8]]) -> Command {
    args.iter().map(|a| a.to_vec()).collect()
}

/// Feeds `chunks` one after another, draining every command after each, and returns the
/// commands and the error that stopped parsing, if any.
fn run(parser: &mut RequestParser, chunks: &[&[u8]]) -> (Vec<Command>, Option<String>) {
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        loop {
            match parser.parse(&mut buf) {
                Ok(Some(args)) => out.push(owned(args)),
                Ok(None) => break,
                Err(err) => return (out, Some(err.to_string())),
            }
        }
    }
    (out, None)
}

fn run_all(input: &[u8]) -> (Vec<Command>, Option<String>) {
    run(&mut RequestParser::default(), &[input])
}

const MIXED: &[u8] = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nva\r\nl\r\n\
PING\r\n\
  sentinel   \"get-master-addr-by-name\"  'my master' \"\\x41\\n\"\r\n\
\r\n\
*0\r\n\
*-1\r\n\
echo a\n\
*1\r\n$0\r\n\r\n";

fn mixed_expected() -> Vec<Command> {
    vec![
        cmd(&[b"SET", b"k", b"va\r\nl"]),
        cmd(&[b"PING"]),
        cmd(&[
            b"sentinel",
            b"get-master-addr-by-name",
            b"my master",
            b"A\n",
        ]),
        cmd(&[b"echo", b"a"]),
        cmd(&[b""]),
    ]
}

#[test]
fn mixed_pipeline_in_one_read() {
    assert_eq!(run_all(MIXED), (mixed_expected(), None));
}

#[test]
fn mixed_pipeline_split_at_every_byte_boundary() {
    for cut in 0..=MIXED.len() {
        let (a, b) = MIXED.split_at(cut);
        assert_eq!(
            run(&mut RequestParser::default(), &[a, b]),
            (mixed_expected(), None),
            "cut at {cut}"
        );
    }
    for cut1 in (0..=MIXED.len()).step_by(7) {
        for cut2 in cut1..=MIXED.len() {
            let parts = [&MIXED[..cut1], &MIXED[cut1..cut2], &MIXED[cut2..]];
            assert_eq!(
                run(&mut RequestParser::default(), &parts),
                (mixed_expected(), None)
            );
        }
    }
}

#[test]
fn mixed_pipeline_one_byte_at_a_time() {
    let chunks: Vec<&[u8]> = MIXED.chunks(1).collect();
    assert_eq!(
        run(&mut RequestParser::default(), &chunks),
        (mixed_expected(), None)
    );
}

#[test]
fn inline_flag() {
    let mut parser = RequestParser::default();
    let mut buf = BytesMut::from(&b"PING\r\n*1\r\n$4\r\nPING\r\n"[..]);
    assert!(parser.parse(&mut buf).is_ok_and(|c| c.is_some()));
    assert!(parser.last_was_inline());
    assert!(parser.parse(&mut buf).is_ok_and(|c| c.is_some()));
    assert!(!parser.last_was_inline());
    assert!(buf.is_empty());
}

#[test]
fn redis_quirks() {
    let cases: &[(&[u8], &[&[u8]])] = &[
        // The byte after the header's \r is skipped unchecked, and so are the two bytes
        // after an argument.
        (b"*1\rX$4\r\nPING\r\n", &[b"PING"]),
        (b"*1\r\n$4\r\nPINGxy", &[b"PING"]),
        // Any negative count is an empty command.
        (b"*-5\r\nPING\r\n", &[b"PING"]),
        // Only one \r before the \n is part of the terminator; the rest is whitespace.
        (b"PING\r\r\n", &[b"PING"]),
        (b"a\rb\n", &[b"a", b"b"]),
    ];
    for (input, want) in cases {
        let (got, err) = run_all(input);
        assert_eq!(
            (got, err),
            (vec![cmd(want)], None),
            "{:?}",
            String::from_utf8_lossy(input)
        );
    }
}

#[test]
fn nul_blocks_a_line_like_strchr() {
    // redis searches with strchr, which stops at NUL: the line never ends.
    let (got, err) = run_all(b"PI\0NG\r\nPING\r\n");
    assert_eq!((got, err), (vec![], None));
    let (got, err) = run_all(b"*1\0\r\n$4\r\nPING\r\n");
    assert_eq!((got, err), (vec![], None));
    // ...until it grows past 64 KiB.
    let mut input = b"PI\0".to_vec();
    input.extend(b"x\r\n".repeat(30_000));
    assert_eq!(
        run_all(&input).1.as_deref(),
        Some("Protocol error: too big inline request")
    );
    // Inside bulk data NUL is just a byte.
    assert_eq!(run_all(b"*1\r\n$3\r\na\0b\r\n").0, vec![cmd(&[b"a\0b"])]);
}

#[test]
fn protocol_errors_have_redis_text() {
    let big = |prefix: &[u8], n: usize, fill: u8| {
        let mut v = prefix.to_vec();
        v.resize(prefix.len() + n, fill);
        v
    };
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            big(b"", 65_537, b'x'),
            "Protocol error: too big inline request",
        ),
        (
            b"\"PING\"x\r\n".to_vec(),
            "Protocol error: unbalanced quotes in request",
        ),
        (
            b"'abc\r\n".to_vec(),
            "Protocol error: unbalanced quotes in request",
        ),
        (
            big(b"*", 65_536, b'1'),
            "Protocol error: too big mbulk count string",
        ),
        (
            b"*x\r\n".to_vec(),
            "Protocol error: invalid multibulk length",
        ),
        (
            b"*01\r\n".to_vec(),
            "Protocol error: invalid multibulk length",
        ),
        (
            b"*1 \r\n".to_vec(),
            "Protocol error: invalid multibulk length",
        ),
        (
            b"*2147483648\r\n".to_vec(),
            "Protocol error: invalid multibulk length",
        ),
        (
            big(b"*1\r\n$", 65_536, b'1'),
            "Protocol error: too big bulk count string",
        ),
        (
            b"*1\r\nfoo\r\n".to_vec(),
            "Protocol error: expected '$', got 'f'",
        ),
        (
            b"*1\r\n\n\r\n".to_vec(),
            "Protocol error: expected '$', got ' '",
        ),
        (
            b"*1\r\n\r\n".to_vec(),
            "Protocol error: expected '$', got ' '",
        ),
        (
            b"*1\r\n$-1\r\n".to_vec(),
            "Protocol error: invalid bulk length",
        ),
        (
            b"*1\r\n$x\r\n".to_vec(),
            "Protocol error: invalid bulk length",
        ),
        (
            b"*1\r\n$536870913\r\n".to_vec(),
            "Protocol error: invalid bulk length",
        ),
        // The header search runs into the next line, as redis' strchr does.
        (
            b"*1\r\n$3foo\r\n".to_vec(),
            "Protocol error: invalid bulk length",
        ),
    ];
    for (input, want) in cases {
        let (_, err) = run_all(&input);
        assert_eq!(
            err.as_deref(),
            Some(want),
            "{:?}",
            String::from_utf8_lossy(&input[..input.len().min(20)])
        );
    }
}

#[test]
fn limits_are_inclusive_like_redis() {
    // Exactly 64 KiB without a newline is still waiting; one more byte is an error.
    assert_eq!(run_all(&[b'x'; 65_536]), (vec![], None));
    let mut header = b"*".to_vec();
    header.resize(65_536, b'1');
    assert_eq!(run_all(&header), (vec![], None));
    // A line longer than 64 KiB is fine when its newline arrives in the same read.
    let mut long = vec![b'a'; 100_000];
    long.extend_from_slice(b" b\r\n");
    assert_eq!(
        run_all(&long).0,
        vec![vec![vec![b'a'; 100_000], b"b".to_vec()]]
    );
    // proto-max-bulk-len: equal is fine, above is not.
    let limits = Limits {
        proto_max_bulk_len: 5,
        ..Limits::default()
    };
    let mut parser = RequestParser::new(limits);
    assert_eq!(
        run(&mut parser, &[b"*1\r\n$5\r\nhello\r\n"]).0,
        vec![cmd(&[b"hello"])]
    );
    let (_, err) = run(&mut parser, &[b"*1\r\n$6\r\n"]);
    assert_eq!(err.as_deref(), Some("Protocol error: invalid bulk length"));
    let (_, err) = run_all(b"*1\r\n$536870912\r\n");
    assert_eq!(err, None);
}

#[test]
fn unauthenticated_limits() {
    let auth = || {
        let mut p = RequestParser::default();
        p.set_auth_required(true);
        p
    };
    let ten = b"*10\r\n".to_vec();
    assert_eq!(run(&mut auth(), &[&ten]).1, None);
    assert_eq!(
        run(&mut auth(), &[b"*11\r\n"]).1.as_deref(),
        Some("Protocol error: unauthenticated multibulk length")
    );
    assert_eq!(run(&mut auth(), &[b"*1\r\n$16384\r\n"]).1, None);
    assert_eq!(
        run(&mut auth(), &[b"*1\r\n$16385\r\n"]).1.as_deref(),
        Some("Protocol error: unauthenticated bulk length")
    );
    // Inline requests are not limited.
    let line = [b"a ".repeat(20), b"\r\n".to_vec()].concat();
    assert_eq!(run(&mut auth(), &[&line]).0.len(), 1);
    // The check applies per header, so authenticating lifts it for what follows.
    let mut parser = auth();
    let mut buf = BytesMut::from(&b"*2\r\n$4\r\nAUTH\r\n$1\r\np\r\n*11\r\n"[..]);
    assert!(parser.parse(&mut buf).is_ok_and(|c| c.is_some()));
    parser.set_auth_required(false);
    assert!(parser.parse(&mut buf).is_ok_and(|c| c.is_none()));
}

#[test]
fn errors_are_sticky_and_leave_the_offending_element() {
    let mut parser = RequestParser::default();
    let mut buf = BytesMut::from(&b"PING\r\n*2\r\n$3\r\nGET\r\n?3\r\nkey\r\n"[..]);
    assert!(parser.parse(&mut buf).is_ok_and(|c| c.is_some()));
    let err = parser.parse(&mut buf).err();
    assert!(matches!(err, Some(ProtocolError::ExpectedDollar(b'?'))));
    assert_eq!(&buf[..], b"?3\r\nkey\r\n");
    assert!(parser.is_failed());
    buf.extend_from_slice(b"PING\r\n");
    assert!(matches!(
        parser.parse(&mut buf),
        Err(ProtocolError::ExpectedDollar(b'?'))
    ));
    assert_eq!(&buf[..], b"?3\r\nkey\r\nPING\r\n");
    assert_eq!(
        err.and_then(|e| e.reply_bytes()).as_deref(),
        Some(&b"-ERR Protocol error: expected '$', got '?'\r\n"[..])
    );
}

#[test]
fn query_buffer_limit_closes_silently() {
    let limits = Limits {
        query_buffer_limit: 16,
        ..Limits::default()
    };
    let mut parser = RequestParser::new(limits);
    // Headers already parsed do not count: only what is still in the buffer does.
    let mut buf = BytesMut::from(&b"*1\r\n$20\r\n"[..]);
    assert!(parser.parse(&mut buf).is_ok_and(|c| c.is_none()));
    buf.extend_from_slice(b"0123456789");
    assert!(parser.parse(&mut buf).is_ok_and(|c| c.is_none()));
    buf.extend_from_slice(b"0123456789");
    match parser.parse(&mut buf) {
        Err(err @ ProtocolError::QueryBufferLimit { len: 20, .. }) => {
            assert!(!err.has_reply());
            assert_eq!(err.reply_bytes(), None);
        }
        other => panic!("unexpected {other:?}"),
    }
    // Exactly at the limit is fine.
    let mut parser = RequestParser::new(limits);
    let mut buf = BytesMut::from(&[b'x'; 16][..]);
    assert!(parser.parse(&mut buf).is_ok());
    assert!(parser.query_buffer_exceeded(17));
}

#[test]
fn big_argument_byte_by_byte() {
    let value = vec![b'v'; 200_000];
    let mut input = BytesMut::new();
    encode_command(&[b"SET".as_slice(), b"k", &value], &mut input);
    let mut parser = RequestParser::default();
    let mut buf = BytesMut::new();
    let mut got = None;
    for &b in input.iter() {
        buf.extend_from_slice(&[b]);
        if let Some(args) = parser.parse(&mut buf).ok().flatten() {
            got = Some(owned(args));
        }
        assert!(parser.held_bytes() + buf.len() <= input.len());
    }
    assert_eq!(got, Some(vec![b"SET".to_vec(), b"k".to_vec(), value]));
    assert!(buf.is_empty());
}

/// With the `codec` feature the parser frames tokio streams (`FramedRead`).
#[cfg(feature = "codec")]
#[test]
fn decoder_interface() {
    use tokio_util::codec::Decoder;
    let mut parser = RequestParser::default();
    let mut buf = BytesMut::from(&b"PING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi"[..]);
    assert_eq!(
        parser.decode(&mut buf).ok().flatten().map(owned),
        Some(cmd(&[b"PING"]))
    );
    assert_eq!(parser.decode(&mut buf).ok().flatten(), None);
    // A command cut short by the client closing is dropped without an error.
    assert!(matches!(parser.decode_eof(&mut buf), Ok(None)));
    // The reply decoder too: a reply cut short is an error.
    let mut d = rsentinel_resp::ReplyDecoder::new();
    let mut buf = BytesMut::from(&b"+OK\r\n$5\r\nab"[..]);
    assert_eq!(
        Decoder::decode(&mut d, &mut buf).ok().flatten(),
        Some(rsentinel_resp::Frame::ok())
    );
    assert!(Decoder::decode_eof(&mut d, &mut buf).is_err());
}

#[test]
fn read_errors_have_no_reply() {
    let io: ProtocolError = std::io::Error::other("reset").into();
    assert!(!io.has_reply());
}

fn arg_strategy() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..40),
        proptest::collection::vec(any::<u8>(), 0..70_000),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic_nor_hoard(
        chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 0..40),
        auth in any::<bool>(),
    ) {
        let mut parser = RequestParser::default();
        parser.set_auth_required(auth);
        let mut buf = BytesMut::new();
        let mut fed = 0usize;
        let mut out = 0usize;
        for chunk in &chunks {
            buf.extend_from_slice(chunk);
            fed += chunk.len();
            while let Ok(Some(args)) = parser.parse(&mut buf) {
                out += args.iter().map(|a| a.len()).sum::<usize>();
            }
            prop_assert!(parser.held_bytes() + buf.len() + out <= fed);
        }
    }

    #[test]
    fn random_resp_like_input_never_panics(
        parts in proptest::collection::vec(
            prop_oneof![
                Just(b"*".to_vec()), Just(b"$".to_vec()), Just(b"\r\n".to_vec()),
                Just(b"\"".to_vec()), Just(b"'".to_vec()), Just(b"\\x4".to_vec()),
                Just(b"-1".to_vec()), Just(b"3".to_vec()), Just(b" ".to_vec()), Just(b"\n".to_vec()),
                Just(b"\0".to_vec()), Just(b"abc".to_vec()),
            ],
            0..60,
        ),
        cut in any::<prop::sample::Index>(),
    ) {
        let input = parts.concat();
        let at = cut.index(input.len() + 1);
        let mut parser = RequestParser::default();
        let mut buf = BytesMut::new();
        for chunk in [&input[..at], &input[at..]] {
            buf.extend_from_slice(chunk);
            while let Ok(Some(_)) = parser.parse(&mut buf) {}
            prop_assert!(parser.held_bytes() + buf.len() <= input.len());
        }
    }

    #[test]
    fn encode_command_round_trips(
        commands in proptest::collection::vec(proptest::collection::vec(arg_strategy(), 1..6), 1..4),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut wire = BytesMut::new();
        for args in &commands {
            encode_command(args, &mut wire);
        }
        let at = cut.index(wire.len() + 1);
        let (got, err) = run(&mut RequestParser::default(), &[&wire[..at], &wire[at..]]);
        prop_assert_eq!(err, None);
        prop_assert_eq!(got, commands);
    }

    #[test]
    fn inline_tokens_round_trip(tokens in proptest::collection::vec("[!#-&(-~]{1,12}", 1..8)) {
        let line = format!("cmd {}\r\n", tokens.join(" "));
        let (got, err) = run_all(line.as_bytes());
        prop_assert_eq!(err, None);
        let mut want = vec![b"cmd".to_vec()];
        want.extend(tokens.iter().map(|t| t.as_bytes().to_vec()));
        prop_assert_eq!(got, vec![want]);
    }
}
