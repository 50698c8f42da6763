//! The versions rsentinel reports (INFO, HELLO, `--version`).

/// The redis version rsentinel is compatible with; clients read it from INFO and HELLO
/// to decide which features to use.
pub const REDIS_VERSION: &str = "7.0.15";

/// rsentinel's own version, reported next to the redis version it is compatible with.
pub const VERSION: &str = concat!("rsentinel-", env!("CARGO_PKG_VERSION"));

/// `redis_build_id` in INFO: hex like redis' (tools parse it as such), derived from
/// rsentinel's version so each release has its own.
pub const BUILD_ID: &str = build_id::HEX;

mod build_id {
    const fn fnv1a(bytes: &[u8]) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut i = 0;
        while i < bytes.len() {
            h ^= bytes[i] as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
            i += 1;
        }
        h
    }
    const HASH: u64 = fnv1a(super::VERSION.as_bytes());
    const fn digits() -> [u8; 16] {
        let mut out = [0u8; 16];
        let mut i = 0;
        while i < 16 {
            let nibble = ((HASH >> (60 - 4 * i)) & 0xf) as u8;
            out[i] = if nibble < 10 {
                b'0' + nibble
            } else {
                b'a' + nibble - 10
            };
            i += 1;
        }
        out
    }
    const DIGITS: [u8; 16] = digits();
    pub const HEX: &str = match std::str::from_utf8(&DIGITS) {
        Ok(s) => s,
        Err(_) => "0000000000000000",
    };
}
