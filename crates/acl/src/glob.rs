//! Redis' glob matcher (`stringmatchlen` in util.c, including the nesting cap
//! added for CVE-2024-31228). Channel patterns must match exactly like redis,
//! down to its quirks (signed-char ranges, unterminated `[`), so this follows
//! the C semantics rather than a generic glob crate.
//!
//! Private to the crate until `rsentinel_commands` exports a shared matcher.

/// Whether `string` matches the glob `pattern`.
pub(crate) fn glob_match(pattern: &[u8], string: &[u8], nocase: bool) -> bool {
    let mut skip_longer = false;
    match_impl(pattern, string, nocase, &mut skip_longer, 0)
}

/// `tolower` on a C `char` value: only ASCII letters change.
fn lower(c: i32) -> i32 {
    if (i32::from(b'A')..=i32::from(b'Z')).contains(&c) {
        c + 32
    } else {
        c
    }
}

/// A byte as the signed `char` the C code compares.
fn signed(b: u8) -> i32 {
    i32::from(b as i8)
}

fn same(a: u8, b: u8, nocase: bool) -> bool {
    if nocase {
        lower(signed(a)) == lower(signed(b))
    } else {
        a == b
    }
}

fn match_impl(p: &[u8], s: &[u8], nocase: bool, skip_longer: &mut bool, nesting: u32) -> bool {
    if nesting > 1000 {
        return false;
    }
    // Reads past the end see the C string terminator.
    let at = |i: usize| p.get(i).copied().unwrap_or(0);
    let (mut pi, mut si) = (0usize, 0usize);
    while pi < p.len() && si < s.len() {
        match p[pi] {
            b'*' => {
                while pi + 1 < p.len() && p[pi + 1] == b'*' {
                    pi += 1;
                }
                if p.len() - pi == 1 {
                    return true;
                }
                while si < s.len() {
                    if match_impl(&p[pi + 1..], &s[si..], nocase, skip_longer, nesting + 1) {
                        return true;
                    }
                    if *skip_longer {
                        return false;
                    }
                    si += 1;
                }
                // No match for the rest anywhere: longer matches of earlier
                // stars cannot help either.
                *skip_longer = true;
                return false;
            }
            b'?' => si += 1,
            b'[' => {
                pi += 1;
                let not = at(pi) == b'^';
                if not {
                    pi += 1;
                }
                let mut matched = false;
                loop {
                    let rem = p.len().saturating_sub(pi);
                    if at(pi) == b'\\' && rem >= 2 {
                        pi += 1;
                        if p[pi] == s[si] {
                            matched = true;
                        }
                    } else if at(pi) == b']' {
                        break;
                    } else if rem == 0 {
                        // Unterminated class: step back so the shared
                        // increment below lands on the end again.
                        pi -= 1;
                        break;
                    } else if rem >= 3 && p[pi + 1] == b'-' {
                        let (mut start, mut end) = (signed(p[pi]), signed(p[pi + 2]));
                        let mut c = signed(s[si]);
                        if start > end {
                            std::mem::swap(&mut start, &mut end);
                        }
                        if nocase {
                            start = lower(start);
                            end = lower(end);
                            c = lower(c);
                        }
                        pi += 2;
                        if c >= start && c <= end {
                            matched = true;
                        }
                    } else if same(p[pi], s[si], nocase) {
                        matched = true;
                    }
                    pi += 1;
                }
                if not {
                    matched = !matched;
                }
                if !matched {
                    return false;
                }
                si += 1;
            }
            b'\\' => {
                if p.len() - pi >= 2 {
                    pi += 1;
                }
                if !same(p[pi], s[si], nocase) {
                    return false;
                }
                si += 1;
            }
            c => {
                if !same(c, s[si], nocase) {
                    return false;
                }
                si += 1;
            }
        }
        pi += 1;
        if si == s.len() {
            while at(pi) == b'*' {
                pi += 1;
            }
            break;
        }
    }
    pi >= p.len() && si == s.len()
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn table() {
        let cases: &[(&str, &str, bool)] = &[
            ("*", "anything", true),
            ("*", "", false), // redis never enters its loop for an empty string
            ("", "", true),
            ("", "a", false),
            ("a*", "", false),
            ("news.*", "news.1", true),
            ("news.*", "news", false),
            ("h?llo", "hello", true),
            ("h?llo", "hllo", false),
            ("h[ae]llo", "hallo", true),
            ("h[ae]llo", "hillo", false),
            ("h[^e]llo", "hallo", true),
            ("h[^e]llo", "hello", false),
            ("h[a-b]llo", "hbllo", true),
            ("h[b-a]llo", "hbllo", true),
            ("h[a-b]llo", "hcllo", false),
            ("h\\*llo", "h*llo", true),
            ("h\\*llo", "hello", false),
            ("a*b*c", "axxbyyc", true),
            ("a*b*c", "axxbyy", false),
            ("ab[", "abc", false),
            ("a[", "ab", false),
            ("a**", "a", true),
            ("A", "a", false),
        ];
        for (p, s, want) in cases {
            assert_eq!(
                glob_match(p.as_bytes(), s.as_bytes(), false),
                *want,
                "{p} vs {s}"
            );
        }
        assert!(glob_match(b"A*", b"abc", true));
    }

    #[test]
    fn abusive_patterns_terminate() {
        let pat = "*?".repeat(5000);
        let s = "a".repeat(5000);
        // Must return (either way) without exhausting the stack or the CPU.
        let _ = glob_match(pat.as_bytes(), s.as_bytes(), false);
        assert!(!glob_match(
            b"a*a*a*a*a*a*a*a*a*a*a*a*a*a*b",
            "a".repeat(200).as_bytes(),
            false
        ));
    }
}
