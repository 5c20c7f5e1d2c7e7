//! Scenario files (TOML): horizon, `extends`, overrides and dated events, with located validation.

use crate::dataset::{Dataset, Stage, Status};
use crate::diag::{Diagnostics, Location, codes, did_you_mean};
use crate::time::{Month, Step};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// 1-based (line, column) of a byte offset in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Simulation horizon.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct Horizon {
    /// First month.
    pub start: Month,
    /// Last month (inclusive).
    pub end: Month,
    /// Step length.
    #[serde(default)]
    pub step: Step,
}

/// What a disruption hits.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// A facility id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facility: Option<String>,
    /// A country (all its facilities, optionally of one stage).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Restrict to a stage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<Stage>,
}

/// A dated scenario event. New kinds are added here and handled by the engine.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// Change a facility's capacity from a month, or enable a planned/announced one.
    Capacity {
        /// Id, so that `[[uncertainty]]` can refer to it (not suspendable).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        /// Facility id.
        facility: String,
        /// Month it takes effect.
        start: Month,
        /// New nameplate t/yr (unchanged if absent).
        #[serde(default)]
        capacity: Option<f64>,
        /// Ramp months to the new level.
        #[serde(default)]
        ramp_months: Option<f64>,
        /// Bring a facility that does not run by default into the run.
        #[serde(default)]
        enable: Option<bool>,
    },
    /// Add a facility that is not in the dataset.
    NewFacility {
        /// New id.
        id: String,
        /// Name.
        name: String,
        /// Company id.
        company: String,
        /// Country.
        country: String,
        /// Stage.
        stage: Stage,
        /// Process ids.
        processes: Vec<String>,
        /// Nameplate t/yr.
        capacity: f64,
        /// First output.
        start: Month,
        /// Ramp months.
        #[serde(default)]
        ramp_months: Option<f64>,
        /// Cost per unit activity (USD).
        unit_cost: f64,
        /// Max utilization.
        #[serde(default)]
        utilization: Option<f64>,
    },
    /// A facility or a country's facilities lose a share of capacity for a while.
    Disruption {
        /// What is hit.
        #[serde(flatten)]
        target: Target,
        /// First month.
        start: Month,
        /// Last month (inclusive); open-ended if absent.
        #[serde(default)]
        end: Option<Month>,
        /// Share of capacity lost (0..1).
        loss: f64,
    },
    /// Export control by a country: ban, licensing or quota on materials (or on materials
    /// containing given elements), to all or some destinations, optionally extraterritorial.
    ExportControl {
        /// Id, so that `suspend` events can refer to it.
        #[serde(default)]
        id: Option<String>,
        /// Controlling (exporting) country.
        exporter: String,
        /// Controlled materials.
        #[serde(default)]
        materials: Vec<String>,
        /// Controlled elements: every material containing any of them is controlled.
        #[serde(default)]
        elements: Vec<String>,
        /// Destinations: `"all"` or a list of countries.
        #[serde(default)]
        destinations: Destinations,
        /// Countries exempted when destinations is "all".
        #[serde(default)]
        except: Vec<String>,
        /// `ban`, `licence` or `quota`.
        mode: ControlMode,
        /// Licence: share of pre-control exports that is approved (0..1).
        #[serde(default)]
        approval_share: Option<f64>,
        /// Licence: days before the first approvals arrive.
        #[serde(default)]
        delay_days: Option<f64>,
        /// Quota: tonnes per year of controlled exports.
        #[serde(default)]
        tonnes_per_year: Option<f64>,
        /// Extraterritorial reach: goods made abroad containing more than this share (by
        /// value) of controlled-origin material are controlled too.
        #[serde(default)]
        extraterritorial: Option<Extraterritorial>,
        /// First month.
        start: Month,
        /// Last month (inclusive); open-ended if absent.
        #[serde(default)]
        end: Option<Month>,
    },
    /// Suspend another event (by id) for a while; it is reinstated after `end`.
    Suspend {
        /// Id of the suspended event.
        event: String,
        /// First month of the suspension.
        start: Month,
        /// Last month of the suspension (inclusive); permanent if absent.
        #[serde(default)]
        end: Option<Month>,
    },
    /// Ad valorem tariff on imports (applied to the material's reference price).
    Tariff {
        /// Id, for `suspend`.
        #[serde(default)]
        id: Option<String>,
        /// Importing country.
        importer: String,
        /// Exporting country or "*".
        #[serde(default = "star")]
        exporter: String,
        /// Materials, or ["*"] for all goods.
        #[serde(default = "all_materials")]
        materials: Vec<String>,
        /// Ad valorem rate (0.25 = 25%).
        rate: f64,
        /// First month.
        start: Month,
        /// Last month (inclusive).
        #[serde(default)]
        end: Option<Month>,
    },
    /// A cap on a country's output at a stage (China's mining and separation quotas).
    ProductionQuota {
        /// Id, for `suspend`.
        #[serde(default)]
        id: Option<String>,
        /// Country.
        country: String,
        /// Stage.
        stage: Stage,
        /// Tonnes per year of stage output (t REO for mining and separation).
        tonnes_per_year: f64,
        /// First month.
        start: Month,
        /// Last month (inclusive).
        #[serde(default)]
        end: Option<Month>,
    },
    /// A guaranteed minimum price to a producer; the payer covers the difference.
    PriceFloor {
        /// Beneficiary facility.
        #[serde(default)]
        facility: Option<String>,
        /// Or every facility of a company.
        #[serde(default)]
        company: Option<String>,
        /// Material whose price is floored.
        material: String,
        /// Floor, USD/kg.
        price: f64,
        /// Who pays (country or agency name).
        payer: String,
        /// First month.
        start: Month,
        /// Last month (inclusive).
        #[serde(default)]
        end: Option<Month>,
    },
    /// A buyer commits to take a producer's output at a price (a demand that is served first).
    Offtake {
        /// Producing facility.
        #[serde(default)]
        facility: Option<String>,
        /// Or a company.
        #[serde(default)]
        company: Option<String>,
        /// Material taken.
        material: String,
        /// Tonnes per year.
        tonnes_per_year: f64,
        /// Price paid, USD/kg.
        price: f64,
        /// Buyer country.
        payer: String,
        /// First month.
        start: Month,
        /// Last month (inclusive).
        #[serde(default)]
        end: Option<Month>,
    },
    /// A strategic stockpile: built toward a target at a buying rate, released by a rule.
    Stockpile {
        /// Holding country.
        country: String,
        /// Material.
        material: String,
        /// Target, t.
        target: f64,
        /// Buying rate, t/yr.
        buy_rate: f64,
        /// `shortfall` (release when the local price exceeds `release_multiple` × reference)
        /// or `price` (release above `release_price`).
        #[serde(default)]
        release: ReleaseRule,
        /// Release above this multiple of the reference price (rule `shortfall`, default 2).
        #[serde(default)]
        release_multiple: Option<f64>,
        /// Release above this price, USD/kg (rule `price`).
        #[serde(default)]
        release_price: Option<f64>,
        /// First month of buying.
        start: Month,
        /// Last month.
        #[serde(default)]
        end: Option<Month>,
    },
    /// Money for new or expanded capacity, with a lead time and a chance of delay.
    Investment {
        /// Id, so that `[[uncertainty]]` can refer to it (not suspendable).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        /// Programme name.
        programme: String,
        /// Amount in `currency`.
        amount: f64,
        /// ISO 4217 currency.
        currency: String,
        /// USD per unit of `currency` (required unless USD), with its date in `note`.
        #[serde(default)]
        usd_per_unit: Option<f64>,
        /// Country where capacity is built.
        country: String,
        /// Stage funded.
        stage: Stage,
        /// Existing facility expanded (else a new facility is created).
        #[serde(default)]
        facility: Option<String>,
        /// Processes of the new facility (default: those of an existing facility of the
        /// same stage in the dataset).
        #[serde(default)]
        processes: Option<Vec<String>>,
        /// Operator of the new facility.
        #[serde(default)]
        company: Option<String>,
        /// Capacity funded, t/yr (else amount / capex_usd_per_tpa).
        #[serde(default)]
        capacity: Option<f64>,
        /// Capital cost, USD per t/yr of capacity.
        #[serde(default)]
        capex_usd_per_tpa: Option<f64>,
        /// Unit operating cost of the new capacity, USD/t.
        #[serde(default)]
        unit_cost: Option<f64>,
        /// Decision month.
        start: Month,
        /// Months from decision to first output.
        lead_time_months: f64,
        /// Probability the project slips by `delay_months`.
        #[serde(default)]
        delay_probability: f64,
        /// Slip if delayed (default 24).
        #[serde(default)]
        delay_months: Option<f64>,
        /// Ramp to full rate, months (default 24).
        #[serde(default)]
        ramp_months: Option<f64>,
    },
    /// Technology-transfer ban: plants outside `from` at these stages that start after the
    /// ban ramp slower and reach a lower utilization.
    TechnologyBan {
        /// Id, for `suspend`.
        #[serde(default)]
        id: Option<String>,
        /// Country whose technology is withheld.
        from: String,
        /// Stages affected.
        stages: Vec<Stage>,
        /// Multiplier on ramp-up time (≥ 1).
        ramp_factor: f64,
        /// Multiplier on maximum utilization (0..1).
        utilization_factor: f64,
        /// Multiplier on process yields (0..1; default 1): less product per tonne of feed.
        #[serde(default)]
        yield_factor: Option<f64>,
        /// Countries not affected besides `from` (e.g. those with their own technology).
        #[serde(default)]
        except: Vec<String>,
        /// First month.
        start: Month,
        /// Last month (inclusive).
        #[serde(default)]
        end: Option<Month>,
    },
    /// Price-triggered substitution: when a material's price stays above a trigger, a
    /// sector moves part of its demand to a substitute (or gives it up) after a lag.
    Substitution {
        /// Sector.
        sector: String,
        /// Material substituted away from.
        material: String,
        /// Substitute material (absent = demand given up, e.g. ferrite or redesign).
        #[serde(default)]
        substitute: Option<String>,
        /// Tonnes of substitute per tonne replaced (default 1).
        #[serde(default)]
        ratio: Option<f64>,
        /// Trigger: price above this multiple of the reference price.
        trigger_multiple: f64,
        /// Largest share of the sector's demand that can move.
        max_share: f64,
        /// Months from trigger to effect.
        lag_months: f64,
        /// Country (all if absent).
        #[serde(default)]
        country: Option<String>,
        /// First month the option exists.
        start: Month,
    },
    /// Capacity that answers prices (MODEL.md's slow response "new capacity when prices
    /// stay high"): each January from `start` to `end`, every running facility in the
    /// target whose capacity earned a rent (the clearing's shadow price of its capacity) of
    /// at least `rent_threshold` × its unit cost on average over the past 12 months
    /// commits `rate` × its capacity, online `lead_months` later over `ramp_months`, up to
    /// `max_multiple` × its own nameplate.
    Expansion {
        /// Id, so that `[[uncertainty]]` can refer to it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        /// What may expand (every facility if empty).
        #[serde(flatten)]
        target: Target,
        /// Mean rent over the past 12 months, as a multiple of the unit cost, that triggers
        /// an expansion (≥ 0).
        rent_threshold: f64,
        /// Capacity added per decision, as a share of the facility's capacity (0..1].
        rate: f64,
        /// Months from decision to first output.
        lead_months: f64,
        /// Ramp to the added capacity, months (default 12).
        #[serde(default)]
        ramp_months: Option<f64>,
        /// Cap on a facility's capacity, own nameplate plus expansions, as a multiple of its
        /// own nameplate (≥ 1; default 2).
        #[serde(default)]
        max_multiple: Option<f64>,
        /// First decision month.
        start: Month,
        /// Last decision month (inclusive); open-ended if absent.
        #[serde(default)]
        end: Option<Month>,
    },
    /// A sector's (or country's, or material's) demand changes by a fraction for a while.
    DemandShock {
        /// Country (all if absent).
        #[serde(default)]
        country: Option<String>,
        /// Sector (all if absent).
        #[serde(default)]
        sector: Option<String>,
        /// Material (all if absent).
        #[serde(default)]
        material: Option<String>,
        /// First month.
        start: Month,
        /// Last month (inclusive); open-ended if absent.
        #[serde(default)]
        end: Option<Month>,
        /// Relative change, e.g. -0.2.
        change: f64,
    },
}

