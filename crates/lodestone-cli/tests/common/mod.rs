//! Shared helpers of the CLI integration tests: the real binary, the tiny fixture dataset
//! and a pair of scenarios on it that differ by one disruption.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The tiny fixture dataset of the engine's tests.
pub fn tiny() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../lodestone-engine/tests/fixtures/tiny")
}

/// Runs `lodestone` with `args`.
pub fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lodestone"))
        .args(args)
        .output()
        .expect("binary runs")
}

/// Stdout then stderr, for assertion messages and searches.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Two scenarios on the tiny dataset, 2024–2026 by quarter, in a temp dir: `tiny-a` (no
/// events) and `tiny-b` (half of China's mine lost in 2025). Returns the dir and the two
/// file paths.
pub fn two_scenarios() -> (tempfile::TempDir, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let header = "dataset = \"tiny\"\n[horizon]\nstart = \"2024-01\"\nend = \"2026-12\"\nstep = \"quarter\"\n";
    let a = dir.path().join("a.toml");
    let b = dir.path().join("b.toml");
    std::fs::write(&a, format!("name = \"tiny-a\"\n{header}")).unwrap();
    std::fs::write(
        &b,
        format!(
            "name = \"tiny-b\"\n{header}\n[[events]]\ntype = \"disruption\"\nfacility = \"mine_cn\"\nstart = \"2025-01\"\nend = \"2025-12\"\nloss = 0.5\n"
        ),
    )
    .unwrap();
    let (a, b) = (a.display().to_string(), b.display().to_string());
    (dir, a, b)
}

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Stems of `scenarios/*.toml`, sorted.
pub fn shipped_scenarios() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .filter_map(|e| {
            let p = e.unwrap().path();
            (p.extension().is_some_and(|x| x == "toml"))
                .then(|| p.file_stem().unwrap().to_string_lossy().to_string())
        })
        .collect();
    v.sort();
    v
}
