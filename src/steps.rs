//! Steps that several commands share (below `cmd/`, so that commands never
//! import each other): ensuring fixtures, profiling, writing the report
//! and printing it.

use std::path::Path;

use crate::exit;
use crate::generator;
use crate::profile::{self, ProfileConfig};
use crate::report::{self, Exporter, Report};

/// Ensures each preset's fixture (generating it the first time).
pub fn ensure_fixtures(
    presets: &[String],
) -> Result<Vec<(String, generator::Fixture)>, (u8, String)> {
    let mut out = Vec::new();
    for p in presets {
        let fx =
            generator::ensure(p).map_err(|e| (e.exit_code(), format!("fixture '{p}': {e}")))?;
        out.push((p.clone(), fx));
    }
    Ok(out)
}

/// Profiles `cfg`, writes the report's files ([`report::write_all`]
/// beside `stem`), prints it to `out` with the exporter `stdout` makes
/// once the figures are in (the terminal text or the JSON), then names the
/// files written on stderr. Returns the exit code: 0 when the verdict
/// passes, 1 when it fails (a closed pipe does not turn a FAIL into 0), 2
/// when profiling could not start or the report could not be written;
/// `Err` when printing failed.
pub fn profile_and_print(
    cfg: &ProfileConfig,
    stem: &Path,
    stdout: &dyn Fn() -> Box<dyn Exporter>,
    out: &mut dyn std::io::Write,
) -> std::io::Result<u8> {
    let report = match profile::profile(cfg) {
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
    let printed = match write_and_print(&report, stem, stdout().as_ref(), out) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(m)) => {
            eprintln!("anivault-bench: cannot write the report: {m}");
            return Ok(exit::USAGE);
        }
        Err(e) => Err(e),
    };
    crate::fsio::keep_verdict(code, printed)
}

/// Writes the profile report's files and prints it to `out` with `stdout`,
/// then names the files written on stderr. The outer `Err`: printing
/// failed; the inner: the report could not be rendered or written.
fn write_and_print(
    report: &Report,
    stem: &Path,
    stdout: &dyn Exporter,
    out: &mut dyn std::io::Write,
) -> std::io::Result<Result<(), String>> {
    let written = match report::write_all(report, stem) {
        Ok(w) => w,
        Err(e) => return Ok(Err(e.to_string())),
    };
    if let Err(e) = report::print(report, stdout, out)? {
        return Ok(Err(e.to_string()));
    }
    for p in written {
        eprintln!("wrote {}", p.display());
    }
    Ok(Ok(()))
}

/// The command rows that `--cmd`, `--shell` and `--reference` ask for, and
/// how they run (`runs` timed runs after one warm-up, limit `limit_bytes`).
/// Every program is looked up now, before any fixture is generated: `Err`
/// carries exit 2 and a message naming what is wrong (a bad template, a
/// name given twice or taken by one of our rows, a program not found).
pub fn command_plan(
    args: &crate::cli::CmdArgs,
    runs: usize,
    limit_bytes: u64,
) -> Result<
    (
        Vec<crate::command::suite::Planned>,
        crate::command::RowOptions,
    ),
    (u8, String),
> {
    use crate::command::{suite, Records, RowOptions};
    let taken = |name: &str| {
        name.parse::<crate::subject::Subject>().is_ok()
            || name.ends_with(crate::subject::SLOW_SUFFIX)
    };
    let planned = suite::plan(&args.cmd, args.shell, args.reference, &taken)
        .map_err(|m| (crate::exit::USAGE, m))?;
    suite::check_programs(&planned).map_err(|e| (crate::exit::USAGE, e.to_string()))?;
    let opts = RowOptions {
        runs: runs.max(1),
        warmup: 1,
        records: if args.null {
            Records::Nul
        } else {
            Records::Lines
        },
        sample_every: std::time::Duration::from_millis(args.sample_ms.max(1)),
        limit_bytes,
        timeout: args.timeout,
        tree: args.tree,
    };
    Ok((planned, opts))
}
