//! Memory and time profiling of the strategies: one child process per
//! measurement (see [`child`], spoken to through [`protocol`]), figures
//! gathered into a [`Report`].
//!
//! For each fixture × row:
//! 1. heap: a child with dhat's allocator enters the root, scans `.` once
//!    (parallel rows: `heap_runs` times, the max is kept) and samples live
//!    heap on a clock;
//! 2. time: a child with the system allocator scans `runs` times (after a
//!    warm-up scan in this process, so the cache is warm) and reports wall
//!    times, RSS samples and its own `VmHWM`;
//! 3. verdicts: within the limit, count equal to the manifest's; across
//!    fixture sizes, streaming or growing ([`crate::verdict`]).
//!
//! Every child runs under an allocation cap a little above the limit
//! ([`CAP_FACTOR`]), so a runaway strategy ends as "exceeded limit".

pub mod alloc;
pub mod child;
pub mod netfs;
pub mod protocol;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use anivault_scanner::{ScanOptions, Strategy};

use crate::command::suite::{Planned, Target};
use crate::command::{self, CommandRows, RowOptions};
use crate::generator::Fixture;
use crate::host;
use crate::report::{
    FixtureInfo, Growth, HeapFigures, Report, RunStatus, StrategyResult, TimeFigures, Verdict,
    Verdicts, SCHEMA, SCHEMA_VERSION,
};
use crate::stats;
use crate::subject::{Row, Subject};
use protocol::{ChildOutput, Mode, Request, Response};

/// The hard limit of the design: 500 MB (10^6 bytes) of peak heap.
pub const DEFAULT_LIMIT_BYTES: u64 = 500_000_000;
/// The allocation cap of a child is the limit times this.
pub const CAP_FACTOR: f64 = 1.1;
/// The default busy-wait of a slow-consumer row, microseconds per result.
pub const DEFAULT_SLOW_CONSUMER_US: u64 = 20;

/// What to profile.
#[derive(Debug, Clone)]
pub struct ProfileConfig {
    /// Fixtures (name, fixture), smallest first.
    pub fixtures: Vec<(String, Fixture)>,
    /// Strategies to measure.
    pub strategies: Vec<Strategy>,
    /// Also measure ScanParsePool (row `pool`).
    pub pool: bool,
    /// Slow-consumer variant rows (`NAME+slow`), after the others: the
    /// bounded queues of a parallel row fill completely behind a slow
    /// consumer, so its peak is the queues' full size, run after run.
    pub slow_rows: Vec<Row>,
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
    /// Timing runs: sample RSS every N files.
    pub sample_every: u64,
    /// Heap runs: sample live heap every this many milliseconds.
    pub sample_ms: u64,
    /// Where to keep dhat's JSON per run (none: not written).
    pub dhat_out: Option<PathBuf>,
    /// Print progress lines to stderr.
    pub verbose: bool,
    /// A slow consumer for every row that is not a `+slow` row: busy-wait
    /// this many microseconds per result (0: none).
    pub consumer_us: u64,
    /// The measuring child's executable (none: this executable, which must
    /// then be `anivault-bench`).
    pub child_exe: Option<PathBuf>,
    /// Foreign command rows (`--cmd`, `--reference`), measured on every
    /// fixture after our rows.
    pub commands: Vec<Planned>,
    /// How the command rows run (their limit is `limit_bytes`, set when
    /// they run).
    pub command_options: RowOptions,
    /// Measure the rows behind a netfs mount of each fixture with this
    /// latency per request (none: on the tree itself).
    pub netfs: Option<std::time::Duration>,
}

impl ProfileConfig {
    /// Defaults for these fixtures: every available strategy, 500 MB, 3 runs.
    pub fn new(fixtures: Vec<(String, Fixture)>) -> Self {
        ProfileConfig {
            fixtures,
            strategies: Strategy::available(),
            pool: true,
            slow_rows: Vec::new(),
            pool_heap_runs: None,
            limit_bytes: DEFAULT_LIMIT_BYTES,
            runs: 3,
            heap_runs_parallel: 3,
            threads: 0,
            sample_every: 1000,
            sample_ms: 2,
            dhat_out: None,
            verbose: false,
            consumer_us: 0,
            child_exe: None,
            commands: Vec::new(),
            command_options: RowOptions::default(),
            netfs: None,
        }
    }

