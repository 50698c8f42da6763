//! Decimal numbers both ways. Strict parsing with redis' `string2ll` rules, used for the
//! `*N` and `$N` headers of requests, and by the config and core crates wherever redis
//! calls `string2ll`: Rust's `str::parse` is more lenient (it takes `+5` and `007`),
//! which would accept input redis rejects. And [`Digits`], the digits of a number written
//! by hand, for the hot paths (every reply header, the port of GET-MASTER-ADDR-BY-NAME)
//! where the formatting machinery showed in the profile.

/// Longest text redis accepts as a number (`LONG_STR_SIZE` is 21, and the length must be
/// strictly below it).
const MAX_LEN: usize = 20;

/// The decimal digits of a number, with a `-` when negative, no leading zeros.
pub struct Digits {
    /// Room for `u64::MAX` (20 digits) and for `i64::MIN` with its sign (20 characters).
    buf: [u8; 20],
    start: usize,
}

impl Digits {
    /// The digits of `n`.
    pub fn new(n: u64) -> Digits {
        Digits::with_sign(false, n)
    }

    /// `n` as `to_string` writes it.
    pub fn signed(n: i64) -> Digits {
        Digits::with_sign(n < 0, n.unsigned_abs())
    }

    /// The digits of `magnitude`, after a `-` when `negative`.
    pub fn with_sign(negative: bool, mut magnitude: u64) -> Digits {
        let mut buf = [0u8; 20];
        let mut start = buf.len();
        loop {
            start -= 1;
            buf[start] = b'0' + (magnitude % 10) as u8;
            magnitude /= 10;
            if magnitude == 0 {
                break;
            }
        }
        // A negative magnitude is at most 2^63, 19 digits: the sign always has room.
        if negative && start > 0 {
            start -= 1;
            buf[start] = b'-';
        }
        Digits { buf, start }
    }

    /// The digits, most significant first.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[self.start..]
    }
}

/// Parses `text` as a signed 64-bit integer exactly like redis' `string2ll`: no sign other
/// than a leading `-`, no leading zeros (a lone `0` is fine, `-0` is not), no spaces, no
/// overflow, at most 20 characters.
pub fn string2ll(text: &[u8]) -> Option<i64> {
    if text.is_empty() || text.len() > MAX_LEN {
        return None;
    }
    if text == b"0" {
        return Some(0);
    }
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    match digits.first() {
        Some(b'1'..=b'9') => {}
        _ => return None,
    }
    let mut value: u64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    if negative {
        // i64::MIN has no positive counterpart, so go through i128.
        i64::try_from(-i128::from(value)).ok()
    } else {
        i64::try_from(value).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::{string2ll, Digits};

    #[test]
    fn digits_read_as_to_string_writes_them() {
        for n in [0, 7, -7, 10, -10, i64::MAX, i64::MIN] {
            assert_eq!(Digits::signed(n).as_bytes(), n.to_string().as_bytes());
        }
        assert_eq!(
            Digits::new(u64::MAX).as_bytes(),
            u64::MAX.to_string().as_bytes()
        );
    }

    #[test]
    fn accepts_what_string2ll_accepts() {
        let cases: &[(&[u8], i64)] = &[
            (b"0", 0),
            (b"1", 1),
            (b"-1", -1),
            (b"10", 10),
            (b"9223372036854775807", i64::MAX),
            (b"-9223372036854775808", i64::MIN),
            (b"2147483648", 2_147_483_648),
        ];
        for (text, want) in cases {
            assert_eq!(
                string2ll(text),
                Some(*want),
                "{:?}",
                String::from_utf8_lossy(text)
            );
        }
    }

    #[test]
    fn rejects_what_string2ll_rejects() {
        let cases: &[&[u8]] = &[
            b"",
            b"-",
            b"-0",
            b"00",
            b"01",
            b"+1",
            b" 1",
            b"1 ",
            b"1a",
            b"0x10",
            b"9223372036854775808",
            b"-9223372036854775809",
            b"99999999999999999999",
            b"000000000000000000001",
            b"\xff",
        ];
        for text in cases {
            assert_eq!(string2ll(text), None, "{:?}", String::from_utf8_lossy(text));
        }
    }
}
