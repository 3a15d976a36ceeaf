//! The Markdown exporter: a header saying how the figures were taken, the
//! overall verdict, one table per fixture in the style of hyperfine's
//! Markdown export (with a Relative column), the growth table across fixture
//! sizes, and the top allocation sites when dhat output was kept.
//!
//! The units come from [`crate::report::units`], the cells from
//! [`crate::report::markup`].

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::verdict_text::{streaming_line, write_growth_table, GrowthRow, STREAMING_RULE};
use crate::report::markup::{cell, code, tick};
use crate::report::units::{
    fmt_bytes, fmt_count, fmt_float, fmt_kib, fmt_limit, fmt_range, fmt_rate, fmt_utc, status_text,
};
use crate::report::{Exporter, FixtureInfo, Report, ReportError, RunStatus, StrategyResult};

/// Markdown report (`.md`).
#[derive(Debug, Clone, Copy, Default)]
pub struct MarkdownExporter;

impl Exporter for MarkdownExporter {
    fn name(&self) -> &'static str {
        "markdown"
    }

    fn extension(&self) -> &'static str {
        "md"
    }

    fn render(&self, report: &Report) -> Result<Vec<u8>, ReportError> {
        Ok(render(report).into_bytes())
    }
}

/// The whole Markdown document.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = write_doc(&mut out, report);
    out
}

fn write_doc(out: &mut String, r: &Report) -> std::fmt::Result {
    writeln!(out, "# Memory profile of the AniVault scanner strategies")?;
    writeln!(out)?;
    writeln!(
        out,
        "Written by anivault-bench {} on {} (report schema `{}` v{}).",
        cell(&r.tool_version),
        fmt_utc(r.created_unix),
        cell(&r.schema),
        r.schema_version
    )?;
    writeln!(out)?;
    write_verdict(out, r)?;
    write_method(out, r)?;
    for fx in &r.fixtures {
        let rows: Vec<&StrategyResult> = r
            .results
            .iter()
            .filter(|x| x.fixture == fx.preset)
            .collect();
        // Command rows only (`--strategies none`): no empty tables of ours.
        if r.results.is_empty() && !r.commands.is_empty() {
            continue;
        }
        writeln!(
            out,
            "## {}: {} ({}, {} cache)",
            cell(&fx.preset),
            fixture_size(fx),
            cell(&fx.fs_type),
            cell(&fx.cache)
        )?;
        writeln!(out)?;
        write_table(out, r, &rows)?;
    }
    // Rows whose fixture is not listed (should not happen; never drop them).
    let orphans: Vec<&StrategyResult> = r
        .results
        .iter()
        .filter(|x| !r.fixtures.iter().any(|f| f.preset == x.fixture))
        .collect();
    if !orphans.is_empty() {
        writeln!(out, "## Rows of unlisted fixtures")?;
        writeln!(out)?;
        write_table(out, r, &orphans)?;
    }
    write_growth(out, r)?;
    super::commands::write_markdown(out, r)?;
    write_sites(out, r)?;
    Ok(())
}

/// `766 media files of 1,073`.
fn fixture_size(fx: &FixtureInfo) -> String {
    format!(
        "{} media files of {}",
        fmt_count(fx.media_files),
        fmt_count(fx.files_total)
    )
}

fn write_verdict(out: &mut String, r: &Report) -> std::fmt::Result {
    if r.verdict.pass {
        writeln!(
            out,
            "**Verdict: PASS**: every row within the {} limit, with correct counts.",
            fmt_limit(r.limit_bytes)
        )?;
    } else {
        writeln!(out, "**Verdict: FAIL**")?;
        writeln!(out)?;
        if r.verdict.reasons.is_empty() {
            writeln!(out, "- (no reason recorded)")?;
        }
        for reason in &r.verdict.reasons {
            writeln!(out, "- {}", cell(reason))?;
        }
    }
    writeln!(out)
}

