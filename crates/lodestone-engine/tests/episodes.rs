//! Export taxes and price episodes on the tiny fixture: a tariff with `importer = "*"` taxes
//! every route out of its exporter (and nothing into it), and an episode's base, peak and
//! multiple are those of the run's own monthly prices.

mod common;

use common::{scenario, tiny};
use lodestone_engine::episodes::{BASE_MONTHS, episodes};
use lodestone_engine::{RunResult, run};

const HEADER: &str = "name = \"t\"\ndataset = \"tiny\"\n[horizon]\nstart = \"2024-01\"\nend = \"2025-12\"\nstep = \"month\"\n";

fn run_with(events: &str) -> RunResult {
    run(&tiny(), &scenario(&format!("{HEADER}{events}"))).unwrap_or_else(|e| panic!("{e}"))
}

/// Mean price of `material` in `market` over the run's 2025 months.
fn price_2025(r: &RunResult, market: &str, material: &str) -> f64 {
    let node = (r.network.nodes.iter())
        .position(|n| {
            r.network.markets[n.market] == market && r.network.materials[n.material] == material
        })
        .unwrap();
    let v: Vec<f64> = (r.periods.iter())
        .filter(|p| p.period.start.year() == 2025)
        .map(|p| p.clearing.price[node])
        .collect();
    v.iter().sum::<f64>() / v.len() as f64
}

#[test]
fn an_export_tax_widens_the_gap_between_the_exporter_and_everyone_else() {
    let free = run_with("");
    let taxed = run_with(
        "[[events]]\ntype = \"tariff\"\nimporter = \"*\"\nexporter = \"CN\"\nmaterials = [\"magnet\"]\nrate = 0.5\nstart = \"2025-01\"\n",
    );
    let gap = |r: &RunResult| price_2025(r, "US", "magnet") - price_2025(r, "CN", "magnet");
    assert!(
        gap(&taxed) > gap(&free) + 1.0,
        "US-CN magnet gap: {:.2} taxed vs {:.2} free (USD/kg)",
        gap(&taxed),
        gap(&free)
    );
}

#[test]
fn a_tax_on_all_trade_of_all_countries_is_refused() {
    let sc = scenario(&format!(
        "{HEADER}[[events]]\ntype = \"tariff\"\nimporter = \"*\"\nexporter = \"*\"\nrate = 0.1\nstart = \"2025-01\"\n"
    ));
    let d = sc.validate(&tiny()).to_string();
    assert!(d.contains("importer and exporter are both"), "{d}");
}

#[test]
fn an_episode_is_the_runs_own_base_peak_and_multiple() {
    let r = run_with(
        "[[events]]\ntype = \"disruption\"\nfacility = \"mine_cn\"\nstart = \"2025-03\"\nend = \"2025-08\"\nloss = 0.8\n",
    );
    let all = episodes(&r);
    let e = &all["magnet"]["US"];
    let node = (r.network.nodes.iter())
        .position(|n| {
            r.network.markets[n.market] == "US" && r.network.materials[n.material] == "magnet"
        })
        .unwrap();
    let prices: Vec<f64> = r.periods.iter().map(|p| p.clearing.price[node]).collect();
    let base = prices[..BASE_MONTHS as usize].iter().sum::<f64>() / f64::from(BASE_MONTHS);
    let (peak_i, peak) = (prices.iter().copied().enumerate())
        .fold((0, f64::MIN), |b, (i, x)| if x > b.1 { (i, x) } else { b });
    assert!(
        (e.base - base).abs() < 1e-9 * base.abs().max(1.0),
        "{} vs {base}",
        e.base
    );
    assert_eq!((e.peak_index, e.peak), (peak_i, peak));
    assert!((e.multiple - peak / base).abs() < 1e-12);
    // the outage (and the restocking after it) makes the peak, not the base year
    assert!(
        e.peak_period.as_str() >= "2025-03",
        "peak in {} ({peak:.2}); prices {prices:.2?}",
        e.peak_period
    );
    assert!(e.multiple > 1.05, "multiple {:.3}", e.multiple);
}
