//! The dependency section: who depends on the supplier, directly and indirectly, and
//! the time each bloc takes to become independent of it.

use super::common::line_figure;
use crate::chart::{Fmt, Frame, Series};
use crate::colour;
use crate::ctx::Ctx;
use crate::derive::CHAIN;
use crate::format::{esc, independence_years};
use crate::html::{Charts, section, table};
use std::fmt::Write;

/// Who depends on the supplier: dependency charts, independence charts and table; `p`
/// prefixes the ids.
pub(super) fn dependency_section(c: &Ctx, charts: &mut Charts, p: &str) -> String {
    let id = format!("{p}dependency");
    let title = "Who depends on whom";
    let sup = c.s.supplier.clone();
    let sname = c.name(&sup);
    let first = &c.s.annual[c.first()];
    if first.dependency.is_empty() && c.s.time_to_independence.is_empty() {
        // no data for this dataset: the section is hidden, and left out of the contents (#19)
        return String::new();
    }
    let span = format!("{}–{}", c.first(), c.last());
    let mut inner = String::from("<div class=\"grid2\">");
    for e in &charted_entities(c, &sup) {
        inner.push_str(&entity_chart(c, charts, p, e, &sname, &span));
    }
    inner.push_str(&independence_charts(c, charts, p, &sname, &span));
    inner.push_str("</div>");
    if !c.s.time_to_independence.is_empty() {
        inner.push_str(&independence_table(c, &sname, &span));
    }
    let _ = write!(
        inner,
        "<p class=\"note\">Direct dependency: share of a country's supply at a stage imported from {s}. Indirect: share of the rare earth content separated in {s}, wherever the product was made (origin traced through production, trade and stocks).</p>",
        s = esc(&sname)
    );
    section(&id, title, &inner)
}

/// The entities whose dependency is drawn: the scenario's metric countries, else the
/// largest demand markets besides the supplier; at most four.
fn charted_entities(c: &Ctx, sup: &str) -> Vec<String> {
    let first = &c.s.annual[c.first()];
    let mut entities: Vec<String> =
        c.r.metrics
            .countries
            .iter()
            .filter(|e| first.dependency.contains_key(*e))
            .cloned()
            .collect();
    if entities.is_empty() {
        entities = c
            .demand_countries()
            .into_iter()
            .filter(|e| *e != sup && first.dependency.contains_key(e))
            .collect();
    }
    entities.truncate(4);
    entities
}

/// One entity's direct (dashed) and indirect dependency on the supplier by stage.
fn entity_chart(c: &Ctx, charts: &mut Charts, p: &str, e: &str, sname: &str, span: &str) -> String {
    let mut series = Vec::new();
    for st in ["separation", "metal", "magnet"] {
        if c.years
            .iter()
            .all(|y| c.dependency(y, e, st, "indirect").is_none())
        {
            continue;
        }
        series.push(Series::new(
            format!("{st} · indirect"),
            colour::stage(st),
            c.years
                .iter()
                .map(|y| c.dependency(y, e, st, "indirect"))
                .collect(),
        ));
        series.push(
            Series::new(
                format!("{st} · direct"),
                colour::stage(st),
                c.years
                    .iter()
                    .map(|y| c.dependency(y, e, st, "direct"))
                    .collect(),
            )
            .dashed(),
        );
    }
    let t = format!("{}: dependency on {sname}", c.name(e));
    line_figure(
        charts,
        &format!("{p}dependency-{e}"),
        Frame::new(&t, "% of supply at the stage", Fmt::Percent)
            .subtitle(format!("By stage, {span}")),
        &c.xs,
        &series,
    )
}

/// The blocs' independence from the supplier at the magnet and separation stages.
fn independence_charts(c: &Ctx, charts: &mut Charts, p: &str, sname: &str, span: &str) -> String {
    let mut inner = String::new();
    let blocs: Vec<String> = c.s.time_to_independence.keys().cloned().collect();
    for st in ["magnet", "separation"] {
        let series: Vec<Series> = blocs
            .iter()
            .enumerate()
            .filter_map(|(i, b)| {
                let v: Vec<Option<f64>> = c
                    .years
                    .iter()
                    .map(|y| {
                        c.s.annual
                            .get(y)
                            .and_then(|a| a.independence.get(b))
                            .and_then(|m| m.get(st))
                            .copied()
                    })
                    .collect();
                v.iter()
                    .any(|x| x.is_some())
                    .then(|| Series::new(c.name(b), colour::palette(i + 2), v))
            })
            .collect();
        if series.is_empty() {
            continue;
        }
        let t = format!("Independence from {sname}: {st} stage");
        inner.push_str(&line_figure(
            charts,
            &format!("{p}independence-{st}"),
            Frame::new(&t, "% of the bloc's demand", Fmt::Percent).subtitle(format!(
                "Met by the bloc's own plants without {sname}-origin material, {span}"
            )),
            &c.xs,
            &series,
        ));
    }
    inner
}

/// Table: the first year each bloc meets 50 / 80 / 100% of its demand at each stage
/// without supplier-origin material.
fn independence_table(c: &Ctx, sname: &str, span: &str) -> String {
    let rows: Vec<Vec<String>> =
        c.s.time_to_independence
            .iter()
            .map(|(b, stages)| {
                let mut r = vec![esc(&c.name(b))];
                for st in CHAIN {
                    r.push(stages.get(st).map_or("–".into(), independence_years));
                }
                r
            })
            .collect();
    let mut inner = String::new();
    let _ = write!(
        inner,
        "<h3>Time to independence from {}</h3><p class=\"note\">First year a bloc's own plants meet 50 / 80 / 100% of its demand at each stage without {}-origin material (\"never\" = not within {span}).</p>",
        esc(sname),
        esc(sname)
    );
    inner.push_str(&table(
        &["Bloc", "Mining", "Separation", "Metal", "Magnet"],
        &rows,
        &[],
    ));
    inner
}
