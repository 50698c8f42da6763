//! Finding where one reply ends before decoding it, so that the reply decoder works in
//! linear time on replies arriving piecemeal, refuses oversized or absurdly nested input
//! early, and only hands complete, size-checked frames to `redis-protocol` (which would
//! otherwise reparse from the start on every read and recurse without a depth limit).

use crate::frame::Protocol;
use crate::number::string2ll;

/// What is wrong with the input; the reply decoder turns it into its error type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ScanError {
    /// Not a reply this decoder accepts.
    Malformed(String),
    /// The reply is, or declares itself, larger than the limit.
    TooLarge,
    /// Aggregates nested deeper than [`MAX_DEPTH`].
    TooDeep,
    /// Aggregates declaring more elements, all levels together, than the limit.
    TooMany,
}

/// Deepest nesting of aggregates accepted; redis replies rarely exceed 4 levels.
pub(crate) const MAX_DEPTH: usize = 64;

/// What one header line led to.
enum Step {
    /// An element ended at this offset.
    Element(usize),
    /// An aggregate opened (or an empty attribute passed); the next element starts here.
    Skip(usize),
}

/// An aggregate whose children are still being read.
#[derive(Clone, Copy, Debug)]
struct Open {
    /// Children still expected (maps and attributes count keys and values).
    left: u64,
    /// An attribute annotates the element after it and is not an element itself.
    attribute: bool,
}

/// Resumable walk over the reply at the start of a buffer.
#[derive(Debug, Default)]
pub(crate) struct Scanner {
    /// Bytes of the reply walked so far; always at the start of an element.
    pos: usize,
    /// How far the current element's header line was searched for its `\n`.
    searched: usize,
    open: Vec<Open>,
    /// For RESP2, whether each null met so far (in stream order) was `*-1` rather than `$-1`.
    nulls: Vec<bool>,
    /// Elements declared by the reply's aggregates so far, all levels together: a hostile
    /// peer's `*5000000` is refused at its header, before anything is built for it.
    declared: u64,
}

impl Scanner {
    /// Ready for the next reply. The stack of open aggregates keeps its room (at most
    /// `MAX_DEPTH` entries): every pub/sub message is an array, and a new stack for
    /// each was one of the allocations per message on every link.
    fn reset(&mut self) {
        self.pos = 0;
        self.searched = 0;
        self.open.clear();
        self.nulls.clear();
        self.declared = 0;
    }

    /// Returns the length of the complete reply at the start of `buf` and, for RESP2, the
    /// kinds of its nulls; `None` while it is incomplete. Call again with the same buffer
    /// (grown) until it is complete; after `Some` or an error the scanner is reset.
    pub(crate) fn scan(
        &mut self,
        buf: &[u8],
        proto: Protocol,
        max: usize,
        max_elements: u64,
    ) -> Result<Option<(usize, Vec<bool>)>, ScanError> {
        match self.walk(buf, proto, max, max_elements) {
            Ok(Some(len)) => {
                let nulls = std::mem::take(&mut self.nulls);
                self.reset();
                Ok(Some((len, nulls)))
            }
            Ok(None) if buf.len() > max => {
                self.reset();
                Err(ScanError::TooLarge)
            }
            Ok(None) => Ok(None),
            Err(err) => {
                self.reset();
                Err(err)
            }
        }
    }

    fn walk(
        &mut self,
        buf: &[u8],
        proto: Protocol,
        max: usize,
        max_elements: u64,
    ) -> Result<Option<usize>, ScanError> {
        let resp3 = proto == Protocol::Resp3;
        loop {
            let Some(&kind) = buf.get(self.pos) else {
                return Ok(None);
            };
            let Some(eol) = self.find_line_end(buf) else {
                return Ok(None);
            };
            let line = &buf[self.pos + 1..eol - 1];
            let next = eol + 1;
            let step = match kind {
                b'+' | b'-' | b':' => Step::Element(next),
                b',' | b'#' | b'_' | b'(' if resp3 => Step::Element(next),
                b'$' | b'!' | b'=' if resp3 || kind == b'$' => match declared(line, resp3)? {
                    None => {
                        self.nulls.push(false);
                        Step::Element(next)
                    }
                    Some(len) if len > max as u64 => return Err(ScanError::TooLarge),
                    Some(len) => {
                        // `len` is at most `max`, so it fits in usize.
                        let end = next.saturating_add(len as usize);
                        if buf.len() < end.saturating_add(2) {
                            return Ok(None);
                        }
                        if &buf[end..end + 2] != b"\r\n" {
                            return Err(ScanError::Malformed(
                                "bulk string not followed by CRLF".into(),
                            ));
                        }
                        Step::Element(end + 2)
                    }
                },
                b'*' | b'%' | b'~' | b'>' | b'|' if resp3 || kind == b'*' => {
                    match declared(line, resp3)? {
                        None => {
                            self.nulls.push(true);
                            Step::Element(next)
                        }
                        Some(n) => {
                            let attribute = kind == b'|';
                            let left = if kind == b'%' || attribute {
                                n.saturating_mul(2)
                            } else {
                                n
                            };
                            self.declared = self.declared.saturating_add(left);
                            if self.declared > max_elements {
                                return Err(ScanError::TooMany);
                            }
                            if left > max as u64 {
                                return Err(ScanError::TooLarge);
                            }
                            if left == 0 {
                                if attribute {
                                    Step::Skip(next)
                                } else {
                                    Step::Element(next)
                                }
                            } else if self.open.len() >= MAX_DEPTH {
                                return Err(ScanError::TooDeep);
                            } else {
                                self.open.push(Open { left, attribute });
                                Step::Skip(next)
                            }
                        }
                    }
                }
                other => {
                    return Err(ScanError::Malformed(format!(
                        "unexpected reply type byte {:?}",
                        char::from(other)
                    )))
                }
            };
            match step {
                Step::Element(end) => {
                    if let Some(len) = self.element_done(end) {
                        return Ok(Some(len));
                    }
                    self.advance(end);
                }
                Step::Skip(next) => self.advance(next),
            }
        }
    }

