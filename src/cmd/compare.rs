//! `anivault-bench compare`: our strategies against find, fd and bfs.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anivault_scanner::Strategy;

use crate::cli::CompareArgs;
use crate::compare::tools::ToolKind;
use crate::compare::{self, runner, Cache, CompareConfig};
use crate::exit;
use crate::generator::{self, Counts, IN_PROGRESS_FILE, MANIFEST_FILE, MARKER_FILE, TREE_DIR};
use crate::report::compare::{json::JsonExporter, markdown::MarkdownExporter, CompareReport};
use crate::report::{print, write_files, Exporter};

/// Parses `--tools`: known names, `none`, duplicates dropped.
pub fn parse_tools(values: &[String]) -> Result<Vec<ToolKind>, String> {
    let mut out = Vec::new();
    for v in values.iter().map(|v| v.trim()).filter(|v| !v.is_empty()) {
        if v.eq_ignore_ascii_case("none") {
            continue;
        }
        let t: ToolKind = v.parse().map_err(|e| format!("--tools: {e}"))?;
        if !out.contains(&t) {
            out.push(t);
        }
    }
    Ok(out)
}

/// Takes `floor` out of a `--strategies` list (`all` includes it): the
/// rest of the list (`none` when nothing is left), and whether the floor
/// rows are wanted.
///
/// ```
/// use anivault_bench::cmd::compare::split_floor;
/// assert_eq!(split_floor("all"), ("all".to_string(), true));
/// assert_eq!(split_floor("getdents, floor"), ("getdents".to_string(), true));
/// assert_eq!(split_floor("floor"), ("none".to_string(), true));
/// assert_eq!(split_floor("std"), ("std".to_string(), false));
/// ```
pub fn split_floor(list: &str) -> (String, bool) {
    if list.trim() == "all" {
        return (list.trim().to_string(), true);
    }
    let names: Vec<&str> = list
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .collect();
    let floor = names.contains(&"floor");
    let rest: Vec<&str> = names.into_iter().filter(|n| *n != "floor").collect();
    if floor && rest.is_empty() {
        return ("none".into(), true);
    }
    (rest.join(","), floor)
}

/// What a fixture's manifest says about the tree `compare` scans.
struct FixtureFacts {
    preset: Option<String>,
    counts: Counts,
}

/// The preset and counts of the fixture `root` belongs to: `root` itself
/// is a fixture directory, or it is the `tree/` of one (a directory with
/// the marker, the in-progress marker or a manifest). `Ok(None)`: not a
/// fixture at all. A fixture that is incomplete (still marked in
/// progress: a generation was interrupted or is running), or whose
/// manifest is missing or unreadable, is an error: its tree's counts are
/// unknown, and another command's count is no substitute. Only `preset`
/// and `counts` are read, so a manifest written by another generator
/// version (which `ensure` would regenerate) still gives the counts of the
/// tree on disk.
fn fixture_facts(root: &Path) -> Result<Option<FixtureFacts>, String> {
    let mut dirs = vec![root.to_path_buf()];
    if root.file_name().is_some_and(|n| n == TREE_DIR) {
        if let Some(p) = root.parent() {
            dirs.push(p.to_path_buf());
        }
    }
    let is_fixture = |d: &Path| {
        [MARKER_FILE, IN_PROGRESS_FILE, MANIFEST_FILE]
            .iter()
            .any(|f| d.join(f).symlink_metadata().is_ok())
    };
    let Some(d) = dirs.into_iter().find(|d| is_fixture(d)) else {
        return Ok(None);
    };
    let regen = "regenerate it (`anivault-bench gen ... --out DIR`, or `compare --preset NAME` \
                 for a preset), or scan a complete fixture";
    if d.join(IN_PROGRESS_FILE).symlink_metadata().is_ok() {
        return Err(format!(
            "'{}': the fixture is incomplete ({IN_PROGRESS_FILE} present: its generation was \
             interrupted or is still running), so its expected counts are unknown; {regen}",
            d.display()
        ));
    }
    let manifest = d.join(MANIFEST_FILE);
    let bytes = match crate::fsio::read_bounded(&manifest, crate::fsio::MANIFEST_CAP) {
        Ok(b) => b,
        Err(e) => {
            return Err(format!(
                "'{}': cannot read the fixture's manifest ({e}), so its expected counts are \
                 unknown; {regen}",
                manifest.display()
            ))
        }
    };
    let bad = |why: String| {
        format!(
            "'{}': {why}; the fixture's expected counts are unknown; {regen}",
            manifest.display()
        )
    };
    let v: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| bad(format!("not valid JSON ({e})")))?;
    let counts = v
        .get("counts")
        .ok_or_else(|| bad("no \"counts\"".into()))
        .and_then(|c| {
            serde_json::from_value::<Counts>(c.clone())
                .map_err(|e| bad(format!("bad \"counts\" ({e})")))
        })?;
    Ok(Some(FixtureFacts {
        preset: v.get("preset").and_then(|p| p.as_str()).map(String::from),
        counts,
    }))
}

