//! `lodestone ensemble`: Monte Carlo replicates of a scenario with a progress bar,
//! quantiles per year, probability statements and per-replicate tidy tables.

use crate::load::{self, bad_input, invalid};
use crate::sink::{Cell, Format, Handle, Kind, Tables};
use crate::xlsx::Readme;
use anyhow::{Context, Result};
use lodestone_engine::ensemble::{self, EnsembleOptions, EnsembleSummary};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Arguments of `lodestone ensemble`.
#[derive(clap::Args)]
#[command(after_help = "Examples:
  lodestone ensemble baseline --runs 200 --seed 7 --out ens/   # P10/P50/P90 tables in ens/
  lodestone ensemble us-dependency-2030 --step quarter --json   # faster; one JSON document
  lodestone ensemble baseline --step year --out ens.xlsx --format xlsx   # an Excel workbook")]
pub struct EnsembleArgs {
    /// Scenario name or path (its `[[uncertainty]]` entries are sampled).
    pub scenario: String,
    /// Number of replicates (the API's default too).
    #[arg(long, default_value_t = ensemble::DEFAULT_RUNS)]
    pub runs: usize,
    /// Master seed: replicate i is seeded from (seed, i) (the API's default too).
    #[arg(long, default_value_t = ensemble::DEFAULT_SEED)]
    pub seed: u64,
    /// Worker threads (default: all cores). The output does not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Dataset folder instead of the embedded dataset.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Print the ensemble summary as JSON.
    #[arg(long)]
    pub json: bool,
    /// Write ensemble.json (with the step and version it ran at), quantiles.csv (year,
    /// metric, p10, p50, p90, mean, unit), replicates.csv (replicate, year, metric, value,
    /// unit) and parameters.csv (replicate, parameter, value) into this folder.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Format of the per-replicate tables written with --out: `csv`, `xlsx` (one
    /// workbook, `DIR/<scenario>-ensemble.xlsx` or `--out FILE.xlsx`, with a README sheet),
    /// or `parquet` (quantiles, replicates and parameters .parquet, ZSTD; needs a build with
    /// `--features parquet`).
    #[arg(long, value_enum, default_value = "csv", requires = "out")]
    pub format: Format,
    /// Override the scenario's time step for a faster, coarser exploration: `month`,
    /// `quarter` (about 3x fewer solves) or `year` (about 12x fewer). Annual metrics keep
    /// their meaning, but an event takes effect from the first period that starts in its
    /// window: with `year`, a control dated April starts the next January.
    #[arg(long, value_parser = load::STEPS)]
    pub step: Option<String>,
}

/// Run the command.
pub fn run(a: EnsembleArgs) -> Result<i32> {
    if a.runs == 0 {
        return Err(bad_input("--runs must be at least 1"));
    }
    if a.threads == Some(0) {
        return Err(bad_input(
            "--threads must be at least 1 (leave it out to use every core)",
        ));
    }
    let mut sc = load::scenario(&a.scenario)?;
    load::override_step(&mut sc, a.step.as_deref())?;
    crate::warn_step(&sc);
    let ds = load::scenario_dataset(a.data.as_deref(), &sc)?;
    let d = sc.validate(&ds);
    if !d.is_empty() {
        return Err(invalid(d));
    }
    if sc.uncertainty.is_empty() {
        eprintln!(
            "note: scenario `{}` has no [[uncertainty]] entries; every replicate is the same run",
            sc.name
        );
    }
    let threads = a
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let bar = indicatif::ProgressBar::new(a.runs as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} replicates ({eta} left)",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut writers = match &a.out {
        Some(dir) => Some(open_tables(dir, &a, threads, &sc, &ds)?),
        None => None,
    };
    let mut write_err: Option<anyhow::Error> = None;
    let started = std::time::Instant::now();
    let result: Result<EnsembleSummary, _> = ensemble::run_ensemble(
        &ds,
        &sc,
        &EnsembleOptions {
            runs: a.runs,
            seed: a.seed,
            threads,
        },
        &|done| bar.set_position(done as u64),
        &mut |i, values, summary| {
            if let Some((out, rep, par, _)) = writers.as_mut() {
                let mut go = || -> Result<()> {
                    let i = i as i64;
                    for (p, v) in values {
                        out.row(par, &[Cell::Int(i), Cell::Text(p), Cell::Float(*v)])?;
                    }
                    for (y, m, v) in ensemble::flatten(summary) {
                        let unit = ensemble::metric_unit(&m);
                        let cells = [
                            Cell::Int(i),
                            Cell::Text(&y),
                            Cell::Text(&m),
                            Cell::Float(v),
                            Cell::Text(unit),
                        ];
                        out.row(rep, &cells)?;
                    }
                    Ok(())
                };
                if let Err(e) = go()
                    && write_err.is_none()
                {
                    write_err = Some(e);
                }
            }
        },
    );
    bar.finish_and_clear();
    let summary = result.map_err(|e| match e {
        lodestone_engine::EngineError::Invalid(d) => invalid(d),
        other => bad_input(other.to_string()),
    })?;
    if let Some(e) = write_err {
        return Err(e);
    }
    let doc = serde_json::to_string_pretty(&summary)?;
    if let (Some(dir), Some((mut out, rep, par, mut quant))) = (&a.out, writers) {
        write_quantiles(&mut out, &mut quant, &summary)?;
        let written = close_tables(dir, out, [quant, rep, par], &doc, a.format)?;
        if !a.json {
            eprintln!("wrote {} to {}", written.join(", "), dir.display());
        }
    }
    if a.json {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{doc}")?;
    } else {
        out!("{}", render(&summary))?;
        outln!(
            "{} replicates in {:.1} s on {threads} thread(s)",
            summary.runs,
            started.elapsed().as_secs_f64()
        )?;
    }
    // as `run`: a replicate that failed the mass-balance check fails the command, with
    // or without --json (the JSON says how many in `unbalanced_runs`)
    Ok(if summary.unbalanced_runs == 0 { 0 } else { 1 })
}

