//! Monte Carlo ensembles: sample a scenario's uncertain parameters per replicate (seeded
//! from the master seed and the replicate index), run replicates in parallel, and
//! aggregate every summary metric into P10/P50/P90 and mean with bounded memory.
//!
//! Each replicate also draws the project pipeline (`sample_pipeline`: a seeded Bernoulli
//! per project with its stage's probability, and a slip in its stage's range).
//!
//! Determinism: replicate `i` draws from `ChaCha8Rng::seed_from_u64(replicate_seed(S, i))`
//! (the pipeline from a second stream of the same seed);
//! replicates are run in fixed-size chunks and fed to the aggregators in index order, so
//! the output is byte-identical at any thread count.

use crate::sim::{EngineError, run};
use crate::summary::{Summary, summarize};
use lodestone_model::dataset::{Dataset, Stage};
use lodestone_model::scenario::{Disruption, Dist, Event, EventSpec, Scenario, Target, Uncertain};
use lodestone_model::time::Month;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::Distribution;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

pub mod shard;

/// The sampled parameter values of one replicate: (parameter path, value).
pub type Sampled = Vec<(String, f64)>;

/// Replicates when none are asked for: the CLI's `--runs`, the API's `runs` and the
/// Python package's `runs` all default to it.
pub const DEFAULT_RUNS: usize = 100;
/// Master seed when none is given (CLI, API and Python alike).
pub const DEFAULT_SEED: u64 = 42;

/// The time step a scenario runs at (`month`, `quarter`, `year`), as an ensemble records it.
pub fn step_name(sc: &Scenario) -> &'static str {
    match sc.horizon.step {
        lodestone_model::time::Step::Month => "month",
        lodestone_model::time::Step::Quarter => "quarter",
        lodestone_model::time::Step::Year => "year",
    }
}

/// The unit of an annual metric path of [`flatten`] (`production.magnet.CN` → `tonnes`):
/// the `unit` column of `replicates.csv`.
pub fn metric_unit(path: &str) -> &'static str {
    match path.split('.').next().unwrap_or("") {
        "production" | "shortfall" => "tonnes",
        "prices" => "usd_per_kg",
        "premium" => "ratio",
        _ => "share",
    }
}

/// How to run an ensemble.
#[derive(Debug, Clone, Copy)]
pub struct EnsembleOptions {
    /// Number of replicates.
    pub runs: usize,
    /// Master seed.
    pub seed: u64,
    /// Worker threads (1 = sequential). Results do not depend on it.
    pub threads: usize,
}

/// Observations kept for exact quantiles; P² takes over beyond them.
const EXACT_UP_TO: usize = 200;

/// Streaming estimate of quantiles (P² algorithm, Jain & Chlamtac 1985) and the mean;
/// exact while at most [`EXACT_UP_TO`] observations have been seen (P² starts from its
/// first five, so for a few dozen replicates its P10 and P90 sit near the median).
#[derive(Debug, Clone)]
pub struct Stream {
    n: usize,
    sum: f64,
    /// The first `EXACT_UP_TO` observations.
    first: Vec<f64>,
    est: [P2; 3],
}

/// One P² quantile estimator.
#[derive(Debug, Clone)]
struct P2 {
    q: [f64; 5],
    n: [f64; 5],
    np: [f64; 5],
    dn: [f64; 5],
}

impl P2 {
    fn new(p: f64) -> P2 {
        P2 {
            q: [0.0; 5],
            n: [0.0, 1.0, 2.0, 3.0, 4.0],
            np: [0.0, 2.0 * p, 4.0 * p, 2.0 + 2.0 * p, 4.0],
            dn: [0.0, p / 2.0, p, (1.0 + p) / 2.0, 1.0],
        }
    }

    fn init(&mut self, first: &[f64]) {
        let mut v = first.to_vec();
        v.sort_by(f64::total_cmp);
        self.q.copy_from_slice(&v[..5]);
    }

