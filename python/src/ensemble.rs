//! `ensemble`: the engine's Monte Carlo ensemble on a worker thread, the GIL released;
//! the calling thread reports progress to a Python callback and checks for Ctrl-C, which
//! stops the replicates at the next one that finishes (a cancelled ensemble returns
//! nothing, its `KeyboardInterrupt` propagates).

use crate::errors::{Error, Result, panic_text};
use crate::inputs::{self, PyDataset};
use crate::run::{override_step, scenario_arg};
use lodestone_engine::ensemble::{self, EnsembleOptions};
use pyo3::prelude::*;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

/// Payload of the unwind that stops a cancelled ensemble (no panic hook runs for it).
struct Cancelled;

/// What an ensemble returns: the summary (as `lodestone ensemble --json`) and, on
/// request, the per-replicate rows (replicate, year, metric, value) and sampled
/// parameters (replicate, parameter, value).
type Out = (
    String,
    Option<(Vec<u32>, Vec<String>, Vec<String>, Vec<f64>)>,
    Option<(Vec<u32>, Vec<String>, Vec<f64>)>,
);

/// Run an ensemble; see `lodestone.ensemble`.
#[pyfunction]
#[pyo3(signature = (scenario, runs, seed, threads = None, step = None, dataset = None, progress = None, replicates = false))]
#[pyo3(name = "ensemble")]
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
) -> PyResult<Out> {
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
    let (done, cancel) = (AtomicUsize::new(0), AtomicBool::new(false));
    let mut rows = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut params = (Vec::new(), Vec::new(), Vec::new());
    let work = || {
        let tick = |n: usize| {
            done.store(n, Ordering::Relaxed);
            if cancel.load(Ordering::Relaxed) {
                std::panic::resume_unwind(Box::new(Cancelled));
            }
        };
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
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            ensemble::run_ensemble(&ds, &sc, &opts, &tick, &mut each)
        }))
    };
    let outcome = std::thread::scope(|s| -> Result<_> {
        let worker = s.spawn(work);
        let mut shown = 0;
        loop {
            let finished = py.detach(|| {
                for _ in 0..10 {
                    if worker.is_finished() {
                        return true;
                    }
                    std::thread::sleep(Duration::from_millis(10));
                }
                worker.is_finished()
            });
            let n = done.load(Ordering::Relaxed);
            let mut check = || -> PyResult<()> {
                if let (Some(cb), true) = (&progress, n > shown) {
                    cb.call1((n, runs))?;
                    shown = n;
                }
                py.check_signals()
            };
            if let Err(e) = check() {
                cancel.store(true, Ordering::Relaxed);
                let _ = py.detach(|| worker.join());
                return Err(Error::Python(e));
            }
            if finished {
                break;
            }
        }
        let joined = py.detach(|| worker.join());
        match joined {
            Ok(Ok(r)) => Ok(r.map_err(Error::from)),
            Ok(Err(p)) | Err(p) => Err(Error::Failure(format!(
                "internal error (a bug in Lodestone, please report it): {}",
                panic_text(p.as_ref())
            ))),
        }
    })??;
    let doc = serde_json::to_string_pretty(&outcome).map_err(|e| Error::Failure(e.to_string()))?;
    if let Some(cb) = &progress {
        cb.call1((runs, runs))?;
    }
    Ok((
        doc,
        replicates.then_some(rows),
        replicates.then_some(params),
    ))
}