fn write_method(out: &mut String, r: &Report) -> std::fmt::Result {
    let h = &r.host;
    writeln!(out, "## How it was measured")?;
    writeln!(out)?;
    writeln!(out, "| | |")?;
    writeln!(out, "|:---|:---|")?;
    writeln!(
        out,
        "| Host | {}, {} cores, {}, kernel {} |",
        cell(&h.cpu),
        h.cores,
        cell(&h.os),
        cell(&h.kernel)
    )?;
    writeln!(out, "| Toolchain | {} |", cell(&h.rustc))?;
    for fx in &r.fixtures {
        let hash: String = fx.spec_hash.chars().take(16).collect();
        writeln!(
            out,
            "| Fixture {} | {} files under {} on {}, {} cache, spec hash {} |",
            code(&fx.preset),
            fixture_size(fx),
            code(&fx.root),
            cell(&fx.fs_type),
            cell(&fx.cache),
            cell(&hash)
        )?;
    }
    let heap_runs_of = |parallel: bool| -> BTreeSet<usize> {
        r.results
            .iter()
            .filter(|x| x.parallel == parallel)
            .filter_map(|x| x.heap.as_ref().map(|h| h.runs.len()))
            .collect()
    };
    let (serial_heap, parallel_heap) = (heap_runs_of(false), heap_runs_of(true));
    let timed: BTreeSet<usize> = r
        .results
        .iter()
        .filter_map(|x| x.time.as_ref().map(|t| t.wall_ms.len()))
        .collect();
    let mut heap_runs = Vec::new();
    if let Some(n) = fmt_range(&serial_heap) {
        heap_runs.push(format!("{n} per single-thread strategy (deterministic)"));
    }
    if let Some(n) = fmt_range(&parallel_heap) {
        heap_runs.push(format!("{n} per parallel strategy (the maximum is shown)"));
    }
    writeln!(
        out,
        "| Heap | dhat: live bytes at the global peak (`max_bytes`), in a child process per strategy × fixture; timeline: live heap sampled every few milliseconds of that run, with the files found so far{}. Rust allocations only: memory libc allocates itself (glibc's `opendir` buffer, 32 KiB per open directory, used by every strategy built on `std::fs::read_dir`: std, walkdir, jwalk, dua, ignore, rayon, eager) is invisible to dhat and shows in peak RSS; `getdents` and `getdents-par` allocate their 16 KiB directory buffers in Rust, so their heap includes them |",
        if heap_runs.is_empty() {
            String::new()
        } else {
            format!("; runs: {}", heap_runs.join(", "))
        }
    )?;
    if r.scanned_relative_to_root {
        writeln!(
            out,
            "| Paths | each measuring child enters the fixture root (`chdir`) and scans `.`: the paths it holds are relative, so no heap figure depends on where the tree lives |"
        )?;
    } else {
        writeln!(
            out,
            "| Paths | absolute roots (a report written before children scanned from inside the root): heap of strategies that hold paths grows with the root's length |"
        )?;
    }
    if let Some(lat) = &r.netfs_latency {
        writeln!(
            out,
            "| Netfs | the strategy rows were measured behind a netfs mount of each fixture root at {lat} per request (`profile --netfs`; the fixture's root column is the mount point); command rows ran on the tree itself |"
        )?;
    }
    writeln!(
        out,
        "| Peak RSS | the timing child's own `VmHWM` (`/proc/self/status`), not `ru_maxrss` |"
    )?;
    writeln!(
        out,
        "| Time | separate runs with the normal allocator (dhat off){}; median shown, files/s at the median; Relative to the fastest median |",
        fmt_range(&timed)
            .map(|n| format!(", {n} runs per row"))
            .unwrap_or_default()
    )?;
    writeln!(
        out,
        "| Limit | peak heap at most {} |",
        fmt_limit(r.limit_bytes)
    )?;
    writeln!(out)
}

