//! Back-testing: every observation of the dataset (`observations.csv`) inside a run's
//! horizon beside the run's value for the same metric, keys and months, with errors per
//! point, per series, per metric and overall, and the loss `calibrate` minimises.
//!
//! Simulated values come from the per-period results, so an observation is comparable at
//! any step: a period that covers the observation's months only partly contributes pro
//! rata by months (flows, production, consumption), a price is the average over the
//! overlapping months of the periods in which the material changed hands, and a stock is
//! read at the observation's last month (interpolated inside a longer period).

use crate::sim::RunResult;
use lodestone_model::dataset::{ObsMetric, Observation, Stage};
use lodestone_model::time::MonthSpan;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A simulated value below this fraction of the observed one (zero, or the negative price
/// of a product in surplus) counts as this fraction in the log error (ln 0.001 ≈ −6.9).
pub const LOG_FLOOR: f64 = 1e-3;

/// A point within this relative error of the observation (when it has no band) is a hit.
pub const HIT_TOLERANCE: f64 = 0.25;

/// What identifies a series: an observation's metric and keys (not its period).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct SeriesKey {
    /// Metric.
    pub metric: ObsMetric,
    /// Country, market or `WORLD`.
    pub country: String,
    /// Trade partner (`""` = all partners; `WORLD` is written as `""`).
    pub partner: String,
    /// Material, group, `kind:<kind>` or `stage:<stage>` (`""` = none).
    pub material: String,
    /// Stage of production and share observations.
    pub stage: Option<Stage>,
    /// Sector of consumption observations (`""` = every sector).
    pub sector: String,
}

impl SeriesKey {
    /// The key of an observation.
    pub fn of(o: &Observation) -> SeriesKey {
        SeriesKey {
            metric: o.metric,
            country: o.country.clone(),
            partner: if o.partner == "WORLD" {
                String::new()
            } else {
                o.partner.clone()
            },
            material: o.material.clone(),
            stage: o.stage,
            sector: o.sector.clone(),
        }
    }

    /// What the series is of: the material, else `stage:<stage>`, else `""`.
    pub fn what(&self) -> String {
        match (&self.material[..], self.stage) {
            ("", Some(s)) => format!("stage:{}", s.as_str()),
            (m, _) => m.to_string(),
        }
    }

    /// Id: `metric:country[>partner][:what][/sector]`, e.g. `exports:CN>US:magnets`,
    /// `production:CN:stage:mining`, `price:CN:ndpr_oxide`.
    pub fn id(&self) -> String {
        let partner = if self.partner.is_empty() {
            String::new()
        } else {
            format!(">{}", self.partner)
        };
        let sector = if self.sector.is_empty() {
            String::new()
        } else {
            format!("/{}", self.sector)
        };
        let (m, c, w) = (self.metric.as_str(), &self.country, self.what());
        if w.is_empty() {
            format!("{m}:{c}{partner}{sector}")
        } else {
            format!("{m}:{c}{partner}:{w}{sector}")
        }
    }

    /// Dotted path for flattened outputs (`ensemble`): `metric.country[.partner].what[.sector]`.
    pub fn path(&self) -> String {
        let mut parts = vec![self.metric.as_str().to_string(), self.country.clone()];
        parts.extend([self.partner.clone(), self.what(), self.sector.clone()]);
        parts.retain(|p| !p.is_empty());
        parts.join(".")
    }
}

