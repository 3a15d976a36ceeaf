//! `anivault-bench profile`: heap, RSS and time per strategy × fixture.

use std::io::IsTerminal;
use std::path::Path;

use anivault_scanner::Strategy;

use crate::cli::ProfileArgs;
use crate::exit;
use crate::fixtures;
use crate::profile::{self, ProfileConfig};
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

/// Writes the three report files and prints the Markdown table to stdout.
pub fn write_and_print(report: &Report, stem: &Path, json: bool) -> Result<(), String> {
    let written = report::write_all(report, stem).map_err(|e| e.to_string())?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(report).map_err(|e| e.to_string())?
        );
    } else {
        let md = report::markdown::MarkdownExporter
            .render(report)
            .map_err(|e| e.to_string())?;
        println!("{}", String::from_utf8_lossy(&md));
    }
    for p in written {
        eprintln!("wrote {}", p.display());
    }
    Ok(())
}

/// Runs the command.
pub fn run(args: ProfileArgs) -> u8 {
    let (strategies, pool) = match parse_strategies(&args.strategies) {
        Ok(s) => s,
        Err(m) => {
            eprintln!("anivault-bench: {m}");
            return exit::USAGE;
        }
    };
    if args.limit_mb == 0 || args.runs == 0 || args.threads == Some(0) {
        eprintln!("anivault-bench: --limit-mb, --runs and --threads must be at least 1");
        return exit::USAGE;
    }
    // Refuse an output we cannot write before generating or measuring
    // anything.
    if let Err(e) = report::check_writable(&args.out) {
        eprintln!("anivault-bench: cannot write the report: {e}");
        return exit::USAGE;
    }
    if let Some(dir) = &args.dhat_out {
        if let Err(e) = report::check_writable_dir(dir) {
            eprintln!("anivault-bench: --dhat-out: {e}");
            return exit::USAGE;
        }
    }
    let fixtures = match ensure_fixtures(&args.presets) {
        Ok(f) => f,
        Err((code, m)) => {
            eprintln!("anivault-bench: {m}");
            return code;
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
    if args.slow_rows {
        cfg.add_slow_rows(args.slow_consumer_us);
    }
    cfg.verbose = std::io::stderr().is_terminal();
    let report = match profile::profile(&cfg) {
        Ok(r) => r,
        Err(m) => {
            eprintln!("anivault-bench: {m}");
            return exit::USAGE;
        }
    };
    if let Err(m) = write_and_print(&report, &args.out, args.json) {
        eprintln!("anivault-bench: cannot write the report: {m}");
        return exit::USAGE;
    }
    if !args.json {
        println!("Streaming across library sizes:");
        for line in report::markdown::streaming_lines(&report) {
            println!("  {line}");
        }
    }
    if report.verdict.pass {
        exit::OK
    } else {
        exit::ERRORS
    }
}
