//! Differences between two run summaries, year by year: shares, shortfall, prices,
//! dependency and independence, every number as `{a, b, diff}` with `diff = b − a`.
//!
//! The one implementation behind `lodestone compare` (which renders it as tables or prints
//! it as JSON) and the server's `/api/compare` (which compares stored runs). Summaries are
//! read as JSON values (`serde_json::to_value(&summary)`, or a summary stored as text), so
//! metrics the engine adds later are compared as soon as they appear and missing ones are
//! skipped. Pure: values in, a serializable [`Comparison`] out; [`changes`] ranks what
//! moved beyond a threshold, largest first, with the year of its largest difference.

mod changes;

pub use changes::{
    Changes, DEFAULT_THRESHOLD, KEY_FIELDS, Key, NEAR_ZERO_RATIO, PRICE_FLOOR, Row, TONNES_FLOOR,
    TONNES_SCALE, Unit, YearChange, changes, relative_change, score, year_rows,
};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Countries kept per stage in the shares comparison (the largest in either run).
pub const TOP_COUNTRIES: usize = 4;
/// Supplier assumed when summary `a` does not name one.
pub const DEFAULT_SUPPLIER: &str = "CN";
/// Shares at or below this (in either run) are left out of the shares comparison.
const MIN_SHARE: f64 = 0.0005;

/// One number in both runs and its change; `None` where a run lacks it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Diff {
    /// Value in run `a`.
    pub a: Option<f64>,
    /// Value in run `b`.
    pub b: Option<f64>,
    /// `b − a`, when both are present.
    pub diff: Option<f64>,
}

impl Diff {
    /// The difference of `a` and `b` (`diff` is `None` unless both are present).
    pub fn new(a: Option<f64>, b: Option<f64>) -> Diff {
        let diff = match (a, b) {
            (Some(x), Some(y)) => Some(y - x),
            _ => None,
        };
        Diff { a, b, diff }
    }
}

/// Two JSON trees merged by key, with their numeric leaves as [`Diff`]s.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum DiffTree {
    /// A number in either run.
    Leaf(Diff),
    /// An object in either run: key → subtree (keys with nothing to compare are left out).
    Branch(BTreeMap<String, DiffTree>),
}

impl DiffTree {
    /// The subtrees of a branch, by key (none for a leaf).
    pub fn children(&self) -> impl Iterator<Item = (&String, &DiffTree)> {
        match self {
            DiffTree::Branch(m) => Some(m.iter()),
            DiffTree::Leaf(_) => None,
        }
        .into_iter()
        .flatten()
    }

    /// The difference at a leaf.
    pub fn leaf(&self) -> Option<&Diff> {
        match self {
            DiffTree::Leaf(d) => Some(d),
            DiffTree::Branch(_) => None,
        }
    }
}

/// One year of the comparison.
///
/// Fields are declared in alphabetical order, so the JSON keeps the key order of the
/// untyped document the CLI and the API printed before.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct YearComparison {
    /// Dependency on the supplier (entity → stage → measure → supplier), if either run has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dependency: Option<DiffTree>,
    /// Bloc independence (bloc → stage), if either run has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub independence: Option<DiffTree>,
    /// Prices, USD/kg: material → {supplier, `ex-<supplier>` (mean of the other markets)}.
    pub prices: BTreeMap<String, BTreeMap<String, Diff>>,
    /// Shares of output (0..1): stage → country, the [`TOP_COUNTRIES`] largest in either run.
    pub shares: BTreeMap<String, BTreeMap<String, Diff>>,
    /// Unmet demand, t: sector (summed over countries) → tonnes, and `total`.
    pub shortfall: BTreeMap<String, Diff>,
}

/// The comparison of two summaries.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// The supplier the prices and dependency refer to (summary `a`'s).
    pub supplier: String,
    /// Year → differences.
    pub years: BTreeMap<String, YearComparison>,
}

impl Comparison {
    /// Key of the mean price of the markets other than the supplier's: `ex-<supplier>`.
    pub fn ex_supplier(&self) -> String {
        format!("ex-{}", self.supplier)
    }
}

fn num(v: Option<&Value>) -> Option<f64> {
    v.and_then(Value::as_f64)
}

