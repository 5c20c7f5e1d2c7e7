//! `lodestone compare A B`: run two scenarios and show their differences, year by year.
//!
//! The differences themselves are [`lodestone_engine::compare`] (shared with the server's
//! `/api/compare`); this module runs the scenarios, picks the years, and prints the
//! comparison as terminal tables or JSON. Differences are always `b − a`.

use crate::load::{self, bad_input, invalid};
use crate::report::Table;
use anyhow::Result;
use lodestone_engine::compare::{self as cmp, Comparison, Diff, YearComparison};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::PathBuf;

/// One scenario's run, reduced to what the comparison needs.
struct Side {
    name: String,
    summary: Value,
    balance_ok: bool,
}

fn run_side(arg: &str, data: Option<&std::path::Path>) -> Result<Side> {
    let sc = load::scenario(arg)?;
    let ds = load::scenario_dataset(data, &sc)?;
    let r = lodestone_engine::run(&ds, &sc).map_err(|e| match e {
        lodestone_engine::EngineError::Invalid(d) => invalid(d),
        other => bad_input(format!("{arg}: {other}")),
    })?;
    let summary = lodestone_engine::summarize(&r);
    let balance_ok = summary.balance.ok;
    Ok(Side {
        name: sc.name.clone(),
        summary: serde_json::to_value(&summary)?,
        balance_ok,
    })
}

/// The `--json` document: the scenario names and the differences by year.
#[derive(Serialize)]
struct JsonDoc<'c> {
    a: &'c str,
    b: &'c str,
    years: &'c BTreeMap<String, YearComparison>,
}

/// Run scenarios `a` and `b` (names or paths) and print their differences for the first,
/// middle and last common years. Exit code 0, or 1 if either run breaks mass balance.
pub fn run(a: &str, b: &str, data: Option<PathBuf>, json: bool) -> Result<i32> {
    let sa = run_side(a, data.as_deref())?;
    let sb = run_side(b, data.as_deref())?;
    let years = first_middle_last(&cmp::common_years(&sa.summary, &sb.summary));
    if years.is_empty() {
        return Err(bad_input(format!(
            "`{}` and `{}` have no year in common\n  hint: compare scenarios whose horizons overlap",
            sa.name, sb.name
        )));
    }
    let c = cmp::compare(&sa.summary, &sb.summary, &years);
    if json {
        let doc = JsonDoc {
            a: &sa.name,
            b: &sb.name,
            years: &c.years,
        };
        outln!("{}", serde_json::to_string_pretty(&doc)?)?;
    } else {
        out!("{}", render(&sa, &sb, &c))?;
    }
    Ok(if sa.balance_ok && sb.balance_ok { 0 } else { 1 })
}

/// First, middle and last of `years` (sorted), without repeats.
fn first_middle_last(years: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    if let (Some(first), Some(last)) = (years.first(), years.last()) {
        for y in [first, &years[(years.len() - 1) / 2], last] {
            if !out.contains(y) {
                out.push(y.clone());
            }
        }
    }
    out
}

fn fmt_num(v: Option<f64>, scale: f64, digits: usize) -> String {
    v.map_or("–".into(), |x| {
        let s = format!("{:.*}", digits, x * scale);
        // a tiny negative number reads as zero, not "-0.0"
        match s.strip_prefix('-') {
            Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_string(),
            _ => s,
        }
    })
}

fn fmt_diff(v: Option<f64>, scale: f64, digits: usize) -> String {
    v.map_or("–".into(), |x| {
        let s = format!("{:+.*}", digits, x * scale);
        // "-0.0" and "+0.0" both read as no change
        if s.trim_start_matches(['+', '-'])
            .chars()
            .all(|c| c == '0' || c == '.')
        {
            "0".into()
        } else {
            s
        }
    })
}

/// A, B and B − A as table cells ("–" where missing).
fn cells(t: Option<&Diff>, scale: f64, digits: usize) -> [String; 3] {
    [
        fmt_num(t.and_then(|t| t.a), scale, digits),
        fmt_num(t.and_then(|t| t.b), scale, digits),
        fmt_diff(t.and_then(|t| t.diff), scale, digits),
    ]
}

