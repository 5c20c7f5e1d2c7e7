//! Scenarios and datasets as Python objects, read as the CLI reads them: a `.toml` path or
//! a shipped name (`extends` looked up beside the file, then among the shipped scenarios),
//! an embedded dataset or a folder. A scenario keeps its own file's text, so a what-if
//! built in Python (`with_events`) is that text plus `[[events]]` tables, parsed again.

use crate::errors::{Error, Result};
use lodestone_model::diag::{codes, did_you_mean};
use lodestone_model::{Dataset, Diagnostics, Location, Scenario};
use pyo3::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A scenario: its own file's text, where its parents are looked up, and the parsed,
/// merged scenario.
#[pyclass(name = "Scenario", module = "lodestone", frozen)]
pub struct PyScenario {
    /// File name in diagnostics (a path, a shipped name's file, or `<string>`).
    pub file: String,
    /// The text of the scenario's own file.
    pub text: String,
    /// Folder where `extends = "name"` is looked up first.
    pub base: Option<PathBuf>,
    /// The parsed scenario (the `extends` chain merged).
    pub sc: Scenario,
}

impl PyScenario {
    /// Parse `text` (named `file`), following `extends`.
    pub fn parse(file: String, text: String, base: Option<PathBuf>) -> Result<PyScenario> {
        let bad = std::cell::RefCell::new(Vec::new());
        let parsed = Scenario::parse(&file, &text, &lookup(base.clone(), &bad));
        let bad = bad.into_inner();
        if !bad.is_empty() {
            return Err(Error::Invalid(Diagnostics(bad)));
        }
        let sc = parsed.map_err(Error::Invalid)?;
        Ok(PyScenario {
            file,
            text,
            base,
            sc,
        })
    }

    /// A shipped scenario name or a path to a `.toml` file.
    pub fn resolve(arg: &str) -> Result<PyScenario> {
        let path = Path::new(arg);
        if arg.ends_with(".toml") || path.is_file() {
            let bytes = std::fs::read(path).map_err(|e| {
                Error::at(
                    codes::MISSING_FILE,
                    Location::file(arg),
                    format!("cannot read scenario: {e}"),
                    None,
                )
            })?;
            let text = lodestone_model::diag::decode_utf8(arg, bytes)
                .map_err(|d| Error::Invalid(Diagnostics(vec![d])))?;
            return PyScenario::parse(arg.to_string(), text, path.parent().map(Path::to_path_buf));
        }
        if let Some((file, text)) = lodestone_data::scenario(arg) {
            return PyScenario::parse(file, text, None);
        }
        let names = lodestone_data::scenario_names();
        let hint = did_you_mean(arg, names.iter().map(String::as_str))
            .unwrap_or_else(|| format!("shipped scenarios: {}", names.join(", ")));
        Err(Error::at(
            codes::UNKNOWN_ID,
            Location::file("<argument>"),
            format!("unknown scenario `{arg}`"),
            Some(hint),
        ))
    }

    /// This scenario's text with `events` appended to its `[[events]]` (and `name`
    /// replaced if given), as a new scenario.
    fn extended(&self, events: Vec<toml::Value>, name: Option<String>) -> Result<PyScenario> {
        let mut doc: toml::Table = toml::from_str(&self.text).map_err(|e| {
            Error::Failure(format!("{}: cannot re-read the scenario: {e}", self.file))
        })?;
        let list = doc
            .entry("events")
            .or_insert_with(|| toml::Value::Array(Vec::new()));
        let Some(list) = list.as_array_mut() else {
            return Err(Error::at(
                codes::SCENARIO,
                self.sc.loc("events"),
                "`events` is not an array of tables".into(),
                None,
            ));
        };
        list.extend(events);
        if let Some(n) = name {
            doc.insert("name".into(), toml::Value::String(n));
        }
        let text =
            toml::to_string(&doc).map_err(|e| Error::Failure(format!("cannot write TOML: {e}")))?;
        PyScenario::parse(
            format!("<{} + events>", self.sc.name),
            text,
            self.base.clone(),
        )
    }
}

/// Where `extends = "name"` is looked up: beside the file, then the shipped scenarios
/// (as the CLI does); a parent beside the file that is not UTF-8 is recorded in `bad`.
fn lookup<'a>(
    base: Option<PathBuf>,
    bad: &'a std::cell::RefCell<Vec<lodestone_model::Diagnostic>>,
) -> impl Fn(&str) -> Option<(String, String)> + 'a {
    move |name: &str| {
        if let Some(dir) = &base {
            let p = dir.join(format!("{name}.toml"));
            if let Ok(bytes) = std::fs::read(&p) {
                let file = p.display().to_string();
                return match lodestone_model::diag::decode_utf8(&file, bytes) {
                    Ok(text) => Some((file, text)),
                    Err(d) => {
                        bad.borrow_mut().push(d);
                        Some((file, String::new()))
                    }
                };
            }
        }
        lodestone_data::scenario(name)
    }
}

