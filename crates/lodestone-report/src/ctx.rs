//! One run prepared for reporting: its years, names from the dataset, totals and shares
//! read from the summary, and the quantities derived from the run (`derive`).

use crate::derive::{self, CHAIN, Derived};
use crate::{ReportError, Run, ScenarioInfo};
use lodestone_engine::summary::YearSummary;
use lodestone_engine::{RunResult, Summary};
use lodestone_model::dataset::Dataset;
use std::collections::BTreeMap;

/// Country → sector → t (a summary's demand and shortfall tables).
type ByCountrySector = BTreeMap<String, BTreeMap<String, f64>>;

/// A run with everything the sections need.
pub struct Ctx<'a> {
    /// Scenario description.
    pub info: &'a ScenarioInfo,
    /// The run.
    pub r: &'a RunResult,
    /// Its summary.
    pub s: &'a Summary,
    /// The dataset as run.
    pub ds: &'a Dataset,
    /// Derived quantities.
    pub d: Derived,
    /// Years of the summary, in order.
    pub years: Vec<String>,
    /// The same, as numbers.
    pub xs: Vec<i32>,
    /// `summary.annual` as JSON, for metric-path lookups (`shares.magnet.CN`).
    pub annual_json: serde_json::Value,
    /// The run against the dataset's observations.
    pub backtest: lodestone_engine::Backtest,
}

impl<'a> Ctx<'a> {
    /// Prepare a run.
    pub fn new(run: &Run<'a>) -> Result<Ctx<'a>, ReportError> {
        let s = run.summary;
        let years: Vec<String> = s.annual.keys().cloned().collect();
        if years.is_empty() {
            return Err(ReportError::Empty(s.scenario.clone()));
        }
        let xs = years.iter().map(|y| y.parse().unwrap_or(0)).collect();
        Ok(Ctx {
            info: run.info,
            r: run.result,
            s,
            ds: &run.result.data,
            d: derive::derive(run.result),
            years,
            xs,
            annual_json: serde_json::to_value(&s.annual).unwrap_or_default(),
            backtest: lodestone_engine::backtest(run.result),
        })
    }

    /// First year.
    pub fn first(&self) -> &str {
        &self.years[0]
    }

    /// Last year.
    pub fn last(&self) -> &str {
        self.years.last().map_or("", |s| s.as_str())
    }

    /// Display name of a country, market or bloc id (short form).
    pub fn name(&self, id: &str) -> String {
        crate::labels::name(self.ds, id)
    }

    /// Display name of a sector.
    pub fn sector(&self, id: &str) -> String {
        crate::labels::sector(self.ds, id)
    }

    /// A sector name inside a sentence (lower-case first letter unless an acronym).
    pub fn sector_prose(&self, id: &str) -> String {
        let n = self.sector(id);
        let mut c = n.chars();
        match (c.next(), c.next()) {
            (Some(a), Some(b)) if a.is_uppercase() && b.is_lowercase() => {
                a.to_lowercase().collect::<String>() + &n[a.len_utf8()..]
            }
            _ => n,
        }
    }

    /// Display name of a material (short form).
    pub fn material(&self, id: &str) -> String {
        crate::labels::material(self.ds, id)
    }

    /// Unit of a stage's output: `t REO` when its materials are on an oxide basis.
    pub fn stage_unit(&self, stage: &str) -> &'static str {
        crate::labels::stage_unit(self.ds, stage)
    }

