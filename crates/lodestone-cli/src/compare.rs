//! `lodestone compare A B`: run two scenarios and show what changed, largest first.
//!
//! The differences themselves are [`lodestone_engine::compare`] (shared with the server's
//! `/api/compare`), and so is the ranking of what moved beyond the threshold
//! ([`cmp::changes`]); this module runs the scenarios, picks the years, and prints the
//! comparison as terminal tables, CSV or JSON. Differences are always `b − a`.

use crate::load::{self, bad_input, invalid};
use crate::report::Table;
use crate::xlsx::{self, Book, Readme, XCell};
use anyhow::{Context, Result};
use lodestone_engine::compare::{
    self as cmp, Changes, Comparison, Diff, Row, Unit, YearComparison,
};
use lodestone_model::{Location, Scenario};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::PathBuf;

/// Output format of `compare`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned terminal tables.
    Table,
    /// One CSV table on stdout (tidy: one row per number, named key columns).
    Csv,
    /// One JSON document.
    Json,
    /// An Excel workbook written to --out: a README sheet, `changes` (the rows of
    /// `--format csv`) and `years` (the years with changes).
    Xlsx,
}

/// Arguments of `lodestone compare`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  lodestone compare baseline my-what-if.toml            # what changed, largest first
  lodestone compare baseline my-what-if.toml --years 2026 --changed-only
  lodestone compare baseline china-2025-10-rules --format csv > diff.csv
  lodestone compare baseline china-2025-10-rules --format xlsx --out diff.xlsx")]
pub struct CompareArgs {
    /// First scenario (A): name or path.
    pub a: String,
    /// Second scenario (B): name or path.
    pub b: String,
    /// Dataset folder to use for both scenarios instead of their embedded datasets.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Same as `--format json`.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// With --format xlsx (required there): the workbook, a file ending in .xlsx or a
    /// folder to write `<A>-vs-<B>.xlsx` into. Other formats go to standard output.
    #[arg(long, required_if_eq("format", "xlsx"))]
    pub out: Option<PathBuf>,
    /// Show every number of these years (comma-separated), not only the ranked changes.
    #[arg(long, value_delimiter = ',', num_args = 1..)]
    pub years: Vec<String>,
    /// Show every number of every common year.
    #[arg(long, conflicts_with = "years")]
    pub all: bool,
    /// With --years or --all: only the numbers that changed beyond the threshold.
    #[arg(long)]
    pub changed_only: bool,
    /// What counts as a change: percentage points for shares, per cent (of the larger
    /// value) for quantities and prices.
    #[arg(long, default_value_t = cmp::DEFAULT_THRESHOLD)]
    pub threshold: f64,
    /// Compare scenarios that use different datasets (their ids may not match).
    #[arg(long)]
    pub allow_different_datasets: bool,
}

/// One scenario's run, reduced to what the comparison needs.
struct Side {
    name: String,
    summary: Value,
    balance_ok: bool,
}