    /// Adds a `+slow` row, busy-waiting `consumer_us` per result, for every
    /// parallel subject measured (parallel strategies and the pool).
    pub fn add_slow_rows(&mut self, consumer_us: u64) {
        let mut subjects: Vec<Subject> = self
            .strategies
            .iter()
            .map(|&s| Subject::Strategy(s))
            .collect();
        if self.pool {
            subjects.push(Subject::Pool);
        }
        subjects.retain(|s| s.is_parallel());
        self.push_slow_rows(subjects, consumer_us);
    }

    /// Adds a `+slow` row for each of `subjects`; `Err` names one that is
    /// not parallel (a single-thread walk has no queue to fill) or not
    /// measured by this configuration.
    pub fn add_slow_rows_for(
        &mut self,
        subjects: &[Subject],
        consumer_us: u64,
    ) -> Result<(), String> {
        for &s in subjects {
            if !s.is_parallel() {
                return Err(format!(
                    "'{}' is single-threaded: it has no queue a slow consumer could fill",
                    s.name()
                ));
            }
            let measured = match s {
                Subject::Strategy(st) => self.strategies.contains(&st),
                Subject::Pool => self.pool,
            };
            if !measured {
                return Err(format!(
                    "'{}' is not among the rows measured (--strategies)",
                    s.name()
                ));
            }
        }
        self.push_slow_rows(subjects.to_vec(), consumer_us);
        Ok(())
    }

    fn push_slow_rows(&mut self, subjects: Vec<Subject>, consumer_us: u64) {
        for subject in subjects {
            let row = Row {
                subject,
                slow: true,
                consumer_us,
            };
            if !self.slow_rows.iter().any(|r| r.name() == row.name()) {
                self.slow_rows.push(row);
            }
        }
    }

    /// Every row, in report order: strategies, the pool, the slow rows.
    pub fn rows(&self) -> Vec<Row> {
        let plain = |subject| Row {
            subject,
            slow: false,
            consumer_us: self.consumer_us,
        };
        let mut rows: Vec<Row> = self
            .strategies
            .iter()
            .map(|&s| plain(Subject::Strategy(s)))
            .collect();
        if self.pool {
            rows.push(plain(Subject::Pool));
        }
        rows.extend(self.slow_rows.iter().copied());
        rows
    }
}

/// Why a child could not be measured.
enum ChildFailure {
    Cap,
    Failed(String),
}

/// Runs one measuring child: the request on its stdin, the response from
/// its stdout.
fn run_child(exe: &Path, req: &Request) -> Result<ChildOutput, ChildFailure> {
    let request = serde_json::to_vec(req)
        .map_err(|e| ChildFailure::Failed(format!("cannot encode the request: {e}")))?;
    let mut child = Command::new(exe)
        .arg("profile-child")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| ChildFailure::Failed(format!("cannot start {}: {e}", exe.display())))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A child that died early closes the pipe: its status says why.
        let _ = stdin.write_all(&request);
    }
    let out = child
        .wait_with_output()
        .map_err(|e| ChildFailure::Failed(format!("cannot wait for the child: {e}")))?;
    if out.status.code() == Some(alloc::EXIT_CAP_EXCEEDED) {
        return Err(ChildFailure::Cap);
    }
    let stderr_tail = || {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(3).collect();
        tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
    };
    if !out.status.success() {
        return Err(ChildFailure::Failed(format!(
            "child exited with {}: {}",
            out.status,
            stderr_tail()
        )));
    }
    let response: Response = serde_json::from_slice(&out.stdout).map_err(|e| {
        ChildFailure::Failed(format!("unreadable child output: {e}; {}", stderr_tail()))
    })?;
    response.map_err(ChildFailure::Failed)
}

