//! The words of the gate's reasons and warnings, one place for the
//! terminal table, the summary and the JSON.

use std::fmt;

use super::model::{Reason, Warning};
use crate::report::units::{fmt_bytes, fmt_count, fmt_delta, fmt_float, status_text};
use crate::report::RunStatus;

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Missing => f.write_str("missing from the report, so it cannot be compared"),
            Reason::ExceededLimit => {
                f.write_str("exceeded the limit (stopped by the allocation cap)")
            }
            Reason::Failed(why) => f.write_str(&status_text(&RunStatus::Failed(why.clone()))),
            Reason::UnsupportedNow(why) => {
                write!(f, "unsupported now ({why}) but measured in the baseline")
            }
            Reason::Unsupported(why) => write!(f, "unsupported: {why}"),
            Reason::CountWrong { found, expected } => write!(
                f,
                "count wrong: found {} media files, expected {} (the fixture's manifest)",
                fmt_count(*found),
                fmt_count(*expected)
            ),
            Reason::NoExpectedCount => f.write_str("no expected file count for its fixture"),
            Reason::NoHeapFigures => f.write_str("no heap figures in the report"),
            Reason::OverLimit { peak, limit } => write!(
                f,
                "peak heap {} ({} bytes) is over the {} byte limit",
                fmt_bytes(*peak),
                fmt_count(*peak),
                fmt_count(*limit)
            ),
            Reason::Regression {
                current,
                baseline,
                band,
                excess,
            } => write!(
                f,
                "regression: {} against {} in the baseline ({}), more than the {} band of +{}",
                fmt_bytes(*current),
                fmt_bytes(*baseline),
                fmt_delta(*baseline, *current),
                band.name(),
                fmt_bytes(*excess)
            ),
            Reason::Improved => f.write_str(
                "more than the band below the baseline: lock the gain in with --update-baseline",
            ),
            Reason::NoBaselineFigure(status) => {
                write!(
                    f,
                    "no baseline figure (baseline row: {})",
                    status_text(status)
                )
            }
            Reason::CommandStatus(text) => f.write_str(text),
            Reason::SkippedNow(why) => {
                write!(f, "skipped now ({why}) but measured in the baseline")
            }
            Reason::Skipped(why) => write!(f, "skipped: {why}"),
            Reason::NotCounted => f.write_str("its records were not counted"),
            Reason::RssOverLimit { peak, limit } => write!(
                f,
                "peak RSS {} ({} bytes) is over the {} byte limit",
                fmt_bytes(*peak),
                fmt_count(*peak),
                fmt_count(*limit)
            ),
            Reason::NoCommandBaselineFigure(status) => {
                write!(f, "no baseline figure (baseline row: {status})")
            }
            Reason::GrowsNow {
                growth_bytes,
                noise_floor_bytes,
                bytes_per_file,
                files_at_limit,
            } => {
                let per_file = bytes_per_file
                    .map_or_else(String::new, |b| format!(", {} B/file", fmt_float(b, 1)));
                let crossing = files_at_limit.map_or_else(String::new, |n| {
                    format!(", reaches the limit at about {} media files", fmt_count(n))
                });
                write!(
                    f,
                    "grows with library size now (+{} across the sizes measured, over the {} noise floor{per_file}{crossing}); it streams in the baseline",
                    fmt_bytes(*growth_bytes),
                    fmt_bytes(*noise_floor_bytes),
                )
            }
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::FileSystem {
                preset,
                now,
                baseline,
            } => write!(
                f,
                "{preset}: file system {now} now, {baseline} in the baseline (directory order differs; the slack covers it)"
            ),
            Warning::Cache {
                preset,
                now,
                baseline,
            } => write!(f, "{preset}: {now} cache now, {baseline} in the baseline"),
            Warning::Cores { now, baseline } => write!(
                f,
                "{now} cores now, {baseline} in the baseline: parallel strategies run a different number of threads"
            ),
        }
    }
}
