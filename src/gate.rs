//! The CI memory-regression gate: compares a report's peak heap figures with a
//! baseline report and with a hard limit.
//!
//! # Rules
//!
//! A row is one strategy on one fixture; its figure is dhat's peak live heap
//! (`heap.max_bytes`, and for a parallel strategy the maximum over its runs).
//! The gate fails (exit 1) when any row:
//!
//! - peaks above the hard limit (`--limit-mb`, decimal megabytes: 500 MB is
//!   500,000,000 bytes), or was stopped by the allocation cap
//!   ([`RunStatus::ExceededLimit`]), or failed;
//! - found a wrong number of files: `files_found` differs from the media
//!   file count of its fixture in the report's `fixtures` list (the stored
//!   `verdicts` flags are never read: every verdict is recomputed from the
//!   figures);
//! - peaks above its baseline row by more than the band (below);
//! - is in the baseline but missing from the report, or unsupported now
//!   although the baseline measured it: what cannot be compared never passes.
//!
//! A row that is in the report but not in the baseline is shown as
//! "new (no baseline)": it is still held to the limit and the count, not to a
//! band. A row unsupported in both is skipped.
//!
//! # Bands
//!
//! A row may exceed its baseline by `pct` % of the baseline or by `slack`
//! bytes, whichever is larger ([`Band::allowed_excess`]).
//!
//! - Single-thread strategies are deterministic: the same tree gives the same
//!   allocations. Their band is tight, [`DEFAULT_TOLERANCE_PCT`] % with
//!   [`DEFAULT_SLACK_BYTES`] (4 KiB) of slack: the order in which a file system
//!   returns directory entries differs between file systems (tmpfs, ext4,
//!   btrfs), so the longest path live at the peak, and the buffers sized
//!   after it, differ by a few hundred bytes between a developer's machine
//!   and CI.
//! - Parallel strategies depend on scheduling: how many directories are in
//!   flight at the peak varies from run to run. They compare the maximum
//!   over their runs against a wide band, [`DEFAULT_PARALLEL_TOLERANCE_PCT`] %
//!   with [`DEFAULT_PARALLEL_SLACK_BYTES`] (128 KiB) of slack at least.
//!
//! A row more than its band *below* the baseline passes as "improved", with a
//! hint to lock the gain in with `--update-baseline`.
//!
//! The gate cannot compare (exit 2) when the baseline was made on another
//! fixture spec (the manifests' spec hashes differ for the same preset), when
//! a report lists one row twice, when the baseline has no rows, or when a
//! report or the baseline lacks a figure the comparison needs: a row whose
//! fixture is not in its `fixtures` list (no spec hash, no expected count),
//! a fixture without a spec hash, or a measured row (`status` ok) without
//! heap figures.

mod commands;

use std::fmt;

pub use crate::report::gate::model::{
    Band, BandKind, GateConfig, GateOutcome, GateRow, Reason, RowVerdict, Warning,
};
pub use crate::report::units::BYTES_PER_MB;
use crate::report::{Report, RunStatus, StrategyResult};