/// Profiles every row on every fixture.
pub fn profile(cfg: &ProfileConfig) -> Result<Report, String> {
    let exe = match &cfg.child_exe {
        Some(p) => p.clone(),
        None => std::env::current_exe().map_err(|e| format!("cannot find own executable: {e}"))?,
    };
    let created_unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let cap = (cfg.limit_bytes as f64 * CAP_FACTOR) as u64;
    let rows = cfg.rows();
    let mut fixtures = Vec::new();
    let mut results = Vec::new();
    let mounter = cfg.netfs.map(netfs::Mounter::new).transpose()?;
    for (name, fx) in &cfg.fixtures {
        // --netfs: the fixture behind a latency mount for its rows
        // (unmounted when `mount` drops, at the end of this iteration).
        let mount = match &mounter {
            Some(m) => Some(m.mount(name, &fx.root)?),
            None => None,
        };
        let root = mount.as_ref().map_or(fx.root.as_path(), |m| m.path());
        // Warm the cache, as every timed run after it sees it.
        for _ in ScanOptions::new().scan(root) {}
        fixtures.push(FixtureInfo {
            preset: name.clone(),
            spec_hash: fx.manifest.spec_hash.clone(),
            root: root.display().to_string(),
            fs_type: host::fs_type(root),
            cache: "warm".into(),
            files_total: fx.manifest.counts.files,
            media_files: fx.manifest.counts.media_files,
        });
        for row in &rows {
            if cfg.verbose {
                eprintln!("profile: {name} × {}", row.name());
            }
            results.push(profile_one(cfg, &exe, name, fx, root, *row, cap));
        }
        if let (Some(mounter), Some(m)) = (&mounter, mount) {
            mounter.unmount(name, m)?;
        }
    }
    let names: Vec<String> = rows.iter().map(Row::name).collect();
    let growth = growth(&results, &names, cfg.limit_bytes);
    let mut verdict = verdict(&results, cfg.limit_bytes);
    let commands = command_rows(cfg)?;
    verdict.reasons.extend(commands.problems());
    verdict.pass = verdict.reasons.is_empty();
    Ok(Report {
        schema: SCHEMA.into(),
        schema_version: SCHEMA_VERSION,
        tool_version: env!("CARGO_PKG_VERSION").into(),
        created_unix,
        host: host::host(),
        limit_bytes: cfg.limit_bytes,
        scanned_relative_to_root: true,
        netfs_latency: cfg.netfs.map(|d| format!("{d:?}")),
        fixtures,
        results,
        growth,
        verdict,
        commands,
    })
}

/// The command rows of `cfg` on its fixtures (none: empty). `Err` names a
/// program that cannot be run.
fn command_rows(cfg: &ProfileConfig) -> Result<CommandRows, String> {
    if cfg.commands.is_empty() {
        return Ok(CommandRows::default());
    }
    let targets: Vec<Target> = cfg
        .fixtures
        .iter()
        .map(|(name, fx)| Target {
            fixture: name.clone(),
            root: fx.root.clone(),
            expected: Some(fx.manifest.counts.media_files),
        })
        .collect();
    let opts = RowOptions {
        limit_bytes: cfg.limit_bytes,
        ..cfg.command_options.clone()
    };
    let verbose = cfg.verbose;
    command::suite::run_all(&cfg.commands, &targets, &opts, &mut |m| {
        if verbose {
            eprintln!("profile: {m}");
        }
    })
    .map_err(|e| e.to_string())
}

/// The row before anything is measured.
fn empty_row(fixture: &str, row: Row, threads: usize, expected: u64) -> StrategyResult {
    let mut r = StrategyResult::unmeasured(
        row.name(),
        fixture.into(),
        row.subject.is_parallel(),
        threads,
        expected,
    );
    r.consumer_us = row.consumer_us;
    r
}

