//! `compare`: our strategies side by side with `find`, `fd` and `bfs` on
//! the same tree, as whole processes, warm or cold cache.
//!
//! * Every strategy runs as `anivault-bench scan -s S ROOT` (this very
//!   executable), printing paths to `/dev/null` as the tools do; each tool
//!   found on `PATH` runs with arguments equivalent to our default scan
//!   ([`tools`]). A tool not installed is a row that says so.
//! * First a count run per command (stdout captured, `-print0` /
//!   `--print0`, NULs counted) checks that it lists as many files as
//!   expected (the fixture's manifest, or the reference strategy's count);
//!   a mismatch is reported in the table and makes the exit status 1.
//! * Then `warmup` untimed rounds and `runs` timed rounds, the commands
//!   alternated (A B A B …) so that drift (thermal, other load) spreads over
//!   all of them. Each run is measured by [`runner`] (through
//!   [`crate::command`]): wall time, user and system time from `wait4`, and
//!   the process's own peak RSS (`VmHWM` at its ptrace exit stop; `ru_maxrss`
//!   would carry our own high-water mark into every child).
//! * Cold (`--cold`): `sync` and `echo 3 > /proc/sys/vm/drop_caches` before
//!   every run, warm-ups included; refused up front without the rights.
//! * `--threads 1,2,…` gives each parallel strategy one row per thread
//!   count (`getdents-par -j1`, `-j2`, …); single-thread strategies and the
//!   tools run once with their defaults.
//! * The floor rows (`floor-1t`, `floor-2t`, …: `anivault-bench floor -j N`,
//!   [`report::FLOOR_ABOUT`]) are the syscall floor, the least a walk of the
//!   tree takes on N threads; their count run reads the count they print,
//!   checked like every row's.
//!
//! The result is a [`report::CompareReport`] (JSON and Markdown).

pub mod netfs;
pub mod runner;
pub mod tools;

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anivault_scanner::Strategy;

use crate::command::suite::Planned;
use crate::command::{CmdTemplate, Records};
use crate::host;
use crate::report::compare::{
    self as report, CompareReport, Expected, Row, RowKind, RowStatus, Target, Timing,
};
use crate::stats;
use tools::ToolKind;

/// Whether the page cache is kept or dropped before each run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cache {
    /// Runs follow each other with whatever the kernel caches (after the
    /// count run and warm-ups, the whole tree).
    Warm,
    /// `sync` + `drop_caches` before every run.
    Cold,
}

impl Cache {
    /// `warm` or `cold`.
    pub fn name(self) -> &'static str {
        match self {
            Cache::Warm => "warm",
            Cache::Cold => "cold",
        }
    }
}

/// What to compare.
#[derive(Debug, Clone)]
pub struct CompareConfig {
    /// The root every command scans.
    pub root: PathBuf,
    /// Preset name, or `custom`.
    pub label: String,
    /// Media files expected (from a fixture manifest); `None`: take the
    /// reference strategy's count.
    pub expected: Option<u64>,
    /// Entries in the tree, when a manifest says.
    pub entries: Option<u64>,
    /// Our strategies.
    pub strategies: Vec<Strategy>,
    /// Also run ScanParsePool (`scan --parse`, row `pool`): it parses every
    /// name, so it is slower than any walker by design; shown for scale.
    pub pool: bool,
    /// Thread counts of the floor rows (`floor-Nt`), after ours; empty: no
    /// floor row.
    pub floor: Vec<usize>,
    /// External tools (each found on `PATH` or listed as not installed).
    pub tools: Vec<ToolKind>,
    /// Timed runs per command.
    pub runs: usize,
    /// Untimed rounds before the timed ones.
    pub warmup: usize,
    /// Warm or cold cache.
    pub cache: Cache,
    /// Thread counts for the parallel strategies; empty: their default
    /// (all cores).
    pub threads: Vec<usize>,
    /// The `anivault-bench` executable that runs `scan`.
    pub exe: PathBuf,
    /// Progress lines on stderr.
    pub verbose: bool,
    /// Foreign command rows (`--cmd`, `--reference`), after the tools.
    pub commands: Vec<Planned>,
    /// How the command rows print their paths (lines, or NUL with
    /// `--null`).
    pub command_records: Records,
}

