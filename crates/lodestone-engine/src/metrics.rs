//! Policy metrics: trade by partner, direct and indirect dependency on a supplier,
//! independence of blocs by stage and the year they reach it, platforms buildable from
//! the defence allocation.

use crate::clearing::Clearing;
use crate::origin::{self, Origins, content};
use crate::sim::{PeriodResult, RunResult};
use crate::summary::YearSummary;
use lodestone_model::dataset::Stage;
use std::collections::{BTreeMap, BTreeSet};

/// Results that span years.
pub struct RunMetrics {
    /// Supplier id.
    pub supplier: String,
    /// bloc → stage → threshold → year.
    pub time_to_independence: BTreeMap<String, BTreeMap<String, BTreeMap<String, Option<i32>>>>,
}

fn stage_rank(s: Stage) -> usize {
    match s {
        Stage::Mining => 0,
        Stage::Separation => 1,
        Stage::Metal => 2,
        Stage::Magnet => 3,
        Stage::Other => 9,
    }
}

/// Markets of an entity id: a country (its market) or a bloc (its members' markets).
fn entity_markets(r: &RunResult, id: &str) -> (BTreeSet<usize>, BTreeSet<usize>) {
    let ds = &r.data;
    let mut markets = BTreeSet::new();
    let mut countries = BTreeSet::new();
    for (i, c) in ds.countries.iter().enumerate() {
        if c.id == id || c.blocs.iter().any(|b| b == id) {
            markets.insert(r.network.country_market[i]);
            countries.insert(i);
        }
    }
    // a market id also brings the countries that clear in it
    for (i, c) in ds.countries.iter().enumerate() {
        if markets.contains(&r.network.country_market[i]) && (c.market == id || c.id == id) {
            countries.insert(i);
        }
    }
    (markets, countries)
}

/// Dependency accumulators of one year: (entity, stage) → [total inflow, direct from the
/// supplier, indirect (supplier-separated, or supplier-mined for mining), supplier-mined].
type DependencyAcc = BTreeMap<(String, Stage), [f64; 4]>;

/// Independence accumulators of one year: (bloc, stage) → [clean supply of the bloc's
/// plants, bloc demand at or downstream of the stage].
type IndependenceAcc = BTreeMap<(String, Stage), [f64; 2]>;

/// What a run's metrics are taken over, fixed for the whole run: the supplier, the
/// entities and blocs followed, and lookups shared by every period.
struct Scope {
    /// Supplier id (`metrics.supplier`, default `CN`).
    supplier: String,
    /// The supplier's country index, if it is a country of the dataset.
    sup_ci: Option<usize>,
    /// The supplier's market.
    sup_market: Option<usize>,
    /// Rare earth content per tonne of each material.
    re: Vec<f64>,
    /// Chain stage of each material (`None` for `other` and unstaged).
    mat_stage: Vec<Option<Stage>>,
    /// Entities whose dependency is measured, with their markets.
    ent_markets: Vec<(String, BTreeSet<usize>)>,
    /// Blocs whose independence is measured, with their markets and countries.
    bloc_sets: Vec<(String, BTreeSet<usize>, BTreeSet<usize>)>,
    /// Country index of each facility.
    fac_country: Vec<usize>,
    /// Arcs into each node.
    in_arcs: Vec<Vec<usize>>,
}

impl Scope {
    /// The scope of a run's metrics.
    fn new(r: &RunResult) -> Scope {
        let ds = &r.data;
        let net = &r.network;
        let spec = &r.metrics;
        let supplier = spec.supplier.clone().unwrap_or_else(|| "CN".into());
        let sup_ci = ds.countries.iter().position(|c| c.id == supplier);
        let sup_market = sup_ci.map(|i| net.country_market[i]);
        let re = content(ds);
        let mat_stage: Vec<Option<Stage>> = ds
            .materials
            .iter()
            .map(|m| m.stage.filter(|s| *s != Stage::Other))
            .collect();
        let ent_markets: Vec<(String, BTreeSet<usize>)> = followed_entities(r)
            .iter()
            .map(|e| (e.clone(), entity_markets(r, e).0))
            .collect();
        let bloc_sets: Vec<(String, BTreeSet<usize>, BTreeSet<usize>)> = followed_blocs(r)
            .iter()
            .map(|b| {
                let (m, c) = entity_markets(r, b);
                (b.clone(), m, c)
            })
            .collect();
        let fac_country: Vec<usize> = ds
            .facilities
            .iter()
            .map(|f| {
                ds.countries
                    .iter()
                    .position(|c| c.id == f.country)
                    .unwrap_or(0)
            })
            .collect();
        let mut in_arcs = vec![Vec::new(); net.nodes.len()];
        for (a, arc) in net.arcs.iter().enumerate() {
            in_arcs[arc.to].push(a);
        }
        Scope {
            supplier,
            sup_ci,
            sup_market,
            re,
            mat_stage,
            ent_markets,
            bloc_sets,
            fac_country,
            in_arcs,
        }
    }
}

