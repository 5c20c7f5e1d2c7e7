//! The trade section: the largest import flows by origin market.

use super::common::{TOP, country_line, with_other};
use crate::chart::{self, Fmt, Frame, Series};
use crate::ctx::Ctx;
use crate::html::{Charts, section};
use std::collections::BTreeMap;

/// The largest import flows by origin market; `p` prefixes the ids.
pub(super) fn trade_section(c: &Ctx, charts: &mut Charts, p: &str) -> String {
    let id = format!("{p}trade");
    let title = "Trade: who ships to whom";
    let pairs = c.key_imports(4);
    if pairs.is_empty() {
        return section(
            &id,
            title,
            "<p class=\"note\">No trade between markets in this run.</p>",
        );
    }
    let span = format!("{}–{}", c.first(), c.last());
    let mut inner = String::from("<div class=\"grid2\">");
    for (importer, material) in &pairs {
        let mut origins: BTreeMap<String, f64> = BTreeMap::new();
        for y in &c.years {
            for (k, t) in c.imports_by_origin(y, importer, material) {
                *origins.entry(k).or_default() += t;
            }
        }
        let mut ranked: Vec<(String, f64)> = origins.into_iter().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let all: f64 = ranked.iter().map(|(_, v)| v).sum();
        let top: Vec<String> = ranked
            .iter()
            .filter(|(_, v)| *v >= 0.01 * all)
            .take(TOP)
            .map(|(k, _)| k.clone())
            .collect();
        let series: Vec<Series> = top
            .iter()
            .map(|k| {
                country_line(c, k, |y| {
                    c.imports_by_origin(y, importer, material).get(k).copied()
                })
            })
            .collect();
        let rest: Vec<Option<f64>> = c
            .years
            .iter()
            .map(|y| {
                Some(
                    c.imports_by_origin(y, importer, material)
                        .iter()
                        .filter(|(k, _)| !top.contains(k))
                        .map(|(_, v)| v)
                        .sum(),
                )
            })
            .collect();
        let series = with_other(series, rest);
        let t = format!(
            "{} imports of {}",
            crate::format::possessive(&c.name(importer)),
            c.material(material)
        );
        inner.push_str(
            &charts.figure(
                &format!("{p}imports-{importer}-{material}"),
                &t,
                chart::stacked_area(
                    &Frame::new(&t, "imports, t/yr", Fmt::Number)
                        .subtitle(format!("By origin market, {span}")),
                    &c.xs,
                    &series,
                    false,
                ),
                "",
            ),
        );
    }
    inner.push_str("</div><p class=\"note\">The import flows with the largest value over the run (tonnes × average price), by exporting market, in tonnes of the traded material per year. Routes and their costs: routes.csv; tariffs and controls: the scenario's events.</p>");
    section(&id, title, &inner)
}
