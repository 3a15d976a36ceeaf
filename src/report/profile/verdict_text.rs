//! The streaming verdict in words: the rule and the per-row texts that the
//! Markdown document and the command-row section both print (below both, so
//! neither imports the other for them).

use crate::report::units::{fmt_files_short, fmt_float};

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
