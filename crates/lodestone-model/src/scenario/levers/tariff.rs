//! `tariff`: an ad valorem duty on a country's imports (from one exporter or all, of some
//! materials or all), charged on the material's reference price. With `importer = "*"` and
//! an exporter it is that exporter's export tax: a duty on all its exports.

use super::{Check, Id, Lever};
use crate::diag::codes;
use crate::time::Month;
use serde::{Deserialize, Serialize};

/// Ad valorem tariff on imports (applied to the material's reference price).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Tariff {
    /// Id, for `suspend`.
    #[serde(default)]
    pub id: Option<String>,
    /// Importing country, or "*" (every market but the exporter's: an export tax).
    pub importer: String,
    /// Exporting country or "*".
    #[serde(default = "star")]
    pub exporter: String,
    /// Materials, or ["*"] for all goods.
    #[serde(default = "all_materials")]
    pub materials: Vec<String>,
    /// Ad valorem rate (0.25 = 25%).
    pub rate: f64,
    /// First month.
    pub start: Month,
    /// Last month (inclusive).
    #[serde(default)]
    pub end: Option<Month>,
}

fn star() -> String {
    "*".into()
}

fn all_materials() -> Vec<String> {
    vec!["*".into()]
}

impl Lever for Tariff {
    fn check(&self, cx: &mut Check<'_>) {
        if self.importer != "*" {
            cx.known("importer", Id::Country, &self.importer);
        } else if self.exporter == "*" {
            cx.push(
                codes::SCENARIO,
                Some("importer"),
                "importer and exporter are both \"*\": a duty on all trade of all countries",
                Some(
                    "an export tax names its exporter: importer = \"*\", exporter = \"CN\"".into(),
                ),
            );
        }
        if self.exporter != "*" {
            cx.known("exporter", Id::Country, &self.exporter);
        }
        for m in self.materials.iter().filter(|m| *m != "*") {
            cx.known("materials", Id::Material, m);
        }
        if !(0.0..=10.0).contains(&self.rate) {
            cx.push(
                codes::OUT_OF_RANGE,
                Some("rate"),
                format!("rate = {} is outside 0..10", self.rate),
                Some("ad valorem rates are fractions: 0.25 means 25%".into()),
            );
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
