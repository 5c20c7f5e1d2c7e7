//! Claims: a quantity with its metric, subject, partner, material, period and provenance.

use crate::date::{NewsDate, Period};
use crate::gazetteer::EntityKind;
use crate::quantity::Quantity;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What a quantity measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Share of world mine production.
    ShareMining,
    /// Share of world refining / separation / processing.
    ShareSeparation,
    /// Share of world metal and alloy making.
    ShareMetal,
    /// Share of world magnet making.
    ShareMagnet,
    /// Share of world reserves.
    ShareReserves,
    /// Share of the subject's imports coming from the partner.
    ShareImports,
    /// Share of exports.
    ShareExports,
    /// Share of the subject's demand (met by / dependent on the partner).
    ShareDemand,
    /// Another share.
    Share,
    /// Production (mass per year).
    Production,
    /// Capacity (mass per year).
    Capacity,
    /// Reserves (mass).
    Reserves,
    /// Imports (mass, or value with a currency).
    Imports,
    /// Exports (mass, or value with a currency).
    Exports,
    /// Stocks or inventories.
    Stocks,
    /// Consumption or demand.
    Consumption,
    /// Ad valorem tariff rate.
    TariffRate,
    /// Public or company investment, funding, loans, contracts.
    Investment,
    /// Private capital to be leveraged.
    PrivateInvestment,
    /// Money for a strategic reserve or stockpile.
    Stockpile,
    /// Headline value of an agreement.
    DealValue,
    /// Value of trade.
    TradeValue,
    /// Revenue.
    Revenue,
    /// Price.
    Price,
    /// Production cost.
    Cost,
    /// Jobs.
    Jobs,
    /// Another count.
    Count,
    /// A change (increase/decrease) of some quantity.
    Change,
    /// Start of trial production.
    TrialStart,
    /// Start of commercial operation.
    CommercialStart,
    /// Start of operation (first output).
    StartDate,
    /// Date a policy (control, tariff, regulation) is announced or takes effect.
    PolicyDate,
    /// Time needed to achieve something ("at least five years to catch up").
    LeadTime,
    /// Another duration.
    Duration,
    /// Status of a facility (dataset facts only).
    Status,
}

impl Metric {
    /// Human-readable label.
    pub fn label(&self) -> &'static str {
        match self {
            Metric::ShareMining => "share of mining",
            Metric::ShareSeparation => "share of refining/separation",
            Metric::ShareMetal => "share of metal making",
            Metric::ShareMagnet => "share of magnet making",
            Metric::ShareReserves => "share of reserves",
            Metric::ShareImports => "share of imports",
            Metric::ShareExports => "share of exports",
            Metric::ShareDemand => "share of demand",
            Metric::Share => "share",
            Metric::Production => "production",
            Metric::Capacity => "capacity",
            Metric::Reserves => "reserves",
            Metric::Imports => "imports",
            Metric::Exports => "exports",
            Metric::Stocks => "stocks",
            Metric::Consumption => "consumption",
            Metric::TariffRate => "tariff rate",
            Metric::Investment => "investment",
            Metric::PrivateInvestment => "private investment",
            Metric::Stockpile => "stockpile fund",
            Metric::DealValue => "deal value",
            Metric::TradeValue => "trade value",
            Metric::Revenue => "revenue",
            Metric::Price => "price",
            Metric::Cost => "cost",
            Metric::Jobs => "jobs",
            Metric::Count => "count",
            Metric::Change => "change",
            Metric::TrialStart => "trial production start",
            Metric::CommercialStart => "commercial operation start",
            Metric::StartDate => "start of operation",
            Metric::PolicyDate => "policy date",
            Metric::LeadTime => "lead time",
            Metric::Duration => "duration",
            Metric::Status => "status",
        }
    }

    /// Stable snake_case name (as in JSON and reference facts).
    pub fn as_str(&self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default()
    }

    /// True for the date-valued start metrics.
    pub fn is_start(&self) -> bool {
        matches!(
            self,
            Metric::TrialStart | Metric::CommercialStart | Metric::StartDate
        )
    }

    /// True for the share metrics.
    pub fn is_share(&self) -> bool {
        matches!(
            self,
            Metric::ShareMining
                | Metric::ShareSeparation
                | Metric::ShareMetal
                | Metric::ShareMagnet
                | Metric::ShareReserves
                | Metric::ShareImports
                | Metric::ShareExports
                | Metric::ShareDemand
                | Metric::Share
        )
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl FromStr for Metric {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = match s {
            "share_refining" | "share_processing" => "share_separation",
            "share_production" => "share_mining",
            "start" | "start_date" | "first_output" => "start_date",
            other => other,
        };
        serde_json::from_value(serde_json::Value::String(s.to_string()))
            .map_err(|_| format!("unknown metric {s:?}"))
    }
}

/// A reference to a gazetteer entity, as resolved in a claim.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct EntityRef {
    /// Entity id.
    pub id: String,
    /// Entity kind.
    pub kind: EntityKind,
    /// Display name.
    pub name: String,
}

/// Where a claim comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimSource {
    /// Document id.
    pub doc_id: String,
    /// Document title.
    pub title: String,
    /// Publisher.
    pub source: String,
    /// Publication date.
    pub date: Option<NewsDate>,
    /// File and line the document was read from.
    pub file: String,
    /// Line of the document in the file.
    pub line: usize,
    /// Passage label (`title`, `group 2 (…), bullet 1`, `paragraph 3`).
    pub passage: String,
    /// Paragraph references `[n]` of the original article.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refs: Vec<u32>,
    /// The sentence.
    pub sentence: String,
}

/// A quantitative claim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claim {
    /// `{doc_id}:{n}`.
    pub id: String,
    /// The quantity.
    pub quantity: Quantity,
    /// What it measures.
    pub metric: Metric,
    /// Who or what it is about (country, company, facility, region).
    pub subject: Option<EntityRef>,
    /// Other subjects an "each" amount applies to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also_subjects: Vec<EntityRef>,
    /// Trade partner, funder or counterpart (origin of imports, destination of exports, target of a tariff).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner: Option<EntityRef>,
    /// Material or element.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub material: Option<EntityRef>,
    /// The time the claim refers to, when stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    /// How the subject, material or period were inferred, when not stated in the sentence.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Provenance.
    pub origin: ClaimSource,
}

impl Claim {
    /// The year the claim refers to: the stated period, or the document's year ("as of").
    pub fn effective_year(&self) -> Option<i32> {
        self.period
            .as_ref()
            .map(|p| p.year)
            .or(self.origin.date.map(|d| d.year))
    }
}
