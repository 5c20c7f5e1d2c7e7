//! A run's tables as columns for pandas: the tables of the one table model
//! (`lodestone_engine::tables`), the same columns and rows as the CLI's `run --out` files
//! and the API's tables. Text columns are codes into a list of distinct values (pandas
//! builds them with one numpy take), numbers are little-endian f64 bytes.

use lodestone_engine::tables::{self, Table};
use lodestone_engine::{RunResult, Summary};
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
    fn new(names: &[&'static str], numeric: &[&str]) -> Frame {
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
pub fn names() -> Vec<&'static str> {
    tables::names()
}

/// Build table `name` of a run; `None` for an unknown name.
pub fn build(r: &RunResult, s: &Summary, name: &str) -> Option<Frame> {
    tables::build(r, s, name).map(|t| frame(&t))
}

/// A table as columns: `period`, the keys and `unit` as text, `value` as numbers.
fn frame(t: &Table) -> Frame {
    use Cell::{F, T};
    let mut f = Frame::new(&t.def.columns(), &["value"]);
    let mut row = Vec::with_capacity(t.def.keys.len() + 3);
    for r in &t.rows {
        row.clear();
        row.push(T(&r.period));
        row.extend(r.keys.iter().map(|k| T(k)));
        row.extend([F(r.value), T(t.def.unit)]);
        f.push(&row);
    }
    f
}
