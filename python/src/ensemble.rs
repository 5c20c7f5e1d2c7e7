//! `ensemble`: the engine's Monte Carlo ensemble (`run_ensemble`, as `lodestone
//! ensemble`), driven in the background ([`crate::background`]): progress bar, GIL
//! released, Ctrl-C stops it at the next replicate that finishes. `ensemble_shard` and
//! `ensemble_merge`: a range of replicates as a compact shard (a Ray task's work, GIL
//! released) and the exact merge of shards into the same summary (`lodestone.ray`). A
//! sweep point (`point`: parameter path → value, the paths `calibrate --param` takes) is
//! applied to the scenario and dataset before any replicate is sampled.

use crate::background::{Control, drive};
use crate::errors::Error;
use crate::inputs::{self, PyDataset};
use crate::run::{override_step, scenario_arg};
use lodestone_engine::calibrate::{self, Param};
use lodestone_engine::ensemble::{self, EnsembleOptions, shard};
use lodestone_model::{Dataset, Scenario};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use std::path::PathBuf;
use std::sync::Arc;

/// Per replicate, every annual metric: (replicate, year, metric, value).
type Rows = (Vec<u32>, Vec<String>, Vec<String>, Vec<f64>);
/// Per replicate, the sampled values: (replicate, parameter, value).
type Params = (Vec<u32>, Vec<String>, Vec<f64>);

/// Run an ensemble; see `lodestone.ensemble`. Returns the summary as JSON text (as
/// `lodestone ensemble --json`) and, with `replicates`, the per-replicate rows.
#[pyfunction]
#[pyo3(name = "ensemble")]
#[pyo3(signature = (scenario, runs, seed, threads = None, step = None, dataset = None, progress = None, replicates = false, point = None))]
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
    point: Option<Vec<(String, f64)>>,
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
    let (ds, sc) = inputs_at(py, scenario, step, dataset, point)?;
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

/// The scenario (its step overridden) and dataset an ensemble runs on, with a sweep
/// point applied.
fn inputs_at(
    py: Python<'_>,
    scenario: &Bound<'_, PyAny>,
    step: Option<String>,
    dataset: Option<PyRef<'_, PyDataset>>,
    point: Option<Vec<(String, f64)>>,
) -> PyResult<(Arc<Dataset>, Scenario)> {
    let (mut sc, _) = scenario_arg(scenario)?;
    override_step(&mut sc, step.as_deref())?;
    let given = dataset.as_deref();
    let ds = py.detach(|| inputs::for_scenario(given, &sc))?;
    match point {
        None => Ok((ds, sc)),
        Some(p) => Ok(py.detach(|| with_point(&ds, &sc, &p))?),
    }
}

/// `ds` and `sc` with a sweep point's values applied, as `calibrate` applies a trial:
/// each path checked as `calibrate --param PATH=V..V` checks it (located at the point).
fn with_point(
    ds: &Dataset,
    sc: &Scenario,
    point: &[(String, f64)],
) -> crate::errors::Result<(Arc<Dataset>, Scenario)> {
    let params: Vec<Param> = point
        .iter()
        .map(|(path, v)| Param {
            path: path.clone(),
            low: *v,
            high: *v,
            arg: format!("{path}={v}"),
        })
        .collect();
    let mut d = lodestone_model::Diagnostics::default();
    for p in &params {
        if !p.low.is_finite() {
            d.0.push(lodestone_model::Diagnostic {
                code: lodestone_model::diag::codes::BAD_VALUE,
                location: lodestone_model::Location::new(
                    format!("--param {}", p.arg),
                    1,
                    p.path.len() + 2,
                ),
                message: format!("`{}`: the value must be a finite number", p.arg),
                hint: None,
            });
        }
    }
    d.extend(calibrate::check_params(ds, sc, &params));
    if !d.is_empty() {
        return Err(Error::Invalid(d));
    }
    let (d, s) = ensemble::apply(ds, sc, point, Vec::new());
    Ok((Arc::new(d), s))
}

