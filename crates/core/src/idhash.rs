//! Hash maps keyed by the core's own counters (link and connection ids). Those keys are
//! small integers the core hands out itself, so no peer can choose them and SipHash's
//! flood resistance buys nothing; its cost did show, at several lookups per instance per
//! timer run. One multiply spreads consecutive ids over the table.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A hash map keyed by an id the core generated.
pub(crate) type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

/// Fibonacci hashing of integer keys (other key types fall back to FNV-1a over bytes).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0 ^ v).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }

    fn write_usize(&mut self, v: usize) {
        self.write_u64(v as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consecutive_ids_spread_over_the_high_bits() {
        let hash = |v: u64| {
            let mut h = IdHasher::default();
            h.write_u64(v);
            h.finish()
        };
        // hashbrown picks buckets from the low bits and tags from the top 7 bits.
        let tops: std::collections::HashSet<u64> = (1..=64).map(|v| hash(v) >> 57).collect();
        assert!(tops.len() > 32, "{} distinct tags", tops.len());
        let mut m: IdMap<u64, u64> = IdMap::default();
        for v in 0..1000 {
            m.insert(v, v * 2);
        }
        assert!((0..1000).all(|v| m.get(&v) == Some(&(v * 2))));
    }
}