impl Event {
    /// Kind name as written in `type`.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Capacity { .. } => "capacity",
            Event::NewFacility { .. } => "new_facility",
            Event::Disruption { .. } => "disruption",
            Event::DemandShock { .. } => "demand_shock",
            Event::ExportControl { .. } => "export_control",
            Event::Suspend { .. } => "suspend",
            Event::Tariff { .. } => "tariff",
            Event::ProductionQuota { .. } => "production_quota",
            Event::PriceFloor { .. } => "price_floor",
            Event::Offtake { .. } => "offtake",
            Event::Stockpile { .. } => "stockpile",
            Event::Investment { .. } => "investment",
            Event::TechnologyBan { .. } => "technology_ban",
            Event::Substitution { .. } => "substitution",
            Event::Expansion { .. } => "expansion",
        }
    }

    /// The event's own id, if it has one (for `suspend`).
    pub fn id(&self) -> Option<&str> {
        match self {
            Event::ExportControl { id, .. }
            | Event::Tariff { id, .. }
            | Event::ProductionQuota { id, .. }
            | Event::TechnologyBan { id, .. } => id.as_deref(),
            _ => None,
        }
    }

    /// The event's `id` for `[[uncertainty]]` paths: the suspendable ids of [`Event::id`]
    /// and the ids of `capacity` and `investment` events, which cannot be suspended.
    pub fn label(&self) -> Option<&str> {
        match self {
            Event::Capacity { id, .. }
            | Event::Investment { id, .. }
            | Event::Expansion { id, .. } => id.as_deref(),
            e => e.id(),
        }
    }
}

/// What the policy metrics are computed for (`[metrics]` in a scenario).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct MetricsSpec {
    /// The supplier whose dependency is measured (default `CN`).
    #[serde(default)]
    pub supplier: Option<String>,
    /// Blocs (bloc ids from countries.csv, or country ids) for independence metrics.
    #[serde(default)]
    pub blocs: Vec<String>,
    /// Countries (or blocs) for dependency metrics (default: every market with demand).
    #[serde(default)]
    pub countries: Vec<String>,
    /// Platforms whose buildable count is computed from the defence allocation.
    #[serde(default)]
    pub platforms: Vec<PlatformSpec>,
}

/// A defence platform and its rare earth content.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PlatformSpec {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Rare earth content per platform, kg (element basis unless the note says otherwise).
    pub re_kg: f64,
    /// Country whose defence allocation builds it.
    pub country: String,
    /// Source of the intensity.
    #[serde(default)]
    pub source: Option<String>,
    /// Note (e.g. which definition of content).
    #[serde(default)]
    pub note: Option<String>,
}

/// A probability distribution of an uncertain parameter.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Dist {
    /// `min`, `max`.
    Uniform,
    /// `min`, `mode`, `max`.
    Triangular,
    /// `mean`, `sd`.
    Normal,
    /// `median`, `sigma` (of the log).
    Lognormal,
    /// `values`, optional `weights`.
    Discrete,
    /// `p`: 1 with probability p, else 0.
    Bernoulli,
}

/// One uncertain parameter (`[[uncertainty]]` in a scenario).
///
/// `param` paths: `facilities.<id>.start` (months of delay added), `facilities.<id>.capacity`
/// (multiplier on nameplate and steps), `facilities.<id>.ramp_months`,
/// `facilities.<id>.utilization` and `facilities.<id>.unit_cost` (values),
/// `routes.<from>.<to>.<material>.cost` (value, USD/t, of that row of routes.csv, written
/// as there: `*`, `kind:…`), `sectors.<id>.elasticity` and
/// `sectors.<id>.wtp_multiplier` (values), `demand.growth` (multiplier on growth above the
/// base year), `events.<id or index>.<field>` (value of a numeric event field;
/// `start` and `end` shift by whole months, and an end never moves before the start),
/// and `disruption` (a random outage: `facility` or `country`, yearly `probability`,
/// duration drawn from `dist`, `loss`). A facility or sector attribute that the scenario
/// overrides takes the sample too. `also` lists further paths that take the same draw.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Uncertain {
    /// What is uncertain.
    pub param: String,
    /// Its distribution (for `disruption`: of the duration in months).
    pub dist: Dist,
    /// Lower bound (uniform, triangular).
    #[serde(default)]
    pub min: Option<f64>,
    /// Upper bound (uniform, triangular).
    #[serde(default)]
    pub max: Option<f64>,
    /// Mode (triangular).
    #[serde(default)]
    pub mode: Option<f64>,
    /// Mean (normal).
    #[serde(default)]
    pub mean: Option<f64>,
    /// Standard deviation (normal).
    #[serde(default)]
    pub sd: Option<f64>,
    /// Median (lognormal).
    #[serde(default)]
    pub median: Option<f64>,
    /// Sigma of the log (lognormal).
    #[serde(default)]
    pub sigma: Option<f64>,
    /// Values (discrete).
    #[serde(default)]
    pub values: Vec<f64>,
    /// Weights (discrete; equal if absent).
    #[serde(default)]
    pub weights: Vec<f64>,
    /// Probability (bernoulli).
    #[serde(default)]
    pub p: Option<f64>,
    /// Disruption: facility hit.
    #[serde(default)]
    pub facility: Option<String>,
    /// Disruption: country hit.
    #[serde(default)]
    pub country: Option<String>,
    /// Disruption: chance per year of an outage starting.
    #[serde(default)]
    pub probability: Option<f64>,
    /// Disruption: share of capacity lost.
    #[serde(default)]
    pub loss: Option<f64>,
    /// Further parameter paths that take the same draw (one cause behind several
    /// parameters, e.g. a project's mine and refinery slipping together).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<String>,
    /// Source or reasoning for the range.
    #[serde(default)]
    pub source: Option<String>,
    /// Note.
    #[serde(default)]
    pub note: Option<String>,
}

