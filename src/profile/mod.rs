//! Memory and time profiling of the strategies: one child process per
//! measurement (see [`child`]), figures gathered into a [`Report`].
//!
//! For each fixture × strategy:
//! 1. heap: a child with dhat's allocator scans once (parallel strategies:
//!    `heap_runs` times, the max is kept) and samples live heap every 1,000
//!    files;
//! 2. time: a child with the system allocator scans `runs` times (after a
//!    warm-up scan in this process, so the cache is warm) and reports wall
//!    times, RSS samples and its own `VmHWM`;
//! 3. verdicts: within the limit, stable (heap slope against files below
//!    [`STABLE_SLOPE`] bytes per file), count equal to the manifest's.
//!
//! Every child runs under an allocation cap a little above the limit
//! ([`CAP_FACTOR`]), so a runaway strategy ends as "exceeded limit".

pub mod alloc;
pub mod child;
pub mod host;
pub mod stats;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use anivault_scanner::{ScanOptions, Strategy};

use crate::fixtures::Fixture;
use crate::report::{
    FixtureInfo, Growth, HeapFigures, Report, RunStatus, StrategyResult, TimeFigures, Verdict,
    Verdicts, SCHEMA, SCHEMA_VERSION,
};
use child::ChildOutput;

/// A slope above [`STABLE_SLOPE`] still counts as stable when all the growth
/// it implies over the run is under this share of the peak: bounded queues
/// of parallel strategies fill and drain during a run, and a least-squares
/// line through that noise has a small positive slope without any growth.
pub const NOISE_SHARE: f64 = 0.25;

/// The row name of ScanParsePool (scan + parse on all cores) in reports.
pub const POOL: &str = "pool";

/// The hard limit of the design: 500 MB (10^6 bytes) of peak heap.
pub const DEFAULT_LIMIT_BYTES: u64 = 500_000_000;
/// The allocation cap of a child is the limit times this.
pub const CAP_FACTOR: f64 = 1.1;
/// Heap slope (bytes per file found) under which a run counts as stable:
/// 1 byte per file is 100 KB over 100k files, far below any design that
/// keeps per-file state. A negative slope (heap shrinking while files are
/// found, as in `eager` which frees its collected paths as it yields them)
/// counts as stable within the run; growth across fixture sizes is judged
/// separately ([`Growth`]).
pub const STABLE_SLOPE: f64 = 1.0;

/// What to profile.
#[derive(Debug, Clone)]
pub struct ProfileConfig {
    /// Fixtures (name, fixture), smallest first.
    pub fixtures: Vec<(String, Fixture)>,
    /// Strategies to measure.
    pub strategies: Vec<Strategy>,
    /// Also measure ScanParsePool (row `pool`).
    pub pool: bool,
    /// Heap runs of the pool row when fewer than `heap_runs_parallel` (its
    /// dhat run is the slowest of all: the parser allocates a lot).
    pub pool_heap_runs: Option<usize>,
    /// Hard limit, bytes.
    pub limit_bytes: u64,
    /// Timed runs per strategy × fixture.
    pub runs: usize,
    /// Heap runs for parallel strategies (single-thread ones are
    /// deterministic and run once).
    pub heap_runs_parallel: usize,
    /// Threads for parallel strategies (0: all cores).
    pub threads: usize,
    /// Samples every N files.
    pub sample_every: u64,
    /// Where to keep dhat's JSON per run (none: not written).
    pub dhat_out: Option<PathBuf>,
    /// Print progress lines to stderr.
    pub verbose: bool,
    /// A slow consumer: busy-wait this many microseconds per result (0: none).
    pub consumer_us: u64,
}

impl ProfileConfig {
    /// Defaults for these fixtures: every available strategy, 500 MB, 3 runs.
    pub fn new(fixtures: Vec<(String, Fixture)>) -> Self {
        ProfileConfig {
            fixtures,
            strategies: Strategy::available(),
            pool: true,
            pool_heap_runs: None,
            limit_bytes: DEFAULT_LIMIT_BYTES,
            runs: 3,
            heap_runs_parallel: 3,
            threads: 0,
            sample_every: 1000,
            dhat_out: None,
            verbose: false,
            consumer_us: 0,
        }
    }
}

