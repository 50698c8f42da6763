//! Small parsing helpers with redis' exact acceptance rules, and fields of INFO texts.

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

/// The value of `field:<value>` in an INFO text: the first line that starts with it,
/// trimmed. The name is searched for in the whole text rather than line by line: an
/// INFO reply has about 150 lines, and the timer reads two fields of each reply.
pub(crate) fn info_field<'t>(text: &'t str, field: &str) -> Option<&'t str> {
    let mut from = 0;
    while let Some(at) = text.get(from..)?.find(field).map(|i| from + i) {
        let line_start = at == 0 || text.as_bytes()[at - 1] == b'\n';
        let rest = &text[at + field.len()..];
        if let Some(value) = rest.strip_prefix(':').filter(|_| line_start) {
            let end = value.find('\n').unwrap_or(value.len());
            return Some(value[..end].trim());
        }
        // On past the character the match starts at (an empty name matches anywhere).
        from = at + text[at..].chars().next().map_or(1, char::len_utf8);
    }
    None
}

/// `field:<number>` from an INFO text.
pub(crate) fn info_number(text: &str, field: &str) -> Option<u64> {
    info_field(text, field).and_then(|v| v.parse().ok())
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

    /// What `info_field` did before it searched the whole text, line by line.
    fn info_field_by_lines<'t>(text: &'t str, field: &str) -> Option<&'t str> {
        text.lines().find_map(|l| {
            l.strip_prefix(field)
                .and_then(|v| v.strip_prefix(':'))
                .map(str::trim)
        })
    }

    proptest::proptest! {
        #[test]
        fn info_field_matches_reading_line_by_line(
            lines in proptest::collection::vec("[a-c_: \r\né]{0,12}", 0..12),
            field in "[a-c_é]{0,4}",
            crlf in proptest::bool::ANY,
        ) {
            let text = lines.join(if crlf { "\r\n" } else { "\n" });
            proptest::prop_assert_eq!(
                info_field(&text, &field),
                info_field_by_lines(&text, &field)
            );
        }
    }

    #[test]
    fn info_field_takes_the_first_line_that_starts_with_the_name() {
        let t = "xmaster_replid:no\r\nmaster_replid2:two\r\nmaster_replid: one \r\n";
        assert_eq!(info_field(t, "master_replid"), Some("one"));
        assert_eq!(info_field(t, "master_replid2"), Some("two"));
        assert_eq!(info_field("a:1", "a"), Some("1"));
        assert_eq!(info_field("a", "a"), None);
        assert_eq!(info_field("", "a"), None);
    }

    #[test]
    fn yes_no() {
        assert_eq!(parse_yes_no(b"YES"), Some(true));
        assert_eq!(parse_yes_no(b"no"), Some(false));
        assert_eq!(parse_yes_no(b"1"), None);
    }

    #[test]
    fn info_numbers() {
        let t =
            "# Replication\r\nrole:slave\r\nslave_repl_offset:1234\r\nmaster_repl_offset:99\r\n";
        assert_eq!(info_number(t, "slave_repl_offset"), Some(1234));
        assert_eq!(info_number(t, "master_repl_offset"), Some(99));
        assert_eq!(info_number(t, "master_repl"), None);
        assert_eq!(
            info_number("master_repl_offset:x\r\n", "master_repl_offset"),
            None
        );
    }
}
