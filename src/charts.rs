//! Charts of a run, as SVG text and PNG bytes.
//!
//! Each chart is prepared in two steps: a pure function turns the results into the
//! numbers drawn (bands, curves, bins; unit-tested), and a drawing function puts them
//! on any plotters backend, so the SVG and the PNG are the same picture. Text uses
//! DejaVu Sans compiled into the binary (licence in `licenses/`), registered once, so
//! a machine without fonts or fontconfig renders every label.
//!
//! Colours follow the Okabe-Ito palette, safe for colour-blind readers: each variant
//! has its colour in every chart ([`VARIANT_COLOURS`]): uninsured is always
//! vermillion, the first policy always blue.

use crate::run::RunResult;
use crate::stats::{Level, P5, P25, P50, P75, P95};
use crate::summary::Summary;
use crate::table::{money, thousands};
use crate::variant::{INSURED, MAX_VARIANTS, UNINSURED};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::sync::Once;

/// The colour of each variant, in every chart and the report (Okabe-Ito): uninsured
/// vermillion, then the policies blue, bluish green, orange, reddish purple, sky blue
/// and black.
pub const VARIANT_COLOURS: [RGBColor; MAX_VARIANTS] = [
    RGBColor(0xD5, 0x5E, 0x00),
    RGBColor(0x00, 0x72, 0xB2),
    RGBColor(0x00, 0x9E, 0x73),
    RGBColor(0xE6, 0x9F, 0x00),
    RGBColor(0xCC, 0x79, 0xA7),
    RGBColor(0x56, 0xB4, 0xE9),
    RGBColor(0x00, 0x00, 0x00),
];
/// Uninsured: Okabe-Ito vermillion.
pub const UNINSURED_COLOUR: RGBColor = VARIANT_COLOURS[UNINSURED];
/// The first policy: Okabe-Ito blue.
pub const INSURED_COLOUR: RGBColor = VARIANT_COLOURS[INSURED];
/// Okabe-Ito bluish green: a gain (policy chart), an input moved down (tornado).
pub const GAIN_COLOUR: RGBColor = RGBColor(0x00, 0x9E, 0x73);
/// Okabe-Ito reddish purple: a cost (policy chart), an input moved up (tornado).
pub const COST_COLOUR: RGBColor = RGBColor(0xCC, 0x79, 0xA7);
/// Shortfall region and threshold lines.
const SHORTFALL_COLOUR: RGBColor = RGBColor(0x55, 0x55, 0x55);
const FONT: &str = "sans-serif";
/// Chart size in pixels (PNG) and user units (SVG).
pub const SIZE: (u32, u32) = (960, 540);
/// The fan chart has a panel per variant; with two it is this size.
pub const FAN_SIZE: (u32, u32) = (960, 760);

/// The size of the fan chart of `variants` panels: each panel after the second adds
/// a third of the two-panel height.
fn fan_size(variants: usize) -> (u32, u32) {
    let extra = variants.saturating_sub(2) as u32 * (FAN_SIZE.1 - 60) / 2;
    (FAN_SIZE.0, FAN_SIZE.1 + extra)
}

fn colour(variant: usize) -> RGBColor {
    VARIANT_COLOURS[variant]
}

/// A variant's colour as CSS (`#rrggbb`), for the report.
pub fn css_colour(variant: usize) -> String {
    let RGBColor(r, g, b) = VARIANT_COLOURS[variant];
    format!("#{r:02X}{g:02X}{b:02X}")
}

/// A variant's name in a legend: "uninsured", "insured" for the policy of
/// `[insurance]`, else the policy's name as written.
fn legend_name(view: &crate::summary::VariantView) -> String {
    match view.name {
        "Uninsured" | "Insured" => view.name.to_lowercase(),
        name => name.to_string(),
    }
}

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The embedded font is valid TrueType; if it were not, charts would have no
        // text, which the chart tests would catch.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
        let _ = plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold());
    });
}

/// Per-day headroom percentiles of one variant.
#[derive(Debug, Clone, PartialEq)]
pub struct Bands {
    /// 5th, 25th, 50th, 75th, 95th percentile per day.
    pub levels: [Vec<f64>; 5],
}

/// Fan chart bands of a variant from the run's histograms.
pub fn bands(result: &RunResult, variant: usize) -> Bands {
    let n = result.paths();
    let levels: [Level; 5] = [P5, P25, P50, P75, P95];
    let days = result.fan.horizon;
    Bands {
        levels: levels.map(|l| {
            (0..days)
                .map(|d| result.fan.percentile(variant, d, n, l))
                .collect()
        }),
    }
}

/// P(shortfall day <= t) for every day.
pub fn shortfall_curve(result: &RunResult, variant: usize) -> Vec<f64> {
    let n = result.paths() as f64;
    let mut seen = 0u64;
    result.variants[variant]
        .shortfall_days
        .iter()
        .map(|&c| {
            seen += c;
            seen as f64 / n
        })
        .collect()
}

/// A histogram with common bins for two samples.
#[derive(Debug, Clone, PartialEq)]
pub struct Bins {
    /// Bin edges, one more than bins.
    pub edges: Vec<f64>,
    /// Counts per bin, per sample (variant).
    pub counts: Vec<Vec<u64>>,
}

/// `bins` equal-width bins spanning every sample; the last bin includes its right edge.
pub fn common_bins(samples: &[&[f64]], bins: usize) -> Bins {
    let all = || samples.iter().flat_map(|s| s.iter().copied());
    let lo = all().fold(f64::INFINITY, f64::min);
    let hi = all().fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if lo.is_finite() && hi > lo {
        (lo, hi)
    } else if lo.is_finite() {
        (lo - 0.5, lo + 0.5)
    } else {
        (0.0, 1.0)
    };
    let width = (hi - lo) / bins as f64;
    let edges: Vec<f64> = (0..=bins).map(|i| lo + width * i as f64).collect();
    let count = |xs: &[f64]| {
        let mut c = vec![0u64; bins];
        for &x in xs {
            let i = (((x - lo) / width) as usize).min(bins - 1);
            c[i] += 1;
        }
        c
    };
    Bins {
        edges,
        counts: samples.iter().map(|s| count(s)).collect(),
    }
}

/// The exceedance curve (x, P(loss > x)) of a sample, at most `points` points plus the
/// start, from the exact sorted values.
pub fn exceedance(values: &[f64], points: usize) -> Vec<(f64, f64)> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let mut out = Vec::new();
    if n == 0 {
        return out;
    }
    // Thin the body of the distribution, keep every value of the tail (the largest
    // 2,000), where each step is a visible event.
    let step = (n / points.max(1)).max(1);
    let tail_start = n.saturating_sub(2000);
    let mut i = 0;
    while i < n {
        // Move to the last copy of this value: P(X > x) counts strictly larger ones.
        let x = sorted[i];
        let mut j = i;
        while j + 1 < n && sorted[j + 1] == x {
            j += 1;
        }
        out.push((x, (n - 1 - j) as f64 / n as f64));
        i = if j + 1 >= tail_start {
            j + 1
        } else {
            (j + 1).max(i + step)
        };
    }
    let last = sorted[n - 1];
    if out.last().map(|p| p.0) != Some(last) {
        out.push((last, 0.0));
    }
    out
}

