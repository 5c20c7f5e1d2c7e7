//! Claim extraction: sentences → dates, quantities and entity mentions → claims with metric, subject, partner, material and period. Pure and rule-based, with no per-document cases.
//!
//! The steps, one module each: [`split_sentences`] (sentences), [`find_dates`] (dates),
//! [`find_quantities`] with its unit tables (quantities, units), entity mentions and their
//! roles (roles), the document context ([`doc_context`]); then for each value the metric
//! (metric, by claim kind; dated for dates that are values), its period and material
//! (associate), its subject and partner (subject), and facilities (facility).

mod associate;
mod clauses;
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
use clauses::{clause_of, clause_starts};
use dated::{date_claim, find_date_values};
use facility::resolve_facility;
use metric::infer_metric;
use roles::assign_roles;
use subject::{Subjects, associate_subject};
use window::{Window, clamp_back, clamp_fwd, clause_end};

use crate::claim::{Claim, ClaimSource, EntityRef, Metric};
use crate::date::Period;
use crate::document::Document;
use crate::gazetteer::{EntityKind, Gazetteer, Mention};
use crate::quantity::{Quantity, normalize};

struct Sentence<'a> {
    text: &'a str,
    dates: Vec<DateSpan>,
    quantities: Vec<QuantitySpan>,
    mentions: Vec<RoledMention>,
    facility: Option<(usize, String)>,
    /// Byte offsets where a clause with a subject of its own starts (see `clauses`).
    clauses: Vec<usize>,
    /// Indices of dates that are claim values (not periods of other values).
    value_dates: Vec<usize>,
}

impl<'a> Sentence<'a> {
    /// Reads a sentence: its dates, the quantities outside them, the entity mentions outside
    /// both (with their roles) and the facility it names.
    fn read(text: &'a str, gaz: &Gazetteer) -> Sentence<'a> {
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
        let value_starts: Vec<usize> = quantities.iter().map(|q| q.start).collect();
        let clauses = clause_starts(text, gaz, &raw_mentions, &value_starts);
        let mentions = assign_roles(text, gaz, &raw_mentions, &clauses);
        let facility = resolve_facility(text, gaz, &mentions);
        Sentence {
            text,
            dates,
            quantities,
            mentions,
            facility,
            clauses,
            value_dates: vec![],
        }
    }

    /// The clause around byte `pos`.
    fn clause(&self, pos: usize) -> (usize, usize) {
        clause_of(&self.clauses, self.text.len(), pos)
    }

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
    let mut s = Sentence::read(text, gaz);
    let date_values = find_date_values(&s);
    s.value_dates = date_values.iter().map(|v| v.date).collect();
    let mut out = quantity_claims(&s, gaz, ctx);
    for v in date_values {
        out.push(date_claim(&s, gaz, ctx, v));
    }
    out.sort_by_key(|(pos, _)| *pos);
    out.into_iter().map(|(_, c)| c).collect()
}

/// The claims of the sentence's quantities (parenthesised equivalents ride along with the value
/// they restate), each with its byte position.
fn quantity_claims(s: &Sentence, gaz: &Gazetteer, ctx: &DocContext) -> Vec<(usize, Claim)> {
    let text = s.text;
    let mut out = Vec::new();
    let primary: Vec<usize> = (0..s.quantities.len())
        .filter(|&i| s.quantities[i].equivalent_of.is_none())
        .collect();
    for (pi, &qi) in primary.iter().enumerate() {
        let qs = &s.quantities[qi];
        let win = quantity_window(s, &primary, pi);
        let fwd = &text[win.after..win.fwd_end];
        let bwd = &text[win.bwd_start..win.start];
        let Some(metric) = infer_metric(&qs.quantity, fwd, bwd, text) else {
            continue;
        };
        let mut quantity = qs.quantity.clone();
        quantity.equivalents = s
            .quantities
            .iter()
            .filter(|x| x.equivalent_of == Some(qi))
            .map(|x| x.quantity.clone())
            .collect();
        let mut notes = Vec::new();
        let period = associate_period(s, &win);
        let material = associate_material(s, gaz, ctx, metric, &win, &mut notes);
        let subjects = associate_subject(s, gaz, ctx, metric, &quantity, &win, &mut notes);
        normalize(&mut quantity, material.as_ref().map(|m| m.id.as_str()));
        let claim = new_claim(quantity, metric, subjects, material, period, notes);
        out.push((qs.start, claim));
    }
    out
}

/// The window of the `pi`-th primary quantity: back to the previous value (at most 90 bytes),
/// forward from past its parenthesised equivalents to the end of its clause, the next value or 120 bytes.
fn quantity_window(s: &Sentence, primary: &[usize], pi: usize) -> Window {
    let text = s.text;
    let qi = primary[pi];
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
    let (clause_start, clause_stop) = s.clause(qs.start);
    let fwd_end = clause_end(text, after)
        .min(next_start)
        .min(clause_stop)
        .min(clamp_fwd(text, after, 120))
        .max(after);
    Window {
        bwd_start: prev_end
            .max(clamp_back(text, qs.start, 90))
            .max(clause_start),
        start: qs.start,
        after,
        fwd_end,
        has_previous_value: pi > 0,
    }
}

/// A claim with everything but its id and provenance.
fn new_claim(
    quantity: Quantity,
    metric: Metric,
    (subject, partner, also): Subjects,
    material: Option<EntityRef>,
    period: Option<Period>,
    notes: Vec<String>,
) -> Claim {
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
    }
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
