//! The elements section: each stage's output by element and country.

use super::common::{TOP, panel_years};
use crate::chart::{self, BarRow, Fmt, Frame};
use crate::colour;
use crate::ctx::Ctx;
use crate::derive;
use crate::format::{amount, capitalise};
use crate::html::{Charts, section, tabs};
use lodestone_model::dataset::Stage;
use std::collections::BTreeMap;

/// Output by element and country in the panel years; `p` prefixes the ids.
pub(super) fn elements_section(c: &Ctx, charts: &mut Charts, p: &str) -> String {
    let id = format!("{p}elements");
    let title = "Shares by element";
    if !c.d.has_content {
        // no data for this dataset: the section is hidden, and left out of the contents (#19)
        return String::new();
    }
    let mut panels = Vec::new();
    for y in &panel_years(c) {
        let Some(out) = c.d.output.get(y) else {
            continue;
        };
        let (rows, used) = element_rows(c, out);
        if rows.is_empty() {
            continue;
        }
        panels.push((y.clone(), element_chart(c, charts, p, y, &rows, &used)));
    }
    if panels.is_empty() {
        return section(
            &id,
            title,
            "<p class=\"note\">No element output in this run.</p>",
        );
    }
    let mut inner = tabs(&panels);
    inner.push_str("<p class=\"note\">Each stage's output of every material × that material's element composition (compositions.csv: fractions of REO for concentrates and oxides, of element mass for metals and magnets). Elements below 0.1% of a stage's output are left out. Concentrate compositions are assumptions or averages (see their sources below).</p>");
    section(&id, title, &inner)
}

/// The bars of one year's output (material → country → t): a group row per stage, a row
/// per element with a segment per country; with the countries named (`other` for the rest).
fn element_rows(
    c: &Ctx,
    out: &BTreeMap<String, BTreeMap<String, f64>>,
) -> (Vec<BarRow>, Vec<String>) {
    let mut rows: Vec<BarRow> = Vec::new();
    let mut used: Vec<String> = Vec::new();
    for st in [
        Stage::Mining,
        Stage::Separation,
        Stage::Metal,
        Stage::Magnet,
    ] {
        let (by, unit) = derive::element_output(c.ds, out, st);
        let stage_total: f64 = by.values().flat_map(|m| m.values()).sum();
        if stage_total <= 0.0 {
            continue;
        }
        let top = c.top_countries(st.as_str(), TOP, 0.01);
        rows.push(BarRow {
            label: format!("{} ({unit})", capitalise(st.as_str())),
            long_label: String::new(),
            segments: vec![],
            total: String::new(),
            group: true,
        });
        for e in &c.ds.elements {
            let Some(m) = by.get(&e.id) else { continue };
            let tot: f64 = m.values().sum();
            if tot < 0.001 * stage_total || tot < 0.5 {
                continue;
            }
            let mut segs: Vec<(String, String, f64)> = Vec::new();
            for k in &top {
                let v = m.get(k).copied().unwrap_or(0.0);
                if v > 0.0 {
                    segs.push((c.name(k), colour::country(k), v));
                    if !used.contains(k) {
                        used.push(k.clone());
                    }
                }
            }
            let rest: f64 = m
                .iter()
                .filter(|(k, _)| !top.contains(k))
                .map(|(_, v)| v)
                .sum();
            if rest > 0.0 {
                segs.push(("Other".into(), colour::OTHER.into(), rest));
                if !used.iter().any(|u| u == "other") {
                    used.push("other".into());
                }
            }
            rows.push(BarRow {
                label: e.id.clone(),
                long_label: format!("{} ({})", e.name, st.as_str()),
                segments: segs,
                total: format!("{} {unit}", amount(tot)),
                group: false,
            });
        }
    }
    (rows, used)
}

/// The chart of one year's bars, as a figure.
fn element_chart(
    c: &Ctx,
    charts: &mut Charts,
    p: &str,
    y: &str,
    rows: &[BarRow],
    used: &[String],
) -> String {
    let mut keys: Vec<(String, String)> = used
        .iter()
        .filter(|k| k.as_str() != "other")
        .map(|k| (c.name(k), colour::country(k)))
        .collect();
    if used.iter().any(|k| k == "other") {
        keys.push(("Other".into(), colour::OTHER.into()));
    }
    let t = format!("Output by element and country, {}", c.year_label(y));
    let f = Frame::new(&t, "", Fmt::Percent)
        .subtitle("Share of each element's output at each stage, by facility country")
        .size(1100.0, 300.0);
    charts.figure(
        &format!("{p}elements-{y}"),
        &t,
        chart::hbars(&f, rows, &keys),
        "",
    )
}