/// Draws the series labels of a chart in the common style.
fn legend<'a, DB: DrawingBackend + 'a, X: Ranged, Y: Ranged>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    position: SeriesLabelPosition,
    size: u32,
) -> Result<(), ChartError> {
    chart
        .configure_series_labels()
        .position(position)
        .label_font((FONT, size))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .draw()
        .map_err(err)
}

/// A drawing error, as text.
pub type ChartError = String;

fn err<E: std::fmt::Debug>(e: E) -> ChartError {
    format!("{e:?}")
}

/// A chart in both formats.
#[derive(Debug, Clone)]
pub struct Chart {
    /// File stem, e.g. `headroom_fan`.
    pub name: &'static str,
    /// What the reader learns.
    pub title: String,
    /// How to read the chart.
    pub caption: &'static str,
    /// SVG text.
    pub svg: String,
    /// PNG bytes.
    pub png: Vec<u8>,
}

fn both(
    (name, caption, size): (&'static str, &'static str, (u32, u32)),
    title: String,
    draw_svg: impl Fn(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<(), ChartError>,
    draw_png: impl Fn(&DrawingArea<BitMapBackend<'_>, Shift>) -> Result<(), ChartError>,
) -> Result<Chart, ChartError> {
    register_font();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        draw_svg(&root)?;
        root.present().map_err(err)?;
    }
    let mut rgb = vec![0u8; (size.0 * size.1 * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
        draw_png(&root)?;
        root.present().map_err(err)?;
    }
    let mut png = Vec::new();
    image::ImageEncoder::write_image(
        image::codecs::png::PngEncoder::new(&mut png),
        &rgb,
        size.0,
        size.1,
        image::ColorType::Rgb8,
    )
    .map_err(err)?;
    Ok(Chart {
        name,
        caption,
        title,
        svg,
        png,
    })
}

/// Everything the charts draw, prepared once.
#[derive(Debug, Clone)]
pub struct ChartData {
    currency: String,
    threshold: f64,
    horizon: usize,
    /// Per variant (uninsured first): fan bands, shortfall curve, legend name.
    bands: Vec<Bands>,
    curves: Vec<Vec<f64>>,
    names: Vec<String>,
    min_bins: Bins,
    gross: Vec<(f64, f64)>,
    /// Per policy: the exceedance curve of the credit loss net of its payouts.
    net: Vec<Vec<(f64, f64)>>,
    summary: Summary,
}

impl ChartData {
    /// Prepares the chart data of a run and its summary.
    pub fn new(run: &crate::run::Run, summary: &Summary) -> ChartData {
        let (result, min_headroom) = (&run.result, run.scenario.min_headroom);
        // The variants the reader is shown (without a policy, uninsured alone).
        let shown = summary.variant_count();
        let variants = || 0..shown;
        ChartData {
            currency: summary.scenario.currency.clone(),
            threshold: min_headroom,
            horizon: result.fan.horizon,
            bands: variants().map(|v| bands(result, v)).collect(),
            curves: variants().map(|v| shortfall_curve(result, v)).collect(),
            names: summary.variants().map(|v| legend_name(&v)).collect(),
            min_bins: common_bins(
                &result.variants[..shown]
                    .iter()
                    .map(|v| v.min_headroom.as_slice())
                    .collect::<Vec<_>>(),
                60,
            ),
            gross: exceedance(&result.credit_loss, 400),
            net: result.variants[INSURED..shown]
                .iter()
                .map(|v| v.net_loss.exceedance())
                .collect(),
            summary: summary.clone(),
        }
    }
}

fn axis_money(currency: &str) -> impl Fn(&f64) -> String + '_ {
    move |v: &f64| {
        let _ = currency;
        thousands(*v)
    }
}

fn y_range(values: impl Iterator<Item = f64>, include: f64) -> std::ops::Range<f64> {
    let (mut lo, mut hi) = (include, include);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    let pad = ((hi - lo) * 0.06).max(1.0);
    (lo - pad)..(hi + pad)
}

fn draw_fan<DB: DrawingBackend>(
    d: &ChartData,
    root: &DrawingArea<DB, Shift>,
    title: &str,
) -> Result<(), ChartError> {
    root.fill(&WHITE).map_err(err)?;
    let titled = root.titled(title, (FONT, 20)).map_err(err)?;
    let count = d.bands.len();
    let panels = titled.split_evenly((count, 1));
    let days = d.horizon as f64;
    // One y range for both panels, so that they compare at a glance.
    let all = d
        .bands
        .iter()
        .flat_map(|b| b.levels[0].iter().chain(&b.levels[4]).copied());
    let y = y_range(all, d.threshold);
    // Room above the bands for the legend, so that it never covers the median.
    let y = y.start..(y.end + 0.45 * (y.end - y.start));
    let fmt = axis_money(&d.currency);
    for (v, panel) in panels.iter().enumerate() {
        let (c, last) = (colour(v), v + 1 == count);
        let b = &d.bands[v];
        let mut chart = ChartBuilder::on(panel)
            .margin(10)
            .x_label_area_size(if last { 40 } else { 10 })
            .y_label_area_size(96)
            .build_cartesian_2d(0.0..days.max(1.0), y.clone())
            .map_err(err)?;
        let mut mesh = chart.configure_mesh();
        mesh.y_desc(format!("Headroom, {}", d.currency))
            .y_label_formatter(&fmt)
            .x_label_formatter(&|x: &f64| format!("{x:.0}"))
            .axis_desc_style((FONT, 14))
            .label_style((FONT, 13))
            .y_labels(6)
            .light_line_style(WHITE.mix(0.0));
        if last {
            mesh.x_desc("Day");
        } else {
            mesh.x_labels(0);
        }
        mesh.draw().map_err(err)?;
        for (lo, hi, alpha, label) in [(0, 4, 0.15, "5-95 % of paths"), (1, 3, 0.35, "25-75 %")] {
            let mut poly: Vec<(f64, f64)> = b.levels[lo]
                .iter()
                .enumerate()
                .map(|(t, &y)| (t as f64, y))
                .collect();
            poly.extend(
                b.levels[hi]
                    .iter()
                    .enumerate()
                    .rev()
                    .map(|(t, &y)| (t as f64, y)),
            );
            chart
                .draw_series(std::iter::once(Polygon::new(poly, c.mix(alpha).filled())))
                .map_err(err)?
                .label(label)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 24, y + 6)], c.mix(alpha).filled())
                });
        }
        chart
            .draw_series(LineSeries::new(
                b.levels[2].iter().enumerate().map(|(t, &y)| (t as f64, y)),
                c.stroke_width(2),
            ))
            .map_err(err)?
            .label(format!("{}: median", d.names[v]))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], c.stroke_width(3)));
        if v != UNINSURED {
            // The policy's effect at a glance: the uninsured median and 5th percentile
            // drawn over the policy's bands.
            let u = colour(UNINSURED);
            for (level, label) in [(2, "uninsured: median"), (0, "uninsured: 5th percentile")] {
                chart
                    .draw_series(LineSeries::new(
                        d.bands[UNINSURED].levels[level]
                            .iter()
                            .enumerate()
                            .map(|(t, &y)| (t as f64, y)),
                        u.stroke_width(1),
                    ))
                    .map_err(err)?
                    .label(label)
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 24, y)], u.stroke_width(1))
                    });
            }
        }
        chart
            .draw_series(LineSeries::new(
                [(0.0, d.threshold), (days, d.threshold)],
                SHORTFALL_COLOUR.stroke_width(2),
            ))
            .map_err(err)?
            .label(format!(
                "shortfall below {}",
                money(&d.currency, d.threshold)
            ))
            .legend(|(x, y)| {
                PathElement::new(vec![(x, y), (x + 24, y)], SHORTFALL_COLOUR.stroke_width(2))
            });
        legend(&mut chart, SeriesLabelPosition::UpperLeft, 12)?;
    }
    Ok(())
}

