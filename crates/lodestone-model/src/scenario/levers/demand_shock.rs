//! `demand_shock`: demand of a country, sector or material (any combination; all when
//! none is given) changes by a fraction for a while.

use super::{Check, Id, Lever, limits};
use crate::dataset::Demand;
use crate::diag::codes;
use crate::time::Month;
use serde::{Deserialize, Serialize};

/// A sector's (or country's, or material's) demand changes by a fraction for a while.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DemandShock {
    /// Country (all if absent).
    #[serde(default)]
    pub country: Option<String>,
    /// Sector (all if absent).
    #[serde(default)]
    pub sector: Option<String>,
    /// Material (all if absent).
    #[serde(default)]
    pub material: Option<String>,
    /// First month.
    pub start: Month,
    /// Last month (inclusive); open-ended if absent.
    #[serde(default)]
    pub end: Option<Month>,
    /// Relative change, e.g. -0.2.
    pub change: f64,
}

impl DemandShock {
    /// Whether the shock applies to demand row `row`.
    pub fn hits(&self, row: &Demand) -> bool {
        self.country.as_ref().is_none_or(|c| *c == row.country)
            && self.sector.as_ref().is_none_or(|s| *s == row.sector)
            && self.material.as_ref().is_none_or(|x| *x == row.material)
    }
}

impl Lever for DemandShock {
    fn check(&self, cx: &mut Check<'_>) {
        cx.at_most("change", self.change, limits::MULTIPLE, "(relative change)");
        if let Some(c) = &self.country {
            cx.known("country", Id::Country, c);
        }
        if let Some(s) = &self.sector {
            cx.known("sector", Id::Sector, s);
        }
        if let Some(m) = &self.material {
            cx.known("material", Id::Material, m);
        }
        cx.dates(self.start, self.end);
        if self.change < -1.0 {
            cx.push(
                codes::OUT_OF_RANGE,
                Some("change"),
                format!("change {} would make demand negative", self.change),
                Some("-1.0 removes the demand entirely".into()),
            );
        }
    }

    fn window(&self) -> Option<(Month, Option<Month>)> {
        Some((self.start, self.end))
    }
}
