//! `lodestone backtest` through the real binary on the tiny fixture: the table, the JSON
//! document, the tidy CSV, a yearly step's pro-rata months, and located errors for a
//! malformed observation.

mod common;

use common::{run, text, tiny};

const SCENARIO: &str =
    "name = \"t\"\ndataset = \"tiny\"\n[horizon]\nstart = \"2024-01\"\nend = \"2025-12\"\n";

fn scenario() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.toml");
    std::fs::write(&p, SCENARIO).unwrap();
    (dir, p.display().to_string())
}

#[test]
fn backtest_prints_series_scores_and_what_it_cannot_compare() {
    let (_d, sc) = scenario();
    let o = run(&["backtest", &sc, "--data", tiny().to_str().unwrap()]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    for want in [
        "production:AU:stage:mining",
        "price:JP:magnet",
        "overall",
        "reserves are not simulated",
    ] {
        assert!(t.contains(want), "`{want}` missing:\n{t}");
    }
}

#[test]
fn backtest_json_and_csv_at_a_yearly_step() {
    let (dir, sc) = scenario();
    let out = dir.path().join("bt");
    let o = run(&[
        "backtest",
        &sc,
        "--data",
        tiny().to_str().unwrap(),
        "--step",
        "year",
        "--json",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let b: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(b["step_months"], 12);
    let march = b["points"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["series"] == "production:AU:stage:mining" && p["period"] == "2024-03")
        .expect("March 2024 point");
    // one twelfth of the flat-out mine's 1,200 t of 2024
    let sim = march["simulated"].as_f64().unwrap();
    assert!((sim - 100.0).abs() < 0.01, "{sim}");
    let points = std::fs::read_to_string(out.join("backtest_points.csv")).unwrap();
    assert!(points.starts_with("series,metric,country,partner,material,stage,sector,period,"));
    assert_eq!(
        points.lines().count(),
        1 + b["points"].as_array().unwrap().len()
    );
    let series = std::fs::read_to_string(out.join("backtest_series.csv")).unwrap();
    assert_eq!(
        series.lines().count(),
        1 + b["series"].as_array().unwrap().len()
    );
}

#[test]
fn a_malformed_observation_is_refused_at_its_cell() {
    let dir = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(tiny()).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
    }
    let obs = dir.path().join("observations.csv");
    let text0 = std::fs::read_to_string(&obs).unwrap();
    std::fs::write(&obs, text0.replace(",,2024-03,100,", ",,2024-3,100,")).unwrap();
    let (_d, sc) = scenario();
    let o = run(&["backtest", &sc, "--data", dir.path().to_str().unwrap()]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(2), "{t}");
    assert!(t.contains("observations.csv:4:7: error[E006]"), "{t}");
}
