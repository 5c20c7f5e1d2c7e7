//! The sections of a report and their assembly into a page: question and answer, shares
//! by stage and element, flows, shortfall, prices, dependency, uncertainty, comparison,
//! the scenario's events, checks against observations, and the sources.

use crate::chart::{self, Band, BarRow, Fmt, Frame, Series};
use crate::colour;
use crate::ctx::Ctx;
use crate::derive::{self, CHAIN};
use crate::ensemble::{Ensemble, describe};
use crate::format::{amount, capitalise, esc, independence_years, pct, pp, tonnes_exact, usd};
use crate::html::{self, Charts, card, section, table, tabs};
use crate::narrative;
use crate::{Report, ReportError, Run, ScenarioInfo};
use lodestone_model::dataset::{Dataset, Stage};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// Countries drawn per stage before the rest is merged into "Other".
const TOP: usize = 7;

fn opt(v: Option<f64>) -> Option<f64> {
    v.filter(|x| x.is_finite())
}

/// The report of one run.
pub fn single(run: &Run<'_>, ens: Option<&Ensemble>) -> Result<Report, ReportError> {
    let c = Ctx::new(run)?;
    let mut charts = Charts::default();
    let mut body = String::new();
    body.push_str(&warnings(&c));
    body.push_str(&answer_section(&c, ens));
    body.push_str(&details(&c, &mut charts, ""));
    let mut toc = vec![
        ("answer", "Answer"),
        ("shares", "Shares"),
        ("elements", "Elements"),
        ("flows", "Flows"),
        ("trade", "Trade"),
        ("shortfall", "Shortfall"),
        ("prices", "Prices"),
    ];
    if !c.s.expansions.is_empty() {
        toc.push(("expansion", "Capacity"));
    }
    toc.push(("dependency", "Dependency"));
    if let Some(e) = ens {
        body.push_str(&uncertainty_section(&[&c], e, &mut charts));
        toc.push(("uncertainty", "Uncertainty"));
    }
    body.push_str(&scenario_section(&[c.info]));
    body.push_str(&checks_section(&[&c]));
    body.push_str(&sources_section(&[&c]));
    toc.extend([
        ("scenario", "Scenario"),
        ("checks", "Checks"),
        ("sources", "Sources"),
    ]);
    let title = format!("Lodestone report: {}", c.s.scenario);
    let html = html::page(&title, &meta(&c), &toc, &body);
    Ok(Report {
        title,
        file_stem: crate::format::slug(&c.s.scenario),
        html,
        charts: charts.list,
    })
}

/// The report comparing B with A.
pub fn comparison(a: &Run<'_>, b: &Run<'_>, ens: Option<&Ensemble>) -> Result<Report, ReportError> {
    let ca = Ctx::new(a)?;
    let cb = Ctx::new(b)?;
    let years: Vec<String> = ca
        .years
        .iter()
        .filter(|y| cb.years.contains(y))
        .cloned()
        .collect();
    if years.is_empty() {
        return Err(ReportError::NoCommonYears {
            a: ca.s.scenario.clone(),
            b: cb.s.scenario.clone(),
        });
    }
    let mut charts = Charts::default();
    let mut body = String::new();
    body.push_str(&warnings(&ca));
    body.push_str(&warnings(&cb));
    // question and answer: both scenarios, then the comparison in words
    let mut inner = String::new();
    for (tag, c) in [("A", &ca), ("B", &cb)] {
        let _ = write!(
            inner,
            "<h3>{tag} · {}</h3>{}",
            esc(&c.s.scenario),
            question_block(c.info)
        );
    }
    let _ = write!(
        inner,
        "<h3>What changes from A to B</h3><ul class=\"answer\">{}</ul>",
        narrative::compare(&ca, &cb, &years)
            .iter()
            .map(|s| format!("<li>{}</li>", esc(s)))
            .collect::<String>()
    );
    for (tag, c) in [("A", &ca), ("B", &cb)] {
        let _ = write!(
            inner,
            "<details><summary>{tag} · {} in words</summary><ul class=\"answer\">{}</ul></details>",
            esc(&c.s.scenario),
            narrative::answer(c)
                .iter()
                .map(|s| format!("<li>{}</li>", esc(s)))
                .collect::<String>()
        );
    }
    body.push_str(&section("answer", "Question and answer", &inner));
    body.push_str(&compare_section(&ca, &cb, &years, &mut charts));
    let da = details(&ca, &mut charts, "a-");
    let db = details(&cb, &mut charts, "b-");
    let _ = write!(
        body,
        "<section id=\"details\"><h2>Details of each run</h2><p class=\"note\">The sections of a single-scenario report, for B and for A.</p>{}</section>",
        tabs(&[
            (format!("B · {}", cb.s.scenario), db),
            (format!("A · {}", ca.s.scenario), da),
        ])
    );
    let mut toc = vec![
        ("answer", "Answer"),
        ("compare", "Comparison"),
        ("details", "Details"),
    ];
    if let Some(e) = ens {
        body.push_str(&uncertainty_section(&[&ca, &cb], e, &mut charts));
        toc.push(("uncertainty", "Uncertainty"));
    }
    body.push_str(&scenario_section(&[ca.info, cb.info]));
    body.push_str(&checks_section(&[&ca, &cb]));
    body.push_str(&sources_section(&[&ca, &cb]));
    toc.extend([
        ("scenario", "Scenarios"),
        ("checks", "Checks"),
        ("sources", "Sources"),
    ]);
    let title = format!("Lodestone report: {} vs {}", ca.s.scenario, cb.s.scenario);
    let meta = format!(
        "A = <b>{}</b> · B = <b>{}</b> · dataset <b>{}</b> · common years {}–{}",
        esc(&ca.s.scenario),
        esc(&cb.s.scenario),
        esc(&cb.s.dataset),
        years[0],
        years[years.len() - 1]
    );
    let html = html::page(&title, &meta, &toc, &body);
    Ok(Report {
        title,
        file_stem: format!(
            "{}-vs-{}",
            crate::format::slug(&ca.s.scenario),
            crate::format::slug(&cb.s.scenario)
        ),
        html,
        charts: charts.list,
    })
}

fn meta(c: &Ctx) -> String {
    format!(
        "Scenario <b>{}</b> · dataset <b>{}</b> ({} facilities, {} sources) · {} · {} periods · mass balance {}",
        esc(&c.s.scenario),
        esc(&c.s.dataset),
        c.ds.facilities.len(),
        c.ds.sources.len(),
        esc(&c.info.horizon),
        c.r.periods.len(),
        if c.s.balance.ok { "✓" } else { "✗" }
    )
}

fn warnings(c: &Ctx) -> String {
    let mut w = Vec::new();
    if !c.s.balance.ok {
        w.push(format!(
            "Mass balance is above tolerance in `{}` (largest error {:.3e} t): treat its numbers with caution.",
            c.s.scenario, c.s.balance.max_abs_error_t
        ));
    }
    let st = &c.s.stats;
    if st.failed_periods + st.approximate_periods > 0 {
        w.push(format!(
            "In `{}`, {} periods were solved only approximately and {} failed (see Checks).",
            c.s.scenario, st.approximate_periods, st.failed_periods
        ));
    }
    w.iter()
        .map(|s| format!("<div class=\"warn\">{}</div>", esc(s)))
        .collect()
}

