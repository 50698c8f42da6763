//! Redis' line grammar: how a config line splits into arguments (`sdssplitargs`) and how a
//! value is quoted back (`sdscatrepr`). Both are needed byte-exact: the first decides what
//! a line means, the second what a rewrite writes.

/// The text of one line as redis sees it: split on `\n`, trimmed of spaces, tabs, CR and LF.
pub fn split_lines(text: &str) -> Vec<&str> {
    text.split('\n')
        .map(|l| l.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n')))
        .collect()
}

/// [`split_lines`] over raw bytes: values in the file are bytes (a password need not be
/// UTF-8), so the loader splits before any text conversion.
pub fn split_lines_bytes(text: &[u8]) -> Vec<&[u8]> {
    let trimmed = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    text.split(|&b| b == b'\n')
        .map(|l| {
            let start = l.iter().position(|b| !trimmed(b)).unwrap_or(l.len());
            let end = l.iter().rposition(|b| !trimmed(b)).map_or(start, |i| i + 1);
            &l[start..end]
        })
        .collect()
}

/// True for lines redis skips: comments and blank lines.
pub fn is_comment_or_blank(trimmed: &str) -> bool {
    trimmed.is_empty() || trimmed.starts_with('#')
}

/// Splits a line into arguments with redis' quoting rules (`sdssplitargs`, shared with
/// inline requests in `rsentinel_resp`). `None` means unbalanced quotes (or a closing
/// quote not followed by a space), which redis reports as "Unbalanced quotes in
/// configuration line". Arguments that are not UTF-8 are read lossily.
pub fn split_args(line: &str) -> Option<Vec<String>> {
    let args = rsentinel_resp::split_args(line.as_bytes()).ok()?;
    Some(
        args.iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect(),
    )
}

/// [`split_args`] keeping each argument's exact bytes.
pub fn split_args_bytes(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    rsentinel_resp::split_args(line).ok()
}

/// True when `value` can be written bare in a config line and read back unchanged:
/// non-empty UTF-8 without spaces, control characters or quotes (`sdssplitargs` ends a
/// word at any C space and starts quoting at a quote, even inside a word).
pub fn is_bare(value: &[u8]) -> bool {
    !value.is_empty()
        && std::str::from_utf8(value).is_ok()
        && !value
            .iter()
            .any(|&b| b <= b' ' || b == 0x7f || b == b'"' || b == b'\'')
}

/// One argument of a rewritten line: bare when [`is_bare`] (what redis writes, byte for
/// byte), otherwise quoted with [`repr`]'s escapes, which redis' own loader reads back to
/// the same bytes. This is what keeps a value from adding, ending or changing a
/// directive, where redis' `%s` lets a newline in a password start a new line.
pub fn arg(value: &[u8]) -> String {
    match std::str::from_utf8(value) {
        Ok(text) if is_bare(value) => text.to_string(),
        _ => rsentinel_resp::repr(value),
    }
}

/// Quotes a value the way redis' rewrite does (`sdscatrepr`): always in double quotes,
/// with C escapes and `\xHH` for non-printable bytes.
pub fn repr(value: &str) -> String {
    rsentinel_resp::repr(value.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Option<Vec<String>> {
        Some(v.iter().map(|x| x.to_string()).collect())
    }

    #[test]
    fn splits_like_sdssplitargs() {
        let cases: &[(&str, Option<Vec<String>>)] = &[
            ("", s(&[])),
            ("   ", s(&[])),
            ("port 26379", s(&["port", "26379"])),
            ("  a\t b  ", s(&["a", "b"])),
            (r#"dir "/tmp/a b""#, s(&["dir", "/tmp/a b"])),
            (r#"x "a\nb\t\"\\\x41\xzz""#, s(&["x", "a\nb\t\"\\Axzz"])),
            (r#"x 'it\'s'"#, s(&["x", "it's"])),
            (r#"x 'a\nb'"#, s(&["x", "a\\nb"])),
            (r#"x ab"cd""#, s(&["x", "abcd"])),
            (r#"x """#, s(&["x", ""])),
            (r#"x "abc"d"#, None),
            (r#"x "abc"#, None),
            (r#"x 'abc"#, None),
            (r#"x 'abc'd"#, None),
            ("a b\0c d", s(&["a", "b"])),
            ("a \"b\0\" c", None),
            ("x \"a\\\"", None),
        ];
        for (line, want) in cases {
            assert_eq!(&split_args(line), want, "line {line:?}");
        }
    }

    #[test]
    fn repr_quotes_like_redis() {
        assert_eq!(repr("/tmp/x"), "\"/tmp/x\"");
        assert_eq!(
            repr("a\"b\\c\n\r\t\x07\x08\x01é"),
            "\"a\\\"b\\\\c\\n\\r\\t\\a\\b\\x01\\xc3\\xa9\""
        );
    }

    #[test]
    fn lines_are_trimmed() {
        assert_eq!(split_lines(" a \r\n\tb\t\n"), vec!["a", "b", ""]);
    }

    #[test]
    fn plain_values_are_written_bare() {
        for v in [
            "mymaster",
            "127.0.0.1",
            "::1",
            "p@ss\\word",
            "é",
            "#x",
            "/a/b.sh",
        ] {
            assert_eq!(arg(v.as_bytes()), v);
        }
        assert_eq!(arg(b""), "\"\"");
        assert_eq!(arg(b"a b"), "\"a b\"");
        assert_eq!(arg(b"x\ny"), "\"x\\ny\"");
        assert_eq!(arg(b"it's"), "\"it's\"");
        assert_eq!(arg(b"\xff"), "\"\\xff\"");
        assert_eq!(arg(b"a\x0bb"), "\"a\\x0bb\"");
    }

    proptest::proptest! {
        #[test]
        fn arg_round_trips(v in proptest::collection::vec(proptest::num::u8::ANY, 0..40)) {
            let line = format!("x {} y", arg(&v));
            proptest::prop_assert_eq!(
                split_args_bytes(line.as_bytes()),
                Some(vec![b"x".to_vec(), v.clone(), b"y".to_vec()])
            );
        }

        #[test]
        fn repr_round_trips(v in "\\PC*") {
            let quoted = repr(&v);
            proptest::prop_assert_eq!(split_args(&quoted), Some(vec![v.clone()]));
        }
    }
}
