//! Claim extraction: sentences → dates, quantities and entity mentions → claims with metric, subject, partner, material and period. Pure and rule-based, with no per-document cases.
//!
//! The steps, one module each: [`split_sentences`] (sentences), [`find_dates`] (dates),
//! [`find_quantities`] with its unit tables (quantities, units), entity mentions and their
//! roles (roles), the document context ([`doc_context`]); then for each value the metric
//! (metric, by claim kind; dated for dates that are values), its period and material
//! (associate), its subject and partner (subject), and facilities (facility).

mod associate;
mod dated;
mod dates;
mod doc_context;
mod entities;
mod facility;
mod keywords;
mod metric;
mod quantities;
mod roles;
mod sentences;
mod subject;
mod units;
mod window;

pub use dates::{DateSpan, find_dates};
pub use doc_context::{DocContext, doc_context};
pub use entities::subject_country;
pub use facility::stage_in;
pub use quantities::{QuantitySpan, find_quantities};
pub use roles::{Role, RoledMention};
pub use sentences::split_sentences;

use associate::{associate_material, associate_period};
use dated::DATE_KW;
use facility::resolve_facility;
use keywords::{first_hit, last_hit};
use metric::infer_metric;
use roles::assign_roles;
use subject::associate_subject;
use window::{Window, clamp_back, clamp_fwd, clause_end};

use crate::claim::{Claim, ClaimSource, Metric};
use crate::document::Document;
use crate::gazetteer::{EntityKind, Gazetteer, Mention};
use crate::quantity::{Dimension, Qualifier, Quantity, normalize};

struct Sentence<'a> {
    text: &'a str,
    dates: Vec<DateSpan>,
    quantities: Vec<QuantitySpan>,
    mentions: Vec<RoledMention>,
    facility: Option<(usize, String)>,
    /// Indices of dates that are claim values (not periods of other values).
    value_dates: Vec<usize>,
}

impl Sentence<'_> {
    fn entity_mentions(
        &self,
        gaz: &Gazetteer,
        kinds: &[EntityKind],
    ) -> impl Iterator<Item = &RoledMention> {
        let kinds = kinds.to_vec();
        self.mentions
            .iter()
            .filter(move |m| kinds.contains(&gaz.entity(m.mention.entity).kind))
    }
}

/// Extracts every claim of a document.
pub fn extract_claims(doc: &Document, gaz: &Gazetteer) -> Vec<Claim> {
    let ctx = doc_context(doc, gaz);
    let mut claims = Vec::new();
    for passage in doc.passages() {
        for (s, e) in split_sentences(&passage.text) {
            let sentence = &passage.text[s..e];
            let origin = ClaimSource {
                doc_id: doc.id.clone(),
                title: doc.title.clone(),
                source: doc.source.clone(),
                date: doc.date,
                file: doc.provenance.file.clone(),
                line: doc.provenance.line,
                passage: passage.label.clone(),
                refs: passage.refs.clone(),
                sentence: sentence.to_string(),
            };
            for mut c in extract_sentence(sentence, gaz, &ctx) {
                c.id = format!("{}:{}", doc.id, claims.len() + 1);
                c.origin = origin.clone();
                claims.push(c);
            }
        }
    }
    claims
}