/// Entities whose dependency is measured: as requested, else every market with demand.
fn followed_entities(r: &RunResult) -> Vec<String> {
    let net = &r.network;
    if r.metrics.countries.is_empty() {
        let mut v: Vec<String> = net
            .demands
            .iter()
            .map(|d| net.markets[net.nodes[d.node].market].clone())
            .collect();
        v.sort();
        v.dedup();
        v
    } else {
        r.metrics.countries.clone()
    }
}

/// Blocs whose independence is measured: as requested, else every bloc of the dataset.
fn followed_blocs(r: &RunResult) -> Vec<String> {
    if r.metrics.blocs.is_empty() {
        let mut v: Vec<String> = r
            .data
            .countries
            .iter()
            .flat_map(|c| c.blocs.clone())
            .collect();
        v.sort();
        v.dedup();
        v
    } else {
        r.metrics.blocs.clone()
    }
}

/// Compute the metrics into the annual summaries.
pub fn compute(r: &RunResult, annual: &mut BTreeMap<String, YearSummary>) -> RunMetrics {
    let ds = &r.data;
    let net = &r.network;
    let scope = Scope::new(r);
    // year → accumulators
    let mut dep: BTreeMap<String, DependencyAcc> = BTreeMap::new();
    let mut ind: BTreeMap<String, IndependenceAcc> = BTreeMap::new();
    let mut stock_o = origin::initial_stock_origins(ds, net);
    for p in &r.periods {
        let year = p.period.start.year().to_string();
        let c = &p.clearing;
        let (o, next) = origin::trace(ds, net, &scope.re, &p.inputs, c, &stock_o);
        stock_o = next;
        let y = annual.entry(year.clone()).or_default();
        add_imports(r, c, y);
        add_dependency(r, &scope, &o, c, dep.entry(year.clone()).or_default());
        add_independence(r, &scope, &o, p, ind.entry(year.clone()).or_default());
        add_platforms(r, &scope, c, y);
    }
    write_dependency(dep, &scope.supplier, annual);
    let tti = write_independence(&ind, annual);
    RunMetrics {
        supplier: scope.supplier,
        time_to_independence: tti,
    }
}

/// Add one period's trade to the year's imports (every flow to `imports_all`, flows above
/// the noise floor to `imports`).
fn add_imports(r: &RunResult, c: &Clearing, y: &mut YearSummary) {
    let net = &r.network;
    for (a, arc) in net.arcs.iter().enumerate() {
        if c.flow[a] > 1e-9 {
            let (f, t) = (&net.nodes[arc.from], &net.nodes[arc.to]);
            let key = (
                &net.markets[t.market],
                &net.markets[f.market],
                &net.materials[f.material],
            );
            let add = |m: &mut BTreeMap<String, BTreeMap<String, BTreeMap<String, f64>>>| {
                *m.entry(key.0.clone())
                    .or_default()
                    .entry(key.1.clone())
                    .or_default()
                    .entry(key.2.clone())
                    .or_default() += c.flow[a];
            };
            add(&mut y.imports_all);
            if c.flow[a] > c.noise {
                add(&mut y.imports);
            }
        }
    }
}

/// Dependency: accumulate one period's inflows at each entity's nodes, by stage, with
/// the parts coming directly from the supplier's market and of supplier origin.
fn add_dependency(r: &RunResult, s: &Scope, o: &Origins, c: &Clearing, acc: &mut DependencyAcc) {
    let net = &r.network;
    for (name, markets) in &s.ent_markets {
        for (n, node) in net.nodes.iter().enumerate() {
            let Some(stage) = s.mat_stage[node.material] else {
                continue;
            };
            if !markets.contains(&node.market) || o.inflow[n] <= 0.0 {
                continue;
            }
            let e = acc.entry((name.clone(), stage)).or_insert([0.0; 4]);
            e[0] += o.inflow[n];
            if let Some(ci) = s.sup_ci {
                let indirect = if stage == Stage::Mining {
                    o.mined[n][ci]
                } else {
                    o.separated[n][ci]
                };
                e[2] += o.inflow[n] * indirect;
                e[3] += o.inflow[n] * o.mined[n][ci];
            }
            for &a in &s.in_arcs[n] {
                if Some(net.nodes[net.arcs[a].from].market) == s.sup_market {
                    e[1] += c.flow[a].max(0.0) * s.re[node.material];
                }
            }
        }
    }
}

