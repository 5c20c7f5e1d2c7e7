//! The back-test section, "Does it reproduce what happened?": the run against the
//! dataset's observations — scores per metric and overall, every series, observed vs
//! simulated charts of the series with more than two points, every miss and every
//! observation that cannot be compared.

use super::common::source_ref;
use crate::chart::{self, Fmt, Frame, Series};
use crate::ctx::Ctx;
use crate::format::{esc, model_error, tonnes_exact};
use crate::html::{Charts, section, table};
use lodestone_engine::backtest::{Backtest, Point, Score};
use lodestone_model::dataset::ObsMetric;

/// The section for one run; `p` prefixes the ids.
pub(super) fn backtest_section(c: &Ctx, charts: &mut Charts, p: &str) -> String {
    let id = format!("{p}backtest");
    let title = "Does it reproduce what happened?";
    let b = &c.backtest;
    if b.points.is_empty() && b.not_comparable.is_empty() {
        let note = "<p class=\"note\">The dataset has no observations inside this run's horizon (observations.csv).</p>";
        return section(&id, title, note);
    }
    let mut inner = format!(
        "<p>{} observations of the dataset fall inside the horizon, in {} series; {} of them are hits (inside their band, or within 25% without one). RMS log error over all points: {}.</p>",
        b.overall.n,
        b.series.len(),
        share_text(b.overall.hit_share),
        opt(b.overall.rms_log_error, |x| format!("{x:.3}")),
    );
    inner.push_str(&scores(b));
    inner.push_str(&series_table(b));
    inner.push_str(&charts_grid(b, charts, p));
    inner.push_str(&misses(b));
    inner.push_str(&not_comparable(b));
    inner.push_str("<p class=\"note\">Each observation (observations.csv) is compared with the run over the same months: a period that covers them only partly counts pro rata (flows, output, consumption), a price is averaged over the overlapping months in which the material changed hands, a stock is read at the last month. Log error = ln(simulated / observed), a simulated value under 0.1% of the observed counted as 0.1%; bias is its mean (positive: the model is high). `lodestone backtest` prints the same tables; `--json` and `--out` give every number.</p>");
    section(&id, title, &inner)
}

fn opt(x: Option<f64>, f: impl Fn(f64) -> String) -> String {
    x.map_or_else(|| "–".into(), f)
}

fn share_text(x: Option<f64>) -> String {
    opt(x, |s| format!("{:.0}%", 100.0 * s))
}

fn score_row(name: &str, series: usize, s: &Score) -> Vec<String> {
    vec![
        esc(name),
        series.to_string(),
        s.n.to_string(),
        opt(s.rms_log_error, |x| format!("{x:.3}")),
        share_text(s.hit_share),
    ]
}

/// Score per metric and overall.
fn scores(b: &Backtest) -> String {
    let mut rows: Vec<Vec<String>> = b
        .metrics
        .iter()
        .map(|m| score_row(m.metric.as_str(), m.series, &m.score))
        .collect();
    rows.push(score_row("overall", b.series.len(), &b.overall));
    let head = ["Metric", "Series", "Points", "RMS log error", "Hits"];
    format!("<h3>Score</h3>{}", table(&head, &rows, &[1, 2, 3, 4]))
}

/// One row per series: the latest point, bias, RMS log error, hits and directions.
fn series_table(b: &Backtest) -> String {
    let dir = |d: Option<lodestone_engine::backtest::Direction>| {
        d.map_or_else(|| "–".into(), |d| format!("{}/{}", d.right, d.n))
    };
    let rows: Vec<Vec<String>> = b
        .series
        .iter()
        .map(|s| {
            vec![
                esc(&s.id),
                s.n.to_string(),
                esc(&s.latest_period.label()),
                format!("{} {}", tonnes_exact(s.latest_observed), esc(&s.unit)),
                tonnes_exact(s.latest_simulated),
                opt(s.bias, |x| format!("{x:+.2}")),
                opt(s.rms_log_error, |x| format!("{x:.2}")),
                share_text(s.hit_share),
                dir(s.month_on_month),
                dir(s.year_on_year),
            ]
        })
        .collect();
    let head = [
        "Series",
        "n",
        "Latest",
        "Observed",
        "Simulated",
        "Bias",
        "RMS log",
        "Hits",
        "m/m right",
        "y/y right",
    ];
    format!(
        "<h3>Series</h3>{}",
        table(&head, &rows, &[1, 3, 4, 5, 6, 7])
    )
}

