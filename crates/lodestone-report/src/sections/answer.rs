//! The question-and-answer section: the scenario's question, the answer in words and the
//! key numbers as cards.

use crate::ctx::Ctx;
use crate::ensemble::Ensemble;
use crate::format::{amount, esc, pct, pp, usd};
use crate::html::{card, section};
use crate::narrative;
use crate::{Answer, Card, ScenarioInfo};
use std::fmt::Write;

/// The scenario's description and the question its file states.
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

/// The question and answer of one run: question, sentences (with the ensemble's spread
/// when there is one) and cards.
pub(super) fn answer_section(c: &Ctx, ens: Option<&Ensemble>) -> String {
    let mut inner = question_block(c.info);
    let _ = write!(
        inner,
        "<h3>Answer</h3><ul class=\"answer\">{}</ul>",
        items(&sentences(c, ens))
    );
    inner.push_str(&cards(c));
    inner.push_str("<p class=\"note\">Every sentence and number above is computed from this run; the sections below show the series behind them and the sources of every input.</p>");
    section("answer", "Question and answer", &inner)
}

/// The answer in sentences, with the ensemble's spread when there is one.
fn sentences(c: &Ctx, ens: Option<&Ensemble>) -> Vec<String> {
    let mut sentences = narrative::answer(c);
    if let Some(e) = ens
        && let Some(s) = narrative::ensemble(c, e)
    {
        sentences.push(s);
    }
    sentences
}

/// The question and answer of one run as values (what the section shows).
pub(super) fn answer_of(c: &Ctx, ens: Option<&Ensemble>) -> Answer {
    Answer {
        scenario: c.s.scenario.clone(),
        description: c.info.description.clone(),
        question: c.info.question.clone(),
        horizon: c.info.horizon.clone(),
        sentences: sentences(c, ens),
        cards: card_values(c),
    }
}

/// The key numbers as cards.
fn cards(c: &Ctx) -> String {
    let mut out = String::from("<div class=\"cards\">");
    for k in card_values(c) {
        out.push_str(&card(&k.label, &k.value, &k.detail));
    }
    out.push_str("</div>");
    out
}

/// The key numbers: the supplier's shares, unmet demand, the key price, the focus entity's
/// magnet dependency.
fn card_values(c: &Ctx) -> Vec<Card> {
    let (y0, yl) = (c.first(), c.last());
    let sup = &c.s.supplier;
    let sname = c.name(sup);
    let sposs = crate::format::possessive(&sname);
    let card = |label: &str, value: &str, detail: &str| Card {
        label: label.to_string(),
        value: value.to_string(),
        detail: detail.to_string(),
    };
    let mut out = Vec::new();
    for st in c.stages() {
        if let Some(v) = c.share(y0, st, sup) {
            let detail = match c.share(yl, st, sup) {
                Some(w) if yl != y0 => format!("{y0}; {yl}: {} ({})", pct(w), pp(w - v)),
                _ => y0.to_string(),
            };
            out.push(card(
                &format!("{sposs} share of {st} output"),
                &pct(v),
                &detail,
            ));
        }
    }
    let (d, s) = c.demand_short(yl);
    if d > 0.0 {
        out.push(card(
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
        out.push(card(
            &format!("{}, {market}, {yl}", c.material(m)),
            &format!("{} USD/kg", usd(p)),
            "annual average price",
        ));
    }
    if let Some(e) = c.focus_entity()
        && let Some(v) = c.dependency(yl, &e, "magnet", "indirect")
    {
        out.push(card(
            &format!("{} magnets: content separated in {sname}", c.name(&e)),
            &pct(v),
            &format!("{yl}, indirect dependency"),
        ));
    }
    out
}

/// The question and answer of a comparison: both scenarios' questions, the comparison in
/// words, and each run's answer folded away.
pub(super) fn compare_answer_section(ca: &Ctx, cb: &Ctx, years: &[String]) -> String {
    let mut inner = String::new();
    for (tag, c) in [("A", ca), ("B", cb)] {
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
        items(&narrative::compare(ca, cb, years))
    );
    for (tag, c) in [("A", ca), ("B", cb)] {
        let _ = write!(
            inner,
            "<details><summary>{tag} · {} in words</summary><ul class=\"answer\">{}</ul></details>",
            esc(&c.s.scenario),
            items(&narrative::answer(c))
        );
    }
    section("answer", "Question and answer", &inner)
}

/// Sentences as the items of a list.
fn items(sentences: &[String]) -> String {
    sentences
        .iter()
        .map(|s| format!("<li>{}</li>", esc(s)))
        .collect::<String>()
}
