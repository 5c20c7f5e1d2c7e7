//! Date expressions in a sentence: years, months, days, spans, quarters, decades, and the prepositions that qualify them.

use crate::date::{Period, YearMonth};
use regex::{Captures, Regex};
use std::sync::LazyLock;

/// A date expression found in a sentence.
#[derive(Debug, Clone, PartialEq)]
pub struct DateSpan {
    /// Byte start.
    pub start: usize,
    /// Byte end.
    pub end: usize,
    /// The period.
    pub period: Period,
}

const MONTHS: &str = r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?";

fn month_num(s: &str) -> u8 {
    let s = s.to_ascii_lowercase();
    [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ]
    .iter()
    .position(|m| s.starts_with(m))
    .map(|p| p as u8 + 1)
    .unwrap_or(1)
}

static DATE_RES: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    let y = r"((?:19|20)\d{2})";
    vec![
        (Regex::new(&format!(r"(?i)\b(?:from\s+)?{MONTHS}\s*(?:to|through|until|-|–)\s*{MONTHS}\s+{y}\b")).unwrap(), "mrange"),
        (Regex::new(&format!(r"(?i)\b{MONTHS}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+{y}\b")).unwrap(), "mdy"),
        (Regex::new(&format!(r"(?i)\b(\d{{1,2}})(?:st|nd|rd|th)?\s+{MONTHS}\s+{y}\b")).unwrap(), "dmy"),
        (Regex::new(&format!(r"(?i)\b{MONTHS}\s+{y}\b")).unwrap(), "my"),
        (Regex::new(r"\b((?:19|20)\d{2})-(\d{2})-(\d{2})\b").unwrap(), "iso"),
        (Regex::new(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?").unwrap(), "zh_ymd"),
        (Regex::new(&format!(r"(?i)\b(?:the\s+)?(end|beginning|start|middle|first half|second half|early|late|mid)(?:\s+of)?\s*-?\s*{y}\b")).unwrap(), "mod"),
        (Regex::new(&format!(r"(?i)\b(H[12]|Q[1-4])\s*{y}\b")).unwrap(), "half"),
        (Regex::new(&format!(r"(?i)\b(?:(early|late|mid)[\s-]+)?{y}s\b")).unwrap(), "decade"),
        (Regex::new(r"((?:19|20)\d{2})\s*年").unwrap(), "zh_y"),
        (Regex::new(r"\b(?:FY\s?)?((?:19|20)\d{2})\b").unwrap(), "y"),
    ]
});

static UNIT_AFTER_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(?:%|percent|tons?|tonnes?|t\b|mt\b|kt\b|jobs?|bushels?|million|billion|thousand|rubles?|yuan|dollars?|units|people|workers|吨|万|亿|元|个)").unwrap()
});

/// Finds date expressions (years, months, days, spans, decades) in a sentence.
pub fn find_dates(text: &str) -> Vec<DateSpan> {
    let mut spans: Vec<DateSpan> = Vec::new();
    let overlaps =
        |spans: &Vec<DateSpan>, s: usize, e: usize| spans.iter().any(|d| s < d.end && e > d.start);
    for (re, kind) in DATE_RES.iter() {
        for c in re.captures_iter(text) {
            let m = c.get(0).unwrap();
            if overlaps(&spans, m.start(), m.end()) {
                continue;
            }
            let Some(period) = date_period(kind, &c, text) else {
                continue;
            };
            spans.push(DateSpan {
                start: m.start(),
                end: m.end(),
                period,
            });
        }
    }
    spans.sort_by_key(|d| d.start);
    qualify_by_prepositions(text, &mut spans);
    spans
}

/// The period of one match of the date pattern `kind` (see `DATE_RES`); None if it is not a
/// date after all (day or month out of range, "may" the verb, a year that is a quantity).
fn date_period(kind: &str, c: &Captures, text: &str) -> Option<Period> {
    let yr = |i: usize| {
        c.get(i)
            .and_then(|x| x.as_str().parse::<i32>().ok())
            .unwrap_or(0)
    };
    Some(match kind {
        "mrange" => {
            let y = yr(3);
            Period {
                end: Some(YearMonth {
                    year: y,
                    month: month_num(&c[2]),
                }),
                ..Period::month(y, month_num(&c[1]))
            }
        }
        "mdy" => day_of_month(&c[2], yr(3), &c[1])?,
        "dmy" => day_of_month(&c[1], yr(3), &c[2])?,
        "my" => {
            // "may 2025" only when capitalised, to avoid the verb.
            if c[1].eq("may") {
                return None;
            }
            Period::month(yr(2), month_num(&c[1]))
        }
        "iso" => {
            let mo: u8 = c[2].parse().unwrap_or(0);
            let d: u8 = c[3].parse().unwrap_or(0);
            if !(1..=12).contains(&mo) || d == 0 || d > 31 {
                return None;
            }
            Period {
                day: Some(d),
                ..Period::month(yr(1), mo)
            }
        }
        "zh_ymd" => {
            let mo: u8 = c[2].parse().unwrap_or(0);
            if !(1..=12).contains(&mo) {
                return None;
            }
            let day = c.get(3).and_then(|d| d.as_str().parse().ok());
            Period {
                day,
                ..Period::month(yr(1), mo)
            }
        }
        "mod" => part_of_year(&c[1].to_ascii_lowercase(), yr(2)),
        "half" => half_or_quarter(&c[1].to_ascii_uppercase(), yr(2)),
        "decade" => {
            let y = yr(2);
            if y % 10 != 0 {
                return None;
            }
            Period {
                end: Some(YearMonth {
                    year: y + 9,
                    month: 12,
                }),
                modifier: c
                    .get(1)
                    .map(|m| m.as_str().to_ascii_lowercase())
                    .unwrap_or_default(),
                ..Period::year(y)
            }
        }
        "zh_y" => Period::year(yr(1)),
        _ => {
            let m = c.get(0).unwrap();
            if !is_bare_year(text, m.start(), m.end()) {
                return None;
            }
            Period::year(yr(1))
        }
    })
}

