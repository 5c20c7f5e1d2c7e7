//! `lodestone._lodestone`: the Python binding of Lodestone (pyo3). A thin layer over the
//! crates the CLI uses — scenarios and datasets are read as `lodestone run` reads them,
//! runs, ensembles, comparisons, back-tests and reports call the same engine and report
//! functions — with the GIL released while the engine works. The `lodestone` Python
//! package (python/lodestone) wraps these functions into DataFrames.

mod background;
mod calibrate;
mod ensemble;
mod errors;
mod frames;
mod inputs;
mod news;
mod run;

use pyo3::prelude::*;

/// The embedded datasets' names.
#[pyfunction]
fn datasets() -> Vec<String> {
    lodestone_data::dataset_names()
        .into_iter()
        .map(String::from)
        .collect()
}

/// The shipped scenarios' names.
#[pyfunction]
fn scenarios() -> Vec<String> {
    lodestone_data::scenario_names()
}

/// The package version and the engine version it binds.
#[pyfunction]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

#[pymodule]
mod _lodestone {
    #[pymodule_export]
    use super::calibrate::run_calibrate;
    #[pymodule_export]
    use super::ensemble::{
        PyEnsembleMerger, ensemble_check, ensemble_merge, ensemble_shard, ensemble_write,
        run_ensemble,
    };
    #[pymodule_export]
    use super::inputs::{PyDataset, PyScenario};
    #[pymodule_export]
    use super::news::PyNewsStore;
    #[pymodule_export]
    use super::run::{PyRun, compare_rows, report, run};
    #[pymodule_export]
    use super::{datasets, scenarios, version};
}