/// The workbook's README sheet for A and B, before either runs.
fn readme(sca: &Scenario, scb: &Scenario, args: &CompareArgs) -> Result<Readme> {
    let ds = load::scenario_dataset(args.data.as_deref(), sca)?;
    let title = format!(
        "Lodestone comparison: B = `{}` against A = `{}`",
        scb.name, sca.name
    );
    let mut r = Readme::new(title, sca, &ds);
    r.facts[0] = ("A".into(), sca.name.clone());
    let b_dataset = args
        .data
        .as_ref()
        .map_or(scb.dataset.clone(), |_| ds.name.clone());
    let b = [
        ("B".to_string(), scb.name.clone()),
        ("B's dataset".into(), b_dataset),
        (
            "B's horizon".into(),
            format!("{} → {}", scb.horizon.start, scb.horizon.end),
        ),
        ("threshold".into(), args.threshold.to_string()),
    ];
    r.facts.splice(1..1, b);
    r.units = [
        (
            "changes",
            "the rows of --format csv: a, b and diff = b − a in `unit`",
        ),
        (
            "unit share",
            "fractions (0–1) of a stage's output or of demand; diff ×100 = pp",
        ),
        ("unit t", "tonnes in the year"),
        ("unit USD/kg", "the year's price"),
        (
            "score",
            "the change on one scale: pp for shares, % of the larger value otherwise",
        ),
        ("changed", "TRUE where the score is beyond the threshold"),
        (
            "years",
            "the years with a change and how many numbers changed",
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    Ok(r)
}

fn run_side(arg: &str, sc: &Scenario, data: Option<&std::path::Path>) -> Result<Side> {
    let ds = load::scenario_dataset(data, sc)?;
    let r = lodestone_engine::run(&ds, sc).map_err(|e| match e {
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

/// Scenarios on different embedded datasets are refused (exit 2) unless allowed: their
/// ids need not match, so most differences would be artefacts.
fn check_datasets(a: &Scenario, b: &Scenario, args: &CompareArgs) -> Result<()> {
    if a.dataset == b.dataset || args.data.is_some() || args.allow_different_datasets {
        return Ok(());
    }
    let at = |s: &Scenario| {
        (s.spans.get("dataset").cloned())
            .unwrap_or_else(|| Location::file(s.files.first().map_or("<scenario>", |f| f)))
    };
    Err(bad_input(format!(
        "{}: error[E015]: `{}` uses dataset `{}` but `{}` uses `{}` ({})
  hint: compare scenarios on one dataset, pass --data DIR to run both on one folder, or --allow-different-datasets",
        at(b),
        b.name,
        b.dataset,
        a.name,
        a.dataset,
        at(a)
    )))
}

/// The `--format json` document.
#[derive(Serialize)]
struct JsonDoc<'c> {
    a: &'c str,
    b: &'c str,
    supplier: &'c str,
    threshold: f64,
    common_years: &'c [String],
    /// Years with a change, in calendar order.
    changed_years: &'c [cmp::YearChange],
    /// Changed numbers, largest first, each in the year of its largest difference.
    changes: &'c [Row],
    /// Every number of the shown years (default: the changed years).
    years: BTreeMap<String, YearComparison>,
}

/// The years whose every number is shown: `--all`, `--years`, or none (only the ranked
/// changes). Years outside the common ones are bad input.
fn detail_years(args: &CompareArgs, common: &[String]) -> Result<Option<Vec<String>>> {
    if args.all {
        return Ok(Some(common.to_vec()));
    }
    if args.years.is_empty() {
        return Ok(None);
    }
    let mut out = Vec::new();
    for y in &args.years {
        let y = y.trim().to_string();
        if !common.contains(&y) {
            return Err(bad_input(format!(
                "{}: error[E007]: --years {y}: not a year both scenarios cover
  hint: common years are {}–{}",
                Location::file("<command line>"),
                common[0],
                common[common.len() - 1]
            )));
        }
        if !out.contains(&y) {
            out.push(y);
        }
    }
    out.sort();
    Ok(Some(out))
}

/// Run scenarios `a` and `b` (names or paths) and print what changed (or every number of
/// the chosen years). Exit code 0, or 1 if either run breaks mass balance.
pub fn run(args: CompareArgs) -> Result<i32> {
    if !(args.threshold.is_finite() && args.threshold >= 0.0) {
        return Err(bad_input(format!(
            "{}: error[E007]: --threshold {}: must be a number ≥ 0
  hint: the default is {}",
            Location::file("<command line>"),
            args.threshold,
            cmp::DEFAULT_THRESHOLD
        )));
    }
    let (sca, scb) = (load::scenario(&args.a)?, load::scenario(&args.b)?);
    check_datasets(&sca, &scb, &args)?;
    let format = if args.json { Format::Json } else { args.format };
    // opened before the runs, so a bad --out fails at once
    let book = match (&args.out, format) {
        (Some(out), Format::Xlsx) => {
            let path = xlsx::destination(out, &format!("{}-vs-{}", sca.name, scb.name));
            Some(Book::create(&path, &readme(&sca, &scb, &args)?)?)
        }
        (Some(_), _) => {
            return Err(bad_input(
                "--out is for --format xlsx\n  hint: table, csv and json go to standard output: \
                 redirect it (> diff.csv)",
            ));
        }
        _ => None,
    };
    let sa = run_side(&args.a, &sca, args.data.as_deref())?;
    let sb = run_side(&args.b, &scb, args.data.as_deref())?;
    let common = cmp::common_years(&sa.summary, &sb.summary);
    if common.is_empty() {
        return Err(bad_input(format!(
            "`{}` and `{}` have no year in common
  hint: compare scenarios whose horizons overlap",
            sa.name, sb.name
        )));
    }
    let detail = detail_years(&args, &common)?;
    let full = cmp::compare(&sa.summary, &sb.summary, &common);
    let ch = cmp::changes(&full, args.threshold);
    let shown = |years: &[String]| -> BTreeMap<String, YearComparison> {
        (years.iter())
            .map(|y| {
                let yc = full.years[y].clone();
                let yc = if args.changed_only {
                    yc.changed_only(args.threshold)
                } else {
                    yc
                };
                (y.clone(), yc)
            })
            .collect()
    };
    match format {
        Format::Json => {
            let years = detail.unwrap_or_else(|| ch.years_in_order());
            let doc = JsonDoc {
                a: &sa.name,
                b: &sb.name,
                supplier: &full.supplier,
                threshold: args.threshold,
                common_years: &common,
                changed_years: &ch.years,
                changes: &ch.rows,
                years: shown(&years),
            };
            outln!("{}", serde_json::to_string_pretty(&doc)?)?;
        }
        Format::Csv => {
            let rows = table_rows(&full, &ch, detail.as_deref(), &args);
            out!("{}", csv_text(&rows, args.threshold)?)?
        }
        Format::Xlsx => {
            let rows = table_rows(&full, &ch, detail.as_deref(), &args);
            let book = book.context("--format xlsx without a workbook")?;
            let path = write_book(book, &rows, &ch)?;
            eprintln!("wrote {}", path.display());
        }
        Format::Table => {
            let mut text = head(&sa, &sb, &common, &ch);
            match &detail {
                None => text.push_str(&ranked(&full, &ch)),
                Some(years) => {
                    let c = Comparison {
                        supplier: full.supplier.clone(),
                        years: shown(years),
                    };
                    text.push_str(&render(&c));
                }
            }
            for s in [&sa, &sb] {
                if !s.balance_ok {
                    let _ = writeln!(text, "\n✗ `{}`: mass balance above tolerance", s.name);
                }
            }
            out!("{text}")?;
        }
    }
    Ok(if sa.balance_ok && sb.balance_ok { 0 } else { 1 })
}

/// Most rows per metric of the ranked table printed in the terminal.
const TOP_PER_METRIC: usize = 5;
/// Metrics in the order the terminal shows them: physical first, then prices, then what
/// they mean for dependency.
const METRICS: [&str; 5] = ["shortfall", "share", "price", "dependency", "independence"];

fn head(sa: &Side, sb: &Side, common: &[String], ch: &Changes) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Lodestone · compare A = `{}` with B = `{}` · differences are B − A",
        sa.name, sb.name
    );
    let _ = writeln!(
        out,
        "Common years {}–{} · a change is {} pp for shares, {} % of the larger value for quantities (at least 100 t) and prices (at least 1 USD/kg)",
        common[0],
        common[common.len() - 1],
        ch.threshold,
        ch.threshold
    );
    out
}

/// A value in its unit: `68.5%`, `4400 t`, `52.30 USD/kg`.
fn value(u: Unit, v: Option<f64>) -> String {
    match u {
        Unit::Share => v.map_or("–".into(), |_| format!("{}%", fmt_num(v, 100.0, 1))),
        Unit::Tonnes => v.map_or("–".into(), |_| format!("{} t", fmt_num(v, 1.0, 0))),
        Unit::UsdPerKg => v.map_or("–".into(), |_| format!("{} USD/kg", fmt_num(v, 1.0, 2))),
    }
}

/// B − A in its unit: `+12.3 pp`, `+4400 t`, `+1.20 USD/kg`.
fn change(u: Unit, d: Option<f64>) -> String {
    let (s, unit) = match u {
        Unit::Share => (fmt_diff(d, 100.0, 1), "pp"),
        Unit::Tonnes => (fmt_diff(d, 1.0, 0), "t"),
        Unit::UsdPerKg => (fmt_diff(d, 1.0, 2), "USD/kg"),
    };
    if s == "–" || s == "0" {
        s
    } else {
        format!("{s} {unit}")
    }
}

/// The relative change, or "–" where the base is near zero (then B − A says it all).
fn relative(r: &Row) -> String {
    r.relative_change
        .map_or("–".into(), |x| format!("{:+.1}%", 100.0 * x))
}

/// Years that changed and the numbers that changed most, each in its year of largest
/// difference.
fn ranked(full: &Comparison, ch: &Changes) -> String {
    let mut out = String::new();
    if ch.rows.is_empty() {
        out.push_str("\nNo number differs beyond the threshold in any common year.\n");
        return out;
    }
    let rows = full.rows();
    let _ = writeln!(out, "\nYears with changes");
    let mut t = Table::new(&[
        "year",
        "numbers changed",
        "unmet demand B − A",
        "largest change",
    ]);
    for y in &ch.years {
        let in_year = || rows.iter().filter(|r| r.year == y.year);
        let top = in_year().max_by(|p, q| p.score.total_cmp(&q.score));
        let what = top.map_or(String::new(), |r| {
            format!(
                "{} {} {}",
                r.metric,
                r.key.label(),
                change(r.unit, r.diff.diff)
            )
        });
        let unmet = in_year()
            .find(|r| r.metric == "shortfall" && r.key.get("sector") == Some("total"))
            .map_or("–".into(), |r| change(r.unit, r.diff.diff));
        t.row(vec![y.year.clone(), y.changed.to_string(), unmet, what]);
    }
    out.push_str(&t.render());
    let _ = writeln!(
        out,
        "\nLargest changes by metric, each in the year of its largest difference"
    );
    let mut t =
        Table::new(&["metric", "of", "year", "A", "B", "B − A", "relative"]).text_columns(3);
    let mut left = 0;
    for metric in METRICS {
        let mut rows: Vec<&Row> = ch.rows.iter().filter(|r| r.metric == metric).collect();
        if metric == "shortfall" {
            // one unit and no near-zero trap: the most tonnes first
            let size = |r: &Row| r.diff.diff.map_or(0.0, f64::abs);
            rows.sort_by(|p, q| size(q).total_cmp(&size(p)));
        }
        left += rows.len().saturating_sub(TOP_PER_METRIC);
        for r in rows.into_iter().take(TOP_PER_METRIC) {
            t.row(vec![
                r.metric.to_string(),
                r.key.label(),
                r.year.clone(),
                value(r.unit, r.diff.a),
                value(r.unit, r.diff.b),
                change(r.unit, r.diff.diff),
                relative(r),
            ]);
        }
    }
    out.push_str(&t.render());
    if left > 0 {
        let _ = writeln!(out, "… and {left} more (--format csv lists all)");
    }
    let first = &ch.years[0].year;
    let _ = writeln!(
        out,
        "\nEvery number of a year: --years {first} (add --changed-only for the changes); every year: --all"
    );
    out
}

/// The rows of the tidy table: the ranked changes, or every number of the shown years.
fn table_rows(
    full: &Comparison,
    ch: &Changes,
    detail: Option<&[String]>,
    args: &CompareArgs,
) -> Vec<Row> {
    match detail {
        None => ch.rows.clone(),
        Some(years) => (full.rows().into_iter())
            .filter(|r| years.contains(&r.year))
            .filter(|r| !args.changed_only || r.changed(args.threshold))
            .collect(),
    }
}

/// The columns of the tidy table.
fn table_header() -> Vec<&'static str> {
    let mut head = vec!["year", "metric"];
    head.extend(cmp::KEY_FIELDS);
    head.extend([
        "unit",
        "a",
        "b",
        "diff",
        "relative_change",
        "score",
        "changed",
    ]);
    head
}

/// The score as the table shows it (4 decimals).
fn score(r: &Row) -> String {
    format!("{:.4}", r.score)
}

/// The comparison as one tidy CSV table (`changed` says which rows moved beyond the
/// threshold).
fn csv_text(rows: &[Row], threshold: f64) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(table_header())?;
    let num = |v: Option<f64>| v.map_or(String::new(), |x| format!("{x}"));
    for r in rows {
        let mut rec = vec![r.year.clone(), r.metric.to_string()];
        rec.extend(
            cmp::KEY_FIELDS
                .iter()
                .map(|f| r.key.get(f).unwrap_or("").to_string()),
        );
        rec.extend([
            r.unit.as_str().to_string(),
            num(r.diff.a),
            num(r.diff.b),
            num(r.diff.diff),
            num(r.relative_change),
            score(r),
            r.changed(threshold).to_string(),
        ]);
        w.write_record(&rec)?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

/// The same table as a workbook's `changes` sheet (numbers as numbers, `changed` as
/// TRUE/FALSE), and the changed years as `years`; returns the workbook's path.
fn write_book(mut book: Book, rows: &[Row], ch: &Changes) -> Result<PathBuf> {
    let sheet = book.sheet("changes", &table_header())?;
    let num = |v: Option<f64>| v.map_or(XCell::Empty, XCell::Num);
    for r in rows {
        let score: f64 = score(r).parse()?;
        let mut cells = vec![XCell::Text(&r.year), XCell::Text(r.metric)];
        cells.extend(
            (cmp::KEY_FIELDS.iter()).map(|f| r.key.get(f).map_or(XCell::Empty, XCell::Text)),
        );
        cells.extend([
            XCell::Text(r.unit.as_str()),
            num(r.diff.a),
            num(r.diff.b),
            num(r.diff.diff),
            num(r.relative_change),
            XCell::Num(score),
            XCell::Bool(r.changed(ch.threshold)),
        ]);
        book.row(sheet, &cells)?;
    }
    let years = book.sheet("years", &["year", "numbers changed", "largest score"])?;
    for y in &ch.years {
        let cells = [
            XCell::Text(&y.year),
            XCell::Int(y.changed as i64),
            XCell::Num(y.largest),
        ];
        book.row(years, &cells)?;
    }
    book.save()
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

/// Every number of the comparison's years, as terminal tables.
fn render(c: &Comparison) -> String {
    let mut out = String::new();
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
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_read_as_signed_and_zero_as_no_change() {
        assert_eq!(fmt_diff(Some(0.0123), 100.0, 1), "+1.2");
        assert_eq!(fmt_diff(Some(-0.00001), 100.0, 1), "0");
        assert_eq!(fmt_num(Some(-0.00001), 100.0, 1), "0.0");
        assert_eq!(cells(None, 1.0, 0), ["–", "–", "–"]);
    }
}
