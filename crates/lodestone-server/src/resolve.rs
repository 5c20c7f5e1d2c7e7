//! Datasets and scenarios, resolved as `lodestone-cli/src/load.rs` does: `--data DIR`
//! wins over a scenario's embedded dataset; scenarios are embedded names or posted TOML
//! text whose `extends` may name only embedded scenarios (a request never reads a file).
//!
//! Also the cache key of a result: a hash of the dataset files, the resolved scenario and
//! the job's options, so the same question is answered once.

use crate::error::{ApiError, ServerError};
use lodestone_model::diag::codes;
use lodestone_model::{Dataset, DatasetFiles, Diagnostics, Scenario};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// A loaded dataset and the hash of its files.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The validated dataset.
    pub dataset: Arc<Dataset>,
    /// SHA-256 of its files (names and contents), hex.
    pub hash: String,
}

fn hash_files(files: &DatasetFiles) -> String {
    let mut h = Sha256::new();
    for (name, text) in &files.files {
        h.update((name.len() as u64).to_le_bytes());
        h.update(name.as_bytes());
        h.update((text.len() as u64).to_le_bytes());
        h.update(text.as_bytes());
    }
    hex(&h.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn load(files: &DatasetFiles) -> Result<Loaded, Diagnostics> {
    Ok(Loaded {
        dataset: Arc::new(Dataset::load(files)?),
        hash: hash_files(files),
    })
}

/// The datasets the server knows: the `--data` folder (loaded once, at start), or the
/// embedded ones (loaded on first use and kept).
pub struct Catalog {
    data: Option<Loaded>,
    embedded: Mutex<HashMap<String, Loaded>>,
}

impl Catalog {
    /// Loads the `--data` folder if given; an invalid folder stops the server.
    pub fn new(data_dir: Option<&Path>) -> Result<Catalog, ServerError> {
        let data = match data_dir {
            None => None,
            Some(dir) => {
                let files = lodestone_data::read_dataset_dir(dir)
                    .map_err(|e| ServerError::Dataset(e.to_string()))?;
                Some(load(&files).map_err(|d| ServerError::Dataset(d.to_string()))?)
            }
        };
        Ok(Catalog {
            data,
            embedded: Mutex::new(HashMap::new()),
        })
    }

    /// Whether a `--data` folder replaces the embedded datasets.
    pub fn has_data_dir(&self) -> bool {
        self.data.is_some()
    }

    /// Names of the datasets on offer.
    pub fn names(&self) -> Vec<String> {
        match &self.data {
            Some(l) => vec![l.dataset.name.clone()],
            None => lodestone_data::dataset_names()
                .into_iter()
                .map(str::to_string)
                .collect(),
        }
    }

    fn embedded(&self, name: &str) -> Option<Result<Loaded, Diagnostics>> {
        let mut cache = self.embedded.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(l) = cache.get(name) {
            return Some(Ok(l.clone()));
        }
        let files = lodestone_data::dataset_files(name)?;
        let loaded = load(&files);
        if let Ok(l) = &loaded {
            cache.insert(name.to_string(), l.clone());
        }
        Some(loaded)
    }

    /// A dataset by name (404 if the server does not offer it).
    pub fn dataset(&self, name: &str) -> Result<Loaded, ApiError> {
        let unknown = || {
            let names = self.names();
            ApiError::not_found(
                format!("unknown dataset `{name}`"),
                Some(
                    lodestone_model::diag::did_you_mean(name, names.iter().map(String::as_str))
                        .unwrap_or_else(|| format!("datasets: {}", names.join(", "))),
                ),
            )
        };
        match &self.data {
            Some(l) if l.dataset.name == name => Ok(l.clone()),
            Some(_) => Err(unknown()),
            None => match self.embedded(name) {
                Some(Ok(l)) => Ok(l),
                Some(Err(d)) => Err(ApiError::invalid(d)),
                None => Err(unknown()),
            },
        }
    }

    /// The dataset a scenario runs on: the `--data` folder if given, else its `dataset`.
    /// An unknown dataset name is a located problem of the scenario (422).
    pub fn for_scenario(&self, sc: &Scenario) -> Result<Loaded, ApiError> {
        if let Some(l) = &self.data {
            return Ok(l.clone());
        }
        match self.embedded(&sc.dataset) {
            Some(Ok(l)) => Ok(l),
            Some(Err(d)) => Err(ApiError::invalid(d)),
            None => {
                let mut d = Diagnostics::default();
                d.push(
                    codes::UNKNOWN_ID,
                    sc.loc("dataset"),
                    format!("unknown dataset `{}`", sc.dataset),
                    Some(format!(
                        "embedded datasets: {}",
                        lodestone_data::dataset_names().join(", ")
                    )),
                );
                Err(ApiError::invalid(d))
            }
        }
    }
}

/// `extends` of posted scenarios: embedded scenarios only.
fn embedded_lookup(name: &str) -> Option<(String, String)> {
    lodestone_data::scenario(name)
}

/// The 404 for an unknown scenario name, with the closest shipped name.
pub fn unknown_scenario(name: &str) -> ApiError {
    let names = lodestone_data::scenario_names();
    ApiError::not_found(
        format!("unknown scenario `{name}`"),
        Some(
            lodestone_model::diag::did_you_mean(name, names.iter().map(String::as_str))
                .unwrap_or_else(|| format!("shipped scenarios: {}", names.join(", "))),
        ),
    )
}

/// An embedded scenario by name: its file label, text and parsed value.
pub fn named_scenario(name: &str) -> Result<(String, String, Scenario), ApiError> {
    let (file, text) = lodestone_data::scenario(name).ok_or_else(|| unknown_scenario(name))?;
    let sc = Scenario::parse(&file, &text, &embedded_lookup).map_err(ApiError::invalid)?;
    Ok((file, text, sc))
}

/// Longest accepted file label of a posted scenario.
const MAX_LABEL: usize = 100;

/// A posted scenario: parsed under the label `file` (shown in diagnostics).
pub fn posted_scenario(file: Option<&str>, text: &str) -> Result<Scenario, ApiError> {
    let label = match file {
        None => "scenario.toml".to_string(),
        Some(f) if f.is_empty() || f.len() > MAX_LABEL || f.chars().any(char::is_control) => {
            return Err(ApiError::bad_request(
                "`file` must be a short label such as `my-scenario.toml`",
                None,
            ));
        }
        Some(f) => f.to_string(),
    };
    Scenario::parse(&label, text, &embedded_lookup).map_err(ApiError::invalid)
}

/// Every problem of a scenario against a dataset, `[settings]` included (422).
pub fn check(sc: &Scenario, ds: &Dataset) -> Result<(), ApiError> {
    let mut d = sc.validate(ds);
    if let Err(e) = lodestone_engine::Settings::check(sc) {
        d.extend(e);
    }
    if d.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid(d))
    }
}