/// Event kinds, for hints.
pub const EVENT_KINDS: &[&str] = &[
    "capacity",
    "new_facility",
    "disruption",
    "demand_shock",
    "export_control",
    "suspend",
    "tariff",
    "production_quota",
    "price_floor",
    "offtake",
    "stockpile",
    "investment",
    "technology_ban",
    "substitution",
    "expansion",
];

fn star() -> String {
    "*".into()
}

fn all_materials() -> Vec<String> {
    vec!["*".into()]
}

/// Export-control destinations.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(untagged)]
pub enum Destinations {
    /// `"all"`.
    #[default]
    #[serde(skip)]
    All,
    /// The literal string (must be "all").
    Word(String),
    /// A list of countries.
    List(Vec<String>),
}

impl Destinations {
    /// Whether `country` is a destination (with `except` applied by the caller).
    pub fn includes(&self, country: &str) -> bool {
        match self {
            Destinations::All | Destinations::Word(_) => true,
            Destinations::List(v) => v.iter().any(|c| c == country),
        }
    }
}

/// Export-control mode.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ControlMode {
    /// No exports.
    Ban,
    /// Exports need a licence: a share is approved, after a delay.
    #[serde(alias = "license")]
    Licence,
    /// Exports capped at a tonnage.
    Quota,
}

/// Extraterritorial reach of an export control.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Extraterritorial {
    /// Share of controlled-origin content, by value, above which a foreign good is controlled.
    pub threshold_value_share: f64,
}

/// Stockpile release rule.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum ReleaseRule {
    /// Release when the local price signals a shortage.
    #[default]
    Shortfall,
    /// Release above a set price.
    Price,
}

/// An event with its provenance.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EventSpec {
    /// The event.
    #[serde(flatten)]
    pub event: Event,
    /// Source id or citation for the event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Free note.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Where it was defined.
    #[serde(skip)]
    pub location: Location,
    /// Key → (line, col) of each field, for located errors.
    #[serde(skip)]
    pub keys: BTreeMap<String, (usize, usize)>,
}

impl EventSpec {
    fn loc(&self, key: &str) -> Location {
        match self.keys.get(key) {
            Some(&(l, c)) => Location::new(&self.location.file, l, c),
            None => self.location.clone(),
        }
    }
}

/// A fully resolved scenario (after `extends`).
#[derive(Debug, Clone, Serialize)]
pub struct Scenario {
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Dataset id.
    pub dataset: String,
    /// Horizon.
    pub horizon: Horizon,
    /// Chain of files, child first.
    pub files: Vec<String>,
    /// Attribute overrides: table → id → attribute → value.
    pub overrides: BTreeMap<String, BTreeMap<String, BTreeMap<String, toml::Value>>>,
    /// Events in order (parents' first).
    pub events: Vec<EventSpec>,
    /// Uncertain parameters (`[[uncertainty]]`), sampled by ensembles.
    pub uncertainty: Vec<Uncertain>,
    /// Raw `[settings]` table (engine settings).
    pub settings: toml::Table,
    /// Metrics to compute.
    pub metrics: MetricsSpec,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHorizon {
    start: Option<Month>,
    end: Option<Month>,
    step: Option<Step>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: Option<String>,
    description: Option<String>,
    dataset: Option<String>,
    extends: Option<String>,
    horizon: Option<RawHorizon>,
    #[serde(default)]
    overrides: BTreeMap<String, BTreeMap<String, BTreeMap<String, toml::Value>>>,
    #[serde(default)]
    events: Vec<toml::Spanned<toml::Table>>,
    #[serde(default)]
    uncertainty: Vec<Uncertain>,
    #[serde(default)]
    settings: toml::Table,
    metrics: Option<MetricsSpec>,
}

/// Default horizon of the baseline.
pub const DEFAULT_HORIZON: Horizon = Horizon {
    start: match Month::new(2024, 1) {
        Some(m) => m,
        None => unreachable!(),
    },
    end: match Month::new(2035, 12) {
        Some(m) => m,
        None => unreachable!(),
    },
    step: Step::Month,
};

fn find_keys(text: &str, span: std::ops::Range<usize>) -> BTreeMap<String, (usize, usize)> {
    let mut keys = BTreeMap::new();
    let body = &text[span.start.min(text.len())..span.end.min(text.len())];
    let mut offset = span.start;
    for line in body.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if let Some(eq) = trimmed.find('=') {
            let key = trimmed[..eq].trim();
            if !key.is_empty() && !key.starts_with('#') && !key.starts_with('[') {
                let indent = line.len() - trimmed.len();
                let val_off = trimmed[eq + 1..].len() - trimmed[eq + 1..].trim_start().len();
                keys.entry(key.to_string())
                    .or_insert_with(|| line_col(text, offset + indent + eq + 1 + val_off));
            }
        }
        offset += line.len();
    }
    keys
}

/// Byte ranges of each `[[events]]` table: from its header to the next table header.
fn event_spans(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut spans: Vec<std::ops::Range<usize>> = Vec::new();
    let mut open: Option<usize> = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if t.starts_with('[') {
            if let Some(s) = open.take() {
                spans.push(s..offset);
            }
            if t.starts_with("[[events]]") {
                open = Some(offset);
            }
        }
        offset += line.len();
    }
    if let Some(s) = open {
        spans.push(s..text.len());
    }
    spans
}

/// Parse one scenario file (no `extends` resolution).
fn parse_one(file: &str, text: &str, d: &mut Diagnostics) -> Option<(RawScenario, Vec<EventSpec>)> {
    let raw: RawScenario = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            let (line, col) = e.span().map_or((0, 0), |s| line_col(text, s.start));
            d.push(
                codes::SYNTAX,
                Location::new(file, line, col),
                e.message().trim().to_string(),
                Some("see scenarios/README.md for the scenario format".into()),
            );
            return None;
        }
    };
    let mut events = Vec::new();
    let spans = event_spans(text);
    for (i, sp) in raw.events.iter().enumerate() {
        let span = spans.get(i).cloned().unwrap_or_else(|| sp.span());
        let (line, col) = line_col(text, span.start);
        let location = Location::new(file, line, col);
        let keys = find_keys(text, span.clone());
        let mut table = sp.get_ref().clone();
        let take =
            |t: &mut toml::Table, k: &str| t.remove(k).and_then(|v| v.as_str().map(str::to_string));
        let source = take(&mut table, "source");
        let note = take(&mut table, "note");
        let kind = table
            .get("type")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string();
        match Event::deserialize(toml::Value::Table(table.clone())) {
            Ok(event) => {
                // serde's internally tagged enums ignore unknown fields: check them here
                let known = serde_json::to_value(&event).ok();
                let mut unknown = Vec::new();
                if let Some(serde_json::Value::Object(map)) = known {
                    for k in table.keys() {
                        if k != "type" && !map.contains_key(k) {
                            unknown.push(k.clone());
                        }
                    }
                }
                let spec = EventSpec {
                    event,
                    source,
                    note,
                    location: location.clone(),
                    keys,
                };
                for k in unknown {
                    d.push(
                        codes::SCENARIO,
                        spec.loc(&k),
                        format!("unknown field `{k}` in `{kind}` event"),
                        Some("check the event fields in scenarios/README.md".into()),
                    );
                }
                events.push(spec);
            }
            Err(e) => {
                let msg = e.to_string();
                let hint = if kind.is_empty() {
                    Some("every event needs `type = \"…\"`".into())
                } else if msg.contains("unknown variant") {
                    did_you_mean(
                        &kind,
                        ["capacity", "new_facility", "disruption", "demand_shock"],
                    )
                    .or(Some(
                        "event types: capacity, new_facility, disruption, demand_shock".into(),
                    ))
                } else {
                    None
                };
                d.push(
                    codes::SCENARIO,
                    location,
                    format!("invalid `{kind}` event: {}", msg.trim()),
                    hint,
                );
            }
        }
    }
    Some((raw, events))
}

