//! The SVG exporters (plotters):
//!
//! * [`SvgExporter`] (`.svg`): live heap during each row's dhat run, one
//!   line per row, one chart per fixture stacked top to bottom. The x axis
//!   is the share of that run's duration (the heap is sampled on a clock,
//!   so a phase that yields no file, such as eager's collection, shows);
//!   reports written before clock sampling fall back to media files found.
//! * [`GrowthSvgExporter`] (`.growth.svg`): peak heap against library size
//!   per row, log-log, the limit as a line, each growing row's projected
//!   crossing marked.
//!
//! Legends sit in a panel beside the plot, never over data. Text goes out
//! as SVG `<text>` elements (plotters' SVG backend with its built-in text
//! metrics), so rendering needs no font files and no fontconfig. When the
//! lines of a timeline differ by more than [`LOG_RATIO`]×, its heap axis is
//! logarithmic so the flat lines stay readable; the axis label says so.

use plotters::coord::ranged1d::{AsRangedCoord, Ranged, ValueFormatter};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use crate::report::units::{fmt_count, fmt_files_short, fmt_float, fmt_si_bytes};
use crate::report::{rendered, Exporter, FixtureInfo, Report, ReportError, RunStatus};
use crate::subject::SLOW_SUFFIX;
use crate::verdict::{Streaming, StreamingVerdict};

mod commands;
pub use commands::{
    command_exporters, render_command_growth, render_command_timelines, CommandGrowthSvgExporter,
    CommandSvgExporter,
};

/// Chart width in pixels (plot and legend panel).
const WIDTH: u32 = 1040;
/// Width of the legend panel on the right.
const LEGEND_WIDTH: u32 = 210;
/// Height of one fixture's chart in pixels.
const CHART_HEIGHT: u32 = 480;
/// Width of the growth chart, and of its legend panel (which names each
/// growing row's projected crossing).
const GROWTH_WIDTH: u32 = 1200;
const GROWTH_LEGEND_WIDTH: u32 = 330;
/// Height of the growth chart.
const GROWTH_HEIGHT: u32 = 620;
/// Above this ratio between the largest and the smallest heap sample of a
/// chart, its heap axis is logarithmic.
pub const LOG_RATIO: f64 = 50.0;

/// Line colours (matplotlib's tab10: distinct and dark enough on white),
/// reused in order when there are more rows.
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

/// Declares a chart exporter: a unit struct whose [`Exporter`] impl has
/// the given name and extension and renders with the given function.
macro_rules! chart_exporter {
    ($(#[$doc:meta])* $ty:ident, $name:literal, $ext:literal, $render:path) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $ty;

        impl Exporter for $ty {
            fn name(&self) -> &'static str {
                $name
            }

            fn extension(&self) -> &'static str {
                $ext
            }

            fn render(&self, report: &Report) -> Result<Vec<u8>, ReportError> {
                rendered(self.name(), $render(report))
            }
        }
    };
}
use chart_exporter;

chart_exporter!(
    /// Timeline SVG chart (`.svg`).
    SvgExporter,
    "svg",
    "svg",
    render
);

chart_exporter!(
    /// Growth SVG chart (`.growth.svg`).
    GrowthSvgExporter,
    "growth svg",
    "growth.svg",
    render_growth
);

/// The palette colour of `name` by its place among `names` (first place
/// when absent).
fn palette_color(names: &[&str], name: &str) -> RGBAColor {
    let i = names.iter().position(|n| *n == name).unwrap_or(0);
    let (r, g, b) = PALETTE[i % PALETTE.len()];
    RGBColor(r, g, b).to_rgba()
}

/// The colour of a row: by its place in the report's row order, the same
/// in every chart.
/// A `+slow` variant takes its base row's colour and is drawn dashed.
fn color_of(report: &Report, name: &str) -> RGBAColor {
    let base = |n: &str| n.strip_suffix(SLOW_SUFFIX).unwrap_or(n).to_string();
    let mut names: Vec<String> = Vec::new();
    for r in &report.results {
        let b = base(&r.strategy);
        if !names.contains(&b) {
            names.push(b);
        }
    }
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    palette_color(&names, &base(name))
}

/// One row's line: its name, colour and (x, heap KiB) points.
struct Line {
    name: String,
    color: RGBAColor,
    points: Vec<(f64, f64)>,
}