/// Why a child could not be measured.
enum ChildFailure {
    Cap,
    Failed(String),
}

fn run_child(exe: &Path, args: &[String]) -> Result<ChildOutput, ChildFailure> {
    let out = Command::new(exe)
        .arg("profile-child")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| ChildFailure::Failed(format!("cannot start {}: {e}", exe.display())))?;
    if out.status.code() == Some(alloc::EXIT_CAP_EXCEEDED) {
        return Err(ChildFailure::Cap);
    }
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(3).collect();
        return Err(ChildFailure::Failed(format!(
            "child exited with {}: {}",
            out.status,
            tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
        )));
    }
    serde_json::from_slice(&out.stdout)
        .map_err(|e| ChildFailure::Failed(format!("unreadable child output: {e}")))
}

/// Profiles every strategy on every fixture.
pub fn profile(cfg: &ProfileConfig) -> Result<Report, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find own executable: {e}"))?;
    let created_unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let cap = (cfg.limit_bytes as f64 * CAP_FACTOR) as u64;
    let mut fixtures = Vec::new();
    let mut results = Vec::new();
    for (name, fx) in &cfg.fixtures {
        // Warm the cache, as every timed run after it sees it.
        for _ in ScanOptions::new().scan(&fx.root) {}
        fixtures.push(FixtureInfo {
            preset: name.clone(),
            spec_hash: fx.manifest.spec_hash.clone(),
            root: fx.root.display().to_string(),
            fs_type: host::fs_type(&fx.root),
            cache: "warm".into(),
            files_total: fx.manifest.counts.files,
            media_files: fx.manifest.counts.media_files,
        });
        let mut targets: Vec<Target> = cfg
            .strategies
            .iter()
            .map(|&s| Target::Strategy(s))
            .collect();
        if cfg.pool {
            targets.push(Target::Pool);
        }
        for &t in &targets {
            if cfg.verbose {
                eprintln!("profile: {name} × {}", t.name());
            }
            results.push(profile_one(cfg, &exe, name, fx, t, cap));
        }
    }
    let mut names: Vec<&str> = cfg.strategies.iter().map(|s| s.name()).collect();
    if cfg.pool {
        names.push(POOL);
    }
    let growth = growth(&results, &names);
    let verdict = verdict(&results, cfg.limit_bytes);
    Ok(Report {
        schema: SCHEMA.into(),
        schema_version: SCHEMA_VERSION,
        tool_version: env!("CARGO_PKG_VERSION").into(),
        created_unix,
        host: host::host(),
        limit_bytes: cfg.limit_bytes,
        fixtures,
        results,
        growth,
        verdict,
    })
}

/// What a row measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Strategy(Strategy),
    Pool,
}

impl Target {
    fn name(self) -> &'static str {
        match self {
            Target::Strategy(s) => s.name(),
            Target::Pool => POOL,
        }
    }
    fn is_parallel(self) -> bool {
        match self {
            Target::Strategy(s) => s.is_parallel(),
            Target::Pool => true,
        }
    }
}

