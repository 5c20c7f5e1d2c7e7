//! Engine settings: every modelling constant that is not data, with its default and meaning.

use lodestone_model::Diagnostics;
use lodestone_model::diag::{codes, did_you_mean};
use lodestone_model::scenario::Scenario;
use serde::{Deserialize, Serialize};

/// Settings of the market clearing. Read from a scenario's `[settings]` table; every
/// field has a documented default. These are modelling assumptions, not data: they shape
/// how scarcity shows up in prices, not how much material exists.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Marginal cost of a facility rises linearly from `unit_cost` at zero output to
    /// `unit_cost × (1 + supply_slope)` at full capacity (a rising supply curve makes
    /// quantities and prices unique). Default 0.1.
    pub supply_slope: f64,
    /// Commercial stock is drawn below its target only when the local price exceeds
    /// `(1 + stock_release_premium) × ref_price`. Default 0.5.
    pub stock_release_premium: f64,
    /// Strategic stock is drawn only above `strategic_release_multiple × ref_price`
    /// (policy events change this). Default 10.
    pub strategic_release_multiple: f64,
    /// Cost of holding a tonne above target, as a share of `ref_price` per month. Default 0.002.
    pub holding_cost_share: f64,
    /// Cost of discarding a surplus joint product that is not `disposable` (left
    /// unseparated or in tailings), as a share of its `ref_price`. Default 0: commercial
    /// holders (`storage`) buy a surplus while its stock is worth anything, so what is
    /// discarded is worth nothing — at a price of zero, never below. (It was 0.05 before
    /// storage, to sell by-products before stockpiling them, and priced a surplus at minus
    /// that cost.)
    pub surplus_cost_share: f64,
    /// Quadratic regularisation on trade flows, for unique routing: at a flow as large as
    /// the largest quantity in the period, an arc's marginal cost rises by this share of
    /// its unit cost. Default 1e-3.
    pub flow_regularization: f64,
    /// Relative tolerance of the mass-balance check, scaled by the largest flow at a node
    /// (at least 1 t and at least 1e-4 of the period's largest flow, as solver round-off
    /// is relative to the whole problem). Default 1e-6.
    pub balance_tolerance: f64,
    /// Solver feasibility and gap tolerance. Default 1e-8.
    pub solver_tolerance: f64,
    /// Multiplier on demand growth above the base year (1 = as the growth paths say).
    /// Ensembles sample it through `demand.growth`. Default 1.
    pub demand_growth_scale: f64,
    /// Solve each period over a working set of trade arcs and price the others (exact:
    /// see `clearing::clear`); `false` gives the solver every arc every period. Default true.
    pub working_set: bool,
    /// An arc left out of the working set joins it when its reduced cost is below
    /// `−pricing_tolerance × (1 + price)` (USD/kg). Default 1e-6.
    pub pricing_tolerance: f64,
    /// Arcs whose reduced cost is below `working_set_margin ×` their delivered cost stay in
    /// the working set for the next period, so small price moves need no second solve.
    /// Default 0.25.
    pub working_set_margin: f64,
    /// Normal working stock of a commercial holder, in months of its node's use (see
    /// `storage`). Default 2: the effective buffer of exposed Western auto tiers in 2025
    /// was 1.5–2 months (dynamics.md I10, derived from I07–I09); Chinese magnet makers hold
    /// 1–2 months (I01), automakers 2–4 (I03). Range 1–4.
    pub storage_cover_months: f64,
    /// Stock above normal, in months of use, at which a holder values a further tonne at
    /// nothing (the holder expects to sell the excess only at ever lower prices); 0 turns
    /// commercial storage off. Default 12. ASSUMPTION, range 6–24: exchange and speculative
    /// stocks of minor metals reached a year of output and more (dynamics.md I15).
    pub storage_span_months: f64,
    /// Cost of carrying stock, a share of its value per year: financing plus warehouse
    /// rent. Default 0.055 (dynamics.md K04: 5% financing + ~0.4% rent; K01 range 3–5%).
    pub carry_cost_rate: f64,
    /// Weight of the latest month's price in a holder's adaptive expectation, per month.
    /// Default 0.2. ASSUMPTION, range 0.05–0.5 (no rare-earth estimate exists; dynamics.md §9).
    pub expectation_weight: f64,
    /// Weight of the node's normal price (the 2024 reference plus the node's premium over
    /// the material's busiest node in a first clearing) in a holder's expected price; the
    /// rest is the adaptive part (regressive expectations). Default 0.5. ASSUMPTION,
    /// range 0–1.
    pub expectation_anchor: f64,
    /// Convenience of working stock at end users (nodes where a sector buys): a holder
    /// values the last tonne of its normal stock at `(1 + storage_convenience)` × the
    /// expected price (linear in between), so working stock is drawn in a disruption at
    /// rising prices rather than sold out at the normal one. Default 0. ASSUMPTION, range
    /// 0–2: magnets are ~50–105 USD of a motor against a ~300 USD switching penalty
    /// (dynamics.md E10–E11) and buyers short of magnets were "willing to pay every price"
    /// (I11), but no estimate exists. Off by default because the central case is a knife
    /// edge in it: at 0.5 the April-2025 two-tier gap opens in April–May (EU/China high-Dy
    /// magnets 1.18×, 1.52×; 1.08×, 1.18× at 0) but users holding on to working stock
    /// deepen the 2029 Dy squeeze (wind gives up 7.2% of its demand) and the retained
    /// thrifting it triggers leaves Tb at 0.31× its 2024 price by 2035; at 1.0 Tb falls
    /// to ~1 USD/kg (scenarios/README.md, S1).
    pub storage_convenience: f64,
    /// Trade inertia: months an importer takes to move its whole supply to new routes
    /// (supplier qualification, 4–7 months: dynamics.md T09). Each month a route may carry
    /// at most its peak monthly flow of the past 12 months plus `1/trade_inertia_months`
    /// of its destination's usual monthly supply (the larger of its imports by route and
    /// its consumption, at their recent peaks), so a ban does not reroute third-country
    /// output at once; what the cap holds back is shortfall, never infeasibility. Thin
    /// markets (under 1% of the material's world supply) and a route that is already 90%
    /// of its market's supply are not capped (growth, not switching). 0 turns it off.
    /// Default 5.5 (the middle of T09's range).
    pub trade_inertia_months: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            supply_slope: 0.1,
            stock_release_premium: 0.5,
            strategic_release_multiple: 10.0,
            holding_cost_share: 0.002,
            surplus_cost_share: 0.0,
            flow_regularization: 1e-3,
            balance_tolerance: 1e-6,
            solver_tolerance: 1e-8,
            demand_growth_scale: 1.0,
            working_set: true,
            pricing_tolerance: 1e-6,
            working_set_margin: 0.25,
            storage_cover_months: 2.0,
            storage_span_months: 12.0,
            carry_cost_rate: 0.055,
            expectation_weight: 0.2,
            expectation_anchor: 0.5,
            storage_convenience: 0.0,
            trade_inertia_months: 5.5,
        }
    }
}

