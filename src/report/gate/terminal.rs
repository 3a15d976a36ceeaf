//! The gate's document as text for a terminal: the settings, an aligned
//! table (numbers right-aligned), and the PASS or FAIL summary with every
//! failing row's reasons.

use super::model::{Band, BandKind, GateOutcome, GateReport, GateRow, Reason, RowVerdict};
use crate::report::units::{fmt_bytes, fmt_count, fmt_delta, fmt_float, BYTES_PER_MB};
use crate::report::{Exporter, ReportError};
use std::fmt::Write as _;

impl GateRow {
    /// The verdict as printed: `ok`, `improved`, `new (no baseline)`,
    /// `skipped: …` or `FAIL: …`.
    pub fn verdict_text(&self) -> String {
        match self.verdict {
            RowVerdict::Pass => "ok".to_string(),
            RowVerdict::Improved => "improved".to_string(),
            RowVerdict::New => "new (no baseline)".to_string(),
            RowVerdict::Skipped => format!("skipped: {}", joined(&self.reasons)),
            RowVerdict::Fail => format!("FAIL: {}", joined(&self.reasons)),
        }
    }
}

fn band_text(b: &Band) -> String {
    format!(
        "+{}% (at least +{})",
        fmt_float(b.pct, 1),
        fmt_bytes(b.slack_bytes)
    )
}

/// The reasons, `; `-separated.
fn joined(reasons: &[Reason]) -> String {
    reasons
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// The gate's text for a terminal (`.txt`): the settings, the table, the
/// PASS or FAIL summary.
#[derive(Debug, Clone, Copy, Default)]
pub struct TerminalExporter;

impl Exporter<GateReport> for TerminalExporter {
    fn name(&self) -> &'static str {
        "terminal"
    }

    fn extension(&self) -> &'static str {
        "txt"
    }

    fn render(&self, doc: &GateReport) -> Result<Vec<u8>, ReportError> {
        let mut s = String::new();
        // Writing to a String cannot fail.
        let _ = write_outcome(&mut s, &doc.outcome, &doc.baseline, &doc.report);
        Ok(s.into_bytes())
    }
}

fn write_outcome(
    s: &mut String,
    o: &GateOutcome,
    baseline: &str,
    report_name: &str,
) -> std::fmt::Result {
    writeln!(
        s,
        "Memory gate: {report_name} against the baseline {baseline}"
    )?;
    writeln!(
        s,
        "  hard limit {} MB ({} bytes) of peak heap; band over the baseline: single-thread {}, parallel (max over runs) {}, parallel behind a slow consumer (+slow rows, max over runs) {}, the parse pool (max over runs) {}",
        fmt_float(o.config.limit_bytes as f64 / BYTES_PER_MB as f64, 0),
        fmt_count(o.config.limit_bytes),
        band_text(&o.config.serial),
        band_text(&o.config.parallel),
        band_text(&o.config.slow),
        band_text(&o.config.pool)
    )?;
    if o.rows.iter().any(|r| r.band_kind == BandKind::Rss) {
        writeln!(
            s,
            "  command rows (band rss): peak RSS, the command's own VmHWM (max over runs), band {}",
            band_text(&o.config.rss)
        )?;
    }
    for w in &o.warnings {
        writeln!(s, "  note: {w}")?;
    }
    writeln!(s)?;
    write_table(s, o)?;
    writeln!(s)?;
    let count = |v: RowVerdict| o.rows.iter().filter(|r| r.verdict == v).count();
    if o.pass {
        writeln!(
            s,
            "gate: PASS: {} rows compared ({} ok, {} improved, {} new, {} skipped)",
            o.rows.len(),
            count(RowVerdict::Pass),
            count(RowVerdict::Improved),
            count(RowVerdict::New),
            count(RowVerdict::Skipped)
        )?;
    } else {
        writeln!(
            s,
            "gate: FAIL: {} of {} rows: {}",
            count(RowVerdict::Fail),
            o.rows.len(),
            o.failing_names()
        )?;
        for r in o.failures() {
            for why in &r.reasons {
                writeln!(s, "  {} on {}: {why}", r.strategy, r.fixture)?;
            }
        }
    }
    Ok(())
}

/// The aligned table alone (also printed by `--update-baseline`).
pub fn write_table(s: &mut String, o: &GateOutcome) -> std::fmt::Result {
    let header = [
        "strategy", "fixture", "baseline", "current", "delta", "band", "verdict",
    ];
    let dash = || "—".to_string();
    let rows: Vec<[String; 7]> = o
        .rows
        .iter()
        .map(|r| {
            let delta = match (r.baseline_bytes, r.current_bytes) {
                (Some(base), Some(cur)) => fmt_delta(base, cur),
                _ => dash(),
            };
            let band = match r.allowed_excess_bytes {
                Some(x) => format!("{} +{}", r.band_kind.name(), fmt_bytes(x)),
                None => dash(),
            };
            [
                r.strategy.clone(),
                r.fixture.clone(),
                r.baseline_bytes.map(fmt_bytes).unwrap_or_else(dash),
                r.current_bytes.map(fmt_bytes).unwrap_or_else(dash),
                delta,
                band,
                r.verdict_text(),
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row.iter()) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut s = String::new();
        for (i, (c, w)) in cells.iter().zip(widths.iter()).enumerate() {
            if i + 1 == cells.len() {
                s.push_str(c);
            } else {
                // Numbers right-aligned, names left-aligned.
                let pad = w.saturating_sub(c.chars().count());
                if (2..=4).contains(&i) {
                    s.push_str(&" ".repeat(pad));
                    s.push_str(c);
                } else {
                    s.push_str(c);
                    s.push_str(&" ".repeat(pad));
                }
                s.push_str("  ");
            }
        }
        s
    };
    writeln!(s, "{}", line(&header.map(String::from)))?;
    for row in &rows {
        writeln!(s, "{}", line(row))?;
    }
    Ok(())
}
