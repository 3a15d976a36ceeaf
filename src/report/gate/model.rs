//! The gate's outcome: the settings, one row per strategy × fixture with
//! its figures, band and verdict, and the notes. [`crate::gate`] fills it
//! in; [`super::terminal`] and [`super::json`] render it.

use serde::{Serialize, Serializer};

use crate::report::RunStatus;

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
    /// Band of the parse pool's rows (`pool`, `pool+slow`).
    pub pool: Band,
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
    /// The parse pool (`pool`, `pool+slow`): walker and workers, its
    /// queues' fill at the peak moves with the machine's load.
    Pool,
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
            BandKind::Pool => "pool",
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
    /// Why it fails, or notes (one each).
    pub reasons: Vec<Reason>,
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
    pub warnings: Vec<Warning>,
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

/// Why a row fails, is skipped, improved or new: the facts, worded by
/// [`super::text`] (the terminal and the JSON carry the same words).
#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    /// In the baseline, not in the report.
    Missing,
    /// Stopped by the allocation cap.
    ExceededLimit,
    /// The child failed (its words).
    Failed(String),
    /// Unsupported now (why) although the baseline measured it.
    UnsupportedNow(String),
    /// Unsupported in both (why): skipped.
    Unsupported(String),
    /// Found a number of media files other than the fixture's manifest.
    CountWrong {
        /// Media files found.
        found: u64,
        /// Media files in the manifest.
        expected: u64,
    },
    /// Its fixture has no expected count.
    NoExpectedCount,
    /// Measured, but no heap figures.
    NoHeapFigures,
    /// Peak heap over the hard limit.
    OverLimit {
        /// Peak heap, bytes.
        peak: u64,
        /// The limit, bytes.
        limit: u64,
    },
    /// Above its baseline by more than its band.
    Regression {
        /// Current peak, bytes.
        current: u64,
        /// Baseline peak, bytes.
        baseline: u64,
        /// The band it is held to.
        band: BandKind,
        /// The excess the band allows, bytes.
        excess: u64,
    },
    /// More than its band below the baseline.
    Improved,
    /// In the baseline, but without a figure (its status there).
    NoBaselineFigure(RunStatus),
    /// A command row (`--cmd`) that failed, exceeded the limit, timed out
    /// or could not be measured (its status, worded by the command module).
    CommandStatus(String),
    /// A command row skipped now (why) although the baseline measured it.
    SkippedNow(String),
    /// A command row skipped in both (why).
    Skipped(String),
    /// A command row's records were not counted.
    NotCounted,
    /// A command row's peak RSS over the hard limit.
    RssOverLimit {
        /// Peak RSS, bytes.
        peak: u64,
        /// The limit, bytes.
        limit: u64,
    },
    /// A command row in the baseline without a figure (its status there).
    NoCommandBaselineFigure(String),
    /// Streams in the baseline, grows with library size now.
    GrowsNow {
        /// Growth across the sizes measured, bytes.
        growth_bytes: u64,
        /// The noise floor it exceeds, bytes.
        noise_floor_bytes: u64,
        /// Least-squares growth per media file.
        bytes_per_file: Option<f64>,
        /// Projected library size at the limit, media files.
        files_at_limit: Option<u64>,
    },
}

/// A difference between the baseline and the report that does not fail
/// the gate but may explain a delta.
#[derive(Debug, Clone, PartialEq)]
pub enum Warning {
    /// Another file system under a fixture.
    FileSystem {
        /// The preset.
        preset: String,
        /// The report's file system.
        now: String,
        /// The baseline's.
        baseline: String,
    },
    /// Another cache state.
    Cache {
        /// The preset.
        preset: String,
        /// The report's cache state.
        now: String,
        /// The baseline's.
        baseline: String,
    },
    /// Another number of cores (parallel rows run other thread counts).
    Cores {
        /// The report's cores.
        now: usize,
        /// The baseline's.
        baseline: usize,
    },
}

/// Reasons and warnings go into the JSON as their words.
impl Serialize for Reason {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl Serialize for Warning {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
