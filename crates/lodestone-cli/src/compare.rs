//! `lodestone compare A B`: run two scenarios and show their differences, year by year.
//!
//! The comparison reads each run's summary as JSON (`serde_json::Value`), so metrics the
//! engine adds later (`dependency`, `independence`) are compared as soon as they appear,
//! and missing ones are skipped. Differences are always `b − a`.

use crate::load::{self, bad_input, invalid};
use crate::report::Table;
use anyhow::Result;
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;
use std::fmt::Write;
use std::path::PathBuf;

/// Countries shown per stage in the shares comparison.
const TOP_COUNTRIES: usize = 4;
/// The supplier whose market is contrasted with the rest in the price comparison.
const SUPPLIER_MARKET: &str = "CN";

/// One scenario's run, reduced to what the comparison needs.
struct Side {
    name: String,
    summary: Value,
    balance_ok: bool,
}

fn run_side(arg: &str, data: Option<&std::path::Path>) -> Result<Side> {
    let sc = load::scenario(arg)?;
    let ds = load::dataset(data, &sc.dataset)?;
    let r = lodestone_engine::run(&ds, &sc).map_err(|e| match e {
        lodestone_engine::EngineError::Invalid(d) => invalid(d),
        other => bad_input(format!("{arg}: {other}")),
    })?;
    let summary = lodestone_engine::summarize(&r);
    let balance_ok = summary.balance.ok;
    Ok(Side {
        name: sc.name.clone(),
        summary: serde_json::to_value(&summary)?,
        balance_ok,
    })
}

/// Run scenarios `a` and `b` (names or paths) and print their differences for the first,
/// middle and last common years. Exit code 0, or 1 if either run breaks mass balance.
pub fn run(a: &str, b: &str, data: Option<PathBuf>, json: bool) -> Result<i32> {
    let sa = run_side(a, data.as_deref())?;
    let sb = run_side(b, data.as_deref())?;
    let years = pick_years(&sa.summary, &sb.summary);
    if years.is_empty() {
        return Err(bad_input(format!(
            "`{}` and `{}` have no year in common\n  hint: compare scenarios whose horizons overlap",
            sa.name, sb.name
        )));
    }
    let doc = compare(&sa, &sb, &years);
    if json {
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        print!("{}", render(&sa, &sb, &doc));
    }
    Ok(if sa.balance_ok && sb.balance_ok { 0 } else { 1 })
}

fn annual<'v>(s: &'v Value, year: &str) -> Option<&'v Value> {
    s.get("annual").and_then(|a| a.get(year))
}

/// First, middle and last of the years both runs cover.
fn pick_years(a: &Value, b: &Value) -> Vec<String> {
    let keys = |v: &Value| -> BTreeSet<String> {
        v.get("annual")
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    };
    let common: Vec<String> = keys(a).intersection(&keys(b)).cloned().collect();
    let mut out: Vec<String> = Vec::new();
    if let (Some(first), Some(last)) = (common.first(), common.last()) {
        for y in [first, &common[(common.len() - 1) / 2], last] {
            if !out.contains(y) {
                out.push(y.clone());
            }
        }
    }
    out
}

fn num(v: Option<&Value>) -> Option<f64> {
    v.and_then(Value::as_f64)
}

/// `{a, b, diff}` with `diff = b − a` (null where a side is missing).
fn triple(a: Option<f64>, b: Option<f64>) -> Value {
    let diff = match (a, b) {
        (Some(x), Some(y)) => json!(y - x),
        _ => Value::Null,
    };
    json!({ "a": a, "b": b, "diff": diff })
}