/// Whether a metric is a flow summed over the period (charted per month).
fn is_flow(m: ObsMetric) -> bool {
    matches!(
        m,
        ObsMetric::Production | ObsMetric::Exports | ObsMetric::Imports | ObsMetric::Consumption
    )
}

/// Observed vs simulated for every series with more than two points, in period order;
/// flows are drawn per month (each point's total over its months) so that periods of
/// different lengths share an axis.
fn charts_grid(b: &Backtest, charts: &mut Charts, p: &str) -> String {
    let mut out = String::new();
    for s in b.series.iter().filter(|s| s.n > 2) {
        let mut pts: Vec<&Point> = b.points.iter().filter(|x| x.series == s.id).collect();
        pts.sort_by_key(|x| (x.period.first, x.period.last));
        let flow = is_flow(s.key.metric);
        let per = |x: &Point, v: f64| {
            if flow {
                v / x.period.months() as f64
            } else {
                v
            }
        };
        let labels: Vec<String> = pts.iter().map(|x| x.period.label()).collect();
        let obs = pts.iter().map(|x| Some(per(x, x.observed))).collect();
        let sim = pts.iter().map(|x| Some(per(x, x.simulated))).collect();
        let series = [
            Series::new("simulated", "#1f77b4", sim),
            Series::new("observed", "#444", obs).observed(),
        ];
        let (unit, fmt) = match (flow, s.unit.as_str()) {
            (true, u) => (format!("{u} per month"), Fmt::Number),
            (false, "share") => ("share".into(), Fmt::Percent),
            (false, u) if u.starts_with("USD") => (u.to_string(), Fmt::Usd),
            (false, u) => (u.to_string(), Fmt::Number),
        };
        let frame = Frame::new(&s.id, &unit, fmt)
            .subtitle("Observed (hollow) vs simulated, by observation period");
        let svg = chart::category_chart(&frame, &labels, &series);
        out.push_str(&charts.figure(&format!("{p}backtest-{}", s.id), &s.id, svg, ""));
    }
    if out.is_empty() {
        return out;
    }
    format!("<h3>Series over time</h3><div class=\"grid2\">{out}</div>")
}

/// Every point that is not a hit.
fn misses(b: &Backtest) -> String {
    let rows: Vec<Vec<String>> = b
        .points
        .iter()
        .filter(|x| x.hit() == Some(false))
        .map(|x| {
            vec![
                esc(&x.series),
                esc(&x.period.label()),
                format!("{} {}", tonnes_exact(x.observed), esc(&x.unit)),
                tonnes_exact(x.simulated),
                x.error.map_or_else(|| "–".into(), model_error),
                x.source
                    .iter()
                    .map(|s| source_ref(s))
                    .collect::<Vec<_>>()
                    .join(", "),
            ]
        })
        .collect();
    if rows.is_empty() {
        return "<h3>Misses</h3><p>None: every point is a hit.</p>".into();
    }
    let head = [
        "Series",
        "Period",
        "Observed",
        "Simulated",
        "Error",
        "Source",
    ];
    format!(
        "<h3>Misses ({})</h3>{}",
        rows.len(),
        table(&head, &rows, &[2, 3, 4])
    )
}

/// Observations in the horizon that cannot be compared, with the reason.
fn not_comparable(b: &Backtest) -> String {
    if b.not_comparable.is_empty() {
        return String::new();
    }
    let rows: Vec<Vec<String>> = b
        .not_comparable
        .iter()
        .map(|x| {
            vec![
                esc(&x.series),
                esc(&x.period.label()),
                format!("{} {}", tonnes_exact(x.observed), esc(&x.unit)),
                esc(&x.reason),
            ]
        })
        .collect();
    let head = ["Series", "Period", "Observed", "Why not compared"];
    format!(
        "<h3>Not comparable ({})</h3>{}",
        rows.len(),
        table(&head, &rows, &[2])
    )
}
