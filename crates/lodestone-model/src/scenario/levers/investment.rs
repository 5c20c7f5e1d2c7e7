//! `investment`: money for new or expanded capacity in a country and stage, with a lead
//! time and a chance of delay.

use super::{Check, Id, Lever, limits};
use crate::dataset::Stage;
use crate::diag::codes;
use crate::time::Month;
use serde::{Deserialize, Serialize};

/// Money for new or expanded capacity, with a lead time and a chance of delay.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Investment {
    /// Id, so that `[[uncertainty]]` can refer to it (not suspendable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Programme name.
    pub programme: String,
    /// Amount in `currency`.
    pub amount: f64,
    /// ISO 4217 currency.
    pub currency: String,
    /// USD per unit of `currency` (required unless USD), with its date in `note`.
    #[serde(default)]
    pub usd_per_unit: Option<f64>,
    /// Country where capacity is built.
    pub country: String,
    /// Stage funded.
    pub stage: Stage,
    /// Existing facility expanded (else a new facility is created).
    #[serde(default)]
    pub facility: Option<String>,
    /// Processes of the new facility (default: those of an existing facility of the
    /// same stage in the dataset).
    #[serde(default)]
    pub processes: Option<Vec<String>>,
    /// Operator of the new facility.
    #[serde(default)]
    pub company: Option<String>,
    /// Capacity funded, t/yr (else amount / capex_usd_per_tpa).
    #[serde(default)]
    pub capacity: Option<f64>,
    /// Capital cost, USD per t/yr of capacity.
    #[serde(default)]
    pub capex_usd_per_tpa: Option<f64>,
    /// Unit operating cost of the new capacity, USD/t.
    #[serde(default)]
    pub unit_cost: Option<f64>,
    /// Decision month.
    pub start: Month,
    /// Months from decision to first output.
    pub lead_time_months: f64,
    /// Probability the project slips by `delay_months`.
    #[serde(default)]
    pub delay_probability: f64,
    /// Slip if delayed (default 24).
    #[serde(default)]
    pub delay_months: Option<f64>,
    /// Ramp to full rate, months (default 24).
    #[serde(default)]
    pub ramp_months: Option<f64>,
}

impl Investment {
    /// The amount in USD (0 for a foreign amount without an exchange rate, which
    /// validation refuses).
    pub fn usd(&self) -> f64 {
        self.amount
            * if self.currency == "USD" {
                1.0
            } else {
                self.usd_per_unit.unwrap_or(0.0)
            }
    }

    /// Capacity funded, t/yr: `capacity`, else the amount over the capital cost.
    pub fn funded_capacity(&self) -> f64 {
        let usd = self.usd();
        self.capacity.unwrap_or_else(|| {
            self.capex_usd_per_tpa
                .map_or(0.0, |c| if c > 0.0 { usd / c } else { 0.0 })
        })
    }

    fn check_money(&self, cx: &mut Check<'_>) {
        if self.amount < 0.0 || self.lead_time_months < 0.0 {
            cx.out_of_range("amount", "amount and lead_time_months must be ≥ 0");
        }
        let currency = &self.currency;
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
            cx.push(
                codes::BAD_VALUE,
                Some("currency"),
                format!("`{currency}` is not an ISO 4217 code"),
                Some("e.g. USD, AUD, RUB".into()),
            );
        } else if currency != "USD" && self.usd_per_unit.is_none() {
            let msg = format!(
                "amount in {currency} needs `usd_per_unit` (the exchange rate used, with its date in `note`)"
            );
            cx.push(codes::SCENARIO, Some("currency"), msg, None);
        }
        if self.capacity.is_none() && self.capex_usd_per_tpa.is_none() {
            cx.push(
                codes::SCENARIO,
                None,
                "investment needs `capacity` or `capex_usd_per_tpa`",
                Some("capacity funded = amount × usd_per_unit / capex_usd_per_tpa".into()),
            );
        }
    }
}

impl Lever for Investment {
    fn check(&self, cx: &mut Check<'_>) {
        cx.at_most("amount", self.amount, limits::AMOUNT, &self.currency);
        cx.at_most(
            "lead_time_months",
            self.lead_time_months,
            limits::MONTHS,
            "months",
        );
        for (key, v, max, unit) in [
            (
                "usd_per_unit",
                self.usd_per_unit,
                limits::USD_PER_KG,
                "USD per unit",
            ),
            ("capacity", self.capacity, limits::TONNES_PER_YEAR, "t/yr"),
            (
                "capex_usd_per_tpa",
                self.capex_usd_per_tpa,
                limits::USD_PER_T,
                "USD per t/yr",
            ),
            ("unit_cost", self.unit_cost, limits::USD_PER_T, "USD/t"),
            ("delay_months", self.delay_months, limits::MONTHS, "months"),
            ("ramp_months", self.ramp_months, limits::MONTHS, "months"),
        ] {
            if let Some(v) = v {
                cx.at_most(key, v, max, unit);
            }
        }
        cx.known("country", Id::Country, &self.country);
        if let Some(f) = &self.facility {
            cx.known("facility", Id::Facility, f);
        }
        if let Some(c) = &self.company {
            cx.known("company", Id::Company, c);
        }
        for p in self.processes.iter().flatten() {
            cx.known("processes", Id::Process, p);
        }
        if self.facility.is_none()
            && self.processes.is_none()
            && !cx.ds.facilities.iter().any(|f| f.stage == self.stage)
        {
            cx.push(
                codes::SCENARIO,
                Some("stage"),
                format!(
                    "no {} process to copy for the new capacity",
                    self.stage.as_str()
                ),
                Some("give `processes`".into()),
            );
        }
        self.check_money(cx);
        cx.share("delay_probability", self.delay_probability);
    }

    fn label(&self) -> Option<&str> {
        self.id.as_deref()
    }
}
