//! Server-side request parser (`RequestParser::parse`).
//!
//! Input: one flag byte, then the bytes a client sends. Flag bit 0 sets "auth required"
//! (the unauthenticated limits), bits 1..=3 choose the chunk size the stream is fed in.
//!
//! Properties checked besides "never panics":
//! - the commands and the final error do not depend on how the stream is chunked (for
//!   inputs far below the 64 KiB "too big" limits, the only chunking-dependent rules);
//! - pending state stays bounded: unparsed bytes plus held argument bytes never exceed
//!   the bytes fed, and the buffer's capacity stays within a constant factor of that;
//! - every command, re-encoded with `encode_command`, parses back to itself exactly;
//! - once failed, the parser keeps returning the same error and consumes nothing.
#![no_main]

use bytes::{Bytes, BytesMut};
use libfuzzer_sys::fuzz_target;
use rsentinel_resp::{encode_command, Limits, RequestParser};

/// Well under `PROTO_INLINE_MAX_SIZE`, so no "too big" error can depend on chunking.
const MAX_INPUT: usize = 16 * 1024;
/// Room the parser may reserve ahead for an announced argument (its `MAX_RESERVE`).
const RESERVE_SLACK: usize = 64 * 1024;

/// Commands parsed and the error that stopped the stream, if any (as text: the error
/// type has no `PartialEq`).
type Outcome = (Vec<Vec<Bytes>>, Option<String>);

fn run(data: &[u8], auth: bool, chunk: usize) -> Outcome {
    let mut parser = RequestParser::new(Limits::default());
    parser.set_auth_required(auth);
    let mut buf = BytesMut::new();
    let mut commands = Vec::new();
    let mut fed = 0usize;
    for piece in data.chunks(chunk) {
        buf.extend_from_slice(piece);
        fed += piece.len();
        loop {
            let before = buf.len();
            match parser.parse(&mut buf) {
                Ok(Some(args)) => {
                    assert!(!args.is_empty(), "empty command returned");
                    assert!(buf.len() < before, "command returned without consuming");
                    commands.push(args);
                }
                Ok(None) => {
                    assert!(
                        buf.len() + parser.held_bytes() <= fed,
                        "pending {} + held {} > fed {fed}",
                        buf.len(),
                        parser.held_bytes()
                    );
                    assert!(
                        buf.capacity() <= 4 * (fed + RESERVE_SLACK),
                        "buffer capacity {} for {fed} bytes fed",
                        buf.capacity()
                    );
                    break;
                }
                Err(err) => {
                    assert!(parser.is_failed());
                    let left = buf.len();
                    let again = parser.parse(&mut buf);
                    assert_eq!(buf.len(), left, "failed parser consumed input");
                    let again = again.expect_err("failed parser recovered");
                    assert_eq!(format!("{again:?}"), format!("{err:?}"));
                    return (commands, Some(format!("{err:?}")));
                }
            }
        }
    }
    (commands, None)
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, stream)) = data.split_first() else {
        return;
    };
    if stream.len() > MAX_INPUT {
        return;
    }
    let auth = flags & 1 == 1;
    let chunk = 1 + usize::from((flags >> 1) & 7);

    let whole = run(stream, auth, stream.len().max(1));
    let chunked = run(stream, auth, chunk);
    assert_eq!(whole, chunked, "result depends on chunking ({chunk} bytes)");

    for args in &whole.0 {
        let mut wire = BytesMut::new();
        encode_command(args, &mut wire);
        let mut parser = RequestParser::new(Limits::default());
        let back = parser.parse(&mut wire);
        assert!(
            matches!(&back, Ok(Some(again)) if again == args),
            "{args:?} re-encoded parses as {back:?}"
        );
        assert!(wire.is_empty(), "re-encoded command left {wire:?}");
    }
});