    fn add(&mut self, x: f64) {
        let k = if x < self.q[0] {
            self.q[0] = x;
            0
        } else if x >= self.q[4] {
            self.q[4] = x;
            3
        } else {
            (0..4).find(|&i| x < self.q[i + 1]).unwrap_or(3)
        };
        for i in k + 1..5 {
            self.n[i] += 1.0;
        }
        for i in 0..5 {
            self.np[i] += self.dn[i];
        }
        for i in 1..4 {
            let d = self.np[i] - self.n[i];
            if (d >= 1.0 && self.n[i + 1] - self.n[i] > 1.0)
                || (d <= -1.0 && self.n[i - 1] - self.n[i] < -1.0)
            {
                let s = d.signum();
                let qp = self.q[i]
                    + s / (self.n[i + 1] - self.n[i - 1])
                        * ((self.n[i] - self.n[i - 1] + s) * (self.q[i + 1] - self.q[i])
                            / (self.n[i + 1] - self.n[i])
                            + (self.n[i + 1] - self.n[i] - s) * (self.q[i] - self.q[i - 1])
                                / (self.n[i] - self.n[i - 1]));
                self.q[i] = if self.q[i - 1] < qp && qp < self.q[i + 1] {
                    qp
                } else {
                    let j = if s > 0.0 { i + 1 } else { i - 1 };
                    self.q[i] + s * (self.q[j] - self.q[i]) / (self.n[j] - self.n[i])
                };
                self.n[i] += s;
            }
        }
    }
}

impl Default for Stream {
    fn default() -> Self {
        Stream {
            n: 0,
            sum: 0.0,
            first: Vec::new(),
            est: [P2::new(0.1), P2::new(0.5), P2::new(0.9)],
        }
    }
}

impl Stream {
    /// Add an observation.
    pub fn add(&mut self, x: f64) {
        self.n += 1;
        self.sum += x;
        if self.first.len() < EXACT_UP_TO {
            self.first.push(x);
        }
        if self.n == 5 {
            for e in &mut self.est {
                e.init(&self.first[..5]);
            }
        } else if self.n > 5 {
            for e in &mut self.est {
                e.add(x);
            }
        }
    }

    /// Observations so far.
    pub fn count(&self) -> usize {
        self.n
    }

    /// P10, P50, P90 and mean (exact while at most `EXACT_UP_TO` observations).
    pub fn quantiles(&self) -> Quantiles {
        let exact = |p: f64| -> f64 {
            let mut v = self.first.clone();
            v.sort_by(f64::total_cmp);
            let pos = p * (v.len() - 1) as f64;
            let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
            v[lo] + (v[hi] - v[lo]) * (pos - lo as f64)
        };
        let q = |i: usize, p: f64| {
            if self.n <= EXACT_UP_TO {
                exact(p)
            } else {
                self.est[i].q[2]
            }
        };
        Quantiles {
            p10: q(0, 0.1),
            p50: q(1, 0.5),
            p90: q(2, 0.9),
            mean: self.sum / self.n.max(1) as f64,
        }
    }
}

/// Summary statistics of one metric.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Quantiles {
    /// 10th percentile.
    pub p10: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// Mean.
    pub mean: f64,
}

/// A probability statement over the replicates.
#[derive(Debug, Clone, Serialize)]
pub struct Probability {
    /// What is claimed.
    pub statement: String,
    /// Share of replicates where it holds.
    pub probability: f64,
}

/// The result of an ensemble.
#[derive(Debug, Clone, Serialize)]
pub struct EnsembleSummary {
    /// Scenario.
    pub scenario: String,
    /// Dataset.
    pub dataset: String,
    /// Replicates.
    pub runs: usize,
    /// Master seed.
    pub seed: u64,
    /// The time step the replicates ran at (`month`, `quarter`, `year`): a report does not
    /// mix an ensemble of one step with a run of another unawares. (Threads are not
    /// recorded: the results do not depend on them, and this file is the same bytes at
    /// any thread count.)
    pub step: String,
    /// The Lodestone version that computed it.
    pub version: String,
    /// year → metric path → quantiles.
    pub annual: BTreeMap<String, BTreeMap<String, Quantiles>>,
    /// Sampled parameters → quantiles (a check on the sampling).
    pub parameters: BTreeMap<String, Quantiles>,
    /// Price episodes, `<material>.<market>.<multiple|peak_index|end>` → quantiles
    /// (`crate::episodes`; `peak_index` counts periods from the run's first).
    pub episodes: BTreeMap<String, Quantiles>,
    /// Probability statements.
    pub probabilities: Vec<Probability>,
    /// Replicates whose mass balance exceeded tolerance (should be 0).
    pub unbalanced_runs: usize,
}

