//! Helpers shared by the report's sections: how many countries a chart names, the
//! years a panel shows, line-chart figures, the "Other" series, and links to the
//! sources table.

use crate::chart::{self, Frame, Series};
use crate::colour;
use crate::ctx::Ctx;
use crate::format::esc;
use crate::html::Charts;

/// Countries drawn per stage before the rest is merged into "Other".
pub(super) const TOP: usize = 7;

/// A value, if finite (charts leave a gap for the rest).
pub(super) fn opt(v: Option<f64>) -> Option<f64> {
    v.filter(|x| x.is_finite())
}

/// A source reference: a link to its row in the sources table when it is an id.
pub(super) fn source_ref(s: &str) -> String {
    let looks_like_id = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.');
    if looks_like_id {
        format!("<a href=\"#src-{}\">{}</a>", esc(s), esc(s))
    } else {
        esc(s)
    }
}

/// The years a panel of tabs shows: the first, 2030 and the last.
pub(super) fn panel_years(c: &Ctx) -> Vec<String> {
    let mut years = vec![c.first().to_string()];
    if let Some(y) = c.years.iter().find(|y| y.as_str() == "2030")
        && !years.contains(y)
    {
        years.push(y.clone());
    }
    if !years.iter().any(|y| y == c.last()) {
        years.push(c.last().to_string());
    }
    years
}

/// A line chart as a figure, titled as its frame.
pub(super) fn line_figure(
    charts: &mut Charts,
    id: &str,
    frame: Frame,
    xs: &[i32],
    series: &[Series],
) -> String {
    let t = frame.title.clone();
    charts.figure(id, &t, chart::line_chart(&frame, xs, series), "")
}

/// A country's series over the run's years, in the country's colour.
pub(super) fn country_line(c: &Ctx, k: &str, value: impl Fn(&str) -> Option<f64>) -> Series {
    Series::new(
        c.name(k),
        colour::country(k),
        c.years.iter().map(|y| value(y)).collect(),
    )
}

/// `series`, and "Other" with the `rest` values when any of them is positive.
pub(super) fn with_other(mut series: Vec<Series>, rest: Vec<Option<f64>>) -> Vec<Series> {
    if rest.iter().flatten().any(|v| *v > 0.0) {
        series.push(Series::new("Other", colour::OTHER, rest));
    }
    series
}