    /// Stages with output in any year.
    pub fn stages(&self) -> Vec<&'static str> {
        CHAIN
            .iter()
            .copied()
            .filter(|st| {
                self.s.annual.values().any(|y| {
                    y.production
                        .get(*st)
                        .is_some_and(|m| m.values().any(|v| *v > 0.0))
                })
            })
            .collect()
    }

    /// World output of a stage in a year (stage units).
    pub fn stage_total(&self, year: &str, stage: &str) -> f64 {
        self.s
            .annual
            .get(year)
            .and_then(|y| y.production.get(stage))
            .map_or(0.0, |m| m.values().sum())
    }

    /// A country's share of a stage's output in a year.
    pub fn share(&self, year: &str, stage: &str, country: &str) -> Option<f64> {
        let y = self.s.annual.get(year)?;
        let m = y.production.get(stage)?;
        if m.values().sum::<f64>() <= 0.0 {
            return None;
        }
        Some(
            y.shares
                .get(stage)
                .and_then(|m| m.get(country))
                .copied()
                .unwrap_or(0.0),
        )
    }

    /// Countries of a stage by their largest share over the run, at most `n`, each with
    /// at least `min` share in some year.
    pub fn top_countries(&self, stage: &str, n: usize, min: f64) -> Vec<String> {
        let mut best: BTreeMap<String, f64> = BTreeMap::new();
        for y in self.s.annual.values() {
            if let Some(m) = y.shares.get(stage) {
                for (c, v) in m {
                    let e = best.entry(c.clone()).or_default();
                    *e = e.max(*v);
                }
            }
        }
        let mut v: Vec<(String, f64)> = best.into_iter().filter(|(_, x)| *x >= min).collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        v.into_iter().take(n).map(|(c, _)| c).collect()
    }

    /// World demand and unmet demand in a year, t of rare earth content (one unit across
    /// sectors that buy magnets, metals and oxides).
    pub fn demand_short(&self, year: &str) -> (f64, f64) {
        let Some(y) = self.s.annual.get(year) else {
            return (0.0, 0.0);
        };
        let d = y.demand_content.values().flat_map(|m| m.values()).sum();
        let s = y.shortfall_content.values().flat_map(|m| m.values()).sum();
        (d, s)
    }

    /// Unmet and total demand by sector in a year, t of rare earth content: sector →
    /// (short, demand). For shares; `by_sector` gives the tonnes of product.
    pub fn by_sector_content(&self, year: &str) -> BTreeMap<String, (f64, f64)> {
        self.sector_sums(year, |y| (&y.shortfall_content, &y.demand_content))
    }

    /// Unmet and total demand by sector in a year: sector → (short, demand).
    pub fn by_sector(&self, year: &str) -> BTreeMap<String, (f64, f64)> {
        self.sector_sums(year, |y| (&y.shortfall, &y.demand))
    }

    /// Sector → (short, demand), summed over countries, of the two tables `pick` chooses.
    fn sector_sums(
        &self,
        year: &str,
        pick: impl Fn(&YearSummary) -> (&ByCountrySector, &ByCountrySector),
    ) -> BTreeMap<String, (f64, f64)> {
        let mut out: BTreeMap<String, (f64, f64)> = BTreeMap::new();
        if let Some(y) = self.s.annual.get(year) {
            let (short, demand) = pick(y);
            for (sec, v) in demand.values().flatten() {
                out.entry(sec.clone()).or_default().1 += v;
            }
            for (sec, v) in short.values().flatten() {
                out.entry(sec.clone()).or_default().0 += v;
            }
        }
        out
    }

    /// Sectors in dataset order that have demand.
    pub fn sectors(&self) -> Vec<String> {
        let have: std::collections::BTreeSet<&String> = self
            .s
            .annual
            .values()
            .flat_map(|y| y.demand.values().flat_map(|m| m.keys()))
            .collect();
        let mut v: Vec<String> = self
            .ds
            .sectors
            .iter()
            .filter(|s| have.contains(&s.id))
            .map(|s| s.id.clone())
            .collect();
        for h in have {
            if !v.contains(h) {
                v.push(h.clone());
            }
        }
        v
    }

    /// Demand countries (markets) by total demand over the run, largest first.
    pub fn demand_countries(&self) -> Vec<String> {
        let mut tot: BTreeMap<String, f64> = BTreeMap::new();
        for y in self.s.annual.values() {
            for (c, m) in &y.demand {
                *tot.entry(c.clone()).or_default() += m.values().sum::<f64>();
            }
        }
        let mut v: Vec<(String, f64)> = tot.into_iter().collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        v.into_iter().map(|(c, _)| c).collect()
    }

    /// Price of a material in a market in a year, USD/kg; negative duals (the cost of
    /// disposing of a surplus) are shown as 0, as in the terminal summary.
    pub fn price(&self, year: &str, market: &str, material: &str) -> Option<f64> {
        self.s
            .annual
            .get(year)?
            .prices
            .get(market)?
            .get(material)
            .map(|p| p.max(0.0))
    }

    /// The materials whose prices matter most: the largest output value (t × mean price)
    /// over the run, at most `n`; priced materials without output follow by demand.
    pub fn key_materials(&self, n: usize) -> Vec<String> {
        let mut value: BTreeMap<String, f64> = BTreeMap::new();
        for (year, mats) in &self.d.output {
            let Some(y) = self.s.annual.get(year) else {
                continue;
            };
            for (m, by) in mats {
                let prices: Vec<f64> = y
                    .prices
                    .values()
                    .filter_map(|p| p.get(m))
                    .copied()
                    .collect();
                if prices.is_empty() {
                    continue;
                }
                let p = prices.iter().sum::<f64>() / prices.len() as f64;
                *value.entry(m.clone()).or_default() += by.values().sum::<f64>() * p.max(0.0);
            }
        }
        if value.is_empty() {
            for y in self.s.annual.values() {
                for m in y.prices.values().flat_map(|p| p.keys()) {
                    value.entry(m.clone()).or_insert(0.0);
                }
            }
        }
        let mut v: Vec<(String, f64)> = value.into_iter().collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        v.into_iter().take(n).map(|(m, _)| m).collect()
    }

    /// The markets to draw for a material's price: the supplier's, then the largest
    /// demand markets that have a price for it, at most `n`.
    pub fn price_markets(&self, material: &str, n: usize) -> Vec<String> {
        let priced = |c: &str| {
            self.s
                .annual
                .values()
                .any(|y| y.prices.get(c).is_some_and(|p| p.contains_key(material)))
        };
        let mut out: Vec<String> = Vec::new();
        if priced(&self.s.supplier) {
            out.push(self.s.supplier.clone());
        }
        for c in self.demand_countries() {
            if out.len() >= n {
                break;
            }
            if !out.contains(&c) && priced(&c) {
                out.push(c);
            }
        }
        out
    }

    /// Imports of a material into a market in a year by exporting market, t (flows
    /// below 0.5 t/yr, solver noise, left out).
    pub fn imports_by_origin(
        &self,
        year: &str,
        importer: &str,
        material: &str,
    ) -> BTreeMap<String, f64> {
        let mut out = BTreeMap::new();
        if let Some(by) = self
            .s
            .annual
            .get(year)
            .and_then(|y| y.imports.get(importer))
        {
            for (exporter, mats) in by {
                if let Some(t) = mats.get(material)
                    && *t >= 0.5
                {
                    out.insert(exporter.clone(), *t);
                }
            }
        }
        out
    }

    /// The (importer, material) pairs with the largest import value over the run
    /// (t × the importer's average price, or t where unpriced), at most `n`.
    pub fn key_imports(&self, n: usize) -> Vec<(String, String)> {
        let mut value: BTreeMap<(String, String), f64> = BTreeMap::new();
        for (year, y) in &self.s.annual {
            for (imp, by) in &y.imports {
                for mats in by.values() {
                    for (m, t) in mats {
                        if *t < 0.5 {
                            continue;
                        }
                        let p = self.price(year, imp, m).unwrap_or(1.0).max(1e-3);
                        *value.entry((imp.clone(), m.clone())).or_default() += t * p;
                    }
                }
            }
        }
        let mut v: Vec<((String, String), f64)> = value.into_iter().collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        v.into_iter().take(n).map(|(k, _)| k).collect()
    }

    /// The country or bloc whose dependency the answer describes: the scenario's first
    /// `[metrics] countries` entry, else the largest demand market other than the supplier.
    pub fn focus_entity(&self) -> Option<String> {
        let first = self.s.annual.values().next()?;
        if first.dependency.is_empty() {
            return None;
        }
        if let Some(c) = self.r.metrics.countries.first()
            && first.dependency.contains_key(c)
        {
            return Some(c.clone());
        }
        self.demand_countries()
            .into_iter()
            .find(|c| *c != self.s.supplier && first.dependency.contains_key(c))
    }

    /// The bloc whose independence the answer describes: the scenario's first bloc that
    /// does not contain the supplier, else `us_allies`, else the first bloc.
    pub fn focus_bloc(&self) -> Option<String> {
        let blocs: Vec<&String> = self.s.time_to_independence.keys().collect();
        if blocs.is_empty() {
            return None;
        }
        let sup = self.ds.country(&self.s.supplier);
        let excluded =
            |b: &str| b == self.s.supplier || sup.is_some_and(|c| c.blocs.iter().any(|x| x == b));
        for b in &self.r.metrics.blocs {
            if blocs.contains(&b) && !excluded(b) {
                return Some(b.clone());
            }
        }
        if blocs.iter().any(|b| b.as_str() == "us_allies") {
            return Some("us_allies".into());
        }
        blocs.into_iter().find(|b| !excluded(b)).cloned()
    }

    /// A dependency share: entity → stage → measure → supplier.
    pub fn dependency(&self, year: &str, entity: &str, stage: &str, measure: &str) -> Option<f64> {
        self.s
            .annual
            .get(year)?
            .dependency
            .get(entity)?
            .get(stage)?
            .get(measure)?
            .get(&self.s.supplier)
            .copied()
    }

    /// The value of a metric path (`shares.magnet.CN`) in a year of this run.
    pub fn path_value(&self, year: &str, path: &str) -> Option<f64> {
        let mut v = self.annual_json.get(year)?;
        for part in path.split('.') {
            v = v.get(part)?;
        }
        v.as_f64()
    }

    /// Months of `year` the run covers (12 for full years).
    pub fn months(&self, year: &str) -> f64 {
        self.d.months.get(year).copied().unwrap_or(12.0)
    }

    /// `2024`, or `2025 (May–Dec, 8 months)` style for partial years.
    pub fn year_label(&self, year: &str) -> String {
        let m = self.months(year);
        if m >= 12.0 {
            year.to_string()
        } else {
            format!("{year} ({m:.0} months)")
        }
    }
}
