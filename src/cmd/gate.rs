//! `anivault-bench gate`: compares a report with the baseline and the hard
//! limit. Exit 0 pass, 1 regression or limit exceeded, 2 could not compare.
//! The rules live in [`crate::gate`].

use std::io::{self, Write};
use std::path::Path;

use crate::cli::GateArgs;
use crate::exit;
use crate::gate::{self, Band, GateConfig, BYTES_PER_MB};
use crate::report::gate::json::JsonExporter as GateJsonExporter;
use crate::report::gate::terminal::{write_table, TerminalExporter};
use crate::report::gate::GateReport;
use crate::report::profile::json::JsonExporter;
use crate::report::units::fmt_count;
use crate::report::{self, Exporter, Report, ReportError};

/// Runs the profile the gate checks when no `--report` is given: the
/// fixtures and strategies the baseline lists.
fn profile_for_gate(baseline: &Report, args: &GateArgs) -> Result<Report, String> {
    let (commands, options) =
        crate::steps::command_plan(&args.commands, 1, baseline.limit_bytes).map_err(|(_, m)| m)?;
    crate::profile::profile_for_gate_with(baseline, commands, Some(options))
}

/// Prints an error that stops the gate and returns exit 2.
fn cannot(what: &str, msg: &dyn std::fmt::Display, hint: Option<&str>) -> u8 {
    eprintln!("anivault-bench gate: cannot compare: {what}: {msg}");
    if let Some(h) = hint {
        eprintln!("  hint: {h}");
    }
    exit::USAGE
}

/// What to do about a baseline that cannot be read.
fn baseline_hint(e: &ReportError, path: &Path) -> String {
    match e {
        ReportError::Missing { .. } => format!(
            "create it with `anivault-bench gate --baseline {} --report REPORT.json --update-baseline`, \
             or write it directly with `anivault-bench profile --out {}`",
            path.display(),
            path.with_extension("").display()
        ),
        ReportError::Unreadable { .. } => "check the path and its permissions".to_string(),
        _ => "regenerate it with --update-baseline".to_string(),
    }
}

/// The gate command, printing to `out`. `Err`: printing failed; a closed
/// pipe never hides the verdict (see [`crate::fsio::keep_verdict`]).
pub fn run(args: GateArgs, out: &mut dyn Write) -> io::Result<u8> {
    let Some(limit_bytes) = args.limit_mb.checked_mul(BYTES_PER_MB) else {
        return Ok(cannot(
            "--limit-mb",
            &format!("{} MB does not fit in 64 bits of bytes", args.limit_mb),
            None,
        ));
    };
    let cfg = GateConfig {
        limit_bytes,
        serial: Band {
            pct: args.tolerance_pct,
            slack_bytes: args.slack_kib.saturating_mul(1024),
        },
        parallel: Band {
            pct: args.parallel_tolerance_pct,
            slack_bytes: args.parallel_slack_kib.saturating_mul(1024),
        },
        slow: Band {
            pct: args.slow_tolerance_pct,
            slack_bytes: args.slow_slack_kib.saturating_mul(1024),
        },
        pool: Band {
            pct: args.pool_tolerance_pct,
            slack_bytes: args.pool_slack_kib.saturating_mul(1024),
        },
        rss: Band {
            pct: args.rss_tolerance_pct,
            slack_bytes: args.rss_slack_kib.saturating_mul(1024),
        },
    };

    let baseline = report::load(&args.baseline);
    if args.report.is_some() && (!args.commands.cmd.is_empty() || args.commands.reference) {
        return Ok(cannot(
            "--cmd",
            &"command rows run in the gate's own profile, and --report gives one already",
            Some("leave out --report to profile the baseline's rows and the --cmd rows now"),
        ));
    }

    // The current figures: a report file, or a fresh profile of what the
    // baseline lists.
    let current = match &args.report {
        Some(path) => match report::load(path) {
            Ok(r) => r,
            Err(e) => return Ok(cannot("report", &e, None)),
        },
        None => {
            let base = match &baseline {
                Ok(b) => b,
                Err(e) => {
                    return Ok(cannot(
                        "baseline",
                        e,
                        Some(&format!(
                            "{}; without --report the gate profiles the fixtures and strategies the baseline lists, so it needs a readable baseline",
                            baseline_hint(e, &args.baseline)
                        )),
                    ))
                }
            };
            if !args.json {
                eprintln!("anivault-bench gate: profiling the baseline's fixtures and strategies…");
            }
            match profile_for_gate(base, &args) {
                Ok(r) => r,
                Err(e) => return Ok(cannot("profile", &e, None)),
            }
        }
    };

    if args.update_baseline {
        return update_baseline(&args, &cfg, baseline.ok().as_ref(), &current, out);
    }

    let baseline = match baseline {
        Ok(b) => b,
        Err(e) => {
            let hint = baseline_hint(&e, &args.baseline);
            return Ok(cannot("baseline", &e, Some(&hint)));
        }
    };
    let outcome = match gate::compare(&baseline, &current, &cfg) {
        Ok(o) => o,
        Err(e) => {
            // Name the file the error is about.
            let what = match (e.which(), &args.report) {
                (Some("report"), Some(r)) => r.display().to_string(),
                (Some("report"), None) => "the fresh profile".to_string(),
                (Some(_), _) => args.baseline.display().to_string(),
                (None, Some(r)) => format!("{} and {}", args.baseline.display(), r.display()),
                (None, None) => args.baseline.display().to_string(),
            };
            return Ok(cannot(&what, &e, None));
        }
    };
    let report_name = args
        .report
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "a fresh profile".to_string());
    let pass = outcome.pass;
    let failing = outcome.failing_names();
    let doc = GateReport {
        baseline: args.baseline.display().to_string(),
        report: report_name,
        outcome,
    };
    let stdout: &dyn Exporter<GateReport> = if args.json {
        &GateJsonExporter
    } else {
        &TerminalExporter
    };
    let printed = match report::print(&doc, stdout, out) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => return Ok(cannot("output", &e, None)),
        Err(e) => Err(e),
    };
    let code = if pass {
        exit::OK
    } else {
        eprintln!("anivault-bench gate: FAIL: {failing}");
        exit::ERRORS
    };
    crate::fsio::keep_verdict(code, printed)
}

