//! Small statistics: least-squares slope, median.

/// Least-squares slope of y against x; `None` with fewer than two distinct x.
///
/// ```
/// use anivault_bench::stats::slope;
/// assert_eq!(slope(&[(0.0, 1.0), (1.0, 3.0), (2.0, 5.0)]), Some(2.0));
/// assert_eq!(slope(&[(1.0, 1.0)]), None);
/// ```
pub fn slope(points: &[(f64, f64)]) -> Option<f64> {
    let n = points.len() as f64;
    if points.len() < 2 {
        return None;
    }
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mx) * (p.0 - mx)).sum();
    if sxx == 0.0 {
        return None;
    }
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    Some(sxy / sxx)
}

/// Median of a non-empty slice (mean of the middle two for even lengths).
///
/// ```
/// assert_eq!(anivault_bench::stats::median(&[3.0, 1.0, 2.0]), Some(2.0));
/// assert_eq!(anivault_bench::stats::median(&[]), None);
/// ```
pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    Some(if v.len().is_multiple_of(2) {
        (v[m - 1] + v[m]) / 2.0
    } else {
        v[m]
    })
}

/// The median, minimum and maximum of a set of times.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// [`median`] (0 for no values).
    pub median: f64,
    /// The smallest value (infinity for no values).
    pub min: f64,
    /// The largest value, at least 0.
    pub max: f64,
}

/// Median, minimum and maximum of `values`, the one place the profiler and
/// `compare` compute them.
///
/// ```
/// let s = anivault_bench::stats::summary(&[3.0, 1.0, 2.0]);
/// assert_eq!((s.median, s.min, s.max), (2.0, 1.0, 3.0));
/// ```
pub fn summary(values: &[f64]) -> Summary {
    Summary {
        median: median(values).unwrap_or(0.0),
        min: values.iter().copied().fold(f64::INFINITY, f64::min),
        max: values.iter().copied().fold(0.0, f64::max),
    }
}