fn question_block(info: &ScenarioInfo) -> String {
    let mut out = String::new();
    if !info.description.is_empty() {
        let _ = write!(out, "<p class=\"lead\">{}</p>", esc(&info.description));
    }
    if let Some(q) = &info.question {
        let _ = write!(out, "<blockquote><b>Question.</b> {}</blockquote>", esc(q));
    }
    if out.is_empty() {
        out.push_str("<p class=\"note\">The scenario file states no description and no question (a `# Question:` comment).</p>");
    }
    out
}

fn answer_section(c: &Ctx, ens: Option<&Ensemble>) -> String {
    let mut inner = question_block(c.info);
    let mut sentences = narrative::answer(c);
    if let Some(e) = ens
        && let Some(s) = narrative::ensemble(c, e)
    {
        sentences.push(s);
    }
    let _ = write!(
        inner,
        "<h3>Answer</h3><ul class=\"answer\">{}</ul>",
        sentences
            .iter()
            .map(|s| format!("<li>{}</li>", esc(s)))
            .collect::<String>()
    );
    inner.push_str(&cards(c));
    inner.push_str("<p class=\"note\">Every sentence and number above is computed from this run; the sections below show the series behind them and the sources of every input.</p>");
    section("answer", "Question and answer", &inner)
}

fn cards(c: &Ctx) -> String {
    let (y0, yl) = (c.first(), c.last());
    let sup = &c.s.supplier;
    let sname = c.name(sup);
    let sposs = crate::format::possessive(&sname);
    let mut out = String::from("<div class=\"cards\">");
    for st in c.stages() {
        if let Some(v) = c.share(y0, st, sup) {
            let detail = match c.share(yl, st, sup) {
                Some(w) if yl != y0 => format!("{y0}; {yl}: {} ({})", pct(w), pp(w - v)),
                _ => y0.to_string(),
            };
            out.push_str(&card(
                &format!("{sposs} share of {st} output"),
                &pct(v),
                &detail,
            ));
        }
    }
    let (d, s) = c.demand_short(yl);
    if d > 0.0 {
        out.push_str(&card(
            &format!("Unmet demand, {yl}"),
            &pct(s / d),
            &format!("{} t of {} t demanded", amount(s), amount(d)),
        ));
    }
    if let Some(m) = c.key_materials(1).first()
        && let Some(p) = c.price(yl, sup, m).or_else(|| {
            c.price_markets(m, 1)
                .first()
                .and_then(|mk| c.price(yl, mk, m))
        })
    {
        let market = if c.price(yl, sup, m).is_some() {
            sname.clone()
        } else {
            c.price_markets(m, 1)
                .first()
                .map_or(String::new(), |x| c.name(x))
        };
        out.push_str(&card(
            &format!("{}, {market}, {yl}", c.material(m)),
            &format!("{} USD/kg", usd(p)),
            "annual average price",
        ));
    }
    if let Some(e) = c.focus_entity()
        && let Some(v) = c.dependency(yl, &e, "magnet", "indirect")
    {
        out.push_str(&card(
            &format!("{} magnets: content separated in {sname}", c.name(&e)),
            &pct(v),
            &format!("{yl}, indirect dependency"),
        ));
    }
    out.push_str("</div>");
    out
}

/// The detail sections of one run; `p` prefixes their ids.
fn details(c: &Ctx, charts: &mut Charts, p: &str) -> String {
    let mut out = String::new();
    out.push_str(&shares_section(c, charts, p));
    out.push_str(&elements_section(c, charts, p));
    out.push_str(&flows_section(c, charts, p));
    out.push_str(&trade_section(c, charts, p));
    out.push_str(&shortfall_section(c, charts, p));
    out.push_str(&prices_section(c, charts, p));
    out.push_str(&expansion_section(c, p));
    out.push_str(&dependency_section(c, charts, p));
    out
}

/// Capacity committed in response to prices (`expansion` events), by stage and country;
/// nothing when the scenario has no such event.
fn expansion_section(c: &Ctx, p: &str) -> String {
    let d = &c.s.expansions;
    if d.is_empty() {
        return String::new();
    }
    // (stage, country) → (capacity per year, first decision, first online, decisions)
    let mut by: BTreeMap<(String, String), (f64, String, String, usize)> = BTreeMap::new();
    for e in d {
        let k = (e.stage.clone(), e.country.clone());
        let v = by
            .entry(k)
            .or_insert_with(|| (0.0, e.decided.clone(), e.online.clone(), 0));
        v.0 += e.capacity_per_year;
        v.2 = v.2.clone().min(e.online.clone());
        v.3 += 1;
    }
    let stage_rank = |s: &str| {
        ["mining", "separation", "metal", "magnet"]
            .iter()
            .position(|x| *x == s)
    };
    let mut keys: Vec<_> = by.keys().cloned().collect();
    keys.sort_by(|a, b| {
        stage_rank(&a.0)
            .cmp(&stage_rank(&b.0))
            .then(by[b].0.total_cmp(&by[a].0))
    });
    let rows: Vec<Vec<String>> = keys
        .iter()
        .map(|k| {
            let v = &by[k];
            vec![
                esc(&k.0),
                esc(&c.name(&k.1)),
                amount(v.0),
                v.3.to_string(),
                esc(&v.1),
                esc(&v.2),
            ]
        })
        .collect();
    let mut inner = table(
        &[
            "Stage",
            "Country",
            "Capacity added / yr",
            "Decisions",
            "First decided",
            "First online",
        ],
        &rows,
        &[2, 3],
    );
    inner.push_str("<p class=\"note\">Capacity committed by the scenario's <code>expansion</code> events: once a year, plants whose capacity earned a rent (the clearing's shadow price of their capacity) of at least the rule's multiple of their unit cost over the past 12 months add the rule's share of their capacity, online after the lead time. Capacity in the facility's unit (t REO per year for mining and separation, t metal, t magnet).</p>");
    section(
        &format!("{p}expansion"),
        "Capacity answering prices",
        &inner,
    )
}

fn country_series(c: &Ctx, stage: &str, values: &dyn Fn(&str, &str) -> f64) -> Vec<Series> {
    let top = c.top_countries(stage, TOP, 0.01);
    let mut series: Vec<Series> = top
        .iter()
        .map(|k| {
            Series::new(
                c.name(k),
                colour::country(k),
                c.years.iter().map(|y| Some(values(y, k))).collect(),
            )
        })
        .collect();
    let rest: Vec<Option<f64>> = c
        .years
        .iter()
        .map(|y| {
            let all: f64 =
                c.s.annual
                    .get(y)
                    .and_then(|a| a.production.get(stage))
                    .map_or(0.0, |m| {
                        m.iter()
                            .filter(|(k, _)| !top.contains(k))
                            .map(|(k, _)| values(y, k))
                            .sum()
                    });
            Some(all)
        })
        .collect();
    if rest.iter().flatten().any(|v| *v > 0.0) {
        series.push(Series::new("Other", colour::OTHER, rest));
    }
    series
}

