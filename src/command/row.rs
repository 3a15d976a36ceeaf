//! Command rows: a [`CmdTemplate`] measured on a fixture the way our
//! strategy rows are, and its growth across library sizes.
//!
//! For one fixture, [`measure`] runs the command `warmup + runs` times
//! through [`CommandSpec`], each run with its stdout piped and its records
//! counted as they arrive (lines, or NUL-terminated with
//! [`Records::Nul`]), its `VmRSS` sampled on a clock together with the
//! records read so far, its RSS capped at [`CAP_FACTOR`] × the limit (a
//! command past it is killed by the sampler: "exceeded limit"), and an
//! optional timeout. It keeps:
//!
//! * wall times of the timed runs (median, min, max; files/s at the
//!   median) and the median user and system CPU time;
//! * the **exact peak RSS** of every run (the command's own `VmHWM` at its
//!   exit stop; with `tree`, the highest of any process of its tree), and
//!   the maximum over them, which the gate compares;
//! * the records printed, checked against the manifest's media count: a
//!   different count, a count that differs between runs, or nothing
//!   printed is a **failed count**, shown in the row, never hidden;
//! * the RSS timeline (RSS against records read) of the run with the
//!   highest peak, and its least-squares slope in bytes per record.
//!
//! A run that fails (non-zero exit, a signal, the cap, the timeout, a peak
//! that cannot be read) ends the row: its status says how, with the last
//! lines of stderr, and its figures are those of that run.
//!
//! [`growth`] then judges each row across fixtures with
//! [`crate::verdict::judge`], the rule of our strategy rows applied to the
//! peak RSS: ✓ streaming, or ✗ grows with the projected library size at
//! the limit.

use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{
    CmdTemplate, CommandError, CommandSpec, Finished, Outcome, Records, Sample,
    DEFAULT_SAMPLE_EVERY,
};
use crate::stats;
use crate::verdict::{self, StreamingVerdict};

/// The RSS at which a command is killed is the limit times this (the
/// factor of the allocation cap of our own measuring children,
/// `profile::CAP_FACTOR`).
pub const CAP_FACTOR: f64 = 1.1;

/// The design's limit, 500 MB (10^6 bytes), here on peak RSS.
pub const DEFAULT_LIMIT_BYTES: u64 = 500_000_000;

/// Lines of stderr kept for a failed row.
pub const STDERR_LINES: usize = 10;

/// How command rows are run.
#[derive(Debug, Clone, PartialEq)]
pub struct RowOptions {
    /// Timed runs per fixture (the median wall time is reported).
    pub runs: usize,
    /// Untimed runs before them (measured and checked all the same).
    pub warmup: usize,
    /// How records are separated on stdout.
    pub records: Records,
    /// The RSS timeline's sampling interval.
    pub sample_every: Duration,
    /// The limit on peak RSS, bytes; the command is killed past
    /// [`CAP_FACTOR`] times it.
    pub limit_bytes: u64,
    /// Kill a run after this long.
    pub timeout: Option<Duration>,
    /// Trace the command's descendants and threads too (their highest
    /// peak counts).
    pub tree: bool,
}

impl Default for RowOptions {
    /// 1 warm-up, 3 runs, lines, 10 ms, 500 MB, no timeout, no tree.
    fn default() -> Self {
        RowOptions {
            runs: 3,
            warmup: 1,
            records: Records::Lines,
            sample_every: DEFAULT_SAMPLE_EVERY,
            limit_bytes: DEFAULT_LIMIT_BYTES,
            timeout: None,
            tree: false,
        }
    }
}

impl RowOptions {
    /// The RSS at which a run is killed, bytes.
    pub fn cap_bytes(&self) -> u64 {
        (self.limit_bytes as f64 * CAP_FACTOR) as u64
    }
}

/// How a command row turned out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", content = "detail", rename_all = "snake_case")]
pub enum CommandStatus {
    /// Every run exited 0 within the limits and its peak was read.
    Ok,
    /// A run exited non-zero or was killed by a signal (exit and stderr
    /// tail).
    Failed(String),
    /// A run's RSS passed the cap and it was killed (or its peak read at
    /// exit was above it).
    ExceededLimit {
        /// The RSS that passed the cap, bytes.
        seen_bytes: u64,
        /// The cap, bytes.
        cap_bytes: u64,
    },
    /// A run was killed by the timeout.
    TimedOut {
        /// The timeout, milliseconds.
        after_ms: u64,
    },
    /// The peak RSS could not be read (why).
    NotMeasured(String),
    /// Not run (why: e.g. `python3` is not installed).
    Skipped(String),
}

