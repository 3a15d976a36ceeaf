//! Pieces several shapes share: the extension mix of the synthetic shapes,
//! short titles, and numbered files split into chunks of work.

use std::ops::Range;

use crate::generator::names::anime::{KIB, MIB};
use crate::generator::names::words;
use crate::generator::rng::Rng;

/// The extension mix of the synthetic shapes (flat, wide, deep, edge
/// padding): suffix, weight (per mille) and apparent size range in bytes.
pub(crate) const MIXED_EXTS: [(&str, u32, (u64, u64)); 9] = [
    (".mkv", 560, (200 * MIB, 1600 * MIB)),
    (".mp4", 80, (100 * MIB, 900 * MIB)),
    (".avi", 20, (150 * MIB, 700 * MIB)),
    (".ass", 170, (15 * KIB, 150 * KIB)),
    (".srt", 50, (10 * KIB, 60 * KIB)),
    (".jpg", 50, (80 * KIB, 3 * MIB)),
    (".nfo", 40, (KIB, 12 * KIB)),
    (".flac", 15, (20 * MIB, 60 * MIB)),
    (".txt", 15, (200, 8 * KIB)),
];

/// Draws a suffix and a size from [`MIXED_EXTS`].
pub(crate) fn mixed_ext(rng: &mut Rng) -> (&'static str, u64) {
    let mut x = rng.below(1000) as u32;
    for &(ext, w, (lo, hi)) in &MIXED_EXTS {
        if x < w {
            return (ext, rng.range(lo, hi));
        }
        x -= w;
    }
    let (ext, _, (lo, hi)) = MIXED_EXTS[0];
    (ext, rng.range(lo, hi))
}

/// Appends a short title (`Hoshi no Garden`) to `buf`, from the word lists.
pub(crate) fn push_title(buf: &mut Vec<u8>, rng: &mut Rng) {
    let w = words();
    buf.extend_from_slice(rng.pick(&w.romaji).as_bytes());
    buf.extend_from_slice(b" no ");
    buf.extend_from_slice(rng.pick(&w.nouns).as_bytes());
}

/// Numbered files split into chunks of a fixed size, one unit of work
/// each (flat, wide, the edge padding): chunk `i` holds the files
/// `i * size ..` up to the total, and draws from the PRNG stream
/// `(seed, [key, unit])`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Chunks {
    seed: u64,
    key: u64,
    files: u64,
    size: u64,
}

impl Chunks {
    /// `files` files in chunks of `size` (at least 1), streams keyed by
    /// the shape's `key`.
    pub fn new(seed: u64, key: u64, files: u64, size: u64) -> Chunks {
        Chunks {
            seed,
            key,
            files,
            size: size.max(1),
        }
    }

    /// How many chunks.
    pub fn count(&self) -> usize {
        self.files.div_ceil(self.size) as usize
    }

    /// The indexes of the files of chunk `i` (empty past the last chunk).
    pub fn range(&self, i: usize) -> Range<u64> {
        let first = (i as u64).saturating_mul(self.size).min(self.files);
        first..first.saturating_add(self.size).min(self.files)
    }

    /// The PRNG stream of unit `unit`.
    pub fn rng(&self, unit: usize) -> Rng {
        Rng::derive(self.seed, &[self.key, unit as u64])
    }
}

#[cfg(test)]
mod tests {
    use super::Chunks;

    #[test]
    fn chunks_cover_every_file_once() {
        let c = Chunks::new(1, 2, 5000, 2048);
        assert_eq!(c.count(), 3);
        assert_eq!(c.range(0), 0..2048);
        assert_eq!(c.range(2), 4096..5000);
        assert!(c.range(3).is_empty());
        assert_eq!(Chunks::new(1, 2, 0, 2048).count(), 0);
        assert_eq!(Chunks::new(1, 2, 4096, 2048).count(), 2);
    }
}