fn draw_shortfall<DB: DrawingBackend>(
    d: &ChartData,
    root: &DrawingArea<DB, Shift>,
    title: &str,
) -> Result<(), ChartError> {
    root.fill(&WHITE).map_err(err)?;
    let days = d.horizon as f64;
    let top = d
        .curves
        .iter()
        .flat_map(|c| c.iter().copied())
        .fold(0.0, f64::max);
    let top = if top > 0.0 {
        (top * 1.15).min(1.0)
    } else {
        0.01
    };
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FONT, 20))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(80)
        .build_cartesian_2d(0.0..days.max(1.0), 0.0..top * 100.0)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("Day")
        .y_desc("Paths with a shortfall by this day, %")
        .y_label_formatter(&|v| format!("{v:.1} %"))
        .x_label_formatter(&|x: &f64| format!("{x:.0}"))
        .axis_desc_style((FONT, 15))
        .label_style((FONT, 13))
        .draw()
        .map_err(err)?;
    for (v, curve) in d.curves.iter().enumerate() {
        let c = colour(v);
        chart
            .draw_series(LineSeries::new(
                curve
                    .iter()
                    .enumerate()
                    .map(|(t, &p)| (t as f64, 100.0 * p)),
                c.stroke_width(3),
            ))
            .map_err(err)?
            .label(d.names[v].as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], c.stroke_width(3)));
    }
    legend(&mut chart, SeriesLabelPosition::UpperLeft, 14)?;
    Ok(())
}

fn draw_min_headroom<DB: DrawingBackend>(
    d: &ChartData,
    root: &DrawingArea<DB, Shift>,
    title: &str,
) -> Result<(), ChartError> {
    root.fill(&WHITE).map_err(err)?;
    let b = &d.min_bins;
    let n: u64 = b.counts[0].iter().sum::<u64>().max(1);
    let top = b.counts.iter().flatten().copied().max().unwrap_or(1) as f64 / n as f64 * 100.0;
    let (lo, hi) = (b.edges[0], *b.edges.last().unwrap_or(&1.0));
    let lo = lo.min(d.threshold);
    let hi = hi.max(d.threshold);
    let pad = (hi - lo) * 0.03;
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FONT, 20))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(80)
        .build_cartesian_2d((lo - pad)..(hi + pad), 0.0..(top * 1.15).max(0.1))
        .map_err(err)?;
    let fmt = axis_money(&d.currency);
    chart
        .configure_mesh()
        .x_desc(format!("Lowest headroom of a path, {}", d.currency))
        .y_desc("Share of paths, %")
        .x_label_formatter(&fmt)
        .y_label_formatter(&|v| format!("{v:.1} %"))
        .axis_desc_style((FONT, 15))
        .label_style((FONT, 13))
        .x_labels(8)
        .draw()
        .map_err(err)?;
    // The shortfall region: everything left of the threshold.
    chart
        .draw_series(std::iter::once(Rectangle::new(
            [(lo - pad, 0.0), (d.threshold, (top * 1.15).max(0.1))],
            SHORTFALL_COLOUR.mix(0.12).filled(),
        )))
        .map_err(err)?
        .label("shortfall region")
        .legend(|(x, y)| {
            Rectangle::new(
                [(x, y - 6), (x + 24, y + 6)],
                SHORTFALL_COLOUR.mix(0.2).filled(),
            )
        });
    for (v, counts) in b.counts.iter().enumerate() {
        let c = colour(v);
        let points = counts.iter().enumerate().flat_map(|(i, &k)| {
            let y = k as f64 / n as f64 * 100.0;
            [(b.edges[i], y), (b.edges[i + 1], y)]
        });
        chart
            .draw_series(LineSeries::new(points, c.stroke_width(3)))
            .map_err(err)?
            .label(d.names[v].as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], c.stroke_width(3)));
    }
    legend(&mut chart, SeriesLabelPosition::UpperRight, 14)?;
    Ok(())
}

fn draw_loss<DB: DrawingBackend>(
    d: &ChartData,
    root: &DrawingArea<DB, Shift>,
    title: &str,
) -> Result<(), ChartError> {
    root.fill(&WHITE).map_err(err)?;
    let n = d.summary.simulation.paths.max(1) as f64;
    let floor = (1.0 / n).max(1e-6) / 2.0;
    let xmax = d
        .gross
        .iter()
        .chain(d.net.iter().flatten())
        .map(|p| p.0)
        .fold(1.0, f64::max);
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FONT, 20))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(80)
        .build_cartesian_2d(0.0..xmax * 1.03, (floor..1.0).log_scale())
        .map_err(err)?;
    let fmt = axis_money(&d.currency);
    chart
        .configure_mesh()
        .x_desc(format!("Credit loss of a path, {}", d.currency))
        .y_desc("Chance of a larger loss (log scale)")
        .x_label_formatter(&fmt)
        .y_label_formatter(&|v| {
            if *v >= 0.01 {
                format!("{:.0} %", v * 100.0)
            } else {
                format!("{} %", v * 100.0)
            }
        })
        .axis_desc_style((FONT, 15))
        .label_style((FONT, 13))
        .x_labels(8)
        .draw()
        .map_err(err)?;
    let mut series = vec![(
        &d.gross,
        UNINSURED_COLOUR,
        "gross (what the buyers fail to pay)".to_string(),
    )];
    for (k, net) in d.net.iter().enumerate() {
        let label = if d.net.len() == 1 {
            "net of insurance payouts".to_string()
        } else {
            format!("net of payouts, {}", d.names[INSURED + k])
        };
        series.push((net, colour(INSURED + k), label));
    }
    for (curve, c, label) in series {
        // A step curve where a step is wide enough to see (the tail, where each step
        // is a path); in the dense body, where steps are narrower than a pixel, a line
        // through the points instead, which has no hairs of tiny steps. Probabilities
        // of 0 are below the axis and end the curve.
        let visible = xmax / 400.0;
        let mut points = vec![(0.0, 1.0)];
        let mut prev: f64 = 1.0;
        let mut x0: f64 = 0.0;
        for &(x, p) in curve.iter() {
            if x - x0 > visible {
                points.push((x, prev.max(floor)));
            }
            points.push((x, p.max(floor)));
            x0 = x;
            prev = p;
            if p <= 0.0 {
                break;
            }
        }
        chart
            .draw_series(LineSeries::new(points, c.stroke_width(2)))
            .map_err(err)?
            .label(label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], c.stroke_width(3)));
    }
    legend(&mut chart, SeriesLabelPosition::UpperRight, 14)?;
    Ok(())
}