/// One observation beside its simulated value.
#[derive(Debug, Clone, Serialize)]
pub struct Point {
    /// Series id (`SeriesKey::id`).
    pub series: String,
    /// Metric and keys.
    #[serde(flatten)]
    pub key: SeriesKey,
    /// When.
    pub period: MonthSpan,
    /// Unit of `observed` and `simulated` (`USD/t` observations are converted to `USD/kg`).
    pub unit: String,
    /// Observed value.
    pub observed: f64,
    /// Lower end of the observation's band.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub low: Option<f64>,
    /// Upper end of the observation's band.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub high: Option<f64>,
    /// Simulated value.
    pub simulated: f64,
    /// Relative error, simulated / observed − 1 (`None` when nothing was observed).
    pub error: Option<f64>,
    /// Log error, ln(simulated / observed), the simulated value floored at `LOG_FLOOR` of
    /// the observed (`None` when nothing was observed).
    pub log_error: Option<f64>,
    /// Whether the simulated value lies inside the band (`None` without a band).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inside_band: Option<bool>,
    /// Source ids of the observation.
    pub source: Vec<String>,
}

impl Point {
    /// A hit: inside the band when there is one, else within `HIT_TOLERANCE`.
    pub fn hit(&self) -> Option<bool> {
        self.inside_band
            .or_else(|| self.error.map(|e| e.abs() <= HIT_TOLERANCE))
    }
}

/// How often the model gets the direction of a change right.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Direction {
    /// Observed changes compared (pairs of months both observed, with a change).
    pub n: usize,
    /// Of those, changes the model moves the same way.
    pub right: usize,
    /// right / n.
    pub share: f64,
}

/// Errors of one series.
#[derive(Debug, Clone, Serialize)]
pub struct Series {
    /// Id (`SeriesKey::id`).
    pub id: String,
    /// Metric and keys.
    #[serde(flatten)]
    pub key: SeriesKey,
    /// Unit.
    pub unit: String,
    /// Points compared.
    pub n: usize,
    /// The latest point's period (latest last month; the shortest span on a tie).
    pub latest_period: MonthSpan,
    /// Its observed value.
    pub latest_observed: f64,
    /// Its simulated value.
    pub latest_simulated: f64,
    /// Mean log error (positive: the model is high).
    pub bias: Option<f64>,
    /// Root mean square log error.
    pub rms_log_error: Option<f64>,
    /// Mean absolute relative error.
    pub mean_abs_error: Option<f64>,
    /// Share of points that are hits (`Point::hit`).
    pub hit_share: Option<f64>,
    /// Month-on-month changes of the single-month points.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub month_on_month: Option<Direction>,
    /// Year-on-year changes of the single-month points.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year_on_year: Option<Direction>,
}

/// A summary score over points.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    /// Points.
    pub n: usize,
    /// Root mean square log error over the points with one.
    pub rms_log_error: Option<f64>,
    /// Share of points inside their band, or within `HIT_TOLERANCE` without one.
    pub hit_share: Option<f64>,
}

/// The score of one metric.
#[derive(Debug, Clone, Serialize)]
pub struct MetricScore {
    /// Metric.
    pub metric: ObsMetric,
    /// Its series.
    pub series: usize,
    /// Score over its points.
    #[serde(flatten)]
    pub score: Score,
}

/// An observation in the horizon that the run cannot be compared with, and why.
#[derive(Debug, Clone, Serialize)]
pub struct NotComparable {
    /// Series id.
    pub series: String,
    /// Metric and keys.
    #[serde(flatten)]
    pub key: SeriesKey,
    /// When.
    pub period: MonthSpan,
    /// Observed value, in `unit`.
    pub observed: f64,
    /// Unit as written.
    pub unit: String,
    /// Why it cannot be compared.
    pub reason: String,
    /// Source ids.
    pub source: Vec<String>,
}

/// A back-test of one run.
#[derive(Debug, Clone, Serialize)]
pub struct Backtest {
    /// Scenario name.
    pub scenario: String,
    /// Dataset name.
    pub dataset: String,
    /// The run's horizon.
    pub horizon: Option<MonthSpan>,
    /// Months per period of the run.
    pub step_months: i32,
    /// Every comparable observation, in dataset order.
    pub points: Vec<Point>,
    /// Series, by id.
    pub series: Vec<Series>,
    /// Score per metric.
    pub metrics: Vec<MetricScore>,
    /// Score over every point.
    pub overall: Score,
    /// Observations in the horizon that cannot be compared, with the reason.
    pub not_comparable: Vec<NotComparable>,
    /// Observations outside the horizon (not compared).
    pub outside_horizon: usize,
}

