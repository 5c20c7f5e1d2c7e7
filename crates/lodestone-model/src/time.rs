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

/// An inclusive run of whole months: the period of an observation (`2024`, `2024-Q2`,
/// `2024-07` or `2024-01..2024-07`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MonthSpan {
    /// First month.
    pub first: Month,
    /// Last month (inclusive).
    pub last: Month,
}

impl MonthSpan {
    /// Parse `YYYY` (the calendar year), `YYYY-Qn`, `YYYY-MM` or `YYYY-MM..YYYY-MM`
    /// (inclusive, first ≤ last); `None` for anything else.
    pub fn parse(s: &str) -> Option<MonthSpan> {
        let s = s.trim();
        let month =
            |t: &str| -> Option<Month> { if t.len() == 7 { Month::parse(t) } else { None } };
        if let Some((a, b)) = s.split_once("..") {
            let (first, last) = (month(a)?, month(b)?);
            return (first <= last).then_some(MonthSpan { first, last });
        }
        if s.len() == 4 {
            let first = Month::parse(s)?;
            return Some(MonthSpan {
                first,
                last: first.plus(11),
            });
        }
        if let Some((y, q)) = s.split_once("-Q") {
            let q: u32 = if q.len() == 1 {
                q.parse().ok()?
            } else {
                return None;
            };
            if y.len() != 4 || !(1..=4).contains(&q) {
                return None;
            }
            let first = Month::new(y.parse().ok()?, 3 * q - 2)?;
            return Some(MonthSpan {
                first,
                last: first.plus(2),
            });
        }
        let m = month(s)?;
        Some(MonthSpan { first: m, last: m })
    }

    /// Number of months covered.
    pub fn months(&self) -> i32 {
        self.last.months_since(self.first) + 1
    }

    /// Months this span shares with a simulation period.
    pub fn overlap(&self, p: &Period) -> i32 {
        let start = self.first.max(p.start);
        let end = self.last.min(p.start.plus(p.months - 1));
        (end.months_since(start) + 1).max(0)
    }

    /// Whether the span is one calendar month.
    pub fn is_month(&self) -> bool {
        self.first == self.last
    }

    /// The canonical text: `2024` for a calendar year, `2024-Q2` for a calendar quarter,
    /// `2024-07` for a month, else `2024-01..2024-07`.
    pub fn label(&self) -> String {
        let (m0, n) = (self.first.month(), self.months());
        if n == 1 {
            self.first.to_string()
        } else if n == 12 && m0 == 1 {
            self.first.year().to_string()
        } else if n == 3 && m0 % 3 == 1 {
            format!("{}-Q{}", self.first.year(), (m0 - 1) / 3 + 1)
        } else {
            format!("{}..{}", self.first, self.last)
        }
    }
}

impl fmt::Display for MonthSpan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

impl Serialize for MonthSpan {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for MonthSpan {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<MonthSpan, D::Error> {
        let s = String::deserialize(d)?;
        MonthSpan::parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("`{s}` is not a period")))
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

/// A time step name that is not `month`, `quarter` or `year`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("step `{0}`: not a time step")]
pub struct UnknownStep(pub String);

impl UnknownStep {
    /// How to fix it.
    pub const HINT: &'static str = "use \"month\", \"quarter\" or \"year\"";
}

impl std::str::FromStr for Step {
    type Err = UnknownStep;

    /// `month`, `quarter` or `year`, as in a scenario's `[horizon] step`.
    fn from_str(s: &str) -> Result<Step, UnknownStep> {
        match s {
            "month" => Ok(Step::Month),
            "quarter" => Ok(Step::Quarter),
            "year" => Ok(Step::Year),
            other => Err(UnknownStep(other.to_string())),
        }
    }
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
    fn a_step_parses_from_its_name_and_an_unknown_one_is_named() {
        for step in [Step::Month, Step::Quarter, Step::Year] {
            let name = format!("{step:?}").to_lowercase();
            assert_eq!(name.parse::<Step>(), Ok(step));
        }
        let e = "week".parse::<Step>().unwrap_err();
        assert_eq!(e.to_string(), "step `week`: not a time step");
    }

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
    fn month_spans_parse_and_overlap_periods() {
        let span = |s: &str| MonthSpan::parse(s).unwrap_or_else(|| panic!("{s}"));
        assert_eq!(span("2024").months(), 12);
        assert_eq!(span("2024-Q2").first.to_string(), "2024-04");
        assert_eq!(span("2024-Q2").last.to_string(), "2024-06");
        assert_eq!(span("2024-07").months(), 1);
        assert_eq!(span("2024-01..2024-07").months(), 7);
        for s in [
            "2024",
            "2024-Q2",
            "2024-07",
            "2024-01..2024-07",
            "2024-02..2024-04",
        ] {
            assert_eq!(span(s).label(), s);
        }
        assert_eq!(span("2024-01..2024-12").label(), "2024");
        for bad in [
            "24",
            "2024-Q5",
            "2024-Q0",
            "2024-13",
            "2024-07..2024-01",
            "2024-07-01",
            "2024-7",
            "2024..2025",
            "",
        ] {
            assert!(MonthSpan::parse(bad).is_none(), "{bad}");
        }
        let year = Period {
            start: Month::new(2024, 1).unwrap(),
            months: 12,
        };
        assert_eq!(span("2024-01..2024-07").overlap(&year), 7);
        assert_eq!(span("2023-11..2024-02").overlap(&year), 2);
        assert_eq!(span("2025-01").overlap(&year), 0);
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