/// One bar of the policy's account: its label, where it starts and where it ends
/// (a waterfall: each step starts where the one before ended).
pub type AccountBar = (&'static str, f64, f64);

/// The bars of the policy chart.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyBars {
    /// The policy's account, mean per path: premium, payouts, later payments passed
    /// to the insurer, interest, then the total (the change in mean end balance),
    /// which starts at 0.
    pub money: Vec<AccountBar>,
    /// Paths rescued and harmed.
    pub paths: [(&'static str, u64); 2],
}

/// The bars of the first policy's chart from a summary.
pub fn policy_bars(s: &Summary) -> PolicyBars {
    let p = &s.policies[0];
    let mut steps = vec![
        ("Premium paid", -p.figures.premium_paid.mean),
        ("Payouts received", p.figures.payouts_received.mean),
        ("Later payments to insurer", -p.figures.paid_to_insurer.mean),
        (
            "Interest",
            crate::figures::interest_effect(&s.uninsured, &p.figures.common),
        ),
    ];
    // With stop_sales (MODEL.md section 16), the sales not made after a cut.
    let not_made = crate::figures::sales_not_made(p);
    if not_made != 0.0 {
        steps.push(("Sales not made", not_made));
    }
    let mut at = 0.0;
    let mut money: Vec<AccountBar> = steps
        .iter()
        .map(|&(label, x)| {
            let start = at;
            at += x;
            (label, start, at)
        })
        .collect();
    money.push((
        "Change in end balance",
        0.0,
        p.difference.end_balance_mean.estimate,
    ));
    PolicyBars {
        money,
        paths: [
            ("Paths rescued", p.difference.paths_rescued),
            ("Paths harmed", p.difference.paths_harmed),
        ],
    }
}

fn draw_policy<DB: DrawingBackend>(
    d: &ChartData,
    root: &DrawingArea<DB, Shift>,
    title: &str,
) -> Result<(), ChartError> {
    root.fill(&WHITE).map_err(err)?;
    let titled = root.titled(title, (FONT, 20)).map_err(err)?;
    let (left, right) = titled.split_horizontally((SIZE.0 as f64 * 0.62) as u32);
    let PolicyBars {
        money: money_bars,
        paths: path_bars,
    } = policy_bars(&d.summary);
    let extent = money_bars
        .iter()
        .flat_map(|b| [b.1.abs(), b.2.abs()])
        .fold(1.0, f64::max)
        * 1.3;
    let mut chart = ChartBuilder::on(&left)
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(190)
        .build_cartesian_2d(-extent..extent, 0.0..money_bars.len() as f64)
        .map_err(err)?;
    let fmt = axis_money(&d.currency);
    let labels: Vec<&str> = money_bars.iter().map(|b| b.0).collect();
    let count = labels.len();
    chart
        .configure_mesh()
        .x_desc(format!("Mean per path, {}", d.currency))
        .x_label_formatter(&fmt)
        .y_labels(count * 2 + 1)
        .y_label_formatter(&|y| {
            let i = (y - 0.5).round();
            if (y - 0.5 - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < count {
                labels[count - 1 - i as usize].to_string()
            } else {
                String::new()
            }
        })
        .axis_desc_style((FONT, 15))
        .label_style((FONT, 13))
        .x_labels(6)
        .light_line_style(WHITE.mix(0.0))
        .disable_y_mesh()
        .draw()
        .map_err(err)?;
    for (i, &(_, start, end)) in money_bars.iter().enumerate() {
        let row = (count - 1 - i) as f64;
        let total = i + 1 == count;
        let c = if total {
            SHORTFALL_COLOUR
        } else if end < start {
            COST_COLOUR
        } else {
            GAIN_COLOUR
        };
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(start, row + 0.2), (end, row + 0.8)],
                c.mix(0.85).filled(),
            )))
            .map_err(err)?;
        chart
            .draw_series(std::iter::once(Text::new(
                crate::table::signed_money(&d.currency, end - start),
                (start.max(end), row + 0.95),
                (FONT, 14),
            )))
            .map_err(err)?;
    }
    let most = path_bars.iter().map(|b| b.1).max().unwrap_or(0).max(1) as f64 * 1.3;
    let mut paths = ChartBuilder::on(&right)
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..2.0, 0.0..most)
        .map_err(err)?;
    let names = [path_bars[0].0, path_bars[1].0];
    paths
        .configure_mesh()
        .y_desc(format!(
            "Paths of {}",
            thousands(d.summary.simulation.paths as f64)
        ))
        .y_label_formatter(&|y: &f64| format!("{y:.0}"))
        .light_line_style(WHITE.mix(0.0))
        .x_labels(5)
        .x_label_formatter(&|x: &f64| {
            if (x - 0.5).abs() < 1e-6 {
                names[0].to_string()
            } else if (x - 1.5).abs() < 1e-6 {
                names[1].to_string()
            } else {
                String::new()
            }
        })
        .axis_desc_style((FONT, 15))
        .label_style((FONT, 13))
        .disable_x_mesh()
        .draw()
        .map_err(err)?;
    for (i, (_, k)) in path_bars.iter().enumerate() {
        let c = if i == 0 { GAIN_COLOUR } else { COST_COLOUR };
        let x = i as f64;
        paths
            .draw_series(std::iter::once(Rectangle::new(
                [(x + 0.2, 0.0), (x + 0.8, *k as f64)],
                c.mix(0.85).filled(),
            )))
            .map_err(err)?;
        paths
            .draw_series(std::iter::once(Text::new(
                thousands(*k as f64),
                (x + 0.35, *k as f64 + most * 0.04),
                (FONT, 15),
            )))
            .map_err(err)?;
    }
    Ok(())
}

