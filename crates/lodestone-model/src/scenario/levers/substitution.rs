//! `substitution`: when a material's sustained price stays above a trigger, a sector moves
//! part of its demand to a substitute (or gives it up) after a lag, and moves back (with
//! its own lag, keeping a retained part) when the price falls below a release level.

use super::{Check, Id, Lever, limits};
use crate::diag::codes;
use crate::time::Month;
use serde::{Deserialize, Serialize};

/// Price-driven substitution and thrifting as a reversible process: the moved share phases
/// in toward `max_share` over `lag_months` once the sustained price (averaged over
/// `averaging_months`) passes `trigger_multiple` × reference, and phases out over
/// `phase_out_months` toward `retained` × the share reached once it falls below
/// `release_multiple` × reference (hysteresis: between the two it keeps its course).
/// Without `release_multiple` it never phases out (the rule before reversibility).
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
    /// Trigger: sustained price above this multiple of the reference price.
    pub trigger_multiple: f64,
    /// Largest share of the sector's demand that can move.
    pub max_share: f64,
    /// Months to phase in from none to `max_share` (linear).
    pub lag_months: f64,
    /// Country (all if absent).
    #[serde(default)]
    pub country: Option<String>,
    /// First month the option exists.
    pub start: Month,
    /// Months of price averaged into the sustained price (absent = the last period's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub averaging_months: Option<f64>,
    /// Release: sustained price below this multiple of the reference phases the share out
    /// (absent = never; at most `trigger_multiple`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_multiple: Option<f64>,
    /// Months to phase out from `max_share` to none (default `lag_months`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase_out_months: Option<f64>,
    /// Share of the adopted part that stays after a release (0..1, default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retained: Option<f64>,
}

impl Substitution {
    /// Months to phase out fully: `phase_out_months`, else `lag_months`.
    pub fn phase_out(&self) -> f64 {
        self.phase_out_months.unwrap_or(self.lag_months)
    }
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
        self.check_reversal(cx);
    }
}

impl Substitution {
    /// The reversal fields: months in range, a release below the trigger, and `retained`
    /// and `phase_out_months` only with a release to act on.
    fn check_reversal(&self, cx: &mut Check<'_>) {
        for (key, v) in [
            ("averaging_months", self.averaging_months),
            ("phase_out_months", self.phase_out_months),
        ] {
            if let Some(v) = v {
                cx.at_most(key, v, limits::MONTHS, "months");
                cx.range(key, v, v >= 0.0, "a number of months, 0 or more");
            }
        }
        if let Some(r) = self.retained {
            cx.share("retained", r);
        }
        match self.release_multiple {
            Some(r) if !(r > 0.0 && r <= self.trigger_multiple) => cx.push(
                codes::INCONSISTENT,
                Some("release_multiple"),
                format!(
                    "`release_multiple` = {r} must be > 0 and at most `trigger_multiple` = {}",
                    self.trigger_multiple
                ),
                Some(
                    "the share phases out when the price falls below the release, so the \
                     release lies at or below the trigger (e.g. trigger 2, release 1.2)"
                        .into(),
                ),
            ),
            Some(_) => {}
            None => {
                for (key, set) in [
                    ("retained", self.retained.is_some()),
                    ("phase_out_months", self.phase_out_months.is_some()),
                ] {
                    if set {
                        cx.push(
                            codes::INCONSISTENT,
                            Some(key),
                            format!("`{key}` has no effect without `release_multiple`"),
                            Some(
                                "add `release_multiple` (the price multiple below which the \
                                 share phases out) or remove the key"
                                    .into(),
                            ),
                        );
                    }
                }
            }
        }
    }
}
