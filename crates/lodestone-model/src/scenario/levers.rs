//! Policy levers and physical events of a scenario (`[[events]]`): one module per `type`,
//! holding its fields (serde), their documentation, its checks against a dataset and its
//! dataset-level effect. The engine's effect of each lever lives in
//! `lodestone-engine/src/levers/<same name>.rs`.
//!
//! To add a lever: a module here (a struct implementing [`Lever`]), a module in the engine
//! (implementing its `Effect`), one line in the `levers!` list below, one arm in the
//! engine's `levers::effect` (the compiler points at it), and its section in
//! `scenarios/README.md`.

mod capacity;
mod demand_shock;
mod disruption;
mod expansion;
mod export_control;
mod investment;
mod new_facility;
mod offtake;
mod price_floor;
mod production_quota;
mod stockpile;
mod substitution;
mod suspend;
mod tariff;
mod technology_ban;

pub use capacity::Capacity;
pub use demand_shock::DemandShock;
pub use disruption::Disruption;
pub use expansion::Expansion;
pub use export_control::{
    ApprovalStep, ControlMode, Destinations, ExportControl, Extraterritorial, GeneralLicence,
};
pub use investment::Investment;
pub use new_facility::NewFacility;
pub use offtake::{Offtake, OfftakeDemand};
pub use price_floor::PriceFloor;
pub use production_quota::ProductionQuota;
pub use stockpile::{ReleaseRule, Stockpile};
pub use substitution::Substitution;
pub use suspend::Suspend;
pub use tariff::Tariff;
pub use technology_ban::TechnologyBan;

use super::{EventSpec, Scenario};
use crate::dataset::{Dataset, Facility, Stage};
use crate::diag::{Diagnostics, codes, did_you_mean};
use crate::time::Month;
use serde::{Deserialize, Serialize};

/// The largest values a lever may carry, by kind: beyond them a value is a typo or a unit
/// error, not a scenario (1e308 t of capacity, a lead time of 1e308 months that put a
/// plant online in month "-178954946-04").
pub mod limits {
    /// Tonnes per year (capacities, quotas, volumes, stock targets): above any commodity's
    /// world output (soybeans ~4e8 t/yr).
    pub const TONNES_PER_YEAR: f64 = 1e9;
    /// Months (lead times, ramps, lags, delays): a century.
    pub const MONTHS: f64 = 1200.0;
    /// Days (licence review delays): a century.
    pub const DAYS: f64 = 36_500.0;
    /// Prices, USD/kg.
    pub const USD_PER_KG: f64 = 1e6;
    /// Costs per tonne (unit costs, capital cost per t/yr), USD/t.
    pub const USD_PER_T: f64 = 1e9;
    /// Money amounts, in their currency.
    pub const AMOUNT: f64 = 1e13;
    /// Multiples and ratios (trigger multiples, ramp factors, substitution ratios).
    pub const MULTIPLE: f64 = 1e3;
}

