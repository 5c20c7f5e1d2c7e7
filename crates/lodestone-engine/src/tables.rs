//! The one table model: every output table of a run — its name, grain, key columns, value
//! unit and description — declared once in [`TABLES`], and the rows of each built from a
//! run. `lodestone run --out` (CSV, Parquet, xlsx), the API's `/api/runs/{id}/csv/{table}`
//! and the Python package's frames all build their tables here. (The report draws from
//! the run and its summary directly: its origin-traced flows are not one of these tables.)
//!
//! Every table is tidy: `period`, then its key columns (`country`, `sector`, `exporter`,
//! `importer`, `material`…), then `value` and `unit`. [`wide`] is the same table with one
//! column per year, each year's periods rolled up as the table declares ([`Rollup`]).
//! Pure: no I/O; writers live with the CLI and the server.

mod annual;
mod period;

use crate::{RunResult, Summary};

/// What one row of a table stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grain {
    /// One row per period of the run (month, quarter or year, as the scenario's step).
    Period,
    /// One row per calendar year (from the run's summary).
    Year,
}

impl Grain {
    /// Name as documented (`period` or `year`).
    pub fn as_str(self) -> &'static str {
        match self {
            Grain::Period => "period",
            Grain::Year => "year",
        }
    }
}

/// How the wide view rolls a year's periods into its one column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rollup {
    /// Sum of the year's periods (quantities in a period).
    Sum,
    /// Mean of the year's periods listed (prices).
    Mean,
    /// The year's last period listed (stocks at a period's end).
    Last,
}

/// One output table, declared once.
#[derive(Debug)]
pub struct TableDef {
    /// Name: the file stem of `--out`, the API's `{table}`, the sheet of a workbook.
    pub name: &'static str,
    /// What a row stands for.
    pub grain: Grain,
    /// Key columns between `period` and `value`, in order.
    pub keys: &'static [&'static str],
    /// Unit of `value` (the `unit` column).
    pub unit: &'static str,
    /// How [`wide`] rolls periods up into years.
    pub rollup: Rollup,
    /// What the table holds.
    pub description: &'static str,
}

const fn def(
    name: &'static str,
    grain: Grain,
    keys: &'static [&'static str],
    unit: &'static str,
    rollup: Rollup,
    description: &'static str,
) -> TableDef {
    TableDef {
        name,
        grain,
        keys,
        unit,
        rollup,
        description,
    }
}

use Grain::{Period as P, Year as Y};
use Rollup::{Last, Mean, Sum};

/// Every output table of a run, in the order they are written.
pub const TABLES: &[TableDef] = &[
    def(
        "production",
        P,
        &["facility", "country", "material"],
        "tonnes",
        Sum,
        "output of each facility by material produced, in the period",
    ),
    def(
        "flows",
        P,
        &["exporter", "importer", "material"],
        "tonnes",
        Sum,
        "trade between markets in the period (flows above the solver's noise floor)",
    ),
    def(
        "consumption",
        P,
        &["country", "sector", "material"],
        "tonnes",
        Sum,
        "material consumed by each country's sector in the period",
    ),
    def(
        "shortfall",
        P,
        &["country", "sector", "material"],
        "tonnes",
        Sum,
        "demand not met in the period",
    ),
    def(
        "prices",
        P,
        &["market", "material"],
        "usd_per_kg",
        Mean,
        "price in USD/kg where buyers are and wherever the material changed hands",
    ),
    def(
        "stocks",
        P,
        &["market", "holder", "material"],
        "tonnes",
        Last,
        "stocks at the period's end; holder is commercial or strategic",
    ),
    def(
        "production_by_stage",
        Y,
        &["stage", "country"],
        "tonnes",
        Sum,
        "output of each chain stage by facility country in the year (t REO for mining and separation, t metal, t magnet)",
    ),
    def(
        "shares",
        Y,
        &["stage", "country"],
        "share",
        Mean,
        "share (0-1) of each stage's output by country in the year",
    ),
    def(
        "demand",
        Y,
        &["country", "sector"],
        "tonnes",
        Sum,
        "demand of each country's sector in the year, t of its product",
    ),
    def(
        "surplus",
        Y,
        &["market", "material"],
        "tonnes",
        Sum,
        "surplus stockpiled or discarded by producers in the year",
    ),
    def(
        "imports",
        Y,
        &["importer", "exporter", "material"],
        "tonnes",
        Sum,
        "trade in the year by importer, exporter and material",
    ),
    def(
        "dependency",
        Y,
        &["entity", "stage", "measure", "supplier"],
        "share",
        Mean,
        "share (0-1) of an entity's supply at a stage from a supplier, direct, indirect or mined",
    ),
    def(
        "independence",
        Y,
        &["bloc", "stage"],
        "share",
        Mean,
        "share (0-1) of a bloc's demand at a stage its own plants meet without supplier-origin material",
    ),
    def(
        "platforms",
        Y,
        &["platform"],
        "count",
        Mean,
        "platforms buildable from each country's defence consumption in the year",
    ),
];

