//! Every unit formatter of the reports, once: bytes, counts, floats, rates,
//! dates, limits, deltas. None of them prints a nonzero figure as zero.

use std::collections::BTreeSet;

use crate::report::RunStatus;

/// Bytes in one of `--limit-mb`'s megabytes (decimal, like the issue's
/// "500 MB").
pub const BYTES_PER_MB: u64 = 1_000_000;

/// Bytes in binary units: `312 B`, `1.5 KiB`, `12.3 MiB`, `1.2 GiB`.
/// Below 1 KiB the exact count is printed, so a nonzero size never reads as
/// zero.
///
/// ```
/// use anivault_bench::report::units::fmt_bytes;
/// assert_eq!(fmt_bytes(312), "312 B");
/// assert_eq!(fmt_bytes(1536), "1.5 KiB");
/// assert_eq!(fmt_bytes(5 * 1024 * 1024), "5.0 MiB");
/// ```
pub fn fmt_bytes(bytes: u64) -> String {
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    for unit in ["KiB", "MiB", "GiB"] {
        // Switch unit before "1024.0 KiB" would be printed.
        if value < 1023.95 {
            return format!("{value:.1} {unit}");
        }
        value /= 1024.0;
    }
    format!("{value:.1} TiB")
}

/// A KiB count (as the kernel reports RSS) in the units of [`fmt_bytes`].
pub fn fmt_kib(kib: u64) -> String {
    fmt_bytes(kib.saturating_mul(1024))
}

/// A signed byte difference: `+1.5 KiB`, `-312 B`, `0 B`.
pub fn fmt_signed_bytes(delta: i128) -> String {
    let magnitude = u64::try_from(delta.unsigned_abs()).unwrap_or(u64::MAX);
    match delta {
        0 => "0 B".to_string(),
        d if d > 0 => format!("+{}", fmt_bytes(magnitude)),
        _ => format!("-{}", fmt_bytes(magnitude)),
    }
}

/// `x` with `decimals` decimals, or more when that would print a nonzero
/// value as zero (`0.0004` stays `0.0004`; beyond six decimals it becomes
/// `4.0e-7`). Zero prints as `0`, a non-finite value as `n/a`.
///
/// ```
/// use anivault_bench::report::units::fmt_float;
/// assert_eq!(fmt_float(12.345, 1), "12.3");
/// assert_eq!(fmt_float(0.0004, 1), "0.0004");
/// assert_eq!(fmt_float(0.0, 1), "0");
/// ```
pub fn fmt_float(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return "n/a".to_string();
    }
    if x == 0.0 {
        return "0".to_string();
    }
    for d in decimals..=6 {
        let s = format!("{x:.d$}");
        if s.bytes().any(|b| (b'1'..=b'9').contains(&b)) {
            return s;
        }
    }
    format!("{x:.1e}")
}

/// An integer with thousands separators: `1,234,567`.
pub fn fmt_count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A rate such as files per second: thousands separators from 1 up,
/// [`fmt_float`] below.
pub fn fmt_rate(x: f64) -> String {
    if x.is_finite() && x >= 1.0 {
        fmt_count(x.round() as u64)
    } else {
        fmt_float(x, 2)
    }
}

/// The text of a status that is not [`RunStatus::Ok`] (`exceeded limit`,
/// `unsupported: …`, `failed: …`); `ok` for Ok.
pub fn status_text(status: &RunStatus) -> String {
    match status {
        RunStatus::Ok => "ok".to_string(),
        RunStatus::ExceededLimit => "exceeded limit".to_string(),
        RunStatus::Unsupported(why) => format!("unsupported: {why}"),
        RunStatus::Failed(why) => format!("failed: {why}"),
    }
}

/// `YYYY-MM-DD HH:MM UTC` from Unix seconds (proleptic Gregorian).
pub fn fmt_utc(secs: u64) -> String {
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rem / 3_600,
        rem % 3_600 / 60
    )
}

/// "3" or "1–3" for a set of run counts.
pub fn fmt_range(set: &BTreeSet<usize>) -> Option<String> {
    match (set.first(), set.last()) {
        (Some(a), Some(b)) if a == b => Some(a.to_string()),
        (Some(a), Some(b)) => Some(format!("{a}–{b}")),
        _ => None,
    }
}

/// `500 MB (500,000,000 bytes)`: limits are decimal megabytes.
///
/// ```
/// use anivault_bench::report::units::fmt_limit;
/// assert_eq!(fmt_limit(500_000_000), "500 MB (500,000,000 bytes)");
/// assert_eq!(fmt_limit(1_500), "1,500 bytes");
/// ```
pub fn fmt_limit(bytes: u64) -> String {
    if bytes.is_multiple_of(1_000_000) {
        format!("{} ({} bytes)", fmt_limit_short(bytes), fmt_count(bytes))
    } else {
        fmt_limit_short(bytes)
    }
}

