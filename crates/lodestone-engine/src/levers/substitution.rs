//! `substitution`: once last period's price of the material in a demand row's market
//! passes `trigger_multiple` × its reference price, that row moves a share of its demand,
//! ramping to `max_share` over `lag_months`, to the substitute (demand rows added before
//! the run, at `ratio` t per t replaced) or gives it up. Each market triggers on its own
//! price; a trigger is not reversed.

use super::{Effect, PeriodCx, Prepare, PrepareCx, RowKind};
use lodestone_model::dataset::Demand;
use lodestone_model::scenario::Substitution;
use lodestone_model::time::Month;

/// A substitution rule resolved to demand rows.
#[derive(Debug, Clone)]
pub struct SubRule {
    /// Rows it can shift (original rows).
    pub rows: Vec<usize>,
    /// Trigger price multiple.
    pub trigger_multiple: f64,
    /// Max share.
    pub max_share: f64,
    /// Ramp months.
    pub lag_months: f64,
    /// First month.
    pub start: Month,
    /// Material.
    pub material: String,
}

impl Effect for Substitution {
    fn prepare_step(&self) -> Option<Prepare> {
        Some(Prepare::Substitute)
    }

    fn prepare(&self, cx: &mut PrepareCx<'_>) {
        let rule = cx.plan.substitutions.len();
        let rows: Vec<usize> = cx
            .ds
            .demand
            .iter()
            .enumerate()
            .filter(|(_, d)| {
                d.sector == self.sector
                    && d.material == self.material
                    && self.country.as_ref().is_none_or(|c| *c == d.country)
            })
            .map(|(i, _)| i)
            .collect();
        if let Some(subm) = &self.substitute {
            for &r in &rows {
                let d = cx.ds.demand[r].clone();
                cx.ds.demand.push(Demand {
                    material: subm.clone(),
                    ..d
                });
                let ratio = self.ratio.unwrap_or(1.0);
                cx.plan.row_kind.push(RowKind::Substitute(r, rule, ratio));
            }
        }
        cx.plan.substitutions.push(SubRule {
            rows,
            trigger_multiple: self.trigger_multiple,
            max_share: self.max_share,
            lag_months: self.lag_months,
            start: self.start,
            material: self.material.clone(),
        });
    }
}

/// The substitution rules of a run with their trigger months and this period's shares.
#[derive(Debug, Clone, Default)]
pub struct Substitutions {
    rules: Vec<SubRule>,
    /// Trigger month per rule and per row of the rule (markets trigger apart).
    trigger: Vec<Vec<Option<Month>>>,
    /// Share of each row's demand moved this period, per rule and row of the rule.
    share: Vec<Vec<f64>>,
}

impl Substitutions {
    /// The plan's rules, none triggered.
    pub fn new(plan: &super::Plan) -> Substitutions {
        let rules = plan.substitutions.clone();
        Substitutions {
            trigger: rules.iter().map(|r| vec![None; r.rows.len()]).collect(),
            share: rules.iter().map(|r| vec![0.0; r.rows.len()]).collect(),
            rules,
        }
    }

    /// This period's shares, from last period's prices (`ref_price` per material).
    pub fn update(&mut self, cx: &PeriodCx<'_>, ref_price: &[f64]) {
        let m = cx.p.start;
        let (ds, net) = (cx.ds, cx.net);
        for (k, rule) in self.rules.iter().enumerate() {
            self.share[k].iter_mut().for_each(|s| *s = 0.0);
            if m < rule.start {
                continue;
            }
            let mi = net.materials.iter().position(|x| *x == rule.material);
            for (j, &row) in rule.rows.iter().enumerate() {
                if self.trigger[k][j].is_none() {
                    let market = cx.market_of(&ds.demand[row].country);
                    let node = mi
                        .zip(market)
                        .and_then(|(mi, mk)| net.node_index.get(&(mk, mi)).copied());
                    let trigger = rule.trigger_multiple * ref_price[mi.unwrap_or(0)];
                    if node
                        .and_then(|n| cx.prev_price(n))
                        .is_some_and(|pp| pp > trigger)
                    {
                        // the average price of last period passed the trigger: dated to
                        // that period's middle month, so a yearly run triggers when a
                        // monthly one would (on average), not up to a year later
                        let prev = cx
                            .prev
                            .map_or(m, |r| r.period.start.plus(r.period.months / 2));
                        self.trigger[k][j] = Some(prev.max(rule.start));
                    }
                }
                if let Some(t) = self.trigger[k][j] {
                    // the ramp averaged over the period's months (step invariance)
                    let ramp = |i: i32| {
                        if rule.lag_months <= 0.0 {
                            1.0
                        } else {
                            ((m.plus(i).months_since(t) + 1).max(0) as f64 / rule.lag_months)
                                .min(1.0)
                        }
                    };
                    let months = cx.p.months.max(1);
                    let mean = (0..months).map(ramp).sum::<f64>() / f64::from(months);
                    self.share[k][j] = rule.max_share * mean;
                }
            }
        }
    }

    /// Share of demand row `row` that rule `rule` moves this period.
    pub fn share_of(&self, rule: usize, row: usize) -> f64 {
        self.rules[rule]
            .rows
            .iter()
            .position(|&r| r == row)
            .map_or(0.0, |j| self.share[rule][j])
    }

    /// What remains of a dataset row's demand after every rule that moves part of it.
    pub fn remaining(&self, row: usize) -> f64 {
        let mut f = 1.0;
        for (k, r) in self.rules.iter().enumerate() {
            if r.rows.contains(&row) {
                f *= 1.0 - self.share_of(k, row);
            }
        }
        f
    }
}