fn shares_section(c: &Ctx, charts: &mut Charts, p: &str) -> String {
    let stages = c.stages();
    if stages.is_empty() {
        return section(
            &format!("{p}shares"),
            "Who produces: shares by stage",
            "<p class=\"note\">This dataset has no output at the chain stages (mining, separation, metal, magnet), so there are no shares by stage to show.</p>",
        );
    }
    let span = format!("{}–{}", c.first(), c.last());
    let mut share_figs = String::from("<div class=\"grid2\">");
    let mut tonne_figs = String::from("<div class=\"grid2\">");
    for st in &stages {
        let unit = c.stage_unit(st);
        let prod = |y: &str, k: &str| {
            c.s.annual
                .get(y)
                .and_then(|a| a.production.get(*st))
                .and_then(|m| m.get(k))
                .copied()
                .unwrap_or(0.0)
        };
        let series = country_series(c, st, &prod);
        let title = format!("{} output by country", capitalise(st));
        let f = Frame::new(&title, "% of world output", Fmt::Percent)
            .subtitle(format!("Share of annual output, {span} (by {unit})"));
        share_figs.push_str(&charts.figure(
            &format!("{p}shares-{st}"),
            &title,
            chart::stacked_area(&f, &c.xs, &series, true),
            "",
        ));
        let f = Frame::new(&title, format!("output, {unit}/yr"), Fmt::Number)
            .subtitle(format!("Annual output, {span}"));
        tonne_figs.push_str(&charts.figure(
            &format!("{p}output-{st}"),
            &format!("{title} (t)"),
            chart::stacked_area(&f, &c.xs, &series, false),
            "",
        ));
    }
    share_figs.push_str("</div>");
    tonne_figs.push_str("</div>");
    let mut inner = tabs(&[
        ("Share of output (%)".into(), share_figs),
        ("Output (t)".into(), tonne_figs),
    ]);
    // table: shares in the first and last years
    let (y0, yl) = (c.first(), c.last());
    let fmt_top = |y: &str, st: &str| -> String {
        let Some(m) = c.s.annual.get(y).and_then(|a| a.shares.get(st)) else {
            return "–".into();
        };
        let mut v: Vec<(&String, &f64)> = m.iter().filter(|(_, x)| **x >= 0.0005).collect();
        v.sort_by(|a, b| b.1.total_cmp(a.1).then(a.0.cmp(b.0)));
        v.iter()
            .take(4)
            .map(|(k, x)| format!("{} {}", esc(&c.name(k)), pct(**x)))
            .collect::<Vec<_>>()
            .join(" · ")
    };
    let rows: Vec<Vec<String>> = stages
        .iter()
        .map(|st| {
            vec![
                esc(&capitalise(st)),
                format!(
                    "{} {}",
                    tonnes_exact(c.stage_total(y0, st)),
                    c.stage_unit(st)
                ),
                fmt_top(y0, st),
                format!(
                    "{} {}",
                    tonnes_exact(c.stage_total(yl, st)),
                    c.stage_unit(st)
                ),
                fmt_top(yl, st),
            ]
        })
        .collect();
    let h0 = format!("World output {y0}");
    let h1 = format!("Largest shares {y0}");
    let h2 = format!("World output {yl}");
    let h3 = format!("Largest shares {yl}");
    inner.push_str(&table(&["Stage", &h0, &h1, &h2, &h3], &rows, &[1, 3]));
    inner.push_str("<p class=\"note\">Output by the country of each facility. Shares are of each stage's tonnage: mining and separation in t REO (rare earth oxide equivalent), metal in t of metal, magnets in t of magnet. Inputs: facilities.csv, capacity.csv, processes and process flows, demand and routes (see Sources).</p>");
    section(
        &format!("{p}shares"),
        "Who produces: shares by stage",
        &inner,
    )
}

fn elements_section(c: &Ctx, charts: &mut Charts, p: &str) -> String {
    let id = format!("{p}elements");
    let title = "Shares by element";
    if !c.d.has_content {
        return section(
            &id,
            title,
            "<p class=\"note\">Not derivable for this dataset: it has no compositions (compositions.csv), so output cannot be split by element.</p>",
        );
    }
    let mut years = vec![c.first().to_string()];
    if let Some(y) = c.years.iter().find(|y| y.as_str() == "2030")
        && !years.contains(y)
    {
        years.push(y.clone());
    }
    if !years.iter().any(|y| y == c.last()) {
        years.push(c.last().to_string());
    }
    let mut panels = Vec::new();
    for y in &years {
        let Some(out) = c.d.output.get(y) else {
            continue;
        };
        let mut rows: Vec<BarRow> = Vec::new();
        let mut used: Vec<String> = Vec::new();
        for st in [
            Stage::Mining,
            Stage::Separation,
            Stage::Metal,
            Stage::Magnet,
        ] {
            let (by, unit) = derive::element_output(c.ds, out, st);
            let stage_total: f64 = by.values().flat_map(|m| m.values()).sum();
            if stage_total <= 0.0 {
                continue;
            }
            let top = c.top_countries(st.as_str(), TOP, 0.01);
            rows.push(BarRow {
                label: format!("{} ({unit})", capitalise(st.as_str())),
                long_label: String::new(),
                segments: vec![],
                total: String::new(),
                group: true,
            });
            for e in &c.ds.elements {
                let Some(m) = by.get(&e.id) else { continue };
                let tot: f64 = m.values().sum();
                if tot < 0.001 * stage_total || tot < 0.5 {
                    continue;
                }
                let mut segs: Vec<(String, String, f64)> = Vec::new();
                for k in &top {
                    let v = m.get(k).copied().unwrap_or(0.0);
                    if v > 0.0 {
                        segs.push((c.name(k), colour::country(k), v));
                        if !used.contains(k) {
                            used.push(k.clone());
                        }
                    }
                }
                let rest: f64 = m
                    .iter()
                    .filter(|(k, _)| !top.contains(k))
                    .map(|(_, v)| v)
                    .sum();
                if rest > 0.0 {
                    segs.push(("Other".into(), colour::OTHER.into(), rest));
                    if !used.iter().any(|u| u == "other") {
                        used.push("other".into());
                    }
                }
                rows.push(BarRow {
                    label: e.id.clone(),
                    long_label: format!("{} ({})", e.name, st.as_str()),
                    segments: segs,
                    total: format!("{} {unit}", amount(tot)),
                    group: false,
                });
            }
        }
        if rows.is_empty() {
            continue;
        }
        let mut keys: Vec<(String, String)> = used
            .iter()
            .filter(|k| k.as_str() != "other")
            .map(|k| (c.name(k), colour::country(k)))
            .collect();
        if used.iter().any(|k| k == "other") {
            keys.push(("Other".into(), colour::OTHER.into()));
        }
        let t = format!("Output by element and country, {}", c.year_label(y));
        let f = Frame::new(&t, "", Fmt::Percent)
            .subtitle("Share of each element's output at each stage, by facility country")
            .size(1100.0, 300.0);
        let fig = charts.figure(
            &format!("{p}elements-{y}"),
            &t,
            chart::hbars(&f, &rows, &keys),
            "",
        );
        panels.push((y.clone(), fig));
    }
    if panels.is_empty() {
        return section(
            &id,
            title,
            "<p class=\"note\">No element output in this run.</p>",
        );
    }
    let mut inner = tabs(&panels);
    inner.push_str("<p class=\"note\">Each stage's output of every material × that material's element composition (compositions.csv: fractions of REO for concentrates and oxides, of element mass for metals and magnets). Elements below 0.1% of a stage's output are left out. Concentrate compositions are assumptions or averages (see their sources below).</p>");
    section(&id, title, &inner)
}

