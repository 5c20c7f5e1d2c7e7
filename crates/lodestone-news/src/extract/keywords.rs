//! Keyword tables and how they are matched in the text around a value: the nearest keyword before or after it says what the value measures.

use crate::claim::Metric;

pub(super) type Kw = (&'static str, Metric);

/// A keyword occurrence: (metric, start, end).
pub(super) fn keyword_hits(window: &str, table: &[Kw]) -> Vec<(Metric, usize, usize)> {
    let lower = window.to_ascii_lowercase();
    let mut hits = Vec::new();
    for (kw, metric) in table {
        let mut from = 0;
        while let Some(p) = lower[from..].find(kw) {
            let s = from + p;
            let ascii = kw.is_ascii();
            let boundary = !ascii || s == 0 || !lower.as_bytes()[s - 1].is_ascii_alphanumeric();
            if boundary {
                hits.push((*metric, s, s + kw.len()));
            }
            from = s + kw.len();
        }
    }
    hits
}

pub(super) fn first_hit(window: &str, table: &[Kw]) -> Option<(Metric, usize)> {
    keyword_hits(window, table)
        .into_iter()
        .min_by(|a, b| a.1.cmp(&b.1).then((b.2 - b.1).cmp(&(a.2 - a.1))))
        .map(|h| (h.0, h.1))
}

/// End offset of the last keyword hit in `window` (for distances).
pub(super) fn keyword_end(window: &str, table: &[Kw], hit: (Metric, usize)) -> usize {
    keyword_hits(window, table)
        .into_iter()
        .filter(|h| h.0 == hit.0 && h.1 == hit.1)
        .map(|h| h.2)
        .max()
        .unwrap_or(hit.1)
}

pub(super) fn last_hit(window: &str, table: &[Kw]) -> Option<(Metric, usize)> {
    keyword_hits(window, table)
        .into_iter()
        .max_by(|a, b| a.2.cmp(&b.2).then((a.2 - a.1).cmp(&(b.2 - b.1))))
        .map(|h| (h.0, h.1))
}