/// A figure of every variant shown, for a title: "EUR 1 uninsured, EUR 2 insured" or,
/// with named policies, "EUR 1 uninsured, EUR 2 with Quote A, EUR 3 with Quote B".
fn each_variant(
    d: &ChartData,
    figure: impl Fn(&crate::summary::VariantSummary) -> String,
) -> String {
    d.summary
        .variants()
        .map(|v| {
            let value = figure(v.figures);
            match v.name {
                "Uninsured" if d.summary.variant_count() == 1 => value,
                "Uninsured" | "Insured" => format!("{value} {}", v.name.to_lowercase()),
                name => format!("{value} with {}", short_name(name)),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A policy's name short enough for a title that names every variant: the part
/// before a colon ("Quote A" of "Quote A: cheap, high first loss") when there is one,
/// else the first 24 characters (the legend and the report give the whole name).
fn short_name(name: &str) -> String {
    let head = name.split(':').next().unwrap_or(name).trim();
    let head = if head.is_empty() { name } else { head };
    match head.char_indices().nth(24) {
        Some((cut, _)) => format!("{}…", &head[..cut]),
        None => head.to_string(),
    }
}

// Every title states figures of the table and summary.json, formatted as the table
// formats them (a test reads each title's numbers back from summary.json).

fn title_fan(d: &ChartData) -> String {
    format!(
        "Headroom falls this low in 1 path in 20: {}",
        each_variant(d, |f| money(&d.currency, f.min_headroom.p5))
    )
}

fn title_shortfall(d: &ChartData) -> String {
    format!(
        "Chance of a shortfall by day {}: {}",
        d.horizon.saturating_sub(1),
        each_variant(d, |f| crate::table::percent(
            f.shortfall_probability.estimate
        ))
    )
}

fn title_min_headroom(d: &ChartData) -> String {
    format!(
        "Lowest headroom of a path, median: {}",
        each_variant(d, |f| money(&d.currency, f.min_headroom.p50))
    )
}

fn title_loss(d: &ChartData) -> String {
    let (s, c) = (&d.summary, &d.currency);
    let net = match s.shown_policies() {
        [] => String::new(),
        [p] => format!(
            "; net of insurance the mean is {}",
            money(c, p.figures.net_credit_loss.mean)
        ),
        policies => format!(
            "; net of insurance the mean is {}",
            policies
                .iter()
                .map(|p| format!(
                    "{} with {}",
                    money(c, p.figures.net_credit_loss.mean),
                    p.name
                ))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    if s.uninsured.credit_loss.p99 > 0.0 {
        format!(
            "1 path in 100 loses {} or more to bad debts{net}",
            money(c, s.uninsured.credit_loss.p99)
        )
    } else {
        format!(
            "Fewer than 1 path in 100 has a bad debt; 1 in 1,000 loses {} or more",
            money(c, s.uninsured.credit_loss.p999)
        )
    }
}

fn title_policy(d: &ChartData) -> String {
    // With several policies this chart is about the first (the quotes chart compares
    // them all): its title names it.
    let policies = d.summary.shown_policies();
    let subject = match policies {
        [first, _, ..] => format!("\"{}\"", short_name(&first.name)),
        _ => "The policy".to_string(),
    };
    format!(
        "{subject} costs {} and pays {} a path; the end balance changes by {}",
        money(&d.currency, d.summary.insured().premium_paid.mean),
        money(&d.currency, d.summary.insured().payouts_received.mean),
        crate::table::signed_money(
            &d.currency,
            d.summary.difference().end_balance_mean.estimate
        )
    )
}

/// The quotes chart: each variant's net cost a year against its shortfall probability,
/// with the probability's interval, so that a quote that costs more and protects less
/// than another (dominated) stands out. Uninsured sits at a net cost of 0.
fn draw_quotes<DB: DrawingBackend>(
    d: &ChartData,
    root: &DrawingArea<DB, Shift>,
    title: &str,
) -> Result<(), ChartError> {
    root.fill(&WHITE).map_err(err)?;
    let titled = root.titled(title, (FONT, 18)).map_err(err)?;
    let points: Vec<(usize, String, f64, [f64; 3])> = d
        .summary
        .variants()
        .map(|v| {
            let cost = v.policy.map_or(0.0, |p| p.decision.net_cost_per_year);
            let e = v.figures.shortfall_probability;
            let pct = [e.estimate, e.ci95[0], e.ci95[1]].map(|x| 100.0 * x);
            (v.index, legend_name(&v), cost, pct)
        })
        .collect();
    let x = y_range(points.iter().map(|p| p.2), 0.0);
    let x = (x.start - 0.15 * (x.end - x.start))..(x.end + 0.15 * (x.end - x.start));
    let top = points.iter().map(|p| p.3[2]).fold(0.0, f64::max) * 1.15 + 0.1;
    let mut chart = ChartBuilder::on(&titled)
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d(x, 0.0..top)
        .map_err(err)?;
    let fmt = axis_money(&d.currency);
    chart
        .configure_mesh()
        .x_desc(format!("Expected net cost a year, {}", d.currency))
        .y_desc("P(shortfall), %")
        .x_label_formatter(&fmt)
        .y_label_formatter(&|y| format!("{y:.1}"))
        .label_style((FONT, 14))
        .draw()
        .map_err(err)?;
    for (v, name, cost, [p, lo, hi]) in &points {
        let c = colour(*v);
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(*cost, *lo), (*cost, *hi)],
                c.stroke_width(2),
            )))
            .map_err(err)?;
        let label: String = name.chars().take(34).collect();
        chart
            .draw_series(std::iter::once(Circle::new((*cost, *p), 6, c.filled())))
            .map_err(err)?
            .label(label)
            .legend(move |(x, y)| Circle::new((x + 10, y), 6, c.filled()));
    }
    // The legend away from the uninsured point (at cost 0, usually the highest):
    // on the left when the policies return more than they cost (they lie left of 0).
    let position = match points.iter().any(|p| p.2 < 0.0) {
        true => SeriesLabelPosition::UpperLeft,
        false => SeriesLabelPosition::UpperRight,
    };
    legend(&mut chart, position, 14)?;
    Ok(())
}

fn title_quotes(d: &ChartData) -> String {
    match crate::table::best_policy(d.summary.shown_policies()) {
        Some(best) => {
            let cost = best.decision.net_cost_per_year;
            let cost = match cost < 0.0 {
                true => format!(
                    "returning {} a year more than it costs",
                    money(&d.currency, -cost)
                ),
                false => format!("at a net cost of {} a year", money(&d.currency, cost)),
            };
            format!(
                "Lowest shortfall probability: {}, {} {cost}",
                short_name(&best.name),
                crate::table::percent(best.figures.common.shortfall_probability.estimate),
            )
        }
        None => String::new(),
    }
}

/// A chart's drawing on the SVG backend.
type DrawSvg =
    for<'a> fn(&ChartData, &DrawingArea<SVGBackend<'a>, Shift>, &str) -> Result<(), ChartError>;
/// A chart's drawing on the bitmap backend.
type DrawPng =
    for<'a> fn(&ChartData, &DrawingArea<BitMapBackend<'a>, Shift>, &str) -> Result<(), ChartError>;

/// One chart of a run: everything about it in one place.
pub struct ChartSpec {
    /// File stem, e.g. `headroom_fan`.
    pub name: &'static str,
    /// Width and height in pixels, for this run's data.
    size: fn(&ChartData) -> (u32, u32),
    /// The title, which says what the reader learns (from the figures).
    title: fn(&ChartData) -> String,
    /// How to read the chart, for the report.
    pub caption: &'static str,
    /// Whether the run has this chart (some are about a policy, one about several).
    pub shown: fn(&Summary) -> bool,
    /// The drawing, as SVG and as PNG (one generic function, once per backend).
    svg: DrawSvg,
    png: DrawPng,
}

