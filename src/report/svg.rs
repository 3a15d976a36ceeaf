//! The SVG exporter: live heap against media files found, one line per
//! strategy, one chart per fixture stacked top to bottom (plotters).
//!
//! Text goes out as SVG `<text>` elements (plotters' SVG backend with its
//! built-in text metrics), so rendering needs no font files and no
//! fontconfig. When the lines differ by more than [`LOG_RATIO`]× (the `eager`
//! reference next to the streaming walkers), the heap axis is logarithmic so
//! the flat lines stay readable; the axis label says so.

use plotters::coord::ranged1d::{AsRangedCoord, Ranged, ValueFormatter};
use plotters::coord::Shift;
use plotters::prelude::*;

use super::markdown::{fmt_count, fmt_float};
use super::{Exporter, FixtureInfo, Report, ReportError, RunStatus};

/// Chart width in pixels.
const WIDTH: u32 = 960;
/// Height of one fixture's chart in pixels.
const CHART_HEIGHT: u32 = 480;
/// Above this ratio between the largest and the smallest heap sample of a
/// chart, its heap axis is logarithmic.
pub const LOG_RATIO: f64 = 50.0;

/// Line colours (matplotlib's tab10: distinct and dark enough on white),
/// reused in order when there are more strategies.
const PALETTE: [(u8, u8, u8); 10] = [
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
    (188, 189, 34),
    (23, 190, 207),
];

/// SVG chart (`.svg`).
#[derive(Debug, Clone, Copy, Default)]
pub struct SvgExporter;

impl Exporter for SvgExporter {
    fn name(&self) -> &'static str {
        "svg"
    }

    fn extension(&self) -> &'static str {
        "svg"
    }

    fn render(&self, report: &Report) -> Result<Vec<u8>, ReportError> {
        render(report)
            .map(String::into_bytes)
            .map_err(|cause| ReportError::Render {
                format: self.name(),
                cause,
            })
    }
}

/// One strategy's line: its name and (files found, heap KiB) points.
type Line = (String, Vec<(f64, f64)>);

/// The lines of one fixture: every Ok row with at least one sample.
fn lines_of(report: &Report, fixture: &str) -> Vec<Line> {
    report
        .results
        .iter()
        .filter(|r| r.fixture == fixture && r.status == RunStatus::Ok && !r.timeline.is_empty())
        .map(|r| {
            let pts = r
                .timeline
                .iter()
                .map(|s| (s.files as f64, s.heap_bytes as f64 / 1024.0))
                .collect();
            (r.strategy.clone(), pts)
        })
        .collect()
}

/// The whole SVG document.
pub fn render(report: &Report) -> Result<String, String> {
    let charts: Vec<(&FixtureInfo, Vec<Line>)> = report
        .fixtures
        .iter()
        .map(|f| (f, lines_of(report, &f.preset)))
        .filter(|(_, lines)| !lines.is_empty())
        .collect();
    let mut buf = String::new();
    {
        let n = u32::try_from(charts.len().max(1)).unwrap_or(1);
        let root = SVGBackend::with_string(&mut buf, (WIDTH, CHART_HEIGHT * n)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        if charts.is_empty() {
            root.draw(&Text::new(
                "No heap timeline in this report (no strategy was measured).",
                (20, 40),
                ("sans-serif", 18).into_font(),
            ))
            .map_err(|e| e.to_string())?;
        }
        let areas = root.split_evenly((charts.len().max(1), 1));
        for (area, (fx, lines)) in areas.iter().zip(&charts) {
            draw_fixture(area, fx, lines)?;
        }
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(buf)
}

fn draw_fixture(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    fx: &FixtureInfo,
    lines: &[Line],
) -> Result<(), String> {
    let caption = format!(
        "Live heap against media files found: {} ({} media files, {}, {} cache)",
        fx.preset,
        fmt_count(fx.media_files),
        fx.fs_type,
        fx.cache
    );
    let all = lines.iter().flat_map(|l| l.1.iter());
    let x_max = all
        .clone()
        .map(|p| p.0)
        .fold(fx.media_files as f64, f64::max)
        .max(1.0);
    let y_max = all.clone().map(|p| p.1).fold(0.0, f64::max);
    let y_min_pos = all
        .map(|p| p.1)
        .filter(|y| *y > 0.0)
        .fold(f64::INFINITY, f64::min);
    if y_min_pos.is_finite() && y_max / y_min_pos > LOG_RATIO {
        let lo = (y_min_pos / 2.0).max(1.0 / 1024.0);
        let range = (lo..y_max * 2.0).log_scale();
        draw_lines(
            area,
            &caption,
            x_max,
            range,
            "live heap [KiB], log scale",
            lines,
            lo,
        )
    } else {
        let top = if y_max > 0.0 { y_max * 1.15 } else { 1.0 };
        draw_lines(
            area,
            &caption,
            x_max,
            0.0..top,
            "live heap [KiB]",
            lines,
            0.0,
        )
    }
}

fn draw_lines<Y>(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    caption: &str,
    x_max: f64,
    y_range: Y,
    y_desc: &str,
    lines: &[Line],
    y_floor: f64,
) -> Result<(), String>
where
    Y: AsRangedCoord<Value = f64>,
    Y::CoordDescType: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let e = |e: DrawingAreaErrorKind<_>| e.to_string();
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(76)
        .build_cartesian_2d(0.0..x_max * 1.02, y_range)
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_desc("media files found")
        .y_desc(y_desc)
        .x_label_formatter(&|x| fmt_count(x.max(0.0).round() as u64))
        .y_label_formatter(&|y| fmt_float(*y, if y.abs() >= 10.0 { 0 } else { 1 }))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(e)?;
    for (i, (name, pts)) in lines.iter().enumerate() {
        let (r, g, b) = PALETTE[i % PALETTE.len()];
        let color = RGBColor(r, g, b).to_rgba();
        let pts: Vec<(f64, f64)> = pts.iter().map(|&(x, y)| (x, y.max(y_floor))).collect();
        chart
            .draw_series(LineSeries::new(pts.iter().copied(), color.stroke_width(2)))
            .map_err(e)?
            .label(name.as_str())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
        chart
            .draw_series(pts.iter().map(|&p| Circle::new(p, 2, color.filled())))
            .map_err(e)?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 14))
        .draw()
        .map_err(e)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testdata::sample_report;

    #[test]
    fn renders_one_chart_per_fixture_with_legend() {
        let r = sample_report();
        let svg = render(&r).expect("render");
        assert!(svg.starts_with("<svg"), "{svg:.80}");
        assert!(svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("anime-1k (1,000 media files, tmpfs, warm cache)"));
        assert!(svg.contains("anime-10k (10,000 media files, tmpfs, warm cache)"));
        for s in ["std", "eager", "rayon"] {
            assert!(
                svg.contains(&format!(">\n{s}\n<")) || svg.contains(&format!(">{s}<")),
                "{s}"
            );
        }
        // Unsupported rows have no line.
        assert!(!svg.contains("getdents-par"));
        // eager grows 10x over std: log scale.
        assert!(svg.contains("log scale"));
    }

    #[test]
    fn empty_report_still_renders() {
        let mut r = sample_report();
        r.results.clear();
        let svg = render(&r).expect("render");
        assert!(svg.starts_with("<svg") && svg.contains("No heap timeline"));
    }
}
