//! `anivault-bench profile`: heap, RSS and time per strategy × fixture.

use std::io::IsTerminal;
use std::path::Path;

use anivault_scanner::Strategy;

use crate::cli::ProfileArgs;
use crate::exit;
use crate::fixtures;
use crate::profile::{self, ProfileConfig, Subject};
use crate::report::{self, Exporter, Report};

/// Parses `all` or a comma-separated list of strategy names (`pool` names
/// ScanParsePool); returns the strategies and whether the pool is in.
pub fn parse_strategies(list: &str) -> Result<(Vec<Strategy>, bool), String> {
    if list.trim() == "all" {
        return Ok((Strategy::available(), true));
    }
    let mut out = Vec::new();
    let mut pool = false;
    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        if name == profile::POOL {
            pool = true;
            continue;
        }
        let s: Strategy = name.parse().map_err(|e| format!("{e}"))?;
        s.availability()
            .map_err(|why| format!("strategy '{s}' is not available here: {why}"))?;
        if !out.contains(&s) {
            out.push(s);
        }
    }
    if out.is_empty() && !pool {
        return Err("--strategies names no strategy".into());
    }
    Ok((out, pool))
}

/// Ensures each preset's fixture (generating it the first time).
pub fn ensure_fixtures(
    presets: &[String],
) -> Result<Vec<(String, fixtures::Fixture)>, (u8, String)> {
    let mut out = Vec::new();
    for p in presets {
        let fx = fixtures::ensure(p).map_err(|e| (e.exit_code(), format!("fixture '{p}': {e}")))?;
        out.push((p.clone(), fx));
    }
    Ok(out)
}

/// Writes the three report files and prints the Markdown table (or the
/// JSON) to `out`. The outer `Err`: printing failed; the inner: the report
/// could not be rendered or written.
pub fn write_and_print(
    report: &Report,
    stem: &Path,
    json: bool,
    out: &mut dyn std::io::Write,
) -> std::io::Result<Result<(), String>> {
    let written = match report::write_all(report, stem) {
        Ok(w) => w,
        Err(e) => return Ok(Err(e.to_string())),
    };
    if json {
        match serde_json::to_string_pretty(report) {
            Ok(s) => writeln!(out, "{s}")?,
            Err(e) => return Ok(Err(e.to_string())),
        }
    } else {
        match report::markdown::MarkdownExporter.render(report) {
            Ok(md) => writeln!(out, "{}", String::from_utf8_lossy(&md))?,
            Err(e) => return Ok(Err(e.to_string())),
        }
    }
    out.flush()?;
    for p in written {
        eprintln!("wrote {}", p.display());
    }
    Ok(Ok(()))
}

/// Runs the command, printing to `out` (`Err`: printing failed).
pub fn run(args: ProfileArgs, out: &mut dyn std::io::Write) -> std::io::Result<u8> {
    let (strategies, pool) = match parse_strategies(&args.strategies) {
        Ok(s) => s,
        Err(m) => {
            eprintln!("anivault-bench: {m}");
            return Ok(exit::USAGE);
        }
    };
    if args.limit_mb == 0 || args.runs == 0 || args.threads == Some(0) {
        eprintln!("anivault-bench: --limit-mb, --runs and --threads must be at least 1");
        return Ok(exit::USAGE);
    }
    // Refuse an output we cannot write before generating or measuring
    // anything.
    if let Err(e) = report::check_writable(&args.out) {
        eprintln!("anivault-bench: cannot write the report: {e}");
        return Ok(exit::USAGE);
    }
    if let Some(dir) = &args.dhat_out {
        if let Err(e) = report::check_writable_dir(dir) {
            eprintln!("anivault-bench: --dhat-out: {e}");
            return Ok(exit::USAGE);
        }
    }
    let fixtures = match ensure_fixtures(&args.presets) {
        Ok(f) => f,
        Err((code, m)) => {
            eprintln!("anivault-bench: {m}");
            return Ok(code);
        }
    };
    let mut cfg = ProfileConfig::new(fixtures);
    cfg.strategies = strategies;
    cfg.pool = pool;
    cfg.limit_bytes = args.limit_mb * 1_000_000;
    cfg.runs = args.runs;
    cfg.heap_runs_parallel = args.heap_runs.max(1);
    cfg.threads = args.threads.unwrap_or(0);
    cfg.dhat_out = args.dhat_out.clone();
    cfg.consumer_us = args.consumer_us;
    if let Some(list) = &args.slow_rows {
        if list.trim() == "all" {
            cfg.add_slow_rows(args.slow_consumer_us);
        } else {
            let (strategies, pool) = match parse_strategies(list) {
                Ok(s) => s,
                Err(m) => {
                    eprintln!("anivault-bench: --slow-rows: {m}");
                    return Ok(exit::USAGE);
                }
            };
            let mut subjects: Vec<Subject> =
                strategies.into_iter().map(Subject::Strategy).collect();
            if pool {
                subjects.push(Subject::Pool);
            }
            if let Err(m) = cfg.add_slow_rows_for(&subjects, args.slow_consumer_us) {
                eprintln!("anivault-bench: --slow-rows: {m}");
                return Ok(exit::USAGE);
            }
        }
    }
    cfg.verbose = std::io::stderr().is_terminal();
    let report = match profile::profile(&cfg) {
        Ok(r) => r,
        Err(m) => {
            eprintln!("anivault-bench: {m}");
            return Ok(exit::USAGE);
        }
    };
    let code = if report.verdict.pass {
        exit::OK
    } else {
        exit::ERRORS
    };
    let printed = match write_and_print(&report, &args.out, args.json, out) {
        Ok(Ok(())) if !args.json => print_streaming(out, &report),
        Ok(Ok(())) => Ok(()),
        Ok(Err(m)) => {
            eprintln!("anivault-bench: cannot write the report: {m}");
            return Ok(exit::USAGE);
        }
        Err(e) => Err(e),
    };
    // A closed pipe (`profile | head`) does not turn a FAIL into exit 0.
    crate::fsio::keep_verdict(code, printed)
}

/// The streaming verdict of every row, one line each.
fn print_streaming(out: &mut dyn std::io::Write, report: &report::Report) -> std::io::Result<()> {
    writeln!(out, "Streaming across library sizes:")?;
    for line in report::markdown::streaming_lines(report) {
        writeln!(out, "  {line}")?;
    }
    Ok(())
}
