//! Tidy tables of `lodestone run --out` and `lodestone ensemble --out`: CSV, and Parquet
//! when the binary is built with the `parquet` feature (otherwise a clear error, exit 2).

mod common;

use common::{run, text, tiny};
use std::path::Path;

const SCENARIO: &str = r#"name = "tiny-uncertain"
dataset = "tiny"
[horizon]
start = "2024-01"
end = "2025-12"
step = "quarter"

[[uncertainty]]
param = "demand.growth"
dist = "normal"
mean = 1.0
sd = 0.3
note = "test range"

[[uncertainty]]
param = "facilities.mag_us.start"
dist = "uniform"
min = 0
max = 12
note = "test range"
"#;

/// Runs a 5-replicate ensemble of the tiny scenario into `out` with the given format.
fn ensemble(dir: &Path, out: &Path, format: &str) -> std::process::Output {
    ensemble_threads(dir, out, format, "2")
}

/// As `ensemble`, on the given number of threads.
fn ensemble_threads(dir: &Path, out: &Path, format: &str, threads: &str) -> std::process::Output {
    let sc = dir.join("u.toml");
    std::fs::write(&sc, SCENARIO).unwrap();
    run(&[
        "ensemble",
        sc.to_str().unwrap(),
        "--data",
        tiny().to_str().unwrap(),
        "--runs",
        "5",
        "--seed",
        "11",
        "--threads",
        threads,
        "--out",
        out.to_str().unwrap(),
        "--format",
        format,
    ])
}

/// The CSV tables: (replicate, year, metric, value, unit) and (replicate, parameter, value).
fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    r.records()
        .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
        .collect()
}

#[test]
fn csv_tables_hold_every_replicate_and_every_sampled_parameter() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = ensemble(dir.path(), &out, "csv");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let params = csv_rows(&out.join("parameters.csv"));
    // two parameters per replicate, replicates 0..5
    assert_eq!(params.len(), 10, "{params:?}");
    let reps: std::collections::BTreeSet<&str> = params.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        reps.into_iter().collect::<Vec<_>>(),
        ["0", "1", "2", "3", "4"]
    );
    let rows = csv_rows(&out.join("replicates.csv"));
    assert!(rows.iter().any(|r| r[1] == "2025"), "no 2025 rows");
    assert_eq!(rows.len() % 5, 0, "each replicate writes the same metrics");
    // every row carries its metric's unit
    for r in &rows {
        let unit = match r[2].split('.').next().unwrap() {
            "production" | "shortfall" => "tonnes",
            "prices" => "usd_per_kg",
            "premium" => "ratio",
            _ => "share",
        };
        assert_eq!(r[4], unit, "{r:?}");
    }
    // ensemble.json records what shaped it: step, runs, seed and version
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("ensemble.json")).unwrap()).unwrap();
    // quantiles.csv is ensemble.json's annual quantiles, row for row, with units
    let quant = csv_rows(&out.join("quantiles.csv"));
    let annual = doc["annual"].as_object().unwrap();
    let n: usize = annual.values().map(|m| m.as_object().unwrap().len()).sum();
    assert_eq!(quant.len(), n);
    for r in &quant {
        let q = &annual[&r[0]][&r[1]];
        for (c, k) in [(2, "p10"), (3, "p50"), (4, "p90"), (5, "mean")] {
            let v: f64 = r[c].parse().unwrap();
            assert!(
                (v - q[k].as_f64().unwrap()).abs() <= 1e-9 * v.abs().max(1.0),
                "{r:?}"
            );
        }
        assert!(r[6] == "tonnes" || r[6] == "usd_per_kg" || r[6] == "share" || r[6] == "ratio");
    }
    assert_eq!(doc["step"], "quarter");
    assert_eq!(
        (doc["runs"].as_u64(), doc["seed"].as_u64()),
        (Some(5), Some(11))
    );
    assert_eq!(doc["version"], env!("CARGO_PKG_VERSION"));
}