/// Check an ensemble's inputs (the scenario with its step and a sweep point, against its
/// dataset) without running a replicate: bad input raises the located `ValidationError`
/// on the driver, before any Ray task starts.
#[pyfunction]
#[pyo3(signature = (scenario, step = None, dataset = None, point = None))]
pub fn ensemble_check(
    py: Python<'_>,
    scenario: &Bound<'_, PyAny>,
    step: Option<String>,
    dataset: Option<PyRef<'_, PyDataset>>,
    point: Option<Vec<(String, f64)>>,
) -> PyResult<()> {
    let (ds, sc) = inputs_at(py, scenario, step, dataset, point)?;
    py.detach(|| {
        let d = sc.validate(&ds);
        if d.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(d))
        }
    })?;
    Ok(())
}

/// Replicates `start..end` of an ensemble as a shard (bytes); see `lodestone.ray`. The
/// engine runs with the GIL released, on `threads` threads (default 1: a Ray task is
/// one CPU).
#[pyfunction]
#[pyo3(signature = (scenario, start, end, seed, threads = None, step = None, dataset = None, point = None))]
#[allow(clippy::too_many_arguments)]
pub fn ensemble_shard<'py>(
    py: Python<'py>,
    scenario: &Bound<'py, PyAny>,
    start: usize,
    end: usize,
    seed: u64,
    threads: Option<usize>,
    step: Option<String>,
    dataset: Option<PyRef<'py, PyDataset>>,
    point: Option<Vec<(String, f64)>>,
) -> PyResult<Bound<'py, PyBytes>> {
    if end <= start {
        return Err(pyo3::exceptions::PyValueError::new_err(format!(
            "empty replicate range {start}..{end}"
        )));
    }
    if threads == Some(0) {
        return Err(pyo3::exceptions::PyValueError::new_err(
            "threads must be at least 1",
        ));
    }
    let (ds, sc) = inputs_at(py, scenario, step, dataset, point)?;
    let bytes = py.detach(|| {
        crate::errors::guard(|| {
            let reps =
                ensemble::run_range(&ds, &sc, seed, start..end, threads.unwrap_or(1), &|_| {})?;
            Ok(shard::Shard {
                scenario: sc.name.clone(),
                dataset: ds.name.clone(),
                step: ensemble::step_name(&sc).to_string(),
                seed,
                start,
                checkpoints: ensemble::checkpoints(&sc),
                replicates: reps,
            }
            .to_bytes())
        })
    })?;
    Ok(PyBytes::new(py, &bytes))
}

/// Where merged replicates go: nowhere (the summary only), into per-replicate rows, or
/// streamed into `replicates.csv` and `parameters.csv`, with `quantiles.csv` and
/// `ensemble.json` at the end (as `lodestone ensemble --out`).
enum Sink {
    Summary,
    Rows(Rows, Params),
    Csv {
        out: PathBuf,
        rep: Box<csv::Writer<std::fs::File>>,
        par: Box<csv::Writer<std::fs::File>>,
    },
}

/// A file error under the output folder.
fn file_error(out: &std::path::Path, what: &str, e: &dyn std::fmt::Display) -> Error {
    Error::Failure(format!("{}: {what}: {e}", out.display()))
}

impl Sink {
    /// The CSV sink: the folder created, both files opened with their header.
    fn csv(out: PathBuf) -> crate::errors::Result<Sink> {
        std::fs::create_dir_all(&out).map_err(|e| file_error(&out, "creating", &e))?;
        let open = |name: &str, header: &[&str]| {
            let mut w =
                csv::Writer::from_path(out.join(name)).map_err(|e| file_error(&out, name, &e))?;
            w.write_record(header)
                .map_err(|e| file_error(&out, name, &e))?;
            Ok::<_, Error>(Box::new(w))
        };
        let rep = open(
            "replicates.csv",
            &["replicate", "year", "metric", "value", "unit"],
        )?;
        let par = open("parameters.csv", &["replicate", "parameter", "value"])?;
        Ok(Sink::Csv { out, rep, par })
    }

