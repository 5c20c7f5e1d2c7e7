//! `stockpile`: a strategic stock built toward a target at a buying rate and released by
//! a price rule.

use super::{Check, Id, Lever, limits};
use crate::diag::codes;
use crate::time::Month;
use serde::{Deserialize, Serialize};

/// A strategic stockpile: built toward a target at a buying rate, released by a rule.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Stockpile {
    /// Id, so that `[[uncertainty]]` can refer to it (not suspendable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Holding country.
    pub country: String,
    /// Material.
    pub material: String,
    /// Target, t.
    pub target: f64,
    /// Buying rate, t/yr.
    pub buy_rate: f64,
    /// `shortfall` (release when the local price exceeds `release_multiple` × reference)
    /// or `price` (release above `release_price`).
    #[serde(default)]
    pub release: ReleaseRule,
    /// Release above this multiple of the reference price (rule `shortfall`, default 2).
    #[serde(default)]
    pub release_multiple: Option<f64>,
    /// Release above this price, USD/kg (rule `price`).
    #[serde(default)]
    pub release_price: Option<f64>,
    /// First month of buying.
    pub start: Month,
    /// Last month.
    #[serde(default)]
    pub end: Option<Month>,
}

/// Stockpile release rule.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum ReleaseRule {
    /// Release when the local price signals a shortage.
    #[default]
    Shortfall,
    /// Release above a set price.
    Price,
}

impl Lever for Stockpile {
    fn label(&self) -> Option<&str> {
        self.id.as_deref()
    }

    fn check(&self, cx: &mut Check<'_>) {
        cx.at_most("target", self.target, limits::TONNES_PER_YEAR, "t");
        cx.at_most("buy_rate", self.buy_rate, limits::TONNES_PER_YEAR, "t/yr");
        if let Some(m) = self.release_multiple {
            cx.at_most("release_multiple", m, limits::MULTIPLE, "× reference price");
        }
        if let Some(p) = self.release_price {
            cx.at_most("release_price", p, limits::USD_PER_KG, "USD/kg");
        }
        cx.known("country", Id::Country, &self.country);
        cx.known("material", Id::Material, &self.material);
        if self.target < 0.0 || self.buy_rate < 0.0 {
            cx.out_of_range("target", "target and buy_rate must be ≥ 0");
        }
        if self.release == ReleaseRule::Price && self.release_price.is_none() {
            cx.push(
                codes::SCENARIO,
                Some("release"),
                "release = \"price\" needs `release_price` (USD/kg)",
                None,
            );
        }
        if self.release_multiple.is_some_and(|m| m < 1.0) {
            cx.out_of_range(
                "release_multiple",
                "release_multiple below 1 would release at normal prices",
            );
        }
        cx.dates(self.start, self.end);
    }
}