/// Default hard limit on peak heap, in decimal megabytes.
pub const DEFAULT_LIMIT_MB: u64 = 500;
/// Default band of single-thread strategies, percent of the baseline.
pub const DEFAULT_TOLERANCE_PCT: f64 = 2.0;
/// Default minimum band of single-thread strategies, bytes (4 KiB).
pub const DEFAULT_SLACK_BYTES: u64 = 4 * 1024;
/// Default band of parallel strategies, percent of the baseline.
pub const DEFAULT_PARALLEL_TOLERANCE_PCT: f64 = 25.0;
/// Default minimum band of parallel strategies, bytes (128 KiB): about
/// what the bounded result channel and the per-thread partial batches of a
/// 2-thread walk hold at once (7 batches of 128 results), which is how far
/// the peak moves between runs with scheduling alone (measured: `rayon`
/// 160–275 KiB, `getdents-par` 220–314 KiB on anime-100k).
pub const DEFAULT_PARALLEL_SLACK_BYTES: u64 = 128 * 1024;
/// Default band of a parallel strategy's slow-consumer row (`NAME+slow`),
/// percent of the baseline. Behind a consumer slower than the walk, every
/// bounded queue is full at the peak, so the peak moves far less between
/// runs than a free-running one (measured, max of 3 runs on anime-100k:
/// `rayon+slow` 253–275 KiB, `getdents-par+slow` 278–295 KiB; free-running
/// `rayon` 211–261 KiB) and a doubled queue shows (+63 to +95 KiB).
pub const DEFAULT_SLOW_TOLERANCE_PCT: f64 = 12.0;
/// Default minimum band of slow-consumer rows, bytes (40 KiB).
pub const DEFAULT_SLOW_SLACK_BYTES: u64 = 40 * 1024;
/// Default band of the parse pool's rows (`pool`, `pool+slow`), percent of
/// the baseline. The pool is a walker, parse workers and two bounded
/// queues; how full the queues are at the peak depends on how far the
/// scheduler lets the walker run ahead of the workers, which moves with
/// the machine's load: measured on the unchanged build (anime-10k and
/// anime-100k, max of 5 heap runs, 9 gates on one day, idle and with
/// other builds running) from 830 KiB to 1.1 MiB, +32 % over the
/// idle-machine baseline (852 / 887 KiB). The planted regressions that
/// reach the pool move it +97 % (leak-16, 1.7 MiB) and +1,366 %
/// (unbounded-channel, 12.7 MiB) at anime-100k.
pub const DEFAULT_POOL_TOLERANCE_PCT: f64 = 50.0;
/// Default minimum band of the pool's rows, bytes (256 KiB).
pub const DEFAULT_POOL_SLACK_BYTES: u64 = 256 * 1024;
/// Default band of command rows (`--cmd`, peak RSS, max over runs),
/// percent of the baseline. RSS moves more than heap between runs (pages
/// touched by the allocator, the libraries' pages, threads' stacks):
/// measured with 8 runs each on anime-10k and anime-100k (tmpfs, a loaded
/// 2-core machine), the peak spread over 80–200 KiB for the Python
/// reference rows (14 MiB), 170–210 KiB for `find` and `bfs` (3 MiB),
/// 440 KiB for `fdfind` and 500 KiB for `anivault-bench scan`
/// (getdents-par, 5 MiB): up to 10 % of the peak.
pub const DEFAULT_RSS_TOLERANCE_PCT: f64 = 10.0;
/// Default minimum band of command rows, bytes (1 MiB: twice the widest
/// spread measured, 500 KiB).
pub const DEFAULT_RSS_SLACK_BYTES: u64 = 1024 * 1024;

impl Default for GateConfig {
    fn default() -> Self {
        GateConfig {
            limit_bytes: DEFAULT_LIMIT_MB * BYTES_PER_MB,
            serial: Band {
                pct: DEFAULT_TOLERANCE_PCT,
                slack_bytes: DEFAULT_SLACK_BYTES,
            },
            parallel: Band {
                pct: DEFAULT_PARALLEL_TOLERANCE_PCT,
                slack_bytes: DEFAULT_PARALLEL_SLACK_BYTES,
            },
            slow: Band {
                pct: DEFAULT_SLOW_TOLERANCE_PCT,
                slack_bytes: DEFAULT_SLOW_SLACK_BYTES,
            },
            pool: Band {
                pct: DEFAULT_POOL_TOLERANCE_PCT,
                slack_bytes: DEFAULT_POOL_SLACK_BYTES,
            },
            rss: Band {
                pct: DEFAULT_RSS_TOLERANCE_PCT,
                slack_bytes: DEFAULT_RSS_SLACK_BYTES,
            },
        }
    }
}

impl BandKind {
    /// The kind for a row: from how it ran (threads, consumer), which the
    /// report records with the figures.
    pub fn of(row: &StrategyResult) -> BandKind {
        let pool = row.strategy == crate::subject::POOL
            || row.strategy == format!("{}+slow", crate::subject::POOL);
        if pool {
            return BandKind::Pool;
        }
        match (row.parallel, row.consumer_us > 0) {
            (false, _) => BandKind::Tight,
            (true, true) => BandKind::Slow,
            (true, false) => BandKind::Wide,
        }
    }

