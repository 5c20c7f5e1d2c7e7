//! Tidy tables of a run (`--out DIR`, CSV or Parquet files, or an xlsx workbook): one row
//! per (period, entity, metric, value, unit).

use crate::sink::{Cell, Kind, Tables};
use anyhow::{Context, Result};
use lodestone_engine::RunResult;
use std::path::Path;

type Rows = Vec<(String, String, String, f64)>;

/// Build every table of a run: (file stem, rows).
pub fn build(r: &RunResult) -> Vec<(&'static str, Rows)> {
    let (ds, net) = (&r.data, &r.network);
    let mut production = Rows::new();
    let mut flows = Rows::new();
    let mut consumption = Rows::new();
    let mut shortfall = Rows::new();
    let mut prices = Rows::new();
    let mut stocks = Rows::new();
    for p in &r.periods {
        let label = p.period.label();
        let c = &p.clearing;
        for (k, act) in net.activities.iter().enumerate() {
            let f = &ds.facilities[act.facility];
            for &(node, q) in &act.outputs {
                let v = q * c.activity[k];
                if v.abs() > 1e-9 {
                    production.push((
                        label.clone(),
                        f.id.clone(),
                        net.materials[net.nodes[node].material].clone(),
                        v,
                    ));
                }
            }
        }
        for (a, arc) in net.arcs.iter().enumerate() {
            if c.flow[a] > c.noise {
                let (from, to) = (&net.nodes[arc.from], &net.nodes[arc.to]);
                flows.push((
                    label.clone(),
                    format!("{}->{}", net.markets[from.market], net.markets[to.market]),
                    net.materials[from.material].clone(),
                    c.flow[a],
                ));
            }
        }
        for (d, dv) in net.demands.iter().enumerate() {
            let row = &ds.demand[dv.row];
            let entity = format!("{}/{}", row.country, row.sector);
            consumption.push((
                label.clone(),
                entity.clone(),
                row.material.clone(),
                c.consumption[d],
            ));
            shortfall.push((
                label.clone(),
                entity,
                row.material.clone(),
                (p.inputs.demand[d] - c.consumption[d]).max(0.0),
            ));
        }
        // prices where buyers are, and wherever the material changed hands (Dy oxide
        // has a price in China even where no sector buys the oxide itself)
        let colours = net.taint_market.is_some();
        let traded = (0..net.nodes.len())
            .filter(|&n| c.traded.get(n).copied().unwrap_or(false))
            .filter(|&n| !colours || net.nodes[n].tainted);
        let mut seen = std::collections::BTreeSet::new();
        for node in net.demands.iter().map(|d| d.node).chain(traded) {
            if seen.insert(node) {
                let n = &net.nodes[node];
                prices.push((
                    label.clone(),
                    net.markets[n.market].clone(),
                    net.materials[n.material].clone(),
                    c.price[node],
                ));
            }
        }
        for (k, sv) in net.stocks.iter().enumerate() {
            let n = &net.nodes[sv.node];
            let kind = if sv.strategic {
                "strategic"
            } else {
                "commercial"
            };
            stocks.push((
                label.clone(),
                format!("{}/{kind}", net.markets[n.market]),
                net.materials[n.material].clone(),
                c.stock_end[k],
            ));
        }
    }
    vec![
        ("production", production),
        ("flows", flows),
        ("consumption", consumption),
        ("shortfall", shortfall),
        ("prices", prices),
        ("stocks", stocks),
    ]
}

/// The unit of a table's `value` column.
pub fn unit(name: &str) -> &'static str {
    match name {
        "prices" => "usd_per_kg",
        _ => "tonnes",
    }
}

/// What the README sheet of a run's workbook says about its tables.
pub fn readme_units() -> Vec<(String, String)> {
    let t = "tonnes of material in the period (`unit` column: tonnes)";
    [
        ("period", "the period's label: 2024-01 (month), 2024Q1 (quarter) or 2024 (year)"),
        ("production", &format!("{t}; entity = facility, metric = material produced")),
        ("flows", &format!("{t}; entity = EXPORTER->IMPORTER, metric = material")),
        ("consumption", &format!("{t}; entity = COUNTRY/SECTOR, metric = material")),
        ("shortfall", "tonnes of demand unmet in the period (`unit` column: tonnes); entity = COUNTRY/SECTOR, metric = material"),
        ("prices", "USD/kg (`unit` column: usd_per_kg); entity = market, metric = material"),
        ("stocks", &format!("{t}, at the period's end; entity = MARKET/commercial|strategic")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// Write every table of a run into `out` (CSV or Parquet files, or a workbook's sheets);
/// returns the files written.
pub fn write(r: &RunResult, out: &mut Tables) -> Result<Vec<String>> {
    let mut written = Vec::new();
    let columns = [
        ("period", Kind::Text),
        ("entity", Kind::Text),
        ("metric", Kind::Text),
        ("value", Kind::Float),
        ("unit", Kind::Text),
    ];
    for (name, rows) in build(r) {
        let mut t = out.table(name, &columns)?;
        let unit = unit(name);
        for (p, e, m, v) in &rows {
            let cells = [
                Cell::Text(p),
                Cell::Text(e),
                Cell::Text(m),
                Cell::Float(*v),
                Cell::Text(unit),
            ];
            out.row(&mut t, &cells)?;
        }
        written.extend(out.finish(t)?.map(|p| p.display().to_string()));
    }
    Ok(written)
}

/// Write `summary.json` into `dir`; returns its path.
pub fn write_summary(summary_json: &str, dir: &Path) -> Result<String> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join("summary.json");
    std::fs::write(&path, summary_json).with_context(|| format!("writing {}", path.display()))?;
    Ok(path.display().to_string())
}
