//! The prices section: annual average prices of the key materials by market, with
//! observed prices.

use super::common::{country_line, line_figure, opt};
use crate::chart::{self, Fmt, Frame, Series};
use crate::ctx::Ctx;
use crate::html::{Charts, section};
use std::collections::BTreeSet;

/// Prices of the key materials by market, with observations; `p` prefixes the ids.
pub(super) fn prices_section(c: &Ctx, charts: &mut Charts, p: &str) -> String {
    let id = format!("{p}prices");
    let mats = c.key_materials(6);
    if mats.is_empty() {
        return section(
            &id,
            "Prices",
            "<p class=\"note\">No prices in this run.</p>",
        );
    }
    let span = format!("{}–{}", c.first(), c.last());
    let mut inner = String::from("<div class=\"grid2\">");
    for m in &mats {
        let mut series: Vec<Series> = c
            .price_markets(m, 5)
            .iter()
            .map(|k| country_line(c, k, |y| opt(c.price(y, k, m))))
            .collect();
        series = chart::merge_identical(series, 0.005);
        // observed prices from the dataset, by region
        let mut regions: BTreeSet<&str> = BTreeSet::new();
        for o in c.ds.prices.iter().filter(|o| &o.material == m) {
            if c.xs.contains(&o.year) {
                regions.insert(&o.region);
            }
        }
        for r in regions {
            series.push(
                Series::new(
                    format!("observed ({r})"),
                    "#444",
                    c.xs.iter()
                        .map(|y| {
                            c.ds.prices
                                .iter()
                                .find(|o| &o.material == m && o.region == r && o.year == *y)
                                .map(|o| o.value)
                        })
                        .collect(),
                )
                .observed(),
            );
        }
        let t = format!("Price of {}", c.material(m));
        inner.push_str(&line_figure(
            charts,
            &format!("{p}price-{m}"),
            Frame::new(&t, "USD/kg", Fmt::Usd)
                .subtitle(format!("Annual average by market, {span}")),
            &c.xs,
            &series,
        ));
    }
    inner.push_str("</div><p class=\"note\">The materials with the largest output value over the run. Prices are the market-clearing prices of each period (duals of the market balances, USD/kg), averaged over the year where the material changed hands. Observed prices (prices.csv) are drawn dashed where the dataset has them. A price at or below zero marks a joint product in surplus, stockpiled or discarded at a cost (the price is minus that cost): the clearing does not value stock at a future price.</p>");
    section(&id, "Prices", &inner)
}
