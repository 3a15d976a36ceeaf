//! The streaming verdict in words: the rule and the per-row texts that the
//! Markdown document and the command-row section both print (below both, so
//! neither imports the other for them).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::report::markup::code;
use crate::report::units::{fmt_bytes, fmt_count, fmt_files_short, fmt_float, fmt_limit_short};
use crate::verdict::StreamingVerdict;

/// The rule of [`crate::verdict`], as the report states it.
pub const STREAMING_RULE: &str = "Streaming verdict: a row **grows with library size** when its peak at the largest library exceeds its peak at a reference library (the largest of at most a fifth of that size, else the smallest) by more than the noise floor, max(256 KiB, 25 % of the reference peak): bounded queues fill over small libraries and differ from run to run. Otherwise it is **streaming**, to within the resolution shown (growth per file below floor / Δfiles cannot be seen). A growing row's limit crossing is projected from the least-squares line peak = a + b·files over those sizes. With one library size the verdict cannot be judged.";

/// `✓ streaming (to 2.6 B/file)`, `✗ grows with library size`, `– …`.
pub fn streaming_text(v: &crate::verdict::StreamingVerdict) -> String {
    use crate::verdict::Streaming;
    match (v.verdict, v.resolution_bytes_per_file) {
        (Streaming::Streaming, Some(res)) => {
            format!("{} (to {} B/file)", v.verdict.text(), fmt_float(res, 1))
        }
        _ => v.verdict.text().to_string(),
    }
}

/// The projected library size at the limit: `~1.3 M files`, `—`.
pub fn crossing_text(v: &crate::verdict::StreamingVerdict) -> String {
    match v.projected_files_at_limit {
        Some(n) => format!("~{} files", fmt_files_short(n)),
        None if v.verdict == crate::verdict::Streaming::Grows => "no projection".to_string(),
        None => "—".to_string(),
    }
}

/// One row of a growth table: its name, (files, peak bytes) points, slope
/// in bytes per file and streaming verdict.
pub struct GrowthRow<'a> {
    /// The row's name (set in code).
    pub name: &'a str,
    /// (media files, peak bytes) per fixture.
    pub points: &'a [(u64, u64)],
    /// Least-squares slope in bytes per file.
    pub slope: Option<f64>,
    /// The streaming verdict across fixtures.
    pub streaming: &'a StreamingVerdict,
}

/// A growth table: `first` names the first column, one column per library
/// size, then the slope, the streaming verdict and the limit crossing.
pub fn write_growth_table<'a>(
    out: &mut String,
    first: &str,
    limit_bytes: u64,
    rows: impl Iterator<Item = GrowthRow<'a>> + Clone,
) -> std::fmt::Result {
    let sizes: BTreeSet<u64> = rows
        .clone()
        .flat_map(|g| g.points.iter().map(|p| p.0))
        .collect();
    let mut header = format!("| {first} |");
    let mut rule = "|:---|".to_string();
    for n in &sizes {
        let _ = write!(header, " {} files |", fmt_count(*n));
        rule.push_str("---:|");
    }
    writeln!(
        out,
        "{header} Slope [B/file] | Streaming | Reaches {} at |",
        fmt_limit_short(limit_bytes)
    )?;
    writeln!(out, "{rule}---:|:---|---:|")?;
    for g in rows {
        let mut line = format!("| {} |", code(g.name));
        for n in &sizes {
            let v = g
                .points
                .iter()
                .find(|p| p.0 == *n)
                .map(|p| fmt_bytes(p.1))
                .unwrap_or_else(|| "—".to_string());
            let _ = write!(line, " {v} |");
        }
        let slope = g
            .slope
            .map(|s| fmt_float(s, 1))
            .unwrap_or_else(|| "—".to_string());
        writeln!(
            out,
            "{line} {slope} | {} | {} |",
            streaming_text(g.streaming),
            crossing_text(g.streaming)
        )?;
    }
    writeln!(out)
}

/// One streaming line: `{label}: ✗ grows with library size, 378.6 B/file,
/// reaches 500 MB at ~1.3 M files`.
pub fn streaming_line(label: &str, v: &StreamingVerdict, limit_bytes: u64) -> String {
    let mut line = format!("{label}: {}", streaming_text(v));
    if let Some(b) = v.bytes_per_file {
        let _ = write!(line, ", {} B/file", fmt_float(b, 1));
    }
    if v.verdict == crate::verdict::Streaming::Grows {
        let _ = write!(
            line,
            ", reaches {} MB at {}",
            limit_bytes / 1_000_000,
            crossing_text(v)
        );
    }
    line
}
