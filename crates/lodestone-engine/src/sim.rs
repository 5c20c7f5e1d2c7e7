//! The period loop, in the steps of MODEL.md: capacities → demand → policies → clear →
//! carry forward, with mass balance checked every period. What each lever does in a step
//! lives in `levers`; this module only orders the steps.

use crate::clearing::{self, Clearing, ClearingStatus, PeriodInputs, Problem};
use crate::levers::{self, PeriodCx, Plan, State, expansion::Decision};
use crate::network::Network;
use crate::settings::Settings;
use crate::storage::{self, Expectations};
use lodestone_model::Diagnostics;
use lodestone_model::dataset::Dataset;
use lodestone_model::scenario::{MetricsSpec, Scenario};
use lodestone_model::time::{Period, periods};
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
    /// Whether every period cleared (a failed period has no answer to balance) and is
    /// within `settings.balance_tolerance`.
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
    /// Trial clearings of a foresight window (`storage::Foresight`); 0 without one.
    pub foresight_passes: usize,
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

/// Run a scenario on a dataset (the scenario's overrides are applied here).
pub fn run(ds: &Dataset, sc: &Scenario) -> Result<RunResult, EngineError> {
    let problems = sc.validate(ds);
    if !problems.is_empty() {
        return Err(EngineError::Invalid(problems));
    }
    let settings = Settings::check(sc).map_err(EngineError::Invalid)?;
    let mut data = sc.apply(ds);
    let plan = levers::prepare(&mut data, sc);
    // origin colours are needed only when a control reaches goods made abroad
    let net = Network::build_with(&data, levers::traced_exporter(sc));
    let grid = periods(sc.horizon.start, sc.horizon.end, sc.horizon.step);
    let windows = storage::foresight_windows(sc, &grid);
    let mut run = Runner::new(sc, data, net, plan, settings, grid.len());
    for (i, p) in grid.iter().enumerate() {
        if let Some(w) = windows.iter().find(|w| w.start == i) {
            run.foresee(&grid, w.clone());
        }
        run.step(i, p);
    }
    Ok(run.finish())
}

/// The state of a run between periods.
#[derive(Clone)]
struct Runner<'a> {
    sc: &'a Scenario,
    data: Dataset,
    net: Network,
    plan: Plan,
    settings: Settings,
    levers: State,
    working_set: clearing::WorkingSet,
    /// Reference price per material, USD/kg (1 where the dataset has none).
    ref_price: Vec<f64>,
    /// Stock at the start of the next period, per stock variable, t.
    stock: Vec<f64>,
    /// Commercial holders' expected prices.
    expect: Expectations,
    /// Demand row of each demand variable.
    row_of: Vec<usize>,
    out: Vec<PeriodResult>,
    stats: RunStats,
    balance: Balance,
    floor_cost: f64,
}

