//! Quantities found in text (value, unit, qualifier), their normalisation to base units, and the dated currency reference rates.

use crate::date::Period;
use serde::{Deserialize, Serialize};

/// What a quantity measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// A percentage (normalised to a fraction 0..1).
    Share,
    /// Percentage points (a change of a share).
    Points,
    /// Mass (normalised to tonnes).
    Mass,
    /// Volume in bushels (normalised to tonnes for commodities with a known weight).
    Volume,
    /// Money (normalised to USD with a dated reference rate).
    Money,
    /// A count of things: jobs, projects…
    Count,
    /// A calendar date or year.
    Date,
    /// A duration (normalised to months).
    Duration,
}

/// How the text bounds the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Qualifier {
    /// Stated as is.
    Exact,
    /// "approximately", "about", "约".
    Approx,
    /// "over", "more than", "at least", "超过".
    AtLeast,
    /// "up to", "less than", "as high as", "by (a date)".
    AtMost,
}

impl Qualifier {
    /// Short English word for display ("", "≈", "≥", "≤").
    pub fn symbol(&self) -> &'static str {
        match self {
            Qualifier::Exact => "",
            Qualifier::Approx => "≈",
            Qualifier::AtLeast => "≥",
            Qualifier::AtMost => "≤",
        }
    }
}

/// A value in base units: fraction, t, USD, months, or the unit itself when no conversion applies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Normalized {
    /// Value in `unit`.
    pub value: f64,
    /// Base unit: `share`, `t`, `USD`, `months`, `bu`, or a count noun.
    pub unit: String,
    /// How it was converted (rate and its source), empty if no conversion.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// A quantity as written in a sentence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quantity {
    /// The words as written ("700 billion rubles", "$1 billion", "8 million tons").
    pub text: String,
    /// Numeric value in `unit`, multipliers applied (700 billion → 7e11).
    pub value: f64,
    /// Unit: `%`, `pp`, `t`, `bu`, ISO 4217 code, a count noun, `years`/`months`, or `date`.
    pub unit: String,
    /// Dimension.
    pub dimension: Dimension,
    /// Bound stated in the text.
    pub qualifier: Qualifier,
    /// Denominator of a unit price (`t` in "$480 per ton").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per: Option<String>,
    /// "… each": the amount applies to each of several subjects.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub each: bool,
    /// Value in base units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normalized: Option<Normalized>,
    /// Equivalents stated in the text ("(approximately 61.8 billion yuan)").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub equivalents: Vec<Quantity>,
    /// The date, for date quantities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<Period>,
}

/// A dated reference exchange rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FxRate {
    /// ISO 4217 code.
    pub currency: &'static str,
    /// US dollars per unit of the currency.
    pub usd_per_unit: f64,
    /// Month the rate refers to.
    pub as_of: &'static str,
    /// Where it comes from; "assumption" when it is not read from a source.
    pub source: &'static str,
}

/// CNY per USD used for the yuan column (assumption, October 2025).
const CNY_PER_USD: f64 = 7.12;
/// RUB→CNY implied by the seed page: 700 billion rubles ≈ 61.8 billion yuan.
const CNY_PER_RUB_SEED: f64 = 61.8 / 700.0;

