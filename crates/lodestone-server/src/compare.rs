//! Two stored run summaries side by side, year by year — the document of
//! `lodestone compare --json` (same shapes, every common year instead of three).
//!
//! Summaries are read as JSON values, so metrics the engine adds later are compared as
//! soon as they appear. Every number is `{a, b, diff}` with `diff = b − a`.

use serde_json::{Map, Value, json};
use std::collections::BTreeSet;

/// Countries shown per stage in the shares comparison.
const TOP_COUNTRIES: usize = 4;

fn num(v: Option<&Value>) -> Option<f64> {
    v.and_then(Value::as_f64)
}

fn keys(v: Option<&Value>) -> BTreeSet<String> {
    v.and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// `{a, b, diff}` with `diff = b − a` (null where a side is missing).
fn triple(a: Option<f64>, b: Option<f64>) -> Value {
    let diff = match (a, b) {
        (Some(x), Some(y)) => json!(y - x),
        _ => Value::Null,
    };
    json!({ "a": a, "b": b, "diff": diff })
}

/// Objects merged by key, numeric leaves as `{a, b, diff}`; `None` if both are empty.
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
fn split_prices(
    prices: Option<&Value>,
    material: &str,
    supplier: &str,
) -> (Option<f64>, Option<f64>) {
    let Some(p) = prices.and_then(Value::as_object) else {
        return (None, None);
    };
    let home = num(p.get(supplier).and_then(|m| m.get(material)));
    let rest: Vec<f64> = p
        .iter()
        .filter(|(k, _)| k.as_str() != supplier)
        .filter_map(|(_, m)| num(m.get(material)))
        .collect();
    let mean = (!rest.is_empty()).then(|| rest.iter().sum::<f64>() / rest.len() as f64);
    (home, mean)
}

/// Prices: the supplier's market vs the mean elsewhere, per material.
fn prices(a: Option<&Value>, b: Option<&Value>, supplier: &str) -> Value {
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
    let ex = format!("ex-{supplier}");
    let mut out = Map::new();
    for m in materials {
        let (ha, ra) = split_prices(pa, &m, supplier);
        let (hb, rb) = split_prices(pb, &m, supplier);
        let mut row = Map::new();
        if ha.is_some() || hb.is_some() {
            row.insert(supplier.to_string(), triple(ha, hb));
        }
        if ra.is_some() || rb.is_some() {
            row.insert(ex.clone(), triple(ra, rb));
        }
        out.insert(m, Value::Object(row));
    }
    Value::Object(out)
}

fn annual<'v>(s: &'v Value, year: &str) -> Option<&'v Value> {
    s.get("annual").and_then(|a| a.get(year))
}

/// Years both summaries cover, in order.
pub fn common_years(a: &Value, b: &Value) -> Vec<String> {
    let ka = keys(a.get("annual"));
    let kb = keys(b.get("annual"));
    ka.intersection(&kb).cloned().collect()
}

/// The comparison of summaries `a` and `b` (labelled `label_a`, `label_b`) over `years`.
pub fn compare(a: &Value, b: &Value, years: &[String]) -> Value {
    let supplier = a
        .get("supplier")
        .and_then(Value::as_str)
        .unwrap_or("CN")
        .to_string();
    let mut ys = Map::new();
    for y in years {
        let (ya, yb) = (annual(a, y), annual(b, y));
        let mut doc = Map::new();
        doc.insert("shares".into(), shares(ya, yb));
        doc.insert("shortfall".into(), shortfall(ya, yb));
        doc.insert("prices".into(), prices(ya, yb, &supplier));
        for metric in ["dependency", "independence"] {
            if let Some(d) = diff_tree(
                ya.and_then(|v| v.get(metric)),
                yb.and_then(|v| v.get(metric)),
            ) {
                doc.insert(metric.into(), d);
            }
        }
        ys.insert(y.clone(), Value::Object(doc));
    }
    json!({ "supplier": supplier, "years": ys })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_are_b_minus_a_over_common_years() {
        let a = json!({"supplier": "CN", "annual": {
            "2024": {"shares": {"magnet": {"CN": 0.9, "JP": 0.1}},
                     "shortfall": {"US": {"ev": 1.0}},
                     "prices": {"CN": {"m": 10.0}, "JP": {"m": 20.0}, "US": {"m": 30.0}}},
            "2023": {}}});
        let b = json!({"annual": {
            "2024": {"shares": {"magnet": {"CN": 0.5, "JP": 0.5}},
                     "shortfall": {"US": {"ev": 4.0}, "JP": {"ev": 1.0}},
                     "prices": {"CN": {"m": 12.0}, "JP": {"m": 40.0}}}}});
        let years = common_years(&a, &b);
        assert_eq!(years, ["2024"]);
        let d = compare(&a, &b, &years);
        let y = &d["years"]["2024"];
        assert_eq!(
            y["shares"]["magnet"]["CN"]["diff"].as_f64().unwrap(),
            0.5 - 0.9
        );
        assert_eq!(y["shortfall"]["total"]["b"], json!(5.0));
        assert_eq!(y["shortfall"]["ev"]["diff"], json!(4.0));
        assert_eq!(y["prices"]["m"]["ex-CN"]["a"], json!(25.0));
        assert_eq!(y["prices"]["m"]["ex-CN"]["b"], json!(40.0));
        assert_eq!(y["prices"]["m"]["CN"]["diff"], json!(2.0));
    }
}
