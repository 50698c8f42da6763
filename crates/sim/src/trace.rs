//! A fingerprint of a whole run: every event and fault line (with its virtual time),
//! every output of every Sentinel core (commands sent, connections opened and closed,
//! each rewritten config file, log lines) and the verdict, folded into one 64-bit hash.
//! Two runs of a seed have the same hash exactly when they did the same things at the
//! same virtual times, so a refactor that must not change behaviour is checked by
//! comparing the hashes of a seed range before and after (the binary prints the
//! combined hash of a sweep). FNV-1a (taken 8 bytes at a time, the tail byte by byte,
//! since every byte every core sends goes through it) is used because it is fixed
//! forever, unlike std's `DefaultHasher`, whose algorithm may change between Rust
//! releases.

const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const PRIME: u64 = 0x0000_0100_0000_01b3;

/// An FNV-1a 64-bit hash being built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Trace(u64);

impl Default for Trace {
    fn default() -> Self {
        Trace(OFFSET)
    }
}

impl Trace {
    /// Adds raw bytes: whole little-endian words, then the bytes left over.
    fn raw(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            let mut le = [0u8; 8];
            le.copy_from_slice(w);
            self.0 ^= u64::from_le_bytes(le);
            self.0 = self.0.wrapping_mul(PRIME);
        }
        for b in words.remainder() {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(PRIME);
        }
    }

    /// Adds one field: its length, then its bytes, so that `("ab", "c")` and
    /// `("a", "bc")` hash differently.
    pub fn bytes(&mut self, bytes: &[u8]) {
        self.raw(&(bytes.len() as u64).to_le_bytes());
        self.raw(bytes);
    }

    /// Adds a number.
    pub fn u64(&mut self, v: u64) {
        self.raw(&v.to_le_bytes());
    }

    /// The hash so far.
    pub fn value(&self) -> u64 {
        self.0
    }
}

/// The hash of a sweep: each seed and its run's hash, in seed order, so it does not
/// depend on which thread ran which seed.
pub fn combine(runs: impl IntoIterator<Item = (u64, u64)>) -> u64 {
    let mut t = Trace::default();
    for (seed, hash) in runs {
        t.u64(seed);
        t.u64(hash);
    }
    t.value()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_reference_values() {
        // FNV-1a 64 of "" and of "a" (shorter than a word: byte by byte), from the
        // algorithm's published test vectors.
        assert_eq!(Trace::default().value(), 0xcbf2_9ce4_8422_2325);
        let mut t = Trace::default();
        t.raw(b"a");
        assert_eq!(t.value(), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn every_byte_of_a_word_counts() {
        let hash = |b: &[u8]| {
            let mut t = Trace::default();
            t.raw(b);
            t.value()
        };
        let base = hash(b"abcdefghij");
        for i in 0..10 {
            let mut v = b"abcdefghij".to_vec();
            v[i] ^= 1;
            assert_ne!(hash(&v), base, "byte {i}");
        }
    }

    #[test]
    fn fields_are_delimited() {
        let (mut a, mut b) = (Trace::default(), Trace::default());
        a.bytes(b"ab");
        a.bytes(b"c");
        b.bytes(b"a");
        b.bytes(b"bc");
        assert_ne!(a.value(), b.value());
    }

    #[test]
    fn combined_hash_depends_on_seeds_and_order() {
        let base = combine([(1, 10), (2, 20)]);
        assert_eq!(base, combine([(1, 10), (2, 20)]));
        assert_ne!(base, combine([(2, 20), (1, 10)]));
        assert_ne!(base, combine([(1, 10), (2, 21)]));
        assert_ne!(base, combine([(1, 10), (3, 20)]));
    }
}