/// Seed of replicate `i` from the master seed (SplitMix64 of both).
pub fn replicate_seed(master: u64, i: u64) -> u64 {
    let mut z = master
        ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .wrapping_add(0xD1B5_4A32_D192_ED03);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn draw(u: &Uncertain, rng: &mut ChaCha8Rng) -> f64 {
    let g = |x: Option<f64>| x.unwrap_or(0.0);
    match u.dist {
        Dist::Uniform => {
            let (a, b) = (g(u.min), g(u.max));
            a + (b - a) * rng.random::<f64>()
        }
        Dist::Triangular => rand_distr::Triangular::new(g(u.min), g(u.max), g(u.mode))
            .map_or(g(u.mode), |d| d.sample(rng)),
        Dist::Normal => {
            rand_distr::Normal::new(g(u.mean), g(u.sd)).map_or(g(u.mean), |d| d.sample(rng))
        }
        Dist::Lognormal => rand_distr::LogNormal::new(g(u.median).max(1e-300).ln(), g(u.sigma))
            .map_or(g(u.median), |d| d.sample(rng)),
        Dist::Discrete => {
            let w: Vec<f64> = if u.weights.is_empty() {
                vec![1.0; u.values.len()]
            } else {
                u.weights.clone()
            };
            let total: f64 = w.iter().sum();
            let mut x = rng.random::<f64>() * total;
            for (v, wi) in u.values.iter().zip(&w) {
                if x < *wi {
                    return *v;
                }
                x -= wi;
            }
            *u.values.last().unwrap_or(&0.0)
        }
        Dist::Bernoulli => f64::from(u8::from(rng.random::<f64>() < g(u.p))),
    }
}

/// Sample a replicate: the values of every parameter (disruptions give their events).
pub fn sample(sc: &Scenario, seed: u64) -> (Vec<(String, f64)>, Vec<EventSpec>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut values = Vec::new();
    let mut extra = Vec::new();
    for u in &sc.uncertainty {
        if u.param == "disruption" {
            let mut count = 0.0;
            for year in sc.horizon.start.year()..=sc.horizon.end.year() {
                if rng.random::<f64>() < u.probability.unwrap_or(0.0) {
                    let month = 1 + (rng.random::<f64>() * 12.0).floor() as u32;
                    let dur = draw(u, &mut rng).round().max(1.0) as i32;
                    let start = Month::new(year, month.min(12)).unwrap_or(sc.horizon.start);
                    extra.push(EventSpec {
                        event: Event::Disruption(Disruption {
                            target: Target {
                                facility: u.facility.clone(),
                                country: u.country.clone(),
                                stage: None,
                            },
                            start,
                            end: Some(start.plus(dur - 1)),
                            loss: u.loss.unwrap_or(1.0),
                        }),
                        source: u.source.clone(),
                        note: Some("sampled disruption".into()),
                        location: Default::default(),
                        keys: Default::default(),
                    });
                    count += 1.0;
                }
            }
            let who = u
                .facility
                .clone()
                .or_else(|| u.country.clone())
                .unwrap_or_default();
            values.push((format!("disruption.{who}.count"), count));
        } else {
            let x = draw(u, &mut rng);
            values.push((u.param.clone(), x));
            for p in &u.also {
                values.push((p.clone(), x));
            }
        }
    }
    (values, extra)
}

/// Salt of the pipeline's random stream: its draws come from a stream of their own, so
/// adding or removing a pipeline project leaves the `[[uncertainty]]` draws unchanged.
const PIPELINE_STREAM: u64 = 0x5049_5045_4C49_4E45;

/// Sample a replicate's project pipeline (`dataset::pipeline`): each project (the
/// facilities sharing a `project`, in dataset order) completes with its stage's
/// probability and slips a whole number of months drawn uniformly in its stage's
/// `delay_min..=delay_max`, as `pipeline.<project>.completes` (0 or 1) and
/// `pipeline.<project>.delay` (months). Two draws per project whatever the outcome.
pub fn sample_pipeline(ds: &Dataset, seed: u64) -> Sampled {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ PIPELINE_STREAM);
    let mut seen = std::collections::BTreeSet::new();
    let mut values = Vec::new();
    for f in &ds.facilities {
        let Some(stage) = lodestone_model::dataset::pipeline::stage_of(ds, f) else {
            continue;
        };
        if !seen.insert(f.project_id()) {
            continue;
        }
        let completes = rng.random::<f64>() < stage.probability;
        let (lo, hi) = (
            stage.delay_min.round(),
            stage.delay_max.round().max(stage.delay_min.round()),
        );
        let delay = (lo + (rng.random::<f64>() * (hi - lo + 1.0)).floor()).min(hi);
        let p = f.project_id();
        values.push((
            format!("pipeline.{p}.completes"),
            f64::from(u8::from(completes)),
        ));
        values.push((format!("pipeline.{p}.delay"), delay));
    }
    values
}