/// The lines of one fixture: every Ok row with at least one sample; x is
/// the share of the run in percent (`by_time`) or media files found.
fn lines_of(report: &Report, fixture: &str) -> (Vec<Line>, bool) {
    let rows: Vec<_> = report
        .results
        .iter()
        .filter(|r| r.fixture == fixture && r.status == RunStatus::Ok && !r.timeline.is_empty())
        .collect();
    let by_time = rows.iter().any(|r| r.timeline.iter().any(|s| s.t_ms > 0.0));
    let lines = rows
        .iter()
        .map(|r| {
            let end = r.timeline.iter().map(|s| s.t_ms).fold(0.0, f64::max);
            let points = r
                .timeline
                .iter()
                .map(|s| {
                    let x = if by_time {
                        if end > 0.0 {
                            100.0 * s.t_ms / end
                        } else {
                            0.0
                        }
                    } else {
                        s.files as f64
                    };
                    (x, s.heap_bytes as f64 / 1024.0)
                })
                .collect();
            Line {
                name: r.strategy.clone(),
                color: color_of(report, &r.strategy),
                points,
            }
        })
        .collect();
    (lines, by_time)
}

/// The whole timeline SVG document.
pub fn render(report: &Report) -> Result<String, String> {
    let charts: Vec<(&FixtureInfo, Vec<Line>, bool)> = report
        .fixtures
        .iter()
        .map(|f| {
            let (lines, by_time) = lines_of(report, &f.preset);
            (f, lines, by_time)
        })
        .filter(|(_, lines, _)| !lines.is_empty())
        .collect();
    timeline_document(
        &charts,
        "No heap timeline in this report (no strategy was measured).",
        |plot, (fx, lines, by_time)| {
            draw_fixture(plot, fx, lines, *by_time)?;
            Ok(lines)
        },
    )
}

