//! The lookup behind [`ExtensionSet`](crate::ExtensionSet): a test of one
//! extension in a few instructions, whatever the size of the set.
//!
//! An extension of 1 to 7 bytes (every built-in one) is lower-cased into a
//! `u64` key: its bytes little-endian in the low 7 bytes, its length in the
//! top byte (so the packing is one-to-one, NUL bytes included, and no key is
//! 0), and looked up in a small open-addressing table of such keys, at least
//! twice as large as the set (a multiplicative hash, then linear probing to
//! the first empty slot). A bit mask of the lengths present rejects most
//! non-matching names before any packing. Longer extensions are compared
//! byte by byte.

/// Longest extension packed into a key.
const PACKED: usize = 7;

/// The table of packed keys plus the extensions that do not pack.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Lookup {
    /// Bit `n` set when an extension of `n` bytes (1..=7) is packed.
    lens: u32,
    /// Open-addressing table (0 = empty); its length is a power of two.
    slots: Box<[u64]>,
    /// `64 - log2(slots.len())`: the hash keeps the top bits.
    shift: u32,
    /// Lower-cased extensions that are not packed (longer than 7 bytes).
    long: Vec<Box<[u8]>>,
}

/// Lower-cases `ext` (1..=7 bytes) into a key.
#[inline(always)]
fn pack(ext: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    b[..ext.len()].copy_from_slice(ext);
    key(lower(u64::from_le_bytes(b)), ext.len())
}

/// The key of lower-cased extension bytes `low` (in the low `len` bytes).
#[inline(always)]
fn key(low: u64, len: usize) -> u64 {
    low | ((len as u64) << 56)
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// SWAR ASCII lower-casing: adds 0x20 to every byte in `b'A'..=b'Z'`.
#[inline(always)]
fn lower(x: u64) -> u64 {
    let low7 = x & !HIGH;
    let ge_a = low7 + ONES * (0x80 - b'A' as u64);
    let gt_z = low7 + ONES * (0x80 - b'Z' as u64 - 1);
    let upper = (ge_a ^ gt_z) & !x & HIGH;
    x | (upper >> 2)
}

#[inline(always)]
fn hash(key: u64, shift: u32) -> usize {
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> shift) as usize
}