/// Apply sampled values to copies of the dataset and scenario.
pub fn apply(
    ds: &Dataset,
    sc: &Scenario,
    values: &[(String, f64)],
    extra: Vec<EventSpec>,
) -> (Dataset, Scenario) {
    let mut ds = ds.clone();
    let mut sc = sc.clone();
    sc.events.extend(extra);
    for (param, v) in values {
        let parts: Vec<&str> = param.split('.').collect();
        match parts.as_slice() {
            ["facilities", id, attr] => {
                // the scenario's own override of the attribute is applied after this
                // (in `run`), so it takes the sample too
                if let Some(o) = sc
                    .overrides
                    .get_mut("facilities")
                    .and_then(|t| t.get_mut(*id))
                    .and_then(|kv| kv.get_mut(*attr))
                {
                    match *attr {
                        "start" => {
                            if let Some(m) = o.as_str().and_then(Month::parse) {
                                *o = toml::Value::String(m.plus(v.round() as i32).to_string());
                            }
                        }
                        "capacity" => {
                            let c = o.as_float().or_else(|| o.as_integer().map(|i| i as f64));
                            if let Some(c) = c {
                                *o = toml::Value::Float(c * v.max(0.0));
                            }
                        }
                        "ramp_months" | "unit_cost" => *o = toml::Value::Float(v.max(0.0)),
                        "utilization" => *o = toml::Value::Float(v.clamp(0.0, 1.0)),
                        _ => {}
                    }
                }
                if let Some(f) = ds.facilities.iter_mut().find(|f| f.id == *id) {
                    match *attr {
                        "start" => {
                            let n = v.round() as i32;
                            f.start = f.start.plus(n);
                            for s in &mut f.steps {
                                s.date = s.date.plus(n);
                            }
                        }
                        "capacity" => {
                            f.capacity *= v.max(0.0);
                            for s in &mut f.steps {
                                s.capacity *= v.max(0.0);
                            }
                        }
                        "ramp_months" => f.ramp_months = v.max(0.0),
                        "utilization" => f.utilization = v.clamp(0.0, 1.0),
                        "unit_cost" => f.unit_cost = v.max(0.0),
                        _ => {}
                    }
                }
            }
            ["sectors", id, attr] => {
                if let Some(o) = sc
                    .overrides
                    .get_mut("sectors")
                    .and_then(|t| t.get_mut(*id))
                    .and_then(|kv| kv.get_mut(*attr))
                {
                    *o = toml::Value::Float(v.max(0.0));
                }
                if let Some(s) = ds.sectors.iter_mut().find(|s| s.id == *id) {
                    match *attr {
                        "elasticity" => s.elasticity = v.max(0.0),
                        "wtp_multiplier" => s.wtp_multiplier = v.max(0.0),
                        _ => {}
                    }
                }
            }
            ["routes", from, to, material, "cost"] => {
                for r in ds.routes.iter_mut() {
                    if r.from == *from && r.to == *to && r.material == *material {
                        r.cost = v.max(0.0);
                    }
                }
            }
            // a replicate's draw for a pipeline project (`sample_pipeline`)
            ["pipeline", project, field] => {
                for f in ds.facilities.iter_mut() {
                    if f.development.is_none() || f.project_id() != *project {
                        continue;
                    }
                    let o = f.outcome.get_or_insert((true, 0));
                    match *field {
                        "completes" => o.0 = *v >= 0.5,
                        "delay" => o.1 = v.round() as i32,
                        _ => {}
                    }
                }
            }
            ["demand", "level"] => {
                for r in ds.demand.iter_mut() {
                    r.quantity *= v.max(0.0);
                }
            }
            ["demand", "growth"] => {
                sc.settings
                    .insert("demand_growth_scale".into(), toml::Value::Float(*v));
            }
            // a `[settings]` constant (`calibrate` fits them; `Settings::check` guards them)
            ["settings", key] => {
                sc.settings.insert((*key).into(), toml::Value::Float(*v));
            }
            ["events", key, field] => {
                if let Some(i) = sc.event_index(key) {
                    let mut val = serde_json::to_value(&sc.events[i].event).unwrap_or_default();
                    let month = |val: &serde_json::Value, k: &str| {
                        val.get(k).and_then(|x| x.as_str()).and_then(Month::parse)
                    };
                    if *field == "start" || *field == "end" {
                        // shift by whole months; an end never moves before the start
                        let shifted = month(&val, field).map(|m| m.plus(v.round() as i32));
                        let shifted = match (*field, shifted, month(&val, "start")) {
                            ("end", Some(e), Some(s)) => Some(e.max(s)),
                            (_, m, _) => m,
                        };
                        if let (Some(m), Some(obj)) = (shifted, val.as_object_mut()) {
                            obj.insert((*field).into(), serde_json::Value::String(m.to_string()));
                        }
                    } else if let Some(obj) = val.as_object_mut() {
                        // shares stay shares
                        let x = if matches!(
                            *field,
                            "approval_share"
                                | "loss"
                                | "max_share"
                                | "retained"
                                | "delay_probability"
                                | "utilization_factor"
                                | "yield_factor"
                        ) {
                            v.clamp(0.0, 1.0)
                        } else {
                            v.max(0.0)
                        };
                        obj.insert((*field).into(), serde_json::json!(x));
                    }
                    if let Ok(e) = serde_json::from_value::<Event>(val) {
                        sc.events[i].event = e;
                    }
                }
            }
            _ => {}
        }
    }
    (ds, sc)
}

