//! The streaming verdict: does a row's peak heap grow with the library?
//! Judged from the row's peaks at two or more library sizes, in one place,
//! for every row (strategies, their slow-consumer variants, the pool).
//!
//! # The rule
//!
//! Let the largest library measured have `n₁` media files and peak `p₁`,
//! and the reference library `n₀` (peak `p₀`) be the largest one of at
//! most `n₁ / 5` files, or the smallest when there is none: a bounded
//! queue fills up over small libraries and then stays put, so growth is
//! judged over the upper range of sizes. The **noise floor** is
//! `max(256 KiB, 25 % of p₀)`: bounded queues of parallel walkers fill to
//! a different level from run to run and from size to size, and that is
//! not growth. Measured on an idle 2-core machine, maximum of 5 runs each:
//! `rayon` running free peaked at 89–97 KiB on anime-10k and at 121–234 KiB
//! on anime-100k (5.5k → 55k files), a step of up to 138 KiB with no
//! per-file state at all, so a 128 KiB floor called it growing.
//!
//! * `p₁ − p₀` above the floor: **✗ grows with library size**.
//! * otherwise: **✓ streaming**, with the resolution of that statement:
//!   growth of less than `floor / (n₁ − n₀)` bytes per file cannot be seen
//!   over these sizes (5.3 B/file from 5.5k to 55k files).
//! * fewer than two sizes: **cannot be judged** (never ✓).
//!
//! The least-squares line `peak = a + b·files` through the points from `n₀`
//! up gives the fitted bytes per file `b`; for a growing row with
//! `b > 0` the **projected library size at the limit** is
//! `(limit − a) / b` media files (eager, 2.4 MiB at 5.5k and 20.7 MiB at
//! 55k files: about 380 B/file, 500 MB at about 1.3 M files). The
//! projection is linear: it says when, not whether, a growing row fails.
//!
//! ```
//! use anivault_bench::verdict::{judge, Streaming};
//!
//! const KIB: u64 = 1024;
//! const MIB: u64 = 1024 * KIB;
//! let eager = judge(&[(5_500, 2_400 * KIB), (55_000, 20_700 * KIB)], 500_000_000);
//! assert_eq!(eager.verdict, Streaming::Grows);
//! let at_limit = eager.projected_files_at_limit.unwrap();
//! assert!((500_000..3_000_000).contains(&at_limit));
//!
//! let rayon = judge(&[(5_500, 210 * KIB), (55_000, 275 * KIB)], 500_000_000);
//! assert_eq!(rayon.verdict, Streaming::Streaming);
//! assert_eq!(rayon.projected_files_at_limit, None);
//!
//! let one = judge(&[(55_000, 20 * MIB)], 500_000_000);
//! assert_eq!(one.verdict, Streaming::Undetermined);
//! ```

use serde::{Deserialize, Serialize};

use crate::stats;

/// The smallest growth that counts, bytes (see the module rule).
pub const NOISE_FLOOR_BYTES: u64 = 256 * 1024;
/// The reference library is at most the largest one's size divided by this.
pub const REFERENCE_RATIO: u64 = 5;
/// The share of the smaller peak that still counts as noise.
pub const NOISE_SHARE: f64 = 0.25;

/// The verdict on one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Streaming {
    /// Peak growth across sizes within the noise floor.
    Streaming,
    /// Peak growth across sizes above the noise floor.
    Grows,
    /// Fewer than two library sizes: cannot be judged.
    #[default]
    Undetermined,
}

impl Streaming {
    /// The words a report shows: `✓ streaming`, `✗ grows with library size`
    /// or `– streaming not judged (one library size)`.
    pub fn text(self) -> &'static str {
        match self {
            Streaming::Streaming => "✓ streaming",
            Streaming::Grows => "✗ grows with library size",
            Streaming::Undetermined => "– streaming not judged (one library size)",
        }
    }
}

/// The verdict with the figures it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct StreamingVerdict {
    /// The verdict.
    pub verdict: Streaming,
    /// Peak at the largest size minus peak at the smallest, bytes (`None`
    /// with one size).
    pub growth_bytes: Option<i64>,
    /// The noise floor used, bytes (`None` with one size).
    pub noise_floor_bytes: Option<u64>,
    /// Growth per file that these sizes cannot see (`floor / Δfiles`).
    pub resolution_bytes_per_file: Option<f64>,
    /// Least-squares intercept `a` of `peak = a + b·files`, bytes.
    pub intercept_bytes: Option<f64>,
    /// Least-squares slope `b`, bytes per media file.
    pub bytes_per_file: Option<f64>,
    /// A growing row: media files at which the fit reaches the limit.
    pub projected_files_at_limit: Option<u64>,
}

