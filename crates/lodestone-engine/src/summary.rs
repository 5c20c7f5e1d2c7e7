//! Annual summaries of a run: production and shares by stage and country, shortfall by
//! country and sector, regional prices, stocks — the shape of `lodestone run --json`.

use crate::clearing::Clearing;
use crate::sim::{Balance, PeriodResult, RunResult, RunStats};
use lodestone_model::dataset::Stage;
use serde::Serialize;
use std::collections::BTreeMap;

/// `stage → country → tonnes` (or fraction).
pub type ByStage = BTreeMap<String, BTreeMap<String, f64>>;

/// Measure (`direct`, `indirect`, `mined`) → supplier → share.
pub type Shares = BTreeMap<String, BTreeMap<String, f64>>;

/// One year of results.
#[derive(Debug, Clone, Serialize, Default)]
pub struct YearSummary {
    /// Output by stage and facility country: mining and separation t REO, metal t, magnet t.
    pub production: ByStage,
    /// Shares of each stage's output by country.
    pub shares: ByStage,
    /// Unmet demand, t: country → sector → tonnes.
    pub shortfall: BTreeMap<String, BTreeMap<String, f64>>,
    /// Demand, t: country → sector → tonnes.
    pub demand: BTreeMap<String, BTreeMap<String, f64>>,
    /// Unmet demand in rare earth content (t of element, `origin::content`): country →
    /// sector. One unit across sectors buying magnets, metals and oxides, so shares and
    /// totals of unmet demand add up; `shortfall` is in t of each sector's product.
    pub shortfall_content: BTreeMap<String, BTreeMap<String, f64>>,
    /// Demand in rare earth content (t of element): country → sector.
    pub demand_content: BTreeMap<String, BTreeMap<String, f64>>,
    /// Average price, USD/kg: market → material (materials with demand there).
    pub prices: BTreeMap<String, BTreeMap<String, f64>>,
    /// Stocks at year end, t: market → material.
    pub stocks: BTreeMap<String, BTreeMap<String, f64>>,
    /// Surplus stockpiled or discarded by producers, t: market → material.
    pub surplus: BTreeMap<String, BTreeMap<String, f64>>,
    /// Trade, t: importer market → exporter market → material. Only flows above the
    /// period's noise floor (`Clearing::noise`) count, so no route lists round-off.
    pub imports: BTreeMap<String, BTreeMap<String, BTreeMap<String, f64>>>,
    /// Trade as `imports` with every flow, round-off included: the indices balance it
    /// against production (which counts every tonne), and dropping grams on one side only
    /// would turn a pure exporter's zero apparent consumption into a small positive one.
    #[serde(skip)]
    pub imports_all: BTreeMap<String, BTreeMap<String, BTreeMap<String, f64>>>,
    /// Dependency on the supplier: entity → stage → {direct, indirect, mined} → supplier → share.
    pub dependency: BTreeMap<String, BTreeMap<String, Shares>>,
    /// Share of a bloc's demand at each stage its own plants meet without supplier-origin
    /// material: bloc → stage → share (0..1).
    pub independence: BTreeMap<String, BTreeMap<String, f64>>,
    /// Platforms buildable from each country's defence consumption: platform id → count.
    pub platforms: BTreeMap<String, f64>,
    /// Risk indices: concentration by stage, net import reliance, GeoPolRisk, EU supply
    /// risk (`crate::indices`).
    pub indices: crate::indices::IndicesYear,
    /// Capacity committed this year in response to prices (`expansion` events): stage →
    /// facility country → capacity per year at full ramp (t REO for mining and separation,
    /// t metal, t magnet). Empty without expansion events.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub capacity_added: ByStage,
}

/// The summary of a run.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Scenario name.
    pub scenario: String,
    /// Dataset name.
    pub dataset: String,
    /// Period labels.
    pub periods: Vec<String>,
    /// Per-year results.
    pub annual: BTreeMap<String, YearSummary>,
    /// Mass balance.
    pub balance: Balance,
    /// Problem size and solver effort.
    pub stats: RunStats,
    /// Per-period clearing status (`optimal`, `approximate`, `failed`) where not optimal.
    pub status: BTreeMap<String, String>,
    /// Supplier the dependency metrics refer to.
    pub supplier: String,
    /// First year each bloc meets 50 / 80 / 100% of its demand at each stage without the
    /// supplier: bloc → stage → threshold → year (null if never within the horizon).
    pub time_to_independence: BTreeMap<String, BTreeMap<String, BTreeMap<String, Option<i32>>>>,
    /// The dataset's observations in the horizon next to their simulated values (the
    /// back-test's points, `crate::backtest`).
    pub observed_vs_simulated: Vec<crate::backtest::Point>,
    /// What price floors cost their payers over the run, USD.
    pub price_floor_cost_usd: f64,
    /// Number of `expansion` events in the scenario (0: capacity does not answer prices).
    #[serde(skip_serializing_if = "is_zero")]
    pub expansion_rules: usize,
    /// Every capacity expansion committed in response to prices, in decision order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expansions: Vec<crate::levers::expansion::Decision>,
    /// Price episodes: material → market → base, peak period, multiple, end.
    pub price_episodes: BTreeMap<String, BTreeMap<String, crate::episodes::Episode>>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Output of each stage by facility country for one period: (stage, country, tonnes).
