//! `substitution`: when a material's price stays above a trigger, a sector moves part of
//! its demand to a substitute (or gives it up) after a lag.

use super::{Check, Id, Lever, limits};
use crate::diag::codes;
use crate::time::Month;
use serde::{Deserialize, Serialize};

/// Price-triggered substitution: when a material's price stays above a trigger, a
/// sector moves part of its demand to a substitute (or gives it up) after a lag.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Substitution {
    /// Sector.
    pub sector: String,
    /// Material substituted away from.
    pub material: String,
    /// Substitute material (absent = demand given up, e.g. ferrite or redesign).
    #[serde(default)]
    pub substitute: Option<String>,
    /// Tonnes of substitute per tonne replaced (default 1).
    #[serde(default)]
    pub ratio: Option<f64>,
    /// Trigger: price above this multiple of the reference price.
    pub trigger_multiple: f64,
    /// Largest share of the sector's demand that can move.
    pub max_share: f64,
    /// Months from trigger to effect.
    pub lag_months: f64,
    /// Country (all if absent).
    #[serde(default)]
    pub country: Option<String>,
    /// First month the option exists.
    pub start: Month,
}

impl Lever for Substitution {
    fn check(&self, cx: &mut Check<'_>) {
        if self.substitute.as_ref() == Some(&self.material) {
            let msg = format!("`{}` cannot substitute for itself", self.material);
            cx.push(
                crate::diag::codes::INCONSISTENT,
                Some("substitute"),
                msg,
                None,
            );
        }
        cx.at_most(
            "trigger_multiple",
            self.trigger_multiple,
            limits::MULTIPLE,
            "× reference price",
        );
        cx.at_most("lag_months", self.lag_months, limits::MONTHS, "months");
        if let Some(r) = self.ratio {
            cx.at_most("ratio", r, limits::MULTIPLE, "t per t replaced");
        }
        cx.known("sector", Id::Sector, &self.sector);
        cx.known("material", Id::Material, &self.material);
        if let Some(s) = &self.substitute {
            cx.known("substitute", Id::Material, s);
        }
        if let Some(c) = &self.country {
            cx.known("country", Id::Country, c);
        }
        cx.share("max_share", self.max_share);
        if self.trigger_multiple <= 0.0
            || self.lag_months < 0.0
            || self.ratio.is_some_and(|r| r <= 0.0)
        {
            cx.push(
                codes::OUT_OF_RANGE,
                None,
                "trigger_multiple and ratio must be > 0, lag_months ≥ 0",
                None,
            );
        }
    }
}
