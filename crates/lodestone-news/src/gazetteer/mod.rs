//! The gazetteer: countries, regions, companies, facilities, elements and materials with English and Chinese names, and a matcher that finds them in text.
//!
//! Here: the [`Gazetteer`] (construction, merge with the dataset, look-ups). Entries and
//! mentions are in `entity`, the built-in names table (English and Chinese, one table per
//! section) in `builtin`, the compiled name matcher in `matcher`.

mod builtin;
mod entity;
mod matcher;

pub use builtin::builtin_entities;
pub use entity::{Entity, EntityKind, Mention, Origin};

use matcher::Matcher;
use std::collections::{BTreeMap, HashMap};

/// A set of entities with a compiled name matcher.
#[derive(Debug, Clone)]
pub struct Gazetteer {
    entities: Vec<Entity>,
    by_id: HashMap<(EntityKind, String), usize>,
    matcher: Matcher,
}

impl Gazetteer {
    /// Builds a gazetteer from entities (ids must be unique per kind; later duplicates are merged into earlier ones).
    pub fn new(entities: Vec<Entity>) -> Gazetteer {
        let mut merged: Vec<Entity> = Vec::new();
        let mut by_id = HashMap::new();
        for e in entities {
            let key = (e.kind, e.id.clone());
            if let Some(&i) = by_id.get(&key) {
                let existing: &mut Entity = &mut merged[i];
                for n in e.names_en {
                    if !existing.names_en.contains(&n) {
                        existing.names_en.push(n);
                    }
                }
                for n in e.names_zh {
                    if !existing.names_zh.contains(&n) {
                        existing.names_zh.push(n);
                    }
                }
                continue;
            }
            by_id.insert(key, merged.len());
            merged.push(e);
        }
        Gazetteer {
            matcher: Matcher::new(&merged),
            entities: merged,
            by_id,
        }
    }

    /// The built-in alias list (countries, regions, main companies, elements, materials), in English and Chinese.
    pub fn builtin() -> Gazetteer {
        Gazetteer::new(builtin_entities())
    }

    /// Dataset entities merged with the built-in aliases.
    ///
    /// A built-in entity of the same kind that shares the id or any name (case-insensitively)
    /// with a dataset entity is folded into it: the dataset id, attributes and origin win and the
    /// built-in names are added as aliases. Built-in entities with no dataset counterpart are kept.
    pub fn merged(dataset: Vec<Entity>) -> Gazetteer {
        let mut out: Vec<Entity> = dataset
            .into_iter()
            .map(|mut e| {
                e.origin = Origin::Dataset;
                e
            })
            .collect();
        let lower_names: Vec<(EntityKind, String, Vec<String>)> = out
            .iter()
            .map(|e| {
                (
                    e.kind,
                    e.id.to_lowercase(),
                    e.all_names().map(|n| n.to_lowercase()).collect(),
                )
            })
            .collect();
        for b in builtin_entities() {
            let b_names: Vec<String> = b.all_names().map(|n| n.to_lowercase()).collect();
            let target = lower_names.iter().position(|(k, id, names)| {
                *k == b.kind
                    && (*id == b.id.to_lowercase() || names.iter().any(|n| b_names.contains(n)))
            });
            match target {
                Some(t) => {
                    let e = &mut out[t];
                    for n in b.names_en.iter().chain(std::iter::once(&b.name)) {
                        if !e.all_names().any(|x| x.eq_ignore_ascii_case(n)) {
                            e.names_en.push(n.clone());
                        }
                    }
                    for n in &b.names_zh {
                        if !e.names_zh.contains(n) {
                            e.names_zh.push(n.clone());
                        }
                    }
                    if e.parent.is_none() {
                        e.parent = b.parent.clone();
                    }
                    if e.country.is_none() {
                        e.country = b.country.clone();
                    }
                }
                None => out.push(b),
            }
        }
        Gazetteer::new(out)
    }

    /// All entities.
    pub fn entities(&self) -> &[Entity] {
        &self.entities
    }

    /// Entity by index.
    pub fn entity(&self, i: usize) -> &Entity {
        &self.entities[i]
    }

    /// Entity by kind and id.
    pub fn get(&self, kind: EntityKind, id: &str) -> Option<&Entity> {
        self.by_id
            .get(&(kind, id.to_string()))
            .map(|&i| &self.entities[i])
    }

    /// Entity by id of any kind (first match in kind order).
    pub fn get_any(&self, id: &str) -> Option<&Entity> {
        [
            EntityKind::Facility,
            EntityKind::Company,
            EntityKind::Country,
            EntityKind::Region,
            EntityKind::Material,
            EntityKind::Element,
        ]
        .iter()
        .find_map(|k| self.get(*k, id))
    }

    /// Facilities owned by `company`, optionally restricted to `country`.
    pub fn facilities_of(&self, company: &str, country: Option<&str>) -> Vec<&Entity> {
        self.entities
            .iter()
            .filter(|e| e.kind == EntityKind::Facility && e.company.as_deref() == Some(company))
            .filter(|e| country.is_none() || e.country.as_deref() == country)
            .collect()
    }

    /// True if the dataset contributed any entity of `kind`.
    pub fn has_dataset(&self, kind: EntityKind) -> bool {
        self.entities
            .iter()
            .any(|e| e.kind == kind && e.origin == Origin::Dataset)
    }

    /// Finds entity mentions: longest names first, no overlaps, whole words for Latin-script names.
    pub fn find(&self, text: &str) -> Vec<Mention> {
        self.matcher.find(text)
    }

    /// Counts of mentions per entity in a text (used to find a document's main country and material).
    pub fn counts(&self, text: &str) -> BTreeMap<usize, usize> {
        let mut m = BTreeMap::new();
        for x in self.find(text) {
            *m.entry(x.entity).or_insert(0) += 1;
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use matcher::tests::ids;

    #[test]
    fn merge_prefers_dataset_ids() {
        let mut soy = Entity::new("soybean", EntityKind::Material, "Soybean");
        soy.names_en.push("soybeans".into());
        let mut fac = Entity::new("lynas_seadrift", EntityKind::Facility, "Lynas Seadrift");
        fac.company = Some("lynas".into());
        fac.country = Some("US".into());
        let g = Gazetteer::merged(vec![soy, fac]);
        assert_eq!(ids(&g, "Chinese imports of 大豆"), vec!["CN", "soybean"]);
        assert_eq!(
            g.get(EntityKind::Material, "soybean").unwrap().origin,
            Origin::Dataset
        );
        assert!(g.get(EntityKind::Material, "soybeans").is_none());
        assert_eq!(g.facilities_of("lynas", Some("US")).len(), 1);
    }
}
