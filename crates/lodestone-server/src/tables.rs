//! Tidy CSV tables of a stored run summary: one row per year and key path, one value.
//!
//! Built from the summary JSON (`annual → year → table → …`), so they exist for every
//! stored run, after a restart too.

use serde_json::Value;

/// Tables on offer and their columns (the last column holds the value).
pub const TABLES: &[(&str, &[&str])] = &[
    ("production", &["year", "stage", "country", "t"]),
    ("shares", &["year", "stage", "country", "share"]),
    ("shortfall", &["year", "country", "sector", "t"]),
    ("demand", &["year", "country", "sector", "t"]),
    ("prices", &["year", "market", "material", "usd_per_kg"]),
    ("stocks", &["year", "market", "material", "t"]),
    ("surplus", &["year", "market", "material", "t"]),
    (
        "imports",
        &["year", "importer", "exporter", "material", "t"],
    ),
    (
        "dependency",
        &["year", "entity", "stage", "measure", "supplier", "share"],
    ),
    ("independence", &["year", "bloc", "stage", "share"]),
    ("platforms", &["year", "platform", "count"]),
];

/// Names of the tables.
pub fn names() -> Vec<&'static str> {
    TABLES.iter().map(|(n, _)| *n).collect()
}

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

/// The CSV text of `table` for a summary; `None` for an unknown table.
pub fn csv(summary: &Value, table: &str) -> Option<String> {
    let (_, columns) = TABLES.iter().find(|(n, _)| *n == table)?;
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(*columns).ok()?;
    let empty = serde_json::Map::new();
    let annual = summary
        .get("annual")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    for (year, y) in annual {
        let mut rows = Vec::new();
        if let Some(t) = y.get(table) {
            walk(t, columns.len() - 2, &mut Vec::new(), &mut rows);
        }
        for (keys, value) in rows {
            let mut record = Vec::with_capacity(columns.len());
            record.push(year.clone());
            record.extend(keys);
            record.push(value.to_string());
            w.write_record(&record).ok()?;
        }
    }
    String::from_utf8(w.into_inner().ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_maps_become_tidy_rows() {
        let s = json!({"annual": {
            "2024": {"shares": {"magnet": {"CN": 0.9, "JP": 0.1}},
                      "imports": {"JP": {"CN": {"magnet": 5.0}}}},
            "2025": {"shares": {"magnet": {"CN": 0.8}}}}});
        assert_eq!(
            csv(&s, "shares").unwrap(),
            "year,stage,country,share\n2024,magnet,CN,0.9\n2024,magnet,JP,0.1\n2025,magnet,CN,0.8\n"
        );
        assert_eq!(
            csv(&s, "imports").unwrap(),
            "year,importer,exporter,material,t\n2024,JP,CN,magnet,5\n"
        );
        assert_eq!(
            csv(&s, "prices").unwrap(),
            "year,market,material,usd_per_kg\n"
        );
        assert!(csv(&s, "nope").is_none());
    }

    #[test]
    fn commas_are_quoted() {
        let s = json!({"annual": {"2024": {"platforms": {"a,b": 2.0}}}});
        assert_eq!(
            csv(&s, "platforms").unwrap(),
            "year,platform,count\n2024,\"a,b\",2\n"
        );
    }
}
