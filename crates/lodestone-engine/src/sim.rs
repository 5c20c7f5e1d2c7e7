//! The period loop: capacities and demand from data and events, clearing, stocks carried
//! forward, mass balance checked every period.

use crate::clearing::{self, Clearing, ClearingStatus, PeriodInputs};
use crate::network::Network;
use crate::settings::Settings;
use lodestone_model::Diagnostics;
use lodestone_model::dataset::Dataset;
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
    /// Variables per period.
    pub variables: usize,
    /// Constraint rows per period.
    pub rows: usize,
    /// Non-zeros of A.
    pub nonzeros: usize,
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
}

fn covers(start: Month, end: Option<Month>, m: Month) -> bool {
    m >= start && end.is_none_or(|e| m <= e)
}

/// Capacity per facility for one period (t of activity), after ramps, utilization and disruptions.
pub fn period_capacity(ds: &Dataset, sc: &Scenario, p: &Period) -> Vec<f64> {
    ds.facilities
        .iter()
        .map(|f| {
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
                    f.nameplate_at(m) * f.utilization * (1.0 - loss.min(1.0)) / 12.0
                })
                .sum()
        })
        .collect()
}

/// Demand per demand variable for one period (t), after growth and shocks.
pub fn period_demand(ds: &Dataset, sc: &Scenario, net: &Network, p: &Period) -> Vec<f64> {
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
                    row.quantity * idx / base.max(1e-12) * mult.max(0.0) / 12.0
                })
                .sum()
        })
        .collect()
}

/// Run a scenario on a dataset (the scenario's overrides are applied here).
pub fn run(ds: &Dataset, sc: &Scenario) -> Result<RunResult, EngineError> {
    let problems = sc.validate(ds);
    if !problems.is_empty() {
        return Err(EngineError::Invalid(problems));
    }
    let settings = Settings::from_table(&sc.settings).map_err(EngineError::Settings)?;
    let data = sc.apply(ds);
    let net = Network::build(&data);
    let grid = periods(sc.horizon.start, sc.horizon.end, sc.horizon.step);
    let ref_price: Vec<f64> = data
        .materials
        .iter()
        .map(|m| m.ref_price.unwrap_or(1.0))
        .collect();
    let mut stock: Vec<f64> = net
        .stocks
        .iter()
        .map(|s| data.stocks[s.row].quantity)
        .collect();
    let target: Vec<f64> = net
        .stocks
        .iter()
        .map(|s| data.stocks[s.row].target)
        .collect();
    let mut out = Vec::with_capacity(grid.len());
    let mut stats = RunStats {
        variables: net.n_vars(),
        rows: 0,
        nonzeros: 0,
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
    for p in grid {
        let inputs = PeriodInputs {
            capacity: period_capacity(&data, sc, &p),
            unit_cost: data.facilities.iter().map(|f| f.unit_cost).collect(),
            demand: period_demand(&data, sc, &net, &p),
            stock_begin: stock.clone(),
            stock_target: target.clone(),
            ref_price: ref_price.clone(),
            months: p.months as f64,
            arc_extra_cost: vec![0.0; net.arcs.len()],
            arc_capacity: net
                .arcs
                .iter()
                .map(|a| a.capacity.map(|c| c * p.year_share()))
                .collect(),
        };
        let prob = clearing::build(&net, &inputs, &settings);
        stats.rows = prob.m;
        stats.nonzeros = prob.a.len();
        let c = clearing::solve(&net, &prob, &settings);
        stats.iterations += c.iterations as u64;
        stats.solver_seconds += c.solve_time;
        match c.status {
            ClearingStatus::Optimal => {}
            ClearingStatus::Approximate => stats.approximate_periods += 1,
            ClearingStatus::Failed => stats.failed_periods += 1,
        }
        let (mut abs, mut rel) = (0.0f64, 0.0f64);
        if c.status != ClearingStatus::Failed {
            for (err, scale) in clearing::residuals(&net, &inputs, &c) {
                abs = abs.max(err.abs());
                rel = rel.max(err.abs() / scale.max(1.0));
            }
            stock = c.stock_end.iter().map(|x| x.max(0.0)).collect();
        }
        balance.max_abs_error_t = balance.max_abs_error_t.max(abs);
        balance.max_rel_error = balance.max_rel_error.max(rel);
        if rel > settings.balance_tolerance {
            balance.ok = false;
        }
        out.push(PeriodResult {
            period: p,
            inputs,
            clearing: c,
            max_abs_error: abs,
            max_rel_error: rel,
        });
    }
    Ok(RunResult {
        scenario: sc.name.clone(),
        dataset: data.name.clone(),
        data,
        network: net,
        periods: out,
        balance,
        stats,
        settings,
    })
}
