//! `anivault-bench`: the command line. It only parses and dispatches; each
//! command lives in `src/cmd/` and the work in the library modules.

use std::process::ExitCode;

use clap::Parser;

use anivault_bench::cli::{Cli, Command};
use anivault_bench::cmd;
use anivault_bench::profile::alloc::SwitchAlloc;

/// Counting allocator with a cap, switchable to dhat in heap-profiling children.
#[global_allocator]
static ALLOC: SwitchAlloc = SwitchAlloc;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            // clap: help/version exit 0, usage errors exit 2 (find's convention too).
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let code = match cli.command.unwrap_or_default() {
        Command::Scan(args) => cmd::scan::run(args),
        Command::Strategies(args) => cmd::strategies::run(args),
        Command::Gen(args) => cmd::gen::run(args),
        Command::Gate(args) => cmd::gate::run(args),
        Command::Compare(args) => cmd::compare::run(args),
        Command::Run(args) => cmd::run::run(args),
        Command::Profile(args) => cmd::profile::run(args),
        Command::ProfileChild => anivault_bench::profile::child::run(),
    };
    ExitCode::from(code)
}