impl CommandStatus {
    /// What a report shows: `ok`, `failed (exit 3): …`, `exceeded limit
    /// (RSS … > …)`, `timed out after 2 s`, `not measured: …`, `skipped: …`.
    pub fn text(&self) -> String {
        const MIB: f64 = 1048576.0;
        match self {
            CommandStatus::Ok => "ok".into(),
            CommandStatus::Failed(m) => m.clone(),
            CommandStatus::ExceededLimit {
                seen_bytes,
                cap_bytes,
            } => format!(
                "exceeded limit (RSS {:.1} MiB > {:.1} MiB), killed",
                *seen_bytes as f64 / MIB,
                *cap_bytes as f64 / MIB
            ),
            CommandStatus::TimedOut { after_ms } => {
                format!("timed out after {} s", *after_ms as f64 / 1e3)
            }
            CommandStatus::NotMeasured(m) => format!("peak RSS not measured: {m}"),
            CommandStatus::Skipped(m) => format!("skipped: {m}"),
        }
    }
}

/// Wall and CPU time of the timed runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandTime {
    /// Wall time of each timed run, milliseconds.
    pub wall_ms: Vec<f64>,
    /// Median of `wall_ms`.
    pub median_ms: f64,
    /// Minimum of `wall_ms`.
    pub min_ms: f64,
    /// Maximum of `wall_ms`.
    pub max_ms: f64,
    /// Median user CPU time, milliseconds.
    pub user_ms: f64,
    /// Median system CPU time, milliseconds.
    pub sys_ms: f64,
    /// Records printed per second at the median.
    pub files_per_sec: f64,
}

/// The peak over a process tree (`--tree`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeFigures {
    /// Processes traced in the run with the highest peak.
    pub processes: usize,
    /// Of those, processes whose peak could not be read.
    pub unmeasured: usize,
}

/// One command on one fixture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandRow {
    /// Row name (`NAME` of `--cmd NAME=…`).
    pub name: String,
    /// Fixture preset name.
    pub fixture: String,
    /// The template as given.
    pub template: String,
    /// The command line run on this fixture (quoted for display).
    pub command: String,
    /// Run by `sh -c`.
    pub shell: bool,
    /// Descendants traced too.
    pub tree: bool,
    /// `lines` or `nul`.
    pub records_mode: Records,
    /// The timeout of a run, milliseconds (`None`: none).
    pub timeout_ms: Option<u64>,
    /// How it turned out.
    #[serde(flatten)]
    pub status: CommandStatus,
    /// Records printed (the last run's; `None` when never counted).
    pub files_found: Option<u64>,
    /// Media files the manifest says are there (`None`: not known).
    pub expected_files: Option<u64>,
    /// `files_found == expected_files` and every run printed as many.
    pub count_correct: bool,
    /// Why the count is wrong, when it is (nothing printed, a mismatch,
    /// runs that disagree).
    pub count_note: Option<String>,
    /// Peak RSS, bytes: the maximum of `peak_rss_runs`.
    pub peak_rss_bytes: Option<u64>,
    /// The peak RSS of every run, warm-ups included, bytes.
    pub peak_rss_runs: Vec<u64>,
    /// With `tree`: how many processes the peak is the maximum over.
    pub tree_figures: Option<TreeFigures>,
    /// The limit on peak RSS, bytes.
    pub limit_bytes: u64,
    /// `peak_rss_bytes` at most `limit_bytes`.
    pub within_limit: bool,
    /// Timing of the timed runs (`None` when none completed).
    pub time: Option<CommandTime>,
    /// RSS against records read, sampled every `sample_ms`, of the run
    /// with the highest peak.
    pub timeline: Vec<Sample>,
    /// The sampling interval, milliseconds.
    pub sample_ms: u64,
    /// Least-squares slope of the timeline's RSS against records, bytes
    /// per record (`None` with fewer than 3 samples with records). Not a
    /// verdict: that comes from peaks across sizes.
    pub slope_bytes_per_file: Option<f64>,
    /// The last lines of stderr of the last run (a failed run's, if any).
    pub stderr_tail: String,
    /// A row that failed: the wall time of the run that failed, ms (how
    /// soon a command past the cap or the timeout was killed).
    pub failed_after_ms: Option<f64>,
}