fn trade_section(c: &Ctx, charts: &mut Charts, p: &str) -> String {
    let id = format!("{p}trade");
    let title = "Trade: who ships to whom";
    let pairs = c.key_imports(4);
    if pairs.is_empty() {
        return section(
            &id,
            title,
            "<p class=\"note\">No trade between markets in this run.</p>",
        );
    }
    let span = format!("{}–{}", c.first(), c.last());
    let mut inner = String::from("<div class=\"grid2\">");
    for (importer, material) in &pairs {
        let mut origins: BTreeMap<String, f64> = BTreeMap::new();
        for y in &c.years {
            for (k, t) in c.imports_by_origin(y, importer, material) {
                *origins.entry(k).or_default() += t;
            }
        }
        let mut ranked: Vec<(String, f64)> = origins.into_iter().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let all: f64 = ranked.iter().map(|(_, v)| v).sum();
        let top: Vec<String> = ranked
            .iter()
            .filter(|(_, v)| *v >= 0.01 * all)
            .take(TOP)
            .map(|(k, _)| k.clone())
            .collect();
        let mut series: Vec<Series> = top
            .iter()
            .map(|k| {
                Series::new(
                    c.name(k),
                    colour::country(k),
                    c.years
                        .iter()
                        .map(|y| c.imports_by_origin(y, importer, material).get(k).copied())
                        .collect(),
                )
            })
            .collect();
        let rest: Vec<Option<f64>> = c
            .years
            .iter()
            .map(|y| {
                Some(
                    c.imports_by_origin(y, importer, material)
                        .iter()
                        .filter(|(k, _)| !top.contains(k))
                        .map(|(_, v)| v)
                        .sum(),
                )
            })
            .collect();
        if rest.iter().flatten().any(|v| *v > 0.0) {
            series.push(Series::new("Other", colour::OTHER, rest));
        }
        let t = format!(
            "{} imports of {}",
            crate::format::possessive(&c.name(importer)),
            c.material(material)
        );
        inner.push_str(
            &charts.figure(
                &format!("{p}imports-{importer}-{material}"),
                &t,
                chart::stacked_area(
                    &Frame::new(&t, "imports, t/yr", Fmt::Number)
                        .subtitle(format!("By origin market, {span}")),
                    &c.xs,
                    &series,
                    false,
                ),
                "",
            ),
        );
    }
    inner.push_str("</div><p class=\"note\">The import flows with the largest value over the run (tonnes × average price), by exporting market, in tonnes of the traded material per year. Routes and their costs: routes.csv; tariffs and controls: the scenario's events.</p>");
    section(&id, title, &inner)
}

fn flows_section(c: &Ctx, charts: &mut Charts, p: &str) -> String {
    let id = format!("{p}flows");
    let title = "Flows: mine → separation → metal → magnet → end use";
    let mut years = vec![c.first().to_string()];
    if let Some(y) = c.years.iter().find(|y| y.as_str() == "2030")
        && !years.contains(y)
    {
        years.push(y.clone());
    }
    if !years.iter().any(|y| y == c.last()) {
        years.push(c.last().to_string());
    }
    let unit = if c.d.has_content { "t RE content" } else { "t" };
    let name = |k: &str| c.name(k);
    let mut panels = Vec::new();
    for y in &years {
        let Some(fl) = c.d.flows.get(y) else { continue };
        if fl.links.is_empty() {
            continue;
        }
        let t = format!("Flows of rare earth content, {}", c.year_label(y));
        let svg = crate::sankey::sankey(
            &t,
            &format!(
                "Width = tonnes of rare earth content ({unit}) moving between stages by country; end use by consuming country"
            ),
            fl,
            &name,
            unit,
        );
        let mut cap = String::new();
        if fl.recycled > 0.5 {
            let _ = write!(
                cap,
                "{} t of content recycled from scrap back into earlier stages is not drawn. ",
                amount(fl.recycled)
            );
        }
        panels.push((
            y.clone(),
            charts.figure(&format!("{p}flows-{y}"), &t, svg, &esc(&cap)),
        ));
    }
    if panels.is_empty() {
        return section(
            &id,
            title,
            "<p class=\"note\">No flows between chain stages in this run (the dataset has no mining, separation, metal or magnet processes).</p>",
        );
    }
    let mut inner = tabs(&panels);
    inner.push_str("<p class=\"note\">Traced from the run: every plant's input and every demand is attributed to the stage and country that last processed it, by proportional mixing at each market (through intermediate products such as mixed carbonate and through trade). Widths are element mass from the dataset's compositions, so a magnet counts for its rare earth content only. Countries below 1.5% of a column are merged into Other. Flows into and out of stocks within the year are not drawn; surplus is material producers could not sell (mostly La and Ce).</p>");
    section(&id, title, &inner)
}

