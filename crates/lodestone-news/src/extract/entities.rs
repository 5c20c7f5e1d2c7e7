//! Gazetteer look-ups the extraction needs: an entity's reference, its country, a material's broadest parent.

use crate::claim::EntityRef;
use crate::gazetteer::{EntityKind, Gazetteer};

pub(super) fn root_material(gaz: &Gazetteer, idx: usize) -> usize {
    let mut cur = idx;
    for _ in 0..5 {
        let e = gaz.entity(cur);
        let Some(p) = &e.parent else { break };
        match gaz.entities().iter().position(|x| {
            &x.id == p && matches!(x.kind, EntityKind::Material | EntityKind::Element)
        }) {
            Some(i) => cur = i,
            None => break,
        }
    }
    cur
}

pub(super) fn eref(gaz: &Gazetteer, idx: usize) -> EntityRef {
    let e = gaz.entity(idx);
    EntityRef {
        id: e.id.clone(),
        kind: e.kind,
        name: e.name.clone(),
    }
}

pub(super) fn country_of(gaz: &Gazetteer, idx: usize) -> Option<usize> {
    let e = gaz.entity(idx);
    let c = e.country.as_ref()?;
    gaz.entities()
        .iter()
        .position(|x| x.kind == EntityKind::Country && &x.id == c)
}

/// Maps a region subject to its country id (identity for countries); used by checks and proposals.
pub fn subject_country(gaz: &Gazetteer, e: &EntityRef) -> Option<String> {
    match e.kind {
        EntityKind::Country => Some(e.id.clone()),
        _ => {
            let idx = gaz
                .entities()
                .iter()
                .position(|x| x.kind == e.kind && x.id == e.id)?;
            country_of(gaz, idx)
                .map(|c| gaz.entity(c).id.clone())
                .or_else(|| gaz.entity(idx).country.clone())
        }
    }
}
