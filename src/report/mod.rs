//! Reports: one subsystem for every document the harness writes, in
//! hyperfine's layout: a model per document, one [`Exporter`] per format.
//!
//! | document | model | formats |
//! |:---|:---|:---|
//! | profile | [`model::Report`] | [`profile::json`], [`profile::markdown`], [`profile::svg`] (timeline, growth), [`profile::terminal`] |
//! | compare | [`compare::model`] | [`compare::json`], [`compare::markdown`] |
//! | gate | [`gate::model`] | [`gate::json`], [`gate::terminal`] |
//!
//! Every unit (bytes, counts, floats, deltas) comes from [`units`], every
//! Markdown cell and code span from [`markup`]. Figures derived from others
//! (ratios, relative times) are computed in the models, never while
//! rendering. The models are filled in by [`crate::profile`],
//! [`crate::compare`] and [`crate::gate`]; nothing here imports those.
//!
//! [`write_files`] renders a document in several formats and writes
//! `<stem>.<ext>` for each, atomically (temporary file in the same
//! directory, then rename), so a reader never sees half a report;
//! [`print()`] renders one format to stdout. [`load`] reads a JSON profile
//! report back and refuses, with an error that names the path and the
//! cause, a file that is missing, unreadable, not JSON, of another schema
//! or of another schema version.
//!
//! ```no_run
//! use std::path::Path;
//! use anivault_bench::report;
//!
//! let r = report::load(Path::new("reports/baseline.json"))?;
//! let written = report::write_all(&r, Path::new("target/copy-of-baseline"))?;
//! assert_eq!(written.len(), 4);
//! # Ok::<(), report::ReportError>(())
//! ```

pub mod compare;
pub mod gate;
pub mod markup;
pub mod model;
pub mod profile;
pub mod units;

use std::ffi::OsString;
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

pub use model::{
    AllocSite, FixtureInfo, Growth, HeapFigures, Host, Report, RunStatus, Sample, StrategyResult,
    TimeFigures, Verdict, Verdicts, SCHEMA, SCHEMA_VERSION,
};

/// One output format of one document. `D` is the document's model: the
/// profile [`Report`] (the default), [`compare::CompareReport`] or
/// [`gate::GateReport`]. Each document has one implementation per format,
/// in `report/DOCUMENT/FORMAT.rs`; an exporter holds at most presentation
/// options, never figures.
pub trait Exporter<D: ?Sized = Report> {
    /// Human name of the format (`json`, `markdown`, `svg`, `terminal`).
    fn name(&self) -> &'static str;
    /// File extension without the dot.
    fn extension(&self) -> &'static str;
    /// The whole file's bytes for `doc`.
    fn render(&self, doc: &D) -> Result<Vec<u8>, ReportError>;
}

/// A renderer's text as an exporter's bytes, its message as
/// [`ReportError::Render`] naming the format.
pub fn rendered(
    format: &'static str,
    text: Result<String, String>,
) -> Result<Vec<u8>, ReportError> {
    text.map(String::into_bytes)
        .map_err(|cause| ReportError::Render { format, cause })
}

