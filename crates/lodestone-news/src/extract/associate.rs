//! A value's period and material: the nearest in its window, else the sentence's, else (for some metrics) the document's.

use super::doc_context::DocContext;
use super::entities::{eref, root_material};
use super::roles::{MATERIALS, RoledMention};
use super::window::Window;
use super::{DateSpan, Sentence};
use crate::claim::{EntityRef, Metric};
use crate::date::Period;
use crate::gazetteer::Gazetteer;

pub(super) fn associate_period(s: &Sentence, w: &Window) -> Option<Period> {
    let usable: Vec<&DateSpan> = s
        .dates
        .iter()
        .enumerate()
        .filter(|(i, d)| !d.period.modifier.contains("since") && !s.value_dates.contains(i))
        .map(|(_, d)| d)
        .collect();
    if let Some(d) = usable
        .iter()
        .find(|d| d.start >= w.after && d.start < w.fwd_end)
    {
        return Some(d.period.clone());
    }
    if let Some(d) = usable
        .iter()
        .rfind(|d| d.end <= w.start && d.start >= w.bwd_start)
    {
        return Some(d.period.clone());
    }
    if !usable.is_empty() && usable.iter().all(|d| d.period == usable[0].period) {
        return Some(usable[0].period.clone());
    }
    None
}

/// Metrics for which a material named elsewhere in the document is a sensible default.
fn material_from_document(metric: Metric) -> bool {
    !matches!(
        metric,
        Metric::TradeValue
            | Metric::Revenue
            | Metric::Jobs
            | Metric::Count
            | Metric::Duration
            | Metric::LeadTime
            | Metric::TariffRate
            | Metric::DealValue
            | Metric::Change
    )
}

pub(super) fn associate_material(
    s: &Sentence,
    gaz: &Gazetteer,
    ctx: &DocContext,
    metric: Metric,
    w: &Window,
    notes: &mut Vec<String>,
) -> Option<EntityRef> {
    let mats: Vec<&RoledMention> = s.entity_mentions(gaz, MATERIALS).collect();
    if let Some(m) = mats
        .iter()
        .find(|m| m.mention.start >= w.after && m.mention.start < w.fwd_end)
    {
        return Some(eref(gaz, m.mention.entity));
    }
    if let Some(m) = mats
        .iter()
        .rfind(|m| m.mention.end <= w.start && m.mention.start >= w.bwd_start)
    {
        if w.has_previous_value {
            let r = root_material(gaz, m.mention.entity);
            if r != m.mention.entity {
                notes.push(format!(
                    "material generalised from {:?} (it qualifies another value in the sentence)",
                    gaz.entity(m.mention.entity).name
                ));
            }
            return Some(eref(gaz, r));
        }
        return Some(eref(gaz, m.mention.entity));
    }
    if let Some(m) = mats
        .iter()
        .find(|m| gaz.entity(m.mention.entity).id != "all_goods")
        .or(mats.first())
    {
        return Some(eref(gaz, root_material(gaz, m.mention.entity)));
    }
    if !material_from_document(metric) {
        return None;
    }
    ctx.main_material.map(|m| {
        notes.push("material taken from the document".into());
        eref(gaz, m)
    })
}