/// The domain of each numeric setting: (name, lowest, highest, what it means). A value
/// outside it is refused before a run (a solver tolerance of 1e308 gave NdPr at −19,431
/// USD/kg; a negative balance tolerance failed every period).
const DOMAINS: &[(&str, f64, f64, &str)] = &[
    (
        "storage_cover_months",
        0.0,
        24.0,
        "months of a node's use held as working stock",
    ),
    (
        "storage_span_months",
        0.0,
        120.0,
        "months of use above normal at which stock is worth nothing",
    ),
    ("carry_cost_rate", 0.0, 1.0, "a share of value per year"),
    ("expectation_weight", 0.0, 1.0, "a weight per month"),
    ("expectation_anchor", 0.0, 1.0, "a weight"),
    (
        "storage_convenience",
        0.0,
        100.0,
        "the last tonne of working stock's premium over the expected price, a multiple",
    ),
    (
        "supply_slope",
        0.0,
        10.0,
        "marginal cost at full capacity is (1 + slope) × unit cost",
    ),
    (
        "stock_release_premium",
        0.0,
        100.0,
        "a share of the reference price",
    ),
    (
        "strategic_release_multiple",
        0.0,
        1000.0,
        "a multiple of the reference price",
    ),
    (
        "holding_cost_share",
        0.0,
        1.0,
        "a share of the reference price per month",
    ),
    (
        "surplus_cost_share",
        0.0,
        10.0,
        "a share of the reference price",
    ),
    (
        "flow_regularization",
        1e-9,
        1.0,
        "a share of an arc's unit cost",
    ),
    ("balance_tolerance", 1e-12, 0.1, "a relative error"),
    (
        "solver_tolerance",
        1e-12,
        1e-3,
        "the interior-point solver's relative tolerance",
    ),
    (
        "demand_growth_scale",
        0.0,
        10.0,
        "a multiplier on growth (1 = as the paths say)",
    ),
    (
        "pricing_tolerance",
        1e-12,
        1.0,
        "USD/kg per USD/kg of price",
    ),
    (
        "working_set_margin",
        0.0,
        10.0,
        "a share of an arc's delivered cost",
    ),
    (
        "trade_inertia_months",
        0.0,
        120.0,
        "months to move a whole supply to new routes (0 = off)",
    ),
];

