//! Redis' line grammar: how a config line splits into arguments (`sdssplitargs`) and how a
//! value is quoted back (`sdscatrepr`). Both are needed byte-exact: the first decides what
//! a line means, the second what a rewrite writes.

/// The text of one line as redis sees it: split on `\n`, trimmed of spaces, tabs, CR and LF.
pub fn split_lines(text: &str) -> Vec<&str> {
    text.split('\n')
        .map(|l| l.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n')))
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

    proptest::proptest! {
        #[test]
        fn repr_round_trips(v in "\\PC*") {
            let quoted = repr(&v);
            proptest::prop_assert_eq!(split_args(&quoted), Some(vec![v.clone()]));
        }
    }
}
