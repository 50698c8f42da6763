//! Splitting an inline command line into arguments with redis' `sdssplitargs` rules, so
//! `redis-cli`-style and telnet-style requests give the same argument vectors (and the
//! same "unbalanced quotes" error) as with redis.

use bytes::Bytes;

/// The line has an unterminated quote, or a closing quote followed by something other
/// than whitespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct UnbalancedQuotes;

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

/// Splits `line` into arguments. A NUL byte ends the line, as it ends redis' C string.
///
/// Outside quotes an argument ends at space, tab, CR, LF or NUL (not at vertical tab or
/// form feed, although those are skipped between arguments). Double quotes understand
/// `\n \r \t \b \a \xHH` and `\<any>`; single quotes only `\'`. A closing quote must be
/// followed by whitespace or the end of the line.
pub(crate) fn split_args(line: &[u8]) -> Result<Vec<Bytes>, UnbalancedQuotes> {
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
        let mut in_double = false;
        let mut in_single = false;
        loop {
            let c = at(line, p);
            if in_double {
                let hex = (c == b'\\' && at(line, p + 1) == b'x')
                    .then(|| Some(hex_value(at(line, p + 2))? * 16 + hex_value(at(line, p + 3))?))
                    .flatten();
                if let Some(byte) = hex {
                    current.push(byte);
                    p += 3;
                } else if c == b'\\' && at(line, p + 1) != 0 {
                    p += 1;
                    current.push(match line[p] {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'a' => 0x07,
                        other => other,
                    });
                } else if c == b'"' {
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
            } else if in_single {
                if c == b'\\' && at(line, p + 1) == b'\'' {
                    p += 1;
                    current.push(b'\'');
                } else if c == b'\'' {
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
            } else {
                match c {
                    b' ' | b'\n' | b'\r' | b'\t' | 0 => {
                        if c != 0 {
                            p += 1;
                        }
                        break;
                    }
                    b'"' => in_double = true,
                    b'\'' => in_single = true,
                    other => current.push(other),
                }
            }
            p += 1;
        }
        args.push(Bytes::from(current));
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
}
