//! Matching actual replies against expected frames.  Text is compared in its
//! escaped form; the only wildcards are the tokens below, so a wrong field
//! name, order, flag or error text still fails.
//!
//! `{INT}` `-?[0-9]+`, `{FLOAT}` `-?[0-9]+\.[0-9]+`, `{HEX40}` 40 lowercase hex
//! digits, `{HEX}` one or more hex digits, `{ANY}` anything within the line;
//! `{LEN}` as a bulk size (the parser already checked the real length) and
//! `{LINES}` as a whole bulk line (any number of lines, including none).

use crate::format::Expected;
use crate::reply::{escape, split_crlf, Reply};

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Literal(String),
    Int,
    Float,
    Hex40,
    Hex,
    Any,
}

fn pieces(pattern: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut literal = String::new();
    let mut rest = pattern;
    while let Some(c) = rest.chars().next() {
        if c == '\\' {
            let mut it = rest.chars();
            it.next();
            literal.push('\\');
            if let Some(next) = it.next() {
                literal.push(next);
            }
            rest = it.as_str();
            continue;
        }
        let token = [
            ("{INT}", Piece::Int),
            ("{FLOAT}", Piece::Float),
            ("{HEX40}", Piece::Hex40),
            ("{HEX}", Piece::Hex),
            ("{ANY}", Piece::Any),
        ]
        .into_iter()
        .find(|(name, _)| rest.starts_with(name));
        if let Some((name, piece)) = token {
            if !literal.is_empty() {
                out.push(Piece::Literal(std::mem::take(&mut literal)));
            }
            out.push(piece);
            rest = &rest[name.len()..];
        } else {
            literal.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    if !literal.is_empty() {
        out.push(Piece::Literal(literal));
    }
    out
}

/// Does the escaped `text` match `pattern`?
pub fn matches(pattern: &str, text: &str) -> bool {
    match_pieces(&pieces(pattern), text.as_bytes())
}

fn match_pieces(pieces: &[Piece], text: &[u8]) -> bool {
    let Some((first, rest)) = pieces.split_first() else {
        return text.is_empty();
    };
    match first {
        Piece::Literal(lit) => text
            .strip_prefix(lit.as_bytes())
            .is_some_and(|after| match_pieces(rest, after)),
        Piece::Any => (0..=text.len()).any(|n| match_pieces(rest, &text[n..])),
        other => candidate_lengths(other, text)
            .into_iter()
            .rev()
            .any(|n| match_pieces(rest, &text[n..])),
    }
}

/// Prefix lengths of `text` that the token accepts.
fn candidate_lengths(piece: &Piece, text: &[u8]) -> Vec<usize> {
    let digits = |from: usize| {
        text[from..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let sign = usize::from(text.first() == Some(&b'-'));
    match piece {
        Piece::Int => (1..=digits(sign)).map(|n| sign + n).collect(),
        Piece::Float => {
            let int = digits(sign);
            if int == 0 || text.get(sign + int) != Some(&b'.') {
                return Vec::new();
            }
            (1..=digits(sign + int + 1))
                .map(|n| sign + int + 1 + n)
                .collect()
        }
        Piece::Hex40 => {
            let ok = text.len() >= 40
                && text[..40]
                    .iter()
                    .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
            if ok {
                vec![40]
            } else {
                Vec::new()
            }
        }
        Piece::Hex => {
            let n = text.iter().take_while(|b| b.is_ascii_hexdigit()).count();
            (1..=n).collect()
        }
        Piece::Literal(_) | Piece::Any => Vec::new(),
    }
}

pub fn match_lines(patterns: &[String], lines: &[String]) -> bool {
    let Some((first, rest)) = patterns.split_first() else {
        return lines.is_empty();
    };
    if first == "{LINES}" {
        return (0..=lines.len()).any(|n| match_lines(rest, &lines[n..]));
    }
    lines
        .split_first()
        .is_some_and(|(line, more)| matches(first, line) && match_lines(rest, more))
}

/// Compares one frame; on a mismatch returns where and why.
pub fn compare(expected: &Expected, actual: &Reply, path: &str) -> Result<(), String> {
    match (expected, actual) {
        (Expected::Line(ek, pattern), Reply::Line(ak, text)) if ek == ak => {
            let text = escape(text);
            if matches(pattern, &text) {
                Ok(())
            } else {
                Err(format!(
                    "{path}: expected {}{pattern}, got {}{text}",
                    *ek as char, *ak as char
                ))
            }
        }
        (Expected::Bulk { kind, len, lines }, Reply::Bulk(ak, data)) if kind == ak => {
            match (lines, data) {
                (None, None) => Ok(()),
                (None, Some(_)) => Err(format!("{path}: expected a null, got a string")),
                (Some(_), None) => Err(format!("{path}: expected a string, got a null")),
                (Some(patterns), Some(data)) => {
                    if let Some(len) = len {
                        if *len != data.len() {
                            return Err(format!(
                                "{path}: expected {} bytes, got {}: {}",
                                len,
                                data.len(),
                                escape(data)
                            ));
                        }
                    }
                    let got = split_crlf(data);
                    if match_lines(patterns, &got) {
                        Ok(())
                    } else {
                        Err(format!(
                            "{path}: string content differs{}",
                            first_line_difference(patterns, &got)
                        ))
                    }
                }
            }
        }
        (Expected::Aggregate(ek, items), Reply::Aggregate(ak, got)) if ek == ak => {
            match (items, got) {
                (None, None) => Ok(()),
                (Some(items), Some(got)) => {
                    if items.len() != got.len() {
                        return Err(format!(
                            "{path}: expected {} elements, got {}",
                            items.len(),
                            got.len()
                        ));
                    }
                    for (i, (e, a)) in items.iter().zip(got).enumerate() {
                        compare(e, a, &format!("{path}[{i}]"))?;
                    }
                    Ok(())
                }
                _ => Err(format!("{path}: null/non-null aggregate mismatch")),
            }
        }
        _ => Err(format!(
            "{path}: expected a `{}` frame, got a `{}` frame",
            expected_kind(expected) as char,
            actual_kind(actual) as char
        )),
    }
}

fn expected_kind(e: &Expected) -> u8 {
    match e {
        Expected::Line(k, _) | Expected::Aggregate(k, _) => *k,
        Expected::Bulk { kind, .. } => *kind,
    }
}

fn actual_kind(a: &Reply) -> u8 {
    match a {
        Reply::Line(k, _) | Reply::Bulk(k, _) | Reply::Aggregate(k, _) => *k,
    }
}

/// Like `compare`, but the elements of a top-level aggregate may come in any
/// order: each expected element must match a distinct actual one.
pub fn compare_unordered(expected: &Expected, actual: &Reply, path: &str) -> Result<(), String> {
    let (Expected::Aggregate(ek, Some(items)), Reply::Aggregate(ak, Some(got))) =
        (expected, actual)
    else {
        return compare(expected, actual, path);
    };
    if ek != ak || matches!(ek, b'%' | b'|') {
        return compare(expected, actual, path);
    }
    if items.len() != got.len() {
        return Err(format!(
            "{path}: expected {} elements, got {}",
            items.len(),
            got.len()
        ));
    }
    let mut used = vec![false; got.len()];
    for (i, item) in items.iter().enumerate() {
        let found = (0..got.len()).find(|&j| !used[j] && compare(item, &got[j], path).is_ok());
        match found {
            Some(j) => used[j] = true,
            None => {
                return Err(format!(
                    "{path}: expected element {i} (in any order) is missing"
                ))
            }
        }
    }
    Ok(())
}

/// Points at the first differing line of a multi-line string, when the
/// pattern has no `{LINES}` (where alignment is ambiguous).
fn first_line_difference(patterns: &[String], got: &[String]) -> String {
    if patterns.iter().any(|p| p == "{LINES}") {
        return String::new();
    }
    for (i, pattern) in patterns.iter().enumerate() {
        match got.get(i) {
            Some(line) if matches(pattern, line) => continue,
            Some(line) => return format!(" at line {}: expected `{pattern}`, got `{line}`", i + 1),
            None => return format!(" at line {}: expected `{pattern}`, got the end", i + 1),
        }
    }
    format!(
        " at line {}: unexpected `{}`",
        patterns.len() + 1,
        got[patterns.len()..].join("` `")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_precise() {
        assert!(matches("uptime:{INT}", "uptime:12"));
        assert!(!matches("uptime:{INT}", "uptime:"));
        assert!(!matches("uptime:{INT}", "uptimes:12"));
        assert!(matches("cpu:{FLOAT}", "cpu:0.001"));
        assert!(!matches("cpu:{FLOAT}", "cpu:1"));
        assert!(matches("id={INT} addr=1:{INT} x", "id=3 addr=1:456 x"));
        assert!(!matches("id={INT} fd={INT}", "id=3 fdd=4"));
        assert!(matches("{HEX40}", &"ab".repeat(20)));
        assert!(!matches("{HEX40}", &"AB".repeat(20)));
        assert!(matches("os:{ANY}", "os:Linux 6 x86_64"));
        assert!(matches("a\\{b", "a\\{b"));
        assert!(matches("{INT}{INT}", "12"));
    }

    #[test]
    fn lines_token_spans_any_number_of_lines() {
        let pats = vec![
            "# Server".to_string(),
            "{LINES}".to_string(),
            "end".to_string(),
        ];
        let got = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(match_lines(&pats, &got(&["# Server", "end"])));
        assert!(match_lines(&pats, &got(&["# Server", "a", "b", "end"])));
        assert!(!match_lines(&pats, &got(&["# Server", "a"])));
    }

    #[test]
    fn compare_reports_path() {
        let e = Expected::Aggregate(b'*', Some(vec![Expected::Line(b':', "{INT}".into())]));
        let a = Reply::Aggregate(b'*', Some(vec![Reply::Line(b'+', b"x".to_vec())]));
        assert_eq!(
            compare(&e, &a, "reply").unwrap_err(),
            "reply[0]: expected a `:` frame, got a `+` frame"
        );
    }
}
