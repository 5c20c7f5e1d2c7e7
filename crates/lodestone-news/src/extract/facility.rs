//! Facilities: one named in the sentence, or resolved from a company, a facility word and a location; and the chain stage a text talks about.

use super::roles::{COUNTRYISH, Role, RoledMention};
use crate::gazetteer::{Entity, EntityKind, Gazetteer};

const FACILITY_WORDS: &[&str] = &[
    "plant",
    "refinery",
    "factory",
    "facility",
    "mine",
    "mill",
    "smelter",
    "cluster",
    "campus",
    "complex",
    "工厂",
    "冶炼厂",
    "矿",
];

/// Finds a facility named in the sentence, directly or as company + facility word + location.
pub(super) fn resolve_facility(
    text: &str,
    gaz: &Gazetteer,
    mentions: &[RoledMention],
) -> Option<(usize, String)> {
    if let Some(m) = mentions
        .iter()
        .find(|m| gaz.entity(m.mention.entity).kind == EntityKind::Facility)
    {
        return Some((m.mention.entity, "named in the sentence".into()));
    }
    let lower = text.to_ascii_lowercase();
    if !FACILITY_WORDS.iter().any(|w| lower.contains(w)) {
        return None;
    }
    let index_of = |id: &str| {
        gaz.entities()
            .iter()
            .position(|e| e.kind == EntityKind::Facility && e.id == id)
    };
    // Several plants of one company in one country: the stage named in the sentence decides.
    let stage = stage_in(&lower);
    let pick = |facs: Vec<&Entity>| -> Option<usize> {
        let facs: Vec<_> = if facs.len() > 1 && stage.is_some() {
            facs.into_iter()
                .filter(|f| f.stage.as_deref() == stage)
                .collect()
        } else {
            facs
        };
        (facs.len() == 1).then(|| index_of(&facs[0].id)).flatten()
    };
    // Places: locations ("in Texas") and any region named in the sentence.
    let places: Vec<&RoledMention> = mentions
        .iter()
        .filter(|m| {
            let k = gaz.entity(m.mention.entity).kind;
            (m.role == Role::In && COUNTRYISH.contains(&k)) || k == EntityKind::Region
        })
        .collect();
    for c in mentions
        .iter()
        .filter(|m| gaz.entity(m.mention.entity).kind == EntityKind::Company)
    {
        let company = gaz.entity(c.mention.entity);
        for l in &places {
            let le = gaz.entity(l.mention.entity);
            let country = if le.kind == EntityKind::Country {
                Some(le.id.clone())
            } else {
                le.country.clone()
            };
            if let Some(idx) = pick(gaz.facilities_of(&company.id, country.as_deref())) {
                return Some((idx, format!("{} plant in {}", company.name, le.name)));
            }
        }
    }
    // A region whose name is part of exactly one facility's name ("… cluster in the Angara-Yenisei region").
    for l in places
        .iter()
        .filter(|m| gaz.entity(m.mention.entity).kind == EntityKind::Region)
    {
        let region = gaz.entity(l.mention.entity);
        let names: Vec<String> = region
            .all_names()
            .map(|n| n.to_lowercase())
            .filter(|n| n.chars().count() >= 5)
            .collect();
        let facs: Vec<&Entity> = gaz
            .entities()
            .iter()
            .filter(|e| e.kind == EntityKind::Facility)
            .filter(|e| {
                e.all_names().any(|fname| {
                    let f = fname.to_lowercase();
                    names
                        .iter()
                        .any(|n| f.contains(n.trim_end_matches(" region")))
                })
            })
            .collect();
        if let Some(idx) = pick(facs) {
            return Some((idx, format!("the facility named after {}", region.name)));
        }
    }
    None
}

/// The chain stage a text talks about (refining → separation, magnets → magnet, …).
pub fn stage_in(lower: &str) -> Option<&'static str> {
    const TABLE: &[(&str, &str)] = &[
        ("magnet", "magnet"),
        ("磁", "magnet"),
        ("alloy", "metal"),
        ("metallurg", "metal"),
        ("metal making", "metal"),
        ("refin", "separation"),
        ("separat", "separation"),
        ("processing", "separation"),
        ("purif", "separation"),
        ("smelt", "separation"),
        ("冶炼", "separation"),
        ("分离", "separation"),
        ("提纯", "separation"),
        ("加工", "separation"),
        ("mining", "mining"),
        ("mine ", "mining"),
        ("extraction", "mining"),
        ("开采", "mining"),
    ];
    TABLE
        .iter()
        .find(|(k, _)| lower.contains(k))
        .map(|(_, st)| *st)
}
