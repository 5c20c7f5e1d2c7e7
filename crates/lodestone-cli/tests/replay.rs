//! The 2010–2014 replay (S9, `scenarios/replay-2010-2014.toml` on `rare-earths-2010`):
//! the dataset checks clean, the run balances, and each policy moves what it should —
//! the July 2010 quota cut opens a two-tier gap, the Japan halt stops China → Japan flows,
//! reserve buying raises China's own price, Molycorp's restart lowers prices outside China.
//! Each directional test runs the shipped scenario against a copy without the events in
//! question (monthly tables from `run --out`).

mod common;

use common::{root, run, text};
use std::collections::BTreeMap;
use std::path::Path;

/// The materials under China's export quota (the scenario's `materials` lists).
const QUOTA: [&str; 14] = [
    "la_oxide",
    "ce_oxide",
    "ndpr_oxide",
    "sm_oxide",
    "eu_oxide",
    "gd_oxide",
    "tb_oxide",
    "dy_oxide",
    "y_oxide",
    "ho_lu_oxide",
    "ndpr_metal",
    "dy_metal",
    "tb_metal",
    "sm_metal",
];

fn scenario_text() -> String {
    std::fs::read_to_string(root().join("scenarios/replay-2010-2014.toml")).unwrap()
}

/// The replay's monthly tables: (period, entity, material) → value, for prices (entity:
/// the market) and flows (entity: `EXPORTER->IMPORTER`).
struct Tables {
    prices: BTreeMap<(String, String, String), f64>,
    flows: BTreeMap<(String, String, String), f64>,
}

fn read_table(path: &Path) -> BTreeMap<(String, String, String), f64> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = BTreeMap::new();
    for line in text.lines().skip(1) {
        // period, keys…, material, value, unit
        let f: Vec<&str> = line.split(',').collect();
        let n = f.len();
        let v: f64 = f[n - 2].parse().unwrap();
        let entity = f[1..n - 3].join("->");
        out.insert((f[0].into(), entity, f[n - 3].into()), v);
    }
    out
}