/// Independence: accumulate one period's output of each bloc's plants cleaned of supplier
/// origin, and the bloc's demand, by stage.
fn add_independence(
    r: &RunResult,
    s: &Scope,
    o: &Origins,
    p: &PeriodResult,
    acc: &mut IndependenceAcc,
) {
    let ds = &r.data;
    let net = &r.network;
    let c = &p.clearing;
    for (b, _markets, countries) in &s.bloc_sets {
        for stage in Stage::CHAIN {
            let e = acc.entry((b.clone(), stage)).or_insert([0.0; 2]);
            for (k, act) in net.activities.iter().enumerate() {
                if !countries.contains(&s.fac_country[act.facility]) || c.activity[k] <= 0.0 {
                    continue;
                }
                for (n, q) in &act.outputs {
                    if s.mat_stage[net.nodes[*n].material] != Some(stage) {
                        continue;
                    }
                    let dirty = supplier_share(r, s, o, act.facility, *n, stage);
                    e[0] += q * c.activity[k] * s.re[net.nodes[*n].material] * (1.0 - dirty);
                }
            }
            for (d, dv) in net.demands.iter().enumerate() {
                let row = &ds.demand[dv.row];
                let ci = ds
                    .countries
                    .iter()
                    .position(|x| x.id == row.country)
                    .unwrap_or(0);
                let ms = s.mat_stage[net.nodes[dv.node].material];
                if countries.contains(&ci)
                    && ms.is_some_and(|st| stage_rank(st) >= stage_rank(stage))
                {
                    e[1] += p.inputs.demand[d] * s.re[net.nodes[dv.node].material];
                }
            }
        }
    }
}

/// Supplier-origin share of the output of `facility` at node `n` (≈ the origin at its
/// output node): all of it in the supplier's own plants, none at mining elsewhere, else
/// the larger of the mined and (unless the plant separates) the separated share.
fn supplier_share(
    r: &RunResult,
    s: &Scope,
    o: &Origins,
    facility: usize,
    n: usize,
    stage: Stage,
) -> f64 {
    let ds = &r.data;
    s.sup_ci.map_or(0.0, |ci| {
        if Some(ci) == Some(s.fac_country[facility]) {
            1.0
        } else if stage == Stage::Mining {
            0.0
        } else {
            let pre = if ds.facilities[facility].stage == Stage::Separation {
                0.0
            } else {
                o.separated[n][ci]
            };
            o.mined[n][ci].max(pre)
        }
    })
}

/// Platforms buildable from one period's defence consumption of each platform's country.
fn add_platforms(r: &RunResult, s: &Scope, c: &Clearing, y: &mut YearSummary) {
    let ds = &r.data;
    let net = &r.network;
    for pl in &r.metrics.platforms {
        let kg: f64 = net
            .demands
            .iter()
            .enumerate()
            .filter(|(_, dv)| {
                let row = &ds.demand[dv.row];
                row.sector == "defence" && row.country == pl.country
            })
            .map(|(d, dv)| c.consumption[d].max(0.0) * s.re[net.nodes[dv.node].material] * 1000.0)
            .sum();
        if pl.re_kg > 0.0 {
            *y.platforms.entry(pl.id.clone()).or_default() += kg / pl.re_kg;
        }
    }
}

/// Write the yearly dependency shares (direct, indirect, mined) into the summaries.
fn write_dependency(
    dep: BTreeMap<String, DependencyAcc>,
    supplier: &str,
    annual: &mut BTreeMap<String, YearSummary>,
) {
    for (year, acc) in dep {
        let y = annual.get_mut(&year).expect("year");
        for ((name, stage), [tot, direct, indirect, mined]) in acc {
            if tot <= 0.0 {
                continue;
            }
            let s = y
                .dependency
                .entry(name)
                .or_default()
                .entry(stage.as_str().to_string())
                .or_default();
            s.entry("direct".into())
                .or_default()
                .insert(supplier.to_string(), direct / tot);
            s.entry("indirect".into())
                .or_default()
                .insert(supplier.to_string(), indirect / tot);
            s.entry("mined".into())
                .or_default()
                .insert(supplier.to_string(), mined / tot);
        }
    }
}

/// Write the yearly independence shares into the summaries and return the first year
/// each bloc and stage reaches 50, 80 and 100%.
fn write_independence(
    ind: &BTreeMap<String, IndependenceAcc>,
    annual: &mut BTreeMap<String, YearSummary>,
) -> BTreeMap<String, BTreeMap<String, BTreeMap<String, Option<i32>>>> {
    let mut tti: BTreeMap<String, BTreeMap<String, BTreeMap<String, Option<i32>>>> =
        BTreeMap::new();
    for (year, acc) in ind {
        let y = annual.get_mut(year).expect("year");
        for ((b, stage), [supply, demand]) in acc {
            let share = if *demand > 0.0 {
                (supply / demand).min(1.0)
            } else {
                1.0
            };
            y.independence
                .entry(b.clone())
                .or_default()
                .insert(stage.as_str().to_string(), share);
            let t = tti
                .entry(b.clone())
                .or_default()
                .entry(stage.as_str().to_string())
                .or_default();
            for thr in ["50", "80", "100"] {
                let x: f64 = thr.parse::<f64>().unwrap_or(0.0) / 100.0;
                let slot = t.entry(thr.to_string()).or_insert(None);
                if slot.is_none() && share >= x - 1e-9 {
                    *slot = year.parse().ok();
                }
            }
        }
    }
    tti
}