/// The charts of a run, in the order of the report: the one registry of charts.
pub const CHARTS: &[ChartSpec] = &[
    ChartSpec {
        name: "headroom_fan",
        size: |d| fan_size(d.bands.len()),
        title: title_fan,
        caption: "Upper panel without the policy, lower panel with it. The line is the median \
             headroom of each day; the bands hold the middle 50 % and 90 % of paths, day by \
             day; the thin vermillion lines of the lower panel repeat the uninsured median \
             and 5th percentile, so the policy's effect shows as the gap. Headroom is cash \
             plus the unused credit line.",
        shown: |_| true,
        svg: |d, r, t| draw_fan(d, r, t),
        png: |d, r, t| draw_fan(d, r, t),
    },
    ChartSpec {
        name: "shortfall_over_time",
        size: |_| SIZE,
        title: title_shortfall,
        caption: "Share of paths that have run short of liquidity by each day.",
        shown: |_| true,
        svg: |d, r, t| draw_shortfall(d, r, t),
        png: |d, r, t| draw_shortfall(d, r, t),
    },
    ChartSpec {
        name: "min_headroom",
        size: |_| SIZE,
        title: title_min_headroom,
        caption: "How each path's lowest headroom is distributed; paths in the grey region have a \
             liquidity shortfall.",
        shown: |_| true,
        svg: |d, r, t| draw_min_headroom(d, r, t),
        png: |d, r, t| draw_min_headroom(d, r, t),
    },
    ChartSpec {
        name: "credit_loss",
        size: |_| SIZE,
        title: title_loss,
        caption: "How likely a path's credit loss is to exceed each amount. Gross: LGD times the \
             invoices unpaid at default. Net: after the insurer's payouts.",
        shown: |_| true,
        svg: |d, r, t| draw_loss(d, r, t),
        png: |d, r, t| draw_loss(d, r, t),
    },
    ChartSpec {
        name: "policy",
        size: |_| SIZE,
        title: title_policy,
        caption: "The policy's whole account, mean per path within the horizon: premium paid, \
             payouts received, the share of later payments and recoveries that goes to the \
             insurer on claimed invoices, and the interest the changed balance earns or \
             saves; they add up to the change in the mean end balance. On the right, how \
             many paths the policy rescues from a shortfall or pushes into one.",
        shown: |s| s.scenario.insured,
        svg: |d, r, t| draw_policy(d, r, t),
        png: |d, r, t| draw_policy(d, r, t),
    },
    ChartSpec {
        name: "quotes",
        size: |_| SIZE,
        title: title_quotes,
        caption: "Each quote's expected net cost a year (premium, payouts, the insurer's share of \
             later payments and the interest effect) against its probability of a liquidity \
             shortfall, with its 95 % interval; uninsured at a cost of 0. A quote above and to \
             the right of another costs more and protects less: it is dominated.",
        shown: |s| s.shown_policies().len() >= 2,
        svg: |d, r, t| draw_quotes(d, r, t),
        png: |d, r, t| draw_quotes(d, r, t),
    },
];

/// The titles of every chart of [`CHARTS`] this run has, in order.
pub fn titles(d: &ChartData) -> Vec<String> {
    CHARTS
        .iter()
        .filter(|c| (c.shown)(&d.summary))
        .map(|c| (c.title)(d))
        .collect()
}

