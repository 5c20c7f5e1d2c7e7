//! Competitive storage on the tiny fixture: holders buy a temporary surplus at their
//! marginal value (price = MV(end stock) wherever they hold stock) and sell it when the
//! surplus ends; a joint product nobody wants keeps a positive price instead of being
//! dumped; mass balances exactly throughout.

mod common;

use common::{scenario, tiny};
use lodestone_engine::{RunResult, run};

/// Holders' expectations purely adaptive: the fixture's reference prices are not its
/// clearing prices, and holders anchored to them would keep the stock above normal for good.
const YEAR: &str = "name = \"t\"\n[settings]\nexpectation_anchor = 0\n[horizon]\nstart = \"2024-01\"\nend = \"2024-12\"\nstep = \"month\"\n";

/// Chinese EV demand halves in February–April 2024, then comes back.
fn slump() -> RunResult {
    slump_with("")
}

fn slump_with(settings: &str) -> RunResult {
    let text = format!(
        "{}[[events]]\ntype = \"demand_shock\"\ncountry = \"CN\"\nsector = \"ev\"\nstart = \"2024-02\"\nend = \"2024-04\"\nchange = -0.5\n",
        YEAR.replace("[horizon]", &format!("{settings}[horizon]"))
    );
    run(&tiny(), &scenario(&text)).unwrap()
}

/// The holder of `material` in `market`.
fn holder(r: &RunResult, market: &str, material: &str) -> usize {
    let net = &r.network;
    let node = net.node_index[&(
        net.markets.iter().position(|m| m == market).unwrap(),
        net.materials.iter().position(|m| m == material).unwrap(),
    )];
    (net.stocks.iter())
        .position(|s| s.node == node && !s.strategic)
        .unwrap_or_else(|| panic!("no holder of {material} in {market}"))
}

#[test]
fn a_temporary_surplus_is_stocked_and_sold_when_it_ends() {
    let r = slump();
    assert!(r.balance.ok, "{:?}", r.balance);
    let k = holder(&r, "CN", "magnet");
    let stock = |m: usize| r.periods[m].clearing.stock_end[k];
    // January at the normal working stock; the slump's months build it up ...
    assert!(stock(3) > stock(0) + 100.0, "{} vs {}", stock(3), stock(0));
    // ... and it is sold down once demand is back
    assert!(stock(8) < stock(3) - 100.0, "{} vs {}", stock(8), stock(3));
}

#[test]
fn where_a_holder_keeps_stock_the_price_is_its_marginal_value() {
    // with and without the convenience of working stock below normal
    for r in [slump(), slump_with("storage_convenience = 1\n")] {
        check_marginal_values(&r);
    }
}

fn check_marginal_values(r: &RunResult) {
    let mut checked = 0;
    for p in &r.periods {
        let c = &p.clearing;
        for (k, sv) in r.network.stocks.iter().enumerate() {
            let v = p.inputs.stock_value[k];
            if sv.strategic || v.slope <= 0.0 || c.stock_end[k] <= 1.0 {
                continue;
            }
            let (price, mv) = (c.price[sv.node], v.marginal(c.stock_end[k]));
            assert!(
                (price - mv).abs() < 1e-3 * mv.abs().max(1.0),
                "{}: price {price} vs marginal value {mv}",
                p.period.label()
            );
            checked += 1;
        }
    }
    assert!(checked > 20, "{checked}");
}

#[test]
fn a_surplus_joint_product_keeps_a_price_when_stored() {
    let off = "storage_span_months = 0\n";
    let stored = run(&tiny(), &scenario(YEAR)).unwrap();
    let dumped = run(
        &tiny(),
        &scenario(&YEAR.replace("[horizon]", &format!("{off}[horizon]"))),
    )
    .unwrap();
    let ce = |r: &RunResult| r.periods[11].clearing.price[node(r, "CN", "ce_oxide")];
    // without holders the surplus Ce is discarded at a zero price; with them it is stocked
    // at a positive one, and the stock grows
    assert!(ce(&dumped).abs() < 0.01, "{}", ce(&dumped));
    assert!(ce(&stored) > 0.1, "{}", ce(&stored));
    let k = holder(&stored, "CN", "ce_oxide");
    assert!(stored.periods[11].clearing.stock_end[k] > stored.periods[0].clearing.stock_end[k]);
    assert!(stored.balance.ok && dumped.balance.ok);
}

fn node(r: &RunResult, market: &str, material: &str) -> usize {
    let net = &r.network;
    net.node_index[&(
        net.markets.iter().position(|m| m == market).unwrap(),
        net.materials.iter().position(|m| m == material).unwrap(),
    )]
}
