//! `substitution`: a demand row moves a share of its demand to a substitute (demand rows
//! added before the run, at `ratio` t per t replaced) or gives it up, as a reversible
//! process. The sustained price of the material in the row's market (last period's, or
//! the mean of the last `averaging_months` months) switches the row between two regimes
//! with hysteresis: *engaged* once it passes `trigger_multiple` × reference (the share
//! phases in toward `max_share` over `lag_months`), *released* once it falls below
//! `release_multiple` × reference (the share phases out over `phase_out_months` toward
//! `retained` × the share reached); between the two it keeps its course. A switch is
//! dated to the middle month of the period whose price made it; shares move month by
//! month and a period's share is their mean (step invariance). Each market switches on
//! its own price. Without `release_multiple` a row never releases (the rule before
//! reversibility, bit for bit).

use super::{Effect, PeriodCx, Prepare, PrepareCx, RowKind};
use lodestone_model::dataset::Demand;
use lodestone_model::scenario::Substitution;
use lodestone_model::time::Month;
use std::collections::VecDeque;

/// A substitution rule resolved to demand rows.
#[derive(Debug, Clone)]
pub struct SubRule {
    /// Rows it can shift (original rows).
    pub rows: Vec<usize>,
    /// Trigger price multiple.
    pub trigger_multiple: f64,
    /// Release price multiple (`None`: never released).
    pub release_multiple: Option<f64>,
    /// Max share.
    pub max_share: f64,
    /// Months to phase in fully.
    pub lag_months: f64,
    /// Months to phase out fully.
    pub phase_out_months: f64,
    /// Share of the reached level kept after a release.
    pub retained: f64,
    /// Months averaged into the sustained price (`None`: last period's price).
    pub averaging_months: Option<usize>,
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
            release_multiple: self.release_multiple,
            max_share: self.max_share,
            lag_months: self.lag_months,
            phase_out_months: self.phase_out(),
            retained: self.retained.unwrap_or(0.0),
            averaging_months: self.averaging_months.map(|a| (a.round() as usize).max(1)),
            start: self.start,
            material: self.material.clone(),
        });
    }
}

/// One row's course: the level (share of `max_share`, 0..1) moves from `from`, as it was
/// the month before `anchor`, toward `target`, a whole move taking `months`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Course {
    /// First month of this course.
    pub anchor: Month,
    /// Level the month before `anchor`.
    pub from: f64,
    /// Level it moves to.
    pub target: f64,
    /// Months a move from 0 to 1 (or back) takes; ≤ 0 = at once.
    pub months: f64,
}

impl Course {
    /// The level in month `m` (as in the rule before reversibility for a first phase-in
    /// from 0: `min(1, (m − anchor + 1) / months)`).
    pub fn level(&self, m: Month) -> f64 {
        if self.months <= 0.0 {
            return self.target;
        }
        let step = (m.months_since(self.anchor) + 1).max(0) as f64 / self.months;
        if self.target >= self.from {
            (self.from + step).min(self.target)
        } else {
            (self.from - step).max(self.target)
        }
    }
}

/// The state of one demand row under one rule.
#[derive(Debug, Clone, Default)]
struct RowState {
    /// Whether the row is engaged (phasing in or in).
    engaged: bool,
    /// The course in force, if the row ever switched.
    course: Option<Course>,
    /// Highest level reached before the last release.
    peak: f64,
    /// Monthly prices of the last `averaging_months` months (NaN: no price).
    prices: VecDeque<f64>,
}

/// The substitution rules of a run with each row's course and this period's shares.
#[derive(Debug, Clone, Default)]
pub struct Substitutions {
    rules: Vec<SubRule>,
    /// State per rule and per row of the rule (markets switch apart).
    state: Vec<Vec<RowState>>,
    /// Share of each row's demand moved this period, per rule and row of the rule.
    share: Vec<Vec<f64>>,
}

impl Substitutions {
    /// The plan's rules, none engaged.
    pub fn new(plan: &super::Plan) -> Substitutions {
        let rules = plan.substitutions.clone();
        Substitutions {
            state: (rules.iter())
                .map(|r| vec![RowState::default(); r.rows.len()])
                .collect(),
            share: rules.iter().map(|r| vec![0.0; r.rows.len()]).collect(),
            rules,
        }
    }

    /// This period's shares, from the prices of the periods already cleared (`ref_price`
    /// per material).
    pub fn update(&mut self, cx: &PeriodCx<'_>, ref_price: &[f64]) {
        let m = cx.p.start;
        let (ds, net) = (cx.ds, cx.net);
        // a switch made on last period's price is dated to its middle month, so a yearly
        // run switches when a monthly one would (on average), not up to a year later
        let prev_mid = cx
            .prev
            .map_or(m, |r| r.period.start.plus(r.period.months / 2));
        for (k, rule) in self.rules.iter().enumerate() {
            let mi = net.materials.iter().position(|x| *x == rule.material);
            let reference = ref_price[mi.unwrap_or(0)];
            for (j, &row) in rule.rows.iter().enumerate() {
                let market = cx.market_of(&ds.demand[row].country);
                let node = mi
                    .zip(market)
                    .and_then(|(mi, mk)| net.node_index.get(&(mk, mi)).copied());
                let st = &mut self.state[k][j];
                let price = sustained(rule, st, cx, node);
                self.share[k][j] = 0.0;
                if m < rule.start {
                    continue;
                }
                if let Some(price) = price {
                    switch(rule, st, price, reference, prev_mid.max(rule.start));
                }
                if let Some(c) = &st.course {
                    // the course averaged over the period's months (step invariance)
                    let months = cx.p.months.max(1);
                    let mean =
                        (0..months).map(|i| c.level(m.plus(i))).sum::<f64>() / f64::from(months);
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

/// The sustained price at `node` as of the last cleared period: its price, or the mean
/// of the priced months among the last `averaging_months` (records last period's months).
fn sustained(
    rule: &SubRule,
    st: &mut RowState,
    cx: &PeriodCx<'_>,
    node: Option<usize>,
) -> Option<f64> {
    let last = node.and_then(|n| cx.prev_price(n));
    let Some(n) = rule.averaging_months else {
        return last;
    };
    if let Some(prev) = cx.prev {
        for _ in 0..prev.period.months.max(1) {
            st.prices.push_back(last.unwrap_or(f64::NAN));
        }
        while st.prices.len() > n {
            st.prices.pop_front();
        }
    }
    let priced: Vec<f64> = st
        .prices
        .iter()
        .copied()
        .filter(|x| x.is_finite())
        .collect();
    (!priced.is_empty()).then(|| priced.iter().sum::<f64>() / priced.len() as f64)
}

/// Switch a row's regime on the sustained `price` against `reference`, dated `at`:
/// engage above the trigger, release below the release level, else keep the course.
fn switch(rule: &SubRule, st: &mut RowState, price: f64, reference: f64, at: Month) {
    let engage = !st.engaged && price > rule.trigger_multiple * reference;
    let release = st.engaged && rule.release_multiple.is_some_and(|r| price < r * reference);
    if !engage && !release {
        return;
    }
    // the level reached the month before the switch (never before the course's start)
    let at = st.course.map_or(at, |c| at.max(c.anchor));
    let from = st.course.map_or(0.0, |c| c.level(at.plus(-1)));
    st.course = Some(if release {
        st.peak = st.peak.max(from);
        Course {
            anchor: at,
            from,
            target: rule.retained * st.peak,
            months: rule.phase_out_months,
        }
    } else {
        Course {
            anchor: at,
            from,
            target: 1.0,
            months: rule.lag_months,
        }
    });
    st.engaged = engage;
}