/// A Python object (dict, list, number, string) as a TOML value, through JSON.
fn to_toml(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<toml::Value> {
    let json: String = py
        .import("json")?
        .call_method1("dumps", (obj,))?
        .extract()?;
    let v: serde_json::Value = serde_json::from_str(&json)
        .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
    toml::Value::try_from(v).map_err(|e| {
        pyo3::exceptions::PyValueError::new_err(format!("not representable in TOML: {e}"))
    })
}

#[pymethods]
impl PyScenario {
    /// Load a shipped scenario by name (`"baseline"`) or a `.toml` file by path.
    #[staticmethod]
    fn load(name_or_path: &str) -> PyResult<PyScenario> {
        Ok(PyScenario::resolve(name_or_path)?)
    }

    /// A scenario from TOML text; `extends` is looked up in `base` (a folder), then
    /// among the shipped scenarios.
    #[staticmethod]
    #[pyo3(signature = (text, name = "<string>", base = None))]
    fn from_toml(text: String, name: &str, base: Option<PathBuf>) -> PyResult<PyScenario> {
        Ok(PyScenario::parse(name.to_string(), text, base)?)
    }

    /// A scenario from a dict shaped like the TOML file (`{"name": ..., "extends":
    /// "baseline", "events": [{...}]}`).
    #[staticmethod]
    fn from_dict(py: Python<'_>, d: &Bound<'_, PyAny>) -> PyResult<PyScenario> {
        let text = toml::to_string(&to_toml(py, d)?)
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
        Ok(PyScenario::parse("<dict>".into(), text, None)?)
    }

    /// A new scenario: this one with `events` (dicts shaped like `[[events]]` tables)
    /// appended, and renamed to `name` if given.
    #[pyo3(signature = (events, name = None))]
    fn with_events(
        &self,
        py: Python<'_>,
        events: Vec<Bound<'_, PyAny>>,
        name: Option<String>,
    ) -> PyResult<PyScenario> {
        let events = events
            .iter()
            .map(|e| to_toml(py, e))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(self.extended(events, name)?)
    }

    /// Rebuild a pickled scenario (`__reduce__`).
    #[staticmethod]
    #[pyo3(signature = (file, text, base = None))]
    fn _restore(file: String, text: String, base: Option<PathBuf>) -> PyResult<PyScenario> {
        Ok(PyScenario::parse(file, text, base)?)
    }

    /// Pickling (for Ray's object store): the file's text, parsed again where it is
    /// unpickled; an `extends` parent beside the file must be there too (a shipped
    /// parent always is).
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        let s = slf.get();
        let restore = slf.get_type().getattr("_restore")?;
        let args = (s.file.clone(), s.text.clone(), s.base.clone());
        Ok((restore, args.into_pyobject(slf.py())?.into_any()))
    }

    /// The scenario's own file as TOML (its `extends` kept, not expanded).
    fn to_toml(&self) -> String {
        self.text.clone()
    }

    /// Name.
    #[getter]
    fn name(&self) -> String {
        self.sc.name.clone()
    }

    /// Description.
    #[getter]
    fn description(&self) -> String {
        self.sc.description.clone()
    }

    /// Name of the embedded dataset it runs on.
    #[getter]
    fn dataset(&self) -> String {
        self.sc.dataset.clone()
    }

    /// Horizon as (start, end, step): `("2024-01", "2035-12", "month")`.
    #[getter]
    fn horizon(&self) -> (String, String, String) {
        let h = &self.sc.horizon;
        let step = match h.step.months() {
            1 => "month",
            3 => "quarter",
            _ => "year",
        };
        (h.start.to_string(), h.end.to_string(), step.to_string())
    }

    /// Number of events (parents' included).
    #[getter]
    fn event_count(&self) -> usize {
        self.sc.events.len()
    }

    /// Files of the `extends` chain.
    #[getter]
    fn files(&self) -> Vec<String> {
        self.sc.files.clone()
    }

    fn __repr__(&self) -> String {
        let (s, e, st) = self.horizon();
        format!(
            "<Scenario {:?}: dataset {:?}, {s} → {e} ({st}), {} events>",
            self.sc.name,
            self.sc.dataset,
            self.sc.events.len()
        )
    }
}