/// Columns of an ensemble's `quantiles` table ([`quantile_rows`]).
pub const QUANTILE_COLUMNS: [&str; 7] = ["year", "metric", "p10", "p50", "p90", "mean", "unit"];

/// The annual quantiles as rows of the `quantiles` table: year, metric path,
/// [P10, P50, P90, mean] and the metric's unit ([`metric_unit`]), in year and metric order.
pub fn quantile_rows(
    s: &EnsembleSummary,
) -> impl Iterator<Item = (&str, &str, [f64; 4], &'static str)> {
    s.annual.iter().flat_map(|(year, metrics)| {
        (metrics.iter()).map(move |(m, q)| {
            (
                year.as_str(),
                m.as_str(),
                [q.p10, q.p50, q.p90, q.mean],
                metric_unit(m),
            )
        })
    })
}

/// Flatten a run summary into (year, metric path, value).
pub fn flatten(s: &Summary) -> Vec<(String, String, f64)> {
    let mut out = Vec::new();
    for (year, y) in &s.annual {
        let mut put = |path: String, v: f64| out.push((year.clone(), path, v));
        for (stage, m) in &y.production {
            let total: f64 = m.values().sum();
            put(format!("production.{stage}.total"), total);
            for (c, v) in m {
                put(format!("production.{stage}.{c}"), *v);
            }
        }
        for (stage, m) in &y.shares {
            for (c, v) in m {
                put(format!("shares.{stage}.{c}"), *v);
            }
        }
        let mut total_short = 0.0;
        for (c, m) in &y.shortfall {
            for (sec, v) in m {
                put(format!("shortfall.{c}.{sec}"), *v);
                total_short += v;
            }
        }
        put("shortfall.total".into(), total_short);
        let sup_prices = y.prices.get(&s.supplier);
        for (mk, m) in &y.prices {
            for (mat, v) in m {
                put(format!("prices.{mk}.{mat}"), *v);
                // the two-tier gap: a market's price over the supplier's own
                let at_sup = sup_prices.and_then(|p| p.get(mat)).filter(|p| **p > 0.0);
                if let Some(ps) = at_sup.filter(|_| *mk != s.supplier) {
                    put(format!("premium.{mk}.{mat}"), v / ps);
                }
            }
        }
        for (e, stages) in &y.dependency {
            for (st, measures) in stages {
                for (meas, sup) in measures {
                    for (s2, v) in sup {
                        put(format!("dependency.{e}.{st}.{meas}.{s2}"), *v);
                    }
                }
            }
        }
        for (b, m) in &y.independence {
            for (st, v) in m {
                put(format!("independence.{b}.{st}"), *v);
            }
        }
        for (p, v) in &y.platforms {
            put(format!("platforms.{p}"), *v);
        }
        // capacity committed per stage, zeros included, so that its quantiles count the
        // replicates that added nothing (by country: `run --json`'s `capacity_added`)
        if s.expansion_rules > 0 {
            for stage in Stage::CHAIN {
                let st = stage.as_str();
                let v = y.capacity_added.get(st).map_or(0.0, |m| m.values().sum());
                put(format!("capacity_added.{st}"), v);
            }
        }
        // share of each importer's imports of a material that comes from the supplier
        // (trade is the headline of datasets without stages, e.g. soybeans)
        let mut totals: BTreeMap<(&str, &str), (f64, f64)> = BTreeMap::new();
        for (imp, by_exp) in &y.imports {
            for (exp, mats) in by_exp {
                if imp == exp || *imp == s.supplier {
                    continue;
                }
                for (mat, t) in mats {
                    let e = totals.entry((imp.as_str(), mat.as_str())).or_default();
                    e.0 += t;
                    if *exp == s.supplier {
                        e.1 += t;
                    }
                }
            }
        }
        for ((imp, mat), (total, from_supplier)) in totals {
            if total >= 1.0 {
                put(
                    format!("import_share.{imp}.{}.{mat}", s.supplier),
                    from_supplier / total,
                );
            }
        }
    }
    // simulated values of the dataset's observations, under the year the period starts
    // in; a period shorter or longer than a calendar year is named in the path
    for o in &s.observed_vs_simulated {
        let year = o.period.first.year();
        let label = o.period.label();
        let path = if label == year.to_string() {
            format!("simulated.{}", o.key.path())
        } else {
            format!("simulated.{}.{label}", o.key.path())
        };
        out.push((year.to_string(), path, o.simulated));
    }
    out
}

