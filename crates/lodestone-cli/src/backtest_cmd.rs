//! `lodestone backtest [SCENARIO] [--data DIR] [--step …] [--json] [--out DIR]`: run a
//! scenario and put every observation of its dataset inside the horizon beside the
//! simulated value (`lodestone_engine::backtest`): a terminal table per series, the score
//! per metric and overall, and what cannot be compared; the whole back-test as JSON; tidy
//! CSV of points and series.

use crate::load::{self, bad_input, invalid};
use crate::report::Table;
use anyhow::{Context, Result};
use lodestone_engine::backtest::{Backtest, Direction, Score, Series};
use std::path::{Path, PathBuf};

/// Arguments of `lodestone backtest`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  lodestone backtest                              # the baseline against observed history
  lodestone backtest replay-2010-2014 --out bt/   # the crisis replay; CSV of points and series")]
pub struct BacktestArgs {
    /// Scenario name (see `lodestone scenarios`) or path to a .toml file.
    #[arg(default_value = "baseline")]
    pub scenario: String,
    /// Dataset folder to use instead of the scenario's embedded dataset.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Override the scenario's time step: `month`, `quarter` or `year` (monthly
    /// observations are then compared pro rata by months).
    #[arg(long, value_parser = load::STEPS)]
    pub step: Option<String>,
    /// Print the whole back-test as one JSON document instead of tables.
    #[arg(long)]
    pub json: bool,
    /// Write backtest_points.csv and backtest_series.csv into this folder.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Run the command; the exit status is 1 when the run does not balance.
pub fn run(args: BacktestArgs) -> Result<i32> {
    let mut sc = load::scenario(&args.scenario)?;
    load::override_step(&mut sc, args.step.as_deref())?;
    let ds = load::scenario_dataset(args.data.as_deref(), &sc)?;
    let r = lodestone_engine::run(&ds, &sc).map_err(|e| match e {
        lodestone_engine::EngineError::Invalid(d) => invalid(d),
        other => bad_input(other.to_string()),
    })?;
    let b = lodestone_engine::backtest(&r);
    if let Some(dir) = &args.out {
        let files = write_csv(&b, dir)?;
        if !args.json {
            eprintln!("wrote {} files to {}", files.len(), dir.display());
        }
    }
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&b)?)?;
    } else {
        out!("{}", render(&b))?;
    }
    Ok(if r.balance.ok { 0 } else { 1 })
}

/// A number with up to 4 significant figures, thousands without decimals.
fn num(x: f64) -> String {
    let a = x.abs();
    if a >= 1000.0 {
        format!("{x:.0}")
    } else if a >= 10.0 {
        format!("{x:.1}")
    } else if a >= 0.1 || a == 0.0 {
        format!("{x:.3}")
    } else {
        format!("{x:.2e}")
    }
}

fn opt(x: Option<f64>, f: impl Fn(f64) -> String) -> String {
    x.map_or_else(|| "–".into(), f)
}

fn pct(x: f64) -> String {
    format!("{:.0}%", 100.0 * x)
}

fn dir_text(d: Option<Direction>) -> String {
    d.map_or_else(|| "–".into(), |d| format!("{}/{}", d.right, d.n))
}

fn series_row(s: &Series) -> Vec<String> {
    vec![
        s.id.clone(),
        s.n.to_string(),
        s.latest_period.label(),
        format!("{} {}", num(s.latest_observed), s.unit),
        num(s.latest_simulated),
        opt(s.bias, |x| format!("{x:+.2}")),
        opt(s.rms_log_error, |x| format!("{x:.2}")),
        opt(s.hit_share, pct),
        dir_text(s.month_on_month),
        dir_text(s.year_on_year),
    ]
}

fn score_cells(s: &Score) -> [String; 3] {
    [
        s.n.to_string(),
        opt(s.rms_log_error, |x| format!("{x:.3}")),
        opt(s.hit_share, pct),
    ]
}

