//! Runs: `run` (the CLI's `run`), a run's summary and tables, its back-test, the
//! comparison of two runs (`compare`) and the HTML report (`report`). The engine runs
//! with the GIL released.

use crate::errors::{Error, Result, guard};
use crate::frames::{self, Column};
use crate::inputs::{self, PyDataset, PyScenario};
use lodestone_engine::{RunResult, Summary};
use lodestone_model::diag::codes;
use lodestone_model::{Location, Scenario};
use lodestone_report::ScenarioInfo;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use std::path::PathBuf;

/// One run of a scenario: the engine's result, its summary and how the report describes
/// the scenario.
#[pyclass(name = "RawRun", module = "lodestone", frozen)]
pub struct PyRun {
    result: RunResult,
    summary: Summary,
    info: ScenarioInfo,
    warnings: Vec<String>,
}

/// A scenario argument: a `Scenario`, or a name or path as the CLI takes it.
pub fn scenario_arg(obj: &Bound<'_, PyAny>) -> PyResult<(Scenario, String)> {
    if let Ok(s) = obj.cast::<PyScenario>() {
        let s = s.get();
        return Ok((s.sc.clone(), s.text.clone()));
    }
    let arg: String = obj.extract()?;
    let s = PyScenario::resolve(&arg)?;
    Ok((s.sc, s.text))
}

/// Apply a `step` argument (`month`, `quarter`, `year`) as `--step` does.
pub fn override_step(sc: &mut Scenario, step: Option<&str>) -> Result<()> {
    use lodestone_model::time::{Step, UnknownStep};
    if let Some(step) = step {
        sc.horizon.step = step.parse::<Step>().map_err(|e| {
            let hint = Some(UnknownStep::HINT.into());
            Error::at(
                codes::OUT_OF_RANGE,
                Location::file("<argument>"),
                e.to_string(),
                hint,
            )
        })?;
    }
    Ok(())
}

/// What the CLI says on stderr before a run (events after the horizon, what a coarse
/// step approximates).
pub fn warnings(sc: &Scenario) -> Vec<String> {
    let mut w: Vec<String> = sc.horizon_warnings().iter().map(|d| d.warning()).collect();
    w.extend(sc.step_warnings());
    w
}

/// Run `sc` on `ds` (given or its embedded dataset), as `lodestone run`.
fn run_one(sc: &Scenario, text: &str, ds: Option<&PyDataset>) -> Result<PyRun> {
    let ds = inputs::for_scenario(ds, sc)?;
    let result = lodestone_engine::run(&ds, sc)?;
    let summary = lodestone_engine::summarize(&result);
    Ok(PyRun {
        result,
        summary,
        info: ScenarioInfo::from_scenario(sc, Some(text)),
        warnings: warnings(sc),
    })
}

/// Run a scenario; see `lodestone.run`.
#[pyfunction]
#[pyo3(signature = (scenario, dataset = None, step = None))]
pub fn run(
    py: Python<'_>,
    scenario: &Bound<'_, PyAny>,
    dataset: Option<PyRef<'_, PyDataset>>,
    step: Option<String>,
) -> PyResult<PyRun> {
    let (mut sc, text) = scenario_arg(scenario)?;
    override_step(&mut sc, step.as_deref())?;
    let ds = dataset.as_deref();
    Ok(py.detach(|| guard(|| run_one(&sc, &text, ds)))?)
}

/// A table as (column names, columns, distinct text values); each column is
/// `("text", u32 codes)` or `("float", f64)`, as little-endian bytes.
type RawTable<'py> = (
    Vec<&'static str>,
    Vec<(&'static str, Bound<'py, PyBytes>)>,
    Vec<String>,
);

fn bytes_of<T: Copy, const N: usize>(v: &[T], f: impl Fn(T) -> [u8; N]) -> Vec<u8> {
    let mut out = Vec::with_capacity(v.len() * N);
    for x in v {
        out.extend_from_slice(&f(*x));
    }
    out
}

