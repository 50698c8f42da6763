//! The C library number conversions redis applies to hello fields (`atoi` for ports,
//! `strtoull` for epochs). Redis never rejects a malformed number in a hello, it reads
//! what these functions make of it, so peers must agree on that reading bit for bit:
//! `"abc"` is 0, `"26379xyz"` is 26379, `"-1"` as an epoch is `u64::MAX`.

/// Bytes C's `isspace` skips before a number (in the "C" locale).
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Leading whitespace and one optional sign, as `strtol`/`strtoull` read them; returns
/// whether the number is negative and the bytes after the sign.
fn sign_and_rest(s: &[u8]) -> (bool, &[u8]) {
    let start = s.iter().position(|b| !is_c_space(*b)).unwrap_or(s.len());
    let s = &s[start..];
    match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    }
}

/// The leading decimal digits as a magnitude, saturating at `u64::MAX`; the flag tells
/// whether it overflowed.
fn magnitude(digits: &[u8]) -> (u64, bool) {
    let mut value: u64 = 0;
    for d in digits.iter().take_while(|b| b.is_ascii_digit()) {
        let next = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(d - b'0')));
        match next {
            Some(v) => value = v,
            None => return (u64::MAX, true),
        }
    }
    (value, false)
}

/// glibc's `atoi`: `(int) strtol(s, NULL, 10)`. `strtol` saturates at the `long` range
/// and the cast keeps the low 32 bits, so `"4294993675"` reads as 26379 and an
/// overflowing `"99999999999999999999"` as -1, exactly as the real redis-sentinel does.
pub fn atoi(s: &[u8]) -> i32 {
    let (negative, rest) = sign_and_rest(s);
    let (mag, overflow) = magnitude(rest);
    let long: i64 = if negative {
        if overflow || mag > 1u64 << 63 {
            i64::MIN
        } else {
            // mag <= 2^63, so the negation fits (2^63 itself is i64::MIN).
            0i64.wrapping_sub_unsigned(mag)
        }
    } else if overflow || mag > i64::MAX as u64 {
        i64::MAX
    } else {
        mag as i64
    };
    // The C cast to int: keep the low 32 bits (two's complement).
    long as i32
}

/// glibc's `strtoull(s, NULL, 10)`: saturates at `u64::MAX` on overflow, and a leading
/// `-` negates modulo 2^64 (`"-1"` is `u64::MAX`); no digits gives 0.
pub fn strtoull(s: &[u8]) -> u64 {
    let (negative, rest) = sign_and_rest(s);
    let (mag, overflow) = magnitude(rest);
    if overflow {
        u64::MAX
    } else if negative {
        mag.wrapping_neg()
    } else {
        mag
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn atoi_table() {
        let cases: &[(&str, i32)] = &[
            ("26379", 26379),
            ("", 0),
            ("abc", 0),
            ("26379xyz", 26379),
            (" \t\n\x0b\x0c\r42", 42),
            ("+7", 7),
            ("-1", -1),
            ("- 1", 0),
            ("+-1", 0),
            ("4294994994", 27698),
            ("2147483648", i32::MIN),
            ("9223372036854775807", -1),
            ("99999999999999999999", -1),
            ("-9223372036854775808", 0),
            ("-99999999999999999999", 0),
            ("-2147483649", i32::MAX),
            ("0x10", 0),
            ("1 2", 1),
        ];
        for (s, want) in cases {
            assert_eq!(atoi(s.as_bytes()), *want, "atoi({s:?})");
        }
    }

    #[test]
    fn strtoull_table() {
        let cases: &[(&str, u64)] = &[
            ("0", 0),
            ("7abc", 7),
            (" +9", 9),
            ("-1", u64::MAX),
            ("-5", u64::MAX - 4),
            ("18446744073709551615", u64::MAX),
            ("18446744073709551616", u64::MAX),
            ("-18446744073709551616", u64::MAX),
            ("-18446744073709551615", 1),
            ("", 0),
            ("-", 0),
            ("x1", 0),
        ];
        for (s, want) in cases {
            assert_eq!(strtoull(s.as_bytes()), *want, "strtoull({s:?})");
        }
    }

    proptest! {
        #[test]
        fn canonical_numbers_read_back(n in any::<i32>(), u in any::<u64>()) {
            prop_assert_eq!(atoi(n.to_string().as_bytes()), n);
            prop_assert_eq!(strtoull(u.to_string().as_bytes()), u);
        }

        #[test]
        fn atoi_agrees_with_i64_truncation(n in any::<i64>(), tail in "[a-z ]{0,3}") {
            let s = format!("{n}{tail}");
            prop_assert_eq!(atoi(s.as_bytes()), n as i32);
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = atoi(&bytes);
            let _ = strtoull(&bytes);
        }
    }
}