/// The tables being written: the output, `replicates`, `parameters`, and `quantiles`
/// (filled when the ensemble is done, first after the README in a workbook).
type Writers = (Tables, Handle, Handle, Handle);

/// Open `--out` (a folder, or a workbook with its README sheet) and start both tables.
fn open_tables(
    dir: &Path,
    a: &EnsembleArgs,
    threads: usize,
    sc: &lodestone_model::Scenario,
    ds: &lodestone_model::Dataset,
) -> Result<Writers> {
    let stem = format!("{}-ensemble", sc.name);
    let mut out = Tables::create(dir, &stem, a.format, || {
        let title = format!("Lodestone ensemble of `{}`", sc.name);
        let mut readme = Readme::new(title, sc, ds);
        readme.facts.push(("runs".into(), a.runs.to_string()));
        readme.facts.push(("seed".into(), a.seed.to_string()));
        readme.facts.push(("threads".into(), threads.to_string()));
        readme.units = readme_units();
        readme
    })?;
    let kinds = [
        Kind::Text,
        Kind::Text,
        Kind::Float,
        Kind::Float,
        Kind::Float,
        Kind::Float,
        Kind::Text,
    ];
    let columns: Vec<(&str, Kind)> = ensemble::QUANTILE_COLUMNS.into_iter().zip(kinds).collect();
    let quant = out.table("quantiles", &columns)?;
    let rep = out.table(
        "replicates",
        &[
            ("replicate", Kind::Int),
            ("year", Kind::Text),
            ("metric", Kind::Text),
            ("value", Kind::Float),
            ("unit", Kind::Text),
        ],
    )?;
    let par = out.table(
        "parameters",
        &[
            ("replicate", Kind::Int),
            ("parameter", Kind::Text),
            ("value", Kind::Float),
        ],
    )?;
    Ok((out, rep, par, quant))
}

/// The `quantiles` table: ensemble.json's annual quantiles, one row per year and metric.
fn write_quantiles(out: &mut Tables, h: &mut Handle, s: &EnsembleSummary) -> Result<()> {
    for (year, m, q, unit) in ensemble::quantile_rows(s) {
        let [p10, p50, p90, mean] = q.map(Cell::Float);
        let cells = [
            Cell::Text(year),
            Cell::Text(m),
            p10,
            p50,
            p90,
            mean,
            Cell::Text(unit),
        ];
        out.row(h, &cells)?;
    }
    Ok(())
}

/// Finish both tables, write the workbook or the files, and `ensemble.json` into a
/// folder; the names written.
fn close_tables(
    dir: &Path,
    mut out: Tables,
    handles: [Handle; 3],
    doc: &str,
    format: Format,
) -> Result<Vec<String>> {
    let name = |p: &Path| {
        p.file_name()
            .map_or_else(String::new, |f| f.to_string_lossy().into_owned())
    };
    let mut written = Vec::new();
    for h in handles {
        written.extend(out.finish(h)?.map(|p| name(&p)));
    }
    written.extend(out.close()?.map(|p| name(&p)));
    if !(format == Format::Xlsx && crate::xlsx::names_file(dir)) {
        let path = dir.join("ensemble.json");
        std::fs::write(&path, doc).with_context(|| format!("writing {}", path.display()))?;
        written.insert(0, "ensemble.json".into());
    }
    Ok(written)
}

