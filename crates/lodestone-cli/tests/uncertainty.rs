//! Every shipped scenario has something to sample, so `lodestone ensemble` on it is not N
//! copies of one run; and the soybean ensemble (the fastest) shows spread in its headline,
//! the US share of China's soybean imports.

mod common;

use common::{root, run, shipped_scenarios};
use lodestone_model::Scenario;
use serde_json::Value;
use std::process::Command;

/// `scenarios/<name>.toml` parsed as the binary does, `extends` resolved beside the file.
fn parse(name: &str) -> Scenario {
    let dir = root().join("scenarios");
    let read = |n: &str| {
        let p = dir.join(format!("{n}.toml"));
        std::fs::read_to_string(&p)
            .ok()
            .map(|t| (p.display().to_string(), t))
    };
    let (file, text) = read(name).unwrap_or_else(|| panic!("scenarios/{name}.toml"));
    Scenario::parse(&file, &text, &read).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn every_shipped_scenario_declares_or_inherits_uncertainty() {
    let names = shipped_scenarios();
    assert!(names.len() >= 9, "{names:?}");
    let mut none = Vec::new();
    for n in &names {
        let sc = parse(n);
        if sc.uncertainty.is_empty() {
            none.push(n.clone());
        }
        // every entry says where its range comes from: a source, a note, or both
        for u in &sc.uncertainty {
            assert!(
                u.source.is_some() || u.note.is_some(),
                "{n}: [[uncertainty]] `{}` has neither `source` nor `note`",
                u.param
            );
        }
    }
    assert!(
        none.is_empty(),
        "no [[uncertainty]] declared or inherited (an ensemble would repeat one run): {none:?}"
    );
}

#[test]
fn soybean_ensemble_spreads_the_us_share_of_china_imports() {
    let o = Command::new(env!("CARGO_BIN_EXE_lodestone"))
        .args([
            "ensemble",
            "soybean-trade-war",
            "--runs",
            "6",
            "--seed",
            "1",
            "--threads",
            "2",
            "--json",
        ])
        .output()
        .expect("binary runs");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert!(
        !stderr.contains("every replicate is the same run"),
        "{stderr}"
    );
    let s: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(s["runs"], 6);
    assert_eq!(s["unbalanced_runs"], 0);
    let mut spread = Vec::new();
    for (year, m) in s["annual"].as_object().unwrap() {
        let q = &m["import_share.CN.US.soybeans"];
        let (p10, p90) = (q["p10"].as_f64().unwrap(), q["p90"].as_f64().unwrap());
        assert!((0.0..=1.0).contains(&p10) && p10 <= p90, "{year}: {q}");
        if p90 - p10 > 0.01 {
            spread.push(year.clone());
        }
    }
    assert!(
        spread.len() >= 3,
        "the US share of China's imports should vary across replicates in several years: {spread:?}"
    );
    // every sampled parameter is reported, and the ones with a range vary
    let params = s["parameters"].as_object().unwrap();
    for p in [
        "facilities.br_soy_farms.capacity",
        "sectors.crush.elasticity",
        "routes.*.*.*.cost",
        "events.cn_us_2025_04.rate",
    ] {
        let q = &params[p];
        assert!(q["p10"].as_f64() < q["p90"].as_f64(), "{p}: {q}");
    }
}

/// A replicate that fails the mass-balance check fails the command (exit 1), in the
/// table and the JSON form alike; the JSON counts them. A tolerance no solver meets
/// makes every replicate fail.
#[test]
fn unbalanced_replicates_fail_the_ensemble_with_and_without_json() {
    let dir = tempfile::tempdir().unwrap();
    let sc = dir.path().join("strict.toml");
    std::fs::write(
        &sc,
        "name = \"strict\"\nextends = \"baseline\"\n[horizon]\nstart = \"2024-01\"\nend = \"2024-03\"\nstep = \"month\"\n[settings]\nbalance_tolerance = 1e-12\n[[uncertainty]]\nparam = \"demand.growth\"\ndist = \"uniform\"\nmin = 0.9\nmax = 1.1\nnote = \"test range\"\n",
    )
    .unwrap();
    let base = [
        "ensemble",
        sc.to_str().unwrap(),
        "--runs",
        "3",
        "--seed",
        "1",
    ];
    let o = run(&base);
    assert_eq!(o.status.code(), Some(1), "{}", common::text(&o));
    let mut with_json = base.to_vec();
    with_json.push("--json");
    let o = run(&with_json);
    assert_eq!(o.status.code(), Some(1), "{}", common::text(&o));
    let s: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(s["unbalanced_runs"], 3);
}

#[test]
fn zero_runs_or_threads_are_usage_errors() {
    for (flag, value) in [("--runs", "0"), ("--threads", "0")] {
        let mut args = vec!["ensemble", "baseline", "--runs", "2", "--step", "year"];
        if flag == "--runs" {
            args[3] = value;
        } else {
            args.extend([flag, value]);
        }
        let o = run(&args);
        assert_eq!(
            o.status.code(),
            Some(2),
            "{flag} {value}: {}",
            common::text(&o)
        );
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(&format!("{flag} must be at least 1")), "{err}");
    }
}
