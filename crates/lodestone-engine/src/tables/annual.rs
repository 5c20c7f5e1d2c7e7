//! Rows of the tables with one row per year, from a run's summary (`annual → year →
//! table → keys… → value`, maps in key order).

use super::{Row, find};
use crate::Summary;
use serde_json::Value;

/// Rows of yearly table `name`; `None` for another name.
pub(super) fn rows(s: &Summary, name: &str) -> Option<Vec<Row>> {
    let def = find(name)?;
    let field = match name {
        "production_by_stage" => "production",
        "shares" | "demand" | "surplus" | "imports" | "dependency" | "independence"
        | "platforms" => name,
        _ => return None,
    };
    let mut out = Vec::new();
    for (year, y) in &s.annual {
        let v = serde_json::to_value(y).ok()?;
        let mut found = Vec::new();
        if let Some(t) = v.get(field) {
            walk(t, def.keys.len(), &mut Vec::new(), &mut found);
        }
        out.extend(found.into_iter().map(|(keys, value)| Row {
            period: year.clone(),
            keys,
            value,
        }));
    }
    Some(out)
}

/// Every number `depth` maps deep under `v`, with the keys that lead to it.
fn walk(v: &Value, depth: usize, path: &mut Vec<String>, out: &mut Vec<(Vec<String>, f64)>) {
    if depth == 0 {
        if let Some(x) = v.as_f64() {
            out.push((path.clone(), x));
        }
        return;
    }
    if let Some(m) = v.as_object() {
        for (k, child) in m {
            path.push(k.clone());
            walk(child, depth - 1, path, out);
            path.pop();
        }
    }
}
