//! The `expansion` event end to end on the tiny fixture: capacity that earned a rent adds
//! capacity a year later, the new capacity is used, mass still balances, and a threshold
//! no rent reaches changes nothing.

mod common;

use common::{scenario, tiny};
use lodestone_engine::{run, summarize};

const THREE_YEARS: &str = "name = \"t\"\n[horizon]\nstart = \"2024-01\"\nend = \"2026-12\"\n";

fn with_rule(threshold: f64) -> String {
    format!(
        "{THREE_YEARS}[[events]]\ntype = \"expansion\"\nfacility = \"mine_au\"\nrent_threshold = {threshold}\nrate = 0.5\nlead_months = 0\nramp_months = 0\nstart = \"2024-01\"\n"
    )
}

#[test]
fn a_mine_at_capacity_with_a_rent_expands_and_uses_the_new_capacity() {
    let ds = tiny();
    let base = run(&ds, &scenario(THREE_YEARS)).unwrap();
    // the AU mine runs flat out in 2024: its capacity earns a rent
    let rent: f64 = base.periods[..12]
        .iter()
        .map(|p| p.clearing.capacity_rent[0] / (p.inputs.unit_cost[0] / 1000.0))
        .sum::<f64>()
        / 12.0;
    assert!(rent > 0.05, "AU mine rent multiple {rent}");
    let r = run(&ds, &scenario(&with_rule(0.05))).unwrap();
    assert!(r.balance.ok, "{:?}", r.balance);
    // decided in the first period of 2025, on 2024's rents; again in 2026, up to 2 × 1,200
    let d: Vec<(&str, &str, f64)> = r
        .expansions
        .iter()
        .map(|d| (d.facility.as_str(), d.decided.as_str(), d.capacity_per_year))
        .collect();
    assert_eq!(d[0], ("mine_au", "2025-01", 600.0), "{d:?}");
    assert!(
        d.iter().all(|x| x.0 == "mine_au" && x.1 != "2024-01"),
        "{d:?}"
    );
    let added: f64 = d.iter().map(|x| x.2).sum();
    assert!(
        added <= 1200.0 + 1e-9,
        "capped at twice the capacity: {d:?}"
    );
    // the period inputs carry the new capacity, and the mine uses it
    let cap_2025 = r.periods[12].inputs.capacity[0] * 12.0;
    assert!((cap_2025 - 1800.0).abs() < 1e-6, "{cap_2025}");
    let (s, b) = (summarize(&r), summarize(&base));
    let au = |s: &lodestone_engine::Summary, y: &str| s.annual[y].production["mining"]["AU"];
    assert!(
        (au(&s, "2024") - au(&b, "2024")).abs() < 1e-6,
        "2024 is decided on nothing"
    );
    assert!(
        au(&s, "2025") > au(&b, "2025") + 300.0,
        "{} vs {}",
        au(&s, "2025"),
        au(&b, "2025")
    );
    assert_eq!(s.annual["2025"].capacity_added["mining"]["AU"], 600.0);
}

#[test]
fn a_threshold_no_rent_reaches_changes_nothing() {
    let ds = tiny();
    let base = summarize(&run(&ds, &scenario(THREE_YEARS)).unwrap());
    let r = run(&ds, &scenario(&with_rule(1e3))).unwrap();
    assert!(r.expansions.is_empty());
    let s = summarize(&r);
    for y in ["2024", "2025", "2026"] {
        assert_eq!(s.annual[y].production, base.annual[y].production, "{y}");
    }
}

#[test]
fn ensembles_see_capacity_added_per_stage_with_zeros_only_when_a_rule_exists() {
    let ds = tiny();
    let keys = |text: &str| -> Vec<(String, f64)> {
        let s = summarize(&run(&ds, &scenario(text)).unwrap());
        lodestone_engine::ensemble::flatten(&s)
            .into_iter()
            .filter(|(_, k, _)| k.starts_with("capacity_added"))
            .map(|(y, k, v)| (format!("{y} {k}"), v))
            .collect()
    };
    assert!(keys(THREE_YEARS).is_empty());
    // a rule that never fires: every year, every stage, zero (so quantiles count it)
    let none = keys(&with_rule(1e3));
    assert_eq!(none.len(), 3 * 4, "{none:?}");
    assert!(none.iter().all(|(_, v)| *v == 0.0), "{none:?}");
    let some = keys(&with_rule(0.05));
    assert!(
        some.contains(&("2025 capacity_added.mining".to_string(), 600.0)),
        "{some:?}"
    );
}

#[test]
fn an_expansion_closes_with_its_plant() {
    let ds = tiny();
    let text = format!(
        "{}[[events]]\ntype = \"capacity\"\nfacility = \"mine_au\"\nstart = \"2026-01\"\ncapacity = 0\n",
        with_rule(0.05)
    );
    let r = run(&ds, &scenario(&text)).unwrap();
    assert!(r.expansions.iter().any(|d| d.decided == "2025-01"));
    assert!(r.periods[12].inputs.capacity[0] > 100.0, "2025: 1,800 t/yr");
    for p in &r.periods[24..] {
        assert_eq!(p.inputs.capacity[0], 0.0, "{}", p.period.label());
    }
    assert!(
        r.expansions.iter().all(|d| d.decided.as_str() < "2026"),
        "no decisions for a closed plant: {:?}",
        r.expansions
    );
}