    /// Merge one shard into `merger`, its replicates into the sink.
    fn push(&mut self, merger: &mut shard::Merger, bytes: &[u8]) -> crate::errors::Result<()> {
        let mut err: Option<csv::Error> = None;
        let mut each = |r: &ensemble::Replicate| match self {
            Sink::Summary => {}
            Sink::Rows(rows, params) => {
                for (p, v) in &r.values {
                    params.0.push(r.index as u32);
                    params.1.push(p.clone());
                    params.2.push(*v);
                }
                for (y, m, v) in &r.rows {
                    rows.0.push(r.index as u32);
                    rows.1.push(y.clone());
                    rows.2.push(m.clone());
                    rows.3.push(*v);
                }
            }
            Sink::Csv { rep, par, .. } => {
                let i = r.index.to_string();
                let mut go = || -> std::result::Result<(), csv::Error> {
                    for (p, v) in &r.values {
                        par.write_record([i.as_str(), p, &v.to_string()])?;
                    }
                    for (y, m, v) in &r.rows {
                        let unit = ensemble::metric_unit(m);
                        rep.write_record([i.as_str(), y, m, &v.to_string(), unit])?;
                    }
                    Ok(())
                };
                if let Err(e) = go() {
                    err.get_or_insert(e);
                }
            }
        };
        merger
            .push(bytes, &mut each)
            .map_err(|e| Error::Failure(e.to_string()))?;
        match (err, self) {
            (Some(e), Sink::Csv { out, .. }) => Err(file_error(out, "writing", &e)),
            _ => Ok(()),
        }
    }

    /// The summary (JSON) and, for the rows sink, the rows; the CSV sink flushes its files
    /// and writes `ensemble.json` beside them.
    fn finish(
        self,
        merger: shard::Merger,
    ) -> crate::errors::Result<(String, Option<Rows>, Option<Params>)> {
        let summary = merger.finish().map_err(|e| Error::Failure(e.to_string()))?;
        let doc =
            serde_json::to_string_pretty(&summary).map_err(|e| Error::Failure(e.to_string()))?;
        match self {
            Sink::Summary => Ok((doc, None, None)),
            Sink::Rows(rows, params) => Ok((doc, Some(rows), Some(params))),
            Sink::Csv {
                out,
                mut rep,
                mut par,
            } => {
                rep.flush()
                    .map_err(|e| file_error(&out, "replicates.csv", &e))?;
                par.flush()
                    .map_err(|e| file_error(&out, "parameters.csv", &e))?;
                std::fs::write(out.join("ensemble.json"), &doc)
                    .map_err(|e| file_error(&out, "ensemble.json", &e))?;
                write_quantiles(&out, &summary)
                    .map_err(|e| file_error(&out, "quantiles.csv", &e))?;
                Ok((doc, None, None))
            }
        }
    }
}

/// `quantiles.csv` as `lodestone ensemble --out` writes it: the annual quantiles, one row
/// per year and metric, with the metric's unit.
fn write_quantiles(
    out: &std::path::Path,
    s: &ensemble::EnsembleSummary,
) -> std::result::Result<(), csv::Error> {
    let mut w = csv::Writer::from_path(out.join("quantiles.csv"))?;
    w.write_record(ensemble::QUANTILE_COLUMNS)?;
    for (year, m, q, unit) in ensemble::quantile_rows(s) {
        let v = q.map(|x| x.to_string());
        w.write_record([year, m, &v[0], &v[1], &v[2], &v[3], unit])?;
    }
    w.flush()?;
    Ok(())
}

/// Merge shards (in replicate order, covering `0..runs`) into the ensemble summary (JSON,
/// as `ensemble`) and, with `replicates`, the per-replicate rows: what `ensemble` returns
/// for the same seed and runs, byte for byte.
#[pyfunction]
#[pyo3(signature = (shards, replicates = false))]
pub fn ensemble_merge(
    py: Python<'_>,
    shards: Vec<Vec<u8>>,
    replicates: bool,
) -> PyResult<(String, Option<Rows>, Option<Params>)> {
    Ok(py.detach(|| {
        crate::errors::guard(|| {
            let mut sink = if replicates {
                Sink::Rows(Default::default(), Default::default())
            } else {
                Sink::Summary
            };
            let mut merger = shard::Merger::new();
            for b in &shards {
                sink.push(&mut merger, b)?;
            }
            sink.finish(merger)
        })
    })?)
}