/// The definition of table `name`.
pub fn find(name: &str) -> Option<&'static TableDef> {
    TABLES.iter().find(|d| d.name == name)
}

/// Names of every table, in order.
pub fn names() -> Vec<&'static str> {
    TABLES.iter().map(|d| d.name).collect()
}

impl TableDef {
    /// Column names of the tidy table: `period`, the keys, `value`, `unit`.
    pub fn columns(&self) -> Vec<&'static str> {
        let mut c = vec!["period"];
        c.extend(self.keys);
        c.extend(["value", "unit"]);
        c
    }
}

/// One row: the period's label, the keys (as [`TableDef::keys`]) and the value.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// `2024-01` (month), `2024-Q1` (quarter) or `2024` (year).
    pub period: String,
    /// Key values, in the order of the definition's keys.
    pub keys: Vec<String>,
    /// The value, in the definition's unit.
    pub value: f64,
}

/// A tidy table of a run.
#[derive(Debug, Clone)]
pub struct Table {
    /// Its definition.
    pub def: &'static TableDef,
    /// Its rows, in order: by period, then as the run lists its entities.
    pub rows: Vec<Row>,
}

/// Table `name` of a run (`summary` is the run's [`crate::summarize`]); `None` for an
/// unknown name.
pub fn build(r: &RunResult, summary: &Summary, name: &str) -> Option<Table> {
    let def = find(name)?;
    let rows = match def.grain {
        Grain::Period => period::rows(r, name)?,
        Grain::Year => annual::rows(summary, name)?,
    };
    Some(Table { def, rows })
}

/// Every table of a run, in the order of [`TABLES`].
pub fn build_all(r: &RunResult, summary: &Summary) -> Vec<Table> {
    (TABLES.iter())
        .filter_map(|d| build(r, summary, d.name))
        .collect()
}

/// The wide view of a table: keys and unit, then one column per year.
#[derive(Debug, Clone, PartialEq)]
pub struct Wide {
    /// Column names: the keys, `unit`, then the years.
    pub columns: Vec<String>,
    /// The unit of every value.
    pub unit: &'static str,
    /// One row per distinct key, in order of first appearance: keys, then per year the
    /// rolled-up value (`None` where the key has no row that year).
    pub rows: Vec<(Vec<String>, Vec<Option<f64>>)>,
}

/// A year's periods of one key so far: sum, count, last value.
type Acc = (f64, usize, f64);

/// The year of a period label (`2024-01`, `2024-Q1`, `2024` → `2024`).
fn year_of(label: &str) -> &str {
    label.get(..4).unwrap_or(label)
}

/// `t` with years as columns, each year's periods rolled up by the table's [`Rollup`].
pub fn wide(t: &Table) -> Wide {
    let mut years: Vec<&str> = t.rows.iter().map(|r| year_of(&r.period)).collect();
    years.sort_unstable();
    years.dedup();
    let mut index = std::collections::HashMap::new();
    // per key: per year (sum, count, last)
    let mut acc: Vec<(Vec<String>, Vec<Acc>)> = Vec::new();
    for r in &t.rows {
        let k = *index.entry(&r.keys).or_insert_with(|| {
            acc.push((r.keys.clone(), vec![(0.0, 0, 0.0); years.len()]));
            acc.len() - 1
        });
        let y = years.binary_search(&year_of(&r.period)).unwrap_or(0);
        let cell = &mut acc[k].1[y];
        *cell = (cell.0 + r.value, cell.1 + 1, r.value);
    }
    let roll = |(sum, n, last): (f64, usize, f64)| match (n, t.def.rollup) {
        (0, _) => None,
        (_, Rollup::Sum) => Some(sum),
        (_, Rollup::Mean) => Some(sum / n as f64),
        (_, Rollup::Last) => Some(last),
    };
    let mut columns: Vec<String> = t.def.keys.iter().map(|k| k.to_string()).collect();
    columns.push("unit".into());
    columns.extend(years.iter().map(|y| y.to_string()));
    Wide {
        columns,
        unit: t.def.unit,
        rows: (acc.into_iter())
            .map(|(k, v)| (k, v.into_iter().map(roll).collect()))
            .collect(),
    }
}

#[cfg(test)]
mod tests;
