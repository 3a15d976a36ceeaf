//! The `compare` report as JSON: the model itself, pretty-printed.

use super::model::CompareReport;

impl CompareReport {
    /// The JSON text (pretty).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}