fn write_table(out: &mut String, r: &Report, rows: &[&StrategyResult]) -> std::fmt::Result {
    writeln!(
        out,
        "| Strategy | Mean / median [ms] | Min…Max [ms] | Relative | Files/s | Peak heap | Peak RSS | In-run heap slope [B/file] | Verdicts |"
    )?;
    writeln!(out, "|:---|---:|---:|---:|---:|---:|---:|---:|:---|")?;
    for row in rows {
        let name = if row.parallel {
            format!("{} ({} threads)", code(&row.strategy), row.threads)
        } else {
            code(&row.strategy)
        };
        let verdicts = verdict_cell(row);
        if row.status != RunStatus::Ok {
            writeln!(
                out,
                "| {name} | {} | — | — | — | — | — | — | {verdicts} |",
                cell(&status_text(&row.status))
            )?;
            continue;
        }
        let dash = || "—".to_string();
        let (mean_median, min_max, relative, rate) = match &row.time {
            Some(t) => {
                let mean = if t.wall_ms.is_empty() {
                    f64::NAN
                } else {
                    t.wall_ms.iter().sum::<f64>() / t.wall_ms.len() as f64
                };
                let relative = r
                    .relative_time(row)
                    .map_or_else(dash, |x| format!("{x:.2}"));
                (
                    format!("{} / {}", fmt_float(mean, 1), fmt_float(t.median_ms, 1)),
                    format!("{} … {}", fmt_float(t.min_ms, 1), fmt_float(t.max_ms, 1)),
                    relative,
                    fmt_rate(t.files_per_sec),
                )
            }
            None => (dash(), dash(), dash(), dash()),
        };
        let heap = match &row.heap {
            Some(h) if row.parallel && h.runs.len() > 1 => {
                format!("{} (max of {})", fmt_bytes(h.max_bytes), h.runs.len())
            }
            Some(h) => fmt_bytes(h.max_bytes),
            None => dash(),
        };
        let rss = row.rss_peak_kb.map(fmt_kib).unwrap_or_else(dash);
        let slope = row
            .slope_bytes_per_file
            .map(|s| fmt_float(s, 1))
            .unwrap_or_else(dash);
        writeln!(
            out,
            "| {name} | {mean_median} | {min_max} | {relative} | {rate} | {heap} | {rss} | {slope} | {verdicts} |"
        )?;
    }
    writeln!(out)
}

fn verdict_cell(row: &StrategyResult) -> String {
    let v = &row.verdicts;
    let count = if v.count_correct {
        "✓ count".to_string()
    } else {
        format!(
            "✗ count ({} of {})",
            fmt_count(row.files_found),
            fmt_count(row.expected_files)
        )
    };
    let mut s = format!("{} limit · {count}", tick(v.within_limit));
    if row.errors > 0 {
        let _ = write!(s, " · {} errors", fmt_count(row.errors));
    }
    // Why a count is short (or a row failed): the child's own words.
    if row.status == RunStatus::Ok && (row.errors > 0 || !v.count_correct) {
        if let Some(first) = row.error_samples.first() {
            let _ = write!(s, " · first error: {}", cell(first));
        }
    }
    s
}

fn write_growth(out: &mut String, r: &Report) -> std::fmt::Result {
    if r.growth.is_empty() {
        return Ok(());
    }
    writeln!(out, "## Growth: peak heap against library size")?;
    writeln!(out)?;
    writeln!(
        out,
        "Peak heap of each strategy per fixture, and the least-squares slope across fixtures. A streaming walker stays flat (about 0 bytes/file); one that keeps every path grows linearly."
    )?;
    writeln!(out)?;
    writeln!(out, "{}", STREAMING_RULE)?;
    writeln!(out)?;
    let rows = r.growth.iter().map(|g| GrowthRow {
        name: &g.strategy,
        points: &g.points,
        slope: g.bytes_per_file,
        streaming: &g.streaming,
    });
    write_growth_table(out, "Strategy", r.limit_bytes, rows)
}

/// One line per row with its streaming verdict across library sizes:
/// `eager: ✗ grows with library size, 378.6 B/file, reaches 500 MB at ~1.3 M files`
/// (command rows after ours, see [`super::commands::streaming_lines`]).
pub fn streaming_lines(report: &Report) -> Vec<String> {
    let mut lines = our_streaming_lines(report);
    lines.extend(super::commands::streaming_lines(report));
    lines
}

fn our_streaming_lines(report: &Report) -> Vec<String> {
    report
        .growth
        .iter()
        .map(|g| streaming_line(&g.strategy, &g.streaming, report.limit_bytes))
        .collect()
}