/// Back-test a run against its dataset's observations.
pub fn backtest(r: &RunResult) -> Backtest {
    let horizon = match (r.periods.first(), r.periods.last()) {
        (Some(a), Some(b)) => Some(MonthSpan {
            first: a.period.start,
            last: b.period.start.plus(b.period.months - 1),
        }),
        _ => None,
    };
    let cx = Cx::new(r);
    let (mut points, mut not_comparable, mut outside) = (Vec::new(), Vec::new(), 0);
    for o in &r.data.observations {
        let Some(h) = horizon.filter(|h| o.period.last >= h.first && o.period.first <= h.last)
        else {
            outside += 1;
            continue;
        };
        let sim = if o.period.first < h.first || o.period.last > h.last {
            Err("the period extends beyond the horizon".to_string())
        } else {
            cx.simulate(o)
        };
        match sim {
            Ok(s) => points.push(point(o, s)),
            Err(reason) => not_comparable.push(not_comparable_row(o, reason)),
        }
    }
    let series = series(&points);
    let metrics = metric_scores(&points, &series);
    Backtest {
        scenario: r.scenario.clone(),
        dataset: r.dataset.clone(),
        horizon,
        step_months: r.periods.first().map_or(0, |p| p.period.months),
        overall: score(points.iter()),
        points,
        series,
        metrics,
        not_comparable,
        outside_horizon: outside,
    }
}

/// The observed value in the unit the run reports (USD/t → USD/kg).
fn observed_value(o: &Observation) -> (f64, String, f64) {
    if o.unit == "USD/t" {
        (o.value / 1000.0, "USD/kg".into(), 1e-3)
    } else {
        (o.value, o.unit.clone(), 1.0)
    }
}

fn point(o: &Observation, simulated: f64) -> Point {
    let (observed, unit, f) = observed_value(o);
    let key = SeriesKey::of(o);
    let (low, high) = (o.low.map(|x| x * f), o.high.map(|x| x * f));
    let (error, log_error) = if observed > 0.0 {
        let floored = simulated.max(LOG_FLOOR * observed);
        (
            Some(simulated / observed - 1.0),
            Some((floored / observed).ln()),
        )
    } else {
        (None, None)
    };
    let inside_band = (low.is_some() || high.is_some()).then(|| {
        low.is_none_or(|l| simulated >= l - 1e-9) && high.is_none_or(|h| simulated <= h + 1e-9)
    });
    Point {
        series: key.id(),
        key,
        period: o.period,
        unit,
        observed,
        low,
        high,
        simulated,
        error,
        log_error,
        inside_band,
        source: o.source.clone(),
    }
}

fn not_comparable_row(o: &Observation, reason: String) -> NotComparable {
    let key = SeriesKey::of(o);
    NotComparable {
        series: key.id(),
        key,
        period: o.period,
        observed: o.value,
        unit: o.unit.clone(),
        reason,
        source: o.source.clone(),
    }
}

/// Score over points: RMS log error and share of hits.
fn score<'a>(points: impl Iterator<Item = &'a Point>) -> Score {
    let (mut n, mut logs, mut hits) = (0, Vec::new(), Vec::new());
    for p in points {
        n += 1;
        logs.extend(p.log_error);
        hits.extend(p.hit());
    }
    Score {
        n,
        rms_log_error: rms(&logs),
        hit_share: share(&hits),
    }
}

fn mean(xs: &[f64]) -> Option<f64> {
    (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64)
}

fn rms(xs: &[f64]) -> Option<f64> {
    mean(&xs.iter().map(|x| x * x).collect::<Vec<_>>()).map(f64::sqrt)
}

fn share(hits: &[bool]) -> Option<f64> {
    (!hits.is_empty()).then(|| hits.iter().filter(|h| **h).count() as f64 / hits.len() as f64)
}