impl CommandRow {
    /// The template this row ran, parsed back (for the gate, which runs a
    /// baseline's rows again).
    pub fn to_template(&self) -> Result<CmdTemplate, super::TemplateError> {
        CmdTemplate::parse(&format!("{}={}", self.name, self.template), self.shell)
    }

    /// A row that was not run (e.g. its interpreter is missing).
    pub fn skipped(
        name: &str,
        fixture: &str,
        template: &str,
        expected: Option<u64>,
        why: &str,
    ) -> CommandRow {
        CommandRow::blank(
            name,
            fixture,
            template,
            expected,
            CommandStatus::Skipped(why.into()),
        )
    }

    /// A row with `status` and no figures yet: nothing counted, measured
    /// or timed, run in no shell, lines as records, no timeout.
    fn blank(
        name: &str,
        fixture: &str,
        template: &str,
        expected: Option<u64>,
        status: CommandStatus,
    ) -> CommandRow {
        CommandRow {
            name: name.into(),
            fixture: fixture.into(),
            template: template.into(),
            command: String::new(),
            shell: false,
            tree: false,
            records_mode: Records::Lines,
            timeout_ms: None,
            status,
            files_found: None,
            expected_files: expected,
            count_correct: false,
            count_note: None,
            peak_rss_bytes: None,
            peak_rss_runs: Vec::new(),
            tree_figures: None,
            limit_bytes: 0,
            within_limit: false,
            time: None,
            timeline: Vec::new(),
            sample_ms: 0,
            slope_bytes_per_file: None,
            stderr_tail: String::new(),
            failed_after_ms: None,
        }
    }

    /// What is wrong with this row, one line each (empty: it passes).
    /// A skipped row has no problem: it says why it was skipped.
    pub fn problems(&self) -> Vec<String> {
        let who = format!("{} on {}", self.name, self.fixture);
        match &self.status {
            CommandStatus::Skipped(_) => return Vec::new(),
            CommandStatus::Ok => {}
            s => return vec![format!("{who}: {}", s.text())],
        }
        let mut out = Vec::new();
        if !self.within_limit {
            out.push(format!(
                "{who}: peak RSS {} bytes over the {}-byte limit",
                self.peak_rss_bytes.unwrap_or(0),
                self.limit_bytes
            ));
        }
        if !self.count_correct {
            out.push(format!(
                "{who}: wrong count: {}",
                self.count_note.as_deref().unwrap_or("not counted")
            ));
        }
        out
    }
}

/// Checks that the template's program can be found (on `PATH` when it has
/// no `/`), before anything is generated or measured.
///
/// ```
/// use anivault_bench::command::{check_program, CmdTemplate};
/// let t: CmdTemplate = "x=anivault-no-such-tool {root}".parse().unwrap();
/// let e = check_program(&t).unwrap_err();
/// assert!(e.to_string().contains("'anivault-no-such-tool': program not found"));
/// assert!(check_program(&"f=find {root}".parse().unwrap()).is_ok());
/// ```
pub fn check_program(t: &CmdTemplate) -> Result<(), CommandError> {
    let program = t.program();
    let found = if Path::new(&program).components().count() > 1
        || program.as_encoded_bytes().contains(&b'/')
    {
        std::fs::metadata(&program).is_ok_and(|m| m.is_file())
    } else {
        on_path(&program).is_some()
    };
    if found {
        Ok(())
    } else {
        Err(CommandError::NotFound { program })
    }
}

