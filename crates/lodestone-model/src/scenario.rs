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
        }
    }
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
    /// Raw `[uncertainty]` tables (interpreted by the ensemble layer).
    pub uncertainty: Option<toml::Value>,
    /// Raw `[settings]` table (engine settings).
    pub settings: toml::Table,
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
    uncertainty: Option<toml::Value>,
    #[serde(default)]
    settings: toml::Table,
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
            uncertainty: None,
            settings: toml::Table::new(),
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
            if raw.uncertainty.is_some() {
                s.uncertainty = raw.uncertainty;
            }
            s.settings.extend(raw.settings);
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
