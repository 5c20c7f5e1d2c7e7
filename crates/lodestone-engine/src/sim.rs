//! The period loop: capacities and demand from data and events, clearing, stocks carried
//! forward, mass balance checked every period.

use crate::clearing::{self, Clearing, ClearingStatus, PeriodInputs};
use crate::expansion::{Decision, Expansions};
use crate::network::Network;
use crate::policy;
use crate::settings::Settings;
use lodestone_model::Diagnostics;
use lodestone_model::dataset::Dataset;
use lodestone_model::scenario::{ControlMode, MetricsSpec};
use lodestone_model::scenario::{Event, Scenario};
use lodestone_model::time::{Month, Period, periods};
use serde::Serialize;

/// Why a run could not start. Shortages and solver trouble are results, not errors.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The scenario does not fit the dataset.
    #[error("scenario does not fit dataset:\n{0}")]
    Invalid(Diagnostics),
    /// `[settings]` could not be read.
    #[error("invalid [settings]: {0}")]
    Settings(String),
}

/// Results of one period.
#[derive(Debug, Clone)]
pub struct PeriodResult {
    /// The period.
    pub period: Period,
    /// Inputs used (capacities, demand, stocks).
    pub inputs: PeriodInputs,
    /// The clearing.
    pub clearing: Clearing,
    /// Largest absolute balance error at any node, t.
    pub max_abs_error: f64,
    /// Largest balance error relative to the largest flow at its node.
    pub max_rel_error: f64,
}

/// Mass balance over the whole run.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Balance {
    /// Largest absolute error at any node in any period, t.
    pub max_abs_error_t: f64,
    /// Largest error relative to the largest flow at its node.
    pub max_rel_error: f64,
    /// Whether every period is within `settings.balance_tolerance`.
    pub ok: bool,
}

/// Size and effort of a run.
#[derive(Debug, Clone, Serialize)]
pub struct RunStats {
    /// Variables of the largest problem solved (the full problem: the first period gives
    /// the solver every arc).
    pub variables: usize,
    /// Constraint rows of the largest problem solved.
    pub rows: usize,
    /// Non-zeros of A of the largest problem solved.
    pub nonzeros: usize,
    /// Variables per solve, averaged over the run's solves (smaller than `variables`
    /// when periods are solved over a working set of arcs).
    pub mean_variables: f64,
    /// Solver calls (periods plus the re-solves when a working set of arcs grew).
    pub solves: u64,
    /// Periods solved.
    pub periods: usize,
    /// Total interior-point iterations.
    pub iterations: u64,
    /// Total time inside the solver, seconds (reported by the solver).
    pub solver_seconds: f64,
    /// Periods not solved to full accuracy.
    pub approximate_periods: usize,
    /// Periods where the solver failed.
    pub failed_periods: usize,
}

/// A completed run.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// Scenario name.
    pub scenario: String,
    /// Dataset name.
    pub dataset: String,
    /// The dataset as run (with overrides and new facilities).
    pub data: Dataset,
    /// Network structure.
    pub network: Network,
    /// Per-period results.
    pub periods: Vec<PeriodResult>,
    /// Mass balance.
    pub balance: Balance,
    /// Size and effort.
    pub stats: RunStats,
    /// Settings used.
    pub settings: Settings,
    /// What price floors cost their payers over the run, USD.
    pub price_floor_cost_usd: f64,
    /// Metrics requested by the scenario.
    pub metrics: MetricsSpec,
    /// Number of `expansion` events in the scenario.
    pub expansion_rules: usize,
    /// Capacity committed in response to prices (`expansion` events), in decision order.
    pub expansions: Vec<Decision>,
}

fn covers(start: Month, end: Option<Month>, m: Month) -> bool {
    m >= start && end.is_none_or(|e| m <= e)
}

