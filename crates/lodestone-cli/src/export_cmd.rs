//! `lodestone export-lp`: one period's clearing problem as MPS, to solve elsewhere.

use crate::load::{self, bad_input, invalid};
use anyhow::{Context, Result};
use std::path::PathBuf;

/// Arguments of `lodestone export-lp`.
#[derive(clap::Args)]
pub struct ExportArgs {
    /// Scenario name or path.
    pub scenario: String,
    /// Period to export (YYYY-MM; the period containing that month).
    #[arg(long)]
    pub period: String,
    /// Output file (default: stdout).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Dataset folder instead of the embedded dataset.
    #[arg(long)]
    pub data: Option<PathBuf>,
}

/// Run the command.
pub fn run(a: ExportArgs) -> Result<i32> {
    let month = lodestone_model::Month::parse(&a.period)
        .ok_or_else(|| bad_input(format!("--period `{}` is not a month (YYYY-MM)", a.period)))?;
    let sc = load::scenario(&a.scenario)?;
    let ds = load::scenario_dataset(a.data.as_deref(), &sc)?;
    let r = lodestone_engine::run(&ds, &sc).map_err(|e| match e {
        lodestone_engine::EngineError::Invalid(d) => invalid(d),
        other => bad_input(other.to_string()),
    })?;
    let p = r
        .periods
        .iter()
        .find(|p| p.period.contains(month))
        .ok_or_else(|| {
            bad_input(format!(
                "{} is outside the horizon {} → {}",
                month, sc.horizon.start, sc.horizon.end
            ))
        })?;
    let prob = lodestone_engine::clearing::build(&r.network, &p.inputs, &r.settings);
    let name = format!("{}_{}", sc.name, p.period.label());
    let mps = lodestone_engine::clearing::to_mps(&prob, &name);
    let x = lodestone_engine::clearing::solution_vector(&r.network, &p.inputs, &p.clearing);
    let obj = lodestone_engine::clearing::objective(&prob, &x);
    match &a.out {
        Some(f) => {
            std::fs::write(f, mps).with_context(|| format!("writing {}", f.display()))?;
            eprintln!(
                "wrote {} ({} variables, {} rows); Lodestone objective {obj:.9e} (kUSD), solver time {:.4} s",
                f.display(),
                prob.n,
                prob.m,
                p.clearing.solve_time
            );
        }
        None => out!("{mps}")?,
    }
    Ok(0)
}