pub fn stage_output(r: &RunResult, period: usize) -> Vec<(Stage, usize, f64)> {
    material_output(r, period)
        .into_iter()
        .filter_map(|(mat, country, t)| {
            let stage = r.data.materials[mat].stage?;
            (stage != Stage::Other).then_some((stage, country, t))
        })
        .collect()
}

/// Output of every activity for one period by material and facility country: (material
/// index in the dataset, country index, tonnes), materials of any stage.
pub fn material_output(r: &RunResult, period: usize) -> Vec<(usize, usize, f64)> {
    let mut out = Vec::new();
    let c = &r.periods[period].clearing;
    for (k, act) in r.network.activities.iter().enumerate() {
        let country = r
            .data
            .countries
            .iter()
            .position(|x| x.id == r.data.facilities[act.facility].country)
            .unwrap_or(0);
        for &(node, q) in &act.outputs {
            out.push((r.network.nodes[node].material, country, q * c.activity[k]));
        }
    }
    out
}

fn add(m: &mut BTreeMap<String, BTreeMap<String, f64>>, a: &str, b: &str, v: f64) {
    *m.entry(a.to_string())
        .or_default()
        .entry(b.to_string())
        .or_default() += v;
}

/// Summarise a run by calendar year.
pub fn summarize(r: &RunResult) -> Summary {
    let mut annual: BTreeMap<String, YearSummary> = BTreeMap::new();
    let mut price_months: BTreeMap<String, PriceAcc> = BTreeMap::new();
    let mut status = BTreeMap::new();
    for (pi, p) in r.periods.iter().enumerate() {
        let year = p.period.start.year().to_string();
        let y = annual.entry(year.clone()).or_default();
        let c = &p.clearing;
        if c.status != crate::clearing::ClearingStatus::Optimal {
            status.insert(
                p.period.label(),
                format!("{:?}: {}", c.status, c.solver_status).to_lowercase(),
            );
        }
        add_production_and_demand(r, pi, y);
        add_price_months(r, p, &year, &mut price_months);
        add_stocks_and_surplus(r, c, y);
    }
    write_prices(price_months, &mut annual);
    write_shares(&mut annual);
    write_capacity_added(r, &mut annual);
    let metrics = crate::metrics::compute(r, &mut annual);
    write_indices(r, &mut annual);
    Summary {
        supplier: metrics.supplier,
        time_to_independence: metrics.time_to_independence,
        observed_vs_simulated: crate::backtest::backtest(r).points,
        price_floor_cost_usd: r.price_floor_cost_usd,
        expansion_rules: r.expansion_rules,
        expansions: r.expansions.clone(),
        price_episodes: crate::episodes::episodes(r),
        scenario: r.scenario.clone(),
        dataset: r.dataset.clone(),
        periods: r.periods.iter().map(|p| p.period.label()).collect(),
        annual,
        balance: r.balance,
        stats: r.stats.clone(),
        status,
    }
}

/// Each year's risk indices; the EU supply risk averages the year's flows with those of
/// up to `indices::EU_AVERAGING_YEARS − 1` earlier years of the run.
fn write_indices(r: &RunResult, annual: &mut BTreeMap<String, YearSummary>) {
    let years: Vec<(String, i32)> = annual
        .keys()
        .filter_map(|k| Some((k.clone(), k.parse().ok()?)))
        .collect();
    let all: Vec<i32> = years.iter().map(|(_, y)| *y).collect();
    let computed: Vec<(String, crate::indices::IndicesYear)> = years
        .iter()
        .map(|(k, yr)| {
            let window: Vec<(i32, &YearSummary)> = crate::indices::eu_window(&all, *yr)
                .into_iter()
                .map(|w| (w, &annual[&w.to_string()]))
                .collect();
            (
                k.clone(),
                crate::indices::compute(r, *yr, &annual[k], &window),
            )
        })
        .collect();
    for (k, ix) in computed {
        if let Some(y) = annual.get_mut(&k) {
            y.indices = ix;
        }
    }
}

