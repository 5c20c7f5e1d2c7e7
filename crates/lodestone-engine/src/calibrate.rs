//! Calibration: fit named parameters (`[settings]` constants and every dataset or scenario
//! path `[[uncertainty]]` addresses) to the observations, by minimising a weighted sum of
//! squared log errors with argmin's Nelder–Mead.
//!
//! The search runs in normalised coordinates (0..1 per parameter); a point outside the box
//! is run at its projection on the box and pays a penalty for the distance. The initial
//! simplex comes from the seed (ChaCha8), so a fit is deterministic; each distinct point
//! is one model run, memoised, and the fit stops at `max_runs` runs. The simplex's first
//! vertices are run in parallel, the rest in order: the result does not depend on the
//! thread count. Values are set through `ensemble::apply`, the code path ensembles use.

mod fragment;
mod params;
mod targets;

pub use fragment::fragment;
pub use params::{Param, check as check_params, start_value};
pub use targets::{Target, check as check_targets, every_metric, parse as parse_target};

use crate::ensemble::apply;
use crate::sim::{EngineError, RunResult, run};
use argmin::core::{CostFunction, Executor, State, TerminationReason, TerminationStatus};
use argmin::solver::neldermead::NelderMead;
use lodestone_model::dataset::Dataset;
use lodestone_model::scenario::Scenario;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;
use std::cell::RefCell;
use std::collections::BTreeMap;

/// Each target's contribution to the objective for one run: its weight × the sum of
/// squared log errors (ln simulated/observed) of the back-test's points it selects.
pub fn target_losses(r: &RunResult, targets: &[Target]) -> Vec<f64> {
    let b = crate::backtest::backtest(r);
    targets
        .iter()
        .map(|t| crate::backtest::loss(&b, std::slice::from_ref(t)))
        .collect()
}

/// How to fit.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Seed of the initial simplex.
    pub seed: u64,
    /// Most model runs (distinct points evaluated); at least parameters + 2.
    pub max_runs: usize,
    /// Worker threads for the initial simplex (1 = sequential; 0 = rayon's default).
    /// Results do not depend on it.
    pub threads: usize,
}

/// A fitted parameter.
#[derive(Debug, Clone, Serialize)]
pub struct Fitted {
    /// Path.
    pub path: String,
    /// Box searched.
    pub low: f64,
    /// Box searched.
    pub high: f64,
    /// Value as the scenario stands (clamped into the box): the search starts there.
    pub start: f64,
    /// Fitted value.
    pub fitted: f64,
    /// The fitted value is an end of the box: the best fit may lie beyond it.
    pub at_bound: bool,
}

/// A target's contribution to the objective at the start and at the fit.
#[derive(Debug, Clone, Serialize)]
pub struct Residual {
    /// The target as written.
    pub target: String,
    /// Its weight.
    pub weight: f64,
    /// Weighted sum of squared log errors at the start.
    pub before: f64,
    /// The same at the fitted values.
    pub after: f64,
}

/// The result of a fit.
#[derive(Debug, Clone, Serialize)]
pub struct Calibration {
    /// Scenario name.
    pub scenario: String,
    /// Dataset name.
    pub dataset: String,
    /// Seed of the initial simplex.
    pub seed: u64,
    /// Budget of model runs.
    pub max_runs: usize,
    /// Model runs used.
    pub runs: usize,
    /// Whether Nelder–Mead converged (the simplex's objective values agree to the
    /// tolerance) before the budget ran out.
    pub converged: bool,
    /// Objective at the start.
    pub objective_before: f64,
    /// Objective at the fitted values.
    pub objective_after: f64,
    /// The parameters.
    pub parameters: Vec<Fitted>,
    /// Per target.
    pub residuals: Vec<Residual>,
}

/// Objective of a run that failed to give one (a non-finite loss).
const FAILED: f64 = 1e12;

/// Stops the search when the budget of runs is spent (never raised while the simplex is
/// initialised: those runs are made before).
#[derive(Debug, thiserror::Error)]
#[error("budget of model runs spent")]
struct Spent;

/// The objective over normalised points: runs the model, memoised by projected point.
struct Evaluator<'a> {
    ds: &'a Dataset,
    sc: &'a Scenario,
    params: &'a [Param],
    targets: &'a [Target],
    max_runs: usize,
    /// Projected point (bits) → per-target losses.
    memo: RefCell<BTreeMap<Vec<u64>, Vec<f64>>>,
    /// Best (projected point, objective) so far, first found on ties.
    best: RefCell<Option<(Vec<f64>, f64)>>,
    /// The first engine error, which stops the fit.
    failure: RefCell<Option<EngineError>>,
    progress: &'a dyn Fn(usize, f64),
}

/// A point of the box's projection and the distance outside it.
fn project(x: &[f64]) -> (Vec<f64>, f64) {
    let p: Vec<f64> = x.iter().map(|v| v.clamp(0.0, 1.0)).collect();
    let d = x.iter().zip(&p).map(|(a, b)| (a - b).abs()).sum();
    (p, d)
}