/// Judges a row from its `(media files, peak heap bytes)` points (any
/// order) against `limit_bytes`, by the rule of the module documentation.
pub fn judge(points: &[(u64, u64)], limit_bytes: u64) -> StreamingVerdict {
    let mut pts = points.to_vec();
    pts.sort_unstable();
    let xy: Vec<(f64, f64)> = pts.iter().map(|&(x, y)| (x as f64, y as f64)).collect();
    let Some(&(n1, p1)) = pts.last() else {
        return StreamingVerdict::default();
    };
    let reference = pts
        .iter()
        .rposition(|&(n, _)| n.saturating_mul(REFERENCE_RATIO) <= n1)
        .unwrap_or(0);
    let (n0, p0) = pts[reference];
    if n1 == n0 {
        return StreamingVerdict::default();
    }
    let xy = &xy[reference..];
    let b = stats::slope(xy);
    let a = b.map(|b| {
        let n = xy.len() as f64;
        let mx = xy.iter().map(|p| p.0).sum::<f64>() / n;
        let my = xy.iter().map(|p| p.1).sum::<f64>() / n;
        my - b * mx
    });
    let floor = NOISE_FLOOR_BYTES.max((p0 as f64 * NOISE_SHARE) as u64);
    let growth = i64::try_from(p1).unwrap_or(i64::MAX) - i64::try_from(p0).unwrap_or(i64::MAX);
    let grows = growth > i64::try_from(floor).unwrap_or(i64::MAX);
    let projected = match (grows, a, b) {
        (true, Some(a), Some(b)) if b > 0.0 => {
            let x = ((limit_bytes as f64 - a) / b).max(0.0);
            x.is_finite().then(|| x.round() as u64)
        }
        _ => None,
    };
    StreamingVerdict {
        verdict: if grows {
            Streaming::Grows
        } else {
            Streaming::Streaming
        },
        growth_bytes: Some(growth),
        noise_floor_bytes: Some(floor),
        resolution_bytes_per_file: Some(floor as f64 / (n1 - n0) as f64),
        intercept_bytes: a,
        bytes_per_file: b,
        projected_files_at_limit: projected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * KIB;
    const LIMIT: u64 = 500_000_000;

    /// Peaks measured on anime-10k → anime-100k (5.5k → 55k media files).
    #[test]
    fn todays_figures() {
        let (n0, n1) = (5_500, 55_000);
        for (row, p0, p1) in [
            ("std", 2_560, 2_560),
            ("getdents", 50 * KIB, 50 * KIB),
            ("getdents-par", 234 * KIB, 288 * KIB),
            ("rayon", 210 * KIB, 275 * KIB),
            ("pool", 730 * KIB, 735 * KIB),
            // rayon running free on an idle machine, max of 5 runs.
            ("rayon idle", 97 * KIB, 234 * KIB),
        ] {
            let v = judge(&[(n0, p0), (n1, p1)], LIMIT);
            assert_eq!(v.verdict, Streaming::Streaming, "{row}: {v:?}");
            assert_eq!(v.projected_files_at_limit, None, "{row}");
        }
        let eager = judge(&[(n0, 2_400 * KIB), (n1, 20_700 * KIB)], LIMIT);
        assert_eq!(eager.verdict, Streaming::Grows);
        let b = eager.bytes_per_file.expect("slope");
        assert!((350.0..450.0).contains(&b), "{b}");
        let x = eager.projected_files_at_limit.expect("projection");
        assert!((1_000_000..1_500_000).contains(&x), "{x}");
    }

    #[test]
    fn rule_edges() {
        // Exactly at the floor: still streaming; one byte more grows.
        let floor = NOISE_FLOOR_BYTES;
        let v = judge(&[(1_000, MIB), (10_000, MIB / 4 * 5)], LIMIT);
        assert_eq!(v.noise_floor_bytes, Some(MIB / 4));
        assert_eq!(v.verdict, Streaming::Streaming);
        let v = judge(&[(1_000, 0), (10_000, floor + 1)], LIMIT);
        assert_eq!(v.verdict, Streaming::Grows);
        assert!(v.projected_files_at_limit.is_some());
        // Shrinking is streaming.
        let v = judge(&[(1_000, 10 * MIB), (10_000, MIB)], LIMIT);
        assert_eq!(v.verdict, Streaming::Streaming);
        // One size, or the same size twice: not judged.
        assert_eq!(judge(&[], LIMIT).verdict, Streaming::Undetermined);
        let v = judge(&[(1_000, 0), (1_000, 10 * MIB)], LIMIT);
        assert_eq!(v.verdict, Streaming::Undetermined);
        assert_eq!(Streaming::default().text(), Streaming::Undetermined.text());
        assert!(!Streaming::Undetermined.text().contains('✓'));
        // A queue that fills between 550 and 5.5k files, then stays: the
        // reference is the 5.5k library, so streaming.
        let v = judge(
            &[(550, 60 * KIB), (5_500, 210 * KIB), (55_000, 275 * KIB)],
            LIMIT,
        );
        assert_eq!(v.verdict, Streaming::Streaming, "{v:?}");
        let v = judge(
            &[
                (550, 300 * KIB),
                (5_500, 2_400 * KIB),
                (55_000, 20_700 * KIB),
            ],
            LIMIT,
        );
        assert_eq!(v.verdict, Streaming::Grows, "{v:?}");
        // Already over the limit: the projection is at most the size seen.
        let v = judge(&[(1_000, MIB), (10_000, 2 * LIMIT)], LIMIT);
        assert!(v.projected_files_at_limit.is_some_and(|x| x <= 10_000));
    }
}
