//! A run's tables as columns for pandas: the same rows as the CLI's tidy tables
//! (`lodestone run --out`, crates/lodestone-cli/src/tables.rs) with the packed keys split
//! into columns (`CN->US` is exporter, importer; `US/ev_traction` country, sector;
//! `US/strategic` market, holder). Text columns are codes into a list of distinct values
//! (pandas builds them with one numpy take), numbers are little-endian f64 bytes.

use lodestone_engine::RunResult;
use std::collections::HashMap;

/// One column.
pub enum Column {
    /// Codes into [`Frame::values`].
    Text(Vec<u32>),
    /// Numbers.
    Float(Vec<f64>),
}

/// One table: named columns of equal length and the distinct text values.
pub struct Frame {
    /// Column names, in order.
    pub names: Vec<&'static str>,
    /// Columns, in the order of `names`.
    pub columns: Vec<Column>,
    /// Distinct text values the codes refer to.
    pub values: Vec<String>,
    index: HashMap<String, u32>,
}

/// One cell of a row being added.
pub enum Cell<'a> {
    /// Text.
    T(&'a str),
    /// A number.
    F(f64),
}

impl Frame {
    fn new(names: &[&'static str], numeric: &[&'static str]) -> Frame {
        let columns = (names.iter())
            .map(|n| {
                if numeric.contains(n) {
                    Column::Float(Vec::new())
                } else {
                    Column::Text(Vec::new())
                }
            })
            .collect();
        Frame {
            names: names.to_vec(),
            columns,
            values: Vec::new(),
            index: HashMap::new(),
        }
    }

    fn code(&mut self, s: &str) -> u32 {
        if let Some(&c) = self.index.get(s) {
            return c;
        }
        let c = self.values.len() as u32;
        self.values.push(s.to_string());
        self.index.insert(s.to_string(), c);
        c
    }

    fn push(&mut self, row: &[Cell<'_>]) {
        for (k, cell) in row.iter().enumerate() {
            match cell {
                Cell::T(s) => {
                    let c = self.code(s);
                    if let Column::Text(v) = &mut self.columns[k] {
                        v.push(c);
                    }
                }
                Cell::F(x) => {
                    if let Column::Float(v) = &mut self.columns[k] {
                        v.push(*x);
                    }
                }
            }
        }
    }
}

/// Names of the tables, in the CLI's order.
pub const TABLES: [&str; 6] = [
    "production",
    "flows",
    "consumption",
    "shortfall",
    "prices",
    "stocks",
];

/// Build table `name` of a run (one of [`TABLES`]); `None` for an unknown name.
pub fn build(r: &RunResult, name: &str) -> Option<Frame> {
    Some(match name {
        "production" => production(r),
        "flows" => flows(r),
        "consumption" => demand(r, false),
        "shortfall" => demand(r, true),
        "prices" => prices(r),
        "stocks" => stocks(r),
        _ => return None,
    })
}

fn production(r: &RunResult) -> Frame {
    use Cell::{F, T};
    let (ds, net) = (&r.data, &r.network);
    let mut f = Frame::new(
        &["period", "facility", "country", "material", "tonnes"],
        &["tonnes"],
    );
    for p in &r.periods {
        let label = p.period.label();
        for (k, act) in net.activities.iter().enumerate() {
            let fac = &ds.facilities[act.facility];
            for &(node, q) in &act.outputs {
                let v = q * p.clearing.activity[k];
                if v.abs() > 1e-9 {
                    let m = &net.materials[net.nodes[node].material];
                    f.push(&[T(&label), T(&fac.id), T(&fac.country), T(m), F(v)]);
                }
            }
        }
    }
    f
}

fn flows(r: &RunResult) -> Frame {
    use Cell::{F, T};
    let net = &r.network;
    let mut f = Frame::new(
        &["period", "exporter", "importer", "material", "tonnes"],
        &["tonnes"],
    );
    for p in &r.periods {
        let (label, c) = (p.period.label(), &p.clearing);
        for (a, arc) in net.arcs.iter().enumerate() {
            if c.flow[a] > c.noise {
                let (from, to) = (&net.nodes[arc.from], &net.nodes[arc.to]);
                let (e, i) = (&net.markets[from.market], &net.markets[to.market]);
                f.push(&[
                    T(&label),
                    T(e),
                    T(i),
                    T(&net.materials[from.material]),
                    F(c.flow[a]),
                ]);
            }
        }
    }
    f
}

/// Consumption, or shortfall (demand not met) with `short`.
fn demand(r: &RunResult, short: bool) -> Frame {
    use Cell::{F, T};
    let (ds, net) = (&r.data, &r.network);
    let mut f = Frame::new(
        &["period", "country", "sector", "material", "tonnes"],
        &["tonnes"],
    );
    for p in &r.periods {
        let (label, c) = (p.period.label(), &p.clearing);
        for (d, dv) in net.demands.iter().enumerate() {
            let row = &ds.demand[dv.row];
            let v = if short {
                (p.inputs.demand[d] - c.consumption[d]).max(0.0)
            } else {
                c.consumption[d]
            };
            f.push(&[
                T(&label),
                T(&row.country),
                T(&row.sector),
                T(&row.material),
                F(v),
            ]);
        }
    }
    f
}

/// Prices where buyers are and wherever the material changed hands (as the CLI's table).
fn prices(r: &RunResult) -> Frame {
    use Cell::{F, T};
    let net = &r.network;
    let mut f = Frame::new(
        &["period", "market", "material", "usd_per_kg"],
        &["usd_per_kg"],
    );
    let colours = net.taint_market.is_some();
    for p in &r.periods {
        let (label, c) = (p.period.label(), &p.clearing);
        let traded = (0..net.nodes.len())
            .filter(|&n| c.traded.get(n).copied().unwrap_or(false))
            .filter(|&n| !colours || net.nodes[n].tainted);
        let mut seen = std::collections::BTreeSet::new();
        for node in net.demands.iter().map(|d| d.node).chain(traded) {
            if seen.insert(node) {
                let n = &net.nodes[node];
                let (mk, m) = (&net.markets[n.market], &net.materials[n.material]);
                f.push(&[T(&label), T(mk), T(m), F(c.price[node])]);
            }
        }
    }
    f
}

fn stocks(r: &RunResult) -> Frame {
    use Cell::{F, T};
    let net = &r.network;
    let mut f = Frame::new(
        &["period", "market", "holder", "material", "tonnes"],
        &["tonnes"],
    );
    for p in &r.periods {
        let label = p.period.label();
        for (k, sv) in net.stocks.iter().enumerate() {
            let n = &net.nodes[sv.node];
            let holder = if sv.strategic {
                "strategic"
            } else {
                "commercial"
            };
            let (mk, m) = (&net.markets[n.market], &net.materials[n.material]);
            f.push(&[
                T(&label),
                T(mk),
                T(holder),
                T(m),
                F(p.clearing.stock_end[k]),
            ]);
        }
    }
    f
}
