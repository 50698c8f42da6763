//! Glob matching with the exact semantics of redis' `stringmatchlen` (7.0.15): `*`, `?`,
//! `[abc]`, `[^abc]`, `[a-z]`, `\x` escapes and an ASCII-only `nocase` flag. ACL key and
//! channel patterns, `SENTINEL CONFIG GET`, `PSUBSCRIBE` and `COMMAND LIST FILTERBY PATTERN`
//! all share it, so its quirks (unterminated `[`, `[a-]`, signed-char ranges) are kept.
//! Debian's 7.0.15 carries the CVE-2024-31228 fix, so `*` recursion deeper than
//! [`MAX_NESTING`] levels counts as "no match" there and here.

/// How many nested `*` recursions a match may take before it gives up with "no match"
/// (redis' CVE-2024-31228 guard). It also bounds the stack this matcher uses.
const MAX_NESTING: u32 = 1000;

/// Whether `s` matches the glob `pattern`, as redis' `stringmatchlen` decides.
pub fn glob_match(pattern: &[u8], s: &[u8], nocase: bool) -> bool {
    let mut skip_longer = false;
    Matcher { nocase }.matches(pattern, s, &mut skip_longer, 0)
}

struct Matcher {
    nocase: bool,
}

/// Byte `i` of `p`, or NUL past the end: redis reads its NUL-terminated buffers that way.
fn at(p: &[u8], i: usize) -> u8 {
    p.get(i).copied().unwrap_or(0)
}

/// C `tolower` in the C locale: ASCII only.
fn lower(b: u8) -> u8 {
    b.to_ascii_lowercase()
}

/// A byte as the signed `char` redis compares ranges with on x86-64 (verified against
/// the Debian binary: `[\xff-a]` spans -1..=97 there).
fn signed(b: u8) -> i32 {
    i32::from(b as i8)
}

impl Matcher {
    fn eq(&self, a: u8, b: u8) -> bool {
        if self.nocase {
            lower(a) == lower(b)
        } else {
            a == b
        }
    }

    /// `skip_longer` is redis' pruning flag: once a `*` found no match for the rest of the
    /// pattern anywhere in the rest of the string, earlier `*`s cannot help either. It
    /// keeps patterns like `a*a*a*a*b` from taking exponential time. `nesting` counts the
    /// `*` recursions above this call; past [`MAX_NESTING`] the call fails without setting
    /// `skip_longer`, exactly as redis does.
    fn matches(&self, mut p: &[u8], mut s: &[u8], skip_longer: &mut bool, nesting: u32) -> bool {
        if nesting > MAX_NESTING {
            return false;
        }
        while !p.is_empty() && !s.is_empty() {
            match p[0] {
                b'*' => {
                    while p.len() > 1 && p[1] == b'*' {
                        p = &p[1..];
                    }
                    if p.len() == 1 {
                        return true;
                    }
                    while !s.is_empty() {
                        if self.matches(&p[1..], s, skip_longer, nesting + 1) {
                            return true;
                        }
                        if *skip_longer {
                            return false;
                        }
                        s = &s[1..];
                    }
                    *skip_longer = true;
                    return false;
                }
                b'?' => s = &s[1..],
                b'[' => {
                    let (matched, rest) = self.class(&p[1..], s[0]);
                    if !matched {
                        return false;
                    }
                    s = &s[1..];
                    // `rest` starts at the closing `]` (or the last byte when unterminated),
                    // which the common step below consumes.
                    p = rest;
                }
                b'\\' if p.len() >= 2 => {
                    if !self.eq(p[1], s[0]) {
                        return false;
                    }
                    p = &p[1..];
                    s = &s[1..];
                }
                c => {
                    if !self.eq(c, s[0]) {
                        return false;
                    }
                    s = &s[1..];
                }
            }
            p = p.get(1..).unwrap_or_default();
            if s.is_empty() {
                while p.first() == Some(&b'*') {
                    p = &p[1..];
                }
                break;
            }
        }
        p.is_empty() && s.is_empty()
    }