/// Terminal rendering of the comparison document.
fn render(sa: &Side, sb: &Side, c: &Comparison) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Lodestone · compare A = `{}` with B = `{}` · differences are B − A",
        sa.name, sb.name
    );
    let (sup, ex) = (c.supplier.as_str(), c.ex_supplier());
    for (year, y) in &c.years {
        let _ = writeln!(out, "\n══ {year} ══");

        let _ = writeln!(out, "\nShares of output by country (%)");
        let mut t = Table::new(&["stage", "country", "A", "B", "B − A (pp)"]);
        for (stage, row) in &y.shares {
            for (country, v) in row {
                let [x, z, d] = cells(Some(v), 100.0, 1);
                t.row(vec![stage.clone(), country.clone(), x, z, d]);
            }
        }
        out.push_str(&t.render());

        let _ = writeln!(out, "\nShortfall by sector (t unmet)");
        let mut t = Table::new(&["sector", "A", "B", "B − A"]);
        let mut any = false;
        for (s, v) in &y.shortfall {
            let big = [v.a, v.b].iter().any(|x| x.unwrap_or(0.0) >= 0.5);
            if big || s == "total" {
                any |= big;
                let [x, z, d] = cells(Some(v), 1.0, 0);
                t.row(vec![s.clone(), x, z, d]);
            }
        }
        if any {
            out.push_str(&t.render());
        } else {
            out.push_str("none in either run\n");
        }

        let _ = writeln!(
            out,
            "\nPrices (USD/kg; {sup} and the mean of the other markets)"
        );
        let mut t = Table::new(&[
            "material",
            &format!("{sup} A"),
            &format!("{sup} B"),
            "B − A",
            &format!("{ex} A"),
            &format!("{ex} B"),
            "B − A",
        ]);
        for (m, row) in &y.prices {
            let [ha, hb, hd] = cells(row.get(sup), 1.0, 1);
            let [ra, rb, rd] = cells(row.get(&ex), 1.0, 1);
            t.row(vec![m.clone(), ha, hb, hd, ra, rb, rd]);
        }
        out.push_str(&t.render());

        if let Some(dep) = &y.dependency {
            let _ = writeln!(
                out,
                "\nDependency (share of demand traced to each supplier)"
            );
            let mut t = Table::new(&[
                "country",
                "stage",
                "kind",
                "supplier",
                "A",
                "B",
                "B − A (pp)",
            ]);
            for (country, stages) in dep.children() {
                for (st, kinds) in stages.children() {
                    for (k, suppliers) in kinds.children() {
                        for (s, v) in suppliers.children() {
                            let [x, z, d] = cells(v.leaf(), 100.0, 1);
                            t.row(vec![
                                country.clone(),
                                st.clone(),
                                k.clone(),
                                s.clone(),
                                x,
                                z,
                                d,
                            ]);
                        }
                    }
                }
            }
            out.push_str(&t.render());
        }
        if let Some(ind) = &y.independence {
            let _ = writeln!(
                out,
                "\nIndependence (share of bloc demand met without the supplier, %)"
            );
            let mut t = Table::new(&["bloc", "stage", "A", "B", "B − A (pp)"]);
            for (bloc, stages) in ind.children() {
                for (st, v) in stages.children() {
                    let [x, z, d] = cells(v.leaf(), 100.0, 1);
                    t.row(vec![bloc.clone(), st.clone(), x, z, d]);
                }
            }
            out.push_str(&t.render());
        }
    }
    for s in [sa, sb] {
        if !s.balance_ok {
            let _ = writeln!(out, "\n✗ `{}`: mass balance above tolerance", s.name);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_are_first_middle_last() {
        let ys = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            first_middle_last(&ys(&["2025", "2026", "2027"])),
            ["2025", "2026", "2027"]
        );
        assert_eq!(
            first_middle_last(&ys(&["2024", "2025", "2026", "2027", "2028"])),
            ["2024", "2026", "2028"]
        );
        assert_eq!(first_middle_last(&ys(&["2025"])), ["2025"]);
        assert!(first_middle_last(&[]).is_empty());
    }

    #[test]
    fn differences_read_as_signed_and_zero_as_no_change() {
        assert_eq!(fmt_diff(Some(0.0123), 100.0, 1), "+1.2");
        assert_eq!(fmt_diff(Some(-0.00001), 100.0, 1), "0");
        assert_eq!(fmt_num(Some(-0.00001), 100.0, 1), "0.0");
        assert_eq!(cells(None, 1.0, 0), ["–", "–", "–"]);
    }
}
