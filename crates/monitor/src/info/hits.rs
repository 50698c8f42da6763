//! Finding one byte value in an INFO text. Every reply (about 5 KB) is searched for its
//! NUL, its line ends and, for the INFO-CACHE copy, its line ends again. A search that
//! stops at the first match tests one byte at a time; here eight bytes are tested at
//! once with word arithmetic, and the matches are read off the resulting bits.

/// The positions of `needle` in `hay`, in order.
#[derive(Clone, Debug)]
pub(crate) struct ByteHits<'a> {
    hay: &'a [u8],
    needle: u8,
    /// Where the word of `mask` starts.
    base: usize,
    /// Matches of that word not yet returned: the high bit of byte i for `hay[base + i]`.
    mask: u64,
    /// Where the next word starts.
    next_word: usize,
}

const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
const HIGH: u64 = 0x8080_8080_8080_8080;
const ONES: u64 = 0x0101_0101_0101_0101;

impl<'a> ByteHits<'a> {
    /// The positions of `needle` in `hay`, found a word at a time as they are asked for.
    pub(crate) fn new(hay: &'a [u8], needle: u8) -> ByteHits<'a> {
        ByteHits {
            hay,
            needle,
            base: 0,
            mask: 0,
            next_word: 0,
        }
    }
}

/// The high bit of each byte of `word` that equals `needle`, exactly (no carries
/// between bytes: the low seven bits are added separately from the high one).
fn word_mask(word: u64, needle: u8) -> u64 {
    let x = word ^ (ONES * u64::from(needle));
    !(((x & LOW7) + LOW7) | x) & HIGH
}

impl Iterator for ByteHits<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        while self.mask == 0 {
            let rest = self.hay.get(self.next_word..)?;
            let mut bytes = [!self.needle; 8];
            let n = match rest.get(..8) {
                Some(word) => {
                    bytes.copy_from_slice(word);
                    8
                }
                None if rest.is_empty() => return None,
                // A short last word is padded with bytes that differ from the needle.
                None => {
                    bytes[..rest.len()].copy_from_slice(rest);
                    rest.len()
                }
            };
            self.base = self.next_word;
            self.next_word += n;
            self.mask = word_mask(u64::from_le_bytes(bytes), self.needle);
        }
        let i = self.mask.trailing_zeros() as usize / 8;
        self.mask &= self.mask - 1;
        Some(self.base + i)
    }
}

/// The first position of `needle` in `hay`. For a byte that is rare in the text (the
/// NUL), whole 16-byte blocks are tested without an early exit, which compiles to wide
/// compares; only the block that holds it is searched byte by byte.
pub(crate) fn find_byte(hay: &[u8], needle: u8) -> Option<usize> {
    const BLOCK: usize = 16;
    let mut blocks = hay.chunks_exact(BLOCK);
    let mut base = 0;
    for block in &mut blocks {
        if block.iter().fold(false, |seen, &b| seen | (b == needle)) {
            return block.iter().position(|&b| b == needle).map(|i| base + i);
        }
        base += BLOCK;
    }
    let tail = blocks.remainder();
    tail.iter().position(|&b| b == needle).map(|i| base + i)
}

/// The lines of `text`, each with its `\n` (the last may lack one), as
/// `split_inclusive` gives them.
pub fn lines_inclusive(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut ends = ByteHits::new(text, b'\n');
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= text.len() {
            return None;
        }
        let end = ends.next().map_or(text.len(), |i| i + 1);
        let line = text.get(start..end)?;
        start = end;
        Some(line)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Every position, in order, over texts long and short and bytes rare and common.
        #[test]
        fn hits_are_every_position_of_the_byte(
            hay in proptest::collection::vec(prop_oneof![Just(b'\n'), Just(0u8), any::<u8>()], 0..400),
            needle in prop_oneof![Just(b'\n'), Just(0u8), any::<u8>()],
        ) {
            let want: Vec<usize> = hay
                .iter()
                .enumerate()
                .filter(|(_, &b)| b == needle)
                .map(|(i, _)| i)
                .collect();
            let got: Vec<usize> = ByteHits::new(&hay, needle).collect();
            prop_assert_eq!(&got, &want);
            prop_assert_eq!(find_byte(&hay, needle), want.first().copied());
        }

        #[test]
        fn lines_are_split_inclusive(
            hay in proptest::collection::vec(prop_oneof![Just(b'\n'), Just(b'a'), any::<u8>()], 0..400),
        ) {
            let want: Vec<&[u8]> = hay.split_inclusive(|&b| b == b'\n').collect();
            let got: Vec<&[u8]> = lines_inclusive(&hay).collect();
            prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn block_edges() {
        let mut hay = vec![b'x'; 200];
        for i in [0, 7, 8, 63, 64, 127, 128, 199] {
            hay[i] = b'\n';
        }
        let got: Vec<usize> = ByteHits::new(&hay, b'\n').collect();
        assert_eq!(got, vec![0, 7, 8, 63, 64, 127, 128, 199]);
        // Bytes next to the needle's value and with the high bit set must not match.
        let near = [0x0a, 0x0b, 0x09, 0x8a, 0x0a, 0xff, 0x00, 0x0a];
        let got: Vec<usize> = ByteHits::new(&near, 0x0a).collect();
        assert_eq!(got, vec![0, 4, 7]);
        let got: Vec<usize> = ByteHits::new(&near, 0x00).collect();
        assert_eq!(got, vec![6]);
        assert_eq!(find_byte(&hay[1..], b'\n'), Some(6));
        assert_eq!(find_byte(b"", b'\n'), None);
    }
}
