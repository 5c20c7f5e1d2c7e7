//! `run --out`: writes the run's tables of `lodestone_engine::tables` (the one table
//! model the API and Python share) as CSV or Parquet files or an xlsx workbook's sheets,
//! tidy (`period`, keys, `value`, `unit`) or, with `--layout wide`, one column per year.

use crate::sink::{Cell, Kind, Tables};
use anyhow::{Context, Result};
use lodestone_engine::tables::{self, Table};
use lodestone_engine::{RunResult, Summary};
use std::path::Path;

/// The shape of the tables written with `--out`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Layout {
    /// One row per period, key and value (`period`, keys, `value`, `unit`).
    Tidy,
    /// One row per key, one column per year (each year's periods summed, averaged for
    /// prices, the last for stocks).
    Wide,
}

/// What the README sheet of a run's workbook says about its tables: the period column,
/// then per table its grain, keys, unit and description.
pub fn readme_units() -> Vec<(String, String)> {
    let mut out = vec![(
        "period".to_string(),
        "the period's label: 2024-01 (month), 2024-Q1 (quarter) or 2024 (year)".to_string(),
    )];
    out.extend(tables::TABLES.iter().map(|d| {
        let what = format!(
            "{}; one row per {} and {}; unit: {}",
            d.description,
            d.grain.as_str(),
            d.keys.join(", "),
            d.unit
        );
        (d.name.to_string(), what)
    }));
    out
}

/// Write every table of a run into `out` (CSV or Parquet files, or a workbook's sheets);
/// returns the files written.
pub fn write(r: &RunResult, s: &Summary, layout: Layout, out: &mut Tables) -> Result<Vec<String>> {
    let mut written = Vec::new();
    for t in tables::build_all(r, s) {
        let h = match layout {
            Layout::Tidy => write_tidy(&t, out)?,
            Layout::Wide => write_wide(&t, out)?,
        };
        written.extend(out.finish(h)?.map(|p| p.display().to_string()));
    }
    Ok(written)
}

fn write_tidy(t: &Table, out: &mut Tables) -> Result<crate::sink::Handle> {
    let kinds: Vec<(&str, Kind)> = (t.def.columns().into_iter())
        .map(|c| {
            (
                c,
                if c == "value" {
                    Kind::Float
                } else {
                    Kind::Text
                },
            )
        })
        .collect();
    let mut h = out.table(t.def.name, &kinds)?;
    let mut cells = Vec::with_capacity(kinds.len());
    for r in &t.rows {
        cells.clear();
        cells.push(Cell::Text(&r.period));
        cells.extend(r.keys.iter().map(|k| Cell::Text(k)));
        cells.extend([Cell::Float(r.value), Cell::Text(t.def.unit)]);
        out.row(&mut h, &cells)?;
    }
    Ok(h)
}

/// The wide view: years as columns, an empty cell where a key has no row that year (so
/// every column is text).
fn write_wide(t: &Table, out: &mut Tables) -> Result<crate::sink::Handle> {
    let w = tables::wide(t);
    let kinds: Vec<(&str, Kind)> = w.columns.iter().map(|c| (c.as_str(), Kind::Text)).collect();
    let mut h = out.table(t.def.name, &kinds)?;
    for (keys, values) in &w.rows {
        let values: Vec<String> = (values.iter())
            .map(|v| v.map_or_else(String::new, |x| x.to_string()))
            .collect();
        let mut cells: Vec<Cell> = keys.iter().map(|k| Cell::Text(k)).collect();
        cells.push(Cell::Text(w.unit));
        cells.extend(values.iter().map(|v| Cell::Text(v)));
        out.row(&mut h, &cells)?;
    }
    Ok(h)
}

/// `--layout wide` writes CSV only (its empty cells have no place in a typed column).
pub fn check_layout(layout: Layout, format: crate::sink::Format) -> Result<()> {
    if layout == Layout::Wide && format != crate::sink::Format::Csv {
        return Err(crate::load::bad_input(
            "--layout wide writes CSV files; leave out --format or use --format csv",
        ));
    }
    Ok(())
}

/// Write `summary.json` into `dir`; returns its path.
pub fn write_summary(summary_json: &str, dir: &Path) -> Result<String> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join("summary.json");
    std::fs::write(&path, summary_json).with_context(|| format!("writing {}", path.display()))?;
    Ok(path.display().to_string())
}
