//! `[overrides]`: a scenario's changes to dataset attributes (`table.id.attribute = value`),
//! their checks and their application before a run.

use super::Scenario;
use super::levers::{Id, Ids, limits};
use crate::dataset::{Dataset, Facility, Sector, Status};
use crate::diag::{Diagnostics, codes, did_you_mean};
use crate::time::Month;

/// Overridable attributes of each table.
const FACILITY_ATTRS: &[&str] = &[
    "capacity",
    "start",
    "status",
    "utilization",
    "ramp_months",
    "closure",
    "unit_cost",
];
const SECTOR_ATTRS: &[&str] = &["priority", "wtp_multiplier", "elasticity"];
const MATERIAL_ATTRS: &[&str] = &["ref_price"];

impl Scenario {
    /// Overrides refer to existing ids and attributes, with values of the right kind.
    pub(super) fn validate_overrides(&self, ids: &Ids, d: &mut Diagnostics) {
        for (table, ids_) in &self.overrides {
            let (set, attrs): (&[String], &[&str]) = match table.as_str() {
                "facilities" => (&ids.dataset_facilities, FACILITY_ATTRS),
                "sectors" => (ids.of(Id::Sector), SECTOR_ATTRS),
                "materials" => (ids.of(Id::Material), MATERIAL_ATTRS),
                _ => {
                    d.push(
                        codes::SCENARIO,
                        self.loc(&format!("overrides.{table}")),
                        format!("cannot override table `{table}`"),
                        Some("overridable: facilities, sectors, materials".into()),
                    );
                    continue;
                }
            };
            for (id, kv) in ids_ {
                if !set.contains(id) {
                    let noun = match table.as_str() {
                        "facilities" => "facility",
                        "sectors" => "sector",
                        _ => "material",
                    };
                    d.push(
                        codes::UNKNOWN_ID,
                        self.loc(&format!("overrides.{table}.{id}")),
                        format!("override of unknown {noun} `{id}`"),
                        did_you_mean(id, set.iter().map(String::as_str)),
                    );
                }
                for (k, v) in kv {
                    let at = self.loc(&format!("overrides.{table}.{id}.{k}"));
                    if !attrs.contains(&k.as_str()) {
                        d.push(
                            codes::SCENARIO,
                            at,
                            format!("cannot override `{table}.{id}.{k}`"),
                            Some(format!("overridable attributes: {}", attrs.join(", "))),
                        );
                    } else if let Err(msg) = check_override_value(k, v) {
                        d.push(
                            codes::BAD_VALUE,
                            at,
                            format!("override `{table}.{id}.{k}`: {msg}"),
                            None,
                        );
                    } else if let Some((max, unit)) = override_limit(k)
                        && let Some(x) = number(v).filter(|x| *x > max)
                    {
                        d.push(
                            codes::OUT_OF_RANGE,
                            at,
                            format!(
                                "override `{table}.{id}.{k}` = {x:e} is out of range: at most {max:e} {unit}"
                            ),
                            Some("check the unit and the number of zeros".into()),
                        );
                    }
                }
            }
        }
    }

    /// Apply the overrides to the dataset (values that validation refuses are skipped).
    pub(super) fn apply_overrides(&self, ds: &mut Dataset) {
        for (table, ids) in &self.overrides {
            for (id, kv) in ids {
                for (k, v) in kv {
                    match table.as_str() {
                        "facilities" => {
                            if let Some(f) = ds.facilities.iter_mut().find(|f| &f.id == id) {
                                override_facility(f, k, v);
                            }
                        }
                        "sectors" => {
                            if let Some(s) = ds.sectors.iter_mut().find(|s| &s.id == id) {
                                override_sector(s, k, v);
                            }
                        }
                        "materials" => {
                            if let Some(m) = ds.materials.iter_mut().find(|m| &m.id == id)
                                && k == "ref_price"
                            {
                                m.ref_price = number(v);
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
    }
}

/// A TOML number (integer or float) as f64.
fn number(v: &toml::Value) -> Option<f64> {
    v.as_float().or_else(|| v.as_integer().map(|i| i as f64))
}

fn override_facility(f: &mut Facility, k: &str, v: &toml::Value) {
    match (k, number(v), v.as_str()) {
        ("capacity", Some(x), _) => f.capacity = x,
        ("utilization", Some(x), _) => f.utilization = x,
        ("ramp_months", Some(x), _) => f.ramp_months = x,
        ("unit_cost", Some(x), _) => f.unit_cost = x,
        // stating a pipeline facility's date or status decides it (dataset/pipeline.rs)
        ("start", _, Some(s)) => {
            crate::dataset::pipeline::make_firm(f);
            f.start = Month::parse(s).unwrap_or(f.start);
        }
        ("closure", _, Some(s)) => f.closure = Month::parse(s),
        ("status", _, Some(s)) => {
            if let Some(st) = Status::parse(s) {
                crate::dataset::pipeline::make_firm(f);
                f.status = st;
                f.enabled = st.runs_by_default();
            }
        }
        _ => {}
    }
}

fn override_sector(s: &mut Sector, k: &str, v: &toml::Value) {
    match (k, number(v)) {
        ("priority", Some(x)) => s.priority = x as i64,
        ("wtp_multiplier", Some(x)) => s.wtp_multiplier = x,
        ("elasticity", Some(x)) => s.elasticity = x,
        _ => {}
    }
}

/// The largest value an overridable numeric attribute may take (the limits levers use,
/// `levers::limits`), with its unit; `None` for attributes bounded otherwise (shares,
/// dates, statuses) or unbounded (an elasticity, a priority rank).
fn override_limit(k: &str) -> Option<(f64, &'static str)> {
    match k {
        "capacity" => Some((limits::TONNES_PER_YEAR, "t/yr")),
        "ramp_months" => Some((limits::MONTHS, "months")),
        "unit_cost" => Some((limits::USD_PER_T, "USD/t")),
        "ref_price" => Some((limits::USD_PER_KG, "USD/kg")),
        "wtp_multiplier" => Some((limits::MULTIPLE, "× the reference price")),
        _ => None,
    }
}

fn check_override_value(k: &str, v: &toml::Value) -> Result<(), String> {
    match k {
        "start" | "closure" => match v.as_str().and_then(Month::parse) {
            Some(_) => Ok(()),
            None => Err("expected a month \"YYYY-MM\"".into()),
        },
        "status" => match v.as_str().and_then(Status::parse) {
            Some(_) => Ok(()),
            None => Err("expected a status (operating, construction, planned, announced, unlikely, suspended, closed)".into()),
        },
        _ => {
            let x = v.as_float().or_else(|| v.as_integer().map(|i| i as f64)).ok_or("expected a number")?;
            if x < 0.0 {
                return Err("must be ≥ 0".into());
            }
            if k == "utilization" && x > 1.0 {
                return Err("utilization is a share in 0..1".into());
            }
            Ok(())
        }
    }
}
