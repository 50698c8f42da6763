//! The C number parsers sentinel.c applies to INFO values (`atoi`, `strtoll`,
//! `strtoull` from glibc), so that odd values decode exactly as redis decodes them:
//! leading blanks skipped, trailing garbage ignored, nothing parsed giving 0.

/// Skip C `isspace` bytes, read an optional sign, and return (negative, digits).
fn split_number(s: &[u8]) -> (bool, &[u8]) {
    let start = s
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))
        .unwrap_or(s.len());
    let s = &s[start..];
    let (neg, s) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let end = s
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(s.len());
    (neg, &s[..end])
}

/// glibc `strtoll(s, NULL, 10)`: saturates at the i64 bounds on overflow.
pub(crate) fn strtoll(s: &[u8]) -> i64 {
    let (neg, digits) = split_number(s);
    let mut v: i64 = 0;
    for d in digits {
        let d = i64::from(d - b'0');
        let next = v.checked_mul(10).and_then(|x| {
            if neg {
                x.checked_sub(d)
            } else {
                x.checked_add(d)
            }
        });
        match next {
            Some(n) => v = n,
            None => return if neg { i64::MIN } else { i64::MAX },
        }
    }
    v
}

/// glibc `atoi`: `(int) strtol(s, NULL, 10)`, i.e. the saturated 64-bit value truncated
/// to 32 bits (so a huge value reads as -1, as it does in redis on 64-bit Linux).
pub(crate) fn atoi(s: &[u8]) -> i32 {
    strtoll(s) as i32
}

/// glibc `strtoull(s, NULL, 10)`: saturates at `u64::MAX`; a leading `-` negates the
/// result modulo 2^64.
pub(crate) fn strtoull(s: &[u8]) -> u64 {
    let (neg, digits) = split_number(s);
    let mut v: u64 = 0;
    for d in digits {
        match v
            .checked_mul(10)
            .and_then(|x| x.checked_add(u64::from(d - b'0')))
        {
            Some(n) => v = n,
            None => return u64::MAX,
        }
    }
    if neg {
        v.wrapping_neg()
    } else {
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_parsers_table() {
        let ll: &[(&str, i64)] = &[
            ("42", 42),
            ("  -7xyz", -7),
            ("+3", 3),
            ("", 0),
            ("abc", 0),
            ("-", 0),
            ("9223372036854775807", i64::MAX),
            ("9223372036854775808", i64::MAX),
            ("-9223372036854775809", i64::MIN),
            ("\t\r\n12", 12),
        ];
        for (s, want) in ll {
            assert_eq!(strtoll(s.as_bytes()), *want, "strtoll {s:?}");
        }
        let i: &[(&str, i32)] = &[
            ("100", 100),
            ("0", 0),
            ("2147483648", i32::MIN),
            ("99999999999999999999", -1),
            ("12ab", 12),
        ];
        for (s, want) in i {
            assert_eq!(atoi(s.as_bytes()), *want, "atoi {s:?}");
        }
        let ull: &[(&str, u64)] = &[
            ("68", 68),
            ("-1", u64::MAX),
            ("-2", u64::MAX - 1),
            ("18446744073709551615", u64::MAX),
            ("18446744073709551616", u64::MAX),
            ("x", 0),
        ];
        for (s, want) in ull {
            assert_eq!(strtoull(s.as_bytes()), *want, "strtoull {s:?}");
        }
    }
}
