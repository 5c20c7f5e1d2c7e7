//! CSV text of a run's tables (`lodestone_engine::tables`, the one table model the CLI's
//! `run --out` writes too): written once when a run finishes and stored beside its
//! summary, so `/api/runs/{id}/csv/{table}` serves exactly the CLI's file, after a restart
//! too; `?layout=wide` reads the stored table back and serves years as columns.

use lodestone_engine::tables::{self, Row, Table, TableDef};

pub use lodestone_engine::tables::names;

/// The shape of a served table (`?layout=`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// One row per period, key and value (as `lodestone run --out`).
    #[default]
    Tidy,
    /// One row per key, one column per year (as `lodestone run --out --layout wide`).
    Wide,
}

/// The tidy CSV text of a table, byte for byte the CLI's `--out` file.
pub fn csv(t: &Table) -> Result<String, String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| format!("cannot write table {}: {e}", t.def.name);
    w.write_record(t.def.columns()).map_err(err)?;
    let mut record: Vec<String> = Vec::new();
    for r in &t.rows {
        record.clear();
        record.push(r.period.clone());
        record.extend(r.keys.iter().cloned());
        record.extend([r.value.to_string(), t.def.unit.to_string()]);
        w.write_record(&record).map_err(err)?;
    }
    finish(w)
}

/// The wide CSV text of a table (years as columns; an empty cell where a key has no row
/// that year), byte for byte the CLI's `--layout wide` file.
pub fn wide_csv(t: &Table) -> Result<String, String> {
    let w = tables::wide(t);
    let mut out = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| format!("cannot write table {}: {e}", t.def.name);
    out.write_record(&w.columns).map_err(err)?;
    for (keys, values) in &w.rows {
        let mut record = keys.clone();
        record.push(w.unit.to_string());
        record.extend(
            values
                .iter()
                .map(|v| v.map_or_else(String::new, |x| x.to_string())),
        );
        out.write_record(&record).map_err(err)?;
    }
    finish(out)
}

fn finish(w: csv::Writer<Vec<u8>>) -> Result<String, String> {
    let bytes = w.into_inner().map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| e.to_string())
}

/// The name a run's table is stored under among the job's artifacts.
pub fn artifact_name(table: &str) -> String {
    format!("table/{table}.csv")
}

/// Every table of a run as (name, tidy CSV text), to store with it.
pub fn all_csv(
    r: &lodestone_engine::RunResult,
    s: &lodestone_engine::Summary,
) -> Result<Vec<(String, String)>, String> {
    (tables::build_all(r, s).iter())
        .map(|t| Ok((t.def.name.to_string(), csv(t)?)))
        .collect()
}

/// A stored tidy CSV table read back (the inverse of [`csv`]: numbers print as they parse).
pub fn parse(def: &'static TableDef, text: &str) -> Result<Table, String> {
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    let n = def.keys.len();
    let mut rows = Vec::new();
    for rec in rd.records() {
        let rec = rec.map_err(|e| format!("stored table {}: {e}", def.name))?;
        let value = (rec.get(n + 1).and_then(|v| v.parse().ok()))
            .ok_or_else(|| format!("stored table {}: a row without a value", def.name))?;
        rows.push(Row {
            period: rec.get(0).unwrap_or_default().to_string(),
            keys: (1..=n)
                .map(|k| rec.get(k).unwrap_or_default().to_string())
                .collect(),
            value,
        });
    }
    Ok(Table { def, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_table_reads_back_to_the_same_text_and_widens() {
        let def = tables::find("flows").unwrap();
        let text = "period,exporter,importer,material,value,unit\n\
                    2024-01,CN,US,ndpr_oxide,0.1,tonnes\n\
                    2024-02,CN,US,ndpr_oxide,1e-20,tonnes\n\
                    2025-01,\"a,b\",US,ndpr_oxide,3,tonnes\n";
        let t = parse(def, text).unwrap();
        assert_eq!(t.rows[2].keys[0], "a,b");
        let again = csv(&t).unwrap();
        assert_eq!(parse(def, &again).unwrap().rows, t.rows);
        assert_eq!(
            wide_csv(&t).unwrap(),
            "exporter,importer,material,unit,2024,2025\n\
             CN,US,ndpr_oxide,tonnes,0.1,\n\
             \"a,b\",US,ndpr_oxide,tonnes,,3\n"
        );
    }
}