impl Scenario {
    /// Parse a scenario, resolving `extends` through `lookup(name) -> (file, text)`.
    pub fn parse(
        file: &str,
        text: &str,
        lookup: &dyn Fn(&str) -> Option<(String, String)>,
    ) -> Result<Scenario, Diagnostics> {
        let mut d = Diagnostics::default();
        let mut chain: Vec<(String, RawScenario, Vec<EventSpec>)> = Vec::new();
        let mut cur = Some((file.to_string(), text.to_string()));
        let mut names = Vec::new();
        while let Some((f, t)) = cur.take() {
            let Some((raw, events)) = parse_one(&f, &t, &mut d) else {
                break;
            };
            names.push(raw.name.clone().unwrap_or_else(|| {
                f.rsplit('/')
                    .next()
                    .unwrap_or(&f)
                    .trim_end_matches(".toml")
                    .to_string()
            }));
            if let Some(parent) = raw.extends.clone() {
                if names.contains(&parent) {
                    let (l, c) = t.find("extends").map_or((0, 0), |o| line_col(&t, o));
                    d.push(
                        codes::CYCLE,
                        Location::new(&f, l, c),
                        format!("`extends = \"{parent}\"` forms a cycle"),
                        None,
                    );
                } else {
                    match lookup(&parent) {
                        Some(next) => cur = Some(next),
                        None => {
                            let (l, c) = t.find("extends").map_or((0, 0), |o| line_col(&t, o));
                            d.push(
                                codes::UNKNOWN_ID,
                                Location::new(&f, l, c),
                                format!("unknown scenario `{parent}` in `extends`"),
                                Some("run `lodestone scenarios` to list them".into()),
                            );
                        }
                    }
                }
            }
            chain.push((f, raw, events));
        }
        if !d.is_empty() {
            return Err(d);
        }
        // merge from the root ancestor down to the child
        let mut s = Scenario {
            name: String::new(),
            description: String::new(),
            dataset: "rare-earths".into(),
            horizon: DEFAULT_HORIZON,
            files: chain.iter().map(|c| c.0.clone()).collect(),
            overrides: BTreeMap::new(),
            events: Vec::new(),
            uncertainty: Vec::new(),
            settings: toml::Table::new(),
            metrics: MetricsSpec::default(),
        };
        for (_, raw, events) in chain.into_iter().rev() {
            if let Some(n) = raw.name {
                s.name = n;
            }
            if let Some(x) = raw.description {
                s.description = x;
            }
            if let Some(x) = raw.dataset {
                s.dataset = x;
            }
            if let Some(h) = raw.horizon {
                s.horizon.start = h.start.unwrap_or(s.horizon.start);
                s.horizon.end = h.end.unwrap_or(s.horizon.end);
                s.horizon.step = h.step.unwrap_or(s.horizon.step);
            }
            for (table, ids) in raw.overrides {
                let t = s.overrides.entry(table).or_default();
                for (id, attrs) in ids {
                    t.entry(id).or_default().extend(attrs);
                }
            }
            {
                s.uncertainty.extend(raw.uncertainty);
            }
            s.settings.extend(raw.settings);
            if let Some(m) = raw.metrics {
                s.metrics = m;
            }
            s.events.extend(events);
        }
        if s.name.is_empty() {
            s.name = file
                .rsplit('/')
                .next()
                .unwrap_or(file)
                .trim_end_matches(".toml")
                .to_string();
        }
        if s.horizon.end < s.horizon.start {
            let (l, c) = text.find("end").map_or((0, 0), |o| line_col(text, o));
            d.push(
                codes::DATE_ORDER,
                Location::new(file, l, c),
                format!(
                    "horizon ends ({}) before it starts ({})",
                    s.horizon.end, s.horizon.start
                ),
                None,
            );
        }
        if d.is_empty() { Ok(s) } else { Err(d) }
    }