/// What went wrong reading, rendering or writing a report. Every variant
/// that concerns a file names it.
#[derive(Debug)]
pub enum ReportError {
    /// The file does not exist.
    Missing {
        /// The path looked for.
        path: PathBuf,
    },
    /// The file exists but could not be read (permissions, a directory, I/O).
    Unreadable {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// The file is not valid JSON (or not UTF-8).
    Corrupt {
        /// The path.
        path: PathBuf,
        /// The parser's message (with line and column).
        cause: String,
    },
    /// Valid JSON, but not one of our reports (`schema` missing or another).
    WrongSchema {
        /// The path.
        path: PathBuf,
        /// The `schema` found (`None` when absent or not a string).
        found: Option<String>,
    },
    /// One of our reports, but of a schema version this build does not read.
    WrongVersion {
        /// The path.
        path: PathBuf,
        /// The `schema_version` found (`None` when absent or not a number).
        found: Option<u64>,
    },
    /// Right schema and version, but a field is missing or of the wrong type.
    Invalid {
        /// The path.
        path: PathBuf,
        /// The deserializer's message.
        cause: String,
    },
    /// An exporter could not render the report.
    Render {
        /// The exporter's name.
        format: &'static str,
        /// Why.
        cause: String,
    },
    /// Writing a file (or creating its directory) failed.
    Write {
        /// The file (or directory) being written.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
}

impl fmt::Display for ReportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReportError::Missing { path } => {
                write!(f, "{}: no such file", path.display())
            }
            ReportError::Unreadable { path, source } => {
                write!(f, "{}: cannot read: {source}", path.display())
            }
            ReportError::Corrupt { path, cause } => {
                write!(f, "{}: corrupt, not valid JSON: {cause}", path.display())
            }
            ReportError::WrongSchema { path, found } => match found {
                Some(s) => write!(
                    f,
                    "{}: not an anivault-bench report: schema is {s:?}, expected {SCHEMA:?}",
                    path.display()
                ),
                None => write!(
                    f,
                    "{}: not an anivault-bench report: no \"schema\" field (expected {SCHEMA:?})",
                    path.display()
                ),
            },
            ReportError::WrongVersion { path, found } => match found {
                Some(v) => write!(
                    f,
                    "{}: schema_version {v} is not supported by this build (it reads version {SCHEMA_VERSION}); regenerate the file",
                    path.display()
                ),
                None => write!(
                    f,
                    "{}: no valid \"schema_version\" field (this build reads version {SCHEMA_VERSION})",
                    path.display()
                ),
            },
            ReportError::Invalid { path, cause } => write!(
                f,
                "{}: does not match the report schema v{SCHEMA_VERSION}: {cause}",
                path.display()
            ),
            ReportError::Render { format, cause } => {
                write!(f, "cannot render the {format} report: {cause}")
            }
            ReportError::Write { path, source } => {
                write!(f, "{}: cannot write: {source}", path.display())
            }
        }
    }
}

impl std::error::Error for ReportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReportError::Unreadable { source, .. } | ReportError::Write { source, .. } => {
                Some(source)
            }
            _ => None,
        }
    }
}

/// Reads a JSON report, checking `schema` and `schema_version` before the
/// fields, so an old or foreign file gets a precise message rather than a
/// "missing field".
pub fn load(path: &Path) -> Result<Report, ReportError> {
    let bytes =
        crate::fsio::read_bounded(path, crate::fsio::REPORT_CAP).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => ReportError::Missing {
                path: path.to_path_buf(),
            },
            _ => ReportError::Unreadable {
                path: path.to_path_buf(),
                source: e,
            },
        })?;
    parse(path, &bytes)
}

/// Parses report bytes as [`load`] does; `path` is only used in errors.
pub fn parse(path: &Path, bytes: &[u8]) -> Result<Report, ReportError> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| ReportError::Corrupt {
            path: path.to_path_buf(),
            cause: e.to_string(),
        })?;
    let schema = value.get("schema").and_then(|s| s.as_str());
    if schema != Some(SCHEMA) {
        return Err(ReportError::WrongSchema {
            path: path.to_path_buf(),
            found: schema.map(str::to_owned),
        });
    }
    let version = value.get("schema_version").and_then(|v| v.as_u64());
    if version != Some(u64::from(SCHEMA_VERSION)) {
        return Err(ReportError::WrongVersion {
            path: path.to_path_buf(),
            found: version,
        });
    }
    serde_json::from_value(value).map_err(|e| ReportError::Invalid {
        path: path.to_path_buf(),
        cause: e.to_string(),
    })
}