/// A loaded, checked dataset.
#[pyclass(name = "Dataset", module = "lodestone", frozen)]
pub struct PyDataset {
    /// The dataset.
    pub ds: Arc<Dataset>,
    /// Where it came from, for pickling: an embedded name, or the files read.
    origin: Origin,
}

/// Where a dataset came from.
enum Origin {
    Embedded(String),
    Files(Arc<lodestone_model::DatasetFiles>),
}

/// The files of a dataset read from a folder, loaded and checked.
fn from_files(files: lodestone_model::DatasetFiles) -> Result<PyDataset> {
    let ds = Dataset::load(&files).map_err(Error::Invalid)?;
    Ok(PyDataset {
        ds: Arc::new(ds),
        origin: Origin::Files(Arc::new(files)),
    })
}

/// Load an embedded dataset by name.
pub fn embedded(name: &str) -> Result<Dataset> {
    let files = lodestone_data::dataset_files(name).ok_or_else(|| {
        let names = lodestone_data::dataset_names();
        let hint = did_you_mean(name, names.iter().copied()).unwrap_or_else(|| {
            format!(
                "embedded datasets: {}; or Dataset.load(folder)",
                names.join(", ")
            )
        });
        Error::at(
            codes::UNKNOWN_ID,
            Location::file("<argument>"),
            format!("unknown dataset `{name}`"),
            Some(hint),
        )
    })?;
    Dataset::load(&files).map_err(Error::Invalid)
}

/// The dataset a scenario runs on: `given`, else the embedded one it names (an unknown
/// name located at its `dataset =` line).
pub fn for_scenario(given: Option<&PyDataset>, sc: &Scenario) -> Result<Arc<Dataset>> {
    if let Some(d) = given {
        return Ok(d.ds.clone());
    }
    let names = lodestone_data::dataset_names();
    if !names.contains(&sc.dataset.as_str()) {
        let hint = did_you_mean(&sc.dataset, names.iter().copied())
            .unwrap_or_else(|| format!("embedded datasets: {}", names.join(", ")));
        return Err(Error::at(
            codes::UNKNOWN_ID,
            sc.loc("dataset"),
            format!("unknown dataset `{}`", sc.dataset),
            Some(hint),
        ));
    }
    Ok(Arc::new(embedded(&sc.dataset)?))
}

#[pymethods]
impl PyDataset {
    /// An embedded dataset (`"rare-earths"`, see `lodestone.datasets()`).
    #[staticmethod]
    fn embedded(py: Python<'_>, name: &str) -> PyResult<PyDataset> {
        let ds = py.detach(|| crate::errors::guard(|| embedded(name)))?;
        Ok(PyDataset {
            ds: Arc::new(ds),
            origin: Origin::Embedded(name.to_string()),
        })
    }

    /// A dataset folder (CSV tables and a manifest), checked as `lodestone validate` does.
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<PyDataset> {
        Ok(py.detach(|| {
            crate::errors::guard(|| {
                let files = lodestone_data::read_dataset_dir(&path).map_err(|e| {
                    Error::at(
                        codes::MISSING_FILE,
                        Location::file(path.display().to_string()),
                        e.to_string(),
                        None,
                    )
                })?;
                from_files(files)
            })
        })?)
    }

    /// Rebuild a pickled dataset read from a folder (`__reduce__`).
    #[staticmethod]
    fn _from_files(
        py: Python<'_>,
        root: String,
        files: Vec<(String, String)>,
    ) -> PyResult<PyDataset> {
        let files = lodestone_model::DatasetFiles { root, files };
        Ok(py.detach(|| crate::errors::guard(|| from_files(files)))?)
    }

    /// Pickling (for Ray's object store): an embedded dataset by name, a folder's by
    /// the text of its files (loaded and checked again where it is unpickled).
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        let py = slf.py();
        let ty = slf.get_type();
        Ok(match &slf.get().origin {
            Origin::Embedded(name) => (
                ty.getattr("embedded")?,
                (name.clone(),).into_pyobject(py)?.into_any(),
            ),
            Origin::Files(f) => (
                ty.getattr("_from_files")?,
                (f.root.clone(), f.files.clone())
                    .into_pyobject(py)?
                    .into_any(),
            ),
        })
    }

    /// Name.
    #[getter]
    fn name(&self) -> String {
        self.ds.name.clone()
    }

    fn __repr__(&self) -> String {
        format!(
            "<Dataset {:?}: {} facilities, {} materials, {} demand rows, {} sources>",
            self.ds.name,
            self.ds.facilities.len(),
            self.ds.materials.len(),
            self.ds.demand.len(),
            self.ds.sources.len()
        )
    }
}
