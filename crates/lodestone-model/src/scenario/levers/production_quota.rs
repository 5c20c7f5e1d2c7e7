//! `production_quota`: a cap on a country's output at a stage (China's mining and
//! separation quotas).

use super::{Check, Id, Lever, limits};
use crate::dataset::Stage;
use crate::time::Month;
use serde::{Deserialize, Serialize};

/// A cap on a country's output at a stage (China's mining and separation quotas).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ProductionQuota {
    /// Id, for `suspend`.
    #[serde(default)]
    pub id: Option<String>,
    /// Country.
    pub country: String,
    /// Stage.
    pub stage: Stage,
    /// Tonnes per year of stage output (t REO for mining and separation).
    pub tonnes_per_year: f64,
    /// First month.
    pub start: Month,
    /// Last month (inclusive).
    #[serde(default)]
    pub end: Option<Month>,
}

impl Lever for ProductionQuota {
    fn check(&self, cx: &mut Check<'_>) {
        cx.at_most(
            "tonnes_per_year",
            self.tonnes_per_year,
            limits::TONNES_PER_YEAR,
            "t/yr",
        );
        cx.known("country", Id::Country, &self.country);
        if self.tonnes_per_year < 0.0 {
            cx.out_of_range("tonnes_per_year", "quota is negative");
        }
        cx.dates(self.start, self.end);
    }

    fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    fn window(&self) -> Option<(Month, Option<Month>)> {
        Some((self.start, self.end))
    }
}
