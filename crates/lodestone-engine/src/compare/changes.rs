//! What changed between two runs: the comparison flattened to rows, each row scored
//! (percentage points for shares, per cent for quantities and prices), the rows that
//! moved beyond a threshold ranked largest first with the year of their largest difference,
//! and the years in which anything moved, in calendar order (a disruption's consequences
//! read as a timeline; ranked by size, the late years of a long horizon, where by-product
//! prices near their surplus floor swing most, would hide the year the event happened).

use super::{Comparison, Diff, DiffTree, YearComparison};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use std::collections::BTreeMap;

/// Default threshold of [`changes`]: half a percentage point for shares, half a per cent
/// for quantities and prices.
pub const DEFAULT_THRESHOLD: f64 = 0.5;
/// Prices below this (USD/kg) are near zero: a relative change from them is not shown.
pub const PRICE_FLOOR: f64 = 1.0;
/// Quantities below this (t) are near zero: a relative change from them is not shown.
pub const TONNES_FLOOR: f64 = 1.0;
/// Quantities are scored against at least this many tonnes: a few tonnes appearing from
/// nothing is not a 100 % change in anything an analyst ranks.
pub const TONNES_SCALE: f64 = 100.0;
/// A base smaller than this fraction of the other value is near zero (a change beyond
/// +900 % is shown as an absolute change).
pub const NEAR_ZERO_RATIO: f64 = 0.1;
/// Names of the key columns, in the order of a tidy table.
pub const KEY_FIELDS: [&str; 8] = [
    "country", "bloc", "stage", "sector", "material", "market", "kind", "supplier",
];

/// Unit of a compared value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Unit {
    /// A fraction (0..1); differences in percentage points.
    #[serde(rename = "share")]
    Share,
    /// Tonnes.
    #[serde(rename = "t")]
    Tonnes,
    /// US dollars per kilogram.
    #[serde(rename = "USD/kg")]
    UsdPerKg,
}

impl Unit {
    /// The unit as written in tables: `share`, `t`, `USD/kg`.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Share => "share",
            Unit::Tonnes => "t",
            Unit::UsdPerKg => "USD/kg",
        }
    }

    /// The smallest denominator of [`score`].
    fn scale(self) -> f64 {
        match self {
            Unit::Tonnes => TONNES_SCALE,
            _ => self.floor(),
        }
    }

    /// Below this a value is near zero (no relative change from it).
    pub fn floor(self) -> f64 {
        match self {
            Unit::Share => 0.0005,
            Unit::Tonnes => TONNES_FLOOR,
            Unit::UsdPerKg => PRICE_FLOOR,
        }
    }
}

/// `(b − a) / a`, unless `a` is near zero: below `floor`, or below [`NEAR_ZERO_RATIO`] of
/// `b` (then only the absolute change means anything; "+349386 %" does not).
pub fn relative_change(a: f64, b: f64, floor: f64) -> Option<f64> {
    let base = a.abs();
    (base >= floor && base > 0.0 && base >= NEAR_ZERO_RATIO * b.abs()).then(|| (b - a) / a)
}

/// Size of a difference on one scale for every unit: percentage points for shares, per
/// cent of the larger value for quantities (at least [`TONNES_SCALE`]) and prices (at
/// least [`PRICE_FLOOR`]).
pub fn score(unit: Unit, d: &Diff) -> f64 {
    let (Some(a), Some(b), Some(diff)) = (d.a, d.b, d.diff) else {
        return 0.0;
    };
    match unit {
        Unit::Share => 100.0 * diff.abs(),
        Unit::Tonnes | Unit::UsdPerKg => {
            100.0 * diff.abs() / a.abs().max(b.abs()).max(unit.scale())
        }
    }
}

/// Named keys of a row (`stage = mining`, `country = AU`), in order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Key(pub Vec<(&'static str, String)>);

impl Key {
    /// The key's values joined by ` · ` (`mining · AU`).
    pub fn label(&self) -> String {
        let v: Vec<&str> = self.0.iter().map(|(_, v)| v.as_str()).collect();
        v.join(" · ")
    }

    /// The value of a named key, if the row has it.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, v)| v.as_str())
    }
}

impl Serialize for Key {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// One compared number in one year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// Year.
    pub year: String,
    /// `share`, `shortfall`, `price`, `dependency` or `independence`.
    pub metric: &'static str,
    /// What the number is of.
    pub key: Key,
    /// Unit of `a`, `b` and `diff`.
    pub unit: Unit,
    /// The values and `b − a`.
    #[serde(flatten)]
    pub diff: Diff,
    /// `(b − a) / a`, unless `a` is near zero ([`relative_change`]).
    pub relative_change: Option<f64>,
    /// [`score`] of the difference.
    pub score: f64,
}

impl Row {
    fn new(year: &str, metric: &'static str, key: Key, unit: Unit, diff: Diff) -> Row {
        let relative_change = match (diff.a, diff.b) {
            (Some(a), Some(b)) if unit != Unit::Share => relative_change(a, b, unit.floor()),
            _ => None,
        };
        Row {
            year: year.to_string(),
            metric,
            key,
            unit,
            diff,
            relative_change,
            score: score(unit, &diff),
        }
    }