    /// Index of the `\n` ending the header line at `pos`, which must follow a `\r`.
    fn find_line_end(&mut self, buf: &[u8]) -> Option<usize> {
        let from = self.searched.max(self.pos + 2);
        let mut at = from;
        while let Some(offset) = buf.get(at..)?.iter().position(|&b| b == b'\n') {
            let nl = at + offset;
            if buf[nl - 1] == b'\r' {
                self.searched = nl;
                return Some(nl);
            }
            at = nl + 1;
        }
        self.searched = buf.len();
        None
    }

    fn advance(&mut self, to: usize) {
        self.pos = to;
        self.searched = 0;
    }

    /// Counts a finished element ending at `end` against the open aggregates; `Some(end)`
    /// when that completes the whole reply.
    fn element_done(&mut self, end: usize) -> Option<usize> {
        while let Some(top) = self.open.last_mut() {
            top.left -= 1;
            if top.left > 0 {
                return None;
            }
            let attribute = top.attribute;
            self.open.pop();
            if attribute {
                // The annotated element follows; the attribute itself counts for nothing.
                return None;
            }
        }
        Some(end)
    }
}

/// A declared length or count: `Some(n)`, or `None` for the RESP2 null `-1`.
fn declared(line: &[u8], resp3: bool) -> Result<Option<u64>, ScanError> {
    match string2ll(line) {
        Some(-1) if !resp3 => Ok(None),
        Some(n) if n >= 0 => Ok(Some(n.unsigned_abs())),
        _ if line == b"?" => Err(ScanError::Malformed(
            "streamed RESP3 replies are not supported".into(),
        )),
        _ => Err(ScanError::Malformed(format!(
            "invalid length {:?}",
            String::from_utf8_lossy(line)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trickling_input_is_not_rescanned() {
        let mut scanner = Scanner::default();
        let mut buf = b"*2\r\n+".to_vec();
        for _ in 0..1000 {
            buf.push(b'a');
            assert_eq!(
                scanner.scan(&buf, Protocol::Resp2, 1 << 20, u64::MAX),
                Ok(None)
            );
            // The open array was walked past; only the new line is searched, and only once.
            assert_eq!((scanner.pos, scanner.searched), (4, buf.len()));
        }
        buf.extend_from_slice(b"\r\n$5\r\nab");
        assert_eq!(
            scanner.scan(&buf, Protocol::Resp2, 1 << 20, u64::MAX),
            Ok(None)
        );
        let header_end = buf.len() - 3;
        assert_eq!(scanner.searched, header_end);
        buf.extend_from_slice(b"cde\r\n");
        assert_eq!(
            scanner.scan(&buf, Protocol::Resp2, 1 << 20, u64::MAX),
            Ok(Some((buf.len(), vec![])))
        );
    }

    #[test]
    fn element_counts_add_up_across_levels() {
        let mut scanner = Scanner::default();
        // 2 + 2 + 2 = 6 declared elements.
        let buf = b"*2\r\n*2\r\n:1\r\n:2\r\n*2\r\n:3\r\n:4\r\n";
        assert_eq!(
            scanner.scan(buf, Protocol::Resp2, 1 << 20, 6),
            Ok(Some((buf.len(), vec![])))
        );
        assert_eq!(
            scanner.scan(buf, Protocol::Resp2, 1 << 20, 5),
            Err(ScanError::TooMany)
        );
        // Refused at the header: nothing of the elements needs to have arrived.
        assert_eq!(
            scanner.scan(b"*5500000\r\n", Protocol::Resp2, 1 << 30, 1000),
            Err(ScanError::TooMany)
        );
        // The count restarts with each reply.
        let two = b"*3\r\n:1\r\n:2\r\n:3\r\n";
        for _ in 0..3 {
            assert!(scanner.scan(two, Protocol::Resp2, 1 << 20, 3).is_ok());
        }
    }
}