fn profile_one(
    cfg: &ProfileConfig,
    exe: &Path,
    fixture: &str,
    fx: &Fixture,
    root: &Path,
    r: Row,
    cap: u64,
) -> StrategyResult {
    let threads = if r.subject.is_parallel() {
        ScanOptions::new().threads(cfg.threads).get_threads()
    } else {
        1
    };
    let expected = fx.manifest.counts.media_files;
    let mut row = empty_row(fixture, r, threads, expected);
    if let Subject::Strategy(s) = r.subject {
        if let Err(why) = s.supports(&ScanOptions::new().strategy(s)) {
            row.status = RunStatus::Unsupported(why.into());
            return row;
        }
    }
    let request = |mode| {
        let mut req = Request::new(mode, r.subject, root.to_path_buf());
        req.threads = threads;
        req.cap_bytes = usize::try_from(cap).unwrap_or(usize::MAX);
        req.sample_every = cfg.sample_every;
        req.sample_ms = cfg.sample_ms;
        req.consumer_us = r.consumer_us;
        req
    };
    let failed = |mut row: StrategyResult, f: ChildFailure| {
        match f {
            ChildFailure::Cap => {
                row.status = RunStatus::ExceededLimit;
                row.verdicts.within_limit = false;
            }
            ChildFailure::Failed(msg) => {
                row.error_samples = vec![msg.clone()];
                row.status = RunStatus::Failed(msg);
            }
        }
        row
    };
    if let Err(f) = heap_runs(cfg, exe, fixture, r, &mut row, request(Mode::Heap)) {
        return failed(row, f);
    }
    let mut req = request(Mode::Time);
    req.runs = cfg.runs.max(1);
    if let Err(f) = time_run(exe, &mut row, &req) {
        return failed(row, f);
    }
    judge_row(&mut row, cfg.limit_bytes);
    row
}

/// The dhat runs of a row (parallel rows: several, the max is kept, with
/// its timeline).
fn heap_runs(
    cfg: &ProfileConfig,
    exe: &Path,
    fixture: &str,
    r: Row,
    row: &mut StrategyResult,
    base: Request,
) -> Result<(), ChildFailure> {
    let runs = match r.subject {
        Subject::Pool => cfg
            .pool_heap_runs
            .unwrap_or(cfg.heap_runs_parallel)
            .clamp(1, cfg.heap_runs_parallel.max(1)),
        _ if r.subject.is_parallel() => cfg.heap_runs_parallel.max(1),
        _ => 1,
    };
    let mut heap: Option<HeapFigures> = None;
    for run in 0..runs {
        let mut req = base.clone();
        if let Some(dir) = &cfg.dhat_out {
            let f = dir.join(format!("dhat-{fixture}-{}-{run}.json", row.strategy));
            // The child works inside the root: give it an absolute path.
            let f = std::path::absolute(&f)
                .map_err(|e| ChildFailure::Failed(format!("'{}': {e}", f.display())))?;
            req.dhat_file = Some(f.into());
        }
        let out = run_child(exe, &req)?;
        row.files_found = out.files;
        row.errors = out.errors;
        row.error_samples = out.error_samples;
        let Some(h) = out.heap else { continue };
        let runs_so_far = heap.as_ref().map(|c| c.runs.clone()).unwrap_or_default();
        if heap.as_ref().is_none_or(|cur| h.max_bytes > cur.max_bytes) {
            heap = Some(HeapFigures {
                max_bytes: h.max_bytes,
                max_blocks: h.max_blocks,
                total_bytes: h.total_bytes,
                total_blocks: h.total_blocks,
                runs: runs_so_far,
            });
            row.timeline = out.timeline;
        }
        if let Some(cur) = heap.as_mut() {
            cur.runs.push(h.max_bytes);
        }
    }
    row.heap = heap;
    Ok(())
}

/// The timing run of a row (system allocator): wall times, RSS, `VmHWM`.
fn time_run(exe: &Path, row: &mut StrategyResult, req: &Request) -> Result<(), ChildFailure> {
    let out = run_child(exe, req)?;
    let wall_ms: Vec<f64> = out.wall_ns.iter().map(|&n| n as f64 / 1e6).collect();
    let spread = stats::summary(&wall_ms);
    let med = spread.median;
    row.time = Some(TimeFigures {
        median_ms: med,
        min_ms: spread.min,
        max_ms: spread.max,
        files_per_sec: if med > 0.0 {
            out.files as f64 / (med / 1e3)
        } else {
            0.0
        },
        wall_ms,
    });
    row.rss_peak_kb = out.vmhwm_kb;
    row.rss_timeline = out.timeline;
    if out.files != row.files_found {
        row.status = RunStatus::Failed(format!(
            "heap run found {} files, timing run {}",
            row.files_found, out.files
        ));
    }
    Ok(())
}

