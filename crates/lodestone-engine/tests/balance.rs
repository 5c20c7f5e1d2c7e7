//! Mass balance as an executable invariant: random networks conserve mass, and a tampered
//! solution must fail the check.

mod common;

use common::{files, scenario, tiny};
use lodestone_engine::clearing::residuals;
use lodestone_engine::run;
use lodestone_model::{Dataset, DatasetFiles};
use proptest::prelude::*;

const YEAR: &str = "name = \"t\"\n[horizon]\nstart = \"2024-01\"\nend = \"2024-06\"\n";

#[test]
fn a_tampered_solution_fails_the_balance_check() {
    let r = run(&tiny(), &scenario(YEAR)).unwrap();
    let p = &r.periods[0];
    let ok = residuals(&r.network, &p.inputs, &p.clearing);
    assert!(ok.iter().all(|(e, s)| e.abs() <= 1e-6 * s.max(1.0)));
    // move 1 t of flow without moving it anywhere: the check must see it
    let mut bad = p.clearing.clone();
    let arc = bad.flow.iter().position(|f| *f > 10.0).expect("some trade");
    bad.flow[arc] += 1.0;
    let res = residuals(&r.network, &p.inputs, &bad);
    let worst = res.iter().map(|(e, _)| e.abs()).fold(0.0, f64::max);
    assert!((worst - 1.0).abs() < 1e-6, "worst residual {worst}");
    // and a consumption that exceeds what arrived
    let mut bad = p.clearing.clone();
    bad.consumption[0] *= 1.01;
    let res = residuals(&r.network, &p.inputs, &bad);
    assert!(res.iter().any(|(e, s)| e.abs() > 1e-6 * s.max(1.0)));
}

/// The tiny fixture with its numbers replaced by generated ones.
fn random_tiny(caps: &[f64], demands: &[f64], costs: &[f64], stock: f64) -> Dataset {
    let mut f: DatasetFiles = files("tiny");
    for (name, text) in f.files.iter_mut() {
        match name.as_str() {
            "facilities.csv" => {
                let mut out = String::new();
                for (i, line) in text.lines().enumerate() {
                    if i == 0 {
                        out.push_str(line);
                    } else {
                        let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
                        cells[7] = format!("{}", caps[(i - 1) % caps.len()]);
                        cells[13] = format!("{}", costs[(i - 1) % costs.len()]);
                        out.push_str(&cells.join(","));
                    }
                    out.push('\n');
                }
                *text = out;
            }
            "demand.csv" => {
                let mut out = String::new();
                for (i, line) in text.lines().enumerate() {
                    if i == 0 {
                        out.push_str(line);
                    } else {
                        let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
                        cells[4] = format!("{}", demands[(i - 1) % demands.len()]);
                        out.push_str(&cells.join(","));
                    }
                    out.push('\n');
                }
                *text = out;
            }
            "stocks.csv" => {
                *text = format!(
                    "country,material,kind,quantity,target,source\nJP,magnet,commercial,{stock},{stock},t_fixture\nCN,nd_oxide,strategic,{stock},{stock},t_fixture\n"
                )
            }
            _ => {}
        }
    }
    Dataset::load(&f).unwrap_or_else(|e| panic!("{e}"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]
    #[test]
    fn random_networks_conserve_mass(
        caps in proptest::collection::vec(0.0f64..50_000.0, 7),
        demands in proptest::collection::vec(0.0f64..20_000.0, 5),
        costs in proptest::collection::vec(0.0f64..20_000.0, 7),
        stock in 0.0f64..5_000.0,
    ) {
        let ds = random_tiny(&caps, &demands, &costs, stock);
        let r = run(&ds, &scenario(YEAR)).unwrap();
        prop_assert!(r.balance.ok, "{:?}", r.balance);
        for p in &r.periods {
            prop_assert!(p.clearing.status != lodestone_engine::ClearingStatus::Failed, "{}", p.clearing.solver_status);
            // capacity respected
            for (fi, acts) in r.network.facility_activities.iter().enumerate() {
                let used: f64 = acts.iter().map(|&k| p.clearing.activity[k]).sum();
                prop_assert!(used <= p.inputs.capacity[fi] * (1.0 + 1e-6) + 1e-6);
            }
            // nobody consumes more than the demand curve takes at a zero price, and more
            // than the base demand only below the anchor (reference) price
            for (d, dem) in p.inputs.demand.iter().enumerate() {
                let dv = &r.network.demands[d];
                let c = p.clearing.consumption[d];
                prop_assert!(c <= dem * (1.0 + dv.elasticity) * (1.0 + 1e-6) + 1e-6);
                if c > dem * (1.0 + 1e-4) + 1e-3 {
                    prop_assert!(p.clearing.price[dv.node] < dv.price * (1.0 + 1e-4), "{} > {}", p.clearing.price[dv.node], dv.price);
                }
            }
        }
    }
}
