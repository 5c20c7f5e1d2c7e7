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
note = "test range"

[[uncertainty]]
param = "facilities.mag_us.start"
dist = "uniform"
min = 0
max = 12
note = "test range"

[[uncertainty]]
param = "disruption"
facility = "mine_cn"
probability = 0.5
dist = "triangular"
min = 1
mode = 2
max = 4
loss = 0.8
note = "test range"
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
fn shards_merge_to_the_local_ensemble_whatever_the_sharding() {
    use lodestone_engine::ensemble::{checkpoints, run_range, shard};
    let ds = tiny();
    let sc = scenario(UNCERTAIN);
    let local = ensemble_json(2);
    for cuts in [vec![0, 12], vec![0, 5, 12], vec![0, 1, 2, 3, 5, 8, 11, 12]] {
        let blobs: Vec<Vec<u8>> = cuts
            .windows(2)
            .map(|w| {
                let replicates = run_range(&ds, &sc, 7, w[0]..w[1], 1, &|_| {}).unwrap();
                let sh = shard::Shard {
                    scenario: sc.name.clone(),
                    dataset: ds.name.clone(),
                    step: lodestone_engine::ensemble::step_name(&sc).to_string(),
                    seed: 7,
                    start: w[0],
                    checkpoints: checkpoints(&sc),
                    replicates,
                };
                let bytes = sh.to_bytes();
                assert_eq!(shard::Shard::from_bytes(&bytes).unwrap(), sh);
                bytes
            })
            .collect();
        let merged = shard::merge(blobs.iter().map(Vec::as_slice), &mut |_| {}).unwrap();
        assert_eq!(
            serde_json::to_string(&merged).unwrap(),
            local,
            "cuts {cuts:?}"
        );
        // one shard at a time (a driver merging shards as they arrive): the same bytes;
        // a shard pushed ahead of its turn is refused and leaves the merger as it was
        let mut m = shard::Merger::new();
        let mut seen = Vec::new();
        for (k, b) in blobs.iter().enumerate() {
            if let Some(ahead) = blobs.get(k + 1) {
                let e = m.push(ahead, &mut |_| {}).unwrap_err();
                assert!(matches!(e, shard::ShardError::Gap { .. }), "{e}");
            }
            assert_eq!(m.count(), cuts[k]);
            m.push(b, &mut |r| seen.push(r.index)).unwrap();
        }
        assert_eq!(m.shards(), blobs.len());
        assert_eq!(seen, (0..12).collect::<Vec<_>>());
        assert_eq!(serde_json::to_string(&m.finish().unwrap()).unwrap(), local);
        // out of order, cut short or foreign bytes: an error, never a panic
        if blobs.len() > 1 {
            let swapped = [blobs[1].as_slice(), blobs[0].as_slice()];
            let e = shard::merge(swapped, &mut |_| {}).unwrap_err();
            assert!(matches!(e, shard::ShardError::Gap { .. }), "{e}");
        }
        for n in [0, 3, 40, blobs[0].len() - 1] {
            assert!(shard::Shard::from_bytes(&blobs[0][..n]).is_err());
        }
        assert!(shard::merge([b"garbage".as_slice()], &mut |_| {}).is_err());
    }
    assert_eq!(
        shard::merge(std::iter::empty(), &mut |_| {}).unwrap_err(),
        shard::ShardError::Empty
    );
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

const PATHS: &str = r#"name = "paths"
[horizon]
start = "2024-01"
end = "2025-12"
step = "quarter"

[overrides.facilities.mag_us]
start = "2025-06"

[[events]]
type = "investment"
id = "mine_a"
programme = "AU mine"
amount = 100000000
currency = "USD"
country = "AU"
stage = "mining"
facility = "mine_au"
capacity = 600
start = "2024-01"
lead_time_months = 6
delay_probability = 0.5

[[events]]
type = "investment"
id = "sep_a"
programme = "JP separator"
amount = 100000000
currency = "USD"
country = "JP"
stage = "separation"
facility = "sep_jp"
capacity = 600
start = "2024-01"
lead_time_months = 9
delay_probability = 0.5

[[events]]
type = "tariff"
id = "duty"
importer = "US"
exporter = "CN"
rate = 0.25
start = "2024-04"
end = "2024-09"

# one cause, two projects: both slip or neither
[[uncertainty]]
param = "events.mine_a.delay_probability"
also = ["events.sep_a.delay_probability"]
dist = "bernoulli"
p = 0.5
note = "test range"

[[uncertainty]]
param = "events.duty.end"
dist = "uniform"
min = -2
max = 6
note = "test range"

[[uncertainty]]
param = "facilities.mag_us.start"
dist = "uniform"
min = 0
max = 6
note = "test range"
"#;

#[test]
fn also_shares_the_draw_end_shifts_and_overrides_take_the_sample() {
    let ds = tiny();
    let sc = scenario(PATHS);
    assert!(sc.validate(&ds).is_empty(), "{}", sc.validate(&ds));
    for seed in 0..20 {
        let (values, _) = sample(&sc, seed);
        let get = |p: &str| values.iter().find(|(k, _)| k == p).unwrap().1;
        let a = get("events.mine_a.delay_probability");
        assert!(a == 0.0 || a == 1.0, "{a}");
        assert_eq!(a, get("events.sep_a.delay_probability"));
    }
    let (_, s2) = apply(
        &ds,
        &sc,
        &[("events.sep_a.delay_probability".into(), 1.0)],
        vec![],
    );
    let sep = serde_json::to_value(&s2.events[s2.event_index("sep_a").unwrap()].event).unwrap();
    assert_eq!(sep["delay_probability"], 1.0);
    // the end moves by whole months, and never before the start
    let end = |v: f64| {
        let (_, s2) = apply(&ds, &sc, &[("events.duty.end".into(), v)], vec![]);
        let e = serde_json::to_value(&s2.events[s2.event_index("duty").unwrap()].event).unwrap();
        e["end"].as_str().unwrap().to_string()
    };
    assert_eq!(end(3.0), "2024-12");
    assert_eq!(end(-12.0), "2024-04");
    // the scenario's own override of the start is shifted too (it is applied after)
    let (d2, s2) = apply(&ds, &sc, &[("facilities.mag_us.start".into(), 3.0)], vec![]);
    let f = s2.apply(&d2);
    let f = f.facilities.iter().find(|f| f.id == "mag_us").unwrap();
    assert_eq!(f.start.to_string(), "2025-09");
    // a route's cost and a facility's unit cost are values
    let (d2, _) = apply(
        &ds,
        &sc,
        &[
            ("routes.*.CN.kind:concentrate.cost".into(), 55.0),
            ("facilities.mine_au.unit_cost".into(), 2500.0),
        ],
        vec![],
    );
    let r = d2.routes.iter().find(|r| r.to == "CN").unwrap();
    assert_eq!(r.cost, 55.0);
    assert_eq!(d2.routes.iter().find(|r| r.to == "*").unwrap().cost, 200.0);
    let f = d2.facilities.iter().find(|f| f.id == "mine_au").unwrap();
    assert_eq!(f.unit_cost, 2500.0);
    // and an ensemble of it runs, with the shared draw reported under both paths
    let s = run_ensemble(
        &ds,
        &sc,
        &EnsembleOptions {
            runs: 6,
            seed: 3,
            threads: 1,
        },
        &|_| {},
        &mut |_, _, _| {},
    )
    .unwrap();
    assert_eq!(
        s.parameters["events.mine_a.delay_probability"],
        s.parameters["events.sep_a.delay_probability"]
    );
}

#[test]
fn uncertainty_paths_are_checked_against_event_dates_and_ids() {
    let ds = tiny();
    let bad = |from: &str, to: &str| {
        let sc = scenario(&PATHS.replace(from, to));
        sc.validate(&ds).to_string()
    };
    // a start shift that can pass the end
    let e = bad(
        "param = \"events.duty.end\"\ndist = \"uniform\"\nmin = -2\nmax = 6",
        "param = \"events.duty.start\"\ndist = \"uniform\"\nmin = 0\nmax = 6",
    );
    assert!(
        e.contains("moves `start` past the event's end (2024-09)"),
        "{e}"
    );
    // an end shift that can precede the start
    let e = bad("min = -2\nmax = 6", "min = -9\nmax = 6");
    assert!(
        e.contains("moves `end` before the event's start (2024-04)"),
        "{e}"
    );
    // `also` is checked like `param`
    let e = bad(
        "events.sep_a.delay_probability\"]",
        "events.sep_b.delay_probability\"]",
    );
    assert!(e.contains("no event `sep_b`"), "{e}");
    // a route path names a row of routes.csv as written there
    let e = bad(
        "param = \"facilities.mag_us.start\"",
        "param = \"routes.*.JP.*.cost\"",
    );
    assert!(e.contains("no such row in routes.csv"), "{e}");
    // ids are unique; an investment's id is not suspendable
    let e = bad("id = \"sep_a\"", "id = \"mine_a\"");
    assert!(e.contains("event id `mine_a` is used twice"), "{e}");
    let sc = scenario(&format!(
        "{PATHS}\n[[events]]\ntype = \"suspend\"\nevent = \"mine_a\"\nstart = \"2024-06\"\n"
    ));
    let e = sc.validate(&ds).to_string();
    assert!(
        e.contains("`mine_a` is an `investment` event, which cannot be suspended"),
        "{e}"
    );
}

#[test]
fn trade_shares_from_the_supplier_are_aggregated() {
    let ds = tiny();
    let sc = scenario(UNCERTAIN);
    let s = run_ensemble(
        &ds,
        &sc,
        &EnsembleOptions {
            runs: 4,
            seed: 1,
            threads: 1,
        },
        &|_| {},
        &mut |_, _, _| {},
    )
    .unwrap();
    let shares: Vec<_> = s.annual["2024"]
        .iter()
        .filter(|(k, _)| k.starts_with("import_share."))
        .collect();
    assert!(!shares.is_empty(), "{:?}", s.annual["2024"].keys());
    for (k, q) in shares {
        assert!(k.split('.').nth(2) == Some("CN"), "{k}");
        assert!((0.0..=1.0 + 1e-9).contains(&q.p50), "{k} {q:?}");
    }
}