/// Extracts the claims of one sentence (ids and provenance are left empty).
pub fn extract_sentence(text: &str, gaz: &Gazetteer, ctx: &DocContext) -> Vec<Claim> {
    let dates = find_dates(text);
    let quantities = find_quantities(text, &dates);
    let raw_mentions: Vec<Mention> = gaz
        .find(text)
        .into_iter()
        .filter(|m| {
            !quantities
                .iter()
                .any(|q| m.start < q.end && m.end > q.start)
        })
        .filter(|m| !dates.iter().any(|d| m.start < d.end && m.end > d.start))
        .collect();
    let mentions = assign_roles(text, gaz, &raw_mentions);
    let facility = resolve_facility(text, gaz, &mentions);
    let mut s = Sentence {
        text,
        dates,
        quantities,
        mentions,
        facility,
        value_dates: vec![],
    };

    // Dates that are values: "trial production in 2027", "start operations by the end of 2026".
    let mut date_values: Vec<(usize, Metric, usize)> = Vec::new(); // (date index, metric, window start)
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
        let Some(metric) = metric else { continue };
        last_value_end = d.end;
        date_values.push((di, metric, bstart));
    }
    s.value_dates = date_values.iter().map(|x| x.0).collect();

    let mut out = Vec::new();
    let primary: Vec<usize> = (0..s.quantities.len())
        .filter(|&i| s.quantities[i].equivalent_of.is_none())
        .collect();
    for (pi, &qi) in primary.iter().enumerate() {
        let qs = &s.quantities[qi];
        let prev_end = if pi > 0 {
            s.quantities[primary[pi - 1]].end
        } else {
            0
        };
        let next_start = primary
            .get(pi + 1)
            .map(|&n| s.quantities[n].start)
            .unwrap_or(text.len());
        // Skip past the parenthesised equivalents of this quantity.
        let mut after = qs.end;
        for eq in s.quantities.iter().filter(|x| x.equivalent_of == Some(qi)) {
            after = text[eq.end..]
                .find([')', '）'])
                .map(|p| eq.end + p + 1)
                .unwrap_or(eq.end);
        }
        let fwd_end = clause_end(text, after)
            .min(next_start)
            .min(clamp_fwd(text, after, 120))
            .max(after);
        let fwd = &text[after..fwd_end];
        let bwd_start = prev_end.max(clamp_back(text, qs.start, 90));
        let bwd = &text[bwd_start..qs.start];
        let Some(metric) = infer_metric(&qs.quantity, fwd, bwd, text) else {
            continue;
        };
        let win = Window {
            bwd_start,
            start: qs.start,
            after,
            fwd_end,
            has_previous_value: pi > 0,
        };

        let mut quantity = qs.quantity.clone();
        quantity.equivalents = s
            .quantities
            .iter()
            .filter(|x| x.equivalent_of == Some(qi))
            .map(|x| x.quantity.clone())
            .collect();
        let mut notes = Vec::new();
        let period = associate_period(&s, &win);
        let material = associate_material(&s, gaz, ctx, metric, &win, &mut notes);
        let (subject, partner, also) =
            associate_subject(&s, gaz, ctx, metric, &quantity, &win, &mut notes);
        normalize(&mut quantity, material.as_ref().map(|m| m.id.as_str()));
        out.push((
            qs.start,
            Claim {
                id: String::new(),
                quantity,
                metric,
                subject,
                also_subjects: also,
                partner,
                material,
                period,
                notes,
                origin: empty_origin(),
            },
        ));
    }

    for (di, metric, bstart) in date_values {
        let d = &s.dates[di];
        let qualifier =
            if d.period.modifier.starts_with("by") || d.period.modifier.starts_with("before") {
                Qualifier::AtMost
            } else if d.period.modifier.starts_with("after") {
                Qualifier::AtLeast
            } else {
                Qualifier::Exact
            };
        let quantity = Quantity {
            text: text[d.start..d.end].to_string(),
            value: d.period.year as f64,
            unit: "date".into(),
            dimension: Dimension::Date,
            qualifier,
            per: None,
            each: false,
            normalized: None,
            equivalents: vec![],
            date: Some(d.period.clone()),
        };
        let mut notes = Vec::new();
        let win = Window {
            bwd_start: bstart,
            start: d.start,
            after: d.end,
            fwd_end: clause_end(text, d.end).max(d.end),
            has_previous_value: false,
        };
        let material = associate_material(&s, gaz, ctx, metric, &win, &mut notes);
        let (subject, partner, also) =
            associate_subject(&s, gaz, ctx, metric, &quantity, &win, &mut notes);
        out.push((
            d.start,
            Claim {
                id: String::new(),
                quantity,
                metric,
                subject,
                also_subjects: also,
                partner,
                material,
                period: None,
                notes,
                origin: empty_origin(),
            },
        ));
    }
    out.sort_by_key(|(pos, _)| *pos);
    out.into_iter().map(|(_, c)| c).collect()
}

fn empty_origin() -> ClaimSource {
    ClaimSource {
        doc_id: String::new(),
        title: String::new(),
        source: String::new(),
        date: None,
        file: String::new(),
        line: 0,
        passage: String::new(),
        refs: vec![],
        sentence: String::new(),
    }
}