/// The cache key of a job: kind, engine version, dataset hash, the resolved scenario
/// (without its file labels, so a posted copy of a shipped scenario matches it) and options.
pub fn cache_key(
    kind: &str,
    sc: &Scenario,
    dataset: &Loaded,
    options: &serde_json::Value,
) -> String {
    let mut v = serde_json::to_value(sc).unwrap_or_default();
    if let Some(m) = v.as_object_mut() {
        m.remove("files");
    }
    let mut h = Sha256::new();
    for part in [
        kind,
        env!("CARGO_PKG_VERSION"),
        &dataset.hash,
        &v.to_string(),
        &options.to_string(),
    ] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    hex(&h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_posted_copy_of_a_shipped_scenario_has_its_key() {
        let cat = Catalog::new(None).unwrap();
        let (_, text, named) = named_scenario("baseline").unwrap();
        let posted = posted_scenario(Some("copy.toml"), &text).unwrap();
        let ds = cat.for_scenario(&named).unwrap();
        let opts = serde_json::json!({});
        assert_eq!(
            cache_key("run", &named, &ds, &opts),
            cache_key("run", &posted, &ds, &opts)
        );
        assert_ne!(
            cache_key("run", &named, &ds, &opts),
            cache_key("ensemble", &named, &ds, &opts)
        );
    }

    #[test]
    fn unknown_names_get_hints() {
        let e = named_scenario("baselin").unwrap_err();
        assert_eq!(e.status(), 404);
        assert!(format!("{e:?}").contains("did you mean `baseline`"));
        let cat = Catalog::new(None).unwrap();
        assert_eq!(cat.dataset("nope").unwrap_err().status(), 404);
        let mut sc = named_scenario("baseline").unwrap().2;
        sc.dataset = "nope".into();
        assert_eq!(cat.for_scenario(&sc).unwrap_err().status(), 422);
    }

    #[test]
    fn posted_text_is_parsed_with_located_errors() {
        let e =
            posted_scenario(Some("mine.toml"), "name = \"x\"\n[horizon]\nstart = 5\n").unwrap_err();
        match e {
            ApiError::Invalid { diagnostics, .. } => {
                let d = diagnostics.iter().next().unwrap();
                assert_eq!(d.location.file, "mine.toml");
                assert!(d.location.line > 0, "{d}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            posted_scenario(Some("a\nb"), "name = \"x\"")
                .unwrap_err()
                .status(),
            400
        );
    }
}
