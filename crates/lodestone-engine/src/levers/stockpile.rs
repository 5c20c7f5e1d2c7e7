//! `stockpile`: a strategic stock row of its own, built toward the target at the buying
//! rate and released above the rule's price; every other stock row keeps its own target
//! and the settings' release price.

use super::{Effect, Plan, Prepare, PrepareCx};
use crate::network::Network;
use crate::settings::Settings;
use lodestone_model::dataset::{Dataset, Stock};
use lodestone_model::scenario::{ReleaseRule, Stockpile};
use lodestone_model::time::{Month, Period};

/// Dynamic rule attached to a stock row created by a `stockpile` event.
#[derive(Debug, Clone)]
pub struct StockRule {
    /// First month of buying.
    pub start: Month,
    /// Last month of buying.
    pub end: Option<Month>,
    /// Buying rate, t/yr.
    pub buy_rate: f64,
    /// Final target, t.
    pub target: f64,
    /// Release price, USD/kg.
    pub release_price: f64,
}

impl Effect for Stockpile {
    fn prepare_step(&self) -> Option<Prepare> {
        Some(Prepare::Stocks)
    }

    fn prepare(&self, cx: &mut PrepareCx<'_>) {
        let refp = cx
            .ds
            .material(&self.material)
            .and_then(|m| m.ref_price)
            .unwrap_or(1.0);
        cx.ds.stocks.push(Stock {
            country: self.country.clone(),
            material: self.material.clone(),
            kind: "strategic".into(),
            quantity: 0.0,
            target: 0.0,
            source: cx.source.clone(),
        });
        cx.plan.stock_rule.push(Some(StockRule {
            start: self.start,
            end: self.end,
            buy_rate: self.buy_rate,
            target: self.target,
            release_price: match self.release {
                ReleaseRule::Price => self.release_price.unwrap_or(refp * 2.0),
                ReleaseRule::Shortfall => self.release_multiple.unwrap_or(2.0) * refp,
            },
        }));
    }
}

impl StockRule {
    /// Target at the start of period `p`: what the buying rate has bought since the start
    /// (a month's worth in the first month), up to the final target.
    fn target_at(&self, p: &Period) -> f64 {
        if p.start < self.start {
            return 0.0;
        }
        let until = self.end.map_or(p.start, |e| e.min(p.start));
        let months = until.months_since(self.start).max(1) as f64;
        (self.buy_rate * months / 12.0).min(self.target)
    }
}

/// Stock target and release price per stock variable for one period.
pub fn stock_terms(
    ds: &Dataset,
    net: &Network,
    plan: &Plan,
    s: &Settings,
    p: &Period,
) -> (Vec<f64>, Vec<f64>) {
    let mut target = Vec::new();
    let mut release = Vec::new();
    for sv in &net.stocks {
        let Some(ri) = sv.row else {
            // a commercial holder: valued by `storage`, no target
            target.push(0.0);
            release.push(0.0);
            continue;
        };
        let row = &ds.stocks[ri];
        let refp = ds
            .material(&row.material)
            .and_then(|m| m.ref_price)
            .unwrap_or(1.0);
        match plan.stock_rule.get(ri).and_then(|r| r.as_ref()) {
            Some(rule) => {
                target.push(rule.target_at(p));
                release.push(rule.release_price);
            }
            None => {
                target.push(row.target);
                let multiple = if sv.strategic {
                    s.strategic_release_multiple
                } else {
                    1.0 + s.stock_release_premium
                };
                release.push(multiple * refp);
            }
        }
    }
    (target, release)
}