    /// Matches byte `c` against a bracket class whose body starts at `p` (just after
    /// `[`). Returns the verdict and the pattern positioned on the class' last byte.
    fn class<'p>(&self, mut p: &'p [u8], c: u8) -> (bool, &'p [u8]) {
        // `full` lets an unterminated class step back onto its last byte, as redis does.
        let full = p;
        let negate = at(p, 0) == b'^';
        if negate {
            p = &p[1..];
        }
        let mut matched = false;
        loop {
            if at(p, 0) == b'\\' && p.len() >= 2 {
                p = &p[1..];
                if p[0] == c {
                    matched = true;
                }
            } else if at(p, 0) == b']' {
                break;
            } else if p.is_empty() {
                // Unterminated: back up one byte so the caller's step ends the pattern.
                // A class body can be empty only as `[` or `[^` at the very end.
                p = &full[full.len().saturating_sub(1)..];
                break;
            } else if p.len() >= 3 && p[1] == b'-' {
                let (mut start, mut end) = (signed(p[0]), signed(p[2]));
                if start > end {
                    std::mem::swap(&mut start, &mut end);
                }
                let mut ch = signed(c);
                if self.nocase {
                    start = lower_signed(start);
                    end = lower_signed(end);
                    ch = lower_signed(ch);
                }
                p = &p[2..];
                if ch >= start && ch <= end {
                    matched = true;
                }
            } else if self.eq(p[0], c) {
                matched = true;
            }
            p = &p[1..];
        }
        (matched != negate, p)
    }
}

/// `tolower` on a value that came from a signed char: only ASCII letters change.
fn lower_signed(v: i32) -> i32 {
    match u8::try_from(v) {
        Ok(b) => i32::from(lower(b)),
        Err(_) => v,
    }
}

#[cfg(test)]
mod tests {
    use super::glob_match;
    use proptest::prelude::*;

    #[test]
    fn table() {
        // (pattern, string, nocase, expected)
        let cases: &[(&[u8], &[u8], bool, bool)] = &[
            (b"", b"", false, true),
            (b"*", b"", false, false), // redis 7.0: the loop never runs on an empty string
            (b"", b"a", false, false),
            (b"*", b"anything", false, true),
            (b"a*", b"a", false, true),
            (b"a**", b"a", false, true),
            (b"*a", b"a", false, true),
            (b"h?llo", b"hello", false, true),
            (b"h?llo", b"hllo", false, false),
            (b"h*llo", b"heeeello", false, true),
            (b"h[ae]llo", b"hallo", false, true),
            (b"h[ae]llo", b"hillo", false, false),
            (b"h[^e]llo", b"hallo", false, true),
            (b"h[^e]llo", b"hello", false, false),
            (b"h[a-b]llo", b"hbllo", false, true),
            (b"h[b-a]llo", b"hallo", false, true), // reversed ranges are swapped
            (b"h\\*llo", b"h*llo", false, true),
            (b"h\\*llo", b"hello", false, false),
            (b"\\", b"\\", false, true), // a lone trailing backslash is literal
            (b"Hello", b"hello", false, false),
            (b"Hello", b"hello", true, true),
            (b"[A-Z]", b"a", false, false),
            (b"[A-Z]", b"a", true, true),
            (b"[\\A]", b"a", true, false), // escapes inside a class ignore nocase
            (b"[\\]]", b"]", false, true),
            (b"[abc", b"c", false, true), // unterminated class ends the pattern
            (b"[abc", b"cx", false, false),
            (b"[", b"a", false, false),
            (b"[^", b"a", false, true),
            (b"[a-]", b"]", false, true), // `a-]` is the range a..]
            (b"[a-]x", b"bx", false, false),
            (b"[]", b"a", false, false),
            (b"[a-\xff]", b"A", false, true), // signed char: range is -1..=97
            (b"[a-\xff]", b"b", false, false),
            (b"[\xff-a]", b"\xff", false, true),
            (
                b"a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b",
                &[b'a'; 60],
                false,
                false,
            ),
            (b"*a*a*a*a*a*a*a*b", &[b'a'; 43], false, false),
            (b"a*", b"", false, false),
            (b"x", b"xx", false, false),
            (b"news.*", b"news.1", false, true),
            (b"news.*", b"news", false, false),
            (b"a*b*c", b"axxbyyc", false, true),
            (b"a*b*c", b"axxbyy", false, false),
            (b"ab[", b"abc", false, false),
            (b"a[", b"ab", false, false),
            (b"h[a-b]llo", b"hcllo", false, false),
            (b"m[^a-c]x", b"mbx", false, false),
            (b"m[^a-c]x", b"mdx", false, true),
            (b"ANNOUNCE-*", b"announce-ip", false, false),
            (b"ANNOUNCE-*", b"announce-ip", true, true),
            (b"A*", b"abc", true, true),
        ];
        for (pattern, s, nocase, expected) in cases {
            assert_eq!(
                glob_match(pattern, s, *nocase),
                *expected,
                "{:?} vs {:?} nocase={nocase}",
                String::from_utf8_lossy(pattern),
                String::from_utf8_lossy(s)
            );
        }
    }

