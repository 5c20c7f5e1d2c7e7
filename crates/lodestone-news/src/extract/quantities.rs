//! Quantities in a sentence: numbers with their currency, multiplier, unit, qualifier, "per t" and "each", and parenthesised equivalents.

use super::dates::DateSpan;
use super::units::{CURRENCY_PREFIX, MULTIPLIERS, UNITS, starts_with_word};
use crate::quantity::{Dimension, Qualifier, Quantity};
use regex::Regex;
use std::sync::LazyLock;

/// A quantity found in a sentence, with its byte span.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantitySpan {
    /// Byte start (including a currency prefix).
    pub start: usize,
    /// Byte end (including unit, "per t" and "each").
    pub end: usize,
    /// The quantity.
    pub quantity: Quantity,
    /// Index of the quantity this one restates (a parenthesised equivalent).
    pub equivalent_of: Option<usize>,
}

static NUM_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\b(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty)\b").unwrap()
});

fn word_number(w: &str) -> Option<f64> {
    Some(match w.to_ascii_lowercase().as_str() {
        "zero" => 0.0,
        "one" => 1.0,
        "two" => 2.0,
        "three" => 3.0,
        "four" => 4.0,
        "five" => 5.0,
        "six" => 6.0,
        "seven" => 7.0,
        "eight" => 8.0,
        "nine" => 9.0,
        "ten" => 10.0,
        "eleven" => 11.0,
        "twelve" => 12.0,
        "fifteen" => 15.0,
        "twenty" => 20.0,
        "thirty" => 30.0,
        _ => return None,
    })
}

static QUAL_APPROX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:\b(?:approximately|approx\.?|about|around|roughly|nearly|almost|some|close to|an estimated|estimated|an)|约合|约|近|大约|合|~|≈)\s*$").unwrap()
});
static QUAL_LEAST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:\b(?:over|more than|above|exceeding|exceeds|exceeded|at least|no less than|upwards of|in excess of|a minimum of)|超过|逾|至少(?:要|需要)?|起码|不少于|不低于|高于)\s*$").unwrap()
});
static QUAL_MOST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:\b(?:up to|as high as|as much as|less than|under|below|at most|no more than|a maximum of)|不超过|最多|不到|低于|高达)\s*$").unwrap()
});
static PER_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\s*(?:per|/|a|an)\s*(?:metric\s+)?(tonnes?|tons?|t|kg|kilograms?|bushels?|bu)\b",
    )
    .unwrap()
});
static EACH_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^\s*(?:each|apiece|各)").unwrap());
static EQUIV_GAP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*[（(]\s*(?:approximately|approx\.?|about|around|roughly|nearly|some|equivalent to|or|~|≈|约合|约|合)?\s*$").unwrap()
});

fn qualifier_before(before: &str) -> Qualifier {
    let tail_start = before.len().saturating_sub(40);
    let mut ts = tail_start;
    while !before.is_char_boundary(ts) {
        ts += 1;
    }
    let tail = &before[ts..];
    if QUAL_LEAST.is_match(tail) {
        Qualifier::AtLeast
    } else if QUAL_MOST.is_match(tail) {
        Qualifier::AtMost
    } else if QUAL_APPROX.is_match(tail) && !tail.trim_end().to_ascii_lowercase().ends_with(" an") {
        Qualifier::Approx
    } else {
        Qualifier::Exact
    }
}

/// Finds quantities (numbers with a unit) outside the date spans.
pub fn find_quantities(text: &str, dates: &[DateSpan]) -> Vec<QuantitySpan> {
    let mut out: Vec<QuantitySpan> = Vec::new();
    for m in NUM_RE.find_iter(text) {
        if dates.iter().any(|d| m.start() < d.end && m.end() > d.start)
            || is_code(&text[..m.start()])
        {
            continue;
        }
        if let Some(q) = read_quantity(text, m) {
            out.push(q);
        }
    }
    link_equivalents(text, &mut out);
    out
}

/// Skip model numbers and codes: F-35, H1, DDG-51, "No. 18" (`before` is the text before the number).
fn is_code(before: &str) -> bool {
    let prev = before.chars().next_back();
    if prev.is_some_and(|c| c.is_ascii_alphabetic()) {
        return true;
    }
    if prev == Some('-')
        && before[..before.len() - 1]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric())
    {
        return true;
    }
    prev == Some('.')
        || prev == Some(',') && before[..before.len() - 1].ends_with(|c: char| c.is_ascii_digit())
}

