//! Calendar months, simulation steps and the period grid of a horizon.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A calendar month (`YYYY-MM`). Ordered; arithmetic in whole months.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    /// Months since year 0 (year * 12 + month0).
    index: i32,
}

impl Month {
    /// Build from a year and a 1-based month; `None` when the month is not 1..=12.
    pub const fn new(year: i32, month: u32) -> Option<Month> {
        if month >= 1 && month <= 12 {
            Some(Month {
                index: year * 12 + month as i32 - 1,
            })
        } else {
            None
        }
    }

    /// Parse `YYYY-MM`, `YYYY-MM-DD` (a real day of that month, then ignored) or `YYYY`
    /// (January).
    pub fn parse(s: &str) -> Option<Month> {
        let s = s.trim();
        let mut parts = s.split('-');
        let y = parts.next()?;
        if y.len() != 4 || !y.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let year: i32 = y.parse().ok()?;
        let month = match parts.next() {
            None => 1,
            Some(m) if m.len() == 2 && m.bytes().all(|b| b.is_ascii_digit()) => m.parse().ok()?,
            Some(_) => return None,
        };
        if let Some(d) = parts.next() {
            let day: u32 = d.parse().ok()?;
            if d.len() != 2 || !(1..=days_in_month(year, month)).contains(&day) {
                return None;
            }
        }
        if parts.next().is_some() {
            return None;
        }
        Month::new(year, month)
    }

    /// Calendar year.
    pub fn year(self) -> i32 {
        self.index.div_euclid(12)
    }

    /// 1-based month of the year.
    pub fn month(self) -> u32 {
        (self.index.rem_euclid(12) + 1) as u32
    }

    /// This month plus `n` months (negative allowed).
    pub fn plus(self, n: i32) -> Month {
        Month {
            index: self.index + n,
        }
    }

    /// Whole months from `other` to `self` (positive when `self` is later).
    pub fn months_since(self, other: Month) -> i32 {
        self.index - other.index
    }

    /// Fractional year at the middle of this month, e.g. 2024.04 for January 2024.
    pub fn year_fraction(self) -> f64 {
        self.year() as f64 + (self.month() as f64 - 0.5) / 12.0
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month())
    }
}

impl Serialize for Month {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Month {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Month, D::Error> {
        let s = String::deserialize(d)?;
        Month::parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("`{s}` is not a month (YYYY-MM)")))
    }
}

/// Days in `month` (1–12) of `year` (Gregorian leap years).
fn days_in_month(year: i32, month: u32) -> u32 {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Length of one simulation period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Step {
    /// One calendar month (the default).
    #[default]
    Month,
    /// Three months.
    Quarter,
    /// Twelve months.
    Year,
}

impl Step {
    /// Number of months in one step.
    pub fn months(self) -> i32 {
        match self {
            Step::Month => 1,
            Step::Quarter => 3,
            Step::Year => 12,
        }
    }
}

/// One period of a horizon: its first month and its length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    /// First month of the period.
    pub start: Month,
    /// Length in months.
    pub months: i32,
}

impl Period {
    /// Label: `2024-01` for months, `2024-Q1` for quarters, `2024` for years.
    pub fn label(&self) -> String {
        match self.months {
            1 => self.start.to_string(),
            3 => format!(
                "{}-Q{}",
                self.start.year(),
                (self.start.month() - 1) / 3 + 1
            ),
            12 if self.start.month() == 1 => self.start.year().to_string(),
            _ => self.start.to_string(),
        }
    }

    /// Fraction of a year this period covers.
    pub fn year_share(&self) -> f64 {
        self.months as f64 / 12.0
    }

    /// Month at the middle of the period (for interpolation).
    pub fn mid_year_fraction(&self) -> f64 {
        self.start.year_fraction() + (self.months as f64 - 1.0) / 24.0
    }

    /// Whether `m` falls inside this period.
    pub fn contains(&self, m: Month) -> bool {
        m >= self.start && m.months_since(self.start) < self.months
    }
}

/// The periods from `start` through `end` (inclusive) at `step`.
pub fn periods(start: Month, end: Month, step: Step) -> Vec<Period> {
    let mut out = Vec::new();
    let mut m = start;
    while m <= end {
        out.push(Period {
            start: m,
            months: step.months(),
        });
        m = m.plus(step.months());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_months() {
        assert_eq!(Month::parse("2024-01").unwrap().to_string(), "2024-01");
        assert_eq!(Month::parse("2025-10-09").unwrap().to_string(), "2025-10");
        assert_eq!(Month::parse("2027").unwrap().to_string(), "2027-01");
        assert!(Month::parse("2024-13").is_none());
        assert!(Month::parse("24-01").is_none());
        assert!(Month::parse("2024-1").is_none());
        assert!(Month::parse("2024-01-40").is_none());
        assert!(Month::parse("2025-02-30").is_none(), "no 30 February");
        assert!(
            Month::parse("2025-02-29").is_none(),
            "2025 is not a leap year"
        );
        assert!(Month::parse("2024-02-29").is_some());
        assert!(Month::parse("2100-02-29").is_none());
        assert!(Month::parse("2000-02-29").is_some());
        assert!(Month::parse("2025-04-31").is_none());
    }

    #[test]
    fn period_grid_and_labels() {
        let p = periods(
            Month::parse("2024-01").unwrap(),
            Month::parse("2035-12").unwrap(),
            Step::Month,
        );
        assert_eq!(p.len(), 144);
        let q = periods(
            Month::parse("2024-01").unwrap(),
            Month::parse("2024-12").unwrap(),
            Step::Quarter,
        );
        assert_eq!(
            q.iter().map(|p| p.label()).collect::<Vec<_>>(),
            ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"]
        );
        assert_eq!(
            Month::parse("2025-03")
                .unwrap()
                .months_since(Month::parse("2024-12").unwrap()),
            3
        );
    }
}