/// What the aggregation keeps of one replicate: its sampled values, its flattened annual
/// metrics ([`flatten`]), its price episodes, its time-to-independence years and whether
/// its mass balance held. A shard of an ensemble ([`shard`]) is a list of these, so an
/// ensemble summarised from shards is the one summarised locally, whatever the sharding.
#[derive(Debug, Clone, PartialEq)]
pub struct Replicate {
    /// Replicate index (its seed is `replicate_seed(master, index)`).
    pub index: usize,
    /// Sampled parameter values.
    pub values: Sampled,
    /// (year, metric path, value), as [`flatten`] gives them.
    pub rows: Vec<(String, String, f64)>,
    /// `<material>.<market>.<multiple|peak_index|end>` → value.
    pub episodes: Vec<(String, f64)>,
    /// (bloc, stage, threshold) → first year reached.
    pub independence: Vec<(String, String, String, Option<i32>)>,
    /// Whether the mass balance held.
    pub balanced: bool,
}

impl Replicate {
    /// The part of replicate `index`'s summary that the ensemble aggregates.
    pub fn of(index: usize, values: Sampled, s: &Summary) -> Replicate {
        let mut episodes = Vec::new();
        for (mat, markets) in &s.price_episodes {
            for (mk, e) in markets {
                episodes.push((format!("{mat}.{mk}.multiple"), e.multiple));
                episodes.push((format!("{mat}.{mk}.peak_index"), e.peak_index as f64));
                episodes.push((format!("{mat}.{mk}.end"), e.end));
            }
        }
        let mut independence = Vec::new();
        for (b, stages) in &s.time_to_independence {
            for (st, th) in stages {
                for (t, y) in th {
                    independence.push((b.clone(), st.clone(), t.clone(), *y));
                }
            }
        }
        Replicate {
            index,
            values,
            rows: flatten(s),
            episodes,
            independence,
            balanced: s.balance.ok,
        }
    }
}

/// The years at which the probability statements are made: 2030 and the horizon's end
/// (those inside the horizon).
pub fn checkpoints(sc: &Scenario) -> Vec<i32> {
    let end_year = sc.horizon.end.year();
    let mut checkpoints = vec![2030, end_year];
    checkpoints.retain(|y| *y >= sc.horizon.start.year() && *y <= end_year);
    checkpoints.dedup();
    checkpoints
}

