//! The INFO replies kept for `SENTINEL INFO-CACHE`. Redis keeps each instance's last
//! reply as it came, about 5 KB: at 500 masters with a replica each, that was the
//! largest part of the heap. The servers of one deployment answer with nearly the same
//! lines (same version, same sections, mostly the same counters), so each reply is kept
//! as its differences from one reference reply that all instances share, about 0.5 KB,
//! and rebuilt byte for byte when asked for.
//!
//! The reference is the first reply kept; a reply that shares too little with it
//! becomes the next one. A kept reply holds its own reference, so an old one lives
//! until the last reply diffed against it is replaced (at most one INFO period).

use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;

/// Op tags of a delta.
const COPY: u8 = 0;
const KEY_VALUE: u8 = 1;
const LITERAL: u8 = 2;

/// A reply of more lines than this is kept as it came and never becomes a reference:
/// a reference indexes its lines (about 50 bytes a line), so a hostile reply of a
/// million one-byte lines would otherwise cost 25 times its size. A real INFO reply
/// has about 150 lines, plus one per replica of a master.
const MAX_REFERENCE_LINES: usize = 4096;

/// A reply that keeps less than this share of its bytes from the reference becomes the
/// next reference (numerator over 8: a delta over 1/2 of the text).
const NEW_REFERENCE_OVER: usize = 4;

/// Where the kept replies find their reference.
#[derive(Debug, Default)]
pub struct InfoStore {
    reference: Option<Rc<Reference>>,
}

/// A reply all others are diffed against: its text, where each line starts, and the
/// first line for each key (the line up to its `:`, or the whole line).
struct Reference {
    text: Box<[u8]>,
    /// Start of every line; a line ends where the next starts (its `\n` included).
    starts: Vec<u32>,
    by_key: HashMap<Box<[u8]>, u32>,
}

impl fmt::Debug for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Reference({} bytes)", self.text.len())
    }
}

/// One kept INFO reply.
#[derive(Clone)]
pub struct InfoText {
    /// `None` for a reply kept whole: its delta is one literal.
    reference: Option<Rc<Reference>>,
    delta: Box<[u8]>,
}

impl fmt::Debug for InfoText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InfoText({:?})", String::from_utf8_lossy(&self.bytes()))
    }
}

impl PartialEq for InfoText {
    fn eq(&self, other: &Self) -> bool {
        self.bytes() == other.bytes()
    }
}

/// The lines of `text`, each with its `\n` (the last may lack one).
fn lines(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    rsentinel_monitor::info::lines_inclusive(text)
}

/// What a line is matched on: up to and with its first `:`, or all of it.
fn key(line: &[u8]) -> &[u8] {
    match line.iter().position(|&b| b == b':') {
        Some(colon) => &line[..=colon],
        None => line,
    }
}

fn push_varint(out: &mut Vec<u8>, mut n: usize) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn read_varint(delta: &[u8], at: &mut usize) -> Option<usize> {
    let mut n = 0usize;
    for shift in (0..64).step_by(7) {
        let b = *delta.get(*at)?;
        *at += 1;
        n |= usize::from(b & 0x7f).checked_shl(shift)?;
        if b & 0x80 == 0 {
            return Some(n);
        }
    }
    None
}

impl Reference {
    fn new(text: &[u8]) -> Reference {
        let mut starts = Vec::new();
        let mut by_key = HashMap::new();
        let mut at = 0usize;
        for (i, line) in lines(text).enumerate() {
            starts.push(at as u32);
            by_key.entry(key(line).into()).or_insert(i as u32);
            at += line.len();
        }
        Reference {
            text: text.into(),
            starts,
            by_key,
        }
    }

    fn line(&self, i: usize) -> Option<&[u8]> {
        let start = *self.starts.get(i)? as usize;
        let end = self
            .starts
            .get(i + 1)
            .map_or(self.text.len(), |&e| e as usize);
        self.text.get(start..end)
    }

