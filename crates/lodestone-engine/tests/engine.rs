//! End-to-end engine behaviour on a tiny fixture chain: balance, prices, disruptions, stocks.

mod common;

use common::{scenario, tiny};
use lodestone_engine::{ClearingStatus, run, summarize};

const TWO_YEARS: &str = "name = \"t\"\n[horizon]\nstart = \"2024-01\"\nend = \"2025-12\"\n";

#[test]
fn baseline_balances_and_prices_are_positive() {
    let ds = tiny();
    let r = run(&ds, &scenario(TWO_YEARS)).unwrap();
    assert_eq!(r.periods.len(), 24);
    assert!(r.balance.ok, "{:?}", r.balance);
    assert!(r.balance.max_rel_error < 1e-6);
    for p in &r.periods {
        assert_eq!(
            p.clearing.status,
            ClearingStatus::Optimal,
            "{}",
            p.clearing.solver_status
        );
    }
    let s = summarize(&r);
    let y = &s.annual["2024"];
    // the fixture is long on Nd: both mines run flat out and the demand curves take the
    // extra magnets at a price below the reference (Ce is a by-product nobody bids for)
    let mining = &y.production["mining"];
    assert!((mining["AU"] - 1200.0).abs() < 1.0, "{mining:?}");
    assert!((mining["CN"] - 12000.0).abs() < 1.0, "{mining:?}");
    let refp = ds.material("magnet").and_then(|m| m.ref_price).unwrap();
    let p = y.prices["JP"]["magnet"];
    assert!(
        p > 10.0 && p < refp,
        "JP magnet price {p} (reference {refp})"
    );
    // shares sum to one per stage
    for (stage, shares) in &y.shares {
        let sum: f64 = shares.values().sum();
        assert!((sum - 1.0).abs() < 1e-9, "{stage} {sum}");
    }
}

#[test]
fn disruption_of_the_chinese_mine_raises_prices_and_shortfall() {
    let ds = tiny();
    let base = summarize(&run(&ds, &scenario(TWO_YEARS)).unwrap());
    let hit = format!(
        "{TWO_YEARS}[[events]]\ntype = \"disruption\"\nfacility = \"mine_cn\"\nstart = \"2025-01\"\nend = \"2025-12\"\nloss = 0.8\n"
    );
    let shock = summarize(&run(&ds, &scenario(&hit)).unwrap());
    let (b, s) = (&base.annual["2025"], &shock.annual["2025"]);
    assert!(
        s.prices["JP"]["magnet"] > b.prices["JP"]["magnet"] * 1.2,
        "{} vs {}",
        s.prices["JP"]["magnet"],
        b.prices["JP"]["magnet"]
    );
    let short = |y: &lodestone_engine::summary::YearSummary| -> f64 {
        y.shortfall.values().flat_map(|m| m.values()).sum()
    };
    assert!(short(s) > short(b) + 100.0, "{} vs {}", short(s), short(b));
    // defence is served first: its shortfall is smaller in share than EV's
    let us = &s.shortfall["US"];
    let dem = &s.demand["US"];
    assert!(us["defence"] / dem["defence"] < us["ev"] / dem["ev"]);
    // 2024 is untouched
    assert!(
        (base.annual["2024"].prices["JP"]["magnet"] - shock.annual["2024"].prices["JP"]["magnet"])
            .abs()
            < 1e-6
    );
}

#[test]
fn stocks_cover_a_short_disruption_then_refill() {
    let ds = tiny();
    let hit = format!(
        "{TWO_YEARS}[[events]]\ntype = \"disruption\"\ncountry = \"CN\"\nstage = \"magnet\"\nstart = \"2024-06\"\nend = \"2024-06\"\nloss = 1.0\n"
    );
    let r = run(&ds, &scenario(&hit)).unwrap();
    // every commercial holder of magnets (China's, whose stock still ships while its
    // plants stand, Japan's row of stocks.csv, the US's): valued by `storage`
    let net = &r.network;
    let magnets: Vec<usize> = (net.stocks.iter().enumerate())
        .filter(|(_, s)| !s.strategic && net.materials[net.nodes[s.node].material] == "magnet")
        .map(|(k, _)| k)
        .collect();
    assert!(magnets.len() >= 2, "{magnets:?}");
    let stock = |p: usize| -> f64 {
        magnets
            .iter()
            .map(|&k| r.periods[p].clearing.stock_end[k])
            .sum()
    };
    let (before, during, after) = (stock(4), stock(5), stock(11));
    // at least the JP row's 300 t before the disruption (holders keep working stock)
    assert!(before > 300.0 - 1.0, "{before}");
    assert!(
        during < before - 50.0,
        "stock drawn during the disruption: {during}"
    );
    assert!(after > during + 50.0, "stock refilled after: {after}");
    assert!(r.balance.ok);
}

#[test]
fn planned_facility_ramps_up_from_its_start() {
    let ds = tiny();
    let r = run(&ds, &scenario(TWO_YEARS)).unwrap();
    let us = ds.facilities.iter().position(|f| f.id == "mag_us").unwrap();
    assert_eq!(r.periods[11].inputs.capacity[us], 0.0);
    let jan = r.periods[12].inputs.capacity[us];
    let dec = r.periods[23].inputs.capacity[us];
    assert!((jan - 1000.0 * 0.9 / 12.0 / 12.0).abs() < 1e-9, "{jan}");
    assert!((dec - 1000.0 * 0.9 / 12.0).abs() < 1e-9, "{dec}");
}

#[test]
fn same_input_gives_identical_output() {
    let ds = tiny();
    let a =
        serde_json::to_string(&summarize(&run(&ds, &scenario(TWO_YEARS)).unwrap()).annual).unwrap();
    let b =
        serde_json::to_string(&summarize(&run(&ds, &scenario(TWO_YEARS)).unwrap()).annual).unwrap();
    assert_eq!(a, b);
}