fn profile_one(
    cfg: &ProfileConfig,
    exe: &Path,
    fixture: &str,
    fx: &Fixture,
    t: Target,
    cap: u64,
) -> StrategyResult {
    let threads = if t.is_parallel() {
        ScanOptions::new().threads(cfg.threads).get_threads()
    } else {
        1
    };
    let expected = fx.manifest.counts.media_files;
    let mut row = StrategyResult {
        strategy: t.name().into(),
        fixture: fixture.into(),
        parallel: t.is_parallel(),
        threads,
        status: RunStatus::Ok,
        files_found: 0,
        expected_files: expected,
        errors: 0,
        heap: None,
        rss_peak_kb: None,
        time: None,
        timeline: Vec::new(),
        slope_bytes_per_file: None,
        verdicts: Verdicts {
            within_limit: true,
            stable: None,
            count_correct: false,
        },
        top_sites: Vec::new(),
    };
    if let Target::Strategy(s) = t {
        if let Err(why) = s.supports(&ScanOptions::new().strategy(s)) {
            row.status = RunStatus::Unsupported(why.into());
            return row;
        }
    }
    let base = |mode: &str| {
        vec![
            "--mode".into(),
            mode.into(),
            "--strategy".into(),
            t.name().into(),
            "--root".into(),
            fx.root.display().to_string(),
            "--threads".into(),
            threads.to_string(),
            "--cap-bytes".into(),
            cap.to_string(),
            "--sample-every".into(),
            cfg.sample_every.to_string(),
            "--expected".into(),
            expected.to_string(),
            "--consumer-us".into(),
            cfg.consumer_us.to_string(),
        ]
    };
    // Heap.
    let heap_runs = match t {
        Target::Pool => cfg
            .pool_heap_runs
            .unwrap_or(cfg.heap_runs_parallel)
            .clamp(1, cfg.heap_runs_parallel.max(1)),
        _ if t.is_parallel() => cfg.heap_runs_parallel.max(1),
        _ => 1,
    };
    let mut heap: Option<HeapFigures> = None;
    for run in 0..heap_runs {
        let mut args = base("heap");
        if let Some(dir) = &cfg.dhat_out {
            let f = dir.join(format!("dhat-{fixture}-{}-{run}.json", t.name()));
            args.push("--dhat-file".into());
            args.push(f.display().to_string());
        }
        match run_child(exe, &args) {
            Ok(out) => {
                row.files_found = out.files;
                row.errors = out.errors;
                if let Some(h) = out.heap {
                    let replace = heap.as_ref().is_none_or(|cur| h.max_bytes > cur.max_bytes);
                    let runs = heap.as_ref().map(|c| c.runs.clone()).unwrap_or_default();
                    if replace {
                        heap = Some(HeapFigures {
                            max_bytes: h.max_bytes,
                            max_blocks: h.max_blocks,
                            total_bytes: h.total_bytes,
                            total_blocks: h.total_blocks,
                            runs,
                        });
                        row.timeline = out.timeline;
                    }
                    if let Some(cur) = heap.as_mut() {
                        cur.runs.push(h.max_bytes);
                    }
                }
            }
            Err(ChildFailure::Cap) => {
                row.status = RunStatus::ExceededLimit;
                row.verdicts.within_limit = false;
                return row;
            }
            Err(ChildFailure::Failed(msg)) => {
                row.status = RunStatus::Failed(msg);
                return row;
            }
        }
    }
    row.heap = heap;
    // Time.
    let mut args = base("time");
    args.push("--runs".into());
    args.push(cfg.runs.max(1).to_string());
    match run_child(exe, &args) {
        Ok(out) => {
            let wall_ms: Vec<f64> = out.wall_ns.iter().map(|&n| n as f64 / 1e6).collect();
            let med = stats::median(&wall_ms).unwrap_or(0.0);
            row.time = Some(TimeFigures {
                median_ms: med,
                min_ms: wall_ms.iter().copied().fold(f64::INFINITY, f64::min),
                max_ms: wall_ms.iter().copied().fold(0.0, f64::max),
                files_per_sec: if med > 0.0 {
                    out.files as f64 / (med / 1e3)
                } else {
                    0.0
                },
                wall_ms,
            });
            row.rss_peak_kb = out.vmhwm_kb;
            // RSS from the timing child (dhat inflates the heap child's RSS).
            for sample in row.timeline.iter_mut() {
                if let Some(t) = out.timeline.iter().find(|t| t.files == sample.files) {
                    sample.rss_kb = t.rss_kb;
                }
            }
            if out.files != row.files_found {
                row.status = RunStatus::Failed(format!(
                    "heap run found {} files, timing run {}",
                    row.files_found, out.files
                ));
            }
        }
        Err(ChildFailure::Cap) => {
            row.status = RunStatus::ExceededLimit;
            row.verdicts.within_limit = false;
            return row;
        }
        Err(ChildFailure::Failed(msg)) => {
            row.status = RunStatus::Failed(msg);
            return row;
        }
    }
    let points: Vec<(f64, f64)> = row
        .timeline
        .iter()
        .map(|t| (t.files as f64, t.heap_bytes as f64))
        .collect();
    row.slope_bytes_per_file = if points.len() >= 3 {
        stats::slope(&points)
    } else {
        None
    };
    row.verdicts = Verdicts {
        within_limit: row
            .heap
            .as_ref()
            .is_some_and(|h| h.max_bytes <= cfg.limit_bytes),
        stable: row.slope_bytes_per_file.map(|s| {
            let peak = row.heap.as_ref().map_or(0, |h| h.max_bytes) as f64;
            s < STABLE_SLOPE || s * (row.files_found as f64) < NOISE_SHARE * peak
        }),
        count_correct: row.files_found == expected,
    };
    row
}

