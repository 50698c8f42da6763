//! The client-side reply decoder: round trips through the encoder, redis' real reply
//! shapes, and hostile input.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failed test

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use rsentinel_resp::{encode, format_double, Frame, Protocol, ReplyDecoder, ReplyError};

fn decoder(proto: Protocol) -> ReplyDecoder {
    let mut d = ReplyDecoder::new();
    d.set_protocol(proto);
    d
}

/// Decodes everything in `input`, fed in the given pieces.
fn decode_all(d: &mut ReplyDecoder, pieces: &[&[u8]]) -> Result<Vec<Frame>, ReplyError> {
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    for piece in pieces {
        buf.extend_from_slice(piece);
        while let Some(frame) = d.decode(&mut buf)? {
            out.push(frame);
        }
    }
    Ok(out)
}

fn one(proto: Protocol, input: &[u8]) -> Result<Vec<Frame>, ReplyError> {
    decode_all(&mut decoder(proto), &[input])
}

/// What a RESP2 client sees of a frame: redis' downgrade of RESP3-only types.
fn downgrade(frame: &Frame) -> Frame {
    let all = |items: &[Frame]| items.iter().map(downgrade).collect();
    match frame {
        Frame::Map(pairs) => Frame::Array(
            pairs
                .iter()
                .flat_map(|(k, v)| [downgrade(k), downgrade(v)])
                .collect(),
        ),
        Frame::Set(items) | Frame::Push(items) | Frame::Array(items) => Frame::Array(all(items)),
        Frame::Double(d) => Frame::bulk_str(&format_double(*d)),
        Frame::Boolean(b) => Frame::Integer(i64::from(*b)),
        Frame::Verbatim { text, .. } => Frame::Bulk(text.clone()),
        other => other.clone(),
    }
}

/// What a RESP3 client sees: only the null array collapses into the one null.
fn resp3_view(frame: &Frame) -> Frame {
    let all = |items: &[Frame]| items.iter().map(resp3_view).collect();
    match frame {
        Frame::NullArray => Frame::Null,
        Frame::Array(items) => Frame::Array(all(items)),
        Frame::Set(items) => Frame::Set(all(items)),
        Frame::Push(items) => Frame::Push(all(items)),
        Frame::Map(pairs) => Frame::Map(
            pairs
                .iter()
                .map(|(k, v)| (resp3_view(k), resp3_view(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn line_text() -> impl Strategy<Value = String> {
    "[^\r\n]{0,16}"
}

/// Keys of maps and members of sets: redis-protocol hashes them, and strings are what
/// redis ever sends there.
fn key() -> impl Strategy<Value = Frame> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..12).prop_map(|v| Frame::Bulk(Bytes::from(v))),
        line_text().prop_map(Frame::Simple),
    ]
}

fn leaf() -> impl Strategy<Value = Frame> {
    prop_oneof![
        line_text().prop_map(Frame::Simple),
        line_text().prop_map(|t| Frame::Error(format!("ERR {t}"))),
        any::<i64>().prop_map(Frame::Integer),
        proptest::collection::vec(any::<u8>(), 0..24).prop_map(|v| Frame::Bulk(Bytes::from(v))),
        Just(Frame::Null),
        Just(Frame::NullArray),
        any::<f64>()
            .prop_filter("NaN never equals itself", |d| !d.is_nan())
            .prop_map(Frame::Double),
        any::<bool>().prop_map(Frame::Boolean),
        (
            prop_oneof![Just(*b"txt"), Just(*b"mkd")],
            proptest::collection::vec(any::<u8>(), 0..24)
        )
            .prop_map(|(format, text)| Frame::Verbatim {
                format,
                text: Bytes::from(text)
            }),
    ]
}

fn frame() -> impl Strategy<Value = Frame> {
    leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Frame::Array),
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Frame::Push),
            proptest::collection::vec(key(), 0..6).prop_map(Frame::Set),
            proptest::collection::vec((key(), inner), 0..6).prop_map(Frame::Map),
        ]
    })
}

