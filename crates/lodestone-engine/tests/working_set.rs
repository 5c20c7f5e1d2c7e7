//! The working set of arcs changes how a period is solved, not its answer: every period of
//! a run solved over a working set has the objective of the full problem for its inputs.

use lodestone_engine::clearing::{build, objective, solution_vector, solve};
use lodestone_model::dataset::Dataset;
use lodestone_model::scenario::Scenario;

#[test]
fn working_set_periods_reach_the_full_problems_optimum() {
    let ds = Dataset::load(&lodestone_data::dataset_files("rare-earths").expect("embedded"))
        .expect("loads");
    let text = "name = \"ws\"\nextends = \"baseline\"\n[horizon]\nstart = \"2024-01\"\nend = \"2026-12\"\nstep = \"month\"\n";
    let sc = Scenario::parse("ws.toml", text, &|n| lodestone_data::scenario(n)).expect("parses");
    let r = lodestone_engine::run(&ds, &sc).expect("runs");
    assert!(r.settings.working_set);
    assert!(
        r.stats.mean_variables < 0.9 * r.stats.variables as f64,
        "{:?}",
        r.stats
    );
    for p in &r.periods {
        let full = build(&r.network, &p.inputs, &r.settings);
        let ours = objective(&full, &solution_vector(&r.network, &p.inputs, &p.clearing));
        let c = solve(&r.network, &full, &r.settings);
        let best = objective(&full, &solution_vector(&r.network, &p.inputs, &c));
        let rel = (ours - best).abs() / best.abs().max(1.0);
        eprintln!(
            "{} ours {ours:.9e} full {best:.9e} rel {rel:.2e}",
            p.period.label()
        );
        assert!(rel < 1e-6, "{}: {ours} vs {best}", p.period.label());
    }
}