/// Keys of an object at `v` (empty if absent or not an object).
fn keys(v: Option<&Value>) -> BTreeSet<String> {
    v.and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

fn annual<'v>(s: &'v Value, year: &str) -> Option<&'v Value> {
    s.get("annual").and_then(|a| a.get(year))
}

/// Years both summaries cover, in order.
pub fn common_years(a: &Value, b: &Value) -> Vec<String> {
    keys(a.get("annual"))
        .intersection(&keys(b.get("annual")))
        .cloned()
        .collect()
}

/// Objects merged by key, numeric leaves as [`Diff`]s; `None` if neither side has anything.
pub fn diff_tree(a: Option<&Value>, b: Option<&Value>) -> Option<DiffTree> {
    let is_obj = |v: Option<&Value>| v.is_some_and(Value::is_object);
    if is_obj(a) || is_obj(b) {
        let out: BTreeMap<String, DiffTree> = keys(a)
            .union(&keys(b))
            .filter_map(|k| {
                diff_tree(a.and_then(|x| x.get(k)), b.and_then(|x| x.get(k)))
                    .map(|d| (k.clone(), d))
            })
            .collect();
        return (!out.is_empty()).then_some(DiffTree::Branch(out));
    }
    let (x, y) = (num(a), num(b));
    (x.is_some() || y.is_some()).then(|| DiffTree::Leaf(Diff::new(x, y)))
}

/// Shares by stage, for the countries with the largest share in either run.
fn shares(a: Option<&Value>, b: Option<&Value>) -> BTreeMap<String, BTreeMap<String, Diff>> {
    let (sa, sb) = (
        a.and_then(|v| v.get("shares")),
        b.and_then(|v| v.get("shares")),
    );
    let mut out = BTreeMap::new();
    for stage in keys(sa).union(&keys(sb)) {
        let (ma, mb) = (sa.and_then(|v| v.get(stage)), sb.and_then(|v| v.get(stage)));
        let share = |m: Option<&Value>, c: &str| num(m.and_then(|m| m.get(c))).unwrap_or(0.0);
        let mut countries: Vec<(String, f64)> = keys(ma)
            .union(&keys(mb))
            .map(|c| (c.clone(), share(ma, c).max(share(mb, c))))
            .filter(|(_, s)| *s > MIN_SHARE)
            .collect();
        countries.sort_by(|p, q| q.1.total_cmp(&p.1).then(p.0.cmp(&q.0)));
        let row = countries
            .into_iter()
            .take(TOP_COUNTRIES)
            .map(|(c, _)| {
                let d = Diff::new(Some(share(ma, &c)), Some(share(mb, &c)));
                (c, d)
            })
            .collect();
        out.insert(stage.clone(), row);
    }
    out
}

/// Sum of `country → key → value` over countries, per key.
fn by_inner_key(v: Option<&Value>) -> BTreeMap<String, f64> {
    let mut m = BTreeMap::new();
    if let Some(outer) = v.and_then(Value::as_object) {
        for inner in outer.values().filter_map(Value::as_object) {
            for (k, x) in inner {
                *m.entry(k.clone()).or_insert(0.0) += x.as_f64().unwrap_or(0.0);
            }
        }
    }
    m
}

