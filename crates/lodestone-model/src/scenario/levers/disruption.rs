//! `disruption`: a facility, or a country's facilities (optionally of one stage), lose a
//! share of capacity for a while.

use super::{Check, Lever, Target};
use crate::dataset::Facility;
use crate::diag::codes;
use crate::time::Month;
use serde::{Deserialize, Serialize};

/// A facility or a country's facilities lose a share of capacity for a while.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Disruption {
    /// What is hit.
    #[serde(flatten)]
    pub target: Target,
    /// First month.
    pub start: Month,
    /// Last month (inclusive); open-ended if absent.
    #[serde(default)]
    pub end: Option<Month>,
    /// Share of capacity lost (0..1).
    pub loss: f64,
}

impl Disruption {
    /// Whether the disruption hits facility `f`: the named facility, else the country's
    /// facilities (of the stage, if one is given).
    pub fn hits(&self, f: &Facility) -> bool {
        let t = &self.target;
        match (&t.facility, &t.country) {
            (Some(id), _) => *id == f.id,
            (None, Some(c)) => *c == f.country && t.stage.is_none_or(|s| s == f.stage),
            _ => false,
        }
    }
}

impl Lever for Disruption {
    fn check(&self, cx: &mut Check<'_>) {
        cx.target(&self.target);
        if self.target.facility.is_none() && self.target.country.is_none() {
            cx.push(
                codes::SCENARIO,
                None,
                "disruption needs `facility` or `country`",
                None,
            );
        }
        cx.dates(self.start, self.end);
        cx.share("loss", self.loss);
    }

    fn window(&self) -> Option<(Month, Option<Month>)> {
        Some((self.start, self.end))
    }
}
