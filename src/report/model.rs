//! The report model: what `profile` measures and every exporter and the gate
//! read. Versioned: a reader refuses a report whose `schema` or
//! `schema_version` it does not know.

use serde::{Deserialize, Serialize};

pub use crate::command::CommandRows;
pub use crate::verdict::{Streaming, StreamingVerdict};

/// The `schema` field of every report.
pub const SCHEMA: &str = "anivault-bench/profile";
/// The current schema version. Bump it when a field changes meaning.
pub const SCHEMA_VERSION: u32 = 1;

/// One profiling run: host facts, fixtures, per strategy × fixture figures,
/// growth analysis and verdicts.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Report {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// [`SCHEMA_VERSION`] of the writer.
    pub schema_version: u32,
    /// Version of anivault-bench that wrote it.
    pub tool_version: String,
    /// Seconds since the Unix epoch when the run started.
    pub created_unix: u64,
    /// Where it ran.
    pub host: Host,
    /// The hard peak-heap limit in bytes (500 MB by default).
    pub limit_bytes: u64,
    /// True when every measuring child entered the fixture root (`chdir`)
    /// and scanned `.`: the paths a strategy holds are then relative, and
    /// no heap figure depends on the root's path length. False in reports
    /// written before this was recorded (absolute roots).
    #[serde(default)]
    pub scanned_relative_to_root: bool,
    /// The per-request latency of the netfs mount the rows were measured
    /// behind (`profile --netfs`, e.g. `"1ms"`); none: measured on the
    /// fixture's own file system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub netfs_latency: Option<String>,
    /// The fixtures scanned.
    pub fixtures: Vec<FixtureInfo>,
    /// One row per strategy × fixture.
    pub results: Vec<StrategyResult>,
    /// Peak heap across fixture sizes, per strategy.
    pub growth: Vec<Growth>,
    /// Overall verdict.
    pub verdict: Verdict,
    /// Foreign command rows (`--cmd`, `--reference`): peak RSS, time and
    /// counts per command × fixture, and their growth across fixtures.
    #[serde(default, skip_serializing_if = "CommandRows::is_empty")]
    pub commands: CommandRows,
}

/// Facts about the machine, so every figure says how it was taken.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Host {
    /// CPU model name (`/proc/cpuinfo`).
    pub cpu: String,
    /// Cores available to the process.
    pub cores: usize,
    /// Kernel release (`uname -r`).
    pub kernel: String,
    /// The rustc that built the binary.
    pub rustc: String,
    /// Operating system and architecture.
    pub os: String,
}

/// A fixture as scanned.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FixtureInfo {
    /// Preset name (or `custom`).
    pub preset: String,
    /// The spec hash from the fixture's manifest: a baseline made on another
    /// spec cannot be compared.
    pub spec_hash: String,
    /// The scanned root.
    pub root: String,
    /// File system type of the root (`tmpfs`, `ext4`, …).
    pub fs_type: String,
    /// Cache state during the measured runs (`warm`: a warm-up scan ran
    /// first; `cold`: caches dropped before each run).
    pub cache: String,
    /// All files in the tree (manifest).
    pub files_total: u64,
    /// Media files the scan must find (manifest).
    pub media_files: u64,
}

/// How a child run ended.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "status", content = "detail", rename_all = "snake_case")]
pub enum RunStatus {
    /// Measured.
    Ok,
    /// Stopped by the allocation cap: the strategy exceeded the limit.
    ExceededLimit,
    /// The strategy cannot run here or with these options (the reason).
    Unsupported(String),
    /// The child failed otherwise (exit status and stderr tail).
    Failed(String),
}

/// Heap figures from dhat (`max_bytes` at the global peak).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct HeapFigures {
    /// Peak live heap bytes (max over `runs`).
    pub max_bytes: u64,
    /// Live blocks at that peak.
    pub max_blocks: u64,
    /// Bytes allocated over the whole scan.
    pub total_bytes: u64,
    /// Blocks allocated over the whole scan.
    pub total_blocks: u64,
    /// `max_bytes` of each run (parallel strategies run several times).
    pub runs: Vec<u64>,
}

/// Wall time of runs with the normal allocator (no dhat).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TimeFigures {
    /// Wall time of each run, milliseconds.
    pub wall_ms: Vec<f64>,
    /// Median of `wall_ms`.
    pub median_ms: f64,
    /// Minimum.
    pub min_ms: f64,
    /// Maximum.
    pub max_ms: f64,
    /// Media files found per second at the median.
    pub files_per_sec: f64,
}

/// One timeline sample: in [`StrategyResult::timeline`] taken on a clock
/// (every few milliseconds of the dhat run), in
/// [`StrategyResult::rss_timeline`] every 1,000 media files of the timing
/// run.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct Sample {
    /// Media files found so far.
    pub files: u64,
    /// Live heap bytes at that moment (dhat run; 0 in the timing run, which
    /// does not count heap).
    pub heap_bytes: u64,
    /// Resident set size at that moment, KiB (`/proc/self/statm`; 0 in the
    /// dhat run, whose RSS is dhat's own bookkeeping as much as the
    /// strategy's).
    pub rss_kb: u64,
    /// Milliseconds since the scan started (0 in reports written before
    /// this was recorded).
    #[serde(default)]
    pub t_ms: f64,
}

