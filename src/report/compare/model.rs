//! The `compare` report's model (serialized as JSON): the conditions,
//! one row per command with its timing, count check and the ratios
//! (Relative, vs find, vs bfs) computed here, never while rendering.
//! How to read it: [`super::markdown`].

use serde::{Deserialize, Serialize};

use crate::report::Host;

/// The `schema` field of a compare report.
pub const SCHEMA: &str = "anivault-bench/compare";
/// The current schema version.
pub const SCHEMA_VERSION: u32 = 2;

/// One `compare` run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CompareReport {
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
    /// What was scanned.
    pub target: Target,
    /// `warm` or `cold`.
    pub cache: String,
    /// Timed runs per command.
    pub runs: usize,
    /// Untimed warm-up runs per command (before the timed ones).
    pub warmup: usize,
    /// The count every command should print, and where it comes from.
    pub expected: Option<Expected>,
    /// What the floor rows are ([`FLOOR_ABOUT`]), when there are any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor: Option<String>,
    /// One row per command, in the order they ran.
    pub rows: Vec<Row>,
}

/// The tree scanned.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Target {
    /// Preset name, or `custom`.
    pub preset: String,
    /// The root given to every command.
    pub root: String,
    /// File system type of the root (`tmpfs`, `ext4`, …).
    pub fs_type: String,
    /// Entries below the root (files, directories, links…) when known from
    /// a fixture manifest.
    pub entries: Option<u64>,
}

/// The expected count of paths.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Expected {
    /// Media files every command should list.
    pub files: u64,
    /// `manifest` (the fixture's) or `strategy NAME` (its count run).
    pub source: String,
}

/// What kind of command a row is.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RowKind {
    /// One of our strategies, through `anivault-bench scan`.
    Strategy,
    /// An external tool.
    Tool,
    /// A foreign command row (`--cmd NAME='TEMPLATE'`, `--reference`).
    Command,
    /// The syscall floor (`anivault-bench floor -j N`, [`FLOOR_ABOUT`]):
    /// not a scanner, the least work a scan can do.
    Floor,
}

/// What a floor row is, as the report says it.
pub const FLOOR_ABOUT: &str = "floor-Nt: the syscall floor, not a scanner: raw getdents64 and \
openat relative to the parent on N threads, counting the regular files whose extension matches \
(the same test as the strategies), building no path, making no entry, sending nothing through \
a channel and printing only the count (its count run reads that number). Its time is what the \
kernel's directory reads cost plus the extension test: the least a scan of this tree can take \
with N threads";

/// The state of a row.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "state", content = "detail", rename_all = "snake_case")]
pub enum RowStatus {
    /// Ran; figures below.
    Ok,
    /// The tool is not on `PATH` (the detail says how to install it).
    NotInstalled(String),
    /// Could not be run, or a run failed (the detail says how).
    Failed(String),
}

/// Figures over the timed runs, milliseconds unless said otherwise.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Timing {
    /// Wall time of every timed run, in run order.
    pub wall_ms: Vec<f64>,
    /// Median wall time.
    pub median_ms: f64,
    /// Mean wall time.
    pub mean_ms: f64,
    /// Standard deviation of the wall time (sample, n − 1).
    pub stddev_ms: f64,
    /// Fastest run.
    pub min_ms: f64,
    /// Slowest run.
    pub max_ms: f64,
    /// Median user CPU time.
    pub user_ms: f64,
    /// Median system CPU time.
    pub sys_ms: f64,
    /// Own peak RSS (`VmHWM` at exit) of every run, KiB; `null` where it
    /// was not measured.
    pub rss_kb: Vec<Option<u64>>,
    /// The highest of `rss_kb`; `None` when any run was not measured.
    pub max_rss_kb: Option<u64>,
    /// Why a run's peak RSS was not measured (the first such run).
    pub rss_missing: Option<String>,
}

