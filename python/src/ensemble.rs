//! `ensemble`: the engine's Monte Carlo ensemble (`run_ensemble`, as `lodestone
//! ensemble`), driven in the background ([`crate::background`]): progress bar, GIL
//! released, Ctrl-C stops it at the next replicate that finishes.

use crate::background::{Control, drive};
use crate::errors::Error;
use crate::inputs::{self, PyDataset};
use crate::run::{override_step, scenario_arg};
use lodestone_engine::ensemble::{self, EnsembleOptions};
use pyo3::prelude::*;

/// Per replicate, every annual metric: (replicate, year, metric, value).
type Rows = (Vec<u32>, Vec<String>, Vec<String>, Vec<f64>);
/// Per replicate, the sampled values: (replicate, parameter, value).
type Params = (Vec<u32>, Vec<String>, Vec<f64>);

/// Run an ensemble; see `lodestone.ensemble`. Returns the summary as JSON text (as
/// `lodestone ensemble --json`) and, with `replicates`, the per-replicate rows.
#[pyfunction]
#[pyo3(name = "ensemble")]
#[pyo3(signature = (scenario, runs, seed, threads = None, step = None, dataset = None, progress = None, replicates = false))]
#[allow(clippy::too_many_arguments)]
pub fn run_ensemble(
    py: Python<'_>,
    scenario: &Bound<'_, PyAny>,
    runs: usize,
    seed: u64,
    threads: Option<usize>,
    step: Option<String>,
    dataset: Option<PyRef<'_, PyDataset>>,
    progress: Option<Bound<'_, PyAny>>,
    replicates: bool,
) -> PyResult<(String, Option<Rows>, Option<Params>)> {
    if runs == 0 {
        return Err(pyo3::exceptions::PyValueError::new_err(
            "runs must be at least 1",
        ));
    }
    if threads == Some(0) {
        return Err(pyo3::exceptions::PyValueError::new_err(
            "threads must be at least 1 (None: every core)",
        ));
    }
    let (mut sc, _) = scenario_arg(scenario)?;
    override_step(&mut sc, step.as_deref())?;
    let given = dataset.as_deref();
    let ds = py.detach(|| inputs::for_scenario(given, &sc))?;
    let threads =
        threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let opts = EnsembleOptions {
        runs,
        seed,
        threads,
    };
    let ctl = Control::default();
    let mut rows: Rows = Default::default();
    let mut params: Params = Default::default();
    let work = || {
        let mut each = |i: usize, values: &ensemble::Sampled, s: &lodestone_engine::Summary| {
            if !replicates {
                return;
            }
            for (p, v) in values {
                params.0.push(i as u32);
                params.1.push(p.clone());
                params.2.push(*v);
            }
            for (y, m, v) in ensemble::flatten(s) {
                rows.0.push(i as u32);
                rows.1.push(y);
                rows.2.push(m);
                rows.3.push(v);
            }
        };
        ensemble::run_ensemble(&ds, &sc, &opts, &|n| ctl.tick(n), &mut each)
    };
    let summary = drive(py, runs, progress.as_ref(), &ctl, work)?.map_err(Error::from)?;
    let doc = serde_json::to_string_pretty(&summary).map_err(|e| Error::Failure(e.to_string()))?;
    Ok((
        doc,
        replicates.then_some(rows),
        replicates.then_some(params),
    ))
}
