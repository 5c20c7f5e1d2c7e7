//! The `substitution` event as a reversible process on the tiny fixture: a year without
//! China's mine sends magnet prices up, EV makers give up a share of their magnet demand
//! with the phase-in lag, and once prices fall back the share phases out with its own lag
//! down to the retained part, which stays; a rule without a release never reverses.

mod common;

use common::{scenario, tiny};
use lodestone_engine::run;
use lodestone_engine::sim::RunResult;

/// Three monthly years; China's mine stops from 2024-07 to 2025-06.
/// Storage and trade inertia are off: holders would draw their stocks when the mine stops
/// and inertia would slow the rerouting, softening the price path whose months this file
/// counts.
const STOP: &str = "name = \"t\"
[settings]
storage_span_months = 0
trade_inertia_months = 0
[horizon]
start = \"2024-01\"
end = \"2026-12\"
step = \"STEP\"

[[events]]
type = \"disruption\"
facility = \"mine_cn\"
start = \"2024-07\"
end = \"2025-06\"
loss = 1.0
";

/// EV magnet demand given up: half at most, in over 6 months above 1.5 × reference, out
/// over 12 months below 1.1 ×, a quarter of what was adopted retained.
const RULE: &str = "
[[events]]
type = \"substitution\"
sector = \"ev\"
material = \"magnet\"
trigger_multiple = 1.5
max_share = 0.5
lag_months = 6
start = \"2024-01\"
";
const RELEASE: &str = "release_multiple = 1.1\nphase_out_months = 12\nretained = 0.25\n";

fn runs(step: &str, rule: &str) -> (RunResult, RunResult) {
    let ds = tiny();
    let base = STOP.replace("STEP", step);
    let without = run(&ds, &scenario(&base)).unwrap();
    let with = run(&ds, &scenario(&format!("{base}{rule}"))).unwrap();
    assert!(with.balance.ok, "{:?}", with.balance);
    (without, with)
}

/// Share of the JP EV magnet row's demand given up in each period.
fn shares(without: &RunResult, with: &RunResult) -> Vec<f64> {
    let ds = &with.data;
    let row = (ds.demand.iter())
        .position(|d| d.country == "JP" && d.sector == "ev")
        .unwrap();
    let var = with
        .network
        .demands
        .iter()
        .position(|d| d.row == row)
        .unwrap();
    let var0 = without
        .network
        .demands
        .iter()
        .position(|d| d.row == row)
        .unwrap();
    (with.periods.iter().zip(&without.periods))
        .map(|(a, b)| 1.0 - a.inputs.demand[var] / b.inputs.demand[var0])
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn thrifting_engages_and_reverses_with_its_lags_and_keeps_the_retained_part() {
    let (without, with) = runs("month", &format!("{RULE}{RELEASE}"));
    let jp_magnet = |r: &RunResult, i: usize| {
        let net = &r.network;
        let mk = net.markets.iter().position(|m| m == "JP").unwrap();
        let mi = net.materials.iter().position(|m| m == "magnet").unwrap();
        r.periods[i].clearing.price[net.node_index[&(mk, mi)]]
    };
    // the stop raises the JP magnet price above the trigger (120) and it falls back below
    // the release (88) once the mine runs again
    assert!(jp_magnet(&without, 6) > 120.0, "{}", jp_magnet(&without, 6));
    assert!(jp_magnet(&with, 19) < 88.0, "{}", jp_magnet(&with, 19));
    let s = shares(&without, &with);
    // nothing before the first dear month (2024-07) is cleared
    assert!(s[..7].iter().all(|x| close(*x, 0.0)), "{:?}", &s[..8]);
    // engaged on 2024-07's price, dated 2024-07: 2/6 of the way in 2024-08, fully in 2024-12
    assert!(close(s[7], 0.5 * 2.0 / 6.0), "{}", s[7]);
    assert!(close(s[10], 0.5 * 5.0 / 6.0), "{}", s[10]);
    assert!((11..=18).all(|i| close(s[i], 0.5)), "{:?}", &s[11..19]);
    // released on 2025-07's price (the first month with the mine back), dated 2025-07:
    // out by 1/12 of the whole a month, from 2025-07 on, down to 0.25 × 0.5
    assert!(close(s[19], 0.5 * (1.0 - 2.0 / 12.0)), "{}", s[19]);
    assert!(close(s[24], 0.5 * (1.0 - 7.0 / 12.0)), "{}", s[24]);
    assert!((26..36).all(|i| close(s[i], 0.125)), "{:?}", &s[26..]);
}

#[test]
fn a_rule_without_a_release_never_reverses() {
    let (without, with) = runs("month", RULE);
    let s = shares(&without, &with);
    assert!(close(s[7], 0.5 * 2.0 / 6.0), "{}", s[7]);
    assert!((11..36).all(|i| close(s[i], 0.5)), "{:?}", &s[11..]);
}

#[test]
fn a_sustained_price_averages_past_months_and_a_quarter_follows_the_months() {
    // averaged over 4 months, one dear month is not enough: 2024-07 alone (a quarter of
    // the window at ~2×, the rest ~1×) stays below 1.5×; by 2024-09's three dear months
    // (and 2024-06) it passes, so the course starts 2024-09 instead of 2024-07
    let avg = format!("{RULE}{RELEASE}averaging_months = 4\n");
    let (without, with) = runs("month", &avg);
    let s = shares(&without, &with);
    assert!(s[..9].iter().all(|x| close(*x, 0.0)), "{:?}", &s[..10]);
    assert!(s[9] > 0.0 && s[9] < 0.5 * 3.0 / 6.0, "{}", s[9]);
    assert!(close(s[16], 0.5), "{:?}", &s[12..20]);
    assert!((28..36).all(|i| close(s[i], 0.125)), "{:?}", &s[26..]);
    // quarterly: each quarter's share is near the mean of its three months (within a
    // month of phase-in: the switch is dated to the middle of the quarter that made it)
    let (qwithout, qwith) = runs("quarter", &avg);
    let q = shares(&qwithout, &qwith);
    for (k, share) in q.iter().enumerate() {
        let monthly = s[3 * k..3 * k + 3].iter().sum::<f64>() / 3.0;
        assert!(
            (share - monthly).abs() <= 0.5 / 6.0 + 1e-9,
            "quarter {k}: {share} vs {monthly}"
        );
    }
    assert!(close(q[11], 0.125), "retained in the last quarter: {q:?}");
}