/// Capacity per facility for one period (t of activity), after ramps, expansions,
/// utilization and disruptions.
pub fn period_capacity(ds: &Dataset, sc: &Scenario, p: &Period, exp: &Expansions) -> Vec<f64> {
    ds.facilities
        .iter()
        .enumerate()
        .map(|(fi, f)| {
            if !f.enabled {
                return 0.0;
            }
            (0..p.months)
                .map(|i| {
                    let m = p.start.plus(i);
                    let mut loss: f64 = 0.0;
                    for e in &sc.events {
                        if let Event::Disruption {
                            target,
                            start,
                            end,
                            loss: l,
                        } = &e.event
                        {
                            let hit = match (&target.facility, &target.country) {
                                (Some(id), _) => id == &f.id,
                                (None, Some(c)) => {
                                    c == &f.country && target.stage.is_none_or(|s| s == f.stage)
                                }
                                _ => false,
                            };
                            if hit && covers(*start, *end, m) {
                                loss += l;
                            }
                        }
                    }
                    // an expansion is of the plant: it runs while the plant does
                    let own = f.nameplate_at(m);
                    let plate = if own > 0.0 {
                        own + exp.added_at(fi, m)
                    } else {
                        0.0
                    };
                    plate * f.utilization * (1.0 - loss.min(1.0)) / 12.0
                })
                .sum()
        })
        .collect()
}

/// Demand per demand variable for one period (t), after growth and shocks.
pub fn period_demand(
    ds: &Dataset,
    sc: &Scenario,
    net: &Network,
    p: &Period,
    growth_scale: f64,
) -> Vec<f64> {
    net.demands
        .iter()
        .map(|dv| {
            let row = &ds.demand[dv.row];
            let path = ds.growth.iter().find(|g| g.id == row.growth);
            let base = path.map_or(1.0, |g| g.index_at(row.base_year as f64));
            (0..p.months)
                .map(|i| {
                    let m = p.start.plus(i);
                    let idx = path.map_or(1.0, |g| g.index_at(m.year_fraction() - 0.5));
                    let mut mult = 1.0;
                    for e in &sc.events {
                        if let Event::DemandShock {
                            country,
                            sector,
                            material,
                            start,
                            end,
                            change,
                        } = &e.event
                            && country.as_ref().is_none_or(|c| c == &row.country)
                            && sector.as_ref().is_none_or(|s| s == &row.sector)
                            && material.as_ref().is_none_or(|x| x == &row.material)
                            && covers(*start, *end, m)
                        {
                            mult *= 1.0 + change;
                        }
                    }
                    let growth = 1.0 + growth_scale * (idx / base.max(1e-12) - 1.0);
                    row.quantity * growth.max(0.0) * mult.max(0.0) / 12.0
                })
                .sum()
        })
        .collect()
}

/// Per-period policy state carried through the run.
struct PolicyState {
    controls: Vec<policy::ControlArcs>,
    /// Reference (pre-control) flow per control and arc, t per month.
    ref_flow: Vec<Option<Vec<f64>>>,
    /// Substitution trigger month per rule.
    /// Substitution trigger month per rule and per row of the rule (markets trigger apart).
    sub_trigger: Vec<Vec<Option<Month>>>,
}

