//! `capacity`: change a facility's nameplate from a month, or bring a planned or announced
//! facility into the run.

use super::{Check, Id, Lever, limits};
use crate::dataset::{CapacityStep, Dataset};
use crate::scenario::EventSpec;
use crate::time::Month;
use serde::{Deserialize, Serialize};

/// Change a facility's capacity from a month, or enable a planned/announced one.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Capacity {
    /// Id, so that `[[uncertainty]]` can refer to it (not suspendable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Facility id.
    pub facility: String,
    /// Month it takes effect.
    pub start: Month,
    /// New nameplate t/yr (unchanged if absent).
    #[serde(default)]
    pub capacity: Option<f64>,
    /// Ramp months to the new level.
    #[serde(default)]
    pub ramp_months: Option<f64>,
    /// Bring a facility that does not run by default into the run.
    #[serde(default)]
    pub enable: Option<bool>,
}

impl Lever for Capacity {
    fn check(&self, cx: &mut Check<'_>) {
        if let Some(c) = self.capacity {
            cx.at_most("capacity", c, limits::TONNES_PER_YEAR, "t/yr");
        }
        if let Some(r) = self.ramp_months {
            cx.at_most("ramp_months", r, limits::MONTHS, "months");
        }
        cx.known("facility", Id::Facility, &self.facility);
        if self.capacity.is_some_and(|c| c < 0.0) {
            cx.out_of_range("capacity", "capacity is negative");
        }
        if self.ramp_months.is_some_and(|c| c < 0.0) {
            cx.out_of_range("ramp_months", "ramp_months is negative");
        }
    }

    fn apply(&self, ds: &mut Dataset, spec: &EventSpec) {
        let Some(f) = ds.facilities.iter_mut().find(|f| f.id == self.facility) else {
            return;
        };
        // enabling a pipeline project decides it: built in full as stated (dataset/pipeline.rs)
        if self.enable == Some(true) && (!f.enabled || f.development.is_some()) {
            crate::dataset::pipeline::make_firm(f);
            f.enabled = true;
            if self.capacity.is_none() {
                f.start = self.start;
                f.ramp_months = self.ramp_months.unwrap_or(f.ramp_months);
                return;
            }
            if self.start > f.start {
                f.start = self.start;
            }
        }
        if let Some(c) = self.capacity {
            f.steps.push(CapacityStep {
                date: self.start,
                capacity: c,
                ramp_months: self.ramp_months.unwrap_or(0.0),
                source: spec.source.iter().cloned().collect(),
            });
            f.steps.sort_by_key(|s| s.date);
        }
    }

    fn label(&self) -> Option<&str> {
        self.id.as_deref()
    }
}
