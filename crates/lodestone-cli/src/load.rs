//! The edge: reading datasets and scenarios from disk or from the embedded copies.

use anyhow::Result;
use lodestone_model::{Dataset, DatasetFiles, Diagnostics, Location, Scenario};
use std::path::{Path, PathBuf};

/// A user-facing failure with an exit code: 2 for bad input, 1 otherwise.
#[derive(Debug)]
pub struct Failure {
    pub code: i32,
    pub message: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// Bad input: exit status 2.
pub fn bad_input(message: impl Into<String>) -> anyhow::Error {
    Failure {
        code: 2,
        message: message.into(),
    }
    .into()
}

/// Diagnostics as a bad-input failure.
pub fn invalid(d: Diagnostics) -> anyhow::Error {
    bad_input(d.to_string())
}

/// Read every `.csv` and `.toml` file of a dataset folder ([`lodestone_data::read_dataset_dir`]);
/// a missing folder or a file that is not UTF-8 is bad input.
pub fn read_dataset_dir(dir: &Path) -> Result<DatasetFiles> {
    lodestone_data::read_dataset_dir(dir).map_err(|e| {
        if e.is_bad_input() {
            bad_input(e.to_string())
        } else {
            e.into()
        }
    })
}

/// Load a dataset: a folder if given, else the embedded dataset `name`.
pub fn dataset(data: Option<&Path>, name: &str) -> Result<Dataset> {
    let files = match data {
        Some(dir) => read_dataset_dir(dir)?,
        None => lodestone_data::dataset_files(name).ok_or_else(|| {
            bad_input(format!(
                "unknown dataset `{name}`\n  hint: embedded datasets: {}; or pass --data DIR",
                lodestone_data::dataset_names().join(", ")
            ))
        })?,
    };
    Dataset::load(&files).map_err(invalid)
}

/// Load the dataset a scenario runs on: the `--data` folder if given, else the embedded
/// dataset its `dataset` names; an unknown name is refused at its `dataset = ` line (in
/// the file of the chain that set it).
pub fn scenario_dataset(data: Option<&Path>, sc: &Scenario) -> Result<Dataset> {
    let names = lodestone_data::dataset_names();
    if data.is_none() && !names.contains(&sc.dataset.as_str()) {
        let hint = lodestone_model::diag::did_you_mean(&sc.dataset, names.iter().copied())
            .unwrap_or_else(|| {
                format!(
                    "embedded datasets: {}; or pass --data DIR",
                    names.join(", ")
                )
            });
        let mut d = Diagnostics::default();
        d.push(
            lodestone_model::diag::codes::UNKNOWN_ID,
            sc.loc("dataset"),
            format!("unknown dataset `{}`", sc.dataset),
            Some(hint),
        );
        return Err(invalid(d));
    }
    dataset(data, &sc.dataset)
}

/// Where `extends = "name"` is looked up: beside the file, then the embedded scenarios.
/// A parent beside the file that is not UTF-8 is recorded in `bad` (and not used).
fn lookup<'a>(
    base: Option<PathBuf>,
    bad: &'a std::cell::RefCell<Vec<lodestone_model::Diagnostic>>,
) -> impl Fn(&str) -> Option<(String, String)> + 'a {
    move |name: &str| {
        if let Some(dir) = &base {
            let p = dir.join(format!("{name}.toml"));
            if let Ok(bytes) = std::fs::read(&p) {
                let file = p.display().to_string();
                match lodestone_model::diag::decode_utf8(&file, bytes) {
                    Ok(text) => return Some((file, text)),
                    Err(d) => {
                        bad.borrow_mut().push(d);
                        return Some((file, String::new()));
                    }
                }
            }
        }
        lodestone_data::scenario(name)
    }
}

/// Resolve a scenario argument: a `.toml` path or an embedded scenario name.
pub fn scenario(arg: &str) -> Result<Scenario> {
    let path = Path::new(arg);
    let (file, text, base) = if arg.ends_with(".toml") || path.is_file() {
        let bytes = std::fs::read(path)
            .map_err(|e| bad_input(format!("{arg}: cannot read scenario: {e}")))?;
        let text = lodestone_model::diag::decode_utf8(arg, bytes)
            .map_err(|d| invalid(lodestone_model::Diagnostics(vec![d])))?;
        (arg.to_string(), text, path.parent().map(Path::to_path_buf))
    } else if let Some((f, t)) = lodestone_data::scenario(arg) {
        (f, t, None)
    } else {
        let names = lodestone_data::scenario_names();
        let hint = lodestone_model::diag::did_you_mean(arg, names.iter().map(String::as_str))
            .unwrap_or_else(|| format!("shipped scenarios: {}", names.join(", ")));
        return Err(bad_input(format!(
            "{}: error[E008]: unknown scenario `{arg}`\n  hint: {hint}",
            Location::file("<command line>")
        )));
    };
    let bad = std::cell::RefCell::new(Vec::new());
    let parsed = Scenario::parse(&file, &text, &lookup(base, &bad));
    let bad = bad.into_inner();
    if !bad.is_empty() {
        return Err(invalid(lodestone_model::Diagnostics(bad)));
    }
    parsed.map_err(invalid)
}

/// Values of the `--step` flag of `run` and `ensemble`.
pub const STEPS: [&str; 3] = ["month", "quarter", "year"];

/// Override a scenario's time step with a `--step` value (one of [`STEPS`]).
pub fn override_step(sc: &mut Scenario, step: Option<&str>) -> Result<()> {
    if let Some(step) = step {
        sc.horizon.step = step
            .parse()
            .map_err(|e: lodestone_model::time::UnknownStep| bad_input(e.to_string()))?;
    }
    Ok(())
}