/// The domain of a numeric setting: (lowest, highest, what it means); `None` for a name
/// that is not a numeric setting.
pub fn domain(name: &str) -> Option<(f64, f64, &'static str)> {
    DOMAINS
        .iter()
        .find(|d| d.0 == name)
        .map(|&(_, lo, hi, what)| (lo, hi, what))
}

/// The names of every numeric setting, in declaration order.
pub fn numeric_names() -> impl Iterator<Item = &'static str> {
    DOMAINS.iter().map(|d| d.0)
}

impl Settings {
    /// Whether `name` is a true-or-false setting (`working_set`).
    pub fn is_flag(name: &str) -> bool {
        let defaults = toml::Table::try_from(Settings::default()).unwrap_or_default();
        defaults.get(name).is_some_and(toml::Value::is_bool)
    }

    /// Parse from a scenario's `[settings]` table.
    pub fn from_table(t: &toml::Table) -> Result<Settings, String> {
        Settings::deserialize(toml::Value::Table(t.clone())).map_err(|e| e.to_string())
    }

    /// A scenario's settings, every key known, of the right type and inside its domain,
    /// or every problem located at its value.
    pub fn check(sc: &Scenario) -> Result<Settings, Diagnostics> {
        let mut d = Diagnostics::default();
        let defaults = toml::Table::try_from(Settings::default()).unwrap_or_default();
        for (k, v) in &sc.settings {
            let at = sc.loc(&format!("settings.{k}"));
            let Some(default) = defaults.get(k) else {
                let hint = did_you_mean(k, defaults.keys().map(String::as_str))
                    .or_else(|| Some(format!("settings: {}", join(defaults.keys()))));
                d.push(codes::SCENARIO, at, format!("unknown setting `{k}`"), hint);
                continue;
            };
            let number = v.as_float().or_else(|| v.as_integer().map(|i| i as f64));
            match (default, number) {
                (toml::Value::Boolean(_), _) if !v.is_bool() => {
                    let msg = format!("`{k}` = {v}: expected true or false");
                    d.push(codes::BAD_VALUE, at, msg, None);
                }
                (toml::Value::Float(_), None) => {
                    let msg = format!("`{k}` = {v}: expected a number");
                    d.push(codes::BAD_VALUE, at, msg, None);
                }
                (toml::Value::Float(_), Some(x)) => {
                    if let Some((_, lo, hi, what)) = DOMAINS.iter().find(|x| x.0 == k)
                        && !(*lo..=*hi).contains(&x)
                    {
                        let (x, lo, hi) = (show(x), show(*lo), show(*hi));
                        let msg =
                            format!("`{k}` = {x} is out of range: at least {lo}, at most {hi}");
                        d.push(codes::OUT_OF_RANGE, at, msg, Some((*what).to_string()));
                    }
                }
                _ => {}
            }
        }
        check_sampled(sc, &mut d);
        if !d.is_empty() {
            return Err(d);
        }
        let mut t = sc.settings.clone();
        for (k, v) in t.iter_mut() {
            if let (Some(toml::Value::Float(_)), Some(i)) = (defaults.get(k), v.as_integer()) {
                *v = toml::Value::Float(i as f64);
            }
        }
        Settings::from_table(&t).map_err(|e| {
            let mut d = Diagnostics::default();
            d.push(
                codes::SCENARIO,
                sc.loc("settings"),
                format!("invalid [settings]: {e}"),
                None,
            );
            d
        })
    }
}

