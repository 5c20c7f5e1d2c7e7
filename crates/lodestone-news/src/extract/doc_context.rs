//! The document context: the country, material and company a document is mainly about, used when a sentence names none.

use super::entities::{country_of, root_material};
use crate::document::Document;
use crate::gazetteer::{EntityKind, Gazetteer};

/// Document-level context used when a sentence does not name a subject or material.
#[derive(Debug, Clone, Default)]
pub struct DocContext {
    /// Most-mentioned country (title counted twice).
    pub main_country: Option<usize>,
    /// Most-mentioned material or element, generalised to its broadest parent.
    pub main_material: Option<usize>,
    /// Most-mentioned company.
    pub main_company: Option<usize>,
}

/// Computes the document context (main country and material).
pub fn doc_context(doc: &Document, gaz: &Gazetteer) -> DocContext {
    let mut country: std::collections::BTreeMap<usize, (usize, usize)> = Default::default();
    let mut material: std::collections::BTreeMap<usize, (usize, usize)> = Default::default();
    let mut company: std::collections::BTreeMap<usize, (usize, usize)> = Default::default();
    let mut order = 0;
    for (text, weight) in [(&doc.title, 2), (&doc.body, 1)] {
        for m in gaz.find(text) {
            order += 1;
            let e = gaz.entity(m.entity);
            match e.kind {
                EntityKind::Country => {
                    let c = country.entry(m.entity).or_insert((0, order));
                    c.0 += weight;
                }
                EntityKind::Region | EntityKind::Company | EntityKind::Facility => {
                    if let Some(ci) = country_of(gaz, m.entity) {
                        let c = country.entry(ci).or_insert((0, order));
                        c.0 += weight;
                    }
                    if e.kind == EntityKind::Company {
                        let c = company.entry(m.entity).or_insert((0, order));
                        c.0 += weight;
                    }
                }
                EntityKind::Material | EntityKind::Element if e.id != "all_goods" => {
                    let r = root_material(gaz, m.entity);
                    let c = material.entry(r).or_insert((0, order));
                    c.0 += weight;
                }
                _ => {}
            }
        }
    }
    let best = |m: &std::collections::BTreeMap<usize, (usize, usize)>| {
        m.iter()
            .max_by(|a, b| a.1.0.cmp(&b.1.0).then(b.1.1.cmp(&a.1.1)))
            .map(|(k, _)| *k)
    };
    DocContext {
        main_country: best(&country),
        main_material: best(&material),
        main_company: best(&company),
    }
}
