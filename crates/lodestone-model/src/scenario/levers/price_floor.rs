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
    /// Who pays: a country or an agency of the dataset's `agencies.csv`.
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
        cx.payer("payer", &self.payer);
        cx.dates(self.start, self.end);
    }

    fn window(&self) -> Option<(Month, Option<Month>)> {
        Some((self.start, self.end))
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::Scenario;

    fn floor(payer: &str) -> String {
        format!(
            "[[events]]\ntype = \"price_floor\"\nfacility = \"sep_jp\"\nmaterial = \"nd_oxide\"\nprice = 110\npayer = \"{payer}\"\nstart = \"2025-01\"\n"
        )
    }

    #[test]
    fn a_payer_is_a_country_or_a_declared_agency_and_anything_else_is_located() {
        let ds = crate::scenario::metrics::tests::tiny();
        let mut text =
            "name = \"m\"\n[horizon]\nstart = \"2024-01\"\nend = \"2025-12\"\n".to_string();
        for payer in ["JP", "jp_jogmec", "JOGMEC", "DoD", "JPN"] {
            text.push_str(&floor(payer));
        }
        let sc = Scenario::parse("m.toml", &text, &|_| None).unwrap();
        let e = sc.validate(&ds).to_string();
        for needle in [
            "m.toml:24:9: error[E008]: unknown payer `JOGMEC`: neither a country nor an agency",
            "did you mean `jp_jogmec` (Japan Organization for Metals and Energy Security)?",
            "m.toml:31:9: error[E008]: unknown payer `DoD`",
            "a payer is a country or an agency: jp_jogmec",
            "m.toml:38:9: error[E008]: unknown payer `JPN`",
            "did you mean `JP`?",
        ] {
            assert!(e.contains(needle), "{needle} missing from:\n{e}");
        }
        assert!(e.contains("3 problems"), "{e}");
    }
}