/// The profile report in every format ([`profile::exporters`]): `<stem>.json`,
/// `<stem>.md`, `<stem>.svg` and `<stem>.growth.svg`, through
/// [`write_files`]; with command rows also `<stem>.commands.svg` and
/// `<stem>.commands.growth.svg` ([`profile::svg::command_exporters`]).
pub fn write_all(report: &Report, out_stem: &Path) -> Result<Vec<PathBuf>, ReportError> {
    let exporters = profile::exporters();
    let mut refs: Vec<&dyn Exporter> = exporters.iter().map(|e| e.as_ref()).collect();
    // A report with command rows also gets their two charts.
    let commands = profile::svg::command_exporters();
    if !report.commands.is_empty() {
        refs.extend(commands.iter().map(|e| e.as_ref()));
    }
    write_files(report, &refs, out_stem)
}

/// Renders `doc` in every format first, then writes `<stem>.<extension>`
/// for each (creating the parent directory), each atomically with
/// [`crate::fsio::write_atomic`] (temporary file beside the target, synced,
/// renamed over it; a symbolic link's target is replaced, anything but a
/// regular file is refused; on error the target is untouched). Returns the
/// paths written. `stem` keeps any dots it has: `reports/anime.1k` gives
/// `reports/anime.1k.json`.
pub fn write_files<D: ?Sized>(
    doc: &D,
    exporters: &[&dyn Exporter<D>],
    stem: &Path,
) -> Result<Vec<PathBuf>, ReportError> {
    let rendered = exporters
        .iter()
        .map(|e| Ok((e.extension(), e.render(doc)?)))
        .collect::<Result<Vec<_>, ReportError>>()?;
    let mut written = Vec::with_capacity(rendered.len());
    for (ext, bytes) in rendered {
        let path = with_added_extension(stem, ext);
        crate::fsio::write_atomic(&path, &bytes).map_err(|source| ReportError::Write {
            path: path.clone(),
            source,
        })?;
        written.push(path);
    }
    Ok(written)
}

/// Renders `doc` with `exporter` to `out` (stdout) and flushes. The outer
/// `Err`: printing failed; the inner: the document could not be rendered.
pub fn print<D: ?Sized>(
    doc: &D,
    exporter: &dyn Exporter<D>,
    out: &mut dyn io::Write,
) -> io::Result<Result<(), ReportError>> {
    match exporter.render(doc) {
        Ok(bytes) => out.write_all(&bytes).and_then(|()| out.flush()).map(Ok),
        Err(e) => Ok(Err(e)),
    }
}

/// Checks, before any measuring, that [`write_all`] can write beside
/// `stem`: creates the parent directory as `write_all` would, then creates
/// and removes a probe file there. Only what this call created is removed
/// on failure (the probe, and the directories it made).
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// anivault_bench::report::check_writable(&dir.path().join("new/sub/latest")).unwrap();
/// assert!(dir.path().join("new/sub").is_dir());
/// let file = dir.path().join("plain");
/// std::fs::write(&file, b"x").unwrap();
/// assert!(anivault_bench::report::check_writable(&file.join("latest")).is_err());
/// ```
pub fn check_writable(stem: &Path) -> Result<(), ReportError> {
    let parent = match stem.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = stem.file_name().ok_or_else(|| ReportError::Write {
        path: stem.to_path_buf(),
        source: io::Error::new(io::ErrorKind::InvalidInput, "not a file name"),
    })?;
    let mut probe_name = OsString::from(".");
    probe_name.push(name);
    probe_name.push(format!(".probe.{}", std::process::id()));
    probe_in(&parent, &probe_name)
}

/// Like [`check_writable`] for a directory that files will be written into
/// (`--dhat-out`): creates it, then probes it.
pub fn check_writable_dir(dir: &Path) -> Result<(), ReportError> {
    probe_in(
        dir,
        &OsString::from(format!(".anivault-probe.{}", std::process::id())),
    )
}

