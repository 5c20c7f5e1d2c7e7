//! The capacity section: plants added in answer to prices (`expansion` events).

use crate::ctx::Ctx;
use crate::format::{amount, esc};
use crate::html::{section, table};
use std::collections::BTreeMap;

/// Capacity committed in response to prices (`expansion` events), by stage and country;
/// nothing when the scenario has no such event.
pub(super) fn expansion_section(c: &Ctx, p: &str) -> String {
    let d = &c.s.expansions;
    if d.is_empty() {
        return String::new();
    }
    // (stage, country) → (capacity per year, first decision, first online, decisions)
    let mut by: BTreeMap<(String, String), (f64, String, String, usize)> = BTreeMap::new();
    for e in d {
        let k = (e.stage.clone(), e.country.clone());
        let v = by
            .entry(k)
            .or_insert_with(|| (0.0, e.decided.clone(), e.online.clone(), 0));
        v.0 += e.capacity_per_year;
        v.2 = v.2.clone().min(e.online.clone());
        v.3 += 1;
    }
    let stage_rank = |s: &str| {
        ["mining", "separation", "metal", "magnet"]
            .iter()
            .position(|x| *x == s)
    };
    let mut keys: Vec<_> = by.keys().cloned().collect();
    keys.sort_by(|a, b| {
        stage_rank(&a.0)
            .cmp(&stage_rank(&b.0))
            .then(by[b].0.total_cmp(&by[a].0))
    });
    let rows: Vec<Vec<String>> = keys
        .iter()
        .map(|k| {
            let v = &by[k];
            vec![
                esc(&k.0),
                esc(&c.name(&k.1)),
                amount(v.0),
                v.3.to_string(),
                esc(&v.1),
                esc(&v.2),
            ]
        })
        .collect();
    let mut inner = table(
        &[
            "Stage",
            "Country",
            "Capacity added / yr",
            "Decisions",
            "First decided",
            "First online",
        ],
        &rows,
        &[2, 3],
    );
    inner.push_str("<p class=\"note\">Capacity committed by the scenario's <code>expansion</code> events: once a year, plants whose capacity earned a rent (the clearing's shadow price of their capacity) of at least the rule's multiple of their unit cost over the past 12 months add the rule's share of their capacity, online after the lead time. Capacity in the facility's unit (t REO per year for mining and separation, t metal, t magnet).</p>");
    section(
        &format!("{p}expansion"),
        "Capacity answering prices",
        &inner,
    )
}