/// Run the replay without the events whose id starts with any of `drop` (none: as
/// shipped) and read its tables.
fn replay_without(drop: &[&str]) -> Tables {
    let mut sc: toml::Table = toml::from_str(&scenario_text()).unwrap();
    let events = sc["events"].as_array().unwrap().clone();
    let kept: Vec<toml::Value> = events
        .into_iter()
        .filter(|e| {
            let id = e.get("id").and_then(|x| x.as_str()).unwrap_or("");
            !drop.iter().any(|d| id.starts_with(d))
        })
        .collect();
    sc.insert("events".into(), toml::Value::Array(kept));
    // a single run does not sample; the dropped events' draws would not resolve
    sc.remove("uncertainty");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("replay.toml");
    std::fs::write(&file, toml::to_string(&sc).unwrap()).unwrap();
    let out = dir.path().join("out");
    let o = run(&[
        "run",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    Tables {
        prices: read_table(&out.join("prices.csv")),
        flows: read_table(&out.join("flows.csv")),
    }
}

fn months(from: &str, to: &str) -> Vec<String> {
    let (fy, fm): (i32, i32) = (from[..4].parse().unwrap(), from[5..].parse().unwrap());
    let (ty, tm): (i32, i32) = (to[..4].parse().unwrap(), to[5..].parse().unwrap());
    let (mut y, mut m) = (fy, fm);
    let mut out = Vec::new();
    while (y, m) <= (ty, tm) {
        out.push(format!("{y}-{m:02}"));
        (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    }
    out
}

/// Mean price of `material` in `market` over the months given (where it has one).
fn mean_price(t: &Tables, market: &str, material: &str, ms: &[String]) -> f64 {
    let v: Vec<f64> = ms
        .iter()
        .filter_map(|p| {
            t.prices
                .get(&(p.clone(), market.into(), material.into()))
                .copied()
        })
        .collect();
    assert!(!v.is_empty(), "no {material} price in {market}");
    v.iter().sum::<f64>() / v.len() as f64
}

/// Tonnes of the quota materials shipped from China to `to` in month `p`.
fn china_exports(t: &Tables, to: &str, p: &str) -> f64 {
    let arc = format!("CN->{to}");
    QUOTA
        .iter()
        .filter_map(|m| t.flows.get(&(p.into(), arc.clone(), (*m).into())))
        .sum()
}

#[test]
fn the_2010_dataset_checks_clean_and_the_replay_balances() {
    let dir = root().join("data/rare-earths-2010");
    let o = run(&["data", "check", "--data", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let o = run(&["run", "replay-2010-2014", "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(s["balance"]["ok"], true, "{}", s["balance"]);
    assert_eq!(s["periods"].as_array().unwrap().len(), 72);
    assert!(
        s["status"].as_object().unwrap().is_empty(),
        "periods not solved to optimality: {}",
        s["status"]
    );
}

#[test]
fn the_july_2010_quota_cut_lifts_prices_outside_china_above_chinas() {
    let with = replay_without(&[]);
    let without = replay_without(&["cn_quota_2010_h2"]);
    let h2 = months("2010-07", "2010-09");
    for m in ["la_oxide", "ce_oxide"] {
        let gap = |t: &Tables| mean_price(t, "EU", m, &h2) - mean_price(t, "CN", m, &h2);
        let (g1, g0) = (gap(&with), gap(&without));
        assert!(
            g1 > 0.0,
            "{m}: EU not above CN after the cut ({g1:.2} USD/kg)"
        );
        assert!(
            g1 > g0 + 0.5,
            "{m}: the cut should widen the EU-CN gap: {g1:.2} vs {g0:.2} USD/kg without it"
        );
    }
}

#[test]
fn the_japan_halt_stops_china_to_japan_flows_while_it_lasts() {
    let t = replay_without(&[]);
    let before = china_exports(&t, "JP", "2010-08");
    assert!(
        before > 100.0,
        "China → Japan before the halt: {before:.0} t"
    );
    for p in ["2010-10", "2010-11"] {
        let during = china_exports(&t, "JP", p);
        assert!(
            during < 0.01 * before,
            "{p}: China → Japan {during:.1} t during the halt vs {before:.0} t in Aug"
        );
    }
    let after = china_exports(&t, "JP", "2011-01");
    assert!(
        after > 0.5 * before,
        "flows resume: {after:.0} t in Jan 2011"
    );
}

#[test]
fn reserve_buying_raises_chinas_domestic_price() {
    let with = replay_without(&[]);
    let without = replay_without(&["cn_reserve", "baotou_support"]);
    let buying = months("2011-07", "2012-12");
    for m in ["dy_oxide", "y_oxide"] {
        let (a, b) = (
            mean_price(&with, "CN", m, &buying),
            mean_price(&without, "CN", m, &buying),
        );
        assert!(
            a > b * 1.001,
            "{m} in China: {a:.2} with reserve buying, {b:.2} without"
        );
    }
    let baotou = months("2011-10", "2012-03");
    let (a, b) = (
        mean_price(&with, "CN", "ndpr_oxide", &baotou),
        mean_price(&without, "CN", "ndpr_oxide", &baotou),
    );
    assert!(
        a > b * 1.001,
        "NdPr oxide in China: {a:.2} with Baotou's buying, {b:.2} without"
    );
}

#[test]
fn molycorps_restart_lowers_prices_outside_china() {
    let with = replay_without(&[]);
    let without = replay_without(&["molycorp_phoenix"]);
    let after = months("2013-01", "2014-12");
    for m in ["la_oxide", "ce_oxide", "ndpr_oxide"] {
        let (a, b) = (
            mean_price(&with, "US", m, &after),
            mean_price(&without, "US", m, &after),
        );
        assert!(a < b, "{m} in the US: {a:.2} with Phoenix, {b:.2} without");
    }
}