    /// `text` as ops on this reference: runs of equal lines, lines that keep the
    /// reference's key with a value of their own, and lines of their own.
    fn diff(&self, text: &[u8]) -> Vec<u8> {
        // Room for a typical delta at once, rather than growing through eight sizes.
        let mut out = Vec::with_capacity(text.len() / 4);
        let mut next = 0usize; // the reference line expected next
        let mut run: Option<(usize, usize)> = None; // (first line, count) of a COPY
        let flush = |out: &mut Vec<u8>, run: &mut Option<(usize, usize)>| {
            if let Some((first, count)) = run.take() {
                out.push(COPY);
                push_varint(out, first);
                push_varint(out, count);
            }
        };
        for line in lines(text) {
            // Most lines equal the reference line expected next: one comparison settles
            // them, before any search for the key. Otherwise the line is matched on its
            // key, and keeps the length of that key when its value differs.
            let expected = self.line(next);
            let matched = if expected == Some(line) {
                Some((next, None))
            } else {
                let k = key(line);
                let at = match expected {
                    Some(r) if key(r) == k => Some(next),
                    _ => self.by_key.get(k).map(|&i| i as usize),
                };
                at.map(|at| (at, (self.line(at) != Some(line)).then_some(k.len())))
            };
            let Some((at, changed)) = matched else {
                flush(&mut out, &mut run);
                out.push(LITERAL);
                push_varint(&mut out, line.len());
                out.extend_from_slice(line);
                continue;
            };
            next = at + 1;
            match changed {
                None => {
                    run = match run {
                        Some((first, count)) if first + count == at => Some((first, count + 1)),
                        _ => {
                            flush(&mut out, &mut run);
                            Some((at, 1))
                        }
                    };
                }
                Some(key_len) => {
                    flush(&mut out, &mut run);
                    let value = &line[key_len..];
                    out.push(KEY_VALUE);
                    push_varint(&mut out, at);
                    push_varint(&mut out, value.len());
                    out.extend_from_slice(value);
                }
            }
        }
        flush(&mut out, &mut run);
        out
    }
}

impl InfoStore {
    /// Keeps `text`, diffed against the current reference, or as the new reference when
    /// it shares too little with it.
    pub fn keep(&mut self, text: &str) -> InfoText {
        let text = text.as_bytes();
        if let Some(reference) = &self.reference {
            let delta = reference.diff(text);
            if delta.len() * 8 <= text.len() * NEW_REFERENCE_OVER {
                return InfoText {
                    reference: Some(reference.clone()),
                    delta: delta.into(),
                };
            }
        }
        if lines(text).nth(MAX_REFERENCE_LINES).is_some() {
            let mut delta = Vec::with_capacity(text.len() + 11);
            delta.push(LITERAL);
            push_varint(&mut delta, text.len());
            delta.extend_from_slice(text);
            return InfoText {
                reference: None,
                delta: delta.into(),
            };
        }
        let reference = Rc::new(Reference::new(text));
        let delta = reference.diff(text);
        self.reference = Some(reference.clone());
        InfoText {
            reference: Some(reference),
            delta: delta.into(),
        }
    }
}

impl InfoText {
    /// The reply as it was received.
    pub fn bytes(&self) -> Vec<u8> {
        // A reply kept whole has no reference, and its delta is one literal.
        let r = self.reference.as_deref();
        let mut out = Vec::with_capacity(r.map_or(self.delta.len(), |r| r.text.len()));
        let d = &self.delta;
        let mut at = 0usize;
        // A delta is only ever made by `diff`: a malformed one cannot occur, and would
        // only cut the text short.
        while let Some(&tag) = d.get(at) {
            at += 1;
            let step = match tag {
                COPY => read_varint(d, &mut at)
                    .zip(read_varint(d, &mut at))
                    .zip(r)
                    .map(|((first, count), r)| {
                        for i in first..first.saturating_add(count).min(r.starts.len()) {
                            out.extend_from_slice(r.line(i).unwrap_or_default());
                        }
                    }),
                KEY_VALUE => read_varint(d, &mut at)
                    .zip(read_varint(d, &mut at))
                    .and_then(|(line, len)| {
                        let value = d.get(at..at.checked_add(len)?)?;
                        at += len;
                        out.extend_from_slice(key(r?.line(line)?));
                        out.extend_from_slice(value);
                        Some(())
                    }),
                LITERAL => read_varint(d, &mut at).and_then(|len| {
                    let bytes = d.get(at..at.checked_add(len)?)?;
                    at += len;
                    out.extend_from_slice(bytes);
                    Some(())
                }),
                _ => None,
            };
            if step.is_none() {
                break;
            }
        }
        out
    }