    /// Whether the row moved beyond `threshold` ([`score`] units).
    pub fn changed(&self, threshold: f64) -> bool {
        self.score >= threshold && self.score > 0.0
    }
}

fn two(
    year: &str,
    m: &'static str,
    f: [&'static str; 2],
    t: &BTreeMap<String, BTreeMap<String, Diff>>,
    u: Unit,
    out: &mut Vec<Row>,
) {
    for (k1, inner) in t {
        for (k2, d) in inner {
            let key = Key(vec![(f[0], k1.clone()), (f[1], k2.clone())]);
            out.push(Row::new(year, m, key, u, *d));
        }
    }
}

fn leaves(
    t: &DiffTree,
    fields: &[&'static str],
    path: &mut Vec<(&'static str, String)>,
    f: &mut dyn FnMut(Key, Diff),
) {
    match t {
        DiffTree::Leaf(d) => f(Key(path.clone()), *d),
        DiffTree::Branch(m) => {
            let name = fields.get(path.len()).copied().unwrap_or("key");
            for (k, sub) in m {
                path.push((name, k.clone()));
                leaves(sub, fields, path, f);
                path.pop();
            }
        }
    }
}

/// The rows of one year, in the order of the document (shares, shortfall, prices,
/// dependency, independence).
pub fn year_rows(year: &str, y: &YearComparison) -> Vec<Row> {
    let mut out = Vec::new();
    two(
        year,
        "share",
        ["stage", "country"],
        &y.shares,
        Unit::Share,
        &mut out,
    );
    for (s, d) in &y.shortfall {
        let key = Key(vec![("sector", s.clone())]);
        out.push(Row::new(year, "shortfall", key, Unit::Tonnes, *d));
    }
    two(
        year,
        "price",
        ["material", "market"],
        &y.prices,
        Unit::UsdPerKg,
        &mut out,
    );
    let trees = [
        (
            "dependency",
            &y.dependency,
            &["country", "stage", "kind", "supplier"][..],
        ),
        ("independence", &y.independence, &["bloc", "stage"][..]),
    ];
    for (m, tree, fields) in trees {
        if let Some(t) = tree {
            leaves(t, fields, &mut Vec::new(), &mut |key, d| {
                out.push(Row::new(year, m, key, Unit::Share, d));
            });
        }
    }
    out
}

impl Comparison {
    /// Every compared number of every year, year by year.
    pub fn rows(&self) -> Vec<Row> {
        (self.years.iter())
            .flat_map(|(y, yc)| year_rows(y, yc))
            .collect()
    }
}

/// A year and how much changed in it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct YearChange {
    /// Year.
    pub year: String,
    /// Rows changed beyond the threshold.
    pub changed: usize,
    /// The largest [`score`] of the year.
    pub largest: f64,
}

/// What changed between two runs, largest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Changes {
    /// The threshold ([`score`] units: pp for shares, % for quantities and prices).
    pub threshold: f64,
    /// Years with a change beyond the threshold, in calendar order.
    pub years: Vec<YearChange>,
    /// Each changed number in the year of its largest difference, the largest first.
    pub rows: Vec<Row>,
}

impl Changes {
    /// The changed years in calendar order.
    pub fn years_in_order(&self) -> Vec<String> {
        let mut v: Vec<String> = self.years.iter().map(|y| y.year.clone()).collect();
        v.sort();
        v
    }
}

/// Largest first; ties broken by metric, key and year so the order is deterministic.
fn by_score(p: &Row, q: &Row) -> std::cmp::Ordering {
    (q.score.total_cmp(&p.score))
        .then_with(|| p.metric.cmp(q.metric))
        .then_with(|| p.key.cmp(&q.key))
        .then_with(|| p.year.cmp(&q.year))
}

/// The rows of `c` that moved beyond `threshold` in some year, each in the year of its
/// largest difference (`|b − a|` in the row's own unit), largest [`score`] first; and the
/// years with any such change, in order.
pub fn changes(c: &Comparison, threshold: f64) -> Changes {
    let mut years: Vec<YearChange> = Vec::new();
    let mut best: BTreeMap<(&'static str, Key), Row> = BTreeMap::new();
    for row in c.rows().into_iter().filter(|r| r.changed(threshold)) {
        match years.iter_mut().find(|y| y.year == row.year) {
            Some(y) => {
                y.changed += 1;
                y.largest = y.largest.max(row.score);
            }
            None => years.push(YearChange {
                year: row.year.clone(),
                changed: 1,
                largest: row.score,
            }),
        }
        let slot = (row.metric, row.key.clone());
        let size = |r: &Row| r.diff.diff.map_or(0.0, f64::abs);
        if best.get(&slot).is_none_or(|b| size(&row) > size(b)) {
            best.insert(slot, row);
        }
    }
    years.sort_by(|p, q| p.year.cmp(&q.year));
    let mut rows: Vec<Row> = best.into_values().collect();
    rows.sort_by(by_score);
    Changes {
        threshold,
        years,
        rows,
    }
}

fn keep_map(m: &mut BTreeMap<String, BTreeMap<String, Diff>>, unit: Unit, t: f64) {
    for inner in m.values_mut() {
        inner.retain(|_, d| score(unit, d) >= t && score(unit, d) > 0.0);
    }
    m.retain(|_, inner| !inner.is_empty());
}

fn keep_tree(tree: Option<DiffTree>, t: f64) -> Option<DiffTree> {
    match tree? {
        DiffTree::Leaf(d) => {
            let s = score(Unit::Share, &d);
            (s >= t && s > 0.0).then_some(DiffTree::Leaf(d))
        }
        DiffTree::Branch(m) => {
            let m: BTreeMap<String, DiffTree> = (m.into_iter())
                .filter_map(|(k, sub)| keep_tree(Some(sub), t).map(|s| (k, s)))
                .collect();
            (!m.is_empty()).then_some(DiffTree::Branch(m))
        }
    }
}

impl YearComparison {
    /// The year with only the numbers that moved beyond `threshold` ([`score`] units).
    pub fn changed_only(mut self, threshold: f64) -> YearComparison {
        keep_map(&mut self.shares, Unit::Share, threshold);
        keep_map(&mut self.prices, Unit::UsdPerKg, threshold);
        (self.shortfall)
            .retain(|_, d| score(Unit::Tonnes, d) >= threshold && score(Unit::Tonnes, d) > 0.0);
        self.dependency = keep_tree(self.dependency.take(), threshold);
        self.independence = keep_tree(self.independence.take(), threshold);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::{common_years, compare};
    use serde_json::json;

    fn pair() -> Comparison {
        let year = |cn: f64, short: f64, price: f64| {
            json!({"shares": {"mining": {"CN": cn, "AU": 1.0 - cn}},
                   "shortfall": {"US": {"ev": short}},
                   "prices": {"CN": {"m": price}, "US": {"m": price}}})
        };
        let a = json!({"annual": {"2024": year(0.7, 0.0, 10.0), "2025": year(0.7, 0.0, 10.0),
                                  "2026": year(0.7, 0.0, 10.0)}});
        let b = json!({"annual": {"2024": year(0.7, 0.0, 10.0), "2025": year(0.75, 5.0, 12.0),
                                  "2026": year(0.9, 4400.0, 10.0)}});
        compare(&a, &b, &common_years(&a, &b))
    }

    #[test]
    fn changes_rank_the_largest_first_in_the_year_of_largest_difference() {
        let ch = changes(&pair(), DEFAULT_THRESHOLD);
        let years: Vec<&str> = ch.years.iter().map(|y| y.year.as_str()).collect();
        assert_eq!(years, ["2025", "2026"], "2024 did not change");
        let top = &ch.rows[0];
        assert_eq!((top.metric, top.year.as_str()), ("shortfall", "2026"));
        assert_eq!(top.relative_change, None, "no percentage from a zero base");
        let cn = ch
            .rows
            .iter()
            .find(|r| r.key.get("country") == Some("CN"))
            .unwrap();
        assert_eq!(cn.year, "2026");
        assert!((cn.score - 20.0).abs() < 1e-9, "{cn:?}");
        let price = ch.rows.iter().find(|r| r.metric == "price").unwrap();
        assert_eq!(price.year, "2025");
        assert!((price.relative_change.unwrap() - 0.2).abs() < 1e-12);
        assert_eq!(ch.years_in_order(), ["2025", "2026"]);
    }

    #[test]
    fn a_near_zero_base_gives_no_relative_change() {
        assert_eq!(relative_change(10.0, 12.0, 1.0), Some(0.2));
        assert_eq!(relative_change(0.5, 1747.0, 1.0), None, "below the floor");
        assert_eq!(
            relative_change(2.0, 6990.0, 1.0),
            None,
            "+349386 % is not shown"
        );
        assert_eq!(relative_change(0.0, 0.0, 0.0), None);
        assert!(relative_change(10.0, 100.0, 1.0).is_some(), "+900 % is");
    }

    #[test]
    fn changed_only_keeps_the_moved_numbers() {
        let c = pair();
        let y = c.years["2024"].clone().changed_only(DEFAULT_THRESHOLD);
        assert!(y.shares.is_empty() && y.prices.is_empty() && y.shortfall.is_empty());
        let y = c.years["2026"].clone().changed_only(DEFAULT_THRESHOLD);
        assert_eq!(y.shares["mining"].len(), 2);
        assert!(y.prices.is_empty());
        assert!(y.shortfall.contains_key("total"));
    }

    #[test]
    fn rows_name_their_keys_and_units() {
        let rows = pair().rows();
        let r = rows.iter().find(|r| r.metric == "price").unwrap();
        assert_eq!(r.key.label(), "m · CN");
        assert_eq!(r.unit.as_str(), "USD/kg");
        let v = serde_json::to_value(r).unwrap();
        assert_eq!(v["key"], json!({"material": "m", "market": "CN"}));
        assert_eq!(v["unit"], "USD/kg");
    }
}