/// Price accumulators of one year: (market, material) → (Σ price × months, Σ months).
type PriceAcc = BTreeMap<(String, String), (f64, f64)>;

/// Add period `pi`'s production by stage and country, and its demand and shortfall by
/// country and sector, to the year.
fn add_production_and_demand(r: &RunResult, pi: usize, y: &mut YearSummary) {
    let ds = &r.data;
    let net = &r.network;
    let p = &r.periods[pi];
    let c = &p.clearing;
    for (stage, country, t) in stage_output(r, pi) {
        add(
            &mut y.production,
            stage.as_str(),
            &ds.countries[country].id,
            t,
        );
    }
    let content = crate::origin::content(ds);
    for (d, dv) in net.demands.iter().enumerate() {
        let row = &ds.demand[dv.row];
        let dem = p.inputs.demand[d];
        let short = (dem - c.consumption[d]).max(0.0);
        let re = content[net.nodes[dv.node].material];
        add(&mut y.demand, &row.country, &row.sector, dem);
        add(&mut y.shortfall, &row.country, &row.sector, short);
        add(&mut y.demand_content, &row.country, &row.sector, dem * re);
        add(
            &mut y.shortfall_content,
            &row.country,
            &row.sector,
            short * re,
        );
    }
}

/// Prices: accumulate one period's prices, weighted by its months, at every node where
/// buyers meet sellers (the tainted twin when origin colours are on: consumers can take
/// either colour).
fn add_price_months(
    r: &RunResult,
    p: &PeriodResult,
    year: &str,
    price_months: &mut BTreeMap<String, PriceAcc>,
) {
    let net = &r.network;
    let c = &p.clearing;
    let colours = net.taint_market.is_some();
    let traded = &c.traded;
    for (ni, node) in net.nodes.iter().enumerate() {
        // a price only where material changed hands (else the dual is a shadow value)
        if (colours && !node.tainted) || !traded[ni] {
            continue;
        }
        let key = (
            net.markets[node.market].clone(),
            net.materials[node.material].clone(),
        );
        let price = c.price[ni];
        if price.is_finite() {
            let acc = price_months
                .entry(year.to_string())
                .or_default()
                .entry(key)
                .or_default();
            acc.0 += price * p.period.months as f64;
            acc.1 += p.period.months as f64;
        }
    }
}

/// Set the year's stocks to the period's closing stocks and add its producers' surplus.
fn add_stocks_and_surplus(r: &RunResult, c: &Clearing, y: &mut YearSummary) {
    let net = &r.network;
    y.stocks.clear();
    for (k, sv) in net.stocks.iter().enumerate() {
        let node = &net.nodes[sv.node];
        add(
            &mut y.stocks,
            &net.markets[node.market],
            &net.materials[node.material],
            c.stock_end[k],
        );
    }
    for (k, &(node, _)) in net.surplus.iter().enumerate() {
        let n = &net.nodes[node];
        if c.surplus[k] > 1e-6 {
            add(
                &mut y.surplus,
                &net.markets[n.market],
                &net.materials[n.material],
                c.surplus[k],
            );
        }
    }
}

/// Write each year's month-weighted mean prices.
fn write_prices(
    price_months: BTreeMap<String, PriceAcc>,
    annual: &mut BTreeMap<String, YearSummary>,
) {
    for (year, acc) in price_months {
        let y = annual.get_mut(&year).expect("year exists");
        for ((market, material), (sum, months)) in acc {
            add(&mut y.prices, &market, &material, sum / months.max(1e-12));
        }
    }
}

/// Write each year's shares of each stage's output by country.
fn write_shares(annual: &mut BTreeMap<String, YearSummary>) {
    for y in annual.values_mut() {
        for (stage, by_country) in &y.production {
            let total: f64 = by_country.values().sum();
            if total > 0.0 {
                for (c, v) in by_country {
                    add(&mut y.shares, stage, c, v / total);
                }
            }
        }
    }
}

/// Write the capacity committed in response to prices into the year it was decided.
fn write_capacity_added(r: &RunResult, annual: &mut BTreeMap<String, YearSummary>) {
    for e in &r.expansions {
        if let Some(y) = annual.get_mut(e.decided.get(..4).unwrap_or_default()) {
            add(
                &mut y.capacity_added,
                &e.stage,
                &e.country,
                e.capacity_per_year,
            );
        }
    }
}