fn shortfall_section(c: &Ctx, charts: &mut Charts, p: &str) -> String {
    let id = format!("{p}shortfall");
    let sectors = c.sectors();
    if sectors.is_empty() {
        return section(
            &id,
            "Demand and shortfall",
            "<p class=\"note\">No demand in this run.</p>",
        );
    }
    let span = format!("{}–{}", c.first(), c.last());
    let sector_colour: BTreeMap<String, String> =
        c.ds.sectors
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.clone(), colour::palette(i)))
            .collect();
    let scol = |s: &str| {
        sector_colour
            .get(s)
            .cloned()
            .unwrap_or_else(|| colour::OTHER.into())
    };
    let demand: Vec<Series> = sectors
        .iter()
        .map(|s| {
            Series::new(
                c.sector(s),
                scol(s),
                c.years
                    .iter()
                    .map(|y| c.by_sector(y).get(s).map(|x| x.1))
                    .collect(),
            )
        })
        .collect();
    let short: Vec<Series> = sectors
        .iter()
        .map(|s| {
            Series::new(
                c.sector(s),
                scol(s),
                c.years
                    .iter()
                    .map(|y| c.by_sector(y).get(s).map(|x| x.0))
                    .collect(),
            )
        })
        .filter(|s| s.values.iter().flatten().any(|v| *v >= 0.5))
        .collect();
    let countries: Vec<String> = c.demand_countries().into_iter().take(8).collect();
    let by_country: Vec<Series> = countries
        .iter()
        .map(|k| {
            Series::new(
                c.name(k),
                colour::country(k),
                c.years
                    .iter()
                    .map(|y| {
                        let a = c.s.annual.get(y)?;
                        let d: f64 = a.demand.get(k)?.values().sum();
                        let s: f64 = a.shortfall.get(k).map_or(0.0, |m| m.values().sum());
                        (d > 0.0).then_some(s / d)
                    })
                    .collect(),
            )
        })
        .collect();
    let mut inner = String::from("<div class=\"grid2\">");
    let t = "Demand by sector";
    inner.push_str(
        &charts.figure(
            &format!("{p}demand-sectors"),
            t,
            chart::stacked_area(
                &Frame::new(t, "demand, t of product/yr", Fmt::Number)
                    .subtitle(format!("World, {span}")),
                &c.xs,
                &demand,
                false,
            ),
            "",
        ),
    );
    let t = "Unmet demand by sector";
    if short.is_empty() {
        let _ = write!(
            inner,
            "<div><h3>{t}</h3><p>None: every sector's demand is met in every year {span} (unmet demand below 0.5 t in each sector).</p></div>"
        );
    } else {
        inner.push_str(
            &charts.figure(
                &format!("{p}shortfall-sectors"),
                t,
                chart::line_chart(
                    &Frame::new(t, "unmet demand, t/yr", Fmt::Number)
                        .subtitle(format!("World, {span}; sectors with any shortfall")),
                    &c.xs,
                    &short,
                ),
                "",
            ),
        );
    }
    let t = "Unmet share of demand by country";
    inner.push_str(
        &charts.figure(
            &format!("{p}shortfall-countries"),
            t,
            chart::line_chart(
                &Frame::new(t, "% of the country's demand", Fmt::Percent)
                    .subtitle(format!("Largest demand markets, {span}")),
                &c.xs,
                &by_country,
            ),
            "",
        ),
    );
    inner.push_str("</div>");
    // table: shortfall by sector in a few years
    let mut ys = vec![c.first().to_string()];
    for y in ["2027", "2030"] {
        if c.years.iter().any(|x| x == y) && !ys.iter().any(|x| x == y) {
            ys.push(y.into());
        }
    }
    if !ys.iter().any(|x| x == c.last()) {
        ys.push(c.last().into());
    }
    let mut head: Vec<String> = vec!["Sector".into()];
    head.extend(ys.iter().map(|y| format!("{y}: unmet t (share)")));
    let rows: Vec<Vec<String>> = sectors
        .iter()
        .map(|s| {
            let mut r = vec![esc(&c.sector(s))];
            for y in &ys {
                let (sh, d) = c.by_sector(y).get(s).copied().unwrap_or((0.0, 0.0));
                r.push(if d > 0.0 {
                    format!("{} ({})", tonnes_exact(sh), pct(sh / d))
                } else {
                    "–".into()
                });
            }
            r
        })
        .collect();
    let head_ref: Vec<&str> = head.iter().map(String::as_str).collect();
    let numeric: Vec<usize> = (1..head.len()).collect();
    inner.push_str(&table(&head_ref, &rows, &numeric));
    inner.push_str("<p class=\"note\">Demand in tonnes of the product each sector buys (magnets, oxides, metals), grown by the dataset's growth paths (demand.csv, growth.csv). A sector goes short when the market price exceeds its willingness to pay (sectors.csv: priority, WTP multiple, elasticity).</p>");
    section(&id, "Demand and shortfall", &inner)
}

fn prices_section(c: &Ctx, charts: &mut Charts, p: &str) -> String {
    let id = format!("{p}prices");
    let mats = c.key_materials(6);
    if mats.is_empty() {
        return section(
            &id,
            "Prices",
            "<p class=\"note\">No prices in this run.</p>",
        );
    }
    let span = format!("{}–{}", c.first(), c.last());
    let mut inner = String::from("<div class=\"grid2\">");
    for m in &mats {
        let mut series: Vec<Series> = c
            .price_markets(m, 5)
            .iter()
            .map(|k| {
                Series::new(
                    c.name(k),
                    colour::country(k),
                    c.years.iter().map(|y| opt(c.price(y, k, m))).collect(),
                )
            })
            .collect();
        series = chart::merge_identical(series, 0.005);
        // observed prices from the dataset, by region
        let mut regions: BTreeSet<&str> = BTreeSet::new();
        for o in c.ds.prices.iter().filter(|o| &o.material == m) {
            if c.xs.contains(&o.year) {
                regions.insert(&o.region);
            }
        }
        for r in regions {
            series.push(
                Series::new(
                    format!("observed ({r})"),
                    "#444",
                    c.xs.iter()
                        .map(|y| {
                            c.ds.prices
                                .iter()
                                .find(|o| &o.material == m && o.region == r && o.year == *y)
                                .map(|o| o.value)
                        })
                        .collect(),
                )
                .observed(),
            );
        }
        let t = format!("Price of {}", c.material(m));
        inner.push_str(
            &charts.figure(
                &format!("{p}price-{m}"),
                &t,
                chart::line_chart(
                    &Frame::new(&t, "USD/kg", Fmt::Usd)
                        .subtitle(format!("Annual average by market, {span}")),
                    &c.xs,
                    &series,
                ),
                "",
            ),
        );
    }
    inner.push_str("</div><p class=\"note\">The materials with the largest output value over the run. Prices are the market-clearing prices of each period (duals of the market balances, USD/kg), averaged over the year where the material changed hands. Observed prices (prices.csv) are drawn dashed where the dataset has them. A price at or below zero marks a joint product in surplus, stockpiled or discarded at a cost (the price is minus that cost): the clearing does not value stock at a future price.</p>");
    section(&id, "Prices", &inner)
}

