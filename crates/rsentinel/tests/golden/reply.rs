//! Replies as they come off the socket: a strict RESP2/RESP3 parser (so a wrong
//! length or a missing CRLF is caught even where the golden file normalises a
//! value) and the printable rendering shared with `scripts/capture-golden`.

use std::fmt::Write as _;

/// Largest reply we accept; a bigger one is a bug in the server under test.
const MAX_REPLY: usize = 16 * 1024 * 1024;

/// One reply frame, kept close to the wire form.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// `+ - : _ # , (`: the type byte and the rest of the line.
    Line(u8, Vec<u8>),
    /// `$ = !`: the type byte and the payload (`None` for a null, `$-1`).
    Bulk(u8, Option<Vec<u8>>),
    /// `* ~ > % |`: the type byte and the elements (`None` for `*-1`).
    /// Maps and attributes hold keys and values flattened, as on the wire.
    Aggregate(u8, Option<Vec<Reply>>),
}

/// Why a frame could not be taken from the buffer.
#[derive(Debug, PartialEq)]
pub enum ParseError {
    /// More bytes are needed.
    Incomplete,
    /// The bytes are not valid RESP.
    Invalid(String),
}

/// Parses one frame at the start of `buf`; returns it and the bytes it used.
pub fn parse(buf: &[u8]) -> Result<(Reply, usize), ParseError> {
    parse_at(buf, 0, 0)
}

fn parse_at(buf: &[u8], pos: usize, depth: usize) -> Result<(Reply, usize), ParseError> {
    if depth > 64 {
        return Err(ParseError::Invalid("nesting deeper than 64".into()));
    }
    let rest = buf.get(pos..).unwrap_or_default();
    let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") else {
        if rest.len() > MAX_REPLY {
            return Err(ParseError::Invalid("line too long".into()));
        }
        return Err(ParseError::Incomplete);
    };
    let Some((&kind, head)) = rest[..eol].split_first() else {
        return Err(ParseError::Invalid(
            "empty line where a frame starts".into(),
        ));
    };
    let after = pos + eol + 2;
    match kind {
        b'+' | b'-' | b':' | b'_' | b'#' | b',' | b'(' => {
            Ok((Reply::Line(kind, head.to_vec()), after))
        }
        b'$' | b'=' | b'!' => {
            let n = header_int(kind, head)?;
            if n < 0 {
                return Ok((Reply::Bulk(kind, None), after));
            }
            let n = usize::try_from(n).map_err(|_| ParseError::Invalid("bad length".into()))?;
            if n > MAX_REPLY {
                return Err(ParseError::Invalid(format!("bulk of {n} bytes")));
            }
            let end = after + n;
            if buf.len() < end + 2 {
                return Err(ParseError::Incomplete);
            }
            if &buf[end..end + 2] != b"\r\n" {
                return Err(ParseError::Invalid(format!(
                    "bulk of declared length {n} not followed by CRLF"
                )));
            }
            Ok((Reply::Bulk(kind, Some(buf[after..end].to_vec())), end + 2))
        }
        b'*' | b'~' | b'>' | b'%' | b'|' => {
            let n = header_int(kind, head)?;
            if n < 0 {
                return Ok((Reply::Aggregate(kind, None), after));
            }
            let n = usize::try_from(n).map_err(|_| ParseError::Invalid("bad count".into()))?;
            let count = if matches!(kind, b'%' | b'|') {
                n.saturating_mul(2)
            } else {
                n
            };
            if count > MAX_REPLY {
                return Err(ParseError::Invalid(format!(
                    "aggregate of {count} elements"
                )));
            }
            let mut items = Vec::with_capacity(count.min(1024));
            let mut at = after;
            for _ in 0..count {
                let (item, next) = parse_at(buf, at, depth + 1)?;
                items.push(item);
                at = next;
            }
            Ok((Reply::Aggregate(kind, Some(items)), at))
        }
        other => Err(ParseError::Invalid(format!(
            "unknown type byte {:?}",
            escape(&[other])
        ))),
    }
}

fn header_int(kind: u8, head: &[u8]) -> Result<i64, ParseError> {
    std::str::from_utf8(head)
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .ok_or_else(|| {
            ParseError::Invalid(format!("bad {} header {:?}", kind as char, escape(head)))
        })
}

/// Printable form of reply bytes: `\\ \{ \r \n \t \xNN`, and a trailing space
/// as `\x20` so editors cannot eat it.  Must match `escape` in capture-golden.
pub fn escape(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len());
    for &b in data {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'{' => out.push_str("\\{"),
            b'\r' => out.push_str("\\r"),
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            0x20..=0x7e => out.push(b as char),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    if out.ends_with(' ') {
        out.pop();
        out.push_str("\\x20");
    }
    out
}

/// Renders a frame in the golden file notation (no normalisation), for
/// mismatch reports.
pub fn render(reply: &Reply, depth: usize, out: &mut Vec<String>) {
    let pad = "  ".repeat(depth);
    match reply {
        Reply::Line(kind, text) => out.push(format!("< {pad}{}{}", *kind as char, escape(text))),
        Reply::Bulk(kind, None) => out.push(format!("< {pad}{}-1", *kind as char)),
        Reply::Bulk(kind, Some(data)) => {
            let lines = split_crlf(data);
            match lines.as_slice() {
                [only] if only.is_empty() => {
                    out.push(format!("< {pad}{}{}", *kind as char, data.len()))
                }
                [only] => out.push(format!("< {pad}{}{} {only}", *kind as char, data.len())),
                _ => {
                    out.push(format!("< {pad}{}{}", *kind as char, data.len()));
                    for line in lines {
                        out.push(if line.is_empty() {
                            "|".to_string()
                        } else {
                            format!("| {line}")
                        });
                    }
                }
            }
        }
        Reply::Aggregate(kind, None) => out.push(format!("< {pad}{}-1", *kind as char)),
        Reply::Aggregate(kind, Some(items)) => {
            let shown = if matches!(kind, b'%' | b'|') {
                items.len() / 2
            } else {
                items.len()
            };
            out.push(format!("< {pad}{}{shown}", *kind as char));
            for item in items {
                render(item, depth + 1, out);
            }
        }
    }
}

/// A payload's lines (split on CRLF), each escaped.
pub fn split_crlf(data: &[u8]) -> Vec<String> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i + 1 < data.len() {
        if data[i] == b'\r' && data[i + 1] == b'\n' {
            lines.push(escape(&data[start..i]));
            i += 2;
            start = i;
        } else {
            i += 1;
        }
    }
    lines.push(escape(&data[start..]));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nested_resp3() {
        let wire = b"%1\r\n$2\r\nid\r\n:5\r\n";
        let (reply, used) = parse(wire).unwrap();
        assert_eq!(used, wire.len());
        let mut out = Vec::new();
        render(&reply, 0, &mut out);
        assert_eq!(out, vec!["< %1", "<   $2 id", "<   :5"]);
    }

    #[test]
    fn wrong_bulk_length_is_invalid() {
        assert!(matches!(
            parse(b"$3\r\nabcd\r\n"),
            Err(ParseError::Invalid(_))
        ));
        assert_eq!(parse(b"$3\r\nab"), Err(ParseError::Incomplete));
    }

    #[test]
    fn escape_marks_specials_and_trailing_space() {
        assert_eq!(escape(b"a{b}\\ \x01\n "), "a\\{b}\\\\ \\x01\\n\\x20");
    }
}