    /// The reply as text (it was kept from a `str`, and the ops cut only at ASCII).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes()).into_owned()
    }

    /// Heap bytes this reply holds of its own (its reference is shared).
    pub fn own_bytes(&self) -> usize {
        self.delta.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MASTER: &str = "# Server\r\nredis_version:7.0.15\r\nrun_id:aaaa\r\ntcp_port:6379\r\nuptime_in_seconds:10\r\n\r\n# Replication\r\nrole:master\r\nconnected_slaves:1\r\nslave0:ip=127.0.0.1,port=6380,state=online,offset=100,lag=0\r\nmaster_replid:1111\r\nmaster_repl_offset:100\r\n";

    #[test]
    fn a_similar_reply_is_kept_small_and_rebuilt_exactly() {
        let mut store = InfoStore::default();
        let first = store.keep(MASTER);
        assert_eq!(first.text(), MASTER);
        let other = MASTER
            .replace("aaaa", "bbbb")
            .replace("6379", "6390")
            .replace("offset=100", "offset=2000");
        let kept = store.keep(&other);
        assert_eq!(kept.text(), other);
        assert!(kept.own_bytes() < other.len() / 2, "{}", kept.own_bytes());
        assert!(Rc::ptr_eq(
            kept.reference.as_ref().unwrap(),
            first.reference.as_ref().unwrap()
        ));
    }

    #[test]
    fn a_reply_unlike_the_reference_becomes_the_next_one() {
        let mut store = InfoStore::default();
        let first = store.keep(MASTER);
        let unlike = "# Keyspace\r\ndb0:keys=1,expires=0\r\ndb1:keys=2,expires=0\r\n";
        let kept = store.keep(unlike);
        assert_eq!(kept.text(), unlike);
        assert!(!Rc::ptr_eq(
            kept.reference.as_ref().unwrap(),
            first.reference.as_ref().unwrap()
        ));
        // The first reply still has its own reference.
        assert_eq!(first.text(), MASTER);
    }

    #[test]
    fn lines_out_of_order_missing_or_new_are_rebuilt() {
        let mut store = InfoStore::default();
        store.keep(MASTER);
        for text in [
            "",
            "\n",
            "role:master\r\n# Server\r\nnew_field:1\r\nredis_version:7.0.15\r\n",
            "redis_version:7.0.15",
            "no newline at the end:",
        ] {
            assert_eq!(store.keep(text).text(), text);
        }
    }

    #[test]
    fn a_reply_of_very_many_lines_is_kept_whole_and_never_a_reference() {
        let mut store = InfoStore::default();
        let many: String = (0..MAX_REFERENCE_LINES + 1)
            .map(|i| format!("{i}\n"))
            .collect();
        let kept = store.keep(&many);
        assert!(kept.reference.is_none());
        assert!(store.reference.is_none());
        assert_eq!(kept.text(), many);
        assert!(kept.own_bytes() <= many.len() + 11);
        // A normal reply after it becomes the reference as usual.
        assert_eq!(store.keep(MASTER).text(), MASTER);
        assert!(store.reference.is_some());
    }

    proptest! {
        /// Any text, kept after any other, comes back byte for byte.
        #[test]
        fn every_text_comes_back(
            first in "([a-c:#]{0,4}(\r\n|\n)){0,12}[a-c:]{0,3}",
            texts in prop::collection::vec("([a-c:#é]{0,4}(\r\n|\n)){0,12}[a-c:]{0,3}", 1..6),
        ) {
            let mut store = InfoStore::default();
            let first_kept = store.keep(&first);
            for t in &texts {
                let kept = store.keep(t);
                prop_assert_eq!(kept.text(), t.clone());
                prop_assert!(kept.own_bytes() <= t.len() / 2 + 21);
            }
            prop_assert_eq!(first_kept.text(), first);
        }
    }
}
