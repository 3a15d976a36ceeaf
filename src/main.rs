//! `anivault-bench`: the command line. It only parses and dispatches; each
//! command lives in `src/cmd/` and the work in the library modules.

use std::process::ExitCode;

use clap::Parser;

use anivault_bench::cli::{Cli, Command};
use anivault_bench::profile::alloc::SwitchAlloc;
use anivault_bench::{cmd, fsio};

/// Counting allocator with a cap, switchable to dhat in heap-profiling children.
#[global_allocator]
static ALLOC: SwitchAlloc = SwitchAlloc;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // clap: help/version exit 0, usage errors exit 2 (find's
            // convention too); help that cannot be printed is exit 1.
            let printed = e.print();
            if e.use_stderr() {
                return ExitCode::from(anivault_bench::exit::USAGE);
            }
            return ExitCode::from(fsio::stdout_exit_code(printed.map(|()| 0)));
        }
    };
    // Every command but `scan` (which streams and handles its own errors)
    // and the measuring child prints through `out`; a write error there is
    // one line and exit 1, a closed pipe a quiet exit (fsio::stdout_exit_code).
    let mut out = std::io::stdout();
    let printed = |out: &mut std::io::Stdout, r: std::io::Result<u8>| {
        fsio::stdout_exit_code(r.and_then(|code| std::io::Write::flush(out).map(|()| code)))
    };
    let code = match cli.command.unwrap_or_default() {
        Command::Scan(args) => cmd::scan::run(args),
        Command::ProfileChild => anivault_bench::profile::child::run(),
        Command::Strategies(args) => {
            let r = cmd::strategies::run(args, &mut out);
            printed(&mut out, r)
        }
        Command::Gen(args) => {
            let r = cmd::gen::run(args, &mut out);
            printed(&mut out, r)
        }
        Command::Gate(args) => {
            let r = cmd::gate::run(args, &mut out);
            printed(&mut out, r)
        }
        Command::Compare(args) => {
            let r = cmd::compare::run(args, &mut out);
            printed(&mut out, r)
        }
        Command::Run(args) => {
            let r = cmd::run::run(args, &mut out);
            printed(&mut out, r)
        }
        Command::Profile(args) => {
            let r = cmd::profile::run(args, &mut out);
            printed(&mut out, r)
        }
    };
    ExitCode::from(code)
}
