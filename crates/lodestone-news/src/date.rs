//! Calendar dates of documents (`YYYY-MM-DD[ HH:MM]`) and claim periods (year, month, ranges).

use serde::{Deserialize, Serialize};
use std::fmt;

/// The publication date (and optional time) of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NewsDate {
    /// Year.
    pub year: i32,
    /// Month 1–12.
    pub month: u8,
    /// Day 1–31.
    pub day: u8,
    /// Hour and minute, when given.
    pub time: Option<(u8, u8)>,
}

/// Number of days in `month` of `year`.
pub fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

impl NewsDate {
    /// A date without time; `None` if the calendar date does not exist.
    pub fn new(year: i32, month: u8, day: u8) -> Option<NewsDate> {
        if !(1000..=9999).contains(&year) || !(1..=12).contains(&month) {
            return None;
        }
        if day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(NewsDate {
            year,
            month,
            day,
            time: None,
        })
    }

    /// Parses `YYYY-MM-DD`, `YYYY/MM/DD`, `YYYY.MM.DD`, `YYYY-MM` (day 1),
    /// optionally followed by ` HH:MM[:SS]`, `THH:MM[:SS]` and a zone suffix that is ignored.
    pub fn parse(text: &str) -> Option<NewsDate> {
        let t = text.trim();
        let (date_part, time_part) = match t.find(['T', ' ']) {
            Some(i) => (&t[..i], Some(t[i + 1..].trim())),
            None => (t, None),
        };
        let parts: Vec<&str> = date_part.split(['-', '/', '.']).collect();
        let num = |s: &str| -> Option<u32> {
            if s.is_empty() || s.len() > 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
                None
            } else {
                s.parse().ok()
            }
        };
        let (y, m, d) = match parts.as_slice() {
            [y, m, d] if y.len() == 4 => (num(y)?, num(m)?, num(d)?),
            [y, m] if y.len() == 4 => (num(y)?, num(m)?, 1),
            _ => return None,
        };
        let mut date = NewsDate::new(y as i32, u8::try_from(m).ok()?, u8::try_from(d).ok()?)?;
        if let Some(tp) = time_part.filter(|s| !s.is_empty()) {
            let hm: Vec<&str> = tp
                .trim_end_matches('Z')
                .split(['+', 'Z'])
                .next()
                .unwrap_or("")
                .split(':')
                .collect();
            if hm.len() < 2 {
                return None;
            }
            let h = num(hm[0])?;
            let mi = num(hm[1])?;
            if h > 23 || mi > 59 {
                return None;
            }
            date.time = Some((h as u8, mi as u8));
        }
        Some(date)
    }

    /// `YYYYMMDD` as an integer, used for range filters in the index.
    pub fn ordinal(&self) -> u64 {
        self.year as u64 * 10_000 + self.month as u64 * 100 + self.day as u64
    }

    /// `YYYY-MM` of this date.
    pub fn year_month(&self) -> YearMonth {
        YearMonth {
            year: self.year,
            month: self.month,
        }
    }
}

impl fmt::Display for NewsDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)?;
        if let Some((h, m)) = self.time {
            write!(f, " {h:02}:{m:02}")?;
        }
        Ok(())
    }
}

impl Serialize for NewsDate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for NewsDate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        NewsDate::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("invalid date {s:?}")))
    }
}

/// A year and month (`YYYY-MM`), the resolution of scenario events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct YearMonth {
    /// Year.
    pub year: i32,
    /// Month 1–12.
    pub month: u8,
}

impl YearMonth {
    /// Months from `self` to `later` (negative if `later` is earlier).
    pub fn months_until(&self, later: YearMonth) -> i32 {
        (later.year - self.year) * 12 + later.month as i32 - self.month as i32
    }

    /// `self` plus `n` months.
    pub fn plus_months(&self, n: i32) -> YearMonth {
        let total = self.year * 12 + (self.month as i32 - 1) + n;
        YearMonth {
            year: total.div_euclid(12),
            month: (total.rem_euclid(12) + 1) as u8,
        }
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// The time a claim refers to: a year, a month, a day, or a span of months.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Period {
    /// First (or only) year.
    pub year: i32,
    /// Month, when stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub month: Option<u8>,
    /// Day, when stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day: Option<u8>,
    /// End of a span (`January to August 2023` ends at 2023-08).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<YearMonth>,
    /// The words that qualify it: `end of`, `early`, `by`, `since`, `until`… (empty if none).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub modifier: String,
}

impl Period {
    /// A bare year.
    pub fn year(year: i32) -> Period {
        Period {
            year,
            month: None,
            day: None,
            end: None,
            modifier: String::new(),
        }
    }

    /// A year and month.
    pub fn month(year: i32, month: u8) -> Period {
        Period {
            month: Some(month),
            ..Period::year(year)
        }
    }

    /// The last year covered.
    pub fn end_year(&self) -> i32 {
        self.end.map(|e| e.year).unwrap_or(self.year)
    }

    /// The first month covered; `None` when only the year is known.
    pub fn start_month(&self) -> Option<YearMonth> {
        self.month.map(|m| YearMonth {
            year: self.year,
            month: m,
        })
    }

    /// True if the period is a whole calendar year.
    pub fn is_year(&self) -> bool {
        self.month.is_none() && self.end.is_none()
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.modifier.is_empty() {
            write!(f, "{} ", self.modifier)?;
        }
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
            if let Some(d) = self.day {
                write!(f, "-{d:02}")?;
            }
        }
        if let Some(e) = self.end {
            write!(f, "..{e}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_seed_dates() {
        let d = NewsDate::parse("2025-10-26 03:24").unwrap();
        assert_eq!(
            (d.year, d.month, d.day, d.time),
            (2025, 10, 26, Some((3, 24)))
        );
        assert_eq!(d.to_string(), "2025-10-26 03:24");
        assert_eq!(
            NewsDate::parse("2025-10-24T06:47:00Z").unwrap().time,
            Some((6, 47))
        );
        assert_eq!(
            NewsDate::parse("2025/1/5").unwrap().to_string(),
            "2025-01-05"
        );
    }

    #[test]
    fn rejects_impossible_dates() {
        assert!(NewsDate::parse("2025-13-01").is_none());
        assert!(NewsDate::parse("2025-02-30").is_none());
        assert!(NewsDate::parse("2025-10-26 25:00").is_none());
        assert!(NewsDate::parse("yesterday").is_none());
        assert!(NewsDate::parse("2024-02-29").is_some());
    }

    #[test]
    fn month_arithmetic() {
        let a = YearMonth {
            year: 2025,
            month: 10,
        };
        assert_eq!(a.plus_months(6).to_string(), "2026-04");
        assert_eq!(
            a.months_until(YearMonth {
                year: 2027,
                month: 1
            }),
            15
        );
        assert_eq!(a.plus_months(-10).to_string(), "2024-12");
    }
}
