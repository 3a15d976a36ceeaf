//! The main job (`cargo run --release`, no arguments): ensure the anime-100k
//! fixture (and anime-10k for the growth analysis), profile every strategy,
//! write `reports/latest.{json,md,svg}`, print the table and the 500 MB
//! verdict.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

use anivault_scanner::Strategy;

use crate::cli::RunArgs;
use crate::exit;
use crate::profile::{ProfileConfig, DEFAULT_LIMIT_BYTES};
use crate::report::profile::terminal::TerminalExporter;
use crate::report::Exporter;
use crate::steps::{ensure_fixtures, profile_and_print};

/// Runs the main job, printing to `out` (`Err`: printing failed).
pub fn run(args: RunArgs, out: &mut dyn std::io::Write) -> std::io::Result<u8> {
    let started = Instant::now();
    let presets = match &args.preset {
        Some(p) => vec![p.clone()],
        None => vec!["anime-10k".to_string(), "anime-100k".to_string()],
    };
    let limit = args
        .limit_mb
        .map_or(DEFAULT_LIMIT_BYTES, |mb| mb.saturating_mul(1_000_000));
    if limit == 0 {
        eprintln!("anivault-bench: --limit-mb must be at least 1");
        return Ok(exit::USAGE);
    }
    let stem = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("reports/latest"));
    // Refuse an output we cannot write before measuring anything.
    if let Err(e) = crate::report::check_writable(&stem) {
        eprintln!("anivault-bench: cannot write the report: {e}");
        return Ok(exit::USAGE);
    }
    eprintln!(
        "anivault-bench: preparing fixtures {} …",
        presets.join(", ")
    );
    let fixtures = match ensure_fixtures(&presets) {
        Ok(f) => f,
        Err((code, m)) => {
            eprintln!("anivault-bench: {m}");
            return Ok(code);
        }
    };
    let mut cfg = ProfileConfig::new(fixtures);
    cfg.strategies = Strategy::available();
    cfg.limit_bytes = limit;
    // Two heap runs per parallel row and one for the parse pool (three in
    // `profile` and the gate): dhat records a backtrace per allocation and
    // the parser allocates a lot (9 s per pool run on anime-100k), so this
    // keeps the main job under a minute with the fixtures' generation.
    cfg.heap_runs_parallel = 2;
    cfg.pool_heap_runs = Some(1);
    cfg.verbose = std::io::stderr().is_terminal();
    eprintln!(
        "anivault-bench: profiling {} strategies (heap with dhat in a child, time without) …",
        cfg.strategies.len()
    );
    // The closing line gives the whole job's time, fixtures included.
    let stdout = || -> Box<dyn Exporter> {
        Box::new(TerminalExporter {
            run_elapsed: Some(started.elapsed()),
        })
    };
    profile_and_print(&cfg, &stem, &stdout, out)
}