fn key(p: &[f64]) -> Vec<u64> {
    p.iter().map(|v| v.to_bits()).collect()
}

impl Evaluator<'_> {
    /// Parameter values of a normalised point.
    fn values(&self, p: &[f64]) -> Vec<(String, f64)> {
        (self.params.iter().zip(p))
            .map(|(q, u)| (q.path.clone(), q.low + u * (q.high - q.low)))
            .collect()
    }

    /// One model run at a projected point: per-target losses.
    fn losses(&self, p: &[f64]) -> Result<Vec<f64>, EngineError> {
        let (ds, sc) = apply(self.ds, self.sc, &self.values(p), Vec::new());
        let r = run(&ds, &sc)?;
        Ok(target_losses(&r, self.targets))
    }

    fn total(losses: &[f64]) -> f64 {
        let t: f64 = losses.iter().sum();
        if t.is_finite() { t } else { FAILED }
    }

    /// Record a new run's losses.
    fn record(&self, p: Vec<f64>, losses: Vec<f64>) {
        let t = Self::total(&losses);
        let mut best = self.best.borrow_mut();
        if best.as_ref().is_none_or(|(_, b)| t < *b) {
            *best = Some((p.clone(), t));
        }
        let mut memo = self.memo.borrow_mut();
        memo.insert(key(&p), losses);
        (self.progress)(memo.len(), best.as_ref().map_or(t, |b| b.1));
    }

    /// Objective of a normalised point (projection plus penalty).
    fn objective(&self, x: &[f64]) -> Result<f64, argmin::core::Error> {
        let (p, d) = project(x);
        let cached = self.memo.borrow().get(&key(&p)).map(|l| Self::total(l));
        let f = match cached {
            Some(f) => f,
            None => {
                if self.memo.borrow().len() >= self.max_runs {
                    return Err(Spent.into());
                }
                let losses = self.losses(&p).map_err(|e| {
                    let msg = e.to_string();
                    self.failure.borrow_mut().get_or_insert(e);
                    argmin::core::Error::msg(msg)
                })?;
                let f = Self::total(&losses);
                self.record(p, losses);
                f
            }
        };
        Ok(f + (f.abs() + 1.0) * d)
    }
}

/// The evaluator as argmin's problem.
struct Cost<'a, 'b>(&'a Evaluator<'b>);

impl CostFunction for Cost<'_, '_> {
    type Param = Point;
    type Output = f64;

    fn cost(&self, x: &Point) -> Result<f64, argmin::core::Error> {
        self.0.objective(&x.0)
    }
}

/// A point in normalised coordinates (the vector arithmetic Nelder–Mead needs).
#[derive(Debug, Clone, PartialEq)]
pub struct Point(pub Vec<f64>);

impl argmin_math::ArgminAdd<Point, Point> for Point {
    fn add(&self, o: &Point) -> Point {
        Point(self.0.iter().zip(&o.0).map(|(a, b)| a + b).collect())
    }
}

impl argmin_math::ArgminSub<Point, Point> for Point {
    fn sub(&self, o: &Point) -> Point {
        Point(self.0.iter().zip(&o.0).map(|(a, b)| a - b).collect())
    }
}

impl argmin_math::ArgminMul<f64, Point> for Point {
    fn mul(&self, k: &f64) -> Point {
        Point(self.0.iter().map(|a| a * k).collect())
    }
}

/// The initial simplex: the start, then one vertex per parameter moved by 0.1–0.25 of its
/// box, up or down as the seed says (towards the inside when the other way leaves it).
pub fn initial_simplex(start: &[f64], seed: u64) -> Vec<Vec<f64>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = vec![start.to_vec()];
    for i in 0..start.len() {
        let step = 0.1 + 0.15 * rng.random::<f64>();
        let up = rng.random::<bool>();
        let mut v = start.to_vec();
        let (a, b) = (start[i] + step, start[i] - step);
        v[i] = match (up, a <= 1.0, b >= 0.0) {
            (true, true, _) | (false, true, false) => a,
            _ => b,
        };
        out.push(v);
    }
    out
}

