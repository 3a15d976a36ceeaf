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
    draw_legend, draw_lines, growth_document, GrowthLine, GrowthText, Line, CHART_HEIGHT,
    LEGEND_WIDTH, LOG_RATIO, PALETTE, WIDTH,
};
use crate::command::CommandStatus;
use crate::report::units::{fmt_count, fmt_si_bytes};
use crate::report::{rendered, Exporter, FixtureInfo, Report, ReportError};
use crate::verdict::Streaming;

/// The command rows' RSS timelines (`.commands.svg`).
#[derive(Debug, Clone, Copy, Default)]
pub struct CommandSvgExporter;

impl Exporter for CommandSvgExporter {
    fn name(&self) -> &'static str {
        "commands svg"
    }

    fn extension(&self) -> &'static str {
        "commands.svg"
    }

    fn render(&self, report: &Report) -> Result<Vec<u8>, ReportError> {
        rendered(self.name(), render_command_timelines(report))
    }
}

/// The command rows' peak RSS against library size (`.commands.growth.svg`).
#[derive(Debug, Clone, Copy, Default)]
pub struct CommandGrowthSvgExporter;

impl Exporter for CommandGrowthSvgExporter {
    fn name(&self) -> &'static str {
        "commands growth svg"
    }

    fn extension(&self) -> &'static str {
        "commands.growth.svg"
    }

    fn render(&self, report: &Report) -> Result<Vec<u8>, ReportError> {
        rendered(self.name(), render_command_growth(report))
    }
}

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
    let i = names.iter().position(|n| *n == name).unwrap_or(0);
    let (r, g, b) = PALETTE[i % PALETTE.len()];
    RGBColor(r, g, b).to_rgba()
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
    let mut buf = String::new();
    {
        let n = u32::try_from(charts.len().max(1)).unwrap_or(1);
        let root = SVGBackend::with_string(&mut buf, (WIDTH, CHART_HEIGHT * n)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        if charts.is_empty() {
            root.draw(&Text::new(
                "No RSS timeline in this report (no command row ran long enough to be sampled).",
                (20, 40),
                ("sans-serif", 18).into_font(),
            ))
            .map_err(|e| e.to_string())?;
        }
        let areas = root.split_evenly((charts.len().max(1), 1));
        for (area, (fx, lines)) in areas.iter().zip(&charts) {
            let (plot, legend) = area.split_horizontally(WIDTH - LEGEND_WIDTH);
            let caption = format!(
                "RSS of the command rows: {} ({} media files, {}, {} cache)",
                fx.preset,
                fmt_count(fx.media_files),
                fx.fs_type,
                fx.cache
            );
            let all = lines.iter().flat_map(|l| l.points.iter());
            let x_max = all
                .clone()
                .map(|p| p.0)
                .fold(fx.media_files as f64, f64::max)
                .max(1.0);
            let y_max = all.clone().map(|p| p.1).fold(0.0, f64::max);
            let y_min = all
                .map(|p| p.1)
                .filter(|y| *y > 0.0)
                .fold(f64::INFINITY, f64::min);
            let x = (x_max, "files printed so far (sampled on a clock)", false);
            if y_min.is_finite() && y_max / y_min > LOG_RATIO {
                let lo = (y_min / 2.0).max(1.0);
                draw_lines(
                    &plot,
                    &caption,
                    x,
                    (lo..y_max * 2.0).log_scale(),
                    "RSS [KiB], log scale",
                    lines,
                    lo,
                )?;
            } else {
                let top = if y_max > 0.0 { y_max * 1.15 } else { 1.0 };
                draw_lines(&plot, &caption, x, 0.0..top, "RSS [KiB]", lines, 0.0)?;
            }
            let entries: Vec<(String, RGBAColor)> =
                lines.iter().map(|l| (l.name.clone(), l.color)).collect();
            draw_legend(&legend, &entries)?;
        }
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(buf)
}

/// Peak RSS of the command rows against library size.
pub fn render_command_growth(report: &Report) -> Result<String, String> {
    let lines: Vec<GrowthLine> = report
        .commands
        .growth
        .iter()
        .filter(|g| !g.points.is_empty())
        .map(|g| GrowthLine {
            name: g.name.clone(),
            color: color_of(report, &g.name),
            points: g
                .points
                .iter()
                .map(|&(x, y)| (x.max(1) as f64, y.max(1) as f64))
                .collect(),
            grows: g.streaming.verdict == Streaming::Grows,
            crossing: g
                .streaming
                .projected_files_at_limit
                .map(|x| x.max(1) as f64),
        })
        .collect();
    growth_document(
        &lines,
        report.limit_bytes,
        &GrowthText {
            caption: format!(
                "Peak RSS of the command rows against library size (log-log), {} limit",
                fmt_si_bytes(report.limit_bytes as f64)
            ),
            y_desc: "peak RSS, log scale",
            empty: "No peak RSS in this report (no command row was measured).",
            notes: &[
                "×: projected crossing of the limit",
                "thin dashes: linear projection",
            ],
        },
    )
}