/// The per-row verdicts and the within-run slope.
fn judge_row(row: &mut StrategyResult, limit: u64) {
    let points: Vec<(f64, f64)> = row
        .timeline
        .iter()
        .filter(|t| t.files > 0)
        .map(|t| (t.files as f64, t.heap_bytes as f64))
        .collect();
    row.slope_bytes_per_file = if points.len() >= 3 {
        stats::slope(&points)
    } else {
        None
    };
    row.verdicts = Verdicts {
        within_limit: row.heap.as_ref().is_some_and(|h| h.max_bytes <= limit),
        count_correct: row.files_found == row.expected_files,
    };
}

fn growth(results: &[StrategyResult], names: &[String], limit: u64) -> Vec<Growth> {
    names
        .iter()
        .map(|name| {
            let mut points: Vec<(u64, u64)> = results
                .iter()
                .filter(|r| &r.strategy == name && r.status == RunStatus::Ok)
                .filter_map(|r| r.heap.as_ref().map(|h| (r.expected_files, h.max_bytes)))
                .collect();
            points.sort_unstable();
            let streaming = crate::verdict::judge(&points, limit);
            Growth {
                strategy: name.clone(),
                bytes_per_file: streaming.bytes_per_file,
                points,
                streaming,
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
/// [`generator::ensure`](crate::generator::ensure), so `ANIVAULT_FIXTURES_DIR`
/// moves them) and the baseline's rows (slow-consumer variants with the
/// consumer they recorded), one timed run each, the baseline's limit.
pub fn profile_for_gate(baseline: &Report) -> Result<Report, String> {
    profile_for_gate_with(baseline, Vec::new(), None)
}

/// [`profile_for_gate`] with command rows: the baseline's command rows run
/// again as they ran (one warm-up, one timed run), except that a row of
/// `commands` with the same name replaces the baseline's template, and a
/// row of `commands` with another name is added (run with `options`).
pub fn profile_for_gate_with(
    baseline: &Report,
    commands: Vec<Planned>,
    options: Option<RowOptions>,
) -> Result<Report, String> {
    let mut fixtures = Vec::new();
    for f in &baseline.fixtures {
        let fx = crate::generator::ensure(&f.preset)
            .map_err(|e| format!("fixture '{}': {e}", f.preset))?;
        fixtures.push((f.preset.clone(), fx));
    }
    if fixtures.is_empty() {
        return Err("the baseline names no fixture".into());
    }
    let mut cfg = ProfileConfig::new(fixtures);
    cfg.strategies = Vec::new();
    cfg.pool = false;
    for r in &baseline.results {
        let row = Row::parse(&r.strategy, r.consumer_us)
            .map_err(|e| format!("baseline row '{}': {e}", r.strategy))?;
        if let Subject::Strategy(s) = row.subject {
            if s.availability().is_err() {
                continue;
            }
        }
        if row.slow {
            if !cfg.slow_rows.iter().any(|x| x.name() == row.name()) {
                cfg.slow_rows.push(row);
            }
            continue;
        }
        match row.subject {
            Subject::Pool => cfg.pool = true,
            Subject::Strategy(s) if !cfg.strategies.contains(&s) => cfg.strategies.push(s),
            Subject::Strategy(_) => {}
        }
    }
    let mut planned: Vec<Planned> = Vec::new();
    for r in &baseline.commands.rows {
        if planned.iter().any(|p| p.name() == r.name) {
            continue;
        }
        match commands.iter().find(|p| p.name() == r.name) {
            Some(p) => planned.push(p.clone()),
            None => planned.push(Planned::again(r)?),
        }
    }
    for p in commands {
        if !planned.iter().any(|q| q.name() == p.name()) {
            planned.push(p);
        }
    }
    cfg.commands = planned;
    if let Some(o) = options {
        cfg.command_options = o;
    }
    cfg.command_options.runs = 1;
    cfg.limit_bytes = baseline.limit_bytes;
    cfg.runs = 1;
    cfg.verbose = std::io::IsTerminal::is_terminal(&std::io::stderr());
    profile(&cfg)
}