    /// This kind's band in `cfg`.
    pub fn band(self, cfg: &GateConfig) -> Band {
        match self {
            BandKind::Tight => cfg.serial,
            BandKind::Wide => cfg.parallel,
            BandKind::Slow => cfg.slow,
            BandKind::Pool => cfg.pool,
            BandKind::Rss => cfg.rss,
        }
    }
}

/// Why the gate cannot compare at all (exit 2).
#[derive(Debug, Clone, PartialEq)]
pub enum GateError {
    /// The baseline and the report were made on different specs of a preset.
    SpecMismatch {
        /// The preset.
        preset: String,
        /// The baseline's spec hash.
        baseline: String,
        /// The report's spec hash.
        report: String,
    },
    /// A report lists the same strategy × fixture twice.
    DuplicateRow {
        /// `baseline` or `report`.
        which: &'static str,
        /// Strategy.
        strategy: String,
        /// Fixture.
        fixture: String,
    },
    /// The baseline has no rows: nothing to compare against.
    EmptyBaseline,
    /// A report lacks a figure the comparison needs.
    Incomplete {
        /// `baseline` or `report`.
        which: &'static str,
        /// What is missing, naming the row or fixture.
        what: String,
    },
}

impl GateError {
    /// Which file the error is about: `Some("baseline")`, `Some("report")`,
    /// or `None` when it is about both.
    pub fn which(&self) -> Option<&'static str> {
        match self {
            GateError::SpecMismatch { .. } => None,
            GateError::DuplicateRow { which, .. } | GateError::Incomplete { which, .. } => {
                Some(which)
            }
            GateError::EmptyBaseline => Some("baseline"),
        }
    }
}

impl fmt::Display for GateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GateError::SpecMismatch {
                preset,
                baseline,
                report,
            } => write!(
                f,
                "baseline was made on another fixture spec: preset {preset} has spec hash {baseline} in the baseline but {report} in the report; regenerate it with --update-baseline"
            ),
            GateError::DuplicateRow {
                which,
                strategy,
                fixture,
            } => write!(
                f,
                "the {which} lists {strategy} on {fixture} twice; it cannot be compared"
            ),
            GateError::EmptyBaseline => write!(
                f,
                "the baseline has no rows, so nothing can be compared; regenerate it with --update-baseline"
            ),
            GateError::Incomplete { which, what } => write!(
                f,
                "the {which} lacks what the comparison needs: {what}"
            ),
        }
    }
}

impl std::error::Error for GateError {}

/// Parses a percentage option: a finite number, at least 0.
pub fn parse_pct(s: &str) -> Result<f64, String> {
    match s.trim().trim_end_matches('%').parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        Ok(_) => Err(format!("{s:?}: must be a finite percentage, 0 or more")),
        Err(e) => Err(format!("{s:?}: not a number: {e}")),
    }
}

/// The peak a row is judged on: `max_bytes`, and never below any run's.
/// A row's `(media files, peak)` at every fixture of `r` it was measured
/// on: the points of the streaming verdict, from figures only.
fn streaming_points(r: &Report, strategy: &str) -> Vec<(u64, u64)> {
    r.results
        .iter()
        .filter(|row| row.strategy == strategy && row.status == RunStatus::Ok)
        .filter_map(|row| Some((expected_count(r, row)?, peak(row)?)))
        .collect()
}

