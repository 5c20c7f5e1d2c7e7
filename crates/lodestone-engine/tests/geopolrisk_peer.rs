//! Peer tests of GeoPolRisk against its reference implementation, geopolrisk-py 2.0.1.
//!
//! 1. Same inputs: `tests/fixtures/geopolrisk_peer.json` holds the inputs of every
//!    GeoPolRisk row of the 2024 baseline year (`fixtures/peer-2024.toml`; both conventions)
//!    and the package's own results on them, written by `tools/geopolrisk_peer.py`; Lodestone's
//!    formula functions must agree within 1e-4. The same file holds the package's normalised
//!    WGI for every country and year of `governance.csv`.
//! 2. Own data: Lodestone's `reference` convention for 2024 against the package's scores on
//!    its own data (World Mining Data, BACI, WGI), with the remainder explained.

use lodestone_engine::indices::{characterisation_factor, hhi, import_risk, shares};
use lodestone_model::{Dataset, Scenario};
use serde_json::Value;
use std::collections::BTreeMap;

const TOL: f64 = 1e-4;

fn fixture() -> Value {
    serde_json::from_str(include_str!("fixtures/geopolrisk_peer.json")).expect("fixture")
}

fn f(v: &Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} missing in {v}"))
}

/// Lodestone's HHI, import risk, score and CF on one fixture pair's inputs.
fn lodestone_on(pair: &Value) -> (f64, f64, f64, f64) {
    let prod: Vec<f64> = pair["production_by_country"]
        .as_object()
        .expect("production")
        .values()
        .map(|v| v.as_f64().expect("t"))
        .collect();
    let h = hhi(&shares(&prod));
    let list: Vec<(f64, Option<f64>)> = pair["suppliers"]
        .as_object()
        .expect("suppliers")
        .values()
        .map(|s| (f(s, "t"), Some(f(s, "g"))))
        .collect();
    let risk = import_risk(f(pair, "production"), &list).expect("import risk");
    let score = h * risk;
    (
        h,
        risk,
        score,
        characterisation_factor(score, f(pair, "price")),
    )
}

#[test]
fn same_inputs_as_geopolrisk_py_same_scores() {
    let fx = fixture();
    let pairs = fx["pairs"].as_array().expect("pairs");
    assert!(pairs.len() >= 40, "{} pairs", pairs.len());
    let mut by_convention: BTreeMap<&str, usize> = BTreeMap::new();
    let mut worst: f64 = 0.0;
    for p in pairs {
        let (h, risk, score, cf) = lodestone_on(p);
        let pkg = &p["package"];
        let what = format!("{} {} {}", p["market"], p["convention"], p["stage"]);
        for (name, ours, theirs) in [
            ("hhi", h, f(pkg, "hhi")),
            ("import risk", risk, f(pkg, "import_risk")),
            ("score", score, f(pkg, "score")),
        ] {
            assert!(
                (ours - theirs).abs() <= TOL,
                "{what} {name}: {ours} vs {theirs}"
            );
            worst = worst.max((ours - theirs).abs());
        }
        // the characterisation factor is price × score / 0.4094: compare relatively
        let cf_pkg = f(pkg, "cf");
        assert!(
            (cf - cf_pkg).abs() <= TOL * cf_pkg.abs().max(1.0),
            "{what} cf: {cf} vs {cf_pkg}"
        );
        *by_convention
            .entry(p["convention"].as_str().expect("convention"))
            .or_default() += 1;
    }
    assert!(
        by_convention["stage"] >= 30 && by_convention["reference"] >= 8,
        "{by_convention:?}"
    );
    assert!(worst <= TOL, "largest difference {worst}");
}