/// What every lever provides to the model: its checks and its dataset-level effect.
pub trait Lever {
    /// Check the lever against the dataset (ids exist, values in range, dates in order),
    /// pushing located diagnostics through `cx`.
    fn check(&self, cx: &mut Check<'_>);

    /// Change the dataset before a run (new facilities, capacity steps). Most levers act
    /// in the engine instead and keep the default, which changes nothing.
    fn apply(&self, _ds: &mut Dataset, _spec: &EventSpec) {}

    /// The lever's own id, if it can be suspended by a `suspend` event.
    fn id(&self) -> Option<&str> {
        None
    }

    /// The id `[[uncertainty]]` paths use: [`Lever::id`], or an id that cannot be
    /// suspended.
    fn label(&self) -> Option<&str> {
        self.id()
    }

    /// The months the lever is in force, `(first, last)` with an open end as `None`;
    /// `None` for levers that are not windows (decisions, substitution options).
    fn window(&self) -> Option<(Month, Option<Month>)> {
        None
    }
}

/// Declares the `Event` enum (tagged by `type`), its kind names and the dispatch to each
/// lever's [`Lever`] implementation: one line per lever.
macro_rules! levers {
    ($( $(#[$doc:meta])* $kind:literal => $variant:ident, )*) => {
        /// A dated scenario event: one variant per lever module.
        #[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
        #[serde(tag = "type")]
        pub enum Event {
            $( $(#[$doc])* #[serde(rename = $kind)] $variant($variant), )*
        }

        /// Event kinds as written in `type`.
        pub const EVENT_KINDS: &[&str] = &[$($kind),*];

        impl Event {
            /// Kind name as written in `type`.
            pub fn kind(&self) -> &'static str {
                match self { $(Event::$variant(_) => $kind,)* }
            }

            /// The lever behind the event.
            pub fn lever(&self) -> &dyn Lever {
                match self { $(Event::$variant(x) => x,)* }
            }
        }
    };
}

levers! {
    /// Change a facility's capacity from a month, or enable a planned/announced one.
    "capacity" => Capacity,
    /// Add a facility that is not in the dataset.
    "new_facility" => NewFacility,
    /// A facility or a country's facilities lose a share of capacity for a while.
    "disruption" => Disruption,
    /// A sector's (or country's, or material's) demand changes by a fraction for a while.
    "demand_shock" => DemandShock,
    /// Export control by a country: ban, licensing or quota.
    "export_control" => ExportControl,
    /// Suspend another event (by id) for a while.
    "suspend" => Suspend,
    /// Ad valorem tariff on imports.
    "tariff" => Tariff,
    /// A cap on a country's output at a stage.
    "production_quota" => ProductionQuota,
    /// A guaranteed minimum price to a producer.
    "price_floor" => PriceFloor,
    /// A buyer commits to take a producer's output at a price.
    "offtake" => Offtake,
    /// A strategic stockpile.
    "stockpile" => Stockpile,
    /// Money for new or expanded capacity.
    "investment" => Investment,
    /// Technology-transfer ban.
    "technology_ban" => TechnologyBan,
    /// Price-triggered substitution.
    "substitution" => Substitution,
    /// Capacity that answers prices.
    "expansion" => Expansion,
}

impl Event {
    /// The event's own id, if it has one (for `suspend`).
    pub fn id(&self) -> Option<&str> {
        self.lever().id()
    }

    /// The event's `id` for `[[uncertainty]]` paths: the suspendable ids of [`Event::id`]
    /// and the ids of `capacity`, `investment` and `expansion` events, which cannot be
    /// suspended.
    pub fn label(&self) -> Option<&str> {
        self.lever().label()
    }
}

/// What a disruption or an expansion rule covers.
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

impl Target {
    /// Whether `f` matches every filter that is set (all facilities when none is).
    pub fn matches(&self, f: &Facility) -> bool {
        self.facility.as_ref().is_none_or(|id| *id == f.id)
            && self.country.as_ref().is_none_or(|c| *c == f.country)
            && self.stage.is_none_or(|s| s == f.stage)
    }
}

/// The kinds of id a lever refers to.
#[derive(Debug, Clone, Copy)]
pub enum Id {
    /// A facility (of the dataset or added by a `new_facility` event).
    Facility,
    /// A country.
    Country,
    /// A sector.
    Sector,
    /// A material.
    Material,
    /// A process.
    Process,
    /// A company.
    Company,
    /// An element.
    Element,
}

impl Id {
    fn noun(self) -> &'static str {
        match self {
            Id::Facility => "facility",
            Id::Country => "country",
            Id::Sector => "sector",
            Id::Material => "material",
            Id::Process => "process",
            Id::Company => "company",
            Id::Element => "element",
        }
    }
}

/// The ids a scenario may refer to, collected once per validation.
#[derive(Debug, Clone, Default)]
pub struct Ids {
    /// Facilities of the dataset.
    pub dataset_facilities: Vec<String>,
    /// Facilities of the dataset and those `new_facility` events add.
    pub facilities: Vec<String>,
    countries: Vec<String>,
    sectors: Vec<String>,
    materials: Vec<String>,
    processes: Vec<String>,
    companies: Vec<String>,
    elements: Vec<String>,
    /// Ids of suspendable events.
    pub events: Vec<String>,
}

impl Ids {
    /// Collect the ids of a dataset and of a scenario's events.
    pub fn new(ds: &Dataset, sc: &Scenario) -> Ids {
        fn ids<'a>(v: impl Iterator<Item = &'a str>) -> Vec<String> {
            v.map(str::to_string).collect()
        }
        let dataset_facilities = ids(ds.facilities.iter().map(|f| f.id.as_str()));
        let mut facilities = dataset_facilities.clone();
        for e in &sc.events {
            if let Event::NewFacility(x) = &e.event {
                facilities.push(x.id.clone());
            }
        }
        Ids {
            dataset_facilities,
            facilities,
            countries: ids(ds.countries.iter().map(|c| c.id.as_str())),
            sectors: ids(ds.sectors.iter().map(|c| c.id.as_str())),
            materials: ids(ds.materials.iter().map(|c| c.id.as_str())),
            processes: ids(ds.processes.iter().map(|c| c.id.as_str())),
            companies: ids(ds.companies.iter().map(|c| c.id.as_str())),
            elements: ids(ds.elements.iter().map(|c| c.id.as_str())),
            events: sc
                .events
                .iter()
                .filter_map(|e| e.event.id().map(str::to_string))
                .collect(),
        }
    }

    /// The known ids of one kind.
    pub fn of(&self, kind: Id) -> &[String] {
        match kind {
            Id::Facility => &self.facilities,
            Id::Country => &self.countries,
            Id::Sector => &self.sectors,
            Id::Material => &self.materials,
            Id::Process => &self.processes,
            Id::Company => &self.companies,
            Id::Element => &self.elements,
        }
    }
}

/// The context of one lever's checks: the dataset, the scenario, the known ids, the
/// event's locations and the diagnostics found so far.
pub struct Check<'a> {
    /// The dataset checked against.
    pub ds: &'a Dataset,
    /// The whole scenario (other events, for `suspend`).
    pub sc: &'a Scenario,
    /// Known ids.
    pub ids: &'a Ids,
    /// The event checked (its locations).
    pub spec: &'a EventSpec,
    /// Where problems go.
    pub d: &'a mut Diagnostics,
}

impl Check<'_> {
    /// Record a problem at the value of `key` (at the event's header when `key` is
    /// `None` or was not written).
    pub fn push(
        &mut self,
        code: &'static str,
        key: Option<&str>,
        msg: impl Into<String>,
        hint: Option<String>,
    ) {
        let loc = match key {
            Some(k) => self.spec.loc(k),
            None => self.spec.location.clone(),
        };
        self.d.push(code, loc, msg, hint);
    }

