//! `technology_ban`: a country withholds its technology, so plants elsewhere at the given
//! stages that start under the ban ramp slower, reach a lower utilization and may yield
//! less.

use super::{Check, Id, Lever, limits};
use crate::dataset::Stage;
use crate::time::Month;
use serde::{Deserialize, Serialize};

/// Technology-transfer ban: plants outside `from` at these stages that start after the
/// ban ramp slower and reach a lower utilization.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TechnologyBan {
    /// Id, for `suspend`.
    #[serde(default)]
    pub id: Option<String>,
    /// Country whose technology is withheld.
    pub from: String,
    /// Stages affected.
    pub stages: Vec<Stage>,
    /// Multiplier on ramp-up time (≥ 1).
    pub ramp_factor: f64,
    /// Multiplier on maximum utilization (0..1).
    pub utilization_factor: f64,
    /// Multiplier on process yields (0..1; default 1): less product per tonne of feed.
    #[serde(default)]
    pub yield_factor: Option<f64>,
    /// Countries not affected besides `from` (e.g. those with their own technology).
    #[serde(default)]
    pub except: Vec<String>,
    /// First month.
    pub start: Month,
    /// Last month (inclusive).
    #[serde(default)]
    pub end: Option<Month>,
}

impl Lever for TechnologyBan {
    fn check(&self, cx: &mut Check<'_>) {
        cx.at_most("ramp_factor", self.ramp_factor, limits::MULTIPLE, "×");
        cx.known("from", Id::Country, &self.from);
        if let Some(y) = self.yield_factor {
            cx.share("yield_factor", y);
        }
        for c in &self.except {
            cx.known("except", Id::Country, c);
        }
        if self.ramp_factor < 1.0 {
            let msg = format!(
                "ramp_factor = {} < 1 would speed plants up",
                self.ramp_factor
            );
            cx.out_of_range("ramp_factor", msg);
        }
        cx.share("utilization_factor", self.utilization_factor);
        cx.dates(self.start, self.end);
    }

    fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    fn window(&self) -> Option<(Month, Option<Month>)> {
        Some((self.start, self.end))
    }
}
