//! The gate's outcome: the settings, one row per strategy × fixture with
//! its figures, band and verdict, and the notes. [`crate::gate`] fills it
//! in; [`super::terminal`] and [`super::json`] render it.

use serde::Serialize;

/// How far above its baseline a row may peak.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Band {
    /// Percent of the baseline figure.
    pub pct: f64,
    /// Minimum allowed excess, bytes.
    pub slack_bytes: u64,
}

impl Band {
    /// The excess allowed over `baseline`: `pct` % of it or `slack_bytes`,
    /// whichever is larger.
    ///
    /// ```
    /// use anivault_bench::report::gate::model::Band;
    /// let tight = Band { pct: 2.0, slack_bytes: 4096 };
    /// assert_eq!(tight.allowed_excess(10_000), 4096);
    /// assert_eq!(tight.allowed_excess(1_000_000), 20_000);
    /// ```
    pub fn allowed_excess(&self, baseline: u64) -> u64 {
        let pct = (baseline as f64 * self.pct / 100.0).ceil();
        // `as` saturates; pct is finite and non-negative by construction.
        (pct as u64).max(self.slack_bytes)
    }

    /// The highest figure that passes against `baseline`.
    pub fn ceiling(&self, baseline: u64) -> u64 {
        baseline.saturating_add(self.allowed_excess(baseline))
    }
}

/// The gate's settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GateConfig {
    /// Hard limit on peak heap, bytes.
    pub limit_bytes: u64,
    /// Band of single-thread strategies.
    pub serial: Band,
    /// Band of parallel strategies (compared on the maximum over runs).
    pub parallel: Band,
    /// Band of a parallel strategy's slow-consumer row (`NAME+slow`; the
    /// pool's slow row keeps the parallel band: its parse queue does not
    /// fill to the same level from run to run).
    pub slow: Band,
    /// Band of command rows (`--cmd`), on peak RSS (max over runs).
    pub rss: Band,
}

/// Which band a row is held to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BandKind {
    /// Single-thread strategies: deterministic.
    Tight,
    /// Parallel rows, free-running: the peak depends on scheduling.
    Wide,
    /// A parallel strategy behind a slow consumer: queues full at the peak.
    Slow,
    /// A command row (`--cmd`): compared on peak RSS, not heap.
    Rss,
}

impl BandKind {
    /// `tight`, `wide` or `slow`, as the table prints it.
    pub fn name(self) -> &'static str {
        match self {
            BandKind::Tight => "tight",
            BandKind::Wide => "wide",
            BandKind::Slow => "slow",
            BandKind::Rss => "rss",
        }
    }
}

/// What the gate says about one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowVerdict {
    /// Within its band and the limit.
    Pass,
    /// More than its band below the baseline (passes).
    Improved,
    /// Not in the baseline; held to the limit and the count only (passes
    /// unless those fail).
    New,
    /// Unsupported in both the baseline and the report (passes).
    Skipped,
    /// Fails the gate; the row's `reasons` say why.
    Fail,
}

/// One row of the comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GateRow {
    /// Strategy name.
    pub strategy: String,
    /// Fixture preset.
    pub fixture: String,
    /// Whether the strategy is parallel.
    pub parallel: bool,
    /// The band it is held to.
    pub band_kind: BandKind,
    /// Baseline peak heap, bytes (`None`: no baseline figure).
    pub baseline_bytes: Option<u64>,
    /// Current peak heap, bytes (`None`: not measured).
    pub current_bytes: Option<u64>,
    /// Current minus baseline, bytes.
    pub delta_bytes: Option<i64>,
    /// Delta in percent of the baseline.
    pub delta_pct: Option<f64>,
    /// The band applied.
    pub band: Band,
    /// Excess over the baseline that the band allows, bytes.
    pub allowed_excess_bytes: Option<u64>,
    /// The verdict.
    pub verdict: RowVerdict,
    /// Why it fails, or notes (one line each).
    pub reasons: Vec<String>,
}

/// The whole comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GateOutcome {
    /// The settings used.
    pub config: GateConfig,
    /// Baseline rows first (in the baseline's order), then new rows.
    pub rows: Vec<GateRow>,
    /// Differences that do not fail the gate but may explain a delta
    /// (another file system, cache state or core count).
    pub warnings: Vec<String>,
    /// True when no row fails.
    pub pass: bool,
}

impl GateOutcome {
    /// The failing rows.
    pub fn failures(&self) -> impl Iterator<Item = &GateRow> {
        self.rows.iter().filter(|r| r.verdict == RowVerdict::Fail)
    }

    /// `eager (anime-100k), std (anime-10k)`: the failing rows, for a summary.
    pub fn failing_names(&self) -> String {
        self.failures()
            .map(|r| format!("{} ({})", r.strategy, r.fixture))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The gate's document: which files were compared, and the outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GateReport {
    /// The baseline file, as given.
    pub baseline: String,
    /// The report file, as given, or `a fresh profile`.
    pub report: String,
    /// Every row's verdict.
    pub outcome: GateOutcome,
}
