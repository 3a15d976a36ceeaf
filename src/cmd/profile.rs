//! `anivault-bench profile`: heap, RSS and time per strategy × fixture.

use std::io::IsTerminal;

use crate::cli::ProfileArgs;
use crate::exit;
use crate::profile::ProfileConfig;
use crate::report::profile::{json::JsonExporter, terminal::TerminalExporter};
use crate::report::{self, Exporter};
use crate::steps::{command_plan, ensure_fixtures, profile_and_print};
use crate::subject::{parse_strategies, Subject};

/// Runs the command, printing to `out` (`Err`: printing failed).
pub fn run(args: ProfileArgs, out: &mut dyn std::io::Write) -> std::io::Result<u8> {
    let (commands, command_options) = match command_plan(
        &args.commands,
        args.runs,
        args.limit_mb.saturating_mul(1_000_000),
    ) {
        Ok(p) => p,
        Err((code, m)) => {
            eprintln!("anivault-bench: {m}");
            return Ok(code);
        }
    };
    // `--strategies none`: command rows only.
    let parsed = if args.strategies.trim() == "none" && !commands.is_empty() {
        Ok((Vec::new(), false))
    } else {
        parse_strategies(&args.strategies)
    };
    let (strategies, pool) = match parsed {
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
    cfg.netfs = args.netfs;
    cfg.commands = commands;
    cfg.command_options = command_options;
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
    let json = args.json;
    let stdout = move || -> Box<dyn Exporter> {
        if json {
            Box::new(JsonExporter)
        } else {
            Box::new(TerminalExporter { run_elapsed: None })
        }
    };
    profile_and_print(&cfg, &args.out, &stdout, out)
}
