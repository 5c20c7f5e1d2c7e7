//! Dated claims: a date that is itself the value (trial or commercial production, start of operations, a policy taking effect).

use super::associate::associate_material;
use super::doc_context::DocContext;
use super::keywords::{Kw, first_hit, last_hit};
use super::subject::associate_subject;
use super::window::{Window, clamp_back, clamp_fwd, clause_end};
use super::{DateSpan, Sentence, new_claim};
use crate::claim::{Claim, Metric};
use crate::gazetteer::Gazetteer;
use crate::quantity::{Dimension, Qualifier, Quantity};

const DATE_KW: &[Kw] = &[
    ("trial production", Metric::TrialStart),
    ("trial operation", Metric::TrialStart),
    ("pilot production", Metric::TrialStart),
    ("trial run", Metric::TrialStart),
    ("试生产", Metric::TrialStart),
    ("试产", Metric::TrialStart),
    ("试运行", Metric::TrialStart),
    ("commercial operation", Metric::CommercialStart),
    ("commercial production", Metric::CommercialStart),
    ("commercial scale", Metric::CommercialStart),
    ("full production", Metric::CommercialStart),
    ("商业运营", Metric::CommercialStart),
    ("商业化", Metric::CommercialStart),
    ("start operation", Metric::StartDate),
    ("start production", Metric::StartDate),
    ("begin operation", Metric::StartDate),
    ("begin production", Metric::StartDate),
    ("operational", Metric::StartDate),
    ("commissioning", Metric::StartDate),
    ("come online", Metric::StartDate),
    ("come on stream", Metric::StartDate),
    ("first output", Metric::StartDate),
    ("first production", Metric::StartDate),
    ("start up", Metric::StartDate),
    ("launch", Metric::StartDate),
    ("投产", Metric::StartDate),
    ("启动", Metric::StartDate),
    ("运营", Metric::StartDate),
    ("export control", Metric::PolicyDate),
    ("export management", Metric::PolicyDate),
    ("export ban", Metric::PolicyDate),
    ("controls", Metric::PolicyDate),
    ("regulation", Metric::PolicyDate),
    ("took effect", Metric::PolicyDate),
    ("take effect", Metric::PolicyDate),
    ("came into force", Metric::PolicyDate),
    ("effective", Metric::PolicyDate),
    ("licens", Metric::PolicyDate),
    ("licenc", Metric::PolicyDate),
    ("tightened", Metric::PolicyDate),
    ("restrict", Metric::PolicyDate),
    ("管制", Metric::PolicyDate),
    ("生效", Metric::PolicyDate),
    ("实施", Metric::PolicyDate),
];

/// A date that is a claim's value.
pub(super) struct DateValue {
    /// Index into the sentence's dates.
    pub(super) date: usize,
    metric: Metric,
    /// Start of the text before the date that named its metric.
    bwd_start: usize,
}

/// Dates that are values: "trial production in 2027", "start operations by the end of 2026".
/// A date's window reaches back to the previous quantity or date value (at most 70 bytes).
pub(super) fn find_date_values(s: &Sentence) -> Vec<DateValue> {
    let text = s.text;
    let mut date_values = Vec::new();
    let mut last_value_end = 0;
    for (di, d) in s.dates.iter().enumerate() {
        if d.period.modifier.contains("since") {
            continue;
        }
        let prev_q_end = s
            .quantities
            .iter()
            .filter(|q| q.end <= d.start)
            .map(|q| q.end)
            .max()
            .unwrap_or(0);
        let bstart = prev_q_end
            .max(last_value_end)
            .max(clamp_back(text, d.start, 70));
        let Some(metric) = date_metric(text, d, bstart) else {
            continue;
        };
        last_value_end = d.end;
        date_values.push(DateValue {
            date: di,
            metric,
            bwd_start: bstart,
        });
    }
    date_values
}

/// The metric of a date: the last date keyword before it, else the first after it.
fn date_metric(text: &str, d: &DateSpan, bstart: usize) -> Option<Metric> {
    let bwd = &text[bstart..d.start];
    let mut metric = last_hit(bwd, DATE_KW).map(|h| h.0);
    if metric.is_none() {
        // Chinese "2027年投产", or a sentence that opens with the date ("Following October 9, 2023, China tightened…").
        let lead = text[..d.start].trim();
        let fe = if lead.split_whitespace().count() <= 2 {
            clamp_fwd(text, d.end, 90)
        } else {
            clause_end(text, d.end).min(clamp_fwd(text, d.end, 12))
        };
        let fwd = &text[d.end..fe.max(d.end)];
        metric = first_hit(fwd, DATE_KW).map(|h| h.0);
    }
    metric
}

/// The claim of a date value ("by" and "before" make it an upper bound, "after" a lower one),
/// with its byte position.
pub(super) fn date_claim(
    s: &Sentence,
    gaz: &Gazetteer,
    ctx: &DocContext,
    v: DateValue,
) -> (usize, Claim) {
    let text = s.text;
    let d = &s.dates[v.date];
    let qualifier =
        if d.period.modifier.starts_with("by") || d.period.modifier.starts_with("before") {
            Qualifier::AtMost
        } else if d.period.modifier.starts_with("after") {
            Qualifier::AtLeast
        } else {
            Qualifier::Exact
        };
    let mut quantity = Quantity::new(
        text[d.start..d.end].to_string(),
        d.period.year as f64,
        "date".into(),
        Dimension::Date,
        qualifier,
    );
    quantity.date = Some(d.period.clone());
    let mut notes = Vec::new();
    let win = Window {
        bwd_start: v.bwd_start,
        start: d.start,
        after: d.end,
        fwd_end: clause_end(text, d.end).max(d.end),
        has_previous_value: false,
    };
    let material = associate_material(s, gaz, ctx, v.metric, &win, &mut notes);
    let subjects = associate_subject(s, gaz, ctx, v.metric, &quantity, &win, &mut notes);
    let claim = new_claim(quantity, v.metric, subjects, material, None, notes);
    (d.start, claim)
}