/// Merge shards and write what `lodestone ensemble --out DIR` writes, byte for byte:
/// `ensemble.json`, `quantiles.csv` (year, metric, p10, p50, p90, mean, unit),
/// `replicates.csv` (replicate, year, metric, value, unit) and `parameters.csv`
/// (replicate, parameter, value), rows streamed as each shard is read.
/// Returns the summary as JSON text.
#[pyfunction]
pub fn ensemble_write(py: Python<'_>, shards: Vec<Vec<u8>>, out: PathBuf) -> PyResult<String> {
    Ok(py.detach(|| {
        crate::errors::guard(|| {
            let mut sink = Sink::csv(out)?;
            let mut merger = shard::Merger::new();
            for b in &shards {
                sink.push(&mut merger, b)?;
            }
            Ok(sink.finish(merger)?.0)
        })
    })?)
}

/// Shards merged one at a time, as they arrive, in replicate order (`lodestone.ray`
/// merges each shard as soon as the ones before it are in, so the driver never holds the
/// whole run): the same summary, rows or files as `ensemble_merge` / `ensemble_write` of
/// the whole list, byte for byte.
#[pyclass(name = "EnsembleMerger", module = "lodestone._lodestone", frozen)]
pub struct PyEnsembleMerger {
    state: std::sync::Mutex<Option<(shard::Merger, Sink)>>,
}

impl PyEnsembleMerger {
    fn with<T>(
        &self,
        f: impl FnOnce(&mut Option<(shard::Merger, Sink)>) -> crate::errors::Result<T>,
    ) -> crate::errors::Result<T> {
        let mut state = self
            .state
            .lock()
            .map_err(|_| Error::Failure("the merger is poisoned".into()))?;
        f(&mut state)
    }
}

fn finished() -> Error {
    Error::Failure("this merger is finished".into())
}

#[pymethods]
impl PyEnsembleMerger {
    /// A merger keeping the summary only, also the per-replicate rows (`replicates`), or
    /// writing the files of `lodestone ensemble --out` into `out`.
    #[new]
    #[pyo3(signature = (replicates = false, out = None))]
    fn new(replicates: bool, out: Option<PathBuf>) -> PyResult<PyEnsembleMerger> {
        let sink = match out {
            Some(out) => Sink::csv(out)?,
            None if replicates => Sink::Rows(Default::default(), Default::default()),
            None => Sink::Summary,
        };
        Ok(PyEnsembleMerger {
            state: std::sync::Mutex::new(Some((shard::Merger::new(), sink))),
        })
    }

    /// Merge the next shard (it must start at `count`), GIL released; the shard's bytes
    /// are not kept.
    fn push(&self, py: Python<'_>, shard: &[u8]) -> PyResult<()> {
        Ok(py.detach(|| {
            crate::errors::guard(|| {
                self.with(|st| {
                    let (merger, sink) = st.as_mut().ok_or_else(finished)?;
                    sink.push(merger, shard)
                })
            })
        })?)
    }

    /// Replicates merged so far (the first replicate of the next shard).
    #[getter]
    fn count(&self) -> PyResult<usize> {
        Ok(self.with(|st| Ok(st.as_ref().ok_or_else(finished)?.0.count()))?)
    }

    /// Shards merged so far.
    #[getter]
    fn shards(&self) -> PyResult<usize> {
        Ok(self.with(|st| Ok(st.as_ref().ok_or_else(finished)?.0.shards()))?)
    }

    /// The summary (JSON) and, with `replicates`, the rows, as `ensemble_merge`; with
    /// `out`, the files are complete. The merger cannot be used afterwards.
    fn finish(&self, py: Python<'_>) -> PyResult<(String, Option<Rows>, Option<Params>)> {
        Ok(py.detach(|| {
            crate::errors::guard(|| {
                let (merger, sink) = self.with(|st| st.take().ok_or_else(finished))?;
                sink.finish(merger)
            })
        })?)
    }
}
