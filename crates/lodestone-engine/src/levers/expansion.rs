//! Capacity that answers prices: the `expansion` event, MODEL.md's slow response "new
//! capacity when prices stay high".
//!
//! The signal is the clearing's own: the dual of a facility's capacity row, i.e. what one
//! more tonne of capacity would have earned in the period (USD/kg of activity), averaged
//! over the past 12 months and compared with the facility's unit cost. Once a year (in the
//! first period of each calendar year) every running facility a rule covers whose mean
//! rent is at least `rent_threshold` × its unit cost commits `rate` × its capacity, which
//! comes online `lead_months` later and ramps over `ramp_months`, until the facility has
//! `max_multiple` × its own nameplate (the dataset's, with the scenario's capacity events).
//! Decisions use only past periods, so a run stays a sequence of one-period clearings.

use super::Effect;
use lodestone_model::dataset::Dataset;
use lodestone_model::scenario::{Event, Expansion, Scenario};
use lodestone_model::time::Month;
use serde::Serialize;
use std::collections::VecDeque;

/// The rules act through [`Expansions`], the run's state: decided in `sim`'s loop before
/// capacities are set, recorded after each clearing.
impl Effect for Expansion {}

/// Ramp months when a rule gives none.
const DEFAULT_RAMP_MONTHS: f64 = 12.0;
/// Capacity cap, as a multiple of the facility's own nameplate, when a rule gives none.
const DEFAULT_MAX_MULTIPLE: f64 = 2.0;
/// Months of rent history a decision averages over.
const WINDOW_MONTHS: u32 = 12;

/// One committed expansion.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    /// Facility id.
    pub facility: String,
    /// Its stage.
    pub stage: String,
    /// Its country.
    pub country: String,
    /// Month of the decision.
    pub decided: String,
    /// First month of output.
    pub online: String,
    /// Capacity added at full ramp, in the facility's capacity unit per year.
    pub capacity_per_year: f64,
    /// The mean rent over the past 12 months that triggered it, as a multiple of the unit
    /// cost.
    pub rent_multiple: f64,
}

#[derive(Debug, Clone)]
struct Rule {
    facilities: Vec<usize>,
    threshold: f64,
    rate: f64,
    lead_months: i32,
    ramp_months: f64,
    max_multiple: f64,
    start: Month,
    end: Option<Month>,
}

#[derive(Debug, Clone)]
struct Added {
    online: Month,
    per_year: f64,
    ramp_months: f64,
}

/// The expansion rules of a scenario and what they have committed so far in a run.
#[derive(Debug, Clone, Default)]
pub struct Expansions {
    rules: Vec<Rule>,
    /// Per facility, (months, rent as a multiple of unit cost) of recent periods.
    history: Vec<VecDeque<(u32, f64)>>,
    /// Per facility, committed additions.
    added: Vec<Vec<Added>>,
    /// Calendar year of the last decision round.
    last_year: Option<i32>,
    /// Facility (id, stage, country), for the decisions.
    ids: Vec<(String, String, String)>,
    /// Every decision, in order.
    pub decisions: Vec<Decision>,
}

impl Expansions {
    /// The scenario's `expansion` events, resolved against the dataset (as run, with new
    /// facilities). Facilities the dataset does not have are skipped (validation reports
    /// unknown ids before a run).
    pub fn new(ds: &Dataset, sc: &Scenario) -> Expansions {
        let rule = |x: &Expansion| Rule {
            facilities: (ds.facilities.iter().enumerate())
                .filter(|(_, f)| x.target.matches(f))
                .map(|(i, _)| i)
                .collect(),
            threshold: x.rent_threshold,
            rate: x.rate,
            lead_months: x.lead_months.round() as i32,
            ramp_months: x.ramp_months.unwrap_or(DEFAULT_RAMP_MONTHS),
            max_multiple: x.max_multiple.unwrap_or(DEFAULT_MAX_MULTIPLE),
            start: x.start,
            end: x.end,
        };
        let rules: Vec<Rule> = (sc.events.iter())
            .filter_map(|e| match &e.event {
                Event::Expansion(x) => Some(rule(x)),
                _ => None,
            })
            .collect();
        let n = ds.facilities.len();
        Expansions {
            rules,
            history: vec![VecDeque::new(); n],
            added: vec![Vec::new(); n],
            last_year: None,
            ids: ds
                .facilities
                .iter()
                .map(|f| {
                    (
                        f.id.clone(),
                        f.stage.as_str().to_string(),
                        f.country.clone(),
                    )
                })
                .collect(),
            decisions: Vec::new(),
        }
    }