/// Fixed reference rates (no network access at run time).
pub const FX_RATES: &[FxRate] = &[
    FxRate {
        currency: "USD",
        usd_per_unit: 1.0,
        as_of: "2025-10",
        source: "identity",
    },
    FxRate {
        currency: "CNY",
        usd_per_unit: 1.0 / CNY_PER_USD,
        as_of: "2025-10",
        source: "assumption: approximate October-2025 market rate, 7.12 CNY per USD",
    },
    FxRate {
        currency: "RUB",
        usd_per_unit: CNY_PER_RUB_SEED / CNY_PER_USD,
        as_of: "2025-10",
        source: "derived: the seed page (Sou Hu Cai Jing, 2025-10-26) states 700 billion rubles ≈ 61.8 billion yuan, i.e. 0.0883 CNY per RUB, times the CNY rate (≈ 80.6 RUB per USD)",
    },
    FxRate {
        currency: "AUD",
        usd_per_unit: 0.655,
        as_of: "2025-10",
        source: "assumption: approximate October-2025 market rate",
    },
    FxRate {
        currency: "EUR",
        usd_per_unit: 1.165,
        as_of: "2025-10",
        source: "assumption: approximate October-2025 market rate",
    },
    FxRate {
        currency: "GBP",
        usd_per_unit: 1.335,
        as_of: "2025-10",
        source: "assumption: approximate October-2025 market rate",
    },
    FxRate {
        currency: "JPY",
        usd_per_unit: 0.00660,
        as_of: "2025-10",
        source: "assumption: approximate October-2025 market rate",
    },
    FxRate {
        currency: "INR",
        usd_per_unit: 0.01135,
        as_of: "2025-10",
        source: "assumption: approximate October-2025 market rate",
    },
    FxRate {
        currency: "BRL",
        usd_per_unit: 0.185,
        as_of: "2025-10",
        source: "assumption: approximate October-2025 market rate",
    },
    FxRate {
        currency: "CAD",
        usd_per_unit: 0.715,
        as_of: "2025-10",
        source: "assumption: approximate October-2025 market rate",
    },
    FxRate {
        currency: "KRW",
        usd_per_unit: 0.000700,
        as_of: "2025-10",
        source: "assumption: approximate October-2025 market rate",
    },
];

/// The reference rate of a currency.
pub fn fx_rate(currency: &str) -> Option<&'static FxRate> {
    FX_RATES.iter().find(|r| r.currency == currency)
}

/// Converts an amount between two currencies with the reference rates.
pub fn convert(amount: f64, from: &str, to: &str) -> Option<f64> {
    let a = fx_rate(from)?;
    let b = fx_rate(to)?;
    Some(amount * a.usd_per_unit / b.usd_per_unit)
}

/// Bushels per tonne for commodities with a standard bushel weight.
pub fn bushels_per_tonne(material: &str) -> Option<(f64, &'static str)> {
    match material {
        m if m.starts_with("soy") => Some((36.744, "1 t soybeans = 36.744 bu (60 lb bushel)")),
        "wheat" => Some((36.744, "1 t wheat = 36.744 bu (60 lb bushel)")),
        "corn" | "maize" => Some((39.368, "1 t corn = 39.368 bu (56 lb bushel)")),
        _ => None,
    }
}

/// Scale of a unit string used in reference facts and claims, relative to its base unit.
/// Returns (base unit, factor). Unknown units map to themselves.
pub fn unit_scale(unit: &str) -> (String, f64) {
    let u = unit.trim();
    match u {
        "%" | "percent" => ("share".into(), 0.01),
        "share" | "fraction" => ("share".into(), 1.0),
        "pp" => ("pp".into(), 1.0),
        "t" | "t REO" | "t/yr" | "t REO/yr" | "tonnes" | "t magnet/yr" | "t metal/yr" => {
            ("t".into(), 1.0)
        }
        "kt" | "kt REO" => ("t".into(), 1e3),
        "Mt" | "Mt REO" => ("t".into(), 1e6),
        "kg" => ("t".into(), 1e-3),
        "bu" => ("bu".into(), 1.0),
        "M bu" | "million bu" => ("bu".into(), 1e6),
        "bn bu" => ("bu".into(), 1e9),
        "months" => ("months".into(), 1.0),
        "years" => ("months".into(), 12.0),
        _ => {
            // Currency with an optional multiplier: "USD", "million USD", "bn USD", "USD bn".
            let mut factor = 1.0;
            let mut code = None;
            for w in u.split_whitespace() {
                match w {
                    "million" | "M" | "m" | "MUSD" => factor *= 1e6,
                    "billion" | "bn" | "B" => factor *= 1e9,
                    "thousand" | "k" => factor *= 1e3,
                    c if fx_rate(c).is_some() => code = Some(c),
                    _ => {}
                }
            }
            match code {
                Some(c) => (c.to_string(), factor),
                None => (u.to_string(), 1.0),
            }
        }
    }
}