/// Reads the quantity of the number `m`: its currency prefix, qualifier, multiplier, unit,
/// "per t" and "each". None if it has no unit (or is a number word with a unit other than a
/// duration or count).
fn read_quantity(text: &str, m: regex::Match) -> Option<QuantitySpan> {
    let before = &text[..m.start()];
    let raw = m.as_str();
    let is_word = raw.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    let mut value = match word_number(raw) {
        Some(v) => v,
        None => raw.replace(',', "").parse::<f64>().ok()?,
    };
    let (start, currency) = currency_prefix(text, m.start());
    let mut rest = &text[m.end()..];
    let mut qualifier = qualifier_before(&text[..start]);
    // Chinese "700多亿" / "3500余个".
    let trimmed = rest.trim_start();
    if trimmed.starts_with('多') || trimmed.starts_with('余') {
        qualifier = Qualifier::AtLeast;
        rest = &trimmed['多'.len_utf8()..];
    }
    let (mut mult, after_mult) = multiplier(rest, currency.is_some());
    rest = after_mult;
    let mut dimension = None;
    let mut unit = String::new();
    if let Some((dim, u, f, after_unit)) = unit_after(rest, value, currency.is_some()) {
        dimension = Some(dim);
        unit = u.to_string();
        mult *= f;
        rest = after_unit;
    }
    // A currency wins over any unit ("$5 million tons" makes no sense; keep the money reading).
    if let Some(c) = currency {
        dimension = Some(Dimension::Money);
        unit = c.to_string();
    }
    let Some(dimension) = dimension else {
        return zero_level(raw, before, m.start(), m.end());
    };
    if is_word && !matches!(dimension, Dimension::Duration | Dimension::Count) {
        return None;
    }
    value *= mult;
    let (per, each, rest) = per_and_each(rest);
    let end = text.len() - rest.len();
    // Trim trailing whitespace from the span.
    let end = start + text[start..end].trim_end().len();
    let mut q = Quantity::new(
        text[start..end].to_string(),
        value,
        unit,
        dimension,
        qualifier,
    );
    q.per = per;
    q.each = each;
    Some(QuantitySpan {
        start,
        end,
        quantity: q,
        equivalent_of: None,
    })
}

/// The currency written just before the number at `num_start` (at most one space between):
/// the span's new start and the ISO code.
fn currency_prefix(text: &str, num_start: usize) -> (usize, Option<&'static str>) {
    let before = &text[..num_start];
    let trimmed_before = before.trim_end_matches(' ');
    for (p, code) in CURRENCY_PREFIX {
        if trimmed_before.ends_with(p) && (before.len() - trimmed_before.len() <= 1) {
            let ps = trimmed_before.len() - p.len();
            // Latin codes must not be the tail of a word.
            if p.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && text[..ps].ends_with(|c: char| c.is_ascii_alphabetic())
            {
                continue;
            }
            return (ps, Some(code));
        }
    }
    (num_start, None)
}

/// The multiplier after a number ("billion", "亿"; "m", "k", "b" after a currency) and the text after it.
fn multiplier(rest: &str, has_currency: bool) -> (f64, &str) {
    let r = rest.trim_start();
    for (w, f, b) in MULTIPLIERS {
        if starts_with_word(r, w, *b) {
            return (*f, &r[w.len()..]);
        }
    }
    if has_currency {
        // "$5m", "$2k"
        for (w, f) in [("m", 1e6), ("k", 1e3), ("b", 1e9)] {
            if starts_with_word(r, w, true) && r.starts_with(w) {
                return (f, &r[w.len()..]);
            }
        }
    }
    (1.0, rest)
}

/// The unit after a number (and its multiplier): dimension, unit, factor and the text after it.
/// "年" after a number of 100 or more is a year, and a money unit after a currency prefix is not read.
fn unit_after(
    rest: &str,
    value: f64,
    has_currency: bool,
) -> Option<(Dimension, &'static str, f64, &str)> {
    let r = rest.trim_start().trim_start_matches('-').trim_start();
    for (w, dim, u, f, b) in UNITS {
        if starts_with_word(r, w, *b) {
            // "年" after a four-digit number is a year, handled by the dates; "5年" is a duration.
            if *w == "年" && value >= 100.0 {
                return None;
            }
            if *dim == Dimension::Money && has_currency {
                return None;
            }
            return Some((*dim, u, *f, &r[w.len()..]));
        }
    }
    None
}

