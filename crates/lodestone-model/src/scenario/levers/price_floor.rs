//! `price_floor`: a guaranteed minimum price to a producer (a facility, or every facility
//! of a company); the payer covers the difference to the market price.

use super::{Check, Lever};
use crate::time::Month;
use serde::{Deserialize, Serialize};

/// A guaranteed minimum price to a producer; the payer covers the difference.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PriceFloor {
    /// Beneficiary facility.
    #[serde(default)]
    pub facility: Option<String>,
    /// Or every facility of a company.
    #[serde(default)]
    pub company: Option<String>,
    /// Material whose price is floored.
    pub material: String,
    /// Floor, USD/kg.
    pub price: f64,
    /// Who pays (country or agency name).
    pub payer: String,
    /// First month.
    pub start: Month,
    /// Last month (inclusive).
    #[serde(default)]
    pub end: Option<Month>,
}

impl Lever for PriceFloor {
    fn check(&self, cx: &mut Check<'_>) {
        cx.producer(
            "price_floor",
            self.facility.as_deref(),
            self.company.as_deref(),
            &self.material,
            self.price,
        );
        cx.dates(self.start, self.end);
    }

    fn window(&self) -> Option<(Month, Option<Month>)> {
        Some((self.start, self.end))
    }
}