/// Formats a large number with words: 7e11 → "700 billion", 8e6 → "8 million", 3500 → "3,500".
pub fn fmt_amount(v: f64) -> String {
    let a = v.abs();
    let (scaled, word) = if a >= 1e12 {
        (v / 1e12, " trillion")
    } else if a >= 1e9 {
        (v / 1e9, " billion")
    } else if a >= 1e6 {
        (v / 1e6, " million")
    } else {
        (v, "")
    };
    let s = if word.is_empty() {
        if (scaled - scaled.round()).abs() < 1e-9 || scaled.abs() >= 1000.0 {
            group_thousands(scaled.round() as i64)
        } else {
            trim_float(format!("{scaled:.2}"))
        }
    } else {
        trim_float(format!("{scaled:.3}"))
    };
    format!("{s}{word}")
}

fn group_thousands(n: i64) -> String {
    let s = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

fn trim_float(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

impl Quantity {
    /// A quantity as read from the text: no "per", no "each", not normalised, no equivalents, no date.
    pub fn new(
        text: String,
        value: f64,
        unit: String,
        dimension: Dimension,
        qualifier: Qualifier,
    ) -> Quantity {
        Quantity {
            text,
            value,
            unit,
            dimension,
            qualifier,
            per: None,
            each: false,
            normalized: None,
            equivalents: vec![],
            date: None,
        }
    }

    /// Human-readable value with its unit ("≥ 700 billion RUB", "8 million t", "90%", "2027").
    pub fn display(&self) -> String {
        let q = if self.dimension == Dimension::Date {
            ""
        } else {
            self.qualifier.symbol()
        };
        let q = if q.is_empty() {
            String::new()
        } else {
            format!("{q} ")
        };
        let body = match self.dimension {
            Dimension::Share => format!("{}%", trim_float(format!("{:.2}", self.value))),
            Dimension::Points => format!("{} pp", trim_float(format!("{:.2}", self.value))),
            Dimension::Date => self
                .date
                .as_ref()
                .map(|d| d.to_string())
                .unwrap_or_else(|| self.text.clone()),
            Dimension::Duration => {
                format!("{} {}", trim_float(format!("{:.1}", self.value)), self.unit)
            }
            _ => {
                let mut s = format!("{} {}", fmt_amount(self.value), self.unit);
                if let Some(p) = &self.per {
                    s.push_str(&format!("/{p}"));
                }
                if self.each {
                    s.push_str(" each");
                }
                s
            }
        };
        format!("{q}{body}")
    }

    /// Base-unit value as text, with the yuan equivalent for money ("≈ 8.68 billion USD ≈ 61.8 billion CNY").
    pub fn display_normalized(&self) -> String {
        let Some(n) = &self.normalized else {
            return String::new();
        };
        match self.dimension {
            Dimension::Share => format!("{:.4}", n.value),
            Dimension::Money => {
                let mut s = format!("≈ {} USD", fmt_amount(n.value));
                if self.unit != "CNY"
                    && let Some(c) = convert(n.value, "USD", "CNY")
                {
                    s.push_str(&format!(" ≈ {} CNY", fmt_amount(c)));
                }
                if let Some(p) = &self.per {
                    s.push_str(&format!(" per {p}"));
                }
                s
            }
            Dimension::Mass | Dimension::Volume if n.unit == "t" && self.unit != "t" => {
                format!("≈ {} t", fmt_amount(n.value))
            }
            Dimension::Duration => format!("{} months", trim_float(format!("{:.1}", n.value))),
            _ => String::new(),
        }
    }

    /// Interval of plausible base-unit values given the qualifier and a relative tolerance:
    /// exact and approximate values get ±`rel`, bounds are open on one side.
    pub fn interval(&self, rel: f64, abs: f64) -> Option<(f64, f64)> {
        let v = self.normalized.as_ref()?.value;
        let tol = (v.abs() * rel).max(abs);
        Some(match self.qualifier {
            Qualifier::Exact | Qualifier::Approx => (v - tol, v + tol),
            Qualifier::AtLeast => (v - tol, f64::INFINITY),
            Qualifier::AtMost => (f64::NEG_INFINITY, v + tol),
        })
    }
}

/// Normalises a quantity in place (fraction, tonnes, USD, months). `material` selects the bushel weight.
pub fn normalize(q: &mut Quantity, material: Option<&str>) {
    q.normalized = match q.dimension {
        Dimension::Share => Some(Normalized {
            value: q.value / 100.0,
            unit: "share".into(),
            note: String::new(),
        }),
        Dimension::Points => Some(Normalized {
            value: q.value / 100.0,
            unit: "share".into(),
            note: "percentage points".into(),
        }),
        Dimension::Mass => Some(Normalized {
            value: q.value,
            unit: "t".into(),
            note: String::new(),
        }),
        Dimension::Volume => match material.and_then(bushels_per_tonne) {
            Some((bpt, note)) => Some(Normalized {
                value: q.value / bpt,
                unit: "t".into(),
                note: note.into(),
            }),
            None => Some(Normalized {
                value: q.value,
                unit: "bu".into(),
                note: String::new(),
            }),
        },
        Dimension::Money => fx_rate(&q.unit).map(|r| Normalized {
            value: q.value * r.usd_per_unit,
            unit: "USD".into(),
            note: if r.currency == "USD" {
                String::new()
            } else {
                format!(
                    "1 {} = {:.6} USD ({}; {})",
                    r.currency, r.usd_per_unit, r.as_of, r.source
                )
            },
        }),
        Dimension::Count => Some(Normalized {
            value: q.value,
            unit: q.unit.clone(),
            note: String::new(),
        }),
        Dimension::Duration => Some(Normalized {
            value: match q.unit.as_str() {
                "years" => q.value * 12.0,
                "weeks" => q.value * 12.0 / 52.0,
                "days" => q.value * 12.0 / 365.0,
                "decades" => q.value * 120.0,
                _ => q.value,
            },
            unit: "months".into(),
            note: String::new(),
        }),
        Dimension::Date => None,
    };
    for e in &mut q.equivalents {
        normalize(e, material);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_rate_makes_rubles_and_yuan_one_amount() {
        let rub = convert(700e9, "RUB", "CNY").unwrap();
        assert!((rub - 61.8e9).abs() < 1e6, "{rub}");
        let usd = convert(700e9, "RUB", "USD").unwrap();
        assert!((usd / 1e9 - 8.68).abs() < 0.01, "{usd}");
        for r in FX_RATES {
            assert!(!r.source.is_empty() && r.as_of.len() == 7);
        }
    }

    #[test]
    fn amounts_format() {
        assert_eq!(fmt_amount(7e11), "700 billion");
        assert_eq!(fmt_amount(61.8e9), "61.8 billion");
        assert_eq!(fmt_amount(3500.0), "3,500");
        assert_eq!(fmt_amount(8e6), "8 million");
        assert_eq!(fmt_amount(593294.14), "593,294");
        assert_eq!(fmt_amount(0.55), "0.55");
    }

    #[test]
    fn unit_scales() {
        assert_eq!(unit_scale("Mt"), ("t".to_string(), 1e6));
        assert_eq!(unit_scale("million USD"), ("USD".to_string(), 1e6));
        assert_eq!(unit_scale("share"), ("share".to_string(), 1.0));
    }
}