fn probe_in(dir: &Path, probe_name: &std::ffi::OsStr) -> Result<(), ReportError> {
    // The directories this call creates, outermost first.
    let mut created = Vec::new();
    let mut d = dir.to_path_buf();
    while !d.as_os_str().is_empty() && fs::symlink_metadata(&d).is_err() {
        created.push(d.clone());
        if !d.pop() {
            break;
        }
    }
    created.reverse();
    // An existing ancestor that is not a directory: say so, naming it
    // (`create_dir_all` would only say "File exists").
    if !d.as_os_str().is_empty() && fs::metadata(&d).is_ok_and(|m| !m.is_dir()) {
        return Err(ReportError::Write {
            path: d,
            source: io::Error::from_raw_os_error(libc::ENOTDIR),
        });
    }
    let undo = |created: &[PathBuf]| {
        for c in created.iter().rev() {
            let _ = fs::remove_dir(c);
        }
    };
    if let Err(source) = fs::create_dir_all(dir) {
        undo(&created);
        return Err(ReportError::Write {
            path: dir.to_path_buf(),
            source,
        });
    }
    let probe = dir.join(probe_name);
    match fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
    {
        Ok(f) => {
            drop(f);
            let _ = fs::remove_file(&probe);
            Ok(())
        }
        Err(source) => {
            undo(&created);
            Err(ReportError::Write {
                path: dir.to_path_buf(),
                source,
            })
        }
    }
}

/// `stem` + `.` + `ext`, without replacing an extension `stem` already has.
fn with_added_extension(stem: &Path, ext: &str) -> PathBuf {
    let mut s = OsString::from(stem.as_os_str());
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}

#[cfg(test)]
pub(crate) mod testdata {
    //! A small synthetic report for the exporters' unit tests.

    use super::model::*;

