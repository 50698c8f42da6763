//! Client-side reply decoder (`ReplyDecoder`).
//!
//! Input: one flag byte, then a reply stream. Flag bit 0 picks RESP3 over RESP2, bit 1 a
//! small size limit (256 bytes) over the default, bits 2..=4 the chunk size the stream is
//! fed in.
//!
//! Properties checked besides "never panics":
//! - the frames, and whether the stream ends in an error, do not depend on how it is
//!   chunked (the error's kind may: a line longer than the limit is `TooLarge` while
//!   incomplete but `Malformed` once whole if it is not a valid reply);
//! - each frame consumes at least one byte and no more than the size limit;
//! - every frame, re-encoded with `encode` in the same protocol, decodes back to the same
//!   frame (to the same bytes when it holds a CR or LF in a simple string or error, which
//!   the encoder turns into spaces), consuming exactly the encoding.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use rsentinel_resp::{encode, Frame, Protocol, ReplyDecoder};

const SMALL_LIMIT: usize = 256;
const MAX_INPUT: usize = 64 * 1024;

fn decoder(proto: Protocol, max: usize) -> ReplyDecoder {
    let mut d = ReplyDecoder::with_max_frame_size(max);
    d.set_protocol(proto);
    d
}

/// The frames decoded and whether the stream ended in an error.
fn run(data: &[u8], proto: Protocol, max: usize, chunk: usize) -> (Vec<Frame>, bool) {
    let mut dec = decoder(proto, max);
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    for piece in data.chunks(chunk) {
        buf.extend_from_slice(piece);
        loop {
            let before = buf.len();
            match dec.decode(&mut buf) {
                Ok(Some(frame)) => {
                    let used = before - buf.len();
                    assert!(used > 0, "frame without consuming input");
                    assert!(used <= max, "frame of {used} bytes over limit {max}");
                    frames.push(frame);
                }
                Ok(None) => break,
                Err(_) => return (frames, true),
            }
        }
    }
    (frames, false)
}

/// True when the encoder would alter the frame (CR/LF in one-line strings become spaces).
fn lossy_on_encode(frame: &Frame) -> bool {
    let line_breaks = |s: &str| s.contains(['\r', '\n']);
    match frame {
        Frame::Simple(s) | Frame::Error(s) => line_breaks(s),
        Frame::Array(v) | Frame::Set(v) | Frame::Push(v) => v.iter().any(lossy_on_encode),
        Frame::Map(pairs) => pairs
            .iter()
            .any(|(k, v)| lossy_on_encode(k) || lossy_on_encode(v)),
        _ => false,
    }
}

/// As `Debug` text, so NaN doubles compare equal.
fn debug_all(frames: &[Frame]) -> Vec<String> {
    frames.iter().map(|f| format!("{f:?}")).collect()
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, stream)) = data.split_first() else {
        return;
    };
    if stream.len() > MAX_INPUT {
        return;
    }
    let proto = if flags & 1 == 1 {
        Protocol::Resp3
    } else {
        Protocol::Resp2
    };
    let max = if flags & 2 == 2 {
        SMALL_LIMIT
    } else {
        rsentinel_resp::DEFAULT_MAX_REPLY_SIZE
    };
    let chunk = 1 + usize::from((flags >> 2) & 7);

    let (frames, err) = run(stream, proto, max, stream.len().max(1));
    let (frames_chunked, err_chunked) = run(stream, proto, max, chunk);
    assert_eq!(
        (debug_all(&frames), &err),
        (debug_all(&frames_chunked), &err_chunked),
        "result depends on chunking ({chunk} bytes)"
    );

    for frame in &frames {
        let mut wire = BytesMut::new();
        encode(frame, proto, &mut wire);
        let encoded = wire.clone();
        let mut dec = decoder(proto, rsentinel_resp::DEFAULT_MAX_REPLY_SIZE);
        let back = match dec.decode(&mut wire) {
            Ok(Some(back)) => back,
            other => panic!("{frame:?} encoded as {encoded:?} decodes as {other:?}"),
        };
        assert!(wire.is_empty(), "{encoded:?} left {wire:?}");
        if lossy_on_encode(frame) {
            let mut again = BytesMut::new();
            encode(&back, proto, &mut again);
            assert_eq!(again, encoded, "{frame:?} does not re-encode stably");
        } else {
            assert_eq!(format!("{back:?}"), format!("{frame:?}"), "via {encoded:?}");
        }
    }
});
