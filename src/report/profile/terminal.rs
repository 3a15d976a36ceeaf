//! What `profile` and `run` print on stdout: the Markdown document, then
//! the streaming verdict of every row across library sizes, one line each;
//! for `run`, its closing PASS or FAIL.

use std::fmt::Write as _;
use std::time::Duration;

use super::markdown::{render, streaming_lines};
use crate::report::{Exporter, Report, ReportError};

/// Terminal text of the profile report (`.txt`).
///
/// ```
/// use anivault_bench::report::{profile::terminal::TerminalExporter, Exporter};
/// # let report: anivault_bench::report::Report = serde_json::from_str(
/// #     &std::fs::read_to_string("tests/golden/profile.json").unwrap()).unwrap();
/// let text = TerminalExporter::default().render(&report).unwrap();
/// assert!(String::from_utf8(text).unwrap().contains("\nStreaming across library sizes:\n"));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct TerminalExporter {
    /// `Some`: `run`'s output, closed by its verdict line (with the time
    /// the whole job took); `None`: `profile`'s.
    pub run_elapsed: Option<Duration>,
}

impl Exporter for TerminalExporter {
    fn name(&self) -> &'static str {
        "terminal"
    }

    fn extension(&self) -> &'static str {
        "txt"
    }

    fn render(&self, report: &Report) -> Result<Vec<u8>, ReportError> {
        let mut s = render(report);
        s.push('\n');
        s.push_str("Streaming across library sizes:\n");
        for line in streaming_lines(report) {
            let _ = writeln!(s, "  {line}");
        }
        if let Some(elapsed) = self.run_elapsed {
            let _ = write_run_verdict(&mut s, report, elapsed);
        }
        Ok(s.into_bytes())
    }
}

/// `run`'s closing line: PASS, or FAIL with the reasons.
fn write_run_verdict(s: &mut String, report: &Report, elapsed: Duration) -> std::fmt::Result {
    let limit_mb = report.limit_bytes as f64 / 1e6;
    if report.verdict.pass {
        writeln!(
            s,
            "PASS: every strategy within the {limit_mb} MB peak-heap limit with correct counts ({:.1} s).",
            elapsed.as_secs_f64()
        )
    } else {
        writeln!(s, "FAIL ({limit_mb} MB limit):")?;
        for r in &report.verdict.reasons {
            writeln!(s, "  - {r}")?;
        }
        Ok(())
    }
}