const TOKENS: &[&[u8]] = &[
    b"*", b"%", b"~", b">", b"|", b"$", b"=", b"!", b"+", b",", b"#", b"_", b"1", b"2", b"-1",
    b"?", b"\r\n", b"txt:", b"t", b"inf",
];

fn wire(frames: &[Frame], proto: Protocol) -> BytesMut {
    let mut out = BytesMut::new();
    for f in frames {
        encode(f, proto, &mut out);
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn resp3_round_trip(frames in proptest::collection::vec(frame(), 1..4), cut in any::<prop::sample::Index>()) {
        let bytes = wire(&frames, Protocol::Resp3);
        let at = cut.index(bytes.len() + 1);
        let got = decode_all(&mut decoder(Protocol::Resp3), &[&bytes[..at], &bytes[at..]]);
        let want: Vec<Frame> = frames.iter().map(resp3_view).collect();
        prop_assert_eq!(got.ok(), Some(want));
    }

    #[test]
    fn resp2_round_trip(frames in proptest::collection::vec(frame(), 1..4), cut in any::<prop::sample::Index>()) {
        let bytes = wire(&frames, Protocol::Resp2);
        let at = cut.index(bytes.len() + 1);
        let got = decode_all(&mut decoder(Protocol::Resp2), &[&bytes[..at], &bytes[at..]]);
        let want: Vec<Frame> = frames.iter().map(downgrade).collect();
        prop_assert_eq!(got.ok(), Some(want));
    }

    #[test]
    fn random_bytes_never_panic(
        input in proptest::collection::vec(any::<u8>(), 0..200),
        resp3 in any::<bool>(),
    ) {
        let proto = if resp3 { Protocol::Resp3 } else { Protocol::Resp2 };
        let mut d = ReplyDecoder::with_max_frame_size(64);
        let mut buf = BytesMut::from(&input[..]);
        d.set_protocol(proto);
        while let Ok(Some(_)) = d.decode(&mut buf) {}
        prop_assert!(buf.len() <= input.len());
    }

    #[test]
    fn random_resp_tokens_never_panic(
        parts in proptest::collection::vec(
            proptest::sample::select(TOKENS),
            0..50,
        ),
        resp3 in any::<bool>(),
    ) {
        let input = parts.concat();
        let proto = if resp3 { Protocol::Resp3 } else { Protocol::Resp2 };
        let mut d = decoder(proto);
        for at in 0..=input.len() {
            let _ = decode_all(&mut d, &[&input[..at], &input[at..]]);
            d = decoder(proto);
        }
    }
}

#[test]
fn every_split_of_a_sentinel_like_reply() {
    let frames = vec![
        Frame::Map(vec![
            (Frame::bulk_str("name"), Frame::bulk_str("mymaster")),
            (Frame::bulk_str("ip"), Frame::bulk_str("127.0.0.1")),
            (Frame::bulk_str("flags"), Frame::bulk_str("master")),
            (Frame::bulk_str("quorum"), Frame::Integer(2)),
        ]),
        Frame::Push(vec![
            Frame::bulk_str("message"),
            Frame::bulk_str("+sdown"),
            Frame::Null,
        ]),
        Frame::Double(0.5),
        Frame::Verbatim {
            format: *b"txt",
            text: Bytes::from_static(b"# Sentinel\r\n"),
        },
    ];
    for proto in [Protocol::Resp2, Protocol::Resp3] {
        let bytes = wire(&frames, proto);
        let want: Vec<Frame> = match proto {
            Protocol::Resp2 => frames.iter().map(downgrade).collect(),
            Protocol::Resp3 => frames.clone(),
        };
        for at in 0..=bytes.len() {
            let got = decode_all(&mut decoder(proto), &[&bytes[..at], &bytes[at..]]);
            assert_eq!(got.ok().as_ref(), Some(&want), "{proto:?} split at {at}");
        }
        let pieces: Vec<&[u8]> = bytes.chunks(1).collect();
        assert_eq!(decode_all(&mut decoder(proto), &pieces).ok(), Some(want));
    }
}

#[test]
fn resp2_nulls_keep_their_kind() {
    assert_eq!(
        one(Protocol::Resp2, b"*3\r\n$-1\r\n*-1\r\n*1\r\n$-1\r\n*-1\r\n").ok(),
        Some(vec![
            Frame::Array(vec![
                Frame::Null,
                Frame::NullArray,
                Frame::Array(vec![Frame::Null])
            ]),
            Frame::NullArray,
        ])
    );
}

#[test]
fn resp3_types_from_redis() {
    let input = b"_\r\n#f\r\n,-inf\r\n,nan\r\n(12345678901234567890\r\n!5\r\nERR x\r\n|1\r\n+key\r\n+val\r\n:7\r\n";
    let got = one(Protocol::Resp3, input);
    let Ok(got) = got else { panic!("{got:?}") };
    assert_eq!(got.len(), 7);
    assert_eq!(got[0], Frame::Null);
    assert_eq!(got[1], Frame::Boolean(false));
    assert_eq!(got[2], Frame::Double(f64::NEG_INFINITY));
    assert!(matches!(got[3], Frame::Double(d) if d.is_nan()));
    assert_eq!(got[4], Frame::bulk_str("12345678901234567890"));
    assert_eq!(got[5], Frame::error("ERR x"));
    // Attributes are dropped; the element they annotate remains.
    assert_eq!(got[6], Frame::Integer(7));
    assert_eq!(
        one(Protocol::Resp3, b"*2\r\n|1\r\n+a\r\n+b\r\n:1\r\n:2\r\n").ok(),
        Some(vec![Frame::Array(vec![
            Frame::Integer(1),
            Frame::Integer(2)
        ])])
    );
}

#[test]
fn invalid_utf8_in_errors_is_replaced() {
    assert_eq!(
        one(Protocol::Resp2, b"-ERR unknown command '\xff'\r\n").ok(),
        Some(vec![Frame::error("ERR unknown command '\u{fffd}'")])
    );
}

#[test]
fn malformed_input_is_an_error() {
    let cases: &[(Protocol, &[u8])] = &[
        (Protocol::Resp2, b"?\r\n"),
        (Protocol::Resp2, b"_\r\n"),
        (Protocol::Resp2, b"%1\r\n"),
        (Protocol::Resp2, b"$-2\r\n"),
        (Protocol::Resp2, b"$x\r\n"),
        (Protocol::Resp2, b"$3\r\nabcXY"),
        (Protocol::Resp2, b":abc\r\n"),
        (Protocol::Resp3, b"$-1\r\n"),
        (Protocol::Resp3, b"*-1\r\n"),
        (Protocol::Resp3, b"*?\r\n"),
        (Protocol::Resp3, b"$?\r\n"),
        (Protocol::Resp3, b"#x\r\n"),
        (Protocol::Resp3, b"=5\r\nabc:x\r\n"),
        (Protocol::Resp3, b"=2\r\nab\r\n"),
        (Protocol::Resp3, b"%1\r\n*0\r\n:1\r\n"),
        (Protocol::Resp3, b"HELLO 3\r\n"),
    ];
    for (proto, input) in cases {
        assert!(
            matches!(one(*proto, input), Err(ReplyError::Malformed(_))),
            "{proto:?} {:?} gave {:?}",
            String::from_utf8_lossy(input),
            one(*proto, input)
        );
    }
}

#[test]
fn size_and_depth_are_bounded() {
    let mut d = ReplyDecoder::with_max_frame_size(1000);
    assert_eq!(d.max_frame_size(), 1000);
    // A huge declared length is refused before any of it arrives.
    assert!(matches!(
        decode_all(&mut d, &[b"$1000000000\r\n"]),
        Err(ReplyError::TooLarge { limit: 1000 })
    ));
    let mut d = ReplyDecoder::with_max_frame_size(1000);
    assert!(matches!(
        decode_all(&mut d, &[b"*999999999\r\n"]),
        Err(ReplyError::TooLarge { .. })
    ));
    // A line that never ends is refused once it passes the limit.
    let mut d = ReplyDecoder::with_max_frame_size(1000);
    assert!(matches!(decode_all(&mut d, &[b"+", &[b'a'; 999]]), Ok(v) if v.is_empty()));
    let mut d = ReplyDecoder::with_max_frame_size(1000);
    assert!(matches!(
        decode_all(&mut d, &[b"+", &[b'a'; 1000]]),
        Err(ReplyError::TooLarge { .. })
    ));
    // Nesting is limited, before redis-protocol's recursion could exhaust the stack.
    let deep = b"*1\r\n".repeat(100_000);
    assert!(matches!(
        one(Protocol::Resp2, &deep),
        Err(ReplyError::TooDeep(_))
    ));
    let ok_depth = [b"*1\r\n".repeat(63), b":1\r\n".to_vec()].concat();
    assert!(one(Protocol::Resp2, &ok_depth).is_ok_and(|v| v.len() == 1));
}

#[test]
fn eof_inside_a_reply_is_an_error() {
    let mut d = ReplyDecoder::new();
    let mut buf = BytesMut::from(&b"+OK\r\n$5\r\nab"[..]);
    assert_eq!(d.decode(&mut buf).ok().flatten(), Some(Frame::ok()));
    assert!(d.decode_eof(&mut buf).is_err());
}

#[test]
fn protocol_switch() {
    let mut d = ReplyDecoder::new();
    assert_eq!(d.protocol(), Protocol::Resp2);
    assert!(matches!(
        decode_all(&mut d, &[b"%0\r\n"]),
        Err(ReplyError::Malformed(_))
    ));
    let mut d = ReplyDecoder::new();
    d.set_protocol(Protocol::Resp3);
    assert_eq!(
        decode_all(&mut d, &[b"%0\r\n"]).ok(),
        Some(vec![Frame::Map(vec![])])
    );
}

/// Found by fuzzing: a reply over the limit that arrived in one read used to be accepted,
/// while the same bytes arriving in small reads were refused.
#[test]
fn limit_does_not_depend_on_how_the_reply_arrives() {
    let reply = [&b"+"[..], &[b'a'; 300], b"\r\n"].concat();
    let mut whole = ReplyDecoder::with_max_frame_size(256);
    assert!(matches!(
        decode_all(&mut whole, &[&reply]),
        Err(ReplyError::TooLarge { limit: 256 })
    ));
    let pieces: Vec<&[u8]> = reply.chunks(8).collect();
    let mut piecemeal = ReplyDecoder::with_max_frame_size(256);
    assert!(matches!(
        decode_all(&mut piecemeal, &pieces),
        Err(ReplyError::TooLarge { limit: 256 })
    ));
    let many = [b"*100\r\n".to_vec(), b":1\r\n".repeat(100)].concat();
    let mut d = ReplyDecoder::with_max_frame_size(256);
    assert!(matches!(
        decode_all(&mut d, &[&many]),
        Err(ReplyError::TooLarge { limit: 256 })
    ));
    let mut d = ReplyDecoder::with_max_frame_size(reply.len());
    assert!(decode_all(&mut d, &[&reply]).is_ok_and(|v| v.len() == 1));
}

#[test]
fn a_reply_alone_in_the_buffer_takes_it_without_a_copy() {
    let mut d = decoder(Protocol::Resp2);
    let mut buf = BytesMut::with_capacity(64);
    buf.extend_from_slice(b"$5\r\nhello\r\n");
    let start = buf.as_ptr() as usize;
    let frame = d.decode(&mut buf).unwrap().unwrap();
    assert!(buf.is_empty());
    let Frame::Bulk(data) = frame else {
        panic!("not a bulk reply");
    };
    assert_eq!(&data[..], b"hello");
    // The payload lies in the original buffer, after the `$5\r\n` header.
    assert_eq!(data.as_ptr() as usize, start + 4);
    // With another reply behind it, the first is copied out and the rest stays.
    buf.extend_from_slice(b"+OK\r\n:1\r\n");
    assert_eq!(
        d.decode(&mut buf).unwrap(),
        Some(Frame::Simple("OK".into()))
    );
    assert_eq!(&buf[..], b":1\r\n");
}