/// Per-row verdicts. Whether a row streams is judged across library sizes
/// ([`Growth::streaming`]), not within one run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Verdicts {
    /// Peak heap at most the limit.
    pub within_limit: bool,
    /// Files found equal the manifest's media count.
    pub count_correct: bool,
}

/// An allocation site from dhat's output (with `--dhat-out`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AllocSite {
    /// Bytes live at the global peak from this site.
    pub bytes_at_peak: u64,
    /// Total bytes allocated here.
    pub total_bytes: u64,
    /// Total blocks allocated here.
    pub total_blocks: u64,
    /// The innermost interesting frames.
    pub frames: Vec<String>,
}

/// One strategy on one fixture.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StrategyResult {
    /// Row name: a strategy name, `pool` for ScanParsePool, with `+slow`
    /// for its slow-consumer variant (see `consumer_us`).
    pub strategy: String,
    /// The consumer busy-waits this many microseconds per result (0: no
    /// slow consumer).
    #[serde(default)]
    pub consumer_us: u64,
    /// Fixture preset name.
    pub fixture: String,
    /// True for strategies with walker threads.
    pub parallel: bool,
    /// Threads used.
    pub threads: usize,
    /// How the runs ended.
    pub status: RunStatus,
    /// Media files found.
    pub files_found: u64,
    /// Media files expected (manifest).
    pub expected_files: u64,
    /// Error items met.
    pub errors: u64,
    /// The text of the first error items (at most 5), or why the row could
    /// not be measured at all.
    #[serde(default)]
    pub error_samples: Vec<String>,
    /// Heap (dhat run); `None` when not measured.
    pub heap: Option<HeapFigures>,
    /// Peak RSS of the timing child, KiB (its own `VmHWM`).
    pub rss_peak_kb: Option<u64>,
    /// Timing.
    pub time: Option<TimeFigures>,
    /// Live heap of the dhat run, sampled on a clock (with the files found
    /// at each sample), so phases that yield no file are seen.
    pub timeline: Vec<Sample>,
    /// RSS of the timing run every 1,000 media files.
    #[serde(default)]
    pub rss_timeline: Vec<Sample>,
    /// Least-squares slope of live heap against files found within the dhat
    /// run, bytes/file. Not a verdict: a walker that collects first and
    /// frees while it yields (eager) has a negative slope within the run
    /// and still grows with the library.
    pub slope_bytes_per_file: Option<f64>,
    /// Verdicts.
    pub verdicts: Verdicts,
    /// Top allocation sites (with `--dhat-out`).
    pub top_sites: Vec<AllocSite>,
}

/// Peak heap against fixture size for one row, and its streaming verdict.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Growth {
    /// Row name.
    pub strategy: String,
    /// (media files, peak heap bytes) per fixture, smallest first.
    pub points: Vec<(u64, u64)>,
    /// Least-squares slope across fixtures, bytes per file (`None` with
    /// fewer than two fixtures).
    pub bytes_per_file: Option<f64>,
    /// ✓ streaming / ✗ grows / not judged, with the projected library size
    /// at the limit (see [`crate::verdict`]).
    #[serde(default)]
    pub streaming: StreamingVerdict,
}

/// The overall verdict.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Verdict {
    /// True when every row is within the limit and counts are correct.
    pub pass: bool,
    /// Why not, one line each.
    pub reasons: Vec<String>,
}

impl StrategyResult {
    /// A row before anything is measured: status ok, nothing found, no
    /// figures, the count not (yet) correct, no slow consumer.
    pub fn unmeasured(
        strategy: String,
        fixture: String,
        parallel: bool,
        threads: usize,
        expected_files: u64,
    ) -> StrategyResult {
        StrategyResult {
            strategy,
            consumer_us: 0,
            fixture,
            parallel,
            threads,
            status: RunStatus::Ok,
            files_found: 0,
            expected_files,
            errors: 0,
            error_samples: Vec::new(),
            heap: None,
            rss_peak_kb: None,
            time: None,
            timeline: Vec::new(),
            rss_timeline: Vec::new(),
            slope_bytes_per_file: None,
            verdicts: Verdicts {
                within_limit: true,
                count_correct: false,
            },
            top_sites: Vec::new(),
        }
    }
}

impl Report {
    /// A row's median time over the fastest median among the measured
    /// rows of its fixture (1.00 is the fastest): the Relative column.
    /// `None` when the row was not timed or no row of its fixture has a
    /// positive median.
    pub fn relative_time(&self, row: &StrategyResult) -> Option<f64> {
        let fastest = self
            .results
            .iter()
            .filter(|x| x.fixture == row.fixture && x.status == RunStatus::Ok)
            .filter_map(|x| x.time.as_ref().map(|t| t.median_ms))
            .filter(|m| m.is_finite() && *m > 0.0)
            .fold(f64::INFINITY, f64::min);
        let t = row.time.as_ref()?;
        fastest.is_finite().then(|| t.median_ms / fastest)
    }

    /// The row for a strategy on a fixture.
    pub fn result(&self, strategy: &str, fixture: &str) -> Option<&StrategyResult> {
        self.results
            .iter()
            .find(|r| r.strategy == strategy && r.fixture == fixture)
    }
}
