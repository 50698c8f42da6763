//! Redis' number readers and writers. Each one is deliberately as lax or strict as the C
//! function redis uses at that spot (`string2ll`, `memtoull`, `atoi`, `strtoull`), because
//! that decides which files load and what their rewrite contains.

/// `string2ll`: strict decimal, optional `-`, no `+`, no spaces, no leading zeros.
pub fn string2ll(s: &str) -> Option<i64> {
    rsentinel_resp::string2ll(s.as_bytes())
}

/// `memtoull`: a byte count with an optional case-insensitive unit (b, k, kb, m, mb, g, gb).
pub fn memtoull(s: &str) -> Option<u64> {
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let mul: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1000 * 1000,
        "mb" => 1024 * 1024,
        "g" => 1000 * 1000 * 1000,
        "gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    if num.is_empty() {
        // strtoull on "" yields 0 with no digits consumed: redis accepts it as 0.
        return Some(0);
    }
    num.parse::<u64>().ok()?.checked_mul(mul)
}

/// Formats bytes like redis' rewrite (`rewriteConfigFormatMemory`).
pub fn format_memory(bytes: i128) -> String {
    const KB: i128 = 1024;
    const MB: i128 = KB * 1024;
    const GB: i128 = MB * 1024;
    if bytes != 0 && bytes % GB == 0 {
        format!("{}gb", bytes / GB)
    } else if bytes != 0 && bytes % MB == 0 {
        format!("{}mb", bytes / MB)
    } else if bytes != 0 && bytes % KB == 0 {
        format!("{}kb", bytes / KB)
    } else {
        format!("{bytes}")
    }
}

/// `strtol` as C does it: leading spaces, sign, digits, stop at the first non-digit,
/// saturate on overflow. Returns 0 when there are no digits.
pub fn strtol(s: &str) -> i64 {
    let t = s.trim_start_matches(|c: char| c.is_ascii_whitespace());
    let (neg, rest) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let mut v: i128 = 0;
    for d in rest.bytes().take_while(u8::is_ascii_digit) {
        v = (v * 10 + i128::from(d - b'0')).min(i128::from(i64::MAX) + 1);
    }
    let v = if neg { -v } else { v };
    v.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

/// `atoi` on glibc: `strtol` truncated to an `int`.
pub fn atoi(s: &str) -> i32 {
    strtol(s) as i32
}

/// `strtoull(s, NULL, 10)`: like `strtol` but unsigned; a leading `-` negates modulo 2^64.
pub fn strtoull(s: &str) -> u64 {
    let t = s.trim_start_matches(|c: char| c.is_ascii_whitespace());
    let (neg, rest) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let mut v: u64 = 0;
    let mut overflow = false;
    for d in rest.bytes().take_while(u8::is_ascii_digit) {
        match v
            .checked_mul(10)
            .and_then(|x| x.checked_add(u64::from(d - b'0')))
        {
            Some(n) => v = n,
            None => overflow = true,
        }
    }
    if overflow {
        u64::MAX
    } else if neg {
        v.wrapping_neg()
    } else {
        v
    }
}

/// `yesnotoi`: case-insensitive yes/no. Takes bytes too, for `SENTINEL CONFIG SET` values.
pub fn yes_no(s: impl AsRef<[u8]>) -> Option<bool> {
    let s = s.as_ref();
    if s.eq_ignore_ascii_case(b"yes") {
        Some(true)
    } else if s.eq_ignore_ascii_case(b"no") {
        Some(false)
    } else {
        None
    }
}

/// How redis writes a boolean in the config and in `CONFIG GET` replies.
pub fn yes_no_str(v: bool) -> &'static str {
    if v {
        "yes"
    } else {
        "no"
    }
}

/// `%f` then trailing zeros (and a bare dot) removed, as redis prints percentiles.
pub fn format_double_trimmed(v: f64) -> String {
    let s = format!("{v:.6}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string2ll_is_strict() {
        assert_eq!(string2ll("0"), Some(0));
        assert_eq!(string2ll("-12"), Some(-12));
        assert_eq!(string2ll("9223372036854775807"), Some(i64::MAX));
        assert_eq!(string2ll("-9223372036854775808"), Some(i64::MIN));
        for bad in [
            "",
            "+1",
            "01",
            " 1",
            "1 ",
            "1a",
            "-",
            "-0",
            "9223372036854775808",
        ] {
            assert_eq!(string2ll(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn memory_units() {
        assert_eq!(memtoull("1gb"), Some(1 << 30));
        assert_eq!(memtoull("1K"), Some(1000));
        assert_eq!(memtoull("5Mb"), Some(5 << 20));
        assert_eq!(memtoull("12"), Some(12));
        assert_eq!(memtoull("1x"), None);
        assert_eq!(memtoull("-1"), None);
        assert_eq!(format_memory(1 << 30), "1gb");
        assert_eq!(format_memory(3 << 20), "3mb");
        assert_eq!(format_memory(2048), "2kb");
        assert_eq!(format_memory(1000), "1000");
        assert_eq!(format_memory(0), "0");
    }

    #[test]
    fn c_parsers_are_lax() {
        assert_eq!(atoi("12abc"), 12);
        assert_eq!(atoi("abc"), 0);
        assert_eq!(atoi(" -5"), -5);
        assert_eq!(atoi("99999999999999999999"), -1);
        assert_eq!(strtoull("-1"), u64::MAX);
        assert_eq!(strtoull("42x"), 42);
        assert_eq!(format_double_trimmed(99.9), "99.9");
        assert_eq!(format_double_trimmed(50.0), "50");
    }
}
