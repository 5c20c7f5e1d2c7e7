//! `lodestone compare` on the real binary, with the tiny fixture dataset and two temp
//! scenarios (one with a disruption of China's mine).

mod common;

use common::{run, text, tiny, two_scenarios};
use serde_json::Value;

fn compare_json(a: &str, b: &str) -> Value {
    compare_json_with(a, b, &["--json", "--all"])
}

fn compare_json_with(a: &str, b: &str, flags: &[&str]) -> Value {
    let tiny = tiny();
    let mut args = vec!["compare", a, b, "--data", tiny.to_str().unwrap()];
    args.extend(flags);
    let o = run(&args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", text(&o)))
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

#[test]
fn compare_json_all_reports_every_year_with_a_b_diff() {
    let (_dir, a, b) = two_scenarios();
    let doc = compare_json(&a, &b);
    assert_eq!(doc["a"], "tiny-a");
    assert_eq!(doc["b"], "tiny-b");
    let years: Vec<&String> = doc["years"].as_object().unwrap().keys().collect();
    assert_eq!(years, ["2024", "2025", "2026"]);

    // 2024: before the disruption the two runs are the same
    let y24 = &doc["years"]["2024"];
    let cn24 = &y24["shares"]["mining"]["CN"];
    assert!(f(&cn24["diff"]).abs() < 1e-6, "{cn24}");

    // 2025: China's mine loses half its capacity
    let y = &doc["years"]["2025"];
    for section in ["shares", "shortfall", "prices"] {
        assert!(y[section].is_object(), "missing {section}: {y}");
    }
    let cn = &y["shares"]["mining"]["CN"];
    assert!(
        (f(&cn["b"]) - f(&cn["a"]) - f(&cn["diff"])).abs() < 1e-9,
        "diff is b − a: {cn}"
    );
    assert!(f(&cn["diff"]) < -1e-6, "China's mining share falls: {cn}");
    let total = &y["shortfall"]["total"];
    assert!(f(&total["b"]) >= f(&total["a"]) - 1e-6, "{total}");
    let magnet = &y["prices"]["magnet"];
    assert!(
        magnet["CN"].is_object() && magnet["ex-CN"].is_object(),
        "{magnet}"
    );
    assert!(
        f(&magnet["ex-CN"]["b"]) >= f(&magnet["ex-CN"]["a"]) - 1e-6,
        "{magnet}"
    );
}

#[test]
fn comparing_a_scenario_with_itself_gives_zero_differences() {
    let (_dir, a, _) = two_scenarios();
    let doc = compare_json(&a, &a);
    fn walk(v: &Value, path: &str) {
        match v {
            Value::Object(m) if m.contains_key("diff") => {
                if let Some(d) = m["diff"].as_f64() {
                    assert!(d.abs() < 1e-9, "{path}: {v}");
                }
            }
            Value::Object(m) => m.iter().for_each(|(k, x)| walk(x, &format!("{path}.{k}"))),
            _ => {}
        }
    }
    walk(&doc["years"], "years");
}

#[test]
fn compare_prints_tables() {
    let (_dir, a, b) = two_scenarios();
    let o = run(&[
        "compare",
        &a,
        &b,
        "--data",
        tiny().to_str().unwrap(),
        "--years",
        "2025",
    ]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    for needle in [
        "`tiny-a`",
        "`tiny-b`",
        "══ 2025 ══",
        "Shares of output by country",
        "Shortfall by sector",
        "Prices (USD/kg",
    ] {
        assert!(out.contains(needle), "missing `{needle}` in:\n{out}");
    }
}

#[test]
fn compare_with_an_unknown_scenario_is_bad_input() {
    let (_dir, a, _) = two_scenarios();
    let o = run(&[
        "compare",
        &a,
        "no-such-scenario",
        "--data",
        tiny().to_str().unwrap(),
    ]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(out.contains("unknown scenario `no-such-scenario`"), "{out}");
}

fn years_of(doc: &Value) -> Vec<String> {
    doc["years"].as_object().unwrap().keys().cloned().collect()
}

#[test]
fn the_readme_what_if_lists_2026_first() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mt-weld-outage.toml");
    std::fs::write(
        &file,
        "name = \"mt-weld-outage\"\nextends = \"baseline\"\n[[events]]\ntype = \"disruption\"\nfacility = \"mt_weld\"\nstart = \"2026-01\"\nend = \"2026-06\"\nloss = 1.0\n",
    )
    .unwrap();
    let o = run(&["compare", "baseline", file.to_str().unwrap()]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    let after = |title: &str| -> Vec<&str> {
        let rest = &out[out
            .find(title)
            .unwrap_or_else(|| panic!("no `{title}` in:\n{out}"))..];
        rest.lines().skip(3).take(1).collect()
    };
    let first_year = after("Years with changes")[0];
    assert!(
        !out.contains("\n2024 "),
        "nothing changes before the outage:\n{out}"
    );
    assert!(first_year.starts_with("2026 "), "{first_year}\n{out}");
    assert!(
        out.lines().count() < 80,
        "a short answer, not every number:\n{out}"
    );
}

#[test]
fn default_json_ranks_changes_and_shows_the_changed_years() {
    let (_dir, a, b) = two_scenarios();
    let doc = compare_json_with(&a, &b, &["--format", "json"]);
    let changed: Vec<&str> = (doc["changed_years"].as_array().unwrap().iter())
        .map(|y| y["year"].as_str().unwrap())
        .collect();
    assert_eq!(changed[0], "2025", "{}", doc["changed_years"]);
    let top = &doc["changes"][0];
    let largest = (doc["changed_years"].as_array().unwrap().iter())
        .map(|y| f(&y["largest"]))
        .fold(0.0, f64::max);
    assert_eq!(
        f(&top["score"]),
        largest,
        "the first change is the largest: {top}"
    );
    let top_year = (doc["changed_years"].as_array().unwrap().iter())
        .find(|y| y["year"] == top["year"])
        .unwrap();
    assert_eq!(
        f(&top_year["largest"]),
        largest,
        "in the year of its largest difference"
    );
    let mut sorted: Vec<String> = changed.iter().map(|s| s.to_string()).collect();
    sorted.sort();
    assert_eq!(years_of(&doc), sorted);
    let scores: Vec<f64> = (doc["changes"].as_array().unwrap().iter())
        .map(|r| f(&r["score"]))
        .collect();
    assert!(!scores.is_empty());
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "largest first: {scores:?}"
    );
    assert!(scores.iter().all(|s| *s >= 0.5), "{scores:?}");
    // --json is --format json
    let alias = compare_json_with(&a, &b, &["--json"]);
    assert_eq!(alias, doc);
}

#[test]
fn years_all_and_changed_only_pick_what_is_shown() {
    let (_dir, a, b) = two_scenarios();
    let doc = compare_json_with(&a, &b, &["--json", "--years", "2024,2026"]);
    assert_eq!(years_of(&doc), ["2024", "2026"]);
    let doc = compare_json_with(&a, &b, &["--json", "--all"]);
    assert_eq!(years_of(&doc), ["2024", "2025", "2026"]);
    let doc = compare_json_with(&a, &b, &["--json", "--years", "2024", "--changed-only"]);
    let y = &doc["years"]["2024"];
    for section in ["shares", "prices", "shortfall"] {
        assert_eq!(y[section], serde_json::json!({}), "2024 has no change: {y}");
    }
    let doc = compare_json_with(&a, &b, &["--json", "--years", "2025", "--changed-only"]);
    assert!(
        doc["years"]["2025"]["shares"]["mining"]["CN"].is_object(),
        "{}",
        doc["years"]["2025"]
    );
    let tiny = tiny();
    let o = run(&["compare", &a, &b, "--data", tiny.to_str().unwrap(), "--all"]);
    let out = text(&o);
    for y in ["══ 2024 ══", "══ 2025 ══", "══ 2026 ══"] {
        assert!(out.contains(y), "missing {y}:\n{out}");
    }
    let o = run(&[
        "compare",
        &a,
        &b,
        "--data",
        tiny.to_str().unwrap(),
        "--years",
        "2031",
    ]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(
        out.contains("--years 2031") && out.contains("hint: common years are 2024–2026"),
        "{out}"
    );
}

#[test]
fn csv_is_one_tidy_table_with_named_keys_and_units() {
    let (_dir, a, b) = two_scenarios();
    let tiny = tiny();
    let o = run(&[
        "compare",
        &a,
        &b,
        "--data",
        tiny.to_str().unwrap(),
        "--format",
        "csv",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let mut r = csv::Reader::from_reader(&o.stdout[..]);
    let head: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    for col in [
        "year",
        "metric",
        "country",
        "stage",
        "sector",
        "material",
        "market",
        "unit",
        "a",
        "b",
        "diff",
        "relative_change",
        "changed",
    ] {
        assert!(head.iter().any(|h| h == col), "no column {col}: {head:?}");
    }
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert!(!rows.is_empty());
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    assert!(rows.iter().all(|x| &x[col("changed")] == "true"));
    let score = |x: &csv::StringRecord| x[col("score")].parse::<f64>().unwrap();
    assert!(
        rows.iter().all(|x| score(x) <= score(&rows[0])),
        "largest first"
    );
    assert!(
        rows.iter()
            .all(|x| ["share", "t", "USD/kg"].contains(&&x[col("unit")]))
    );
    let share = rows
        .iter()
        .find(|x| &x[col("metric")] == "share")
        .expect("a share row");
    assert!(!share[col("stage")].is_empty() && !share[col("country")].is_empty());
    // --all: every number of every year, changed or not
    let o = run(&[
        "compare",
        &a,
        &b,
        "--data",
        tiny.to_str().unwrap(),
        "--format",
        "csv",
        "--all",
    ]);
    let all = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        all.lines()
            .any(|l| l.starts_with("2024,") && l.ends_with(",false")),
        "{all}"
    );
}

#[test]
fn no_percentage_from_a_near_zero_base() {
    let (_dir, a, b) = two_scenarios();
    let doc = compare_json_with(&a, &b, &["--json", "--all"]);
    let mut near_zero = 0;
    for y in doc["years"].as_object().unwrap().values() {
        for (_, d) in y["shortfall"].as_object().unwrap() {
            let (x, z) = (f(&d["a"]), f(&d["b"]));
            if x.abs() < 1.0 && z > 10.0 {
                near_zero += 1;
            }
        }
    }
    for r in doc["changes"].as_array().unwrap() {
        let (x, z) = (f(&r["a"]), f(&r["b"]));
        let floor = if r["unit"] == "USD/kg" || r["unit"] == "t" {
            1.0
        } else {
            0.0
        };
        if x.abs() < floor || x.abs() < 0.1 * z.abs() {
            assert!(r["relative_change"].is_null(), "{r}");
            near_zero += 1;
        }
    }
    assert!(
        near_zero > 0,
        "the fixture has a change from a near-zero base"
    );
    let tiny = tiny();
    let o = run(&["compare", &a, &b, "--data", tiny.to_str().unwrap()]);
    let out = text(&o);
    for l in out.lines().filter(|l| l.starts_with("shortfall")) {
        let rel = l.split_whitespace().last().unwrap();
        assert!(rel == "–" || rel.ends_with('%'), "{l}");
        if let Some(p) = rel.strip_suffix('%') {
            let p: f64 = p.parse().unwrap();
            assert!(p.abs() <= 900.0, "no huge percentage: {l}");
        }
    }
}

#[test]
fn scenarios_on_different_datasets_are_a_located_error_unless_allowed() {
    let o = run(&["compare", "baseline", "soybean-trade-war"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(
        out.contains("error[E015]") && out.contains("uses dataset"),
        "{out}"
    );
    assert!(
        out.contains("soybean-trade-war.toml:"),
        "located at B's file: {out}"
    );
    assert!(out.contains("--allow-different-datasets"), "{out}");
    let o = run(&[
        "compare",
        "soybean-trade-war",
        "soybean-trade-war",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = run(&[
        "compare",
        "baseline",
        "soybean-trade-war",
        "--allow-different-datasets",
        "--format",
        "json",
    ]);
    assert_ne!(o.status.code(), Some(2), "allowed: {}", text(&o));
}
