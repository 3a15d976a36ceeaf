//! The command rows of a profile document (`--cmd`, `--reference`) in
//! Markdown: how they were measured, one table per fixture, the growth of
//! their peak RSS across fixtures with the streaming verdict, and the
//! one-line verdicts `profile` prints.

use std::fmt::Write as _;

use super::verdict_text::{streaming_line, write_growth_table, GrowthRow, STREAMING_RULE};
use crate::command::{CommandRow, CommandStatus, Records};
use crate::report::markup::{cell, code, tick};
use crate::report::units::{fmt_bytes, fmt_count, fmt_float, fmt_rate};
use crate::report::Report;

/// The whole command-rows section (nothing without command rows).
pub fn write_markdown(out: &mut String, r: &Report) -> std::fmt::Result {
    let c = &r.commands;
    if c.is_empty() {
        return Ok(());
    }
    writeln!(out, "## Command rows: peak RSS, time and counts")?;
    writeln!(out)?;
    writeln!(
        out,
        "Foreign commands, each run on every fixture as a process: {{root}} replaced by the fixture root, split into words without a shell (or `sh -c` with `--shell`). \
         **Peak RSS** is the command's own high-water mark (`VmHWM` read at its ptrace exit stop: not `ru_maxrss`, which carries the harness's memory into every child), the maximum over its runs (warm-up included); with `--tree`, the highest of any one process of its tree. \
         **Files** are the records it printed (lines, or NUL-terminated with `--null`), checked against the manifest's media count: a mismatch is a failed count. \
         **Time**: median wall of the timed runs (after one warm-up), stdout piped to the harness, which counts the records as they arrive. \
         A command whose RSS passes 1.1 × the limit is killed by the sampler (every {} ms)."
        ,
        c.rows.first().map_or(10, |x| x.sample_ms.max(1))
    )?;
    writeln!(out)?;
    for fx in &r.fixtures {
        let rows: Vec<&CommandRow> = c.rows.iter().filter(|x| x.fixture == fx.preset).collect();
        if rows.is_empty() {
            continue;
        }
        writeln!(
            out,
            "### {}: {} media files",
            cell(&fx.preset),
            fmt_count(fx.media_files)
        )?;
        writeln!(out)?;
        write_table(out, &rows)?;
    }
    write_growth(out, r)
}

fn write_table(out: &mut String, rows: &[&CommandRow]) -> std::fmt::Result {
    writeln!(
        out,
        "| Command row | Median [ms] | Min…Max [ms] | Files/s | Peak RSS | In-run RSS slope [B/file] | Files | Verdicts | Command |"
    )?;
    writeln!(out, "|:---|---:|---:|---:|---:|---:|---:|:---|:---|")?;
    let dash = || "—".to_string();
    for row in rows {
        let (median, min_max, rate) = match &row.time {
            Some(t) => (
                fmt_float(t.median_ms, 1),
                format!("{} … {}", fmt_float(t.min_ms, 1), fmt_float(t.max_ms, 1)),
                fmt_rate(t.files_per_sec),
            ),
            None => (dash(), dash(), dash()),
        };
        let peak = match (row.peak_rss_bytes, row.peak_rss_runs.len()) {
            (Some(p), n) if n > 1 => format!("{} (max of {n})", fmt_bytes(p)),
            (Some(p), _) => fmt_bytes(p),
            (None, _) => dash(),
        };
        let slope = row
            .slope_bytes_per_file
            .map(|s| fmt_float(s, 1))
            .unwrap_or_else(dash);
        let files = match (row.files_found, row.expected_files) {
            (Some(f), Some(e)) if f != e => format!("{} of {}", fmt_count(f), fmt_count(e)),
            (Some(f), _) => fmt_count(f),
            (None, _) => dash(),
        };
        let mut command = code(&row.command);
        if row.tree {
            command.push_str(" (tree)");
        }
        if row.records_mode == Records::Nul {
            command.push_str(" (NUL records)");
        }
        writeln!(
            out,
            "| {} | {median} | {min_max} | {rate} | {peak} | {slope} | {files} | {} | {command} |",
            code(&row.name),
            cell(&verdict_cell(row))
        )?;
    }
    writeln!(out)
}

/// `✓ limit · ✓ count`, or the status and what is wrong.
fn verdict_cell(row: &CommandRow) -> String {
    match &row.status {
        CommandStatus::Ok => {}
        CommandStatus::Skipped(why) => return format!("skipped: {why}"),
        s => {
            let mut t = format!("✗ {}", s.text());
            if let Some(ms) = row.failed_after_ms {
                let _ = write!(t, " (after {} ms)", fmt_float(ms, 0));
            }
            return t;
        }
    }
    let count = if row.count_correct {
        "✓ count".to_string()
    } else {
        format!(
            "✗ count: {}",
            row.count_note.as_deref().unwrap_or("not counted")
        )
    };
    format!("{} limit · {count}", tick(row.within_limit))
}

fn write_growth(out: &mut String, r: &Report) -> std::fmt::Result {
    let g = &r.commands.growth;
    if g.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "### Growth: peak RSS of the command rows against library size"
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "{} For command rows the peak is peak RSS (it includes the program's code and libraries: an interpreter's 14 MiB count in the reference peak, so the 25 % share of the floor is wider than for heap).",
        STREAMING_RULE
    )?;
    writeln!(out)?;
    let rows = g.iter().map(|row| GrowthRow {
        name: &row.name,
        points: &row.points,
        slope: row.streaming.bytes_per_file,
        streaming: &row.streaming,
    });
    write_growth_table(out, "Command row", r.limit_bytes, rows)
}

/// One line per command row: `python-eager (command, peak RSS): ✗ grows
/// with library size, 318.0 B/file, reaches 500 MB at ~1.5 M files`.
pub fn streaming_lines(report: &Report) -> Vec<String> {
    report
        .commands
        .growth
        .iter()
        .map(|g| {
            streaming_line(
                &format!("{} (command, peak RSS)", g.name),
                &g.streaming,
                report.limit_bytes,
            )
        })
        .collect()
}
