//! Ensembles: byte-identical at any thread count, sampling within the stated ranges,
//! parameters applied where they say.

mod common;

use common::{scenario, tiny};
use lodestone_engine::ensemble::{EnsembleOptions, apply, run_ensemble, sample};

const UNCERTAIN: &str = r#"name = "u"
[horizon]
start = "2024-01"
end = "2025-12"
step = "quarter"

[[uncertainty]]
param = "demand.growth"
dist = "normal"
mean = 1.0
sd = 0.3

[[uncertainty]]
param = "facilities.mag_us.start"
dist = "uniform"
min = 0
max = 12

[[uncertainty]]
param = "disruption"
facility = "mine_cn"
probability = 0.5
dist = "triangular"
min = 1
mode = 2
max = 4
loss = 0.8
"#;

fn ensemble_json(threads: usize) -> String {
    let ds = tiny();
    let sc = scenario(UNCERTAIN);
    let s = run_ensemble(
        &ds,
        &sc,
        &EnsembleOptions {
            runs: 12,
            seed: 7,
            threads,
        },
        &|_| {},
        &mut |_, _, _| {},
    )
    .unwrap();
    assert_eq!(s.runs, 12);
    assert_eq!(s.unbalanced_runs, 0);
    serde_json::to_string(&s).unwrap()
}

#[test]
fn same_seed_same_bytes_at_one_and_two_threads() {
    let one = ensemble_json(1);
    let two = ensemble_json(2);
    assert_eq!(one, two);
    // and a different seed gives a different answer
    let ds = tiny();
    let sc = scenario(UNCERTAIN);
    let other = run_ensemble(
        &ds,
        &sc,
        &EnsembleOptions {
            runs: 12,
            seed: 8,
            threads: 2,
        },
        &|_| {},
        &mut |_, _, _| {},
    )
    .unwrap();
    assert_ne!(one, serde_json::to_string(&other).unwrap());
}

#[test]
fn quantiles_are_ordered_and_parameters_within_range() {
    let ds = tiny();
    let sc = scenario(UNCERTAIN);
    let mut seen = 0;
    let s = run_ensemble(
        &ds,
        &sc,
        &EnsembleOptions {
            runs: 40,
            seed: 1,
            threads: 2,
        },
        &|_| {},
        &mut |i, values, _| {
            assert_eq!(i, seen, "replicates arrive in order");
            seen += 1;
            let start = values
                .iter()
                .find(|(p, _)| p == "facilities.mag_us.start")
                .unwrap()
                .1;
            assert!((0.0..=12.0).contains(&start));
        },
    )
    .unwrap();
    for (year, m) in &s.annual {
        for (k, q) in m {
            assert!(
                q.p10 <= q.p50 + 1e-9 && q.p50 <= q.p90 + 1e-9,
                "{year} {k} {q:?}"
            );
        }
    }
    let g = s.parameters["demand.growth"];
    assert!((g.mean - 1.0).abs() < 0.15, "{g:?}");
    // disruptions happen in some replicates, not all
    let c = s.parameters["disruption.mine_cn.count"];
    assert!(c.mean > 0.3 && c.mean < 1.7, "{c:?}");
}

#[test]
fn sampled_values_change_the_run_where_they_say() {
    let ds = tiny();
    let sc = scenario(UNCERTAIN);
    let (values, extra) = sample(&sc, 99);
    let (d2, s2) = apply(
        &ds,
        &sc,
        &[
            ("facilities.mag_us.start".into(), 5.0),
            ("demand.growth".into(), 2.0),
        ],
        extra.clone(),
    );
    let f = d2.facilities.iter().find(|f| f.id == "mag_us").unwrap();
    assert_eq!(f.start.to_string(), "2025-06");
    assert_eq!(s2.settings["demand_growth_scale"].as_float(), Some(2.0));
    assert_eq!(s2.events.len(), sc.events.len() + extra.len());
    assert_eq!(values.len(), 3);
}
