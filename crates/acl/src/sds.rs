//! Byte-string helpers that reproduce how redis' C code sees its arguments:
//! C-string truncation at NUL, `isspace`, and the merging of selector arguments
//! spread over several words (`sdssplitargs` is `rsentinel_resp::split_args`).

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