/// All charts of a run (without a policy, none about it).
pub fn render_all(d: &ChartData) -> Result<Vec<Chart>, ChartError> {
    CHARTS
        .iter()
        .filter(|c| (c.shown)(&d.summary))
        .map(|c| {
            let title = (c.title)(d);
            both(
                (c.name, c.caption, (c.size)(d)),
                title.clone(),
                |r| (c.svg)(d, r, &title),
                |r| (c.png)(d, r, &title),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small_run() -> (Summary, crate::run::Run) {
        let text = std::fs::read_to_string("tests/fixtures/small.toml").unwrap();
        let file = crate::scenario::ScenarioFile::parse("small.toml".as_ref(), text).unwrap();
        let model = crate::model::Model::new(&file.base);
        let result = crate::run::run(&model, 0, 300, 1, &|_| {});
        let run = crate::run::Run::new(file.base, "small.toml", result);
        (Summary::new(&run), run)
    }

    #[test]
    fn chart_data_comes_from_the_run() {
        let (summary, run) = small_run();
        let result = &run.result;
        let bars = policy_bars(&summary);
        let steps = &bars.money;
        let premium = summary.insured().premium_paid.mean;
        assert_eq!(steps[0], ("Premium paid", 0.0, -premium));
        assert_eq!(
            steps[1].2 - steps[1].1,
            summary.insured().payouts_received.mean
        );
        // A waterfall: each step starts where the one before ended.
        assert!(steps[..4].windows(2).all(|w| w[0].2 == w[1].1), "{steps:?}");
        // It ends at the change in mean end balance, which the total bar shows.
        let (end, total) = (steps[3].2, steps[4].2);
        assert!(
            (end - total).abs() <= 1e-9 * premium.max(1.0),
            "{end} vs {total}"
        );
        assert_eq!(bars.paths[0].1, summary.difference().paths_rescued);
        // The shortfall curve ends at the shortfall probability of the summary.
        let curve = shortfall_curve(result, INSURED);
        assert_eq!(
            *curve.last().unwrap(),
            summary.insured().common.shortfall_probability.estimate
        );
        assert!(curve.windows(2).all(|w| w[0] <= w[1]), "cumulative");
        // Bands are ordered p5 <= p25 <= p50 <= p75 <= p95 on every day.
        let b = bands(result, UNINSURED);
        for day in 0..result.fan.horizon {
            for k in 0..4 {
                assert!(b.levels[k][day] <= b.levels[k + 1][day], "day {day}");
            }
        }
        let net = result.variants[INSURED].net_loss.exceedance();
        assert!(net.iter().all(|&(_, p)| (0.0..=1.0).contains(&p)));
        // Every chart renders, as SVG with text and as PNG.
        let data = ChartData::new(&run, &summary);
        let charts = render_all(&data).unwrap();
        assert_eq!(charts.len(), 5);
        for c in &charts {
            assert!(c.svg.contains("<text"), "{}", c.name);
            assert!(c.png.starts_with(b"\x89PNG"), "{}", c.name);
        }
    }

    #[test]
    fn common_bins_count_every_value_once() {
        let a = [0.0, 1.0, 2.0, 3.0, 10.0];
        let b = [-10.0, 5.0];
        let bins = common_bins(&[&a, &b], 4);
        assert_eq!(bins.edges, vec![-10.0, -5.0, 0.0, 5.0, 10.0]);
        // a: 0,1,2,3 fall in [0, 5); 10 is the right edge of the last bin.
        assert_eq!(bins.counts[0], vec![0, 0, 4, 1]);
        assert_eq!(bins.counts[1], vec![1, 0, 0, 1]);
    }

    #[test]
    fn exceedance_counts_strictly_larger_values() {
        let curve = exceedance(&[0.0, 0.0, 0.0, 5.0, 5.0, 9.0], 100);
        assert_eq!(curve, vec![(0.0, 0.5), (5.0, 1.0 / 6.0), (9.0, 0.0)]);
    }

    #[test]
    fn exceedance_thins_long_samples() {
        let values: Vec<f64> = (0..10_000).map(f64::from).collect();
        let curve = exceedance(&values, 100);
        // About 100 points for the body, every one of the 2,000 largest values.
        assert!(curve.len() <= 100 + 2000 + 1, "{}", curve.len());
        assert!(curve.len() >= 2000, "{}", curve.len());
        assert_eq!(curve.last().unwrap(), &(9999.0, 0.0));
        for &(x, p) in &curve {
            assert_eq!(p, (9999.0 - x) / 10_000.0);
        }
    }
}

/// Charts of studies (stress tests, sweeps, sensitivity).
pub mod studies {
    use super::*;

    /// One bar pair of a tornado panel: input, effect down, effect up (pp).
    pub type TornadoRow = (String, f64, f64);
    /// A tornado panel: its title and rows.
    pub type TornadoPanel = (String, Vec<TornadoRow>);

    fn pct(p: f64) -> f64 {
        100.0 * p
    }

    fn interval(s: &Summary, v: usize) -> (f64, f64, f64) {
        let e = &s.variant(v).figures.shortfall_probability;
        (pct(e.estimate), pct(e.ci95[0]), pct(e.ci95[1]))
    }

    /// The highest upper interval bound of any variant of any case, in percent.
    fn highest(cases: &[Summary]) -> f64 {
        cases
            .iter()
            .flat_map(|s| (0..s.variant_count()).map(|v| interval(s, v).2))
            .fold(1.0, f64::max)
    }

    /// The variants of the cases (every case of a study has the same) and their
    /// legend names.
    fn variants(cases: &[Summary]) -> Vec<(usize, String)> {
        cases.first().map_or(Vec::new(), |s| {
            s.variants().map(|v| (v.index, legend_name(&v))).collect()
        })
    }

    /// The longest case name the cases chart shows whole.
    const MAX_CASE_LABEL: usize = 66;

    fn draw_cases<DB: DrawingBackend>(
        root: &DrawingArea<DB, Shift>,
        title: &str,
        labels: &[String],
        cases: &[Summary],
    ) -> Result<(), ChartError> {
        root.fill(&WHITE).map_err(err)?;
        let n = cases.len();
        let top = highest(cases).mul_add(1.1, 0.0).min(100.0);
        // Room for the longest case name (about 7 pixels a character at 13 px), and on
        // the right for the last tick's label.
        let longest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(10);
        let label_area = (longest.min(MAX_CASE_LABEL) as u32 * 7 + 24).clamp(120, 480);
        let mut chart = ChartBuilder::on(root)
            .caption(title, (FONT, 20))
            .margin(16)
            .margin_right(40)
            .x_label_area_size(44)
            .y_label_area_size(label_area)
            .build_cartesian_2d(0.0..top, 0.0..n as f64)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("Probability of a liquidity shortfall, % (95 % interval)")
            .x_label_formatter(&|v| {
                if top >= 10.0 {
                    format!("{v:.0} %")
                } else {
                    format!("{v:.1} %")
                }
            })
            .y_labels(2 * n + 1)
            .y_label_formatter(&|y| {
                let i = (y - 0.5).round();
                if (y - 0.5 - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < n {
                    let label = &labels[n - 1 - i as usize];
                    if label.chars().count() > MAX_CASE_LABEL {
                        let cut: String = label.chars().take(MAX_CASE_LABEL - 1).collect();
                        format!("{cut}…")
                    } else {
                        label.clone()
                    }
                } else {
                    String::new()
                }
            })
            .axis_desc_style((FONT, 15))
            .label_style((FONT, 13))
            .disable_y_mesh()
            .draw()
            .map_err(err)?;
        let variants = variants(cases);
        let spread = variants.len().saturating_sub(1).max(1) as f64;
        for (v, name) in variants {
            let c = colour(v);
            // Uninsured on top of the row, the policies below it.
            let offset = 0.62 - 0.24 * v as f64 / spread;
            let points: Vec<(f64, f64, f64, f64)> = cases
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let (e, lo, hi) = interval(s, v);
                    ((n - 1 - i) as f64 + offset, e, lo, hi)
                })
                .collect();
            for &(y, _, lo, hi) in &points {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(lo, y), (hi, y)],
                        c.stroke_width(2),
                    )))
                    .map_err(err)?;
            }
            chart
                .draw_series(
                    points
                        .iter()
                        .map(|&(y, e, _, _)| Circle::new((e, y), 5, c.filled())),
                )
                .map_err(err)?
                .label(name)
                .legend(move |(x, y)| Circle::new((x + 10, y), 5, c.filled()));
        }
        legend(&mut chart, SeriesLabelPosition::LowerRight, 14)?;
        Ok(())
    }

    /// P(shortfall) per case for both variants with their intervals.
    pub fn cases(
        name: &'static str,
        title: &str,
        labels: &[String],
        cases: &[Summary],
    ) -> Result<Chart, ChartError> {
        let size = (SIZE.0, (120 + 46 * cases.len() as u32).max(360));
        both(
            (name, "", size),
            title.to_string(),
            |r| draw_cases(r, title, labels, cases),
            |r| draw_cases(r, title, labels, cases),
        )
    }

    /// A swept value as a tick label: thousands separators from 1,000, else the value
    /// as written (the sweep computes it at the precision the user wrote).
    fn sweep_label(v: f64) -> String {
        if v.abs() >= 1000.0 {
            thousands(v)
        } else {
            format!("{v}")
        }
    }

    fn draw_sweep<DB: DrawingBackend>(
        root: &DrawingArea<DB, Shift>,
        title: &str,
        key: &str,
        values: &[f64],
        cases: &[Summary],
    ) -> Result<(), ChartError> {
        root.fill(&WHITE).map_err(err)?;
        // The x axis is the step number, labelled with the swept values: the values are
        // evenly spaced, so the picture is the same, and every tick sits on a value.
        let last = values.len().saturating_sub(1) as i32;
        let top = highest(cases) * 1.1;
        let mut chart = ChartBuilder::on(root)
            .caption(title, (FONT, 20))
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(80)
            .build_cartesian_2d(0..last.max(1), 0.0..top)
            .map_err(err)?;
        // As many labels as fit (about 80 pixels each), on whole steps.
        let widest = values
            .iter()
            .map(|v| sweep_label(*v).len())
            .max()
            .unwrap_or(1);
        let fit = (760 / (widest as i32 * 9 + 24)).max(2);
        let every = (last + fit - 1) / fit;
        chart
            .configure_mesh()
            .x_desc(key)
            .y_desc("Probability of a liquidity shortfall, %")
            .x_labels((last + 1) as usize)
            .x_label_formatter(&|k: &i32| {
                let on_grid = every <= 1 || k % every.max(1) == 0 || *k == last;
                match values.get(*k as usize) {
                    Some(v) if on_grid => sweep_label(*v),
                    _ => String::new(),
                }
            })
            .y_label_formatter(&|v| format!("{v:.1} %"))
            .axis_desc_style((FONT, 15))
            .label_style((FONT, 13))
            .draw()
            .map_err(err)?;
        let steps = || (0..last + 1).zip(cases);
        for (v, name) in variants(cases) {
            let c = colour(v);
            let band: Vec<(i32, f64)> = steps()
                .map(|(x, s)| (x, interval(s, v).1))
                .chain(steps().rev().map(|(x, s)| (x, interval(s, v).2)))
                .collect();
            chart
                .draw_series(std::iter::once(Polygon::new(band, c.mix(0.2).filled())))
                .map_err(err)?;
            chart
                .draw_series(LineSeries::new(
                    steps().map(|(x, s)| (x, interval(s, v).0)),
                    c.stroke_width(3),
                ))
                .map_err(err)?
                .label(format!("{name} (band: 95 % interval)"))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], c.stroke_width(3))
                });
        }
        legend(&mut chart, SeriesLabelPosition::UpperLeft, 14)?;
        Ok(())
    }

    /// P(shortfall) of both variants along a swept key.
    pub fn sweep(
        title: &str,
        key: &str,
        values: &[f64],
        cases: &[Summary],
    ) -> Result<Chart, ChartError> {
        both(
            ("sweep", "", SIZE),
            title.to_string(),
            |r| draw_sweep(r, title, key, values, cases),
            |r| draw_sweep(r, title, key, values, cases),
        )
    }

    /// The panels of a tornado chart: for each panel title, the rows (input, effect
    /// down, effect up) in percentage points. Every panel lists the inputs in the same
    /// order, widest effect in any panel first, so that one column of labels names the
    /// rows of all panels.
    pub fn tornado_panels(
        titles: &[&str],
        inputs: &[(String, Vec<(f64, f64)>)],
    ) -> Vec<TornadoPanel> {
        let width = |effects: &[(f64, f64)]| {
            effects
                .iter()
                .map(|(d, u)| (d - u).abs().max(d.abs()).max(u.abs()))
                .fold(0.0, f64::max)
        };
        let mut order: Vec<usize> = (0..inputs.len()).collect();
        order.sort_by(|&a, &b| width(&inputs[b].1).total_cmp(&width(&inputs[a].1)));
        titles
            .iter()
            .enumerate()
            .map(|(p, title)| {
                let rows = order
                    .iter()
                    .map(|&i| {
                        let (d, u) = inputs[i].1[p];
                        (inputs[i].0.clone(), 100.0 * d, 100.0 * u)
                    })
                    .collect();
                (title.to_string(), rows)
            })
            .collect()
    }

    fn draw_tornado<DB: DrawingBackend>(
        root: &DrawingArea<DB, Shift>,
        title: &str,
        panels: &[TornadoPanel],
    ) -> Result<(), ChartError> {
        root.fill(&WHITE).map_err(err)?;
        let titled = root.titled(title, (FONT, 20)).map_err(err)?;
        // One scale for every panel, and plots of equal width: the first panel is wider
        // by the column of labels it carries for all.
        const LABELS: u32 = 210;
        let width = titled.dim_in_pixel().0;
        let count = panels.len().max(1) as u32;
        let first = LABELS + width.saturating_sub(LABELS) / count;
        let (left, rest) = titled.split_horizontally(first);
        let mut areas = vec![left];
        if count > 1 {
            areas.extend(rest.split_evenly((1, count as usize - 1)));
        }
        let extent = panels
            .iter()
            .flat_map(|(_, rows)| rows.iter().flat_map(|r| [r.1.abs(), r.2.abs()]))
            .fold(0.05, f64::max)
            * 1.2;
        for (k, ((panel_title, rows), area)) in panels.iter().zip(areas.iter()).enumerate() {
            let n = rows.len().max(1);
            let labels: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
            let mut chart = ChartBuilder::on(area)
                .caption(panel_title, (FONT, 15))
                .margin(8)
                .x_label_area_size(40)
                .y_label_area_size(if k == 0 { LABELS } else { 8 })
                .build_cartesian_2d(-extent..extent, 0.0..n as f64)
                .map_err(err)?;
            chart
                .configure_mesh()
                .x_desc("change, pp")
                .x_labels(5)
                .x_label_formatter(&|v| format!("{v:+.1}"))
                .y_labels(if k == 0 { 2 * n + 1 } else { 0 })
                .y_label_formatter(&|y| {
                    let i = (y - 0.5).round();
                    if (y - 0.5 - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < n {
                        labels[n - 1 - i as usize].clone()
                    } else {
                        String::new()
                    }
                })
                .axis_desc_style((FONT, 13))
                .label_style((FONT, 12))
                .disable_y_mesh()
                .draw()
                .map_err(err)?;
            for (i, (_, down, up)) in rows.iter().enumerate() {
                let y = (n - 1 - i) as f64;
                // Down in the upper half of the row, up in the lower half.
                for (value, c, lo, hi) in [
                    (*down, GAIN_COLOUR, 0.5, 0.85),
                    (*up, COST_COLOUR, 0.15, 0.5),
                ] {
                    chart
                        .draw_series(std::iter::once(Rectangle::new(
                            [(0.0, y + lo), (value, y + hi)],
                            c.mix(0.8).filled(),
                        )))
                        .map_err(err)?;
                }
            }
        }
        Ok(())
    }

    /// The tornado chart: three panels (uninsured, insured, change), bars for each
    /// input moved down (bluish green) and up (reddish purple); vermillion and blue
    /// stay reserved for the uninsured and insured variants.
    pub fn tornado(title: &str, panels: &[TornadoPanel]) -> Result<Chart, ChartError> {
        let rows = panels.first().map_or(1, |p| p.1.len()) as u32;
        let size = (1200, (140 + 40 * rows).max(380));
        both(
            ("sensitivity", "", size),
            title.to_string(),
            |r| draw_tornado(r, title, panels),
            |r| draw_tornado(r, title, panels),
        )
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn tornado_panels_share_one_order_widest_first_in_percentage_points() {
            // "a" is narrow in the first panel but the widest in the second: it comes
            // first in both, so the one label column is right for every panel.
            let inputs = vec![
                ("a".to_string(), vec![(-0.001, 0.001), (0.05, 0.0)]),
                ("b".to_string(), vec![(0.02, -0.03), (0.0, 0.0)]),
            ];
            let panels = tornado_panels(&["one", "two"], &inputs);
            for (_, rows) in &panels {
                assert_eq!(rows[0].0, "a");
                assert_eq!(rows[1].0, "b");
            }
            let b = &panels[0].1[1];
            assert!((b.1 - 2.0).abs() < 1e-12 && (b.2 + 3.0).abs() < 1e-12);
            assert_eq!(panels[1].0, "two");
        }
    }
}