/// Group points into series (same key, different periods), sorted by id.
fn series(points: &[Point]) -> Vec<Series> {
    let mut by: BTreeMap<&str, Vec<&Point>> = BTreeMap::new();
    for p in points {
        by.entry(&p.series).or_default().push(p);
    }
    by.into_iter().map(|(id, ps)| one_series(id, &ps)).collect()
}

fn one_series(id: &str, ps: &[&Point]) -> Series {
    let latest = ps
        .iter()
        .max_by_key(|p| (p.period.last, p.period.first))
        .expect("a series has points");
    let logs: Vec<f64> = ps.iter().filter_map(|p| p.log_error).collect();
    let errs: Vec<f64> = ps.iter().filter_map(|p| p.error.map(f64::abs)).collect();
    let hits: Vec<bool> = ps.iter().filter_map(|p| p.hit()).collect();
    Series {
        id: id.to_string(),
        key: latest.key.clone(),
        unit: latest.unit.clone(),
        n: ps.len(),
        latest_period: latest.period,
        latest_observed: latest.observed,
        latest_simulated: latest.simulated,
        bias: mean(&logs),
        rms_log_error: rms(&logs),
        mean_abs_error: mean(&errs),
        hit_share: share(&hits),
        month_on_month: direction(ps, 1),
        year_on_year: direction(ps, 12),
    }
}

/// Direction of the changes between single-month points `lag` months apart: right when
/// the simulated change has the observed change's sign (pairs without an observed change
/// are skipped; a simulated change of exactly zero — a coarse step's flat months — is
/// wrong).
fn direction(ps: &[&Point], lag: i32) -> Option<Direction> {
    let months: BTreeMap<_, &Point> = ps
        .iter()
        .filter(|p| p.period.is_month())
        .map(|p| (p.period.first, *p))
        .collect();
    let (mut n, mut right) = (0, 0);
    for (m, a) in &months {
        let Some(b) = months.get(&m.plus(lag)) else {
            continue;
        };
        let obs = b.observed - a.observed;
        if obs == 0.0 {
            continue;
        }
        n += 1;
        let sim = b.simulated - a.simulated;
        if sim != 0.0 && sim.signum() == obs.signum() {
            right += 1;
        }
    }
    (n > 0).then(|| Direction {
        n,
        right,
        share: right as f64 / n as f64,
    })
}

fn metric_scores(points: &[Point], series: &[Series]) -> Vec<MetricScore> {
    let metrics: BTreeSet<ObsMetric> = points.iter().map(|p| p.key.metric).collect();
    metrics
        .into_iter()
        .map(|m| MetricScore {
            metric: m,
            series: series.iter().filter(|s| s.key.metric == m).count(),
            score: score(points.iter().filter(|p| p.key.metric == m)),
        })
        .collect()
}

/// Lookups shared by every observation of one run.
struct Cx<'a> {
    r: &'a RunResult,
    /// Country id → market index.
    market_of: BTreeMap<&'a str, usize>,
}