/// A command to run.
struct Candidate {
    name: String,
    kind: RowKind,
    threads: Option<usize>,
    program: PathBuf,
    args: Vec<OsString>,
    count_args: Vec<OsString>,
    env: &'static [(&'static str, &'static str)],
    version: Option<String>,
    display: String,
    /// How the count run reads the paths it prints (NUL for ours and the
    /// tools, which are run with `--print0`; a command row's own mode).
    records: Records,
}

/// The environment of the tools: the C locale, so that `-iname` compares
/// bytes with ASCII case folding as our [`ExtensionSet`] does (in a UTF-8
/// locale `*` does not match a name that is not valid UTF-8, and
/// case-folded matching is 2–3x slower).
///
/// [`ExtensionSet`]: anivault_scanner::ExtensionSet
pub const TOOL_ENV: &[(&str, &str)] = &[("LC_ALL", "C")];

impl Candidate {
    fn strategy(exe: &Path, root: &Path, s: Strategy, threads: Option<usize>) -> Candidate {
        let base = vec!["scan".into(), "-s".into(), s.name().into()];
        Candidate::ours(exe, root, base, s.name(), threads)
    }

    /// ScanParsePool: `scan --parse` (walk + parse on all cores, or `-j N`).
    fn pool(exe: &Path, root: &Path, threads: Option<usize>) -> Candidate {
        let base = vec!["scan".into(), "--parse".into()];
        Candidate::ours(exe, root, base, crate::subject::POOL, threads)
    }

    /// One of our rows: `anivault-bench BASE [-j N] ROOT`, counted with
    /// `--print0`.
    fn ours(
        exe: &Path,
        root: &Path,
        mut base: Vec<OsString>,
        label: &str,
        threads: Option<usize>,
    ) -> Candidate {
        if let Some(t) = threads {
            base.push("-j".into());
            base.push(t.to_string().into());
        }
        let mut args = base.clone();
        args.push(root.as_os_str().to_owned());
        let mut count_args = base;
        count_args.push("--print0".into());
        count_args.push(root.as_os_str().to_owned());
        let name = match threads {
            Some(t) => format!("{label} -j{t}"),
            None => label.to_string(),
        };
        Candidate {
            name,
            kind: RowKind::Strategy,
            threads,
            display: tools::shell_words("anivault-bench", &args),
            program: exe.to_path_buf(),
            args,
            count_args,
            env: &[],
            version: None,
            records: Records::Nul,
        }
    }

    /// The floor on `threads` threads: `anivault-bench floor -j N ROOT`,
    /// which prints only its count (timed and counted alike).
    fn floor(exe: &Path, root: &Path, threads: usize) -> Candidate {
        let args: Vec<OsString> = vec![
            "floor".into(),
            "-j".into(),
            threads.to_string().into(),
            root.as_os_str().to_owned(),
        ];
        Candidate {
            name: format!("floor-{threads}t"),
            kind: RowKind::Floor,
            threads: Some(threads),
            display: tools::shell_words("anivault-bench", &args),
            program: exe.to_path_buf(),
            count_args: args.clone(),
            args,
            env: &[],
            version: None,
            records: Records::Lines,
        }
    }

    fn tool(found: &tools::FoundTool, root: &Path) -> Candidate {
        let args = found.kind.args(root, false);
        let program_name = found.program.file_name().map_or_else(
            || found.kind.name().into(),
            |n| n.to_string_lossy().into_owned(),
        );
        Candidate {
            name: found.name.clone(),
            kind: RowKind::Tool,
            threads: None,
            display: TOOL_ENV
                .iter()
                .map(|(k, v)| format!("{k}={v} "))
                .chain([tools::shell_words(&program_name, &args)])
                .collect(),
            program: found.program.clone(),
            count_args: found.kind.args(root, true),
            args,
            env: TOOL_ENV,
            version: found.version.clone(),
            records: Records::Nul,
        }
    }
}