fn dependency_section(c: &Ctx, charts: &mut Charts, p: &str) -> String {
    let id = format!("{p}dependency");
    let title = "Who depends on whom";
    let sup = c.s.supplier.clone();
    let sname = c.name(&sup);
    let first = &c.s.annual[c.first()];
    if first.dependency.is_empty() && c.s.time_to_independence.is_empty() {
        return section(
            &id,
            title,
            "<p class=\"note\">This run computes no dependency metrics.</p>",
        );
    }
    let span = format!("{}–{}", c.first(), c.last());
    let mut entities: Vec<String> =
        c.r.metrics
            .countries
            .iter()
            .filter(|e| first.dependency.contains_key(*e))
            .cloned()
            .collect();
    if entities.is_empty() {
        entities = c
            .demand_countries()
            .into_iter()
            .filter(|e| *e != sup && first.dependency.contains_key(e))
            .collect();
    }
    entities.truncate(4);
    let mut inner = String::from("<div class=\"grid2\">");
    for e in &entities {
        let mut series = Vec::new();
        for st in ["separation", "metal", "magnet"] {
            if c.years
                .iter()
                .all(|y| c.dependency(y, e, st, "indirect").is_none())
            {
                continue;
            }
            series.push(Series::new(
                format!("{st} · indirect"),
                colour::stage(st),
                c.years
                    .iter()
                    .map(|y| c.dependency(y, e, st, "indirect"))
                    .collect(),
            ));
            series.push(
                Series::new(
                    format!("{st} · direct"),
                    colour::stage(st),
                    c.years
                        .iter()
                        .map(|y| c.dependency(y, e, st, "direct"))
                        .collect(),
                )
                .dashed(),
            );
        }
        let t = format!("{}: dependency on {sname}", c.name(e));
        inner.push_str(
            &charts.figure(
                &format!("{p}dependency-{e}"),
                &t,
                chart::line_chart(
                    &Frame::new(&t, "% of supply at the stage", Fmt::Percent)
                        .subtitle(format!("By stage, {span}")),
                    &c.xs,
                    &series,
                ),
                "",
            ),
        );
    }
    let blocs: Vec<String> = c.s.time_to_independence.keys().cloned().collect();
    for st in ["magnet", "separation"] {
        let series: Vec<Series> = blocs
            .iter()
            .enumerate()
            .filter_map(|(i, b)| {
                let v: Vec<Option<f64>> = c
                    .years
                    .iter()
                    .map(|y| {
                        c.s.annual
                            .get(y)
                            .and_then(|a| a.independence.get(b))
                            .and_then(|m| m.get(st))
                            .copied()
                    })
                    .collect();
                v.iter()
                    .any(|x| x.is_some())
                    .then(|| Series::new(c.name(b), colour::palette(i + 2), v))
            })
            .collect();
        if series.is_empty() {
            continue;
        }
        let t = format!("Independence from {sname}: {st} stage");
        inner.push_str(&charts.figure(
            &format!("{p}independence-{st}"),
            &t,
            chart::line_chart(
                &Frame::new(&t, "% of the bloc's demand", Fmt::Percent).subtitle(format!(
                    "Met by the bloc's own plants without {sname}-origin material, {span}"
                )),
                &c.xs,
                &series,
            ),
            "",
        ));
    }
    inner.push_str("</div>");
    if !c.s.time_to_independence.is_empty() {
        let rows: Vec<Vec<String>> =
            c.s.time_to_independence
                .iter()
                .map(|(b, stages)| {
                    let mut r = vec![esc(&c.name(b))];
                    for st in CHAIN {
                        r.push(stages.get(st).map_or("–".into(), independence_years));
                    }
                    r
                })
                .collect();
        let _ = write!(
            inner,
            "<h3>Time to independence from {}</h3><p class=\"note\">First year a bloc's own plants meet 50 / 80 / 100% of its demand at each stage without {}-origin material (\"never\" = not within {span}).</p>",
            esc(&sname),
            esc(&sname)
        );
        inner.push_str(&table(
            &["Bloc", "Mining", "Separation", "Metal", "Magnet"],
            &rows,
            &[],
        ));
    }
    let _ = write!(
        inner,
        "<p class=\"note\">Direct dependency: share of a country's supply at a stage imported from {s}. Indirect: share of the rare earth content separated in {s}, wherever the product was made (origin traced through production, trade and stocks).</p>",
        s = esc(&sname)
    );
    section(&id, title, &inner)
}

fn uncertainty_section(ctxs: &[&Ctx], e: &Ensemble, charts: &mut Charts) -> String {
    let c = ctxs
        .iter()
        .find(|c| c.s.scenario == e.scenario)
        .copied()
        .unwrap_or(ctxs[ctxs.len() - 1]);
    let same = c.s.scenario == e.scenario;
    let years: Vec<String> = e.annual.keys().cloned().collect();
    let xs: Vec<i32> = years.iter().map(|y| y.parse().unwrap_or(0)).collect();
    let name = |k: &str| c.name(k);
    let mat = |k: &str| c.material(k);
    let sec = |k: &str| c.sector(k);
    let mut inner = format!(
        "<p>Ensemble of scenario <b>{}</b>: {} runs, master seed {}. Bands show the 10th to 90th percentile of each metric across runs, the line the median{}.</p>",
        esc(&e.scenario),
        e.runs,
        e.seed,
        if same {
            "; the dashed line is the single run of this report"
        } else {
            ""
        }
    );
    inner.push_str("<div class=\"grid2\">");
    let paths = e.key_paths(&c.s.supplier, 8);
    for (i, path) in paths.iter().enumerate() {
        let (t, y_label, fmt) = describe(path, &name, &mat, &sec);
        let band = Band {
            p10: years
                .iter()
                .map(|y| e.get(y, path).map(|q| q.p10))
                .collect(),
            p50: years
                .iter()
                .map(|y| e.get(y, path).map(|q| q.p50))
                .collect(),
            p90: years
                .iter()
                .map(|y| e.get(y, path).map(|q| q.p90))
                .collect(),
            colour: colour::palette(i),
        };
        let single = same.then(|| {
            Series::new(
                "single run",
                "#222",
                years.iter().map(|y| c.path_value(y, path)).collect(),
            )
        });
        inner.push_str(
            &charts.figure(
                &format!("fan-{path}"),
                &t,
                chart::fan_chart(
                    &Frame::new(&t, y_label, fmt)
                        .subtitle(format!("P10–P90 over {} runs · {path}", e.runs)),
                    &xs,
                    &band,
                    single
                        .as_ref()
                        .filter(|s| s.values.iter().any(Option::is_some)),
                ),
                "",
            ),
        );
    }
    inner.push_str("</div>");
    if paths.is_empty() {
        inner.push_str("<p class=\"note\">The ensemble file holds none of the key metrics (shares, independence, dependency, shortfall, prices).</p>");
    }
    if !e.probabilities.is_empty() {
        let rows: Vec<Vec<String>> = e
            .probabilities
            .iter()
            .map(|p| vec![esc(&p.statement), pct(p.probability)])
            .collect();
        inner.push_str("<h3>Probabilities</h3>");
        inner.push_str(&table(
            &["Statement", "Share of runs where it holds"],
            &rows,
            &[1],
        ));
    }
    section("uncertainty", "Uncertainty (ensemble)", &inner)
}

