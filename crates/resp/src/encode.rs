//! Writing replies in the client's protocol, downgrading RESP3-only types for RESP2
//! clients the way redis 7.0 does, and writing commands for outbound links.

use bytes::{BufMut, BytesMut};

use crate::double::format_double;
use crate::frame::{Frame, Protocol};

/// Appends `frame` to `out` as `proto` wants it.
///
/// RESP2 gets maps as flat arrays of 2n items, sets and pushes as arrays, doubles and
/// verbatim strings as bulk strings, booleans as `:1`/`:0`, `Null` as `$-1` and
/// `NullArray` as `*-1`; RESP3 gets `_` for both nulls. CR and LF inside simple strings
/// and errors become spaces, so a reply can never break the protocol stream.
pub fn encode(frame: &Frame, proto: Protocol, out: &mut BytesMut) {
    let resp3 = proto == Protocol::Resp3;
    match frame {
        Frame::Simple(text) => line(out, b'+', text),
        Frame::Error(text) => line(out, b'-', text),
        Frame::Integer(n) => header(out, b':', n),
        Frame::Bulk(data) => bulk(out, data),
        Frame::Null if resp3 => out.put_slice(b"_\r\n"),
        Frame::Null => out.put_slice(b"$-1\r\n"),
        Frame::NullArray if resp3 => out.put_slice(b"_\r\n"),
        Frame::NullArray => out.put_slice(b"*-1\r\n"),
        Frame::Array(items) => aggregate(out, b'*', items, proto),
        Frame::Map(pairs) => {
            if resp3 {
                header(out, b'%', pairs.len());
            } else {
                header(out, b'*', pairs.len() * 2);
            }
            for (key, value) in pairs {
                encode(key, proto, out);
                encode(value, proto, out);
            }
        }
        Frame::Set(items) => aggregate(out, if resp3 { b'~' } else { b'*' }, items, proto),
        Frame::Push(items) => aggregate(out, if resp3 { b'>' } else { b'*' }, items, proto),
        Frame::Double(d) if resp3 => {
            out.put_u8(b',');
            out.put_slice(format_double(*d).as_bytes());
            out.put_slice(b"\r\n");
        }
        Frame::Double(d) => bulk(out, format_double(*d).as_bytes()),
        Frame::Boolean(b) if resp3 => out.put_slice(if *b { b"#t\r\n" } else { b"#f\r\n" }),
        Frame::Boolean(b) => out.put_slice(if *b { b":1\r\n" } else { b":0\r\n" }),
        Frame::Verbatim { format, text } if resp3 => {
            header(out, b'=', text.len() + 4);
            out.put_slice(format);
            out.put_u8(b':');
            out.put_slice(text);
            out.put_slice(b"\r\n");
        }
        Frame::Verbatim { text, .. } => bulk(out, text),
    }
}

/// Appends a command as a multibulk request (`*N` then one `$len` per argument).
pub fn encode_command<A: AsRef<[u8]>>(args: &[A], out: &mut BytesMut) {
    header(out, b'*', args.len());
    for arg in args {
        bulk(out, arg.as_ref());
    }
}

/// A count or an integer reply's value, as the header of [`header`] prints it.
trait Decimal: Copy {
    /// Sign and magnitude.
    fn parts(self) -> (bool, u64);
}

impl Decimal for usize {
    fn parts(self) -> (bool, u64) {
        (false, self as u64)
    }
}

impl Decimal for &i64 {
    fn parts(self) -> (bool, u64) {
        (*self < 0, self.unsigned_abs())
    }
}

/// `<prefix><n>\r\n`, with the digits written by hand: every reply has at least one
/// header, and the formatting machinery was a visible part of a pipelined reply's cost.
fn header(out: &mut BytesMut, prefix: u8, n: impl Decimal) {
    let (negative, m) = n.parts();
    // Most headers are a one-digit count or a short length: written in one slice.
    if !negative && m < 10 {
        out.put_slice(&[prefix, b'0' + m as u8, b'\r', b'\n']);
        return;
    }
    out.put_u8(prefix);
    out.put_slice(crate::number::Digits::with_sign(negative, m).as_bytes());
    out.put_slice(b"\r\n");
}

fn bulk(out: &mut BytesMut, data: &[u8]) {
    header(out, b'$', data.len());
    out.put_slice(data);
    out.put_slice(b"\r\n");
}

fn aggregate(out: &mut BytesMut, prefix: u8, items: &[Frame], proto: Protocol) {
    header(out, prefix, items.len());
    for item in items {
        encode(item, proto, out);
    }
}

/// A one-line reply with CR and LF replaced by spaces, as redis does for error texts.
fn line(out: &mut BytesMut, prefix: u8, text: &str) {
    out.put_u8(prefix);
    out.extend(
        text.bytes()
            .map(|b| if b == b'\r' || b == b'\n' { b' ' } else { b }),
    );
    out.put_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The hand-written headers print what `{}` prints, for integer replies and for
        /// the lengths of bulk strings and arrays.
        #[test]
        fn headers_print_as_display(n in any::<i64>(), len in 0usize..100_000) {
            let mut out = BytesMut::new();
            encode(&Frame::Integer(n), Protocol::Resp2, &mut out);
            let want = format!(":{n}\r\n");
            prop_assert_eq!(&out[..], want.as_bytes());
            let data = vec![b'x'; len];
            let mut out = BytesMut::new();
            encode(&Frame::Bulk(data.clone().into()), Protocol::Resp2, &mut out);
            let mut want = format!("${len}\r\n").into_bytes();
            want.extend_from_slice(&data);
            want.extend_from_slice(b"\r\n");
            prop_assert_eq!(&out[..], &want[..]);
        }
    }

    #[test]
    fn extreme_integers() {
        for n in [0, -1, i64::MIN, i64::MAX] {
            let mut out = BytesMut::new();
            encode(&Frame::Integer(n), Protocol::Resp2, &mut out);
            assert_eq!(&out[..], format!(":{n}\r\n").as_bytes());
        }
    }
}
