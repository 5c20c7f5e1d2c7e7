//! The price-episodes section, "How far and how fast did prices move?": for the oxides
//! and metals that moved most, each market's base, peak period, peak multiple and end (with the
//! ensemble's P10–P90 when there is one), and the two-tier gap — each market's annual price
//! over the supplier's own.

use crate::ctx::Ctx;
use crate::ensemble::{Ensemble, Quantiles};
use crate::format::{esc, usd};
use crate::html::{section, table};

/// The section; `p` prefixes the id. Empty for a run without price episodes.
pub(super) fn episodes_section(c: &Ctx, ens: Option<&Ensemble>, p: &str) -> String {
    let id = format!("{p}episodes");
    let mats = moved_most(c, 8);
    let mut rows = Vec::new();
    for m in &mats {
        let Some(by_market) = c.s.price_episodes.get(m) else {
            continue;
        };
        for mk in c.price_markets(m, 5) {
            let Some(e) = by_market.get(&mk) else {
                continue;
            };
            let band = |what: &str, f: &dyn Fn(&Quantiles) -> String| {
                ens.and_then(|e| e.episodes.get(&format!("{m}.{mk}.{what}")))
                    .map_or_else(|| "–".to_string(), f)
            };
            let label = |i: f64| {
                c.s.periods
                    .get(i.round().max(0.0) as usize)
                    .cloned()
                    .unwrap_or_default()
            };
            rows.push(vec![
                esc(&c.material(m)),
                esc(&c.name(&mk)),
                usd(e.base),
                usd(e.peak),
                esc(&e.peak_period),
                format!("{:.1}×", e.multiple),
                band("multiple", &|q| format!("{:.1}–{:.1}×", q.p10, q.p90)),
                band("peak_index", &|q| {
                    format!("{} – {}", label(q.p10), label(q.p90))
                }),
                usd(e.end),
            ]);
        }
    }
    if rows.is_empty() {
        return String::new();
    }
    let mut inner = String::from(
        "<p>Each market's price path in brief: its level over the run's first twelve months (the base), its highest period and that peak as a multiple of the base, and its last price. With an ensemble, P10–P90 of the multiple and of the peak period across replicates.</p>",
    );
    inner.push_str(&table(
        &[
            "material",
            "market",
            "base, USD/kg",
            "peak, USD/kg",
            "peak period",
            "multiple",
            "multiple P10–P90",
            "peak period P10–P90",
            "end, USD/kg",
        ],
        &rows,
        &[2, 3, 5, 8],
    ));
    inner.push_str(&premium_table(c, &mats));
    inner.push_str("<p class=\"note\">Prices are the clearing's duals at nodes where the material changed hands. An export quota that binds shows as a gap between the supplier's own price and the price outside: the quota's rent plus any export tax and transport (scenarios/README.md, S9).</p>");
    section(&id, "How far and how fast did prices move?", &inner)
}

/// The oxides and metals whose price moved most (largest peak multiple in any market),
/// at most `n`, largest first.
fn moved_most(c: &Ctx, n: usize) -> Vec<String> {
    let mut v: Vec<(String, f64)> =
        c.s.price_episodes
            .iter()
            .filter(|(m, _)| {
                c.ds.material(m)
                    .is_some_and(|x| x.kind == "oxide" || x.kind == "metal")
            })
            .map(|(m, by)| {
                (
                    m.clone(),
                    by.values().map(|e| e.multiple).fold(0.0, f64::max),
                )
            })
            .collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    v.into_iter().take(n).map(|(m, _)| m).collect()
}

/// Each market's annual price over the supplier's own, for the materials shown.
fn premium_table(c: &Ctx, mats: &[String]) -> String {
    let sup = &c.s.supplier;
    let mut rows = Vec::new();
    for m in mats {
        for mk in c.price_markets(m, 5).into_iter().filter(|k| k != sup) {
            let cells: Vec<String> = c
                .years
                .iter()
                .map(|y| match (c.price(y, &mk, m), c.price(y, sup, m)) {
                    (Some(a), Some(b)) if b > 0.0 => format!("{:.2}×", a / b),
                    _ => "–".into(),
                })
                .collect();
            if cells.iter().all(|x| x == "–") {
                continue;
            }
            let mut row = vec![esc(&c.material(m)), esc(&c.name(&mk))];
            row.extend(cells);
            rows.push(row);
        }
    }
    if rows.is_empty() {
        return String::new();
    }
    let mut head: Vec<&str> = vec!["material", "market"];
    head.extend(c.years.iter().map(String::as_str));
    let numeric: Vec<usize> = (2..head.len()).collect();
    format!(
        "<h3>The two-tier gap: price over {}'s own, annual mean</h3>{}",
        esc(&c.name(sup)),
        table(&head, &rows, &numeric)
    )
}