impl Lookup {
    /// A lookup of these extensions (already lower-cased, non-empty, unique).
    pub(crate) fn new<'a>(exts: impl Iterator<Item = &'a [u8]> + Clone) -> Lookup {
        let packable = |e: &[u8]| e.len() <= PACKED;
        let n = exts.clone().filter(|e| packable(e)).count();
        let size = (2 * n).next_power_of_two().max(8);
        let shift = 64 - size.trailing_zeros();
        let mut slots = vec![0u64; size].into_boxed_slice();
        let mut lens = 0u32;
        let mut long = Vec::new();
        for e in exts {
            if !packable(e) {
                long.push(e.into());
                continue;
            }
            lens |= 1 << e.len();
            let key = pack(e);
            let mut i = hash(key, shift);
            while slots[i] != 0 && slots[i] != key {
                i = (i + 1) & (size - 1);
            }
            slots[i] = key;
        }
        Lookup {
            lens,
            slots,
            shift,
            long,
        }
    }

    /// Does a file name end in `.EXT` with `EXT` in the set (the bytes after
    /// the last dot)?
    ///
    /// A name of 8 bytes or more (nearly all) is tested without a loop: its
    /// last 8 bytes are loaded as one `u64`, the last dot among them is found
    /// with a SWAR byte compare, and the bytes after it make the key. Only a
    /// name whose last 8 bytes hold no dot (an extension of 8 bytes or more,
    /// or none) takes the byte-by-byte way, and only when the set has
    /// extensions that long.
    #[inline]
    pub(crate) fn matches_name(&self, name: &[u8]) -> bool {
        let Some(tail) = name.last_chunk::<8>() else {
            return match name.iter().rposition(|&b| b == b'.') {
                Some(dot) => self.contains(&name[dot + 1..]),
                None => false,
            };
        };
        let w = u64::from_le_bytes(*tail);
        let eq = w ^ (ONES * u64::from(b'.'));
        // High bit of each byte of `w` that is a dot (exact, no carries).
        let dots = !(((eq & !HIGH) + !HIGH) | eq | !HIGH);
        if dots == 0 {
            if self.long.is_empty() {
                return false;
            }
            return match name.iter().rposition(|&b| b == b'.') {
                Some(dot) => self.contains(&name[dot + 1..]),
                None => false,
            };
        }
        // Byte index in `w` of the last dot (the most significant one).
        let i = (63 - dots.leading_zeros()) / 8;
        let len = 7 - i;
        if self.lens & (1 << len) == 0 {
            return false; // also the empty extension (a name ending in '.')
        }
        self.probe(key(lower(w >> (8 * (i + 1))), len as usize))
    }

    #[inline(always)]
    fn probe(&self, key: u64) -> bool {
        let mask = self.slots.len() - 1;
        let mut i = hash(key, self.shift);
        loop {
            // `i` is always masked to the table's length.
            let slot = self.slots[i];
            if slot == key {
                return true;
            }
            if slot == 0 {
                return false;
            }
            i = (i + 1) & mask;
        }
    }

    /// Is `ext` (any case, without the dot) in the set?
    #[inline]
    pub(crate) fn contains(&self, ext: &[u8]) -> bool {
        let len = ext.len();
        if len <= PACKED {
            if self.lens & (1 << len) != 0 && self.probe(pack(ext)) {
                return true;
            }
            if self.long.is_empty() {
                return false;
            }
        }
        self.long.iter().any(|e| e.eq_ignore_ascii_case(ext))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(exts: &[&[u8]]) -> Lookup {
        Lookup::new(exts.iter().copied())
    }

    #[test]
    fn pack_lower_cases_ascii_letters_only() {
        assert_eq!(pack(b"MKV"), pack(b"mkv"));
        assert_eq!(pack(b"M2Ts"), pack(b"m2ts"));
        assert_ne!(pack(b"mk"), pack(b"mkv"));
        // '@' (0x40) and '[' (0x5B) sit just outside 'A'..='Z'.
        assert_eq!(pack(b"@["), u64::from_le_bytes(*b"@[\0\0\0\0\0\x02"));
        // Bytes >= 0x80 (UTF-8) are never changed.
        assert_eq!(
            pack(&[0xC3, 0x89]),
            u64::from_le_bytes([0xC3, 0x89, 0, 0, 0, 0, 0, 2])
        );
        // A NUL byte is part of the key, not padding.
        assert_ne!(pack(b"a\0"), pack(b"a"));
    }

    #[test]
    fn agrees_with_the_byte_by_byte_test_on_every_short_name() {
        let exts: &[&[u8]] = &[b"mkv", b"mp4", b"ts", b"m2ts", b"a\0b", b"abcdefghij", b"x"];
        let l = lookup(exts);
        let naive = |e: &[u8]| exts.iter().any(|x| x.eq_ignore_ascii_case(e));
        let alphabet = b"aAkKmMvVtTsS24x\0@[`{\xC3";
        let mut cand: Vec<Vec<u8>> = vec![vec![]];
        for _ in 0..3 {
            let next: Vec<Vec<u8>> = cand
                .iter()
                .flat_map(|c| {
                    alphabet.iter().map(move |&b| {
                        let mut v = c.clone();
                        v.push(b);
                        v
                    })
                })
                .collect();
            cand.extend(next.into_iter().filter(|v| v.len() <= 4));
        }
        for c in cand
            .iter()
            .chain([b"ABCDEFGHIJ".to_vec(), b"abcdefghi".to_vec()].iter())
        {
            assert_eq!(l.contains(c), naive(c), "{c:?}");
        }
    }

    #[test]
    fn matches_name_agrees_with_the_last_dot_rule() {
        let sets: [&[&[u8]]; 3] = [
            &[b"mkv", b"mp4", b"ts", b"m2ts"],
            &[b"mkv", b"abcdefg", b"abcdefgh", b"abcdefghij"],
            &[b"x"],
        ];
        let names: &[&[u8]] = &[
            b"",
            b".",
            b"..",
            b"mkv",
            b".mkv",
            b"a.mkv",
            b"a.MKV",
            b"Show - 01.mkv",
            b"Show - 01.mkv.part",
            b"Show - 01.",
            b"Show.01 ts",
            b"Show - 01.TS",
            b"long name.m2ts",
            b"long name.M2Ts",
            b"x.abcdefg",
            b"xx.abcdefgh",
            b"x.abcdefgh",
            b"xxxxxxx.abcdefghij",
            b"yyyyyyyyyyyyyyy.x",
            b"yyyyyyyyyyyyyyyy.X",
            b"yyyyyyyyyyy",
            b"dots.in.the.name.mp4",
            b"name.mp4.",
            b"\xC3\x89t\xC3\xA9.mkv",
            b"12345678.x",
            b"1234567.x",
            b"123456.x",
        ];
        for exts in sets {
            let l = lookup(exts);
            for &n in names {
                let naive = match n.iter().rposition(|&b| b == b'.') {
                    Some(d) => exts.iter().any(|e| e.eq_ignore_ascii_case(&n[d + 1..])),
                    None => false,
                };
                assert_eq!(
                    l.matches_name(n),
                    naive,
                    "{exts:?} {:?}",
                    String::from_utf8_lossy(n)
                );
            }
        }
    }

    #[test]
    fn a_full_table_still_finds_everything() {
        let exts: Vec<Vec<u8>> = (0..200u32).map(|i| format!("e{i}").into_bytes()).collect();
        let l = Lookup::new(exts.iter().map(|e| &e[..]));
        for e in &exts {
            assert!(l.contains(e));
            assert!(l.contains(&e.to_ascii_uppercase()));
        }
        assert!(!l.contains(b"e200"));
        assert!(!lookup(&[]).contains(b"mkv"));
    }
}