impl<'a> Cx<'a> {
    fn new(r: &'a RunResult) -> Cx<'a> {
        let ds = &r.data;
        let mut market_of = BTreeMap::new();
        for (i, c) in ds.countries.iter().enumerate() {
            market_of.insert(c.id.as_str(), r.network.country_market[i]);
        }
        Cx { r, market_of }
    }

    /// The market of a country id (`None` for `WORLD` or an unknown id).
    fn market(&self, id: &str) -> Option<usize> {
        self.market_of.get(id).copied()
    }

    /// The simulated value of an observation, or why there is none.
    fn simulate(&self, o: &Observation) -> Result<f64, String> {
        let sel = self.selection(o)?;
        match o.metric {
            ObsMetric::Production => Ok(self.production(o, sel.as_deref())),
            ObsMetric::Share => self.share(o),
            ObsMetric::Exports | ObsMetric::Imports => self.trade(o, &self.need(sel)?),
            ObsMetric::Consumption => Ok(self.consumption(o, &self.need(sel)?)),
            ObsMetric::Price => self.price(o, &self.need(sel)?),
            ObsMetric::UnitValue => self.unit_value(o, &self.need(sel)?),
            ObsMetric::Stocks => Ok(self.stocks(o, &self.need(sel)?)),
            ObsMetric::Reserves => Err("reserves are not simulated".into()),
        }
    }

    /// Material indices of the observation's material (`None` when it names none).
    fn selection(&self, o: &Observation) -> Result<Option<Vec<usize>>, String> {
        if o.material.is_empty() {
            return Ok(None);
        }
        let sel = self.r.data.select(&o.material);
        if sel.is_empty() {
            return Err(format!("`{}` selects no material of the run", o.material));
        }
        Ok(Some(sel))
    }

    fn need(&self, sel: Option<Vec<usize>>) -> Result<Vec<usize>, String> {
        sel.ok_or_else(|| "no material".to_string())
    }

    /// Whether a country of the dataset counts for an observation's country id: itself,
    /// a country clearing in that market id (a bloc market such as `EU`), or any for `WORLD`.
    fn country_in(&self, country: &str, id: &str) -> bool {
        id == "WORLD"
            || country == id
            || self
                .market(id)
                .is_some_and(|m| self.r.network.markets[m] == id && self.market(country) == Some(m))
    }

    /// Whether a facility counts for a country id (`country_in`).
    fn facility_in(&self, f: usize, id: &str) -> bool {
        self.country_in(&self.r.data.facilities[f].country, id)
    }

    /// Output of the selected materials (else of the stage's materials) by the country's
    /// plants over the observation's months.
    fn production(&self, o: &Observation, sel: Option<&[usize]>) -> f64 {
        let (ds, net) = (&self.r.data, &self.r.network);
        let counts = |mi: usize| match sel {
            Some(s) => s.contains(&mi),
            None => ds.materials[mi].stage.is_some() && ds.materials[mi].stage == o.stage,
        };
        let mut total = 0.0;
        for p in &self.r.periods {
            let w = weight(&o.period, p);
            if w == 0.0 {
                continue;
            }
            for (k, act) in net.activities.iter().enumerate() {
                if !self.facility_in(act.facility, &o.country) {
                    continue;
                }
                for &(n, q) in &act.outputs {
                    if counts(net.nodes[n].material) {
                        total += w * q * p.clearing.activity[k];
                    }
                }
            }
        }
        total
    }

    /// The country's share of world output at the observation's stage.
    fn share(&self, o: &Observation) -> Result<f64, String> {
        let world = Observation {
            country: "WORLD".into(),
            ..o.clone()
        };
        let total = self.production(&world, None);
        if total <= 0.0 {
            return Err("no world output at the stage in the period".into());
        }
        Ok(self.production(o, None) / total)
    }

    /// Whether an arc carries the selected materials out of (exports) or into (imports)
    /// the observation's market, to or from its partner.
    fn arc_counts(&self, o: &Observation, a: usize, sel: &[usize]) -> bool {
        let net = &self.r.network;
        let arc = &net.arcs[a];
        let (from, to) = (&net.nodes[arc.from], &net.nodes[arc.to]);
        if !sel.contains(&from.material) {
            return false;
        }
        let (own, other) = match o.metric {
            ObsMetric::Exports => (from.market, to.market),
            _ => (to.market, from.market),
        };
        let partner_ok =
            o.partner.is_empty() || o.partner == "WORLD" || self.market(&o.partner) == Some(other);
        self.market(&o.country) == Some(own) && partner_ok
    }

    fn trade(&self, o: &Observation, sel: &[usize]) -> Result<f64, String> {
        if o.country == "WORLD" {
            return Err("world trade is not a flow of the run (name a country)".into());
        }
        let mut total = 0.0;
        for p in &self.r.periods {
            let w = weight(&o.period, p);
            for (a, f) in p.clearing.flow.iter().enumerate() {
                if w > 0.0 && self.arc_counts(o, a, sel) {
                    total += w * f;
                }
            }
        }
        Ok(total)
    }

    fn consumption(&self, o: &Observation, sel: &[usize]) -> f64 {
        let (ds, net) = (&self.r.data, &self.r.network);
        let mut total = 0.0;
        for p in &self.r.periods {
            let w = weight(&o.period, p);
            for (d, dv) in net.demands.iter().enumerate() {
                let row = &ds.demand[dv.row];
                let country_ok = self.country_in(&row.country, &o.country);
                let sector_ok = o.sector.is_empty() || row.sector == o.sector;
                if w > 0.0 && country_ok && sector_ok && sel.contains(&net.nodes[dv.node].material)
                {
                    total += w * p.clearing.consumption[d];
                }
            }
        }
        total
    }

    /// The node where buyers of a material meet sellers in a market (the tainted twin when
    /// origin colours are on, as in the summary's prices).
    fn price_node(&self, market: usize, material: usize) -> Option<usize> {
        let net = &self.r.network;
        let colours = net.taint_market.is_some();
        net.nodes
            .iter()
            .position(|n| n.market == market && n.material == material && n.tainted == colours)
    }

    fn price(&self, o: &Observation, sel: &[usize]) -> Result<f64, String> {
        let [mi] = sel else {
            return Err(format!("`{}` is not one material: a price is", o.material));
        };
        let market = self
            .market(&o.country)
            .ok_or("a price is of a market, not WORLD")?;
        let node = self
            .price_node(market, *mi)
            .ok_or_else(|| format!("no market for `{}` in {}", o.material, o.country))?;
        let (mut sum, mut months) = (0.0, 0.0);
        for p in &self.r.periods {
            let m = o.period.overlap(&p.period) as f64;
            let price = p.clearing.price[node];
            if m > 0.0 && p.clearing.traded[node] && price.is_finite() {
                sum += m * price;
                months += m;
            }
        }
        if months == 0.0 {
            return Err(format!(
                "`{}` did not change hands in {} in the period",
                o.material, o.country
            ));
        }
        Ok(sum / months)
    }

    /// Flow-weighted price at the exporting node of the selected materials exported.
    fn unit_value(&self, o: &Observation, sel: &[usize]) -> Result<f64, String> {
        let exports = Observation {
            metric: ObsMetric::Exports,
            ..o.clone()
        };
        let (mut value, mut tonnes) = (0.0, 0.0);
        for p in &self.r.periods {
            let w = weight(&o.period, p);
            for (a, f) in p.clearing.flow.iter().enumerate() {
                let price = p.clearing.price[self.r.network.arcs[a].from];
                if w > 0.0 && *f > 0.0 && price.is_finite() && self.arc_counts(&exports, a, sel) {
                    value += w * f * price;
                    tonnes += w * f;
                }
            }
        }
        if tonnes <= 0.0 {
            return Err("no exports in the period".into());
        }
        Ok(value / tonnes)
    }

    /// Stocks of the selected materials held in the market at the end of the observation's
    /// last month, interpolated inside a period that ends later.
    fn stocks(&self, o: &Observation, sel: &[usize]) -> f64 {
        let net = &self.r.network;
        let Some(pi) = self
            .r
            .periods
            .iter()
            .position(|p| p.period.contains(o.period.last))
        else {
            return 0.0;
        };
        let p = &self.r.periods[pi];
        let frac = (o.period.last.months_since(p.period.start) + 1) as f64 / p.period.months as f64;
        let mut total = 0.0;
        for (k, sv) in net.stocks.iter().enumerate() {
            let node = &net.nodes[sv.node];
            let here = o.country == "WORLD" || self.market(&o.country) == Some(node.market);
            if here && sel.contains(&node.material) {
                let begin = p.inputs.stock_begin[k];
                total += begin + frac * (p.clearing.stock_end[k] - begin);
            }
        }
        total
    }
}

/// Share of a period's quantities that falls in the observation's months.
fn weight(span: &MonthSpan, p: &crate::sim::PeriodResult) -> f64 {
    span.overlap(&p.period) as f64 / p.period.months as f64
}

/// A filter of observations with a weight, for `loss`: `metric[:country[:material]][=W]`
/// (`*` for any country; the material is matched against the series' material, or
/// `stage:<stage>` for production and share by stage).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Target {
    /// Metric.
    pub metric: ObsMetric,
    /// Country (`None` = any).
    pub country: Option<String>,
    /// Material, group or `stage:<stage>` (`None` = any).
    pub material: Option<String>,
    /// Weight (default 1).
    pub weight: f64,
}

