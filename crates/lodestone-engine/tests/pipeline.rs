//! The project pipeline on the tiny fixture with its planned US magnet plant made a
//! `financed` project (probability 0.6, slip 3–9 months): a single run builds 0.6 of it
//! from the central slip; ensemble replicates build it in full or not at all, with the
//! stage's frequency and a slip in the stage's range, the same at any thread count; a
//! scenario that enables it decides it.

mod common;

use common::{files, scenario};
use lodestone_engine::ensemble::{
    EnsembleOptions, apply, replicate_seed, run_ensemble, sample_pipeline,
};
use lodestone_model::Dataset;
use lodestone_model::time::Month;

const SC: &str = "name = \"t\"\n[horizon]\nstart = \"2024-01\"\nend = \"2026-12\"\n";

/// The tiny fixture with `mag_us` a financed pipeline project.
fn pipeline_tiny() -> Dataset {
    let mut f = files("tiny");
    for (name, text) in &mut f.files {
        if name == "facilities.csv" {
            let mut lines: Vec<String> = text.lines().map(|l| format!("{l},")).collect();
            lines[0] = lines[0].replace("source,", "source,development");
            for l in &mut lines {
                if l.starts_with("mag_us,") {
                    l.push_str("financed");
                }
            }
            *text = lines.join("\n") + "\n";
        }
        if name == "sources.csv" {
            text.push_str("t_pipeline,assumption,test pipeline,,,,assumption: range 0-1\n");
        }
    }
    f.files.push((
        "pipeline.csv".into(),
        "id,probability,delay_min,delay_max,source\nfinanced,0.6,3,9,t_pipeline\n".into(),
    ));
    f.files.sort();
    Dataset::load(&f).unwrap_or_else(|e| panic!("{e}"))
}

fn month(s: &str) -> Month {
    Month::parse(s).unwrap()
}

#[test]
fn a_single_run_builds_the_expected_capacity_from_the_central_slip() {
    let ds = pipeline_tiny();
    let f = ds.facility("mag_us").unwrap();
    assert!(f.enabled && f.development.is_some());
    assert_eq!(
        (f.capacity, f.start),
        (1000.0, month("2025-01")),
        "as reported"
    );
    let run = scenario(SC).apply(&ds);
    let f = run.facility("mag_us").unwrap();
    assert!((f.capacity - 600.0).abs() < 1e-9, "{}", f.capacity);
    assert_eq!(f.start, month("2025-07"), "the middle of 3..9 months");
    // the plain fixture (no pipeline) is untouched
    let plain = scenario(SC).apply(&common::tiny());
    assert_eq!(plain.facility("mag_us").unwrap().capacity, 1000.0);
}

#[test]
fn replicates_complete_with_the_stages_probability_and_slip_in_its_range() {
    let (ds, sc) = (pipeline_tiny(), scenario(SC));
    let n = 2000;
    let mut built = 0;
    let mut delays = [0usize; 13];
    for i in 0..n {
        let values = sample_pipeline(&ds, replicate_seed(11, i));
        assert_eq!(values.len(), 2, "{values:?}");
        let (d, s) = apply(&ds, &sc, &values, Vec::new());
        let f = s.apply(&d).facility("mag_us").unwrap().clone();
        if f.enabled {
            built += 1;
            assert_eq!(f.capacity, 1000.0, "in full");
            let delay = f.start.months_since(month("2025-01"));
            assert!((3..=9).contains(&delay), "{delay}");
            delays[delay as usize] += 1;
        }
    }
    // binomial sd of the frequency: sqrt(0.6 × 0.4 / 2000) ≈ 0.011; 3.5 sd
    let freq = f64::from(built) / n as f64;
    assert!((freq - 0.6).abs() < 0.04, "completion frequency {freq}");
    assert!(
        (3..=9).all(|k| delays[k] > 0),
        "every slip in the range drawn: {delays:?}"
    );
    // the same seed draws the same
    assert_eq!(
        sample_pipeline(&ds, replicate_seed(11, 5)),
        sample_pipeline(&ds, replicate_seed(11, 5))
    );
}

#[test]
fn an_ensemble_reports_the_draws_and_is_the_same_at_any_thread_count() {
    let (ds, sc) = (pipeline_tiny(), scenario(SC));
    let go = |threads| {
        let opts = EnsembleOptions {
            runs: 12,
            seed: 3,
            threads,
        };
        run_ensemble(&ds, &sc, &opts, &|_| {}, &mut |_, _, _| {}).unwrap()
    };
    let (one, two) = (go(1), go(2));
    let completes = &one.parameters["pipeline.mag_us.completes"];
    assert!(
        completes.mean > 0.0 && completes.mean < 1.0,
        "{completes:?}"
    );
    assert_eq!(
        serde_json::to_string(&one).unwrap(),
        serde_json::to_string(&two).unwrap()
    );
}

#[test]
fn a_scenario_that_enables_a_pipeline_project_decides_it() {
    let ds = pipeline_tiny();
    let sc = scenario(&format!(
        "{SC}[[events]]\ntype = \"capacity\"\nfacility = \"mag_us\"\nstart = \"2025-03\"\nenable = true\n"
    ));
    // even a replicate that drew 'not built'
    let values = vec![("pipeline.mag_us.completes".to_string(), 0.0)];
    let (d, s) = apply(&ds, &sc, &values, Vec::new());
    let f = s.apply(&d).facility("mag_us").unwrap().clone();
    assert!(f.enabled && f.development.is_none());
    assert_eq!((f.capacity, f.start), (1000.0, month("2025-03")));
}
