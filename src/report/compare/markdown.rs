//! The `compare` report's Markdown rendering: a table in the shape of
//! hyperfine's Markdown export with a Relative column, plus user and system time, peak RSS and the count check.
//!
//! How to read the table:
//!
//! * **Median / Min / Max \[ms\]**: whole-process wall time of the runs,
//!   spawn to exit, output to `/dev/null`.
//! * **User / Sys \[ms\]**: median CPU time of the process (all threads) in
//!   user space and in the kernel. For a walker most of the work is the
//!   kernel's `getdents64` (and `statx`, for tools that stat), so Sys bounds
//!   what any walker can gain; a parallel walker can show User + Sys above
//!   its wall time.
//! * **Peak RSS**: the highest over the runs of the process's own peak
//!   resident set (code, libraries, stacks and heap of that process): its
//!   `VmHWM`, read at its exit through ptrace ([`crate::command`]), not
//!   `ru_maxrss`, which a child inherits from the harness across fork and
//!   exec. `n/m` (not measured, with a footnote saying why) where a run's
//!   figure could not be read; never a made-up number.
//! * **Files**: paths the command printed (counted once, NUL-separated)
//!   against the expected count (the fixture's manifest, or the reference
//!   strategy's count): `✓` when equal, `✗ N (expected M)` otherwise.
//! * **Relative**: median / the fastest median (1.00 is the fastest);
//!   **vs find** and **vs bfs**: median / that tool's median, below 1 is
//!   faster than the tool.
//! * A tool that is not on `PATH` is a row that says "not installed".
//! * **floor-Nt** rows are the syscall floor, not a scanner (the report's
//!   `floor` field says what it does): the least a walk of the tree takes
//!   on N threads.

use std::fmt::Write as _;

use super::model::{CompareReport, Row, RowStatus};
use crate::report::markup::cell;
use crate::report::units::{fmt_count, fmt_float, fmt_kib};
use crate::report::{Exporter, ReportError};

/// The Markdown document (`.md`): a header with the conditions, the table,
/// the command lines, and how to read it.
#[derive(Debug, Clone, Copy, Default)]
pub struct MarkdownExporter;

impl Exporter<CompareReport> for MarkdownExporter {
    fn name(&self) -> &'static str {
        "markdown"
    }

    fn extension(&self) -> &'static str {
        "md"
    }

    fn render(&self, report: &CompareReport) -> Result<Vec<u8>, ReportError> {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = report.write_markdown(&mut out);
        Ok(out.into_bytes())
    }
}

/// The table alone.
pub fn table(report: &CompareReport) -> String {
    let mut out = String::new();
    let _ = report.write_table(&mut out);
    out
}

impl CompareReport {
    fn write_markdown(&self, out: &mut String) -> std::fmt::Result {
        let t = &self.target;
        writeln!(
            out,
            "# anivault-bench compare: {} ({} cache)\n",
            t.preset, self.cache
        )?;
        writeln!(
            out,
            "Root `{}` on {}; {} cache; {} timed run{} + {} warm-up per command, commands alternated (A B A B …).",
            t.root,
            t.fs_type,
            self.cache,
            self.runs,
            if self.runs == 1 { "" } else { "s" },
            self.warmup,
        )?;
        if self.cache == "cold" {
            writeln!(
                out,
                "Before every run: `sync` and `echo 3 > /proc/sys/vm/drop_caches` (programs and libraries are read back from disk too)."
            )?;
        }
        if let Some(e) = &self.expected {
            write!(
                out,
                "Expected: {} media files ({})",
                fmt_count(e.files),
                e.source
            )?;
            if let Some(n) = t.entries {
                write!(out, "; {} entries in the tree", fmt_count(n))?;
            }
            writeln!(out, ".")?;
        } else {
            writeln!(
                out,
                "Expected: unknown (no manifest, and no command's count run succeeded): counts are not checked."
            )?;
        }
        let h = &self.host;
        writeln!(
            out,
            "Host: {}, {} cores, Linux {}, {}.\n",
            h.cpu, h.cores, h.kernel, h.rustc
        )?;
        self.write_table(out)?;
        writeln!(
            out,
            "\nCommands (output to /dev/null; the count run adds -print0 / --print0{}):\n",
            if self.floor.is_some() {
                ", the floor rows print their count"
            } else {
                ""
            }
        )?;
        for r in &self.rows {
            match (&r.command, &r.status) {
                (Some(c), _) => {
                    write!(out, "- `{}`: `{}`", r.name, c)?;
                    if let Some(v) = &r.version {
                        write!(out, " ({v})")?;
                    }
                    writeln!(out)?;
                }
                (None, RowStatus::NotInstalled(how)) => {
                    writeln!(out, "- `{}`: not installed ({how})", r.name)?;
                }
                (None, _) => writeln!(out, "- `{}`: not run", r.name)?,
            }
        }
        if let Some(f) = &self.floor {
            // Our own sentence (FLOOR_ABOUT), written as it is.
            writeln!(out, "\nFloor rows, {f}.")?;
        }
        for r in &self.rows {
            if let Some(n) = &r.note {
                writeln!(out, "\nNote on `{}`: {}", r.name, cell(n))?;
            }
        }
        writeln!(
            out,
            "\nMedian/Min/Max: wall time of the whole process. User/Sys: median CPU time in user space and in the kernel \
             (all threads; getdents64 and stat work shows in Sys). Peak RSS: highest over the runs of the process's own VmHWM, read at its exit \
             through ptrace (not ru_maxrss, which inherits the harness's memory); n/m: not measured. \
             Files: paths printed, against the expected count. Relative: median / fastest median; vs find, vs bfs: median / that tool's median \
             (below 1 is faster)."
        )?;
        Ok(())
    }

