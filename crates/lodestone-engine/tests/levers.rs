//! The levers framework on the tiny fixture: structural changes run in their step order
//! whatever the file order, suspensions take a lever out of force, and the per-month hooks
//! (capacity loss, demand factor) combine as documented.

mod common;

use common::{scenario, tiny};
use lodestone_engine::levers::{self, effect};
use lodestone_model::time::Month;

const HEADER: &str =
    "name = \"t\"\ndataset = \"tiny\"\n[horizon]\nstart = \"2024-01\"\nend = \"2026-12\"\n";

fn month(s: &str) -> Month {
    Month::parse(s).unwrap()
}

#[test]
fn a_technology_ban_slows_the_plant_an_investment_builds_even_when_written_first() {
    // the ban comes first in the file; the investment's plant starts under it (2025-07)
    let sc = scenario(&format!(
        "{HEADER}
[[events]]
type = \"technology_ban\"
from = \"CN\"
stages = [\"magnet\"]
ramp_factor = 2.0
utilization_factor = 0.5
start = \"2024-01\"

[[events]]
type = \"investment\"
programme = \"p\"
amount = 1e8
currency = \"USD\"
country = \"US\"
stage = \"magnet\"
capacity = 800
start = \"2025-01\"
lead_time_months = 6
ramp_months = 10
"
    ));
    let ds = tiny();
    assert!(sc.validate(&ds).is_empty(), "{}", sc.validate(&ds));
    let mut data = sc.apply(&ds);
    levers::prepare(&mut data, &sc);
    let f = data
        .facility("inv1_magnet")
        .expect("the investment's plant");
    assert_eq!(f.start, month("2025-07"));
    assert_eq!(f.ramp_months, 20.0, "ramp 10 × ramp_factor 2");
    assert_eq!(f.utilization, 0.5);
    // the fixture's planned US plant (start 2025-01) is under the ban too; CN's are not
    assert_eq!(data.facility("mag_us").unwrap().utilization, 0.9 * 0.5);
    assert_eq!(data.facility("mag_cn").unwrap().utilization, 1.0);
}

#[test]
fn a_suspended_lever_is_out_of_force_only_while_suspended() {
    let sc = scenario(&format!(
        "{HEADER}
[[events]]
type = \"tariff\"
id = \"duty\"
importer = \"US\"
rate = 0.25
start = \"2024-06\"

[[events]]
type = \"suspend\"
event = \"duty\"
start = \"2025-01\"
end = \"2025-03\"
"
    ));
    let tariff = sc.events[0].event.lever();
    let at = |m: &str| sc.in_force(tariff, month(m));
    assert!(!at("2024-05"), "before its start");
    assert!(at("2024-12"));
    assert!(!at("2025-01") && !at("2025-03"), "suspended");
    assert!(at("2025-04"), "reinstated");
    // a lever without a window (an investment decision) is never 'in force'
    let no_window = scenario(&format!(
        "{HEADER}
[[events]]
type = \"substitution\"
sector = \"ev\"
material = \"ndpr_oxide\"
trigger_multiple = 2
max_share = 0.3
lag_months = 6
start = \"2024-01\"
"
    ));
    assert!(!no_window.in_force(no_window.events[0].event.lever(), month("2025-01")));
}

#[test]
fn disruptions_add_up_and_shocks_multiply_in_their_windows() {
    let sc = scenario(&format!(
        "{HEADER}
[[events]]
type = \"disruption\"
facility = \"mine_cn\"
start = \"2025-01\"
end = \"2025-06\"
loss = 0.25

[[events]]
type = \"disruption\"
country = \"CN\"
stage = \"mining\"
start = \"2025-03\"
loss = 0.5

[[events]]
type = \"demand_shock\"
country = \"US\"
start = \"2025-01\"
end = \"2025-12\"
change = -0.2
"
    ));
    let ds = tiny();
    let mine = ds.facility("mine_cn").unwrap();
    let sep = ds.facility("sep_cn").unwrap();
    let loss = |f, m: &str| -> f64 {
        (sc.events.iter())
            .map(|e| effect(&e.event).capacity_loss(f, month(m)))
            .sum()
    };
    assert_eq!(loss(mine, "2024-12"), 0.0);
    assert_eq!(loss(mine, "2025-02"), 0.25);
    assert_eq!(loss(mine, "2025-04"), 0.75, "both disruptions");
    assert_eq!(loss(mine, "2030-01"), 0.5, "open-ended");
    assert_eq!(loss(sep, "2025-04"), 0.0, "another stage");
    let row = ds.demand.iter().find(|d| d.country == "US").unwrap();
    let other = ds.demand.iter().find(|d| d.country != "US").unwrap();
    let factor = |d, m: &str| -> f64 {
        (sc.events.iter())
            .map(|e| effect(&e.event).demand_factor(d, month(m)))
            .product()
    };
    assert!((factor(row, "2025-05") - 0.8).abs() < 1e-15);
    assert_eq!(factor(row, "2026-01"), 1.0, "after its end");
    assert_eq!(factor(other, "2025-05"), 1.0, "another country");
}
