//! The shares section: who produces at each chain stage, as shares and tonnes.

use super::common::{TOP, country_line, with_other};
use crate::chart::{self, Fmt, Frame, Series};
use crate::ctx::Ctx;
use crate::format::{capitalise, esc, pct, tonnes_exact};
use crate::html::{Charts, section, table, tabs};

/// One series per top country of a stage, and "Other" for the rest, of `values(year,
/// country)`.
fn country_series(c: &Ctx, stage: &str, values: &dyn Fn(&str, &str) -> f64) -> Vec<Series> {
    let top = c.top_countries(stage, TOP, 0.01);
    let series: Vec<Series> = top
        .iter()
        .map(|k| country_line(c, k, |y| Some(values(y, k))))
        .collect();
    let rest: Vec<Option<f64>> = c
        .years
        .iter()
        .map(|y| {
            let all: f64 =
                c.s.annual
                    .get(y)
                    .and_then(|a| a.production.get(stage))
                    .map_or(0.0, |m| {
                        m.iter()
                            .filter(|(k, _)| !top.contains(k))
                            .map(|(k, _)| values(y, k))
                            .sum()
                    });
            Some(all)
        })
        .collect();
    with_other(series, rest)
}

/// Who produces: shares and tonnes by stage and country, with a table of the first and
/// last years; `p` prefixes the ids.
pub(super) fn shares_section(c: &Ctx, charts: &mut Charts, p: &str) -> String {
    let stages = c.stages();
    if stages.is_empty() {
        // no data for this dataset: the section is hidden, and left out of the contents (#19)
        return String::new();
    }
    let span = format!("{}–{}", c.first(), c.last());
    let mut share_figs = String::from("<div class=\"grid2\">");
    let mut tonne_figs = String::from("<div class=\"grid2\">");
    for st in &stages {
        let unit = c.stage_unit(st);
        let prod = |y: &str, k: &str| {
            c.s.annual
                .get(y)
                .and_then(|a| a.production.get(*st))
                .and_then(|m| m.get(k))
                .copied()
                .unwrap_or(0.0)
        };
        let series = country_series(c, st, &prod);
        let title = format!("{} output by country", capitalise(st));
        let f = Frame::new(&title, "% of world output", Fmt::Percent)
            .subtitle(format!("Share of annual output, {span} (by {unit})"));
        share_figs.push_str(&charts.figure(
            &format!("{p}shares-{st}"),
            &title,
            chart::stacked_area(&f, &c.xs, &series, true),
            "",
        ));
        let f = Frame::new(&title, format!("output, {unit}/yr"), Fmt::Number)
            .subtitle(format!("Annual output, {span}"));
        tonne_figs.push_str(&charts.figure(
            &format!("{p}output-{st}"),
            &format!("{title} (t)"),
            chart::stacked_area(&f, &c.xs, &series, false),
            "",
        ));
    }
    share_figs.push_str("</div>");
    tonne_figs.push_str("</div>");
    let mut inner = tabs(&[
        ("Share of output (%)".into(), share_figs),
        ("Output (t)".into(), tonne_figs),
    ]);
    inner.push_str(&shares_table(c, &stages));
    inner.push_str("<p class=\"note\">Output by the country of each facility. Shares are of each stage's tonnage: mining and separation in t REO (rare earth oxide equivalent), metal in t of metal, magnets in t of magnet. Inputs: facilities.csv, capacity.csv, processes and process flows, demand and routes (see Sources).</p>");
    section(
        &format!("{p}shares"),
        "Who produces: shares by stage",
        &inner,
    )
}

/// Table: world output and the largest shares at each stage in the first and last years.
fn shares_table(c: &Ctx, stages: &[&str]) -> String {
    let (y0, yl) = (c.first(), c.last());
    let fmt_top = |y: &str, st: &str| -> String {
        let Some(m) = c.s.annual.get(y).and_then(|a| a.shares.get(st)) else {
            return "–".into();
        };
        let mut v: Vec<(&String, &f64)> = m.iter().filter(|(_, x)| **x >= 0.0005).collect();
        v.sort_by(|a, b| b.1.total_cmp(a.1).then(a.0.cmp(b.0)));
        v.iter()
            .take(4)
            .map(|(k, x)| format!("{} {}", esc(&c.name(k)), pct(**x)))
            .collect::<Vec<_>>()
            .join(" · ")
    };
    let rows: Vec<Vec<String>> = stages
        .iter()
        .map(|st| {
            vec![
                esc(&capitalise(st)),
                format!(
                    "{} {}",
                    tonnes_exact(c.stage_total(y0, st)),
                    c.stage_unit(st)
                ),
                fmt_top(y0, st),
                format!(
                    "{} {}",
                    tonnes_exact(c.stage_total(yl, st)),
                    c.stage_unit(st)
                ),
                fmt_top(yl, st),
            ]
        })
        .collect();
    let h0 = format!("World output {y0}");
    let h1 = format!("Largest shares {y0}");
    let h2 = format!("World output {yl}");
    let h3 = format!("Largest shares {yl}");
    table(&["Stage", &h0, &h1, &h2, &h3], &rows, &[1, 3])
}