/// Why a target filter was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TargetError {
    /// Not a metric of `observations.csv`.
    #[error(
        "`{0}` is not a metric (production, exports, imports, consumption, price, unit_value, stocks, share)"
    )]
    Metric(String),
    /// The weight is not a positive finite number.
    #[error("weight `{0}` is not a positive number")]
    Weight(String),
    /// Too many parts or an empty part.
    #[error("`{0}` is not metric[:country[:material]][=weight]")]
    Syntax(String),
}

impl Target {
    /// Parse `metric[:country[:material]][=W]`, e.g. `price`, `exports:CN`,
    /// `price:CN:ndpr_oxide=2`, `production:*:stage:mining`.
    pub fn parse(s: &str) -> Result<Target, TargetError> {
        let (filter, weight) = match s.rsplit_once('=') {
            Some((f, w)) => {
                let x: f64 = w
                    .trim()
                    .parse()
                    .map_err(|_| TargetError::Weight(w.into()))?;
                if !(x.is_finite() && x > 0.0) {
                    return Err(TargetError::Weight(w.into()));
                }
                (f, x)
            }
            None => (s, 1.0),
        };
        let mut parts = filter.splitn(3, ':').map(str::trim);
        let m = parts.next().unwrap_or_default();
        let metric = ObsMetric::parse(m)
            .filter(|m| *m != ObsMetric::Reserves)
            .ok_or_else(|| TargetError::Metric(m.into()))?;
        let any = |x: Option<&str>| x.filter(|x| *x != "*").map(str::to_string);
        let (country, material) = (parts.next(), parts.next());
        if [country, material].iter().flatten().any(|x| x.is_empty()) {
            return Err(TargetError::Syntax(s.into()));
        }
        Ok(Target {
            metric,
            country: any(country),
            material: any(material),
            weight,
        })
    }