    /// Number of expansion rules in the scenario.
    pub fn rules(&self) -> usize {
        self.rules.len()
    }

    /// Nameplate added to facility `fi` in month `m` by past decisions, ramped (it runs
    /// only while the facility's own nameplate is positive; `levers::period_capacity`).
    pub fn added_at(&self, fi: usize, m: Month) -> f64 {
        self.added.get(fi).map_or(0.0, |adds| {
            adds.iter()
                .filter(|a| m >= a.online)
                .map(|a| {
                    let ramp = if a.ramp_months <= 0.0 {
                        1.0
                    } else {
                        ((m.months_since(a.online) as f64 + 1.0) / a.ramp_months).min(1.0)
                    };
                    a.per_year * ramp
                })
                .sum()
        })
    }

    /// Committed additions of facility `fi`, online or not, per year at full ramp.
    fn committed(&self, fi: usize) -> f64 {
        self.added[fi].iter().map(|a| a.per_year).sum()
    }

    /// Remember a cleared period: its length and each facility's capacity rent (USD/kg of
    /// activity) against its unit cost (USD/t). A facility without capacity in the period
    /// has no rent to learn from (the dual of `x ≤ 0` is not determined) and starts its
    /// history again: it decides only after 12 months of running.
    pub fn record(&mut self, months: u32, capacity: &[f64], rent: &[f64], unit_cost: &[f64]) {
        if self.rules.is_empty() {
            return;
        }
        for (fi, h) in self.history.iter_mut().enumerate() {
            if capacity.get(fi).is_none_or(|c| *c <= 0.0) {
                h.clear();
                continue;
            }
            let cost = unit_cost.get(fi).copied().unwrap_or(0.0) / 1000.0;
            let r = rent.get(fi).copied().unwrap_or(0.0);
            let multiple = if cost > 0.0 {
                r / cost
            } else if r > 0.0 {
                f64::INFINITY
            } else {
                0.0
            };
            h.push_back((months, multiple));
            let mut total: u32 = h.iter().map(|x| x.0).sum();
            while total > WINDOW_MONTHS {
                let Some((m, _)) = h.front().copied() else {
                    break;
                };
                if total - m < WINDOW_MONTHS {
                    break;
                }
                h.pop_front();
                total -= m;
            }
        }
    }

    /// Mean rent multiple of facility `fi` over the past 12 months (None with less than 12
    /// months of history).
    fn mean_rent(&self, fi: usize) -> Option<f64> {
        let h = &self.history[fi];
        let months: u32 = h.iter().map(|x| x.0).sum();
        (months >= WINDOW_MONTHS)
            .then(|| h.iter().map(|&(m, r)| m as f64 * r).sum::<f64>() / months as f64)
    }

