//! INFO reply parser (`parse_info_bytes`).
//!
//! Input: one byte choosing a split point, then the INFO text.
//!
//! Properties checked besides "never panics":
//! - the text stops at the first NUL: `parse(x) == parse(x up to NUL)`;
//! - a run id, when present, is at most 40 characters (40 bytes, lossily decoded);
//! - `slaveN:` lines are read line by line: for NUL-free `a` and `b`, the replicas of
//!   `a CRLF b` are the replicas of `a` followed by those of `b`;
//! - there are never more replicas than CRLF-separated lines.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rsentinel_monitor::parse_info_bytes;

fuzz_target!(|data: &[u8]| {
    let Some((&split, text)) = data.split_first() else {
        return;
    };
    let report = parse_info_bytes(text);

    let until_nul = match text.iter().position(|&b| b == 0) {
        Some(nul) => &text[..nul],
        None => text,
    };
    assert_eq!(parse_info_bytes(until_nul), report);

    if let Some(id) = &report.run_id {
        assert!(id.chars().count() <= 40, "run id {id:?}");
    }
    let lines = 1 + until_nul.windows(2).filter(|w| w == b"\r\n").count();
    assert!(report.replicas.len() <= lines);

    let at = usize::from(split) * until_nul.len() / 255;
    let (a, b) = until_nul.split_at(at.min(until_nul.len()));
    let mut joined = a.to_vec();
    joined.extend_from_slice(b"\r\n");
    joined.extend_from_slice(b);
    let mut expected = parse_info_bytes(a).replicas;
    expected.extend(parse_info_bytes(b).replicas);
    assert_eq!(parse_info_bytes(&joined).replicas, expected);
});