fn compare_section(a: &Ctx, b: &Ctx, years: &[String], charts: &mut Charts) -> String {
    let xs: Vec<i32> = years.iter().map(|y| y.parse().unwrap_or(0)).collect();
    let span = format!("{}–{}", years[0], years[years.len() - 1]);
    let sup = b.s.supplier.clone();
    let sname = b.name(&sup);
    let sposs = crate::format::possessive(&sname);
    // years shown: where unmet demand differs most, 2030, and the last year
    let peak = years
        .iter()
        .max_by(|x, y| {
            let d = |yy: &str| (b.demand_short(yy).1 - a.demand_short(yy).1).abs();
            d(x).total_cmp(&d(y)).then(y.cmp(x))
        })
        .cloned()
        .unwrap_or_else(|| years[0].clone());
    let mut pick: Vec<String> = vec![peak];
    for y in ["2030", years[years.len() - 1].as_str()] {
        if years.iter().any(|x| x == y) && !pick.iter().any(|x| x == y) {
            pick.push(y.into());
        }
    }
    if pick.len() < 2 && !pick.contains(&years[0]) {
        pick.push(years[0].clone());
    }
    pick.sort();
    // key numbers
    type Getter<'g> = Box<dyn Fn(&Ctx, &str) -> Option<f64> + 'g>;
    let mut metrics: Vec<(String, Fmt, Getter)> = Vec::new();
    for st in b.stages() {
        let s2 = sup.clone();
        metrics.push((
            format!("{sposs} share of {st} output"),
            Fmt::Percent,
            Box::new(move |c: &Ctx, y: &str| c.share(y, st, &s2)),
        ));
    }
    for st in b.stages() {
        metrics.push((
            format!("World {st} output ({})", b.stage_unit(st)),
            Fmt::Number,
            Box::new(move |c: &Ctx, y: &str| Some(c.stage_total(y, st))),
        ));
    }
    metrics.push((
        "Unmet demand (t of product)".into(),
        Fmt::Number,
        Box::new(|c: &Ctx, y: &str| Some(c.demand_short(y).1)),
    ));
    metrics.push((
        "Unmet share of demand".into(),
        Fmt::Percent,
        Box::new(|c: &Ctx, y: &str| {
            let (d, s) = c.demand_short(y);
            (d > 0.0).then_some(s / d)
        }),
    ));
    let mats = b.key_materials(3);
    for m in &mats {
        for k in b.price_markets(m, 2) {
            let (m2, k2) = (m.clone(), k.clone());
            metrics.push((
                format!("Price of {} in {} (USD/kg)", b.material(m), b.name(&k)),
                Fmt::Usd,
                Box::new(move |c: &Ctx, y: &str| c.price(y, &k2, &m2)),
            ));
        }
    }
    if let Some(e) = b.focus_entity() {
        for st in ["magnet", "separation"] {
            let e2 = e.clone();
            metrics.push((
                format!("{}: {st} content separated in {sname}", b.name(&e)),
                Fmt::Percent,
                Box::new(move |c: &Ctx, y: &str| c.dependency(y, &e2, st, "indirect")),
            ));
        }
    }
    let show = |f: Fmt, v: Option<f64>| match (f, v) {
        (_, None) => "–".to_string(),
        (Fmt::Percent, Some(x)) => pct(x),
        (Fmt::Number, Some(x)) => tonnes_exact(x),
        (Fmt::Usd, Some(x)) => usd(x),
    };
    let diff = |f: Fmt, a: Option<f64>, b: Option<f64>| match (f, a, b) {
        (Fmt::Percent, Some(x), Some(z)) => pp(z - x),
        (Fmt::Number, Some(x), Some(z)) => crate::format::signed_amount(z - x),
        (Fmt::Usd, Some(x), Some(z)) if x >= 1.0 => {
            format!("{:+.0}%", (z - x) / x * 100.0)
        }
        (Fmt::Usd, Some(x), Some(z)) => format!("{}{}", if z >= x { "+" } else { "" }, usd(z - x)),
        _ => "–".into(),
    };
    let mut head: Vec<String> = vec!["Metric".into()];
    for y in &pick {
        head.extend([format!("{y} A"), format!("{y} B"), format!("{y} B−A")]);
    }
    let rows: Vec<Vec<String>> = metrics
        .iter()
        .map(|(label, f, g)| {
            let mut r = vec![esc(label)];
            for y in &pick {
                let (x, z) = (g(a, y), g(b, y));
                r.push(show(*f, x));
                r.push(show(*f, z));
                r.push(format!("<b>{}</b>", diff(*f, x, z)));
            }
            r
        })
        .collect();
    let head_ref: Vec<&str> = head.iter().map(String::as_str).collect();
    let numeric: Vec<usize> = (1..head.len()).collect();
    let mut inner = format!(
        "<p>A = <b>{}</b>, B = <b>{}</b>. Differences are B − A (percentage points for shares, tonnes for quantities, per cent for prices, or USD/kg where A's price is below 1 USD/kg). In the charts A is dashed and B solid.</p>",
        esc(&a.s.scenario),
        esc(&b.s.scenario)
    );
    let _ = write!(
        inner,
        "<div class=\"cmp\">{}</div>",
        table(&head_ref, &rows, &numeric)
    );
    inner.push_str("<div class=\"grid2\">");
    let val = |c: &Ctx, f: &dyn Fn(&Ctx, &str) -> Option<f64>| -> Vec<Option<f64>> {
        years.iter().map(|y| f(c, y)).collect()
    };
    // shares by stage
    let mut s = Vec::new();
    for st in b.stages() {
        let g = |c: &Ctx, y: &str| c.share(y, st, &sup);
        s.push(Series::new(format!("{st} · A"), colour::stage(st), val(a, &g)).dashed());
        s.push(Series::new(
            format!("{st} · B"),
            colour::stage(st),
            val(b, &g),
        ));
    }
    let t = format!("{sposs} share of output by stage");
    inner.push_str(
        &charts.figure(
            "compare-shares",
            &t,
            chart::line_chart(
                &Frame::new(&t, "% of world output", Fmt::Percent)
                    .subtitle(format!("A dashed, B solid, {span}")),
                &xs,
                &s,
            ),
            "",
        ),
    );
    // unmet demand
    let g = |c: &Ctx, y: &str| Some(c.demand_short(y).1);
    let mut s = vec![
        Series::new("all sectors · A", "#444", val(a, &g)).dashed(),
        Series::new("all sectors · B", "#444", val(b, &g)),
    ];
    let mut secs: Vec<(String, f64)> = b
        .sectors()
        .into_iter()
        .map(|sec| {
            let d: f64 = years
                .iter()
                .map(|y| {
                    let x = a.by_sector(y).get(&sec).map_or(0.0, |v| v.0);
                    let z = b.by_sector(y).get(&sec).map_or(0.0, |v| v.0);
                    (z - x).abs()
                })
                .sum();
            (sec, d)
        })
        .filter(|(_, d)| *d >= 1.0)
        .collect();
    secs.sort_by(|x, y| y.1.total_cmp(&x.1));
    for (i, (sec, _)) in secs.iter().take(3).enumerate() {
        let g = |c: &Ctx, y: &str| c.by_sector(y).get(sec).map(|v| v.0);
        let col = colour::palette(i);
        s.push(Series::new(format!("{} · A", b.sector(sec)), col.clone(), val(a, &g)).dashed());
        s.push(Series::new(
            format!("{} · B", b.sector(sec)),
            col,
            val(b, &g),
        ));
    }
    let t = "Unmet demand";
    inner.push_str(
        &charts.figure(
            "compare-shortfall",
            t,
            chart::line_chart(
                &Frame::new(t, "unmet demand, t/yr", Fmt::Number)
                    .subtitle(format!("World and the sectors that change most, {span}")),
                &xs,
                &s,
            ),
            "",
        ),
    );
    // prices
    for m in b.key_materials(4) {
        let mut s = Vec::new();
        for k in b.price_markets(&m, 3) {
            let g = |c: &Ctx, y: &str| opt(c.price(y, &k, &m));
            s.push(
                Series::new(
                    format!("{} · A", b.name(&k)),
                    colour::country(&k),
                    val(a, &g),
                )
                .dashed(),
            );
            s.push(Series::new(
                format!("{} · B", b.name(&k)),
                colour::country(&k),
                val(b, &g),
            ));
        }
        let s = chart::merge_identical(s, 0.005);
        let t = format!("Price of {}", b.material(&m));
        inner.push_str(&charts.figure(
            &format!("compare-price-{m}"),
            &t,
            chart::line_chart(
                &Frame::new(&t, "USD/kg", Fmt::Usd).subtitle(format!("A dashed, B solid, {span}")),
                &xs,
                &s,
            ),
            "",
        ));
    }
    // dependency
    if let Some(e) = b.focus_entity() {
        let mut s = Vec::new();
        for st in ["separation", "metal", "magnet"] {
            let g = |c: &Ctx, y: &str| c.dependency(y, &e, st, "indirect");
            if years.iter().all(|y| g(b, y).is_none()) {
                continue;
            }
            s.push(Series::new(format!("{st} · A"), colour::stage(st), val(a, &g)).dashed());
            s.push(Series::new(
                format!("{st} · B"),
                colour::stage(st),
                val(b, &g),
            ));
        }
        let t = format!("{}: content separated in {sname}", b.name(&e));
        inner.push_str(&charts.figure(
            "compare-dependency",
            &t,
            chart::line_chart(
                &Frame::new(&t, "% of supply at the stage", Fmt::Percent).subtitle(format!(
                    "Indirect dependency by stage, A dashed, B solid, {span}"
                )),
                &xs,
                &s,
            ),
            "",
        ));
    }
    inner.push_str("</div>");
    section(
        "compare",
        &format!("Comparison: {} (B) vs {} (A)", b.s.scenario, a.s.scenario),
        &inner,
    )
}