impl<'a> Runner<'a> {
    fn new(
        sc: &'a Scenario,
        data: Dataset,
        net: Network,
        plan: Plan,
        settings: Settings,
        periods: usize,
    ) -> Runner<'a> {
        let ref_price: Vec<f64> = data
            .materials
            .iter()
            .map(|m| m.ref_price.unwrap_or(1.0))
            .collect();
        let stock = net
            .stocks
            .iter()
            .map(|s| s.row.map_or(0.0, |r| data.stocks[r].quantity))
            .collect();
        let row_of = net.demands.iter().map(|d| d.row).collect();
        let levers = State::new(&data, &net, sc, &plan);
        let expect = Expectations::new(&net, &ref_price);
        Runner {
            expect,
            sc,
            levers,
            working_set: clearing::WorkingSet::default(),
            ref_price,
            stock,
            row_of,
            out: Vec::with_capacity(periods),
            stats: RunStats::new(periods),
            balance: Balance {
                max_abs_error_t: 0.0,
                max_rel_error: 0.0,
                ok: true,
            },
            floor_cost: 0.0,
            data,
            net,
            plan,
            settings,
        }
    }

    /// Clear period `i` and carry its results forward.
    fn step(&mut self, i: usize, p: &Period) {
        self.expect.now = i;
        let mut inputs = self.inputs(p);
        self.policies(p, &mut inputs);
        let (c, prob) = self.clear_sticky(p, &mut inputs);
        self.carry_forward(*p, inputs, c, &prob);
    }

    /// Find the holders' perfect-foresight price path over `window` (period indices; the
    /// run stands at its first period): clear the window and the period after it with the
    /// prices holders expect, expect the prices that came out (damped), and repeat until
    /// they agree (`storage::Foresight`). The run then goes on with that path.
    fn foresee(&mut self, grid: &[Period], window: std::ops::Range<usize>) {
        let last = window.end.min(grid.len() - 1);
        let mut path = storage::Foresight::new(window.clone(), grid.len(), &self.net);
        for _ in 0..storage::FORESIGHT_PASSES {
            let mut trial = self.clone();
            trial.expect.foresight = Some(path.clone());
            for (i, p) in grid.iter().enumerate().take(last + 1).skip(window.start) {
                trial.step(i, p);
            }
            let prices = (trial.out[self.out.len()..].iter()).map(|r| &r.clearing.price);
            let converged = path.learn(window.start, prices);
            self.stats.foresight_passes += 1;
            if converged {
                break;
            }
        }
        self.expect.foresight = Some(path);
    }

    /// Capacities and demand of a period, with the stocks carried in: substitution from
    /// last period's prices, capacity decisions on past rents, then capacities (ramps,
    /// closures, disruptions, expansions) and demand (growth, shocks, offtakes,
    /// substitution).
    fn inputs(&mut self, p: &Period) -> PeriodInputs {
        let mut inputs = self.base_inputs(p);
        if !self.expect.knows_use() {
            // a first clearing without holders measures each node's use
            let prob = clearing::build(&self.net, &inputs, &self.settings);
            let mut c = clearing::solve(&self.net, &prob, &self.settings);
            // an idle node's raw dual is any value in an interval: its premium would be
            // round-off, and holders would expect it for the rest of the run
            clearing::pin_idle_prices(&self.net, &inputs, &mut c);
            self.expect
                .update(&self.net, &c, p.months as f64, &self.settings);
        }
        inputs.stock_value = storage::values(&self.net, &inputs, &self.expect, &self.settings);
        for (t, v) in inputs.stock_target.iter_mut().zip(&inputs.stock_value) {
            if v.slope > 0.0 {
                *t = v.normal; // a holder's working stock: below it, the convenience term
            }
        }
        if self.out.is_empty() {
            // holders start the run at their normal working stock
            for (k, v) in inputs.stock_value.iter().enumerate() {
                inputs.stock_begin[k] += v.normal;
            }
        }
        inputs
    }

    /// `inputs` before the holders' terms.
    fn base_inputs(&mut self, p: &Period) -> PeriodInputs {
        let m = p.start;
        let cx = PeriodCx::new(&self.data, self.sc, &self.net, p, &self.out);
        self.levers.substitutions.update(&cx, &self.ref_price);
        let data = &self.data;
        self.levers.expansions.decide(m, &|fi, m| {
            let f = &data.facilities[fi];
            if f.enabled { f.nameplate_at(m) } else { 0.0 }
        });
        let factors =
            levers::demand_factors(&self.plan, &self.levers.substitutions, &self.row_of, m);
        let s = &self.settings;
        let mut demand = levers::period_demand(data, self.sc, &self.net, p, s.demand_growth_scale);
        for (d, f) in demand.iter_mut().zip(&factors) {
            *d *= f;
        }
        levers::reallocate_offtakes(&self.net, &self.plan.row_kind, &mut demand);
        let (stock_target, stock_release_price) =
            levers::stock_terms(data, &self.net, &self.plan, s, p);
        let net = &self.net;
        PeriodInputs {
            capacity: levers::period_capacity(data, self.sc, p, &self.levers.expansions),
            unit_cost: data.facilities.iter().map(|f| f.unit_cost).collect(),
            demand,
            stock_begin: self.stock.clone(),
            stock_target,
            ref_price: self.ref_price.clone(),
            months: p.months as f64,
            arc_extra_cost: vec![0.0; net.arcs.len()],
            arc_capacity: (net.arcs.iter())
                .map(|a| a.capacity.map(|c| c * p.year_share()))
                .collect(),
            arc_groups: Vec::new(),
            activity_groups: Vec::new(),
            activity_subsidy: vec![0.0; net.activities.len()],
            stock_release_price,
            stock_value: Vec::new(),
        }
    }

    /// The levers' terms of a period: tariffs, production quotas and price floors, then
    /// export controls (which may need a solve without them for pre-control flows). Trade
    /// inertia's caps join the arcs that would break them (`levers::inertia`).
    fn policies(&mut self, p: &Period, inputs: &mut PeriodInputs) {
        let cx = PeriodCx::new(&self.data, self.sc, &self.net, p, &self.out);
        levers::period_terms(&cx, inputs);
        self.levers.controls.apply(&cx, inputs, &self.settings);
    }

    /// Clear the period (over a working set of arcs unless the settings say otherwise).
    fn clear(&mut self, inputs: &PeriodInputs) -> (Clearing, Problem) {
        let (net, s) = (&self.net, &self.settings);
        if s.working_set {
            clearing::clear(net, inputs, s, &mut self.working_set)
        } else {
            let prob = clearing::build(net, inputs, s);
            let mut c = clearing::solve(net, &prob, s);
            clearing::pin_idle_prices(net, inputs, &mut c);
            (c, prob)
        }
    }

    /// Clear the period under trade inertia: every route capped at what inertia lets it
    /// carry (`levers::inertia`).
    fn clear_sticky(&mut self, p: &Period, inputs: &mut PeriodInputs) -> (Clearing, Problem) {
        let caps = levers::inertia::caps(
            &PeriodCx::new(&self.data, self.sc, &self.net, p, &self.out),
            &self.settings,
        );
        levers::inertia::impose(&caps, inputs);
        self.clear(inputs)
    }

    /// Count the solve, check mass balance, carry stocks forward, add up price-floor
    /// payments and remember capacity rents for expansion decisions.
    fn carry_forward(&mut self, p: Period, inputs: PeriodInputs, c: Clearing, prob: &Problem) {
        self.stats.count(prob, &c);
        let (mut abs, mut rel) = (0.0f64, 0.0f64);
        if c.status != ClearingStatus::Failed {
            (abs, rel) = clearing::balance_errors(&clearing::residuals(&self.net, &inputs, &c));
            self.stock = c.stock_end.iter().map(|x| x.max(0.0)).collect();
            self.expect
                .update(&self.net, &c, p.months as f64, &self.settings);
        }
        for (k, sub) in inputs.activity_subsidy.iter().enumerate() {
            self.floor_cost += sub * c.activity[k];
        }
        let b = &mut self.balance;
        b.max_abs_error_t = b.max_abs_error_t.max(abs);
        b.max_rel_error = b.max_rel_error.max(rel);
        if rel > self.settings.balance_tolerance || c.status == ClearingStatus::Failed {
            b.ok = false;
        }
        self.levers.expansions.record(
            p.months.max(0) as u32,
            &inputs.capacity,
            &c.capacity_rent,
            &inputs.unit_cost,
        );
        self.out.push(PeriodResult {
            period: p,
            inputs,
            clearing: c,
            max_abs_error: abs,
            max_rel_error: rel,
        });
    }

    fn finish(mut self) -> RunResult {
        self.stats.mean_variables /= self.stats.periods.max(1) as f64;
        RunResult {
            scenario: self.sc.name.clone(),
            dataset: self.data.name.clone(),
            data: self.data,
            network: self.net,
            periods: self.out,
            balance: self.balance,
            stats: self.stats,
            settings: self.settings,
            price_floor_cost_usd: self.floor_cost,
            metrics: self.sc.metrics.clone(),
            expansion_rules: self.levers.expansions.rules(),
            expansions: self.levers.expansions.decisions,
        }
    }
}

impl RunStats {
    fn new(periods: usize) -> RunStats {
        RunStats {
            variables: 0,
            rows: 0,
            nonzeros: 0,
            mean_variables: 0.0,
            solves: 0,
            periods,
            iterations: 0,
            solver_seconds: 0.0,
            approximate_periods: 0,
            failed_periods: 0,
            foresight_passes: 0,
        }
    }

    /// Add one period's problem size and solver effort.
    fn count(&mut self, prob: &Problem, c: &Clearing) {
        self.rows = self.rows.max(prob.m);
        self.variables = self.variables.max(prob.n);
        self.nonzeros = self.nonzeros.max(prob.a.len());
        self.mean_variables += prob.n as f64;
        self.solves += c.solves as u64;
        self.iterations += c.iterations as u64;
        self.solver_seconds += c.solve_time;
        match c.status {
            ClearingStatus::Optimal => {}
            ClearingStatus::Approximate => self.approximate_periods += 1,
            ClearingStatus::Failed => self.failed_periods += 1,
        }
    }
}
