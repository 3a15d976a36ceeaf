//! Steps that several commands share (below `cmd/`, so that commands never
//! import each other): ensuring fixtures, writing a
//! profile report and printing it.

use std::path::Path;

use crate::generator;
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
        match report::profile::markdown::MarkdownExporter.render(report) {
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