fn write_sites(out: &mut String, r: &Report) -> std::fmt::Result {
    let with_sites: Vec<&StrategyResult> = r
        .results
        .iter()
        .filter(|x| !x.top_sites.is_empty())
        .collect();
    if with_sites.is_empty() {
        return Ok(());
    }
    writeln!(out, "## Top allocation sites")?;
    writeln!(out)?;
    writeln!(
        out,
        "From dhat's output (`--dhat-out`); open the `dhat-heap.json` files in DHAT's viewer for the full trees."
    )?;
    writeln!(out)?;
    for row in with_sites {
        writeln!(out, "### {} on {}", code(&row.strategy), cell(&row.fixture))?;
        writeln!(out)?;
        writeln!(out, "| At peak | Total bytes | Total blocks | Frames |")?;
        writeln!(out, "|---:|---:|---:|:---|")?;
        for site in row.top_sites.iter().take(10) {
            let frames = site
                .frames
                .iter()
                .map(|f| code(f))
                .collect::<Vec<_>>()
                .join(" ← ");
            writeln!(
                out,
                "| {} | {} | {} | {} |",
                fmt_bytes(site.bytes_at_peak),
                fmt_bytes(site.total_bytes),
                fmt_count(site.total_blocks),
                if frames.is_empty() {
                    "—".to_string()
                } else {
                    frames
                }
            )?;
        }
        writeln!(out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testdata::sample_report;

    #[test]
    fn renders_tables_verdicts_and_statuses() {
        let r = sample_report();
        let md = render(&r);
        assert!(md.contains("**Verdict: PASS**"), "{md}");
        assert!(md.contains("| Strategy | Mean / median [ms] | Min…Max [ms] | Relative |"));
        assert!(md.contains("## anime-10k: 10,000 media files of 12,000 (tmpfs, warm cache)"));
        // The fastest row of a fixture is 1.00.
        assert!(md.contains("| 1.00 |"), "{md}");
        // Not-Ok rows show their status instead of numbers, pipes escaped.
        assert!(md.contains("unsupported: needs \\| linux"), "{md}");
        assert!(md.contains("✗ count (0 of 1,000)"));
        assert!(md.contains("## Growth: peak heap against library size"));
        assert!(
            md.contains("| `eager` | 107.4 KiB | 898.4 KiB | 90.0 |"),
            "{md}"
        );
        // The streaming verdict across sizes, with the projection.
        assert!(
            md.contains("| 90.0 | ✗ grows with library size | ~5.6 M files |"),
            "{md}"
        );
        assert!(
            md.contains("| `std` | 8.8 KiB | 8.8 KiB | 0 | ✓ streaming (to 29.1 B/file) | — |"),
            "{md}"
        );
        assert!(md.contains("Streaming verdict: a row **grows with library size**"));
        assert!(md.contains("| Paths | each measuring child enters the fixture root"));
        assert!(!md.contains("stable"), "{md}");
        let lines = streaming_lines(&r);
        assert_eq!(
            lines[1],
            "eager: ✗ grows with library size, 90.0 B/file, reaches 500 MB at ~5.6 M files"
        );
        assert!(lines[0].starts_with("std: ✓ streaming"), "{lines:?}");
        assert!(md.contains("## Top allocation sites"));
        assert!(
            md.contains("`alloc::vec::Vec<T>::push` ← `eager::walk`"),
            "{md}"
        );
        assert!(md.contains("VmHWM"));
        assert!(md.contains("dhat"));
        assert!(md.contains("500 MB (500,000,000 bytes)"));
        assert!(md.contains("Test CPU @ 3.0GHz, 2 cores"));
        assert!(!md.contains("0.0 MiB") && !md.contains("0.0 KiB"), "{md}");
    }

    #[test]
    fn renders_failures_and_exceeded_limit() {
        let mut r = sample_report();
        r.verdict = crate::report::Verdict {
            pass: false,
            reasons: vec!["eager on anime-10k exceeded the limit".into()],
        };
        r.results[1].status = RunStatus::ExceededLimit;
        r.results[2].status = RunStatus::Failed("exit 101: panicked | at x".into());
        let md = render(&r);
        assert!(md.contains("**Verdict: FAIL**"));
        assert!(md.contains("- eager on anime-10k exceeded the limit"));
        assert!(md.contains("| `eager` | exceeded limit | — |"), "{md}");
        assert!(md.contains("failed: exit 101: panicked \\| at x"), "{md}");
    }

    #[test]
    fn a_short_count_shows_the_childs_first_error() {
        let mut r = sample_report();
        r.results[0].files_found = 0;
        r.results[0].errors = 3;
        r.results[0].verdicts.count_correct = false;
        r.results[0].error_samples = vec!["'./a|b': Permission denied (os error 13)".into()];
        let md = render(&r);
        assert!(
            md.contains("✗ count (0 of 1,000) · 3 errors · first error: './a\\|b': Permission denied (os error 13) |"),
            "{md}"
        );
    }
}