/// A stack of timeline charts, one per entry of `charts` (or the `empty`
/// sentence when there is none): `draw` plots an entry in the plot area
/// and returns its lines, named in the legend panel beside it.
fn timeline_document<T>(
    charts: &[T],
    empty: &str,
    draw: impl for<'t> Fn(&DrawingArea<SVGBackend<'_>, Shift>, &'t T) -> Result<&'t [Line], String>,
) -> Result<String, String> {
    let mut buf = String::new();
    {
        let n = u32::try_from(charts.len().max(1)).unwrap_or(1);
        let root = SVGBackend::with_string(&mut buf, (WIDTH, CHART_HEIGHT * n)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        if charts.is_empty() {
            root.draw(&Text::new(empty, (20, 40), ("sans-serif", 18).into_font()))
                .map_err(|e| e.to_string())?;
        }
        let areas = root.split_evenly((charts.len().max(1), 1));
        for (area, chart) in areas.iter().zip(charts) {
            let (plot, legend) = area.split_horizontally(WIDTH - LEGEND_WIDTH);
            let lines = draw(&plot, chart)?;
            let entries: Vec<(String, RGBAColor)> =
                lines.iter().map(|l| (l.name.clone(), l.color)).collect();
            draw_legend(&legend, &entries)?;
        }
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(buf)
}

/// True for a slow-consumer row (or a legend entry that starts with one).
fn is_slow(name: &str) -> bool {
    name.split([' ', ':'])
        .next()
        .is_some_and(|n| n.ends_with(SLOW_SUFFIX))
}

/// A legend panel: one coloured line and name per entry, top to bottom
/// (dashed for slow-consumer rows).
fn draw_legend(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    entries: &[(String, RGBAColor)],
) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<_>| e.to_string();
    for (i, (name, color)) in entries.iter().enumerate() {
        let y = 60 + 22 * i32::try_from(i).unwrap_or(0);
        if is_slow(name) {
            area.draw(&DashedPathElement::new(
                vec![(8, y), (34, y)],
                5,
                3,
                color.stroke_width(3),
            ))
            .map_err(e)?;
        } else {
            area.draw(&PathElement::new(
                vec![(8, y), (34, y)],
                color.stroke_width(3),
            ))
            .map_err(e)?;
        }
        area.draw(&Text::new(
            name.clone(),
            (42, y - 8),
            ("sans-serif", 14).into_font(),
        ))
        .map_err(e)?;
    }
    Ok(())
}

fn draw_fixture(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    fx: &FixtureInfo,
    lines: &[Line],
    by_time: bool,
) -> Result<(), String> {
    let caption = format!(
        "Live heap during the heap run: {} ({} media files, {}, {} cache)",
        fx.preset,
        fmt_count(fx.media_files),
        fx.fs_type,
        fx.cache
    );
    let all = lines.iter().flat_map(|l| l.points.iter());
    let (x_max, x_desc) = if by_time {
        (
            100.0,
            "progress of each row's heap run [% of its duration]; sampled every 2 ms and every 1,000 files",
        )
    } else {
        (
            all.map(|p| p.0)
                .fold(fx.media_files as f64, f64::max)
                .max(1.0),
            "media files found",
        )
    };
    draw_y_auto(
        area,
        &caption,
        (x_max, x_desc, by_time),
        lines,
        ("live heap [KiB]", "live heap [KiB], log scale"),
        1.0 / 1024.0,
    )
}

/// Draws `lines` with a linear y axis, or a logarithmic one (floored at
/// `log_floor`) when the largest and smallest positive y differ by more
/// than [`LOG_RATIO`]×; `y_desc` is the (linear, log) axis label.
fn draw_y_auto(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    caption: &str,
    x: (f64, &str, bool),
    lines: &[Line],
    (lin_desc, log_desc): (&str, &str),
    log_floor: f64,
) -> Result<(), String> {
    let all = lines.iter().flat_map(|l| l.points.iter());
    let y_max = all.clone().map(|p| p.1).fold(0.0, f64::max);
    let y_min_pos = all
        .map(|p| p.1)
        .filter(|y| *y > 0.0)
        .fold(f64::INFINITY, f64::min);
    if y_min_pos.is_finite() && y_max / y_min_pos > LOG_RATIO {
        let lo = (y_min_pos / 2.0).max(log_floor);
        let range = (lo..y_max * 2.0).log_scale();
        draw_lines(area, caption, x, range, log_desc, lines, lo)
    } else {
        let top = if y_max > 0.0 { y_max * 1.15 } else { 1.0 };
        draw_lines(area, caption, x, 0.0..top, lin_desc, lines, 0.0)
    }
}

fn draw_lines<Y>(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    caption: &str,
    (x_max, x_desc, by_time): (f64, &str, bool),
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
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_label_formatter(&|x| {
            if by_time {
                format!("{}%", x.round())
            } else {
                fmt_count(x.max(0.0).round() as u64)
            }
        })
        .y_label_formatter(&|y| fmt_float(*y, if y.abs() >= 10.0 { 0 } else { 1 }))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(e)?;
    for line in lines {
        let color = line.color;
        let pts: Vec<(f64, f64)> = line
            .points
            .iter()
            .map(|&(x, y)| (x, y.max(y_floor)))
            .collect();
        if is_slow(&line.name) {
            chart
                .draw_series(DashedLineSeries::new(
                    pts.iter().copied(),
                    6,
                    4,
                    color.stroke_width(2),
                ))
                .map_err(e)?;
        } else {
            chart
                .draw_series(LineSeries::new(pts.iter().copied(), color.stroke_width(2)))
                .map_err(e)?;
        }
        if pts.len() <= 200 {
            chart
                .draw_series(pts.iter().map(|&p| Circle::new(p, 2, color.filled())))
                .map_err(e)?;
        }
    }
    Ok(())
}

/// One row of the growth chart.
struct GrowthLine {
    name: String,
    color: RGBAColor,
    points: Vec<(f64, f64)>,
    grows: bool,
    crossing: Option<f64>,
}

impl GrowthLine {
    /// The line of a row's (files, peak bytes) points, each axis at
    /// least 1 (log scale), with its streaming verdict's crossing.
    fn new(name: &str, color: RGBAColor, points: &[(u64, u64)], v: &StreamingVerdict) -> Self {
        GrowthLine {
            name: name.to_string(),
            color,
            points: points
                .iter()
                .map(|&(x, y)| (x.max(1) as f64, y.max(1) as f64))
                .collect(),
            grows: v.verdict == Streaming::Grows,
            crossing: v.projected_files_at_limit.map(|x| x.max(1) as f64),
        }
    }
}

/// The whole growth SVG document.
pub fn render_growth(report: &Report) -> Result<String, String> {
    let lines: Vec<GrowthLine> = report
        .growth
        .iter()
        .filter(|g| !g.points.is_empty())
        .map(|g| {
            let color = color_of(report, &g.strategy);
            GrowthLine::new(&g.strategy, color, &g.points, &g.streaming)
        })
        .collect();
    growth_document(
        &lines,
        report.limit_bytes,
        &GrowthText {
            peak_of: "Peak heap",
            y_desc: "peak heap, log scale",
            empty: "No peak heap in this report (no row was measured).",
            more_notes: &["dashed, triangles: +slow rows"],
        },
    )
}

/// The words of a growth chart.
/// `peak_of` starts the caption (`Peak heap against library size
/// (log-log), 500 MB limit`); `more_notes` follow the notes every growth
/// chart has ([`GROWTH_NOTES`]) below the legend.
struct GrowthText<'a> {
    peak_of: &'a str,
    y_desc: &'a str,
    empty: &'a str,
    more_notes: &'a [&'a str],
}