/// Keys of an object at `v` (empty if absent or not an object).
fn keys(v: Option<&Value>) -> BTreeSet<String> {
    v.and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// Recursive comparison of two JSON trees: objects are merged by key, numeric leaves
/// become `{a, b, diff}`. `None` if neither side has anything.
fn diff_tree(a: Option<&Value>, b: Option<&Value>) -> Option<Value> {
    let is_obj = |v: Option<&Value>| v.is_some_and(Value::is_object);
    if is_obj(a) || is_obj(b) {
        let mut out = Map::new();
        for k in keys(a).union(&keys(b)) {
            if let Some(d) = diff_tree(a.and_then(|x| x.get(k)), b.and_then(|x| x.get(k))) {
                out.insert(k.clone(), d);
            }
        }
        return (!out.is_empty()).then_some(Value::Object(out));
    }
    let (x, y) = (num(a), num(b));
    (x.is_some() || y.is_some()).then(|| triple(x, y))
}

/// Shares by stage, for the countries with the largest share in either run.
fn shares(a: Option<&Value>, b: Option<&Value>) -> Value {
    let (sa, sb) = (
        a.and_then(|v| v.get("shares")),
        b.and_then(|v| v.get("shares")),
    );
    let mut out = Map::new();
    for stage in keys(sa).union(&keys(sb)) {
        let (ma, mb) = (sa.and_then(|v| v.get(stage)), sb.and_then(|v| v.get(stage)));
        let mut countries: Vec<(String, f64)> = keys(ma)
            .union(&keys(mb))
            .map(|c| {
                let x = num(ma.and_then(|m| m.get(c))).unwrap_or(0.0);
                let y = num(mb.and_then(|m| m.get(c))).unwrap_or(0.0);
                (c.clone(), x.max(y))
            })
            .filter(|(_, s)| *s > 0.0005)
            .collect();
        countries.sort_by(|p, q| q.1.total_cmp(&p.1).then(p.0.cmp(&q.0)));
        let mut row = Map::new();
        for (c, _) in countries.into_iter().take(TOP_COUNTRIES) {
            let x = num(ma.and_then(|m| m.get(&c))).or(Some(0.0));
            let y = num(mb.and_then(|m| m.get(&c))).or(Some(0.0));
            row.insert(c, triple(x, y));
        }
        out.insert(stage.clone(), Value::Object(row));
    }
    Value::Object(out)
}

/// Sum of `country → key → value` over countries, per key.
fn by_inner_key(v: Option<&Value>) -> Map<String, Value> {
    let mut m = Map::new();
    if let Some(outer) = v.and_then(Value::as_object) {
        for inner in outer.values().filter_map(Value::as_object) {
            for (k, x) in inner {
                let t = m.entry(k.clone()).or_insert(json!(0.0));
                *t = json!(t.as_f64().unwrap_or(0.0) + x.as_f64().unwrap_or(0.0));
            }
        }
    }
    m
}

/// Shortfall by sector (summed over countries), with a total.
fn shortfall(a: Option<&Value>, b: Option<&Value>) -> Value {
    let ma = by_inner_key(a.and_then(|v| v.get("shortfall")));
    let mb = by_inner_key(b.and_then(|v| v.get("shortfall")));
    let sectors: BTreeSet<&String> = ma.keys().chain(mb.keys()).collect();
    let mut out = Map::new();
    let (mut ta, mut tb) = (0.0, 0.0);
    for s in sectors {
        let x = num(ma.get(s)).unwrap_or(0.0);
        let y = num(mb.get(s)).unwrap_or(0.0);
        ta += x;
        tb += y;
        out.insert(s.clone(), triple(Some(x), Some(y)));
    }
    out.insert("total".into(), triple(Some(ta), Some(tb)));
    Value::Object(out)
}

/// The supplier's price and the mean of the other markets' prices for one material.
fn split_prices(prices: Option<&Value>, material: &str) -> (Option<f64>, Option<f64>) {
    let Some(p) = prices.and_then(Value::as_object) else {
        return (None, None);
    };
    let home = num(p.get(SUPPLIER_MARKET).and_then(|m| m.get(material)));
    let rest: Vec<f64> = p
        .iter()
        .filter(|(k, _)| k.as_str() != SUPPLIER_MARKET)
        .filter_map(|(_, m)| num(m.get(material)))
        .collect();
    let mean = (!rest.is_empty()).then(|| rest.iter().sum::<f64>() / rest.len() as f64);
    (home, mean)
}

/// Prices of materials with demand: the supplier's market vs the mean elsewhere.
fn prices(a: Option<&Value>, b: Option<&Value>) -> Value {
    let (pa, pb) = (
        a.and_then(|v| v.get("prices")),
        b.and_then(|v| v.get("prices")),
    );
    let mut materials = BTreeSet::new();
    for p in [pa, pb].into_iter().flatten().filter_map(Value::as_object) {
        for m in p.values() {
            materials.extend(keys(Some(m)));
        }
    }
    let ex = format!("ex-{SUPPLIER_MARKET}");
    let mut out = Map::new();
    for m in materials {
        let (ha, ra) = split_prices(pa, &m);
        let (hb, rb) = split_prices(pb, &m);
        let mut row = Map::new();
        if ha.is_some() || hb.is_some() {
            row.insert(SUPPLIER_MARKET.into(), triple(ha, hb));
        }
        if ra.is_some() || rb.is_some() {
            row.insert(ex.clone(), triple(ra, rb));
        }
        out.insert(m, Value::Object(row));
    }
    Value::Object(out)
}

/// The comparison document (the `--json` output).
fn compare(sa: &Side, sb: &Side, years: &[String]) -> Value {
    let mut ys = Map::new();
    for y in years {
        let (a, b) = (annual(&sa.summary, y), annual(&sb.summary, y));
        let mut doc = Map::new();
        doc.insert("shares".into(), shares(a, b));
        doc.insert("shortfall".into(), shortfall(a, b));
        doc.insert("prices".into(), prices(a, b));
        for metric in ["dependency", "independence"] {
            if let Some(d) = diff_tree(a.and_then(|v| v.get(metric)), b.and_then(|v| v.get(metric)))
            {
                doc.insert(metric.into(), d);
            }
        }
        ys.insert(y.clone(), Value::Object(doc));
    }
    json!({ "a": sa.name, "b": sb.name, "years": ys })
}

fn fmt_num(v: &Value, scale: f64, digits: usize) -> String {
    v.as_f64().map_or("–".into(), |x| {
        let s = format!("{:.*}", digits, x * scale);
        // a tiny negative number reads as zero, not "-0.0"
        match s.strip_prefix('-') {
            Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_string(),
            _ => s,
        }
    })
}

fn fmt_diff(v: &Value, scale: f64, digits: usize) -> String {
    v.as_f64().map_or("–".into(), |x| {
        let s = format!("{:+.*}", digits, x * scale);
        // "-0.0" and "+0.0" both read as no change
        if s.trim_start_matches(['+', '-'])
            .chars()
            .all(|c| c == '0' || c == '.')
        {
            "0".into()
        } else {
            s
        }
    })
}

fn cells(t: &Value, scale: f64, digits: usize) -> [String; 3] {
    [
        fmt_num(&t["a"], scale, digits),
        fmt_num(&t["b"], scale, digits),
        fmt_diff(&t["diff"], scale, digits),
    ]
}

fn obj(v: &Value) -> impl Iterator<Item = (&String, &Value)> {
    v.as_object().into_iter().flat_map(|m| m.iter())
}

/// Terminal rendering of the comparison document.
fn render(sa: &Side, sb: &Side, doc: &Value) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Lodestone · compare A = `{}` with B = `{}` · differences are B − A",
        sa.name, sb.name
    );
    for (year, y) in obj(&doc["years"]) {
        let _ = writeln!(out, "\n══ {year} ══");

        let _ = writeln!(out, "\nShares of output by country (%)");
        let mut t = Table::new(&["stage", "country", "A", "B", "B − A (pp)"]);
        for (stage, row) in obj(&y["shares"]) {
            for (c, v) in obj(row) {
                let [x, z, d] = cells(v, 100.0, 1);
                t.row(vec![stage.clone(), c.clone(), x, z, d]);
            }
        }
        out.push_str(&t.render());

        let _ = writeln!(out, "\nShortfall by sector (t unmet)");
        let mut t = Table::new(&["sector", "A", "B", "B − A"]);
        let mut any = false;
        for (s, v) in obj(&y["shortfall"]) {
            let big = [&v["a"], &v["b"]]
                .iter()
                .any(|x| x.as_f64().unwrap_or(0.0) >= 0.5);
            if big || s == "total" {
                any |= big;
                let [x, z, d] = cells(v, 1.0, 0);
                t.row(vec![s.clone(), x, z, d]);
            }
        }
        if any {
            out.push_str(&t.render());
        } else {
            out.push_str("none in either run\n");
        }

        let ex = format!("ex-{SUPPLIER_MARKET}");
        let _ = writeln!(
            out,
            "\nPrices (USD/kg; {SUPPLIER_MARKET} and the mean of the other markets)"
        );
        let mut t = Table::new(&[
            "material",
            &format!("{SUPPLIER_MARKET} A"),
            &format!("{SUPPLIER_MARKET} B"),
            "B − A",
            &format!("{ex} A"),
            &format!("{ex} B"),
            "B − A",
        ]);
        for (m, row) in obj(&y["prices"]) {
            let [ha, hb, hd] = cells(&row[SUPPLIER_MARKET], 1.0, 1);
            let [ra, rb, rd] = cells(&row[&ex], 1.0, 1);
            t.row(vec![m.clone(), ha, hb, hd, ra, rb, rd]);
        }
        out.push_str(&t.render());

        if let Some(dep) = y.get("dependency") {
            let _ = writeln!(
                out,
                "\nDependency (share of demand traced to each supplier)"
            );
            let mut t = Table::new(&[
                "country",
                "stage",
                "kind",
                "supplier",
                "A",
                "B",
                "B − A (pp)",
            ]);
            for (c, stages) in obj(dep) {
                for (st, kinds) in obj(stages) {
                    for (k, sup) in obj(kinds) {
                        for (s, v) in obj(sup) {
                            let [x, z, d] = cells(v, 100.0, 1);
                            t.row(vec![c.clone(), st.clone(), k.clone(), s.clone(), x, z, d]);
                        }
                    }
                }
            }
            out.push_str(&t.render());
        }
        if let Some(ind) = y.get("independence") {
            let _ = writeln!(
                out,
                "\nIndependence (share of bloc demand met without the supplier, %)"
            );
            let mut t = Table::new(&["bloc", "stage", "A", "B", "B − A (pp)"]);
            for (bloc, stages) in obj(ind) {
                for (st, v) in obj(stages) {
                    let [x, z, d] = cells(v, 100.0, 1);
                    t.row(vec![bloc.clone(), st.clone(), x, z, d]);
                }
            }
            out.push_str(&t.render());
        }
    }
    for s in [sa, sb] {
        if !s.balance_ok {
            let _ = writeln!(out, "\n✗ `{}`: mass balance above tolerance", s.name);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_tree_merges_keys_and_subtracts() {
        let a = json!({"US": {"magnet": {"direct": {"CN": 0.5}}}});
        let b = json!({"US": {"magnet": {"direct": {"CN": 0.75, "JP": 0.1}}}});
        let d = diff_tree(Some(&a), Some(&b)).unwrap();
        assert_eq!(d["US"]["magnet"]["direct"]["CN"]["diff"], json!(0.25));
        assert_eq!(d["US"]["magnet"]["direct"]["JP"]["a"], Value::Null);
        assert_eq!(d["US"]["magnet"]["direct"]["JP"]["diff"], Value::Null);
        assert!(diff_tree(None, None).is_none());
    }

    #[test]
    fn years_are_first_middle_last_of_the_common_ones() {
        let a = json!({"annual": {"2024": {}, "2025": {}, "2026": {}, "2027": {}}});
        let b = json!({"annual": {"2025": {}, "2026": {}, "2027": {}, "2028": {}}});
        assert_eq!(pick_years(&a, &b), ["2025", "2026", "2027"]);
        let c = json!({"annual": {"2025": {}}});
        assert_eq!(pick_years(&a, &c), ["2025"]);
    }

    #[test]
    fn prices_split_supplier_and_rest() {
        let y = json!({"prices": {"CN": {"m": 10.0}, "JP": {"m": 20.0}, "US": {"m": 30.0}}});
        let p = prices(Some(&y), Some(&y));
        assert_eq!(p["m"]["CN"]["a"], json!(10.0));
        assert_eq!(p["m"]["ex-CN"]["b"], json!(25.0));
        assert_eq!(p["m"]["ex-CN"]["diff"], json!(0.0));
    }
}