/// One command.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Row {
    /// Table name: `getdents`, `getdents-par -j2`, `find`, `fd`, `bfs`.
    pub name: String,
    /// Strategy or tool.
    pub kind: RowKind,
    /// Threads asked for (`--threads` sweep); `None`: the default.
    pub threads: Option<usize>,
    /// The timed command line (output to /dev/null).
    pub command: Option<String>,
    /// The tool's `--version` line.
    pub version: Option<String>,
    /// State.
    pub status: RowStatus,
    /// Paths printed by the count run.
    pub count: Option<u64>,
    /// `Some(true)` when `count` equals the expected count.
    pub count_ok: Option<bool>,
    /// Exit status of the count run when not 0, with the tail of stderr.
    pub note: Option<String>,
    /// Timing figures (rows that ran).
    pub timing: Option<Timing>,
    /// Median / the fastest row's median.
    pub relative: Option<f64>,
    /// Median / find's median, when find ran.
    pub vs_find: Option<f64>,
    /// Median / bfs's median, when bfs ran.
    pub vs_bfs: Option<f64>,
}
impl Row {
    /// A row before anything is measured: no count, timing or ratio yet.
    pub fn new(
        name: String,
        kind: RowKind,
        threads: Option<usize>,
        command: Option<String>,
        version: Option<String>,
        status: RowStatus,
    ) -> Row {
        Row {
            name,
            kind,
            threads,
            command,
            version,
            status,
            count: None,
            count_ok: None,
            note: None,
            timing: None,
            relative: None,
            vs_find: None,
            vs_bfs: None,
        }
    }
}

impl CompareReport {
    /// True when every row that ran printed the expected count and no run
    /// failed (rows "not installed" do not count against it).
    pub fn all_ok(&self) -> bool {
        self.rows.iter().all(|r| match &r.status {
            RowStatus::Ok => r.count_ok != Some(false),
            RowStatus::NotInstalled(_) => true,
            RowStatus::Failed(_) => false,
        })
    }