/// What `compare` scans: root, label, expected media files, entries.
type Resolved = (PathBuf, String, Option<u64>, Option<u64>);

fn resolve_target(args: &CompareArgs) -> Result<Resolved, (u8, String)> {
    if let Some(root) = &args.root {
        match std::fs::metadata(root) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err((
                    exit::USAGE,
                    format!("'{}': not a directory", root.display()),
                ))
            }
            Err(e) => return Err((exit::USAGE, format!("'{}': {e}", root.display()))),
        }
        let facts = fixture_facts(root).map_err(|m| (exit::USAGE, m))?;
        let label = facts
            .as_ref()
            .and_then(|f| f.preset.clone())
            .unwrap_or_else(|| "custom".to_string());
        return Ok((
            root.clone(),
            label,
            facts.as_ref().map(|f| f.counts.media_files),
            facts.as_ref().map(|f| f.counts.entries()),
        ));
    }
    let preset = args.preset.clone().unwrap_or_else(|| "anime-100k".into());
    // `ensure` regenerates a preset fixture that is incomplete.
    let fx = generator::ensure(&preset)
        .map_err(|e| (e.exit_code(), format!("fixture '{preset}': {e}")))?;
    Ok((
        fx.root,
        preset,
        Some(fx.manifest.counts.media_files),
        Some(fx.manifest.counts.entries()),
    ))
}