/// `[[uncertainty]]` entries that sample a constant (`settings.<name>`, in `param` or
/// `also`): the name is a numeric setting and every value the distribution can draw
/// ([`lodestone_model::scenario::Uncertain::range`]) lies in the setting's domain, as a
/// value written in `[settings]` must (a uniform up to 1e308 was accepted).
fn check_sampled(sc: &Scenario, d: &mut Diagnostics) {
    for u in &sc.uncertainty {
        let paths = std::iter::once((u.param.as_str(), "param".to_string()))
            .chain((u.also.iter().enumerate()).map(|(i, p)| (p.as_str(), format!("also[{i}]"))));
        for (path, key) in paths {
            let Some(k) = path.strip_prefix("settings.") else {
                continue;
            };
            let at = u.loc(&key);
            let Some((_, min, max, what)) = DOMAINS.iter().find(|x| x.0 == k) else {
                let hint = did_you_mean(k, numeric_names()).or_else(|| {
                    let all: Vec<&str> = numeric_names().collect();
                    Some(format!("numeric settings: {}", all.join(", ")))
                });
                let msg = format!("`{path}`: no numeric setting `{k}` to sample");
                d.push(codes::SCENARIO, at, msg, hint);
                continue;
            };
            if let Some((lo, hi)) = u.range()
                && (lo < *min || hi > *max)
            {
                let x = if hi > *max { hi } else { lo };
                let at = u.loc(u.range_key(hi > *max, |c| (*min..=*max).contains(&c)));
                let msg = format!(
                    "`{path}` can draw {}, out of range: at least {}, at most {}",
                    show(x),
                    show(*min),
                    show(*max)
                );
                d.push(codes::OUT_OF_RANGE, at, msg, Some((*what).to_string()));
            }
        }
    }
}

/// A number as a person writes it: 1e308 and 1e-12 in exponent form, 0.25 as is.
fn show(x: f64) -> String {
    if x != 0.0 && !(1e-3..1e6).contains(&x.abs()) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

fn join<'a>(keys: impl Iterator<Item = &'a String>) -> String {
    keys.map(String::as_str).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(settings: &str) -> Result<Settings, String> {
        let text = format!("name = \"s\"\n[settings]\n{settings}");
        let sc = Scenario::parse("s.toml", &text, &|_| None).unwrap();
        Settings::check(&sc).map_err(|d| d.to_string())
    }

    fn assert_has(e: &str, needles: &[&str]) {
        for n in needles {
            assert!(e.contains(n), "`{n}` missing from:\n{e}");
        }
    }

    #[test]
    fn settings_are_checked_for_name_type_and_domain_at_their_line() {
        let e = check("solver_tolerance = 1e308\nbalance_tolerance = -1e-6\n").unwrap_err();
        assert_has(
            &e,
            &[
                "s.toml:3:20: error[E007]: `solver_tolerance` = 1e308 is out of range: at least 1e-12, at most 0.001",
                "s.toml:4:21: error[E007]: `balance_tolerance` = -1e-6 is out of range: at least 1e-12, at most 0.1",
            ],
        );
        let e = check("suply_slope = 0.2\nworking_set = 1\nsupply_slope = \"x\"\n").unwrap_err();
        assert_has(
            &e,
            &[
                "s.toml:3:15: error[E016]: unknown setting `suply_slope`",
                "did you mean `supply_slope`",
                "s.toml:4:15: error[E006]: `working_set` = 1: expected true or false",
                "`supply_slope` = \"x\": expected a number",
            ],
        );
        let ok = check("supply_slope = 1\nworking_set = false\n").unwrap();
        assert_eq!((ok.supply_slope, ok.working_set), (1.0, false));
        assert_eq!(check("").unwrap(), Settings::default());
    }
}