/// Aggregates replicates, fed in index order: the summary depends only on the replicates
/// and their order, never on how they were run (threads, shards, workers).
#[derive(Debug)]
pub struct Accumulator {
    annual: BTreeMap<String, BTreeMap<String, Stream>>,
    params: BTreeMap<String, Stream>,
    episodes: BTreeMap<String, Stream>,
    /// (bloc, stage, threshold) → (count by year reached ≤ Y for checkpoint years)
    tti: BTreeMap<(String, String, String), Vec<usize>>,
    checkpoints: Vec<i32>,
    unbalanced: usize,
    n: usize,
}

impl Accumulator {
    /// An empty aggregate with the probability statements' checkpoint years.
    pub fn new(checkpoints: Vec<i32>) -> Accumulator {
        Accumulator {
            annual: BTreeMap::new(),
            params: BTreeMap::new(),
            episodes: BTreeMap::new(),
            tti: BTreeMap::new(),
            checkpoints,
            unbalanced: 0,
            n: 0,
        }
    }

    /// Replicates added so far.
    pub fn count(&self) -> usize {
        self.n
    }

    /// Add the next replicate (in index order).
    pub fn add(&mut self, r: &Replicate) {
        self.n += 1;
        if !r.balanced {
            self.unbalanced += 1;
        }
        for (p, v) in &r.values {
            self.params.entry(p.clone()).or_default().add(*v);
        }
        for (year, path, v) in &r.rows {
            self.annual
                .entry(year.clone())
                .or_default()
                .entry(path.clone())
                .or_default()
                .add(*v);
        }
        for (k, v) in &r.episodes {
            self.episodes.entry(k.clone()).or_default().add(*v);
        }
        for (b, st, t, y) in &r.independence {
            let e = self
                .tti
                .entry((b.clone(), st.clone(), t.clone()))
                .or_insert_with(|| vec![0; self.checkpoints.len()]);
            for (k, cp) in self.checkpoints.iter().enumerate() {
                if y.is_some_and(|y| y <= *cp) {
                    e[k] += 1;
                }
            }
        }
    }

    /// The ensemble summary of the replicates added.
    pub fn finish(self, scenario: &str, dataset: &str, seed: u64, step: &str) -> EnsembleSummary {
        let supplier = "CN";
        let mut probabilities = Vec::new();
        for ((b, st, t), counts) in &self.tti {
            for (k, cp) in self.checkpoints.iter().enumerate() {
                probabilities.push(Probability {
                    statement: format!(
                        "{b} meets {t}% of its {st} demand without {supplier}-origin material by {cp}"
                    ),
                    probability: counts[k] as f64 / self.n.max(1) as f64,
                });
            }
        }
        let done = |m: BTreeMap<String, Stream>| -> BTreeMap<String, Quantiles> {
            m.into_iter().map(|(k, s)| (k, s.quantiles())).collect()
        };
        EnsembleSummary {
            scenario: scenario.to_string(),
            dataset: dataset.to_string(),
            runs: self.n,
            seed,
            step: step.to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            annual: self.annual.into_iter().map(|(y, m)| (y, done(m))).collect(),
            parameters: done(self.params),
            episodes: done(self.episodes),
            probabilities,
            unbalanced_runs: self.unbalanced,
        }
    }
}

/// Run replicates `range` of the ensemble of master seed `seed` on `threads` threads and
/// call `f(i, values, summary)` for each, in index order. `progress(done)` counts the
/// replicates finished in this call. The scenario must have been validated.
fn for_each_replicate(
    ds: &Dataset,
    sc: &Scenario,
    seed: u64,
    range: std::ops::Range<usize>,
    threads: usize,
    progress: &(dyn Fn(usize) + Sync),
    f: &mut dyn FnMut(usize, Sampled, &Summary),
) -> Result<(), EngineError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .map_err(|e| EngineError::Settings(format!("thread pool: {e}")))?;
    let chunk = (threads.max(1) * 2).max(4);
    let done = std::sync::atomic::AtomicUsize::new(0);
    let mut start = range.start;
    while start < range.end {
        let ids: Vec<usize> = (start..(start + chunk).min(range.end)).collect();
        let results: Vec<Result<(Sampled, Summary), EngineError>> = pool.install(|| {
            ids.par_iter()
                .map(|&i| {
                    let rseed = replicate_seed(seed, i as u64);
                    let (mut values, extra) = sample(sc, rseed);
                    values.extend(sample_pipeline(ds, rseed));
                    let (d, s) = apply(ds, sc, &values, extra);
                    let r = run(&d, &s)?;
                    let summary = summarize(&r);
                    progress(done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1);
                    Ok((values, summary))
                })
                .collect()
        });
        for (i, res) in ids.iter().zip(results) {
            let (values, summary) = res?;
            f(*i, values, &summary);
        }
        start += chunk;
    }
    Ok(())
}

