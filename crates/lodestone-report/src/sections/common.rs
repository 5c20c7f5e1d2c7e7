//! Helpers shared by the report's sections: how many countries a chart names, the
//! years a panel shows, and links to the sources table.

use crate::ctx::Ctx;
use crate::format::esc;

/// Countries drawn per stage before the rest is merged into "Other".
pub(super) const TOP: usize = 7;

/// A value, if finite (charts leave a gap for the rest).
pub(super) fn opt(v: Option<f64>) -> Option<f64> {
    v.filter(|x| x.is_finite())
}

/// A source reference: a link to its row in the sources table when it is an id.
pub(super) fn source_ref(s: &str) -> String {
    let looks_like_id = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.');
    if looks_like_id {
        format!("<a href=\"#src-{}\">{}</a>", esc(s), esc(s))
    } else {
        esc(s)
    }
}

/// The years a panel of tabs shows: the first, 2030 and the last.
pub(super) fn panel_years(c: &Ctx) -> Vec<String> {
    let mut years = vec![c.first().to_string()];
    if let Some(y) = c.years.iter().find(|y| y.as_str() == "2030")
        && !years.contains(y)
    {
        years.push(y.clone());
    }
    if !years.iter().any(|y| y == c.last()) {
        years.push(c.last().to_string());
    }
    years
}
