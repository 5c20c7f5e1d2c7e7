//! The shortfall section: demand and unmet demand by sector and by country.

use super::common::{country_line, line_figure};
use crate::chart::{self, Fmt, Frame, Series};
use crate::colour;
use crate::ctx::Ctx;
use crate::format::{esc, pct, tonnes_exact};
use crate::html::{Charts, section, table};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Demand and unmet demand by sector and country, with a table; `p` prefixes the ids.
pub(super) fn shortfall_section(c: &Ctx, charts: &mut Charts, p: &str) -> String {
    let id = format!("{p}shortfall");
    let sectors = c.sectors();
    if sectors.is_empty() {
        return section(
            &id,
            "Demand and shortfall",
            "<p class=\"note\">No demand in this run.</p>",
        );
    }
    let span = format!("{}–{}", c.first(), c.last());
    let (demand, short) = sector_series(c, &sectors);
    let by_country = country_series(c);
    let mut inner = String::from("<div class=\"grid2\">");
    let t = "Demand by sector";
    inner.push_str(
        &charts.figure(
            &format!("{p}demand-sectors"),
            t,
            chart::stacked_area(
                &Frame::new(t, "demand, t of product/yr", Fmt::Number)
                    .subtitle(format!("World, {span}")),
                &c.xs,
                &demand,
                false,
            ),
            "",
        ),
    );
    let t = "Unmet demand by sector";
    if short.is_empty() {
        let _ = write!(
            inner,
            "<div><h3>{t}</h3><p>None: every sector's demand is met in every year {span} (unmet demand below 0.5 t in each sector).</p></div>"
        );
    } else {
        inner.push_str(&line_figure(
            charts,
            &format!("{p}shortfall-sectors"),
            Frame::new(t, "unmet demand, t/yr", Fmt::Number)
                .subtitle(format!("World, {span}; sectors with any shortfall")),
            &c.xs,
            &short,
        ));
    }
    let t = "Unmet share of demand by country";
    inner.push_str(&line_figure(
        charts,
        &format!("{p}shortfall-countries"),
        Frame::new(t, "% of the country's demand", Fmt::Percent)
            .subtitle(format!("Largest demand markets, {span}")),
        &c.xs,
        &by_country,
    ));
    inner.push_str("</div>");
    inner.push_str(&sector_table(c, &sectors));
    inner.push_str(if c.d.has_content {
        "<p class=\"note\">Demand in tonnes of the product each sector buys (magnets, oxides, metals), grown by the dataset's growth paths (demand.csv, growth.csv). Shares of unmet demand are in rare earth content (t of element), one unit across sectors that buy magnets, metals and oxides; the tonnes are of each sector's product. "
    } else {
        "<p class=\"note\">Demand in tonnes of the product each sector buys, grown by the dataset's growth paths (demand.csv, growth.csv); shares of unmet demand are of those tonnes. "
    });
    inner.push_str("Shortfall is demand not bought at the market price: each sector's demand curve passes through its demand at the reference price and gives up demand as the price rises above it (sectors.csv: elasticity, WTP multiple as the most it pays).</p>");
    section(&id, "Demand and shortfall", &inner)
}

/// World demand by sector, and unmet demand of the sectors with any (0.5 t or more).
fn sector_series(c: &Ctx, sectors: &[String]) -> (Vec<Series>, Vec<Series>) {
    let sector_colour: BTreeMap<String, String> =
        c.ds.sectors
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.clone(), colour::palette(i)))
            .collect();
    let scol = |s: &str| {
        sector_colour
            .get(s)
            .cloned()
            .unwrap_or_else(|| colour::OTHER.into())
    };
    let demand: Vec<Series> = sectors
        .iter()
        .map(|s| {
            Series::new(
                c.sector(s),
                scol(s),
                c.years
                    .iter()
                    .map(|y| c.by_sector(y).get(s).map(|x| x.1))
                    .collect(),
            )
        })
        .collect();
    let short: Vec<Series> = sectors
        .iter()
        .map(|s| {
            Series::new(
                c.sector(s),
                scol(s),
                c.years
                    .iter()
                    .map(|y| c.by_sector(y).get(s).map(|x| x.0))
                    .collect(),
            )
        })
        .filter(|s| s.values.iter().flatten().any(|v| *v >= 0.5))
        .collect();
    (demand, short)
}

/// Unmet share of demand in the eight largest demand markets.
fn country_series(c: &Ctx) -> Vec<Series> {
    let countries: Vec<String> = c.demand_countries().into_iter().take(8).collect();
    countries
        .iter()
        .map(|k| {
            country_line(c, k, |y| {
                let a = c.s.annual.get(y)?;
                let d: f64 = a.demand_content.get(k)?.values().sum();
                let s: f64 = a.shortfall_content.get(k).map_or(0.0, |m| m.values().sum());
                (d > 0.0).then_some(s / d)
            })
        })
        .collect()
}

/// Table: shortfall by sector in the first year, 2027, 2030 and the last year.
fn sector_table(c: &Ctx, sectors: &[String]) -> String {
    let mut ys = vec![c.first().to_string()];
    for y in ["2027", "2030"] {
        if c.years.iter().any(|x| x == y) && !ys.iter().any(|x| x == y) {
            ys.push(y.into());
        }
    }
    if !ys.iter().any(|x| x == c.last()) {
        ys.push(c.last().into());
    }
    let mut head: Vec<String> = vec!["Sector".into()];
    // the share is of element content where the dataset has compositions (rare earths),
    // else of the product's tonnes (soybeans)
    let share_of = if c.d.has_content {
        "share of RE content"
    } else {
        "share of demand"
    };
    head.extend(ys.iter().map(|y| format!("{y}: unmet t ({share_of})")));
    let rows: Vec<Vec<String>> = sectors
        .iter()
        .map(|s| {
            let mut r = vec![esc(&c.sector(s))];
            for y in &ys {
                let (sh, _) = c.by_sector(y).get(s).copied().unwrap_or((0.0, 0.0));
                let (shc, d) = (c.by_sector_content(y).get(s).copied()).unwrap_or((0.0, 0.0));
                r.push(if d > 0.0 {
                    format!("{} ({})", tonnes_exact(sh), pct(shc / d))
                } else {
                    "–".into()
                });
            }
            r
        })
        .collect();
    let head_ref: Vec<&str> = head.iter().map(String::as_str).collect();
    let numeric: Vec<usize> = (1..head.len()).collect();
    table(&head_ref, &rows, &numeric)
}