impl Candidate {
    /// A command row: its template on the root, counted in its own
    /// records mode, in the caller's environment.
    fn command(t: &CmdTemplate, root: &Path, records: Records) -> Candidate {
        let argv = t.argv(root);
        let mut display = t.display(root);
        if t.shell() {
            display.push_str(
                " (peak RSS: the shell's own process; `profile --shell` traces its tree)",
            );
        }
        Candidate {
            name: t.name().to_string(),
            kind: RowKind::Command,
            threads: None,
            program: PathBuf::from(&argv[0]),
            args: argv[1..].to_vec(),
            count_args: argv[1..].to_vec(),
            env: &[],
            version: None,
            display,
            records,
        }
    }
}

/// The commands for `cfg`, in table order (strategies, the floor, then
/// tools, then command rows), and the rows of tools that are not installed (or
/// command rows that cannot run), by position.
fn candidates(cfg: &CompareConfig) -> Vec<Result<Candidate, Row>> {
    let mut out = Vec::new();
    for &s in &cfg.strategies {
        if s.is_parallel() && !cfg.threads.is_empty() {
            for &t in &cfg.threads {
                out.push(Ok(Candidate::strategy(&cfg.exe, &cfg.root, s, Some(t))));
            }
        } else {
            out.push(Ok(Candidate::strategy(&cfg.exe, &cfg.root, s, None)));
        }
    }
    if cfg.pool {
        if cfg.threads.is_empty() {
            out.push(Ok(Candidate::pool(&cfg.exe, &cfg.root, None)));
        } else {
            for &t in &cfg.threads {
                out.push(Ok(Candidate::pool(&cfg.exe, &cfg.root, Some(t))));
            }
        }
    }
    for &t in &cfg.floor {
        out.push(Ok(Candidate::floor(&cfg.exe, &cfg.root, t)));
    }
    for &kind in &cfg.tools {
        let found = tools::detect_all(kind);
        for f in &found {
            out.push(Ok(Candidate::tool(f, &cfg.root)));
        }
        if found.is_empty() {
            let why = format!(
                "none of {} in {} or on PATH; {}",
                kind.executables().join(", "),
                tools::tools_dir()
                    .map_or_else(|| "no tools directory".into(), |d| d.display().to_string()),
                kind.install_hint()
            );
            out.push(Err(Row::new(
                kind.name().to_string(),
                RowKind::Tool,
                None,
                None,
                None,
                RowStatus::NotInstalled(why),
            )));
        }
    }
    for p in &cfg.commands {
        match p {
            Planned::Run(t, _) => {
                out.push(Ok(Candidate::command(t, &cfg.root, cfg.command_records)))
            }
            Planned::Skip { name, why, .. } => out.push(Err(Row::new(
                name.clone(),
                RowKind::Command,
                None,
                None,
                None,
                RowStatus::NotInstalled(why.clone()),
            ))),
        }
    }
    out
}

/// Per-command state while running.
struct Slot {
    row: Row,
    cand: Option<Candidate>,
    /// How the count run ended: a timed run that ends otherwise failed.
    count_exit: Option<runner::Exit>,
    runs: Vec<runner::Measured>,
}

fn progress(cfg: &CompareConfig, msg: &str) {
    if cfg.verbose {
        let mut e = std::io::stderr().lock();
        let _ = write!(e, "\r\x1b[2Kcompare: {msg}");
        let _ = e.flush();
    }
}