/// The terminal tables.
fn render(b: &Backtest) -> String {
    let horizon = b
        .horizon
        .map_or_else(|| "–".into(), |h| format!("{} → {}", h.first, h.last));
    let mut s = format!(
        "Back-test of `{}` on `{}` ({horizon}, step {} month(s)): {} observations in {} series\n\n",
        b.scenario,
        b.dataset,
        b.step_months,
        b.points.len(),
        b.series.len()
    );
    let mut t = Table::new(&[
        "series",
        "n",
        "latest",
        "observed",
        "simulated",
        "bias",
        "rms log",
        "hits",
        "m/m",
        "y/y",
    ]);
    b.series.iter().for_each(|x| t.row(series_row(x)));
    s.push_str(&t.render());
    s.push_str(
        "bias: mean ln(simulated/observed); rms log: its root mean square; hits: inside the \
         band, or within 25% without one; m/m, y/y: direction of monthly changes right/compared\n\n",
    );
    let mut t = Table::new(&["metric", "series", "points", "rms log", "hits"]);
    for m in &b.metrics {
        let [n, r, h] = score_cells(&m.score);
        t.row(vec![
            m.metric.as_str().into(),
            m.series.to_string(),
            n,
            r,
            h,
        ]);
    }
    let [n, r, h] = score_cells(&b.overall);
    t.row(vec!["overall".into(), b.series.len().to_string(), n, r, h]);
    s.push_str(&t.render());
    if !b.not_comparable.is_empty() {
        s.push_str(&format!(
            "\nNot comparable ({} observations in the horizon):\n",
            b.not_comparable.len()
        ));
        let mut t = Table::new(&["series", "period", "observed", "reason"]);
        for x in &b.not_comparable {
            t.row(vec![
                x.series.clone(),
                x.period.label(),
                format!("{} {}", num(x.observed), x.unit),
                x.reason.clone(),
            ]);
        }
        s.push_str(&t.render());
    }
    s.push_str(&format!(
        "\n{} observations lie outside the horizon.\n",
        b.outside_horizon
    ));
    s
}

fn cell(x: Option<f64>) -> String {
    x.map_or_else(String::new, |v| v.to_string())
}

/// Write `backtest_points.csv` (one row per observation compared) and
/// `backtest_series.csv` (one row per series).
fn write_csv(b: &Backtest, dir: &Path) -> Result<Vec<String>> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let points = dir.join("backtest_points.csv");
    let mut w = csv::Writer::from_path(&points)
        .with_context(|| format!("creating {}", points.display()))?;
    w.write_record([
        "series",
        "metric",
        "country",
        "partner",
        "material",
        "stage",
        "sector",
        "period",
        "unit",
        "observed",
        "low",
        "high",
        "simulated",
        "error",
        "log_error",
        "inside_band",
        "source",
    ])?;
    for p in &b.points {
        let k = &p.key;
        w.write_record([
            p.series.clone(),
            k.metric.as_str().into(),
            k.country.clone(),
            k.partner.clone(),
            k.material.clone(),
            k.stage.map_or("", |s| s.as_str()).into(),
            k.sector.clone(),
            p.period.label(),
            p.unit.clone(),
            p.observed.to_string(),
            cell(p.low),
            cell(p.high),
            p.simulated.to_string(),
            cell(p.error),
            cell(p.log_error),
            p.inside_band.map_or_else(String::new, |x| x.to_string()),
            p.source.join(";"),
        ])?;
    }
    w.flush()?;
    let series = dir.join("backtest_series.csv");
    let mut w = csv::Writer::from_path(&series)
        .with_context(|| format!("creating {}", series.display()))?;
    w.write_record([
        "series",
        "metric",
        "unit",
        "n",
        "latest_period",
        "latest_observed",
        "latest_simulated",
        "bias",
        "rms_log_error",
        "mean_abs_error",
        "hit_share",
        "mom_right",
        "mom_n",
        "yoy_right",
        "yoy_n",
    ])?;
    for s in &b.series {
        let d = |x: Option<Direction>| {
            x.map_or([String::new(), String::new()], |d| {
                [d.right.to_string(), d.n.to_string()]
            })
        };
        let ([mr, mn], [yr, yn]) = (d(s.month_on_month), d(s.year_on_year));
        w.write_record([
            s.id.clone(),
            s.key.metric.as_str().into(),
            s.unit.clone(),
            s.n.to_string(),
            s.latest_period.label(),
            s.latest_observed.to_string(),
            s.latest_simulated.to_string(),
            cell(s.bias),
            cell(s.rms_log_error),
            cell(s.mean_abs_error),
            cell(s.hit_share),
            mr,
            mn,
            yr,
            yn,
        ])?;
    }
    w.flush()?;
    Ok(vec![
        points.display().to_string(),
        series.display().to_string(),
    ])
}
