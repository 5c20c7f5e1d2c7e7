//! `lodestone compare` on the real binary, with the tiny fixture dataset and two temp
//! scenarios (one with a disruption of China's mine).

mod common;

use common::{run, text, tiny, two_scenarios};
use serde_json::Value;

fn compare_json(a: &str, b: &str) -> Value {
    let o = run(&[
        "compare",
        a,
        b,
        "--data",
        tiny().to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", text(&o)))
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

#[test]
fn compare_json_reports_first_middle_last_years_with_a_b_diff() {
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
    let o = run(&["compare", &a, &b, "--data", tiny().to_str().unwrap()]);
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