    /// `v` (written at `key`) must be a known id of `kind`.
    pub fn known(&mut self, key: &str, kind: Id, v: &str) {
        let set = self.ids.of(kind);
        if !set.iter().any(|s| s == v) {
            let what = kind.noun();
            let hint = did_you_mean(v, set.iter().map(String::as_str))
                .or_else(|| Some(format!("no such {what} in dataset `{}`", self.ds.name)));
            self.push(
                codes::UNKNOWN_ID,
                Some(key),
                format!("unknown {what} `{v}`"),
                hint,
            );
        }
    }

    /// A payer (written at `key`) must be a country or an agency of `agencies.csv`.
    pub fn payer(&mut self, key: &str, v: &str) {
        let countries = self.ids.of(Id::Country);
        let agencies = &self.ds.agencies;
        if countries.iter().any(|c| c == v) || agencies.iter().any(|a| a.id == v) {
            return;
        }
        let wanted = v.to_lowercase();
        let ids = countries.iter().map(String::as_str);
        let hint = did_you_mean(v, ids.chain(agencies.iter().map(|a| a.id.as_str())))
            .or_else(|| {
                // an agency written by its short name, e.g. `DoD` for `us_dod`
                (agencies.iter())
                    .find(|a| a.id.rsplit('_').next() == Some(wanted.as_str()))
                    .map(|a| format!("did you mean `{}` ({})?", a.id, a.name))
            })
            .or_else(|| {
                Some(if agencies.is_empty() {
                    format!(
                        "a payer is a country; dataset `{}` declares no agencies (agencies.csv: id, name, country, source)",
                        self.ds.name
                    )
                } else {
                    let names: Vec<&str> = agencies.iter().map(|a| a.id.as_str()).collect();
                    format!("a payer is a country or an agency: {}", names.join(", "))
                })
            });
        self.push(
            codes::UNKNOWN_ID,
            Some(key),
            format!("unknown payer `{v}`: neither a country nor an agency"),
            hint,
        );
    }

    /// An event's end must not come before its start.
    pub fn dates(&mut self, start: Month, end: Option<Month>) {
        if let Some(end) = end
            && end < start
        {
            self.push(
                codes::DATE_ORDER,
                Some("end"),
                format!("event ends ({end}) before it starts ({start})"),
                None,
            );
        }
    }

    /// A share (written at `key`) must lie in 0..1.
    pub fn share(&mut self, key: &str, v: f64) {
        if !(0.0..=1.0).contains(&v) {
            self.push(
                codes::OUT_OF_RANGE,
                Some(key),
                format!("`{key}` = {v} is outside 0..1"),
                Some("shares are fractions: 0.5 means half".into()),
            );
        }
    }