/// Shortfall by sector (summed over countries), with a total.
fn shortfall(a: Option<&Value>, b: Option<&Value>) -> BTreeMap<String, Diff> {
    let ma = by_inner_key(a.and_then(|v| v.get("shortfall")));
    let mb = by_inner_key(b.and_then(|v| v.get("shortfall")));
    let sectors: BTreeSet<&String> = ma.keys().chain(mb.keys()).collect();
    let mut out = BTreeMap::new();
    let (mut ta, mut tb) = (0.0, 0.0);
    for s in sectors {
        let x = ma.get(s).copied().unwrap_or(0.0);
        let y = mb.get(s).copied().unwrap_or(0.0);
        ta += x;
        tb += y;
        out.insert(s.clone(), Diff::new(Some(x), Some(y)));
    }
    out.insert("total".into(), Diff::new(Some(ta), Some(tb)));
    out
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

/// Prices of materials with demand: the supplier's market vs the mean elsewhere.
fn prices(
    a: Option<&Value>,
    b: Option<&Value>,
    supplier: &str,
) -> BTreeMap<String, BTreeMap<String, Diff>> {
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
    let mut out = BTreeMap::new();
    for m in materials {
        let (ha, ra) = split_prices(pa, &m, supplier);
        let (hb, rb) = split_prices(pb, &m, supplier);
        let mut row = BTreeMap::new();
        if ha.is_some() || hb.is_some() {
            row.insert(supplier.to_string(), Diff::new(ha, hb));
        }
        if ra.is_some() || rb.is_some() {
            row.insert(ex.clone(), Diff::new(ra, rb));
        }
        out.insert(m, row);
    }
    out
}

/// The comparison of summaries `a` and `b` over `years` (usually some or all of
/// [`common_years`]). Prices and dependency refer to `a`'s supplier.
pub fn compare(a: &Value, b: &Value, years: &[String]) -> Comparison {
    let supplier = a
        .get("supplier")
        .and_then(Value::as_str)
        .unwrap_or(DEFAULT_SUPPLIER)
        .to_string();
    let years = years
        .iter()
        .map(|y| {
            let (ya, yb) = (annual(a, y), annual(b, y));
            let metric = |m: &str| diff_tree(ya.and_then(|v| v.get(m)), yb.and_then(|v| v.get(m)));
            let doc = YearComparison {
                dependency: metric("dependency"),
                independence: metric("independence"),
                prices: prices(ya, yb, &supplier),
                shares: shares(ya, yb),
                shortfall: shortfall(ya, yb),
            };
            (y.clone(), doc)
        })
        .collect();
    Comparison { supplier, years }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
        let c = compare(&a, &b, &years);
        let y = &c.years["2024"];
        assert_eq!(y.shares["magnet"]["CN"].diff, Some(0.5 - 0.9));
        assert_eq!(y.shortfall["total"].b, Some(5.0));
        assert_eq!(y.shortfall["ev"].diff, Some(4.0));
        assert_eq!(y.prices["m"]["ex-CN"].a, Some(25.0));
        assert_eq!(y.prices["m"]["ex-CN"].b, Some(40.0));
        assert_eq!(y.prices["m"]["CN"].diff, Some(2.0));
        assert_eq!(c.ex_supplier(), "ex-CN");
    }

    #[test]
    fn diff_tree_merges_keys_and_subtracts() {
        let a = json!({"US": {"magnet": {"direct": {"CN": 0.5}}}});
        let b = json!({"US": {"magnet": {"direct": {"CN": 0.75, "JP": 0.1}}}});
        let d = serde_json::to_value(diff_tree(Some(&a), Some(&b))).unwrap();
        assert_eq!(d["US"]["magnet"]["direct"]["CN"]["diff"], json!(0.25));
        assert_eq!(d["US"]["magnet"]["direct"]["JP"]["a"], Value::Null);
        assert_eq!(d["US"]["magnet"]["direct"]["JP"]["diff"], Value::Null);
        assert!(diff_tree(None, None).is_none());
    }

    #[test]
    fn prices_split_supplier_and_rest_and_follow_the_summary_supplier() {
        let y = json!({"prices": {"CN": {"m": 10.0}, "JP": {"m": 20.0}, "US": {"m": 30.0}}});
        let p = prices(Some(&y), Some(&y), "CN");
        assert_eq!(p["m"]["CN"].a, Some(10.0));
        assert_eq!(p["m"]["ex-CN"].b, Some(25.0));
        assert_eq!(p["m"]["ex-CN"].diff, Some(0.0));
        let s = json!({"supplier": "US", "annual": {"2024": y}});
        let c = compare(&s, &s, &common_years(&s, &s));
        assert_eq!(c.years["2024"].prices["m"]["ex-US"].a, Some(15.0));
    }

    #[test]
    fn json_keeps_the_shape_and_key_order_of_the_untyped_document() {
        let a = json!({"annual": {"2024": {
            "shares": {"mining": {"CN": 0.9}},
            "independence": {"EU": {"magnet": 0.1}}}}});
        let c = compare(&a, &a, &common_years(&a, &a));
        let text = serde_json::to_string(&c).unwrap();
        assert_eq!(
            text,
            r#"{"supplier":"CN","years":{"2024":{"independence":{"EU":{"magnet":{"a":0.1,"b":0.1,"diff":0.0}}},"prices":{},"shares":{"mining":{"CN":{"a":0.9,"b":0.9,"diff":0.0}}},"shortfall":{"total":{"a":0.0,"b":0.0,"diff":0.0}}}}}"#
        );
    }
}