fn validated(ds: &Dataset, sc: &Scenario) -> Result<(), EngineError> {
    let problems = sc.validate(ds);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(EngineError::Invalid(problems))
    }
}

/// Run replicates `range` (of the ensemble of master seed `seed`) and keep what the
/// aggregation needs of each, in index order: one shard of a distributed ensemble
/// ([`shard::Shard`]). Replicate `i` is the same whichever range runs it.
pub fn run_range(
    ds: &Dataset,
    sc: &Scenario,
    seed: u64,
    range: std::ops::Range<usize>,
    threads: usize,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Vec<Replicate>, EngineError> {
    validated(ds, sc)?;
    let mut out = Vec::with_capacity(range.len());
    for_each_replicate(
        ds,
        sc,
        seed,
        range,
        threads,
        progress,
        &mut |i, values, s| {
            out.push(Replicate::of(i, values, s));
        },
    )?;
    Ok(out)
}

/// Run an ensemble. `progress(done)` is called as replicates finish; `each(i, values,
/// summary)` is called in replicate order (for per-replicate output). Replicates are
/// aggregated as they finish (memory bounded by the metrics, not the replicates); the
/// result is [`Accumulator`]'s over [`run_range`]`(0..runs)`.
pub fn run_ensemble(
    ds: &Dataset,
    sc: &Scenario,
    opts: &EnsembleOptions,
    progress: &(dyn Fn(usize) + Sync),
    each: &mut dyn FnMut(usize, &Sampled, &Summary),
) -> Result<EnsembleSummary, EngineError> {
    validated(ds, sc)?;
    let mut agg = Accumulator::new(checkpoints(sc));
    for_each_replicate(
        ds,
        sc,
        opts.seed,
        0..opts.runs,
        opts.threads,
        progress,
        &mut |i, values, s| {
            each(i, &values, s);
            agg.add(&Replicate::of(i, values, s));
        },
    )?;
    Ok(agg.finish(&sc.name, &ds.name, opts.seed, step_name(sc)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p2_tracks_exact_quantiles() {
        let mut s = Stream::default();
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut all = Vec::new();
        for _ in 0..20_000 {
            let x: f64 = rng.random::<f64>() * 100.0;
            s.add(x);
            all.push(x);
        }
        let q = s.quantiles();
        assert!((q.p10 - 10.0).abs() < 1.0, "{q:?}");
        assert!((q.p50 - 50.0).abs() < 1.0, "{q:?}");
        assert!((q.p90 - 90.0).abs() < 1.0, "{q:?}");
        assert!((q.mean - all.iter().sum::<f64>() / all.len() as f64).abs() < 1e-9);
    }

    #[test]
    fn few_observations_are_exact() {
        let mut s = Stream::default();
        for x in [3.0, 1.0, 2.0] {
            s.add(x);
        }
        let q = s.quantiles();
        assert_eq!(q.p50, 2.0);
        assert!((q.p10 - 1.2).abs() < 1e-12);
        assert!((q.mean - 2.0).abs() < 1e-12);
    }

    #[test]
    fn a_few_dozen_observations_are_exact() {
        // P² from five markers would put P10 and P90 near the median here
        let mut s = Stream::default();
        for i in 0..21 {
            s.add(f64::from(i));
        }
        let q = s.quantiles();
        assert!((q.p10 - 2.0).abs() < 1e-12, "{q:?}");
        assert!((q.p50 - 10.0).abs() < 1e-12, "{q:?}");
        assert!((q.p90 - 18.0).abs() < 1e-12, "{q:?}");
    }

    #[test]
    fn replicate_seeds_differ_and_repeat() {
        assert_eq!(replicate_seed(42, 3), replicate_seed(42, 3));
        assert_ne!(replicate_seed(42, 3), replicate_seed(42, 4));
        assert_ne!(replicate_seed(42, 3), replicate_seed(43, 3));
    }
}
