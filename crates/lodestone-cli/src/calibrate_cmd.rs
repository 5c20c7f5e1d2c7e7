//! `lodestone calibrate`: fit parameters of a scenario to the dataset's observations, with
//! a progress bar; a table (or JSON) of the fit and, with `--write`, a scenario fragment.

use crate::load::{self, bad_input, invalid};
use anyhow::{Context, Result};
use lodestone_engine::calibrate::{self, Calibration, Options, Param, Target};
use lodestone_model::Diagnostics;
use std::path::PathBuf;

/// Arguments of `lodestone calibrate`.
#[derive(clap::Args)]
pub struct CalibrateArgs {
    /// Scenario name or path; the fit starts from its values.
    pub scenario: String,
    /// A parameter and the box it is searched in: `PATH=LOW..HIGH`, PATH a `[settings]`
    /// constant (`settings.supply_slope`) or a path `[[uncertainty]]` accepts
    /// (`facilities.<id>.unit_cost`, `sectors.<id>.elasticity`, …). Repeatable.
    #[arg(long = "param", required = true)]
    pub params: Vec<String>,
    /// What to fit: `metric[:country[:material]][=weight]` (repeatable; default: every
    /// metric the dataset observes, weight 1).
    #[arg(long = "target")]
    pub targets: Vec<String>,
    /// Seed of the initial simplex.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Most model runs.
    #[arg(long, default_value_t = 200)]
    pub max_runs: usize,
    /// Worker threads for the initial simplex (default: RAYON_NUM_THREADS, else all
    /// cores). The fit does not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Override the scenario's time step: `month`, `quarter` or `year`.
    #[arg(long, value_parser = load::STEPS)]
    pub step: Option<String>,
    /// Dataset folder instead of the embedded dataset.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Print the fit as JSON.
    #[arg(long)]
    pub json: bool,
    /// Write the fitted values as a scenario fragment (TOML) to this file.
    #[arg(long)]
    pub write: Option<PathBuf>,
}

/// Parse and check `--param` and `--target` against the dataset and scenario: every
/// problem at once.
fn inputs(
    a: &CalibrateArgs,
    ds: &lodestone_model::Dataset,
    sc: &lodestone_model::Scenario,
) -> Result<(Vec<Param>, Vec<Target>)> {
    let mut d = Diagnostics::default();
    let mut params = Vec::new();
    for arg in &a.params {
        match Param::parse(arg) {
            Ok(p) => params.push(p),
            Err(e) => d.0.push(e),
        }
    }
    d.extend(calibrate::check_params(ds, sc, &params));
    let mut targets = Vec::new();
    for arg in &a.targets {
        match calibrate::parse_target(arg) {
            Ok(t) => targets.push((arg.clone(), t)),
            Err(e) => d.0.push(e),
        }
    }
    d.extend(calibrate::check_targets(ds, &targets));
    if !d.is_empty() {
        return Err(invalid(d));
    }
    let targets: Vec<Target> = if targets.is_empty() {
        calibrate::every_metric(ds)
    } else {
        targets.into_iter().map(|(_, t)| t).collect()
    };
    if targets.is_empty() {
        return Err(bad_input(format!(
            "dataset `{}` has no observations to calibrate against",
            ds.name
        )));
    }
    Ok((params, targets))
}

/// Run the command.
pub fn run(a: CalibrateArgs) -> Result<i32> {
    let mut sc = load::scenario(&a.scenario)?;
    load::override_step(&mut sc, a.step.as_deref())?;
    let ds = load::scenario_dataset(a.data.as_deref(), &sc)?;
    let d = sc.validate(&ds);
    if !d.is_empty() {
        return Err(invalid(d));
    }
    lodestone_engine::Settings::check(&sc).map_err(invalid)?;
    let (params, targets) = inputs(&a, &ds, &sc)?;
    if a.max_runs < params.len() + 2 {
        return Err(bad_input(format!(
            "--max-runs {} is too few: {} parameter(s) need at least {} runs",
            a.max_runs,
            params.len(),
            params.len() + 2
        )));
    }
    if a.threads == Some(0) {
        return Err(bad_input("--threads must be at least 1"));
    }
    // 0: rayon's default (RAYON_NUM_THREADS, else every core)
    let threads = a.threads.unwrap_or(0);
    let bar = indicatif::ProgressBar::new(a.max_runs as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} runs (at most) · {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let opts = Options {
        seed: a.seed,
        max_runs: a.max_runs,
        threads,
    };
    let progress = |runs: usize, best: f64| {
        bar.set_position(runs as u64);
        bar.set_message(format!("objective {best:.4e}"));
    };
    let started = std::time::Instant::now();
    let result = calibrate::calibrate(&ds, &sc, &params, &targets, &opts, &progress);
    bar.finish_and_clear();
    let fit = result.map_err(|e| match e {
        lodestone_engine::EngineError::Invalid(d) => invalid(d),
        other => bad_input(other.to_string()),
    })?;
    if let Some(path) = &a.write {
        let text = calibrate::fragment(&fit, &ds, &sc);
        std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
        eprintln!("wrote the fitted values to {}", path.display());
    }
    if a.json {
        outln!("{}", serde_json::to_string_pretty(&fit)?)?;
    } else {
        out!("{}", render(&fit))?;
        outln!(
            "{} runs in {:.1} s",
            fit.runs,
            started.elapsed().as_secs_f64()
        )?;
    }
    Ok(0)
}

fn g(x: f64) -> String {
    if x != 0.0 && !(1e-3..1e6).contains(&x.abs()) {
        format!("{x:.4e}")
    } else {
        format!("{:.6}", x)
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    }
}

fn render(c: &Calibration) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Lodestone calibration · scenario `{}` · dataset `{}` · seed {}\n",
        c.scenario, c.dataset, c.seed
    );
    let mut t = crate::report::Table::new(&["parameter", "range", "start", "fitted"]);
    for p in &c.parameters {
        t.row(vec![
            p.path.clone(),
            format!("{}..{}", g(p.low), g(p.high)),
            g(p.start),
            if p.at_bound {
                format!("{} (at the bound)", g(p.fitted))
            } else {
                g(p.fitted)
            },
        ]);
    }
    out.push_str(&t.render());
    let mut t = crate::report::Table::new(&["target", "weight", "before", "after"]);
    for r in &c.residuals {
        t.row(vec![r.target.clone(), g(r.weight), g(r.before), g(r.after)]);
    }
    let _ = writeln!(out, "\nWeighted squared log errors by target");
    out.push_str(&t.render());
    let _ = writeln!(
        out,
        "\nObjective {} → {} · {} of at most {} runs · {}",
        g(c.objective_before),
        g(c.objective_after),
        c.runs,
        c.max_runs,
        if c.converged {
            "converged"
        } else {
            "not converged (budget spent)"
        }
    );
    out
}