    /// Whether a point's series is in the filter.
    pub fn matches(&self, k: &SeriesKey) -> bool {
        k.metric == self.metric
            && self.country.as_ref().is_none_or(|c| *c == k.country)
            && self.material.as_ref().is_none_or(|m| *m == k.what())
    }
}

/// The calibration objective: Σ over targets of weight × Σ squared log errors of the
/// points the target matches (every point with weight 1 when `targets` is empty). Points
/// without a log error (nothing observed) do not count.
pub fn loss(b: &Backtest, targets: &[Target]) -> f64 {
    let sq = |p: &Point| p.log_error.map_or(0.0, |e| e * e);
    if targets.is_empty() {
        return b.points.iter().map(sq).sum();
    }
    targets
        .iter()
        .map(|t| {
            let matching = b.points.iter().filter(|p| t.matches(&p.key));
            t.weight * matching.map(sq).sum::<f64>()
        })
        .sum()
}

/// Whether an observation is a year's mine output (production at stage mining, all
/// materials, calendar year `year`) — the USGS table.
pub fn is_mine_output(o: &Observation, year: i32) -> bool {
    o.metric == ObsMetric::Production
        && o.stage == Some(Stage::Mining)
        && o.material.is_empty()
        && o.period.label() == year.to_string()
}
