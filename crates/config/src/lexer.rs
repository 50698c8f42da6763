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

/// C's `isspace` in the "C" locale.
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

fn hex_val(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Splits a line into arguments with redis' quoting rules. `None` means unbalanced quotes
/// (or a closing quote not followed by a space), which redis reports as
/// "Unbalanced quotes in configuration line".
pub fn split_args(line: &str) -> Option<Vec<String>> {
    // Redis works on C strings: a NUL byte ends the line.
    let line = line.split('\0').next().unwrap_or("");
    let p = line.as_bytes();
    let at = |i: usize| p.get(i).copied().unwrap_or(0);
    let mut args = Vec::new();
    let mut i = 0;
    loop {
        while i < p.len() && is_c_space(p[i]) {
            i += 1;
        }
        if i >= p.len() {
            return Some(args);
        }
        let mut cur: Vec<u8> = Vec::new();
        let (mut in_dq, mut in_sq) = (false, false);
        loop {
            let c = at(i);
            if in_dq {
                if c == b'\\' && at(i + 1) == b'x' {
                    if let (Some(h), Some(l)) = (hex_val(at(i + 2)), hex_val(at(i + 3))) {
                        cur.push(h * 16 + l);
                        i += 4;
                        continue;
                    }
                }
                if c == b'\\' && at(i + 1) != 0 {
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
                    if at(i + 1) != 0 && !is_c_space(at(i + 1)) {
                        return None;
                    }
                    i += 1;
                    break;
                } else if c == 0 {
                    return None;
                } else {
                    cur.push(c);
                }
            } else if in_sq {
                if c == b'\\' && at(i + 1) == b'\'' {
                    i += 1;
                    cur.push(b'\'');
                } else if c == b'\'' {
                    if at(i + 1) != 0 && !is_c_space(at(i + 1)) {
                        return None;
                    }
                    i += 1;
                    break;
                } else if c == 0 {
                    return None;
                } else {
                    cur.push(c);
                }
            } else {
                match c {
                    b' ' | b'\n' | b'\r' | b'\t' | 0 => {
                        if c != 0 {
                            i += 1;
                        }
                        break;
                    }
                    b'"' => in_dq = true,
                    b'\'' => in_sq = true,
                    other => cur.push(other),
                }
            }
            i += 1;
        }
        args.push(String::from_utf8_lossy(&cur).into_owned());
    }
}

/// Quotes a value the way redis' rewrite does (`sdscatrepr`): always in double quotes,
/// with C escapes and `\xHH` for non-printable bytes.
pub fn repr(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for &b in value.as_bytes() {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x07 => out.push_str("\\a"),
            0x08 => out.push_str("\\b"),
            0x20..=0x7e => out.push(b as char),
            other => out.push_str(&format!("\\x{other:02x}")),
        }
    }
    out.push('"');
    out
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