    /// `n` nested `*` recursions: each `a*` pair past the first byte adds one level.
    fn nested(n: usize) -> (Vec<u8>, Vec<u8>) {
        let mut pattern = b"a*".repeat(n);
        pattern.push(b'a');
        (pattern, vec![b'a'; n + 1])
    }

    #[test]
    fn nesting_beyond_the_limit_is_no_match() {
        // Level 1000 may still recurse; level 1001 gives up, as in redis' CVE-2024-31228 fix.
        let (pattern, s) = nested(1000);
        assert!(glob_match(&pattern, &s, false));
        let (pattern, s) = nested(1001);
        assert!(!glob_match(&pattern, &s, false));
    }

    #[test]
    #[allow(clippy::disallowed_methods)] // a generous bound on wall time, not a benchmark
    fn abusive_patterns_stay_bounded() {
        // Without the nesting cap this recursion would be 50,000 frames deep; without the
        // `skip_longer` pruning it would take exponential time. It must simply say no.
        let pattern = b"*?".repeat(50_000);
        let s = vec![b'a'; 200_000];
        let started = std::time::Instant::now();
        assert!(!glob_match(&pattern, &s, false));
        assert!(!glob_match(&pattern, &s, true));
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
        assert!(!glob_match(
            b"a*a*a*a*a*a*a*a*a*a*a*a*a*a*b",
            &[b'a'; 200],
            false
        ));
    }

    /// Escapes every byte so the pattern can only match `s` itself.
    fn escaped(s: &[u8]) -> Vec<u8> {
        s.iter().flat_map(|&b| [b'\\', b]).collect()
    }

    proptest! {
        #[test]
        fn never_panics(p in proptest::collection::vec(any::<u8>(), 0..24),
                        s in proptest::collection::vec(any::<u8>(), 0..24),
                        nocase: bool) {
            glob_match(&p, &s, nocase);
        }

        #[test]
        fn escaped_literal_matches_only_itself(s in proptest::collection::vec(any::<u8>(), 1..16),
                                               t in proptest::collection::vec(any::<u8>(), 0..16)) {
            prop_assert!(glob_match(&escaped(&s), &s, false));
            prop_assert_eq!(glob_match(&escaped(&s), &t, false), s == t);
        }

        #[test]
        fn star_matches_every_non_empty_string(s in proptest::collection::vec(any::<u8>(), 1..32)) {
            prop_assert!(glob_match(b"*", &s, false));
            prop_assert!(glob_match(b"?*", &s, false));
        }

        #[test]
        fn prefix_star(s in "[a-z]{1,8}", rest in "[a-z]{0,8}") {
            let pattern = format!("{s}*");
            let subject = format!("{s}{rest}");
            prop_assert!(glob_match(pattern.as_bytes(), subject.as_bytes(), false));
            prop_assert!(glob_match(pattern.to_uppercase().as_bytes(), subject.as_bytes(), true));
        }
    }
}
