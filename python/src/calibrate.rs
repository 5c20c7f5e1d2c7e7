//! `calibrate`: fit parameters to the dataset's observations (`lodestone calibrate`),
//! with the CLI's checks of parameters and targets (located), in the background
//! ([`crate::background`]).

use crate::background::{Control, drive};
use crate::errors::{Error, Result};
use crate::inputs::{self, PyDataset};
use crate::run::{override_step, scenario_arg};
use lodestone_engine::calibrate::{self, Options, Param, Target};
use lodestone_model::{Dataset, Diagnostics, Scenario};
use pyo3::prelude::*;

/// Parse and check `--param` and `--target` arguments as the CLI does (every problem
/// located at its argument); no targets means every observed metric.
fn inputs(
    ds: &Dataset,
    sc: &Scenario,
    params: &[String],
    targets: &[String],
) -> Result<(Vec<Param>, Vec<Target>)> {
    let mut d = sc.validate(ds);
    if let Err(e) = lodestone_engine::Settings::check(sc) {
        d.extend(e);
    }
    if !d.is_empty() {
        return Err(Error::Invalid(d));
    }
    let mut d = Diagnostics::default();
    let mut ps = Vec::new();
    for arg in params {
        match Param::parse(arg) {
            Ok(p) => ps.push(p),
            Err(e) => d.0.push(e),
        }
    }
    d.extend(calibrate::check_params(ds, sc, &ps));
    let mut ts = Vec::new();
    for arg in targets {
        match calibrate::parse_target(arg) {
            Ok(t) => ts.push((arg.clone(), t)),
            Err(e) => d.0.push(e),
        }
    }
    d.extend(calibrate::check_targets(ds, &ts));
    if !d.is_empty() {
        return Err(Error::Invalid(d));
    }
    let ts: Vec<Target> = if ts.is_empty() {
        calibrate::every_metric(ds)
    } else {
        ts.into_iter().map(|(_, t)| t).collect()
    };
    if ts.is_empty() {
        return Err(Error::Failure(format!(
            "dataset `{}` has no observations to calibrate against",
            ds.name
        )));
    }
    Ok((ps, ts))
}

/// Fit; see `lodestone.calibrate`. Returns the fit as JSON text and the scenario fragment
/// of the fitted values (what `--write FILE` writes).
#[pyfunction]
#[pyo3(name = "calibrate")]
#[pyo3(signature = (scenario, params, targets = Vec::new(), seed = 42, max_runs = 200, threads = None, step = None, dataset = None, progress = None))]
#[allow(clippy::too_many_arguments)]
pub fn run_calibrate(
    py: Python<'_>,
    scenario: &Bound<'_, PyAny>,
    params: Vec<String>,
    targets: Vec<String>,
    seed: u64,
    max_runs: usize,
    threads: Option<usize>,
    step: Option<String>,
    dataset: Option<PyRef<'_, PyDataset>>,
    progress: Option<Bound<'_, PyAny>>,
) -> PyResult<(String, String)> {
    if threads == Some(0) {
        return Err(pyo3::exceptions::PyValueError::new_err(
            "threads must be at least 1",
        ));
    }
    let (mut sc, _) = scenario_arg(scenario)?;
    override_step(&mut sc, step.as_deref())?;
    let given = dataset.as_deref();
    let (ds, ps, ts) = py.detach(|| -> Result<_> {
        let ds = inputs::for_scenario(given, &sc)?;
        let (ps, ts) = inputs(&ds, &sc, &params, &targets)?;
        Ok((ds, ps, ts))
    })?;
    if max_runs < ps.len() + 2 {
        return Err(pyo3::exceptions::PyValueError::new_err(format!(
            "max_runs {max_runs} is too few: {} parameter(s) need at least {} runs",
            ps.len(),
            ps.len() + 2
        )));
    }
    let opts = Options {
        seed,
        max_runs,
        threads: threads.unwrap_or(0),
    };
    let ctl = Control::default();
    let work = || calibrate::calibrate(&ds, &sc, &ps, &ts, &opts, &|n, _| ctl.tick(n));
    let fit = drive(py, max_runs, progress.as_ref(), &ctl, work)?.map_err(Error::from)?;
    let doc = serde_json::to_string_pretty(&fit).map_err(|e| Error::Failure(e.to_string()))?;
    Ok((doc, calibrate::fragment(&fit, &ds, &sc)))
}
