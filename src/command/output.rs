//! What a command writes: records counted from stdout as they arrive
//! (nothing stored), and the tail of stderr.

use std::io::{self, Read};
use std::sync::atomic::{AtomicU64, Ordering};

/// How records on stdout are separated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Records {
    /// One record per line (`\n`), as `find` prints by default.
    Lines,
    /// NUL-terminated records, as `find -print0` / `fd --print0` print.
    Nul,
}

impl Records {
    fn separator(self) -> u8 {
        match self {
            Records::Lines => b'\n',
            Records::Nul => 0,
        }
    }
}

/// Reads `from` to its end, counting records into `counter` as they
/// arrive (a sampler reads it meanwhile); returns the final count. A last
/// record without its separator counts too.
///
/// ```
/// use std::sync::atomic::AtomicU64;
/// use anivault_bench::command::{count_records, Records};
/// let n = AtomicU64::new(0);
/// assert_eq!(count_records(&b"a\nb\nc"[..], Records::Lines, &n).unwrap(), 3);
/// assert_eq!(count_records(&b"a\0b\0"[..], Records::Nul, &n).unwrap(), 2);
/// ```
pub fn count_records(
    mut from: impl Read,
    records: Records,
    counter: &AtomicU64,
) -> io::Result<u64> {
    let sep = records.separator();
    let mut buf = vec![0u8; 64 * 1024];
    let mut count = 0u64;
    let mut open_record = false;
    counter.store(0, Ordering::Relaxed);
    loop {
        match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                let chunk = &buf[..n];
                count += chunk.iter().filter(|&&b| b == sep).count() as u64;
                open_record = chunk.last() != Some(&sep);
                counter.store(count, Ordering::Relaxed);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    if open_record {
        count += 1;
        counter.store(count, Ordering::Relaxed);
    }
    Ok(count)
}

/// Reads `from` to its end and keeps only its last `max_bytes` bytes.
pub fn read_tail(mut from: impl Read, max_bytes: usize) -> io::Result<Vec<u8>> {
    let mut kept: Vec<u8> = Vec::new();
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                kept.extend_from_slice(&buf[..n]);
                if kept.len() > 2 * max_bytes.max(1) {
                    kept.drain(..kept.len() - max_bytes);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    if kept.len() > max_bytes {
        kept.drain(..kept.len() - max_bytes);
    }
    Ok(kept)
}

/// The last `lines` non-empty lines of `bytes`, lossily decoded, joined by
/// `\n`.
///
/// ```
/// use anivault_bench::command::last_lines;
/// assert_eq!(last_lines(b"a\nb\n\nc\n", 2), "b\nc");
/// ```
pub fn last_lines(bytes: &[u8], lines: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let all: Vec<&str> = text
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty())
        .collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_output_is_zero_records() {
        let n = AtomicU64::new(7);
        assert_eq!(count_records(&b""[..], Records::Lines, &n).unwrap(), 0);
        assert_eq!(n.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn records_split_across_reads_are_counted_once() {
        // A reader that returns one byte per read.
        struct Slow<'a>(&'a [u8]);
        impl Read for Slow<'_> {
            fn read(&mut self, b: &mut [u8]) -> io::Result<usize> {
                match self.0.split_first() {
                    Some((&x, rest)) => {
                        b[0] = x;
                        self.0 = rest;
                        Ok(1)
                    }
                    None => Ok(0),
                }
            }
        }
        let n = AtomicU64::new(0);
        let got = count_records(Slow(b"ab\0cd\0ef"), Records::Nul, &n).unwrap();
        assert_eq!(got, 3);
        assert_eq!(n.load(Ordering::Relaxed), 3);
    }

    #[test]
    fn tail_keeps_the_last_bytes() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let t = read_tail(&data[..], 1000).unwrap();
        assert_eq!(t, &data[data.len() - 1000..]);
    }
}