#[test]
fn ensemble_defaults_are_the_api_defaults() {
    use lodestone_engine::ensemble::{DEFAULT_RUNS, DEFAULT_SEED};
    let o = run(&["ensemble", "--help"]);
    let help = String::from_utf8_lossy(&o.stdout);
    assert!(
        help.contains(&format!("[default: {DEFAULT_RUNS}]")),
        "{help}"
    );
    assert!(
        help.contains(&format!("[default: {DEFAULT_SEED}]")),
        "{help}"
    );
    let doc = lodestone_server::openapi::document(false);
    let props = &doc["components"]["schemas"]["EnsembleRequest"]["properties"];
    let runs = props["runs"]["description"].as_str().unwrap();
    assert!(runs.contains(&format!("default {DEFAULT_RUNS}")), "{runs}");
    let seed = props["seed"]["description"].as_str().unwrap();
    assert!(seed.contains(&format!("default {DEFAULT_SEED}")), "{seed}");
}

/// `lodestone run` of the tiny scenario's dataset into `out` with the given format.
fn run_tables(out: &Path, format: &str) -> std::process::Output {
    let (_dir, a, _b) = common::two_scenarios();
    run(&[
        "run",
        &a,
        "--data",
        tiny().to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--format",
        format,
    ])
}

#[cfg(not(feature = "parquet"))]
#[test]
fn parquet_without_the_feature_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let o = ensemble(dir.path(), &dir.path().join("out"), "parquet");
    let r = run_tables(&dir.path().join("run"), "parquet");
    for o in [o, r] {
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        let t = text(&o);
        assert!(t.contains("no Parquet support"), "{t}");
        assert!(t.contains("--features parquet"), "{t}");
    }
    // nothing half-written: the run fails before it writes
    assert!(!dir.path().join("run").exists());
}

#[cfg(feature = "parquet")]
#[test]
fn parquet_tables_are_the_same_bytes_at_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<Vec<u8>> = ["1", "2"]
        .iter()
        .flat_map(|t| {
            let out = dir.path().join(format!("t{t}"));
            let o = ensemble_threads(dir.path(), &out, "parquet", t);
            assert_eq!(o.status.code(), Some(0), "{}", text(&o));
            ["replicates.parquet", "parameters.parquet"]
                .map(|f| std::fs::read(out.join(f)).unwrap())
        })
        .collect();
    assert_eq!(files[0], files[2]);
    assert_eq!(files[1], files[3]);
}

/// The rows of a Parquet table as the strings its CSV twin holds.
#[cfg(feature = "parquet")]
fn parquet_rows(path: &Path) -> Vec<Vec<String>> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;
    let r = SerializedFileReader::new(std::fs::File::open(path).unwrap()).unwrap();
    r.get_row_iter(None)
        .unwrap()
        .map(|row| {
            row.unwrap()
                .get_column_iter()
                .map(|(name, f)| match f {
                    Field::Long(v) => v.to_string(),
                    Field::Str(v) => v.clone(),
                    Field::Double(v) => v.to_string(),
                    other => panic!("{}: column {name} holds {other:?}", path.display()),
                })
                .collect()
        })
        .collect()
}

#[cfg(feature = "parquet")]
#[test]
fn parquet_tables_hold_the_same_rows_as_csv() {
    let dir = tempfile::tempdir().unwrap();
    let (pq, csv) = (dir.path().join("pq"), dir.path().join("csv"));
    for (out, format) in [(&pq, "parquet"), (&csv, "csv")] {
        let o = ensemble(dir.path(), out, format);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    }
    assert_eq!(
        parquet_rows(&pq.join("replicates.parquet")),
        csv_rows(&csv.join("replicates.csv"))
    );
    assert_eq!(
        parquet_rows(&pq.join("parameters.parquet")),
        csv_rows(&csv.join("parameters.csv"))
    );
    // the run tables: period, keys, value, unit
    for (out, format) in [(&pq, "parquet"), (&csv, "csv")] {
        let o = run_tables(&out.join("run"), format);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    }
    for def in lodestone_engine::tables::TABLES {
        let table = def.name;
        let rows = parquet_rows(&pq.join("run").join(format!("{table}.parquet")));
        let expected = csv_rows(&csv.join("run").join(format!("{table}.csv")));
        // (the tiny dataset has no platforms, so not every yearly table has rows)
        let per_period = def.grain == lodestone_engine::tables::Grain::Period;
        assert!(!per_period || !expected.is_empty(), "{table} is empty");
        assert_eq!(rows, expected, "{table}");
    }
}

#[test]
fn format_without_out_is_a_usage_error() {
    for cmd in ["run", "ensemble"] {
        let o = run(&[cmd, "baseline", "--format", "csv"]);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        assert!(text(&o).contains("--out"), "{}", text(&o));
    }
}
