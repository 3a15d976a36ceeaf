//! The profile document ([`crate::report::model`]) in every format:
//! [`json`], [`markdown`], [`svg`] (timeline and growth charts) and
//! [`terminal`] (what `profile` and `run` print).

pub mod commands;
pub mod json;
pub mod markdown;
pub mod svg;
pub mod terminal;
pub mod verdict_text;

use crate::report::Exporter;

/// The exporters whose files `profile` writes, in order: `.json`, `.md`,
/// `.svg`, `.growth.svg`.
pub fn exporters() -> Vec<Box<dyn Exporter>> {
    vec![
        Box::new(json::JsonExporter),
        Box::new(markdown::MarkdownExporter),
        Box::new(svg::SvgExporter),
        Box::new(svg::GrowthSvgExporter),
    ]
}
