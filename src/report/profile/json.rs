//! The JSON exporter: the report itself, pretty-printed. This is the file the
//! gate reads and the one committed as `reports/baseline.json`.

use std::path::Path;

use crate::report::{Exporter, Report, ReportError};

/// Pretty JSON of the whole [`Report`], with a trailing newline.
///
/// The output is checked to load back: JSON has no NaN or infinity (serde_json
/// writes them as `null`), so a report holding one in a non-optional field
/// would be unreadable later; it is refused here instead.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonExporter;

impl Exporter for JsonExporter {
    fn name(&self) -> &'static str {
        "json"
    }

    fn extension(&self) -> &'static str {
        "json"
    }

    fn render(&self, report: &Report) -> Result<Vec<u8>, ReportError> {
        let mut bytes = serde_json::to_vec_pretty(report).map_err(|e| ReportError::Render {
            format: self.name(),
            cause: e.to_string(),
        })?;
        bytes.push(b'\n');
        crate::report::parse(Path::new("<rendered report>"), &bytes).map_err(|e| {
            ReportError::Render {
                format: self.name(),
                cause: format!("the output would not load back (a NaN or infinite figure?): {e}"),
            }
        })?;
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testdata::sample_report;

    #[test]
    fn round_trips() {
        let r = sample_report();
        let bytes = JsonExporter.render(&r).expect("render");
        assert!(bytes.ends_with(b"}\n"));
        let back = crate::report::parse(Path::new("x"), &bytes).expect("parse");
        assert_eq!(back, r);
    }

    #[test]
    fn refuses_non_finite_figures() {
        let mut r = sample_report();
        if let Some(t) = r.results[0].time.as_mut() {
            t.median_ms = f64::NAN;
        }
        let e = JsonExporter.render(&r).expect_err("NaN must be refused");
        assert!(e.to_string().contains("load back"), "{e}");
    }
}