/// Run a scenario on a dataset (the scenario's overrides are applied here).
pub fn run(ds: &Dataset, sc: &Scenario) -> Result<RunResult, EngineError> {
    let problems = sc.validate(ds);
    if !problems.is_empty() {
        return Err(EngineError::Invalid(problems));
    }
    let settings = Settings::from_table(&sc.settings).map_err(EngineError::Settings)?;
    let mut data = sc.apply(ds);
    let plan = policy::prepare(&mut data, sc);
    // origin colours are needed only when a control reaches goods made abroad
    let taint = sc.events.iter().find_map(|e| match &e.event {
        Event::ExportControl {
            exporter,
            extraterritorial: Some(_),
            ..
        } => Some(exporter.clone()),
        _ => None,
    });
    let net = Network::build_with(&data, taint.as_deref());
    let grid = periods(sc.horizon.start, sc.horizon.end, sc.horizon.step);
    let ref_price: Vec<f64> = data
        .materials
        .iter()
        .map(|m| m.ref_price.unwrap_or(1.0))
        .collect();
    let mut working_set = clearing::WorkingSet::default();
    let mut expansions = Expansions::new(&data, sc);
    let mut stock: Vec<f64> = net
        .stocks
        .iter()
        .map(|s| data.stocks[s.row].quantity)
        .collect();
    let row_of: Vec<usize> = net.demands.iter().map(|d| d.row).collect();
    let mut state = PolicyState {
        controls: policy::resolve_controls(&data, &net, sc),
        ref_flow: Vec::new(),
        sub_trigger: plan
            .substitutions
            .iter()
            .map(|r| vec![None; r.rows.len()])
            .collect(),
    };
    state.ref_flow = vec![None; state.controls.len()];
    let mut out: Vec<PeriodResult> = Vec::with_capacity(grid.len());
    let mut stats = RunStats {
        variables: 0,
        rows: 0,
        nonzeros: 0,
        mean_variables: 0.0,
        solves: 0,
        periods: grid.len(),
        iterations: 0,
        solver_seconds: 0.0,
        approximate_periods: 0,
        failed_periods: 0,
    };
    let mut balance = Balance {
        max_abs_error_t: 0.0,
        max_rel_error: 0.0,
        ok: true,
    };
    let mut floor_cost = 0.0;
    for p in grid {
        let m = p.start;
        let prev = out.last();
        let prev_price = |node: usize| -> Option<f64> {
            prev.map(|r| r.clearing.price[node])
                .filter(|x| x.is_finite())
        };
        // substitution shares from last period's prices
        let mut sub_share: Vec<Vec<f64>> = plan
            .substitutions
            .iter()
            .map(|r| vec![0.0; r.rows.len()])
            .collect();
        for (k, rule) in plan.substitutions.iter().enumerate() {
            if m < rule.start {
                continue;
            }
            let mi = net.materials.iter().position(|x| *x == rule.material);
            for (j, &row) in rule.rows.iter().enumerate() {
                if state.sub_trigger[k][j].is_none() {
                    let market = policy::market_of(&data, &net, &data.demand[row].country);
                    let node = mi
                        .zip(market)
                        .and_then(|(mi, mk)| net.node_index.get(&(mk, mi)).copied());
                    if node
                        .and_then(&prev_price)
                        .is_some_and(|pp| pp > rule.trigger_multiple * ref_price[mi.unwrap_or(0)])
                    {
                        state.sub_trigger[k][j] = Some(m);
                    }
                }
                if let Some(t) = state.sub_trigger[k][j] {
                    let ramp = if rule.lag_months <= 0.0 {
                        1.0
                    } else {
                        ((m.months_since(t) + 1) as f64 / rule.lag_months).min(1.0)
                    };
                    sub_share[k][j] = rule.max_share * ramp;
                }
            }
        }
        // capacity decisions on the past year's rents (expansion events)
        expansions.decide(m, &|fi, m| {
            let f = &data.facilities[fi];
            if f.enabled { f.nameplate_at(m) } else { 0.0 }
        });
        let factors = policy::demand_factors(&plan, &sub_share, &row_of, m);
        let mut demand = period_demand(&data, sc, &net, &p, settings.demand_growth_scale);
        for (d, f) in demand.iter_mut().zip(&factors) {
            *d *= f;
        }
        let (stock_target, stock_release_price) =
            policy::stock_terms(&data, &net, &plan, &settings, &p);
        let mut inputs = PeriodInputs {
            capacity: period_capacity(&data, sc, &p, &expansions),
            unit_cost: data.facilities.iter().map(|f| f.unit_cost).collect(),
            demand,
            stock_begin: stock.clone(),
            stock_target,
            ref_price: ref_price.clone(),
            months: p.months as f64,
            arc_extra_cost: vec![0.0; net.arcs.len()],
            arc_capacity: net
                .arcs
                .iter()
                .map(|a| a.capacity.map(|c| c * p.year_share()))
                .collect(),
            arc_groups: Vec::new(),
            activity_groups: Vec::new(),
            activity_subsidy: vec![0.0; net.activities.len()],
            stock_release_price,
        };
        apply_period_policies(&data, sc, &net, &plan, &mut inputs, &p, prev, &settings);
        // export controls need pre-control reference flows
        let mut needs_ref = false;
        for (c, ctl) in state.controls.iter().enumerate() {
            let e = &sc.events[ctl.event].event;
            let (start, end) = match e {
                Event::ExportControl { start, end, .. } => (*start, *end),
                _ => continue,
            };
            if policy::active(sc, e, start, end, m) && state.ref_flow[c].is_none() {
                match prev {
                    Some(r) => {
                        state.ref_flow[c] = Some(
                            r.clearing
                                .flow
                                .iter()
                                .map(|f| f / r.period.months as f64)
                                .collect(),
                        )
                    }
                    None => needs_ref = true,
                }
            }
        }
        if needs_ref {
            let prob = clearing::build(&net, &inputs, &settings);
            let c = clearing::solve(&net, &prob, &settings);
            for (k, r) in state.ref_flow.iter_mut().enumerate() {
                if r.is_none() && state.controls[k].start <= m {
                    *r = Some(c.flow.iter().map(|f| f / p.months as f64).collect());
                }
            }
        }
        for (c, ctl) in state.controls.iter().enumerate() {
            let e = &sc.events[ctl.event].event;
            let (start, end) = match e {
                Event::ExportControl { start, end, .. } => (*start, *end),
                _ => continue,
            };
            if !policy::active(sc, e, start, end, m) {
                continue;
            }
            match ctl.mode {
                ControlMode::Ban => {
                    for &a in &ctl.arcs {
                        inputs.arc_capacity[a] = Some(0.0);
                    }
                }
                ControlMode::Licence => {
                    let elapsed_days = m.months_since(ctl.start) as f64 * 30.44;
                    let period_days = p.months as f64 * 30.44;
                    let open = ((elapsed_days + period_days - ctl.delay_days) / period_days)
                        .clamp(0.0, 1.0);
                    let refs = state.ref_flow[c].as_deref().unwrap_or(&[]);
                    for &a in &ctl.arcs {
                        let allowed = ctl.approval
                            * refs.get(a).copied().unwrap_or(0.0)
                            * p.months as f64
                            * open;
                        inputs.arc_capacity[a] =
                            Some(inputs.arc_capacity[a].map_or(allowed, |x| x.min(allowed)));
                    }
                }
                ControlMode::Quota => inputs
                    .arc_groups
                    .push((ctl.arcs.clone(), ctl.quota * p.year_share())),
            }
        }
        let (c, prob) = if settings.working_set {
            clearing::clear(&net, &inputs, &settings, &mut working_set)
        } else {
            let prob = clearing::build(&net, &inputs, &settings);
            let mut c = clearing::solve(&net, &prob, &settings);
            clearing::pin_idle_prices(&net, &inputs, &mut c);
            (c, prob)
        };
        stats.rows = stats.rows.max(prob.m);
        stats.variables = stats.variables.max(prob.n);
        stats.nonzeros = stats.nonzeros.max(prob.a.len());
        stats.mean_variables += prob.n as f64;
        stats.solves += c.solves as u64;
        stats.iterations += c.iterations as u64;
        stats.solver_seconds += c.solve_time;
        match c.status {
            ClearingStatus::Optimal => {}
            ClearingStatus::Approximate => stats.approximate_periods += 1,
            ClearingStatus::Failed => stats.failed_periods += 1,
        }
        let (mut abs, mut rel) = (0.0f64, 0.0f64);
        if c.status != ClearingStatus::Failed {
            (abs, rel) = clearing::balance_errors(&clearing::residuals(&net, &inputs, &c));
            stock = c.stock_end.iter().map(|x| x.max(0.0)).collect();
        }
        for (k, sub) in inputs.activity_subsidy.iter().enumerate() {
            floor_cost += sub * c.activity[k];
        }
        balance.max_abs_error_t = balance.max_abs_error_t.max(abs);
        balance.max_rel_error = balance.max_rel_error.max(rel);
        if rel > settings.balance_tolerance {
            balance.ok = false;
        }
        expansions.record(
            p.months.max(0) as u32,
            &inputs.capacity,
            &c.capacity_rent,
            &inputs.unit_cost,
        );
        out.push(PeriodResult {
            period: p,
            inputs,
            clearing: c,
            max_abs_error: abs,
            max_rel_error: rel,
        });
    }
    stats.mean_variables /= stats.periods.max(1) as f64;
    Ok(RunResult {
        scenario: sc.name.clone(),
        dataset: data.name.clone(),
        data,
        network: net,
        periods: out,
        balance,
        stats,
        settings,
        price_floor_cost_usd: floor_cost,
        metrics: sc.metrics.clone(),
        expansion_rules: expansions.rules(),
        expansions: expansions.decisions,
    })
}

