//! Shared test helpers: load fixture folders and build scenarios from text.
#![allow(dead_code)]

use lodestone_model::{Dataset, DatasetFiles, Scenario};
use std::path::Path;

/// Read a fixture folder.
pub fn files(dir: &str) -> DatasetFiles {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(dir);
    let mut files = Vec::new();
    for e in std::fs::read_dir(&root).unwrap() {
        let p = e.unwrap().path();
        files.push((
            p.file_name().unwrap().to_string_lossy().to_string(),
            std::fs::read_to_string(&p).unwrap(),
        ));
    }
    files.sort();
    DatasetFiles {
        root: dir.into(),
        files,
    }
}

/// The tiny fixture dataset.
pub fn tiny() -> Dataset {
    Dataset::load(&files("tiny")).unwrap_or_else(|e| panic!("{e}"))
}

/// Parse a scenario from text (no `extends`).
pub fn scenario(text: &str) -> Scenario {
    Scenario::parse("test.toml", text, &|_| None).unwrap_or_else(|e| panic!("{e}"))
}