/// What the README sheet of an ensemble's workbook says about its tables.
fn readme_units() -> Vec<(String, String)> {
    [
        (
            "replicates",
            "one row per replicate, year and metric (the keys of ensemble.json's annual quantiles), with the metric's unit",
        ),
        ("production.*, shortfall.*", "tonnes in the year (unit: tonnes)"),
        (
            "shares.*, dependency.*, independence.*, import_share.*",
            "fractions (0–1; unit: share)",
        ),
        ("prices.*", "USD/kg, the year's mean (unit: usd_per_kg)"),
        (
            "premium.*",
            "a market's price over the supplier's own (unit: ratio)",
        ),
        (
            "parameters",
            "each replicate's sampled value of every [[uncertainty]] entry",
        ),
        (
            "quantiles",
            "per year and metric over the replicates: P10, P50, P90 and mean, with the metric's unit (ensemble.json's `annual`)",
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn render(s: &EnsembleSummary) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Lodestone ensemble · scenario `{}` · {} replicates · seed {}\n",
        s.scenario, s.runs, s.seed
    );
    let years: Vec<&String> = s.annual.keys().collect();
    let pick: Vec<&String> = {
        let mut v: Vec<&String> = Vec::new();
        // first, 2030 (or the middle year when 2030 is outside the horizon), last
        let mid = years
            .iter()
            .find(|y| y.as_str() == "2030")
            .or_else(|| years.get(years.len() / 2))
            .copied();
        for y in [years.first().copied(), mid, years.last().copied()]
            .into_iter()
            .flatten()
        {
            if !v.contains(&y) {
                v.push(y);
            }
        }
        v
    };
    let mut hdr = vec!["metric".to_string()];
    hdr.extend(pick.iter().map(|y| format!("{y} P10 / P50 / P90")));
    let mut t = crate::report::Table::new(&hdr.iter().map(String::as_str).collect::<Vec<_>>());
    let keys: Vec<&str> = vec![
        "shares.mining.CN",
        "shares.separation.CN",
        "shares.magnet.CN",
        "shortfall.total",
        "prices.CN.ndpr_oxide",
        "prices.US.ndpr_oxide",
        "prices.CN.dy_oxide",
        "prices.JP.ndfeb_high_dy",
    ];
    let mut metrics: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
    // a dataset without stages (soybeans) has no shares by stage: its headline is trade,
    // the share of each importer's imports that comes from the supplier
    let staged = pick
        .iter()
        .any(|y| s.annual[*y].keys().any(|k| k.starts_with("shares.")));
    for y in &pick {
        for k in s.annual[*y].keys() {
            let wanted =
                k.starts_with("independence.") || (!staged && k.starts_with("import_share."));
            if wanted && !metrics.contains(k) {
                metrics.push(k.clone());
            }
        }
    }
    for m in metrics {
        let mut r = vec![m.clone()];
        let mut any = false;
        for y in &pick {
            match s.annual[*y].get(&m) {
                Some(q) => {
                    any = true;
                    let f = |x: f64| {
                        if m.starts_with("shares.")
                            || m.starts_with("independence.")
                            || m.starts_with("import_share.")
                        {
                            format!("{:.1}%", 100.0 * x)
                        } else {
                            format!("{x:.1}")
                        }
                    };
                    r.push(format!("{} / {} / {}", f(q.p10), f(q.p50), f(q.p90)));
                }
                None => r.push("–".into()),
            }
        }
        if any {
            t.row(r);
        }
    }
    out.push_str(&t.render());
    if !s.probabilities.is_empty() {
        let _ = writeln!(out, "\nProbabilities");
        for p in s
            .probabilities
            .iter()
            .filter(|p| p.probability > 0.0 || p.statement.contains("magnet"))
        {
            let _ = writeln!(out, "  {:>5.1}%  {}", 100.0 * p.probability, p.statement);
        }
    }
    if !s.parameters.is_empty() {
        let _ = writeln!(out, "\nSampled parameters (P10 / P50 / P90)");
        for (k, q) in &s.parameters {
            let _ = writeln!(out, "  {k}: {:.3} / {:.3} / {:.3}", q.p10, q.p50, q.p90);
        }
    }
    out
}