fn scenario_section(infos: &[&ScenarioInfo]) -> String {
    let mut inner = String::new();
    for info in infos {
        let _ = write!(
            inner,
            "<h3>{}</h3><p>{}<br><span class=\"note\">Horizon {} · files: {}</span></p>",
            esc(&info.name),
            esc(&info.description),
            esc(&info.horizon),
            esc(&info.files.join(" → "))
        );
        if info.events.is_empty() {
            inner.push_str(
                "<p class=\"note\">No events: the dataset as reported, with no new policy.</p>",
            );
            continue;
        }
        let rows: Vec<Vec<String>> = info
            .events
            .iter()
            .map(|e| {
                vec![
                    format!("<span class=\"kind\">{}</span>", esc(&e.kind)),
                    esc(&e.details),
                    e.source.as_deref().map_or(String::new(), source_ref),
                    esc(e.note.as_deref().unwrap_or("")),
                ]
            })
            .collect();
        inner.push_str(&table(&["Event", "Fields", "Source", "Note"], &rows, &[]));
    }
    section("scenario", "The scenario", &inner)
}

/// A source reference: a link to its row in the sources table when it is an id.
fn source_ref(s: &str) -> String {
    let looks_like_id = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.');
    if looks_like_id {
        format!("<a href=\"#src-{}\">{}</a>", esc(s), esc(s))
    } else {
        esc(s)
    }
}

fn checks_section(ctxs: &[&Ctx]) -> String {
    let mut inner = String::new();
    for c in ctxs {
        if ctxs.len() > 1 {
            let _ = write!(inner, "<h3>{}</h3>", esc(&c.s.scenario));
        }
        let b = &c.s.balance;
        let st = &c.s.stats;
        let _ = write!(
            inner,
            "<p>Mass balance: largest error {:.2e} t (relative {:.1e}) — {}. Clearing: {} periods × a QP of {} variables and {} rows; {} interior-point iterations; {} approximate and {} failed periods.</p>",
            b.max_abs_error_t,
            b.max_rel_error,
            if b.ok {
                "every node balances in every period"
            } else {
                "ABOVE TOLERANCE"
            },
            st.periods,
            st.variables,
            st.rows,
            st.iterations,
            st.approximate_periods,
            st.failed_periods
        );
        if !c.s.status.is_empty() {
            let rows: Vec<Vec<String>> =
                c.s.status
                    .iter()
                    .map(|(p, s)| vec![esc(p), esc(s)])
                    .collect();
            inner.push_str(&table(&["Period", "Status"], &rows, &[]));
        }
        if !c.s.observed_vs_simulated.is_empty() {
            let rows: Vec<Vec<String>> =
                c.s.observed_vs_simulated
                    .iter()
                    .map(|o| {
                        vec![
                            esc(&o.metric),
                            esc(
                                &[o.country.as_str(), o.partner.as_str(), o.material.as_str()]
                                    .iter()
                                    .filter(|x| !x.is_empty())
                                    .copied()
                                    .collect::<Vec<_>>()
                                    .join(" · "),
                            ),
                            o.year.to_string(),
                            tonnes_exact(o.observed),
                            tonnes_exact(o.simulated),
                            format!("{:+.1}%", o.error * 100.0),
                            o.source
                                .iter()
                                .map(|s| source_ref(s))
                                .collect::<Vec<_>>()
                                .join(", "),
                        ]
                    })
                    .collect();
            inner.push_str("<h3>Observed vs simulated</h3><p class=\"note\">Dataset statistics (statistics.csv) in the horizon next to the run's value; error = simulated / observed − 1. Units are those of each statistic (t REO for mine production, t for trade).</p>");
            inner.push_str(&table(
                &[
                    "Metric",
                    "Where / what",
                    "Year",
                    "Observed",
                    "Simulated",
                    "Error",
                    "Source",
                ],
                &rows,
                &[3, 4, 5],
            ));
        }
    }
    section("checks", "Checks", &inner)
}

/// Source id → table → number of rows citing it.
fn citations(ds: &Dataset) -> BTreeMap<String, BTreeMap<&'static str, usize>> {
    let mut m: BTreeMap<String, BTreeMap<&'static str, usize>> = BTreeMap::new();
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
    }
    ds.sectors.iter().for_each(|x| add("sectors", &x.source));
    ds.growth.iter().for_each(|x| add("growth", &x.source));
    ds.demand.iter().for_each(|x| add("demand", &x.source));
    ds.routes.iter().for_each(|x| add("routes", &x.source));
    ds.stocks.iter().for_each(|x| add("stocks", &x.source));
    ds.prices.iter().for_each(|x| add("prices", &x.source));
    ds.statistics
        .iter()
        .for_each(|x| add("statistics", &x.source));
    m
}

fn sources_section(ctxs: &[&Ctx]) -> String {
    let ds = ctxs[ctxs.len() - 1].ds;
    let mut cited = citations(ds);
    for c in ctxs {
        for e in &c.info.events {
            if let Some(s) = &e.source
                && ds.source(s).is_some()
            {
                *cited
                    .entry(s.clone())
                    .or_default()
                    .entry("scenario events")
                    .or_default() += 1;
            }
        }
        for pl in &c.r.metrics.platforms {
            if let Some(s) = &pl.source
                && ds.source(s).is_some()
            {
                *cited
                    .entry(s.clone())
                    .or_default()
                    .entry("scenario metrics")
                    .or_default() += 1;
            }
        }
    }
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
    let rows: Vec<Vec<String>> = srcs
        .iter()
        .map(|s| {
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
        })
        .collect();
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