    /// Two fixtures, three strategies, one not Ok, timelines and sites.
    pub(crate) fn sample_report() -> Report {
        let host = Host {
            cpu: "Test CPU @ 3.0GHz".into(),
            cores: 2,
            kernel: "6.1.0-test".into(),
            rustc: "rustc 1.88.0".into(),
            os: "linux x86_64".into(),
        };
        let fixtures = ["anime-1k", "anime-10k"]
            .iter()
            .zip([1_000u64, 10_000])
            .map(|(p, n)| FixtureInfo {
                preset: (*p).into(),
                spec_hash: format!("hash-{p}"),
                root: format!("/tmp/fx/{p}/tree"),
                fs_type: "tmpfs".into(),
                cache: "warm".into(),
                files_total: n + n / 5,
                media_files: n,
            })
            .collect();
        let mut results = Vec::new();
        for (fixture, n) in [("anime-1k", 1_000u64), ("anime-10k", 10_000)] {
            for (strategy, parallel, base, per_file) in [
                ("std", false, 9_000u64, 0u64),
                ("eager", false, 20_000, 90),
                ("rayon", true, 300_000, 0),
            ] {
                let peak = base + per_file * n;
                let timeline = (1..=n / 1_000)
                    .map(|k| Sample {
                        files: k * 1_000,
                        heap_bytes: base + per_file * k * 1_000,
                        rss_kb: 2_000 + k,
                        t_ms: 0.0,
                    })
                    .collect();
                let threads = if parallel { 2 } else { 1 };
                let unmeasured = StrategyResult::unmeasured(
                    strategy.into(),
                    fixture.into(),
                    parallel,
                    threads,
                    n,
                );
                results.push(StrategyResult {
                    files_found: n,
                    heap: Some(HeapFigures {
                        max_bytes: peak,
                        max_blocks: 12,
                        total_bytes: peak * 10,
                        total_blocks: 1_000,
                        runs: vec![peak],
                    }),
                    rss_peak_kb: Some(2_300),
                    time: Some(TimeFigures {
                        wall_ms: vec![10.0, 12.0, 11.0],
                        median_ms: 11.0 + per_file as f64 / 10.0,
                        min_ms: 10.0,
                        max_ms: 12.0 + per_file as f64 / 10.0,
                        files_per_sec: n as f64 / 0.011,
                    }),
                    timeline,
                    slope_bytes_per_file: Some(per_file as f64),
                    verdicts: Verdicts {
                        within_limit: true,
                        count_correct: true,
                    },
                    top_sites: if strategy == "eager" {
                        vec![AllocSite {
                            bytes_at_peak: peak - 1_000,
                            total_bytes: peak * 2,
                            total_blocks: n,
                            frames: vec!["alloc::vec::Vec<T>::push".into(), "eager::walk".into()],
                        }]
                    } else {
                        Vec::new()
                    },
                    ..unmeasured
                });
            }
            let mut unsupported =
                StrategyResult::unmeasured("getdents-par".into(), fixture.into(), true, 2, n);
            unsupported.status = RunStatus::Unsupported("needs | linux".into());
            results.push(unsupported);
        }
        Report {
            schema: SCHEMA.into(),
            schema_version: SCHEMA_VERSION,
            tool_version: "0.1.0".into(),
            created_unix: 1_700_000_000,
            host,
            limit_bytes: 500_000_000,
            scanned_relative_to_root: true,
            netfs_latency: None,
            fixtures,
            results,
            growth: vec![
                Growth {
                    strategy: "std".into(),
                    points: vec![(1_000, 9_000), (10_000, 9_000)],
                    bytes_per_file: Some(0.0),
                    streaming: crate::verdict::judge(
                        &[(1_000, 9_000), (10_000, 9_000)],
                        500_000_000,
                    ),
                },
                Growth {
                    strategy: "eager".into(),
                    points: vec![(1_000, 110_000), (10_000, 920_000)],
                    bytes_per_file: Some(90.0),
                    streaming: crate::verdict::judge(
                        &[(1_000, 110_000), (10_000, 920_000)],
                        500_000_000,
                    ),
                },
            ],
            verdict: Verdict {
                pass: true,
                reasons: Vec::new(),
            },
            commands: Default::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn write_all_writes_three_loadable_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let report = testdata::sample_report();
        let stem = dir.path().join("nested/dir/latest.v1");
        let written = write_all(&report, &stem).expect("write_all");
        let names: Vec<String> = written
            .iter()
            .map(|p| {
                p.file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        assert_eq!(
            names,
            [
                "latest.v1.json",
                "latest.v1.md",
                "latest.v1.svg",
                "latest.v1.growth.svg"
            ]
        );
        for p in &written {
            assert!(
                fs::metadata(p).map(|m| m.len() > 0).unwrap_or(false),
                "{p:?}"
            );
        }
        assert_eq!(load(&written[0]).expect("load back"), report);
        let svg = fs::read_to_string(&written[2]).expect("svg is UTF-8");
        let svg = svg.trim_start();
        assert!(
            svg.starts_with("<svg") || svg.starts_with("<?xml"),
            "{svg:.80}"
        );
        assert!(svg.trim_end().ends_with("</svg>"));
        // No temporary files left behind.
        let left: Vec<_> = fs::read_dir(stem.parent().unwrap_or(dir.path()))
            .expect("read_dir")
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains(".tmp."))
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }

    #[test]
    fn load_distinguishes_failures() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = |n: &str| dir.path().join(n);
        assert!(matches!(
            load(&p("nope.json")),
            Err(ReportError::Missing { .. })
        ));
        assert!(matches!(
            load(dir.path()),
            Err(ReportError::Unreadable { .. })
        ));
        fs::write(p("garbage.json"), b"\x00\xffnot json").expect("write");
        assert!(matches!(
            load(&p("garbage.json")),
            Err(ReportError::Corrupt { .. })
        ));
        fs::write(p("other.json"), br#"{"schema":"other","schema_version":1}"#).expect("write");
        assert!(matches!(
            load(&p("other.json")),
            Err(ReportError::WrongSchema { .. })
        ));
        let v2 = format!(r#"{{"schema":"{SCHEMA}","schema_version":99}}"#);
        fs::write(p("v2.json"), v2).expect("write");
        assert!(matches!(
            load(&p("v2.json")),
            Err(ReportError::WrongVersion {
                found: Some(99),
                ..
            })
        ));
        let partial = format!(r#"{{"schema":"{SCHEMA}","schema_version":{SCHEMA_VERSION}}}"#);
        fs::write(p("partial.json"), partial).expect("write");
        let e = load(&p("partial.json")).expect_err("partial");
        assert!(matches!(e, ReportError::Invalid { .. }));
        assert!(e.to_string().contains("partial.json"), "{e}");
    }
}