    fn write_table(&self, out: &mut String) -> std::fmt::Result {
        let has_find = self.rows.iter().any(|r| r.vs_find.is_some());
        let has_bfs = self.rows.iter().any(|r| r.vs_bfs.is_some());
        write!(
            out,
            "| Command | Median [ms] | Min [ms] | Max [ms] | User [ms] | Sys [ms] | Peak RSS | Files | Relative |"
        )?;
        if has_find {
            write!(out, " vs find |")?;
        }
        if has_bfs {
            write!(out, " vs bfs |")?;
        }
        writeln!(out)?;
        write!(out, "|:---|---:|---:|---:|---:|---:|---:|:---|---:|")?;
        if has_find {
            write!(out, "---:|")?;
        }
        if has_bfs {
            write!(out, "---:|")?;
        }
        writeln!(out)?;
        let ms = |x: f64| fmt_float(x, 1);
        let ratio = |x: Option<f64>| x.map_or_else(|| "—".to_string(), |v| format!("{v:.2}"));
        for r in &self.rows {
            let name = format!("`{}`", r.name);
            let extra = usize::from(has_find) + usize::from(has_bfs);
            match (&r.status, &r.timing) {
                (RowStatus::NotInstalled(_), _) => {
                    write!(out, "| {name} | not installed | | | | | | | |")?;
                    for _ in 0..extra {
                        write!(out, " |")?;
                    }
                    writeln!(out)?;
                }
                (status, None) => {
                    let why = match status {
                        RowStatus::Failed(m) => format!("failed: {}", cell(m)),
                        _ => "not run".to_string(),
                    };
                    write!(
                        out,
                        "| {name} | {why} | | | | | | {} | |",
                        self.files_cell(r)
                    )?;
                    for _ in 0..extra {
                        write!(out, " |")?;
                    }
                    writeln!(out)?;
                }
                (status, Some(t)) => {
                    let mut files = self.files_cell(r);
                    if let RowStatus::Failed(m) = status {
                        files.push_str(&format!(" (failed: {})", cell(m)));
                    }
                    write!(
                        out,
                        "| {name} | {} | {} | {} | {} | {} | {} | {files} | {} |",
                        ms(t.median_ms),
                        ms(t.min_ms),
                        ms(t.max_ms),
                        ms(t.user_ms),
                        ms(t.sys_ms),
                        t.max_rss_kb.map_or_else(|| "n/m¹".to_string(), fmt_kib),
                        ratio(r.relative),
                    )?;
                    if has_find {
                        write!(out, " {} |", ratio(r.vs_find))?;
                    }
                    if has_bfs {
                        write!(out, " {} |", ratio(r.vs_bfs))?;
                    }
                    writeln!(out)?;
                }
            }
        }
        let unmeasured: Vec<(&str, &str)> = self
            .rows
            .iter()
            .filter_map(|r| {
                let t = r.timing.as_ref()?;
                t.max_rss_kb.is_none().then(|| {
                    (
                        r.name.as_str(),
                        t.rss_missing.as_deref().unwrap_or("no figure"),
                    )
                })
            })
            .collect();
        if !unmeasured.is_empty() {
            writeln!(out)?;
            for (name, why) in unmeasured {
                writeln!(out, "¹ `{name}`: peak RSS not measured ({}).", cell(why))?;
            }
        }
        Ok(())
    }

    fn files_cell(&self, r: &Row) -> String {
        match (r.count, r.count_ok, &self.expected) {
            (Some(n), Some(true), _) => format!("✓ {}", fmt_count(n)),
            (Some(n), Some(false), Some(e)) => {
                format!("✗ {} (expected {})", fmt_count(n), fmt_count(e.files))
            }
            (Some(n), _, _) => fmt_count(n),
            (None, _, _) => "—".to_string(),
        }
    }
}
