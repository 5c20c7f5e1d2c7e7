//! Helpers shared by the report's sections: how many countries a chart names, the
//! years a panel shows, and links to the sources table.

use crate::format::esc;

/// Countries drawn per stage before the rest is merged into "Other".
pub(super) const TOP: usize = 7;

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
