//! `expansion`: capacity that answers prices (MODEL.md's slow response "new capacity when
//! prices stay high"); the engine's `levers/expansion.rs` makes the decisions.

use super::{Check, Lever, Target, limits};
use crate::time::Month;
use serde::{Deserialize, Serialize};

/// Capacity that answers prices (MODEL.md's slow response "new capacity when prices
/// stay high"): each January from `start` to `end`, every running facility in the
/// target whose capacity earned a rent (the clearing's shadow price of its capacity) of
/// at least `rent_threshold` × its unit cost on average over the past 12 months
/// commits `rate` × its capacity, online `lead_months` later over `ramp_months`, up to
/// `max_multiple` × its own nameplate.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Expansion {
    /// Id, so that `[[uncertainty]]` can refer to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// What may expand (every facility if empty).
    #[serde(flatten)]
    pub target: Target,
    /// Mean rent over the past 12 months, as a multiple of the unit cost, that triggers
    /// an expansion (≥ 0).
    pub rent_threshold: f64,
    /// Capacity added per decision, as a share of the facility's capacity (0..1].
    pub rate: f64,
    /// Months from decision to first output.
    pub lead_months: f64,
    /// Ramp to the added capacity, months (default 12).
    #[serde(default)]
    pub ramp_months: Option<f64>,
    /// Cap on a facility's capacity, own nameplate plus expansions, as a multiple of its
    /// own nameplate (≥ 1; default 2).
    #[serde(default)]
    pub max_multiple: Option<f64>,
    /// First decision month.
    pub start: Month,
    /// Last decision month (inclusive); open-ended if absent.
    #[serde(default)]
    pub end: Option<Month>,
}

impl Lever for Expansion {
    fn check(&self, cx: &mut Check<'_>) {
        cx.target(&self.target);
        cx.at_most(
            "rent_threshold",
            self.rent_threshold,
            limits::MULTIPLE,
            "× unit cost",
        );
        cx.at_most("lead_months", self.lead_months, limits::MONTHS, "months");
        if let Some(r) = self.ramp_months {
            cx.at_most("ramp_months", r, limits::MONTHS, "months");
        }
        if let Some(m) = self.max_multiple {
            cx.at_most("max_multiple", m, limits::MULTIPLE, "× own nameplate");
        }
        let t = self.rent_threshold;
        let ok = t.is_finite() && t >= 0.0;
        let hint = "a multiple of the unit cost, ≥ 0 (1 = the rent equals the cost)";
        cx.range("rent_threshold", t, ok, hint);
        let r = self.rate;
        let hint = "a share of capacity per decision, in (0, 1]: 0.1 adds 10%";
        cx.range("rate", r, r > 0.0 && r <= 1.0, hint);
        let l = self.lead_months;
        let hint = "months from decision to first output, ≥ 0";
        cx.range("lead_months", l, l.is_finite() && l >= 0.0, hint);
        if let Some(r) = self.ramp_months {
            cx.range("ramp_months", r, r.is_finite() && r >= 0.0, "months, ≥ 0");
        }
        if let Some(m) = self.max_multiple {
            let hint = "a multiple of the facility's own nameplate, ≥ 1 (2 = may double)";
            cx.range("max_multiple", m, m.is_finite() && m >= 1.0, hint);
        }
        cx.dates(self.start, self.end);
    }

    fn label(&self) -> Option<&str> {
        self.id.as_deref()
    }

    fn window(&self) -> Option<(Month, Option<Month>)> {
        Some((self.start, self.end))
    }
}
