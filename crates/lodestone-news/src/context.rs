//! Dataset knowledge handed to the news layer: the gazetteer, reference facts to check claims against, and defaults for proposals.

use crate::claim::Metric;
use crate::date::{Period, YearMonth};
use crate::gazetteer::{Entity, Gazetteer};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The value of a reference fact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FactValue {
    /// A single number in `unit`.
    Number(f64),
    /// A range in `unit` (sources disagree, or the source gives a range).
    Range {
        /// Low end.
        low: f64,
        /// High end.
        high: f64,
    },
    /// A month (facility start, policy date).
    Date(YearMonth),
    /// A text value (facility status: operating, construction, planned, announced, unlikely, suspended, closed).
    Text(String),
}

/// A figure from the dataset that claims are checked against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReferenceFact {
    /// Subject entity id (country ISO2, company, facility…).
    pub subject: String,
    /// Partner entity id (origin of imports, destination of exports, target of a tariff).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner: Option<String>,
    /// Material or element id; `None` means the subject's whole commodity (e.g. all rare earths).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub material: Option<String>,
    /// Metric.
    pub metric: Metric,
    /// The year or period it refers to; `None` for timeless facts (status).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    /// The value.
    pub value: FactValue,
    /// Unit: `share`, `%`, `t`, `Mt`, `kt`, `t REO`, `bu`, `USD`, `million USD`, `AUD`… (empty for text and dates).
    #[serde(default)]
    pub unit: String,
    /// Source id in the dataset's `sources.csv`.
    pub source_id: String,
    /// Human-readable citation.
    pub citation: String,
}

impl ReferenceFact {
    /// A numeric fact for a year.
    pub fn number(
        subject: &str,
        metric: Metric,
        year: i32,
        value: f64,
        unit: &str,
        source_id: &str,
        citation: &str,
    ) -> Self {
        ReferenceFact {
            subject: subject.into(),
            partner: None,
            material: None,
            metric,
            period: Some(Period::year(year)),
            value: FactValue::Number(value),
            unit: unit.into(),
            source_id: source_id.into(),
            citation: citation.into(),
        }
    }

    /// A range fact for a year.
    #[allow(clippy::too_many_arguments)]
    pub fn range(
        subject: &str,
        metric: Metric,
        year: i32,
        low: f64,
        high: f64,
        unit: &str,
        source_id: &str,
        citation: &str,
    ) -> Self {
        ReferenceFact {
            value: FactValue::Range { low, high },
            ..Self::number(subject, metric, year, 0.0, unit, source_id, citation)
        }
    }

    /// A facility status (`unlikely`, `operating`…).
    pub fn status(facility: &str, status: &str, source_id: &str, citation: &str) -> Self {
        ReferenceFact {
            subject: facility.into(),
            partner: None,
            material: None,
            metric: Metric::Status,
            period: None,
            value: FactValue::Text(status.into()),
            unit: String::new(),
            source_id: source_id.into(),
            citation: citation.into(),
        }
    }

    /// A facility start month.
    pub fn start(facility: &str, start: YearMonth, source_id: &str, citation: &str) -> Self {
        ReferenceFact {
            subject: facility.into(),
            partner: None,
            material: None,
            metric: Metric::StartDate,
            period: None,
            value: FactValue::Date(start),
            unit: String::new(),
            source_id: source_id.into(),
            citation: citation.into(),
        }
    }

    /// Sets the partner.
    pub fn with_partner(mut self, partner: &str) -> Self {
        self.partner = Some(partner.into());
        self
    }

    /// Sets the material.
    pub fn with_material(mut self, material: &str) -> Self {
        self.material = Some(material.into());
        self
    }

    /// Value as text ("22.13 Mt", "0.91–0.92 share", "unlikely").
    pub fn display_value(&self) -> String {
        match &self.value {
            FactValue::Number(v) => format!("{} {}", trim(*v), self.unit),
            FactValue::Range { low, high } => {
                format!("{}–{} {}", trim(*low), trim(*high), self.unit)
            }
            FactValue::Date(ym) => ym.to_string(),
            FactValue::Text(t) => t.clone(),
        }
    }
}

fn trim(v: f64) -> String {
    let s = format!("{v:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// What the proposer needs to emit a `new_facility` event: a process id and a unit cost per stage.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProposalDefaults {
    /// Process id to use for a new facility of each stage (`separation` → `sx_separation`).
    #[serde(default)]
    pub process_by_stage: BTreeMap<String, String>,
    /// Unit cost (USD per unit of activity) to use for a new facility of each stage.
    #[serde(default)]
    pub unit_cost_by_stage: BTreeMap<String, f64>,
    /// Capital cost (USD per t/yr of capacity) per stage, used by `investment` proposals that
    /// state no capacity; stages missing here fall back to [`crate::propose::DEFAULT_CAPEX`].
    #[serde(default)]
    pub capex_usd_per_tpa_by_stage: BTreeMap<String, f64>,
}

/// Everything the news layer knows about the dataset.
#[derive(Debug, Clone)]
pub struct Context {
    /// Names of countries, companies, facilities, elements and materials.
    pub gazetteer: Gazetteer,
    /// Reference facts.
    pub facts: Vec<ReferenceFact>,
    /// Defaults for `new_facility` proposals.
    pub defaults: ProposalDefaults,
}

impl Context {
    /// Built-in aliases only, no facts: the layer still finds subjects and claims, and marks every claim unverifiable.
    pub fn builtin() -> Context {
        Context {
            gazetteer: Gazetteer::builtin(),
            facts: vec![],
            defaults: ProposalDefaults::default(),
        }
    }

    /// Dataset entities merged with the built-in aliases (see [`Gazetteer::merged`]), plus facts.
    pub fn new(dataset_entities: Vec<Entity>, facts: Vec<ReferenceFact>) -> Context {
        Context {
            gazetteer: Gazetteer::merged(dataset_entities),
            facts,
            defaults: ProposalDefaults::default(),
        }
    }

    /// Sets the proposal defaults.
    pub fn with_defaults(mut self, defaults: ProposalDefaults) -> Context {
        self.defaults = defaults;
        self
    }
}

impl Default for Context {
    fn default() -> Self {
        Context::builtin()
    }
}
