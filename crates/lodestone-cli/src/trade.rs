//! The terminal summary's commodity-agnostic tables: output of stages outside the rare earth chain (farming, …) by country, trade by route, and the largest importer's imports by origin.

use crate::report::Table;
use lodestone_engine::{RunResult, Summary};
use lodestone_model::Stage;
use std::collections::BTreeMap;
use std::fmt::Write;

/// year → material → country → t.
pub type Output = BTreeMap<String, BTreeMap<String, BTreeMap<String, f64>>>;

/// Output of facilities outside the four chain stages (the summary counts only those), per
/// year, material and facility country, from the run's periods.
pub fn other_output(r: &RunResult) -> Output {
    let (ds, net) = (&r.data, &r.network);
    let mut out = Output::new();
    for p in &r.periods {
        let year = p.period.start.year().to_string();
        for (k, act) in net.activities.iter().enumerate() {
            let f = &ds.facilities[act.facility];
            if f.stage != Stage::Other {
                continue;
            }
            for &(node, q) in &act.outputs {
                let v = q * p.clearing.activity[k];
                if v > 1e-9 {
                    let m = net.materials[net.nodes[node].material].clone();
                    *out.entry(year.clone())
                        .or_default()
                        .entry(m)
                        .or_default()
                        .entry(f.country.clone())
                        .or_default() += v;
                }
            }
        }
    }
    out
}

/// Tonnes, with Mt for millions.
fn tonnes(x: f64) -> String {
    if x.abs() >= 1e6 {
        format!("{:.1}M", x / 1e6)
    } else if x.abs() >= 1e4 {
        format!("{:.0}k", x / 1e3)
    } else {
        format!("{x:.0}")
    }
}

/// The `k` keys with the largest value in any of `years` (ties by name), from `get(year, key)`.
fn largest<F: Fn(&str, &str) -> f64>(
    keys: &[String],
    years: &[&String],
    k: usize,
    get: F,
) -> Vec<String> {
    let peak = |c: &str| years.iter().map(|y| get(y, c)).fold(0.0, f64::max);
    let mut v: Vec<(String, f64)> = keys.iter().map(|c| (c.clone(), peak(c))).collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    v.into_iter()
        .filter(|(_, x)| *x >= 0.5)
        .take(k)
        .map(|(c, _)| c)
        .collect()
}

/// "Production by country": one table per material made outside the chain stages (at most 6
/// countries, the largest in any year shown).
pub fn output_tables(out: &mut String, o: &Output, years: &[&String]) {
    let materials: Vec<&String> = o
        .values()
        .flat_map(|m| m.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    for m in materials {
        let get = |y: &str, c: &str| {
            o.get(y)
                .and_then(|x| x.get(m))
                .and_then(|x| x.get(c))
                .copied()
                .unwrap_or(0.0)
        };
        let countries: Vec<String> = o
            .values()
            .filter_map(|x| x.get(m))
            .flat_map(|x| x.keys().cloned())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let _ = writeln!(out, "\nProduction of {m} by country (t; M = million t)");
        let mut hdr = vec!["country"];
        hdr.extend(years.iter().map(|y| y.as_str()));
        let mut t = Table::new(&hdr);
        for c in largest(&countries, years, 6, get) {
            let mut r = vec![c.clone()];
            r.extend(years.iter().map(|y| tonnes(get(y, &c))));
            t.row(r);
        }
        out.push_str(&t.render());
    }
}

/// Tonnes of material `m` that `im` imported from `ex` in year `y` (0 when none).
fn imported(s: &Summary, y: &str, im: &str, ex: &str, m: &str) -> f64 {
    s.annual
        .get(y)
        .and_then(|a| a.imports.get(im))
        .and_then(|x| x.get(ex))
        .and_then(|x| x.get(m))
        .copied()
        .unwrap_or(0.0)
}

/// Trade by route (the 8 largest in any year shown) and the largest importer's imports by origin.
pub fn trade_tables(out: &mut String, s: &Summary, years: &[&String]) {
    let flow = |y: &str, key: &str| -> f64 {
        let mut it = key.splitn(3, ' ');
        let (Some(m), Some(ex), Some(im)) = (it.next(), it.next(), it.next()) else {
            return 0.0;
        };
        imported(s, y, im, ex, m)
    };
    // route keys "material exporter importer" over every year shown
    let mut routes: Vec<String> = years
        .iter()
        .filter_map(|y| s.annual.get(*y))
        .flat_map(|a| {
            a.imports.iter().flat_map(|(im, by)| {
                by.iter()
                    .flat_map(move |(ex, ms)| ms.keys().map(move |m| format!("{m} {ex} {im}")))
            })
        })
        .collect();
    routes.sort();
    routes.dedup();
    let top = largest(&routes, years, 8, flow);
    if top.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\nTrade by route (t; M = million t; the {} largest of {} routes)",
        top.len(),
        routes.len()
    );
    let mut hdr = vec!["material", "route"];
    hdr.extend(years.iter().map(|y| y.as_str()));
    let mut t = Table::new(&hdr).text_columns(2);
    for key in &top {
        let parts: Vec<&str> = key.splitn(3, ' ').collect();
        let mut r = vec![parts[0].to_string(), format!("{} → {}", parts[1], parts[2])];
        r.extend(years.iter().map(|y| tonnes(flow(y, key))));
        t.row(r);
    }
    out.push_str(&t.render());
    importer_by_origin(out, s, years);
}

/// The largest importer in the last year shown, its imports by origin and material.
fn importer_by_origin(out: &mut String, s: &Summary, years: &[&String]) {
    let last = years.last().map_or("", |y| y.as_str());
    let Some(a) = s.annual.get(last) else { return };
    let total = |by: &BTreeMap<String, BTreeMap<String, f64>>| {
        by.values().flat_map(|m| m.values()).sum::<f64>()
    };
    let Some((im, _)) = a
        .imports
        .iter()
        .map(|(im, by)| (im, total(by)))
        .max_by(|x, y| x.1.total_cmp(&y.1).then(y.0.cmp(x.0)))
    else {
        return;
    };
    let get = |y: &str, key: &str| -> f64 {
        let (m, ex) = key.split_once(' ').unwrap_or((key, ""));
        imported(s, y, im, ex, m)
    };
    let mut keys: Vec<String> = years
        .iter()
        .filter_map(|y| s.annual.get(*y))
        .filter_map(|a| a.imports.get(im))
        .flat_map(|by| {
            by.iter()
                .flat_map(|(ex, ms)| ms.keys().map(move |m| format!("{m} {ex}")))
        })
        .collect();
    keys.sort();
    keys.dedup();
    let _ = writeln!(
        out,
        "\nImports of {im} by origin (t; M = million t; the largest importer in {last})"
    );
    let mut hdr = vec!["material", "origin"];
    hdr.extend(years.iter().map(|y| y.as_str()));
    let mut t = Table::new(&hdr).text_columns(2);
    for key in largest(&keys, years, 8, get) {
        let (m, ex) = key.split_once(' ').unwrap_or((&key, ""));
        let mut r = vec![m.to_string(), ex.to_string()];
        r.extend(years.iter().map(|y| tonnes(get(y, &key))));
        t.row(r);
    }
    out.push_str(&t.render());
}