/// Runs the command, printing to `out`; returns the exit code (`Err`:
/// printing failed).
pub fn run(args: CompareArgs, out: &mut dyn std::io::Write) -> std::io::Result<u8> {
    let usage = |m: String| {
        eprintln!("anivault-bench: {m}");
        Ok(exit::USAGE)
    };
    let (list, floor) = split_floor(&args.strategies);
    let (strategies, pool): (Vec<Strategy>, bool) = if list.trim() == "none" {
        (Vec::new(), false)
    } else {
        match crate::subject::parse_strategies(&list) {
            Ok(sp) => sp,
            Err(m) => return usage(m),
        }
    };
    let tools = match parse_tools(&args.tools) {
        Ok(t) => t,
        Err(m) => return usage(m),
    };
    let c = &args.commands;
    if c.tree || c.timeout.is_some() {
        return usage(
            "--tree and --timeout are not used by compare (its runs are timed as a whole); use them with profile or gate"
                .into(),
        );
    }
    let (commands, command_records) = match crate::steps::command_plan(c, args.runs, u64::MAX) {
        Ok((planned, opts)) => (planned, opts.records),
        Err((code, m)) => {
            eprintln!("anivault-bench: {m}");
            return Ok(code);
        }
    };
    if strategies.is_empty() && !pool && !floor && tools.is_empty() && commands.is_empty() {
        return usage("nothing to compare: no strategy, no tool and no command row".into());
    }
    if args.runs == 0 {
        return usage("--runs must be at least 1".into());
    }
    if args.threads.contains(&0) {
        return usage("--threads values must be at least 1".into());
    }
    let mut threads: Vec<usize> = Vec::new();
    for &t in &args.threads {
        if !threads.contains(&t) {
            threads.push(t);
        }
    }
    let floor = if !floor {
        Vec::new()
    } else if threads.is_empty() {
        let cores = anivault_scanner::available_cores();
        if cores > 1 {
            vec![1, cores]
        } else {
            vec![1]
        }
    } else {
        threads.clone()
    };
    let cache = if args.cold { Cache::Cold } else { Cache::Warm };
    if cache == Cache::Cold {
        if let Err(m) = runner::check_cold() {
            return usage(m);
        }
    }
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => return usage(format!("cannot find own executable: {e}")),
    };
    let (root, label, expected, entries) = match resolve_target(&args) {
        Ok(t) => t,
        Err((code, m)) => {
            eprintln!("anivault-bench: {m}");
            return Ok(code);
        }
    };
    // --netfs: the same tree behind a latency mount (unmounted on drop).
    let mount = match args.netfs {
        Some(lat) => match compare::netfs::mount(&root, lat) {
            Ok(m) => Some(m),
            Err(m) => return usage(m),
        },
        None => None,
    };
    let root = mount.as_ref().map_or(root, |m| m.path().to_path_buf());
    let label = match args.netfs {
        Some(lat) => format!("{label}-netfs-{lat:?}"),
        None => label,
    };
    let exe_for_floor = exe.clone();
    let cfg = CompareConfig {
        root,
        label: label.clone(),
        expected,
        entries,
        strategies,
        pool,
        floor,
        tools,
        runs: args.runs,
        warmup: args.warmup,
        cache,
        threads,
        exe,
        verbose: std::io::stderr().is_terminal(),
        commands,
        command_records,
    };
    let report = match compare::compare(&cfg) {
        Ok(r) => r,
        Err(m) => return usage(m),
    };
    let stem = args.out.clone().unwrap_or_else(|| {
        let safe: String = label
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        PathBuf::from(format!("reports/compare-{safe}-{}", cache.name()))
    });
    let written = match write_files(&report, &[&JsonExporter, &MarkdownExporter], &stem) {
        Ok(w) => w,
        Err(m) => {
            eprintln!("anivault-bench: cannot write the report: {m}");
            return Ok(exit::USAGE);
        }
    };
    let stdout: &dyn Exporter<CompareReport> = if args.json {
        &JsonExporter
    } else {
        &MarkdownExporter
    };
    let printed = match print(&report, stdout, out) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => {
            eprintln!("anivault-bench: {e}");
            return Ok(exit::USAGE);
        }
        Err(e) => Err(e),
    };
    let mut printed = printed;
    if let (Some(m), Some(lat)) = (&mount, args.netfs) {
        let floors = compare::netfs::floors(&report, m, &exe_for_floor);
        let md = compare::netfs::markdown(&floors, lat, m.source());
        let mut floor_file = stem.clone().into_os_string();
        floor_file.push(".netfs.md");
        if let Err(e) = crate::fsio::write_atomic(Path::new(&floor_file), md.as_bytes()) {
            eprintln!("anivault-bench: cannot write the floor table: {e}");
        }
        if !args.json {
            printed = printed.and_then(|()| out.write_all(md.as_bytes()));
        }
    }
    for p in written {
        eprintln!("wrote {}", p.display());
    }
    match &report.expected {
        Some(e) if e.source != "manifest" => eprintln!("compare: {}", e.source),
        None => eprintln!("compare: no manifest and no count run succeeded: counts not checked"),
        _ => {}
    }
    let code = if report.all_ok() {
        exit::OK
    } else {
        exit::ERRORS
    };
    // A closed pipe (`compare | head`) does not turn a failure into exit 0.
    crate::fsio::keep_verdict(code, printed)
}
