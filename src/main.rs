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
    let r = match cli.command.unwrap_or_default() {
        Command::Scan(args) => return ExitCode::from(cmd::scan::run(args)),
        Command::Netfs(args) => return ExitCode::from(cmd::netfs::run(args)),
        Command::ProfileChild => return ExitCode::from(anivault_bench::profile::child::run()),
        Command::Strategies(args) => cmd::strategies::run(args, &mut out),
        Command::Gen(args) => cmd::gen::run(args, &mut out),
        Command::Gate(args) => cmd::gate::run(args, &mut out),
        Command::Compare(args) => cmd::compare::run(args, &mut out),
        Command::Floor(args) => cmd::floor::run(args, &mut out),
        Command::Run(args) => cmd::run::run(args, &mut out),
        Command::Profile(args) => cmd::profile::run(args, &mut out),
    };
    let code =
        fsio::stdout_exit_code(r.and_then(|code| std::io::Write::flush(&mut out).map(|()| code)));
    ExitCode::from(code)
}