/// The notes below every growth chart's legend.
const GROWTH_NOTES: [&str; 2] = [
    "×: projected crossing of the limit",
    "thin dashes: linear projection",
];

/// True for the 1-2-5 ticks of a log axis (1, 2, 5, 10, 20, 50, ...): the
/// only ones labelled. On an axis of less than two decades plotters puts a
/// tick at every multiple (..., 800, 900, 1,000), whose labels overlap near
/// the top of each decade.
fn on_125(x: f64) -> bool {
    if !(x.is_finite() && x > 0.0) {
        return false;
    }
    let mantissa = x / 10f64.powf(x.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .any(|m| (mantissa - m).abs() < 1e-6 * m)
}

/// A growth chart document: peak against library size, log-log, the limit
/// as a line, each growing row's projected crossing marked.
fn growth_document(
    lines: &[GrowthLine],
    limit_bytes: u64,
    t: &GrowthText<'_>,
) -> Result<String, String> {
    let limit = limit_bytes as f64;
    let mut buf = String::new();
    {
        let root =
            SVGBackend::with_string(&mut buf, (GROWTH_WIDTH, GROWTH_HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let e = |e: DrawingAreaErrorKind<_>| e.to_string();
        if lines.is_empty() {
            root.draw(&Text::new(
                t.empty,
                (20, 40),
                ("sans-serif", 18).into_font(),
            ))
            .map_err(e)?;
            root.present().map_err(e)?;
            drop(root);
            return Ok(buf);
        }
        let (plot, legend) = root.split_horizontally(GROWTH_WIDTH - GROWTH_LEGEND_WIDTH);
        let xs = lines
            .iter()
            .flat_map(|l| l.points.iter().map(|p| p.0).chain(l.crossing));
        let x_lo = xs.clone().fold(f64::INFINITY, f64::min) / 2.0;
        let x_hi = xs.fold(0.0, f64::max).max(x_lo * 4.0) * 3.0;
        let ys = lines.iter().flat_map(|l| l.points.iter().map(|p| p.1));
        let y_lo = ys.clone().fold(f64::INFINITY, f64::min) / 2.0;
        let y_hi = ys.fold(limit, f64::max) * 4.0;
        let caption = format!(
            "{} against library size (log-log), {} limit",
            t.peak_of,
            fmt_si_bytes(limit)
        );
        let last_label = std::cell::Cell::new(f64::NAN);
        let mut chart = ChartBuilder::on(&plot)
            .caption(&caption, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(86)
            .build_cartesian_2d((x_lo..x_hi).log_scale(), (y_lo..y_hi).log_scale())
            .map_err(e)?;
        chart
            .configure_mesh()
            .x_desc("library size [media files], log scale")
            .y_desc(t.y_desc)
            .x_label_formatter(&|x| {
                // plotters can give the last tick of a decade twice.
                if on_125(*x) && last_label.replace(*x) != *x {
                    fmt_files_short(x.max(0.0).round() as u64)
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|y| fmt_si_bytes(*y))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(e)?;
        let red = RGBColor(200, 0, 0);
        chart
            .draw_series(DashedLineSeries::new(
                [(x_lo, limit), (x_hi, limit)],
                10,
                6,
                red.stroke_width(2),
            ))
            .map_err(e)?;
        chart
            .draw_series(std::iter::once(Text::new(
                format!("limit {}", fmt_si_bytes(limit)),
                (x_lo * 1.15, limit * 2.6),
                ("sans-serif", 14).into_font().color(&red),
            )))
            .map_err(e)?;
        for l in lines {
            let color = l.color;
            if is_slow(&l.name) {
                chart
                    .draw_series(DashedLineSeries::new(
                        l.points.iter().copied(),
                        6,
                        4,
                        color.stroke_width(2),
                    ))
                    .map_err(e)?;
                chart
                    .draw_series(
                        l.points
                            .iter()
                            .map(|&p| TriangleMarker::new(p, 5, color.filled())),
                    )
                    .map_err(e)?;
            } else {
                chart
                    .draw_series(LineSeries::new(
                        l.points.iter().copied(),
                        color.stroke_width(2),
                    ))
                    .map_err(e)?;
                chart
                    .draw_series(l.points.iter().map(|&p| Circle::new(p, 4, color.filled())))
                    .map_err(e)?;
            }
            if let (true, Some(x), Some(&last)) = (l.grows, l.crossing, l.points.last()) {
                // The projection: thin, long dashes, ending in a cross on
                // the limit line.
                chart
                    .draw_series(DashedLineSeries::new(
                        [last, (x, limit)],
                        12,
                        8,
                        color.stroke_width(1),
                    ))
                    .map_err(e)?;
                chart
                    .draw_series(std::iter::once(Cross::new(
                        (x, limit),
                        7,
                        color.stroke_width(3),
                    )))
                    .map_err(e)?;
            }
        }
        let entries: Vec<(String, RGBAColor)> = lines
            .iter()
            .map(|l| {
                let tag = match (l.grows, l.crossing) {
                    (true, Some(x)) => {
                        format!(": grows, limit at ~{}", fmt_files_short(x.round() as u64))
                    }
                    (true, None) => ": grows".to_string(),
                    (false, _) => String::new(),
                };
                (format!("{}{tag}", l.name), l.color)
            })
            .collect();
        draw_legend(&legend, &entries)?;
        let below = 60 + 22 * i32::try_from(entries.len()).unwrap_or(0) + 8;
        let notes = GROWTH_NOTES.iter().chain(t.more_notes);
        for (k, note) in notes.enumerate() {
            legend
                .draw(&Text::new(
                    *note,
                    (8, below + 18 * i32::try_from(k).unwrap_or(0)),
                    ("sans-serif", 13).into_font(),
                ))
                .map_err(e)?;
        }
        root.present().map_err(e)?;
    }
    Ok(buf)
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
    fn growth_chart_marks_the_limit_and_the_crossing() {
        let r = sample_report();
        let svg = render_growth(&r).expect("render");
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("limit 500 MB"), "{svg:.400}");
        assert!(svg.contains("eager: grows, limit at ~5.6 M"));
        assert!(svg.contains("log scale"));
        let mut empty = r.clone();
        empty.growth.clear();
        assert!(render_growth(&empty)
            .expect("render")
            .contains("No peak heap"));
    }

    #[test]
    fn a_log_axis_labels_only_its_1_2_5_ticks() {
        let labelled: Vec<f64> = [
            800.0, 900.0, 1000.0, 2000.0, 3000.0, 5000.0, 7000.0, 10_000.0, 0.5, 0.2, 0.0, -1.0,
        ]
        .into_iter()
        .filter(|&x| on_125(x))
        .collect();
        assert_eq!(labelled, [1000.0, 2000.0, 5000.0, 10_000.0, 0.5, 0.2]);
        // Every label of a growth chart once, none crowded (the golden
        // profile report pins an axis of under two decades, where plotters
        // ticks every multiple: 100, 200, 500, 1,000, 2,000 only).
        let r = sample_report();
        let svg = render_growth(&r).expect("render");
        let texts: Vec<&str> = svg
            .split("<text")
            .skip(1)
            .filter_map(|t| t.split_once('>'))
            .filter_map(|(_, rest)| rest.split_once("</text>"))
            .map(|(text, _)| text.trim())
            .collect();
        for crowded in ["300", "700", "900"] {
            assert!(!texts.contains(&crowded), "{crowded} labelled: {texts:?}");
        }
        for label in ["1,000", "10 k", "100 k", "1 M"] {
            let n = texts.iter().filter(|t| **t == label).count();
            assert_eq!(n, 1, "{label} labelled {n} times: {texts:?}");
        }
    }

    #[test]
    fn empty_report_still_renders() {
        let mut r = sample_report();
        r.results.clear();
        let svg = render(&r).expect("render");
        assert!(svg.starts_with("<svg") && svg.contains("No heap timeline"));
    }
}
