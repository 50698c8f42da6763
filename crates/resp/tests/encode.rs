//! Golden bytes of every reply type, in RESP2 and RESP3, as redis 7.0 writes them.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failed test

use bytes::{Bytes, BytesMut};
use rsentinel_resp::{encode, encode_command, Frame, Protocol};

fn wire(frame: &Frame, proto: Protocol) -> Vec<u8> {
    let mut out = BytesMut::new();
    encode(frame, proto, &mut out);
    out.to_vec()
}

fn check(frame: Frame, resp2: &[u8], resp3: &[u8]) {
    assert_eq!(
        String::from_utf8_lossy(&wire(&frame, Protocol::Resp2)),
        String::from_utf8_lossy(resp2),
        "RESP2 {frame:?}"
    );
    assert_eq!(
        String::from_utf8_lossy(&wire(&frame, Protocol::Resp3)),
        String::from_utf8_lossy(resp3),
        "RESP3 {frame:?}"
    );
}

#[test]
fn scalars() {
    check(Frame::ok(), b"+OK\r\n", b"+OK\r\n");
    check(
        Frame::error("ERR no such master"),
        b"-ERR no such master\r\n",
        b"-ERR no such master\r\n",
    );
    check(Frame::Integer(0), b":0\r\n", b":0\r\n");
    check(Frame::Integer(-42), b":-42\r\n", b":-42\r\n");
    check(
        Frame::Integer(i64::MIN),
        b":-9223372036854775808\r\n",
        b":-9223372036854775808\r\n",
    );
    check(Frame::bulk_str("abc"), b"$3\r\nabc\r\n", b"$3\r\nabc\r\n");
    check(Frame::bulk(Bytes::new()), b"$0\r\n\r\n", b"$0\r\n\r\n");
    check(
        Frame::bulk(&b"a\r\nb\0"[..]),
        b"$5\r\na\r\nb\0\r\n",
        b"$5\r\na\r\nb\0\r\n",
    );
    check(Frame::Null, b"$-1\r\n", b"_\r\n");
    check(Frame::NullArray, b"*-1\r\n", b"_\r\n");
    check(Frame::Boolean(true), b":1\r\n", b"#t\r\n");
    check(Frame::Boolean(false), b":0\r\n", b"#f\r\n");
}

#[test]
fn doubles() {
    check(Frame::Double(1.5), b"$3\r\n1.5\r\n", b",1.5\r\n");
    check(
        Frame::Double(0.1),
        b"$19\r\n0.10000000000000001\r\n",
        b",0.10000000000000001\r\n",
    );
    check(Frame::Double(3.0), b"$1\r\n3\r\n", b",3\r\n");
    check(Frame::Double(1e20), b"$5\r\n1e+20\r\n", b",1e+20\r\n");
    check(Frame::Double(f64::INFINITY), b"$3\r\ninf\r\n", b",inf\r\n");
    check(
        Frame::Double(f64::NEG_INFINITY),
        b"$4\r\n-inf\r\n",
        b",-inf\r\n",
    );
    check(Frame::Double(f64::NAN), b"$3\r\nnan\r\n", b",nan\r\n");
}

#[test]
fn verbatim() {
    check(
        Frame::Verbatim {
            format: *b"txt",
            text: Bytes::from_static(b"# Server\r\nx:1"),
        },
        b"$13\r\n# Server\r\nx:1\r\n",
        b"=17\r\ntxt:# Server\r\nx:1\r\n",
    );
}

#[test]
fn aggregates() {
    check(Frame::Array(vec![]), b"*0\r\n", b"*0\r\n");
    check(
        Frame::Array(vec![Frame::bulk_str("a"), Frame::Integer(1), Frame::Null]),
        b"*3\r\n$1\r\na\r\n:1\r\n$-1\r\n",
        b"*3\r\n$1\r\na\r\n:1\r\n_\r\n",
    );
    check(
        Frame::Map(vec![
            (Frame::bulk_str("name"), Frame::bulk_str("m")),
            (Frame::bulk_str("ok"), Frame::Boolean(true)),
        ]),
        b"*4\r\n$4\r\nname\r\n$1\r\nm\r\n$2\r\nok\r\n:1\r\n",
        b"%2\r\n$4\r\nname\r\n$1\r\nm\r\n$2\r\nok\r\n#t\r\n",
    );
    check(Frame::Map(vec![]), b"*0\r\n", b"%0\r\n");
    check(
        Frame::Set(vec![Frame::bulk_str("x"), Frame::bulk_str("y")]),
        b"*2\r\n$1\r\nx\r\n$1\r\ny\r\n",
        b"~2\r\n$1\r\nx\r\n$1\r\ny\r\n",
    );
    check(
        Frame::Push(vec![
            Frame::bulk_str("message"),
            Frame::bulk_str("c"),
            Frame::bulk_str("p"),
        ]),
        b"*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\np\r\n",
        b">3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\np\r\n",
    );
    check(
        Frame::Array(vec![Frame::Map(vec![(
            Frame::Simple("k".into()),
            Frame::Set(vec![]),
        )])]),
        b"*1\r\n*2\r\n+k\r\n*0\r\n",
        b"*1\r\n%1\r\n+k\r\n~0\r\n",
    );
}

#[test]
fn line_replies_cannot_break_the_stream() {
    check(
        Frame::error("ERR unknown command 'a\r\nb\n'"),
        b"-ERR unknown command 'a  b '\r\n",
        b"-ERR unknown command 'a  b '\r\n",
    );
    check(Frame::Simple("x\ry".into()), b"+x y\r\n", b"+x y\r\n");
}

#[test]
fn commands() {
    let mut out = BytesMut::new();
    encode_command(
        &["SENTINEL", "get-master-addr-by-name", "mymaster"],
        &mut out,
    );
    assert_eq!(
        &out[..],
        b"*3\r\n$8\r\nSENTINEL\r\n$23\r\nget-master-addr-by-name\r\n$8\r\nmymaster\r\n"
    );
    let mut out = BytesMut::new();
    encode_command::<&[u8]>(&[], &mut out);
    assert_eq!(&out[..], b"*0\r\n");
    let mut out = BytesMut::new();
    encode_command(
        &[Bytes::from_static(b""), Bytes::from_static(b"\r\n")],
        &mut out,
    );
    assert_eq!(&out[..], b"*2\r\n$0\r\n\r\n$2\r\n\r\n\r\n");
}
