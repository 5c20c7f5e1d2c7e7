//! The sections of a report and their assembly into a page: question and answer, shares
//! by stage and element, flows, shortfall, prices, dependency, risk indices, price episodes,
//! uncertainty, comparison,
//! the back-test against observations, the scenario's events, checks, and the sources.
//!
//! This module assembles the pages (`single`, `comparison`); each section is a module of
//! its own, and the helpers several sections use are in `common`.

mod answer;
mod backtest;
mod capacity;
mod checks;
mod common;
mod compare;
mod dependency;
mod elements;
mod episodes;
mod events;
mod flows;
mod prices;
mod risk;
mod shares;
mod shortfall;
mod sources;
mod trade;
mod uncertainty;

use crate::ctx::Ctx;
use crate::ensemble::Ensemble;
use crate::format::esc;
use crate::html::{self, Charts, tabs};
use crate::{Report, ReportError, Run};
use answer::{answer_section, compare_answer_section};
use backtest::backtest_section;
use capacity::expansion_section;
use checks::checks_section;
use compare::compare_section;
use dependency::dependency_section;
use elements::elements_section;
use episodes::episodes_section;
use events::scenario_section;
use flows::flows_section;
use prices::prices_section;
use risk::risk_section;
use shares::shares_section;
use shortfall::shortfall_section;
use sources::sources_section;
use std::fmt::Write;
use trade::trade_section;
use uncertainty::uncertainty_section;

/// The question and answer of one run, as values.
pub fn answer(run: &Run<'_>, ens: Option<&Ensemble>) -> Result<crate::Answer, ReportError> {
    Ok(answer::answer_of(&Ctx::new(run)?, ens))
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
    toc.push(("risk", "Risk"));
    // a section with no data for the dataset (soybeans: shares by stage, elements, flows,
    // dependency, risk indices) is not drawn, so it has no entry either
    toc.retain(|(id, _)| *id == "answer" || body.contains(&format!("<section id=\"{id}\"")));
    let episodes = episodes_section(&c, ens, "");
    if !episodes.is_empty() {
        body.push_str(&episodes);
        toc.push(("episodes", "Price episodes"));
    }
    if let Some(e) = ens {
        body.push_str(&uncertainty_section(&[&c], e, &mut charts));
        toc.push(("uncertainty", "Uncertainty"));
    }
    body.push_str(&backtest_section(&c, &mut charts, ""));
    body.push_str(&scenario_section(&[c.info]));
    body.push_str(&checks_section(&[&c]));
    body.push_str(&sources_section(&[&c]));
    toc.extend([
        ("backtest", "Back-test"),
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
    body.push_str(&compare_answer_section(&ca, &cb, &years));
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

/// The line under a single report's title: scenario, dataset, horizon, balance.
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

/// Warnings at the top of the page: mass balance above tolerance, approximate or failed
/// periods.
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
    out.push_str(&risk_section(c, p));
    out
}
