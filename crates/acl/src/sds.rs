//! Byte-string helpers that reproduce how redis' C code sees its arguments:
//! C-string truncation at NUL, `isspace`, `sdssplitargs`, and the merging of
//! selector arguments spread over several words.

/// The part of `s` a C string function sees: everything before the first NUL.
pub(crate) fn cstr(s: &[u8]) -> &[u8] {
    match s.iter().position(|&b| b == 0) {
        Some(n) => &s[..n],
        None => s,
    }
}

/// C `isspace` in the C locale.
pub(crate) fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// Whether `s` contains whitespace or NUL (`ACLStringHasSpaces`): such
/// names and patterns would not survive a round trip through ACL LIST.
pub(crate) fn has_spaces(s: &[u8]) -> bool {
    s.iter().any(|&b| is_space(b) || b == 0)
}

/// Case-insensitive comparison of a C-string view of `op` with `word`.
pub(crate) fn eq_ci(op: &[u8], word: &str) -> bool {
    cstr(op).eq_ignore_ascii_case(word.as_bytes())
}

fn hex_val(b: u8) -> Option<u8> {
    (b as char).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

/// `sdssplitargs`: splits a line into words honouring "double" (with
/// escapes) and 'single' quotes. `None` for unbalanced quotes. Like the C
/// code it stops at the first NUL.
pub(crate) fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let line = cstr(line);
    let at = |i: usize| line.get(i).copied().unwrap_or(0);
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        while at(i) != 0 && is_space(at(i)) {
            i += 1;
        }
        if at(i) == 0 {
            return Some(out);
        }
        let (mut inq, mut insq, mut done) = (false, false, false);
        let mut cur = Vec::new();
        while !done {
            let c = at(i);
            if inq {
                if c == b'\\' && at(i + 1) == b'x' {
                    if let (Some(h), Some(l)) = (hex_val(at(i + 2)), hex_val(at(i + 3))) {
                        cur.push(h * 16 + l);
                        i += 3;
                    } else {
                        i += 1;
                        cur.push(b'x');
                    }
                } else if c == b'\\' && at(i + 1) != 0 {
                    i += 1;
                    cur.push(match at(i) {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'a' => 0x07,
                        other => other,
                    });
                } else if c == b'"' {
                    if at(i + 1) != 0 && !is_space(at(i + 1)) {
                        return None;
                    }
                    done = true;
                } else if c == 0 {
                    return None;
                } else {
                    cur.push(c);
                }
            } else if insq {
                if c == b'\\' && at(i + 1) == b'\'' {
                    i += 1;
                    cur.push(b'\'');
                } else if c == b'\'' {
                    if at(i + 1) != 0 && !is_space(at(i + 1)) {
                        return None;
                    }
                    done = true;
                } else if c == 0 {
                    return None;
                } else {
                    cur.push(c);
                }
            } else {
                match c {
                    b' ' | b'\n' | b'\r' | b'\t' | 0 => done = true,
                    b'"' => inq = true,
                    b'\'' => insq = true,
                    _ => cur.push(c),
                }
            }
            if at(i) != 0 {
                i += 1;
            }
        }
        out.push(cur);
    }
}

/// `ACLMergeSelectorArguments`: joins `(a`, `b`, `c)` into `(a b c)`.
/// On an unclosed selector returns the index of the argument that opened it.
pub(crate) fn merge_selector_args<A: AsRef<[u8]>>(args: &[A]) -> Result<Vec<Vec<u8>>, usize> {
    let mut out = Vec::with_capacity(args.len());
    let mut open: Option<(usize, Vec<u8>)> = None;
    for (j, arg) in args.iter().enumerate() {
        let op = arg.as_ref();
        let closes = op.last() == Some(&b')');
        if let Some((start, mut sel)) = open.take() {
            sel.push(b' ');
            sel.extend_from_slice(op);
            if closes {
                out.push(sel);
            } else {
                open = Some((start, sel));
            }
            continue;
        }
        if op.first() == Some(&b'(') && !closes {
            open = Some((j, op.to_vec()));
            continue;
        }
        out.push(op.to_vec());
    }
    match open {
        Some((start, _)) => Err(start),
        None => Ok(out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_args_like_sds() {
        let v = |s: &str| split_args(s.as_bytes());
        assert_eq!(v("  a  b "), Some(vec![b"a".to_vec(), b"b".to_vec()]));
        assert_eq!(v("\"a b\" c"), Some(vec![b"a b".to_vec(), b"c".to_vec()]));
        assert_eq!(v("\"\\x41\\n\""), Some(vec![b"A\n".to_vec()]));
        assert_eq!(v("'it\\'s'"), Some(vec![b"it's".to_vec()]));
        assert_eq!(v("\"a\"b"), None);
        assert_eq!(v("\"abc"), None);
        assert_eq!(v("'abc"), None);
        assert_eq!(v(""), Some(vec![]));
        assert_eq!(v("a\"b c\""), Some(vec![b"ab c".to_vec()]));
    }

    #[test]
    fn merge_selectors() {
        let m = |a: &[&str]| merge_selector_args(a);
        assert_eq!(
            m(&["on", "(~a", "+ping", ")"]),
            Ok(vec![b"on".to_vec(), b"(~a +ping )".to_vec()])
        );
        assert_eq!(m(&["(~a)", "x"]), Ok(vec![b"(~a)".to_vec(), b"x".to_vec()]));
        assert_eq!(m(&["on", "(~a", "b"]), Err(1));
        assert_eq!(m(&["("]), Err(0));
        assert_eq!(m(&["", ")"]), Ok(vec![b"".to_vec(), b")".to_vec()]));
    }
}
