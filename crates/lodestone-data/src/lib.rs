//! The datasets and scenarios shipped with Lodestone, embedded at compile time.
//!
//! `data/<name>/` folders and `scenarios/*.toml` are compiled in by `build.rs`, so the
//! binary runs with no files beside it. [`folder`] reads a dataset folder from disk
//! instead (`--data DIR`), in the same shape.

pub mod folder;

pub use folder::{FolderError, read_dataset_dir};

use lodestone_model::{Dataset, DatasetFiles};

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

/// Name of the default dataset.
pub const DEFAULT_DATASET: &str = "rare-earths";

/// Names of the embedded datasets.
pub fn dataset_names() -> Vec<&'static str> {
    DATASETS.iter().map(|(n, _)| *n).collect()
}

/// Files of an embedded dataset.
pub fn dataset_files(name: &str) -> Option<DatasetFiles> {
    DATASETS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(n, files)| DatasetFiles {
            root: format!("<embedded>/{n}"),
            files: files
                .iter()
                .map(|(f, t)| (f.to_string(), t.to_string()))
                .collect(),
        })
}

/// Every embedded dataset that loads (all of them, as the tests check): what the news
/// layer's gazetteer and reference facts are built from.
pub fn datasets() -> Vec<Dataset> {
    dataset_names()
        .into_iter()
        .filter_map(dataset_files)
        .filter_map(|files| Dataset::load(&files).ok())
        .collect()
}

/// An embedded scenario by name (file stem): `(file label, text)`.
pub fn scenario(name: &str) -> Option<(String, String)> {
    let file = format!("{name}.toml");
    SCENARIOS
        .iter()
        .find(|(f, _)| *f == file)
        .map(|(f, t)| (format!("scenarios/{f}"), t.to_string()))
}

/// Names of the embedded scenarios.
pub fn scenario_names() -> Vec<String> {
    SCENARIOS
        .iter()
        .map(|(f, _)| f.trim_end_matches(".toml").to_string())
        .collect()
}