#[pymethods]
impl PyRun {
    /// The summary as JSON text, exactly as `lodestone run --json` prints it.
    fn summary_json(&self) -> PyResult<String> {
        serde_json::to_string_pretty(&self.summary)
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))
    }

    /// Table `name` (one of `table_names()`: the tables of `lodestone run --out`).
    fn table<'py>(&self, py: Python<'py>, name: &str) -> PyResult<RawTable<'py>> {
        let frame = py
            .detach(|| guard(|| Ok(frames::build(&self.result, &self.summary, name))))?
            .ok_or_else(|| {
                pyo3::exceptions::PyKeyError::new_err(format!(
                    "no table `{name}`; tables: {}",
                    frames::names().join(", ")
                ))
            })?;
        let cols = (frame.columns.iter())
            .map(|c| match c {
                Column::Text(v) => ("text", PyBytes::new(py, &bytes_of(v, u32::to_le_bytes))),
                Column::Float(v) => ("float", PyBytes::new(py, &bytes_of(v, f64::to_le_bytes))),
            })
            .collect();
        Ok((frame.names, cols, frame.values))
    }

    /// The back-test of this run against its dataset's observations, as JSON text (as
    /// `lodestone backtest --json`).
    fn backtest_json(&self, py: Python<'_>) -> PyResult<String> {
        let text = py.detach(|| {
            guard(|| {
                serde_json::to_string(&lodestone_engine::backtest(&self.result))
                    .map_err(|e| Error::Failure(e.to_string()))
            })
        })?;
        Ok(text)
    }

    /// The clearing problem of the period containing `month` (`YYYY-MM`) as MPS text, as
    /// `lodestone export-lp` writes it.
    fn export_lp(&self, month: &str) -> PyResult<String> {
        use lodestone_engine::clearing;
        let bad = |message: String, hint: &str| {
            Error::at(
                codes::BAD_VALUE,
                Location::file("<argument>"),
                message,
                Some(hint.into()),
            )
        };
        let m = lodestone_model::Month::parse(month)
            .ok_or_else(|| bad(format!("period `{month}` is not a month"), "write YYYY-MM"))?;
        let r = &self.result;
        let p = (r.periods.iter())
            .find(|p| p.period.contains(m))
            .ok_or_else(|| {
                let first = r
                    .periods
                    .first()
                    .map_or(String::new(), |p| p.period.label());
                let last = r.periods.last().map_or(String::new(), |p| p.period.label());
                bad(
                    format!("{m} is outside the run ({first} → {last})"),
                    "pick a month inside the horizon",
                )
            })?;
        let name = format!("{}_{}", self.summary.scenario, p.period.label());
        let mps = guard(|| {
            let prob = clearing::build(&r.network, &p.inputs, &r.settings);
            Ok(clearing::to_mps(&prob, &name))
        })?;
        Ok(mps)
    }

    /// Warnings about the scenario (as the CLI prints on stderr).
    #[getter]
    fn warnings(&self) -> Vec<String> {
        self.warnings.clone()
    }

    /// Scenario name.
    #[getter]
    fn scenario(&self) -> String {
        self.summary.scenario.clone()
    }
}

/// The comparison of two runs (B − A) as JSON rows: year, metric, key columns, unit, a,
/// b, diff, relative_change, score, changed.
#[pyfunction]
pub fn compare_rows(
    py: Python<'_>,
    a: PyRef<'_, PyRun>,
    b: PyRef<'_, PyRun>,
    threshold: f64,
) -> PyResult<String> {
    if !(threshold.is_finite() && threshold >= 0.0) {
        return Err(pyo3::exceptions::PyValueError::new_err(
            "threshold must be a number ≥ 0",
        ));
    }
    let (a, b) = (&*a, &*b);
    Ok(py.detach(|| guard(|| rows_json(a, b, threshold)))?)
}

fn rows_json(a: &PyRun, b: &PyRun, threshold: f64) -> Result<String> {
    use lodestone_engine::compare as cmp;
    let json = |s: &Summary| serde_json::to_value(s).map_err(|e| Error::Failure(e.to_string()));
    let (sa, sb) = (json(&a.summary)?, json(&b.summary)?);
    let common = cmp::common_years(&sa, &sb);
    let full = cmp::compare(&sa, &sb, &common);
    let rows: Vec<serde_json::Value> = (full.rows().iter())
        .map(|r| {
            let mut o = serde_json::Map::new();
            o.insert("year".into(), r.year.clone().into());
            o.insert("metric".into(), r.metric.into());
            for (k, v) in &r.key.0 {
                o.insert((*k).into(), v.clone().into());
            }
            o.insert("unit".into(), r.unit.as_str().into());
            o.insert("a".into(), r.diff.a.into());
            o.insert("b".into(), r.diff.b.into());
            o.insert("diff".into(), r.diff.diff.into());
            o.insert("relative_change".into(), r.relative_change.into());
            o.insert("score".into(), r.score.into());
            o.insert("changed".into(), r.changed(threshold).into());
            serde_json::Value::Object(o)
        })
        .collect();
    serde_json::to_string(&rows).map_err(|e| Error::Failure(e.to_string()))
}

/// Write the HTML report of run `a` (or of `b` against `a`) into `path` (a folder, or a
/// file ending in `.html`); return the absolute path of the file.
#[pyfunction]
#[pyo3(signature = (a, b = None, path = PathBuf::from("lodestone-report"), ensemble_json = None))]
pub fn report(
    py: Python<'_>,
    a: PyRef<'_, PyRun>,
    b: Option<PyRef<'_, PyRun>>,
    path: PathBuf,
    ensemble_json: Option<String>,
) -> PyResult<String> {
    let b = b.as_deref();
    let a = &*a;
    Ok(py.detach(|| guard(|| write_report(a, b, &path, ensemble_json.as_deref())))?)
}

fn write_report(
    a: &PyRun,
    b: Option<&PyRun>,
    path: &std::path::Path,
    ens: Option<&str>,
) -> Result<String> {
    use lodestone_report::{Ensemble, Run};
    let ensemble = match ens {
        Some(t) => Some(Ensemble::parse(t).map_err(|e| Error::Failure(format!("ensemble: {e}")))?),
        None => None,
    };
    fn side(r: &PyRun) -> Run<'_> {
        Run {
            info: &r.info,
            result: &r.result,
            summary: &r.summary,
        }
    }
    let report = match b {
        None => lodestone_report::single(&side(a), ensemble.as_ref()),
        Some(b) => lodestone_report::comparison(&side(a), &side(b), ensemble.as_ref()),
    }
    .map_err(|e| Error::Failure(e.to_string()))?;
    let file = if path.extension().is_some_and(|e| e == "html") {
        path.to_path_buf()
    } else {
        path.join(format!("{}.html", report.file_stem))
    };
    let io = |e: std::io::Error| Error::Failure(format!("{}: {e}", file.display()));
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    std::fs::write(&file, &report.html).map_err(io)?;
    Ok(file.canonicalize().unwrap_or(file).display().to_string())
}