/// The across-size rule: a row that streams in the baseline (judged from
/// its peaks there) and grows with library size now (judged from its
/// current peaks, [`crate::verdict::judge`]) fails at its largest fixture,
/// whatever its band says: that is the regression a streaming scanner must
/// never let through. A row that grew in the baseline already (`eager`) is
/// held to its band only.
fn judge_streaming(baseline: &Report, current: &Report, cfg: &GateConfig, rows: &mut [GateRow]) {
    let mut names: Vec<&str> = current
        .results
        .iter()
        .map(|r| r.strategy.as_str())
        .collect();
    names.dedup();
    let mut seen = std::collections::HashSet::new();
    for name in names {
        if !seen.insert(name) {
            continue;
        }
        let Some((largest, why)) = grows_now(
            &streaming_points(current, name),
            &streaming_points(baseline, name),
            cfg.limit_bytes,
        ) else {
            continue;
        };
        let Some(fixture) = current
            .fixtures
            .iter()
            .find(|f| f.media_files == largest)
            .map(|f| f.preset.clone())
        else {
            continue;
        };
        let Some(row) = rows
            .iter_mut()
            .find(|r| r.strategy == name && r.fixture == fixture)
        else {
            continue;
        };
        fail_grown(row, why);
    }
}

/// When a row streams over the `before` points (files, peak) and grows
/// over the `now` points: the largest library size now and the reason.
fn grows_now(now: &[(u64, u64)], before: &[(u64, u64)], limit: u64) -> Option<(u64, Reason)> {
    use crate::verdict::{judge, Streaming};
    let verdict = judge(now, limit);
    if verdict.verdict != Streaming::Grows || judge(before, limit).verdict != Streaming::Streaming {
        return None;
    }
    let &(largest, _) = now.iter().max()?;
    let why = Reason::GrowsNow {
        growth_bytes: verdict.growth_bytes.unwrap_or(0).max(0).unsigned_abs(),
        noise_floor_bytes: verdict.noise_floor_bytes.unwrap_or(0),
        bytes_per_file: verdict.bytes_per_file,
        files_at_limit: verdict.projected_files_at_limit,
    };
    Some((largest, why))
}

/// Fails `row` for growing now: `why` replaces the reasons of a row that
/// did not fail already, or joins them.
fn fail_grown(row: &mut GateRow, why: Reason) {
    if row.verdict != RowVerdict::Fail {
        row.reasons.clear();
    }
    row.verdict = RowVerdict::Fail;
    row.reasons.push(why);
}

fn peak(row: &StrategyResult) -> Option<u64> {
    row.heap
        .as_ref()
        .map(|h| h.runs.iter().copied().fold(h.max_bytes, u64::max))
}

/// Checks that a report can be compared (or become a baseline): no row
/// twice, every row's fixture listed with a spec hash, heap figures on every
/// measured row. `which` (`baseline` or `report`) goes into the error.
pub fn check_report(which: &'static str, r: &Report) -> Result<(), GateError> {
    check_duplicates(which, r)?;
    check_complete(which, r)?;
    commands::check(which, r)
}

/// Refuses a report that lacks what the comparison needs: every row's
/// fixture listed with a spec hash, heap figures on every measured row.
fn check_complete(which: &'static str, r: &Report) -> Result<(), GateError> {
    let incomplete = |what: String| GateError::Incomplete { which, what };
    for f in &r.fixtures {
        if f.spec_hash.trim().is_empty() {
            return Err(incomplete(format!("fixture {} has no spec hash", f.preset)));
        }
    }
    for row in &r.results {
        if !r.fixtures.iter().any(|f| f.preset == row.fixture) {
            return Err(incomplete(format!(
                "{} on {}: fixture {} is not in its \"fixtures\" list (its spec hash and expected file count)",
                row.strategy, row.fixture, row.fixture
            )));
        }
        if row.status == RunStatus::Ok && row.heap.is_none() {
            return Err(incomplete(format!(
                "{} on {}: measured (status ok) but has no \"heap\" figures",
                row.strategy, row.fixture
            )));
        }
    }
    Ok(())
}

/// The media file count the fixture of `row` holds (from its manifest, as
/// the report lists it); [`check_complete`] made sure it is listed.
fn expected_count(r: &Report, row: &StrategyResult) -> Option<u64> {
    r.fixtures
        .iter()
        .find(|f| f.preset == row.fixture)
        .map(|f| f.media_files)
}

