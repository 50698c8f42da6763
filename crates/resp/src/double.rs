//! Redis' text form of a double reply: C's `%.17g`, with `inf`, `-inf` and `nan` spelled
//! out, so doubles read back bit-identical and look exactly like redis' output.

/// Formats `d` like `printf("%.17g", d)` (17 significant digits, trailing zeros removed,
/// exponent form when the exponent is below -4 or at least 17).
pub fn format_double(d: f64) -> String {
    if d.is_nan() {
        return "nan".to_string();
    }
    if d.is_infinite() {
        return if d > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    // Rust's exact formatting rounds half to even on the exact binary value, as glibc does,
    // and `{:e}` reports the exponent after rounding, which is the one %g decides on.
    let scientific = format!("{d:.16e}");
    let (mantissa, exponent) = match scientific.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (scientific.as_str(), 0),
    };
    if (-4..17).contains(&exponent) {
        let decimals = usize::try_from(16 - exponent).unwrap_or(0);
        trim_fraction(&format!("{d:.decimals$}")).to_string()
    } else {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!(
            "{}e{sign}{:02}",
            trim_fraction(mantissa),
            exponent.unsigned_abs()
        )
    }
}

/// `%g` drops trailing zeros of the fraction, and the point when nothing is left after it.
fn trim_fraction(text: &str) -> &str {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::format_double;
    use proptest::prelude::*;

    /// glibc's own rendering, the reference redis uses.
    #[allow(unsafe_code)] // snprintf(3), the reference; see the SAFETY comment
    fn c_format(d: f64) -> String {
        let mut buf = [0u8; 64];
        // SAFETY: the buffer is large enough for any %.17g output and snprintf
        // NUL-terminates within the given size.
        let n = unsafe { libc::snprintf(buf.as_mut_ptr().cast(), buf.len(), c"%.17g".as_ptr(), d) };
        let n = usize::try_from(n).unwrap_or(0).min(buf.len());
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }

    #[test]
    fn known_values() {
        let cases: &[(f64, &str)] = &[
            (0.0, "0"),
            (-0.0, "-0"),
            (1.0, "1"),
            (-2.5, "-2.5"),
            (0.1, "0.10000000000000001"),
            (1.5e-5, "1.5e-05"),
            (0.0001, "0.0001"),
            (1e16, "10000000000000000"),
            (1e17, "1e+17"),
            (123456789012345680.0, "1.2345678901234568e+17"),
            (1e300, "1.0000000000000001e+300"),
            (f64::MAX, "1.7976931348623157e+308"),
            (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
            (5e-324, "4.9406564584124654e-324"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
        ];
        for (d, want) in cases {
            assert_eq!(format_double(*d), *want, "{d:e}");
            if d.is_finite() {
                assert_eq!(c_format(*d), *want, "glibc {d:e}");
            }
        }
    }

    proptest! {
        #[test]
        fn matches_glibc(bits in any::<u64>()) {
            let d = f64::from_bits(bits);
            prop_assume!(d.is_finite());
            prop_assert_eq!(format_double(d), c_format(d));
        }

        #[test]
        fn matches_glibc_on_short_decimals(n in any::<i32>(), scale in 0u32..12) {
            let d = f64::from(n) / 10f64.powi(scale as i32);
            prop_assert_eq!(format_double(d), c_format(d));
        }
    }
}
