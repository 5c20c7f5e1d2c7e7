//! The text window around a value: its own clause after it, a bounded stretch before it.

/// The text around a value: `bwd_start..start` before it, `after..fwd_end` after it (to the end of its clause).
pub(super) struct Window {
    pub(super) bwd_start: usize,
    pub(super) start: usize,
    pub(super) after: usize,
    pub(super) fwd_end: usize,
    pub(super) has_previous_value: bool,
}

pub(super) fn clamp_back(text: &str, from: usize, max: usize) -> usize {
    let mut s = from.saturating_sub(max);
    while !text.is_char_boundary(s) {
        s += 1;
    }
    s
}

pub(super) fn clamp_fwd(text: &str, from: usize, max: usize) -> usize {
    let mut e = (from + max).min(text.len());
    while !text.is_char_boundary(e) {
        e -= 1;
    }
    e
}

const CLAUSE_BREAKS: &[&str] = &[
    ",",
    ";",
    "，",
    "；",
    "。",
    ":",
    "：",
    " while ",
    " whereas ",
    " but ",
    " although ",
];

pub(super) fn clause_end(text: &str, from: usize) -> usize {
    let rest = &text[from..];
    CLAUSE_BREAKS
        .iter()
        .filter_map(|b| rest.find(b))
        .min()
        .map(|p| from + p)
        .unwrap_or(text.len())
}