fn check_duplicates(which: &'static str, r: &Report) -> Result<(), GateError> {
    let mut seen = std::collections::HashSet::new();
    for row in &r.results {
        if !seen.insert((row.strategy.as_str(), row.fixture.as_str())) {
            return Err(GateError::DuplicateRow {
                which,
                strategy: row.strategy.clone(),
                fixture: row.fixture.clone(),
            });
        }
    }
    Ok(())
}

/// Compares `current` with `baseline` under `cfg`. `Err` when they cannot be
/// compared at all; otherwise every row's verdict.
pub fn compare(
    baseline: &Report,
    current: &Report,
    cfg: &GateConfig,
) -> Result<GateOutcome, GateError> {
    if baseline.results.is_empty() && baseline.commands.is_empty() {
        return Err(GateError::EmptyBaseline);
    }
    check_duplicates("baseline", baseline)?;
    check_duplicates("report", current)?;
    check_complete("baseline", baseline)?;
    check_complete("report", current)?;
    commands::check("baseline", baseline)?;
    commands::check("report", current)?;
    let mut warnings = Vec::new();
    for bf in &baseline.fixtures {
        let Some(cf) = current.fixtures.iter().find(|f| f.preset == bf.preset) else {
            continue;
        };
        if cf.spec_hash != bf.spec_hash {
            return Err(GateError::SpecMismatch {
                preset: bf.preset.clone(),
                baseline: bf.spec_hash.clone(),
                report: cf.spec_hash.clone(),
            });
        }
        if cf.fs_type != bf.fs_type {
            warnings.push(Warning::FileSystem {
                preset: bf.preset.clone(),
                now: cf.fs_type.clone(),
                baseline: bf.fs_type.clone(),
            });
        }
        if cf.cache != bf.cache {
            warnings.push(Warning::Cache {
                preset: bf.preset.clone(),
                now: cf.cache.clone(),
                baseline: bf.cache.clone(),
            });
        }
    }
    if baseline.host.cores != current.host.cores && current.results.iter().any(|r| r.parallel) {
        warnings.push(Warning::Cores {
            now: current.host.cores,
            baseline: baseline.host.cores,
        });
    }

    let mut rows = Vec::with_capacity(current.results.len().max(baseline.results.len()));
    for b in &baseline.results {
        let c = current.result(&b.strategy, &b.fixture);
        let expected = c.and_then(|c| expected_count(current, c));
        rows.push(judge(Some(b), c, expected, cfg));
    }
    for c in &current.results {
        if baseline.result(&c.strategy, &c.fixture).is_none() {
            rows.push(judge(None, Some(c), expected_count(current, c), cfg));
        }
    }
    judge_streaming(baseline, current, cfg, &mut rows);
    rows.extend(commands::judge_all(baseline, current, cfg));
    let pass = rows.iter().all(|r| r.verdict != RowVerdict::Fail);
    Ok(GateOutcome {
        config: *cfg,
        rows,
        warnings,
        pass,
    })
}