/// Runs the comparison. `Err` only for what stops it as a whole (the
/// cache cannot be dropped, no command to run); a command that fails is a
/// row that says so.
pub fn compare(cfg: &CompareConfig) -> Result<CompareReport, String> {
    if cfg.cache == Cache::Cold {
        runner::check_cold()?;
    }
    let created_unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut slots = slots(cfg)?;
    count_runs(cfg, &mut slots);
    let expected = expected_count(cfg, &slots);
    if let Some(e) = &expected {
        for slot in &mut slots {
            slot.row.count_ok = slot.row.count.map(|n| n == e.files);
        }
    }
    timed_rounds(cfg, &mut slots)?;
    Ok(assemble(cfg, created_unix, expected, slots))
}

/// A slot per command, in table order; `Err` when there is nothing to run.
fn slots(cfg: &CompareConfig) -> Result<Vec<Slot>, String> {
    let slots: Vec<Slot> = candidates(cfg)
        .into_iter()
        .map(|c| match c {
            Ok(c) => Slot {
                row: Row::new(
                    c.name.clone(),
                    c.kind,
                    c.threads,
                    Some(c.display.clone()),
                    c.version.clone(),
                    RowStatus::Ok,
                ),
                cand: Some(c),
                count_exit: None,
                runs: Vec::new(),
            },
            Err(row) => Slot {
                row,
                cand: None,
                count_exit: None,
                runs: Vec::new(),
            },
        })
        .collect();
    if slots.iter().all(|s| s.cand.is_none()) {
        return Err("nothing to run: no strategy selected and no tool installed".into());
    }
    Ok(slots)
}

/// Step 1: a count run per command (which also warms the cache for warm
/// runs).
fn count_runs(cfg: &CompareConfig, slots: &mut [Slot]) {
    for slot in slots {
        let Some(c) = &slot.cand else { continue };
        progress(cfg, &format!("counting {}", c.name));
        let counted = if c.kind == RowKind::Floor {
            runner::run_count_printed(&c.program, &c.count_args, c.env)
        } else {
            runner::run_count_records(&c.program, &c.count_args, c.env, c.records)
                .map_err(|e| e.to_string())
        };
        match counted {
            Ok(counted) => {
                slot.row.count = Some(counted.count);
                slot.count_exit = Some(counted.measured.exit);
                if !counted.measured.exit.success() {
                    let mut note = format!("count run: {}", counted.measured.exit);
                    if !counted.stderr_tail.is_empty() {
                        note.push_str(": ");
                        note.push_str(&counted.stderr_tail);
                    }
                    slot.row.note = Some(note);
                }
            }
            Err(e) => {
                slot.row.status = RowStatus::Failed(e);
                slot.cand = None;
            }
        }
    }
}

/// The count every command should print: the manifest's; without one, the
/// default strategy's count when its count run succeeded, else the first
/// strategy's, else the first tool's (the report says where it came from:
/// nothing checked it).
fn expected_count(cfg: &CompareConfig, slots: &[Slot]) -> Option<Expected> {
    if let Some(n) = cfg.expected {
        return Some(Expected {
            files: n,
            source: "manifest".into(),
        });
    }
    let default = Strategy::default().name();
    let counted =
        |s: &&Slot| s.row.count.is_some() && s.count_exit.is_some_and(runner::Exit::success);
    let strategies = || {
        slots
            .iter()
            .filter(|s| s.row.kind == RowKind::Strategy)
            .filter(counted)
    };
    let reference = strategies()
        .find(|s| s.row.name == default)
        .or_else(|| strategies().next())
        .or_else(|| slots.iter().find(counted))?;
    let what = match reference.row.kind {
        RowKind::Strategy => "strategy",
        RowKind::Tool => "tool",
        RowKind::Command => "command row",
        RowKind::Floor => "floor",
    };
    reference.row.count.map(|n| Expected {
        files: n,
        source: format!(
            "no manifest; expected count taken from {what} {}",
            reference.row.name
        ),
    })
}