    /// A value (written at `key`) outside its domain (`ok` false), with a hint.
    pub fn range(&mut self, key: &str, v: f64, ok: bool, hint: &str) {
        if !ok {
            self.push(
                codes::OUT_OF_RANGE,
                Some(key),
                format!("`{key}` = {v} is out of range"),
                Some(hint.into()),
            );
        }
    }

    /// What a disruption or an expansion covers: the ids it names exist, and a facility is
    /// not combined with a country or a stage (a facility has its own).
    pub fn target(&mut self, t: &Target) {
        if let Some(f) = &t.facility {
            self.known("facility", Id::Facility, f);
        }
        if let Some(c) = &t.country {
            self.known("country", Id::Country, c);
        }
        let (f, why) = (
            t.facility.is_some(),
            "a facility has its own country and stage",
        );
        self.exclusive("facility", f, "country", t.country.is_some(), why);
        self.exclusive("facility", f, "stage", t.stage.is_some(), why);
    }

    /// A producer (`facility`, or every facility of a `company`, not both), the material it
    /// sells and a price in 0..=[`limits::USD_PER_KG`], as `price_floor` and `offtake` name
    /// them.
    pub fn producer(
        &mut self,
        kind: &str,
        facility: Option<&str>,
        company: Option<&str>,
        material: &str,
        price: f64,
    ) {
        match (facility, company) {
            (Some(f), _) => self.known("facility", Id::Facility, f),
            (None, Some(c)) => self.known("company", Id::Company, c),
            (None, None) => self.push(
                codes::SCENARIO,
                None,
                format!("{kind} needs `facility` or `company`"),
                None,
            ),
        }
        let why = "one facility, or every facility of a company";
        self.exclusive(
            "facility",
            facility.is_some(),
            "company",
            company.is_some(),
            why,
        );
        self.known("material", Id::Material, material);
        if price < 0.0 {
            self.out_of_range("price", "price is negative");
        }
        self.at_most("price", price, limits::USD_PER_KG, "USD/kg");
    }

    /// A value (written at `key`) must not exceed `max` (one of [`limits`]), in `unit`.
    pub fn at_most(&mut self, key: &str, v: f64, max: f64, unit: &str) {
        if v > max {
            self.push(
                codes::OUT_OF_RANGE,
                Some(key),
                format!("`{key}` = {v:e} is out of range: at most {max:e} {unit}"),
                Some("check the unit and the number of zeros".into()),
            );
        }
    }

    /// Two keys that exclude each other must not both be written (both places named).
    pub fn exclusive(&mut self, a: &str, a_set: bool, b: &str, b_set: bool, why: &str) {
        if a_set && b_set {
            let first = self.spec.loc(a);
            self.push(
                codes::INCONSISTENT,
                Some(b),
                format!("`{a}` (at {first}) and `{b}` exclude each other: {why}"),
                Some(format!("keep one of `{a}` and `{b}`")),
            );
        }
    }

    /// A problem with a value (written at `key`), without a hint.
    pub fn out_of_range(&mut self, key: &str, msg: impl Into<String>) {
        self.push(codes::OUT_OF_RANGE, Some(key), msg, None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The event table of scenarios/README.md, the levers' user documentation.
    const README: &str = include_str!("../../../../scenarios/README.md");

    #[test]
    fn every_lever_is_documented_in_the_scenarios_readme() {
        let undocumented: Vec<&str> = EVENT_KINDS
            .iter()
            .copied()
            .filter(|k| !README.contains(&format!("\n| `{k}` | ")))
            .collect();
        assert!(
            undocumented.is_empty(),
            "no row in scenarios/README.md's [[events]] table for {undocumented:?}"
        );
    }

    #[test]
    fn kind_is_the_type_tag_serde_reads_and_writes() {
        let text = "type = \"suspend\"\nevent = \"x\"\nstart = \"2025-01\"\n";
        let e: Event = toml::from_str(text).unwrap();
        assert_eq!(e.kind(), "suspend");
        let back = serde_json::to_value(&e).unwrap();
        assert_eq!(back["type"], "suspend");
        let bad = toml::from_str::<Event>("type = \"tarif\"\nimporter = \"US\"\n");
        let msg = bad.unwrap_err().to_string();
        for k in EVENT_KINDS {
            assert!(msg.contains(&format!("`{k}`")), "{k} missing from: {msg}");
        }
    }
}