/// One row's verdict; at least one of `b` and `c` is `Some`; `expected`:
/// the media files of `c`'s fixture.
fn judge(
    b: Option<&StrategyResult>,
    c: Option<&StrategyResult>,
    expected: Option<u64>,
    cfg: &GateConfig,
) -> GateRow {
    let (strategy, fixture, parallel, band_kind) = match (c, b) {
        (Some(r), _) | (None, Some(r)) => (
            r.strategy.clone(),
            r.fixture.clone(),
            r.parallel,
            BandKind::of(r),
        ),
        (None, None) => (String::new(), String::new(), false, BandKind::Tight),
    };
    let band = band_kind.band(cfg);
    let baseline_measured = b.is_some_and(|b| b.status == RunStatus::Ok);
    let baseline_bytes = b.filter(|_| baseline_measured).and_then(peak);
    let current_bytes = c.filter(|c| c.status == RunStatus::Ok).and_then(peak);
    let mut row = figures_row(
        (strategy, fixture, parallel),
        band_kind,
        band,
        baseline_bytes,
        current_bytes,
    );
    let mut fails = Vec::new();
    let Some(c) = c else {
        row.reasons.push(Reason::Missing);
        row.verdict = RowVerdict::Fail;
        return row;
    };
    match &c.status {
        RunStatus::Ok => {}
        RunStatus::ExceededLimit => fails.push(Reason::ExceededLimit),
        RunStatus::Failed(why) => fails.push(Reason::Failed(why.clone())),
        RunStatus::Unsupported(why) => {
            if baseline_measured {
                fails.push(Reason::UnsupportedNow(why.clone()));
            } else {
                row.reasons.push(Reason::Unsupported(why.clone()));
                row.verdict = RowVerdict::Skipped;
                return row;
            }
        }
    }
    if c.status == RunStatus::Ok {
        match expected {
            Some(n) if n == c.files_found => {}
            Some(n) => fails.push(Reason::CountWrong {
                found: c.files_found,
                expected: n,
            }),
            None => fails.push(Reason::NoExpectedCount),
        }
        match current_bytes {
            None => fails.push(Reason::NoHeapFigures),
            Some(cur) if cur > cfg.limit_bytes => fails.push(Reason::OverLimit {
                peak: cur,
                limit: cfg.limit_bytes,
            }),
            Some(_) => {}
        }
    }
    let no_baseline = b.map(|b| Reason::NoBaselineFigure(b.status.clone()));
    settle(row, fails, no_baseline)
}

/// A row with its figures and their deltas, passing until judged; `who`
/// is (strategy, fixture, parallel).
fn figures_row(
    (strategy, fixture, parallel): (String, String, bool),
    band_kind: BandKind,
    band: Band,
    baseline_bytes: Option<u64>,
    current_bytes: Option<u64>,
) -> GateRow {
    let mut row = GateRow {
        strategy,
        fixture,
        parallel,
        band_kind,
        baseline_bytes,
        current_bytes,
        delta_bytes: None,
        delta_pct: None,
        band,
        allowed_excess_bytes: baseline_bytes.map(|v| band.allowed_excess(v)),
        verdict: RowVerdict::Pass,
        reasons: Vec::new(),
    };
    if let (Some(base), Some(cur)) = (baseline_bytes, current_bytes) {
        let d = i128::from(cur) - i128::from(base);
        row.delta_bytes = Some(i64::try_from(d).unwrap_or(if d < 0 { i64::MIN } else { i64::MAX }));
        if base > 0 {
            row.delta_pct = Some(d as f64 * 100.0 / base as f64);
        }
    }
    row
}

