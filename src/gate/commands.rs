//! The gate's rules for command rows (`--cmd`, `--reference`): the same as
//! for our rows, on **peak RSS** (the command's own `VmHWM`, the maximum
//! over its runs) instead of peak heap, with the RSS band
//! ([`super::DEFAULT_RSS_TOLERANCE_PCT`], [`super::DEFAULT_RSS_SLACK_BYTES`]).
//!
//! * A command row of the baseline missing from the report fails; one
//!   skipped now (e.g. `python3` missing) but measured in the baseline
//!   fails; one skipped in both is skipped.
//! * A row that failed, exceeded the limit or timed out fails, with its
//!   status; one over the hard limit fails.
//! * The count is recomputed from the figures: the records it printed
//!   against the media count of its fixture in the report's `fixtures`
//!   list (never the stored `count_correct`).
//! * Above its baseline by more than the band: regression; more than the
//!   band below: improved.
//! * A new row (not in the baseline) is held to the limit and the count.
//! * A row that streams in the baseline and grows with library size now
//!   (both judged from peaks with [`crate::verdict::judge`]) fails at its
//!   largest fixture, whatever its band says.

use std::collections::HashSet;

use super::{
    fail_grown, figures_row, grows_now, settle, BandKind, GateConfig, GateError, GateRow, Reason,
    RowVerdict,
};
use crate::command::{CommandRow, CommandStatus};
use crate::report::Report;

/// The peak a command row is judged on: the maximum over its runs.
fn peak(r: &CommandRow) -> Option<u64> {
    let runs = r.peak_rss_runs.iter().copied().max();
    match (r.peak_rss_bytes, runs) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

fn expected(r: &Report, row: &CommandRow) -> Option<u64> {
    r.fixtures
        .iter()
        .find(|f| f.preset == row.fixture)
        .map(|f| f.media_files)
}

/// Refuses command rows that cannot be compared: a row twice, a row whose
/// fixture is not listed, a measured row without a peak.
pub(super) fn check(which: &'static str, r: &Report) -> Result<(), GateError> {
    let mut seen = HashSet::new();
    for row in &r.commands.rows {
        if !seen.insert((row.name.as_str(), row.fixture.as_str())) {
            return Err(GateError::DuplicateRow {
                which,
                strategy: row.name.clone(),
                fixture: row.fixture.clone(),
            });
        }
        if !r.fixtures.iter().any(|f| f.preset == row.fixture) {
            return Err(GateError::Incomplete {
                which,
                what: format!(
                    "command row {} on {}: fixture {} is not in its \"fixtures\" list",
                    row.name, row.fixture, row.fixture
                ),
            });
        }
        if row.status == CommandStatus::Ok && peak(row).is_none() {
            return Err(GateError::Incomplete {
                which,
                what: format!(
                    "command row {} on {}: measured (status ok) but has no peak RSS",
                    row.name, row.fixture
                ),
            });
        }
    }
    Ok(())
}

/// Every command row's verdict: the baseline's rows first, then new ones.
pub(super) fn judge_all(baseline: &Report, current: &Report, cfg: &GateConfig) -> Vec<GateRow> {
    let mut rows = Vec::new();
    for b in &baseline.commands.rows {
        let c = current.commands.row(&b.name, &b.fixture);
        rows.push(judge(Some(b), c, c.and_then(|c| expected(current, c)), cfg));
    }
    for c in &current.commands.rows {
        if baseline.commands.row(&c.name, &c.fixture).is_none() {
            rows.push(judge(None, Some(c), expected(current, c), cfg));
        }
    }
    judge_streaming(baseline, current, cfg, &mut rows);
    rows
}

fn judge(
    b: Option<&CommandRow>,
    c: Option<&CommandRow>,
    expected: Option<u64>,
    cfg: &GateConfig,
) -> GateRow {
    let (name, fixture) = match (c, b) {
        (Some(r), _) | (None, Some(r)) => (r.name.clone(), r.fixture.clone()),
        (None, None) => (String::new(), String::new()),
    };
    let band = cfg.rss;
    let measured = |r: &CommandRow| r.status == CommandStatus::Ok;
    let baseline_bytes = b.filter(|b| measured(b)).and_then(peak);
    let current_bytes = c.filter(|c| measured(c)).and_then(peak);
    let mut row = figures_row(
        (name, fixture, false),
        BandKind::Rss,
        band,
        baseline_bytes,
        current_bytes,
    );
    let Some(c) = c else {
        row.reasons.push(Reason::Missing);
        row.verdict = RowVerdict::Fail;
        return row;
    };
    let mut fails = Vec::new();
    match &c.status {
        CommandStatus::Ok => {}
        CommandStatus::Skipped(why) => {
            if b.is_some_and(measured) {
                fails.push(Reason::SkippedNow(why.clone()));
            } else {
                row.reasons.push(Reason::Skipped(why.clone()));
                row.verdict = RowVerdict::Skipped;
                return row;
            }
        }
        s => fails.push(Reason::CommandStatus(s.text())),
    }
    if measured(c) {
        match (expected, c.files_found) {
            (Some(n), Some(f)) if n == f => {}
            (Some(n), Some(f)) => fails.push(Reason::CountWrong {
                found: f,
                expected: n,
            }),
            (Some(_), None) => fails.push(Reason::NotCounted),
            (None, _) => fails.push(Reason::NoExpectedCount),
        }
        if let Some(cur) = current_bytes.filter(|&cur| cur > cfg.limit_bytes) {
            fails.push(Reason::RssOverLimit {
                peak: cur,
                limit: cfg.limit_bytes,
            });
        }
    }
    let no_baseline = b.map(|b| Reason::NoCommandBaselineFigure(b.status.text()));
    settle(row, fails, no_baseline)
}

fn points(r: &Report, name: &str) -> Vec<(u64, u64)> {
    r.commands
        .rows
        .iter()
        .filter(|row| row.name == name && row.status == CommandStatus::Ok)
        .filter_map(|row| Some((expected(r, row)?, peak(row)?)))
        .collect()
}

/// A command row that streams in the baseline and grows now fails at its
/// largest fixture (see the module rules).
fn judge_streaming(baseline: &Report, current: &Report, cfg: &GateConfig, rows: &mut [GateRow]) {
    let mut seen = HashSet::new();
    for c in &current.commands.rows {
        let name = c.name.as_str();
        if !seen.insert(name) {
            continue;
        }
        let Some((largest, why)) = grows_now(
            &points(current, name),
            &points(baseline, name),
            cfg.limit_bytes,
        ) else {
            continue;
        };
        let Some(row) = rows.iter_mut().find(|r| {
            r.strategy == name
                && current
                    .fixtures
                    .iter()
                    .any(|f| f.preset == r.fixture && f.media_files == largest)
        }) else {
            continue;
        };
        fail_grown(row, why);
    }
}