/// "dropping to zero": a zero level of a traded quantity (the number word "zero" after "to").
fn zero_level(raw: &str, before: &str, start: usize, end: usize) -> Option<QuantitySpan> {
    if !(raw.eq_ignore_ascii_case("zero") && before.trim_end().to_ascii_lowercase().ends_with("to"))
    {
        return None;
    }
    let q = Quantity::new(
        raw.to_string(),
        0.0,
        "t".into(),
        Dimension::Mass,
        Qualifier::Exact,
    );
    Some(QuantitySpan {
        start,
        end,
        quantity: q,
        equivalent_of: None,
    })
}

/// "per t" / "a ton" (the denominator of a unit price) and "each" after a quantity, and the text after them.
fn per_and_each(mut rest: &str) -> (Option<String>, bool, &str) {
    let mut per = None;
    if let Some(c) = PER_RE.captures(rest) {
        let w = c[1].to_ascii_lowercase();
        per = Some(if w.starts_with('k') {
            "kg".to_string()
        } else if w.starts_with('b') {
            "bu".to_string()
        } else {
            "t".to_string()
        });
        rest = &rest[c.get(0).unwrap().end()..];
    }
    let mut each = false;
    if let Some(c) = EACH_RE.find(rest) {
        each = true;
        rest = &rest[c.end()..];
    }
    (per, each, rest)
}

/// Parenthesised equivalents: "700 billion rubles (approximately 61.8 billion yuan)".
fn link_equivalents(text: &str, out: &mut [QuantitySpan]) {
    for i in 1..out.len() {
        let (a, b) = (&out[i - 1], &out[i]);
        if a.quantity.dimension == b.quantity.dimension && a.equivalent_of.is_none() {
            let gap = &text[a.end..b.start];
            let after = text[b.end..].trim_start();
            if EQUIV_GAP.is_match(gap) && (after.starts_with(')') || after.starts_with('）')) {
                out[i].equivalent_of = Some(i - 1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::find_dates;

    #[test]
    fn quantities_with_units_and_equivalents() {
        let t = "Russia plans to invest 700 billion rubles (approximately 61.8 billion yuan), $1 billion each, 8 million tons, 12%, at least 3,500 jobs, 1.87 billion bushels, $480 per ton, 7000亿卢布, AUD 1.2 billion, six months";
        let d = find_dates(t);
        let q = find_quantities(t, &d);
        let shown: Vec<(String, f64, String, Option<usize>)> = q
            .iter()
            .map(|x| {
                (
                    x.quantity.text.clone(),
                    x.quantity.value,
                    x.quantity.unit.clone(),
                    x.equivalent_of,
                )
            })
            .collect();
        assert_eq!(
            shown[0],
            ("700 billion rubles".into(), 7e11, "RUB".into(), None)
        );
        assert_eq!(
            shown[1],
            ("61.8 billion yuan".into(), 61.8e9, "CNY".into(), Some(0))
        );
        assert_eq!(
            shown[2],
            ("$1 billion each".into(), 1e9, "USD".into(), None)
        );
        assert!(q[2].quantity.each);
        assert_eq!(shown[3], ("8 million tons".into(), 8e6, "t".into(), None));
        assert_eq!(shown[4].2, "%");
        assert_eq!(
            (shown[5].1, q[5].quantity.qualifier),
            (3500.0, Qualifier::AtLeast)
        );
        assert_eq!(
            shown[6],
            ("1.87 billion bushels".into(), 1.87e9, "bu".into(), None)
        );
        assert_eq!(q[7].quantity.per.as_deref(), Some("t"));
        assert_eq!(shown[8], ("7000亿卢布".into(), 7e11, "RUB".into(), None));
        assert_eq!(
            shown[9],
            ("AUD 1.2 billion".into(), 1.2e9, "AUD".into(), None)
        );
        assert_eq!(shown[10], ("six months".into(), 6.0, "months".into(), None));
    }

    #[test]
    fn no_quantities_in_model_numbers() {
        let t = "F-35 fighter jets and the DDG-51 destroyer";
        assert!(find_quantities(t, &find_dates(t)).is_empty());
    }
}
