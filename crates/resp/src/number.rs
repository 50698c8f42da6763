//! Decimal numbers both ways. Strict parsing with redis' `string2ll` rules, used for the
//! `*N` and `$N` headers of requests, and by the config and core crates wherever redis
//! calls `string2ll`: Rust's `str::parse` is more lenient (it takes `+5` and `007`),
//! which would accept input redis rejects. And [`Digits`], the digits of a number written
//! by hand, for the hot paths (every reply header, the port of GET-MASTER-ADDR-BY-NAME)
//! where the formatting machinery showed in the profile.

/// "00" to "99", for writing two digits at a time.
const PAIRS: &[u8; 200] = b"\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

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

    /// The digits of `magnitude`, after a `-` when `negative`. Two digits per step from
    /// a pair table, and the buffer filled as one word: a byte loop over a zeroed array
    /// compiled to twenty separate stores and showed in the pipelined reply profile.
    pub fn with_sign(negative: bool, mut magnitude: u64) -> Digits {
        let mut buf = [b'0'; 20];
        let mut start = buf.len();
        while magnitude >= 100 {
            let pair = (magnitude % 100) as usize * 2;
            magnitude /= 100;
            start -= 2;
            buf[start..start + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
        }
        if magnitude >= 10 {
            let pair = magnitude as usize * 2;
            start -= 2;
            buf[start..start + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
        } else {
            start -= 1;
            buf[start] = b'0' + magnitude as u8;
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

    proptest::proptest! {
        #[test]
        fn digits_of_any_number(n in proptest::prelude::any::<i64>(), u in proptest::prelude::any::<u64>(), small in 0u64..100_000) {
            let (a, b, c) = (Digits::signed(n), Digits::new(u), Digits::new(small));
            let want = (n.to_string(), u.to_string(), small.to_string());
            proptest::prop_assert_eq!(a.as_bytes(), want.0.as_bytes());
            proptest::prop_assert_eq!(b.as_bytes(), want.1.as_bytes());
            proptest::prop_assert_eq!(c.as_bytes(), want.2.as_bytes());
        }
    }

    #[test]
    fn digits_read_as_to_string_writes_them() {
        for n in [
            0,
            7,
            -7,
            9,
            10,
            -10,
            99,
            100,
            -100,
            101,
            999,
            1000,
            i64::MAX,
            i64::MIN,
        ] {
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
