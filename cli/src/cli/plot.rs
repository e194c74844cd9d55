//! `texgrad plot`: a function and its derivative on one chart, as SVG or PNG, with plotters.
//! Labels are measured and drawn with the bundled DejaVu Sans (`fonts/`), so that a chart draws
//! the same on a machine without fonts.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};
use texgrad::symbolic::{Bindings, EngineError, Expression};

/// What a chart shows: a function of `input` and its derivative.
pub struct Chart<'a> {
    /// The title: a catalog name or the formula.
    pub title: &'a str,
    /// The function.
    pub expression: &'a Expression,
    /// Its derivative with respect to `input`.
    pub derivative: &'a Expression,
    /// The input.
    pub input: &'a str,
    /// Values of the other names.
    pub bindings: &'a Bindings,
    /// The inputs shown, or `None` for the interesting part (see [`default_range`]).
    pub range: Option<(f64, f64)>,
}

/// How many points each curve is drawn through.
const POINTS: usize = 601;

/// The part of the real line where the function does something: [-5, 5], widened to show
/// every kink (`relu6` bends at 6: [-9, 9]).
pub fn default_range(expression: &Expression) -> (f64, f64) {
    let (graph, root) = expression.graph();
    let farthest = texgrad::symbolic::check::sample_points(graph, root)
        .into_iter()
        .map(f64::abs)
        .filter(|kink| kink.is_finite() && *kink <= 1e3)
        .fold(0f64, f64::max);
    let extent = (1.5 * farthest).max(5.0).ceil();
    (-extent, extent)
}

/// The curve of `expression` over `range`: `(x, y)` where it is finite.
fn curve(expression: &Expression, input: &str, bindings: &Bindings, (low, high): (f64, f64)) -> Vec<(f64, f64)> {
    let Ok(compiled) = expression.compiled() else { return Vec::new() };
    (0..POINTS)
        .map(|step| low + (high - low) * step as f64 / (POINTS - 1) as f64)
        .filter_map(|x| {
            let y = compiled.at(&bindings.clone().scalar(input, x)).ok()?;
            y.is_finite().then_some((x, y))
        })
        .collect()
}

/// `text` cut to `width` characters.
fn shorten(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(width - 1).collect::<String>())
    }
}

/// Draw `chart` into `path` (`.svg` or `.png`).
pub fn draw(chart: &Chart<'_>, path: &Path) -> Result<(), EngineError> {
    let range = chart.range.unwrap_or_else(|| default_range(chart.expression));
    if !(range.0.is_finite() && range.1.is_finite() && range.0 < range.1) {
        return Err(EngineError::new(format!("the range [{}, {}] is empty", range.0, range.1)));
    }
    let value = curve(chart.expression, chart.input, chart.bindings, range);
    let slope = curve(chart.derivative, chart.input, chart.bindings, range);
    if value.is_empty() && slope.is_empty() {
        return Err(EngineError::new(format!("the function has no finite value on [{}, {}]", range.0, range.1)));
    }
    let (mut low, mut high) = value
        .iter()
        .chain(&slope)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(low, high), &(_, y)| (low.min(y), high.max(y)));
    if high - low < 1e-9 {
        (low, high) = (low - 1.0, high + 1.0);
    }
    let padding = 0.08 * (high - low);
    let y_range = (low - padding, high + padding);
    let extension = path.extension().and_then(|extension| extension.to_str()).map(str::to_ascii_lowercase);
    let failed = |error: &dyn std::fmt::Display| EngineError::new(format!("cannot draw {}: {error}", path.display()));
    let labels = (
        format!("{}(x) = {}", "f", shorten(&chart.expression.text(), 60)).replace("(x)", &format!("({})", chart.input)),
        format!("f'({}) = {}", chart.input, shorten(&chart.derivative.text(), 60)),
    );
    // Labels are measured (SVG) and drawn (PNG) with the bundled font; registering it again is
    // harmless.
    let _ = register_font("sans-serif", FontStyle::Normal, include_bytes!("fonts/DejaVuSans.ttf"));
    match extension.as_deref() {
        Some("svg") => {
            let root = SVGBackend::new(path, (900, 560)).into_drawing_area();
            render(root, chart, range, y_range, &value, &slope, &labels).map_err(|error| failed(&error))
        }
        Some("png") => {
            let root = BitMapBackend::new(path, (900, 560)).into_drawing_area();
            render(root, chart, range, y_range, &value, &slope, &labels).map_err(|error| failed(&error))
        }
        _ => Err(EngineError::new(format!("cannot tell the format of {}", path.display()))
            .with_hint("name the file .svg or .png")),
    }
}

type Outcome<B> = Result<(), DrawingAreaErrorKind<<B as DrawingBackend>::ErrorType>>;

fn render<B: DrawingBackend>(
    root: DrawingArea<B, plotters::coord::Shift>,
    chart: &Chart<'_>,
    (x_low, x_high): (f64, f64),
    (y_low, y_high): (f64, f64),
    value: &[(f64, f64)],
    slope: &[(f64, f64)],
    (value_label, slope_label): &(String, String),
) -> Outcome<B> {
    root.fill(&WHITE)?;
    let mut plot = ChartBuilder::on(&root)
        .caption(chart.title, ("sans-serif", 24))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(56)
        .build_cartesian_2d(x_low..x_high, y_low..y_high)?;
    plot.configure_mesh().x_desc(chart.input).y_desc("value").light_line_style(WHITE.mix(0.0)).draw()?;
    // The axes through the origin, where they are in view.
    if x_low < 0.0 && x_high > 0.0 {
        plot.draw_series(LineSeries::new([(0.0, y_low), (0.0, y_high)], BLACK.mix(0.4)))?;
    }
    if y_low < 0.0 && y_high > 0.0 {
        plot.draw_series(LineSeries::new([(x_low, 0.0), (x_high, 0.0)], BLACK.mix(0.4)))?;
    }
    let blue = RGBColor(31, 119, 180);
    let orange = RGBColor(255, 127, 14);
    plot.draw_series(LineSeries::new(value.iter().copied(), blue.stroke_width(2)))?
        .label(value_label)
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], blue.stroke_width(2)));
    plot.draw_series(LineSeries::new(slope.iter().copied(), orange.stroke_width(2)))?
        .label(slope_label)
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], orange.stroke_width(2)));
    plot.configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .label_font(("sans-serif", 15))
        .draw()?;
    root.present()
}
