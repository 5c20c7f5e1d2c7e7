//! The sources section: every cited source of the dataset and the rows that cite it.

use crate::ctx::Ctx;
use crate::format::esc;
use crate::html::{section, table};
use lodestone_model::dataset::{Dataset, Source};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Source id → table → number of rows citing it.
type Citations = BTreeMap<String, BTreeMap<&'static str, usize>>;

/// The dataset's citations, by source and table.
fn citations(ds: &Dataset) -> Citations {
    let mut m: Citations = BTreeMap::new();
    let mut add = |t: &'static str, v: &Vec<String>| {
        for s in v {
            *m.entry(s.clone()).or_default().entry(t).or_default() += 1;
        }
    };
    ds.elements.iter().for_each(|x| add("elements", &x.source));
    ds.countries
        .iter()
        .for_each(|x| add("countries", &x.source));
    ds.companies
        .iter()
        .for_each(|x| add("companies", &x.source));
    for x in &ds.materials {
        add("materials", &x.source);
        add("compositions", &x.composition_source);
    }
    for p in &ds.processes {
        add("processes", &p.source);
        p.inputs
            .iter()
            .chain(&p.outputs)
            .for_each(|f| add("process_flows", &f.source));
    }
    for f in &ds.facilities {
        add("facilities", &f.source);
        f.steps.iter().for_each(|s| add("capacity", &s.source));
        f.season.iter().for_each(|s| add("seasons", &s.source));
    }
    ds.sectors.iter().for_each(|x| add("sectors", &x.source));
    ds.growth.iter().for_each(|x| add("growth", &x.source));
    ds.demand.iter().for_each(|x| add("demand", &x.source));
    ds.routes.iter().for_each(|x| add("routes", &x.source));
    ds.stocks.iter().for_each(|x| add("stocks", &x.source));
    ds.prices.iter().for_each(|x| add("prices", &x.source));
    ds.groups.iter().for_each(|x| add("groups", &x.source));
    ds.observations
        .iter()
        .for_each(|x| add("observations", &x.source));
    ds.pipeline.iter().for_each(|x| add("pipeline", &x.source));
    ds.governance
        .iter()
        .for_each(|x| add("governance", &x.source));
    m
}
/// The sources cited by the dataset's rows and the scenarios, primary first.
pub(super) fn sources_section(ctxs: &[&Ctx]) -> String {
    let ds = ctxs[ctxs.len() - 1].ds;
    let cited = cited(ctxs, ds);
    let kind_rank = |k: &str| match k {
        "primary" => 0,
        "secondary" => 1,
        "derived" => 2,
        "assumption" => 3,
        _ => 4,
    };
    let mut srcs: Vec<_> = ds
        .sources
        .iter()
        .filter(|s| cited.contains_key(&s.id))
        .collect();
    srcs.sort_by(|a, b| {
        kind_rank(&a.kind)
            .cmp(&kind_rank(&b.kind))
            .then(a.id.cmp(&b.id))
    });
    let rows_total: usize = cited.values().flat_map(|m| m.values()).sum();
    let n_assume = srcs.iter().filter(|s| s.kind == "assumption").count();
    let mut inner = format!(
        "<p>Every figure in this report is computed from rows of the dataset <b>{}</b>{}. These {} sources are cited {} times by those rows; {} of them are modelling assumptions, each with its plausible range in the note. Unresolved citations: none (the dataset is checked on load).</p>",
        esc(&ds.name),
        if ctxs.len() > 1 {
            " and the two scenarios' events"
        } else {
            " and the scenario's events"
        },
        srcs.len(),
        rows_total,
        n_assume
    );
    let rows: Vec<Vec<String>> = srcs.iter().map(|s| source_row(s, &cited)).collect();
    let mut t = table(
        &[
            "Id",
            "Kind",
            "Cited by (rows)",
            "Citation",
            "Note (method, range)",
        ],
        &rows,
        &[],
    );
    t = t.replacen("<tbody><tr><td>", "<tbody><tr><td class=\"id\">", 1);
    let _ = write!(
        inner,
        "<div class=\"src\">{}</div>",
        t.replace("</td></tr><tr><td>", "</td></tr><tr><td class=\"id\">")
    );
    section("sources", "Sources", &inner)
}

/// The dataset's citations, and those of the scenarios' events and metrics.
fn cited(ctxs: &[&Ctx], ds: &Dataset) -> Citations {
    let mut cited = citations(ds);
    let mut cite = |source: &Option<String>, table: &'static str| {
        if let Some(s) = source
            && ds.source(s).is_some()
        {
            *cited
                .entry(s.clone())
                .or_default()
                .entry(table)
                .or_default() += 1;
        }
    };
    for c in ctxs {
        for e in &c.info.events {
            cite(&e.source, "scenario events");
        }
        for pl in &c.r.metrics.platforms {
            cite(&pl.source, "scenario metrics");
        }
    }
    cited
}

/// A source's row: id (the target of links), kind, the tables citing it, citation with
/// date and link, note.
fn source_row(s: &Source, cited: &Citations) -> Vec<String> {
    let by = cited
        .get(&s.id)
        .map(|m| {
            m.iter()
                .map(|(t, n)| format!("{t} ×{n}"))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    let mut cit = esc(&s.citation);
    let when: Vec<&str> = [s.date.as_str(), s.vintage.as_str()]
        .into_iter()
        .filter(|x| !x.is_empty())
        .collect();
    if !when.is_empty() {
        let _ = write!(
            cit,
            " <span class=\"note\">({})</span>",
            esc(&when.join(", "))
        );
    }
    if s.url.starts_with("https://") || s.url.starts_with("http://") {
        let _ = write!(
            cit,
            "<br><a href=\"{}\" rel=\"noreferrer\">{}</a>",
            esc(&s.url),
            esc(&short_url(&s.url))
        );
    } else if !s.url.is_empty() {
        let _ = write!(cit, "<br><span class=\"note\">{}</span>", esc(&s.url));
    }
    vec![
        format!("<span id=\"src-{}\"></span>{}", esc(&s.id), esc(&s.id)),
        format!("<span class=\"kind {k}\">{k}</span>", k = esc(&s.kind)),
        esc(&by),
        cit,
        esc(&s.note),
    ]
}

/// A URL without its scheme, cut at 70 characters.
fn short_url(u: &str) -> String {
    let s = u
        .trim_start_matches("https://")
        .trim_start_matches("http://");
    if s.chars().count() > 70 {
        format!("{}…", s.chars().take(70).collect::<String>())
    } else {
        s.to_string()
    }
}