fn growth(results: &[StrategyResult], names: &[&str]) -> Vec<Growth> {
    names
        .iter()
        .map(|&name| {
            let mut points: Vec<(u64, u64)> = results
                .iter()
                .filter(|r| r.strategy == name)
                .filter_map(|r| r.heap.as_ref().map(|h| (r.expected_files, h.max_bytes)))
                .collect();
            points.sort_unstable();
            let xy: Vec<(f64, f64)> = points.iter().map(|&(x, y)| (x as f64, y as f64)).collect();
            Growth {
                strategy: name.into(),
                bytes_per_file: stats::slope(&xy),
                points,
            }
        })
        .collect()
}

fn verdict(results: &[StrategyResult], limit: u64) -> Verdict {
    let mut reasons = Vec::new();
    for r in results {
        let who = format!("{} on {}", r.strategy, r.fixture);
        match &r.status {
            RunStatus::Ok => {}
            RunStatus::Unsupported(_) => continue,
            RunStatus::ExceededLimit => {
                reasons.push(format!(
                    "{who}: exceeded the {} MB limit",
                    limit / 1_000_000
                ));
                continue;
            }
            RunStatus::Failed(m) => {
                reasons.push(format!("{who}: failed: {m}"));
                continue;
            }
        }
        if !r.verdicts.within_limit {
            reasons.push(format!(
                "{who}: peak heap {} bytes over the {limit}-byte limit",
                r.heap.as_ref().map_or(0, |h| h.max_bytes)
            ));
        }
        if !r.verdicts.count_correct {
            reasons.push(format!(
                "{who}: found {} media files, the manifest says {}",
                r.files_found, r.expected_files
            ));
        }
    }
    Verdict {
        pass: reasons.is_empty(),
        reasons,
    }
}

/// Runs the profile that `gate` checks when it is given no report: the
/// baseline's fixtures (generated or reused through
/// [`fixtures::ensure`](crate::fixtures::ensure), so `ANIVAULT_FIXTURES_DIR`
/// moves them) and the baseline's strategies, one timed run each, the
/// baseline's limit.
pub fn profile_for_gate(baseline: &Report) -> Result<Report, String> {
    let mut fixtures = Vec::new();
    for f in &baseline.fixtures {
        let fx = crate::fixtures::ensure(&f.preset)
            .map_err(|e| format!("fixture '{}': {e}", f.preset))?;
        fixtures.push((f.preset.clone(), fx));
    }
    if fixtures.is_empty() {
        return Err("the baseline names no fixture".into());
    }
    let mut strategies = Vec::new();
    let mut pool = false;
    for r in &baseline.results {
        if r.strategy == POOL {
            pool = true;
            continue;
        }
        let s: Strategy = r
            .strategy
            .parse()
            .map_err(|e| format!("baseline row '{}': {e}", r.strategy))?;
        if s.availability().is_ok() && !strategies.contains(&s) {
            strategies.push(s);
        }
    }
    let mut cfg = ProfileConfig::new(fixtures);
    cfg.strategies = strategies;
    cfg.pool = pool;
    cfg.limit_bytes = baseline.limit_bytes;
    cfg.runs = 1;
    cfg.verbose = std::io::IsTerminal::is_terminal(&std::io::stderr());
    profile(&cfg)
}