/// Step 2: warm-up rounds, then timed rounds, alternating the commands.
/// `Err` when the page cache cannot be dropped.
fn timed_rounds(cfg: &CompareConfig, slots: &mut [Slot]) -> Result<(), String> {
    let rounds = cfg.warmup + cfg.runs;
    for round in 0..rounds {
        let timed = round >= cfg.warmup;
        for slot in slots.iter_mut() {
            let Some(c) = &slot.cand else { continue };
            if timed {
                progress(
                    cfg,
                    &format!("run {}/{} {}", round - cfg.warmup + 1, cfg.runs, c.name),
                );
            } else {
                progress(
                    cfg,
                    &format!("warm-up {}/{} {}", round + 1, cfg.warmup, c.name),
                );
            }
            if cfg.cache == Cache::Cold {
                runner::drop_caches().map_err(|e| {
                    format!("cannot drop the page cache ({}): {e}", runner::DROP_CACHES)
                })?;
            }
            match runner::run_timed(&c.program, &c.args, c.env) {
                Ok(m) => {
                    if Some(m.exit) != slot.count_exit
                        && !matches!(slot.row.status, RowStatus::Failed(_))
                    {
                        slot.row.status = RowStatus::Failed(format!("a run ended with {}", m.exit));
                    }
                    if timed {
                        slot.runs.push(m);
                    }
                }
                Err(e) => {
                    slot.row.status = RowStatus::Failed(e.to_string());
                    slot.cand = None;
                }
            }
        }
    }
    if cfg.verbose {
        eprint!("\r\x1b[2K");
    }
    Ok(())
}

/// Step 3: the report, with every row's timing and ratios.
fn assemble(
    cfg: &CompareConfig,
    created_unix: u64,
    expected: Option<Expected>,
    slots: Vec<Slot>,
) -> CompareReport {
    let mut report = CompareReport {
        schema: report::SCHEMA.into(),
        schema_version: report::SCHEMA_VERSION,
        tool_version: env!("CARGO_PKG_VERSION").into(),
        created_unix,
        host: host::host(),
        target: Target {
            preset: cfg.label.clone(),
            root: cfg.root.display().to_string(),
            fs_type: host::fs_type(&cfg.root),
            entries: cfg.entries,
        },
        cache: cfg.cache.name().into(),
        runs: cfg.runs,
        warmup: cfg.warmup,
        expected,
        floor: slots
            .iter()
            .any(|s| s.row.kind == RowKind::Floor)
            .then(|| report::FLOOR_ABOUT.to_string()),
        rows: slots
            .into_iter()
            .map(|mut s| {
                s.row.timing = timing(&s.runs);
                s.row
            })
            .collect(),
    };
    report.compute_ratios();
    report
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Statistics over the timed runs; `None` without runs.
fn timing(runs: &[runner::Measured]) -> Option<Timing> {
    if runs.is_empty() {
        return None;
    }
    let wall: Vec<f64> = runs.iter().map(|m| ms(m.wall)).collect();
    let user: Vec<f64> = runs.iter().map(|m| ms(m.user)).collect();
    let sys: Vec<f64> = runs.iter().map(|m| ms(m.sys)).collect();
    let rss: Vec<Option<u64>> = runs.iter().map(|m| m.peak_rss_kb).collect();
    let rss_missing = runs.iter().find_map(|m| m.rss_missing.clone());
    let n = wall.len() as f64;
    let mean = wall.iter().sum::<f64>() / n;
    let stddev = if wall.len() > 1 {
        (wall.iter().map(|w| (w - mean) * (w - mean)).sum::<f64>() / (n - 1.0)).sqrt()
    } else {
        0.0
    };
    let spread = stats::summary(&wall);
    Some(Timing {
        median_ms: spread.median,
        mean_ms: mean,
        stddev_ms: stddev,
        min_ms: spread.min,
        max_ms: spread.max,
        user_ms: stats::median(&user).unwrap_or(0.0),
        sys_ms: stats::median(&sys).unwrap_or(0.0),
        // The peak over the runs is known only when every run's is.
        max_rss_kb: rss
            .iter()
            .copied()
            .collect::<Option<Vec<u64>>>()
            .and_then(|v| v.into_iter().max()),
        rss_missing,
        rss_kb: rss,
        wall_ms: wall,
    })
}
