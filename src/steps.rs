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
