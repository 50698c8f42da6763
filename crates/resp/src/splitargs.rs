//! Splitting a line into arguments with redis' `sdssplitargs` rules. Inline requests use
//! it here, so `redis-cli`-style and telnet-style requests give the same argument vectors
//! (and the same "unbalanced quotes" error) as with redis; the config and ACL crates use
//! it for `sentinel.conf` lines and ACL selectors, which redis splits the same way.

/// The line has an unterminated quote, or a closing quote followed by something other
/// than whitespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnbalancedQuotes;

/// C `isspace` in the "C" locale: blanks between arguments and after a closing quote.
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// `*p` with the NUL terminator redis' C string would have past the end.
fn at(line: &[u8], i: usize) -> u8 {
    line.get(i).copied().unwrap_or(0)
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The escape sequence at `line[p]` inside `quote`s, as the byte it stands for and its
/// length: double quotes know `\xHH`, `\n \r \t \b \a` and `\<any>`; single quotes
/// only `\'`. `None` when `line[p]` starts no escape there.
fn escape(quote: u8, line: &[u8], p: usize) -> Option<(u8, usize)> {
    if at(line, p) != b'\\' {
        return None;
    }
    let next = at(line, p + 1);
    if quote == b'\'' {
        return (next == b'\'').then_some((b'\'', 2));
    }
    if next == b'x' {
        if let (Some(hi), Some(lo)) = (hex_value(at(line, p + 2)), hex_value(at(line, p + 3))) {
            return Some((hi * 16 + lo, 4));
        }
    }
    let byte = match next {
        0 => return None,
        b'n' => b'\n',
        b'r' => b'\r',
        b't' => b'\t',
        b'b' => 0x08,
        b'a' => 0x07,
        other => other,
    };
    Some((byte, 2))
}

/// Splits `line` into arguments. A NUL byte ends the line, as it ends redis' C string.
///
/// Outside quotes an argument ends at space, tab, CR, LF or NUL (not at vertical tab or
/// form feed, although those are skipped between arguments). Double quotes understand
/// `\n \r \t \b \a \xHH` and `\<any>`; single quotes only `\'`. A closing quote must be
/// followed by whitespace or the end of the line.
pub fn split_args(line: &[u8]) -> Result<Vec<Vec<u8>>, UnbalancedQuotes> {
    let line = match line.iter().position(|&b| b == 0) {
        Some(nul) => &line[..nul],
        None => line,
    };
    let mut args = Vec::new();
    let mut p = 0;
    loop {
        while p < line.len() && is_c_space(line[p]) {
            p += 1;
        }
        if p >= line.len() {
            return Ok(args);
        }
        let mut current = Vec::new();
        // The quote character while inside a quoted part of the argument.
        let mut quote: Option<u8> = None;
        loop {
            let c = at(line, p);
            match quote {
                Some(q) => {
                    if let Some((byte, len)) = escape(q, line, p) {
                        current.push(byte);
                        p += len - 1;
                    } else if c == q {
                        let next = at(line, p + 1);
                        if next != 0 && !is_c_space(next) {
                            return Err(UnbalancedQuotes);
                        }
                        p += 1;
                        break;
                    } else if c == 0 {
                        return Err(UnbalancedQuotes);
                    } else {
                        current.push(c);
                    }
                }
                None => match c {
                    b' ' | b'\n' | b'\r' | b'\t' | 0 => {
                        if c != 0 {
                            p += 1;
                        }
                        break;
                    }
                    b'"' | b'\'' => quote = Some(c),
                    other => current.push(other),
                },
            }
            p += 1;
        }
        args.push(current);
    }
}

#[cfg(test)]
mod tests {
    use super::{split_args, UnbalancedQuotes};

    fn split(line: &[u8]) -> Result<Vec<Vec<u8>>, UnbalancedQuotes> {
        split_args(line).map(|args| args.iter().map(|a| a.to_vec()).collect())
    }

    fn ok(line: &[u8], want: &[&[u8]]) {
        let want: Vec<Vec<u8>> = want.iter().map(|a| a.to_vec()).collect();
        assert_eq!(split(line), Ok(want), "{:?}", String::from_utf8_lossy(line));
    }

    #[test]
    fn plain_and_blank() {
        ok(b"", &[]);
        ok(b"   \t ", &[]);
        ok(b"PING", &[b"PING"]);
        ok(b"  set  a   b ", &[b"set", b"a", b"b"]);
        ok(b"a\rb", &[b"a", b"b"]);
        ok(b"\x0bping", &[b"ping"]);
        // Vertical tab and form feed separate nothing inside an argument.
        ok(b"a\x0bb c\x0cd", &[b"a\x0bb", b"c\x0cd"]);
        ok(b"a\0b c", &[b"a"]);
    }

    #[test]
    fn double_quotes() {
        ok(br#""hello world""#, &[b"hello world"]);
        ok(br#""a\nb\rc\td\be\af""#, &[b"a\nb\rc\td\x08e\x07f"]);
        ok(br#""\x41\x4a\x4B\xff""#, &[b"AJK\xff"]);
        ok(br#""\x4g""#, &[b"x4g"]);
        ok(br#""\"q\" \\ \z""#, &[b"\"q\" \\ z"]);
        ok(br#""" x"#, &[b"", b"x"]);
        ok(br#"pre"fix" x"#, &[b"prefix", b"x"]);
        ok(b"\"a\"\x0bb", &[b"a", b"b"]);
    }

    #[test]
    fn single_quotes() {
        ok(br"'a b'", &[b"a b"]);
        ok(br"'it\'s'", &[b"it's"]);
        ok(br"'\n\x41'", &[br"\n\x41"]);
        ok(br"'a\\b'", &[br"a\\b"]);
    }

    #[test]
    fn unbalanced() {
        for line in [
            &br#""abc"#[..],
            br#""abc"d"#,
            br"'abc",
            br"'abc'd",
            br"'a\\'",
            br#""abc\"#,
            br#"x "a"b"#,
            b"\"a\0\"",
        ] {
            assert_eq!(
                split(line),
                Err(UnbalancedQuotes),
                "{:?}",
                String::from_utf8_lossy(line)
            );
        }
    }

    /// The cases the ACL crate checked when it had its own copy (selector bodies).
    #[test]
    fn acl_selector_bodies() {
        let v = |s: &str| split(s.as_bytes()).ok();
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
}