    /// Check the scenario against a dataset: ids exist, values in range, dates in order.
    pub fn validate(&self, ds: &Dataset) -> Diagnostics {
        let mut d = Diagnostics::default();
        let file = self.files.first().cloned().unwrap_or_default();
        let ids = |v: &mut dyn Iterator<Item = &str>| v.map(str::to_string).collect::<Vec<_>>();
        let facility_ids = ids(&mut ds.facilities.iter().map(|f| f.id.as_str()));
        let mut all_facilities = facility_ids.clone();
        for e in &self.events {
            if let Event::NewFacility { id, .. } = &e.event {
                all_facilities.push(id.clone());
            }
        }
        let country_ids = ids(&mut ds.countries.iter().map(|c| c.id.as_str()));
        let sector_ids = ids(&mut ds.sectors.iter().map(|c| c.id.as_str()));
        let material_ids = ids(&mut ds.materials.iter().map(|c| c.id.as_str()));
        let process_ids = ids(&mut ds.processes.iter().map(|c| c.id.as_str()));
        let company_ids = ids(&mut ds.companies.iter().map(|c| c.id.as_str()));
        let element_ids = ids(&mut ds.elements.iter().map(|c| c.id.as_str()));
        let event_ids: Vec<String> = self
            .events
            .iter()
            .filter_map(|e| e.event.id().map(str::to_string))
            .collect();
        // event ids are unique (suspend and [[uncertainty]] paths resolve them)
        let mut seen_ids: Vec<&str> = Vec::new();
        for e in &self.events {
            if let Some(id) = e.event.label() {
                if seen_ids.contains(&id) {
                    d.push(
                        codes::DUPLICATE_ID,
                        e.loc("id"),
                        format!("event id `{id}` is used twice (in this file or a parent)"),
                        None,
                    );
                }
                seen_ids.push(id);
            }
        }
        let check =
            |d: &mut Diagnostics, e: &EventSpec, key: &str, what: &str, v: &str, set: &[String]| {
                if !set.iter().any(|s| s == v) {
                    d.push(
                        codes::UNKNOWN_ID,
                        e.loc(key),
                        format!("unknown {what} `{v}`"),
                        did_you_mean(v, set.iter().map(String::as_str))
                            .or_else(|| Some(format!("no such {what} in dataset `{}`", ds.name))),
                    );
                }
            };
        let date_order = |d: &mut Diagnostics, e: &EventSpec, start: Month, end: Option<Month>| {
            if let Some(end) = end
                && end < start
            {
                d.push(
                    codes::DATE_ORDER,
                    e.loc("end"),
                    format!("event ends ({end}) before it starts ({start})"),
                    None,
                );
            }
        };
        let share = |d: &mut Diagnostics, e: &EventSpec, key: &str, v: f64| {
            if !(0.0..=1.0).contains(&v) {
                d.push(
                    codes::OUT_OF_RANGE,
                    e.loc(key),
                    format!("`{key}` = {v} is outside 0..1"),
                    Some("shares are fractions: 0.5 means half".into()),
                );
            }
        };
        for e in &self.events {
            match &e.event {
                Event::Capacity {
                    facility,
                    capacity,
                    ramp_months,
                    ..
                } => {
                    check(&mut d, e, "facility", "facility", facility, &all_facilities);
                    if capacity.is_some_and(|c| c < 0.0) {
                        d.push(
                            codes::OUT_OF_RANGE,
                            e.loc("capacity"),
                            "capacity is negative",
                            None,
                        );
                    }
                    if ramp_months.is_some_and(|c| c < 0.0) {
                        d.push(
                            codes::OUT_OF_RANGE,
                            e.loc("ramp_months"),
                            "ramp_months is negative",
                            None,
                        );
                    }
                }
                Event::NewFacility {
                    id,
                    company,
                    country,
                    processes,
                    capacity,
                    unit_cost,
                    utilization,
                    stage,
                    ..
                } => {
                    if facility_ids.contains(id) {
                        d.push(
                            codes::DUPLICATE_ID,
                            e.loc("id"),
                            format!("facility `{id}` already exists"),
                            Some("use a `capacity` event to change it".into()),
                        );
                    }
                    check(&mut d, e, "company", "company", company, &company_ids);
                    check(&mut d, e, "country", "country", country, &country_ids);
                    for p in processes {
                        check(&mut d, e, "processes", "process", p, &process_ids);
                        if let Some(pp) = ds.processes.iter().find(|x| &x.id == p)
                            && pp.stage != *stage
                        {
                            d.push(
                                codes::INCONSISTENT,
                                e.loc("processes"),
                                format!(
                                    "process `{p}` is {}, facility is {}",
                                    pp.stage.as_str(),
                                    stage.as_str()
                                ),
                                None,
                            );
                        }
                    }
                    if *capacity < 0.0 || *unit_cost < 0.0 {
                        d.push(
                            codes::OUT_OF_RANGE,
                            e.loc("capacity"),
                            "capacity and unit_cost must be ≥ 0",
                            None,
                        );
                    }
                    if let Some(u) = utilization {
                        share(&mut d, e, "utilization", *u);
                    }
                }
                Event::Expansion {
                    target,
                    rent_threshold,
                    rate,
                    lead_months,
                    ramp_months,
                    max_multiple,
                    start,
                    end,
                    ..
                } => {
                    if let Some(f) = &target.facility {
                        check(&mut d, e, "facility", "facility", f, &all_facilities);
                    }
                    if let Some(c) = &target.country {
                        check(&mut d, e, "country", "country", c, &country_ids);
                    }
                    let mut range = |key: &str, v: f64, ok: bool, hint: &str| {
                        if !ok {
                            d.push(
                                codes::OUT_OF_RANGE,
                                e.loc(key),
                                format!("`{key}` = {v} is out of range"),
                                Some(hint.into()),
                            );
                        }
                    };
                    range(
                        "rent_threshold",
                        *rent_threshold,
                        rent_threshold.is_finite() && *rent_threshold >= 0.0,
                        "a multiple of the unit cost, ≥ 0 (1 = the rent equals the cost)",
                    );
                    range(
                        "rate",
                        *rate,
                        *rate > 0.0 && *rate <= 1.0,
                        "a share of capacity per decision, in (0, 1]: 0.1 adds 10%",
                    );
                    range(
                        "lead_months",
                        *lead_months,
                        lead_months.is_finite() && *lead_months >= 0.0,
                        "months from decision to first output, ≥ 0",
                    );
                    if let Some(r) = ramp_months {
                        range("ramp_months", *r, r.is_finite() && *r >= 0.0, "months, ≥ 0");
                    }
                    if let Some(m) = max_multiple {
                        range(
                            "max_multiple",
                            *m,
                            m.is_finite() && *m >= 1.0,
                            "a multiple of the facility's own nameplate, ≥ 1 (2 = may double)",
                        );
                    }
                    date_order(&mut d, e, *start, *end);
                }
                Event::Disruption {
                    target,
                    start,
                    end,
                    loss,
                } => {
                    match (&target.facility, &target.country) {
                        (Some(f), _) => {
                            check(&mut d, e, "facility", "facility", f, &all_facilities)
                        }
                        (None, Some(c)) => check(&mut d, e, "country", "country", c, &country_ids),
                        (None, None) => d.push(
                            codes::SCENARIO,
                            e.location.clone(),
                            "disruption needs `facility` or `country`",
                            None,
                        ),
                    }
                    date_order(&mut d, e, *start, *end);
                    share(&mut d, e, "loss", *loss);
                }
                Event::ExportControl {
                    exporter,
                    materials,
                    elements,
                    destinations,
                    except,
                    mode,
                    approval_share,
                    delay_days,
                    tonnes_per_year,
                    extraterritorial,
                    start,
                    end,
                    ..
                } => {
                    check(&mut d, e, "exporter", "country", exporter, &country_ids);
                    for m in materials {
                        check(&mut d, e, "materials", "material", m, &material_ids);
                    }
                    for el in elements {
                        check(&mut d, e, "elements", "element", el, &element_ids);
                    }
                    if materials.is_empty() && elements.is_empty() {
                        d.push(
                            codes::SCENARIO,
                            e.location.clone(),
                            "export_control needs `materials` or `elements`",
                            None,
                        );
                    }
                    // a control on something the exporter never makes is almost certainly a mistake
                    let covered: Vec<&str> = ds
                        .covered_materials(materials, elements)
                        .into_iter()
                        .map(|i| ds.materials[i].id.as_str())
                        .collect();
                    let makes = |mid: &str| {
                        ds.facilities.iter().any(|f| {
                            ds.country(&f.country)
                                .is_some_and(|c| c.market == *exporter || f.country == *exporter)
                                && f.processes.iter().any(|p| {
                                    ds.processes.iter().any(|pp| {
                                        &pp.id == p && pp.outputs.iter().any(|o| o.material == mid)
                                    })
                                })
                        }) || ds
                            .stocks
                            .iter()
                            .any(|s| s.country == *exporter && s.material == mid)
                    };
                    if country_ids.contains(exporter)
                        && !covered.is_empty()
                        && !covered.iter().any(|m| makes(m))
                    {
                        d.push(codes::SCENARIO, e.loc(if materials.is_empty() { "elements" } else { "materials" }), format!("`{exporter}` produces none of the controlled materials ({})", covered.join(", ")), Some("a control on a material nobody in that country makes has no effect".into()));
                    }
                    match destinations {
                        Destinations::Word(w) if w != "all" => d.push(
                            codes::BAD_VALUE,
                            e.loc("destinations"),
                            format!("destinations = \"{w}\""),
                            Some("write \"all\" or a list of countries".into()),
                        ),
                        Destinations::List(v) => v.iter().for_each(|c| {
                            check(&mut d, e, "destinations", "country", c, &country_ids)
                        }),
                        _ => {}
                    }
                    for c in except {
                        check(&mut d, e, "except", "country", c, &country_ids);
                    }
                    match mode {
                        ControlMode::Licence => match approval_share {
                            Some(a) => share(&mut d, e, "approval_share", *a),
                            None => d.push(
                                codes::SCENARIO,
                                e.loc("mode"),
                                "licence mode needs `approval_share`",
                                Some("e.g. approval_share = 0.5, delay_days = 45".into()),
                            ),
                        },
                        ControlMode::Quota => {
                            if tonnes_per_year.is_none_or(|t| t < 0.0) {
                                d.push(
                                    codes::SCENARIO,
                                    e.loc("mode"),
                                    "quota mode needs `tonnes_per_year` ≥ 0",
                                    None,
                                );
                            }
                        }
                        ControlMode::Ban => {}
                    }
                    if delay_days.is_some_and(|x| x < 0.0) {
                        d.push(
                            codes::OUT_OF_RANGE,
                            e.loc("delay_days"),
                            "delay_days is negative",
                            None,
                        );
                    }
                    if let Some(x) = extraterritorial
                        && !(0.0..1.0).contains(&x.threshold_value_share)
                    {
                        d.push(
                            codes::OUT_OF_RANGE,
                            e.loc("extraterritorial"),
                            format!(
                                "threshold_value_share = {} is outside 0..1",
                                x.threshold_value_share
                            ),
                            Some("the October 2025 rule is 0.001 (0.1%)".into()),
                        );
                    }
                    date_order(&mut d, e, *start, *end);
                }
                Event::Suspend { event, start, end } => {
                    if !event_ids.iter().any(|x| x == event) {
                        let kind = self
                            .events
                            .iter()
                            .find(|x| x.event.label() == Some(event.as_str()))
                            .map(|x| x.event.kind());
                        d.push(
                            codes::UNKNOWN_ID,
                            e.loc("event"),
                            format!("no event with id `{event}` to suspend"),
                            match kind {
                                Some(k) => Some(format!(
                                    "`{event}` is {} `{k}` event, which cannot be suspended",
                                    if k.starts_with(['a', 'e', 'i', 'o', 'u']) {
                                        "an"
                                    } else {
                                        "a"
                                    }
                                )),
                                None => did_you_mean(event, event_ids.iter().map(String::as_str))
                                    .or(Some("give the suspended event an `id`".into())),
                            },
                        );
                    }
                    date_order(&mut d, e, *start, *end);
                }
                Event::Tariff {
                    importer,
                    exporter,
                    materials,
                    rate,
                    start,
                    end,
                    ..
                } => {
                    check(&mut d, e, "importer", "country", importer, &country_ids);
                    if exporter != "*" {
                        check(&mut d, e, "exporter", "country", exporter, &country_ids);
                    }
                    for m in materials.iter().filter(|m| *m != "*") {
                        check(&mut d, e, "materials", "material", m, &material_ids);
                    }
                    if !(0.0..=10.0).contains(rate) {
                        d.push(
                            codes::OUT_OF_RANGE,
                            e.loc("rate"),
                            format!("rate = {rate} is outside 0..10"),
                            Some("ad valorem rates are fractions: 0.25 means 25%".into()),
                        );
                    }
                    date_order(&mut d, e, *start, *end);
                }
                Event::ProductionQuota {
                    country,
                    tonnes_per_year,
                    start,
                    end,
                    ..
                } => {
                    check(&mut d, e, "country", "country", country, &country_ids);
                    if *tonnes_per_year < 0.0 {
                        d.push(
                            codes::OUT_OF_RANGE,
                            e.loc("tonnes_per_year"),
                            "quota is negative",
                            None,
                        );
                    }
                    date_order(&mut d, e, *start, *end);
                }
                Event::PriceFloor {
                    facility,
                    company,
                    material,
                    price,
                    start,
                    end,
                    ..
                }
                | Event::Offtake {
                    facility,
                    company,
                    material,
                    price,
                    start,
                    end,
                    ..
                } => {
                    match (facility, company) {
                        (Some(f), _) => {
                            check(&mut d, e, "facility", "facility", f, &all_facilities)
                        }
                        (None, Some(c)) => check(&mut d, e, "company", "company", c, &company_ids),
                        (None, None) => d.push(
                            codes::SCENARIO,
                            e.location.clone(),
                            format!("{} needs `facility` or `company`", e.event.kind()),
                            None,
                        ),
                    }
                    check(&mut d, e, "material", "material", material, &material_ids);
                    if *price < 0.0 {
                        d.push(
                            codes::OUT_OF_RANGE,
                            e.loc("price"),
                            "price is negative",
                            None,
                        );
                    }
                    if let Event::Offtake {
                        tonnes_per_year,
                        payer,
                        ..
                    } = &e.event
                    {
                        if *tonnes_per_year < 0.0 {
                            d.push(
                                codes::OUT_OF_RANGE,
                                e.loc("tonnes_per_year"),
                                "volume is negative",
                                None,
                            );
                        }
                        check(&mut d, e, "payer", "country", payer, &country_ids);
                    }
                    date_order(&mut d, e, *start, *end);
                }
                Event::Stockpile {
                    country,
                    material,
                    target,
                    buy_rate,
                    release,
                    release_price,
                    release_multiple,
                    start,
                    end,
                } => {
                    check(&mut d, e, "country", "country", country, &country_ids);
                    check(&mut d, e, "material", "material", material, &material_ids);
                    if *target < 0.0 || *buy_rate < 0.0 {
                        d.push(
                            codes::OUT_OF_RANGE,
                            e.loc("target"),
                            "target and buy_rate must be ≥ 0",
                            None,
                        );
                    }
                    if *release == ReleaseRule::Price && release_price.is_none() {
                        d.push(
                            codes::SCENARIO,
                            e.loc("release"),
                            "release = \"price\" needs `release_price` (USD/kg)",
                            None,
                        );
                    }
                    if release_multiple.is_some_and(|m| m < 1.0) {
                        d.push(
                            codes::OUT_OF_RANGE,
                            e.loc("release_multiple"),
                            "release_multiple below 1 would release at normal prices",
                            None,
                        );
                    }
                    date_order(&mut d, e, *start, *end);
                }
                Event::Investment {
                    amount,
                    currency,
                    usd_per_unit,
                    country,
                    stage,
                    facility,
                    processes,
                    company,
                    capacity,
                    capex_usd_per_tpa,
                    lead_time_months,
                    delay_probability,
                    ..
                } => {
                    check(&mut d, e, "country", "country", country, &country_ids);
                    if let Some(f) = facility {
                        check(&mut d, e, "facility", "facility", f, &all_facilities);
                    }
                    if let Some(c) = company {
                        check(&mut d, e, "company", "company", c, &company_ids);
                    }
                    for p in processes.iter().flatten() {
                        check(&mut d, e, "processes", "process", p, &process_ids);
                    }
                    if facility.is_none()
                        && processes.is_none()
                        && !ds.facilities.iter().any(|f| f.stage == *stage)
                    {
                        d.push(
                            codes::SCENARIO,
                            e.loc("stage"),
                            format!("no {} process to copy for the new capacity", stage.as_str()),
                            Some("give `processes`".into()),
                        );
                    }
                    if *amount < 0.0 || *lead_time_months < 0.0 {
                        d.push(
                            codes::OUT_OF_RANGE,
                            e.loc("amount"),
                            "amount and lead_time_months must be ≥ 0",
                            None,
                        );
                    }
                    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
                        d.push(
                            codes::BAD_VALUE,
                            e.loc("currency"),
                            format!("`{currency}` is not an ISO 4217 code"),
                            Some("e.g. USD, AUD, RUB".into()),
                        );
                    } else if currency != "USD" && usd_per_unit.is_none() {
                        d.push(codes::SCENARIO, e.loc("currency"), format!("amount in {currency} needs `usd_per_unit` (the exchange rate used, with its date in `note`)"), None);
                    }
                    if capacity.is_none() && capex_usd_per_tpa.is_none() {
                        d.push(
                            codes::SCENARIO,
                            e.location.clone(),
                            "investment needs `capacity` or `capex_usd_per_tpa`",
                            Some(
                                "capacity funded = amount × usd_per_unit / capex_usd_per_tpa"
                                    .into(),
                            ),
                        );
                    }
                    share(&mut d, e, "delay_probability", *delay_probability);
                }
                Event::TechnologyBan {
                    from,
                    except,
                    ramp_factor,
                    utilization_factor,
                    yield_factor,
                    start,
                    end,
                    ..
                } => {
                    check(&mut d, e, "from", "country", from, &country_ids);
                    if let Some(y) = yield_factor {
                        share(&mut d, e, "yield_factor", *y);
                    }
                    for c in except {
                        check(&mut d, e, "except", "country", c, &country_ids);
                    }
                    if *ramp_factor < 1.0 {
                        d.push(
                            codes::OUT_OF_RANGE,
                            e.loc("ramp_factor"),
                            format!("ramp_factor = {ramp_factor} < 1 would speed plants up"),
                            None,
                        );
                    }
                    share(&mut d, e, "utilization_factor", *utilization_factor);
                    date_order(&mut d, e, *start, *end);
                }
                Event::Substitution {
                    sector,
                    material,
                    substitute,
                    ratio,
                    trigger_multiple,
                    max_share,
                    lag_months,
                    country,
                    ..
                } => {
                    check(&mut d, e, "sector", "sector", sector, &sector_ids);
                    check(&mut d, e, "material", "material", material, &material_ids);
                    if let Some(s) = substitute {
                        check(&mut d, e, "substitute", "material", s, &material_ids);
                    }
                    if let Some(c) = country {
                        check(&mut d, e, "country", "country", c, &country_ids);
                    }
                    share(&mut d, e, "max_share", *max_share);
                    if *trigger_multiple <= 0.0
                        || *lag_months < 0.0
                        || ratio.is_some_and(|r| r <= 0.0)
                    {
                        d.push(
                            codes::OUT_OF_RANGE,
                            e.location.clone(),
                            "trigger_multiple and ratio must be > 0, lag_months ≥ 0",
                            None,
                        );
                    }
                }
                Event::DemandShock {
                    country,
                    sector,
                    material,
                    start,
                    end,
                    change,
                } => {
                    if let Some(c) = country {
                        check(&mut d, e, "country", "country", c, &country_ids);
                    }
                    if let Some(s) = sector {
                        check(&mut d, e, "sector", "sector", s, &sector_ids);
                    }
                    if let Some(m) = material {
                        check(&mut d, e, "material", "material", m, &material_ids);
                    }
                    date_order(&mut d, e, *start, *end);
                    if *change < -1.0 {
                        d.push(
                            codes::OUT_OF_RANGE,
                            e.loc("change"),
                            format!("change {change} would make demand negative"),
                            Some("-1.0 removes the demand entirely".into()),
                        );
                    }
                }
            }
        }
        self.validate_uncertainty(ds, &mut d);
        // overrides refer to existing ids and attributes
        for (table, ids_) in &self.overrides {
            let (set, attrs): (&[String], &[&str]) = match table.as_str() {
                "facilities" => (
                    &facility_ids,
                    &[
                        "capacity",
                        "start",
                        "status",
                        "utilization",
                        "ramp_months",
                        "closure",
                        "unit_cost",
                    ],
                ),
                "sectors" => (&sector_ids, &["priority", "wtp_multiplier", "elasticity"]),
                "materials" => (&material_ids, &["ref_price"]),
                _ => {
                    d.push(
                        codes::SCENARIO,
                        Location::file(&file),
                        format!("cannot override table `{table}`"),
                        Some("overridable: facilities, sectors, materials".into()),
                    );
                    continue;
                }
            };
            for (id, kv) in ids_ {
                if !set.contains(id) {
                    d.push(
                        codes::UNKNOWN_ID,
                        Location::file(&file),
                        format!("override of unknown {} `{id}`", table.trim_end_matches('s')),
                        did_you_mean(id, set.iter().map(String::as_str)),
                    );
                }
                for (k, v) in kv {
                    if !attrs.contains(&k.as_str()) {
                        d.push(
                            codes::SCENARIO,
                            Location::file(&file),
                            format!("cannot override `{table}.{id}.{k}`"),
                            Some(format!("overridable attributes: {}", attrs.join(", "))),
                        );
                    } else if let Err(msg) = check_override_value(k, v) {
                        d.push(
                            codes::BAD_VALUE,
                            Location::file(&file),
                            format!("override `{table}.{id}.{k}`: {msg}"),
                            None,
                        );
                    }
                }
            }
        }
        d
    }

    /// The dataset with this scenario's overrides and structural events applied
    /// (new facilities, enabled facilities). Call after `validate` is clean.
    pub fn apply(&self, ds: &Dataset) -> Dataset {
        let mut ds = ds.clone();
        for (table, ids) in &self.overrides {
            for (id, kv) in ids {
                for (k, v) in kv {
                    let f64v = v.as_float().or_else(|| v.as_integer().map(|i| i as f64));
                    let sv = v.as_str();
                    match table.as_str() {
                        "facilities" => {
                            if let Some(f) = ds.facilities.iter_mut().find(|f| &f.id == id) {
                                match (k.as_str(), f64v, sv) {
                                    ("capacity", Some(x), _) => f.capacity = x,
                                    ("utilization", Some(x), _) => f.utilization = x,
                                    ("ramp_months", Some(x), _) => f.ramp_months = x,
                                    ("unit_cost", Some(x), _) => f.unit_cost = x,
                                    ("start", _, Some(s)) => {
                                        f.start = Month::parse(s).unwrap_or(f.start)
                                    }
                                    ("closure", _, Some(s)) => f.closure = Month::parse(s),
                                    ("status", _, Some(s)) => {
                                        if let Some(st) = Status::parse(s) {
                                            f.status = st;
                                            f.enabled = st.runs_by_default();
                                        }
                                    }
                                    _ => {}
                                }
                            }
                        }
                        "sectors" => {
                            if let Some(s) = ds.sectors.iter_mut().find(|s| &s.id == id) {
                                match (k.as_str(), f64v) {
                                    ("priority", Some(x)) => s.priority = x as i64,
                                    ("wtp_multiplier", Some(x)) => s.wtp_multiplier = x,
                                    ("elasticity", Some(x)) => s.elasticity = x,
                                    _ => {}
                                }
                            }
                        }
                        "materials" => {
                            if let Some(m) = ds.materials.iter_mut().find(|m| &m.id == id)
                                && k == "ref_price"
                            {
                                m.ref_price = f64v;
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
        for e in &self.events {
            match &e.event {
                Event::NewFacility {
                    id,
                    name,
                    company,
                    country,
                    stage,
                    processes,
                    capacity,
                    start,
                    ramp_months,
                    unit_cost,
                    utilization,
                } => {
                    ds.facilities.push(crate::dataset::Facility {
                        id: id.clone(),
                        name: name.clone(),
                        company: company.clone(),
                        country: country.clone(),
                        stage: *stage,
                        processes: processes.clone(),
                        status: Status::Planned,
                        enabled: true,
                        capacity: *capacity,
                        capacity_unit: String::new(),
                        start: *start,
                        ramp_months: ramp_months.unwrap_or(0.0),
                        utilization: utilization.unwrap_or(1.0),
                        closure: None,
                        unit_cost: *unit_cost,
                        feed_from: Vec::new(),
                        steps: Vec::new(),
                        yield_factor: 1.0,
                        note: e.note.clone().unwrap_or_default(),
                        source: e.source.iter().cloned().collect(),
                    });
                }
                Event::Capacity {
                    facility,
                    start,
                    capacity,
                    ramp_months,
                    enable,
                    ..
                } => {
                    if let Some(f) = ds.facilities.iter_mut().find(|f| &f.id == facility) {
                        if enable == &Some(true) && !f.enabled {
                            f.enabled = true;
                            if capacity.is_none() {
                                f.start = *start;
                                f.ramp_months = ramp_months.unwrap_or(f.ramp_months);
                                continue;
                            }
                            if *start > f.start {
                                f.start = *start;
                            }
                        }
                        if let Some(c) = capacity {
                            f.steps.push(crate::dataset::CapacityStep {
                                date: *start,
                                capacity: *c,
                                ramp_months: ramp_months.unwrap_or(0.0),
                                source: e.source.iter().cloned().collect(),
                            });
                            f.steps.sort_by_key(|s| s.date);
                        }
                    }
                }
                _ => {}
            }
        }
        ds
    }
}

impl Scenario {
    /// Resolve `events.<id or index>` to an event index.
    pub fn event_index(&self, key: &str) -> Option<usize> {
        if let Ok(i) = key.parse::<usize>() {
            return (i < self.events.len()).then_some(i);
        }
        self.events
            .iter()
            .position(|e| e.event.label() == Some(key))
    }

    fn validate_uncertainty(&self, ds: &Dataset, d: &mut Diagnostics) {
        let file = self.files.first().cloned().unwrap_or_default();
        for (k, u) in self.uncertainty.iter().enumerate() {
            let loc = Location::file(&file);
            let what = format!("[[uncertainty]] #{} (`{}`)", k + 1, u.param);
            let need = |d: &mut Diagnostics, ok: bool, msg: &str| {
                if !ok {
                    d.push(codes::SCENARIO, loc.clone(), format!("{what}: {msg}"), None);
                }
            };
            match u.dist {
                Dist::Uniform => need(
                    d,
                    u.min.zip(u.max).is_some_and(|(a, b)| a <= b),
                    "uniform needs min ≤ max",
                ),
                Dist::Triangular => need(
                    d,
                    matches!((u.min, u.mode, u.max), (Some(a), Some(m), Some(b)) if a <= m && m <= b && a < b),
                    "triangular needs min ≤ mode ≤ max with min < max",
                ),
                Dist::Normal => need(
                    d,
                    u.mean.is_some() && u.sd.is_some_and(|s| s >= 0.0),
                    "normal needs mean and sd ≥ 0",
                ),
                Dist::Lognormal => need(
                    d,
                    u.median.is_some_and(|m| m > 0.0) && u.sigma.is_some_and(|s| s >= 0.0),
                    "lognormal needs median > 0 and sigma ≥ 0",
                ),
                Dist::Discrete => need(
                    d,
                    !u.values.is_empty()
                        && (u.weights.is_empty()
                            || (u.weights.len() == u.values.len()
                                && u.weights.iter().all(|w| *w >= 0.0)
                                && u.weights.iter().sum::<f64>() > 0.0)),
                    "discrete needs values (and as many non-negative weights, if any)",
                ),
                Dist::Bernoulli => need(
                    d,
                    u.p.is_some_and(|p| (0.0..=1.0).contains(&p)),
                    "bernoulli needs p in 0..1",
                ),
            }
            // bounds of the draw where it has them (to check shifted dates)
            let support = match u.dist {
                Dist::Uniform | Dist::Triangular => u.min.zip(u.max),
                Dist::Discrete => {
                    u.values
                        .iter()
                        .copied()
                        .fold(None, |acc: Option<(f64, f64)>, v| {
                            Some(acc.map_or((v, v), |(a, b)| (a.min(v), b.max(v))))
                        })
                }
                Dist::Bernoulli => Some((0.0, 1.0)),
                Dist::Normal | Dist::Lognormal => None,
            };
            if u.param == "disruption" {
                match (&u.facility, &u.country) {
                    (Some(f), _) => {
                        if ds.facility(f).is_none() {
                            d.push(
                                codes::UNKNOWN_ID,
                                loc.clone(),
                                format!("{what}: unknown facility `{f}`"),
                                did_you_mean(f, ds.facilities.iter().map(|x| x.id.as_str())),
                            );
                        }
                    }
                    (None, Some(c)) => {
                        if ds.country(c).is_none() {
                            d.push(
                                codes::UNKNOWN_ID,
                                loc.clone(),
                                format!("{what}: unknown country `{c}`"),
                                did_you_mean(c, ds.countries.iter().map(|x| x.id.as_str())),
                            );
                        }
                    }
                    _ => need(d, false, "a disruption needs `facility` or `country`"),
                }
                need(
                    d,
                    u.probability.is_some_and(|p| (0.0..=1.0).contains(&p)),
                    "a disruption needs `probability` (per year) in 0..1",
                );
                need(
                    d,
                    u.loss.is_none_or(|l| (0.0..=1.0).contains(&l)),
                    "`loss` must be in 0..1",
                );
                need(
                    d,
                    u.also.is_empty(),
                    "a disruption cannot share its draw (`also`)",
                );
                continue;
            }
            for path in std::iter::once(&u.param).chain(&u.also) {
                self.check_param_path(ds, d, &loc, &what, path, support);
            }
        }
    }

    /// Check one `[[uncertainty]]` parameter path (`param` or an entry of `also`).
    fn check_param_path(
        &self,
        ds: &Dataset,
        d: &mut Diagnostics,
        loc: &Location,
        what: &str,
        path: &str,
        support: Option<(f64, f64)>,
    ) {
        let need = |d: &mut Diagnostics, ok: bool, msg: &str| {
            if !ok {
                d.push(
                    codes::SCENARIO,
                    loc.clone(),
                    format!("{what}: `{path}`: {msg}"),
                    None,
                );
            }
        };
        let parts: Vec<&str> = path.split('.').collect();
        match parts.as_slice() {
            ["facilities", id, attr] => {
                if ds.facility(id).is_none()
                    && !self
                        .events
                        .iter()
                        .any(|e| matches!(&e.event, Event::NewFacility { id: x, .. } if x == id))
                {
                    d.push(
                        codes::UNKNOWN_ID,
                        loc.clone(),
                        format!("{what}: unknown facility `{id}`"),
                        did_you_mean(id, ds.facilities.iter().map(|f| f.id.as_str())),
                    );
                }
                need(
                    d,
                    [
                        "start",
                        "capacity",
                        "ramp_months",
                        "utilization",
                        "unit_cost",
                    ]
                    .contains(attr),
                    "facility attributes: start, capacity, ramp_months, utilization, unit_cost",
                );
            }
            ["routes", from, to, material, attr] => {
                need(
                    d,
                    ds.routes
                        .iter()
                        .any(|r| r.from == *from && r.to == *to && r.material == *material),
                    "no such row in routes.csv (from, to and material as written there)",
                );
                need(d, *attr == "cost", "route attributes: cost");
            }
            ["sectors", id, attr] => {
                if !ds.sectors.iter().any(|s| s.id == *id) {
                    d.push(
                        codes::UNKNOWN_ID,
                        loc.clone(),
                        format!("{what}: unknown sector `{id}`"),
                        did_you_mean(id, ds.sectors.iter().map(|s| s.id.as_str())),
                    );
                }
                need(
                    d,
                    ["elasticity", "wtp_multiplier"].contains(attr),
                    "sector attributes: elasticity, wtp_multiplier",
                );
            }
            ["demand", "growth"] => {}
            ["events", key, field] => match self.event_index(key) {
                None => d.push(
                    codes::UNKNOWN_ID,
                    loc.clone(),
                    format!("{what}: no event `{key}`"),
                    Some("use an event's `id` or its 0-based position".into()),
                ),
                Some(i) => {
                    let v = serde_json::to_value(&self.events[i].event).unwrap_or_default();
                    let month = |k: &str| v.get(k).and_then(|x| x.as_str()).and_then(Month::parse);
                    let (start, end) = (month("start"), month("end"));
                    match *field {
                        "start" => {
                            if let (Some(s), Some(e), Some((_, hi))) = (start, end, support) {
                                need(
                                    d,
                                    s.plus(hi.round() as i32) <= e,
                                    &format!(
                                        "a shift of up to {hi} months moves `start` past the event's end ({e})"
                                    ),
                                );
                            }
                        }
                        "end" => {
                            need(
                                d,
                                end.is_some(),
                                &format!("event `{key}` has no `end` to shift"),
                            );
                            if let (Some(s), Some(e), Some((lo, _))) = (start, end, support) {
                                need(
                                    d,
                                    e.plus(lo.round() as i32) >= s,
                                    &format!(
                                        "a shift of {lo} months moves `end` before the event's start ({s})"
                                    ),
                                );
                            }
                        }
                        f => need(
                            d,
                            v.get(f).is_some_and(|x| x.is_number()),
                            &format!("event `{key}` has no numeric field `{f}`"),
                        ),
                    }
                }
            },
            _ => need(
                d,
                false,
                "unknown parameter path (see `[[uncertainty]]` in scenarios/README.md)",
            ),
        }
    }
}

fn check_override_value(k: &str, v: &toml::Value) -> Result<(), String> {
    match k {
        "start" | "closure" => match v.as_str().and_then(Month::parse) {
            Some(_) => Ok(()),
            None => Err("expected a month \"YYYY-MM\"".into()),
        },
        "status" => match v.as_str().and_then(Status::parse) {
            Some(_) => Ok(()),
            None => Err("expected a status (operating, construction, planned, announced, unlikely, suspended, closed)".into()),
        },
        _ => {
            let x = v.as_float().or_else(|| v.as_integer().map(|i| i as f64)).ok_or("expected a number")?;
            if x < 0.0 {
                return Err("must be ≥ 0".into());
            }
            if k == "utilization" && x > 1.0 {
                return Err("utilization is a share in 0..1".into());
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none(_: &str) -> Option<(String, String)> {
        None
    }

    #[test]
    fn parses_events_and_locates_unknown_fields() {
        let text = r#"
name = "t"
[horizon]
start = "2025-01"
end = "2026-12"

[[events]]
type = "disruption"
facility = "mt_weld"
start = "2025-03"
end = "2025-08"
loss = 1.0
source = "assumption_x"

[[events]]
type = "demand_shock"
sector = "wind"
start = "2025-01"
chnage = 0.1
"#;
        let e = Scenario::parse("s.toml", text, &none).unwrap_err();
        let s = e.to_string();
        assert!(s.contains("s.toml:15:1: error[E016]"), "{s}");

        let ok = text.replace("chnage", "change");
        let sc = Scenario::parse("s.toml", &ok, &none).unwrap();
        assert_eq!(sc.events.len(), 2);
        assert_eq!(sc.events[0].source.as_deref(), Some("assumption_x"));
        assert_eq!(sc.events[1].keys["change"], (19, 10));
        assert_eq!(sc.horizon.step, Step::Month);
    }

    #[test]
    fn unknown_field_in_event_is_located() {
        let text =
            "[[events]]\ntype = \"capacity\"\nfacility = \"x\"\nstart = \"2025-01\"\ncapcity = 3\n";
        let e = Scenario::parse("s.toml", text, &none).unwrap_err();
        assert!(
            e.to_string()
                .contains("s.toml:5:11: error[E016]: unknown field `capcity`"),
            "{e}"
        );
    }

    #[test]
    fn extends_merges_and_detects_cycles() {
        let base = "name = \"base\"\n[horizon]\nstart = \"2024-01\"\nend = \"2030-12\"\nstep = \"quarter\"\n";
        let lookup = |n: &str| match n {
            "base" => Some(("base.toml".to_string(), base.to_string())),
            "loop" => Some((
                "loop.toml".to_string(),
                "name = \"loop\"\nextends = \"child\"\n".to_string(),
            )),
            _ => None,
        };
        let child = "name = \"child\"\nextends = \"base\"\n[horizon]\nend = \"2028-12\"\n";
        let s = Scenario::parse("child.toml", child, &lookup).unwrap();
        assert_eq!(s.horizon.step, Step::Quarter);
        assert_eq!(s.horizon.end.to_string(), "2028-12");
        assert_eq!(s.files, ["child.toml", "base.toml"]);

        let cyc = "name = \"child\"\nextends = \"loop\"\n";
        let e = Scenario::parse("child.toml", cyc, &lookup).unwrap_err();
        assert!(e.to_string().contains("E013"), "{e}");
        let unknown = "extends = \"basline\"\n";
        let e = Scenario::parse("x.toml", unknown, &lookup).unwrap_err();
        assert!(
            e.to_string()
                .contains("x.toml:1:1: error[E008]: unknown scenario `basline`"),
            "{e}"
        );
    }

    #[test]
    fn syntax_errors_are_located() {
        let e = Scenario::parse("bad.toml", "name = \"x\"\n[horizon\n", &none).unwrap_err();
        assert!(e.to_string().starts_with("bad.toml:2:"), "{e}");
        let e = Scenario::parse("bad.toml", "[horizon]\nstart = \"2024-13\"\n", &none).unwrap_err();
        assert!(e.to_string().contains("bad.toml:2:9"), "{e}");
    }
}