/// "October 9, 2023" / "9 October 2023": a day of a month (None if the day is out of range).
fn day_of_month(day: &str, year: i32, month: &str) -> Option<Period> {
    let d: u8 = day.parse().unwrap_or(0);
    if d == 0 || d > 31 {
        return None;
    }
    Some(Period {
        day: Some(d),
        ..Period::month(year, month_num(month))
    })
}

/// "the end of 2026", "first half 2025", "early 2027": a part of a year.
fn part_of_year(w: &str, y: i32) -> Period {
    match w {
        "end" => Period {
            modifier: "end of".into(),
            ..Period::month(y, 12)
        },
        "beginning" | "start" => Period {
            modifier: "start of".into(),
            ..Period::month(y, 1)
        },
        "middle" | "mid" => Period {
            modifier: "mid".into(),
            ..Period::month(y, 6)
        },
        "first half" => Period {
            end: Some(YearMonth { year: y, month: 6 }),
            modifier: "first half".into(),
            ..Period::month(y, 1)
        },
        "second half" => Period {
            end: Some(YearMonth { year: y, month: 12 }),
            modifier: "second half".into(),
            ..Period::month(y, 7)
        },
        other => Period {
            modifier: other.to_string(),
            ..Period::year(y)
        },
    }
}

/// "H1 2025", "Q3 2024": a half or quarter as a span of months.
fn half_or_quarter(h: &str, y: i32) -> Period {
    let (a, b) = match h {
        "H1" => (1, 6),
        "H2" => (7, 12),
        "Q1" => (1, 3),
        "Q2" => (4, 6),
        "Q3" => (7, 9),
        _ => (10, 12),
    };
    Period {
        end: Some(YearMonth { year: y, month: b }),
        ..Period::month(y, a)
    }
}

/// A bare year at `start..end`: not money, not a quantity, not part of a bigger number.
fn is_bare_year(text: &str, start: usize, end: usize) -> bool {
    let before = &text[..start];
    if before.ends_with('$')
        || before.ends_with(',')
        || before.ends_with('.') && before.ends_with(char::is_numeric)
    {
        return false;
    }
    let after = &text[end..];
    if after.starts_with(',') && after[1..].starts_with(|c: char| c.is_ascii_digit())
        || after.starts_with('.') && after[1..].starts_with(|c: char| c.is_ascii_digit())
    {
        return false;
    }
    !UNIT_AFTER_YEAR.is_match(after)
}

/// Prepositions that qualify a date ("since 2018", "by the end of 2026"), added to its modifier.
fn qualify_by_prepositions(text: &str, spans: &mut [DateSpan]) {
    for d in spans {
        let before = text[..d.start].trim_end().to_ascii_lowercase();
        for w in [
            "since", "until", "till", "by", "before", "after", "as of", "from", "through",
        ] {
            if before.ends_with(w)
                && before[..before.len() - w.len()].ends_with(|c: char| !c.is_alphanumeric())
                || before == w
            {
                if d.period.modifier.is_empty() {
                    d.period.modifier = w.to_string();
                } else {
                    d.period.modifier = format!("{w} {}", d.period.modifier);
                }
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_spans() {
        let t = "from January to August 2023, by the end of 2026, on October 9, 2023 and in 2027; since 2018; 2025年10月; the 1960s";
        let d = find_dates(t);
        let shown: Vec<String> = d.iter().map(|x| x.period.to_string()).collect();
        assert_eq!(
            shown,
            vec![
                "2023-01..2023-08",
                "by end of 2026-12",
                "2023-10-09",
                "2027",
                "since 2018",
                "2025-10",
                "1960..1969-12"
            ]
        );
    }
}
