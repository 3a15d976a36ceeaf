//! The charts of the command rows (`--cmd`, `--reference`), in the style
//! of our rows' charts, written beside them when a report has command rows
//! (`STEM.commands.svg`, `STEM.commands.growth.svg`):
//!
//! * RSS against files printed so far, one chart per fixture, one line per
//!   command row (its run with the highest peak, sampled on a clock);
//! * peak RSS against library size, log-log, the limit as a line, each
//!   growing row's projected crossing marked.

use plotters::prelude::*;

use super::{
    chart_exporter, draw_y_auto, growth_document, palette_color, timeline_document, GrowthLine,
    GrowthText, Line,
};
use crate::command::CommandStatus;
use crate::report::units::fmt_count;
use crate::report::{rendered, Exporter, FixtureInfo, Report, ReportError};

chart_exporter!(
    /// The command rows' RSS timelines (`.commands.svg`).
    CommandSvgExporter,
    "commands svg",
    "commands.svg",
    render_command_timelines
);

chart_exporter!(
    /// The command rows' peak RSS against library size (`.commands.growth.svg`).
    CommandGrowthSvgExporter,
    "commands growth svg",
    "commands.growth.svg",
    render_command_growth
);

/// Both command-row chart exporters (written only for a report with
/// command rows).
pub fn command_exporters() -> Vec<Box<dyn Exporter>> {
    vec![
        Box::new(CommandSvgExporter),
        Box::new(CommandGrowthSvgExporter),
    ]
}

/// A command row's colour: by its place among the command rows.
fn color_of(report: &Report, name: &str) -> RGBAColor {
    let mut names: Vec<&str> = Vec::new();
    for r in &report.commands.rows {
        if !names.contains(&r.name.as_str()) {
            names.push(&r.name);
        }
    }
    palette_color(&names, name)
}

fn lines_of(report: &Report, fixture: &str) -> Vec<Line> {
    report
        .commands
        .rows
        .iter()
        .filter(|r| r.fixture == fixture && !r.timeline.is_empty())
        .filter(|r| !matches!(r.status, CommandStatus::Skipped(_)))
        .map(|r| Line {
            name: r.name.clone(),
            color: color_of(report, &r.name),
            points: r
                .timeline
                .iter()
                .map(|s| (s.records as f64, s.rss_bytes as f64 / 1024.0))
                .collect(),
        })
        .collect()
}

/// The RSS timelines of the command rows, one chart per fixture.
pub fn render_command_timelines(report: &Report) -> Result<String, String> {
    let charts: Vec<(&FixtureInfo, Vec<Line>)> = report
        .fixtures
        .iter()
        .map(|f| (f, lines_of(report, &f.preset)))
        .filter(|(_, l)| !l.is_empty())
        .collect();
    timeline_document(
        &charts,
        "No RSS timeline in this report (no command row ran long enough to be sampled).",
        |plot, (fx, lines)| {
            let caption = format!(
                "RSS of the command rows: {} ({} media files, {}, {} cache)",
                fx.preset,
                fmt_count(fx.media_files),
                fx.fs_type,
                fx.cache
            );
            let x_max = lines
                .iter()
                .flat_map(|l| l.points.iter())
                .map(|p| p.0)
                .fold(fx.media_files as f64, f64::max)
                .max(1.0);
            let x = (x_max, "files printed so far (sampled on a clock)", false);
            draw_y_auto(
                plot,
                &caption,
                x,
                lines,
                ("RSS [KiB]", "RSS [KiB], log scale"),
                1.0,
            )?;
            Ok(lines)
        },
    )
}

/// Peak RSS of the command rows against library size.
pub fn render_command_growth(report: &Report) -> Result<String, String> {
    let lines: Vec<GrowthLine> = report
        .commands
        .growth
        .iter()
        .filter(|g| !g.points.is_empty())
        .map(|g| GrowthLine::new(&g.name, color_of(report, &g.name), &g.points, &g.streaming))
        .collect();
    growth_document(
        &lines,
        report.limit_bytes,
        &GrowthText {
            peak_of: "Peak RSS of the command rows",
            y_desc: "peak RSS, log scale",
            empty: "No peak RSS in this report (no command row was measured).",
            more_notes: &[],
        },
    )
}
