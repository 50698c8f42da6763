//! Small parsing helpers with redis' exact acceptance rules.

/// redis' `string2ll` (optional `-`, no leading zeros, no spaces or `+`, fits in i64) and
/// `yesnotoi`, from the crates that own them, under the names the command code uses.
pub use rsentinel_config::yes_no as parse_yes_no;
pub use rsentinel_resp::string2ll as parse_i64;

/// Argument bytes as text (lossy for non UTF-8, which redis would echo raw).
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Error text with CR/LF turned into spaces, as redis' `addReplyErrorFormat` does.
pub fn err_text(s: String) -> String {
    if s.contains(['\r', '\n']) {
        s.replace(['\r', '\n'], " ")
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string2ll_rules() {
        let cases: &[(&str, Option<i64>)] = &[
            ("0", Some(0)),
            ("12", Some(12)),
            ("-5", Some(-5)),
            ("-0", None),
            ("007", None),
            ("+1", None),
            (" 1", None),
            ("1 ", None),
            ("", None),
            ("-", None),
            ("9223372036854775807", Some(i64::MAX)),
            ("-9223372036854775808", Some(i64::MIN)),
            ("9223372036854775808", None),
            ("1x", None),
        ];
        for (s, want) in cases {
            assert_eq!(parse_i64(s.as_bytes()), *want, "{s}");
        }
    }

    #[test]
    fn yes_no() {
        assert_eq!(parse_yes_no(b"YES"), Some(true));
        assert_eq!(parse_yes_no(b"no"), Some(false));
        assert_eq!(parse_yes_no(b"1"), None);
    }
}
