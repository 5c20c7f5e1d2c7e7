//! `new_facility`: a facility the dataset does not have, added before the run.

use super::{Check, Id, Lever, limits};
use crate::dataset::{Dataset, Facility, Stage, Status};
use crate::diag::codes;
use crate::scenario::EventSpec;
use crate::time::Month;
use serde::{Deserialize, Serialize};

/// Add a facility that is not in the dataset.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NewFacility {
    /// New id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Company id.
    pub company: String,
    /// Country.
    pub country: String,
    /// Stage.
    pub stage: Stage,
    /// Process ids.
    pub processes: Vec<String>,
    /// Nameplate t/yr.
    pub capacity: f64,
    /// First output.
    pub start: Month,
    /// Ramp months.
    #[serde(default)]
    pub ramp_months: Option<f64>,
    /// Cost per unit activity (USD).
    pub unit_cost: f64,
    /// Max utilization.
    #[serde(default)]
    pub utilization: Option<f64>,
}

impl Lever for NewFacility {
    fn check(&self, cx: &mut Check<'_>) {
        cx.at_most("capacity", self.capacity, limits::TONNES_PER_YEAR, "t/yr");
        cx.at_most("unit_cost", self.unit_cost, limits::USD_PER_T, "USD/t");
        if let Some(r) = self.ramp_months {
            cx.at_most("ramp_months", r, limits::MONTHS, "months");
        }
        if cx.ids.dataset_facilities.contains(&self.id) {
            cx.push(
                codes::DUPLICATE_ID,
                Some("id"),
                format!("facility `{}` already exists", self.id),
                Some("use a `capacity` event to change it".into()),
            );
        }
        cx.known("company", Id::Company, &self.company);
        cx.known("country", Id::Country, &self.country);
        for p in &self.processes {
            cx.known("processes", Id::Process, p);
            if let Some(pp) = cx.ds.processes.iter().find(|x| &x.id == p)
                && pp.stage != self.stage
            {
                let msg = format!(
                    "process `{p}` is {}, facility is {}",
                    pp.stage.as_str(),
                    self.stage.as_str()
                );
                cx.push(codes::INCONSISTENT, Some("processes"), msg, None);
            }
        }
        for (key, v) in [("capacity", self.capacity), ("unit_cost", self.unit_cost)] {
            if v < 0.0 {
                cx.out_of_range(key, format!("`{key}` = {v} is negative: it must be ≥ 0"));
            }
        }
        if let Some(u) = self.utilization {
            cx.share("utilization", u);
        }
    }

    fn apply(&self, ds: &mut Dataset, spec: &EventSpec) {
        ds.facilities.push(Facility {
            id: self.id.clone(),
            name: self.name.clone(),
            company: self.company.clone(),
            country: self.country.clone(),
            stage: self.stage,
            processes: self.processes.clone(),
            status: Status::Planned,
            enabled: true,
            capacity: self.capacity,
            capacity_unit: String::new(),
            start: self.start,
            ramp_months: self.ramp_months.unwrap_or(0.0),
            utilization: self.utilization.unwrap_or(1.0),
            closure: None,
            unit_cost: self.unit_cost,
            feed_from: Vec::new(),
            steps: Vec::new(),
            season: None,
            yield_factor: 1.0,
            note: spec.note.clone().unwrap_or_default(),
            source: spec.source.iter().cloned().collect(),
            development: None,
            project: String::new(),
            outcome: None,
        });
    }
}
