//! Benchmarks: the baseline run end to end (monthly 2024–2035) and one period's clearing,
//! over every arc and over the working set of arcs.

use criterion::{Criterion, criterion_group, criterion_main};
use lodestone_engine::{clearing, run, summarize};
use lodestone_model::{Dataset, Scenario};
use std::hint::black_box;

fn inputs() -> (Dataset, Scenario) {
    let ds = Dataset::load(&lodestone_data::dataset_files("rare-earths").expect("embedded"))
        .expect("valid dataset");
    let (file, text) = lodestone_data::scenario("baseline").expect("baseline");
    let sc =
        Scenario::parse(&file, &text, &|n| lodestone_data::scenario(n)).expect("valid scenario");
    (ds, sc)
}

fn bench(c: &mut Criterion) {
    let (ds, sc) = inputs();
    let mut g = c.benchmark_group("baseline");
    g.sample_size(10);
    g.bench_function("run_2024_2035_monthly", |b| {
        b.iter(|| summarize(&run(black_box(&ds), black_box(&sc)).expect("runs")))
    });
    g.finish();
    let r = run(&ds, &sc).expect("runs");
    let p = &r.periods[17];
    let prob = clearing::build(&r.network, &p.inputs, &r.settings);
    c.bench_function("clearing/one_period_build", |b| {
        b.iter(|| clearing::build(black_box(&r.network), black_box(&p.inputs), &r.settings))
    });
    c.bench_function("clearing/one_period_solve", |b| {
        b.iter(|| clearing::solve(black_box(&r.network), black_box(&prob), &r.settings))
    });
    // the same period over the working set the earlier periods left (as in a run)
    let mut ws = clearing::WorkingSet::default();
    for q in &r.periods[..17] {
        clearing::clear(&r.network, &q.inputs, &r.settings, &mut ws);
    }
    c.bench_function("clearing/one_period_working_set", |b| {
        b.iter(|| {
            let mut w = ws.clone();
            clearing::clear(
                black_box(&r.network),
                black_box(&p.inputs),
                &r.settings,
                &mut w,
            )
        })
    });
}

mod group {
    #![allow(missing_docs)]
    use super::*;
    criterion_group!(benches, bench);
}
criterion_main!(group::benches);
