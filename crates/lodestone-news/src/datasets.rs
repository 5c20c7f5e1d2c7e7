//! The news layer's view of datasets: a gazetteer of their entities and the figures that
//! claims are checked against (their observations), as one [`Context`].

use crate::context::ReferenceFact;
use crate::gazetteer::{Entity, EntityKind};
use crate::{Context, Metric, YearMonth};
use lodestone_model::Dataset;
use lodestone_model::dataset::ObsMetric;

fn citation(ds: &Dataset, ids: &[String]) -> (String, String) {
    let id = ids.first().cloned().unwrap_or_default();
    let cit = ds
        .source(&id)
        .map(|s| s.citation.clone())
        .unwrap_or_default();
    (id, format!("dataset `{}`: {cit}", ds.name))
}

fn add_dataset(ds: &Dataset, entities: &mut Vec<Entity>, facts: &mut Vec<ReferenceFact>) {
    let named = |id: &str, kind: EntityKind, name: &str| {
        let mut e = Entity::new(id, kind, name);
        e.names_en.push(name.to_string());
        e
    };
    for c in &ds.countries {
        if !entities.iter().any(|e| e.id == c.id) {
            entities.push(named(&c.id, EntityKind::Country, &c.name));
        }
    }
    for c in &ds.companies {
        let mut e = named(&c.id, EntityKind::Company, &c.name);
        e.country = Some(c.country.clone());
        entities.push(e);
    }
    for el in &ds.elements {
        if !entities.iter().any(|e| e.id == el.id) {
            entities.push(named(&el.id, EntityKind::Element, &el.name));
        }
    }
    for m in &ds.materials {
        entities.push(named(&m.id, EntityKind::Material, &m.name));
    }
    for f in &ds.facilities {
        let mut e = named(&f.id, EntityKind::Facility, &f.name);
        e.country = Some(f.country.clone());
        e.company = Some(f.company.clone());
        e.stage = Some(f.stage.as_str().to_string());
        let status = format!("{:?}", f.status).to_lowercase();
        e.status = Some(status.clone());
        entities.push(e);
        let (src, cit) = citation(ds, &f.source);
        facts.push(ReferenceFact::status(&f.id, &status, &src, &cit));
        facts.push(ReferenceFact::start(
            &f.id,
            YearMonth {
                year: f.start.year(),
                month: f.start.month() as u8,
            },
            &src,
            &cit,
        ));
    }
    for st in &ds.observations {
        // the news checks compare annual figures: calendar-year observations only
        let Ok(year) = st.period.label().parse::<i32>() else {
            continue;
        };
        let (src, cit) = citation(ds, &st.source);
        let stage = st.stage.map_or("", |s| s.as_str());
        let metric = match (st.metric, stage) {
            (ObsMetric::Production, _) => Metric::Production,
            (ObsMetric::Reserves, _) => Metric::Reserves,
            (ObsMetric::Imports, _) => Metric::Imports,
            (ObsMetric::Exports, _) => Metric::Exports,
            (ObsMetric::Share, "mining") => Metric::ShareMining,
            (ObsMetric::Share, "separation") => Metric::ShareSeparation,
            (ObsMetric::Share, "metal") => Metric::ShareMetal,
            (ObsMetric::Share, "magnet") => Metric::ShareMagnet,
            _ => continue,
        };
        let mut f =
            ReferenceFact::number(&st.country, metric, year, st.value, &st.unit, &src, &cit);
        if !st.partner.is_empty() {
            f = f.with_partner(&st.partner);
        }
        // a plain material only: selectors and groups name no material a claim can carry
        if ds.material(&st.material).is_some() {
            f = f.with_material(&st.material);
        }
        facts.push(f);
    }
}

/// The news context of some datasets (built-in aliases are merged in): what the CLI, the
/// server and the Python package build from every embedded dataset.
pub fn context_of(datasets: &[Dataset]) -> Context {
    let mut entities = Vec::new();
    let mut facts = Vec::new();
    for ds in datasets {
        add_dataset(ds, &mut entities, &mut facts);
    }
    Context::new(entities, facts)
}