/// `1.3 M`, `420 k`, `900`: a library size at a glance.
pub fn fmt_files_short(n: u64) -> String {
    if n >= 1_000_000 {
        let m = fmt_float(n as f64 / 1e6, 1);
        format!("{} M", m.strip_suffix(".0").unwrap_or(&m))
    } else if n >= 10_000 {
        format!("{} k", n / 1_000)
    } else {
        fmt_count(n)
    }
}

/// `500 MB`, or bytes when not whole megabytes.
pub fn fmt_limit_short(bytes: u64) -> String {
    if bytes.is_multiple_of(1_000_000) {
        format!("{} MB", bytes / 1_000_000)
    } else {
        format!("{} bytes", fmt_count(bytes))
    }
}

/// `+1.5 KiB (+2.3%)`, `-312 B (-0.4%)`, `+12 B` (a zero baseline has no
/// percentage): the one delta text of the table and the messages.
///
/// ```
/// use anivault_bench::report::units::fmt_delta;
/// assert_eq!(fmt_delta(1000, 1010), "+10 B (+1.0%)");
/// assert_eq!(fmt_delta(0, u64::MAX), "+16777216.0 TiB");
/// ```
pub fn fmt_delta(base: u64, cur: u64) -> String {
    let d = i128::from(cur) - i128::from(base);
    let bytes = fmt_signed_bytes(d);
    if base == 0 {
        return bytes;
    }
    let p = d as f64 * 100.0 / base as f64;
    let sign = if p > 0.0 { "+" } else { "" };
    format!("{bytes} ({sign}{}%)", fmt_float(p, 1))
}

/// Decimal byte units for a log axis whose ticks fall on powers of ten:
/// `10 kB`, `1 MB`, `500 MB`, `1 GB`.
pub fn fmt_si_bytes(b: f64) -> String {
    let (v, unit) = if b >= 1e9 {
        (b / 1e9, "GB")
    } else if b >= 1e6 {
        (b / 1e6, "MB")
    } else if b >= 1e3 {
        (b / 1e3, "kB")
    } else {
        (b, "B")
    };
    format!("{} {unit}", fmt_float((v * 10.0).round() / 10.0, 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has_nonzero_digit(s: &str) -> bool {
        s.bytes().any(|b| (b'1'..=b'9').contains(&b))
    }

    #[test]
    fn bytes_never_print_nonzero_as_zero() {
        assert_eq!(fmt_bytes(0), "0 B");
        assert_eq!(fmt_bytes(1), "1 B");
        assert_eq!(fmt_bytes(312), "312 B");
        assert_eq!(fmt_bytes(1023), "1023 B");
        assert_eq!(fmt_bytes(1024), "1.0 KiB");
        assert_eq!(fmt_bytes(256 * 1024), "256.0 KiB");
        assert_eq!(fmt_bytes(1024 * 1024 - 1), "1.0 MiB");
        assert_eq!(fmt_bytes(500_000_000), "476.8 MiB");
        assert_eq!(fmt_bytes(3 << 30), "3.0 GiB");
        assert_eq!(fmt_kib(1), "1.0 KiB");
        let mut b = 1u64;
        while b < u64::MAX / 3 {
            let s = fmt_bytes(b);
            assert!(has_nonzero_digit(&s), "{b} -> {s}");
            assert!(!s.starts_with("1024.0"), "{b} -> {s}");
            b = b * 3 + 1;
        }
    }

    #[test]
    fn signed_bytes() {
        assert_eq!(fmt_signed_bytes(0), "0 B");
        assert_eq!(fmt_signed_bytes(312), "+312 B");
        assert_eq!(fmt_signed_bytes(-2048), "-2.0 KiB");
    }

    #[test]
    fn floats_never_print_nonzero_as_zero() {
        assert_eq!(fmt_float(0.0, 1), "0");
        assert_eq!(fmt_float(12.34, 1), "12.3");
        assert_eq!(fmt_float(0.04, 1), "0.04");
        assert_eq!(fmt_float(-0.0004, 1), "-0.0004");
        assert_eq!(fmt_float(4e-9, 1), "4.0e-9");
        assert_eq!(fmt_float(f64::NAN, 1), "n/a");
        for x in [1e-12, 3e-7, 0.00049, 0.05, 0.949, 1.0] {
            assert!(has_nonzero_digit(&fmt_float(x, 1)), "{x}");
            assert!(has_nonzero_digit(&fmt_rate(x)), "{x}");
        }
    }

    #[test]
    fn counts_and_dates() {
        assert_eq!(fmt_count(0), "0");
        assert_eq!(fmt_count(999), "999");
        assert_eq!(fmt_count(1_000), "1,000");
        assert_eq!(fmt_count(1_234_567), "1,234,567");
        assert_eq!(fmt_utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(fmt_utc(1_700_000_000), "2023-11-14 22:13 UTC");
        assert_eq!(fmt_utc(951_782_400), "2000-02-29 00:00 UTC");
    }
}