    /// Fills `relative`, `vs_find` and `vs_bfs` from the medians. Only a
    /// row that ran cleanly and listed the expected files can be the
    /// reference (the fastest, find or bfs): a command that failed or
    /// printed the wrong files still gets its ratios, but is nobody's
    /// yardstick.
    pub fn compute_ratios(&mut self) {
        let reference = |r: &Row| r.status == RowStatus::Ok && r.count_ok != Some(false);
        let median = |r: &Row| r.timing.as_ref().map(|t| t.median_ms).filter(|m| *m > 0.0);
        let tool_median = |name: &str, rows: &[Row]| {
            rows.iter()
                .find(|r| r.kind == RowKind::Tool && r.name == name && reference(r))
                .and_then(median)
        };
        let fastest = self
            .rows
            .iter()
            .filter(|r| reference(r))
            .filter_map(median)
            .fold(None, |acc: Option<f64>, m| {
                Some(acc.map_or(m, |a| a.min(m)))
            });
        let find = tool_median("find", &self.rows);
        let bfs = tool_median("bfs", &self.rows);
        for r in &mut self.rows {
            let Some(m) = r.timing.as_ref().map(|t| t.median_ms) else {
                continue;
            };
            r.relative = fastest.map(|f| m / f);
            r.vs_find = find.map(|f| m / f);
            r.vs_bfs = bfs.map(|f| m / f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::json::JsonExporter;
    use super::super::markdown::{table, MarkdownExporter};
    use super::*;
    use crate::report::Exporter;

    fn timing(median: f64) -> Timing {
        Timing {
            wall_ms: vec![median],
            median_ms: median,
            mean_ms: median,
            stddev_ms: 0.0,
            min_ms: median,
            max_ms: median,
            user_ms: 1.0,
            sys_ms: 2.0,
            rss_kb: vec![Some(1024)],
            max_rss_kb: Some(1024),
            rss_missing: None,
        }
    }

    fn row(name: &str, kind: RowKind, median: Option<f64>, count: Option<u64>) -> Row {
        Row {
            name: name.into(),
            kind,
            threads: None,
            command: median.map(|_| format!("{name} ROOT")),
            version: None,
            status: if median.is_some() {
                RowStatus::Ok
            } else {
                RowStatus::NotInstalled("apt-get install bfs".into())
            },
            count,
            count_ok: count.map(|c| c == 10),
            note: None,
            timing: median.map(timing),
            relative: None,
            vs_find: None,
            vs_bfs: None,
        }
    }

    fn report() -> CompareReport {
        let mut r = CompareReport {
            schema: SCHEMA.into(),
            schema_version: SCHEMA_VERSION,
            tool_version: "0".into(),
            created_unix: 0,
            host: Host::default(),
            target: Target {
                preset: "custom".into(),
                root: "/r".into(),
                fs_type: "tmpfs".into(),
                entries: None,
            },
            cache: "warm".into(),
            runs: 3,
            warmup: 1,
            expected: Some(Expected {
                files: 10,
                source: "manifest".into(),
            }),
            floor: None,
            rows: vec![
                row("getdents", RowKind::Strategy, Some(20.0), Some(10)),
                row("find", RowKind::Tool, Some(40.0), Some(10)),
                row("bfs", RowKind::Tool, None, None),
            ],
        };
        r.compute_ratios();
        r
    }

    #[test]
    fn ratios_against_fastest_and_find() {
        let r = report();
        assert_eq!(r.rows[0].relative, Some(1.0));
        assert_eq!(r.rows[1].relative, Some(2.0));
        assert_eq!(r.rows[0].vs_find, Some(0.5));
        assert_eq!(r.rows[0].vs_bfs, None);
        assert!(r.all_ok(), "bfs not installed does not count against it");
    }

    /// The sample report with find's count wrong (9 of 10).
    fn find_wrong() -> CompareReport {
        let mut r = report();
        r.rows[1].count = Some(9);
        r.rows[1].count_ok = Some(false);
        r.compute_ratios();
        r
    }

    #[test]
    fn a_wrong_row_is_not_the_yardstick() {
        let mut r = find_wrong();
        assert!(!r.all_ok(), "find's count is wrong");
        // find (count 9, expected 10) becomes the fastest: still not 1.00.
        if let Some(t) = r.rows[1].timing.as_mut() {
            t.median_ms = 5.0;
        }
        r.compute_ratios();
        assert_eq!(r.rows[0].relative, Some(1.0));
        assert_eq!(r.rows[1].relative, Some(0.25));
        assert_eq!(r.rows[0].vs_find, None, "find's count is wrong");
    }

    #[test]
    fn table_shows_mismatch_and_not_installed() {
        let t = table(&find_wrong());
        assert!(t.contains("| `getdents` | 20.0 |"), "{t}");
        assert!(t.contains("✗ 9 (expected 10)"), "{t}");
        assert!(t.contains("| `bfs` | not installed |"), "{t}");
        assert!(!t.contains("vs find"), "find is wrong: no find column\n{t}");
        assert!(table(&report()).contains("vs find"));
        assert!(!t.contains("vs bfs"), "{t}");
        // Every line has the same number of cells.
        let pipes: Vec<usize> = t.lines().map(|l| l.matches('|').count()).collect();
        assert!(pipes.windows(2).all(|w| w[0] == w[1]), "{t}");
    }

    #[test]
    fn an_unmeasured_peak_is_n_m_with_a_footnote_not_zero() {
        let mut r = report();
        if let Some(t) = r.rows[1].timing.as_mut() {
            t.rss_kb = vec![None];
            t.max_rss_kb = None;
            t.rss_missing = Some("no exit stop".into());
        }
        let t = table(&r);
        let find = t.lines().find(|l| l.starts_with("| `find` |")).unwrap();
        assert!(find.contains("| n/m¹ |"), "{t}");
        assert!(!find.contains("0.0 KiB"), "{t}");
        assert!(
            t.contains("¹ `find`: peak RSS not measured (no exit stop)."),
            "{t}"
        );
        assert!(!table(&report()).contains('¹'));
    }

    #[test]
    fn notes_are_escaped_like_every_other_cell() {
        let mut r = report();
        r.rows[0].note = Some("Vec<T> & a|b\nc".into());
        let md = String::from_utf8(MarkdownExporter.render(&r).unwrap()).unwrap();
        assert!(
            md.contains("Note on `getdents`: Vec&lt;T&gt; &amp; a\\|b c"),
            "{md}"
        );
    }

    #[test]
    fn json_round_trips() {
        let r = report();
        let json = JsonExporter.render(&r).unwrap();
        let back: CompareReport = serde_json::from_slice(&json).unwrap();
        assert_eq!(back, r);
    }
}
