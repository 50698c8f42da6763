//! redis' glob matching (`stringmatchlen`): `*`, `?`, `[...]` with `^` and ranges, `\`
//! escapes. Done as a linear-memory dynamic program so hostile patterns cannot blow up.

#[derive(Debug)]
enum Tok {
    Any,
    One,
    Lit(u8),
    Class { neg: bool, items: Vec<(u8, u8)> },
}

fn tokenize(p: &[u8]) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            b'*' => {
                if !matches!(out.last(), Some(Tok::Any)) {
                    out.push(Tok::Any);
                }
            }
            b'?' => out.push(Tok::One),
            b'\\' if i + 1 < p.len() => {
                i += 1;
                out.push(Tok::Lit(p[i]));
            }
            b'[' => {
                i += 1;
                let neg = p.get(i) == Some(&b'^');
                if neg {
                    i += 1;
                }
                let mut items = Vec::new();
                // As redis: the class runs to the next `]` or the end of the pattern.
                while i < p.len() && p[i] != b']' {
                    if p[i] == b'\\' && i + 1 < p.len() {
                        i += 1;
                        items.push((p[i], p[i]));
                    } else if i + 2 < p.len() && p[i + 1] == b'-' {
                        let (a, b) = (p[i], p[i + 2]);
                        items.push(if a <= b { (a, b) } else { (b, a) });
                        i += 2;
                    } else {
                        items.push((p[i], p[i]));
                    }
                    i += 1;
                }
                out.push(Tok::Class { neg, items });
            }
            c => out.push(Tok::Lit(c)),
        }
        i += 1;
    }
    out
}

fn fold(c: u8, nocase: bool) -> u8 {
    if nocase {
        c.to_ascii_lowercase()
    } else {
        c
    }
}

fn tok_matches(t: &Tok, c: u8, nocase: bool) -> bool {
    match t {
        Tok::Any | Tok::One => true,
        Tok::Lit(l) => fold(*l, nocase) == fold(c, nocase),
        Tok::Class { neg, items } => {
            let c = fold(c, nocase);
            let hit = items
                .iter()
                .any(|&(a, b)| (fold(a, nocase)..=fold(b, nocase)).contains(&c));
            hit != *neg
        }
    }
}

/// True when `s` matches the glob `pattern`.
pub fn matches(pattern: &[u8], s: &[u8], nocase: bool) -> bool {
    let toks = tokenize(pattern);
    // row[j]: the first i characters of s matched by the first j tokens.
    let mut row = vec![false; toks.len() + 1];
    row[0] = true;
    for j in 0..toks.len() {
        row[j + 1] = row[j] && matches!(toks[j], Tok::Any);
    }
    for &c in s {
        let mut next = vec![false; toks.len() + 1];
        for j in 0..toks.len() {
            next[j + 1] = match toks[j] {
                Tok::Any => next[j] || row[j + 1],
                ref t => row[j] && tok_matches(t, c, nocase),
            };
        }
        row = next;
    }
    row[toks.len()]
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn glob_table() {
        let cases: &[(&str, &str, bool, bool)] = &[
            ("*", "anything", false, true),
            ("*", "", false, true),
            ("announce-*", "announce-ip", false, true),
            ("ANNOUNCE-*", "announce-ip", true, true),
            ("ANNOUNCE-*", "announce-ip", false, false),
            ("?b", "ab", false, true),
            ("?b", "b", false, false),
            ("m[a-c]x", "mbx", false, true),
            ("m[^a-c]x", "mbx", false, false),
            ("m[^a-c]x", "mdx", false, true),
            ("a\\*", "a*", false, true),
            ("a\\*", "ab", false, false),
            (
                "*a*a*a*a*a*a*a*b",
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                false,
                false,
            ),
            ("my*", "mymaster", false, true),
            ("x", "xx", false, false),
        ];
        for (p, s, nocase, want) in cases {
            assert_eq!(
                matches(p.as_bytes(), s.as_bytes(), *nocase),
                *want,
                "{p} {s}"
            );
        }
    }
}