#[test]
fn governance_normalised_as_the_package() {
    let ds = Dataset::load(&lodestone_data::dataset_files("rare-earths").expect("embedded"))
        .unwrap_or_else(|e| panic!("{e}"));
    let rows = fixture()["governance"]
        .as_array()
        .expect("governance")
        .clone();
    assert!(rows.len() >= 22 * 16, "{} rows", rows.len());
    for r in &rows {
        let (c, y) = (
            r["country"].as_str().expect("country"),
            r["year"].as_i64().expect("year"),
        );
        let ours = ds
            .governance_of(c, y as i32)
            .unwrap_or_else(|| panic!("no governance for {c} {y}"))
            .geopolrisk_g();
        let theirs = f(r, "g_package");
        assert!((ours - theirs).abs() <= TOL, "{c} {y}: {ours} vs {theirs}");
    }
}

/// The package's 2024 rare-earth results on its own data (geopolrisk-py 2.0.1:
/// `aggregateTrade`, `HHI`, `GeoPolRisk`; EU = its 27-member region with trade between
/// members left out): score, import risk (WTA), mine output p, imports F, t.
const PACKAGE_2024: [(&str, f64, f64, f64, f64); 4] = [
    ("JP", 0.251_857, 0.518_060, 0.0, 24_149.06),
    ("EU", 0.259_682, 0.534_154, 0.0, 14_581.49),
    ("KR", 0.248_824, 0.511_819, 0.0, 2_961.44),
    ("US", 0.057_036, 0.117_321, 45_493.0, 13_830.74),
];
/// HHI of world mine output 2024 in the package's World Mining Data.
const PACKAGE_HHI_2024: f64 = 0.486_155;

#[test]
fn reference_convention_2024_near_the_package_on_its_own_data() {
    let ds = Dataset::load(&lodestone_data::dataset_files("rare-earths").expect("embedded"))
        .unwrap_or_else(|e| panic!("{e}"));
    let text = include_str!("fixtures/peer-2024.toml");
    let sc = Scenario::parse("peer-2024.toml", text, &|n| lodestone_data::scenario(n))
        .unwrap_or_else(|e| panic!("{e}"));
    let r = lodestone_engine::run(&ds, &sc).unwrap_or_else(|e| panic!("{e}"));
    let s = lodestone_engine::summarize(&r);
    let ix = &s.annual["2024"].indices;
    for (m, score, wta, p, imports) in PACKAGE_2024 {
        let g = &ix.geopolrisk_reference[m];
        let ours = g.score.expect("score");
        let rel = ours / score - 1.0;
        // explained remainder: Lodestone's HHI and supplier mix on the package's p and F
        let f_total: f64 = g.suppliers.values().map(|x| x.t).sum();
        let mean_g = g.import_risk.expect("risk") * (g.production + f_total) / f_total;
        let on_package_flows = g.hhi * mean_g * imports / (p + imports);
        let pkg_mean_g = wta * (p + imports) / imports;
        if m == "US" {
            // US flows do not reconcile yet (simulated 3.5 kt of compound and metal
            // imports against BACI's 13.8 kt, #22 item 5): the gap is the import share,
            // not the formula, governance or HHI
            assert!(rel < -0.5, "US {ours} vs {score}");
        } else {
            assert!(
                rel.abs() <= 0.05,
                "{m}: {ours:.4} vs {score:.4} ({:+.1}%)",
                100.0 * rel
            );
        }
        // the targets: 5% for JP, EU, KR; 20% for the US once its flows reconcile
        let tol = if m == "US" { 0.20 } else { 0.05 };
        eprintln!(
            "{m}: {ours:.4} vs {score:.4} ({:+.1}%); on the package's p and F {on_package_flows:.4}; \
             mean g {mean_g:.4} vs {pkg_mean_g:.4}",
            100.0 * rel
        );
        assert!(
            (on_package_flows / score - 1.0).abs() <= tol,
            "{m}: on the package's p and F {on_package_flows:.4} vs {score:.4}"
        );
        assert!(
            (mean_g - pkg_mean_g).abs() <= 0.03,
            "{m}: mean g {mean_g} vs {pkg_mean_g}"
        );
        assert!(
            (g.hhi / PACKAGE_HHI_2024 - 1.0).abs() <= 0.02,
            "{m}: HHI {}",
            g.hhi
        );
    }
}
