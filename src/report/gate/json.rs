//! The gate's document as JSON (`.json`): `baseline`, `outcome` and
//! `report`, every object's keys in alphabetical order.

use super::model::GateReport;
use crate::report::{Exporter, ReportError};

/// Pretty JSON of the [`GateReport`], with a trailing newline.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonExporter;

impl Exporter<GateReport> for JsonExporter {
    fn name(&self) -> &'static str {
        "json"
    }

    fn extension(&self) -> &'static str {
        "json"
    }

    fn render(&self, doc: &GateReport) -> Result<Vec<u8>, ReportError> {
        let fail = |e: serde_json::Error| ReportError::Render {
            format: "json",
            cause: e.to_string(),
        };
        // Through a Value: its maps keep their keys sorted, as the gate's
        // JSON always had them.
        let value = serde_json::to_value(doc).map_err(fail)?;
        let mut bytes = serde_json::to_vec_pretty(&value).map_err(fail)?;
        bytes.push(b'\n');
        Ok(bytes)
    }
}