/// `--update-baseline`: writes `current` over the baseline, atomically
/// (through [`crate::fsio::write_atomic`]: a symbolic link's target is
/// replaced, a device, FIFO or directory is refused with exit 2).
fn update_baseline(
    args: &GateArgs,
    cfg: &GateConfig,
    old: Option<&Report>,
    current: &Report,
    out: &mut dyn Write,
) -> io::Result<u8> {
    // For information: how the new figures compare with the old baseline.
    if let Some(old) = old {
        if let Ok(outcome) = gate::compare(old, current, cfg) {
            if !args.json {
                let mut s =
                    "For information, the current figures against the old baseline:\n".to_string();
                let _ = write_table(&mut s, &outcome);
                s.push('\n');
                out.write_all(s.as_bytes())?;
            }
        }
    }
    // A baseline the gate could not compare against is not written.
    if let Err(e) = gate::check_report("report", current) {
        let what = match &args.report {
            Some(r) => r.display().to_string(),
            None => "the fresh profile".to_string(),
        };
        return Ok(cannot(&what, &e, None));
    }
    let bad: Vec<String> = current
        .results
        .iter()
        .filter(|r| r.status == report::RunStatus::Ok && !count_matches(current, r))
        .map(|r| format!("{} ({})", r.strategy, r.fixture))
        .collect();
    if !bad.is_empty() {
        eprintln!(
            "anivault-bench gate: warning: the new baseline has wrong counts for {}",
            bad.join(", ")
        );
    }
    let bytes = match JsonExporter.render(current) {
        Ok(b) => b,
        Err(e) => return Ok(cannot("new baseline", &e, None)),
    };
    let written = match crate::fsio::write_atomic(&args.baseline, &bytes) {
        Ok(p) => p,
        Err(e) => {
            return Ok(cannot(
                "new baseline",
                &format!("{}: cannot write: {e}", args.baseline.display()),
                None,
            ))
        }
    };
    let through = if written != args.baseline {
        format!(" (through the link {})", args.baseline.display())
    } else {
        String::new()
    };
    let fixtures: Vec<String> = current
        .fixtures
        .iter()
        .map(|f| {
            let hash: String = f.spec_hash.chars().take(12).collect();
            format!("{} (spec {hash})", f.preset)
        })
        .collect();
    if args.json {
        let doc = serde_json::json!({
            "updated_baseline": written.display().to_string(),
            "rows": current.results.len(),
            "fixtures": current.fixtures.iter().map(|f| &f.preset).collect::<Vec<_>>(),
            "bytes": bytes.len(),
        });
        writeln!(out, "{doc}")?;
    } else {
        writeln!(
            out,
            "anivault-bench gate: wrote the new baseline {}{through} ({} bytes): {} rows on {}",
            written.display(),
            fmt_count(bytes.len() as u64),
            current.results.len(),
            if fixtures.is_empty() {
                "no fixture".to_string()
            } else {
                fixtures.join(", ")
            }
        )?;
    }
    out.flush()?;
    Ok(exit::OK)
}

/// Did `row` find as many media files as its fixture holds (by the
/// report's `fixtures` list, not by the row's stored flags)?
fn count_matches(r: &Report, row: &report::StrategyResult) -> bool {
    r.fixtures
        .iter()
        .find(|f| f.preset == row.fixture)
        .is_some_and(|f| f.media_files == row.files_found)
}