/// The first executable regular file named `name` in a directory of
/// `PATH`.
pub fn on_path(name: &std::ffi::OsStr) -> Option<std::path::PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .filter(|d| !d.as_os_str().is_empty())
        .map(|d| d.join(name))
        .find(|p| {
            std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// The peak of one run: its own, or with `tree` the highest in its tree.
fn run_peak(f: &Finished, tree: bool) -> Option<u64> {
    let own = f.peak_rss;
    if !tree {
        return own;
    }
    match (own, f.tree.and_then(|t| t.max_bytes)) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Runs `t` on `root` (fixture `fixture`, `expected` media files) by
/// `opts`. `Err` only when the command cannot be run at all (its program
/// is missing: exit 2 for the caller); every other failure is a row that
/// says so.
pub fn measure(
    t: &CmdTemplate,
    fixture: &str,
    root: &Path,
    expected: Option<u64>,
    opts: &RowOptions,
) -> Result<CommandRow, CommandError> {
    let argv = t.argv(root);
    // `--shell` runs `sh -c`: the shell is not the scanner, so its tree
    // is traced.
    let tree = opts.tree || t.shell();
    let cap = opts.cap_bytes();
    let mut spec = CommandSpec::new(&argv[0])
        .args(&argv[1..])
        .records(opts.records)
        .stderr_tail(STDERR_LINES)
        .sample_every(opts.sample_every)
        .rss_limit(cap)
        .tree(tree);
    if let Some(to) = opts.timeout {
        spec = spec.timeout(to);
    }
    let mut row = CommandRow {
        command: t.display(root),
        shell: t.shell(),
        tree,
        records_mode: opts.records,
        timeout_ms: opts
            .timeout
            .map(|t| u64::try_from(t.as_millis()).unwrap_or(u64::MAX)),
        limit_bytes: opts.limit_bytes,
        sample_ms: u64::try_from(opts.sample_every.as_millis()).unwrap_or(u64::MAX),
        ..CommandRow::blank(t.name(), fixture, t.template(), expected, CommandStatus::Ok)
    };
    let mut counts: Vec<u64> = Vec::new();
    let mut timed: Vec<Finished> = Vec::new();
    let total = opts.warmup + opts.runs.max(1);
    for i in 0..total {
        let f = spec.run()?;
        row.stderr_tail = f.stderr_tail.clone();
        if let Some(n) = f.records {
            counts.push(n);
            row.files_found = Some(n);
        }
        let peak = run_peak(&f, tree);
        if let Some(p) = peak {
            row.peak_rss_runs.push(p);
            if row.peak_rss_bytes.is_none_or(|cur| p > cur) {
                row.peak_rss_bytes = Some(p);
                row.timeline = f.timeline.clone();
                row.tree_figures = f.tree.map(|t| TreeFigures {
                    processes: t.processes,
                    unmeasured: t.unmeasured,
                });
            }
        }
        let status = match f.outcome {
            Outcome::Success => match peak {
                Some(_) => CommandStatus::Ok,
                None => CommandStatus::NotMeasured(
                    f.peak_rss_missing
                        .clone()
                        .unwrap_or_else(|| "no figure".into()),
                ),
            },
            Outcome::Failed => CommandStatus::Failed(f.describe()),
            Outcome::ExceededLimit { seen_bytes, .. } => CommandStatus::ExceededLimit {
                seen_bytes,
                cap_bytes: cap,
            },
            Outcome::TimedOut { after } => CommandStatus::TimedOut {
                after_ms: u64::try_from(after.as_millis()).unwrap_or(u64::MAX),
            },
        };
        if status != CommandStatus::Ok {
            if row.timeline.is_empty() {
                row.timeline = f.timeline.clone();
            }
            row.status = status;
            row.failed_after_ms = Some(ms(f.wall));
            if i >= opts.warmup {
                timed.push(f);
            }
            break;
        }
        if i >= opts.warmup {
            timed.push(f);
        }
    }
    row.within_limit = row.peak_rss_bytes.is_some_and(|p| p <= opts.limit_bytes);
    row.slope_bytes_per_file = within_run_slope(&row.timeline);
    row.time = time_figures(&timed);
    judge_count(&mut row, &counts);
    Ok(row)
}

/// Sets `count_correct` and `count_note` from the records of every run.
fn judge_count(row: &mut CommandRow, counts: &[u64]) {
    let Some(&last) = counts.last() else {
        row.count_note = Some("no run completed".into());
        return;
    };
    if let Some(other) = counts.iter().find(|&&n| n != last) {
        row.count_note = Some(format!(
            "runs printed different counts ({other} and {last})"
        ));
        return;
    }
    let Some(e) = row.expected_files else {
        row.count_correct = true;
        row.count_note = Some("no expected count: not checked".into());
        return;
    };
    if last == e {
        row.count_correct = true;
    } else if last == 0 {
        row.count_note = Some(format!("printed nothing; the manifest has {e} media files"));
    } else {
        row.count_note = Some(format!(
            "printed {last} records; the manifest has {e} media files"
        ));
    }
}

fn within_run_slope(timeline: &[Sample]) -> Option<f64> {
    let pts: Vec<(f64, f64)> = timeline
        .iter()
        .filter(|s| s.records > 0)
        .map(|s| (s.records as f64, s.rss_bytes as f64))
        .collect();
    if pts.len() >= 3 {
        stats::slope(&pts)
    } else {
        None
    }
}

fn time_figures(runs: &[Finished]) -> Option<CommandTime> {
    let ok: Vec<&Finished> = runs
        .iter()
        .filter(|f| f.outcome == Outcome::Success)
        .collect();
    if ok.is_empty() {
        return None;
    }
    let wall: Vec<f64> = ok.iter().map(|f| ms(f.wall)).collect();
    let user: Vec<f64> = ok.iter().map(|f| ms(f.user)).collect();
    let sys: Vec<f64> = ok.iter().map(|f| ms(f.sys)).collect();
    let median = stats::median(&wall).unwrap_or(0.0);
    let records = ok.last().and_then(|f| f.records).unwrap_or(0);
    Some(CommandTime {
        median_ms: median,
        min_ms: wall.iter().copied().fold(f64::INFINITY, f64::min),
        max_ms: wall.iter().copied().fold(0.0, f64::max),
        user_ms: stats::median(&user).unwrap_or(0.0),
        sys_ms: stats::median(&sys).unwrap_or(0.0),
        files_per_sec: if median > 0.0 {
            records as f64 / (median / 1e3)
        } else {
            0.0
        },
        wall_ms: wall,
    })
}

/// Peak RSS against library size for one command, and its verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandGrowth {
    /// Row name.
    pub name: String,
    /// (media files, peak RSS bytes) per fixture, smallest first (rows
    /// that ran cleanly only).
    pub points: Vec<(u64, u64)>,
    /// ✓ streaming / ✗ grows (with the projected library size at the
    /// limit) / not judged, by [`crate::verdict::judge`].
    pub streaming: StreamingVerdict,
}

/// The growth of every command row across fixtures, rows in order of first
/// appearance, judged against `limit_bytes`.
///
/// ```
/// use anivault_bench::command::row::{growth, CommandRow};
/// use anivault_bench::verdict::Streaming;
/// let mut a = CommandRow::skipped("x", "anime-1k", "t {root}", Some(766), "");
/// a.status = anivault_bench::command::row::CommandStatus::Ok;
/// a.peak_rss_bytes = Some(14 << 20);
/// let mut b = a.clone();
/// b.fixture = "anime-10k".into();
/// b.expected_files = Some(6084);
/// b.peak_rss_bytes = Some(30 << 20);
/// let g = growth(&[a, b], 500_000_000);
/// assert_eq!(g[0].streaming.verdict, Streaming::Grows);
/// assert!(g[0].streaming.projected_files_at_limit.is_some());
/// ```
pub fn growth(rows: &[CommandRow], limit_bytes: u64) -> Vec<CommandGrowth> {
    let mut names: Vec<&str> = Vec::new();
    for r in rows {
        if !names.contains(&r.name.as_str()) {
            names.push(&r.name);
        }
    }
    names
        .into_iter()
        .map(|name| {
            let mut points: Vec<(u64, u64)> = rows
                .iter()
                .filter(|r| r.name == name && r.status == CommandStatus::Ok)
                .filter_map(|r| Some((r.expected_files.or(r.files_found)?, r.peak_rss_bytes?)))
                .collect();
            points.sort_unstable();
            CommandGrowth {
                name: name.to_string(),
                streaming: verdict::judge(&points, limit_bytes),
                points,
            }
        })
        .collect()
}