/// Fit `params` to `targets`. `progress(runs, best objective)` is called after each run.
/// The scenario must be valid for the dataset and the parameters checked
/// ([`check_params`]); a model run that fails stops the fit with its error.
pub fn calibrate(
    ds: &Dataset,
    sc: &Scenario,
    params: &[Param],
    targets: &[Target],
    opts: &Options,
    progress: &dyn Fn(usize, f64),
) -> Result<Calibration, EngineError> {
    let n = params.len();
    if n == 0 || opts.max_runs < n + 2 {
        return Err(EngineError::Settings(format!(
            "a fit of {n} parameter(s) needs at least one parameter and {} model runs",
            n + 2
        )));
    }
    let start: Vec<f64> = params
        .iter()
        .map(|p| ((start_value(ds, sc, &p.path) - p.low) / (p.high - p.low)).clamp(0.0, 1.0))
        .collect();
    let ev = Evaluator {
        ds,
        sc,
        params,
        targets,
        max_runs: opts.max_runs,
        memo: RefCell::new(BTreeMap::new()),
        best: RefCell::new(None),
        failure: RefCell::new(None),
        progress,
    };
    let simplex = initial_simplex(&start, opts.seed);
    run_simplex(&ev, &simplex, opts.threads)?;
    let converged = search(&ev, simplex)?;
    let (best, after) = ev.best.borrow().clone().unwrap_or((start.clone(), FAILED));
    let memo = ev.memo.borrow();
    let before_losses = &memo[&key(&start)];
    let after_losses = &memo[&key(&best)];
    let fitted = ev.values(&best);
    Ok(Calibration {
        scenario: sc.name.clone(),
        dataset: ds.name.clone(),
        seed: opts.seed,
        max_runs: opts.max_runs,
        runs: memo.len(),
        converged,
        objective_before: Evaluator::total(before_losses),
        objective_after: after,
        parameters: (params.iter().zip(ev.values(&start)).zip(fitted))
            .map(|((p, (_, s)), (_, f))| Fitted {
                path: p.path.clone(),
                low: p.low,
                high: p.high,
                start: s,
                fitted: f,
                at_bound: f <= p.low || f >= p.high,
            })
            .collect(),
        residuals: (targets.iter().zip(before_losses).zip(after_losses))
            .map(|((t, b), a)| Residual {
                target: targets::label(t),
                weight: t.weight,
                before: *b,
                after: *a,
            })
            .collect(),
    })
}

/// Run the initial simplex's vertices in parallel and record them in vertex order.
fn run_simplex(ev: &Evaluator, simplex: &[Vec<f64>], threads: usize) -> Result<(), EngineError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| EngineError::Settings(format!("thread pool: {e}")))?;
    let (ds, sc, targets) = (ev.ds, ev.sc, ev.targets);
    let values: Vec<Vec<(String, f64)>> = simplex.iter().map(|p| ev.values(p)).collect();
    let results: Vec<Result<Vec<f64>, EngineError>> = pool.install(|| {
        values
            .par_iter()
            .map(|v| {
                let (d, s) = apply(ds, sc, v, Vec::new());
                Ok(target_losses(&run(&d, &s)?, targets))
            })
            .collect()
    });
    for (p, r) in simplex.iter().zip(results) {
        if !ev.memo.borrow().contains_key(&key(p)) {
            ev.record(p.clone(), r?);
        }
    }
    Ok(())
}

/// Nelder–Mead from the simplex until it converges or the budget is spent; `Ok(true)` when
/// it converged.
fn search(ev: &Evaluator, simplex: Vec<Vec<f64>>) -> Result<bool, EngineError> {
    let solver = NelderMead::new(simplex.into_iter().map(Point).collect())
        .with_sd_tolerance(1e-10)
        .map_err(|e| EngineError::Settings(e.to_string()))?;
    let res = Executor::new(Cost(ev), solver)
        .configure(|s| s.max_iters(ev.max_runs as u64))
        .timer(false)
        .run();
    match res {
        Ok(r) => Ok(matches!(
            r.state().get_termination_status(),
            TerminationStatus::Terminated(TerminationReason::SolverConverged)
        )),
        Err(e) if e.is::<Spent>() => Ok(false),
        Err(e) => Err(ev
            .failure
            .borrow_mut()
            .take()
            .unwrap_or_else(|| EngineError::Settings(format!("optimiser: {e}")))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_initial_simplex_follows_the_seed_and_stays_in_the_box() {
        let a = initial_simplex(&[0.5, 0.95, 0.0], 7);
        assert_eq!(a, initial_simplex(&[0.5, 0.95, 0.0], 7));
        assert_ne!(a, initial_simplex(&[0.5, 0.95, 0.0], 8));
        assert_eq!(a.len(), 4);
        assert_eq!(a[0], vec![0.5, 0.95, 0.0]);
        for (i, v) in a.iter().enumerate().skip(1) {
            for (j, x) in v.iter().enumerate() {
                assert!((0.0..=1.0).contains(x), "{a:?}");
                let moved = (x - a[0][j]).abs();
                if i == j + 1 {
                    assert!((0.1..=0.25).contains(&moved), "{a:?}");
                } else {
                    assert_eq!(moved, 0.0);
                }
            }
        }
    }

    #[test]
    fn points_outside_the_box_are_projected_with_their_distance() {
        let (p, d) = project(&[-0.5, 0.3, 1.25]);
        assert_eq!(p, vec![0.0, 0.3, 1.0]);
        assert!((d - 0.75).abs() < 1e-12);
    }
}