    /// The decision round of the period starting in `m`: once per calendar year, in its
    /// first period. `nameplate(fi, m)` is the dataset's nameplate of facility `fi` (0 when
    /// it does not run).
    pub fn decide(&mut self, m: Month, nameplate: &dyn Fn(usize, Month) -> f64) {
        if self.rules.is_empty() || self.last_year == Some(m.year()) {
            return;
        }
        self.last_year = Some(m.year());
        for k in 0..self.rules.len() {
            let rule = &self.rules[k];
            if m < rule.start || rule.end.is_some_and(|e| m > e) {
                continue;
            }
            for j in 0..rule.facilities.len() {
                let rule = &self.rules[k];
                let fi = rule.facilities[j];
                let own = nameplate(fi, m);
                if own <= 0.0 {
                    continue; // not running (yet, or any more): its expansions are idle too
                }
                let Some(rent) = self.mean_rent(fi) else {
                    continue;
                };
                if rent < rule.threshold {
                    continue;
                }
                let capacity = own + self.committed(fi);
                let add = (rule.rate * capacity).min(rule.max_multiple * own - capacity);
                if add <= 0.0 {
                    continue;
                }
                let online = m.plus(rule.lead_months);
                let ramp_months = rule.ramp_months;
                self.added[fi].push(Added {
                    online,
                    per_year: add,
                    ramp_months,
                });
                self.decisions.push(Decision {
                    facility: self.ids[fi].0.clone(),
                    stage: self.ids[fi].1.clone(),
                    country: self.ids[fi].2.clone(),
                    decided: m.to_string(),
                    online: online.to_string(),
                    capacity_per_year: add,
                    rent_multiple: rent,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn month(s: &str) -> Month {
        Month::parse(s).expect("month")
    }

    /// One facility (capacity 100/yr), one rule: threshold 1, rate 0.5, cap 2×, lead 6.
    fn one() -> Expansions {
        Expansions {
            rules: vec![Rule {
                facilities: vec![0],
                threshold: 1.0,
                rate: 0.5,
                lead_months: 6,
                ramp_months: 12.0,
                max_multiple: 2.0,
                start: month("2025-01"),
                end: None,
            }],
            history: vec![VecDeque::new()],
            added: vec![Vec::new()],
            last_year: None,
            ids: vec![("plant".into(), "mining".into(), "AU".into())],
            decisions: Vec::new(),
        }
    }

    /// Twelve months of a rent of `multiple` × a unit cost of 1,000 USD/t.
    fn year_of_rent(e: &mut Expansions, multiple: f64) {
        for _ in 0..12 {
            e.record(1, &[8.0], &[multiple], &[1000.0]);
        }
    }

    #[test]
    fn the_rent_average_covers_the_last_twelve_months_of_running() {
        let mut e = one();
        e.record(1, &[8.0], &[10.0], &[1000.0]);
        e.record(1, &[8.0], &[10.0], &[1000.0]);
        assert_eq!(e.mean_rent(0), None, "two months are not a year");
        year_of_rent(&mut e, 1.0);
        assert_eq!(
            e.mean_rent(0),
            Some(1.0),
            "the two early months dropped out"
        );
        e.record(3, &[25.0], &[4.0], &[1000.0]); // a quarter at 4×: (9·1 + 3·4)/12
        assert!((e.mean_rent(0).unwrap() - 1.75).abs() < 1e-12);
        e.record(1, &[0.0], &[99.0], &[1000.0]); // no capacity: no rent to learn from
        assert_eq!(e.mean_rent(0), None);
    }

    #[test]
    fn a_rent_above_the_threshold_adds_capacity_once_a_year_up_to_the_cap() {
        let mut e = one();
        let plate = |_: usize, _: Month| 100.0;
        year_of_rent(&mut e, 0.99);
        e.decide(month("2025-01"), &plate);
        assert!(e.decisions.is_empty(), "below the threshold");
        e.last_year = None;
        year_of_rent(&mut e, 1.5);
        e.decide(month("2025-01"), &plate);
        assert_eq!(e.decisions.len(), 1);
        let d = &e.decisions[0];
        assert_eq!((d.online.as_str(), d.capacity_per_year), ("2025-07", 50.0));
        e.decide(month("2025-06"), &plate);
        assert_eq!(e.decisions.len(), 1, "one round per calendar year");
        assert_eq!(
            e.added_at(0, month("2025-06")),
            0.0,
            "not online before the lead"
        );
        assert!((e.added_at(0, month("2025-07")) - 50.0 / 12.0).abs() < 1e-12);
        assert_eq!(e.added_at(0, month("2026-06")), 50.0, "ramped");
        year_of_rent(&mut e, 1.5);
        e.decide(month("2026-01"), &plate);
        // 150 committed: half would be 75, but the cap is 2 × 100
        assert_eq!(e.decisions[1].capacity_per_year, 50.0);
        year_of_rent(&mut e, 1.5);
        e.decide(month("2027-01"), &plate);
        assert_eq!(e.decisions.len(), 2, "at the cap");
    }

    #[test]
    fn a_facility_that_does_not_run_or_a_rule_not_yet_in_force_adds_nothing() {
        let mut e = one();
        year_of_rent(&mut e, 5.0);
        e.decide(month("2024-06"), &|_, _| 100.0);
        assert!(e.decisions.is_empty(), "before the rule's start");
        e.decide(month("2025-01"), &|_, _| 0.0);
        assert!(e.decisions.is_empty(), "closed");
    }
}