/// The band's judgement of a row after its own `fails`: a regression above
/// the band, improved below it (when nothing failed), new without a
/// baseline figure (`no_baseline` names why, when the row was in the
/// baseline); any fail makes the row fail with those reasons.
fn settle(mut row: GateRow, mut fails: Vec<Reason>, no_baseline: Option<Reason>) -> GateRow {
    match (row.baseline_bytes, row.current_bytes) {
        (Some(base), Some(cur)) => {
            let excess = row.band.allowed_excess(base);
            if cur > base.saturating_add(excess) {
                fails.push(Reason::Regression {
                    current: cur,
                    baseline: base,
                    band: row.band_kind,
                    excess,
                });
            } else if cur < base.saturating_sub(excess) && fails.is_empty() {
                row.verdict = RowVerdict::Improved;
                row.reasons.push(Reason::Improved);
            }
        }
        (None, _) if fails.is_empty() => {
            row.verdict = RowVerdict::New;
            row.reasons.extend(no_baseline);
        }
        _ => {}
    }
    if !fails.is_empty() {
        row.verdict = RowVerdict::Fail;
        row.reasons = fails;
    }
    row
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{HeapFigures, Verdicts};

    fn row(strategy: &str, parallel: bool, bytes: u64) -> StrategyResult {
        StrategyResult {
            files_found: 10,
            heap: Some(HeapFigures {
                max_bytes: bytes,
                max_blocks: 1,
                total_bytes: bytes,
                total_blocks: 1,
                runs: vec![bytes],
            }),
            verdicts: Verdicts {
                within_limit: true,
                count_correct: true,
            },
            ..StrategyResult::unmeasured(strategy.into(), "fx".into(), parallel, 1, 10)
        }
    }

    fn report(rows: Vec<StrategyResult>) -> Report {
        let mut r = crate::report::testdata::sample_report();
        r.fixtures.truncate(1);
        r.fixtures[0].preset = "fx".into();
        r.fixtures[0].media_files = 10;
        r.results = rows;
        r
    }

    #[test]
    fn bands() {
        let cfg = GateConfig::default();
        assert_eq!(cfg.limit_bytes, 500_000_000);
        assert_eq!(cfg.serial.allowed_excess(0), 4096);
        assert_eq!(cfg.serial.allowed_excess(1_000_000), 20_000);
        assert_eq!(cfg.parallel.allowed_excess(100_000), 131_072);
        assert_eq!(cfg.parallel.allowed_excess(1_000_000), 250_000);
        assert_eq!(cfg.serial.ceiling(u64::MAX), u64::MAX);
    }

    #[test]
    fn the_pool_has_its_own_band_set_from_its_measured_spread() {
        let cfg = GateConfig::default();
        let base = report(vec![
            row("pool", true, 887_300),
            row("pool+slow", true, 887_300),
            row("rayon", true, 887_300),
        ]);
        // +32 %: the unchanged build on a loaded machine.
        let loaded = report(vec![
            row("pool", true, 1_171_000),
            row("pool+slow", true, 1_171_000),
            row("rayon", true, 1_171_000),
        ]);
        let out = compare(&base, &loaded, &cfg).expect("comparable");
        let v: Vec<(&str, BandKind, RowVerdict)> = out
            .rows
            .iter()
            .map(|r| (r.strategy.as_str(), r.band_kind, r.verdict))
            .collect();
        assert_eq!(
            v,
            [
                ("pool", BandKind::Pool, RowVerdict::Pass),
                ("pool+slow", BandKind::Pool, RowVerdict::Pass),
                ("rayon", BandKind::Wide, RowVerdict::Fail),
            ]
        );
        // +97 %: the planted leak-16 at anime-100k.
        let leaky = report(vec![row("pool", true, 1_746_000)]);
        let out =
            compare(&report(vec![row("pool", true, 887_300)]), &leaky, &cfg).expect("comparable");
        assert_eq!(out.rows[0].verdict, RowVerdict::Fail);
    }

    #[test]
    fn verdicts() {
        let cfg = GateConfig::default();
        let base = report(vec![
            row("same", false, 100_000),
            row("up", false, 100_000),
            row("down", false, 100_000),
            row("gone", false, 100_000),
            row("par", true, 100_000),
        ]);
        let mut wrong_count = row("count", false, 1);
        wrong_count.files_found = 9;
        let cur = report(vec![
            row("same", false, 104_000),
            row("up", false, 104_200),
            row("down", false, 50_000),
            row("par", true, 160_000),
            row("newbie", false, 7),
            wrong_count,
        ]);
        let out = compare(&base, &cur, &cfg).expect("comparable");
        let v: Vec<(&str, RowVerdict)> = out
            .rows
            .iter()
            .map(|r| (r.strategy.as_str(), r.verdict))
            .collect();
        assert_eq!(
            v,
            [
                ("same", RowVerdict::Pass),
                ("up", RowVerdict::Fail),
                ("down", RowVerdict::Improved),
                ("gone", RowVerdict::Fail),
                ("par", RowVerdict::Pass),
                ("newbie", RowVerdict::New),
                ("count", RowVerdict::Fail),
            ]
        );
        assert!(!out.pass);
        assert_eq!(out.failing_names(), "up (fx), gone (fx), count (fx)");
    }

    /// Two fixtures, `small` (5,000 media files) and `large` (50,000).
    fn two_sizes(rows: Vec<(&str, u64, u64)>) -> Report {
        let mut r = crate::report::testdata::sample_report();
        r.fixtures.truncate(1);
        let mut large = r.fixtures[0].clone();
        r.fixtures[0].preset = "small".into();
        r.fixtures[0].media_files = 5_000;
        large.preset = "large".into();
        large.media_files = 50_000;
        large.spec_hash = "large".into();
        r.fixtures.push(large);
        r.results = rows
            .into_iter()
            .flat_map(|(name, small, large)| {
                let mut a = row(name, false, small);
                a.fixture = "small".into();
                a.files_found = 5_000;
                let mut b = row(name, false, large);
                b.fixture = "large".into();
                b.files_found = 50_000;
                [a, b]
            })
            .collect();
        r
    }

    #[test]
    fn a_row_that_starts_growing_fails_whatever_its_band() {
        // A generous band, so only the across-size rule can fail "leaky".
        let cfg = GateConfig {
            serial: Band {
                pct: 1_000.0,
                slack_bytes: 0,
            },
            ..GateConfig::default()
        };
        let base = two_sizes(vec![
            ("leaky", 100_000, 100_000),
            ("eager", 1_000_000, 10_000_000),
        ]);
        // leaky: +720 KB over 45k files (16 B/file); eager grew already.
        let cur = two_sizes(vec![
            ("leaky", 180_000, 900_000),
            ("eager", 1_000_000, 10_500_000),
        ]);
        let out = compare(&base, &cur, &cfg).expect("comparable");
        let verdict = |name: &str, fx: &str| {
            let r = out
                .rows
                .iter()
                .find(|r| r.strategy == name && r.fixture == fx)
                .expect("row");
            let why: Vec<String> = r.reasons.iter().map(ToString::to_string).collect();
            (r.verdict, why.join("; "))
        };
        let (v, why) = verdict("leaky", "large");
        assert_eq!(v, RowVerdict::Fail, "{why}");
        assert!(why.contains("grows with library size now"), "{why}");
        assert!(why.contains("reaches the limit at about"), "{why}");
        assert_eq!(verdict("leaky", "small").0, RowVerdict::Pass);
        assert_eq!(verdict("eager", "large").0, RowVerdict::Pass);
        assert_eq!(out.failing_names(), "leaky (large)");
        // The same figures in the baseline: nothing changed, nothing fails.
        assert!(compare(&cur, &cur, &cfg).expect("comparable").pass);
    }

    #[test]
    fn spec_mismatch_and_duplicates_cannot_compare() {
        let cfg = GateConfig::default();
        let base = report(vec![row("std", false, 1)]);
        let mut cur = base.clone();
        cur.fixtures[0].spec_hash = "other".into();
        assert!(matches!(
            compare(&base, &cur, &cfg),
            Err(GateError::SpecMismatch { .. })
        ));
        let dup = report(vec![row("std", false, 1), row("std", false, 2)]);
        assert!(matches!(
            compare(&base, &dup, &cfg),
            Err(GateError::DuplicateRow {
                which: "report",
                ..
            })
        ));
        assert_eq!(
            compare(&report(Vec::new()), &base, &cfg),
            Err(GateError::EmptyBaseline)
        );
    }

    #[test]
    fn unsupported_rows() {
        let cfg = GateConfig::default();
        let mut uns = row("x", false, 0);
        uns.status = RunStatus::Unsupported("no".into());
        uns.heap = None;
        let both = compare(&report(vec![uns.clone()]), &report(vec![uns.clone()]), &cfg)
            .expect("comparable");
        assert_eq!(both.rows[0].verdict, RowVerdict::Skipped);
        assert!(both.pass);
        let now = compare(&report(vec![row("x", false, 5)]), &report(vec![uns]), &cfg)
            .expect("comparable");
        assert_eq!(now.rows[0].verdict, RowVerdict::Fail);
    }

    #[test]
    fn pct_parser() {
        assert_eq!(parse_pct("2"), Ok(2.0));
        assert_eq!(parse_pct("2.5%"), Ok(2.5));
        assert!(parse_pct("-1").is_err());
        assert!(parse_pct("nan").is_err());
        assert!(parse_pct("x").is_err());
    }
}
