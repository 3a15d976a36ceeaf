//! The `compare` report as JSON (`.json`): the model itself,
//! pretty-printed, with a trailing newline.

use super::model::CompareReport;
use crate::report::{Exporter, ReportError};

/// Pretty JSON of the whole [`CompareReport`].
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonExporter;

impl Exporter<CompareReport> for JsonExporter {
    fn name(&self) -> &'static str {
        "json"
    }

    fn extension(&self) -> &'static str {
        "json"
    }

    fn render(&self, report: &CompareReport) -> Result<Vec<u8>, ReportError> {
        let mut bytes = serde_json::to_vec_pretty(report).map_err(|e| ReportError::Render {
            format: self.name(),
            cause: e.to_string(),
        })?;
        bytes.push(b'\n');
        Ok(bytes)
    }
}
