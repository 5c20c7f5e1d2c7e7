//! The uncertainty section: fan charts and probabilities from an ensemble.

use crate::chart::{self, Band, Frame, Series};
use crate::colour;
use crate::ctx::Ctx;
use crate::ensemble::{Ensemble, describe};
use crate::format::{esc, pct};
use crate::html::{Charts, section, table};

/// Fan charts of the ensemble's key metrics (with the single run where it is the same
/// scenario) and its probabilities.
pub(super) fn uncertainty_section(ctxs: &[&Ctx], e: &Ensemble, charts: &mut Charts) -> String {
    let c = ctxs
        .iter()
        .find(|c| c.s.scenario == e.scenario)
        .copied()
        .unwrap_or(ctxs[ctxs.len() - 1]);
    let same = c.s.scenario == e.scenario;
    let years: Vec<String> = e.annual.keys().cloned().collect();
    let xs: Vec<i32> = years.iter().map(|y| y.parse().unwrap_or(0)).collect();
    let name = |k: &str| c.name(k);
    let mat = |k: &str| c.material(k);
    let sec = |k: &str| c.sector(k);
    let mut inner = format!(
        "<p>Ensemble of scenario <b>{}</b>: {} runs, master seed {}. Bands show the 10th to 90th percentile of each metric across runs, the line the median{}.</p>",
        esc(&e.scenario),
        e.runs,
        e.seed,
        if same {
            "; the dashed line is the single run of this report"
        } else {
            ""
        }
    );
    inner.push_str("<div class=\"grid2\">");
    let paths = e.key_paths(&c.s.supplier, 8);
    for (i, path) in paths.iter().enumerate() {
        let (t, y_label, fmt) = describe(path, &name, &mat, &sec);
        let band = Band {
            p10: years
                .iter()
                .map(|y| e.get(y, path).map(|q| q.p10))
                .collect(),
            p50: years
                .iter()
                .map(|y| e.get(y, path).map(|q| q.p50))
                .collect(),
            p90: years
                .iter()
                .map(|y| e.get(y, path).map(|q| q.p90))
                .collect(),
            colour: colour::palette(i),
        };
        let single = same.then(|| {
            Series::new(
                "single run",
                "#222",
                years.iter().map(|y| c.path_value(y, path)).collect(),
            )
        });
        inner.push_str(
            &charts.figure(
                &format!("fan-{path}"),
                &t,
                chart::fan_chart(
                    &Frame::new(&t, y_label, fmt)
                        .subtitle(format!("P10–P90 over {} runs · {path}", e.runs)),
                    &xs,
                    &band,
                    single
                        .as_ref()
                        .filter(|s| s.values.iter().any(Option::is_some)),
                ),
                "",
            ),
        );
    }
    inner.push_str("</div>");
    if paths.is_empty() {
        inner.push_str("<p class=\"note\">The ensemble file holds none of the key metrics (shares, independence, dependency, shortfall, prices).</p>");
    }
    if !e.probabilities.is_empty() {
        let rows: Vec<Vec<String>> = e
            .probabilities
            .iter()
            .map(|p| vec![esc(&p.statement), pct(p.probability)])
            .collect();
        inner.push_str("<h3>Probabilities</h3>");
        inner.push_str(&table(
            &["Statement", "Share of runs where it holds"],
            &rows,
            &[1],
        ));
    }
    section("uncertainty", "Uncertainty (ensemble)", &inner)
}
