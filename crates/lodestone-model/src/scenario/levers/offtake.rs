//! `offtake`: a buyer commits to take a producer's output at a price — a firm demand at
//! the payer's market, served first.

use super::{Check, Id, Lever, limits};
use crate::time::Month;
use serde::{Deserialize, Serialize};

/// A buyer commits to take a producer's output at a price (a demand that is served first).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Offtake {
    /// Producing facility.
    #[serde(default)]
    pub facility: Option<String>,
    /// Or a company.
    #[serde(default)]
    pub company: Option<String>,
    /// Material taken.
    pub material: String,
    /// Tonnes per year.
    pub tonnes_per_year: f64,
    /// Price paid, USD/kg.
    pub price: f64,
    /// Buyer country.
    pub payer: String,
    /// First month.
    pub start: Month,
    /// Last month (inclusive).
    #[serde(default)]
    pub end: Option<Month>,
    /// Whether the commitment is new demand (`add`, the default) or takes the place of the
    /// payer's existing demand for the material (`reallocate`: the payer's other buyers of
    /// it buy that much less, pro rata, up to all they buy; a volume beyond that is added).
    #[serde(default)]
    pub demand: OfftakeDemand,
}

/// What an offtake's tonnes are to the payer's demand.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum OfftakeDemand {
    /// New demand on top of the payer's.
    #[default]
    Add,
    /// Existing demand of the payer, now bought under the offtake.
    Reallocate,
}

impl Lever for Offtake {
    fn check(&self, cx: &mut Check<'_>) {
        cx.at_most(
            "tonnes_per_year",
            self.tonnes_per_year,
            limits::TONNES_PER_YEAR,
            "t/yr",
        );
        cx.producer(
            "offtake",
            self.facility.as_deref(),
            self.company.as_deref(),
            &self.material,
            self.price,
        );
        if self.tonnes_per_year < 0.0 {
            cx.out_of_range("tonnes_per_year", "volume is negative");
        }
        cx.known("payer", Id::Country, &self.payer);
        cx.dates(self.start, self.end);
    }

    fn window(&self) -> Option<(Month, Option<Month>)> {
        Some((self.start, self.end))
    }
}
