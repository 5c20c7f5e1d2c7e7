//! Lodestone reports: a self-contained HTML page (inline CSS and SVG, a few lines of
//! inline script for tabs, no network) that states a scenario's question and answers it
//! from the run's numbers, then shows shares by stage and element, the flows of rare
//! earth content from mine to end use, shortfall and price series, uncertainty fans from
//! an ensemble, a comparison of two scenarios, and the sources behind every figure.
//!
//! Pure: takes runs, summaries and ensemble values, returns strings. The caller writes
//! files (`lodestone report`, in `lodestone-cli`).

#![warn(missing_docs)]

pub mod chart;
pub mod colour;
mod ctx;
pub mod derive;
pub mod ensemble;
pub mod format;
mod html;
pub mod labels;
mod narrative;
pub mod sankey;
mod sections;

pub use ensemble::Ensemble;

use lodestone_engine::{RunResult, Summary};
use lodestone_model::Scenario;

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The ensemble document is not JSON of the expected shape.
    #[error("ensemble: not the JSON written by `lodestone ensemble`: {0}")]
    Ensemble(#[from] serde_json::Error),
    /// A run without periods.
    #[error("scenario `{0}` has no periods: nothing to report")]
    Empty(String),
    /// Two runs without a common year.
    #[error(
        "`{a}` and `{b}` have no year in common\n  hint: compare scenarios whose horizons overlap"
    )]
    NoCommonYears {
        /// First scenario.
        a: String,
        /// Second scenario.
        b: String,
    },
}

/// One event of a scenario, as shown in the report.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    /// Event type (`export_control`, `disruption` …).
    pub kind: String,
    /// Its fields, `key = value`, comma-separated.
    pub details: String,
    /// Source id or citation.
    pub source: Option<String>,
    /// Free note.
    pub note: Option<String>,
}

/// What the report says about a scenario besides its run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScenarioInfo {
    /// Name.
    pub name: String,
    /// One-line description.
    pub description: String,
    /// The question its file states (`# Question: …` comment), if any.
    pub question: Option<String>,
    /// Horizon in words (`2024-01 → 2035-12, monthly`).
    pub horizon: String,
    /// Files of the `extends` chain, child first.
    pub files: Vec<String>,
    /// Events, parents' first.
    pub events: Vec<EventRow>,
}

impl ScenarioInfo {
    /// Describe a parsed scenario; `file_text` is the text of its own file (the child of
    /// an `extends` chain), from which the question comment is read.
    pub fn from_scenario(sc: &Scenario, file_text: Option<&str>) -> ScenarioInfo {
        let step = match sc.horizon.step.months() {
            1 => "monthly".to_string(),
            3 => "quarterly".to_string(),
            12 => "yearly".to_string(),
            n => format!("{n}-month steps"),
        };
        let events = sc
            .events
            .iter()
            .map(|e| {
                let v = serde_json::to_value(&e.event).unwrap_or_default();
                let kind = e.event.kind().to_string();
                let details = v
                    .as_object()
                    .map(|o| {
                        o.iter()
                            .filter(|(k, v)| k.as_str() != "type" && !v.is_null())
                            .map(|(k, v)| format!("{k} = {}", show_value(v)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default();
                EventRow {
                    kind,
                    details,
                    source: e.source.clone(),
                    note: e.note.clone(),
                }
            })
            .collect();
        ScenarioInfo {
            name: sc.name.clone(),
            description: sc.description.clone(),
            question: file_text.and_then(question_from_toml),
            horizon: format!("{} → {}, {step}", sc.horizon.start, sc.horizon.end),
            files: sc.files.clone(),
            events,
        }
    }
}

fn show_value(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(a) => a.iter().map(show_value).collect::<Vec<_>>().join(" / "),
        other => other.to_string(),
    }
}

/// The question a scenario file states in its leading comments: the text after
/// `# Question:` up to the next blank comment line or the first line of TOML.
pub fn question_from_toml(text: &str) -> Option<String> {
    let mut out: Vec<String> = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        let t = line.trim();
        let Some(c) = t.strip_prefix('#') else {
            if inside {
                break;
            }
            continue;
        };
        let c = c.trim();
        if !inside {
            if let Some(q) = c.strip_prefix("Question:") {
                inside = true;
                out.push(q.trim().to_string());
            }
        } else if c.is_empty() {
            break;
        } else {
            out.push(c.to_string());
        }
    }
    let q = out.join(" ").trim().to_string();
    (!q.is_empty()).then_some(q)
}

/// A run to report on: the scenario's description, the engine's result and its summary.
#[derive(Debug, Clone, Copy)]
pub struct Run<'a> {
    /// The scenario as described.
    pub info: &'a ScenarioInfo,
    /// The run (with the dataset as run, `result.data`).
    pub result: &'a RunResult,
    /// Its summary (`lodestone_engine::summarize(result)`).
    pub summary: &'a Summary,
}

/// One chart of a report, also usable alone (slides).
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// File-name-safe id, unique within the report (`shares-magnet`).
    pub id: String,
    /// Title.
    pub title: String,
    /// The inline `<svg>` element as embedded in the page.
    pub svg: String,
}

impl Chart {
    /// The chart as a standalone SVG document (with the XML namespace declaration).
    pub fn standalone(&self) -> String {
        let body = self
            .svg
            .replacen("<svg ", "<svg xmlns=\"http://www.w3.org/2000/svg\" ", 1);
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{body}\n")
    }
}

/// A finished report.
#[derive(Debug, Clone)]
pub struct Report {
    /// Page title.
    pub title: String,
    /// Suggested file stem (`baseline`, `baseline-vs-china-2025-04-licensing`).
    pub file_stem: String,
    /// The complete HTML document.
    pub html: String,
    /// Every chart in the page, in order.
    pub charts: Vec<Chart>,
}

/// A key number of a run, as a card of the report's question-and-answer section.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Card {
    /// What it is (`China's share of magnet output`).
    pub label: String,
    /// The number with its unit (`91.2%`, `85.3 USD/kg`).
    pub value: String,
    /// Year and context (`2024; 2035: 88.0% (−3.2 pp)`).
    pub detail: String,
}

/// The report's question-and-answer block of one run as values, for other front ends
/// (the dashboard's first screen): the same sentences and cards as the report.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Answer {
    /// Scenario name.
    pub scenario: String,
    /// Its one-line description.
    pub description: String,
    /// The question its file states, if any.
    pub question: Option<String>,
    /// Horizon in words.
    pub horizon: String,
    /// The answer, one sentence an item.
    pub sentences: Vec<String>,
    /// The key numbers.
    pub cards: Vec<Card>,
}

/// The question and answer of one run (what the report's first section says).
pub fn answer(run: &Run<'_>, ensemble: Option<&Ensemble>) -> Result<Answer, ReportError> {
    sections::answer(run, ensemble)
}

/// The report of one run, with fan charts if an ensemble is given.
pub fn single(run: &Run<'_>, ensemble: Option<&Ensemble>) -> Result<Report, ReportError> {
    sections::single(run, ensemble)
}

/// The report comparing two runs (B against A), with each run's details.
pub fn comparison(
    a: &Run<'_>,
    b: &Run<'_>,
    ensemble: Option<&Ensemble>,
) -> Result<Report, ReportError> {
    sections::comparison(a, b, ensemble)
}

#[cfg(test)]
mod tests;