/// Tariffs, production quotas and price floors for one period.
#[allow(clippy::too_many_arguments)]
fn apply_period_policies(
    ds: &Dataset,
    sc: &Scenario,
    net: &Network,
    _plan: &policy::Plan,
    inp: &mut PeriodInputs,
    p: &Period,
    prev: Option<&PeriodResult>,
    _s: &Settings,
) {
    let m = p.start;
    for e in &sc.events {
        match &e.event {
            Event::Tariff {
                importer,
                exporter,
                materials,
                rate,
                start,
                end,
                ..
            } if policy::active(sc, &e.event, *start, *end, m) => {
                let Some(im) = policy::market_of(ds, net, importer) else {
                    continue;
                };
                let xm = if exporter == "*" {
                    None
                } else {
                    policy::market_of(ds, net, exporter)
                };
                for (a, arc) in net.arcs.iter().enumerate() {
                    let (f, t) = (&net.nodes[arc.from], &net.nodes[arc.to]);
                    let mat = &net.materials[f.material];
                    if t.market == im
                        && xm.is_none_or(|x| x == f.market)
                        && (materials.iter().any(|x| x == "*" || x == mat))
                    {
                        inp.arc_extra_cost[a] += rate * inp.ref_price[f.material] * 1000.0;
                    }
                }
            }
            Event::ProductionQuota {
                country,
                stage,
                tonnes_per_year,
                start,
                end,
                ..
            } if policy::active(sc, &e.event, *start, *end, m) => {
                let acts: Vec<(usize, f64)> = net
                    .activities
                    .iter()
                    .enumerate()
                    .filter(|(_, a)| &ds.facilities[a.facility].country == country)
                    .map(|(k, _)| (k, policy::stage_weight(ds, net, k, *stage)))
                    .filter(|(_, w)| *w > 0.0)
                    .collect();
                if !acts.is_empty() {
                    inp.activity_groups
                        .push((acts, tonnes_per_year * p.year_share()));
                }
            }
            Event::PriceFloor {
                facility,
                company,
                material,
                price,
                start,
                end,
                ..
            } if covers(*start, *end, m) => {
                let Some(mi) = net.materials.iter().position(|x| x == material) else {
                    continue;
                };
                for (k, act) in net.activities.iter().enumerate() {
                    let f = &ds.facilities[act.facility];
                    if facility.as_ref().is_some_and(|x| x != &f.id)
                        || (facility.is_none() && company.as_ref().is_some_and(|c| c != &f.company))
                    {
                        continue;
                    }
                    for &(node, q) in &act.outputs {
                        if net.nodes[node].material != mi {
                            continue;
                        }
                        let market_price = prev
                            .map(|r| r.clearing.price[node])
                            .filter(|x| x.is_finite())
                            .unwrap_or(inp.ref_price[mi]);
                        inp.activity_subsidy[k] += (price - market_price).max(0.0) * 1000.0 * q;
                    }
                }
            }
            _ => {}
        }
    }
}
